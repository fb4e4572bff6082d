//! Triangle setup: viewport transform, snapping, facing and culling, edge functions and the
//! interpolation planes.
//!
//! **Fixed point.** Framebuffer positions are snapped to 1/256 pixel (8 sub-pixel bits, the
//! `subPixelPrecisionBits` we report; Vulkan requires at least 4). After guard-band clipping a
//! coordinate is within ±2^15 pixels, i.e. ±2^23 in fixed point, so an edge function
//! (Δx·Δy products of 2^24·2^24) fits easily in `i64` and is *exact*: coverage never depends on
//! float rounding, and two triangles sharing an edge agree on every sample.
//!
//! **Edges.** Vertices are ordered so that the interior is where all three edge functions are
//! positive. With y pointing down, that order runs clockwise on screen, and then
//! - a *top* edge is horizontal with the interior below it (Δy = 0, Δx > 0),
//! - a *left* edge goes up the screen (Δy < 0).
//!
//! A pixel centre exactly on an edge belongs to the triangle only for top and left edges (the
//! "top-left rule"): the other edges carry a bias of −1, and the test is `E ≥ 0` for all three.
//!
//! **Interpolation.** Instead of one plane per varying, setup stores two screen-space barycentric
//! planes (λ₁, λ₂, relative to a reference pixel near vertex 0 so that f32 keeps its precision),
//! each vertex's 1/w and depth, vertex 0's varyings and the differences to vertices 1 and 2.
//! A lane then computes λ, the perspective-correct weights μᵢ = λᵢ/wᵢ / Σλⱼ/wⱼ, and each varying
//! as v₀ + μ₁·Δ₁ + μ₂·Δ₂ (λ instead of μ for `NoPerspective`; `Flat` components have Δ = 0 and
//! read v₀, which holds the provoking vertex's value). Depth is linear in screen space.
//!
//! **Depth bias** (specification, "Depth Bias") is one offset per polygon, added to the depth of
//! every vertex of the (clipped) polygon before the depth planes are stored:
//! `o = dbclamp(m · depthBiasSlopeFactor + r · depthBiasConstantFactor)`, where
//! `m = √((∂z/∂x)² + (∂z/∂y)²)` is the polygon's depth slope in framebuffer pixels (computed in
//! f64 from the snapped positions of its largest fan triangle, so every triangle of a clipped
//! polygon gets the same offset) and `r` the minimum resolvable difference of the depth
//! attachment: `2⁻ⁿ` for an n-bit UNORM format, `2^(e − 23)` for `D32_SFLOAT` where `e` is the
//! exponent of the polygon's largest |z|. `dbclamp` leaves `o` alone for a clamp of 0 (or NaN),
//! takes `min(o, clamp)` for a positive clamp and `max(o, clamp)` for a negative one.

mod batch;

pub(crate) use batch::{setup_batch, BATCH};

use crate::clip::GUARD_BAND;
use crate::state::{CullMode, DepthBias, FrontFace, Interpolation, PixelRect, Viewport};
use pumice_texel::format::{Channel, Numeric};
use pumice_texel::Format;

/// Sub-pixel bits of the fixed-point positions.
pub const SUBPIXEL_BITS: u32 = 8;
const ONE: i64 = 1 << SUBPIXEL_BITS;
const HALF: i64 = ONE / 2;

/// An edge function over pixel indices: `E(px, py) = c + dx·px + dy·py`, evaluated at the
/// pixel centre, with the fill-rule bias included: the centre is inside when `E ≥ 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Edge {
    pub c: i64,
    pub dx: i64,
    pub dy: i64,
}

impl Edge {
    #[inline]
    pub fn at(&self, px: i32, py: i32) -> i64 {
        self.c + self.dx * i64::from(px) + self.dy * i64::from(py)
    }

