//! 64-bit integers and doubles end to end: GLSL compute shaders (compiled with glslangValidator)
//! apply every operation family to lanes of edge and random values, and each result is checked
//! against a scalar reference computed here with Rust's `i64`/`u64`/`f64` (IEEE binary64, so +,
//! -, *, / and sqrt are the correctly rounded results the spec asks for).

mod support;

use std::sync::atomic::AtomicBool;

use pumice_memory::DeviceMemory;
use pumice_shader::compute::{dispatch, BufferSlice, ComputeProgram, DispatchResources};

fn buffer(words: &[u64]) -> DeviceMemory {
    let m = DeviceMemory::new(words.len().max(1) as u64 * 8).unwrap();
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    m.write(0, &bytes).unwrap();
    m
}

fn read(m: &DeviceMemory) -> Vec<u64> {
    let mut bytes = vec![0u8; m.size() as usize];
    m.read(0, &mut bytes).unwrap();
    bytes
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn run(source: &str, buffers: &[&DeviceMemory], lanes: u32) {
    let words = support::glsl(source);
    let program = ComputeProgram::new(&words, "main", &[]).unwrap_or_else(|e| panic!("{e}"));
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
    let groups = [lanes.div_ceil(64), 1, 1];
    dispatch(&program, &res, [0; 3], groups, &AtomicBool::new(false)).unwrap();
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

const INT_SPECIALS: &[u64] = &[
    0,
    1,
    2,
    3,
    u64::MAX,
    u64::MAX - 1,
    i64::MIN as u64,
    i64::MAX as u64,
    1 << 32,
    (1 << 32) - 1,
    0x8000_0000,
    0xffff_ffff_0000_0000,
    0x1234_5678_9abc_def0,
    63,
    64,
    (-7i64) as u64,
    7,
];

fn f64_specials() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        -2.5,
        2.5,
        3.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
        f64::from_bits(0x000f_ffff_ffff_ffff), // largest denormal
        std::f64::consts::PI,
        4503599627370496.5, // not representable: 2^52 + 0.5 rounds
        4503599627370495.5,
        9007199254740993.0,
        -9223372036854775808.0,
        18446744073709551616.0,
        4294967296.5,
        -2147483648.5,
        1e300,
        -1e-300,
        3.4028235677973366e38, // just above f32::MAX
        1.401298464324817e-45, // f32's smallest denormal
        0.1,
    ]
}

/// Pairs of operands: every special with every special, then random bits and values.
fn int_pairs(n: usize) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &a in INT_SPECIALS {
        for &b in INT_SPECIALS {
            out.push((a, b));
        }
    }
    let mut rng = Rng(7);
    while out.len() < n {
        let a = rng.next() >> (rng.next() % 64);
        let b = match rng.next() % 3 {
            0 => rng.next(),
            1 => rng.next() % 70,
            _ => INT_SPECIALS[(rng.next() % INT_SPECIALS.len() as u64) as usize],
        };
        out.push((a, b));
    }
    out
}

fn float_pairs(n: usize) -> Vec<(f64, f64)> {
    let specials = f64_specials();
    let mut out = Vec::new();
    for &a in &specials {
        for &b in &specials {
            out.push((a, b));
        }
    }
    let mut rng = Rng(11);
    while out.len() < n {
        let r = |rng: &mut Rng| match rng.next() % 4 {
            0 => f64::from_bits(rng.next()),
            1 => (rng.next() as i64 as f64) / (1u64 << (rng.next() % 64)) as f64,
            2 => specials[(rng.next() % specials.len() as u64) as usize],
            _ => (rng.next() % 2000) as f64 / 16.0 - 60.0,
        };
        let (a, b) = (r(&mut rng), r(&mut rng));
        out.push((a, b));
    }
    out
}

const INT_OPS: usize = 28;

