//! Sampling, differentially against lavapipe: a compute shader samples a mipmapped texture
//! (`textureLod`, `textureGather`, `texelFetch`, `textureSize`) at a few hundred points under
//! each of a list of samplers, on Pumice and on lavapipe through the real loader, and the results
//! must agree. Textures: RGBA8 2-D, 2-D array, 3-D and cube, and a D32 2-D texture sampled
//! with depth comparison.
//!
//! Tolerance: 3/255 per component. lavapipe filters 8-bit texels with 8-bit weights, so its
//! linear results are quantised where Pumice's are exact. Coordinates and levels of detail are
//! chosen away from texel and mip-level boundaries (a point exactly on one may round either way
//! in either driver), so nearest results must match exactly in practice. Cube points stay in
//! the middle of their face at levels whose filter footprint stays inside it: Pumice clamps at
//! face edges where lavapipe filters seamlessly across them.

#[path = "../benches/common/mod.rs"]
mod gpus;

use ash::vk;
use gpus::{Buffer, Gpu};

const POINTS: usize = 256;

/// Each point is two vec4s: `p` = (x, y, z, lod) and `q` = (layer, depth reference, 0, 0).
const PRELUDE: &str = r#"
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 1) readonly buffer In { vec4 points[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { vec4 results[]; };
"#;

/// The body per texture kind: four results per point. Size queries use one level per
/// workgroup: lavapipe takes one level for a whole SIMD vector of size queries.
const BODY_2D: &str = r#"
layout(set = 0, binding = 0) uniform sampler2D tex;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 p = points[2 * i];
    results[i * 4 + 0] = textureLod(tex, p.xy, p.w);
    results[i * 4 + 1] = textureGather(tex, p.xy, 1);
    int level = int(gl_WorkGroupID.x % 3u);
    ivec2 size = textureSize(tex, level);
    uvec2 xy = uvec2(i * 7u % uint(size.x), i / 3u % uint(size.y));
    results[i * 4 + 2] = texelFetch(tex, ivec2(xy), level);
    results[i * 4 + 3] = vec4(size, textureQueryLevels(tex), 0);
}
"#;

const BODY_ARRAY: &str = r#"
layout(set = 0, binding = 0) uniform sampler2DArray tex;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 p = points[2 * i];
    vec4 q = points[2 * i + 1];
    results[i * 4 + 0] = textureLod(tex, vec3(p.xy, q.x), p.w);
    results[i * 4 + 1] = textureGather(tex, vec3(p.xy, q.x), 0);
    int level = int(gl_WorkGroupID.x % 3u);
    ivec3 size = textureSize(tex, level);
    uvec3 xyz = uvec3(i * 7u % uint(size.x), i / 3u % uint(size.y), i % uint(size.z));
    results[i * 4 + 2] = texelFetch(tex, ivec3(xyz), level);
    results[i * 4 + 3] = vec4(size, textureQueryLevels(tex));
}
"#;

const BODY_3D: &str = r#"
layout(set = 0, binding = 0) uniform sampler3D tex;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 p = points[2 * i];
    results[i * 4 + 0] = textureLod(tex, p.xyz, p.w);
    results[i * 4 + 1] = vec4(0);
    int level = int(gl_WorkGroupID.x % 3u);
    ivec3 size = textureSize(tex, level);
    uvec3 xyz = uvec3(i * 7u % uint(size.x), i / 3u % uint(size.y), i % uint(size.z));
    results[i * 4 + 2] = texelFetch(tex, ivec3(xyz), level);
    results[i * 4 + 3] = vec4(size, textureQueryLevels(tex));
}
"#;

const BODY_CUBE: &str = r#"
layout(set = 0, binding = 0) uniform samplerCube tex;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 p = points[2 * i];
    results[i * 4 + 0] = textureLod(tex, p.xyz, p.w);
    results[i * 4 + 1] = textureGather(tex, p.xyz, 2);
    results[i * 4 + 2] = vec4(0);
    int level = int(gl_WorkGroupID.x % 3u);
    results[i * 4 + 3] = vec4(textureSize(tex, level), textureQueryLevels(tex), 0);
}
"#;

