//! Subgroup (and draw and view index) built-ins declared as signed integers → unsigned
//! variables, loads bitcast back.
//!
//! Vulkan lets `SubgroupSize`, `NumSubgroups`, `SubgroupId`, `SubgroupLocalInvocationId`,
//! `DrawIndex` and `ViewIndex` be 32-bit integers of either signedness (GLSL's `gl_DrawID` and
//! `gl_ViewIndex` are `int`); naga requires `u32` (it converts a signed declaration only for
//! the vertex, instance and invocation built-ins). Their values are small and non-negative, so
//! reading them as unsigned and bitcasting to the declared type gives the same value. Each such variable becomes a `uint` one and each `OpLoad` of it a `uint` load
//! followed by an `OpBitcast`; a variable used any other way is left alone.

use super::{op, Inst, Module};

const DECORATION_BUILT_IN: u32 = 11;
const INPUT: u32 = 1;
/// `NumSubgroups`, `SubgroupId`, `SubgroupSize`, `SubgroupLocalInvocationId`, `DrawIndex`,
/// `ViewIndex`.
pub(super) const SUBGROUP_BUILT_INS: [u32; 6] = [36, 38, 40, 41, 4426, 4440];

pub(crate) fn unsigned_subgroup_builtins(m: &mut Module) {
    let vars: Vec<u32> = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == op::DECORATE
                && i.0.len() == 4
                && i.0[2] == DECORATION_BUILT_IN
                && SUBGROUP_BUILT_INS.contains(&i.0[3])
        })
        .map(|i| i.0[1])
        .collect();
    for v in vars {
        let mut n = m.clone();
        if rewrite(&mut n, v).is_some() {
            *m = n;
        }
    }
}

fn rewrite(m: &mut Module, v: u32) -> Option<()> {
    let var = m.find(op::VARIABLE, |o| o.len() == 3 && o[1] == v && o[2] == INPUT)?;
    let ptr_ty = m.insts[var].0[1];
    let ptr = m.type_def(ptr_ty)?;
    let int = ptr.operand(2)?;
    let t = m.type_def(int)?;
    if t.opcode() != op::TYPE_INT || t.0[2..] != [32, 1] {
        return None;
    }
    for i in &m.insts {
        let annotation = matches!(i.opcode(), op::NAME | op::DECORATE | op::ENTRY_POINT);
        if super::uses_id(i, v) && !annotation && !(i.opcode() == op::LOAD && i.0.len() == 4) {
            return None;
        }
    }
    let uint = m.intern_type(op::TYPE_INT, &[32, 0])?;
    let uint_ptr = m.intern_type(op::TYPE_POINTER, &[INPUT, uint])?;
    let var = m.find(op::VARIABLE, |o| o.len() == 3 && o[1] == v && o[2] == INPUT)?;
    m.insts[var].0[1] = uint_ptr;
    let insts = std::mem::take(&mut m.insts);
    let mut out = Vec::with_capacity(insts.len() + 4);
    for i in insts {
        if i.opcode() == op::LOAD && i.0.len() == 4 && i.0[3] == v {
            let loaded = m.fresh_id()?;
            out.push(Inst::new(op::LOAD, &[uint, loaded, v]));
            out.push(Inst::new(op::BITCAST, &[i.0[1], i.0[2], loaded]));
        } else {
            out.push(i);
        }
    }
    m.insts = out;
    Some(())
}

#[cfg(test)]
mod tests {
    /// `SubgroupLocalInvocationId` and `SubgroupSize` declared `int`: each invocation writes
    /// its id and the size.
    #[test]
    fn signed_subgroup_builtins_read_their_values() {
        let Some(w) = crate::legalize::tests::assemble(
            r#"
               OpCapability Shader
               OpCapability GroupNonUniform
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %sid %ssize %lidx
               OpExecutionMode %main LocalSize 4 1 1
               OpDecorate %sid BuiltIn SubgroupLocalInvocationId
               OpDecorate %ssize BuiltIn SubgroupSize
               OpDecorate %lidx BuiltIn LocalInvocationIndex
               OpDecorate %ra ArrayStride 4
               OpDecorate %B Block
               OpMemberDecorate %B 0 Offset 0
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
        %int = OpTypeInt 32 1
       %uint = OpTypeInt 32 0
         %ra = OpTypeRuntimeArray %int
          %B = OpTypeStruct %ra
         %pB = OpTypePointer StorageBuffer %B
         %pi = OpTypePointer StorageBuffer %int
        %pin = OpTypePointer Input %int
       %pinu = OpTypePointer Input %uint
        %buf = OpVariable %pB StorageBuffer
        %sid = OpVariable %pin Input
      %ssize = OpVariable %pin Input
       %lidx = OpVariable %pinu Input
         %i0 = OpConstant %int 0
         %u4 = OpConstant %uint 4
       %main = OpFunction %void None %fn
          %l = OpLabel
          %x = OpLoad %uint %lidx
          %s = OpLoad %int %sid
          %z = OpLoad %int %ssize
          %p = OpAccessChain %pi %buf %i0 %x
               OpStore %p %s
         %x4 = OpIAdd %uint %x %u4
          %q = OpAccessChain %pi %buf %i0 %x4
               OpStore %q %z
               OpReturn
               OpFunctionEnd
"#,
            "vulkan1.1",
        ) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let v: Vec<i32> = crate::legalize::tests::run_with_buffer(&w, 32)
            .into_iter()
            .map(|w| w as i32)
            .collect();
        let w = crate::ir::W as i32;
        assert_eq!(v, [0, 1, 2, 3, w, w, w, w]);
    }
}
