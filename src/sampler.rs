//! `VkSampler`: the validated create info, as the sampling state `pumice_texel::sample` uses.
//!
//! Descriptors copy the state (a few words) when they are written, so a sampler destroyed
//! after the write, as Vulkan allows once no command uses it, leaves nothing dangling.

use ash::vk;
use pumice_texel::sample::{AddressMode, BorderColor, CompareOp, Filter, Sampler as SamplerState};

use crate::handle::HandleObject;

#[derive(Debug)]
pub struct Sampler {
    pub state: SamplerState,
}

impl HandleObject for Sampler {
    const TAG: u64 = u64::from_le_bytes(*b"pmSAMPLR");
}

fn filter(f: vk::Filter) -> Result<Filter, vk::Result> {
    match f {
        vk::Filter::NEAREST => Ok(Filter::Nearest),
        vk::Filter::LINEAR => Ok(Filter::Linear),
        // Cubic filtering (VK_EXT_filter_cubic) is not advertised.
        _ => Err(vk::Result::ERROR_FEATURE_NOT_PRESENT),
    }
}

fn address(m: vk::SamplerAddressMode) -> Result<AddressMode, vk::Result> {
    Ok(match m {
        vk::SamplerAddressMode::REPEAT => AddressMode::Repeat,
        vk::SamplerAddressMode::MIRRORED_REPEAT => AddressMode::MirroredRepeat,
        vk::SamplerAddressMode::CLAMP_TO_EDGE => AddressMode::ClampToEdge,
        vk::SamplerAddressMode::CLAMP_TO_BORDER => AddressMode::ClampToBorder,
        vk::SamplerAddressMode::MIRROR_CLAMP_TO_EDGE => AddressMode::MirrorClampToEdge,
        _ => return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT),
    })
}

pub fn compare_op(op: vk::CompareOp) -> CompareOp {
    match op {
        vk::CompareOp::NEVER => CompareOp::Never,
        vk::CompareOp::LESS => CompareOp::Less,
        vk::CompareOp::EQUAL => CompareOp::Equal,
        vk::CompareOp::LESS_OR_EQUAL => CompareOp::LessOrEqual,
        vk::CompareOp::GREATER => CompareOp::Greater,
        vk::CompareOp::NOT_EQUAL => CompareOp::NotEqual,
        vk::CompareOp::GREATER_OR_EQUAL => CompareOp::GreaterOrEqual,
        _ => CompareOp::Always,
    }
}

impl Sampler {
    /// Validates what Pumice samples with. Custom border colours, cubic filters, Y′CbCr
    /// conversions and reduction modes are not advertised; anisotropy is not either
    /// (`samplerAnisotropy` is false), so `anisotropyEnable` must be false.
    pub fn new(
        info: &vk::SamplerCreateInfo,
        has_unsupported_chain: bool,
    ) -> Result<Sampler, vk::Result> {
        if has_unsupported_chain || info.anisotropy_enable == vk::TRUE {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        let border = match info.border_color {
            vk::BorderColor::FLOAT_TRANSPARENT_BLACK | vk::BorderColor::INT_TRANSPARENT_BLACK => {
                BorderColor::TransparentBlack
            }
            vk::BorderColor::FLOAT_OPAQUE_BLACK | vk::BorderColor::INT_OPAQUE_BLACK => {
                BorderColor::OpaqueBlack
            }
            vk::BorderColor::FLOAT_OPAQUE_WHITE | vk::BorderColor::INT_OPAQUE_WHITE => {
                BorderColor::OpaqueWhite
            }
            _ => return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT),
        };
        let mipmap_mode = match info.mipmap_mode {
            vk::SamplerMipmapMode::LINEAR => Filter::Linear,
            _ => Filter::Nearest,
        };
        Ok(Sampler {
            state: SamplerState {
                mag_filter: filter(info.mag_filter)?,
                min_filter: filter(info.min_filter)?,
                mipmap_mode,
                address: [
                    address(info.address_mode_u)?,
                    address(info.address_mode_v)?,
                    address(info.address_mode_w)?,
                ],
                // maxSamplerLodBias is 15.
                mip_lod_bias: info.mip_lod_bias.clamp(-15.0, 15.0),
                min_lod: info.min_lod,
                max_lod: info.max_lod.max(info.min_lod),
                compare: (info.compare_enable == vk::TRUE).then(|| compare_op(info.compare_op)),
                border,
                unnormalized: info.unnormalized_coordinates == vk::TRUE,
            },
        })
    }
}
