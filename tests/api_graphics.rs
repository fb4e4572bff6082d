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
            .samples(vk::SampleCountFlags::TYPE_1)
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
    let d = &ctx.device;
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
        let ia = vk::PipelineInputAssemblyStateCreateInfo::default()
            .topology(vk::PrimitiveTopology::TRIANGLE_LIST);
        let viewports = [vk::Viewport {
            x: 0.0,
            y: 0.0,
            width: SIZE as f32,
            height: SIZE as f32,
            min_depth: 0.0,
            max_depth: 1.0,
        }];
        let scissors = [vk::Rect2D {
            offset: vk::Offset2D::default(),
            extent: vk::Extent2D {
                width: SIZE,
                height: SIZE,
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
        let attachments = [vk::PipelineColorBlendAttachmentState::default()
            .blend_enable(blend)
            .src_color_blend_factor(vk::BlendFactor::SRC_ALPHA)
            .dst_color_blend_factor(vk::BlendFactor::ONE_MINUS_SRC_ALPHA)
            .color_blend_op(vk::BlendOp::ADD)
            .src_alpha_blend_factor(vk::BlendFactor::ONE)
            .dst_alpha_blend_factor(vk::BlendFactor::ZERO)
            .alpha_blend_op(vk::BlendOp::ADD)
            .color_write_mask(vk::ColorComponentFlags::RGBA)];
        let cb = vk::PipelineColorBlendStateCreateInfo::default().attachments(&attachments);
        let formats = [vk::Format::R8G8B8A8_UNORM];
        let mut rendering = vk::PipelineRenderingCreateInfo::default()
            .color_attachment_formats(&formats)
            .depth_attachment_format(if depth {
                vk::Format::D32_SFLOAT
            } else {
                vk::Format::UNDEFINED
            });
        let mut info = vk::GraphicsPipelineCreateInfo::default()
            .stages(&stages)
            .vertex_input_state(&vi)
            .input_assembly_state(&ia)
            .viewport_state(&vp)
            .rasterization_state(&rs)
            .multisample_state(&ms)
            .depth_stencil_state(&ds)
            .color_blend_state(&cb)
            .layout(layout)
            .render_pass(render_pass);
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
                    .render_area(vk::Rect2D {
                        offset: vk::Offset2D::default(),
                        extent: vk::Extent2D {
                            width: SIZE,
                            height: SIZE,
                        },
                    })
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
                            width: SIZE,
                            height: SIZE,
                        },
                    })
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
                    .render_area(vk::Rect2D {
                        offset: vk::Offset2D::default(),
                        extent: vk::Extent2D {
                            width: SIZE,
                            height: SIZE,
                        },
                    })
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
