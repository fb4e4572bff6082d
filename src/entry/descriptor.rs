//! Descriptor set layouts, descriptor pools and sets, descriptor updates and update templates.

use std::ffi::c_void;

use ash::vk::{self, Handle};

use crate::descriptor::{
    class, Descriptor, DescriptorClass, DescriptorPool, DescriptorSet, DescriptorSetLayout,
    DescriptorUpdateTemplate, LayoutBinding, WriteData,
};
use crate::entry::device::device_ref;
use crate::entry::entry_points;
use crate::handle;
use crate::sampler::Sampler;

/// A layout from its create info.
///
/// # Safety
/// `info` must be a valid create info (arrays of the sizes it says, a valid chain).
unsafe fn layout(
    info: &vk::DescriptorSetLayoutCreateInfo,
) -> Result<DescriptorSetLayout, vk::Result> {
    // SAFETY: forwarded contract; the arrays are read with the counts the application gave.
    unsafe {
        let bindings = handle::slice(info.p_bindings, info.binding_count);
        let flags = handle::find::<vk::DescriptorSetLayoutBindingFlagsCreateInfo>(info.p_next)
            .map(|f| handle::slice(f.p_binding_flags, f.binding_count))
            .unwrap_or(&[]);
        // VUID-VkDescriptorSetLayoutBindingFlagsCreateInfo-bindingCount-03002: zero, or one
        // flags word per binding.
        if !flags.is_empty() && flags.len() != bindings.len() {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        let bindings = bindings
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let samplers = b.descriptor_type == vk::DescriptorType::SAMPLER
                    || b.descriptor_type == vk::DescriptorType::COMBINED_IMAGE_SAMPLER;
                let immutable_samplers = if samplers {
                    let mut states = Vec::new();
                    for &s in handle::slice(b.p_immutable_samplers, b.descriptor_count) {
                        states.push(handle::get::<_, Sampler>(s)?.state);
                    }
                    states
                } else {
                    Vec::new()
                };
                Ok(LayoutBinding {
                    binding: b.binding,
                    ty: b.descriptor_type,
                    count: b.descriptor_count,
                    stages: b.stage_flags,
                    flags: flags.get(i).copied().unwrap_or_default(),
                    immutable_samplers,
                    dynamic_base: 0,
                })
            })
            .collect::<Result<Vec<_>, vk::Result>>()?;
        DescriptorSetLayout::new(info.flags, bindings)
    }
}

/// One descriptor of an update.
///
/// # Safety
/// `ptr` must point to the structure `class` names (`VkDescriptorImageInfo`,
/// `VkDescriptorBufferInfo` or `VkBufferView`), possibly unaligned, whose handles are live or
/// null where the descriptor type reads them.
unsafe fn read_descriptor(
    ty: vk::DescriptorType,
    class: DescriptorClass,
    ptr: *const u8,
) -> Result<Descriptor, vk::Result> {
    // SAFETY: forwarded contract. Only the handles the type uses are turned into objects: a
    // sampler write's image view may be anything. Samplers are copied as their state.
    unsafe {
        Ok(match class {
            DescriptorClass::Image => {
                let info = (ptr as *const vk::DescriptorImageInfo).read_unaligned();
                if ty == vk::DescriptorType::SAMPLER {
                    match handle::get_optional::<_, Sampler>(info.sampler)? {
                        Some(s) => Descriptor::Sampler(s.state),
                        None => Descriptor::Empty,
                    }
                } else {
                    let sampler = if ty == vk::DescriptorType::COMBINED_IMAGE_SAMPLER {
                        handle::get_optional::<_, Sampler>(info.sampler)?.map(|s| s.state)
                    } else {
                        None
                    };
                    Descriptor::Image {
                        view: handle::get_optional(info.image_view)?,
                        layout: info.image_layout,
                        sampler,
                    }
                }
            }
            DescriptorClass::Buffer => {
                let info = (ptr as *const vk::DescriptorBufferInfo).read_unaligned();
                match handle::get_optional(info.buffer)? {
                    Some(buffer) => Descriptor::Buffer {
                        buffer,
                        offset: info.offset,
                        range: info.range,
                    },
                    None => Descriptor::Empty,
                }
            }
            DescriptorClass::TexelBuffer => {
                let view = (ptr as *const vk::BufferView).read_unaligned();
                handle::get_optional(view)?.map_or(Descriptor::Empty, Descriptor::TexelBuffer)
            }
            DescriptorClass::InlineUniformBlock => return Err(vk::Result::ERROR_UNKNOWN),
        })
    }
}

