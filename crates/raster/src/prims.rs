//! Points and lines, set up as quadrilaterals for the triangle rasterizer.
//!
//! **Why quads.** Binning, the tile walk, interpolation and the per-fragment operations only
//! know triangles; turning a point or a line into two triangles at setup keeps the triangle path
//! exactly as it was (no per-pixel or per-triangle test of a primitive kind) and keeps the
//! guarantees it gives: exact fixed-point edges, submission order per tile, the same image for
//! any thread count. A dedicated line walker (Bresenham over the pixels) was rejected: it would
//! need its own binning and its own fragment batching.
//!
//! **Points** (specification, "Basic Point Rasterization"): a square of side `size` (the
//! vertex's `PointSize`, clamped to [`POINT_SIZE_RANGE`]) centred on the vertex. A pixel is
//! covered when its centre is inside; centres on the left and top sides belong to the point,
//! those on the right and bottom do not (the top-left rule of the two triangles). Every varying
//! is the vertex's; `PointCoord` is two extra `NoPerspective` components running from (0, 0) at
//! the top-left corner to (1, 1) at the bottom-right one, which is `s = ½ + (x_f − x_d)/size`,
//! `t = ½ + (y_f − y_d)/size`. A point is discarded when its vertex is outside the near, far or
//! w planes; one whose centre is outside the viewport but whose square reaches into it is drawn
//! (as lavapipe does: `pointClippingBehavior` aside, partially visible points stay visible).
//!
//! **Lines** (specification, "Basic Line Segment Rasterization", non-strict lines with
//! `strictLines = false`): width 1, Bresenham-like with the diamond-exit rule. For an x-major
//! segment (|Δx| ≥ |Δy|) one pixel per column is drawn: the one whose centre is within ½ of the
//! line vertically. The first column is the start pixel's when the segment crosses its centre
//! or starts inside its diamond (|x − x_c| + |y − y_c| < ½); the last column is the end
//! pixel's only when the segment crosses its centre and does not end inside its diamond — so a
//! segment from pixel centre to pixel centre leaves out its last pixel, and the segments of a
//! strip touch every shared pixel once. That column range becomes a parallelogram with
//! vertical sides a quarter pixel outside the first and last centres and slanted sides ½ above
//! and below the line (swap x and y for y-major segments). Varyings use the specification's
//! `t = ((p − p_a)·(p_b − p_a)) / |p_b − p_a|²`: each corner gets its `t`, and since `t` is linear
//! in the framebuffer, the triangle planes reproduce it at every fragment; smooth varyings are
//! interpolated in `1/w` as the specification's line formula asks, depth linearly.
//!
//! Lines are clipped in clip space (Liang–Barsky against the same planes as triangles).

use crate::clip::{push_lerp, ClipPlanes};
use crate::setup::{emit_fan, Projected, SetupParams, Triangle, Varyings};
use crate::state::{Interpolation, POINT_SIZE_RANGE};

/// Where the set-up triangles go, and what they belong to.
pub(crate) struct Sink<'a> {
    pub draw: u32,
    pub primitive_id: u32,
    pub front_facing: bool,
    /// Added to the depth (the polygon's depth bias, for polygon modes `LINE` and `POINT`).
    pub depth_offset: f32,
    pub tris: &'a mut Vec<Triangle>,
    pub attrs: &'a mut Vec<f32>,
    /// Scratch memory for clipped endpoints.
    pub ends: &'a mut Vec<f32>,
    /// Scratch memory for corner varyings.
    pub vary: &'a mut Vec<f32>,
}

/// The clamped point size: `PointSize` outside `pointSizeRange` (or NaN) is clamped to it.
pub fn clamp_point_size(size: f32) -> f32 {
    if size.is_nan() {
        POINT_SIZE_RANGE[0]
    } else {
        size.clamp(POINT_SIZE_RANGE[0], POINT_SIZE_RANGE[1])
    }
}

