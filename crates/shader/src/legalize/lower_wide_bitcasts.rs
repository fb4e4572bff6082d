//! Bitcasts between a 64-bit scalar and a two-component vector of 32-bit scalars (`OpBitcast`,
//! GLSL.std.450 `PackDouble2x32` / `UnpackDouble2x32`) → 64-bit integer arithmetic.
//!
//! naga's reader types a bitcast's result as its operand's shape, so it rejects these (and has
//! no `PackDouble2x32` at all). The words are the same either way — the vector's first
//! component is the low word — so:
//!
//! ```text
//! %r = OpBitcast %v2 %x     →   %u  = OpBitcast %u64 %x          (if %x is not a u64)
//!                               %lo = OpUConvert %u32 %u
//!                               %s  = OpShiftRightLogical %u64 %u %c32
//!                               %hi = OpUConvert %u32 %s
//!                               %w  = OpCompositeConstruct %uvec2 %lo %hi
//!                               %r  = OpBitcast %v2 %w           (if %v2 is not a uvec2)
//!
//! %r = OpBitcast %T64 %v    →   %w  = OpBitcast %uvec2 %v        (if %v is not a uvec2)
//!                               %a  = OpCompositeExtract %u32 %w 0
//!                               %b  = OpCompositeExtract %u32 %w 1
//!                               %lo = OpUConvert %u64 %a
//!                               %bh = OpUConvert %u64 %b
//!                               %hi = OpShiftLeftLogical %u64 %bh %c32
//!                               %u  = OpBitwiseOr %u64 %lo %hi
//!                               %r  = OpBitcast %T64 %u          (if %T64 is not a u64)
//! ```
//!
//! (where a final bitcast is not needed, the last instruction defines `%r` itself). Other
//! shapes (`u64vec2` ↔ `uvec4`) are left alone for naga to refuse.

use super::{literal_string, op, Inst, Module};

const PACK_DOUBLE_2X32: u32 = 59;
const UNPACK_DOUBLE_2X32: u32 = 65;
const U_CONVERT: u16 = 113;
const SHIFT_LEFT_LOGICAL: u16 = 196;
const BITWISE_OR: u16 = 197;

/// The shape of a numeric type: (is a 2-vector, scalar width) for scalars and 2-vectors.
fn shape(m: &Module, ty: u32) -> Option<(bool, u32)> {
    let t = m.type_def(ty)?;
    match t.opcode() {
        op::TYPE_INT | op::TYPE_FLOAT => Some((false, t.operand(1)?)),
        op::TYPE_VECTOR if t.operand(2)? == 2 => {
            let (vector, width) = shape(m, t.operand(1)?)?;
            (!vector).then_some((true, width))
        }
        _ => None,
    }
}

fn type_of(m: &Module, value: u32) -> Option<u32> {
    m.value_def(value)?.operand(0)
}

pub(crate) fn lower_wide_bitcasts(m: &mut Module) {
    let glsl: Vec<u32> = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == op::EXT_INST_IMPORT
                && i.0.len() >= 3
                && literal_string(&i.operands()[1..]).0 == "GLSL.std.450"
        })
        .map(|i| i.0[1])
        .collect();
    // (result type, result, operand, its type, towards 64 bits) of each rewrite.
    let mut plans = Vec::new();
    for i in &m.insts {
        let (ty, result, x) = match i.opcode() {
            op::BITCAST if i.0.len() == 4 => (i.0[1], i.0[2], i.0[3]),
            op::EXT_INST
                if i.0.len() == 6
                    && glsl.contains(&i.0[3])
                    && matches!(i.0[4], PACK_DOUBLE_2X32 | UNPACK_DOUBLE_2X32) =>
            {
                (i.0[1], i.0[2], i.0[5])
            }
            _ => continue,
        };
        let Some(from) = type_of(m, x) else { continue };
        match (shape(m, from), shape(m, ty)) {
            (Some((false, 64)), Some((true, 32))) => plans.push((ty, result, x, from, false)),
            (Some((true, 32)), Some((false, 64))) => plans.push((ty, result, x, from, true)),
            _ => {}
        }
    }
    if plans.is_empty() {
        return;
    }
    let (Some(u32_t), Some(u64_t)) = (
        m.intern_type(op::TYPE_INT, &[32, 0]),
        m.intern_type(op::TYPE_INT, &[64, 0]),
    ) else {
        return;
    };
    let (Some(uvec2), Some(c32)) = (
        m.intern_type(op::TYPE_VECTOR, &[u32_t, 2]),
        m.constant32(u32_t, 32),
    ) else {
        return;
    };
    let mut out = Vec::with_capacity(m.insts.len() + 8 * plans.len());
    for inst in std::mem::take(&mut m.insts) {
        let is_candidate = matches!(inst.opcode(), op::BITCAST | op::EXT_INST);
        let plan = is_candidate
            .then(|| plans.iter().find(|p| Some(p.1) == inst.operand(1)))
            .flatten();
        let Some(&(ty, result, x, from, to_wide)) = plan else {
            out.push(inst);
            continue;
        };
        let mut ids = Vec::new();
        for _ in 0..8 {
            match m.fresh_id() {
                Some(id) => ids.push(id),
                None => break,
            }
        }
        if ids.len() < 8 {
            out.push(inst);
            continue;
        }
        // The result's final step: a bitcast to the asked type, or the value itself.
        let finish = |out: &mut Vec<Inst>, opcode: u16, same: bool, operands: &[u32]| {
            if same {
                let mut words = vec![operands[0], result];
                words.extend_from_slice(&operands[2..]);
                out.push(Inst::new(opcode, &words));
            } else {
                out.push(Inst::new(opcode, operands));
                out.push(Inst::new(op::BITCAST, &[ty, result, operands[1]]));
            }
        };
        if to_wide {
            let v = if from == uvec2 {
                x
            } else {
                out.push(Inst::new(op::BITCAST, &[uvec2, ids[0], x]));
                ids[0]
            };
            out.push(Inst::new(op::COMPOSITE_EXTRACT, &[u32_t, ids[1], v, 0]));
            out.push(Inst::new(op::COMPOSITE_EXTRACT, &[u32_t, ids[2], v, 1]));
            out.push(Inst::new(U_CONVERT, &[u64_t, ids[3], ids[1]]));
            out.push(Inst::new(U_CONVERT, &[u64_t, ids[4], ids[2]]));
            out.push(Inst::new(SHIFT_LEFT_LOGICAL, &[u64_t, ids[5], ids[4], c32]));
            finish(
                &mut out,
                BITWISE_OR,
                ty == u64_t,
                &[u64_t, ids[6], ids[3], ids[5]],
            );
        } else {
            let u = if from == u64_t {
                x
            } else {
                out.push(Inst::new(op::BITCAST, &[u64_t, ids[0], x]));
                ids[0]
            };
            out.push(Inst::new(U_CONVERT, &[u32_t, ids[1], u]));
            out.push(Inst::new(op::SHIFT_RIGHT_LOGICAL, &[u64_t, ids[2], u, c32]));
            out.push(Inst::new(U_CONVERT, &[u32_t, ids[3], ids[2]]));
            finish(
                &mut out,
                op::COMPOSITE_CONSTRUCT,
                ty == uvec2,
                &[uvec2, ids[4], ids[1], ids[3]],
            );
        }
    }
    m.insts = out;
}
