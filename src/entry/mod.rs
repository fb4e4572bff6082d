//! The C ABI: the loader interface and every Vulkan command, as thin shells.
//!
//! Each family module declares its commands inside one [`entry_points!`] block. The macro writes
//! the `extern "system"` function (which catches panics and turns the body's `Result` into a
//! `VkResult`) and the module's list of (name, level, pointer) rows, so the table that
//! `vkGetInstanceProcAddr` answers from cannot drift from what is implemented. The shells decode
//! the application's structures (that is where the `unsafe` is) and call the safe object model.
//!
//! Names exported from the shared library are only the `vk_icd*` functions below: the Vulkan
//! commands themselves are reached through the loader's dispatch, never by symbol.

use std::collections::HashMap;
use std::ffi::{c_char, CStr};
use std::sync::LazyLock;

use ash::vk;

pub(crate) mod command;
pub(crate) mod compute;
mod debug;
pub(crate) use debug::deliver_debug_message;
mod descriptor;
mod device;
mod draw;
mod instance;
mod memory;
mod pipeline;
mod query;
mod render;
mod resource;
mod shader;
mod sync;
mod transfer;

/// Which handle a command is dispatched on, which decides who may look it up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// No dispatchable handle (`vkCreateInstance`, `vkEnumerateInstance*`).
    Global,
    Instance,
    /// Dispatched on a `VkPhysicalDevice`: answered by `vk_icdGetPhysicalDeviceProcAddr`.
    Physical,
    /// Dispatched on a device, queue or command buffer: answered by `vkGetDeviceProcAddr`.
    Device,
}

pub(crate) struct CommandEntry {
    pub name: &'static str,
    pub level: Level,
    pub function: unsafe extern "system" fn(),
}

/// What an entry body returns, and what the C function returns for it.
pub(crate) trait EntryResult {
    type Out;
    fn finish(self) -> Self::Out;
    /// The value returned when the body panicked.
    fn panicked() -> Self::Out;
}

impl EntryResult for () {
    type Out = ();
    fn finish(self) {}
    fn panicked() {}
}

impl EntryResult for Result<(), vk::Result> {
    type Out = vk::Result;
    fn finish(self) -> vk::Result {
        match self {
            Ok(()) => vk::Result::SUCCESS,
            Err(e) => e,
        }
    }
    fn panicked() -> vk::Result {
        vk::Result::ERROR_UNKNOWN
    }
}

/// For commands with several success codes (`VK_INCOMPLETE`, `VK_TIMEOUT`, `VK_NOT_READY`…).
impl EntryResult for Result<vk::Result, vk::Result> {
    type Out = vk::Result;
    fn finish(self) -> vk::Result {
        match self {
            Ok(r) | Err(r) => r,
        }
    }
    fn panicked() -> vk::Result {
        vk::Result::ERROR_UNKNOWN
    }
}

macro_rules! plain_entry_result {
    ($($t:ty),*) => {$(
        impl EntryResult for $t {
            type Out = $t;
            fn finish(self) -> $t {
                self
            }
            fn panicked() -> $t {
                Default::default()
            }
        }
    )*};
}
plain_entry_result!(u32, u64, vk::PFN_vkVoidFunction);

/// Runs an entry body: no panic crosses into the application.
pub(crate) fn guard<R: EntryResult>(body: impl FnOnce() -> R) -> R::Out {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(r) => r.finish(),
        Err(_) => R::panicked(),
    }
}

/// The C return type for a body kind.
macro_rules! ret_type {
    () => {
        ()
    };
    (Result) => {
        ash::vk::Result
    };
    (Status) => {
        ash::vk::Result
    };
    (Bool32) => {
        ash::vk::Bool32
    };
    (u32) => {
        u32
    };
    (u64) => {
        u64
    };
    (VoidFunction) => {
        ash::vk::PFN_vkVoidFunction
    };
}

