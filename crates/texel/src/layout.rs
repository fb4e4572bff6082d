//! Image memory layout.
//!
//! One layout serves linear and optimal tiling for now. An image stores its planes one after
//! another (in [`Format::planes`] order: colour, or depth then stencil); inside a plane, its mip
//! levels one after another, each starting at an offset aligned to [`LEVEL_ALIGNMENT`]; inside a
//! level, its array layers one after another; inside a layer, its depth slices; inside a slice,
//! its rows of blocks, tightly packed. A texel of a multisampled image stores its samples one
//! after another.

use crate::format::{Aspect, Format};

/// Alignment of the start of every (plane, mip level), relative to the image's start.
pub const LEVEL_ALIGNMENT: u64 = 16;

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

impl ImageDesc {
    /// The extent of the base level as the image's type sees it: a 1-D image has a height and a
    /// depth of 1, a 2-D image a depth of 1.
    pub fn base_extent(&self) -> [u32; 3] {
        let [w, h, d] = self.extent;
        match self.dim {
            ImageDim::D1 => [w, 1, 1],
            ImageDim::D2 => [w, h, 1],
            ImageDim::D3 => [w, h, d],
        }
    }

    /// The extent of mip level `mip` in texels: `max(1, e >> mip)` on each axis.
    pub fn mip_extent(&self, mip: u32) -> [u32; 3] {
        self.base_extent()
            .map(|e| e.checked_shr(mip).unwrap_or(0).max(1))
    }
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

/// One plane of an image: its aspect, its format, and the offset of each of its mip levels.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Plane {
    aspect: Aspect,
    format: Format,
    level_offsets: Vec<u64>,
}

/// The layout of a whole image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageLayout {
    pub desc: ImageDesc,
    size: u64,
    planes: Vec<Plane>,
}

/// Row pitch, depth pitch and layer size of one level of a plane, or `None` on overflow.
fn level_pitches(format: Format, extent: [u32; 3], samples: u32) -> Option<(u64, u64, u64)> {
    let info = format.info();
    let blocks_w = u64::from(extent[0].div_ceil(info.block_width));
    let blocks_h = u64::from(extent[1].div_ceil(info.block_height));
    let row_pitch = blocks_w
        .checked_mul(u64::from(info.block_bytes))?
        .checked_mul(u64::from(samples))?;
    let depth_pitch = row_pitch.checked_mul(blocks_h)?;
    let layer_size = depth_pitch.checked_mul(u64::from(extent[2]))?;
    Some((row_pitch, depth_pitch, layer_size))
}

