//! Per-fragment operations, interpolation and determinism.

use super::{targets, triangle_list, vtx, Image, Lcg};
use crate::{
    draw, BlendFactor, BlendOp, ColorBlend, CompareOp, DepthState, FragmentBatch, FragmentOutput,
    FragmentStage, Interpolation, LogicOp, Pass, RasterState, Topology, VaryingsAsColor,
};
use pumice_texel::pack::{linear_to_srgb, srgb_to_linear};
use pumice_texel::{Format, Texel};

fn tri(state: &RasterState, pts: [(f32, f32); 3], z: f32, color: [f32; 4]) -> Vec<f32> {
    pts.iter()
        .flat_map(|&(x, y)| vtx(state, x, y, z, 1.0, &color))
        .collect()
}

#[test]
fn depth_less_keeps_the_nearer_triangle_in_any_order() {
    for depth_format in [
        Format::D32_SFLOAT,
        Format::D16_UNORM,
        Format::X8_D24_UNORM_PACK32,
        Format::D24_UNORM_S8_UINT,
    ] {
        for near_first in [false, true] {
            let img = Image::new(64, 64, Format::R8G8B8A8_UNORM);
            let depth = Image::new(64, 64, depth_format);
            depth.fill(Texel::Float([1.0, 0.0, 0.0, 1.0]));
            let mut state = RasterState::new(64, 64, 4);
            state.depth = DepthState {
                test_enable: true,
                write_enable: true,
                compare_op: CompareOp::Less,
            };
            let near = tri(
                &state,
                [(0.0, 0.0), (60.0, 0.0), (0.0, 60.0)],
                0.25,
                [1.0, 0.0, 0.0, 1.0],
            );
            let far = tri(
                &state,
                [(4.0, 4.0), (64.0, 4.0), (4.0, 64.0)],
                0.5,
                [0.0, 1.0, 0.0, 1.0],
            );
            let t = targets(&[&img], Some(&depth));
            let shader = VaryingsAsColor::default();
            let mut pass = Pass::new(&t).unwrap();
            let order = if near_first {
                [&near, &far]
            } else {
                [&far, &near]
            };
            for v in order {
                pass.draw(&state, &triangle_list(v), &shader).unwrap();
            }
            pass.flush();
            // Overlap: red; only the far one: green; neither: clear.
            assert_eq!(img.raw(10, 10), vec![255, 0, 0, 255], "{depth_format:?}");
            assert_eq!(img.raw(35, 28), vec![0, 255, 0, 255], "{depth_format:?}");
            assert_eq!(img.raw(2, 62), vec![0, 0, 0, 0], "{depth_format:?}");
            let d = depth.get_f(10, 10)[0];
            assert!((d - 0.25).abs() < 1e-4, "{depth_format:?}: {d}");
            assert_eq!(depth.get_f(63, 1)[0], 1.0);
        }
    }
}

#[test]
fn every_compare_op() {
    // Stored depth 0.5; incoming 0.25, 0.5 and 0.75.
    let cases = [
        (CompareOp::Never, [false, false, false]),
        (CompareOp::Less, [true, false, false]),
        (CompareOp::Equal, [false, true, false]),
        (CompareOp::LessOrEqual, [true, true, false]),
        (CompareOp::Greater, [false, false, true]),
        (CompareOp::NotEqual, [true, false, true]),
        (CompareOp::GreaterOrEqual, [false, true, true]),
        (CompareOp::Always, [true, true, true]),
    ];
    for (op, expect) in cases {
        for (k, z) in [0.25f32, 0.5, 0.75].into_iter().enumerate() {
            for shader in [
                VaryingsAsColor::default(),
                VaryingsAsColor {
                    discard_negative: true,
                    in_quads: true,
                },
            ] {
                let img = Image::new(16, 16, Format::R8G8B8A8_UNORM);
                let depth = Image::new(16, 16, Format::D16_UNORM);
                depth.fill(Texel::Float([0.5, 0.0, 0.0, 1.0]));
                let stored = depth.raw(3, 3);
                let mut state = RasterState::new(16, 16, 4);
                state.depth = DepthState {
                    test_enable: true,
                    write_enable: false,
                    compare_op: op,
                };
                let v = tri(&state, [(0.0, 0.0), (32.0, 0.0), (0.0, 32.0)], z, [1.0; 4]);
                let t = targets(&[&img], Some(&depth));
                draw(&t, &state, &v, 8, Topology::TriangleList, &shader).unwrap();
                let passed = img.raw(3, 3)[0] == 255;
                assert_eq!(passed, expect[k], "{op:?} z = {z}");
                assert_eq!(depth.raw(3, 3), stored, "no depth writes");
            }
        }
    }
}

