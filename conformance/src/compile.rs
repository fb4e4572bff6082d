//! GLSL and SPIR-V assembly to SPIR-V, through Debian's `glslangValidator` and `spirv-as`,
//! cached by a hash of (tool, stage, target environment, source).

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::corpus::{Language, Shader};

fn cache_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("amber-shader-cache")
}

/// glslang's `--target-env` for Amber's `TARGET_ENV`.
fn glslang_env(env: Option<&str>) -> Vec<String> {
    match env {
        None => vec!["--target-env".into(), "vulkan1.0".into()],
        Some(e) if e.starts_with("vulkan") && e.contains("spv") => {
            let (vk, spv) = e.split_at(e.find("spv").unwrap_or(e.len()));
            vec![
                "--target-env".into(),
                vk.into(),
                "--target-env".into(),
                spv.replace("spv", "spirv"),
            ]
        }
        Some(e) if e.starts_with("spv") => vec!["--target-env".into(), e.replace("spv", "spirv")],
        Some(e) => vec!["--target-env".into(), e.into()],
    }
}

/// Compiles a shader to SPIR-V words.
pub fn compile(shader: &Shader) -> Result<Vec<u32>, String> {
    compile_source(
        shader.language,
        shader.stage.glslang_name(),
        shader.target_env.as_deref(),
        &shader.source,
    )
}

/// Compiles source to SPIR-V words; `stage` is glslang's stage suffix (`vert`, `tesc`, `comp`, …).
pub fn compile_source(
    language: Language,
    stage: &str,
    target_env: Option<&str>,
    source: &str,
) -> Result<Vec<u32>, String> {
    let shader = Shader {
        stage: crate::corpus::Stage::Other,
        language,
        target_env: target_env.map(String::from),
        source: source.to_string(),
    };
    let mut h = std::hash::DefaultHasher::new();
    (
        shader.language == Language::Glsl,
        stage,
        &shader.target_env,
        &shader.source,
    )
        .hash(&mut h);
    let key = format!("{:016x}", h.finish());
    let dir = cache_dir();
    let cached = dir.join(format!("{key}.spv"));
    if let Ok(bytes) = std::fs::read(&cached) {
        return pumice_shader::front::words(&bytes).map_err(|e| e.to_string());
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let tmp = std::env::temp_dir().join(format!("pumice-amber-{key}-{}", std::process::id()));
    let out = tmp.with_extension("spv");
    let result = match shader.language {
        Language::Glsl => {
            let src = tmp.with_extension(stage);
            std::fs::write(&src, &shader.source).map_err(|e| e.to_string())?;
            let mut cmd = Command::new("glslangValidator");
            cmd.arg("-V")
                .args(glslang_env(shader.target_env.as_deref()))
                .arg("-o")
                .arg(&out)
                .arg(&src);
            let r = run(cmd, None);
            let _ = std::fs::remove_file(&src);
            r
        }
        Language::SpirvAsm => {
            let env = shader.target_env.clone().unwrap_or_else(|| "spv1.0".into());
            let mut cmd = Command::new("spirv-as");
            cmd.args(["--preserve-numeric-ids", "--target-env", &env, "-o"])
                .arg(&out)
                .arg("-");
            match run(cmd, Some(&shader.source)) {
                Ok(()) => Ok(()),
                // Amber assembles for the script's environment; without one, let spirv-as pick.
                Err(_) if shader.target_env.is_none() => {
                    let mut cmd = Command::new("spirv-as");
                    cmd.args(["--preserve-numeric-ids", "-o"])
                        .arg(&out)
                        .arg("-");
                    run(cmd, Some(&shader.source))
                }
                Err(e) => Err(e),
            }
        }
    };
    result?;
    let bytes = std::fs::read(&out).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::write(&cached, &bytes);
    pumice_shader::front::words(&bytes).map_err(|e| e.to_string())
}

fn run(mut cmd: Command, stdin: Option<&str>) -> Result<(), String> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        let mut msg = String::from_utf8_lossy(&output.stdout).into_owned();
        msg.push_str(&String::from_utf8_lossy(&output.stderr));
        Err(msg
            .lines()
            .find(|l| l.contains("ERROR") || l.contains("error"))
            .unwrap_or(msg.trim())
            .to_string())
    }
}
