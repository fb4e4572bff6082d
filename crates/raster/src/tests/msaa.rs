//! Multisampling: per-sample coverage at the standard locations, per-sample depth, the sample
//! mask, alpha-to-coverage, sample shading and resolves, checked sample by sample.

use super::{targets, triangle_list, vtx, Image};
use crate::transfer::{resolve_image, ImageCopy, ImageRef, SubresourceLayers};
use crate::{CompareOp, DepthState, Pass, RasterState, VaryingsAsColor, SAMPLE_LOCATIONS_4};
use pumice_texel::{Aspect, Format, Texel};

const RED: [f32; 4] = [1.0, 0.0, 0.0, 1.0];

fn ms_state(w: u32, h: u32, varyings: usize) -> RasterState {
    let mut s = RasterState::new(w, h, varyings);
    s.multisample.samples = 4;
    s
}

/// Draws triangles given in framebuffer coordinates (with depth and 4 colour varyings).
fn draw_tris(
    t: &crate::RenderTargets,
    state: &RasterState,
    tris: &[[(f32, f32, f32); 3]],
    color: [f32; 4],
) {
    let v: Vec<f32> = tris
        .iter()
        .flatten()
        .flat_map(|&(x, y, z)| vtx(state, x, y, z, 1.0, &color))
        .collect();
    let shader = VaryingsAsColor::default();
    let mut pass = Pass::new(t).unwrap();
    pass.draw(state, &triangle_list(&v), &shader).unwrap();
    pass.flush();
}

fn red(t: Texel) -> f32 {
    match t {
        Texel::Float(v) => v[0],
        t => panic!("{t:?}"),
    }
}

/// Which samples of each pixel hold red.
fn red_samples(img: &Image, x: u32, y: u32) -> u8 {
    (0..4)
        .filter(|&s| red(img.get_sample(x, y, s)) > 0.5)
        .fold(0, |m, s| m | 1 << s)
}

#[test]
fn vertical_edge_covers_the_samples_left_of_it() {
    let img = Image::with_samples(4, 2, Format::R8G8B8A8_UNORM, 4);
    let state = ms_state(4, 2, 4);
    // The rectangle x < 2.5: column 2's samples at x = 2.375 (0) and 2.125 (2) are inside,
    // those at 2.875 (1) and 2.625 (3) are not.
    let r = [
        [(0.0, 0.0, 0.0), (2.5, 0.0, 0.0), (0.0, 2.0, 0.0)],
        [(2.5, 0.0, 0.0), (2.5, 2.0, 0.0), (0.0, 2.0, 0.0)],
    ];
    draw_tris(&targets(&[&img], None), &state, &r, RED);
    for y in 0..2 {
        assert_eq!(red_samples(&img, 0, y), 0b1111);
        assert_eq!(red_samples(&img, 1, y), 0b1111);
        assert_eq!(red_samples(&img, 2, y), 0b0101);
        assert_eq!(red_samples(&img, 3, y), 0b0000);
    }
}

#[test]
fn diagonal_edge_coverage_follows_the_standard_locations() {
    let img = Image::with_samples(8, 8, Format::R8G8B8A8_UNORM, 4);
    let state = ms_state(8, 8, 4);
    // Inside: x + y < 7.3 (no sample lies on the edge).
    let t = [[(0.0, 0.0, 0.0), (7.3, 0.0, 0.0), (0.0, 7.3, 0.0)]];
    draw_tris(&targets(&[&img], None), &state, &t, RED);
    let mut partial = 0;
    for y in 0..8 {
        for x in 0..8 {
            let want = (0..4).fold(0u8, |m, s| {
                let [sx, sy] = SAMPLE_LOCATIONS_4[s];
                if x as f32 + sx + y as f32 + sy < 7.3 {
                    m | 1 << s
                } else {
                    m
                }
            });
            assert_eq!(red_samples(&img, x, y), want, "pixel ({x}, {y})");
            partial += u32::from(want != 0 && want != 0b1111);
        }
    }
    assert!(partial >= 6, "the edge crosses pixels partially: {partial}");
}

