//! Input attachments → image fetches at the fragment's position.
//!
//! naga has no `SubpassData` image dimension. An input attachment (`subpassInput`) is the
//! framebuffer attachment a previous subpass wrote, read at the fragment's own pixel:
//! `subpassLoad(s)` is `OpImageRead s, (0, 0)`, the coordinate an offset from the fragment's
//! framebuffer position ("Fragment Input Attachments"). The driver binds an input attachment
//! descriptor as an image view, like a sampled image. So:
//!
//! - every `OpTypeImage` of dimension `SubpassData` becomes a 2-D sampled image (`Sampled` 1),
//!   multisampled when it was;
//! - each `OpImageRead` of one becomes `OpImageFetch` at `offset + ivec2(gl_FragCoord.xy)`, at
//!   `Lod 0`, or at the sample it named (`subpassLoad(s, sample)` on a `subpassInputMS`);
//! - a `FragCoord` input is declared (and listed by the fragment entry points) when the shader
//!   has none;
//! - the `InputAttachment` capability and `InputAttachmentIndex` decorations go (naga knows
//!   neither; the index only matters to the render pass, which binds by descriptor).
//!
//! Truncating the fragment position is exact: it is the pixel centre, `(x + ½, y + ½)`, or with
//! sample shading a sample location inside the same pixel.

use foldhash::HashSet;

use super::{op, Inst, Module};

const IMAGE_READ: u16 = 98;
const IMAGE_FETCH: u16 = 95;
const CONVERT_F_TO_S: u16 = 110;
const DIM_2D: u32 = 1;
const DIM_SUBPASS_DATA: u32 = 6;
const CAPABILITY_INPUT_ATTACHMENT: u32 = 40;
const DECORATION_BUILT_IN: u32 = 11;
const DECORATION_INPUT_ATTACHMENT_INDEX: u32 = 43;
const BUILT_IN_FRAG_COORD: u32 = 15;
const STORAGE_INPUT: u32 = 1;
const EXECUTION_MODEL_FRAGMENT: u32 = 4;
const IMAGE_OPERANDS_LOD: u32 = 0x2;
const IMAGE_OPERANDS_SAMPLE: u32 = 0x40;

pub(crate) fn input_attachments_as_fetches(m: &mut Module) {
    if !m
        .insts
        .iter()
        .any(|i| i.opcode() == op::TYPE_IMAGE && i.operand(2) == Some(DIM_SUBPASS_DATA))
    {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
    }
}

fn rewrite(m: &mut Module) -> Option<()> {
    // OpTypeImage %id %sampled_type Dim Depth Arrayed MS Sampled Format
    let mut subpass_types = HashSet::default();
    for inst in &mut m.insts {
        if inst.opcode() == op::TYPE_IMAGE && inst.0.len() >= 9 && inst.0[3] == DIM_SUBPASS_DATA {
            inst.0[3] = DIM_2D;
            inst.0[7] = 1;
            subpass_types.insert(inst.0[1]);
        }
    }
    // Values of those types (loads of the variables, copies).
    let values: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| {
            i.0.len() >= 3
                && (op::LOAD == i.opcode() || op::COPY_OBJECT == i.opcode())
                && subpass_types.contains(&i.0[1])
        })
        .map(|i| i.0[2])
        .collect();
    let is_read = |i: &Inst| i.opcode() == IMAGE_READ && i.0.len() >= 5 && values.contains(&i.0[3]);
    let reads = m.insts.iter().filter(|i| is_read(i)).count();
    m.insts.retain(|i| {
        !(i.opcode() == op::CAPABILITY && i.operand(0) == Some(CAPABILITY_INPUT_ATTACHMENT))
            && !(i.opcode() == op::DECORATE
                && i.operand(1) == Some(DECORATION_INPUT_ATTACHMENT_INDEX))
    });
    if reads == 0 {
        return Some(());
    }

    let float = m.intern_type(op::TYPE_FLOAT, &[32])?;
    let vec4 = m.intern_type(op::TYPE_VECTOR, &[float, 4])?;
    let vec2 = m.intern_type(op::TYPE_VECTOR, &[float, 2])?;
    let int = m.intern_type(op::TYPE_INT, &[32, 1])?;
    let zero = m.constant32(int, 0)?;
    let frag_coord = frag_coord_variable(m, vec4)?;

    let mut out = Vec::with_capacity(m.insts.len() + 4 * reads);
    let insts = std::mem::take(&mut m.insts);
    for inst in insts {
        if !is_read(&inst) {
            out.push(inst);
            continue;
        }
        // OpImageRead %result_type %result %image %coordinate [operands ids…]
        let (result_type, result, image, coord) = (inst.0[1], inst.0[2], inst.0[3], inst.0[4]);
        let coord_type = coordinate_type(&out, coord)?;
        let [fc, xy, ixy, at] = [m.fresh_id()?, m.fresh_id()?, m.fresh_id()?, m.fresh_id()?];
        out.push(Inst::new(op::LOAD, &[vec4, fc, frag_coord]));
        out.push(Inst::new(op::VECTOR_SHUFFLE, &[vec2, xy, fc, fc, 0, 1]));
        out.push(Inst::new(CONVERT_F_TO_S, &[coord_type, ixy, xy]));
        out.push(Inst::new(op::I_ADD, &[coord_type, at, coord, ixy]));
        let mut fetch = vec![result_type, result, image, at];
        match inst.0.get(5..) {
            None | Some([]) => fetch.extend([IMAGE_OPERANDS_LOD, zero]),
            // `subpassLoad(s, sample)`: the sample operand carries over.
            Some([IMAGE_OPERANDS_SAMPLE, sample]) => fetch.extend([IMAGE_OPERANDS_SAMPLE, *sample]),
            Some(_) => return None,
        }
        out.push(Inst::new(IMAGE_FETCH, &fetch));
    }
    m.insts = out;
    Some(())
}