#[test]
fn alpha_blending_is_within_one_of_the_formula() {
    let dst = [200u8, 100, 50, 255];
    let src = [0.9f32, 0.3, 0.6, 0.4];
    for format in [
        Format::R8G8B8A8_UNORM,
        Format::B8G8R8A8_UNORM,
        Format::R8G8B8A8_SRGB,
    ] {
        let img = Image::new(16, 16, format);
        let dst_f = dst.map(|c| f32::from(c) / 255.0);
        let dst_lin = if format == Format::R8G8B8A8_SRGB {
            [
                srgb_to_linear(dst_f[0]),
                srgb_to_linear(dst_f[1]),
                srgb_to_linear(dst_f[2]),
                dst_f[3],
            ]
        } else {
            dst_f
        };
        img.fill(Texel::Float(dst_lin));
        let mut state = RasterState::new(16, 16, 4);
        state.blend[0] = ColorBlend::alpha_over();
        let v = tri(&state, [(0.0, 0.0), (32.0, 0.0), (0.0, 32.0)], 0.5, src);
        draw(
            &targets(&[&img], None),
            &state,
            &v,
            8,
            Topology::TriangleList,
            &VaryingsAsColor::default(),
        )
        .unwrap();
        let got = img.get_f(2, 2);
        let a = src[3];
        for c in 0..4 {
            let s = if c == 3 { src[3] } else { src[c] };
            let d = if format == Format::R8G8B8A8_SRGB && c < 3 {
                srgb_to_linear(dst_f[c])
            } else {
                dst_f[c]
            };
            let mut want = s * a + d * (1.0 - a);
            let mut have = got[c];
            if format == Format::R8G8B8A8_SRGB && c < 3 {
                want = linear_to_srgb(want);
                have = linear_to_srgb(have);
            }
            let (want8, have8) = ((want * 255.0).round(), (have * 255.0).round());
            assert!(
                (want8 - have8).abs() <= 1.0,
                "{format:?} channel {c}: {have8} vs {want8}"
            );
        }
        if format == Format::B8G8R8A8_UNORM {
            // Memory order B, G, R, A.
            let raw = img.raw(2, 2);
            let r = ((0.9 * 0.4 + (200.0 / 255.0) * 0.6) * 255.0f32).round() as i32;
            assert!((i32::from(raw[2]) - r).abs() <= 1, "{raw:?}");
        }
    }
}

#[test]
fn factors_ops_and_write_mask_on_float_target() {
    let img = Image::new(8, 8, Format::R32G32B32A32_SFLOAT);
    img.fill(Texel::Float([0.5, 0.25, 2.0, 0.5]));
    let mut state = RasterState::new(8, 8, 4);
    state.blend[0] = ColorBlend {
        blend_enable: true,
        src_color: BlendFactor::DstColor,
        dst_color: BlendFactor::ConstantColor,
        color_op: BlendOp::ReverseSubtract,
        src_alpha: BlendFactor::One,
        dst_alpha: BlendFactor::One,
        alpha_op: BlendOp::Max,
        write_mask: crate::state::COLOR_R | crate::state::COLOR_B | crate::state::COLOR_A,
    };
    state.blend_constants = [2.0, 2.0, 2.0, 2.0];
    let v = tri(
        &state,
        [(0.0, 0.0), (16.0, 0.0), (0.0, 16.0)],
        0.5,
        [4.0, 1.0, 3.0, 0.25],
    );
    draw(
        &targets(&[&img], None),
        &state,
        &v,
        8,
        Topology::TriangleList,
        &VaryingsAsColor::default(),
    )
    .unwrap();
    // R: d·2 − s·d = 1 − 2 = −1; G masked: 0.25; B: 4 − 6 = −2; A: max(0.25, 0.5).
    assert_eq!(img.get_f(1, 1), [-1.0, 0.25, -2.0, 0.5]);
}

/// Writes u, read from a varying, at a vertex order that tests flat shading.
struct PrimitiveIdAsColor;

impl FragmentStage for PrimitiveIdAsColor {
    fn shade(&self, batch: &FragmentBatch, out: &mut FragmentOutput) {
        for lane in 0..batch.lanes() {
            out.set_f32(0, 0, lane, batch.primitive_id[lane] as f32);
            out.set_f32(0, 1, lane, batch.varyings[0][lane]);
            out.set_f32(
                0,
                2,
                lane,
                if batch.front_facing >> lane & 1 == 1 {
                    1.0
                } else {
                    0.0
                },
            );
            out.set_f32(0, 3, lane, batch.inv_w[lane]);
        }
    }
}

