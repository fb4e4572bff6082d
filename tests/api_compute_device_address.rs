//! `bufferDeviceAddress` through the Vulkan API: addresses from `vkGetBufferDeviceAddress`,
//! passed in push constants, followed by a compute shader through `buffer_reference`
//! pointers (a linked list across two allocations, stores, an atomic); and addresses outside
//! every live allocation, which read 0 and write nothing.

mod common;

use ash::vk;
use common::{glsl, Ctx, StorageCompute};

const LIST: &str = r#"#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 4) in;
layout(buffer_reference) buffer Node;
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Node { uint value; uint pad; Node next; };
layout(buffer_reference, std430) buffer Out { uint sum[]; };
layout(buffer_reference, std430) buffer Vals { uvec2 v; float f[4]; };
layout(push_constant) uniform PC { Node head; uint64_t out_addr; Vals vals; } pc;
void main() {
    uint s = 0;
    Node n = pc.head;
    while (uint64_t(n) != 0) { s += n.value; n = n.next; }
    Out o = Out(pc.out_addr);
    o.sum[gl_LocalInvocationID.x] = s + gl_LocalInvocationID.x;
    pc.vals.f[gl_LocalInvocationID.x] = float(pc.vals.v.y) * 2.0 + float(o.sum[9]);
    atomicAdd(o.sum[7], 1u);
}
"#;

/// A buffer made for device addresses, bound at `offset` in its own memory (allocated with
/// `DEVICE_ADDRESS`), and mapped at the buffer's start.
struct AddressedBuffer {
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
    ptr: *mut u8,
    size: usize,
}

impl AddressedBuffer {
    fn new(ctx: &Ctx, size: u64, offset: u64) -> AddressedBuffer {
        let d = &ctx.device;
        unsafe {
            let buffer = d
                .create_buffer(
                    &vk::BufferCreateInfo::default().size(size).usage(
                        vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS
                            | vk::BufferUsageFlags::STORAGE_BUFFER,
                    ),
                    None,
                )
                .unwrap();
            let req = d.get_buffer_memory_requirements(buffer);
            let mut flags = vk::MemoryAllocateFlagsInfo::default()
                .flags(vk::MemoryAllocateFlags::DEVICE_ADDRESS);
            let memory = d
                .allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(req.size + offset)
                        .memory_type_index(0)
                        .push_next(&mut flags),
                    None,
                )
                .unwrap();
            d.bind_buffer_memory(buffer, memory, offset).unwrap();
            let ptr = d
                .map_memory(memory, offset, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
                .unwrap() as *mut u8;
            AddressedBuffer {
                buffer,
                memory,
                ptr,
                size: size as usize,
            }
        }
    }

    fn address(&self, ctx: &Ctx) -> u64 {
        unsafe {
            ctx.device.get_buffer_device_address(
                &vk::BufferDeviceAddressInfo::default().buffer(self.buffer),
            )
        }
    }

    fn bytes(&self) -> &[u8] {
        unsafe { std::slice::from_raw_parts(self.ptr, self.size) }
    }

    fn put_bytes(&self, at: usize, bytes: &[u8]) {
        assert!(at + bytes.len() <= self.size);
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(at), bytes.len()) };
    }

    fn put(&self, at: usize, word: u32) {
        self.put_bytes(at, &word.to_le_bytes());
    }

    fn put64(&self, at: usize, v: u64) {
        self.put_bytes(at, &v.to_le_bytes());
    }

    fn word(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.bytes()[at..at + 4].try_into().unwrap())
    }

    fn destroy(self, ctx: &Ctx) {
        unsafe {
            ctx.device.destroy_buffer(self.buffer, None);
            ctx.device.free_memory(self.memory, None);
        }
    }
}

fn dispatch(ctx: &Ctx, compute: &StorageCompute, push: [u64; 3]) {
    let bytes: Vec<u8> = push.iter().flat_map(|v| v.to_le_bytes()).collect();
    ctx.run(|cb| {
        compute.bind(ctx, cb, &bytes);
        unsafe { ctx.device.cmd_dispatch(cb, 1, 1, 1) };
    });
}

