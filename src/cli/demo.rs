//! `pumice demo`: renders a scene through the real Vulkan loader with Pumice — lit,
//! depth-tested meshes and a blended translucent one — writes it to a PNG and prints the frame
//! time. Everything goes through `libvulkan.so.1`, as in any application.
//!
//! The scene is rendered with 4× MSAA into multisampled colour and depth attachments, resolved
//! (dynamic rendering's `VK_RESOLVE_MODE_AVERAGE_BIT`) into the single-sample image that is
//! read back.

use std::time::{Duration, Instant};

use ash::vk;

use super::manifest;

const VERT: &[u8] = include_bytes!("../../shaders/demo.vert.spv");
const FRAG: &[u8] = include_bytes!("../../shaders/demo.frag.spv");
/// Samples per pixel of the attachments drawn to.
const SAMPLES: vk::SampleCountFlags = vk::SampleCountFlags::TYPE_4;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const COLOR_FORMAT: vk::Format = vk::Format::R8G8B8A8_UNORM;
const DEPTH_FORMAT: vk::Format = vk::Format::D32_SFLOAT;

type Mat4 = [[f32; 4]; 4];

fn mul(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut r = [[0.0; 4]; 4];
    for (c, col) in r.iter_mut().enumerate() {
        for (row, v) in col.iter_mut().enumerate() {
            *v = (0..4).map(|k| a[k][row] * b[c][k]).sum();
        }
    }
    r
}

/// Column-major matrices, Vulkan clip space (y down, depth 0..1).
fn perspective(fov_y: f32, aspect: f32, near: f32, far: f32) -> Mat4 {
    let f = 1.0 / (fov_y / 2.0).tan();
    [
        [f / aspect, 0.0, 0.0, 0.0],
        [0.0, -f, 0.0, 0.0],
        [0.0, 0.0, far / (near - far), -1.0],
        [0.0, 0.0, near * far / (near - far), 0.0],
    ]
}

