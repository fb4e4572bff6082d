//! Finds branches from inside a `switch` to the enclosing loop's merge block (a `break` out of
//! the loop, written inside a switch case — what `spirv-opt -O` makes of a `return` or `break`
//! nested in a switch in a loop).
//!
//! naga's SPIR-V reader turns such a branch into a `break` of the *switch*, so the loop goes on
//! where it should have ended (gfx-rs/wgpu#4449, open). Until Pumice rewrites these branches
//! into a flag tested after the switch (the "ladder" spirv-cross uses), a module that has one is
//! refused: an error at pipeline creation rather than a wrong picture.
//!
//! The walk follows the constructs in block order: a header opens a construct (loop, switch or
//! selection) and the block labelled with its merge closes it. Producers emit blocks in
//! structured order, which is what this relies on; it never reports a loop break that is not
//! inside a switch.

use super::Module;

const FUNCTION: u16 = 54;
const FUNCTION_END: u16 = 56;
const LOOP_MERGE: u16 = 246;
const SELECTION_MERGE: u16 = 247;
const LABEL: u16 = 248;
const BRANCH: u16 = 249;
const BRANCH_CONDITIONAL: u16 = 250;
const SWITCH: u16 = 251;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Construct {
    Loop,
    Switch,
    Selection,
}

/// Whether any function branches to a loop's merge block from inside a switch in that loop.
pub fn has_loop_break_in_switch(m: &Module) -> bool {
    let mut open: Vec<(Construct, u32)> = Vec::new();
    let mut pending_selection: Option<u32> = None;
    for inst in &m.insts {
        match inst.opcode() {
            FUNCTION | FUNCTION_END => {
                open.clear();
                pending_selection = None;
            }
            LABEL => {
                let Some(label) = inst.operand(0) else {
                    continue;
                };
                // This block is the merge of constructs that end here.
                if let Some(pos) = open.iter().rposition(|&(_, merge)| merge == label) {
                    open.truncate(pos);
                }
            }
            LOOP_MERGE => {
                if let Some(merge) = inst.operand(0) {
                    open.push((Construct::Loop, merge));
                }
            }
            SELECTION_MERGE => pending_selection = inst.operand(0),
            SWITCH => {
                if let Some(merge) = pending_selection.take() {
                    open.push((Construct::Switch, merge));
                }
            }
            BRANCH | BRANCH_CONDITIONAL => {
                let targets: &[u32] = if inst.opcode() == BRANCH {
                    inst.operands().get(..1).unwrap_or(&[])
                } else {
                    inst.operands().get(1..3).unwrap_or(&[])
                };
                if let Some(loop_index) = open.iter().rposition(|&(c, _)| c == Construct::Loop) {
                    let loop_merge = open[loop_index].1;
                    let in_switch = open[loop_index + 1..]
                        .iter()
                        .any(|&(c, _)| c == Construct::Switch);
                    if in_switch && targets.contains(&loop_merge) {
                        return true;
                    }
                }
                if inst.opcode() == BRANCH_CONDITIONAL {
                    if let Some(merge) = pending_selection.take() {
                        open.push((Construct::Selection, merge));
                    }
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legalize::tests::assemble;

    /// `for (;;) { switch (x) { case 3: goto out; default: break; } } out:` after spirv-opt.
    const LOOP_BREAK_IN_SWITCH: &str = r#"
        OpCapability Shader
        OpMemoryModel Logical GLSL450
        OpEntryPoint GLCompute %main "main"
        OpExecutionMode %main LocalSize 1 1 1
        %void = OpTypeVoid
        %fn = OpTypeFunction %void
        %int = OpTypeInt 32 1
        %x = OpConstant %int 3
        %main = OpFunction %void None %fn
        %entry = OpLabel
        OpBranch %header
        %header = OpLabel
        OpLoopMerge %merge %continue None
        OpBranch %body
        %body = OpLabel
        OpSelectionMerge %switch_merge None
        OpSwitch %x %default 3 %case3
        %case3 = OpLabel
        OpBranch %merge
        %default = OpLabel
        OpBranch %switch_merge
        %switch_merge = OpLabel
        OpBranch %continue
        %continue = OpLabel
        OpBranch %header
        %merge = OpLabel
        OpReturn
        OpFunctionEnd
    "#;

    #[test]
    fn finds_a_loop_break_inside_a_switch() {
        let Some(words) = assemble(LOOP_BREAK_IN_SWITCH, "spv1.0") else {
            return;
        };
        let m = Module::read(&words).unwrap();
        assert!(has_loop_break_in_switch(&m));
        // The same branch from the switch merge (after the switch) is an ordinary loop break.
        let ordinary = LOOP_BREAK_IN_SWITCH
            .replace(
                "%case3 = OpLabel\n        OpBranch %merge",
                "%case3 = OpLabel\n        OpBranch %switch_merge",
            )
            .replace(
                "%switch_merge = OpLabel\n        OpBranch %continue",
                "%switch_merge = OpLabel\n        OpBranch %merge",
            );
        let words = assemble(&ordinary, "spv1.0").unwrap();
        assert!(!has_loop_break_in_switch(&Module::read(&words).unwrap()));
    }
}