/// The body's Rust type for a body kind.
macro_rules! body_type {
    () => { () };
    (Result) => { Result<(), ash::vk::Result> };
    (Status) => { Result<ash::vk::Result, ash::vk::Result> };
    (Bool32) => { ash::vk::Bool32 };
    (u32) => { u32 };
    (u64) => { u64 };
    (VoidFunction) => { ash::vk::PFN_vkVoidFunction };
}

/// Declares Vulkan commands: `Level fn vkName(args) -> Kind { body }`, where `Kind` is
/// `Result` (body returns `Result<(), vk::Result>`), `Status` (`Result<vk::Result, vk::Result>`
/// for commands with several success codes), a plain value type, or nothing.
macro_rules! entry_points {
    ($( $level:ident fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) $(-> $ret:ident)? $body:block )*) => {
        $(
            #[allow(non_snake_case, clippy::missing_safety_doc)]
            pub(crate) unsafe extern "system" fn $name($($arg: $ty),*) -> crate::entry::ret_type!($($ret)?) {
                crate::entry::guard(move || -> crate::entry::body_type!($($ret)?) { $body })
            }
        )*

        pub(crate) fn commands() -> Vec<crate::entry::CommandEntry> {
            vec![$(
                crate::entry::CommandEntry {
                    name: stringify!($name),
                    level: crate::entry::Level::$level,
                    function: {
                        let f: unsafe extern "system" fn($($ty),*) -> crate::entry::ret_type!($($ret)?) = $name;
                        // SAFETY: all function pointers have one size and representation; the
                        // application casts the pointer back to the command's real type.
                        unsafe { std::mem::transmute::<_, unsafe extern "system" fn()>(f) }
                    },
                },
            )*]
        }
    };
}

pub(crate) use {body_type, entry_points, ret_type};

