//! A counted loop's bookkeeping in one dispatch. A `for (int i = 0; i < n; i++)` loop lowers,
//! after `fuse_masked_moves`, to
//!
//! ```text
//! LoopBegin
//!   BreakIfNot (t = SLt i, n)      ; the exit test opens the body
//!   ...
//!   i =masked(u) IAdd i, one       ; the continuing block closes it
//! LoopEnd
//! ```
//!
//! three dispatches of loop control per iteration. This pass makes the increment and the
//! `LoopEnd` one `LoopEndCounted`, which also runs the exit test for the lanes that go round
//! again and jumps past the `BreakIfBin` (still run on entry). With a uniform counter (the
//! usual case) it is scalar work: one add, one compare, no lane written but the counter's
//! broadcast. And when the test sends every lane out, the loop ends there: the separate
//! instructions ran the body once more with no lane active (1/33 of the heavy fragment bench
//! shader's loop).
//!
//! Runs last: the passes before it know nothing of the fused form.

use crate::ir::{Bin, Inst, Program};

pub fn run(program: &mut Program) {
    let mut dead = vec![false; program.code.len()];
    for end in 0..program.code.len() {
        let Inst::LoopEnd { body_pc } = program.code[end] else {
            continue;
        };
        let body = body_pc as usize;
        // The body starts with the exit test and ends with the increment, at least one
        // instruction apart, directly in the loop (not inside an `if` of the body).
        if body == 0 || body + 1 >= end {
            continue;
        }
        if program.code[body - 1] != (Inst::LoopBegin { end_pc: end as u32 }) {
            continue;
        }
        let Inst::BreakIfBin {
            op,
            tmp,
            a,
            b,
            negate,
        } = program.code[body]
        else {
            continue;
        };
        if crate::interp::compare(op, 0, 0).is_none() {
            continue;
        }
        let Inst::BinMasked {
            op: Bin::IAdd,
            dst: counter,
            a: x,
            b: y,
            ..
        } = program.code[end - 1]
        else {
            continue;
        };
        let step = match (x == counter, y == counter) {
            (true, false) => y,
            (false, true) => x,
            _ => continue,
        };
        program.code[end] = Inst::LoopEndCounted {
            op,
            negate,
            counter,
            step,
            a,
            b,
            tmp,
            body_pc: body_pc + 1,
        };
        dead[end - 1] = true;
    }
    super::remove(program, &dead);
}
