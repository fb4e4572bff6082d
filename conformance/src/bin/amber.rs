//! The Amber conformance runner.
//!
//! ```text
//! amber [--driver pumice|lavapipe|PATH.json] [--jobs N] [--timeout SECS] [--out results.tsv]
//!       [PATHS or folder filters…]
//! ```
//!
//! Each script runs in its own worker process (this binary, `--one SCRIPT`), with the Vulkan
//! loader pointed at one driver manifest. Results are written as `path<TAB>status<TAB>reason`;
//! per-folder totals are printed next to lavapipe's recorded results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pumice_conformance::corpus;
use pumice_conformance::runner::{self, Status, Tally, RESULT_PREFIX};
use pumice_conformance::vulkan::{self, Options, Verdict};

fn usage() -> ! {
    eprintln!(
        "usage: amber [--driver pumice|lavapipe|PATH.json] [--jobs N] [--timeout SECS] [--out FILE] [--times FILE] [--list FILE] [--gate] [PATHS or folder filters...]"
    );
    std::process::exit(2)
}

fn one(path: &Path, rel: &str) {
    let v = vulkan::run_file(path, &Options::for_path(rel));
    let (s, reason) = match v {
        Verdict::Pass => ("pass", String::new()),
        Verdict::Fail(r) => ("fail", r),
        Verdict::Skip(r) => ("skip", r),
    };
    let reason: String = reason
        .chars()
        .map(|c| if c == '\t' || c == '\n' { ' ' } else { c })
        .take(300)
        .collect();
    println!("{RESULT_PREFIX}{s}\t{reason}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut driver = "pumice".to_string();
    let mut jobs = 2usize;
    let mut timeout = 20u64;
    let mut out: Option<PathBuf> = None;
    let mut times: Option<PathBuf> = None;
    let mut gate = false;
    let mut filters = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let mut val = || {
            i += 1;
            args.get(i).cloned().unwrap_or_else(|| usage())
        };
        match a.as_str() {
            "--one" => {
                let path = PathBuf::from(val());
                let rel = match args.get(i + 1).map(String::as_str) {
                    Some("--rel") => args.get(i + 2).cloned().unwrap_or_default(),
                    _ => path.display().to_string(),
                };
                one(&path, &rel);
                return;
            }
            "--driver" => driver = val(),
            "--jobs" => jobs = val().parse().unwrap_or_else(|_| usage()),
            "--timeout" => timeout = val().parse().unwrap_or_else(|_| usage()),
            "--out" => out = Some(PathBuf::from(val())),
            "--times" => times = Some(PathBuf::from(val())),
            // Read scripts from a list file (one per line; `#` starts a comment).
            "--list" => {
                let file = val();
                match std::fs::read_to_string(&file) {
                    Ok(text) => filters.extend(
                        text.lines()
                            .map(|l| l.split('#').next().unwrap_or("").trim())
                            .filter(|l| !l.is_empty())
                            .map(|l| l.to_string()),
                    ),
                    Err(e) => {
                        eprintln!("amber: cannot read {file}: {e}");
                        std::process::exit(2);
                    }
                }
            }
            // Exit non-zero unless every script run passes (the CI gate).
            "--gate" => gate = true,
            "-h" | "--help" => usage(),
            f if f.starts_with("--") => usage(),
            f => filters.push(f.to_string()),
        }
        i += 1;
    }
    let corpus_dir = corpus::corpus_dir();
    let corpus_dir = corpus_dir.canonicalize().unwrap_or(corpus_dir);
    let all: Vec<String> = corpus::scripts(&corpus_dir)
        .iter()
        .filter_map(|p| p.strip_prefix(&corpus_dir).ok())
        .map(|p| p.display().to_string())
        .collect();
    let scripts: Vec<String> = if filters.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for f in &filters {
            // A path to a script (absolute or relative to the corpus), or a substring filter.
            let p = Path::new(f);
            let rel = p.canonicalize().ok().and_then(|c| {
                c.strip_prefix(&corpus_dir)
                    .ok()
                    .map(|r| r.display().to_string())
            });
            match rel {
                Some(r) if r.ends_with(".amber") => chosen.push(r),
                Some(r) => chosen.extend(all.iter().filter(|s| s.starts_with(&r)).cloned()),
                None => chosen.extend(all.iter().filter(|s| s.contains(f.as_str())).cloned()),
            }
        }
        chosen.sort();
        chosen.dedup();
        chosen
    };
    let manifest = match runner::driver_manifest(&driver) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("amber: {e}");
            std::process::exit(2);
        }
    };
    let exe = std::env::current_exe().expect("own path");
    eprintln!(
        "amber: {} scripts on {} ({}), {jobs} jobs, {timeout} s timeout",
        scripts.len(),
        driver,
        manifest.display()
    );
    let total = scripts.len();
    let results = runner::run_all(
        &exe,
        &corpus_dir,
        &scripts,
        &manifest,
        jobs,
        Duration::from_secs(timeout),
        &|n, o| {
            if o.status != Status::Pass {
                eprintln!("[{n}/{total}] {} {}: {}", o.status.name(), o.path, o.reason);
            } else if n % 50 == 0 {
                eprintln!("[{n}/{total}]");
            }
        },
    );
    if let Some(out) = &out {
        let text: String = results
            .iter()
            .map(|o| format!("{}\t{}\t{}\n", o.path, o.status.name(), o.reason))
            .collect();
        if let Err(e) = std::fs::write(out, text) {
            eprintln!("amber: cannot write {}: {e}", out.display());
        }
    }
    if let Some(times) = &times {
        let text: String = results
            .iter()
            .map(|o| format!("{}\t{:.2}\n", o.path, o.seconds))
            .collect();
        if let Err(e) = std::fs::write(times, text) {
            eprintln!("amber: cannot write {}: {e}", times.display());
        }
    }
    report(&corpus_dir, &results);
    // Scripts that pass but are not yet in the committed list.
    let listed = Path::new(env!("CARGO_MANIFEST_DIR")).join("expected-pass.txt");
    if let Ok(text) = std::fs::read_to_string(&listed) {
        let known: std::collections::BTreeSet<&str> = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .collect();
        let new: Vec<&str> = results
            .iter()
            .filter(|o| o.status == Status::Pass && !known.contains(o.path.as_str()))
            .map(|o| o.path.as_str())
            .collect();
        if !new.is_empty() {
            println!(
                "{} scripts pass that conformance/expected-pass.txt does not list:",
                new.len()
            );
            for p in new {
                println!("  {p}");
            }
        }
    }
    if gate {
        let failed: Vec<&runner::Outcome> = results
            .iter()
            .filter(|o| o.status != Status::Pass)
            .collect();
        if !failed.is_empty() {
            println!("gate: {} listed scripts no longer pass:", failed.len());
            for o in failed {
                println!("  {} {}: {}", o.status.name(), o.path, o.reason);
            }
            std::process::exit(1);
        }
    }
}