/// Sets up a point sprite for the clip-space vertex `v` (`4 + N` floats) of size `size`.
/// `interp` is the draw's: the `N` varyings, then the two `PointCoord` components.
pub(crate) fn setup_point(
    params: &SetupParams,
    interp: &[Interpolation],
    planes: &ClipPlanes,
    v: &[f32],
    size: f32,
    sink: Sink,
) {
    let n = interp.len().saturating_sub(2);
    if v.len() < 4 + n || v[..4].iter().any(|c| !c.is_finite()) {
        return;
    }
    if planes.clip.iter().any(|p| p.dist(v) < 0.0) {
        return;
    }
    let iw = 1.0 / v[3];
    let x = f64::from(params.origin[0] + params.half[0] * (v[0] * iw));
    let y = f64::from(params.origin[1] + params.half[1] * (v[1] * iw));
    let z = params.depth[0] + params.depth[1] * (v[2] * iw) + sink.depth_offset;
    let h = f64::from(clamp_point_size(size)) / 2.0;
    let corners = [
        [x - h, y - h],
        [x + h, y - h],
        [x + h, y + h],
        [x - h, y + h],
    ];
    let coords = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
    let Some(p) = Projected::from_fb(corners, [z; 4], [iw; 4], sink.front_facing) else {
        return;
    };
    let vary = sink.vary;
    vary.clear();
    for c in coords {
        vary.extend_from_slice(&v[4..4 + n]);
        vary.extend_from_slice(&c);
    }
    let varyings = Varyings {
        data: vary,
        stride: n + 2,
        offset: 0,
    };
    emit_fan(
        params,
        interp,
        &p,
        &varyings,
        sink.draw,
        sink.primitive_id,
        sink.tris,
        sink.attrs,
    );
}

