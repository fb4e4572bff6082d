//! Executing render pass instances and draws on the queue thread: load-op clears, vertex
//! fetch, vertex shading in batches of W vertices, primitive assembly, and the rasterizer
//! (`pumice_raster`) running the fragment program over quads.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ash::vk;
use pumice_shader::compute::DispatchResources;
use pumice_shader::graphics::{StageProgram, StageRunner};
use pumice_shader::ir::{IoSlot, W};
use pumice_texel::pack::{decode, encode, Texel};
use pumice_texel::{Aspect, Format, NumericClass};

use crate::graphics_pipeline::GraphicsPipeline;
use crate::graphics_state::{
    DrawCommand, DrawKind, DrawParams, DrawSource, LoadClear, RenderTargets,
};
use crate::image::ImageView;
use crate::queue::DeviceShared;

/// Where one subresource of a view lives: memory, offset of its first texel, row pitch, texel
/// size, extent.
struct Plane<'a> {
    memory: &'a pumice_memory::DeviceMemory,
    offset: u64,
    row_pitch: u64,
    texel: u64,
    format: Format,
    extent: [u32; 2],
}

/// `vkCmdEndRenderPass`/`vkCmdEndRendering`: each colour attachment with a resolve attachment
/// is resolved into it over the render area (the specification: "resolve … at the end of the
/// subpass … limited to the render area").
pub fn end_rendering(targets: &RenderTargets) -> Result<(), &'static str> {
    for (color, resolve) in targets.color.iter().zip(&targets.resolve) {
        if let (Some(src), Some(dst)) = (color, resolve) {
            resolve_view(targets, src, dst, Aspect::Color, None)?;
        }
    }
    // Depth and stencil resolves (`VkSubpassDescriptionDepthStencilResolve`, or dynamic
    // rendering's depth and stencil `resolveMode`).
    for (attachment, resolve, aspect) in [
        (&targets.depth, &targets.depth_resolve, Aspect::Depth),
        (&targets.stencil, &targets.stencil_resolve, Aspect::Stencil),
    ] {
        let (Some(src), Some((dst, mode))) = (attachment, resolve) else {
            continue;
        };
        use pumice_raster::transfer::DepthStencilResolve as R;
        let how = match *mode {
            vk::ResolveModeFlags::SAMPLE_ZERO => R::SampleZero,
            vk::ResolveModeFlags::AVERAGE => R::Average,
            vk::ResolveModeFlags::MIN => R::Min,
            vk::ResolveModeFlags::MAX => R::Max,
            _ => return Err("unsupported depth/stencil resolve mode"),
        };
        resolve_view(targets, src, dst, aspect, Some(how))?;
    }
    Ok(())
}

/// Resolves aspect `aspect` of view `src` into `dst` over the render area (clipped to both)
/// of each layer of the instance (clipped to both views' layers): colour by averaging, depth
/// and stencil by `how`.
fn resolve_view(
    targets: &RenderTargets,
    src: &ImageView,
    dst: &ImageView,
    aspect: Aspect,
    how: Option<pumice_raster::transfer::DepthStencilResolve>,
) -> Result<(), &'static str> {
    let area = targets.area;
    let (Some(si), Some(di)) = (src.image.as_ref(), dst.image.as_ref()) else {
        return Err("resolve attachment without memory");
    };
    // Clip the render area to both images' extents.
    let extent = |v: &ImageView| {
        let e = v.image.layout.desc.mip_extent(v.range.base_mip_level);
        [e[0], e[1]]
    };
    let (se, de) = (extent(src), extent(dst));
    let x0 = area.offset.x.max(0);
    let y0 = area.offset.y.max(0);
    let x1 = (i64::from(area.offset.x) + i64::from(area.extent.width))
        .min(i64::from(se[0].min(de[0]))) as i32;
    let y1 = (i64::from(area.offset.y) + i64::from(area.extent.height))
        .min(i64::from(se[1].min(de[1]))) as i32;
    if x1 <= x0 || y1 <= y0 {
        return Ok(());
    }
    let layer_count = targets
        .layers
        .max(1)
        .min(view_layers(src))
        .min(view_layers(dst));
    let layers = |v: &ImageView| pumice_raster::transfer::SubresourceLayers {
        aspect,
        mip_level: v.range.base_mip_level,
        base_array_layer: v.range.base_array_layer,
        layer_count,
    };
    let region = pumice_raster::transfer::ImageCopy {
        src: layers(src),
        src_offset: [x0, y0, 0],
        dst: layers(dst),
        dst_offset: [x0, y0, 0],
        extent: [(x1 - x0) as u32, (y1 - y0) as u32, 1],
    };
    match how {
        None => pumice_raster::transfer::resolve_image(si, di, &[region]),
        Some(how) => pumice_raster::transfer::resolve_depth_stencil(si, di, &[region], aspect, how),
    }
    .map_err(|_| "the attachments cannot be resolved")
}

/// The layers a view shows (a 3D image's view as one layer).
fn view_layers(view: &ImageView) -> u32 {
    if view.image.layout.desc.dim == pumice_texel::ImageDim::D3 {
        1
    } else {
        view.range.layer_count
    }
}

/// Layer `layer` (relative to the view's first) of a view's first mip level.
fn plane_layer(view: &ImageView, aspect: Aspect, layer: u32) -> Option<Plane<'_>> {
    let image = &view.image;
    let r = image.as_ref()?;
    let sub = r.layout.subresource(
        aspect,
        view.range.base_mip_level,
        view.range.base_array_layer.checked_add(layer)?,
    )?;
    Some(Plane {
        memory: r.memory,
        offset: r.offset + sub.offset,
        row_pitch: sub.row_pitch,
        // A multisampled texel holds its samples one after another.
        texel: sub.format.info().block_bytes as u64 * u64::from(r.layout.desc.samples),
        format: sub.format,
        extent: [sub.extent[0], sub.extent[1]],
    })
}

/// Fills `area` of a plane with one encoded texel.
fn fill_area(p: &Plane, area: vk::Rect2D, texel: &[u8]) -> Result<(), &'static str> {
    let x0 = area.offset.x.max(0) as u64;
    let y0 = area.offset.y.max(0) as u64;
    let x1 = (area.offset.x as i64 + area.extent.width as i64).clamp(0, p.extent[0] as i64) as u64;
    let y1 = (area.offset.y as i64 + area.extent.height as i64).clamp(0, p.extent[1] as i64) as u64;
    if x1 <= x0 || y1 <= y0 {
        return Ok(());
    }
    // `texel` is one sample: repeated, it fills every sample of every texel.
    let row: Vec<u8> = texel
        .iter()
        .copied()
        .cycle()
        .take(((x1 - x0) * p.texel) as usize)
        .collect();
    // Rows in parallel on the driver's pool: a 1080p colour and depth clear is 16 MB, which
    // on one thread was ~1.5 ms of a frame that draws 8 blended layers in ~8.
    use rayon::prelude::*;
    pumice_shader::pool::install(|| {
        (0..(y1 - y0) as usize)
            .into_par_iter()
            .with_min_len(32)
            .try_for_each(|r| {
                let y = y0 + r as u64;
                p.memory
                    .write(p.offset + y * p.row_pitch + x0 * p.texel, &row)
                    .map_err(|_| "attachment outside its memory")
            })
    })
}

/// The `CLEAR` load ops of a render pass instance, over its render area of each of its layers.
pub fn begin_rendering(targets: &RenderTargets, clears: &[LoadClear]) -> Result<(), &'static str> {
    for layer in 0..targets.layers.max(1) {
        clear_area(targets, clears, targets.area, layer)?;
    }
    Ok(())
}

/// `vkCmdClearAttachments`: each clear over each rectangle's layers (relative to the
/// attachments' views). Rectangles are clipped to the attachments.
pub fn clear_attachments(
    targets: &RenderTargets,
    clears: &[LoadClear],
    rects: &[vk::ClearRect],
) -> Result<(), &'static str> {
    for r in rects {
        for layer in 0..r.layer_count {
            clear_area(
                targets,
                clears,
                r.rect,
                r.base_array_layer.saturating_add(layer),
            )?;
        }
    }
    Ok(())
}

/// Which plane of the targets a clear writes.
enum ClearedPlane {
    Color(usize),
    Depth,
    Stencil,
}

