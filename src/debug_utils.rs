//! `VK_EXT_debug_utils`: messengers and object names.
//!
//! The driver reports its own errors (an allocation it cannot make, a device lost) through the
//! instance's messengers, naming the objects involved with the names the application gave them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ash::vk;

use crate::handle::HandleObject;

/// A registered `VkDebugUtilsMessengerEXT`.
#[derive(Debug, Clone)]
pub struct Messenger {
    pub severities: vk::DebugUtilsMessageSeverityFlagsEXT,
    pub types: vk::DebugUtilsMessageTypeFlagsEXT,
    pub callback: vk::PFN_vkDebugUtilsMessengerCallbackEXT,
    /// The application's `pUserData`, passed back untouched.
    pub user_data: usize,
}

impl HandleObject for Messenger {
    const TAG: u64 = u64::from_le_bytes(*b"pmDBGMSG");
}

/// One message, before it is turned into the C structures.
#[derive(Debug, Clone)]
pub struct Message {
    pub severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    pub types: vk::DebugUtilsMessageTypeFlagsEXT,
    pub id_name: String,
    pub id_number: i32,
    pub text: String,
    /// (type, handle, name) of the objects the message is about.
    pub objects: Vec<(vk::ObjectType, u64, Option<String>)>,
}

/// The messengers of an instance (and those chained to its create info), and object names.
#[derive(Debug, Default)]
pub struct DebugUtils {
    messengers: Mutex<Vec<(u64, Messenger)>>,
    names: Mutex<HashMap<u64, String>>,
}

impl DebugUtils {
    pub fn add(&self, id: u64, messenger: Messenger) {
        self.messengers.lock().unwrap().push((id, messenger));
    }

    pub fn remove(&self, id: u64) {
        self.messengers.lock().unwrap().retain(|(i, _)| *i != id);
    }

    pub fn set_name(&self, handle: u64, name: Option<String>) {
        let mut names = self.names.lock().unwrap();
        match name {
            Some(n) => names.insert(handle, n),
            None => names.remove(&handle),
        };
    }

    pub fn name_of(&self, handle: u64) -> Option<String> {
        self.names.lock().unwrap().get(&handle).cloned()
    }

    /// Delivers a message to every messenger that wants it. Returns how many received it.
    pub fn emit(&self, mut message: Message) -> usize {
        for (_, handle, name) in &mut message.objects {
            if name.is_none() {
                *name = self.name_of(*handle);
            }
        }
        // Copy the list so a callback may create or destroy messengers without deadlocking.
        let messengers: Vec<Messenger> = self
            .messengers
            .lock()
            .unwrap()
            .iter()
            .map(|(_, m)| m.clone())
            .collect();
        let mut delivered = 0;
        for m in messengers {
            if m.severities.intersects(message.severity) && m.types.intersects(message.types) {
                crate::entry::deliver_debug_message(&m, &message);
                delivered += 1;
            }
        }
        delivered
    }

    /// A driver error report, about one object.
    pub fn error(&self, text: String, object: (vk::ObjectType, u64)) {
        self.emit(Message {
            severity: vk::DebugUtilsMessageSeverityFlagsEXT::ERROR,
            types: vk::DebugUtilsMessageTypeFlagsEXT::GENERAL,
            id_name: "pumice".into(),
            id_number: 0,
            text,
            objects: vec![(object.0, object.1, None)],
        });
    }
}

pub type SharedDebug = Arc<DebugUtils>;
