//! Differential tests of every arithmetic instruction: each op runs through the interpreter
//! (a one-instruction [`Program`] on a [`Batch`]) over random and special lanes, and every lane
//! is checked against a scalar reference written here from the SPIR-V / GLSL.std.450
//! definitions, with the Vulkan spec's precision bounds ("Precision and Operation of SPIR-V
//! Instructions") for the transcendental ones.
//!
//! The references work in f64 (or on bits) so they do not share code paths with `arith.rs`:
//! a correctly rounded f32 result of +, -, *, / and sqrt is the f64 result rounded once more
//! (f64 has more than 2 × 24 + 2 bits, so the double rounding is innocuous).

use std::sync::atomic::AtomicBool;

use super::{Batch, BuiltinValues, Resources, Watchdog};
use crate::ir::{Bin, Inst, Program, Reg, Tern, Un, W};

// ---------------------------------------------------------------------------------------------
// Running one instruction.

fn run_inst(inst: Inst, inputs: &[[u32; W]], out: Reg) -> [u32; W] {
    run_inst_on(inst, inputs, out, W)
}

/// Runs `inst` with the first `active` lanes active; registers past the inputs hold
/// `0xdead_beef`, so that a masked write shows which lanes it kept.
fn run_inst_on(inst: Inst, inputs: &[[u32; W]], out: Reg, active: usize) -> [u32; W] {
    run_code_on(vec![inst], inputs, out, active)
}

/// [`run_inst_on`] for a sequence of instructions.
fn run_code_on(code: Vec<Inst>, inputs: &[[u32; W]], out: Reg, active: usize) -> [u32; W] {
    let program = Program {
        code,
        register_count: 8,
        ..Program::default()
    };
    let mut batch = Batch::new(&program);
    batch.start(&program, active, &BuiltinValues::default());
    for r in batch.regs.iter_mut() {
        *r = [0xdead_beef; W];
    }
    for (i, r) in inputs.iter().enumerate() {
        batch.regs[i] = *r;
    }
    let cancel = AtomicBool::new(false);
    let watchdog = Watchdog {
        cancel: &cancel,
        deadline: None,
    };
    let res = Resources::default();
    batch.run(&program, &res, &mut [], &watchdog).unwrap();
    batch.regs[out as usize]
}

/// The same operation as a variable update (`Inst::*Masked`, result in `dst` through `tmp`).
fn masked(inst: Inst, dst: Reg, tmp: Reg) -> Inst {
    match inst {
        Inst::Un { op, a, .. } => Inst::UnMasked { op, dst, tmp, a },
        Inst::Bin { op, a, b, .. } => Inst::BinMasked { op, dst, tmp, a, b },
        Inst::Tern { op, a, b, c, .. } => Inst::TernMasked {
            op,
            dst,
            tmp,
            a,
            b,
            c,
        },
        other => other,
    }
}

/// Runs `op` with its sources in r0.. and the result in r4, and again with the result written
/// over each source (the in-place paths), with repeated sources, and as a masked variable
/// update with every lane and with some lanes active; all must agree.
fn run_op(make: impl Fn(Reg, [Reg; 4]) -> Inst, inputs: &[[u32; W]]) -> [u32; W] {
    let separate = run_inst(make(4, [0, 1, 2, 3]), inputs, 4);
    // The two paths may be vectorised differently, and which NaN payload propagates through a
    // float operation is unspecified (by SPIR-V and by the hardware): NaNs match any NaN.
    let is_nan = |x: u32| (x & 0x7f80_0000) == 0x7f80_0000 && (x & 0x007f_ffff) != 0;
    let agree = |want: &[u32; W], got: &[u32; W], what: &str| {
        for lane in 0..W {
            let (a, b) = (want[lane], got[lane]);
            assert!(
                a == b || (is_nan(a) && is_nan(b)),
                "{what}: result differs in lane {lane}: {a:#x} vs {b:#x}"
            );
        }
    };
    for k in 0..3 {
        let in_place = run_inst(make(k, [0, 1, 2, 3]), inputs, k);
        agree(&separate, &in_place, &format!("in place over source {k}"));
    }
    // Repeated sources (`x * x`): r1 (and r2) hold r0's values.
    let mut dup = inputs.to_vec();
    dup[1] = dup[0];
    let want = run_inst(make(4, [0, 1, 2, 3]), &dup, 4);
    for (dst, srcs) in [(4, [0, 0, 2, 3]), (0, [0, 0, 2, 3]), (2, [0, 0, 2, 3])] {
        let got = run_inst(make(dst, srcs), &dup, dst);
        agree(&want, &got, &format!("r{dst} = op{srcs:?}"));
    }
    dup[2] = dup[0];
    let want = run_inst(make(4, [0, 1, 2, 3]), &dup, 4);
    for dst in [4, 0] {
        let got = run_inst(make(dst, [0, 0, 0, 3]), &dup, dst);
        agree(&want, &got, &format!("r{dst} = op(r0, r0, r0)"));
    }
    if masked(make(4, [0, 1, 2, 3]), 4, 5) == make(4, [0, 1, 2, 3]) {
        return separate; // No masked form.
    }
    let full = run_inst(masked(make(4, [0, 1, 2, 3]), 4, 5), inputs, 4);
    agree(&separate, &full, "masked, every lane");
    let over = run_inst(masked(make(4, [0, 1, 2, 3]), 0, 5), inputs, 0);
    agree(&separate, &over, "masked over source 0, every lane");
    let active = W / 2 + 3;
    let part = run_inst_on(masked(make(4, [0, 1, 2, 3]), 4, 5), inputs, 4, active);
    let mut want = [0xdead_beef; W];
    want[..active].copy_from_slice(&separate[..active]);
    agree(&want, &part, "masked, some lanes");
    let mut want = inputs[0];
    want[..active].copy_from_slice(&separate[..active]);
    let part = run_inst_on(masked(make(4, [0, 1, 2, 3]), 0, 5), inputs, 0, active);
    agree(&want, &part, "masked over source 0, some lanes");
    separate
}

// ---------------------------------------------------------------------------------------------
// Inputs.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * n as u64) >> 32) as u32
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const FLOAT_SPECIALS: &[f32] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    1.5,
    -1.5,
    2.5,
    -2.5,
    f32::NAN,
    -f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MAX,
    f32::MIN,
    f32::MIN_POSITIVE,
    -f32::MIN_POSITIVE,
    1.0e-45,  // smallest denormal
    -1.0e-45, // and negative
    1.1754942e-38,
    -3.0e-39,
    std::f32::consts::PI,
    -std::f32::consts::PI,
    std::f32::consts::FRAC_PI_2,
    8388608.0,    // 2^23
    8388607.5,    // largest float with a fraction
    -8388609.0,   // odd, above 2^23
    16777217.0,   // rounds to 2^24
    2147483520.0, // just under 2^31
    -2147483648.0,
    4294967040.0, // just under 2^32
    65504.0,
    65519.0,
    65520.0,
    6.1035156e-5, // f16 min normal
    5.9604645e-8, // f16 min denormal
    2.9802322e-8, // half of it
    0.99999994,
    1.0000001,
];

const INT_SPECIALS: &[u32] = &[
    0,
    1,
    2,
    3,
    31,
    32,
    33,
    u32::MAX,        // -1
    u32::MAX - 1,    // -2
    i32::MAX as u32, // 0x7fff_ffff
    i32::MIN as u32, // 0x8000_0000
    0x8000_0001,
    0x5555_5555,
    0xaaaa_aaaa,
    0x0001_0000,
    0xffff,
];

/// How the operands of an op are drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gen {
    /// Special floats and integers, random bits, floats of every magnitude and in small ranges.
    Any,
    /// Booleans (0 or 1): for the ops whose operands are bools.
    Bool,
    /// The first operand any, the others bit offsets and counts (mostly 0..=32).
    Bits,
    /// The first operand any, the second a shift amount (mostly 0..32).
    Shift,
    /// InsertBits: base and insert any, offset and count mostly 0..=32.
    Insert,
}