#[test]
fn flat_shading_uses_the_provoking_vertex() {
    // A strip and a fan of four triangles; vertex i carries the flat value i. Vulkan's first-vertex
    // convention: strip primitive i takes vertex i, fan primitive i takes vertex i + 1.
    let (w, h) = (128u32, 32u32);
    for topology in [Topology::TriangleStrip, Topology::TriangleFan] {
        let img = Image::new(w, h, Format::R32G32B32A32_SFLOAT);
        let mut state = RasterState::new(w, h, 1);
        state.varyings = vec![Interpolation::Flat];
        let pts: Vec<(f32, f32)> = match topology {
            Topology::TriangleStrip => (0..6)
                .map(|i| {
                    (
                        4.0 + 24.0 * (i / 2) as f32,
                        if i % 2 == 0 { 2.0 } else { 30.0 },
                    )
                })
                .collect(),
            _ => {
                let mut p = vec![(64.0, 31.0)];
                p.extend((0..5).map(|i| (4.0 + 30.0 * i as f32, 1.0)));
                p
            }
        };
        let verts: Vec<f32> = pts
            .iter()
            .enumerate()
            .flat_map(|(i, &(x, y))| vtx(&state, x, y, 0.5, 1.0, &[i as f32]))
            .collect();
        draw(
            &targets(&[&img], None),
            &state,
            &verts,
            5,
            topology,
            &PrimitiveIdAsColor,
        )
        .unwrap();
        let mut seen = 0;
        for y in 0..h {
            for x in 0..w {
                let p = img.get_f(x, y);
                if p[3] == 0.0 {
                    continue;
                }
                seen += 1;
                let prim = p[0];
                let provoking = match topology {
                    Topology::TriangleStrip => prim,
                    _ => prim + 1.0,
                };
                assert_eq!(p[1], provoking, "{topology:?} ({x}, {y})");
            }
        }
        assert!(seen > 1000);
    }
}

