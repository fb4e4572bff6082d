//! Executes a parsed script on a Vulkan driver through the system loader.
//!
//! Like Amber, every script buffer has a host copy that is the truth between commands: before a
//! `RUN` (or `CLEAR`) the host copies of everything the pipeline uses are written into Vulkan
//! buffers and images, and read back afterwards. So pipelines that share a buffer see each
//! other's results, and `EXPECT`, `COPY` and VkScript's `subdata` work on host memory.

use std::collections::HashMap;
use std::path::Path;

use ash::vk;

use crate::compile;
use crate::corpus::Language;
use crate::device::{Context, Unmet};
use crate::expect::{self, View};
use crate::format::{vertex_format, DataType, Scalar};
use crate::script::*;

/// The verdict on one script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail(String),
    Skip(String),
}

/// Build options the CTS passes for some folders.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The target environment for shaders that name none (e.g. `vulkan1.1spv1.4`).
    pub default_target_env: Option<String>,
}

impl Options {
    /// The CTS's options for a script at `path` (relative to the corpus).
    pub fn for_path(path: &str) -> Options {
        let spv14 = [
            "spirv_assembly/instruction/spirv1p4/",
            "spirv_assembly/instruction/compute/ptr_access_chain/",
            "compute/workgroup_memory_explicit_layout/",
        ];
        let default_target_env = if spv14.iter().any(|p| path.contains(p)) {
            Some("vulkan1.1spv1.4".into())
        } else if path.contains("terminate_invocation/subgroup_ballot")
            || path.contains("terminate_invocation/subgroup_vote")
        {
            Some("spv1.3".into())
        } else {
            None
        };
        Options { default_target_env }
    }
}

/// Runs the script at `path`.
pub fn run_file(path: &Path, opts: &Options) -> Verdict {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return Verdict::Fail(format!("cannot read script: {e}")),
    };
    let req = scan_requirements(&text);
    let ctx = match Context::new(&req) {
        Ok(c) => c,
        Err(Unmet::Missing(m)) => return Verdict::Skip(format!("missing {m}")),
        Err(Unmet::Error(e)) => return Verdict::Fail(e),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let script = match parse(&text, dir) {
        Ok(s) => s,
        Err(e) if e.message.starts_with("unsupported:") => return Verdict::Fail(e.message),
        Err(e) => return Verdict::Fail(format!("parse error: {e}")),
    };
    let mut exec = match Exec::new(&ctx, &script, opts) {
        Ok(e) => e,
        Err(e) => return Verdict::Fail(e),
    };
    let r = exec.run_commands(&script.commands);
    drop(exec);
    match r {
        Ok(()) => Verdict::Pass,
        Err(e) => Verdict::Fail(e),
    }
}

type R<T> = Result<T, String>;

fn vkerr(what: &'static str) -> impl Fn(vk::Result) -> String {
    move |e| format!("{what}: {e}")
}

/// A host-visible buffer, mapped for its lifetime.
#[derive(Clone, Copy)]
struct GpuBuffer {
    buffer: vk::Buffer,
    /// Owned with the buffer (freed with the device at the end of the script).
    #[allow(dead_code)]
    memory: vk::DeviceMemory,
    size: u64,
    ptr: *mut u8,
}

