//! W^X: the driver runs with memory-deny-write-execute on (`PR_SET_MDWE` with
//! `PR_MDWE_REFUSE_EXEC_GAIN`), as it must: it has no JIT and never maps memory executable.
//! The test re-runs its own binary as a child that turns MDWE on, creates a device and runs a
//! SAXPY dispatch; MDWE cannot be turned off again, so it must not touch the parent.

mod common;

use ash::vk;
use common::{glsl, Ctx};

const CHILD: &str = "PUMICE_MDWE_CHILD";
const PR_SET_MDWE: libc::c_int = 65;
const PR_GET_MDWE: libc::c_int = 66;
const PR_MDWE_REFUSE_EXEC_GAIN: libc::c_ulong = 1;

const SAXPY: &str = r"#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer X { float x[]; };
layout(set = 0, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform P { float a; uint n; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < n) y[i] = a * x[i] + y[i];
}
";

/// SAXPY through the API on `n` elements; returns y.
fn saxpy(ctx: &Ctx, words: &[u32], a: f32, x: &[f32], y: &[f32]) -> Vec<f32> {
    let d = &ctx.device;
    let n = x.len();
    let (xb, yb) = (ctx.buffer(4 * n as u64), ctx.buffer(4 * n as u64));
    for (b, v) in [(&xb, x), (&yb, y)] {
        for (i, f) in v.iter().enumerate() {
            b.bytes()[4 * i..4 * i + 4].copy_from_slice(&f.to_le_bytes());
        }
    }
    unsafe {
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(words), None)
            .unwrap();
        let bindings = [0, 1].map(|b| {
            vk::DescriptorSetLayoutBinding::default()
                .binding(b)
                .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                .descriptor_count(1)
                .stage_flags(vk::ShaderStageFlags::COMPUTE)
        });
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
            size: 8,
        }];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default()
                    .set_layouts(&set_layouts)
                    .push_constant_ranges(&ranges),
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
            .expect("SAXPY compiles")[0];
        let sizes = [vk::DescriptorPoolSize {
            ty: vk::DescriptorType::STORAGE_BUFFER,
            descriptor_count: 2,
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
        let infos = [xb.buffer, yb.buffer].map(|buffer| vk::DescriptorBufferInfo {
            buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        });
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(0)
                .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                .buffer_info(&infos)],
            &[],
        );
        let mut push = a.to_le_bytes().to_vec();
        push.extend((n as u32).to_le_bytes());
        ctx.run(|cb| {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
            d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::COMPUTE, layout, 0, &[set], &[]);
            d.cmd_push_constants(cb, layout, vk::ShaderStageFlags::COMPUTE, 0, &push);
            d.cmd_dispatch(cb, n.div_ceil(64) as u32, 1, 1);
        });
        let out = yb.bytes()[..4 * n]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        d.destroy_descriptor_pool(pool, None);
        d.destroy_pipeline(pipeline, None);
        d.destroy_pipeline_layout(layout, None);
        d.destroy_descriptor_set_layout(set_layout, None);
        d.destroy_shader_module(module, None);
        for b in [xb, yb] {
            d.destroy_buffer(b.buffer, None);
            d.free_memory(b.memory, None);
        }
        out
    }
}

/// In the child: MDWE on, then a device and a dispatch.
fn child() {
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0u64, 0u64, 0u64) };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EINVAL) {
            println!("MDWE-SKIPPED: the kernel refuses PR_SET_MDWE ({e}); too old for W^X");
            return;
        }
        panic!("PR_SET_MDWE: {e}");
    }
    // SAFETY: as above.
    let flags = unsafe { libc::prctl(PR_GET_MDWE, 0u64, 0u64, 0u64, 0u64) };
    assert_eq!(
        flags as libc::c_ulong & PR_MDWE_REFUSE_EXEC_GAIN,
        1,
        "MDWE is on"
    );
    let words = glsl("comp", SAXPY);
    let ctx = Ctx::new();
    let n = 1000;
    let x: Vec<f32> = (0..n).map(|i| i as f32 * 0.25).collect();
    let y: Vec<f32> = (0..n).map(|i| 7.0 - i as f32).collect();
    let got = saxpy(&ctx, &words, 1.5, &x, &y);
    for i in 0..n {
        assert_eq!(got[i], 1.5 * x[i] + y[i], "element {i}");
    }
    println!("MDWE-OK: SAXPY ran with memory-deny-write-execute on");
}

#[test]
fn saxpy_runs_with_memory_deny_write_execute() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "saxpy_runs_with_memory_deny_write_execute",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the child failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("MDWE-OK") || stdout.contains("MDWE-SKIPPED"),
        "the child did not run the test:\n{stdout}\n{stderr}"
    );
}
