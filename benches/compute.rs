//! Compute benchmarks, Pumice and lavapipe side by side in one run:
//! `cargo bench --bench compute`.
//!
//! - SAXPY over 16M floats (GB/s moved: 12 bytes per element).
//! - 512×512 float matrix multiply with a 16×16 shared-memory tiled shader (GFLOP/s).
//! - An arithmetic-heavy shader (lane operations per second).
//! - Pipeline creation: Pumice's median create time against lavapipe's create plus first
//!   dispatch (its JIT compiles then).

mod common;

use std::time::{Duration, Instant};

use ash::vk;
use common::{glsl, report, Buffer, Gpu};

const SAXPY: &str = r"#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform P { float a; uint n; };
void main() {
    // A 2-D grid of 1-D groups: group counts stay under maxComputeWorkGroupCount (65535).
    uint i = gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u + gl_GlobalInvocationID.x;
    if (i < n) y[i] = a * x[i] + y[i];
}";

const MATMUL: &str = r"#version 450
layout(local_size_x = 16, local_size_y = 16) in;
layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer B { float b[]; };
layout(set = 0, binding = 2) buffer C { float c[]; };
layout(push_constant) uniform P { uint n; };
shared float ta[16][16];
shared float tb[16][16];
void main() {
    uint row = gl_GlobalInvocationID.y;
    uint col = gl_GlobalInvocationID.x;
    uint ly = gl_LocalInvocationID.y;
    uint lx = gl_LocalInvocationID.x;
    float acc = 0.0;
    for (uint t = 0u; t < n; t += 16u) {
        ta[ly][lx] = a[row * n + t + lx];
        tb[ly][lx] = b[(t + ly) * n + col];
        barrier();
        for (uint k = 0u; k < 16u; k++) acc += ta[ly][k] * tb[k][lx];
        barrier();
    }
    c[row * n + col] = acc;
}";

/// 256 multiply-adds per invocation on registers only.
const ALU: &str = r"#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer O { float o[]; };
void main() {
    float x = float(gl_GlobalInvocationID.x) * 0.001;
    float y = 1.0;
    for (int i = 0; i < 64; i++) {
        y = y * x + 0.5;
        x = x * 0.999 + y * 0.001;
        y = y * 0.5 + x;
        x = x + y * 0.25;
    }
    o[gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u + gl_GlobalInvocationID.x] = x + y;
}";

struct Pipeline {
    layout: vk::PipelineLayout,
    set_layout: vk::DescriptorSetLayout,
    pipeline: vk::Pipeline,
    pool: vk::DescriptorPool,
    set: vk::DescriptorSet,
}

fn pipeline(gpu: &Gpu, words: &[u32], buffers: &[&Buffer], push_size: u32) -> (Pipeline, Duration) {
    pipeline_specialized(gpu, words, buffers, push_size, None)
}

/// [`pipeline`] with specialization constant 0 set to `spec` (a constant the shader need not
/// have: the value still makes the pipeline a new one to every cache).
fn pipeline_specialized(
    gpu: &Gpu,
    words: &[u32],
    buffers: &[&Buffer],
    push_size: u32,
    spec: Option<u32>,
) -> (Pipeline, Duration) {
    let d = &gpu.device;
    unsafe {
        let bindings: Vec<_> = (0..buffers.len() as u32)
            .map(|i| {
                vk::DescriptorSetLayoutBinding::default()
                    .binding(i)
                    .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
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
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::COMPUTE,
            offset: 0,
            size: push_size.max(4),
        }];
        let set_layouts = [set_layout];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default()
                    .set_layouts(&set_layouts)
                    .push_constant_ranges(&ranges),
                None,
            )
            .unwrap();
        let start = Instant::now();
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(words), None)
            .unwrap();
        let entries = [vk::SpecializationMapEntry {
            constant_id: 0,
            offset: 0,
            size: 4,
        }];
        let data = spec.unwrap_or(0).to_le_bytes();
        let spec_info = vk::SpecializationInfo::default()
            .map_entries(&entries)
            .data(&data);
        let mut stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        if spec.is_some() {
            stage = stage.specialization_info(&spec_info);
        }
        let pipeline = d
            .create_compute_pipelines(
                vk::PipelineCache::null(),
                &[vk::ComputePipelineCreateInfo::default()
                    .stage(stage)
                    .layout(layout)],
                None,
            )
            .unwrap()[0];
        let created = start.elapsed();
        d.destroy_shader_module(module, None);
        let sizes = [vk::DescriptorPoolSize {
            ty: vk::DescriptorType::STORAGE_BUFFER,
            descriptor_count: 8,
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
        let infos: Vec<[vk::DescriptorBufferInfo; 1]> = buffers
            .iter()
            .map(|b| {
                [vk::DescriptorBufferInfo {
                    buffer: b.buffer,
                    offset: 0,
                    range: vk::WHOLE_SIZE,
                }]
            })
            .collect();
        let writes: Vec<_> = infos
            .iter()
            .enumerate()
            .map(|(i, info)| {
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(i as u32)
                    .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                    .buffer_info(info)
            })
            .collect();
        d.update_descriptor_sets(&writes, &[]);
        (
            Pipeline {
                layout,
                set_layout,
                pipeline,
                pool,
                set,
            },
            created,
        )
    }
}

