//! Clipping of triangles in clip space.
//!
//! Vulkan's clip volume is −w ≤ x ≤ w, −w ≤ y ≤ w, 0 ≤ z ≤ w. Only the planes whose crossing
//! changes what is drawn are clipped against for real:
//!
//! - **w ≥ ε**, so that the perspective divide is finite and positive;
//! - **near (z ≥ 0) and far (z ≤ w)**, unless depth clamping is enabled — a triangle crossing
//!   the near plane must lose the part behind it, not wrap around through infinity;
//! - **the guard band**: x and y are *not* clipped to the viewport. Pixels outside the viewport
//!   are simply never visited (the rasterizer intersects each triangle's bounding box with the
//!   viewport rectangle), so a triangle poking out of the viewport is drawn whole, which is both
//!   cheaper and exactly watertight. x and y are clipped only when a vertex would land outside
//!   ±[`GUARD_BAND`] pixels, the range the 8-sub-pixel-bit fixed-point setup is sized for.
//!
//! A triangle entirely outside one of the viewport's x/y planes is rejected without clipping.
//!
//! Clipping is Sutherland–Hodgman over a flat buffer of vertices (`4 + N` floats each). An edge is
//! always interpolated *from its inside vertex towards its outside vertex*, so two triangles
//! sharing an edge compute bit-identical intersection points whichever direction they walk it:
//! clipped meshes stay watertight. Varyings are interpolated linearly in clip space, which is
//! what perspective-correct interpolation needs; `NoPerspective` components use the parameter
//! rescaled to framebuffer space (t′ = t·w_out / w_new) so that they stay linear on screen.

use crate::state::Interpolation;

/// Half-extent of the guard band in framebuffer pixels: vertices are kept within ±2^15, which
/// covers Vulkan's `viewportBoundsRange` of [−32768, 32767] that we report, and keeps every
/// edge-function product of the fixed-point setup well inside `i64` (2^24 · 2^24 = 2^48).
pub const GUARD_BAND: f32 = 32768.0;

/// Smallest `w` kept: clipping against `w ≥ W_EPSILON` keeps `1/w` finite.
pub const W_EPSILON: f32 = 1.0e-6;

/// A half-space `n · (x, y, z, w) + k ≥ 0` of clip space — or, for a user clip plane
/// (`ClipDistance`), the half-space where component `component` of the vertex is ≥ 0: clip
/// distances interpolate linearly in clip space, exactly like positions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Plane {
    pub n: [f32; 4],
    pub k: f32,
    pub component: Option<usize>,
}

impl Plane {
    pub const fn new(n: [f32; 4], k: f32) -> Plane {
        Plane {
            n,
            k,
            component: None,
        }
    }

    /// Signed distance (scaled), computed in f64 so that it does not depend on evaluation order.
    /// Always inlined: called for each of 11 planes and 3 vertices of every triangle, and the
    /// user-plane branch made the compiler outline it (a third of the clipper's time).
    #[inline(always)]
    pub(crate) fn dist(&self, v: &[f32]) -> f64 {
        if let Some(c) = self.component {
            // A NaN distance counts as outside.
            return v
                .get(c)
                .map_or(-1.0, |&d| if d.is_nan() { -1.0 } else { f64::from(d) });
        }
        let n = self.n;
        f64::from(n[0]) * f64::from(v[0])
            + f64::from(n[1]) * f64::from(v[1])
            + f64::from(n[2]) * f64::from(v[2])
            + f64::from(n[3]) * f64::from(v[3])
            + f64::from(self.k)
    }
}

/// The planes of one draw: those clipped against, and those only used to reject triangles.
#[derive(Clone, Debug)]
pub(crate) struct ClipPlanes {
    pub clip: Vec<Plane>,
    pub reject: Vec<Plane>,
    /// The same planes in the form of the per-vertex test [`ClipPlanes::outcode`].
    codes: OutcodePlanes,
}

