//! Marks the arithmetic that is varying by construction, so the interpreter skips the uniform
//! bookkeeping for it (`Inst::UnV`, `Inst::BinV` and friends; `Batch::uniform` in `interp`).
//!
//! The interpreter tracks at run time which registers hold one value in all lanes. For
//! arithmetic on values derived from per-lane inputs (`gl_FragCoord`, interpolated varyings,
//! invocation indices) that is pure overhead: every dispatch tests an operand's flag (~6
//! instructions) and writes the destination's (~5), of ~70 for a float operation.
//!
//! A register's flag can be kept false for the whole run, at no cost in correctness (a false
//! flag only means the lane loop runs), when nothing sets it true: it is not a constant or a
//! built-in that can be uniform (their flags are set when a batch starts), and every
//! instruction writing it is arithmetic this pass marks (a marked instruction leaves the
//! flags alone) or one that never sets a flag true. Of those registers the pass takes the ones
//! that carry per-lane values at least some of the time (from a per-lane input or built-in,
//! through any instruction): losing the uniform path costs nothing there. A variable set to a
//! constant and then updated from per-lane values (`float a = 0.0; ... a += p.x`) is one of
//! them: its constant store is marked too, leaving the flag false where it could have been
//! true for a while.
//!
//! First it drops writes overwritten before anything reads them in straight-line code
//! (`opt::drop_overwritten_writes`, again): the lowering zero-initialises a variable before
//! storing its initialiser, and later passes can leave such pairs too.
//!
//! Runs last: the marked forms are opaque to the passes above.

use super::Regs;
use crate::ir::{Inst, Program, Reg};

