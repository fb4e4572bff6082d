//! Runs every vertex, fragment and compute shader of the Amber corpus through Pumice's shader
//! front end (and compute shaders on to bytecode) and prints the acceptance rate and the most common reasons for refusal.
//!
//! Usage: `cargo run -p pumice-conformance --bin shader-coverage [--list-failures]`

use std::collections::BTreeMap;
use std::sync::Mutex;

use pumice_conformance::{compile, corpus};

fn normalise(reason: &str) -> String {
    // Group messages that differ only in numbers or identifiers in brackets.
    let mut out = String::new();
    let mut last_digit = false;
    for c in reason.chars() {
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('N');
            }
            last_digit = true;
        } else {
            out.push(c);
            last_digit = false;
        }
    }
    out.chars().take(110).collect()
}

fn main() {
    let list_failures = std::env::args().any(|a| a == "--list-failures");
    let dir = corpus::corpus_dir();
    let scripts = corpus::scripts(&dir);
    if scripts.is_empty() {
        eprintln!("no Amber scripts under {}", dir.display());
        std::process::exit(2);
    }
    let mut jobs = Vec::new();
    for path in &scripts {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for shader in corpus::shaders(&text) {
            if shader.stage != corpus::Stage::Other {
                jobs.push((
                    path.strip_prefix(&dir)
                        .unwrap_or(path)
                        .display()
                        .to_string(),
                    shader,
                ));
            }
        }
    }
    let results = Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((path, shader)) = jobs.get(i) else {
                    break;
                };
                let outcome = match compile::compile(shader) {
                    Err(e) => Err(("tool".to_string(), e)),
                    Ok(words) => match pumice_shader::parse(&words) {
                        Err(e) => Err(("pumice".to_string(), e.to_string())),
                        // Compute shaders are also compiled to bytecode: what the interpreter
                        // refuses counts as refused.
                        Ok(_) if shader.stage == corpus::Stage::Compute => {
                            pumice_shader::compute::ComputeProgram::new(&words, "main", &[])
                                .map(|_| ())
                                .map_err(|e| ("pumice".to_string(), format!("compile: {e}")))
                        }
                        Ok(_) => Ok(()),
                    },
                };
                results
                    .lock()
                    .unwrap()
                    .push((path.clone(), shader.stage, outcome));
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut per_stage: BTreeMap<corpus::Stage, (usize, usize)> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut tool_failures = 0;
    for (path, stage, outcome) in &results {
        match outcome {
            Err((kind, _)) if kind == "tool" => tool_failures += 1,
            Ok(()) => {
                let e = per_stage.entry(*stage).or_default();
                e.0 += 1;
                e.1 += 1;
            }
            Err((_, why)) => {
                per_stage.entry(*stage).or_default().1 += 1;
                *reasons.entry(normalise(why)).or_default() += 1;
                if list_failures {
                    println!("FAIL {path} {stage:?}: {why}");
                }
            }
        }
    }
    let (mut ok, mut all) = (0, 0);
    println!(
        "Shader coverage over {} scripts in {}",
        scripts.len(),
        dir.display()
    );
    for (stage, (a, n)) in &per_stage {
        ok += a;
        all += n;
        println!(
            "  {stage:?}: {a}/{n} accepted ({:.1}%)",
            100.0 * *a as f64 / (*n).max(1) as f64
        );
    }
    println!("  total: {ok}/{all} accepted ({:.1}%); {tool_failures} shaders the tools could not compile", 100.0 * ok as f64 / all.max(1) as f64);
    let mut top: Vec<_> = reasons.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1));
    println!("Top reasons for refusal:");
    for (why, n) in top.iter().take(20) {
        println!("  {n:5}  {why}");
    }
}
