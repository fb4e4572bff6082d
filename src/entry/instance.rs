//! Instance and physical-device commands.

use std::ffi::{c_char, c_void};
use std::mem::offset_of;
use std::sync::Arc;

use ash::vk;

use crate::debug_utils::DebugUtils;
use crate::entry::{entry_points, lookup, Level};
use crate::format_support;
use crate::handle::{self, Dispatchable};
use crate::instance::{check_extensions, Instance, INSTANCE_EXTENSIONS};
use crate::physical_device::{copy_cstr, PhysicalDevice, API_VERSION};

pub(crate) fn extension_properties(list: &[(&str, u32)]) -> Vec<vk::ExtensionProperties> {
    list.iter()
        .map(|(name, version)| {
            let mut p = vk::ExtensionProperties {
                spec_version: *version,
                ..Default::default()
            };
            copy_cstr(&mut p.extension_name, name);
            p
        })
        .collect()
}

/// The physical device behind a handle.
///
/// # Safety
/// `handle` must be a live physical device handle.
pub(crate) unsafe fn physical<'a>(
    handle: vk::PhysicalDevice,
) -> Result<&'a PhysicalDevice, vk::Result> {
    // SAFETY: forwarded contract.
    unsafe { handle::dispatchable(handle) }
}

/// Names of the application's string array.
///
/// # Safety
/// `names` must hold `count` NUL-terminated strings.
pub(crate) unsafe fn names<'a>(
    names: *const *const c_char,
    count: u32,
) -> impl Iterator<Item = &'a str> {
    // SAFETY: forwarded contract.
    unsafe { handle::slice(names, count) }
        .iter()
        // SAFETY: each element is a NUL-terminated string.
        .map(|&p| {
            unsafe { handle::cstr(p) }
                .and_then(|s| s.to_str().ok())
                .unwrap_or("")
        })
}