fn any_value(rng: &mut Rng) -> u32 {
    match rng.below(8) {
        0 => FLOAT_SPECIALS[rng.below(FLOAT_SPECIALS.len() as u32) as usize].to_bits(),
        1 => INT_SPECIALS[rng.below(INT_SPECIALS.len() as u32) as usize],
        2 => rng.u32(),
        3 => {
            // Any finite normal magnitude (uniform exponent), either sign.
            let e = rng.below(254) + 1;
            (rng.u32() & 0x807f_ffff) | (e << 23)
        }
        4 => {
            let r = [1.0, 4.0, 10.0, 100.0, 1e4, 1e8][rng.below(6) as usize];
            (((rng.unit() * 2.0 - 1.0) * r) as f32).to_bits()
        }
        5 => (rng.below(64) as i32 - 32) as u32,
        6 => ((rng.below(64) as f32 - 32.0) * 0.5).to_bits(),
        _ => rng.u32() & 0x807f_ffff, // denormals and zeros
    }
}

fn value(rng: &mut Rng, gen: Gen, operand: usize) -> u32 {
    match (gen, operand) {
        (Gen::Bool, _) => rng.below(2),
        (Gen::Bits, 1..) | (Gen::Shift, 1) | (Gen::Insert, 2..) => {
            if rng.below(8) == 0 {
                any_value(rng)
            } else {
                rng.below(if gen == Gen::Shift { 32 } else { 33 })
            }
        }
        _ => any_value(rng),
    }
}

