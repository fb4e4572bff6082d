//! A render pass instance: draws are assembled, clipped, set up and binned as they are
//! submitted; [`Pass::flush`] rasterizes every tile in parallel.
//!
//! The split matches Vulkan's render pass: the Vulkan layer creates a `Pass` at
//! `vkCmdBeginRenderPass`/`vkCmdBeginRendering`, calls [`Pass::draw`] per draw with the vertex
//! shader's outputs and the bound fragment stage, and flushes at the end of the pass (or at
//! anything that must see the results earlier: a subpass boundary with a dependency, a
//! `vkCmdClearAttachments` can instead become a draw). Nothing touches the attachments before
//! `flush`, which is what lets a tile keep its pixels in cache for the whole pass.
//!
//! Order: bins receive triangles in submission order and each tile is rasterized by one worker,
//! so the result is identical for any number of threads.

use crate::bin::TileGrid;
use crate::bin::{number_segments, open_segment, take_segment, Segment};
use crate::clip::{ClipPlanes, Clipper};
use crate::fragment::{FragmentStage, MAX_COLOR_ATTACHMENTS};
use crate::output::{ColorOp, DrawOps, SampleOps, StencilFaceOps, Target};
use crate::prims::{setup_line, setup_point, Sink};
use crate::setup::{
    polygon_bias, project, setup_batch, setup_polygon, BiasParams, SetupParams, Triangle, BATCH,
};
use crate::state::{Interpolation, PixelRect, PolygonMode, RasterState, Rect, Topology};
use crate::tile::{DrawRecord, PassData, Worker};
use crate::transfer::ImageRef;
use crate::RasterError;
use pumice_texel::Aspect;
use rayon::prelude::*;

/// One attachment: a mip level and array layer of an image.
#[derive(Clone, Copy, Debug)]
pub struct Attachment<'a> {
    pub image: ImageRef<'a>,
    pub mip_level: u32,
    pub array_layer: u32,
}

/// The attachments of a pass and the area drawn to.
#[derive(Clone, Debug)]
pub struct RenderTargets<'a> {
    /// Colour attachments by location (`None`: `VK_ATTACHMENT_UNUSED`).
    pub colors: Vec<Option<Attachment<'a>>>,
    /// The depth attachment (its depth aspect).
    pub depth: Option<Attachment<'a>>,
    /// The stencil attachment (its stencil aspect: `S8_UINT` or a combined depth/stencil image,
    /// usually the same image as `depth`).
    pub stencil: Option<Attachment<'a>>,
    /// `renderArea`: nothing outside it is read or written.
    pub render_area: Rect,
}

/// The vertices of one draw, as the vertex stage left them.
#[derive(Clone, Copy, Debug)]
pub struct VertexInput<'v> {
    /// Vertex `i` is `vertices[i·stride .. i·stride + 4 + N]`: the clip-space position, then the
    /// `N` varying components of `RasterState::varyings`.
    pub vertices: &'v [f32],
    /// Floats per vertex, at least `4 + N`.
    pub stride: usize,
    /// Vertex indices (after the index buffer and `vertexOffset`), or `None` for
    /// `0..vertex count`. Indices past the vertices drop their primitive.
    pub indices: Option<&'v [u32]>,
    /// With `indices`, `0xFFFF_FFFF` restarts the strip or fan (`primitiveRestartEnable`).
    pub primitive_restart: bool,
    pub topology: Topology,
    /// For points (a point topology or `PolygonMode::Point`): where `PointSize` is in a vertex
    /// (an offset in floats from the vertex's start); `None` draws points of size 1.
    pub point_size: Option<usize>,
}

/// What a render pass instance's `CLEAR` load ops write, for [`Pass::clear_on_load`]: per
/// attachment plane, one sample's texel in the plane's format.
#[derive(Clone, Debug, Default)]
pub struct LoadClears {
    /// By colour attachment location.
    pub colors: Vec<Option<Vec<u8>>>,
    pub depth: Option<Vec<u8>>,
    pub stencil: Option<Vec<u8>>,
}

