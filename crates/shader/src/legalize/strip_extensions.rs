//! Drops extensions that carry no meaning naga needs.

use super::{op, Module};

/// `ExecutionMode SubgroupUniformControlFlowKHR`.
const SUBGROUP_UNIFORM_CONTROL_FLOW: u32 = 4421;

/// Extensions that only permit things or hint, with no instructions of their own:
/// dropping the `OpExtension` leaves every instruction meaning what it meant.
const HINTS: &[&str] = &[
    // A promise that control flow is uniform where the source says so; a hint only.
    "SPV_KHR_subgroup_uniform_control_flow",
    // Allows 8-bit types in buffers; no new instructions (like SPV_KHR_16bit_storage,
    // which naga accepts).
    "SPV_KHR_8bit_storage",
    // Allows the built-ins `BaseVertex`, `BaseInstance` and `DrawIndex` (core since SPIR-V
    // 1.3); no instructions of its own.
    "SPV_KHR_shader_draw_parameters",
];

/// `SPV_AMD_shader_early_and_late_fragment_tests`' execution modes: `EarlyAndLateFragmentTestsAMD`
/// says the per-fragment tests *may* run before the shader as well as after it (a fragment
/// failing the early test need not be shaded); `StencilRef{Unchanged,Greater,Less}{Front,Back}AMD`
/// promise how an exported stencil reference relates to the dynamic one, so that such early
/// tests stay valid. Running the tests only after the shader, as without the modes, is one of
/// the behaviours they allow, so the modes and the extension go. (Depth-write modes such as
/// `DepthGreater` are core and stay.)
const EARLY_AND_LATE_FRAGMENT_TESTS: u32 = 5017;
const STENCIL_REF_AMD_MODES: std::ops::RangeInclusive<u32> = 5079..=5084;

/// `WorkgroupMemoryExplicitLayoutKHR` (`SPV_KHR_workgroup_memory_explicit_layout`) gives
/// `Block`-decorated workgroup variables an explicit layout, and makes them all alias one
/// another. With a single workgroup variable in the module there is nothing to alias and the
/// layout cannot be observed (workgroup memory is reached only through that variable), so the
/// capability and the extension go. Its 8- and 16-bit access capabilities, or more than one
/// workgroup variable, leave the module to naga's refusal.
const WORKGROUP_MEMORY_EXPLICIT_LAYOUT: u32 = 4428;
const WORKGROUP_MEMORY_EXPLICIT_LAYOUT_NARROW: std::ops::RangeInclusive<u32> = 4429..=4430;
const STORAGE_WORKGROUP: u32 = 4;

/// `SPV_KHR_float_controls` execution modes: `DenormPreserve`, `DenormFlushToZero`,
/// `SignedZeroInfNanPreserve`, `RoundingModeRTE`, `RoundingModeRTZ`.
const DENORM_PRESERVE: u32 = 4459;
const SIGNED_ZERO_INF_NAN_PRESERVE: u32 = 4461;
const ROUNDING_MODE_RTE: u32 = 4462;
const FLOAT_CONTROLS_MODES: std::ops::RangeInclusive<u32> = 4459..=4463;

