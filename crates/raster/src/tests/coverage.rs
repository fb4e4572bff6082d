//! Coverage: the fill rule, culling and clipping.

use super::{targets, vtx, Image, Lcg};
use crate::{
    draw, ColorBlend, CullMode, FrontFace, Pass, RasterState, Topology, VaryingsAsColor,
    VertexInput, Viewport,
};
use pumice_texel::Format;

const RED: [f32; 4] = [1.0, 0.0, 0.0, 1.0];

/// The pixels of `img` whose red channel is `v`.
fn red_is(img: &Image, v: f32) -> Vec<bool> {
    let mut out = Vec::new();
    for y in 0..img.h {
        for x in 0..img.w {
            out.push(img.get_f(x, y)[0] == v);
        }
    }
    out
}

/// The pixel set of one triangle by brute force: the renderer's viewport arithmetic and
/// snapping (1/256 pixel), then every pixel centre tested against the three edges in `i64` with
/// the top-left rule written out directly.
fn reference(state: &RasterState, clip: [[f32; 4]; 3], w: u32, h: u32) -> Vec<bool> {
    let v = &state.viewport;
    let (ox, oy) = (v.x + v.width / 2.0, v.y + v.height / 2.0);
    let (hx, hy) = (v.width / 2.0, v.height / 2.0);
    let mut p = clip.map(|c| {
        let iw = 1.0 / c[3];
        let sx = ox + hx * (c[0] * iw);
        let sy = oy + hy * (c[1] * iw);
        [
            (f64::from(sx) * 256.0).round() as i64,
            (f64::from(sy) * 256.0).round() as i64,
        ]
    });
    let s = (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[2][0] - p[0][0]) * (p[1][1] - p[0][1]);
    let mut out = vec![false; (w * h) as usize];
    if s == 0 {
        return out;
    }
    if s < 0 {
        p.swap(1, 2);
    }
    for y in 0..h as i64 {
        for x in 0..w as i64 {
            let (px, py) = (256 * x + 128, 256 * y + 128);
            let inside = (0..3).all(|e| {
                let (a, b) = (p[e], p[(e + 1) % 3]);
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let f = dx * (py - a[1]) - dy * (px - a[0]);
                let top = dy == 0 && dx > 0;
                let left = dy < 0;
                f > 0 || (f == 0 && (top || left))
            });
            out[(y * w as i64 + x) as usize] = inside;
        }
    }
    out
}

fn draw_red(img: &Image, state: &RasterState, verts: &[f32], topology: Topology) {
    let t = targets(&[img], None);
    draw(&t, state, verts, 8, topology, &VaryingsAsColor::default()).unwrap();
}

