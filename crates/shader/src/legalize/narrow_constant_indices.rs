//! 64-bit constant indices of access chains → the same indices as 32-bit constants.
//!
//! SPIR-V lets an access chain index with any integer type, a struct member with any integer
//! constant. naga's reader takes a struct member index only from a 32-bit constant ("invalid
//! access Constant"), and `spirv-as` of `OpConstant %ulong 0` produces just that. An index is
//! a number; a 64-bit constant whose value fits in 31 bits means the same as a 32-bit
//! constant of the same signedness with that value, so such operands are replaced (the
//! 32-bit constant found or declared). Larger or negative values, and dynamic 64-bit indices,
//! are left to naga.

use foldhash::HashMap;

use super::{op, Module};

pub(crate) fn narrow_constant_indices(m: &mut Module) {
    // 64-bit integer type → signedness.
    let wide: HashMap<u32, u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::TYPE_INT && i.0.len() == 4 && i.0[2] == 64)
        .map(|i| (i.0[1], i.0[3]))
        .collect();
    if wide.is_empty() {
        return;
    }
    // 64-bit constant → (signedness, value) for values in 0..2^31.
    let small: HashMap<u32, (u32, u32)> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::CONSTANT && i.0.len() == 5 && i.0[4] == 0)
        .filter(|i| i.0[3] < 0x8000_0000)
        .filter_map(|i| Some((i.0[2], (*wide.get(&i.0[1])?, i.0[3]))))
        .collect();
    let is_chain = |o: u16| matches!(o, op::ACCESS_CHAIN | op::IN_BOUNDS_ACCESS_CHAIN);
    let needed: Vec<(u32, u32)> = m
        .insts
        .iter()
        .filter(|i| is_chain(i.opcode()))
        .flat_map(|i| i.0.iter().skip(4).filter_map(|id| small.get(id).copied()))
        .collect();
    if needed.is_empty() {
        return;
    }
    let mut narrow: HashMap<(u32, u32), u32> = HashMap::default();
    for (signed, value) in needed {
        if narrow.contains_key(&(signed, value)) {
            continue;
        }
        let Some(ty) = m.intern_type(op::TYPE_INT, &[32, signed]) else {
            return;
        };
        let Some(id) = m.constant32(ty, value) else {
            return;
        };
        narrow.insert((signed, value), id);
    }
    for inst in m.insts.iter_mut().filter(|i| is_chain(i.opcode())) {
        for w in inst.0.iter_mut().skip(4) {
            if let Some(v) = small.get(w) {
                *w = narrow[v];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// A struct member and an array element reached through 64-bit constant indices
    /// (`spirv1p4/uconvert/spec_const_opt_extend_251658240_64_bits`' access).
    const SHADER: &str = r#"
               OpCapability Shader
               OpCapability Int64
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %arr ArrayStride 4
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpMemberDecorate %S 1 Offset 4
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %uint = OpTypeInt 32 0
      %ulong = OpTypeInt 64 0
       %long = OpTypeInt 64 1
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
         %u3 = OpConstant %uint 3
        %arr = OpTypeArray %uint %u3
          %S = OpTypeStruct %uint %arr
         %pS = OpTypePointer StorageBuffer %S
         %pu = OpTypePointer StorageBuffer %uint
        %ul0 = OpConstant %ulong 0
        %ul1 = OpConstant %ulong 1
         %l2 = OpConstant %long 2
         %u5 = OpConstant %uint 5
         %u9 = OpConstant %uint 9
        %buf = OpVariable %pS StorageBuffer
       %main = OpFunction %void None %fn
          %l = OpLabel
         %p0 = OpAccessChain %pu %buf %ul0
               OpStore %p0 %u5
         %p1 = OpAccessChain %pu %buf %ul1 %l2
               OpStore %p1 %u9
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn wide_constant_indices_reach_the_same_members() {
        let Some(w) = crate::legalize::tests::assemble(SHADER, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        assert_eq!(
            crate::legalize::tests::run_with_buffer(&w, 16),
            [5, 0, 0, 9]
        );
    }
}
