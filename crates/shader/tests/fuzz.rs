//! Malformed SPIR-V: every truncation and a few thousand deterministic bit flips of real compute
//! shaders go through `ComputeProgram::new`, which must answer `Ok` or `Err` and never panic.
//! The flipped shaders that compile also run, on buffers bound in the middle of larger
//! allocations, stopped by the cancel flag after 200 ms: nothing may panic, and the guard bytes
//! around each bound range must stay as they were.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pumice_memory::DeviceMemory;
use pumice_shader::compute::{dispatch, BufferSlice, ComputeProgram, DispatchResources};

/// Where panics happened, even those caught inside `ComputeProgram::new` (naga's reader and
/// validator, and our lowering, run under `catch_unwind` there). Panics in naga are expected on
/// malformed input and not printed; any other is printed as usual and recorded.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if at.contains("/naga-") {
                return;
            }
            PANICS.lock().unwrap().push(format!("{at}: {info}"));
            default(info);
        }));
    });
}

fn shaders() -> Vec<(&'static str, Vec<u32>)> {
    install_hook();
    support::ALL
        .iter()
        .map(|&(name, src)| (name, support::glsl(src)))
        .collect()
}

/// Compiles, turning a panic into a failure description.
fn compile(words: &[u32]) -> Result<Option<ComputeProgram>, String> {
    match catch_unwind(AssertUnwindSafe(|| ComputeProgram::new(words, "main", &[]))) {
        Ok(Ok(p)) => Ok(Some(p)),
        Ok(Err(_)) => Ok(None),
        Err(e) => Err(panic_text(e)),
    }
}

fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn every_truncation_is_refused_or_compiles() {
    let mut panics = Vec::new();
    for (name, words) in shaders() {
        assert!(compile(&words).unwrap().is_some(), "{name} must compile");
        for len in 0..words.len() {
            if let Err(e) = compile(&words[..len]) {
                panics.push(format!("{name} truncated to {len} words: {e}"));
            }
        }
    }
    panics.extend(PANICS.lock().unwrap().iter().cloned());
    assert!(panics.is_empty(), "{}", panics.join("\n"));
}

const GUARD: usize = 256;
const BOUND: usize = 1024;
const GUARD_BYTE: u8 = 0xa5;

/// Runs a compiled program over one or two workgroups with every resource bound to `BOUND`
/// bytes in the middle of a larger allocation; checks the guard bytes afterwards.
fn run_guarded(program: &ComputeProgram) -> Result<(), String> {
    let [x, y, z] = program.workgroup_size();
    if x as u64 * y as u64 * z as u64 > 1024 {
        return Ok(()); // huge workgroups: compile-only
    }
    let mut memories = Vec::new();
    for r in program.resources() {
        for element in 0..r.count.min(8) {
            let m = DeviceMemory::new((GUARD + BOUND + GUARD) as u64).unwrap();
            m.fill_bytes(0, m.size(), GUARD_BYTE).unwrap();
            // Small values in the bound range, so that loops over them end.
            let bytes: Vec<u8> = (0..BOUND / 4)
                .flat_map(|i| ((i % 7) as u32).to_le_bytes())
                .collect();
            m.write(GUARD as u64, &bytes).unwrap();
            memories.push(((r.set, r.binding, element), m));
        }
    }
    let res = DispatchResources {
        images: Vec::new(),
        buffers: memories
            .iter()
            .map(|(key, m)| {
                (
                    *key,
                    BufferSlice {
                        memory: m,
                        offset: GUARD as u64,
                        size: BOUND as u64,
                    },
                )
            })
            .collect(),
        push_constants: vec![3; program.push_constant_size().min(256) as usize],
        addresses: Vec::new(),
    };
    let cancel = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let outcome = std::thread::scope(|s| {
        let timer = s.spawn(|| {
            let start = Instant::now();
            while !done.load(Ordering::Relaxed) {
                let left = Duration::from_millis(200).saturating_sub(start.elapsed());
                if left.is_zero() {
                    cancel.store(true, Ordering::Relaxed);
                    break;
                }
                std::thread::park_timeout(left);
            }
        });
        let r = catch_unwind(AssertUnwindSafe(|| {
            dispatch(program, &res, [0; 3], [2, 1, 1], &cancel)
        }));
        done.store(true, Ordering::Relaxed);
        timer.thread().unpark();
        r
    });
    if let Err(e) = outcome {
        return Err(format!("dispatch panicked: {}", panic_text(e)));
    }
    for ((set, binding, element), m) in &memories {
        let mut bytes = vec![0u8; m.size() as usize];
        m.read(0, &mut bytes).unwrap();
        let outside = bytes[..GUARD].iter().chain(&bytes[GUARD + BOUND..]);
        if outside.into_iter().any(|&b| b != GUARD_BYTE) {
            return Err(format!(
                "wrote outside the bound range of set {set} binding {binding} [{element}]"
            ));
        }
    }
    Ok(())
}

#[test]
fn bit_flips_are_refused_or_run_safely() {
    let shaders = shaders();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut failures = Vec::new();
    let (mut compiled, mut ran) = (0, 0);
    let start = Instant::now();
    for i in 0..3000 {
        let (name, words) = &shaders[i % shaders.len()];
        let mut w = words.clone();
        // One bit most of the time, up to four; the header is left alone half of the time, so
        // that most flips reach the instructions.
        let flips = [1, 1, 1, 2, 3, 4][rng.below(6)];
        let mut what = Vec::new();
        for _ in 0..flips {
            let word = if rng.below(2) == 0 {
                5 + rng.below(w.len() - 5)
            } else {
                rng.below(w.len())
            };
            let bit = rng.below(32);
            w[word] ^= 1 << bit;
            what.push(format!("{word}.{bit}"));
        }
        let label = format!("{name} with bits {} flipped", what.join(" "));
        match compile(&w) {
            Err(e) => failures.push(format!("{label}: compile panicked: {e}")),
            Ok(None) => {}
            Ok(Some(p)) => {
                compiled += 1;
                if w != *words {
                    ran += 1;
                    if let Err(e) = run_guarded(&p) {
                        failures.push(format!("{label}: {e}"));
                    }
                }
            }
        }
    }
    eprintln!(
        "{compiled} of 3000 flipped shaders compiled, {ran} ran, in {:?}",
        start.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let caught = PANICS.lock().unwrap().clone();
    assert!(
        caught.is_empty(),
        "panics outside naga:\n{}",
        caught.join("\n")
    );
}

#[test]
fn the_unflipped_shaders_run_inside_their_buffers() {
    for (name, words) in shaders() {
        let p = ComputeProgram::new(&words, "main", &[]).unwrap();
        run_guarded(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
