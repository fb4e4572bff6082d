//! Shader features Vulkan 1.2 and 1.3 require, run by the interpreter and checked against
//! results computed here: std430 uniform buffers (`uniformBufferStandardLayout`), subgroup
//! broadcasts with a dynamic id (`subgroupBroadcastDynamicId`), subgroup operations on 64-bit
//! types (`shaderSubgroupExtendedTypes`), the Vulkan memory model (`vulkanMemoryModel`,
//! `vulkanMemoryModelDeviceScope`) and saturating integer dot products
//! (`shaderIntegerDotProduct`).

mod support;

use std::sync::atomic::AtomicBool;

use pumice_memory::DeviceMemory;
use pumice_shader::compute::{dispatch, BufferSlice, ComputeProgram, DispatchResources};

/// The subgroup size: one interpreter batch.
const W: usize = pumice_shader::ir::W;

/// Compiles a GLSL compute shader for Vulkan 1.2 (SPIR-V 1.5).
fn glsl(source: &str) -> Vec<u32> {
    support::glsl_for("vulkan1.2", source)
}

fn memory(bytes: &[u8]) -> DeviceMemory {
    let m = DeviceMemory::new(bytes.len() as u64).unwrap();
    m.write(0, bytes).unwrap();
    m
}

fn u32_bytes(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn read_bytes(m: &DeviceMemory) -> Vec<u8> {
    let mut bytes = vec![0u8; m.size() as usize];
    m.read(0, &mut bytes).unwrap();
    bytes
}

fn read_u32(m: &DeviceMemory) -> Vec<u32> {
    read_bytes(m)
        .chunks(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn read_u64(m: &DeviceMemory) -> Vec<u64> {
    read_bytes(m)
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Runs `words` over `groups` workgroups with `buffers` at set 0, bindings 0, 1, ….
fn run(words: &[u32], buffers: &[&DeviceMemory], groups: [u32; 3]) {
    let program = ComputeProgram::new(words, "main", &[]).unwrap_or_else(|e| panic!("{e}"));
    let res = DispatchResources {
        images: Vec::new(),
        buffers: buffers
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    (0, i as u32, 0),
                    BufferSlice {
                        memory: m,
                        offset: 0,
                        size: m.size(),
                    },
                )
            })
            .collect(),
        push_constants: Vec::new(),
        addresses: Vec::new(),
    };
    dispatch(&program, &res, [0; 3], groups, &AtomicBool::new(false)).unwrap();
}

/// `uniformBufferStandardLayout`: a uniform block with std430 layout (array stride 4, a
/// `float` packed right after a `vec3`) and one with scalar-like explicit offsets are read by
/// their `Offset` and `ArrayStride` decorations.
#[test]
fn std430_uniform_buffer() {
    let words = glsl(
        r"#version 450
        #extension GL_EXT_scalar_block_layout : enable
        layout(local_size_x = 4) in;
        layout(set = 0, binding = 0, std430) uniform U {
            float a[4];   // stride 4 (std140 would be 16)
            vec2 b;       // offset 16
            vec3 c;       // offset 32
            float d;      // offset 44, inside the vec3's 16 bytes
            uvec2 e[3];   // offset 48, stride 8
        } u;
        layout(set = 0, binding = 1) buffer O { float o[16]; uint q[6]; };
        void main() {
            uint i = gl_LocalInvocationID.x;
            o[i] = u.a[i];
            if (i == 0u) {
                o[4] = u.b.x; o[5] = u.b.y;
                o[6] = u.c.x; o[7] = u.c.y; o[8] = u.c.z;
                o[9] = u.d;
                for (int k = 0; k < 3; k++) { q[2 * k] = u.e[k].x; q[2 * k + 1] = u.e[k].y; }
            }
        }",
    );
    let ubo_words: Vec<u32> = (0..18u32)
        .map(|k| {
            if k < 12 {
                (k as f32 + 0.5).to_bits()
            } else {
                1000 + k
            }
        })
        .collect();
    let ubo = memory(&u32_bytes(&ubo_words));
    let out = memory(&[0; 22 * 4]);
    run(&words, &[&ubo, &out], [1, 1, 1]);
    let got = read_u32(&out);
    let f = |k: u32| (k as f32 + 0.5).to_bits();
    assert_eq!(
        got[..10],
        [f(0), f(1), f(2), f(3), f(4), f(5), f(8), f(9), f(10), f(11)]
    );
    assert_eq!(got[16..22], [1012, 1013, 1014, 1015, 1016, 1017]);
}

/// `subgroupBroadcastDynamicId`: `OpGroupNonUniformBroadcast` whose id is read from memory,
/// different per subgroup (uniform within each).
#[test]
fn broadcast_with_dynamic_id() {
    let words = glsl(
        r"#version 450
        #extension GL_KHR_shader_subgroup_ballot : enable
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) buffer I { uint ids[]; };
        layout(set = 0, binding = 1) buffer O { uint o[]; };
        void main() {
            uint g = gl_WorkGroupID.x;
            uint i = gl_LocalInvocationID.x;
            o[g * 64u + i] = subgroupBroadcast(i * 7u + 3u + g, ids[g]);
        }",
    );
    assert_eq!(W, 64, "the test's workgroups are one subgroup each");
    let ids = [0u32, 5, 63, 17];
    let input = memory(&u32_bytes(&ids));
    let out = memory(&[0; 4 * 64 * 4]);
    run(&words, &[&input, &out], [4, 1, 1]);
    let got = read_u32(&out);
    for (g, &id) in ids.iter().enumerate() {
        for i in 0..64 {
            assert_eq!(got[g * 64 + i], id * 7 + 3 + g as u32, "group {g} lane {i}");
        }
    }
}

