//! Compute shaders from GLSL (compiled with glslangValidator) run by the interpreter, checked
//! against results computed here.

mod support;

use std::sync::atomic::AtomicBool;

use pumice_memory::DeviceMemory;
use pumice_shader::compute::{dispatch, BufferSlice, ComputeProgram, DispatchResources};
use support::glsl;

/// SPIR-V assembly for Vulkan 1.2 (SPIR-V 1.4).
fn spirv_asm(text: &str) -> Vec<u32> {
    support::spirv_asm("spv1.4", text)
}

fn buffer_from_u32(data: &[u32]) -> DeviceMemory {
    let m = DeviceMemory::new(data.len() as u64 * 4).unwrap();
    let bytes: Vec<u8> = data.iter().flat_map(|w| w.to_le_bytes()).collect();
    m.write(0, &bytes).unwrap();
    m
}

fn read_u32(m: &DeviceMemory) -> Vec<u32> {
    let mut bytes = vec![0u8; m.size() as usize];
    m.read(0, &mut bytes).unwrap();
    bytes
        .chunks(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn f32s(v: &[u32]) -> Vec<f32> {
    v.iter().map(|&x| f32::from_bits(x)).collect()
}

fn run(source: &str, buffers: &[&DeviceMemory], push: &[u8], groups: [u32; 3]) {
    run_words(&glsl(source), buffers, push, groups);
}

fn run_words(words: &[u32], buffers: &[&DeviceMemory], push: &[u8], groups: [u32; 3]) {
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
        push_constants: push.to_vec(),
        addresses: Vec::new(),
    };
    dispatch(&program, &res, [0; 3], groups, &AtomicBool::new(false)).unwrap();
}

/// The fused product forms (`opt::fuse_products`) give the bits of the unfused arithmetic:
/// each product and sum rounded on its own, as Rust computes them here.
#[test]
fn fused_products_are_exact() {
    let n = 150u32;
    let out = buffer_from_u32(&vec![0; 2 * 192]);
    run(support::PRODUCTS, &[&out], &n.to_le_bytes(), [3, 1, 1]);
    let got = read_u32(&out);
    for i in 0..n as usize {
        let (mut x, mut y) = (i as f32 * 0.001, 0.5 - i as f32 * 0.002);
        let mut a = 0.0f32;
        for _ in 0..16 {
            (x, y) = (x * x - y * y + 0.3, 2.0 * x * y + 0.1);
            a += x * 0.01;
        }
        assert_eq!(
            [got[2 * i], got[2 * i + 1]],
            [a.to_bits(), y.to_bits()],
            "invocation {i}: {:?} vs {:?}",
            f32s(&got[2 * i..2 * i + 2]),
            [a, y]
        );
    }
    // Invocations past `n` returned before writing.
    assert!(got[2 * n as usize..].iter().all(|&w| w == 0));
}

#[test]
fn saxpy() {
    let n = 1000usize;
    let x: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
    let y: Vec<f32> = (0..n).map(|i| 100.0 - i as f32).collect();
    let xb = buffer_from_u32(&x.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    let yb = buffer_from_u32(&y.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    let mut push = 2.5f32.to_le_bytes().to_vec();
    push.extend((n as u32).to_le_bytes());
    run(
        r"#version 450
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) buffer X { float x[]; };
        layout(set = 0, binding = 1) buffer Y { float y[]; };
        layout(push_constant) uniform P { float a; uint n; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            if (i < n) y[i] = a * x[i] + y[i];
        }",
        &[&xb, &yb],
        &push,
        [(n as u32).div_ceil(64), 1, 1],
    );
    let out = f32s(&read_u32(&yb));
    for i in 0..n {
        assert_eq!(out[i], 2.5 * x[i] + y[i], "{i}");
    }
}

#[test]
fn control_flow_loops_switch_and_calls() {
    let n = 256usize;
    let out = buffer_from_u32(&vec![0; n]);
    run(
        r"#version 450
        layout(local_size_x = 32) in;
        layout(set = 0, binding = 0) buffer O { uint o[]; };
        uint collatz(uint v) {
            uint steps = 0;
            while (v != 1u) {
                if (steps > 1000u) return 9999u;
                v = (v % 2u == 0u) ? v / 2u : 3u * v + 1u;
                steps++;
            }
            return steps;
        }
        uint classify(uint i) {
            switch (i % 5u) {
                case 0u: return 10u;
                case 1u:
                case 2u: return 20u;
                default: break;
            }
            return 30u;
        }
        void main() {
            uint i = gl_GlobalInvocationID.x;
            uint acc = 0u;
            for (uint k = 0u; k < i; k++) {
                if (k % 3u == 0u) continue;
                if (k > 50u) break;
                acc += k;
            }
            o[i] = collatz(i + 1u) * 100000u + classify(i) * 1000u + acc;
        }",
        &[&out],
        &[],
        [(n / 32) as u32, 1, 1],
    );
    let got = read_u32(&out);
    for i in 0..n as u32 {
        let mut v = i + 1;
        let mut steps = 0;
        while v != 1 {
            v = if v % 2 == 0 { v / 2 } else { 3 * v + 1 };
            steps += 1;
        }
        let class = match i % 5 {
            0 => 10,
            1 | 2 => 20,
            _ => 30,
        };
        let acc: u32 = (0..i).take_while(|&k| k <= 50).filter(|k| k % 3 != 0).sum();
        assert_eq!(got[i as usize], steps * 100000 + class * 1000 + acc, "{i}");
    }
}

/// Counted loops (`LoopEndCounted`, made by `opt::fuse_loop_counter`): uniform and varying
/// counters, lanes leaving in the middle with the counter read after the loop, zero trips,
/// `continue`, a loop counting down (not fused), nested loops; in full batches of 64 lanes
/// (the fast path with a uniform counter) and in batches of 32 of 64 (the general path).
/// Loops with a trip count known at compile time have their bodies repeated
/// (`opt::unroll_counted_loops`): the results are those of running them as written — up and
/// down, by steps other than 1, `!=` tests, a counter wrapping past 2³², no trip at all —
/// with every lane and with lanes that returned before the loops. A loop whose body reads its
/// counter, or breaks, is left as it is.
#[test]
fn unrolled_loops_are_exact() {
    let source = r"#version 450
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) buffer O { uint o[]; };
        layout(push_constant) uniform P { uint n; };
        void main() {
            uint g = gl_GlobalInvocationID.x;
            if (g >= n) return;
            uint a = g, b = g, c = g, d = g, e = g, f = g, h = g;
            for (int k = 0; k < 12; k++) a = a * 3u + 1u;
            for (int k = 10; k > 3; k -= 1) b = b * 5u + 7u;
            for (uint k = 5u; k < 5u; k++) c += 1000u;
            for (int k = 0; k != 9; k += 3) d = d * 7u + 2u;
            for (uint k = 4294967294u; k != 2u; k++) e = e * 9u + 4u;
            for (int k = 0; k < 6; k++) f = f * 11u + uint(k);
            for (int k = 0; k < 8; k++) { if (h > 1000000u) break; h = h * 13u + 1u; }
            o[g * 7u + 0u] = a;
            o[g * 7u + 1u] = b;
            o[g * 7u + 2u] = c;
            o[g * 7u + 3u] = d;
            o[g * 7u + 4u] = e;
            o[g * 7u + 5u] = f;
            o[g * 7u + 6u] = h;
        }";
    let words = glsl(source);
    let text = ComputeProgram::new(&words, "main", &[])
        .unwrap()
        .disassemble();
    // `a`'s loop (12 trips, one instruction) runs its body 12 times per round.
    let a_body = text.lines().filter(|l| l.contains("IMul")).count();
    assert!(a_body >= 12, "not unrolled:\n{text}");
    let n = 150u32;
    let out = buffer_from_u32(&vec![0; 192 * 7]);
    run(source, &[&out], &n.to_le_bytes(), [3, 1, 1]);
    let got = read_u32(&out);
    let repeat = |mut v: u32, times: u32, f: &dyn Fn(u32, u32) -> u32| {
        for k in 0..times {
            v = f(v, k);
        }
        v
    };
    for g in 0..n {
        let mut h = g;
        for _ in 0..8 {
            if h > 1_000_000 {
                break;
            }
            h = h.wrapping_mul(13).wrapping_add(1);
        }
        let want = [
            repeat(g, 12, &|v, _| v.wrapping_mul(3).wrapping_add(1)),
            repeat(g, 7, &|v, _| v.wrapping_mul(5).wrapping_add(7)),
            g,
            repeat(g, 3, &|v, _| v.wrapping_mul(7).wrapping_add(2)),
            repeat(g, 4, &|v, _| v.wrapping_mul(9).wrapping_add(4)),
            repeat(g, 6, &|v, k| v.wrapping_mul(11).wrapping_add(k)),
            h,
        ];
        let at = g as usize * 7;
        assert_eq!(got[at..at + 7], want, "invocation {g}");
    }
    assert!(got[n as usize * 7..].iter().all(|&w| w == 0));
}

#[test]
fn counted_loops() {
    let source = |local: u32| {
        format!(
            r"#version 450
            layout(local_size_x = {local}) in;
            layout(set = 0, binding = 0) buffer O {{ uint o[]; }};
            layout(push_constant) uniform P {{ uint n; uint zero; }};
            void main() {{
                uint id = gl_LocalInvocationID.x;
                uint g = gl_GlobalInvocationID.x;
                uint a = 0u;
                for (uint i = 0u; i < n; i++) a += i * 3u + id;
                uint b = 0u;
                uint bi;
                for (bi = 0u; bi < n; bi++) {{
                    if (bi == id % 7u) break;
                    b += bi;
                }}
                uint c = 0u;
                for (uint i = id % 5u; i < n; i += 2u) c += i;
                uint d = 7u;
                for (uint i = 0u; i < zero; i++) d += 100u;
                int e = 0;
                for (int i = int(n); i > -3; i--) {{
                    if ((i & 1) == 0) continue;
                    e += i;
                }}
                uint f = 0u;
                for (uint i = 0u; i < 3u; i++) {{
                    for (uint j = i; j < 4u; j++) {{
                        if (j == 2u && id % 3u == 0u) continue;
                        f += i * 4u + j + id;
                    }}
                }}
                o[g * 7u + 0u] = a;
                o[g * 7u + 1u] = b;
                o[g * 7u + 2u] = bi;
                o[g * 7u + 3u] = c;
                o[g * 7u + 4u] = d;
                o[g * 7u + 5u] = uint(e);
                o[g * 7u + 6u] = f;
            }}"
        )
    };
    let n = 10u32;
    let mut push = n.to_le_bytes().to_vec();
    push.extend(0u32.to_le_bytes());
    for local in [64u32, 32] {
        let words = glsl(&source(local));
        let program = ComputeProgram::new(&words, "main", &[]).unwrap();
        let fused = program.disassemble().matches("then BreakIf").count();
        assert!(
            fused >= 5,
            "{fused} loops fused:\n{}",
            program.disassemble()
        );
        // `c` and its counter start from the invocation index: never uniform.
        assert!(program.disassemble().contains("varying IAdd"));
        let groups = 2u32;
        let total = (local * groups) as usize;
        let out = buffer_from_u32(&vec![0; total * 7]);
        run_words(&words, &[&out], &push, [groups, 1, 1]);
        let got = read_u32(&out);
        for g in 0..total as u32 {
            let id = g % local;
            let a: u32 = (0..n).map(|i| i * 3 + id).sum();
            let stop = (id % 7).min(n);
            let b: u32 = (0..stop).sum();
            let c: u32 = (id % 5..n).step_by(2).sum();
            let e: i32 = (-2..=n as i32).filter(|i| i & 1 != 0).sum();
            let mut f = 0;
            for i in 0..3 {
                for j in i..4 {
                    if !(j == 2 && id % 3 == 0) {
                        f += i * 4 + j + id;
                    }
                }
            }
            let want = [a, b, stop, c, 7, e as u32, f];
            let at = g as usize * 7;
            assert_eq!(got[at..at + 7], want, "local size {local}, invocation {g}");
        }
    }
}

#[test]
fn shared_memory_reduction_with_barriers() {
    // 128 invocations per group: 8 batches meeting at each barrier.
    let groups = 4u32;
    let input: Vec<u32> = (0..128 * groups).map(|i| i * 7 % 101).collect();
    let inb = buffer_from_u32(&input);
    let outb = buffer_from_u32(&vec![0; groups as usize]);
    run(
        r"#version 450
        layout(local_size_x = 128) in;
        layout(set = 0, binding = 0) buffer I { uint i_[]; };
        layout(set = 0, binding = 1) buffer O { uint o[]; };
        shared uint s[128];
        void main() {
            uint l = gl_LocalInvocationID.x;
            s[l] = i_[gl_GlobalInvocationID.x];
            barrier();
            for (uint stride = 64u; stride > 0u; stride >>= 1) {
                if (l < stride) s[l] += s[l + stride];
                barrier();
            }
            if (l == 0u) o[gl_WorkGroupID.x] = s[0];
        }",
        &[&inb, &outb],
        &[],
        [groups, 1, 1],
    );
    let got = read_u32(&outb);
    for g in 0..groups as usize {
        assert_eq!(got[g], input[g * 128..(g + 1) * 128].iter().sum::<u32>());
    }
}

#[test]
fn atomics_across_workgroups() {
    let counter = buffer_from_u32(&[0, 0, u32::MAX, 0]);
    run(
        r"#version 450
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) buffer C { uint count; uint sum; uint minv; int maxv; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            atomicAdd(count, 1u);
            atomicAdd(sum, i);
            atomicMin(minv, i + 5u);
            atomicMax(maxv, int(i));
        }",
        &[&counter],
        &[],
        [50, 1, 1],
    );
    let got = read_u32(&counter);
    let n = 64 * 50u32;
    assert_eq!(got, vec![n, n * (n - 1) / 2, 5, n - 1]);
}

