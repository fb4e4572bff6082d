//! Loads and stores whose address register provably holds consecutive words across the
//! batch's lanes, or across each row of lanes, are marked so the interpreter need not check the
//! lanes' addresses (a pass over all 64 of them, ~45 instructions; three a batch in the bench
//! SAXPY, ~8% of its instructions; two per step of a tiled matmul's inner loop):
//! - a buffer access at `base + 4·lane`, `base` the same in every lane: [`Space::BufferRun`];
//! - a shared-memory access at consecutive words in each row (`tile[y][x]`):
//!   [`Space::WorkgroupRows`]; at one word in each row (`tile[y][k]`, `k` uniform):
//!   [`Space::WorkgroupSplat`].
//!
//! A *row* is `R` consecutive lanes with one `gl_LocalInvocationID.y` and `.z`: with a
//! one-dimensional workgroup, or one whose width is a multiple of W, a whole batch (R = W); with
//! a width dividing W (16×16: R = 16), a batch is W / R rows, as batches start at multiples of
//! W. Other widths are not marked. In a row, `gl_GlobalInvocationID.x`,
//! `gl_LocalInvocationID.x` and `gl_LocalInvocationIndex` step by one per lane and `.y`/`.z`
//! are the same in every lane. From those, constants and push constants the pass follows `+`,
//! `−`, `×` and `<<` by a constant, copies, and any operation on values the same across rows
//! (or the batch), tracking each register as *uniform*, *constant*, *row-uniform* or *stepping
//! by s per lane* (from a row-uniform base), in code order:
//! - A write gives its register a kind while the write's block is open; a block left by
//!   `Else`, `EndIf`, `Continuing`, `LoopEnd`, `LoopEndCounted`, `Case` or `SwitchEnd`
//!   forgets what was written in it (a use after it may not have seen the write run).
//! - A masked write (a variable's assignment) gives the kind to its active lanes only. That is
//!   enough: a marked access is taken whole only when every lane (of the batch, or of the row)
//!   is active, and the lanes active at a use are a subset of those active at any write before
//!   it in the same or an enclosing block (lanes leave by `break`, `return`, …; blocks that
//!   end restore their entry mask).
//! - A register written more than once is followed only if no write is inside a loop, where
//!   code order is not the order of execution; except a `LoopEndCounted`'s counter, written
//!   only by it (with a uniform step) and once just before the loop (a uniform value): the
//!   lanes in the loop entered together and went round together, so inside the loop it is
//!   uniform across them (`for (k = 0; k < 16; k++) … tile[k][x]`).
//!
//! The interpreter still checks that every lane (of the batch or row) is active and the run
//! lies inside the bound range.

use crate::ir::{Bin, Builtin, Inst, Program, Reg, Space, Un, W};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Unknown,
    /// The same in every lane.
    Uniform,
    /// A known constant (uniform too).
    Const(u32),
    /// The same in every lane of a row.
    Row,
    /// `base + step·(lane in its row)` with `base` row-uniform.
    Step(u32),
}

impl Kind {
    /// The per-lane step: 0 for (row-)uniform values.
    fn step(self) -> Option<u32> {
        match self {
            Kind::Unknown => None,
            Kind::Uniform | Kind::Const(_) | Kind::Row => Some(0),
            Kind::Step(s) => Some(s),
        }
    }

    /// Whether the value is the same in every lane of the batch.
    fn uniform(self) -> bool {
        matches!(self, Kind::Uniform | Kind::Const(_))
    }
}

/// The kind of `base + step·lane` where `uniform` says whether the bases were all uniform.
fn with_step(s: u32, uniform: bool) -> Kind {
    match (s, uniform) {
        (0, true) => Kind::Uniform,
        (0, false) => Kind::Row,
        _ => Kind::Step(s),
    }
}

/// The lanes of a row (see the module docs) for a workgroup of `size`, if the pass can mark it.
fn row_length(size: [u32; 3]) -> Option<u32> {
    let w = W as u32;
    let [x, y, z] = size;
    if (y == 1 && z == 1) || x % w == 0 {
        Some(w)
    } else if x >= 2 && w % x == 0 {
        Some(x)
    } else {
        None
    }
}

