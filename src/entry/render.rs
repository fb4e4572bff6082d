//! Render passes, framebuffers and graphics pipelines.

use ash::vk;

use crate::entry::entry_points;
use crate::entry::pipeline::stage_code;
use crate::graphics_pipeline::{
    BlendAttachment, FixedState, GraphicsPipeline, StencilFace, VertexAttribute, VertexBinding,
};
use crate::handle;
use crate::image::ImageView;
use crate::pipeline::{Pipeline, PipelineKind, PipelineLayout};
use crate::render_pass::{AttachmentDesc, Framebuffer, RenderPass};

/// Reads one `VkGraphicsPipelineCreateInfo` into a compiled pipeline.
///
/// # Safety
/// `info` must be a valid create info with live handles and valid state pointers.
unsafe fn graphics_pipeline(info: &vk::GraphicsPipelineCreateInfo) -> Result<Pipeline, vk::Result> {
    use vk::TaggedStructure;
    let failed = vk::Result::ERROR_INITIALIZATION_FAILED;
    // SAFETY: forwarded contract: every pointer below is one the create info makes valid.
    unsafe {
        let layout = handle::get::<_, PipelineLayout>(info.layout)?;
        let stages = handle::slice(info.p_stages, info.stage_count);
        let mut vertex = None;
        let mut fragment = None;
        for s in stages {
            let code = stage_code(s)?;
            match s.stage {
                vk::ShaderStageFlags::VERTEX => vertex = Some(code),
                vk::ShaderStageFlags::FRAGMENT => fragment = Some(code),
                // Geometry and tessellation: naga has no such stages (not advertised).
                _ => return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT),
            }
        }
        let vertex = vertex.ok_or(failed)?;
        let dynamic: Vec<vk::DynamicState> = handle::opt_ref(info.p_dynamic_state)
            .map(|d| handle::slice(d.p_dynamic_states, d.dynamic_state_count).to_vec())
            .unwrap_or_default();
        let is_dynamic = |s| dynamic.contains(&s);
        // State made dynamic must be settable and honoured at draw time (`draw.rs`); any other
        // dynamic state would silently keep a stale value, so such pipelines are refused.
        if dynamic.iter().any(|&s| !supported_dynamic_state(s)) {
            return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
        }

        let mut state = FixedState {
            bindings: Vec::new(),
            attributes: Vec::new(),
            topology: vk::PrimitiveTopology::TRIANGLE_LIST,
            primitive_restart: false,
            viewports: Vec::new(),
            scissors: Vec::new(),
            depth_clamp: false,
            rasterizer_discard: false,
            polygon_mode: vk::PolygonMode::FILL,
            cull_mode: vk::CullModeFlags::NONE,
            front_face: vk::FrontFace::COUNTER_CLOCKWISE,
            depth_bias_enable: false,
            depth_bias: [0.0; 3],
            line_width: 1.0,
            depth_test: false,
            depth_write: false,
            depth_compare: vk::CompareOp::ALWAYS,
            depth_bounds_test: false,
            depth_bounds: (0.0, 1.0),
            stencil_test: false,
            stencil_front: StencilFace::default(),
            stencil_back: StencilFace::default(),
            blend: Vec::new(),
            blend_constants: [0.0; 4],
            logic_op: None,
            multisample: Default::default(),
            dynamic: dynamic.clone(),
            color_formats: Vec::new(),
            depth_format: vk::Format::UNDEFINED,
            stencil_format: vk::Format::UNDEFINED,
        };
        if !is_dynamic(vk::DynamicState::VERTEX_INPUT_EXT) {
            if let Some(vi) = handle::opt_ref(info.p_vertex_input_state) {
                for b in handle::slice(
                    vi.p_vertex_binding_descriptions,
                    vi.vertex_binding_description_count,
                ) {
                    state.bindings.push(VertexBinding {
                        binding: b.binding,
                        stride: b.stride,
                        per_instance: b.input_rate == vk::VertexInputRate::INSTANCE,
                    });
                }
                // Vertex attribute divisors are not advertised.
                if handle::find::<vk::PipelineVertexInputDivisorStateCreateInfoKHR>(vi.p_next)
                    .is_some()
                {
                    return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
                }
                for a in handle::slice(
                    vi.p_vertex_attribute_descriptions,
                    vi.vertex_attribute_description_count,
                ) {
                    let format = pumice_texel::Format::from_vk(a.format.as_raw())
                        .ok_or(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)?;
                    if format.is_compressed() || format.is_depth_stencil() {
                        return Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED);
                    }
                    state.attributes.push(VertexAttribute {
                        location: a.location,
                        binding: a.binding,
                        format,
                        offset: a.offset,
                    });
                }
            }
        }
        if let Some(ia) = handle::opt_ref(info.p_input_assembly_state) {
            state.topology = ia.topology;
            state.primitive_restart = ia.primitive_restart_enable != 0;
        }
        if let Some(vp) = handle::opt_ref(info.p_viewport_state) {
            state.viewports = handle::slice(vp.p_viewports, vp.viewport_count).to_vec();
            state.scissors = handle::slice(vp.p_scissors, vp.scissor_count).to_vec();
            // Only one viewport (multiViewport is not advertised).
            if vp.viewport_count > 1 || vp.scissor_count > 1 {
                return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
            }
        }
        if let Some(rs) = handle::opt_ref(info.p_rasterization_state) {
            state.depth_clamp = rs.depth_clamp_enable != 0;
            state.rasterizer_discard = rs.rasterizer_discard_enable != 0;
            state.polygon_mode = rs.polygon_mode;
            state.cull_mode = rs.cull_mode;
            state.front_face = rs.front_face;
            state.depth_bias_enable = rs.depth_bias_enable != 0;
            state.depth_bias = [
                rs.depth_bias_constant_factor,
                rs.depth_bias_clamp,
                rs.depth_bias_slope_factor,
            ];
            state.line_width = rs.line_width;
            for (s_type, _) in handle::chain(rs.p_next) {
                // Conservative rasterization, line modes, provoking-vertex changes: not
                // advertised, and not silently ignored.
                if s_type != vk::PipelineRasterizationStateStreamCreateInfoEXT::STRUCTURE_TYPE
                    && s_type.as_raw() != 0
                {
                    return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
                }
            }
        }
        if let Some(ms) = handle::opt_ref(info.p_multisample_state) {
            let samples = match ms.rasterization_samples {
                vk::SampleCountFlags::TYPE_1 => 1,
                vk::SampleCountFlags::TYPE_4 => 4,
                _ => return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT),
            };
            // Sample locations and other extensions' multisample structures are not supported.
            if handle::chain(ms.p_next).any(|(s_type, _)| s_type.as_raw() != 0) {
                return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
            }
            state.multisample = crate::graphics_pipeline::MultisampleState {
                samples,
                // "pSampleMask is a pointer to an array of VkSampleMask values used in the
                // sample mask test" (⌈samples / 32⌉ words: one); null means all ones.
                sample_mask: handle::opt_ref(ms.p_sample_mask).copied().unwrap_or(!0),
                alpha_to_coverage: ms.alpha_to_coverage_enable != 0,
                alpha_to_one: ms.alpha_to_one_enable != 0,
                sample_shading: (ms.sample_shading_enable != 0).then_some(ms.min_sample_shading),
            };
        }
        if let Some(ds) = handle::opt_ref(info.p_depth_stencil_state) {
            state.depth_test = ds.depth_test_enable != 0;
            state.depth_write = ds.depth_write_enable != 0;
            state.depth_compare = ds.depth_compare_op;
            state.depth_bounds_test = ds.depth_bounds_test_enable != 0;
            state.depth_bounds = (ds.min_depth_bounds, ds.max_depth_bounds);
            state.stencil_test = ds.stencil_test_enable != 0;
            state.stencil_front = StencilFace::from(ds.front);
            state.stencil_back = StencilFace::from(ds.back);
        }
        if let Some(cb) = handle::opt_ref(info.p_color_blend_state) {
            if cb.logic_op_enable != 0 {
                state.logic_op = Some(cb.logic_op);
            }
            state.blend_constants = cb.blend_constants;
            for a in handle::slice(cb.p_attachments, cb.attachment_count) {
                state.blend.push(BlendAttachment {
                    enable: a.blend_enable != 0,
                    src_color: a.src_color_blend_factor,
                    dst_color: a.dst_color_blend_factor,
                    color_op: a.color_blend_op,
                    src_alpha: a.src_alpha_blend_factor,
                    dst_alpha: a.dst_alpha_blend_factor,
                    alpha_op: a.alpha_blend_op,
                    write_mask: a.color_write_mask,
                });
            }
        }
        // The formats rendered to: from the render pass subpass, or dynamic rendering's info.
        match handle::get_optional::<_, RenderPass>(info.render_pass)? {
            Some(rp) => {
                let sub = rp.subpasses.get(info.subpass as usize).ok_or(failed)?;
                state.color_formats = sub
                    .color
                    .iter()
                    .map(|a| a.map_or(vk::Format::UNDEFINED, |i| rp.attachments[i as usize].format))
                    .collect();
                let ds_format = sub
                    .depth_stencil
                    .map_or(vk::Format::UNDEFINED, |i| rp.attachments[i as usize].format);
                state.depth_format = ds_format;
                state.stencil_format = ds_format;
            }
            None => {
                if let Some(r) = handle::find::<vk::PipelineRenderingCreateInfo>(info.p_next) {
                    state.color_formats =
                        handle::slice(r.p_color_attachment_formats, r.color_attachment_count)
                            .to_vec();
                    state.depth_format = r.depth_attachment_format;
                    state.stencil_format = r.stencil_attachment_format;
                    // A multiview `viewMask` needs nothing of the pipeline: each view's draw
                    // reads its `ViewIndex` from the targets it renders to.
                }
            }
        }
        let (vw, ve, vs) = &vertex;
        let frag = fragment
            .as_ref()
            .map(|(w, e, s)| (&w[..], e.as_str(), &s[..]));
        let pipeline = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            GraphicsPipeline::compile((&vw[..], ve.as_str(), &vs[..]), frag, state)
        }))
        .map_err(|_| failed)??;
        Ok(Pipeline {
            layout,
            kind: PipelineKind::Graphics(Box::new(pipeline)),
        })
    }
}

