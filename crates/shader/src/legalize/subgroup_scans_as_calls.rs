//! Subgroup scans and reductions naga refuses → calls of marked helper functions the
//! lowering turns into subgroup scans and (clustered) reductions.
//!
//! naga's reader accepts `InclusiveScan` and `ExclusiveScan` of every `OpGroupNonUniform*`
//! arithmetic operation, but its validator only of additions and multiplications, and no
//! operation at all of the logical (boolean) ones; it refuses `ClusteredReduce` (and the
//! `GroupNonUniformClustered` capability) altogether. Each such instruction becomes
//! `OpFunctionCall %T %helper %value`; the helper (one per name and type, its body returning
//! `%value`) is named [`SUBGROUP_PREFIX`]`<scan>_<operation>`: the scan `reduce`,
//! `inclusive`, `exclusive` or `clustered<N>` (the constant cluster size), the operation
//! taken from the opcode (`iadd`, `fmin`, `umax`, `and`, `land`, ..), which decides
//! signedness and float-ness. The lowering emits the scan for calls of it instead of running
//! the body.
//!
//! Only instructions with a constant `Subgroup` scope and, for clustered reductions, a
//! constant power-of-two cluster size are rewritten; otherwise the module is left alone and
//! naga refuses it as before. A module that already names a function with the prefix is left
//! alone too. The `GroupNonUniformClustered` capability goes once no clustered reduction is
//! left.

use foldhash::HashMap;

use super::{op, Inst, Module};

/// The name prefix of the helpers; the lowering recognizes calls by it.
pub const SUBGROUP_PREFIX: &str = "__pumice_subgroup_";

const REDUCE: u32 = 0;
const INCLUSIVE_SCAN: u32 = 1;
const EXCLUSIVE_SCAN: u32 = 2;
const CLUSTERED_REDUCE: u32 = 3;
const SCOPE_SUBGROUP: u32 = 3;
const CAPABILITY_GROUP_NON_UNIFORM_CLUSTERED: u32 = 67;
const RETURN_VALUE: u16 = 254;

/// What naga validates of an operation: nothing, reductions, or reductions and scans.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Native {
    Nothing,
    Reduce,
    Scans,
}

/// The helper's operation name of an `OpGroupNonUniform*` arithmetic opcode, and what naga
/// validates of it: scans of additions and multiplications, reductions of the others except
/// the logical (boolean) operations.
fn operation(opcode: u16) -> Option<(&'static str, Native)> {
    use Native::*;
    Some(match opcode {
        349 => ("iadd", Scans),
        350 => ("fadd", Scans),
        351 => ("imul", Scans),
        352 => ("fmul", Scans),
        353 => ("smin", Reduce),
        354 => ("umin", Reduce),
        355 => ("fmin", Reduce),
        356 => ("smax", Reduce),
        357 => ("umax", Reduce),
        358 => ("fmax", Reduce),
        359 => ("and", Reduce),
        360 => ("or", Reduce),
        361 => ("xor", Reduce),
        362 => ("land", Nothing),
        363 => ("lor", Nothing),
        364 => ("lxor", Nothing),
        _ => return None,
    })
}

/// The helper name for an instruction naga refuses; `None` for one it accepts. `Err` when the
/// instruction cannot be rewritten (the module is then left alone).
fn helper_name(m: &Module, i: &Inst) -> Result<Option<String>, ()> {
    let Some((name, native)) = operation(i.opcode()) else {
        return Ok(None);
    };
    let &[_, _ty, _id, scope, group_op, _value, ref rest @ ..] = &i.0[..] else {
        return Err(());
    };
    let scan = match (group_op, rest) {
        (REDUCE, []) if native >= Native::Reduce => return Ok(None),
        (INCLUSIVE_SCAN | EXCLUSIVE_SCAN, []) if native == Native::Scans => return Ok(None),
        (REDUCE, []) => "reduce".to_string(),
        (INCLUSIVE_SCAN, []) => "inclusive".to_string(),
        (EXCLUSIVE_SCAN, []) => "exclusive".to_string(),
        (CLUSTERED_REDUCE, &[size]) => {
            let n = constant(m, size).ok_or(())?;
            if !n.is_power_of_two() {
                return Err(());
            }
            format!("clustered{n}")
        }
        _ => return Err(()),
    };
    if constant(m, scope) != Some(SCOPE_SUBGROUP) {
        return Err(());
    }
    Ok(Some(format!("{SUBGROUP_PREFIX}{scan}_{name}")))
}

/// The value of a 32-bit integer `OpConstant`.
fn constant(m: &Module, id: u32) -> Option<u32> {
    let def = m.value_def(id)?;
    (def.opcode() == op::CONSTANT && def.0.len() == 4).then(|| def.0[3])
}

pub(crate) fn subgroup_scans_as_calls(m: &mut Module) {
    let used = m
        .insts
        .iter()
        .any(|i| operation(i.opcode()).is_some_and(|(_, native)| native != Native::Scans));
    if !used {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
    }
}

