//! Integer dot products (`SPV_KHR_integer_dot_product`, core in SPIR-V 1.6) → 32-bit
//! arithmetic.
//!
//! naga reads none of `OpSDot`, `OpUDot`, `OpSUDot` or their `AccSat` forms. Two shapes are
//! rewritten, both with a 32-bit integer result:
//!
//! - **packed 4×8** (`PackedVectorFormat4x8Bit`): each operand is a 32-bit integer holding four
//!   bytes; each byte is extracted (sign- or zero-extended as the opcode says: `SUDot` reads
//!   the first operand signed, the second unsigned), the four products summed. The sum lies in
//!   [−65024, 65536], so 32-bit arithmetic is exact. The `AccSat` forms add the accumulator
//!   and saturate: signed, the sum overflowed when the dot product is positive and the sum
//!   went down (→ `INT_MAX`) or negative and it went up (→ `INT_MIN`); unsigned, when the
//!   sum is below the accumulator (→ `UINT_MAX`).
//! - **vectors of 32-bit integers**: the result is the low 32 bits of the exact dot product,
//!   and the low 32 bits of products and sums do not depend on signedness, so it is `IMul`
//!   and `IAdd` on the bits. The `AccSat` forms need the exact sum before saturating, which
//!   takes 64-bit arithmetic split into high and low words (see `acc_sat_vectors`).
//!
//! Other shapes (8- or 16-bit vectors, which need `Int8`/`Int16`, not supported; wider
//! results) stay as they are, and naga refuses them. The capabilities and
//! the extension go when nothing is left that uses them.

use super::{op, Inst, Module};

const SDOT: u16 = 4450;
const UDOT: u16 = 4451;
const SUDOT: u16 = 4452;
const SDOT_ACC_SAT: u16 = 4453;
const UDOT_ACC_SAT: u16 = 4454;
const SUDOT_ACC_SAT: u16 = 4455;
const BIT_FIELD_S_EXTRACT: u16 = 202;
const BIT_FIELD_U_EXTRACT: u16 = 203;
const S_GREATER_THAN: u16 = 173;
const S_LESS_THAN: u16 = 177;
const U_LESS_THAN: u16 = op::U_LESS_THAN;
const LOGICAL_AND: u16 = 167;
const TYPE_BOOL: u16 = op::TYPE_BOOL;
const CAPABILITY_DOT_PRODUCT: std::ops::RangeInclusive<u32> = 6016..=6019;
const EXTENSION: &str = "SPV_KHR_integer_dot_product";

fn is_dot(opcode: u16) -> bool {
    (SDOT..=SUDOT_ACC_SAT).contains(&opcode)
}

pub(crate) fn lower_integer_dot_product(m: &mut Module) {
    if !m.insts.iter().any(|i| is_dot(i.opcode())) {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
    }
}

/// (components, width, signed) of an integer scalar or vector type.
fn int_shape(m: &Module, ty: u32) -> Option<(u32, u32, bool)> {
    let t = m.type_def(ty)?;
    match t.opcode() {
        op::TYPE_INT => Some((1, t.operand(1)?, t.operand(2)? == 1)),
        op::TYPE_VECTOR => {
            let (c, w, s) = int_shape(m, t.operand(1)?)?;
            (c == 1).then_some((t.operand(2)?, w, s))
        }
        _ => None,
    }
}

/// The type of value `id` (an instruction with a result type, or a constant).
fn type_of(m: &Module, id: u32) -> Option<u32> {
    m.insts
        .iter()
        .find(|i| super::has_result_type(i.opcode()) && i.0.len() >= 3 && i.0[2] == id)
        .map(|i| i.0[1])
}

const U_CONVERT: u16 = 113;
const S_CONVERT: u16 = 114;
const SHIFT_RIGHT_ARITHMETIC: u16 = 195;
const I_NOT_EQUAL: u16 = 171;
const CAPABILITY_INT64: u32 = 11;