/// A render pass being recorded.
pub struct Pass<'a> {
    colors: Vec<Option<Target<'a>>>,
    depth: Option<Target<'a>>,
    stencil: Option<Target<'a>>,
    area: PixelRect,
    grid: TileGrid,
    draws: Vec<DrawRecord<'a>>,
    /// The set-up triangles so far, binned, in submission order (see [`Segment`]).
    segments: Vec<Segment>,
    /// Emptied segments, for the next draws and passes.
    spare: Vec<Segment>,
    clipper: Clipper,
    scratch: Vec<f32>,
    ends: Vec<f32>,
    vary: Vec<f32>,
    /// Samples per pixel of the attachments (1 or 4); `None` without attachments, where each
    /// draw's `rasterizationSamples` applies.
    sample_count: Option<u32>,
    /// Samples that passed the fragment tests since the pass began (occlusion queries).
    samples: std::sync::atomic::AtomicU64,
    /// Large triangles of one colour are drawn by tables (`tile::UniformFill`); the tests
    /// turn it off to compare with the batches.
    uniform_fills: bool,
    /// Triangles drawn by uniform fills so far (the tests check that they happen).
    pub(crate) uniform_fills_made: usize,
    /// Load-op clears the next flush applies as it loads the tiles.
    clears: Option<LoadClears>,
}

impl std::fmt::Debug for Pass<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pass")
            .field("area", &self.area)
            .field("draws", &self.draws.len())
            .field(
                "triangles",
                &self.segments.iter().map(|s| s.tris.len()).sum::<usize>(),
            )
            .finish_non_exhaustive()
    }
}

/// The large buffers of a pass, recycled from one pass to the next.
///
/// A pass of 200k small triangles fills ~35 MB of triangles and attribute records; allocated
/// afresh per pass, every page of that was a page fault (16% of the triangle benchmark's time).
/// One spare set of segments is kept, so a steady stream of similar passes allocates nothing;
/// its memory is what the largest recent pass needed.
static SPARE_SEGMENTS: std::sync::Mutex<Vec<Segment>> = std::sync::Mutex::new(Vec::new());

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut segments = std::mem::take(&mut self.spare);
        segments.append(&mut self.segments);
        if let Ok(mut spare) = SPARE_SEGMENTS.lock() {
            *spare = segments;
        }
    }
}

/// Filled triangle draws with at least this many triangles are clipped and set up in
/// parallel, in chunks of [`SETUP_CHUNK`] (about 0.2 ms of work each: small enough to spread
/// over the cores, large enough that a task's cost does not show).
const PARALLEL_SETUP: usize = 4096;
const SETUP_CHUNK: usize = 2048;

/// The number of triangles of a restart-free run of `n` vertices.
fn triangle_count(topology: Topology, n: usize) -> usize {
    match topology {
        Topology::TriangleList => n / 3,
        Topology::TriangleStrip | Topology::TriangleFan => n.saturating_sub(2),
        Topology::PointList | Topology::LineList | Topology::LineStrip => 0,
    }
}

/// The vertices (positions in the run) of triangle `i`, the provoking vertex first.
fn triangle_vertices(topology: Topology, i: usize) -> [usize; 3] {
    match topology {
        // Vulkan: primitive i is (i, i + (1 + i % 2), i + (2 − i % 2)).
        Topology::TriangleStrip => {
            let odd = i % 2;
            [i, i + 1 + odd, i + 2 - odd]
        }
        // Vulkan: primitive i is (i + 1, i + 2, 0); its provoking vertex is i + 1.
        Topology::TriangleFan => [i + 1, i + 2, 0],
        _ => [3 * i, 3 * i + 1, 3 * i + 2],
    }
}

