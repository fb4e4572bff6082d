//! The entry point's copies of its inputs into variables (`MovMasked { dst: v, src: b }` before
//! any control flow, `b` a built-in, input or constant register that nothing writes, `v` written
//! nowhere else): reads of `v` become reads of `b` and the copy goes.
//!
//! The lowering gives every entry-point argument a variable, so a compute shader starts with a
//! copy per `gl_GlobalInvocationID` component and a fragment shader with one per input; each is
//! a pass over W lanes per batch. SAXPY's bytecode runs 19 instructions per batch of which 6 were
//! such copies. Before any control flow the execution mask is the batch's initial one and the
//! lanes outside it never run, so `v` and `b` agree wherever anything can observe them.

use crate::ir::{Inst, Program, Reg};

pub fn run(program: &mut Program) {
    let regs = program.register_count as usize;
    let mut writes = vec![0u32; regs];
    for inst in &program.code {
        if let Some(w) = super::writes(inst) {
            writes[w as usize] += 1;
        }
    }
    // Registers set before the program runs, which no instruction writes.
    let mut given = vec![false; regs];
    for &(r, _) in &program.constants {
        given[r as usize] = true;
    }
    for &(r, _) in &program.builtins {
        given[r as usize] = true;
    }
    for &(_, r) in &program.inputs {
        given[r as usize] = true;
    }
    // Registers read from outside after the run keep their writes.
    let mut external = vec![false; regs];
    for &(_, r) in &program.outputs {
        external[r as usize] = true;
    }
    let mut read_before = vec![false; regs];
    let mut rename: Vec<Reg> = (0..regs as Reg).collect();
    let mut dead = vec![false; program.code.len()];
    for (pc, inst) in program.code.iter().enumerate() {
        match *inst {
            Inst::CallBegin => continue,
            Inst::MovMasked { dst, src }
                if dst != src
                    && writes[dst as usize] == 1
                    && given[src as usize]
                    && writes[src as usize] == 0
                    && !external[dst as usize]
                    && !read_before[dst as usize] =>
            {
                rename[dst as usize] = src;
                dead[pc] = true;
                continue;
            }
            _ => {}
        }
        if super::is_control(inst) {
            break;
        }
        for r in super::reads(inst) {
            read_before[r as usize] = true;
        }
    }
    if !dead.contains(&true) {
        return;
    }
    for inst in &mut program.code {
        super::map_reads(inst, |r| rename[r as usize]);
    }
    super::remove(program, &dead);
}