fn report(corpus_dir: &Path, results: &[runner::Outcome]) {
    let reference = runner::reference(corpus_dir);
    let mut ours: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut theirs: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut agree: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut all = Tally::default();
    for o in results {
        let f = runner::folder(&o.path);
        ours.entry(f).or_default().add(o.status);
        all.add(o.status);
        if let Some(&r) = reference.get(&o.path) {
            theirs.entry(f).or_default().add(r);
            let a = agree.entry(f).or_default();
            a.1 += 1;
            if o.status.reference_class() == r {
                a.0 += 1;
            }
        }
    }
    println!(
        "{:<32} {:>5} {:>5} {:>5} {:>5} {:>5} | {:>5} {:>5} {:>5} | {:>7}",
        "folder", "pass", "fail", "skip", "crash", "tmout", "lvp:p", "lvp:f", "lvp:s", "agree"
    );
    let (mut ag, mut n) = (0, 0);
    for (f, t) in &ours {
        let r = theirs.get(f).copied().unwrap_or_default();
        let (a, m) = agree.get(f).copied().unwrap_or_default();
        ag += a;
        n += m;
        println!(
            "{:<32} {:>5} {:>5} {:>5} {:>5} {:>5} | {:>5} {:>5} {:>5} | {:>3}/{:<3}",
            f, t.pass, t.fail, t.skip, t.crash, t.timeout, r.pass, r.fail, r.skip, a, m
        );
    }
    if n > 0 {
        println!(
            "agreement with LAVAPIPE-RESULTS.tsv: {ag}/{n} ({:.1}%)",
            100.0 * ag as f64 / n as f64
        );
    }
    println!(
        "{} passed, {} failed, {} skipped",
        all.pass,
        all.fail + all.crash + all.timeout,
        all.skip
    );
}
