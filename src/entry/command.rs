//! Command pools and command buffers; barriers and event commands.

use ash::vk;

use crate::command_buffer::{Command, CommandBuffer, CommandPool};
use crate::entry::entry_points;
use crate::handle::{self, Ref};
use crate::sync::{lock, Event};

/// The command buffer behind a handle.
///
/// # Safety
/// `handle` must be a live command buffer handle.
pub(crate) unsafe fn cmd<'a>(handle: vk::CommandBuffer) -> Result<&'a CommandBuffer, vk::Result> {
    // SAFETY: forwarded contract.
    unsafe { handle::dispatchable(handle) }
}

/// Records a command built from the application's arguments.
///
/// # Safety
/// `handle` must be a live command buffer; `build` reads the application's arguments.
pub(crate) unsafe fn record(
    handle: vk::CommandBuffer,
    build: impl FnOnce() -> Result<Command, vk::Result>,
) {
    // SAFETY: forwarded contract.
    if let Ok(cb) = unsafe { cmd(handle) } {
        cb.record(build());
    }
}

/// Frees command buffers of a pool.
///
/// # Safety
/// Each handle must be a live command buffer of `pool`, not used afterwards.
unsafe fn free_buffers(pool: &CommandPool, buffers: &[vk::CommandBuffer]) {
    use ash::vk::Handle;
    let mut list = lock(&pool.buffers);
    for &b in buffers {
        if b.is_null() {
            continue;
        }
        list.retain(|&raw| raw != b.as_raw());
        // SAFETY: forwarded contract.
        unsafe { handle::free_dispatchable::<_, CommandBuffer>(b) };
    }
}

/// The events of a wait.
///
/// # Safety
/// `events` must hold live event handles.
unsafe fn events(events: &[vk::Event]) -> Result<Vec<Ref<Event>>, vk::Result> {
    // SAFETY: forwarded contract.
    events
        .iter()
        .map(|&e| unsafe { handle::get::<_, Event>(e) })
        .collect()
}