struct GpuImage {
    /// Samples per texel: a multisampled image is never copied to or from its staging buffer.
    samples: u32,
    /// Whether the image has not been through a submission yet (its layout is undefined).
    fresh: bool,
    image: vk::Image,
    view: vk::ImageView,
    format: vk::Format,
    extent: (u32, u32, u32),
    aspect: vk::ImageAspectFlags,
    staging: GpuBuffer,
    /// Bytes per texel of the depth plane (depth/stencil formats) or of the texel.
    texel: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct VariantKey {
    topology: Topology,
    generated: bool,
}

struct PipelineRes {
    layout: vk::PipelineLayout,
    sets: Vec<vk::DescriptorSet>,
    compute: Option<vk::Pipeline>,
    render_pass: vk::RenderPass,
    framebuffer: vk::Framebuffer,
    /// The render area: the framebuffer size, clamped to the attachments.
    extent: (u32, u32),
    variants: HashMap<VariantKey, vk::Pipeline>,
}

enum Obj {
    Buffer(vk::Buffer),
    Memory(vk::DeviceMemory),
    Image(vk::Image),
    View(vk::ImageView),
    BufferView(vk::BufferView),
    Sampler(vk::Sampler),
    Module(vk::ShaderModule),
    SetLayout(vk::DescriptorSetLayout),
    Layout(vk::PipelineLayout),
    Pool(vk::DescriptorPool),
    Pipeline(vk::Pipeline),
    RenderPass(vk::RenderPass),
    Framebuffer(vk::Framebuffer),
    CommandPool(vk::CommandPool),
}

const PASSTHROUGH: &str = "#version 430\nlayout(location = 0) in vec4 position;\nvoid main() { gl_Position = position; }\n";

struct Exec<'a> {
    ctx: &'a Context,
    d: &'a ash::Device,
    s: &'a Script,
    opts: &'a Options,
    /// Host copies of every buffer.
    data: Vec<Vec<u8>>,
    extent: Vec<Option<(u32, u32, u32)>>,
    image_usage: Vec<vk::ImageUsageFlags>,
    gpu_buffers: Vec<Option<GpuBuffer>>,
    gpu_images: Vec<Option<GpuImage>>,
    samplers: Vec<Option<vk::Sampler>>,
    modules: Vec<Option<vk::ShaderModule>>,
    pipelines: Vec<Option<PipelineRes>>,
    clear_color: Vec<[f32; 4]>,
    clear_depth: Vec<f32>,
    clear_stencil: Vec<u32>,
    pool: vk::CommandPool,
    objects: Vec<Obj>,
}

impl Drop for Exec<'_> {
    fn drop(&mut self) {
        // SAFETY: the device is idle and every object here was made by this executor.
        unsafe {
            let _ = self.d.device_wait_idle();
            for o in self.objects.drain(..).rev() {
                match o {
                    Obj::Buffer(x) => self.d.destroy_buffer(x, None),
                    Obj::Memory(x) => self.d.free_memory(x, None),
                    Obj::Image(x) => self.d.destroy_image(x, None),
                    Obj::View(x) => self.d.destroy_image_view(x, None),
                    Obj::BufferView(x) => self.d.destroy_buffer_view(x, None),
                    Obj::Sampler(x) => self.d.destroy_sampler(x, None),
                    Obj::Module(x) => self.d.destroy_shader_module(x, None),
                    Obj::SetLayout(x) => self.d.destroy_descriptor_set_layout(x, None),
                    Obj::Layout(x) => self.d.destroy_pipeline_layout(x, None),
                    Obj::Pool(x) => self.d.destroy_descriptor_pool(x, None),
                    Obj::Pipeline(x) => self.d.destroy_pipeline(x, None),
                    Obj::RenderPass(x) => self.d.destroy_render_pass(x, None),
                    Obj::Framebuffer(x) => self.d.destroy_framebuffer(x, None),
                    Obj::CommandPool(x) => self.d.destroy_command_pool(x, None),
                }
            }
        }
    }
}

fn initial_data(b: &BufferDecl) -> Vec<u8> {
    let per = b.ty.values_per_element().max(1);
    let count = b.size.unwrap_or(0) as usize;
    let float = b.ty.scalar().is_float();
    let values: Vec<Number> = match &b.init {
        Initializer::None => Vec::new(),
        Initializer::Fill(v) => vec![*v; count * per],
        Initializer::Series { from, inc } => (0..count * per)
            .map(|i| {
                if float {
                    Number::Float(from.as_f64() + inc.as_f64() * i as f64)
                } else {
                    Number::Int(from.as_i128() + inc.as_i128() * i as i128)
                }
            })
            .collect(),
        Initializer::Data(v) => v.clone(),
    };
    let mut out = b.ty.encode(&values);
    let want = count * b.ty.element_size();
    if out.len() < want {
        out.resize(want, 0);
    }
    out
}

fn is_image_kind(k: DescriptorKind) -> bool {
    matches!(
        k,
        DescriptorKind::StorageImage
            | DescriptorKind::SampledImage
            | DescriptorKind::CombinedImageSampler
    )
}

