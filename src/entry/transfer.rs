//! Transfer commands: copies, blits, fills, updates and clears (1.0 and `*2` forms).

use ash::vk;
use pumice_raster::transfer as t;

use crate::buffer::Buffer;
use crate::command_buffer::Command;
use crate::conv;
use crate::entry::command::record;
use crate::entry::entry_points;
use crate::handle;
use crate::image::Image;

fn buffer_image_copy2(r: &vk::BufferImageCopy) -> vk::BufferImageCopy2<'static> {
    vk::BufferImageCopy2 {
        buffer_offset: r.buffer_offset,
        buffer_row_length: r.buffer_row_length,
        buffer_image_height: r.buffer_image_height,
        image_subresource: r.image_subresource,
        image_offset: r.image_offset,
        image_extent: r.image_extent,
        ..Default::default()
    }
}

fn image_copy2(r: &vk::ImageCopy) -> vk::ImageCopy2<'static> {
    vk::ImageCopy2 {
        src_subresource: r.src_subresource,
        src_offset: r.src_offset,
        dst_subresource: r.dst_subresource,
        dst_offset: r.dst_offset,
        extent: r.extent,
        ..Default::default()
    }
}

fn image_blit2(r: &vk::ImageBlit) -> vk::ImageBlit2<'static> {
    vk::ImageBlit2 {
        src_subresource: r.src_subresource,
        src_offsets: r.src_offsets,
        dst_subresource: r.dst_subresource,
        dst_offsets: r.dst_offsets,
        ..Default::default()
    }
}

fn buffer_copies<'a>(regions: impl Iterator<Item = (u64, u64, u64)> + 'a) -> Vec<t::BufferCopy> {
    regions
        .map(|(src_offset, dst_offset, size)| t::BufferCopy {
            src_offset,
            dst_offset,
            size,
        })
        .collect()
}

