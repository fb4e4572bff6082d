//! Synchronization, memory, queries and debug utils: ordering across threads and real data.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ash::vk;
use common::Ctx;

fn timeline(ctx: &Ctx, initial: u64) -> vk::Semaphore {
    let mut t = vk::SemaphoreTypeCreateInfo::default()
        .semaphore_type(vk::SemaphoreType::TIMELINE)
        .initial_value(initial);
    unsafe {
        ctx.device
            .create_semaphore(&vk::SemaphoreCreateInfo::default().push_next(&mut t), None)
    }
    .unwrap()
}

fn recorded(ctx: &Ctx, f: impl FnOnce(vk::CommandBuffer)) -> vk::CommandBuffer {
    let cb = ctx.command_buffer();
    unsafe {
        ctx.device
            .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        f(cb);
        ctx.device.end_command_buffer(cb).unwrap();
    }
    cb
}

fn copy(ctx: &Ctx, cb: vk::CommandBuffer, src: vk::Buffer, dst: vk::Buffer, size: u64) {
    unsafe {
        ctx.device.cmd_copy_buffer(
            cb,
            src,
            dst,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size,
            }],
        )
    };
}

#[test]
fn fences_wait_status_reset_and_timeout() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    unsafe {
        let signaled = d
            .create_fence(
                &vk::FenceCreateInfo::default().flags(vk::FenceCreateFlags::SIGNALED),
                None,
            )
            .unwrap();
        assert!(d.get_fence_status(signaled).unwrap());
        d.reset_fences(&[signaled]).unwrap();
        assert!(!d.get_fence_status(signaled).unwrap());
        // Nothing will signal it: a short wait times out.
        let start = Instant::now();
        assert_eq!(
            d.wait_for_fences(&[signaled], true, 20_000_000),
            Err(vk::Result::TIMEOUT)
        );
        assert!(start.elapsed() >= Duration::from_millis(15));
        assert_eq!(
            d.wait_for_fences(&[signaled], true, 0),
            Err(vk::Result::TIMEOUT)
        );
        // An empty submission signals the fence after earlier work.
        d.queue_submit(ctx.queue, &[], signaled).unwrap();
        d.wait_for_fences(&[signaled], true, u64::MAX).unwrap();
        // Wait-any over one signalled and one unsignalled fence returns.
        let never = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        d.wait_for_fences(&[never, signaled], false, 1_000_000_000)
            .unwrap();
        assert_eq!(
            d.wait_for_fences(&[never, signaled], true, 1_000_000),
            Err(vk::Result::TIMEOUT)
        );
        d.destroy_fence(never, None);
        d.destroy_fence(signaled, None);
    }
}

#[test]
fn submit_returns_before_work_and_events_order_it() {
    // A command buffer that waits on an event the host sets later: the submission must
    // return at once, the copy must not happen before the event, and must happen after.
    let ctx = Ctx::new();
    let d = &ctx.device;
    let src = ctx.buffer(4096);
    let dst = ctx.buffer(4096);
    src.bytes().fill(0xab);
    unsafe {
        let event = d
            .create_event(&vk::EventCreateInfo::default(), None)
            .unwrap();
        assert_eq!(d.get_event_status(event), Ok(false));
        let cb = recorded(&ctx, |cb| {
            d.cmd_wait_events(
                cb,
                &[event],
                vk::PipelineStageFlags::HOST,
                vk::PipelineStageFlags::TRANSFER,
                &[],
                &[],
                &[],
            );
            copy(&ctx, cb, src.buffer, dst.buffer, 4096);
        });
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        d.queue_submit(
            ctx.queue,
            &[vk::SubmitInfo::default().command_buffers(&[cb])],
            fence,
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(30));
        assert!(!d.get_fence_status(fence).unwrap());
        assert!(
            dst.bytes().iter().all(|&b| b == 0),
            "copy ran before the event was set"
        );
        // Set from another thread.
        let dev = d.clone();
        std::thread::spawn(move || dev.set_event(event).unwrap())
            .join()
            .unwrap();
        d.wait_for_fences(&[fence], true, 5_000_000_000).unwrap();
        assert!(dst.bytes().iter().all(|&b| b == 0xab));
        assert_eq!(d.get_event_status(event), Ok(true));
        d.reset_event(event).unwrap();
        assert_eq!(d.get_event_status(event), Ok(false));

        // Device-side set and reset.
        let cb2 = recorded(&ctx, |cb| {
            d.cmd_set_event(cb, event, vk::PipelineStageFlags::TRANSFER);
        });
        d.reset_fences(&[fence]).unwrap();
        d.queue_submit(
            ctx.queue,
            &[vk::SubmitInfo::default().command_buffers(&[cb2])],
            fence,
        )
        .unwrap();
        d.wait_for_fences(&[fence], true, 5_000_000_000).unwrap();
        assert_eq!(d.get_event_status(event), Ok(true));
        d.destroy_fence(fence, None);
        d.destroy_event(event, None);
    }
}

