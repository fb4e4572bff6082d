//! Drawing through the Vulkan API: render passes and dynamic rendering, vertex and index
//! buffers, vertex and fragment shaders, depth testing and blending — pixels read back.

mod common;

use ash::vk;
use common::{glsl, Ctx};

const VERT: &str = r"#version 450
layout(location = 0) in vec3 pos;
layout(location = 1) in vec3 color;
layout(location = 0) out vec3 v_color;
void main() { gl_Position = vec4(pos, 1.0); v_color = color; }";

const FRAG: &str = r"#version 450
layout(location = 0) in vec3 v_color;
layout(location = 0) out vec4 o;
layout(push_constant) uniform P { float alpha; };
void main() { o = vec4(v_color, alpha); }";

const SIZE: u32 = 64;

struct Target {
    image: vk::Image,
    view: vk::ImageView,
}

fn target(
    ctx: &Ctx,
    format: vk::Format,
    usage: vk::ImageUsageFlags,
    aspect: vk::ImageAspectFlags,
) -> Target {
    target_samples(ctx, format, usage, aspect, vk::SampleCountFlags::TYPE_1)
}

fn target_samples(
    ctx: &Ctx,
    format: vk::Format,
    usage: vk::ImageUsageFlags,
    aspect: vk::ImageAspectFlags,
    samples: vk::SampleCountFlags,
) -> Target {
    let (image, _mem) = ctx.image(
        &vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(format)
            .extent(vk::Extent3D {
                width: SIZE,
                height: SIZE,
                depth: 1,
            })
            .mip_levels(1)
            .array_layers(1)
            .samples(samples)
            .tiling(vk::ImageTiling::OPTIMAL)
            .usage(usage | vk::ImageUsageFlags::TRANSFER_SRC),
    );
    let view = unsafe {
        ctx.device.create_image_view(
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
    }
    .unwrap();
    Target { image, view }
}

struct Pipe {
    layout: vk::PipelineLayout,
    pipeline: vk::Pipeline,
}

/// The test pipeline: `FRAG` with a 4-byte fragment push constant (its alpha).
fn pipeline(ctx: &Ctx, render_pass: vk::RenderPass, depth: bool, blend: bool) -> Pipe {
    let ranges = [vk::PushConstantRange {
        stage_flags: vk::ShaderStageFlags::FRAGMENT,
        offset: 0,
        size: 4,
    }];
    let layout = unsafe {
        ctx.device.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges),
            None,
        )
    }
    .unwrap();
    let pipeline = pipeline_with(ctx, FRAG, layout, render_pass, depth, blend);
    Pipe { layout, pipeline }
}

/// `VERT` and `frag` over 64×64 RGBA8 (and D32 when `depth`), in `render_pass` or, when it is
/// null, for dynamic rendering; `blend` is source-alpha blending.
fn pipeline_with(
    ctx: &Ctx,
    frag: &str,
    layout: vk::PipelineLayout,
    render_pass: vk::RenderPass,
    depth: bool,
    blend: bool,
) -> vk::Pipeline {
    let fixed = Fixed {
        depth_format: if depth {
            vk::Format::D32_SFLOAT
        } else {
            vk::Format::UNDEFINED
        },
        ds: vk::PipelineDepthStencilStateCreateInfo::default()
            .depth_test_enable(depth)
            .depth_write_enable(depth)
            .depth_compare_op(vk::CompareOp::LESS),
        blend,
        ..Fixed::new()
    };
    pipeline_fixed(ctx, frag, layout, render_pass, &fixed)
}

/// The fixed-function choices of a test pipeline.
struct Fixed {
    depth_format: vk::Format,
    stencil_format: vk::Format,
    ds: vk::PipelineDepthStencilStateCreateInfo<'static>,
    /// `(constant, clamp, slope)` of an enabled depth bias.
    depth_bias: Option<(f32, f32, f32)>,
    blend: bool,
    color_write_mask: vk::ColorComponentFlags,
    dynamic: Vec<vk::DynamicState>,
    /// The vertex shader (inputs `pos` and `color` at locations 0 and 1).
    vert: &'static str,
    topology: vk::PrimitiveTopology,
    polygon_mode: vk::PolygonMode,
    /// `rasterizationSamples`.
    samples: vk::SampleCountFlags,
    /// The subpass of the render pass the pipeline is for.
    subpass: u32,
    /// Dynamic rendering's `viewMask` (multiview).
    view_mask: u32,
    /// `logicOpEnable` with `logicOp`.
    logic_op: Option<vk::LogicOp>,
}

impl Fixed {
    /// No depth or stencil, no blending, all colour components written.
    fn new() -> Fixed {
        Fixed {
            depth_format: vk::Format::UNDEFINED,
            stencil_format: vk::Format::UNDEFINED,
            ds: vk::PipelineDepthStencilStateCreateInfo::default(),
            depth_bias: None,
            blend: false,
            color_write_mask: vk::ColorComponentFlags::RGBA,
            dynamic: Vec::new(),
            vert: VERT,
            topology: vk::PrimitiveTopology::TRIANGLE_LIST,
            polygon_mode: vk::PolygonMode::FILL,
            samples: vk::SampleCountFlags::TYPE_1,
            subpass: 0,
            view_mask: 0,
            logic_op: None,
        }
    }
}

/// `fixed.vert` and `frag` with the fixed-function state `fixed`.
fn pipeline_fixed(
    ctx: &Ctx,
    frag: &str,
    layout: vk::PipelineLayout,
    render_pass: vk::RenderPass,
    fixed: &Fixed,
) -> vk::Pipeline {
    let blend = fixed.blend;
    let d = &ctx.device;
    unsafe {
        let vs = d
            .create_shader_module(
                &vk::ShaderModuleCreateInfo::default().code(&glsl("vert", fixed.vert)),
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
            stride: 24,
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
                format: vk::Format::R32G32B32_SFLOAT,
                offset: 12,
            },
        ];
        let vi = vk::PipelineVertexInputStateCreateInfo::default()
            .vertex_binding_descriptions(&bindings)
            .vertex_attribute_descriptions(&attributes);
        let ia = vk::PipelineInputAssemblyStateCreateInfo::default().topology(fixed.topology);
        let viewports = [vk::Viewport {
            x: 0.0,
            y: 0.0,
            width: SIZE as f32,
            height: SIZE as f32,
            min_depth: 0.0,
            max_depth: 1.0,
        }];
        let scissors = [full_area()];
        let vp = vk::PipelineViewportStateCreateInfo::default()
            .viewports(&viewports)
            .scissors(&scissors);
        let mut rs = vk::PipelineRasterizationStateCreateInfo::default()
            .polygon_mode(fixed.polygon_mode)
            .line_width(1.0);
        if let Some((constant, clamp, slope)) = fixed.depth_bias {
            rs = rs
                .depth_bias_enable(true)
                .depth_bias_constant_factor(constant)
                .depth_bias_clamp(clamp)
                .depth_bias_slope_factor(slope);
        }
        let ms =
            vk::PipelineMultisampleStateCreateInfo::default().rasterization_samples(fixed.samples);
        let ds = fixed.ds;
        let attachments = [vk::PipelineColorBlendAttachmentState::default()
            .blend_enable(blend)
            .src_color_blend_factor(vk::BlendFactor::SRC_ALPHA)
            .dst_color_blend_factor(vk::BlendFactor::ONE_MINUS_SRC_ALPHA)
            .color_blend_op(vk::BlendOp::ADD)
            .src_alpha_blend_factor(vk::BlendFactor::ONE)
            .dst_alpha_blend_factor(vk::BlendFactor::ZERO)
            .alpha_blend_op(vk::BlendOp::ADD)
            .color_write_mask(fixed.color_write_mask)];
        let mut cb = vk::PipelineColorBlendStateCreateInfo::default().attachments(&attachments);
        if let Some(op) = fixed.logic_op {
            cb = cb.logic_op_enable(true).logic_op(op);
        }
        let formats = [vk::Format::R8G8B8A8_UNORM];
        let mut rendering = vk::PipelineRenderingCreateInfo::default()
            .color_attachment_formats(&formats)
            .depth_attachment_format(fixed.depth_format)
            .stencil_attachment_format(fixed.stencil_format)
            .view_mask(fixed.view_mask);
        let dynamic = vk::PipelineDynamicStateCreateInfo::default().dynamic_states(&fixed.dynamic);
        let mut info = vk::GraphicsPipelineCreateInfo::default()
            .stages(&stages)
            .vertex_input_state(&vi)
            .input_assembly_state(&ia)
            .viewport_state(&vp)
            .rasterization_state(&rs)
            .multisample_state(&ms)
            .depth_stencil_state(&ds)
            .color_blend_state(&cb)
            .dynamic_state(&dynamic)
            .layout(layout)
            .render_pass(render_pass)
            .subpass(fixed.subpass);
        if render_pass == vk::RenderPass::null() {
            info = info.push_next(&mut rendering);
        }
        let pipeline = d
            .create_graphics_pipelines(vk::PipelineCache::null(), &[info], None)
            .unwrap()[0];
        d.destroy_shader_module(vs, None);
        d.destroy_shader_module(fs, None);
        pipeline
    }
}

/// The whole SIZE × SIZE target.
fn full_area() -> vk::Rect2D {
    vk::Rect2D {
        offset: vk::Offset2D::default(),
        extent: vk::Extent2D {
            width: SIZE,
            height: SIZE,
        },
    }
}

/// Depth cleared to 1.0, stencil to 0.
const CLEAR_DEPTH_ONE: vk::ClearValue = vk::ClearValue {
    depth_stencil: vk::ClearDepthStencilValue {
        depth: 1.0,
        stencil: 0,
    },
};

fn read_pixels(ctx: &Ctx, image: vk::Image) -> Vec<[u8; 4]> {
    let out = ctx.buffer((SIZE * SIZE * 4) as u64);
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_image_to_buffer(
            cb,
            image,
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
                    width: SIZE,
                    height: SIZE,
                    depth: 1,
                },
            }],
        );
    });
    out.bytes()
        .chunks(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect()
}

fn vertices(ctx: &Ctx, data: &[f32]) -> common::TestBuffer {
    let b = ctx.buffer((data.len() * 4) as u64);
    let bytes: Vec<u8> = data.iter().flat_map(|f| f.to_le_bytes()).collect();
    b.bytes()[..bytes.len()].copy_from_slice(&bytes);
    b
}

#[test]
fn render_pass_triangle_with_load_clear() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
    );
    unsafe {
        let attachments = [vk::AttachmentDescription::default()
            .format(vk::Format::R8G8B8A8_UNORM)
            .samples(vk::SampleCountFlags::TYPE_1)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .final_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)];
        let color_refs = [vk::AttachmentReference {
            attachment: 0,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let subpasses = [vk::SubpassDescription::default().color_attachments(&color_refs)];
        let rp = d
            .create_render_pass(
                &vk::RenderPassCreateInfo::default()
                    .attachments(&attachments)
                    .subpasses(&subpasses),
                None,
            )
            .unwrap();
        let views = [color.view];
        let fb = d
            .create_framebuffer(
                &vk::FramebufferCreateInfo::default()
                    .render_pass(rp)
                    .attachments(&views)
                    .width(SIZE)
                    .height(SIZE)
                    .layers(1),
                None,
            )
            .unwrap();
        let p = pipeline(&ctx, rp, false, false);
        // Top-left half of the target: red at the top-left corner, green top-right, blue bottom-left.
        let vb = vertices(
            &ctx,
            &[
                -1.0, -1.0, 0.5, 1.0, 0.0, 0.0, 1.0, -1.0, 0.5, 0.0, 1.0, 0.0, -1.0, 1.0, 0.5, 0.0,
                0.0, 1.0,
            ],
        );
        ctx.run(|cb| {
            let clear = [vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.0, 0.0, 0.0, 1.0],
                },
            }];
            d.cmd_begin_render_pass(
                cb,
                &vk::RenderPassBeginInfo::default()
                    .render_pass(rp)
                    .framebuffer(fb)
                    .render_area(full_area())
                    .clear_values(&clear),
                vk::SubpassContents::INLINE,
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p.pipeline);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_push_constants(
                cb,
                p.layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_end_render_pass(cb);
        });
        let px = read_pixels(&ctx, color.image);
        let at = |x: u32, y: u32| px[(y * SIZE + x) as usize];
        // Pixel centres (x+0.5, y+0.5): covered when x + y + 1 < 64 (the diagonal edge).
        for y in 0..SIZE {
            for x in 0..SIZE {
                let p = at(x, y);
                if x + y + 1 < SIZE {
                    // Barycentric colours: r = 1 - u - v, g = u, b = v with u = (x+.5)/64, v = (y+.5)/64.
                    let (u, v) = (
                        (x as f32 + 0.5) / SIZE as f32,
                        (y as f32 + 0.5) / SIZE as f32,
                    );
                    let want = [(1.0 - u - v) * 255.0, u * 255.0, v * 255.0];
                    for c in 0..3 {
                        assert!(
                            (p[c] as f32 - want[c]).abs() <= 1.5,
                            "({x},{y}) {p:?} vs {want:?}"
                        );
                    }
                    assert_eq!(p[3], 255);
                } else if x + y + 1 > SIZE {
                    assert_eq!(p, [0, 0, 0, 255], "({x},{y}) outside");
                }
            }
        }
        d.destroy_framebuffer(fb, None);
        d.destroy_render_pass(rp, None);
        d.destroy_pipeline(p.pipeline, None);
        d.destroy_pipeline_layout(p.layout, None);
    }
}

#[test]
fn dynamic_rendering_depth_test_indexed_draws_and_blending() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
    );
    let depth = target(
        &ctx,
        vk::Format::D32_SFLOAT,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
        vk::ImageAspectFlags::DEPTH,
    );
    let p = pipeline(&ctx, vk::RenderPass::null(), true, false);
    let blended = pipeline(&ctx, vk::RenderPass::null(), false, true);
    // Two full-screen quads (indexed): red at depth 0.3 drawn second, green at 0.6 drawn first…
    // then a red-over-everything one at depth 0.9 that the depth test rejects.
    let quad = |z: f32, c: [f32; 3]| {
        let mut v = Vec::new();
        for (x, y) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
            v.extend([x, y, z]);
            v.extend(c);
        }
        v
    };
    let mut data = quad(0.6, [0.0, 1.0, 0.0]);
    data.extend(quad(0.3, [1.0, 0.0, 0.0]));
    data.extend(quad(0.9, [0.0, 0.0, 1.0]));
    // A half-transparent white quad on the left half, blended.
    for (x, y) in [(-1.0f32, -1.0f32), (0.0, -1.0), (0.0, 1.0), (-1.0, 1.0)] {
        data.extend([x, y, 0.0, 1.0, 1.0, 1.0]);
    }
    let vb = vertices(&ctx, &data);
    let ib = ctx.buffer(64);
    let idx: Vec<u8> = [0u16, 1, 2, 2, 3, 0]
        .iter()
        .flat_map(|i| i.to_le_bytes())
        .collect();
    ib.bytes()[..12].copy_from_slice(&idx);
    unsafe {
        ctx.run(|cb| {
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(color.view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: [0.0, 0.0, 0.0, 0.0],
                    },
                })];
            let depth_att = vk::RenderingAttachmentInfo::default()
                .image_view(depth.view)
                .image_layout(vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(CLEAR_DEPTH_ONE);
            d.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(full_area())
                    .layer_count(1)
                    .color_attachments(&color_att)
                    .depth_attachment(&depth_att),
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p.pipeline);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_bind_index_buffer(cb, ib.buffer, 0, vk::IndexType::UINT16);
            d.cmd_push_constants(
                cb,
                p.layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_draw_indexed(cb, 6, 1, 0, 0, 0);
            d.cmd_draw_indexed(cb, 6, 1, 0, 4, 0);
            d.cmd_draw_indexed(cb, 6, 1, 0, 8, 0);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, blended.pipeline);
            d.cmd_push_constants(
                cb,
                blended.layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &0.5f32.to_le_bytes(),
            );
            d.cmd_draw_indexed(cb, 6, 1, 0, 12, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = px[(y * SIZE + x) as usize];
            if x < SIZE / 2 {
                // 0.5·white + 0.5·red = (255, 128, 128) (±1 for rounding); alpha: 0.5·1 + 0·… = 0.5.
                assert!(
                    p[0] >= 254 && (127..=129).contains(&p[1]) && (127..=129).contains(&p[2]),
                    "({x},{y}) {p:?}"
                );
            } else {
                assert_eq!(p, [255, 0, 0, 255], "({x},{y}): the nearer red quad wins");
            }
        }
    }
}

