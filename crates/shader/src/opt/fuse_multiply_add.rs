//! `t = FMul a, b; u = FAdd t, c` (or `FAdd c, t`) with `t` read nowhere else becomes
//! `u = FMulAdd a, b, c`: one dispatch instead of two. The result is bit-identical: `FMulAdd`
//! rounds the product before adding, exactly as the two instructions did (it is not an fma).

use crate::ir::{Bin, Inst, Program, Tern};

pub fn run(program: &mut Program) {
    let regs = program.register_count as usize;
    let mut reads = vec![0u32; regs];
    let mut writes = vec![0u32; regs];
    for inst in &program.code {
        for r in super::reads(inst) {
            reads[r as usize] += 1;
        }
        if let Some(w) = super::writes(inst) {
            writes[w as usize] += 1;
        }
    }
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len().saturating_sub(1) {
        let Inst::Bin {
            op: Bin::FMul,
            dst: t,
            a,
            b,
        } = program.code[pc]
        else {
            continue;
        };
        if reads[t as usize] != 1 || writes[t as usize] != 1 {
            continue;
        }
        let Inst::Bin {
            op: Bin::FAdd,
            dst,
            a: x,
            b: y,
        } = program.code[pc + 1]
        else {
            continue;
        };
        let c = if x == t && y != t {
            y
        } else if y == t && x != t {
            x
        } else {
            continue;
        };
        program.code[pc + 1] = Inst::Tern {
            op: Tern::FMulAdd,
            dst,
            a,
            b,
            c,
        };
        dead[pc] = true;
    }
    super::remove(program, &dead);
}
