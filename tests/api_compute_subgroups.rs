//! Subgroup arithmetic through the Vulkan API: every `GroupNonUniform` arithmetic operation
//! as a reduction, inclusive and exclusive scan and clustered reduction, on 32-bit integers
//! (signed and unsigned), floats, booleans and 64-bit integers and floats, over one subgroup
//! with inactive lanes — checked against a reference computed here.

mod common;

use ash::vk;
use common::{glsl_with, Ctx};

/// Lanes of the one subgroup (the workgroup is one subgroup of this size).
const LANES: usize = 64;

/// Whether lane `i` takes part (runs the operations).
fn active(i: usize) -> bool {
    i % 3 != 1 && !(40..44).contains(&i) && i != 0
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    U32,
    I32,
    F32,
    Bool,
    U64,
    I64,
    F64,
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Add,
    Mul,
    Min,
    Max,
    And,
    Or,
    Xor,
}

#[derive(Clone, Copy)]
enum Scan {
    Reduce,
    Inclusive,
    Exclusive,
    Clustered(usize),
}

impl Kind {
    /// The GLSL type and the buffer member the inputs come from.
    fn glsl(self) -> (&'static str, &'static str) {
        match self {
            Kind::U32 => ("uint", "u"),
            Kind::I32 => ("int", "s"),
            Kind::F32 => ("float", "f"),
            Kind::Bool => ("bool", ""),
            Kind::U64 => ("uint64_t", "w"),
            Kind::I64 => ("int64_t", "w"),
            Kind::F64 => ("double", "d"),
        }
    }

    fn wide(self) -> bool {
        matches!(self, Kind::U64 | Kind::I64 | Kind::F64)
    }

    /// The GLSL expression of the result as uint words (two for 64-bit kinds).
    fn store(self, v: &str) -> Vec<String> {
        match self {
            Kind::U32 => vec![v.to_string()],
            Kind::I32 => vec![format!("uint({v})")],
            Kind::F32 => vec![format!("floatBitsToUint({v})")],
            Kind::Bool => vec![format!("uint({v})")],
            Kind::U64 | Kind::I64 => vec![
                format!("uint(uint64_t({v}))"),
                format!("uint(uint64_t({v}) >> 32)"),
            ],
            Kind::F64 => vec![
                format!("unpackDouble2x32({v}).x"),
                format!("unpackDouble2x32({v}).y"),
            ],
        }
    }

    /// Input value of lane `i`, as bits.
    fn input(self, i: usize) -> u64 {
        let i = i as u64;
        match self {
            // Small values so that products wrap predictably and sums stay exact.
            Kind::U32 => (i * 2654435761 % 97 + 1) | ((i % 5) << 20),
            Kind::I32 => ((i as i32 * 37 % 61) - 30) as u32 as u64,
            // Powers of two and small integers: sums and products are exact.
            Kind::F32 => {
                let v: f32 = [1.0, -2.0, 0.5, 3.0, -0.25, 2.0, 1.0, -1.0][i as usize % 8];
                v.to_bits() as u64
            }
            Kind::Bool => u64::from(i % 4 != 2 || i == 7),
            Kind::U64 | Kind::I64 => {
                i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .rotate_left(i as u32 % 64)
                    ^ (i << 3)
            }
            Kind::F64 => {
                let v: f64 = [1.0, -2.0, 0.5, 3.0, -0.25, 2.0, 1.0, -1.0][i as usize % 8];
                v.to_bits()
            }
        }
    }

    fn identity(self, op: Op) -> u64 {
        match (self, op) {
            (Kind::F32, Op::Add) => 0f32.to_bits() as u64,
            (Kind::F32, Op::Mul) => 1f32.to_bits() as u64,
            (Kind::F32, Op::Min) => f32::INFINITY.to_bits() as u64,
            (Kind::F32, Op::Max) => f32::NEG_INFINITY.to_bits() as u64,
            (Kind::F64, Op::Add) => 0f64.to_bits(),
            (Kind::F64, Op::Mul) => 1f64.to_bits(),
            (Kind::F64, Op::Min) => f64::INFINITY.to_bits(),
            (Kind::F64, Op::Max) => f64::NEG_INFINITY.to_bits(),
            (_, Op::Add | Op::Or | Op::Xor) => 0,
            (_, Op::Mul) => 1,
            (Kind::Bool, Op::And) => 1,
            (Kind::U32, Op::And | Op::Min) => u32::MAX as u64,
            (Kind::I32, Op::And) => u32::MAX as u64,
            (Kind::I32, Op::Min) => i32::MAX as u32 as u64,
            (Kind::I32, Op::Max) => i32::MIN as u32 as u64,
            (Kind::U32, Op::Max) => 0,
            (Kind::U64 | Kind::I64, Op::And) => u64::MAX,
            (Kind::U64, Op::Min) => u64::MAX,
            (Kind::U64, Op::Max) => 0,
            (Kind::I64, Op::Min) => i64::MAX as u64,
            (Kind::I64, Op::Max) => i64::MIN as u64,
            _ => unreachable!("no such operation"),
        }
    }

