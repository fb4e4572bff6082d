//! Scenes as data, and one renderer that draws them through plain Vulkan on whichever device it
//! is given: Pumice (checking) or lavapipe (regenerating the references).
//!
//! A scene is a list of draws into one RGBA8 colour attachment (and, when asked, one
//! `D32_SFLOAT_S8_UINT` depth/stencil attachment), all in one dynamic-rendering pass that clears
//! at the start. Every vertex is `vec4 pos` (clip space) then `vec4 color`, 32 bytes. Viewport,
//! scissor, stencil reference and blend constants are dynamic state, so a scene's pipelines are
//! independent of its size.

use std::collections::HashMap;

use ash::vk;

pub const VERT: &str = r"#version 450
layout(location = 0) in vec4 pos;
layout(location = 1) in vec4 color;
layout(location = 0) out vec4 v;
void main() { gl_Position = pos; v = color; gl_PointSize = 1.0; }";

pub const FRAG: &str = r"#version 450
layout(location = 0) in vec4 v;
layout(location = 0) out vec4 o;
void main() { o = v; }";

/// The pipeline of one draw: shaders and fixed-function state.
#[derive(Clone, Debug)]
pub struct Pipe {
    pub vert: &'static str,
    pub frag: &'static str,
    pub topology: vk::PrimitiveTopology,
    pub restart: bool,
    pub polygon_mode: vk::PolygonMode,
    pub cull: vk::CullModeFlags,
    pub front_face: vk::FrontFace,
    /// Depth test `(compare, write)`; none: no depth test.
    pub depth: Option<(vk::CompareOp, bool)>,
    /// Stencil test, the same for both faces (the reference is the draw's).
    pub stencil: Option<vk::StencilOpState>,
    pub blend: vk::PipelineColorBlendAttachmentState,
}

impl Default for Pipe {
    fn default() -> Pipe {
        Pipe {
            vert: VERT,
            frag: FRAG,
            topology: vk::PrimitiveTopology::TRIANGLE_LIST,
            restart: false,
            polygon_mode: vk::PolygonMode::FILL,
            cull: vk::CullModeFlags::NONE,
            front_face: vk::FrontFace::COUNTER_CLOCKWISE,
            depth: None,
            stencil: None,
            blend: vk::PipelineColorBlendAttachmentState::default()
                .color_write_mask(vk::ColorComponentFlags::RGBA),
        }
    }
}

impl Pipe {
    pub fn topology(topology: vk::PrimitiveTopology) -> Pipe {
        Pipe {
            topology,
            ..Pipe::default()
        }
    }

    /// Blending with `op` and the same factors for colour and alpha.
    pub fn blend(src: vk::BlendFactor, dst: vk::BlendFactor, op: vk::BlendOp) -> Pipe {
        Pipe {
            blend: vk::PipelineColorBlendAttachmentState::default()
                .blend_enable(true)
                .src_color_blend_factor(src)
                .dst_color_blend_factor(dst)
                .color_blend_op(op)
                .src_alpha_blend_factor(src)
                .dst_alpha_blend_factor(dst)
                .alpha_blend_op(op)
                .color_write_mask(vk::ColorComponentFlags::RGBA),
            ..Pipe::default()
        }
    }
}

pub struct Draw {
    pub pipe: Pipe,
    pub verts: Vec<f32>,
    pub indices: Option<Vec<u32>>,
    pub stencil_ref: u32,
}

/// How far Pumice's image may be from the reference: `channel` per component, and at most
/// `pixels` pixels beyond that (each scene that allows any says why).
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    pub channel: u8,
    pub pixels: usize,
    pub why: &'static str,
}

pub struct Scene {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub depth_stencil: bool,
    /// Samples per pixel (1 or 4); with 4, the colour attachment is multisampled and resolved
    /// (`AVERAGE`) into the single-sampled image that is read back.
    pub samples: u32,
    pub clear: [f32; 4],
    pub blend_constants: [f32; 4],
    pub draws: Vec<Draw>,
    pub tolerance: Tolerance,
    /// A property every pixel must have, checked on both drivers' images.
    pub invariant: Option<(&'static str, fn([u8; 4]) -> bool)>,
}

/// Components of an RGBA8 colour may differ by this much (the conversion of an interpolated
/// float to 8 bits may round the other way when the two drivers' values differ in the last bits).
pub const CHANNEL: u8 = 2;

impl Scene {
    /// An empty `width`×`height` scene cleared to opaque black.
    pub fn new(name: &'static str, width: u32, height: u32) -> Scene {
        Scene {
            name,
            width,
            height,
            depth_stencil: false,
            samples: 1,
            clear: [0.0, 0.0, 0.0, 1.0],
            blend_constants: [0.0; 4],
            draws: Vec::new(),
            tolerance: Tolerance {
                channel: CHANNEL,
                pixels: 0,
                why: "",
            },
            invariant: None,
        }
    }