#[test]
fn fragment_shaders_write_storage_buffers_once_per_covered_pixel() {
    // Each covered pixel adds 1 with an atomic; helper invocations (the uncovered pixels of
    // edge quads) must not. A triangle covering exactly the top-left half: 64·63/2 + … pixels.
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
    );
    let counter = ctx.buffer(16);
    let frag = r"#version 450
        layout(location = 0) in vec3 v_color;
        layout(location = 0) out vec4 o;
        layout(set = 0, binding = 0) buffer C { uint count; uint sum_x; };
        void main() {
            atomicAdd(count, 1u);
            atomicAdd(sum_x, uint(gl_FragCoord.x));
            o = vec4(dFdx(v_color.r) * 0.0 + 1.0);
        }";
    unsafe {
        let binding = [vk::DescriptorSetLayoutBinding::default()
            .binding(0)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
            .descriptor_count(1)
            .stage_flags(vk::ShaderStageFlags::FRAGMENT)];
        let set_layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&binding),
                None,
            )
            .unwrap();
        let set_layouts = [set_layout];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts),
                None,
            )
            .unwrap();
        let pipeline = pipeline_with(&ctx, frag, layout, vk::RenderPass::null(), false, false);
        let sizes = [vk::DescriptorPoolSize {
            ty: vk::DescriptorType::STORAGE_BUFFER,
            descriptor_count: 1,
        }];
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
                    .set_layouts(&set_layouts),
            )
            .unwrap()[0];
        let info = [vk::DescriptorBufferInfo {
            buffer: counter.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        }];
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(0)
                .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                .buffer_info(&info)],
            &[],
        );
        let vb = vertices(
            &ctx,
            &[
                -1.0, -1.0, 0.5, 1.0, 0.0, 0.0, 1.0, -1.0, 0.5, 0.0, 1.0, 0.0, -1.0, 1.0, 0.5, 0.0,
                0.0, 1.0,
            ],
        );
        ctx.run(|cb| {
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(color.view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)];
            d.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(full_area())
                    .layer_count(1)
                    .color_attachments(&color_att),
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipeline);
            d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::GRAPHICS, layout, 0, &[set], &[]);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
    }
    // Covered: pixel centres with x + y + 1 < 64 (see render_pass_triangle_with_load_clear).
    let (mut n, mut sx) = (0u32, 0u32);
    for y in 0..SIZE {
        for x in 0..SIZE {
            if x + y + 1 < SIZE {
                n += 1;
                sx += x;
            }
        }
    }
    let b = counter.bytes();
    let word = |i: usize| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
    assert_eq!((word(0), word(1)), (n, sx));
    let px = read_pixels(&ctx, color.image);
    assert_eq!(px[0], [255, 255, 255, 255]);
}

#[test]
fn fragment_shaders_reach_buffers_by_device_address() {
    // As `fragment_shaders_write_storage_buffers_once_per_covered_pixel`, through a
    // `buffer_reference` pointer from vkGetBufferDeviceAddress in push constants, which also
    // gives the colour.
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
    );
    let counter = ctx.buffer(32);
    counter.bytes()[16..32].copy_from_slice(
        &[0.0f32, 1.0, 0.0, 1.0]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    let frag = r"#version 450
        #extension GL_EXT_buffer_reference : require
        layout(location = 0) in vec3 v_color;
        layout(location = 0) out vec4 o;
        layout(buffer_reference, std430) buffer C { uint count; uint sum_x; vec4 color; };
        layout(push_constant) uniform P { C c; } p;
        void main() {
            atomicAdd(p.c.count, 1u);
            atomicAdd(p.c.sum_x, uint(gl_FragCoord.x));
            o = p.c.color + vec4(dFdx(v_color.r) * 0.0);
        }";
    unsafe {
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::FRAGMENT,
            offset: 0,
            size: 8,
        }];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges),
                None,
            )
            .unwrap();
        let pipeline = pipeline_with(&ctx, frag, layout, vk::RenderPass::null(), false, false);
        let address = d.get_buffer_device_address(
            &vk::BufferDeviceAddressInfo::default().buffer(counter.buffer),
        );
        let vb = vertices(
            &ctx,
            &[
                -1.0, -1.0, 0.5, 1.0, 0.0, 0.0, 1.0, -1.0, 0.5, 0.0, 1.0, 0.0, -1.0, 1.0, 0.5, 0.0,
                0.0, 1.0,
            ],
        );
        ctx.run(|cb| {
            begin_cleared(&ctx, cb, &color, None);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipeline);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &address.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let (mut n, mut sx) = (0u32, 0u32);
    for y in 0..SIZE {
        for x in 0..SIZE {
            if x + y + 1 < SIZE {
                n += 1;
                sx += x;
            }
        }
    }
    let b = counter.bytes();
    let word = |i: usize| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
    assert_eq!((word(0), word(1)), (n, sx));
    let px = read_pixels(&ctx, color.image);
    assert_eq!(px[0], [0, 255, 0, 255]);
    assert_eq!(px[(SIZE * SIZE - 1) as usize], [0, 0, 0, 0]);
}

/// The `aspect` plane of a 64×64 image, `bytes` per texel, as copied to a buffer.
fn read_plane(ctx: &Ctx, image: vk::Image, aspect: vk::ImageAspectFlags, bytes: u32) -> Vec<u8> {
    let out = ctx.buffer((SIZE * SIZE * bytes) as u64);
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_image_to_buffer(
            cb,
            image,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            out.buffer,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: vk::ImageSubresourceLayers {
                    aspect_mask: aspect,
                    mip_level: 0,
                    base_array_layer: 0,
                    layer_count: 1,
                },
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: SIZE,
                    height: SIZE,
                    depth: 1,
                },
            }],
        );
    });
    out.bytes()[..(SIZE * SIZE * bytes) as usize].to_vec()
}

/// A full-screen quad (two triangles) at depth `z` over clip x in [x0, x1], coloured `c`.
fn quad_vertices(x0: f32, x1: f32, z: f32, c: [f32; 3]) -> Vec<f32> {
    let mut v = Vec::new();
    for (x, y) in [
        (x0, -1.0),
        (x1, -1.0),
        (x1, 1.0),
        (x1, 1.0),
        (x0, 1.0),
        (x0, -1.0),
    ] {
        v.extend([x, y, z]);
        v.extend(c);
    }
    v
}

fn stencil_face(compare: vk::CompareOp, pass: vk::StencilOp, reference: u32) -> vk::StencilOpState {
    vk::StencilOpState {
        fail_op: vk::StencilOp::KEEP,
        pass_op: pass,
        depth_fail_op: vk::StencilOp::KEEP,
        compare_op: compare,
        compare_mask: 0xff,
        write_mask: 0xff,
        reference,
    }
}

#[test]
fn render_pass_stencil_mask_then_draw_where_equal() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ds_format = vk::Format::D24_UNORM_S8_UINT;
    let color = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
    );
    let ds = target(
        &ctx,
        ds_format,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
        vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL,
    );
    unsafe {
        let attachments = [
            vk::AttachmentDescription::default()
                .format(vk::Format::R8G8B8A8_UNORM)
                .samples(vk::SampleCountFlags::TYPE_1)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .final_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL),
            vk::AttachmentDescription::default()
                .format(ds_format)
                .samples(vk::SampleCountFlags::TYPE_1)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .stencil_load_op(vk::AttachmentLoadOp::CLEAR)
                .stencil_store_op(vk::AttachmentStoreOp::STORE)
                .final_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL),
        ];
        let color_refs = [vk::AttachmentReference {
            attachment: 0,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let ds_ref = vk::AttachmentReference {
            attachment: 1,
            layout: vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
        };
        let subpasses = [vk::SubpassDescription::default()
            .color_attachments(&color_refs)
            .depth_stencil_attachment(&ds_ref)];
        let rp = d
            .create_render_pass(
                &vk::RenderPassCreateInfo::default()
                    .attachments(&attachments)
                    .subpasses(&subpasses),
                None,
            )
            .unwrap();
        let views = [color.view, ds.view];
        let fb = d
            .create_framebuffer(
                &vk::FramebufferCreateInfo::default()
                    .render_pass(rp)
                    .attachments(&views)
                    .width(SIZE)
                    .height(SIZE)
                    .layers(1),
                None,
            )
            .unwrap();
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::FRAGMENT,
            offset: 0,
            size: 4,
        }];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges),
                None,
            )
            .unwrap();
        // Pass 1: stencil := 1 under the triangle, no colour writes.
        let write = stencil_face(vk::CompareOp::ALWAYS, vk::StencilOp::REPLACE, 1);
        let mask = pipeline_fixed(
            &ctx,
            FRAG,
            layout,
            rp,
            &Fixed {
                ds: vk::PipelineDepthStencilStateCreateInfo::default()
                    .stencil_test_enable(true)
                    .front(write)
                    .back(write),
                color_write_mask: vk::ColorComponentFlags::empty(),
                ..Fixed::new()
            },
        );
        // Pass 2: everywhere the stencil equals the (dynamic) reference 1, then increment it.
        // The pipeline's own reference (7) must not be used.
        let equal = stencil_face(vk::CompareOp::EQUAL, vk::StencilOp::INCREMENT_AND_CLAMP, 7);
        let draw = pipeline_fixed(
            &ctx,
            FRAG,
            layout,
            rp,
            &Fixed {
                ds: vk::PipelineDepthStencilStateCreateInfo::default()
                    .stencil_test_enable(true)
                    .front(equal)
                    .back(equal),
                dynamic: vec![vk::DynamicState::STENCIL_REFERENCE],
                ..Fixed::new()
            },
        );
        let mut data = vec![
            -1.0, -1.0, 0.5, 1.0, 1.0, 1.0, 1.0, -1.0, 0.5, 1.0, 1.0, 1.0, -1.0, 1.0, 0.5, 1.0,
            1.0, 1.0,
        ];
        data.extend(quad_vertices(-1.0, 1.0, 0.5, [1.0, 0.0, 0.0]));
        let vb = vertices(&ctx, &data);
        ctx.run(|cb| {
            let clear = [
                vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: [0.0, 0.0, 1.0, 1.0],
                    },
                },
                vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: 1.0,
                        stencil: 5,
                    },
                },
            ];
            d.cmd_begin_render_pass(
                cb,
                &vk::RenderPassBeginInfo::default()
                    .render_pass(rp)
                    .framebuffer(fb)
                    .render_area(full_area())
                    .clear_values(&clear),
                vk::SubpassContents::INLINE,
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, mask);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, draw);
            d.cmd_set_stencil_reference(cb, vk::StencilFaceFlags::FRONT_AND_BACK, 1);
            d.cmd_draw(cb, 6, 1, 3, 0);
            d.cmd_end_render_pass(cb);
        });
        let px = read_pixels(&ctx, color.image);
        let stencil = read_plane(&ctx, ds.image, vk::ImageAspectFlags::STENCIL, 1);
        let depth = read_plane(&ctx, ds.image, vk::ImageAspectFlags::DEPTH, 4);
        for y in 0..SIZE {
            for x in 0..SIZE {
                let i = (y * SIZE + x) as usize;
                let (p, s) = (px[i], stencil[i]);
                if x + y + 1 < SIZE {
                    assert_eq!(p, [255, 0, 0, 255], "({x},{y}) inside the mask");
                    assert_eq!(s, 2, "({x},{y}): replaced by 1, then incremented");
                } else if x + y + 1 > SIZE {
                    assert_eq!(p, [0, 0, 255, 255], "({x},{y}) outside the mask");
                    assert_eq!(s, 5, "({x},{y}): the load-op clear value");
                }
                // The depth aspect was cleared to 1.0 (D24: 0xffffff) and never written.
                let word = u32::from_le_bytes(depth[i * 4..i * 4 + 4].try_into().unwrap());
                assert_eq!(word & 0xff_ffff, 0xff_ffff);
            }
        }
        d.destroy_pipeline(mask, None);
        d.destroy_pipeline(draw, None);
        d.destroy_pipeline_layout(layout, None);
        d.destroy_framebuffer(fb, None);
        d.destroy_render_pass(rp, None);
    }
}

#[test]
fn dynamic_rendering_depth_bias_and_depth_bounds() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
    );
    let depth = target(
        &ctx,
        vk::Format::D32_SFLOAT,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
        vk::ImageAspectFlags::DEPTH,
    );
    unsafe {
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::FRAGMENT,
            offset: 0,
            size: 4,
        }];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges),
                None,
            )
            .unwrap();
        let less = vk::PipelineDepthStencilStateCreateInfo::default()
            .depth_test_enable(true)
            .depth_write_enable(true)
            .depth_compare_op(vk::CompareOp::LESS);
        let plain = pipeline_fixed(
            &ctx,
            FRAG,
            layout,
            vk::RenderPass::null(),
            &Fixed {
                depth_format: vk::Format::D32_SFLOAT,
                ds: less,
                ..Fixed::new()
            },
        );
        // Static factors (1000, …) that the dynamic state must replace.
        let biased = pipeline_fixed(
            &ctx,
            FRAG,
            layout,
            vk::RenderPass::null(),
            &Fixed {
                depth_format: vk::Format::D32_SFLOAT,
                ds: less,
                depth_bias: Some((1000.0, 0.0, 1000.0)),
                dynamic: vec![vk::DynamicState::DEPTH_BIAS],
                ..Fixed::new()
            },
        );
        // Depth bounds on the stored depth, no depth test.
        let bounded = pipeline_fixed(
            &ctx,
            FRAG,
            layout,
            vk::RenderPass::null(),
            &Fixed {
                depth_format: vk::Format::D32_SFLOAT,
                ds: vk::PipelineDepthStencilStateCreateInfo::default()
                    .depth_bounds_test_enable(true)
                    .min_depth_bounds(0.9)
                    .max_depth_bounds(1.0),
                dynamic: vec![vk::DynamicState::DEPTH_BOUNDS],
                ..Fixed::new()
            },
        );
        let mut data = quad_vertices(-1.0, 1.0, 0.5, [0.0, 1.0, 0.0]);
        data.extend(quad_vertices(-1.0, 0.0, 0.5, [1.0, 0.0, 0.0]));
        data.extend(quad_vertices(0.0, 1.0, 0.5, [1.0, 0.0, 0.0]));
        data.extend(quad_vertices(-1.0, 1.0, 0.0, [1.0, 1.0, 1.0]));
        let vb = vertices(&ctx, &data);
        ctx.run(|cb| {
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(color.view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)];
            let depth_att = vk::RenderingAttachmentInfo::default()
                .image_view(depth.view)
                .image_layout(vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(CLEAR_DEPTH_ONE);
            d.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(full_area())
                    .layer_count(1)
                    .color_attachments(&color_att)
                    .depth_attachment(&depth_att),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            // Green everywhere at depth 0.5.
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, plain);
            d.cmd_draw(cb, 6, 1, 0, 0);
            // Red at the same depth: biased towards the viewer on the left (passes LESS),
            // away from it on the right (fails). D32 at 0.5: r = 2^-24.
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, biased);
            d.cmd_set_depth_bias(cb, -8.0, 0.0, 0.0);
            d.cmd_draw(cb, 6, 1, 6, 0);
            d.cmd_set_depth_bias(cb, 8.0, 0.0, 0.0);
            d.cmd_draw(cb, 6, 1, 12, 0);
            // White wherever the stored depth is in [0.25, 0.4999999]: the left half only.
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, bounded);
            d.cmd_set_depth_bounds(cb, 0.25, 0.499_999_9);
            d.cmd_draw(cb, 6, 1, 18, 0);
            d.cmd_end_rendering(cb);
        });
        let px = read_pixels(&ctx, color.image);
        let z = read_plane(&ctx, depth.image, vk::ImageAspectFlags::DEPTH, 4);
        let biased_z = 0.5 - 8.0 * (-24f32).exp2();
        for y in 0..SIZE {
            for x in 0..SIZE {
                let i = (y * SIZE + x) as usize;
                let zi = f32::from_le_bytes(z[i * 4..i * 4 + 4].try_into().unwrap());
                if x < SIZE / 2 {
                    assert_eq!(px[i], [255, 255, 255, 255], "({x},{y})");
                    assert_eq!(zi, biased_z, "({x},{y})");
                } else {
                    assert_eq!(px[i], [0, 255, 0, 255], "({x},{y})");
                    assert_eq!(zi, 0.5, "({x},{y})");
                }
            }
        }
        for p in [plain, biased, bounded] {
            d.destroy_pipeline(p, None);
        }
        d.destroy_pipeline_layout(layout, None);
    }
}

