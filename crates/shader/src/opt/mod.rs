//! Passes over the bytecode, run in order after lowering. Each pass is one file named after
//! what it does.
//!
//! The lowering is deliberately simple (every naga expression gets fresh registers, every load
//! of a variable kept in registers is a copy); these passes take out what that costs.

mod drop_empty_else;
mod drop_overwritten_writes;
mod drop_redundant_continue;
mod drop_unread_builtins;
mod eliminate_common_subexpressions;
mod flatten_straight_calls;
mod forward_entry_copies;
mod fuse_loop_counter;
mod fuse_masked_moves;
mod fuse_multiply_add;
mod fuse_products;
mod hoist_invariants;
mod mark_varying;
mod mark_word_runs;
mod pair_quad_updates;
mod propagate_copies;
mod push_constants_as_registers;
mod specialize_float_ops;
mod unroll_counted_loops;

use crate::ir::{Inst, Program, Reg};

pub(crate) use mark_word_runs::run as mark_word_runs;

pub fn run(program: &mut Program) {
    forward_entry_copies::run(program);
    flatten_straight_calls::run(program);
    push_constants_as_registers::run(program);
    drop_overwritten_writes::run(program);
    propagate_copies::run(program);
    eliminate_common_subexpressions::run(program);
    hoist_invariants::run(program);
    // Hoisting brings equal computations of separate loops side by side.
    eliminate_common_subexpressions::run(program);
    fuse_multiply_add::run(program);
    drop_redundant_continue::run(program);
    drop_empty_else::run(program);
    // Last: the fused instructions it makes are opaque to the passes above.
    fuse_masked_moves::run(program);
    // After it: it fuses what `fuse_masked_moves` made.
    fuse_loop_counter::run(program);
    drop_unread_builtins::run(program);
    // Last: the marked forms are opaque to every pass above.
    mark_varying::run(program);
    // On the marked forms only.
    fuse_products::run(program);
    // Last: the copies of a body write the same registers, which the passes above count.
    unroll_counted_loops::run(program);
    // Last: the hot forms it makes are read through their general forms by the helpers here.
    specialize_float_ops::run(program);
    // After the unrolling (it pairs within each copy of a body) and on the hot forms.
    // The bodies it shortened can repeat further.
    if pair_quad_updates::run(program) {
        unroll_counted_loops::run_after_pairing(program);
    }
}

/// Whether every register the code reads or writes is below `register_count`. The lane loops
/// rely on it: they mask register indices instead of checking them (`interp::arith`), so a
/// register out of range would name another one. The compilers check it once, after the
/// passes.
pub(crate) fn registers_in_range(program: &Program) -> bool {
    let n = program.register_count;
    program
        .code
        .iter()
        .all(|inst| reads(inst).iter().chain(&written_all(inst)).all(|&r| r < n))
}

/// `(reads, writes)`: how many instructions read and write each register, outputs counted as
/// written (see [`count_outputs_as_written`]).
pub(crate) fn count_uses(program: &Program) -> (Vec<u32>, Vec<u32>) {
    let regs = program.register_count as usize;
    let mut reads = vec![0u32; regs];
    let mut writes = vec![0u32; regs];
    for inst in &program.code {
        for r in self::reads(inst) {
            reads[r as usize] += 1;
        }
        if let Some(w) = self::writes(inst) {
            writes[w as usize] += 1;
        }
    }
    count_outputs_as_written(program, &mut writes);
    (reads, writes)
}

/// Adds a write to every output register in `writes` (counts of writes per register, for
/// passes that rewrite values written once): the caller reads outputs after the run, so no
/// pass may take one for a value it can forward, merge or drop.
pub(crate) fn count_outputs_as_written(program: &Program, writes: &mut [u32]) {
    for &(_, r) in &program.outputs {
        if let Some(n) = writes.get_mut(r as usize) {
            *n += 1;
        }
    }
}

/// Registers an instruction reads: at most eleven (an [`Inst::QuadPairV`]), kept inline in a
/// plain array (the passes ask
/// for every instruction's reads, often several times: a heap list each time was 7% of a cold
/// compile, and a `SmallVec`'s spill checks were still 5%).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Reads {
    regs: [Reg; 11],
    len: u8,
}

impl Reads {
    fn of<const N: usize>(regs: [Reg; N]) -> Reads {
        let mut r = Reads::default();
        r.regs[..N].copy_from_slice(&regs);
        r.len = N as u8;
        r
    }