/// `shaderSubgroupExtendedTypes` (64-bit part): arithmetic, ballot, shuffle and quad
/// operations on `uint64_t`, `int64_t` and `double`.
#[test]
fn subgroup_operations_on_64_bit_types() {
    let words = glsl(
        r"#version 450
        #extension GL_KHR_shader_subgroup_arithmetic : enable
        #extension GL_KHR_shader_subgroup_ballot : enable
        #extension GL_KHR_shader_subgroup_shuffle : enable
        #extension GL_KHR_shader_subgroup_shuffle_relative : enable
        #extension GL_KHR_shader_subgroup_quad : enable
        #extension GL_EXT_shader_subgroup_extended_types_int64 : enable
        #extension GL_EXT_shader_explicit_arithmetic_types_int64 : enable
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) buffer O { uint64_t o[]; };
        layout(set = 0, binding = 1) buffer D { double d[]; };
        void main() {
            uint i = gl_LocalInvocationID.x;
            uint64_t v = (uint64_t(i) << 33) + uint64_t(i * i);
            o[i] = subgroupAdd(v);
            o[64 + i] = subgroupMax(v);
            o[128 + i] = subgroupBroadcastFirst(v + 5ul);
            o[192 + i] = subgroupShuffle(v, 63u - i);
            o[256 + i] = subgroupExclusiveAdd(v);
            o[320 + i] = uint64_t(subgroupMin(int64_t(v) - 100000000000l));
            o[384 + i] = subgroupBroadcast(v, 9u);
            o[448 + i] = subgroupShuffleDown(v, 1u);
            o[512 + i] = subgroupQuadSwapHorizontal(v);
            o[576 + i] = subgroupOr(v);
            double f = double(i) * 0.25 + 1e10;
            d[i] = subgroupAdd(f);
            d[64 + i] = subgroupMax(f);
            d[128 + i] = subgroupShuffleXor(f, 1u);
            d[192 + i] = subgroupBroadcast(f, 3u);
            d[256 + i] = subgroupInclusiveMul(double(i % 3u) + 1.0);
        }",
    );
    let out = memory(&[0; 640 * 8]);
    let dout = memory(&[0; 320 * 8]);
    run(&words, &[&out, &dout], [1, 1, 1]);
    let o = read_u64(&out);
    let d: Vec<f64> = read_u64(&dout).into_iter().map(f64::from_bits).collect();
    let v = |i: u64| (i << 33) + i * i;
    let sum: u64 = (0..64).map(v).fold(0, u64::wrapping_add);
    for i in 0..64u64 {
        let k = i as usize;
        assert_eq!(o[k], sum, "add {i}");
        assert_eq!(o[64 + k], v(63), "max {i}");
        assert_eq!(o[128 + k], v(0) + 5, "broadcast first {i}");
        assert_eq!(o[192 + k], v(63 - i), "shuffle {i}");
        assert_eq!(o[256 + k], (0..i).map(v).sum::<u64>(), "exclusive add {i}");
        assert_eq!(o[320 + k] as i64, -100_000_000_000, "min {i}");
        assert_eq!(o[384 + k], v(9), "broadcast {i}");
        if i < 63 {
            assert_eq!(o[448 + k], v(i + 1), "shuffle down {i}");
        }
        assert_eq!(o[512 + k], v(i ^ 1), "quad swap {i}");
        assert_eq!(o[576 + k], (0..64).map(v).fold(0, |a, b| a | b), "or {i}");
        let f = |i: u64| i as f64 * 0.25 + 1e10;
        let fsum: f64 = (0..64).map(f).sum();
        assert!((d[k] - fsum).abs() <= fsum * 1e-15, "fadd {i}: {}", d[k]);
        assert_eq!(d[64 + k], f(63), "fmax {i}");
        assert_eq!(d[128 + k], f(i ^ 1), "shuffle xor {i}");
        assert_eq!(d[192 + k], f(3), "fbroadcast {i}");
        let prod: f64 = (0..=i).map(|j| (j % 3) as f64 + 1.0).product();
        assert_eq!(d[256 + k], prod, "inclusive mul {i}");
    }
}
