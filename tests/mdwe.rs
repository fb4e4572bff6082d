//! W^X: the driver runs with memory-deny-write-execute on (`PR_SET_MDWE` with
//! `PR_MDWE_REFUSE_EXEC_GAIN`), as it must: it has no JIT and never maps memory executable.
//! The test re-runs its own binary as a child that turns MDWE on, creates a device and runs a
//! SAXPY dispatch; MDWE cannot be turned off again, so it must not touch the parent.

mod common;

use common::{glsl, Ctx, StorageCompute};

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
    let job = StorageCompute::new(ctx, words, &[xb.buffer, yb.buffer], 8);
    let mut push = a.to_le_bytes().to_vec();
    push.extend((n as u32).to_le_bytes());
    ctx.run(|cb| {
        job.bind(ctx, cb, &push);
        unsafe { d.cmd_dispatch(cb, n.div_ceil(64) as u32, 1, 1) };
    });
    let out = yb.bytes()[..4 * n]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    job.destroy(ctx);
    for b in [xb, yb] {
        unsafe {
            d.destroy_buffer(b.buffer, None);
            d.free_memory(b.memory, None);
        }
    }
    out
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
