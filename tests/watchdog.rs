//! The watchdog through the Vulkan API: a compute shader that never ends is stopped after
//! `PUMICE_WATCHDOG_MS`, the fence wait reports `VK_ERROR_DEVICE_LOST`, and the process goes on:
//! a new device works. Its own test binary, so that it can set the variable before the driver
//! reads it (once).

mod common;

use std::time::{Duration, Instant};

use ash::vk;
use common::{glsl, Ctx};

const FOREVER: &str = r"#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer O { uint o[]; };
void main() {
    uint i = 0u;
    while (o[0] == 0u) {
        i++;
        o[1 + gl_LocalInvocationIndex] = i;
    }
}
";

/// Submits the endless dispatch and returns what the fence wait said, and how long it took.
fn run_forever(ctx: &Ctx) -> (Result<(), vk::Result>, Duration) {
    let d = &ctx.device;
    let words = glsl("comp", FOREVER);
    let buf = ctx.buffer(4096);
    buf.bytes().fill(0);
    unsafe {
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
            .unwrap();
        let bindings = [vk::DescriptorSetLayoutBinding::default()
            .binding(0)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
            .descriptor_count(1)
            .stage_flags(vk::ShaderStageFlags::COMPUTE)];
        let set_layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings),
                None,
            )
            .unwrap();
        let set_layouts = [set_layout];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts),
                None,
            )
            .unwrap();
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
            .expect("the endless shader compiles")[0];
        let sizes = [vk::DescriptorPoolSize {
            ty: vk::DescriptorType::STORAGE_BUFFER,
            descriptor_count: 1,
        }];
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
        let info = [vk::DescriptorBufferInfo {
            buffer: buf.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        }];
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(0)
                .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                .buffer_info(&info)],
            &[],
        );
        let cb = ctx.command_buffer();
        d.begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
        d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::COMPUTE, layout, 0, &[set], &[]);
        d.cmd_dispatch(cb, 4, 1, 1);
        d.end_command_buffer(cb).unwrap();
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        let cbs = [cb];
        let start = Instant::now();
        let submitted = d.queue_submit(
            ctx.queue,
            &[vk::SubmitInfo::default().command_buffers(&cbs)],
            fence,
        );
        let waited = submitted.and_then(|()| d.wait_for_fences(&[fence], true, 20_000_000_000));
        let took = start.elapsed();
        // Every object can still be destroyed on a lost device.
        d.destroy_fence(fence, None);
        d.free_command_buffers(ctx.pool, &cbs);
        d.destroy_descriptor_pool(pool, None);
        d.destroy_pipeline(pipeline, None);
        d.destroy_pipeline_layout(layout, None);
        d.destroy_descriptor_set_layout(set_layout, None);
        d.destroy_shader_module(module, None);
        d.destroy_buffer(buf.buffer, None);
        d.free_memory(buf.memory, None);
        (waited, took)
    }
}

#[test]
fn an_endless_shader_loses_the_device_and_the_process_goes_on() {
    // Before anything reads it: the driver reads it once, at the first dispatch.
    std::env::set_var("PUMICE_WATCHDOG_MS", "300");
    {
        let ctx = Ctx::new();
        let (waited, took) = run_forever(&ctx);
        assert_eq!(waited, Err(vk::Result::ERROR_DEVICE_LOST), "after {took:?}");
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(5),
            "the watchdog fired after {took:?}"
        );
        // Later calls on the lost device say so too, without hanging.
        let idle = unsafe { ctx.device.queue_wait_idle(ctx.queue) };
        assert_eq!(idle, Err(vk::Result::ERROR_DEVICE_LOST));
        let idle = unsafe { ctx.device.device_wait_idle() };
        assert_eq!(idle, Err(vk::Result::ERROR_DEVICE_LOST));
    }
    // A new device works: a buffer copy.
    let ctx = Ctx::new();
    let (src, dst) = (ctx.buffer(4096), ctx.buffer(4096));
    let data = common::pattern(4096, 3);
    src.bytes().copy_from_slice(&data);
    dst.bytes().fill(0);
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_buffer(
            cb,
            src.buffer,
            dst.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: 4096,
            }],
        )
    });
    assert_eq!(dst.bytes(), &data[..]);
    for b in [src, dst] {
        unsafe {
            ctx.device.destroy_buffer(b.buffer, None);
            ctx.device.free_memory(b.memory, None);
        }
    }
}