    /// Adds `r` unless it is already there.
    fn push_new(&mut self, r: Reg) {
        if !self.contains(&r) {
            self.push(r);
        }
    }

    fn push(&mut self, r: Reg) {
        self.regs[self.len as usize] = r;
        self.len += 1;
    }
}

impl std::ops::Deref for Reads {
    type Target = [Reg];
    fn deref(&self) -> &[Reg] {
        &self.regs[..self.len as usize]
    }
}

impl IntoIterator for Reads {
    type Item = Reg;
    type IntoIter = std::iter::Take<std::array::IntoIter<Reg, 11>>;
    fn into_iter(self) -> Self::IntoIter {
        self.regs.into_iter().take(self.len as usize)
    }
}

/// The registers an instruction reads.
pub(crate) fn reads(inst: &Inst) -> Reads {
    if inst.is_hot() {
        return reads_of_hot(inst);
    }
    match inst {
        Inst::Un { a, .. } | Inst::UnV { a, .. } => Reads::of([*a]),
        Inst::Bin { a, b, .. } | Inst::BinV { a, b, .. } => Reads::of([*a, *b]),
        Inst::Tern { a, b, c, .. } | Inst::TernV { a, b, c, .. } => Reads::of([*a, *b, *c]),
        Inst::Wide { op, a, b, .. } => {
            // An operand used as 32-bit names its register twice: list each register once.
            let mut r = Reads::of([a[0]]);
            for x in [a[1], b[0], b[1]].into_iter().take(2 * op.arity() - 1) {
                r.push_new(x);
            }
            r
        }
        Inst::InsertBits {
            base,
            insert,
            offset,
            count,
            ..
        } => Reads::of([*base, *insert, *offset, *count]),
        // A masked move keeps the old value in inactive lanes: it reads its destination too.
        Inst::MovMasked { dst, src } => Reads::of([*dst, *src]),
        Inst::UnMasked { dst, a, .. } => Reads::of([*dst, *a]),
        Inst::BinMasked { dst, a, b, .. } | Inst::BinMaskedV { dst, a, b, .. } => {
            Reads::of([*dst, *a, *b])
        }
        Inst::TernMasked { dst, a, b, c, .. } | Inst::TernMaskedV { dst, a, b, c, .. } => {
            Reads::of([*dst, *a, *b, *c])
        }
        Inst::QuadV { a, b, c, d, .. } => Reads::of([*a, *b, *c, *d]),
        Inst::QuadMaskedV {
            dst, a, b, c, d, ..
        } => Reads::of([*dst, *a, *b, *c, *d]),
        Inst::BreakIfBin { a, b, .. } => Reads::of([*a, *b]),
        Inst::QuadPairV {
            masked,
            first,
            second,
            a,
            b,
            ..
        } => {
            // A masked result keeps the old value in inactive lanes: its destination is read.
            let mut r = Reads::default();
            for (bit, dst) in [(1, first), (2, second)] {
                if masked & bit != 0 {
                    r.push_new(Reg::from(*dst));
                }
            }
            for &x in a.iter().chain(b) {
                r.push_new(Reg::from(x));
            }
            r
        }
        Inst::LoopEndCounted {
            counter,
            step,
            a,
            b,
            ..
        } => {
            let mut r = Reads::of([*counter, *step]);
            r.push_new(*a);
            r.push_new(*b);
            r
        }
        Inst::Load { addr: a, space, .. } => address_reads(Reads::default(), space, a),
        Inst::Store {
            src,
            addr: a,
            space,
        } => address_reads(Reads::of([*src]), space, a),
        Inst::Atomic {
            addr: a,
            value,
            compare,
            space,
            ..
        } => address_reads(Reads::of([*value, *compare]), space, a),
        Inst::If { cond, .. } | Inst::BreakIf { cond, .. } | Inst::Case { cond, .. } => {
            Reads::of([*cond])
        }
        Inst::Ballot { cond, .. } => Reads::of([*cond]),
        Inst::GroupReduce { src, .. } | Inst::Derivative { src, .. } => Reads::of([*src]),
        Inst::GroupGather { src, index, .. } => Reads::of([*src, *index]),
        Inst::GroupReduceWide { src, .. } if src[0] == src[1] => Reads::of([src[0]]),
        Inst::GroupReduceWide { src, .. } => Reads::of(*src),
        Inst::ImageArg { src, .. } => Reads::of([*src]),
        _ => Reads::default(),
    }
}

