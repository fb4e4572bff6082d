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
    // Walked backwards, `next[r]` is the first instruction after the current one that reads
    // or writes `r`: (its straight-line stretch, numbered from the end, its pc, whether it
    // writes `r` without reading it). One walk instead of a look ahead from every write
    // (which was 3% of a cold compile); the decision is the same: the first instruction ahead
    // that is control, reads `r` or writes it.
    let mut next: Vec<(u32, usize, bool)> =
        vec![(u32::MAX, 0, false); program.register_count as usize];
    let mut stretch = 0;
    for pc in (0..code.len()).rev() {
        let inst = &code[pc];
        if super::is_control(inst) {
            stretch += 1;
            continue;
        }
        let written = super::writes(inst);
        // Pure arithmetic only: its one effect is the register it writes.
        if let (Inst::Un { .. } | Inst::Bin { .. } | Inst::Tern { .. }, Some(r)) = (inst, written) {
            // At most 32 instructions ahead: the lowering's overwritten initialisations are
            // close, and the bound keeps the pass from reaching across long blocks.
            if let Some(&(in_stretch, at, true)) = next.get(r as usize) {
                dead[pc] = in_stretch == stretch && at - pc <= 32;
            }
        }
        // The reads last: an instruction that reads and writes `r` reads it first.
        if let Some(slot) = written.and_then(|w| next.get_mut(w as usize)) {
            *slot = (stretch, pc, true);
        }
        for r in super::reads(inst) {
            if let Some(slot) = next.get_mut(r as usize) {
                *slot = (stretch, pc, false);
            }
        }
    }
    super::remove(program, &dead);
}
