//! Lowering of 64-bit integers and doubles.
//!
//! A 64-bit scalar is two registers in flat order, low word first, and two little-endian words
//! in memory (see `types::words`), so loads, stores, composites, swizzles, dynamic indexing,
//! bitcasts to and from 32-bit vectors (`uvec2` ↔ `uint64_t`: the same two words) and bitwise
//! operations need nothing new. Arithmetic, comparisons and conversions become
//! [`Inst::Wide`]s, one per result word.
//!
//! Choices:
//! - One instruction per result word, each naming both registers of each operand pair
//!   explicitly, instead of one instruction writing a consecutive pair. Every instruction still
//!   writes one register and names every register it reads, so copy propagation, CSE and
//!   hoisting stay correct without knowing about pairs (a pass that renamed the low register of
//!   an implicit pair would silently break its high one). The price is that a 64-bit result is
//!   computed twice; 64-bit arithmetic is rare in shaders, and 32-bit code pays nothing.
//! - Bitwise operations and selects run per word on the 32-bit instructions; sign extension is a
//!   32-bit arithmetic shift; truncation takes the low register.
//! - Composite functions (dot, length, cross, determinant, …) are built from the 64-bit
//!   operations, like their 32-bit versions.

use naga::{BinaryOperator as BO, MathFunction as MF, ScalarKind, TypeInner, UnaryOperator};

use super::types::{is_wide, scalar_of, vector_len};
use super::{unsupported, Lowering, Regs};
use crate::compute::CompileError;
use crate::ir::{Bin, Inst, Reg, Tern, Un, Wide};

/// A 64-bit value's registers: low word, high word.
pub type Pair = [Reg; 2];

/// The components of a value: pairs for 64-bit types, and for 32-bit ones the register named
/// twice (how a 64-bit instruction reads a 32-bit operand).
pub fn components(inner: &TypeInner, regs: &[Reg]) -> Vec<Pair> {
    if is_wide(inner) {
        regs.chunks_exact(2).map(|c| [c[0], c[1]]).collect()
    } else {
        regs.iter().map(|&r| [r, r]).collect()
    }
}

fn flatten(v: &[Pair]) -> Regs {
    v.iter().flat_map(|p| *p).collect()
}

fn at<T: Copy>(v: &[T], i: usize) -> T {
    v[i.min(v.len() - 1)]
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Sint,
    Uint,
}

fn kind_of(inner: &TypeInner) -> Result<Kind, CompileError> {
    match scalar_of(inner).map(|s| s.kind) {
        Some(ScalarKind::Float) => Ok(Kind::Float),
        Some(ScalarKind::Sint) => Ok(Kind::Sint),
        Some(ScalarKind::Uint) => Ok(Kind::Uint),
        _ => unsupported(format!("64-bit arithmetic on {inner:?}")),
    }
}

impl<'m> Lowering<'m> {
    /// Word `hi` of `op(a, b)`.
    fn wide_word(&mut self, op: Wide, hi: bool, a: Pair, b: Pair) -> Reg {
        let dst = self.reg();
        self.emit(Inst::Wide { op, hi, dst, a, b });
        dst
    }

    /// A 64-bit result.
    pub(crate) fn w(&mut self, op: Wide, a: Pair, b: Pair) -> Pair {
        [
            self.wide_word(op, false, a, b),
            self.wide_word(op, true, a, b),
        ]
    }

    /// A 32-bit result (comparisons, conversions to 32-bit types).
    pub(crate) fn w32(&mut self, op: Wide, a: Pair, b: Pair) -> Reg {
        self.wide_word(op, false, a, b)
    }

    fn w1(&mut self, op: Wide, a: Pair) -> Pair {
        self.w(op, a, a)
    }

    fn dconst(&mut self, v: f64) -> Pair {
        let bits = v.to_bits();
        [
            self.constant(bits as u32),
            self.constant((bits >> 32) as u32),
        ]
    }

    fn map_w(&mut self, op: Wide, a: &[Pair], b: &[Pair]) -> Vec<Pair> {
        let n = a.len().max(b.len());
        (0..n).map(|i| self.w(op, at(a, i), at(b, i))).collect()
    }

