//! `VkInstance`: the enabled extensions, the debug messengers and the one physical device.

use std::sync::Arc;

use ash::vk;

use crate::debug_utils::DebugUtils;
use crate::handle::HandleObject;
use crate::physical_device::PhysicalDevice;

/// Instance extensions, with their spec versions.
pub const INSTANCE_EXTENSIONS: &[(&str, u32)] = &[
    ("VK_KHR_get_physical_device_properties2", 2),
    ("VK_KHR_external_memory_capabilities", 1),
    ("VK_KHR_external_fence_capabilities", 1),
    ("VK_KHR_external_semaphore_capabilities", 1),
    ("VK_KHR_device_group_creation", 1),
    ("VK_EXT_debug_utils", 2),
];

#[derive(Debug)]
pub struct Instance {
    pub api_version: u32,
    pub debug: Arc<DebugUtils>,
    /// The dispatchable handle of the one physical device; owned here.
    pub physical_device: vk::PhysicalDevice,
}

impl HandleObject for Instance {
    const TAG: u64 = u64::from_le_bytes(*b"pmINSTNC");
}

impl HandleObject for PhysicalDevice {
    const TAG: u64 = u64::from_le_bytes(*b"pmPHYDEV");
}

/// Checks the extensions an application asks for.
pub fn check_extensions<'a>(
    names: impl IntoIterator<Item = &'a str>,
    known: &[(&str, u32)],
) -> Result<(), vk::Result> {
    for name in names {
        if !known.iter().any(|(k, _)| *k == name) {
            return Err(vk::Result::ERROR_EXTENSION_NOT_PRESENT);
        }
    }
    Ok(())
}
