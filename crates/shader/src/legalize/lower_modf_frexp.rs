//! GLSL.std.450 `Modf` and `Frexp` (results through a pointer) → `ModfStruct` / `FrexpStruct`.
//!
//! naga reads only the struct-returning forms (gfx-rs/naga#2526). The pointer forms are the
//! same functions with the second result stored instead of returned:
//!
//! ```text
//! %r = OpExtInst %T %glsl Modf %x %p        %s = OpExtInst %S %glsl ModfStruct %x
//!                                     →     %w = OpCompositeExtract %P %s 1
//!                                                OpStore %p %w
//!                                           %r = OpCompositeExtract %T %s 0
//! ```
//!
//! with `%S = OpTypeStruct %T %P` and `%P` the pointee of `%p` (`%T` for `Modf`, a 32-bit
//! signed integer scalar or vector for `Frexp`, what `FrexpStruct` and naga's frexp result
//! hold). Left alone when the pointer's type cannot be found or is anything else.

use foldhash::HashMap;

use super::{literal_string, op, Inst, Module};

const MODF: u32 = 35;
const MODF_STRUCT: u32 = 36;
const FREXP: u32 = 51;
const FREXP_STRUCT: u32 = 52;

/// The pointee type of pointer `p`, from its definition's result type.
fn pointee(m: &Module, p: u32) -> Option<u32> {
    let def = m.value_def(p)?;
    let ptr = m.type_def(def.operand(0)?)?;
    (ptr.opcode() == op::TYPE_POINTER).then(|| ptr.operand(2))?
}

/// Is `ty` a 32-bit signed integer scalar or vector with as many components as `like`?
fn is_matching_int(m: &Module, ty: u32, like: u32) -> bool {
    let (Some(t), Some(l)) = (m.type_def(ty), m.type_def(like)) else {
        return false;
    };
    match (t.opcode(), l.opcode()) {
        (op::TYPE_INT, op::TYPE_FLOAT) => t.operands()[1..] == [32, 1],
        (op::TYPE_VECTOR, op::TYPE_VECTOR) => {
            t.operand(2) == l.operand(2)
                && matches!((t.operand(1), l.operand(1)), (Some(a), Some(b)) if is_matching_int(m, a, b))
        }
        _ => false,
    }
}

pub(crate) fn lower_modf_frexp(m: &mut Module) {
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
    let is_target = |i: &Inst| {
        i.opcode() == op::EXT_INST
            && i.0.len() == 7
            && glsl.contains(&i.0[3])
            && matches!(i.0[4], MODF | FREXP)
    };
    if !m.insts.iter().any(is_target) {
        return;
    }
    // Plan each rewrite first: (result type, pointee) per instruction, then the structs.
    let mut plans = Vec::new();
    for i in m.insts.iter().filter(|i| is_target(i)) {
        let (ty, p) = (i.0[1], i.0[6]);
        let Some(pointee) = pointee(m, p) else {
            continue;
        };
        let ok = if i.0[4] == MODF {
            pointee == ty
        } else {
            is_matching_int(m, pointee, ty)
        };
        if ok {
            plans.push((i.0[2], ty, pointee));
        }
    }
    let mut structs = HashMap::default();
    for &(_, ty, pointee) in &plans {
        if let std::collections::hash_map::Entry::Vacant(e) = structs.entry((ty, pointee)) {
            let Some(id) = m.add_type(op::TYPE_STRUCT, &[ty, pointee]) else {
                return;
            };
            e.insert(id);
        }
    }
    let mut out = Vec::with_capacity(m.insts.len() + 3 * plans.len());
    for inst in std::mem::take(&mut m.insts) {
        let plan = is_target(&inst)
            .then(|| plans.iter().find(|p| p.0 == inst.0[2]))
            .flatten();
        let Some(&(result, ty, pointee)) = plan else {
            out.push(inst);
            continue;
        };
        let (set, which, x, p) = (inst.0[3], inst.0[4], inst.0[5], inst.0[6]);
        let (Some(s), Some(w)) = (m.fresh_id(), m.fresh_id()) else {
            out.push(inst);
            continue;
        };
        let struct_op = if which == MODF {
            MODF_STRUCT
        } else {
            FREXP_STRUCT
        };
        out.push(Inst::new(
            op::EXT_INST,
            &[structs[&(ty, pointee)], s, set, struct_op, x],
        ));
        out.push(Inst::new(op::COMPOSITE_EXTRACT, &[pointee, w, s, 1]));
        out.push(Inst::new(op::STORE, &[p, w]));
        out.push(Inst::new(op::COMPOSITE_EXTRACT, &[ty, result, s, 0]));
    }
    m.insts = out;
}
