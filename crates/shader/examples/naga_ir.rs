//! Prints the naga IR of a SPIR-V module's entry points (after legalization), for debugging:
//! `cargo run -p pumice-shader --example naga_ir -- FILE.spv`.
fn main() {
    let path = std::env::args().nth(1).expect("a .spv file");
    let words = pumice_shader::front::words(&std::fs::read(path).unwrap()).unwrap();
    let (module, _) = pumice_shader::parse(&words).unwrap();
    for ep in &module.entry_points {
        println!("{:#?}", ep.function.body);
    }
    for (_, f) in module.functions.iter() {
        println!("fn {:?}: {:#?}", f.name, f.body);
    }
}
