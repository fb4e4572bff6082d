//! `t = FMul a, b; … u = FAdd t, c` (or `FAdd c, t`) in straight-line code, with `t` read
//! nowhere else and `a`, `b` unchanged in between, becomes `u = FMulAdd a, b, c` at the add:
//! one dispatch instead of two. The result is bit-identical: `FMulAdd`
//! rounds the product before adding, exactly as the two instructions did (it is not an fma).
//! Likewise `u = FSub t, c` becomes `u = FMulSub a, b, c` (`x * x - y * y`: one of the heavy
//! fragment bench shader's eleven loop instructions).

use crate::ir::{Bin, Inst, Program, Tern};

pub fn run(program: &mut Program) {
    let (reads, writes) = super::count_uses(program);
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len() {
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
        // The add must follow in the same straight-line code, with `a` and `b` unchanged.
        let mut at = pc + 1;
        let found = loop {
            let Some(inst) = program.code.get(at) else {
                break None;
            };
            if super::is_control(inst) {
                break None;
            }
            if let Inst::Bin {
                op: Bin::FAdd,
                dst,
                a: x,
                b: y,
            } = *inst
            {
                if x == t && y != t {
                    break Some((Tern::FMulAdd, dst, y));
                }
                if y == t && x != t {
                    break Some((Tern::FMulAdd, dst, x));
                }
            }
            if let Inst::Bin {
                op: Bin::FSub,
                dst,
                a: x,
                b: y,
            } = *inst
            {
                if x == t && y != t {
                    break Some((Tern::FMulSub, dst, y));
                }
            }
            if super::reads(inst).contains(&t) {
                break None;
            }
            if let Some(w) = super::writes(inst) {
                if w == a || w == b {
                    break None;
                }
            }
            at += 1;
        };
        let Some((op, dst, c)) = found else { continue };
        program.code[at] = Inst::Tern { op, dst, a, b, c };
        dead[pc] = true;
    }
    super::remove(program, &dead);
}
