//! Instance, physical device and device creation: what the driver reports and refuses.

mod common;

use std::ffi::CStr;

use ash::vk;
use common::{entry, Ctx};

fn proc_addr(entry: &ash::Entry, instance: vk::Instance, name: &CStr) -> vk::PFN_vkVoidFunction {
    unsafe { (entry.static_fn().get_instance_proc_addr)(instance, name.as_ptr()) }
}

#[test]
fn proc_addr_answers_implemented_commands_and_aliases_only() {
    let ctx = Ctx::new();
    let inst = ctx.instance.handle();
    // Global commands without an instance; instance commands only with one.
    assert!(proc_addr(&ctx.entry, vk::Instance::null(), c"vkCreateInstance").is_some());
    assert!(proc_addr(
        &ctx.entry,
        vk::Instance::null(),
        c"vkEnumerateInstanceVersion"
    )
    .is_some());
    assert!(proc_addr(&ctx.entry, vk::Instance::null(), c"vkGetInstanceProcAddr").is_some());
    assert!(proc_addr(
        &ctx.entry,
        vk::Instance::null(),
        c"vkEnumeratePhysicalDevices"
    )
    .is_none());
    assert!(proc_addr(&ctx.entry, inst, c"vkEnumeratePhysicalDevices").is_some());
    // Promoted commands under their extension names resolve to the core command.
    let core = proc_addr(&ctx.entry, inst, c"vkGetPhysicalDeviceProperties2").unwrap();
    let khr = proc_addr(&ctx.entry, inst, c"vkGetPhysicalDeviceProperties2KHR").unwrap();
    assert_eq!(core as usize, khr as usize);
    let core = proc_addr(&ctx.entry, inst, c"vkCmdCopyBuffer2").unwrap();
    let khr = proc_addr(&ctx.entry, inst, c"vkCmdCopyBuffer2KHR").unwrap();
    assert_eq!(core as usize, khr as usize);
    // Not implemented: NULL.
    assert!(proc_addr(&ctx.entry, inst, c"vkCreateGraphicsPipelines").is_some());
    assert!(proc_addr(&ctx.entry, inst, c"vkCreateSampler").is_some());
    assert!(proc_addr(&ctx.entry, inst, c"vkCreateSamplerYcbcrConversion").is_none());
    assert!(proc_addr(&ctx.entry, inst, c"vkNoSuchCommand").is_none());
    // Device-level lookup refuses instance-level commands.
    let gdpa: vk::PFN_vkGetDeviceProcAddr = unsafe {
        std::mem::transmute(proc_addr(&ctx.entry, inst, c"vkGetDeviceProcAddr").unwrap())
    };
    let dev = ctx.device.handle();
    assert!(unsafe { gdpa(dev, c"vkQueueSubmit".as_ptr()) }.is_some());
    assert!(unsafe { gdpa(dev, c"vkQueueSubmit2KHR".as_ptr()) }.is_some());
    assert!(unsafe { gdpa(dev, c"vkCreateInstance".as_ptr()) }.is_none());
    assert!(unsafe { gdpa(dev, c"vkGetPhysicalDeviceProperties".as_ptr()) }.is_none());
    // The physical-device lookup the loader uses.
    let pdpa = vk_pumice::vk_icdGetPhysicalDeviceProcAddr;
    assert!(unsafe { pdpa(inst, c"vkGetPhysicalDeviceFormatProperties2".as_ptr()) }.is_some());
    assert!(unsafe { pdpa(inst, c"vkQueueSubmit".as_ptr()) }.is_none());
}

#[test]
fn every_listed_command_resolves() {
    let ctx = Ctx::new();
    for name in vk_pumice::entry::implemented_commands() {
        let c = std::ffi::CString::new(name).unwrap();
        assert!(
            proc_addr(&ctx.entry, ctx.instance.handle(), &c).is_some(),
            "{name}"
        );
    }
    assert!(vk_pumice::entry::implemented_commands().len() > 150);
}

