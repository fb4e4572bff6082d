//! Arithmetic, comparisons, conversions and bit operations: one loop over the lanes per
//! instruction. Floats are IEEE binary32 (Rust's `f32`), which meets or exceeds every precision
//! bound of the Vulkan spec for the operations it has natively; integers wrap.

use crate::ir::{Bin, Quad, Reg, Tern, Un, W};

#[inline(always)]
fn f(x: u32) -> f32 {
    f32::from_bits(x)
}

#[inline(always)]
fn u(x: f32) -> u32 {
    x.to_bits()
}

// The register operands are read and the result written in chunks of [`CHUNK`] lanes (one AVX2
// vector): each chunk of every source is loaded before that chunk of the destination is
// stored, so one loop is right whichever registers alias (`v = v * x + v`) and needs no
// aliasing checks. Borrowing the W lanes of each operand in place (`get_disjoint_mut`, with a
// copy or a separate loop for each overlap) cost ~40 instructions of checks and branches per
// dispatch; the chunked loop's only check is the operands' bounds, once.
//
// The operands' bounds: the register file's length is a power of two (`Batch::new` pads it),
// and every register the code names is below it (`Program::check_registers`, when the program
// is compiled), so a register index masked with `len - 1` is itself. The mask is one `and`
// per operand and lets the compiler drop every bounds check of the lane loop; the maximum of
// the operands compared with the length (`a.max(b).max(d) >= len`) was two instructions per
// operand and a branch. A register out of range (a program not compiled here) reads or
// writes another register instead, which is wrong but memory-safe.
//
// `uni` says every source is uniform (the same in all W lanes, see `Batch::uniform`): then the
// operation runs once, on lane 0, writing lane 0 only, and the `*_uniform` wrappers broadcast. Every operation here is a pure
// function of its lane's operands, so that gives the same W values as running every lane.

/// Lanes per step of the lane loops: one 256-bit vector of u32.
const CHUNK: usize = 8;

/// The uniform path's result: lane 0 only. The `*_uniform` wrappers broadcast it inline,
/// in the caller's vector width (`pumice_memory::simd`), after the out-of-line scalar
/// operation: the broadcast inside the out-of-line function was 16 SSE2 stores and half of
/// its ~50 instructions (a uniform loop counter's `i++` runs every iteration).
#[inline(always)]
fn set_lane0(regs: &mut [[u32; W]], dst: Reg, v: u32) {
    if let Some(d) = regs.get_mut(dst as usize) {
        d[0] = v;
    }
}

/// Writes `v` to every lane of `dst`.
#[inline(always)]
fn broadcast(regs: &mut [[u32; W]], dst: Reg, v: u32) {
    if let Some(d) = regs.get_mut(dst as usize) {
        *d = [v; W];
    }
}

/// Copies lane 0 of `dst` to every lane.
#[inline(always)]
fn broadcast_lane0(regs: &mut [[u32; W]], dst: Reg) {
    if let Some(d) = regs.get_mut(dst as usize) {
        *d = [d[0]; W];
    }
}

#[inline(always)]
fn lane0(regs: &[[u32; W]], r: Reg) -> u32 {
    regs.get(r as usize).map_or(0, |x| x[0])
}

/// `len - 1` for the register file `regs` (see the bounds note above), or `None` when it is
/// empty.
#[inline(always)]
fn reg_mask(regs: &[[u32; W]]) -> Option<usize> {
    regs.len().checked_sub(1)
}

/// Lanes `at .. at + CHUNK` of `reg`.
#[inline(always)]
fn chunk(reg: &[u32; W], at: usize) -> [u32; CHUNK] {
    // Not `array::from_fn`: with many callers the compiler stopped inlining it, and the
    // out-of-line copy doubled the cost of every lane loop.
    let mut x = [0u32; CHUNK];
    x.copy_from_slice(&reg[at..at + CHUNK]);
    x
}

#[inline(always)]
fn map1(regs: &mut [[u32; W]], uni: bool, dst: Reg, a: Reg, op: impl Fn(u32) -> u32) {
    if uni {
        let v = op(lane0(regs, a));
        set_lane0(regs, dst, v);
        return;
    }
    let Some(m) = reg_mask(regs) else { return };
    let (a, d) = (a as usize & m, dst as usize & m);
    for at in (0..W).step_by(CHUNK) {
        let x = chunk(&regs[a], at);
        let mut r = [0u32; CHUNK];
        for i in 0..CHUNK {
            r[i] = op(x[i]);
        }
        regs[d][at..at + CHUNK].copy_from_slice(&r);
    }
}