/// KHR/EXT names of commands promoted to core, answered with the core command.
const ALIASES: &[(&str, &str)] = &[
    (
        "vkEnumeratePhysicalDeviceGroupsKHR",
        "vkEnumeratePhysicalDeviceGroups",
    ),
    (
        "vkGetPhysicalDeviceFeatures2KHR",
        "vkGetPhysicalDeviceFeatures2",
    ),
    (
        "vkGetPhysicalDeviceProperties2KHR",
        "vkGetPhysicalDeviceProperties2",
    ),
    (
        "vkGetPhysicalDeviceFormatProperties2KHR",
        "vkGetPhysicalDeviceFormatProperties2",
    ),
    (
        "vkGetPhysicalDeviceImageFormatProperties2KHR",
        "vkGetPhysicalDeviceImageFormatProperties2",
    ),
    (
        "vkGetPhysicalDeviceQueueFamilyProperties2KHR",
        "vkGetPhysicalDeviceQueueFamilyProperties2",
    ),
    (
        "vkGetPhysicalDeviceMemoryProperties2KHR",
        "vkGetPhysicalDeviceMemoryProperties2",
    ),
    (
        "vkGetPhysicalDeviceSparseImageFormatProperties2KHR",
        "vkGetPhysicalDeviceSparseImageFormatProperties2",
    ),
    (
        "vkGetPhysicalDeviceExternalBufferPropertiesKHR",
        "vkGetPhysicalDeviceExternalBufferProperties",
    ),
    (
        "vkGetPhysicalDeviceExternalFencePropertiesKHR",
        "vkGetPhysicalDeviceExternalFenceProperties",
    ),
    (
        "vkGetPhysicalDeviceExternalSemaphorePropertiesKHR",
        "vkGetPhysicalDeviceExternalSemaphoreProperties",
    ),
    (
        "vkGetPhysicalDeviceToolPropertiesEXT",
        "vkGetPhysicalDeviceToolProperties",
    ),
    (
        "vkGetBufferMemoryRequirements2KHR",
        "vkGetBufferMemoryRequirements2",
    ),
    ("vkGetBufferDeviceAddressKHR", "vkGetBufferDeviceAddress"),
    ("vkGetBufferDeviceAddressEXT", "vkGetBufferDeviceAddress"),
    (
        "vkGetBufferOpaqueCaptureAddressKHR",
        "vkGetBufferOpaqueCaptureAddress",
    ),
    (
        "vkGetDeviceMemoryOpaqueCaptureAddressKHR",
        "vkGetDeviceMemoryOpaqueCaptureAddress",
    ),
    (
        "vkGetImageMemoryRequirements2KHR",
        "vkGetImageMemoryRequirements2",
    ),
    (
        "vkGetImageSparseMemoryRequirements2KHR",
        "vkGetImageSparseMemoryRequirements2",
    ),
    (
        "vkGetDeviceBufferMemoryRequirementsKHR",
        "vkGetDeviceBufferMemoryRequirements",
    ),
    (
        "vkGetDeviceImageMemoryRequirementsKHR",
        "vkGetDeviceImageMemoryRequirements",
    ),
    (
        "vkGetDeviceImageSparseMemoryRequirementsKHR",
        "vkGetDeviceImageSparseMemoryRequirements",
    ),
    ("vkBindBufferMemory2KHR", "vkBindBufferMemory2"),
    ("vkBindImageMemory2KHR", "vkBindImageMemory2"),
    ("vkTrimCommandPoolKHR", "vkTrimCommandPool"),
    (
        "vkGetSemaphoreCounterValueKHR",
        "vkGetSemaphoreCounterValue",
    ),
    ("vkWaitSemaphoresKHR", "vkWaitSemaphores"),
    ("vkSignalSemaphoreKHR", "vkSignalSemaphore"),
    ("vkResetQueryPoolEXT", "vkResetQueryPool"),
    ("vkCmdPipelineBarrier2KHR", "vkCmdPipelineBarrier2"),
    ("vkCmdWriteTimestamp2KHR", "vkCmdWriteTimestamp2"),
    ("vkQueueSubmit2KHR", "vkQueueSubmit2"),
    ("vkCmdSetEvent2KHR", "vkCmdSetEvent2"),
    ("vkCmdResetEvent2KHR", "vkCmdResetEvent2"),
    ("vkCmdWaitEvents2KHR", "vkCmdWaitEvents2"),
    ("vkCmdCopyBuffer2KHR", "vkCmdCopyBuffer2"),
    ("vkCmdCopyImage2KHR", "vkCmdCopyImage2"),
    ("vkCmdCopyBufferToImage2KHR", "vkCmdCopyBufferToImage2"),
    ("vkCmdCopyImageToBuffer2KHR", "vkCmdCopyImageToBuffer2"),
    ("vkCmdBlitImage2KHR", "vkCmdBlitImage2"),
    ("vkCmdResolveImage2KHR", "vkCmdResolveImage2"),
    ("vkCreatePrivateDataSlotEXT", "vkCreatePrivateDataSlot"),
    ("vkDestroyPrivateDataSlotEXT", "vkDestroyPrivateDataSlot"),
    ("vkSetPrivateDataEXT", "vkSetPrivateData"),
    ("vkGetPrivateDataEXT", "vkGetPrivateData"),
    (
        "vkGetDeviceGroupPeerMemoryFeaturesKHR",
        "vkGetDeviceGroupPeerMemoryFeatures",
    ),
    ("vkCmdSetDeviceMaskKHR", "vkCmdSetDeviceMask"),
    ("vkCreateRenderPass2KHR", "vkCreateRenderPass2"),
    ("vkCmdBeginRenderPass2KHR", "vkCmdBeginRenderPass2"),
    ("vkCmdEndRenderPass2KHR", "vkCmdEndRenderPass2"),
    ("vkCmdNextSubpass2KHR", "vkCmdNextSubpass2"),
    ("vkCmdBeginRenderingKHR", "vkCmdBeginRendering"),
    ("vkCmdEndRenderingKHR", "vkCmdEndRendering"),
    ("vkCmdDispatchBaseKHR", "vkCmdDispatchBase"),
    (
        "vkCreateDescriptorUpdateTemplateKHR",
        "vkCreateDescriptorUpdateTemplate",
    ),
    (
        "vkDestroyDescriptorUpdateTemplateKHR",
        "vkDestroyDescriptorUpdateTemplate",
    ),
    (
        "vkUpdateDescriptorSetWithTemplateKHR",
        "vkUpdateDescriptorSetWithTemplate",
    ),
    (
        "vkGetDescriptorSetLayoutSupportKHR",
        "vkGetDescriptorSetLayoutSupport",
    ),
];

