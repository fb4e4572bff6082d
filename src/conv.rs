//! Conversions from Vulkan's types to the engine crates' types, in one place.

use ash::vk;
use pumice_raster::transfer as t;
use pumice_texel::Aspect;

/// The one aspect named by a mask that must name exactly one.
pub fn single_aspect(mask: vk::ImageAspectFlags) -> Option<Aspect> {
    match mask {
        vk::ImageAspectFlags::COLOR => Some(Aspect::Color),
        vk::ImageAspectFlags::DEPTH => Some(Aspect::Depth),
        vk::ImageAspectFlags::STENCIL => Some(Aspect::Stencil),
        _ => None,
    }
}

/// The aspects of a mask, each on its own (copies of depth+stencil split into two).
pub fn aspects(mask: vk::ImageAspectFlags) -> impl Iterator<Item = Aspect> {
    [
        (vk::ImageAspectFlags::COLOR, Aspect::Color),
        (vk::ImageAspectFlags::DEPTH, Aspect::Depth),
        (vk::ImageAspectFlags::STENCIL, Aspect::Stencil),
    ]
    .into_iter()
    .filter(move |(bit, _)| mask.contains(*bit))
    .map(|(_, a)| a)
}

pub fn offset3(o: vk::Offset3D) -> [i32; 3] {
    [o.x, o.y, o.z]
}

pub fn extent3(e: vk::Extent3D) -> [u32; 3] {
    [e.width, e.height, e.depth]
}

pub fn layers(l: vk::ImageSubresourceLayers, aspect: Aspect) -> t::SubresourceLayers {
    t::SubresourceLayers {
        aspect,
        mip_level: l.mip_level,
        base_array_layer: l.base_array_layer,
        layer_count: l.layer_count,
    }
}

/// One region per aspect named in the subresource.
pub fn buffer_image_copies<'a>(
    r: &'a vk::BufferImageCopy2<'a>,
) -> impl Iterator<Item = t::BufferImageCopy> + 'a {
    aspects(r.image_subresource.aspect_mask).map(move |aspect| t::BufferImageCopy {
        buffer_offset: r.buffer_offset,
        buffer_row_length: r.buffer_row_length,
        buffer_image_height: r.buffer_image_height,
        image: layers(r.image_subresource, aspect),
        image_offset: offset3(r.image_offset),
        image_extent: extent3(r.image_extent),
    })
}

pub fn image_copies<'a>(r: &'a vk::ImageCopy2<'a>) -> impl Iterator<Item = t::ImageCopy> + 'a {
    aspects(r.src_subresource.aspect_mask).map(move |aspect| {
        // Depth is copied to depth and stencil to stencil; colour to colour.
        let dst_aspect = aspect;
        t::ImageCopy {
            src: layers(r.src_subresource, aspect),
            src_offset: offset3(r.src_offset),
            dst: layers(r.dst_subresource, dst_aspect),
            dst_offset: offset3(r.dst_offset),
            extent: extent3(r.extent),
        }
    })
}

/// A `VkImageResolve2` (colour only: resolves of depth/stencil images are invalid usage).
pub fn image_resolve(r: &vk::ImageResolve2) -> t::ImageCopy {
    t::ImageCopy {
        src: layers(r.src_subresource, Aspect::Color),
        src_offset: offset3(r.src_offset),
        dst: layers(r.dst_subresource, Aspect::Color),
        dst_offset: offset3(r.dst_offset),
        extent: extent3(r.extent),
    }
}

pub fn image_blits<'a>(r: &'a vk::ImageBlit2<'a>) -> impl Iterator<Item = t::ImageBlit> + 'a {
    aspects(r.src_subresource.aspect_mask).map(move |aspect| t::ImageBlit {
        src: layers(r.src_subresource, aspect),
        src_offsets: [offset3(r.src_offsets[0]), offset3(r.src_offsets[1])],
        dst: layers(r.dst_subresource, aspect),
        dst_offsets: [offset3(r.dst_offsets[0]), offset3(r.dst_offsets[1])],
    })
}

pub fn ranges(r: &vk::ImageSubresourceRange) -> impl Iterator<Item = t::SubresourceRange> + '_ {
    aspects(r.aspect_mask).map(move |aspect| t::SubresourceRange {
        aspect,
        base_mip_level: r.base_mip_level,
        level_count: r.level_count,
        base_array_layer: r.base_array_layer,
        layer_count: r.layer_count,
    })
}

pub fn filter(f: vk::Filter) -> Option<t::Filter> {
    match f {
        vk::Filter::NEAREST => Some(t::Filter::Nearest),
        vk::Filter::LINEAR => Some(t::Filter::Linear),
        _ => None,
    }
}

use pumice_raster as r;

pub fn compare_op(op: vk::CompareOp) -> Option<r::CompareOp> {
    Some(match op {
        vk::CompareOp::NEVER => r::CompareOp::Never,
        vk::CompareOp::LESS => r::CompareOp::Less,
        vk::CompareOp::EQUAL => r::CompareOp::Equal,
        vk::CompareOp::LESS_OR_EQUAL => r::CompareOp::LessOrEqual,
        vk::CompareOp::GREATER => r::CompareOp::Greater,
        vk::CompareOp::NOT_EQUAL => r::CompareOp::NotEqual,
        vk::CompareOp::GREATER_OR_EQUAL => r::CompareOp::GreaterOrEqual,
        vk::CompareOp::ALWAYS => r::CompareOp::Always,
        _ => return None,
    })
}

