//! Integer vertex outputs get a `Flat` decoration.
//!
//! naga's validator wants `@interpolate(flat)` on every integer vertex output (a WGSL rule).
//! Vulkan has no such rule for the vertex side: integers are never interpolated, and the
//! fragment shader's input must be `Flat` (VUID-StandaloneSpirv-Flat-04744), which decides how
//! the value reaches it. Adding `Flat` to the vertex output changes nothing.
//!
//! Applies to `Output` variables with a `Location`, an integer scalar or vector type, and only
//! vertex entry points listing them.

use super::{literal_string, op, Inst, Module};

const STORAGE_OUTPUT: u32 = 3;
const EXECUTION_MODEL_VERTEX: u32 = 0;
const DECORATION_FLAT: u32 = 14;
const DECORATION_LOCATION: u32 = 30;

fn is_integer(m: &Module, ty: u32) -> bool {
    match m.type_def(ty) {
        Some(t) if t.opcode() == op::TYPE_INT => true,
        Some(t) if t.opcode() == op::TYPE_VECTOR => t.operand(1).is_some_and(|c| is_integer(m, c)),
        _ => false,
    }
}

pub(crate) fn decorate_flat_outputs(m: &mut Module) {
    let mut flat = Vec::new();
    for v in m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::VARIABLE && i.0.len() >= 4 && i.0[3] == STORAGE_OUTPUT)
    {
        let var = v.0[2];
        let Some(pointee) = m.type_def(v.0[1]).and_then(|p| p.operand(2)) else {
            continue;
        };
        let decorated = |d: u32| {
            m.find(op::DECORATE, |o| o.len() >= 2 && o[0] == var && o[1] == d)
                .is_some()
        };
        let entry_models: Vec<u32> = m
            .insts
            .iter()
            .filter(|i| i.opcode() == op::ENTRY_POINT && i.0.len() >= 3)
            .filter(|i| {
                let (_, used) = literal_string(&i.operands()[2..]);
                i.operands()[2 + used..].contains(&var)
            })
            .map(|i| i.0[1])
            .collect();
        if is_integer(m, pointee)
            && decorated(DECORATION_LOCATION)
            && !decorated(DECORATION_FLAT)
            && !entry_models.is_empty()
            && entry_models.iter().all(|&e| e == EXECUTION_MODEL_VERTEX)
        {
            flat.push(var);
        }
    }
    for var in flat {
        let Some(at) = m.find(op::DECORATE, |o| o.first() == Some(&var)) else {
            continue;
        };
        m.insts
            .insert(at, Inst::new(op::DECORATE, &[var, DECORATION_FLAT]));
    }
}