#[test]
fn dynamic_stencil_state_with_a_separate_stencil_attachment() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ds_format = vk::Format::D32_SFLOAT_S8_UINT;
    let color = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
    );
    let ds = target(
        &ctx,
        ds_format,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_DST,
        vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL,
    );
    unsafe {
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::FRAGMENT,
            offset: 0,
            size: 4,
        }];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges),
                None,
            )
            .unwrap();
        // Static state: stencil off, ops that would zero everything. All of it is dynamic.
        let zero = stencil_face(vk::CompareOp::NEVER, vk::StencilOp::ZERO, 0);
        let fixed = Fixed {
            depth_format: ds_format,
            stencil_format: ds_format,
            ds: vk::PipelineDepthStencilStateCreateInfo::default()
                .front(zero)
                .back(zero),
            dynamic: vec![
                vk::DynamicState::STENCIL_TEST_ENABLE,
                vk::DynamicState::STENCIL_OP,
                vk::DynamicState::STENCIL_COMPARE_MASK,
                vk::DynamicState::STENCIL_WRITE_MASK,
                vk::DynamicState::STENCIL_REFERENCE,
                vk::DynamicState::RASTERIZER_DISCARD_ENABLE,
            ],
            ..Fixed::new()
        };
        let pipeline = pipeline_fixed(&ctx, FRAG, layout, vk::RenderPass::null(), &fixed);
        // A dynamic state nothing sets or reads is refused, not ignored.
        let refused = Fixed {
            dynamic: vec![vk::DynamicState::VERTEX_INPUT_BINDING_STRIDE],
            ..Fixed::new()
        };
        let vs = d
            .create_shader_module(
                &vk::ShaderModuleCreateInfo::default().code(&glsl("vert", fixed.vert)),
                None,
            )
            .unwrap();
        let stage = [vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::VERTEX)
            .module(vs)
            .name(c"main")];
        let dynamic =
            vk::PipelineDynamicStateCreateInfo::default().dynamic_states(&refused.dynamic);
        let mut rendering = vk::PipelineRenderingCreateInfo::default();
        let info = vk::GraphicsPipelineCreateInfo::default()
            .stages(&stage)
            .dynamic_state(&dynamic)
            .layout(layout)
            .push_next(&mut rendering);
        let err = d
            .create_graphics_pipelines(vk::PipelineCache::null(), &[info], None)
            .unwrap_err();
        assert_eq!(err.1, vk::Result::ERROR_FEATURE_NOT_PRESENT);
        d.destroy_shader_module(vs, None);

        // Left half: x in [-1, 0]; whole screen.
        let mut data = quad_vertices(-1.0, 0.0, 0.5, [1.0, 0.0, 0.0]);
        data.extend(quad_vertices(-1.0, 1.0, 0.5, [0.0, 1.0, 0.0]));
        let vb = vertices(&ctx, &data);
        ctx.run(|cb| {
            // Stencil 0x30 everywhere, by a transfer clear before the pass (load op LOAD).
            d.cmd_clear_depth_stencil_image(
                cb,
                ds.image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &vk::ClearDepthStencilValue {
                    depth: 1.0,
                    stencil: 0x30,
                },
                &[vk::ImageSubresourceRange {
                    aspect_mask: vk::ImageAspectFlags::STENCIL,
                    base_mip_level: 0,
                    level_count: 1,
                    base_array_layer: 0,
                    layer_count: 1,
                }],
            );
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(color.view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)];
            let stencil_att = vk::RenderingAttachmentInfo::default()
                .image_view(ds.view)
                .image_layout(vk::ImageLayout::STENCIL_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::LOAD)
                .store_op(vk::AttachmentStoreOp::STORE);
            d.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(full_area())
                    .layer_count(1)
                    .color_attachments(&color_att)
                    .stencil_attachment(&stencil_att),
            );
            d.cmd_bind_vertex_buffers2(cb, 0, &[vb.buffer], &[0], Some(&[vk::WHOLE_SIZE]), None);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipeline);
            let both = vk::StencilFaceFlags::FRONT_AND_BACK;
            d.cmd_set_stencil_test_enable(cb, true);
            d.cmd_set_stencil_compare_mask(cb, both, 0xff);
            d.cmd_set_stencil_write_mask(cb, both, 0x0f);
            d.cmd_set_stencil_reference(cb, both, 0x35);
            d.cmd_set_rasterizer_discard_enable(cb, false);
            // Left half: replace through the write mask 0x0f: 0x30 → 0x35.
            d.cmd_set_stencil_op(
                cb,
                both,
                vk::StencilOp::KEEP,
                vk::StencilOp::REPLACE,
                vk::StencilOp::KEEP,
                vk::CompareOp::ALWAYS,
            );
            d.cmd_draw(cb, 6, 1, 0, 0);
            // Whole screen where stencil == 0x35 under the compare mask 0x0f (ref 0x05):
            // the left half; the right half fails and is inverted under the write mask.
            d.cmd_set_stencil_compare_mask(cb, both, 0x0f);
            d.cmd_set_stencil_reference(cb, both, 0x05);
            d.cmd_set_stencil_op(
                cb,
                both,
                vk::StencilOp::INVERT,
                vk::StencilOp::KEEP,
                vk::StencilOp::KEEP,
                vk::CompareOp::EQUAL,
            );
            d.cmd_draw(cb, 6, 1, 6, 0);
            // With rasterizer discard nothing at all happens.
            d.cmd_set_stencil_op(
                cb,
                both,
                vk::StencilOp::ZERO,
                vk::StencilOp::ZERO,
                vk::StencilOp::ZERO,
                vk::CompareOp::ALWAYS,
            );
            d.cmd_set_rasterizer_discard_enable(cb, true);
            d.cmd_draw(cb, 6, 1, 6, 0);
            d.cmd_end_rendering(cb);
        });
        let px = read_pixels(&ctx, color.image);
        let stencil = read_plane(&ctx, ds.image, vk::ImageAspectFlags::STENCIL, 1);
        for y in 0..SIZE {
            for x in 0..SIZE {
                let i = (y * SIZE + x) as usize;
                if x < SIZE / 2 {
                    assert_eq!(px[i], [0, 255, 0, 255], "({x},{y})");
                    assert_eq!(stencil[i], 0x35, "({x},{y})");
                } else {
                    assert_eq!(px[i], [0, 0, 0, 0], "({x},{y})");
                    assert_eq!(stencil[i], 0x3f, "({x},{y}): 0x30 inverted under 0x0f");
                }
            }
        }
        d.destroy_pipeline(pipeline, None);
        d.destroy_pipeline_layout(layout, None);
    }
}

// ---- Points, lines, clears inside rendering, indirect draws, occlusion queries ----

/// A pipeline layout with `FRAG`'s 4-byte fragment push constant.
fn push_layout(ctx: &Ctx) -> vk::PipelineLayout {
    let ranges = [vk::PushConstantRange {
        stage_flags: vk::ShaderStageFlags::FRAGMENT,
        offset: 0,
        size: 4,
    }];
    unsafe {
        ctx.device.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges),
            None,
        )
    }
    .unwrap()
}

/// Begins dynamic rendering to `color` (cleared to transparent black) and, optionally,
/// `depth` (cleared to 1.0), over the whole 64×64 target.
unsafe fn begin_cleared(ctx: &Ctx, cb: vk::CommandBuffer, color: &Target, depth: Option<&Target>) {
    let color_att = [vk::RenderingAttachmentInfo::default()
        .image_view(color.view)
        .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
        .load_op(vk::AttachmentLoadOp::CLEAR)
        .store_op(vk::AttachmentStoreOp::STORE)
        .clear_value(vk::ClearValue {
            color: vk::ClearColorValue {
                float32: [0.0, 0.0, 0.0, 0.0],
            },
        })];
    let depth_att = depth.map(|t| {
        vk::RenderingAttachmentInfo::default()
            .image_view(t.view)
            .image_layout(vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .clear_value(CLEAR_DEPTH_ONE)
    });
    let mut info = vk::RenderingInfo::default()
        .render_area(full_area())
        .layer_count(1)
        .color_attachments(&color_att);
    if let Some(d) = &depth_att {
        info = info.depth_attachment(d);
    }
    unsafe { ctx.device.cmd_begin_rendering(cb, &info) };
}

fn color_target(ctx: &Ctx) -> Target {
    target(
        ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
    )
}

/// Normalized device coordinate of framebuffer coordinate `f` on the 64-pixel target.
fn ndc(f: f32) -> f32 {
    f / (SIZE as f32 / 2.0) - 1.0
}

/// `(pos, color)` vertices at framebuffer positions.
fn fb_vertices(points: &[((f32, f32), f32, [f32; 3])]) -> Vec<f32> {
    points
        .iter()
        .flat_map(|&((x, y), z, c)| [ndc(x), ndc(y), z, c[0], c[1], c[2]])
        .collect()
}

fn near(a: u8, b: u8) -> bool {
    a.abs_diff(b) <= 1
}

const VERT_POINTS: &str = r"#version 450
layout(location = 0) in vec3 pos;
layout(location = 1) in vec3 color;
layout(location = 0) out vec3 v_color;
void main() { gl_Position = vec4(pos.xy, 0.5, 1.0); gl_PointSize = pos.z; v_color = color; }";

const FRAG_POINT_COORD: &str = r"#version 450
layout(location = 0) flat in vec3 v_color;
layout(location = 0) out vec4 o;
void main() { o = vec4(v_color.r, gl_PointCoord, 1.0); }";

#[test]
fn points_with_point_size_and_point_coord() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let layout = push_layout(&ctx);
    let fixed = Fixed {
        vert: VERT_POINTS,
        topology: vk::PrimitiveTopology::POINT_LIST,
        ..Fixed::new()
    };
    let pipe = pipeline_fixed(
        &ctx,
        FRAG_POINT_COORD,
        layout,
        vk::RenderPass::null(),
        &fixed,
    );
    // A 4-pixel point centred on (16, 16), a 1-pixel one on pixel (40, 40), a 7-pixel one
    // clamped by nothing, centred on pixel (50, 10) (its centre 50.5, 10.5).
    let data = fb_vertices(&[
        ((16.0, 16.0), 4.0, [1.0, 0.0, 0.0]),
        ((40.5, 40.5), 1.0, [1.0, 0.0, 0.0]),
        ((50.5, 10.5), 7.0, [1.0, 0.0, 0.0]),
    ]);
    let vb = vertices(&ctx, &data);
    unsafe {
        ctx.run(|cb| {
            begin_cleared(&ctx, cb, &color, None);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    let mut lit = 0;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = px[(y * SIZE + x) as usize];
            // Which point covers the pixel: centre within [c − s/2, c + s/2) on both axes.
            let inside = |cx: f32, cy: f32, s: f32| {
                let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
                fx >= cx - s / 2.0 && fx < cx + s / 2.0 && fy >= cy - s / 2.0 && fy < cy + s / 2.0
            };
            let point = [(16.0, 16.0, 4.0), (40.5, 40.5, 1.0), (50.5, 10.5, 7.0)]
                .into_iter()
                .find(|&(cx, cy, s)| inside(cx, cy, s));
            match point {
                Some((cx, cy, s)) => {
                    lit += 1;
                    let pc = |f: f32, c: f32| ((0.5 + (f + 0.5 - c) / s) * 255.0).round() as u8;
                    let (gs, gt) = (pc(x as f32, cx), pc(y as f32, cy));
                    assert!(
                        p[0] == 255 && near(p[1], gs) && near(p[2], gt) && p[3] == 255,
                        "({x},{y}) {p:?}, PointCoord ({gs}, {gt})"
                    );
                }
                None => assert_eq!(p, [0, 0, 0, 0], "({x},{y})"),
            }
        }
    }
    assert_eq!(lit, 16 + 1 + 49);
}

#[test]
fn line_strip_interpolates_and_leaves_out_the_last_pixel() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let layout = push_layout(&ctx);
    let fixed = Fixed {
        topology: vk::PrimitiveTopology::LINE_STRIP,
        ..Fixed::new()
    };
    let pipe = pipeline_fixed(&ctx, FRAG, layout, vk::RenderPass::null(), &fixed);
    // (4.5, 4.5) → (20.5, 4.5) → (20.5, 30.5): red rises along the first segment, blue along
    // the second.
    let data = fb_vertices(&[
        ((4.5, 4.5), 0.5, [0.0, 1.0, 0.0]),
        ((20.5, 4.5), 0.5, [1.0, 1.0, 0.0]),
        ((20.5, 30.5), 0.5, [1.0, 1.0, 1.0]),
    ]);
    let vb = vertices(&ctx, &data);
    unsafe {
        ctx.run(|cb| {
            begin_cleared(&ctx, cb, &color, None);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = px[(y * SIZE + x) as usize];
            let unorm = |v: f32| (v * 255.0).round() as u8;
            if y == 4 && (4..20).contains(&x) {
                // t = (x − 4)/16 at the pixel centre.
                let r = unorm((x - 4) as f32 / 16.0);
                assert!(near(p[0], r) && p[1] == 255 && p[2] == 0, "({x},{y}) {p:?}");
            } else if x == 20 && (4..30).contains(&y) {
                let b = unorm((y - 4) as f32 / 26.0);
                assert!(
                    p[0] == 255 && p[1] == 255 && near(p[2], b),
                    "({x},{y}) {p:?}"
                );
            } else {
                assert_eq!(p, [0, 0, 0, 0], "({x},{y})");
            }
        }
    }
}

/// `logicOp` (the `logicOp` feature): a rectangle drawn plainly, then one overlapping it with
/// `XOR`, then one with `AND_REVERSE` (source AND NOT stored) on the clear colour: each pixel
/// holds the operations on the encoded UNORM bytes; blending asked for is not done.
#[test]
fn logic_ops_on_a_unorm_attachment() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let features = unsafe { ctx.instance.get_physical_device_features(ctx.physical) };
    assert_eq!(features.logic_op, vk::TRUE, "logicOp advertised");
    let color = color_target(&ctx);
    let layout = push_layout(&ctx);
    let plain = pipeline_fixed(&ctx, FRAG, layout, vk::RenderPass::null(), &Fixed::new());
    let with = |op| Fixed {
        logic_op: Some(op),
        blend: true,
        ..Fixed::new()
    };
    let xor = pipeline_fixed(
        &ctx,
        FRAG,
        layout,
        vk::RenderPass::null(),
        &with(vk::LogicOp::XOR),
    );
    let and_reverse = pipeline_fixed(
        &ctx,
        FRAG,
        layout,
        vk::RenderPass::null(),
        &with(vk::LogicOp::AND_REVERSE),
    );
    // Colours whose UNORM bytes are exact: n / 255.
    let c = |r: u8, g: u8, b: u8| [r, g, b].map(|v| f32::from(v) / 255.0);
    let mut data = rect_vertices(0.0, 0.0, 32.0, 64.0, 0.5, c(0xf0, 0x0f, 0x55));
    data.extend(rect_vertices(
        16.0,
        0.0,
        48.0,
        64.0,
        0.5,
        c(0xcc, 0xaa, 0x0f),
    ));
    data.extend(rect_vertices(
        40.0,
        0.0,
        64.0,
        64.0,
        0.5,
        c(0x3c, 0xff, 0x81),
    ));
    let vb = vertices(&ctx, &data);
    unsafe {
        ctx.run(|cb| {
            begin_cleared(&ctx, cb, &color, None);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            for (k, (pipe, alpha)) in [
                (plain, 1.0f32),
                (xor, 0x0f as f32 / 255.0),
                (and_reverse, 1.0),
            ]
            .into_iter()
            .enumerate()
            {
                d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
                d.cmd_push_constants(
                    cb,
                    layout,
                    vk::ShaderStageFlags::FRAGMENT,
                    0,
                    &alpha.to_le_bytes(),
                );
                d.cmd_draw(cb, 6, 1, 6 * k as u32, 0);
            }
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    let first = [0xf0u8, 0x0f, 0x55, 0xff];
    let second = [0xccu8, 0xaa, 0x0f, 0x0f];
    let third = [0x3cu8, 0xff, 0x81, 0xff];
    let xor_of = |d: [u8; 4]| [0, 1, 2, 3].map(|i| second[i] ^ d[i]);
    let and_reverse_of = |d: [u8; 4]| [0, 1, 2, 3].map(|i| third[i] & !d[i]);
    for y in [0, 31, 63] {
        for (x, want) in [
            (8, first),
            (20, xor_of(first)),
            (36, xor_of([0; 4])),
            (44, and_reverse_of(xor_of([0; 4]))),
            (60, and_reverse_of([0; 4])),
        ] {
            assert_eq!(px[(y * SIZE + x) as usize], want, "({x},{y})");
        }
    }
}

/// Two triangles covering the framebuffer rectangle [x0, x1) × [y0, y1) at depth `z`.
fn rect_vertices(x0: f32, y0: f32, x1: f32, y1: f32, z: f32, c: [f32; 3]) -> Vec<f32> {
    fb_vertices(&[
        ((x0, y0), z, c),
        ((x1, y0), z, c),
        ((x1, y1), z, c),
        ((x0, y0), z, c),
        ((x1, y1), z, c),
        ((x0, y1), z, c),
    ])
}

/// Two subpasses. The first draws the load-clear test triangle into attachment 0; the second
/// reads attachment 0 as an input attachment (`subpassLoad`) over the left half and writes its
/// channels reversed into attachment 1, which is first used — so cleared — in the second
/// subpass: its right half keeps the clear colour.
#[test]
fn subpasses_read_earlier_attachments_as_input_attachments() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let usage = vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::INPUT_ATTACHMENT;
    let first = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        usage,
        vk::ImageAspectFlags::COLOR,
    );
    let second = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        usage,
        vk::ImageAspectFlags::COLOR,
    );
    const SWAP: &str = r"#version 450
layout(input_attachment_index = 0, set = 0, binding = 0) uniform subpassInput earlier;
layout(location = 0) out vec4 o;
void main() { vec4 c = subpassLoad(earlier); o = vec4(c.b, c.g, c.r, 1.0); }";
    unsafe {
        let attachment = vk::AttachmentDescription::default()
            .format(vk::Format::R8G8B8A8_UNORM)
            .samples(vk::SampleCountFlags::TYPE_1)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .final_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL);
        let attachments = [attachment, attachment];
        let first_ref = [vk::AttachmentReference {
            attachment: 0,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let second_ref = [vk::AttachmentReference {
            attachment: 1,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let input_ref = [vk::AttachmentReference {
            attachment: 0,
            layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL,
        }];
        let subpasses = [
            vk::SubpassDescription::default().color_attachments(&first_ref),
            vk::SubpassDescription::default()
                .color_attachments(&second_ref)
                .input_attachments(&input_ref),
        ];
        let dependencies = [vk::SubpassDependency {
            src_subpass: 0,
            dst_subpass: 1,
            src_stage_mask: vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
            dst_stage_mask: vk::PipelineStageFlags::FRAGMENT_SHADER,
            src_access_mask: vk::AccessFlags::COLOR_ATTACHMENT_WRITE,
            dst_access_mask: vk::AccessFlags::INPUT_ATTACHMENT_READ,
            dependency_flags: vk::DependencyFlags::BY_REGION,
        }];
        let rp = d
            .create_render_pass(
                &vk::RenderPassCreateInfo::default()
                    .attachments(&attachments)
                    .subpasses(&subpasses)
                    .dependencies(&dependencies),
                None,
            )
            .unwrap();
        let views = [first.view, second.view];
        let fb = d
            .create_framebuffer(
                &vk::FramebufferCreateInfo::default()
                    .render_pass(rp)
                    .attachments(&views)
                    .width(SIZE)
                    .height(SIZE)
                    .layers(1),
                None,
            )
            .unwrap();
        let draw_first = pipeline(&ctx, rp, false, false);
        let binding = [vk::DescriptorSetLayoutBinding::default()
            .binding(0)
            .descriptor_type(vk::DescriptorType::INPUT_ATTACHMENT)
            .descriptor_count(1)
            .stage_flags(vk::ShaderStageFlags::FRAGMENT)];
        let set_layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&binding),
                None,
            )
            .unwrap();
        let set_layouts = [set_layout];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts),
                None,
            )
            .unwrap();
        let swap = pipeline_fixed(
            &ctx,
            SWAP,
            layout,
            rp,
            &Fixed {
                subpass: 1,
                ..Fixed::new()
            },
        );
        let sizes = [vk::DescriptorPoolSize {
            ty: vk::DescriptorType::INPUT_ATTACHMENT,
            descriptor_count: 1,
        }];
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
                    .set_layouts(&set_layouts),
            )
            .unwrap()[0];
        let info = [vk::DescriptorImageInfo {
            sampler: vk::Sampler::null(),
            image_view: first.view,
            image_layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL,
        }];
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(0)
                .descriptor_type(vk::DescriptorType::INPUT_ATTACHMENT)
                .image_info(&info)],
            &[],
        );
        let triangle = vertices(
            &ctx,
            &[
                -1.0, -1.0, 0.5, 1.0, 0.0, 0.0, 1.0, -1.0, 0.5, 0.0, 1.0, 0.0, -1.0, 1.0, 0.5, 0.0,
                0.0, 1.0,
            ],
        );
        let left_half = vertices(&ctx, &rect_vertices(0.0, 0.0, 32.0, 64.0, 0.5, [0.0; 3]));
        ctx.run(|cb| {
            let clears = [
                vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: [0.0, 0.0, 0.0, 1.0],
                    },
                },
                vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: [0.25, 0.5, 0.75, 1.0],
                    },
                },
            ];
            d.cmd_begin_render_pass(
                cb,
                &vk::RenderPassBeginInfo::default()
                    .render_pass(rp)
                    .framebuffer(fb)
                    .render_area(full_area())
                    .clear_values(&clears),
                vk::SubpassContents::INLINE,
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, draw_first.pipeline);
            d.cmd_bind_vertex_buffers(cb, 0, &[triangle.buffer], &[0]);
            d.cmd_push_constants(
                cb,
                draw_first.layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_next_subpass(cb, vk::SubpassContents::INLINE);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, swap);
            d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::GRAPHICS, layout, 0, &[set], &[]);
            d.cmd_bind_vertex_buffers(cb, 0, &[left_half.buffer], &[0]);
            d.cmd_draw(cb, 6, 1, 0, 0);
            d.cmd_end_render_pass(cb);
        });
    }
    let a = read_pixels(&ctx, first.image);
    let b = read_pixels(&ctx, second.image);
    // The first subpass's triangle is there (corner colours as in the load-clear test).
    assert!(a[0][0] > 240 && a[0][1] < 10 && a[0][2] < 10, "{:?}", a[0]);
    assert_eq!(a[(SIZE * SIZE - 1) as usize], [0, 0, 0, 255]);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let i = (y * SIZE + x) as usize;
            let want = if x < 32 {
                [a[i][2], a[i][1], a[i][0], 255]
            } else {
                [64, 128, 191, 255]
            };
            assert_eq!(b[i], want, "({x},{y}): attachment 0 is {:?}", a[i]);
        }
    }
}

