//! The one physical device: what it reports (properties, limits, features, queues, memory).
//!
//! The rule for everything here: report only what works. Features are switched on by the work
//! that makes them work; limits that belong to stages or resources not built yet are reported at
//! the spec's required minimum, which no valid application can exceed in a way that reaches
//! unimplemented code (the commands for those stages are not exposed).

use ash::vk;

use crate::format_support;

/// The Vulkan version Pumice reports.
/// The depth/stencil resolve modes that work (the stencil aspect takes all but `AVERAGE`).
pub const DEPTH_STENCIL_RESOLVE_MODES: vk::ResolveModeFlags = vk::ResolveModeFlags::from_raw(
    vk::ResolveModeFlags::SAMPLE_ZERO.as_raw()
        | vk::ResolveModeFlags::AVERAGE.as_raw()
        | vk::ResolveModeFlags::MIN.as_raw()
        | vk::ResolveModeFlags::MAX.as_raw(),
);

pub const API_VERSION: u32 = vk::make_api_version(0, 1, 3, 281);
/// The driver's own version: the crate version.
pub const DRIVER_VERSION: u32 = vk::make_api_version(
    0,
    parse_u32(env!("CARGO_PKG_VERSION_MAJOR")),
    parse_u32(env!("CARGO_PKG_VERSION_MINOR")),
    parse_u32(env!("CARGO_PKG_VERSION_PATCH")),
);

const fn parse_u32(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// No Khronos vendor ID is registered for Pumice; this is in the range for non-PCI vendors and
/// matches no registered one.
pub const VENDOR_ID: u32 = 0x1_0F0F;
pub const DEVICE_ID: u32 = 0x0001;

/// Queues in our single family. Each is a worker thread, so more cost little; four lets
/// applications that want separate graphics/compute/transfer queues have them.
pub const QUEUE_COUNT: u32 = 4;

/// The device's memory type index (there is one: host-visible, coherent, cached, device-local).
pub const MEMORY_TYPE_COUNT: u32 = 1;

pub const DRIVER_NAME: &str = "Pumice";

/// Sample counts of attachments: the rasterizer does 1 and 4 samples (standard locations).
const MSAA_COUNTS: vk::SampleCountFlags = vk::SampleCountFlags::from_raw(
    vk::SampleCountFlags::TYPE_1.as_raw() | vk::SampleCountFlags::TYPE_4.as_raw(),
);

/// The physical device.
#[derive(Debug)]
pub struct PhysicalDevice {
    /// The one memory heap's size: three quarters of the machine's memory.
    pub heap_size: u64,
    pub threads: usize,
    pub device_name: String,
    pub pipeline_cache_uuid: [u8; 16],
    pub device_uuid: [u8; 16],
    pub driver_uuid: [u8; 16],
    /// The instance's messengers, for devices created from this physical device.
    pub debug: std::sync::Arc<crate::debug_utils::DebugUtils>,
}

fn total_memory() -> u64 {
    let from_proc = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .map(|kb| kb * 1024)
        });
    from_proc.unwrap_or(4 << 30)
}

fn uuid(seed: &str) -> [u8; 16] {
    // FNV-1a over the seed, twice with different offsets: stable across runs of one build.
    let mut out = [0u8; 16];
    for (half, basis) in [
        (0usize, 0xcbf2_9ce4_8422_2325u64),
        (8, 0x6c62_272e_07bb_0142),
    ] {
        let mut h = basis;
        for b in seed.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out[half..half + 8].copy_from_slice(&h.to_le_bytes());
    }
    out
}

/// `pipelineCacheUUID`: changes with every driver version, since cached data (when there is
/// some) is the compiled bytecode of that version.
pub fn pipeline_cache_uuid() -> [u8; 16] {
    uuid(&format!(
        "pumice-pipeline-cache-{}",
        env!("CARGO_PKG_VERSION")
    ))
}

