//! Unrolls a counted loop whose trip count is known when the shader compiles: `for (int i =
//! 0; i < 32; i++) { straight-line body }` runs its body 4 times per back-edge, and its
//! `LoopEndCounted` steps the counter by 4 steps, 8 times instead of 32.
//!
//! Why: a `LoopEndCounted` is ~100 instructions of the interpreter (a call, the uniform and
//! bounds checks, the counter's broadcast to 64 lanes, the watchdog count) against ~55 for a
//! float operation's dispatch, so in a short body it is a fifth of the loop's time (the
//! arithmetic-heavy fragment bench shader: five float instructions per iteration).
//!
//! Runs last (the copies write the same registers, which the passes before count); the loop
//! must be (after `opt::fuse_loop_counter`):
//!
//! ```text
//! i = Mov K                          ; K a constant, in the straight-line code before the loop
//! LoopBegin
//!   BreakIfBin (t = op i, N)         ; N a constant (either operand order)
//!   body                             ; straight-line: no control instruction at all
//! LoopEndCounted i += S, then the test again   ; S a constant
//! ```
//!
//! with `i` read by nothing else in the program (but to be written again, which only the
//! tests can see) and written by nothing in the body. Then every lane that enters
//! goes round exactly T times, T found by running the test on K, K + S, … at compile time
//! (the interpreter's own `compare`, with wrapping adds), and the body is the only way out. With
//! the body repeated U times (U divides T, and the unrolled body stays within
//! [`MAX_BODY`] instructions), the counter takes the values K, K + U·S, … and the test sends
//! the lanes out after T / U rounds, as before after T; nothing else can see the counter.
//! The back-edge runs the watchdog's count U times less often, which the bounded body allows.

use crate::ir::{Inst, Program, Reg, Un};

/// The longest unrolled body: the copies must not outgrow what they save (the dispatch loop
/// and the instruction cache stay the same; only the code grows).
const MAX_BODY: usize = 32;

/// Longest trip count worked out by running the test (a loop running longer is left alone).
const MAX_TRIPS: u32 = 4096;

pub fn run(program: &mut Program) {
    let mut end = 0;
    while end < program.code.len() {
        if let Some(copies) = unroll_at(program, end) {
            end += copies;
        }
        end += 1;
    }
}

/// Unrolls the loop ending at `end` if it qualifies; returns how many instructions it added.
fn unroll_at(program: &mut Program, end: usize) -> Option<usize> {
    let Inst::LoopEndCounted {
        op,
        negate,
        counter,
        step,
        a,
        b,
        body_pc,
        ..
    } = program.code[end]
    else {
        return None;
    };
    let body = body_pc as usize;
    // `body - 1` is the exit test, `body - 2` the `LoopBegin`.
    if body < 2 || body > end {
        return None;
    }
    let Inst::BreakIfBin {
        op: top_op,
        negate: top_negate,
        a: top_a,
        b: top_b,
        ..
    } = program.code[body - 1]
    else {
        return None;
    };
    if program.code[body - 2] != (Inst::LoopBegin { end_pc: end as u32 })
        || (top_op, top_negate, top_a, top_b) != (op, negate, a, b)
    {
        return None;
    }
    let len = end - body;
    if len == 0 || program.code[body..end].iter().any(super::is_control) {
        return None;
    }
    let constant = |r: Reg| {
        program
            .constants
            .iter()
            .find(|&&(c, _)| c == r)
            .map(|&(_, v)| v)
    };
    // The test compares the counter with a constant, either way round.
    let (bound, counter_first) = match (a == counter, b == counter) {
        (true, false) => (constant(b)?, true),
        (false, true) => (constant(a)?, false),
        _ => return None,
    };
    let step_value = constant(step)?;
    // The counter's start: the last write before the loop, in the same straight-line code.
    let mut init = None;
    for pc in (0..body - 2).rev() {
        let inst = &program.code[pc];
        if super::writes(inst) == Some(counter) {
            init = Some(pc);
            break;
        }
        if super::is_control(inst) {
            break;
        }
    }
    let init = init?;
    let start = match program.code[init] {
        Inst::Un {
            op: Un::Mov, a: k, ..
        }
        | Inst::UnV {
            op: Un::Mov, a: k, ..
        }
        | Inst::UnMasked {
            op: Un::Mov, a: k, ..
        }
        | Inst::MovMasked { src: k, .. } => constant(k)?,
        _ => return None,
    };
    // Nothing else reads the counter but to write it again (a masked move reads its
    // destination; such values reach only the tests), nothing in the body writes it, and no
    // constant involved is ever written.
    let bound_reg = if counter_first { b } else { a };
    for (pc, inst) in program.code.iter().enumerate() {
        if pc == init || pc == body - 1 || pc == end {
            continue;
        }
        let w = super::writes(inst);
        if super::reads(inst).contains(&counter) && w != Some(counter) {
            return None;
        }
        if w == Some(counter) && (body..end).contains(&pc) {
            return None;
        }
        if w == Some(step) || w == Some(bound_reg) {
            return None;
        }
    }
    if program.outputs.iter().any(|&(_, r)| r == counter) {
        return None;
    }
    // The trip count, by running the test.
    let goes_round = |i: u32| {
        let (x, y) = if counter_first {
            (i, bound)
        } else {
            (bound, i)
        };
        crate::interp::compare(op, x, y) == Some(negate)
    };
    let mut trips = 0u32;
    let mut i = start;
    while goes_round(i) {
        trips += 1;
        if trips > MAX_TRIPS {
            return None;
        }
        i = i.wrapping_add(step_value);
    }
    let copies = (2..=MAX_BODY / len)
        .rev()
        .find(|&u| trips >= u as u32 && trips % u as u32 == 0)?;
    // The counter steps `copies` steps at a time: a new constant register.
    let big_step = program.register_count;
    program.register_count += 1;
    program
        .constants
        .push((big_step, step_value.wrapping_mul(copies as u32)));
    if let Inst::LoopEndCounted { step, .. } = &mut program.code[end] {
        *step = big_step;
    }
    // The body again `copies - 1` times, before the `LoopEndCounted`: every target at or
    // past it moves by the added length.
    let added = len * (copies - 1);
    let shift = |pc: &mut u32| {
        if *pc as usize >= end {
            *pc += added as u32;
        }
    };
    for inst in program.code.iter_mut() {
        super::map_targets(inst, shift);
    }
    let copy: Vec<Inst> = program.code[body..end].to_vec();
    program
        .code
        .splice(end..end, std::iter::repeat_n(copy, copies - 1).flatten());
    Some(added)
}
