//! Graphics benchmarks at 1920×1080, Pumice and lavapipe side by side in one run:
//! `cargo bench --bench graphics`.
//!
//! - ~200k small Gouraud-shaded triangles with a depth test (triangles per second);
//! - 8 full-screen alpha-blended quads (fill, Gpixel/s);
//! - a full-screen fragment shader with a heavy arithmetic loop (Gpixel/s);
//! - a clear and a copy of the image to a buffer (GB/s of the copy).

mod common;

use ash::vk;
use common::{glsl, report, Gpu};

const WIDTH: u32 = 1920;
/// Timed frames per driver and row, after one untimed; the median is reported. Each driver's
/// frames run back to back (alternating the two drivers frame by frame was tried: each
/// slowed the other's next frame, Pumice's 23 → 25–40 ms).
const RUNS: usize = 7;
const HEIGHT: u32 = 1080;

const VERT: &str = r"#version 450
layout(location = 0) in vec3 pos;
layout(location = 1) in vec4 color;
layout(location = 0) out vec4 v_color;
void main() { gl_Position = vec4(pos, 1.0); v_color = color; }";

const FRAG: &str = r"#version 450
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 o;
void main() { o = v_color; }";

const HEAVY_FRAG: &str = r"#version 450
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 o;
void main() {
    vec2 p = gl_FragCoord.xy * 0.001;
    float a = 0.0;
    for (int i = 0; i < 32; i++) {
        p = vec2(p.x * p.x - p.y * p.y + 0.3, 2.0 * p.x * p.y + 0.1);
        a += p.x * 0.01;
    }
    o = vec4(fract(a), v_color.gb, 1.0);
}";

struct Scene {
    pipeline: vk::Pipeline,
}

fn pipeline(gpu: &Gpu, frag: &str, blend: bool, depth: bool) -> Scene {
    let d = &gpu.device;
    unsafe {
        let vs = d
            .create_shader_module(
                &vk::ShaderModuleCreateInfo::default().code(&glsl("vert", VERT)),
                None,
            )
            .unwrap();
        let fs = d
            .create_shader_module(
                &vk::ShaderModuleCreateInfo::default().code(&glsl("frag", frag)),
                None,
            )
            .unwrap();
        let stages = [
            vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::VERTEX)
                .module(vs)
                .name(c"main"),
            vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::FRAGMENT)
                .module(fs)
                .name(c"main"),
        ];
        let bindings = [vk::VertexInputBindingDescription {
            binding: 0,
            stride: 28,
            input_rate: vk::VertexInputRate::VERTEX,
        }];
        let attributes = [
            vk::VertexInputAttributeDescription {
                location: 0,
                binding: 0,
                format: vk::Format::R32G32B32_SFLOAT,
                offset: 0,
            },
            vk::VertexInputAttributeDescription {
                location: 1,
                binding: 0,
                format: vk::Format::R32G32B32A32_SFLOAT,
                offset: 12,
            },
        ];
        let vi = vk::PipelineVertexInputStateCreateInfo::default()
            .vertex_binding_descriptions(&bindings)
            .vertex_attribute_descriptions(&attributes);
        let ia = vk::PipelineInputAssemblyStateCreateInfo::default()
            .topology(vk::PrimitiveTopology::TRIANGLE_LIST);
        let viewports = [vk::Viewport {
            x: 0.0,
            y: 0.0,
            width: WIDTH as f32,
            height: HEIGHT as f32,
            min_depth: 0.0,
            max_depth: 1.0,
        }];
        let scissors = [vk::Rect2D {
            offset: vk::Offset2D::default(),
            extent: vk::Extent2D {
                width: WIDTH,
                height: HEIGHT,
            },
        }];
        let vp = vk::PipelineViewportStateCreateInfo::default()
            .viewports(&viewports)
            .scissors(&scissors);
        let rs = vk::PipelineRasterizationStateCreateInfo::default()
            .polygon_mode(vk::PolygonMode::FILL)
            .line_width(1.0);
        let ms = vk::PipelineMultisampleStateCreateInfo::default()
            .rasterization_samples(vk::SampleCountFlags::TYPE_1);
        let ds = vk::PipelineDepthStencilStateCreateInfo::default()
            .depth_test_enable(depth)
            .depth_write_enable(depth)
            .depth_compare_op(vk::CompareOp::LESS);
        let att = [vk::PipelineColorBlendAttachmentState::default()
            .blend_enable(blend)
            .src_color_blend_factor(vk::BlendFactor::SRC_ALPHA)
            .dst_color_blend_factor(vk::BlendFactor::ONE_MINUS_SRC_ALPHA)
            .color_blend_op(vk::BlendOp::ADD)
            .src_alpha_blend_factor(vk::BlendFactor::ONE)
            .dst_alpha_blend_factor(vk::BlendFactor::ZERO)
            .alpha_blend_op(vk::BlendOp::ADD)
            .color_write_mask(vk::ColorComponentFlags::RGBA)];
        let cb = vk::PipelineColorBlendStateCreateInfo::default().attachments(&att);
        let layout = d
            .create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default(), None)
            .unwrap();
        let formats = [vk::Format::R8G8B8A8_UNORM];
        let mut rendering = vk::PipelineRenderingCreateInfo::default()
            .color_attachment_formats(&formats)
            .depth_attachment_format(vk::Format::D32_SFLOAT);
        let info = vk::GraphicsPipelineCreateInfo::default()
            .stages(&stages)
            .vertex_input_state(&vi)
            .input_assembly_state(&ia)
            .viewport_state(&vp)
            .rasterization_state(&rs)
            .multisample_state(&ms)
            .depth_stencil_state(&ds)
            .color_blend_state(&cb)
            .layout(layout)
            .push_next(&mut rendering);
        let pipeline = d
            .create_graphics_pipelines(vk::PipelineCache::null(), &[info], None)
            .unwrap()[0];
        Scene { pipeline }
    }
}

