//! `VkDeviceMemory`: an allocation from the one heap.

use std::sync::atomic::{AtomicU64, Ordering};

use ash::vk;
use pumice_memory::DeviceMemory;

use crate::handle::HandleObject;

#[derive(Debug)]
pub struct Memory {
    pub memory: DeviceMemory,
    pub type_index: u32,
    /// The heap usage counter this allocation is charged to.
    heap_usage: std::sync::Arc<AtomicU64>,
}

impl HandleObject for Memory {
    const TAG: u64 = u64::from_le_bytes(*b"pmMEMORY");
}

impl Memory {
    /// Allocates `size` bytes, charging `heap_usage` against `heap_size`.
    ///
    /// Spec (vkAllocateMemory): "allocations … may fail with VK_ERROR_OUT_OF_DEVICE_MEMORY";
    /// an allocation larger than the heap, or one the host cannot back, does so here instead
    /// of aborting the process.
    pub fn allocate(
        size: u64,
        type_index: u32,
        heap_size: u64,
        heap_usage: std::sync::Arc<AtomicU64>,
    ) -> Result<Memory, vk::Result> {
        if type_index >= crate::physical_device::MEMORY_TYPE_COUNT {
            return Err(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY);
        }
        let reserved = heap_usage.fetch_add(size, Ordering::AcqRel);
        let unreserve = || heap_usage.fetch_sub(size, Ordering::AcqRel);
        if reserved
            .checked_add(size)
            .map_or(true, |total| total > heap_size)
        {
            unreserve();
            return Err(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY);
        }
        match DeviceMemory::new(size) {
            Some(memory) => Ok(Memory {
                memory,
                type_index,
                heap_usage,
            }),
            None => {
                unreserve();
                Err(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY)
            }
        }
    }

    pub fn size(&self) -> u64 {
        self.memory.size()
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        self.heap_usage
            .fetch_sub(self.memory.size(), Ordering::AcqRel);
    }
}