fn dispatch(gpu: &Gpu, p: &Pipeline, push: &[u8], groups: [u32; 3]) -> vk::CommandBuffer {
    let d = &gpu.device;
    gpu.record(|cb| unsafe {
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, p.pipeline);
        d.cmd_bind_descriptor_sets(
            cb,
            vk::PipelineBindPoint::COMPUTE,
            p.layout,
            0,
            &[p.set],
            &[],
        );
        if !push.is_empty() {
            d.cmd_push_constants(cb, p.layout, vk::ShaderStageFlags::COMPUTE, 0, push);
        }
        d.cmd_dispatch(cb, groups[0], groups[1], groups[2]);
    })
}

fn destroy(gpu: &Gpu, p: Pipeline) {
    unsafe {
        gpu.device.destroy_pipeline(p.pipeline, None);
        gpu.device.destroy_pipeline_layout(p.layout, None);
        gpu.device.destroy_descriptor_set_layout(p.set_layout, None);
        gpu.device.destroy_descriptor_pool(p.pool, None);
    }
}

fn saxpy(gpu: &Gpu) -> f64 {
    let n = 16u32 << 20;
    let x = gpu.buffer(n as u64 * 4, vk::BufferUsageFlags::STORAGE_BUFFER);
    let y = gpu.buffer(n as u64 * 4, vk::BufferUsageFlags::STORAGE_BUFFER);
    let xs: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    gpu.write_f32(&x, &xs);
    gpu.write_f32(&y, &vec![1.0; n as usize]);
    let (p, _) = pipeline(gpu, &glsl("comp", SAXPY), &[&x, &y], 8);
    let mut push = 2.0f32.to_le_bytes().to_vec();
    push.extend(n.to_le_bytes());
    let cb = dispatch(gpu, &p, &push, [1024, n / 64 / 1024, 1]);
    gpu.submit_wait(cb);
    let check = gpu.read_f32(&y, 1000);
    assert!(
        (0..1000).all(|i| check[i] == 1.0 + 2.0 * xs[i]),
        "{}: SAXPY result is wrong",
        gpu.name
    );
    let t = gpu.time(cb, 5);
    destroy(gpu, p);
    12.0 * n as f64 / t.as_secs_f64() / 1e9
}

fn matmul(gpu: &Gpu) -> f64 {
    let n = 512u32;
    let bytes = (n * n * 4) as u64;
    let a = gpu.buffer(bytes, vk::BufferUsageFlags::STORAGE_BUFFER);
    let b = gpu.buffer(bytes, vk::BufferUsageFlags::STORAGE_BUFFER);
    let c = gpu.buffer(bytes, vk::BufferUsageFlags::STORAGE_BUFFER);
    let av: Vec<f32> = (0..n * n).map(|i| ((i * 7) % 13) as f32 * 0.25).collect();
    let bv: Vec<f32> = (0..n * n).map(|i| ((i * 5) % 11) as f32 * 0.5).collect();
    gpu.write_f32(&a, &av);
    gpu.write_f32(&b, &bv);
    let (p, _) = pipeline(gpu, &glsl("comp", MATMUL), &[&a, &b, &c], 4);
    let cb = dispatch(gpu, &p, &n.to_le_bytes(), [n / 16, n / 16, 1]);
    gpu.submit_wait(cb);
    let out = gpu.read_f32(&c, (n * n) as usize);
    for &(r, col) in &[(0usize, 0usize), (17, 300), (511, 511), (256, 3)] {
        let want: f32 = (0..n as usize)
            .map(|k| av[r * n as usize + k] * bv[k * n as usize + col])
            .sum();
        assert!(
            (out[r * n as usize + col] - want).abs() <= want.abs() * 1e-4,
            "{}: matmul is wrong",
            gpu.name
        );
    }
    let t = gpu.time(cb, 3);
    destroy(gpu, p);
    2.0 * (n as f64).powi(3) / t.as_secs_f64() / 1e9
}

