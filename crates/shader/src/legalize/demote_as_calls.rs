//! `OpDemoteToHelperInvocation` and `OpIsHelperInvocationEXT` → calls of marked helper
//! functions the lowering turns into `Inst::Demote` and `Inst::IsHelper`.
//!
//! naga's reader knows neither instruction. A demoted invocation becomes a helper: it keeps
//! running (its derivatives stay defined for its quad) but writes no memory, and its
//! fragment is discarded; `OpIsHelperInvocationEXT` asks whether the invocation is a helper.
//! The helpers are named [`DEMOTE_FUNCTION`] (`void()`, an empty body) and
//! [`IS_HELPER_FUNCTION`] (`bool()`, returning false); the lowering never runs their bodies.
//! A module that already names a function so is left alone, as is one where the
//! instructions have unexpected operands.

use super::{op, Inst, Module};

/// The name of the demotion helper; the lowering recognizes calls by it.
pub const DEMOTE_FUNCTION: &str = "__pumice_demote";
/// The name of the helper-invocation query helper.
pub const IS_HELPER_FUNCTION: &str = "__pumice_is_helper";

const DEMOTE_TO_HELPER_INVOCATION: u16 = 5380;
const IS_HELPER_INVOCATION: u16 = 5381;
const CAPABILITY_DEMOTE_TO_HELPER_INVOCATION: u32 = 5379;
const CONSTANT_FALSE: u16 = 42;
const RETURN_VALUE: u16 = 254;

fn name_inst(id: u32, name: &str) -> Inst {
    let mut words = vec![id];
    let mut bytes = name.as_bytes().to_vec();
    bytes.push(0);
    while bytes.len() % 4 != 0 {
        bytes.push(0);
    }
    words.extend(
        bytes
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
    );
    Inst::new(op::NAME, &words)
}

pub(crate) fn demote_as_calls(m: &mut Module) {
    let used = m.insts.iter().any(|i| {
        matches!(
            i.opcode(),
            DEMOTE_TO_HELPER_INVOCATION | IS_HELPER_INVOCATION
        )
    });
    if !used {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
    }
}

fn rewrite(m: &mut Module) -> Option<()> {
    let taken = m.insts.iter().any(|i| {
        i.opcode() == op::NAME && {
            let (name, _) = super::literal_string(i.operands().get(1..).unwrap_or(&[]));
            name == DEMOTE_FUNCTION || name == IS_HELPER_FUNCTION
        }
    });
    if taken {
        return None;
    }
    let void = m.intern_type(op::TYPE_VOID, &[])?;
    let bool_ty = m.intern_type(op::TYPE_BOOL, &[])?;
    let void_fn = m.intern_type(op::TYPE_FUNCTION, &[void])?;
    let bool_fn = m.intern_type(op::TYPE_FUNCTION, &[bool_ty])?;
    let falsity = match m.find(CONSTANT_FALSE, |o| o.len() == 2 && o[0] == bool_ty) {
        Some(i) => m.insts[i].0[2],
        None => {
            let id = m.fresh_id()?;
            let at = m.globals_end();
            m.insts
                .insert(at, Inst::new(CONSTANT_FALSE, &[bool_ty, id]));
            id
        }
    };
    let [demote, is_helper, l1, l2] = [(); 4].map(|_| m.fresh_id());
    let (demote, is_helper, l1, l2) = (demote?, is_helper?, l1?, l2?);
    let mut out = Vec::with_capacity(m.insts.len() + 10);
    for i in std::mem::take(&mut m.insts) {
        match i.opcode() {
            DEMOTE_TO_HELPER_INVOCATION => {
                if i.0.len() != 1 {
                    return None;
                }
                let r = m.fresh_id()?;
                out.push(Inst::new(op::FUNCTION_CALL, &[void, r, demote]));
            }
            IS_HELPER_INVOCATION => {
                if i.0.len() != 3 || i.0[1] != bool_ty {
                    return None;
                }
                out.push(Inst::new(op::FUNCTION_CALL, &[bool_ty, i.0[2], is_helper]));
            }
            op::CAPABILITY if i.operand(0) == Some(CAPABILITY_DEMOTE_TO_HELPER_INVOCATION) => {}
            _ => out.push(i),
        }
    }
    crate::legalize::insert_debug_names(
        &mut out,
        [
            name_inst(demote, DEMOTE_FUNCTION),
            name_inst(is_helper, IS_HELPER_FUNCTION),
        ],
    );
    out.extend([
        Inst::new(op::FUNCTION, &[void, demote, 0, void_fn]),
        Inst::new(op::LABEL, &[l1]),
        Inst::new(op::RETURN, &[]),
        Inst::new(op::FUNCTION_END, &[]),
        Inst::new(op::FUNCTION, &[bool_ty, is_helper, 0, bool_fn]),
        Inst::new(op::LABEL, &[l2]),
        Inst::new(RETURN_VALUE, &[falsity]),
        Inst::new(op::FUNCTION_END, &[]),
    ]);
    m.insts = out;
    m.remove_extension("SPV_EXT_demote_to_helper_invocation");
    Some(())
}