/// Removes the extensions in [`HINTS`], the `SubgroupUniformControlFlowKHR` execution mode, the
/// early-and-late fragment test modes and their extension, explicit workgroup layout where only
/// one workgroup variable exists;
/// and `SPV_KHR_float_controls` when every mode it sets is one the interpreter always keeps
/// for 32- and 64-bit floats: denormals preserved, signed zeros, infinities and NaNs
/// preserved, round to nearest even (Rust's IEEE arithmetic; the driver reports these
/// properties). A flush-to-zero or round-toward-zero mode leaves the module to naga's refusal.
pub(crate) fn strip_extensions(m: &mut Module) {
    // Everything below is a scan of the module that finds nothing in most shaders (a dozen
    // of them were 3% of a cold compile): one scan for anything it could act on first.
    let relevant = |i: &super::Inst| match i.opcode() {
        op::EXTENSION | op::DECORATE_ID | op::DECORATE_STRING | op::MEMBER_DECORATE_STRING => true,
        op::EXECUTION_MODE => i.operand(1).is_some_and(|mode| {
            mode == SUBGROUP_UNIFORM_CONTROL_FLOW
                || mode == EARLY_AND_LATE_FRAGMENT_TESTS
                || STENCIL_REF_AMD_MODES.contains(&mode)
                || FLOAT_CONTROLS_MODES.contains(&mode)
        }),
        op::CAPABILITY => i.operand(0) == Some(WORKGROUP_MEMORY_EXPLICIT_LAYOUT),
        _ => false,
    };
    if !m.insts.iter().any(relevant) {
        return;
    }
    for name in HINTS {
        m.remove_extension(name);
    }
    m.insts.retain(|i| {
        !(i.opcode() == op::EXECUTION_MODE && i.operand(1) == Some(SUBGROUP_UNIFORM_CONTROL_FLOW))
    });
    m.insts.retain(|i| {
        !(i.opcode() == op::EXECUTION_MODE
            && i.operand(1).is_some_and(|mode| {
                mode == EARLY_AND_LATE_FRAGMENT_TESTS || STENCIL_REF_AMD_MODES.contains(&mode)
            }))
    });
    m.remove_extension("SPV_AMD_shader_early_and_late_fragment_tests");
    let workgroup_variables = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::VARIABLE && i.operand(2) == Some(STORAGE_WORKGROUP))
        .count();
    let narrow_access = m.insts.iter().any(|i| {
        i.opcode() == op::CAPABILITY
            && i.operand(0)
                .is_some_and(|c| WORKGROUP_MEMORY_EXPLICIT_LAYOUT_NARROW.contains(&c))
    });
    if workgroup_variables <= 1 && !narrow_access {
        m.insts.retain(|i| {
            !(i.opcode() == op::CAPABILITY
                && i.operand(0) == Some(WORKGROUP_MEMORY_EXPLICIT_LAYOUT))
        });
        m.remove_extension("SPV_KHR_workgroup_memory_explicit_layout");
    }
    let kept = |i: &super::Inst| {
        i.opcode() == op::EXECUTION_MODE
            && i.0.len() == 4
            && matches!(
                i.0[2],
                DENORM_PRESERVE | SIGNED_ZERO_INF_NAN_PRESERVE | ROUNDING_MODE_RTE
            )
            && matches!(i.0[3], 32 | 64)
    };
    let float_modes = |i: &super::Inst| {
        i.opcode() == op::EXECUTION_MODE
            && i.operand(1)
                .is_some_and(|m| FLOAT_CONTROLS_MODES.contains(&m))
    };
    if m.insts.iter().filter(|i| float_modes(i)).all(kept) {
        m.insts.retain(|i| !float_modes(i));
        m.remove_extension("SPV_KHR_float_controls");
    }
    strip_hint_decorations(m);
}

/// Decorations that only inform: `UniformId` (a value is uniform in a scope; SPIR-V 1.4),
/// `CounterBuffer` (names an HLSL append buffer's counter), `UserSemantic` and
/// `UserTypeGOOGLE` (source-level names). Nothing executes differently without them; naga
/// refuses `OpDecorateId` and `OpDecorateString` altogether. Their extensions go when no such
/// instruction is left.
const UNIFORM_ID: u32 = 27;
const COUNTER_BUFFER: u32 = 5634;
const USER_SEMANTIC: u32 = 5635;
const USER_TYPE_GOOGLE: u32 = 5636;