#[test]
fn loader_interface_negotiation() {
    let mut v = 7u32;
    assert_eq!(
        unsafe { vk_pumice::vk_icdNegotiateLoaderICDInterfaceVersion(&mut v) },
        vk::Result::SUCCESS
    );
    assert_eq!(v, 7);
    let mut v = 99u32;
    assert_eq!(
        unsafe { vk_pumice::vk_icdNegotiateLoaderICDInterfaceVersion(&mut v) },
        vk::Result::SUCCESS
    );
    assert_eq!(v, 7);
    let mut v = 2u32;
    assert_eq!(
        unsafe { vk_pumice::vk_icdNegotiateLoaderICDInterfaceVersion(&mut v) },
        vk::Result::ERROR_INCOMPATIBLE_DRIVER
    );
    assert_eq!(
        unsafe { vk_pumice::vk_icdNegotiateLoaderICDInterfaceVersion(std::ptr::null_mut()) },
        vk::Result::ERROR_UNKNOWN
    );
}

#[test]
fn version_extensions_and_physical_device() {
    let entry = entry();
    assert_eq!(
        unsafe { entry.try_enumerate_instance_version() }.unwrap(),
        Some(vk::make_api_version(0, 1, 3, 281))
    );
    let exts = unsafe { entry.enumerate_instance_extension_properties(None) }.unwrap();
    let names: Vec<String> = exts
        .iter()
        .map(|e| {
            e.extension_name_as_c_str()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for want in [
        "VK_KHR_get_physical_device_properties2",
        "VK_EXT_debug_utils",
        "VK_KHR_device_group_creation",
    ] {
        assert!(names.iter().any(|n| n == want), "{want}");
    }
    // Unknown extension: refused.
    let bad = [c"VK_KHR_no_such_extension".as_ptr()];
    let err = unsafe {
        entry.create_instance(
            &vk::InstanceCreateInfo::default().enabled_extension_names(&bad),
            None,
        )
    };
    assert_eq!(err.err(), Some(vk::Result::ERROR_EXTENSION_NOT_PRESENT));

    let ctx = Ctx::new();
    let i = &ctx.instance;
    let props = unsafe { i.get_physical_device_properties(ctx.physical) };
    assert_eq!(props.device_type, vk::PhysicalDeviceType::CPU);
    assert!(props
        .device_name_as_c_str()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("Pumice"));
    assert!(props.limits.max_image_dimension2_d >= 4096);

    // pNext chains: the 1.1/1.2/1.3 structures, an unknown structure in the middle is skipped.
    let mut v11 = vk::PhysicalDeviceVulkan11Properties::default();
    let mut v12 = vk::PhysicalDeviceVulkan12Properties::default();
    let mut v13 = vk::PhysicalDeviceVulkan13Properties::default();
    let mut unknown = vk::PhysicalDeviceRayTracingPipelinePropertiesKHR::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default()
        .push_next(&mut v11)
        .push_next(&mut unknown)
        .push_next(&mut v12)
        .push_next(&mut v13);
    unsafe { i.get_physical_device_properties2(ctx.physical, &mut p2) };
    assert_eq!(p2.properties.device_type, vk::PhysicalDeviceType::CPU);
    assert!(v11.max_memory_allocation_size > 0);
    assert_eq!(
        v12.driver_name_as_c_str().unwrap().to_str().unwrap(),
        "Pumice"
    );
    assert_eq!(v12.max_timeline_semaphore_value_difference, u64::MAX);
    assert!(v13.max_buffer_size > 0);
    assert_eq!(unknown.shader_group_handle_size, 0);

    let mut f12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut f13 = vk::PhysicalDeviceVulkan13Features::default();
    let mut ts = vk::PhysicalDeviceTimelineSemaphoreFeatures::default();
    // Extension structures answer what the core ones do.
    let mut robust = vk::PhysicalDeviceImageRobustnessFeatures::default();
    let mut subgroup = vk::PhysicalDeviceSubgroupSizeControlFeatures::default();
    let mut imageless = vk::PhysicalDeviceImagelessFramebufferFeatures::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default()
        .push_next(&mut f12)
        .push_next(&mut f13)
        .push_next(&mut ts)
        .push_next(&mut robust)
        .push_next(&mut subgroup)
        .push_next(&mut imageless);
    unsafe { i.get_physical_device_features2(ctx.physical, &mut f2) };
    let geometry = f2.features.geometry_shader;
    let clip = f2.features.shader_clip_distance;
    assert_eq!(robust.robust_image_access, f13.robust_image_access);
    assert_eq!(subgroup.subgroup_size_control, f13.subgroup_size_control);
    assert_eq!(subgroup.compute_full_subgroups, f13.compute_full_subgroups);
    assert_eq!(imageless.imageless_framebuffer, f12.imageless_framebuffer);
    assert_eq!(f13.robust_image_access, vk::TRUE);
    assert_eq!(clip, vk::TRUE);
    let mut resolve = vk::PhysicalDeviceDepthStencilResolveProperties::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut resolve);
    unsafe { i.get_physical_device_properties2(ctx.physical, &mut p2) };
    assert!(resolve
        .supported_depth_resolve_modes
        .contains(vk::ResolveModeFlags::SAMPLE_ZERO));
    assert_eq!(f12.timeline_semaphore, vk::TRUE);
    assert_eq!(f12.host_query_reset, vk::TRUE);
    assert_eq!(f13.synchronization2, vk::TRUE);
    assert_eq!(ts.timeline_semaphore, vk::TRUE);
    // Geometry shaders and buffer device address capture-replay are not claimed; dynamic
    // rendering and buffer device addresses are.
    assert_eq!(geometry, vk::FALSE);
    assert_eq!(f12.buffer_device_address, vk::TRUE);
    assert_eq!(f12.buffer_device_address_capture_replay, vk::FALSE);
    assert_eq!(f13.dynamic_rendering, vk::TRUE);

    let families = unsafe { i.get_physical_device_queue_family_properties(ctx.physical) };
    assert_eq!(families.len(), 1);
    let f = families[0];
    assert!(f
        .queue_flags
        .contains(vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE | vk::QueueFlags::TRANSFER));
    assert!(f.queue_count >= 2);
    assert_eq!(f.timestamp_valid_bits, 64);
    assert_eq!(
        f.min_image_transfer_granularity,
        vk::Extent3D {
            width: 1,
            height: 1,
            depth: 1
        }
    );

    let mem = unsafe { i.get_physical_device_memory_properties(ctx.physical) };
    assert_eq!(mem.memory_heap_count, 1);
    assert!(mem.memory_heaps[0].size > 1 << 28);
    let flags = mem.memory_types[0].property_flags;
    assert!(flags.contains(
        vk::MemoryPropertyFlags::DEVICE_LOCAL
            | vk::MemoryPropertyFlags::HOST_VISIBLE
            | vk::MemoryPropertyFlags::HOST_COHERENT
            | vk::MemoryPropertyFlags::HOST_CACHED
    ));

    let groups = unsafe { i.enumerate_physical_device_groups_len() }.unwrap();
    assert_eq!(groups, 1);
}

#[test]
fn format_support_is_truthful() {
    let ctx = Ctx::new();
    let fp = |f| unsafe {
        ctx.instance
            .get_physical_device_format_properties(ctx.physical, f)
    };
    let rgba = fp(vk::Format::R8G8B8A8_UNORM);
    assert!(rgba.optimal_tiling_features.contains(
        vk::FormatFeatureFlags::TRANSFER_SRC
            | vk::FormatFeatureFlags::TRANSFER_DST
            | vk::FormatFeatureFlags::BLIT_SRC
            | vk::FormatFeatureFlags::BLIT_DST
    ));
    // Sampled and storage images, attachments, vertex and texel buffers are reported.
    assert!(rgba.optimal_tiling_features.contains(
        vk::FormatFeatureFlags::SAMPLED_IMAGE
            | vk::FormatFeatureFlags::SAMPLED_IMAGE_FILTER_LINEAR
            | vk::FormatFeatureFlags::STORAGE_IMAGE
            | vk::FormatFeatureFlags::COLOR_ATTACHMENT
    ));
    assert_eq!(
        rgba.buffer_features,
        vk::FormatFeatureFlags::VERTEX_BUFFER
            | vk::FormatFeatureFlags::UNIFORM_TEXEL_BUFFER
            | vk::FormatFeatureFlags::STORAGE_TEXEL_BUFFER
    );
    // sRGB formats are sampled but not stored to.
    let srgb = fp(vk::Format::R8G8B8A8_SRGB);
    assert!(srgb
        .optimal_tiling_features
        .contains(vk::FormatFeatureFlags::SAMPLED_IMAGE));
    assert!(!srgb
        .optimal_tiling_features
        .contains(vk::FormatFeatureFlags::STORAGE_IMAGE));
    for ds in [
        vk::Format::S8_UINT,
        vk::Format::D16_UNORM_S8_UINT,
        vk::Format::D24_UNORM_S8_UINT,
        vk::Format::D32_SFLOAT_S8_UINT,
    ] {
        assert!(fp(ds)
            .optimal_tiling_features
            .contains(vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT));
    }
    assert!(fp(vk::Format::D32_SFLOAT)
        .optimal_tiling_features
        .contains(vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT));
    // Compressed formats cannot be decoded yet: nothing.
    let bc1 = fp(vk::Format::BC1_RGB_UNORM_BLOCK);
    assert!(bc1.optimal_tiling_features.is_empty() && bc1.linear_tiling_features.is_empty());
    assert!(fp(vk::Format::D24_UNORM_S8_UINT)
        .optimal_tiling_features
        .contains(vk::FormatFeatureFlags::TRANSFER_DST));
    assert!(fp(vk::Format::from_raw(999_999))
        .optimal_tiling_features
        .is_empty());

    let ifp = |format, usage, tiling| unsafe {
        ctx.instance.get_physical_device_image_format_properties(
            ctx.physical,
            format,
            vk::ImageType::TYPE_2D,
            tiling,
            usage,
            vk::ImageCreateFlags::empty(),
        )
    };
    let ok = ifp(
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::TRANSFER_DST,
        vk::ImageTiling::OPTIMAL,
    )
    .unwrap();
    assert!(ok.max_extent.width >= 4096 && ok.max_mip_levels > 1 && ok.max_array_layers > 1);
    let linear = ifp(
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::TRANSFER_SRC,
        vk::ImageTiling::LINEAR,
    )
    .unwrap();
    assert_eq!(linear.max_mip_levels, 1);
    assert!(ifp(
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::SAMPLED,
        vk::ImageTiling::OPTIMAL
    )
    .is_ok());
    // Storage needs a format the packer encodes: not sRGB.
    assert_eq!(
        ifp(
            vk::Format::R8G8B8A8_SRGB,
            vk::ImageUsageFlags::STORAGE,
            vk::ImageTiling::OPTIMAL
        )
        .err(),
        Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)
    );
    assert_eq!(
        ifp(
            vk::Format::BC7_UNORM_BLOCK,
            vk::ImageUsageFlags::TRANSFER_DST,
            vk::ImageTiling::OPTIMAL
        )
        .err(),
        Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)
    );
}

