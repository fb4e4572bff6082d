//! `VkDevice`: its queues, its memory accounting and its private data.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use ash::vk;

use crate::handle::HandleObject;
use crate::queue::DeviceShared;

/// Device extensions, with their spec versions. Each is listed because what it adds works.
pub const DEVICE_EXTENSIONS: &[(&str, u32)] = &[
    ("VK_KHR_bind_memory2", 1),
    ("VK_KHR_buffer_device_address", 1),
    ("VK_KHR_copy_commands2", 1),
    ("VK_KHR_dedicated_allocation", 3),
    ("VK_KHR_dynamic_rendering", 1),
    ("VK_KHR_format_feature_flags2", 2),
    ("VK_KHR_get_memory_requirements2", 1),
    ("VK_KHR_maintenance1", 2),
    ("VK_KHR_maintenance4", 2),
    ("VK_KHR_multiview", 1),
    ("VK_KHR_shader_draw_parameters", 1),
    ("VK_KHR_shader_float_controls", 4),
    ("VK_KHR_shader_integer_dot_product", 1),
    ("VK_KHR_shader_subgroup_extended_types", 1),
    ("VK_KHR_shader_terminate_invocation", 1),
    ("VK_KHR_spirv_1_4", 1),
    ("VK_KHR_storage_buffer_storage_class", 1),
    ("VK_KHR_synchronization2", 1),
    ("VK_KHR_timeline_semaphore", 2),
    ("VK_KHR_uniform_buffer_standard_layout", 1),
    ("VK_KHR_vulkan_memory_model", 3),
    ("VK_KHR_zero_initialize_workgroup_memory", 1),
    ("VK_EXT_host_query_reset", 1),
    ("VK_EXT_inline_uniform_block", 1),
    ("VK_EXT_shader_demote_to_helper_invocation", 1),
    ("VK_EXT_private_data", 1),
];

#[derive(Debug)]
pub struct Device {
    pub shared: Arc<DeviceShared>,
    /// Queue handles by (family, index); the queues are owned here.
    pub queues: Vec<(u32, u32, vk::Queue)>,
    pub heap_size: u64,
    pub heap_usage: Arc<AtomicU64>,
    pub private_data: Mutex<HashMap<(u64, u64), u64>>,
}

impl HandleObject for Device {
    const TAG: u64 = u64::from_le_bytes(*b"pmDEVICE");
}

/// `VkPrivateDataSlot`: its identity is its handle value.
#[derive(Debug, Default)]
pub struct PrivateDataSlot;

impl HandleObject for PrivateDataSlot {
    const TAG: u64 = u64::from_le_bytes(*b"pmPRVDAT");
}
