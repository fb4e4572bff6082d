//! Copy propagation: `t = Mov v` followed by reads of `t` becomes reads of `v`, when every read
//! of `t` comes before anything writes `v` again and before any control instruction.
//!
//! Loads of variables kept in registers lower to such copies (a load must see the value at its
//! point, and the variable may be stored to later); in straight-line code most of them are
//! never needed. On a loop body of float arithmetic this removes a third of the instructions.
//!
//! A copy in the program's prologue (before its first control instruction: it runs once, in
//! every lane) of a value that never changes afterwards (written at most once, before the copy)
//! into a register written only by the copy is forwarded everywhere, across branches and loops:
//! both registers hold the same value from the copy on. That is `uint i = expr;` at the top of
//! `main`, which the window rule stops short of at the first `if`.

use crate::ir::{Inst, Program, Reg, Un};

pub fn run(program: &mut Program) {
    let (mut reads, writes) = super::count_uses(program);
    let mut dead = vec![false; program.code.len()];
    let prologue = program
        .code
        .iter()
        .position(super::is_control)
        .unwrap_or(program.code.len());
    forward_prologue_copies(program, prologue, &writes, &mut reads, &mut dead);
    for pc in 0..program.code.len() {
        if dead[pc] {
            continue;
        }
        let Inst::Un {
            op: Un::Mov,
            dst: t,
            a: v,
        } = program.code[pc]
        else {
            continue;
        };
        // `t` must be a plain value (written once), so that its one write is this copy.
        if writes[t as usize] != 1 || t == v {
            continue;
        }
        let mut uses = Vec::new();
        let mut end = pc + 1;
        while end < program.code.len() {
            let inst = &program.code[end];
            if super::is_control(inst) {
                break;
            }
            if super::reads(inst).contains(&t) {
                uses.push(end);
                // Every read of `t` is in the window: what follows cannot change the answer.
                if uses.len() as u32 == reads[t as usize] {
                    break;
                }
            }
            if super::writes(inst) == Some(v) {
                break;
            }
            end += 1;
        }
        // Every read of `t` must be in the window (a write of `v` at the window's end may read
        // `t` itself: it reads before it writes).
        if uses.len() as u32 != reads[t as usize] {
            continue;
        }
        for &u in &uses {
            super::map_reads(&mut program.code[u], |r| if r == t { v } else { r });
        }
        reads[v as usize] += reads[t as usize];
        reads[t as usize] = 0;
        dead[pc] = true;
    }
    super::remove(program, &dead);
}

/// The prologue rule of the module docs, for the copies before `prologue`.
fn forward_prologue_copies(
    program: &mut Program,
    prologue: usize,
    writes: &[u32],
    reads: &mut [u32],
    dead: &mut [bool],
) {
    let mut kept = None;
    // `renamed[t]`: the register reads of `t` read instead, for each `t` forwarded so far.
    // The renames are applied to the code once, after the prologue: rewriting the rest of the
    // program for each copy forwarded was 3% of a cold compile. Reading the copies and the
    // instructions before them unrenamed changes no answer below: nothing before a forwarded
    // copy reads its `t` (checked), and a register forwarded to is written before its copy,
    // so it is never a later copy's `t`; a copy's source goes through the renames first.
    let mut renamed: Vec<Option<Reg>> = Vec::new();
    let mut first_forwarded = None;
    for pc in 0..prologue {
        let Inst::Un {
            op: Un::Mov,
            dst: t,
            a: v,
        } = program.code[pc]
        else {
            continue;
        };
        let v = renamed.get(v as usize).copied().flatten().unwrap_or(v);
        if t == v || writes[t as usize] != 1 || writes[v as usize] > 1 {
            continue;
        }
        // `v` written before the copy (or never: a constant, built-in or input), and no read
        // of `t` before it.
        let early = &program.code[..pc];
        if writes[v as usize] == 1 && !early.iter().any(|i| super::writes(i) == Some(v)) {
            continue;
        }
        if early.iter().any(|i| super::reads(i).contains(&t)) {
            continue;
        }
        // Every later read must be one `map_reads` rewrites (it leaves some control
        // instructions' operands, which the window rule never reaches, as they are).
        if kept.get_or_insert_with(|| kept_reads(program))[t as usize] {
            continue;
        }
        if renamed.is_empty() {
            renamed.resize(program.register_count as usize, None);
        }
        if let Some(slot) = renamed.get_mut(t as usize) {
            *slot = Some(v);
        }
        first_forwarded.get_or_insert(pc);
        reads[v as usize] += reads[t as usize];
        reads[t as usize] = 0;
        dead[pc] = true;
    }
    if let Some(first) = first_forwarded {
        for inst in &mut program.code[first + 1..] {
            super::map_reads(inst, |r| {
                renamed.get(r as usize).copied().flatten().unwrap_or(r)
            });
        }
    }
}

/// For each register, whether some instruction reads it where `map_reads` does not rewrite
/// it. Renaming in `forward_prologue_copies` never changes the answer for a register it may
/// still forward: it rewrites only operands `map_reads` reaches, and the registers it renames
/// to are ones it never forwards afterwards (written before their copy). Computed once, not
/// per copy (a scan of the whole program per prologue copy was 7% of a cold compile).
fn kept_reads(program: &Program) -> Vec<bool> {
    let mut kept = vec![false; program.register_count as usize];
    for inst in &program.code {
        let mut mapped = *inst;
        super::map_reads(&mut mapped, |_| crate::ir::Reg::MAX);
        for r in super::reads(&mapped) {
            if let Some(k) = kept.get_mut(r as usize) {
                *k = true;
            }
        }
    }
    kept
}