#[test]
fn matrices_arrays_and_math() {
    let out = buffer_from_u32(&vec![0; 64 * 8]);
    run(
        r"#version 450
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) buffer O { vec4 o[]; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            float t = float(i);
            mat2 m = mat2(1.0, 2.0, 3.0, 4.0);
            vec2 v = m * vec2(t, 1.0);
            float arr[5];
            for (int k = 0; k < 5; k++) arr[k] = float(k * k);
            float picked = arr[i % 5u];
            o[2u * i] = vec4(v, picked, length(vec2(3.0, 4.0)));
            o[2u * i + 1u] = vec4(clamp(t - 10.0, 0.0, 5.0), floor(t / 3.0), mix(0.0, 10.0, 0.25), determinant(m));
        }",
        &[&out],
        &[],
        [1, 1, 1],
    );
    let got = f32s(&read_u32(&out));
    for i in 0..64usize {
        let t = i as f32;
        let a = &got[i * 8..i * 8 + 4];
        assert_eq!(
            a,
            &[t + 3.0, 2.0 * t + 4.0, ((i % 5) * (i % 5)) as f32, 5.0],
            "{i}"
        );
        let b = &got[i * 8 + 4..i * 8 + 8];
        assert_eq!(
            b,
            &[(t - 10.0).clamp(0.0, 5.0), (t / 3.0).floor(), 2.5, -2.0],
            "{i}"
        );
    }
}