const BODY_SHADOW: &str = r#"
layout(set = 0, binding = 0) uniform sampler2DShadow tex;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 p = points[2 * i];
    vec4 q = points[2 * i + 1];
    // Compare samples at level 0 only: naga drops a compare sample's explicit level, so
    // Pumice refuses `textureLod` on shadow samplers with any other level.
    results[i * 4 + 0] = vec4(textureLod(tex, vec3(p.xy, q.y), 0.0));
    results[i * 4 + 1] = textureGather(tex, p.xy, q.y);
    results[i * 4 + 2] = vec4(0);
    results[i * 4 + 3] = vec4(textureSize(tex, 0), textureQueryLevels(tex), 0);
}
"#;

/// A deterministic pseudo-random sequence (xorshift).
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    /// `(k + 0.3) / n` for a random k in `lo..hi`: away from texel edges at every level of a
    /// power-of-two size up to n.
    fn coord(&mut self, lo: i32, hi: i32, n: u32) -> f32 {
        let k = lo + (self.next() % (hi - lo) as u32) as i32;
        (k as f32 + 0.3) / n as f32
    }
    /// A level of detail in [-1, max) on a quarter-step grid offset by 1/8: never on a
    /// nearest-mip boundary.
    fn lod(&mut self, max: f32) -> f32 {
        let steps = ((max + 1.0) * 4.0) as u32;
        (self.next() % steps) as f32 * 0.25 - 1.0 + 0.125
    }
}

/// What is sampled.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    D2,
    Array,
    D3,
    Cube,
    Shadow,
}

impl Kind {
    fn body(self) -> &'static str {
        match self {
            Kind::D2 => BODY_2D,
            Kind::Array => BODY_ARRAY,
            Kind::D3 => BODY_3D,
            Kind::Cube => BODY_CUBE,
            Kind::Shadow => BODY_SHADOW,
        }
    }
    /// (width, height, depth, layers, levels)
    fn shape(self) -> (u32, u32, u32, u32, u32) {
        match self {
            Kind::D2 | Kind::Shadow => (16, 8, 1, 1, 3),
            Kind::Array => (16, 8, 1, 3, 3),
            Kind::D3 => (8, 8, 4, 1, 3),
            Kind::Cube => (8, 8, 1, 6, 3),
        }
    }
    fn format(self) -> vk::Format {
        match self {
            Kind::Shadow => vk::Format::D32_SFLOAT,
            _ => vk::Format::R8G8B8A8_UNORM,
        }
    }
    fn view_type(self) -> vk::ImageViewType {
        match self {
            Kind::D2 | Kind::Shadow => vk::ImageViewType::TYPE_2D,
            Kind::Array => vk::ImageViewType::TYPE_2D_ARRAY,
            Kind::D3 => vk::ImageViewType::TYPE_3D,
            Kind::Cube => vk::ImageViewType::CUBE,
        }
    }

    /// The points, as `2 * POINTS` vec4s.
    fn points(self) -> Vec<f32> {
        let mut rng = Rng(0x1234_5678);
        let (w, h, d, layers, _) = self.shape();
        let mut out = Vec::new();
        for _ in 0..POINTS {
            let p = match self {
                Kind::Cube => {
                    // A face, and face coordinates in its middle; levels 0 and 1 only.
                    let face = rng.next() % 6;
                    let s = rng.coord(2, 6, 8) * 2.0 - 1.0;
                    let t = rng.coord(2, 6, 8) * 2.0 - 1.0;
                    let sign = if face % 2 == 0 { 1.0 } else { -1.0 };
                    let dir = match face / 2 {
                        0 => [sign, t, s],
                        1 => [s, sign, t],
                        _ => [s, t, sign],
                    };
                    [dir[0], dir[1], dir[2], rng.lod(1.0)]
                }
                _ => [
                    rng.coord(-24, 40, w),
                    rng.coord(-12, 20, h),
                    rng.coord(-2, 2 * d as i32 + 2, d),
                    rng.lod(4.0),
                ],
            };
            let layer = (rng.next() % (layers + 2)) as f32 - 1.0 + 0.2;
            let dref = (rng.next() % 1000) as f32 / 1000.0 + 0.0005;
            out.extend(p);
            out.extend([layer, dref, 0.0, 0.0]);
        }
        out
    }

    /// The texel bytes of every level (all layers of a level together).
    fn texels(self) -> Vec<Vec<u8>> {
        let mut rng = Rng(0x9e37_79b9);
        let (w, h, d, layers, levels) = self.shape();
        (0..levels)
            .map(|l| {
                let texels =
                    ((w >> l).max(1) * (h >> l).max(1) * (d >> l).max(1) * layers) as usize;
                if self == Kind::Shadow {
                    (0..texels)
                        .flat_map(|_| ((rng.next() % 1000) as f32 / 1000.0).to_le_bytes())
                        .collect()
                } else {
                    (0..texels * 4).map(|_| (rng.next() >> 24) as u8).collect()
                }
            })
            .collect()
    }

    fn samplers(self) -> Vec<(&'static str, vk::SamplerCreateInfo<'static>)> {
        match self {
            Kind::D2 | Kind::Array | Kind::D3 => samplers(),
            Kind::Cube => {
                let base = vk::SamplerCreateInfo::default()
                    .max_lod(vk::LOD_CLAMP_NONE)
                    .address_mode_u(vk::SamplerAddressMode::CLAMP_TO_EDGE)
                    .address_mode_v(vk::SamplerAddressMode::CLAMP_TO_EDGE)
                    .address_mode_w(vk::SamplerAddressMode::CLAMP_TO_EDGE);
                vec![
                    ("cube, nearest", base),
                    (
                        "cube, linear",
                        base.mag_filter(vk::Filter::LINEAR)
                            .min_filter(vk::Filter::LINEAR)
                            .mipmap_mode(vk::SamplerMipmapMode::LINEAR),
                    ),
                ]
            }
            Kind::Shadow => {
                let base = vk::SamplerCreateInfo::default()
                    .max_lod(vk::LOD_CLAMP_NONE)
                    .compare_enable(true)
                    .address_mode_u(vk::SamplerAddressMode::REPEAT)
                    .address_mode_v(vk::SamplerAddressMode::CLAMP_TO_EDGE);
                vec![
                    ("shadow LESS, nearest", base.compare_op(vk::CompareOp::LESS)),
                    (
                        "shadow GREATER_OR_EQUAL, linear",
                        base.compare_op(vk::CompareOp::GREATER_OR_EQUAL)
                            .mag_filter(vk::Filter::LINEAR)
                            .min_filter(vk::Filter::LINEAR),
                    ),
                ]
            }
        }
    }
}

