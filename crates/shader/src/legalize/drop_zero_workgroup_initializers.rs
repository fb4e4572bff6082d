//! `OpConstantNull` initializers of workgroup variables → dropped.
//!
//! `VK_KHR_zero_initialize_workgroup_memory` (core in 1.3) lets a workgroup variable start as
//! `OpConstantNull`; naga refuses initializers in the workgroup address space. Pumice starts
//! every workgroup with its shared memory zero-filled (`compute::dispatch`), which is exactly
//! what the null initializer asks, so the initializer can go. Other initializers are left (and
//! refused by naga).

use super::{op, Module};

const CONSTANT_NULL: u16 = 46;
const STORAGE_WORKGROUP: u32 = 4;

pub(crate) fn drop_zero_workgroup_initializers(m: &mut Module) {
    let nulls: foldhash::HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == CONSTANT_NULL && i.0.len() == 3)
        .map(|i| i.0[2])
        .collect();
    for inst in &mut m.insts {
        if inst.opcode() == op::VARIABLE
            && inst.0.len() == 5
            && inst.0[3] == STORAGE_WORKGROUP
            && nulls.contains(&inst.0[4])
        {
            inst.0.pop();
            inst.fix_count();
        }
    }
}

#[cfg(test)]
mod tests {
    const ZERO_INIT: &str = r#"
#version 450
#extension GL_EXT_null_initializer : enable
layout(local_size_x = 4) in;
shared uint counter = {};
layout(std430, binding = 0) buffer B { uint data[]; };
void main() {
    atomicAdd(counter, 1u);
    barrier();
    data[gl_LocalInvocationIndex] = counter;
}
"#;

    #[test]
    fn null_initialized_workgroup_memory_compiles() {
        let Some(w) = crate::legalize::tests::glsl_comp(ZERO_INIT) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        assert!(crate::compute::ComputeProgram::new(&w, "main", &[]).is_ok());
    }
}