#[test]
fn binary_semaphores_order_two_queues() {
    // Queue 1 waits on a semaphore that queue 0 signals after its copy: queue 1's copy must see
    // queue 0's result.
    let ctx = Ctx::with_queues(2);
    let d = &ctx.device;
    let q1 = unsafe { d.get_device_queue(0, 1) };
    let a = ctx.buffer(1 << 20);
    let b = ctx.buffer(1 << 20);
    let c = ctx.buffer(1 << 20);
    let data = common::pattern(1 << 20, 9);
    a.bytes().copy_from_slice(&data);
    unsafe {
        let sem = d
            .create_semaphore(&vk::SemaphoreCreateInfo::default(), None)
            .unwrap();
        let event = d
            .create_event(&vk::EventCreateInfo::default(), None)
            .unwrap();
        // Queue 0: wait for the host, then copy a→b and signal.
        let first = recorded(&ctx, |cb| {
            d.cmd_wait_events(
                cb,
                &[event],
                vk::PipelineStageFlags::HOST,
                vk::PipelineStageFlags::TRANSFER,
                &[],
                &[],
                &[],
            );
            copy(&ctx, cb, a.buffer, b.buffer, 1 << 20);
        });
        let second = recorded(&ctx, |cb| copy(&ctx, cb, b.buffer, c.buffer, 1 << 20));
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        let sems = [sem];
        // Submit the waiting side first, on queue 1.
        d.queue_submit(
            q1,
            &[vk::SubmitInfo::default()
                .wait_semaphores(&sems)
                .wait_dst_stage_mask(&[vk::PipelineStageFlags::TRANSFER])
                .command_buffers(&[second])],
            fence,
        )
        .unwrap();
        d.queue_submit(
            ctx.queue,
            &[vk::SubmitInfo::default()
                .command_buffers(&[first])
                .signal_semaphores(&sems)],
            vk::Fence::null(),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert!(!d.get_fence_status(fence).unwrap());
        d.set_event(event).unwrap();
        d.wait_for_fences(&[fence], true, 5_000_000_000).unwrap();
        assert!(c.bytes() == &data[..]);
        d.device_wait_idle().unwrap();
        d.destroy_semaphore(sem, None);
        d.destroy_event(event, None);
        d.destroy_fence(fence, None);
    }
}

#[test]
fn timeline_semaphores_host_and_queue() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let sem = timeline(&ctx, 5);
    unsafe {
        assert_eq!(d.get_semaphore_counter_value(sem).unwrap(), 5);
        d.signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(sem).value(7))
            .unwrap();
        assert_eq!(d.get_semaphore_counter_value(sem).unwrap(), 7);
        // Already reached: immediate.
        d.wait_semaphores(
            &vk::SemaphoreWaitInfo::default()
                .semaphores(&[sem])
                .values(&[6]),
            0,
        )
        .unwrap();
        // Not reached: times out.
        assert_eq!(
            d.wait_semaphores(
                &vk::SemaphoreWaitInfo::default()
                    .semaphores(&[sem])
                    .values(&[8]),
                10_000_000
            ),
            Err(vk::Result::TIMEOUT)
        );

        // A queue waits for value 10 and signals 20; another thread waits for 20 while the host
        // signals 10 later.
        let src = ctx.buffer(64);
        let dst = ctx.buffer(64);
        src.bytes().fill(3);
        let cb = recorded(&ctx, |cb| copy(&ctx, cb, src.buffer, dst.buffer, 64));
        let mut values = vk::TimelineSemaphoreSubmitInfo::default()
            .wait_semaphore_values(&[10])
            .signal_semaphore_values(&[20]);
        d.queue_submit(
            ctx.queue,
            &[vk::SubmitInfo::default()
                .wait_semaphores(&[sem])
                .wait_dst_stage_mask(&[vk::PipelineStageFlags::TRANSFER])
                .command_buffers(&[cb])
                .signal_semaphores(&[sem])
                .push_next(&mut values)],
            vk::Fence::null(),
        )
        .unwrap();
        let dev = d.clone();
        let waiter = std::thread::spawn(move || {
            let start = Instant::now();
            dev.wait_semaphores(
                &vk::SemaphoreWaitInfo::default()
                    .semaphores(&[sem])
                    .values(&[20]),
                5_000_000_000,
            )
            .map(|_| start.elapsed())
        });
        std::thread::sleep(Duration::from_millis(30));
        assert!(dst.bytes().iter().all(|&b| b == 0));
        assert_eq!(d.get_semaphore_counter_value(sem).unwrap(), 7);
        d.signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(sem).value(10))
            .unwrap();
        let waited = waiter.join().unwrap().unwrap();
        assert!(waited >= Duration::from_millis(25));
        assert_eq!(d.get_semaphore_counter_value(sem).unwrap(), 20);
        assert!(dst.bytes().iter().all(|&b| b == 3));

        // Wait-any across two semaphores.
        let other = timeline(&ctx, 0);
        d.wait_semaphores(
            &vk::SemaphoreWaitInfo::default()
                .flags(vk::SemaphoreWaitFlags::ANY)
                .semaphores(&[other, sem])
                .values(&[1, 20]),
            1_000_000_000,
        )
        .unwrap();

        // vkQueueSubmit2 with timeline values.
        let wait = [vk::SemaphoreSubmitInfo::default().semaphore(sem).value(20)];
        let signal = [vk::SemaphoreSubmitInfo::default()
            .semaphore(other)
            .value(42)];
        d.queue_submit2(
            ctx.queue,
            &[vk::SubmitInfo2::default()
                .wait_semaphore_infos(&wait)
                .signal_semaphore_infos(&signal)],
            vk::Fence::null(),
        )
        .unwrap();
        d.wait_semaphores(
            &vk::SemaphoreWaitInfo::default()
                .semaphores(&[other])
                .values(&[42]),
            5_000_000_000,
        )
        .unwrap();
        d.queue_wait_idle(ctx.queue).unwrap();
        d.destroy_semaphore(other, None);
        d.destroy_semaphore(sem, None);
    }
}

