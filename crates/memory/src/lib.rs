//! Device memory: the one place where the engine touches raw memory.
//!
//! Every Vulkan memory type Pumice reports is host-visible, coherent and cached, so a
//! `VkDeviceMemory` is a plain aligned host allocation and `vkMapMemory` hands out its address.
//! The application writes through that pointer while the driver reads and writes the same bytes
//! from queue and worker threads. Rust references to those bytes would assert exclusivity that
//! does not exist, so none is ever formed: all access goes through raw-pointer copies with the
//! bounds checked here, and the rest of the driver works on `&DeviceMemory` with byte offsets.
//!
//! Ordering between the application's writes and ours is the application's job (fences,
//! semaphores, barriers — Vulkan's synchronization rules); the queue threads add the
//! happens-before edges through their own locks and condition variables.
//!
//! Allocation is fallible and never aborts: `std::alloc::alloc_zeroed` returns null on failure,
//! which becomes `VK_ERROR_OUT_OF_DEVICE_MEMORY` above. Zeroed pages from the OS are committed
//! lazily, so a large allocation costs nothing until it is touched.

pub mod simd;

use std::alloc::Layout;
use std::ptr::NonNull;

/// Alignment of every allocation. 64 bytes keeps rows of SIMD lanes cache-line aligned; the
/// `minMemoryMapAlignment` limit we report equals this.
pub const ALLOCATION_ALIGNMENT: usize = 64;

/// An error from an access outside the allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfBounds {
    pub offset: u64,
    pub len: u64,
    pub size: u64,
}

/// A block of device memory.
pub struct DeviceMemory {
    ptr: NonNull<u8>,
    size: usize,
    layout: Layout,
}

// SAFETY: `DeviceMemory` owns its allocation; the pointer is never exposed as a Rust reference, and
// all accesses are raw copies whose ordering is governed by Vulkan's synchronization rules (see the
// module docs). Sharing the handle between threads is what a device does with its memory.
unsafe impl Send for DeviceMemory {}
// SAFETY: as above.
unsafe impl Sync for DeviceMemory {}

impl std::fmt::Debug for DeviceMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceMemory({} bytes at {:p})", self.size, self.ptr)
    }
}

impl DeviceMemory {
    /// Allocates `size` zeroed bytes, or `None` when the host cannot provide them.
    pub fn new(size: u64) -> Option<DeviceMemory> {
        let size = usize::try_from(size).ok()?;
        // Zero-sized allocations are not allowed by Vulkan, but keep the allocator contract anyway.
        let layout = Layout::from_size_align(size.max(1), ALLOCATION_ALIGNMENT).ok()?;
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(ptr)?;
        Some(DeviceMemory { ptr, size, layout })
    }

    pub fn size(&self) -> u64 {
        self.size as u64
    }

    /// The address handed to the application by `vkMapMemory`.
    pub fn host_address(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    fn check(&self, offset: u64, len: usize) -> Result<usize, OutOfBounds> {
        let err = OutOfBounds {
            offset,
            len: len as u64,
            size: self.size as u64,
        };
        let start = usize::try_from(offset).map_err(|_| err)?;
        let end = start.checked_add(len).ok_or(err)?;
        if end > self.size {
            return Err(err);
        }
        Ok(start)
    }

    /// Copies bytes at `offset` into `dst`.
    pub fn read(&self, offset: u64, dst: &mut [u8]) -> Result<(), OutOfBounds> {
        let start = self.check(offset, dst.len())?;
        // SAFETY: `start..start + dst.len()` lies inside the allocation (checked above), `dst` is a
        // distinct Rust buffer, so the ranges cannot overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(start), dst.as_mut_ptr(), dst.len())
        };
        Ok(())
    }

    /// The `N` bytes at `offset`, or `None` when they are not all inside: a fixed-size copy
    /// the compiler turns into a few moves (the slice form calls `memcpy`), for the small
    /// per-vertex reads of vertex attributes.
    #[inline]
    pub fn read_array<const N: usize>(&self, offset: u64) -> Option<[u8; N]> {
        let start = self.check(offset, N).ok()?;
        let mut out = [0u8; N];
        // SAFETY: `start..start + N` lies inside the allocation (checked above) and `out` is a
        // distinct local buffer.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(start), out.as_mut_ptr(), N) };
        Some(out)
    }

    /// Copies `src` to `offset`.
    pub fn write(&self, offset: u64, src: &[u8]) -> Result<(), OutOfBounds> {
        let start = self.check(offset, src.len())?;
        // SAFETY: the destination range lies inside the allocation (checked above) and `src` is a
        // distinct Rust buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr().add(start), src.len())
        };
        Ok(())
    }

    /// Fills `len` bytes at `offset` with `byte`.
    pub fn fill_bytes(&self, offset: u64, len: u64, byte: u8) -> Result<(), OutOfBounds> {
        let len_usize = usize::try_from(len).map_err(|_| OutOfBounds {
            offset,
            len,
            size: self.size as u64,
        })?;
        let start = self.check(offset, len_usize)?;
        // SAFETY: the range lies inside the allocation (checked above).
        unsafe { std::ptr::write_bytes(self.ptr.as_ptr().add(start), byte, len_usize) };
        Ok(())
    }

    /// Copies `len` bytes from `src` at `src_offset` to `dst` at `dst_offset`. The two may be the
    /// same memory and the ranges may overlap (the result is then that of `memmove`).
    pub fn copy(
        src: &DeviceMemory,
        src_offset: u64,
        dst: &DeviceMemory,
        dst_offset: u64,
        len: u64,
    ) -> Result<(), OutOfBounds> {
        let len_usize = usize::try_from(len).map_err(|_| OutOfBounds {
            offset: src_offset,
            len,
            size: src.size as u64,
        })?;
        let s = src.check(src_offset, len_usize)?;
        let d = dst.check(dst_offset, len_usize)?;
        // SAFETY: both ranges lie inside their allocations (checked above); `ptr::copy` allows
        // overlap.
        unsafe { std::ptr::copy(src.ptr.as_ptr().add(s), dst.ptr.as_ptr().add(d), len_usize) };
        Ok(())
    }
}

