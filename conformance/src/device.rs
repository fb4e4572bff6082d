//! The Vulkan instance and device for one script: requirement checks (`DEVICE_FEATURE`,
//! `DEVICE_EXTENSION`, `DEVICE_PROPERTY`, `INSTANCE_EXTENSION`) against what the driver
//! reports, and a device created with exactly the requested features enabled.

use std::ffi::{c_char, CStr, CString};

use ash::vk;

use crate::script::Requirements;

/// Why a script cannot run here.
pub enum Unmet {
    /// The device lacks something the script declares: the script is skipped.
    Missing(String),
    /// Something went wrong: the script fails.
    Error(String),
}

/// Every feature structure Amber knows, queried or enabled together.
#[derive(Default, Clone, Copy)]
pub struct Features {
    pub core: vk::PhysicalDeviceFeatures,
    pub v11: vk::PhysicalDeviceVulkan11Features<'static>,
    pub v12: vk::PhysicalDeviceVulkan12Features<'static>,
    pub v13: vk::PhysicalDeviceVulkan13Features<'static>,
    pub index_u8: vk::PhysicalDeviceIndexTypeUint8FeaturesEXT<'static>,
    pub clamp01: vk::PhysicalDeviceDepthClampZeroOneFeaturesEXT<'static>,
}

/// Which optional (extension) structures the device supports.
#[derive(Default, Clone, Copy)]
pub struct Optional {
    pub index_u8: bool,
    pub clamp01: bool,
    pub api_1_3: bool,
}

