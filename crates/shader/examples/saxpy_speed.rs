//! Quick throughput check of the interpreter on SAXPY (no Vulkan): `cargo run --release -p
//! pumice-shader --example saxpy_speed`.
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
    let n: u32 = 16 << 20;
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
    };
    for _ in 0..3 {
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
            "saxpy 16M: {:.1} ms, {:.2} GB/s",
            s * 1e3,
            12.0 * n as f64 / s / 1e9
        );
    }
}