entry_points! {
    Device fn vkCreateCommandPool(
        _device: vk::Device,
        p_create_info: *const vk::CommandPoolCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_pool: *mut vk::CommandPool,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            if info.queue_family_index != 0 {
                return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
            }
            if info.flags.contains(vk::CommandPoolCreateFlags::PROTECTED) {
                return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
            }
            let pool = CommandPool { flags: info.flags, queue_family: info.queue_family_index, buffers: Default::default() };
            handle::write(p_pool, handle::new_handle(pool))
        }
    }

    Device fn vkDestroyCommandPool(_device: vk::Device, pool: vk::CommandPool, _p_allocator: *const vk::AllocationCallbacks) {
        use ash::vk::Handle;
        // SAFETY: valid usage: a live pool (or null); its command buffers go with it.
        unsafe {
            let Some(p) = handle::destroy::<_, CommandPool>(pool) else { return };
            let buffers: Vec<vk::CommandBuffer> = lock(&p.buffers).iter().map(|&raw| vk::CommandBuffer::from_raw(raw)).collect();
            free_buffers(&p, &buffers);
        }
    }

    Device fn vkResetCommandPool(_device: vk::Device, pool: vk::CommandPool, _flags: vk::CommandPoolResetFlags) -> Result {
        use ash::vk::Handle;
        // SAFETY: valid usage: a live pool whose buffers are live.
        unsafe {
            let p = handle::get::<_, CommandPool>(pool)?;
            for &raw in lock(&p.buffers).iter() {
                cmd(vk::CommandBuffer::from_raw(raw))?.reset();
            }
        }
        Ok(())
    }

    Device fn vkTrimCommandPool(_device: vk::Device, _pool: vk::CommandPool, _flags: vk::CommandPoolTrimFlags) {
        // Recordings free their memory on reset; the pool keeps no spare memory to trim.
    }

    Device fn vkAllocateCommandBuffers(
        _device: vk::Device,
        p_info: *const vk::CommandBufferAllocateInfo,
        p_buffers: *mut vk::CommandBuffer,
    ) -> Result {
        use ash::vk::Handle;
        // SAFETY: valid usage: a valid info with a live pool, and room for the handles.
        unsafe {
            let info = handle::req(p_info)?;
            let pool = handle::get::<_, CommandPool>(info.command_pool)?;
            if p_buffers.is_null() {
                return Err(vk::Result::ERROR_UNKNOWN);
            }
            for i in 0..info.command_buffer_count as usize {
                let cb: vk::CommandBuffer = handle::new_dispatchable(CommandBuffer::new(pool.clone(), info.level));
                lock(&pool.buffers).push(cb.as_raw());
                p_buffers.add(i).write(cb);
            }
        }
        Ok(())
    }

    Device fn vkFreeCommandBuffers(_device: vk::Device, pool: vk::CommandPool, count: u32, p_buffers: *const vk::CommandBuffer) {
        // SAFETY: valid usage: a live pool and its own live command buffers.
        unsafe {
            let Ok(p) = handle::get::<_, CommandPool>(pool) else { return };
            free_buffers(&p, handle::slice(p_buffers, count));
        }
    }

    Device fn vkBeginCommandBuffer(command_buffer: vk::CommandBuffer, p_info: *const vk::CommandBufferBeginInfo) -> Result {
        // SAFETY: valid usage: a live command buffer and a valid begin info (with a valid
        // inheritance info for a secondary). A secondary that continues a render pass renders
        // to the targets of whichever render pass instance executes it; of the inheritance
        // info only the view count (multiview) matters while recording, for queries.
        unsafe {
            let info = handle::req(p_info)?;
            let cb = cmd(command_buffer)?;
            let continues = cb.level == vk::CommandBufferLevel::SECONDARY
                && info.flags.contains(vk::CommandBufferUsageFlags::RENDER_PASS_CONTINUE);
            let views = match handle::opt_ref(info.p_inheritance_info) {
                Some(i) if continues => {
                    let view_mask = match handle::get_optional::<_, crate::render_pass::RenderPass>(i.render_pass)? {
                        Some(rp) => rp.subpasses.get(i.subpass as usize).ok_or(vk::Result::ERROR_UNKNOWN)?.view_mask,
                        None => handle::find::<vk::CommandBufferInheritanceRenderingInfo>(i.p_next).map_or(0, |r| r.view_mask),
                    };
                    view_mask.count_ones().max(1)
                }
                _ => 0,
            };
            cb.begin(views)
        }
    }

    Device fn vkEndCommandBuffer(command_buffer: vk::CommandBuffer) -> Result {
        // SAFETY: valid usage: a live command buffer.
        unsafe { cmd(command_buffer)? }.end()
    }

    Device fn vkResetCommandBuffer(command_buffer: vk::CommandBuffer, _flags: vk::CommandBufferResetFlags) -> Result {
        // SAFETY: valid usage: a live command buffer.
        unsafe { cmd(command_buffer)? }.reset();
        Ok(())
    }

    Device fn vkCmdExecuteCommands(command_buffer: vk::CommandBuffer, count: u32, p_buffers: *const vk::CommandBuffer) {
        // SAFETY: valid usage: live primary and secondary command buffers.
        unsafe {
            let Ok(primary) = cmd(command_buffer) else { return };
            let recordings: Result<Vec<_>, vk::Result> = handle::slice(p_buffers, count)
                .iter()
                .map(|&b| {
                    let secondary = cmd(b)?;
                    if secondary.level != vk::CommandBufferLevel::SECONDARY {
                        return Err(vk::Result::ERROR_UNKNOWN);
                    }
                    secondary.recording().ok_or(vk::Result::ERROR_UNKNOWN)
                })
                .collect();
            // Nested command buffers (VK_EXT_nested_command_buffer) are not advertised.
            let nested = primary.level != vk::CommandBufferLevel::PRIMARY;
            primary.with_state_commands(|s| {
                let recordings = recordings?;
                // VUID-vkCmdExecuteCommands-pCommandBuffers-00100: a secondary that continues
                // a render pass runs inside one; the targets are those of the current subpass.
                let outside = s.draw.targets.is_empty();
                if nested || (outside && recordings.iter().any(|r| r.continues_render_pass)) {
                    return Err(vk::Result::ERROR_UNKNOWN);
                }
                Ok(vec![Command::ExecuteCommands { recordings, targets: s.draw.targets.clone() }])
            });
        }
    }

    Device fn vkCmdPipelineBarrier(
        _command_buffer: vk::CommandBuffer,
        _src_stage: vk::PipelineStageFlags,
        _dst_stage: vk::PipelineStageFlags,
        _dependency: vk::DependencyFlags,
        _memory_barrier_count: u32,
        _p_memory_barriers: *const vk::MemoryBarrier,
        _buffer_barrier_count: u32,
        _p_buffer_barriers: *const vk::BufferMemoryBarrier,
        _image_barrier_count: u32,
        _p_image_barriers: *const vk::ImageMemoryBarrier,
    ) {
        // A queue executes its commands one after another on one thread, each finished before
        // the next starts, and images have one layout for every VkImageLayout: every barrier
        // is already satisfied.
    }

    Device fn vkCmdPipelineBarrier2(_command_buffer: vk::CommandBuffer, _p_info: *const vk::DependencyInfo) {
        // See vkCmdPipelineBarrier.
    }

    Device fn vkCmdSetEvent(command_buffer: vk::CommandBuffer, event: vk::Event, _stage: vk::PipelineStageFlags) {
        // SAFETY: valid usage: live handles.
        unsafe { record(command_buffer, || Ok(Command::SetEvent(handle::get(event)?))) };
    }

    Device fn vkCmdSetEvent2(command_buffer: vk::CommandBuffer, event: vk::Event, _p_info: *const vk::DependencyInfo) {
        // SAFETY: valid usage: live handles.
        unsafe { record(command_buffer, || Ok(Command::SetEvent(handle::get(event)?))) };
    }

    Device fn vkCmdResetEvent(command_buffer: vk::CommandBuffer, event: vk::Event, _stage: vk::PipelineStageFlags) {
        // SAFETY: valid usage: live handles.
        unsafe { record(command_buffer, || Ok(Command::ResetEvent(handle::get(event)?))) };
    }

    Device fn vkCmdResetEvent2(command_buffer: vk::CommandBuffer, event: vk::Event, _stage: vk::PipelineStageFlags2) {
        // SAFETY: valid usage: live handles.
        unsafe { record(command_buffer, || Ok(Command::ResetEvent(handle::get(event)?))) };
    }

    Device fn vkCmdWaitEvents(
        command_buffer: vk::CommandBuffer,
        event_count: u32,
        p_events: *const vk::Event,
        _src_stage: vk::PipelineStageFlags,
        _dst_stage: vk::PipelineStageFlags,
        _memory_barrier_count: u32,
        _p_memory_barriers: *const vk::MemoryBarrier,
        _buffer_barrier_count: u32,
        _p_buffer_barriers: *const vk::BufferMemoryBarrier,
        _image_barrier_count: u32,
        _p_image_barriers: *const vk::ImageMemoryBarrier,
    ) {
        // SAFETY: valid usage: live handles.
        unsafe { record(command_buffer, || Ok(Command::WaitEvents(events(handle::slice(p_events, event_count))?))) };
    }

    Device fn vkCmdWaitEvents2(
        command_buffer: vk::CommandBuffer,
        event_count: u32,
        p_events: *const vk::Event,
        _p_infos: *const vk::DependencyInfo,
    ) {
        // SAFETY: valid usage: live handles.
        unsafe { record(command_buffer, || Ok(Command::WaitEvents(events(handle::slice(p_events, event_count))?))) };
    }

    Device fn vkCmdSetDeviceMask(_command_buffer: vk::CommandBuffer, _mask: u32) {
        // One device in the group.
    }
}
