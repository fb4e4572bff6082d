//! Disassembly snapshots: the bytecode of a few shaders, compared with the text committed under
//! `tests/snapshots/`. `PUMICE_BLESS=1 cargo test -p pumice-shader --test disasm` rewrites them
//! after an intended change to the lowering or the passes.

mod support;

use pumice_shader::compute::ComputeProgram;

fn snapshot(name: &str, source: &str) {
    let words = support::glsl(source);
    let text = ComputeProgram::new(&words, "main", &[])
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .disassemble();
    // Deterministic: a second compile gives the same text.
    let again = ComputeProgram::new(&words, "main", &[])
        .unwrap()
        .disassemble();
    assert_eq!(
        text, again,
        "{name}: the disassembly differs between two compiles"
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("PUMICE_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let Ok(want) = std::fs::read_to_string(&path) else {
        panic!(
            "{name}: no snapshot at {}; run with PUMICE_BLESS=1 to write it:\n{text}",
            path.display()
        );
    };
    if want != text {
        panic!(
            "{name}: the disassembly differs from {} (PUMICE_BLESS=1 rewrites it):\n{}",
            path.display(),
            diff(&want, &text)
        );
    }
}

/// The differing lines, `-` from the snapshot and `+` from now, with their line numbers; the
/// common prefix and suffix are left out.
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let prefix = w.iter().zip(&g).take_while(|(a, b)| a == b).count();
    let suffix = w[prefix..]
        .iter()
        .rev()
        .zip(g[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = String::new();
    for (i, line) in w[prefix..w.len() - suffix].iter().enumerate() {
        out += &format!("{:5} - {line}\n", prefix + i + 1);
    }
    for (i, line) in g[prefix..g.len() - suffix].iter().enumerate() {
        out += &format!("{:5} + {line}\n", prefix + i + 1);
    }
    out
}

#[test]
fn saxpy() {
    snapshot("saxpy", support::SAXPY);
}

#[test]
fn loop_with_break_and_continue() {
    snapshot("loop", support::LOOP);
}

#[test]
fn switch_with_fallthrough() {
    snapshot("switch", support::SWITCH);
}

#[test]
fn shared_memory_reduction() {
    snapshot("reduction", support::REDUCTION);
}

#[test]
fn fused_products() {
    snapshot("products", support::PRODUCTS);
}

#[test]
fn tiled_matmul() {
    snapshot("matmul", support::MATMUL);
}

#[test]
fn diff_shows_the_changed_lines() {
    let d = diff("a\nb\nc\nd\n", "a\nx\nc\nd\n");
    assert_eq!(d, "    2 - b\n    2 + x\n");
}