    /// With a depth/stencil attachment cleared to depth 1, stencil 0.
    pub fn depth_stencil(mut self) -> Scene {
        self.depth_stencil = true;
        self
    }

    /// Rendered with 4 samples per pixel and resolved.
    pub fn multisampled(mut self) -> Scene {
        self.samples = 4;
        self
    }

    pub fn clear(mut self, clear: [f32; 4]) -> Scene {
        self.clear = clear;
        self
    }

    pub fn draw(self, pipe: Pipe, verts: Vec<f32>) -> Scene {
        self.stencil_draw(pipe, verts, 0)
    }

    pub fn stencil_draw(mut self, pipe: Pipe, verts: Vec<f32>, stencil_ref: u32) -> Scene {
        self.draws.push(Draw {
            pipe,
            verts,
            indices: None,
            stencil_ref,
        });
        self
    }

    pub fn indexed(mut self, pipe: Pipe, verts: Vec<f32>, indices: Vec<u32>) -> Scene {
        self.draws.push(Draw {
            pipe,
            verts,
            indices: Some(indices),
            stencil_ref: 0,
        });
        self
    }

    /// Requires `holds` of every pixel, on both drivers.
    pub fn invariant(mut self, what: &'static str, holds: fn([u8; 4]) -> bool) -> Scene {
        self.invariant = Some((what, holds));
        self
    }

    /// Checks the invariant on `rgba`, naming the first pixel that breaks it.
    pub fn check_invariant(&self, rgba: &[u8]) -> Result<(), String> {
        let Some((what, holds)) = self.invariant else {
            return Ok(());
        };
        match rgba
            .chunks(4)
            .position(|p| !holds([p[0], p[1], p[2], p[3]]))
        {
            None => Ok(()),
            Some(i) => Err(format!(
                "{}: not {what}: pixel ({}, {}) is {:?}",
                self.name,
                i as u32 % self.width,
                i as u32 / self.width,
                &rgba[i * 4..i * 4 + 4]
            )),
        }
    }

    /// Allows `pixels` pixels beyond the channel tolerance, for the reason `why`.
    pub fn tolerate(mut self, pixels: usize, why: &'static str) -> Scene {
        self.tolerance.pixels = pixels;
        self.tolerance.why = why;
        self
    }
}

/// One vertex: clip-space position and colour.
pub fn vtx(x: f32, y: f32, z: f32, c: [f32; 4]) -> [f32; 8] {
    [x, y, z, 1.0, c[0], c[1], c[2], c[3]]
}

/// Two triangles covering the NDC rectangle `(x0, y0)`–`(x1, y1)` at depth `z`.
pub fn rect(x0: f32, y0: f32, x1: f32, y1: f32, z: f32, c: [f32; 4]) -> Vec<f32> {
    [(x0, y0), (x1, y0), (x1, y1), (x1, y1), (x0, y1), (x0, y0)]
        .iter()
        .flat_map(|&(x, y)| vtx(x, y, z, c))
        .collect()
}

/// The NDC rectangle of cell `(col, row)` of a `cols`×`rows` grid over the whole target.
pub fn cell(col: u32, row: u32, cols: u32, rows: u32) -> (f32, f32, f32, f32) {
    let x = |c: u32| c as f32 / cols as f32 * 2.0 - 1.0;
    let y = |r: u32| r as f32 / rows as f32 * 2.0 - 1.0;
    (x(col), y(row), x(col + 1), y(row + 1))
}

/// A device of one driver with everything the scenes use enabled.
pub struct Dev {
    pub name: String,
    _entry: ash::Entry,
    instance: ash::Instance,
    device: ash::Device,
    queue: vk::Queue,
    pool: vk::CommandPool,
    memory: vk::PhysicalDeviceMemoryProperties,
}

impl Dev {
    /// The first device of `entry` whose name contains `name`.
    pub fn open(entry: ash::Entry, name: &str) -> Dev {
        let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_3);
        unsafe {
            let instance = entry
                .create_instance(
                    &vk::InstanceCreateInfo::default().application_info(&app),
                    None,
                )
                .expect("create instance");
            let (physical, full_name) = instance
                .enumerate_physical_devices()
                .unwrap()
                .into_iter()
                .map(|pd| {
                    let props = instance.get_physical_device_properties(pd);
                    let n = props.device_name_as_c_str().unwrap().to_string_lossy();
                    (pd, n.into_owned())
                })
                .find(|(_, n)| n.contains(name))
                .unwrap_or_else(|| panic!("no Vulkan device named like {name:?}"));
            let prio = [1.0];
            let queues = [vk::DeviceQueueCreateInfo::default()
                .queue_family_index(0)
                .queue_priorities(&prio)];
            let features = vk::PhysicalDeviceFeatures::default()
                .fill_mode_non_solid(true)
                .large_points(true);
            let mut v13 = vk::PhysicalDeviceVulkan13Features::default().dynamic_rendering(true);
            let device = instance
                .create_device(
                    physical,
                    &vk::DeviceCreateInfo::default()
                        .queue_create_infos(&queues)
                        .enabled_features(&features)
                        .push_next(&mut v13),
                    None,
                )
                .expect("create device");
            let queue = device.get_device_queue(0, 0);
            let pool = device
                .create_command_pool(&vk::CommandPoolCreateInfo::default(), None)
                .unwrap();
            let memory = instance.get_physical_device_memory_properties(physical);
            Dev {
                name: full_name,
                _entry: entry,
                instance,
                device,
                queue,
                pool,
                memory,
            }
        }
    }