/// Every lane's operands: first the specials (all of them for one operand, every pair for
/// two), then random ones.
fn lanes(gen: Gen, arity: usize, seed: u64) -> Vec<[u32; 4]> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    if gen == Gen::Any {
        let specials: Vec<u32> = FLOAT_SPECIALS
            .iter()
            .map(|f| f.to_bits())
            .chain(INT_SPECIALS.iter().copied())
            .collect();
        match arity {
            1 => out.extend(specials.iter().map(|&a| [a, 0, 0, 0])),
            2 => {
                for &a in &specials {
                    out.extend(specials.iter().map(|&b| [a, b, 0, 0]));
                }
            }
            _ => {
                for _ in 0..2048 {
                    let mut pick = || specials[rng.below(specials.len() as u32) as usize];
                    out.push([pick(), pick(), pick(), 0]);
                }
            }
        }
    }
    for _ in 0..8192 {
        out.push([
            value(&mut rng, gen, 0),
            value(&mut rng, gen, 1),
            value(&mut rng, gen, 2),
            value(&mut rng, gen, 3),
        ]);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// What a lane must hold.

#[derive(Clone, Debug)]
enum Want {
    /// These bits exactly.
    Int(u32),
    /// This float: the same bits, or both NaN.
    F(f32),
    /// This float, where +0 and -0 are both fine.
    FAnyZero(f32),
    /// Any of these floats (each as `F`).
    OneOf(Vec<f32>),
    /// A float in `lo ..= hi` (NaN is not): an error bound.
    Range(f64, f64),
    /// A float in `lo ..= hi`, not an error bound (sin and cos of any finite value).
    Bounded(f64, f64),
    /// A 16-bit NaN in the low half, zero high half.
    HalfNan,
    /// Undefined: anything.
    Any,
}

fn same_float(want: f32, got: f32) -> bool {
    (want.is_nan() && got.is_nan()) || want.to_bits() == got.to_bits()
}

impl Want {
    fn accepts(&self, got: u32) -> bool {
        let g = f32::from_bits(got);
        match self {
            Want::Int(w) => *w == got,
            Want::F(w) => same_float(*w, g),
            Want::FAnyZero(w) => same_float(*w, g) || (*w == 0.0 && g == 0.0),
            Want::OneOf(ws) => ws.iter().any(|w| same_float(*w, g)),
            Want::Range(lo, hi) | Want::Bounded(lo, hi) => *lo <= g as f64 && g as f64 <= *hi,
            Want::HalfNan => got >> 16 == 0 && got & 0x7c00 == 0x7c00 && got & 0x3ff != 0,
            Want::Any => true,
        }
    }

    /// For a `Range`, how much of the allowed error `got` used (0 = the centre, 1 = the edge).
    fn used(&self, got: u32) -> Option<f64> {
        match *self {
            Want::Range(lo, hi) if lo.is_finite() && hi.is_finite() && hi > lo => {
                let mid = (lo + hi) / 2.0;
                Some((f32::from_bits(got) as f64 - mid).abs() / ((hi - lo) / 2.0))
            }
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Float helpers, independent of `arith.rs`.

fn fl(x: u32) -> f32 {
    f32::from_bits(x)
}

fn pow2(e: i32) -> f64 {
    2f64.powi(e)
}

/// One unit in the last place of an f32 near `w`.
fn ulp(w: f64) -> f64 {
    let a = w.abs();
    if a < pow2(-126) {
        pow2(-149)
    } else if a >= pow2(128) || !a.is_finite() {
        pow2(104)
    } else {
        let e = ((a.to_bits() >> 52) & 0x7ff) as i32 - 1023;
        pow2(e - 23)
    }
}

/// `w ± tol`, where an end beyond the f32 range reaches the infinity.
fn around(w: f64, tol: f64) -> Want {
    if w.is_nan() {
        return Want::F(f32::NAN);
    }
    if w.is_infinite() {
        return Want::F(w as f32);
    }
    let (mut lo, mut hi) = (w - tol, w + tol);
    let max = f32::MAX as f64;
    if hi > max {
        hi = f64::INFINITY;
    }
    if lo < -max {
        lo = f64::NEG_INFINITY;
    }
    Want::Range(lo, hi)
}

fn ulps(w: f64, n: f64) -> Want {
    around(w, n * ulp(w))
}

// Correctly rounded f32 arithmetic by way of f64.
fn add32(a: f32, b: f32) -> f32 {
    (a as f64 + b as f64) as f32
}
fn sub32(a: f32, b: f32) -> f32 {
    (a as f64 - b as f64) as f32
}
fn mul32(a: f32, b: f32) -> f32 {
    (a as f64 * b as f64) as f32
}
fn div32(a: f32, b: f32) -> f32 {
    (a as f64 / b as f64) as f32
}

/// A fused multiply-add, rounded once: the product is exact in f64, the sum is rounded to odd
/// in f64 (which makes the final rounding to f32 correct).
fn fma32(a: f32, b: f32, c: f32) -> f32 {
    let p = a as f64 * b as f64;
    let c = c as f64;
    let s = p + c;
    if !s.is_finite() || !p.is_finite() || s == 0.0 {
        return s as f32;
    }
    let bv = s - p;
    let err = (p - (s - bv)) + (c - bv);
    let s = if err != 0.0 && s.to_bits() & 1 == 0 {
        if (err > 0.0) == (s > 0.0) {
            f64::from_bits(s.to_bits() + 1)
        } else {
            f64::from_bits(s.to_bits() - 1)
        }
    } else {
        s
    };
    s as f32
}

/// Truncation by clearing the fraction bits.
fn trunc32(x: f32) -> f32 {
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 127;
    if e >= 23 {
        x
    } else if e < 0 {
        f32::from_bits(bits & 0x8000_0000)
    } else {
        f32::from_bits(bits & !(0x7f_ffffu32 >> e))
    }
}

fn floor32(x: f32) -> f32 {
    let t = trunc32(x);
    if t != x && x < 0.0 {
        sub32(t, 1.0)
    } else {
        t
    }
}

fn ceil32(x: f32) -> f32 {
    let t = trunc32(x);
    if t != x && x > 0.0 {
        add32(t, 1.0)
    } else {
        t
    }
}

fn round_even32(x: f32) -> f32 {
    let t = trunc32(x);
    if !x.is_finite() {
        return x;
    }
    let d = (x as f64 - t as f64).abs();
    let away = d > 0.5 || (d == 0.5 && (t as f64) % 2.0 != 0.0);
    if away {
        if x < 0.0 {
            sub32(t, 1.0)
        } else {
            add32(t, 1.0)
        }
    } else {
        t
    }
}

/// f32 → f16 bits, round to nearest even, too large → infinity. `None` for NaN.
fn half_bits(x: f32) -> Option<u16> {
    if x.is_nan() {
        return None;
    }
    let sign = if x.is_sign_negative() { 0x8000u16 } else { 0 };
    let a = x.abs() as f64;
    if a >= 65520.0 {
        return Some(sign | 0x7c00);
    }
    let e = if a < pow2(-14) {
        -14
    } else {
        ((a.to_bits() >> 52) & 0x7ff) as i32 - 1023
    };
    let q = pow2(e - 10);
    let v = (a / q).round_ties_even() * q;
    let bits = if v < pow2(-14) {
        (v / pow2(-24)) as u16
    } else {
        let e2 = ((v.to_bits() >> 52) & 0x7ff) as i32 - 1023;
        let mant = ((v / pow2(e2) - 1.0) * 1024.0) as u16;
        (((e2 + 15) as u16) << 10) | mant
    };
    Some(sign | bits)
}

fn half_value(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let e = ((h >> 10) & 0x1f) as i32;
    let m = (h & 0x3ff) as f64;
    let v = match e {
        0 => m * pow2(-24),
        31 if m == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + m / 1024.0) * pow2(e - 15),
    };
    (sign * v) as f32
}

fn bit(x: u32, i: u32) -> u32 {
    (x >> i) & 1
}

// ---------------------------------------------------------------------------------------------
// The references.

fn fbool(b: bool) -> Want {
    Want::Int(b as u32)
}

/// The absolute error allowed for log / log2 of `x` with exact value `w`.
fn log_tol(x: f64, w: f64) -> f64 {
    if (0.5..=2.0).contains(&x) {
        pow2(-21)
    } else {
        3.0 * ulp(w)
    }
}

fn exp_tol(x: f64, w: f64) -> f64 {
    (3.0 + 2.0 * x.abs()) * ulp(w)
}

/// log(arg) as the spec's inherited bound for the inverse hyperbolic functions: the log's own
/// error plus a few roundings of its argument (each a relative 2^-24, so an absolute 2^-24 in
/// the log), plus the final rounding.
fn via_log(w: f64, arg: f64, scale: f64) -> Want {
    let t = scale * (log_tol(arg, w / scale) + 4.0 * pow2(-24)) + ulp(w);
    around(w, t)
}

fn un_ref(op: Un, xb: u32) -> Want {
    let x = fl(xb);
    let xd = x as f64;
    let nan = x.is_nan();
    match op {
        Un::Mov => Want::Int(xb),
        Un::FNeg => Want::F(-x),
        Un::FAbs => Want::F(if x.is_sign_negative() { -x } else { x }),
        Un::FSign => {
            if nan {
                Want::Any
            } else if x > 0.0 {
                Want::F(1.0)
            } else if x < 0.0 {
                Want::F(-1.0)
            } else {
                Want::FAnyZero(0.0)
            }
        }
        Un::FFloor => Want::F(floor32(x)),
        Un::FCeil => Want::F(ceil32(x)),
        Un::FRoundEven => Want::F(round_even32(x)),
        Un::FTrunc => Want::F(trunc32(x)),
        Un::FFract => Want::F(sub32(x, floor32(x))),
        Un::FSqrt => {
            if x < 0.0 {
                Want::Any
            } else {
                Want::FAnyZero(xd.sqrt() as f32)
            }
        }
        Un::FInvSqrt => {
            if x <= 0.0 {
                Want::Any
            } else {
                ulps(1.0 / xd.sqrt(), 2.0)
            }
        }
        Un::FSin | Un::FCos => {
            let w = if op == Un::FSin { xd.sin() } else { xd.cos() };
            if nan {
                Want::F(f32::NAN)
            } else if xd.abs() <= std::f64::consts::PI {
                around(w, pow2(-11))
            } else if x.is_finite() {
                Want::Bounded(-1.0, 1.0)
            } else {
                Want::Any
            }
        }
        Un::FTan => {
            if nan {
                Want::F(f32::NAN)
            } else if xd.abs() <= std::f64::consts::PI {
                // sin / cos, each within 2^-11, then a division within 2.5 ULP.
                let e = pow2(-11);
                let (s, c) = (xd.sin(), xd.cos());
                if (c - e..=c + e).contains(&0.0) {
                    Want::Any
                } else {
                    let q = [(s - e) / (c - e), (s - e) / (c + e), (s + e) / (c - e)];
                    let q = [q[0], q[1], q[2], (s + e) / (c + e)];
                    let lo = q.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    Want::Range(lo - 2.5 * ulp(lo), hi + 2.5 * ulp(hi))
                }
            } else {
                Want::Any
            }
        }
        // Inherited from atan2 (4096 ULP); measured against the exact value, which is stricter.
        Un::FAsin | Un::FAcos => {
            if xd.abs() > 1.0 {
                Want::Any
            } else {
                ulps(
                    if op == Un::FAsin {
                        xd.asin()
                    } else {
                        xd.acos()
                    },
                    4096.0,
                )
            }
        }
        Un::FAtan => ulps(xd.atan(), 4096.0),
        Un::FSinh | Un::FCosh => {
            // (exp(x) ∓ exp(-x)) / 2, each exp within 3 + 2|x| ULP.
            let w = if op == Un::FSinh {
                xd.sinh()
            } else {
                xd.cosh()
            };
            if nan || x.is_infinite() {
                Want::F(w as f32)
            } else if xd.abs() > 88.0 {
                Want::Any
            } else {
                let t = (exp_tol(xd, xd.exp()) + exp_tol(xd, (-xd).exp())) / 2.0 + ulp(w);
                around(w, t)
            }
        }
        Un::FTanh => {
            if nan {
                Want::F(f32::NAN)
            } else if x.is_infinite() {
                Want::OneOf(vec![xd.tanh() as f32, f32::NAN])
            } else {
                around(
                    xd.tanh(),
                    (3.0 + 2.0 * xd.abs()) * pow2(-22) + 3.0 * ulp(xd.tanh()),
                )
            }
        }
        Un::FAsinh => {
            if nan || x.is_infinite() {
                Want::F(x)
            } else {
                let a = xd.abs();
                via_log(xd.asinh(), a + (a * a + 1.0).sqrt(), 1.0)
            }
        }
        Un::FAcosh => {
            if nan {
                Want::F(f32::NAN)
            } else if xd < 1.0 {
                Want::Any
            } else if x.is_infinite() {
                Want::F(x)
            } else {
                via_log(xd.acosh(), xd + (xd * xd - 1.0).sqrt(), 1.0)
            }
        }
        Un::FAtanh => {
            if nan {
                Want::F(f32::NAN)
            } else if xd.abs() >= 1.0 {
                Want::Any
            } else {
                via_log(xd.atanh(), (1.0 + xd) / (1.0 - xd), 0.5)
            }
        }
        Un::FExp => around(xd.exp(), exp_tol(xd, xd.exp())),
        Un::FExp2 => around(xd.exp2(), exp_tol(xd, xd.exp2())),
        Un::FLog | Un::FLog2 => {
            let w = if op == Un::FLog { xd.ln() } else { xd.log2() };
            if nan {
                Want::F(f32::NAN)
            } else if x <= 0.0 {
                Want::Any
            } else if x.is_infinite() {
                Want::F(x)
            } else {
                around(w, log_tol(xd, w))
            }
        }
        // x * C, with C rounded to f32 and the product rounded: within 1 ULP of the exact value.
        Un::FRadians => ulps(xd * (std::f64::consts::PI / 180.0), 1.0),
        Un::FDegrees => ulps(xd * (180.0 / std::f64::consts::PI), 1.0),
        Un::FQuantize16 => match half_bits(x) {
            None => Want::F(f32::NAN),
            Some(h) => {
                let v = half_value(h);
                if h & 0x7c00 == 0 && h & 0x3ff != 0 {
                    // Too small for a normal f16: the result may be ±0.
                    Want::OneOf(vec![v, 0.0, -0.0])
                } else {
                    Want::FAnyZero(v)
                }
            }
        },
        Un::FFrexpMant | Un::FFrexpExp => {
            // The exact decomposition, found in f64 by halving or doubling.
            if x == 0.0 || !x.is_finite() {
                return if op == Un::FFrexpMant {
                    Want::F(x)
                } else {
                    Want::Int(0)
                };
            }
            let (mut m, mut e) = (xd.abs(), 0i32);
            while m >= 1.0 {
                m /= 2.0;
                e += 1;
            }
            while m < 0.5 {
                m *= 2.0;
                e -= 1;
            }
            assert_eq!(m * 2f64.powi(e), xd.abs());
            if op == Un::FFrexpMant {
                Want::F((m as f32).copysign(x))
            } else {
                Want::Int(e as u32)
            }
        }
        Un::INeg => Want::Int((!xb).wrapping_add(1)),
        Un::IAbs => Want::Int(if (xb as i32) < 0 {
            (!xb).wrapping_add(1)
        } else {
            xb
        }),
        Un::ISign => Want::Int(match xb as i32 {
            0 => 0,
            v if v > 0 => 1,
            _ => u32::MAX,
        }),
        Un::Not => Want::Int(xb ^ u32::MAX),
        Un::LNot => Want::Int(1 - xb),
        Un::CountOnes => Want::Int((0..32).map(|i| bit(xb, i)).sum()),
        Un::ReverseBits => Want::Int((0..32).map(|i| bit(xb, i) << (31 - i)).sum()),
        Un::CountLeadingZeros => {
            Want::Int((0..32).rev().take_while(|&i| bit(xb, i) == 0).count() as u32)
        }
        Un::CountTrailingZeros => {
            Want::Int((0..32).take_while(|&i| bit(xb, i) == 0).count() as u32)
        }
        Un::FindMsbU => Want::Int((0..32).rev().find(|&i| bit(xb, i) == 1).unwrap_or(u32::MAX)),
        Un::FindMsbS => {
            // The most significant bit that differs from the sign bit.
            let s = bit(xb, 31);
            Want::Int((0..32).rev().find(|&i| bit(xb, i) != s).unwrap_or(u32::MAX))
        }
        Un::FindLsb => Want::Int((0..32).find(|&i| bit(xb, i) == 1).unwrap_or(u32::MAX)),
        Un::FToS => {
            if !nan && xd > -2147483649.0 && xd < 2147483648.0 {
                Want::Int(trunc32(x) as f64 as i64 as i32 as u32)
            } else {
                Want::Any
            }
        }
        Un::FToU => {
            if !nan && xd > -1.0 && xd < 4294967296.0 {
                Want::Int(trunc32(x) as f64 as i64 as u32)
            } else {
                Want::Any
            }
        }
        Un::SToF => Want::F((xb as i32 as f64) as f32),
        Un::UToF => Want::F((xb as f64) as f32),
        Un::BoolToF => Want::F([0.0, 1.0][xb as usize]),
        Un::ToBool => fbool(xb != 0),
        // bool(f): f != 0.0, unordered (NaN is true).
        Un::FToBool => fbool(!(xd == 0.0)),
        Un::PackHalf2x16Lo => match half_bits(x) {
            Some(h) => Want::Int(h as u32),
            None => Want::HalfNan,
        },
        Un::UnpackHalfLo => Want::F(half_value(xb as u16)),
        Un::UnpackHalfHi => Want::F(half_value((xb >> 16) as u16)),
    }
}

fn bin_ref(op: Bin, ab: u32, bb: u32) -> Want {
    let (a, b) = (fl(ab), fl(bb));
    let (ad, bd) = (a as f64, b as f64);
    let any_nan = a.is_nan() || b.is_nan();
    let (sa, sb) = (ab as i32, bb as i32);
    match op {
        Bin::FAdd => Want::F(add32(a, b)),
        Bin::FSub => Want::F(sub32(a, b)),
        Bin::FMul => Want::F(mul32(a, b)),
        Bin::FDiv => Want::F(div32(a, b)),
        Bin::FRem => Want::F(sub32(a, mul32(b, trunc32(div32(a, b))))),
        Bin::FMod => Want::F(sub32(a, mul32(b, floor32(div32(a, b))))),
        Bin::FMin | Bin::FMax => {
            if any_nan || (a == 0.0 && b == 0.0) {
                Want::OneOf(vec![a, b])
            } else if (a < b) == (op == Bin::FMin) {
                Want::F(a)
            } else {
                Want::F(b)
            }
        }
        Bin::FPow => {
            // Inherited from exp2(y * log2(x)); undefined for x < 0 and for x = 0, y <= 0.
            if any_nan || !a.is_finite() || !b.is_finite() || a < 0.0 || (a == 0.0 && b <= 0.0) {
                Want::Any
            } else if a == 0.0 {
                Want::FAnyZero(0.0)
            } else {
                let l = ad.log2();
                let z = bd * l;
                let dz = bd.abs() * log_tol(ad, l) + 0.5 * ulp(z);
                let (lo, hi) = ((z - dz).exp2(), (z + dz).exp2());
                let n = 3.0 + 2.0 * (z.abs() + dz);
                let hi = hi + n * ulp(hi);
                let hi = if hi > f32::MAX as f64 {
                    f64::INFINITY
                } else {
                    hi
                };
                Want::Range(lo - n * ulp(lo), hi)
            }
        }
        Bin::FAtan2 => {
            if any_nan {
                Want::F(f32::NAN)
            } else if (a == 0.0 && b == 0.0) || a.is_infinite() || b.is_infinite() {
                Want::Any
            } else {
                ulps(ad.atan2(bd), 4096.0)
            }
        }
        // step(edge = a, x = b)
        Bin::FStep => {
            if any_nan {
                Want::OneOf(vec![0.0, 1.0])
            } else {
                Want::F(if bd < ad { 0.0 } else { 1.0 })
            }
        }
        Bin::FLdexp => {
            let e = (sb as i64).clamp(-1000, 1000) as i32;
            Want::F((ad * pow2(e)) as f32)
        }
        Bin::FEq => fbool(ad == bd),
        Bin::FNe => fbool(!(ad == bd)),
        Bin::FLt => fbool(ad < bd),
        Bin::FLe => fbool(ad <= bd),
        Bin::FGt => fbool(ad > bd),
        Bin::FGe => fbool(ad >= bd),
        Bin::IAdd => Want::Int((ab as u64 + bb as u64) as u32),
        Bin::ISub => Want::Int((ab as u64 + (1u64 << 32) - bb as u64) as u32),
        Bin::IMul => Want::Int((ab as u64 * bb as u64) as u32),
        Bin::UDiv => match bb {
            0 => Want::Any,
            _ => Want::Int(ab / bb),
        },
        Bin::URem => match bb {
            0 => Want::Any,
            _ => Want::Int(ab % bb),
        },
        Bin::SDiv | Bin::SRem => {
            if sb == 0 || (sa == i32::MIN && sb == -1) {
                Want::Any
            } else {
                // Truncating division; the remainder takes the dividend's sign.
                let (n, d) = (sa as i64, sb as i64);
                let q = (n.abs() / d.abs()) * if (n < 0) != (d < 0) { -1 } else { 1 };
                Want::Int(if op == Bin::SDiv { q } else { n - q * d } as u32)
            }
        }
        Bin::And => Want::Int((0..32).map(|i| (bit(ab, i) & bit(bb, i)) << i).sum()),
        Bin::Or => Want::Int((0..32).map(|i| (bit(ab, i) | bit(bb, i)) << i).sum()),
        Bin::Xor => Want::Int((0..32).map(|i| (bit(ab, i) ^ bit(bb, i)) << i).sum()),
        Bin::Shl | Bin::ShrU | Bin::ShrS => {
            if bb >= 32 {
                Want::Any
            } else {
                let v = match op {
                    Bin::Shl => (ab as u64) << bb,
                    Bin::ShrU => (ab as u64) >> bb,
                    _ => ((sa as i64) >> bb) as u64,
                };
                Want::Int(v as u32)
            }
        }
        Bin::UMin => Want::Int(if ab < bb { ab } else { bb }),
        Bin::UMax => Want::Int(if ab > bb { ab } else { bb }),
        Bin::SMin => Want::Int(if sa < sb { ab } else { bb }),
        Bin::SMax => Want::Int(if sa > sb { ab } else { bb }),
        Bin::IEq => fbool(ab == bb),
        Bin::INe => fbool(ab != bb),
        Bin::ULt => fbool(ab < bb),
        Bin::ULe => fbool(ab <= bb),
        Bin::UGt => fbool(ab > bb),
        Bin::UGe => fbool(ab >= bb),
        Bin::SLt => fbool(sa < sb),
        Bin::SLe => fbool(sa <= sb),
        Bin::SGt => fbool(sa > sb),
        Bin::SGe => fbool(sa >= sb),
        Bin::Pack16 => Want::Int((ab % 65536) + (bb % 65536) * 65536),
    }
}

/// Bits `offset .. offset + count` of `x`, or `None` when the range leaves the word (undefined).
fn field(x: u32, offset: u32, count: u32) -> Option<u32> {
    (offset as u64 + count as u64 <= 32).then(|| (0..count).map(|i| bit(x, offset + i) << i).sum())
}

fn tern_ref(op: Tern, ab: u32, bb: u32, cb: u32) -> Want {
    let (a, b, c) = (fl(ab), fl(bb), fl(cb));
    let any_nan = a.is_nan() || b.is_nan() || c.is_nan();
    match op {
        // GLSL fma: fused, or a multiply then an add.
        Tern::FFma => Want::OneOf(vec![fma32(a, b, c), add32(mul32(a, b), c)]),
        Tern::FMulAdd => Want::F(add32(mul32(a, b), c)),
        Tern::FMulSub => Want::F(sub32(mul32(a, b), c)),
        Tern::FMix => Want::F(add32(mul32(a, sub32(1.0, c)), mul32(b, c))),
        // clamp(x = a, lo = b, hi = c): undefined for lo > hi.
        Tern::FClamp => {
            if any_nan || b > c {
                Want::Any
            } else if a < b {
                Want::F(b)
            } else if a > c {
                Want::F(c)
            } else {
                Want::FAnyZero(a)
            }
        }
        // smoothstep(edge0 = a, edge1 = b, x = c): undefined for edge0 >= edge1.
        Tern::FSmoothStep => {
            if any_nan || a >= b {
                return Want::Any;
            }
            let t = div32(sub32(c, a), sub32(b, a));
            if t.is_nan() {
                return Want::Any;
            }
            let t = t.clamp(0.0, 1.0);
            Want::F(mul32(mul32(t, t), sub32(3.0, mul32(2.0, t))))
        }
        Tern::UClamp => {
            if bb > cb {
                Want::Any
            } else {
                Want::Int(ab.max(bb).min(cb))
            }
        }
        Tern::SClamp => {
            let (x, lo, hi) = (ab as i32, bb as i32, cb as i32);
            if lo > hi {
                Want::Any
            } else {
                Want::Int(if x < lo {
                    bb
                } else if x > hi {
                    cb
                } else {
                    ab
                })
            }
        }
        Tern::Select => Want::Int(if ab != 0 { bb } else { cb }),
        Tern::ExtractBitsU => field(ab, bb, cb).map_or(Want::Any, Want::Int),
        Tern::ExtractBitsS => match field(ab, bb, cb) {
            None => Want::Any,
            Some(_) if cb == 0 => Want::Int(0),
            Some(v) => {
                // Sign-extend from bit count - 1.
                let sign = bit(v, cb - 1);
                Want::Int(v | if sign == 1 { u32::MAX << (cb - 1) } else { 0 })
            }
        },
    }
}

fn insert_ref(base: u32, insert: u32, offset: u32, count: u32) -> Want {
    if offset as u64 + count as u64 > 32 {
        return Want::Any;
    }
    Want::Int(
        (0..32)
            .map(|i| {
                let from_insert = i >= offset && i < offset + count;
                (if from_insert {
                    bit(insert, i - offset)
                } else {
                    bit(base, i)
                }) << i
            })
            .sum(),
    )
}

// ---------------------------------------------------------------------------------------------
// The ops and the harness.

const ALL_UN: [Un; 54] = [
    Un::Mov,
    Un::FNeg,
    Un::FAbs,
    Un::FSign,
    Un::FFloor,
    Un::FCeil,
    Un::FRoundEven,
    Un::FTrunc,
    Un::FFract,
    Un::FSqrt,
    Un::FInvSqrt,
    Un::FSin,
    Un::FCos,
    Un::FTan,
    Un::FAsin,
    Un::FAcos,
    Un::FAtan,
    Un::FSinh,
    Un::FCosh,
    Un::FTanh,
    Un::FAsinh,
    Un::FAcosh,
    Un::FAtanh,
    Un::FExp,
    Un::FExp2,
    Un::FLog,
    Un::FLog2,
    Un::FRadians,
    Un::FDegrees,
    Un::FQuantize16,
    Un::FFrexpMant,
    Un::FFrexpExp,
    Un::INeg,
    Un::IAbs,
    Un::ISign,
    Un::Not,
    Un::LNot,
    Un::CountOnes,
    Un::ReverseBits,
    Un::CountLeadingZeros,
    Un::CountTrailingZeros,
    Un::FindMsbU,
    Un::FindMsbS,
    Un::FindLsb,
    Un::FToS,
    Un::FToU,
    Un::SToF,
    Un::UToF,
    Un::BoolToF,
    Un::ToBool,
    Un::FToBool,
    Un::PackHalf2x16Lo,
    Un::UnpackHalfLo,
    Un::UnpackHalfHi,
];

const ALL_BIN: [Bin; 46] = [
    Bin::FAdd,
    Bin::FSub,
    Bin::FMul,
    Bin::FDiv,
    Bin::FRem,
    Bin::FMod,
    Bin::FMin,
    Bin::FMax,
    Bin::FPow,
    Bin::FAtan2,
    Bin::FStep,
    Bin::FLdexp,
    Bin::FEq,
    Bin::FNe,
    Bin::FLt,
    Bin::FLe,
    Bin::FGt,
    Bin::FGe,
    Bin::IAdd,
    Bin::ISub,
    Bin::IMul,
    Bin::UDiv,
    Bin::SDiv,
    Bin::URem,
    Bin::SRem,
    Bin::And,
    Bin::Or,
    Bin::Xor,
    Bin::Shl,
    Bin::ShrU,
    Bin::ShrS,
    Bin::UMin,
    Bin::UMax,
    Bin::SMin,
    Bin::SMax,
    Bin::IEq,
    Bin::INe,
    Bin::ULt,
    Bin::ULe,
    Bin::UGt,
    Bin::UGe,
    Bin::SLt,
    Bin::SLe,
    Bin::SGt,
    Bin::SGe,
    Bin::Pack16,
];

const ALL_TERN: [Tern; 11] = [
    Tern::FFma,
    Tern::FMulAdd,
    Tern::FMulSub,
    Tern::FMix,
    Tern::FClamp,
    Tern::FSmoothStep,
    Tern::UClamp,
    Tern::SClamp,
    Tern::Select,
    Tern::ExtractBitsU,
    Tern::ExtractBitsS,
];

/// Runs `make` over every lane of `gen`, checks each against `reference`, and returns the
/// failures (as text), with the largest share of an error bound used in `worst`.
fn check(
    name: &str,
    arity: usize,
    gen: Gen,
    seed: u64,
    make: impl Fn(Reg, [Reg; 4]) -> Inst,
    reference: impl Fn(&[u32]) -> Want,
) -> (Vec<String>, f64) {
    let all = lanes(gen, arity, seed);
    let mut failures = Vec::new();
    let mut worst = 0f64;
    let mut failed = 0usize;
    for chunk in all.chunks(W) {
        let mut regs = [[0u32; W]; 4];
        for (i, l) in chunk.iter().enumerate() {
            for k in 0..4 {
                regs[k][i] = l[k];
            }
        }
        let got = run_op(&make, &regs);
        for (i, _) in chunk.iter().enumerate() {
            let ops: Vec<u32> = (0..arity).map(|k| regs[k][i]).collect();
            let want = reference(&ops);
            if !want.accepts(got[i]) {
                failed += 1;
                if failures.len() < 8 {
                    let show: Vec<String> = ops
                        .iter()
                        .map(|&v| format!("{v:#010x} ({:e})", fl(v)))
                        .collect();
                    failures.push(format!(
                        "{name}({}) = {:#010x} ({:e}), want {want:?}",
                        show.join(", "),
                        got[i],
                        fl(got[i])
                    ));
                }
            } else if let Some(u) = want.used(got[i]) {
                if u > worst && std::env::var_os("PUMICE_SHOW_WORST").is_some() {
                    println!("{name}{ops:x?} = {:e}: {want:?}", fl(got[i]));
                }
                worst = worst.max(u);
            }
        }
    }
    if failed > failures.len() {
        failures.push(format!("{name}: {failed} lanes failed in all"));
    }
    (failures, worst)
}

fn report(results: Vec<(String, (Vec<String>, f64))>) {
    let mut all = Vec::new();
    for (name, (failures, worst)) in results {
        if worst > 0.0 {
            println!("{name}: used {:.1}% of its error bound", worst * 100.0);
        }
        all.extend(failures);
    }
    assert!(
        all.is_empty(),
        "{} mismatches:\n{}",
        all.len(),
        all.join("\n")
    );
}

fn un_gen(op: Un) -> Gen {
    match op {
        Un::LNot | Un::BoolToF => Gen::Bool,
        _ => Gen::Any,
    }
}

fn bin_gen(op: Bin) -> Gen {
    match op {
        Bin::Shl | Bin::ShrU | Bin::ShrS => Gen::Shift,
        _ => Gen::Any,
    }
}

fn tern_gen(op: Tern) -> Gen {
    match op {
        Tern::ExtractBitsU | Tern::ExtractBitsS => Gen::Bits,
        _ => Gen::Any,
    }
}

#[test]
fn every_op_is_listed() {
    use std::collections::HashSet;
    assert_eq!(ALL_UN.iter().collect::<HashSet<_>>().len(), ALL_UN.len());
    assert_eq!(ALL_BIN.iter().collect::<HashSet<_>>().len(), ALL_BIN.len());
    assert_eq!(
        ALL_TERN.iter().collect::<HashSet<_>>().len(),
        ALL_TERN.len()
    );
}

#[test]
fn unary_ops_match_the_reference() {
    let results = ALL_UN
        .iter()
        .enumerate()
        .map(|(k, &op)| {
            let name = format!("{op:?}");
            let r = check(
                &name,
                1,
                un_gen(op),
                k as u64 + 1,
                |dst, [a, ..]| Inst::Un { op, dst, a },
                |v| un_ref(op, v[0]),
            );
            (name, r)
        })
        .collect();
    report(results);
}

#[test]
fn binary_ops_match_the_reference() {
    let results = ALL_BIN
        .iter()
        .enumerate()
        .map(|(k, &op)| {
            let name = format!("{op:?}");
            let r = check(
                &name,
                2,
                bin_gen(op),
                k as u64 + 100,
                |dst, [a, b, ..]| Inst::Bin { op, dst, a, b },
                |v| bin_ref(op, v[0], v[1]),
            );
            (name, r)
        })
        .collect();
    report(results);
}

#[test]
fn ternary_ops_match_the_reference() {
    let results = ALL_TERN
        .iter()
        .enumerate()
        .map(|(k, &op)| {
            let name = format!("{op:?}");
            let r = check(
                &name,
                3,
                tern_gen(op),
                k as u64 + 200,
                |dst, [a, b, c, _]| Inst::Tern { op, dst, a, b, c },
                |v| tern_ref(op, v[0], v[1], v[2]),
            );
            (name, r)
        })
        .collect();
    report(results);
}

#[test]
fn insert_bits_matches_the_reference() {
    let r = check(
        "InsertBits",
        4,
        Gen::Insert,
        300,
        |dst, [base, insert, offset, count]| Inst::InsertBits {
            dst,
            base,
            insert,
            offset,
            count,
        },
        |v| insert_ref(v[0], v[1], v[2], v[3]),
    );
    report(vec![("InsertBits".into(), r)]);
}

/// The references themselves, on values worked out by hand.
#[test]
fn references_are_right() {
    assert_eq!(trunc32(-2.5), -2.0);
    assert_eq!(floor32(-2.5), -3.0);
    assert_eq!(ceil32(-2.5).to_bits(), (-2.0f32).to_bits());
    assert_eq!(ceil32(-0.5).to_bits(), (-0.0f32).to_bits());
    assert_eq!(round_even32(2.5), 2.0);
    assert_eq!(round_even32(3.5), 4.0);
    assert_eq!(round_even32(-0.5).to_bits(), (-0.0f32).to_bits());
    assert_eq!(half_bits(1.0), Some(0x3c00));
    assert_eq!(half_bits(65504.0), Some(0x7bff));
    assert_eq!(half_bits(65519.0), Some(0x7bff));
    assert_eq!(half_bits(65520.0), Some(0x7c00));
    assert_eq!(half_bits(5.9604645e-8), Some(1));
    assert_eq!(half_bits(2.9802322e-8), Some(0)); // a tie, to even
    assert_eq!(half_bits(-2.0), Some(0xc000));
    assert_eq!(half_value(0x3555), 0.33325195);
    // 1 + 2^-23 squared minus 1: the fused result keeps the 2^-46.
    let a = 1.0 + f32::EPSILON;
    assert_eq!(
        fma32(a, a, -1.0),
        2.0 * f32::EPSILON + f32::EPSILON * f32::EPSILON
    );
    assert_eq!(add32(mul32(a, a), -1.0), 2.0 * f32::EPSILON);
}

// ---------------------------------------------------------------------------------------------
// 64-bit operations: end-to-end differential tests over GLSL are in `tests/wide.rs`; here, the
// register plumbing (each word of the result, sources overwritten in place) and the edge
// cases the GLSL tests cannot reach (undefined in GLSL, defined here).

fn run_wide(op: crate::ir::Wide, x: u64, y: u64, dst: Reg) -> u64 {
    let split = |v: u64| [[v as u32; W], [(v >> 32) as u32; W]];
    let [x0, x1] = split(x);
    let [y0, y1] = split(y);
    let inputs = [x0, x1, y0, y1];
    let word = |hi: bool| {
        run_inst(
            Inst::Wide {
                op,
                hi,
                dst,
                a: [0, 1],
                b: [2, 3],
            },
            &inputs,
            dst,
        )[W - 1] as u64
    };
    word(false) | word(true) << 32
}

#[test]
fn wide_ops_edge_cases_and_in_place() {
    use crate::ir::Wide as O;
    let d = |v: f64| v.to_bits();
    let min = i64::MIN as u64;
    let cases: &[(O, u64, u64, u64)] = &[
        (O::SDiv, min, u64::MAX, min),
        (O::SRem, min, u64::MAX, 0),
        (O::UDiv, 5, 0, 0),
        (O::Shl, 1, 64, 1),
        (O::Shl, 1, 63, 1 << 63),
        (O::ShrS, min, 63, u64::MAX),
        (O::ShrU, min, 63, 1),
        (O::IMul, 0xffff_ffff, 0xffff_ffff, 0xffff_fffe_0000_0001),
        (O::IAdd, 0xffff_ffff, 1, 1 << 32),
        (O::ISub, 0, 1, u64::MAX),
        (O::SLt, min, 0, 1),
        (O::ULt, min, 0, 0),
        (O::IAbs, min, 0, min),
        (O::ISign, min, 0, u64::MAX),
        (O::FToS, d(f64::NAN), 0, 0),
        (O::FToS, d(1e300), 0, i64::MAX as u64),
        (O::FToU, d(-1.0), 0, 0),
        (O::UToF, u64::MAX, 0, d(18446744073709551616.0)),
        (
            O::SToF32,
            (1 << 53) + 1,
            0,
            (9007199254740992.0f32).to_bits() as u64,
        ),
        (O::F32ToF, 1.5f32.to_bits() as u64, 0, d(1.5)),
        (O::FToF32, d(1.0 + f64::EPSILON), 0, 1.0f32.to_bits() as u64),
        (O::S32ToF, 0xffff_ffff, 0, d(-1.0)),
        (O::U32ToF, 0xffff_ffff, 0, d(4294967295.0)),
        (O::FLdexp, d(5e-324), 2148, d(f64::INFINITY)),
        (O::FLdexp, d(5e-324), 1074, d(1.0)),
        (O::FLdexp, d(1.0), (-1075i32) as u32 as u64, 0),
        (O::FLdexp, d(1.5), (-1075i32) as u32 as u64, 1),
        (O::FLdexp, d(f64::MAX), (-2098i32) as u32 as u64, 1),
        (O::FFrexpMant, d(5e-324), 0, d(0.5)),
        (O::FFrexpExp, d(5e-324), 0, (-1073i32) as u32 as u64),
        (O::FFrexpExp, d(f64::MAX), 0, 1024),
        (O::FSqrt, d(2.0), 0, d(2f64.sqrt())),
        (O::FDiv, d(1.0), d(3.0), d(1.0 / 3.0)),
        (O::FNeg, d(0.0), 0, d(-0.0)),
        (O::FMin, d(-0.0), d(0.0), d(-0.0)),
        (O::FRem, d(-7.5), d(2.0), d(-1.5)),
        (O::FMod, d(-7.5), d(2.0), d(0.5)),
    ];
    for &(op, x, y, want) in cases {
        let got = run_wide(op, x, y, 4);
        assert_eq!(got, want, "{op:?} {x:#x} {y:#x}: {got:#x}");
        // Each word written over the first source register (read before written).
        let lo = run_wide(op, x, y, 0) as u32;
        assert_eq!(lo, want as u32, "{op:?} in place");
    }
}

/// The uniform path (one lane computed, broadcast) of every arithmetic op gives what running
/// every lane gives, bit for bit, on special and random operands. NaN payloads are not
/// compared: Vulkan leaves them unspecified, and even the lane loop does not keep them
/// (vectorised lanes may commute an addition's operands, so `NaN₁ + NaN₂` differs by lane).
#[test]
fn uniform_ops_match_lane_ops() {
    let same = |a: &[u32; W], b: &[u32; W]| {
        a.iter()
            .zip(b)
            .all(|(&x, &y)| x == y || (fl(x).is_nan() && fl(y).is_nan()))
    };
    let mut values: Vec<u32> = FLOAT_SPECIALS.iter().map(|f| f.to_bits()).collect();
    values.extend_from_slice(INT_SPECIALS);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..16 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        values.push(x as u32);
    }
    let n = values.len();
    for t in 0..n * 3 {
        let ops = [
            values[t % n],
            values[(t / n + t) % n],
            values[(t * 7 + 3) % n],
        ];
        let mut regs = vec![[0u32; W]; 4];
        for k in 0..3 {
            regs[k] = [ops[k]; W];
        }
        let mut lane = regs.clone();
        for &op in &ALL_UN {
            super::arith::un(&mut lane, op, 3, 0);
            super::arith::un_uniform(&mut regs, op, 3, 0);
            assert!(same(&regs[3], &lane[3]), "{op:?}({ops:x?})");
        }
        for &op in &ALL_BIN {
            super::arith::bin(&mut lane, op, 3, 0, 1);
            super::arith::bin_uniform(&mut regs, op, 3, 0, 1);
            assert!(same(&regs[3], &lane[3]), "{op:?}({ops:x?})");
        }
        for &op in &ALL_TERN {
            super::arith::tern(&mut lane, op, 3, 0, 1, 2);
            super::arith::tern_uniform(&mut regs, op, 3, 0, 1, 2);
            assert!(same(&regs[3], &lane[3]), "{op:?}({ops:x?})");
        }
    }
}

/// The statically varying forms (`Inst::UnV`, `Inst::BinV` and friends, made by `opt::mark_varying`) give
/// what the checked forms give, alone and as variable updates with every lane and with some
/// lanes active, in place and not.
#[test]
fn varying_forms_match_checked_forms() {
    let mut rng = Rng(0x5eed_0f_da7a);
    let inputs: Vec<[u32; W]> = (0..4)
        .map(|_| std::array::from_fn(|_| any_value(&mut rng)))
        .collect();
    let same = |a: &[u32; W], b: &[u32; W], what: &str| {
        for lane in 0..W {
            let (x, y) = (a[lane], b[lane]);
            assert!(
                x == y || (fl(x).is_nan() && fl(y).is_nan()),
                "{what}: lane {lane}: {x:#x} vs {y:#x}"
            );
        }
    };
    let check = |checked: Inst, varying: Inst, out: Reg, what: String| {
        for active in [W, W / 2 + 3] {
            let want = run_inst_on(checked, &inputs, out, active);
            let got = run_inst_on(varying, &inputs, out, active);
            same(&want, &got, &format!("{what}, {active} lanes"));
        }
    };
    for &op in &ALL_UN {
        for dst in [4, 0] {
            check(
                Inst::Un { op, dst, a: 0 },
                Inst::UnV { op, dst, a: 0 },
                dst,
                format!("{op:?} into r{dst}"),
            );
        }
    }
    for &op in &ALL_BIN {
        for (dst, tmp) in [(4, 5), (0, 5)] {
            let (a, b) = (0, 1);
            check(
                Inst::Bin { op, dst, a, b },
                Inst::BinV { op, dst, a, b },
                dst,
                format!("{op:?} into r{dst}"),
            );
            check(
                Inst::BinMasked { op, dst, tmp, a, b },
                Inst::BinMaskedV { op, dst, tmp, a, b },
                dst,
                format!("masked {op:?} into r{dst}"),
            );
        }
    }
    for &op in &ALL_TERN {
        for (dst, tmp) in [(4, 5), (2, 5)] {
            let (a, b, c) = (0, 1, 2);
            check(
                Inst::Tern { op, dst, a, b, c },
                Inst::TernV { op, dst, a, b, c },
                dst,
                format!("{op:?} into r{dst}"),
            );
            check(
                Inst::TernMasked {
                    op,
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                },
                Inst::TernMaskedV {
                    op,
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                },
                dst,
                format!("masked {op:?} into r{dst}"),
            );
        }
    }
}

/// The hot float forms (`Inst::FAddV` ..., made by `opt::specialize_float_ops`) give what
/// their general forms give, bit for bit, with every lane and with some lanes active, into a
/// fresh register and into one of the operands; and `Inst::general` and `Inst::specialized`
/// undo each other.
#[test]
fn hot_forms_match_their_general_forms() {
    use crate::ir::Quad;
    let mut rng = Rng(0x5bec_1a11);
    let inputs: Vec<[u32; W]> = (0..4)
        .map(|_| std::array::from_fn(|_| any_value(&mut rng)))
        .collect();
    let tmp = 6;
    let mut seen = 0;
    for dst in [4, 0, 3] {
        let (a, b, c, d) = (0, 1, 2, 3);
        let mut general = Vec::new();
        for op in [Bin::FAdd, Bin::FSub, Bin::FMul] {
            general.push(Inst::BinV { op, dst, a, b });
            general.push(Inst::BinMaskedV { op, dst, tmp, a, b });
        }
        for op in [Tern::FMulAdd, Tern::FMulSub] {
            general.push(Inst::TernV { op, dst, a, b, c });
            general.push(Inst::TernMaskedV {
                op,
                dst,
                tmp,
                a,
                b,
                c,
            });
        }
        for op in [
            Quad::MulAddMul,
            Quad::MulSubMul,
            Quad::MulMulAdd,
            Quad::MulMulSub,
        ] {
            general.push(Inst::QuadV {
                op,
                dst,
                a,
                b,
                c,
                d,
            });
            general.push(Inst::QuadMaskedV {
                op,
                dst,
                tmp,
                a,
                b,
                c,
                d,
            });
        }
        for inst in general {
            let hot = inst.specialized().expect("a hot form");
            assert_ne!(hot, inst);
            assert_eq!(hot.general(), Some(inst));
            assert!(hot.is_hot() && !inst.is_hot());
            assert_eq!(hot.specialized(), None, "{hot:?}");
            for active in [W, W / 2 + 3] {
                let want = run_inst_on(inst, &inputs, dst, active);
                let got = run_inst_on(hot, &inputs, dst, active);
                assert_eq!(want, got, "{hot:?}, {active} lanes");
            }
            seen += 1;
        }
    }
    // Every hot form, three destinations each.
    assert_eq!(seen, 18 * 3);
}

/// The fused float forms (`Inst::QuadV`, `Inst::QuadMaskedV`, made by `opt::fuse_products`)
/// give what the product and the instruction reading it give, with every lane and with some
/// lanes active, into a fresh register and into one of the operands.
#[test]
fn quad_forms_match_their_two_instructions() {
    use crate::ir::Quad;
    let mut rng = Rng(0x0f0e_a11d);
    let inputs: Vec<[u32; W]> = (0..4)
        .map(|_| std::array::from_fn(|_| any_value(&mut rng)))
        .collect();
    let (a, b, c, d, t, tmp) = (0, 1, 2, 3, 5, 6);
    for op in [
        Quad::MulAddMul,
        Quad::MulSubMul,
        Quad::MulMulAdd,
        Quad::MulMulSub,
    ] {
        let tern = match op {
            Quad::MulAddMul | Quad::MulMulAdd => Tern::FMulAdd,
            Quad::MulSubMul | Quad::MulMulSub => Tern::FMulSub,
        };
        // The two instructions: the product into `t`, then `tern` reading it.
        let (product, (x, y, z)) = match op {
            Quad::MulAddMul | Quad::MulSubMul => ((c, d), (a, b, t)),
            Quad::MulMulAdd | Quad::MulMulSub => ((a, b), (t, c, d)),
        };
        let fmul = Inst::Bin {
            op: Bin::FMul,
            dst: t,
            a: product.0,
            b: product.1,
        };
        for dst in [4, a, d] {
            for active in [W, W / 2 + 3] {
                let same = |want: [u32; W], got: [u32; W], what: &str| {
                    for lane in 0..W {
                        let (p, q) = (want[lane], got[lane]);
                        assert!(
                            p == q || (fl(p).is_nan() && fl(q).is_nan()),
                            "{op:?} {what} into r{dst}, {active} lanes: lane {lane}: {p:#x} vs {q:#x}"
                        );
                    }
                };
                let plain = Inst::Tern {
                    op: tern,
                    dst,
                    a: x,
                    b: y,
                    c: z,
                };
                let want = run_code_on(vec![fmul, plain], &inputs, dst, active);
                let got = run_inst_on(
                    Inst::QuadV {
                        op,
                        dst,
                        a,
                        b,
                        c,
                        d,
                    },
                    &inputs,
                    dst,
                    active,
                );
                same(want, got, "");
                let update = masked(plain, dst, tmp);
                let want = run_code_on(vec![fmul, update], &inputs, dst, active);
                let fused = Inst::QuadMaskedV {
                    op,
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                };
                same(want, run_inst_on(fused, &inputs, dst, active), "masked");
            }
        }
    }
}

/// The pairs of updates (`Inst::QuadPairV`, made by `opt::pair_quad_updates`) and their hot
/// form give what the three instructions they replace give (`t = quad(a); w = quad2(b);
/// x = t + e`, plain or as variable updates), with every lane and with some lanes active,
/// with the results in registers the other operation reads.
#[test]
fn quad_pairs_match_their_three_instructions() {
    use crate::ir::Quad;
    let mut rng = Rng(0x9a12_c0de);
    let inputs: Vec<[u32; W]> = (0..5)
        .map(|_| std::array::from_fn(|_| any_value(&mut rng)))
        .collect();
    let quads = [
        Quad::MulAddMul,
        Quad::MulSubMul,
        Quad::MulMulAdd,
        Quad::MulMulSub,
    ];
    // Sources r0..r3 and the added term r4; `t` r5; the `tmp`s r6, r7.
    let (e, t, x_tmp, w_tmp) = (4, 5, 6, 7);
    let (a, b) = ([0, 1, 2, 3], [1, 0, 3, 0]);
    let mut hot = 0;
    for op in quads {
        for second_op in quads {
            for (x, w) in [(0, 1), (1, 0), (3, 2), (4, 2)] {
                for masked in 0..4u8 {
                    if w == e {
                        // The sum reads `e`: a second result there is not a pair.
                        continue;
                    }
                    let first = Inst::QuadV {
                        op,
                        dst: t,
                        a: a[0],
                        b: a[1],
                        c: a[2],
                        d: a[3],
                    };
                    let second = if masked & 2 != 0 {
                        Inst::QuadMaskedV {
                            op: second_op,
                            dst: w,
                            tmp: w_tmp,
                            a: b[0],
                            b: b[1],
                            c: b[2],
                            d: b[3],
                        }
                    } else {
                        Inst::QuadV {
                            op: second_op,
                            dst: w,
                            a: b[0],
                            b: b[1],
                            c: b[2],
                            d: b[3],
                        }
                    };
                    let sum = if masked & 1 != 0 {
                        Inst::BinMaskedV {
                            op: Bin::FAdd,
                            dst: x,
                            tmp: x_tmp,
                            a: t,
                            b: e,
                        }
                    } else {
                        Inst::BinV {
                            op: Bin::FAdd,
                            dst: x,
                            a: t,
                            b: e,
                        }
                    };
                    let small = |r: Reg| r as u16;
                    let pair = Inst::QuadPairV {
                        op,
                        second_op,
                        masked,
                        first: small(x),
                        second: small(w),
                        a: [a[0], a[1], a[2], a[3], e].map(small),
                        b: b.map(small),
                    };
                    let mut forms = vec![pair];
                    if let Some(h) = pair.specialized() {
                        assert!(h.is_hot() && h.general() == Some(pair), "{h:?}");
                        forms.push(h);
                        hot += 1;
                    }
                    for form in forms {
                        for active in [W, W / 2 + 3] {
                            for out in [x, w] {
                                let want =
                                    run_code_on(vec![first, second, sum], &inputs, out, active);
                                let got = run_inst_on(form, &inputs, out, active);
                                for lane in 0..W {
                                    let (p, q) = (want[lane], got[lane]);
                                    // Which NaN's payload a NaN result carries is
                                    // the compiler's choice (as for the `Quad` forms).
                                    assert!(
                                        p == q || (fl(p).is_nan() && fl(q).is_nan()),
                                        "{form:?}, {active} lanes, r{out} lane {lane}: \
                                         {p:#x} vs {q:#x}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // One hot combination, every mask and destination.
    assert_eq!(hot, 4 * 4);
}
