//! Golden images: each scene of `golden/scenes.rs` (topologies, culling, clipping, the fill rule,
//! depth and stencil, blend factors and ops, interpolation qualifiers, polygon modes) is drawn
//! on Pumice and compared with `tests/golden/<scene>.png`, which lavapipe drew.
//!
//! **Regenerating.** `tools/regenerate-golden.sh` runs this test with
//! `PUMICE_GOLDEN_REGENERATE=1`: the scenes are then drawn on lavapipe (through the Khronos
//! loader, which sees both drivers) and the PNGs rewritten. The normal run needs only Pumice (ash
//! pointed straight at its `vk_icdGetInstanceProcAddr`) and the committed PNGs.
//! `PUMICE_GOLDEN_SCENE=<name>` limits either mode to one scene.
//!
//! **Tolerance.** Each component may differ by [`render::CHANNEL`] = 2/255: lavapipe and Pumice
//! compute interpolated colours and blends in float with different operation orders, and the
//! conversion to 8 bits can round to the neighbouring value; 2 rather than 1 because a blend
//! reads a destination that was itself rounded. Coverage is exact: every scene puts its edges
//! and depths where the specification fixes the answer (the top-left rule, pixel centres off
//! point edges, depth intersections away from pixel centres), so no pixel may differ beyond the
//! channel tolerance — except in scenes of lines (line lists and strips, polygon mode `LINE`):
//! lavapipe draws strict lines (rectangles one pixel wide) and Pumice non-strict ones (one pixel
//! per major-axis step), both allowed by the specification, so those scenes allow a stated number
//! of pixels (about 1.25 times the measured count) and say why. The `fill_rule` scene also checks
//! an invariant on both drivers' images: every pixel is covered once or not at all.
//!
//! **On failure** the test writes `<target>/golden-diff/<scene>-{actual,expected,diff}.png`
//! (in the diff, differing pixels are red on a dimmed copy of the reference) and fails naming
//! each failing scene and its count of differing pixels.
//!
//! The thread-count test draws `overlap_order` in child processes with `PUMICE_THREADS` 1 and 3
//! (the pool size is read once per process) and requires the bytes to equal the in-process
//! image: tiles keep submission order whatever the number of workers.

mod common;
#[path = "../benches/common/mod.rs"]
mod gpus;
#[path = "golden/render.rs"]
mod render;
#[path = "golden/scenes.rs"]
mod scenes;

use std::path::{Path, PathBuf};

use render::{Dev, Scene};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// `<target>/golden-diff`: the test executable is `<target>/<profile>/deps/golden-…`.
fn diff_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().join("golden-diff")
}

fn write_png(path: &Path, width: u32, height: u32, rgba: &[u8]) {
    let file =
        std::fs::File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(rgba).unwrap();
}

/// `(width, height, RGBA8)` of a PNG, or `None` when it does not exist.
fn read_png(path: &Path) -> Option<(u32, u32, Vec<u8>)> {
    let bytes = std::fs::read(path).ok()?;
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (info.color_type, info.bit_depth),
        (png::ColorType::Rgba, png::BitDepth::Eight),
        "{}: RGBA8 expected",
        path.display()
    );
    buf.truncate(info.buffer_size());
    Some((info.width, info.height, buf))
}

fn selected() -> Vec<Scene> {
    let only = std::env::var("PUMICE_GOLDEN_SCENE").ok();
    let scenes: Vec<Scene> = scenes::all()
        .into_iter()
        .filter(|s| only.as_deref().is_none_or(|o| o == s.name))
        .collect();
    assert!(!scenes.is_empty(), "no scene named {only:?}");
    scenes
}

