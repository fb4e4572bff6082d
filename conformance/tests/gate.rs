//! The conformance gate: every script listed in `conformance/expected-pass.txt` must still pass
//! on Pumice. Runs the Amber runner (one process per script) on the freshly built driver.
//! A script that newly passes is reported by a full run (`cargo run --release -p
//! pumice-conformance --bin amber`), so the list can grow.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/<profile>/` of this test executable (`target/<profile>/deps/gate-…`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// The driver library: the one this `cargo test` built into `deps/` (a plain `cargo build`
/// copies it up to the profile folder, where an older copy may linger), else built now.
fn library() -> PathBuf {
    let dir = profile_dir();
    let fresh = dir.join("deps").join("libvk_pumice.so");
    if fresh.is_file() {
        return fresh;
    }
    let lib = dir.join("libvk_pumice.so");
    if !lib.is_file() {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "--lib", "-p", "pumice"]);
        if dir.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("run cargo build");
        assert!(status.success(), "building the driver failed");
    }
    assert!(lib.is_file(), "{} is missing", lib.display());
    lib
}

#[test]
fn listed_scripts_still_pass() {
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("expected-pass.txt");
    let corpus = pumice_conformance::corpus::corpus_dir();
    if !corpus.is_dir() {
        panic!(
            "the Amber corpus is missing at {} (../shared/conformance/amber)",
            corpus.display()
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_amber"))
        .args([
            "--driver",
            "pumice",
            "--jobs",
            "2",
            "--timeout",
            "120",
            "--gate",
            "--list",
        ])
        .arg(&list)
        .env("PUMICE_LIBRARY", library())
        .output()
        .expect("run the amber runner");
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    assert!(
        out.status.success(),
        "the conformance gate failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