/// Lane operations per second: 64 iterations × 9 float operations (+ loop overhead not counted).
fn alu(gpu: &Gpu) -> f64 {
    let n = 1u32 << 20;
    let o = gpu.buffer(n as u64 * 4, vk::BufferUsageFlags::STORAGE_BUFFER);
    let (p, _) = pipeline(gpu, &glsl("comp", ALU), &[&o], 0);
    let cb = dispatch(gpu, &p, &[], [1024, n / 64 / 1024, 1]);
    let t = gpu.time(cb, 3);
    destroy(gpu, p);
    n as f64 * 64.0 * 9.0 / t.as_secs_f64() / 1e9
}

/// Median time (ms) of 31 creations of the matmul pipeline (shader module included), plus the
/// first dispatch when `include_first_dispatch` (lavapipe compiles there). `fresh`: every
/// pipeline has a specialization value never used before, so no cache of either driver can
/// answer it.
///
/// Each driver's creations run back to back, as a program making pipelines runs them. Taking
/// turns (one creation each) was tried: lavapipe's LLVM compile between two of Pumice's
/// evicted Pumice's working set, and its times doubled (0.045 → 0.09–0.11 ms cached, 0.10 →
/// 0.21–0.26 fresh). A slow spell of the host can still land on one row only: the fresh row's
/// ratio moved between 7.6× and 16.5× across runs on a quiet machine, with each driver's own
/// times rising by up to 1.6× for a few hundred milliseconds; compare several runs.
fn pipeline_creation(gpu: &Gpu, include_first_dispatch: bool, fresh: bool) -> f64 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let words = glsl("comp", MATMUL);
    let bufs: Vec<Buffer> = (0..3)
        .map(|_| gpu.buffer(64 * 64 * 4, vk::BufferUsageFlags::STORAGE_BUFFER))
        .collect();
    let refs: Vec<&Buffer> = bufs.iter().collect();
    let mut times = Vec::new();
    // The first 8 of 39 are not counted: on both drivers the first creations of a process run
    // up to 3× slower (allocator and cache warm-up; measured 310, 160, 140, … µs settling near
    // 100 on Pumice), and a median of the rest is what a program making pipelines sees.
    for i in 0..39 {
        let start = Instant::now();
        let spec = fresh.then(|| NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let (p, _) = pipeline_specialized(gpu, &words, &refs, 4, spec);
        let mut t = start.elapsed();
        if include_first_dispatch {
            let cb = dispatch(gpu, &p, &64u32.to_le_bytes(), [1, 1, 1]);
            t += gpu.submit_wait(cb);
        }
        if i >= 8 {
            times.push(t);
        }
        destroy(gpu, p);
    }
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let entry = common::loader();
    let (_instance, pumice, lavapipe) = common::devices(&entry);
    println!(
        "Pumice: {}; lavapipe: {}",
        pumice.name,
        lavapipe
            .as_ref()
            .map_or("not installed", |l| l.name.as_str())
    );
    // `PUMICE_BENCH=saxpy,pipeline` runs only the named rows (for profiling one workload);
    // names: saxpy, matmul, alu, pipeline.
    let only = std::env::var("PUMICE_BENCH").ok();
    let run = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|n| n == name))
    };
    if run("saxpy") {
        report(
            "SAXPY 16M floats",
            "GB/s",
            saxpy(&pumice),
            lavapipe.as_ref().map(saxpy),
            true,
        );
    }
    if run("matmul") {
        report(
            "matmul 512x512, shared-memory tiles",
            "GFLOP/s",
            matmul(&pumice),
            lavapipe.as_ref().map(matmul),
            true,
        );
    }
    if run("alu") {
        report(
            "arithmetic-heavy shader",
            "Gop/s",
            alu(&pumice),
            lavapipe.as_ref().map(alu),
            true,
        );
    }
    if run("pipeline") {
        // Pumice's two rows before lavapipe's: measured after lavapipe's 39 LLVM compiles of
        // the first row, Pumice's fresh creations took 0.14–0.18 ms in most runs instead of
        // the 0.10–0.11 they take in a process without them (the allocator's state after
        // LLVM, we believe); neither driver's figure should depend on the other's residue.
        let pumice_rows = [false, true].map(|fresh| pipeline_creation(&pumice, false, fresh));
        let lavapipe_rows =
            [false, true].map(|fresh| lavapipe.as_ref().map(|l| pipeline_creation(l, true, fresh)));
        report(
            "compute pipeline creation (lvp: + 1st dispatch)",
            "ms",
            pumice_rows[0],
            lavapipe_rows[0],
            false,
        );
        report(
            "  the same, a new specialization each time",
            "ms",
            pumice_rows[1],
            lavapipe_rows[1],
            false,
        );
    }
}