/// `r` followed by the registers an access's address reads: its dynamic part, and for a
/// device address the register of the high word (kept in `offset`).
fn address_reads(mut r: Reads, space: &crate::ir::Space, a: &crate::ir::Addr) -> Reads {
    if let Some(d) = a.dynamic {
        r.push(d);
    }
    if *space == crate::ir::Space::Device {
        r.push(a.offset);
    }
    r
}

/// The register an instruction writes. (The fused `*Masked` instructions also write their
/// `tmp`, which nothing else reads; they are made by the last pass.)
pub(crate) fn writes(inst: &Inst) -> Option<Reg> {
    if inst.is_hot() {
        return writes_of_hot(inst);
    }
    match inst {
        Inst::Un { dst, .. }
        | Inst::Bin { dst, .. }
        | Inst::Tern { dst, .. }
        | Inst::UnV { dst, .. }
        | Inst::BinV { dst, .. }
        | Inst::TernV { dst, .. }
        | Inst::BinMaskedV { dst, .. }
        | Inst::TernMaskedV { dst, .. }
        | Inst::QuadV { dst, .. }
        | Inst::QuadMaskedV { dst, .. }
        | Inst::Wide { dst, .. }
        | Inst::InsertBits { dst, .. }
        | Inst::MovMasked { dst, .. }
        | Inst::UnMasked { dst, .. }
        | Inst::BinMasked { dst, .. }
        | Inst::TernMasked { dst, .. }
        | Inst::Load { dst, .. }
        | Inst::Atomic { dst, .. }
        | Inst::ArrayLength { dst, .. }
        | Inst::GroupReduce { dst, .. }
        | Inst::GroupReduceWide { dst, .. }
        | Inst::Derivative { dst, .. }
        | Inst::GroupGather { dst, .. }
        | Inst::IsHelper { dst } => Some(*dst),
        Inst::LoopEndCounted { counter, .. } => Some(*counter),
        // Also writes `second` ([`written_all`]): made by the last pass, after every pass that
        // asks this.
        Inst::QuadPairV { first, .. } => Some(Reg::from(*first)),
        // `Ballot` and `Image` write fresh registers, which no pass rewrites.
        _ => None,
    }
}

/// A list of registers that can be longer than [`Reads`] (an image operation's results).
pub(crate) type Regs = smallvec::SmallVec<[Reg; 4]>;

/// Every register an instruction writes, `tmp`s included.
pub(crate) fn written_all(inst: &Inst) -> Regs {
    use smallvec::smallvec as vec;
    if inst.is_hot() {
        return written_all_of_hot(inst);
    }
    match *inst {
        Inst::UnMasked { dst, tmp, .. }
        | Inst::BinMasked { dst, tmp, .. }
        | Inst::TernMasked { dst, tmp, .. }
        | Inst::BinMaskedV { dst, tmp, .. }
        | Inst::TernMaskedV { dst, tmp, .. }
        | Inst::QuadMaskedV { dst, tmp, .. } => vec![dst, tmp],
        Inst::BreakIfBin { tmp, .. } => vec![tmp],
        Inst::LoopEndCounted { counter, tmp, .. } => vec![counter, tmp],
        Inst::QuadPairV { first, second, .. } => vec![Reg::from(first), Reg::from(second)],
        Inst::Ballot { dst, .. } => dst.into_iter().collect(),
        Inst::Image { dst, count, .. } => (0..count as Reg).map(|c| dst + c).collect(),
        // Not through `collect`: this arm is nearly every instruction, and a `SmallVec` built
        // from an iterator goes through its general (growing) path.
        _ => match writes(inst) {
            Some(w) => vec![w],
            None => Regs::new(),
        },
    }
}