/// The plane of layer `layer` that `clear` writes and the texel it writes there (one sample,
/// encoded in the plane's format); `None` where the attachment is absent or lacks the layer.
fn cleared_plane<'t>(
    targets: &'t RenderTargets,
    clear: &LoadClear,
    layer: u32,
) -> Result<Option<(ClearedPlane, Plane<'t>, Vec<u8>)>, &'static str> {
    Ok(Some(match *clear {
        LoadClear::Color { attachment, value } => {
            let Some(Some(view)) = targets.color.get(attachment) else {
                return Ok(None);
            };
            if layer >= view_layers(view) {
                return Ok(None);
            }
            let p = plane_layer(view, Aspect::Color, layer)
                .ok_or("colour attachment without memory")?;
            let texel = match p.format.numeric_class() {
                NumericClass::Float => Texel::Float(value.map(f32::from_bits)),
                NumericClass::Uint => Texel::Uint(value),
                NumericClass::Sint => Texel::Sint(value.map(|v| v as i32)),
            };
            let mut bytes = vec![0u8; p.format.info().block_bytes as usize];
            if !encode(p.format, texel, &mut bytes) {
                return Err("attachment format cannot be cleared");
            }
            (ClearedPlane::Color(attachment), p, bytes)
        }
        LoadClear::Depth { value } => {
            let Some(view) = targets.depth.as_ref().filter(|v| layer < view_layers(v)) else {
                return Ok(None);
            };
            let p =
                plane_layer(view, Aspect::Depth, layer).ok_or("depth attachment without memory")?;
            let mut bytes = vec![0u8; p.format.info().block_bytes as usize];
            if !encode(
                p.format,
                Texel::Float([value.clamp(0.0, 1.0), 0.0, 0.0, 1.0]),
                &mut bytes,
            ) {
                return Err("depth format cannot be cleared");
            }
            (ClearedPlane::Depth, p, bytes)
        }
        LoadClear::Stencil { value } => {
            let Some(view) = targets.stencil.as_ref().filter(|v| layer < view_layers(v)) else {
                return Ok(None);
            };
            let p = plane_layer(view, Aspect::Stencil, layer)
                .ok_or("stencil attachment without memory")?;
            (ClearedPlane::Stencil, p, vec![value as u8])
        }
    }))
}

/// Fills `area` of layer `layer` of the attachments named by `clears`.
fn clear_area(
    targets: &RenderTargets,
    clears: &[LoadClear],
    area: vk::Rect2D,
    layer: u32,
) -> Result<(), &'static str> {
    for clear in clears {
        if let Some((_, p, bytes)) = cleared_plane(targets, clear, layer)? {
            fill_area(&p, area, &bytes)?;
        }
    }
    Ok(())
}

/// The load-op clears of a one-layer render pass instance as the rasterizer takes them at
/// tile load (`pumice_raster::Pass::clear_on_load`).
fn load_clears(
    targets: &RenderTargets,
    clears: &[LoadClear],
) -> Result<pumice_raster::LoadClears, &'static str> {
    let mut out = pumice_raster::LoadClears {
        colors: vec![None; targets.color.len()],
        ..Default::default()
    };
    for clear in clears {
        match cleared_plane(targets, clear, 0)? {
            Some((ClearedPlane::Color(i), _, bytes)) => {
                if let Some(slot) = out.colors.get_mut(i) {
                    *slot = Some(bytes);
                }
            }
            Some((ClearedPlane::Depth, _, bytes)) => out.depth = Some(bytes),
            Some((ClearedPlane::Stencil, _, bytes)) => out.stencil = Some(bytes),
            None => {}
        }
    }
    Ok(out)
}

/// The vertex ids a draw reads (after index fetch and vertexOffset), in order, and the runs
/// of them that primitive restart separates (the markers themselves are left out).
///
/// One flat list and ranges into it, rather than a list of `Option`s split and copied into a
/// list per run: for the 1.2M vertices of the small-triangle bench that was two serial passes
/// and 15 MB written per frame (1–4 ms of a ~55 ms frame on two threads, measured).
fn vertex_ids(
    draw: &DrawCommand,
    params: &DrawParams,
    restart: bool,
) -> Result<(Vec<u32>, Vec<std::ops::Range<usize>>), &'static str> {
    match params.kind {
        DrawKind::Vertices {
            vertex_count,
            first_vertex,
        } => {
            let ids: Vec<u32> = (0..vertex_count)
                .map(|i| first_vertex.wrapping_add(i))
                .collect();
            let runs = vec![0..ids.len()];
            Ok((ids, runs))
        }
        DrawKind::Indexed {
            index_count,
            first_index,
            vertex_offset,
        } => {
            let (buffer, offset, ty) = draw.index_buffer.as_ref().ok_or("no index buffer bound")?;
            let b = buffer.as_ref().ok_or("index buffer without memory")?;
            let size = if *ty == vk::IndexType::UINT16 { 2 } else { 4 };
            let restart_value = if size == 2 { 0xffff } else { u32::MAX };
            let mut ids = Vec::with_capacity(index_count as usize);
            let mut runs = Vec::new();
            let mut run_start = 0;
            for i in 0..index_count as u64 {
                let at = offset + (first_index as u64 + i) * size;
                // Robust: an index outside the buffer reads 0.
                let mut bytes = [0u8; 4];
                let value = if at + size <= b.size
                    && b.memory
                        .read(b.offset + at, &mut bytes[..size as usize])
                        .is_ok()
                {
                    u32::from_le_bytes(bytes)
                } else {
                    0
                };
                if restart && value == restart_value {
                    runs.push(run_start..ids.len());
                    run_start = ids.len();
                } else {
                    ids.push((value as i64 + vertex_offset as i64) as u32);
                }
            }
            runs.push(run_start..ids.len());
            Ok((ids, runs))
        }
    }
}

/// One vertex's input value for a slot.
fn fetch(
    draw: &DrawCommand,
    params: &DrawParams,
    g: &GraphicsPipeline,
    slot: IoSlot,
    vertex: u32,
    instance: u32,
) -> u32 {
    match slot {
        IoSlot::VertexIndex => vertex,
        IoSlot::InstanceIndex => instance,
        IoSlot::BaseVertex => match params.kind {
            DrawKind::Vertices { first_vertex, .. } => first_vertex,
            DrawKind::Indexed { vertex_offset, .. } => vertex_offset as u32,
        },
        IoSlot::BaseInstance => params.first_instance,
        IoSlot::DrawIndex => params.draw_index,
        IoSlot::ViewIndex => draw.targets.view_index,
        IoSlot::Location {
            location,
            component,
        } => fetch_attribute(draw, g, location, vertex, instance)[component as usize % 4],
        _ => 0,
    }
}

/// One vertex's value of the attribute at `location`, all four components (as the shader's
/// 32-bit registers): decoded once per vertex, not once per component.
fn fetch_attribute(
    draw: &DrawCommand,
    g: &GraphicsPipeline,
    location: u32,
    vertex: u32,
    instance: u32,
) -> [u32; 4] {
    AttributeReader::new(draw, g, location).read(vertex, instance)
}

/// Where one attribute location's values are, found once per draw: the per-vertex lookups of
/// the attribute, its binding and its buffer were a fifth of the vertex stage's time.
enum AttributeReader<'d> {
    /// A missing attribute or binding reads (0, 0, 0, 1) as integers.
    Missing,
    Bound {
        buffer: pumice_raster::transfer::BufferRef<'d>,
        /// Offset in the buffer of vertex (or instance) 0's value.
        base: u64,
        stride: u64,
        per_instance: bool,
        format: Format,
        size: usize,
        /// Components of an `R32…_SFLOAT` format (its bytes are the registers), else 0.
        floats: usize,
    },
}