impl PhysicalDevice {
    pub fn new(debug: std::sync::Arc<crate::debug_utils::DebugUtils>) -> PhysicalDevice {
        // The worker pool's size, so the name says what `PUMICE_THREADS` chose.
        let threads = pumice_shader::pool::threads();
        let version = env!("CARGO_PKG_VERSION");
        PhysicalDevice {
            heap_size: total_memory() / 4 * 3,
            threads,
            device_name: format!("Pumice CPU ({threads} threads)"),
            pipeline_cache_uuid: pipeline_cache_uuid(),
            device_uuid: uuid("pumice-device"),
            driver_uuid: uuid(&format!("pumice-driver-{version}")),
            debug,
        }
    }

    pub fn limits(&self) -> vk::PhysicalDeviceLimits {
        vk::PhysicalDeviceLimits {
            max_image_dimension1_d: 16384,
            max_image_dimension2_d: 16384,
            max_image_dimension3_d: 2048,
            max_image_dimension_cube: 16384,
            max_image_array_layers: 2048,
            max_texel_buffer_elements: 65536,
            max_uniform_buffer_range: 65536,
            max_storage_buffer_range: 1 << 31,
            max_push_constants_size: 128,
            max_memory_allocation_count: 4096,
            max_sampler_allocation_count: 4000,
            buffer_image_granularity: 1,
            sparse_address_space_size: 0,
            max_bound_descriptor_sets: 4,
            max_per_stage_descriptor_samplers: 16,
            max_per_stage_descriptor_uniform_buffers: 12,
            max_per_stage_descriptor_storage_buffers: 4,
            max_per_stage_descriptor_sampled_images: 16,
            max_per_stage_descriptor_storage_images: 4,
            max_per_stage_descriptor_input_attachments: 4,
            max_per_stage_resources: 128,
            max_descriptor_set_samplers: 96,
            max_descriptor_set_uniform_buffers: 72,
            max_descriptor_set_uniform_buffers_dynamic: 8,
            max_descriptor_set_storage_buffers: 24,
            max_descriptor_set_storage_buffers_dynamic: 4,
            max_descriptor_set_sampled_images: 96,
            max_descriptor_set_storage_images: 24,
            max_descriptor_set_input_attachments: 4,
            max_vertex_input_attributes: 16,
            max_vertex_input_bindings: 16,
            max_vertex_input_attribute_offset: 2047,
            max_vertex_input_binding_stride: 2048,
            max_vertex_output_components: 64,
            max_tessellation_generation_level: 0,
            max_tessellation_patch_size: 0,
            max_tessellation_control_per_vertex_input_components: 0,
            max_tessellation_control_per_vertex_output_components: 0,
            max_tessellation_control_per_patch_output_components: 0,
            max_tessellation_control_total_output_components: 0,
            max_tessellation_evaluation_input_components: 0,
            max_tessellation_evaluation_output_components: 0,
            max_geometry_shader_invocations: 0,
            max_geometry_input_components: 0,
            max_geometry_output_components: 0,
            max_geometry_output_vertices: 0,
            max_geometry_total_output_components: 0,
            max_fragment_input_components: 64,
            max_fragment_output_attachments: 4,
            max_fragment_dual_src_attachments: 0,
            max_fragment_combined_output_resources: 4,
            max_compute_shared_memory_size: 32768,
            max_compute_work_group_count: [65535; 3],
            max_compute_work_group_invocations: 1024,
            max_compute_work_group_size: [1024, 1024, 64],
            sub_pixel_precision_bits: 8,
            sub_texel_precision_bits: 4,
            mipmap_precision_bits: 4,
            max_draw_indexed_index_value: u32::MAX,
            // Indirect draws are read one record at a time when the command executes.
            max_draw_indirect_count: u32::MAX,
            max_sampler_lod_bias: 15.0,
            max_sampler_anisotropy: 1.0,
            max_viewports: 1,
            max_viewport_dimensions: [4096, 4096],
            viewport_bounds_range: [-8192.0, 8191.0],
            viewport_sub_pixel_bits: 0,
            min_memory_map_alignment: pumice_memory::ALLOCATION_ALIGNMENT,
            min_texel_buffer_offset_alignment: 16,
            min_uniform_buffer_offset_alignment: 16,
            min_storage_buffer_offset_alignment: 16,
            min_texel_offset: -8,
            max_texel_offset: 7,
            min_texel_gather_offset: 0,
            max_texel_gather_offset: 0,
            min_interpolation_offset: 0.0,
            max_interpolation_offset: 0.0,
            sub_pixel_interpolation_offset_bits: 0,
            max_framebuffer_width: 4096,
            max_framebuffer_height: 4096,
            max_framebuffer_layers: 256,
            framebuffer_color_sample_counts: MSAA_COUNTS,
            framebuffer_depth_sample_counts: MSAA_COUNTS,
            framebuffer_stencil_sample_counts: MSAA_COUNTS,
            framebuffer_no_attachments_sample_counts: MSAA_COUNTS,
            max_color_attachments: 4,
            // texelFetch reads any sample of a 4× image (`interp::image`).
            sampled_image_color_sample_counts: vk::SampleCountFlags::TYPE_1
                | vk::SampleCountFlags::TYPE_4,
            sampled_image_integer_sample_counts: vk::SampleCountFlags::TYPE_1
                | vk::SampleCountFlags::TYPE_4,
            sampled_image_depth_sample_counts: vk::SampleCountFlags::TYPE_1
                | vk::SampleCountFlags::TYPE_4,
            sampled_image_stencil_sample_counts: vk::SampleCountFlags::TYPE_1
                | vk::SampleCountFlags::TYPE_4,
            // Storage images of any sample count (`format_support`).
            storage_image_sample_counts: crate::format_support::STORAGE_SAMPLE_COUNTS,
            max_sample_mask_words: 1,
            timestamp_compute_and_graphics: vk::TRUE,
            timestamp_period: 1.0,
            // Clip and cull distances ride along as varyings (draw `shade_vertices`): the
            // specification's minimum of 8 each, 8 together.
            max_clip_distances: 8,
            max_cull_distances: 8,
            max_combined_clip_and_cull_distances: 8,
            discrete_queue_priorities: 2,
            // Point sprites of any clamped size (raster `prims`); lines are 1 pixel wide.
            point_size_range: pumice_raster::POINT_SIZE_RANGE,
            line_width_range: [1.0, 1.0],
            point_size_granularity: pumice_raster::POINT_SIZE_GRANULARITY,
            line_width_granularity: 0.0,
            strict_lines: vk::FALSE,
            standard_sample_locations: vk::TRUE,
            optimal_buffer_copy_offset_alignment: 1,
            optimal_buffer_copy_row_pitch_alignment: 1,
            non_coherent_atom_size: 1,
        }
    }

