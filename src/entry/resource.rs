//! Buffers, buffer views, images and image views.

use std::ffi::c_void;

use ash::vk;

use crate::buffer::{requirements_for_size, Buffer, BufferView};
use crate::entry::device::device_ref;
use crate::entry::entry_points;
use crate::handle;
use crate::image::{Image, ImageInfo, ImageView};
use crate::sampler::Sampler;

fn image_info(info: &vk::ImageCreateInfo) -> ImageInfo {
    ImageInfo {
        flags: info.flags,
        image_type: info.image_type,
        format: info.format,
        extent: info.extent,
        mip_levels: info.mip_levels,
        array_layers: info.array_layers,
        samples: info.samples,
        tiling: info.tiling,
        usage: info.usage,
    }
}

/// Fills a `VkMemoryRequirements2` chain.
///
/// # Safety
/// `out` must be a writable structure chain.
unsafe fn fill_requirements(out: *mut vk::MemoryRequirements2, req: vk::MemoryRequirements) {
    use vk::TaggedStructure;
    // SAFETY: forwarded contract; casts follow the sType.
    unsafe {
        for (s_type, ptr) in handle::chain_mut(out as *mut c_void) {
            match s_type {
                vk::MemoryRequirements2::STRUCTURE_TYPE => {
                    handle::cast_mut::<vk::MemoryRequirements2>(ptr).memory_requirements = req;
                }
                vk::MemoryDedicatedRequirements::STRUCTURE_TYPE => {
                    // Every allocation is plain host memory: dedicated ones gain nothing.
                    let d = handle::cast_mut::<vk::MemoryDedicatedRequirements>(ptr);
                    d.prefers_dedicated_allocation = vk::FALSE;
                    d.requires_dedicated_allocation = vk::FALSE;
                }
                _ => {}
            }
        }
    }
}