/// The type of the coordinate `id` (a constant or an earlier value in `insts`).
fn coordinate_type(insts: &[Inst], id: u32) -> Option<u32> {
    insts
        .iter()
        .find(|i| super::has_result_type(i.opcode()) && i.0.len() >= 3 && i.0[2] == id)
        .map(|i| i.0[1])
}

/// The shader's `FragCoord` input variable, declared (and added to the fragment entry points'
/// interfaces) when it has none.
fn frag_coord_variable(m: &mut Module, vec4: u32) -> Option<u32> {
    if let Some(i) = m.find(op::DECORATE, |o| {
        o.len() == 3 && o[1] == DECORATION_BUILT_IN && o[2] == BUILT_IN_FRAG_COORD
    }) {
        return m.insts[i].operand(0);
    }
    let ptr = m.intern_type(op::TYPE_POINTER, &[STORAGE_INPUT, vec4])?;
    let var = m.fresh_id()?;
    let at = m.globals_end();
    m.insts
        .insert(at, Inst::new(op::VARIABLE, &[ptr, var, STORAGE_INPUT]));
    let decorations = m
        .insts
        .iter()
        .position(|i| i.opcode() == op::DECORATE)
        .unwrap_or(at);
    m.insts.insert(
        decorations,
        Inst::new(
            op::DECORATE,
            &[var, DECORATION_BUILT_IN, BUILT_IN_FRAG_COORD],
        ),
    );
    for inst in &mut m.insts {
        if inst.opcode() == op::ENTRY_POINT && inst.operand(0) == Some(EXECUTION_MODEL_FRAGMENT) {
            inst.0.push(var);
            inst.fix_count();
        }
    }
    Some(var)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legalize::tests::assemble;

    #[test]
    fn subpass_loads_become_fetches_at_the_fragment() {
        let Some(words) = assemble(
            r#"
               OpCapability Shader
               OpCapability InputAttachment
               OpMemoryModel Logical GLSL450
               OpEntryPoint Fragment %main "main" %o
               OpExecutionMode %main OriginUpperLeft
               OpDecorate %o Location 0
               OpDecorate %inp DescriptorSet 0
               OpDecorate %inp Binding 0
               OpDecorate %inp InputAttachmentIndex 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
      %float = OpTypeFloat 32
    %v4float = OpTypeVector %float 4
    %out_ptr = OpTypePointer Output %v4float
          %o = OpVariable %out_ptr Output
        %img = OpTypeImage %float SubpassData 0 0 0 2 Unknown
    %img_ptr = OpTypePointer UniformConstant %img
        %inp = OpVariable %img_ptr UniformConstant
        %int = OpTypeInt 32 1
      %v2int = OpTypeVector %int 2
      %int_0 = OpConstant %int 0
     %origin = OpConstantComposite %v2int %int_0 %int_0
       %main = OpFunction %void None %fn
      %entry = OpLabel
          %i = OpLoad %img %inp
          %v = OpImageRead %v4float %i %origin
               OpStore %o %v
               OpReturn
               OpFunctionEnd
"#,
            "vulkan1.0",
        ) else {
            return;
        };
        let mut m = Module::read(&words).unwrap();
        input_attachments_as_fetches(&mut m);
        m.sort_globals();
        let out = m.write();
        let module = crate::front::parse(&out).expect("naga accepts the rewritten module");
        assert!(module.0.global_variables.iter().any(|(_, g)| matches!(
            g.binding,
            Some(naga::ResourceBinding {
                group: 0,
                binding: 0
            })
        )));
        let m = Module::read(&out).unwrap();
        assert!(m.insts.iter().all(|i| i.opcode() != IMAGE_READ));
        assert!(m.insts.iter().any(|i| i.opcode() == IMAGE_FETCH));
        // The entry point lists `o` and the new FragCoord input ("main" takes two words).
        let entry = m
            .insts
            .iter()
            .find(|i| i.opcode() == op::ENTRY_POINT)
            .unwrap();
        assert_eq!(entry.0.len(), 7);
    }
}
