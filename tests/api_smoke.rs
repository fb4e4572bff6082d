//! The driver answers start-up queries and runs a copy, through ash without a loader.

mod common;

use ash::vk;
use common::Ctx;

#[test]
fn instance_device_and_copy() {
    let ctx = Ctx::new();
    let props = unsafe { ctx.instance.get_physical_device_properties(ctx.physical) };
    assert_eq!(props.device_type, vk::PhysicalDeviceType::CPU);
    assert_eq!(vk::api_version_minor(props.api_version), 3);
    let a = ctx.buffer(1024);
    let b = ctx.buffer(1024);
    let data = common::pattern(1024, 1);
    a.bytes().copy_from_slice(&data);
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 3,
                dst_offset: 5,
                size: 1000,
            }],
        );
    });
    assert_eq!(&b.bytes()[5..1005], &data[3..1003]);
    assert!(b.bytes()[..5].iter().all(|&x| x == 0));
}