fn samplers() -> Vec<(&'static str, vk::SamplerCreateInfo<'static>)> {
    use vk::SamplerAddressMode as A;
    let base = vk::SamplerCreateInfo::default()
        .max_lod(vk::LOD_CLAMP_NONE)
        .address_mode_u(A::REPEAT)
        .address_mode_v(A::REPEAT)
        .address_mode_w(A::REPEAT);
    let linear = base
        .mag_filter(vk::Filter::LINEAR)
        .min_filter(vk::Filter::LINEAR);
    vec![
        ("nearest, repeat", base),
        ("linear, repeat", linear),
        (
            "linear mipmaps",
            linear.mipmap_mode(vk::SamplerMipmapMode::LINEAR),
        ),
        (
            "nearest, mirrored repeat / clamp to edge",
            base.address_mode_u(A::MIRRORED_REPEAT)
                .address_mode_v(A::CLAMP_TO_EDGE),
        ),
        (
            "linear, clamp to border (opaque white) / mirror clamp to edge",
            linear
                .address_mode_u(A::CLAMP_TO_BORDER)
                .address_mode_v(A::MIRROR_CLAMP_TO_EDGE)
                .border_color(vk::BorderColor::FLOAT_OPAQUE_WHITE),
        ),
        (
            "linear min, nearest mag, LOD bias and clamps",
            base.min_filter(vk::Filter::LINEAR)
                .mip_lod_bias(0.5)
                .min_lod(0.25)
                .max_lod(1.75),
        ),
    ]
}

struct Run {
    results: Vec<f32>,
}

/// # Safety
/// `gpu` is a live device.
unsafe fn run_on(gpu: &Gpu, kind: Kind, spirv: &[u32], info: &vk::SamplerCreateInfo) -> Run {
    run_on_inner(gpu, kind, spirv, info)
}

