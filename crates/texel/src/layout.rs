//! Image memory layout.

use crate::format::{Aspect, Format};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageDim {
    D1,
    D2,
    D3,
}

/// What an image is, as `VkImageCreateInfo` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageDesc {
    pub dim: ImageDim,
    pub format: Format,
    pub extent: [u32; 3],
    pub mip_levels: u32,
    pub array_layers: u32,
    pub samples: u32,
}

/// Where one (aspect, mip level, array layer) lives, relative to the image's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubresourceLayout {
    pub offset: u64,
    pub size: u64,
    pub row_pitch: u64,
    pub depth_pitch: u64,
    pub array_pitch: u64,
    /// The extent of this mip level in texels.
    pub extent: [u32; 3],
    /// The format of this aspect's plane (see `Format::plane_format`).
    pub format: Format,
}

/// The layout of a whole image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageLayout {
    pub desc: ImageDesc,
    size: u64,
}

impl ImageLayout {
    /// `None` when the sizes overflow or the format cannot be stored.
    pub fn new(desc: ImageDesc) -> Option<ImageLayout> {
        Some(ImageLayout { desc, size: 0 })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn subresource(&self, aspect: Aspect, mip: u32, layer: u32) -> Option<SubresourceLayout> {
        let _ = (aspect, mip, layer);
        None
    }
}