impl<'d> AttributeReader<'d> {
    fn new(draw: &'d DrawCommand, g: &GraphicsPipeline, location: u32) -> AttributeReader<'d> {
        let Some(a) = g.state.attributes.iter().find(|a| a.location == location) else {
            return AttributeReader::Missing;
        };
        let Some(b) = g.state.bindings.iter().find(|b| b.binding == a.binding) else {
            return AttributeReader::Missing;
        };
        let Some(Some((buffer, offset))) = draw.vertex_buffers.get(a.binding as usize) else {
            return AttributeReader::Missing;
        };
        let Some(buffer) = buffer.as_ref() else {
            return AttributeReader::Missing;
        };
        // 32-bit float vectors, the usual positions and colours: the bits themselves (what the
        // generic decode returns), missing components (0, 0, 0, 1.0).
        let floats = match a.format {
            Format::R32_SFLOAT => 1,
            Format::R32G32_SFLOAT => 2,
            Format::R32G32B32_SFLOAT => 3,
            Format::R32G32B32A32_SFLOAT => 4,
            _ => 0,
        };
        AttributeReader::Bound {
            buffer,
            base: offset.saturating_add(u64::from(a.offset)),
            stride: u64::from(b.stride),
            per_instance: b.per_instance,
            format: a.format,
            size: (a.format.info().block_bytes as usize).min(32),
            floats,
        }
    }

    #[inline]
    fn read(&self, vertex: u32, instance: u32) -> [u32; 4] {
        let AttributeReader::Bound {
            buffer,
            base,
            stride,
            per_instance,
            format,
            size,
            floats,
        } = *self
        else {
            return [0, 0, 0, 1];
        };
        let index = u64::from(if per_instance { instance } else { vertex });
        let at = base.saturating_add(index.saturating_mul(stride));
        if floats > 0 && at.saturating_add(16) <= buffer.size {
            // The common case: up to four floats, read as one 16-byte block.
            if let Some(b) = buffer.memory.read_array::<16>(buffer.offset + at) {
                let mut v = [0, 0, 0, 1f32.to_bits()];
                for (c, w) in v.iter_mut().enumerate().take(floats) {
                    *w = u32::from_le_bytes([b[4 * c], b[4 * c + 1], b[4 * c + 2], b[4 * c + 3]]);
                }
                return v;
            }
        }
        let mut bytes = [0u8; 32];
        // Robust: an attribute outside the buffer reads zero.
        if at.saturating_add(size as u64) > buffer.size
            || buffer
                .memory
                .read(buffer.offset + at, &mut bytes[..size])
                .is_err()
        {
            return [0; 4];
        }
        if floats > 0 {
            let mut v = [0, 0, 0, 1f32.to_bits()];
            for (c, w) in v.iter_mut().enumerate().take(floats) {
                *w = u32::from_le_bytes([
                    bytes[4 * c],
                    bytes[4 * c + 1],
                    bytes[4 * c + 2],
                    bytes[4 * c + 3],
                ]);
            }
            return v;
        }
        match decode(format, &bytes[..size]) {
            Some(Texel::Float(v)) => v.map(f32::to_bits),
            Some(Texel::Uint(v)) => v,
            Some(Texel::Sint(v)) => v.map(|x| x as u32),
            None => [0, 0, 0, 1],
        }
    }

    /// [`Self::read`] of the consecutive vertices `first, first + 1, …` into `out`, for a
    /// per-vertex `R32…_SFLOAT` attribute whose values all lie in the buffer: one bounds check
    /// and one copy of the run's bytes (into `span`), then the words `read` gives each vertex.
    /// `false`, with nothing written, when that does not apply (the caller reads vertex by
    /// vertex). Per vertex, `read` was ~60 instructions an attribute, a quarter of the vertex
    /// stage outside the shader.
    fn read_consecutive(&self, first: u32, span: &mut Vec<u8>, out: &mut [[u32; 4]]) -> bool {
        let AttributeReader::Bound {
            buffer,
            base,
            stride,
            per_instance: false,
            floats: floats @ 1..=4,
            ..
        } = *self
        else {
            return false;
        };
        // Wide strides would copy mostly bytes nobody reads.
        if out.is_empty() || stride > 64 {
            return false;
        }
        let at = base.saturating_add(u64::from(first).saturating_mul(stride));
        // To the end of the last vertex's 16-byte block: `read`'s fast path for every vertex
        // (the positions grow with the index, so the last one bounds them all).
        let len = (out.len() as u64 - 1) * stride + 16;
        if at.saturating_add(len) > buffer.size {
            return false;
        }
        span.clear();
        span.resize(len as usize, 0);
        if buffer.memory.read(buffer.offset + at, span).is_err() {
            return false;
        }
        // The component count as a constant: the copy of each vertex unrolls.
        match floats {
            1 => unpack_floats::<1>(span, stride as usize, out),
            2 => unpack_floats::<2>(span, stride as usize, out),
            3 => unpack_floats::<3>(span, stride as usize, out),
            _ => unpack_floats::<4>(span, stride as usize, out),
        }
    }
}

/// Vertex `i` of `span` (`stride` bytes apart): its `N` 32-bit components, then the
/// defaults (0, 0, 0, 1) of the others. `false` when a vertex is past `span`.
#[inline(always)]
fn unpack_floats<const N: usize>(span: &[u8], stride: usize, out: &mut [[u32; 4]]) -> bool {
    for (i, v) in out.iter_mut().enumerate() {
        let Some(b) = span.get(i * stride..i * stride + 16) else {
            return false;
        };
        *v = [0, 0, 0, 1f32.to_bits()];
        for (c, w) in v.iter_mut().enumerate().take(N) {
            *w = u32::from_le_bytes([b[4 * c], b[4 * c + 1], b[4 * c + 2], b[4 * c + 3]]);
        }
    }
    true
}

/// Shaded vertices: per vertex, the clip position then the varyings (as f32 bit patterns),
/// `stride` words apart.
pub struct ShadedVertices {
    pub data: Vec<f32>,
    pub stride: usize,
    /// The fragment program's location inputs, in the order of the varyings.
    pub varyings: Vec<IoSlot>,
    /// Where `PointSize` is in a vertex (after the varyings), when the vertex program writes it.
    pub point_size: Option<usize>,
}

/// A fragment program input as the vertex stage names it: the clip and cull distances the
/// legalizer moved to reserved locations (naga has no such fragment inputs) are the vertex
/// stage's `ClipDistance`/`CullDistance` again.
fn fragment_input_slot(slot: IoSlot) -> IoSlot {
    use pumice_shader::legalize::{CLIP_DISTANCE_LOCATION as CLIP, CULL_DISTANCE_LOCATION as CULL};
    match slot {
        IoSlot::Location { location, .. } if (CLIP..CLIP + 8).contains(&location) => {
            IoSlot::ClipDistance((location - CLIP) as u8)
        }
        IoSlot::Location { location, .. } if (CULL..CULL + 8).contains(&location) => {
            IoSlot::CullDistance((location - CULL) as u8)
        }
        other => other,
    }
}

/// Where a vertex program input comes from.
#[derive(Clone, Copy, Debug)]
enum InputSource {
    /// Component `component` of the attribute at `locations[index]`.
    Attribute { index: usize, component: usize },
    /// A built-in (`VertexIndex`, `InstanceIndex`, …).
    Other(IoSlot),
}

/// The buffer of the last draw's shaded vertices, for the next one: a fresh one per draw was a
/// page fault per 4 KiB of it (200k triangles: 20 MB).
static SPARE_VERTICES: std::sync::Mutex<Vec<f32>> = std::sync::Mutex::new(Vec::new());

impl Drop for ShadedVertices {
    fn drop(&mut self) {
        if let Ok(mut spare) = SPARE_VERTICES.lock() {
            if self.data.capacity() > spare.capacity() {
                *spare = std::mem::take(&mut self.data);
            }
        }
    }
}

/// Runs the vertex program over `ids` (for one instance), W at a time.
pub fn shade_vertices(
    draw: &DrawCommand,
    params: &DrawParams,
    g: &GraphicsPipeline,
    res: &DispatchResources,
    ids: &[u32],
    instance: u32,
    cancel: &AtomicBool,
) -> Result<ShadedVertices, &'static str> {
    let vs: &StageProgram = &g.vertex;
    let inputs: Vec<IoSlot> = vs.inputs().collect();
    let outputs: Vec<IoSlot> = vs.outputs().collect();
    let mut varyings: Vec<IoSlot> = match &g.fragment {
        Some(fs) => fs
            .inputs()
            .map(fragment_input_slot)
            .filter(|s| matches!(s, IoSlot::Location { .. }))
            .collect(),
        None => Vec::new(),
    };
    // Clip and cull distances travel as extra varyings after the fragment's inputs: they are
    // interpolated like them (clipping and a fragment shader reading them both need that),
    // and the rasterizer is told which components they are (`raster_state`).
    let mut distances: Vec<IoSlot> = outputs
        .iter()
        .copied()
        .filter(|s| matches!(s, IoSlot::ClipDistance(_) | IoSlot::CullDistance(_)))
        .collect();
    distances.sort_by_key(|s| match *s {
        IoSlot::ClipDistance(i) => (0, i),
        IoSlot::CullDistance(i) => (1, i),
        _ => (2, 0),
    });
    varyings.extend(distances);
    let position: Vec<Option<usize>> = (0..4)
        .map(|c| outputs.iter().position(|s| *s == IoSlot::Position(c)))
        .collect();
    let varying_out: Vec<Option<usize>> = varyings
        .iter()
        .map(|v| outputs.iter().position(|s| s == v))
        .collect();
    let point_size_out = outputs.iter().position(|s| *s == IoSlot::PointSize);
    let point_size = point_size_out.map(|_| 4 + varyings.len());
    let stride = 4 + varyings.len() + usize::from(point_size.is_some());
    let mut data = SPARE_VERTICES
        .lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default();
    // Every float of every vertex is written below (an output, or the constant of a missing
    // one), so the recycled buffer keeps its old values instead of being zeroed first: that
    // was a serial 20 MB memset per frame in the triangle bench (1.7% of its instructions).
    data.truncate(ids.len() * stride);
    data.resize(ids.len() * stride, 0.0);
    let deadline =
        std::time::Instant::now().checked_add(pumice_shader::compute::watchdog_duration());
    // The distinct attribute locations the program reads, and where each input comes from.
    let mut locations: Vec<u32> = Vec::new();
    let sources: Vec<InputSource> = inputs
        .iter()
        .map(|slot| match *slot {
            IoSlot::Location {
                location,
                component,
            } => {
                let index = locations
                    .iter()
                    .position(|&l| l == location)
                    .unwrap_or_else(|| {
                        locations.push(location);
                        locations.len() - 1
                    });
                InputSource::Attribute {
                    index,
                    component: component as usize,
                }
            }
            other => InputSource::Other(other),
        })
        .collect();
    let readers: Vec<AttributeReader> = locations
        .iter()
        .map(|&l| AttributeReader::new(draw, g, l))
        .collect();
    // Shade one run of `ids` into `data` (its vertices, `stride` floats each), W at a time.
    // For each attribute reader, the input registers it fills (register, component); the
    // built-in inputs; and for each float of a shaded vertex, the output register it comes
    // from (or its constant).
    let mut fills: Vec<Vec<(usize, usize)>> = vec![Vec::new(); readers.len()];
    let mut builtins: Vec<(usize, IoSlot)> = Vec::new();
    for (reg, src) in sources.iter().enumerate() {
        match *src {
            InputSource::Attribute { index, component } => {
                if let Some(f) = fills.get_mut(index) {
                    f.push((reg, component % 4));
                }
            }
            InputSource::Other(slot) => builtins.push((reg, slot)),
        }
    }
    let mut vertex_layout: Vec<Result<usize, f32>> = (0..4)
        .map(|c| position[c].ok_or(if c == 3 { 1.0 } else { 0.0 }))
        .collect();
    vertex_layout.extend(varying_out.iter().map(|o| o.ok_or(0.0)));
    if point_size.is_some() {
        vertex_layout.push(point_size_out.ok_or(1.0));
    }
    // Each float of a shaded vertex that no output gives: its constant in every lane.
    let constants: Vec<[u32; W]> = vertex_layout
        .iter()
        .map(|src| match *src {
            Ok(_) => [0; W],
            Err(c) => [c.to_bits(); W],
        })
        .collect();
    // Shade one run of `ids` into `data` (its vertices, `stride` floats each), W at a time:
    // inputs gathered attribute by attribute, outputs written vertex by vertex.
    let shade = |ids: &[u32], data: &mut [f32]| -> Result<(), &'static str> {
        let mut runner =
            StageRunner::new(vs, res).map_err(|_| "a vertex shader resource is not bound")?;
        let mut in_regs = vec![[0u32; W]; inputs.len()];
        let mut out_regs = vec![[0u32; W]; outputs.len()];
        let (mut values, mut span) = ([[0u32; 4]; W], Vec::new());
        for (chunk_index, chunk) in ids.chunks(W).enumerate() {
            let first = chunk.first().copied().unwrap_or(0);
            let consecutive = chunk
                .iter()
                .enumerate()
                .all(|(i, &id)| u64::from(id) == u64::from(first) + i as u64);
            for (reader, fill) in readers.iter().zip(&fills) {
                let values = &mut values[..chunk.len()];
                if !(consecutive && reader.read_consecutive(first, &mut span, values)) {
                    for (v, &id) in values.iter_mut().zip(chunk) {
                        *v = reader.read(id, instance);
                    }
                }
                for &(reg, c) in fill {
                    for (r, v) in in_regs[reg].iter_mut().zip(values.iter()) {
                        *r = v[c];
                    }
                }
            }
            for &(reg, slot) in &builtins {
                for (lane, &id) in chunk.iter().enumerate() {
                    in_regs[reg][lane] = fetch(draw, params, g, slot, id, instance);
                }
            }
            let active = if chunk.len() == W {
                u64::MAX
            } else {
                (1u64 << chunk.len()) - 1
            };
            if runner
                .run_until(active, 0, &in_regs, &mut out_regs, cancel, deadline)
                .is_err()
            {
                return Err(VERTEX_STOPPED);
            }
            let start = chunk_index * W * stride;
            let Some(dst) = data.get_mut(start..start + chunk.len() * stride) else {
                continue;
            };
            // Written a vertex at a time for the usual widths (a whole vertex per step instead
            // of one float per step of a strided column walk: 8 floats a vertex in the
            // triangle bench).
            let columns = Columns {
                layout: &vertex_layout,
                out_regs: &out_regs,
                constants: &constants,
            };
            match stride {
                4 => columns.scatter::<4>(dst),
                5 => columns.scatter::<5>(dst),
                6 => columns.scatter::<6>(dst),
                7 => columns.scatter::<7>(dst),
                8 => columns.scatter::<8>(dst),
                9 => columns.scatter::<9>(dst),
                10 => columns.scatter::<10>(dst),
                11 => columns.scatter::<11>(dst),
                12 => columns.scatter::<12>(dst),
                _ => {
                    for k in 0..stride {
                        let col = columns.get(k);
                        for (v, &bits) in dst.chunks_exact_mut(stride).zip(col.iter()) {
                            v[k] = f32::from_bits(bits);
                        }
                    }
                }
            }
        }
        Ok(())
    };
    // Large draws are shaded in parallel, in runs of 16 batches (a few microseconds of work
    // each, enough to outweigh a task's cost); each vertex lands in its own slot of `data`,
    // so the result does not depend on the number of threads.
    const RUN: usize = 16 * W;
    if ids.len() <= RUN {
        shade(ids, &mut data)?;
    } else {
        use rayon::prelude::*;
        pumice_shader::pool::install(|| {
            data.par_chunks_mut(RUN * stride)
                .zip(ids.par_chunks(RUN))
                .try_for_each(|(data, ids)| shade(ids, data))
        })?;
    }
    Ok(ShadedVertices {
        data,
        stride,
        varyings,
        point_size,
    })
}

