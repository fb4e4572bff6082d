//! `VK_EXT_debug_utils`: messengers, object names and labels.

use std::ffi::{c_void, CString};

use ash::vk;

use crate::debug_utils::{Message, Messenger};
use crate::entry::device::device_ref;
use crate::entry::entry_points;
use crate::handle;
use crate::instance::Instance;

/// Calls one messenger's callback with a message.
pub(crate) fn deliver_debug_message(m: &Messenger, msg: &Message) {
    let Some(callback) = m.callback else { return };
    let to_c = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
    let id_name = to_c(&msg.id_name);
    let text = to_c(&msg.text);
    let names: Vec<Option<CString>> = msg
        .objects
        .iter()
        .map(|(_, _, n)| n.as_deref().map(to_c))
        .collect();
    let objects: Vec<vk::DebugUtilsObjectNameInfoEXT> = msg
        .objects
        .iter()
        .zip(&names)
        .map(|((ty, h, _), name)| vk::DebugUtilsObjectNameInfoEXT {
            object_type: *ty,
            object_handle: *h,
            p_object_name: name.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()),
            ..Default::default()
        })
        .collect();
    let data = vk::DebugUtilsMessengerCallbackDataEXT {
        p_message_id_name: id_name.as_ptr(),
        message_id_number: msg.id_number,
        p_message: text.as_ptr(),
        object_count: objects.len() as u32,
        p_objects: objects.as_ptr(),
        ..Default::default()
    };
    // SAFETY: the application registered this callback for exactly this call; every pointer in
    // `data` lives until it returns.
    unsafe { callback(msg.severity, msg.types, &data, m.user_data as *mut c_void) };
}

/// A message from the application's own structure.
///
/// # Safety
/// `data` must be a valid callback data structure.
unsafe fn message_from(
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    types: vk::DebugUtilsMessageTypeFlagsEXT,
    data: &vk::DebugUtilsMessengerCallbackDataEXT,
) -> Message {
    // SAFETY: forwarded contract.
    unsafe {
        let text = |p| {
            handle::cstr(p)
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        Message {
            severity,
            types,
            id_name: text(data.p_message_id_name),
            id_number: data.message_id_number,
            text: text(data.p_message),
            objects: handle::slice(data.p_objects, data.object_count)
                .iter()
                .map(|o| {
                    let name =
                        handle::cstr(o.p_object_name).map(|s| s.to_string_lossy().into_owned());
                    (o.object_type, o.object_handle, name)
                })
                .collect(),
        }
    }
}

entry_points! {
    Instance fn vkCreateDebugUtilsMessengerEXT(
        instance: vk::Instance,
        p_create_info: *const vk::DebugUtilsMessengerCreateInfoEXT,
        _p_allocator: *const vk::AllocationCallbacks,
        p_messenger: *mut vk::DebugUtilsMessengerEXT,
    ) -> Result {
        use ash::vk::Handle;
        // SAFETY: valid usage: a live instance, a valid create info and a writable pointer.
        unsafe {
            let inst: &Instance = handle::dispatchable(instance)?;
            let info = handle::req(p_create_info)?;
            let messenger = Messenger {
                severities: info.message_severity,
                types: info.message_type,
                callback: info.pfn_user_callback,
                user_data: info.p_user_data as usize,
            };
            let h: vk::DebugUtilsMessengerEXT = handle::new_handle(messenger.clone());
            inst.debug.add(h.as_raw(), messenger);
            handle::write(p_messenger, h)
        }
    }

    Instance fn vkDestroyDebugUtilsMessengerEXT(
        instance: vk::Instance,
        messenger: vk::DebugUtilsMessengerEXT,
        _p_allocator: *const vk::AllocationCallbacks,
    ) {
        use ash::vk::Handle;
        // SAFETY: valid usage: a live instance and messenger (or null).
        unsafe {
            if let Ok(inst) = handle::dispatchable::<_, Instance>(instance) {
                inst.debug.remove(messenger.as_raw());
            }
            handle::destroy::<_, Messenger>(messenger);
        }
    }

    Instance fn vkSubmitDebugUtilsMessageEXT(
        instance: vk::Instance,
        severity: vk::DebugUtilsMessageSeverityFlagsEXT,
        types: vk::DebugUtilsMessageTypeFlagsEXT,
        p_data: *const vk::DebugUtilsMessengerCallbackDataEXT,
    ) {
        // SAFETY: valid usage: a live instance and valid callback data.
        unsafe {
            let (Ok(inst), Ok(data)) = (handle::dispatchable::<_, Instance>(instance), handle::req(p_data)) else { return };
            inst.debug.emit(message_from(severity, types, data));
        }
    }

    Device fn vkSetDebugUtilsObjectNameEXT(device: vk::Device, p_info: *const vk::DebugUtilsObjectNameInfoEXT) -> Result {
        // SAFETY: valid usage: a live device and a valid info.
        unsafe {
            let dev = device_ref(device)?;
            let info = handle::req(p_info)?;
            let name = handle::cstr(info.p_object_name).map(|s| s.to_string_lossy().into_owned());
            dev.shared.debug.set_name(info.object_handle, name);
        }
        Ok(())
    }

    Device fn vkSetDebugUtilsObjectTagEXT(_device: vk::Device, _p_info: *const vk::DebugUtilsObjectTagInfoEXT) -> Result {
        // Tags are for tools that read them from the driver; Pumice has none.
        Ok(())
    }

    Device fn vkCmdBeginDebugUtilsLabelEXT(_command_buffer: vk::CommandBuffer, _p_label: *const vk::DebugUtilsLabelEXT) {
        // Labels annotate captures; there is nothing to capture them.
    }

    Device fn vkCmdEndDebugUtilsLabelEXT(_command_buffer: vk::CommandBuffer) {}

    Device fn vkCmdInsertDebugUtilsLabelEXT(_command_buffer: vk::CommandBuffer, _p_label: *const vk::DebugUtilsLabelEXT) {}

    Device fn vkQueueBeginDebugUtilsLabelEXT(_queue: vk::Queue, _p_label: *const vk::DebugUtilsLabelEXT) {}

    Device fn vkQueueEndDebugUtilsLabelEXT(_queue: vk::Queue) {}

    Device fn vkQueueInsertDebugUtilsLabelEXT(_queue: vk::Queue, _p_label: *const vk::DebugUtilsLabelEXT) {}
}
