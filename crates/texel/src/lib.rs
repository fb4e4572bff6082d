//! Texel formats and image memory layout.
//!
//! - [`format`]: the table of Vulkan formats (block size, components, numeric types).
//! - [`pack`]: encoding and decoding texels between memory and `f32`/`u32`/`i32` values.
//! - [`layout`]: where each subresource of an image lives in memory.
//! - [`sample`]: sampling math (wrapping, filtering, mipmaps, compare, gather, cube faces).
//!
//! This crate has no unsafe code and knows nothing of Vulkan handles: it works on bytes.
#![forbid(unsafe_code)]

pub mod format;
pub mod layout;
pub mod pack;
pub mod sample;

pub use format::{Aspect, Format, Numeric, NumericClass};
pub use layout::{ImageDesc, ImageDim, ImageLayout, SubresourceLayout};
pub use pack::Texel;
