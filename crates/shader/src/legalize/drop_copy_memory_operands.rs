//! `OpCopyMemory`'s hint-only memory operands → dropped.
//!
//! `OpCopyMemory target source [target access] [source access]` may carry a memory-operand
//! mask for each side (the second one since SPIR-V 1.4), `Aligned` followed by its alignment.
//! naga's reader takes at most one mask word and refuses anything longer ("invalid operand
//! count"). `Aligned` (a promise about the address) and `Nontemporal` (a caching hint) do not
//! change what the copy does, so when every mask holds nothing else the operands go and the
//! copy stays. Masks with other bits (`Volatile`, the memory-model availability bits, which
//! take scope operands) leave the instruction to naga.

use super::Module;

const COPY_MEMORY: u16 = 63;
const ALIGNED: u32 = 0x2;
const NONTEMPORAL: u32 = 0x4;

/// Whether `words` (the operands after target and source) are masks with only `Aligned` and
/// `Nontemporal` set, each `Aligned` followed by its literal.
fn only_hints(mut words: &[u32]) -> bool {
    while let Some((&mask, rest)) = words.split_first() {
        if mask & !(ALIGNED | NONTEMPORAL) != 0 {
            return false;
        }
        words = rest;
        if mask & ALIGNED != 0 {
            let Some((_, rest)) = words.split_first() else {
                return false;
            };
            words = rest;
        }
    }
    true
}

pub(crate) fn drop_copy_memory_operands(m: &mut Module) {
    for inst in &mut m.insts {
        if inst.opcode() == COPY_MEMORY && inst.0.len() > 3 && only_hints(&inst.0[3..]) {
            inst.0.truncate(3);
            inst.fix_count();
        }
    }
}

#[cfg(test)]
mod tests {
    /// Copies with a target and a source mask (`spirv1p4/opcopymemory/no_*_access_operands`),
    /// and one whose `Volatile` mask is kept.
    const SHADER: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %buf
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpMemberDecorate %S 1 Offset 16
               OpMemberDecorate %S 2 Offset 20
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %void = OpTypeVoid
       %uint = OpTypeInt 32 0
         %u0 = OpConstant %uint 0
         %u1 = OpConstant %uint 1
         %u2 = OpConstant %uint 2
         %u3 = OpConstant %uint 3
      %uvec4 = OpTypeVector %uint 4
         %pu = OpTypePointer StorageBuffer %uint
          %S = OpTypeStruct %uvec4 %uint %uint
         %pS = OpTypePointer StorageBuffer %S
        %buf = OpVariable %pS StorageBuffer
         %fn = OpTypeFunction %void
       %main = OpFunction %void None %fn
          %l = OpLabel
         %s0 = OpAccessChain %pu %buf %u0 %u2
         %d0 = OpAccessChain %pu %buf %u1
               OpCopyMemory %d0 %s0 Aligned 16 None
         %s1 = OpAccessChain %pu %buf %u0 %u3
         %d1 = OpAccessChain %pu %buf %u2
               OpCopyMemory %d1 %s1 None Aligned 4
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn copies_with_two_hint_masks_copy() {
        let Some(w) = crate::legalize::tests::assemble(SHADER, "spv1.4") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let memory = pumice_memory::DeviceMemory::new(24).unwrap();
        let init: Vec<u8> = [10u32, 11, 12, 13, 0, 0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        memory.write(0, &init).unwrap();
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![(
                (0, 0, 0),
                crate::compute::BufferSlice {
                    memory: &memory,
                    offset: 0,
                    size: 24,
                },
            )],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let mut out = [0u8; 24];
        memory.read(0, &mut out).unwrap();
        let words: Vec<u32> = out
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(words, [10, 11, 12, 13, 12, 13]);
    }

    #[test]
    fn volatile_copies_are_left_alone() {
        let text = SHADER.replace("%s1 None Aligned 4", "%s1 Volatile");
        let Some(w) = crate::legalize::tests::assemble(&text, "spv1.4") else {
            return;
        };
        let m = crate::legalize::Module::read(&w).unwrap();
        let mut n = m.clone();
        super::drop_copy_memory_operands(&mut n);
        // The hinted copy lost its masks; the volatile one kept its mask.
        let copies: Vec<usize> = n
            .insts
            .iter()
            .filter(|i| i.opcode() == super::COPY_MEMORY)
            .map(|i| i.0.len())
            .collect();
        assert_eq!(copies, [3, 4]);
    }
}
