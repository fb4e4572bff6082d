//! Rasterizing one tile: its triangles in submission order, 8×8 blocks, 2×2 quads, batches of 16
//! quads shaded and then written to the tile buffer.
//!
//! **Hierarchy.** For each triangle, the part of its bounding box inside the tile is walked in
//! 8×8 blocks aligned to the tile. Each block is tested against the three edge functions at its
//! extreme pixel centres: a block outside one edge is skipped (trivial reject); a block inside all
//! three needs no per-pixel edge test (trivial accept). Only partially covered blocks evaluate the
//! edges per pixel. The 8×8 size balances the cost of the block test (six evaluations per edge)
//! against the pixels it saves: for a 20-pixel triangle the block test already decides most of the
//! tile; larger blocks would rarely be trivially accepted.
//!
//! **Whole blocks.** An 8×8 block inside the triangle that starts a batch *is* the batch: its
//! 64 lanes are interpolated by 64-wide loops (`push_block`); other quads go through
//! `push_quad`, 4 lanes at a time. Both use [`interpolate`], so they give the same bits (tested).
//! With the 64-lane colour writes (`output::rgba8`) this took the 8-layer fill benchmark from
//! 0.08× to 0.20–0.23× of lavapipe, and the small-triangle one (with parallel vertex shading
//! and set-up, recycled pass buffers and a batch depth test) from 0.20× to 0.66–0.79×.
//!
//! **Uniform fills.** A large triangle whose fragments all get the same outputs skips all of
//! this: it is shaded once and its pixels go through per-byte tables ([`UniformFill`]).
//!
//! **Small triangles.** A triangle whose bounding box (in the tile) spans at most 4×4 quads
//! has its coverage found 64 pixels at once ([`window_coverage`]: 32-bit edge values, a mask
//! in lane order), then its covered quads are appended in order. For a shader without
//! cross-lane reads the covered pixels alone are packed into lanes ([`Worker::push_pixels`]).
//! Numbers (the graphics bench's triangle row, callgrind, one thread, 4 frames): 2.529G →
//! 2.499G instructions with the window, → 2.393G with packing (shaded batches 221K → 133K); on
//! the clock (one thread, medians of 8 alternating runs) 4.40 → 4.46 → 4.61 Mtri/s. Packing
//! pixel by pixel straight from the mask ran fewer instructions (2.336G) but slower (4.27).
//!
//! **Batches.** Quads with any covered pixel are appended to the current batch with their
//! interpolated inputs; at 16 quads — or when the draw changes, or the tile ends — the batch is
//! shaded and its fragments go through the per-fragment operations in lane order. Early fragment
//! tests (depth bounds, stencil, depth; when the shader allows it) run before shading and drops failing lanes, skipping the
//! shader entirely for batches with nothing left.

use crate::bin::Segment;
use crate::fragment::{FragmentBatch, FragmentInfo, FragmentOutput, FragmentStage, LANES, QUADS};
use crate::output::{DrawOps, SampleOps, Target, TileBuffer};
use crate::setup::{attr_record_len, Triangle};
use crate::state::{Interpolation, PixelRect};

/// Each lane's pixel offset within an 8×8 block along x (`axis` 0) or y (1): lane `4q + k` is
/// pixel (`k & 1`, `k >> 1`) of quad `q`, quads in rows of four.
pub(crate) const fn block_offsets(axis: usize) -> [i32; LANES] {
    let mut t = [0; LANES];
    let mut l = 0;
    while l < LANES {
        let (q, k) = (l / 4, l % 4);
        t[l] = if axis == 0 {
            (2 * (q % 4) + (k & 1)) as i32
        } else {
            (2 * (q / 4) + (k >> 1)) as i32
        };
        l += 1;
    }
    t
}

/// Each lane's pixel within its quad, along x (`axis` 0) or y (1).
const fn block_offsets_in_quad(axis: usize) -> [i32; LANES] {
    let mut t = [0; LANES];
    let mut l = 0;
    while l < LANES {
        t[l] = if axis == 0 {
            (l & 1) as i32
        } else {
            ((l >> 1) & 1) as i32
        };
        l += 1;
    }
    t
}

/// Writes depth, 1/w and the varyings of lanes `base..base + N` of `b`, at positions
/// (`fx`, `fy`) relative to the triangle's reference pixel corner, from the triangle's λ planes
/// and its attribute record `rec`. Each line is a loop over N lanes that the compiler
/// vectorizes; the quad path (N = 4) and the whole-block path (N = 64) share it, so both give
/// the same bits.
#[inline(always)]
fn interpolate<const N: usize>(
    b: &mut FragmentBatch,
    base: usize,
    interp: &[Interpolation],
    tri: &Triangle,
    rec: &[f32],
    fx: &[f32; N],
    fy: &[f32; N],
) {
    let n = interp.len();
    let [z0, dz1, dz2, iw0, iw1, iw2] = [rec[0], rec[1], rec[2], rec[3], rec[4], rec[5]];
    let (v0, d1, d2) = (
        &rec[6..6 + n],
        &rec[6 + n..6 + 2 * n],
        &rec[6 + 2 * n..6 + 3 * n],
    );
    let [l1p, l2p] = tri.lambda;
    // Plain loops, not `array::from_fn`: its closures are calls the compiler may stop
    // inlining when the tile loop grows (it did: the heavy-shader bench's 64-lane
    // interpolation went scalar, 1.51G → 2.63G instructions).
    let (mut l1, mut l2, mut z) = ([0.0f32; N], [0.0f32; N], [0.0f32; N]);
    let (mut q1, mut q2, mut inv_w) = ([0.0f32; N], [0.0f32; N], [0.0f32; N]);
    let (mut m1, mut m2) = ([0.0f32; N], [0.0f32; N]);
    for k in 0..N {
        l1[k] = l1p[0] * fx[k] + l1p[1] * fy[k] + l1p[2];
        l2[k] = l2p[0] * fx[k] + l2p[1] * fy[k] + l2p[2];
        let l0 = 1.0 - l1[k] - l2[k];
        z[k] = z0 + l1[k] * dz1 + l2[k] * dz2;
        q1[k] = l1[k] * iw1;
        q2[k] = l2[k] * iw2;
        inv_w[k] = l0 * iw0 + q1[k] + q2[k];
    }
    for k in 0..N {
        m1[k] = q1[k] / inv_w[k];
        m2[k] = q2[k] / inv_w[k];
    }
    let range = base..base + N;
    if range.end > LANES {
        return;
    }
    b.z[range.clone()].copy_from_slice(&z);
    b.inv_w[range.clone()].copy_from_slice(&inv_w);
    // Zipped rather than indexed: no bounds check per varying.
    let records = v0.iter().zip(d1).zip(d2);
    for ((dst, mode), ((&v, &e1), &e2)) in b.varyings.iter_mut().zip(interp).zip(records) {
        let Ok(dst) = <&mut [f32; N]>::try_from(&mut dst[range.clone()]) else {
            continue;
        };
        match mode {
            // Exactly the provoking vertex's value (its differences may be infinite).
            Interpolation::Flat => dst.fill(v),
            Interpolation::Smooth => {
                for k in 0..N {
                    dst[k] = v + m1[k] * e1 + m2[k] * e2;
                }
            }
            Interpolation::NoPerspective => {
                for k in 0..N {
                    dst[k] = v + l1[k] * e1 + l2[k] * e2;
                }
            }
        }
    }
}