struct Targets {
    color: vk::Image,
    color_view: vk::ImageView,
    depth_view: vk::ImageView,
}

fn image(
    gpu: &Gpu,
    format: vk::Format,
    usage: vk::ImageUsageFlags,
    aspect: vk::ImageAspectFlags,
) -> (vk::Image, vk::ImageView) {
    let d = &gpu.device;
    unsafe {
        let image = d
            .create_image(
                &vk::ImageCreateInfo::default()
                    .image_type(vk::ImageType::TYPE_2D)
                    .format(format)
                    .extent(vk::Extent3D {
                        width: WIDTH,
                        height: HEIGHT,
                        depth: 1,
                    })
                    .mip_levels(1)
                    .array_layers(1)
                    .samples(vk::SampleCountFlags::TYPE_1)
                    .tiling(vk::ImageTiling::OPTIMAL)
                    .usage(usage),
                None,
            )
            .unwrap();
        let req = d.get_image_memory_requirements(image);
        let mem = d
            .allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(req.size)
                    .memory_type_index(gpu.memory_type),
                None,
            )
            .unwrap();
        d.bind_image_memory(image, mem, 0).unwrap();
        let view = d
            .create_image_view(
                &vk::ImageViewCreateInfo::default()
                    .image(image)
                    .view_type(vk::ImageViewType::TYPE_2D)
                    .format(format)
                    .subresource_range(vk::ImageSubresourceRange {
                        aspect_mask: aspect,
                        base_mip_level: 0,
                        level_count: 1,
                        base_array_layer: 0,
                        layer_count: 1,
                    }),
                None,
            )
            .unwrap();
        (image, view)
    }
}

fn targets(gpu: &Gpu) -> Targets {
    let (color, color_view) = image(
        gpu,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT
            | vk::ImageUsageFlags::TRANSFER_SRC
            | vk::ImageUsageFlags::TRANSFER_DST,
        vk::ImageAspectFlags::COLOR,
    );
    let (_, depth_view) = image(
        gpu,
        vk::Format::D32_SFLOAT,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
        vk::ImageAspectFlags::DEPTH,
    );
    Targets {
        color,
        color_view,
        depth_view,
    }
}

