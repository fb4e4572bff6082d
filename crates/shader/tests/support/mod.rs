//! Shared by the shader crate's tests: GLSL → SPIR-V with glslangValidator, SPIR-V assembly
//! with spirv-as, and the test shaders.
#![allow(dead_code)]

/// Compiles a GLSL compute shader with glslangValidator (Debian's glslang-tools), for
/// Vulkan 1.1.
pub fn glsl(source: &str) -> Vec<u32> {
    glsl_for("vulkan1.1", source)
}

/// [`glsl`] for the Vulkan version `env` (`"vulkan1.2"`...).
pub fn glsl_for(env: &str, source: &str) -> Vec<u32> {
    let dir = std::env::temp_dir().join(format!("pumice-shader-support-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut h = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(source, &mut h);
    // Unique per call: tests run on several threads and may compile the same source at once.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let stem = dir.join(format!("{:x}-{n}", std::hash::Hasher::finish(&h)));
    let src = stem.with_extension("comp");
    let out = stem.with_extension("spv");
    std::fs::write(&src, source).unwrap();
    let status = std::process::Command::new("glslangValidator")
        .args(["-V", "--target-env", env, "-o"])
        .arg(&out)
        .arg(&src)
        .output()
        .expect("glslangValidator (Debian's glslang-tools) is needed by these tests");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    pumice_shader::front::words(&std::fs::read(&out).unwrap()).unwrap()
}

/// SPIR-V assembly to words with `spirv-as` (Debian's spirv-tools), for the SPIR-V version
/// `env` (`"spv1.4"`...).
pub fn spirv_asm(env: &str, text: &str) -> Vec<u32> {
    use std::io::Write;
    let mut child = std::process::Command::new("spirv-as")
        .args(["--target-env", env, "-o", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spirv-as (Debian's spirv-tools) is needed by these tests");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pumice_shader::front::words(&out.stdout).unwrap()
}

pub const SAXPY: &str = r"#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer X { float x[]; };
layout(set = 0, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform P { float a; uint n; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < n) y[i] = a * x[i] + y[i];
}
";

pub const LOOP: &str = r"#version 450
layout(local_size_x = 32) in;
layout(set = 0, binding = 0) buffer O { uint o[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    uint acc = 0u;
    for (uint k = 0u; k < i + 8u; k++) {
        if (k % 3u == 0u) continue;
        if (acc > 100u) break;
        acc += k * o[k % 16u];
    }
    o[i] = acc;
}
";

pub const SWITCH: &str = r"#version 450
layout(local_size_x = 16) in;
layout(set = 0, binding = 0) buffer O { int o[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    int v = o[i];
    int r;
    switch (v & 7) {
        case 0: r = 10; break;
        case 1:
        case 2: r = v * 3; break;
        case 5: r = -v;
        case 6: r = v + 1; break;
        default: r = v >> 1; break;
    }
    o[i] = r;
}
";

pub const REDUCTION: &str = r"#version 450
layout(local_size_x = 128) in;
layout(set = 0, binding = 0) buffer I { uint data[]; };
layout(set = 0, binding = 1) buffer O { uint sums[]; };
shared uint s[128];
void main() {
    uint l = gl_LocalInvocationID.x;
    s[l] = data[gl_GlobalInvocationID.x];
    barrier();
    for (uint stride = 64u; stride > 0u; stride >>= 1u) {
        if (l < stride) s[l] += s[l + stride];
        barrier();
    }
    if (l == 0u) sums[gl_WorkGroupID.x] = s[0];
}
";

pub const ATOMICS: &str = r"#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer C { uint count; uint hist[16]; };
layout(set = 0, binding = 1) uniform U { vec4 scale; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    float f = sin(float(i) * scale.x) * 8.0 + 8.0;
    atomicAdd(hist[uint(clamp(f, 0.0, 15.0))], 1u);
    atomicMax(count, i);
}
";

/// Products feeding sums, the shapes `opt::fuse_products` fuses (`x * x - y * y`,
/// `2.0 * x * y + c`), in a loop updating two variables from each other's old values; lanes
/// past `n` return first, so the last batch runs the loop with some lanes inactive.
pub const PRODUCTS: &str = r"#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer O { vec2 o[]; };
layout(push_constant) uniform P { uint n; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= n) return;
    vec2 p = vec2(float(i) * 0.001, 0.5 - float(i) * 0.002);
    float a = 0.0;
    for (int k = 0; k < 16; k++) {
        p = vec2(p.x * p.x - p.y * p.y + 0.3, 2.0 * p.x * p.y + 0.1);
        a += p.x * 0.01;
    }
    o[i] = vec2(a, p.y);
}
";

/// The compute bench's tiled matrix multiply: 16×16 workgroups (four batches) loading tiles
/// into shared memory between barriers.
pub const MATMUL: &str = r"#version 450
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
}
";

/// The shaders above, by name.
pub const ALL: [(&str, &str); 5] = [
    ("saxpy", SAXPY),
    ("loop", LOOP),
    ("switch", SWITCH),
    ("reduction", REDUCTION),
    ("atomics", ATOMICS),
];