/// One draw of a pass, as the tile workers need it.
pub(crate) struct DrawRecord<'a> {
    pub fragment: &'a dyn FragmentStage,
    pub info: FragmentInfo,
    pub interp: Vec<Interpolation>,
    pub ops: DrawOps,
    /// The per-sample path (`Multisample::needs_sample_path`), or `None` for one sample per
    /// pixel without sample mask or alpha-to-coverage — decided per draw, so that such draws
    /// pay nothing for multisampling.
    pub samples: Option<SampleOps>,
}

/// Everything a tile worker reads.
pub(crate) struct PassData<'p, 'a> {
    pub draws: &'p [DrawRecord<'a>],
    /// The set-up triangles and their bins.
    pub segments: &'p [Segment],
    /// The triangles drawn by tables instead of shading ([`uniform_fills`]), by pass-wide
    /// triangle index.
    pub fills: &'p [UniformFill],
    /// The pass's `CLEAR` load ops, taken when each tile is loaded (every tile runs).
    pub clears: Option<&'p crate::pass::LoadClears>,
    pub colors: &'p [Option<Target<'a>>],
    pub depth: Option<&'p Target<'a>>,
    pub stencil: Option<&'p Target<'a>>,
}

/// Triangles of at least this many pixels (their area and their bounding box's, clipped to
/// the viewport and scissor) are considered for a uniform fill: making its tables costs about
/// as much as shading and blending 2000 fragments in batches.
pub(crate) const MIN_FILL_AREA: f32 = 4096.0;

/// A triangle whose fragments all get the same outputs, drawn by tables instead of shading
/// (`output::FillTable`: each written attachment's new texel bytes as a function of the stored
/// ones): a full-screen quad of one colour, blended or not, a UI panel, a fade.
///
/// When: the draw takes the one-sample path with no fragment tests (no depth test or no depth
/// attachment, no stencil, no depth bounds), its shader is `uniform_over_primitive`, every
/// attachment it writes has a table, and every varying is flat or has the same value at the
/// three vertices — finite, and not −0, whose interpolation `v + m₁·0 + m₂·0` gives +0 — with
/// positive normal 1/w at the vertices, so that the perspective weights are finite and the
/// interpolated value is `v` exactly, as the batch path computes it. The triangle is then
/// shaded once (one lane; its position cannot matter), and its pixels are found with the
/// same edge functions as [`Worker::raster_triangle`]'s, so a fill writes exactly what the
/// batches would have (tested against them).
///
/// Numbers (the graphics bench's fill row: 8 full-screen alpha-blended layers of one colour
/// at 1920×1080, 4 frames, callgrind, one thread): 4.335G instructions through the batches
/// (65 a pixel-layer: interpolation, shading, the 64-lane blend) → 0.828G with table lookups
/// → 0.554G with an f32 affine kind → 0.479G with one run per tile-wide rectangle → 0.470G
/// with three lookups where alpha is one value (7 of the 8 layers affine, the one with red 0
/// on tables: its results fall on both sides of f32's resolution at ties) → 0.377G with the
/// 16.16 fixed-point kind in place of the f32 one (the same 7 layers; the eighth's ties, at
/// every tenth stored value, round both ways, which no affine form follows). Wall
/// clock, 2 threads: 0.30 → 1.5–2.0 Gpix/s with the f32 kind (~3× lavapipe in the same run).
#[derive(Debug)]
pub(crate) struct UniformFill {
    pub tri: u32,
    pub tables: Vec<crate::output::FillTable>,
}

/// Whether a triangle is large enough to be considered for a uniform fill: its bounding box
/// and its area are both at least [`MIN_FILL_AREA`] pixels.
pub(crate) fn may_fill(tri: &Triangle) -> bool {
    let b = tri.bbox;
    let bbox_area = (b.x1 - b.x0).max(0) as f32 * (b.y1 - b.y0).max(0) as f32;
    if bbox_area < MIN_FILL_AREA {
        return false;
    }
    let [l1, l2] = tri.lambda;
    let area = 0.5 / (l1[0] * l2[1] - l1[1] * l2[0]).abs();
    area >= MIN_FILL_AREA
}

/// The uniform fills of the triangles of a pass (those [`may_fill`] noted while binning), in
/// triangle order.
pub(crate) fn uniform_fills(data: &PassData) -> Vec<UniformFill> {
    let mut fills = Vec::new();
    // Per draw: whether its triangles may be filled (`None`: not yet known).
    let mut eligible: Vec<Option<bool>> = vec![None; data.draws.len()];
    let mut scratch: Option<(FragmentBatch, Box<FragmentOutput>)> = None;
    let tris = data.segments.iter().flat_map(|seg| {
        let first = seg.first as usize;
        seg.large.iter().filter_map(move |&i| {
            let tri = seg.tris.get(i as usize)?;
            Some((first + i as usize, tri, &seg.attrs))
        })
    });
    for (t, tri, attrs) in tris {
        let Some(draw) = data.draws.get(tri.draw as usize) else {
            continue;
        };
        let ok = *eligible[tri.draw as usize].get_or_insert_with(|| draw_may_fill(data, draw));
        if !ok {
            continue;
        }
        let n = draw.interp.len();
        let start = tri.attrs as usize;
        let Some(rec) = attrs.get(start..start + attr_record_len(n)) else {
            continue;
        };
        let Some(values) = uniform_varyings(&draw.interp, rec) else {
            continue;
        };
        let (batch, out) = scratch.get_or_insert_with(|| (FragmentBatch::new(0), Box::default()));
        if let Some(tables) = fill_tables(data, draw, tri, &values, batch, out) {
            fills.push(UniformFill {
                tri: t as u32,
                tables,
            });
        }
    }
    fills
}

/// Whether a draw's triangles may be filled (see [`UniformFill`]): everything but the
/// triangle's own varyings.
fn draw_may_fill(data: &PassData, draw: &DrawRecord) -> bool {
    let ops = &draw.ops;
    draw.samples.is_none()
        && draw.info.uniform_over_primitive
        && !(ops.depth.test_enable && data.depth.is_some())
        && ops.stencil.is_none()
        && ops.depth_bounds.is_none()
        && ops.colors.iter().enumerate().all(|(att, op)| match op {
            None => true,
            Some(op) if op.skip => true,
            Some(op) => data
                .colors
                .get(att)
                .and_then(|t| t.as_ref())
                .is_some_and(|t| t.samples == 1 && op.byte_separable(t.format)),
        })
}

