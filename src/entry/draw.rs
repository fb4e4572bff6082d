//! Recording render pass instances, vertex/index buffers, dynamic state and draws.

use std::sync::Arc;

use ash::vk::{self, Handle};

use crate::buffer::Buffer;
use crate::entry::compute::{with_state, with_state_commands};
use crate::entry::entry_points;
use crate::graphics_state::{
    DrawKind, DrawParams, DrawSource, LoadClear, RenderTargets, StencilOps,
};
use crate::handle::{self, Ref};
use crate::image::ImageView;
use crate::render_pass::{Framebuffer, RenderPass, RenderPassInstance};

/// Sets the `[front, back]` entries selected by `faces`.
fn set_faces<T: Copy>(slots: &mut [Option<T>; 2], faces: vk::StencilFaceFlags, value: T) {
    if faces.contains(vk::StencilFaceFlags::FRONT) {
        slots[0] = Some(value);
    }
    if faces.contains(vk::StencilFaceFlags::BACK) {
        slots[1] = Some(value);
    }
}

/// Starts a render pass instance from `vkCmdBeginRenderPass`'s info.
///
/// # Safety
/// `info` must be valid, with live handles.
unsafe fn render_pass_instance(
    info: &vk::RenderPassBeginInfo,
) -> Result<RenderPassInstance, vk::Result> {
    // SAFETY: forwarded contract.
    unsafe {
        let rp = handle::get::<_, RenderPass>(info.render_pass)?;
        let fb = handle::get::<_, Framebuffer>(info.framebuffer)?;
        let views: Vec<Ref<ImageView>> = if fb.imageless {
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
        if views.len() != rp.attachments.len() {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        // SAFETY: reading the union's words: every `VkClearValue` is 16 bytes of them.
        let clear_values = handle::slice(info.p_clear_values, info.clear_value_count)
            .iter()
            .map(|v| v.color.uint32)
            .collect();
        Ok(RenderPassInstance {
            render_pass: rp,
            views,
            clear_values,
            area: info.render_area,
            subpass: 0,
            layers: fb.layers,
        })
    }
}

/// The first subpass that uses attachment `a` (as colour, resolve, depth/stencil or input
/// attachment): its load operation happens there.
fn first_use(rp: &RenderPass, a: u32) -> Option<usize> {
    rp.subpasses.iter().position(|s| {
        s.color.contains(&Some(a))
            || s.resolve.contains(&Some(a))
            || s.input.contains(&Some(a))
            || s.depth_stencil == Some(a)
    })
}

/// The load clears of attachment `a` when it is used as a depth/stencil attachment, by aspect.
fn depth_stencil_clears(inst: &RenderPassInstance, a: u32) -> (bool, bool, Vec<LoadClear>) {
    let rp = &inst.render_pass;
    let desc = &rp.attachments[a as usize];
    let aspects = pumice_texel::Format::from_vk(desc.format.as_raw())
        .map(|f| f.aspects())
        .unwrap_or_default();
    let value = inst.clear_values.get(a as usize);
    let mut clears = Vec::new();
    if let Some(v) = value {
        if aspects.depth && desc.load_op == vk::AttachmentLoadOp::CLEAR {
            clears.push(LoadClear::Depth {
                value: f32::from_bits(v[0]),
            });
        }
        if aspects.stencil && desc.stencil_load_op == vk::AttachmentLoadOp::CLEAR {
            clears.push(LoadClear::Stencil { value: v[1] });
        }
    }
    (aspects.depth, aspects.stencil, clears)
}

/// The commands that begin subpass `inst.subpass`: the clears of attachments first used there
/// only as input attachments (each a clear-only instance of its own), then the subpass's
/// targets with the clears of the attachments it uses first. Also returns the targets.
fn begin_subpass(
    inst: &RenderPassInstance,
) -> Result<(Vec<Arc<RenderTargets>>, Vec<crate::command_buffer::Command>), vk::Result> {
    use crate::command_buffer::Command;
    let rp = &inst.render_pass;
    let index = inst.subpass;
    let sub = rp.subpasses.get(index).ok_or(vk::Result::ERROR_UNKNOWN)?;
    // Multiview: everything below happens once per view of the subpass's view mask, on that
    // layer of each attachment (`RenderTargets::per_view`).
    let view_mask = sub.view_mask;
    let view = |a: u32| inst.views[a as usize].clone();
    let first_here = |a: u32| first_use(rp, a) == Some(index);
    let mut commands = Vec::new();
    // An input attachment whose first use is reading it still gets its load clear.
    for &a in sub.input.iter().flatten() {
        if !first_here(a) || sub.color.contains(&Some(a)) || sub.depth_stencil == Some(a) {
            continue;
        }
        let desc = &rp.attachments[a as usize];
        let (depth, stencil, ds_clears) = depth_stencil_clears(inst, a);
        let (targets, clears) = if depth || stencil {
            let targets = RenderTargets {
                color: Vec::new(),
                depth: depth.then(|| view(a)),
                stencil: stencil.then(|| view(a)),
                area: inst.area,
                resolve: Vec::new(),
                depth_resolve: None,
                stencil_resolve: None,
                view_index: 0,
                layers: inst.layers,
            };
            (targets, ds_clears)
        } else {
            let mut clears = Vec::new();
            if let (vk::AttachmentLoadOp::CLEAR, Some(v)) =
                (desc.load_op, inst.clear_values.get(a as usize))
            {
                clears.push(LoadClear::Color {
                    attachment: 0,
                    value: *v,
                });
            }
            let targets = RenderTargets {
                color: vec![Some(view(a))],
                depth: None,
                stencil: None,
                area: inst.area,
                resolve: vec![None],
                depth_resolve: None,
                stencil_resolve: None,
                view_index: 0,
                layers: inst.layers,
            };
            (targets, clears)
        };
        if !clears.is_empty() {
            for targets in targets.per_view(view_mask)? {
                commands.push(Command::BeginRendering {
                    targets,
                    clears: clears.clone(),
                });
            }
        }
    }
    let mut clears = Vec::new();
    let color = sub
        .color
        .iter()
        .enumerate()
        .map(|(slot, a)| {
            a.map(|i| {
                if first_here(i)
                    && rp.attachments[i as usize].load_op == vk::AttachmentLoadOp::CLEAR
                {
                    if let Some(v) = inst.clear_values.get(i as usize) {
                        clears.push(LoadClear::Color {
                            attachment: slot,
                            value: *v,
                        });
                    }
                }
                view(i)
            })
        })
        .collect();
    // "pResolveAttachments … each element corresponds to a colour attachment."
    let resolve = (0..sub.color.len())
        .map(|slot| sub.resolve.get(slot).copied().flatten().map(view))
        .collect();
    // One depth/stencil attachment serves as the depth attachment when its format has depth,
    // and as the stencil attachment when it has stencil; `loadOp` applies to the depth aspect,
    // `stencilLoadOp` to the stencil aspect.
    let (mut depth, mut stencil) = (None, None);
    let (mut depth_resolve, mut stencil_resolve) = (None, None);
    if let Some(i) = sub.depth_stencil {
        let (has_depth, has_stencil, ds_clears) = depth_stencil_clears(inst, i);
        if first_here(i) {
            clears.extend(ds_clears);
        }
        depth = has_depth.then(|| view(i));
        stencil = has_stencil.then(|| view(i));
        if let Some((r, depth_mode, stencil_mode)) = sub.depth_stencil_resolve {
            if has_depth && depth_mode != vk::ResolveModeFlags::NONE {
                depth_resolve = Some((view(r), depth_mode));
            }
            if has_stencil && stencil_mode != vk::ResolveModeFlags::NONE {
                stencil_resolve = Some((view(r), stencil_mode));
            }
        }
    }
    let targets = RenderTargets {
        color,
        depth,
        stencil,
        area: inst.area,
        resolve,
        depth_resolve,
        stencil_resolve,
        view_index: 0,
        layers: inst.layers,
    }
    .per_view(view_mask)?;
    for t in &targets {
        commands.push(Command::BeginRendering {
            targets: t.clone(),
            clears: clears.clone(),
        });
    }
    Ok((targets, commands))
}

/// `vkCmdBeginRenderPass`: subpass 0 begins.
fn begin_render_pass(
    s: &mut crate::command_buffer::PipelineState,
    inst: RenderPassInstance,
) -> Result<Vec<crate::command_buffer::Command>, vk::Result> {
    let (targets, commands) = begin_subpass(&inst)?;
    s.draw.targets = targets;
    s.draw.render_pass = Some(inst);
    Ok(commands)
}

/// `vkCmdNextSubpass`: the current subpass ends (its resolves), the next begins.
fn next_subpass(
    s: &mut crate::command_buffer::PipelineState,
) -> Result<Vec<crate::command_buffer::Command>, vk::Result> {
    let mut commands = end(s);
    let mut inst = s.draw.render_pass.take().ok_or(vk::Result::ERROR_UNKNOWN)?;
    inst.subpass += 1;
    let (targets, begin) = begin_subpass(&inst)?;
    commands.extend(begin);
    s.draw.targets = targets;
    s.draw.render_pass = Some(inst);
    Ok(commands)
}

/// The targets and load clears of `vkCmdBeginRendering`.
///
/// # Safety
/// `info` must be valid, with live handles.
unsafe fn rendering_targets(
    info: &vk::RenderingInfo,
) -> Result<(Vec<Arc<RenderTargets>>, Vec<LoadClear>), vk::Result> {
    // SAFETY: forwarded contract.
    unsafe {
        let mut clears = Vec::new();
        let mut color = Vec::new();
        let mut resolve = Vec::new();
        for (slot, a) in handle::slice(info.p_color_attachments, info.color_attachment_count)
            .iter()
            .enumerate()
        {
            // Colour resolves average (integer formats take sample 0, as `SAMPLE_ZERO` does;
            // the specification allows only that mode for them).
            let target = match a.resolve_mode {
                vk::ResolveModeFlags::NONE => None,
                vk::ResolveModeFlags::AVERAGE | vk::ResolveModeFlags::SAMPLE_ZERO => {
                    handle::get_optional::<_, ImageView>(a.resolve_image_view)?
                }
                _ => return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT),
            };
            resolve.push(target);
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
        let stencil = match handle::opt_ref(info.p_stencil_attachment) {
            Some(a) => {
                let view = handle::get_optional::<_, ImageView>(a.image_view)?;
                if view.is_some() && a.load_op == vk::AttachmentLoadOp::CLEAR {
                    clears.push(LoadClear::Stencil {
                        value: a.clear_value.depth_stencil.stencil,
                    });
                }
                view
            }
            None => None,
        };
        // Depth and stencil resolves (VK_KHR_depth_stencil_resolve, core in 1.2).
        let ds_resolve = |a: *const vk::RenderingAttachmentInfo| -> Result<_, vk::Result> {
            let Some(a) = handle::opt_ref(a) else {
                return Ok(None);
            };
            if a.resolve_mode == vk::ResolveModeFlags::NONE || a.resolve_image_view.is_null() {
                return Ok(None);
            }
            if !crate::physical_device::DEPTH_STENCIL_RESOLVE_MODES.contains(a.resolve_mode) {
                return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
            }
            Ok(handle::get_optional::<_, ImageView>(a.resolve_image_view)?
                .map(|v| (v, a.resolve_mode)))
        };
        let depth_resolve = ds_resolve(info.p_depth_attachment)?;
        let stencil_resolve = ds_resolve(info.p_stencil_attachment)?;
        // Multiview (`viewMask`): each view renders to its layer (`layerCount` is ignored);
        // otherwise load clears and resolves cover `layerCount` layers.
        let targets = RenderTargets {
            color,
            depth,
            stencil,
            area: info.render_area,
            resolve,
            depth_resolve,
            stencil_resolve,
            view_index: 0,
            layers: info.layer_count,
        }
        .per_view(info.view_mask)?;
        Ok((targets, clears))
    }
}

/// Ends a render pass instance: the resolves (of each view), when it has any.
fn end(s: &mut crate::command_buffer::PipelineState) -> Vec<crate::command_buffer::Command> {
    std::mem::take(&mut s.draw.targets)
        .into_iter()
        .filter(|targets| {
            targets.resolve.iter().any(Option::is_some)
                || targets.depth_resolve.is_some()
                || targets.stencil_resolve.is_some()
        })
        .map(|targets| crate::command_buffer::Command::EndRendering { targets })
        .collect()
}

/// Records an indirect draw; the parameters are read when it executes.
///
/// # Safety
/// The handles must be live (or null where the command allows).
unsafe fn draw_indirect(
    command_buffer: vk::CommandBuffer,
    buffer: vk::Buffer,
    offset: u64,
    draw_count: u32,
    stride: u32,
    indexed: bool,
    count: Option<(vk::Buffer, u64)>,
) {
    // SAFETY: forwarded contract.
    unsafe {
        let b = handle::get::<_, Buffer>(buffer);
        let c = count
            .map(|(cb, off)| handle::get::<_, Buffer>(cb).map(|cb| (cb, off)))
            .transpose();
        with_state_commands(command_buffer, |s| {
            let source = DrawSource::Indirect {
                buffer: b?,
                offset,
                draw_count,
                stride,
                indexed,
                count: c?,
            };
            s.draw(source)
        });
    }
}

fn begin(
    s: &mut crate::command_buffer::PipelineState,
    targets: Vec<Arc<RenderTargets>>,
    clears: Vec<LoadClear>,
) -> Vec<crate::command_buffer::Command> {
    s.draw.targets = targets.clone();
    targets
        .into_iter()
        .map(|targets| crate::command_buffer::Command::BeginRendering {
            targets,
            clears: clears.clone(),
        })
        .collect()
}

entry_points! {
    Device fn vkCmdBeginRenderPass(command_buffer: vk::CommandBuffer, p_info: *const vk::RenderPassBeginInfo, _contents: vk::SubpassContents) {
        // SAFETY: valid usage: a valid begin info with live handles.
        unsafe {
            let r = handle::req(p_info).and_then(|i| render_pass_instance(i));
            with_state_commands(command_buffer, |s| begin_render_pass(s, r?));
        }
    }

    Device fn vkCmdBeginRenderPass2(command_buffer: vk::CommandBuffer, p_info: *const vk::RenderPassBeginInfo, _p_subpass: *const vk::SubpassBeginInfo) {
        // SAFETY: valid usage: a valid begin info with live handles.
        unsafe {
            let r = handle::req(p_info).and_then(|i| render_pass_instance(i));
            with_state_commands(command_buffer, |s| begin_render_pass(s, r?));
        }
    }

    Device fn vkCmdNextSubpass(command_buffer: vk::CommandBuffer, _contents: vk::SubpassContents) {
        // Commands run in order, each draw finished before the next: the subpass dependencies
        // hold without anything more.
        // SAFETY: valid usage: a live command buffer inside a render pass instance.
        unsafe { with_state_commands(command_buffer, next_subpass) };
    }

    Device fn vkCmdNextSubpass2(command_buffer: vk::CommandBuffer, _p_begin: *const vk::SubpassBeginInfo, _p_end: *const vk::SubpassEndInfo) {
        // SAFETY: valid usage: a live command buffer inside a render pass instance.
        unsafe { with_state_commands(command_buffer, next_subpass) };
    }

    Device fn vkCmdEndRenderPass(command_buffer: vk::CommandBuffer) {
        // The attachments are image memory: the store ops have nothing to do.
        // SAFETY: valid usage: a live command buffer.
        unsafe {
            with_state_commands(command_buffer, |s| {
                s.draw.render_pass = None;
                Ok(end(s))
            })
        };
    }

    Device fn vkCmdEndRenderPass2(command_buffer: vk::CommandBuffer, _p_info: *const vk::SubpassEndInfo) {
        // SAFETY: valid usage: a live command buffer.
        unsafe {
            with_state_commands(command_buffer, |s| {
                s.draw.render_pass = None;
                Ok(end(s))
            })
        };
    }

    Device fn vkCmdBeginRendering(command_buffer: vk::CommandBuffer, p_info: *const vk::RenderingInfo) {
        // SAFETY: valid usage: a valid rendering info with live handles.
        unsafe {
            let r = handle::req(p_info).and_then(|i| rendering_targets(i));
            with_state_commands(command_buffer, |s| r.map(|(t, c)| begin(s, t, c)));
        }
    }

    Device fn vkCmdEndRendering(command_buffer: vk::CommandBuffer) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state_commands(command_buffer, |s| Ok(end(s))) };
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

    Device fn vkCmdBindVertexBuffers2(
        command_buffer: vk::CommandBuffer,
        first: u32,
        count: u32,
        p_buffers: *const vk::Buffer,
        p_offsets: *const u64,
        _p_sizes: *const u64,
        p_strides: *const u64,
    ) {
        // Sizes only narrow what a draw may read: robust buffer access already allows reading
        // anywhere in the buffer. Strides need VK_DYNAMIC_STATE_VERTEX_INPUT_BINDING_STRIDE,
        // which no pipeline can have (it is refused), so they are never valid here.
        if !p_strides.is_null() {
            // SAFETY: valid usage: a live command buffer.
            unsafe { with_state(command_buffer, |_| Err(vk::Result::ERROR_FEATURE_NOT_PRESENT)) };
            return;
        }
        // SAFETY: valid usage: `count` live buffers and offsets.
        unsafe { vkCmdBindVertexBuffers(command_buffer, first, count, p_buffers, p_offsets) };
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

    Device fn vkCmdSetStencilCompareMask(command_buffer: vk::CommandBuffer, face_mask: vk::StencilFaceFlags, compare_mask: u32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { set_faces(&mut s.draw.dynamic.stencil_compare_mask, face_mask, compare_mask); Ok(None) }) };
    }

    Device fn vkCmdSetStencilWriteMask(command_buffer: vk::CommandBuffer, face_mask: vk::StencilFaceFlags, write_mask: u32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { set_faces(&mut s.draw.dynamic.stencil_write_mask, face_mask, write_mask); Ok(None) }) };
    }

    Device fn vkCmdSetStencilReference(command_buffer: vk::CommandBuffer, face_mask: vk::StencilFaceFlags, reference: u32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { set_faces(&mut s.draw.dynamic.stencil_reference, face_mask, reference); Ok(None) }) };
    }

    Device fn vkCmdSetStencilTestEnable(command_buffer: vk::CommandBuffer, enable: vk::Bool32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.stencil_test = Some(enable != 0); Ok(None) }) };
    }

    Device fn vkCmdSetStencilOp(
        command_buffer: vk::CommandBuffer,
        face_mask: vk::StencilFaceFlags,
        fail_op: vk::StencilOp,
        pass_op: vk::StencilOp,
        depth_fail_op: vk::StencilOp,
        compare_op: vk::CompareOp,
    ) {
        let ops = StencilOps { fail: fail_op, pass: pass_op, depth_fail: depth_fail_op, compare: compare_op };
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { set_faces(&mut s.draw.dynamic.stencil_op, face_mask, ops); Ok(None) }) };
    }

    Device fn vkCmdSetViewportWithCount(command_buffer: vk::CommandBuffer, count: u32, p_viewports: *const vk::Viewport) {
        // SAFETY: valid usage: `count` viewports.
        unsafe {
            // One viewport (multiViewport is not advertised).
            let v = handle::slice(p_viewports, count).first().copied();
            with_state(command_buffer, |s| { s.draw.dynamic.viewport = v; Ok(None) });
        }
    }

    Device fn vkCmdSetScissorWithCount(command_buffer: vk::CommandBuffer, count: u32, p_scissors: *const vk::Rect2D) {
        // SAFETY: valid usage: `count` rectangles.
        unsafe {
            let r = handle::slice(p_scissors, count).first().copied();
            with_state(command_buffer, |s| { s.draw.dynamic.scissor = r; Ok(None) });
        }
    }

    Device fn vkCmdSetCullMode(command_buffer: vk::CommandBuffer, cull_mode: vk::CullModeFlags) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.cull_mode = Some(cull_mode); Ok(None) }) };
    }

    Device fn vkCmdSetFrontFace(command_buffer: vk::CommandBuffer, front_face: vk::FrontFace) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.front_face = Some(front_face); Ok(None) }) };
    }

    Device fn vkCmdSetPrimitiveTopology(command_buffer: vk::CommandBuffer, topology: vk::PrimitiveTopology) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.topology = Some(topology); Ok(None) }) };
    }

    Device fn vkCmdSetPrimitiveRestartEnable(command_buffer: vk::CommandBuffer, enable: vk::Bool32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.primitive_restart = Some(enable != 0); Ok(None) }) };
    }

    Device fn vkCmdSetRasterizerDiscardEnable(command_buffer: vk::CommandBuffer, enable: vk::Bool32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.rasterizer_discard = Some(enable != 0); Ok(None) }) };
    }

    Device fn vkCmdSetDepthTestEnable(command_buffer: vk::CommandBuffer, enable: vk::Bool32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.depth_test = Some(enable != 0); Ok(None) }) };
    }

    Device fn vkCmdSetDepthWriteEnable(command_buffer: vk::CommandBuffer, enable: vk::Bool32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.depth_write = Some(enable != 0); Ok(None) }) };
    }

    Device fn vkCmdSetDepthCompareOp(command_buffer: vk::CommandBuffer, op: vk::CompareOp) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.depth_compare = Some(op); Ok(None) }) };
    }

    Device fn vkCmdSetDepthBoundsTestEnable(command_buffer: vk::CommandBuffer, enable: vk::Bool32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.depth_bounds_test = Some(enable != 0); Ok(None) }) };
    }

    Device fn vkCmdSetDepthBiasEnable(command_buffer: vk::CommandBuffer, enable: vk::Bool32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.depth_bias_enable = Some(enable != 0); Ok(None) }) };
    }

    Device fn vkCmdSetDepthBias(command_buffer: vk::CommandBuffer, constant_factor: f32, clamp: f32, slope_factor: f32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.depth_bias = Some([constant_factor, clamp, slope_factor]); Ok(None) }) };
    }

    Device fn vkCmdSetDepthBounds(command_buffer: vk::CommandBuffer, min: f32, max: f32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe { with_state(command_buffer, |s| { s.draw.dynamic.depth_bounds = Some((min, max)); Ok(None) }) };
    }

    Device fn vkCmdSetLineWidth(_command_buffer: vk::CommandBuffer, _width: f32) {
        // Lines are 1 pixel wide: `wideLines` is not advertised, so the width must be 1.0.
    }

    Device fn vkCmdClearAttachments(
        command_buffer: vk::CommandBuffer,
        attachment_count: u32,
        p_attachments: *const vk::ClearAttachment,
        rect_count: u32,
        p_rects: *const vk::ClearRect,
    ) {
        // SAFETY: valid usage: `attachment_count` attachments and `rect_count` rectangles.
        unsafe {
            let attachments = handle::slice(p_attachments, attachment_count).to_vec();
            let rects = handle::slice(p_rects, rect_count).to_vec();
            with_state_commands(command_buffer, |s| {
                // VUID-vkCmdClearAttachments-renderpass: inside a render pass instance (a
                // secondary continuing one clears the attachments of the one executing it).
                if s.draw.targets.is_empty() && !s.draw.continues_render_pass {
                    return Err(vk::Result::ERROR_UNKNOWN);
                }
                let mut clears = Vec::new();
                for a in &attachments {
                    let v = a.clear_value;
                    if a.aspect_mask.contains(vk::ImageAspectFlags::COLOR) {
                        clears.push(LoadClear::Color { attachment: a.color_attachment as usize, value: v.color.uint32 });
                    }
                    if a.aspect_mask.contains(vk::ImageAspectFlags::DEPTH) {
                        clears.push(LoadClear::Depth { value: v.depth_stencil.depth });
                    }
                    if a.aspect_mask.contains(vk::ImageAspectFlags::STENCIL) {
                        clears.push(LoadClear::Stencil { value: v.depth_stencil.stencil });
                    }
                }
                if s.draw.targets.is_empty() {
                    return Ok(vec![crate::command_buffer::Command::InheritedClearAttachments { clears, rects }]);
                }
                // Multiview: "the clear applies to each view's layer" (the rectangles' layers are
                // relative to it: baseArrayLayer 0, layerCount 1).
                Ok(s.draw
                    .targets
                    .iter()
                    .map(|targets| crate::command_buffer::Command::ClearAttachments {
                        targets: targets.clone(),
                        clears: clears.clone(),
                        rects: rects.clone(),
                    })
                    .collect())
            });
        }
    }

    Device fn vkCmdDrawIndirect(command_buffer: vk::CommandBuffer, buffer: vk::Buffer, offset: u64, draw_count: u32, stride: u32) {
        // SAFETY: valid usage: live handles.
        unsafe { draw_indirect(command_buffer, buffer, offset, draw_count, stride, false, None) };
    }

    Device fn vkCmdDrawIndexedIndirect(command_buffer: vk::CommandBuffer, buffer: vk::Buffer, offset: u64, draw_count: u32, stride: u32) {
        // SAFETY: valid usage: live handles.
        unsafe { draw_indirect(command_buffer, buffer, offset, draw_count, stride, true, None) };
    }

    Device fn vkCmdDrawIndirectCount(
        command_buffer: vk::CommandBuffer,
        buffer: vk::Buffer,
        offset: u64,
        count_buffer: vk::Buffer,
        count_offset: u64,
        max_draw_count: u32,
        stride: u32,
    ) {
        // SAFETY: valid usage: live handles.
        unsafe { draw_indirect(command_buffer, buffer, offset, max_draw_count, stride, false, Some((count_buffer, count_offset))) };
    }

    Device fn vkCmdDrawIndexedIndirectCount(
        command_buffer: vk::CommandBuffer,
        buffer: vk::Buffer,
        offset: u64,
        count_buffer: vk::Buffer,
        count_offset: u64,
        max_draw_count: u32,
        stride: u32,
    ) {
        // SAFETY: valid usage: live handles.
        unsafe { draw_indirect(command_buffer, buffer, offset, max_draw_count, stride, true, Some((count_buffer, count_offset))) };
    }

    Device fn vkCmdDraw(command_buffer: vk::CommandBuffer, vertex_count: u32, instance_count: u32, first_vertex: u32, first_instance: u32) {
        // SAFETY: valid usage: a live command buffer.
        unsafe {
            with_state_commands(command_buffer, |s| {
                let kind = DrawKind::Vertices { vertex_count, first_vertex };
                s.draw(DrawSource::Direct(DrawParams { kind, instance_count, first_instance, draw_index: 0 }))
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
            with_state_commands(command_buffer, |s| {
                let kind = DrawKind::Indexed { index_count, first_index, vertex_offset };
                s.draw(DrawSource::Direct(DrawParams { kind, instance_count, first_instance, draw_index: 0 }))
            })
        };
    }
}