/// Sets up the width-1 line from clip-space vertex `a` to `b` (`4 + N` floats each, flat
/// components already the provoking vertex's).
pub(crate) fn setup_line(
    params: &SetupParams,
    interp: &[Interpolation],
    planes: &ClipPlanes,
    a: &[f32],
    b: &[f32],
    sink: Sink,
) {
    let n = interp.len();
    let vs = 4 + n;
    if a.len() < vs || b.len() < vs {
        return;
    }
    let (a, b) = (&a[..vs], &b[..vs]);
    if a[..4].iter().chain(&b[..4]).any(|c| !c.is_finite()) {
        return;
    }
    // Liang–Barsky: the part t ∈ [t0, t1] of a + t·(b − a) inside every clipping plane.
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for p in &planes.clip {
        let (da, db) = (p.dist(a), p.dist(b));
        if da < 0.0 && db < 0.0 {
            return;
        }
        if da < 0.0 {
            t0 = t0.max(da / (da - db));
        } else if db < 0.0 {
            t1 = t1.min(da / (da - db));
        }
    }
    if t0 >= t1 {
        return;
    }
    for p in &planes.reject {
        if p.dist(a) < 0.0 && p.dist(b) < 0.0 {
            return;
        }
    }
    let ends = sink.ends;
    ends.clear();
    if t0 > 0.0 {
        push_lerp(ends, a, b, t0 as f32, interp);
    } else {
        ends.extend_from_slice(a);
    }
    if t1 < 1.0 {
        push_lerp(ends, a, b, t1 as f32, interp);
    } else {
        ends.extend_from_slice(b);
    }
    let (ca, cb) = ends.split_at(vs);
    // Framebuffer positions, depth and 1/w of the ends.
    let fb = |v: &[f32]| {
        let iw = 1.0 / v[3];
        let x = f64::from(params.origin[0] + params.half[0] * (v[0] * iw));
        let y = f64::from(params.origin[1] + params.half[1] * (v[1] * iw));
        let z = params.depth[0] + params.depth[1] * (v[2] * iw);
        ([x, y], z, iw)
    };
    let (pa, za, iwa) = fb(ca);
    let (pb, zb, iwb) = fb(cb);
    if !(iwa.is_finite() && iwb.is_finite() && iwa > 0.0 && iwb > 0.0) {
        return;
    }
    let Some(corners) = line_quad(pa, pb) else {
        return;
    };
    let d = [pb[0] - pa[0], pb[1] - pa[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let mut ts = corners.map(|c| ((c[0] - pa[0]) * d[0] + (c[1] - pa[1]) * d[1]) / len2);
    let lerp = |x: f32, y: f32, t: f64| (f64::from(x) + t * (f64::from(y) - f64::from(x))) as f32;
    // The corners reach ½ pixel past the ends; where 1/w would not stay positive there (a
    // steep perspective), the corners take the ends' values instead.
    if ts.iter().any(|&t| lerp(iwa, iwb, t) <= 0.0) {
        ts = ts.map(|t| t.clamp(0.0, 1.0));
    }
    let iw = ts.map(|t| lerp(iwa, iwb, t));
    let z = ts.map(|t| lerp(za, zb, t) + sink.depth_offset);
    let Some(p) = Projected::from_fb(corners, z, iw, sink.front_facing) else {
        return;
    };
    let vary = sink.vary;
    vary.clear();
    for (k, &t) in ts.iter().enumerate() {
        for (c, mode) in interp.iter().enumerate() {
            let (fa, fb) = (ca[4 + c], cb[4 + c]);
            vary.push(match mode {
                Interpolation::Smooth => lerp(fa * iwa, fb * iwb, t) / iw[k],
                Interpolation::NoPerspective => lerp(fa, fb, t),
                Interpolation::Flat => fa,
            });
        }
    }
    let varyings = Varyings {
        data: vary,
        stride: n,
        offset: 0,
    };
    emit_fan(
        params,
        interp,
        &p,
        &varyings,
        sink.draw,
        sink.primitive_id,
        sink.tris,
        sink.attrs,
    );
}

/// The parallelogram covering the pixels of the width-1 line from `pa` to `pb` (framebuffer
/// coordinates) under the diamond-exit rule; `None` when it covers no pixel.
pub(crate) fn line_quad(pa: [f64; 2], pb: [f64; 2]) -> Option<[[f64; 2]; 4]> {
    let (dx, dy) = (pb[0] - pa[0], pb[1] - pa[1]);
    if !(dx.is_finite() && dy.is_finite()) || (dx == 0.0 && dy == 0.0) {
        return None;
    }
    // (u, v): (major, minor) axes.
    let x_major = dx.abs() >= dy.abs();
    let uv = |p: [f64; 2]| if x_major { p } else { [p[1], p[0]] };
    let [ua, va] = uv(pa);
    let [ub, vb] = uv(pb);
    let s = (ub - ua).signum();
    let in_diamond = |u: f64, v: f64| {
        let (cu, cv) = (u.floor() + 0.5, v.floor() + 0.5);
        (u - cu).abs() + (v - cv).abs() < 0.5
    };
    let c0 = ua.floor();
    let first = if s * (c0 + 0.5 - ua) >= 0.0 || in_diamond(ua, va) {
        c0
    } else {
        c0 + s
    };
    let c1 = ub.floor();
    let last = if s * (ub - (c1 + 0.5)) > 0.0 && !in_diamond(ub, vb) {
        c1
    } else {
        c1 - s
    };
    if s * (last - first) < 0.0 {
        return None;
    }
    let lo = first.min(last) + 0.25;
    let hi = first.max(last) + 0.75;
    let slope = (vb - va) / (ub - ua);
    let v_at = |u: f64| va + (u - ua) * slope;
    let back = |u: f64, v: f64| if x_major { [u, v] } else { [v, u] };
    Some([
        back(lo, v_at(lo) - 0.5),
        back(hi, v_at(hi) - 0.5),
        back(hi, v_at(hi) + 0.5),
        back(lo, v_at(lo) + 0.5),
    ])
}
