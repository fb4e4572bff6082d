//! Points, lines and polygon modes: pixel sets worked out by hand from the specification's
//! rules (see `prims` for the rules as implemented).

use super::{targets, vtx, Image};
use crate::prims::line_quad;
use crate::{
    draw_input, ColorBlend, CullMode, PolygonMode, RasterState, Topology, VaryingsAsColor,
    VertexInput,
};
use pumice_texel::Format;
use std::collections::BTreeSet;

const W: u32 = 16;

/// Draws `verts` (`stride` floats each) with additive blending, so that a pixel's red channel
/// counts the fragments that reached it; returns the sample count of the draw.
fn run(
    img: &Image,
    state: &RasterState,
    verts: &[f32],
    stride: usize,
    topology: Topology,
    point_size: Option<usize>,
    indices: Option<&[u32]>,
) -> u64 {
    let t = targets(&[img], None);
    let input = VertexInput {
        vertices: verts,
        stride,
        indices,
        primitive_restart: true,
        topology,
        point_size,
    };
    draw_input(&t, state, &input, &VaryingsAsColor::default()).unwrap()
}

/// The pixels with red > 0, checking that none was drawn twice.
fn covered(img: &Image) -> BTreeSet<(u32, u32)> {
    let mut out = BTreeSet::new();
    for y in 0..img.h {
        for x in 0..img.w {
            let r = img.get_f(x, y)[0];
            assert!(r == 0.0 || r == 1.0, "pixel ({x}, {y}) drawn {r} times");
            if r > 0.0 {
                out.insert((x, y));
            }
        }
    }
    out
}

fn state(varyings: usize) -> RasterState {
    let mut s = RasterState::new(W, W, varyings);
    s.blend[0] = ColorBlend::additive();
    s
}

fn square(x0: u32, y0: u32, n: u32) -> BTreeSet<(u32, u32)> {
    (y0..y0 + n)
        .flat_map(|y| (x0..x0 + n).map(move |x| (x, y)))
        .collect()
}

#[test]
fn points_are_squares_of_their_size() {
    // (centre, size) → pixels whose centre is in [c − s/2, c + s/2) on both axes.
    type Case = ((f32, f32), f32, BTreeSet<(u32, u32)>);
    let cases: [Case; 5] = [
        ((5.5, 5.5), 1.0, square(5, 5, 1)),
        ((8.0, 8.0), 4.0, square(6, 6, 4)),
        ((3.0, 3.0), 2.0, square(2, 2, 2)),
        // Centres on the left/top sides are in, on the right/bottom sides out.
        ((3.5, 3.5), 2.0, square(2, 2, 2)),
        ((12.5, 12.5), 3.0, square(11, 11, 3)),
    ];
    for (i, ((cx, cy), size, want)) in cases.into_iter().enumerate() {
        let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
        let st = state(2);
        // Varyings (red = 1 for counting, green = 0.25), then PointSize.
        let mut v = vtx(&st, cx, cy, 0.5, 1.0, &[1.0, 0.25]);
        v.push(size);
        let samples = run(&img, &st, &v, 7, Topology::PointList, Some(6), None);
        assert_eq!(covered(&img), want, "case {i}");
        assert_eq!(samples, want.len() as u64, "case {i}");
        // PointCoord: s = ½ + (x_f − x_d)/size, t likewise, in components 2 and 3.
        for &(x, y) in &want {
            let p = img.get_f(x, y);
            let s = 0.5 + (x as f32 + 0.5 - cx) / size;
            let t = 0.5 + (y as f32 + 0.5 - cy) / size;
            assert_eq!(p[1], 0.25);
            assert!(
                (p[2] - s).abs() < 1e-4 && (p[3] - t).abs() < 1e-4,
                "{p:?} vs {s} {t}"
            );
        }
    }
}

#[test]
fn point_size_is_clamped_and_defaults_to_one() {
    let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
    let st = state(1);
    let mut v = vtx(&st, 4.5, 4.5, 0.5, 1.0, &[1.0]);
    v.push(0.1);
    run(&img, &st, &v, 6, Topology::PointList, Some(5), None);
    assert_eq!(covered(&img), square(4, 4, 1));
    let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
    run(&img, &st, &v[..5], 5, Topology::PointList, None, None);
    assert_eq!(covered(&img), square(4, 4, 1));
}