const INT_SHADER: &str = r"#version 450
#extension GL_ARB_gpu_shader_int64 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer A { uint64_t a[]; };
layout(set = 0, binding = 1) buffer B { uint64_t b[]; };
layout(set = 0, binding = 2) buffer O { uint64_t o[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= uint(a.length())) return;
    uint64_t x = a[i], y = b[i];
    int64_t sx = int64_t(x), sy = int64_t(y);
    uint k = i * 28u;
    o[k + 0] = x + y;
    o[k + 1] = x - y;
    o[k + 2] = x * y;
    o[k + 3] = y != 0ul ? x / y : 0ul;
    o[k + 4] = y != 0ul ? x % y : 0ul;
    o[k + 5] = (sy != 0l && !(sx == (-9223372036854775807l - 1l) && sy == -1l)) ? uint64_t(sx / sy) : 0ul;
    o[k + 6] = x << uint(y & 63ul);
    o[k + 7] = x >> uint(y & 63ul);
    o[k + 8] = uint64_t(sx >> int(y & 63ul));
    o[k + 9] = (x & y) ^ (x | ~y);
    o[k + 10] = uint64_t(-sx);
    uint cmp = 0u;
    cmp |= x < y ? 1u : 0u;
    cmp |= x <= y ? 2u : 0u;
    cmp |= x > y ? 4u : 0u;
    cmp |= x >= y ? 8u : 0u;
    cmp |= x == y ? 16u : 0u;
    cmp |= x != y ? 32u : 0u;
    cmp |= sx < sy ? 64u : 0u;
    cmp |= sx <= sy ? 128u : 0u;
    cmp |= sx > sy ? 256u : 0u;
    cmp |= sx >= sy ? 512u : 0u;
    o[k + 11] = uint64_t(cmp);
    o[k + 12] = min(x, y);
    o[k + 13] = max(x, y);
    o[k + 14] = uint64_t(min(sx, sy));
    o[k + 15] = uint64_t(max(sx, sy));
    o[k + 16] = uint64_t(abs(sx));
    o[k + 17] = uint64_t(sign(sx));
    o[k + 18] = uint64_t(clamp(sx, -1000l, int64_t(y & 0xfffful)));
    // Truncation, sign and zero extension.
    o[k + 19] = uint64_t(int(x));
    o[k + 20] = uint64_t(uint(x));
    o[k + 21] = uint64_t(int64_t(int(y)));
    // To and from floating point.
    o[k + 22] = doubleBitsToUint64(double(sx));
    o[k + 23] = doubleBitsToUint64(double(x));
    o[k + 24] = uint64_t(floatBitsToUint(float(sx)));
    o[k + 25] = uint64_t(floatBitsToUint(float(x)));
    // Bitcasts to and from 32-bit vectors, and a select.
    uvec2 v = unpackUint2x32(x);
    o[k + 26] = packUint2x32(uvec2(v.y, v.x));
    o[k + 27] = (x > y) ? x : y + 1ul;
}
";

fn int_ref(op: usize, x: u64, y: u64) -> u64 {
    let (sx, sy) = (x as i64, y as i64);
    let bits = |b: &[bool]| {
        b.iter()
            .enumerate()
            .fold(0u64, |acc, (i, &v)| acc | (v as u64) << i)
    };
    match op {
        0 => x.wrapping_add(y),
        1 => x.wrapping_sub(y),
        2 => x.wrapping_mul(y),
        3 => x.checked_div(y).unwrap_or(0),
        4 => x.checked_rem(y).unwrap_or(0),
        5 => sx.checked_div(sy).unwrap_or(0) as u64,
        6 => x << (y & 63),
        7 => x >> (y & 63),
        8 => (sx >> (y & 63)) as u64,
        9 => (x & y) ^ (x | !y),
        10 => sx.wrapping_neg() as u64,
        11 => bits(&[
            x < y,
            x <= y,
            x > y,
            x >= y,
            x == y,
            x != y,
            sx < sy,
            sx <= sy,
            sx > sy,
            sx >= sy,
        ]),
        12 => x.min(y),
        13 => x.max(y),
        14 => sx.min(sy) as u64,
        15 => sx.max(sy) as u64,
        16 => sx.wrapping_abs() as u64,
        17 => sx.signum() as u64,
        18 => sx.max(-1000).min((y & 0xffff) as i64) as u64,
        19 => x as i32 as i64 as u64,
        20 => x as u32 as u64,
        21 => y as i32 as i64 as u64,
        22 => (sx as f64).to_bits(),
        23 => (x as f64).to_bits(),
        24 => (sx as f32).to_bits() as u64,
        25 => (x as f32).to_bits() as u64,
        26 => x.rotate_left(32),
        27 => {
            if x > y {
                x
            } else {
                y.wrapping_add(1)
            }
        }
        _ => unreachable!(),
    }
}