    /// The largest value over the pixel centres of `[x, x + w) × [y, y + h)`.
    #[inline]
    pub fn max_over(&self, x: i32, y: i32, w: i32, h: i32) -> i64 {
        self.at(x, y) + (self.dx * i64::from(w - 1)).max(0) + (self.dy * i64::from(h - 1)).max(0)
    }

    /// The edge's value at each of `samples` samples (1 or 4) relative to its value at the
    /// pixel centre: exact, since `dx` and `dy` are multiples of a pixel's 256 sub-pixel units
    /// and the standard locations are multiples of 1/256 pixel.
    #[inline]
    pub fn sample_offsets(&self, samples: u32) -> [i64; 4] {
        let mut o = [0i64; 4];
        if samples == 4 {
            for (o, d) in o.iter_mut().zip(SAMPLE_OFFSETS_4) {
                *o = (self.dx * d[0] + self.dy * d[1]) / ONE;
            }
        }
        o
    }

    /// The smallest value over the pixel centres of `[x, x + w) × [y, y + h)`.
    #[inline]
    pub fn min_over(&self, x: i32, y: i32, w: i32, h: i32) -> i64 {
        self.at(x, y) + (self.dx * i64::from(w - 1)).min(0) + (self.dy * i64::from(h - 1)).min(0)
    }
}

/// The standard 4-sample locations as offsets from the pixel centre in sub-pixel units
/// (`state::SAMPLE_LOCATIONS_4` minus ½, times 256).
pub(crate) const SAMPLE_OFFSETS_4: [[i64; 2]; 4] = [[-32, -96], [96, -32], [-96, 32], [32, 96]];

/// A set-up triangle, ready to be binned and rasterized.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Triangle {
    /// Index of the draw in the pass.
    pub draw: u32,
    /// `gl_PrimitiveID`: the index of the primitive in its draw (before clipping).
    pub primitive_id: u32,
    pub front_facing: bool,
    /// Rasterized with 4 samples: a pixel is touched when any of its samples is inside, so
    /// the bounding box and binning allow for samples up to 3/8 pixel from the centre.
    pub multisample: bool,
    /// Pixels that may be covered: bounding box ∩ viewport ∩ scissor ∩ render area.
    pub bbox: PixelRect,
    pub edges: [Edge; 3],
    /// Reference pixel for the λ planes.
    pub ref_px: [i32; 2],
    /// λ₁ and λ₂ as `[d/dx, d/dy, value at the reference pixel's corner]`.
    pub lambda: [[f32; 3]; 2],
    /// Offset of this triangle's record in the pass's attribute arena: `[z₀, z₁−z₀, z₂−z₀,
    /// 1/w₀, 1/w₁, 1/w₂]`, then the `N` varyings of vertex 0, then `N` differences
    /// v₁ − v₀, then `N` differences v₂ − v₀.
    pub attrs: u32,
}

/// Size of a triangle's record in the attribute arena for `n` varying components.
pub(crate) fn attr_record_len(n: usize) -> usize {
    6 + 3 * n
}

/// A draw's depth bias, with the depth attachment's minimum resolvable difference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BiasParams {
    pub bias: DepthBias,
    /// `r = 2⁻ⁿ` for an n-bit UNORM depth format; `None` for a float one, whose `r` depends on
    /// each polygon's depth.
    pub unorm_r: Option<f64>,
}

impl BiasParams {
    /// The bias of a draw into a depth plane of `format` (`D16_UNORM`, `X8_D24_UNORM_PACK32`,
    /// `D32_SFLOAT`).
    pub fn new(bias: DepthBias, format: Format) -> BiasParams {
        let depth = format
            .info()
            .components()
            .iter()
            .find(|c| c.channel == Channel::Depth)
            .copied();
        let unorm_r = match depth {
            Some(c) if c.numeric == Numeric::Unorm => Some((-f64::from(c.bits)).exp2()),
            _ => None,
        };
        BiasParams { bias, unorm_r }
    }

