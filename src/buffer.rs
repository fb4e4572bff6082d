//! `VkBuffer` and `VkBufferView`: ranges of device memory.

use std::sync::OnceLock;

use ash::vk;

use crate::handle::{HandleObject, Ref};
use crate::memory::Memory;

/// Buffers are aligned like every allocation, so that any offset the application binds at is
/// cache-line aligned relative to the heap.
pub const BUFFER_ALIGNMENT: u64 = 64;

#[derive(Debug)]
pub struct Buffer {
    pub size: u64,
    pub usage: vk::BufferUsageFlags,
    pub flags: vk::BufferCreateFlags,
    binding: OnceLock<(Ref<Memory>, u64)>,
}

impl HandleObject for Buffer {
    const TAG: u64 = u64::from_le_bytes(*b"pmBUFFER");
}

impl Buffer {
    pub fn new(
        size: u64,
        usage: vk::BufferUsageFlags,
        flags: vk::BufferCreateFlags,
    ) -> Result<Buffer, vk::Result> {
        // Sparse buffers are not supported (the features are not reported).
        if flags
            .intersects(vk::BufferCreateFlags::SPARSE_BINDING | vk::BufferCreateFlags::PROTECTED)
        {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        if size == 0 {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        Ok(Buffer {
            size,
            usage,
            flags,
            binding: OnceLock::new(),
        })
    }

    pub fn memory_requirements(&self) -> vk::MemoryRequirements {
        requirements_for_size(self.size)
    }

    /// `vkBindBufferMemory`: once, inside the allocation.
    pub fn bind(&self, memory: Ref<Memory>, offset: u64) -> Result<(), vk::Result> {
        let end = offset
            .checked_add(self.size)
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        if end > memory.size() || offset % BUFFER_ALIGNMENT != 0 {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        self.binding
            .set((memory, offset))
            .map_err(|_| vk::Result::ERROR_UNKNOWN)
    }

    /// The bound memory and offset; `None` before binding.
    pub fn binding(&self) -> Option<&(Ref<Memory>, u64)> {
        self.binding.get()
    }

    pub fn as_ref(&self) -> Option<pumice_raster::transfer::BufferRef<'_>> {
        let (mem, offset) = self.binding.get()?;
        Some(pumice_raster::transfer::BufferRef {
            memory: &mem.memory,
            offset: *offset,
            size: self.size,
        })
    }
}

pub fn requirements_for_size(size: u64) -> vk::MemoryRequirements {
    vk::MemoryRequirements {
        size: size
            .div_ceil(BUFFER_ALIGNMENT)
            .saturating_mul(BUFFER_ALIGNMENT),
        alignment: BUFFER_ALIGNMENT,
        memory_type_bits: (1 << crate::physical_device::MEMORY_TYPE_COUNT) - 1,
    }
}

#[derive(Debug)]
pub struct BufferView {
    pub buffer: Ref<Buffer>,
    pub format: vk::Format,
    pub offset: u64,
    pub range: u64,
}

impl HandleObject for BufferView {
    const TAG: u64 = u64::from_le_bytes(*b"pmBUFVIW");
}

impl BufferView {
    pub fn new(
        buffer: Ref<Buffer>,
        format: vk::Format,
        offset: u64,
        range: u64,
    ) -> Result<BufferView, vk::Result> {
        let range = if range == vk::WHOLE_SIZE {
            buffer.size.saturating_sub(offset)
        } else {
            range
        };
        if offset
            .checked_add(range)
            .map_or(true, |end| end > buffer.size)
        {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        // A view is plain data until texel-buffer descriptors exist; it only needs a format
        // Pumice knows.
        match pumice_texel::Format::from_vk(format.as_raw()) {
            Some(f) if !f.is_compressed() && !f.is_depth_stencil() => {}
            _ => return Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED),
        }
        Ok(BufferView {
            buffer,
            format,
            offset,
            range,
        })
    }
}
