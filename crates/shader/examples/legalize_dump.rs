//! Writes the legalized form of a SPIR-V module, for debugging with `spirv-dis`:
//! `cargo run -p pumice-shader --example legalize_dump -- IN.spv OUT.spv`.
fn main() {
    let mut args = std::env::args().skip(1);
    let input = args.next().expect("an input .spv file");
    let output = args.next().expect("an output .spv file");
    let words = pumice_shader::front::words(&std::fs::read(input).unwrap()).unwrap();
    let legal = pumice_shader::legalize::legalize(&words).expect("a well-formed module");
    let bytes: Vec<u8> = legal.iter().flat_map(|w| w.to_le_bytes()).collect();
    std::fs::write(output, bytes).unwrap();
}
