//! `VkImage` and `VkImageView`.
//!
//! Linear and optimal tiling share one layout (`pumice_texel::ImageLayout`) for now; the type
//! keeps the choice in one place so optimal images can move to a tiled layout later.

use std::sync::OnceLock;

use ash::vk;
use pumice_texel::{Format, ImageDesc, ImageDim, ImageLayout};

use crate::format_support;
use crate::handle::{HandleObject, Ref};
use crate::memory::Memory;

pub const IMAGE_ALIGNMENT: u64 = 64;

/// What `VkImageCreateInfo` says, validated.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    pub flags: vk::ImageCreateFlags,
    pub image_type: vk::ImageType,
    pub format: vk::Format,
    pub extent: vk::Extent3D,
    pub mip_levels: u32,
    pub array_layers: u32,
    pub samples: vk::SampleCountFlags,
    pub tiling: vk::ImageTiling,
    pub usage: vk::ImageUsageFlags,
}

#[derive(Debug)]
pub struct Image {
    pub info: ImageInfo,
    pub format: Format,
    pub layout: ImageLayout,
    binding: OnceLock<(Ref<Memory>, u64)>,
}

impl HandleObject for Image {
    const TAG: u64 = u64::from_le_bytes(*b"pmIMAGE_");
}

impl Image {
    /// Checks the create info against what the format supports and computes the layout.
    /// Unsupported combinations are `VK_ERROR_FORMAT_NOT_SUPPORTED`; sizes past the limits are
    /// `VK_ERROR_OUT_OF_DEVICE_MEMORY`.
    pub fn new(info: ImageInfo, max_resource_size: u64) -> Result<Image, vk::Result> {
        let limits = format_support::image_format_properties(
            info.format,
            info.image_type,
            info.tiling,
            info.usage,
            info.flags,
            max_resource_size,
        )?;
        let format =
            Format::from_vk(info.format.as_raw()).ok_or(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)?;
        let e = info.extent;
        if e.width == 0
            || e.height == 0
            || e.depth == 0
            || info.mip_levels == 0
            || info.array_layers == 0
        {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        // One bit: 1 to 64 samples (which ones a format and usage allow, `sampleCounts` says).
        let samples = info.samples.as_raw();
        if !samples.is_power_of_two() || samples > 64 {
            return Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED);
        }
        // VUID-VkImageCreateInfo-samples-02257/02258: multisampled images are 2-D, optimal,
        // one level; `sampleCounts` already says which formats and usages allow them.
        if !limits.sample_counts.contains(info.samples)
            || (samples > 1 && (info.mip_levels != 1 || info.image_type != vk::ImageType::TYPE_2D))
        {
            return Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED);
        }
        let max = limits.max_extent;
        if e.width > max.width
            || e.height > max.height
            || e.depth > max.depth
            || info.mip_levels > limits.max_mip_levels
            || info.array_layers > limits.max_array_layers
        {
            return Err(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY);
        }
        let full_mips = 32 - e.width.max(e.height).max(e.depth).leading_zeros();
        if info.mip_levels > full_mips {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        let dim = match info.image_type {
            vk::ImageType::TYPE_1D => ImageDim::D1,
            vk::ImageType::TYPE_2D => ImageDim::D2,
            _ => ImageDim::D3,
        };
        let desc = ImageDesc {
            dim,
            format,
            extent: [e.width, e.height, e.depth],
            mip_levels: info.mip_levels,
            array_layers: info.array_layers,
            samples,
        };
        let layout = ImageLayout::new(desc).ok_or(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY)?;
        if layout.size() > max_resource_size {
            return Err(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY);
        }
        Ok(Image {
            info,
            format,
            layout,
            binding: OnceLock::new(),
        })
    }

    pub fn memory_requirements(&self) -> vk::MemoryRequirements {
        vk::MemoryRequirements {
            size: self.layout.size().max(1).div_ceil(IMAGE_ALIGNMENT) * IMAGE_ALIGNMENT,
            alignment: IMAGE_ALIGNMENT,
            memory_type_bits: (1 << crate::physical_device::MEMORY_TYPE_COUNT) - 1,
        }
    }

    pub fn bind(&self, memory: Ref<Memory>, offset: u64) -> Result<(), vk::Result> {
        let end = offset
            .checked_add(self.layout.size())
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        if end > memory.size() || offset % IMAGE_ALIGNMENT != 0 {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        self.binding
            .set((memory, offset))
            .map_err(|_| vk::Result::ERROR_UNKNOWN)
    }

    pub fn as_ref(&self) -> Option<pumice_raster::transfer::ImageRef<'_>> {
        let (mem, offset) = self.binding.get()?;
        Some(pumice_raster::transfer::ImageRef {
            memory: &mem.memory,
            offset: *offset,
            layout: &self.layout,
        })
    }

    /// `vkGetImageSubresourceLayout`.
    pub fn subresource_layout(&self, sub: vk::ImageSubresource) -> Option<vk::SubresourceLayout> {
        let aspect = crate::conv::single_aspect(sub.aspect_mask)?;
        let s = self
            .layout
            .subresource(aspect, sub.mip_level, sub.array_layer)?;
        Some(vk::SubresourceLayout {
            offset: s.offset,
            size: s.size,
            row_pitch: s.row_pitch,
            array_pitch: s.array_pitch,
            depth_pitch: s.depth_pitch,
        })
    }
}

#[derive(Debug)]
pub struct ImageView {
    pub image: Ref<Image>,
    pub view_type: vk::ImageViewType,
    pub format: vk::Format,
    pub components: vk::ComponentMapping,
    pub range: vk::ImageSubresourceRange,
}

impl HandleObject for ImageView {
    const TAG: u64 = u64::from_le_bytes(*b"pmIMGVIW");
}

impl ImageView {
    pub fn new(
        image: Ref<Image>,
        view_type: vk::ImageViewType,
        format: vk::Format,
        components: vk::ComponentMapping,
        mut range: vk::ImageSubresourceRange,
    ) -> Result<ImageView, vk::Result> {
        let levels = image.info.mip_levels;
        let layers = image.info.array_layers;
        if range.base_mip_level >= levels || range.base_array_layer >= layers {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        if range.level_count == vk::REMAINING_MIP_LEVELS {
            range.level_count = levels - range.base_mip_level;
        }
        if range.layer_count == vk::REMAINING_ARRAY_LAYERS {
            range.layer_count = layers - range.base_array_layer;
        }
        if range
            .base_mip_level
            .checked_add(range.level_count)
            .map_or(true, |e| e > levels)
            || range
                .base_array_layer
                .checked_add(range.layer_count)
                .map_or(true, |e| e > layers)
        {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        let view_format =
            Format::from_vk(format.as_raw()).ok_or(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)?;
        // Views reinterpret the image's bytes: the texel sizes must agree.
        if view_format.info().block_bytes != image.format.info().block_bytes
            && format != image.info.format
        {
            return Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED);
        }
        Ok(ImageView {
            image,
            view_type,
            format,
            components,
            range,
        })
    }
}
