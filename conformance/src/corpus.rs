//! Finding the scripts of the corpus and the shaders in them.

use std::path::{Path, PathBuf};

/// Where the corpus lives, relative to the workspace: `../shared/conformance/amber`, or
/// `PUMICE_AMBER_DIR`.
pub fn corpus_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PUMICE_AMBER_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/amber")
}

/// Every `.amber` file below `dir`, sorted.
pub fn scripts(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "amber") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    Vertex,
    Fragment,
    Compute,
    /// Geometry, tessellation and ray-tracing stages: naga's IR has no such stages.
    Other,
}

impl Stage {
    fn from_amber(word: &str) -> Stage {
        match word {
            "vertex" => Stage::Vertex,
            "fragment" => Stage::Fragment,
            "compute" => Stage::Compute,
            _ => Stage::Other,
        }
    }

    pub fn glslang_name(self) -> &'static str {
        match self {
            Stage::Vertex => "vert",
            Stage::Fragment => "frag",
            Stage::Compute => "comp",
            Stage::Other => "",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    Glsl,
    SpirvAsm,
}

/// One shader of a script.
#[derive(Clone, Debug)]
pub struct Shader {
    pub stage: Stage,
    pub language: Language,
    /// Amber's `TARGET_ENV` (e.g. `spv1.3`, `vulkan1.1`), if given.
    pub target_env: Option<String>,
    pub source: String,
}

/// The shaders of a script, in either format. Passthrough shaders (supplied by Amber itself)
/// are not listed.
pub fn shaders(text: &str) -> Vec<Shader> {
    if text.lines().any(|l| l.trim_start().starts_with("#!amber"))
        || text.contains("\nSHADER ")
        || text.starts_with("SHADER ")
    {
        amberscript_shaders(text)
    } else {
        vkscript_shaders(text)
    }
}

fn amberscript_shaders(text: &str) -> Vec<Shader> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() != Some(&"SHADER") || words.len() < 4 {
            continue;
        }
        let language = match words[3] {
            "GLSL" => Some(Language::Glsl),
            "SPIRV-ASM" => Some(Language::SpirvAsm),
            _ => None,
        };
        let target_env = words
            .iter()
            .position(|w| *w == "TARGET_ENV")
            .and_then(|i| words.get(i + 1))
            .map(|s| s.to_string());
        if words[3] == "PASSTHROUGH" {
            continue;
        }
        let mut source = String::new();
        for l in lines.by_ref() {
            if l.trim() == "END" {
                break;
            }
            source.push_str(l);
            source.push('\n');
        }
        if let Some(language) = language {
            out.push(Shader {
                stage: Stage::from_amber(words[1]),
                language,
                target_env,
                source,
            });
        }
    }
    out
}

fn vkscript_shaders(text: &str) -> Vec<Shader> {
    let mut out = Vec::new();
    let mut current: Option<(Stage, Language)> = None;
    let mut source = String::new();
    let mut flush = |current: &mut Option<(Stage, Language)>, source: &mut String| {
        if let Some((stage, language)) = current.take() {
            out.push(Shader {
                stage,
                language,
                target_env: None,
                source: std::mem::take(source),
            });
        }
        source.clear();
    };
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') && t.ends_with(']') {
            flush(&mut current, &mut source);
            let header = &t[1..t.len() - 1];
            let words: Vec<&str> = header.split_whitespace().collect();
            if words.len() >= 2 && words[1] == "shader" {
                if words.get(2) == Some(&"passthrough") {
                    continue;
                }
                let stage = match words[0] {
                    "vertex" => Stage::Vertex,
                    "fragment" => Stage::Fragment,
                    "compute" => Stage::Compute,
                    _ => Stage::Other,
                };
                let language = if words.get(2) == Some(&"spirv") {
                    Language::SpirvAsm
                } else {
                    Language::Glsl
                };
                current = Some((stage, language));
            }
            continue;
        }
        if current.is_some() {
            source.push_str(line);
            source.push('\n');
        }
    }
    flush(&mut current, &mut source);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_formats() {
        let amber = "#!amber\nSHADER vertex v PASSTHROUGH\nSHADER compute c GLSL TARGET_ENV spv1.3\n#version 430\nvoid main(){}\nEND\n";
        let s = shaders(amber);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].stage, Stage::Compute);
        assert_eq!(s[0].target_env.as_deref(), Some("spv1.3"));
        assert!(s[0].source.contains("void main"));
        let vk =
            "[require]\nfoo\n[compute shader spirv]\nOpCapability Shader\n[test]\ncompute 1 1 1\n";
        let s = shaders(vk);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].language, Language::SpirvAsm);
        assert_eq!(s[0].source.trim(), "OpCapability Shader");
    }
}
