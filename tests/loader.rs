//! Pumice through the real Khronos loader (`libvulkan.so.1`) and `vulkaninfo`, as any program
//! sees it: by a manifest, by `pumice run`, and installed with `pumice install`.
//!
//! These need the loader and `vulkaninfo` (Debian: libvulkan1, vulkan-tools; see
//! tools/install-deps.sh). CI installs them, so their absence is a failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// `target/<profile>/`: the test executable is `target/<profile>/deps/loader-…`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/")
        .to_path_buf()
}

/// The freshly built driver. Cargo builds the library's cdylib together with the rlib the
/// tests link, into `target/<profile>/deps/` (a plain `cargo build` also copies it up to
/// `target/<profile>/`, where an older copy may linger); if neither is there, build it.
fn library() -> &'static Path {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let dir = profile_dir();
        let fresh = dir.join("deps").join("libvk_pumice.so");
        if fresh.is_file() {
            return fresh;
        }
        let library = dir.join("libvk_pumice.so");
        if !library.is_file() {
            let mut build = Command::new(env!("CARGO"));
            build.args([
                "build",
                "--lib",
                "--manifest-path",
                concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
            ]);
            build
                .arg("--target-dir")
                .arg(dir.parent().expect("target/"));
            if dir.file_name().is_some_and(|n| n == "release") {
                build.arg("--release");
            }
            let status = build.status().expect("run cargo build --lib");
            assert!(status.success(), "cargo build --lib failed");
        }
        assert!(library.is_file(), "{} was not built", library.display());
        library
    })
}

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("pumice-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temporary directory");
        TempDir(path)
    }

    fn join(&self, path: &str) -> PathBuf {
        self.0.join(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Variables that would change which drivers or windows the loader and vulkaninfo see.
const AMBIENT: [&str; 8] = [
    "VK_DRIVER_FILES",
    "VK_ICD_FILENAMES",
    "VK_ADD_DRIVER_FILES",
    "VK_LOADER_DRIVERS_SELECT",
    "VK_LOADER_DRIVERS_DISABLE",
    "PUMICE_LIBRARY",
    "DISPLAY",
    "WAYLAND_DISPLAY",
];

/// A headless command: no display, its own XDG_RUNTIME_DIR, no driver selection from outside.
fn headless(program: &str, runtime: &TempDir) -> Command {
    let mut command = Command::new(program);
    for name in AMBIENT {
        command.env_remove(name);
    }
    command.env("XDG_RUNTIME_DIR", &runtime.0);
    command
}

/// `vulkaninfo --summary`, headless.
fn vulkaninfo(runtime: &TempDir) -> Command {
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("vulkaninfo").is_file())
    });
    assert!(
        found,
        "vulkaninfo is not installed: install vulkan-tools (tools/install-deps.sh)"
    );
    let mut command = headless("vulkaninfo", runtime);
    command.arg("--summary");
    command
}

fn pumice(runtime: &TempDir) -> Command {
    // The freshly built library, not a possibly older copy beside the binary.
    let mut command = headless(env!("CARGO_BIN_EXE_pumice"), runtime);
    command.env("PUMICE_LIBRARY", library());
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(command: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    let run = Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    eprintln!(
        "$ {command:?}\n--- exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    run
}

/// The `deviceName = …` lines of `vulkaninfo --summary`.
fn device_names(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("deviceName"))
        .map(|l| l.trim_start().trim_start_matches('=').trim())
        .collect()
}

/// Checks a `vulkaninfo --summary` run that should show Pumice as its one device.
fn assert_pumice_only(out: &Run) {
    assert_eq!(out.code, Some(0), "vulkaninfo failed");
    assert!(
        !out.stdout.contains("ERROR") && !out.stderr.contains("ERROR"),
        "the loader reported an error"
    );
    assert!(out.stdout.contains("PHYSICAL_DEVICE_TYPE_CPU"));
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("apiVersion") && l.contains("= 1.3.")),
        "apiVersion 1.3"
    );
    let names = device_names(&out.stdout);
    assert_eq!(names.len(), 1, "one device: {names:?}");
    assert!(names[0].starts_with("Pumice"), "{names:?}");
}

fn manifest(library: &Path) -> String {
    format!(
        r#"{{"file_format_version": "1.0.1", "ICD": {{"library_path": "{}", "api_version": "1.3.281"}}}}"#,
        library.display()
    )
}

#[test]
fn vulkaninfo_through_a_manifest() {
    let tmp = TempDir::new("manifest");
    let json = tmp.join("pumice_icd.json");
    std::fs::write(&json, manifest(library())).unwrap();
    let out = run(vulkaninfo(&tmp).env("VK_DRIVER_FILES", &json));
    assert_pumice_only(&out);
}

#[test]
fn pumice_info() {
    let tmp = TempDir::new("info");
    let out = run(pumice(&tmp).arg("info"));
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.contains("Pumice CPU"), "device name");
    assert!(out.stdout.contains("type:            CPU"));
    assert!(out.stdout.contains("API version:     1.3."));
}