/// The value of every varying at every fragment of the triangle with attribute record `rec`,
/// when that is one value per varying (see [`UniformFill`]).
fn uniform_varyings(interp: &[Interpolation], rec: &[f32]) -> Option<Vec<f32>> {
    let n = interp.len();
    let iw = &rec[3..6];
    let perspective_ok = iw.iter().all(|w| w.is_normal() && *w > 0.0);
    let (v0, d1, d2) = (
        &rec[6..6 + n],
        &rec[6 + n..6 + 2 * n],
        &rec[6 + 2 * n..6 + 3 * n],
    );
    let mut values = Vec::with_capacity(n);
    for (c, mode) in interp.iter().enumerate() {
        let v = v0[c];
        let same = d1[c].to_bits() == 0
            && d2[c].to_bits() == 0
            && v.is_finite()
            && v.to_bits() != (-0.0f32).to_bits();
        let ok = match mode {
            Interpolation::Flat => true,
            Interpolation::Smooth => same && perspective_ok,
            Interpolation::NoPerspective => same,
        };
        if !ok {
            return None;
        }
        values.push(v);
    }
    Some(values)
}

/// Shades one fragment of the triangle (varyings `values`) and makes the tables of every
/// attachment the draw writes; `None` when the shader fails or discards, or an attachment
/// has no table.
fn fill_tables(
    data: &PassData,
    draw: &DrawRecord,
    tri: &Triangle,
    values: &[f32],
    batch: &mut FragmentBatch,
    out: &mut FragmentOutput,
) -> Option<Vec<crate::output::FillTable>> {
    batch.varyings.clear();
    batch.varyings.extend(values.iter().map(|&v| [v; LANES]));
    batch.quads = 1;
    batch.coverage = 1;
    batch.x = [tri.bbox.x0.max(0) as u32; LANES];
    batch.y = [tri.bbox.y0.max(0) as u32; LANES];
    batch.z = [0.0; LANES];
    batch.inv_w = [1.0; LANES];
    batch.front_facing = if tri.front_facing { u64::MAX } else { 0 };
    batch.primitive_id = [tri.primitive_id; LANES];
    batch.per_sample = false;
    batch.distinct_pixels = true;
    out.discard = 0;
    out.depth_written = false;
    out.sample_mask_written = false;
    draw.fragment.shade(batch, out);
    if out.discard & 1 != 0 || out.depth_written || out.sample_mask_written {
        return None;
    }
    let src1 = out.color1.map(|c| c[0]);
    let mut tables = Vec::new();
    for (att, op) in draw.ops.colors.iter().enumerate() {
        let Some(op) = op else { continue };
        if op.skip {
            continue;
        }
        let target = data.colors.get(att)?.as_ref()?;
        let src = out.color.get(att)?.map(|c| c[0]);
        tables.push(crate::output::FillTable::new(
            att,
            op,
            target.format,
            src,
            src1,
            draw.ops.constants,
        )?);
    }
    Some(tables)
}

/// The 8×8 blocks (aligned to the tile) of `r` not wholly outside one of the triangle's
/// `edges`, each with whether it is wholly inside all three (tested at its extreme pixel
/// centres, each edge moved by its sample offsets `lo` and `hi`: the smallest and largest
/// over the pixel's samples, zeros with one sample): the first level of the hierarchy, the
/// one walk of the batches, the per-sample path and the uniform fills, so that all find
/// the same pixels.
#[inline(always)]
fn for_each_block(
    r: PixelRect,
    edges: &[crate::setup::Edge; 3],
    [lo, hi]: [[i64; 3]; 2],
    mut f: impl FnMut(PixelRect, bool),
) {
    let mut by = r.y0 & !7;
    while by < r.y1 {
        let mut bx = r.x0 & !7;
        while bx < r.x1 {
            let blk = PixelRect {
                x0: bx,
                y0: by,
                x1: bx + 8,
                y1: by + 8,
            }
            .intersect(r);
            bx += 8;
            if blk.is_empty() {
                continue;
            }
            let (w, h) = (blk.x1 - blk.x0, blk.y1 - blk.y0);
            if (0..3).any(|e| edges[e].max_over(blk.x0, blk.y0, w, h) + hi[e] < 0) {
                continue;
            }
            f(
                blk,
                (0..3).all(|e| edges[e].min_over(blk.x0, blk.y0, w, h) + lo[e] >= 0),
            );
        }
        by += 8;
    }
}

/// Bit `l` set where lane `l`'s pixel offset along `axis` ([`block_offsets`]) is at least
/// (`from`) or at most (not `from`) `v`, for `v` in 0..8.
const fn offset_masks(axis: usize, from: bool) -> [u64; 8] {
    let o = block_offsets(axis);
    let mut t = [0u64; 8];
    let mut v = 0;
    while v < 8 {
        let mut l = 0;
        while l < LANES {
            if (from && o[l] >= v as i32) || (!from && o[l] <= v as i32) {
                t[v] |= 1 << l;
            }
            l += 1;
        }
        v += 1;
    }
    t
}
const COLUMNS_FROM: [u64; 8] = offset_masks(0, true);
const COLUMNS_TO: [u64; 8] = offset_masks(0, false);
const ROWS_FROM: [u64; 8] = offset_masks(1, true);
const ROWS_TO: [u64; 8] = offset_masks(1, false);