#[test]
fn points_outside_depth_range_are_discarded() {
    let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
    let st = state(1);
    let v = vtx(&st, 4.5, 4.5, 1.5, 1.0, &[1.0]);
    assert_eq!(run(&img, &st, &v, 5, Topology::PointList, None, None), 0);
    assert!(covered(&img).is_empty());
}

/// Pixels of a line strip through framebuffer points `pts`.
fn line_pixels(pts: &[(f32, f32)], topology: Topology) -> (Image, BTreeSet<(u32, u32)>) {
    let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
    let st = state(1);
    let verts: Vec<f32> = pts
        .iter()
        .flat_map(|&(x, y)| vtx(&st, x, y, 0.5, 1.0, &[1.0]))
        .collect();
    run(&img, &st, &verts, 5, topology, None, None);
    let c = covered(&img);
    (img, c)
}

#[test]
fn horizontal_line_leaves_out_its_last_pixel() {
    let (_, got) = line_pixels(&[(0.5, 0.5), (10.5, 0.5)], Topology::LineList);
    let want: BTreeSet<_> = (0..10).map(|x| (x, 0)).collect();
    assert_eq!(got, want);
    // Drawn the other way: the start pixel (10) is in, pixel 0 is out.
    let (_, got) = line_pixels(&[(10.5, 0.5), (0.5, 0.5)], Topology::LineList);
    let want: BTreeSet<_> = (1..11).map(|x| (x, 0)).collect();
    assert_eq!(got, want);
}

#[test]
fn sloped_line_is_bresenham() {
    // Slope 1/3 from (0.5, 0.5): y at the column centres is 0.5, 0.83, 1.17, 1.5, 1.83, 2.17.
    let (_, got) = line_pixels(&[(0.5, 0.5), (6.5, 2.5)], Topology::LineList);
    let want: BTreeSet<_> = [(0, 0), (1, 0), (2, 1), (3, 1), (4, 1), (5, 2)].into();
    assert_eq!(got, want);
    // y-major: the same with x and y swapped.
    let (_, got) = line_pixels(&[(0.5, 0.5), (2.5, 6.5)], Topology::LineList);
    let want: BTreeSet<_> = [(0, 0), (0, 1), (1, 2), (1, 3), (1, 4), (2, 5)].into();
    assert_eq!(got, want);
}

#[test]
fn diamond_exit_decides_the_end_pixels() {
    // Starts inside pixel 2's diamond past its centre: pixel 2 is drawn. Ends inside pixel 8's
    // diamond past its centre: pixel 8 is not.
    let (_, got) = line_pixels(&[(2.7, 5.5), (8.7, 5.5)], Topology::LineList);
    let want: BTreeSet<_> = (2..8).map(|x| (x, 5)).collect();
    assert_eq!(got, want);
    // Starts past pixel 2's centre outside its diamond (0.2 + 0.4 ≥ ½): pixel 2 is not drawn;
    // ends past pixel 8's centre outside its diamond: pixel 8 is drawn.
    assert!(line_quad([2.7, 5.9], [8.7, 5.9]).is_some());
    let (_, got) = line_pixels(&[(2.7, 5.9), (8.7, 5.9)], Topology::LineList);
    let want: BTreeSet<_> = (3..9).map(|x| (x, 5)).collect();
    assert_eq!(got, want);
}

#[test]
fn line_strip_draws_each_joint_once() {
    let (_, got) = line_pixels(&[(1.5, 2.5), (6.5, 2.5), (6.5, 7.5)], Topology::LineStrip);
    let mut want: BTreeSet<_> = (1..6).map(|x| (x, 2)).collect();
    want.extend((2..7).map(|y| (6, y)));
    assert_eq!(got, want);
}

#[test]
fn line_strip_restarts() {
    let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
    let st = state(1);
    let pts = [(1.5, 1.5), (5.5, 1.5), (1.5, 4.5), (5.5, 4.5)];
    let verts: Vec<f32> = pts
        .iter()
        .flat_map(|&(x, y)| vtx(&st, x, y, 0.5, 1.0, &[1.0]))
        .collect();
    run(
        &img,
        &st,
        &verts,
        5,
        Topology::LineStrip,
        None,
        Some(&[0, 1, u32::MAX, 2, 3]),
    );
    let mut want: BTreeSet<_> = (1..5).map(|x| (x, 1)).collect();
    want.extend((1..5).map(|x| (x, 4)));
    assert_eq!(covered(&img), want);
}