#[test]
fn pumice_demo_renders_the_scene() {
    let tmp = TempDir::new("demo");
    let png_path = tmp.join("demo.png");
    let out = run(pumice(&tmp).arg("demo").arg(&png_path));
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("Frame time:"), "{}", out.stdout);
    // Decode the image: the background colour at the top, lit boxes and floor below it.
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0u8; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1280, 720));
    let at = |x: usize, y: usize| &pixels[(y * 1280 + x) * 4..(y * 1280 + x) * 4 + 4];
    // Clear colour (0.08, 0.09, 0.13) in UNORM8.
    assert_eq!(at(10, 10), &[20, 23, 33, 255]);
    let distinct: std::collections::HashSet<&[u8]> = (0..720)
        .step_by(8)
        .flat_map(|y| (0..1280).step_by(8).map(move |x| (x, y)))
        .map(|(x, y)| at(x, y))
        .collect();
    assert!(
        distinct.len() > 100,
        "a lit scene has many colours, got {}",
        distinct.len()
    );
}

#[test]
fn the_demo_image_is_the_same_for_any_thread_count() {
    // Tiles own their pixels and take their primitives in submission order, so the picture may
    // not depend on how many workers rasterize it.
    let tmp = TempDir::new("demo-threads");
    let one = tmp.join("one.png");
    let all = tmp.join("all.png");
    let out = run(pumice(&tmp)
        .env("PUMICE_THREADS", "1")
        .arg("demo")
        .arg(&one));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = run(pumice(&tmp)
        .env("PUMICE_THREADS", "4")
        .arg("demo")
        .arg(&all));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        std::fs::read(&one).unwrap() == std::fs::read(&all).unwrap(),
        "1 and 4 threads rendered different images"
    );
}

#[test]
fn pumice_run_shows_pumice_alone() {
    let tmp = TempDir::new("run");
    // Whatever other drivers are installed system-wide (lavapipe, at least, in CI).
    let out = run(pumice(&tmp).args(["run", "--", "vulkaninfo", "--summary"]));
    assert_pumice_only(&out);
}

#[test]
fn pumice_run_passes_the_exit_code() {
    let tmp = TempDir::new("exit");
    let out = run(pumice(&tmp).args(["run", "--", "sh", "-c", "exit 3"]));
    assert_eq!(out.code, Some(3));
    let out = run(pumice(&tmp).args(["run", "--", "sh", "-c", "echo \"$VK_DRIVER_FILES\""]));
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout.trim().ends_with("pumice_icd.json"),
        "the program sees the manifest"
    );
}

#[test]
fn install_and_uninstall_for_the_user() {
    let tmp = TempDir::new("user");
    let data = tmp.join("data");
    let user = |command: &mut Command| {
        command
            .env("HOME", tmp.join("home"))
            .env("XDG_DATA_HOME", &data);
    };
    let mut install = pumice(&tmp);
    user(install.args(["install", "--user"]));
    let out = run(&mut install);
    assert_eq!(out.code, Some(0));
    let installed = data.join("pumice/libvk_pumice.so");
    let json = data.join("vulkan/icd.d/pumice_icd.json");
    assert!(installed.is_file());
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(
        text.contains(&format!("\"{}\"", installed.display())),
        "{text}"
    );

    // The loader finds it by itself, beside whatever drivers the system has.
    let mut info = vulkaninfo(&tmp);
    user(&mut info);
    let out = run(&mut info);
    assert_eq!(out.code, Some(0));
    assert!(
        device_names(&out.stdout)
            .iter()
            .any(|n| n.starts_with("Pumice")),
        "Pumice listed"
    );

    let mut uninstall = pumice(&tmp);
    user(uninstall.args(["uninstall", "--user"]));
    assert_eq!(run(&mut uninstall).code, Some(0));
    assert!(!installed.exists() && !json.exists());
    assert!(!data.join("pumice").exists());

    // With HOME alone, the user's data directory is ~/.local/share.
    let mut install = pumice(&tmp);
    install
        .args(["install", "--user"])
        .env("HOME", tmp.join("home"))
        .env_remove("XDG_DATA_HOME");
    assert_eq!(run(&mut install).code, Some(0));
    assert!(tmp
        .join("home/.local/share/vulkan/icd.d/pumice_icd.json")
        .is_file());
    assert!(tmp
        .join("home/.local/share/pumice/libvk_pumice.so")
        .is_file());
}

#[test]
fn install_under_a_root() {
    let tmp = TempDir::new("root");
    let root = tmp.join("root");
    let out = run(pumice(&tmp)
        .args(["install"])
        .env("PUMICE_INSTALL_ROOT", &root));
    assert_eq!(out.code, Some(0));
    let installed = root.join("usr/local/lib/pumice/libvk_pumice.so");
    let json = root.join("usr/local/share/vulkan/icd.d/pumice_icd.json");
    assert!(installed.is_file() && json.is_file());

    // The manifest written there is a working one.
    let out = run(vulkaninfo(&tmp).env("VK_DRIVER_FILES", &json));
    assert_pumice_only(&out);

    let out = run(pumice(&tmp)
        .args(["uninstall"])
        .env("PUMICE_INSTALL_ROOT", &root));
    assert_eq!(out.code, Some(0));
    assert!(!installed.exists() && !json.exists());
}