/// The pixels of `r` (at most 8×8 pixels from its first even column and row) inside all three
/// `edges`, as a mask in the batch's lane order ([`block_offsets`]: bit `4q + k` is pixel `k`
/// of quad `q`, quads in rows of four from (`r.x0 & !1`, `r.y0 & !1`)); `None` when an edge's
/// values over the window might not fit an `i32`.
///
/// The same integer edge values as [`Worker::raster_quads`], 64 at a time in 32-bit lanes
/// (eight AVX2 steps an edge) where that walks quad by quad in 64-bit ones: a small
/// triangle's coverage in ~100 instructions instead of ~25 per quad of its bounding box.
#[inline(always)]
fn window_coverage(edges: &[crate::setup::Edge; 3], r: PixelRect) -> Option<u64> {
    const OX: [i32; LANES] = block_offsets(0);
    const OY: [i32; LANES] = block_offsets(1);
    let (x0, y0) = (r.x0 & !1, r.y0 & !1);
    let mut c = [0i32; 3];
    let mut dx = [0i32; 3];
    let mut dy = [0i32; 3];
    for e in 0..3 {
        let at = edges[e].at(x0, y0);
        // Every value over the window is at most this far from 0.
        let bound = at
            .unsigned_abs()
            .checked_add(7 * edges[e].dx.unsigned_abs())?
            .checked_add(7 * edges[e].dy.unsigned_abs())?;
        if bound > i32::MAX as u64 {
            return None;
        }
        (c[e], dx[e], dy[e]) = (at as i32, edges[e].dx as i32, edges[e].dy as i32);
    }
    let mut any = [0i32; LANES];
    for l in 0..LANES {
        let (ox, oy) = (OX[l], OY[l]);
        let e0 = c[0] + dx[0] * ox + dy[0] * oy;
        let e1 = c[1] + dx[1] * ox + dy[1] * oy;
        let e2 = c[2] + dx[2] * ox + dy[2] * oy;
        any[l] = e0 | e1 | e2;
    }
    // One byte a lane (vector narrowing), then eight bytes to eight bits by one multiply:
    // byte k (0 or 1) times the constant's byte 7 − k lands on bit 56 + k, and no other
    // product reaches the top byte (a shift-and-or a lane was 64 scalar steps).
    let mut bytes = [0u8; LANES];
    for (b, &v) in bytes.iter_mut().zip(&any) {
        *b = u8::from(v >= 0);
    }
    let mut mask = 0u64;
    for (j, chunk) in bytes.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        mask |= (word.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * j);
    }
    // Only the pixels of `r`: its columns and rows within the window.
    let (xl, xh, yl, yh) = (r.x0 - x0, r.x1 - 1 - x0, r.y0 - y0, r.y1 - 1 - y0);
    let bits = |t: &[u64; 8], v: i32| t.get(v as usize).copied().unwrap_or(0);
    mask &= bits(&COLUMNS_FROM, xl) & bits(&COLUMNS_TO, xh);
    mask &= bits(&ROWS_FROM, yl) & bits(&ROWS_TO, yh);
    Some(mask)
}

/// The memory of one tile worker, reused for every tile it takes.
pub(crate) struct Worker {
    batch: FragmentBatch,
    out: Box<FragmentOutput>,
    tile: TileBuffer,
    /// Fragments that passed every test in the current tile.
    samples: u64,
    /// The address of the triangle of the batch's first quad (identity only: whether the
    /// batch holds one triangle, see `FragmentBatch::distinct_pixels`).
    batch_tri: usize,
    /// Each lane's position relative to its triangle's reference pixel corner, where the
    /// one-sample path interpolates it.
    fx: [f32; LANES],
    fy: [f32; LANES],
    /// The first lane of the batch whose inputs are not interpolated yet: the one-sample
    /// path appends a triangle's quads, then interpolates them together 8 lanes a step
    /// ([`Self::interpolate_pending`]) instead of 4 per quad as it appends it.
    pending: usize,
    /// The current draw packs covered pixels into consecutive lanes (its shader is
    /// `quad_free`, one sample per pixel): see [`Self::push_pixels`].
    packed: bool,
    /// Lanes of the batch in use on the packed path (`batch.quads` is this rounded up).
    lanes: usize,
}

impl Worker {
    pub fn new() -> Worker {
        Worker {
            batch: FragmentBatch::new(0),
            out: Box::default(),
            tile: TileBuffer::default(),
            samples: 0,
            batch_tri: 0,
            fx: [0.0; LANES],
            fy: [0.0; LANES],
            pending: 0,
            packed: false,
            lanes: 0,
        }
    }

    /// Rasterizes the triangles of tile `tile` (its bins in the segments, in submission order)
    /// over the pixels `rect`, then writes the tile back. Returns the number of fragments that
    /// passed every fragment test.
    pub fn run_tile(&mut self, data: &PassData, rect: PixelRect, tile: usize) -> u64 {
        pumice_memory::simd::vectorized(
            #[inline(always)]
            || self.run_tile_inlined(data, rect, tile),
        )
    }

    #[inline(always)]
    fn run_tile_inlined(&mut self, data: &PassData, rect: PixelRect, tile: usize) -> u64 {
        self.samples = 0;
        if rect.is_empty() || (data.clears.is_none() && !data.segments.iter().any(|s| s.has(tile)))
        {
            return 0;
        }
        self.tile
            .load(data.colors, data.depth, data.stencil, rect, data.clears);
        let mut current: Option<&DrawRecord> = None;
        let bins = data.segments.iter().filter_map(|seg| {
            let bin = seg.bins.get(tile)?;
            Some(bin.iter().map(move |&i| (seg, i)))
        });
        for (seg, i) in bins.flatten() {
            let Some(tri) = seg.tris.get(i as usize) else {
                continue;
            };
            let Some(draw) = data.draws.get(tri.draw as usize) else {
                continue;
            };
            if !current.is_some_and(|c| std::ptr::eq(c, draw)) {
                if let Some(prev) = current {
                    self.flush(prev);
                }
                current = Some(draw);
                self.batch.per_sample = draw.samples.is_some_and(|s| s.per_sample_shading);
                self.packed = draw.samples.is_none() && draw.info.quad_free;
                self.batch.varyings.resize(draw.interp.len(), [0.0; LANES]);
            }
            if !data.fills.is_empty() {
                let t = seg.first + i;
                if let Ok(i) = data.fills.binary_search_by_key(&t, |f| f.tri) {
                    // Its pixels are written now: the batch's earlier quads first.
                    self.flush(draw);
                    self.fill_triangle(tri, &data.fills[i].tables, rect);
                    continue;
                }
            }
            let n = draw.interp.len();
            let start = tri.attrs as usize;
            let Some(rec) = seg.attrs.get(start..start + attr_record_len(n)) else {
                continue;
            };
            self.raster_triangle(draw, tri, rec, rect);
        }
        if let Some(prev) = current {
            self.flush(prev);
        }
        self.tile.store(data.colors, data.depth, data.stencil);
        self.samples
    }