/// Runs the shader under `info`; the device must be live.
fn run_on_inner(gpu: &Gpu, kind: Kind, spirv: &[u32], info: &vk::SamplerCreateInfo) -> Run {
    // SAFETY: valid Vulkan usage on a live device; copies stay inside their buffers.
    unsafe {
        let d = &gpu.device;
        // The texture, uploaded level by level from a staging buffer.
        let levels = kind.texels();
        let (w, h, depth, layers, level_count) = kind.shape();
        let aspect = if kind == Kind::Shadow {
            vk::ImageAspectFlags::DEPTH
        } else {
            vk::ImageAspectFlags::COLOR
        };
        let total: usize = levels.iter().map(Vec::len).sum();
        let staging = gpu.buffer(total as u64, vk::BufferUsageFlags::TRANSFER_SRC);
        let mut offsets = Vec::new();
        let mut at = 0usize;
        for l in &levels {
            std::ptr::copy_nonoverlapping(l.as_ptr(), staging.ptr.add(at), l.len());
            offsets.push(at as u64);
            at += l.len();
        }
        let image = d
            .create_image(
                &vk::ImageCreateInfo::default()
                    .flags(if kind == Kind::Cube {
                        vk::ImageCreateFlags::CUBE_COMPATIBLE
                    } else {
                        vk::ImageCreateFlags::empty()
                    })
                    .image_type(if kind == Kind::D3 {
                        vk::ImageType::TYPE_3D
                    } else {
                        vk::ImageType::TYPE_2D
                    })
                    .format(kind.format())
                    .extent(vk::Extent3D {
                        width: w,
                        height: h,
                        depth,
                    })
                    .mip_levels(level_count)
                    .array_layers(layers)
                    .samples(vk::SampleCountFlags::TYPE_1)
                    .tiling(vk::ImageTiling::OPTIMAL)
                    .usage(vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST),
                None,
            )
            .unwrap();
        let req = d.get_image_memory_requirements(image);
        let memory = d
            .allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(req.size)
                    .memory_type_index(gpu.memory_type),
                None,
            )
            .unwrap();
        d.bind_image_memory(image, memory, 0).unwrap();
        let range = vk::ImageSubresourceRange {
            aspect_mask: aspect,
            base_mip_level: 0,
            level_count,
            base_array_layer: 0,
            layer_count: layers,
        };
        let view = d
            .create_image_view(
                &vk::ImageViewCreateInfo::default()
                    .image(image)
                    .view_type(kind.view_type())
                    .format(kind.format())
                    .subresource_range(range),
                None,
            )
            .unwrap();
        let sampler = d.create_sampler(info, None).unwrap();
        let pts = kind.points();
        let storage = vk::BufferUsageFlags::STORAGE_BUFFER;
        let input = gpu.buffer((pts.len() * 4) as u64, storage);
        gpu.write_f32(&input, &pts);
        let output = gpu.buffer((POINTS * 16 * 4) as u64, storage);
        // Descriptors and the pipeline.
        let bindings = [
            (0, vk::DescriptorType::COMBINED_IMAGE_SAMPLER),
            (1, vk::DescriptorType::STORAGE_BUFFER),
            (2, vk::DescriptorType::STORAGE_BUFFER),
        ]
        .map(|(b, ty)| {
            vk::DescriptorSetLayoutBinding::default()
                .binding(b)
                .descriptor_type(ty)
                .descriptor_count(1)
                .stage_flags(vk::ShaderStageFlags::COMPUTE)
        });
        let set_layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings),
                None,
            )
            .unwrap();
        let sizes = [
            vk::DescriptorPoolSize {
                ty: vk::DescriptorType::COMBINED_IMAGE_SAMPLER,
                descriptor_count: 1,
            },
            vk::DescriptorPoolSize {
                ty: vk::DescriptorType::STORAGE_BUFFER,
                descriptor_count: 2,
            },
        ];
        let pool = d
            .create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .max_sets(1)
                    .pool_sizes(&sizes),
                None,
            )
            .unwrap();
        let set = d
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&[set_layout]),
            )
            .unwrap()[0];
        let image_info = [vk::DescriptorImageInfo {
            sampler,
            image_view: view,
            image_layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL,
        }];
        let in_info = [vk::DescriptorBufferInfo {
            buffer: input.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        }];
        let out_info = [vk::DescriptorBufferInfo {
            buffer: output.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        }];
        d.update_descriptor_sets(
            &[
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(0)
                    .descriptor_type(vk::DescriptorType::COMBINED_IMAGE_SAMPLER)
                    .image_info(&image_info),
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(1)
                    .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                    .buffer_info(&in_info),
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(2)
                    .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                    .buffer_info(&out_info),
            ],
            &[],
        );
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&[set_layout]),
                None,
            )
            .unwrap();
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(spirv), None)
            .unwrap();
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        let pipeline = d
            .create_compute_pipelines(
                vk::PipelineCache::null(),
                &[vk::ComputePipelineCreateInfo::default()
                    .stage(stage)
                    .layout(layout)],
                None,
            )
            .unwrap()[0];
        let cb = gpu.record(|cb| {
            let to_dst = vk::ImageMemoryBarrier::default()
                .image(image)
                .subresource_range(range)
                .old_layout(vk::ImageLayout::UNDEFINED)
                .new_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
                .dst_access_mask(vk::AccessFlags::TRANSFER_WRITE);
            d.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::TOP_OF_PIPE,
                vk::PipelineStageFlags::TRANSFER,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &[to_dst],
            );
            let regions: Vec<vk::BufferImageCopy> = (0..level_count)
                .map(|l| vk::BufferImageCopy {
                    buffer_offset: offsets[l as usize],
                    buffer_row_length: 0,
                    buffer_image_height: 0,
                    image_subresource: vk::ImageSubresourceLayers {
                        aspect_mask: aspect,
                        mip_level: l,
                        base_array_layer: 0,
                        layer_count: layers,
                    },
                    image_offset: vk::Offset3D::default(),
                    image_extent: vk::Extent3D {
                        width: (w >> l).max(1),
                        height: (h >> l).max(1),
                        depth: (depth >> l).max(1),
                    },
                })
                .collect();
            d.cmd_copy_buffer_to_image(
                cb,
                staging.buffer,
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &regions,
            );
            let to_read = vk::ImageMemoryBarrier::default()
                .image(image)
                .subresource_range(range)
                .old_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
                .new_layout(vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
                .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
                .dst_access_mask(vk::AccessFlags::SHADER_READ);
            d.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::TRANSFER,
                vk::PipelineStageFlags::COMPUTE_SHADER,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &[to_read],
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
            d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::COMPUTE, layout, 0, &[set], &[]);
            d.cmd_dispatch(cb, (POINTS / 64) as u32, 1, 1);
        });
        gpu.submit_wait(cb);
        let results = gpu.read_f32(&output, POINTS * 16);
        d.destroy_pipeline(pipeline, None);
        d.destroy_shader_module(module, None);
        d.destroy_pipeline_layout(layout, None);
        d.destroy_descriptor_pool(pool, None);
        d.destroy_descriptor_set_layout(set_layout, None);
        d.destroy_sampler(sampler, None);
        d.destroy_image_view(view, None);
        d.destroy_image(image, None);
        d.free_memory(memory, None);
        for b in [staging, input, output] {
            let Buffer { buffer, memory, .. } = b;
            d.destroy_buffer(buffer, None);
            d.free_memory(memory, None);
        }
        Run { results }
    }
}