/// A 64-bit `OpConstant` of `ty` with `value`, found or declared.
fn constant64(m: &mut Module, ty: u32, value: u64) -> Option<u32> {
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

/// `OpSDotAccSat`, `OpUDotAccSat` or `OpSUDotAccSat` of two vectors of `n` 32-bit integers
/// `a`, `b` and the accumulator `acc`, appended to `out`; returns the saturated result as an
/// `int` (its bits).
///
/// The sum must be exact before it saturates, and four 64-bit products can overflow even 64
/// bits, so each product `p` (exact in 64 bits: at most 2⁶⁴ − 2³³ + 1 unsigned, |p| < 2⁶³
/// signed) is split into `hi = p >> 32` and `lo = p & 0xffffffff`. `H = Σ hi` (|H| ≤ 2³³)
/// and `L = Σ lo + acc` (|L| < 2³⁵) are exact, and the total is `H·2³² + L`. With
/// `H' = H + (L >> 32)` and `L' = L & 0xffffffff` the total is `H'·2³² + L'`, 0 ≤ L' < 2³².
/// Signed: the total fits in 32 bits exactly when `H'` is the sign of `L'` read as a 32-bit
/// integer (0 or −1); above it, it saturates to `INT_MAX`, below it to `INT_MIN`. Unsigned:
/// it fits when `H'` is 0, otherwise `UINT_MAX`.
fn acc_sat_vectors(
    m: &mut Module,
    out: &mut Vec<Inst>,
    opcode: u16,
    n: u32,
    a: u32,
    b: u32,
    acc: u32,
) -> Option<u32> {
    let (a_signed, b_signed) = match opcode {
        SDOT_ACC_SAT => (true, true),
        UDOT_ACC_SAT => (false, false),
        SUDOT_ACC_SAT => (true, false),
        _ => return None,
    };
    let signed = a_signed;
    let i32t = m.intern_type(op::TYPE_INT, &[32, 1])?;
    let u32t = m.intern_type(op::TYPE_INT, &[32, 0])?;
    let i64t = m.intern_type(op::TYPE_INT, &[64, 1])?;
    let u64t = m.intern_type(op::TYPE_INT, &[64, 0])?;
    let boolt = m.intern_type(TYPE_BOOL, &[])?;
    let ivec = m.intern_type(op::TYPE_VECTOR, &[i32t, n])?;
    let uvec = m.intern_type(op::TYPE_VECTOR, &[u32t, n])?;
    // The arithmetic type: i64 when anything is signed, u64 otherwise.
    let t = if signed { i64t } else { u64t };
    let shift = m.constant32(u32t, 32)?;
    let low_mask = constant64(m, t, 0xffff_ffff)?;
    let zero = constant64(m, t, 0)?;
    let int_max = m.constant32(i32t, i32::MAX as u32)?;
    let int_min = m.constant32(i32t, i32::MIN as u32)?;
    let uint_max = m.constant32(u32t, u32::MAX)?;
    let shr = if signed {
        SHIFT_RIGHT_ARITHMETIC
    } else {
        op::SHIFT_RIGHT_LOGICAL
    };
    let push = |m: &mut Module, out: &mut Vec<Inst>, opcode: u16, ty: u32, operands: &[u32]| {
        let id = m.fresh_id()?;
        let mut w = vec![ty, id];
        w.extend_from_slice(operands);
        out.push(Inst::new(opcode, &w));
        Some(id)
    };
    // A component of `v`, read with `sign`, widened to `t`.
    let widen = |m: &mut Module, out: &mut Vec<Inst>, v: u32, k: u32, sign: bool| {
        let (vt, st) = if sign { (ivec, i32t) } else { (uvec, u32t) };
        let bits = push(m, out, op::BITCAST, vt, &[v])?;
        let c = push(m, out, op::COMPOSITE_EXTRACT, st, &[bits, k])?;
        let wide = if sign {
            push(m, out, S_CONVERT, i64t, &[c])?
        } else {
            push(m, out, U_CONVERT, u64t, &[c])?
        };
        if !sign && signed {
            push(m, out, op::BITCAST, i64t, &[wide])
        } else {
            Some(wide)
        }
    };
    let (mut hi_sum, mut lo_sum) = (zero, zero);
    for k in 0..n {
        let x = widen(m, out, a, k, a_signed)?;
        let y = widen(m, out, b, k, b_signed)?;
        let p = push(m, out, op::I_MUL, t, &[x, y])?;
        let lo = push(m, out, op::BITWISE_AND, t, &[p, low_mask])?;
        let hi = push(m, out, shr, t, &[p, shift])?;
        lo_sum = push(m, out, op::I_ADD, t, &[lo_sum, lo])?;
        hi_sum = push(m, out, op::I_ADD, t, &[hi_sum, hi])?;
    }
    let acc_wide = if signed {
        let bits = push(m, out, op::BITCAST, i32t, &[acc])?;
        push(m, out, S_CONVERT, i64t, &[bits])?
    } else {
        let bits = push(m, out, op::BITCAST, u32t, &[acc])?;
        push(m, out, U_CONVERT, u64t, &[bits])?
    };
    let l = push(m, out, op::I_ADD, t, &[lo_sum, acc_wide])?;
    let carry = push(m, out, shr, t, &[l, shift])?;
    let h = push(m, out, op::I_ADD, t, &[hi_sum, carry])?;
    let l_low = push(m, out, op::BITWISE_AND, t, &[l, low_mask])?;
    if signed {
        let r = push(m, out, S_CONVERT, i32t, &[l_low])?;
        let r64 = push(m, out, S_CONVERT, i64t, &[r])?;
        let sign = push(m, out, SHIFT_RIGHT_ARITHMETIC, i64t, &[r64, shift])?;
        let over = push(m, out, S_GREATER_THAN, boolt, &[h, sign])?;
        let under = push(m, out, S_LESS_THAN, boolt, &[h, sign])?;
        let s1 = push(m, out, op::SELECT, i32t, &[under, int_min, r])?;
        push(m, out, op::SELECT, i32t, &[over, int_max, s1])
    } else {
        let r = push(m, out, U_CONVERT, u32t, &[l_low])?;
        let over = push(m, out, I_NOT_EQUAL, boolt, &[h, zero])?;
        let s = push(m, out, op::SELECT, u32t, &[over, uint_max, r])?;
        push(m, out, op::BITCAST, i32t, &[s])
    }
}

/// Declares what [`acc_sat_vectors`] uses, so that it declares nothing (a declaration would
/// move the instructions the rewrite has planned to replace).
fn declare_acc_sat_vectors(m: &mut Module) -> Option<()> {
    let i32t = m.intern_type(op::TYPE_INT, &[32, 1])?;
    let u32t = m.intern_type(op::TYPE_INT, &[32, 0])?;
    for t in [
        m.intern_type(op::TYPE_INT, &[64, 1])?,
        m.intern_type(op::TYPE_INT, &[64, 0])?,
    ] {
        constant64(m, t, 0xffff_ffff)?;
        constant64(m, t, 0)?;
    }
    m.intern_type(TYPE_BOOL, &[])?;
    for n in 2..=4 {
        m.intern_type(op::TYPE_VECTOR, &[i32t, n])?;
        m.intern_type(op::TYPE_VECTOR, &[u32t, n])?;
    }
    m.constant32(u32t, 32)?;
    m.constant32(i32t, i32::MAX as u32)?;
    m.constant32(i32t, i32::MIN as u32)?;
    m.constant32(u32t, u32::MAX)?;
    Some(())
}

fn rewrite(m: &mut Module) -> Option<()> {
    // An `AccSat` form without a packed-format operand works on vectors.
    if m.insts.iter().any(|i| {
        matches!(i.opcode(), SDOT_ACC_SAT | UDOT_ACC_SAT | SUDOT_ACC_SAT) && i.0.len() == 6
    }) {
        declare_acc_sat_vectors(m)?;
    }
    let i32t = m.intern_type(op::TYPE_INT, &[32, 1])?;
    let u32t = m.intern_type(op::TYPE_INT, &[32, 0])?;
    let boolt = m.intern_type(TYPE_BOOL, &[])?;
    let c = |m: &mut Module, v: u32| m.constant32(i32t, v);
    let offsets = [c(m, 0)?, c(m, 8)?, c(m, 16)?, c(m, 24)?];
    let eight = c(m, 8)?;
    let zero = c(m, 0)?;
    let int_max = c(m, i32::MAX as u32)?;
    let int_min = c(m, i32::MIN as u32)?;
    let uint_max = m.constant32(u32t, u32::MAX)?;
    let ivec: Vec<u32> = (2..=4)
        .map(|n| m.intern_type(op::TYPE_VECTOR, &[i32t, n]))
        .collect::<Option<_>>()?;
    // Everything declared above goes before the functions; the positions found below stay
    // valid until the splice.

    // Plan every dot product first (types are looked up in the unchanged module).
    struct Dot {
        at: usize,
        packed: bool,
        components: u32,
        result_signed: bool,
    }
    let mut plans = Vec::new();
    for (at, inst) in m.insts.iter().enumerate() {
        if !is_dot(inst.opcode()) {
            continue;
        }
        let o = inst.operands();
        let acc = matches!(inst.opcode(), SDOT_ACC_SAT | UDOT_ACC_SAT | SUDOT_ACC_SAT);
        let fixed = if acc { 5 } else { 4 };
        let packed = match o.len() {
            l if l == fixed => false,
            l if l == fixed + 1 && o[fixed] == 0 => true,
            _ => continue,
        };
        let Some((1, 32, result_signed)) = int_shape(m, o[0]) else {
            continue;
        };
        let (Some(t1), Some(t2)) = (type_of(m, o[2]), type_of(m, o[3])) else {
            continue;
        };
        let (Some((c1, 32, _)), Some((c2, 32, _))) = (int_shape(m, t1), int_shape(m, t2)) else {
            continue;
        };
        if c1 != c2 || (packed && c1 != 1) || (!packed && c1 < 2) {
            continue;
        }
        plans.push(Dot {
            at,
            packed,
            components: c1,
            result_signed,
        });
    }
    if plans.is_empty() {
        return None;
    }
    let mut replacement: Vec<(usize, Vec<Inst>)> = Vec::new();
    for d in &plans {
        let inst = m.insts[d.at].clone();
        let o = inst.operands().to_vec();
        let (result_type, result, a, b) = (o[0], o[1], o[2], o[3]);
        let opcode = inst.opcode();
        let mut out = Vec::new();
        let fresh = |m: &mut Module| m.fresh_id();
        let is_acc = matches!(opcode, SDOT_ACC_SAT | UDOT_ACC_SAT | SUDOT_ACC_SAT);
        if !d.packed && is_acc {
            let value = acc_sat_vectors(m, &mut out, opcode, d.components, a, b, o[4])?;
            if d.result_signed && result_type == i32t {
                out.push(Inst::new(op::COPY_OBJECT, &[result_type, result, value]));
            } else {
                out.push(Inst::new(op::BITCAST, &[result_type, result, value]));
            }
            replacement.push((d.at, out));
            continue;
        }
        let mut sum;
        if d.packed {
            let (a_signed, b_signed) = match opcode {
                SDOT | SDOT_ACC_SAT => (true, true),
                UDOT | UDOT_ACC_SAT => (false, false),
                SUDOT | SUDOT_ACC_SAT => (true, false),
                _ => return None,
            };
            // Both operands as i32 bits, each byte extracted with the sign it has.
            let bytes = |m: &mut Module, v: u32, signed: bool, out: &mut Vec<Inst>| {
                let bits = fresh(m)?;
                out.push(Inst::new(op::BITCAST, &[i32t, bits, v]));
                let mut r = Vec::new();
                for &off in &offsets {
                    let x = fresh(m)?;
                    if signed {
                        out.push(Inst::new(BIT_FIELD_S_EXTRACT, &[i32t, x, bits, off, eight]));
                    } else {
                        // Zero-extended in a u32, then the same bits as an i32 (0..=255).
                        let ubits = fresh(m)?;
                        out.push(Inst::new(op::BITCAST, &[u32t, ubits, bits]));
                        let ux = fresh(m)?;
                        out.push(Inst::new(
                            BIT_FIELD_U_EXTRACT,
                            &[u32t, ux, ubits, off, eight],
                        ));
                        out.push(Inst::new(op::BITCAST, &[i32t, x, ux]));
                    }
                    r.push(x);
                }
                Some(r)
            };
            let xa = bytes(m, a, a_signed, &mut out)?;
            let xb = bytes(m, b, b_signed, &mut out)?;
            sum = zero;
            for k in 0..4 {
                let p = fresh(m)?;
                out.push(Inst::new(op::I_MUL, &[i32t, p, xa[k], xb[k]]));
                let s = fresh(m)?;
                out.push(Inst::new(op::I_ADD, &[i32t, s, sum, p]));
                sum = s;
            }
        } else {
            let vt = ivec[(d.components - 2) as usize];
            let (va, vb) = (fresh(m)?, fresh(m)?);
            out.push(Inst::new(op::BITCAST, &[vt, va, a]));
            out.push(Inst::new(op::BITCAST, &[vt, vb, b]));
            let prod = fresh(m)?;
            out.push(Inst::new(op::I_MUL, &[vt, prod, va, vb]));
            sum = fresh(m)?;
            out.push(Inst::new(op::COMPOSITE_EXTRACT, &[i32t, sum, prod, 0]));
            for k in 1..d.components {
                let e = fresh(m)?;
                out.push(Inst::new(op::COMPOSITE_EXTRACT, &[i32t, e, prod, k]));
                let s = fresh(m)?;
                out.push(Inst::new(op::I_ADD, &[i32t, s, sum, e]));
                sum = s;
            }
        }
        let value = match opcode {
            SDOT_ACC_SAT | SUDOT_ACC_SAT | UDOT_ACC_SAT => {
                let acc_bits = fresh(m)?;
                out.push(Inst::new(op::BITCAST, &[i32t, acc_bits, o[4]]));
                let total = fresh(m)?;
                out.push(Inst::new(op::I_ADD, &[i32t, total, acc_bits, sum]));
                if opcode == UDOT_ACC_SAT {
                    // Unsigned: wrapped when the total is below the accumulator.
                    let (tu, au) = (fresh(m)?, fresh(m)?);
                    out.push(Inst::new(op::BITCAST, &[u32t, tu, total]));
                    out.push(Inst::new(op::BITCAST, &[u32t, au, acc_bits]));
                    let wrapped = fresh(m)?;
                    out.push(Inst::new(U_LESS_THAN, &[boolt, wrapped, tu, au]));
                    let sat = fresh(m)?;
                    out.push(Inst::new(op::SELECT, &[u32t, sat, wrapped, uint_max, tu]));
                    let v = fresh(m)?;
                    out.push(Inst::new(op::BITCAST, &[i32t, v, sat]));
                    v
                } else {
                    let (pos, neg, down, up) = (fresh(m)?, fresh(m)?, fresh(m)?, fresh(m)?);
                    out.push(Inst::new(S_GREATER_THAN, &[boolt, pos, sum, zero]));
                    out.push(Inst::new(S_LESS_THAN, &[boolt, neg, sum, zero]));
                    out.push(Inst::new(S_LESS_THAN, &[boolt, down, total, acc_bits]));
                    out.push(Inst::new(S_GREATER_THAN, &[boolt, up, total, acc_bits]));
                    let (over, under) = (fresh(m)?, fresh(m)?);
                    out.push(Inst::new(LOGICAL_AND, &[boolt, over, pos, down]));
                    out.push(Inst::new(LOGICAL_AND, &[boolt, under, neg, up]));
                    let (s1, s2) = (fresh(m)?, fresh(m)?);
                    out.push(Inst::new(op::SELECT, &[i32t, s1, over, int_max, total]));
                    out.push(Inst::new(op::SELECT, &[i32t, s2, under, int_min, s1]));
                    s2
                }
            }
            _ => sum,
        };
        // The result in its declared type.
        if d.result_signed && result_type == i32t {
            out.push(Inst::new(op::COPY_OBJECT, &[result_type, result, value]));
        } else {
            out.push(Inst::new(op::BITCAST, &[result_type, result, value]));
        }
        replacement.push((d.at, out));
    }
    // Splice, last first so the indices stay valid.
    for (at, insts) in replacement.into_iter().rev() {
        m.insts.splice(at..at + 1, insts);
    }
    if m.insts
        .iter()
        .any(|i| i.opcode() == op::TYPE_INT && i.operand(1) == Some(64))
        && !m
            .insts
            .iter()
            .any(|i| i.opcode() == op::CAPABILITY && i.operand(0) == Some(CAPABILITY_INT64))
    {
        if let Some(at) = m.insts.iter().position(|i| i.opcode() == op::CAPABILITY) {
            m.insts
                .insert(at + 1, Inst::new(op::CAPABILITY, &[CAPABILITY_INT64]));
        }
    }
    if !m.insts.iter().any(|i| is_dot(i.opcode())) {
        m.insts.retain(|i| {
            !(i.opcode() == op::CAPABILITY
                && i.operand(0)
                    .is_some_and(|c| CAPABILITY_DOT_PRODUCT.contains(&c)))
        });
        m.remove_extension(EXTENSION);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legalize::tests::assemble;

    fn sext(b: u32) -> i32 {
        b as u8 as i8 as i32
    }

    #[test]
    fn dot_products_compute_like_the_specification() {
        let a: u32 = 0x80FF_017F;
        let b: u32 = 0x02FE_7F81;
        let bytes = |v: u32| [0, 8, 16, 24].map(|s| (v >> s) & 0xff);
        let (ab, bb) = (bytes(a), bytes(b));
        let sdot: i32 = (0..4).map(|k| sext(ab[k]) * sext(bb[k])).sum();
        let udot: u32 = (0..4).map(|k| ab[k] * bb[k]).sum();
        let sudot: i32 = (0..4).map(|k| sext(ab[k]) * bb[k] as i32).sum();
        let vdot = (7i64 * -2 + -3 * 5 + 100_000 * 70_000) as u32;
        let text = format!(
            r#"
               OpCapability Shader
               OpCapability DotProduct
               OpCapability DotProductInput4x8BitPacked
               OpCapability DotProductInputAll
               OpExtension "{EXTENSION}"
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %arr ArrayStride 4
               OpMemberDecorate %block 0 Offset 0
               OpDecorate %block Block
               OpDecorate %out DescriptorSet 0
               OpDecorate %out Binding 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
        %int = OpTypeInt 32 1
       %uint = OpTypeInt 32 0
      %v3int = OpTypeVector %int 3
     %uint_8 = OpConstant %uint 8
        %arr = OpTypeArray %uint %uint_8
      %block = OpTypeStruct %arr
        %ptr = OpTypePointer StorageBuffer %block
       %eptr = OpTypePointer StorageBuffer %uint
        %out = OpVariable %ptr StorageBuffer
          %a = OpConstant %uint {a}
          %b = OpConstant %uint {b}
       %ia_ = OpConstant %int {a_i}
     %near_max = OpConstant %int 2147483642
     %near_min = OpConstant %int -2147483643
    %u_near = OpConstant %uint 4294967292
       %m2 = OpConstant %int -2
       %m3 = OpConstant %int -3
        %i5 = OpConstant %int 5
        %i7 = OpConstant %int 7
      %i100k = OpConstant %int 100000
       %i70k = OpConstant %int 70000
        %va = OpConstantComposite %v3int %i7 %m3 %i100k
        %vb = OpConstantComposite %v3int %m2 %i5 %i70k
      %int_0 = OpConstant %int 0
      %int_1 = OpConstant %int 1
      %int_2 = OpConstant %int 2
      %int_3 = OpConstant %int 3
      %int_4 = OpConstant %int 4
      %int_5 = OpConstant %int 5
      %int_6 = OpConstant %int 6
       %main = OpFunction %void None %fn
      %entry = OpLabel
         %r0 = OpSDot %int %a %b PackedVectorFormat4x8Bit
         %r1 = OpUDot %uint %a %b PackedVectorFormat4x8Bit
         %r2 = OpSUDot %int %ia_ %b PackedVectorFormat4x8Bit
         %r3 = OpSDot %int %va %vb
         %r4 = OpSDotAccSat %int %a %a %near_max PackedVectorFormat4x8Bit
         %r5 = OpSUDotAccSat %int %a %b %near_min PackedVectorFormat4x8Bit
         %r6 = OpUDotAccSat %uint %a %b %u_near PackedVectorFormat4x8Bit
         %p0 = OpAccessChain %eptr %out %int_0 %int_0
         %b0 = OpBitcast %uint %r0
               OpStore %p0 %b0
         %p1 = OpAccessChain %eptr %out %int_0 %int_1
               OpStore %p1 %r1
         %p2 = OpAccessChain %eptr %out %int_0 %int_2
         %b2 = OpBitcast %uint %r2
               OpStore %p2 %b2
         %p3 = OpAccessChain %eptr %out %int_0 %int_3
         %b3 = OpBitcast %uint %r3
               OpStore %p3 %b3
         %p4 = OpAccessChain %eptr %out %int_0 %int_4
         %b4 = OpBitcast %uint %r4
               OpStore %p4 %b4
         %p5 = OpAccessChain %eptr %out %int_0 %int_5
         %b5 = OpBitcast %uint %r5
               OpStore %p5 %b5
         %p6 = OpAccessChain %eptr %out %int_0 %int_6
               OpStore %p6 %r6
               OpReturn
               OpFunctionEnd
"#,
            a_i = a as i32
        );
        let Some(words) = assemble(&text, "spv1.3") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&words).is_err());
        let v = crate::legalize::tests::run_with_buffer(&words, 28);
        let self_dot: i32 = (0..4).map(|k| sext(ab[k]) * sext(ab[k])).sum();
        assert!(self_dot > 5, "the a·a case must overflow");
        let sat_s = (2_147_483_642i64 + i64::from(self_dot)).min(i64::from(i32::MAX)) as i32;
        let sat_su = (-2_147_483_643i64 + i64::from(sudot)).max(i64::from(i32::MIN)) as i32;
        let sat_u = (4_294_967_292u64 + u64::from(udot)).min(u64::from(u32::MAX)) as u32;
        assert_eq!(
            v,
            [
                sdot as u32,
                udot,
                sudot as u32,
                vdot,
                sat_s as u32,
                sat_su as u32,
                sat_u
            ]
        );
    }

    /// `AccSat` on vectors of 32-bit integers, against 128-bit arithmetic: extreme values
    /// whose 64-bit sum would overflow, cancellations, and pseudo-random cases.
    #[test]
    fn saturating_dot_products_of_vectors_are_exact() {
        // (opcode name, a, b, accumulator bits)
        let mut cases: Vec<(&str, Vec<u32>, Vec<u32>, u32)> = vec![
            (
                "SDotAccSat",
                vec![i32::MIN as u32; 4],
                vec![i32::MIN as u32; 4],
                0,
            ),
            (
                "SDotAccSat",
                vec![i32::MIN as u32; 4],
                vec![
                    i32::MIN as u32,
                    i32::MIN as u32,
                    2_147_483_647,
                    2_147_483_647,
                ],
                5,
            ),
            (
                "SDotAccSat",
                vec![65536, 65536, 2, 7],
                vec![32768, (-32768i32) as u32, 3, 1],
                (-13i32) as u32,
            ),
            ("SDotAccSat", vec![65536, 1], vec![32768, 0], (-1i32) as u32),
            ("SDotAccSat", vec![65536, 1], vec![32768, 0], 0),
            (
                "SDotAccSat",
                vec![i32::MIN as u32, 1],
                vec![1, 0],
                (-1i32) as u32,
            ),
            ("SDotAccSat", vec![i32::MIN as u32, 1], vec![1, 0], 0),
            ("UDotAccSat", vec![u32::MAX; 4], vec![u32::MAX; 4], u32::MAX),
            ("UDotAccSat", vec![0, 1, 2], vec![9, 9, 9], u32::MAX - 27),
            ("UDotAccSat", vec![0, 1, 2], vec![9, 9, 9], u32::MAX - 26),
            (
                "SUDotAccSat",
                vec![i32::MIN as u32; 4],
                vec![u32::MAX; 4],
                0,
            ),
            (
                "SUDotAccSat",
                vec![i32::MIN as u32, i32::MAX as u32, 3],
                vec![u32::MAX, u32::MAX, 5],
                7,
            ),
            (
                "SUDotAccSat",
                vec![i32::MAX as u32; 2],
                vec![u32::MAX; 2],
                i32::MIN as u32,
            ),
        ];
        let mut seed = 0x2545_f491_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            // Mostly small magnitudes, sometimes huge.
            if seed & 3 == 0 {
                seed
            } else {
                seed >> 20
            }
        };
        for k in 0..18 {
            let name = ["SDotAccSat", "UDotAccSat", "SUDotAccSat"][k % 3];
            let n = 2 + k % 3;
            let a = (0..n).map(|_| next()).collect();
            let b = (0..n).map(|_| next()).collect();
            cases.push((name, a, b, next()));
        }
        let reference = |name: &str, a: &[u32], b: &[u32], acc: u32| -> u32 {
            let s = |x: u32| i128::from(x as i32);
            let u = |x: u32| i128::from(x);
            let (fa, fb, facc): (fn(u32) -> i128, fn(u32) -> i128, fn(u32) -> i128) = match name {
                "SDotAccSat" => (s, s, s),
                "UDotAccSat" => (u, u, u),
                _ => (s, u, s),
            };
            let total: i128 =
                a.iter().zip(b).map(|(&x, &y)| fa(x) * fb(y)).sum::<i128>() + facc(acc);
            if name == "UDotAccSat" {
                total.clamp(0, i128::from(u32::MAX)) as u32
            } else {
                total.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32 as u32
            }
        };
        let mut consts = String::new();
        let mut body = String::new();
        for (c, (name, a, b, acc)) in cases.iter().enumerate() {
            let n = a.len();
            let signed_result = *name != "UDotAccSat";
            let (rt, at, bt) = match *name {
                "SDotAccSat" => ("int", format!("v{n}int"), format!("v{n}int")),
                "UDotAccSat" => ("uint", format!("v{n}uint"), format!("v{n}uint")),
                _ => ("int", format!("v{n}int"), format!("v{n}uint")),
            };
            let scalar = |t: &str, v: u32| {
                if t == "int" {
                    (v as i32).to_string()
                } else {
                    v.to_string()
                }
            };
            let mut comps = |vec: &[u32], t: &str, vt: &str, tag: &str| {
                let st = if t.ends_with("uint") { "uint" } else { "int" };
                let mut ids = Vec::new();
                for (k, &v) in vec.iter().enumerate() {
                    consts.push_str(&format!(
                        "%c{c}{tag}{k} = OpConstant %{st} {}\n",
                        scalar(st, v)
                    ));
                    ids.push(format!("%c{c}{tag}{k}"));
                }
                consts.push_str(&format!(
                    "%c{c}{tag} = OpConstantComposite %{vt} {}\n",
                    ids.join(" ")
                ));
            };
            comps(a, &at, &at, "a");
            comps(b, &bt, &bt, "b");
            consts.push_str(&format!(
                "%c{c}acc = OpConstant %{rt} {}\n%idx{c} = OpConstant %int {c}\n",
                scalar(rt, *acc)
            ));
            body.push_str(&format!(
                "%r{c} = Op{name} %{rt} %c{c}a %c{c}b %c{c}acc\n%p{c} = OpAccessChain %eptr %out %i0 %idx{c}\n"
            ));
            if signed_result {
                body.push_str(&format!(
                    "%u{c} = OpBitcast %uint %r{c}\nOpStore %p{c} %u{c}\n"
                ));
            } else {
                body.push_str(&format!("OpStore %p{c} %r{c}\n"));
            }
        }
        let count = cases.len();
        let text = format!(
            r#"
               OpCapability Shader
               OpCapability DotProduct
               OpCapability DotProductInputAll
               OpExtension "{EXTENSION}"
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %arr ArrayStride 4
               OpMemberDecorate %block 0 Offset 0
               OpDecorate %block Block
               OpDecorate %out DescriptorSet 0
               OpDecorate %out Binding 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
        %int = OpTypeInt 32 1
       %uint = OpTypeInt 32 0
     %v2int = OpTypeVector %int 2
     %v3int = OpTypeVector %int 3
     %v4int = OpTypeVector %int 4
    %v2uint = OpTypeVector %uint 2
    %v3uint = OpTypeVector %uint 3
    %v4uint = OpTypeVector %uint 4
      %count = OpConstant %uint {count}
        %arr = OpTypeArray %uint %count
      %block = OpTypeStruct %arr
        %ptr = OpTypePointer StorageBuffer %block
       %eptr = OpTypePointer StorageBuffer %uint
        %out = OpVariable %ptr StorageBuffer
         %i0 = OpConstant %int 0
{consts}
       %main = OpFunction %void None %fn
      %entry = OpLabel
{body}
               OpReturn
               OpFunctionEnd
"#
        );
        let Some(words) = assemble(&text, "spv1.3") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&words).is_err());
        let v = crate::legalize::tests::run_with_buffer(&words, 4 * count as u64);
        for (c, (name, a, b, acc)) in cases.iter().enumerate() {
            assert_eq!(
                v[c],
                reference(name, a, b, *acc),
                "case {c}: {name} {a:?} {b:?} {acc}"
            );
        }
    }
}
