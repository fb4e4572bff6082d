//! `OpTerminateInvocation` → `OpKill`.
//!
//! Both end the invocation; the driver runs `OpKill` as a terminate (naga's `Kill`), so the
//! rewrite keeps the meaning. Afterwards `SPV_KHR_terminate_invocation` has no instruction
//! left and is dropped.

use super::{op, Inst, Module};

pub(crate) fn lower_terminate_invocation(m: &mut Module) {
    if !m
        .insts
        .iter()
        .any(|i| matches!(i.opcode(), op::TERMINATE_INVOCATION | op::EXTENSION))
    {
        return;
    }
    for inst in &mut m.insts {
        if inst.opcode() == op::TERMINATE_INVOCATION && inst.0.len() == 1 {
            *inst = Inst::new(op::KILL, &[]);
        }
    }
    if !m
        .insts
        .iter()
        .any(|i| i.opcode() == op::TERMINATE_INVOCATION)
    {
        m.remove_extension("SPV_KHR_terminate_invocation");
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::assemble;
    use super::super::{op, Module};

    const TERMINATE: &str = r#"
               OpCapability Shader
               OpExtension "SPV_KHR_terminate_invocation"
               OpMemoryModel Logical GLSL450
               OpEntryPoint Fragment %main "main" %out
               OpExecutionMode %main OriginUpperLeft
               OpDecorate %out Location 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
      %float = OpTypeFloat 32
       %vec4 = OpTypeVector %float 4
    %ptr_out = OpTypePointer Output %vec4
        %out = OpVariable %ptr_out Output
       %bool = OpTypeBool
       %true = OpConstantTrue %bool
        %one = OpConstant %float 1
      %color = OpConstantComposite %vec4 %one %one %one %one
       %main = OpFunction %void None %fn
      %entry = OpLabel
               OpSelectionMerge %merge None
               OpBranchConditional %true %kill %merge
       %kill = OpLabel
               OpTerminateInvocation
      %merge = OpLabel
               OpStore %out %color
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn lowers_terminate_invocation_to_kill() {
        let Some(w) = assemble(TERMINATE, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = super::super::legalize(&w).unwrap();
        let m = Module::read(&out).unwrap();
        assert!(!m.has_extension("SPV_KHR_terminate_invocation"));
        assert!(m.insts.iter().any(|i| i.opcode() == op::KILL));
        assert!(!m
            .insts
            .iter()
            .any(|i| i.opcode() == op::TERMINATE_INVOCATION));
        let (module, _) = crate::parse(&w).unwrap();
        let body = format!("{:?}", module.functions);
        assert!(body.contains("Kill"), "{body}");
    }
}