pub fn stencil_op(op: vk::StencilOp) -> Option<r::StencilOp> {
    Some(match op {
        vk::StencilOp::KEEP => r::StencilOp::Keep,
        vk::StencilOp::ZERO => r::StencilOp::Zero,
        vk::StencilOp::REPLACE => r::StencilOp::Replace,
        vk::StencilOp::INCREMENT_AND_CLAMP => r::StencilOp::IncrementAndClamp,
        vk::StencilOp::DECREMENT_AND_CLAMP => r::StencilOp::DecrementAndClamp,
        vk::StencilOp::INVERT => r::StencilOp::Invert,
        vk::StencilOp::INCREMENT_AND_WRAP => r::StencilOp::IncrementAndWrap,
        vk::StencilOp::DECREMENT_AND_WRAP => r::StencilOp::DecrementAndWrap,
        _ => return None,
    })
}

pub fn blend_factor(f: vk::BlendFactor) -> Option<r::BlendFactor> {
    use r::BlendFactor as B;
    Some(match f {
        vk::BlendFactor::ZERO => B::Zero,
        vk::BlendFactor::ONE => B::One,
        vk::BlendFactor::SRC_COLOR => B::SrcColor,
        vk::BlendFactor::ONE_MINUS_SRC_COLOR => B::OneMinusSrcColor,
        vk::BlendFactor::DST_COLOR => B::DstColor,
        vk::BlendFactor::ONE_MINUS_DST_COLOR => B::OneMinusDstColor,
        vk::BlendFactor::SRC_ALPHA => B::SrcAlpha,
        vk::BlendFactor::ONE_MINUS_SRC_ALPHA => B::OneMinusSrcAlpha,
        vk::BlendFactor::DST_ALPHA => B::DstAlpha,
        vk::BlendFactor::ONE_MINUS_DST_ALPHA => B::OneMinusDstAlpha,
        vk::BlendFactor::CONSTANT_COLOR => B::ConstantColor,
        vk::BlendFactor::ONE_MINUS_CONSTANT_COLOR => B::OneMinusConstantColor,
        vk::BlendFactor::CONSTANT_ALPHA => B::ConstantAlpha,
        vk::BlendFactor::ONE_MINUS_CONSTANT_ALPHA => B::OneMinusConstantAlpha,
        vk::BlendFactor::SRC_ALPHA_SATURATE => B::SrcAlphaSaturate,
        vk::BlendFactor::SRC1_COLOR => B::Src1Color,
        vk::BlendFactor::ONE_MINUS_SRC1_COLOR => B::OneMinusSrc1Color,
        vk::BlendFactor::SRC1_ALPHA => B::Src1Alpha,
        vk::BlendFactor::ONE_MINUS_SRC1_ALPHA => B::OneMinusSrc1Alpha,
        _ => return None,
    })
}

pub fn blend_op(op: vk::BlendOp) -> Option<r::BlendOp> {
    Some(match op {
        vk::BlendOp::ADD => r::BlendOp::Add,
        vk::BlendOp::SUBTRACT => r::BlendOp::Subtract,
        vk::BlendOp::REVERSE_SUBTRACT => r::BlendOp::ReverseSubtract,
        vk::BlendOp::MIN => r::BlendOp::Min,
        vk::BlendOp::MAX => r::BlendOp::Max,
        _ => return None,
    })
}

/// `VkLogicOp`, in its order; `None` for values outside the enum.
pub fn logic_op(op: vk::LogicOp) -> Option<r::LogicOp> {
    usize::try_from(op.as_raw())
        .ok()
        .and_then(|i| r::LogicOp::ALL.get(i).copied())
}

pub fn cull_mode(c: vk::CullModeFlags) -> r::CullMode {
    match (
        c.contains(vk::CullModeFlags::FRONT),
        c.contains(vk::CullModeFlags::BACK),
    ) {
        (false, false) => r::CullMode::None,
        (true, false) => r::CullMode::Front,
        (false, true) => r::CullMode::Back,
        (true, true) => r::CullMode::FrontAndBack,
    }
}

pub fn front_face(f: vk::FrontFace) -> r::FrontFace {
    if f == vk::FrontFace::CLOCKWISE {
        r::FrontFace::Clockwise
    } else {
        r::FrontFace::CounterClockwise
    }
}

pub fn polygon_mode(m: vk::PolygonMode) -> Option<r::PolygonMode> {
    Some(match m {
        vk::PolygonMode::FILL => r::PolygonMode::Fill,
        vk::PolygonMode::LINE => r::PolygonMode::Line,
        vk::PolygonMode::POINT => r::PolygonMode::Point,
        _ => return None,
    })
}

pub fn topology(t: vk::PrimitiveTopology) -> Option<r::Topology> {
    Some(match t {
        vk::PrimitiveTopology::POINT_LIST => r::Topology::PointList,
        vk::PrimitiveTopology::LINE_LIST => r::Topology::LineList,
        vk::PrimitiveTopology::LINE_STRIP => r::Topology::LineStrip,
        vk::PrimitiveTopology::TRIANGLE_LIST => r::Topology::TriangleList,
        vk::PrimitiveTopology::TRIANGLE_STRIP => r::Topology::TriangleStrip,
        vk::PrimitiveTopology::TRIANGLE_FAN => r::Topology::TriangleFan,
        _ => return None,
    })
}