fn strip_hint_decorations(m: &mut Module) {
    m.insts.retain(|i| match i.opcode() {
        op::DECORATE_ID => !matches!(i.operand(1), Some(UNIFORM_ID | COUNTER_BUFFER)),
        op::DECORATE_STRING => !matches!(i.operand(1), Some(USER_SEMANTIC | USER_TYPE_GOOGLE)),
        op::MEMBER_DECORATE_STRING => {
            !matches!(i.operand(2), Some(USER_SEMANTIC | USER_TYPE_GOOGLE))
        }
        _ => true,
    });
    let left = m.insts.iter().any(|i| {
        matches!(
            i.opcode(),
            op::DECORATE_ID | op::DECORATE_STRING | op::MEMBER_DECORATE_STRING
        )
    });
    if !left {
        for name in [
            "SPV_GOOGLE_hlsl_functionality1",
            "SPV_GOOGLE_decorate_string",
            "SPV_GOOGLE_user_type",
        ] {
            m.remove_extension(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::assemble;
    use super::super::Module;

    const SUCF: &str = r#"
               OpCapability Shader
               OpExtension "SPV_KHR_subgroup_uniform_control_flow"
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpExecutionMode %main SubgroupUniformControlFlowKHR
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %main = OpFunction %void None %fn
      %entry = OpLabel
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn drops_subgroup_uniform_control_flow() {
        let Some(w) = assemble(SUCF, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = super::super::legalize(&w).unwrap();
        let m = Module::read(&out).unwrap();
        assert!(!m.has_extension("SPV_KHR_subgroup_uniform_control_flow"));
        // LocalSize stays; only the hint went.
        assert_eq!(
            m.insts
                .iter()
                .filter(|i| i.opcode() == super::op::EXECUTION_MODE)
                .count(),
            1
        );
        crate::parse(&w).unwrap();
    }

    /// A fragment shader writing depth under `EarlyAndLateFragmentTestsAMD` and a stencil
    /// reference mode: the modes go, the depth-write modes stay (and naga reads them).
    #[test]
    fn early_and_late_fragment_test_modes_are_dropped() {
        let text = r#"
               OpCapability Shader
               OpExtension "SPV_AMD_shader_early_and_late_fragment_tests"
               OpMemoryModel Logical GLSL450
               OpEntryPoint Fragment %main "main" %depth
               OpExecutionMode %main OriginUpperLeft
               OpExecutionMode %main EarlyAndLateFragmentTestsAMD
               OpExecutionMode %main StencilRefUnchangedFrontAMD
               OpExecutionMode %main DepthReplacing
               OpExecutionMode %main DepthGreater
               OpDecorate %depth BuiltIn FragDepth
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
      %float = OpTypeFloat 32
         %pf = OpTypePointer Output %float
      %depth = OpVariable %pf Output
       %f0_7 = OpConstant %float 0.7
       %main = OpFunction %void None %fn
          %l = OpLabel
               OpStore %depth %f0_7
               OpReturn
               OpFunctionEnd
"#;
        let Some(w) = assemble(text, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let m = Module::read(&super::super::legalize(&w).unwrap()).unwrap();
        assert!(!m.has_extension("SPV_AMD_shader_early_and_late_fragment_tests"));
        let modes: Vec<u32> = m
            .insts
            .iter()
            .filter(|i| i.opcode() == super::op::EXECUTION_MODE)
            .map(|i| i.0[2])
            .collect();
        // OriginUpperLeft, DepthReplacing, DepthGreater.
        assert_eq!(modes, [7, 12, 14]);
        crate::parse(&w).unwrap();
    }

    /// One `Block` workgroup variable with an explicit layout, null-initialized, written by
    /// each invocation and copied whole into the storage buffer
    /// (`compute/workgroup_memory_explicit_layout/zero_ext_block`'s pattern); with a second
    /// workgroup variable (the two would alias) the module is left alone.
    const EXPLICIT_LAYOUT: &str = r#"
               OpCapability Shader
               OpCapability WorkgroupMemoryExplicitLayoutKHR
               OpExtension "SPV_KHR_workgroup_memory_explicit_layout"
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %idx %wg %buf
               OpExecutionMode %main LocalSize 4 1 1
               OpDecorate %idx BuiltIn LocalInvocationIndex
               OpDecorate %arr ArrayStride 4
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %uint = OpTypeInt 32 0
         %u0 = OpConstant %uint 0
         %u2 = OpConstant %uint 2
         %u4 = OpConstant %uint 4
         %u8 = OpConstant %uint 8
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
        %arr = OpTypeArray %uint %u8
          %S = OpTypeStruct %arr
        %pwS = OpTypePointer Workgroup %S
        %pbS = OpTypePointer StorageBuffer %S
        %pwu = OpTypePointer Workgroup %uint
        %piu = OpTypePointer Input %uint
      %zeros = OpConstantNull %S
         %wg = OpVariable %pwS Workgroup %zeros
        %buf = OpVariable %pbS StorageBuffer
        %idx = OpVariable %piu Input
       %main = OpFunction %void None %fn
          %l = OpLabel
          %i = OpLoad %uint %idx
         %i2 = OpIMul %uint %i %u2
          %p = OpAccessChain %pwu %wg %u0 %i2
         %v = OpIAdd %uint %i %u4
               OpStore %p %v
               OpControlBarrier %u2 %u2 %u8
               OpCopyMemory %buf %wg
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn a_single_explicitly_laid_out_workgroup_variable_runs() {
        let Some(w) = assemble(EXPLICIT_LAYOUT, "spv1.4") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = crate::legalize::tests::run_with_buffer(&w, 32);
        assert_eq!(out, [4, 0, 5, 0, 6, 0, 7, 0]);
        let two = EXPLICIT_LAYOUT.replace(
            "        %buf = OpVariable %pbS StorageBuffer",
            "        %wg2 = OpVariable %pwS Workgroup\n        %buf = OpVariable %pbS StorageBuffer",
        );
        let w = assemble(&two, "spv1.4").unwrap();
        let m = Module::read(&super::super::legalize(&w).unwrap()).unwrap();
        assert!(m.has_extension("SPV_KHR_workgroup_memory_explicit_layout"));
    }

    #[test]
    fn hint_decorations_are_dropped_and_the_shader_runs() {
        let text = r#"
               OpCapability Shader
               OpExtension "SPV_GOOGLE_hlsl_functionality1"
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %buf
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpDecorateString %buf UserSemantic "OUT"
               OpMemberDecorateString %S 0 UserSemantic "VALUE"
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
               OpDecorateId %v UniformId %scope
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %uint = OpTypeInt 32 0
      %scope = OpConstant %uint 3
         %u0 = OpConstant %uint 0
         %u7 = OpConstant %uint 7
          %S = OpTypeStruct %uint
         %pS = OpTypePointer StorageBuffer %S
         %pu = OpTypePointer StorageBuffer %uint
        %buf = OpVariable %pS StorageBuffer
       %main = OpFunction %void None %fn
          %l = OpLabel
          %p = OpAccessChain %pu %buf %u0
          %x = OpLoad %uint %p
          %v = OpIAdd %uint %x %u7
               OpStore %p %v
               OpReturn
               OpFunctionEnd
"#;
        let Some(w) = assemble(text, "spv1.4") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let memory = pumice_memory::DeviceMemory::new(4).unwrap();
        memory.write(0, &5u32.to_le_bytes()).unwrap();
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![(
                (0, 0, 0),
                crate::compute::BufferSlice {
                    memory: &memory,
                    offset: 0,
                    size: 4,
                },
            )],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let mut out = [0u8; 4];
        memory.read(0, &mut out).unwrap();
        assert_eq!(u32::from_le_bytes(out), 12);
        let m = Module::read(&crate::legalize::legalize(&w).unwrap()).unwrap();
        assert!(!m.has_extension("SPV_GOOGLE_hlsl_functionality1"));
    }
}
