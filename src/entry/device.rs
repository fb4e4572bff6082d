//! Device, queue and submission commands.

use std::ffi::{c_char, c_void};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use ash::vk;

use crate::command_buffer::CommandBuffer;
use crate::device::{Device, PrivateDataSlot, DEVICE_EXTENSIONS};
use crate::entry::instance::{feature_bools, names, physical, supported_feature_bools};
use crate::entry::{entry_points, lookup, Level};
use crate::handle;
use crate::instance::check_extensions;
use crate::physical_device::QUEUE_COUNT;
use crate::queue::{Batch, DeviceShared, Queue, Submission};
use crate::sync::{lock, Semaphore};

/// The device behind a handle.
///
/// # Safety
/// `handle` must be a live device handle.
pub(crate) unsafe fn device_ref<'a>(handle: vk::Device) -> Result<&'a Device, vk::Result> {
    // SAFETY: forwarded contract.
    unsafe { handle::dispatchable(handle) }
}

/// Checks every features structure the application chains (and `pEnabledFeatures`) against
/// what is supported: `VK_ERROR_FEATURE_NOT_PRESENT` for any feature asked for but absent.
///
/// # Safety
/// `info` must be a valid create info with a valid chain.
unsafe fn check_features(
    pd: &crate::physical_device::PhysicalDevice,
    info: &vk::DeviceCreateInfo,
) -> Result<(), vk::Result> {
    let mut requested: Vec<(vk::StructureType, *mut c_void)> = Vec::new();
    // SAFETY: forwarded contract.
    unsafe {
        for (s_type, ptr) in handle::chain(info.p_next) {
            requested.push((s_type, ptr as *mut c_void));
        }
        if let Some(f) = handle::opt_ref(info.p_enabled_features) {
            let asked: &[vk::Bool32] = std::slice::from_raw_parts(
                f as *const vk::PhysicalDeviceFeatures as *const vk::Bool32,
                std::mem::size_of::<vk::PhysicalDeviceFeatures>() / 4,
            );
            let supported = pd.features();
            let have: &[vk::Bool32] = std::slice::from_raw_parts(
                &supported as *const vk::PhysicalDeviceFeatures as *const vk::Bool32,
                asked.len(),
            );
            if asked
                .iter()
                .zip(have)
                .any(|(&a, &h)| a != vk::FALSE && h == vk::FALSE)
            {
                return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
            }
        }
        for (s_type, ptr) in requested {
            let (Some(asked), Some(have)) = (
                feature_bools(s_type, ptr),
                supported_feature_bools(pd, s_type),
            ) else {
                continue;
            };
            if asked
                .iter()
                .zip(&have)
                .any(|(&a, &h)| a != vk::FALSE && h == vk::FALSE)
            {
                return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
            }
        }
    }
    Ok(())
}

/// Reads the semaphores and values of a `VkSubmitInfo`.
///
/// # Safety
/// `info` must be valid, with a valid chain.
unsafe fn submission(info: &vk::SubmitInfo) -> Result<Submission, vk::Result> {
    // SAFETY: forwarded contract.
    unsafe {
        let timeline = handle::find::<vk::TimelineSemaphoreSubmitInfo>(info.p_next);
        let wait_values = timeline.map_or(&[][..], |t| {
            handle::slice(t.p_wait_semaphore_values, t.wait_semaphore_value_count)
        });
        let signal_values = timeline.map_or(&[][..], |t| {
            handle::slice(t.p_signal_semaphore_values, t.signal_semaphore_value_count)
        });
        let mut s = Submission::default();
        for (i, &sem) in handle::slice(info.p_wait_semaphores, info.wait_semaphore_count)
            .iter()
            .enumerate()
        {
            s.waits.push((
                handle::get::<_, Semaphore>(sem)?,
                wait_values.get(i).copied().unwrap_or(0),
            ));
        }
        for &cb in handle::slice(info.p_command_buffers, info.command_buffer_count) {
            let cb: &CommandBuffer = handle::dispatchable(cb)?;
            s.command_buffers
                .push(cb.recording().ok_or(vk::Result::ERROR_UNKNOWN)?);
        }
        for (i, &sem) in handle::slice(info.p_signal_semaphores, info.signal_semaphore_count)
            .iter()
            .enumerate()
        {
            s.signals.push((
                handle::get::<_, Semaphore>(sem)?,
                signal_values.get(i).copied().unwrap_or(0),
            ));
        }
        Ok(s)
    }
}

