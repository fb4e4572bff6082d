//! Compiles a vertex or fragment shader and prints its bytecode or the error:
//! `cargo run -p pumice-shader --example compile_stage -- FILE.spv vert|frag`.
use pumice_shader::graphics::{Stage, StageProgram};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a .spv file");
    let stage = if args.next().as_deref() == Some("frag") {
        Stage::Fragment
    } else {
        Stage::Vertex
    };
    let words = pumice_shader::front::words(&std::fs::read(path).unwrap()).unwrap();
    match StageProgram::new(&words, "main", stage, &[]) {
        Ok(p) => println!("{}", p.disassemble()),
        Err(e) => println!("error: {e}"),
    }
}