    fn combine(self, op: Op, a: u64, b: u64) -> u64 {
        let f = |x: u64| f32::from_bits(x as u32);
        let d = f64::from_bits;
        match (self, op) {
            (Kind::F32, Op::Add) => (f(a) + f(b)).to_bits() as u64,
            (Kind::F32, Op::Mul) => (f(a) * f(b)).to_bits() as u64,
            (Kind::F32, Op::Min) => f(a).min(f(b)).to_bits() as u64,
            (Kind::F32, Op::Max) => f(a).max(f(b)).to_bits() as u64,
            (Kind::F64, Op::Add) => (d(a) + d(b)).to_bits(),
            (Kind::F64, Op::Mul) => (d(a) * d(b)).to_bits(),
            (Kind::F64, Op::Min) => d(a).min(d(b)).to_bits(),
            (Kind::F64, Op::Max) => d(a).max(d(b)).to_bits(),
            (_, Op::And) => a & b,
            (_, Op::Or) => a | b,
            (_, Op::Xor) => a ^ b,
            (Kind::U32 | Kind::I32, Op::Add) => (a as u32).wrapping_add(b as u32) as u64,
            (Kind::U32 | Kind::I32, Op::Mul) => (a as u32).wrapping_mul(b as u32) as u64,
            (Kind::U32, Op::Min) => a.min(b),
            (Kind::U32, Op::Max) => a.max(b),
            (Kind::I32, Op::Min) => (a as i32).min(b as i32) as u32 as u64,
            (Kind::I32, Op::Max) => (a as i32).max(b as i32) as u32 as u64,
            (Kind::U64 | Kind::I64, Op::Add) => a.wrapping_add(b),
            (Kind::U64 | Kind::I64, Op::Mul) => a.wrapping_mul(b),
            (Kind::U64, Op::Min) => a.min(b),
            (Kind::U64, Op::Max) => a.max(b),
            (Kind::I64, Op::Min) => (a as i64).min(b as i64) as u64,
            (Kind::I64, Op::Max) => (a as i64).max(b as i64) as u64,
            _ => unreachable!("no such operation"),
        }
    }
}

impl Op {
    fn glsl(self) -> &'static str {
        match self {
            Op::Add => "Add",
            Op::Mul => "Mul",
            Op::Min => "Min",
            Op::Max => "Max",
            Op::And => "And",
            Op::Or => "Or",
            Op::Xor => "Xor",
        }
    }
}

/// The reference: lane `i`'s result.
fn reference(kind: Kind, op: Op, scan: Scan, i: usize) -> u64 {
    let lanes: Vec<usize> = match scan {
        Scan::Reduce => (0..LANES).collect(),
        Scan::Inclusive => (0..=i).collect(),
        Scan::Exclusive => (0..i).collect(),
        Scan::Clustered(n) => (i / n * n..i / n * n + n).collect(),
    };
    lanes
        .into_iter()
        .filter(|&j| active(j))
        .fold(kind.identity(op), |acc, j| {
            kind.combine(op, acc, kind.input(j))
        })
}

/// The operations of the test, each with the expression that computes it on `v`.
fn cases() -> Vec<(Kind, Op, Scan)> {
    use Kind::*;
    use Op::*;
    let ops: &[(Kind, &[Op])] = &[
        (U32, &[Add, Mul, Min, Max, And, Or, Xor]),
        (I32, &[Add, Mul, Min, Max, And, Or, Xor]),
        (F32, &[Add, Mul, Min, Max]),
        (Bool, &[And, Or, Xor]),
        (U64, &[Add, Mul, Min, Max, And, Or, Xor]),
        (I64, &[Min, Max]),
        (F64, &[Add, Mul, Min, Max]),
    ];
    let scans = [
        Scan::Reduce,
        Scan::Inclusive,
        Scan::Exclusive,
        Scan::Clustered(1),
        Scan::Clustered(4),
        Scan::Clustered(16),
        Scan::Clustered(64),
    ];
    let mut out = Vec::new();
    for &(kind, list) in ops {
        for &op in list {
            for scan in scans {
                out.push((kind, op, scan));
            }
        }
    }
    out
}