/// Reads a `VkSubmitInfo2`.
///
/// # Safety
/// `info` must be valid.
unsafe fn submission2(info: &vk::SubmitInfo2) -> Result<Submission, vk::Result> {
    // SAFETY: forwarded contract.
    unsafe {
        let mut s = Submission::default();
        for w in handle::slice(info.p_wait_semaphore_infos, info.wait_semaphore_info_count) {
            s.waits
                .push((handle::get::<_, Semaphore>(w.semaphore)?, w.value));
        }
        for c in handle::slice(info.p_command_buffer_infos, info.command_buffer_info_count) {
            let cb: &CommandBuffer = handle::dispatchable(c.command_buffer)?;
            s.command_buffers
                .push(cb.recording().ok_or(vk::Result::ERROR_UNKNOWN)?);
        }
        for sig in handle::slice(
            info.p_signal_semaphore_infos,
            info.signal_semaphore_info_count,
        ) {
            s.signals
                .push((handle::get::<_, Semaphore>(sig.semaphore)?, sig.value));
        }
        Ok(s)
    }
}

/// # Safety
/// `queue` must be a live queue handle.
unsafe fn queue<'a>(queue: vk::Queue) -> Result<&'a Queue, vk::Result> {
    // SAFETY: forwarded contract.
    unsafe { handle::dispatchable(queue) }
}