impl Features {
    /// Calls `f` with a `VkPhysicalDeviceFeatures2` chaining all supported structures.
    fn with_chain<R>(
        &mut self,
        opt: Optional,
        f: impl FnOnce(&mut vk::PhysicalDeviceFeatures2<'_>) -> R,
    ) -> R {
        let mut v11 = self.v11;
        let mut v12 = self.v12;
        let mut v13 = self.v13;
        let mut iu8 = self.index_u8;
        let mut c01 = self.clamp01;
        let mut f2 = vk::PhysicalDeviceFeatures2::default()
            .features(self.core)
            .push_next(&mut v11)
            .push_next(&mut v12);
        if opt.api_1_3 {
            f2 = f2.push_next(&mut v13);
        }
        if opt.index_u8 {
            f2 = f2.push_next(&mut iu8);
        }
        if opt.clamp01 {
            f2 = f2.push_next(&mut c01);
        }
        let r = f(&mut f2);
        self.core = f2.features;
        v11.p_next = std::ptr::null_mut();
        v12.p_next = std::ptr::null_mut();
        v13.p_next = std::ptr::null_mut();
        iu8.p_next = std::ptr::null_mut();
        c01.p_next = std::ptr::null_mut();
        (self.v11, self.v12, self.v13, self.index_u8, self.clamp01) = (v11, v12, v13, iu8, c01);
        r
    }

    /// The flag for an Amber feature name (`shaderFloat64`, `Storage16BitFeatures.…`).
    pub fn field(&mut self, name: &str) -> Option<&mut vk::Bool32> {
        let c = &mut self.core;
        Some(match name {
            "robustBufferAccess" => &mut c.robust_buffer_access,
            "fullDrawIndexUint32" => &mut c.full_draw_index_uint32,
            "imageCubeArray" => &mut c.image_cube_array,
            "independentBlend" => &mut c.independent_blend,
            "geometryShader" => &mut c.geometry_shader,
            "tessellationShader" => &mut c.tessellation_shader,
            "sampleRateShading" => &mut c.sample_rate_shading,
            "dualSrcBlend" => &mut c.dual_src_blend,
            "logicOp" => &mut c.logic_op,
            "multiDrawIndirect" => &mut c.multi_draw_indirect,
            "drawIndirectFirstInstance" => &mut c.draw_indirect_first_instance,
            "depthClamp" => &mut c.depth_clamp,
            "depthBiasClamp" => &mut c.depth_bias_clamp,
            "fillModeNonSolid" => &mut c.fill_mode_non_solid,
            "depthBounds" => &mut c.depth_bounds,
            "wideLines" => &mut c.wide_lines,
            "largePoints" => &mut c.large_points,
            "alphaToOne" => &mut c.alpha_to_one,
            "multiViewport" => &mut c.multi_viewport,
            "samplerAnisotropy" => &mut c.sampler_anisotropy,
            "textureCompressionETC2" => &mut c.texture_compression_etc2,
            "textureCompressionASTC_LDR" => &mut c.texture_compression_astc_ldr,
            "textureCompressionBC" => &mut c.texture_compression_bc,
            "occlusionQueryPrecise" => &mut c.occlusion_query_precise,
            "pipelineStatisticsQuery" => &mut c.pipeline_statistics_query,
            "vertexPipelineStoresAndAtomics" => &mut c.vertex_pipeline_stores_and_atomics,
            "fragmentStoresAndAtomics" => &mut c.fragment_stores_and_atomics,
            "shaderTessellationAndGeometryPointSize" => {
                &mut c.shader_tessellation_and_geometry_point_size
            }
            "shaderImageGatherExtended" => &mut c.shader_image_gather_extended,
            "shaderStorageImageExtendedFormats" => &mut c.shader_storage_image_extended_formats,
            "shaderStorageImageMultisample" => &mut c.shader_storage_image_multisample,
            "shaderStorageImageReadWithoutFormat" => {
                &mut c.shader_storage_image_read_without_format
            }
            "shaderStorageImageWriteWithoutFormat" => {
                &mut c.shader_storage_image_write_without_format
            }
            "shaderUniformBufferArrayDynamicIndexing" => {
                &mut c.shader_uniform_buffer_array_dynamic_indexing
            }
            "shaderSampledImageArrayDynamicIndexing" => {
                &mut c.shader_sampled_image_array_dynamic_indexing
            }
            "shaderStorageBufferArrayDynamicIndexing" => {
                &mut c.shader_storage_buffer_array_dynamic_indexing
            }
            "shaderStorageImageArrayDynamicIndexing" => {
                &mut c.shader_storage_image_array_dynamic_indexing
            }
            "shaderClipDistance" => &mut c.shader_clip_distance,
            "shaderCullDistance" => &mut c.shader_cull_distance,
            "shaderFloat64" => &mut c.shader_float64,
            "shaderInt64" => &mut c.shader_int64,
            "shaderInt16" => &mut c.shader_int16,
            "shaderResourceResidency" => &mut c.shader_resource_residency,
            "shaderResourceMinLod" => &mut c.shader_resource_min_lod,
            "variableMultisampleRate" => &mut c.variable_multisample_rate,
            "inheritedQueries" => &mut c.inherited_queries,
            "VariablePointerFeatures.variablePointers"
            | "VariablePointersFeatures.variablePointers" => &mut self.v11.variable_pointers,
            "VariablePointerFeatures.variablePointersStorageBuffer"
            | "VariablePointersFeatures.variablePointersStorageBuffer" => {
                &mut self.v11.variable_pointers_storage_buffer
            }
            "Storage16BitFeatures.storageBuffer16BitAccess" => {
                &mut self.v11.storage_buffer16_bit_access
            }
            "Storage16BitFeatures.uniformAndStorageBuffer16BitAccess" => {
                &mut self.v11.uniform_and_storage_buffer16_bit_access
            }
            "Storage16BitFeatures.storagePushConstant16" => &mut self.v11.storage_push_constant16,
            "Storage16BitFeatures.storageInputOutput16" => &mut self.v11.storage_input_output16,
            "Storage8BitFeatures.storageBuffer8BitAccess" => {
                &mut self.v12.storage_buffer8_bit_access
            }
            "Storage8BitFeatures.uniformAndStorageBuffer8BitAccess" => {
                &mut self.v12.uniform_and_storage_buffer8_bit_access
            }
            "Storage8BitFeatures.storagePushConstant8" => &mut self.v12.storage_push_constant8,
            "Float16Int8Features.shaderFloat16" => &mut self.v12.shader_float16,
            "Float16Int8Features.shaderInt8" => &mut self.v12.shader_int8,
            "BufferDeviceAddressFeatures.bufferDeviceAddress" => {
                &mut self.v12.buffer_device_address
            }
            "ShaderSubgroupExtendedTypesFeatures.shaderSubgroupExtendedTypes" => {
                &mut self.v12.shader_subgroup_extended_types
            }
            "SubgroupSizeControl.subgroupSizeControl"
            | "SubgroupSizeControlFeatures.subgroupSizeControl" => {
                &mut self.v13.subgroup_size_control
            }
            "SubgroupSizeControl.computeFullSubgroups"
            | "SubgroupSizeControlFeatures.computeFullSubgroups" => {
                &mut self.v13.compute_full_subgroups
            }
            "ZeroInitializeWorkgroupMemoryFeatures.shaderZeroInitializeWorkgroupMemory" => {
                &mut self.v13.shader_zero_initialize_workgroup_memory
            }
            "ShaderTerminateInvocationFeatures.shaderTerminateInvocation" => {
                &mut self.v13.shader_terminate_invocation
            }
            "IndexTypeUint8Features.indexTypeUint8" => &mut self.index_u8.index_type_uint8,
            "DepthClampZeroOneFeatures.depthClampZeroOne" => &mut self.clamp01.depth_clamp_zero_one,
            _ => return None,
        })
    }
}

/// A device ready to run one script.
pub struct Context {
    pub entry: ash::Entry,
    pub instance: ash::Instance,
    pub physical: vk::PhysicalDevice,
    pub device: ash::Device,
    pub queue: vk::Queue,
    pub queue_family: u32,
    pub memory: vk::PhysicalDeviceMemoryProperties,
    pub limits: vk::PhysicalDeviceLimits,
    pub subgroup_size: (u32, u32),
    pub device_name: String,
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: the context owns both handles; everything made from them is gone by now.
        unsafe {
            let _ = self.device.device_wait_idle();
            self.device.destroy_device(None);
            self.instance.destroy_instance(None);
        }
    }
}