impl DeviceMemory {
    /// Copies the little-endian words at `offset` into `dst`: a whole batch of a shader's
    /// lanes reading consecutive words is one copy straight into its register, instead of a
    /// copy into bytes, a conversion loop and another copy (SAXPY's loads and store were a
    /// third of its batch).
    pub fn read_words(&self, offset: u64, dst: &mut [u32]) -> Result<(), OutOfBounds> {
        let len = std::mem::size_of_val(dst);
        let start = self.check(offset, len)?;
        // SAFETY: `start..start + len` lies inside the allocation (checked above); `dst` is a
        // distinct Rust buffer of exactly `len` bytes, and every byte pattern is a valid u32.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.ptr.as_ptr().add(start),
                dst.as_mut_ptr().cast::<u8>(),
                len,
            )
        };
        // A no-op on little-endian hosts: memory holds little-endian words.
        for w in dst.iter_mut() {
            *w = u32::from_le(*w);
        }
        Ok(())
    }

    /// Copies `src` to `offset` as little-endian words (see [`Self::read_words`]).
    pub fn write_words(&self, offset: u64, src: &[u32]) -> Result<(), OutOfBounds> {
        let len = std::mem::size_of_val(src);
        let start = self.check(offset, len)?;
        if cfg!(target_endian = "big") {
            let bytes: Vec<u8> = src.iter().flat_map(|w| w.to_le_bytes()).collect();
            return self.write(offset, &bytes);
        }
        // SAFETY: the destination range lies inside the allocation (checked above) and `src`
        // is a distinct Rust buffer of exactly `len` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(
                src.as_ptr().cast::<u8>(),
                self.ptr.as_ptr().add(start),
                len,
            )
        };
        Ok(())
    }

    /// Reads a little-endian word; `None` outside the allocation.
    pub fn load_u32(&self, offset: u64) -> Option<u32> {
        let mut b = [0u8; 4];
        self.read(offset, &mut b).ok()?;
        Some(u32::from_le_bytes(b))
    }

    /// Writes a little-endian word; `false` outside the allocation.
    pub fn store_u32(&self, offset: u64, value: u32) -> bool {
        self.write(offset, &value.to_le_bytes()).is_ok()
    }

    /// Runs `f` on the word at `offset` as an atomic; `None` when the word is outside the
    /// allocation or not 4-byte aligned.
    pub fn atomic_u32<R>(
        &self,
        offset: u64,
        f: impl FnOnce(&std::sync::atomic::AtomicU32) -> R,
    ) -> Option<R> {
        let start = self.check(offset, 4).ok()?;
        let ptr = self.ptr.as_ptr().wrapping_add(start);
        if ptr as usize % 4 != 0 {
            return None;
        }
        // SAFETY: the word lies inside the allocation (checked) and is 4-byte aligned (checked);
        // the allocation outlives the reference, and every access the driver makes to shader
        // atomics goes through this function, so the word is only ever accessed atomically by
        // the driver (the application's own accesses are ordered by Vulkan's synchronization).
        let atomic = unsafe { std::sync::atomic::AtomicU32::from_ptr(ptr as *mut u32) };
        Some(f(atomic))
    }
}

impl Drop for DeviceMemory {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc_zeroed` with exactly this layout and is freed once.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_and_bounds_checked() {
        let m = DeviceMemory::new(100).unwrap();
        let mut buf = [1u8; 100];
        m.read(0, &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 0));
        assert!(m.read(1, &mut buf).is_err());
        assert!(m.write(u64::MAX, &[1]).is_err());
        m.write(98, &[7, 8]).unwrap();
        let mut two = [0u8; 2];
        m.read(98, &mut two).unwrap();
        assert_eq!(two, [7, 8]);
        assert_eq!(m.host_address() as usize % ALLOCATION_ALIGNMENT, 0);
    }

    #[test]
    fn overlapping_copy_is_memmove() {
        let m = DeviceMemory::new(16).unwrap();
        m.write(0, &[0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
        DeviceMemory::copy(&m, 0, &m, 2, 8).unwrap();
        let mut out = [0u8; 10];
        m.read(0, &mut out).unwrap();
        assert_eq!(out, [0, 1, 0, 1, 2, 3, 4, 5, 6, 7]);
        m.fill_bytes(0, 4, 9).unwrap();
        m.read(0, &mut out[..4]).unwrap();
        assert_eq!(&out[..4], &[9, 9, 9, 9]);
    }

    #[test]
    fn words_and_atomics() {
        let m = DeviceMemory::new(16).unwrap();
        assert!(m.store_u32(4, 0xdead_beef));
        assert_eq!(m.load_u32(4), Some(0xdead_beef));
        assert_eq!(m.load_u32(14), None);
        let old = m.atomic_u32(4, |a| a.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        assert_eq!(old, Some(0xdead_beef));
        assert_eq!(m.load_u32(4), Some(0xdead_bef0));
        assert!(m
            .atomic_u32(2, |a| a.load(std::sync::atomic::Ordering::SeqCst))
            .is_none());
        assert!(m
            .atomic_u32(16, |a| a.load(std::sync::atomic::Ordering::SeqCst))
            .is_none());
    }

    #[test]
    fn impossible_size_is_none() {
        assert!(DeviceMemory::new(u64::MAX).is_none());
        assert!(DeviceMemory::new(1 << 62).is_none());
    }
}