/// The floats of a batch of shaded vertices as columns of lanes: float `k` of every vertex
/// is its output register's lanes (`layout[k]`), or its constant's.
struct Columns<'a> {
    layout: &'a [Result<usize, f32>],
    out_regs: &'a [[u32; W]],
    constants: &'a [[u32; W]],
}

impl Columns<'_> {
    #[inline(always)]
    fn get(&self, k: usize) -> &[u32; W] {
        const ZEROS: [u32; W] = [0; W];
        let constant = self.constants.get(k).unwrap_or(&ZEROS);
        match self.layout.get(k) {
            Some(&Ok(o)) => self.out_regs.get(o).unwrap_or(constant),
            _ => constant,
        }
    }

    /// Writes the vertices of `dst` (`N` floats each, as many as fit, at most W): float `k`
    /// of vertex `v` is lane `v` of column `k`. `N` a constant, so that a vertex is one
    /// unrolled step.
    fn scatter<const N: usize>(&self, dst: &mut [f32]) {
        let mut columns = [&[0u32; W]; N];
        for (k, c) in columns.iter_mut().enumerate() {
            *c = self.get(k);
        }
        for (v, out) in dst.chunks_exact_mut(N).take(W).enumerate() {
            for k in 0..N {
                out[k] = f32::from_bits(columns[k][v]);
            }
        }
    }
}