    #[inline(always)]
    fn raster_triangle(&mut self, draw: &DrawRecord, tri: &Triangle, rec: &[f32], rect: PixelRect) {
        if let Some(so) = &draw.samples {
            return self.raster_triangle_samples(draw, so, tri, rec, rect);
        }
        let r = tri.bbox.intersect(rect);
        if r.is_empty() {
            return;
        }
        // A small triangle's quads are tested directly, without the block level: at most a
        // block's worth of quads, where the block tests (reject, accept, per-block set-up, for
        // the ~3 blocks a 7×4-pixel triangle straddles) cost more than they save (~500
        // instructions a triangle and tile in the small-triangle bench).
        let quads_w = ((r.x1 + 1) >> 1) - (r.x0 >> 1);
        let quads_h = ((r.y1 + 1) >> 1) - (r.y0 >> 1);
        if quads_w <= 4 && quads_h <= 4 {
            if let Some(mask) = window_coverage(&tri.edges, r) {
                // The covered quads in the order `raster_quads` finds them (rows of four).
                let (qx0, qy0) = (r.x0 & !1, r.y0 & !1);
                let mut m = mask;
                while m != 0 {
                    let q = (m.trailing_zeros() / 4) as i32;
                    let bits = (m >> (4 * q)) as u8 & 0xf;
                    m &= !(0xf << (4 * q));
                    let (qx, qy) = (qx0 + 2 * (q % 4), qy0 + 2 * (q / 4));
                    self.push_covered(draw, tri, rec, qx, qy, bits);
                }
                return self.triangle_done(draw, tri, rec);
            }
        }
        if quads_w * quads_h <= QUADS as i32 {
            self.raster_quads(draw, tri, rec, r, false);
            return self.triangle_done(draw, tri, rec);
        }
        for_each_block(
            r,
            &tri.edges,
            [[0; 3]; 2],
            // Inlined into the caller's vectorized build (a closure of its own was not:
            // +2.5% on the small-triangle bench).
            #[inline(always)]
            |blk, accept| {
                if accept && blk.x1 - blk.x0 == 8 && blk.y1 - blk.y0 == 8 {
                    // A whole block inside the triangle: sixteen full quads, no tests; a
                    // batch of its own when one is starting.
                    if self.batch.quads == 0 {
                        self.push_block(draw, tri, rec, blk.x0, blk.y0);
                        return;
                    }
                    for qy in (blk.y0..blk.y1).step_by(2) {
                        for qx in (blk.x0..blk.x1).step_by(2) {
                            self.push_covered(draw, tri, rec, qx, qy, 0xf);
                        }
                    }
                    return;
                }
                self.raster_quads(draw, tri, rec, blk, accept);
            },
        );
        self.triangle_done(draw, tri, rec);
    }

    /// After a triangle's pixels are appended on the one-sample path: interpolates them, and
    /// on the packed path shades the batch when a next triangle could not start by lane
    /// `LANES - 4` (where [`Self::interpolate_pending`] needs it to).
    #[inline(always)]
    fn triangle_done(&mut self, draw: &DrawRecord, tri: &Triangle, rec: &[f32]) {
        self.interpolate_pending(draw, tri, rec);
        if self.packed && self.lanes > LANES - 4 {
            self.flush(draw);
        }
    }

    /// Appends the covered pixels `bits` (bit `k`: pixel (`k & 1`, `k >> 1`)) of the quad at
    /// (`qx`, `qy`) on the one-sample path: as a quad, or packed.
    #[inline(always)]
    fn push_covered(
        &mut self,
        draw: &DrawRecord,
        tri: &Triangle,
        rec: &[f32],
        qx: i32,
        qy: i32,
        bits: u8,
    ) {
        if self.packed {
            self.push_pixels(draw, tri, rec, qx, qy, bits);
        } else {
            let masks = [bits & 1, (bits >> 1) & 1, (bits >> 2) & 1, (bits >> 3) & 1];
            self.push_quad::<false>(draw, tri, rec, qx, qy, masks, None);
        }
    }

    /// Appends the covered pixels `bits` of the quad at (`qx`, `qy`) as consecutive lanes,
    /// without helper lanes: the packed path, for shaders that read nothing of other lanes
    /// (`FragmentInfo::quad_free`). A small triangle covers ~60% of the lanes of its quads
    /// (the graphics bench's 10-pixel triangles: 3.5M lanes for 2.07M pixels a frame), so
    /// packing shades and tests ~40% fewer batches. Positions are computed as in
    /// [`Self::push_quad`], so a pixel gets the same inputs on either path (tested).
    ///
    /// A triangle's lanes start at most at `LANES - 4` ([`Self::triangle_done`]), so its
    /// last 4-lane interpolation step can end at the batch's end without touching another
    /// triangle's lanes; a quad whose pixels do not fit shades the batch first.
    #[inline(always)]
    fn push_pixels(
        &mut self,
        draw: &DrawRecord,
        tri: &Triangle,
        rec: &[f32],
        qx: i32,
        qy: i32,
        bits: u8,
    ) {
        // Each 4-bit coverage's pixels (their x and y within the quad) in order, then the
        // last one repeated: the 4-wide writes below fill lanes past the covered ones with a
        // real pixel of the triangle (a later quad overwrites them; at the batch's end they
        // are lanes without coverage).
        const PACK: [[[i32; 4]; 16]; 2] = {
            let mut t = [[[0i32; 4]; 16]; 2];
            let mut bits = 1;
            while bits < 16 {
                let mut n = 0;
                let mut k = 0;
                while k < 4 {
                    if bits & (1 << k) != 0 {
                        t[0][bits][n] = k & 1;
                        t[1][bits][n] = k >> 1;
                        n += 1;
                    }
                    k += 1;
                }
                while n < 4 {
                    t[0][bits][n] = t[0][bits][n - 1];
                    t[1][bits][n] = t[1][bits][n - 1];
                    n += 1;
                }
                bits += 1;
            }
            t
        };
        let n = bits.count_ones() as usize;
        if self.lanes + n > LANES {
            self.interpolate_pending(draw, tri, rec);
            self.flush(draw);
        }
        let tri_id = std::ptr::from_ref(tri) as usize;
        if self.lanes == 0 {
            self.batch_tri = tri_id;
            self.batch.distinct_pixels = true;
        } else if self.batch_tri != tri_id {
            self.batch.distinct_pixels = false;
        }
        let base = self.lanes;
        let (kx, ky) = (
            PACK[0][usize::from(bits & 0xf)],
            PACK[1][usize::from(bits & 0xf)],
        );
        let b = &mut self.batch;
        // The same operations as `push_quad`: the offset from the reference pixel, then the
        // pixel within the quad.
        let (rx, ry) = (
            (qx - tri.ref_px[0]) as f32 + 0.5,
            (qy - tri.ref_px[1]) as f32 + 0.5,
        );
        let (mut x, mut y, mut fx, mut fy) = ([0u32; 4], [0u32; 4], [0.0f32; 4], [0.0f32; 4]);
        for k in 0..4 {
            x[k] = (qx + kx[k]).max(0) as u32;
            y[k] = (qy + ky[k]).max(0) as u32;
            fx[k] = rx + kx[k] as f32;
            fy[k] = ry + ky[k] as f32;
        }
        // Four lanes at once (a few SSE instructions), or, in a batch's last three lanes,
        // the covered ones only.
        let quad = base..base + 4;
        if let (Some(bx), Some(by), Some(bp), Some(fxs), Some(fys)) = (
            b.x.get_mut(quad.clone()),
            b.y.get_mut(quad.clone()),
            b.primitive_id.get_mut(quad.clone()),
            self.fx.get_mut(quad.clone()),
            self.fy.get_mut(quad),
        ) {
            for k in 0..4 {
                bx[k] = x[k];
                by[k] = y[k];
                bp[k] = tri.primitive_id;
                fxs[k] = fx[k];
                fys[k] = fy[k];
            }
        } else {
            for k in 0..n {
                let lane = base + k;
                if lane < LANES {
                    b.x[lane] = x[k];
                    b.y[lane] = y[k];
                    b.primitive_id[lane] = tri.primitive_id;
                    self.fx[lane] = fx[k];
                    self.fy[lane] = fy[k];
                }
            }
        }
        let covered = ((1u64 << n) - 1) << base;
        b.coverage |= covered;
        if tri.front_facing {
            b.front_facing |= covered;
        }
        self.lanes += n;
        b.quads = self.lanes.div_ceil(4);
        if self.lanes == LANES {
            self.interpolate_pending(draw, tri, rec);
            self.flush(draw);
        }
    }

