//! Sampling, differentially against lavapipe: one compute shader samples a mipmapped RGBA8
//! texture (`textureLod`, `textureGather`, `texelFetch`, `textureSize`) at a few hundred points
//! under each of a list of samplers, on Pumice and on lavapipe through the real loader, and the
//! results must agree.
//!
//! Tolerance: 3/255 per component. lavapipe filters 8-bit texels with 8-bit weights, so its
//! linear results are quantised where Pumice's are exact. Coordinates and levels of detail are
//! chosen away from texel and mip-level boundaries (a point exactly on one may round either way
//! in either driver), so nearest results must match exactly in practice.

#[path = "../benches/common/mod.rs"]
mod gpus;

use ash::vk;
use gpus::{Buffer, Gpu};

const W: u32 = 16;
const H: u32 = 8;
const LEVELS: u32 = 3;
const POINTS: usize = 256;

const SHADER: &str = r#"
#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) uniform sampler2D tex;
layout(std430, set = 0, binding = 1) readonly buffer In { vec4 points[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { vec4 results[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 p = points[i];
    results[i * 4 + 0] = textureLod(tex, p.xy, p.z);
    results[i * 4 + 1] = textureGather(tex, p.xy, 1);
    int level = int(i % 3u);
    ivec2 size = textureSize(tex, level);
    ivec2 xy = ivec2(i * 7u, i / 3u) % size;
    results[i * 4 + 2] = texelFetch(tex, xy, level);
    results[i * 4 + 3] = vec4(size, textureQueryLevels(tex), 0);
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
}

/// Sample points: (u, v, lod, 0), away from texel edges at every level and from the level
/// boundaries of nearest mip selection.
fn points() -> Vec<f32> {
    let mut rng = Rng(0x1234_5678);
    let mut out = Vec::new();
    for _ in 0..POINTS {
        let i = (rng.next() % 64) as f32 - 24.0;
        let j = (rng.next() % 32) as f32 - 12.0;
        let lod = (rng.next() % 20) as f32 * 0.25 - 1.0 + 0.125;
        out.extend([(i + 0.3) / W as f32, (j + 0.3) / H as f32, lod, 0.0]);
    }
    out
}

/// The texel bytes of every level, RGBA8.
fn texels() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x9e37_79b9);
    (0..LEVELS)
        .map(|l| {
            let n = ((W >> l) * (H >> l) * 4) as usize;
            (0..n).map(|_| (rng.next() >> 24) as u8).collect()
        })
        .collect()
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
                .max_lod(1.5),
        ),
    ]
}

struct Run {
    results: Vec<f32>,
}

unsafe fn run_on(gpu: &Gpu, spirv: &[u32], info: &vk::SamplerCreateInfo) -> Run {
    let d = &gpu.device;
    // The texture, uploaded level by level from a staging buffer.
    let levels = texels();
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
                .image_type(vk::ImageType::TYPE_2D)
                .format(vk::Format::R8G8B8A8_UNORM)
                .extent(vk::Extent3D {
                    width: W,
                    height: H,
                    depth: 1,
                })
                .mip_levels(LEVELS)
                .array_layers(1)
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
        aspect_mask: vk::ImageAspectFlags::COLOR,
        base_mip_level: 0,
        level_count: LEVELS,
        base_array_layer: 0,
        layer_count: 1,
    };
    let view = d
        .create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(vk::Format::R8G8B8A8_UNORM)
                .subresource_range(range),
            None,
        )
        .unwrap();
    let sampler = d.create_sampler(info, None).unwrap();
    let pts = points();
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
        let regions: Vec<vk::BufferImageCopy> = (0..LEVELS)
            .map(|l| vk::BufferImageCopy {
                buffer_offset: offsets[l as usize],
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: vk::ImageSubresourceLayers {
                    aspect_mask: vk::ImageAspectFlags::COLOR,
                    mip_level: l,
                    base_array_layer: 0,
                    layer_count: 1,
                },
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: W >> l,
                    height: H >> l,
                    depth: 1,
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
        d.cmd_bind_descriptor_sets(
            cb,
            vk::PipelineBindPoint::COMPUTE,
            layout,
            0,
            &[set],
            &[],
        );
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

#[test]
fn sampling_matches_lavapipe() {
    let entry = gpus::loader();
    let (_instance, pumice, lavapipe) = gpus::devices(&entry);
    let lavapipe = lavapipe.expect("lavapipe (mesa-vulkan-drivers) is the reference");
    let spirv = gpus::glsl("comp", SHADER);
    let what = ["textureLod", "textureGather(.g)", "texelFetch", "size/levels"];
    let mut failures = Vec::new();
    for (name, info) in samplers() {
        // SAFETY: valid Vulkan usage on live devices; the buffers outlive their use.
        let (p, l) = unsafe { (run_on(&pumice, &spirv, &info), run_on(&lavapipe, &spirv, &info)) };
        let pts = points();
        for i in 0..POINTS {
            for (k, op) in what.iter().enumerate() {
                let at = (i * 4 + k) * 4;
                let a = &p.results[at..at + 4];
                let b = &l.results[at..at + 4];
                let bad = a.iter().zip(b).any(|(x, y)| (x - y).abs() > 3.0 / 255.0);
                if bad && failures.len() < 20 {
                    failures.push(format!(
                        "{name}: {op} at {:?}: pumice {a:?}, lavapipe {b:?}",
                        &pts[i * 4..i * 4 + 3]
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