    /// The offset `o` for a polygon of depth slope `m` whose largest |z| is `max_z`.
    pub fn offset(&self, m: f64, max_z: f32) -> f32 {
        let r = self.unorm_r.unwrap_or_else(|| {
            // e: the exponent of max_z (max_z = 1.f · 2^e); zero and denormals use the smallest
            // normal exponent.
            let e = ((max_z.abs().to_bits() >> 23) & 0xff).max(1) as i32 - 127;
            f64::from(e - 23).exp2()
        });
        let b = &self.bias;
        let o = (m * f64::from(b.slope_factor) + r * f64::from(b.constant_factor)) as f32;
        let c = b.clamp;
        if c > 0.0 {
            o.min(c)
        } else if c < 0.0 {
            o.max(c)
        } else {
            o
        }
    }
}

/// The per-draw constants of setup.
#[derive(Clone, Debug)]
pub(crate) struct SetupParams {
    /// Framebuffer x = origin[0] + half[0] · x/w, likewise y.
    pub origin: [f32; 2],
    pub half: [f32; 2],
    /// Depth z_f = depth[0] + depth[1] · z/w.
    pub depth: [f32; 2],
    /// Viewport ∩ scissor ∩ render area.
    pub clip_rect: PixelRect,
    pub cull_mode: CullMode,
    pub front_face: FrontFace,
    /// Depth bias, when enabled and there is a depth attachment.
    pub bias: Option<BiasParams>,
    /// Rasterized with 4 samples (see `Triangle::multisample`).
    pub multisample: bool,
}

impl SetupParams {
    pub fn new(
        viewport: &Viewport,
        scissor: PixelRect,
        area: PixelRect,
        cull_mode: CullMode,
        front_face: FrontFace,
    ) -> SetupParams {
        let v = viewport;
        // Vulkan: o_x = x + w/2, p_x = w; o_y = y + h/2, p_y = h; o_z = minDepth,
        // p_z = maxDepth − minDepth.
        let origin = [v.x + v.width / 2.0, v.y + v.height / 2.0];
        let half = [v.width / 2.0, v.height / 2.0];
        // Pixels whose centre lies in [lo, hi) on each axis: the clip volume's x/y planes, which
        // the guard band does not clip against, become this rectangle.
        let span = |lo: f32, len: f32| -> (i32, i32) {
            let (a, b) = (f64::from(lo), f64::from(lo) + f64::from(len));
            let (a, b) = (a.min(b), a.max(b));
            let to_i = |f: f64| {
                if f.is_nan() {
                    0
                } else {
                    (f - 0.5).ceil().clamp(-(1 << 30) as f64, (1 << 30) as f64) as i32
                }
            };
            (to_i(a), to_i(b))
        };
        let (x0, x1) = span(v.x, v.width);
        let (y0, y1) = span(v.y, v.height);
        let vp_rect = PixelRect { x0, y0, x1, y1 };
        SetupParams {
            origin,
            half,
            depth: [v.min_depth, v.max_depth - v.min_depth],
            clip_rect: vp_rect.intersect(scissor).intersect(area),
            cull_mode,
            front_face,
            bias: None,
            multisample: false,
        }
    }
}

/// Largest number of vertices a clipped triangle can have (3 + one per clipping plane).
pub(crate) const MAX_POLY: usize = 16;

/// Snaps a framebuffer coordinate to fixed point, clamped just beyond the guard band.
pub(crate) fn snap(v: f32) -> i64 {
    let lim = (GUARD_BAND as f64 + 16.0) * ONE as f64;
    let f = f64::from(v) * ONE as f64;
    if f.is_nan() {
        return 0;
    }
    // `f.round()` (half away from zero) without the libm call baseline x86-64 makes of it:
    // truncate, then step by the exact remainder. Clamping first to the integral `lim` gives
    // the same result as clamping the rounded value.
    let f = f.clamp(-lim, lim);
    let t = f as i64;
    let r = f - t as f64;
    t + i64::from(r >= 0.5) - i64::from(r <= -0.5)
}

