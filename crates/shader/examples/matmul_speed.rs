//! Quick throughput check of the interpreter on a tiled matrix multiply (no Vulkan):
//! `cargo run --release -p pumice-shader --example matmul_speed -- mm.spv`.
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use pumice_memory::DeviceMemory;
use pumice_shader::compute::{dispatch, BufferSlice, ComputeProgram, DispatchResources};

fn main() {
    let path = std::env::args().nth(1).expect("path to the matmul .spv");
    let words = pumice_shader::front::words(&std::fs::read(path).unwrap()).unwrap();
    let program = ComputeProgram::new(&words, "main", &[]).unwrap();
    let n: u32 = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    let bytes = (n * n * 4) as u64;
    let (a, b, c) = (
        DeviceMemory::new(bytes).unwrap(),
        DeviceMemory::new(bytes).unwrap(),
        DeviceMemory::new(bytes).unwrap(),
    );
    let res = DispatchResources {
        images: Vec::new(),
        buffers: vec![
            (
                (0, 0, 0),
                BufferSlice {
                    memory: &a,
                    offset: 0,
                    size: bytes,
                },
            ),
            (
                (0, 1, 0),
                BufferSlice {
                    memory: &b,
                    offset: 0,
                    size: bytes,
                },
            ),
            (
                (0, 2, 0),
                BufferSlice {
                    memory: &c,
                    offset: 0,
                    size: bytes,
                },
            ),
        ],
        push_constants: n.to_le_bytes().to_vec(),
        addresses: Vec::new(),
    };
    for _ in 0..3 {
        let t = Instant::now();
        dispatch(
            &program,
            &res,
            [0; 3],
            [n / 16, n / 16, 1],
            &AtomicBool::new(false),
        )
        .unwrap();
        let s = t.elapsed().as_secs_f64();
        println!(
            "matmul 512: {:.1} ms, {:.3} GFLOP/s",
            s * 1e3,
            2.0 * (n as f64).powi(3) / s / 1e9
        );
    }
}
