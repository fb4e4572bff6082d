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
    run_with(program, true);
}

/// Again, after `opt::pair_quad_updates` shortened bodies: a loop unrolled before repeats its
/// body again while the copies stay within [`MAX_BODY`] (its counter's step is the constant
/// the first run made). Not whole: the loops that read their counter went whole in the first
/// run, and renaming the registers of a pair (`u16`s) could overflow them.
pub fn run_after_pairing(program: &mut Program) {
    run_with(program, false);
}

fn run_with(program: &mut Program, whole: bool) {
    let mut end = 0;
    while end < program.code.len() {
        end = unroll_at(program, end, whole).unwrap_or(end + 1);
    }
}

/// Unrolls the loop ending at `end` if it qualifies (reading its counter, only with `whole`);
/// returns where the code after it now starts.
fn unroll_at(program: &mut Program, end: usize, whole: bool) -> Option<usize> {
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
    // Reads in the body are allowed when the loop is unrolled whole (`unroll_whole`).
    let mut read_in_body = false;
    for (pc, inst) in program.code.iter().enumerate() {
        if pc == init || pc == body - 1 || pc == end {
            continue;
        }
        // Every register written that a pass may name: a pair writes two (the `tmp`s of the
        // fused forms are fresh registers; `written_all` here, a list per instruction, was 2%
        // of a cold compile).
        let first = super::writes(inst);
        let second = match *inst {
            Inst::QuadPairV { second, .. } => Some(Reg::from(second)),
            _ => None,
        };
        let writes = |r: Reg| first == Some(r) || second == Some(r);
        if super::reads(inst).contains(&counter) && !writes(counter) {
            if !(body..end).contains(&pc) {
                return None;
            }
            read_in_body = true;
        }
        if writes(counter) && (body..end).contains(&pc) {
            return None;
        }
        if writes(step) || writes(bound_reg) {
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
    if read_in_body {
        if !whole {
            return None;
        }
        return unroll_whole(program, body, end, counter, start, step_value, trips);
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
    Some(end + added + 1)
}

/// The longest straight-line code a loop reading its counter is unrolled into.
const MAX_WHOLE: usize = 128;

/// Replaces a counted loop whose body reads the counter (`for (k = 0; k < 16; k++) acc +=
/// ta[y][k] * tb[k][x]`) with `trips` copies of its body, the counter a constant in each: every
/// lane that enters goes round exactly `trips` times and the body has no way out, so the
/// copies do what the rounds did (with no lane active, the loop was skipped; the copies then
/// run with an empty mask, which writes nothing). In each copy:
/// - integer `+`, `−`, `×` and `<<` of constants (the counter included) whose result is read
///   only later in the same copy are worked out here and dropped (`k * 4`);
/// - a `+` of such a constant to another register, read only later in the copy as the address
///   of loads and stores, is dropped and the constant added to their offsets (`y * 64 + k * 4`:
///   the address register `y * 64` is computed once, before the loop, by the passes before);
/// - any other read of a constant-valued register reads a constant register instead.
///
/// Dispatches per round of the tiled matmul's inner loop: 7 (two address computations of
/// two instructions, two loads, the multiply-add and the `LoopEndCounted`) → 3.
#[allow(clippy::too_many_arguments)]
fn unroll_whole(
    program: &mut Program,
    body: usize,
    end: usize,
    counter: Reg,
    start: u32,
    step: u32,
    trips: u32,
) -> Option<usize> {
    use crate::ir::{Bin, Space};
    let len = end - body;
    if trips == 0 || trips as usize * len > MAX_WHOLE {
        return None;
    }
    let regs = program.register_count as usize;
    let (_, writes) = super::count_uses(program);
    let read_at = ReadSites::new(program);
    // The exit test's temporary is gone with the loop: nothing may read it.
    if let Inst::BreakIfBin { tmp, .. } | Inst::LoopEndCounted { tmp, .. } = program.code[end] {
        if !read_at.of(tmp).is_empty() {
            return None;
        }
    }
    if let Inst::BreakIfBin { tmp, .. } = program.code[body - 1] {
        if !read_at.of(tmp).is_empty() {
            return None;
        }
    }
    let mut written_in_body = vec![false; regs];
    for inst in &program.code[body..end] {
        for r in super::written_all(inst) {
            if let Some(w) = written_in_body.get_mut(r as usize) {
                *w = true;
            }
        }
    }
    let written_in_body = |r: Reg| written_in_body.get(r as usize) == Some(&true);
    // A register written once, by the body instruction at `pc`, and read only after it in the
    // body: its value in a copy is seen only by that copy.
    let local = |pc: usize, r: Reg| {
        writes.get(r as usize) == Some(&1)
            && read_at
                .of(r)
                .iter()
                .all(|&at| at as usize > pc && (at as usize) < end)
    };
    // Read only as the (non-device) address of loads and stores.
    let only_address = |r: Reg| {
        read_at
            .of(r)
            .iter()
            .all(|&at| match program.code[at as usize] {
                Inst::Load { space, addr, .. } => space != Space::Device && addr.dynamic == Some(r),
                Inst::Store { space, addr, src } => {
                    space != Space::Device && addr.dynamic == Some(r) && src != r
                }
                _ => false,
            })
    };
    // What the trips share, worked out once: for each body instruction that is an integer
    // `Bin` writing a local register, whether it may fold (and whether its result may become
    // an address offset).
    let foldable: Vec<(bool, bool)> = program.code[body..end]
        .iter()
        .enumerate()
        .map(|(i, inst)| match *inst {
            Inst::Bin { op, dst, .. } | Inst::BinV { op, dst, .. } if local(body + i, dst) => {
                (true, op == Bin::IAdd && only_address(dst))
            }
            _ => (false, false),
        })
        .collect();
    // Register-indexed tables (a cold compile makes ~100 instructions here; hash maps were
    // 15% of the whole matmul compile).
    let mut fixed: Vec<Option<u32>> = vec![None; regs];
    for &(r, v) in &program.constants {
        if let Some(f) = fixed.get_mut(r as usize) {
            *f = Some(v);
        }
    }
    let mut constants = program.constants.clone();
    let mut register_count = program.register_count;
    let mut constant_reg = |v: u32| match constants.iter().find(|&&(_, c)| c == v) {
        Some(&(r, _)) => r,
        None => {
            let r = register_count;
            register_count += 1;
            constants.push((r, v));
            r
        }
    };
    // Values and aliases known in the current copy; `touched` lists the registers to forget
    // before the next.
    let mut known: Vec<Option<u32>> = vec![None; regs];
    let mut alias: Vec<Option<(Reg, u32)>> = vec![None; regs];
    let mut touched: Vec<Reg> = Vec::new();
    let mut code = Vec::with_capacity(trips as usize * len);
    for j in 0..trips {
        for r in touched.drain(..) {
            known[r as usize] = None;
            alias[r as usize] = None;
        }
        let counter_slot = known.get_mut(counter as usize)?;
        *counter_slot = Some(start.wrapping_add(step.wrapping_mul(j)));
        touched.push(counter);
        for (i, inst) in program.code[body..end].iter().enumerate() {
            let known_of = |r: Reg| known.get(r as usize).copied().flatten();
            let value = |r: Reg| known_of(r).or_else(|| fixed.get(r as usize).copied().flatten());
            if let (Inst::Bin { op, dst, a, b } | Inst::BinV { op, dst, a, b }, (true, addable)) =
                (*inst, foldable[i])
            {
                let folded = match (op, value(a), value(b)) {
                    (Bin::IAdd, Some(x), Some(y)) => Some(x.wrapping_add(y)),
                    (Bin::ISub, Some(x), Some(y)) => Some(x.wrapping_sub(y)),
                    (Bin::IMul, Some(x), Some(y)) => Some(x.wrapping_mul(y)),
                    (Bin::Shl, Some(x), Some(y)) if y < 32 => Some(x << y),
                    _ => None,
                };
                if let Some(v) = folded {
                    known[dst as usize] = Some(v);
                    touched.push(dst);
                    continue;
                }
                if addable {
                    let sum = match (value(a), value(b)) {
                        (Some(c), None) if !written_in_body(b) => Some((b, c)),
                        (None, Some(c)) if !written_in_body(a) => Some((a, c)),
                        _ => None,
                    };
                    if let Some(sum) = sum {
                        alias[dst as usize] = Some(sum);
                        touched.push(dst);
                        continue;
                    }
                }
            }
            let mut inst = *inst;
            if let Inst::Load { space, addr, .. } | Inst::Store { space, addr, .. } = &mut inst {
                if let (false, Some(d)) = (*space == Space::Device, addr.dynamic) {
                    if let Some(v) = known_of(d) {
                        *addr = crate::ir::Addr {
                            dynamic: None,
                            offset: addr.offset.wrapping_add(v),
                        };
                    } else if let Some((x, c)) = alias.get(d as usize).copied().flatten() {
                        *addr = crate::ir::Addr {
                            dynamic: Some(x),
                            offset: addr.offset.wrapping_add(c),
                        };
                    }
                }
            }
            // Reads of a value known here read a constant register instead.
            let mut swaps = [(0, 0); 5];
            let mut count = 0;
            for r in super::reads(&inst) {
                if let Some(v) = known_of(r) {
                    swaps[count] = (r, constant_reg(v));
                    count += 1;
                }
            }
            if count > 0 {
                let swaps = &swaps[..count];
                super::map_reads(&mut inst, |r| {
                    swaps.iter().find(|&&(x, _)| x == r).map_or(r, |&(_, c)| c)
                });
            }
            code.push(inst);
        }
    }
    // The copies replace the loop, from its `LoopBegin` to its `LoopEndCounted`.
    let begin = body - 2;
    let old_len = end + 1 - begin;
    let new_len = code.len();
    for inst in program.code.iter_mut() {
        super::map_targets(inst, |pc| {
            if *pc as usize > end {
                *pc = (*pc as usize + new_len - old_len) as u32;
            }
        });
    }
    program.code.splice(begin..=end, code);
    program.constants = constants;
    program.register_count = register_count;
    // Nothing reads the counter now: its copies of a start value go (the loop's own and the
    // variable's zero at the top).
    let start_copy = |i: &Inst| {
        matches!(
            *i,
            Inst::Un { op: Un::Mov, dst, .. }
                | Inst::UnV { op: Un::Mov, dst, .. }
                | Inst::MovMasked { dst, .. } if dst == counter
        )
    };
    // (A masked move reads its destination.)
    if !program
        .code
        .iter()
        .any(|i| !start_copy(i) && super::reads(i).contains(&counter))
        && !program.outputs.iter().any(|&(_, r)| r == counter)
    {
        let dead: Vec<bool> = program.code.iter().map(start_copy).collect();
        let before = dead[..begin].iter().filter(|&&d| d).count();
        super::remove(program, &dead);
        return Some(begin - before + new_len);
    }
    Some(begin + new_len)
}

/// Where each register is read, as one flat list of pcs in register order: register `r`'s
/// reads are `pcs[start[r]..start[r + 1]]`, in code order.
struct ReadSites {
    start: Vec<u32>,
    pcs: Vec<u32>,
}

impl ReadSites {
    fn new(program: &Program) -> ReadSites {
        let regs = program.register_count as usize;
        // Counts at `r + 2`, summed, leave `start[r + 1]` where `r`'s list begins; filling
        // moves it on to where `r`'s list ends, which is where `r + 1`'s begins.
        let mut start = vec![0u32; regs + 2];
        for inst in &program.code {
            for r in super::reads(inst) {
                if let Some(n) = start
                    .get_mut(r as usize + 2)
                    .filter(|_| (r as usize) < regs)
                {
                    *n += 1;
                }
            }
        }
        for i in 2..start.len() {
            start[i] += start[i - 1];
        }
        let mut pcs = vec![0u32; start[regs + 1] as usize];
        for (pc, inst) in program.code.iter().enumerate() {
            for r in super::reads(inst) {
                if (r as usize) < regs {
                    let at = &mut start[r as usize + 1];
                    pcs[*at as usize] = pc as u32;
                    *at += 1;
                }
            }
        }
        ReadSites { start, pcs }
    }

    /// The pcs reading `r` (none for a register out of range).
    fn of(&self, r: Reg) -> &[u32] {
        let r = r as usize;
        match (self.start.get(r), self.start.get(r + 1)) {
            (Some(&a), Some(&b)) if r + 2 < self.start.len() => &self.pcs[a as usize..b as usize],
            _ => &[],
        }
    }
}
