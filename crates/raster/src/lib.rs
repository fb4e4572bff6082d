//! The rasterizer, and the transfer operations (copies, clears, blits) that run on images.
//!
//! Only transfers exist so far; the tiled rasterizer arrives with the graphics work.
#![forbid(unsafe_code)]

pub mod transfer;
