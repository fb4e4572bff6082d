//! Fences, semaphores (binary and timeline) and events.
//!
//! Each is a value behind a mutex with a condition variable: the queue worker signals, host
//! threads and other queues wait. Waits take Vulkan's nanosecond timeouts (`u64::MAX` is
//! forever) and the device's lost flag, so no wait outlives a lost device.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ash::vk;

use crate::handle::HandleObject;

/// When a wait gives up, from a Vulkan timeout in nanoseconds.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    pub fn from_timeout(timeout_ns: u64) -> Deadline {
        if timeout_ns == u64::MAX {
            Deadline(None)
        } else {
            Deadline(Instant::now().checked_add(Duration::from_nanos(timeout_ns)))
        }
    }

    pub fn forever() -> Deadline {
        Deadline(None)
    }

    /// Whether `self` (taken now) is at or past `other`.
    pub fn expired_before(&self, other: &Deadline) -> bool {
        match (self.0, other.0) {
            (Some(now), Some(end)) => now >= end,
            _ => false,
        }
    }

    fn remaining(&self) -> Option<Duration> {
        self.0.map(|d| d.saturating_duration_since(Instant::now()))
    }
}

/// Why a wait ended without its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitError {
    Timeout,
    DeviceLost,
}

impl From<WaitError> for vk::Result {
    fn from(e: WaitError) -> vk::Result {
        match e {
            WaitError::Timeout => vk::Result::TIMEOUT,
            WaitError::DeviceLost => vk::Result::ERROR_DEVICE_LOST,
        }
    }
}

/// How often a waiter looks at the lost flag while its condition is not met.
const LOST_POLL: Duration = Duration::from_millis(50);

/// Waits on `cv` until `ready` holds, the deadline passes or the device is lost.
pub fn wait_until<'a, T>(
    mut guard: MutexGuard<'a, T>,
    cv: &Condvar,
    deadline: Deadline,
    lost: &AtomicBool,
    mut ready: impl FnMut(&T) -> bool,
) -> Result<MutexGuard<'a, T>, WaitError> {
    loop {
        if ready(&guard) {
            return Ok(guard);
        }
        if lost.load(Ordering::Acquire) {
            return Err(WaitError::DeviceLost);
        }
        let step = match deadline.remaining() {
            Some(d) if d.is_zero() => return Err(WaitError::Timeout),
            Some(d) => d.min(LOST_POLL),
            None => LOST_POLL,
        };
        guard = cv
            .wait_timeout(guard, step)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// A lock that survives a panicked holder (the driver never leaves state half-written
/// across a panic point that matters, and a poisoned lock must not take the program down).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug)]
pub struct Fence {
    signaled: Mutex<bool>,
    cv: Condvar,
}

impl HandleObject for Fence {
    const TAG: u64 = u64::from_le_bytes(*b"pmFENCE_");
}

impl Fence {
    pub fn new(signaled: bool) -> Fence {
        Fence {
            signaled: Mutex::new(signaled),
            cv: Condvar::new(),
        }
    }

    pub fn signal(&self) {
        *lock(&self.signaled) = true;
        self.cv.notify_all();
    }

    pub fn reset(&self) {
        *lock(&self.signaled) = false;
    }

    pub fn is_signaled(&self) -> bool {
        *lock(&self.signaled)
    }

    pub fn wait(&self, deadline: Deadline, lost: &AtomicBool) -> Result<(), WaitError> {
        wait_until(lock(&self.signaled), &self.cv, deadline, lost, |s| *s).map(|_| ())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemaphoreKind {
    Binary,
    Timeline,
}

/// A semaphore. A binary semaphore's value is 0 or 1; a timeline's only grows.
#[derive(Debug)]
pub struct Semaphore {
    pub kind: SemaphoreKind,
    value: Mutex<u64>,
    cv: Condvar,
}

impl HandleObject for Semaphore {
    const TAG: u64 = u64::from_le_bytes(*b"pmSEMAPH");
}

impl Semaphore {
    pub fn new(kind: SemaphoreKind, initial: u64) -> Semaphore {
        Semaphore {
            kind,
            value: Mutex::new(initial),
            cv: Condvar::new(),
        }
    }

    pub fn value(&self) -> u64 {
        *lock(&self.value)
    }

    /// Signals: a binary semaphore becomes 1, a timeline takes `value` (if larger).
    pub fn signal(&self, value: u64) {
        let mut v = lock(&self.value);
        match self.kind {
            SemaphoreKind::Binary => *v = 1,
            SemaphoreKind::Timeline => *v = (*v).max(value),
        }
        drop(v);
        self.cv.notify_all();
    }

    /// Waits for the semaphore: a binary one until signalled (and then unsignals it, as a
    /// queue wait does), a timeline until it reaches `value`.
    pub fn wait(&self, value: u64, deadline: Deadline, lost: &AtomicBool) -> Result<(), WaitError> {
        match self.kind {
            SemaphoreKind::Binary => {
                let mut v = wait_until(lock(&self.value), &self.cv, deadline, lost, |v| *v >= 1)?;
                *v = 0;
                Ok(())
            }
            SemaphoreKind::Timeline => {
                wait_until(lock(&self.value), &self.cv, deadline, lost, |v| *v >= value).map(|_| ())
            }
        }
    }

    /// Whether a timeline wait for `value` would return now.
    pub fn reached(&self, value: u64) -> bool {
        *lock(&self.value) >= value
    }

    /// Waits until any of `waits` is reached (host `vkWaitSemaphores` with `WAIT_ANY`).
    pub fn wait_any(
        waits: &[(&Semaphore, u64)],
        deadline: Deadline,
        lost: &AtomicBool,
    ) -> Result<(), WaitError> {
        loop {
            if waits.iter().any(|(s, v)| s.reached(*v)) {
                return Ok(());
            }
            if lost.load(Ordering::Acquire) {
                return Err(WaitError::DeviceLost);
            }
            match deadline.remaining() {
                Some(d) if d.is_zero() => return Err(WaitError::Timeout),
                _ => {}
            }
            // Wait on the first semaphore for a short while; any signal wakes all waiters of
            // that semaphore, and the poll bounds the latency for the others.
            let (s, v) = &waits[0];
            let step = deadline.remaining().map_or(Duration::from_millis(1), |d| {
                d.min(Duration::from_millis(1))
            });
            let guard = lock(&s.value);
            let _ = s.cv.wait_timeout_while(guard, step, |cur| *cur < *v);
        }
    }
}

/// A `VkEvent`.
#[derive(Debug)]
pub struct Event {
    set: Mutex<bool>,
    cv: Condvar,
    /// Created with `VK_EVENT_CREATE_DEVICE_ONLY_BIT`.
    pub device_only: bool,
}

impl HandleObject for Event {
    const TAG: u64 = u64::from_le_bytes(*b"pmEVENT_");
}

impl Event {
    pub fn new(device_only: bool) -> Event {
        Event {
            set: Mutex::new(false),
            cv: Condvar::new(),
            device_only,
        }
    }

    pub fn set(&self) {
        *lock(&self.set) = true;
        self.cv.notify_all();
    }

    pub fn reset(&self) {
        *lock(&self.set) = false;
    }

    pub fn is_set(&self) -> bool {
        *lock(&self.set)
    }

    pub fn wait(&self, deadline: Deadline, lost: &AtomicBool) -> Result<(), WaitError> {
        wait_until(lock(&self.set), &self.cv, deadline, lost, |s| *s).map(|_| ())
    }
}
