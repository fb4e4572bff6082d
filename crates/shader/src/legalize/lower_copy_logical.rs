//! `OpCopyLogical` → member-wise `OpCompositeExtract` and `OpCompositeConstruct`.
//!
//! `OpCopyLogical` (SPIR-V 1.4) copies a struct or array into another type of the same shape
//! that differs only in decorations (offsets, strides, matrix layout). naga has no such
//! instruction; its meaning is exactly "take each member and rebuild": for a pair of
//! structs with as many members, or of arrays of the same length, each member is extracted,
//! copied the same way to the destination's member type, and the destination built from the
//! results. Members of the same type are taken as they are. Anything else (different shapes,
//! leaves of different types, more than [`MAX_INSTS`] instructions for one copy) leaves the
//! instruction alone, and naga refuses it as before.

use super::{op, Inst, Module};

/// The most instructions one copy may expand to.
const MAX_INSTS: usize = 4096;

pub(crate) fn lower_copy_logical(m: &mut Module) {
    if !m.insts.iter().any(|i| i.opcode() == op::COPY_LOGICAL) {
        return;
    }
    let mut n = m.clone();
    let mut out = Vec::with_capacity(n.insts.len());
    for inst in std::mem::take(&mut n.insts) {
        if inst.opcode() != op::COPY_LOGICAL || inst.0.len() != 4 {
            out.push(inst);
            continue;
        }
        let (dst_ty, result, src) = (inst.0[1], inst.0[2], inst.0[3]);
        // The module being rebuilt is `out` plus what follows; look types and values up in `m`.
        let Some(src_ty) = m.value_def(src).and_then(|d| d.operand(0)) else {
            out.push(inst);
            continue;
        };
        let mut emitted = Vec::new();
        let mut next_id = n.header[3];
        match copy(
            m,
            &mut emitted,
            &mut next_id,
            src,
            src_ty,
            dst_ty,
            Some(result),
        ) {
            Some(_) if emitted.len() <= MAX_INSTS => {
                n.header[3] = next_id;
                out.extend(emitted);
            }
            _ => out.push(inst),
        }
    }
    n.insts = out;
    *m = n;
}

/// Member `i`'s type of struct or array `ty` and how many members it has.
fn members(m: &Module, ty: u32) -> Option<(u16, Vec<u32>)> {
    let t = m.type_def(ty)?;
    match t.opcode() {
        op::TYPE_STRUCT => Some((op::TYPE_STRUCT, t.operands()[1..].to_vec())),
        op::TYPE_ARRAY => {
            let (elem, len) = (t.operand(1)?, t.operand(2)?);
            let c = m.value_def(len)?;
            if c.opcode() != op::CONSTANT || c.0.len() != 4 {
                return None;
            }
            let len = usize::try_from(c.0[3]).ok().filter(|&l| l <= MAX_INSTS)?;
            Some((op::TYPE_ARRAY, vec![elem; len]))
        }
        _ => None,
    }
}

/// Emits the copy of `value` (of `src_ty`) as a `dst_ty`; returns the id holding it, `result`
/// when given (the outermost copy keeps the original result id).
fn copy(
    m: &Module,
    emitted: &mut Vec<Inst>,
    next_id: &mut u32,
    value: u32,
    src_ty: u32,
    dst_ty: u32,
    result: Option<u32>,
) -> Option<u32> {
    if src_ty == dst_ty && result.is_none() {
        return Some(value);
    }
    if src_ty == dst_ty {
        emitted.push(Inst::new(op::COPY_OBJECT, &[dst_ty, result?, value]));
        return result;
    }
    let (src_kind, src_members) = members(m, src_ty)?;
    let (dst_kind, dst_members) = members(m, dst_ty)?;
    if src_kind != dst_kind || src_members.len() != dst_members.len() {
        return None;
    }
    let mut parts = Vec::with_capacity(dst_members.len());
    for (k, (&s, &d)) in src_members.iter().zip(&dst_members).enumerate() {
        if emitted.len() > MAX_INSTS {
            return None;
        }
        let e = fresh(next_id)?;
        emitted.push(Inst::new(op::COMPOSITE_EXTRACT, &[s, e, value, k as u32]));
        parts.push(copy(m, emitted, next_id, e, s, d, None)?);
    }
    let id = match result {
        Some(r) => r,
        None => fresh(next_id)?,
    };
    let mut words = vec![dst_ty, id];
    words.extend(parts);
    emitted.push(Inst::new(op::COMPOSITE_CONSTRUCT, &words));
    Some(id)
}

fn fresh(next_id: &mut u32) -> Option<u32> {
    let id = *next_id;
    *next_id = next_id.checked_add(1).filter(|&n| n < u32::MAX)?;
    Some(id)
}
