//! The shader engine: SPIR-V → legalize → naga → bytecode → SIMD interpreter.
//!
//! Only the front end exists so far: [`parse`] reads SPIR-V through naga and validates it. The
//! legalization pre-pass, the bytecode and the interpreter come with the shader work (see
//! DESIGN.md, "Shaders"); until then no shader stage is advertised by the driver.
#![forbid(unsafe_code)]

pub mod compute;
pub mod front;
pub mod legalize;

pub use front::{parse, ParseError};