/// Compares `actual` with the scene's reference; on a difference writes the diff images and
/// returns the failure's description.
fn check(scene: &Scene, actual: &[u8]) -> Result<(), String> {
    let (w, h) = (scene.width, scene.height);
    let path = golden_dir().join(format!("{}.png", scene.name));
    let dump = |expected: Option<&[u8]>| {
        let dir = diff_dir();
        std::fs::create_dir_all(&dir).unwrap();
        write_png(
            &dir.join(format!("{}-actual.png", scene.name)),
            w,
            h,
            actual,
        );
        let Some(expected) = expected else { return };
        write_png(
            &dir.join(format!("{}-expected.png", scene.name)),
            w,
            h,
            expected,
        );
        let diff: Vec<u8> = actual
            .chunks(4)
            .zip(expected.chunks(4))
            .flat_map(|(a, e)| {
                let d = a.iter().zip(e).map(|(a, e)| a.abs_diff(*e)).max().unwrap();
                if d > scene.tolerance.channel {
                    [255, 0, 0, 255]
                } else {
                    [e[0] / 4, e[1] / 4, e[2] / 4, 255]
                }
            })
            .collect();
        write_png(&dir.join(format!("{}-diff.png", scene.name)), w, h, &diff);
    };
    let Some((ew, eh, expected)) = read_png(&path) else {
        dump(None);
        return Err(format!(
            "{}: no reference {} (run tools/regenerate-golden.sh)",
            scene.name,
            path.display()
        ));
    };
    if (ew, eh) != (w, h) {
        dump(None);
        return Err(format!(
            "{}: the reference is {ew}×{eh}, the scene {w}×{h} (regenerate it)",
            scene.name
        ));
    }
    let mut differing = 0;
    let mut first = None;
    for (i, (a, e)) in actual.chunks(4).zip(expected.chunks(4)).enumerate() {
        let d = a.iter().zip(e).map(|(a, e)| a.abs_diff(*e)).max().unwrap();
        if d > scene.tolerance.channel {
            differing += 1;
            first.get_or_insert((i as u32 % w, i as u32 / w, a.to_vec(), e.to_vec()));
        }
    }
    if differing > 0 {
        println!(
            "{}: {differing} pixels differ (allowed: {}: {})",
            scene.name, scene.tolerance.pixels, scene.tolerance.why
        );
    }
    if differing > scene.tolerance.pixels {
        dump(Some(&expected));
        let (x, y, a, e) = first.unwrap();
        return Err(format!(
            "{}: {differing} pixels differ by more than {}/255 (allowed: {}); first at ({x}, {y}): \
             actual {a:?}, expected {e:?}; see {}",
            scene.name,
            scene.tolerance.channel,
            scene.tolerance.pixels,
            diff_dir().display()
        ));
    }
    scene.check_invariant(actual)
}

#[test]
fn golden_images() {
    if std::env::var_os("PUMICE_GOLDEN_REGENERATE").is_some() {
        let dev = Dev::open(gpus::loader(), "llvmpipe");
        for scene in selected() {
            let path = golden_dir().join(format!("{}.png", scene.name));
            let rgba = dev.render(&scene);
            scene.check_invariant(&rgba).unwrap();
            write_png(&path, scene.width, scene.height, &rgba);
            println!("{} ← {}", path.display(), dev.name);
        }
        return;
    }
    let dev = Dev::open(common::entry(), "Pumice");
    let failures: Vec<String> = selected()
        .iter()
        .filter_map(|scene| check(scene, &dev.render(scene)).err())
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_image_is_the_same_for_any_thread_count() {
    let scene = scenes::overlap_order();
    let render = || Dev::open(common::entry(), "Pumice").render(&scene);
    if let Some(out) = std::env::var_os("PUMICE_GOLDEN_DUMP") {
        std::fs::write(out, render()).unwrap();
        return;
    }
    let here = render();
    for threads in ["1", "3"] {
        let out = std::env::temp_dir().join(format!(
            "pumice-golden-{}-{threads}.rgba",
            std::process::id()
        ));
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "the_image_is_the_same_for_any_thread_count",
                "--quiet",
            ])
            .env("PUMICE_THREADS", threads)
            .env("PUMICE_GOLDEN_DUMP", &out)
            .status()
            .unwrap();
        assert!(status.success(), "the child with {threads} threads failed");
        let there = std::fs::read(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        let differing = here
            .chunks(4)
            .zip(there.chunks(4))
            .filter(|(a, b)| a != b)
            .count();
        assert!(
            here == there,
            "{threads} thread(s): {differing} pixels differ from the default pool's image"
        );
    }
}
