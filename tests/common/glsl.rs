//! GLSL to SPIR-V through glslangValidator (Debian `glslang-tools`), shared by the API tests
//! and the benchmarks so there is one way to build a test shader.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Compiles `source` as a shader of `stage` (`vert`, `frag`, `comp`: glslang picks the stage
/// from the file extension) to SPIR-V words. Panics when glslang is missing or refuses the
/// source: every caller needs the shader.
pub fn glsl(stage: &str, source: &str) -> Vec<u32> {
    glsl_with(stage, source, &[])
}

/// [`glsl`] with more glslangValidator arguments (`--target-env vulkan1.1` for subgroups).
pub fn glsl_with(stage: &str, source: &str, args: &[&str]) -> Vec<u32> {
    let dir = std::env::temp_dir().join(format!("pumice-glsl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A fresh name per call: tests run on several threads and may compile at the same time.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let src = dir.join(format!("s{n}.{stage}"));
    let out = dir.join(format!("s{n}.{stage}.spv"));
    std::fs::write(&src, source).unwrap();
    let o = std::process::Command::new("glslangValidator")
        .arg("-V")
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output()
        .expect("glslangValidator (glslang-tools) is needed");
    assert!(
        o.status.success(),
        "glslangValidator failed: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let bytes = std::fs::read(&out).unwrap();
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