#[inline(always)]
fn map2(regs: &mut [[u32; W]], uni: bool, dst: Reg, a: Reg, b: Reg, op: impl Fn(u32, u32) -> u32) {
    if uni {
        let v = op(lane0(regs, a), lane0(regs, b));
        set_lane0(regs, dst, v);
        return;
    }
    let Some(m) = reg_mask(regs) else { return };
    let (a, b, d) = (a as usize & m, b as usize & m, dst as usize & m);
    for at in (0..W).step_by(CHUNK) {
        let x = chunk(&regs[a], at);
        let y = chunk(&regs[b], at);
        let mut r = [0u32; CHUNK];
        for i in 0..CHUNK {
            r[i] = op(x[i], y[i]);
        }
        regs[d][at..at + CHUNK].copy_from_slice(&r);
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn map3(
    regs: &mut [[u32; W]],
    uni: bool,
    dst: Reg,
    a: Reg,
    b: Reg,
    c: Reg,
    op: impl Fn(u32, u32, u32) -> u32,
) {
    if uni {
        let v = op(lane0(regs, a), lane0(regs, b), lane0(regs, c));
        set_lane0(regs, dst, v);
        return;
    }
    let Some(m) = reg_mask(regs) else { return };
    let (a, b, c, d) = (
        a as usize & m,
        b as usize & m,
        c as usize & m,
        dst as usize & m,
    );
    for at in (0..W).step_by(CHUNK) {
        let x = chunk(&regs[a], at);
        let y = chunk(&regs[b], at);
        let z = chunk(&regs[c], at);
        let mut r = [0u32; CHUNK];
        for i in 0..CHUNK {
            r[i] = op(x[i], y[i], z[i]);
        }
        regs[d][at..at + CHUNK].copy_from_slice(&r);
    }
}

/// [`map3`] with four operands, never uniform (only the statically varying `Quad` forms use
/// it).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn map4(
    regs: &mut [[u32; W]],
    dst: Reg,
    a: Reg,
    b: Reg,
    c: Reg,
    d: Reg,
    op: impl Fn(u32, u32, u32, u32) -> u32,
) {
    let Some(m) = reg_mask(regs) else { return };
    let (a, b, c, d, o) = (
        a as usize & m,
        b as usize & m,
        c as usize & m,
        d as usize & m,
        dst as usize & m,
    );
    for at in (0..W).step_by(CHUNK) {
        let x = chunk(&regs[a], at);
        let y = chunk(&regs[b], at);
        let z = chunk(&regs[c], at);
        let w = chunk(&regs[d], at);
        let mut r = [0u32; CHUNK];
        for i in 0..CHUNK {
            r[i] = op(x[i], y[i], z[i], w[i]);
        }
        regs[o][at..at + CHUNK].copy_from_slice(&r);
    }
}

/// [`Quad`] operations over every lane: each product and sum rounded, as in the `FMul` and
/// the `FMulAdd`/`FMulSub` they replace.
#[inline(always)]
pub fn quad(regs: &mut [[u32; W]], op: Quad, dst: Reg, a: Reg, b: Reg, c: Reg, d: Reg) {
    match op {
        Quad::MulAddMul => map4(regs, dst, a, b, c, d, mul_add_mul),
        Quad::MulSubMul => map4(regs, dst, a, b, c, d, mul_sub_mul),
        Quad::MulMulAdd => map4(regs, dst, a, b, c, d, mul_mul_add),
        Quad::MulMulSub => map4(regs, dst, a, b, c, d, mul_mul_sub),
    }
}

// The lanes of the hot float forms (`Inst::FAddV` ...): the operation is known at the call, so
// the dispatch loop's arm goes straight to the lane loop. Each lane's operation is the one the
// general form runs ([`bin`], [`tern`], [`quad`] call the same functions).

/// `op` over every lane of `a`, `b` (statically varying: no uniform path).
#[inline(always)]
pub fn lanes2(regs: &mut [[u32; W]], dst: Reg, a: Reg, b: Reg, op: impl Fn(u32, u32) -> u32) {
    map2(regs, false, dst, a, b, op)
}

/// `op` over every lane of `a`, `b`, `c`.
#[inline(always)]
pub fn lanes3(
    regs: &mut [[u32; W]],
    dst: Reg,
    a: Reg,
    b: Reg,
    c: Reg,
    op: impl Fn(u32, u32, u32) -> u32,
) {
    map3(regs, false, dst, a, b, c, op)
}

/// `op` over every lane of `a`, `b`, `c`, `d`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn lanes4(
    regs: &mut [[u32; W]],
    dst: Reg,
    a: Reg,
    b: Reg,
    c: Reg,
    d: Reg,
    op: impl Fn(u32, u32, u32, u32) -> u32,
) {
    map4(regs, dst, a, b, c, d, op)
}

