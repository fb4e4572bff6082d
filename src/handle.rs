//! Every cast between a Vulkan handle or pointer and a Rust object lives here.
//!
//! Dispatchable handles (instance, physical device, device, queue, command buffer) point to a
//! `#[repr(C)]` [`Dispatchable`] whose first word belongs to the loader: it is initialised to
//! `ICD_LOADER_MAGIC` and the loader overwrites it with its dispatch table. Those objects are
//! boxed, so their address is stable, and owned by their parent.
//!
//! Non-dispatchable handles are `Arc<T>` pointers turned into `u64`s. Commands recorded into a
//! command buffer hold their own `Arc`s, so an object destroyed while still referenced by a
//! recording stays alive until the recording goes: no use-after-free even for a misbehaving
//! application. Each object carries a type tag that is checked before use, so a handle of the
//! wrong type is an error code rather than a misread.

use std::ffi::{c_char, c_void, CStr};
use std::sync::Arc;

use ash::vk::{self, Handle};

/// What the loader expects in the first word of a dispatchable object it has not yet patched.
pub const ICD_LOADER_MAGIC: usize = 0x01CD_C0DE;

/// The memory behind a dispatchable handle.
#[repr(C)]
pub struct Dispatchable<T> {
    loader_data: usize,
    tag: u64,
    pub object: T,
}

/// A type that can sit behind a handle. `TAG` tells the types apart in [`get`] and friends.
pub trait HandleObject {
    const TAG: u64;
}

/// Boxes `object` as a dispatchable handle.
pub fn new_dispatchable<H: Handle, T: HandleObject>(object: T) -> H {
    let boxed = Box::new(Dispatchable {
        loader_data: ICD_LOADER_MAGIC,
        tag: T::TAG,
        object,
    });
    H::from_raw(Box::into_raw(boxed) as u64)
}

/// The object behind a dispatchable handle.
///
/// # Safety
/// `handle` must be null or come from [`new_dispatchable`] with the same `T` and not be freed.
pub unsafe fn dispatchable<'a, H: Handle, T: HandleObject>(handle: H) -> Result<&'a T, vk::Result> {
    let ptr = handle.as_raw() as *const Dispatchable<T>;
    if ptr.is_null() {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    // SAFETY: the caller guarantees the handle is live and of this type; the tag check catches a
    // handle of another dispatchable type (they share the header layout).
    let object = unsafe { &*ptr };
    if object.tag != T::TAG {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    Ok(&object.object)
}

/// Frees a dispatchable handle's object.
///
/// # Safety
/// As [`dispatchable`]; the handle must not be used afterwards.
pub unsafe fn free_dispatchable<H: Handle, T: HandleObject>(handle: H) -> Option<T> {
    let ptr = handle.as_raw() as *mut Dispatchable<T>;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees the pointer came from `Box::into_raw` in `new_dispatchable`.
    let boxed = unsafe { Box::from_raw(ptr) };
    Some(boxed.object)
}

/// The memory behind a non-dispatchable handle.
pub struct Tagged<T> {
    tag: u64,
    pub object: T,
}

/// Makes a non-dispatchable handle that owns one reference to `object`.
pub fn new_handle<H: Handle, T: HandleObject>(object: T) -> H {
    let arc = Arc::new(Tagged {
        tag: T::TAG,
        object,
    });
    H::from_raw(Arc::into_raw(arc) as u64)
}

/// A counted reference to the object behind a non-dispatchable handle.
pub struct Ref<T>(Arc<Tagged<T>>);

impl<T> Clone for Ref<T> {
    fn clone(&self) -> Self {
        Ref(self.0.clone())
    }
}

impl<T> std::ops::Deref for Ref<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.object
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.object.fmt(f)
    }
}

impl<T: HandleObject> Ref<T> {
    /// A reference to a new object that no handle names (yet), e.g. for tests of the object
    /// model.
    pub fn new(object: T) -> Ref<T> {
        Ref(Arc::new(Tagged {
            tag: T::TAG,
            object,
        }))
    }
}

impl<T> Ref<T> {
    /// The handle value, for debug names and messages.
    pub fn raw(&self) -> u64 {
        Arc::as_ptr(&self.0) as u64
    }