/// Assembles the triangles of one restart-free run of `n` vertices: calls `f(i, [a, b, c])`
/// with the index `i` of the primitive in the run and its vertices (positions in the run),
/// the provoking vertex first. (Points and lines are assembled by `Pass::draw` itself.)
fn assemble(topology: Topology, n: usize, mut f: impl FnMut(usize, [usize; 3])) {
    for i in 0..triangle_count(topology, n) {
        f(i, triangle_vertices(topology, i));
    }
}

/// Whether a primitive with `vertices` is dropped by a cull distance (components `cull`):
/// "if the cull distance for all vertices of the primitive is negative for any cull distance
/// index, the primitive is discarded". A NaN distance counts as negative.
fn culled(vertices: &[&[f32]], cull: &[usize]) -> bool {
    cull.iter().any(|&c| {
        vertices
            .iter()
            .all(|v| v.get(c).is_none_or(|&d| d.is_nan() || d < 0.0))
    })
}

/// [`culled`] for the three vertices in `scratch` (`vstride` floats each).
fn culled_triangle(scratch: &[f32], vstride: usize, cull: &[usize]) -> bool {
    !cull.is_empty()
        && scratch.len() >= 3 * vstride
        && culled(
            &[
                &scratch[..vstride],
                &scratch[vstride..2 * vstride],
                &scratch[2 * vstride..3 * vstride],
            ],
            cull,
        )
}

/// Copies the vertices `prim` of a triangle into `scratch` (`vstride` floats each), flat
/// components from the provoking vertex; returns their point sizes, or `None` when a vertex
/// is missing (the primitive is dropped).
fn fetch_triangle<'v>(
    vertex: &impl Fn(usize) -> Option<(&'v [f32], f32)>,
    prim: [usize; 3],
    interp: &[Interpolation],
    vstride: usize,
    scratch: &mut Vec<f32>,
) -> Option<[f32; 3]> {
    scratch.clear();
    let mut sizes = [1.0; 3];
    for (k, &p) in prim.iter().enumerate() {
        let (vtx, size) = vertex(p)?;
        scratch.extend_from_slice(vtx);
        sizes[k] = size;
    }
    for (k, mode) in interp.iter().enumerate() {
        if *mode == Interpolation::Flat {
            let pv = scratch[4 + k];
            scratch[vstride + 4 + k] = pv;
            scratch[2 * vstride + 4 + k] = pv;
        }
    }
    Some(sizes)
}