/// Depth and stencil resolves of a 4× D32S8 attachment by every mode. A quad at depth ¼
/// writing stencil 7 ends at x = 32.25: pixel 31 is covered, 33 not, and of pixel 32 only
/// sample 2 (at x + 0.125) is — so the modes disagree there.
#[test]
fn depth_and_stencil_resolves_by_mode() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ds_format = vk::Format::D32_SFLOAT_S8_UINT;
    let ds_aspect = vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL;
    let stencil = stencil_face(vk::CompareOp::ALWAYS, vk::StencilOp::REPLACE, 7);
    let fixed = Fixed {
        depth_format: ds_format,
        stencil_format: ds_format,
        ds: vk::PipelineDepthStencilStateCreateInfo::default()
            .depth_test_enable(true)
            .depth_write_enable(true)
            .depth_compare_op(vk::CompareOp::ALWAYS)
            .stencil_test_enable(true)
            .front(stencil)
            .back(stencil),
        samples: vk::SampleCountFlags::TYPE_4,
        ..Fixed::new()
    };
    let layout = push_layout(&ctx);
    let pipe = pipeline_fixed(&ctx, FRAG, layout, vk::RenderPass::null(), &fixed);
    let vb = vertices(&ctx, &quad_vertices(-1.0, ndc(32.25), 0.25, [1.0; 3]));
    use vk::ResolveModeFlags as M;
    // (depth mode, stencil mode, pixel 32's expected depth and stencil)
    for (depth_mode, stencil_mode, want_depth, want_stencil) in [
        (M::SAMPLE_ZERO, M::SAMPLE_ZERO, 1.0, 0),
        (M::MIN, M::MIN, 0.25, 0),
        (M::MAX, M::MAX, 1.0, 7),
        (M::AVERAGE, M::NONE, 0.8125, 0),
    ] {
        let color = target_samples(
            &ctx,
            vk::Format::R8G8B8A8_UNORM,
            vk::ImageUsageFlags::COLOR_ATTACHMENT,
            vk::ImageAspectFlags::COLOR,
            vk::SampleCountFlags::TYPE_4,
        );
        let ms = target_samples(
            &ctx,
            ds_format,
            vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
            ds_aspect,
            vk::SampleCountFlags::TYPE_4,
        );
        let resolved = target(
            &ctx,
            ds_format,
            vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
            ds_aspect,
        );
        ctx.run(|cb| unsafe {
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(color.view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)];
            let ds_att = |mode: vk::ResolveModeFlags| {
                vk::RenderingAttachmentInfo::default()
                    .image_view(ms.view)
                    .image_layout(vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
                    .load_op(vk::AttachmentLoadOp::CLEAR)
                    .store_op(vk::AttachmentStoreOp::STORE)
                    .clear_value(CLEAR_DEPTH_ONE)
                    .resolve_mode(mode)
                    .resolve_image_view(resolved.view)
                    .resolve_image_layout(vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
            };
            let (depth_att, stencil_att) = (ds_att(depth_mode), ds_att(stencil_mode));
            d.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(full_area())
                    .layer_count(1)
                    .color_attachments(&color_att)
                    .depth_attachment(&depth_att)
                    .stencil_attachment(&stencil_att),
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 6, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
        let depth = read_plane(&ctx, resolved.image, vk::ImageAspectFlags::DEPTH, 4);
        let stencil = read_plane(&ctx, resolved.image, vk::ImageAspectFlags::STENCIL, 1);
        let z = |x: u32, y: u32| {
            let i = ((y * SIZE + x) * 4) as usize;
            f32::from_le_bytes(depth[i..i + 4].try_into().unwrap())
        };
        let st = |x: u32, y: u32| stencil[(y * SIZE + x) as usize];
        let what = format!("depth {depth_mode:?}, stencil {stencil_mode:?}");
        for y in [0, 17, 63] {
            assert_eq!(
                (z(31, y), st(31, y)),
                (0.25, if stencil_mode == M::NONE { 0 } else { 7 }),
                "{what}: covered pixel"
            );
            assert_eq!((z(33, y), st(33, y)), (1.0, 0), "{what}: uncovered pixel");
            assert_eq!(
                (z(32, y), st(32, y)),
                (want_depth, want_stencil),
                "{what}: edge pixel"
            );
        }
    }
}

/// `gl_ClipDistance` clips a full-screen triangle at clip x = −¼ (a user plane, interpolated
/// linearly in clip space) and reaches the fragment shader interpolated; `gl_CullDistance`
/// drops a triangle whose three vertices have it negative.
#[test]
fn clip_and_cull_distances() {
    const CLIP_VERT: &str = r"#version 450
layout(location = 0) in vec3 pos;
layout(location = 1) in vec3 color;
layout(location = 0) out vec3 v_color;
out gl_PerVertex { vec4 gl_Position; float gl_ClipDistance[1]; float gl_CullDistance[1]; };
void main() {
    gl_Position = vec4(pos, 1.0);
    v_color = color;
    gl_ClipDistance[0] = pos.x + 0.25;
    gl_CullDistance[0] = color.b - 0.5;
}";
    const CLIP_FRAG: &str = r"#version 450
layout(location = 0) in vec3 v_color;
layout(location = 0) out vec4 o;
in float gl_ClipDistance[1];
void main() { o = vec4(v_color.r, gl_ClipDistance[0] * 0.5, v_color.b, 1.0); }";
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let layout = push_layout(&ctx);
    let pipe = pipeline_fixed(
        &ctx,
        CLIP_FRAG,
        layout,
        vk::RenderPass::null(),
        &Fixed {
            vert: CLIP_VERT,
            ..Fixed::new()
        },
    );
    #[rustfmt::skip]
    let vb = vertices(&ctx, &[
        // Full screen, blue 1 everywhere: kept, clipped at x = -1/4.
        -1.0, -1.0, 0.5, 1.0, 0.0, 1.0,
        3.0, -1.0, 0.5, 1.0, 0.0, 1.0,
        -1.0, 3.0, 0.5, 1.0, 0.0, 1.0,
        // Blue 0 at every vertex: culled (it would cover the right half in red).
        0.0, -1.0, 0.4, 1.0, 0.0, 0.0,
        1.0, -1.0, 0.4, 1.0, 0.0, 0.0,
        1.0, 1.0, 0.4, 1.0, 0.0, 0.0,
    ]);
    ctx.run(|cb| unsafe {
        begin_cleared(&ctx, cb, &color, None);
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
        d.cmd_draw(cb, 6, 1, 0, 0);
        d.cmd_end_rendering(cb);
    });
    let px = read_pixels(&ctx, color.image);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = px[(y * SIZE + x) as usize];
            let cx = ndc(x as f32 + 0.5);
            if cx + 0.25 < 0.0 {
                assert_eq!(p, [0, 0, 0, 0], "({x},{y}) is clipped");
            } else {
                let green = (cx + 0.25) * 0.5 * 255.0;
                assert!(
                    p[0] == 255 && p[2] == 255 && p[3] == 255 && (p[1] as f32 - green).abs() <= 1.0,
                    "({x},{y}) {p:?}: want green {green}"
                );
            }
        }
    }
}