    pub fn properties(&self) -> vk::PhysicalDeviceProperties {
        let mut props = vk::PhysicalDeviceProperties {
            api_version: API_VERSION,
            driver_version: DRIVER_VERSION,
            vendor_id: VENDOR_ID,
            device_id: DEVICE_ID,
            device_type: vk::PhysicalDeviceType::CPU,
            limits: self.limits(),
            pipeline_cache_uuid: self.pipeline_cache_uuid,
            ..Default::default()
        };
        copy_str(&mut props.device_name, &self.device_name);
        props
    }

    /// The 1.0 features that work.
    pub fn features(&self) -> vk::PhysicalDeviceFeatures {
        vk::PhysicalDeviceFeatures {
            // Every buffer access of a shader is bounds-checked (loads outside read 0, stores
            // outside are dropped), and vertex fetch outside a buffer reads 0.
            robust_buffer_access: vk::TRUE,
            // 32-bit indices are read whole.
            full_draw_index_uint32: vk::TRUE,
            // Each colour attachment has its own blend state in the rasterizer.
            independent_blend: vk::TRUE,
            // The 16 logic ops on integer and normalized attachments (raster `output`).
            logic_op: vk::TRUE,
            // The rasterizer clamps depth instead of clipping when asked.
            depth_clamp: vk::TRUE,
            // Depth bias is applied per polygon, with its clamp (raster `setup`).
            depth_bias_clamp: vk::TRUE,
            // The depth bounds test runs before the stencil test (raster `output`).
            depth_bounds: vk::TRUE,
            // Fragment and vertex shaders may write storage buffers and use atomics (helper
            // lanes never write).
            fragment_stores_and_atomics: vk::TRUE,
            vertex_pipeline_stores_and_atomics: vk::TRUE,
            // 64-bit integers and doubles are register pairs in the shader interpreter
            // (`pumice_shader::lower::wide`); doubles are IEEE binary64. (64-bit atomics, and
            // 64-bit stage inputs and outputs, are refused at pipeline creation.)
            shader_int64: vk::TRUE,
            shader_float64: vk::TRUE,
            // Polygon modes LINE and POINT (raster `prims`).
            fill_mode_non_solid: vk::TRUE,
            // User clip planes and cull distances (raster `clip`, `pass::culled`).
            shader_clip_distance: vk::TRUE,
            shader_cull_distance: vk::TRUE,
            // PointSize up to `pointSizeRange[1]`.
            large_points: vk::TRUE,
            // Indirect draws read any number of records, with their firstInstance.
            multi_draw_indirect: vk::TRUE,
            draw_indirect_first_instance: vk::TRUE,
            // Occlusion queries count every sample that passed the depth and stencil tests.
            occlusion_query_precise: vk::TRUE,
            // Occlusion queries stay active while a primary executes secondaries: their draws
            // count like the primary's own (`queue::ExecState`).
            inherited_queries: vk::TRUE,
            // One fragment-shader invocation per sample when minSampleShading asks for more
            // than one per pixel (raster `tile`), and alpha-to-one (raster `output::samples`).
            sample_rate_shading: vk::TRUE,
            alpha_to_one: vk::TRUE,
            // imageLoad/imageStore on multisampled storage images, any sample index (pumice-shader
            // `legalize::storage_ms_as_arrayed`; outside the image reads 0, writes nothing).
            shader_storage_image_multisample: vk::TRUE,
            ..Default::default()
        }
    }