#[test]
fn int64_operations_match_the_reference() {
    let pairs = int_pairs(1024);
    let a = buffer(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let b = buffer(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    let o = buffer(&vec![0; pairs.len() * INT_OPS]);
    run(INT_SHADER, &[&a, &b, &o], pairs.len() as u32);
    let out = read(&o);
    let mut failures = Vec::new();
    for (i, &(x, y)) in pairs.iter().enumerate() {
        for op in 0..INT_OPS {
            let (want, got) = (int_ref(op, x, y), out[i * INT_OPS + op]);
            if want != got {
                failures.push(format!(
                    "op {op} on {x:#x}, {y:#x}: want {want:#x}, got {got:#x}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}

const FLOAT_OPS: usize = 36;

const FLOAT_SHADER: &str = r"#version 450
#extension GL_ARB_gpu_shader_int64 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer A { double a[]; };
layout(set = 0, binding = 1) buffer B { double b[]; };
layout(set = 0, binding = 2) buffer O { uint64_t o[]; };
uint64_t bits(double v) { return doubleBitsToUint64(v); }
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= uint(a.length())) return;
    double x = a[i], y = b[i];
    uint k = i * 36u;
    o[k + 0] = bits(x + y);
    o[k + 1] = bits(x - y);
    o[k + 2] = bits(x * y);
    o[k + 3] = bits(x / y);
    o[k + 4] = bits(sqrt(x));
    o[k + 5] = bits(floor(x));
    o[k + 6] = bits(ceil(x));
    o[k + 7] = bits(trunc(x));
    o[k + 8] = bits(roundEven(x));
    o[k + 9] = bits(fract(x));
    o[k + 10] = bits(abs(x));
    o[k + 11] = bits(sign(x));
    o[k + 12] = bits(-x);
    uint cmp = 0u;
    cmp |= x < y ? 1u : 0u;
    cmp |= x <= y ? 2u : 0u;
    cmp |= x > y ? 4u : 0u;
    cmp |= x >= y ? 8u : 0u;
    cmp |= x == y ? 16u : 0u;
    cmp |= x != y ? 32u : 0u;
    cmp |= isnan(x) ? 64u : 0u;
    cmp |= isinf(x) ? 128u : 0u;
    o[k + 13] = uint64_t(cmp);
    o[k + 14] = bits(min(x, y));
    o[k + 15] = bits(max(x, y));
    o[k + 16] = bits(clamp(x, -1.0lf, 2.0lf));
    o[k + 17] = bits(step(x, y));
    o[k + 18] = uint64_t(floatBitsToUint(float(x)));
    o[k + 19] = bits(double(float(y)));
    o[k + 20] = uint64_t(int(clamp(x, -2e9lf, 2e9lf)));
    o[k + 21] = uint64_t(uint(clamp(x, 0.0lf, 4e9lf)));
    o[k + 22] = uint64_t(int64_t(clamp(x, -9e18lf, 9e18lf)));
    o[k + 23] = uint64_t(clamp(x, 0.0lf, 1.8e19lf));
    o[k + 24] = bits(ldexp(x, int(bits(y) % 4300ul) - 2150));
    int e;
    double m = frexp(x, e);
    o[k + 25] = bits(m);
    o[k + 26] = uint64_t(e);
    double whole;
    o[k + 27] = bits(modf(x, whole));
    o[k + 28] = bits(whole);
    o[k + 29] = bits(double(int(bits(y))));
    o[k + 30] = bits(double(uint(bits(y))));
    uvec2 w = unpackDouble2x32(x);
    o[k + 31] = bits(packDouble2x32(uvec2(w.x, w.y ^ 0x80000000u)));
    o[k + 32] = bits(x < y ? x : y);
    o[k + 33] = bits(mix(x, y, 0.25lf));
    o[k + 34] = bits(inversesqrt(x));
    o[k + 35] = bits(mod(x, y));
}
";

fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let mut e = 0;
    let mut m = x.abs();
    while m >= 1.0 {
        m /= 2.0;
        e += 1;
    }
    while m < 0.5 {
        m *= 2.0;
        e -= 1;
    }
    (m.copysign(x), e)
}

/// The reference, as bits; `None` where any result is allowed (undefined).
fn float_ref(op: usize, x: f64, y: f64) -> Option<u64> {
    let b = |v: f64| Some(v.to_bits());
    let cl = |v: f64, lo: f64, hi: f64| v.max(lo).min(hi);
    match op {
        0 => b(x + y),
        1 => b(x - y),
        2 => b(x * y),
        3 => b(x / y),
        4 => b(x.sqrt()),
        5 => b(x.floor()),
        6 => b(x.ceil()),
        7 => b(x.trunc()),
        8 => b(x.round_ties_even()),
        9 => b(x - x.floor()),
        10 => b(x.abs()),
        11 => b(if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            x
        }),
        12 => b(-x),
        13 => Some(
            [
                x < y,
                x <= y,
                x > y,
                x >= y,
                x == y,
                x != y,
                x.is_nan(),
                x.is_infinite(),
            ]
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, &v)| acc | (v as u64) << i),
        ),
        // min/max/clamp with a NaN operand may return either.
        14 if x.is_nan() || y.is_nan() => None,
        15 if x.is_nan() || y.is_nan() => None,
        16 if x.is_nan() => None,
        14 => b(if x == y { x } else { x.min(y) }).filter(|_| x != y || x.to_bits() == y.to_bits()),
        15 => b(if x == y { x } else { x.max(y) }).filter(|_| x != y || x.to_bits() == y.to_bits()),
        16 => b(cl(x, -1.0, 2.0)),
        17 => b(if y < x { 0.0 } else { 1.0 }),
        18 => Some((x as f32).to_bits() as u64),
        19 => b((y as f32) as f64),
        20 if x.is_nan() => None,
        21 if x.is_nan() => None,
        22 if x.is_nan() => None,
        23 if x.is_nan() => None,
        20 => Some(cl(x, -2e9, 2e9) as i32 as i64 as u64),
        21 => Some(cl(x, 0.0, 4e9) as u32 as u64),
        22 => Some(cl(x, -9e18, 9e18) as i64 as u64),
        23 => Some(cl(x, 0.0, 1.8e19) as u64),
        24 => {
            let e = (y.to_bits() % 4300) as i32 - 2150;
            // Exact scaling in steps of at most 2^±1000; only a denormal result can have
            // been rounded twice.
            let (mut v, mut rest, mut steps) = (x, e, 0);
            while rest != 0 {
                let k = rest.clamp(-1000, 1000);
                v *= 2f64.powi(k);
                rest -= k;
                steps += 1;
            }
            if steps > 1 && v.abs() < f64::MIN_POSITIVE && e < 0 {
                return None;
            }
            b(v)
        }
        25 if !x.is_finite() => None,
        26 if !x.is_finite() => None,
        25 => b(frexp(x).0),
        26 => Some(frexp(x).1 as i64 as u64),
        27 if x.is_nan() => None,
        28 if x.is_nan() => None,
        27 => b(if x.is_infinite() {
            0f64.copysign(x)
        } else {
            (x - x.trunc()).abs().copysign(x)
        }),
        28 => b(x.trunc()),
        29 => b(y.to_bits() as i32 as f64),
        30 => b(y.to_bits() as u32 as f64),
        31 => b(-x),
        32 => b(if x < y { x } else { y }),
        33 => b(x * 0.75 + y * 0.25),
        34 => {
            // 2 ULP.
            let want = 1.0 / x.sqrt();
            Some(want.to_bits()).filter(|_| !want.is_finite() || want == 0.0)
        }
        35 => None,
        _ => unreachable!(),
    }
}

#[test]
fn float64_operations_match_the_reference() {
    let pairs = float_pairs(2048);
    let a = buffer(&pairs.iter().map(|p| p.0.to_bits()).collect::<Vec<_>>());
    let b = buffer(&pairs.iter().map(|p| p.1.to_bits()).collect::<Vec<_>>());
    let o = buffer(&vec![0; pairs.len() * FLOAT_OPS]);
    run(FLOAT_SHADER, &[&a, &b, &o], pairs.len() as u32);
    let out = read(&o);
    let is_nan = |v: u64| f64::from_bits(v).is_nan();
    let mut failures = Vec::new();
    for (i, &(x, y)) in pairs.iter().enumerate() {
        for op in 0..FLOAT_OPS {
            let got = out[i * FLOAT_OPS + op];
            let ok = match op {
                34 => {
                    let want = 1.0 / x.sqrt();
                    let g = f64::from_bits(got);
                    if want.is_nan() {
                        g.is_nan()
                    } else if !want.is_finite() || want == 0.0 {
                        g == want
                    } else {
                        ((g - want) / want).abs() <= 4.0 * f64::EPSILON
                    }
                }
                35 => {
                    // mod: x - y·floor(x/y); the spec inherits the bound of its parts.
                    let want = x - y * (x / y).floor();
                    let g = f64::from_bits(got);
                    (want.is_nan() && g.is_nan())
                        || g == want
                        || !want.is_finite()
                        || ((g - want).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()))
                }
                _ => match float_ref(op, x, y) {
                    None => true,
                    Some(want) => {
                        want == got
                            || (is_nan(want) && is_nan(got))
                            // f32 results in the low word: NaN payloads too.
                            || (op == 18
                                && f32::from_bits(want as u32).is_nan()
                                && f32::from_bits(got as u32).is_nan())
                    }
                },
            };
            if !ok {
                failures.push(format!(
                    "op {op} on {x:e} ({:#x}), {y:e} ({:#x}): want {:?}, got {:#x} ({:e})",
                    x.to_bits(),
                    y.to_bits(),
                    float_ref(op, x, y).map(|w| format!("{w:#x} ({:e})", f64::from_bits(w))),
                    got,
                    f64::from_bits(got)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}

const COMPOSITE_SHADER: &str = r"#version 450
#extension GL_ARB_gpu_shader_int64 : require
layout(local_size_x = 64) in;
layout(std140, set = 0, binding = 0) uniform U { dmat3 m; dvec3 v; double s; int64_t k; };
layout(std430, set = 0, binding = 1) buffer O { double o[]; };
shared double tile[64];
void main() {
    uint i = gl_LocalInvocationID.x;
    double t = double(i) * 0.5 - 7.0;
    dvec3 a = v + dvec3(t, -t, 1.0);
    dvec3 b = m * a;
    uint q = i * 40u;
    o[q + 0] = b.x; o[q + 1] = b.y; o[q + 2] = b.z;
    dvec3 c = cross(a, v);
    o[q + 3] = c.x; o[q + 4] = c.y; o[q + 5] = c.z;
    o[q + 6] = dot(a, v);
    o[q + 7] = length(a);
    o[q + 8] = distance(a, v);
    dvec3 n = normalize(a);
    o[q + 9] = n.x; o[q + 10] = n.y; o[q + 11] = n.z;
    o[q + 12] = determinant(m);
    dmat3 inv = inverse(m);
    o[q + 13] = inv[0][0]; o[q + 14] = inv[1][2]; o[q + 15] = inv[2][1];
    dvec3 r = reflect(a, n);
    o[q + 16] = r.x; o[q + 17] = r.y; o[q + 18] = r.z;
    // Dynamic indexing into a value, a local array (scratch) and shared memory.
    o[q + 19] = a[i % 3u];
    double arr[5] = double[5](1.0, t, s, -t, 5.0);
    arr[(i + 1u) % 5u] += 0.25;
    o[q + 20] = arr[i % 5u];
    tile[i] = t * s;
    barrier();
    o[q + 21] = tile[63u - i];
    // Swizzles, splats, selects and matrix * scalar.
    dvec4 sw = a.zyxz * 2.0;
    o[q + 22] = sw.x; o[q + 23] = sw.w;
    dmat3 ms = m * s;
    o[q + 24] = ms[1][1];
    o[q + 25] = double(k * int64_t(i) - 3l);
    o[q + 26] = smoothstep(-5.0lf, 5.0lf, t);
    o[q + 27] = faceforward(a, v, dvec3(1.0)).x;
    double e = double(gl_SubgroupInvocationID_placeholder);
    o[q + 28] = e;
    dvec2 rf = refract(dvec2(0.6, -0.8), dvec2(0.0, 1.0), 0.5lf);
    o[q + 29] = rf.x; o[q + 30] = rf.y;
    dmat3 tm = transpose(m);
    o[q + 31] = tm[0][1];
    o[q + 32] = (a * m).y;
    o[q + 33] = (m * m)[2][0];
    o[q + 34] = fma(t, s, 0.5lf);
    o[q + 35] = clamp(t, -2.0lf, 3.0lf);
}
";

#[test]
fn float64_composites_memory_layouts_and_indexing() {
    // std140: dmat3 columns are 32 bytes apart (a dvec3 aligns as a dvec4); v follows at 96.
    let m = [[2.0, 0.5, -1.0], [0.25, 3.0, 0.0], [1.0, -2.0, 4.0f64]];
    let v = [1.5, -0.25, 2.0f64];
    let (s, k) = (1.0 / 3.0f64, 5_000_000_000i64);
    let mut ubo = vec![0u64; 16];
    for c in 0..3 {
        for r in 0..3 {
            ubo[c * 4 + r] = m[c][r].to_bits();
        }
    }
    for r in 0..3 {
        ubo[12 + r] = v[r].to_bits();
    }
    ubo[15] = s.to_bits();
    ubo.push(k as u64);
    ubo.push(0);
    let u = buffer(&ubo);
    let o = buffer(&vec![0; 64 * 40]);
    let src = COMPOSITE_SHADER.replace("double(gl_SubgroupInvocationID_placeholder)", "0.0");
    run(&src, &[&u, &o], 64);
    let out: Vec<f64> = read(&o).into_iter().map(f64::from_bits).collect();
    let mul = |m: &[[f64; 3]; 3], a: [f64; 3]| -> [f64; 3] {
        std::array::from_fn(|r| m[0][r] * a[0] + m[1][r] * a[1] + m[2][r] * a[2])
    };
    let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let det = m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2])
        - m[0][1] * (m[1][0] * m[2][2] - m[2][0] * m[1][2])
        + m[0][2] * (m[1][0] * m[2][1] - m[2][0] * m[1][1]);
    for i in 0..64usize {
        let t = i as f64 * 0.5 - 7.0;
        let a = [v[0] + t, v[1] - t, v[2] + 1.0];
        let b = mul(&m, a);
        let c = [
            a[1] * v[2] - a[2] * v[1],
            a[2] * v[0] - a[0] * v[2],
            a[0] * v[1] - a[1] * v[0],
        ];
        let len = dot(a, a).sqrt();
        let n = [a[0] / len, a[1] / len, a[2] / len];
        let dn = dot(n, a);
        let d = [a[0] - v[0], a[1] - v[1], a[2] - v[2]];
        let mut arr = [1.0, t, s, -t, 5.0];
        arr[(i + 1) % 5] += 0.25;
        let t_other = (63 - i) as f64 * 0.5 - 7.0;
        let x = ((t + 5.0) / 10.0).clamp(0.0, 1.0);
        let at = [dot(a, m[0]), dot(a, m[1]), dot(a, m[2])];
        let mm20 = m[0][0] * m[2][0] + m[1][0] * m[2][1] + m[2][0] * m[2][2];
        let ff = if dot(v, [1.0; 3]) < 0.0 { a[0] } else { -a[0] };
        // refract([0.6, -0.8], [0, 1], 0.5): d = -0.8, k = 1 - 0.25 (1 - 0.64).
        let (dd, eta) = (-0.8f64, 0.5f64);
        let kk = 1.0 - eta * eta * (1.0 - dd * dd);
        let coef = eta * dd + kk.sqrt();
        let want: Vec<(usize, f64)> = vec![
            (0, b[0]),
            (1, b[1]),
            (2, b[2]),
            (3, c[0]),
            (4, c[1]),
            (5, c[2]),
            (6, dot(a, v)),
            (7, len),
            (8, dot(d, d).sqrt()),
            (9, n[0]),
            (10, n[1]),
            (11, n[2]),
            (12, det),
            (13, (m[1][1] * m[2][2] - m[2][1] * m[1][2]) / det),
            (14, -(m[0][0] * m[1][2] - m[1][0] * m[0][2]) / det),
            (15, -(m[0][0] * m[2][1] - m[2][0] * m[0][1]) / det),
            (16, a[0] - 2.0 * dn * n[0]),
            (17, a[1] - 2.0 * dn * n[1]),
            (18, a[2] - 2.0 * dn * n[2]),
            (19, a[i % 3]),
            (20, arr[i % 5]),
            (21, t_other * s),
            (22, a[2] * 2.0),
            (23, a[2] * 2.0),
            (24, m[1][1] * s),
            (25, (k * i as i64 - 3) as f64),
            (26, x * x * (3.0 - 2.0 * x)),
            (27, ff),
            (28, 0.0),
            (29, eta * 0.6 - coef * 0.0),
            (30, eta * -0.8 - coef * 1.0),
            (31, m[1][0]),
            (32, at[1]),
            (33, mm20),
            (34, t * s + 0.5),
            (35, t.clamp(-2.0, 3.0)),
        ];
        for (k, w) in want {
            let got = out[i * 40 + k];
            let tol = 1e-12 * w.abs().max(1.0);
            assert!(
                (got - w).abs() <= tol,
                "lane {i} output {k}: want {w}, got {got}"
            );
        }
    }
}

#[test]
fn refused_not_wrong() {
    // 64-bit atomics are not implemented: the shader is refused, not run wrongly.
    let words = support::glsl(
        r"#version 450
        #extension GL_ARB_gpu_shader_int64 : require
        #extension GL_EXT_shader_atomic_int64 : require
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) buffer O { uint64_t o; };
        void main() { atomicAdd(o, 1ul); }",
    );
    assert!(ComputeProgram::new(&words, "main", &[]).is_err());
}
