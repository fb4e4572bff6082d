//! A `Continue` that is the last instruction of a loop body (right before `Continuing`) only
//! disables lanes that `Continuing` re-enables at once: it is removed.
//!
//! Then a `Continuing` of a loop whose body has no `Continue` of its own (none outside nested
//! loops) is removed too: it re-enables the lanes that continued, and without a `Continue`
//! the execution mask at the end of the body is already what it would set (the lanes that
//! started the iteration less those that broke, returned or were killed; every `If` and inner
//! loop restores that when it ends). One dispatch less per iteration of every such loop.

use crate::ir::{Inst, Program};

pub fn run(program: &mut Program) {
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len().saturating_sub(1) {
        if program.code[pc] == Inst::Continue && program.code[pc + 1] == Inst::Continuing {
            dead[pc] = true;
        }
    }
    // For each open loop: whether a `Continue` of its own has been seen.
    let mut open: Vec<bool> = Vec::new();
    for pc in 0..program.code.len() {
        match program.code[pc] {
            Inst::LoopBegin { .. } => open.push(false),
            Inst::Continue if !dead[pc] => {
                if let Some(c) = open.last_mut() {
                    *c = true;
                }
            }
            Inst::Continuing => {
                if open.last() == Some(&false) {
                    dead[pc] = true;
                }
            }
            Inst::LoopEnd { .. } => {
                open.pop();
            }
            _ => {}
        }
    }
    super::remove(program, &dead);
}