    /// The quads of `blk` (a part of the triangle's bounding box) with a covered pixel, each
    /// pixel tested against the three edges unless `accept` (the whole of `blk` is inside).
    #[inline(always)]
    fn raster_quads(
        &mut self,
        draw: &DrawRecord,
        tri: &Triangle,
        rec: &[f32],
        blk: PixelRect,
        accept: bool,
    ) {
        let edges = &tri.edges;
        // Each pixel's three edge values, as four lanes per edge (k: pixel (k & 1, k >> 1) of
        // the quad), stepped from quad to quad rather than recomputed. A pixel is inside when
        // all three are ≥ 0, i.e. when their OR is: one 4 × i64 vector test per quad.
        let (qx0, qy0) = (blk.x0 & !1, blk.y0 & !1);
        let first: [[i64; 4]; 3] = edges.each_ref().map(|e| {
            let at = e.at(qx0, qy0);
            [at, at + e.dx, at + e.dy, at + e.dx + e.dy]
        });
        let (step_x, step_y) = (
            edges.each_ref().map(|e| 2 * e.dx),
            edges.each_ref().map(|e| 2 * e.dy),
        );
        let mut row = first;
        for qy in (qy0..blk.y1).step_by(2) {
            // Which of the quad's pixels are inside the block: its rows here, then its columns.
            let rows: u8 =
                if qy >= blk.y0 { 0b0011 } else { 0 } | if qy + 1 < blk.y1 { 0b1100 } else { 0 };
            let mut at = row;
            for qx in (qx0..blk.x1).step_by(2) {
                let cols: u8 = if qx >= blk.x0 { 0b0101 } else { 0 }
                    | if qx + 1 < blk.x1 { 0b1010 } else { 0 };
                let mut any = [0i64; 4];
                for k in 0..4 {
                    any[k] = at[0][k] | at[1][k] | at[2][k];
                }
                let inside = if accept {
                    0b1111
                } else {
                    any.iter()
                        .enumerate()
                        .fold(0u8, |m, (k, &v)| m | u8::from(v >= 0) << k)
                };
                let bits = inside & rows & cols;
                if bits != 0 {
                    self.push_covered(draw, tri, rec, qx, qy, bits);
                }
                for i in 0..3 {
                    for v in &mut at[i] {
                        *v += step_x[i];
                    }
                }
            }
            for i in 0..3 {
                for v in &mut row[i] {
                    *v += step_y[i];
                }
            }
        }
    }

    /// Writes a uniform fill's triangle: the pixels of `rect` that [`Self::raster_triangle`]
    /// would cover (the same block tests, the same exact edge values per pixel), as runs
    /// along rows through the fill's tables.
    fn fill_triangle(
        &mut self,
        tri: &Triangle,
        tables: &[crate::output::FillTable],
        rect: PixelRect,
    ) {
        // The fixed-point fills' byte loops are AVX2 where the CPU has it.
        pumice_memory::simd::vectorized(
            #[inline(always)]
            || self.fill_triangle_inlined(tri, tables, rect),
        )
    }

    #[inline(always)]
    fn fill_triangle_inlined(
        &mut self,
        tri: &Triangle,
        tables: &[crate::output::FillTable],
        rect: PixelRect,
    ) {
        let r = tri.bbox.intersect(rect);
        if r.is_empty() {
            return;
        }
        let edges = &tri.edges;
        let (w, h) = (r.x1 - r.x0, r.y1 - r.y0);
        // The whole rectangle inside the triangle (a full-screen quad's tiles): one run a row.
        if edges.iter().all(|e| e.min_over(r.x0, r.y0, w, h) >= 0) {
            self.tile.fill_rect(tables, r);
            self.samples += w as u64 * h as u64;
            return;
        }
        for_each_block(
            r,
            edges,
            [[0; 3]; 2],
            // Inlined into the caller's vectorized build (a closure of its own was not:
            // +2.5% on the small-triangle bench).
            #[inline(always)]
            |blk, accept| {
                if accept {
                    self.tile.fill_rect(tables, blk);
                    self.samples += (blk.x1 - blk.x0) as u64 * (blk.y1 - blk.y0) as u64;
                    return;
                }
                for y in blk.y0..blk.y1 {
                    // Runs of covered pixels along the row.
                    let mut run_start = None;
                    for x in blk.x0..=blk.x1 {
                        let inside = x < blk.x1 && edges.iter().all(|e| e.at(x, y) >= 0);
                        match (inside, run_start) {
                            (true, None) => run_start = Some(x),
                            (false, Some(x0)) => {
                                self.tile.fill_run(tables, x0, y, (x - x0) as usize);
                                self.samples += (x - x0) as u64;
                                run_start = None;
                            }
                            _ => {}
                        }
                    }
                }
            },
        );
    }