/// A clipped polygon in framebuffer space: snapped positions, depth and 1/w per vertex, and its
/// facing.
pub(crate) struct Projected {
    pub fx: [i64; MAX_POLY],
    pub fy: [i64; MAX_POLY],
    pub z: [f32; MAX_POLY],
    pub iw: [f32; MAX_POLY],
    pub count: usize,
    /// Twice the shoelace sum of the snapped positions (never 0).
    pub total: i64,
    pub front_facing: bool,
}

/// Projects the convex polygon `poly` (clip-space vertices of `stride` floats) to framebuffer
/// space and decides its facing; `None` when it is degenerate, not finite or culled.
pub(crate) fn project(params: &SetupParams, poly: &[f32], stride: usize) -> Option<Projected> {
    let mut p = Projected::empty();
    project_into(params, poly, stride, &mut p).then_some(p)
}

/// [`project`] into `p` (only its first `count` vertices are written); `false` for `None`.
/// `setup_polygon`, once per triangle, uses this form: returning the 416-byte `Projected` in an
/// `Option` cost a `memset` and two `memcpy`s, ~250 instructions a triangle (3.5% of the
/// small-triangle bench).
#[inline(always)]
pub(crate) fn project_into(
    params: &SetupParams,
    poly: &[f32],
    stride: usize,
    p: &mut Projected,
) -> bool {
    if stride < 4 || params.clip_rect.is_empty() {
        return false;
    }
    let count = (poly.len() / stride).min(MAX_POLY);
    if count < 3 {
        return false;
    }
    p.count = count;
    p.total = 0;
    p.front_facing = true;
    for i in 0..count {
        let v = &poly[i * stride..];
        let inv_w = 1.0 / v[3];
        if !inv_w.is_finite() || inv_w <= 0.0 {
            return false;
        }
        p.iw[i] = inv_w;
        p.fx[i] = snap(params.origin[0] + params.half[0] * (v[0] * inv_w));
        p.fy[i] = snap(params.origin[1] + params.half[1] * (v[1] * inv_w));
        p.z[i] = params.depth[0] + params.depth[1] * (v[2] * inv_w);
    }
    // Twice the shoelace sum S; Vulkan's area is a = −S/2 (y down), positive = counter-clockwise.
    p.total = (1..count - 1)
        .map(|i| cross(&p.fx, &p.fy, 0, i, i + 1))
        .sum();
    if p.total == 0 {
        return false;
    }
    p.front_facing = match params.front_face {
        FrontFace::CounterClockwise => p.total < 0,
        FrontFace::Clockwise => p.total > 0,
    };
    let culled = match params.cull_mode {
        CullMode::None => false,
        CullMode::Front => p.front_facing,
        CullMode::Back => !p.front_facing,
        CullMode::FrontAndBack => true,
    };
    !culled
}

impl Projected {
    /// No vertices yet.
    pub fn empty() -> Projected {
        Projected {
            fx: [0; MAX_POLY],
            fy: [0; MAX_POLY],
            z: [0.0; MAX_POLY],
            iw: [0.0; MAX_POLY],
            count: 0,
            total: 0,
            front_facing: true,
        }
    }

    /// A convex quadrilateral given in framebuffer space (points and lines); `None` when it is
    /// degenerate after snapping.
    pub fn from_fb(
        corners: [[f64; 2]; 4],
        z: [f32; 4],
        iw: [f32; 4],
        front_facing: bool,
    ) -> Option<Projected> {
        let mut p = Projected {
            count: 4,
            front_facing,
            ..Projected::empty()
        };
        for (i, c) in corners.iter().enumerate() {
            p.fx[i] = snap_f64(c[0]);
            p.fy[i] = snap_f64(c[1]);
        }
        p.z[..4].copy_from_slice(&z);
        p.iw[..4].copy_from_slice(&iw);
        p.total = (1..3).map(|i| cross(&p.fx, &p.fy, 0, i, i + 1)).sum();
        (p.total != 0).then_some(p)
    }
}