fn rewrite(m: &mut Module) -> Option<()> {
    if m.insts.iter().any(|i| {
        i.opcode() == op::NAME
            && super::literal_string(&i.0[2..])
                .0
                .starts_with(SUBGROUP_PREFIX)
    }) {
        return None;
    }
    // The instructions to rewrite (their words), with their helpers' names. Declaring
    // helper types below moves instructions, so calls are matched up by result id.
    let mut rewritten: Vec<(Vec<u32>, String)> = Vec::new();
    for i in &m.insts {
        if let Some(name) = helper_name(m, i).ok()? {
            rewritten.push((i.0.to_vec(), name));
        }
    }
    // Helpers: one per (name, type).
    let mut helpers: HashMap<(String, u32), u32> = HashMap::default();
    let mut functions: Vec<Inst> = Vec::new();
    let mut names: Vec<Inst> = Vec::new();
    let mut calls: HashMap<u32, Inst> = HashMap::default();
    for (words, name) in rewritten {
        let (ty, result, value) = (words[1], words[2], words[5]);
        let key = (name.clone(), ty);
        let helper = match helpers.get(&key) {
            Some(&h) => h,
            None => {
                let fn_ty = m.intern_type(op::TYPE_FUNCTION, &[ty, ty])?;
                let [h, param, label] = [(); 3].map(|_| m.fresh_id());
                let (h, param, label) = (h?, param?, label?);
                functions.extend([
                    Inst::new(op::FUNCTION, &[ty, h, 0, fn_ty]),
                    Inst::new(op::FUNCTION_PARAMETER, &[ty, param]),
                    Inst::new(op::LABEL, &[label]),
                    Inst::new(RETURN_VALUE, &[param]),
                    Inst::new(op::FUNCTION_END, &[]),
                ]);
                let mut name_words = vec![h];
                let mut bytes = name.into_bytes();
                bytes.push(0);
                while bytes.len() % 4 != 0 {
                    bytes.push(0);
                }
                name_words.extend(
                    bytes
                        .chunks(4)
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                );
                names.push(Inst::new(op::NAME, &name_words));
                helpers.insert(key, h);
                h
            }
        };
        calls.insert(
            result,
            Inst::new(op::FUNCTION_CALL, &[ty, result, helper, value]),
        );
    }
    let mut out = Vec::with_capacity(m.insts.len() + functions.len() + names.len());
    for i in std::mem::take(&mut m.insts) {
        let call = if operation(i.opcode()).is_some() {
            i.operand(1).and_then(|id| calls.remove(&id))
        } else {
            None
        };
        out.push(call.unwrap_or(i));
    }
    if !calls.is_empty() {
        return None;
    }
    let clustered_left = out
        .iter()
        .any(|i| operation(i.opcode()).is_some() && i.0.get(4) == Some(&CLUSTERED_REDUCE));
    if !clustered_left {
        out.retain(|i| {
            !(i.opcode() == op::CAPABILITY
                && i.operand(0) == Some(CAPABILITY_GROUP_NON_UNIFORM_CLUSTERED))
        });
    }
    crate::legalize::insert_debug_names(&mut out, names);
    out.extend(functions);
    m.insts = out;
    Some(())
}

#[cfg(test)]
mod tests {
    /// Compiles a GLSL compute shader for Vulkan 1.1 (subgroups); [`None`] without glslang.
    fn glsl_comp_11(source: &str) -> Option<Vec<u32>> {
        let dir = std::env::temp_dir().join(format!("pumice-scans-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let src = dir.join("s.comp");
        let spv = dir.join("s.spv");
        std::fs::write(&src, source).ok()?;
        let status = std::process::Command::new("glslangValidator")
            .args(["-V", "--target-env", "vulkan1.1", "-o"])
            .arg(&spv)
            .arg(&src)
            .stdout(std::process::Stdio::null())
            .status()
            .ok()?;
        assert!(status.success(), "glslangValidator failed");
        let bytes = std::fs::read(&spv).ok()?;
        let _ = std::fs::remove_dir_all(&dir);
        crate::front::words(&bytes).ok()
    }

    /// Scans of min, max and bitwise operations and clustered reductions, refused by naga,
    /// compile and run (the whole subgroup active; the API tests check inactive lanes).
    #[test]
    fn scans_naga_refuses_run() {
        let Some(w) = glsl_comp_11(
            r#"
#version 450
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_clustered : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer O { uint o[]; };
void main() {
    uint i = gl_SubgroupInvocationID;
    int v = int(i % 7u) - 3;
    o[i] = uint(subgroupInclusiveMin(v));
    o[64u + i] = subgroupExclusiveOr(1u << (i % 32u));
    o[128u + i] = subgroupClusteredAdd(i, 4u);
    o[192u + i] = uint(subgroupExclusiveAnd(i != 5u));
}
"#,
        ) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = crate::legalize::tests::run_with_buffer(&w, 256 * 4);
        for i in 0..64u32 {
            let v = |j: u32| (j % 7) as i32 - 3;
            assert_eq!(out[i as usize] as i32, (0..=i).map(v).min().unwrap(), "{i}");
            let or = (0..i).fold(0u32, |a, j| a | 1 << (j % 32));
            assert_eq!(out[64 + i as usize], or, "{i}");
            let c = i / 4 * 4;
            assert_eq!(out[128 + i as usize], (c..c + 4).sum::<u32>(), "{i}");
            assert_eq!(out[192 + i as usize], u32::from(i <= 5), "{i}");
        }
    }
}