    /// The per-sample walk of a triangle: like [`Self::raster_triangle`], but a pixel is
    /// covered by the samples whose locations pass the three edge tests (the same exact edge
    /// functions, offset per sample), and its sample coverage (after the sample mask) travels
    /// with the lane. With per-sample shading, each covered sample index of a quad becomes a
    /// quad of its own, interpolated at that sample's location.
    #[inline(always)]
    fn raster_triangle_samples(
        &mut self,
        draw: &DrawRecord,
        so: &SampleOps,
        tri: &Triangle,
        rec: &[f32],
        rect: PixelRect,
    ) {
        let r = tri.bbox.intersect(rect);
        if r.is_empty() || so.mask == 0 {
            return;
        }
        let edges = &tri.edges;
        let n = so.samples as usize;
        let offs = edges.each_ref().map(|e| e.sample_offsets(so.samples));
        let (lo, hi) = (
            offs.map(|o| o[..n].iter().copied().min().unwrap_or(0)),
            offs.map(|o| o[..n].iter().copied().max().unwrap_or(0)),
        );
        let all = ((1u32 << n) - 1) as u8;
        for_each_block(
            r,
            edges,
            [lo, hi],
            #[inline(always)]
            |blk, accept| {
                let mut qy = blk.y0 & !1;
                while qy < blk.y1 {
                    let mut qx = blk.x0 & !1;
                    while qx < blk.x1 {
                        let mut masks = [0u8; 4];
                        for (k, m) in masks.iter_mut().enumerate() {
                            let (px, py) = (qx + (k & 1) as i32, qy + (k >> 1) as i32);
                            if !blk.contains(px, py) {
                                continue;
                            }
                            *m = if accept {
                                all
                            } else {
                                let at = edges.each_ref().map(|e| e.at(px, py));
                                let mut c = 0u8;
                                for s in 0..n {
                                    if (0..3).all(|e| at[e] + offs[e][s] >= 0) {
                                        c |= 1 << s;
                                    }
                                }
                                c
                            } & so.mask;
                        }
                        if masks != [0; 4] {
                            if so.per_sample_shading {
                                for s in 0..n {
                                    let one = masks.map(|m| m & (1 << s));
                                    if one != [0; 4] {
                                        self.push_quad::<true>(
                                            draw,
                                            tri,
                                            rec,
                                            qx,
                                            qy,
                                            one,
                                            Some(s),
                                        );
                                    }
                                }
                            } else {
                                self.push_quad::<true>(draw, tri, rec, qx, qy, masks, None);
                            }
                        }
                        qx += 2;
                    }
                    qy += 2;
                }
            },
        );
    }