#[test]
fn sampling_matches_lavapipe() {
    let entry = gpus::loader();
    let (_instance, pumice, lavapipe) = gpus::devices(&entry);
    let lavapipe = lavapipe.expect("lavapipe (mesa-vulkan-drivers) is the reference");
    let what = ["textureLod", "textureGather", "texelFetch", "size/levels"];
    let mut failures = Vec::new();
    for kind in [Kind::D2, Kind::Array, Kind::D3, Kind::Cube, Kind::Shadow] {
        let spirv = gpus::glsl("comp", &format!("{PRELUDE}{}", kind.body()));
        let pts = kind.points();
        for (name, info) in kind.samplers() {
            // SAFETY: valid Vulkan usage on live devices; the buffers outlive their use.
            let (p, l) = unsafe {
                (
                    run_on(&pumice, kind, &spirv, &info),
                    run_on(&lavapipe, kind, &spirv, &info),
                )
            };
            for i in 0..POINTS {
                for (k, op) in what.iter().enumerate() {
                    let at = (i * 4 + k) * 4;
                    let a = &p.results[at..at + 4];
                    let b = &l.results[at..at + 4];
                    let bad = a.iter().zip(b).any(|(x, y)| (x - y).abs() > 3.0 / 255.0);
                    if bad && failures.len() < 24 {
                        failures.push(format!(
                            "{kind:?} {name}: {op} at {:?}: pumice {a:?}, lavapipe {b:?}",
                            &pts[i * 8..i * 8 + 6]
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