    pub fn vulkan11_features(&self, f: &mut vk::PhysicalDeviceVulkan11Features) {
        // BaseVertex, BaseInstance and DrawIndex (the record's index in an indirect draw)
        // are vertex inputs (draw `fetch`; tests/api_graphics.rs).
        f.shader_draw_parameters = vk::TRUE;
        // Each subpass (or dynamic rendering instance) with a view mask runs once per view,
        // on that layer of its attachments, with ViewIndex set (`RenderTargets::per_view`;
        // tests/api_graphics.rs). Input attachments in multiview subpasses are refused.
        f.multiview = vk::TRUE;
    }

    pub fn vulkan12_features(&self, f: &mut vk::PhysicalDeviceVulkan12Features) {
        f.timeline_semaphore = vk::TRUE;
        f.host_query_reset = vk::TRUE;
        // vkCmdDrawIndirectCount and vkCmdDrawIndexedIndirectCount.
        f.draw_indirect_count = vk::TRUE;
        // Framebuffers whose views come with vkCmdBeginRenderPass (tests/api_graphics.rs).
        f.imageless_framebuffer = vk::TRUE;
        // Image layouts change nothing in Pumice's memory: depth-only and stencil-only layouts
        // (and VkAttachmentReferenceStencilLayout) are as good as any.
        f.separate_depth_stencil_layouts = vk::TRUE;
        // Uniform blocks are read by their Offset and ArrayStride decorations, whatever the
        // layout (naga's WGSL layout check is off: pumice-shader `front`); std430 uniform
        // blocks are tested in pumice-shader's tests/required_features.rs.
        f.uniform_buffer_standard_layout = vk::TRUE;
        // A broadcast with a non-constant id becomes a shuffle by that id (pumice-shader
        // `legalize::lower_dynamic_broadcast`).
        f.subgroup_broadcast_dynamic_id = vk::TRUE;
        // Subgroup operations on 64-bit integers and doubles (register pairs; reductions and
        // scans by `Inst::GroupReduceWide`). 8- and 16-bit types are not supported at all.
        f.shader_subgroup_extended_types = vk::TRUE;
        // The Vulkan memory model is read as GLSL450 without its availability and visibility
        // operands: memory is coherent, buffer atomics are SeqCst CPU atomics, workgroups
        // meet at barriers (pumice-shader `legalize::lower_vulkan_memory_model`).
        f.vulkan_memory_model = vk::TRUE;
        f.vulkan_memory_model_device_scope = vk::TRUE;
        // Every allocation has its own range of device addresses; shaders' PhysicalStorageBuffer
        // pointers become 64-bit addresses looked up, bounds-checked, in the table of live
        // allocations (pumice-shader `legalize::physical_pointers_as_addresses`, `Space::Device`;
        // tests/api_compute_device_address.rs). Capture-replay and multi-device are not.
        f.buffer_device_address = vk::TRUE;
    }

