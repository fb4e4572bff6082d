//! An inlined call whose only `Return` is its last instruction (or that has none) loses its
//! `CallBegin`, that `Return` and its `CallEnd`: the call frame only collects the lanes that
//! returned early, and with no early return the execution mask after `CallEnd` is the one the
//! body ends with anyway (the lanes that entered, less those killed).
//!
//! Every shader has two such frames around its code (the entry point's wrapper and `main`), so
//! SAXPY's batch ran 5 of its 20 dispatches on them. A `Break` or `Continue` inside a function
//! body only targets loops and switches of that body (structured code), so without the frame
//! they still find the same targets.

use crate::ir::{Inst, Program};

pub fn run(program: &mut Program) {
    let code = &program.code;
    let mut dead = vec![false; code.len()];
    // Open calls: (CallBegin's pc, pcs of their own Returns).
    let mut open: Vec<(usize, Vec<usize>)> = Vec::new();
    for (pc, inst) in code.iter().enumerate() {
        match inst {
            Inst::CallBegin => open.push((pc, Vec::new())),
            Inst::Return => {
                if let Some((_, returns)) = open.last_mut() {
                    returns.push(pc);
                }
            }
            Inst::CallEnd => {
                let Some((begin, returns)) = open.pop() else {
                    continue;
                };
                let trivial = match returns.as_slice() {
                    [] => true,
                    [only] => *only + 1 == pc,
                    _ => false,
                };
                if trivial {
                    dead[begin] = true;
                    dead[pc] = true;
                    for r in returns {
                        dead[r] = true;
                    }
                }
            }
            _ => {}
        }
    }
    super::remove(program, &dead);
}
