//! Query pools: timestamps, and occlusion queries (precise: the number of fragments that passed
//! the depth and stencil tests, counted by the rasterizer's tiles and summed per draw; written
//! when the query ends, see `queue.rs`). Pipeline statistics are not supported.

use std::sync::atomic::AtomicBool;
use std::sync::{Condvar, LazyLock, Mutex};
use std::time::Instant;

use ash::vk;

use crate::handle::HandleObject;
use crate::sync::{lock, wait_until, Deadline, WaitError};

/// Timestamps count nanoseconds from the first use in the process (`timestampPeriod` = 1).
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

pub fn timestamp_now() -> u64 {
    EPOCH.elapsed().as_nanos() as u64
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    value: u64,
    available: bool,
}

#[derive(Debug)]
pub struct QueryPool {
    pub query_type: vk::QueryType,
    pub count: u32,
    slots: Mutex<Vec<Slot>>,
    cv: Condvar,
}

impl HandleObject for QueryPool {
    const TAG: u64 = u64::from_le_bytes(*b"pmQRYPOL");
}

/// What `vkGetQueryPoolResults` (or its command form) found for a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultsStatus {
    Complete,
    NotReady,
}

impl QueryPool {
    pub fn new(query_type: vk::QueryType, count: u32) -> Result<QueryPool, vk::Result> {
        if !matches!(
            query_type,
            vk::QueryType::TIMESTAMP | vk::QueryType::OCCLUSION
        ) {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        Ok(QueryPool {
            query_type,
            count,
            slots: Mutex::new(vec![Slot::default(); count as usize]),
            cv: Condvar::new(),
        })
    }

    fn range_ok(&self, first: u32, count: u32) -> bool {
        first
            .checked_add(count)
            .is_some_and(|end| end <= self.count)
    }

    pub fn reset(&self, first: u32, count: u32) {
        if !self.range_ok(first, count) {
            return;
        }
        let mut slots = lock(&self.slots);
        for s in &mut slots[first as usize..(first + count) as usize] {
            *s = Slot::default();
        }
    }

    pub fn write(&self, query: u32, value: u64) {
        let mut slots = lock(&self.slots);
        if let Some(s) = slots.get_mut(query as usize) {
            *s = Slot {
                value,
                available: true,
            };
        }
        drop(slots);
        self.cv.notify_all();
    }

    /// Writes results as Vulkan lays them out: per query, the value then (optionally) the
    /// availability word, each 32 or 64 bits, queries `stride` bytes apart.
    pub fn results(
        &self,
        first: u32,
        count: u32,
        out: &mut [u8],
        stride: u64,
        flags: vk::QueryResultFlags,
        lost: &AtomicBool,
    ) -> Result<ResultsStatus, vk::Result> {
        if !self.range_ok(first, count) {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        let wide = flags.contains(vk::QueryResultFlags::TYPE_64);
        let word = if wide { 8 } else { 4 };
        let with_availability = flags.contains(vk::QueryResultFlags::WITH_AVAILABILITY);
        let mut status = ResultsStatus::Complete;
        for i in 0..count {
            let index = (first + i) as usize;
            let slot = if flags.contains(vk::QueryResultFlags::WAIT) {
                let slots = wait_until(
                    lock(&self.slots),
                    &self.cv,
                    Deadline::forever(),
                    lost,
                    |s| s[index].available,
                )
                .map_err(|e: WaitError| vk::Result::from(e))?;
                slots[index]
            } else {
                lock(&self.slots)[index]
            };
            let base = (i as u64 * stride) as usize;
            let mut put = |at: usize, v: u64| -> Result<(), vk::Result> {
                let dst = out
                    .get_mut(base + at..base + at + word)
                    .ok_or(vk::Result::ERROR_UNKNOWN)?;
                if wide {
                    dst.copy_from_slice(&v.to_le_bytes());
                } else {
                    dst.copy_from_slice(&(v as u32).to_le_bytes());
                }
                Ok(())
            };
            if slot.available {
                put(0, slot.value)?;
            } else {
                status = ResultsStatus::NotReady;
                if flags.contains(vk::QueryResultFlags::PARTIAL) {
                    put(0, 0)?;
                }
            }
            if with_availability {
                put(word, slot.available as u64)?;
            }
        }
        Ok(status)
    }
}
