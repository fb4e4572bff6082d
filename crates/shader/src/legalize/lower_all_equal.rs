//! `OpGroupNonUniformAllEqual` → `All(value == BroadcastFirst(value))`.
//!
//! naga has no all-equal vote. The value is equal across the active invocations exactly when
//! every active invocation's value equals the first active invocation's, so:
//!
//! ```text
//! %f  = OpGroupNonUniformBroadcastFirst %T %scope %v
//! %eq = OpIEqual / OpFOrdEqual / OpLogicalEqual %bool(N) %v %f      (then OpAll for vectors)
//! %r  = OpGroupNonUniformAll %bool %scope %eq
//! ```
//!
//! Booleans (which naga cannot broadcast) go through a `u32` 1 or 0 first. Floats compare
//! with `==` (NaN is equal to nothing, -0 equals +0), as Mesa's lowering of
//! the same vote does. Adds the `GroupNonUniformBallot` capability `BroadcastFirst` needs.
//! Values whose type cannot be found, or that are not 32-bit scalars or vectors of integers,
//! floats or booleans, are left alone.

use super::{op, Inst, Module};

const CAPABILITY_GROUP_NON_UNIFORM_BALLOT: u32 = 64;
const I_EQUAL: u16 = op::I_EQUAL;
const F_ORD_EQUAL: u16 = 180;
const LOGICAL_EQUAL: u16 = 164;

/// (comparison opcode, components) for a value of type `ty`.
fn comparison(m: &Module, ty: u32) -> Option<(u16, u32)> {
    let t = m.type_def(ty)?;
    match t.opcode() {
        op::TYPE_INT if t.operand(1) == Some(32) => Some((I_EQUAL, 1)),
        op::TYPE_FLOAT if t.operand(1) == Some(32) => Some((F_ORD_EQUAL, 1)),
        op::TYPE_BOOL => Some((LOGICAL_EQUAL, 1)),
        op::TYPE_VECTOR => {
            let (cmp, n) = comparison(m, t.operand(1)?)?;
            (n == 1).then_some((cmp, t.operand(2)?))
        }
        _ => None,
    }
}

pub(crate) fn lower_all_equal(m: &mut Module) {
    let is_target = |i: &Inst| i.opcode() == op::GROUP_NON_UNIFORM_ALL_EQUAL && i.0.len() == 5;
    if !m.insts.iter().any(is_target) {
        return;
    }
    let mut n = m.clone();
    // Plans: (result, value type, comparison, components).
    let mut plans = Vec::new();
    for i in m.insts.iter().filter(|i| is_target(i)) {
        let Some(ty) = m.value_def(i.0[4]).and_then(|d| d.operand(0)) else {
            continue;
        };
        if let Some((cmp, comps)) = comparison(m, ty) {
            plans.push((i.0[2], ty, cmp, comps));
        }
    }
    if plans.is_empty() {
        return;
    }
    let Some(boolean) = n.intern_type(op::TYPE_BOOL, &[]) else {
        return;
    };
    let mut bool_vectors = Vec::new();
    for &(_, _, _, comps) in &plans {
        if comps > 1 && !bool_vectors.iter().any(|&(c, _)| c == comps) {
            let Some(v) = n.intern_type(op::TYPE_VECTOR, &[boolean, comps]) else {
                return;
            };
            bool_vectors.push((comps, v));
        }
    }
    if n.find(op::CAPABILITY, |o| {
        o == [CAPABILITY_GROUP_NON_UNIFORM_BALLOT]
    })
    .is_none()
    {
        n.insts.insert(
            0,
            Inst::new(op::CAPABILITY, &[CAPABILITY_GROUP_NON_UNIFORM_BALLOT]),
        );
    }
    // For booleans: the u32 type of their shape and its 1 and 0.
    let mut as_uint: Vec<(u32, u32, u32, u32)> = Vec::new();
    for &(_, _, cmp, comps) in &plans {
        if cmp == LOGICAL_EQUAL && !as_uint.iter().any(|&(c, ..)| c == comps) {
            let Some(uint) = n.intern_type(op::TYPE_INT, &[32, 0]) else {
                return;
            };
            let Some(uty) = (if comps == 1 {
                Some(uint)
            } else {
                n.intern_type(op::TYPE_VECTOR, &[uint, comps])
            }) else {
                return;
            };
            let (Some(one), Some(zero)) =
                (n.splat(uty, uint, comps, 1), n.splat(uty, uint, comps, 0))
            else {
                return;
            };
            as_uint.push((comps, uty, one, zero));
        }
    }
    let mut out = Vec::with_capacity(n.insts.len() + 3 * plans.len());
    for inst in std::mem::take(&mut n.insts) {
        let plan = is_target(&inst)
            .then(|| plans.iter().find(|p| p.0 == inst.0[2]))
            .flatten();
        let Some(&(result, ty, cmp, comps)) = plan else {
            out.push(inst);
            continue;
        };
        let (bool_ty, scope, value) = (inst.0[1], inst.0[3], inst.0[4]);
        let ids = (n.fresh_id(), n.fresh_id(), n.fresh_id(), n.fresh_id());
        let (Some(first), Some(eq), Some(all), Some(converted)) = ids else {
            out.push(inst);
            continue;
        };
        let (ty, cmp, value) = match as_uint.iter().find(|&&(c, ..)| c == comps) {
            Some(&(_, uty, one, zero)) if cmp == LOGICAL_EQUAL => {
                out.push(Inst::new(op::SELECT, &[uty, converted, value, one, zero]));
                (uty, I_EQUAL, converted)
            }
            _ => (ty, cmp, value),
        };
        out.push(Inst::new(
            op::GROUP_NON_UNIFORM_BROADCAST_FIRST,
            &[ty, first, scope, value],
        ));
        let eq_ty = bool_vectors
            .iter()
            .find(|&&(c, _)| c == comps)
            .map_or(boolean, |&(_, v)| v);
        out.push(Inst::new(cmp, &[eq_ty, eq, value, first]));
        let eq = if comps > 1 {
            out.push(Inst::new(op::ALL, &[boolean, all, eq]));
            all
        } else {
            eq
        };
        out.push(Inst::new(
            op::GROUP_NON_UNIFORM_ALL,
            &[bool_ty, result, scope, eq],
        ));
    }
    n.insts = out;
    *m = n;
}
