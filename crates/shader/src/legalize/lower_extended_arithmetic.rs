//! `OpIAddCarry`, `OpISubBorrow`, `OpUMulExtended`, `OpSMulExtended` → plain arithmetic of
//! the operands' width (32 or 64 bits).
//!
//! naga reads none of the four. Each returns a struct of two members of the operands' type
//! (a 32-bit integer scalar or vector); the rewrite computes both with plain 32-bit
//! operations in the unsigned type of the same shape (bitcasting in and out when the members
//! are signed) and builds the struct:
//!
//! - add with carry: `s = a + b` (wrapping), `carry = s < a` (unsigned) as 1 or 0;
//! - subtract with borrow: `d = a - b`, `borrow = a < b` as 1 or 0;
//! - unsigned multiply: `lo = a * b` (wrapping); the high word from 16-bit halves, with
//!   `a = ah·2^16 + al`, `b = bh·2^16 + bl`: every partial product fits in 32 bits, and
//!   `hi = ah·bh + (al·bh >> 16) + (ah·bl >> 16) + (((al·bl) >> 16) + (al·bh & 0xffff) +
//!   (ah·bl & 0xffff)) >> 16` exactly;
//! - signed multiply: the same low word; the signed high word is the unsigned one minus `b`
//!   when `a < 0` and minus `a` when `b < 0` (mod 2^32), since a negative `a` reads as
//!   `a + 2^32` unsigned.
//!
//! 64-bit operands take the same steps with 32-bit halves (shifts by 32 and 63, the mask
//! 0xffff_ffff): every partial product of two 32-bit halves fits in 64 bits.
//!
//! Other widths leave the instruction alone (naga then refuses it as before).

use super::{op, Inst, Module};

const ADD_CARRY: u16 = op::I_ADD_CARRY;
const SUB_BORROW: u16 = op::I_SUB_BORROW;
const UMUL: u16 = op::U_MUL_EXTENDED;
const SMUL: u16 = op::S_MUL_EXTENDED;

/// The ids one member type needs.
#[derive(Clone, Copy)]
struct Shape {
    /// The member type `T`.
    ty: u32,
    /// The unsigned type of the same shape, and the bool type of the same shape.
    uty: u32,
    bty: u32,
    /// Constants of `uty`: 0, 1, half the width (16 or 32), the width - 1 (31 or 63), and the
    /// low half's mask (0xffff or 0xffff_ffff); the names say the 32-bit values.
    zero: u32,
    one: u32,
    sixteen: u32,
    thirty_one: u32,
    low_mask: u32,
}

/// (components, signed, width) of a 32- or 64-bit integer scalar or vector type.
fn int_shape(m: &Module, ty: u32) -> Option<(u32, bool, u32)> {
    let t = m.type_def(ty)?;
    match t.opcode() {
        op::TYPE_INT if matches!(t.operand(1), Some(32 | 64)) => {
            Some((1, t.operand(2)? == 1, t.operand(1)?))
        }
        op::TYPE_VECTOR => {
            let (c, signed, width) = int_shape(m, t.operand(1)?)?;
            (c == 1).then_some((t.operand(2)?, signed, width))
        }
        _ => None,
    }
}

/// An `OpConstant` of the integer type `ty` (`width` bits) with `value`, found or declared.
fn constant(m: &mut Module, ty: u32, width: u32, value: u64) -> Option<u32> {
    if width == 32 {
        return m.constant32(ty, value as u32);
    }
    let (lo, hi) = (value as u32, (value >> 32) as u32);
    if let Some(i) = m.find(op::CONSTANT, |o| {
        o.len() == 4 && o[0] == ty && o[2..] == [lo, hi]
    }) {
        return Some(m.insts[i].operands()[1]);
    }
    let id = m.fresh_id()?;
    let at = m.globals_end();
    m.insts
        .insert(at, Inst::new(op::CONSTANT, &[ty, id, lo, hi]));
    Some(id)
}

