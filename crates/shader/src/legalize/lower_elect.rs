//! `OpGroupNonUniformElect` → `BroadcastFirst(id) == id` with `id` the invocation's
//! `SubgroupLocalInvocationId`.
//!
//! Elect is true only in the active invocation with the lowest id in the subgroup;
//! `OpGroupNonUniformBroadcastFirst` returns the value of that same invocation, so the
//! comparison is true exactly there. naga reads both pieces.
//!
//! The rewrite only runs where it can be done cleanly: every entry point is a fragment or
//! compute one (naga refuses the builtin in vertex shaders, and the new input must be in the
//! interface of every entry point that may reach the elect), there are no decoration groups,
//! and an existing `SubgroupLocalInvocationId` variable is a plain 32-bit integer input.

use super::{literal_string, op, Inst, Module};

const EXECUTION_MODEL_FRAGMENT: u32 = 4;
const EXECUTION_MODEL_GL_COMPUTE: u32 = 5;
const STORAGE_INPUT: u32 = 1;
const DECORATION_BUILT_IN: u32 = 11;
const BUILT_IN_SUBGROUP_LOCAL_INVOCATION_ID: u32 = 41;
const CAPABILITY_GROUP_NON_UNIFORM_BALLOT: u32 = 64;

/// Is `opcode` one that sits before the types-and-globals section?
fn in_preamble(opcode: u16) -> bool {
    matches!(
        opcode,
        op::CAPABILITY
            | op::EXTENSION
            | op::EXT_INST_IMPORT
            | op::MEMORY_MODEL
            | op::ENTRY_POINT
            | op::EXECUTION_MODE
            | op::EXECUTION_MODE_ID
            | op::SOURCE_CONTINUED
            | op::SOURCE
            | op::SOURCE_EXTENSION
            | op::NAME
            | op::MEMBER_NAME
            | op::STRING
            | op::MODULE_PROCESSED
            | op::DECORATE
            | op::MEMBER_DECORATE
            | op::DECORATION_GROUP
            | op::GROUP_DECORATE
            | op::GROUP_MEMBER_DECORATE
            | op::DECORATE_ID
            | op::DECORATE_STRING
            | op::MEMBER_DECORATE_STRING
            | op::LINE
            | op::NO_LINE
    )
}

fn find(m: &Module, opcode: u16, pred: impl Fn(&[u32]) -> bool) -> Option<usize> {
    m.insts
        .iter()
        .position(|i| i.opcode() == opcode && pred(i.operands()))
}

/// The existing `SubgroupLocalInvocationId` input: (variable, its 32-bit integer type).
/// `Err` when there is one but it is not a plain 32-bit integer input variable.
fn existing_builtin(m: &Module) -> Result<Option<(u32, u32)>, ()> {
    let Some(d) = find(m, op::DECORATE, |o| {
        o.len() == 3 && o[1] == DECORATION_BUILT_IN && o[2] == BUILT_IN_SUBGROUP_LOCAL_INVOCATION_ID
    }) else {
        return Ok(None);
    };
    let var = m.insts[d].operands()[0];
    let v = find(m, op::VARIABLE, |o| o.len() == 3 && o[1] == var).ok_or(())?;
    let vo = m.insts[v].operands();
    if vo[2] != STORAGE_INPUT {
        return Err(());
    }
    let p = find(m, op::TYPE_POINTER, |o| o.len() == 3 && o[0] == vo[0]).ok_or(())?;
    let pointee = m.insts[p].operands()[2];
    if m.insts[p].operands()[1] != STORAGE_INPUT {
        return Err(());
    }
    find(m, op::TYPE_INT, |o| {
        o.len() == 3 && o[0] == pointee && o[1] == 32
    })
    .ok_or(())?;
    Ok(Some((var, pointee)))
}

pub(crate) fn lower_elect(m: &mut Module) {
    let _ = try_lower_elect(m);
}

