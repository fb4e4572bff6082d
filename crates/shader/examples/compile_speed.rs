//! Cold compile time of one compute shader, each compile with a specialization value never
//! used before (constant 0; the shader need not declare it), so no cache can answer — the
//! compute bench's "a new specialization each time" row without Vulkan:
//! `cargo run --release -p pumice-shader --example compile_speed -- matmul.spv [count]`.
//! Under callgrind, divide the total instruction count by `count`.
use std::time::Instant;

use pumice_shader::compute::ComputeProgram;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("path to a compute .spv");
    let count: u32 = args.next().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let words = pumice_shader::front::words(&std::fs::read(path).unwrap()).unwrap();
    // As `vkCreateShaderModule` does before any pipeline is made from the module.
    pumice_shader::front::parse_shared(&words, &[]).unwrap();
    let start = Instant::now();
    for spec in 1..=count {
        ComputeProgram::new(&words, "main", &[(0, spec as u64)]).unwrap();
    }
    let per = start.elapsed().as_secs_f64() / count as f64;
    println!("{count} compiles, {:.1} µs per compile", per * 1e6);
}
