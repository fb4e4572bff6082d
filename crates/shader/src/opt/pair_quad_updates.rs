//! `t = quad(…); w = quad2(…); x = t + e` in straight-line code (three statically varying
//! float instructions in a row, `t` read nowhere else), becomes one [`Inst::QuadPairV`]:
//! `x = quad(…) + e` and `w = quad2(…)` from the same old values, in one dispatch.
//!
//! The shape is an update of two variables from each other's old values, where the first
//! also adds a term: `p = vec2(p.x * p.x - p.y * p.y + c.x, 2.0 * p.x * p.y + c.y)` (a
//! complex square plus a constant, the step of every Mandelbrot or Julia loop; a rotation
//! plus an offset). `opt::fuse_products` cannot give the sum to the product there: the
//! product must read the old `p.y`, which the second update overwrites before the sum runs,
//! so the product goes to a temporary. Reading every source before writing either result
//! (a chunk of lanes at a time) keeps both updates' old values without the temporary: one
//! dispatch instead of three, and the temporary's W lanes neither written nor read back.
//! Every product and sum is rounded as the three instructions rounded them.
//!
//! The three give the same values when: the second update neither reads nor writes `t`, and
//! does not write `e` or `x` (the sum would then see its result, or the two results would
//! land in one register); `x` is not `t`; `t` is read only by the sums of such triples (so
//! nothing reads the value the pair no longer writes) and is not an output; the masked
//! forms' `tmp`s are read by nothing (they are not written either). Only the pairs with a hot
//! form ([`Inst::specialized`]: the complex square) are made: the interpreter runs the
//! general form out of line, through whole-register copies, which costs more than the three
//! dispatches it would replace.
//!
//! Last (after `opt::unroll_counted_loops`: it pairs within every copy of a body, and no
//! pass before has to know an instruction with two results).

use crate::ir::{Bin, Inst, Program, Quad, Reg};

/// One triple found: the pair, and the `t` it no longer writes.
struct Found {
    pc: usize,
    t: Reg,
    pair: Inst,
}

/// Returns whether it paired anything (then the loops are worth another unrolling).
pub fn run(program: &mut Program) -> bool {
    // Most shaders have no four-operand float operation at all: they pay one scan, not the
    // use counts (a cold compile asks for them in every pass).
    if !program.code.iter().any(|i| quad(i).is_some()) {
        return false;
    }
    let (reads, _) = super::count_uses(program);
    let read = |r: Reg| reads.get(r as usize).copied().unwrap_or(0);
    let mut found: Vec<Found> = Vec::new();
    let mut pc = 0;
    while pc + 2 < program.code.len() {
        match pair_at(&program.code[pc..pc + 3], &read) {
            Some((t, pair)) => {
                found.push(Found { pc, t, pair });
                pc += 3;
            }
            None => pc += 1,
        }
    }
    if found.is_empty() {
        return false;
    }
    // `t` must be read only by the sums of the triples found.
    let mut summed = vec![0u32; program.register_count as usize];
    for f in &found {
        summed[f.t as usize] += 1;
    }
    let output = |r: Reg| program.outputs.iter().any(|&(_, o)| o == r);
    let mut dead = vec![false; program.code.len()];
    let mut paired = false;
    for f in found {
        if summed[f.t as usize] != read(f.t) || output(f.t) {
            continue;
        }
        program.code[f.pc] = f.pair;
        dead[f.pc + 1] = true;
        dead[f.pc + 2] = true;
        paired = true;
    }
    super::remove(program, &dead);
    paired
}

/// The four-operand float operation an instruction is: `(op, dst, tmp, sources)`, `tmp`
/// for a variable update.
fn quad(inst: &Inst) -> Option<(Quad, Reg, Option<Reg>, [Reg; 4])> {
    match inst.general().unwrap_or(*inst) {
        Inst::QuadV {
            op,
            dst,
            a,
            b,
            c,
            d,
        } => Some((op, dst, None, [a, b, c, d])),
        Inst::QuadMaskedV {
            op,
            dst,
            tmp,
            a,
            b,
            c,
            d,
        } => Some((op, dst, Some(tmp), [a, b, c, d])),
        _ => None,
    }
}