#[test]
fn memory_allocate_map_and_out_of_memory() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    unsafe {
        // 1 TiB: refused with the right error, and the device keeps working.
        let r = d.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(1 << 40)
                .memory_type_index(0),
            None,
        );
        assert_eq!(r.err(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY));
        let r = d.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(64)
                .memory_type_index(5),
            None,
        );
        assert!(r.is_err());

        // Dedicated allocation info is accepted; mapping at an offset; commitment.
        let buffer = d
            .create_buffer(
                &vk::BufferCreateInfo::default()
                    .size(1000)
                    .usage(vk::BufferUsageFlags::TRANSFER_DST),
                None,
            )
            .unwrap();
        let mut dedicated_req = vk::MemoryDedicatedRequirements::default();
        let mut req2 = vk::MemoryRequirements2::default().push_next(&mut dedicated_req);
        d.get_buffer_memory_requirements2(
            &vk::BufferMemoryRequirementsInfo2::default().buffer(buffer),
            &mut req2,
        );
        let req = req2.memory_requirements;
        assert!(
            req.size >= 1000 && req.alignment.is_power_of_two() && req.memory_type_bits & 1 == 1
        );
        assert_eq!(dedicated_req.requires_dedicated_allocation, vk::FALSE);
        let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().buffer(buffer);
        let memory = d
            .allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(req.size)
                    .memory_type_index(0)
                    .push_next(&mut dedicated),
                None,
            )
            .unwrap();
        d.bind_buffer_memory2(&[vk::BindBufferMemoryInfo::default()
            .buffer(buffer)
            .memory(memory)])
            .unwrap();
        assert_eq!(d.get_device_memory_commitment(memory), req.size);
        let base = d
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap() as *mut u8;
        d.unmap_memory(memory);
        let at = d
            .map_memory(memory, 100, 16, vk::MemoryMapFlags::empty())
            .unwrap() as *mut u8;
        assert_eq!(at as usize - base as usize, 100);
        assert_eq!(base as usize % 64, 0);
        d.cmd_fill_buffer_via(&ctx, buffer, 0x0102_0304);
        assert_eq!(std::slice::from_raw_parts(at, 4), &[4, 3, 2, 1]);
        assert_eq!(
            d.map_memory(memory, req.size + 10, 1, vk::MemoryMapFlags::empty())
                .err(),
            Some(vk::Result::ERROR_MEMORY_MAP_FAILED)
        );
        d.flush_mapped_memory_ranges(&[vk::MappedMemoryRange::default()
            .memory(memory)
            .size(vk::WHOLE_SIZE)])
            .unwrap();
        d.invalidate_mapped_memory_ranges(&[vk::MappedMemoryRange::default()
            .memory(memory)
            .size(vk::WHOLE_SIZE)])
            .unwrap();
        d.unmap_memory(memory);
        // Freeing memory before the buffer is allowed; the buffer's memory stays valid to the driver.
        d.free_memory(memory, None);
        d.destroy_buffer(buffer, None);

        // Image memory requirements, both forms, and the device-level (maintenance4) query.
        let info = vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(vk::Format::R8G8B8A8_UNORM)
            .extent(vk::Extent3D {
                width: 33,
                height: 17,
                depth: 1,
            })
            .mip_levels(3)
            .array_layers(2)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(vk::ImageTiling::LINEAR)
            .usage(vk::ImageUsageFlags::TRANSFER_DST);
        assert!(
            d.create_image(&info, None).is_err(),
            "linear tiling allows one level and layer"
        );
        let info = info.mip_levels(1).array_layers(1);
        let image = d.create_image(&info, None).unwrap();
        let req = d.get_image_memory_requirements(image);
        assert!(req.size >= 33 * 17 * 4);
        let mut req2 = vk::MemoryRequirements2::default();
        d.get_device_image_memory_requirements(
            &vk::DeviceImageMemoryRequirements::default().create_info(&info),
            &mut req2,
        );
        assert_eq!(req2.memory_requirements.size, req.size);
        let layout = d.get_image_subresource_layout(
            image,
            vk::ImageSubresource {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                mip_level: 0,
                array_layer: 0,
            },
        );
        assert_eq!(layout.row_pitch, 33 * 4);
        assert!(layout.size >= 33 * 17 * 4);
        d.destroy_image(image, None);
    }
}

