//! Runs a compute shader once over one workgroup with a 4 KiB buffer at binding 0 and prints
//! the first words: `cargo run -p pumice-shader --example run_once -- FILE.spv`.
use std::sync::atomic::AtomicBool;

use pumice_memory::DeviceMemory;
use pumice_shader::compute::{dispatch, BufferSlice, ComputeProgram, DispatchResources};

fn main() {
    let path = std::env::args().nth(1).expect("a .spv file");
    let words = pumice_shader::front::words(&std::fs::read(path).unwrap()).unwrap();
    let program = ComputeProgram::new(&words, "main", &[]).unwrap();
    if std::env::var_os("DUMP").is_some() {
        println!("{}", program.disassemble());
    }
    let m = DeviceMemory::new(4096).unwrap();
    let res = DispatchResources {
        images: Vec::new(),
        buffers: vec![(
            (0, 0, 0),
            BufferSlice {
                memory: &m,
                offset: 0,
                size: 4096,
            },
        )],
        push_constants: vec![],
        addresses: Vec::new(),
    };
    let r = dispatch(&program, &res, [0; 3], [1, 1, 1], &AtomicBool::new(false));
    let mut out = [0u8; 32];
    m.read(0, &mut out).unwrap();
    println!(
        "{r:?} {:?}",
        out.chunks(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect::<Vec<_>>()
    );
}