pub fn run(program: &mut Program, workgroup_size: [u32; 3]) {
    let Some(row) = row_length(workgroup_size) else {
        return;
    };
    let whole_batch = row == W as u32;
    let n = program.register_count as usize;
    let mut writes = vec![0u32; n];
    let mut written_in_loop = vec![false; n];
    let mut loops = 0u32;
    for inst in &program.code {
        match inst {
            Inst::LoopBegin { .. } => loops += 1,
            Inst::LoopEnd { .. } | Inst::LoopEndCounted { .. } => loops = loops.saturating_sub(1),
            _ => {}
        }
        if let Some(w) = super::writes(inst) {
            if let Some(c) = writes.get_mut(w as usize) {
                *c += 1;
                // (A `LoopEndCounted` writes its counter inside its loop.)
                written_in_loop[w as usize] |=
                    loops > 0 || matches!(inst, Inst::LoopEndCounted { .. });
            }
        }
    }
    let counters = uniform_counters(program, &writes);
    let mut kind = vec![Kind::Unknown; n];
    let mut seed = |r: u32, k: Kind| {
        if writes.get(r as usize) == Some(&0) {
            kind[r as usize] = k;
        }
    };
    for &(r, v) in &program.constants {
        seed(r, Kind::Const(v));
    }
    for &(r, _) in &program.push_constants {
        seed(r, Kind::Uniform);
    }
    // Across a row `.y` and `.z` are the same; across the batch too when a row is the batch.
    let across = if whole_batch {
        Kind::Uniform
    } else {
        Kind::Row
    };
    for &(r, b) in &program.builtins {
        let k = match b {
            Builtin::GlobalInvocationId(0)
            | Builtin::LocalInvocationId(0)
            | Builtin::LocalInvocationIndex => Kind::Step(1),
            Builtin::GlobalInvocationId(_) | Builtin::LocalInvocationId(_) => across,
            Builtin::WorkgroupId(_)
            | Builtin::NumWorkgroups(_)
            | Builtin::WorkgroupSize(_)
            | Builtin::SubgroupSize
            | Builtin::NumSubgroups => Kind::Uniform,
            Builtin::SubgroupInvocationId | Builtin::SubgroupId => Kind::Unknown,
        };
        seed(r, k);
    }
    // Registers given a kind in each open block, innermost last.
    let mut blocks: Vec<Vec<u32>> = vec![Vec::new()];
    let forget = |blocks: &mut Vec<Vec<u32>>, kind: &mut [Kind]| {
        for r in blocks.pop().unwrap_or_default() {
            kind[r as usize] = Kind::Unknown;
        }
    };
    for (pc, inst) in program.code.iter_mut().enumerate() {
        match *inst {
            Inst::LoopBegin { .. } => {
                blocks.push(Vec::new());
                // The loop's counter, uniform inside it (see `uniform_counters`): given its
                // kind in the loop's block, so forgotten at its end.
                if let Some(&(_, c, init)) = counters.iter().find(|&&(begin, ..)| begin == pc) {
                    if kind[init as usize].uniform() {
                        kind[c as usize] = Kind::Uniform;
                        if let Some(b) = blocks.last_mut() {
                            b.push(c);
                        }
                    }
                }
            }
            Inst::If { .. } | Inst::SwitchBegin | Inst::CallBegin => blocks.push(Vec::new()),
            Inst::Else { .. } | Inst::Continuing | Inst::Case { .. } => {
                forget(&mut blocks, &mut kind);
                blocks.push(Vec::new());
            }
            Inst::EndIf
            | Inst::LoopEnd { .. }
            | Inst::LoopEndCounted { .. }
            | Inst::SwitchEnd
            | Inst::CallEnd => forget(&mut blocks, &mut kind),
            Inst::Load {
                ref mut space,
                addr,
                ..
            }
            | Inst::Store {
                ref mut space,
                addr,
                ..
            } => {
                if let Some(r) = addr.dynamic {
                    *space = match (*space, kind[r as usize]) {
                        (Space::Buffer(slot), Kind::Step(4)) if whole_batch => {
                            Space::BufferRun(slot)
                        }
                        (Space::Workgroup, Kind::Step(4)) => Space::WorkgroupRows(row as u8),
                        (Space::Workgroup, Kind::Row) => Space::WorkgroupSplat(row as u8),
                        (space, _) => space,
                    };
                }
            }
            _ => {}
        }
        let Some(dst) = super::writes(inst) else {
            continue;
        };
        let k = |r: u32| kind[r as usize];
        // A pure operation on values the same across each row (or the batch) gives one.
        let same = |ks: &[Kind]| {
            if ks.iter().all(|k| k.uniform()) {
                Kind::Uniform
            } else if ks.iter().all(|k| k.step() == Some(0)) {
                Kind::Row
            } else {
                Kind::Unknown
            }
        };
        let new = match *inst {
            _ if writes[dst as usize] > 1 && written_in_loop[dst as usize] => Kind::Unknown,
            // (The `…V` forms are `opt::mark_varying`'s, which runs before.)
            Inst::Un { op: Un::Mov, a, .. }
            | Inst::UnV { op: Un::Mov, a, .. }
            | Inst::UnMasked { op: Un::Mov, a, .. }
            | Inst::MovMasked { src: a, .. } => k(a),
            Inst::Un { a, .. } | Inst::UnV { a, .. } | Inst::UnMasked { a, .. } => same(&[k(a)]),
            Inst::Bin { op, a, b, .. }
            | Inst::BinV { op, a, b, .. }
            | Inst::BinMasked { op, a, b, .. }
            | Inst::BinMaskedV { op, a, b, .. } => {
                let uniform = k(a).uniform() && k(b).uniform();
                match (op, k(a), k(b)) {
                    (Bin::IAdd, Kind::Const(x), Kind::Const(y)) => Kind::Const(x.wrapping_add(y)),
                    (Bin::ISub, Kind::Const(x), Kind::Const(y)) => Kind::Const(x.wrapping_sub(y)),
                    (Bin::IMul, Kind::Const(x), Kind::Const(y)) => Kind::Const(x.wrapping_mul(y)),
                    (Bin::IAdd, x, y) => match (x.step(), y.step()) {
                        (Some(s), Some(t)) => with_step(s.wrapping_add(t), uniform),
                        _ => Kind::Unknown,
                    },
                    (Bin::ISub, x, y) => match (x.step(), y.step()) {
                        (Some(s), Some(t)) => with_step(s.wrapping_sub(t), uniform),
                        _ => Kind::Unknown,
                    },
                    (Bin::IMul, x, Kind::Const(c)) | (Bin::IMul, Kind::Const(c), x) => x
                        .step()
                        .map_or(Kind::Unknown, |s| with_step(s.wrapping_mul(c), x.uniform())),
                    (Bin::Shl, x, Kind::Const(c)) if c < 32 => x
                        .step()
                        .map_or(Kind::Unknown, |s| with_step(s << c, x.uniform())),
                    (_, x, y) => same(&[x, y]),
                }
            }
            Inst::Tern { a, b, c, .. }
            | Inst::TernV { a, b, c, .. }
            | Inst::TernMasked { a, b, c, .. }
            | Inst::TernMaskedV { a, b, c, .. } => same(&[k(a), k(b), k(c)]),
            _ => Kind::Unknown,
        };
        kind[dst as usize] = new;
        if new != Kind::Unknown {
            if let Some(b) = blocks.last_mut() {
                b.push(dst);
            }
        }
    }
}