impl<'a> Pass<'a> {
    /// Starts a pass over `targets`. Fails when an attachment is multisampled, of a format the
    /// rasterizer cannot write, or outside its memory.
    pub fn new(targets: &RenderTargets<'a>) -> Result<Pass<'a>, RasterError> {
        if targets.colors.len() > MAX_COLOR_ATTACHMENTS {
            return Err(RasterError::TooManyAttachments);
        }
        let mut area = PixelRect::from_rect(targets.render_area);
        let mut colors = Vec::with_capacity(targets.colors.len());
        for att in &targets.colors {
            let t = match att {
                Some(a) => {
                    if !a.image.layout.desc.format.aspects().color {
                        return Err(RasterError::BadAttachment);
                    }
                    Some(Target::resolve(a, Aspect::Color)?)
                }
                None => None,
            };
            colors.push(t);
        }
        let depth = match &targets.depth {
            Some(a) => Some(Target::resolve(a, Aspect::Depth)?),
            None => None,
        };
        let stencil = match &targets.stencil {
            Some(a) => Some(Target::resolve(a, Aspect::Stencil)?),
            None => None,
        };
        for t in colors
            .iter()
            .flatten()
            .chain(depth.iter())
            .chain(stencil.iter())
        {
            let extent = PixelRect {
                x0: 0,
                y0: 0,
                x1: t.extent[0].min(i32::MAX as u32) as i32,
                y1: t.extent[1].min(i32::MAX as u32) as i32,
            };
            area = area.intersect(extent);
        }
        // "All attachments of a subpass must have the same sample count."
        let mut samples = None;
        for t in colors
            .iter()
            .flatten()
            .chain(depth.iter())
            .chain(stencil.iter())
        {
            let n = t.samples as u32;
            if *samples.get_or_insert(n) != n {
                return Err(RasterError::Multisampled);
            }
        }
        let grid = TileGrid::new(area);
        let spare = SPARE_SEGMENTS
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default();
        Ok(Pass {
            sample_count: samples,
            colors,
            depth,
            stencil,
            area,
            grid,
            draws: Vec::new(),
            segments: Vec::new(),
            spare,
            clipper: Clipper::default(),
            scratch: Vec::new(),
            ends: Vec::new(),
            vary: Vec::new(),
            samples: Default::default(),
            uniform_fills: true,
            uniform_fills_made: 0,
            clears: None,
        })
    }

    /// Draws every triangle through shading batches, without uniform fills (the reference the
    /// fills are tested against).
    #[cfg(test)]
    pub(crate) fn without_uniform_fills(&mut self) {
        self.uniform_fills = false;
    }

    /// Records a draw: assembles its primitives, clips, culls, sets up and bins them. The
    /// attachments are not touched until [`Pass::flush`].
    pub fn draw(
        &mut self,
        state: &RasterState,
        input: &VertexInput,
        fragment: &'a dyn FragmentStage,
    ) -> Result<(), RasterError> {
        let n = state.varyings.len();
        let stride = input.stride;
        if stride < 4 + n {
            return Err(RasterError::VertexStride);
        }
        if self.area.is_empty() {
            return Ok(());
        }
        let draw = u32::try_from(self.draws.len()).map_err(|_| RasterError::TooManyPrimitives)?;
        let v = &state.viewport;
        let mut params = SetupParams::new(
            v,
            PixelRect::from_rect(state.scissor),
            self.area,
            state.cull_mode,
            state.front_face,
        );
        // Depth bias only matters where there is a depth to offset.
        params.bias = match (state.depth_bias, &self.depth) {
            (Some(b), Some(t)) => Some(BiasParams::new(b, t.format)),
            _ => None,
        };
        let ms = &state.multisample;
        if ms.samples != 1 && ms.samples != 4 {
            return Err(RasterError::Multisampled);
        }
        // VUID-vkCmdDraw-multisampledRenderToSingleSampled-07284: rasterizationSamples must
        // match the attachments' sample count.
        let samples = self.sample_count.unwrap_or(ms.samples);
        if samples != ms.samples {
            return Err(RasterError::Multisampled);
        }
        params.multisample = samples > 1;
        let info = fragment.info();
        let sample_ops = (ms.needs_sample_path() || info.writes_sample_mask)
            .then(|| SampleOps::new(ms, samples));
        if params.clip_rect.is_empty() {
            return Ok(());
        }
        let planes = ClipPlanes::new(
            params.origin,
            params.half,
            state.depth_clamp,
            &state.clip_distances,
        );
        let cull = state.cull_distances.as_slice();
        let ops = self.draw_ops(state);
        let vertex_count = input.vertices.len() / stride;
        let interp = &state.varyings;
        let tris_before = self.triangle_count();
        // Only the segment that is last now and those this draw adds can get triangles.
        let first_touched = self.segments.len().saturating_sub(1);

        // Runs of vertex indices between restarts.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        match input.indices {
            None => runs.push((0, vertex_count)),
            Some(ix) => {
                let mut start = 0;
                for (i, &x) in ix.iter().enumerate() {
                    if input.primitive_restart && x == u32::MAX {
                        runs.push((start, i));
                        start = i + 1;
                    }
                }
                runs.push((start, ix.len()));
            }
        }
        let vstride = 4 + n;
        let mut primitive_id: u32 = 0;
        // Points (a point list, or triangles in point mode) carry `PointCoord` as two extra
        // varying components.
        let triangles = matches!(
            input.topology,
            Topology::TriangleList | Topology::TriangleStrip | Topology::TriangleFan
        );
        let mode = if triangles {
            state.polygon_mode
        } else {
            PolygonMode::Fill
        };
        let points = input.topology == Topology::PointList || mode == PolygonMode::Point;
        let mut draw_interp = state.varyings.clone();
        if points {
            draw_interp.extend([Interpolation::NoPerspective; 2]);
        }
        let tiles = self.grid.len();
        let Pass {
            clipper,
            scratch,
            segments,
            spare,
            grid,
            ends,
            vary,
            ..
        } = self;
        let grid = &*grid;
        // Primitives set up one at a time go to the last segment.
        macro_rules! sink {
            ($id:expr, $front_facing:expr, $offset:expr) => {{
                let seg = open_segment(segments, spare, tiles);
                Sink {
                    draw,
                    primitive_id: $id,
                    front_facing: $front_facing,
                    depth_offset: $offset,
                    tris: &mut seg.tris,
                    attrs: &mut seg.attrs,
                    ends: &mut *ends,
                    vary: &mut *vary,
                }
            }};
        }
        for (start, end) in runs {
            let len = end - start;
            // Vertex `p` of the run, and its point size.
            let vertex = |p: usize| -> Option<(&[f32], f32)> {
                let vi = match input.indices {
                    Some(ix) => ix[start + p] as usize,
                    None => start + p,
                };
                let o = vi.checked_mul(stride)?;
                let v = input.vertices.get(o..o + vstride)?;
                let size = match input.point_size {
                    Some(k) => *input.vertices.get(o + k)?,
                    None => 1.0,
                };
                Some((v, size))
            };
            match input.topology {
                Topology::PointList => {
                    for p in 0..len {
                        let id = primitive_id;
                        primitive_id = primitive_id.wrapping_add(1);
                        if let Some((v, size)) = vertex(p).filter(|(v, _)| !culled(&[v], cull)) {
                            setup_point(
                                &params,
                                &draw_interp,
                                &planes,
                                v,
                                size,
                                sink!(id, true, 0.0),
                            );
                        }
                    }
                }
                Topology::LineList | Topology::LineStrip => {
                    let count = if input.topology == Topology::LineList {
                        len / 2
                    } else {
                        len.saturating_sub(1)
                    };
                    for i in 0..count {
                        let id = primitive_id;
                        primitive_id = primitive_id.wrapping_add(1);
                        let (pa, pb) = if input.topology == Topology::LineList {
                            (2 * i, 2 * i + 1)
                        } else {
                            (i, i + 1)
                        };
                        let (Some((a, _)), Some((b, _))) = (vertex(pa), vertex(pb)) else {
                            continue;
                        };
                        if culled(&[a, b], cull) {
                            continue;
                        }
                        scratch.clear();
                        scratch.extend_from_slice(a);
                        scratch.extend_from_slice(b);
                        for (k, m) in interp.iter().enumerate() {
                            if *m == Interpolation::Flat {
                                scratch[vstride + 4 + k] = scratch[4 + k];
                            }
                        }
                        let (a, b) = scratch.split_at(vstride);
                        setup_line(&params, interp, &planes, a, b, sink!(id, true, 0.0));
                    }
                }
                Topology::TriangleList | Topology::TriangleStrip | Topology::TriangleFan
                    if mode == PolygonMode::Fill
                        && triangle_count(input.topology, len) >= PARALLEL_SETUP =>
                {
                    // Clipping, set-up and binning of large filled draws run in parallel, in
                    // chunks of primitives that become segments of their own, in primitive
                    // order: the same triangles, records and bin order as the serial loop,
                    // for any number of threads, and nothing copied afterwards.
                    let count = triangle_count(input.topology, len);
                    // A run of a non-indexed list whose vertices are exactly `4 + N` floats and
                    // have no flat varyings holds each triangle as `fetch_triangle` would copy
                    // it: set up in place (the copy was 4% of the small-triangle bench).
                    let in_place = input.topology == Topology::TriangleList
                        && input.indices.is_none()
                        && stride == vstride
                        && !interp.contains(&Interpolation::Flat);
                    let base_id = primitive_id;
                    primitive_id = primitive_id.wrapping_add(count as u32);
                    // Eight triangles at a time where nothing but the view volume can clip
                    // them and set-up has no per-polygon depth offset (`setup::setup_batch`).
                    let batch_test = planes
                        .in_view_test()
                        .filter(|_| in_place && cull.is_empty() && params.bias.is_none());
                    let first_new = segments.len();
                    for _ in 0..count.div_ceil(SETUP_CHUNK) {
                        segments.push(take_segment(spare, tiles));
                    }
                    segments[first_new..]
                        .par_iter_mut()
                        .enumerate()
                        .for_each(|(c, seg)| {
                            pumice_memory::simd::vectorized(
                                #[inline(always)]
                                || {
                                    let Segment {
                                        tris,
                                        attrs,
                                        clipper,
                                        scratch,
                                        ..
                                    } = seg;
                                    // Triangle `i` of the draw, one at a time.
                                    let mut general = |i: usize,
                                                       tris: &mut Vec<Triangle>,
                                                       attrs: &mut Vec<f32>| {
                                        let tri: &[f32] = if in_place {
                                            let at = (start + 3 * i) * vstride;
                                            match input.vertices.get(at..at + 3 * vstride) {
                                                Some(t) => t,
                                                None => return,
                                            }
                                        } else {
                                            let prim = triangle_vertices(input.topology, i);
                                            if fetch_triangle(
                                                &vertex, prim, interp, vstride, scratch,
                                            )
                                            .is_none()
                                            {
                                                return;
                                            }
                                            scratch
                                        };
                                        if culled_triangle(tri, vstride, cull) {
                                            return;
                                        }
                                        let poly = clipper.clip(tri, vstride, &planes, interp);
                                        let id = base_id.wrapping_add(i as u32);
                                        setup_polygon(
                                            &params, interp, poly, vstride, draw, id, tris, attrs,
                                        );
                                    };
                                    let end = ((c + 1) * SETUP_CHUNK).min(count);
                                    let mut i = c * SETUP_CHUNK;
                                    if let Some(test) = &batch_test {
                                        while i + BATCH <= end {
                                            let at = (start + 3 * i) * vstride;
                                            let Some(block) =
                                                input.vertices.get(at..at + 3 * BATCH * vstride)
                                            else {
                                                break;
                                            };
                                            let first = i;
                                            if !setup_batch(
                                                &params,
                                                test,
                                                interp,
                                                block,
                                                vstride,
                                                draw,
                                                base_id.wrapping_add(i as u32),
                                                tris,
                                                attrs,
                                                |j, tris, attrs| general(first + j, tris, attrs),
                                            ) {
                                                break;
                                            }
                                            i += BATCH;
                                        }
                                    }
                                    for i in i..end {
                                        general(i, tris, attrs);
                                    }
                                    seg.bin_pending(grid);
                                },
                            )
                        });
                    number_segments(&mut segments[first_new.saturating_sub(1)..]);
                }
                Topology::TriangleList | Topology::TriangleStrip | Topology::TriangleFan => {
                    assemble(input.topology, len, |_, prim| {
                        let id = primitive_id;
                        primitive_id = primitive_id.wrapping_add(1);
                        let Some(sizes) = fetch_triangle(&vertex, prim, interp, vstride, scratch)
                        else {
                            return;
                        };
                        if culled_triangle(scratch, vstride, cull) {
                            return;
                        }
                        let poly = clipper.clip(scratch, vstride, &planes, interp);
                        match mode {
                            PolygonMode::Fill => {
                                let seg = open_segment(segments, spare, tiles);
                                let (tris, attrs) = (&mut seg.tris, &mut seg.attrs);
                                setup_polygon(&params, interp, poly, vstride, draw, id, tris, attrs)
                            }
                            // "Polygon Mode": the edges (of the clipped polygon) as lines, or
                            // the vertices as points, after facing and culling.
                            PolygonMode::Line => {
                                let Some(p) = project(&params, poly, vstride) else {
                                    return;
                                };
                                let bias = polygon_bias(&params, &p);
                                let count = poly.len() / vstride;
                                for e in 0..count {
                                    let a = &poly[e * vstride..][..vstride];
                                    let b = &poly[(e + 1) % count * vstride..][..vstride];
                                    setup_line(
                                        &params,
                                        interp,
                                        &planes,
                                        a,
                                        b,
                                        sink!(id, p.front_facing, bias),
                                    );
                                }
                            }
                            PolygonMode::Point => {
                                let Some(p) = project(&params, poly, vstride) else {
                                    return;
                                };
                                let bias = polygon_bias(&params, &p);
                                for (k, &size) in sizes.iter().enumerate() {
                                    let v = &scratch[k * vstride..][..vstride];
                                    setup_point(
                                        &params,
                                        &draw_interp,
                                        &planes,
                                        v,
                                        size,
                                        sink!(id, p.front_facing, bias),
                                    );
                                }
                            }
                        }
                    });
                }
            }
        }
        // The triangles set up one at a time are binned now (a draw whose runs took both
        // paths left some in the segment before its parallel ones).
        for seg in self.segments.iter_mut().skip(first_touched) {
            seg.bin_pending(&self.grid);
        }
        if self.triangle_count() == tris_before {
            return Ok(());
        }
        self.draws.push(DrawRecord {
            fragment,
            info,
            interp: draw_interp,
            ops,
            samples: sample_ops,
        });
        Ok(())
    }

