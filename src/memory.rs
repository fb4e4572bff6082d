//! `VkDeviceMemory`: an allocation from the one heap.

use std::sync::atomic::{AtomicU64, Ordering};

use ash::vk;
use pumice_memory::DeviceMemory;

use crate::handle::HandleObject;

#[derive(Debug)]
pub struct Memory {
    pub memory: DeviceMemory,
    pub type_index: u32,
    /// The allocation's first device address (`bufferDeviceAddress`); 0 until
    /// [`DeviceAddresses::reserve`] gives it one.
    pub device_address: u64,
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
                device_address: 0,
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

/// The device addresses of a device's allocations (`bufferDeviceAddress`).
///
/// Every allocation gets its own range of addresses from a per-device counter, never reused:
/// ranges start at 2^32 (so an address is never 0, and one truncated to 32 bits is caught)
/// and are separated by an unused gap of 64 KiB, so an access running past one allocation
/// does not reach the next. Shaders reach memory by address only through the table of the
/// allocations live when the command runs (see [`DeviceAddresses::live`]), bounds-checked
/// there: an address outside every live allocation reads 0 and writes nothing.
///
/// Rejected: the allocation's host address as its device address (it would tell shaders
/// where host memory is, and a freed-and-reused host range would alias a stale address).
#[derive(Debug)]
pub struct DeviceAddresses {
    inner: std::sync::Mutex<AddressTable>,
}

#[derive(Debug)]
struct AddressTable {
    next: u64,
    live: std::collections::BTreeMap<u64, crate::handle::Ref<Memory>>,
}

const ADDRESS_GAP: u64 = 1 << 16;

impl Default for DeviceAddresses {
    fn default() -> Self {
        DeviceAddresses {
            inner: std::sync::Mutex::new(AddressTable {
                next: 1 << 32,
                live: std::collections::BTreeMap::new(),
            }),
        }
    }
}

impl DeviceAddresses {
    fn table(&self) -> std::sync::MutexGuard<'_, AddressTable> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh range for `size` bytes: its first address; `None` when the address space is
    /// used up.
    pub fn reserve(&self, size: u64) -> Option<u64> {
        let mut t = self.table();
        let base = t.next;
        let len = size
            .checked_next_multiple_of(ADDRESS_GAP)?
            .checked_add(ADDRESS_GAP)?;
        t.next = base.checked_add(len)?;
        Some(base)
    }

    /// Makes `memory` reachable at its address.
    pub fn insert(&self, memory: crate::handle::Ref<Memory>) {
        let base = memory.device_address;
        if base != 0 {
            self.table().live.insert(base, memory);
        }
    }

    /// Ends the reach of the allocation at `base` (when it is freed).
    pub fn remove(&self, base: u64) {
        self.table().live.remove(&base);
    }

    /// The live allocations, by address.
    pub fn live(&self) -> Vec<(u64, crate::handle::Ref<Memory>)> {
        self.table()
            .live
            .iter()
            .map(|(&a, m)| (a, m.clone()))
            .collect()
    }

    /// The allocation holding `address`, and the offset of `address` in it.
    pub fn find(&self, address: u64) -> Option<(crate::handle::Ref<Memory>, u64)> {
        let t = self.table();
        let (&base, m) = t.live.range(..=address).next_back()?;
        let offset = address - base;
        (offset < m.size()).then(|| (m.clone(), offset))
    }
}
