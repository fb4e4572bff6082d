//! Buffer loads and stores whose address register provably holds consecutive words across
//! the batch's lanes (`base + 4·lane`, `base` the same in every lane) are marked
//! [`Space::BufferRun`]: a whole-batch access then skips checking that the lanes' addresses
//! form a run (a pass over all 64 of them, ~45 instructions; three a batch in the bench SAXPY,
//! ~8% of its instructions).
//!
//! Only compute programs with one-dimensional workgroups are marked: their batches are W
//! consecutive invocations, so `gl_GlobalInvocationID.x`, `gl_LocalInvocationID.x` and
//! `gl_LocalInvocationIndex` step by one per lane and their `.y`/`.z` are the same in every
//! lane. From those, constants and push constants the pass follows `+`, `−`, `×` and `<<` by a
//! constant, and copies, tracking each register as *uniform*, *constant* or *stepping by s per
//! lane*, in code order:
//! - A write gives its register a kind while the write's block is open; a block left by
//!   `Else`, `EndIf`, `Continuing`, `LoopEnd`, `Case` or `SwitchEnd` forgets what was written
//!   in it (a use after it may not have seen the write run).
//! - A masked write (a variable's assignment) gives the kind to its active lanes only. That is
//!   enough: a marked access is taken whole only when every lane is active, and the lanes
//!   active at a use are a subset of those active at any write before it in the same or an
//!   enclosing block (lanes leave by `break`, `return`, …; blocks that end restore their
//!   entry mask).
//! - A register written more than once is followed only if no write is inside a loop, where
//!   code order is not the order of execution.
//!
//! The interpreter still checks that every lane is active and the run lies inside the bound
//! range.

use crate::ir::{Bin, Builtin, Inst, Program, Space, Un};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Unknown,
    /// The same in every lane.
    Uniform,
    /// A known constant (uniform too).
    Const(u32),
    /// `base + step·lane` with `base` uniform.
    Step(u32),
}

impl Kind {
    /// The per-lane step: 0 for uniform values.
    fn step(self) -> Option<u32> {
        match self {
            Kind::Unknown => None,
            Kind::Uniform | Kind::Const(_) => Some(0),
            Kind::Step(s) => Some(s),
        }
    }
}

fn with_step(s: u32) -> Kind {
    if s == 0 {
        Kind::Uniform
    } else {
        Kind::Step(s)
    }
}

pub fn run(program: &mut Program, one_dimensional: bool) {
    if !one_dimensional {
        return;
    }
    let n = program.register_count as usize;
    let mut writes = vec![0u32; n];
    let mut written_in_loop = vec![false; n];
    let mut loops = 0u32;
    for inst in &program.code {
        match inst {
            Inst::LoopBegin { .. } => loops += 1,
            Inst::LoopEnd { .. } => loops = loops.saturating_sub(1),
            _ => {}
        }
        if let Some(w) = super::writes(inst) {
            if let Some(c) = writes.get_mut(w as usize) {
                *c += 1;
                written_in_loop[w as usize] |= loops > 0;
            }
        }
    }
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
    for &(r, b) in &program.builtins {
        let k = match b {
            Builtin::GlobalInvocationId(0)
            | Builtin::LocalInvocationId(0)
            | Builtin::LocalInvocationIndex => Kind::Step(1),
            Builtin::GlobalInvocationId(_)
            | Builtin::LocalInvocationId(_)
            | Builtin::WorkgroupId(_)
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
    for inst in &mut program.code {
        match *inst {
            Inst::If { .. } | Inst::LoopBegin { .. } | Inst::SwitchBegin | Inst::CallBegin => {
                blocks.push(Vec::new())
            }
            Inst::Else { .. } | Inst::Continuing | Inst::Case { .. } => {
                forget(&mut blocks, &mut kind);
                blocks.push(Vec::new());
            }
            Inst::EndIf | Inst::LoopEnd { .. } | Inst::SwitchEnd | Inst::CallEnd => {
                forget(&mut blocks, &mut kind)
            }
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
                if let (Space::Buffer(slot), Some(r)) = (*space, addr.dynamic) {
                    if kind[r as usize] == Kind::Step(4) {
                        *space = Space::BufferRun(slot);
                    }
                }
            }
            _ => {}
        }
        let Some(dst) = super::writes(inst) else {
            continue;
        };
        let k = |r: u32| kind[r as usize];
        let new = match *inst {
            _ if writes[dst as usize] > 1 && written_in_loop[dst as usize] => Kind::Unknown,
            // (The `…V` forms are `opt::mark_varying`'s, which runs before.)
            Inst::Un { op: Un::Mov, a, .. }
            | Inst::UnV { op: Un::Mov, a, .. }
            | Inst::UnMasked { op: Un::Mov, a, .. }
            | Inst::MovMasked { src: a, .. } => k(a),
            Inst::Bin { op, a, b, .. }
            | Inst::BinV { op, a, b, .. }
            | Inst::BinMasked { op, a, b, .. }
            | Inst::BinMaskedV { op, a, b, .. } => match (op, k(a), k(b)) {
                (Bin::IAdd, Kind::Const(x), Kind::Const(y)) => Kind::Const(x.wrapping_add(y)),
                (Bin::ISub, Kind::Const(x), Kind::Const(y)) => Kind::Const(x.wrapping_sub(y)),
                (Bin::IMul, Kind::Const(x), Kind::Const(y)) => Kind::Const(x.wrapping_mul(y)),
                (Bin::IAdd, x, y) => match (x.step(), y.step()) {
                    (Some(s), Some(t)) => with_step(s.wrapping_add(t)),
                    _ => Kind::Unknown,
                },
                (Bin::ISub, x, y) => match (x.step(), y.step()) {
                    (Some(s), Some(t)) => with_step(s.wrapping_sub(t)),
                    _ => Kind::Unknown,
                },
                (Bin::IMul, x, Kind::Const(c)) | (Bin::IMul, Kind::Const(c), x) => x
                    .step()
                    .map_or(Kind::Unknown, |s| with_step(s.wrapping_mul(c))),
                (Bin::Shl, x, Kind::Const(c)) if c < 32 => {
                    x.step().map_or(Kind::Unknown, |s| with_step(s << c))
                }
                (_, Kind::Uniform | Kind::Const(_), Kind::Uniform | Kind::Const(_)) => {
                    Kind::Uniform
                }
                _ => Kind::Unknown,
            },
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
