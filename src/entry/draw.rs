//! Recording render pass instances, vertex/index buffers, dynamic state and draws.

use std::sync::Arc;

use ash::vk::{self, Handle};

use crate::buffer::Buffer;
use crate::entry::compute::with_state;
use crate::entry::entry_points;
use crate::graphics_state::{DrawKind, LoadClear, RenderTargets};
use crate::handle::{self, Ref};
use crate::image::ImageView;
use crate::render_pass::{Framebuffer, RenderPass};

/// The targets and load clears of subpass 0 of a render pass begin.
///
/// # Safety
/// `info` must be valid, with live handles.
unsafe fn render_pass_targets(
    info: &vk::RenderPassBeginInfo,
) -> Result<(Arc<RenderTargets>, Vec<LoadClear>), vk::Result> {
    // SAFETY: forwarded contract.
    unsafe {
        let rp = handle::get::<_, RenderPass>(info.render_pass)?;
        let fb = handle::get::<_, Framebuffer>(info.framebuffer)?;
        let views: Vec<Ref<ImageView>> = if fb.attachments.is_empty() {
            let Some(a) = handle::find::<vk::RenderPassAttachmentBeginInfo>(info.p_next) else {
                return Err(vk::Result::ERROR_UNKNOWN);
            };
            let mut v = Vec::new();
            for &view in handle::slice(a.p_attachments, a.attachment_count) {
                v.push(handle::get::<_, ImageView>(view)?);
            }
            v
        } else {
            fb.attachments.clone()
        };
        // Only single-subpass render passes run so far.
        if rp.subpasses.len() != 1 || views.len() != rp.attachments.len() {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        let sub = &rp.subpasses[0];
        let clear_values = handle::slice(info.p_clear_values, info.clear_value_count);
        let mut clears = Vec::new();
        let color = sub
            .color
            .iter()
            .enumerate()
            .map(|(slot, a)| {
                a.map(|i| {
                    if rp.attachments[i as usize].load_op == vk::AttachmentLoadOp::CLEAR {
                        if let Some(v) = clear_values.get(i as usize) {
                            clears.push(LoadClear::Color {
                                attachment: slot,
                                value: v.color.uint32,
                            });
                        }
                    }
                    views[i as usize].clone()
                })
            })
            .collect();
        let depth = sub.depth_stencil.map(|i| {
            if rp.attachments[i as usize].load_op == vk::AttachmentLoadOp::CLEAR {
                if let Some(v) = clear_values.get(i as usize) {
                    clears.push(LoadClear::Depth {
                        value: v.depth_stencil.depth,
                    });
                }
            }
            views[i as usize].clone()
        });
        Ok((
            Arc::new(RenderTargets {
                color,
                depth,
                area: info.render_area,
            }),
            clears,
        ))
    }
}

/// The targets and load clears of `vkCmdBeginRendering`.
///
/// # Safety
/// `info` must be valid, with live handles.
unsafe fn rendering_targets(
    info: &vk::RenderingInfo,
) -> Result<(Arc<RenderTargets>, Vec<LoadClear>), vk::Result> {
    // SAFETY: forwarded contract.
    unsafe {
        if info.view_mask != 0
            || !handle::opt_ref(info.p_stencil_attachment).map_or(true, |s| s.image_view.is_null())
        {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }
        let mut clears = Vec::new();
        let mut color = Vec::new();
        for (slot, a) in handle::slice(info.p_color_attachments, info.color_attachment_count)
            .iter()
            .enumerate()
        {
            if a.resolve_mode != vk::ResolveModeFlags::NONE && !a.resolve_image_view.is_null() {
                return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
            }
            let view = handle::get_optional::<_, ImageView>(a.image_view)?;
            if view.is_some() && a.load_op == vk::AttachmentLoadOp::CLEAR {
                clears.push(LoadClear::Color {
                    attachment: slot,
                    value: a.clear_value.color.uint32,
                });
            }
            color.push(view);
        }
        let depth = match handle::opt_ref(info.p_depth_attachment) {
            Some(a) => {
                let view = handle::get_optional::<_, ImageView>(a.image_view)?;
                if view.is_some() && a.load_op == vk::AttachmentLoadOp::CLEAR {
                    clears.push(LoadClear::Depth {
                        value: a.clear_value.depth_stencil.depth,
                    });
                }
                view
            }
            None => None,
        };
        Ok((
            Arc::new(RenderTargets {
                color,
                depth,
                area: info.render_area,
            }),
            clears,
        ))
    }
}

fn begin(
    s: &mut crate::command_buffer::PipelineState,
    targets: Arc<RenderTargets>,
    clears: Vec<LoadClear>,
) -> Option<crate::command_buffer::Command> {
    s.draw.targets = Some(targets.clone());
    Some(crate::command_buffer::Command::BeginRendering { targets, clears })
}

entry_points! {
    Device fn vkCmdBeginRenderPass(command_buffer: vk::CommandBuffer, p_info: *const vk::RenderPassBeginInfo, _contents: vk::SubpassContents) {
        // SAFETY: valid usage: a valid begin info with live handles.
        unsafe {
            let r = handle::req(p_info).and_then(|i| render_pass_targets(i));
            with_state(command_buffer, |s| r.map(|(t, c)| begin(s, t, c)));
        }
    }

    Device fn vkCmdBeginRenderPass2(command_buffer: vk::CommandBuffer, p_info: *const vk::RenderPassBeginInfo, _p_subpass: *const vk::SubpassBeginInfo) {
        // SAFETY: valid usage: a valid begin info with live handles.
        unsafe {
            let r = handle::req(p_info).and_then(|i| render_pass_targets(i));
            with_state(command_buffer, |s| r.map(|(t, c)| begin(s, t, c)));
        }
    }

    Device fn vkCmdEndRenderPass(command_buffer: vk::CommandBuffer) {
        // The attachments are image memory: the store ops have nothing to do.
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.targets = None; Ok(None) }) };
    }

    Device fn vkCmdEndRenderPass2(command_buffer: vk::CommandBuffer, _p_info: *const vk::SubpassEndInfo) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.targets = None; Ok(None) }) };
    }

    Device fn vkCmdBeginRendering(command_buffer: vk::CommandBuffer, p_info: *const vk::RenderingInfo) {
        // SAFETY: valid usage: a valid rendering info with live handles.
        unsafe {
            let r = handle::req(p_info).and_then(|i| rendering_targets(i));
            with_state(command_buffer, |s| r.map(|(t, c)| begin(s, t, c)));
        }
    }

    Device fn vkCmdEndRendering(command_buffer: vk::CommandBuffer) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.targets = None; Ok(None) }) };
    }

    Device fn vkCmdBindVertexBuffers(
        command_buffer: vk::CommandBuffer,
        first: u32,
        count: u32,
        p_buffers: *const vk::Buffer,
        p_offsets: *const u64,
    ) {
        // SAFETY: valid usage: `count` live buffers and offsets.
        unsafe {
            let buffers: Result<Vec<Option<Ref<Buffer>>>, vk::Result> =
                handle::slice(p_buffers, count).iter().map(|&b| handle::get_optional::<_, Buffer>(b)).collect();
            let offsets = handle::slice(p_offsets, count).to_vec();
            with_state(command_buffer, |s| {
                let buffers = buffers?;
                let end = first as usize + buffers.len();
                if s.draw.vertex_buffers.len() < end {
                    s.draw.vertex_buffers.resize_with(end, || None);
                }
                for (i, (b, o)) in buffers.into_iter().zip(offsets).enumerate() {
                    s.draw.vertex_buffers[first as usize + i] = b.map(|b| (b, o));
                }
                Ok(None)
            });
        }
    }

    Device fn vkCmdBindIndexBuffer(command_buffer: vk::CommandBuffer, buffer: vk::Buffer, offset: u64, index_type: vk::IndexType) {
        // SAFETY: valid usage: a live buffer.
        unsafe {
            let b = handle::get::<_, Buffer>(buffer);
            with_state(command_buffer, |s| {
                if !matches!(index_type, vk::IndexType::UINT16 | vk::IndexType::UINT32) {
                    return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
                }
                s.draw.index_buffer = Some((b?, offset, index_type));
                Ok(None)
            });
        }
    }

    Device fn vkCmdSetViewport(command_buffer: vk::CommandBuffer, first: u32, count: u32, p_viewports: *const vk::Viewport) {
        // SAFETY: valid usage: `count` viewports.
        unsafe {
            let v = handle::slice(p_viewports, count).first().copied();
            with_state(command_buffer, |s| {
                if first == 0 {
                    s.draw.dynamic.viewport = v;
                }
                Ok(None)
            });
        }
    }

    Device fn vkCmdSetScissor(command_buffer: vk::CommandBuffer, first: u32, count: u32, p_scissors: *const vk::Rect2D) {
        // SAFETY: valid usage: `count` rectangles.
        unsafe {
            let r = handle::slice(p_scissors, count).first().copied();
            with_state(command_buffer, |s| {
                if first == 0 {
                    s.draw.dynamic.scissor = r;
                }
                Ok(None)
            });
        }
    }

    Device fn vkCmdSetBlendConstants(command_buffer: vk::CommandBuffer, p_constants: *const [f32; 4]) {
        // SAFETY: valid usage: four floats.
        unsafe {
            let c = handle::req(p_constants).copied();
            with_state(command_buffer, |s| {
                s.draw.dynamic.blend_constants = Some(c?);
                Ok(None)
            });
        }
    }

    Device fn vkCmdSetLineWidth(_command_buffer: vk::CommandBuffer, _width: f32) {
        // Only triangles are rasterized; line width has no effect on them.
    }

    Device fn vkCmdDraw(command_buffer: vk::CommandBuffer, vertex_count: u32, instance_count: u32, first_vertex: u32, first_instance: u32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe {
            with_state(command_buffer, |s| {
                s.draw(DrawKind::Vertices { vertex_count, first_vertex }, instance_count, first_instance).map(Some)
            })
        };
    }

    Device fn vkCmdDrawIndexed(
        command_buffer: vk::CommandBuffer,
        index_count: u32,
        instance_count: u32,
        first_index: u32,
        vertex_offset: i32,
        first_instance: u32,
    ) {
        // SAFETY: valid usage: a live command buffer.
        unsafe {
            with_state(command_buffer, |s| {
                s.draw(DrawKind::Indexed { index_count, first_index, vertex_offset }, instance_count, first_instance).map(Some)
            })
        };
    }
}