/// An imageless framebuffer takes its view at `vkCmdBeginRenderPass` (the load clear lands in
/// it); a framebuffer of a render pass without attachments is not mistaken for one.
#[test]
fn imageless_framebuffers_and_framebuffers_without_attachments() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    unsafe {
        let attachments = [vk::AttachmentDescription::default()
            .format(vk::Format::R8G8B8A8_UNORM)
            .samples(vk::SampleCountFlags::TYPE_1)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .final_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)];
        let color_refs = [vk::AttachmentReference {
            attachment: 0,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let subpasses = [vk::SubpassDescription::default().color_attachments(&color_refs)];
        let rp = d
            .create_render_pass(
                &vk::RenderPassCreateInfo::default()
                    .attachments(&attachments)
                    .subpasses(&subpasses),
                None,
            )
            .unwrap();
        let formats = [vk::Format::R8G8B8A8_UNORM];
        let image_infos = [vk::FramebufferAttachmentImageInfo::default()
            .usage(vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_SRC)
            .width(SIZE)
            .height(SIZE)
            .layer_count(1)
            .view_formats(&formats)];
        let mut fb_attachments =
            vk::FramebufferAttachmentsCreateInfo::default().attachment_image_infos(&image_infos);
        let fb = d
            .create_framebuffer(
                &vk::FramebufferCreateInfo::default()
                    .flags(vk::FramebufferCreateFlags::IMAGELESS)
                    .render_pass(rp)
                    .attachment_count(1)
                    .width(SIZE)
                    .height(SIZE)
                    .layers(1)
                    .push_next(&mut fb_attachments),
                None,
            )
            .unwrap();
        // No attachments at all, and a framebuffer that is not imageless.
        let empty_subpass = [vk::SubpassDescription::default()];
        let empty_rp = d
            .create_render_pass(
                &vk::RenderPassCreateInfo::default().subpasses(&empty_subpass),
                None,
            )
            .unwrap();
        let empty_fb = d
            .create_framebuffer(
                &vk::FramebufferCreateInfo::default()
                    .render_pass(empty_rp)
                    .width(SIZE)
                    .height(SIZE)
                    .layers(1),
                None,
            )
            .unwrap();
        ctx.run(|cb| {
            let views = [color.view];
            let mut begin_views = vk::RenderPassAttachmentBeginInfo::default().attachments(&views);
            let clear = [vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.0, 1.0, 0.0, 1.0],
                },
            }];
            d.cmd_begin_render_pass(
                cb,
                &vk::RenderPassBeginInfo::default()
                    .render_pass(rp)
                    .framebuffer(fb)
                    .render_area(full_area())
                    .clear_values(&clear)
                    .push_next(&mut begin_views),
                vk::SubpassContents::INLINE,
            );
            d.cmd_end_render_pass(cb);
            d.cmd_begin_render_pass(
                cb,
                &vk::RenderPassBeginInfo::default()
                    .render_pass(empty_rp)
                    .framebuffer(empty_fb)
                    .render_area(full_area()),
                vk::SubpassContents::INLINE,
            );
            d.cmd_end_render_pass(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    assert!(px.iter().all(|&p| p == [0, 255, 0, 255]), "{:?}", px[0]);
}

#[test]
fn clear_attachments_inside_dynamic_rendering() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let depth = target(
        &ctx,
        vk::Format::D32_SFLOAT,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
        vk::ImageAspectFlags::DEPTH,
    );
    let layout = push_layout(&ctx);
    let pipe = pipeline_with(&ctx, FRAG, layout, vk::RenderPass::null(), true, false);
    let vb = vertices(
        &ctx,
        &rect_vertices(0.0, 0.0, 64.0, 64.0, 0.5, [0.0, 1.0, 0.0]),
    );
    unsafe {
        ctx.run(|cb| {
            begin_cleared(&ctx, cb, &color, Some(&depth));
            // Red in [8, 24) × [8, 24); depth 0.25 in [16, 40) × [16, 40).
            let clears = [
                vk::ClearAttachment {
                    aspect_mask: vk::ImageAspectFlags::COLOR,
                    color_attachment: 0,
                    clear_value: vk::ClearValue {
                        color: vk::ClearColorValue {
                            float32: [1.0, 0.0, 0.0, 1.0],
                        },
                    },
                },
                vk::ClearAttachment {
                    aspect_mask: vk::ImageAspectFlags::DEPTH,
                    color_attachment: 0,
                    clear_value: vk::ClearValue {
                        depth_stencil: vk::ClearDepthStencilValue {
                            depth: 0.25,
                            stencil: 0,
                        },
                    },
                },
            ];
            let rect = |x: i32, w: u32| vk::ClearRect {
                rect: vk::Rect2D {
                    offset: vk::Offset2D { x, y: x },
                    extent: vk::Extent2D {
                        width: w,
                        height: w,
                    },
                },
                base_array_layer: 0,
                layer_count: 1,
            };
            d.cmd_clear_attachments(cb, &clears[..1], &[rect(8, 16)]);
            d.cmd_clear_attachments(cb, &clears[1..], &[rect(16, 24)]);
            // A green full-screen rectangle at depth 0.5 (LESS): hidden where depth is 0.25.
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 6, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = px[(y * SIZE + x) as usize];
            let in_depth = (16..40).contains(&x) && (16..40).contains(&y);
            let in_red = (8..24).contains(&x) && (8..24).contains(&y);
            let want = match (in_depth, in_red) {
                (false, _) => [0, 255, 0, 255],
                (true, true) => [255, 0, 0, 255],
                (true, false) => [0, 0, 0, 0],
            };
            assert_eq!(p, want, "({x},{y})");
        }
    }
}

#[test]
fn indirect_and_indexed_indirect_count_draws() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let layout = push_layout(&ctx);
    let pipe = pipeline_with(&ctx, FRAG, layout, vk::RenderPass::null(), false, false);
    // Vertices 0..6: the left half, red; 6..12: the right half, green; 12..18: everything, blue.
    let mut data = rect_vertices(0.0, 0.0, 32.0, 64.0, 0.5, [1.0, 0.0, 0.0]);
    data.extend(rect_vertices(32.0, 0.0, 64.0, 64.0, 0.5, [0.0, 1.0, 0.0]));
    data.extend(rect_vertices(0.0, 0.0, 64.0, 64.0, 0.5, [0.0, 0.0, 1.0]));
    let vb = vertices(&ctx, &data);
    let ib = ctx.buffer(64);
    let idx: Vec<u8> = (0u32..6).flat_map(|i| i.to_le_bytes()).collect();
    ib.bytes()[..24].copy_from_slice(&idx);
    // Two VkDrawIndirectCommand records (one triangle each) 32 bytes apart, at offset 16;
    // then at 96 two VkDrawIndexedIndirectCommand records (right half, then the blue
    // rectangle), with a count of 1 at 160.
    let words: Vec<u32> = [
        &[0u32; 4][..],
        &[3, 1, 0, 0, 0, 0, 0, 0],
        &[3, 1, 3, 0, 0, 0, 0, 0],
        &[0; 4],
        &[6, 1, 0, 6, 0],
        &[6, 1, 0, 12, 0],
        &[0; 6],
        &[1],
    ]
    .concat();
    assert_eq!(words.len(), 41);
    let indirect = ctx.buffer(256);
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    indirect.bytes()[..bytes.len()].copy_from_slice(&bytes);
    unsafe {
        ctx.run(|cb| {
            begin_cleared(&ctx, cb, &color, None);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_bind_index_buffer(cb, ib.buffer, 0, vk::IndexType::UINT32);
            d.cmd_draw_indirect(cb, indirect.buffer, 16, 2, 32);
            d.cmd_draw_indexed_indirect_count(cb, indirect.buffer, 96, indirect.buffer, 160, 2, 20);
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let want = if x < 32 {
                [255, 0, 0, 255]
            } else {
                [0, 255, 0, 255]
            };
            assert_eq!(px[(y * SIZE + x) as usize], want, "({x},{y})");
        }
    }
}

#[test]
fn occlusion_queries_count_passing_samples() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let depth = target(
        &ctx,
        vk::Format::D32_SFLOAT,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
        vk::ImageAspectFlags::DEPTH,
    );
    let layout = push_layout(&ctx);
    let pipe = pipeline_with(&ctx, FRAG, layout, vk::RenderPass::null(), true, false);
    // Query 0: a 16×8 rectangle at depth 0.5 (128 samples). Query 1: a 32×32 rectangle at
    // depth 0.75 over it, LESS: 32·32 − 128 samples pass. Query 2: nothing drawn.
    let mut data = rect_vertices(8.0, 8.0, 24.0, 16.0, 0.5, [1.0, 0.0, 0.0]);
    data.extend(rect_vertices(0.0, 0.0, 32.0, 32.0, 0.75, [0.0, 1.0, 0.0]));
    let vb = vertices(&ctx, &data);
    let pool = unsafe {
        d.create_query_pool(
            &vk::QueryPoolCreateInfo::default()
                .query_type(vk::QueryType::OCCLUSION)
                .query_count(3),
            None,
        )
    }
    .unwrap();
    let copied = ctx.buffer(64);
    unsafe {
        ctx.run(|cb| {
            d.cmd_reset_query_pool(cb, pool, 0, 3);
            begin_cleared(&ctx, cb, &color, Some(&depth));
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_begin_query(cb, pool, 0, vk::QueryControlFlags::PRECISE);
            d.cmd_draw(cb, 6, 1, 0, 0);
            d.cmd_end_query(cb, pool, 0);
            d.cmd_begin_query(cb, pool, 1, vk::QueryControlFlags::PRECISE);
            d.cmd_draw(cb, 6, 1, 6, 0);
            d.cmd_end_query(cb, pool, 1);
            d.cmd_begin_query(cb, pool, 2, vk::QueryControlFlags::empty());
            d.cmd_end_query(cb, pool, 2);
            d.cmd_end_rendering(cb);
            d.cmd_copy_query_pool_results(
                cb,
                pool,
                0,
                3,
                copied.buffer,
                0,
                16,
                vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WITH_AVAILABILITY,
            );
        });
    }
    let mut results = [0u64; 3];
    unsafe {
        d.get_query_pool_results(
            pool,
            0,
            &mut results,
            vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT,
        )
    }
    .unwrap();
    assert_eq!(results, [128, 32 * 32 - 128, 0]);
    let words: Vec<u64> = copied.bytes()[..48]
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(words, [128, 1, 32 * 32 - 128, 1, 0, 1]);
    unsafe { d.destroy_query_pool(pool, None) };
}

/// The expected resolved red of a pixel of the half-target triangle x + y < 64 drawn red over
/// transparent black with 4 samples: the share of the standard sample locations inside it.
fn msaa_expected(x: u32, y: u32) -> [u8; 4] {
    const LOCATIONS: [[f32; 2]; 4] = [
        [0.375, 0.125],
        [0.875, 0.375],
        [0.125, 0.625],
        [0.625, 0.875],
    ];
    let inside = LOCATIONS
        .iter()
        .filter(|[sx, sy]| x as f32 + sx + y as f32 + sy < SIZE as f32)
        .count() as u32;
    // The resolve rounds (sum + 2) / 4 per 8-bit component.
    let v = ((255 * inside + 2) / 4) as u8;
    [v, 0, 0, v]
}

/// Checks a resolved image of the half-target triangle: interior full red, outside the clear
/// colour, the pixels the edge crosses partially covered (here 2 of 4 samples).
fn check_msaa_triangle(px: &[[u8; 4]]) {
    let at = |x: u32, y: u32| px[(y * SIZE + x) as usize];
    assert_eq!(at(5, 5), [255, 0, 0, 255], "interior");
    assert_eq!(at(60, 60), [0, 0, 0, 0], "outside");
    let mut partial = 0;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let want = msaa_expected(x, y);
            assert_eq!(at(x, y), want, "({x}, {y})");
            partial += u32::from(want[0] != 0 && want[0] != 255);
        }
    }
    // Samples at x + y + {0.5, 1.25, 0.75, 1.5}: the pixels with x + y = 63 have two.
    assert_eq!(msaa_expected(30, 33), [128, 0, 0, 128]);
    assert_eq!(partial, SIZE);
}

/// The half-target triangle x + y < 64 (framebuffer), red.
fn msaa_triangle() -> Vec<f32> {
    fb_vertices(&[
        ((0.0, 0.0), 0.5, [1.0, 0.0, 0.0]),
        ((64.0, 0.0), 0.5, [1.0, 0.0, 0.0]),
        ((0.0, 64.0), 0.5, [1.0, 0.0, 0.0]),
    ])
}

/// The half-target triangle drawn with 4 samples through dynamic rendering.
struct MsaaDraw {
    layout: vk::PipelineLayout,
    pipe: vk::Pipeline,
    vb: common::TestBuffer,
}

impl MsaaDraw {
    fn new(ctx: &Ctx) -> MsaaDraw {
        let layout = push_layout(ctx);
        let fixed = Fixed {
            samples: vk::SampleCountFlags::TYPE_4,
            ..Fixed::new()
        };
        let pipe = pipeline_fixed(ctx, FRAG, layout, vk::RenderPass::null(), &fixed);
        let vb = vertices(ctx, &msaa_triangle());
        MsaaDraw { layout, pipe, vb }
    }

    /// Records the draw into the 4× view `ms`, cleared to transparent black, with an AVERAGE
    /// resolve into `resolve` if given.
    fn record(
        &self,
        ctx: &Ctx,
        cb: vk::CommandBuffer,
        ms: vk::ImageView,
        resolve: Option<vk::ImageView>,
    ) {
        let d = &ctx.device;
        let mut att = vk::RenderingAttachmentInfo::default()
            .image_view(ms)
            .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .clear_value(vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.0, 0.0, 0.0, 0.0],
                },
            });
        if let Some(view) = resolve {
            att = att
                .resolve_mode(vk::ResolveModeFlags::AVERAGE)
                .resolve_image_view(view)
                .resolve_image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL);
        }
        let color_att = [att];
        let info = vk::RenderingInfo::default()
            .render_area(full_area())
            .layer_count(1)
            .color_attachments(&color_att);
        // SAFETY: valid commands into a recording command buffer; the objects outlive it.
        unsafe {
            d.cmd_begin_rendering(cb, &info);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, self.pipe);
            d.cmd_push_constants(
                cb,
                self.layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[self.vb.buffer], &[0]);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_end_rendering(cb);
        }
    }

    fn destroy(self, ctx: &Ctx) {
        // SAFETY: the device is idle (`Ctx::run` waits) and these objects are no longer used.
        unsafe {
            ctx.device.destroy_pipeline(self.pipe, None);
            ctx.device.destroy_pipeline_layout(self.layout, None);
        }
    }
}

#[test]
fn msaa_render_pass_with_resolve_attachment() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ms = target_samples(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
        vk::SampleCountFlags::TYPE_4,
    );
    let depth = target_samples(
        &ctx,
        vk::Format::D32_SFLOAT,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
        vk::ImageAspectFlags::DEPTH,
        vk::SampleCountFlags::TYPE_4,
    );
    let resolved = color_target(&ctx);
    unsafe {
        let attachments = [
            vk::AttachmentDescription::default()
                .format(vk::Format::R8G8B8A8_UNORM)
                .samples(vk::SampleCountFlags::TYPE_4)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::DONT_CARE)
                .final_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL),
            vk::AttachmentDescription::default()
                .format(vk::Format::D32_SFLOAT)
                .samples(vk::SampleCountFlags::TYPE_4)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::DONT_CARE)
                .final_layout(vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL),
            vk::AttachmentDescription::default()
                .format(vk::Format::R8G8B8A8_UNORM)
                .samples(vk::SampleCountFlags::TYPE_1)
                .load_op(vk::AttachmentLoadOp::DONT_CARE)
                .store_op(vk::AttachmentStoreOp::STORE)
                .final_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL),
        ];
        let color_refs = [vk::AttachmentReference {
            attachment: 0,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let depth_ref = vk::AttachmentReference {
            attachment: 1,
            layout: vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
        };
        let resolve_refs = [vk::AttachmentReference {
            attachment: 2,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let subpasses = [vk::SubpassDescription::default()
            .color_attachments(&color_refs)
            .depth_stencil_attachment(&depth_ref)
            .resolve_attachments(&resolve_refs)];
        let rp = d
            .create_render_pass(
                &vk::RenderPassCreateInfo::default()
                    .attachments(&attachments)
                    .subpasses(&subpasses),
                None,
            )
            .unwrap();
        let views = [ms.view, depth.view, resolved.view];
        let fb = d
            .create_framebuffer(
                &vk::FramebufferCreateInfo::default()
                    .render_pass(rp)
                    .attachments(&views)
                    .width(SIZE)
                    .height(SIZE)
                    .layers(1),
                None,
            )
            .unwrap();
        let layout = push_layout(&ctx);
        let fixed = Fixed {
            samples: vk::SampleCountFlags::TYPE_4,
            depth_format: vk::Format::D32_SFLOAT,
            ds: vk::PipelineDepthStencilStateCreateInfo::default()
                .depth_test_enable(true)
                .depth_write_enable(true)
                .depth_compare_op(vk::CompareOp::LESS),
            ..Fixed::new()
        };
        let pipe = pipeline_fixed(&ctx, FRAG, layout, rp, &fixed);
        let vb = vertices(&ctx, &msaa_triangle());
        // A second, farther triangle covering everything: hidden wherever the first one
        // covers a sample (per-sample depth), visible (green) elsewhere.
        let far = vertices(
            &ctx,
            &fb_vertices(&[
                ((0.0, 0.0), 0.75, [0.0, 1.0, 0.0]),
                ((128.0, 0.0), 0.75, [0.0, 1.0, 0.0]),
                ((0.0, 128.0), 0.75, [0.0, 1.0, 0.0]),
            ]),
        );
        ctx.run(|cb| {
            let clear = [
                vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: [0.0, 0.0, 0.0, 0.0],
                    },
                },
                CLEAR_DEPTH_ONE,
                vk::ClearValue::default(),
            ];
            d.cmd_begin_render_pass(
                cb,
                &vk::RenderPassBeginInfo::default()
                    .render_pass(rp)
                    .framebuffer(fb)
                    .render_area(full_area())
                    .clear_values(&clear),
                vk::SubpassContents::INLINE,
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_bind_vertex_buffers(cb, 0, &[far.buffer], &[0]);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_end_render_pass(cb);
        });
        let px = read_pixels(&ctx, resolved.image);
        let at = |x: u32, y: u32| px[(y * SIZE + x) as usize];
        for y in 0..SIZE {
            for x in 0..SIZE {
                let red = msaa_expected(x, y)[0];
                // Every sample is red or green: the two resolve to complementary shares.
                let green = ((255 * 4 - (u32::from(red) * 4).min(1020)) + 2) / 4;
                assert_eq!(at(x, y)[0], red, "({x}, {y})");
                assert!(
                    at(x, y)[1].abs_diff(green as u8) <= 1,
                    "({x}, {y}): {:?}",
                    at(x, y)
                );
                assert_eq!(at(x, y)[3], 255, "({x}, {y})");
            }
        }
        assert_eq!(at(30, 33), [128, 128, 0, 255]);
        assert_eq!(at(5, 5), [255, 0, 0, 255]);
        assert_eq!(at(60, 60), [0, 255, 0, 255]);
        d.destroy_framebuffer(fb, None);
        d.destroy_render_pass(rp, None);
        d.destroy_pipeline(pipe, None);
        d.destroy_pipeline_layout(layout, None);
    }
}

#[test]
fn msaa_dynamic_rendering_resolve_mode_and_cmd_resolve_image() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ms = target_samples(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::ImageAspectFlags::COLOR,
        vk::SampleCountFlags::TYPE_4,
    );
    let by_pass = color_target(&ctx);
    let by_command = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::TRANSFER_DST,
        vk::ImageAspectFlags::COLOR,
    );
    // The format reports 4 samples for attachments and sampled images.
    let props = |usage| unsafe {
        ctx.instance.get_physical_device_image_format_properties(
            ctx.physical,
            vk::Format::R8G8B8A8_UNORM,
            vk::ImageType::TYPE_2D,
            vk::ImageTiling::OPTIMAL,
            usage,
            vk::ImageCreateFlags::empty(),
        )
    };
    let attach = props(vk::ImageUsageFlags::COLOR_ATTACHMENT).unwrap();
    assert_eq!(
        attach.sample_counts,
        vk::SampleCountFlags::TYPE_1 | vk::SampleCountFlags::TYPE_4
    );
    let sampled = props(vk::ImageUsageFlags::SAMPLED).unwrap();
    assert_eq!(
        sampled.sample_counts,
        vk::SampleCountFlags::TYPE_1 | vk::SampleCountFlags::TYPE_4
    );
    // Storage images (not attachments) take 1 to 64 samples; with an attachment use, only 1.
    let storage = props(vk::ImageUsageFlags::STORAGE).unwrap();
    assert_eq!(storage.sample_counts, vk::SampleCountFlags::from_raw(0x7f));
    let storage_attach =
        props(vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::COLOR_ATTACHMENT).unwrap();
    assert_eq!(storage_attach.sample_counts, vk::SampleCountFlags::TYPE_1);
    unsafe {
        let draw = MsaaDraw::new(&ctx);
        ctx.run(|cb| {
            draw.record(&ctx, cb, ms.view, Some(by_pass.view));
            let layers = vk::ImageSubresourceLayers {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                mip_level: 0,
                base_array_layer: 0,
                layer_count: 1,
            };
            d.cmd_resolve_image(
                cb,
                ms.image,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                by_command.image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &[vk::ImageResolve {
                    src_subresource: layers,
                    src_offset: vk::Offset3D::default(),
                    dst_subresource: layers,
                    dst_offset: vk::Offset3D::default(),
                    extent: vk::Extent3D {
                        width: SIZE,
                        height: SIZE,
                        depth: 1,
                    },
                }],
            );
        });
        check_msaa_triangle(&read_pixels(&ctx, by_pass.image));
        check_msaa_triangle(&read_pixels(&ctx, by_command.image));
        draw.destroy(&ctx);
    }
}