trait FillVia {
    unsafe fn cmd_fill_buffer_via(&self, ctx: &Ctx, buffer: vk::Buffer, value: u32);
}

impl FillVia for ash::Device {
    unsafe fn cmd_fill_buffer_via(&self, ctx: &Ctx, buffer: vk::Buffer, value: u32) {
        ctx.run(|cb| unsafe { self.cmd_fill_buffer(cb, buffer, 0, vk::WHOLE_SIZE, value) });
    }
}

#[test]
fn timestamp_queries() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    unsafe {
        let pool = d
            .create_query_pool(
                &vk::QueryPoolCreateInfo::default()
                    .query_type(vk::QueryType::TIMESTAMP)
                    .query_count(4),
                None,
            )
            .unwrap();
        d.reset_query_pool(pool, 0, 4);
        let mut data = [0u64; 2];
        assert_eq!(
            d.get_query_pool_results(pool, 0, &mut data, vk::QueryResultFlags::TYPE_64),
            Err(vk::Result::NOT_READY)
        );
        let big_src = ctx.buffer(8 << 20);
        let big_dst = ctx.buffer(8 << 20);
        let results = ctx.buffer(64);
        results.bytes().fill(0xee);
        ctx.run(|cb| {
            d.cmd_write_timestamp(cb, vk::PipelineStageFlags::TOP_OF_PIPE, pool, 0);
            copy(&ctx, cb, big_src.buffer, big_dst.buffer, 8 << 20);
            d.cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_COMMANDS, pool, 1);
            d.cmd_copy_query_pool_results(
                cb,
                pool,
                0,
                2,
                results.buffer,
                0,
                16,
                vk::QueryResultFlags::TYPE_64
                    | vk::QueryResultFlags::WITH_AVAILABILITY
                    | vk::QueryResultFlags::WAIT,
            );
        });
        d.get_query_pool_results(
            pool,
            0,
            &mut data,
            vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT,
        )
        .unwrap();
        assert!(
            data[1] > data[0],
            "timestamps must grow across an 8 MiB copy: {data:?}"
        );
        let r = results.bytes();
        let word = |i: usize| u64::from_le_bytes(r[i * 8..i * 8 + 8].try_into().unwrap());
        assert_eq!(
            (word(0), word(1), word(2), word(3)),
            (data[0], 1, data[1], 1)
        );
        assert!(r[32..].iter().all(|&b| b == 0xee));

        // 32-bit results with availability, for queries 1 and 2, where 2 never ran.
        let mut small = [[0u32; 2]; 2];
        let r =
            d.get_query_pool_results(pool, 1, &mut small, vk::QueryResultFlags::WITH_AVAILABILITY);
        assert_eq!(r, Err(vk::Result::NOT_READY));
        assert_eq!(small[0], [data[1] as u32, 1]);
        assert_eq!(small[1][1], 0);

        // Command-side reset makes them unavailable again.
        ctx.run(|cb| d.cmd_reset_query_pool(cb, pool, 0, 4));
        assert_eq!(
            d.get_query_pool_results(pool, 0, &mut data, vk::QueryResultFlags::TYPE_64),
            Err(vk::Result::NOT_READY)
        );
        d.destroy_query_pool(pool, None);
        // Pipeline statistics queries are not supported.
        assert!(d
            .create_query_pool(
                &vk::QueryPoolCreateInfo::default()
                    .query_type(vk::QueryType::PIPELINE_STATISTICS)
                    .query_count(1),
                None
            )
            .is_err());
    }
}

