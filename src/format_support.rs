//! Which operations each format supports, and the image shapes that follow from that.
//!
//! A feature bit is set only when the operation behind it is implemented for the format:
//! transfers, blits, attachments, sampled and storage images and vertex buffers, all through
//! `pumice_texel::pack` (and `pumice_texel::sample` for sampling).

use ash::vk;
use pumice_texel::{Format, Numeric, NumericClass};

/// Whether `pumice_texel::pack` can encode and decode the format (needed for clears and blits).
fn packable(format: Format) -> bool {
    let info = format.info();
    info.compression.is_none() && info.components().iter().all(|c| c.bits <= 32)
}

/// The format's features for optimal and linear tiling. Buffer features are empty for now.
pub fn tiling_features(format: Format) -> (vk::FormatFeatureFlags, vk::FormatFeatureFlags) {
    use vk::FormatFeatureFlags as F;
    if !packable(format) {
        return (F::empty(), F::empty());
    }
    let transfer = F::TRANSFER_SRC | F::TRANSFER_DST;
    if format.is_depth_stencil() {
        // Depth/stencil images: copies and clears, and same-format nearest blits; optimal tiling
        // only, as on most drivers. Every depth, stencil and combined format is a depth/stencil
        // attachment (the rasterizer tests and writes both planes).
        // Sampled: shaders read either aspect through `pumice_texel::sample`, depth filtered
        // linearly too.
        let sampled = if format.aspects().depth {
            F::SAMPLED_IMAGE | F::SAMPLED_IMAGE_FILTER_LINEAR
        } else {
            F::SAMPLED_IMAGE
        };
        return (
            transfer | F::BLIT_SRC | F::BLIT_DST | F::DEPTH_STENCIL_ATTACHMENT | sampled,
            F::empty(),
        );
    }
    // Colour formats: transfers and blits (the generic packer handles every layout), and
    // colour attachments (the rasterizer writes through the same packer); blending for the
    // formats whose values are floats.
    let scaled = format
        .info()
        .components()
        .iter()
        .any(|c| matches!(c.numeric, Numeric::Uscaled | Numeric::Sscaled));
    // Sampling and storage images go through the same packer.
    let mut all = transfer | F::BLIT_SRC | F::BLIT_DST | F::SAMPLED_IMAGE;
    if !scaled && !format.info().shared_exponent {
        all |= F::COLOR_ATTACHMENT;
        if !format.is_srgb() {
            all |= F::STORAGE_IMAGE;
        }
    }
    // Shaders run atomics on 32-bit integer texels (pumice-shader `image_atomics_as_calls`).
    if matches!(format, Format::R32_UINT | Format::R32_SINT) && all.contains(F::STORAGE_IMAGE) {
        all |= F::STORAGE_IMAGE_ATOMIC;
    }
    if format.numeric_class() == NumericClass::Float {
        // Blits may filter linearly (VUID-vkCmdBlitImage-filter-02001 needs this bit with
        // BLIT_SRC for VK_FILTER_LINEAR); integer formats may not.
        all |= F::SAMPLED_IMAGE_FILTER_LINEAR | F::COLOR_ATTACHMENT_BLEND;
    }
    (all, all)
}

/// Buffer formats: vertex buffers and uniform texel buffers for any format the packer decodes;
/// storage texel buffers for those it also encodes (not sRGB, scaled or shared-exponent ones).
fn buffer_features(format: Format) -> vk::FormatFeatureFlags {
    use vk::FormatFeatureFlags as F;
    if !packable(format) || format.is_depth_stencil() {
        return F::empty();
    }
    let mut f = F::VERTEX_BUFFER | F::UNIFORM_TEXEL_BUFFER;
    let scaled = format
        .info()
        .components()
        .iter()
        .any(|c| matches!(c.numeric, Numeric::Uscaled | Numeric::Sscaled));
    if !scaled && !format.is_srgb() && !format.info().shared_exponent {
        f |= F::STORAGE_TEXEL_BUFFER;
    }
    f
}

pub fn format_properties(format: vk::Format) -> vk::FormatProperties {
    let Some(f) = Format::from_vk(format.as_raw()) else {
        return vk::FormatProperties::default();
    };
    let (optimal, linear) = tiling_features(f);
    vk::FormatProperties {
        linear_tiling_features: linear,
        optimal_tiling_features: optimal,
        buffer_features: buffer_features(f),
    }
}

/// `VkFormatProperties3`: the same bits in the 64-bit flags.
pub fn format_properties3(
    format: vk::Format,
) -> (
    vk::FormatFeatureFlags2,
    vk::FormatFeatureFlags2,
    vk::FormatFeatureFlags2,
) {
    let p = format_properties(format);
    let widen = |f: vk::FormatFeatureFlags| vk::FormatFeatureFlags2::from_raw(f.as_raw() as u64);
    (
        widen(p.linear_tiling_features),
        widen(p.optimal_tiling_features),
        widen(p.buffer_features),
    )
}

