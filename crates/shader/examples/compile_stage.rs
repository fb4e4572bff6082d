//! Compiles a vertex, fragment or compute shader and prints its bytecode or the error:
//! `cargo run -p pumice-shader --example compile_stage -- FILE.spv vert|frag|comp`.
use pumice_shader::compute::ComputeProgram;
use pumice_shader::graphics::{Stage, StageProgram};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a .spv file");
    let stage = args.next().unwrap_or_default();
    let words = pumice_shader::front::words(&std::fs::read(path).unwrap()).unwrap();
    let result = match stage.as_str() {
        "comp" => ComputeProgram::new(&words, "main", &[]).map(|p| p.disassemble()),
        "frag" => StageProgram::new(&words, "main", Stage::Fragment, &[]).map(describe),
        _ => StageProgram::new(&words, "main", Stage::Vertex, &[]).map(describe),
    };
    match result {
        Ok(text) => println!("{text}"),
        Err(e) => println!("error: {e}"),
    }
}

/// The stage's inputs and outputs, then its bytecode.
fn describe(p: StageProgram) -> String {
    let inputs: Vec<_> = p.inputs().collect();
    let outputs: Vec<_> = p.outputs().collect();
    format!(
        "; inputs {inputs:?}\n; outputs {outputs:?}\n{}",
        p.disassemble()
    )
}