/// The pair replacing `code[0..3]`, and the register `t` it no longer writes.
fn pair_at(code: &[Inst], read: &impl Fn(Reg) -> u32) -> Option<(Reg, Inst)> {
    let (op, t, None, a) = quad(&code[0])? else {
        return None;
    };
    let (second_op, w, w_tmp, b) = quad(&code[1])?;
    let (x, x_tmp, e) = match code[2].general().unwrap_or(code[2]) {
        Inst::BinV {
            op: Bin::FAdd,
            dst,
            a,
            b,
        } if a == t => (dst, None, b),
        Inst::BinMaskedV {
            op: Bin::FAdd,
            dst,
            tmp,
            a,
            b,
        } if a == t => (dst, Some(tmp), b),
        _ => return None,
    };
    if b.contains(&t)
        || w == t
        || w == e
        || w == x
        || x == t
        || e == t
        || [w_tmp, x_tmp]
            .into_iter()
            .flatten()
            .any(|tmp| read(tmp) != 0)
    {
        return None;
    }
    let small = |r: Reg| u16::try_from(r).ok();
    let a = [
        small(a[0])?,
        small(a[1])?,
        small(a[2])?,
        small(a[3])?,
        small(e)?,
    ];
    let b = [small(b[0])?, small(b[1])?, small(b[2])?, small(b[3])?];
    let masked = u8::from(x_tmp.is_some()) | u8::from(w_tmp.is_some()) << 1;
    let pair = Inst::QuadPairV {
        op,
        second_op,
        masked,
        first: small(x)?,
        second: small(w)?,
        a,
        b,
    };
    Some((t, pair.specialized()?))
}

#[cfg(test)]
mod tests {
    use crate::ir::{Bin, Inst, Program, Quad};

    /// `t = r0 * r0 - r1 * r1; r1 = 2 * r0 * r1 + r3 (masked); r0 = t + r4 (masked)`, then
    /// `extra`.
    fn program(extra: Vec<Inst>) -> Program {
        let mut code = vec![
            Inst::QuadV {
                op: Quad::MulSubMul,
                dst: 5,
                a: 0,
                b: 0,
                c: 1,
                d: 1,
            },
            Inst::QuadMaskedV {
                op: Quad::MulMulAdd,
                dst: 1,
                tmp: 6,
                a: 2,
                b: 0,
                c: 1,
                d: 3,
            },
            Inst::BinMaskedV {
                op: Bin::FAdd,
                dst: 0,
                tmp: 7,
                a: 5,
                b: 4,
            },
        ];
        code.extend(extra);
        let mut p = Program {
            code,
            register_count: 9,
            ..Program::default()
        };
        crate::opt::specialize_float_ops::run(&mut p);
        p
    }

    #[test]
    fn pairs_the_complex_square() {
        let mut p = program(vec![]);
        super::run(&mut p);
        assert_eq!(
            p.code,
            vec![Inst::MulSubMulAddMulMulAddV {
                masked: 3,
                first: 0,
                second: 1,
                a: [0, 0, 1, 1, 4],
                b: [2, 0, 1, 3],
            }]
        );
    }

    #[test]
    fn leaves_a_product_read_elsewhere() {
        let read_t = Inst::BinV {
            op: Bin::FAdd,
            dst: 8,
            a: 5,
            b: 5,
        };
        let mut p = program(vec![read_t]);
        let before = p.code.clone();
        super::run(&mut p);
        assert_eq!(p.code, before);
    }

    #[test]
    fn leaves_a_sum_of_the_second_result() {
        let mut p = program(vec![]);
        // `r0 = t + r1`: the sum reads what the second update wrote.
        p.code[2] = Inst::FAddMaskedV {
            dst: 0,
            tmp: 7,
            a: 5,
            b: 1,
        };
        let before = p.code.clone();
        super::run(&mut p);
        assert_eq!(p.code, before);
    }
}