/// [`crate::ir::Inst::QuadPairV`] with every lane active: `first = op(a[0..4]) + a[4]`,
/// `second = second_op(b)`. Each chunk of every source is loaded before that chunk of either
/// result is stored, so both see the old values whichever registers alias.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn quad_pair_full(
    regs: &mut [[u32; W]],
    first: u16,
    second: u16,
    a: [u16; 5],
    b: [u16; 4],
    op: impl Fn(u32, u32, u32, u32) -> u32,
    second_op: impl Fn(u32, u32, u32, u32) -> u32,
) {
    let Some(m) = reg_mask(regs) else { return };
    let r = |x: u16| x as usize & m;
    let (a0, a1, a2, a3, a4) = (r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]));
    let (b0, b1, b2, b3) = (r(b[0]), r(b[1]), r(b[2]), r(b[3]));
    let (d1, d2) = (r(first), r(second));
    for at in (0..W).step_by(CHUNK) {
        let (x0, x1, x2, x3, x4) = (
            chunk(&regs[a0], at),
            chunk(&regs[a1], at),
            chunk(&regs[a2], at),
            chunk(&regs[a3], at),
            chunk(&regs[a4], at),
        );
        let (y0, y1, y2, y3) = (
            chunk(&regs[b0], at),
            chunk(&regs[b1], at),
            chunk(&regs[b2], at),
            chunk(&regs[b3], at),
        );
        let mut r1 = [0u32; CHUNK];
        let mut r2 = [0u32; CHUNK];
        for i in 0..CHUNK {
            r1[i] = fadd(op(x0[i], x1[i], x2[i], x3[i]), x4[i]);
            r2[i] = second_op(y0[i], y1[i], y2[i], y3[i]);
        }
        regs[d1][at..at + CHUNK].copy_from_slice(&r1);
        regs[d2][at..at + CHUNK].copy_from_slice(&r2);
    }
}

/// [`crate::ir::Inst::QuadPairV`], any operations and any mask: the results are made whole,
/// then written (a masked one on the `exec` lanes only). Out of line: the dispatch loop
/// inlines only [`quad_pair_full`].
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub fn quad_pair(
    regs: &mut [[u32; W]],
    exec: u64,
    op: Quad,
    second_op: Quad,
    masked: u8,
    first: u16,
    second: u16,
    a: [u16; 5],
    b: [u16; 4],
) {
    let Some(m) = reg_mask(regs) else { return };
    let f = |op: Quad| -> fn(u32, u32, u32, u32) -> u32 {
        match op {
            Quad::MulAddMul => mul_add_mul,
            Quad::MulSubMul => mul_sub_mul,
            Quad::MulMulAdd => mul_mul_add,
            Quad::MulMulSub => mul_mul_sub,
        }
    };
    let (f1, f2) = (f(op), f(second_op));
    let x = a.map(|r| regs[r as usize & m]);
    let y = b.map(|r| regs[r as usize & m]);
    let mut r1 = [0u32; W];
    let mut r2 = [0u32; W];
    for i in 0..W {
        r1[i] = fadd(f1(x[0][i], x[1][i], x[2][i], x[3][i]), x[4][i]);
        r2[i] = f2(y[0][i], y[1][i], y[2][i], y[3][i]);
    }
    for (dst, r, bit) in [(first, r1, 1), (second, r2, 2)] {
        let d = &mut regs[dst as usize & m];
        for i in 0..W {
            if masked & bit == 0 || exec >> i & 1 != 0 {
                d[i] = r[i];
            }
        }
    }
}

#[inline(always)]
pub fn fadd(x: u32, y: u32) -> u32 {
    u(f(x) + f(y))
}

#[inline(always)]
pub fn fsub(x: u32, y: u32) -> u32 {
    u(f(x) - f(y))
}

#[inline(always)]
pub fn fmul(x: u32, y: u32) -> u32 {
    u(f(x) * f(y))
}

/// `x * y + z`, the product rounded first.
#[inline(always)]
pub fn fmul_add(x: u32, y: u32, z: u32) -> u32 {
    u(f(x) * f(y) + f(z))
}

/// `x * y - z`, the product rounded first.
#[inline(always)]
pub fn fmul_sub(x: u32, y: u32, z: u32) -> u32 {
    u(f(x) * f(y) - f(z))
}

#[inline(always)]
pub fn mul_add_mul(x: u32, y: u32, z: u32, w: u32) -> u32 {
    u(f(x) * f(y) + f(z) * f(w))
}

#[inline(always)]
pub fn mul_sub_mul(x: u32, y: u32, z: u32, w: u32) -> u32 {
    u(f(x) * f(y) - f(z) * f(w))
}

#[inline(always)]
pub fn mul_mul_add(x: u32, y: u32, z: u32, w: u32) -> u32 {
    u(f(x) * f(y) * f(z) + f(w))
}

#[inline(always)]
pub fn mul_mul_sub(x: u32, y: u32, z: u32, w: u32) -> u32 {
    u(f(x) * f(y) * f(z) - f(w))
}