#[test]
fn out_of_bounds_reads_zero_and_writes_nothing() {
    // The bound range is 16 bytes of a larger allocation: accesses past it must not leak.
    let mem = buffer_from_u32(&[1, 2, 3, 4, 0xAAAA, 0xBBBB, 0xCCCC, 0xDDDD]);
    let program = ComputeProgram::new(
        &glsl(
            r"#version 450
            layout(local_size_x = 8) in;
            layout(set = 0, binding = 0) buffer B { uint b[]; };
            void main() {
                uint i = gl_GlobalInvocationID.x;
                uint v = b[i];
                b[i + 4u] = 77u;
                if (i < 4u) b[i] = v + 100u + b[i + 4u];
            }",
        ),
        "main",
        &[],
    )
    .unwrap();
    let res = DispatchResources {
        images: Vec::new(),
        buffers: vec![(
            (0, 0, 0),
            BufferSlice {
                memory: &mem,
                offset: 0,
                size: 16,
            },
        )],
        push_constants: vec![],
        addresses: Vec::new(),
    };
    dispatch(&program, &res, [0; 3], [1, 1, 1], &AtomicBool::new(false)).unwrap();
    let got = read_u32(&mem);
    // b[i + 4] is outside the bound range: reads 0, writes dropped (except lanes 0..3's own).
    assert_eq!(&got[4..], &[0xAAAA, 0xBBBB, 0xCCCC, 0xDDDD]);
    assert_eq!(&got[..4], &[101, 102, 103, 104]);
}

#[test]
fn infinite_loop_is_stopped_by_the_cancel_flag() {
    let program = ComputeProgram::new(
        &glsl(
            r"#version 450
            layout(local_size_x = 1) in;
            layout(set = 0, binding = 0) buffer B { uint b[]; };
            void main() { uint i = 0u; while (b[0] == 0u) { i++; } b[1] = i; }",
        ),
        "main",
        &[],
    )
    .unwrap();
    assert_cancelled(&program, vec![]);
}

