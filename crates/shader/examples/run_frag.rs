//! Runs a fragment shader on one batch of 16 quads (pixels 0..8 × 0..8) with a watchdog, and
//! prints location 0 of the first lanes: `cargo run -p pumice-shader --example run_frag -- F.spv`.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pumice_shader::compute::DispatchResources;
use pumice_shader::graphics::{Stage, StageProgram, StageRunner};
use pumice_shader::ir::{IoSlot, W};

fn main() {
    let path = std::env::args().nth(1).expect("a .spv file");
    let words = pumice_shader::front::words(&std::fs::read(path).unwrap()).unwrap();
    let program = StageProgram::new(&words, "main", Stage::Fragment, &[]).unwrap();
    if std::env::var_os("DUMP").is_some() {
        println!("{}", program.disassemble());
    }
    let res = DispatchResources::default();
    let mut runner = StageRunner::new(&program, &res).unwrap();
    let (ox, oy): (u32, u32) = std::env::var("AT")
        .ok()
        .and_then(|v| {
            let (a, b) = v.split_once(',')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .unwrap_or((0, 0));
    let inputs: Vec<[u32; W]> = program
        .inputs()
        .map(|s| match s {
            IoSlot::Position(0) => std::array::from_fn(|l| {
                ((ox as usize + l / 4 % 4 * 2 + (l & 1)) as f32 + 0.5).to_bits()
            }),
            IoSlot::Position(1) => std::array::from_fn(|l| {
                ((oy as usize + l / 16 * 2 + ((l >> 1) & 1)) as f32 + 0.5).to_bits()
            }),
            _ => [0; W],
        })
        .collect();
    let mut outputs = vec![[0u32; W]; program.outputs().count()];
    let cancel = Arc::new(AtomicBool::new(false));
    let c = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(3));
        c.store(true, Ordering::SeqCst);
    });
    let t = std::time::Instant::now();
    let active: u64 = std::env::var("ACTIVE")
        .ok()
        .and_then(|v| u64::from_str_radix(&v, 16).ok())
        .unwrap_or(u64::MAX);
    let helpers: u64 = std::env::var("HELPERS")
        .ok()
        .and_then(|v| u64::from_str_radix(&v, 16).ok())
        .unwrap_or(0);
    // REPEAT=n runs the batch n times (for profiling the dispatch loop).
    let repeat: usize = std::env::var("REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut r = runner.run(active, helpers, &inputs, &mut outputs, &cancel);
    for _ in 1..repeat {
        r = runner.run(active, helpers, &inputs, &mut outputs, &cancel);
    }
    println!(
        "{r:?} in {:?}; out[0] lanes 0..4: {:?}",
        t.elapsed(),
        &outputs.first().map(|o| o[..4]
            .iter()
            .map(|&x| f32::from_bits(x))
            .collect::<Vec<_>>())
    );
}
