//! Tools that run the Khronos CTS Amber corpus (`../shared/conformance/amber`) against Pumice.
//!
//! - [`corpus`]: finds scripts and pulls out their shaders (AmberScript and VkScript).
//! - [`compile`]: turns GLSL and SPIR-V assembly into SPIR-V with Debian's `glslangValidator`
//!   and `spirv-as`, cached by content hash.
//! - [`script`]: AmberScript parsed into a typed AST; [`vkscript`] translates VkScript into it.
//! - [`format`]: data types and Vulkan formats, as bytes.
//! - [`vulkan`]: executes a script on a Vulkan driver through the system loader (`ash`).
//! - [`expect`]: the `EXPECT` checks.
//! - [`runner`]: runs many scripts, one worker process each, and keeps score.
//!
//! The `shader-coverage` binary runs every vertex, fragment and compute shader through Pumice's
//! shader front end and reports the acceptance rate and the top reasons for refusal. The `amber`
//! binary is the conformance runner.

pub mod compile;
pub mod corpus;
pub mod device;
pub mod expect;
pub mod format;
pub mod runner;
pub mod script;
pub mod vkscript;
pub mod vulkan;