fn descriptor_type(k: DescriptorKind) -> vk::DescriptorType {
    match k {
        DescriptorKind::Storage => vk::DescriptorType::STORAGE_BUFFER,
        DescriptorKind::Uniform => vk::DescriptorType::UNIFORM_BUFFER,
        DescriptorKind::StorageDynamic => vk::DescriptorType::STORAGE_BUFFER_DYNAMIC,
        DescriptorKind::UniformDynamic => vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC,
        DescriptorKind::StorageImage => vk::DescriptorType::STORAGE_IMAGE,
        DescriptorKind::SampledImage => vk::DescriptorType::SAMPLED_IMAGE,
        DescriptorKind::CombinedImageSampler => vk::DescriptorType::COMBINED_IMAGE_SAMPLER,
        DescriptorKind::UniformTexelBuffer => vk::DescriptorType::UNIFORM_TEXEL_BUFFER,
        DescriptorKind::StorageTexelBuffer => vk::DescriptorType::STORAGE_TEXEL_BUFFER,
        DescriptorKind::Sampler => vk::DescriptorType::SAMPLER,
    }
}

fn stage_flag(s: Stage) -> vk::ShaderStageFlags {
    match s {
        Stage::Vertex => vk::ShaderStageFlags::VERTEX,
        Stage::Fragment => vk::ShaderStageFlags::FRAGMENT,
        Stage::Geometry => vk::ShaderStageFlags::GEOMETRY,
        Stage::TessControl => vk::ShaderStageFlags::TESSELLATION_CONTROL,
        Stage::TessEval => vk::ShaderStageFlags::TESSELLATION_EVALUATION,
        Stage::Compute => vk::ShaderStageFlags::COMPUTE,
    }
}

fn glslang_stage(s: Stage) -> &'static str {
    match s {
        Stage::Vertex => "vert",
        Stage::Fragment => "frag",
        Stage::Geometry => "geom",
        Stage::TessControl => "tesc",
        Stage::TessEval => "tese",
        Stage::Compute => "comp",
    }
}

fn compare_op(c: CompareOp) -> vk::CompareOp {
    match c {
        CompareOp::Never => vk::CompareOp::NEVER,
        CompareOp::Less => vk::CompareOp::LESS,
        CompareOp::Equal => vk::CompareOp::EQUAL,
        CompareOp::LessOrEqual => vk::CompareOp::LESS_OR_EQUAL,
        CompareOp::Greater => vk::CompareOp::GREATER,
        CompareOp::NotEqual => vk::CompareOp::NOT_EQUAL,
        CompareOp::GreaterOrEqual => vk::CompareOp::GREATER_OR_EQUAL,
        CompareOp::Always => vk::CompareOp::ALWAYS,
    }
}

fn vk_topology(t: Topology) -> vk::PrimitiveTopology {
    use vk::PrimitiveTopology as P;
    match t {
        Topology::PointList => P::POINT_LIST,
        Topology::LineList => P::LINE_LIST,
        Topology::LineListWithAdjacency => P::LINE_LIST_WITH_ADJACENCY,
        Topology::LineStrip => P::LINE_STRIP,
        Topology::LineStripWithAdjacency => P::LINE_STRIP_WITH_ADJACENCY,
        Topology::TriangleList => P::TRIANGLE_LIST,
        Topology::TriangleListWithAdjacency => P::TRIANGLE_LIST_WITH_ADJACENCY,
        Topology::TriangleStrip => P::TRIANGLE_STRIP,
        Topology::TriangleStripWithAdjacency => P::TRIANGLE_STRIP_WITH_ADJACENCY,
        Topology::TriangleFan => P::TRIANGLE_FAN,
        Topology::PatchList => P::PATCH_LIST,
    }
}

