//! Stencil test and ops (both faces, masks), depth bounds, depth bias and depth clamp, checked
//! on the stencil, depth and colour values left in memory.

use super::{triangle_list, vtx, Image};
use crate::{
    draw, CompareOp, DepthBias, DepthState, Pass, RasterState, RenderTargets, StencilFace,
    StencilOp, Topology, VaryingsAsColor,
};
use pumice_texel::{Format, Texel};

const W: u32 = 16;

/// A quad over the whole `W`×`W` target at depth `z`, front-facing (counter-clockwise on
/// screen) or back-facing, coloured `color`.
fn quad(state: &RasterState, z: f32, front: bool, color: [f32; 4]) -> Vec<f32> {
    let (a, b, c, d) = ((0.0, 0.0), (0.0, 16.0), (16.0, 16.0), (16.0, 0.0));
    // (0,0) → (0,16) → (16,16) runs counter-clockwise on screen (y down).
    let order = if front {
        [a, b, c, a, c, d]
    } else {
        [a, c, b, a, d, c]
    };
    order
        .iter()
        .flat_map(|&(x, y)| vtx(state, x, y, z, 1.0, &color))
        .collect()
}

/// Colour, combined depth/stencil, targets over both.
fn ds_targets<'a>(color: &'a Image, ds: &'a Image) -> RenderTargets<'a> {
    RenderTargets {
        colors: vec![Some(color.attachment())],
        depth: ds
            .layout
            .desc
            .format
            .aspects()
            .depth
            .then(|| ds.attachment()),
        stencil: Some(ds.attachment()),
        render_area: crate::Rect::new(0, 0, color.w, color.h),
    }
}

fn draw_quad(t: &RenderTargets, state: &RasterState, v: &[f32], shader: &VaryingsAsColor) {
    draw(t, state, v, 8, Topology::TriangleList, shader).unwrap();
}

const ALL_OPS: [StencilOp; 8] = [
    StencilOp::Keep,
    StencilOp::Zero,
    StencilOp::Replace,
    StencilOp::IncrementAndClamp,
    StencilOp::DecrementAndClamp,
    StencilOp::Invert,
    StencilOp::IncrementAndWrap,
    StencilOp::DecrementAndWrap,
];

/// The specification's result of `op` on `stored` with reference `reference`, written by hand
/// (independent of `StencilOp::apply`).
fn expected_op(op: StencilOp, stored: u8, reference: u8) -> u8 {
    match (op, stored) {
        (StencilOp::Keep, s) => s,
        (StencilOp::Zero, _) => 0,
        (StencilOp::Replace, _) => reference,
        (StencilOp::IncrementAndClamp, 255) => 255,
        (StencilOp::IncrementAndClamp, s) => s + 1,
        (StencilOp::DecrementAndClamp, 0) => 0,
        (StencilOp::DecrementAndClamp, s) => s - 1,
        (StencilOp::Invert, s) => 255 - s,
        (StencilOp::IncrementAndWrap, 255) => 0,
        (StencilOp::IncrementAndWrap, s) => s + 1,
        (StencilOp::DecrementAndWrap, 0) => 255,
        (StencilOp::DecrementAndWrap, s) => s - 1,
    }
}

/// Which of the three ops of a face a fragment takes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    StencilFail,
    DepthFail,
    Pass,
}

