//! GLSL.std.450 `Normalize` of a scalar → `x / FAbs(x)`.
//!
//! `normalize(float)` is `x / length(x)`, and the length of a scalar is its absolute value;
//! naga only knows `normalize` of vectors and refuses the scalar form. The rewrite computes the
//! same expression (±1 for non-zero x, NaN for 0 and for NaN, as the formula gives).

use foldhash::HashSet;

use super::{op, Inst, Module};

const TYPE_FLOAT: u16 = 22;
const F_DIV: u16 = 136;
const GLSL_NORMALIZE: u32 = 69;
const GLSL_FABS: u32 = 4;

pub(crate) fn lower_scalar_normalize(m: &mut Module) {
    let Some(glsl) = m
        .insts
        .iter()
        .find(|i| {
            i.opcode() == op::EXT_INST_IMPORT
                && super::literal_string(&i.operands()[1..]).0 == "GLSL.std.450"
        })
        .map(|i| i.operands()[0])
    else {
        return;
    };
    let floats: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == TYPE_FLOAT && i.0.len() == 3)
        .map(|i| i.0[1])
        .collect();
    let is_scalar_normalize = |i: &Inst| {
        i.opcode() == op::EXT_INST
            && i.0.len() == 6
            && i.0[3] == glsl
            && i.0[4] == GLSL_NORMALIZE
            && floats.contains(&i.0[1])
    };
    if !m.insts.iter().any(is_scalar_normalize) {
        return;
    }
    let insts = std::mem::take(&mut m.insts);
    let mut out = Vec::with_capacity(insts.len() + 4);
    for i in insts {
        if !is_scalar_normalize(&i) {
            out.push(i);
            continue;
        }
        let (ty, result, x) = (i.0[1], i.0[2], i.0[5]);
        let Some(abs) = m.fresh_id() else {
            out.push(i);
            continue;
        };
        out.push(Inst::new(op::EXT_INST, &[ty, abs, glsl, GLSL_FABS, x]));
        out.push(Inst::new(F_DIV, &[ty, result, x, abs]));
    }
    m.insts = out;
}

#[cfg(test)]
mod tests {
    #[test]
    fn scalar_normalize_compiles_and_gives_the_sign() {
        let Some(w) = crate::legalize::tests::glsl_comp(
            r#"
#version 450
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer B { float v[2]; };
void main() { v[0] = normalize(v[0]); v[1] = normalize(v[1]); }
"#,
        ) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let memory = pumice_memory::DeviceMemory::new(8).unwrap();
        let bytes: Vec<u8> = [-3.5f32, 0.25]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        memory.write(0, &bytes).unwrap();
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![(
                (0, 0, 0),
                crate::compute::BufferSlice {
                    memory: &memory,
                    offset: 0,
                    size: 8,
                },
            )],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let mut out = [0u8; 8];
        memory.read(0, &mut out).unwrap();
        let f = |k: usize| f32::from_le_bytes(out[4 * k..4 * k + 4].try_into().unwrap());
        assert_eq!((f(0), f(1)), (-1.0, 1.0));
    }
}
