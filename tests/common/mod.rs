//! Shared setup for the API tests: ash pointed straight at Pumice's `vk_icdGetInstanceProcAddr`,
//! so no loader, no manifest and no display are needed.
#![allow(dead_code)]

use ash::vk;

mod glsl;
#[allow(unused_imports)] // Not every test binary compiles shaders.
pub use glsl::{glsl, glsl_with};

pub fn entry() -> ash::Entry {
    // SAFETY: `vk_icdGetInstanceProcAddr` has the signature of `vkGetInstanceProcAddr` and
    // answers global commands for a null instance.
    unsafe {
        ash::Entry::from_static_fn(ash::StaticFn {
            get_instance_proc_addr: vk_pumice::vk_icdGetInstanceProcAddr,
        })
    }
}

/// An instance, the device and its first queue.
pub struct Ctx {
    pub entry: ash::Entry,
    pub instance: ash::Instance,
    pub physical: vk::PhysicalDevice,
    pub device: ash::Device,
    pub queue: vk::Queue,
    pub pool: vk::CommandPool,
}

impl Ctx {
    pub fn new() -> Ctx {
        Ctx::with_queues(1)
    }

    pub fn with_queues(queue_count: u32) -> Ctx {
        let entry = entry();
        let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_3);
        let instance = unsafe {
            entry.create_instance(
                &vk::InstanceCreateInfo::default().application_info(&app),
                None,
            )
        }
        .expect("create instance");
        let physical = unsafe { instance.enumerate_physical_devices() }.unwrap()[0];
        let priorities = vec![1.0f32; queue_count as usize];
        let queue_info = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(0)
            .queue_priorities(&priorities)];
        let mut v12 = vk::PhysicalDeviceVulkan12Features::default()
            .timeline_semaphore(true)
            .host_query_reset(true);
        let mut v13 = vk::PhysicalDeviceVulkan13Features::default().synchronization2(true);
        let device = unsafe {
            instance.create_device(
                physical,
                &vk::DeviceCreateInfo::default()
                    .queue_create_infos(&queue_info)
                    .push_next(&mut v12)
                    .push_next(&mut v13),
                None,
            )
        }
        .expect("create device");
        let queue = unsafe { device.get_device_queue(0, 0) };
        let pool = unsafe {
            device.create_command_pool(
                &vk::CommandPoolCreateInfo::default()
                    .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER),
                None,
            )
        }
        .unwrap();
        Ctx {
            entry,
            instance,
            physical,
            device,
            queue,
            pool,
        }
    }

    /// A host-visible buffer with its own memory, mapped.
    pub fn buffer(&self, size: u64) -> TestBuffer {
        unsafe {
            let buffer = self
                .device
                .create_buffer(
                    &vk::BufferCreateInfo::default().size(size).usage(
                        vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST,
                    ),
                    None,
                )
                .unwrap();
            let req = self.device.get_buffer_memory_requirements(buffer);
            let memory = self
                .device
                .allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(req.size)
                        .memory_type_index(0),
                    None,
                )
                .unwrap();
            self.device.bind_buffer_memory(buffer, memory, 0).unwrap();
            let ptr = self
                .device
                .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
                .unwrap() as *mut u8;
            TestBuffer {
                buffer,
                memory,
                ptr,
                size: size as usize,
            }
        }
    }

    /// An optimal-tiling image with its own memory.
    pub fn image(&self, info: &vk::ImageCreateInfo) -> (vk::Image, vk::DeviceMemory) {
        unsafe {
            let image = self.device.create_image(info, None).unwrap();
            let req = self.device.get_image_memory_requirements(image);
            let memory = self
                .device
                .allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(req.size)
                        .memory_type_index(0),
                    None,
                )
                .unwrap();
            self.device.bind_image_memory(image, memory, 0).unwrap();
            (image, memory)
        }
    }

    pub fn image_2d(
        &self,
        format: vk::Format,
        width: u32,
        height: u32,
    ) -> (vk::Image, vk::DeviceMemory) {
        self.image(
            &vk::ImageCreateInfo::default()
                .image_type(vk::ImageType::TYPE_2D)
                .format(format)
                .extent(vk::Extent3D {
                    width,
                    height,
                    depth: 1,
                })
                .mip_levels(1)
                .array_layers(1)
                .samples(vk::SampleCountFlags::TYPE_1)
                .tiling(vk::ImageTiling::OPTIMAL)
                .usage(vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST),
        )
    }

    pub fn command_buffer(&self) -> vk::CommandBuffer {
        unsafe {
            self.device.allocate_command_buffers(
                &vk::CommandBufferAllocateInfo::default()
                    .command_pool(self.pool)
                    .level(vk::CommandBufferLevel::PRIMARY)
                    .command_buffer_count(1),
            )
        }
        .unwrap()[0]
    }

    /// Records with `f`, submits, and waits for a fence.
    pub fn run(&self, f: impl FnOnce(vk::CommandBuffer)) {
        unsafe {
            let cb = self.command_buffer();
            self.device
                .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
                .unwrap();
            f(cb);
            self.device.end_command_buffer(cb).unwrap();
            let fence = self
                .device
                .create_fence(&vk::FenceCreateInfo::default(), None)
                .unwrap();
            let cbs = [cb];
            self.device
                .queue_submit(
                    self.queue,
                    &[vk::SubmitInfo::default().command_buffers(&cbs)],
                    fence,
                )
                .unwrap();
            self.device
                .wait_for_fences(&[fence], true, 10_000_000_000)
                .unwrap();
            self.device.destroy_fence(fence, None);
            self.device.free_command_buffers(self.pool, &cbs);
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        unsafe {
            let _ = self.device.device_wait_idle();
            self.device.destroy_command_pool(self.pool, None);
            self.device.destroy_device(None);
            self.instance.destroy_instance(None);
        }
    }
}