/// Records one pass drawing `vertex_count` vertices of `vb` with `scene`.
fn frame(
    gpu: &Gpu,
    t: &Targets,
    scene: &Scene,
    vb: vk::Buffer,
    vertex_count: u32,
) -> vk::CommandBuffer {
    let d = &gpu.device;
    gpu.record(|cb| unsafe {
        let color = [vk::RenderingAttachmentInfo::default()
            .image_view(t.color_view)
            .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .clear_value(vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.1, 0.1, 0.1, 1.0],
                },
            })];
        let depth = vk::RenderingAttachmentInfo::default()
            .image_view(t.depth_view)
            .image_layout(vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::DONT_CARE)
            .clear_value(vk::ClearValue {
                depth_stencil: vk::ClearDepthStencilValue {
                    depth: 1.0,
                    stencil: 0,
                },
            });
        d.cmd_begin_rendering(
            cb,
            &vk::RenderingInfo::default()
                .render_area(vk::Rect2D {
                    offset: vk::Offset2D::default(),
                    extent: vk::Extent2D {
                        width: WIDTH,
                        height: HEIGHT,
                    },
                })
                .layer_count(1)
                .color_attachments(&color)
                .depth_attachment(&depth),
        );
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, scene.pipeline);
        d.cmd_bind_vertex_buffers(cb, 0, &[vb], &[0]);
        d.cmd_draw(cb, vertex_count, 1, 0, 0);
        d.cmd_end_rendering(cb);
    })
}

fn vertex_buffer(gpu: &Gpu, data: &[f32]) -> vk::Buffer {
    let b = gpu.buffer((data.len() * 4) as u64, vk::BufferUsageFlags::VERTEX_BUFFER);
    gpu.write_f32(&b, data);
    b.buffer
}

fn push_vertex(v: &mut Vec<f32>, x: f32, y: f32, z: f32, c: [f32; 4]) {
    v.extend([x, y, z]);
    v.extend(c);
}

/// A 320×320 grid of quads: 204,800 small triangles, coloured per vertex, depth varying.
fn triangles(gpu: &Gpu, t: &Targets) -> f64 {
    let n = 320;
    let mut v = Vec::new();
    for j in 0..n {
        for i in 0..n {
            let (x0, y0) = (
                i as f32 / n as f32 * 2.0 - 1.0,
                j as f32 / n as f32 * 2.0 - 1.0,
            );
            let (x1, y1) = (x0 + 2.0 / n as f32, y0 + 2.0 / n as f32);
            let z = ((i * 7 + j * 13) % 100) as f32 / 100.0;
            let c = [i as f32 / n as f32, j as f32 / n as f32, z, 1.0];
            for (x, y) in [(x0, y0), (x1, y0), (x1, y1), (x0, y0), (x1, y1), (x0, y1)] {
                push_vertex(&mut v, x, y, z, c);
            }
        }
    }
    let vb = vertex_buffer(gpu, &v);
    let scene = pipeline(gpu, FRAG, false, true);
    let cb = frame(gpu, t, &scene, vb, (v.len() / 7) as u32);
    let time = gpu.time(cb, RUNS);
    (n * n * 2) as f64 / time.as_secs_f64() / 1e6
}

fn fullscreen(v: &mut Vec<f32>, z: f32, c: [f32; 4]) {
    for (x, y) in [(-1.0, -1.0), (3.0, -1.0), (-1.0, 3.0)] {
        push_vertex(v, x, y, z, c);
    }
}

