//! 64-bit integers and doubles ([`Inst::Wide`](crate::ir::Inst::Wide)): the operands' register
//! pairs are joined into one `u64` per lane, the operation runs on `[u64; W]`, and the asked-for
//! word of the result is written. Doubles are Rust's `f64` (IEEE binary64): +, -, *, / and sqrt
//! are correctly rounded, denormals are kept, as the Vulkan spec's precision table asks of
//! them; the other operations are exact (floor, trunc, frexp, ldexp, conversions) or within a
//! few ULP (inversesqrt, mod).
//!
//! Each 64-bit result word is one instruction, so an operation whose result is 64 bits runs
//! twice (once per word). That doubles the cost of 64-bit arithmetic, which is rare in shaders,
//! and buys passes that need no notion of register pairs (see `ir::Inst::Wide`).

use crate::ir::{Reg, Wide, W};

#[inline(always)]
fn fd(x: u64) -> f64 {
    f64::from_bits(x)
}

#[inline(always)]
fn ud(x: f64) -> u64 {
    x.to_bits()
}

#[inline(always)]
fn f32_of(x: u64) -> f32 {
    f32::from_bits(x as u32)
}

#[inline(always)]
fn apply(x: &[u64; W], y: &[u64; W], out: &mut [u64; W], op: impl Fn(u64, u64) -> u64) {
    for i in 0..W {
        out[i] = op(x[i], y[i]);
    }
}

/// `x · 2^e`, correctly rounded (musl's scalbn: the scaling is split so that no intermediate
/// product overflows or rounds before the last one).
pub fn ldexp(mut x: f64, e: i32) -> f64 {
    let mut n = e;
    let p1023 = f64::from_bits(0x7fe0_0000_0000_0000); // 2^1023
    let pm969 = f64::from_bits(0x0360_0000_0000_0000); // 2^-1022 · 2^53
    if n > 1023 {
        x *= p1023;
        n -= 1023;
        if n > 1023 {
            x *= p1023;
            n = (n - 1023).min(1023);
        }
    } else if n < -1022 {
        // Scaling by 2^-1022 · 2^53 keeps the value normal, so that only the last step rounds.
        x *= pm969;
        n += 1022 - 53;
        if n < -1022 {
            x *= pm969;
            n = (n + 1022 - 53).max(-1022);
        }
    }
    x * f64::from_bits(((0x3ff + n as i64) as u64) << 52)
}

/// frexp on the bits of an f64: the significand's bits and the exponent. Zeros, infinities
/// and NaN come back as they are with exponent 0.
pub fn frexp(x: u64) -> (u64, i32) {
    let exp = ((x >> 52) & 0x7ff) as i32;
    if x << 1 == 0 || exp == 0x7ff {
        return (x, 0);
    }
    if exp == 0 {
        // A denormal: scale by 2^64 (exact) to make it normal.
        let (m, e) = frexp((fd(x) * 18_446_744_073_709_551_616.0).to_bits());
        return (m, e - 64);
    }
    ((x & 0x800f_ffff_ffff_ffff) | (1022 << 52), exp - 1022)
}

fn fsign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    }
}

