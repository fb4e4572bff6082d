//! `t = FMul x, y; … u = FMulAdd a, b, t` (or `FMulSub`, or `t` as a factor), in
//! straight-line code, with `t` read nowhere else and `x`, `y` unchanged in between, becomes
//! one [`Inst::QuadV`] at the second instruction: `u = a * b ± x * y` or `u = x * y * b ± c`.
//! Every product and sum is rounded as the two instructions rounded them, so the result is
//! the same bits (multiplication commutes in IEEE arithmetic, so `a * t` is `t * a`).
//!
//! Why: in a register interpreter each dispatch costs ~25 instructions of decoding and
//! bounds checks on top of its lane loop, and the product's temporary register is written and
//! read back in full (W lanes). `a * b - c * d` and `a * b * c + d` are everyday shapes
//! (complex products, 2-D cross products, dot products of two-component vectors, scaled
//! updates); the arithmetic-heavy fragment bench shader's loop has two of them in its six
//! arithmetic instructions.
//!
//! Runs after `opt::mark_varying`, on its statically varying forms only (`TernV`,
//! `TernMaskedV`): the fused instruction then keeps no uniform flags, and the product, read
//! only by the instruction that absorbs it, needs none either.

use crate::ir::{Bin, Inst, Program, Quad, Reg, Tern};

/// How far after a product its reader is looked for: keeps the pass linear on long
/// straight-line code (a product and its use are nearly always a few instructions apart).
const LOOKAHEAD: usize = 32;

pub fn run(program: &mut Program) {
    let (reads, writes) = super::count_uses(program);
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len() {
        let (Inst::Bin {
            op: Bin::FMul,
            dst: t,
            a: x,
            b: y,
        }
        | Inst::BinV {
            op: Bin::FMul,
            dst: t,
            a: x,
            b: y,
        }) = program.code[pc]
        else {
            continue;
        };
        if reads[t as usize] != 1 || writes[t as usize] != 1 || t == x || t == y {
            continue;
        }
        // The reader must follow in the same straight-line code.
        let mut at = pc + 1;
        let mut clobbered = false;
        let found = loop {
            let Some(inst) = program.code.get(at) else {
                break None;
            };
            if super::is_control(inst) || at - pc > LOOKAHEAD {
                break None;
            }
            if super::reads(inst).contains(&t) {
                break fuse(inst, t, x, y);
            }
            if let Some(w) = super::writes(inst) {
                clobbered |= w == x || w == y;
            }
            at += 1;
        };
        let Some(fused) = found else { continue };
        if !clobbered {
            // `x` and `y` unchanged up to the reader: the fused instruction goes there.
            program.code[at] = fused;
            dead[pc] = true;
        } else if can_hoist(&program.code[pc + 1..at], &program.code[at]) {
            // (`p = x * y; x = …; v = p * b + c`, the shape of an update of two variables
            // from each other's old values.) The fused instruction takes the product's place.
            program.code[pc] = fused;
            dead[at] = true;
        }
    }
    super::remove(program, &dead);
}

/// Whether `reader` can run before the instructions `between` instead of after them: they
/// neither write what it reads nor read or write what it writes (its `tmp` included).
fn can_hoist(between: &[Inst], reader: &Inst) -> bool {
    let sources = super::reads(reader);
    let written = super::written_all(reader);
    between.iter().all(|inst| {
        let w = super::written_all(inst);
        !w.iter().any(|r| sources.contains(r) || written.contains(r))
            && !super::reads(inst).iter().any(|r| written.contains(r))
    })
}

/// `inst` with its operand `t` (the product `x * y`) absorbed, if it has a fused form.
fn fuse(inst: &Inst, t: Reg, x: Reg, y: Reg) -> Option<Inst> {
    // (op, a, b, c, d) of the fused operation, from `op a, b, c` with `t` among a, b, c.
    let quad = |op: Tern, a: Reg, b: Reg, c: Reg| -> Option<(Quad, Reg, Reg, Reg, Reg)> {
        let (sum, chain) = match op {
            Tern::FMulAdd => (Quad::MulAddMul, Quad::MulMulAdd),
            Tern::FMulSub => (Quad::MulSubMul, Quad::MulMulSub),
            _ => return None,
        };
        if c == t {
            Some((sum, a, b, x, y))
        } else if a == t {
            Some((chain, x, y, b, c))
        } else if b == t {
            Some((chain, x, y, a, c))
        } else {
            None
        }
    };
    match *inst {
        Inst::TernV { op, dst, a, b, c } => {
            let (op, a, b, c, d) = quad(op, a, b, c)?;
            Some(Inst::QuadV {
                op,
                dst,
                a,
                b,
                c,
                d,
            })
        }
        Inst::TernMaskedV {
            op,
            dst,
            tmp,
            a,
            b,
            c,
        } => {
            let (op, a, b, c, d) = quad(op, a, b, c)?;
            Some(Inst::QuadMaskedV {
                op,
                dst,
                tmp,
                a,
                b,
                c,
                d,
            })
        }
        _ => None,
    }
}