    pub fn vulkan13_features(&self, f: &mut vk::PhysicalDeviceVulkan13Features) {
        f.synchronization2 = vk::TRUE;
        // OpTerminateInvocation is lowered to OpKill, which ends the invocation the same way.
        f.shader_terminate_invocation = vk::TRUE;
        // A demoted lane keeps running for its quad's derivatives but writes nothing and its
        // fragment is discarded (pumice-shader `legalize::demote_as_calls`, `Inst::Demote`;
        // tests/api_graphics.rs).
        f.shader_demote_to_helper_invocation = vk::TRUE;
        f.maintenance4 = vk::TRUE;
        f.private_data = vk::TRUE;
        // INLINE_UNIFORM_BLOCK descriptors, read by shaders as uniform blocks
        // (tests/api_compute.rs); not updatable after binding.
        f.inline_uniform_block = vk::TRUE;
        // OpSDot/OpUDot/OpSUDot (and AccSat) on packed 4×8 and on 32-bit vectors, lowered to
        // exact 32- and 64-bit arithmetic (pumice-shader `legalize::lower_integer_dot_product`);
        // 8- and 16-bit vectors cannot occur without Int8/Int16, which are not supported.
        f.shader_integer_dot_product = vk::TRUE;
        // Every workgroup starts with its shared memory zeroed (`compute::dispatch`), and the
        // null initializers are legalized away.
        f.shader_zero_initialize_workgroup_memory = vk::TRUE;
        // vkCmdBeginRendering/vkCmdEndRendering (tests/api_graphics.rs).
        f.dynamic_rendering = vk::TRUE;
        // FAIL_ON_PIPELINE_COMPILE_REQUIRED answers VK_PIPELINE_COMPILE_REQUIRED (every
        // pipeline compiles when created) and caches take EXTERNALLY_SYNCHRONIZED (entry
        // `create_pipelines`).
        f.pipeline_creation_cache_control = vk::TRUE;
        // Every image load, fetch, store and atomic is checked against the view's levels,
        // layers, samples and extent: outside reads (0, 0, 0, 1), writes nothing
        // (crates/shader/tests/robust_images.rs).
        f.robust_image_access = vk::TRUE;
        // The one subgroup size there is (W lanes, compute) is the required size a pipeline
        // may ask for; workgroups run as whole batches of W, so with a local size that is a
        // multiple of W every subgroup is full.
        f.subgroup_size_control = vk::TRUE;
        f.compute_full_subgroups = vk::TRUE;
    }