/// What [`ClipPlanes::outcode`] needs: the guard-band planes' two non-zero coefficients, whether
/// the depth planes are clipped against, and the user planes' components.
#[derive(Clone, Debug)]
struct OutcodePlanes {
    /// `(n_axis, n_w)` of the four guard-band planes, x then y: inside is
    /// `n_axis·coord + n_w·w ≥ 0`.
    guard: [(f32, f32); 4],
    /// Whether every guard plane has `n_w ≥ |n_axis|`, so that a vertex inside the four
    /// reject planes (|x| ≤ w, |y| ≤ w) is inside it too: `n_axis·x + n_w·w ≥
    /// (n_w − |n_axis|)·w ≥ 0`, and the f64 sum of the two exact products keeps that sign.
    /// True unless the viewport reaches past the guard band.
    guard_implied: bool,
    depth: bool,
    user: Vec<usize>,
}

/// What a triangle must satisfy for clipping to pass it through unchanged, given by
/// [`ClipPlanes::in_view_test`]: every vertex finite with `|x|, |y| ≤ w`, `w ≥ W_EPSILON` and,
/// when `depth`, `0 ≤ z ≤ w`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InViewTest {
    pub depth: bool,
}

/// One vertex against every plane of a draw: bit `i` of `reject` is set when the vertex is
/// outside reject plane `i` (x ≥ −w, x ≤ w, y ≥ −w, y ≤ w, in that order), and `clip` when it
/// is outside any plane clipped against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcode {
    pub reject: u8,
    pub clip: bool,
}

impl ClipPlanes {
    /// Planes for a viewport mapping clip x/y to `o + h · (x / w)` (`o`, `h` per axis, in
    /// pixels).
    /// `user`: the vertex components holding clip distances, one user plane each.
    pub fn new(origin: [f32; 2], half: [f32; 2], depth_clamp: bool, user: &[usize]) -> ClipPlanes {
        let mut clip = vec![Plane::new([0.0, 0.0, 0.0, 1.0], -W_EPSILON)];
        clip.extend(user.iter().map(|&c| Plane {
            component: Some(c),
            ..Plane::new([0.0; 4], 0.0)
        }));
        if !depth_clamp {
            clip.push(Plane::new([0.0, 0.0, 1.0, 0.0], 0.0));
            clip.push(Plane::new([0.0, 0.0, -1.0, 1.0], 0.0));
        }
        // o + h·x/w ≤ G  ⇔  (G − o)·w − h·x ≥ 0 (for w > 0), and o + h·x/w ≥ −G likewise.
        for axis in 0..2 {
            let (o, h) = (origin[axis], half[axis]);
            let mut n = [0.0; 4];
            n[axis] = -h;
            n[3] = GUARD_BAND - o;
            clip.push(Plane::new(n, 0.0));
            n[axis] = h;
            n[3] = GUARD_BAND + o;
            clip.push(Plane::new(n, 0.0));
        }
        let mut reject = Vec::new();
        for axis in 0..2 {
            let mut n = [0.0; 4];
            n[3] = 1.0;
            n[axis] = 1.0;
            reject.push(Plane::new(n, 0.0));
            n[axis] = -1.0;
            reject.push(Plane::new(n, 0.0));
        }
        let guard = [0, 1].map(|axis| {
            let (o, h) = (origin[axis], half[axis]);
            [(-h, GUARD_BAND - o), (h, GUARD_BAND + o)]
        });
        let guard = [guard[0][0], guard[0][1], guard[1][0], guard[1][1]];
        let codes = OutcodePlanes {
            guard,
            guard_implied: guard.iter().all(|&(n_axis, n_w)| n_w >= n_axis.abs()),
            depth: !depth_clamp,
            user: user.to_vec(),
        };
        ClipPlanes {
            clip,
            reject,
            codes,
        }
    }

    /// The test under which a triangle is its own clipped result (see [`InViewTest`]); `None`
    /// with user clip planes, or a viewport reaching past the guard band (see
    /// `OutcodePlanes::guard_implied`). Such a triangle gets `clip: false` from
    /// [`Self::outcode`] at every vertex.
    pub(crate) fn in_view_test(&self) -> Option<InViewTest> {
        let c = &self.codes;
        (c.user.is_empty() && c.guard_implied).then_some(InViewTest { depth: c.depth })
    }

