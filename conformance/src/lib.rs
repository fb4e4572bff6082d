//! Tools that run the Khronos CTS Amber corpus (`../shared/conformance/amber`) against Pumice.
//!
//! - [`corpus`]: finds scripts and pulls out their shaders (AmberScript and VkScript).
//! - [`compile`]: turns GLSL and SPIR-V assembly into SPIR-V with Debian's `glslangValidator`
//!   and `spirv-as`, cached by content hash.
//!
//! The `shader-coverage` binary runs every vertex, fragment and compute shader through Pumice's
//! shader front end and reports the acceptance rate and the top reasons for refusal.

pub mod compile;
pub mod corpus;
