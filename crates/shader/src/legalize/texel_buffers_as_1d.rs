//! Texel buffers → 1-D images.
//!
//! naga has no `Buffer` image dimension. A uniform texel buffer (`samplerBuffer`,
//! `textureBuffer`) reads like a 1-D sampled image fetched at level 0, and a storage texel
//! buffer (`imageBuffer`) like a 1-D storage image; the driver binds a buffer view as a 1-D
//! image of `range / texel size` texels. So every `OpTypeImage` of dimension `Buffer` becomes
//! `1D`, the `SampledBuffer`/`ImageBuffer` capabilities become `Sampled1D`/`Image1D`, and an
//! `OpImageFetch` without a level gets `Lod 0` (naga requires a level for sampled images).
//!
//! Fetches with other image operands on a texel buffer are not valid SPIR-V; if one is seen the
//! module is left alone.

use foldhash::HashSet;

use super::{op, Inst, Module};

const TYPE_IMAGE: u16 = 25;
const TYPE_SAMPLED_IMAGE: u16 = 27;
const CONSTANT: u16 = 43;
const IMAGE_FETCH: u16 = 95;
const DIM_1D: u32 = 0;
const DIM_BUFFER: u32 = 5;
const CAPABILITY_SAMPLED_1D: u32 = 43;
const CAPABILITY_IMAGE_1D: u32 = 44;
const CAPABILITY_SAMPLED_BUFFER: u32 = 46;
const CAPABILITY_IMAGE_BUFFER: u32 = 47;
const IMAGE_OPERANDS_LOD: u32 = 0x2;

pub(crate) fn texel_buffers_as_1d(m: &mut Module) {
    if !m
        .insts
        .iter()
        .any(|i| i.opcode() == TYPE_IMAGE && i.operand(2) == Some(DIM_BUFFER))
    {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
    }
}

fn rewrite(m: &mut Module) -> Option<()> {
    let mut buffer_images = HashSet::default();
    for inst in &mut m.insts {
        if inst.opcode() == TYPE_IMAGE && inst.0.len() >= 9 && inst.0[3] == DIM_BUFFER {
            inst.0[3] = DIM_1D;
            buffer_images.insert(inst.0[1]);
        }
    }
    // Sampled-image types over them, and the ids of every value of either type.
    let sampled: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == TYPE_SAMPLED_IMAGE && i.0.len() == 3 && buffer_images.contains(&i.0[2])
        })
        .map(|i| i.0[1])
        .collect();
    let mut values = HashSet::default();
    for i in &m.insts {
        // Any instruction with a result type of one of these types: loads, OpImage,
        // OpSampledImage.
        if i.0.len() >= 3
            && i.opcode() != op::TYPE_POINTER
            && (buffer_images.contains(&i.0[1]) || sampled.contains(&i.0[1]))
            && i.opcode() != TYPE_SAMPLED_IMAGE
        {
            values.insert(i.0[2]);
        }
    }
    let is_fetch =
        |i: &Inst| i.opcode() == IMAGE_FETCH && i.0.len() >= 5 && values.contains(&i.0[3]);
    if m.insts.iter().any(|i| is_fetch(i) && i.0.len() > 5) {
        return None;
    }
    if m.insts.iter().any(is_fetch) {
        // Made first: it may insert instructions.
        let zero = int_zero(m)?;
        for inst in m.insts.iter_mut().filter(|i| is_fetch(i)) {
            inst.0.push(IMAGE_OPERANDS_LOD);
            inst.0.push(zero);
            inst.fix_count();
        }
    }
    for inst in &mut m.insts {
        if inst.opcode() == op::CAPABILITY && inst.0.len() == 2 {
            match inst.0[1] {
                CAPABILITY_SAMPLED_BUFFER => inst.0[1] = CAPABILITY_SAMPLED_1D,
                CAPABILITY_IMAGE_BUFFER => inst.0[1] = CAPABILITY_IMAGE_1D,
                _ => {}
            }
        }
    }
    Some(())
}

/// An `OpConstant` 0 of a 32-bit integer type, made (with the type) when there is none.
fn int_zero(m: &mut Module) -> Option<u32> {
    let ints: Vec<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::TYPE_INT && i.0.len() == 4 && i.0[2] == 32)
        .map(|i| i.0[1])
        .collect();
    if let Some(c) = m
        .insts
        .iter()
        .find(|i| i.opcode() == CONSTANT && i.0.len() == 4 && ints.contains(&i.0[1]) && i.0[3] == 0)
    {
        return Some(c.0[2]);
    }
    // Put the constant (and a type if needed) just before the first function.
    let at = m.insts.iter().position(|i| i.opcode() == op::FUNCTION)?;
    let (ty, mut new) = match ints.first() {
        Some(&t) => (t, Vec::new()),
        None => {
            let t = m.fresh_id()?;
            (t, vec![Inst::new(op::TYPE_INT, &[t, 32, 1])])
        }
    };
    let c = m.fresh_id()?;
    new.push(Inst::new(CONSTANT, &[ty, c, 0]));
    m.insts.splice(at..at, new);
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::super::tests::assemble;

    const TEXEL_FETCH: &str = r#"
               OpCapability Shader
               OpCapability SampledBuffer
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %tb DescriptorSet 0
               OpDecorate %tb Binding 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
      %float = OpTypeFloat 32
        %int = OpTypeInt 32 1
       %vec4 = OpTypeVector %float 4
        %img = OpTypeImage %float Buffer 0 0 0 1 Unknown
         %si = OpTypeSampledImage %img
     %ptr_si = OpTypePointer UniformConstant %si
         %tb = OpVariable %ptr_si UniformConstant
      %int_3 = OpConstant %int 3
       %main = OpFunction %void None %fn
      %entry = OpLabel
          %s = OpLoad %si %tb
          %i = OpImage %img %s
          %t = OpImageFetch %vec4 %i %int_3
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn texel_buffer_fetch_reads_as_a_1d_image() {
        let Some(w) = assemble(TEXEL_FETCH, "vulkan1.0") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let (module, _) = crate::parse(&w).unwrap();
        let found = module.types.iter().any(|(_, t)| {
            matches!(
                t.inner,
                naga::TypeInner::Image {
                    dim: naga::ImageDimension::D1,
                    ..
                }
            )
        });
        assert!(found);
    }
}
