//! Copy propagation: `t = Mov v` followed by reads of `t` becomes reads of `v`, when every read
//! of `t` comes before anything writes `v` again and before any control instruction.
//!
//! Loads of variables kept in registers lower to such copies (a load must see the value at its
//! point, and the variable may be stored to later); in straight-line code most of them are
//! never needed. On a loop body of float arithmetic this removes a third of the instructions.

use crate::ir::{Inst, Program, Un};

pub fn run(program: &mut Program) {
    let regs = program.register_count as usize;
    let mut writes = vec![0u32; regs];
    let mut reads = vec![0u32; regs];
    for inst in &program.code {
        if let Some(w) = super::writes(inst) {
            writes[w as usize] += 1;
        }
        for r in super::reads(inst) {
            reads[r as usize] += 1;
        }
    }
    super::count_outputs_as_written(program, &mut writes);
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len() {
        let Inst::Un {
            op: Un::Mov,
            dst: t,
            a: v,
        } = program.code[pc]
        else {
            continue;
        };
        // `t` must be a plain value (written once), so that its one write is this copy.
        if writes[t as usize] != 1 || t == v {
            continue;
        }
        let mut uses = Vec::new();
        let mut end = pc + 1;
        while end < program.code.len() {
            let inst = &program.code[end];
            if super::is_control(inst) {
                break;
            }
            if super::reads(inst).contains(&t) {
                uses.push(end);
                // Every read of `t` is in the window: what follows cannot change the answer.
                if uses.len() as u32 == reads[t as usize] {
                    break;
                }
            }
            if super::writes(inst) == Some(v) {
                break;
            }
            end += 1;
        }
        // Every read of `t` must be in the window (a write of `v` at the window's end may read
        // `t` itself: it reads before it writes).
        if uses.len() as u32 != reads[t as usize] {
            continue;
        }
        for &u in &uses {
            super::map_reads(&mut program.code[u], |r| if r == t { v } else { r });
        }
        reads[v as usize] += reads[t as usize];
        reads[t as usize] = 0;
        dead[pc] = true;
    }
    super::remove(program, &dead);
}