/// Rewrites the registers an instruction reads (not the one it writes).
pub(crate) fn map_reads(inst: &mut Inst, f: impl Fn(Reg) -> Reg) {
    if inst.is_hot() {
        return map_reads_of_hot(inst, &f);
    }
    let addr = |a: &mut crate::ir::Addr, s: &crate::ir::Space| {
        if let Some(d) = &mut a.dynamic {
            *d = f(*d);
        }
        if *s == crate::ir::Space::Device {
            a.offset = f(a.offset);
        }
    };
    match inst {
        Inst::Un { a, .. } | Inst::UnV { a, .. } => *a = f(*a),
        Inst::Bin { a, b, .. } | Inst::BinV { a, b, .. } | Inst::BinMaskedV { a, b, .. } => {
            *a = f(*a);
            *b = f(*b);
        }
        Inst::Tern { a, b, c, .. }
        | Inst::TernV { a, b, c, .. }
        | Inst::TernMaskedV { a, b, c, .. } => {
            *a = f(*a);
            *b = f(*b);
            *c = f(*c);
        }
        Inst::QuadV { a, b, c, d, .. } | Inst::QuadMaskedV { a, b, c, d, .. } => {
            *a = f(*a);
            *b = f(*b);
            *c = f(*c);
            *d = f(*d);
        }
        Inst::Wide { a, b, .. } => {
            for r in a.iter_mut().chain(b.iter_mut()) {
                *r = f(*r);
            }
        }
        Inst::InsertBits {
            base,
            insert,
            offset,
            count,
            ..
        } => {
            *base = f(*base);
            *insert = f(*insert);
            *offset = f(*offset);
            *count = f(*count);
        }
        Inst::MovMasked { src, .. } => *src = f(*src),
        Inst::UnMasked { a, .. } => *a = f(*a),
        Inst::BinMasked { a, b, .. } | Inst::BreakIfBin { a, b, .. } => {
            *a = f(*a);
            *b = f(*b);
        }
        Inst::TernMasked { a, b, c, .. } => {
            *a = f(*a);
            *b = f(*b);
            *c = f(*c);
        }
        // The counter is also written: it is not renamed, like a masked move's destination.
        Inst::LoopEndCounted { step, a, b, .. } => {
            *step = f(*step);
            *a = f(*a);
            *b = f(*b);
        }
        Inst::Load {
            addr: a, space: s, ..
        } => {
            addr(a, s);
        }
        Inst::Store {
            src,
            addr: a,
            space: s,
        } => {
            *src = f(*src);
            addr(a, s);
        }
        Inst::Atomic {
            addr: a,
            value,
            compare,
            space: s,
            ..
        } => {
            *value = f(*value);
            *compare = f(*compare);
            addr(a, s);
        }
        Inst::If { cond, .. } | Inst::BreakIf { cond, .. } | Inst::Case { cond, .. } => {
            *cond = f(*cond)
        }
        Inst::ImageArg { src, .. } => *src = f(*src),
        Inst::QuadPairV { a, b, .. } => {
            // Made by the last pass: no pass renames after it, so a register that would not
            // fit the pair's `u16`s never comes here.
            for x in a.iter_mut().chain(b.iter_mut()) {
                if let Ok(r) = u16::try_from(f(Reg::from(*x))) {
                    *x = r;
                }
            }
        }
        _ => {}
    }
}

/// Whether an instruction changes control flow or the execution mask — or, for subgroup
/// operations, depends on it (they must not be moved or merged across lanes' masks; passes
/// treat them as barriers).
pub(crate) fn is_control(inst: &Inst) -> bool {
    if inst.is_hot() {
        return is_control_of_hot(inst);
    }
    !matches!(
        inst,
        Inst::Un { .. }
            | Inst::Bin { .. }
            | Inst::Tern { .. }
            | Inst::Wide { .. }
            | Inst::InsertBits { .. }
            | Inst::MovMasked { .. }
            | Inst::UnMasked { .. }
            | Inst::BinMasked { .. }
            | Inst::TernMasked { .. }
            | Inst::UnV { .. }
            | Inst::BinV { .. }
            | Inst::TernV { .. }
            | Inst::BinMaskedV { .. }
            | Inst::TernMaskedV { .. }
            | Inst::QuadV { .. }
            | Inst::QuadMaskedV { .. }
            | Inst::QuadPairV { .. }
            | Inst::Load { .. }
            | Inst::Store { .. }
            | Inst::Atomic { .. }
            | Inst::ArrayLength { .. }
            // Only names a register for the `Image` right after it, which is control.
            | Inst::ImageArg { .. }
    )
}

// The hot float forms ([`Inst::is_hot`], made by the last passes) are read through their
// general forms, out of line: a general form built on every call, even as a check that found
// none, gave the helpers above a stack frame each, and they are called for nearly every
// instruction by nearly every pass.

#[inline(never)]
fn reads_of_hot(inst: &Inst) -> Reads {
    inst.general().map_or_else(Reads::default, |g| reads(&g))
}

#[inline(never)]
fn writes_of_hot(inst: &Inst) -> Option<Reg> {
    inst.general().and_then(|g| writes(&g))
}

#[inline(never)]
fn written_all_of_hot(inst: &Inst) -> Regs {
    inst.general().map(|g| written_all(&g)).unwrap_or_default()
}