/// 8 full-screen blended layers: Gpixel/s of blended fragments.
fn fill(gpu: &Gpu, t: &Targets) -> f64 {
    let mut v = Vec::new();
    for k in 0..8 {
        fullscreen(
            &mut v,
            0.5,
            [k as f32 / 8.0, 0.5, 1.0 - k as f32 / 8.0, 0.3],
        );
    }
    let vb = vertex_buffer(gpu, &v);
    let scene = pipeline(gpu, FRAG, true, false);
    let cb = frame(gpu, t, &scene, vb, 24);
    let time = gpu.time(cb, RUNS);
    8.0 * (WIDTH * HEIGHT) as f64 / time.as_secs_f64() / 1e9
}

/// One full-screen layer of an arithmetic-heavy fragment shader: Gpixel/s.
fn heavy(gpu: &Gpu, t: &Targets) -> f64 {
    let mut v = Vec::new();
    fullscreen(&mut v, 0.5, [1.0, 0.5, 0.25, 1.0]);
    let vb = vertex_buffer(gpu, &v);
    let scene = pipeline(gpu, HEAVY_FRAG, false, false);
    let cb = frame(gpu, t, &scene, vb, 3);
    let time = gpu.time(cb, RUNS);
    (WIDTH * HEIGHT) as f64 / time.as_secs_f64() / 1e9
}

/// Clear the colour image and copy it to a buffer: GB/s of the copy.
fn clear_copy(gpu: &Gpu, t: &Targets) -> f64 {
    let bytes = (WIDTH * HEIGHT * 4) as u64;
    let out = gpu.buffer(bytes, vk::BufferUsageFlags::TRANSFER_DST);
    let d = &gpu.device;
    let cb = gpu.record(|cb| unsafe {
        let range = vk::ImageSubresourceRange {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            base_mip_level: 0,
            level_count: 1,
            base_array_layer: 0,
            layer_count: 1,
        };
        d.cmd_clear_color_image(
            cb,
            t.color,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
            &vk::ClearColorValue {
                float32: [0.2, 0.4, 0.6, 1.0],
            },
            &[range],
        );
        d.cmd_copy_image_to_buffer(
            cb,
            t.color,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            out.buffer,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: vk::ImageSubresourceLayers {
                    aspect_mask: vk::ImageAspectFlags::COLOR,
                    mip_level: 0,
                    base_array_layer: 0,
                    layer_count: 1,
                },
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: WIDTH,
                    height: HEIGHT,
                    depth: 1,
                },
            }],
        );
    });
    let time = gpu.time(cb, RUNS);
    2.0 * bytes as f64 / time.as_secs_f64() / 1e9
}

fn main() {
    let entry = common::loader();
    let (_instance, pumice, lavapipe) = common::devices(&entry);
    println!(
        "{}×{}; Pumice: {}; lavapipe: {}",
        WIDTH,
        HEIGHT,
        pumice.name,
        lavapipe
            .as_ref()
            .map_or("not installed", |l| l.name.as_str())
    );
    let pt = targets(&pumice);
    let lt = lavapipe.as_ref().map(targets);
    let both = |f: fn(&Gpu, &Targets) -> f64| {
        (
            f(&pumice, &pt),
            lavapipe.as_ref().zip(lt.as_ref()).map(|(g, t)| f(g, t)),
        )
    };
    // `PUMICE_BENCH=fill,heavy` runs only the named rows (for profiling one workload).
    let only = std::env::var("PUMICE_BENCH").ok();
    let rows: [(&str, &str, &str, fn(&Gpu, &Targets) -> f64); 4] = [
        (
            "triangles",
            "204,800 small triangles, depth test",
            "Mtri/s",
            triangles,
        ),
        ("fill", "8 full-screen blended layers", "Gpix/s", fill),
        (
            "heavy",
            "full-screen arithmetic-heavy shader",
            "Gpix/s",
            heavy,
        ),
        (
            "copy",
            "clear + copy to buffer (bytes moved)",
            "GB/s",
            clear_copy,
        ),
    ];
    for (key, what, unit, f) in rows {
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|k| k == key))
        {
            continue;
        }
        let (p, l) = both(f);
        report(what, unit, p, l, true);
    }
}
