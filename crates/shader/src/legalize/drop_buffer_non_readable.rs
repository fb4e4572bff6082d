//! `NonReadable` on buffers → dropped.
//!
//! GLSL's `writeonly buffer` decorates a storage buffer block (or its members) `NonReadable`;
//! naga refuses write-only storage buffers ("Storage address space doesn't support write-only
//! access"). The decoration only promises the shader never reads, so a driver may ignore it:
//! dropping it changes nothing the shader can observe. Images keep it (naga supports write-only
//! storage images, and their access mode matters to it).

use foldhash::HashSet;

use super::{op, Module};

const TYPE_IMAGE: u16 = 25;
const TYPE_ARRAY: u16 = 28;
const TYPE_RUNTIME_ARRAY: u16 = 29;
const DECORATION_NON_READABLE: u32 = 25;

pub(crate) fn drop_buffer_non_readable(m: &mut Module) {
    let decorated = |i: &super::Inst| {
        (i.opcode() == op::DECORATE && i.0.len() == 3 && i.0[2] == DECORATION_NON_READABLE)
            || (i.opcode() == op::MEMBER_DECORATE
                && i.0.len() == 4
                && i.0[3] == DECORATION_NON_READABLE)
    };
    if !m.insts.iter().any(decorated) {
        return;
    }
    // Types that are images or (arrays of) images, and pointers to them, and variables of those.
    let mut image_types: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == TYPE_IMAGE && i.0.len() >= 2)
        .map(|i| i.0[1])
        .collect();
    for i in &m.insts {
        if matches!(i.opcode(), TYPE_ARRAY | TYPE_RUNTIME_ARRAY)
            && i.0.len() >= 3
            && image_types.contains(&i.0[2])
        {
            image_types.insert(i.0[1]);
        }
    }
    let image_pointers: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == op::TYPE_POINTER && i.0.len() == 4 && image_types.contains(&i.0[3])
        })
        .map(|i| i.0[1])
        .collect();
    let image_variables: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == op::VARIABLE && i.0.len() >= 4 && image_pointers.contains(&i.0[1])
        })
        .map(|i| i.0[2])
        .collect();
    m.insts.retain(|i| {
        !(decorated(i) && !(i.opcode() == op::DECORATE && image_variables.contains(&i.0[1])))
    });
}

#[cfg(test)]
mod tests {
    use super::super::tests::assemble;

    const WRITE_ONLY: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %Out Block
               OpMemberDecorate %Out 0 Offset 0
               OpMemberDecorate %Out 0 NonReadable
               OpDecorate %out NonReadable
               OpDecorate %out DescriptorSet 0
               OpDecorate %out Binding 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %uint = OpTypeInt 32 0
        %Out = OpTypeStruct %uint
    %ptr_out = OpTypePointer StorageBuffer %Out
        %out = OpVariable %ptr_out StorageBuffer
   %ptr_uint = OpTypePointer StorageBuffer %uint
     %uint_0 = OpConstant %uint 0
     %uint_7 = OpConstant %uint 7
       %main = OpFunction %void None %fn
      %entry = OpLabel
          %p = OpAccessChain %ptr_uint %out %uint_0
               OpStore %p %uint_7
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn write_only_buffers_are_read_by_naga() {
        let Some(w) = assemble(WRITE_ONLY, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        assert!(crate::parse(&w).is_ok());
    }
}