impl<'a> Exec<'a> {
    fn new(ctx: &'a Context, s: &'a Script, opts: &'a Options) -> R<Exec<'a>> {
        let d = &ctx.device;
        let n = s.buffers.len();
        let mut extent: Vec<Option<(u32, u32, u32)>> = s
            .buffers
            .iter()
            .map(|b| b.image.as_ref().map(|i| (i.width, i.height, i.depth)))
            .collect();
        let mut image_usage = vec![vk::ImageUsageFlags::empty(); n];
        for p in &s.pipelines {
            let fb = (p.framebuffer.0, p.framebuffer.1, 1);
            for &(b, _, _) in &p.color {
                extent[b].get_or_insert(fb);
                image_usage[b] |= vk::ImageUsageFlags::COLOR_ATTACHMENT;
            }
            if let Some(b) = p.depth_stencil {
                extent[b].get_or_insert(fb);
                image_usage[b] |= vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT;
            }
            for desc in &p.descriptors {
                let u = match desc.kind {
                    DescriptorKind::StorageImage => vk::ImageUsageFlags::STORAGE,
                    DescriptorKind::SampledImage | DescriptorKind::CombinedImageSampler => {
                        vk::ImageUsageFlags::SAMPLED
                    }
                    _ => continue,
                };
                for &b in &desc.buffers {
                    image_usage[b] |= u;
                }
            }
        }
        let mut data: Vec<Vec<u8>> = s.buffers.iter().map(initial_data).collect();
        for (i, b) in s.buffers.iter().enumerate() {
            if image_usage[i].is_empty() {
                continue;
            }
            let DataType::Format(f) = &b.ty else {
                if image_usage[i].intersects(
                    vk::ImageUsageFlags::COLOR_ATTACHMENT
                        | vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
                ) {
                    return Err(format!(
                        "unsupported: attachment {} without a FORMAT",
                        b.name
                    ));
                }
                continue;
            };
            // Multisampled images only as storage images (written and read by shaders alone:
            // no uploads, downloads or expectations).
            if b.image.as_ref().is_some_and(|i| i.samples > 1)
                && image_usage[i] != vk::ImageUsageFlags::STORAGE
            {
                return Err("unsupported: multisampled images other than storage images".into());
            }
            let e = extent[i].get_or_insert(((data[i].len() / f.size.max(1)) as u32, 1, 1));
            let want = host_image_size(f, *e);
            if data[i].len() < want {
                data[i].resize(want, 0);
            }
        }
        let cpi = vk::CommandPoolCreateInfo::default()
            .queue_family_index(ctx.queue_family)
            .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER);
        // SAFETY: valid device and create info.
        let pool =
            unsafe { d.create_command_pool(&cpi, None) }.map_err(vkerr("vkCreateCommandPool"))?;
        Ok(Exec {
            ctx,
            d,
            s,
            opts,
            data,
            extent,
            image_usage,
            gpu_buffers: vec![None; n],
            gpu_images: (0..n).map(|_| None).collect(),
            samplers: vec![None; s.samplers.len()],
            modules: vec![None; s.shaders.len()],
            pipelines: (0..s.pipelines.len()).map(|_| None).collect(),
            clear_color: vec![[0.0; 4]; s.pipelines.len()],
            clear_depth: vec![1.0; s.pipelines.len()],
            clear_stencil: vec![0; s.pipelines.len()],
            pool,
            objects: vec![Obj::CommandPool(pool)],
        })
    }

    fn run_commands(&mut self, cmds: &[Command]) -> R<()> {
        for c in cmds {
            match c {
                Command::Run { pipeline, what } => self.run(*pipeline, what)?,
                Command::Clear { pipeline } => self.clear(*pipeline)?,
                Command::ClearColor { pipeline, rgba } => self.clear_color[*pipeline] = *rgba,
                Command::ClearDepth { pipeline, depth } => self.clear_depth[*pipeline] = *depth,
                Command::ClearStencil { pipeline, stencil } => {
                    self.clear_stencil[*pipeline] = *stencil
                }
                Command::Copy { from, to } => self.data[*to] = self.data[*from].clone(),
                Command::Repeat { count, body } => {
                    for _ in 0..*count {
                        self.run_commands(body)?;
                    }
                }
                Command::Write {
                    buffer,
                    offset,
                    ty,
                    values,
                } => {
                    let bytes = ty.encode(values);
                    let at = *offset as usize;
                    let buf = &mut self.data[*buffer];
                    if buf.len() < at + bytes.len() {
                        buf.resize(at + bytes.len(), 0);
                    }
                    buf[at..at + bytes.len()].copy_from_slice(&bytes);
                }
                Command::Expect(e) => {
                    let used = match e {
                        Expect::Pixels { buffer, .. } | Expect::Values { buffer, .. } => {
                            vec![*buffer]
                        }
                        Expect::EqBuffer { a, b }
                        | Expect::RmseBuffer { a, b, .. }
                        | Expect::HistogramEmd { a, b, .. } => vec![*a, *b],
                    };
                    if used.iter().any(|&b| self.samples(b) > 1) {
                        return Err("unsupported: expectations on multisampled images".into());
                    }
                    let data = &self.data;
                    let extent = &self.extent;
                    let view = |b: usize| View {
                        data: &data[b],
                        width: extent[b].map_or(0, |e| e.0),
                        height: extent[b].map_or(0, |e| e.1),
                    };
                    expect::check(self.s, e, &view)?;
                }
            }
        }
        Ok(())
    }