/// A constant of `ty` (a scalar `scalar_ty`, or a vector of `n` of them) with `v` everywhere.
fn splat(m: &mut Module, ty: u32, scalar_ty: u32, n: u32, width: u32, v: u64) -> Option<u32> {
    let c = constant(m, scalar_ty, width, v)?;
    if n == 1 {
        return Some(c);
    }
    let parts = vec![c; n as usize];
    if let Some(i) = m.find(op::CONSTANT_COMPOSITE, |o| {
        o.len() == 2 + parts.len() && o[0] == ty && o[2..] == parts[..]
    }) {
        return Some(m.insts[i].operands()[1]);
    }
    let id = m.fresh_id()?;
    let mut words = vec![ty, id];
    words.extend(parts);
    let at = m.globals_end();
    m.insts
        .insert(at, Inst::new(op::CONSTANT_COMPOSITE, &words));
    Some(id)
}

fn shape(m: &mut Module, ty: u32) -> Option<Shape> {
    let (n, _, width) = int_shape(m, ty)?;
    let uint = m.intern_type(op::TYPE_INT, &[width, 0])?;
    let boolean = m.intern_type(op::TYPE_BOOL, &[])?;
    let (uty, bty) = if n == 1 {
        (uint, boolean)
    } else {
        (
            m.intern_type(op::TYPE_VECTOR, &[uint, n])?,
            m.intern_type(op::TYPE_VECTOR, &[boolean, n])?,
        )
    };
    let half = u64::from(width / 2);
    Some(Shape {
        ty,
        uty,
        bty,
        zero: splat(m, uty, uint, n, width, 0)?,
        one: splat(m, uty, uint, n, width, 1)?,
        sixteen: splat(m, uty, uint, n, width, half)?,
        thirty_one: splat(m, uty, uint, n, width, u64::from(width) - 1)?,
        low_mask: splat(m, uty, uint, n, width, (1u64 << half) - 1)?,
    })
}

/// The member type of a two-member struct whose members are the same type.
fn member_type(m: &Module, struct_ty: u32) -> Option<u32> {
    let t = m.type_def(struct_ty)?;
    (t.opcode() == op::TYPE_STRUCT && t.0.len() == 4 && t.0[2] == t.0[3]).then_some(t.0[2])
}

pub(crate) fn lower_extended_arithmetic(m: &mut Module) {
    let is_target =
        |i: &Inst| matches!(i.opcode(), ADD_CARRY | SUB_BORROW | UMUL | SMUL) && i.0.len() == 5;
    if !m.insts.iter().any(is_target) {
        return;
    }
    let mut n = m.clone();
    // The member types used, each with its shape's ids.
    let mut tys: Vec<u32> = n
        .insts
        .iter()
        .filter(|i| is_target(i))
        .filter_map(|i| member_type(&n, i.0[1]))
        .filter(|&t| int_shape(&n, t).is_some())
        .collect();
    tys.sort_unstable();
    tys.dedup();
    let mut shapes = Vec::new();
    for t in tys {
        let Some(s) = shape(&mut n, t) else {
            return;
        };
        shapes.push(s);
    }
    let mut out = Vec::with_capacity(n.insts.len());
    for inst in std::mem::take(&mut n.insts) {
        let s = if is_target(&inst) {
            member_type(m, inst.0[1]).and_then(|t| shapes.iter().find(|s| s.ty == t))
        } else {
            None
        };
        let operands_typed = |s: &Shape| {
            inst.0[3..5]
                .iter()
                .all(|&v| m.value_def(v).and_then(|d| d.operand(0)) == Some(s.ty))
        };
        let Some(&s) = s.filter(|s| operands_typed(s)) else {
            out.push(inst);
            continue;
        };
        let mut e = Emitter {
            next: n.header[3],
            out: Vec::new(),
        };
        match e.expand(&inst, s) {
            Some(()) => {
                n.header[3] = e.next;
                out.extend(e.out);
            }
            None => out.push(inst),
        }
    }
    n.insts = out;
    *m = n;
}

struct Emitter {
    next: u32,
    out: Vec<Inst>,
}

impl Emitter {
    fn emit(&mut self, opcode: u16, ty: u32, operands: &[u32]) -> Option<u32> {
        let id = self.next;
        self.next = self.next.checked_add(1).filter(|&n| n < u32::MAX)?;
        let mut words = vec![ty, id];
        words.extend_from_slice(operands);
        self.out.push(Inst::new(opcode, &words));
        Some(id)
    }