pub fn fract(x: f32) -> f32 {
    x - x.floor()
}

/// Round a float to the nearest f16 value and back (OpQuantizeToF16).
pub fn quantize_f16(x: f32) -> f32 {
    f16_to_f32(f32_to_f16(x))
}

/// f32 → f16 bits, round to nearest even; too large → infinity; NaN stays NaN.
pub fn f32_to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let mant = bits & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if mant != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        if e < -10 {
            return sign;
        }
        let m = mant | 0x80_0000;
        let shift = (14 - e) as u32;
        let half = 1u32 << (shift - 1);
        let rest = m & ((1 << shift) - 1);
        let mut r = m >> shift;
        if rest > half || (rest == half && r & 1 == 1) {
            r += 1;
        }
        return sign | r as u16;
    }
    let mut r = ((e as u32) << 10) | (mant >> 13);
    let rest = mant & 0x1fff;
    if rest > 0x1000 || (rest == 0x1000 && r & 1 == 1) {
        r += 1;
    }
    sign | r as u16
}

pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h & 0x8000) as u32) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let mant = (h & 0x3ff) as u32;
    let bits = if exp == 0 {
        if mant == 0 {
            sign
        } else {
            // Subnormal: normalise.
            let mut e = 113u32;
            let mut m = mant;
            while m & 0x400 == 0 {
                m <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((m & 0x3ff) << 13)
        }
    } else if exp == 0x1f {
        sign | 0x7f80_0000 | (mant << 13)
    } else {
        sign | ((exp + 112) << 23) | (mant << 13)
    };
    f32::from_bits(bits)
}

/// frexp on the bits of an f32: the significand's bits and the exponent. Zeros, infinities
/// and NaN come back as they are with exponent 0 (GLSL leaves the last two undefined).
pub(crate) fn frexp(x: u32) -> (u32, i32) {
    let exp = (x >> 23) & 0xff;
    if x & 0x7fff_ffff == 0 || exp == 0xff {
        return (x, 0);
    }
    if exp == 0 {
        // A denormal: scale by 2^32 (exact) to make it normal.
        let (m, e) = frexp((f32::from_bits(x) * 4_294_967_296.0).to_bits());
        return (m, e - 32);
    }
    ((x & 0x807f_ffff) | (126 << 23), exp as i32 - 126)
}

fn find_msb_u(x: u32) -> u32 {
    if x == 0 {
        u32::MAX
    } else {
        31 - x.leading_zeros()
    }
}

fn find_msb_s(x: u32) -> u32 {
    let v = x as i32;
    if v < 0 {
        find_msb_u(!x)
    } else {
        find_msb_u(x)
    }
}

/// Runs every lane.
#[inline(always)]
pub fn un(regs: &mut [[u32; W]], op: Un, dst: Reg, a: Reg) {
    un_impl::<false>(regs, op, dst, a)
}

/// Operands all uniform: runs once and broadcasts (a copy inline, see [`bin_uniform`]).
#[inline(always)]
pub fn un_uniform(regs: &mut [[u32; W]], op: Un, dst: Reg, a: Reg) {
    if op == Un::Mov {
        return broadcast(regs, dst, lane0(regs, a));
    }
    un_lane0(regs, op, dst, a);
    broadcast_lane0(regs, dst);
}

/// Lane 0 of [`un_uniform`]. Out of line so that the lane loops of [`un`] inline into
/// the dispatch loop as before.
#[inline(never)]
fn un_lane0(regs: &mut [[u32; W]], op: Un, dst: Reg, a: Reg) {
    un_impl::<true>(regs, op, dst, a)
}