fn try_lower_elect(m: &mut Module) -> Option<()> {
    let elects = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::GROUP_NON_UNIFORM_ELECT)
        .count();
    if elects == 0 {
        return None;
    }
    if m.insts.iter().any(|i| {
        i.opcode() == op::GROUP_NON_UNIFORM_ELECT && i.0.len() != 4
            || i.opcode() == op::DECORATION_GROUP
            || i.opcode() == op::ENTRY_POINT
                && !matches!(
                    i.operand(0),
                    Some(EXECUTION_MODEL_FRAGMENT | EXECUTION_MODEL_GL_COMPUTE)
                )
    }) {
        return None;
    }
    // Work on a copy so a late refusal leaves the module as it was.
    let mut n = m.clone();
    let first_function = n.insts.iter().position(|i| i.opcode() == op::FUNCTION)?;
    let after_annotations = n.insts.iter().position(|i| !in_preamble(i.opcode()))?;
    if after_annotations > first_function {
        return None;
    }
    let (var, uint) = match existing_builtin(&n).ok()? {
        Some(found) => found,
        None => {
            let mut globals = Vec::new();
            let uint = match find(&n, op::TYPE_INT, |o| {
                o.len() == 3 && o[1] == 32 && o[2] == 0
            }) {
                Some(i) => n.insts[i].operands()[0],
                None => {
                    let id = n.fresh_id()?;
                    globals.push(Inst::new(op::TYPE_INT, &[id, 32, 0]));
                    id
                }
            };
            let ptr = match find(&n, op::TYPE_POINTER, |o| {
                o.len() == 3 && o[1] == STORAGE_INPUT && o[2] == uint
            }) {
                Some(i) => n.insts[i].operands()[0],
                None => {
                    let id = n.fresh_id()?;
                    globals.push(Inst::new(op::TYPE_POINTER, &[id, STORAGE_INPUT, uint]));
                    id
                }
            };
            let var = n.fresh_id()?;
            globals.push(Inst::new(op::VARIABLE, &[ptr, var, STORAGE_INPUT]));
            n.insts.splice(first_function..first_function, globals);
            n.insts.insert(
                after_annotations,
                Inst::new(
                    op::DECORATE,
                    &[
                        var,
                        DECORATION_BUILT_IN,
                        BUILT_IN_SUBGROUP_LOCAL_INVOCATION_ID,
                    ],
                ),
            );
            (var, uint)
        }
    };
    // The input must be in every entry point's interface.
    for inst in &mut n.insts {
        if inst.opcode() != op::ENTRY_POINT || inst.0.len() < 3 {
            continue;
        }
        let (_, used) = literal_string(&inst.operands()[2..]);
        if !inst.operands()[2 + used..].contains(&var) {
            inst.0.push(var);
            inst.fix_count();
        }
    }
    if find(&n, op::CAPABILITY, |o| {
        o == [CAPABILITY_GROUP_NON_UNIFORM_BALLOT]
    })
    .is_none()
    {
        n.insts.insert(
            0,
            Inst::new(op::CAPABILITY, &[CAPABILITY_GROUP_NON_UNIFORM_BALLOT]),
        );
    }
    let mut out = Vec::with_capacity(n.insts.len() + 2 * elects);
    for inst in std::mem::take(&mut n.insts) {
        if inst.opcode() != op::GROUP_NON_UNIFORM_ELECT {
            out.push(inst);
            continue;
        }
        let (bool_ty, result, scope) = (inst.0[1], inst.0[2], inst.0[3]);
        let id = n.fresh_id()?;
        let first = n.fresh_id()?;
        out.push(Inst::new(op::LOAD, &[uint, id, var]));
        out.push(Inst::new(
            op::GROUP_NON_UNIFORM_BROADCAST_FIRST,
            &[uint, first, scope, id],
        ));
        out.push(Inst::new(op::I_EQUAL, &[bool_ty, result, first, id]));
    }
    n.insts = out;
    *m = n;
    Some(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::assemble;
    use super::super::{op, Module};

    /// `if (subgroupElect()) out[0] = 1;` in a compute shader.
    pub const ELECT_COMPUTE: &str = r#"
               OpCapability Shader
               OpCapability GroupNonUniform
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 4 1 1
               OpDecorate %rta ArrayStride 4
               OpMemberDecorate %block 0 Offset 0
               OpDecorate %block Block
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %bool = OpTypeBool
        %int = OpTypeInt 32 1
        %rta = OpTypeRuntimeArray %int
      %block = OpTypeStruct %rta
    %ptr_blk = OpTypePointer StorageBuffer %block
    %ptr_int = OpTypePointer StorageBuffer %int
        %buf = OpVariable %ptr_blk StorageBuffer
       %zero = OpConstant %int 0
        %one = OpConstant %int 1
       %uint = OpTypeInt 32 0
   %subgroup = OpConstant %uint 3
       %main = OpFunction %void None %fn
      %entry = OpLabel
         %el = OpGroupNonUniformElect %bool %subgroup
               OpSelectionMerge %merge None
               OpBranchConditional %el %then %merge
       %then = OpLabel
        %ptr = OpAccessChain %ptr_int %buf %zero %zero
               OpStore %ptr %one
               OpBranch %merge
      %merge = OpLabel
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn lowers_elect_in_compute() {
        let Some(w) = assemble(ELECT_COMPUTE, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = super::super::legalize(&w).unwrap();
        let m = Module::read(&out).unwrap();
        assert!(!m
            .insts
            .iter()
            .any(|i| i.opcode() == op::GROUP_NON_UNIFORM_ELECT));
        let (module, _) = crate::parse(&w).unwrap();
        let body = format!("{:?}", module.functions);
        assert!(body.contains("BroadcastFirst"), "{body}");
        let args = format!("{:?}", module.entry_points[0].function.arguments);
        assert!(args.contains("SubgroupInvocationId"), "{args}");
    }

    #[test]
    fn leaves_elect_in_vertex_shaders_alone() {
        let text = ELECT_COMPUTE
            .replace("OpEntryPoint GLCompute", "OpEntryPoint Vertex")
            .replace("OpExecutionMode %main LocalSize 4 1 1", "");
        let Some(w) = assemble(&text, "vulkan1.1") else {
            return;
        };
        assert_eq!(super::super::legalize(&w).unwrap(), w);
        assert!(crate::parse(&w).is_err());
    }
}
