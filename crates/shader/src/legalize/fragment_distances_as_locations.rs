//! `gl_ClipDistance`/`gl_CullDistance` read by a fragment shader → inputs at reserved locations.
//!
//! naga accepts the clip and cull distance built-ins only as vertex outputs ("Built-in
//! ClipDistances is not available at this stage"). In a fragment shader they are ordinary
//! interpolated inputs: the driver carries the vertex stage's distances as extra varyings
//! anyway (they are clipped against). So a fragment input decorated `BuiltIn ClipDistance`
//! (`CullDistance`) gets `Location` [`CLIP_DISTANCE_LOCATION`] ([`CULL_DISTANCE_LOCATION`])
//! instead; `split_io_arrays` then makes element `i` location base + `i`, and the driver
//! feeds those locations from the vertex stage's distances. The bases lie far above any
//! location a shader may use (`maxFragmentInputComponents` / 4 = 32).

use super::{op, Module};

/// The location of a fragment shader's `gl_ClipDistance[0]` after legalization.
pub const CLIP_DISTANCE_LOCATION: u32 = 0x4000;
/// The location of a fragment shader's `gl_CullDistance[0]` after legalization.
pub const CULL_DISTANCE_LOCATION: u32 = 0x4100;

const EXECUTION_MODEL_FRAGMENT: u32 = 4;
const STORAGE_INPUT: u32 = 1;
const DECORATION_BUILT_IN: u32 = 11;
const DECORATION_LOCATION: u32 = 30;
const BUILT_IN_CLIP_DISTANCE: u32 = 3;
const BUILT_IN_CULL_DISTANCE: u32 = 4;

pub(crate) fn fragment_distances_as_locations(m: &mut Module) {
    let entries: Vec<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::ENTRY_POINT)
        .filter_map(|i| i.operand(0))
        .collect();
    if entries.is_empty() || entries.iter().any(|&e| e != EXECUTION_MODEL_FRAGMENT) {
        return;
    }
    let inputs: foldhash::HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::VARIABLE && i.operand(2) == Some(STORAGE_INPUT))
        .filter_map(|i| i.operand(1))
        .collect();
    for inst in &mut m.insts {
        if inst.opcode() != op::DECORATE || inst.0.len() != 4 {
            continue;
        }
        let (target, decoration, value) = (inst.0[1], inst.0[2], inst.0[3]);
        if decoration != DECORATION_BUILT_IN || !inputs.contains(&target) {
            continue;
        }
        let location = match value {
            BUILT_IN_CLIP_DISTANCE => CLIP_DISTANCE_LOCATION,
            BUILT_IN_CULL_DISTANCE => CULL_DISTANCE_LOCATION,
            _ => continue,
        };
        inst.0[2] = DECORATION_LOCATION;
        inst.0[3] = location;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legalize::tests::assemble;

    #[test]
    fn fragment_clip_distances_become_locations_naga_accepts() {
        let Some(words) = assemble(
            r#"
               OpCapability Shader
               OpCapability ClipDistance
               OpMemoryModel Logical GLSL450
               OpEntryPoint Fragment %main "main" %o %cd
               OpExecutionMode %main OriginUpperLeft
               OpDecorate %o Location 0
               OpDecorate %cd BuiltIn ClipDistance
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
      %float = OpTypeFloat 32
       %uint = OpTypeInt 32 0
        %int = OpTypeInt 32 1
     %uint_2 = OpConstant %uint 2
      %int_1 = OpConstant %int 1
        %arr = OpTypeArray %float %uint_2
     %in_arr = OpTypePointer Input %arr
   %in_float = OpTypePointer Input %float
         %cd = OpVariable %in_arr Input
    %out_ptr = OpTypePointer Output %float
          %o = OpVariable %out_ptr Output
       %main = OpFunction %void None %fn
      %entry = OpLabel
          %p = OpAccessChain %in_float %cd %int_1
          %v = OpLoad %float %p
               OpStore %o %v
               OpReturn
               OpFunctionEnd
"#,
            "vulkan1.0",
        ) else {
            return;
        };
        let (module, _) = crate::front::parse(&words).expect("naga accepts it after legalizing");
        let ep = &module.entry_points[0];
        let locations: Vec<u32> = ep
            .function
            .arguments
            .iter()
            .filter_map(|a| match a.binding {
                Some(naga::Binding::Location { location, .. }) => Some(location),
                _ => None,
            })
            .collect();
        assert_eq!(
            locations,
            vec![CLIP_DISTANCE_LOCATION, CLIP_DISTANCE_LOCATION + 1]
        );
    }
}