    fn map_w32(&mut self, op: Wide, a: &[Pair], b: &[Pair]) -> Regs {
        let n = a.len().max(b.len());
        (0..n).map(|i| self.w32(op, at(a, i), at(b, i))).collect()
    }

    fn map_w1(&mut self, op: Wide, a: &[Pair]) -> Vec<Pair> {
        a.iter().map(|&x| self.w1(op, x)).collect()
    }

    /// A 32-bit operation on each word.
    fn per_word(&mut self, op: Bin, a: &[Pair], b: &[Pair]) -> Vec<Pair> {
        let n = a.len().max(b.len());
        (0..n)
            .map(|i| {
                let (x, y) = (at(a, i), at(b, i));
                [0, 1].map(|k| {
                    let dst = self.reg();
                    self.emit(Inst::Bin {
                        op,
                        dst,
                        a: x[k],
                        b: y[k],
                    });
                    dst
                })
            })
            .collect()
    }

    /// `cond ? a : b` per component (a scalar condition selects whole vectors).
    fn select_pairs(&mut self, cond: &[Reg], a: &[Pair], b: &[Pair]) -> Vec<Pair> {
        let n = a.len().max(b.len());
        (0..n)
            .map(|i| {
                let (c, x, y) = (at(cond, i), at(a, i), at(b, i));
                [0, 1].map(|k| {
                    let dst = self.reg();
                    self.emit(Inst::Tern {
                        op: Tern::Select,
                        dst,
                        a: c,
                        b: x[k],
                        c: y[k],
                    });
                    dst
                })
            })
            .collect()
    }

    pub(crate) fn select_wide(&mut self, cond: &[Reg], a: &[Reg], b: &[Reg]) -> Regs {
        let pa: Vec<Pair> = a.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        let pb: Vec<Pair> = b.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        flatten(&self.select_pairs(cond, &pa, &pb))
    }

    fn dot_w(&mut self, kind: Kind, a: &[Pair], b: &[Pair]) -> Pair {
        let (mul, add) = if kind == Kind::Float {
            (Wide::FMul, Wide::FAdd)
        } else {
            (Wide::IMul, Wide::IAdd)
        };
        let products = self.map_w(mul, a, b);
        let mut acc = products[0];
        for &t in &products[1..] {
            acc = self.w(add, acc, t);
        }
        acc
    }

    fn length_w(&mut self, v: &[Pair]) -> Pair {
        let d = self.dot_w(Kind::Float, v, v);
        self.w1(Wide::FSqrt, d)
    }

    pub(crate) fn unary_wide(
        &mut self,
        op: UnaryOperator,
        ty: &TypeInner,
        v: &[Reg],
    ) -> Result<Regs, CompileError> {
        let kind = kind_of(ty)?;
        let x = components(ty, v);
        Ok(flatten(&match op {
            UnaryOperator::Negate if kind == Kind::Float => self.map_w1(Wide::FNeg, &x),
            UnaryOperator::Negate => self.map_w1(Wide::INeg, &x),
            UnaryOperator::BitwiseNot => x.iter().map(|p| p.map(|r| self.un(Un::Not, r))).collect(),
            UnaryOperator::LogicalNot => return unsupported("logical not of a 64-bit value"),
        }))
    }