fn look_at(eye: [f32; 3], target: [f32; 3]) -> Mat4 {
    let sub = |a: [f32; 3], b: [f32; 3]| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    let cross = |a: [f32; 3], b: [f32; 3]| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    let norm = |a: [f32; 3]| {
        let l = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
        [a[0] / l, a[1] / l, a[2] / l]
    };
    let dot = |a: [f32; 3], b: [f32; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let f = norm(sub(target, eye));
    let s = norm(cross(f, [0.0, 1.0, 0.0]));
    let u = cross(s, f);
    [
        [s[0], u[0], -f[0], 0.0],
        [s[1], u[1], -f[1], 0.0],
        [s[2], u[2], -f[2], 0.0],
        [-dot(s, eye), -dot(u, eye), dot(f, eye), 1.0],
    ]
}

fn model(translate: [f32; 3], scale: [f32; 3], angle: f32) -> Mat4 {
    let (s, c) = angle.sin_cos();
    [
        [c * scale[0], 0.0, -s * scale[0], 0.0],
        [0.0, scale[1], 0.0, 0.0],
        [s * scale[2], 0.0, c * scale[2], 0.0],
        [translate[0], translate[1], translate[2], 1.0],
    ]
}

/// A unit cube (position, normal) and its indices.
fn cube() -> (Vec<f32>, Vec<u32>) {
    let mut v = Vec::new();
    let mut i = Vec::new();
    let faces: [([f32; 3], [f32; 3], [f32; 3]); 6] = [
        ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]),
        ([-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
        ([0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]),
        ([0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
        ([0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        ([0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]),
    ];
    for (n, a, b) in faces {
        let base = (v.len() / 6) as u32;
        for (sa, sb) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
            for k in 0..3 {
                v.push(0.5 * (n[k] + sa * a[k] + sb * b[k]));
            }
            v.extend(n);
        }
        i.extend([base, base + 1, base + 2, base + 2, base + 3, base]);
    }
    (v, i)
}

struct Gpu {
    device: ash::Device,
    memory_type: u32,
}

impl Gpu {
    fn buffer(
        &self,
        data: &[u8],
        usage: vk::BufferUsageFlags,
    ) -> Result<(vk::Buffer, vk::DeviceMemory, *mut u8), vk::Result> {
        // SAFETY: plain Vulkan calls on a live device; the mapped pointer covers `data.len()`.
        unsafe {
            let buffer = self.device.create_buffer(
                &vk::BufferCreateInfo::default()
                    .size(data.len().max(4) as u64)
                    .usage(usage),
                None,
            )?;
            let req = self.device.get_buffer_memory_requirements(buffer);
            let memory = self.device.allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(req.size)
                    .memory_type_index(self.memory_type),
                None,
            )?;
            self.device.bind_buffer_memory(buffer, memory, 0)?;
            let ptr =
                self.device
                    .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())?
                    as *mut u8;
            std::ptr::copy_nonoverlapping(data.as_ptr(), ptr, data.len());
            Ok((buffer, memory, ptr))
        }
    }

    fn image(
        &self,
        format: vk::Format,
        usage: vk::ImageUsageFlags,
        aspect: vk::ImageAspectFlags,
        samples: vk::SampleCountFlags,
    ) -> Result<(vk::Image, vk::ImageView), vk::Result> {
        // SAFETY: plain Vulkan calls on a live device.
        unsafe {
            let image = self.device.create_image(
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
                    .samples(samples)
                    .tiling(vk::ImageTiling::OPTIMAL)
                    .usage(usage),
                None,
            )?;
            let req = self.device.get_image_memory_requirements(image);
            let memory = self.device.allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(req.size)
                    .memory_type_index(self.memory_type),
                None,
            )?;
            self.device.bind_image_memory(image, memory, 0)?;
            let view = self.device.create_image_view(
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
            )?;
            Ok((image, view))
        }
    }
}

fn words(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

pub fn run(output: &str) -> Result<(), String> {
    let manifest = manifest::write_temporary()?;
    manifest::select_only(&manifest);
    // SAFETY: loading the system's Vulkan loader, as every Vulkan program does.
    let entry =
        unsafe { ash::Entry::load() }.map_err(|e| format!("cannot load libvulkan.so.1: {e}"))?;
    render(&entry, output).map_err(|e| format!("Vulkan error: {e:?}"))
}

fn render(entry: &ash::Entry, output: &str) -> Result<(), vk::Result> {
    // SAFETY: every call below is a Vulkan call with valid arguments on objects created here.
    unsafe {
        let app = vk::ApplicationInfo::default()
            .application_name(c"pumice demo")
            .api_version(vk::API_VERSION_1_3);
        let instance = entry.create_instance(
            &vk::InstanceCreateInfo::default().application_info(&app),
            None,
        )?;
        let physical = *instance
            .enumerate_physical_devices()?
            .first()
            .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
        let props = instance.get_physical_device_properties(physical);
        let prio = [1.0];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(0)
            .queue_priorities(&prio)];
        let device = instance.create_device(
            physical,
            &vk::DeviceCreateInfo::default().queue_create_infos(&queues),
            None,
        )?;
        let queue = device.get_device_queue(0, 0);
        let mem = instance.get_physical_device_memory_properties(physical);
        let memory_type = (0..mem.memory_type_count)
            .find(|&i| {
                mem.memory_types[i as usize]
                    .property_flags
                    .contains(vk::MemoryPropertyFlags::HOST_VISIBLE)
            })
            .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
        let gpu = Gpu {
            device: device.clone(),
            memory_type,
        };

        // The multisampled attachments, and the single-sample image they resolve into.
        let (_ms_color, ms_color_view) = gpu.image(
            COLOR_FORMAT,
            vk::ImageUsageFlags::COLOR_ATTACHMENT,
            vk::ImageAspectFlags::COLOR,
            SAMPLES,
        )?;
        let (color, color_view) = gpu.image(
            COLOR_FORMAT,
            vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_SRC,
            vk::ImageAspectFlags::COLOR,
            vk::SampleCountFlags::TYPE_1,
        )?;
        let (_depth, depth_view) = gpu.image(
            DEPTH_FORMAT,
            vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
            vk::ImageAspectFlags::DEPTH,
            SAMPLES,
        )?;
        let (cube_v, cube_i) = cube();
        let vbytes: Vec<u8> = cube_v.iter().flat_map(|f| f.to_le_bytes()).collect();
        let ibytes: Vec<u8> = cube_i.iter().flat_map(|i| i.to_le_bytes()).collect();
        let (vb, _, _) = gpu.buffer(&vbytes, vk::BufferUsageFlags::VERTEX_BUFFER)?;
        let (ib, _, _) = gpu.buffer(&ibytes, vk::BufferUsageFlags::INDEX_BUFFER)?;
        let pixels = vec![0u8; (WIDTH * HEIGHT * 4) as usize];
        let (readback, _, readback_ptr) =
            gpu.buffer(&pixels, vk::BufferUsageFlags::TRANSFER_DST)?;

        let vs = device.create_shader_module(
            &vk::ShaderModuleCreateInfo::default().code(&words(VERT)),
            None,
        )?;
        let fs = device.create_shader_module(
            &vk::ShaderModuleCreateInfo::default().code(&words(FRAG)),
            None,
        )?;
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::VERTEX,
            offset: 0,
            size: 128,
        }];
        let layout = device.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges),
            None,
        )?;
        let make_pipeline = |blend: bool| -> Result<vk::Pipeline, vk::Result> {
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
                .cull_mode(if blend {
                    vk::CullModeFlags::NONE
                } else {
                    vk::CullModeFlags::BACK
                })
                .front_face(vk::FrontFace::COUNTER_CLOCKWISE)
                .line_width(1.0);
            let ms =
                vk::PipelineMultisampleStateCreateInfo::default().rasterization_samples(SAMPLES);
            let ds = vk::PipelineDepthStencilStateCreateInfo::default()
                .depth_test_enable(true)
                .depth_write_enable(!blend)
                .depth_compare_op(vk::CompareOp::LESS);
            let attachments = [vk::PipelineColorBlendAttachmentState::default()
                .blend_enable(blend)
                .src_color_blend_factor(vk::BlendFactor::SRC_ALPHA)
                .dst_color_blend_factor(vk::BlendFactor::ONE_MINUS_SRC_ALPHA)
                .color_blend_op(vk::BlendOp::ADD)
                .src_alpha_blend_factor(vk::BlendFactor::ONE)
                .dst_alpha_blend_factor(vk::BlendFactor::ONE_MINUS_SRC_ALPHA)
                .alpha_blend_op(vk::BlendOp::ADD)
                .color_write_mask(vk::ColorComponentFlags::RGBA)];
            let cb = vk::PipelineColorBlendStateCreateInfo::default().attachments(&attachments);
            let formats = [COLOR_FORMAT];
            let mut rendering = vk::PipelineRenderingCreateInfo::default()
                .color_attachment_formats(&formats)
                .depth_attachment_format(DEPTH_FORMAT);
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
            device
                .create_graphics_pipelines(vk::PipelineCache::null(), &[info], None)
                .map(|p| p[0])
                .map_err(|(_, e)| e)
        };
        let started = Instant::now();
        let opaque = make_pipeline(false)?;
        let translucent = make_pipeline(true)?;
        let pipeline_time = started.elapsed();

        // The scene: a floor, a ring of coloured boxes, and a glass box in front.
        let view_proj = mul(
            &perspective(0.9, WIDTH as f32 / HEIGHT as f32, 0.1, 50.0),
            &look_at([0.0, 3.2, 7.0], [0.0, 0.3, 0.0]),
        );
        let mut draws: Vec<(bool, Mat4, [f32; 4])> = vec![(
            false,
            model([0.0, -0.6, 0.0], [12.0, 0.2, 12.0], 0.0),
            [0.55, 0.55, 0.6, 1.0],
        )];
        for k in 0..8 {
            let a = k as f32 / 8.0 * std::f32::consts::TAU;
            let h = 0.6 + 0.5 * (k % 3) as f32;
            let hue = [
                (a.sin() * 0.5 + 0.5),
                (a.cos() * 0.5 + 0.5),
                ((a * 2.0).sin() * 0.4 + 0.5),
                1.0,
            ];
            draws.push((
                false,
                model(
                    [3.0 * a.cos(), h / 2.0 - 0.5, 3.0 * a.sin()],
                    [0.8, h, 0.8],
                    a,
                ),
                hue,
            ));
        }
        draws.push((
            true,
            model([0.3, 0.5, 2.3], [1.6, 1.6, 1.6], 0.6),
            [0.6, 0.8, 1.0, 0.4],
        ));

        let pool = device.create_command_pool(&vk::CommandPoolCreateInfo::default(), None)?;
        let cb = device.allocate_command_buffers(
            &vk::CommandBufferAllocateInfo::default()
                .command_pool(pool)
                .command_buffer_count(1),
        )?[0];
        device.begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())?;
        let color_att = [vk::RenderingAttachmentInfo::default()
            .image_view(ms_color_view)
            .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            .resolve_mode(vk::ResolveModeFlags::AVERAGE)
            .resolve_image_view(color_view)
            .resolve_image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::DONT_CARE)
            .clear_value(vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.08, 0.09, 0.13, 1.0],
                },
            })];
        let depth_att = vk::RenderingAttachmentInfo::default()
            .image_view(depth_view)
            .image_layout(vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::DONT_CARE)
            .clear_value(vk::ClearValue {
                depth_stencil: vk::ClearDepthStencilValue {
                    depth: 1.0,
                    stencil: 0,
                },
            });
        device.cmd_begin_rendering(
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
                .color_attachments(&color_att)
                .depth_attachment(&depth_att),
        );
        device.cmd_bind_vertex_buffers(cb, 0, &[vb], &[0]);
        device.cmd_bind_index_buffer(cb, ib, 0, vk::IndexType::UINT32);
        for (blend, m, c) in &draws {
            device.cmd_bind_pipeline(
                cb,
                vk::PipelineBindPoint::GRAPHICS,
                if *blend { translucent } else { opaque },
            );
            let mvp = mul(&view_proj, m);
            let mut push = Vec::with_capacity(128);
            for col in mvp.iter() {
                push.extend(col.iter().flat_map(|f| f.to_le_bytes()));
            }
            for k in 0..3 {
                push.extend(
                    [m[k][0], m[k][1], m[k][2], m[3][k]]
                        .iter()
                        .flat_map(|f| f.to_le_bytes()),
                );
            }
            push.extend(c.iter().flat_map(|f| f.to_le_bytes()));
            device.cmd_push_constants(cb, layout, vk::ShaderStageFlags::VERTEX, 0, &push);
            device.cmd_draw_indexed(cb, cube_i.len() as u32, 1, 0, 0, 0);
        }
        device.cmd_end_rendering(cb);
        device.cmd_copy_image_to_buffer(
            cb,
            color,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            readback,
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
        device.end_command_buffer(cb)?;

        let fence = device.create_fence(&vk::FenceCreateInfo::default(), None)?;
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            device.queue_submit(
                queue,
                &[vk::SubmitInfo::default().command_buffers(&[cb])],
                fence,
            )?;
            device.wait_for_fences(&[fence], true, u64::MAX)?;
            times.push(start.elapsed());
            device.reset_fences(&[fence])?;
        }
        times.sort();
        let pixels =
            std::slice::from_raw_parts(readback_ptr, (WIDTH * HEIGHT * 4) as usize).to_vec();
        write_png(output, &pixels).map_err(|_| vk::Result::ERROR_UNKNOWN)?;
        let name = props
            .device_name_as_c_str()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("Rendered {WIDTH}x{HEIGHT} with 4x MSAA: {} boxes (one translucent) with depth testing and blending, on {name}.", draws.len());
        println!(
            "Frame time: {:.1} ms (median of {}); both pipelines created in {:.2} ms.",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times.len(),
            pipeline_time.as_secs_f64() * 1e3
        );
        println!("Wrote {output}");
        device.device_wait_idle()?;
        device.destroy_device(None);
        instance.destroy_instance(None);
        Ok(())
    }
}

fn write_png(path: &str, rgba: &[u8]) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgba).map_err(|e| e.to_string())
}