macro_rules! feature_structs {
    ($($t:ident),* $(,)?) => {
        /// The Bool32 members of a features structure in a chain, after its header.
        ///
        /// # Safety
        /// `ptr` must point to a writable structure whose sType is `s_type`.
        pub(crate) unsafe fn feature_bools<'a>(s_type: vk::StructureType, ptr: *mut c_void) -> Option<&'a mut [vk::Bool32]> {
            use vk::TaggedStructure;
            $(
                if s_type == vk::$t::STRUCTURE_TYPE {
                    let start = offset_of!(vk::$t<'static>, p_next) + std::mem::size_of::<*mut c_void>();
                    let end = offset_of!(vk::$t<'static>, _marker);
                    // SAFETY: every features structure is its header followed by Bool32 members
                    // only (`VkPhysicalDeviceFeatures2` nests a structure of Bool32s), up to the
                    // zero-sized marker; the caller guarantees the type and writability.
                    return Some(unsafe {
                        std::slice::from_raw_parts_mut((ptr as *mut u8).add(start) as *mut vk::Bool32, (end - start) / 4)
                    });
                }
            )*
            None
        }

        /// What Pumice supports for a features structure type, as its Bool32 members.
        pub(crate) fn supported_feature_bools(pd: &PhysicalDevice, s_type: vk::StructureType) -> Option<Vec<vk::Bool32>> {
            use vk::TaggedStructure;
            $(
                if s_type == vk::$t::STRUCTURE_TYPE {
                    let mut s = vk::$t::default();
                    let ptr = &mut s as *mut vk::$t as *mut c_void;
                    // SAFETY: `s` is a live structure of the type `s_type` names.
                    unsafe { fill_features(pd, s_type, ptr) };
                    // SAFETY: as above.
                    return unsafe { feature_bools(s_type, ptr) }.map(|b| b.to_vec());
                }
            )*
            None
        }
    };
}

feature_structs!(
    PhysicalDeviceFeatures2,
    PhysicalDeviceVulkan11Features,
    PhysicalDeviceVulkan12Features,
    PhysicalDeviceVulkan13Features,
    PhysicalDevice16BitStorageFeatures,
    PhysicalDeviceMultiviewFeatures,
    PhysicalDeviceVariablePointersFeatures,
    PhysicalDeviceProtectedMemoryFeatures,
    PhysicalDeviceSamplerYcbcrConversionFeatures,
    PhysicalDeviceShaderDrawParametersFeatures,
    PhysicalDevice8BitStorageFeatures,
    PhysicalDeviceShaderAtomicInt64Features,
    PhysicalDeviceShaderFloat16Int8Features,
    PhysicalDeviceDescriptorIndexingFeatures,
    PhysicalDeviceScalarBlockLayoutFeatures,
    PhysicalDeviceImagelessFramebufferFeatures,
    PhysicalDeviceUniformBufferStandardLayoutFeatures,
    PhysicalDeviceShaderSubgroupExtendedTypesFeatures,
    PhysicalDeviceSeparateDepthStencilLayoutsFeatures,
    PhysicalDeviceHostQueryResetFeatures,
    PhysicalDeviceTimelineSemaphoreFeatures,
    PhysicalDeviceBufferDeviceAddressFeatures,
    PhysicalDeviceVulkanMemoryModelFeatures,
    PhysicalDeviceImageRobustnessFeatures,
    PhysicalDeviceInlineUniformBlockFeatures,
    PhysicalDevicePipelineCreationCacheControlFeatures,
    PhysicalDevicePrivateDataFeatures,
    PhysicalDeviceShaderDemoteToHelperInvocationFeatures,
    PhysicalDeviceShaderTerminateInvocationFeatures,
    PhysicalDeviceSubgroupSizeControlFeatures,
    PhysicalDeviceSynchronization2Features,
    PhysicalDeviceTextureCompressionASTCHDRFeatures,
    PhysicalDeviceZeroInitializeWorkgroupMemoryFeatures,
    PhysicalDeviceDynamicRenderingFeatures,
    PhysicalDeviceShaderIntegerDotProductFeatures,
    PhysicalDeviceMaintenance4Features,
);

/// Fills one features structure of a chain with what Pumice supports.
///
/// # Safety
/// `ptr` must point to a writable structure whose sType is `s_type`.
unsafe fn fill_features(pd: &PhysicalDevice, s_type: vk::StructureType, ptr: *mut c_void) {
    use vk::TaggedStructure;
    // SAFETY: forwarded contract; everything unknown is left alone, everything known starts
    // from "not supported".
    let Some(bools) = (unsafe { feature_bools(s_type, ptr) }) else {
        return;
    };
    bools.fill(vk::FALSE);
    let mut v11 = vk::PhysicalDeviceVulkan11Features::default();
    pd.vulkan11_features(&mut v11);
    let mut v12 = vk::PhysicalDeviceVulkan12Features::default();
    pd.vulkan12_features(&mut v12);
    let mut v13 = vk::PhysicalDeviceVulkan13Features::default();
    pd.vulkan13_features(&mut v13);
    // SAFETY (each cast below): the sType was just matched to the type.
    unsafe {
        match s_type {
            vk::PhysicalDeviceFeatures2::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceFeatures2>(ptr).features = pd.features();
            }
            vk::PhysicalDeviceVulkan11Features::STRUCTURE_TYPE => {
                pd.vulkan11_features(handle::cast_mut(ptr));
            }
            vk::PhysicalDeviceVulkan12Features::STRUCTURE_TYPE => {
                pd.vulkan12_features(handle::cast_mut(ptr));
            }
            vk::PhysicalDeviceVulkan13Features::STRUCTURE_TYPE => {
                pd.vulkan13_features(handle::cast_mut(ptr));
            }
            vk::PhysicalDeviceTimelineSemaphoreFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceTimelineSemaphoreFeatures>(ptr)
                    .timeline_semaphore = v12.timeline_semaphore;
            }
            vk::PhysicalDeviceBufferDeviceAddressFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceBufferDeviceAddressFeatures>(ptr)
                    .buffer_device_address = v12.buffer_device_address;
            }
            vk::PhysicalDeviceHostQueryResetFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceHostQueryResetFeatures>(ptr)
                    .host_query_reset = v12.host_query_reset;
            }
            vk::PhysicalDeviceSynchronization2Features::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceSynchronization2Features>(ptr)
                    .synchronization2 = v13.synchronization2;
            }
            vk::PhysicalDeviceMaintenance4Features::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceMaintenance4Features>(ptr).maintenance4 =
                    v13.maintenance4;
            }
            vk::PhysicalDeviceShaderTerminateInvocationFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceShaderTerminateInvocationFeatures>(ptr)
                    .shader_terminate_invocation = v13.shader_terminate_invocation;
            }
            vk::PhysicalDeviceShaderDemoteToHelperInvocationFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceShaderDemoteToHelperInvocationFeatures>(ptr)
                    .shader_demote_to_helper_invocation = v13.shader_demote_to_helper_invocation;
            }
            vk::PhysicalDeviceInlineUniformBlockFeatures::STRUCTURE_TYPE => {
                let f = handle::cast_mut::<vk::PhysicalDeviceInlineUniformBlockFeatures>(ptr);
                f.inline_uniform_block = v13.inline_uniform_block;
                f.descriptor_binding_inline_uniform_block_update_after_bind =
                    v13.descriptor_binding_inline_uniform_block_update_after_bind;
            }
            vk::PhysicalDeviceShaderIntegerDotProductFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceShaderIntegerDotProductFeatures>(ptr)
                    .shader_integer_dot_product = v13.shader_integer_dot_product;
            }
            vk::PhysicalDevicePrivateDataFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDevicePrivateDataFeatures>(ptr).private_data =
                    v13.private_data;
            }
            vk::PhysicalDeviceZeroInitializeWorkgroupMemoryFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceZeroInitializeWorkgroupMemoryFeatures>(ptr)
                    .shader_zero_initialize_workgroup_memory =
                    v13.shader_zero_initialize_workgroup_memory;
            }
            vk::PhysicalDeviceDynamicRenderingFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceDynamicRenderingFeatures>(ptr)
                    .dynamic_rendering = v13.dynamic_rendering;
            }
            vk::PhysicalDeviceImagelessFramebufferFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceImagelessFramebufferFeatures>(ptr)
                    .imageless_framebuffer = v12.imageless_framebuffer;
            }
            vk::PhysicalDeviceSeparateDepthStencilLayoutsFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceSeparateDepthStencilLayoutsFeatures>(ptr)
                    .separate_depth_stencil_layouts = v12.separate_depth_stencil_layouts;
            }
            vk::PhysicalDeviceMultiviewFeatures::STRUCTURE_TYPE => {
                let f = handle::cast_mut::<vk::PhysicalDeviceMultiviewFeatures>(ptr);
                f.multiview = v11.multiview;
                f.multiview_geometry_shader = v11.multiview_geometry_shader;
                f.multiview_tessellation_shader = v11.multiview_tessellation_shader;
            }
            vk::PhysicalDeviceShaderDrawParametersFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceShaderDrawParametersFeatures>(ptr)
                    .shader_draw_parameters = v11.shader_draw_parameters;
            }
            vk::PhysicalDeviceVulkanMemoryModelFeatures::STRUCTURE_TYPE => {
                let f = handle::cast_mut::<vk::PhysicalDeviceVulkanMemoryModelFeatures>(ptr);
                f.vulkan_memory_model = v12.vulkan_memory_model;
                f.vulkan_memory_model_device_scope = v12.vulkan_memory_model_device_scope;
                f.vulkan_memory_model_availability_visibility_chains =
                    v12.vulkan_memory_model_availability_visibility_chains;
            }
            vk::PhysicalDeviceUniformBufferStandardLayoutFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceUniformBufferStandardLayoutFeatures>(ptr)
                    .uniform_buffer_standard_layout = v12.uniform_buffer_standard_layout;
            }
            vk::PhysicalDeviceShaderSubgroupExtendedTypesFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceShaderSubgroupExtendedTypesFeatures>(ptr)
                    .shader_subgroup_extended_types = v12.shader_subgroup_extended_types;
            }
            vk::PhysicalDeviceImageRobustnessFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceImageRobustnessFeatures>(ptr)
                    .robust_image_access = v13.robust_image_access;
            }
            vk::PhysicalDevicePipelineCreationCacheControlFeatures::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDevicePipelineCreationCacheControlFeatures>(ptr)
                    .pipeline_creation_cache_control = v13.pipeline_creation_cache_control;
            }
            vk::PhysicalDeviceSubgroupSizeControlFeatures::STRUCTURE_TYPE => {
                let f = handle::cast_mut::<vk::PhysicalDeviceSubgroupSizeControlFeatures>(ptr);
                f.subgroup_size_control = v13.subgroup_size_control;
                f.compute_full_subgroups = v13.compute_full_subgroups;
            }
            _ => {}
        }
    }
}

