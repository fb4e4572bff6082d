//! Local common-subexpression elimination: within straight-line code, a pure instruction
//! computing what an earlier one already computed (same operation, same operands, none of them
//! written since) reads the earlier result instead. Push-constant loads count as pure (push
//! constants cannot change during a dispatch).
//!
//! naga keeps one access chain per source-level access, so `y[i] = a * x[i] + y[i]` computes the
//! address of `y[i]` twice; this pass keeps one.

use std::hash::{Hash, Hasher};

use foldhash::HashMap;

use crate::ir::{Inst, Program, Reg, Space};

/// The part of an instruction that decides its result (its operation and operands), as an
/// instruction with `dst` 0.
#[derive(PartialEq, Eq)]
struct Key(Inst);

impl Hash for Key {
    /// The operand registers and the operation only: the derived hash of an [`Inst`] writes
    /// every field and discriminant apart, about 100 instructions a key (9K a compile of the
    /// compute bench's matmul shader). Equal keys still hash equal.
    fn hash<H: Hasher>(&self, h: &mut H) {
        let (op, a, b) = match self.0 {
            Inst::Un { op, a, .. } => (op as u32, a, 0),
            Inst::Bin { op, a, b, .. } => (0x100 | op as u32, a, b),
            Inst::Tern { op, a, b, c, .. } => (0x200 | op as u32, a, b ^ c.rotate_left(16)),
            Inst::Wide { op, hi, a, b, .. } => (
                0x300 | op as u32 | u32::from(hi) << 8,
                a[0] ^ a[1].rotate_left(16),
                b[0] ^ b[1].rotate_left(16),
            ),
            Inst::Load { addr, .. } => (0x400, addr.dynamic.unwrap_or(u32::MAX), addr.offset),
            _ => (0x500, 0, 0),
        };
        h.write_u64(u64::from(a) | u64::from(b) << 32);
        h.write_u32(op);
    }
}

fn key(inst: &Inst) -> Option<Key> {
    let key = match *inst {
        Inst::Un { op, a, .. } => Some(Inst::Un { op, dst: 0, a }),
        Inst::Bin { op, a, b, .. } => Some(Inst::Bin { op, dst: 0, a, b }),
        Inst::Tern { op, a, b, c, .. } => Some(Inst::Tern {
            op,
            dst: 0,
            a,
            b,
            c,
        }),
        Inst::Wide { op, hi, a, b, .. } => Some(Inst::Wide {
            op,
            hi,
            dst: 0,
            a,
            b,
        }),
        Inst::Load {
            space: Space::PushConstant,
            addr,
            ..
        } => Some(Inst::Load {
            dst: 0,
            space: Space::PushConstant,
            addr,
        }),
        _ => None,
    };
    key.map(Key)
}

pub fn run(program: &mut Program) {
    let regs = program.register_count as usize;
    let mut writes = vec![0u32; regs];
    let mut keyed = 0;
    for inst in &program.code {
        if let Some(w) = super::writes(inst) {
            writes[w as usize] += 1;
        }
        keyed += usize::from(key(inst).is_some());
    }
    super::count_outputs_as_written(program, &mut writes);
    // Sized for every keyed instruction at once: growing it was a fifth of the pass.
    let mut seen: HashMap<Key, Reg> = HashMap::with_capacity_and_hasher(keyed, Default::default());
    // What each register reads as from here on (itself unless merged into an earlier one).
    let mut replace: Vec<Reg> = (0..regs as Reg).collect();
    let mut dead = vec![false; program.code.len()];
    for pc in 0..program.code.len() {
        let inst = &mut program.code[pc];
        super::map_reads(inst, |r| replace.get(r as usize).copied().unwrap_or(r));
        if super::is_control(inst) {
            seen.clear();
            continue;
        }
        let written = super::writes(inst);
        if let Some(w) = written {
            // A register written again (a variable) invalidates what was computed from it.
            if writes[w as usize] > 1 {
                seen.retain(|k, v| *v != w && !super::reads(&k.0).contains(&w));
            }
        }
        let (Some(k), Some(dst)) = (key(inst), written) else {
            continue;
        };
        // Only values written once can stand for each other.
        if writes[dst as usize] != 1 {
            continue;
        }
        match seen.get(&k) {
            Some(&earlier) => {
                replace[dst as usize] = earlier;
                dead[pc] = true;
            }
            None => {
                seen.insert(k, dst);
            }
        }
    }
    super::remove(program, &dead);
}
