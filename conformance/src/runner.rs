//! Runs scripts in worker processes (one per script, re-executing this binary with `--one`),
//! with a per-script timeout, so that a crash or a hang is recorded and the run goes on.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Pass,
    Fail,
    Skip,
    Crash,
    Timeout,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Crash => "crash",
            Status::Timeout => "timeout",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "pass" => Status::Pass,
            "fail" => Status::Fail,
            "skip" => Status::Skip,
            "crash" => Status::Crash,
            "timeout" => Status::Timeout,
            _ => return None,
        })
    }

    /// As the lavapipe reference counts it: crashes and timeouts are failures.
    pub fn reference_class(self) -> Status {
        match self {
            Status::Crash | Status::Timeout => Status::Fail,
            s => s,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Outcome {
    /// Relative to the corpus.
    pub path: String,
    pub status: Status,
    pub reason: String,
    pub seconds: f64,
}

/// The line a worker prints to report its verdict.
pub const RESULT_PREFIX: &str = "AMBER-RESULT\t";

/// The ICD manifest for `--driver`: `lavapipe`, `pumice`, or a path to a manifest.
pub fn driver_manifest(driver: &str) -> Result<PathBuf, String> {
    match driver {
        "lavapipe" => Ok(PathBuf::from("/usr/share/vulkan/icd.d/lvp_icd.x86_64.json")),
        "pumice" => {
            let target = std::env::var("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
            let lib = match std::env::var("PUMICE_LIBRARY") {
                Ok(l) => PathBuf::from(l),
                Err(_) => ["release", "debug"]
                    .iter()
                    .map(|p| target.join(p).join("libvk_pumice.so"))
                    .find(|p| p.exists())
                    .ok_or_else(|| {
                        format!(
                            "no libvk_pumice.so under {} (build it with `cargo build --lib`, or set PUMICE_LIBRARY)",
                            target.display()
                        )
                    })?,
            };
            let lib = lib
                .canonicalize()
                .map_err(|e| format!("{}: {e}", lib.display()))?;
            let manifest =
                std::env::temp_dir().join(format!("pumice-amber-icd-{}.json", std::process::id()));
            let text = format!(
                "{{\n  \"file_format_version\": \"1.0.0\",\n  \"ICD\": {{\n    \"library_path\": \"{}\",\n    \"api_version\": \"1.3.0\"\n  }}\n}}\n",
                lib.display()
            );
            std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
            Ok(manifest)
        }
        path => {
            let p = PathBuf::from(path);
            if p.exists() {
                Ok(p)
            } else {
                Err(format!("no such driver manifest: {path}"))
            }
        }
    }
}

/// Runs one script in a worker process.
pub fn run_one(
    exe: &Path,
    corpus: &Path,
    rel: &str,
    manifest: &Path,
    timeout: Duration,
) -> Outcome {
    let start = Instant::now();
    let mut child = match Command::new(exe)
        .arg("--one")
        .arg(corpus.join(rel))
        .arg("--rel")
        .arg(rel)
        .env("VK_DRIVER_FILES", manifest)
        .env("VK_ICD_FILENAMES", manifest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                path: rel.into(),
                status: Status::Crash,
                reason: format!("cannot start worker: {e}"),
                seconds: 0.0,
            }
        }
    };
    // Drain the pipes on threads so a chatty worker cannot block.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                timed_out = true;
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    let seconds = start.elapsed().as_secs_f64();
    if timed_out {
        return Outcome {
            path: rel.into(),
            status: Status::Timeout,
            reason: format!("no result within {} s", timeout.as_secs()),
            seconds,
        };
    }
    if let Some(line) = stdout.lines().find_map(|l| l.strip_prefix(RESULT_PREFIX)) {
        let (st, reason) = line.split_once('\t').unwrap_or((line, ""));
        if let Some(status) = Status::parse(st) {
            return Outcome {
                path: rel.into(),
                status,
                reason: reason.to_string(),
                seconds,
            };
        }
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect::<String>();
    let how = match status {
        Some(s) => {
            use std::os::unix::process::ExitStatusExt;
            match s.signal() {
                Some(sig) => format!("killed by signal {sig}"),
                None => format!("exit status {}", s.code().unwrap_or(-1)),
            }
        }
        None => "lost".into(),
    };
    Outcome {
        path: rel.into(),
        status: Status::Crash,
        reason: format!("{how}: {last}"),
        seconds,
    }
}

/// Runs scripts on `jobs` threads, each driving one worker process at a time; `progress` is
/// called as results arrive.
pub fn run_all(
    exe: &Path,
    corpus: &Path,
    scripts: &[String],
    manifest: &Path,
    jobs: usize,
    timeout: Duration,
    progress: &(dyn Fn(usize, &Outcome) + Sync),
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(scripts.len()));
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(rel) = scripts.get(i) else {
                    break;
                };
                let o = run_one(exe, corpus, rel, manifest, timeout);
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                progress(n, &o);
                results.lock().expect("not poisoned").push(o);
            });
        }
    });
    let mut r = results.into_inner().expect("not poisoned");
    r.sort_by(|a, b| a.path.cmp(&b.path));
    r
}

/// Lavapipe's recorded verdicts (`LAVAPIPE-RESULTS.tsv`).
pub fn reference(corpus: &Path) -> BTreeMap<String, Status> {
    let text = std::fs::read_to_string(corpus.join("LAVAPIPE-RESULTS.tsv")).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (p, s) = l.split_once('\t')?;
            Some((p.to_string(), Status::parse(s.trim())?))
        })
        .collect()
}

/// The top-level folder of a relative path.
pub fn folder(rel: &str) -> &str {
    rel.split('/').next().unwrap_or(rel)
}

#[derive(Default, Clone, Copy)]
pub struct Tally {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub crash: usize,
    pub timeout: usize,
}

impl Tally {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Skip => self.skip += 1,
            Status::Crash => self.crash += 1,
            Status::Timeout => self.timeout += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.skip + self.crash + self.timeout
    }
}
