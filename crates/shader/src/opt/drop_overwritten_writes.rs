//! A register written by an arithmetic instruction and written again before anything reads
//! it — with no control instruction in between, so on every path and in every lane — loses
//! the first write: it can never be observed.
//!
//! The lowering zero-fills a function variable where it is declared (`uint i = …` is `r = Mov
//! 0` then `r = Mov value`); with the first write gone the variable is written once and
//! `propagate_copies` can forward the second. Two dispatches less a batch in the bench SAXPY.
//! `opt::mark_varying` runs it again, on what the later passes leave.

use crate::ir::{Inst, Program};

pub fn run(program: &mut Program) {
    let code = &program.code;
    let mut dead = vec![false; code.len()];
    for pc in 0..code.len() {
        // Pure arithmetic only: its one effect is the register it writes.
        if !matches!(
            code[pc],
            Inst::Un { .. } | Inst::Bin { .. } | Inst::Tern { .. }
        ) {
            continue;
        }
        let Some(r) = super::writes(&code[pc]) else {
            continue;
        };
        // A few instructions ahead: the lowering's overwritten initialisations are close, and
        // the bound keeps the pass linear on long blocks.
        for inst in code.iter().skip(pc + 1).take(32) {
            if super::is_control(inst) || super::reads(inst).contains(&r) {
                break;
            }
            if super::writes(inst) == Some(r) {
                dead[pc] = true;
                break;
            }
        }
    }
    super::remove(program, &dead);
}
