//! Pipelines, descriptor sets and command recording for `RUN` and `CLEAR`.

use std::collections::{BTreeMap, HashMap};
use std::ffi::CString;

use ash::vk;

use super::*;

/// Per-stage data that must outlive `vkCreate*Pipelines`.
struct StageData {
    entry: CString,
    map: Vec<vk::SpecializationMapEntry>,
    bytes: Vec<u8>,
    module: vk::ShaderModule,
    stage: vk::ShaderStageFlags,
    flags: vk::PipelineShaderStageCreateFlags,
    required: Option<u32>,
}

impl Exec<'_> {
    fn stage_data(&mut self, p: &PipelineDecl) -> R<Vec<StageData>> {
        let mut out = Vec::new();
        for a in &p.shaders {
            let module = self.module(a.shader)?;
            let mut map = Vec::new();
            let mut bytes = Vec::new();
            for sc in &a.spec {
                let n = sc.ty.size().max(4);
                let at = bytes.len();
                bytes.resize(at + n, 0);
                sc.ty.encode(sc.value, &mut bytes[at..]);
                map.push(vk::SpecializationMapEntry {
                    constant_id: sc.id,
                    offset: at as u32,
                    size: sc.ty.size(),
                });
            }
            let mut flags = vk::PipelineShaderStageCreateFlags::empty();
            if a.subgroup.varying_size {
                flags |= vk::PipelineShaderStageCreateFlags::ALLOW_VARYING_SUBGROUP_SIZE;
            }
            if a.subgroup.fully_populated {
                flags |= vk::PipelineShaderStageCreateFlags::REQUIRE_FULL_SUBGROUPS;
            }
            let required = a.subgroup.required_size.map(|r| match r {
                RequiredSubgroupSize::Exact(n) => n,
                RequiredSubgroupSize::Min => self.ctx.subgroup_size.0,
                RequiredSubgroupSize::Max => self.ctx.subgroup_size.1,
            });
            out.push(StageData {
                entry: CString::new(a.entry.as_str()).map_err(|_| "bad entry point")?,
                map,
                bytes,
                module,
                stage: stage_flag(a.stage),
                flags,
                required,
            });
        }
        Ok(out)
    }

    /// Creates the layout, descriptor sets and (for graphics) render pass of pipeline `pi`.
    fn pipeline_res(&mut self, pi: usize) -> R<()> {
        if self.pipelines[pi].is_some() {
            return Ok(());
        }
        let p = &self.s.pipelines[pi];
        let mut by_set: BTreeMap<u32, Vec<vk::DescriptorSetLayoutBinding>> = BTreeMap::new();
        let mut pool_sizes: HashMap<vk::DescriptorType, u32> = HashMap::new();
        for desc in &p.descriptors {
            let count = desc.buffers.len().max(desc.samplers.len()).max(1) as u32;
            let ty = descriptor_type(desc.kind);
            by_set.entry(desc.set).or_default().push(
                vk::DescriptorSetLayoutBinding::default()
                    .binding(desc.binding)
                    .descriptor_type(ty)
                    .descriptor_count(count)
                    .stage_flags(vk::ShaderStageFlags::ALL),
            );
            *pool_sizes.entry(ty).or_default() += count;
        }
        let nsets = by_set.keys().next_back().map_or(0, |m| m + 1);
        let mut layouts = Vec::new();
        for set in 0..nsets {
            let bindings = by_set.get(&set).cloned().unwrap_or_default();
            let ci = vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings);
            // SAFETY: valid create info.
            let l = unsafe { self.d.create_descriptor_set_layout(&ci, None) }
                .map_err(vkerr("vkCreateDescriptorSetLayout"))?;
            self.objects.push(Obj::SetLayout(l));
            layouts.push(l);
        }
        let push = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::ALL,
            offset: 0,
            size: self.ctx.limits.max_push_constants_size.min(256),
        }];
        let mut lci = vk::PipelineLayoutCreateInfo::default().set_layouts(&layouts);
        if p.push_constants.is_some() {
            lci = lci.push_constant_ranges(&push);
        }
        // SAFETY: valid create info.
        let layout = unsafe { self.d.create_pipeline_layout(&lci, None) }
            .map_err(vkerr("vkCreatePipelineLayout"))?;
        self.objects.push(Obj::Layout(layout));
        let mut sets = Vec::new();
        if nsets > 0 {
            let sizes: Vec<vk::DescriptorPoolSize> = pool_sizes
                .iter()
                .map(|(&ty, &n)| vk::DescriptorPoolSize {
                    ty,
                    descriptor_count: n,
                })
                .collect();
            let mut sizes = sizes;
            if sizes.is_empty() {
                sizes.push(vk::DescriptorPoolSize {
                    ty: vk::DescriptorType::STORAGE_BUFFER,
                    descriptor_count: 1,
                });
            }
            let pci = vk::DescriptorPoolCreateInfo::default()
                .max_sets(nsets)
                .pool_sizes(&sizes);
            // SAFETY: valid create info.
            let pool = unsafe { self.d.create_descriptor_pool(&pci, None) }
                .map_err(vkerr("vkCreateDescriptorPool"))?;
            self.objects.push(Obj::Pool(pool));
            let ai = vk::DescriptorSetAllocateInfo::default()
                .descriptor_pool(pool)
                .set_layouts(&layouts);
            // SAFETY: valid allocate info.
            sets = unsafe { self.d.allocate_descriptor_sets(&ai) }
                .map_err(vkerr("vkAllocateDescriptorSets"))?;
        }
        let (render_pass, framebuffer, extent) = if p.kind == PipelineKind::Graphics {
            self.render_pass(pi)?
        } else {
            (vk::RenderPass::null(), vk::Framebuffer::null(), (0, 0))
        };
        let mut res = PipelineRes {
            layout,
            sets,
            compute: None,
            render_pass,
            framebuffer,
            extent,
            variants: HashMap::new(),
        };
        if p.kind == PipelineKind::Compute {
            let stages = self.stage_data(p)?;
            let Some(sd) = stages.first() else {
                return Err("compute pipeline without a shader".into());
            };
            let spec = vk::SpecializationInfo::default()
                .map_entries(&sd.map)
                .data(&sd.bytes);
            let mut req = vk::PipelineShaderStageRequiredSubgroupSizeCreateInfo::default()
                .required_subgroup_size(sd.required.unwrap_or(0));
            let mut stage = vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::COMPUTE)
                .module(sd.module)
                .name(&sd.entry)
                .flags(sd.flags)
                .specialization_info(&spec);
            if sd.required.is_some() {
                stage = stage.push_next(&mut req);
            }
            let ci = [vk::ComputePipelineCreateInfo::default()
                .stage(stage)
                .layout(layout)];
            // SAFETY: valid create info; everything it points to is alive.
            let pl = unsafe {
                self.d
                    .create_compute_pipelines(vk::PipelineCache::null(), &ci, None)
            }
            .map_err(|(_, e)| format!("vkCreateComputePipelines: {e}"))?[0];
            self.objects.push(Obj::Pipeline(pl));
            res.compute = Some(pl);
        }
        self.pipelines[pi] = Some(res);
        Ok(())
    }

    fn render_pass(&mut self, pi: usize) -> R<(vk::RenderPass, vk::Framebuffer, (u32, u32))> {
        let p = &self.s.pipelines[pi];
        let mut attachments = Vec::new();
        let mut views = Vec::new();
        let max_loc = p.color.iter().map(|c| c.1 + 1).max().unwrap_or(0);
        let mut color_refs = vec![
            vk::AttachmentReference {
                attachment: vk::ATTACHMENT_UNUSED,
                layout: vk::ImageLayout::GENERAL,
            };
            max_loc as usize
        ];
        let mut all = Vec::new();
        for &(b, loc, _) in &p.color {
            all.push((b, Some(loc)));
        }
        if let Some(b) = p.depth_stencil {
            all.push((b, None));
        }
        let mut depth_ref = None;
        let mut fb_extent = p.framebuffer;
        for (b, loc) in all {
            let img = self.gpu_image(b)?;
            let (format, view, extent) = (img.format, img.view, img.extent);
            fb_extent = (fb_extent.0.min(extent.0), fb_extent.1.min(extent.1));
            let index = attachments.len() as u32;
            attachments.push(
                vk::AttachmentDescription::default()
                    .format(format)
                    .samples(vk::SampleCountFlags::TYPE_1)
                    .load_op(vk::AttachmentLoadOp::LOAD)
                    .store_op(vk::AttachmentStoreOp::STORE)
                    .stencil_load_op(vk::AttachmentLoadOp::LOAD)
                    .stencil_store_op(vk::AttachmentStoreOp::STORE)
                    .initial_layout(vk::ImageLayout::GENERAL)
                    .final_layout(vk::ImageLayout::GENERAL),
            );
            views.push(view);
            let r = vk::AttachmentReference {
                attachment: index,
                layout: vk::ImageLayout::GENERAL,
            };
            match loc {
                Some(l) => color_refs[l as usize] = r,
                None => depth_ref = Some(r),
            }
        }
        let mut subpass = vk::SubpassDescription::default()
            .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
            .color_attachments(&color_refs);
        if let Some(d) = depth_ref.as_ref() {
            subpass = subpass.depth_stencil_attachment(d);
        }
        let subpasses = [subpass];
        let rci = vk::RenderPassCreateInfo::default()
            .attachments(&attachments)
            .subpasses(&subpasses);
        // SAFETY: valid create info.
        let rp = unsafe { self.d.create_render_pass(&rci, None) }
            .map_err(vkerr("vkCreateRenderPass"))?;
        self.objects.push(Obj::RenderPass(rp));
        let fci = vk::FramebufferCreateInfo::default()
            .render_pass(rp)
            .attachments(&views)
            .width(fb_extent.0)
            .height(fb_extent.1)
            .layers(1);
        // SAFETY: valid create info.
        let fb = unsafe { self.d.create_framebuffer(&fci, None) }
            .map_err(vkerr("vkCreateFramebuffer"))?;
        self.objects.push(Obj::Framebuffer(fb));
        Ok((rp, fb, fb_extent))
    }

    fn graphics_variant(&mut self, pi: usize, key: VariantKey) -> R<vk::Pipeline> {
        if let Some(&v) = self.pipelines[pi]
            .as_ref()
            .and_then(|r| r.variants.get(&key))
        {
            return Ok(v);
        }
        let p = &self.s.pipelines[pi];
        let stages = self.stage_data(p)?;
        let res = self.pipelines[pi].as_ref().expect("made first");
        let specs: Vec<vk::SpecializationInfo> = stages
            .iter()
            .map(|sd| {
                vk::SpecializationInfo::default()
                    .map_entries(&sd.map)
                    .data(&sd.bytes)
            })
            .collect();
        let stage_ci: Vec<vk::PipelineShaderStageCreateInfo> = stages
            .iter()
            .zip(&specs)
            .map(|(sd, spec)| {
                vk::PipelineShaderStageCreateInfo::default()
                    .stage(sd.stage)
                    .module(sd.module)
                    .name(&sd.entry)
                    .flags(sd.flags)
                    .specialization_info(spec)
            })
            .collect();
        let mut bindings = Vec::new();
        let mut attributes = Vec::new();
        if key.generated {
            bindings.push(vk::VertexInputBindingDescription {
                binding: 0,
                stride: 8,
                input_rate: vk::VertexInputRate::VERTEX,
            });
            attributes.push(vk::VertexInputAttributeDescription {
                location: 0,
                binding: 0,
                format: vk::Format::R32G32_SFLOAT,
                offset: 0,
            });
        } else {
            for (i, v) in p.vertex.iter().enumerate() {
                let ty = &self.s.buffers[v.buffer].ty;
                let format = match &v.format {
                    Some(f) => f.vk,
                    None => vertex_format(ty).ok_or_else(|| {
                        format!(
                            "unsupported: vertex data type of {}",
                            self.s.buffers[v.buffer].name
                        )
                    })?,
                };
                bindings.push(vk::VertexInputBindingDescription {
                    binding: i as u32,
                    stride: v.stride.unwrap_or(ty.element_size() as u32),
                    input_rate: if v.instance_rate {
                        vk::VertexInputRate::INSTANCE
                    } else {
                        vk::VertexInputRate::VERTEX
                    },
                });
                attributes.push(vk::VertexInputAttributeDescription {
                    location: v.location,
                    binding: i as u32,
                    format,
                    offset: v.offset,
                });
            }
        }
        let vi = vk::PipelineVertexInputStateCreateInfo::default()
            .vertex_binding_descriptions(&bindings)
            .vertex_attribute_descriptions(&attributes);
        let ia =
            vk::PipelineInputAssemblyStateCreateInfo::default().topology(vk_topology(key.topology));
        let tess = vk::PipelineTessellationStateCreateInfo::default()
            .patch_control_points(p.patch_control_points);
        let vp = vk::PipelineViewportStateCreateInfo::default()
            .viewport_count(1)
            .scissor_count(1);
        let mut rs = vk::PipelineRasterizationStateCreateInfo::default()
            .depth_clamp_enable(p.depth.clamp)
            .polygon_mode(match p.polygon_mode {
                PolygonMode::Fill => vk::PolygonMode::FILL,
                PolygonMode::Line => vk::PolygonMode::LINE,
                PolygonMode::Point => vk::PolygonMode::POINT,
            })
            .cull_mode(match p.cull_mode {
                CullMode::None => vk::CullModeFlags::NONE,
                CullMode::Front => vk::CullModeFlags::FRONT,
                CullMode::Back => vk::CullModeFlags::BACK,
                CullMode::FrontAndBack => vk::CullModeFlags::FRONT_AND_BACK,
            })
            .front_face(if p.front_ccw {
                vk::FrontFace::COUNTER_CLOCKWISE
            } else {
                vk::FrontFace::CLOCKWISE
            })
            .line_width(p.line_width);
        if let Some((c, cl, sl)) = p.depth.bias {
            rs = rs
                .depth_bias_enable(true)
                .depth_bias_constant_factor(c)
                .depth_bias_clamp(cl)
                .depth_bias_slope_factor(sl);
        }
        let ms = vk::PipelineMultisampleStateCreateInfo::default()
            .rasterization_samples(vk::SampleCountFlags::TYPE_1);
        let stencil = |f: &StencilFace| vk::StencilOpState {
            fail_op: stencil_op(f.fail),
            pass_op: stencil_op(f.pass),
            depth_fail_op: stencil_op(f.depth_fail),
            compare_op: compare_op(f.compare),
            compare_mask: f.compare_mask,
            write_mask: f.write_mask,
            reference: f.reference,
        };
        let mut ds = vk::PipelineDepthStencilStateCreateInfo::default()
            .depth_test_enable(p.depth.test)
            .depth_write_enable(p.depth.write)
            .depth_compare_op(compare_op(p.depth.compare));
        if let Some((min, max)) = p.depth.bounds {
            ds = ds
                .depth_bounds_test_enable(true)
                .min_depth_bounds(min)
                .max_depth_bounds(max);
        }
        if let Some((front, back)) = &p.stencil {
            ds = ds
                .stencil_test_enable(true)
                .front(stencil(front))
                .back(stencil(back));
        }
        let blend: Vec<vk::PipelineColorBlendAttachmentState> =
            (0..p.color.iter().map(|c| c.1 + 1).max().unwrap_or(0))
                .map(|_| {
                    let mut a = vk::PipelineColorBlendAttachmentState::default()
                        .color_write_mask(vk::ColorComponentFlags::RGBA);
                    if let Some(b) = &p.blend {
                        a = a
                            .blend_enable(true)
                            .src_color_blend_factor(blend_factor(b.src_color))
                            .dst_color_blend_factor(blend_factor(b.dst_color))
                            .color_blend_op(blend_op(b.color_op))
                            .src_alpha_blend_factor(blend_factor(b.src_alpha))
                            .dst_alpha_blend_factor(blend_factor(b.dst_alpha))
                            .alpha_blend_op(blend_op(b.alpha_op));
                    }
                    a
                })
                .collect();
        let cb = vk::PipelineColorBlendStateCreateInfo::default().attachments(&blend);
        let dyn_states = [vk::DynamicState::VIEWPORT, vk::DynamicState::SCISSOR];
        let dy = vk::PipelineDynamicStateCreateInfo::default().dynamic_states(&dyn_states);
        let has_tess = p
            .shaders
            .iter()
            .any(|a| a.stage == Stage::TessControl || a.stage == Stage::TessEval);
        let mut ci = vk::GraphicsPipelineCreateInfo::default()
            .stages(&stage_ci)
            .vertex_input_state(&vi)
            .input_assembly_state(&ia)
            .viewport_state(&vp)
            .rasterization_state(&rs)
            .multisample_state(&ms)
            .depth_stencil_state(&ds)
            .color_blend_state(&cb)
            .dynamic_state(&dy)
            .layout(res.layout)
            .render_pass(res.render_pass)
            .subpass(0);
        if has_tess {
            ci = ci.tessellation_state(&tess);
        }
        // SAFETY: valid create info; everything it points to is alive.
        let pl = unsafe {
            self.d
                .create_graphics_pipelines(vk::PipelineCache::null(), &[ci], None)
        }
        .map_err(|(_, e)| format!("vkCreateGraphicsPipelines: {e}"))?[0];
        self.objects.push(Obj::Pipeline(pl));
        self.pipelines[pi]
            .as_mut()
            .expect("made first")
            .variants
            .insert(key, pl);
        Ok(pl)
    }

    /// Script buffers and images a pipeline reads or writes.
    fn resources(&self, pi: usize) -> (Vec<usize>, Vec<usize>) {
        let p = &self.s.pipelines[pi];
        let mut bufs = Vec::new();
        let mut imgs: Vec<usize> = p.color.iter().map(|c| c.0).collect();
        imgs.extend(p.depth_stencil);
        for d in &p.descriptors {
            if is_image_kind(d.kind) {
                imgs.extend(&d.buffers);
            } else {
                bufs.extend(&d.buffers);
            }
        }
        bufs.extend(p.vertex.iter().map(|v| v.buffer));
        bufs.extend(p.index);
        bufs.sort();
        bufs.dedup();
        imgs.sort();
        imgs.dedup();
        (bufs, imgs)
    }

    fn write_descriptors(&mut self, pi: usize) -> R<Vec<u32>> {
        let p = &self.s.pipelines[pi];
        let mut dynamic = Vec::new();
        let mut descs: Vec<&DescriptorBind> = p.descriptors.iter().collect();
        descs.sort_by_key(|d| (d.set, d.binding));
        for desc in descs {
            let set = self.pipelines[pi].as_ref().expect("made").sets[desc.set as usize];
            let ty = descriptor_type(desc.kind);
            let mut buffer_infos = Vec::new();
            let mut image_infos = Vec::new();
            let mut texel_views = Vec::new();
            match desc.kind {
                DescriptorKind::Sampler => {
                    for &s in &desc.samplers {
                        let sampler = self.sampler(s)?;
                        image_infos.push(vk::DescriptorImageInfo::default().sampler(sampler));
                    }
                }
                k if is_image_kind(k) => {
                    for (i, &b) in desc.buffers.iter().enumerate() {
                        let view = self.gpu_image(b)?.view;
                        let mut info = vk::DescriptorImageInfo::default()
                            .image_view(view)
                            .image_layout(vk::ImageLayout::GENERAL);
                        if k == DescriptorKind::CombinedImageSampler {
                            let Some(&s) = desc.samplers.get(i).or(desc.samplers.first()) else {
                                return Err("combined_image_sampler without a SAMPLER".into());
                            };
                            info = info.sampler(self.sampler(s)?);
                        }
                        image_infos.push(info);
                    }
                }
                DescriptorKind::UniformTexelBuffer | DescriptorKind::StorageTexelBuffer => {
                    for &b in &desc.buffers {
                        let g = self.gpu_buffer(b)?;
                        let Some(format) = vertex_format(&self.s.buffers[b].ty) else {
                            return Err("unsupported: texel buffer data type".into());
                        };
                        let ci = vk::BufferViewCreateInfo::default()
                            .buffer(g.buffer)
                            .format(format)
                            .range(vk::WHOLE_SIZE);
                        // SAFETY: valid create info.
                        let v = unsafe { self.d.create_buffer_view(&ci, None) }
                            .map_err(vkerr("vkCreateBufferView"))?;
                        self.objects.push(Obj::BufferView(v));
                        texel_views.push(v);
                    }
                }
                _ => {
                    for (i, &b) in desc.buffers.iter().enumerate() {
                        let g = self.gpu_buffer(b)?;
                        let offset = desc.descriptor_offsets.get(i).copied().unwrap_or(0);
                        let range =
                            desc.ranges.get(i).copied().flatten().unwrap_or(
                                (self.data[b].len() as u64).max(4).saturating_sub(offset),
                            );
                        buffer_infos.push(vk::DescriptorBufferInfo {
                            buffer: g.buffer,
                            offset,
                            range: range.max(1),
                        });
                        if matches!(
                            desc.kind,
                            DescriptorKind::StorageDynamic | DescriptorKind::UniformDynamic
                        ) {
                            dynamic.push(desc.dynamic_offsets.get(i).copied().unwrap_or(0) as u32);
                        }
                    }
                }
            }
            let mut w = vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(desc.binding)
                .descriptor_type(ty);
            if !buffer_infos.is_empty() {
                w = w.buffer_info(&buffer_infos);
            } else if !image_infos.is_empty() {
                w = w.image_info(&image_infos);
            } else {
                w = w.texel_buffer_view(&texel_views);
            }
            // SAFETY: the set is not in use (the queue is idle between commands).
            unsafe { self.d.update_descriptor_sets(&[w], &[]) };
        }
        Ok(dynamic)
    }

    /// Host copies into Vulkan memory.
    fn upload(&mut self, bufs: &[usize], imgs: &[usize]) -> R<()> {
        for &b in bufs {
            let g = self.gpu_buffer(b)?;
            let src = &self.data[b];
            // SAFETY: the mapping is at least `src.len()` bytes and not in use by the device.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), g.ptr, src.len()) };
        }
        for &b in imgs {
            self.gpu_image(b)?;
            if self.samples(b) > 1 {
                continue;
            }
            let g = self.gpu_images[b].as_ref().expect("made").staging;
            let src = &self.data[b];
            let n = src.len().min(g.size as usize);
            // SAFETY: as above.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), g.ptr, n) };
        }
        Ok(())
    }

    fn download(&mut self, bufs: &[usize], imgs: &[usize]) {
        for &b in bufs {
            if let Some(g) = self.gpu_buffers[b] {
                let dst = &mut self.data[b];
                // SAFETY: the device is idle; the mapping covers `dst.len()` bytes.
                unsafe { std::ptr::copy_nonoverlapping(g.ptr, dst.as_mut_ptr(), dst.len()) };
            }
        }
        for &b in imgs {
            if let Some(img) = self.gpu_images[b].as_ref().filter(|i| i.samples == 1) {
                let dst = &mut self.data[b];
                let n = dst.len().min(img.staging.size as usize);
                // SAFETY: as above.
                unsafe { std::ptr::copy_nonoverlapping(img.staging.ptr, dst.as_mut_ptr(), n) };
            }
        }
    }

    fn copy_regions(img: &GpuImage) -> Vec<vk::BufferImageCopy> {
        let (w, h, dd) = img.extent;
        let region = |aspect, offset| vk::BufferImageCopy {
            buffer_offset: offset,
            buffer_row_length: 0,
            buffer_image_height: 0,
            image_subresource: vk::ImageSubresourceLayers {
                aspect_mask: aspect,
                mip_level: 0,
                base_array_layer: 0,
                layer_count: 1,
            },
            image_offset: vk::Offset3D::default(),
            image_extent: vk::Extent3D {
                width: w,
                height: h,
                depth: dd,
            },
        };
        let mut out = Vec::new();
        if img.aspect == vk::ImageAspectFlags::COLOR {
            out.push(region(vk::ImageAspectFlags::COLOR, 0));
        } else {
            if img.aspect.contains(vk::ImageAspectFlags::DEPTH) {
                out.push(region(vk::ImageAspectFlags::DEPTH, 0));
            }
            if img.aspect.contains(vk::ImageAspectFlags::STENCIL) {
                let off = w as u64 * h as u64 * dd as u64 * img.texel;
                out.push(region(vk::ImageAspectFlags::STENCIL, off));
            }
        }
        out
    }

    fn barrier(&self, cb: vk::CommandBuffer) {
        let mb = [vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::MEMORY_WRITE)
            .dst_access_mask(vk::AccessFlags::MEMORY_READ | vk::AccessFlags::MEMORY_WRITE)];
        // SAFETY: recording command buffer.
        unsafe {
            self.d.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::DependencyFlags::empty(),
                &mb,
                &[],
                &[],
            )
        };
    }

    /// Uploads, records `body` between image transfers, submits, waits and reads back.
    fn submit(
        &mut self,
        bufs: &[usize],
        imgs: &[usize],
        body: impl FnOnce(&Self, vk::CommandBuffer) -> R<()>,
    ) -> R<()> {
        self.upload(bufs, imgs)?;
        // Single-sample images are uploaded again, so their layout starts undefined each time;
        // a multisampled one keeps its contents from the first submission on.
        let old_layouts: Vec<vk::ImageLayout> = imgs
            .iter()
            .map(|&b| {
                let img = self.gpu_images[b].as_mut().expect("uploaded");
                let keep = img.samples > 1 && !img.fresh;
                img.fresh = false;
                if keep {
                    vk::ImageLayout::GENERAL
                } else {
                    vk::ImageLayout::UNDEFINED
                }
            })
            .collect();
        let ai = vk::CommandBufferAllocateInfo::default()
            .command_pool(self.pool)
            .level(vk::CommandBufferLevel::PRIMARY)
            .command_buffer_count(1);
        // SAFETY: valid allocate info.
        let cb = unsafe { self.d.allocate_command_buffers(&ai) }
            .map_err(vkerr("vkAllocateCommandBuffers"))?[0];
        let d = self.d;
        // SAFETY: recording into a fresh command buffer; all handles are alive.
        unsafe {
            d.begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
                .map_err(vkerr("vkBeginCommandBuffer"))?;
            let mut to_general = Vec::new();
            for (&b, &old_layout) in imgs.iter().zip(&old_layouts) {
                let img = self.gpu_images[b].as_ref().expect("uploaded");
                to_general.push(
                    vk::ImageMemoryBarrier::default()
                        .src_access_mask(vk::AccessFlags::empty())
                        .dst_access_mask(vk::AccessFlags::TRANSFER_WRITE)
                        .old_layout(old_layout)
                        .new_layout(vk::ImageLayout::GENERAL)
                        .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
                        .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
                        .image(img.image)
                        .subresource_range(vk::ImageSubresourceRange {
                            aspect_mask: img.aspect,
                            base_mip_level: 0,
                            level_count: 1,
                            base_array_layer: 0,
                            layer_count: 1,
                        }),
                );
            }
            d.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::TOP_OF_PIPE,
                vk::PipelineStageFlags::TRANSFER,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &to_general,
            );
            for &b in imgs {
                let img = self.gpu_images[b].as_ref().expect("uploaded");
                if img.samples > 1 {
                    continue;
                }
                d.cmd_copy_buffer_to_image(
                    cb,
                    img.staging.buffer,
                    img.image,
                    vk::ImageLayout::GENERAL,
                    &Self::copy_regions(img),
                );
            }
            self.barrier(cb);
            let r = body(self, cb);
            if let Err(e) = r {
                let _ = d.end_command_buffer(cb);
                d.free_command_buffers(self.pool, &[cb]);
                return Err(e);
            }
            self.barrier(cb);
            for &b in imgs {
                let img = self.gpu_images[b].as_ref().expect("uploaded");
                if img.samples > 1 {
                    continue;
                }
                d.cmd_copy_image_to_buffer(
                    cb,
                    img.image,
                    vk::ImageLayout::GENERAL,
                    img.staging.buffer,
                    &Self::copy_regions(img),
                );
            }
            self.barrier(cb);
            d.end_command_buffer(cb)
                .map_err(vkerr("vkEndCommandBuffer"))?;
            let cbs = [cb];
            let si = [vk::SubmitInfo::default().command_buffers(&cbs)];
            d.queue_submit(self.ctx.queue, &si, vk::Fence::null())
                .map_err(vkerr("vkQueueSubmit"))?;
            d.queue_wait_idle(self.ctx.queue)
                .map_err(vkerr("vkQueueWaitIdle"))?;
            d.free_command_buffers(self.pool, &cbs);
        }
        self.download(bufs, imgs);
        Ok(())
    }

    pub(super) fn clear(&mut self, pi: usize) -> R<()> {
        let p = &self.s.pipelines[pi];
        let imgs: Vec<usize> = p.color.iter().map(|c| c.0).chain(p.depth_stencil).collect();
        let color = self.clear_color[pi];
        let depth = self.clear_depth[pi];
        let stencil = self.clear_stencil[pi];
        let s = self.s;
        for &b in &imgs {
            self.gpu_image(b)?;
        }
        self.submit(&[], &imgs, |me, cb| {
            for &b in &imgs {
                let img = me.gpu_images[b].as_ref().expect("made");
                let range = vk::ImageSubresourceRange {
                    aspect_mask: img.aspect,
                    base_mip_level: 0,
                    level_count: 1,
                    base_array_layer: 0,
                    layer_count: 1,
                };
                // SAFETY: recording; the image is in GENERAL layout.
                unsafe {
                    if img.aspect == vk::ImageAspectFlags::COLOR {
                        let value = clear_value(&s.buffers[b].ty, color);
                        me.d.cmd_clear_color_image(
                            cb,
                            img.image,
                            vk::ImageLayout::GENERAL,
                            &value,
                            &[range],
                        );
                    } else {
                        let v = vk::ClearDepthStencilValue { depth, stencil };
                        me.d.cmd_clear_depth_stencil_image(
                            cb,
                            img.image,
                            vk::ImageLayout::GENERAL,
                            &v,
                            &[range],
                        );
                    }
                }
            }
            Ok(())
        })
    }

    pub(super) fn run(&mut self, pi: usize, what: &RunKind) -> R<()> {
        self.pipeline_res(pi)?;
        let p = &self.s.pipelines[pi];
        let (bufs, imgs) = self.resources(pi);
        // Make every Vulkan object before descriptors point at them.
        for &b in &bufs {
            self.gpu_buffer(b)?;
        }
        for &b in &imgs {
            self.gpu_image(b)?;
        }
        let dynamic = self.write_descriptors(pi)?;
        let push: Vec<u8> = p
            .push_constants
            .map(|b| self.data[b].clone())
            .unwrap_or_default();
        let push_len = (push
            .len()
            .min(self.ctx.limits.max_push_constants_size.min(256) as usize))
            & !3;
        let res = self.pipelines[pi].as_ref().expect("made");
        let (layout, sets, compute, rp, fb) = (
            res.layout,
            res.sets.clone(),
            res.compute,
            res.render_pass,
            res.framebuffer,
        );
        let area = res.extent;
        match what {
            RunKind::Compute(groups) => {
                let pl = compute.ok_or("RUN with workgroups on a graphics pipeline")?;
                let groups = *groups;
                self.submit(&bufs, &imgs, |me, cb| {
                    // SAFETY: recording; all handles are alive.
                    unsafe {
                        me.d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pl);
                        if !sets.is_empty() {
                            me.d.cmd_bind_descriptor_sets(
                                cb,
                                vk::PipelineBindPoint::COMPUTE,
                                layout,
                                0,
                                &sets,
                                &dynamic,
                            );
                        }
                        if push_len > 0 {
                            me.d.cmd_push_constants(
                                cb,
                                layout,
                                vk::ShaderStageFlags::ALL,
                                0,
                                &push[..push_len],
                            );
                        }
                        me.d.cmd_dispatch(cb, groups[0], groups[1], groups[2]);
                    }
                    Ok(())
                })
            }
            RunKind::Draw(draw) => {
                if p.kind != PipelineKind::Graphics {
                    return Err("draw on a compute pipeline".into());
                }
                let (fw, fh) = (p.framebuffer.0 as f32, p.framebuffer.1 as f32);
                let (key, generated) = match draw {
                    Draw::Rect {
                        x,
                        y,
                        w,
                        h,
                        ortho,
                        patch,
                    } => {
                        let (x, y, w, h) = if *ortho {
                            (
                                x / fw * 2.0 - 1.0,
                                y / fh * 2.0 - 1.0,
                                w / fw * 2.0,
                                h / fh * 2.0,
                            )
                        } else {
                            (*x, *y, *w, *h)
                        };
                        let v = [x, y + h, x + w, y + h, x, y, x + w, y];
                        let topology = if *patch {
                            Topology::PatchList
                        } else {
                            Topology::TriangleStrip
                        };
                        (
                            VariantKey {
                                topology,
                                generated: true,
                            },
                            Some(v.to_vec()),
                        )
                    }
                    Draw::Grid {
                        x,
                        y,
                        w,
                        h,
                        columns,
                        rows,
                    } => {
                        let (x, y, w, h) = (
                            x / fw * 2.0 - 1.0,
                            y / fh * 2.0 - 1.0,
                            w / fw * 2.0,
                            h / fh * 2.0,
                        );
                        let (cw, ch) = (w / *columns as f32, h / *rows as f32);
                        let mut v = Vec::new();
                        for i in 0..*rows {
                            for j in 0..*columns {
                                let (x0, y0) = (x + cw * j as f32, y + ch * i as f32);
                                let (x1, y1) = (x0 + cw, y0 + ch);
                                v.extend_from_slice(&[
                                    x0, y0, x1, y0, x0, y1, x0, y1, x1, y0, x1, y1,
                                ]);
                            }
                        }
                        (
                            VariantKey {
                                topology: Topology::TriangleList,
                                generated: true,
                            },
                            Some(v),
                        )
                    }
                    Draw::Array { topology, .. } => (
                        VariantKey {
                            topology: *topology,
                            generated: false,
                        },
                        None,
                    ),
                };
                let pl = self.graphics_variant(pi, key)?;
                let gen_buf = match &generated {
                    Some(v) => {
                        let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
                        let g = self.make_buffer(bytes.len() as u64)?;
                        // SAFETY: the fresh mapping holds at least `bytes.len()` bytes.
                        unsafe {
                            std::ptr::copy_nonoverlapping(bytes.as_ptr(), g.ptr, bytes.len())
                        };
                        Some((g, (v.len() / 2) as u32))
                    }
                    None => None,
                };
                // Vertex and index buffers for DRAW_ARRAY.
                let mut vbufs = Vec::new();
                let mut default_count = 0u32;
                if gen_buf.is_none() {
                    for (i, v) in p.vertex.iter().enumerate() {
                        let g = self.gpu_buffer(v.buffer)?;
                        let stride = v
                            .stride
                            .unwrap_or(self.s.buffers[v.buffer].ty.element_size() as u32)
                            .max(1);
                        if i == 0 || (!v.instance_rate && default_count == 0) {
                            default_count = (self.data[v.buffer].len() as u32) / stride;
                        }
                        vbufs.push(g.buffer);
                    }
                }
                let index = match (draw, p.index) {
                    (Draw::Array { indexed: true, .. }, Some(ib)) => {
                        let g = self.gpu_buffer(ib)?;
                        let ty = match self.s.buffers[ib].ty.scalar() {
                            Scalar::U16 | Scalar::I16 => vk::IndexType::UINT16,
                            Scalar::U8 | Scalar::I8 => vk::IndexType::UINT8_EXT,
                            _ => vk::IndexType::UINT32,
                        };
                        let size = self.s.buffers[ib].ty.element_size().max(1) as u32;
                        Some((g.buffer, ty, self.data[ib].len() as u32 / size))
                    }
                    (Draw::Array { indexed: true, .. }, None) => {
                        return Err("INDEXED draw without INDEX_DATA".into())
                    }
                    _ => None,
                };
                let viewport = p.viewport.unwrap_or(Viewport {
                    x: 0.0,
                    y: 0.0,
                    width: fw,
                    height: fh,
                    min_depth: 0.0,
                    max_depth: 1.0,
                });
                let extent = vk::Extent2D {
                    width: area.0,
                    height: area.1,
                };
                let draw = draw.clone();
                self.submit(&bufs, &imgs, |me, cb| {
                    let rbi = vk::RenderPassBeginInfo::default()
                        .render_pass(rp)
                        .framebuffer(fb)
                        .render_area(vk::Rect2D {
                            offset: vk::Offset2D::default(),
                            extent,
                        });
                    // SAFETY: recording; all handles are alive.
                    unsafe {
                        me.d.cmd_begin_render_pass(cb, &rbi, vk::SubpassContents::INLINE);
                        me.d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pl);
                        me.d.cmd_set_viewport(
                            cb,
                            0,
                            &[vk::Viewport {
                                x: viewport.x,
                                y: viewport.y,
                                width: viewport.width,
                                height: viewport.height,
                                min_depth: viewport.min_depth,
                                max_depth: viewport.max_depth,
                            }],
                        );
                        me.d.cmd_set_scissor(
                            cb,
                            0,
                            &[vk::Rect2D {
                                offset: vk::Offset2D::default(),
                                extent,
                            }],
                        );
                        if !sets.is_empty() {
                            me.d.cmd_bind_descriptor_sets(
                                cb,
                                vk::PipelineBindPoint::GRAPHICS,
                                layout,
                                0,
                                &sets,
                                &dynamic,
                            );
                        }
                        if push_len > 0 {
                            me.d.cmd_push_constants(
                                cb,
                                layout,
                                vk::ShaderStageFlags::ALL,
                                0,
                                &push[..push_len],
                            );
                        }
                        match (&draw, gen_buf) {
                            (_, Some((g, n))) => {
                                me.d.cmd_bind_vertex_buffers(cb, 0, &[g.buffer], &[0]);
                                me.d.cmd_draw(cb, n, 1, 0, 0);
                            }
                            (
                                Draw::Array {
                                    first,
                                    count,
                                    first_instance,
                                    instances,
                                    ..
                                },
                                None,
                            ) => {
                                if !vbufs.is_empty() {
                                    let offsets = vec![0; vbufs.len()];
                                    me.d.cmd_bind_vertex_buffers(cb, 0, &vbufs, &offsets);
                                }
                                match index {
                                    Some((ib, ty, n)) => {
                                        me.d.cmd_bind_index_buffer(cb, ib, 0, ty);
                                        let count = count.unwrap_or(n.saturating_sub(*first));
                                        me.d.cmd_draw_indexed(
                                            cb,
                                            count,
                                            *instances,
                                            *first,
                                            0,
                                            *first_instance,
                                        );
                                    }
                                    None => {
                                        let count =
                                            count.unwrap_or(default_count.saturating_sub(*first));
                                        me.d.cmd_draw(
                                            cb,
                                            count,
                                            *instances,
                                            *first,
                                            *first_instance,
                                        );
                                    }
                                }
                            }
                            _ => {}
                        }
                        me.d.cmd_end_render_pass(cb);
                    }
                    Ok(())
                })
            }
        }
    }
}

