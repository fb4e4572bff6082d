//! Set-up of eight triangles at a time, for the common case: a triangle list whose triangles lie
//! inside the view volume, with no user clip or cull distances and no depth bias.
//!
//! **Why.** Set-up one triangle at a time ([`super::setup_polygon`] after `Clipper::clip`) was
//! ~1,400 instructions a triangle in the small-triangle bench, more than a third of the frame:
//! the outcode test, the projection, the snapping, the facing, the box, three edges and the λ
//! planes in f64 are each a few operations on scalars kept in memory between helper calls.
//! Here the same arithmetic runs on arrays of eight lanes (one per triangle), which the compiler
//! turns into 256-bit vector code under `simd::vectorized`, and only writing the triangles and
//! their attribute records is left per triangle.
//!
//! **Exactness.** The results are bit for bit those of the one-at-a-time path (tested on random
//! triangles, `tests::matches_one_at_a_time`):
//! - a lane is taken only when clipping cannot change its triangle: every coordinate finite,
//!   `|x|, |y| ≤ w`, `w ≥ W_EPSILON` and, when depth is clipped, `0 ≤ z ≤ w` (the clipper's
//!   outcode test then passes the triangle through unchanged, given `ClipPlanes::in_view_test`'s
//!   conditions on the guard band and user planes); other lanes go to the caller's general
//!   path, in primitive order;
//! - the projection is the same f32 expression; snapping in f32 equals [`super::snap`]'s f64
//!   because multiplying by 256 is exact and the fraction `f − trunc(f)` of a float is exact
//!   (coordinates of 16,384 pixels and more go to the general path, see `SNAP_LIMIT`);
//! - products of snapped coordinates (< 2²⁴ each) are exact in f64 (< 2⁴⁸, and their
//!   difference < 2⁴⁹ < 2⁵³), so the doubled area and the edge constants computed in f64 equal
//!   the i64 ones;
//! - the λ planes are the same f64 expressions in the same order (Rust never fuses a multiply
//!   and an add).

use super::{
    attr_record_len, lambda_planes, varying_difference, Edge, SetupParams, Triangle, HALF, ONE,
};
use crate::clip::{InViewTest, W_EPSILON};
use crate::state::{CullMode, FrontFace, Interpolation, PixelRect};

/// Triangles set up together.
pub(crate) const BATCH: usize = 8;

type Lanes<T> = [T; BATCH];

/// A lane mask: all ones for `true`.
#[inline(always)]
fn mask(b: bool) -> u32 {
    0u32.wrapping_sub(u32::from(b))
}

/// Fixed-point coordinates the batch takes: below 2²² in magnitude (16,384 pixels), so that
/// the rounded value converts to an integer by [`F32_MAGIC`]. Vertices beyond (in view only for
/// viewports wider than that) go to the general path.
const SNAP_LIMIT: f32 = (1 << 22) as f32;

/// 1.5 · 2²³: an integer `n` with |n| ≤ 2²² added to it lands where the f32 spacing is 1, so
/// the sum's bits minus the magic's bits are `n`. The vector form of `as i32`, which the
/// compiler turns into eight scalar conversions with saturation checks (~8 instructions a
/// lane).
const F32_MAGIC: f32 = 12_582_912.0;

/// 1.5 · 2⁵², the same for an integer below 2⁵¹ in an f64.
const F64_MAGIC: f64 = 6_755_399_441_055_744.0;

/// [`super::snap`] of one lane's coordinate and whether the lane can take it: `|v · 256| <
/// SNAP_LIMIT` (false for NaN). Rounding is half away from zero, as `snap`'s.
#[inline(always)]
fn snap32(v: f32) -> (i32, bool) {
    let f = v * ONE as f32;
    let ok = f.abs() < SNAP_LIMIT;
    let t = f.trunc();
    let r = f - t;
    let rounded = t + f32::from(u8::from(r >= 0.5)) - f32::from(u8::from(r <= -0.5));
    let i = ((rounded + F32_MAGIC).to_bits() as i32).wrapping_sub(F32_MAGIC.to_bits() as i32);
    // Lanes not taken get 0, so that every lane's later integer arithmetic stays in range.
    (if ok { i } else { 0 }, ok)
}