    // ----- memory -----

    fn alloc(&mut self, req: vk::MemoryRequirements, host: bool) -> R<vk::DeviceMemory> {
        let flags = if host {
            vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT
        } else {
            vk::MemoryPropertyFlags::DEVICE_LOCAL
        };
        let Some(ty) = self.ctx.memory_type(req.memory_type_bits, flags) else {
            return Err("no suitable memory type".into());
        };
        let ai = vk::MemoryAllocateInfo::default()
            .allocation_size(req.size.max(1))
            .memory_type_index(ty);
        // SAFETY: valid allocate info.
        let m = unsafe { self.d.allocate_memory(&ai, None) }.map_err(vkerr("vkAllocateMemory"))?;
        self.objects.push(Obj::Memory(m));
        Ok(m)
    }

    fn make_buffer(&mut self, size: u64) -> R<GpuBuffer> {
        let size = size.max(16).next_multiple_of(16);
        let usage = vk::BufferUsageFlags::STORAGE_BUFFER
            | vk::BufferUsageFlags::UNIFORM_BUFFER
            | vk::BufferUsageFlags::VERTEX_BUFFER
            | vk::BufferUsageFlags::INDEX_BUFFER
            | vk::BufferUsageFlags::UNIFORM_TEXEL_BUFFER
            | vk::BufferUsageFlags::STORAGE_TEXEL_BUFFER
            | vk::BufferUsageFlags::TRANSFER_SRC
            | vk::BufferUsageFlags::TRANSFER_DST;
        let bci = vk::BufferCreateInfo::default().size(size).usage(usage);
        // SAFETY: valid create info.
        let buffer =
            unsafe { self.d.create_buffer(&bci, None) }.map_err(vkerr("vkCreateBuffer"))?;
        self.objects.push(Obj::Buffer(buffer));
        // SAFETY: valid buffer.
        let req = unsafe { self.d.get_buffer_memory_requirements(buffer) };
        let memory = self.alloc(req, true)?;
        // SAFETY: fresh memory, bound once and mapped whole.
        let ptr = unsafe {
            self.d
                .bind_buffer_memory(buffer, memory, 0)
                .map_err(vkerr("vkBindBufferMemory"))?;
            self.d
                .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
                .map_err(vkerr("vkMapMemory"))?
        } as *mut u8;
        Ok(GpuBuffer {
            buffer,
            memory,
            size,
            ptr,
        })
    }

    /// The Vulkan buffer for script buffer `b`, large enough for its host copy.
    fn gpu_buffer(&mut self, b: usize) -> R<GpuBuffer> {
        let need = self.data[b].len() as u64;
        if let Some(g) = self.gpu_buffers[b] {
            if g.size >= need {
                return Ok(g);
            }
        }
        let g = self.make_buffer(need)?;
        self.gpu_buffers[b] = Some(g);
        Ok(g)
    }

    fn gpu_image(&mut self, b: usize) -> R<&GpuImage> {
        if self.gpu_images[b].is_none() {
            let img = self.make_image(b)?;
            self.gpu_images[b] = Some(img);
        }
        Ok(self.gpu_images[b].as_ref().expect("just made"))
    }

    /// Samples per texel of script buffer `b` (1 unless it is a multisampled image).
    pub(super) fn samples(&self, b: usize) -> u32 {
        self.s.buffers[b]
            .image
            .as_ref()
            .map_or(1, |i| i.samples.max(1))
    }