fn cstrs(names: &[String]) -> Vec<CString> {
    names
        .iter()
        .map(|n| CString::new(n.as_str()).expect("extension names have no NUL"))
        .collect()
}

impl Context {
    /// Creates an instance and a device meeting `req`, or says why not.
    pub fn new(req: &Requirements) -> Result<Context, Unmet> {
        // SAFETY: loading the system Vulkan loader runs its initialisation code, as any
        // Vulkan application does.
        let entry = unsafe { ash::Entry::load() }
            .map_err(|e| Unmet::Error(format!("cannot load the Vulkan loader: {e}")))?;
        // SAFETY: plain queries on a valid entry.
        let available: Vec<String> = unsafe { entry.enumerate_instance_extension_properties(None) }
            .unwrap_or_default()
            .iter()
            .map(|p| cstr_name(&p.extension_name))
            .collect();
        for e in &req.instance_extensions {
            if !available.contains(e) {
                return Err(Unmet::Missing(format!("instance extension {e}")));
            }
        }
        let inst_ext = cstrs(&req.instance_extensions);
        let inst_ptrs: Vec<*const c_char> = inst_ext.iter().map(|c| c.as_ptr()).collect();
        let app = vk::ApplicationInfo::default()
            .application_name(c"pumice-amber")
            .api_version(vk::API_VERSION_1_3);
        let ici = vk::InstanceCreateInfo::default()
            .application_info(&app)
            .enabled_extension_names(&inst_ptrs);
        // SAFETY: the create info and the strings it points to outlive the call.
        let instance = unsafe { entry.create_instance(&ici, None) }
            .map_err(|e| Unmet::Error(format!("vkCreateInstance: {e}")))?;
        match Self::with_instance(&entry, instance.clone(), req) {
            Ok(c) => Ok(c),
            Err(e) => {
                // SAFETY: nothing else was made from this instance.
                unsafe { instance.destroy_instance(None) };
                Err(e)
            }
        }
    }

