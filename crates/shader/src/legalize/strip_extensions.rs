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
];

/// `SPV_KHR_float_controls` execution modes: `DenormPreserve`, `DenormFlushToZero`,
/// `SignedZeroInfNanPreserve`, `RoundingModeRTE`, `RoundingModeRTZ`.
const DENORM_PRESERVE: u32 = 4459;
const SIGNED_ZERO_INF_NAN_PRESERVE: u32 = 4461;
const ROUNDING_MODE_RTE: u32 = 4462;
const FLOAT_CONTROLS_MODES: std::ops::RangeInclusive<u32> = 4459..=4463;

/// Removes the extensions in [`HINTS`] and the `SubgroupUniformControlFlowKHR` execution mode;
/// and `SPV_KHR_float_controls` when every mode it sets is one the interpreter always keeps
/// for 32- and 64-bit floats: denormals preserved, signed zeros, infinities and NaNs
/// preserved, round to nearest even (Rust's IEEE arithmetic; the driver reports these
/// properties). A flush-to-zero or round-toward-zero mode leaves the module to naga's refusal.
pub(crate) fn strip_extensions(m: &mut Module) {
    for name in HINTS {
        m.remove_extension(name);
    }
    m.insts.retain(|i| {
        !(i.opcode() == op::EXECUTION_MODE && i.operand(1) == Some(SUBGROUP_UNIFORM_CONTROL_FLOW))
    });
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
}
