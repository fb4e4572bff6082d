//! `t = op …; … MovMasked { dst: v, src: t }` with `t` read nowhere else becomes one
//! `*Masked { dst: v, tmp: t, … }` at the move, and `t = cmp a, b; … BreakIf { cond: t }`
//! becomes one `BreakIfBin`: one dispatch instead of two, and with every lane active (the
//! usual case) the value is written once, straight into the variable, instead of written and
//! copied (see `Inst::UnMasked`).
//!
//! Every update of a variable kept in registers lowers to such a pair (the lowering gives
//! each expression a fresh register and a store is a masked move), and so does every loop's
//! exit test. On the arithmetic-heavy compute bench shader the loop body goes from 14
//! dispatches to 9 (four updates and the exit test); on the heavy fragment bench shader from
//! 13 to 9.
//!
//! The computation moves from `t`'s definition down to the move, so the operands must not be
//! written in between, and nothing between may be control (the execution mask must be the
//! same). Runs last: the passes before it know nothing of the fused forms.

use crate::ir::{Inst, Program};

pub fn run(program: &mut Program) {
    // Outputs count as written: a fused instruction with every lane active writes the
    // variable and not `t`, so an output `t` must stay unfused.
    let (reads, writes) = super::count_uses(program);
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len() {
        let (t, operands) = match program.code[pc] {
            ref inst @ (Inst::Un { dst, .. } | Inst::Bin { dst, .. } | Inst::Tern { dst, .. }) => {
                (dst, super::reads(inst))
            }
            _ => continue,
        };
        if reads[t as usize] != 1 || writes[t as usize] != 1 || operands.contains(&t) {
            continue;
        }
        let mut at = pc + 1;
        let found = loop {
            let Some(inst) = program.code.get(at) else {
                break None;
            };
            match *inst {
                Inst::MovMasked { dst, src } if src == t && dst != t => break Some(at),
                Inst::BreakIf { cond, .. } if cond == t => break Some(at),
                _ => {}
            }
            if super::is_control(inst) || super::reads(inst).contains(&t) {
                break None;
            }
            if super::writes(inst).is_some_and(|w| operands.contains(&w)) {
                break None;
            }
            at += 1;
        };
        let Some(at) = found else { continue };
        let fused = match (program.code[pc], program.code[at]) {
            (Inst::Un { op, a, .. }, Inst::MovMasked { dst, .. }) => {
                Inst::UnMasked { op, dst, tmp: t, a }
            }
            (Inst::Bin { op, a, b, .. }, Inst::MovMasked { dst, .. }) => Inst::BinMasked {
                op,
                dst,
                tmp: t,
                a,
                b,
            },
            (Inst::Tern { op, a, b, c, .. }, Inst::MovMasked { dst, .. }) => Inst::TernMasked {
                op,
                dst,
                tmp: t,
                a,
                b,
                c,
            },
            (Inst::Bin { op, a, b, .. }, Inst::BreakIf { negate, .. }) => Inst::BreakIfBin {
                op,
                tmp: t,
                a,
                b,
                negate,
            },
            _ => continue,
        };
        program.code[at] = fused;
        dead[pc] = true;
    }
    super::remove(program, &dead);
}