/// Where a fragment program input comes from.
#[derive(Clone, Copy, Debug)]
enum FragInput {
    Varying(usize),
    FragCoord(u8),
    FrontFacing,
    PrimitiveId,
    /// `SampleId`: the sample a per-sample invocation shades (0 otherwise).
    SampleId,
    /// `SampleMaskIn[0]`: the lane's covered samples.
    SampleMaskIn,
    /// `PointCoord` component: the rasterizer appends it to the varyings of point draws.
    PointCoord(u8),
    /// The same value in every lane (`ViewIndex`: the view the draw renders).
    Constant(u32),
    Zero,
}

/// Where a fragment program output goes.
#[derive(Clone, Copy, Debug)]
enum FragOutput {
    Color {
        attachment: usize,
        component: usize,
    },
    Depth,
    /// `SampleMask[0]`.
    SampleMask,
    Ignored,
}

/// The fragment program as the rasterizer's `FragmentStage`.
struct ShaderFragment<'a> {
    program: Option<&'a StageProgram>,
    /// The program's resources, resolved once per draw; `None` when one is missing (every
    /// batch then fails).
    resources: Option<pumice_shader::graphics::StageResources<'a>>,
    inputs: Vec<FragInput>,
    outputs: Vec<FragOutput>,
    /// Number of varying components (`PointCoord` follows them in point draws).
    varyings: usize,
    cancel: &'a AtomicBool,
    deadline: Option<std::time::Instant>,
    failed: AtomicBool,
}

impl<'a> ShaderFragment<'a> {
    fn new(
        program: Option<&'a StageProgram>,
        resources: &'a DispatchResources<'a>,
        varyings: &[IoSlot],
        view_index: u32,
        cancel: &'a AtomicBool,
    ) -> ShaderFragment<'a> {
        let (inputs, outputs) = match program {
            Some(p) => (
                p.inputs()
                    .map(fragment_input_slot)
                    .map(|s| match s {
                        IoSlot::Location { .. }
                        | IoSlot::ClipDistance(_)
                        | IoSlot::CullDistance(_) => varyings
                            .iter()
                            .position(|v| *v == s)
                            .map_or(FragInput::Zero, FragInput::Varying),
                        IoSlot::Position(c) => FragInput::FragCoord(c),
                        IoSlot::FrontFacing => FragInput::FrontFacing,
                        IoSlot::PrimitiveIndex => FragInput::PrimitiveId,
                        IoSlot::SampleIndex => FragInput::SampleId,
                        IoSlot::SampleMask => FragInput::SampleMaskIn,
                        IoSlot::PointCoord(c) if c < 2 => FragInput::PointCoord(c),
                        IoSlot::ViewIndex => FragInput::Constant(view_index),
                        _ => FragInput::Zero,
                    })
                    .collect(),
                p.outputs()
                    .map(|s| match s {
                        IoSlot::Location {
                            location,
                            component,
                        } if (location as usize) < pumice_raster::MAX_COLOR_ATTACHMENTS => {
                            FragOutput::Color {
                                attachment: location as usize,
                                component: component as usize,
                            }
                        }
                        IoSlot::FragDepth => FragOutput::Depth,
                        IoSlot::SampleMask => FragOutput::SampleMask,
                        _ => FragOutput::Ignored,
                    })
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let deadline =
            std::time::Instant::now().checked_add(pumice_shader::compute::watchdog_duration());
        ShaderFragment {
            program,
            resources: program.and_then(|p| p.resolve(resources).ok()),
            inputs,
            outputs,
            varyings: varyings.len(),
            cancel,
            deadline,
            failed: AtomicBool::new(false),
        }
    }
}

impl pumice_raster::FragmentStage for ShaderFragment<'_> {
    fn shade(&self, batch: &pumice_raster::FragmentBatch, out: &mut pumice_raster::FragmentOutput) {
        // The input and output copies are lane loops: built for AVX2 where the CPU has it.
        pumice_memory::simd::vectorized(
            #[inline(always)]
            || self.shade_inlined(batch, out),
        )
    }

    fn info(&self) -> pumice_raster::FragmentInfo {
        let writes_depth = self.outputs.iter().any(|o| matches!(o, FragOutput::Depth));
        pumice_raster::FragmentInfo {
            // Depth is tested before shading (skipping invisible fragments: in the triangle
            // benchmark most of them) only when that cannot be seen: the program cannot kill
            // lanes and has no storage writes that skipped invocations would leave out.
            may_discard: self
                .program
                .is_some_and(|p| p.may_kill || p.may_have_side_effects),
            writes_depth,
            early_fragment_tests: self.program.is_some_and(|p| p.early_fragment_tests),
            writes_sample_mask: self
                .outputs
                .iter()
                .any(|o| matches!(o, FragOutput::SampleMask)),
            // Inputs that can differ between the fragments of one primitive only through its
            // varyings; outputs that are colours only.
            uniform_over_primitive: self.program.is_some_and(|p| p.lane_independent)
                && self.resources.is_some()
                && self.inputs.iter().all(|i| {
                    matches!(
                        i,
                        FragInput::Varying(_)
                            | FragInput::FrontFacing
                            | FragInput::PrimitiveId
                            | FragInput::Constant(_)
                            | FragInput::Zero
                    )
                })
                && self
                    .outputs
                    .iter()
                    .all(|o| matches!(o, FragOutput::Color { .. } | FragOutput::Ignored)),
            quad_free: self.program.is_some_and(|p| p.quad_free),
        }
    }
}

impl ShaderFragment<'_> {
    #[inline(always)]
    fn shade_inlined(
        &self,
        batch: &pumice_raster::FragmentBatch,
        out: &mut pumice_raster::FragmentOutput,
    ) {
        use pumice_shader::graphics::StageBatch;
        let Some(program) = self.program else { return };
        let Some(resources) = &self.resources else {
            self.failed
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return;
        };
        // The tile worker's register file, kept in place between batches (made anew when it
        // was for another program).
        let reuse = out
            .scratch
            .as_ref()
            .and_then(|b| b.downcast_ref::<StageBatch>())
            .is_some_and(|b| b.is_for(program));
        if !reuse {
            out.scratch = Some(Box::new(StageBatch::new(program)));
        }
        let Some(regs) = out
            .scratch
            .as_mut()
            .and_then(|b| b.downcast_mut::<StageBatch>())
        else {
            return;
        };
        // Inputs are written into the program's registers and outputs read from them: no
        // per-batch vectors, one copy each way.
        // A whole-array map: the element loop was not vectorized (2 instructions a lane).
        let bits = |dst: &mut [u32; W], src: &[f32; W]| *dst = src.map(f32::to_bits);
        for (i, input) in self.inputs.iter().enumerate() {
            let Some(dst) = regs.input_mut(program, i) else {
                continue;
            };
            match *input {
                FragInput::Varying(v) => match batch.varyings.get(v) {
                    Some(a) => bits(dst, a),
                    None => *dst = [0; W],
                },
                FragInput::FragCoord(c @ (0 | 1)) if batch.per_sample => {
                    *dst = std::array::from_fn(|l| batch.frag_coord(l)[c as usize].to_bits())
                }
                FragInput::FragCoord(0) => *dst = batch.x.map(|x| (x as f32 + 0.5).to_bits()),
                FragInput::FragCoord(1) => *dst = batch.y.map(|y| (y as f32 + 0.5).to_bits()),
                FragInput::FragCoord(2) => bits(dst, &batch.z),
                FragInput::FragCoord(_) => bits(dst, &batch.inv_w),
                FragInput::FrontFacing => {
                    *dst = std::array::from_fn(|l| ((batch.front_facing >> l) & 1) as u32)
                }
                FragInput::PrimitiveId => *dst = batch.primitive_id,
                FragInput::SampleId => *dst = batch.sample_id,
                FragInput::SampleMaskIn => *dst = batch.sample_coverage.map(u32::from),
                // Present only in point draws; other primitives read 0 (undefined in Vulkan).
                FragInput::PointCoord(c) => match batch.varyings.get(self.varyings + c as usize) {
                    Some(a) => bits(dst, a),
                    None => *dst = [0; W],
                },
                FragInput::Constant(v) => *dst = [v; W],
                FragInput::Zero => *dst = [0; W],
            }
        }
        let active = batch.active();
        let helpers = active & !batch.coverage;
        match regs.run(
            program,
            resources,
            active,
            helpers,
            self.cancel,
            self.deadline,
        ) {
            Ok(killed) => out.discard = killed,
            Err(_) => {
                self.failed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                out.discard = u64::MAX;
                return;
            }
        }
        for (i, o) in self.outputs.iter().enumerate() {
            let Some(values) = regs.output(program, i) else {
                continue;
            };
            match *o {
                FragOutput::Color {
                    attachment,
                    component,
                } => {
                    if let Some(c) = out
                        .color
                        .get_mut(attachment)
                        .and_then(|a| a.get_mut(component))
                    {
                        *c = *values;
                    }
                }
                FragOutput::Depth => {
                    out.depth = values.map(f32::from_bits);
                    out.depth_written = true;
                }
                FragOutput::SampleMask => {
                    out.sample_mask = *values;
                    out.sample_mask_written = true;
                }
                FragOutput::Ignored => {}
            }
        }
    }
}

