//! Straight-line code loses its call frames and masked moves.
//!
//! The lowering inlines every call between `CallBegin`/`CallEnd` (a `return` disables lanes
//! until the frame ends) and writes variables with `MovMasked` (lanes outside the execution
//! mask keep their old value). For the usual shader — an entry point wrapping `main`, globals
//! copied in and out — neither is needed, yet `o = v_color;` lowered to twelve masked moves
//! in two frames, and copy propagation stops at every frame boundary. Two rewrites:
//!
//! 1. **Frames without an early return go.** A frame whose only `Return` is its last
//!    instruction, outside any `if`, loop or switch of the frame (or which has none), changes no
//!    lane's mask: lanes leave it exactly as they entered, less those a `Kill` removed, which
//!    the mask excludes anyway. `CallBegin`, that `Return` and `CallEnd` are removed.
//! 2. **Masked moves outside all control flow become plain moves**, up to the first `Kill`:
//!    there the execution mask is every active lane, so the masked move writes every lane that
//!    matters. Lanes outside the batch's active mask may get any value: nothing reads them.
//!    After a `Kill`, killed lanes must keep their values (quad neighbours still take
//!    derivatives of them), so the rewrite stops.
//!
//! Copy propagation then removes the moves. The pass-through fragment shader goes from 12
//! masked moves and 4 frame instructions per batch to 4 moves.

use crate::ir::{Inst, Program, Un};

pub fn run(program: &mut Program) {
    remove_trivial_frames(program);
    unmask_top_level_moves(program);
}

/// An open construct while scanning.
enum Open {
    /// A call frame: where it began, and its `Return`s with whether each was at the frame's
    /// top level.
    Call {
        begin: usize,
        returns: Vec<(usize, bool)>,
    },
    /// An `if`, loop or switch.
    Block,
}

fn remove_trivial_frames(program: &mut Program) {
    let mut dead = vec![false; program.code.len()];
    let mut stack: Vec<Open> = Vec::new();
    for (pc, inst) in program.code.iter().enumerate() {
        match inst {
            Inst::CallBegin => stack.push(Open::Call {
                begin: pc,
                returns: Vec::new(),
            }),
            Inst::If { .. } | Inst::LoopBegin { .. } | Inst::SwitchBegin => stack.push(Open::Block),
            Inst::EndIf | Inst::LoopEnd { .. } | Inst::SwitchEnd => {
                if !matches!(stack.pop(), Some(Open::Block)) {
                    return; // Unbalanced: leave the program alone.
                }
            }
            Inst::Return => {
                // The innermost frame owns it; it is at that frame's top level when no block
                // is open inside the frame.
                let top = matches!(stack.last(), Some(Open::Call { .. }));
                match stack
                    .iter_mut()
                    .rev()
                    .find(|o| matches!(o, Open::Call { .. }))
                {
                    Some(Open::Call { returns, .. }) => returns.push((pc, top)),
                    _ => return,
                }
            }
            Inst::CallEnd => {
                let Some(Open::Call { begin, returns }) = stack.pop() else {
                    return;
                };
                let trailing = match returns.as_slice() {
                    [] => None,
                    [(r, true)] if *r + 1 == pc => Some(*r),
                    _ => continue,
                };
                dead[begin] = true;
                dead[pc] = true;
                if let Some(r) = trailing {
                    dead[r] = true;
                }
            }
            _ => {}
        }
    }
    if stack.is_empty() {
        super::remove(program, &dead);
    }
}

fn unmask_top_level_moves(program: &mut Program) {
    let mut depth = 0usize;
    for inst in &mut program.code {
        match *inst {
            Inst::If { .. } | Inst::LoopBegin { .. } | Inst::SwitchBegin | Inst::CallBegin => {
                depth += 1
            }
            Inst::EndIf | Inst::LoopEnd { .. } | Inst::SwitchEnd | Inst::CallEnd => {
                depth = depth.saturating_sub(1)
            }
            // A `return` outside every frame disables lanes for the rest of the program.
            Inst::Kill => return,
            Inst::Return if depth == 0 => return,
            Inst::MovMasked { dst, src } if depth == 0 => {
                *inst = Inst::Un {
                    op: Un::Mov,
                    dst,
                    a: src,
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(code: Vec<Inst>) -> Program {
        let mut p = Program::default();
        p.register_count = 16;
        p.code = code;
        p
    }

    #[test]
    fn frames_with_only_a_trailing_return_go() {
        let mut p = program(vec![
            Inst::CallBegin,
            Inst::MovMasked { dst: 1, src: 2 },
            Inst::CallBegin,
            Inst::MovMasked { dst: 3, src: 1 },
            Inst::Return,
            Inst::CallEnd,
            Inst::Return,
            Inst::CallEnd,
        ]);
        run(&mut p);
        assert_eq!(
            p.code,
            vec![
                Inst::Un {
                    op: Un::Mov,
                    dst: 1,
                    a: 2
                },
                Inst::Un {
                    op: Un::Mov,
                    dst: 3,
                    a: 1
                },
            ]
        );
    }

    #[test]
    fn early_returns_and_kills_keep_their_masks() {
        // A conditional return: the frame stays, and so do the masked moves inside it.
        let code = vec![
            Inst::CallBegin,
            Inst::If {
                cond: 5,
                else_pc: 4,
            },
            Inst::Return,
            Inst::EndIf,
            Inst::MovMasked { dst: 1, src: 2 },
            Inst::Return,
            Inst::CallEnd,
            Inst::MovMasked { dst: 3, src: 1 },
            Inst::Kill,
            Inst::MovMasked { dst: 4, src: 1 },
        ];
        let mut p = program(code.clone());
        run(&mut p);
        let mut expected = code;
        // Only the move after the frame and before the kill is unmasked.
        expected[7] = Inst::Un {
            op: Un::Mov,
            dst: 3,
            a: 1,
        };
        assert_eq!(p.code, expected);
    }
}
