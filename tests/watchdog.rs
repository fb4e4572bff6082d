//! The watchdog through the Vulkan API: a compute shader that never ends is stopped after
//! `PUMICE_WATCHDOG_MS`, the fence wait reports `VK_ERROR_DEVICE_LOST`, and the process goes on:
//! a new device works. Its own test binary, so that it can set the variable before the driver
//! reads it (once).

mod common;

use std::time::{Duration, Instant};

use ash::vk;
use common::{glsl, Ctx, StorageCompute};

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
    let job = StorageCompute::new(ctx, &words, &[buf.buffer], 0);
    unsafe {
        let cb = ctx.command_buffer();
        d.begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        job.bind(ctx, cb, &[]);
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
        job.destroy(ctx);
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