    /// A binary operation with a 64-bit operand (matrix products included).
    pub(crate) fn binary_wide(
        &mut self,
        op: BO,
        lt: &TypeInner,
        rt: &TypeInner,
        a: &[Reg],
        b: &[Reg],
    ) -> Result<Regs, CompileError> {
        let kind = kind_of(lt)?;
        let (x, y) = (components(lt, a), components(rt, b));
        if op == BO::Multiply && kind == Kind::Float {
            match (lt, rt) {
                (TypeInner::Matrix { columns, rows, .. }, TypeInner::Vector { .. }) => {
                    let (c, r) = (vector_len(*columns), vector_len(*rows));
                    let mut out = Vec::new();
                    for i in 0..r {
                        let row: Vec<Pair> = (0..c).map(|k| x[k * r + i]).collect();
                        out.push(self.dot_w(Kind::Float, &row, &y));
                    }
                    return Ok(flatten(&out));
                }
                (TypeInner::Vector { .. }, TypeInner::Matrix { columns, rows, .. }) => {
                    let (c, r) = (vector_len(*columns), vector_len(*rows));
                    let mut out = Vec::new();
                    for k in 0..c {
                        out.push(self.dot_w(Kind::Float, &x, &y[k * r..k * r + r]));
                    }
                    return Ok(flatten(&out));
                }
                (
                    TypeInner::Matrix {
                        columns: kc,
                        rows: ar,
                        ..
                    },
                    TypeInner::Matrix { columns: bc, .. },
                ) => {
                    let (k, r, c) = (vector_len(*kc), vector_len(*ar), vector_len(*bc));
                    let mut out = Vec::new();
                    for col in 0..c {
                        for row in 0..r {
                            let lhs: Vec<Pair> = (0..k).map(|i| x[i * r + row]).collect();
                            out.push(self.dot_w(Kind::Float, &lhs, &y[col * k..col * k + k]));
                        }
                    }
                    return Ok(flatten(&out));
                }
                _ => {}
            }
        }
        let float = kind == Kind::Float;
        let signed = kind == Kind::Sint;
        let pick = |f: Wide, s: Wide, u: Wide| {
            if float {
                f
            } else if signed {
                s
            } else {
                u
            }
        };
        let wide = match op {
            BO::Add => pick(Wide::FAdd, Wide::IAdd, Wide::IAdd),
            BO::Subtract => pick(Wide::FSub, Wide::ISub, Wide::ISub),
            BO::Multiply => pick(Wide::FMul, Wide::IMul, Wide::IMul),
            BO::Divide => pick(Wide::FDiv, Wide::SDiv, Wide::UDiv),
            BO::Modulo => pick(Wide::FRem, Wide::SRem, Wide::URem),
            BO::ShiftLeft => Wide::Shl,
            BO::ShiftRight if signed => Wide::ShrS,
            BO::ShiftRight => Wide::ShrU,
            BO::And | BO::LogicalAnd => return Ok(flatten(&self.per_word(Bin::And, &x, &y))),
            BO::InclusiveOr | BO::LogicalOr => return Ok(flatten(&self.per_word(Bin::Or, &x, &y))),
            BO::ExclusiveOr => return Ok(flatten(&self.per_word(Bin::Xor, &x, &y))),
            BO::Equal
            | BO::NotEqual
            | BO::Less
            | BO::LessEqual
            | BO::Greater
            | BO::GreaterEqual => {
                let cmp = match op {
                    BO::Equal => pick(Wide::FEq, Wide::IEq, Wide::IEq),
                    BO::NotEqual => pick(Wide::FNe, Wide::INe, Wide::INe),
                    BO::Less => pick(Wide::FLt, Wide::SLt, Wide::ULt),
                    BO::LessEqual => pick(Wide::FLe, Wide::SLe, Wide::ULe),
                    BO::Greater => pick(Wide::FGt, Wide::SGt, Wide::UGt),
                    _ => pick(Wide::FGe, Wide::SGe, Wide::UGe),
                };
                return Ok(self.map_w32(cmp, &x, &y));
            }
        };
        Ok(flatten(&self.map_w(wide, &x, &y)))
    }

