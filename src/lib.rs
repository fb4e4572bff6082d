//! Pumice: a Vulkan driver that renders on the CPU, without a JIT.
//!
//! This crate is the Vulkan API layer: the C entry points (`entry`), the handle casts
//! (`handle`) and a safe object model, one module per Vulkan object. Rendering, shading and
//! texel work live in the engine crates (`pumice-raster`, `pumice-shader`, `pumice-texel`), and
//! the one module that touches raw memory is `pumice-memory`. See DESIGN.md.

pub mod entry;
mod handle;

pub mod buffer;
pub mod command_buffer;
pub mod conv;
pub mod debug_utils;
pub mod descriptor;
pub mod device;
mod draw;
pub mod format_support;
pub mod graphics_pipeline;
pub mod graphics_state;
pub mod image;
pub mod instance;
pub mod memory;
pub mod physical_device;
pub mod pipeline;
pub mod query;
pub mod queue;
pub mod render_pass;
pub mod sampler;
pub mod shader_module;
pub mod sync;

pub use entry::{
    vk_icdGetInstanceProcAddr, vk_icdGetPhysicalDeviceProcAddr,
    vk_icdNegotiateLoaderICDInterfaceVersion,
};
