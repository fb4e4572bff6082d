//! Finds depth-compare samples whose level of detail naga would drop.
//!
//! naga's SPIR-V reader turns the `Lod` of `OpImageSampleDrefExplicitLod` (and the gradients of
//! a compare sample) into level 0 ("Assuming ... is zero"), so `textureLod(sampler2DShadow, p,
//! 2.0)` would read the wrong level. Such shaders are refused instead (a refusal, never a wrong
//! result) unless the level is a constant zero.

use super::Module;

const CONSTANT: u16 = 43;
const CONSTANT_NULL: u16 = 46;
const SAMPLE_DREF_EXPLICIT_LOD: u16 = 90;
const SAMPLE_PROJ_DREF_EXPLICIT_LOD: u16 = 94;
const IMAGE_OPERANDS_BIAS: u32 = 0x1;
const IMAGE_OPERANDS_LOD: u32 = 0x2;
const IMAGE_OPERANDS_GRAD: u32 = 0x4;

pub(crate) fn has_lost_compare_lod(m: &Module) -> bool {
    let zero = |id: u32| {
        m.insts.iter().any(|i| {
            (i.opcode() == CONSTANT && i.0.len() == 4 && i.0[2] == id && i.0[3] == 0)
                || (i.opcode() == CONSTANT_NULL && i.0.len() == 3 && i.0[2] == id)
        })
    };
    m.insts.iter().any(|i| {
        if !matches!(
            i.opcode(),
            SAMPLE_DREF_EXPLICIT_LOD | SAMPLE_PROJ_DREF_EXPLICIT_LOD
        ) {
            return false;
        }
        // result type, result, sampled image, coordinate, dref, operands mask, operands...
        let Some(&mask) = i.0.get(6) else {
            return false;
        };
        if mask & IMAGE_OPERANDS_GRAD != 0 {
            return true;
        }
        if mask & IMAGE_OPERANDS_LOD != 0 {
            let at = 7 + usize::from(mask & IMAGE_OPERANDS_BIAS != 0);
            return i.0.get(at).is_none_or(|&lod| !zero(lod));
        }
        false
    })
}

#[cfg(test)]
mod tests {
    fn shader(lod: &str) -> String {
        format!(
            r#"
#version 450
layout(local_size_x = 1) in;
layout(binding = 0) uniform sampler2DShadow shadow;
layout(std430, binding = 1) buffer B {{ float r; }};
void main() {{ r = textureLod(shadow, vec3(0.5, 0.5, 0.25), {lod}); }}
"#
        )
    }

    #[test]
    fn compare_samples_at_a_level_are_refused_at_level_zero_accepted() {
        let (Some(zero), Some(level)) = (
            crate::legalize::tests::glsl_comp(&shader("0.0")),
            crate::legalize::tests::glsl_comp(&shader("r")),
        ) else {
            return;
        };
        assert!(crate::compute::ComputeProgram::new(&zero, "main", &[]).is_ok());
        let refused = crate::compute::ComputeProgram::new(&level, "main", &[]);
        assert!(
            matches!(&refused, Err(crate::compute::CompileError::Parse(crate::ParseError::Frontend(e))) if e.contains("depth-compare")),
            "{refused:?}"
        );
    }
}