/// Fills one properties structure of a chain.
///
/// # Safety
/// `ptr` must point to a writable structure whose sType is `s_type`.
unsafe fn fill_properties(pd: &PhysicalDevice, s_type: vk::StructureType, ptr: *mut c_void) {
    use vk::TaggedStructure;
    let mut v11 = vk::PhysicalDeviceVulkan11Properties::default();
    pd.vulkan11_properties(&mut v11);
    let mut v12 = vk::PhysicalDeviceVulkan12Properties::default();
    pd.vulkan12_properties(&mut v12);
    let mut v13 = vk::PhysicalDeviceVulkan13Properties::default();
    pd.vulkan13_properties(&mut v13);
    // SAFETY (each cast below): the sType was just matched to the type.
    unsafe {
        match s_type {
            vk::PhysicalDeviceProperties2::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceProperties2>(ptr).properties = pd.properties();
            }
            vk::PhysicalDeviceVulkan11Properties::STRUCTURE_TYPE => {
                pd.vulkan11_properties(handle::cast_mut(ptr))
            }
            vk::PhysicalDeviceVulkan12Properties::STRUCTURE_TYPE => {
                pd.vulkan12_properties(handle::cast_mut(ptr))
            }
            vk::PhysicalDeviceVulkan13Properties::STRUCTURE_TYPE => {
                // Everything not set below (the integer dot product "accelerated" flags:
                // nothing is) reads false and zero.
                let p = handle::cast_mut::<vk::PhysicalDeviceVulkan13Properties>(ptr);
                let next = p.p_next;
                *p = vk::PhysicalDeviceVulkan13Properties::default();
                p.p_next = next;
                pd.vulkan13_properties(p)
            }
            vk::PhysicalDeviceShaderIntegerDotProductProperties::STRUCTURE_TYPE => {
                // Integer dot products are lowered to plain arithmetic: none is accelerated.
                let p =
                    handle::cast_mut::<vk::PhysicalDeviceShaderIntegerDotProductProperties>(ptr);
                let next = p.p_next;
                *p = vk::PhysicalDeviceShaderIntegerDotProductProperties::default();
                p.p_next = next;
            }
            vk::PhysicalDeviceIDProperties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceIDProperties>(ptr);
                p.device_uuid = v11.device_uuid;
                p.driver_uuid = v11.driver_uuid;
                p.device_luid = v11.device_luid;
                p.device_node_mask = v11.device_node_mask;
                p.device_luid_valid = v11.device_luid_valid;
            }
            vk::PhysicalDeviceDriverProperties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceDriverProperties>(ptr);
                p.driver_id = v12.driver_id;
                p.driver_name = v12.driver_name;
                p.driver_info = v12.driver_info;
                p.conformance_version = v12.conformance_version;
            }
            vk::PhysicalDeviceMaintenance3Properties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceMaintenance3Properties>(ptr);
                p.max_per_set_descriptors = v11.max_per_set_descriptors;
                p.max_memory_allocation_size = v11.max_memory_allocation_size;
            }
            vk::PhysicalDeviceDepthStencilResolveProperties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceDepthStencilResolveProperties>(ptr);
                p.supported_depth_resolve_modes = v12.supported_depth_resolve_modes;
                p.supported_stencil_resolve_modes = v12.supported_stencil_resolve_modes;
                p.independent_resolve_none = v12.independent_resolve_none;
                p.independent_resolve = v12.independent_resolve;
            }
            vk::PhysicalDeviceMaintenance4Properties::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceMaintenance4Properties>(ptr).max_buffer_size =
                    v13.max_buffer_size;
            }
            vk::PhysicalDeviceTimelineSemaphoreProperties::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceTimelineSemaphoreProperties>(ptr)
                    .max_timeline_semaphore_value_difference =
                    v12.max_timeline_semaphore_value_difference;
            }
            vk::PhysicalDeviceSubgroupProperties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceSubgroupProperties>(ptr);
                p.subgroup_size = v11.subgroup_size;
                p.supported_stages = v11.subgroup_supported_stages;
                p.supported_operations = v11.subgroup_supported_operations;
                p.quad_operations_in_all_stages = v11.subgroup_quad_operations_in_all_stages;
            }
            vk::PhysicalDevicePointClippingProperties::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDevicePointClippingProperties>(ptr)
                    .point_clipping_behavior = v11.point_clipping_behavior;
            }
            vk::PhysicalDeviceMultiviewProperties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceMultiviewProperties>(ptr);
                p.max_multiview_view_count = v11.max_multiview_view_count;
                p.max_multiview_instance_index = v11.max_multiview_instance_index;
            }
            vk::PhysicalDeviceProtectedMemoryProperties::STRUCTURE_TYPE => {
                handle::cast_mut::<vk::PhysicalDeviceProtectedMemoryProperties>(ptr)
                    .protected_no_fault = v11.protected_no_fault;
            }
            vk::PhysicalDeviceSubgroupSizeControlProperties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceSubgroupSizeControlProperties>(ptr);
                p.min_subgroup_size = v13.min_subgroup_size;
                p.max_subgroup_size = v13.max_subgroup_size;
                p.max_compute_workgroup_subgroups = v13.max_compute_workgroup_subgroups;
                p.required_subgroup_size_stages = v13.required_subgroup_size_stages;
            }
            vk::PhysicalDeviceInlineUniformBlockProperties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceInlineUniformBlockProperties>(ptr);
                p.max_inline_uniform_block_size = v13.max_inline_uniform_block_size;
                p.max_per_stage_descriptor_inline_uniform_blocks =
                    v13.max_per_stage_descriptor_inline_uniform_blocks;
                p.max_per_stage_descriptor_update_after_bind_inline_uniform_blocks =
                    v13.max_per_stage_descriptor_update_after_bind_inline_uniform_blocks;
                p.max_descriptor_set_inline_uniform_blocks =
                    v13.max_descriptor_set_inline_uniform_blocks;
                p.max_descriptor_set_update_after_bind_inline_uniform_blocks =
                    v13.max_descriptor_set_update_after_bind_inline_uniform_blocks;
            }
            vk::PhysicalDeviceTexelBufferAlignmentProperties::STRUCTURE_TYPE => {
                let p = handle::cast_mut::<vk::PhysicalDeviceTexelBufferAlignmentProperties>(ptr);
                p.storage_texel_buffer_offset_alignment_bytes =
                    v13.storage_texel_buffer_offset_alignment_bytes;
                p.storage_texel_buffer_offset_single_texel_alignment =
                    v13.storage_texel_buffer_offset_single_texel_alignment;
                p.uniform_texel_buffer_offset_alignment_bytes =
                    v13.uniform_texel_buffer_offset_alignment_bytes;
                p.uniform_texel_buffer_offset_single_texel_alignment =
                    v13.uniform_texel_buffer_offset_single_texel_alignment;
            }
            _ => {}
        }
    }
}