static MESSAGES: AtomicUsize = AtomicUsize::new(0);
static NAMED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "system" fn on_message(
    _severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    _types: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    user: *mut std::ffi::c_void,
) -> vk::Bool32 {
    assert_eq!(user as usize, 0x1234);
    let data = unsafe { &*data };
    let text = unsafe { std::ffi::CStr::from_ptr(data.p_message) }
        .to_string_lossy()
        .into_owned();
    MESSAGES.fetch_add(1, Ordering::SeqCst);
    if text.contains("hello from the test") {
        let objects =
            unsafe { std::slice::from_raw_parts(data.p_objects, data.object_count as usize) };
        if let Some(o) = objects.first() {
            if !o.p_object_name.is_null()
                && unsafe { std::ffi::CStr::from_ptr(o.p_object_name) } == c"my buffer"
            {
                NAMED.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
    vk::FALSE
}

#[test]
fn debug_utils_messenger_and_names() {
    let ctx = Ctx::new();
    let du = ash::ext::debug_utils::Instance::new(&ctx.entry, &ctx.instance);
    let dd = ash::ext::debug_utils::Device::new(&ctx.instance, &ctx.device);
    unsafe {
        let messenger = du
            .create_debug_utils_messenger(
                &vk::DebugUtilsMessengerCreateInfoEXT::default()
                    .message_severity(
                        vk::DebugUtilsMessageSeverityFlagsEXT::ERROR
                            | vk::DebugUtilsMessageSeverityFlagsEXT::INFO,
                    )
                    .message_type(vk::DebugUtilsMessageTypeFlagsEXT::GENERAL)
                    .pfn_user_callback(Some(on_message))
                    .user_data(0x1234 as *mut _),
                None,
            )
            .unwrap();
        let before = MESSAGES.load(Ordering::SeqCst);
        let b = ctx.buffer(16);
        dd.set_debug_utils_object_name(
            &vk::DebugUtilsObjectNameInfoEXT::default()
                .object_handle(b.buffer)
                .object_name(c"my buffer"),
        )
        .unwrap();
        // The application's own message: delivered, and the driver fills in the object's name.
        let object = [vk::DebugUtilsObjectNameInfoEXT::default().object_handle(b.buffer)];
        du.submit_debug_utils_message(
            vk::DebugUtilsMessageSeverityFlagsEXT::INFO,
            vk::DebugUtilsMessageTypeFlagsEXT::GENERAL,
            &vk::DebugUtilsMessengerCallbackDataEXT::default()
                .message(c"hello from the test")
                .objects(&object),
        );
        assert_eq!(MESSAGES.load(Ordering::SeqCst), before + 1);
        assert_eq!(NAMED.load(Ordering::SeqCst), 1);
        // A severity the messenger did not ask for is not delivered.
        du.submit_debug_utils_message(
            vk::DebugUtilsMessageSeverityFlagsEXT::VERBOSE,
            vk::DebugUtilsMessageTypeFlagsEXT::GENERAL,
            &vk::DebugUtilsMessengerCallbackDataEXT::default().message(c"quiet"),
        );
        assert_eq!(MESSAGES.load(Ordering::SeqCst), before + 1);
        // The driver reports its own errors: a failed allocation.
        let _ = ctx.device.allocate_memory(
            &vk::MemoryAllocateInfo::default().allocation_size(1 << 40),
            None,
        );
        assert_eq!(MESSAGES.load(Ordering::SeqCst), before + 2);
        du.destroy_debug_utils_messenger(messenger, None);
        du.submit_debug_utils_message(
            vk::DebugUtilsMessageSeverityFlagsEXT::ERROR,
            vk::DebugUtilsMessageTypeFlagsEXT::GENERAL,
            &vk::DebugUtilsMessengerCallbackDataEXT::default().message(c"after destroy"),
        );
        assert_eq!(MESSAGES.load(Ordering::SeqCst), before + 2);
    }
}

#[test]
fn command_buffer_lifecycle_and_reuse() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let a = ctx.buffer(64);
    let b = ctx.buffer(64);
    unsafe {
        let cb = recorded(&ctx, |cb| d.cmd_fill_buffer(cb, a.buffer, 0, 64, 1));
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        // Submitted twice: runs twice (a fill is idempotent; copy a→b after the second).
        d.queue_submit(
            ctx.queue,
            &[vk::SubmitInfo::default().command_buffers(&[cb])],
            vk::Fence::null(),
        )
        .unwrap();
        d.queue_submit(
            ctx.queue,
            &[vk::SubmitInfo::default().command_buffers(&[cb])],
            fence,
        )
        .unwrap();
        d.wait_for_fences(&[fence], true, u64::MAX).unwrap();
        assert!(a.bytes().chunks(4).all(|w| w == [1, 0, 0, 0]));
        // Re-record the same command buffer with begin (implicit reset).
        d.begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        copy(&ctx, cb, a.buffer, b.buffer, 64);
        d.end_command_buffer(cb).unwrap();
        d.reset_fences(&[fence]).unwrap();
        d.queue_submit(
            ctx.queue,
            &[vk::SubmitInfo::default().command_buffers(&[cb])],
            fence,
        )
        .unwrap();
        d.wait_for_fences(&[fence], true, u64::MAX).unwrap();
        assert_eq!(a.bytes(), b.bytes());
        // Pool reset, then a never-recorded buffer is refused at submit.
        d.reset_command_pool(ctx.pool, vk::CommandPoolResetFlags::empty())
            .unwrap();
        assert!(d
            .queue_submit(
                ctx.queue,
                &[vk::SubmitInfo::default().command_buffers(&[cb])],
                vk::Fence::null()
            )
            .is_err());
        d.free_command_buffers(ctx.pool, &[cb]);
        d.destroy_fence(fence, None);
        // Destroying a pool frees its buffers.
        let pool = d
            .create_command_pool(&vk::CommandPoolCreateInfo::default(), None)
            .unwrap();
        let _cbs = d
            .allocate_command_buffers(
                &vk::CommandBufferAllocateInfo::default()
                    .command_pool(pool)
                    .command_buffer_count(3),
            )
            .unwrap();
        d.trim_command_pool(pool, vk::CommandPoolTrimFlags::empty());
        d.destroy_command_pool(pool, None);
    }
}