/// A compute pipeline whose set 0 holds storage buffers at bindings 0, 1, …, with a push-constant
/// range of `push_bytes`, and one descriptor set already written: the setup the dispatch tests
/// outside `api_compute` share.
pub struct StorageCompute {
    pub module: vk::ShaderModule,
    pub set_layout: vk::DescriptorSetLayout,
    pub layout: vk::PipelineLayout,
    pub pipeline: vk::Pipeline,
    pub pool: vk::DescriptorPool,
    pub set: vk::DescriptorSet,
}

/// A combined image-sampler binding of a [`StorageCompute`] (placed after its buffers).
#[derive(Clone, Copy)]
pub struct Sampled {
    pub view: vk::ImageView,
    pub sampler: vk::Sampler,
}

impl StorageCompute {
    pub fn new(ctx: &Ctx, spirv: &[u32], buffers: &[vk::Buffer], push_bytes: u32) -> Self {
        StorageCompute::with_images(ctx, spirv, buffers, &[], push_bytes)
    }

    /// Storage buffers at bindings 0.., then combined image-samplers after them.
    pub fn with_images(
        ctx: &Ctx,
        spirv: &[u32],
        buffers: &[vk::Buffer],
        images: &[Sampled],
        push_bytes: u32,
    ) -> Self {
        let d = &ctx.device;
        let count = buffers.len() as u32;
        let image_count = images.len() as u32;
        unsafe {
            let module = d
                .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(spirv), None)
                .unwrap();
            let bindings: Vec<_> = (0..count + image_count)
                .map(|b| {
                    vk::DescriptorSetLayoutBinding::default()
                        .binding(b)
                        .descriptor_type(if b < count {
                            vk::DescriptorType::STORAGE_BUFFER
                        } else {
                            vk::DescriptorType::COMBINED_IMAGE_SAMPLER
                        })
                        .descriptor_count(1)
                        .stage_flags(vk::ShaderStageFlags::COMPUTE)
                })
                .collect();
            let set_layout = d
                .create_descriptor_set_layout(
                    &vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings),
                    None,
                )
                .unwrap();
            let set_layouts = [set_layout];
            let ranges = [vk::PushConstantRange {
                stage_flags: vk::ShaderStageFlags::COMPUTE,
                offset: 0,
                size: push_bytes,
            }];
            let mut layout_info = vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts);
            if push_bytes > 0 {
                layout_info = layout_info.push_constant_ranges(&ranges);
            }
            let layout = d.create_pipeline_layout(&layout_info, None).unwrap();
            let stage = vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::COMPUTE)
                .module(module)
                .name(c"main");
            let pipeline = d
                .create_compute_pipelines(
                    vk::PipelineCache::null(),
                    &[vk::ComputePipelineCreateInfo::default()
                        .stage(stage)
                        .layout(layout)],
                    None,
                )
                .expect("the compute pipeline builds")[0];
            let sizes = [
                vk::DescriptorPoolSize {
                    ty: vk::DescriptorType::STORAGE_BUFFER,
                    descriptor_count: count.max(1),
                },
                vk::DescriptorPoolSize {
                    ty: vk::DescriptorType::COMBINED_IMAGE_SAMPLER,
                    descriptor_count: image_count.max(1),
                },
            ];
            let pool = d
                .create_descriptor_pool(
                    &vk::DescriptorPoolCreateInfo::default()
                        .max_sets(1)
                        .pool_sizes(&sizes),
                    None,
                )
                .unwrap();
            let set = d
                .allocate_descriptor_sets(
                    &vk::DescriptorSetAllocateInfo::default()
                        .descriptor_pool(pool)
                        .set_layouts(&set_layouts),
                )
                .unwrap()[0];
            let infos: Vec<_> = buffers
                .iter()
                .map(|&buffer| vk::DescriptorBufferInfo {
                    buffer,
                    offset: 0,
                    range: vk::WHOLE_SIZE,
                })
                .collect();
            let image_infos: Vec<_> = images
                .iter()
                .map(|i| vk::DescriptorImageInfo {
                    sampler: i.sampler,
                    image_view: i.view,
                    image_layout: vk::ImageLayout::GENERAL,
                })
                .collect();
            let mut writes = Vec::new();
            if count > 0 {
                writes.push(
                    vk::WriteDescriptorSet::default()
                        .dst_set(set)
                        .dst_binding(0)
                        .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                        .buffer_info(&infos),
                );
            }
            if image_count > 0 {
                writes.push(
                    vk::WriteDescriptorSet::default()
                        .dst_set(set)
                        .dst_binding(count)
                        .descriptor_type(vk::DescriptorType::COMBINED_IMAGE_SAMPLER)
                        .image_info(&image_infos),
                );
            }
            d.update_descriptor_sets(&writes, &[]);
            StorageCompute {
                module,
                set_layout,
                layout,
                pipeline,
                pool,
                set,
            }
        }
    }

    /// Binds the pipeline and the set, and pushes `push` (if any), into `cb`.
    pub fn bind(&self, ctx: &Ctx, cb: vk::CommandBuffer, push: &[u8]) {
        let d = &ctx.device;
        unsafe {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, self.pipeline);
            let sets = [self.set];
            d.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::COMPUTE,
                self.layout,
                0,
                &sets,
                &[],
            );
            if !push.is_empty() {
                d.cmd_push_constants(cb, self.layout, vk::ShaderStageFlags::COMPUTE, 0, push);
            }
        }
    }

    pub fn destroy(self, ctx: &Ctx) {
        let d = &ctx.device;
        unsafe {
            d.destroy_descriptor_pool(self.pool, None);
            d.destroy_pipeline(self.pipeline, None);
            d.destroy_pipeline_layout(self.layout, None);
            d.destroy_descriptor_set_layout(self.set_layout, None);
            d.destroy_shader_module(self.module, None);
        }
    }
}

pub struct TestBuffer {
    pub buffer: vk::Buffer,
    pub memory: vk::DeviceMemory,
    pub ptr: *mut u8,
    pub size: usize,
}

impl TestBuffer {
    pub fn bytes(&self) -> &mut [u8] {
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.size) }
    }
}

/// A deterministic pseudo-random byte sequence.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2654435761).wrapping_add(12345);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}
