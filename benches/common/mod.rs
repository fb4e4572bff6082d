//! Shared by the benchmarks: one Vulkan instance through the real loader that sees both Pumice
//! and lavapipe, so every workload runs on both in the same process and the figures are
//! comparable (same machine state, same program). Results are printed with their ratio.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ash::vk;

pub const LAVAPIPE_MANIFESTS: [&str; 2] = [
    "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
    "/usr/share/vulkan/icd.d/lvp_icd.aarch64.json",
];

/// Writes a manifest for the freshly built `libvk_pumice.so` (next to the bench executable's
/// `deps/` folder) and points the loader at it and at lavapipe.
pub fn loader() -> ash::Entry {
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
    // `cargo bench` builds the driver's cdylib into deps/ (and copies it up only for a plain
    // build); either copy is the current code.
    let lib = std::env::var_os("PUMICE_LIBRARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let up = target.join("libvk_pumice.so");
            let deps = target.join("deps/libvk_pumice.so");
            if deps.is_file() {
                deps
            } else {
                up
            }
        });
    assert!(
        lib.is_file(),
        "{} is missing: run `cargo bench` (it builds the driver)",
        lib.display()
    );
    let dir = std::env::temp_dir().join(format!("pumice-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("pumice_icd.json");
    std::fs::write(
        &manifest,
        format!(
            r#"{{"file_format_version": "1.0.1", "ICD": {{"library_path": "{}", "api_version": "1.3.281"}}}}"#,
            lib.display()
        ),
    )
    .unwrap();
    let mut files = vec![manifest.display().to_string()];
    // `PUMICE_BENCH_NO_LAVAPIPE=1`: Pumice alone, for a profile without lavapipe's JIT code.
    let lavapipe = std::env::var_os("PUMICE_BENCH_NO_LAVAPIPE").is_none();
    files.extend(
        LAVAPIPE_MANIFESTS
            .iter()
            .filter(|p| lavapipe && std::path::Path::new(p).exists())
            .map(|s| s.to_string()),
    );
    let joined = files.join(":");
    std::env::set_var("VK_DRIVER_FILES", &joined);
    std::env::set_var("VK_ICD_FILENAMES", &joined);
    std::env::remove_var("VK_LOADER_DRIVERS_SELECT");
    std::env::remove_var("VK_LOADER_DRIVERS_DISABLE");
    unsafe { ash::Entry::load() }.expect("libvulkan.so.1 (Debian's libvulkan1) is needed")
}

/// A device of one driver, with a queue, a command pool and a host-visible memory type.
pub struct Gpu {
    pub name: String,
    pub device: ash::Device,
    pub queue: vk::Queue,
    pub pool: vk::CommandPool,
    pub memory_type: u32,
}

/// Pumice's and lavapipe's devices, in that order (lavapipe is `None` if not installed).
pub fn devices(entry: &ash::Entry) -> (ash::Instance, Gpu, Option<Gpu>) {
    let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_3);
    let instance = unsafe {
        entry.create_instance(
            &vk::InstanceCreateInfo::default().application_info(&app),
            None,
        )
    }
    .expect("create instance");
    let mut pumice = None;
    let mut lavapipe = None;
    for pd in unsafe { instance.enumerate_physical_devices() }.unwrap() {
        let props = unsafe { instance.get_physical_device_properties(pd) };
        let name = props
            .device_name_as_c_str()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let family = 0;
        let prio = [1.0];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(family)
            .queue_priorities(&prio)];
        let device = unsafe {
            instance.create_device(
                pd,
                &vk::DeviceCreateInfo::default().queue_create_infos(&queues),
                None,
            )
        }
        .unwrap();
        let queue = unsafe { device.get_device_queue(family, 0) };
        let pool =
            unsafe { device.create_command_pool(&vk::CommandPoolCreateInfo::default(), None) }
                .unwrap();
        let mem = unsafe { instance.get_physical_device_memory_properties(pd) };
        let wanted = vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
        let memory_type = (0..mem.memory_type_count)
            .find(|&i| mem.memory_types[i as usize].property_flags.contains(wanted))
            .unwrap();
        let gpu = Gpu {
            name: name.clone(),
            device,
            queue,
            pool,
            memory_type,
        };
        if name.starts_with("Pumice") {
            pumice = Some(gpu);
        } else if name.contains("llvmpipe") {
            lavapipe = Some(gpu);
        }
    }
    (
        instance,
        pumice.expect("the Pumice device is not visible to the loader"),
        lavapipe,
    )
}