    pub fn vulkan11_properties(&self, p: &mut vk::PhysicalDeviceVulkan11Properties) {
        p.device_uuid = self.device_uuid;
        p.driver_uuid = self.driver_uuid;
        p.device_luid = [0; 8];
        p.device_node_mask = 0;
        p.device_luid_valid = vk::FALSE;
        // A subgroup is one interpreter batch: W lanes in lockstep (compute only, so far).
        p.subgroup_size = pumice_shader::ir::W as u32;
        p.subgroup_supported_stages = vk::ShaderStageFlags::COMPUTE;
        p.subgroup_supported_operations = vk::SubgroupFeatureFlags::BASIC
            | vk::SubgroupFeatureFlags::VOTE
            | vk::SubgroupFeatureFlags::ARITHMETIC
            | vk::SubgroupFeatureFlags::CLUSTERED
            | vk::SubgroupFeatureFlags::BALLOT
            | vk::SubgroupFeatureFlags::SHUFFLE
            | vk::SubgroupFeatureFlags::SHUFFLE_RELATIVE
            | vk::SubgroupFeatureFlags::QUAD;
        p.subgroup_quad_operations_in_all_stages = vk::FALSE;
        p.point_clipping_behavior = vk::PointClippingBehavior::ALL_CLIP_PLANES;
        // The spec's minimums: any mask of 32 views would work (views run one after another),
        // and instance indices are 32-bit.
        p.max_multiview_view_count = 6;
        p.max_multiview_instance_index = (1 << 27) - 1;
        p.protected_no_fault = vk::FALSE;
        p.max_per_set_descriptors = 1024;
        p.max_memory_allocation_size = self.heap_size;
    }

    pub fn vulkan12_properties(&self, p: &mut vk::PhysicalDeviceVulkan12Properties) {
        // No VkDriverId is registered for Pumice; 0 is reported and the name says who we are.
        p.driver_id = vk::DriverId::from_raw(0);
        copy_cstr(&mut p.driver_name, DRIVER_NAME);
        copy_cstr(
            &mut p.driver_info,
            concat!("Pumice ", env!("CARGO_PKG_VERSION"), " (no JIT)"),
        );
        p.conformance_version = vk::ConformanceVersion::default();
        p.denorm_behavior_independence = vk::ShaderFloatControlsIndependence::ALL;
        // The interpreter's float arithmetic is Rust's IEEE arithmetic: denormals, signed
        // zeros, infinities and NaNs kept, round to nearest even (legalize::strip_extensions).
        for (preserve, signed_zero, rte) in [
            (
                &mut p.shader_denorm_preserve_float32,
                &mut p.shader_signed_zero_inf_nan_preserve_float32,
                &mut p.shader_rounding_mode_rte_float32,
            ),
            (
                &mut p.shader_denorm_preserve_float64,
                &mut p.shader_signed_zero_inf_nan_preserve_float64,
                &mut p.shader_rounding_mode_rte_float64,
            ),
        ] {
            *preserve = vk::TRUE;
            *signed_zero = vk::TRUE;
            *rte = vk::TRUE;
        }
        p.rounding_mode_independence = vk::ShaderFloatControlsIndependence::ALL;
        p.max_update_after_bind_descriptors_in_all_pools = 0;
        // Depth and stencil resolves (raster `transfer::resolve_depth_stencil`); AVERAGE is
        // depth only.
        p.supported_depth_resolve_modes = DEPTH_STENCIL_RESOLVE_MODES;
        p.supported_stencil_resolve_modes =
            DEPTH_STENCIL_RESOLVE_MODES & !vk::ResolveModeFlags::AVERAGE;
        p.independent_resolve_none = vk::TRUE;
        p.independent_resolve = vk::TRUE;
        p.max_timeline_semaphore_value_difference = u64::MAX;
        p.framebuffer_integer_color_sample_counts = MSAA_COUNTS;
    }