fn stencil_op(s: StencilOp) -> vk::StencilOp {
    match s {
        StencilOp::Keep => vk::StencilOp::KEEP,
        StencilOp::Zero => vk::StencilOp::ZERO,
        StencilOp::Replace => vk::StencilOp::REPLACE,
        StencilOp::IncrementAndClamp => vk::StencilOp::INCREMENT_AND_CLAMP,
        StencilOp::DecrementAndClamp => vk::StencilOp::DECREMENT_AND_CLAMP,
        StencilOp::Invert => vk::StencilOp::INVERT,
        StencilOp::IncrementAndWrap => vk::StencilOp::INCREMENT_AND_WRAP,
        StencilOp::DecrementAndWrap => vk::StencilOp::DECREMENT_AND_WRAP,
    }
}

fn blend_factor(b: BlendFactor) -> vk::BlendFactor {
    use BlendFactor::*;
    match b {
        Zero => vk::BlendFactor::ZERO,
        One => vk::BlendFactor::ONE,
        SrcColor => vk::BlendFactor::SRC_COLOR,
        OneMinusSrcColor => vk::BlendFactor::ONE_MINUS_SRC_COLOR,
        DstColor => vk::BlendFactor::DST_COLOR,
        OneMinusDstColor => vk::BlendFactor::ONE_MINUS_DST_COLOR,
        SrcAlpha => vk::BlendFactor::SRC_ALPHA,
        OneMinusSrcAlpha => vk::BlendFactor::ONE_MINUS_SRC_ALPHA,
        DstAlpha => vk::BlendFactor::DST_ALPHA,
        OneMinusDstAlpha => vk::BlendFactor::ONE_MINUS_DST_ALPHA,
        ConstantColor => vk::BlendFactor::CONSTANT_COLOR,
        OneMinusConstantColor => vk::BlendFactor::ONE_MINUS_CONSTANT_COLOR,
        ConstantAlpha => vk::BlendFactor::CONSTANT_ALPHA,
        OneMinusConstantAlpha => vk::BlendFactor::ONE_MINUS_CONSTANT_ALPHA,
        SrcAlphaSaturate => vk::BlendFactor::SRC_ALPHA_SATURATE,
    }
}

fn blend_op(b: BlendOp) -> vk::BlendOp {
    match b {
        BlendOp::Add => vk::BlendOp::ADD,
        BlendOp::Subtract => vk::BlendOp::SUBTRACT,
        BlendOp::ReverseSubtract => vk::BlendOp::REVERSE_SUBTRACT,
        BlendOp::Min => vk::BlendOp::MIN,
        BlendOp::Max => vk::BlendOp::MAX,
    }
}

/// The clear value for a colour attachment: floats for normalised and float formats, integers
/// (0..=255 scaled back) for integer formats.
fn clear_value(ty: &DataType, rgba: [f32; 4]) -> vk::ClearColorValue {
    use crate::format::Mode;
    let int_mode = match ty {
        DataType::Format(f) => f.components.first().map(|c| c.mode),
        _ => None,
    };
    match int_mode {
        Some(Mode::UInt) => vk::ClearColorValue {
            uint32: rgba.map(|c| (c * 255.0).round() as u32),
        },
        Some(Mode::SInt) => vk::ClearColorValue {
            int32: rgba.map(|c| (c * 255.0).round() as i32),
        },
        _ => vk::ClearColorValue { float32: rgba },
    }
}
