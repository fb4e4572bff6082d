//! Drops the built-ins no instruction reads. Every built-in in `Program::builtins` has its W
//! lanes written at the start of every batch, and the lowering declares all components of a
//! vector built-in: the bench's SAXPY shader reads `gl_GlobalInvocationID.xy` and
//! `gl_NumWorkgroups.x` but had all six components written, ~40 instructions each per batch
//! of ~2,700.

use crate::ir::Program;

pub fn run(program: &mut Program) {
    let mut read = vec![false; program.register_count as usize];
    let mut mark = |r: crate::ir::Reg| {
        if let Some(f) = read.get_mut(r as usize) {
            *f = true;
        }
    };
    for inst in &program.code {
        super::reads(inst).into_iter().for_each(&mut mark);
    }
    for &(_, r) in &program.outputs {
        mark(r);
    }
    // A register beyond the count is kept: nothing here can prove it unread.
    program
        .builtins
        .retain(|&(r, _)| read.get(r as usize).copied().unwrap_or(true));
}
