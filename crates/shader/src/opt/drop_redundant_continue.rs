//! A `Continue` that is the last instruction of a loop body (right before `Continuing`) only
//! disables lanes that `Continuing` re-enables at once: it is removed.

use crate::ir::{Inst, Program};

pub fn run(program: &mut Program) {
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len().saturating_sub(1) {
        if program.code[pc] == Inst::Continue && program.code[pc + 1] == Inst::Continuing {
            dead[pc] = true;
        }
    }
    super::remove(program, &dead);
}