/// The dynamic states `vkCmdSet*` commands set and draws read.
fn supported_dynamic_state(s: vk::DynamicState) -> bool {
    use vk::DynamicState as D;
    matches!(
        s,
        D::VIEWPORT
            | D::SCISSOR
            | D::VIEWPORT_WITH_COUNT
            | D::SCISSOR_WITH_COUNT
            | D::LINE_WIDTH
            | D::DEPTH_BIAS
            | D::BLEND_CONSTANTS
            | D::DEPTH_BOUNDS
            | D::STENCIL_COMPARE_MASK
            | D::STENCIL_WRITE_MASK
            | D::STENCIL_REFERENCE
            | D::CULL_MODE
            | D::FRONT_FACE
            | D::PRIMITIVE_TOPOLOGY
            | D::DEPTH_TEST_ENABLE
            | D::DEPTH_WRITE_ENABLE
            | D::DEPTH_COMPARE_OP
            | D::DEPTH_BOUNDS_TEST_ENABLE
            | D::STENCIL_TEST_ENABLE
            | D::STENCIL_OP
            | D::RASTERIZER_DISCARD_ENABLE
            | D::DEPTH_BIAS_ENABLE
            | D::PRIMITIVE_RESTART_ENABLE
    )
}

fn attachment(a: &vk::AttachmentDescription) -> AttachmentDesc {
    AttachmentDesc {
        format: a.format,
        samples: a.samples,
        load_op: a.load_op,
        stencil_load_op: a.stencil_load_op,
    }
}