#[inline(always)]
fn un_impl<const UNI: bool>(regs: &mut [[u32; W]], op: Un, dst: Reg, a: Reg) {
    let uni = UNI;
    match op {
        Un::Mov => map1(regs, uni, dst, a, |x| x),
        Un::FNeg => map1(regs, uni, dst, a, |x| x ^ 0x8000_0000),
        Un::FAbs => map1(regs, uni, dst, a, |x| x & 0x7fff_ffff),
        Un::FSign => map1(regs, uni, dst, a, |x| {
            let v = f(x);
            u(if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                v
            })
        }),
        Un::FFloor => map1(regs, uni, dst, a, |x| u(f(x).floor())),
        Un::FCeil => map1(regs, uni, dst, a, |x| u(f(x).ceil())),
        Un::FRoundEven => map1(regs, uni, dst, a, |x| u(f(x).round_ties_even())),
        Un::FTrunc => map1(regs, uni, dst, a, |x| u(f(x).trunc())),
        Un::FFract => map1(regs, uni, dst, a, |x| u(fract(f(x)))),
        Un::FSqrt => map1(regs, uni, dst, a, |x| u(f(x).sqrt())),
        Un::FInvSqrt => map1(regs, uni, dst, a, |x| u(1.0 / f(x).sqrt())),
        Un::FSin => map1(regs, uni, dst, a, |x| u(f(x).sin())),
        Un::FCos => map1(regs, uni, dst, a, |x| u(f(x).cos())),
        Un::FTan => map1(regs, uni, dst, a, |x| u(f(x).tan())),
        Un::FAsin => map1(regs, uni, dst, a, |x| u(f(x).asin())),
        Un::FAcos => map1(regs, uni, dst, a, |x| u(f(x).acos())),
        Un::FAtan => map1(regs, uni, dst, a, |x| u(f(x).atan())),
        Un::FSinh => map1(regs, uni, dst, a, |x| u(f(x).sinh())),
        Un::FCosh => map1(regs, uni, dst, a, |x| u(f(x).cosh())),
        Un::FTanh => map1(regs, uni, dst, a, |x| u(f(x).tanh())),
        // In f64: Rust's f32 versions overflow to infinity for |x| above ~1.8e19 (asinh, acosh)
        // and lose a few ULP near ±1 (atanh), beyond the spec's bounds.
        Un::FAsinh => map1(regs, uni, dst, a, |x| u((f(x) as f64).asinh() as f32)),
        Un::FAcosh => map1(regs, uni, dst, a, |x| u((f(x) as f64).acosh() as f32)),
        Un::FAtanh => map1(regs, uni, dst, a, |x| u((f(x) as f64).atanh() as f32)),
        Un::FExp => map1(regs, uni, dst, a, |x| u(f(x).exp())),
        Un::FExp2 => map1(regs, uni, dst, a, |x| u(f(x).exp2())),
        Un::FLog => map1(regs, uni, dst, a, |x| u(f(x).ln())),
        Un::FLog2 => map1(regs, uni, dst, a, |x| u(f(x).log2())),
        Un::FRadians => map1(regs, uni, dst, a, |x| u(f(x).to_radians())),
        Un::FDegrees => map1(regs, uni, dst, a, |x| u(f(x).to_degrees())),
        Un::FQuantize16 => map1(regs, uni, dst, a, |x| u(quantize_f16(f(x)))),
        Un::FFrexpMant => map1(regs, uni, dst, a, |x| frexp(x).0),
        Un::FFrexpExp => map1(regs, uni, dst, a, |x| frexp(x).1 as u32),
        Un::INeg => map1(regs, uni, dst, a, |x| x.wrapping_neg()),
        Un::IAbs => map1(regs, uni, dst, a, |x| (x as i32).wrapping_abs() as u32),
        Un::ISign => map1(regs, uni, dst, a, |x| (x as i32).signum() as u32),
        Un::Not => map1(regs, uni, dst, a, |x| !x),
        Un::LNot => map1(regs, uni, dst, a, |x| (x == 0) as u32),
        Un::CountOnes => map1(regs, uni, dst, a, |x| x.count_ones()),
        Un::ReverseBits => map1(regs, uni, dst, a, |x| x.reverse_bits()),
        Un::CountLeadingZeros => map1(regs, uni, dst, a, |x| x.leading_zeros()),
        Un::CountTrailingZeros => map1(regs, uni, dst, a, |x| x.trailing_zeros()),
        Un::FindMsbU => map1(regs, uni, dst, a, find_msb_u),
        Un::FindMsbS => map1(regs, uni, dst, a, find_msb_s),
        Un::FindLsb => map1(regs, uni, dst, a, |x| {
            if x == 0 {
                u32::MAX
            } else {
                x.trailing_zeros()
            }
        }),
        // Out-of-range conversions are undefined in SPIR-V; Rust's saturating casts give a
        // deterministic answer (NaN → 0).
        Un::FToS => map1(regs, uni, dst, a, |x| f(x) as i32 as u32),
        Un::FToU => map1(regs, uni, dst, a, |x| f(x) as u32),
        Un::SToF => map1(regs, uni, dst, a, |x| u(x as i32 as f32)),
        Un::UToF => map1(regs, uni, dst, a, |x| u(x as f32)),
        Un::BoolToF => map1(regs, uni, dst, a, |x| u(if x != 0 { 1.0 } else { 0.0 })),
        Un::ToBool => map1(regs, uni, dst, a, |x| (x != 0) as u32),
        Un::FToBool => map1(regs, uni, dst, a, |x| (f(x) != 0.0) as u32),
        Un::PackHalf2x16Lo => map1(regs, uni, dst, a, |x| f32_to_f16(f(x)) as u32),
        Un::UnpackHalfLo => map1(regs, uni, dst, a, |x| u(f16_to_f32(x as u16))),
        Un::UnpackHalfHi => map1(regs, uni, dst, a, |x| u(f16_to_f32((x >> 16) as u16))),
    }
}

