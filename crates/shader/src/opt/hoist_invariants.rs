//! Loop-invariant code motion: a pure instruction inside a loop whose operands are not written
//! anywhere in the loop computes the same value every iteration; it moves to just before the
//! loop. Loops are taken innermost first and the pass repeats, so a value invariant in two
//! nested loops leaves both.
//!
//! Pure here means arithmetic and push-constant loads: nothing that reads memory others may
//! write, nothing whose result depends on the execution mask. Moving arithmetic out of a branch
//! is safe because the interpreter's arithmetic never traps (division by zero gives 0).

use crate::ir::{Inst, Program, Space};

fn pure(inst: &Inst) -> bool {
    matches!(
        inst,
        Inst::Un { .. }
            | Inst::Bin { .. }
            | Inst::Tern { .. }
            | Inst::Wide { .. }
            | Inst::InsertBits { .. }
    ) || matches!(
        inst,
        Inst::Load {
            space: Space::PushConstant,
            ..
        }
    )
}

pub fn run(program: &mut Program) {
    // Counted once: a round only moves instructions, so the counts hold for the next.
    let mut writes = vec![0u32; program.register_count as usize];
    for inst in &program.code {
        if let Some(w) = super::writes(inst) {
            writes[w as usize] += 1;
        }
    }
    super::count_outputs_as_written(program, &mut writes);
    // Each round hoists out of one loop; a shader has few loops.
    for _ in 0..64 {
        if !hoist_once(program, &writes) {
            break;
        }
    }
}

/// `writes`: the writes of each register, outputs counted as written.
fn hoist_once(program: &mut Program, writes: &[u32]) -> bool {
    let regs = program.register_count as usize;
    let mut loops: Vec<(usize, usize)> = program
        .code
        .iter()
        .enumerate()
        .filter_map(|(pc, inst)| match inst {
            Inst::LoopBegin { end_pc } => Some((pc, *end_pc as usize)),
            _ => None,
        })
        .collect();
    loops.sort_by_key(|(b, e)| e.saturating_sub(*b));
    for (begin, end) in loops {
        if end >= program.code.len() || end <= begin {
            continue;
        }
        let mut written = vec![false; regs];
        for inst in &program.code[begin..=end] {
            if let Some(w) = super::writes(inst) {
                written[w as usize] = true;
            }
            if let Inst::Ballot { dst, .. } = inst {
                for d in dst {
                    written[*d as usize] = true;
                }
            }
            if let Inst::Image { dst, count, .. } = inst {
                for d in *dst..*dst + u32::from(*count) {
                    written[d as usize] = true;
                }
            }
        }
        let mut hoisted = Vec::new();
        for pc in begin + 1..end {
            let inst = &program.code[pc];
            if !pure(inst) {
                continue;
            }
            let Some(dst) = super::writes(inst) else {
                continue;
            };
            if writes[dst as usize] != 1 || super::reads(inst).iter().any(|r| written[*r as usize])
            {
                continue;
            }
            written[dst as usize] = false;
            hoisted.push(pc);
        }
        if hoisted.is_empty() {
            continue;
        }
        let mut order: Vec<usize> = (0..begin).collect();
        order.extend(&hoisted);
        let mut skip = vec![false; program.code.len()];
        for &h in &hoisted {
            skip[h] = true;
        }
        order.extend((begin..program.code.len()).filter(|&pc| !skip[pc]));
        super::reorder(program, &order);
        return true;
    }
    false
}