entry_points! {
    Device fn vkGetDeviceProcAddr(_device: vk::Device, p_name: *const c_char) -> VoidFunction {
        // SAFETY: the name is a NUL-terminated string (valid usage).
        let name = unsafe { handle::cstr(p_name) }?;
        lookup(name, &[Level::Device])
    }

    Physical fn vkCreateDevice(
        physical_device: vk::PhysicalDevice,
        p_create_info: *const vk::DeviceCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_device: *mut vk::Device,
    ) -> Result {
        // SAFETY: valid usage: a live physical device and a valid create info.
        let (pd, info) = unsafe { (physical(physical_device)?, handle::req(p_create_info)?) };
        // SAFETY: as above.
        check_extensions(unsafe { names(info.pp_enabled_extension_names, info.enabled_extension_count) }, DEVICE_EXTENSIONS)?;
        // SAFETY: as above.
        unsafe { check_features(pd, info)? };
        let shared = Arc::new(DeviceShared {
            lost: Default::default(),
            debug: pd.debug.clone(),
            addresses: Default::default(),
        });
        let mut queues = Vec::new();
        // SAFETY: as above.
        let queue_infos = unsafe { handle::slice(info.p_queue_create_infos, info.queue_create_info_count) };
        let mut result = Ok(());
        for q in queue_infos {
            if q.queue_family_index != 0 || q.queue_count == 0 || q.queue_count > QUEUE_COUNT {
                result = Err(vk::Result::ERROR_INITIALIZATION_FAILED);
                break;
            }
            if q.flags.contains(vk::DeviceQueueCreateFlags::PROTECTED) {
                result = Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
                break;
            }
            for index in 0..q.queue_count {
                match Queue::new(q.queue_family_index, index, q.flags, shared.clone()) {
                    Ok(queue) => queues.push((q.queue_family_index, index, handle::new_dispatchable(queue))),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        if let Err(e) = result {
            for (_, _, q) in queues {
                // SAFETY: made just above, never handed out.
                unsafe { handle::free_dispatchable::<vk::Queue, Queue>(q) };
            }
            return Err(e);
        }
        let device = Device {
            shared,
            queues,
            heap_size: pd.heap_size,
            heap_usage: Arc::new(AtomicU64::new(0)),
            private_data: Mutex::default(),
        };
        // SAFETY: valid usage: a writable pointer.
        unsafe { handle::write(p_device, handle::new_dispatchable(device)) }
    }

    Device fn vkDestroyDevice(device: vk::Device, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live device (or null), not used afterwards.
        if let Some(dev) = unsafe { handle::free_dispatchable::<_, Device>(device) } {
            for (_, _, q) in dev.queues {
                // SAFETY: the queues belong to the device and die with it.
                unsafe { handle::free_dispatchable::<vk::Queue, Queue>(q) };
            }
        }
    }

    Device fn vkGetDeviceQueue(device: vk::Device, family: u32, index: u32, p_queue: *mut vk::Queue) {
        // SAFETY: valid usage: a live device and a writable pointer.
        unsafe {
            let Ok(dev) = device_ref(device) else { return };
            let q = dev.queues.iter().find(|(f, i, _)| *f == family && *i == index).map_or(vk::Queue::null(), |q| q.2);
            let _ = handle::write(p_queue, q);
        }
    }

    Device fn vkGetDeviceQueue2(device: vk::Device, p_info: *const vk::DeviceQueueInfo2, p_queue: *mut vk::Queue) {
        // SAFETY: valid usage: a live device, a valid info and a writable pointer.
        unsafe {
            let (Ok(dev), Ok(info)) = (device_ref(device), handle::req(p_info)) else { return };
            let q = dev
                .queues
                .iter()
                .find(|(f, i, q)| {
                    *f == info.queue_family_index
                        && *i == info.queue_index
                        && handle::dispatchable::<_, Queue>(*q).is_ok_and(|q| q.flags == info.flags)
                })
                .map_or(vk::Queue::null(), |q| q.2);
            let _ = handle::write(p_queue, q);
        }
    }

    Device fn vkDeviceWaitIdle(device: vk::Device) -> Result {
        // SAFETY: valid usage: a live device.
        let dev = unsafe { device_ref(device)? };
        for (_, _, q) in &dev.queues {
            // SAFETY: the device's own queue handles.
            unsafe { queue(*q)? }.wait_idle().map_err(vk::Result::from)?;
        }
        Ok(())
    }

    Device fn vkQueueWaitIdle(q: vk::Queue) -> Result {
        // SAFETY: valid usage: a live queue.
        unsafe { queue(q)? }.wait_idle().map_err(vk::Result::from)
    }

    Device fn vkQueueSubmit(q: vk::Queue, submit_count: u32, p_submits: *const vk::SubmitInfo, fence: vk::Fence) -> Result {
        // SAFETY: valid usage: a live queue, valid submit infos and an optional live fence.
        unsafe {
            let q = queue(q)?;
            let mut batch = Batch { submissions: Vec::new(), fence: handle::get_optional(fence)? };
            for info in handle::slice(p_submits, submit_count) {
                batch.submissions.push(submission(info)?);
            }
            q.submit(batch)
        }
    }

    Device fn vkQueueSubmit2(q: vk::Queue, submit_count: u32, p_submits: *const vk::SubmitInfo2, fence: vk::Fence) -> Result {
        // SAFETY: valid usage: a live queue, valid submit infos and an optional live fence.
        unsafe {
            let q = queue(q)?;
            let mut batch = Batch { submissions: Vec::new(), fence: handle::get_optional(fence)? };
            for info in handle::slice(p_submits, submit_count) {
                batch.submissions.push(submission2(info)?);
            }
            q.submit(batch)
        }
    }

    Device fn vkGetDeviceGroupPeerMemoryFeatures(
        _device: vk::Device,
        _heap: u32,
        _local: u32,
        _remote: u32,
        p_features: *mut vk::PeerMemoryFeatureFlags,
    ) {
        // One device in the group: only local access, which is everything.
        // SAFETY: valid usage: a writable pointer.
        unsafe {
            let _ = handle::write(
                p_features,
                vk::PeerMemoryFeatureFlags::COPY_SRC
                    | vk::PeerMemoryFeatureFlags::COPY_DST
                    | vk::PeerMemoryFeatureFlags::GENERIC_SRC
                    | vk::PeerMemoryFeatureFlags::GENERIC_DST,
            );
        }
    }

    Device fn vkCreatePrivateDataSlot(
        _device: vk::Device,
        _p_info: *const vk::PrivateDataSlotCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_slot: *mut vk::PrivateDataSlot,
    ) -> Result {
        // SAFETY: valid usage: a writable pointer.
        unsafe { handle::write(p_slot, handle::new_handle(PrivateDataSlot)) }
    }

    Device fn vkDestroyPrivateDataSlot(device: vk::Device, slot: vk::PrivateDataSlot, _p_allocator: *const vk::AllocationCallbacks) {
        use ash::vk::Handle;
        // SAFETY: valid usage: a live device and a live slot (or null).
        unsafe {
            if let Ok(dev) = device_ref(device) {
                lock(&dev.private_data).retain(|(_, s), _| *s != slot.as_raw());
            }
            handle::destroy::<_, PrivateDataSlot>(slot);
        }
    }

    Device fn vkSetPrivateData(device: vk::Device, _ty: vk::ObjectType, object: u64, slot: vk::PrivateDataSlot, data: u64) -> Result {
        use ash::vk::Handle;
        // SAFETY: valid usage: a live device.
        let dev = unsafe { device_ref(device)? };
        lock(&dev.private_data).insert((object, slot.as_raw()), data);
        Ok(())
    }

    Device fn vkGetPrivateData(device: vk::Device, _ty: vk::ObjectType, object: u64, slot: vk::PrivateDataSlot, p_data: *mut u64) {
        use ash::vk::Handle;
        // SAFETY: valid usage: a live device and a writable pointer.
        unsafe {
            let Ok(dev) = device_ref(device) else { return };
            let value = lock(&dev.private_data).get(&(object, slot.as_raw())).copied().unwrap_or(0);
            let _ = handle::write(p_data, value);
        }
    }
}