fn shader(cases: &[(Kind, Op, Scan)]) -> String {
    let mut body = String::new();
    let mut word = 0;
    for &(kind, op, scan) in cases {
        let (ty, member) = kind.glsl();
        let v = match kind {
            Kind::Bool => "(i % 4u != 2u || i == 7u)".to_string(),
            _ => format!("{ty}({member}[i])"),
        };
        let call = match scan {
            Scan::Reduce => format!("subgroup{}({v})", op.glsl()),
            Scan::Inclusive => format!("subgroupInclusive{}({v})", op.glsl()),
            Scan::Exclusive => format!("subgroupExclusive{}({v})", op.glsl()),
            Scan::Clustered(n) => format!("subgroupClustered{}({v}, {n})", op.glsl()),
        };
        body += &format!("    {{ {ty} r = {call};\n");
        for w in kind.store("r") {
            body += &format!("      o[{word}u * 64u + i] = {w};\n");
            word += 1;
        }
        body += "    }\n";
    }
    format!(
        r"#version 450
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_clustered : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_subgroup_extended_types_int64 : require
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer I {{ uint u[64]; int s[64]; float f[64]; uint64_t w[64]; double d[64]; }};
layout(std430, binding = 1) buffer O {{ uint o[]; }};
void main() {{
  uint i = gl_SubgroupInvocationID;
  uint a = i % 3u != 1u && !(i >= 40u && i < 44u) && i != 0u ? 1u : 0u;
  if (a != 0u) {{
{body}  }}
}}"
    )
}

#[test]
fn subgroup_scans_and_clustered_reductions_match_the_reference() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let mut sub = vk::PhysicalDeviceSubgroupProperties::default();
    unsafe {
        let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut sub);
        ctx.instance
            .get_physical_device_properties2(ctx.physical, &mut p2);
    }
    assert_eq!(sub.subgroup_size as usize, LANES);
    for needed in [
        vk::SubgroupFeatureFlags::ARITHMETIC,
        vk::SubgroupFeatureFlags::CLUSTERED,
    ] {
        assert!(sub.supported_operations.contains(needed));
    }
    let cases = cases();
    let words: usize = cases.iter().map(|c| if c.0.wide() { 2 } else { 1 }).sum();
    // Inputs: u (uint), s (int), f (float), w (uint64), d (double), std430.
    let input = ctx.buffer((64 * 4 * 3 + 64 * 8 * 2) as u64);
    let bytes = input.bytes();
    for i in 0..LANES {
        let put =
            |bytes: &mut [u8], at: usize, v: &[u8]| bytes[at..at + v.len()].copy_from_slice(v);
        put(bytes, 4 * i, &(Kind::U32.input(i) as u32).to_le_bytes());
        put(
            bytes,
            256 + 4 * i,
            &(Kind::I32.input(i) as u32).to_le_bytes(),
        );
        put(
            bytes,
            512 + 4 * i,
            &(Kind::F32.input(i) as u32).to_le_bytes(),
        );
        put(bytes, 768 + 8 * i, &Kind::U64.input(i).to_le_bytes());
        put(bytes, 1280 + 8 * i, &Kind::F64.input(i).to_le_bytes());
    }
    let output = ctx.buffer((words * LANES * 4) as u64);
    let spirv = glsl_with("comp", &shader(&cases), &["--target-env", "vulkan1.1"]);
    let job = common::StorageCompute::new(&ctx, &spirv, &[input.buffer, output.buffer], 0);
    ctx.run(|cb| unsafe {
        d.cmd_fill_buffer(cb, output.buffer, 0, vk::WHOLE_SIZE, 0xDEAD_BEEF);
        job.bind(&ctx, cb, &[]);
        d.cmd_dispatch(cb, 1, 1, 1);
    });
    let out: Vec<u32> = output
        .bytes()
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let mut word = 0;
    let mut failures = Vec::new();
    for &(kind, op, scan) in &cases {
        let n = if kind.wide() { 2 } else { 1 };
        for i in 0..LANES {
            let got = (0..n).fold(0u64, |acc, k| {
                acc | (out[(word + k) * LANES + i] as u64) << (32 * k)
            });
            let want = if active(i) {
                let mut w = reference(kind, op, scan, i);
                if kind == Kind::Bool {
                    w = u64::from(w != 0);
                }
                if n == 1 {
                    w & 0xFFFF_FFFF
                } else {
                    w
                }
            } else if n == 1 {
                0xDEAD_BEEF
            } else {
                0xDEAD_BEEF_DEAD_BEEF
            };
            if got != want {
                failures.push(format!(
                    "{}/{}/{}: lane {i}: got {got:#x}, want {want:#x}",
                    kind.glsl().0,
                    op.glsl(),
                    match scan {
                        Scan::Reduce => "reduce".to_string(),
                        Scan::Inclusive => "inclusive".to_string(),
                        Scan::Exclusive => "exclusive".to_string(),
                        Scan::Clustered(n) => format!("clustered {n}"),
                    }
                ));
            }
        }
        word += n;
    }
    assert!(
        failures.is_empty(),
        "{} mismatches, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(20)]
    );
    job.destroy(&ctx);
}
