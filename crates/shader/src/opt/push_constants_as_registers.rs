//! Loads of a push constant at a fixed offset leave the code: their registers are filled
//! (broadcast, flagged uniform) when a run starts (`Batch::run` from the first instruction), as
//! constants are when a batch is made. Push constants cannot change during a dispatch or a
//! draw, and a load of them has no effect but its result, so reading them before the first
//! instruction is the same as reading them where the load was — inside a branch or a loop too.
//!
//! A load is one dispatch plus a call into `interp::memory` (~100 instructions a batch, of the
//! bench SAXPY's ~2,100 per 64 lanes, which loads two); the fill is a broadcast. Loads of the
//! same offset share one register.

use crate::ir::{Addr, Inst, Program, Space};

pub fn run(program: &mut Program) {
    let regs = program.register_count as usize;
    let mut writes = vec![0u32; regs];
    for inst in &program.code {
        if let Some(w) = super::writes(inst) {
            if let Some(n) = writes.get_mut(w as usize) {
                *n += 1;
            }
        }
    }
    super::count_outputs_as_written(program, &mut writes);
    let mut dead = vec![false; program.code.len()];
    // Registers of loads merged into an earlier one of the same offset: (from, to).
    let mut merged = Vec::new();
    for (pc, inst) in program.code.iter().enumerate() {
        let Inst::Load {
            dst,
            space: Space::PushConstant,
            addr: Addr {
                dynamic: None,
                offset,
            },
        } = *inst
        else {
            continue;
        };
        // Written once (by this load): its value is the same wherever it is read.
        if writes.get(dst as usize) != Some(&1) {
            continue;
        }
        dead[pc] = true;
        match program.push_constants.iter().find(|&&(_, o)| o == offset) {
            Some(&(first, _)) => merged.push((dst, first)),
            None => program.push_constants.push((dst, offset)),
        }
    }
    if !merged.is_empty() {
        let mut to: Vec<_> = (0..regs as u32).collect();
        for &(from, first) in &merged {
            to[from as usize] = first;
        }
        for inst in &mut program.code {
            super::map_reads(inst, |r| to.get(r as usize).copied().unwrap_or(r));
        }
    }
    super::remove(program, &dead);
}