fn attachment2(a: &vk::AttachmentDescription2) -> AttachmentDesc {
    AttachmentDesc {
        format: a.format,
        samples: a.samples,
        load_op: a.load_op,
        stencil_load_op: a.stencil_load_op,
    }
}

entry_points! {
    Device fn vkCreateRenderPass(
        _device: vk::Device,
        p_info: *const vk::RenderPassCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_render_pass: *mut vk::RenderPass,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_info)?;
            // Multiview: a view mask per subpass ("If subpassCount is zero, each view mask is
            // treated as zero"). View offsets and correlation masks change nothing here: every
            // command runs in order.
            let view_masks = handle::find::<vk::RenderPassMultiviewCreateInfo>(info.p_next)
                .map(|m| handle::slice(m.p_view_masks, m.subpass_count).to_vec())
                .unwrap_or_default();
            if !view_masks.is_empty() && view_masks.len() != info.subpass_count as usize {
                return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
            }
            let attachments = handle::slice(info.p_attachments, info.attachment_count).iter().map(attachment).collect();
            let subpasses: Vec<_> = handle::slice(info.p_subpasses, info.subpass_count)
                .iter()
                .map(|s| {
                    RenderPass::subpass_from_refs(
                        handle::slice(s.p_color_attachments, s.color_attachment_count),
                        if s.p_resolve_attachments.is_null() { &[] } else { handle::slice(s.p_resolve_attachments, s.color_attachment_count) },
                        handle::opt_ref(s.p_depth_stencil_attachment),
                        handle::slice(s.p_input_attachments, s.input_attachment_count),
                    )
                })
                .enumerate()
                .map(|(i, mut sub)| {
                    sub.view_mask = view_masks.get(i).copied().unwrap_or(0);
                    sub
                })
                .collect();
            handle::write(p_render_pass, handle::new_handle(RenderPass::new(attachments, subpasses)?))
        }
    }

    Device fn vkCreateRenderPass2(
        _device: vk::Device,
        p_info: *const vk::RenderPassCreateInfo2,
        _p_allocator: *const vk::AllocationCallbacks,
        p_render_pass: *mut vk::RenderPass,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_info)?;
            let attachments = handle::slice(info.p_attachments, info.attachment_count).iter().map(attachment2).collect();
            let mut subpasses = Vec::new();
            for s in handle::slice(info.p_subpasses, info.subpass_count) {
                let mut sub = RenderPass::subpass_from_refs2(
                    handle::slice(s.p_color_attachments, s.color_attachment_count),
                    if s.p_resolve_attachments.is_null() { &[] } else { handle::slice(s.p_resolve_attachments, s.color_attachment_count) },
                    handle::opt_ref(s.p_depth_stencil_attachment),
                    handle::slice(s.p_input_attachments, s.input_attachment_count),
                );
                if let Some(r) = handle::find::<vk::SubpassDescriptionDepthStencilResolve>(s.p_next) {
                    let modes = crate::physical_device::DEPTH_STENCIL_RESOLVE_MODES;
                    let known = |m: vk::ResolveModeFlags| m == vk::ResolveModeFlags::NONE || modes.contains(m);
                    if !known(r.depth_resolve_mode) || !known(r.stencil_resolve_mode) {
                        return Err(vk::Result::ERROR_FEATURE_NOT_PRESENT);
                    }
                    if let Some(a) = handle::opt_ref(r.p_depth_stencil_resolve_attachment) {
                        if a.attachment != vk::ATTACHMENT_UNUSED {
                            sub.depth_stencil_resolve = Some((a.attachment, r.depth_resolve_mode, r.stencil_resolve_mode));
                        }
                    }
                }
                sub.view_mask = s.view_mask;
                subpasses.push(sub);
            }
            handle::write(p_render_pass, handle::new_handle(RenderPass::new(attachments, subpasses)?))
        }
    }

    Device fn vkDestroyRenderPass(_device: vk::Device, render_pass: vk::RenderPass, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live render pass (or null), not used afterwards.
        unsafe { handle::destroy::<_, RenderPass>(render_pass) };
    }

    Device fn vkGetRenderAreaGranularity(_device: vk::Device, _render_pass: vk::RenderPass, p_granularity: *mut vk::Extent2D) {
        // Any render area is as fast as any other.
        // SAFETY: valid usage: a writable pointer.
        unsafe {
            let _ = handle::write(p_granularity, vk::Extent2D { width: 1, height: 1 });
        }
    }

    Device fn vkCreateFramebuffer(
        _device: vk::Device,
        p_info: *const vk::FramebufferCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_framebuffer: *mut vk::Framebuffer,
    ) -> Result {
        // SAFETY: valid usage: a valid create info with live views, and a writable pointer.
        unsafe {
            let info = handle::req(p_info)?;
            let mut attachments = Vec::new();
            if !info.flags.contains(vk::FramebufferCreateFlags::IMAGELESS) {
                for &v in handle::slice(info.p_attachments, info.attachment_count) {
                    attachments.push(handle::get::<_, ImageView>(v)?);
                }
            }
            let imageless = info.flags.contains(vk::FramebufferCreateFlags::IMAGELESS);
            let fb = Framebuffer { attachments, imageless, width: info.width, height: info.height, layers: info.layers };
            handle::write(p_framebuffer, handle::new_handle(fb))
        }
    }

    Device fn vkDestroyFramebuffer(_device: vk::Device, framebuffer: vk::Framebuffer, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live framebuffer (or null), not used afterwards.
        unsafe { handle::destroy::<_, Framebuffer>(framebuffer) };
    }

    Device fn vkCreateGraphicsPipelines(
        _device: vk::Device,
        _cache: vk::PipelineCache,
        count: u32,
        p_infos: *const vk::GraphicsPipelineCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_pipelines: *mut vk::Pipeline,
    ) -> Status {
        // SAFETY: valid usage: `count` valid create infos and room for `count` handles.
        unsafe {
            let infos = handle::slice(p_infos, count);
            crate::entry::pipeline::create_pipelines(infos, |i| i.flags, |i| graphics_pipeline(i), p_pipelines)
        }
    }
}