fn run(op: Wide, x: &[u64; W], y: &[u64; W], out: &mut [u64; W]) {
    use Wide as O;
    let b = |v: bool| v as u64;
    match op {
        O::FAdd => apply(x, y, out, |a, c| ud(fd(a) + fd(c))),
        O::FSub => apply(x, y, out, |a, c| ud(fd(a) - fd(c))),
        O::FMul => apply(x, y, out, |a, c| ud(fd(a) * fd(c))),
        O::FDiv => apply(x, y, out, |a, c| ud(fd(a) / fd(c))),
        O::FRem => apply(
            x,
            y,
            out,
            |a, c| ud(fd(a) - fd(c) * (fd(a) / fd(c)).trunc()),
        ),
        O::FMod => apply(
            x,
            y,
            out,
            |a, c| ud(fd(a) - fd(c) * (fd(a) / fd(c)).floor()),
        ),
        O::FMin => apply(x, y, out, |a, c| ud(fd(a).min(fd(c)))),
        O::FMax => apply(x, y, out, |a, c| ud(fd(a).max(fd(c)))),
        O::FStep => apply(x, y, out, |edge, v| {
            ud(if fd(v) < fd(edge) { 0.0 } else { 1.0 })
        }),
        O::FLdexp => apply(x, y, out, |a, e| ud(ldexp(fd(a), e as u32 as i32))),
        O::FEq => apply(x, y, out, |a, c| b(fd(a) == fd(c))),
        O::FNe => apply(x, y, out, |a, c| b(fd(a) != fd(c))),
        O::FLt => apply(x, y, out, |a, c| b(fd(a) < fd(c))),
        O::FLe => apply(x, y, out, |a, c| b(fd(a) <= fd(c))),
        O::FGt => apply(x, y, out, |a, c| b(fd(a) > fd(c))),
        O::FGe => apply(x, y, out, |a, c| b(fd(a) >= fd(c))),
        O::FNeg => apply(x, y, out, |a, _| a ^ (1 << 63)),
        O::FAbs => apply(x, y, out, |a, _| a & !(1 << 63)),
        O::FSign => apply(x, y, out, |a, _| ud(fsign(fd(a)))),
        O::FFloor => apply(x, y, out, |a, _| ud(fd(a).floor())),
        O::FCeil => apply(x, y, out, |a, _| ud(fd(a).ceil())),
        O::FRoundEven => apply(x, y, out, |a, _| ud(fd(a).round_ties_even())),
        O::FTrunc => apply(x, y, out, |a, _| ud(fd(a).trunc())),
        O::FFract => apply(x, y, out, |a, _| ud(fd(a) - fd(a).floor())),
        O::FSqrt => apply(x, y, out, |a, _| ud(fd(a).sqrt())),
        O::FInvSqrt => apply(x, y, out, |a, _| ud(1.0 / fd(a).sqrt())),
        O::FFrexpMant => apply(x, y, out, |a, _| frexp(a).0),
        O::FFrexpExp => apply(x, y, out, |a, _| frexp(a).1 as u32 as u64),
        O::IAdd => apply(x, y, out, u64::wrapping_add),
        O::ISub => apply(x, y, out, u64::wrapping_sub),
        O::IMul => apply(x, y, out, u64::wrapping_mul),
        // Division by zero is undefined in SPIR-V; give 0 (and MIN / -1 wraps) rather than trap.
        O::UDiv => apply(x, y, out, |a, c| a.checked_div(c).unwrap_or(0)),
        O::SDiv => apply(x, y, out, |a, c| {
            if c == 0 {
                0
            } else {
                (a as i64).wrapping_div(c as i64) as u64
            }
        }),
        O::URem => apply(x, y, out, |a, c| a.checked_rem(c).unwrap_or(0)),
        O::SRem => apply(x, y, out, |a, c| {
            if c == 0 {
                0
            } else {
                (a as i64).wrapping_rem(c as i64) as u64
            }
        }),
        // Shifts by 64 or more are undefined; mask the amount as hardware does.
        O::Shl => apply(x, y, out, |a, s| a.wrapping_shl(s as u32)),
        O::ShrU => apply(x, y, out, |a, s| a.wrapping_shr(s as u32)),
        O::ShrS => apply(x, y, out, |a, s| (a as i64).wrapping_shr(s as u32) as u64),
        O::UMin => apply(x, y, out, |a, c| a.min(c)),
        O::UMax => apply(x, y, out, |a, c| a.max(c)),
        O::SMin => apply(x, y, out, |a, c| (a as i64).min(c as i64) as u64),
        O::SMax => apply(x, y, out, |a, c| (a as i64).max(c as i64) as u64),
        O::IEq => apply(x, y, out, |a, c| b(a == c)),
        O::INe => apply(x, y, out, |a, c| b(a != c)),
        O::ULt => apply(x, y, out, |a, c| b(a < c)),
        O::ULe => apply(x, y, out, |a, c| b(a <= c)),
        O::UGt => apply(x, y, out, |a, c| b(a > c)),
        O::UGe => apply(x, y, out, |a, c| b(a >= c)),
        O::SLt => apply(x, y, out, |a, c| b((a as i64) < (c as i64))),
        O::SLe => apply(x, y, out, |a, c| b((a as i64) <= (c as i64))),
        O::SGt => apply(x, y, out, |a, c| b((a as i64) > (c as i64))),
        O::SGe => apply(x, y, out, |a, c| b((a as i64) >= (c as i64))),
        O::INeg => apply(x, y, out, |a, _| a.wrapping_neg()),
        O::IAbs => apply(x, y, out, |a, _| (a as i64).wrapping_abs() as u64),
        O::ISign => apply(x, y, out, |a, _| (a as i64).signum() as u64),
        // Out-of-range conversions are undefined in SPIR-V; Rust's saturating casts give a
        // deterministic answer (NaN → 0). Integer → float casts round to nearest even.
        O::FToS => apply(x, y, out, |a, _| fd(a) as i64 as u64),
        O::FToU => apply(x, y, out, |a, _| fd(a) as u64),
        O::SToF => apply(x, y, out, |a, _| ud(a as i64 as f64)),
        O::UToF => apply(x, y, out, |a, _| ud(a as f64)),
        O::FToF32 => apply(x, y, out, |a, _| (fd(a) as f32).to_bits() as u64),
        O::F32ToF => apply(x, y, out, |a, _| ud(f32_of(a) as f64)),
        O::FToS32 => apply(x, y, out, |a, _| fd(a) as i32 as u32 as u64),
        O::FToU32 => apply(x, y, out, |a, _| fd(a) as u32 as u64),
        O::S32ToF => apply(x, y, out, |a, _| ud(a as u32 as i32 as f64)),
        O::U32ToF => apply(x, y, out, |a, _| ud(a as u32 as f64)),
        O::SToF32 => apply(x, y, out, |a, _| (a as i64 as f32).to_bits() as u64),
        O::UToF32 => apply(x, y, out, |a, _| (a as f32).to_bits() as u64),
        O::F32ToS => apply(x, y, out, |a, _| f32_of(a) as i64 as u64),
        O::F32ToU => apply(x, y, out, |a, _| f32_of(a) as u64),
    }
}

/// Runs one [`Inst::Wide`](crate::ir::Inst::Wide): word `hi` of `op(a, b)` into `dst`.
pub fn wide(regs: &mut [[u32; W]], op: Wide, hi: bool, dst: Reg, a: [Reg; 2], b: [Reg; 2]) {
    let word = |r: Reg| regs.get(r as usize).copied().unwrap_or([0; W]);
    let join = |lo: [u32; W], hi: [u32; W]| {
        let mut v = [0u64; W];
        for i in 0..W {
            v[i] = lo[i] as u64 | (hi[i] as u64) << 32;
        }
        v
    };
    let x = join(word(a[0]), word(a[1]));
    let y = join(word(b[0]), word(b[1]));
    let mut out = [0u64; W];
    run(op, &x, &y, &mut out);
    let shift = if hi { 32 } else { 0 };
    if let Some(d) = regs.get_mut(dst as usize) {
        for i in 0..W {
            d[i] = (out[i] >> shift) as u32;
        }
    }
}