/// `count` descriptors of type `ty`, the `i`-th at `base + i * stride`.
///
/// # Safety
/// As [`read_descriptor`], for each of the `count` elements.
unsafe fn read_descriptors(
    ty: vk::DescriptorType,
    base: *const u8,
    count: u32,
    stride: usize,
) -> Result<WriteData, vk::Result> {
    let class = class(ty).ok_or(vk::Result::ERROR_FEATURE_NOT_PRESENT)?;
    if class == DescriptorClass::InlineUniformBlock {
        // SAFETY: forwarded contract: an inline uniform block's data is `count` bytes.
        return Ok(WriteData::Bytes(
            unsafe { handle::slice(base, count) }.to_vec(),
        ));
    }
    if base.is_null() && count > 0 {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    (0..count as usize)
        // SAFETY: forwarded contract; `base + i * stride` is the i-th element.
        .map(|i| unsafe { read_descriptor(ty, class, base.wrapping_add(i * stride)) })
        .collect::<Result<_, _>>()
        .map(WriteData::Descriptors)
}

/// Applies one `VkWriteDescriptorSet`.
///
/// # Safety
/// `w` must be a valid write (its arrays hold `descriptorCount` elements of the type's kind).
unsafe fn apply_write(w: &vk::WriteDescriptorSet) -> Result<(), vk::Result> {
    // SAFETY: forwarded contract.
    unsafe {
        let set = handle::get::<_, DescriptorSet>(w.dst_set)?;
        let class = class(w.descriptor_type).ok_or(vk::Result::ERROR_FEATURE_NOT_PRESENT)?;
        let (base, stride): (*const u8, usize) = match class {
            DescriptorClass::Image => (
                w.p_image_info as *const u8,
                size_of::<vk::DescriptorImageInfo>(),
            ),
            DescriptorClass::Buffer => (
                w.p_buffer_info as *const u8,
                size_of::<vk::DescriptorBufferInfo>(),
            ),
            DescriptorClass::TexelBuffer => (
                w.p_texel_buffer_view as *const u8,
                size_of::<vk::BufferView>(),
            ),
            DescriptorClass::InlineUniformBlock => {
                // Spec: the data comes from VkWriteDescriptorSetInlineUniformBlock, whose
                // dataSize "must be equal to descriptorCount".
                let block = handle::find::<vk::WriteDescriptorSetInlineUniformBlock>(w.p_next)
                    .ok_or(vk::Result::ERROR_UNKNOWN)?;
                (block.p_data as *const u8, 1)
            }
        };
        let data = read_descriptors(w.descriptor_type, base, w.descriptor_count, stride)?;
        set.write(w.dst_binding, w.dst_array_element, w.descriptor_type, data)
    }
}

/// Applies one `VkCopyDescriptorSet`.
///
/// # Safety
/// `c` must name live sets.
unsafe fn apply_copy(c: &vk::CopyDescriptorSet) -> Result<(), vk::Result> {
    // SAFETY: forwarded contract.
    let (src, dst) = unsafe {
        (
            handle::get::<_, DescriptorSet>(c.src_set)?,
            handle::get::<_, DescriptorSet>(c.dst_set)?,
        )
    };
    // Read, then write: the source's lock is released before the destination's is taken, so a
    // copy within one set does not deadlock.
    let (ty, data) = src.read(c.src_binding, c.src_array_element, c.descriptor_count)?;
    dst.write(c.dst_binding, c.dst_array_element, ty, data)
}

/// Reports an update that was not applied (it broke a valid-usage rule).
///
/// # Safety
/// `device` must be a live device.
unsafe fn report(device: vk::Device, what: &str, set: u64, e: vk::Result) {
    // SAFETY: forwarded contract.
    if let Ok(dev) = unsafe { device_ref(device) } {
        dev.shared.debug.error(
            format!("{what} skipped: {e:?}"),
            (vk::ObjectType::DESCRIPTOR_SET, set),
        );
    }
}

/// Destroys sets whose handles a pool has let go of.
///
/// # Safety
/// Each raw value must be a live set handle no one else will destroy.
unsafe fn destroy_sets(raws: impl IntoIterator<Item = u64>) {
    for raw in raws {
        // SAFETY: forwarded contract.
        unsafe { handle::destroy::<_, DescriptorSet>(vk::DescriptorSet::from_raw(raw)) };
    }
}

entry_points! {
    Device fn vkCreateDescriptorSetLayout(
        _device: vk::Device,
        p_create_info: *const vk::DescriptorSetLayoutCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_layout: *mut vk::DescriptorSetLayout,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let l = layout(handle::req(p_create_info)?)?;
            handle::write(p_layout, handle::new_handle(l))
        }
    }

    Device fn vkDestroyDescriptorSetLayout(_device: vk::Device, layout: vk::DescriptorSetLayout, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live layout (or null), not used afterwards.
        unsafe { handle::destroy::<_, DescriptorSetLayout>(layout) };
    }

    Device fn vkGetDescriptorSetLayoutSupport(
        _device: vk::Device,
        p_create_info: *const vk::DescriptorSetLayoutCreateInfo,
        p_support: *mut vk::DescriptorSetLayoutSupport,
    ) {
        use vk::TaggedStructure;
        // SAFETY: valid usage: a valid create info and a writable output chain.
        unsafe {
            let Ok(info) = handle::req(p_create_info) else { return };
            let (supported, variable) = layout(info).map_or((false, 0), |l| l.support());
            for (s_type, ptr) in handle::chain_mut(p_support as *mut c_void) {
                match s_type {
                    vk::DescriptorSetLayoutSupport::STRUCTURE_TYPE => {
                        handle::cast_mut::<vk::DescriptorSetLayoutSupport>(ptr).supported = supported.into();
                    }
                    vk::DescriptorSetVariableDescriptorCountLayoutSupport::STRUCTURE_TYPE => {
                        handle::cast_mut::<vk::DescriptorSetVariableDescriptorCountLayoutSupport>(ptr).max_variable_descriptor_count = variable;
                    }
                    _ => {}
                }
            }
        }
    }

    Device fn vkCreateDescriptorPool(
        _device: vk::Device,
        p_create_info: *const vk::DescriptorPoolCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_pool: *mut vk::DescriptorPool,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let pool = DescriptorPool::new(info.flags, info.max_sets, handle::slice(info.p_pool_sizes, info.pool_size_count))?;
            handle::write(p_pool, handle::new_handle(pool))
        }
    }

    Device fn vkDestroyDescriptorPool(_device: vk::Device, pool: vk::DescriptorPool, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live pool (or null), not used afterwards; its sets go with it.
        unsafe {
            if let Some(p) = handle::destroy::<_, DescriptorPool>(pool) {
                destroy_sets(p.take_all());
            }
        }
    }

    Device fn vkResetDescriptorPool(_device: vk::Device, pool: vk::DescriptorPool, _flags: vk::DescriptorPoolResetFlags) -> Result {
        // SAFETY: valid usage: a live pool; its sets are freed and not used afterwards.
        unsafe {
            let p = handle::get::<_, DescriptorPool>(pool)?;
            destroy_sets(p.take_all());
        }
        Ok(())
    }

    Device fn vkAllocateDescriptorSets(
        _device: vk::Device,
        p_info: *const vk::DescriptorSetAllocateInfo,
        p_sets: *mut vk::DescriptorSet,
    ) -> Result {
        // SAFETY: valid usage: a valid info with a live pool and layouts, and room for
        // `descriptorSetCount` handles.
        unsafe {
            let info = handle::req(p_info)?;
            let pool = handle::get::<_, DescriptorPool>(info.descriptor_pool)?;
            if p_sets.is_null() {
                return Err(vk::Result::ERROR_UNKNOWN);
            }
            let layouts = handle::slice(info.p_set_layouts, info.descriptor_set_count);
            let variable = handle::find::<vk::DescriptorSetVariableDescriptorCountAllocateInfo>(info.p_next)
                .map(|v| handle::slice(v.p_descriptor_counts, v.descriptor_set_count))
                .unwrap_or(&[]);
            let mut made: Vec<vk::DescriptorSet> = Vec::with_capacity(layouts.len());
            for (i, &l) in layouts.iter().enumerate() {
                let set = handle::get::<_, DescriptorSetLayout>(l).and_then(|l| pool.allocate(l, variable.get(i).copied()));
                match set {
                    Ok(s) => made.push(s),
                    Err(e) => {
                        // Spec: "If the creation of any of those descriptor sets fails, then the
                        // implementation must destroy all successfully created descriptor set
                        // objects from this command, set all entries of the pDescriptorSets
                        // array to VK_NULL_HANDLE and return the error."
                        for s in made {
                            if pool.release(s.as_raw()) {
                                destroy_sets([s.as_raw()]);
                            }
                        }
                        for j in 0..layouts.len() {
                            p_sets.add(j).write(vk::DescriptorSet::null());
                        }
                        return Err(e);
                    }
                }
            }
            for (j, s) in made.into_iter().enumerate() {
                p_sets.add(j).write(s);
            }
        }
        Ok(())
    }

    Device fn vkFreeDescriptorSets(_device: vk::Device, pool: vk::DescriptorPool, count: u32, p_sets: *const vk::DescriptorSet) -> Result {
        // Spec: freeing needs a pool created with FREE_DESCRIPTOR_SET; without it the call is
        // invalid usage. Pumice frees anyway: nothing fragments, and a leak helps no one.
        // SAFETY: valid usage: a live pool and its own sets (or nulls). A handle the pool does
        // not know is left alone rather than destroyed twice.
        unsafe {
            let p = handle::get::<_, DescriptorPool>(pool)?;
            for &s in handle::slice(p_sets, count) {
                if !s.is_null() && p.release(s.as_raw()) {
                    destroy_sets([s.as_raw()]);
                }
            }
        }
        Ok(())
    }

    Device fn vkUpdateDescriptorSets(
        device: vk::Device,
        write_count: u32,
        p_writes: *const vk::WriteDescriptorSet,
        copy_count: u32,
        p_copies: *const vk::CopyDescriptorSet,
    ) {
        // Spec: "The operations described by pDescriptorWrites are performed first, followed by
        // the operations described by pDescriptorCopies."
        // SAFETY: valid usage: `write_count` valid writes and `copy_count` valid copies.
        unsafe {
            for w in handle::slice(p_writes, write_count) {
                if let Err(e) = apply_write(w) {
                    report(device, "descriptor write", w.dst_set.as_raw(), e);
                }
            }
            for c in handle::slice(p_copies, copy_count) {
                if let Err(e) = apply_copy(c) {
                    report(device, "descriptor copy", c.dst_set.as_raw(), e);
                }
            }
        }
    }

    Device fn vkCreateDescriptorUpdateTemplate(
        _device: vk::Device,
        p_create_info: *const vk::DescriptorUpdateTemplateCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_template: *mut vk::DescriptorUpdateTemplate,
    ) -> Result {
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let entries = handle::slice(info.p_descriptor_update_entries, info.descriptor_update_entry_count);
            let template = DescriptorUpdateTemplate::new(info.template_type, entries)?;
            handle::write(p_template, handle::new_handle(template))
        }
    }

    Device fn vkDestroyDescriptorUpdateTemplate(
        _device: vk::Device,
        template: vk::DescriptorUpdateTemplate,
        _p_allocator: *const vk::AllocationCallbacks,
    ) {
        // SAFETY: valid usage: a live template (or null), not used afterwards.
        unsafe { handle::destroy::<_, DescriptorUpdateTemplate>(template) };
    }

    Device fn vkUpdateDescriptorSetWithTemplate(
        device: vk::Device,
        set: vk::DescriptorSet,
        template: vk::DescriptorUpdateTemplate,
        p_data: *const c_void,
    ) {
        // SAFETY: valid usage: live handles, and `p_data` laid out as the template's entries
        // say (each entry's elements at `offset + i * stride`).
        unsafe {
            let (Ok(s), Ok(t)) = (handle::get::<_, DescriptorSet>(set), handle::get::<_, DescriptorUpdateTemplate>(template)) else { return };
            if p_data.is_null() {
                return;
            }
            for e in &t.entries {
                let base = (p_data as *const u8).wrapping_add(e.offset);
                let result = read_descriptors(e.descriptor_type, base, e.descriptor_count, e.stride)
                    .and_then(|data| s.write(e.dst_binding, e.dst_array_element, e.descriptor_type, data));
                if let Err(err) = result {
                    report(device, "descriptor template update", set.as_raw(), err);
                }
            }
        }
    }
}