/// Runs every lane.
#[inline(always)]
pub fn bin(regs: &mut [[u32; W]], op: Bin, dst: Reg, a: Reg, b: Reg) {
    bin_impl::<false>(regs, op, dst, a, b)
}

/// Operands all uniform: runs once and broadcasts. The integer operations of loop counters
/// and address arithmetic (`k++`, `k * 4`) run inline: the out-of-line call with its jump
/// table and bounds checks was ~35 instructions for one add, and a tiled matmul's inner loop
/// has three such per iteration.
#[inline(always)]
pub fn bin_uniform(regs: &mut [[u32; W]], op: Bin, dst: Reg, a: Reg, b: Reg) {
    let (x, y) = (lane0(regs, a), lane0(regs, b));
    let v = match op {
        Bin::IAdd => x.wrapping_add(y),
        Bin::ISub => x.wrapping_sub(y),
        Bin::IMul => x.wrapping_mul(y),
        Bin::And => x & y,
        Bin::Or => x | y,
        Bin::Xor => x ^ y,
        _ => {
            bin_lane0(regs, op, dst, a, b);
            return broadcast_lane0(regs, dst);
        }
    };
    broadcast(regs, dst, v);
}

/// Lane 0 of [`bin_uniform`]. Out of line so that the lane loops of [`bin`] inline into
/// the dispatch loop as before.
#[inline(never)]
fn bin_lane0(regs: &mut [[u32; W]], op: Bin, dst: Reg, a: Reg, b: Reg) {
    bin_impl::<true>(regs, op, dst, a, b)
}

#[inline(always)]
fn bin_impl<const UNI: bool>(regs: &mut [[u32; W]], op: Bin, dst: Reg, a: Reg, b: Reg) {
    let uni = UNI;
    match op {
        Bin::FAdd => map2(regs, uni, dst, a, b, fadd),
        Bin::FSub => map2(regs, uni, dst, a, b, fsub),
        Bin::FMul => map2(regs, uni, dst, a, b, fmul),
        Bin::FDiv => map2(regs, uni, dst, a, b, |x, y| u(f(x) / f(y))),
        Bin::FRem => map2(regs, uni, dst, a, b, |x, y| {
            u(f(x) - f(y) * (f(x) / f(y)).trunc())
        }),
        Bin::FMod => map2(regs, uni, dst, a, b, |x, y| {
            u(f(x) - f(y) * (f(x) / f(y)).floor())
        }),
        // GLSL min/max with a NaN operand may return either; IEEE minNum returns the number.
        Bin::FMin => map2(regs, uni, dst, a, b, |x, y| u(f(x).min(f(y)))),
        Bin::FMax => map2(regs, uni, dst, a, b, |x, y| u(f(x).max(f(y)))),
        Bin::FPow => map2(regs, uni, dst, a, b, |x, y| u(f(x).powf(f(y)))),
        Bin::FAtan2 => map2(regs, uni, dst, a, b, |x, y| u(f(x).atan2(f(y)))),
        Bin::FStep => map2(regs, uni, dst, a, b, |edge, x| {
            u(if f(x) < f(edge) { 0.0 } else { 1.0 })
        }),
        Bin::FLdexp => map2(regs, uni, dst, a, b, |x, e| {
            let e = (e as i32).clamp(-300, 300);
            u((f(x) as f64 * 2f64.powi(e)) as f32)
        }),
        Bin::FEq => map2(regs, uni, dst, a, b, |x, y| (f(x) == f(y)) as u32),
        Bin::FNe => map2(regs, uni, dst, a, b, |x, y| (f(x) != f(y)) as u32),
        Bin::FLt => map2(regs, uni, dst, a, b, |x, y| (f(x) < f(y)) as u32),
        Bin::FLe => map2(regs, uni, dst, a, b, |x, y| (f(x) <= f(y)) as u32),
        Bin::FGt => map2(regs, uni, dst, a, b, |x, y| (f(x) > f(y)) as u32),
        Bin::FGe => map2(regs, uni, dst, a, b, |x, y| (f(x) >= f(y)) as u32),
        Bin::IAdd => map2(regs, uni, dst, a, b, u32::wrapping_add),
        Bin::ISub => map2(regs, uni, dst, a, b, u32::wrapping_sub),
        Bin::IMul => map2(regs, uni, dst, a, b, u32::wrapping_mul),
        // Division by zero is undefined in SPIR-V; give 0 (and -1 / MIN wraps) rather than trap.
        Bin::UDiv => map2(regs, uni, dst, a, b, |x, y| x.checked_div(y).unwrap_or(0)),
        Bin::SDiv => map2(regs, uni, dst, a, b, |x, y| {
            if y == 0 {
                0
            } else {
                (x as i32).wrapping_div(y as i32) as u32
            }
        }),
        Bin::URem => map2(regs, uni, dst, a, b, |x, y| x.checked_rem(y).unwrap_or(0)),
        Bin::SRem => map2(regs, uni, dst, a, b, |x, y| {
            if y == 0 {
                0
            } else {
                (x as i32).wrapping_rem(y as i32) as u32
            }
        }),
        Bin::And => map2(regs, uni, dst, a, b, |x, y| x & y),
        Bin::Or => map2(regs, uni, dst, a, b, |x, y| x | y),
        Bin::Xor => map2(regs, uni, dst, a, b, |x, y| x ^ y),
        // Shifts by 32 or more are undefined; mask the amount as hardware does.
        Bin::Shl => map2(regs, uni, dst, a, b, |x, y| x.wrapping_shl(y)),
        Bin::ShrU => map2(regs, uni, dst, a, b, |x, y| x.wrapping_shr(y)),
        Bin::ShrS => map2(regs, uni, dst, a, b, |x, y| {
            (x as i32).wrapping_shr(y) as u32
        }),
        Bin::UMin => map2(regs, uni, dst, a, b, |x, y| x.min(y)),
        Bin::UMax => map2(regs, uni, dst, a, b, |x, y| x.max(y)),
        Bin::SMin => map2(regs, uni, dst, a, b, |x, y| (x as i32).min(y as i32) as u32),
        Bin::SMax => map2(regs, uni, dst, a, b, |x, y| (x as i32).max(y as i32) as u32),
        Bin::IEq => map2(regs, uni, dst, a, b, |x, y| (x == y) as u32),
        Bin::INe => map2(regs, uni, dst, a, b, |x, y| (x != y) as u32),
        Bin::ULt => map2(regs, uni, dst, a, b, |x, y| (x < y) as u32),
        Bin::ULe => map2(regs, uni, dst, a, b, |x, y| (x <= y) as u32),
        Bin::UGt => map2(regs, uni, dst, a, b, |x, y| (x > y) as u32),
        Bin::UGe => map2(regs, uni, dst, a, b, |x, y| (x >= y) as u32),
        Bin::SLt => map2(regs, uni, dst, a, b, |x, y| {
            ((x as i32) < (y as i32)) as u32
        }),
        Bin::SLe => map2(regs, uni, dst, a, b, |x, y| {
            ((x as i32) <= (y as i32)) as u32
        }),
        Bin::SGt => map2(regs, uni, dst, a, b, |x, y| {
            ((x as i32) > (y as i32)) as u32
        }),
        Bin::SGe => map2(regs, uni, dst, a, b, |x, y| {
            ((x as i32) >= (y as i32)) as u32
        }),
        Bin::Pack16 => map2(regs, uni, dst, a, b, |lo, hi| (lo & 0xffff) | (hi << 16)),
    }
}

