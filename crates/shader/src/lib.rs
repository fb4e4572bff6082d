//! The shader engine: SPIR-V → legalize → naga → bytecode → SIMD interpreter.
//!
//! - [`front`]: SPIR-V → [`legalize`] → naga module, validated.
//! - `lower`: naga IR → the bytecode of [`ir`] (calls inlined, values scalarised).
//! - `interp`: the SIMD interpreter over batches of lanes.
//! - [`compute`]: compiled compute programs and their dispatch over workgroups, in parallel on
//!   the worker pool (`pool`).
#![forbid(unsafe_code)]

pub mod compute;
mod disasm;
pub mod front;
pub mod graphics;
pub mod interp;
pub mod ir;
pub mod legalize;
mod lower;
mod opt;
pub mod pool;

pub use front::{parse, ParseError};