    /// Clears the render area of the attachment planes `clears` names when the next
    /// [`Pass::flush`] loads its tiles, before the draws recorded for it: the attachments
    /// are written once, tile by tile, instead of filled first and read back (a 1080p colour
    /// and depth clear was 16 MB written and 16 MB read per frame). Every tile of the render
    /// area is then stored, drawn on or not. `false` (and nothing changed) when a texel is
    /// not one sample of its plane's format or names no attachment: the caller clears
    /// another way.
    pub fn clear_on_load(&mut self, clears: LoadClears) -> bool {
        let fits = |texel: &Option<Vec<u8>>, target: Option<&Target>| match texel {
            None => true,
            Some(t) => target.is_some_and(|target| target.bpp == t.len() && !t.is_empty()),
        };
        let ok = clears.colors.len() <= self.colors.len()
            && clears
                .colors
                .iter()
                .zip(&self.colors)
                .all(|(c, t)| fits(c, t.as_ref()))
            && fits(&clears.depth, self.depth.as_ref())
            && fits(&clears.stencil, self.stencil.as_ref());
        if ok {
            self.clears = Some(clears);
        }
        ok
    }

    /// The triangles set up so far in this pass.
    fn triangle_count(&self) -> usize {
        self.segments
            .last()
            .map_or(0, |s| s.first as usize + s.tris.len())
    }