/// Sets up the `BATCH` triangles of `tris` (a triangle list: `3 · BATCH` vertices of `stride`
/// floats, the position then the `interp.len()` varyings) with primitive ids from `first_id`,
/// appending to `out` and `attrs` exactly what clipping and [`super::setup_polygon`] would.
/// Triangles that clipping might change are handed to `general(lane, out, attrs)` instead, in
/// their place in the order. `false` (nothing done) when `tris` is too short or `stride` too
/// small for the varyings.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn setup_batch(
    params: &SetupParams,
    test: &InViewTest,
    interp: &[Interpolation],
    tris: &[f32],
    stride: usize,
    draw: u32,
    first_id: u32,
    out: &mut Vec<Triangle>,
    attrs: &mut Vec<f32>,
    mut general: impl FnMut(usize, &mut Vec<Triangle>, &mut Vec<f32>),
) -> bool {
    let n = interp.len();
    if stride < 4 + n || tris.len() < 3 * BATCH * stride {
        return false;
    }
    // Positions, vertex-major: pos[k][c][j] is component c of vertex k of lane j.
    let mut pos = [[[0.0f32; BATCH]; 4]; 3];
    for j in 0..BATCH {
        for (k, p) in pos.iter_mut().enumerate() {
            let v = &tris[(3 * j + k) * stride..][..4];
            for c in 0..4 {
                p[c][j] = v[c];
            }
        }
    }
    // The in-view test: the comparisons are false for NaN, and `w` is bounded above so that
    // an infinite `w` does not pass `|x| ≤ w`. Lane masks are `u32` (all ones for true), which
    // stay in vector registers where `bool`s were packed and unpacked a lane at a time.
    let depth = test.depth;
    let mut fast: Lanes<u32> = [!0; BATCH];
    for p in &pos {
        let [x, y, z, w] = p;
        for j in 0..BATCH {
            let (x, y, z, w) = (x[j], y[j], z[j], w[j]);
            let xy = (-w <= x) & (x <= w) & (-w <= y) & (y <= w);
            let w_ok = (w >= W_EPSILON) & (w < f32::INFINITY);
            let z_ok = (depth & (z >= 0.0) & (z <= w)) | (!depth & (z.abs() < f32::INFINITY));
            fast[j] &= mask(xy & w_ok & z_ok);
        }
    }
    // Projection and snapping (every lane; the results of lanes not taken are not used).
    let mut fx = [[0i32; BATCH]; 3];
    let mut fy = [[0i32; BATCH]; 3];
    let mut zf = [[0.0f32; BATCH]; 3];
    let mut iw = [[0.0f32; BATCH]; 3];
    for k in 0..3 {
        let [x, y, z, w] = &pos[k];
        for j in 0..BATCH {
            let inv_w = 1.0 / w[j];
            iw[k][j] = inv_w;
            let (sx, ok_x) = snap32(params.origin[0] + params.half[0] * (x[j] * inv_w));
            let (sy, ok_y) = snap32(params.origin[1] + params.half[1] * (y[j] * inv_w));
            fx[k][j] = sx;
            fy[k][j] = sy;
            fast[j] &= mask(ok_x & ok_y);
            zf[k][j] = params.depth[0] + params.depth[1] * (z[j] * inv_w);
        }
    }
    // Twice the signed area (exact in f64), facing and culling.
    let ccw = params.front_face == FrontFace::CounterClockwise;
    let (cull_front, cull_back) = match params.cull_mode {
        CullMode::None => (false, false),
        CullMode::Front => (true, false),
        CullMode::Back => (false, true),
        CullMode::FrontAndBack => (true, true),
    };
    let mut area = [0.0f64; BATCH];
    let mut front: Lanes<u32> = [0; BATCH];
    let mut keep: Lanes<u32> = [0; BATCH];
    for j in 0..BATCH {
        let d = |a: i32, b: i32| f64::from(b - a);
        let s = d(fx[0][j], fx[1][j]) * d(fy[0][j], fy[2][j])
            - d(fx[0][j], fx[2][j]) * d(fy[0][j], fy[1][j]);
        area[j] = s;
        let f = (ccw & (s < 0.0)) | (!ccw & (s > 0.0));
        front[j] = mask(f);
        let culled = (cull_front & f) | (cull_back & !f);
        keep[j] = fast[j] & mask((s != 0.0) & !culled);
    }
    // Vertices 1 and 2 swapped where the area is negative, so that the interior is where all
    // three edge functions are positive.
    let (mut x, mut y) = (fx, fy);
    let (mut z, mut w) = (zf, iw);
    let mut swap: Lanes<bool> = [false; BATCH];
    for j in 0..BATCH {
        let s = area[j] < 0.0;
        swap[j] = s;
        let pick = |a: i32, b: i32| if s { b } else { a };
        let pickf = |a: f32, b: f32| if s { b } else { a };
        (x[1][j], x[2][j]) = (pick(fx[1][j], fx[2][j]), pick(fx[2][j], fx[1][j]));
        (y[1][j], y[2][j]) = (pick(fy[1][j], fy[2][j]), pick(fy[2][j], fy[1][j]));
        (z[1][j], z[2][j]) = (pickf(zf[1][j], zf[2][j]), pickf(zf[2][j], zf[1][j]));
        (w[1][j], w[2][j]) = (pickf(iw[1][j], iw[2][j]), pickf(iw[2][j], iw[1][j]));
        area[j] = area[j].abs();
    }
    // Bounding boxes: pixel p's centre is ONE·p + HALF; `>> 8` is the floor division.
    let grow = i32::from(params.multisample);
    let clip = params.clip_rect;
    let mut bbox = [[0i32; BATCH]; 4];
    for j in 0..BATCH {
        let (x, y) = ([x[0][j], x[1][j], x[2][j]], [y[0][j], y[1][j], y[2][j]]);
        let (min_x, max_x) = (x[0].min(x[1]).min(x[2]), x[0].max(x[1]).max(x[2]));
        let (min_y, max_y) = (y[0].min(y[1]).min(y[2]), y[0].max(y[1]).max(y[2]));
        let first = |m: i32| (m - HALF as i32 + ONE as i32 - 1) >> 8;
        let last = |m: i32| (m - HALF as i32) >> 8;
        let b = [
            (first(min_x) - grow).max(clip.x0),
            (first(min_y) - grow).max(clip.y0),
            (last(max_x) + 1 + grow).min(clip.x1),
            (last(max_y) + 1 + grow).min(clip.y1),
        ];
        for (r, v) in bbox.iter_mut().zip(b) {
            r[j] = v;
        }
        keep[j] &= mask((b[0] < b[2]) & (b[1] < b[3]));
    }
    // Edge functions: the constants exact in f64 (E(P) = ex·(Py − ay) − ey·(Px − ax) at pixel
    // centres, minus one off the top-left edges), then made integers by [`F64_MAGIC`].
    let mut edge_c = [[0i64; BATCH]; 3];
    let mut edge_dx = [[0i64; BATCH]; 3];
    let mut edge_dy = [[0i64; BATCH]; 3];
    for e in 0..3 {
        let (a, b) = (e, (e + 1) % 3);
        for j in 0..BATCH {
            let (ex, ey) = (x[b][j] - x[a][j], y[b][j] - y[a][j]);
            let top_left = (ey == 0) & (ex > 0) | (ey < 0);
            let c = f64::from(ex) * f64::from(HALF as i32 - y[a][j])
                - f64::from(ey) * f64::from(HALF as i32 - x[a][j])
                - f64::from(u8::from(!top_left));
            edge_c[e][j] =
                ((c + F64_MAGIC).to_bits() as i64).wrapping_sub(F64_MAGIC.to_bits() as i64);
            edge_dx[e][j] = -i64::from(ey) * ONE;
            edge_dy[e][j] = i64::from(ex) * ONE;
        }
    }
    // λ planes in pixel units relative to the reference pixel's corner, as `setup_triangle`.
    let mut lambda = [[[0.0f32; BATCH]; 3]; 2];
    let s = 1.0 / ONE as f64;
    for j in 0..BATCH {
        let (x0, y0) = (f64::from(x[0][j]) * s, f64::from(y[0][j]) * s);
        let (x1, y1) = (f64::from(x[1][j]) * s, f64::from(y[1][j]) * s);
        let (x2, y2) = (f64::from(x[2][j]) * s, f64::from(y[2][j]) * s);
        let a = area[j] * s * s;
        let r = [f64::from(x[0][j] >> 8), f64::from(y[0][j] >> 8)];
        let [l1, l2] = lambda_planes([x0, x1, x2], [y0, y1, y2], a, r);
        for c in 0..3 {
            lambda[0][c][j] = l1[c] as f32;
            lambda[1][c][j] = l2[c] as f32;
        }
    }
    // The triangles and their records, in primitive order.
    let any_flat = interp.contains(&Interpolation::Flat);
    out.reserve(BATCH);
    attrs.reserve(BATCH * attr_record_len(n));
    for j in 0..BATCH {
        if fast[j] == 0 {
            general(j, out, attrs);
            continue;
        }
        if keep[j] == 0 {
            continue;
        }
        let edge = |e: usize| Edge {
            c: edge_c[e][j],
            dx: edge_dx[e][j],
            dy: edge_dy[e][j],
        };
        let edges = [edge(0), edge(1), edge(2)];
        out.push(Triangle {
            draw,
            primitive_id: first_id.wrapping_add(j as u32),
            front_facing: front[j] != 0,
            multisample: params.multisample,
            bbox: PixelRect {
                x0: bbox[0][j],
                y0: bbox[1][j],
                x1: bbox[2][j],
                y1: bbox[3][j],
            },
            edges,
            ref_px: [x[0][j] >> 8, y[0][j] >> 8],
            lambda: [0, 1].map(|l| [lambda[l][0][j], lambda[l][1][j], lambda[l][2][j]]),
            attrs: attrs.len() as u32,
        });
        let (z, w) = ([z[0][j], z[1][j], z[2][j]], [w[0][j], w[1][j], w[2][j]]);
        attrs.extend_from_slice(&[z[0], z[1] - z[0], z[2] - z[0], w[0], w[1], w[2]]);
        let vertex = |k: usize| &tris[(3 * j + k) * stride + 4..][..n];
        let (b, c) = if swap[j] { (2, 1) } else { (1, 2) };
        let va = vertex(0);
        attrs.extend_from_slice(va);
        for v in [vertex(b), vertex(c)] {
            if any_flat {
                attrs.extend(
                    interp
                        .iter()
                        .zip(v.iter().zip(va))
                        .map(|(&mode, (&x, &x0))| varying_difference(mode, x, x0)),
                );
            } else {
                attrs.extend(v.iter().zip(va).map(|(&x, &x0)| x - x0));
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clip::{ClipPlanes, Clipper};
    use crate::setup::setup_polygon;
    use crate::state::{Rect, Viewport};

    /// Random triangles, most inside the view and some crossing or outside its planes, some
    /// degenerate or with coordinates on the boundaries, set up both ways.
    #[test]
    fn matches_one_at_a_time() {
        let mut rng = crate::tests::Xorshift32(0x9e37_79b9);
        let mut rand = move || rng.next_u32();
        // Its own generator: a copy of `rand` would repeat `rand`'s values.
        let mut unit_rng = crate::tests::Xorshift32(0x2545_f491);
        let mut unit = move || (unit_rng.next_u32() >> 8) as f32 / (1 << 24) as f32;
        let interp = [
            Interpolation::Smooth,
            Interpolation::NoPerspective,
            Interpolation::Flat,
            Interpolation::Smooth,
        ];
        let stride = 4 + interp.len();
        let viewports = [
            Viewport::full(1920, 1080),
            Viewport {
                x: 13.25,
                y: 700.0,
                width: 301.5,
                height: -250.0,
                min_depth: 0.25,
                max_depth: 0.75,
            },
            // Past `SNAP_LIMIT` on the right: those vertices take the general path.
            Viewport {
                x: -5000.0,
                y: 0.0,
                width: 30000.0,
                height: 1080.0,
                min_depth: 0.0,
                max_depth: 1.0,
            },
        ];
        let (mut compared, mut taken) = (0, 0);
        for (case, viewport) in viewports.iter().enumerate() {
            for cull in [CullMode::None, CullMode::Back, CullMode::Front] {
                for (depth_clamp, multisample) in [(false, false), (true, true)] {
                    let area = PixelRect::from_rect(Rect::new(0, 0, 1920, 1080));
                    let scissor = PixelRect::from_rect(Rect::new(5, 3, 1700, 1000));
                    let front = if case == 0 {
                        FrontFace::CounterClockwise
                    } else {
                        FrontFace::Clockwise
                    };
                    let mut params = SetupParams::new(viewport, scissor, area, cull, front);
                    params.multisample = multisample;
                    let planes = ClipPlanes::new(params.origin, params.half, depth_clamp, &[]);
                    let test = planes.in_view_test().expect("no user planes");
                    for _ in 0..200 {
                        let mut tris = Vec::new();
                        for v in 0..3 * BATCH {
                            // A third of the triangles have vertices that may be outside.
                            let nasty = (v / 3) % 3 == (rand() % 3) as usize;
                            let w = match rand() % 8 {
                                0 if nasty => 0.0,
                                1 if nasty => -1.0,
                                2 if nasty => f32::NAN,
                                _ => 0.5 + 3.0 * unit(),
                            };
                            let spread = if nasty && rand() % 2 == 0 { 1.3 } else { 0.999 };
                            let mut coord = |edge: bool| {
                                if edge {
                                    w
                                } else {
                                    (unit() * 2.0 - 1.0) * w * spread
                                }
                            };
                            let x = coord(rand() % 16 == 0);
                            let y = coord(rand() % 16 == 0);
                            let z = unit() * w * if nasty { 1.3 } else { 1.0 };
                            tris.extend([x, y, z, w]);
                            tris.extend([unit(), unit() * 9.0, 5.0 - unit(), -unit()]);
                        }
                        // A degenerate triangle and a tiny one.
                        let v0 = tris[..stride].to_vec();
                        tris[stride..2 * stride].copy_from_slice(&v0);
                        let t3 = 3 * stride;
                        let v3 = tris[t3..t3 + stride].to_vec();
                        tris[t3 + stride..t3 + 2 * stride].copy_from_slice(&v3);
                        tris[t3 + stride] += 1e-4;
                        let mut clipper = Clipper::default();
                        let mut general = |i: usize, out: &mut Vec<Triangle>, a: &mut Vec<f32>| {
                            let tri = &tris[3 * i * stride..][..3 * stride];
                            let poly = clipper.clip(tri, stride, &planes, &interp);
                            setup_polygon(
                                &params,
                                &interp,
                                poly,
                                stride,
                                7,
                                100 + i as u32,
                                out,
                                a,
                            );
                        };
                        let (mut want, mut want_attrs) = (Vec::new(), Vec::new());
                        for i in 0..BATCH {
                            general(i, &mut want, &mut want_attrs);
                        }
                        let (mut got, mut got_attrs) = (Vec::new(), Vec::new());
                        let mut handed_over = 0;
                        assert!(setup_batch(
                            &params,
                            &test,
                            &interp,
                            &tris,
                            stride,
                            7,
                            100,
                            &mut got,
                            &mut got_attrs,
                            |i, out: &mut Vec<Triangle>, a: &mut Vec<f32>| {
                                handed_over += 1;
                                general(i, out, a)
                            },
                        ));
                        taken += BATCH - handed_over;
                        assert_eq!(got, want);
                        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&got_attrs), bits(&want_attrs));
                        compared += want.len();
                    }
                }
            }
        }
        // Both paths ran on many triangles: about half of the lanes are inside the view,
        // and most survive the culling of one facing or the other.
        let lanes = viewports.len() * 3 * 2 * 200 * BATCH;
        assert!(
            taken > lanes / 5 && taken < lanes * 4 / 5,
            "{taken} of {lanes}"
        );
        assert!(compared > 5_000, "{compared}");
    }
}
