//! Combined image-samplers → a separate image and sampler.
//!
//! naga's SPIR-V reader has no combined image-sampler variables (every GLSL `sampler2D`), but it
//! reads an image and a sampler loaded separately and joined by `OpSampledImage` (GLSL's
//! `sampler2D(texture2D, sampler)`). So each `UniformConstant` variable whose type is an
//! `OpTypeSampledImage` (or an array of them) becomes two variables with the same
//! `DescriptorSet`/`Binding` decorations: the original id, retyped to the image, and a new one of
//! type `OpTypeSampler`. Then:
//! - `OpLoad %sampled %v` → load the image, load the sampler, `OpSampledImage` of the two;
//! - `OpAccessChain` into an array of combined image-samplers → one chain into each array;
//! - function parameters of such pointer types become two parameters (image, sampler), their
//!   `OpTypeFunction`s get the extra parameter, and calls pass both.
//!
//! The driver reads the pair back as one descriptor: the sampler's `Binding` is marked with
//! [`COMBINED_SAMPLER_BIT`] (naga refuses two variables on one binding), the lowering gives the
//! image and the sampler of one (set, binding, element) the same resource slot, and a combined
//! image-sampler descriptor supplies both. Any other use of a split pointer (a copy, a pointer comparison, a
//! decoration group) leaves the module untouched, and naga refuses it as before.

use foldhash::HashMap;

use super::{op, Inst, Module};

const TYPE_SAMPLER: u16 = 26;
const TYPE_SAMPLED_IMAGE: u16 = 27;
const TYPE_ARRAY: u16 = 28;
const TYPE_RUNTIME_ARRAY: u16 = 29;
const TYPE_FUNCTION: u16 = 33;
const FUNCTION_PARAMETER: u16 = 55;
const FUNCTION_CALL: u16 = 57;
const ACCESS_CHAIN: u16 = 65;
const IN_BOUNDS_ACCESS_CHAIN: u16 = 66;
const SAMPLED_IMAGE: u16 = 86;
const STORAGE_UNIFORM_CONSTANT: u32 = 0;
const DECORATION_BINDING: u32 = 33;

/// Set in the `Binding` of the sampler half of a split combined image-sampler. naga refuses two
/// variables on one binding, so the sampler gets `binding | COMBINED_SAMPLER_BIT`; the lowering
/// clears the bit and gives both halves the one resource slot of the real binding. (Vulkan
/// binding numbers that large would need a layout of 2^31 bindings' worth of numbering; no
/// layout Pumice accepts has one.)
pub const COMBINED_SAMPLER_BIT: u32 = 1 << 31;

/// The shape of a combined type: the sampled-image type itself or an array of it.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Single,
    /// `OpTypeArray` with this length id.
    Array(u32),
    Runtime,
}

/// What a pointer-to-combined type splits into.
#[derive(Clone, Copy, Debug)]
struct SplitPtr {
    /// Pointer to the image (or array of images).
    image_ptr: u32,
    /// Pointer to the sampler (or array of samplers).
    sampler_ptr: u32,
}

pub(crate) fn split_combined_samplers(m: &mut Module) {
    if !m
        .insts
        .iter()
        .any(|i| i.opcode() == TYPE_SAMPLED_IMAGE && i.0.len() == 3)
    {
        return;
    }
    // Work on a copy so a refusal halfway leaves the module as it was.
    let mut n = m.clone();
    if split(&mut n).is_some() {
        *m = n;
    }
}