    /// Appends the quad at (`qx`, `qy`) with coverage `masks` (entry k: pixel (qx + (k & 1),
    /// qy + (k >> 1)); one bit per sample on the per-sample path `SAMPLES`, else 0 or 1),
    /// interpolating its inputs at the pixel centres, or at sample `sample`'s locations;
    /// shades the batch when it is full.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn push_quad<const SAMPLES: bool>(
        &mut self,
        draw: &DrawRecord,
        tri: &Triangle,
        rec: &[f32],
        qx: i32,
        qy: i32,
        masks: [u8; 4],
        sample: Option<usize>,
    ) {
        let tri_id = std::ptr::from_ref(tri) as usize;
        if self.batch.quads == 0 {
            self.batch_tri = tri_id;
            self.batch.distinct_pixels = sample.is_none();
        } else if self.batch_tri != tri_id {
            self.batch.distinct_pixels = false;
        }
        let b = &mut self.batch;
        let base = b.quads * 4;
        let [dz1, dz2] = [rec[1], rec[2]];
        let [l1p, l2p] = tri.lambda;
        // Where the lanes are interpolated, relative to the pixel's corner.
        let (ox, oy) = match sample {
            Some(s) => {
                let l = crate::state::SAMPLE_LOCATIONS_4[s & 3];
                (l[0], l[1])
            }
            None => (0.5, 0.5),
        };
        if SAMPLES {
            let dzdx = l1p[0] * dz1 + l2p[0] * dz2;
            let dzdy = l1p[1] * dz1 + l2p[1] * dz2;
            let per_sample = sample.is_some();
            for k in 0..4usize {
                let lane = base + k;
                b.sample_coverage[lane] = masks[k];
                b.sample_id[lane] = sample.unwrap_or(0) as u32;
                (b.dzdx[lane], b.dzdy[lane]) = if per_sample { (0.0, 0.0) } else { (dzdx, dzdy) };
            }
        }
        // The four lanes as 4-wide arrays: each line below is a few SSE instructions.
        const KX: [i32; 4] = [0, 1, 0, 1];
        const KY: [i32; 4] = [0, 0, 1, 1];
        let mut cover = 0u64;
        for k in 0..4 {
            let lane = base + k;
            b.x[lane] = (qx + KX[k]).max(0) as u32;
            b.y[lane] = (qy + KY[k]).max(0) as u32;
            b.primitive_id[lane] = tri.primitive_id;
            cover |= u64::from(masks[k] != 0) << k;
        }
        b.coverage |= cover << base;
        if tri.front_facing {
            b.front_facing |= 0xf << base;
        }
        // Integer offsets from the reference pixel, converted, then the fractional position:
        // the same operations, in the same order, as the whole-block path.
        let (mut fx, mut fy) = ([0.0f32; 4], [0.0f32; 4]);
        for k in 0..4 {
            fx[k] = ((qx - tri.ref_px[0]) as f32 + ox) + KX[k] as f32;
            fy[k] = ((qy - tri.ref_px[1]) as f32 + oy) + KY[k] as f32;
        }
        if SAMPLES {
            interpolate(b, base, &draw.interp, tri, rec, &fx, &fy);
        } else if let (Some(px), Some(py)) = (
            self.fx.get_mut(base..base + 4),
            self.fy.get_mut(base..base + 4),
        ) {
            // Interpolated with the triangle's other quads (`interpolate_pending`).
            px.copy_from_slice(&fx);
            py.copy_from_slice(&fy);
        }
        b.quads += 1;
        if b.quads == QUADS {
            if !SAMPLES {
                self.interpolate_pending(draw, tri, rec);
            }
            self.flush(draw);
        }
    }

    /// Interpolates the lanes appended since the last call, all of triangle `tri` (the
    /// one-sample path calls it when a triangle's quads are appended and before a full batch
    /// is shaded), 8 lanes a step: the same operations per lane as 4 at a time. A step may
    /// also fill lanes past the batch's last quad, which no fragment reads and a later
    /// quad overwrites.
    #[inline(always)]
    fn interpolate_pending(&mut self, draw: &DrawRecord, tri: &Triangle, rec: &[f32]) {
        let end = if self.packed {
            self.lanes
        } else {
            self.batch.quads * 4
        };
        let mut at = self.pending;
        while at < end {
            // 16 lanes a step when more than 8 are pending (a small triangle's 4–5 quads: one
            // step and a short one instead of three, each step reloading the record).
            let step = if end - at > 8 && at + 16 <= LANES {
                16
            } else if at + 8 <= LANES {
                8
            } else {
                4
            };
            // On the packed path a step may start past `LANES - 4`: it then ends at the
            // batch's end instead, redoing lanes of this triangle (the triangle starts by
            // `LANES - 4`), which gives them the same values again.
            let base = at.min(LANES - step);
            let done = match step {
                16 => self.interpolate_lanes::<16>(draw, tri, rec, base),
                8 => self.interpolate_lanes::<8>(draw, tri, rec, base),
                _ => self.interpolate_lanes::<4>(draw, tri, rec, base),
            };
            if !done {
                break;
            }
            at = base + step;
        }
        self.pending = end;
    }

    /// Interpolates lanes `at..at + N` of the batch from their positions in `fx`/`fy`;
    /// `false` when they are not all in the batch.
    #[inline(always)]
    fn interpolate_lanes<const N: usize>(
        &mut self,
        draw: &DrawRecord,
        tri: &Triangle,
        rec: &[f32],
        at: usize,
    ) -> bool {
        let (Some(fx), Some(fy)) = (self.fx.get(at..at + N), self.fy.get(at..at + N)) else {
            return false;
        };
        let (Ok(fx), Ok(fy)) = (<&[f32; N]>::try_from(fx), <&[f32; N]>::try_from(fy)) else {
            return false;
        };
        interpolate(&mut self.batch, at, &draw.interp, tri, rec, fx, fy);
        true
    }

    /// A whole 8×8 block inside the triangle, as one full batch (the batch must be empty):
    /// positions and inputs for all 64 lanes in 64-wide loops, instead of 16 calls of
    /// [`Self::push_quad`]. Lane `4q + k` is pixel `k` of quad `q`, quads in rows of four.
    #[inline(always)]
    fn push_block(&mut self, draw: &DrawRecord, tri: &Triangle, rec: &[f32], bx: i32, by: i32) {
        const PX: [i32; LANES] = block_offsets(0);
        const PY: [i32; LANES] = block_offsets(1);
        // The quad's corner, then the pixel within it (as `push_quad` computes them).
        const KX: [i32; LANES] = block_offsets_in_quad(0);
        const KY: [i32; LANES] = block_offsets_in_quad(1);
        self.batch_tri = std::ptr::from_ref(tri) as usize;
        let b = &mut self.batch;
        b.distinct_pixels = true;
        for l in 0..LANES {
            b.x[l] = (bx + PX[l]).max(0) as u32;
            b.y[l] = (by + PY[l]).max(0) as u32;
        }
        b.primitive_id = [tri.primitive_id; LANES];
        b.coverage = u64::MAX;
        b.front_facing = if tri.front_facing { u64::MAX } else { 0 };
        let (mut fx, mut fy) = ([0.0f32; LANES], [0.0f32; LANES]);
        for l in 0..LANES {
            fx[l] = ((bx + PX[l] - KX[l] - tri.ref_px[0]) as f32 + 0.5) + KX[l] as f32;
            fy[l] = ((by + PY[l] - KY[l] - tri.ref_px[1]) as f32 + 0.5) + KY[l] as f32;
        }
        interpolate(b, 0, &draw.interp, tri, rec, &fx, &fy);
        b.quads = QUADS;
        self.flush(draw);
    }

    /// Shades the batch and runs the per-fragment operations on its fragments.
    fn flush(&mut self, draw: &DrawRecord) {
        if self.batch.quads == 0 {
            return;
        }
        if let Some(so) = &draw.samples {
            return self.flush_samples(draw, so);
        }
        let early = draw.info.early_depth();
        let mut live = self.batch.coverage;
        if early {
            live = self.tile.early_depth(&draw.ops, &self.batch, live);
        }
        if live != 0 {
            self.batch.coverage = live;
            self.out.discard = 0;
            self.out.depth_written = false;
            draw.fragment.shade(&self.batch, &mut self.out);
            live &= !self.out.discard;
            self.samples += self
                .tile
                .late(&draw.ops, &self.batch, &self.out, live, early);
        }
        self.batch.quads = 0;
        self.batch.coverage = 0;
        self.batch.front_facing = 0;
        self.pending = 0;
        self.lanes = 0;
    }

    /// [`Self::flush`] on the per-sample path. Early tests are done before shading only when
    /// nothing computed by the shader can change the coverage: alpha-to-coverage and a
    /// `SampleMask` output wait for the shader (unless it asks for early tests).
    fn flush_samples(&mut self, draw: &DrawRecord, so: &SampleOps) {
        let info = &draw.info;
        let early = info.early_depth()
            && (info.early_fragment_tests || !(so.alpha_to_coverage || info.writes_sample_mask));
        let mut live = self.batch.coverage;
        if early {
            live = self
                .tile
                .early_samples(&draw.ops, so, &mut self.batch, live);
        }
        if live != 0 {
            self.batch.coverage = live;
            self.out.discard = 0;
            self.out.depth_written = false;
            self.out.sample_mask_written = false;
            draw.fragment.shade(&self.batch, &mut self.out);
            live &= !self.out.discard;
            self.samples +=
                self.tile
                    .late_samples(&draw.ops, so, &self.batch, &self.out, live, early);
        }
        self.batch.quads = 0;
        self.batch.coverage = 0;
        self.batch.front_facing = 0;
        self.pending = 0;
        self.lanes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::Edge;
    use crate::tests::Xorshift32;

    /// `window_coverage` finds exactly the pixels of the rectangle whose three edge values are
    /// all ≥ 0 (evaluated in i64 one pixel at a time), in the batch's lane order, and declines
    /// edges whose values over the window might not fit 32 bits.
    #[test]
    fn window_coverage_matches_per_pixel_edges() {
        let mut rng = Xorshift32(0x2545_f491);
        let mut signed = |range: i64| (rng.next_u32() as i64 % (2 * range + 1)) - range;
        let (mut checked, mut declined) = (0, 0);
        for round in 0..20_000 {
            // Small edges (sub-pixel steps of a few pixels, 256 units each) mostly; every
            // tenth round large enough that the 32-bit bound may fail.
            let scale = if round % 10 == 0 { 1 << 27 } else { 2048 * 256 };
            let edges: [Edge; 3] = std::array::from_fn(|_| Edge {
                c: signed(scale * 8),
                dx: signed(scale / 256) * 256,
                dy: signed(scale / 256) * 256,
            });
            let (x0, y0) = (signed(40) as i32, signed(40) as i32);
            let (w, h) = (
                1 + signed(3).unsigned_abs() as i32 * 2,
                1 + signed(3).unsigned_abs() as i32 * 2,
            );
            let r = PixelRect {
                x0,
                y0,
                x1: (x0 + w).min((x0 & !1) + 8),
                y1: (y0 + h).min((y0 & !1) + 8),
            };
            let Some(mask) = window_coverage(&edges, r) else {
                declined += 1;
                let big = edges.iter().any(|e| {
                    e.at(r.x0 & !1, r.y0 & !1).abs() + 7 * e.dx.abs() + 7 * e.dy.abs()
                        > i64::from(i32::MAX)
                });
                assert!(big, "declined small edges {edges:?}");
                continue;
            };
            checked += 1;
            let (ox, oy) = (block_offsets(0), block_offsets(1));
            for l in 0..LANES {
                let (px, py) = ((r.x0 & !1) + ox[l], (r.y0 & !1) + oy[l]);
                let in_rect = px >= r.x0 && px < r.x1 && py >= r.y0 && py < r.y1;
                let inside = in_rect && edges.iter().all(|e| e.at(px, py) >= 0);
                assert_eq!(mask >> l & 1 == 1, inside, "lane {l} of {r:?}, {edges:?}");
            }
        }
        assert!(
            checked > 15_000 && declined > 100,
            "{checked} checked, {declined} declined"
        );
    }
}
