//! The statically varying float additions, subtractions, products, multiply-adds and fused
//! products (`BinV { op: FAdd, .. }`, `QuadMaskedV { op: MulMulAdd, .. }`, ...) become their
//! hot forms (`FAddV`, `MulMulAddMaskedV`, ...: [`crate::ir::Inst::specialized`]), whose operation is
//! in the instruction's tag.
//!
//! Why: the interpreter jumps once on the tag of every instruction, then a second time on
//! the `op` of a general form; the second jump, with its load of `op`, was ~5 of the ~40
//! instructions each dispatch spends outside its lane loop. These are the operations of the
//! arithmetic loops of the bench shaders (and of most float-heavy shaders): a variant per
//! (form, operation) for every operation would inline every lane loop twice more into the
//! dispatch loop, so only these have one.
//!
//! Last: the passes before see only the general forms (the helpers of `opt` read a hot form
//! through [`crate::ir::Inst::general`]).

use crate::ir::Program;

pub fn run(program: &mut Program) {
    for inst in &mut program.code {
        if let Some(hot) = inst.specialized() {
            *inst = hot;
        }
    }
}