#[test]
fn depth_is_interpolated_at_each_sample() {
    let img = Image::with_samples(8, 2, Format::R8G8B8A8_UNORM, 4);
    let depth = Image::with_samples(8, 2, Format::D32_SFLOAT, 4);
    let mut state = ms_state(8, 2, 4);
    state.depth = DepthState {
        test_enable: true,
        write_enable: true,
        compare_op: CompareOp::Always,
    };
    // z = x / 8 across the target.
    let r = [
        [(0.0, 0.0, 0.0), (8.0, 0.0, 1.0), (0.0, 2.0, 0.0)],
        [(8.0, 0.0, 1.0), (8.0, 2.0, 1.0), (0.0, 2.0, 0.0)],
    ];
    draw_tris(&targets(&[&img], Some(&depth)), &state, &r, RED);
    for x in 0..8 {
        for s in 0..4 {
            let z = red(depth.get_sample(x, 1, s));
            let want = (x as f32 + SAMPLE_LOCATIONS_4[s as usize][0]) / 8.0;
            assert!((z - want).abs() < 1e-5, "({x}, {s}): {z} vs {want}");
        }
    }
    // A second draw at constant depth 0.5 with LESS passes exactly the samples left of 4.0.
    state.depth.compare_op = CompareOp::Less;
    let flat = [
        [(0.0, 0.0, 0.5), (8.0, 0.0, 0.5), (0.0, 2.0, 0.5)],
        [(8.0, 0.0, 0.5), (8.0, 2.0, 0.5), (0.0, 2.0, 0.5)],
    ];
    let green = [0.0, 1.0, 0.0, 1.0];
    draw_tris(&targets(&[&img], Some(&depth)), &state, &flat, green);
    for x in 0..8 {
        for s in 0..4 {
            let sx = x as f32 + SAMPLE_LOCATIONS_4[s as usize][0];
            let is_green = match img.get_sample(x, 0, s) {
                Texel::Float(v) => v[1] > 0.5,
                _ => unreachable!(),
            };
            assert_eq!(is_green, sx / 8.0 > 0.5, "({x}, {s})");
        }
    }
}

fn full(w: f32, h: f32) -> [[(f32, f32, f32); 3]; 2] {
    [
        [(0.0, 0.0, 0.0), (w, 0.0, 0.0), (0.0, h, 0.0)],
        [(w, 0.0, 0.0), (w, h, 0.0), (0.0, h, 0.0)],
    ]
}

#[test]
fn sample_mask_keeps_its_samples() {
    let img = Image::with_samples(4, 4, Format::R8G8B8A8_UNORM, 4);
    let mut state = ms_state(4, 4, 4);
    state.multisample.sample_mask = 0b0110;
    draw_tris(&targets(&[&img], None), &state, &full(4.0, 4.0), RED);
    for y in 0..4 {
        for x in 0..4 {
            assert_eq!(red_samples(&img, x, y), 0b0110);
        }
    }
    // One sample: a mask without bit 0 draws nothing.
    let single = Image::new(4, 4, Format::R8G8B8A8_UNORM);
    let mut state = RasterState::new(4, 4, 4);
    state.multisample.sample_mask = 0b1110;
    draw_tris(&targets(&[&single], None), &state, &full(4.0, 4.0), RED);
    assert_eq!(red(single.get(1, 1)), 0.0);
}

#[test]
fn alpha_to_coverage_and_alpha_to_one() {
    let img = Image::with_samples(4, 4, Format::R8G8B8A8_UNORM, 4);
    let mut state = ms_state(4, 4, 4);
    state.multisample.alpha_to_coverage = true;
    draw_tris(
        &targets(&[&img], None),
        &state,
        &full(4.0, 4.0),
        [1.0, 0.0, 0.0, 0.5],
    );
    // Half coverage: samples 0 and 3; the alpha written stays 0.5.
    assert_eq!(red_samples(&img, 2, 2), 0b1001);
    match img.get_sample(2, 2, 0) {
        Texel::Float(v) => assert!((v[3] - 0.5).abs() < 0.01),
        t => panic!("{t:?}"),
    }
    state.multisample.alpha_to_coverage = false;
    state.multisample.alpha_to_one = true;
    draw_tris(
        &targets(&[&img], None),
        &state,
        &full(4.0, 4.0),
        [0.0, 0.0, 1.0, 0.25],
    );
    for s in 0..4 {
        assert_eq!(img.get_sample(1, 1, s), Texel::Float([0.0, 0.0, 1.0, 1.0]));
    }
}