/// A compute shader reads every sample of a 4× image (`texelFetch` on a `sampler2DMS`) after
/// the half-target triangle is drawn into it: each sample is red exactly when its standard
/// location is inside the triangle, and `textureSamples` is 4.
#[test]
fn msaa_samples_are_fetched_by_shaders() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ms = target_samples(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::SAMPLED,
        vk::ImageAspectFlags::COLOR,
        vk::SampleCountFlags::TYPE_4,
    );
    let out = ctx.buffer(u64::from(SIZE * SIZE) * 4 + 4);
    let shader = common::glsl(
        "comp",
        r#"
#version 450
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Out { uint samples; uint bits[]; };
layout(binding = 1) uniform sampler2DMS ms;
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.x % 64u, gl_GlobalInvocationID.x / 64u);
    uint b = 0u;
    for (int s = 0; s < 4; s++) {
        if (texelFetch(ms, p, s).r > 0.5) b |= 1u << s;
    }
    bits[gl_GlobalInvocationID.x] = b;
    if (gl_GlobalInvocationID.x == 0u) samples = uint(textureSamples(ms));
}
"#,
    );
    unsafe {
        let sampler = d
            .create_sampler(&vk::SamplerCreateInfo::default(), None)
            .unwrap();
        let compute = common::StorageCompute::with_images(
            &ctx,
            &shader,
            &[out.buffer],
            &[common::Sampled {
                view: ms.view,
                sampler,
            }],
            0,
        );
        let draw = MsaaDraw::new(&ctx);
        ctx.run(|cb| {
            draw.record(&ctx, cb, ms.view, None);
            let barrier = vk::MemoryBarrier::default()
                .src_access_mask(vk::AccessFlags::COLOR_ATTACHMENT_WRITE)
                .dst_access_mask(vk::AccessFlags::SHADER_READ);
            d.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
                vk::PipelineStageFlags::COMPUTE_SHADER,
                vk::DependencyFlags::empty(),
                &[barrier],
                &[],
                &[],
            );
            compute.bind(&ctx, cb, &[]);
            d.cmd_dispatch(cb, SIZE * SIZE / 64, 1, 1);
        });
        let words: Vec<u32> = out
            .bytes()
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(words[0], 4, "textureSamples");
        const LOCATIONS: [[f32; 2]; 4] = [
            [0.375, 0.125],
            [0.875, 0.375],
            [0.125, 0.625],
            [0.625, 0.875],
        ];
        let mut partial = 0;
        for y in 0..SIZE {
            for x in 0..SIZE {
                let want = LOCATIONS
                    .iter()
                    .enumerate()
                    .filter(|(_, [sx, sy])| x as f32 + sx + y as f32 + sy < SIZE as f32)
                    .fold(0u32, |b, (s, _)| b | 1 << s);
                assert_eq!(words[1 + (y * SIZE + x) as usize], want, "({x}, {y})");
                partial += u32::from(want != 0 && want != 15);
            }
        }
        assert_eq!(partial, SIZE, "the edge pixels hold two samples each");
        compute.destroy(&ctx);
        d.destroy_sampler(sampler, None);
        draw.destroy(&ctx);
    }
}

const VERT_DRAW_PARAMETERS: &str = r"#version 450
#extension GL_ARB_shader_draw_parameters : require
layout(location = 0) in vec3 pos;
layout(location = 1) in vec3 color;
layout(location = 0) out vec3 v_color;
void main() {
    gl_Position = vec4(pos, 1.0);
    v_color = vec3(float(gl_DrawIDARB) / 4.0, float(gl_BaseVertexARB) / 16.0,
                   float(gl_BaseInstanceARB) / 16.0);
}";

/// `shaderDrawParameters`: `gl_DrawID`, `gl_BaseVertex` and `gl_BaseInstance` in an indirect
/// draw of two records (left half, right half) and an indexed indirect draw (whose
/// `vertexOffset` is the base vertex) over the bottom quarter.
#[test]
fn draw_parameters_in_indirect_draws() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let layout = push_layout(&ctx);
    let fixed = Fixed {
        vert: VERT_DRAW_PARAMETERS,
        ..Fixed::new()
    };
    let pipe = pipeline_fixed(&ctx, FRAG, layout, vk::RenderPass::null(), &fixed);
    let mut data = rect_vertices(0.0, 0.0, 32.0, 64.0, 0.5, [0.0; 3]);
    data.extend(rect_vertices(32.0, 0.0, 64.0, 64.0, 0.5, [0.0; 3]));
    data.extend(rect_vertices(0.0, 48.0, 64.0, 64.0, 0.5, [0.0; 3]));
    let vb = vertices(&ctx, &data);
    let ib = ctx.buffer(64);
    let idx: Vec<u8> = (0u32..6).flat_map(|i| i.to_le_bytes()).collect();
    ib.bytes()[..24].copy_from_slice(&idx);
    // Two VkDrawIndirectCommand records: (6 vertices from 0, first instance 5) and (6 from
    // 6, first instance 7); at 64 two VkDrawIndexedIndirectCommand records, the second
    // drawing indices 0..6 with vertex offset 12 and first instance 3.
    let words: Vec<u32> = [
        &[6u32, 1, 0, 5][..],
        &[6, 1, 6, 7],
        &[0; 8],
        &[0, 1, 0, 0, 0],
        &[6, 1, 0, 12, 3],
    ]
    .concat();
    let indirect = ctx.buffer(256);
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    indirect.bytes()[..bytes.len()].copy_from_slice(&bytes);
    unsafe {
        ctx.run(|cb| {
            begin_cleared(&ctx, cb, &color, None);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_bind_index_buffer(cb, ib.buffer, 0, vk::IndexType::UINT32);
            d.cmd_draw_indirect(cb, indirect.buffer, 0, 2, 16);
            d.cmd_draw_indexed_indirect(cb, indirect.buffer, 64, 2, 20);
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    let unorm = |v: f32| (v * 255.0).round() as u8;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (draw, base_vertex, base_instance) = if y >= 48 {
                (1, 12, 3)
            } else if x < 32 {
                (0, 0, 5)
            } else {
                (1, 6, 7)
            };
            let want = [
                unorm(draw as f32 / 4.0),
                unorm(base_vertex as f32 / 16.0),
                unorm(base_instance as f32 / 16.0),
                255,
            ];
            let p = px[(y * SIZE + x) as usize];
            assert!(
                (0..4).all(|c| near(p[c], want[c])),
                "({x},{y}): {p:?} != {want:?}"
            );
        }
    }
}

/// `shaderDemoteToHelperInvocation`: one triangle covers the target; invocations with
/// x < 33 demote themselves. They keep running — the pixel at x = 33 sees, through a fine
/// derivative, that its quad neighbour at x = 32 is now a helper — but their colour and
/// their atomic add are dropped.
#[test]
fn demoted_invocations_help_derivatives_and_write_nothing() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let counter = ctx.buffer(16);
    let frag = r"#version 450
        #extension GL_EXT_demote_to_helper_invocation : require
        layout(location = 0) in vec3 v_color;
        layout(location = 0) out vec4 o;
        layout(set = 0, binding = 0) buffer C { uint count; };
        void main() {
            if (gl_FragCoord.x < 33.0) {
                demote;
            }
            float h = helperInvocationEXT() ? 1.0 : 0.0;
            float dh = dFdxFine(h);
            atomicAdd(count, 1u);
            o = vec4(1.0, -dh, h, 1.0);
        }";
    unsafe {
        let binding = [vk::DescriptorSetLayoutBinding::default()
            .binding(0)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
            .descriptor_count(1)
            .stage_flags(vk::ShaderStageFlags::FRAGMENT)];
        let set_layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&binding),
                None,
            )
            .unwrap();
        let set_layouts = [set_layout];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts),
                None,
            )
            .unwrap();
        let pipeline = pipeline_with(&ctx, frag, layout, vk::RenderPass::null(), false, false);
        let sizes = [vk::DescriptorPoolSize {
            ty: vk::DescriptorType::STORAGE_BUFFER,
            descriptor_count: 1,
        }];
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
                    .set_layouts(&set_layouts),
            )
            .unwrap()[0];
        let info = [vk::DescriptorBufferInfo {
            buffer: counter.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        }];
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(0)
                .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                .buffer_info(&info)],
            &[],
        );
        // One triangle over the whole target: no quad has a helper of its own.
        let vb = vertices(
            &ctx,
            &[
                -1.0, -1.0, 0.5, 0.0, 0.0, 0.0, 3.0, -1.0, 0.5, 0.0, 0.0, 0.0, -1.0, 3.0, 0.5, 0.0,
                0.0, 0.0,
            ],
        );
        ctx.run(|cb| {
            begin_cleared(&ctx, cb, &color, None);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipeline);
            d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::GRAPHICS, layout, 0, &[set], &[]);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 3, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let b = counter.bytes();
    assert_eq!(
        u32::from_le_bytes(b[..4].try_into().unwrap()),
        (SIZE - 33) * SIZE
    );
    let px = read_pixels(&ctx, color.image);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let want = match x {
                0..33 => [0, 0, 0, 0],
                33 => [255, 255, 0, 255],
                _ => [255, 0, 0, 255],
            };
            assert_eq!(px[(y * SIZE + x) as usize], want, "({x},{y})");
        }
    }
}

const VERT_MULTIVIEW: &str = r"#version 450
#extension GL_EXT_multiview : require
layout(location = 0) in vec3 pos;
layout(location = 1) in vec3 color;
layout(location = 0) out vec3 v_color;
void main() {
    // Each view draws 8 pixels further right per view index.
    gl_Position = vec4(pos.x + 0.25 * float(gl_ViewIndex), pos.y, pos.z, 1.0);
    v_color = color;
}";

const FRAG_MULTIVIEW: &str = r"#version 450
#extension GL_EXT_multiview : require
layout(location = 0) in vec3 v_color;
layout(location = 0) out vec4 o;
void main() { o = vec4(0.0, 1.0, float(gl_ViewIndex) / 4.0, 1.0); }";

/// Layer `layer` of a 64×64 RGBA8 image.
fn read_layer(ctx: &Ctx, image: vk::Image, layer: u32) -> Vec<[u8; 4]> {
    let out = ctx.buffer((SIZE * SIZE * 4) as u64);
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_image_to_buffer(
            cb,
            image,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            out.buffer,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: vk::ImageSubresourceLayers {
                    aspect_mask: vk::ImageAspectFlags::COLOR,
                    mip_level: 0,
                    base_array_layer: layer,
                    layer_count: 1,
                },
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: SIZE,
                    height: SIZE,
                    depth: 1,
                },
            }],
        );
    });
    out.bytes()
        .chunks(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect()
}

