//! Image atomics (`OpImageTexelPointer` and atomics on it) → calls of marked helper functions
//! the lowering turns into image atomic operations.
//!
//! naga's reader has no `Image` storage class, so it refuses any texel pointer, and naga's own
//! image atomics return nothing. Each atomic on a texel pointer becomes
//! `OpFunctionCall %T %helper %image %coordinate %value %compare`, `%image` loaded from the
//! texel pointer's image just before; the helper (one per operation and types) is named
//! [`IMAGE_ATOMIC_PREFIX`] followed by the operation (`add`, `smin`, `compare_exchange`, ..,
//! taken from the opcode, which decides signedness), and the lowering emits the atomic for
//! calls of it instead of running its body (which only returns `%value`). `OpAtomicStore`
//! becomes an exchange whose result is unused, increments and decrements add and subtract 1.
//!
//! Only 32-bit integer texels of 1-D, 2-D and 3-D storage images (arrayed or not; multisampled
//! ones were made arrayed by [`super::storage_ms_as_arrayed`]) are rewritten, and only when
//! every use of every texel pointer is such an atomic; otherwise the module is left alone and
//! naga refuses it as before. A module that already names a function with the prefix is left
//! alone too.

use foldhash::HashMap;

use super::{op, Inst, Module};

/// The name prefix of the helpers; the lowering recognizes calls by it.
pub const IMAGE_ATOMIC_PREFIX: &str = "__pumice_image_atomic_";

const IMAGE_TEXEL_POINTER: u16 = 60;
const ATOMIC_LOAD: u16 = 227;
const ATOMIC_STORE: u16 = 228;
const ATOMIC_EXCHANGE: u16 = 229;
const ATOMIC_COMPARE_EXCHANGE: u16 = 230;
const ATOMIC_I_INCREMENT: u16 = 232;
const ATOMIC_I_DECREMENT: u16 = 233;
const ATOMIC_I_ADD: u16 = 234;
const ATOMIC_I_SUB: u16 = 235;
const ATOMIC_S_MIN: u16 = 236;
const ATOMIC_U_MIN: u16 = 237;
const ATOMIC_S_MAX: u16 = 238;
const ATOMIC_U_MAX: u16 = 239;
const ATOMIC_AND: u16 = 240;
const ATOMIC_OR: u16 = 241;
const ATOMIC_XOR: u16 = 242;
const TYPE_IMAGE: u16 = 25;
const RETURN_VALUE: u16 = 254;
const STORAGE_CLASS_IMAGE: u32 = 11;

/// The helper's operation name, and where the value and comparator are in the atomic's words
/// (`None`: a constant 1 for increments and decrements, 0 otherwise).
pub(super) fn operation(opcode: u16) -> Option<(&'static str, Option<usize>, Option<usize>)> {
    Some(match opcode {
        ATOMIC_LOAD => ("load", None, None),
        ATOMIC_STORE => ("exchange", Some(4), None),
        ATOMIC_EXCHANGE => ("exchange", Some(6), None),
        ATOMIC_COMPARE_EXCHANGE => ("compare_exchange", Some(7), Some(8)),
        ATOMIC_I_INCREMENT => ("add", None, None),
        ATOMIC_I_DECREMENT => ("sub", None, None),
        ATOMIC_I_ADD => ("add", Some(6), None),
        ATOMIC_I_SUB => ("sub", Some(6), None),
        ATOMIC_S_MIN => ("smin", Some(6), None),
        ATOMIC_U_MIN => ("umin", Some(6), None),
        ATOMIC_S_MAX => ("smax", Some(6), None),
        ATOMIC_U_MAX => ("umax", Some(6), None),
        ATOMIC_AND => ("and", Some(6), None),
        ATOMIC_OR => ("or", Some(6), None),
        ATOMIC_XOR => ("xor", Some(6), None),
        _ => return None,
    })
}

/// The word count each atomic has.
fn word_count(opcode: u16) -> usize {
    match opcode {
        ATOMIC_LOAD | ATOMIC_I_INCREMENT | ATOMIC_I_DECREMENT => 6,
        ATOMIC_STORE => 5,
        ATOMIC_COMPARE_EXCHANGE => 9,
        _ => 7,
    }
}

/// The pointer operand's word index.
fn pointer_word(opcode: u16) -> usize {
    if opcode == ATOMIC_STORE {
        1
    } else {
        3
    }
}

pub(crate) fn image_atomics_as_calls(m: &mut Module) {
    if !m.insts.iter().any(|i| i.opcode() == IMAGE_TEXEL_POINTER) {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
    }
}

/// What one texel pointer points at.
#[derive(Clone, Copy)]
struct Texel {
    image_ptr: u32,
    image_ty: u32,
    coord: u32,
    coord_ty: u32,
    texel_ty: u32,
}

