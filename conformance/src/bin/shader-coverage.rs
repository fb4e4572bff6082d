//! Runs every vertex, fragment and compute shader of the Amber corpus through Pumice's shader
//! front end (and compute shaders on to bytecode) and prints the acceptance rate and the most common reasons for refusal.
//!
//! Usage: `cargo run -p pumice-conformance --bin shader-coverage [--list-failures]
//! [--show SUBSTRING] [--dump DIR]`
//!
//! `--list-failures` prints every refused shader with its script and reason; `--show SUBSTRING`
//! prints only those whose reason contains SUBSTRING; `--dump DIR` writes the SPIR-V of each
//! printed shader to `DIR/N.spv` (N counting from 0, in the printed order, which is also shown).

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
    out.chars().take(160).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let show = value_of("--show");
    let dump = value_of("--dump").map(std::path::PathBuf::from);
    let list_failures = show.is_some() || args.iter().any(|a| a == "--list-failures");
    let mut dumped = 0;
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
                    .push((path.clone(), shader.clone(), outcome));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut per_stage: BTreeMap<corpus::Stage, (usize, usize)> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut tool_failures = 0;
    for (path, shader, outcome) in &results {
        let stage = &shader.stage;
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
                if list_failures && show.as_ref().is_none_or(|s| why.contains(s.as_str())) {
                    match &dump {
                        Some(dir) => {
                            let file = dir.join(format!("{dumped}.spv"));
                            dumped += 1;
                            if let Ok(words) = compile::compile(shader) {
                                let bytes: Vec<u8> =
                                    words.iter().flat_map(|w| w.to_le_bytes()).collect();
                                let _ = std::fs::create_dir_all(dir);
                                let _ = std::fs::write(&file, bytes);
                            }
                            println!("FAIL {path} {stage:?} [{}]: {why}", file.display());
                        }
                        None => println!("FAIL {path} {stage:?}: {why}"),
                    }
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
    top.sort_by_key(|e| std::cmp::Reverse(e.1));
    println!("Top reasons for refusal:");
    for (why, n) in top.iter().take(60) {
        println!("  {n:5}  {why}");
    }
}
