//! 8- and 16-bit integer constants (and then their types) that nothing uses → dropped.
//!
//! naga's reader refuses an `OpConstant` of a 16- or 8-bit integer type outright ("invalid
//! type width"), even when nothing refers to it. `specialize` folds `OpSpecConstantOp`s such
//! as `UConvert` of a 16-bit specialization constant into a 32-bit constant, which leaves the
//! 16-bit operand behind, unused (the `spirv1p4/uconvert/spec_const_opt_*` scripts). An
//! unused declaration has no meaning to keep, so it goes, with its names and decorations;
//! then a narrow integer type that nothing refers to any longer goes too. Used narrow
//! constants stay, and naga refuses them as before.

use foldhash::HashSet;

use super::{global_refs, op, uses_id, Inst, Module};

const SPEC_CONSTANT: u16 = 50;

/// Does `inst` refer to `id` (names and decorations aside)?
fn refers_to(inst: &Inst, id: u32) -> bool {
    match inst.opcode() {
        op::NAME | op::DECORATE | op::DECORATE_STRING => false,
        op::TYPE_VOID..=op::TYPE_FORWARD_POINTER
        | op::CONSTANT_TRUE..=op::SPEC_CONSTANT_OP
        | op::UNDEF
        | op::VARIABLE => global_refs(inst).contains(&id),
        _ => uses_id(inst, id),
    }
}

/// Is `i` the definition of a narrow constant (`at` 1) or integer type (`at` 0) in `ids`?
fn defines(i: &Inst, ids: &HashSet<u32>, at: usize) -> bool {
    let opcode_matches = match at {
        0 => i.opcode() == op::TYPE_INT,
        _ => matches!(i.opcode(), op::CONSTANT | SPEC_CONSTANT),
    };
    opcode_matches && i.operand(at).is_some_and(|r| ids.contains(&r))
}

/// Removes the definitions of `ids` (see [`defines`]) and their names and decorations.
fn remove(m: &mut Module, ids: &HashSet<u32>, at: usize) {
    m.insts.retain(|i| {
        let named = matches!(i.opcode(), op::NAME | op::DECORATE | op::DECORATE_STRING)
            && i.operand(0).is_some_and(|t| ids.contains(&t));
        !named && !defines(i, ids, at)
    });
}

pub(crate) fn drop_unused_narrow_constants(m: &mut Module) {
    let narrow: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::TYPE_INT && matches!(i.operand(1), Some(8 | 16)))
        .filter_map(|i| i.operand(0))
        .collect();
    if narrow.is_empty() {
        return;
    }
    let constants: Vec<u32> = m
        .insts
        .iter()
        .filter(|i| {
            matches!(i.opcode(), op::CONSTANT | SPEC_CONSTANT)
                && i.operand(0).is_some_and(|t| narrow.contains(&t))
        })
        .filter_map(|i| i.operand(1))
        .collect();
    let unused = |m: &Module, id: u32, at: usize| {
        let this = HashSet::from_iter([id]);
        !m.insts
            .iter()
            .any(|i| !defines(i, &this, at) && refers_to(i, id))
    };
    let dead: HashSet<u32> = constants.into_iter().filter(|&c| unused(m, c, 1)).collect();
    if !dead.is_empty() {
        remove(m, &dead, 1);
    }
    let dead_types: HashSet<u32> = narrow.into_iter().filter(|&t| unused(m, t, 0)).collect();
    if !dead_types.is_empty() {
        remove(m, &dead_types, 0);
    }
}

#[cfg(test)]
mod tests {
    /// A 16-bit specialization constant zero-extended to 32 bits by `OpSpecConstantOp`
    /// (`spirv1p4/uconvert/spec_const_opt_zero_extend_n4096`), stored.
    const SHADER: &str = r#"
               OpCapability Shader
               OpCapability Int16
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
               OpDecorate %sc SpecId 0
               OpName %sc "sc"
       %uint = OpTypeInt 32 0
      %short = OpTypeInt 16 1
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
          %S = OpTypeStruct %uint
         %pS = OpTypePointer StorageBuffer %S
         %pu = OpTypePointer StorageBuffer %uint
         %u0 = OpConstant %uint 0
         %sc = OpSpecConstant %short -4096
         %ext = OpSpecConstantOp %uint UConvert %sc
        %buf = OpVariable %pS StorageBuffer
       %main = OpFunction %void None %fn
          %l = OpLabel
          %p = OpAccessChain %pu %buf %u0
               OpStore %p %ext
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn folded_narrow_specialization_constants_go() {
        let Some(w) = crate::legalize::tests::assemble(SHADER, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        // UConvert zero-extends the 16-bit pattern 0xf000.
        assert_eq!(crate::legalize::tests::run_with_buffer(&w, 4), [0xf000]);
    }

    #[test]
    fn used_narrow_constants_stay() {
        let text = SHADER
            .replace("         %ext = OpSpecConstantOp %uint UConvert %sc\n", "")
            .replace(
                "          %p = OpAccessChain",
                "        %ext = OpSConvert %uint %sc\n          %p = OpAccessChain",
            );
        let Some(w) = crate::legalize::tests::assemble(&text, "vulkan1.1") else {
            return;
        };
        let m = crate::legalize::Module::read(&w).unwrap();
        let mut n = m.clone();
        super::drop_unused_narrow_constants(&mut n);
        assert_eq!(n, m);
    }
}