/// A comparison of one lane's operands (`None` for operations that are not comparisons):
/// the exit test of a loop on a uniform counter runs once, without writing lanes.
#[inline]
pub fn compare(op: Bin, x: u32, y: u32) -> Option<bool> {
    let (sx, sy) = (x as i32, y as i32);
    Some(match op {
        Bin::FEq => f(x) == f(y),
        Bin::FNe => f(x) != f(y),
        Bin::FLt => f(x) < f(y),
        Bin::FLe => f(x) <= f(y),
        Bin::FGt => f(x) > f(y),
        Bin::FGe => f(x) >= f(y),
        Bin::IEq => x == y,
        Bin::INe => x != y,
        Bin::ULt => x < y,
        Bin::ULe => x <= y,
        Bin::UGt => x > y,
        Bin::UGe => x >= y,
        Bin::SLt => sx < sy,
        Bin::SLe => sx <= sy,
        Bin::SGt => sx > sy,
        Bin::SGe => sx >= sy,
        _ => return None,
    })
}

/// Runs every lane.
#[inline(always)]
pub fn tern(regs: &mut [[u32; W]], op: Tern, dst: Reg, a: Reg, b: Reg, c: Reg) {
    tern_impl::<false>(regs, op, dst, a, b, c)
}

/// Operands all uniform: runs once and broadcasts.
#[inline(always)]
pub fn tern_uniform(regs: &mut [[u32; W]], op: Tern, dst: Reg, a: Reg, b: Reg, c: Reg) {
    tern_lane0(regs, op, dst, a, b, c);
    broadcast_lane0(regs, dst);
}

/// Lane 0 of [`tern_uniform`]. Out of line so that the lane loops of [`tern`] inline into
/// the dispatch loop as before.
#[inline(never)]
fn tern_lane0(regs: &mut [[u32; W]], op: Tern, dst: Reg, a: Reg, b: Reg, c: Reg) {
    tern_impl::<true>(regs, op, dst, a, b, c)
}