    /// `As` with a conversion, from or to a 64-bit type.
    pub(crate) fn convert_wide(
        &mut self,
        from: &TypeInner,
        v: &[Reg],
        kind: ScalarKind,
        width: u8,
    ) -> Result<Regs, CompileError> {
        let Some(src) = scalar_of(from) else {
            return unsupported(format!("conversion from {from:?}"));
        };
        let from_wide = is_wide(from);
        let x = components(from, v);
        let zero = self.constant(0);
        let mut out = Regs::new();
        for p in x {
            use ScalarKind as K;
            match (src.kind, from_wide, kind, width == 8) {
                // To bool.
                (K::Float, true, K::Bool, _) => {
                    let z = self.dconst(0.0);
                    out.push(self.w32(Wide::FNe, p, z));
                }
                (K::Sint | K::Uint, true, K::Bool, _) => {
                    let any = self.bin_reg(Bin::Or, p[0], p[1]);
                    out.push(self.un(Un::ToBool, any));
                }
                // From bool.
                (K::Bool, _, K::Float, true) => {
                    let one_hi = self.constant((1f64.to_bits() >> 32) as u32);
                    let hi = self.tern_reg(Tern::Select, p[0], one_hi, zero);
                    out.extend([zero, hi]);
                }
                (K::Bool, _, K::Sint | K::Uint, true) => {
                    let b = self.un(Un::ToBool, p[0]);
                    out.extend([b, zero]);
                }
                // 64 → 64.
                (K::Float, true, K::Float, true)
                | (K::Sint | K::Uint, true, K::Sint | K::Uint, true) => out.extend(p),
                (K::Float, true, K::Sint, true) => out.extend(self.w1(Wide::FToS, p)),
                (K::Float, true, K::Uint, true) => out.extend(self.w1(Wide::FToU, p)),
                (K::Sint, true, K::Float, true) => out.extend(self.w1(Wide::SToF, p)),
                (K::Uint, true, K::Float, true) => out.extend(self.w1(Wide::UToF, p)),
                // 64 → 32.
                (K::Float, true, K::Float, false) => out.push(self.w32(Wide::FToF32, p, p)),
                (K::Float, true, K::Sint, false) => out.push(self.w32(Wide::FToS32, p, p)),
                (K::Float, true, K::Uint, false) => out.push(self.w32(Wide::FToU32, p, p)),
                (K::Sint, true, K::Float, false) => out.push(self.w32(Wide::SToF32, p, p)),
                (K::Uint, true, K::Float, false) => out.push(self.w32(Wide::UToF32, p, p)),
                (K::Sint | K::Uint, true, K::Sint | K::Uint, false) => out.push(p[0]),
                // 32 → 64.
                (K::Float, false, K::Float, true) => out.extend(self.w1(Wide::F32ToF, p)),
                (K::Float, false, K::Sint, true) => out.extend(self.w1(Wide::F32ToS, p)),
                (K::Float, false, K::Uint, true) => out.extend(self.w1(Wide::F32ToU, p)),
                (K::Sint, false, K::Float, true) => out.extend(self.w1(Wide::S32ToF, p)),
                (K::Uint, false, K::Float, true) => out.extend(self.w1(Wide::U32ToF, p)),
                // Integer widening follows the source's signedness (naga's `As`).
                (K::Sint, false, K::Sint | K::Uint, true) => {
                    let k = self.constant(31);
                    let hi = self.bin_reg(Bin::ShrS, p[0], k);
                    out.extend([p[0], hi]);
                }
                (K::Uint, false, K::Sint | K::Uint, true) => out.extend([p[0], zero]),
                (sk, _, k, _) => {
                    return unsupported(format!(
                        "conversion from {sk:?} of width {} to {k:?} of width {width}",
                        src.width
                    ))
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn relational_wide(
        &mut self,
        f: naga::RelationalFunction,
        ty: &TypeInner,
        v: &[Reg],
    ) -> Result<Regs, CompileError> {
        let x = components(ty, v);
        Ok(match f {
            naga::RelationalFunction::IsNan => self.map_w32(Wide::FNe, &x, &x),
            naga::RelationalFunction::IsInf => {
                let abs = self.map_w1(Wide::FAbs, &x);
                let inf = self.dconst(f64::INFINITY);
                self.map_w32(Wide::FEq, &abs, &[inf])
            }
            other => return unsupported(format!("{other:?} of a 64-bit value")),
        })
    }

    /// GLSL.std.450 functions whose first argument is 64-bit. `args` are the operands'
    /// types and registers.
    pub(crate) fn math_wide(
        &mut self,
        f: MF,
        args: &[(TypeInner, Regs)],
    ) -> Result<Regs, CompileError> {
        let ty = &args[0].0;
        let kind = kind_of(ty)?;
        let float = kind == Kind::Float;
        let signed = kind == Kind::Sint;
        let arg = |i: usize| -> Result<Vec<Pair>, CompileError> {
            match args.get(i) {
                Some((t, r)) => Ok(components(t, r)),
                None => unsupported("missing argument"),
            }
        };
        let x = arg(0)?;
        let pick = |f: Wide, s: Wide, u: Wide| {
            if float {
                f
            } else if signed {
                s
            } else {
                u
            }
        };
        let out: Vec<Pair> = match f {
            MF::Abs if !float && !signed => x,
            MF::Abs => self.map_w1(pick(Wide::FAbs, Wide::IAbs, Wide::IAbs), &x),
            MF::Sign if !float && !signed => return unsupported("sign of an unsigned value"),
            MF::Sign => self.map_w1(pick(Wide::FSign, Wide::ISign, Wide::ISign), &x),
            MF::Min => {
                let y = arg(1)?;
                self.map_w(pick(Wide::FMin, Wide::SMin, Wide::UMin), &x, &y)
            }
            MF::Max => {
                let y = arg(1)?;
                self.map_w(pick(Wide::FMax, Wide::SMax, Wide::UMax), &x, &y)
            }
            MF::Clamp => {
                let (lo, hi) = (arg(1)?, arg(2)?);
                let m = self.map_w(pick(Wide::FMax, Wide::SMax, Wide::UMax), &x, &lo);
                self.map_w(pick(Wide::FMin, Wide::SMin, Wide::UMin), &m, &hi)
            }
            _ if !float => return unsupported(format!("{f:?} of a 64-bit integer")),
            MF::Floor => self.map_w1(Wide::FFloor, &x),
            MF::Ceil => self.map_w1(Wide::FCeil, &x),
            MF::Round => self.map_w1(Wide::FRoundEven, &x),
            MF::Trunc => self.map_w1(Wide::FTrunc, &x),
            MF::Fract => self.map_w1(Wide::FFract, &x),
            MF::Sqrt => self.map_w1(Wide::FSqrt, &x),
            MF::InverseSqrt => self.map_w1(Wide::FInvSqrt, &x),
            MF::Saturate => {
                let (zero, one) = (self.dconst(0.0), self.dconst(1.0));
                let m = self.map_w(Wide::FMax, &x, &[zero]);
                self.map_w(Wide::FMin, &m, &[one])
            }
            MF::Modf => {
                // Both parts have the sign of x; an integral x (infinities included) has a
                // fractional part of ±0.
                let whole = self.map_w1(Wide::FTrunc, &x);
                let diff = self.map_w(Wide::FSub, &x, &whole);
                let integral = self.map_w32(Wide::FEq, &x, &whole);
                let zero = self.dconst(0.0);
                let magnitude = self.select_pairs(&integral, &[zero], &diff);
                let sign_mask = self.constant(0x8000_0000);
                let abs_mask = self.constant(0x7fff_ffff);
                let fract: Vec<Pair> = magnitude
                    .iter()
                    .zip(&x)
                    .map(|(m, xv)| {
                        let abs = self.bin_reg(Bin::And, m[1], abs_mask);
                        let sign = self.bin_reg(Bin::And, xv[1], sign_mask);
                        [m[0], self.bin_reg(Bin::Or, abs, sign)]
                    })
                    .collect();
                [fract, whole].concat()
            }
            MF::Frexp => {
                // The struct { fract: f64, exp: i32 }: its members' registers in order.
                let mant = self.map_w1(Wide::FFrexpMant, &x);
                let exp: Regs = x.iter().map(|&p| self.w32(Wide::FFrexpExp, p, p)).collect();
                return Ok([flatten(&mant), exp].concat().into());
            }
            MF::Ldexp => {
                let e = arg(1)?;
                if is_wide(&args[1].0) {
                    return unsupported("ldexp with a 64-bit exponent");
                }
                self.map_w(Wide::FLdexp, &x, &e)
            }
            MF::Dot => {
                let y = arg(1)?;
                vec![self.dot_w(Kind::Float, &x, &y)]
            }
            MF::Outer => {
                let y = arg(1)?;
                let mut out = Vec::new();
                for &c in &y {
                    for &r in &x {
                        out.push(self.w(Wide::FMul, r, c));
                    }
                }
                out
            }
            MF::Cross => {
                let y = arg(1)?;
                let mut out = Vec::new();
                for (i, j) in [(1, 2), (2, 0), (0, 1)] {
                    let p = self.w(Wide::FMul, x[i], y[j]);
                    let q = self.w(Wide::FMul, x[j], y[i]);
                    out.push(self.w(Wide::FSub, p, q));
                }
                out
            }
            MF::Length => vec![self.length_w(&x)],
            MF::Distance => {
                let y = arg(1)?;
                let d = self.map_w(Wide::FSub, &x, &y);
                vec![self.length_w(&d)]
            }
            MF::Normalize => {
                let len = self.length_w(&x);
                self.map_w(Wide::FDiv, &x, &[len])
            }
            MF::FaceForward => {
                let (i, nref) = (arg(1)?, arg(2)?);
                let d = self.dot_w(Kind::Float, &nref, &i);
                let zero = self.dconst(0.0);
                let neg = self.w32(Wide::FLt, d, zero);
                let minus = self.map_w1(Wide::FNeg, &x);
                self.select_pairs(&[neg], &x, &minus)
            }
            MF::Reflect => {
                let n = arg(1)?;
                let d = self.dot_w(Kind::Float, &n, &x);
                let two = self.dconst(2.0);
                let k = self.w(Wide::FMul, d, two);
                let kn = self.map_w(Wide::FMul, &n, &[k]);
                self.map_w(Wide::FSub, &x, &kn)
            }
            MF::Refract => {
                let n = arg(1)?;
                let eta_arg = arg(2)?[0];
                let eta = if args.get(2).is_some_and(|(t, _)| is_wide(t)) {
                    eta_arg
                } else {
                    self.w1(Wide::F32ToF, eta_arg)
                };
                let d = self.dot_w(Kind::Float, &n, &x);
                let one = self.dconst(1.0);
                let zero = self.dconst(0.0);
                let d2 = self.w(Wide::FMul, d, d);
                let t = self.w(Wide::FSub, one, d2);
                let eta2 = self.w(Wide::FMul, eta, eta);
                let t2 = self.w(Wide::FMul, eta2, t);
                let k = self.w(Wide::FSub, one, t2);
                let sk = self.w1(Wide::FSqrt, k);
                let ed = self.w(Wide::FMul, eta, d);
                let coef = self.w(Wide::FAdd, ed, sk);
                let ei = self.map_w(Wide::FMul, &x, &[eta]);
                let cn = self.map_w(Wide::FMul, &n, &[coef]);
                let r = self.map_w(Wide::FSub, &ei, &cn);
                let neg = self.w32(Wide::FLt, k, zero);
                self.select_pairs(&[neg], &[zero], &r)
            }
            MF::Fma => {
                // The spec's precision for fma is that of a multiply followed by an add.
                let (b, c) = (arg(1)?, arg(2)?);
                let p = self.map_w(Wide::FMul, &x, &b);
                self.map_w(Wide::FAdd, &p, &c)
            }
            MF::Mix => {
                // x · (1 − t) + y · t, as the 32-bit version.
                let (y, t) = (arg(1)?, arg(2)?);
                let one = self.dconst(1.0);
                let s = self.map_w(Wide::FSub, &[one], &t);
                let xs = self.map_w(Wide::FMul, &x, &s);
                let yt = self.map_w(Wide::FMul, &y, &t);
                self.map_w(Wide::FAdd, &xs, &yt)
            }
            MF::Step => {
                let y = arg(1)?;
                self.map_w(Wide::FStep, &x, &y)
            }
            MF::SmoothStep => {
                // t = clamp((x − e0) / (e1 − e0), 0, 1); t · t · (3 − 2t).
                let (e1, v) = (arg(1)?, arg(2)?);
                let num = self.map_w(Wide::FSub, &v, &x);
                let den = self.map_w(Wide::FSub, &e1, &x);
                let q = self.map_w(Wide::FDiv, &num, &den);
                let (zero, one) = (self.dconst(0.0), self.dconst(1.0));
                let (two, three) = (self.dconst(2.0), self.dconst(3.0));
                let lo = self.map_w(Wide::FMax, &q, &[zero]);
                let t = self.map_w(Wide::FMin, &lo, &[one]);
                let t2 = self.map_w(Wide::FMul, &t, &t);
                let twot = self.map_w(Wide::FMul, &t, &[two]);
                let s = self.map_w(Wide::FSub, &[three], &twot);
                self.map_w(Wide::FMul, &t2, &s)
            }
            MF::Transpose => {
                let TypeInner::Matrix { columns, rows, .. } = *ty else {
                    return unsupported("transpose of a non-matrix");
                };
                let (c, r) = (vector_len(columns), vector_len(rows));
                (0..r)
                    .flat_map(|i| (0..c).map(move |j| (i, j)))
                    .map(|(i, j)| x[j * r + i])
                    .collect()
            }
            MF::Determinant | MF::Inverse => {
                let TypeInner::Matrix { columns, rows, .. } = *ty else {
                    return unsupported("determinant or inverse of a non-matrix");
                };
                let n = vector_len(columns);
                if vector_len(rows) != n || x.len() != n * n {
                    return unsupported("determinant or inverse of a non-square matrix");
                }
                let m: Vec<Vec<Pair>> = (0..n).map(|c| x[c * n..c * n + n].to_vec()).collect();
                if f == MF::Determinant {
                    vec![self.determinant_w(&m)]
                } else {
                    self.inverse_w(&m)
                }
            }
            other => return unsupported(format!("{other:?} of a double")),
        };
        Ok(flatten(&out))
    }

    /// Laplace expansion along the first column (`m[c][r]`).
    fn determinant_w(&mut self, m: &[Vec<Pair>]) -> Pair {
        let n = m.len();
        if n == 1 {
            return m[0][0];
        }
        if n == 2 {
            let a = self.w(Wide::FMul, m[0][0], m[1][1]);
            let b = self.w(Wide::FMul, m[1][0], m[0][1]);
            return self.w(Wide::FSub, a, b);
        }
        let mut acc: Option<Pair> = None;
        for r in 0..n {
            let minor: Vec<Vec<Pair>> = (1..n)
                .map(|c| (0..n).filter(|&rr| rr != r).map(|rr| m[c][rr]).collect())
                .collect();
            let d = self.determinant_w(&minor);
            let t = self.w(Wide::FMul, m[0][r], d);
            acc = Some(match acc {
                None => t,
                Some(a) if r % 2 == 1 => self.w(Wide::FSub, a, t),
                Some(a) => self.w(Wide::FAdd, a, t),
            });
        }
        acc.unwrap_or_else(|| self.dconst(0.0))
    }

    /// The adjugate over the determinant (see the 32-bit `inverse`).
    fn inverse_w(&mut self, m: &[Vec<Pair>]) -> Vec<Pair> {
        let n = m.len();
        let det = self.determinant_w(m);
        let mut out = Vec::with_capacity(n * n);
        for c in 0..n {
            for r in 0..n {
                let cofactor = if n == 1 {
                    self.dconst(1.0)
                } else {
                    let minor: Vec<Vec<Pair>> = (0..n)
                        .filter(|&cc| cc != r)
                        .map(|cc| (0..n).filter(|&rr| rr != c).map(|rr| m[cc][rr]).collect())
                        .collect();
                    let d = self.determinant_w(&minor);
                    if (r + c) % 2 == 1 {
                        self.w1(Wide::FNeg, d)
                    } else {
                        d
                    }
                };
                out.push(self.w(Wide::FDiv, cofactor, det));
            }
        }
        out
    }

    fn bin_reg(&mut self, op: Bin, a: Reg, b: Reg) -> Reg {
        let dst = self.reg();
        self.emit(Inst::Bin { op, dst, a, b });
        dst
    }

    fn tern_reg(&mut self, op: Tern, a: Reg, b: Reg, c: Reg) -> Reg {
        let dst = self.reg();
        self.emit(Inst::Tern { op, dst, a, b, c });
        dst
    }
}