pub fn run(program: &mut Program) {
    super::drop_overwritten_writes::run(program);
    let regs = program.register_count as usize;
    // Registers whose flags can be kept false by marking their writers.
    let mut keep_false = vec![true; regs];
    let mut clear = |r: Reg| {
        if let Some(k) = keep_false.get_mut(r as usize) {
            *k = false;
        }
    };
    for &(r, _) in &program.constants {
        clear(r);
    }
    for &(r, b) in &program.builtins {
        if !crate::interp::BuiltinValues::never_uniform(b) {
            clear(r);
        }
    }
    for inst in &program.code {
        if markable(inst).is_none() {
            flags_set(inst).into_iter().for_each(&mut clear);
        }
    }
    // Registers that carry per-lane values some of the time (least fixed point).
    let mut per_lane = vec![false; regs];
    let seed = program.inputs.iter().map(|&(_, r)| r).chain(
        program
            .builtins
            .iter()
            .filter(|&&(_, b)| crate::interp::BuiltinValues::never_uniform(b))
            .map(|&(r, _)| r),
    );
    for r in seed {
        if let Some(p) = per_lane.get_mut(r as usize) {
            *p = true;
        }
    }
    loop {
        let mut changed = false;
        for inst in &program.code {
            if !super::reads(inst)
                .iter()
                .any(|&r| per_lane.get(r as usize).copied().unwrap_or(false))
            {
                continue;
            }
            for w in super::written_all(inst) {
                if let Some(p) = per_lane.get_mut(w as usize) {
                    if !*p {
                        *p = true;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let varying = |r: Reg| {
        keep_false.get(r as usize).copied().unwrap_or(false)
            && per_lane.get(r as usize).copied().unwrap_or(false)
    };
    for inst in &mut program.code {
        if markable(inst).is_some_and(varying) {
            *inst = match *inst {
                Inst::Un { op, dst, a } => Inst::UnV { op, dst, a },
                Inst::Bin { op, dst, a, b } => Inst::BinV { op, dst, a, b },
                Inst::Tern { op, dst, a, b, c } => Inst::TernV { op, dst, a, b, c },
                Inst::BinMasked { op, dst, tmp, a, b } => Inst::BinMaskedV { op, dst, tmp, a, b },
                Inst::TernMasked {
                    op,
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                } => Inst::TernMaskedV {
                    op,
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                },
                other => other,
            };
        }
    }
}

/// The destination of an instruction that has a marked form (a masked one's `tmp` is written
/// by it alone, so marking it keeps that flag false too).
fn markable(inst: &Inst) -> Option<Reg> {
    match *inst {
        Inst::Un { dst, .. }
        | Inst::Bin { dst, .. }
        | Inst::Tern { dst, .. }
        | Inst::BinMasked { dst, .. }
        | Inst::TernMasked { dst, .. }
        | Inst::UnV { dst, .. }
        | Inst::BinV { dst, .. }
        | Inst::TernV { dst, .. }
        | Inst::BinMaskedV { dst, .. }
        | Inst::TernMaskedV { dst, .. } => Some(dst),
        _ => None,
    }
}

/// The registers whose uniform flag an unmarked instruction may set true. The match names
/// every instruction so that a new one must be placed here.
fn flags_set(inst: &Inst) -> Regs {
    use smallvec::smallvec as vec;
    match *inst {
        Inst::Un { dst, .. }
        | Inst::Bin { dst, .. }
        | Inst::Tern { dst, .. }
        | Inst::Wide { dst, .. }
        | Inst::InsertBits { dst, .. }
        | Inst::MovMasked { dst, .. }
        | Inst::BinMasked { dst, .. }
        | Inst::TernMasked { dst, .. }
        | Inst::Load { dst, .. }
        | Inst::Atomic { dst, .. }
        | Inst::ArrayLength { dst, .. }
        | Inst::GroupReduce { dst, .. }
        | Inst::GroupReduceWide { dst, .. }
        | Inst::GroupGather { dst, .. }
        | Inst::Derivative { dst, .. }
        | Inst::IsHelper { dst } => vec![dst],
        Inst::UnMasked { dst, tmp, .. } => vec![dst, tmp],
        // `tmp` is written only with its flag cleared.
        Inst::LoopEndCounted { counter, .. } => vec![counter],
        Inst::Ballot { dst, .. } => dst.into_iter().collect(),
        Inst::Image { dst, count, .. } => (0..count as Reg).map(|c| dst + c).collect(),
        // Marked forms leave flags alone; `BreakIfBin` writes `tmp` only with its flag cleared.
        Inst::UnV { .. }
        | Inst::BinV { .. }
        | Inst::TernV { .. }
        | Inst::BinMaskedV { .. }
        | Inst::TernMaskedV { .. }
        | Inst::QuadV { .. }
        | Inst::QuadMaskedV { .. }
        | Inst::QuadPairV { .. }
        | Inst::MulSubMulAddMulMulAddV { .. }
        | Inst::FAddV { .. }
        | Inst::FSubV { .. }
        | Inst::FMulV { .. }
        | Inst::FMulAddV { .. }
        | Inst::FMulSubV { .. }
        | Inst::MulAddMulV { .. }
        | Inst::MulSubMulV { .. }
        | Inst::MulMulAddV { .. }
        | Inst::MulMulSubV { .. }
        | Inst::FAddMaskedV { .. }
        | Inst::FSubMaskedV { .. }
        | Inst::FMulMaskedV { .. }
        | Inst::FMulAddMaskedV { .. }
        | Inst::FMulSubMaskedV { .. }
        | Inst::MulAddMulMaskedV { .. }
        | Inst::MulSubMulMaskedV { .. }
        | Inst::MulMulAddMaskedV { .. }
        | Inst::MulMulSubMaskedV { .. }
        | Inst::BreakIfBin { .. }
        | Inst::Store { .. }
        | Inst::If { .. }
        | Inst::Else { .. }
        | Inst::EndIf
        | Inst::LoopBegin { .. }
        | Inst::Continuing
        | Inst::BreakIf { .. }
        | Inst::LoopEnd { .. }
        | Inst::Break
        | Inst::Continue
        | Inst::SwitchBegin
        | Inst::Case { .. }
        | Inst::SwitchEnd
        | Inst::CallBegin
        | Inst::Return
        | Inst::CallEnd
        | Inst::Kill
        | Inst::Demote
        | Inst::Barrier
        | Inst::ImageArg { .. } => vec![],
    }
}