/// `multiview`: a render pass whose subpass has view mask 0b101 renders views 0 and 2 into
/// layers 0 and 2 of a three-layer attachment — each cleared by the load op, drawn with its
/// `gl_ViewIndex` (position and colour), and cleared by `vkCmdClearAttachments` — and leaves
/// layer 1 alone; then dynamic rendering with view mask 0b010 draws into layer 1 only.
#[test]
fn multiview_renders_each_view_into_its_layer() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let mut mv = vk::PhysicalDeviceMultiviewFeatures::default();
    let mut mv_props = vk::PhysicalDeviceMultiviewProperties::default();
    unsafe {
        let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut mv);
        ctx.instance
            .get_physical_device_features2(ctx.physical, &mut f2);
        let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut mv_props);
        ctx.instance
            .get_physical_device_properties2(ctx.physical, &mut p2);
    }
    assert_eq!(mv.multiview, vk::TRUE);
    assert!(mv_props.max_multiview_view_count >= 6);
    assert!(mv_props.max_multiview_instance_index >= (1 << 27) - 1);
    let format = vk::Format::R8G8B8A8_UNORM;
    let (image, _mem) = ctx.image(
        &vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(format)
            .extent(vk::Extent3D {
                width: SIZE,
                height: SIZE,
                depth: 1,
            })
            .mip_levels(1)
            .array_layers(3)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(vk::ImageTiling::OPTIMAL)
            .usage(
                vk::ImageUsageFlags::COLOR_ATTACHMENT
                    | vk::ImageUsageFlags::TRANSFER_SRC
                    | vk::ImageUsageFlags::TRANSFER_DST,
            ),
    );
    let all_layers = vk::ImageSubresourceRange {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        base_mip_level: 0,
        level_count: 1,
        base_array_layer: 0,
        layer_count: 3,
    };
    let layout = push_layout(&ctx);
    let vb = vertices(
        &ctx,
        &rect_vertices(0.0, 0.0, 32.0, 64.0, 0.5, [0.0, 0.0, 0.0]),
    );
    let queries;
    unsafe {
        let view = d
            .create_image_view(
                &vk::ImageViewCreateInfo::default()
                    .image(image)
                    .view_type(vk::ImageViewType::TYPE_2D_ARRAY)
                    .format(format)
                    .subresource_range(all_layers),
                None,
            )
            .unwrap();
        let attachments = [vk::AttachmentDescription::default()
            .format(format)
            .samples(vk::SampleCountFlags::TYPE_1)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .initial_layout(vk::ImageLayout::GENERAL)
            .final_layout(vk::ImageLayout::GENERAL)];
        let color_refs = [vk::AttachmentReference {
            attachment: 0,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let subpasses = [vk::SubpassDescription::default().color_attachments(&color_refs)];
        let masks = [0b101u32];
        let mut multiview = vk::RenderPassMultiviewCreateInfo::default().view_masks(&masks);
        let rp = d
            .create_render_pass(
                &vk::RenderPassCreateInfo::default()
                    .attachments(&attachments)
                    .subpasses(&subpasses)
                    .push_next(&mut multiview),
                None,
            )
            .unwrap();
        let views = [view];
        let fb = d
            .create_framebuffer(
                &vk::FramebufferCreateInfo::default()
                    .render_pass(rp)
                    .attachments(&views)
                    .width(SIZE)
                    .height(SIZE)
                    .layers(1),
                None,
            )
            .unwrap();
        let fixed = Fixed {
            vert: VERT_MULTIVIEW,
            ..Fixed::new()
        };
        let pipe = pipeline_fixed(&ctx, FRAG_MULTIVIEW, layout, rp, &fixed);
        let dyn_fixed = Fixed {
            vert: VERT_MULTIVIEW,
            view_mask: 0b010,
            ..Fixed::new()
        };
        let dyn_pipe = pipeline_fixed(
            &ctx,
            FRAG_MULTIVIEW,
            layout,
            vk::RenderPass::null(),
            &dyn_fixed,
        );
        let q = d
            .create_query_pool(
                &vk::QueryPoolCreateInfo::default()
                    .query_type(vk::QueryType::OCCLUSION)
                    .query_count(2),
                None,
            )
            .unwrap();
        queries = q;
        ctx.run(|cb| {
            d.cmd_reset_query_pool(cb, queries, 0, 2);
            // Blue everywhere first.
            d.cmd_clear_color_image(
                cb,
                image,
                vk::ImageLayout::GENERAL,
                &vk::ClearColorValue {
                    float32: [0.0, 0.0, 1.0, 1.0],
                },
                &[all_layers],
            );
            let clear = [vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.25, 0.0, 0.0, 1.0],
                },
            }];
            d.cmd_begin_render_pass(
                cb,
                &vk::RenderPassBeginInfo::default()
                    .render_pass(rp)
                    .framebuffer(fb)
                    .render_area(full_area())
                    .clear_values(&clear),
                vk::SubpassContents::INLINE,
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            // A query in a two-view instance uses two queries (the total may go to the first).
            d.cmd_begin_query(cb, queries, 0, vk::QueryControlFlags::empty());
            d.cmd_draw(cb, 6, 1, 0, 0);
            d.cmd_end_query(cb, queries, 0);
            d.cmd_clear_attachments(
                cb,
                &[vk::ClearAttachment {
                    aspect_mask: vk::ImageAspectFlags::COLOR,
                    color_attachment: 0,
                    clear_value: vk::ClearValue {
                        color: vk::ClearColorValue {
                            float32: [1.0, 1.0, 1.0, 1.0],
                        },
                    },
                }],
                &[vk::ClearRect {
                    rect: vk::Rect2D {
                        offset: vk::Offset2D { x: 56, y: 0 },
                        extent: vk::Extent2D {
                            width: 8,
                            height: 8,
                        },
                    },
                    base_array_layer: 0,
                    layer_count: 1,
                }],
            );
            d.cmd_end_render_pass(cb);
            // Dynamic rendering, view 1 only, loading what is there.
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(view)
                .image_layout(vk::ImageLayout::GENERAL)
                .load_op(vk::AttachmentLoadOp::LOAD)
                .store_op(vk::AttachmentStoreOp::STORE)];
            d.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(full_area())
                    .view_mask(0b010)
                    .color_attachments(&color_att),
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, dyn_pipe);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 6, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let mut counts = [0u64; 2];
    unsafe {
        d.get_query_pool_results(
            queries,
            0,
            &mut counts,
            vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT,
        )
    }
    .unwrap();
    assert_eq!(counts[0] + counts[1], 2 * 32 * 64);
    let layers: Vec<Vec<[u8; 4]>> = (0..3).map(|l| read_layer(&ctx, image, l)).collect();
    for y in 0..SIZE {
        for x in 0..SIZE {
            let i = (y * SIZE + x) as usize;
            let white = x >= 56 && y < 8;
            for (layer, px) in layers.iter().enumerate() {
                let v = layer as u32;
                let drawn = (8 * v..32 + 8 * v).contains(&x);
                let want = match (layer, drawn, white) {
                    (0 | 2, _, true) => [255, 255, 255, 255],
                    (_, true, _) => [0, 255, [0, 64, 128][layer], 255],
                    (0 | 2, false, _) => [64, 0, 0, 255],
                    _ => [0, 0, 255, 255],
                };
                assert_eq!(px[i], want, "layer {layer} ({x},{y})");
            }
        }
    }
}

/// A secondary command buffer begun with `flags` and `inheritance`.
unsafe fn begin_secondary(
    ctx: &Ctx,
    flags: vk::CommandBufferUsageFlags,
    inheritance: &vk::CommandBufferInheritanceInfo,
) -> vk::CommandBuffer {
    let d = &ctx.device;
    let cb = unsafe {
        d.allocate_command_buffers(
            &vk::CommandBufferAllocateInfo::default()
                .command_pool(ctx.pool)
                .level(vk::CommandBufferLevel::SECONDARY)
                .command_buffer_count(1),
        )
    }
    .unwrap()[0];
    unsafe {
        d.begin_command_buffer(
            cb,
            &vk::CommandBufferBeginInfo::default()
                .flags(flags)
                .inheritance_info(inheritance),
        )
    }
    .unwrap();
    cb
}

/// A render pass with one RGBA8 colour and one D32 attachment, both cleared.
fn color_depth_render_pass(ctx: &Ctx) -> vk::RenderPass {
    let attachments = [
        vk::AttachmentDescription::default()
            .format(vk::Format::R8G8B8A8_UNORM)
            .samples(vk::SampleCountFlags::TYPE_1)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .final_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL),
        vk::AttachmentDescription::default()
            .format(vk::Format::D32_SFLOAT)
            .samples(vk::SampleCountFlags::TYPE_1)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .final_layout(vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL),
    ];
    let color_refs = [vk::AttachmentReference {
        attachment: 0,
        layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
    }];
    let depth_ref = vk::AttachmentReference {
        attachment: 1,
        layout: vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
    };
    let subpasses = [vk::SubpassDescription::default()
        .color_attachments(&color_refs)
        .depth_stencil_attachment(&depth_ref)];
    unsafe {
        ctx.device.create_render_pass(
            &vk::RenderPassCreateInfo::default()
                .attachments(&attachments)
                .subpasses(&subpasses),
            None,
        )
    }
    .unwrap()
}

/// Draws recorded in a secondary command buffer that continues a render pass (inheriting
/// the render pass and subpass, with no framebuffer) render into the render pass instance of
/// the primary that executes them: the same secondary, executed in two render pass instances
/// with different framebuffers, draws into each. Its `vkCmdClearAttachments` clears the
/// executing instance's attachments; an occlusion query active in the primary counts its
/// samples; its dynamic viewport and scissor apply to its own draws.
#[test]
fn secondary_command_buffers_draw_into_the_primarys_render_pass() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let colors = [color_target(&ctx), color_target(&ctx)];
    let depths = [0, 1].map(|_| {
        target(
            &ctx,
            vk::Format::D32_SFLOAT,
            vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
            vk::ImageAspectFlags::DEPTH,
        )
    });
    let rp = color_depth_render_pass(&ctx);
    let fbs: Vec<vk::Framebuffer> = (0..2)
        .map(|i| {
            let views = [colors[i].view, depths[i].view];
            unsafe {
                d.create_framebuffer(
                    &vk::FramebufferCreateInfo::default()
                        .render_pass(rp)
                        .attachments(&views)
                        .width(SIZE)
                        .height(SIZE)
                        .layers(1),
                    None,
                )
            }
            .unwrap()
        })
        .collect();
    let layout = push_layout(&ctx);
    let fixed = Fixed {
        depth_format: vk::Format::D32_SFLOAT,
        ds: vk::PipelineDepthStencilStateCreateInfo::default()
            .depth_test_enable(true)
            .depth_write_enable(true)
            .depth_compare_op(vk::CompareOp::LESS),
        dynamic: vec![vk::DynamicState::VIEWPORT, vk::DynamicState::SCISSOR],
        ..Fixed::new()
    };
    let pipe = pipeline_fixed(&ctx, FRAG, layout, rp, &fixed);
    // A full-target green rectangle at depth 0.5, scissored to [16, 48) × [8, 40); a depth
    // clear to 0.25 over [16, 32) × [8, 24) before it hides that part.
    let vb = vertices(
        &ctx,
        &rect_vertices(0.0, 0.0, 64.0, 64.0, 0.5, [0.0, 1.0, 0.0]),
    );
    let pool = unsafe {
        d.create_query_pool(
            &vk::QueryPoolCreateInfo::default()
                .query_type(vk::QueryType::OCCLUSION)
                .query_count(2),
            None,
        )
    }
    .unwrap();
    unsafe {
        let inheritance = vk::CommandBufferInheritanceInfo::default()
            .render_pass(rp)
            .subpass(0)
            .occlusion_query_enable(true)
            .query_flags(vk::QueryControlFlags::PRECISE);
        let secondary = begin_secondary(
            &ctx,
            vk::CommandBufferUsageFlags::RENDER_PASS_CONTINUE
                | vk::CommandBufferUsageFlags::SIMULTANEOUS_USE,
            &inheritance,
        );
        let viewport = vk::Viewport {
            x: 0.0,
            y: 0.0,
            width: SIZE as f32,
            height: SIZE as f32,
            min_depth: 0.0,
            max_depth: 1.0,
        };
        d.cmd_set_viewport(secondary, 0, &[viewport]);
        d.cmd_set_scissor(
            secondary,
            0,
            &[vk::Rect2D {
                offset: vk::Offset2D { x: 16, y: 8 },
                extent: vk::Extent2D {
                    width: 32,
                    height: 32,
                },
            }],
        );
        d.cmd_clear_attachments(
            secondary,
            &[vk::ClearAttachment {
                aspect_mask: vk::ImageAspectFlags::DEPTH,
                color_attachment: 0,
                clear_value: vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: 0.25,
                        stencil: 0,
                    },
                },
            }],
            &[vk::ClearRect {
                rect: vk::Rect2D {
                    offset: vk::Offset2D { x: 16, y: 8 },
                    extent: vk::Extent2D {
                        width: 16,
                        height: 16,
                    },
                },
                base_array_layer: 0,
                layer_count: 1,
            }],
        );
        d.cmd_bind_pipeline(secondary, vk::PipelineBindPoint::GRAPHICS, pipe);
        d.cmd_push_constants(
            secondary,
            layout,
            vk::ShaderStageFlags::FRAGMENT,
            0,
            &1.0f32.to_le_bytes(),
        );
        d.cmd_bind_vertex_buffers(secondary, 0, &[vb.buffer], &[0]);
        d.cmd_draw(secondary, 6, 1, 0, 0);
        d.end_command_buffer(secondary).unwrap();

        ctx.run(|cb| {
            d.cmd_reset_query_pool(cb, pool, 0, 2);
            for (i, &fb) in fbs.iter().enumerate() {
                let clear = [
                    vk::ClearValue {
                        color: vk::ClearColorValue {
                            float32: [0.0, 0.0, i as f32, 1.0],
                        },
                    },
                    CLEAR_DEPTH_ONE,
                ];
                d.cmd_begin_render_pass(
                    cb,
                    &vk::RenderPassBeginInfo::default()
                        .render_pass(rp)
                        .framebuffer(fb)
                        .render_area(full_area())
                        .clear_values(&clear),
                    vk::SubpassContents::SECONDARY_COMMAND_BUFFERS,
                );
                d.cmd_begin_query(cb, pool, i as u32, vk::QueryControlFlags::PRECISE);
                d.cmd_execute_commands(cb, &[secondary]);
                d.cmd_end_query(cb, pool, i as u32);
                d.cmd_end_render_pass(cb);
            }
        });
        let mut results = [0u64; 2];
        d.get_query_pool_results(
            pool,
            0,
            &mut results,
            vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT,
        )
        .unwrap();
        assert_eq!(results, [32 * 32 - 16 * 16; 2]);
        for (i, color) in colors.iter().enumerate() {
            let px = read_pixels(&ctx, color.image);
            let background = [0, 0, 255 * i as u8, 255];
            for y in 0..SIZE {
                for x in 0..SIZE {
                    let scissor = (16..48).contains(&x) && (8..40).contains(&y);
                    let hidden = (16..32).contains(&x) && (8..24).contains(&y);
                    let want = if scissor && !hidden {
                        [0, 255, 0, 255]
                    } else {
                        background
                    };
                    assert_eq!(px[(y * SIZE + x) as usize], want, "target {i} ({x},{y})");
                }
            }
        }
        d.destroy_query_pool(pool, None);
        for fb in fbs {
            d.destroy_framebuffer(fb, None);
        }
        d.destroy_render_pass(rp, None);
        d.destroy_pipeline(pipe, None);
    }
}

/// A secondary command buffer inheriting dynamic rendering
/// (`VkCommandBufferInheritanceRenderingInfo`) draws into the primary's rendering instance;
/// the primary's own bindings before it (another pipeline, another vertex buffer, another
/// push constant) do not reach the secondary's draw, and the secondary's do not reach the
/// primary's draws after it, which rebind only what the specification requires (all of it).
#[test]
fn secondary_command_buffers_inherit_dynamic_rendering() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = color_target(&ctx);
    let layout = push_layout(&ctx);
    let pipe = pipeline_with(&ctx, FRAG, layout, vk::RenderPass::null(), false, true);
    // Red over [0, 16) × [0, 64) drawn by the primary, green over [16, 48) × [0, 32) by the
    // secondary (alpha 1), blue over [48, 64) × [0, 64) by the primary after it (alpha 1).
    let mut data = rect_vertices(0.0, 0.0, 16.0, 64.0, 0.5, [1.0, 0.0, 0.0]);
    data.extend(rect_vertices(16.0, 0.0, 48.0, 32.0, 0.5, [0.0, 1.0, 0.0]));
    data.extend(rect_vertices(48.0, 0.0, 64.0, 64.0, 0.5, [0.0, 0.0, 1.0]));
    let vb = vertices(&ctx, &data);
    unsafe {
        let formats = [vk::Format::R8G8B8A8_UNORM];
        let mut rendering = vk::CommandBufferInheritanceRenderingInfo::default()
            .color_attachment_formats(&formats)
            .rasterization_samples(vk::SampleCountFlags::TYPE_1);
        let inheritance = vk::CommandBufferInheritanceInfo::default().push_next(&mut rendering);
        let secondary = begin_secondary(
            &ctx,
            vk::CommandBufferUsageFlags::RENDER_PASS_CONTINUE,
            &inheritance,
        );
        d.cmd_bind_pipeline(secondary, vk::PipelineBindPoint::GRAPHICS, pipe);
        d.cmd_push_constants(
            secondary,
            layout,
            vk::ShaderStageFlags::FRAGMENT,
            0,
            &1.0f32.to_le_bytes(),
        );
        d.cmd_bind_vertex_buffers(secondary, 0, &[vb.buffer], &[0]);
        d.cmd_draw(secondary, 6, 1, 6, 0);
        d.end_command_buffer(secondary).unwrap();

        ctx.run(|cb| {
            // The primary's first instance draws inline, with half alpha (blended over black).
            begin_cleared(&ctx, cb, &color, None);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &0.5f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 6, 1, 0, 0);
            d.cmd_end_rendering(cb);
            // The second instance's contents come from the secondary.
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(color.view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::LOAD)
                .store_op(vk::AttachmentStoreOp::STORE)];
            let info = vk::RenderingInfo::default()
                .flags(vk::RenderingFlags::CONTENTS_SECONDARY_COMMAND_BUFFERS)
                .render_area(full_area())
                .layer_count(1)
                .color_attachments(&color_att);
            d.cmd_begin_rendering(cb, &info);
            d.cmd_execute_commands(cb, &[secondary]);
            d.cmd_end_rendering(cb);
            // State is undefined after vkCmdExecuteCommands: everything is bound again.
            let info = info.flags(vk::RenderingFlags::empty());
            d.cmd_begin_rendering(cb, &info);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 6, 1, 12, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = px[(y * SIZE + x) as usize];
            match x {
                0..16 => assert!(near(p[0], 128) && p[1..3] == [0, 0], "({x},{y}) {p:?}"),
                16..48 if y < 32 => assert_eq!(p, [0, 255, 0, 255], "({x},{y})"),
                16..48 => assert_eq!(p, [0, 0, 0, 0], "({x},{y})"),
                _ => assert_eq!(p, [0, 0, 255, 255], "({x},{y})"),
            }
        }
    }
    unsafe { d.destroy_pipeline(pipe, None) };
}