#[test]
fn buffer_device_addresses_are_distinct_stable_and_nonzero() {
    let ctx = Ctx::new();
    let mut bda = vk::PhysicalDeviceBufferDeviceAddressFeatures::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut bda);
    unsafe {
        ctx.instance
            .get_physical_device_features2(ctx.physical, &mut f2)
    };
    assert_eq!(bda.buffer_device_address, vk::TRUE);
    assert_eq!(bda.buffer_device_address_capture_replay, vk::FALSE);
    let a = AddressedBuffer::new(&ctx, 256, 0);
    let b = AddressedBuffer::new(&ctx, 256, 512);
    let (aa, ba) = (a.address(&ctx), b.address(&ctx));
    assert_ne!(aa, 0);
    assert_ne!(ba, 0);
    assert_eq!(aa, a.address(&ctx));
    // Different allocations' ranges do not overlap.
    assert!(aa + 256 <= ba || ba + 256 <= aa, "{aa:#x} {ba:#x}");
    // KHR alias and opaque capture addresses (capture-replay is not reported: 0).
    unsafe {
        let khr = ash::khr::buffer_device_address::Device::new(&ctx.instance, &ctx.device);
        let info = vk::BufferDeviceAddressInfo::default().buffer(b.buffer);
        assert_eq!(khr.get_buffer_device_address(&info), ba);
        assert_eq!(ctx.device.get_buffer_opaque_capture_address(&info), 0);
    }
    a.destroy(&ctx);
    b.destroy(&ctx);
}

#[test]
fn a_compute_shader_follows_buffer_reference_pointers() {
    let ctx = Ctx::new();
    let spirv = glsl("comp", LIST);
    let nodes = AddressedBuffer::new(&ctx, 64, 0);
    // The last node and the output live in other allocations, the output at an offset.
    let far = AddressedBuffer::new(&ctx, 64, 256);
    let out = AddressedBuffer::new(&ctx, 64, 128);
    let vals = AddressedBuffer::new(&ctx, 32, 0);
    let (n, f, o, v) = (
        nodes.address(&ctx),
        far.address(&ctx),
        out.address(&ctx),
        vals.address(&ctx),
    );
    // 5 → 7 → 11 → null.
    nodes.put(0, 5);
    nodes.put64(8, n + 16);
    nodes.put(16, 7);
    nodes.put64(24, f + 32);
    far.put(32, 11);
    far.put64(40, 0);
    out.put(36, 100); // sum[9]
    vals.put(4, 3); // v.y
    let compute = StorageCompute::new(&ctx, &spirv, &[out.buffer], 24);
    dispatch(&ctx, &compute, [n, o, v]);
    for x in 0..4 {
        assert_eq!(out.word(4 * x), 23 + x as u32);
        assert_eq!(f32::from_bits(vals.word(8 + 4 * x)), 106.0);
    }
    assert_eq!(out.word(28), 4);
    compute.destroy(&ctx);
    for b in [nodes, far, out, vals] {
        b.destroy(&ctx);
    }
}

#[test]
fn addresses_outside_live_allocations_read_zero_and_write_nothing() {
    let ctx = Ctx::new();
    let spirv = glsl("comp", LIST);
    let out = AddressedBuffer::new(&ctx, 64, 0);
    let vals = AddressedBuffer::new(&ctx, 32, 0);
    let freed = AddressedBuffer::new(&ctx, 64, 0);
    let (o, v, gone) = (out.address(&ctx), vals.address(&ctx), freed.address(&ctx));
    freed.destroy(&ctx);
    vals.put(4, 3);
    let compute = StorageCompute::new(&ctx, &spirv, &[out.buffer], 24);
    // Past the end of the output's allocation, at an address no allocation ever had, and at
    // a freed allocation's address: nothing is written, sum[9] reads 0, the list is empty.
    for target in [o + (1 << 16) - 8, 0x1234, gone, u64::MAX - 3] {
        dispatch(&ctx, &compute, [0, target, v]);
        assert!(out.bytes().iter().all(|&b| b == 0), "{target:#x}");
        for x in 0..4 {
            assert_eq!(f32::from_bits(vals.word(8 + 4 * x)), 6.0, "{target:#x}");
        }
    }
    // A list whose head points outside: reads as a node of zeros, whose next is null.
    dispatch(&ctx, &compute, [0x10, o, v]);
    for x in 0..4 {
        assert_eq!(out.word(4 * x), x as u32);
    }
    compute.destroy(&ctx);
    out.destroy(&ctx);
    vals.destroy(&ctx);
}