    pub fn ptr_eq(a: &Ref<T>, b: &Ref<T>) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

/// Takes a new reference to a non-dispatchable handle's object.
///
/// # Safety
/// `handle` must be null or come from [`new_handle`] with the same `T` and not be destroyed.
pub unsafe fn get<H: Handle, T: HandleObject>(handle: H) -> Result<Ref<T>, vk::Result> {
    let ptr = handle.as_raw() as *const Tagged<T>;
    if ptr.is_null() {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    // SAFETY: the caller guarantees the handle holds a live reference made by `Arc::into_raw`, so
    // adding a count and rebuilding an `Arc` from it is sound. The tag is read through the live
    // reference before anything else.
    unsafe {
        if (*ptr).tag != T::TAG {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        Arc::increment_strong_count(ptr);
        Ok(Ref(Arc::from_raw(ptr)))
    }
}

/// Like [`get`], but a null handle is `Ok(None)` (optional parameters).
///
/// # Safety
/// As [`get`].
pub unsafe fn get_optional<H: Handle + Copy, T: HandleObject>(
    handle: H,
) -> Result<Option<Ref<T>>, vk::Result> {
    if handle.as_raw() == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { get(handle).map(Some) }
}

/// Drops the handle's own reference. A null handle is ignored, as `vkDestroy*` requires.
///
/// # Safety
/// As [`get`]; the handle must not be used afterwards.
pub unsafe fn destroy<H: Handle, T: HandleObject>(handle: H) -> Option<Ref<T>> {
    let ptr = handle.as_raw() as *const Tagged<T>;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees the handle holds one reference made by `Arc::into_raw`; this
    // takes that reference back.
    unsafe {
        if (*ptr).tag != T::TAG {
            return None;
        }
        Some(Ref(Arc::from_raw(ptr)))
    }
}

/// The application's array as a slice; null or zero-length gives an empty slice.
///
/// # Safety
/// When `count > 0` and `ptr` is non-null, `ptr` must point to `count` valid `T`s that outlive `'a`.
pub unsafe fn slice<'a, T>(ptr: *const T, count: u32) -> &'a [T] {
    if ptr.is_null() || count == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller (Vulkan's valid usage for the array parameter).
        unsafe { std::slice::from_raw_parts(ptr, count as usize) }
    }
}

/// The application's optional struct.
///
/// # Safety
/// `ptr` must be null or point to a valid `T` that outlives `'a`.
pub unsafe fn opt_ref<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: guaranteed by the caller.
    unsafe { ptr.as_ref() }
}

/// The application's required struct; null is an error rather than a crash.
///
/// # Safety
/// `ptr` must be null or point to a valid `T` that outlives `'a`.
pub unsafe fn req<'a, T>(ptr: *const T) -> Result<&'a T, vk::Result> {
    // SAFETY: guaranteed by the caller.
    unsafe { ptr.as_ref() }.ok_or(vk::Result::ERROR_UNKNOWN)
}

/// Writes one value to an output parameter; null is an error rather than a crash.
///
/// # Safety
/// `ptr` must be null or valid for writing a `T`.
pub unsafe fn write<T>(ptr: *mut T, value: T) -> Result<(), vk::Result> {
    if ptr.is_null() {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    // SAFETY: guaranteed by the caller.
    unsafe { ptr.write(value) };
    Ok(())
}

/// The application's output struct, to fill in place (keeping its `sType`/`pNext`).
///
/// # Safety
/// `ptr` must be null or valid for reading and writing a `T` that outlives `'a`.
pub unsafe fn out<'a, T>(ptr: *mut T) -> Result<&'a mut T, vk::Result> {
    // SAFETY: guaranteed by the caller.
    unsafe { ptr.as_mut() }.ok_or(vk::Result::ERROR_UNKNOWN)
}

/// The "two-call" idiom: with a null `out`, report the count; otherwise write up to `*count`
/// items and return `VK_INCOMPLETE` if that was not all of them.
///
/// # Safety
/// `count` must be valid for reading and writing; `out`, when non-null, valid for `*count` items.
pub unsafe fn write_array<T: Clone>(
    count: *mut u32,
    out: *mut T,
    items: &[T],
) -> Result<vk::Result, vk::Result> {
    if count.is_null() {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    // SAFETY: guaranteed by the caller.
    unsafe {
        if out.is_null() {
            *count = items.len() as u32;
            return Ok(vk::Result::SUCCESS);
        }
        let n = (*count as usize).min(items.len());
        for (i, item) in items.iter().take(n).enumerate() {
            out.add(i).write(item.clone());
        }
        *count = n as u32;
        Ok(if n < items.len() {
            vk::Result::INCOMPLETE
        } else {
            vk::Result::SUCCESS
        })
    }
}

/// Like [`write_array`] for output structures that carry their own `sType`/`pNext` chains:
/// `fill` is called on each of the application's elements.
///
/// # Safety
/// As [`write_array`].
pub unsafe fn fill_array<T>(
    count: *mut u32,
    out: *mut T,
    len: usize,
    mut fill: impl FnMut(usize, &mut T),
) -> Result<vk::Result, vk::Result> {
    if count.is_null() {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    // SAFETY: guaranteed by the caller.
    unsafe {
        if out.is_null() {
            *count = len as u32;
            return Ok(vk::Result::SUCCESS);
        }
        let n = (*count as usize).min(len);
        for i in 0..n {
            fill(i, &mut *out.add(i));
        }
        *count = n as u32;
        Ok(if n < len {
            vk::Result::INCOMPLETE
        } else {
            vk::Result::SUCCESS
        })
    }
}

/// A NUL-terminated string from the application.
///
/// # Safety
/// `ptr` must be null or point to a NUL-terminated string that outlives `'a`.
pub unsafe fn cstr<'a>(ptr: *const c_char) -> Option<&'a CStr> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: guaranteed by the caller.
        Some(unsafe { CStr::from_ptr(ptr) })
    }
}

/// The structures of an input `pNext` chain, as (sType, pointer) pairs.
///
/// # Safety
/// `p_next` must be null or start a valid chain of Vulkan structures that outlives the iteration.
pub unsafe fn chain(
    p_next: *const c_void,
) -> impl Iterator<Item = (vk::StructureType, *const c_void)> {
    let mut current = p_next as *const vk::BaseInStructure<'static>;
    std::iter::from_fn(move || {
        // SAFETY: every element of a valid chain starts with sType and pNext.
        let s = unsafe { current.as_ref() }?;
        let item = (s.s_type, current as *const c_void);
        current = s.p_next;
        Some(item)
    })
}

/// The structures of an output `pNext` chain.
///
/// # Safety
/// As [`chain`], and the structures must be writable.
pub unsafe fn chain_mut(
    p_next: *mut c_void,
) -> impl Iterator<Item = (vk::StructureType, *mut c_void)> {
    let mut current = p_next as *mut vk::BaseOutStructure<'static>;
    std::iter::from_fn(move || {
        // SAFETY: every element of a valid chain starts with sType and pNext.
        let s = unsafe { current.as_ref() }?;
        let item = (s.s_type, current as *mut c_void);
        current = s.p_next;
        Some(item)
    })
}

/// Finds the structure of type `T` in an input chain.
///
/// # Safety
/// As [`chain`]; a structure whose sType is `T::STRUCTURE_TYPE` must be a `T`.
pub unsafe fn find<'a, T: vk::TaggedStructure>(p_next: *const c_void) -> Option<&'a T> {
    // SAFETY: forwarded; the sType identifies the structure's type.
    unsafe {
        chain(p_next)
            .find(|(ty, _)| *ty == T::STRUCTURE_TYPE)
            .map(|(_, p)| &*(p as *const T))
    }
}

/// Reinterprets a chain element as its type.
///
/// # Safety
/// `ptr`'s sType must be `T::STRUCTURE_TYPE` and it must be writable for `'a`.
pub unsafe fn cast_mut<'a, T: vk::TaggedStructure>(ptr: *mut c_void) -> &'a mut T {
    // SAFETY: guaranteed by the caller.
    unsafe { &mut *(ptr as *mut T) }
}

/// Reinterprets a chain element as its type.
///
/// # Safety
/// `ptr`'s sType must be `T::STRUCTURE_TYPE` and it must be valid for `'a`.
pub unsafe fn cast<'a, T: vk::TaggedStructure>(ptr: *const c_void) -> &'a T {
    // SAFETY: guaranteed by the caller.
    unsafe { &*(ptr as *const T) }
}