    fn make_image(&mut self, b: usize) -> R<GpuImage> {
        let decl = &self.s.buffers[b];
        let DataType::Format(f) = &decl.ty else {
            return Err(format!("unsupported: image {} without a FORMAT", decl.name));
        };
        let extent = self.extent[b].unwrap_or((1, 1, 1));
        let dim = decl.image.as_ref().map_or(ImageDim::D2, |i| i.dim);
        let (ty, vty) = match dim {
            ImageDim::D1 => (vk::ImageType::TYPE_1D, vk::ImageViewType::TYPE_1D),
            ImageDim::D2 => (vk::ImageType::TYPE_2D, vk::ImageViewType::TYPE_2D),
            ImageDim::D3 => (vk::ImageType::TYPE_3D, vk::ImageViewType::TYPE_3D),
        };
        let aspect = if f.is_depth_or_stencil() {
            let mut a = vk::ImageAspectFlags::empty();
            if f.has_depth() {
                a |= vk::ImageAspectFlags::DEPTH;
            }
            if f.has_stencil() {
                a |= vk::ImageAspectFlags::STENCIL;
            }
            a
        } else {
            vk::ImageAspectFlags::COLOR
        };
        let usage = self.image_usage[b]
            | vk::ImageUsageFlags::TRANSFER_SRC
            | vk::ImageUsageFlags::TRANSFER_DST;
        let samples = self.samples(b);
        if samples > 1 {
            // Like Amber: a sample count the device does not support for this use is a skip.
            // SAFETY: valid physical device.
            let props = unsafe {
                self.ctx
                    .instance
                    .get_physical_device_image_format_properties(
                        self.ctx.physical,
                        f.vk,
                        ty,
                        vk::ImageTiling::OPTIMAL,
                        usage,
                        vk::ImageCreateFlags::empty(),
                    )
            };
            if !props.is_ok_and(|p| p.sample_counts.as_raw() & samples != 0) {
                return Err(format!("unsupported: {samples} samples for {}", f.name));
            }
        }
        let ici = vk::ImageCreateInfo::default()
            .image_type(ty)
            .format(f.vk)
            .extent(vk::Extent3D {
                width: extent.0,
                height: extent.1,
                depth: extent.2,
            })
            .mip_levels(1)
            .array_layers(1)
            .samples(vk::SampleCountFlags::from_raw(self.samples(b)))
            .tiling(vk::ImageTiling::OPTIMAL)
            .usage(usage)
            .initial_layout(vk::ImageLayout::UNDEFINED);
        // SAFETY: valid create info.
        let image = unsafe { self.d.create_image(&ici, None) }
            .map_err(|e| format!("vkCreateImage ({}): {e}", f.name))?;
        self.objects.push(Obj::Image(image));
        // SAFETY: valid image.
        let req = unsafe { self.d.get_image_memory_requirements(image) };
        let memory = self.alloc(req, false)?;
        // SAFETY: fresh memory bound once.
        unsafe { self.d.bind_image_memory(image, memory, 0) }
            .map_err(vkerr("vkBindImageMemory"))?;
        let view_aspect = if aspect.contains(vk::ImageAspectFlags::DEPTH)
            && !self.image_usage[b].contains(vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT)
        {
            vk::ImageAspectFlags::DEPTH
        } else {
            aspect
        };
        let vci = vk::ImageViewCreateInfo::default()
            .image(image)
            .view_type(vty)
            .format(f.vk)
            .subresource_range(vk::ImageSubresourceRange {
                aspect_mask: view_aspect,
                base_mip_level: 0,
                level_count: 1,
                base_array_layer: 0,
                layer_count: 1,
            });
        // SAFETY: valid create info.
        let view =
            unsafe { self.d.create_image_view(&vci, None) }.map_err(vkerr("vkCreateImageView"))?;
        self.objects.push(Obj::View(view));
        let size = host_image_size(f, extent) as u64;
        let staging = self.make_buffer(size)?;
        Ok(GpuImage {
            samples,
            fresh: true,
            image,
            view,
            format: f.vk,
            extent,
            aspect,
            staging,
            texel: depth_plane_texel(f),
        })
    }

