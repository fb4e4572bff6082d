//! The rasterizer, and the transfer operations (copies, clears, blits) that run on images.
//!
//! # Rendering
//!
//! A render pass is a [`Pass`]: draws are *binned* as they are recorded and the tiles are
//! *rasterized in parallel* when the pass is flushed (`DESIGN.md`, "Rendering: bin the pass, then
//! rasterize tiles in parallel"). The stages, one module each:
//!
//! 1. [`clip`]: near/far and w clipping in clip space; x/y only beyond a guard band.
//! 2. [`setup`]: viewport transform, 8-sub-pixel-bit fixed point, facing and culling, exact
//!    `i64` edge functions with the top-left rule, barycentric interpolation planes.
//!    Points and lines become quads here too ([`prims`]): a point sprite is a square, a width-1
//!    line a parallelogram covering one pixel per column (row) — so binning and tiles only ever
//!    see triangles, and the triangle path pays nothing for the other primitives.
//! 3. [`bin`]: 64×64 tiles, each with its triangles in submission order.
//! 4. `tile`: per tile, 8×8 blocks with trivial accept/reject, 2×2 quads, batches of 16 quads
//!    (64 lanes) handed to the [`FragmentStage`].
//! 5. `output`: depth bounds, stencil and depth tests, blending, write masks, on tile-local
//!    copies of the attachments.
//!
//! This crate knows nothing of Vulkan handles or of the shader engine: the fragment shader plugs
//! in through [`FragmentStage`], the vertex stage's results arrive as clip-space vertices
//! ([`VertexInput`]), and attachments are [`transfer::ImageRef`]s.
//!
//! Multisampling: 1 or 4 samples per pixel (see `output::samples`); shading once per pixel
//! unless sample shading asks for one invocation per sample.
//!
//! Not yet: wide lines, tile-level load/store ops (clears are done by `transfer` before the pass).
#![forbid(unsafe_code)]

pub mod bin;
pub mod clip;
pub mod fragment;
mod output;
mod pass;
pub mod prims;
pub mod setup;
pub mod state;
mod tile;
pub mod transfer;

#[cfg(test)]
mod tests;

pub use fragment::{
    FragmentBatch, FragmentInfo, FragmentOutput, FragmentStage, VaryingsAsColor, LANES,
    MAX_COLOR_ATTACHMENTS, QUADS,
};
pub use pass::{draw, draw_input, Attachment, LoadClears, Pass, RenderTargets, VertexInput};
pub use state::{
    BlendFactor, BlendOp, ColorBlend, CompareOp, CullMode, DepthBias, DepthState, FrontFace,
    Interpolation, LogicOp, Multisample, PolygonMode, RasterState, Rect, StencilFace, StencilOp,
    StencilState, Topology, Viewport, POINT_SIZE_GRANULARITY, POINT_SIZE_RANGE, SAMPLE_LOCATIONS_4,
};

/// Why a pass or a draw cannot be rendered. Everything else (degenerate or non-finite
/// primitives, empty viewports and scissors) renders nothing and is not an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RasterError {
    /// More than [`MAX_COLOR_ATTACHMENTS`] colour attachments.
    TooManyAttachments,
    /// The mip level or layer does not exist, or the image lacks the aspect.
    BadAttachment,
    /// A sample count other than 1 or 4, attachments of different sample counts, or a draw
    /// whose `rasterizationSamples` differs from the attachments'.
    Multisampled,
    /// A format the rasterizer cannot write (compressed, 64-bit components).
    UnsupportedFormat(pumice_texel::Format),
    /// The image reaches outside its memory.
    OutOfBounds,
    /// The vertex stride is smaller than the position and varyings.
    VertexStride,
    /// More draws in one pass than fit in 32 bits.
    TooManyPrimitives,
}