#[test]
fn create_device_refuses_what_is_not_there() {
    let ctx = Ctx::new();
    let prio = [1.0];
    let queues = [vk::DeviceQueueCreateInfo::default()
        .queue_family_index(0)
        .queue_priorities(&prio)];
    let create = |info: &vk::DeviceCreateInfo| unsafe {
        ctx.instance.create_device(ctx.physical, info, None)
    };

    let geometry = vk::PhysicalDeviceFeatures::default().geometry_shader(true);
    let r = create(
        &vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_features(&geometry),
    );
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));

    let mut ray = vk::PhysicalDeviceVulkan12Features::default()
        .buffer_device_address(true)
        .buffer_device_address_capture_replay(true);
    let r = create(
        &vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .push_next(&mut ray),
    );
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));

    let mut f2 = vk::PhysicalDeviceFeatures2::default();
    f2.features.sampler_anisotropy = vk::TRUE;
    let r = create(
        &vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .push_next(&mut f2),
    );
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));

    let ext = [c"VK_KHR_swapchain".as_ptr()];
    let r = create(
        &vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_extension_names(&ext),
    );
    assert_eq!(r.err(), Some(vk::Result::ERROR_EXTENSION_NOT_PRESENT));

    // Supported features, extensions and an unknown structure in the chain: accepted.
    let mut sync2 = vk::PhysicalDeviceSynchronization2Features::default().synchronization2(true);
    let mut unknown = vk::PhysicalDeviceRayTracingPipelinePropertiesKHR::default();
    // An unknown structure at the end of the chain (ash's builder refuses to put it there).
    sync2.p_next = &mut unknown as *mut _ as *mut std::ffi::c_void;
    let ok_ext = [
        c"VK_KHR_timeline_semaphore".as_ptr(),
        c"VK_KHR_synchronization2".as_ptr(),
    ];
    let d = create(
        &vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_extension_names(&ok_ext)
            .push_next(&mut sync2),
    )
    .unwrap();
    let exts = unsafe {
        ctx.instance
            .enumerate_device_extension_properties(ctx.physical)
    }
    .unwrap();
    assert!(exts
        .iter()
        .any(|e| e.extension_name_as_c_str().unwrap() == c"VK_KHR_timeline_semaphore"));
    unsafe { d.destroy_device(None) };

    // Too many queues.
    let many = [1.0; 64];
    let queues = [vk::DeviceQueueCreateInfo::default()
        .queue_family_index(0)
        .queue_priorities(&many)];
    assert!(create(&vk::DeviceCreateInfo::default().queue_create_infos(&queues)).is_err());
}