entry_points! {
    Device fn vkCmdCopyBuffer(
        command_buffer: vk::CommandBuffer,
        src: vk::Buffer,
        dst: vk::Buffer,
        region_count: u32,
        p_regions: *const vk::BufferCopy,
    ) {
        // SAFETY: valid usage: live handles and `region_count` regions.
        unsafe {
            record(command_buffer, || {
                let regions = handle::slice(p_regions, region_count);
                Ok(Command::CopyBuffer {
                    src: handle::get::<_, Buffer>(src)?,
                    dst: handle::get::<_, Buffer>(dst)?,
                    regions: buffer_copies(regions.iter().map(|r| (r.src_offset, r.dst_offset, r.size))),
                })
            })
        };
    }

    Device fn vkCmdCopyBuffer2(command_buffer: vk::CommandBuffer, p_info: *const vk::CopyBufferInfo2) {
        // SAFETY: valid usage: a valid info with live handles.
        unsafe {
            record(command_buffer, || {
                let info = handle::req(p_info)?;
                let regions = handle::slice(info.p_regions, info.region_count);
                Ok(Command::CopyBuffer {
                    src: handle::get::<_, Buffer>(info.src_buffer)?,
                    dst: handle::get::<_, Buffer>(info.dst_buffer)?,
                    regions: buffer_copies(regions.iter().map(|r| (r.src_offset, r.dst_offset, r.size))),
                })
            })
        };
    }

    Device fn vkCmdCopyImage(
        command_buffer: vk::CommandBuffer,
        src: vk::Image,
        _src_layout: vk::ImageLayout,
        dst: vk::Image,
        _dst_layout: vk::ImageLayout,
        region_count: u32,
        p_regions: *const vk::ImageCopy,
    ) {
        // SAFETY: valid usage: live handles and `region_count` regions.
        unsafe {
            record(command_buffer, || {
                let regions = handle::slice(p_regions, region_count).iter().map(image_copy2).collect::<Vec<_>>();
                Ok(Command::CopyImage {
                    src: handle::get::<_, Image>(src)?,
                    dst: handle::get::<_, Image>(dst)?,
                    regions: regions.iter().flat_map(conv::image_copies).collect(),
                })
            })
        };
    }

    Device fn vkCmdCopyImage2(command_buffer: vk::CommandBuffer, p_info: *const vk::CopyImageInfo2) {
        // SAFETY: valid usage: a valid info with live handles.
        unsafe {
            record(command_buffer, || {
                let info = handle::req(p_info)?;
                Ok(Command::CopyImage {
                    src: handle::get::<_, Image>(info.src_image)?,
                    dst: handle::get::<_, Image>(info.dst_image)?,
                    regions: handle::slice(info.p_regions, info.region_count).iter().flat_map(conv::image_copies).collect(),
                })
            })
        };
    }

    Device fn vkCmdCopyBufferToImage(
        command_buffer: vk::CommandBuffer,
        src: vk::Buffer,
        dst: vk::Image,
        _dst_layout: vk::ImageLayout,
        region_count: u32,
        p_regions: *const vk::BufferImageCopy,
    ) {
        // SAFETY: valid usage: live handles and `region_count` regions.
        unsafe {
            record(command_buffer, || {
                let regions = handle::slice(p_regions, region_count).iter().map(buffer_image_copy2).collect::<Vec<_>>();
                Ok(Command::CopyBufferToImage {
                    src: handle::get::<_, Buffer>(src)?,
                    dst: handle::get::<_, Image>(dst)?,
                    regions: regions.iter().flat_map(conv::buffer_image_copies).collect(),
                })
            })
        };
    }

    Device fn vkCmdCopyBufferToImage2(command_buffer: vk::CommandBuffer, p_info: *const vk::CopyBufferToImageInfo2) {
        // SAFETY: valid usage: a valid info with live handles.
        unsafe {
            record(command_buffer, || {
                let info = handle::req(p_info)?;
                Ok(Command::CopyBufferToImage {
                    src: handle::get::<_, Buffer>(info.src_buffer)?,
                    dst: handle::get::<_, Image>(info.dst_image)?,
                    regions: handle::slice(info.p_regions, info.region_count)
                        .iter()
                        .flat_map(conv::buffer_image_copies)
                        .collect(),
                })
            })
        };
    }

    Device fn vkCmdCopyImageToBuffer(
        command_buffer: vk::CommandBuffer,
        src: vk::Image,
        _src_layout: vk::ImageLayout,
        dst: vk::Buffer,
        region_count: u32,
        p_regions: *const vk::BufferImageCopy,
    ) {
        // SAFETY: valid usage: live handles and `region_count` regions.
        unsafe {
            record(command_buffer, || {
                let regions = handle::slice(p_regions, region_count).iter().map(buffer_image_copy2).collect::<Vec<_>>();
                Ok(Command::CopyImageToBuffer {
                    src: handle::get::<_, Image>(src)?,
                    dst: handle::get::<_, Buffer>(dst)?,
                    regions: regions.iter().flat_map(conv::buffer_image_copies).collect(),
                })
            })
        };
    }

    Device fn vkCmdCopyImageToBuffer2(command_buffer: vk::CommandBuffer, p_info: *const vk::CopyImageToBufferInfo2) {
        // SAFETY: valid usage: a valid info with live handles.
        unsafe {
            record(command_buffer, || {
                let info = handle::req(p_info)?;
                Ok(Command::CopyImageToBuffer {
                    src: handle::get::<_, Image>(info.src_image)?,
                    dst: handle::get::<_, Buffer>(info.dst_buffer)?,
                    regions: handle::slice(info.p_regions, info.region_count)
                        .iter()
                        .flat_map(conv::buffer_image_copies)
                        .collect(),
                })
            })
        };
    }

    Device fn vkCmdBlitImage(
        command_buffer: vk::CommandBuffer,
        src: vk::Image,
        _src_layout: vk::ImageLayout,
        dst: vk::Image,
        _dst_layout: vk::ImageLayout,
        region_count: u32,
        p_regions: *const vk::ImageBlit,
        filter: vk::Filter,
    ) {
        // SAFETY: valid usage: live handles and `region_count` regions.
        unsafe {
            record(command_buffer, || {
                let regions = handle::slice(p_regions, region_count).iter().map(image_blit2).collect::<Vec<_>>();
                Ok(Command::BlitImage {
                    src: handle::get::<_, Image>(src)?,
                    dst: handle::get::<_, Image>(dst)?,
                    regions: regions.iter().flat_map(conv::image_blits).collect(),
                    filter: conv::filter(filter).ok_or(vk::Result::ERROR_FEATURE_NOT_PRESENT)?,
                })
            })
        };
    }

    Device fn vkCmdBlitImage2(command_buffer: vk::CommandBuffer, p_info: *const vk::BlitImageInfo2) {
        // SAFETY: valid usage: a valid info with live handles.
        unsafe {
            record(command_buffer, || {
                let info = handle::req(p_info)?;
                Ok(Command::BlitImage {
                    src: handle::get::<_, Image>(info.src_image)?,
                    dst: handle::get::<_, Image>(info.dst_image)?,
                    regions: handle::slice(info.p_regions, info.region_count).iter().flat_map(conv::image_blits).collect(),
                    filter: conv::filter(info.filter).ok_or(vk::Result::ERROR_FEATURE_NOT_PRESENT)?,
                })
            })
        };
    }

    Device fn vkCmdResolveImage(
        command_buffer: vk::CommandBuffer,
        src: vk::Image,
        _src_layout: vk::ImageLayout,
        dst: vk::Image,
        _dst_layout: vk::ImageLayout,
        region_count: u32,
        p_regions: *const vk::ImageResolve,
    ) {
        // SAFETY: valid usage: live handles and `region_count` regions.
        unsafe {
            record(command_buffer, || {
                Ok(Command::ResolveImage {
                    src: handle::get::<_, Image>(src)?,
                    dst: handle::get::<_, Image>(dst)?,
                    regions: handle::slice(p_regions, region_count)
                        .iter()
                        .map(|r| {
                            conv::image_resolve(&vk::ImageResolve2 {
                                src_subresource: r.src_subresource,
                                src_offset: r.src_offset,
                                dst_subresource: r.dst_subresource,
                                dst_offset: r.dst_offset,
                                extent: r.extent,
                                ..Default::default()
                            })
                        })
                        .collect(),
                })
            })
        };
    }

    Device fn vkCmdResolveImage2(command_buffer: vk::CommandBuffer, p_info: *const vk::ResolveImageInfo2) {
        // SAFETY: valid usage: a valid info with live handles.
        unsafe {
            record(command_buffer, || {
                let info = handle::req(p_info)?;
                Ok(Command::ResolveImage {
                    src: handle::get::<_, Image>(info.src_image)?,
                    dst: handle::get::<_, Image>(info.dst_image)?,
                    regions: handle::slice(info.p_regions, info.region_count).iter().map(conv::image_resolve).collect(),
                })
            })
        };
    }

    Device fn vkCmdFillBuffer(command_buffer: vk::CommandBuffer, dst: vk::Buffer, offset: u64, size: u64, data: u32) {
        // SAFETY: valid usage: live handles.
        unsafe {
            record(command_buffer, || Ok(Command::FillBuffer { dst: handle::get::<_, Buffer>(dst)?, offset, size, data }))
        };
    }

    Device fn vkCmdUpdateBuffer(
        command_buffer: vk::CommandBuffer,
        dst: vk::Buffer,
        offset: u64,
        size: u64,
        p_data: *const std::ffi::c_void,
    ) {
        // Spec: dataSize must be at most 65536 and a multiple of 4.
        if size > 65536 {
            // SAFETY: valid usage: a live command buffer.
            unsafe { record(command_buffer, || Err(vk::Result::ERROR_UNKNOWN)) };
            return;
        }
        // SAFETY: valid usage: live handles and `size` readable bytes, copied now as the spec
        // requires (the application may reuse its memory once the call returns).
        unsafe {
            record(command_buffer, || {
                let data = handle::slice(p_data as *const u8, size as u32).to_vec();
                Ok(Command::UpdateBuffer { dst: handle::get::<_, Buffer>(dst)?, offset, data })
            })
        };
    }

    Device fn vkCmdClearColorImage(
        command_buffer: vk::CommandBuffer,
        image: vk::Image,
        _layout: vk::ImageLayout,
        p_color: *const vk::ClearColorValue,
        range_count: u32,
        p_ranges: *const vk::ImageSubresourceRange,
    ) {
        // SAFETY: valid usage: live handles, a valid colour and `range_count` ranges.
        unsafe {
            record(command_buffer, || {
                let color = handle::req(p_color)?.uint32;
                Ok(Command::ClearColorImage {
                    image: handle::get::<_, Image>(image)?,
                    color: t::ClearColor(color),
                    ranges: handle::slice(p_ranges, range_count).iter().flat_map(conv::ranges).collect(),
                })
            })
        };
    }

    Device fn vkCmdClearDepthStencilImage(
        command_buffer: vk::CommandBuffer,
        image: vk::Image,
        _layout: vk::ImageLayout,
        p_value: *const vk::ClearDepthStencilValue,
        range_count: u32,
        p_ranges: *const vk::ImageSubresourceRange,
    ) {
        // SAFETY: valid usage: live handles, a valid value and `range_count` ranges.
        unsafe {
            record(command_buffer, || {
                let value = handle::req(p_value)?;
                Ok(Command::ClearDepthStencilImage {
                    image: handle::get::<_, Image>(image)?,
                    depth: value.depth,
                    stencil: value.stencil,
                    ranges: handle::slice(p_ranges, range_count).iter().flat_map(conv::ranges).collect(),
                })
            })
        };
    }
}