    fn with_instance(
        entry: &ash::Entry,
        instance: ash::Instance,
        req: &Requirements,
    ) -> Result<Context, Unmet> {
        // SAFETY: queries on a valid instance.
        let physicals = unsafe { instance.enumerate_physical_devices() }
            .map_err(|e| Unmet::Error(format!("vkEnumeratePhysicalDevices: {e}")))?;
        let Some(&physical) = physicals.first() else {
            return Err(Unmet::Error("no Vulkan device".into()));
        };
        // SAFETY: queries on a valid physical device.
        let (props, exts, memory, families) = unsafe {
            (
                instance.get_physical_device_properties(physical),
                instance
                    .enumerate_device_extension_properties(physical)
                    .unwrap_or_default(),
                instance.get_physical_device_memory_properties(physical),
                instance.get_physical_device_queue_family_properties(physical),
            )
        };
        let device_name = cstr_name(&props.device_name);
        let ext_names: Vec<String> = exts.iter().map(|p| cstr_name(&p.extension_name)).collect();
        for e in &req.device_extensions {
            if !ext_names.contains(e) {
                return Err(Unmet::Missing(format!("device extension {e}")));
            }
        }
        let opt = Optional {
            index_u8: ext_names.iter().any(|e| e == "VK_EXT_index_type_uint8"),
            clamp01: ext_names.iter().any(|e| e == "VK_EXT_depth_clamp_zero_one"),
            api_1_3: vk::api_version_minor(props.api_version) >= 3,
        };
        let mut supported = Features::default();
        supported.with_chain(opt, |f2| {
            // SAFETY: the chain holds valid, writable structures.
            unsafe { instance.get_physical_device_features2(physical, f2) }
        });

        // Properties the scripts may ask about.
        let mut subgroup = vk::PhysicalDeviceSubgroupProperties::default();
        let mut sizes = vk::PhysicalDeviceSubgroupSizeControlProperties::default();
        let mut v12p = vk::PhysicalDeviceVulkan12Properties::default();
        let mut p2 = vk::PhysicalDeviceProperties2::default()
            .push_next(&mut subgroup)
            .push_next(&mut v12p);
        if opt.api_1_3 {
            p2 = p2.push_next(&mut sizes);
        }
        // SAFETY: the chain holds valid, writable structures.
        unsafe { instance.get_physical_device_properties2(physical, &mut p2) };
        let _ = p2;

        let mut enabled = Features::default();
        let mut extensions: Vec<String> = req.device_extensions.clone();
        for name in &req.features {
            if let Some(rest) = name.strip_prefix("SubgroupSupportedOperations.") {
                let bit = match rest {
                    "basic" => vk::SubgroupFeatureFlags::BASIC,
                    "vote" => vk::SubgroupFeatureFlags::VOTE,
                    "arithmetic" => vk::SubgroupFeatureFlags::ARITHMETIC,
                    "ballot" => vk::SubgroupFeatureFlags::BALLOT,
                    "shuffle" => vk::SubgroupFeatureFlags::SHUFFLE,
                    "shuffleRelative" => vk::SubgroupFeatureFlags::SHUFFLE_RELATIVE,
                    "clustered" => vk::SubgroupFeatureFlags::CLUSTERED,
                    "quad" => vk::SubgroupFeatureFlags::QUAD,
                    _ => return Err(Unmet::Error(format!("unsupported: feature {name}"))),
                };
                if !subgroup.supported_operations.contains(bit) {
                    return Err(Unmet::Missing(format!("feature {name}")));
                }
                continue;
            }
            if let Some(rest) = name.strip_prefix("SubgroupSupportedStages.") {
                let bit = match rest {
                    "vertex" => vk::ShaderStageFlags::VERTEX,
                    "tessellationControl" => vk::ShaderStageFlags::TESSELLATION_CONTROL,
                    "tessellationEvaluation" => vk::ShaderStageFlags::TESSELLATION_EVALUATION,
                    "geometry" => vk::ShaderStageFlags::GEOMETRY,
                    "fragment" => vk::ShaderStageFlags::FRAGMENT,
                    "compute" => vk::ShaderStageFlags::COMPUTE,
                    _ => return Err(Unmet::Error(format!("unsupported: feature {name}"))),
                };
                if !subgroup.supported_stages.contains(bit) {
                    return Err(Unmet::Missing(format!("feature {name}")));
                }
                continue;
            }
            let Some(&mut have) = supported.field(name) else {
                return Err(Unmet::Missing(format!(
                    "feature {name} (not known to the runner)"
                )));
            };
            if have != vk::TRUE {
                return Err(Unmet::Missing(format!("feature {name}")));
            }
            *enabled.field(name).expect("same table") = vk::TRUE;
            if name.starts_with("IndexTypeUint8") {
                extensions.push("VK_EXT_index_type_uint8".into());
            }
            if name.starts_with("DepthClampZeroOne") {
                extensions.push("VK_EXT_depth_clamp_zero_one".into());
            }
        }
        for p in &req.properties {
            let v = match p.as_str() {
                "FloatControlsProperties.shaderSignedZeroInfNanPreserveFloat16" => {
                    v12p.shader_signed_zero_inf_nan_preserve_float16
                }
                "FloatControlsProperties.shaderSignedZeroInfNanPreserveFloat32" => {
                    v12p.shader_signed_zero_inf_nan_preserve_float32
                }
                "FloatControlsProperties.shaderSignedZeroInfNanPreserveFloat64" => {
                    v12p.shader_signed_zero_inf_nan_preserve_float64
                }
                "FloatControlsProperties.shaderDenormPreserveFloat16" => {
                    v12p.shader_denorm_preserve_float16
                }
                "FloatControlsProperties.shaderDenormPreserveFloat32" => {
                    v12p.shader_denorm_preserve_float32
                }
                "FloatControlsProperties.shaderDenormPreserveFloat64" => {
                    v12p.shader_denorm_preserve_float64
                }
                "FloatControlsProperties.shaderDenormFlushToZeroFloat16" => {
                    v12p.shader_denorm_flush_to_zero_float16
                }
                "FloatControlsProperties.shaderDenormFlushToZeroFloat32" => {
                    v12p.shader_denorm_flush_to_zero_float32
                }
                "FloatControlsProperties.shaderDenormFlushToZeroFloat64" => {
                    v12p.shader_denorm_flush_to_zero_float64
                }
                _ => return Err(Unmet::Error(format!("unsupported: property {p}"))),
            };
            if v != vk::TRUE {
                return Err(Unmet::Missing(format!("property {p}")));
            }
        }
        extensions.sort();
        extensions.dedup();

        let Some(queue_family) = families.iter().position(|f| {
            f.queue_flags
                .contains(vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE)
        }) else {
            return Err(Unmet::Error("no graphics+compute queue".into()));
        };
        let queue_family = queue_family as u32;
        let prio = [1.0f32];
        let qci = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(queue_family)
            .queue_priorities(&prio)];
        let ext_c = cstrs(&extensions);
        let ext_ptrs: Vec<*const c_char> = ext_c.iter().map(|c| c.as_ptr()).collect();
        let device = enabled.with_chain(opt, |f2| {
            let dci = vk::DeviceCreateInfo::default()
                .queue_create_infos(&qci)
                .enabled_extension_names(&ext_ptrs)
                .push_next(f2);
            // SAFETY: the create info, its chain and strings outlive the call.
            unsafe { instance.create_device(physical, &dci, None) }
        });
        let device = device.map_err(|e| Unmet::Error(format!("vkCreateDevice: {e}")))?;
        // SAFETY: the queue family and index exist on this device.
        let queue = unsafe { device.get_device_queue(queue_family, 0) };
        Ok(Context {
            entry: entry.clone(),
            instance,
            physical,
            device,
            queue,
            queue_family,
            memory,
            limits: props.limits,
            subgroup_size: (sizes.min_subgroup_size, sizes.max_subgroup_size),
            device_name,
        })
    }

    /// A memory type allowed by `bits` with `flags`, or any allowed one.
    pub fn memory_type(&self, bits: u32, flags: vk::MemoryPropertyFlags) -> Option<u32> {
        let n = self.memory.memory_type_count as usize;
        let types = &self.memory.memory_types[..n];
        let allowed = |i: usize| bits & (1 << i) != 0;
        (0..n)
            .find(|&i| allowed(i) && types[i].property_flags.contains(flags))
            .or_else(|| (0..n).find(|&i| allowed(i)))
            .map(|i| i as u32)
    }
}

fn cstr_name(raw: &[c_char]) -> String {
    // SAFETY: Vulkan fills these fixed arrays with NUL-terminated strings.
    unsafe { CStr::from_ptr(raw.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}
