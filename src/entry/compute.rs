//! Compute commands: binding pipelines, descriptor sets and push constants; dispatches.

use std::ffi::c_void;

use ash::vk;

use crate::buffer::Buffer;
use crate::command_buffer::{Command, GroupCount, PipelineState};
use crate::descriptor::DescriptorSet;
use crate::entry::command::cmd;
use crate::entry::entry_points;
use crate::handle;
use crate::pipeline::{Pipeline, PipelineLayout};

/// Changes a command buffer's pipeline state (and appends the command `change` returns).
///
/// # Safety
/// `handle` must be a live command buffer.
pub(crate) unsafe fn with_state(
    handle: vk::CommandBuffer,
    change: impl FnOnce(&mut PipelineState) -> Result<Option<Command>, vk::Result>,
) {
    // SAFETY: forwarded contract.
    if let Ok(cb) = unsafe { cmd(handle) } {
        cb.with_state(change);
    }
}

/// [`with_state`] for a change that records several commands.
///
/// # Safety
/// `handle` must be a live command buffer handle (or one the loader knows is invalid).
pub(crate) unsafe fn with_state_commands(
    handle: vk::CommandBuffer,
    change: impl FnOnce(&mut PipelineState) -> Result<Vec<Command>, vk::Result>,
) {
    // SAFETY: forwarded contract.
    if let Ok(cb) = unsafe { cmd(handle) } {
        cb.with_state_commands(change);
    }
}

entry_points! {
    Device fn vkCmdBindPipeline(command_buffer: vk::CommandBuffer, bind_point: vk::PipelineBindPoint, pipeline: vk::Pipeline) {
        // SAFETY: valid usage: live handles.
        unsafe {
            let p = handle::get::<_, Pipeline>(pipeline);
            with_state(command_buffer, |s| s.bind_pipeline(bind_point, p?).map(|()| None));
        }
    }

    Device fn vkCmdBindDescriptorSets(
        command_buffer: vk::CommandBuffer,
        bind_point: vk::PipelineBindPoint,
        layout: vk::PipelineLayout,
        first_set: u32,
        set_count: u32,
        p_sets: *const vk::DescriptorSet,
        dynamic_offset_count: u32,
        p_dynamic_offsets: *const u32,
    ) {
        // SAFETY: valid usage: live handles (null sets allowed), `set_count` sets and
        // `dynamic_offset_count` offsets.
        unsafe {
            let decoded = handle::get::<_, PipelineLayout>(layout).and_then(|l| {
                let sets = handle::slice(p_sets, set_count)
                    .iter()
                    .map(|&s| handle::get_optional::<_, DescriptorSet>(s))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((l, sets))
            });
            let offsets = handle::slice(p_dynamic_offsets, dynamic_offset_count);
            with_state(command_buffer, |s| {
                let (l, sets) = decoded?;
                s.bind_sets(bind_point, first_set, sets, &l.set_layouts, offsets).map(|()| None)
            });
        }
    }

    Device fn vkCmdPushConstants(
        command_buffer: vk::CommandBuffer,
        _layout: vk::PipelineLayout,
        _stage_flags: vk::ShaderStageFlags,
        offset: u32,
        size: u32,
        p_values: *const c_void,
    ) {
        // SAFETY: valid usage: `size` readable bytes, copied now.
        unsafe {
            let bytes = handle::slice(p_values as *const u8, size);
            let complete = bytes.len() == size as usize;
            with_state(command_buffer, |s| {
                if !complete {
                    return Err(vk::Result::ERROR_UNKNOWN);
                }
                s.push_constants(offset, bytes).map(|()| None)
            });
        }
    }

    Device fn vkCmdDispatch(command_buffer: vk::CommandBuffer, x: u32, y: u32, z: u32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| s.dispatch([0; 3], GroupCount::Direct([x, y, z])).map(Some)) };
    }

    Device fn vkCmdDispatchBase(
        command_buffer: vk::CommandBuffer,
        base_x: u32,
        base_y: u32,
        base_z: u32,
        x: u32,
        y: u32,
        z: u32,
    ) {
        // SAFETY: valid usage: a live command buffer.
        unsafe {
            with_state(command_buffer, |s| s.dispatch([base_x, base_y, base_z], GroupCount::Direct([x, y, z])).map(Some))
        };
    }

    Device fn vkCmdDispatchIndirect(command_buffer: vk::CommandBuffer, buffer: vk::Buffer, offset: u64) {
        // SAFETY: valid usage: live handles.
        unsafe {
            let b = handle::get::<_, Buffer>(buffer);
            with_state(command_buffer, |s| s.dispatch([0; 3], GroupCount::Indirect { buffer: b?, offset }).map(Some));
        }
    }
}
