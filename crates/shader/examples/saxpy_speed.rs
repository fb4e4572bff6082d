//! Quick throughput check of the interpreter on SAXPY (no Vulkan): `cargo run --release -p
//! pumice-shader --example saxpy_speed -- saxpy.spv`. `N` sets the element count (default
//! 16M), `ITERS` the number of timed runs (default 3); any shader with SAXPY's bindings (x at
//! binding 0, y at 1, push constants `a, n`) runs, e.g. the arithmetic-heavy bench shader.
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use pumice_memory::DeviceMemory;
use pumice_shader::compute::{dispatch, BufferSlice, ComputeProgram, DispatchResources};

fn main() {
    let path = std::env::args().nth(1).expect("path to saxpy.spv");
    let words = pumice_shader::front::words(&std::fs::read(path).unwrap()).unwrap();
    let program = ComputeProgram::new(&words, "main", &[]).unwrap();
    if std::env::var_os("DUMP").is_some() {
        println!("{}", program.disassemble());
    }
    let env = |k: &str, d: u32| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n: u32 = env("N", 16 << 20);
    let x = DeviceMemory::new(n as u64 * 4).unwrap();
    let y = DeviceMemory::new(n as u64 * 4).unwrap();
    let mut push = 2.0f32.to_le_bytes().to_vec();
    push.extend(n.to_le_bytes());
    let res = DispatchResources {
        images: Vec::new(),
        buffers: vec![
            (
                (0, 0, 0),
                BufferSlice {
                    memory: &x,
                    offset: 0,
                    size: x.size(),
                },
            ),
            (
                (0, 1, 0),
                BufferSlice {
                    memory: &y,
                    offset: 0,
                    size: y.size(),
                },
            ),
        ],
        push_constants: push,
        addresses: Vec::new(),
    };
    for _ in 0..env("ITERS", 3) {
        let t = Instant::now();
        dispatch(
            &program,
            &res,
            [0; 3],
            [n / 64, 1, 1],
            &AtomicBool::new(false),
        )
        .unwrap();
        let s = t.elapsed().as_secs_f64();
        println!(
            "saxpy {n}: {:.1} ms, {:.2} GB/s",
            s * 1e3,
            12.0 * n as f64 / s / 1e9
        );
    }
}