#[test]
fn perspective_correct_interpolation_on_a_tilted_quad() {
    // A quad whose right side is 4× farther (w = 4) than its left side (w = 1); u runs 0 → 1
    // left to right. At a pixel centre with screen parameter s along x, the exact value is
    // u = (s / 4) / ((1 − s) + s / 4).
    let (w, h) = (128u32, 128u32);
    let img = Image::new(w, h, Format::R32G32B32A32_SFLOAT);
    let mut state = RasterState::new(w, h, 4);
    state.varyings = vec![
        Interpolation::Smooth,
        Interpolation::NoPerspective,
        Interpolation::Smooth,
        Interpolation::Smooth,
    ];
    let (x0, x1) = (10.0f32, 118.0f32);
    let corner = |x: f32, y: f32, cw: f32, u: f32| vtx(&state, x, y, 0.5, cw, &[u, u, 0.0, 1.0]);
    let mut verts = Vec::new();
    for (x, y, cw, u) in [
        (x0, 10.0, 1.0, 0.0),
        (x1, 10.0, 4.0, 1.0),
        (x0, 118.0, 1.0, 0.0),
        (x1, 118.0, 4.0, 1.0),
    ] {
        verts.extend(corner(x, y, cw, u));
    }
    draw(
        &targets(&[&img], None),
        &state,
        &verts,
        8,
        Topology::TriangleStrip,
        &VaryingsAsColor::default(),
    )
    .unwrap();
    let mut checked = 0;
    for y in 11..117 {
        for x in 11..117 {
            let p = img.get_f(x, y);
            let s = (x as f64 + 0.5 - f64::from(x0)) / f64::from(x1 - x0);
            let u = (s / 4.0) / ((1.0 - s) + s / 4.0);
            assert!(
                (f64::from(p[0]) - u).abs() < 1e-4,
                "({x}, {y}): {} vs {u}",
                p[0]
            );
            assert!(
                (f64::from(p[1]) - s).abs() < 1e-4,
                "noperspective ({x}, {y}): {} vs {s}",
                p[1]
            );
            checked += 1;
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn same_image_for_one_thread_and_many() {
    // Draws of 500 triangles are set up serially; a draw of 4096 or more takes the parallel
    // set-up (`pass::PARALLEL_SETUP`) into segments of its own, which must give the same
    // bytes, alone or between serial draws (whose triangles join the last segment), and
    // for an indexed draw whose restart-separated runs take both paths.
    enum Plan {
        /// Draws of these many triangles, in order.
        Draws(&'static [usize]),
        /// One indexed draw: runs of these many triangles separated by restarts.
        Runs(&'static [usize]),
    }
    let render = |plan: Plan| {
        let (w, h) = (300u32, 200u32);
        let img = Image::new(w, h, Format::R8G8B8A8_UNORM);
        let depth = Image::new(w, h, Format::D32_SFLOAT);
        depth.fill(Texel::Float([1.0, 0.0, 0.0, 1.0]));
        let mut state = RasterState::new(w, h, 4);
        state.depth = DepthState {
            test_enable: true,
            write_enable: true,
            compare_op: CompareOp::LessOrEqual,
        };
        state.blend[0] = ColorBlend::alpha_over();
        let mut rng = Lcg(42);
        let mut verts = Vec::new();
        for _ in 0..6000 {
            let (cx, cy) = (rng.range(-20.0, 320.0), rng.range(-20.0, 220.0));
            let r = rng.range(1.0, 40.0);
            let z = rng.next_f();
            let color = [
                rng.next_f(),
                rng.next_f(),
                rng.next_f(),
                rng.range(0.2, 0.9),
            ];
            for _ in 0..3 {
                let (x, y) = (cx + rng.range(-r, r), cy + rng.range(-r, r));
                verts.extend(vtx(&state, x, y, z, rng.range(0.5, 2.0), &color));
            }
        }
        let shader = VaryingsAsColor::default();
        let t = targets(&[&img], Some(&depth));
        let mut pass = Pass::new(&t).unwrap();
        match plan {
            Plan::Draws(sizes) => {
                let mut rest = &verts[..];
                for &n in sizes {
                    let (draw, after) = rest.split_at(8 * 3 * n);
                    pass.draw(&state, &triangle_list(draw), &shader).unwrap();
                    rest = after;
                }
                assert!(rest.is_empty());
            }
            Plan::Runs(sizes) => {
                let mut indices = Vec::new();
                let mut next = 0u32;
                for &n in sizes {
                    indices.extend(next..next + 3 * n as u32);
                    indices.push(u32::MAX);
                    next += 3 * n as u32;
                }
                let input = crate::VertexInput {
                    indices: Some(&indices),
                    primitive_restart: true,
                    ..triangle_list(&verts)
                };
                pass.draw(&state, &input, &shader).unwrap();
            }
        }
        pass.flush();
        (img.bytes(), depth.bytes())
    };
    let serial = Plan::Draws(&[500; 12]);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| render(Plan::Draws(&[500; 12])));
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| render(Plan::Draws(&[500; 12])));
    let default = render(serial);
    assert!(one.0.iter().any(|&b| b != 0));
    assert!(one == many, "1 thread vs 4 threads");
    assert!(one == default, "1 thread vs the default pool");
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let parallel_setup = pool.install(|| render(Plan::Draws(&[6000])));
        assert!(
            one == parallel_setup,
            "one draw set up in parallel chunks on {threads} threads"
        );
        let mixed = pool.install(|| render(Plan::Draws(&[500, 4500, 700, 300])));
        assert!(
            one == mixed,
            "serial, parallel, serial draws on {threads} threads"
        );
        let runs = pool.install(|| render(Plan::Runs(&[1000, 4100, 900])));
        assert!(
            one == runs,
            "runs of both kinds in one draw on {threads} threads"
        );
    }
}

/// A shader that needs no quads gets its covered pixels packed into lanes (`quad_free`); one
/// that does gets 2×2 quads with helper lanes. Both must write the same bytes: the same
/// inputs per pixel (interpolated bit for bit alike), the same fragment order for blending
/// and depth. 6000 triangles of 1–40 pixels across, perspective, depth-tested and blended,
/// into an 8-bit and a float target (whose values are the interpolated inputs themselves);
/// then unblended, with each lane's primitive ID, facing and 1/w as its colour.
#[test]
fn packed_pixels_and_quads_give_the_same_bytes() {
    /// Writes what the rasterizer gives each lane besides its varyings: `PrimitiveId`,
    /// facing and 1/w (its position decides where the output lands).
    struct LaneFacts {
        in_quads: bool,
    }
    impl FragmentStage for LaneFacts {
        fn shade(&self, batch: &FragmentBatch, out: &mut FragmentOutput) {
            for lane in 0..batch.lanes() {
                let front = (batch.front_facing >> lane & 1) as f32;
                out.set_f32(0, 0, lane, batch.varyings[0][lane]);
                out.set_f32(0, 1, lane, batch.primitive_id[lane] as f32);
                out.set_f32(0, 2, lane, front + batch.varyings[1][lane]);
                out.set_f32(0, 3, lane, batch.inv_w[lane]);
            }
        }
        fn info(&self) -> crate::FragmentInfo {
            crate::FragmentInfo {
                may_discard: false,
                quad_free: !self.in_quads,
                ..Default::default()
            }
        }
    }
    let render = |format: Format, in_quads: bool, facts: bool| {
        let (w, h) = (300u32, 200u32);
        let img = Image::new(w, h, format);
        let depth = Image::new(w, h, Format::D32_SFLOAT);
        depth.fill(Texel::Float([1.0, 0.0, 0.0, 1.0]));
        let mut state = RasterState::new(w, h, 4);
        state.depth = DepthState {
            test_enable: true,
            write_enable: true,
            compare_op: CompareOp::LessOrEqual,
        };
        if !facts {
            state.blend[0] = ColorBlend::alpha_over();
        }
        let mut rng = Lcg(0x9ac4_ed01);
        let mut verts = Vec::new();
        for t in 0..6000 {
            let (cx, cy) = (rng.range(-20.0, 320.0), rng.range(-20.0, 220.0));
            // Mostly small triangles (the packed path's case), some large ones.
            let r = if t % 10 == 0 {
                rng.range(8.0, 40.0)
            } else {
                rng.range(0.5, 6.0)
            };
            // Colour and depth vary over the triangle, so that every pixel's inputs depend
            // on where it is interpolated.
            for _ in 0..3 {
                let (x, y) = (cx + rng.range(-r, r), cy + rng.range(-r, r));
                let z = rng.next_f();
                let color = [
                    rng.next_f(),
                    rng.next_f(),
                    rng.next_f(),
                    rng.range(0.2, 0.9),
                ];
                verts.extend(vtx(&state, x, y, z, rng.range(0.5, 2.0), &color));
            }
        }
        let colors = VaryingsAsColor {
            in_quads,
            ..Default::default()
        };
        let lane_facts = LaneFacts { in_quads };
        let shader: &dyn FragmentStage = if facts { &lane_facts } else { &colors };
        let t = targets(&[&img], Some(&depth));
        let mut pass = Pass::new(&t).unwrap();
        for chunk in verts.chunks(8 * 3 * 1000) {
            pass.draw(&state, &triangle_list(chunk), shader).unwrap();
        }
        pass.flush();
        (img.bytes(), depth.bytes())
    };
    for (format, facts) in [
        (Format::R8G8B8A8_UNORM, false),
        (Format::R32G32B32A32_SFLOAT, false),
        (Format::R32G32B32A32_SFLOAT, true),
    ] {
        let packed = render(format, false, facts);
        let quads = render(format, true, facts);
        let what = if facts { "lane facts" } else { "colours" };
        assert!(
            packed.0.iter().any(|&b| b != 0),
            "{format:?}: nothing drawn"
        );
        assert!(packed.0 == quads.0, "{format:?}: {what} differ");
        assert!(packed.1 == quads.1, "{format:?}: depths differ");
    }
}

/// Whole 8×8 blocks inside a triangle are interpolated as one 64-lane batch when a batch is
/// starting, and quad by quad otherwise: both must give the same bits. The same tilted
/// (perspective) triangle is drawn alone, and after a one-pixel triangle of the same draw that
/// leaves every batch of the big one part-filled, so its blocks take the quad path.
#[test]
fn whole_blocks_and_quads_interpolate_identically() {
    let (w, h) = (128u32, 96u32);
    let render = |lead: bool| {
        let img = Image::new(w, h, Format::R32G32B32A32_SFLOAT);
        let state = RasterState::new(w, h, 4);
        let mut verts = Vec::new();
        if lead {
            for (x, y) in [(0.2, 0.2), (1.2, 0.2), (0.2, 1.2)] {
                verts.extend(vtx(&state, x, y, 0.5, 1.0, &[9.0, 9.0, 9.0, 9.0]));
            }
        }
        for (x, y, cw, c) in [
            (-10.0, -20.0, 1.0, [0.1, 0.7, 0.3, 1.0]),
            (200.0, -5.0, 3.0, [0.9, 0.2, 0.5, 0.5]),
            (-30.0, 150.0, 0.5, [0.3, 0.4, 0.95, 0.25]),
        ] {
            verts.extend(vtx(&state, x, y, 0.5, cw, &c));
        }
        draw(
            &targets(&[&img], None),
            &state,
            &verts,
            8,
            Topology::TriangleList,
            &VaryingsAsColor::default(),
        )
        .unwrap();
        img.bytes()
    };
    let (alone, after) = (render(false), render(true));
    assert!(alone.iter().any(|&b| b != 0));
    assert!(alone == after, "block and quad interpolation differ");
}

/// Throughput probe: `cargo test -p pumice-raster --release -- --ignored --nocapture fill_rate`.
#[test]
#[ignore]
fn fill_rate() {
    let (w, h) = (1920u32, 1080u32);
    let img = Image::new(w, h, Format::R8G8B8A8_UNORM);
    let state = RasterState::new(w, h, 4);
    let mut verts = Vec::new();
    for (x, y) in [(0.0, 0.0), (1920.0, 0.0), (0.0, 1080.0), (1920.0, 1080.0)] {
        verts.extend(vtx(&state, x, y, 0.5, 1.0, &[0.2, 0.4, 0.6, 1.0]));
    }
    let t = targets(&[&img], None);
    let start = std::time::Instant::now();
    let frames = 10;
    for _ in 0..frames {
        draw(
            &t,
            &state,
            &verts,
            8,
            Topology::TriangleStrip,
            &VaryingsAsColor::default(),
        )
        .unwrap();
    }
    let per = start.elapsed().as_secs_f64() / f64::from(frames);
    println!(
        "1080p full-screen quad: {:.2} ms/frame, {:.0} Mpixel/s",
        per * 1e3,
        f64::from(w * h) / per / 1e6
    );
}

/// Blended fill for instruction counts (`valgrind --tool=callgrind` with
/// `RAYON_NUM_THREADS=1` on the test binary, `--ignored blended_fill_probe`): one 1080p
/// alpha-blended full-screen quad, the rasterizer's share of the fill benchmark.
#[test]
#[ignore]
fn blended_fill_probe() {
    let (w, h) = (1920u32, 1080u32);
    let img = Image::new(w, h, Format::R8G8B8A8_UNORM);
    let mut state = RasterState::new(w, h, 4);
    state.blend[0] = ColorBlend::alpha_over();
    let mut verts = Vec::new();
    for (x, y) in [(0.0, 0.0), (1920.0, 0.0), (0.0, 1080.0), (1920.0, 1080.0)] {
        verts.extend(vtx(&state, x, y, 0.5, 1.0, &[0.2, 0.4, 0.6, 0.3]));
    }
    let t = targets(&[&img], None);
    draw(
        &t,
        &state,
        &verts,
        8,
        Topology::TriangleStrip,
        &VaryingsAsColor::default(),
    )
    .unwrap();
    assert_ne!(img.raw(w / 2, h / 2), vec![0; 4]);
}

/// Fill rate with the depth test (D32, `Less`, writes) on: the per-fragment path every
/// depth-tested draw without stencil takes. `cargo test --release -p pumice-raster
/// fill_rate_depth -- --ignored --nocapture`.
#[test]
#[ignore]
fn fill_rate_depth() {
    let (w, h) = (1920u32, 1080u32);
    let img = Image::new(w, h, Format::R8G8B8A8_UNORM);
    let depth = Image::new(w, h, Format::D32_SFLOAT);
    let mut state = RasterState::new(w, h, 4);
    state.depth = DepthState {
        test_enable: true,
        write_enable: true,
        compare_op: CompareOp::LessOrEqual,
    };
    let mut verts = Vec::new();
    for (x, y) in [(0.0, 0.0), (1920.0, 0.0), (0.0, 1080.0), (1920.0, 1080.0)] {
        verts.extend(vtx(&state, x, y, 0.5, 1.0, &[0.2, 0.4, 0.6, 1.0]));
    }
    let t = targets(&[&img], Some(&depth));
    let frames = 10;
    let mut best = f64::MAX;
    for _ in 0..3 {
        depth.fill(Texel::Float([1.0, 0.0, 0.0, 1.0]));
        let start = std::time::Instant::now();
        for _ in 0..frames {
            draw(
                &t,
                &state,
                &verts,
                8,
                Topology::TriangleStrip,
                &VaryingsAsColor::default(),
            )
            .unwrap();
        }
        best = best.min(start.elapsed().as_secs_f64() / f64::from(frames));
    }
    println!(
        "1080p depth-tested quad: {:.2} ms/frame, {:.0} Mpixel/s",
        best * 1e3,
        f64::from(w * h) / best / 1e6
    );
}

/// Large triangles of one colour (`tile::UniformFill`) write exactly the bytes the shading
/// batches write: over RGBA8, BGRA8 and sRGB attachments, with every blend factor and op
/// (those reading the stored alpha into colour take the batches), write masks, partly
/// covered and clipped triangles, flat and perspective varyings, and triangles that are not
/// one colour mixed in (the batches then run between fills).
#[test]
fn uniform_fills_write_what_the_batches_write() {
    // Without the dual-source factors: `VaryingsAsColor` has no second output.
    let factors = &crate::BlendFactor::ALL[..15];
    let ops = BlendOp::ALL;
    let mut rng = Lcg(0x5eed_f111);
    let (w, h) = (150u32, 90u32);
    let mut filled = 0;
    for case in 0..60 {
        let format = [
            Format::R8G8B8A8_UNORM,
            Format::B8G8R8A8_UNORM,
            Format::R8G8B8A8_SRGB,
        ][case % 3];
        let mut state = RasterState::new(w, h, 4);
        state.varyings = vec![
            if case % 4 == 0 {
                Interpolation::Flat
            } else {
                Interpolation::Smooth
            };
            4
        ];
        let mut pick = |n: usize| ((rng.next_f() * n as f32) as usize).min(n - 1);
        let blend = ColorBlend {
            blend_enable: case % 7 != 0,
            src_color: factors[pick(factors.len())],
            dst_color: factors[pick(factors.len())],
            color_op: ops[pick(ops.len())],
            src_alpha: factors[pick(factors.len())],
            dst_alpha: factors[pick(factors.len())],
            alpha_op: ops[pick(ops.len())],
            write_mask: if case % 5 == 0 { pick(16) as u8 } else { 0xf },
        };
        state.blend = vec![blend];
        state.blend_constants = [rng.next_f(), rng.next_f(), rng.next_f(), rng.next_f()];
        // Triangles: big ones of one colour (some beyond the framebuffer, some with vertices
        // at different w), and a small one with a colour per vertex between them.
        let mut verts = Vec::new();
        for k in 0..4 {
            let color = [
                rng.range(-0.2, 1.2),
                rng.next_f(),
                rng.next_f(),
                rng.range(0.0, 1.1),
            ];
            let pts = if k == 0 {
                [(-10.0, -10.0), (400.0, -10.0), (-10.0, 300.0)]
            } else {
                [
                    (rng.range(-40.0, 190.0), rng.range(-40.0, 130.0)),
                    (rng.range(-40.0, 190.0), rng.range(-40.0, 130.0)),
                    (rng.range(-40.0, 190.0), rng.range(-40.0, 130.0)),
                ]
            };
            // One triangle with its corners at pixel centres: edges through pixel centres
            // (the fill rule decides those pixels).
            let snap = |v: f32| if k == 3 { v.floor() + 0.5 } else { v };
            for (i, &(x, y)) in pts.iter().enumerate() {
                let (x, y) = (snap(x), snap(y));
                let cw = if k == 2 { [1.0, 2.5, 0.7][i] } else { 1.0 };
                verts.extend(vtx(&state, x, y, 0.5, cw, &color));
            }
            if k == 1 {
                for (x, y) in [(5.0, 5.0), (60.0, 9.0), (20.0, 70.0)] {
                    let c = [rng.next_f(), rng.next_f(), rng.next_f(), rng.next_f()];
                    verts.extend(vtx(&state, x, y, 0.5, 1.0, &c));
                }
            }
        }
        let shader = VaryingsAsColor::default();
        let mut images = Vec::new();
        for fills in [true, false] {
            let img = Image::new(w, h, format);
            let mut init = Lcg(case as u64);
            let bytes: Vec<u8> = (0..w * h * 4)
                .map(|_| (init.next_f() * 256.0) as u8)
                .collect();
            img.mem.write(0, &bytes).unwrap();
            let t = targets(&[&img], None);
            let mut pass = Pass::new(&t).unwrap();
            if !fills {
                pass.without_uniform_fills();
            }
            pass.draw(&state, &triangle_list(&verts), &shader).unwrap();
            pass.flush();
            if fills {
                filled += pass.uniform_fills_made;
            }
            images.push(img.bytes());
        }
        assert!(images[0] == images[1], "case {case}: {format:?} {blend:?}");
    }
    // Most cases had fills (the others read the stored alpha into colour).
    assert!(filled >= 60, "{filled} triangles filled");
}

/// Small triangles piled on a few pixels share pixels within a batch; unblended writes (with
/// and without a write mask) must leave what drawing them one pass each leaves: the last
/// triangle's colour, its masked channels kept from before.
#[test]
fn unblended_lanes_on_one_pixel_write_in_primitive_order() {
    let (w, h) = (40u32, 30u32);
    for (case, mask) in [0xf, 0x5, 0xa, 0x7].into_iter().enumerate() {
        let mut state = RasterState::new(w, h, 4);
        state.blend[0] = ColorBlend {
            write_mask: mask,
            ..ColorBlend::default()
        };
        let mut rng = Lcg(7 + case as u64);
        let mut verts = Vec::new();
        for _ in 0..400 {
            let (cx, cy) = (rng.range(2.0, 38.0), rng.range(2.0, 28.0));
            let r = rng.range(0.7, 5.0);
            let color = [rng.next_f(), rng.next_f(), rng.next_f(), rng.next_f()];
            for _ in 0..3 {
                let (x, y) = (cx + rng.range(-r, r), cy + rng.range(-r, r));
                verts.extend(vtx(&state, x, y, 0.5, 1.0, &color));
            }
        }
        let shader = VaryingsAsColor::default();
        let render = |one_pass_each: bool| {
            let img = Image::new(w, h, Format::R8G8B8A8_UNORM);
            img.fill(Texel::Float([0.2, 0.4, 0.6, 0.8]));
            let t = targets(&[&img], None);
            let mut pass = Pass::new(&t).unwrap();
            if one_pass_each {
                for tri in verts.chunks(3 * 8) {
                    pass.draw(&state, &triangle_list(tri), &shader).unwrap();
                    pass.flush();
                }
            } else {
                pass.draw(&state, &triangle_list(&verts), &shader).unwrap();
                pass.flush();
            }
            img.bytes()
        };
        let separate = render(true);
        assert!(separate.chunks(4).any(|t| t != [51, 102, 153, 204]));
        assert!(render(false) == separate, "write mask {mask:#x}");
    }
}

/// Logic ops ("Logical Operations"): the fragment's colour, encoded in the attachment's format,
/// is combined bit by bit with the stored texel by each of the 16 operations, then written
/// through the write mask; blending is off on every attachment; float and sRGB attachments
/// are written as without a logic op. Expected words come from the spec's table, written out
/// here on whole words (the rasterizer works byte by byte).
#[test]
fn logic_ops_combine_the_encoded_colour_with_the_stored_texel() {
    fn reference(op: LogicOp, s: u32, d: u32) -> u32 {
        match op {
            LogicOp::Clear => 0,
            LogicOp::And => s & d,
            LogicOp::AndReverse => s & !d,
            LogicOp::Copy => s,
            LogicOp::AndInverted => !s & d,
            LogicOp::NoOp => d,
            LogicOp::Xor => s ^ d,
            LogicOp::Or => s | d,
            LogicOp::Nor => !(s | d),
            LogicOp::Equivalent => !(s ^ d),
            LogicOp::Invert => !d,
            LogicOp::OrReverse => s | !d,
            LogicOp::CopyInverted => !s,
            LogicOp::OrInverted => !s | d,
            LogicOp::Nand => !(s & d),
            LogicOp::Set => u32::MAX,
        }
    }
    // The colour as UNORM bytes 0x35, 0xca, 0x0f, 0xf0 (exact: n/255 rounds back to n).
    let bytes = [0x35u8, 0xca, 0x0f, 0xf0];
    let color = bytes.map(|b| f32::from(b) / 255.0);
    let stored = [0x5au8, 0xc3, 0x99, 0x0f];
    let word = |b: [u8; 4]| u32::from_le_bytes(b);
    let (w, h) = (8u32, 8u32);
    let render = |format: Format, fill: Texel, op: Option<LogicOp>, write_mask: u8, blend: bool| {
        let img = Image::new(w, h, format);
        img.fill(fill);
        let mut state = RasterState::new(w, h, 4);
        state.logic_op = op;
        state.blend[0] = ColorBlend {
            write_mask,
            ..if blend {
                ColorBlend::alpha_over()
            } else {
                ColorBlend::default()
            }
        };
        let v = tri(&state, [(0.0, 0.0), (32.0, 0.0), (0.0, 32.0)], 0.5, color);
        draw(
            &targets(&[&img], None),
            &state,
            &v,
            8,
            Topology::TriangleList,
            &VaryingsAsColor::default(),
        )
        .unwrap();
        img.raw(3, 2)
    };
    let stored_unorm = Texel::Float(stored.map(|b| f32::from(b) / 255.0));
    for op in LogicOp::ALL {
        // RGBA8 UNORM, blending asked for (and ignored), every component written.
        let got = render(Format::R8G8B8A8_UNORM, stored_unorm, Some(op), 15, true);
        let want = reference(op, word(bytes), word(stored));
        assert_eq!(got, want.to_le_bytes(), "{op:?} on R8G8B8A8_UNORM");
        // Red and alpha only: green and blue keep the stored bytes.
        let got = render(
            Format::R8G8B8A8_UNORM,
            stored_unorm,
            Some(op),
            0b1001,
            false,
        );
        let mut want = want.to_le_bytes();
        want[1] = stored[1];
        want[2] = stored[2];
        assert_eq!(got, want, "{op:?} on R8G8B8A8_UNORM, mask R+A");
        // R32_UINT: the shader's raw 32 bits.
        let d = 0x5ac3_990f;
        let got = render(
            Format::R32_UINT,
            Texel::Uint([d, 0, 0, 1]),
            Some(op),
            15,
            false,
        );
        let want = reference(op, color[0].to_bits(), d);
        assert_eq!(got, want.to_le_bytes(), "{op:?} on R32_UINT");
        // Float and sRGB attachments: the colour, as without a logic op (and unblended).
        let got = render(
            Format::R32G32B32A32_SFLOAT,
            Texel::Float([0.5; 4]),
            Some(op),
            15,
            true,
        );
        let want: Vec<u8> = color.iter().flat_map(|c| c.to_le_bytes()).collect();
        assert_eq!(got, want, "{op:?} on R32G32B32A32_SFLOAT");
        let srgb = render(Format::R8G8B8A8_SRGB, stored_unorm, Some(op), 15, false);
        let plain = render(Format::R8G8B8A8_SRGB, stored_unorm, None, 15, false);
        assert_eq!(srgb, plain, "{op:?} on R8G8B8A8_SRGB");
    }
}