entry_points! {
    Device fn vkCreateBuffer(
        _device: vk::Device,
        p_create_info: *const vk::BufferCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_buffer: *mut vk::Buffer,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let buffer = Buffer::new(info.size, info.usage, info.flags)?;
            handle::write(p_buffer, handle::new_handle(buffer))
        }
    }

    Device fn vkDestroyBuffer(_device: vk::Device, buffer: vk::Buffer, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live buffer (or null), not used afterwards.
        unsafe { handle::destroy::<_, Buffer>(buffer) };
    }

    Device fn vkGetBufferMemoryRequirements(_device: vk::Device, buffer: vk::Buffer, p_req: *mut vk::MemoryRequirements) {
        // SAFETY: valid usage: a live buffer and a writable pointer.
        unsafe {
            if let Ok(b) = handle::get::<_, Buffer>(buffer) {
                let _ = handle::write(p_req, b.memory_requirements());
            }
        }
    }

    Device fn vkGetBufferMemoryRequirements2(
        _device: vk::Device,
        p_info: *const vk::BufferMemoryRequirementsInfo2,
        p_req: *mut vk::MemoryRequirements2,
    ) {
        // SAFETY: valid usage: a valid info with a live buffer, and a writable chain.
        unsafe {
            let Ok(info) = handle::req(p_info) else { return };
            if let Ok(b) = handle::get::<_, Buffer>(info.buffer) {
                fill_requirements(p_req, b.memory_requirements());
            }
        }
    }

    Device fn vkGetDeviceBufferMemoryRequirements(
        _device: vk::Device,
        p_info: *const vk::DeviceBufferMemoryRequirements,
        p_req: *mut vk::MemoryRequirements2,
    ) {
        // SAFETY: valid usage: a valid info and a writable chain.
        unsafe {
            let Ok(info) = handle::req(p_info) else { return };
            let Ok(create) = handle::req(info.p_create_info) else { return };
            fill_requirements(p_req, requirements_for_size(create.size));
        }
    }

    Device fn vkCreateBufferView(
        _device: vk::Device,
        p_create_info: *const vk::BufferViewCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_view: *mut vk::BufferView,
    ) -> Result {
        // SAFETY: valid usage: a valid create info with a live buffer, and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let view = BufferView::new(handle::get(info.buffer)?, info.format, info.offset, info.range)?;
            handle::write(p_view, handle::new_handle(view))
        }
    }

    Device fn vkDestroyBufferView(_device: vk::Device, view: vk::BufferView, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live view (or null), not used afterwards.
        unsafe { handle::destroy::<_, BufferView>(view) };
    }

    Device fn vkCreateImage(
        device: vk::Device,
        p_create_info: *const vk::ImageCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_image: *mut vk::Image,
    ) -> Result {
        // SAFETY: valid usage: a live device, a valid create info and a writable pointer.
        unsafe {
            let dev = device_ref(device)?;
            let info = handle::req(p_create_info)?;
            let image = Image::new(image_info(info), dev.heap_size)?;
            handle::write(p_image, handle::new_handle(image))
        }
    }

    Device fn vkDestroyImage(_device: vk::Device, image: vk::Image, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live image (or null), not used afterwards.
        unsafe { handle::destroy::<_, Image>(image) };
    }

    Device fn vkGetImageMemoryRequirements(_device: vk::Device, image: vk::Image, p_req: *mut vk::MemoryRequirements) {
        // SAFETY: valid usage: a live image and a writable pointer.
        unsafe {
            if let Ok(i) = handle::get::<_, Image>(image) {
                let _ = handle::write(p_req, i.memory_requirements());
            }
        }
    }

    Device fn vkGetImageMemoryRequirements2(
        _device: vk::Device,
        p_info: *const vk::ImageMemoryRequirementsInfo2,
        p_req: *mut vk::MemoryRequirements2,
    ) {
        // SAFETY: valid usage: a valid info with a live image, and a writable chain.
        unsafe {
            let Ok(info) = handle::req(p_info) else { return };
            if let Ok(i) = handle::get::<_, Image>(info.image) {
                fill_requirements(p_req, i.memory_requirements());
            }
        }
    }

    Device fn vkGetDeviceImageMemoryRequirements(
        device: vk::Device,
        p_info: *const vk::DeviceImageMemoryRequirements,
        p_req: *mut vk::MemoryRequirements2,
    ) {
        // SAFETY: valid usage: a live device, a valid info and a writable chain.
        unsafe {
            let (Ok(dev), Ok(info)) = (device_ref(device), handle::req(p_info)) else { return };
            let Ok(create) = handle::req(info.p_create_info) else { return };
            let req = Image::new(image_info(create), dev.heap_size).map(|i| i.memory_requirements()).unwrap_or_default();
            fill_requirements(p_req, req);
        }
    }

    Device fn vkGetImageSparseMemoryRequirements(
        _device: vk::Device,
        _image: vk::Image,
        p_count: *mut u32,
        p_req: *mut vk::SparseImageMemoryRequirements,
    ) {
        // No sparse images. SAFETY: valid usage: the two-call idiom's pointers.
        unsafe {
            let _ = handle::write_array(p_count, p_req, &[]);
        }
    }

    Device fn vkGetImageSparseMemoryRequirements2(
        _device: vk::Device,
        _p_info: *const vk::ImageSparseMemoryRequirementsInfo2,
        p_count: *mut u32,
        p_req: *mut vk::SparseImageMemoryRequirements2,
    ) {
        // No sparse images. SAFETY: valid usage: the two-call idiom's pointers.
        unsafe {
            let _ = handle::fill_array(p_count, p_req, 0, |_, _| {});
        }
    }

    Device fn vkGetDeviceImageSparseMemoryRequirements(
        _device: vk::Device,
        _p_info: *const vk::DeviceImageMemoryRequirements,
        p_count: *mut u32,
        p_req: *mut vk::SparseImageMemoryRequirements2,
    ) {
        // No sparse images. SAFETY: valid usage: the two-call idiom's pointers.
        unsafe {
            let _ = handle::fill_array(p_count, p_req, 0, |_, _| {});
        }
    }

    Device fn vkGetImageSubresourceLayout(
        _device: vk::Device,
        image: vk::Image,
        p_subresource: *const vk::ImageSubresource,
        p_layout: *mut vk::SubresourceLayout,
    ) {
        // SAFETY: valid usage: a live image, a valid subresource and a writable pointer.
        unsafe {
            let (Ok(i), Ok(sub)) = (handle::get::<_, Image>(image), handle::req(p_subresource)) else { return };
            let _ = handle::write(p_layout, i.subresource_layout(*sub).unwrap_or_default());
        }
    }

    Device fn vkCreateImageView(
        _device: vk::Device,
        p_create_info: *const vk::ImageViewCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_view: *mut vk::ImageView,
    ) -> Result {
        // SAFETY: valid usage: a valid create info with a live image, and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let view = ImageView::new(handle::get(info.image)?, info.view_type, info.format, info.components, info.subresource_range)?;
            handle::write(p_view, handle::new_handle(view))
        }
    }

    Device fn vkDestroyImageView(_device: vk::Device, view: vk::ImageView, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live view (or null), not used afterwards.
        unsafe { handle::destroy::<_, ImageView>(view) };
    }

    Device fn vkCreateSampler(
        _device: vk::Device,
        p_create_info: *const vk::SamplerCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_sampler: *mut vk::Sampler,
    ) -> Result {
        // SAFETY: valid usage: a valid create info (and chain) and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let ycbcr = handle::find::<vk::SamplerYcbcrConversionInfo>(info.p_next).is_some();
            let reduction = handle::find::<vk::SamplerReductionModeCreateInfo>(info.p_next)
                .is_some_and(|r| r.reduction_mode != vk::SamplerReductionMode::WEIGHTED_AVERAGE);
            let sampler = Sampler::new(info, ycbcr || reduction)?;
            handle::write(p_sampler, handle::new_handle(sampler))
        }
    }

    Device fn vkDestroySampler(_device: vk::Device, sampler: vk::Sampler, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live sampler (or null), not used afterwards.
        unsafe { handle::destroy::<_, Sampler>(sampler) };
    }
}