/// The watchdog also stops a counted loop on its fast path (a uniform counter that never
/// reaches its bound).
#[test]
fn endless_counted_loop_is_stopped_by_the_cancel_flag() {
    let program = ComputeProgram::new(
        &glsl(
            r"#version 450
            layout(local_size_x = 64) in;
            layout(set = 0, binding = 0) buffer B { uint b[]; };
            layout(push_constant) uniform P { uint step; };
            void main() { uint a = 0u; for (uint i = 0u; i < 5u; i += step) a++; b[1] = a; }",
        ),
        "main",
        &[],
    )
    .unwrap();
    assert!(program.disassemble().contains("then BreakIf"));
    assert_cancelled(&program, 0u32.to_le_bytes().to_vec());
}

/// Dispatches one workgroup of a shader that never ends (over an 8-byte buffer at binding 0),
/// sets the cancel flag after 50 ms, and checks that the dispatch stops with an error within
/// seconds.
fn assert_cancelled(program: &ComputeProgram, push_constants: Vec<u8>) {
    let mem = buffer_from_u32(&[0, 0]);
    let res = DispatchResources {
        images: Vec::new(),
        buffers: vec![(
            (0, 0, 0),
            BufferSlice {
                memory: &mem,
                offset: 0,
                size: 8,
            },
        )],
        push_constants: push_constants,
        addresses: Vec::new(),
    };
    let cancel = std::sync::Arc::new(AtomicBool::new(false));
    let c2 = cancel.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        c2.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let start = std::time::Instant::now();
    let r = dispatch(program, &res, [0; 3], [1, 1, 1], &cancel);
    t.join().unwrap();
    assert!(r.is_err());
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn subgroup_operations() {
    // Workgroups of 128: two subgroups of 64 lanes each.
    let out = buffer_from_u32(&vec![0; 128 * 8]);
    run(
        r"#version 450
        #extension GL_KHR_shader_subgroup_basic : require
        #extension GL_KHR_shader_subgroup_vote : require
        #extension GL_KHR_shader_subgroup_ballot : require
        #extension GL_KHR_shader_subgroup_arithmetic : require
        #extension GL_KHR_shader_subgroup_shuffle : require
        #extension GL_KHR_shader_subgroup_shuffle_relative : require
        layout(local_size_x = 128) in;
        layout(set = 0, binding = 0) buffer O { uint o[]; };
        void main() {
            uint i = gl_LocalInvocationIndex;
            uint base = i * 8u;
            o[base + 0u] = gl_SubgroupSize * 1000u + gl_SubgroupInvocationID * 10u + gl_SubgroupID;
            o[base + 1u] = subgroupAdd(i);
            o[base + 2u] = subgroupExclusiveAdd(1u);
            o[base + 3u] = subgroupBroadcastFirst(i);
            o[base + 4u] = subgroupShuffleXor(i, 1u);
            uvec4 b = subgroupBallot((i & 1u) == 1u);
            o[base + 5u] = uint(bitCount(b.x) + bitCount(b.y) + bitCount(b.z) + bitCount(b.w));
            o[base + 6u] = subgroupAll(i < 200u) ? 1u : 0u;
            if (i % 4u == 0u) {
                // Only a quarter of the lanes: reductions see only them.
                o[base + 7u] = subgroupAdd(1u) + (subgroupElect() ? 100u : 0u);
            }
        }",
        &[&out],
        &[],
        [1, 1, 1],
    );
    let got = read_u32(&out);
    for i in 0..128u32 {
        let g = &got[(i * 8) as usize..(i * 8 + 8) as usize];
        let sub = i / 64;
        let lane = i % 64;
        let sum: u32 = (sub * 64..sub * 64 + 64).sum();
        assert_eq!(g[0], 64 * 1000 + lane * 10 + sub, "{i}");
        assert_eq!(g[1], sum, "{i}");
        assert_eq!(g[2], lane, "{i}");
        assert_eq!(g[3], sub * 64, "{i}");
        assert_eq!(g[4], i ^ 1, "{i}");
        assert_eq!(g[5], 32, "{i}");
        assert_eq!(g[6], 1, "{i}");
        if i % 4 == 0 {
            assert_eq!(g[7], 16 + if lane == 0 { 100 } else { 0 }, "{i}");
        } else {
            assert_eq!(g[7], 0);
        }
    }
}

/// Significand and exponent as C's frexp, exactly (f64 arithmetic on an f32 value is exact).
fn frexp_ref(x: f32) -> (f32, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (mut m, mut e) = (f64::from(x).abs(), 0);
    while m >= 1.0 {
        m /= 2.0;
        e += 1;
    }
    while m < 0.5 {
        m *= 2.0;
        e -= 1;
    }
    ((m as f32).copysign(x), e)
}

/// `modf` and `frexp` with their out parameters (GLSL.std.450 `Modf`/`Frexp`, legalized to the
/// struct forms), scalar and vector, over zeros, denormals, integers, huge values and infinities.
#[test]
fn modf_and_frexp_through_pointers() {
    let xs: Vec<f32> = vec![
        0.0,
        -0.0,
        1.5,
        -2.75,
        1e-40,
        -1.4e-45,
        f32::MIN_POSITIVE,
        3.4e38,
        -1.0,
        8.0,
        0.3,
        -123456.79,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.999_999_94,
        16777215.0,
    ];
    let n = xs.len();
    let input = buffer_from_u32(&xs.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    let out = buffer_from_u32(&vec![0; n * 8]);
    run(
        r"#version 450
        layout(local_size_x = 16) in;
        layout(set = 0, binding = 0) buffer I { float x[]; };
        layout(set = 0, binding = 1) buffer O { uint o[]; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            float whole;
            float fr = modf(x[i], whole);
            int e;
            float m = frexp(x[i], e);
            vec2 wholes;
            vec2 frs = modf(vec2(x[i], -x[i]), wholes);
            ivec2 es;
            vec2 ms = frexp(vec2(-x[i], x[i]), es);
            o[i * 8u + 0u] = floatBitsToUint(fr);
            o[i * 8u + 1u] = floatBitsToUint(whole);
            o[i * 8u + 2u] = floatBitsToUint(m);
            o[i * 8u + 3u] = uint(e);
            o[i * 8u + 4u] = floatBitsToUint(frs.y);
            o[i * 8u + 5u] = floatBitsToUint(wholes.y);
            o[i * 8u + 6u] = floatBitsToUint(ms.x);
            o[i * 8u + 7u] = uint(es.x);
        }",
        &[&input, &out],
        &[],
        [1, 1, 1],
    );
    let got = read_u32(&out);
    for (i, &x) in xs.iter().enumerate() {
        let g = &got[i * 8..i * 8 + 8];
        for (k, x) in [(0, x), (4, -x)] {
            let whole = x.trunc();
            let fract = if x == whole {
                0.0f32.copysign(x)
            } else {
                x - whole
            };
            assert_eq!(
                g[k],
                fract.to_bits(),
                "modf({x}) fract: {}",
                f32::from_bits(g[k])
            );
            assert_eq!(g[k + 1], whole.to_bits(), "modf({x}) whole");
        }
        if x.is_finite() {
            for (k, x) in [(2, x), (6, -x)] {
                let (m, e) = frexp_ref(x);
                assert_eq!(
                    g[k],
                    m.to_bits(),
                    "frexp({x}) significand {}",
                    f32::from_bits(g[k])
                );
                assert_eq!(g[k + 1] as i32, e, "frexp({x}) exponent");
            }
        }
    }
}

/// `inverse` of 2×2, 3×3 and 4×4 matrices against the same adjugate formula in f64.
#[test]
fn matrix_inverse() {
    // Column-major: a 4×4 with columns c0..c3, the 3×3 and 2×2 its top-left corners.
    let a: [f32; 16] = [
        4.0, -2.0, 1.0, 0.5, //
        3.0, 6.0, -4.0, 2.0, //
        2.0, 1.0, 8.0, -1.0, //
        -1.0, 0.25, 2.0, 5.0,
    ];
    let input = buffer_from_u32(&a.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    let out = buffer_from_u32(&[0; 4 + 9 + 16]);
    run(
        r"#version 450
        layout(local_size_x = 1) in;
        layout(set = 0, binding = 0) buffer I { mat4 a; };
        layout(set = 0, binding = 1) buffer O { float o[]; };
        void main() {
            mat2 i2 = inverse(mat2(a));
            mat3 i3 = inverse(mat3(a));
            mat4 i4 = inverse(a);
            for (int c = 0; c < 2; c++) for (int r = 0; r < 2; r++) o[c * 2 + r] = i2[c][r];
            for (int c = 0; c < 3; c++) for (int r = 0; r < 3; r++) o[4 + c * 3 + r] = i3[c][r];
            for (int c = 0; c < 4; c++) for (int r = 0; r < 4; r++) o[13 + c * 4 + r] = i4[c][r];
        }",
        &[&input, &out],
        &[],
        [1, 1, 1],
    );
    let got = f32s(&read_u32(&out));
    let mut base = 0;
    for n in 2..=4usize {
        // m[c][r] = a[c * 4 + r]; check m · inverse = identity and against Gauss-Jordan in f64.
        let m = |r: usize, c: usize| f64::from(a[c * 4 + r]);
        let mut aug: Vec<Vec<f64>> = (0..n)
            .map(|r| {
                (0..2 * n)
                    .map(|c| {
                        if c < n {
                            m(r, c)
                        } else {
                            (c - n == r) as u8 as f64
                        }
                    })
                    .collect()
            })
            .collect();
        for col in 0..n {
            let piv = (col..n)
                .max_by(|&x, &y| aug[x][col].abs().total_cmp(&aug[y][col].abs()))
                .unwrap();
            aug.swap(col, piv);
            let p = aug[col][col];
            for v in aug[col].iter_mut() {
                *v /= p;
            }
            for r in 0..n {
                if r != col {
                    let f = aug[r][col];
                    let row = aug[col].clone();
                    for (v, w) in aug[r].iter_mut().zip(row) {
                        *v -= f * w;
                    }
                }
            }
        }
        for c in 0..n {
            for r in 0..n {
                let want = aug[r][n + c];
                let g = f64::from(got[base + c * n + r]);
                assert!(
                    (g - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "{n}x{n} [{c}][{r}]: {g} vs {want}"
                );
            }
        }
        base += n * n;
    }
}

/// `uaddCarry`, `usubBorrow`, `umulExtended` and `imulExtended` (legalized into 32-bit
/// arithmetic) over every pair of extreme values, scalar and vector, against 64-bit Rust.
#[test]
fn extended_arithmetic() {
    let vals: [u32; 14] = [
        0,
        1,
        2,
        0xffff,
        0x1_0000,
        0x1_0001,
        0x7fff_ffff,
        0x8000_0000,
        0x8000_0001,
        0xffff_fffe,
        0xffff_ffff,
        0x1234_5678,
        0xdead_beef,
        0x0001_ffff,
    ];
    let n = vals.len();
    let input = buffer_from_u32(&vals);
    let out = buffer_from_u32(&vec![0; n * n * 12]);
    run(
        r"#version 450
        layout(local_size_x = 14, local_size_y = 14) in;
        layout(set = 0, binding = 0) buffer I { uint v[]; };
        layout(set = 0, binding = 1) buffer O { uint o[]; };
        void main() {
            uint a = v[gl_LocalInvocationID.x], b = v[gl_LocalInvocationID.y];
            uint base = gl_LocalInvocationIndex * 12u;
            uint carry, borrow, hi, lo;
            o[base + 0u] = uaddCarry(a, b, carry);
            o[base + 1u] = carry;
            o[base + 2u] = usubBorrow(a, b, borrow);
            o[base + 3u] = borrow;
            umulExtended(a, b, hi, lo);
            o[base + 4u] = hi;
            o[base + 5u] = lo;
            int shi, slo;
            imulExtended(int(a), int(b), shi, slo);
            o[base + 6u] = uint(shi);
            o[base + 7u] = uint(slo);
            // Vectors: the second component swaps the operands.
            uvec2 vhi, vlo;
            umulExtended(uvec2(a, b), uvec2(b, a), vhi, vlo);
            o[base + 8u] = vhi.y;
            ivec2 svhi, svlo;
            imulExtended(ivec2(a, b), ivec2(b, a), svhi, svlo);
            o[base + 9u] = uint(svhi.y);
            uvec2 vcarry;
            uvec2 vsum = uaddCarry(uvec2(a, b), uvec2(b, b), vcarry);
            o[base + 10u] = vsum.x ^ vcarry.x;
            uvec2 vborrow;
            usubBorrow(uvec2(a, b), uvec2(b, a), vborrow);
            o[base + 11u] = vborrow.y;
        }",
        &[&input, &out],
        &[],
        [1, 1, 1],
    );
    let got = read_u32(&out);
    for (y, &b) in vals.iter().enumerate() {
        for (x, &a) in vals.iter().enumerate() {
            let g = &got[(y * n + x) * 12..(y * n + x + 1) * 12];
            let what = format!("a = {a:#x}, b = {b:#x}");
            let sum = u64::from(a) + u64::from(b);
            assert_eq!((g[0], g[1]), (sum as u32, (sum >> 32) as u32), "add {what}");
            assert_eq!(
                (g[2], g[3]),
                (a.wrapping_sub(b), u32::from(a < b)),
                "sub {what}"
            );
            let p = u64::from(a) * u64::from(b);
            assert_eq!((g[4], g[5]), ((p >> 32) as u32, p as u32), "umul {what}");
            let sp = i64::from(a as i32) * i64::from(b as i32);
            assert_eq!((g[6], g[7]), ((sp >> 32) as u32, sp as u32), "smul {what}");
            assert_eq!(g[8], (p >> 32) as u32, "umul vector {what}");
            assert_eq!(g[9], (sp >> 32) as u32, "smul vector {what}");
            assert_eq!(
                g[10],
                (sum as u32) ^ ((sum >> 32) as u32),
                "add vector {what}"
            );
            assert_eq!(g[11], u32::from(b < a), "sub vector {what}");
        }
    }
}

/// 64-bit `OpUMulExtended`, `OpSMulExtended` and `OpIAddCarry` (legalized into 64-bit
/// arithmetic on 32-bit halves) over pairs of extreme values, against 128-bit Rust.
#[test]
fn extended_arithmetic_64() {
    let vals: [u64; 10] = [
        0,
        1,
        0xffff_ffff,
        0x1_0000_0000,
        0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0000,
        0xffff_ffff_ffff_fffe,
        0xffff_ffff_ffff_ffff,
        0x1234_5678_9abc_def0,
        0xdead_beef_0bad_f00d,
    ];
    let n = vals.len();
    let words: Vec<u32> = vals
        .iter()
        .flat_map(|&v| [v as u32, (v >> 32) as u32])
        .collect();
    let input = buffer_from_u32(&words);
    let out = buffer_from_u32(&vec![0; n * n * 12]);
    let w = spirv_asm(
        r#"
               OpCapability Shader
               OpCapability Int64
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %lid
               OpExecutionMode %main LocalSize 10 10 1
               OpDecorate %lid BuiltIn LocalInvocationId
               OpDecorate %ra ArrayStride 8
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpDecorate %in DescriptorSet 0
               OpDecorate %in Binding 0
               OpDecorate %out DescriptorSet 0
               OpDecorate %out Binding 1
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %uint = OpTypeInt 32 0
      %uint3 = OpTypeVector %uint 3
        %u64 = OpTypeInt 64 0
        %i64 = OpTypeInt 64 1
         %ra = OpTypeRuntimeArray %u64
          %S = OpTypeStruct %ra
         %pS = OpTypePointer StorageBuffer %S
        %p64 = OpTypePointer StorageBuffer %u64
      %pin3 = OpTypePointer Input %uint3
        %US = OpTypeStruct %u64 %u64
        %IS = OpTypeStruct %i64 %i64
         %in = OpVariable %pS StorageBuffer
        %out = OpVariable %pS StorageBuffer
        %lid = OpVariable %pin3 Input
         %u0 = OpConstant %uint 0
        %u10 = OpConstant %uint 10
         %u6 = OpConstant %uint 6
         %u1 = OpConstant %uint 1
         %u2 = OpConstant %uint 2
         %u3 = OpConstant %uint 3
         %u4 = OpConstant %uint 4
         %u5 = OpConstant %uint 5
       %main = OpFunction %void None %fn
          %l = OpLabel
        %id3 = OpLoad %uint3 %lid
          %x = OpCompositeExtract %uint %id3 0
          %y = OpCompositeExtract %uint %id3 1
         %pa = OpAccessChain %p64 %in %u0 %x
         %pb = OpAccessChain %p64 %in %u0 %y
          %a = OpLoad %u64 %pa
          %b = OpLoad %u64 %pb
         %yn = OpIMul %uint %y %u10
        %idx = OpIAdd %uint %yn %x
       %base = OpIMul %uint %idx %u6
         %um = OpUMulExtended %US %a %b
        %sa = OpBitcast %i64 %a
        %sb = OpBitcast %i64 %b
         %sm = OpSMulExtended %IS %sa %sb
         %ac = OpIAddCarry %US %a %b
        %ulo = OpCompositeExtract %u64 %um 0
        %uhi = OpCompositeExtract %u64 %um 1
       %slo_ = OpCompositeExtract %i64 %sm 0
       %shi_ = OpCompositeExtract %i64 %sm 1
        %slo = OpBitcast %u64 %slo_
        %shi = OpBitcast %u64 %shi_
        %sum = OpCompositeExtract %u64 %ac 0
      %carry = OpCompositeExtract %u64 %ac 1
         %o0 = OpAccessChain %p64 %out %u0 %base
               OpStore %o0 %ulo
        %b1 = OpIAdd %uint %base %u1
         %o1 = OpAccessChain %p64 %out %u0 %b1
               OpStore %o1 %uhi
        %b2 = OpIAdd %uint %base %u2
         %o2 = OpAccessChain %p64 %out %u0 %b2
               OpStore %o2 %slo
        %b3 = OpIAdd %uint %base %u3
         %o3 = OpAccessChain %p64 %out %u0 %b3
               OpStore %o3 %shi
        %b4 = OpIAdd %uint %base %u4
         %o4 = OpAccessChain %p64 %out %u0 %b4
               OpStore %o4 %sum
        %b5 = OpIAdd %uint %base %u5
         %o5 = OpAccessChain %p64 %out %u0 %b5
               OpStore %o5 %carry
               OpReturn
               OpFunctionEnd
"#,
    );
    run_words(&w, &[&input, &out], &[], [1, 1, 1]);
    let got = read_u32(&out);
    let at = |k: usize| u64::from(got[2 * k]) | u64::from(got[2 * k + 1]) << 32;
    for (y, &b) in vals.iter().enumerate() {
        for (x, &a) in vals.iter().enumerate() {
            let k = (y * n + x) * 6;
            let what = format!("a = {a:#x}, b = {b:#x}");
            let p = u128::from(a) * u128::from(b);
            assert_eq!(
                (at(k), at(k + 1)),
                (p as u64, (p >> 64) as u64),
                "umul {what}"
            );
            let sp = i128::from(a as i64) * i128::from(b as i64);
            assert_eq!(
                (at(k + 2), at(k + 3)),
                (sp as u64, (sp >> 64) as u64),
                "smul {what}"
            );
            let sum = u128::from(a) + u128::from(b);
            assert_eq!(
                (at(k + 4), at(k + 5)),
                (sum as u64, (sum >> 64) as u64),
                "add {what}"
            );
        }
    }
}

/// `subgroupAllEqual` on integers, floats (where -0 equals +0 and NaN equals nothing),
/// vectors and booleans, in subgroups of 64, with all or part of the subgroup active.
#[test]
fn subgroup_all_equal() {
    let out = buffer_from_u32(&vec![0; 128 * 6]);
    run(
        r"#version 450
        #extension GL_KHR_shader_subgroup_vote : require
        layout(local_size_x = 128) in;
        layout(set = 0, binding = 0) buffer O { uint o[]; };
        void main() {
            uint i = gl_LocalInvocationIndex;
            uint base = i * 6u;
            // The first subgroup: equal values; the second: one lane differs.
            uint v = i < 64u ? 7u : (i == 100u ? 8u : 7u);
            o[base + 0u] = subgroupAllEqual(v) ? 1u : 0u;
            float z = (i & 1u) == 0u ? 0.0 : -0.0;
            o[base + 1u] = subgroupAllEqual(z) ? 1u : 0u;
            float nan = uintBitsToFloat(0x7fc00000u);
            o[base + 2u] = subgroupAllEqual(nan) ? 1u : 0u;
            o[base + 3u] = subgroupAllEqual(uvec2(3u, i / 64u)) ? 1u : 0u;
            o[base + 4u] = subgroupAllEqual(v == 7u) ? 1u : 0u;
            if (i % 64u >= 32u) {
                // Only the upper half of each subgroup, where lane 100's 8 still is.
                o[base + 5u] = subgroupAllEqual(v) ? 1u : 2u;
            }
        }",
        &[&out],
        &[],
        [1, 1, 1],
    );
    let got = read_u32(&out);
    for i in 0..128usize {
        let g = &got[i * 6..i * 6 + 6];
        let first = i < 64;
        assert_eq!(g[0], u32::from(first), "{i} uint");
        assert_eq!(g[1], 1, "{i} zeros");
        assert_eq!(g[2], 0, "{i} NaN");
        assert_eq!(g[3], 1, "{i} uvec2");
        assert_eq!(g[4], u32::from(first), "{i} bool");
        let want = if i % 64 < 32 {
            0
        } else if first {
            1
        } else {
            2
        };
        assert_eq!(g[5], want, "{i} partial");
    }
}

/// `OpCopyLogical` (legalized into member-wise extracts and constructs) between a struct with
/// an array of stride 16 and one of the same shape with stride 8, read from and written to
/// buffers so that the strides show.
#[test]
fn copy_logical_between_layouts() {
    let words = spirv_asm(
        r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %in %out
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %arr16 ArrayStride 16
               OpDecorate %arr8 ArrayStride 8
               OpMemberDecorate %S16 0 Offset 0
               OpMemberDecorate %S16 1 Offset 16
               OpMemberDecorate %S8 0 Offset 0
               OpMemberDecorate %S8 1 Offset 8
               OpMemberDecorate %B16 0 Offset 0
               OpDecorate %B16 Block
               OpMemberDecorate %B8 0 Offset 0
               OpDecorate %B8 Block
               OpDecorate %in DescriptorSet 0
               OpDecorate %in Binding 0
               OpDecorate %out DescriptorSet 0
               OpDecorate %out Binding 1
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
      %float = OpTypeFloat 32
         %v2 = OpTypeVector %float 2
       %uint = OpTypeInt 32 0
         %u0 = OpConstant %uint 0
         %u3 = OpConstant %uint 3
      %arr16 = OpTypeArray %v2 %u3
       %arr8 = OpTypeArray %v2 %u3
        %S16 = OpTypeStruct %float %arr16
         %S8 = OpTypeStruct %float %arr8
        %B16 = OpTypeStruct %S16
         %B8 = OpTypeStruct %S8
       %pB16 = OpTypePointer StorageBuffer %B16
        %pB8 = OpTypePointer StorageBuffer %B8
       %pS16 = OpTypePointer StorageBuffer %S16
        %pS8 = OpTypePointer StorageBuffer %S8
         %in = OpVariable %pB16 StorageBuffer
        %out = OpVariable %pB8 StorageBuffer
       %main = OpFunction %void None %fn
      %entry = OpLabel
          %p = OpAccessChain %pS16 %in %u0
          %v = OpLoad %S16 %p
          %c = OpCopyLogical %S8 %v
          %q = OpAccessChain %pS8 %out %u0
               OpStore %q %c
               OpReturn
               OpFunctionEnd
"#,
    );
    // In: a at 0, arr[k] at 16 + 16k. Out: a at 0, arr[k] at 8 + 8k.
    let mut input = vec![0u32; 16];
    input[0] = 1.5f32.to_bits();
    for k in 0..3 {
        input[4 + 4 * k] = (10.0 + k as f32).to_bits();
        input[5 + 4 * k] = (20.0 + k as f32).to_bits();
        input[6 + 4 * k] = 0xdead; // padding: not copied
    }
    let inb = buffer_from_u32(&input);
    let outb = buffer_from_u32(&[0xffff_ffff; 8]);
    run_words(&words, &[&inb, &outb], &[], [1, 1, 1]);
    let got = read_u32(&outb);
    let mut want = vec![1.5f32.to_bits(), 0xffff_ffff];
    for k in 0..3 {
        want.push((10.0 + k as f32).to_bits());
        want.push((20.0 + k as f32).to_bits());
    }
    assert_eq!(got, want);
}

/// `opt::mark_word_runs` marks exactly the accesses whose lanes read consecutive words, and
/// the marked and unmarked ones give the same results: a stride of one word through a chain of
/// `+`, `−`, `×` and `<<`, a stride of two words (not marked), an index made in a branch and
/// used after it (not marked), and a partial last batch (the marked access falls back).
#[test]
fn word_runs_marked_and_exact() {
    let source = r"#version 450
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) buffer S { uint src[]; };
        layout(set = 0, binding = 1) buffer D { uint dst[]; };
        layout(push_constant) uniform P { uint base; uint n; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            if (i >= n) return;
            uint j = ((i + base) << 1u) * 3u - 6u * base - i * 5u; // = i
            dst[j] = src[j] + 1u;                 // consecutive: marked
            dst[256u + 2u * i] = src[2u * i];     // every other word: not marked
            uint k = 0u;
            if ((i & 1u) == 0u) { k = i; }
            dst[512u + k] = src[k];               // k written twice: not marked
        }";
    let words = glsl(source);
    let program = ComputeProgram::new(&words, "main", &[]).unwrap();
    let text = program.disassemble();
    let marked = text.matches("BufferRun").count();
    assert_eq!(marked, 2, "{text}");
    let src: Vec<u32> = (0..1024).map(|i| i * 7 + 3).collect();
    for n in [128u32, 100] {
        let s = buffer_from_u32(&src);
        let d = buffer_from_u32(&[0; 1024]);
        let mut push = 5u32.to_le_bytes().to_vec();
        push.extend(n.to_le_bytes());
        run_words(&words, &[&s, &d], &push, [2, 1, 1]);
        let out = read_u32(&d);
        for i in 0..128usize {
            let live = (i as u32) < n;
            let k = if i % 2 == 0 { i } else { 0 };
            assert_eq!(out[i], if live { src[i] + 1 } else { 0 }, "{n} {i}");
            if live {
                assert_eq!(out[256 + 2 * i], src[2 * i], "{n} {i}");
                assert_eq!(out[512 + k], src[k], "{n} {i}");
            }
        }
    }
}

/// A loop reading its counter is unrolled whole (`opt::unroll_counted_loops`: the counter a
/// constant in each copy, added into the offsets of the addresses it indexes), and shared
/// memory in a 2-D workgroup is accessed by rows (`opt::mark_word_runs`); the results are the
/// loop's. The 8×4 workgroup fills half a batch, so the upper rows are inactive and go lane by
/// lane.
#[test]
fn counter_loop_unrolled_whole_over_shared_rows() {
    let source = r"#version 450
        layout(local_size_x = 8, local_size_y = 4) in;
        layout(set = 0, binding = 0) buffer S { uint src[]; };
        layout(set = 0, binding = 1) buffer D { uint dst[]; };
        shared uint t[4][8];
        void main() {
            uint x = gl_LocalInvocationID.x;
            uint y = gl_LocalInvocationID.y;
            uint i = gl_WorkGroupID.x * 32u + y * 8u + x;
            t[y][x] = src[i];
            barrier();
            uint acc = 0u;
            for (uint k = 0u; k < 8u; k++) {
                acc += t[y][k] * (k + 1u) + t[k & 3u][x];
                dst[i * 8u + k] = t[y][k] + k;
            }
            dst[1024u + i] = acc;
        }";
    let words = glsl(source);
    let text = ComputeProgram::new(&words, "main", &[])
        .unwrap()
        .disassemble();
    assert!(!text.contains("LoopBegin"), "{text}");
    assert!(text.contains("WorkgroupSplat(8)"), "{text}");
    assert!(text.contains("WorkgroupRows(8)"), "{text}");
    let src: Vec<u32> = (0..64).map(|i| i * 7 + 3).collect();
    let s = buffer_from_u32(&src);
    let d = buffer_from_u32(&[0; 1024 + 64]);
    run_words(&words, &[&s, &d], &[], [2, 1, 1]);
    let out = read_u32(&d);
    for g in 0..2usize {
        let tile = |y: usize, x: usize| src[g * 32 + y * 8 + x];
        for y in 0..4 {
            for x in 0..8 {
                let i = g * 32 + y * 8 + x;
                let mut acc = 0u32;
                for k in 0..8 {
                    acc = acc.wrapping_add(tile(y, k) * (k as u32 + 1) + tile(k & 3, x));
                    assert_eq!(out[i * 8 + k], tile(y, k) + k as u32, "{i} {k}");
                }
                assert_eq!(out[1024 + i], acc, "{i}");
            }
        }
    }
}