fn rewrite(m: &mut Module) -> Option<()> {
    if m.insts.iter().any(|i| {
        i.opcode() == op::NAME
            && super::literal_string(&i.0[2..])
                .0
                .starts_with(IMAGE_ATOMIC_PREFIX)
    }) {
        return None;
    }
    // The texel pointers, each checked.
    let mut texels: HashMap<u32, Texel> = HashMap::default();
    for i in m.insts.iter().filter(|i| i.opcode() == IMAGE_TEXEL_POINTER) {
        let &[_, ptr_ty, id, image_ptr, coord, _sample] = &i.0[..] else {
            return None;
        };
        let texel_ty = m.type_def(ptr_ty)?.operand(2)?;
        let t = m.type_def(texel_ty)?;
        if t.opcode() != op::TYPE_INT || t.operand(1) != Some(32) {
            return None;
        }
        let image_ptr_ty = m.value_def(image_ptr)?.operand(0)?;
        let image_ty = m.type_def(image_ptr_ty)?.operand(2)?;
        let img = m.type_def(image_ty)?;
        // Dim 1D, 2D or 3D; not multisampled; a storage image.
        if img.opcode() != TYPE_IMAGE
            || img.0.len() < 9
            || img.0[3] > 2
            || img.0[6] != 0
            || img.0[7] != 2
        {
            return None;
        }
        let coord_ty = m.value_def(coord)?.operand(0)?;
        texels.insert(
            id,
            Texel {
                image_ptr,
                image_ty,
                coord,
                coord_ty,
                texel_ty,
            },
        );
    }
    // Every use of a texel pointer is the pointer of an atomic of the texel's type.
    for i in &m.insts {
        if i.opcode() == IMAGE_TEXEL_POINTER {
            continue;
        }
        for (&tp, t) in &texels {
            if !super::uses_id(i, tp) {
                continue;
            }
            let opc = i.opcode();
            let ok = operation(opc).is_some()
                && i.0.len() == word_count(opc)
                && i.0[pointer_word(opc)] == tp
                && i.0.iter().filter(|&&w| w == tp).count() == 1
                && (opc == ATOMIC_STORE || i.0[1] == t.texel_ty);
            if !ok {
                return None;
            }
        }
    }

    // Helpers: one per (operation, image type, coordinate type, texel type).
    let mut helpers: HashMap<(&'static str, u32, u32, u32), u32> = HashMap::default();
    let mut functions: Vec<Inst> = Vec::new();
    let mut names: Vec<Inst> = Vec::new();
    let mut calls: Vec<Vec<Inst>> = Vec::new();
    // The atomics on texel pointers, in order (declarations below go in front of them).
    let atomics: Vec<Vec<u32>> = m
        .insts
        .iter()
        .filter(|i| {
            operation(i.opcode()).is_some() && texels.contains_key(&i.0[pointer_word(i.opcode())])
        })
        .map(|i| i.0.to_vec())
        .collect();
    for words in atomics {
        let opc = (words[0] & 0xffff) as u16;
        let (name, value_at, compare_at) = operation(opc)?;
        let t = texels[&words[pointer_word(opc)]];
        let key = (name, t.image_ty, t.coord_ty, t.texel_ty);
        let helper = match helpers.get(&key) {
            Some(&h) => h,
            None => {
                let fn_ty = m.intern_type(
                    op::TYPE_FUNCTION,
                    &[t.texel_ty, t.image_ty, t.coord_ty, t.texel_ty, t.texel_ty],
                )?;
                let [h, pi, pc, pv, pk, label] = [(); 6].map(|_| m.fresh_id());
                let (h, pi, pc, pv, pk, label) = (h?, pi?, pc?, pv?, pk?, label?);
                functions.extend([
                    Inst::new(op::FUNCTION, &[t.texel_ty, h, 0, fn_ty]),
                    Inst::new(op::FUNCTION_PARAMETER, &[t.image_ty, pi]),
                    Inst::new(op::FUNCTION_PARAMETER, &[t.coord_ty, pc]),
                    Inst::new(op::FUNCTION_PARAMETER, &[t.texel_ty, pv]),
                    Inst::new(op::FUNCTION_PARAMETER, &[t.texel_ty, pk]),
                    Inst::new(op::LABEL, &[label]),
                    Inst::new(RETURN_VALUE, &[pv]),
                    Inst::new(op::FUNCTION_END, &[]),
                ]);
                let mut name_words = vec![h];
                let mut bytes = format!("{IMAGE_ATOMIC_PREFIX}{name}").into_bytes();
                bytes.push(0);
                while bytes.len() % 4 != 0 {
                    bytes.push(0);
                }
                name_words.extend(
                    bytes
                        .chunks(4)
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                );
                names.push(Inst::new(op::NAME, &name_words));
                helpers.insert(key, h);
                h
            }
        };
        let constant = |m: &mut Module, v: u32| m.constant32(t.texel_ty, v);
        let value = match value_at {
            Some(w) => *words.get(w)?,
            None if matches!(opc, ATOMIC_I_INCREMENT | ATOMIC_I_DECREMENT) => constant(m, 1)?,
            None => constant(m, 0)?,
        };
        let compare = match compare_at {
            Some(w) => *words.get(w)?,
            None => constant(m, 0)?,
        };
        let image = m.fresh_id()?;
        let result = if opc == ATOMIC_STORE {
            m.fresh_id()?
        } else {
            words[2]
        };
        calls.push(vec![
            Inst::new(op::LOAD, &[t.image_ty, image, t.image_ptr]),
            Inst::new(
                op::FUNCTION_CALL,
                &[t.texel_ty, result, helper, image, t.coord, value, compare],
            ),
        ]);
    }
    let mut out = Vec::with_capacity(m.insts.len() + functions.len() + names.len());
    let mut pending = calls.into_iter();
    for i in std::mem::take(&mut m.insts) {
        let opc = i.opcode();
        if opc == IMAGE_TEXEL_POINTER {
            continue;
        }
        if operation(opc).is_some() && texels.contains_key(&i.0[pointer_word(opc)]) {
            out.extend(pending.next()?);
            continue;
        }
        // The `Image` pointer types go with the texel pointers.
        if opc == op::TYPE_POINTER && i.operand(1) == Some(STORAGE_CLASS_IMAGE) {
            continue;
        }
        out.push(i);
    }
    crate::legalize::insert_debug_names(&mut out, names);
    out.extend(functions);
    m.insts = out;
    Some(())
}

#[cfg(test)]
mod tests {
    use crate::compute::{BufferSlice, DispatchResources, ImageBinding, ImageDescriptor};
    use pumice_texel::{Format, ImageDesc, ImageDim, ImageLayout};

    /// Image atomics on an `r32i` 2-D image from 64 invocations on 4 texels: adds, min/max,
    /// bit operations, exchange, compare-exchange and the returned old values.
    #[test]
    fn image_atomics_run_atomically_and_return_old_values() {
        let Some(w) = crate::legalize::tests::glsl_comp(
            r#"
#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, r32i) uniform iimage2D img;
layout(set = 0, binding = 1) buffer O { int o[]; };
void main() {
    int i = int(gl_LocalInvocationID.x);
    imageAtomicAdd(img, ivec2(0, 0), i);
    imageAtomicMin(img, ivec2(1, 0), -i);
    imageAtomicMax(img, ivec2(0, 1), i);
    imageAtomicOr(img, ivec2(1, 1), 1 << (i % 31));
    // The old values of a counter are a permutation of 0..63.
    o[i] = imageAtomicAdd(img, ivec2(2, 0), 1);
    if (i == 0) {
        o[64] = imageAtomicExchange(img, ivec2(2, 1), 7);
        o[65] = imageAtomicCompSwap(img, ivec2(2, 1), 7, 9);
        o[66] = imageAtomicCompSwap(img, ivec2(2, 1), 7, 11);
        o[67] = imageLoad(img, ivec2(2, 1)).x;
    }
}
"#,
        ) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let format = Format::from_vk(99).unwrap(); // VK_FORMAT_R32_SINT
        let layout = ImageLayout::new(ImageDesc {
            dim: ImageDim::D2,
            format,
            extent: [3, 2, 1],
            mip_levels: 1,
            array_layers: 1,
            samples: 1,
        })
        .unwrap();
        let image = pumice_memory::DeviceMemory::new(layout.size()).unwrap();
        let init: [i32; 6] = [5, 0, 0, 3, 0, 0];
        let bytes: Vec<u8> = init.iter().flat_map(|v| v.to_le_bytes()).collect();
        image.write(0, &bytes).unwrap();
        let out = pumice_memory::DeviceMemory::new(68 * 4).unwrap();
        let view = ImageBinding::whole_2d(&image, &layout);
        let res = DispatchResources {
            images: vec![(
                (0, 0, 0),
                ImageDescriptor {
                    view: Some(view),
                    sampler: None,
                },
            )],
            buffers: vec![(
                (0, 1, 0),
                BufferSlice {
                    memory: &out,
                    offset: 0,
                    size: 68 * 4,
                },
            )],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let read = |mem: &pumice_memory::DeviceMemory, n: usize| {
            let mut b = vec![0u8; n * 4];
            mem.read(0, &mut b).unwrap();
            b.chunks(4)
                .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
                .collect::<Vec<i32>>()
        };
        let texels = read(&image, 6);
        let or = (0..64).fold(0, |a, i| a | 1 << (i % 31));
        // Row 0: 5 + 0..63, min(0, -63), the counter; row 1: max(3, 63), the or, the swaps.
        assert_eq!(texels, [5 + 63 * 64 / 2, -63, 64, 63, or, 9]);
        let o = read(&out, 68);
        let mut counter = o[..64].to_vec();
        counter.sort_unstable();
        assert_eq!(counter, (0..64).collect::<Vec<i32>>());
        assert_eq!(&o[64..], [0, 7, 9, 9]);
    }
}
