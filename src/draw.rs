//! Executing render pass instances and draws on the queue thread: load-op clears, vertex
//! fetch, vertex shading, primitive assembly, and the rasterizer (`pumice_raster`) with the
//! fragment program.

use crate::graphics_state::{DrawCommand, LoadClear, RenderTargets};
use crate::queue::DeviceShared;

/// The `CLEAR` load ops of a render pass instance, over its render area.
pub fn begin_rendering(targets: &RenderTargets, clears: &[LoadClear]) -> Result<(), &'static str> {
    let _ = (targets, clears);
    Err("render passes are not executed yet")
}

pub fn draw(draw: &DrawCommand, device: &DeviceShared) -> Result<(), &'static str> {
    let _ = (draw, device);
    Err("draws are not executed yet")
}