/// `(b − a) × (c − a)` of snapped positions.
#[inline]
fn cross(fx: &[i64], fy: &[i64], a: usize, b: usize, c: usize) -> i64 {
    (fx[b] - fx[a]) * (fy[c] - fy[a]) - (fx[c] - fx[a]) * (fy[b] - fy[a])
}

/// [`snap`] of a coordinate computed in f64.
pub(crate) fn snap_f64(v: f64) -> i64 {
    let lim = (GUARD_BAND as f64 + 16.0) * ONE as f64;
    let f = (v * ONE as f64).round();
    if f.is_nan() {
        0
    } else {
        f.clamp(-lim, lim) as i64
    }
}

/// Sets up the convex polygon `poly` (clip-space vertices of `stride` floats, the result of
/// clipping one primitive) as a fan of triangles appended to `out`, with their attribute records
/// appended to `attrs`. Culled, degenerate and invisible polygons append nothing.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn setup_polygon(
    params: &SetupParams,
    interp: &[Interpolation],
    poly: &[f32],
    stride: usize,
    draw: u32,
    primitive_id: u32,
    out: &mut Vec<Triangle>,
    attrs: &mut Vec<f32>,
) {
    if stride < 4 + interp.len() {
        return;
    }
    let mut p = Projected::empty();
    if !project_into(params, poly, stride, &mut p) {
        return;
    }
    let o = polygon_bias(params, &p);
    if o != 0.0 {
        for zi in &mut p.z[..p.count] {
            *zi += o;
        }
    }
    let varyings = Varyings {
        data: poly,
        stride,
        offset: 4,
    };
    emit_fan(
        params,
        interp,
        &p,
        &varyings,
        draw,
        primitive_id,
        out,
        attrs,
    );
}

/// Where the varyings of a polygon's vertices are: vertex `i`'s are
/// `data[i·stride + offset ..][..N]`.
pub(crate) struct Varyings<'a> {
    pub data: &'a [f32],
    pub stride: usize,
    pub offset: usize,
}

impl Varyings<'_> {
    #[inline]
    fn get(&self, i: usize, n: usize) -> &[f32] {
        &self.data[i * self.stride + self.offset..][..n]
    }
}

/// Appends the fan triangles of the projected polygon `p` (already culled, biased) to `out`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn emit_fan(
    params: &SetupParams,
    interp: &[Interpolation],
    p: &Projected,
    varyings: &Varyings,
    draw: u32,
    primitive_id: u32,
    out: &mut Vec<Triangle>,
    attrs: &mut Vec<f32>,
) {
    let n = interp.len();
    let (fx, fy, z, iw) = (&p.fx, &p.fy, &p.z, &p.iw);
    for i in 1..p.count - 1 {
        let area = cross(fx, fy, 0, i, i + 1);
        if area == 0 || (area > 0) != (p.total > 0) {
            // Degenerate, or a sliver flipped by snapping: it covers no pixel centre that its
            // neighbours do not.
            continue;
        }
        // Order the vertices so that the interior is positive.
        let idx = if area > 0 {
            [0, i, i + 1]
        } else {
            [0, i + 1, i]
        };
        let ids = TriangleIds {
            draw,
            primitive_id,
            front_facing: p.front_facing,
            attrs: attrs.len() as u32,
        };
        // Written straight into `out` (an `Option<Triangle>` returned and copied in was two
        // 136-byte copies a triangle).
        if setup_triangle(params, fx, fy, idx, area.abs(), ids, out) {
            let [a, b, c] = idx;
            let (va, vb, vc) = (varyings.get(a, n), varyings.get(b, n), varyings.get(c, n));
            // Sized iterators rather than a push per component (which checked the capacity
            // each time).
            attrs.reserve(attr_record_len(n));
            attrs.extend_from_slice(&[z[a], z[b] - z[a], z[c] - z[a], iw[a], iw[b], iw[c]]);
            attrs.extend_from_slice(va);
            for v in [vb, vc] {
                attrs.extend(
                    interp
                        .iter()
                        .zip(v.iter().zip(va))
                        .map(|(&mode, (&x, &x0))| varying_difference(mode, x, x0)),
                );
            }
        }
    }
}