    /// Memory for `req`, host-visible when `host` (mapped then).
    fn memory(&self, req: vk::MemoryRequirements, host: bool) -> (vk::DeviceMemory, *mut u8) {
        let wanted = if host {
            vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT
        } else {
            vk::MemoryPropertyFlags::empty()
        };
        let index = (0..self.memory.memory_type_count)
            .find(|&i| {
                req.memory_type_bits & (1 << i) != 0
                    && self.memory.memory_types[i as usize]
                        .property_flags
                        .contains(wanted)
            })
            .expect("a memory type");
        unsafe {
            let memory = self
                .device
                .allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(req.size)
                        .memory_type_index(index),
                    None,
                )
                .unwrap();
            let ptr = if host {
                self.device
                    .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
                    .unwrap() as *mut u8
            } else {
                std::ptr::null_mut()
            };
            (memory, ptr)
        }
    }

    fn buffer(
        &self,
        bytes: &[u8],
        usage: vk::BufferUsageFlags,
    ) -> (vk::Buffer, vk::DeviceMemory, *mut u8) {
        unsafe {
            let buffer = self
                .device
                .create_buffer(
                    &vk::BufferCreateInfo::default()
                        .size(bytes.len().max(4) as u64)
                        .usage(usage),
                    None,
                )
                .unwrap();
            let (memory, ptr) =
                self.memory(self.device.get_buffer_memory_requirements(buffer), true);
            self.device.bind_buffer_memory(buffer, memory, 0).unwrap();
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
            (buffer, memory, ptr)
        }
    }

    fn image(
        &self,
        format: vk::Format,
        (width, height): (u32, u32),
        samples: u32,
        usage: vk::ImageUsageFlags,
        aspect: vk::ImageAspectFlags,
    ) -> (vk::Image, vk::DeviceMemory, vk::ImageView) {
        unsafe {
            let image = self
                .device
                .create_image(
                    &vk::ImageCreateInfo::default()
                        .image_type(vk::ImageType::TYPE_2D)
                        .format(format)
                        .extent(vk::Extent3D {
                            width,
                            height,
                            depth: 1,
                        })
                        .mip_levels(1)
                        .array_layers(1)
                        .samples(vk::SampleCountFlags::from_raw(samples))
                        .tiling(vk::ImageTiling::OPTIMAL)
                        .usage(usage),
                    None,
                )
                .unwrap();
            let (memory, _) = self.memory(self.device.get_image_memory_requirements(image), false);
            self.device.bind_image_memory(image, memory, 0).unwrap();
            let view = self
                .device
                .create_image_view(
                    &vk::ImageViewCreateInfo::default()
                        .image(image)
                        .view_type(vk::ImageViewType::TYPE_2D)
                        .format(format)
                        .subresource_range(range(aspect)),
                    None,
                )
                .unwrap();
            (image, memory, view)
        }
    }

    fn pipeline(
        &self,
        pipe: &Pipe,
        layout: vk::PipelineLayout,
        depth_stencil: bool,
        samples: u32,
        modules: &mut HashMap<(&'static str, &'static str), vk::ShaderModule>,
    ) -> vk::Pipeline {
        let d = &self.device;
        let mut module = |stage: &'static str, src: &'static str| {
            *modules.entry((stage, src)).or_insert_with(|| unsafe {
                d.create_shader_module(
                    &vk::ShaderModuleCreateInfo::default().code(&crate::gpus::glsl(stage, src)),
                    None,
                )
                .unwrap()
            })
        };
        let stages = [
            vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::VERTEX)
                .module(module("vert", pipe.vert))
                .name(c"main"),
            vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::FRAGMENT)
                .module(module("frag", pipe.frag))
                .name(c"main"),
        ];
        let bindings = [vk::VertexInputBindingDescription {
            binding: 0,
            stride: 32,
            input_rate: vk::VertexInputRate::VERTEX,
        }];
        let attributes = [0, 1].map(|location| vk::VertexInputAttributeDescription {
            location,
            binding: 0,
            format: vk::Format::R32G32B32A32_SFLOAT,
            offset: 16 * location,
        });
        let vi = vk::PipelineVertexInputStateCreateInfo::default()
            .vertex_binding_descriptions(&bindings)
            .vertex_attribute_descriptions(&attributes);
        let ia = vk::PipelineInputAssemblyStateCreateInfo::default()
            .topology(pipe.topology)
            .primitive_restart_enable(pipe.restart);
        let vp = vk::PipelineViewportStateCreateInfo::default()
            .viewport_count(1)
            .scissor_count(1);
        let rs = vk::PipelineRasterizationStateCreateInfo::default()
            .polygon_mode(pipe.polygon_mode)
            .cull_mode(pipe.cull)
            .front_face(pipe.front_face)
            .line_width(1.0);
        let ms = vk::PipelineMultisampleStateCreateInfo::default()
            .rasterization_samples(vk::SampleCountFlags::from_raw(samples));
        let (depth_op, depth_write) = pipe.depth.unwrap_or((vk::CompareOp::ALWAYS, false));
        let stencil = pipe.stencil.unwrap_or_default();
        let ds = vk::PipelineDepthStencilStateCreateInfo::default()
            .depth_test_enable(pipe.depth.is_some())
            .depth_write_enable(depth_write)
            .depth_compare_op(depth_op)
            .stencil_test_enable(pipe.stencil.is_some())
            .front(stencil)
            .back(stencil);
        let attachments = [pipe.blend];
        let cb = vk::PipelineColorBlendStateCreateInfo::default().attachments(&attachments);
        let formats = [vk::Format::R8G8B8A8_UNORM];
        let ds_format = if depth_stencil {
            vk::Format::D32_SFLOAT_S8_UINT
        } else {
            vk::Format::UNDEFINED
        };
        let mut rendering = vk::PipelineRenderingCreateInfo::default()
            .color_attachment_formats(&formats)
            .depth_attachment_format(ds_format)
            .stencil_attachment_format(ds_format);
        let dynamic_states = [
            vk::DynamicState::VIEWPORT,
            vk::DynamicState::SCISSOR,
            vk::DynamicState::STENCIL_REFERENCE,
            vk::DynamicState::BLEND_CONSTANTS,
        ];
        let dynamic = vk::PipelineDynamicStateCreateInfo::default().dynamic_states(&dynamic_states);
        let info = vk::GraphicsPipelineCreateInfo::default()
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
            .push_next(&mut rendering);
        unsafe { d.create_graphics_pipelines(vk::PipelineCache::null(), &[info], None) }
            .unwrap_or_else(|e| panic!("pipeline {pipe:?}: {e:?}"))[0]
    }

    /// Draws `scene`; returns its RGBA8 pixels, row by row.
    pub fn render(&self, scene: &Scene) -> Vec<u8> {
        let d = &self.device;
        let size = (scene.width, scene.height);
        let extent = vk::Extent2D {
            width: scene.width,
            height: scene.height,
        };
        // `color` is what is read back: the resolve target when multisampled.
        let color = self.image(
            vk::Format::R8G8B8A8_UNORM,
            size,
            1,
            vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_SRC,
            vk::ImageAspectFlags::COLOR,
        );
        let multisampled = (scene.samples > 1).then(|| {
            self.image(
                vk::Format::R8G8B8A8_UNORM,
                size,
                scene.samples,
                vk::ImageUsageFlags::COLOR_ATTACHMENT,
                vk::ImageAspectFlags::COLOR,
            )
        });
        let ds_aspect = vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL;
        let ds = scene.depth_stencil.then(|| {
            self.image(
                vk::Format::D32_SFLOAT_S8_UINT,
                size,
                scene.samples,
                vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
                ds_aspect,
            )
        });
        // All draws' vertices in one buffer, all their indices in another.
        let mut verts: Vec<u8> = Vec::new();
        let mut indices: Vec<u8> = Vec::new();
        let mut ranges = Vec::new();
        for draw in &scene.draws {
            assert_eq!(
                draw.verts.len() % 8,
                0,
                "{}: 8 floats per vertex",
                scene.name
            );
            let first_vertex = (verts.len() / 32) as i32;
            let first_index = (indices.len() / 4) as u32;
            verts.extend(draw.verts.iter().flat_map(|f| f.to_le_bytes()));
            let count = match &draw.indices {
                Some(ix) => {
                    indices.extend(ix.iter().flat_map(|i| i.to_le_bytes()));
                    ix.len() as u32
                }
                None => (draw.verts.len() / 8) as u32,
            };
            ranges.push((first_vertex, first_index, count));
        }
        let vb = self.buffer(&verts, vk::BufferUsageFlags::VERTEX_BUFFER);
        let ib = self.buffer(&indices, vk::BufferUsageFlags::INDEX_BUFFER);
        let out_len = (scene.width * scene.height * 4) as usize;
        let out = self.buffer(&vec![0; out_len], vk::BufferUsageFlags::TRANSFER_DST);
        let layout = unsafe {
            d.create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default(), None)
                .unwrap()
        };
        let mut modules = HashMap::new();
        let mut pipelines: HashMap<String, vk::Pipeline> = HashMap::new();
        let draw_pipelines: Vec<vk::Pipeline> = scene
            .draws
            .iter()
            .map(|draw| {
                *pipelines
                    .entry(format!("{:?}", draw.pipe))
                    .or_insert_with(|| {
                        self.pipeline(
                            &draw.pipe,
                            layout,
                            scene.depth_stencil,
                            scene.samples,
                            &mut modules,
                        )
                    })
            })
            .collect();
        unsafe {
            let cb = d
                .allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default()
                        .command_pool(self.pool)
                        .command_buffer_count(1),
                )
                .unwrap()[0];
            d.begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
                .unwrap();
            let mut barriers = vec![barrier(
                color.0,
                vk::ImageAspectFlags::COLOR,
                vk::ImageLayout::UNDEFINED,
                vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
            )];
            if let Some(ms) = &multisampled {
                barriers.push(barrier(
                    ms.0,
                    vk::ImageAspectFlags::COLOR,
                    vk::ImageLayout::UNDEFINED,
                    vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
                ));
            }
            if let Some(ds) = &ds {
                barriers.push(barrier(
                    ds.0,
                    ds_aspect,
                    vk::ImageLayout::UNDEFINED,
                    vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
                ));
            }
            d.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::TOP_OF_PIPE,
                vk::PipelineStageFlags::ALL_GRAPHICS,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &barriers,
            );
            let mut color_att = [vk::RenderingAttachmentInfo::default()
                .image_view(color.2)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    color: vk::ClearColorValue {
                        float32: scene.clear,
                    },
                })];
            if let Some(ms) = &multisampled {
                color_att[0] = color_att[0]
                    .image_view(ms.2)
                    .resolve_mode(vk::ResolveModeFlags::AVERAGE)
                    .resolve_image_view(color.2)
                    .resolve_image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL);
            }
            let ds_att = vk::RenderingAttachmentInfo::default()
                .image_view(ds.as_ref().map_or(vk::ImageView::null(), |ds| ds.2))
                .image_layout(vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: 1.0,
                        stencil: 0,
                    },
                });
            let area = vk::Rect2D {
                offset: vk::Offset2D::default(),
                extent,
            };
            let mut info = vk::RenderingInfo::default()
                .render_area(area)
                .layer_count(1)
                .color_attachments(&color_att);
            if ds.is_some() {
                info = info.depth_attachment(&ds_att).stencil_attachment(&ds_att);
            }
            d.cmd_begin_rendering(cb, &info);
            d.cmd_set_viewport(
                cb,
                0,
                &[vk::Viewport {
                    x: 0.0,
                    y: 0.0,
                    width: scene.width as f32,
                    height: scene.height as f32,
                    min_depth: 0.0,
                    max_depth: 1.0,
                }],
            );
            d.cmd_set_scissor(cb, 0, &[area]);
            d.cmd_set_blend_constants(cb, &scene.blend_constants);
            d.cmd_bind_vertex_buffers(cb, 0, &[vb.0], &[0]);
            d.cmd_bind_index_buffer(cb, ib.0, 0, vk::IndexType::UINT32);
            let mut bound = vk::Pipeline::null();
            for ((draw, &pipeline), &(first_vertex, first_index, count)) in
                scene.draws.iter().zip(&draw_pipelines).zip(&ranges)
            {
                if pipeline != bound {
                    d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipeline);
                    bound = pipeline;
                }
                d.cmd_set_stencil_reference(
                    cb,
                    vk::StencilFaceFlags::FRONT_AND_BACK,
                    draw.stencil_ref,
                );
                if draw.indices.is_some() {
                    d.cmd_draw_indexed(cb, count, 1, first_index, first_vertex, 0);
                } else {
                    d.cmd_draw(cb, count, 1, first_vertex as u32, 0);
                }
            }
            d.cmd_end_rendering(cb);
            d.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
                vk::PipelineStageFlags::TRANSFER,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &[barrier(
                    color.0,
                    vk::ImageAspectFlags::COLOR,
                    vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
                    vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                )],
            );
            d.cmd_copy_image_to_buffer(
                cb,
                color.0,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                out.0,
                &[vk::BufferImageCopy {
                    image_subresource: vk::ImageSubresourceLayers {
                        aspect_mask: vk::ImageAspectFlags::COLOR,
                        mip_level: 0,
                        base_array_layer: 0,
                        layer_count: 1,
                    },
                    image_extent: vk::Extent3D {
                        width: scene.width,
                        height: scene.height,
                        depth: 1,
                    },
                    ..Default::default()
                }],
            );
            d.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::TRANSFER,
                vk::PipelineStageFlags::HOST,
                vk::DependencyFlags::empty(),
                &[vk::MemoryBarrier::default()
                    .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
                    .dst_access_mask(vk::AccessFlags::HOST_READ)],
                &[],
                &[],
            );
            d.end_command_buffer(cb).unwrap();
            let fence = d
                .create_fence(&vk::FenceCreateInfo::default(), None)
                .unwrap();
            d.queue_submit(
                self.queue,
                &[vk::SubmitInfo::default().command_buffers(&[cb])],
                fence,
            )
            .unwrap();
            d.wait_for_fences(&[fence], true, 60_000_000_000)
                .expect("the scene renders within a minute");
            let pixels = std::slice::from_raw_parts(out.2, out_len).to_vec();
            d.destroy_fence(fence, None);
            d.free_command_buffers(self.pool, &[cb]);
            for p in pipelines.into_values() {
                d.destroy_pipeline(p, None);
            }
            for m in modules.into_values() {
                d.destroy_shader_module(m, None);
            }
            d.destroy_pipeline_layout(layout, None);
            for (buffer, memory, _) in [vb, ib, out] {
                d.destroy_buffer(buffer, None);
                d.free_memory(memory, None);
            }
            for (image, memory, view) in std::iter::once(color).chain(multisampled).chain(ds) {
                d.destroy_image_view(view, None);
                d.destroy_image(image, None);
                d.free_memory(memory, None);
            }
            pixels
        }
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        unsafe {
            let _ = self.device.device_wait_idle();
            self.device.destroy_command_pool(self.pool, None);
            self.device.destroy_device(None);
            self.instance.destroy_instance(None);
        }
    }
}

fn range(aspect: vk::ImageAspectFlags) -> vk::ImageSubresourceRange {
    vk::ImageSubresourceRange {
        aspect_mask: aspect,
        base_mip_level: 0,
        level_count: 1,
        base_array_layer: 0,
        layer_count: 1,
    }
}

fn barrier(
    image: vk::Image,
    aspect: vk::ImageAspectFlags,
    old: vk::ImageLayout,
    new: vk::ImageLayout,
) -> vk::ImageMemoryBarrier<'static> {
    vk::ImageMemoryBarrier::default()
        .image(image)
        .subresource_range(range(aspect))
        .old_layout(old)
        .new_layout(new)
        .src_access_mask(vk::AccessFlags::MEMORY_WRITE)
        .dst_access_mask(vk::AccessFlags::MEMORY_READ | vk::AccessFlags::MEMORY_WRITE)
}