pub struct Buffer {
    pub buffer: vk::Buffer,
    pub memory: vk::DeviceMemory,
    pub ptr: *mut u8,
    pub size: u64,
}

impl Gpu {
    pub fn buffer(&self, size: u64, usage: vk::BufferUsageFlags) -> Buffer {
        unsafe {
            let buffer = self
                .device
                .create_buffer(
                    &vk::BufferCreateInfo::default().size(size).usage(usage),
                    None,
                )
                .unwrap();
            let req = self.device.get_buffer_memory_requirements(buffer);
            let memory = self
                .device
                .allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(req.size)
                        .memory_type_index(self.memory_type),
                    None,
                )
                .unwrap();
            self.device.bind_buffer_memory(buffer, memory, 0).unwrap();
            let ptr = self
                .device
                .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
                .unwrap() as *mut u8;
            Buffer {
                buffer,
                memory,
                ptr,
                size,
            }
        }
    }

    pub fn write_f32(&self, b: &Buffer, data: &[f32]) {
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr() as *const u8, b.ptr, data.len() * 4) };
    }

    pub fn read_f32(&self, b: &Buffer, n: usize) -> Vec<f32> {
        let mut out = vec![0f32; n];
        unsafe { std::ptr::copy_nonoverlapping(b.ptr, out.as_mut_ptr() as *mut u8, n * 4) };
        out
    }

    /// Records a command buffer once with `f`; returns it for repeated submission.
    pub fn record(&self, f: impl FnOnce(vk::CommandBuffer)) -> vk::CommandBuffer {
        unsafe {
            let cb = self
                .device
                .allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default()
                        .command_pool(self.pool)
                        .command_buffer_count(1),
                )
                .unwrap()[0];
            self.device
                .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
                .unwrap();
            f(cb);
            self.device.end_command_buffer(cb).unwrap();
            cb
        }
    }

    /// Submits and waits; returns the wall time.
    pub fn submit_wait(&self, cb: vk::CommandBuffer) -> Duration {
        unsafe {
            let fence = self
                .device
                .create_fence(&vk::FenceCreateInfo::default(), None)
                .unwrap();
            let start = Instant::now();
            self.device
                .queue_submit(
                    self.queue,
                    &[vk::SubmitInfo::default().command_buffers(&[cb])],
                    fence,
                )
                .unwrap();
            self.device
                .wait_for_fences(&[fence], true, u64::MAX)
                .unwrap();
            let t = start.elapsed();
            self.device.destroy_fence(fence, None);
            t
        }
    }

    /// The median of `runs` timed submissions, after one warm-up.
    pub fn time(&self, cb: vk::CommandBuffer, runs: usize) -> Duration {
        self.submit_wait(cb);
        let mut times: Vec<Duration> = (0..runs).map(|_| self.submit_wait(cb)).collect();
        times.sort();
        times[times.len() / 2]
    }
}

#[path = "../../tests/common/glsl.rs"]
mod glsl;
pub use glsl::glsl;

/// Prints a row: the figure on each driver and Pumice's ratio (higher is better for Pumice when
/// `higher_is_better`).
pub fn report(what: &str, unit: &str, pumice: f64, lavapipe: Option<f64>, higher_is_better: bool) {
    match lavapipe {
        Some(l) => {
            let ratio = if higher_is_better {
                pumice / l
            } else {
                l / pumice
            };
            println!("{what:<44} pumice {pumice:>10.3} {unit:<8} lavapipe {l:>10.3} {unit:<8} ratio {ratio:>6.2}x");
        }
        None => println!("{what:<44} pumice {pumice:>10.3} {unit:<8} (lavapipe not installed)"),
    }
}