    /// Vertex `v` (clip-space position first, finite) against every plane: the same decisions
    /// as the signs of [`Plane::dist`] over `reject` and `clip`, with a few comparisons instead
    /// of 11 four-term dot products (those were ~600 instructions a triangle, 9% of the
    /// small-triangle bench). The two agree exactly (tested on boundary and random vertices):
    /// with finite coordinates the zero coefficients add only ±0 to `dist`, the products of
    /// two f32 are exact in f64, and a correctly rounded sum of two exact terms has the sign of
    /// the exact sum. So `x + w < 0` is `x < −w`, `w − ε ≥ 0` is `w ≥ ε`, `−z + w ≥ 0` is
    /// `w ≥ z`, and a guard plane is its two-term sum in f64.
    #[inline(always)]
    pub(crate) fn outcode(&self, v: &[f32]) -> Outcode {
        let [x, y, z, w] = [v[0], v[1], v[2], v[3]];
        let reject =
            u8::from(x < -w) | u8::from(w < x) << 1 | u8::from(y < -w) << 2 | u8::from(w < y) << 3;
        let c = &self.codes;
        let guard_ok = |(n_axis, n_w): (f32, f32), coord: f32| {
            f64::from(n_axis) * f64::from(coord) + f64::from(n_w) * f64::from(w) >= 0.0
        };
        // The guard planes only for a vertex outside the view (see `guard_implied`), then
        // `&` rather than `&&`: branch-free, the four a few vector instructions.
        let guard = (reject == 0 && c.guard_implied)
            || guard_ok(c.guard[0], x)
                & guard_ok(c.guard[1], x)
                & guard_ok(c.guard[2], y)
                & guard_ok(c.guard[3], y);
        let inside = (w >= W_EPSILON) & (!c.depth | ((z >= 0.0) & (w >= z))) & guard
            && c.user.iter().all(|&k| v.get(k).is_some_and(|&d| d >= 0.0));
        Outcode {
            reject,
            clip: !inside,
        }
    }
}

/// Reusable buffers of the clipper.
#[derive(Default)]
pub(crate) struct Clipper {
    poly: Vec<f32>,
    next: Vec<f32>,
}

impl Clipper {
    /// Clips the triangle `tri` (three vertices of `stride` floats, laid out one after another)
    /// against `planes`; returns the resulting convex polygon as a flat buffer of vertices (empty
    /// when nothing is left). Any non-finite position rejects the triangle.
    #[inline(always)]
    pub fn clip<'a>(
        &'a mut self,
        tri: &'a [f32],
        stride: usize,
        planes: &ClipPlanes,
        interp: &[Interpolation],
    ) -> &'a [f32] {
        self.poly.clear();
        if stride < 4 || tri.len() < 3 * stride {
            return &self.poly;
        }
        let (v0, rest) = tri.split_at(stride);
        let (v1, v2) = rest.split_at(stride);
        if [v0, v1, v2]
            .iter()
            .any(|v| v[..4].iter().any(|c| !c.is_finite()))
        {
            return &self.poly;
        }
        let codes = [planes.outcode(v0), planes.outcode(v1), planes.outcode(v2)];
        if codes[0].reject & codes[1].reject & codes[2].reject != 0 {
            return &self.poly;
        }
        // Nearly every triangle is inside every clip plane: then it is its own result, with
        // no copy (the same decisions as the distances the loop below computes).
        if !(codes[0].clip | codes[1].clip | codes[2].clip) {
            return &tri[..3 * stride];
        }
        self.poly.extend_from_slice(&tri[..3 * stride]);
        for p in &planes.clip {
            let n = self.poly.len() / stride;
            let mut outside = 0;
            for i in 0..n {
                if p.dist(&self.poly[i * stride..(i + 1) * stride]) < 0.0 {
                    outside += 1;
                }
            }
            if outside == 0 {
                continue;
            }
            if outside == n {
                self.poly.clear();
                return &self.poly;
            }
            self.next.clear();
            for i in 0..n {
                let a = &self.poly[i * stride..(i + 1) * stride];
                let j = if i + 1 == n { 0 } else { i + 1 };
                let b = &self.poly[j * stride..(j + 1) * stride];
                let (da, db) = (p.dist(a), p.dist(b));
                if da >= 0.0 {
                    self.next.extend_from_slice(a);
                }
                if (da >= 0.0) != (db >= 0.0) {
                    // Always from the inside vertex towards the outside one.
                    let (inside, out, din, dout) = if da >= 0.0 {
                        (a, b, da, db)
                    } else {
                        (b, a, db, da)
                    };
                    let t = (din / (din - dout)) as f32;
                    push_lerp(&mut self.next, inside, out, t, interp);
                }
            }
            std::mem::swap(&mut self.poly, &mut self.next);
            if self.poly.len() < 3 * stride {
                self.poly.clear();
                return &self.poly;
            }
        }
        &self.poly
    }
}