#[test]
fn several_queues_work_independently() {
    let ctx = Ctx::with_queues(2);
    let q1 = unsafe { ctx.device.get_device_queue(0, 1) };
    assert_ne!(q1, ctx.queue);
    let a = ctx.buffer(256);
    a.bytes().fill(7);
    let b = ctx.buffer(256);
    unsafe {
        let cb = ctx.command_buffer();
        ctx.device
            .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        ctx.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: 256,
            }],
        );
        ctx.device.end_command_buffer(cb).unwrap();
        ctx.device
            .queue_submit(
                q1,
                &[vk::SubmitInfo::default().command_buffers(&[cb])],
                vk::Fence::null(),
            )
            .unwrap();
        ctx.device.queue_wait_idle(q1).unwrap();
    }
    assert!(b.bytes().iter().all(|&x| x == 7));
}

/// The features Vulkan 1.1, 1.2 and 1.3 require of every device are reported, in the core
/// structures and in their extensions' structures alike (each is tested where it works:
/// pumice-shader's tests/required_features.rs, tests/api_graphics.rs).
#[test]
fn features_required_by_the_reported_version() {
    let ctx = Ctx::new();
    let i = &ctx.instance;
    let mut f11 = vk::PhysicalDeviceVulkan11Features::default();
    let mut draw_parameters = vk::PhysicalDeviceShaderDrawParametersFeatures::default();
    let mut f12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut std_layout = vk::PhysicalDeviceUniformBufferStandardLayoutFeatures::default();
    let mut extended = vk::PhysicalDeviceShaderSubgroupExtendedTypesFeatures::default();
    let mut memory_model = vk::PhysicalDeviceVulkanMemoryModelFeatures::default();
    let mut f13 = vk::PhysicalDeviceVulkan13Features::default();
    let mut demote = vk::PhysicalDeviceShaderDemoteToHelperInvocationFeatures::default();
    let mut inline = vk::PhysicalDeviceInlineUniformBlockFeatures::default();
    let mut dot = vk::PhysicalDeviceShaderIntegerDotProductFeatures::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default()
        .push_next(&mut f11)
        .push_next(&mut draw_parameters)
        .push_next(&mut f12)
        .push_next(&mut std_layout)
        .push_next(&mut extended)
        .push_next(&mut memory_model)
        .push_next(&mut f13)
        .push_next(&mut demote)
        .push_next(&mut inline)
        .push_next(&mut dot);
    unsafe { i.get_physical_device_features2(ctx.physical, &mut f2) };
    assert_eq!(f11.shader_draw_parameters, vk::TRUE);
    assert_eq!(draw_parameters.shader_draw_parameters, vk::TRUE);
    assert_eq!(f12.uniform_buffer_standard_layout, vk::TRUE);
    assert_eq!(f12.subgroup_broadcast_dynamic_id, vk::TRUE);
    assert_eq!(f12.shader_subgroup_extended_types, vk::TRUE);
    assert_eq!(std_layout.uniform_buffer_standard_layout, vk::TRUE);
    assert_eq!(extended.shader_subgroup_extended_types, vk::TRUE);
    assert_eq!(f12.vulkan_memory_model, vk::TRUE);
    assert_eq!(f12.vulkan_memory_model_device_scope, vk::TRUE);
    assert_eq!(memory_model.vulkan_memory_model, vk::TRUE);
    assert_eq!(memory_model.vulkan_memory_model_device_scope, vk::TRUE);
    assert_eq!(f13.shader_demote_to_helper_invocation, vk::TRUE);
    assert_eq!(demote.shader_demote_to_helper_invocation, vk::TRUE);
    assert_eq!(f13.inline_uniform_block, vk::TRUE);
    assert_eq!(inline.inline_uniform_block, vk::TRUE);
    assert_eq!(f13.shader_integer_dot_product, vk::TRUE);
    assert_eq!(dot.shader_integer_dot_product, vk::TRUE);
    let mut inline_props = vk::PhysicalDeviceInlineUniformBlockProperties::default();
    let mut p13 = vk::PhysicalDeviceVulkan13Properties {
        // Whatever the application left there is overwritten.
        integer_dot_product8_bit_unsigned_accelerated: vk::TRUE,
        ..Default::default()
    };
    let mut dot_props = vk::PhysicalDeviceShaderIntegerDotProductProperties {
        integer_dot_product4x8_bit_packed_signed_accelerated: vk::TRUE,
        ..Default::default()
    };
    let mut p2 = vk::PhysicalDeviceProperties2::default()
        .push_next(&mut inline_props)
        .push_next(&mut p13)
        .push_next(&mut dot_props);
    unsafe { i.get_physical_device_properties2(ctx.physical, &mut p2) };
    assert_eq!(p13.integer_dot_product8_bit_unsigned_accelerated, vk::FALSE);
    assert_eq!(
        dot_props.integer_dot_product4x8_bit_packed_signed_accelerated,
        vk::FALSE
    );
    assert!(inline_props.max_inline_uniform_block_size >= 256);
    assert!(inline_props.max_descriptor_set_inline_uniform_blocks >= 4);
    assert!(p13.max_inline_uniform_total_size >= 256);
    assert!(p13.max_per_stage_descriptor_inline_uniform_blocks >= 4);
    let exts = unsafe {
        ctx.instance
            .enumerate_device_extension_properties(ctx.physical)
    }
    .unwrap();
    let has = |name: &std::ffi::CStr| {
        exts.iter()
            .any(|e| e.extension_name_as_c_str().unwrap() == name)
    };
    assert!(has(c"VK_KHR_uniform_buffer_standard_layout"));
    assert!(has(c"VK_KHR_shader_draw_parameters"));
    assert!(has(c"VK_KHR_vulkan_memory_model"));
    assert!(has(c"VK_EXT_shader_demote_to_helper_invocation"));
    assert!(has(c"VK_EXT_inline_uniform_block"));
    assert!(has(c"VK_KHR_shader_integer_dot_product"));
    assert!(has(c"VK_KHR_multiview"));
    assert_eq!(f11.multiview, vk::TRUE);
    assert!(has(c"VK_KHR_shader_subgroup_extended_types"));
}