    fn draw_ops(&self, state: &RasterState) -> DrawOps {
        let v = &state.viewport;
        let colors = self
            .colors
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let t = t.as_ref()?;
                let blend = state.blend.get(i)?;
                Some(ColorOp::new(blend, t.format, state.logic_op))
            })
            .collect();
        let stencil = (state.stencil.test_enable && self.stencil.is_some()).then(|| {
            [
                StencilFaceOps::new(&state.stencil.front),
                StencilFaceOps::new(&state.stencil.back),
            ]
        });
        DrawOps {
            depth: state.depth,
            depth_clamp: state
                .depth_clamp
                .then(|| (v.min_depth.min(v.max_depth), v.min_depth.max(v.max_depth))),
            stencil,
            depth_bounds: state.depth_bounds.filter(|_| self.depth.is_some()),
            colors,
            constants: state.blend_constants,
        }
    }

    /// The number of samples that passed every fragment test in
    /// the flushes so far — an occlusion query's count.
    pub fn samples_passed(&self) -> u64 {
        self.samples.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Rasterizes everything recorded so far, tiles in parallel on the current rayon pool, and
    /// empties the pass for more draws. Draws still recorded when a pass is dropped are
    /// discarded.
    pub fn flush(&mut self) {
        let clears = self.clears.take();
        if self.triangle_count() != 0 || clears.is_some() {
            // The depth and stencil planes are loaded into the tiles (and written back) only
            // when a draw of the pass tests them: a pass of colour-only draws over a depth
            // attachment — the fill bench's 8 blended layers — read 8 MB of depth per frame
            // for nothing. (Depth writes happen only with the depth test enabled.)
            // (With a colour attachment: the tile takes its sample count from the first
            // attachment it loads.)
            let colors = self.colors.iter().any(Option::is_some);
            let depth_used = !colors
                || clears.as_ref().is_some_and(|c| c.depth.is_some())
                || self.draws.iter().any(|d| {
                    d.ops.depth.test_enable
                        || d.ops.depth_bounds.is_some()
                        || d.ops.stencil.is_some()
                });
            let stencil_used = !colors
                || clears.as_ref().is_some_and(|c| c.stencil.is_some())
                || self.draws.iter().any(|d| d.ops.stencil.is_some());
            let mut data = PassData {
                draws: &self.draws,
                segments: &self.segments,
                fills: &[],
                clears: clears.as_ref(),
                colors: &self.colors,
                depth: self.depth.as_ref().filter(|_| depth_used),
                stencil: self.stencil.as_ref().filter(|_| stencil_used),
            };
            // Made before the tiles run, once per triangle (a few per pass at most: they
            // cover thousands of pixels each), shared by every tile.
            let fills = if self.uniform_fills {
                crate::tile::uniform_fills(&data)
            } else {
                Vec::new()
            };
            data.fills = &fills;
            self.uniform_fills_made += fills.len();
            let grid = &self.grid;
            let samples = &self.samples;
            let segments = &self.segments;
            let all = clears.is_some();
            (0..grid.len())
                .into_par_iter()
                .filter(|&i| all || segments.iter().any(|s| s.has(i)))
                .for_each_init(Worker::new, |worker, i| {
                    let n = worker.run_tile(&data, grid.tile_rect(i), i);
                    if n != 0 {
                        samples.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                    }
                });
        }
        self.draws.clear();
        self.spare.append(&mut self.segments);
    }
}

/// Draws non-indexed `vertices` (`vertex_stride` floats each: position, then the varyings of
/// `state`) into `targets` and returns when the pixels are written.
pub fn draw(
    targets: &RenderTargets,
    state: &RasterState,
    vertices: &[f32],
    vertex_stride: usize,
    topology: Topology,
    fragment: &dyn FragmentStage,
) -> Result<(), RasterError> {
    draw_input(
        targets,
        state,
        &VertexInput {
            vertices,
            stride: vertex_stride,
            indices: None,
            primitive_restart: false,
            topology,
            point_size: None,
        },
        fragment,
    )
    .map(|_| ())
}

/// Draws `input` into `targets` and returns, when the pixels are written, the number of
/// fragments that passed every fragment test (an occlusion query's count).
pub fn draw_input(
    targets: &RenderTargets,
    state: &RasterState,
    input: &VertexInput,
    fragment: &dyn FragmentStage,
) -> Result<u64, RasterError> {
    let mut pass = Pass::new(targets)?;
    pass.draw(state, input, fragment)?;
    pass.flush();
    Ok(pass.samples_passed())
}
