//! Query pools and query commands.

use ash::vk;

use crate::buffer::Buffer;
use crate::command_buffer::Command;
use crate::entry::command::record;
use crate::entry::device::device_ref;
use crate::entry::entry_points;
use crate::handle;
use crate::query::{QueryPool, ResultsStatus};

/// Records a timestamp write. Spec (multiview): "the timestamp uses N consecutive query
/// indices in the query pool (starting at query) where N is the number of bits set in the
/// view mask": each gets the time.
///
/// # Safety
/// The handles must be live.
unsafe fn write_timestamp(command_buffer: vk::CommandBuffer, pool: vk::QueryPool, query: u32) {
    // SAFETY: forwarded contract.
    unsafe {
        let pool = handle::get::<_, QueryPool>(pool);
        crate::entry::compute::with_state_commands(command_buffer, |s| {
            let pool = pool?;
            (0..s.draw.view_count())
                .map(|i| {
                    let query = query.checked_add(i).ok_or(vk::Result::ERROR_UNKNOWN)?;
                    Ok(Command::WriteTimestamp {
                        pool: pool.clone(),
                        query,
                    })
                })
                .collect()
        })
    }
}

entry_points! {
    Device fn vkCreateQueryPool(
        _device: vk::Device,
        p_create_info: *const vk::QueryPoolCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_pool: *mut vk::QueryPool,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let pool = QueryPool::new(info.query_type, info.query_count)?;
            handle::write(p_pool, handle::new_handle(pool))
        }
    }

    Device fn vkDestroyQueryPool(_device: vk::Device, pool: vk::QueryPool, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live pool (or null), not used afterwards.
        unsafe { handle::destroy::<_, QueryPool>(pool) };
    }

    Device fn vkResetQueryPool(_device: vk::Device, pool: vk::QueryPool, first: u32, count: u32) {
        // SAFETY: valid usage: a live pool.
        if let Ok(p) = unsafe { handle::get::<_, QueryPool>(pool) } {
            p.reset(first, count);
        }
    }

    Device fn vkGetQueryPoolResults(
        device: vk::Device,
        pool: vk::QueryPool,
        first: u32,
        count: u32,
        data_size: usize,
        p_data: *mut std::ffi::c_void,
        stride: u64,
        flags: vk::QueryResultFlags,
    ) -> Status {
        // SAFETY: valid usage: live handles and `data_size` writable bytes at `p_data`.
        unsafe {
            let dev = device_ref(device)?;
            let p = handle::get::<_, QueryPool>(pool)?;
            if p_data.is_null() {
                return Err(vk::Result::ERROR_UNKNOWN);
            }
            // Work on a copy so that bytes the results do not cover are kept as they were.
            let out = std::slice::from_raw_parts_mut(p_data as *mut u8, data_size);
            let mut bytes = out.to_vec();
            let status = p.results(first, count, &mut bytes, stride, flags, &dev.shared.lost)?;
            out.copy_from_slice(&bytes);
            Ok(match status {
                ResultsStatus::Complete => vk::Result::SUCCESS,
                ResultsStatus::NotReady => vk::Result::NOT_READY,
            })
        }
    }

    Device fn vkCmdResetQueryPool(command_buffer: vk::CommandBuffer, pool: vk::QueryPool, first: u32, count: u32) {
        // SAFETY: valid usage: live handles.
        unsafe { record(command_buffer, || Ok(Command::ResetQueryPool { pool: handle::get(pool)?, first, count })) };
    }

    Device fn vkCmdWriteTimestamp(command_buffer: vk::CommandBuffer, _stage: vk::PipelineStageFlags, pool: vk::QueryPool, query: u32) {
        // SAFETY: valid usage: live handles.
        unsafe { write_timestamp(command_buffer, pool, query) };
    }

    Device fn vkCmdWriteTimestamp2(command_buffer: vk::CommandBuffer, _stage: vk::PipelineStageFlags2, pool: vk::QueryPool, query: u32) {
        // SAFETY: valid usage: live handles.
        unsafe { write_timestamp(command_buffer, pool, query) };
    }

    Device fn vkCmdBeginQuery(command_buffer: vk::CommandBuffer, pool: vk::QueryPool, query: u32, _flags: vk::QueryControlFlags) {
        // Occlusion counts are always precise, so `PRECISE` changes nothing.
        // SAFETY: valid usage: live handles.
        unsafe {
            record(command_buffer, || {
                let pool = handle::get::<_, QueryPool>(pool)?;
                if pool.query_type != vk::QueryType::OCCLUSION {
                    return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
                }
                Ok(Command::BeginQuery { pool, query })
            })
        };
    }

    Device fn vkCmdEndQuery(command_buffer: vk::CommandBuffer, pool: vk::QueryPool, query: u32) {
        // SAFETY: valid usage: live handles.
        unsafe {
            let pool = handle::get::<_, QueryPool>(pool);
            crate::entry::compute::with_state_commands(command_buffer, |s| {
                let pool = pool?;
                let mut commands = vec![Command::EndQuery { pool: pool.clone(), query }];
                // Spec (multiview): "the query uses N consecutive query indices in the query
                // pool (starting at query) where N is the number of bits set in the view
                // mask … implementations may write the total result to the first query and
                // write zero to the other queries": the others become available with 0.
                for i in 1..s.draw.view_count() {
                    let query = query.checked_add(i).ok_or(vk::Result::ERROR_UNKNOWN)?;
                    commands.push(Command::BeginQuery { pool: pool.clone(), query });
                    commands.push(Command::EndQuery { pool: pool.clone(), query });
                }
                Ok(commands)
            })
        };
    }

    Device fn vkCmdCopyQueryPoolResults(
        command_buffer: vk::CommandBuffer,
        pool: vk::QueryPool,
        first: u32,
        count: u32,
        dst: vk::Buffer,
        offset: u64,
        stride: u64,
        flags: vk::QueryResultFlags,
    ) {
        // SAFETY: valid usage: live handles.
        unsafe {
            record(command_buffer, || {
                Ok(Command::CopyQueryPoolResults {
                    pool: handle::get(pool)?,
                    first,
                    count,
                    dst: handle::get::<_, Buffer>(dst)?,
                    offset,
                    stride,
                    flags,
                })
            })
        };
    }
}