/// What [`setup_triangle`] copies into the triangle it makes.
struct TriangleIds {
    draw: u32,
    primitive_id: u32,
    front_facing: bool,
    attrs: u32,
}

/// The depth bias offset of the projected polygon `p` (0 without depth bias). It applies in
/// every polygon mode: the edges and vertices drawn for `LINE` and `POINT` take the polygon's
/// offset.
pub(crate) fn polygon_bias(params: &SetupParams, p: &Projected) -> f32 {
    match &params.bias {
        Some(bias) => bias.offset(
            depth_slope(&p.fx, &p.fy, &p.z, p.count),
            max_abs(&p.z[..p.count]),
        ),
        None => 0.0,
    }
}

/// The largest |z|.
fn max_abs(z: &[f32]) -> f32 {
    z.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// `m = √((∂z/∂x)² + (∂z/∂y)²)` of the planar polygon of `count` vertices, in depth units per
/// pixel, from its fan triangle of largest area (the best-conditioned one).
fn depth_slope(fx: &[i64], fy: &[i64], z: &[f32], count: usize) -> f64 {
    let s = 1.0 / ONE as f64;
    let mut best = (0i64, 0.0f64);
    for i in 1..count - 1 {
        let (b, c) = (i, i + 1);
        let (dxb, dyb) = (fx[b] - fx[0], fy[b] - fy[0]);
        let (dxc, dyc) = (fx[c] - fx[0], fy[c] - fy[0]);
        let det = dxb * dyc - dxc * dyb;
        if det.abs() <= best.0 {
            continue;
        }
        // The plane z = z₀ + p·Δx + q·Δy through the three vertices (Cramer's rule).
        let (dzb, dzc) = (f64::from(z[b] - z[0]), f64::from(z[c] - z[0]));
        let det_f = det as f64 * s * s;
        let p = (dzb * dyc as f64 - dzc * dyb as f64) * s / det_f;
        let q = (dzc * dxb as f64 - dzb * dxc as f64) * s / det_f;
        best = (det.abs(), p.hypot(q));
    }
    best.1
}

/// The λ₁ and λ₂ planes `[d/dx, d/dy, value at the reference corner]` of the triangle with
/// vertices `(x[i], y[i])` (pixels, ordered so that its doubled area `a` is positive) relative
/// to the reference pixel's corner `r`. λ₁ ∝ the edge v₂→v₀ (zero on it, area at v₁); λ₂ ∝ the
/// edge v₀→v₁. One division: the f64 products differ from quotients by an f64 ulp, far below
/// the f32 the planes are stored as. Shared by both set-up paths, which must agree bit for bit.
#[inline(always)]
fn lambda_planes(x: [f64; 3], y: [f64; 3], a: f64, r: [f64; 2]) -> [[f64; 3]; 2] {
    let ([x0, x1, x2], [y0, y1, y2], [rx, ry]) = (x, y, r);
    let inv_a = 1.0 / a;
    [
        [
            -(y0 - y2) * inv_a,
            (x0 - x2) * inv_a,
            ((x0 - x2) * (ry - y2) - (y0 - y2) * (rx - x2)) * inv_a,
        ],
        [
            -(y1 - y0) * inv_a,
            (x1 - x0) * inv_a,
            ((x1 - x0) * (ry - y0) - (y1 - y0) * (rx - x0)) * inv_a,
        ],
    ]
}

/// What a vertex's record holds for varying component `x` against vertex 0's `x0`: the
/// difference, or 0 for a flat one (which reads vertex 0's value; its difference may be
/// infinite).
#[inline(always)]
fn varying_difference(mode: Interpolation, x: f32, x0: f32) -> f32 {
    if mode == Interpolation::Flat {
        0.0
    } else {
        x - x0
    }
}

/// Edge functions, bounding box and λ planes of one triangle with positive doubled area `area`,
/// pushed onto `out` with `ids`; `false` (nothing pushed) when its box is empty.
#[inline(always)]
fn setup_triangle(
    params: &SetupParams,
    fx: &[i64],
    fy: &[i64],
    idx: [usize; 3],
    area: i64,
    ids: TriangleIds,
    out: &mut Vec<Triangle>,
) -> bool {
    let x = idx.map(|i| fx[i]);
    let y = idx.map(|i| fy[i]);
    // Bounding box in pixels: pixel p's centre is ONE·p + HALF.
    let (min_x, max_x) = (x[0].min(x[1]).min(x[2]), x[0].max(x[1]).max(x[2]));
    let (min_y, max_y) = (y[0].min(y[1]).min(y[2]), y[0].max(y[1]).max(y[2]));
    let first = |m: i64| (m - HALF).div_euclid(ONE) + i64::from((m - HALF).rem_euclid(ONE) != 0);
    let last = |m: i64| (m - HALF).div_euclid(ONE);
    let to_i32 = |v: i64| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
    // With 4 samples, a pixel whose centre is just outside may have a sample inside (samples
    // are at most 3/8 pixel from the centre): one more pixel on every side.
    let grow = i64::from(params.multisample);
    let bbox = PixelRect {
        x0: to_i32(first(min_x) - grow),
        y0: to_i32(first(min_y) - grow),
        x1: to_i32(last(max_x) + 1 + grow),
        y1: to_i32(last(max_y) + 1 + grow),
    }
    .intersect(params.clip_rect);
    if bbox.is_empty() {
        return false;
    }
    let mut edges = [Edge::default(); 3];
    for (e, edge) in edges.iter_mut().enumerate() {
        let (a, b) = (e, (e + 1) % 3);
        let (ex, ey) = (x[b] - x[a], y[b] - y[a]);
        let top_left = (ey == 0 && ex > 0) || ey < 0;
        // E(P) = ex·(Py − ay) − ey·(Px − ax), with P = ONE·p + HALF.
        *edge = Edge {
            c: ex * (HALF - y[a]) - ey * (HALF - x[a]) - i64::from(!top_left),
            dx: -ey * ONE,
            dy: ex * ONE,
        };
    }
    // λ planes in pixel units, relative to the reference pixel's corner.
    let s = 1.0 / ONE as f64;
    let (x0, y0) = (x[0] as f64 * s, y[0] as f64 * s);
    let (x1, y1) = (x[1] as f64 * s, y[1] as f64 * s);
    let (x2, y2) = (x[2] as f64 * s, y[2] as f64 * s);
    let a = area as f64 * s * s;
    let ref_px = [to_i32(x[0].div_euclid(ONE)), to_i32(y[0].div_euclid(ONE))];
    let (rx, ry) = (f64::from(ref_px[0]), f64::from(ref_px[1]));
    let [l1, l2] = lambda_planes([x0, x1, x2], [y0, y1, y2], a, [rx, ry]);
    out.push(Triangle {
        draw: ids.draw,
        primitive_id: ids.primitive_id,
        front_facing: ids.front_facing,
        multisample: params.multisample,
        bbox,
        edges,
        ref_px,
        lambda: [l1.map(|v| v as f32), l2.map(|v| v as f32)],
        attrs: ids.attrs,
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Rect;

    fn params(cull: CullMode) -> SetupParams {
        let all = PixelRect::from_rect(Rect::new(0, 0, 100, 100));
        SetupParams::new(
            &Viewport::full(100, 100),
            all,
            all,
            cull,
            FrontFace::CounterClockwise,
        )
    }

    /// Clip-space vertices (no varyings) for framebuffer positions on a 100×100 viewport.
    fn tri(p: [[f32; 2]; 3]) -> Vec<f32> {
        p.iter()
            .flat_map(|&[x, y]| [x / 50.0 - 1.0, y / 50.0 - 1.0, 0.5, 1.0])
            .collect()
    }

    #[test]
    fn snap_rounds_half_away_from_zero() {
        let lim = (GUARD_BAND as f64 + 16.0) * ONE as f64;
        let reference = |v: f32| {
            let f = (f64::from(v) * ONE as f64).round();
            if f.is_nan() {
                0
            } else {
                f.clamp(-lim, lim) as i64
            }
        };
        let mut x = 0x2545_f491u32;
        let mut values = vec![
            0.0,
            -0.0,
            0.5 / 256.0,
            -0.5 / 256.0,
            1.5 / 256.0,
            -2.5 / 256.0,
        ];
        values.extend([
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e30,
            -1e30,
            32800.0,
        ]);
        for _ in 0..200_000 {
            x = crate::tests::Xorshift32(x).next_u32();
            // Finite floats of every magnitude up to beyond the guard band, and exact ties.
            let v = f32::from_bits(x & 0xc7ff_ffff);
            values.push(v);
            values.push(((x % 20_000) as f32 - 10_000.0 + 0.5) / 256.0);
        }
        for v in values {
            assert_eq!(snap(v), reference(v), "{v:e}");
        }
    }

    #[test]
    fn facing_follows_the_specification() {
        // On screen (y down): (10,10) → (10,50) → (50,10) runs counter-clockwise.
        let ccw = tri([[10.0, 10.0], [10.0, 50.0], [50.0, 10.0]]);
        let mut out = Vec::new();
        let mut attrs = Vec::new();
        setup_polygon(
            &params(CullMode::None),
            &[],
            &ccw,
            4,
            0,
            0,
            &mut out,
            &mut attrs,
        );
        assert_eq!(out.len(), 1);
        assert!(out[0].front_facing);
        out.clear();
        setup_polygon(
            &params(CullMode::Front),
            &[],
            &ccw,
            4,
            0,
            0,
            &mut out,
            &mut attrs,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn lambda_planes_hit_the_vertices() {
        let t = tri([[10.0, 10.0], [10.0, 50.0], [50.0, 10.0]]);
        let mut out = Vec::new();
        let mut attrs = Vec::new();
        setup_polygon(
            &params(CullMode::None),
            &[],
            &t,
            4,
            0,
            0,
            &mut out,
            &mut attrs,
        );
        let tri = &out[0];
        // λ at framebuffer point (px, py).
        let eval = |l: [f32; 3], px: f32, py: f32| {
            l[0] * (px - tri.ref_px[0] as f32) + l[1] * (py - tri.ref_px[1] as f32) + l[2]
        };
        for (k, l) in tri.lambda.iter().enumerate() {
            // Vertex 0 is where both λ vanish.
            assert!(eval(*l, 10.0, 10.0).abs() < 1e-6, "{k}");
        }
        let sum = eval(tri.lambda[0], 50.0, 10.0) + eval(tri.lambda[1], 50.0, 10.0);
        assert!((sum - 1.0).abs() < 1e-6);
    }

    #[test]
    fn degenerate_and_non_finite_are_dropped() {
        let mut out = Vec::new();
        let mut attrs = Vec::new();
        let line = tri([[10.0, 10.0], [20.0, 20.0], [30.0, 30.0]]);
        setup_polygon(
            &params(CullMode::None),
            &[],
            &line,
            4,
            0,
            0,
            &mut out,
            &mut attrs,
        );
        let zero_w = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        setup_polygon(
            &params(CullMode::None),
            &[],
            &zero_w,
            4,
            0,
            0,
            &mut out,
            &mut attrs,
        );
        assert!(out.is_empty());
    }
}