#[test]
fn line_varyings_follow_the_projection() {
    let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
    let st = RasterState::new(W, W, 2);
    // Red constant 1, green from 0 to 10 over ten pixels: pixel k's centre has t = k/10.
    let verts: Vec<f32> = [
        vtx(&st, 0.5, 3.5, 0.5, 1.0, &[1.0, 0.0]),
        vtx(&st, 10.5, 3.5, 0.5, 1.0, &[1.0, 10.0]),
    ]
    .concat();
    run(&img, &st, &verts, 6, Topology::LineList, None, None);
    for x in 0..10 {
        let g = img.get_f(x, 3)[1];
        assert!((g - x as f32).abs() < 1e-3, "pixel {x}: {g}");
    }
    // Perspective: w = 1 at the start, 3 at the end; the value is ((1−t)·0/1 + t·12/3) /
    // ((1−t)/1 + t/3) at screen parameter t.
    let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
    let verts: Vec<f32> = [
        vtx(&st, 0.5, 3.5, 0.5, 1.0, &[1.0, 0.0]),
        vtx(&st, 12.5, 3.5, 0.5, 3.0, &[1.0, 12.0]),
    ]
    .concat();
    run(&img, &st, &verts, 6, Topology::LineList, None, None);
    for x in 0..12 {
        let t = x as f32 / 12.0;
        let want = (t * 12.0 / 3.0) / ((1.0 - t) + t / 3.0);
        let g = img.get_f(x, 3)[1];
        assert!((g - want).abs() < 1e-3, "pixel {x}: {g} vs {want}");
    }
}

/// The triangle (2.5, 2.5), (12.5, 2.5), (2.5, 12.5) in the given polygon mode.
fn triangle_in_mode(mode: PolygonMode, cull: CullMode) -> BTreeSet<(u32, u32)> {
    let img = Image::new(W, W, Format::R32G32B32A32_SFLOAT);
    let mut st = state(1);
    st.polygon_mode = mode;
    st.cull_mode = cull;
    let verts: Vec<f32> = [(2.5, 2.5), (12.5, 2.5), (2.5, 12.5)]
        .iter()
        .flat_map(|&(x, y)| vtx(&st, x, y, 0.5, 1.0, &[1.0]))
        .collect();
    run(&img, &st, &verts, 5, Topology::TriangleList, None, None);
    covered(&img)
}

#[test]
fn polygon_mode_line_draws_the_edges() {
    let got = triangle_in_mode(PolygonMode::Line, CullMode::None);
    // Top edge: columns 2..=11 of row 2. Hypotenuse from (12.5, 2.5) down-left: (12 − k, 2 + k)
    // for k = 0..10. Left edge upwards from (2.5, 12.5): rows 12 down to 3 of column 2.
    let mut want: BTreeSet<_> = (2..12).map(|x| (x, 2)).collect();
    want.extend((0..10).map(|k| (12 - k, 2 + k)));
    want.extend((3..13).map(|y| (2, y)));
    assert_eq!(got, want);
    // Facing and culling still apply: (2.5,2.5) → (12.5,2.5) → (2.5,12.5) is clockwise on
    // screen, i.e. back-facing with counter-clockwise front faces.
    assert!(triangle_in_mode(PolygonMode::Line, CullMode::Back).is_empty());
    assert_eq!(triangle_in_mode(PolygonMode::Line, CullMode::Front), want);
}

#[test]
fn polygon_mode_point_draws_the_vertices() {
    let got = triangle_in_mode(PolygonMode::Point, CullMode::None);
    assert_eq!(got, [(2, 2), (12, 2), (2, 12)].into());
    assert!(triangle_in_mode(PolygonMode::Point, CullMode::Back).is_empty());
}

#[test]
fn points_and_lines_are_the_same_for_any_thread_count() {
    let render = || {
        let img = Image::new(200, 150, Format::R8G8B8A8_UNORM);
        let mut st = RasterState::new(200, 150, 4);
        st.blend[0] = ColorBlend::alpha_over();
        let mut rng = super::Lcg(11);
        let mut verts = Vec::new();
        for _ in 0..300 {
            let (x, y) = (rng.range(-10.0, 210.0), rng.range(-10.0, 160.0));
            let c = [rng.next_f(), rng.next_f(), rng.next_f(), 0.5];
            verts.extend(vtx(&st, x, y, rng.next_f(), 1.0, &c));
            verts.push(rng.range(1.0, 20.0));
        }
        run(&img, &st, &verts, 9, Topology::PointList, Some(8), None);
        run(&img, &st, &verts, 9, Topology::LineStrip, None, None);
        img.bytes()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(render);
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(render);
    assert!(one == many);
}