struct Table {
    by_name: HashMap<&'static str, (Level, unsafe extern "system" fn())>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut by_name = HashMap::new();
    let families = [
        instance::commands(),
        device::commands(),
        memory::commands(),
        resource::commands(),
        command::commands(),
        transfer::commands(),
        sync::commands(),
        query::commands(),
        debug::commands(),
        render::commands(),
        draw::commands(),
        shader::commands(),
        descriptor::commands(),
        pipeline::commands(),
        compute::commands(),
    ];
    for entry in families.into_iter().flatten() {
        by_name.insert(entry.name, (entry.level, entry.function));
    }
    for (alias, target) in ALIASES {
        if let Some(&found) = by_name.get(target) {
            by_name.insert(alias, found);
        }
    }
    Table { by_name }
});

/// Looks a command up for a caller that may see the given levels.
pub(crate) fn lookup(name: &CStr, allowed: &[Level]) -> vk::PFN_vkVoidFunction {
    let name = name.to_str().ok()?;
    let &(level, function) = TABLE.by_name.get(name)?;
    allowed.contains(&level).then_some(function)
}

/// Every command name the driver implements, for tests.
pub fn implemented_commands() -> Vec<&'static str> {
    let mut names: Vec<_> = TABLE.by_name.keys().copied().collect();
    names.sort_unstable();
    names
}

/// The loader interface versions Pumice speaks: 5 (the loader passes the application's API
/// version through) up to 7 (the `vk_icd*` functions are exported by name).
const MIN_LOADER_INTERFACE: u32 = 5;
const MAX_LOADER_INTERFACE: u32 = 7;

/// Agrees on a loader interface version.
///
/// # Safety
/// `p_supported_version` must be valid for reading and writing (the loader's contract).
#[no_mangle]
pub unsafe extern "system" fn vk_icdNegotiateLoaderICDInterfaceVersion(
    p_supported_version: *mut u32,
) -> vk::Result {
    guard(|| -> Result<(), vk::Result> {
        // SAFETY: the loader passes a valid pointer.
        let loader = unsafe { *crate::handle::req(p_supported_version)? };
        if loader < MIN_LOADER_INTERFACE {
            return Err(vk::Result::ERROR_INCOMPATIBLE_DRIVER);
        }
        // SAFETY: as above.
        unsafe { crate::handle::write(p_supported_version, loader.min(MAX_LOADER_INTERFACE)) }
    })
}

/// The loader's `vkGetInstanceProcAddr`.
///
/// # Safety
/// `p_name` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "system" fn vk_icdGetInstanceProcAddr(
    instance: vk::Instance,
    p_name: *const c_char,
) -> vk::PFN_vkVoidFunction {
    // SAFETY: forwarded contract.
    unsafe { instance::vkGetInstanceProcAddr(instance, p_name) }
}

/// Physical-device-level commands the loader does not know by name.
///
/// # Safety
/// `p_name` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "system" fn vk_icdGetPhysicalDeviceProcAddr(
    _instance: vk::Instance,
    p_name: *const c_char,
) -> vk::PFN_vkVoidFunction {
    guard(|| {
        // SAFETY: the loader passes a NUL-terminated name.
        let name = unsafe { crate::handle::cstr(p_name) }?;
        lookup(name, &[Level::Physical])
    })
}