/// Appends `a + t·(b − a)` (clip-space lerp); `NoPerspective` components use the parameter
/// rescaled to framebuffer space.
pub(crate) fn push_lerp(
    out: &mut Vec<f32>,
    a: &[f32],
    b: &[f32],
    t: f32,
    interp: &[Interpolation],
) {
    let lerp = |x: f32, y: f32, t: f32| x + t * (y - x);
    let w = lerp(a[3], b[3], t);
    let t_screen = {
        let ts = t * b[3] / w;
        if ts.is_finite() {
            ts
        } else {
            t
        }
    };
    for c in 0..4 {
        out.push(lerp(a[c], b[c], t));
    }
    for (k, (&x, &y)) in a[4..].iter().zip(&b[4..]).enumerate() {
        let tk = match interp.get(k) {
            Some(Interpolation::NoPerspective) => t_screen,
            _ => t,
        };
        out.push(lerp(x, y, tk));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planes() -> ClipPlanes {
        ClipPlanes::new([50.0, 50.0], [50.0, 50.0], false, &[])
    }

    #[test]
    fn inside_triangle_is_unchanged() {
        let tri = [
            0.0, 0.0, 0.5, 1.0, 7.0, //
            0.5, 0.0, 0.5, 1.0, 8.0, //
            0.0, 0.5, 0.5, 1.0, 9.0,
        ];
        let mut c = Clipper::default();
        let out = c.clip(&tri, 5, &planes(), &[Interpolation::Smooth]);
        assert_eq!(out, &tri[..]);
    }

    #[test]
    fn near_plane_cuts_a_quad() {
        // One vertex behind the near plane (z < 0): the result is a quadrilateral with z ≥ 0.
        let tri = [
            0.0, 0.0, -1.0, 1.0, 0.0, //
            0.5, 0.0, 1.0, 1.0, 1.0, //
            0.0, 0.5, 1.0, 1.0, 1.0,
        ];
        let mut c = Clipper::default();
        let out = c
            .clip(&tri, 5, &planes(), &[Interpolation::Smooth])
            .to_vec();
        assert_eq!(out.len(), 4 * 5);
        for v in out.chunks(5) {
            assert!(v[2] >= 0.0 && v[2] <= v[3]);
        }
        // The new vertices lie halfway along the edges, varying 0.5.
        assert!(out
            .chunks(5)
            .any(|v| v[2] == 0.0 && (v[4] - 0.5).abs() < 1e-6));
    }

    #[test]
    fn nan_and_all_outside_are_rejected() {
        let mut c = Clipper::default();
        let nan = [
            f32::NAN,
            0.0,
            0.5,
            1.0,
            1.0,
            0.0,
            0.5,
            1.0,
            0.0,
            1.0,
            0.5,
            1.0,
        ];
        assert!(c.clip(&nan, 4, &planes(), &[]).is_empty());
        let behind = [
            0.0, 0.0, -1.0, 1.0, 1.0, 0.0, -1.0, 1.0, 0.0, 1.0, -2.0, 1.0,
        ];
        assert!(c.clip(&behind, 4, &planes(), &[]).is_empty());
        let right = [2.0, 0.0, 0.5, 1.0, 3.0, 0.0, 0.5, 1.0, 2.0, 1.0, 0.5, 1.0];
        assert!(c.clip(&right, 4, &planes(), &[]).is_empty());
    }

    /// The per-vertex outcode decides exactly what the planes' distances decide, on vertices
    /// exactly on and next to every plane, at extreme magnitudes, and at random.
    #[test]
    fn outcode_is_the_plane_distances() {
        let interesting = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            W_EPSILON,
            W_EPSILON.next_down(),
            W_EPSILON.next_up(),
            1.0e-30,
            -1.0e-30,
            f32::MIN_POSITIVE,
            1.0e30,
            -1.0e30,
            f32::MAX,
            f32::MIN,
            3.0e-3,
            1.0f32.next_up(),
            1.0f32.next_down(),
        ];
        let planes_list = [
            ClipPlanes::new([50.0, 50.0], [50.0, 50.0], false, &[]),
            ClipPlanes::new([960.0, 540.0], [960.0, -540.0], true, &[4]),
            ClipPlanes::new([-30000.0, 7.25], [0.1, 65536.0], false, &[4, 5]),
            ClipPlanes::new([768.0, -256.0], [1.0, -4.0], false, &[]),
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for planes in &planes_list {
            let check = |v: &[f32]| {
                // The clipper rejects non-finite positions before classifying.
                if v[..4].iter().any(|c| !c.is_finite()) {
                    return;
                }
                let code = planes.outcode(v);
                let reject = planes
                    .reject
                    .iter()
                    .enumerate()
                    .fold(0u8, |m, (i, p)| m | u8::from(p.dist(v) < 0.0) << i);
                let clip = planes.clip.iter().any(|p| p.dist(v) < 0.0);
                assert_eq!(code, Outcode { reject, clip }, "{v:?}");
            };
            for &x in &interesting {
                for &w in &interesting {
                    for &z in &[0.0, -0.0, w, w.next_up(), w.next_down(), -1.0, 2.0] {
                        // On the guard planes too (exactly, for the third set of planes):
                        // n_axis·coord + n_w·w = 0.
                        let g = planes.codes.guard;
                        let on = |k: usize| g[k].1 / -g[k].0 * w;
                        for (x, y) in [
                            (x, -x),
                            (x, w),
                            (-w, x),
                            (on(0), x),
                            (on(0).next_up(), w),
                            (on(1), on(2)),
                            (on(1).next_down(), on(3)),
                            (x, on(3).next_up()),
                        ] {
                            for d in [1.0, -1.0, 0.0, -0.0, f32::NAN] {
                                check(&[x, y, z, w, d, -d]);
                            }
                        }
                    }
                }
            }
            for _ in 0..200_000 {
                let r = random();
                let mag = |k: u32| {
                    let bits = (r >> (16 * k)) as u32;
                    let e = (bits % 40) as i32 - 20;
                    let m = ((bits >> 8) & 0xff) as f32 / 64.0 - 2.0;
                    m * 2f32.powi(e)
                };
                let w = mag(3).abs();
                check(&[mag(0) * w, mag(1) * w, mag(2), w, mag(0), mag(1)]);
            }
        }
    }

    #[test]
    fn guard_band_keeps_vertices_in_range() {
        // A vertex at x/w = 10^4 maps to 50 + 50·10^4 pixels, far beyond the guard band.
        let tri = [0.0, 0.0, 0.5, 1.0, 1.0e4, 0.0, 0.5, 1.0, 0.0, 0.5, 0.5, 1.0];
        let mut c = Clipper::default();
        let out = c.clip(&tri, 4, &planes(), &[]).to_vec();
        assert!(out.len() >= 12);
        for v in out.chunks(4) {
            let sx = 50.0 + 50.0 * v[0] / v[3];
            assert!(sx <= GUARD_BAND * 1.0001, "{sx}");
        }
    }
}