/// Secondary command buffers outside render passes: transfer commands run where the primary
/// executes them, in order with the primary's own commands.
#[test]
fn secondary_command_buffers_with_transfers() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let a = ctx.buffer(256);
    let b = ctx.buffer(256);
    unsafe {
        let secondary = begin_secondary(
            &ctx,
            vk::CommandBufferUsageFlags::empty(),
            &vk::CommandBufferInheritanceInfo::default(),
        );
        // Copies what the primary filled, then overwrites a part of it.
        d.cmd_copy_buffer(
            secondary,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: 256,
            }],
        );
        d.cmd_fill_buffer(secondary, b.buffer, 64, 64, 0x0101_0101);
        d.end_command_buffer(secondary).unwrap();
        ctx.run(|cb| {
            d.cmd_fill_buffer(cb, a.buffer, 0, 256, 0x0707_0707);
            d.cmd_execute_commands(cb, &[secondary]);
            d.cmd_fill_buffer(cb, b.buffer, 192, 64, 0x0909_0909);
        });
    }
    let bytes = b.bytes();
    for (i, &v) in bytes.iter().enumerate() {
        let want = match i {
            64..128 => 1,
            192.. => 9,
            _ => 7,
        };
        assert_eq!(v, want, "byte {i}");
    }
}

/// A dispatch recorded in a secondary command buffer runs with the secondary's own pipeline,
/// descriptor set and push constants, between the primary's commands around it.
#[test]
fn secondary_command_buffers_with_dispatches() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let buf = ctx.buffer(256);
    let src = r"#version 450
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer B { uint v[]; };
layout(push_constant) uniform P { uint add; };
void main() { v[gl_GlobalInvocationID.x] = v[gl_GlobalInvocationID.x] * 2u + add; }";
    let job = common::StorageCompute::new(&ctx, &glsl("comp", src), &[buf.buffer], 4);
    unsafe {
        let secondary = begin_secondary(
            &ctx,
            vk::CommandBufferUsageFlags::empty(),
            &vk::CommandBufferInheritanceInfo::default(),
        );
        job.bind(&ctx, secondary, &5u32.to_le_bytes());
        d.cmd_dispatch(secondary, 1, 1, 1);
        d.end_command_buffer(secondary).unwrap();
        ctx.run(|cb| {
            d.cmd_fill_buffer(cb, buf.buffer, 0, 256, 3);
            d.cmd_execute_commands(cb, &[secondary]);
            // The primary's own dispatch after it, with its own push constant.
            job.bind(&ctx, cb, &1u32.to_le_bytes());
            d.cmd_dispatch(cb, 1, 1, 1);
        });
    }
    for (i, c) in buf.bytes().chunks(4).enumerate() {
        let v = u32::from_le_bytes(c.try_into().unwrap());
        assert_eq!(v, (3 * 2 + 5) * 2 + 1, "element {i}");
    }
    job.destroy(&ctx);
}

/// A four-layer RGBA8 image (filled with `fill`) and a 2D array view of its layers 1..4.
fn layered_target(ctx: &Ctx, fill: [f32; 4]) -> (vk::Image, vk::ImageView) {
    let d = &ctx.device;
    let format = vk::Format::R8G8B8A8_UNORM;
    let (image, _mem) = ctx.image(
        &vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(format)
            .extent(vk::Extent3D {
                width: SIZE,
                height: SIZE,
                depth: 1,
            })
            .mip_levels(1)
            .array_layers(4)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(vk::ImageTiling::OPTIMAL)
            .usage(
                vk::ImageUsageFlags::COLOR_ATTACHMENT
                    | vk::ImageUsageFlags::TRANSFER_SRC
                    | vk::ImageUsageFlags::TRANSFER_DST,
            ),
    );
    let range = |base, count| vk::ImageSubresourceRange {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        base_mip_level: 0,
        level_count: 1,
        base_array_layer: base,
        layer_count: count,
    };
    ctx.run(|cb| unsafe {
        d.cmd_clear_color_image(
            cb,
            image,
            vk::ImageLayout::GENERAL,
            &vk::ClearColorValue { float32: fill },
            &[range(0, 4)],
        );
    });
    let view = unsafe {
        d.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(vk::ImageViewType::TYPE_2D_ARRAY)
                .format(format)
                .subresource_range(range(1, 3)),
            None,
        )
    }
    .unwrap();
    (image, view)
}

/// Checks every pixel of `px`: `inside` within `[x0, x1) × [y0, y1)`, `outside` elsewhere.
fn check_rect(
    px: &[[u8; 4]],
    r: (u32, u32, u32, u32),
    inside: [u8; 4],
    outside: [u8; 4],
    what: &str,
) {
    for y in 0..SIZE {
        for x in 0..SIZE {
            let want = if (r.0..r.1).contains(&x) && (r.2..r.3).contains(&y) {
                inside
            } else {
                outside
            };
            assert_eq!(px[(y * SIZE + x) as usize], want, "{what} ({x},{y})");
        }
    }
}

/// Layered framebuffers: a render pass whose framebuffer has 3 layers clears all of them with
/// its `CLEAR` load op (over the render area), `vkCmdClearAttachments` clears the layers its
/// rectangle names, and draws reach layer 0; the image's layer outside the view is left alone.
/// Dynamic rendering with `layerCount` 2 clears two layers.
#[test]
fn layered_framebuffers_clear_every_layer() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let format = vk::Format::R8G8B8A8_UNORM;
    let grey = [0.5f32; 4];
    let grey8 = [128u8; 4];
    let (image, view) = layered_target(&ctx, grey);
    let layout = push_layout(&ctx);
    let vb = vertices(
        &ctx,
        &rect_vertices(0.0, 0.0, 8.0, 8.0, 0.5, [1.0, 1.0, 1.0]),
    );
    let area = vk::Rect2D {
        offset: vk::Offset2D { x: 0, y: 0 },
        extent: vk::Extent2D {
            width: 48,
            height: 40,
        },
    };
    unsafe {
        let attachments = [vk::AttachmentDescription::default()
            .format(format)
            .samples(vk::SampleCountFlags::TYPE_1)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .initial_layout(vk::ImageLayout::GENERAL)
            .final_layout(vk::ImageLayout::GENERAL)];
        let color_refs = [vk::AttachmentReference {
            attachment: 0,
            layout: vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        }];
        let subpasses = [vk::SubpassDescription::default().color_attachments(&color_refs)];
        let rp = d
            .create_render_pass(
                &vk::RenderPassCreateInfo::default()
                    .attachments(&attachments)
                    .subpasses(&subpasses),
                None,
            )
            .unwrap();
        let views = [view];
        let fb = d
            .create_framebuffer(
                &vk::FramebufferCreateInfo::default()
                    .render_pass(rp)
                    .attachments(&views)
                    .width(SIZE)
                    .height(SIZE)
                    .layers(3),
                None,
            )
            .unwrap();
        let pipe = pipeline_with(&ctx, FRAG, layout, rp, false, false);
        ctx.run(|cb| {
            let clear = [vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [1.0, 0.0, 0.0, 1.0],
                },
            }];
            d.cmd_begin_render_pass(
                cb,
                &vk::RenderPassBeginInfo::default()
                    .render_pass(rp)
                    .framebuffer(fb)
                    .render_area(area)
                    .clear_values(&clear),
                vk::SubpassContents::INLINE,
            );
            // Blue over [16, 32) × [16, 32) of layers 1 and 2 of the framebuffer.
            d.cmd_clear_attachments(
                cb,
                &[vk::ClearAttachment {
                    aspect_mask: vk::ImageAspectFlags::COLOR,
                    color_attachment: 0,
                    clear_value: vk::ClearValue {
                        color: vk::ClearColorValue {
                            float32: [0.0, 0.0, 1.0, 1.0],
                        },
                    },
                }],
                &[vk::ClearRect {
                    rect: vk::Rect2D {
                        offset: vk::Offset2D { x: 16, y: 16 },
                        extent: vk::Extent2D {
                            width: 16,
                            height: 16,
                        },
                    },
                    base_array_layer: 1,
                    layer_count: 2,
                }],
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            d.cmd_push_constants(
                cb,
                layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_draw(cb, 6, 1, 0, 0);
            d.cmd_end_render_pass(cb);
        });
        // Image layer 0 is outside the view.
        check_rect(
            &read_layer(&ctx, image, 0),
            (0, 0, 0, 0),
            grey8,
            grey8,
            "layer 0",
        );
        let red = [255, 0, 0, 255];
        let layer1 = read_layer(&ctx, image, 1);
        for y in 0..SIZE {
            for x in 0..SIZE {
                let want = if x < 8 && y < 8 {
                    [255; 4]
                } else if x < 48 && y < 40 {
                    red
                } else {
                    grey8
                };
                assert_eq!(layer1[(y * SIZE + x) as usize], want, "layer 1 ({x},{y})");
            }
        }
        for layer in 2..4 {
            let px = read_layer(&ctx, image, layer);
            for y in 0..SIZE {
                for x in 0..SIZE {
                    let want = if (16..32).contains(&x) && (16..32).contains(&y) {
                        [0, 0, 255, 255]
                    } else if x < 48 && y < 40 {
                        red
                    } else {
                        grey8
                    };
                    assert_eq!(px[(y * SIZE + x) as usize], want, "layer {layer} ({x},{y})");
                }
            }
        }
        d.destroy_framebuffer(fb, None);
        d.destroy_render_pass(rp, None);
        d.destroy_pipeline(pipe, None);
    }

    // Dynamic rendering, layerCount 2: the view's first two layers (image layers 1 and 2).
    let (image, view) = layered_target(&ctx, grey);
    unsafe {
        ctx.run(|cb| {
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: [0.0, 1.0, 0.0, 1.0],
                    },
                })];
            let info = vk::RenderingInfo::default()
                .render_area(area)
                .layer_count(2)
                .color_attachments(&color_att);
            d.cmd_begin_rendering(cb, &info);
            d.cmd_end_rendering(cb);
        });
    }
    let green = [0, 255, 0, 255];
    for layer in 0..4 {
        let px = read_layer(&ctx, image, layer);
        let what = format!("dynamic rendering, layer {layer}");
        if (1..3).contains(&layer) {
            check_rect(&px, (0, 48, 0, 40), green, grey8, &what);
        } else {
            check_rect(&px, (0, 0, 0, 0), grey8, grey8, &what);
        }
    }
}

/// A layered multisampled render pass instance resolves every layer: dynamic rendering with
/// `layerCount` 2, a 4-sample colour attachment cleared by its load op and resolved (average)
/// into a two-layer single-sample image.
#[test]
fn layered_rendering_resolves_every_layer() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let format = vk::Format::R8G8B8A8_UNORM;
    let make = |samples: vk::SampleCountFlags| {
        let (image, _mem) = ctx.image(
            &vk::ImageCreateInfo::default()
                .image_type(vk::ImageType::TYPE_2D)
                .format(format)
                .extent(vk::Extent3D {
                    width: SIZE,
                    height: SIZE,
                    depth: 1,
                })
                .mip_levels(1)
                .array_layers(2)
                .samples(samples)
                .tiling(vk::ImageTiling::OPTIMAL)
                .usage(vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_SRC),
        );
        let view = unsafe {
            d.create_image_view(
                &vk::ImageViewCreateInfo::default()
                    .image(image)
                    .view_type(vk::ImageViewType::TYPE_2D_ARRAY)
                    .format(format)
                    .subresource_range(vk::ImageSubresourceRange {
                        aspect_mask: vk::ImageAspectFlags::COLOR,
                        base_mip_level: 0,
                        level_count: 1,
                        base_array_layer: 0,
                        layer_count: 2,
                    }),
                None,
            )
        }
        .unwrap();
        (image, view)
    };
    let (_ms, ms_view) = make(vk::SampleCountFlags::TYPE_4);
    let (resolved, resolved_view) = make(vk::SampleCountFlags::TYPE_1);
    unsafe {
        ctx.run(|cb| {
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(ms_view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .resolve_mode(vk::ResolveModeFlags::AVERAGE)
                .resolve_image_view(resolved_view)
                .resolve_image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::DONT_CARE)
                .clear_value(vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: [0.0, 0.0, 1.0, 1.0],
                    },
                })];
            let info = vk::RenderingInfo::default()
                .render_area(full_area())
                .layer_count(2)
                .color_attachments(&color_att);
            d.cmd_begin_rendering(cb, &info);
            d.cmd_end_rendering(cb);
        });
    }
    for layer in 0..2 {
        let px = read_layer(&ctx, resolved, layer);
        check_rect(
            &px,
            (0, 0, 0, 0),
            [0; 4],
            [0, 0, 255, 255],
            &format!("layer {layer}"),
        );
    }
}

/// Load-op clears of a one-layer instance are taken as the tiles load (`Pass::clear_on_load`):
/// they must cover exactly the render area (here not tile-aligned, over pixels no draw
/// touches too), leave the rest of the attachments as they were, and come before the draws'
/// depth tests. Colour and depth are filled beforehand with other values to tell them apart.
#[test]
fn load_clears_cover_the_render_area_before_the_draws() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let color = target(
        &ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_DST,
        vk::ImageAspectFlags::COLOR,
    );
    let depth = target(
        &ctx,
        vk::Format::D32_SFLOAT,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_DST,
        vk::ImageAspectFlags::DEPTH,
    );
    let p = pipeline(&ctx, vk::RenderPass::null(), true, false);
    // Red at depth 0.3 over the left half (passes LESS against the cleared 0.5), blue at 0.7
    // over everything (fails).
    let mut data = quad_vertices(-1.0, 0.0, 0.3, [1.0, 0.0, 0.0]);
    data.extend(quad_vertices(-1.0, 1.0, 0.7, [0.0, 0.0, 1.0]));
    let vb = vertices(&ctx, &data);
    let area = vk::Rect2D {
        offset: vk::Offset2D { x: 9, y: 5 },
        extent: vk::Extent2D {
            width: 40,
            height: 50,
        },
    };
    let range = |aspect| vk::ImageSubresourceRange {
        aspect_mask: aspect,
        base_mip_level: 0,
        level_count: 1,
        base_array_layer: 0,
        layer_count: 1,
    };
    unsafe {
        ctx.run(|cb| {
            d.cmd_clear_color_image(
                cb,
                color.image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &vk::ClearColorValue {
                    float32: [1.0, 1.0, 0.0, 1.0],
                },
                &[range(vk::ImageAspectFlags::COLOR)],
            );
            d.cmd_clear_depth_stencil_image(
                cb,
                depth.image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &vk::ClearDepthStencilValue {
                    depth: 0.125,
                    stencil: 0,
                },
                &[range(vk::ImageAspectFlags::DEPTH)],
            );
            let color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(color.view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: [0.0, 1.0, 0.0, 1.0],
                    },
                })];
            let depth_att = vk::RenderingAttachmentInfo::default()
                .image_view(depth.view)
                .image_layout(vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: 0.5,
                        stencil: 0,
                    },
                });
            d.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(area)
                    .layer_count(1)
                    .color_attachments(&color_att)
                    .depth_attachment(&depth_att),
            );
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p.pipeline);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
            d.cmd_push_constants(
                cb,
                p.layout,
                vk::ShaderStageFlags::FRAGMENT,
                0,
                &1.0f32.to_le_bytes(),
            );
            d.cmd_draw(cb, 12, 1, 0, 0);
            d.cmd_end_rendering(cb);
        });
    }
    let px = read_pixels(&ctx, color.image);
    let depths = read_plane(&ctx, depth.image, vk::ImageAspectFlags::DEPTH, 4);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let i = (y * SIZE + x) as usize;
            let z = f32::from_le_bytes([
                depths[4 * i],
                depths[4 * i + 1],
                depths[4 * i + 2],
                depths[4 * i + 3],
            ]);
            let inside = (9..49).contains(&x) && (5..55).contains(&y);
            let (want, want_z) = match (inside, x < SIZE / 2) {
                (false, _) => ([255, 255, 0, 255], 0.125),
                (true, true) => ([255, 0, 0, 255], 0.3),
                (true, false) => ([0, 255, 0, 255], 0.5),
            };
            assert_eq!(px[i], want, "({x},{y}) colour");
            assert!((z - want_z).abs() < 1e-6, "({x},{y}) depth {z} vs {want_z}");
        }
    }
}