#[test]
fn every_op_on_every_path_and_both_faces() {
    let reference = 0x3c;
    for stored in [0x81u8, 0x00, 0xff] {
        for op in ALL_OPS {
            for path in [Path::StencilFail, Path::DepthFail, Path::Pass] {
                for front in [true, false] {
                    for write_mask in [0xffu32, 0x0f] {
                        let color = Image::new(W, W, Format::R8G8B8A8_UNORM);
                        let ds = Image::new(W, W, Format::D24_UNORM_S8_UINT);
                        ds.fill(Texel::Float([0.5, 0.0, 0.0, 1.0]));
                        ds.fill_stencil(stored);
                        let mut state = RasterState::new(W, W, 4);
                        state.depth = DepthState {
                            test_enable: true,
                            write_enable: false,
                            compare_op: if path == Path::DepthFail {
                                CompareOp::Never
                            } else {
                                CompareOp::Always
                            },
                        };
                        let face = StencilFace {
                            fail_op: if path == Path::StencilFail {
                                op
                            } else {
                                StencilOp::Invert
                            },
                            depth_fail_op: if path == Path::DepthFail {
                                op
                            } else {
                                StencilOp::Invert
                            },
                            pass_op: if path == Path::Pass {
                                op
                            } else {
                                StencilOp::Invert
                            },
                            compare_op: if path == Path::StencilFail {
                                CompareOp::Never
                            } else {
                                CompareOp::Always
                            },
                            compare_mask: 0xff,
                            write_mask,
                            reference,
                        };
                        // The other face would zero the stencil and fail: it must not be used.
                        let other = StencilFace {
                            fail_op: StencilOp::Zero,
                            pass_op: StencilOp::Zero,
                            depth_fail_op: StencilOp::Zero,
                            compare_op: CompareOp::Never,
                            compare_mask: 0xff,
                            write_mask: 0xff,
                            reference: 0,
                        };
                        state.stencil.test_enable = true;
                        (state.stencil.front, state.stencil.back) =
                            if front { (face, other) } else { (other, face) };
                        let v = quad(&state, 0.25, front, [1.0, 0.0, 0.0, 1.0]);
                        draw_quad(
                            &ds_targets(&color, &ds),
                            &state,
                            &v,
                            &VaryingsAsColor::default(),
                        );
                        let wm = write_mask as u8;
                        let want = (stored & !wm) | (expected_op(op, stored, reference as u8) & wm);
                        let what =
                            format!("{op:?} {path:?} front={front} s={stored:#x} wm={wm:#x}");
                        for (x, y) in [(0, 0), (7, 9), (15, 15)] {
                            assert_eq!(ds.stencil(x, y), want, "{what}");
                            let red = if path == Path::Pass { 255 } else { 0 };
                            assert_eq!(color.raw(x, y)[0], red, "{what}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn compare_ops_read_reference_op_stored_under_the_compare_mask() {
    // Stored 0xa5; the compare mask 0x0f leaves 0x05 of it.
    let cases = [
        // (op, reference, compare mask, passes)
        (CompareOp::Equal, 0x35, 0x0f, true),
        (CompareOp::Equal, 0x35, 0xff, false),
        (CompareOp::Less, 0x04, 0x0f, true),
        (CompareOp::Less, 0x05, 0x0f, false),
        (CompareOp::Greater, 0x06, 0x0f, true),
        (CompareOp::Greater, 0xb0, 0xff, true),
        (CompareOp::LessOrEqual, 0xa5, 0xff, true),
        (CompareOp::GreaterOrEqual, 0xa4, 0xff, false),
        (CompareOp::NotEqual, 0x15, 0x0f, false),
        (CompareOp::NotEqual, 0x15, 0xff, true),
        (CompareOp::Never, 0xa5, 0xff, false),
        (CompareOp::Always, 0x00, 0xff, true),
        // Only the low 8 bits of the reference and masks count.
        (CompareOp::Equal, 0x1a5, 0xffff_ffff, true),
    ];
    for (op, reference, compare_mask, passes) in cases {
        let color = Image::new(W, W, Format::R8G8B8A8_UNORM);
        let ds = Image::new(W, W, Format::S8_UINT);
        ds.fill_stencil(0xa5);
        let mut state = RasterState::new(W, W, 4);
        state.stencil.test_enable = true;
        state.stencil.front = StencilFace {
            compare_op: op,
            compare_mask,
            reference,
            fail_op: StencilOp::IncrementAndWrap,
            pass_op: StencilOp::DecrementAndWrap,
            ..StencilFace::default()
        };
        let v = quad(&state, 0.5, true, [0.0, 1.0, 0.0, 1.0]);
        draw_quad(
            &ds_targets(&color, &ds),
            &state,
            &v,
            &VaryingsAsColor::default(),
        );
        let what = format!("{op:?} ref={reference:#x} mask={compare_mask:#x}");
        assert_eq!(color.raw(4, 4)[1] == 255, passes, "{what}");
        assert_eq!(ds.stencil(4, 4), if passes { 0xa4 } else { 0xa6 }, "{what}");
    }
}

#[test]
fn stencil_mask_then_draw_equal() {
    let color = Image::new(W, W, Format::R8G8B8A8_UNORM);
    let ds = Image::new(W, W, Format::D32_SFLOAT_S8_UINT);
    ds.fill(Texel::Float([1.0, 0.0, 0.0, 1.0]));
    ds.fill_stencil(0);
    let t = ds_targets(&color, &ds);
    let shader = VaryingsAsColor::default();
    let mut pass = Pass::new(&t).unwrap();
    // Pass 1: a triangle over the top-left half writes stencil 1, no colour.
    let mut mask_state = RasterState::new(W, W, 4);
    mask_state.blend[0].write_mask = 0;
    mask_state.stencil.test_enable = true;
    mask_state.stencil.front = StencilFace {
        pass_op: StencilOp::Replace,
        reference: 1,
        ..StencilFace::default()
    };
    mask_state.stencil.back = mask_state.stencil.front;
    let tri: Vec<f32> = [(0.0, 0.0), (0.0, 16.0), (16.0, 0.0)]
        .iter()
        .flat_map(|&(x, y)| vtx(&mask_state, x, y, 0.5, 1.0, &[0.0; 4]))
        .collect();
    let input = triangle_list;
    pass.draw(&mask_state, &input(&tri), &shader).unwrap();
    // Pass 2: a full quad drawn only where stencil == 1.
    let mut draw_state = RasterState::new(W, W, 4);
    draw_state.stencil.test_enable = true;
    draw_state.stencil.front = StencilFace {
        compare_op: CompareOp::Equal,
        reference: 1,
        ..StencilFace::default()
    };
    draw_state.stencil.back = draw_state.stencil.front;
    let q = quad(&draw_state, 0.5, true, [1.0, 0.0, 0.0, 1.0]);
    pass.draw(&draw_state, &input(&q), &shader).unwrap();
    pass.flush();
    for y in 0..W {
        for x in 0..W {
            // Pixel centres with x + y + 1 < 16 are inside the triangle (the diagonal itself
            // belongs to it by the top-left rule only on one side: skip it).
            let inside = (x + y + 1) < 16;
            let outside = (x + y + 1) > 16;
            if inside {
                assert_eq!(color.raw(x, y), vec![255, 0, 0, 255], "({x}, {y})");
                assert_eq!(ds.stencil(x, y), 1);
            } else if outside {
                assert_eq!(color.raw(x, y), vec![0, 0, 0, 0], "({x}, {y})");
                assert_eq!(ds.stencil(x, y), 0);
            }
        }
    }
    // The depth plane of the combined image is untouched (no depth test).
    assert_eq!(ds.get_f(3, 3)[0], 1.0);
}

#[test]
fn discarded_fragments_do_not_update_the_stencil() {
    for format in [Format::S8_UINT, Format::D16_UNORM_S8_UINT] {
        let color = Image::new(W, W, Format::R8G8B8A8_UNORM);
        let ds = Image::new(W, W, format);
        ds.fill_stencil(7);
        let mut state = RasterState::new(W, W, 4);
        state.stencil.test_enable = true;
        state.stencil.front = StencilFace {
            pass_op: StencilOp::Zero,
            fail_op: StencilOp::Zero,
            depth_fail_op: StencilOp::Zero,
            ..StencilFace::default()
        };
        state.stencil.back = state.stencil.front;
        let shader = VaryingsAsColor {
            discard_negative: true,
            ..Default::default()
        };
        // First varying negative: every fragment is discarded by the shader.
        let v = quad(&state, 0.5, true, [-1.0, 0.0, 0.0, 1.0]);
        draw_quad(&ds_targets(&color, &ds), &state, &v, &shader);
        assert_eq!(ds.stencil(5, 5), 7, "{format:?}");
        // Kept fragments do update it.
        let v = quad(&state, 0.5, true, [1.0, 0.0, 0.0, 1.0]);
        draw_quad(&ds_targets(&color, &ds), &state, &v, &shader);
        assert_eq!(ds.stencil(5, 5), 0, "{format:?}");
    }
}

#[test]
fn stencil_disabled_or_absent_changes_nothing() {
    let color = Image::new(W, W, Format::R8G8B8A8_UNORM);
    let ds = Image::new(W, W, Format::D24_UNORM_S8_UINT);
    ds.fill(Texel::Float([1.0, 0.0, 0.0, 1.0]));
    ds.fill_stencil(9);
    let mut state = RasterState::new(W, W, 4);
    state.stencil.front.compare_op = CompareOp::Never;
    state.stencil.front.fail_op = StencilOp::Zero;
    state.stencil.back = state.stencil.front;
    let v = quad(&state, 0.5, true, [1.0, 0.0, 0.0, 1.0]);
    // Test disabled: everything passes, the stencil is untouched.
    draw_quad(
        &ds_targets(&color, &ds),
        &state,
        &v,
        &VaryingsAsColor::default(),
    );
    assert_eq!(color.raw(1, 1)[0], 255);
    assert_eq!(ds.stencil(1, 1), 9);
    // Enabled but no stencil attachment: it passes as if disabled.
    state.stencil.test_enable = true;
    let color2 = Image::new(W, W, Format::R8G8B8A8_UNORM);
    let t = RenderTargets {
        stencil: None,
        ..ds_targets(&color2, &ds)
    };
    draw_quad(&t, &state, &v, &VaryingsAsColor::default());
    assert_eq!(color2.raw(1, 1)[0], 255);
    assert_eq!(ds.stencil(1, 1), 9);
}

#[test]
fn depth_bounds_test_reads_the_stored_depth() {
    let color = Image::new(W, W, Format::R8G8B8A8_UNORM);
    let ds = Image::new(W, W, Format::D32_SFLOAT_S8_UINT);
    ds.fill_stencil(0);
    // Column x stores depth x/16.
    for y in 0..W {
        for x in 0..W {
            ds.set_depth(x, y, x as f32 / 16.0);
        }
    }
    let mut state = RasterState::new(W, W, 4);
    state.depth_bounds = Some((0.25, 0.5));
    // Fragments failing the bounds test never reach the stencil test.
    state.stencil.test_enable = true;
    state.stencil.front.pass_op = StencilOp::IncrementAndClamp;
    state.stencil.front.fail_op = StencilOp::IncrementAndClamp;
    state.stencil.back = state.stencil.front;
    // The incoming depth (0.9) is outside the bounds: only the stored one counts.
    let v = quad(&state, 0.9, true, [1.0, 0.0, 0.0, 1.0]);
    draw_quad(
        &ds_targets(&color, &ds),
        &state,
        &v,
        &VaryingsAsColor::default(),
    );
    for x in 0..W {
        let inside = (4..=8).contains(&x);
        assert_eq!(color.raw(x, 3)[0] == 255, inside, "x = {x}");
        assert_eq!(ds.stencil(x, 3), u8::from(inside), "x = {x}");
    }
}

/// Draws the quad `v` into a fresh depth image of `format` cleared to 1 with depth writes
/// (`Always`), and returns the depth image.
fn depth_after(format: Format, state: &RasterState, v: &[f32]) -> Image {
    let color = Image::new(W, W, Format::R8G8B8A8_UNORM);
    let depth = Image::new(W, W, format);
    depth.fill(Texel::Float([1.0, 0.0, 0.0, 1.0]));
    let mut state = state.clone();
    state.depth = DepthState {
        test_enable: true,
        write_enable: true,
        compare_op: CompareOp::Always,
    };
    let t = super::targets(&[&color], Some(&depth));
    draw(
        &t,
        &state,
        v,
        8,
        Topology::TriangleList,
        &VaryingsAsColor::default(),
    )
    .unwrap();
    depth
}

#[test]
fn constant_depth_bias_is_r_times_the_factor() {
    let mut state = RasterState::new(W, W, 4);
    let v = quad(&state, 0.5, true, [1.0; 4]);
    // D32: z = 0.5 has exponent −1, so r = 2^(−1 − 23).
    state.depth_bias = Some(DepthBias {
        constant_factor: 4.0,
        slope_factor: 0.0,
        clamp: 0.0,
    });
    let d = depth_after(Format::D32_SFLOAT, &state, &v);
    assert_eq!(d.get_f(5, 5)[0], 0.5 + 4.0 * (-24f32).exp2());
    // D16: r = 2^−16; a bias of 100·r moves the stored value by 100 steps of 1/65535.
    state.depth_bias = Some(DepthBias {
        constant_factor: 100.0,
        slope_factor: 0.0,
        clamp: 0.0,
    });
    let d = depth_after(Format::D16_UNORM, &state, &v);
    let raw = u16::from_le_bytes([d.raw(5, 5)[0], d.raw(5, 5)[1]]);
    let want = ((0.5 + 100.0 / 65536.0) * 65535.0f64).round() as u16;
    assert!(raw.abs_diff(want) <= 1, "{raw} vs {want}");
    // Negative factors move towards the viewer.
    state.depth_bias = Some(DepthBias {
        constant_factor: -100.0,
        slope_factor: 0.0,
        clamp: 0.0,
    });
    let d = depth_after(Format::D16_UNORM, &state, &v);
    let raw = u16::from_le_bytes([d.raw(5, 5)[0], d.raw(5, 5)[1]]);
    let want = ((0.5 - 100.0 / 65536.0) * 65535.0f64).round() as u16;
    assert!(raw.abs_diff(want) <= 1, "{raw} vs {want}");
}

#[test]
fn slope_depth_bias_follows_the_depth_gradient() {
    let state = RasterState::new(W, W, 4);
    // Depth 0.25 at x = 0 to 0.75 at x = 16: ∂z/∂x = 1/32, ∂z/∂y = 0, so m = 1/32.
    let pts = [(0.0, 0.0, 0.25), (0.0, 16.0, 0.25), (16.0, 16.0, 0.75)];
    let pts2 = [(0.0, 0.0, 0.25), (16.0, 16.0, 0.75), (16.0, 0.0, 0.75)];
    let v: Vec<f32> = pts
        .iter()
        .chain(&pts2)
        .flat_map(|&(x, y, z)| vtx(&state, x, y, z, 1.0, &[1.0; 4]))
        .collect();
    for format in [Format::D32_SFLOAT, Format::D16_UNORM] {
        let plain = depth_after(format, &state, &v);
        let mut biased_state = state.clone();
        biased_state.depth_bias = Some(DepthBias {
            constant_factor: 0.0,
            slope_factor: 2.0,
            clamp: 0.0,
        });
        let biased = depth_after(format, &biased_state, &v);
        for (x, y) in [(1, 1), (8, 3), (14, 12)] {
            let (a, b) = (plain.get_f(x, y)[0], biased.get_f(x, y)[0]);
            // o = 2 · 1/32; D16 quantizes both by up to half a step each.
            let tol = if format == Format::D16_UNORM {
                1.0 / 65535.0
            } else {
                1e-6
            };
            assert!(
                (b - a - 2.0 / 32.0).abs() <= tol,
                "{format:?} ({x}, {y}): {a} → {b}"
            );
        }
        // The clamp bounds the bias: min(o, 0.01) for a positive clamp.
        biased_state.depth_bias = Some(DepthBias {
            constant_factor: 0.0,
            slope_factor: 2.0,
            clamp: 0.01,
        });
        let clamped = depth_after(format, &biased_state, &v);
        let (a, b) = (plain.get_f(8, 3)[0], clamped.get_f(8, 3)[0]);
        let tol = if format == Format::D16_UNORM {
            1.0 / 65535.0
        } else {
            1e-6
        };
        assert!((b - a - 0.01).abs() <= tol, "{format:?}: {a} → {b}");
    }
}

#[test]
fn negative_depth_bias_clamp_is_a_lower_bound() {
    let mut state = RasterState::new(W, W, 4);
    let v = quad(&state, 0.5, true, [1.0; 4]);
    state.depth_bias = Some(DepthBias {
        constant_factor: -1.0e7,
        slope_factor: 0.0,
        clamp: -0.125,
    });
    let d = depth_after(Format::D32_SFLOAT, &state, &v);
    assert_eq!(d.get_f(2, 2)[0], 0.375);
    // A NaN clamp does not clamp.
    state.depth_bias = Some(DepthBias {
        constant_factor: -4.0,
        slope_factor: 0.0,
        clamp: f32::NAN,
    });
    let d = depth_after(Format::D32_SFLOAT, &state, &v);
    assert_eq!(d.get_f(2, 2)[0], 0.5 - 4.0 * (-24f32).exp2());
}

#[test]
fn depth_clamp_keeps_geometry_beyond_the_far_plane() {
    // Clip z = 1.5·w lies beyond the far plane: clipped away normally; with depth clamping it
    // is drawn with its depth clamped to the viewport's maxDepth.
    for clamp in [false, true] {
        let mut state = RasterState::new(W, W, 4);
        state.viewport.min_depth = 0.25;
        state.viewport.max_depth = 0.75;
        state.depth_clamp = clamp;
        let v: Vec<f32> = [(0.0, 0.0), (0.0, 16.0), (16.0, 16.0)]
            .iter()
            .flat_map(|&(x, y)| {
                let mut p = vtx(&state, x, y, 0.0, 1.0, &[1.0; 4]);
                p[2] = 1.5;
                p
            })
            .collect();
        let d = depth_after(Format::D32_SFLOAT, &state, &v);
        let want = if clamp { 0.75 } else { 1.0 };
        assert_eq!(d.get_f(1, 10)[0], want, "clamp = {clamp}");
        // And in front of the near plane: clamped to minDepth.
        let v: Vec<f32> = [(0.0, 0.0), (0.0, 16.0), (16.0, 16.0)]
            .iter()
            .flat_map(|&(x, y)| {
                let mut p = vtx(&state, x, y, 0.0, 1.0, &[1.0; 4]);
                p[2] = -0.5;
                p
            })
            .collect();
        let d = depth_after(Format::D16_UNORM, &state, &v);
        let want = if clamp { 0.25 } else { 1.0 };
        assert!(
            (d.get_f(1, 10)[0] - want).abs() < 1e-4,
            "clamp = {clamp}: {}",
            d.get_f(1, 10)[0]
        );
    }
}

/// Fill rate with the stencil (replace) and depth tests on a D24S8 attachment, to compare with
/// `fill_rate_depth`. `cargo test --release -p pumice-raster fill_rate_stencil -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn fill_rate_stencil() {
    let (w, h) = (1920u32, 1080u32);
    let img = Image::new(w, h, Format::R8G8B8A8_UNORM);
    let ds = Image::new(w, h, Format::D24_UNORM_S8_UINT);
    let mut state = RasterState::new(w, h, 4);
    state.depth = DepthState {
        test_enable: true,
        write_enable: true,
        compare_op: CompareOp::LessOrEqual,
    };
    state.stencil.test_enable = true;
    state.stencil.front.pass_op = StencilOp::IncrementAndWrap;
    state.stencil.back = state.stencil.front;
    let mut verts = Vec::new();
    for (x, y) in [(0.0, 0.0), (1920.0, 0.0), (0.0, 1080.0), (1920.0, 1080.0)] {
        verts.extend(vtx(&state, x, y, 0.5, 1.0, &[0.2, 0.4, 0.6, 1.0]));
    }
    let t = RenderTargets {
        colors: vec![Some(img.attachment())],
        depth: Some(ds.attachment()),
        stencil: Some(ds.attachment()),
        render_area: crate::Rect::new(0, 0, w, h),
    };
    let frames = 10;
    let mut best = f64::MAX;
    for _ in 0..3 {
        ds.fill(Texel::Float([1.0, 0.0, 0.0, 1.0]));
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
        "1080p stencil- and depth-tested quad: {:.2} ms/frame, {:.0} Mpixel/s",
        best * 1e3,
        f64::from(w * h) / best / 1e6
    );
}
