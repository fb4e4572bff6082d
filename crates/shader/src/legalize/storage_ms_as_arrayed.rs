//! Multisampled storage images (`image2DMS`) → 2-D arrayed storage images whose layer is the
//! sample.
//!
//! naga's storage images have no samples: it reads `OpTypeImage 2D .. MS=1 Sampled=2` as a
//! plain 2-D storage image and refuses a read with a `Sample` operand (and has no way to write
//! one). The image type becomes arrayed and single-sampled, and every `OpImageRead`/
//! `OpImageWrite` with a `Sample` operand takes `(x, y, sample)` as its coordinates instead.
//! The interpreter reads an arrayed access to a view that has samples (which a real 2-D array
//! image view never has) as sample `layer` of layer 0, with the same bounds: a sample index
//! outside the image reads zero and writes nothing, as Vulkan's robust access gives.
//!
//! `OpImageTexelPointer`s (for image atomics, see [`super::image_atomics_as_calls`]) get the
//! same coordinates and sample 0. Only images whose values are used by such reads and writes
//! alone are rewritten (a size or samples query, or any other use leaves the module alone, and
//! naga refuses it as before).

use foldhash::HashSet;

use super::{op, Inst, Module};

const TYPE_IMAGE: u16 = 25;
const IMAGE_TEXEL_POINTER: u16 = 60;
const IMAGE_READ: u16 = 98;
const IMAGE_WRITE: u16 = 99;
const DIM_2D: u32 = 1;
const IMAGE_OPERANDS_SAMPLE: u32 = 0x40;

pub(crate) fn storage_ms_as_arrayed(m: &mut Module) {
    let is_ms_storage = |i: &Inst| {
        i.opcode() == TYPE_IMAGE
            && i.0.len() >= 9
            && i.0[3] == DIM_2D
            && i.0[5] == 0
            && i.0[6] == 1
            && i.0[7] == 2
    };
    if !m.insts.iter().any(is_ms_storage) {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n, is_ms_storage).is_some() {
        *m = n;
    }
}

fn rewrite(m: &mut Module, is_ms_storage: impl Fn(&Inst) -> bool) -> Option<()> {
    let images: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| is_ms_storage(i))
        .map(|i| i.0[1])
        .collect();
    // Values of the image types: every one must come from an `OpLoad` of a variable and be
    // used by sampled reads and writes only.
    let values: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| {
            super::has_result_type(i.opcode()) && i.operand(0).is_some_and(|t| images.contains(&t))
        })
        .map(|i| (i.opcode() == op::LOAD).then(|| i.0[2]))
        .collect::<Option<_>>()?;
    let pointers: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == op::TYPE_POINTER && i.operand(2).is_some_and(|t| images.contains(&t))
        })
        .map(|i| i.0[1])
        .collect();
    let variables: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::VARIABLE && pointers.contains(&i.0[1]))
        .map(|i| i.0[2])
        .collect();
    for i in &m.insts {
        for &v in &variables {
            let annotation = matches!(i.opcode(), op::NAME | op::DECORATE | op::ENTRY_POINT);
            let texel_pointer = i.opcode() == IMAGE_TEXEL_POINTER
                && i.0.len() == 6
                && i.0[3] == v
                && i.0[4] != v
                && i.0[5] != v;
            if uses(i, v)
                && !annotation
                && !texel_pointer
                && !(i.opcode() == op::LOAD && i.0[3] == v)
            {
                return None;
            }
        }
        for &v in &values {
            if !uses(i, v) {
                continue;
            }
            let ok = match i.opcode() {
                IMAGE_READ => {
                    i.0.len() == 7
                        && i.0[3] == v
                        && i.0[4] != v
                        && i.0[5] == IMAGE_OPERANDS_SAMPLE
                        && i.0[6] != v
                }
                IMAGE_WRITE => {
                    i.0.len() == 6
                        && i.0[1] == v
                        && !i.0[2..].contains(&v)
                        && i.0[4] == IMAGE_OPERANDS_SAMPLE
                }
                _ => false,
            };
            if !ok {
                return None;
            }
        }
    }
    // The coordinates (integer 2-vectors) and samples (integer scalars) of the accesses, and
    // the 3-vector type of each coordinate's component type, declared first.
    let mut plans: Vec<[u32; 6]> = Vec::new(); // [coord, sample, sample type, scalar, vec3, 0]
    let accesses: Vec<(u32, u32)> = m
        .insts
        .iter()
        .filter_map(|i| match i.opcode() {
            IMAGE_READ if values.contains(&i.0[3]) => Some((i.0[4], i.0[6])),
            IMAGE_WRITE if values.contains(&i.0[1]) => Some((i.0[2], i.0[5])),
            IMAGE_TEXEL_POINTER if variables.contains(&i.0[3]) => Some((i.0[4], i.0[5])),
            _ => None,
        })
        .collect();
    for (coord, sample) in accesses {
        let coord_ty = m.value_def(coord)?.operand(0)?;
        let vec = m.type_def(coord_ty)?;
        if vec.opcode() != op::TYPE_VECTOR || vec.operand(2) != Some(2) {
            return None;
        }
        let scalar = vec.operand(1)?;
        let sample_ty = m.value_def(sample)?.operand(0)?;
        let int32 = |t: u32| {
            m.type_def(t)
                .is_some_and(|d| d.opcode() == op::TYPE_INT && d.operand(1) == Some(32))
        };
        if !int32(scalar) || !int32(sample_ty) {
            return None;
        }
        let vec3 = m.intern_type(op::TYPE_VECTOR, &[scalar, 3])?;
        let zero = m.constant32(sample_ty, 0)?;
        plans.push([coord, sample, sample_ty, scalar, vec3, zero]);
    }
    for i in m.insts.iter_mut() {
        if i.opcode() == TYPE_IMAGE && images.contains(&i.0[1]) {
            i.0[5] = 1;
            i.0[6] = 0;
        }
    }
    let insts = std::mem::take(&mut m.insts);
    let mut out = Vec::with_capacity(insts.len());
    let mut next = plans.into_iter();
    for i in insts {
        let is_access = match i.opcode() {
            IMAGE_READ => values.contains(&i.0[3]),
            IMAGE_WRITE => values.contains(&i.0[1]),
            IMAGE_TEXEL_POINTER => variables.contains(&i.0[3]),
            _ => false,
        };
        if !is_access {
            out.push(i);
            continue;
        }
        let [coord, sample, sample_ty, scalar, vec3, zero] = next.next()?;
        let sample = if sample_ty == scalar {
            sample
        } else {
            let id = m.fresh_id()?;
            out.push(Inst::new(op::BITCAST, &[scalar, id, sample]));
            id
        };
        let xyz = m.fresh_id()?;
        out.push(Inst::new(
            op::COMPOSITE_CONSTRUCT,
            &[vec3, xyz, coord, sample],
        ));
        out.push(match i.opcode() {
            IMAGE_READ => Inst::new(IMAGE_READ, &[i.0[1], i.0[2], i.0[3], xyz]),
            // A texel pointer of an arrayed image has sample 0.
            IMAGE_TEXEL_POINTER => {
                Inst::new(IMAGE_TEXEL_POINTER, &[i.0[1], i.0[2], i.0[3], xyz, zero])
            }
            _ => Inst::new(IMAGE_WRITE, &[i.0[1], xyz, i.0[3]]),
        });
    }
    m.insts = out;
    Some(())
}

