//! `OpUndef` in a function body → `OpUndef` among the globals.
//!
//! naga reads a function-level `OpUndef` as a `ZeroValue` expression appended while its
//! emitter is running, so the expression lands inside an `Emit` range; the validator then
//! refuses the function ("Expression [N] can't be introduced - it's already in scope", since
//! `ZeroValue` needs no emitting). A module-level `OpUndef` becomes a zero constant instead,
//! which every function may refer to. An undefined value may be any value, and zero is what
//! naga gives both forms, so moving the instruction (keeping its id) changes nothing but the
//! validator's verdict. `OpUndef` has no operands besides its type, which is a global already,
//! so the moved instruction refers only to things declared before the functions; the final
//! `sort_globals` puts it after its type.
//!
//! Alternatives rejected: rewriting each use to an `OpConstantNull` (the same meaning, but
//! needs one new constant per type and a rewrite of every use).

use super::{op, Module};

pub(crate) fn hoist_function_undefs(m: &mut Module) {
    let start = m.globals_end();
    if !m.insts[start..].iter().any(|i| i.opcode() == op::UNDEF) {
        return;
    }
    let (mut undefs, mut body) = (Vec::new(), Vec::new());
    for inst in m.insts.drain(start..) {
        if inst.opcode() == op::UNDEF && inst.0.len() == 3 {
            undefs.push(inst);
        } else {
            body.push(inst);
        }
    }
    m.insts.extend(undefs);
    m.insts.extend(body);
}

#[cfg(test)]
mod tests {
    /// A function whose only return past a switch yields an `OpUndef` that is never reached,
    /// called from a loop that also reads a function-level undefined value it then overwrites
    /// (graphicsfuzz `cov-missing-return-value-function-never-called`'s pattern).
    const SHADER: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %ra ArrayStride 4
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %uint = OpTypeInt 32 0
        %int = OpTypeInt 32 1
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %fn_u = OpTypeFunction %uint
         %ra = OpTypeRuntimeArray %uint
          %S = OpTypeStruct %ra
         %pS = OpTypePointer StorageBuffer %S
         %pu = OpTypePointer StorageBuffer %uint
         %u0 = OpConstant %uint 0
         %u1 = OpConstant %uint 1
         %u7 = OpConstant %uint 7
         %i1 = OpConstant %int 1
        %buf = OpVariable %pS StorageBuffer
       %main = OpFunction %void None %fn
          %l = OpLabel
          %r = OpFunctionCall %uint %func
         %p0 = OpAccessChain %pu %buf %u0 %u0
               OpStore %p0 %r
          %x = OpUndef %uint
         %x0 = OpBitwiseAnd %uint %x %u0
         %x1 = OpIAdd %uint %x0 %u1
         %p1 = OpAccessChain %pu %buf %u0 %u1
               OpStore %p1 %x1
               OpReturn
               OpFunctionEnd
       %func = OpFunction %uint None %fn_u
         %fl = OpLabel
               OpSelectionMerge %merge None
               OpSwitch %i1 %merge 1 %case
       %case = OpLabel
               OpReturnValue %u7
      %merge = OpLabel
          %u = OpUndef %uint
               OpReturnValue %u
               OpFunctionEnd
"#;

    #[test]
    fn function_level_undefs_validate_and_run() {
        let Some(w) = crate::legalize::tests::assemble(SHADER, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = crate::legalize::tests::run_with_buffer(&w, 8);
        assert_eq!(out, [7, 1]);
    }
}