/// The usage bits an image may have given its format's features.
fn usage_supported(usage: vk::ImageUsageFlags, features: vk::FormatFeatureFlags) -> bool {
    use vk::FormatFeatureFlags as F;
    use vk::ImageUsageFlags as U;
    let needs = [
        (U::TRANSFER_SRC, F::TRANSFER_SRC),
        (U::TRANSFER_DST, F::TRANSFER_DST),
        (U::SAMPLED, F::SAMPLED_IMAGE),
        (U::STORAGE, F::STORAGE_IMAGE),
        (U::COLOR_ATTACHMENT, F::COLOR_ATTACHMENT),
        (U::DEPTH_STENCIL_ATTACHMENT, F::DEPTH_STENCIL_ATTACHMENT),
        (
            U::INPUT_ATTACHMENT,
            F::COLOR_ATTACHMENT | F::DEPTH_STENCIL_ATTACHMENT,
        ),
        (
            U::TRANSIENT_ATTACHMENT,
            F::COLOR_ATTACHMENT | F::DEPTH_STENCIL_ATTACHMENT,
        ),
    ];
    let known = needs.iter().fold(U::empty(), |acc, (u, _)| acc | *u);
    if !(usage & !known).is_empty() {
        return false;
    }
    needs
        .iter()
        .all(|&(u, f)| !usage.contains(u) || features.intersects(f))
}

/// Image creation flags we handle.
fn flags_supported(flags: vk::ImageCreateFlags) -> bool {
    use vk::ImageCreateFlags as C;
    let ok = C::MUTABLE_FORMAT
        | C::CUBE_COMPATIBLE
        | C::TYPE_2D_ARRAY_COMPATIBLE
        | C::EXTENDED_USAGE
        | C::BLOCK_TEXEL_VIEW_COMPATIBLE
        | C::ALIAS;
    (flags & !ok).is_empty()
}

/// What `vkGetPhysicalDeviceImageFormatProperties` answers; `Err` is
/// `VK_ERROR_FORMAT_NOT_SUPPORTED`.
/// Sample counts of storage images (`storageImageSampleCounts`): 1 to 64.
pub const STORAGE_SAMPLE_COUNTS: vk::SampleCountFlags = vk::SampleCountFlags::from_raw(0x7f);

pub fn image_format_properties(
    format: vk::Format,
    ty: vk::ImageType,
    tiling: vk::ImageTiling,
    usage: vk::ImageUsageFlags,
    flags: vk::ImageCreateFlags,
    max_resource_size: u64,
) -> Result<vk::ImageFormatProperties, vk::Result> {
    let unsupported = Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED);
    let Some(f) = Format::from_vk(format.as_raw()) else {
        return unsupported;
    };
    let (optimal, linear) = tiling_features(f);
    let features = match tiling {
        vk::ImageTiling::OPTIMAL => optimal,
        vk::ImageTiling::LINEAR => linear,
        _ => return unsupported,
    };
    if features.is_empty()
        || usage.is_empty()
        || !usage_supported(usage, features)
        || !flags_supported(flags)
    {
        return unsupported;
    }
    if flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE) && ty != vk::ImageType::TYPE_2D {
        return unsupported;
    }
    if flags.contains(vk::ImageCreateFlags::TYPE_2D_ARRAY_COMPATIBLE)
        && ty != vk::ImageType::TYPE_3D
    {
        return unsupported;
    }
    if f.is_depth_stencil() && ty == vk::ImageType::TYPE_3D {
        return unsupported;
    }
    let (extent, max_layers, max_mips) = match ty {
        vk::ImageType::TYPE_1D => (
            vk::Extent3D {
                width: 16384,
                height: 1,
                depth: 1,
            },
            2048,
            15,
        ),
        vk::ImageType::TYPE_2D => (
            vk::Extent3D {
                width: 16384,
                height: 16384,
                depth: 1,
            },
            2048,
            15,
        ),
        vk::ImageType::TYPE_3D => (
            vk::Extent3D {
                width: 2048,
                height: 2048,
                depth: 2048,
            },
            1,
            12,
        ),
        _ => return unsupported,
    };
    let linear_tiling = tiling == vk::ImageTiling::LINEAR;
    if linear_tiling && ty != vk::ImageType::TYPE_2D {
        return unsupported;
    }
    // 4 samples for 2-D optimal attachments: the rasterizer and the transfers (copies, clears,
    // resolves) handle them, and shaders fetch their samples. Input attachments with samples
    // are not supported.
    let attachment = features.intersects(
        vk::FormatFeatureFlags::COLOR_ATTACHMENT | vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT,
    );
    // Shaders fetch samples of multisampled images (`texelFetch` on `sampler2DMS`).
    let shader_read = vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::INPUT_ATTACHMENT;
    // Storage images that are not attachments take any count: shaders address their samples
    // directly (`interp::image`), and transfers copy and clear all of a texel's samples.
    let attachment_usage = vk::ImageUsageFlags::COLOR_ATTACHMENT
        | vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT
        | vk::ImageUsageFlags::INPUT_ATTACHMENT;
    let plain_2d = ty == vk::ImageType::TYPE_2D
        && !linear_tiling
        && !flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE);
    let sample_counts = if plain_2d
        && usage.contains(vk::ImageUsageFlags::STORAGE)
        && !usage.intersects(attachment_usage)
    {
        STORAGE_SAMPLE_COUNTS
    } else if plain_2d && attachment && !usage.intersects(shader_read) {
        vk::SampleCountFlags::TYPE_1 | vk::SampleCountFlags::TYPE_4
    } else {
        vk::SampleCountFlags::TYPE_1
    };
    Ok(vk::ImageFormatProperties {
        max_extent: extent,
        max_mip_levels: if linear_tiling { 1 } else { max_mips },
        max_array_layers: if linear_tiling { 1 } else { max_layers },
        sample_counts,
        max_resource_size,
    })
}

/// Whether a format is in the "sRGB" family (for blit conversions, via the texel crate).
pub fn is_srgb(format: Format) -> bool {
    format
        .info()
        .components()
        .iter()
        .any(|c| c.numeric == Numeric::Srgb)
}