    fn expand(&mut self, inst: &Inst, s: Shape) -> Option<()> {
        let (struct_ty, result, a, b) = (inst.0[1], inst.0[2], inst.0[3], inst.0[4]);
        let u = s.uty;
        let (a, b) = if s.ty == u {
            (a, b)
        } else {
            (
                self.emit(op::BITCAST, u, &[a])?,
                self.emit(op::BITCAST, u, &[b])?,
            )
        };
        let (lo, hi) = match inst.opcode() {
            ADD_CARRY => {
                let sum = self.emit(op::I_ADD, u, &[a, b])?;
                let wrapped = self.emit(op::U_LESS_THAN, s.bty, &[sum, a])?;
                let carry = self.emit(op::SELECT, u, &[wrapped, s.one, s.zero])?;
                (sum, carry)
            }
            SUB_BORROW => {
                let diff = self.emit(op::I_SUB, u, &[a, b])?;
                let under = self.emit(op::U_LESS_THAN, s.bty, &[a, b])?;
                let borrow = self.emit(op::SELECT, u, &[under, s.one, s.zero])?;
                (diff, borrow)
            }
            opcode => {
                let lo = self.emit(op::I_MUL, u, &[a, b])?;
                let mut hi = self.umul_hi(s, a, b)?;
                if opcode == SMUL {
                    for (x, y) in [(a, b), (b, a)] {
                        // (x < 0 ? y : 0), with the all-ones mask 0 - (x >> 31).
                        let sign = self.emit(op::SHIFT_RIGHT_LOGICAL, u, &[x, s.thirty_one])?;
                        let mask = self.emit(op::I_SUB, u, &[s.zero, sign])?;
                        let term = self.emit(op::BITWISE_AND, u, &[mask, y])?;
                        hi = self.emit(op::I_SUB, u, &[hi, term])?;
                    }
                }
                (lo, hi)
            }
        };
        let (lo, hi) = if s.ty == u {
            (lo, hi)
        } else {
            (
                self.emit(op::BITCAST, s.ty, &[lo])?,
                self.emit(op::BITCAST, s.ty, &[hi])?,
            )
        };
        self.out.push(Inst::new(
            op::COMPOSITE_CONSTRUCT,
            &[struct_ty, result, lo, hi],
        ));
        Some(())
    }

    /// The high 32 bits of the unsigned 64-bit product of `a` and `b`.
    fn umul_hi(&mut self, s: Shape, a: u32, b: u32) -> Option<u32> {
        let u = s.uty;
        let al = self.emit(op::BITWISE_AND, u, &[a, s.low_mask])?;
        let ah = self.emit(op::SHIFT_RIGHT_LOGICAL, u, &[a, s.sixteen])?;
        let bl = self.emit(op::BITWISE_AND, u, &[b, s.low_mask])?;
        let bh = self.emit(op::SHIFT_RIGHT_LOGICAL, u, &[b, s.sixteen])?;
        let ll = self.emit(op::I_MUL, u, &[al, bl])?;
        let lh = self.emit(op::I_MUL, u, &[al, bh])?;
        let hl = self.emit(op::I_MUL, u, &[ah, bl])?;
        let hh = self.emit(op::I_MUL, u, &[ah, bh])?;
        let ll_hi = self.emit(op::SHIFT_RIGHT_LOGICAL, u, &[ll, s.sixteen])?;
        let lh_lo = self.emit(op::BITWISE_AND, u, &[lh, s.low_mask])?;
        let hl_lo = self.emit(op::BITWISE_AND, u, &[hl, s.low_mask])?;
        let mid = self.emit(op::I_ADD, u, &[ll_hi, lh_lo])?;
        let mid = self.emit(op::I_ADD, u, &[mid, hl_lo])?;
        let carry = self.emit(op::SHIFT_RIGHT_LOGICAL, u, &[mid, s.sixteen])?;
        let lh_hi = self.emit(op::SHIFT_RIGHT_LOGICAL, u, &[lh, s.sixteen])?;
        let hl_hi = self.emit(op::SHIFT_RIGHT_LOGICAL, u, &[hl, s.sixteen])?;
        let hi = self.emit(op::I_ADD, u, &[hh, lh_hi])?;
        let hi = self.emit(op::I_ADD, u, &[hi, hl_hi])?;
        self.emit(op::I_ADD, u, &[hi, carry])
    }
}