/// Does `i` use `id`? Image reads and writes skip their image-operands mask (a literal that
/// may equal an id); the rest as [`super::uses_id`] says.
fn uses(i: &Inst, id: u32) -> bool {
    let w = &i.0;
    match i.opcode() {
        IMAGE_READ if w.len() >= 5 => {
            w[3..5].contains(&id) || w.get(6..).is_some_and(|t| t.contains(&id))
        }
        IMAGE_WRITE if w.len() >= 4 => {
            w[1..4].contains(&id) || w.get(5..).is_some_and(|t| t.contains(&id))
        }
        _ => super::uses_id(i, id),
    }
}

#[cfg(test)]
mod tests {
    use crate::compute::{BufferSlice, DispatchResources, ImageBinding, ImageDescriptor};
    use pumice_texel::{Format, ImageDesc, ImageDim, ImageLayout};

    /// Writes and reads every sample of a 4-sample `r32ui` storage image, and sample indices
    /// outside it (-1 and 4: writes dropped, reads zero).
    #[test]
    fn ms_storage_image_reads_and_writes_each_sample() {
        let Some(w) = crate::legalize::tests::glsl_comp(
            r#"
#version 450
layout(local_size_x = 2, local_size_y = 1) in;
layout(set = 0, binding = 0, r32ui) uniform uimage2DMS ms;
layout(set = 0, binding = 1) buffer O { uint o[]; };
void main() {
    ivec2 p = ivec2(gl_LocalInvocationID.xy);
    for (int s = -1; s < 5; s++) imageStore(ms, p, s, uvec4(100 * p.x + s + 10));
    memoryBarrierImage();
    barrier();
    for (int s = -1; s < 5; s++) o[6 * p.x + s + 1] = imageLoad(ms, p, s).x;
}
"#,
        ) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let format = Format::from_vk(98).unwrap(); // VK_FORMAT_R32_UINT
        let layout = ImageLayout::new(ImageDesc {
            dim: ImageDim::D2,
            format,
            extent: [2, 1, 1],
            mip_levels: 1,
            array_layers: 1,
            samples: 4,
        })
        .unwrap();
        let image = pumice_memory::DeviceMemory::new(layout.size()).unwrap();
        let out = pumice_memory::DeviceMemory::new(48).unwrap();
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
                    size: 48,
                },
            )],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let mut bytes = [0u8; 48];
        out.read(0, &mut bytes).unwrap();
        let got: Vec<u32> = bytes
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(got, [0, 10, 11, 12, 13, 0, 0, 110, 111, 112, 113, 0]);
        // The image holds the samples side by side: texel x, sample s at 4·x + s.
        let mut texels = [0u8; 32];
        image.read(0, &mut texels).unwrap();
        let t: Vec<u32> = texels
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(t, [10, 11, 12, 13, 110, 111, 112, 113]);
    }
}