#[test]
fn fan_covers_every_pixel_exactly_once() {
    // A 29-segment fan around an off-grid centre, radii varying so that edges pass at every
    // sub-pixel phase, with additive blending: any seam leaves a 0, any double pixel a 2.
    let img = Image::new(128, 128, Format::R32G32B32A32_SFLOAT);
    let mut state = RasterState::new(128, 128, 4);
    state.blend[0] = ColorBlend::additive();
    let (cx, cy) = (63.37, 64.81);
    let mut rng = Lcg(7);
    let n = 29;
    let rim: Vec<(f32, f32)> = (0..n)
        .map(|i| {
            let a = i as f32 / n as f32 * std::f32::consts::TAU;
            let r = rng.range(30.0, 60.0);
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect();
    let mut verts = vtx(&state, cx, cy, 0.5, 1.0, &RED);
    for i in 0..=n {
        let (x, y) = rim[i % n];
        verts.extend(vtx(&state, x, y, 0.5, 1.0, &RED));
    }
    draw_red(&img, &state, &verts, Topology::TriangleFan);
    // The union of the fan's triangles, by the reference rule (disjoint, so a plain OR).
    let mut expected = vec![false; 128 * 128];
    let mut stride_verts = Vec::new();
    for c in verts.chunks(8) {
        stride_verts.push([c[0], c[1], c[2], c[3]]);
    }
    for i in 0..n {
        let tri = [stride_verts[i + 1], stride_verts[i + 2], stride_verts[0]];
        for (e, r) in expected.iter_mut().zip(reference(&state, tri, 128, 128)) {
            *e |= r;
        }
    }
    let mut covered = 0;
    for y in 0..128 {
        for x in 0..128 {
            let r = img.get_f(x, y)[0];
            let want = if expected[(y * 128 + x) as usize] {
                1.0
            } else {
                0.0
            };
            assert_eq!(r, want, "pixel ({x}, {y})");
            covered += (r == 1.0) as u32;
        }
    }
    assert!(covered > 5000, "{covered}");
}

#[test]
fn grid_of_quads_has_no_seams() {
    // A 7×5 grid of quads (two triangles each) with irregular shared vertices, drawn as one
    // triangle list with additive blending over a target that is not a multiple of the tile size.
    let (w, h) = (150u32, 100u32);
    let img = Image::new(w, h, Format::R32G32B32A32_SFLOAT);
    let mut state = RasterState::new(w, h, 4);
    state.blend[0] = ColorBlend::additive();
    let mut rng = Lcg(99);
    let (gx, gy) = (7usize, 5usize);
    let mut pts = vec![(0.0f32, 0.0f32); (gx + 1) * (gy + 1)];
    for j in 0..=gy {
        for i in 0..=gx {
            let jitter = |r: &mut Lcg, edge: bool| if edge { 0.0 } else { r.range(-6.0, 6.0) };
            let x = 5.0 + i as f32 * 20.0 + jitter(&mut rng, i == 0 || i == gx);
            let y = 3.0 + j as f32 * 19.0 + jitter(&mut rng, j == 0 || j == gy);
            pts[j * (gx + 1) + i] = (x, y);
        }
    }
    let mut verts = Vec::new();
    let mut push = |k: usize| {
        let (x, y) = pts[k];
        verts.extend(vtx(&state, x, y, 0.5, 1.0, &RED));
    };
    for j in 0..gy {
        for i in 0..gx {
            let a = j * (gx + 1) + i;
            let (b, c, d) = (a + 1, a + gx + 1, a + gx + 2);
            for k in [a, b, d, a, d, c] {
                push(k);
            }
        }
    }
    draw_red(&img, &state, &verts, Topology::TriangleList);
    for y in 0..h {
        for x in 0..w {
            let r = img.get_f(x, y)[0];
            // The outer border is straight: pixels with centres strictly inside are covered once.
            let (cx, cy) = (x as f32 + 0.5, y as f32 + 0.5);
            let inside = cx > 5.0 && cx < 145.0 && cy > 3.0 && cy < 98.0;
            if inside {
                assert_eq!(r, 1.0, "pixel ({x}, {y})");
            } else {
                assert!(r == 0.0 || r == 1.0, "pixel ({x}, {y}) = {r}");
            }
        }
    }
}

#[test]
fn exact_pixel_sets_match_brute_force() {
    let (w, h) = (96u32, 80u32);
    let state = RasterState::new(w, h, 4);
    let mut rng = Lcg(1234);
    let mut cases: Vec<[(f32, f32); 3]> = vec![
        // Edges through pixel centres: top, left and a diagonal.
        [(10.5, 10.5), (30.5, 10.5), (10.5, 30.5)],
        [(30.5, 30.5), (30.5, 10.5), (10.5, 30.5)],
        // On 1/256 and 1/2 grids, and thin slivers.
        [(40.0, 5.0), (90.0, 5.0), (40.0, 5.75)],
        [(0.0, 0.0), (96.0, 80.0), (0.0, 80.0)],
        [(50.25, 60.125), (51.5, 20.5), (52.75, 60.125)],
    ];
    for _ in 0..40 {
        let mut p = || (rng.range(-10.0, 106.0), rng.range(-10.0, 90.0));
        cases.push([p(), p(), p()]);
    }
    for (n, case) in cases.iter().enumerate() {
        let img = Image::new(w, h, Format::R32G32B32A32_SFLOAT);
        let mut verts = Vec::new();
        let mut clip = [[0.0; 4]; 3];
        for (k, &(x, y)) in case.iter().enumerate() {
            let v = vtx(&state, x, y, 0.5, 1.0, &RED);
            clip[k] = [v[0], v[1], v[2], v[3]];
            verts.extend(v);
        }
        draw_red(&img, &state, &verts, Topology::TriangleList);
        let got = red_is(&img, 1.0);
        let want = reference(&state, clip, w, h);
        for (i, (g, r)) in got.iter().zip(&want).enumerate() {
            assert_eq!(
                g,
                r,
                "case {n} {case:?}: pixel ({}, {})",
                i as u32 % w,
                i as u32 / w
            );
        }
    }
}

#[test]
fn top_left_rule_by_hand() {
    // Right triangle with its top edge on row centres y = 10.5 and its left edge on column
    // centres x = 10.5: both belong to it; the hypotenuse x + y = 41 (through centres) does not.
    let state = RasterState::new(64, 64, 4);
    let img = Image::new(64, 64, Format::R32G32B32A32_SFLOAT);
    let mut verts = Vec::new();
    for (x, y) in [(10.5, 10.5), (30.5, 10.5), (10.5, 30.5)] {
        verts.extend(vtx(&state, x, y, 0.5, 1.0, &RED));
    }
    draw_red(&img, &state, &verts, Topology::TriangleList);
    let on = |x, y| img.get_f(x, y)[0] == 1.0;
    assert!(on(10, 10));
    assert!(on(29, 10));
    assert!(!on(30, 10));
    assert!(on(10, 29));
    assert!(!on(10, 30));
    assert!(!on(9, 15));
    assert!(!on(15, 9));
    // x + y + 1 = 41 lies on the hypotenuse: excluded; one step inside: included.
    assert!(!on(20, 20));
    assert!(on(20, 19));
}

#[test]
fn culling_by_winding_and_front_face() {
    let state0 = RasterState::new(32, 32, 4);
    // Counter-clockwise on screen (y down): positive area.
    let ccw = [(4.0, 4.0), (4.0, 28.0), (28.0, 4.0)];
    let cw = [(4.0, 4.0), (28.0, 4.0), (4.0, 28.0)];
    for (winding, pts) in [
        (FrontFace::CounterClockwise, ccw),
        (FrontFace::Clockwise, cw),
    ] {
        for front_face in [FrontFace::CounterClockwise, FrontFace::Clockwise] {
            for cull in [
                CullMode::None,
                CullMode::Front,
                CullMode::Back,
                CullMode::FrontAndBack,
            ] {
                let mut state = state0.clone();
                state.cull_mode = cull;
                state.front_face = front_face;
                let is_front = winding == front_face;
                let visible = match cull {
                    CullMode::None => true,
                    CullMode::Front => !is_front,
                    CullMode::Back => is_front,
                    CullMode::FrontAndBack => false,
                };
                let img = Image::new(32, 32, Format::R32G32B32A32_SFLOAT);
                let mut verts = Vec::new();
                for (x, y) in pts {
                    verts.extend(vtx(&state, x, y, 0.5, 1.0, &RED));
                }
                draw_red(&img, &state, &verts, Topology::TriangleList);
                let drawn = img.get_f(8, 8)[0] == 1.0;
                assert_eq!(drawn, visible, "{winding:?} {front_face:?} {cull:?}");
            }
        }
    }
}

#[test]
fn near_plane_clips_in_depth() {
    // Orthographic (w = 1) triangle whose depth runs from −1 on the left to +1 on the right,
    // crossing z = 0 at x = 64: only the right half (z ≥ 0) remains.
    let state = RasterState::new(128, 128, 4);
    let img = Image::new(128, 128, Format::R32G32B32A32_SFLOAT);
    let z = |x: f32| (x - 64.0) / 54.0;
    let mut verts = Vec::new();
    for (x, y) in [(10.0, 10.0), (118.0, 10.0), (10.0, 118.0)] {
        let mut v = vtx(&state, x, y, 0.0, 1.0, &RED);
        v[2] = z(x);
        verts.extend(v);
    }
    draw_red(&img, &state, &verts, Topology::TriangleList);
    let mut clip = [[0.0; 4]; 3];
    for (k, c) in verts.chunks(8).enumerate() {
        clip[k] = [c[0], c[1], c[2], c[3]];
    }
    let full = reference(&state, clip, 128, 128);
    for y in 0..128u32 {
        for x in 0..128u32 {
            let got = img.get_f(x, y)[0] == 1.0;
            let want = full[(y * 128 + x) as usize] && x >= 64;
            if x != 63 && x != 64 {
                assert_eq!(got, want, "pixel ({x}, {y})");
            }
            if x < 63 {
                assert!(!got);
            }
        }
    }
}

#[test]
fn triangle_behind_and_in_front_of_the_camera() {
    // A floor triangle y_eye = 1 under a camera at the origin looking down −z, with one edge
    // behind the camera (w < 0). Projection: x_c = x, y_c = y, w_c = −z, z_c = −z − 1 (near
    // plane at distance 1, far at infinity). The visible part is where the floor is at least 1
    // in front; the varying carries the eye distance, checked against the ray cast.
    let (w, h) = (96u32, 96u32);
    let state = RasterState::new(w, h, 4);
    let img = Image::new(w, h, Format::R32G32B32A32_SFLOAT);
    let floor = [(-3.0f32, 2.0f32), (3.0, 2.0), (0.0, -10.0)];
    let mut verts = Vec::new();
    for &(x, z) in &floor {
        verts.extend([x, 1.0, -z - 1.0, -z, -z, 0.0, 0.0, 1.0]);
    }
    draw_red(&img, &state, &verts, Topology::TriangleList);
    let inside_floor = |x: f64, z: f64| {
        let p = floor.map(|(a, b)| (f64::from(a), f64::from(b)));
        let s = |a: (f64, f64), b: (f64, f64)| (b.0 - a.0) * (z - a.1) - (b.1 - a.1) * (x - a.0);
        let d = [s(p[0], p[1]), s(p[1], p[2]), s(p[2], p[0])];
        d.iter().all(|&v| v > 0.0) || d.iter().all(|&v| v < 0.0)
    };
    let (mut mismatches, mut covered) = (0, 0);
    for py in 0..h {
        for px in 0..w {
            let nx = (px as f64 + 0.5) / f64::from(w) * 2.0 - 1.0;
            let ny = (py as f64 + 0.5) / f64::from(h) * 2.0 - 1.0;
            let got = img.get_f(px, py);
            // Ray through the pixel meets y = 1 at distance d = 1/ny (for ny > 0).
            let want = ny > 0.0 && {
                let d = 1.0 / ny;
                d >= 1.0 && inside_floor(nx * d, -d)
            };
            if (got[0] != 0.0) != want {
                mismatches += 1;
            }
            if want && got[0] != 0.0 {
                covered += 1;
                let d = 1.0 / ny;
                // Vertices snap to 1/256 pixel: the distance d = 1/ny moves by up to
                // d² · 2/(512·96) ≈ 4·10⁻⁵·d² for that alone.
                assert!(
                    (f64::from(got[0]) - d).abs() < 1e-4 * d.max(1.0) + 5e-5 * d * d,
                    "({px}, {py}): {} vs {d}",
                    got[0]
                );
            }
            if ny <= 0.0 {
                assert_eq!(got[0], 0.0, "wrap-around at ({px}, {py})");
            }
        }
    }
    assert!(covered > 500, "{covered}");
    // Only pixels whose centres lie within rounding of an edge may disagree.
    assert!(mismatches < 40, "{mismatches}");
}

#[test]
fn garbage_input_renders_nothing_and_does_not_panic() {
    let img = Image::new(64, 64, Format::R8G8B8A8_UNORM);
    let state = RasterState::new(64, 64, 4);
    let t = targets(&[&img], None);
    let s = VaryingsAsColor::default();
    let bad = [
        f32::NAN,
        f32::INFINITY,
        -f32::INFINITY,
        0.0,
        -0.0,
        1e38,
        -1e38,
        f32::MIN_POSITIVE,
    ];
    let mut rng = Lcg(5);
    let mut verts = Vec::new();
    for _ in 0..600 {
        for _ in 0..8 {
            let r = rng.next_f();
            verts.push(if r < 0.5 {
                bad[(rng.next_f() * 8.0) as usize % 8]
            } else {
                rng.range(-3.0, 3.0)
            });
        }
    }
    for topology in [
        Topology::TriangleList,
        Topology::TriangleStrip,
        Topology::TriangleFan,
    ] {
        draw(&t, &state, &verts, 8, topology, &s).unwrap();
    }
    // Zero-area and inverted viewports, empty scissors, short buffers, odd strides.
    let mut st = state.clone();
    st.viewport = Viewport {
        width: 0.0,
        ..st.viewport
    };
    draw(&t, &st, &verts, 8, Topology::TriangleList, &s).unwrap();
    st.viewport = Viewport {
        x: f32::NAN,
        height: -1e30,
        ..state.viewport
    };
    draw(&t, &st, &verts, 8, Topology::TriangleList, &s).unwrap();
    st = state.clone();
    st.scissor.width = 0;
    draw(&t, &st, &verts, 8, Topology::TriangleList, &s).unwrap();
    draw(&t, &state, &verts[..13], 8, Topology::TriangleList, &s).unwrap();
    assert!(draw(&t, &state, &verts, 3, Topology::TriangleList, &s).is_err());
    // Indices out of range and restarts.
    let mut pass = Pass::new(&t).unwrap();
    let indices = [0, 1, u32::MAX, 2, 3, 4, 999_999, 5, 6, u32::MAX, 7];
    pass.draw(
        &state,
        &VertexInput {
            vertices: &verts,
            stride: 8,
            indices: Some(&indices),
            primitive_restart: true,
            topology: Topology::TriangleStrip,
            point_size: None,
        },
        &s,
    )
    .unwrap();
    pass.flush();
}