#[inline(always)]
fn tern_impl<const UNI: bool>(regs: &mut [[u32; W]], op: Tern, dst: Reg, a: Reg, b: Reg, c: Reg) {
    let uni = UNI;
    match op {
        Tern::FMulAdd => map3(regs, uni, dst, a, b, c, fmul_add),
        Tern::FMulSub => map3(regs, uni, dst, a, b, c, fmul_sub),
        Tern::FFma => map3(regs, uni, dst, a, b, c, |x, y, z| {
            u(f(x).mul_add(f(y), f(z)))
        }),
        Tern::FMix => map3(regs, uni, dst, a, b, c, |x, y, t| {
            u(f(x) * (1.0 - f(t)) + f(y) * f(t))
        }),
        Tern::FClamp => map3(regs, uni, dst, a, b, c, |x, lo, hi| {
            u(f(x).max(f(lo)).min(f(hi)))
        }),
        Tern::FSmoothStep => map3(regs, uni, dst, a, b, c, |e0, e1, x| {
            let t = ((f(x) - f(e0)) / (f(e1) - f(e0))).clamp(0.0, 1.0);
            u(t * t * (3.0 - 2.0 * t))
        }),
        Tern::UClamp => map3(regs, uni, dst, a, b, c, |x, lo, hi| x.max(lo).min(hi)),
        Tern::SClamp => map3(regs, uni, dst, a, b, c, |x, lo, hi| {
            (x as i32).max(lo as i32).min(hi as i32) as u32
        }),
        Tern::Select => map3(
            regs,
            uni,
            dst,
            a,
            b,
            c,
            |cond, x, y| if cond != 0 { x } else { y },
        ),
        Tern::ExtractBitsU => map3(regs, uni, dst, a, b, c, |x, off, count| {
            let off = off.min(32);
            let count = count.min(32 - off);
            if count == 0 {
                0
            } else {
                (x >> off) & (u32::MAX >> (32 - count))
            }
        }),
        Tern::ExtractBitsS => map3(regs, uni, dst, a, b, c, |x, off, count| {
            let off = off.min(32);
            let count = count.min(32 - off);
            if count == 0 {
                0
            } else {
                (((x >> off) << (32 - count)) as i32 >> (32 - count)) as u32
            }
        }),
    }
}

pub fn insert_bits(
    regs: &mut [[u32; W]],
    dst: Reg,
    base: Reg,
    insert: Reg,
    offset: Reg,
    count: Reg,
) {
    let (b, ins, off, cnt) = (
        regs[base as usize],
        regs[insert as usize],
        regs[offset as usize],
        regs[count as usize],
    );
    let mut out = [0u32; W];
    for i in 0..W {
        let o = off[i].min(32);
        let c = cnt[i].min(32 - o);
        let mask = if c == 0 {
            0
        } else {
            (u32::MAX >> (32 - c)) << o
        };
        // `o` may be 32 (with an empty mask): a plain shift would overflow.
        out[i] = (b[i] & !mask) | (ins[i].checked_shl(o).unwrap_or(0) & mask);
    }
    regs[dst as usize] = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_conversions() {
        for (x, h) in [
            (1.0f32, 0x3c00u16),
            (-2.0, 0xc000),
            (65504.0, 0x7bff),
            (1e6, 0x7c00),
            (0.0, 0),
        ] {
            assert_eq!(f32_to_f16(x), h, "{x}");
            if x.abs() < 1e5 {
                assert_eq!(f16_to_f32(h), x);
            }
        }
        assert_eq!(f16_to_f32(1), 2f32.powi(-24));
        assert_eq!(f32_to_f16(2f32.powi(-24)), 1);
        assert!(f16_to_f32(f32_to_f16(f32::NAN)).is_nan());
        assert_eq!(quantize_f16(1.0 + 2f32.powi(-12)), 1.0);
    }

    #[test]
    fn bit_ops() {
        assert_eq!(find_msb_s(u32::MAX), u32::MAX);
        assert_eq!(find_msb_s((-2i32) as u32), 0);
        assert_eq!(find_msb_u(0x80), 7);
        // A power of two, as `Batch::new` makes the register file.
        let mut regs = vec![[0u32; W]; 8];
        regs[0] = [0xffff_0000; W];
        regs[1] = [0xab; W];
        regs[2] = [4; W];
        regs[3] = [8; W];
        insert_bits(&mut regs, 4, 0, 1, 2, 3);
        assert_eq!(regs[4][0], 0xffff_0ab0);
        // Bits 12..20 of 0xffff_0000 are 0xf0: sign-extended from 8 bits.
        regs[2] = [12; W];
        tern(&mut regs, Tern::ExtractBitsS, 4, 0, 2, 3);
        assert_eq!(regs[4][0], 0xffff_fff0);
        tern(&mut regs, Tern::ExtractBitsU, 4, 0, 2, 3);
        assert_eq!(regs[4][0], 0xf0);
    }
}