#[test]
fn sample_shading_interpolates_at_each_sample() {
    let img = Image::with_samples(8, 2, Format::R32G32B32A32_SFLOAT, 4);
    // Red = x / 8, varying across the target.
    let v = |x: f32, y: f32| (x, y, 0.0);
    let quad = [
        [v(0.0, 0.0), v(8.0, 0.0), v(0.0, 2.0)],
        [v(8.0, 0.0), v(8.0, 2.0), v(0.0, 2.0)],
    ];
    for per_sample in [false, true] {
        let mut state = ms_state(8, 2, 4);
        state.multisample.per_sample_shading = per_sample;
        let verts: Vec<f32> = quad
            .iter()
            .flatten()
            .flat_map(|&(x, y, z)| vtx(&state, x, y, z, 1.0, &[x / 8.0, 0.0, 0.0, 1.0]))
            .collect();
        let t = targets(&[&img], None);
        let shader = VaryingsAsColor::default();
        let mut pass = Pass::new(&t).unwrap();
        pass.draw(&state, &triangle_list(&verts), &shader).unwrap();
        pass.flush();
        for x in 0..8 {
            for s in 0..4 {
                let at = if per_sample {
                    SAMPLE_LOCATIONS_4[s as usize][0]
                } else {
                    0.5
                };
                let want = (x as f32 + at) / 8.0;
                let got = red(img.get_sample(x, 1, s));
                assert!((got - want).abs() < 1e-5, "{per_sample} ({x}, {s}): {got}");
            }
        }
    }
}

fn layers() -> SubresourceLayers {
    SubresourceLayers {
        aspect: Aspect::Color,
        mip_level: 0,
        base_array_layer: 0,
        layer_count: 1,
    }
}

#[test]
fn resolve_averages_the_samples() {
    let img = Image::with_samples(4, 2, Format::R8G8B8A8_UNORM, 4);
    let state = ms_state(4, 2, 4);
    let r = [
        [(0.0, 0.0, 0.0), (2.5, 0.0, 0.0), (0.0, 2.0, 0.0)],
        [(2.5, 0.0, 0.0), (2.5, 2.0, 0.0), (0.0, 2.0, 0.0)],
    ];
    draw_tris(&targets(&[&img], None), &state, &r, RED);
    let dst = Image::new(4, 2, Format::R8G8B8A8_UNORM);
    let region = ImageCopy {
        src: layers(),
        src_offset: [0, 0, 0],
        dst: layers(),
        dst_offset: [0, 0, 0],
        extent: [4, 2, 1],
    };
    resolve_image(as_ref(&img), as_ref(&dst), &[region]).unwrap();
    // Two of four samples red (alpha too): (255 + 255 + 0 + 0 + 2) / 4 = 128.
    assert_eq!(dst.raw(0, 0), [255, 0, 0, 255]);
    assert_eq!(dst.raw(2, 1), [128, 0, 0, 128]);
    assert_eq!(dst.raw(3, 0), [0, 0, 0, 0]);
    // A float format averages in f32; single-sample sources are refused.
    let f = Image::with_samples(2, 1, Format::R32_SFLOAT, 4);
    for (s, v) in [0.0f32, 1.0, 0.5, 0.25].iter().enumerate() {
        f.mem.write(s as u64 * 4, &v.to_le_bytes()).unwrap();
    }
    let fd = Image::new(2, 1, Format::R32_SFLOAT);
    let region = ImageCopy {
        extent: [2, 1, 1],
        ..region
    };
    resolve_image(as_ref(&f), as_ref(&fd), &[region]).unwrap();
    assert_eq!(red(fd.get(0, 0)), 0.4375);
    assert!(resolve_image(as_ref(&fd), as_ref(&fd), &[region]).is_err());
}

fn as_ref(i: &Image) -> ImageRef<'_> {
    ImageRef {
        memory: &i.mem,
        offset: 0,
        layout: &i.layout,
    }
}