entry_points! {
    Global fn vkGetInstanceProcAddr(instance: vk::Instance, p_name: *const c_char) -> VoidFunction {
        // SAFETY: the name is a NUL-terminated string (valid usage).
        let name = unsafe { handle::cstr(p_name) }?;
        if instance == vk::Instance::null() {
            // Only global commands (and this one) without an instance.
            return lookup(name, &[Level::Global]);
        }
        lookup(name, &[Level::Global, Level::Instance, Level::Physical, Level::Device])
    }

    Global fn vkEnumerateInstanceVersion(p_api_version: *mut u32) -> Result {
        // SAFETY: valid usage: a writable pointer.
        unsafe { handle::write(p_api_version, API_VERSION) }
    }

    Global fn vkEnumerateInstanceExtensionProperties(
        p_layer_name: *const c_char,
        p_property_count: *mut u32,
        p_properties: *mut vk::ExtensionProperties,
    ) -> Status {
        if !p_layer_name.is_null() {
            return Err(vk::Result::ERROR_LAYER_NOT_PRESENT);
        }
        // SAFETY: valid usage: the two-call idiom's pointers.
        unsafe { handle::write_array(p_property_count, p_properties, &extension_properties(INSTANCE_EXTENSIONS)) }
    }

    Global fn vkEnumerateInstanceLayerProperties(p_property_count: *mut u32, p_properties: *mut vk::LayerProperties) -> Status {
        // SAFETY: valid usage: the two-call idiom's pointers.
        unsafe { handle::write_array(p_property_count, p_properties, &[]) }
    }

    Global fn vkCreateInstance(
        p_create_info: *const vk::InstanceCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_instance: *mut vk::Instance,
    ) -> Result {
        // SAFETY: valid usage: the create info and its arrays are valid.
        let info = unsafe { handle::req(p_create_info)? };
        // SAFETY: as above.
        check_extensions(unsafe { names(info.pp_enabled_extension_names, info.enabled_extension_count) }, INSTANCE_EXTENSIONS)?;
        // SAFETY: as above.
        let api_version = unsafe { handle::opt_ref(info.p_application_info) }
            .map_or(vk::API_VERSION_1_0, |a| a.api_version);
        let debug = Arc::new(DebugUtils::default());
        let physical_device = handle::new_dispatchable(PhysicalDevice::new(debug.clone()));
        let instance = Instance { api_version, debug, physical_device };
        // SAFETY: valid usage: a writable pointer.
        unsafe { handle::write(p_instance, handle::new_dispatchable(instance)) }
    }

    Instance fn vkDestroyInstance(instance: vk::Instance, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live instance (or null), not used afterwards.
        if let Some(inst) = unsafe { handle::free_dispatchable::<_, Instance>(instance) } {
            // SAFETY: the physical device belongs to the instance and dies with it.
            unsafe { handle::free_dispatchable::<_, PhysicalDevice>(inst.physical_device) };
        }
    }

    Instance fn vkEnumeratePhysicalDevices(
        instance: vk::Instance,
        p_physical_device_count: *mut u32,
        p_physical_devices: *mut vk::PhysicalDevice,
    ) -> Status {
        // SAFETY: valid usage: a live instance.
        let inst: &Instance = unsafe { handle::dispatchable(instance)? };
        // SAFETY: valid usage: the two-call idiom's pointers.
        unsafe { handle::write_array(p_physical_device_count, p_physical_devices, &[inst.physical_device]) }
    }

    Instance fn vkEnumeratePhysicalDeviceGroups(
        instance: vk::Instance,
        p_count: *mut u32,
        p_groups: *mut vk::PhysicalDeviceGroupProperties,
    ) -> Status {
        // SAFETY: valid usage: a live instance.
        let inst: &Instance = unsafe { handle::dispatchable(instance)? };
        // SAFETY: valid usage: the two-call idiom's pointers; each element keeps its chain.
        unsafe {
            handle::fill_array(p_count, p_groups, 1, |_, g| {
                g.physical_device_count = 1;
                g.physical_devices = [vk::PhysicalDevice::null(); vk::MAX_DEVICE_GROUP_SIZE];
                g.physical_devices[0] = inst.physical_device;
                g.subset_allocation = vk::FALSE;
            })
        }
    }

    Physical fn vkGetPhysicalDeviceProperties(physical_device: vk::PhysicalDevice, p_properties: *mut vk::PhysicalDeviceProperties) {
        // SAFETY: valid usage: a live handle and a writable pointer.
        unsafe {
            if let Ok(pd) = physical(physical_device) {
                let _ = handle::write(p_properties, pd.properties());
            }
        }
    }

    Physical fn vkGetPhysicalDeviceProperties2(physical_device: vk::PhysicalDevice, p_properties: *mut vk::PhysicalDeviceProperties2) {
        // SAFETY: valid usage: a live handle and a writable structure chain.
        unsafe {
            let Ok(pd) = physical(physical_device) else { return };
            for (s_type, ptr) in handle::chain_mut(p_properties as *mut c_void) {
                fill_properties(pd, s_type, ptr);
            }
        }
    }

    Physical fn vkGetPhysicalDeviceFeatures(physical_device: vk::PhysicalDevice, p_features: *mut vk::PhysicalDeviceFeatures) {
        // SAFETY: valid usage: a live handle and a writable pointer.
        unsafe {
            if let Ok(pd) = physical(physical_device) {
                let _ = handle::write(p_features, pd.features());
            }
        }
    }

    Physical fn vkGetPhysicalDeviceFeatures2(physical_device: vk::PhysicalDevice, p_features: *mut vk::PhysicalDeviceFeatures2) {
        // SAFETY: valid usage: a live handle and a writable structure chain.
        unsafe {
            let Ok(pd) = physical(physical_device) else { return };
            for (s_type, ptr) in handle::chain_mut(p_features as *mut c_void) {
                fill_features(pd, s_type, ptr);
            }
        }
    }

    Physical fn vkGetPhysicalDeviceQueueFamilyProperties(
        physical_device: vk::PhysicalDevice,
        p_count: *mut u32,
        p_properties: *mut vk::QueueFamilyProperties,
    ) {
        // SAFETY: valid usage: a live handle and the two-call idiom's pointers.
        unsafe {
            if let Ok(pd) = physical(physical_device) {
                let _ = handle::write_array(p_count, p_properties, &[pd.queue_family()]);
            }
        }
    }

    Physical fn vkGetPhysicalDeviceQueueFamilyProperties2(
        physical_device: vk::PhysicalDevice,
        p_count: *mut u32,
        p_properties: *mut vk::QueueFamilyProperties2,
    ) {
        // SAFETY: valid usage: a live handle and the two-call idiom's pointers.
        unsafe {
            let Ok(pd) = physical(physical_device) else { return };
            let _ = handle::fill_array(p_count, p_properties, 1, |_, p| p.queue_family_properties = pd.queue_family());
        }
    }

    Physical fn vkGetPhysicalDeviceMemoryProperties(
        physical_device: vk::PhysicalDevice,
        p_properties: *mut vk::PhysicalDeviceMemoryProperties,
    ) {
        // SAFETY: valid usage: a live handle and a writable pointer.
        unsafe {
            if let Ok(pd) = physical(physical_device) {
                let _ = handle::write(p_properties, pd.memory_properties());
            }
        }
    }

    Physical fn vkGetPhysicalDeviceMemoryProperties2(
        physical_device: vk::PhysicalDevice,
        p_properties: *mut vk::PhysicalDeviceMemoryProperties2,
    ) {
        // SAFETY: valid usage: a live handle and a writable structure.
        unsafe {
            let Ok(pd) = physical(physical_device) else { return };
            if let Ok(p) = handle::out(p_properties) {
                p.memory_properties = pd.memory_properties();
            }
        }
    }

    Physical fn vkGetPhysicalDeviceFormatProperties(
        physical_device: vk::PhysicalDevice,
        format: vk::Format,
        p_properties: *mut vk::FormatProperties,
    ) {
        // SAFETY: valid usage: a live handle and a writable pointer.
        unsafe {
            if let Ok(pd) = physical(physical_device) {
                let _ = handle::write(p_properties, pd.format_properties(format));
            }
        }
    }

    Physical fn vkGetPhysicalDeviceFormatProperties2(
        physical_device: vk::PhysicalDevice,
        format: vk::Format,
        p_properties: *mut vk::FormatProperties2,
    ) {
        use vk::TaggedStructure;
        // SAFETY: valid usage: a live handle and a writable structure chain.
        unsafe {
            let Ok(pd) = physical(physical_device) else { return };
            for (s_type, ptr) in handle::chain_mut(p_properties as *mut c_void) {
                match s_type {
                    vk::FormatProperties2::STRUCTURE_TYPE => {
                        handle::cast_mut::<vk::FormatProperties2>(ptr).format_properties = pd.format_properties(format);
                    }
                    vk::FormatProperties3::STRUCTURE_TYPE => {
                        let p = handle::cast_mut::<vk::FormatProperties3>(ptr);
                        let (linear, optimal, buffer) = format_support::format_properties3(format);
                        p.linear_tiling_features = linear;
                        p.optimal_tiling_features = optimal;
                        p.buffer_features = buffer;
                    }
                    _ => {}
                }
            }
        }
    }

    Physical fn vkGetPhysicalDeviceImageFormatProperties(
        physical_device: vk::PhysicalDevice,
        format: vk::Format,
        ty: vk::ImageType,
        tiling: vk::ImageTiling,
        usage: vk::ImageUsageFlags,
        flags: vk::ImageCreateFlags,
        p_properties: *mut vk::ImageFormatProperties,
    ) -> Result {
        // SAFETY: valid usage: a live handle.
        let pd = unsafe { physical(physical_device)? };
        let props = format_support::image_format_properties(format, ty, tiling, usage, flags, pd.heap_size);
        // SAFETY: valid usage: a writable pointer. On failure the spec leaves it zeroed.
        unsafe { handle::write(p_properties, props.unwrap_or_default())? };
        props.map(|_| ())
    }

    Physical fn vkGetPhysicalDeviceImageFormatProperties2(
        physical_device: vk::PhysicalDevice,
        p_info: *const vk::PhysicalDeviceImageFormatInfo2,
        p_properties: *mut vk::ImageFormatProperties2,
    ) -> Result {
        use vk::TaggedStructure;
        // SAFETY: valid usage: a live handle, a valid input chain and a writable output chain.
        unsafe {
            let pd = physical(physical_device)?;
            let info = handle::req(p_info)?;
            let mut result = format_support::image_format_properties(
                info.format, info.ty, info.tiling, info.usage, info.flags, pd.heap_size,
            );
            for (s_type, ptr) in handle::chain(info.p_next) {
                match s_type {
                    vk::PhysicalDeviceExternalImageFormatInfo::STRUCTURE_TYPE => {
                        // No external memory handle types are supported.
                        if !handle::cast::<vk::PhysicalDeviceExternalImageFormatInfo>(ptr).handle_type.is_empty() {
                            result = Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED);
                        }
                    }
                    vk::ImageFormatListCreateInfo::STRUCTURE_TYPE
                    | vk::ImageStencilUsageCreateInfo::STRUCTURE_TYPE => {}
                    _ => {}
                }
            }
            for (s_type, ptr) in handle::chain_mut(p_properties as *mut c_void) {
                match s_type {
                    vk::ImageFormatProperties2::STRUCTURE_TYPE => {
                        handle::cast_mut::<vk::ImageFormatProperties2>(ptr).image_format_properties =
                            result.unwrap_or_default();
                    }
                    vk::ExternalImageFormatProperties::STRUCTURE_TYPE => {
                        handle::cast_mut::<vk::ExternalImageFormatProperties>(ptr).external_memory_properties =
                            vk::ExternalMemoryProperties::default();
                    }
                    _ => {}
                }
            }
            result.map(|_| ())
        }
    }

    Physical fn vkGetPhysicalDeviceSparseImageFormatProperties(
        _physical_device: vk::PhysicalDevice,
        _format: vk::Format,
        _ty: vk::ImageType,
        _samples: vk::SampleCountFlags,
        _usage: vk::ImageUsageFlags,
        _tiling: vk::ImageTiling,
        p_count: *mut u32,
        p_properties: *mut vk::SparseImageFormatProperties,
    ) {
        // No sparse support: zero properties. SAFETY: valid usage: the two-call idiom's pointers.
        unsafe {
            let _ = handle::write_array(p_count, p_properties, &[]);
        }
    }

    Physical fn vkGetPhysicalDeviceSparseImageFormatProperties2(
        _physical_device: vk::PhysicalDevice,
        _p_info: *const vk::PhysicalDeviceSparseImageFormatInfo2,
        p_count: *mut u32,
        p_properties: *mut vk::SparseImageFormatProperties2,
    ) {
        // No sparse support. SAFETY: valid usage: the two-call idiom's pointers.
        unsafe {
            let _ = handle::fill_array(p_count, p_properties, 0, |_, _| {});
        }
    }

    Physical fn vkGetPhysicalDeviceExternalBufferProperties(
        _physical_device: vk::PhysicalDevice,
        _p_info: *const vk::PhysicalDeviceExternalBufferInfo,
        p_properties: *mut vk::ExternalBufferProperties,
    ) {
        // No external memory handle types: everything zero. SAFETY: a writable structure.
        unsafe {
            if let Ok(p) = handle::out(p_properties) {
                p.external_memory_properties = vk::ExternalMemoryProperties::default();
            }
        }
    }

    Physical fn vkGetPhysicalDeviceExternalFenceProperties(
        _physical_device: vk::PhysicalDevice,
        _p_info: *const vk::PhysicalDeviceExternalFenceInfo,
        p_properties: *mut vk::ExternalFenceProperties,
    ) {
        // No external fence handle types. SAFETY: a writable structure.
        unsafe {
            if let Ok(p) = handle::out(p_properties) {
                p.export_from_imported_handle_types = vk::ExternalFenceHandleTypeFlags::empty();
                p.compatible_handle_types = vk::ExternalFenceHandleTypeFlags::empty();
                p.external_fence_features = vk::ExternalFenceFeatureFlags::empty();
            }
        }
    }

    Physical fn vkGetPhysicalDeviceExternalSemaphoreProperties(
        _physical_device: vk::PhysicalDevice,
        _p_info: *const vk::PhysicalDeviceExternalSemaphoreInfo,
        p_properties: *mut vk::ExternalSemaphoreProperties,
    ) {
        // No external semaphore handle types. SAFETY: a writable structure.
        unsafe {
            if let Ok(p) = handle::out(p_properties) {
                p.export_from_imported_handle_types = vk::ExternalSemaphoreHandleTypeFlags::empty();
                p.compatible_handle_types = vk::ExternalSemaphoreHandleTypeFlags::empty();
                p.external_semaphore_features = vk::ExternalSemaphoreFeatureFlags::empty();
            }
        }
    }

    Physical fn vkGetPhysicalDeviceToolProperties(
        _physical_device: vk::PhysicalDevice,
        p_count: *mut u32,
        p_properties: *mut vk::PhysicalDeviceToolProperties,
    ) -> Status {
        // SAFETY: valid usage: the two-call idiom's pointers.
        unsafe { handle::fill_array(p_count, p_properties, 0, |_, _| {}) }
    }

    Physical fn vkEnumerateDeviceExtensionProperties(
        _physical_device: vk::PhysicalDevice,
        p_layer_name: *const c_char,
        p_property_count: *mut u32,
        p_properties: *mut vk::ExtensionProperties,
    ) -> Status {
        if !p_layer_name.is_null() {
            return Err(vk::Result::ERROR_LAYER_NOT_PRESENT);
        }
        let list = extension_properties(crate::device::DEVICE_EXTENSIONS);
        // SAFETY: valid usage: the two-call idiom's pointers.
        unsafe { handle::write_array(p_property_count, p_properties, &list) }
    }

    Physical fn vkEnumerateDeviceLayerProperties(
        _physical_device: vk::PhysicalDevice,
        p_property_count: *mut u32,
        p_properties: *mut vk::LayerProperties,
    ) -> Status {
        // SAFETY: valid usage: the two-call idiom's pointers.
        unsafe { handle::write_array(p_property_count, p_properties, &[]) }
    }
}

/// For tests and the `Dispatchable` layout assertion.
const _: () = assert!(std::mem::size_of::<Dispatchable<()>>() >= std::mem::size_of::<usize>());