    pub fn vulkan13_properties(&self, p: &mut vk::PhysicalDeviceVulkan13Properties) {
        p.min_subgroup_size = pumice_shader::ir::W as u32;
        p.max_subgroup_size = pumice_shader::ir::W as u32;
        p.max_compute_workgroup_subgroups = self
            .limits()
            .max_compute_work_group_invocations
            .div_ceil(pumice_shader::ir::W as u32);
        p.required_subgroup_size_stages = vk::ShaderStageFlags::COMPUTE;
        // Inline uniform blocks: any size works (a copy of the set's bytes is bound as a
        // uniform buffer when a command runs: `queue::find_descriptors`); the spec's minimums.
        p.max_inline_uniform_block_size = 256;
        p.max_per_stage_descriptor_inline_uniform_blocks = 4;
        p.max_per_stage_descriptor_update_after_bind_inline_uniform_blocks = 4;
        p.max_descriptor_set_inline_uniform_blocks = 4;
        p.max_descriptor_set_update_after_bind_inline_uniform_blocks = 4;
        p.max_inline_uniform_total_size = 256;
        p.storage_texel_buffer_offset_alignment_bytes = 16;
        p.storage_texel_buffer_offset_single_texel_alignment = vk::FALSE;
        p.uniform_texel_buffer_offset_alignment_bytes = 16;
        p.uniform_texel_buffer_offset_single_texel_alignment = vk::FALSE;
        p.max_buffer_size = self.heap_size;
    }

    pub fn queue_family(&self) -> vk::QueueFamilyProperties {
        vk::QueueFamilyProperties {
            queue_flags: vk::QueueFlags::GRAPHICS
                | vk::QueueFlags::COMPUTE
                | vk::QueueFlags::TRANSFER,
            queue_count: QUEUE_COUNT,
            timestamp_valid_bits: 64,
            // Transfers work on any texel granularity.
            min_image_transfer_granularity: vk::Extent3D {
                width: 1,
                height: 1,
                depth: 1,
            },
        }
    }

    pub fn memory_properties(&self) -> vk::PhysicalDeviceMemoryProperties {
        let mut props = vk::PhysicalDeviceMemoryProperties {
            memory_type_count: MEMORY_TYPE_COUNT,
            memory_heap_count: 1,
            ..Default::default()
        };
        props.memory_types[0] = vk::MemoryType {
            property_flags: vk::MemoryPropertyFlags::DEVICE_LOCAL
                | vk::MemoryPropertyFlags::HOST_VISIBLE
                | vk::MemoryPropertyFlags::HOST_COHERENT
                | vk::MemoryPropertyFlags::HOST_CACHED,
            heap_index: 0,
        };
        props.memory_heaps[0] = vk::MemoryHeap {
            size: self.heap_size,
            flags: vk::MemoryHeapFlags::DEVICE_LOCAL,
        };
        props
    }

    pub fn format_properties(&self, format: vk::Format) -> vk::FormatProperties {
        format_support::format_properties(format)
    }
}

/// Writes `s` into a fixed-size C string field, truncating and terminating.
pub fn copy_cstr(dst: &mut [std::ffi::c_char], s: &str) {
    let n = s.len().min(dst.len().saturating_sub(1));
    for (d, &b) in dst.iter_mut().zip(s.as_bytes()[..n].iter()) {
        *d = b as std::ffi::c_char;
    }
    if let Some(end) = dst.get_mut(n) {
        *end = 0;
    }
}

fn copy_str(dst: &mut [std::ffi::c_char], s: &str) {
    copy_cstr(dst, s)
}

/// Reads a fixed-size C string field.
pub fn read_cstr(src: &[std::ffi::c_char]) -> String {
    let bytes: Vec<u8> = src
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