fn attachment(view: &ImageView) -> Option<pumice_raster::Attachment<'_>> {
    Some(pumice_raster::Attachment {
        image: view.image.as_ref()?,
        mip_level: view.range.base_mip_level,
        array_layer: view.range.base_array_layer,
    })
}

/// A `vkCmdSet*` value, when the pipeline declares `state` dynamic.
fn dynamic_value<T>(g: &GraphicsPipeline, state: vk::DynamicState, value: Option<T>) -> Option<T> {
    value.filter(|_| g.is_dynamic(state))
}

/// The rasterizer's state for a draw: the pipeline's, with dynamic state applied.
fn raster_state(
    draw: &DrawCommand,
    g: &GraphicsPipeline,
    fragment: Option<&StageProgram>,
    varyings: &[IoSlot],
) -> Result<pumice_raster::RasterState, &'static str> {
    use crate::conv;
    let s = &g.state;
    let d = &draw.dynamic;
    use vk::DynamicState as D;
    let vp = dynamic_value(g, D::VIEWPORT, d.viewport)
        .or_else(|| dynamic_value(g, D::VIEWPORT_WITH_COUNT, d.viewport))
        .or_else(|| s.viewports.first().copied())
        .ok_or("no viewport")?;
    let sc = dynamic_value(g, D::SCISSOR, d.scissor)
        .or_else(|| dynamic_value(g, D::SCISSOR_WITH_COUNT, d.scissor))
        .or_else(|| s.scissors.first().copied())
        .ok_or("no scissor")?;
    let mut blend = Vec::new();
    for b in &s.blend {
        blend.push(pumice_raster::ColorBlend {
            blend_enable: b.enable,
            src_color: conv::blend_factor(b.src_color).ok_or("blend factor")?,
            dst_color: conv::blend_factor(b.dst_color).ok_or("blend factor")?,
            color_op: conv::blend_op(b.color_op).ok_or("blend op")?,
            src_alpha: conv::blend_factor(b.src_alpha).ok_or("blend factor")?,
            dst_alpha: conv::blend_factor(b.dst_alpha).ok_or("blend factor")?,
            alpha_op: conv::blend_op(b.alpha_op).ok_or("blend op")?,
            write_mask: b.write_mask.as_raw() as u8,
        });
    }
    // State the pipeline declares dynamic comes from the command buffer; other state from the
    // pipeline, whatever was set before it was bound.
    let stencil_face = |face: &crate::graphics_pipeline::StencilFace,
                        i: usize|
     -> Result<pumice_raster::StencilFace, &'static str> {
        let ops = dynamic_value(g, D::STENCIL_OP, d.stencil_op[i]);
        Ok(pumice_raster::StencilFace {
            fail_op: conv::stencil_op(ops.map_or(face.fail, |o| o.fail)).ok_or("stencil op")?,
            pass_op: conv::stencil_op(ops.map_or(face.pass, |o| o.pass)).ok_or("stencil op")?,
            depth_fail_op: conv::stencil_op(ops.map_or(face.depth_fail, |o| o.depth_fail))
                .ok_or("stencil op")?,
            compare_op: conv::compare_op(ops.map_or(face.compare, |o| o.compare))
                .ok_or("compare op")?,
            compare_mask: dynamic_value(g, D::STENCIL_COMPARE_MASK, d.stencil_compare_mask[i])
                .unwrap_or(face.compare_mask),
            write_mask: dynamic_value(g, D::STENCIL_WRITE_MASK, d.stencil_write_mask[i])
                .unwrap_or(face.write_mask),
            reference: dynamic_value(g, D::STENCIL_REFERENCE, d.stencil_reference[i])
                .unwrap_or(face.reference),
        })
    };
    let stencil = pumice_raster::StencilState {
        test_enable: dynamic_value(g, D::STENCIL_TEST_ENABLE, d.stencil_test)
            .unwrap_or(s.stencil_test),
        front: stencil_face(&s.stencil_front, 0)?,
        back: stencil_face(&s.stencil_back, 1)?,
    };
    let depth_bias = dynamic_value(g, D::DEPTH_BIAS_ENABLE, d.depth_bias_enable)
        .unwrap_or(s.depth_bias_enable)
        .then(|| {
            let [constant_factor, clamp, slope_factor] =
                dynamic_value(g, D::DEPTH_BIAS, d.depth_bias).unwrap_or(s.depth_bias);
            pumice_raster::DepthBias {
                constant_factor,
                slope_factor,
                clamp,
            }
        });
    let depth_bounds = dynamic_value(g, D::DEPTH_BOUNDS_TEST_ENABLE, d.depth_bounds_test)
        .unwrap_or(s.depth_bounds_test)
        .then(|| dynamic_value(g, D::DEPTH_BOUNDS, d.depth_bounds).unwrap_or(s.depth_bounds));
    let interpolation = |slot: &IoSlot| match fragment.map(|f| f.interpolation(*slot)) {
        Some(pumice_shader::ir::Interp::Flat) => pumice_raster::Interpolation::Flat,
        Some(pumice_shader::ir::Interp::NoPerspective) => {
            pumice_raster::Interpolation::NoPerspective
        }
        _ => pumice_raster::Interpolation::Smooth,
    };
    Ok(pumice_raster::RasterState {
        viewport: pumice_raster::Viewport {
            x: vp.x,
            y: vp.y,
            width: vp.width,
            height: vp.height,
            min_depth: vp.min_depth,
            max_depth: vp.max_depth,
        },
        scissor: pumice_raster::Rect::new(
            sc.offset.x,
            sc.offset.y,
            sc.extent.width,
            sc.extent.height,
        ),
        cull_mode: conv::cull_mode(
            dynamic_value(g, D::CULL_MODE, d.cull_mode).unwrap_or(s.cull_mode),
        ),
        front_face: conv::front_face(
            dynamic_value(g, D::FRONT_FACE, d.front_face).unwrap_or(s.front_face),
        ),
        polygon_mode: conv::polygon_mode(s.polygon_mode).ok_or("polygon mode")?,
        depth_clamp: s.depth_clamp,
        varyings: varyings.iter().map(interpolation).collect(),
        clip_distances: varyings
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, IoSlot::ClipDistance(_)))
            .map(|(k, _)| 4 + k)
            .collect(),
        cull_distances: varyings
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, IoSlot::CullDistance(_)))
            .map(|(k, _)| 4 + k)
            .collect(),
        depth: pumice_raster::DepthState {
            test_enable: dynamic_value(g, D::DEPTH_TEST_ENABLE, d.depth_test)
                .unwrap_or(s.depth_test),
            write_enable: dynamic_value(g, D::DEPTH_WRITE_ENABLE, d.depth_write)
                .unwrap_or(s.depth_write),
            compare_op: conv::compare_op(
                dynamic_value(g, D::DEPTH_COMPARE_OP, d.depth_compare).unwrap_or(s.depth_compare),
            )
            .ok_or("compare op")?,
        },
        depth_bias,
        depth_bounds,
        stencil,
        blend,
        blend_constants: dynamic_value(g, D::BLEND_CONSTANTS, d.blend_constants)
            .unwrap_or(s.blend_constants),
        logic_op: match s.logic_op {
            Some(op) => Some(conv::logic_op(op).ok_or("logic op")?),
            None => None,
        },
        multisample: multisample(&s.multisample, fragment),
    })
}