impl ImageLayout {
    /// `None` when the sizes overflow or the format cannot be stored: a zero extent, no mip
    /// levels or more than the extent allows, no array layers, or a sample count that is not a
    /// power of two up to 64.
    pub fn new(desc: ImageDesc) -> Option<ImageLayout> {
        let base = desc.base_extent();
        if base.contains(&0) || desc.array_layers == 0 || desc.mip_levels == 0 {
            return None;
        }
        let max_dim = base.into_iter().max().unwrap_or(1);
        // floor(log2(max_dim)) + 1 levels at most, as Vulkan requires.
        if desc.mip_levels > 32 - max_dim.leading_zeros() {
            return None;
        }
        if !desc.samples.is_power_of_two() || desc.samples > 64 {
            return None;
        }
        let info = desc.format.info();
        if info.block_bytes == 0 || info.block_width == 0 || info.block_height == 0 {
            return None;
        }
        let mut size = 0u64;
        let mut planes = Vec::new();
        for (aspect, format) in desc.format.planes() {
            let mut level_offsets = Vec::with_capacity(desc.mip_levels as usize);
            for mip in 0..desc.mip_levels {
                size = size.checked_next_multiple_of(LEVEL_ALIGNMENT)?;
                level_offsets.push(size);
                let (_, _, layer_size) = level_pitches(format, desc.mip_extent(mip), desc.samples)?;
                let level_size = layer_size.checked_mul(u64::from(desc.array_layers))?;
                size = size.checked_add(level_size)?;
            }
            planes.push(Plane {
                aspect,
                format,
                level_offsets,
            });
        }
        if planes.is_empty() {
            return None;
        }
        Some(ImageLayout { desc, size, planes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The layout of one layer of one mip level of one aspect; `None` when the mip level or the
    /// layer is out of range or the format has no such aspect.
    pub fn subresource(&self, aspect: Aspect, mip: u32, layer: u32) -> Option<SubresourceLayout> {
        if layer >= self.desc.array_layers {
            return None;
        }
        let plane = self.planes.iter().find(|p| p.aspect == aspect)?;
        let level_offset = *plane.level_offsets.get(usize::try_from(mip).ok()?)?;
        let extent = self.desc.mip_extent(mip);
        let (row_pitch, depth_pitch, layer_size) =
            level_pitches(plane.format, extent, self.desc.samples)?;
        let offset = level_offset.checked_add(layer_size.checked_mul(u64::from(layer))?)?;
        Some(SubresourceLayout {
            offset,
            size: layer_size,
            row_pitch,
            depth_pitch,
            array_pitch: layer_size,
            extent,
            format: plane.format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(format: Format, extent: [u32; 3], mips: u32, layers: u32) -> ImageDesc {
        ImageDesc {
            dim: if extent[2] > 1 {
                ImageDim::D3
            } else {
                ImageDim::D2
            },
            format,
            extent,
            mip_levels: mips,
            array_layers: layers,
            samples: 1,
        }
    }

    #[test]
    fn simple_2d() {
        let l = ImageLayout::new(desc(Format::R8G8B8A8_UNORM, [5, 3, 1], 1, 1)).unwrap();
        assert_eq!(l.size(), 5 * 3 * 4);
        let s = l.subresource(Aspect::Color, 0, 0).unwrap();
        assert_eq!(
            s,
            SubresourceLayout {
                offset: 0,
                size: 60,
                row_pitch: 20,
                depth_pitch: 60,
                array_pitch: 60,
                extent: [5, 3, 1],
                format: Format::R8G8B8A8_UNORM,
            }
        );
        assert!(l.subresource(Aspect::Color, 1, 0).is_none());
        assert!(l.subresource(Aspect::Color, 0, 1).is_none());
        assert!(l.subresource(Aspect::Depth, 0, 0).is_none());
        assert!(l.subresource(Aspect::Stencil, 0, 0).is_none());
    }

    #[test]
    fn mips_and_layers() {
        // R8: level 0 is 7x5 (35 bytes per layer), level 1 3x2 (6), level 2 1x1 (1).
        let l = ImageLayout::new(desc(Format::R8_UNORM, [7, 5, 1], 3, 2)).unwrap();
        let s0 = l.subresource(Aspect::Color, 0, 1).unwrap();
        assert_eq!(
            (s0.offset, s0.size, s0.row_pitch, s0.array_pitch),
            (35, 35, 7, 35)
        );
        let s1 = l.subresource(Aspect::Color, 1, 0).unwrap();
        assert_eq!((s1.offset, s1.extent, s1.row_pitch), (80, [3, 2, 1], 3));
        assert_eq!(l.subresource(Aspect::Color, 1, 1).unwrap().offset, 86);
        let s2 = l.subresource(Aspect::Color, 2, 1).unwrap();
        assert_eq!((s2.offset, s2.extent), (97, [1, 1, 1]));
        assert_eq!(l.size(), 98);
        assert!(l.subresource(Aspect::Color, 3, 0).is_none());
        assert!(l.subresource(Aspect::Color, 0, 2).is_none());
    }

    #[test]
    fn three_d_shrinks_depth() {
        let l = ImageLayout::new(desc(Format::R16_UINT, [4, 4, 8], 3, 1)).unwrap();
        let s1 = l.subresource(Aspect::Color, 1, 0).unwrap();
        assert_eq!(s1.extent, [2, 2, 4]);
        assert_eq!(
            (s1.offset, s1.row_pitch, s1.depth_pitch, s1.size),
            (256, 4, 8, 32)
        );
        let s2 = l.subresource(Aspect::Color, 2, 0).unwrap();
        assert_eq!((s2.extent, s2.offset, s2.size), ([1, 1, 2], 288, 4));
        assert_eq!(l.size(), 292);
        // Four levels are allowed by the width of 8 in depth.
        assert!(ImageLayout::new(desc(Format::R16_UINT, [4, 4, 8], 4, 1)).is_some());
        assert!(ImageLayout::new(desc(Format::R16_UINT, [4, 4, 8], 5, 1)).is_none());
    }

    #[test]
    fn one_d_ignores_height_and_depth() {
        let mut d = desc(Format::R32_SFLOAT, [16, 9, 9], 2, 3);
        d.dim = ImageDim::D1;
        let l = ImageLayout::new(d).unwrap();
        let s = l.subresource(Aspect::Color, 1, 2).unwrap();
        assert_eq!(s.extent, [8, 1, 1]);
        assert_eq!(s.offset, 3 * 64 + 2 * 32);
        assert_eq!(l.size(), 3 * 64 + 3 * 32);
    }

    #[test]
    fn depth_stencil_planes() {
        let l = ImageLayout::new(desc(Format::D24_UNORM_S8_UINT, [3, 3, 1], 2, 2)).unwrap();
        let d0 = l.subresource(Aspect::Depth, 0, 0).unwrap();
        assert_eq!(
            (d0.offset, d0.row_pitch, d0.format),
            (0, 12, Format::X8_D24_UNORM_PACK32)
        );
        let d1 = l.subresource(Aspect::Depth, 1, 1).unwrap();
        // Level 0 of depth is 2 layers of 36 bytes; level 1 starts at 80.
        assert_eq!((d1.offset, d1.extent), (84, [1, 1, 1]));
        let s0 = l.subresource(Aspect::Stencil, 0, 1).unwrap();
        // Depth ends at 88; stencil starts at 96.
        assert_eq!(
            (s0.offset, s0.row_pitch, s0.format),
            (96 + 9, 3, Format::S8_UINT)
        );
        let s1 = l.subresource(Aspect::Stencil, 1, 0).unwrap();
        assert_eq!(s1.offset, 128);
        assert_eq!(l.size(), 130);
        assert!(l.subresource(Aspect::Color, 0, 0).is_none());
    }

    #[test]
    fn compressed_blocks_and_samples() {
        let l = ImageLayout::new(desc(Format::BC1_RGB_UNORM_BLOCK, [10, 6, 1], 2, 1)).unwrap();
        let s0 = l.subresource(Aspect::Color, 0, 0).unwrap();
        assert_eq!((s0.row_pitch, s0.depth_pitch), (24, 48));
        let s1 = l.subresource(Aspect::Color, 1, 0).unwrap();
        assert_eq!(
            (s1.offset, s1.extent, s1.row_pitch, s1.size),
            (48, [5, 3, 1], 16, 16)
        );

        let mut d = desc(Format::R8G8B8A8_UNORM, [3, 2, 1], 1, 1);
        d.samples = 4;
        let l = ImageLayout::new(d).unwrap();
        let s = l.subresource(Aspect::Color, 0, 0).unwrap();
        assert_eq!((s.row_pitch, s.size), (48, 96));
        d.samples = 3;
        assert!(ImageLayout::new(d).is_none());
    }

    #[test]
    fn invalid_and_huge() {
        assert!(ImageLayout::new(desc(Format::R8_UNORM, [0, 1, 1], 1, 1)).is_none());
        assert!(ImageLayout::new(desc(Format::R8_UNORM, [1, 1, 1], 0, 1)).is_none());
        assert!(ImageLayout::new(desc(Format::R8_UNORM, [1, 1, 1], 1, 0)).is_none());
        // 64 Ki x 64 Ki x 16 bytes = 64 GiB: fits in u64.
        let big =
            ImageLayout::new(desc(Format::R32G32B32A32_SFLOAT, [65536, 65536, 1], 1, 1)).unwrap();
        assert_eq!(big.size(), 1 << 36);
        // A few GiB with a full mip chain.
        let l = ImageLayout::new(desc(Format::R8G8B8A8_UNORM, [32768, 32768, 1], 16, 2)).unwrap();
        assert!(l.size() > 8 << 30);
        let last = l.subresource(Aspect::Color, 15, 1).unwrap();
        assert_eq!(last.extent, [1, 1, 1]);
        assert_eq!(last.offset + last.size, l.size());
        // Overflow.
        let max = u32::MAX;
        assert!(
            ImageLayout::new(desc(Format::R64G64B64A64_SFLOAT, [max, max, max], 1, max)).is_none()
        );
        assert!(
            ImageLayout::new(desc(Format::R64G64B64A64_SFLOAT, [max, 1 << 20, 1], 1, 1)).is_some()
        );
        assert!(ImageLayout::new(desc(Format::R64G64B64A64_SFLOAT, [max, max, 1], 1, 1)).is_none());
    }
}
