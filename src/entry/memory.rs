//! Device memory commands: allocate, map, bind.

use std::ffi::c_void;

use ash::vk;

use crate::buffer::Buffer;
use crate::entry::device::device_ref;
use crate::entry::entry_points;
use crate::handle;
use crate::image::Image;
use crate::memory::Memory;

entry_points! {
    Device fn vkAllocateMemory(
        device: vk::Device,
        p_allocate_info: *const vk::MemoryAllocateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_memory: *mut vk::DeviceMemory,
    ) -> Result {
        use vk::TaggedStructure;
        // SAFETY: valid usage: a live device and a valid allocate info chain.
        let (dev, info) = unsafe { (device_ref(device)?, handle::req(p_allocate_info)?) };
        // SAFETY: as above.
        for (s_type, _) in unsafe { handle::chain(info.p_next) } {
            match s_type {
                // Exporting or importing memory needs handle types we do not report.
                vk::ExportMemoryAllocateInfo::STRUCTURE_TYPE | vk::ImportMemoryFdInfoKHR::STRUCTURE_TYPE
                | vk::ImportMemoryHostPointerInfoEXT::STRUCTURE_TYPE => {
                    return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
                }
                // Dedicated allocations and device masks need nothing special.
                _ => {}
            }
        }
        let mut memory = Memory::allocate(info.allocation_size, info.memory_type_index, dev.heap_size, dev.heap_usage.clone())
            .inspect_err(|_| {
                dev.shared.debug.error(
                    format!(
                        "vkAllocateMemory: {} bytes cannot be allocated (heap of {} bytes)",
                        info.allocation_size, dev.heap_size
                    ),
                    (vk::ObjectType::DEVICE, 0),
                );
            })?;
        // Every allocation gets device addresses (bufferDeviceAddress), whether or not
        // VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT asked for them.
        memory.device_address = dev
            .shared
            .addresses
            .reserve(info.allocation_size)
            .ok_or(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY)?;
        let h: vk::DeviceMemory = handle::new_handle(memory);
        // SAFETY: `h` was just made from a memory object and is not destroyed.
        dev.shared.addresses.insert(unsafe { handle::get::<_, Memory>(h)? });
        // SAFETY: valid usage: a writable pointer.
        unsafe { handle::write(p_memory, h) }
    }

    Device fn vkFreeMemory(device: vk::Device, memory: vk::DeviceMemory, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live device and a live memory object (or null), not used
        // afterwards. Objects still bound keep the allocation alive through their own
        // references, but its addresses stop reaching it now.
        unsafe {
            if let (Ok(dev), Ok(mem)) = (device_ref(device), handle::get::<_, Memory>(memory)) {
                dev.shared.addresses.remove(mem.device_address);
            }
            handle::destroy::<_, Memory>(memory)
        };
    }

    Device fn vkGetBufferDeviceAddress(_device: vk::Device, p_info: *const vk::BufferDeviceAddressInfo) -> u64 {
        // The memory's first address plus the buffer's offset in it; 0 for an unbound buffer
        // (VUID-VkBufferDeviceAddressInfo-buffer-02600: it must be bound).
        // SAFETY: valid usage: a valid info struct naming a live buffer.
        let Ok(buffer) = (unsafe { handle::req(p_info).and_then(|i| handle::get::<_, Buffer>(i.buffer)) }) else {
            return 0;
        };
        buffer.binding().map_or(0, |(mem, offset)| mem.device_address.wrapping_add(*offset))
    }

    Device fn vkGetBufferOpaqueCaptureAddress(_device: vk::Device, _p_info: *const vk::BufferDeviceAddressInfo) -> u64 {
        // bufferDeviceAddressCaptureReplay is not reported: no opaque address.
        0
    }

    Device fn vkGetDeviceMemoryOpaqueCaptureAddress(
        _device: vk::Device,
        _p_info: *const vk::DeviceMemoryOpaqueCaptureAddressInfo,
    ) -> u64 {
        // bufferDeviceAddressCaptureReplay is not reported: no opaque address.
        0
    }

    Device fn vkMapMemory(
        _device: vk::Device,
        memory: vk::DeviceMemory,
        offset: u64,
        size: u64,
        _flags: vk::MemoryMapFlags,
        pp_data: *mut *mut c_void,
    ) -> Result {
        // SAFETY: valid usage: a live memory object.
        let mem = unsafe { handle::get::<_, Memory>(memory)? };
        let end = if size == vk::WHOLE_SIZE { Some(mem.size()) } else { offset.checked_add(size) };
        if offset >= mem.size() || end.map_or(true, |e| e > mem.size()) {
            return Err(vk::Result::ERROR_MEMORY_MAP_FAILED);
        }
        // The allocation lives as long as the memory object; the application must unmap (or
        // stop using the pointer) before freeing it, as Vulkan requires.
        let ptr = mem.memory.host_address().wrapping_add(offset as usize) as *mut c_void;
        // SAFETY: valid usage: a writable pointer.
        unsafe { handle::write(pp_data, ptr) }
    }

    Device fn vkUnmapMemory(_device: vk::Device, _memory: vk::DeviceMemory) {
        // Mapping hands out the allocation itself: nothing to undo.
    }

    Device fn vkFlushMappedMemoryRanges(_device: vk::Device, _count: u32, _p_ranges: *const vk::MappedMemoryRange) -> Result {
        // Every memory type is coherent.
        Ok(())
    }

    Device fn vkInvalidateMappedMemoryRanges(_device: vk::Device, _count: u32, _p_ranges: *const vk::MappedMemoryRange) -> Result {
        // Every memory type is coherent.
        Ok(())
    }

    Device fn vkGetDeviceMemoryCommitment(_device: vk::Device, memory: vk::DeviceMemory, p_committed: *mut u64) {
        // Memory types are never lazily allocated; the commitment is the whole allocation.
        // SAFETY: valid usage: a live memory object and a writable pointer.
        unsafe {
            if let Ok(mem) = handle::get::<_, Memory>(memory) {
                let _ = handle::write(p_committed, mem.size());
            }
        }
    }

    Device fn vkBindBufferMemory(_device: vk::Device, buffer: vk::Buffer, memory: vk::DeviceMemory, offset: u64) -> Result {
        // SAFETY: valid usage: live handles.
        unsafe { handle::get::<_, Buffer>(buffer)?.bind(handle::get(memory)?, offset) }
    }

    Device fn vkBindImageMemory(_device: vk::Device, image: vk::Image, memory: vk::DeviceMemory, offset: u64) -> Result {
        // SAFETY: valid usage: live handles.
        unsafe { handle::get::<_, Image>(image)?.bind(handle::get(memory)?, offset) }
    }

    Device fn vkBindBufferMemory2(_device: vk::Device, count: u32, p_infos: *const vk::BindBufferMemoryInfo) -> Result {
        // SAFETY: valid usage: valid infos with live handles.
        unsafe {
            for info in handle::slice(p_infos, count) {
                handle::get::<_, Buffer>(info.buffer)?.bind(handle::get(info.memory)?, info.memory_offset)?;
            }
        }
        Ok(())
    }

    Device fn vkBindImageMemory2(_device: vk::Device, count: u32, p_infos: *const vk::BindImageMemoryInfo) -> Result {
        // SAFETY: valid usage: valid infos with live handles.
        unsafe {
            for info in handle::slice(p_infos, count) {
                handle::get::<_, Image>(info.image)?.bind(handle::get(info.memory)?, info.memory_offset)?;
            }
        }
        Ok(())
    }
}