/// The counted loops whose counter is the same in all the lanes inside the loop, as
/// `(pc of the LoopBegin, counter, register its start is copied from)`: inside the loop the
/// counter is written only by the `LoopEndCounted` (with a constant or push-constant step,
/// written nowhere), and its last write before the loop is a copy in the straight-line code
/// just before the `LoopBegin` (writes elsewhere, such as the variable's zero at the top, are
/// never seen in the loop). The lanes in the loop entered it together with that value and each
/// round adds the step in all of them (the lanes that `continue` are active again at the
/// loop's end); the caller checks that the copied value is uniform there.
fn uniform_counters(program: &Program, writes: &[u32]) -> Vec<(usize, Reg, Reg)> {
    let mut out = Vec::new();
    for (end, inst) in program.code.iter().enumerate() {
        let Inst::LoopEndCounted {
            counter,
            step,
            body_pc,
            ..
        } = *inst
        else {
            continue;
        };
        if writes.get(step as usize) != Some(&0) {
            continue;
        }
        let step_fixed = program.constants.iter().any(|&(r, _)| r == step)
            || program.push_constants.iter().any(|&(r, _)| r == step);
        // `body_pc - 1` is the exit test (`fuse_loop_counter`), `body_pc - 2` the `LoopBegin`.
        let Some(begin) = (body_pc as usize).checked_sub(2) else {
            continue;
        };
        if !step_fixed
            || !matches!(program.code.get(begin), Some(Inst::LoopBegin { .. }))
            || program.code[begin..end]
                .iter()
                .any(|i| super::writes(i) == Some(counter))
        {
            continue;
        }
        // The start: the nearest write before the loop, with no control instruction between.
        let Some(at) = program.code[..begin]
            .iter()
            .rev()
            .take_while(|i| !super::is_control(i))
            .position(|i| super::writes(i) == Some(counter))
            .map(|back| begin - 1 - back)
        else {
            continue;
        };
        let source = match &program.code[at] {
            Inst::Un { op: Un::Mov, a, .. }
            | Inst::UnV { op: Un::Mov, a, .. }
            | Inst::UnMasked { op: Un::Mov, a, .. }
            | Inst::MovMasked { src: a, .. } => *a,
            _ => continue,
        };
        // The copied value is still the source's at the `LoopBegin`, where the caller looks.
        if program.code[at + 1..begin]
            .iter()
            .any(|i| super::writes(i) == Some(source))
        {
            continue;
        }
        out.push((begin, counter, source));
    }
    out
}
