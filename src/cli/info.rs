//! `pumice info`: Pumice as an application sees it, through the system's Vulkan loader.

use std::io::{self, Write};

use ash::vk;

use super::manifest;

/// Formats whose support is summarised: the core formats of Vulkan 1.3, as ranges of raw values.
const FORMAT_RANGES: [(i32, i32); 5] = [
    (1, 184),                       // R4G4_UNORM_PACK8 ..= ASTC_12X12_SRGB_BLOCK
    (1_000_156_000, 1_000_156_033), // the YCbCr formats (1.1)
    (1_000_330_000, 1_000_330_003), // the 4:4:4 two-plane formats (1.3)
    (1_000_340_000, 1_000_340_001), // A4R4G4B4 / A4B4G4R4 (1.3)
    (1_000_066_000, 1_000_066_013), // ASTC HDR (1.3)
];

pub fn run() -> Result<(), String> {
    let manifest = manifest::write_temporary()?;
    manifest::select_only(&manifest);

    // SAFETY: loading the system loader runs its initialisers; it is the library every Vulkan
    // program loads, and nothing else in this process uses Vulkan concurrently.
    let entry = unsafe { ash::Entry::load() }.map_err(|e| {
        format!("cannot load the Vulkan loader libvulkan.so.1 ({e}); install libvulkan1")
    })?;
    let app = vk::ApplicationInfo::default()
        .application_name(c"pumice info")
        .api_version(vk::API_VERSION_1_3);
    // SAFETY: the create info and what it points to outlive the call.
    let instance = unsafe {
        entry.create_instance(
            &vk::InstanceCreateInfo::default().application_info(&app),
            None,
        )
    }
    .map_err(|e| {
        format!(
            "the Vulkan loader could not create an instance with Pumice ({e}); \
                 run with VK_LOADER_DEBUG=error,warn,driver to see why"
        )
    })?;
    let result = summarise(&instance);
    // SAFETY: every object made from the instance has been dropped; none outlives it.
    unsafe { instance.destroy_instance(None) };
    result
}

fn summarise(instance: &ash::Instance) -> Result<(), String> {
    // SAFETY: the instance is valid.
    let devices = unsafe { instance.enumerate_physical_devices() }
        .map_err(|e| format!("cannot enumerate physical devices: {e}"))?;
    let mut out = io::stdout().lock();
    let mut found = false;
    for (index, &device) in devices.iter().enumerate() {
        match print_device(&mut out, instance, index, device) {
            Ok(is_pumice) => found |= is_pumice,
            // A reader that went away (`pumice info | head`) is not worth reporting.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(format!("cannot write the summary: {e}")),
        }
    }
    if found {
        Ok(())
    } else {
        Err(format!(
            "no Pumice device found ({} other device(s)); run with VK_LOADER_DEBUG=error,warn,driver to see why",
            devices.len()
        ))
    }
}

/// Prints one physical device; returns whether it is Pumice's.
fn print_device(
    out: &mut impl Write,
    instance: &ash::Instance,
    index: usize,
    device: vk::PhysicalDevice,
) -> io::Result<bool> {
    let mut v12 = vk::PhysicalDeviceVulkan12Properties::default();
    let mut props2 = vk::PhysicalDeviceProperties2::default().push_next(&mut v12);
    // SAFETY: the device came from this instance; the chain is valid for the call.
    unsafe { instance.get_physical_device_properties2(device, &mut props2) };
    let props = props2.properties;
    let name = c_text(&props.device_name);
    let is_pumice = name.starts_with("Pumice");

    writeln!(out, "device {index}: {name}")?;
    writeln!(out, "  type:            {}", device_type(props.device_type))?;
    writeln!(out, "  API version:     {}", version(props.api_version))?;
    writeln!(
        out,
        "  driver version:  {} ({:#x})",
        version(props.driver_version),
        props.driver_version
    )?;
    writeln!(out, "  driver name:     {}", c_text(&v12.driver_name))?;
    writeln!(out, "  driver info:     {}", c_text(&v12.driver_info))?;
    writeln!(
        out,
        "  vendor/device:   {:#06x}/{:#06x}",
        props.vendor_id, props.device_id
    )?;

    // SAFETY: as above.
    let memory = unsafe { instance.get_physical_device_memory_properties(device) };
    for (i, heap) in memory.memory_heaps_as_slice().iter().enumerate() {
        writeln!(
            out,
            "  memory heap {i}:   {} ({:?})",
            size(heap.size),
            heap.flags
        )?;
    }
    for (i, ty) in memory.memory_types_as_slice().iter().enumerate() {
        writeln!(
            out,
            "  memory type {i}:   heap {} {:?}",
            ty.heap_index, ty.property_flags
        )?;
    }

    // SAFETY: as above.
    let families = unsafe { instance.get_physical_device_queue_family_properties(device) };
    for (i, family) in families.iter().enumerate() {
        writeln!(
            out,
            "  queue family {i}:  {} queue(s), {:?}, timestampValidBits {}",
            family.queue_count, family.queue_flags, family.timestamp_valid_bits
        )?;
    }

    let (mut with_features, mut total) = (0, 0);
    for (first, last) in FORMAT_RANGES {
        for raw in first..=last {
            // SAFETY: as above; every value queried is a core Vulkan 1.3 format.
            let f = unsafe {
                instance.get_physical_device_format_properties(device, vk::Format::from_raw(raw))
            };
            total += 1;
            if !f.optimal_tiling_features.is_empty() {
                with_features += 1;
            }
        }
    }
    writeln!(
        out,
        "  formats:         {with_features} of {total} core formats have optimal-tiling features"
    )?;

    // SAFETY: as above.
    match unsafe { instance.enumerate_device_extension_properties(device) } {
        Ok(extensions) => {
            writeln!(out, "  extensions:      {}", extensions.len())?;
            for ext in &extensions {
                writeln!(
                    out,
                    "    {} (spec {})",
                    c_text(&ext.extension_name),
                    ext.spec_version
                )?;
            }
        }
        Err(e) => writeln!(out, "  extensions:      cannot enumerate ({e})")?,
    }
    Ok(is_pumice)
}

/// A fixed-size, NUL-terminated C string field as text (tolerating a missing terminator).
fn c_text(chars: &[std::ffi::c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn version(v: u32) -> String {
    format!(
        "{}.{}.{}",
        vk::api_version_major(v),
        vk::api_version_minor(v),
        vk::api_version_patch(v)
    )
}

fn device_type(t: vk::PhysicalDeviceType) -> &'static str {
    match t {
        vk::PhysicalDeviceType::CPU => "CPU",
        vk::PhysicalDeviceType::INTEGRATED_GPU => "integrated GPU",
        vk::PhysicalDeviceType::DISCRETE_GPU => "discrete GPU",
        vk::PhysicalDeviceType::VIRTUAL_GPU => "virtual GPU",
        _ => "other",
    }
}

fn size(bytes: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if bytes >= GIB {
        format!("{:.1} GiB", bytes as f64 / GIB as f64)
    } else {
        format!("{} MiB", bytes / MIB)
    }
}