fn split(m: &mut Module) -> Option<()> {
    if m.insts.iter().any(|i| i.opcode() == op::DECORATION_GROUP) {
        return None;
    }
    // sampled-image type → its image type.
    let sampled: HashMap<u32, u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == TYPE_SAMPLED_IMAGE && i.0.len() == 3)
        .map(|i| (i.0[1], i.0[2]))
        .collect();
    // Array types whose element is a sampled image: array id → (image type, shape).
    let mut arrays: HashMap<u32, (u32, Shape)> = HashMap::default();
    for i in &m.insts {
        let o = i.operands();
        match i.opcode() {
            TYPE_ARRAY if o.len() == 3 && sampled.contains_key(&o[1]) => {
                arrays.insert(o[0], (sampled[&o[1]], Shape::Array(o[2])));
            }
            TYPE_RUNTIME_ARRAY if o.len() == 2 && sampled.contains_key(&o[1]) => {
                arrays.insert(o[0], (sampled[&o[1]], Shape::Runtime));
            }
            _ => {}
        }
    }
    // The sampler type: an existing `OpTypeSampler` is moved up to where it is first needed
    // (it has no operands), or one is made.
    let existing_sampler = m
        .insts
        .iter()
        .find(|i| i.opcode() == TYPE_SAMPLER && i.0.len() == 2)
        .map(|i| i.0[1]);
    let mut sampler_emitted = false;
    let mut sampler_type = existing_sampler;
    // Pointer types to rewrite, with the new types defined just before each.
    let mut split_ptrs: HashMap<u32, SplitPtr> = HashMap::default();
    let mut out = Vec::with_capacity(m.insts.len() + 16);
    let insts = std::mem::take(&mut m.insts);
    // UniformConstant pointer types defined so far, to reuse: pointee → pointer.
    let mut uc_ptrs: HashMap<u32, u32> = HashMap::default();
    for i in insts {
        let o = i.operands().to_vec();
        if i.opcode() == TYPE_SAMPLER && i.0.len() == 2 {
            if !sampler_emitted {
                sampler_emitted = true;
                out.push(i);
            }
            continue;
        }
        let combined = if i.opcode() == op::TYPE_POINTER && o.len() == 3 {
            if let Some(&img) = sampled.get(&o[2]) {
                Some((img, Shape::Single))
            } else {
                arrays.get(&o[2]).copied()
            }
        } else {
            None
        };
        if combined.is_none() {
            if i.opcode() == op::TYPE_POINTER && o.len() == 3 && o[1] == STORAGE_UNIFORM_CONSTANT {
                uc_ptrs.entry(o[2]).or_insert(o[0]);
            }
        }
        let Some((image, shape)) = combined else {
            out.push(i);
            continue;
        };
        if o[1] != STORAGE_UNIFORM_CONSTANT {
            return None;
        }
        let sampler = match sampler_type {
            Some(s) => s,
            None => {
                let s = m.fresh_id()?;
                sampler_type = Some(s);
                s
            }
        };
        if !sampler_emitted {
            out.push(Inst::new(TYPE_SAMPLER, &[sampler]));
            sampler_emitted = true;
        }
        let (image_pointee, sampler_pointee) = match shape {
            Shape::Single => (image, sampler),
            Shape::Array(len) => {
                let a = m.fresh_id()?;
                let b = m.fresh_id()?;
                out.push(Inst::new(TYPE_ARRAY, &[a, image, len]));
                out.push(Inst::new(TYPE_ARRAY, &[b, sampler, len]));
                (a, b)
            }
            Shape::Runtime => {
                let a = m.fresh_id()?;
                let b = m.fresh_id()?;
                out.push(Inst::new(TYPE_RUNTIME_ARRAY, &[a, image]));
                out.push(Inst::new(TYPE_RUNTIME_ARRAY, &[b, sampler]));
                (a, b)
            }
        };
        let mut pointer_to = |pointee: u32, out: &mut Vec<Inst>| -> Option<u32> {
            if let Some(&p) = uc_ptrs.get(&pointee) {
                return Some(p);
            }
            let p = m.fresh_id()?;
            out.push(Inst::new(
                op::TYPE_POINTER,
                &[p, STORAGE_UNIFORM_CONSTANT, pointee],
            ));
            uc_ptrs.insert(pointee, p);
            Some(p)
        };
        let image_ptr = pointer_to(image_pointee, &mut out)?;
        let sampler_ptr = pointer_to(sampler_pointee, &mut out)?;
        split_ptrs.insert(
            o[0],
            SplitPtr {
                image_ptr,
                sampler_ptr,
            },
        );
        // The original pointer type stays defined (unused types are harmless).
        out.push(i);
    }
    if split_ptrs.is_empty() {
        return None;
    }
    let mut pairs: HashMap<u32, u32> = HashMap::default();
    // Pass 2: variables, parameters, function types, chains, loads and calls.
    let insts = std::mem::take(&mut out);
    let mut result = Vec::with_capacity(insts.len() + 32);
    for mut i in insts {
        let o = i.operands().to_vec();
        match i.opcode() {
            op::VARIABLE if o.len() >= 3 => {
                if let Some(sp) = split_ptrs.get(&o[0]) {
                    if o.len() != 3 {
                        return None; // an initialiser on a handle: not valid SPIR-V
                    }
                    let s = m.fresh_id()?;
                    pairs.insert(o[1], s);
                    result.push(Inst::new(op::VARIABLE, &[sp.image_ptr, o[1], o[2]]));
                    result.push(Inst::new(op::VARIABLE, &[sp.sampler_ptr, s, o[2]]));
                    continue;
                }
            }
            FUNCTION_PARAMETER if o.len() == 2 => {
                if let Some(sp) = split_ptrs.get(&o[0]) {
                    let s = m.fresh_id()?;
                    pairs.insert(o[1], s);
                    result.push(Inst::new(FUNCTION_PARAMETER, &[sp.image_ptr, o[1]]));
                    result.push(Inst::new(FUNCTION_PARAMETER, &[sp.sampler_ptr, s]));
                    continue;
                }
            }
            TYPE_FUNCTION if o.len() >= 2 => {
                if o[2..].iter().any(|p| split_ptrs.contains_key(p)) {
                    let mut w = vec![o[0], o[1]];
                    for p in &o[2..] {
                        match split_ptrs.get(p) {
                            Some(sp) => w.extend([sp.image_ptr, sp.sampler_ptr]),
                            None => w.push(*p),
                        }
                    }
                    result.push(Inst::new(TYPE_FUNCTION, &w));
                    continue;
                }
            }
            ACCESS_CHAIN | IN_BOUNDS_ACCESS_CHAIN if o.len() >= 3 => {
                if let Some(&base_s) = pairs.get(&o[2]) {
                    // A chain into an array of combined image-samplers yields a pointer to
                    // one of them.
                    let sp = split_ptrs.get(&o[0])?;
                    let s = m.fresh_id()?;
                    let mut img = vec![sp.image_ptr, o[1], o[2]];
                    img.extend_from_slice(&o[3..]);
                    let mut smp = vec![sp.sampler_ptr, s, base_s];
                    smp.extend_from_slice(&o[3..]);
                    pairs.insert(o[1], s);
                    result.push(Inst::new(i.opcode(), &img));
                    result.push(Inst::new(i.opcode(), &smp));
                    continue;
                }
            }
            op::LOAD if o.len() >= 3 => {
                if let Some(&ptr_s) = pairs.get(&o[2]) {
                    let &image = sampled.get(&o[0])?;
                    let sampler = sampler_type?;
                    let img = m.fresh_id()?;
                    let smp = m.fresh_id()?;
                    let mut load = vec![image, img, o[2]];
                    load.extend_from_slice(&o[3..]);
                    result.push(Inst::new(op::LOAD, &load));
                    result.push(Inst::new(op::LOAD, &[sampler, smp, ptr_s]));
                    result.push(Inst::new(SAMPLED_IMAGE, &[o[0], o[1], img, smp]));
                    continue;
                }
            }
            FUNCTION_CALL if o.len() >= 3 => {
                if o[3..].iter().any(|a| pairs.contains_key(a)) {
                    let mut w = vec![o[0], o[1], o[2]];
                    for a in &o[3..] {
                        w.push(*a);
                        if let Some(&s) = pairs.get(a) {
                            w.push(s);
                        }
                    }
                    i = Inst::new(FUNCTION_CALL, &w);
                }
            }
            _ => {}
        }
        result.push(i);
    }
    // Pass 3: decorations and entry-point interfaces of split variables; any other use of a
    // split id is a form this pass does not know, so it gives up.
    let mut fin = Vec::with_capacity(result.len() + 8);
    for i in result {
        let o = i.operands().to_vec();
        match i.opcode() {
            op::DECORATE if !o.is_empty() && pairs.contains_key(&o[0]) => {
                let s = pairs[&o[0]];
                let mut w = vec![s];
                w.extend_from_slice(&o[1..]);
                if w.len() == 3 && w[1] == DECORATION_BINDING {
                    if w[2] & COMBINED_SAMPLER_BIT != 0 {
                        return None;
                    }
                    w[2] |= COMBINED_SAMPLER_BIT;
                }
                fin.push(i);
                fin.push(Inst::new(op::DECORATE, &w));
                continue;
            }
            op::ENTRY_POINT if o.len() >= 3 => {
                let (_, used) = super::literal_string(&o[2..]);
                let iface = 2 + used;
                if o[iface..].iter().any(|v| pairs.contains_key(v)) {
                    let mut w = o[..iface].to_vec();
                    for v in &o[iface..] {
                        w.push(*v);
                        if let Some(&s) = pairs.get(v) {
                            w.push(s);
                        }
                    }
                    fin.push(Inst::new(op::ENTRY_POINT, &w));
                    continue;
                }
            }
            op::MEMBER_DECORATE | op::DECORATE_ID | op::DECORATE_STRING => {
                if o.first().is_some_and(|id| pairs.contains_key(id)) {
                    return None;
                }
            }
            // Instructions that could take a pointer to a handle some other way (a copy, a
            // phi, a pointer comparison, debug info): the pass does not follow those.
            12 | 62 | 63 | 64 | 67 | 70 | 83 | 169 | 245 | 401 | 402 | 403 => {
                if o.iter().any(|w| pairs.contains_key(w)) {
                    return None;
                }
            }
            _ => {}
        }
        fin.push(i);
    }
    m.insts = fin;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::assemble;

    /// `texture(sampler2D)` through a global, an array element and a function parameter.
    const COMBINED: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint Fragment %main "main" %out
               OpExecutionMode %main OriginUpperLeft
               OpDecorate %out Location 0
               OpDecorate %tex DescriptorSet 0
               OpDecorate %tex Binding 0
               OpDecorate %texs DescriptorSet 0
               OpDecorate %texs Binding 1
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
      %float = OpTypeFloat 32
       %uint = OpTypeInt 32 0
      %vec2 = OpTypeVector %float 2
       %vec4 = OpTypeVector %float 4
        %img = OpTypeImage %float 2D 0 0 0 1 Unknown
         %si = OpTypeSampledImage %img
     %ptr_si = OpTypePointer UniformConstant %si
     %uint_2 = OpConstant %uint 2
     %uint_1 = OpConstant %uint 1
     %arr_si = OpTypeArray %si %uint_2
 %ptr_arr_si = OpTypePointer UniformConstant %arr_si
        %tex = OpVariable %ptr_si UniformConstant
       %texs = OpVariable %ptr_arr_si UniformConstant
    %ptr_out = OpTypePointer Output %vec4
        %out = OpVariable %ptr_out Output
       %half = OpConstant %float 0.5
         %uv = OpConstantComposite %vec2 %half %half
      %f_type = OpTypeFunction %vec4 %ptr_si
          %f = OpFunction %vec4 None %f_type
          %p = OpFunctionParameter %ptr_si
        %f_l = OpLabel
         %pl = OpLoad %si %p
         %ps = OpImageSampleExplicitLod %vec4 %pl %uv Lod %half
               OpReturnValue %ps
               OpFunctionEnd
       %main = OpFunction %void None %fn
      %entry = OpLabel
          %a = OpLoad %si %tex
          %s = OpImageSampleImplicitLod %vec4 %a %uv
         %e1 = OpAccessChain %ptr_si %texs %uint_1
          %b = OpLoad %si %e1
          %t = OpImageSampleImplicitLod %vec4 %b %uv
          %c = OpFunctionCall %vec4 %f %tex
         %st = OpFAdd %vec4 %s %t
        %sum = OpFAdd %vec4 %st %c
               OpStore %out %sum
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn naga_reads_split_combined_samplers() {
        let Some(w) = assemble(COMBINED, "vulkan1.0") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let (module, _) = crate::parse(&w).unwrap();
        let images = module
            .global_variables
            .iter()
            .filter(|(_, g)| matches!(module.types[g.ty].inner, naga::TypeInner::Image { .. }))
            .count();
        let samplers = module
            .global_variables
            .iter()
            .filter(|(_, g)| {
                matches!(module.types[g.ty].inner, naga::TypeInner::Sampler { .. })
                    || matches!(module.types[g.ty].inner, naga::TypeInner::BindingArray { base, .. }
                        if matches!(module.types[base].inner, naga::TypeInner::Sampler { .. }))
            })
            .count();
        assert!(
            images >= 1 && samplers == 2,
            "{:#?}",
            module.global_variables
        );
    }
}
