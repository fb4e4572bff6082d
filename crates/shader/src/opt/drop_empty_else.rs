//! An `Else` right before its `EndIf` (an `if` without an else-block) is removed: the `If`
//! then skips to the `EndIf` when no lane takes it, which restores the mask just as the
//! `Else` would have before it. One dispatch less per `if` reached.

use crate::ir::{Inst, Program};

pub fn run(program: &mut Program) {
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len().saturating_sub(1) {
        if matches!(program.code[pc], Inst::Else { .. }) && program.code[pc + 1] == Inst::EndIf {
            dead[pc] = true;
        }
    }
    super::remove(program, &dead);
}