/// The rasterizer's multisample state. Sample shading runs one invocation per sample when
/// `minSampleShading · samples > 1` (with 4 samples any fraction above ¼; at most ¼ shades
/// once per pixel, which is what one invocation per pixel already gives), and always when the
/// fragment shader reads `SampleId` ("Sample Shading": such a shader enables it with
/// `minSampleShading` 1).
fn multisample(
    ms: &crate::graphics_pipeline::MultisampleState,
    fragment: Option<&StageProgram>,
) -> pumice_raster::Multisample {
    let reads_sample_id = fragment.is_some_and(|f| f.inputs().any(|s| s == IoSlot::SampleIndex));
    let fraction = if reads_sample_id {
        Some(1.0)
    } else {
        ms.sample_shading
    };
    pumice_raster::Multisample {
        samples: ms.samples,
        sample_mask: ms.sample_mask,
        alpha_to_coverage: ms.alpha_to_coverage,
        alpha_to_one: ms.alpha_to_one,
        per_sample_shading: fraction.is_some_and(|f| f * ms.samples as f32 > 1.0),
    }
}

const VERTEX_STOPPED: &str = "the vertex shader was stopped by the watchdog";

/// Runs a draw command (every draw of an indirect one); returns the number of samples that
/// passed the fragment tests, for occlusion queries.
/// The draw calls of one draw command (one, or each record of an indirect buffer).
fn draw_params(draw: &DrawCommand) -> Result<Vec<DrawParams>, &'static str> {
    match &draw.source {
        DrawSource::Direct(params) => Ok(vec![*params]),
        DrawSource::Indirect {
            buffer,
            offset,
            draw_count,
            stride,
            indexed,
            count,
        } => {
            let b = buffer.as_ref().ok_or("indirect buffer without memory")?;
            let read = |b: &pumice_raster::transfer::BufferRef, at: u64, out: &mut [u8]| {
                at.checked_add(out.len() as u64)
                    .filter(|&end| end <= b.size)
                    .ok_or("indirect parameters outside the buffer")?;
                b.memory
                    .read(b.offset + at, out)
                    .map_err(|_| "indirect parameters outside the buffer")
            };
            let mut n = *draw_count;
            if let Some((cb, coff)) = count {
                let cb = cb.as_ref().ok_or("count buffer without memory")?;
                let mut word = [0u8; 4];
                read(&cb, *coff, &mut word)?;
                n = n.min(u32::from_le_bytes(word));
            }
            let mut all = Vec::with_capacity(n as usize);
            for i in 0..n {
                let at = offset + u64::from(i) * u64::from(*stride);
                let mut rec = [0u8; 20];
                let len = if *indexed { 20 } else { 16 };
                read(&b, at, &mut rec[..len])?;
                let w = |k: usize| {
                    u32::from_le_bytes([rec[4 * k], rec[4 * k + 1], rec[4 * k + 2], rec[4 * k + 3]])
                };
                let params = if *indexed {
                    // VkDrawIndexedIndirectCommand: indexCount, instanceCount, firstIndex,
                    // vertexOffset, firstInstance.
                    DrawParams {
                        kind: DrawKind::Indexed {
                            index_count: w(0),
                            first_index: w(2),
                            vertex_offset: w(3) as i32,
                        },
                        instance_count: w(1),
                        first_instance: w(4),
                        draw_index: i,
                    }
                } else {
                    // VkDrawIndirectCommand: vertexCount, instanceCount, firstVertex,
                    // firstInstance.
                    DrawParams {
                        kind: DrawKind::Vertices {
                            vertex_count: w(0),
                            first_vertex: w(2),
                        },
                        instance_count: w(1),
                        first_instance: w(3),
                        draw_index: i,
                    }
                };
                all.push(params);
            }
            Ok(all)
        }
    }
}

/// A draw call whose vertices are shaded, waiting to be rasterized with the other draws of
/// its render pass instance.
struct PreparedDraw<'r> {
    draw: &'r DrawCommand,
    found: std::sync::Arc<[crate::queue::Found]>,
    shaded: ShadedVertices,
    state: pumice_raster::RasterState,
    topology: pumice_raster::Topology,
}

/// The draws of one render pass instance (one set of targets) waiting to be rasterized in one
/// [`pumice_raster::Pass`]: binned together and each tile rasterized once, the attachments
/// loaded into and stored from the tile buffers once for all of them, instead of once per
/// draw (the demo's 12 draws moved 4×-multisampled colour and depth through memory 12 times
/// a frame; memmove was 13% of its profile).
///
/// The queue flushes the batch at every command that is not a draw (so clears, resolves,
/// queries, copies and the next subpass see finished pixels) and at the end of a recording.
/// A draw joins only when nothing can tell it was deferred: its shaders have no storage
/// writes (which later commands, or later draws' shaders, could observe out of order — a
/// pipeline barrier inside a render pass is not a command here), and it reads none of the
/// pass's attachments as an image (an input attachment of the current subpass, read through a
/// self-dependency). Such a draw runs alone, after the batch before it.
#[derive(Default)]
pub struct DrawBatch<'r> {
    draws: Vec<PreparedDraw<'r>>,
    /// The `CLEAR` load ops of the render pass instance that began last, not yet done: the
    /// first pass of its draws takes them as it loads its tiles
    /// (`pumice_raster::Pass::clear_on_load`); anything else runs them first.
    clears: Option<(&'r Arc<RenderTargets>, &'r [LoadClear])>,
}

impl<'r> DrawBatch<'r> {
    /// A render pass instance begins: its load-op clears wait for its first draws (a
    /// one-layer instance; layered ones clear now). What is batched runs first.
    pub fn begin(
        &mut self,
        targets: &'r Arc<RenderTargets>,
        clears: &'r [LoadClear],
        device: &DeviceShared,
    ) -> Result<u64, &'static str> {
        let samples = self.flush(device)?;
        if targets.layers <= 1 {
            self.clears = Some((targets, clears));
        } else {
            begin_rendering(targets, clears)?;
        }
        Ok(samples)
    }

    /// Runs the waiting load-op clears now.
    fn clear_now(&mut self) -> Result<(), &'static str> {
        match self.clears.take() {
            Some((targets, clears)) => begin_rendering(targets, clears),
            None => Ok(()),
        }
    }

    /// Adds a draw command: flushes what is pending first when the draw cannot join it, shades
    /// the draw's vertices, and flushes again when it must run alone. Returns the samples that
    /// passed in the flushes (what active occlusion queries count).
    pub fn add(
        &mut self,
        draw: &'r DrawCommand,
        device: &DeviceShared,
    ) -> Result<u64, &'static str> {
        let g = draw.pipeline.graphics().ok_or("not a graphics pipeline")?;
        let mut uses = g.vertex.resources().to_vec();
        if let Some(fs) = &g.fragment {
            uses.extend_from_slice(fs.resources());
        }
        let mut found = crate::queue::find_descriptors(&uses, &draw.sets)?;
        if g.vertex.uses_device_addresses()
            || g.fragment
                .as_ref()
                .is_some_and(|f| f.uses_device_addresses())
        {
            found.extend(crate::queue::device_address_table(device));
        }
        let found: std::sync::Arc<[crate::queue::Found]> = found.into();
        let alone = g.vertex.may_have_side_effects
            || g.fragment.as_ref().is_some_and(|f| f.may_have_side_effects)
            || reads_attachments(&found, &draw.targets);
        let mut samples = 0;
        let joins = self
            .draws
            .first()
            .is_some_and(|p| std::sync::Arc::ptr_eq(&p.draw.targets, &draw.targets));
        // The first draw of the instance whose clears wait starts the batch that takes them.
        let starts_cleared = self.draws.is_empty()
            && self
                .clears
                .is_some_and(|(t, _)| std::sync::Arc::ptr_eq(t, &draw.targets));
        if alone || !(joins || starts_cleared) {
            samples += self.flush(device)?;
        }
        for params in draw_params(draw)? {
            if !prepare(draw, &params, g, &found, device, &mut self.draws)? {
                break;
            }
        }
        if alone {
            samples += self.flush(device)?;
        }
        Ok(samples)
    }

    /// Rasterizes the pending draws in one pass; returns the samples that passed.
    pub fn flush(&mut self, device: &DeviceShared) -> Result<u64, &'static str> {
        let Some(first) = self.draws.first() else {
            self.clear_now()?;
            return Ok(0);
        };
        let t = &first.draw.targets;
        // Clears of these targets go to the pass; others (none: a beginning flushes the
        // batch) are not left waiting.
        let clears = match self.clears.take() {
            Some((targets, clears)) if std::sync::Arc::ptr_eq(targets, t) => Some(clears),
            other => {
                self.clears = other;
                self.clear_now()?;
                None
            }
        };
        // (One that cannot be encoded is left to `begin_rendering` below, which reports it.)
        let load_clears = clears.and_then(|c| load_clears(t, c).ok());
        let targets = pumice_raster::RenderTargets {
            colors: t
                .color
                .iter()
                .map(|c| c.as_ref().and_then(|v| attachment(v)))
                .collect(),
            depth: t.depth.as_ref().and_then(|v| attachment(v)),
            stencil: t.stencil.as_ref().and_then(|v| attachment(v)),
            render_area: pumice_raster::Rect::new(
                t.area.offset.x,
                t.area.offset.y,
                t.area.extent.width,
                t.area.extent.height,
            ),
        };
        let result = {
            let resources = self
                .draws
                .iter()
                .map(|p| crate::queue::dispatch_resources(&p.found, &p.draw.push_constants))
                .collect::<Result<Vec<_>, _>>()?;
            let fragments: Vec<ShaderFragment> = self
                .draws
                .iter()
                .zip(&resources)
                .map(|(p, res)| {
                    let g = p.draw.pipeline.graphics();
                    let fs = g.and_then(|g| g.fragment.as_ref());
                    ShaderFragment::new(
                        fs,
                        res,
                        &p.shaded.varyings,
                        p.draw.targets.view_index,
                        &device.lost,
                    )
                })
                .collect();
            // Tiles are rasterized on the driver's one worker pool (PUMICE_THREADS).
            let result = pumice_shader::pool::install(|| {
                let mut pass = pumice_raster::Pass::new(&targets)?;
                if let Some(c) = clears {
                    if !load_clears.is_some_and(|lc| pass.clear_on_load(lc)) {
                        // Not texels the tiles take: cleared here, before the draws.
                        begin_rendering(t, c)
                            .map_err(|_| pumice_raster::RasterError::BadAttachment)?;
                    }
                }
                let mut refused = None;
                for (p, fragment) in self.draws.iter().zip(&fragments) {
                    let input = pumice_raster::VertexInput {
                        vertices: &p.shaded.data,
                        stride: p.shaded.stride,
                        indices: None,
                        primitive_restart: false,
                        topology: p.topology,
                        point_size: p.shaded.point_size,
                    };
                    // A draw the rasterizer refuses leaves the others of the pass alone.
                    if let Err(e) = pass.draw(&p.state, &input, fragment) {
                        refused.get_or_insert(e);
                    }
                }
                pass.flush();
                refused.map_or(Ok(pass.samples_passed()), Err)
            });
            if fragments
                .iter()
                .any(|f| f.failed.load(std::sync::atomic::Ordering::Relaxed))
            {
                device.mark_lost("a fragment shader was stopped");
            }
            result
        };
        self.draws.clear();
        result.map_err(|_| "the draw's attachments cannot be rendered to")
    }
}

