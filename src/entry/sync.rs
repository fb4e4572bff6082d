//! Fences, semaphores and events from the host.

use ash::vk;

use crate::entry::device::device_ref;
use crate::entry::entry_points;
use crate::handle;
use crate::sync::{Deadline, Event, Fence, Semaphore, SemaphoreKind, WaitError};

entry_points! {
    Device fn vkCreateFence(
        _device: vk::Device,
        p_create_info: *const vk::FenceCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_fence: *mut vk::Fence,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            if handle::find::<vk::ExportFenceCreateInfo>(info.p_next).is_some_and(|e| !e.handle_types.is_empty()) {
                return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
            }
            let fence = Fence::new(info.flags.contains(vk::FenceCreateFlags::SIGNALED));
            handle::write(p_fence, handle::new_handle(fence))
        }
    }

    Device fn vkDestroyFence(_device: vk::Device, fence: vk::Fence, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live fence (or null), not used afterwards.
        unsafe { handle::destroy::<_, Fence>(fence) };
    }

    Device fn vkResetFences(_device: vk::Device, count: u32, p_fences: *const vk::Fence) -> Result {
        // SAFETY: valid usage: `count` live fences.
        unsafe {
            for &f in handle::slice(p_fences, count) {
                handle::get::<_, Fence>(f)?.reset();
            }
        }
        Ok(())
    }

    Device fn vkGetFenceStatus(device: vk::Device, fence: vk::Fence) -> Status {
        // SAFETY: valid usage: live handles.
        let (dev, f) = unsafe { (device_ref(device)?, handle::get::<_, Fence>(fence)?) };
        if dev.shared.lost.load(std::sync::atomic::Ordering::Acquire) {
            return Err(vk::Result::ERROR_DEVICE_LOST);
        }
        Ok(if f.is_signaled() { vk::Result::SUCCESS } else { vk::Result::NOT_READY })
    }

    Device fn vkWaitForFences(
        device: vk::Device,
        count: u32,
        p_fences: *const vk::Fence,
        wait_all: vk::Bool32,
        timeout: u64,
    ) -> Status {
        // SAFETY: valid usage: a live device and `count` live fences.
        let (dev, fences) = unsafe {
            let fences: Result<Vec<_>, _> =
                handle::slice(p_fences, count).iter().map(|&f| handle::get::<_, Fence>(f)).collect();
            (device_ref(device)?, fences?)
        };
        let deadline = Deadline::from_timeout(timeout);
        let lost = &dev.shared.lost;
        let outcome = if wait_all != vk::FALSE || fences.len() <= 1 {
            fences.iter().try_for_each(|f| f.wait(deadline, lost))
        } else {
            // Any: poll in short steps on each (fences signal rarely; 100 µs keeps latency low).
            loop {
                if fences.iter().any(|f| f.is_signaled()) {
                    break Ok(());
                }
                let step = Deadline::from_timeout(100_000);
                match fences[0].wait(step, lost) {
                    Ok(()) => break Ok(()),
                    Err(WaitError::DeviceLost) => break Err(WaitError::DeviceLost),
                    Err(WaitError::Timeout) => {
                        if Deadline::from_timeout(0).expired_before(&deadline) {
                            break Err(WaitError::Timeout);
                        }
                    }
                }
            }
        };
        match outcome {
            // The queue signals the fences of a submission whose work was cut short by a lost
            // device: report the loss (as vkGetFenceStatus does), not a success.
            Ok(()) if lost.load(std::sync::atomic::Ordering::Acquire) => {
                Err(vk::Result::ERROR_DEVICE_LOST)
            }
            Ok(()) => Ok(vk::Result::SUCCESS),
            Err(WaitError::Timeout) => Ok(vk::Result::TIMEOUT),
            Err(WaitError::DeviceLost) => Err(vk::Result::ERROR_DEVICE_LOST),
        }
    }

    Device fn vkCreateSemaphore(
        _device: vk::Device,
        p_create_info: *const vk::SemaphoreCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_semaphore: *mut vk::Semaphore,
    ) -> Result {
        // SAFETY: valid usage: a valid create info chain and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            if handle::find::<vk::ExportSemaphoreCreateInfo>(info.p_next).is_some_and(|e| !e.handle_types.is_empty()) {
                return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
            }
            let (kind, initial) = match handle::find::<vk::SemaphoreTypeCreateInfo>(info.p_next) {
                Some(t) if t.semaphore_type == vk::SemaphoreType::TIMELINE => (SemaphoreKind::Timeline, t.initial_value),
                _ => (SemaphoreKind::Binary, 0),
            };
            handle::write(p_semaphore, handle::new_handle(Semaphore::new(kind, initial)))
        }
    }

    Device fn vkDestroySemaphore(_device: vk::Device, semaphore: vk::Semaphore, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live semaphore (or null), not used afterwards.
        unsafe { handle::destroy::<_, Semaphore>(semaphore) };
    }

    Device fn vkGetSemaphoreCounterValue(_device: vk::Device, semaphore: vk::Semaphore, p_value: *mut u64) -> Result {
        // SAFETY: valid usage: a live timeline semaphore and a writable pointer.
        unsafe {
            let s = handle::get::<_, Semaphore>(semaphore)?;
            handle::write(p_value, s.value())
        }
    }

    Device fn vkSignalSemaphore(_device: vk::Device, p_info: *const vk::SemaphoreSignalInfo) -> Result {
        // SAFETY: valid usage: a valid info with a live timeline semaphore.
        unsafe {
            let info = handle::req(p_info)?;
            handle::get::<_, Semaphore>(info.semaphore)?.signal(info.value);
        }
        Ok(())
    }

    Device fn vkWaitSemaphores(device: vk::Device, p_info: *const vk::SemaphoreWaitInfo, timeout: u64) -> Status {
        // SAFETY: valid usage: a live device and a valid info with live timeline semaphores.
        let (dev, waits, any) = unsafe {
            let info = handle::req(p_info)?;
            let sems = handle::slice(info.p_semaphores, info.semaphore_count);
            let values = handle::slice(info.p_values, info.semaphore_count);
            let mut waits = Vec::new();
            for (&s, &v) in sems.iter().zip(values) {
                waits.push((handle::get::<_, Semaphore>(s)?, v));
            }
            (device_ref(device)?, waits, info.flags.contains(vk::SemaphoreWaitFlags::ANY))
        };
        let deadline = Deadline::from_timeout(timeout);
        let lost = &dev.shared.lost;
        let outcome = if any && waits.len() > 1 {
            let refs: Vec<(&Semaphore, u64)> = waits.iter().map(|(s, v)| (&**s, *v)).collect();
            Semaphore::wait_any(&refs, deadline, lost)
        } else {
            waits.iter().try_for_each(|(s, v)| {
                if s.kind == SemaphoreKind::Timeline { s.wait(*v, deadline, lost) } else { Ok(()) }
            })
        };
        match outcome {
            Ok(()) => Ok(vk::Result::SUCCESS),
            Err(WaitError::Timeout) => Ok(vk::Result::TIMEOUT),
            Err(WaitError::DeviceLost) => Err(vk::Result::ERROR_DEVICE_LOST),
        }
    }

    Device fn vkCreateEvent(
        _device: vk::Device,
        p_create_info: *const vk::EventCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_event: *mut vk::Event,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let event = Event::new(info.flags.contains(vk::EventCreateFlags::DEVICE_ONLY));
            handle::write(p_event, handle::new_handle(event))
        }
    }

    Device fn vkDestroyEvent(_device: vk::Device, event: vk::Event, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live event (or null), not used afterwards.
        unsafe { handle::destroy::<_, Event>(event) };
    }

    Device fn vkGetEventStatus(_device: vk::Device, event: vk::Event) -> Status {
        // SAFETY: valid usage: a live event.
        let e = unsafe { handle::get::<_, Event>(event)? };
        Ok(if e.is_set() { vk::Result::EVENT_SET } else { vk::Result::EVENT_RESET })
    }

    Device fn vkSetEvent(_device: vk::Device, event: vk::Event) -> Result {
        // SAFETY: valid usage: a live event.
        unsafe { handle::get::<_, Event>(event)? }.set();
        Ok(())
    }

    Device fn vkResetEvent(_device: vk::Device, event: vk::Event) -> Result {
        // SAFETY: valid usage: a live event.
        unsafe { handle::get::<_, Event>(event)? }.reset();
        Ok(())
    }
}