    fn sampler(&mut self, i: usize) -> R<vk::Sampler> {
        if let Some(s) = self.samplers[i] {
            return Ok(s);
        }
        let sd = &self.s.samplers[i];
        let filter = |f: Filter| match f {
            Filter::Nearest => vk::Filter::NEAREST,
            Filter::Linear => vk::Filter::LINEAR,
        };
        let addr = |a: AddressMode| match a {
            AddressMode::Repeat => vk::SamplerAddressMode::REPEAT,
            AddressMode::MirroredRepeat => vk::SamplerAddressMode::MIRRORED_REPEAT,
            AddressMode::ClampToEdge => vk::SamplerAddressMode::CLAMP_TO_EDGE,
            AddressMode::ClampToBorder => vk::SamplerAddressMode::CLAMP_TO_BORDER,
            AddressMode::MirrorClampToEdge => vk::SamplerAddressMode::MIRROR_CLAMP_TO_EDGE,
        };
        let border = match sd.border {
            BorderColor::FloatTransparentBlack => vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
            BorderColor::IntTransparentBlack => vk::BorderColor::INT_TRANSPARENT_BLACK,
            BorderColor::FloatOpaqueBlack => vk::BorderColor::FLOAT_OPAQUE_BLACK,
            BorderColor::IntOpaqueBlack => vk::BorderColor::INT_OPAQUE_BLACK,
            BorderColor::FloatOpaqueWhite => vk::BorderColor::FLOAT_OPAQUE_WHITE,
            BorderColor::IntOpaqueWhite => vk::BorderColor::INT_OPAQUE_WHITE,
        };
        let sci = vk::SamplerCreateInfo::default()
            .mag_filter(filter(sd.mag_filter))
            .min_filter(filter(sd.min_filter))
            .mipmap_mode(match sd.mipmap_mode {
                Filter::Nearest => vk::SamplerMipmapMode::NEAREST,
                Filter::Linear => vk::SamplerMipmapMode::LINEAR,
            })
            .address_mode_u(addr(sd.address[0]))
            .address_mode_v(addr(sd.address[1]))
            .address_mode_w(addr(sd.address[2]))
            .border_color(border)
            .min_lod(sd.min_lod)
            .max_lod(sd.max_lod)
            .unnormalized_coordinates(!sd.normalized)
            .compare_enable(sd.compare.is_some())
            .compare_op(compare_op(sd.compare.unwrap_or(CompareOp::Never)));
        // SAFETY: valid create info.
        let s = unsafe { self.d.create_sampler(&sci, None) }.map_err(vkerr("vkCreateSampler"))?;
        self.objects.push(Obj::Sampler(s));
        self.samplers[i] = Some(s);
        Ok(s)
    }

    fn module(&mut self, i: usize) -> R<vk::ShaderModule> {
        if let Some(m) = self.modules[i] {
            return Ok(m);
        }
        let sd = &self.s.shaders[i];
        let env = sd
            .target_env
            .clone()
            .or_else(|| self.opts.default_target_env.clone());
        let stage = glslang_stage(sd.stage);
        let words = match &sd.source {
            ShaderSource::Glsl(src) => {
                compile::compile_source(Language::Glsl, stage, env.as_deref(), src)
            }
            ShaderSource::SpirvAsm(src) => {
                compile::compile_source(Language::SpirvAsm, stage, env.as_deref(), src)
            }
            ShaderSource::Passthrough => {
                compile::compile_source(Language::Glsl, "vert", None, PASSTHROUGH)
            }
            ShaderSource::SpirvHex(_) => return Err("unsupported: SPIRV-HEX shaders".into()),
        }
        .map_err(|e| format!("shader {} does not compile: {e}", sd.name))?;
        let ci = vk::ShaderModuleCreateInfo::default().code(&words);
        // SAFETY: valid SPIR-V words.
        let m = unsafe { self.d.create_shader_module(&ci, None) }
            .map_err(|e| format!("vkCreateShaderModule ({}): {e}", sd.name))?;
        self.objects.push(Obj::Module(m));
        self.modules[i] = Some(m);
        Ok(m)
    }
}

/// Bytes of an image's host copy: texels, or for depth/stencil formats a depth plane then a
/// stencil plane.
fn host_image_size(f: &crate::format::Format, e: (u32, u32, u32)) -> usize {
    let texels = e.0 as usize * e.1 as usize * e.2 as usize;
    if f.is_depth_or_stencil() {
        texels * (depth_plane_texel(f) as usize + if f.has_stencil() { 1 } else { 0 })
    } else {
        texels * f.size
    }
}

fn depth_plane_texel(f: &crate::format::Format) -> u64 {
    if !f.is_depth_or_stencil() {
        return f.size as u64;
    }
    match f
        .components
        .iter()
        .find(|c| c.channel == crate::format::Channel::D)
    {
        Some(c) if c.bits == 16 => 2,
        Some(_) => 4,
        None => 0,
    }
}

#[path = "vulkan_run.rs"]
mod run;
