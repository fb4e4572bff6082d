//! The shader engine: SPIR-V → legalize → naga → bytecode → SIMD interpreter.
//!
//! Nothing is here yet; the shader issue builds it (see DESIGN.md, "Shaders").
#![forbid(unsafe_code)]