#[inline(never)]
fn map_reads_of_hot(inst: &mut Inst, f: &dyn Fn(Reg) -> Reg) {
    if let Some(mut general) = inst.general() {
        map_reads(&mut general, f);
        *inst = general.specialized().unwrap_or(general);
    }
}

#[inline(never)]
fn is_control_of_hot(inst: &Inst) -> bool {
    inst.general().is_some_and(|g| is_control(&g))
}

/// Removes the instructions marked in `dead`, fixing every jump target.
pub(crate) fn remove(program: &mut Program, dead: &[bool]) {
    // Nothing moves before the first dead instruction, and no jump target before it changes.
    let Some(first) = dead.iter().position(|&d| d) else {
        return;
    };
    let len = program.code.len();
    // `new_index[pc - first]`: where instruction `pc` (or, when dead, the next live one) goes.
    let mut new_index = Vec::with_capacity(len - first + 1);
    let mut n = first as u32;
    for &d in &dead[first..len.min(dead.len())] {
        new_index.push(n);
        n += u32::from(!d);
    }
    new_index.resize(len - first + 1, n);
    let map = |pc: &mut u32| {
        if let Some(at) = (*pc as usize).checked_sub(first) {
            *pc = new_index.get(at).copied().unwrap_or(n);
        }
    };
    // Compacted in place, one pass: the passes call this several times per compile; a new
    // list each time was 2% of a cold compile, and a copy of every instruction through a
    // `match` another 4%.
    let mut pc = 0;
    program.code.retain_mut(|inst| {
        let keep = !dead.get(pc).copied().unwrap_or(false);
        pc += 1;
        if keep {
            map_targets(inst, &map);
        }
        keep
    });
}

/// Rewrites an instruction's jump target (the `pc` it names), if it has one.
pub(crate) fn map_targets(inst: &mut Inst, f: impl Fn(&mut u32)) {
    match inst {
        Inst::If { else_pc: t, .. }
        | Inst::Else { end_pc: t }
        | Inst::LoopBegin { end_pc: t }
        | Inst::LoopEnd { body_pc: t }
        | Inst::LoopEndCounted { body_pc: t, .. }
        | Inst::Case { next_pc: t, .. } => f(t),
        _ => {}
    }
}

/// Puts the instructions in the order `order` gives (old indices), fixing jump targets. Every
/// jump target (a control instruction) must be in `order`.
pub(crate) fn reorder(program: &mut Program, order: &[usize]) {
    let mut new_index = vec![u32::MAX; program.code.len() + 1];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    new_index[program.code.len()] = order.len() as u32;
    let map = |pc: u32| {
        new_index
            .get(pc as usize)
            .copied()
            .unwrap_or(order.len() as u32)
    };
    // A loop's back-edge goes to the instruction after its `LoopBegin`, wherever the old first
    // instruction of the body went.
    let mut begin_of_end = vec![usize::MAX; program.code.len()];
    for (pc, inst) in program.code.iter().enumerate() {
        if let Inst::LoopBegin { end_pc } = inst {
            if let Some(slot) = begin_of_end.get_mut(*end_pc as usize) {
                *slot = pc;
            }
        }
    }
    let code = order
        .iter()
        .map(|&old| match program.code[old] {
            Inst::If { cond, else_pc } => Inst::If {
                cond,
                else_pc: map(else_pc),
            },
            Inst::Else { end_pc } => Inst::Else {
                end_pc: map(end_pc),
            },
            Inst::LoopBegin { end_pc } => Inst::LoopBegin {
                end_pc: map(end_pc),
            },
            Inst::LoopEnd { body_pc } => match begin_of_end[old] {
                usize::MAX => Inst::LoopEnd {
                    body_pc: map(body_pc),
                },
                begin => Inst::LoopEnd {
                    body_pc: map(begin as u32) + 1,
                },
            },
            // Made by the last pass, after any reordering; mapped like any other target.
            Inst::LoopEndCounted { body_pc, .. } => {
                let mut inst = program.code[old];
                if let Inst::LoopEndCounted { body_pc: b, .. } = &mut inst {
                    *b = map(body_pc);
                }
                inst
            }
            Inst::Case {
                cond,
                fallthrough,
                next_pc,
            } => Inst::Case {
                cond,
                fallthrough,
                next_pc: map(next_pc),
            },
            other => other,
        })
        .collect();
    program.code = code;
}