/// Whether a draw's descriptors show an image that is one of the pass's attachments.
fn reads_attachments(found: &[crate::queue::Found], targets: &RenderTargets) -> bool {
    let attachments: Vec<&crate::handle::Ref<crate::image::Image>> = targets
        .color
        .iter()
        .chain(&targets.resolve)
        .flatten()
        .chain(targets.depth.iter())
        .chain(targets.stencil.iter())
        .map(|v| &v.image)
        .collect();
    found.iter().any(|f| match f {
        crate::queue::Found::Image(_, Some(view), _) => attachments
            .iter()
            .any(|a| crate::handle::Ref::ptr_eq(a, &view.image)),
        _ => false,
    })
}

/// Runs a draw command now: its draws rasterized in a pass of their own. Returns the samples
/// that passed every fragment test.
pub fn draw(draw: &DrawCommand, device: &DeviceShared) -> Result<u64, &'static str> {
    let mut batch = DrawBatch::default();
    let samples = batch.add(draw, device)?;
    Ok(samples + batch.flush(device)?)
}

/// Shades the vertices of one draw call and appends what the rasterizer needs to `out` (one
/// entry per instance and restart run). Returns `false` when the device was lost (the watchdog
/// stopped the vertex shader).
fn prepare<'r>(
    draw: &'r DrawCommand,
    params: &DrawParams,
    g: &GraphicsPipeline,
    found: &std::sync::Arc<[crate::queue::Found]>,
    device: &DeviceShared,
    out: &mut Vec<PreparedDraw<'r>>,
) -> Result<bool, &'static str> {
    use vk::DynamicState as D;
    let restart = dynamic_value(
        g,
        D::PRIMITIVE_RESTART_ENABLE,
        draw.dynamic.primitive_restart,
    )
    .unwrap_or(g.state.primitive_restart);
    // `rasterizerDiscardEnable`: primitives are discarded before rasterization; the vertex
    // stage still runs (its stores are visible).
    let discard = dynamic_value(
        g,
        D::RASTERIZER_DISCARD_ENABLE,
        draw.dynamic.rasterizer_discard,
    )
    .unwrap_or(g.state.rasterizer_discard);
    let (ids, runs) = vertex_ids(draw, params, restart)?;
    let res = crate::queue::dispatch_resources(found, &draw.push_constants)?;
    for i in 0..params.instance_count {
        let instance = params.first_instance.wrapping_add(i);
        // Primitive restart splits the index list into runs assembled separately.
        for run in &runs {
            let run = &ids[run.clone()];
            if run.is_empty() {
                continue;
            }
            let shaded = match shade_vertices(draw, params, g, &res, run, instance, &device.lost) {
                Err(VERTEX_STOPPED) => {
                    device.mark_lost(VERTEX_STOPPED);
                    return Ok(false);
                }
                other => other?,
            };
            if discard {
                continue;
            }
            let state = raster_state(draw, g, g.fragment.as_ref(), &shaded.varyings)?;
            let topology = dynamic_value(g, D::PRIMITIVE_TOPOLOGY, draw.dynamic.topology)
                .unwrap_or(g.state.topology);
            let topology = crate::conv::topology(topology).ok_or("topology")?;
            out.push(PreparedDraw {
                draw,
                found: found.clone(),
                shaded,
                state,
                topology,
            });
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pumice_memory::DeviceMemory;

    /// `read_consecutive` gives what `read` gives each vertex, or declines: every float format,
    /// strides from 0 to beyond its limit, and runs that end inside, at and past the end of
    /// the buffer.
    #[test]
    fn read_consecutive_is_read() {
        let memory = DeviceMemory::new(4096).expect("memory");
        let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 37 + i / 251) as u8).collect();
        memory.write(0, &bytes).expect("write");
        let formats = [
            Format::R32_SFLOAT,
            Format::R32G32_SFLOAT,
            Format::R32G32B32_SFLOAT,
            Format::R32G32B32A32_SFLOAT,
        ];
        let (mut span, mut out) = (Vec::new(), [[0u32; 4]; W]);
        let (mut fast, mut declined) = (0, 0);
        for (f, &format) in formats.iter().enumerate() {
            for stride in [0u64, 4, 8, 12, 16, 20, 28, 64, 68] {
                for (offset, size) in [(0u64, 4096u64), (8, 1000), (100, 517), (4000, 96)] {
                    let reader = AttributeReader::Bound {
                        buffer: pumice_raster::transfer::BufferRef {
                            memory: &memory,
                            offset,
                            size,
                        },
                        base: 4 * f as u64,
                        stride,
                        per_instance: false,
                        format,
                        size: 4 * (f + 1),
                        floats: f + 1,
                    };
                    for (first, n) in [(0u32, W), (3, 17), (50, W), (u32::MAX - 3, 3), (9, 1)] {
                        let out = &mut out[..n];
                        out.fill([7; 4]);
                        if reader.read_consecutive(first, &mut span, out) {
                            fast += 1;
                            for (i, v) in out.iter().enumerate() {
                                assert_eq!(*v, reader.read(first + i as u32, 0), "{format:?} stride {stride} offset {offset} size {size} vertex {first}+{i}");
                            }
                        } else {
                            declined += 1;
                            assert!(out.iter().all(|v| *v == [7; 4]), "declined but wrote");
                        }
                    }
                }
            }
        }
        // Both outcomes occur, so the comparison above is not vacuous.
        assert!(
            fast > 100 && declined > 100,
            "{fast} fast, {declined} declined"
        );
    }
}
