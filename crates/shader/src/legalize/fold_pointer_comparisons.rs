//! `OpPtrEqual`, `OpPtrNotEqual` and `OpPtrDiff` of pointers whose origin is known →
//! comparisons and differences of their access-chain indices.
//!
//! naga has no pointer comparison. Without variable pointers every pointer is a variable (or
//! a null constant) followed by a chain of indices, and a pointer comparison (SPIR-V 1.4)
//! often compares two such chains. Each operand is traced back through `OpAccessChain`,
//! `OpInBoundsAccessChain` and `OpCopyObject` to its root and the flat list of its indices:
//!
//! - the same root: two in-bounds paths to objects of the same type reach the same address
//!   exactly when they have the same length and equal indices (a shorter path is a prefix
//!   only of paths to other types; where two paths first differ they select disjoint
//!   members or elements). Equal ids and constant pairs are decided now; the rest become
//!   `OpIEqual` (or `OpINotEqual`) joined by `OpLogicalAnd` (`OpLogicalOr`), which needs
//!   both indices of a pair to have one type;
//! - a null constant and a variable's pointer: never equal; two null constants: equal;
//! - two different `Function`, `Private` or `Workgroup` variables: distinct objects, never
//!   equal (unless the module declares `WorkgroupMemoryExplicitLayoutKHR`, whose workgroup
//!   blocks alias). Two different storage-buffer or uniform variables may be bound to the
//!   same memory, which only a run-time comparison of addresses could tell, so they are
//!   left to naga's refusal, as is every pointer that comes from anywhere else (a function
//!   parameter, `OpSelect`, `OpPhi`, `OpPtrAccessChain`, a load: variable pointers).
//!
//! `OpPtrDiff` of two paths from the same root that agree except at their last index is the
//! difference of the last indices (the number of elements between them in the array both
//! point into), an `OpISub` when both indices have the result's type.
//!
//! A null pointer constant that nothing uses any more is dropped afterwards (naga cannot
//! represent it).

use foldhash::HashMap;

use super::{op, Inst, Module};

const CONSTANT_FALSE: u16 = 42;
const CONSTANT_NULL: u16 = 46;
const LOGICAL_OR: u16 = 166;
const LOGICAL_AND: u16 = 167;
const I_NOT_EQUAL: u16 = 171;
const PTR_EQUAL: u16 = 401;
const PTR_NOT_EQUAL: u16 = 402;
const WORKGROUP_MEMORY_EXPLICIT_LAYOUT: u32 = 4428;

const STORAGE_WORKGROUP: u32 = 4;
const STORAGE_PRIVATE: u32 = 6;
const STORAGE_FUNCTION: u32 = 7;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Root {
    /// A variable and its storage class.
    Variable(u32, u32),
    Null,
}

/// What is known of a module's pointers.
struct Pointers {
    roots: HashMap<u32, Root>,
    /// Chains and pointer copies: result → (base, indices).
    chains: HashMap<u32, (u32, Vec<u32>)>,
    /// Integer constants: id → (type, value sign-extended by the type's signedness).
    constants: HashMap<u32, (u32, i64)>,
    /// Result types of values.
    types: HashMap<u32, u32>,
}

impl Pointers {
    fn new(m: &Module) -> Pointers {
        let mut ints = HashMap::default();
        let mut pointer_types = foldhash::HashSet::default();
        for i in &m.insts {
            match (i.opcode(), i.operands()) {
                (op::TYPE_INT, &[id, width, signed]) => {
                    ints.insert(id, (width, signed));
                }
                (op::TYPE_POINTER, &[id, ..]) => {
                    pointer_types.insert(id);
                }
                _ => {}
            }
        }
        let mut p = Pointers {
            roots: HashMap::default(),
            chains: HashMap::default(),
            constants: HashMap::default(),
            types: HashMap::default(),
        };
        for i in &m.insts {
            let o = i.operands();
            match i.opcode() {
                op::VARIABLE if o.len() >= 3 => {
                    p.roots.insert(o[1], Root::Variable(o[1], o[2]));
                }
                CONSTANT_NULL if o.len() == 2 && pointer_types.contains(&o[0]) => {
                    p.roots.insert(o[1], Root::Null);
                }
                op::CONSTANT if o.len() >= 3 => {
                    let value = match (ints.get(&o[0]), &o[2..]) {
                        (Some(&(32, 1)), &[lo]) => i64::from(lo as i32),
                        (Some(&(32, 0)), &[lo]) => i64::from(lo),
                        (Some(&(64, _)), &[lo, hi]) => {
                            ((u64::from(hi) << 32) | u64::from(lo)) as i64
                        }
                        _ => continue,
                    };
                    p.constants.insert(o[1], (o[0], value));
                }
                op::ACCESS_CHAIN | op::IN_BOUNDS_ACCESS_CHAIN if o.len() >= 3 => {
                    p.chains.insert(o[1], (o[2], o[3..].to_vec()));
                }
                op::COPY_OBJECT if o.len() == 3 && pointer_types.contains(&o[0]) => {
                    p.chains.insert(o[1], (o[2], Vec::new()));
                }
                _ => {}
            }
            if super::has_result_type(i.opcode()) && o.len() >= 2 {
                p.types.insert(o[1], o[0]);
            }
        }
        p
    }

    /// The root of pointer `id` and its indices, outermost first.
    fn trace(&self, id: u32) -> Option<(Root, Vec<u32>)> {
        let mut parts = Vec::new();
        let mut at = id;
        // Chains refer only to earlier values, so this ends; the bound guards malformed input.
        for _ in 0..=self.chains.len() {
            if let Some(&root) = self.roots.get(&at) {
                let path = parts.into_iter().rev().flatten().collect();
                return Some((root, path));
            }
            let (base, indices) = self.chains.get(&at)?;
            parts.push(indices.clone());
            at = *base;
        }
        None
    }

    /// Are indices `a` and `b` equal: `Some(answer)` when known now, `None` when it takes a
    /// run-time comparison; `Err` when they cannot be compared (different types).
    fn same_index(&self, a: u32, b: u32) -> Result<Option<bool>, ()> {
        if a == b {
            return Ok(Some(true));
        }
        match (self.constants.get(&a), self.constants.get(&b)) {
            (Some(&(_, x)), Some(&(_, y))) => Ok(Some(x == y)),
            _ if self.types.get(&a).is_some() && self.types.get(&a) == self.types.get(&b) => {
                Ok(None)
            }
            _ => Err(()),
        }
    }
}

/// The outcome of an equality: known, or the index pairs whose equality decides it.
enum Equality {
    Known(bool),
    Pairs(Vec<(u32, u32)>),
}

fn equality(p: &Pointers, a: u32, b: u32, explicit_layout: bool) -> Option<Equality> {
    let (ra, pa) = p.trace(a)?;
    let (rb, pb) = p.trace(b)?;
    match (ra, rb) {
        (Root::Null, Root::Null) => Some(Equality::Known(true)),
        (Root::Null, _) | (_, Root::Null) => Some(Equality::Known(false)),
        (Root::Variable(va, sa), Root::Variable(vb, _)) if va != vb => {
            let distinct = matches!(sa, STORAGE_FUNCTION | STORAGE_PRIVATE)
                || (sa == STORAGE_WORKGROUP && !explicit_layout);
            distinct.then_some(Equality::Known(false))
        }
        _ => {
            if pa.len() != pb.len() {
                return Some(Equality::Known(false));
            }
            let mut pairs = Vec::new();
            for (&x, &y) in pa.iter().zip(&pb) {
                match p.same_index(x, y).ok()? {
                    Some(true) => {}
                    Some(false) => return Some(Equality::Known(false)),
                    None => pairs.push((x, y)),
                }
            }
            Some(if pairs.is_empty() {
                Equality::Known(true)
            } else {
                Equality::Pairs(pairs)
            })
        }
    }
}

/// `OpPtrDiff %ty a b` as `OpISub %ty last_a last_b`: the two last indices, when the paths
/// share their root and all else.
fn difference(p: &Pointers, ty: u32, a: u32, b: u32) -> Option<(u32, u32)> {
    let (ra, pa) = p.trace(a)?;
    let (rb, pb) = p.trace(b)?;
    if ra != rb || ra == Root::Null || pa.len() != pb.len() {
        return None;
    }
    let (&la, head_a) = pa.split_last()?;
    let (&lb, head_b) = pb.split_last()?;
    for (&x, &y) in head_a.iter().zip(head_b) {
        if p.same_index(x, y).ok()? != Some(true) {
            return None;
        }
    }
    (p.types.get(&la) == Some(&ty) && p.types.get(&lb) == Some(&ty)).then_some((la, lb))
}

pub(crate) fn fold_pointer_comparisons(m: &mut Module) {
    let is_comparison = |i: &Inst| matches!(i.opcode(), PTR_EQUAL | PTR_NOT_EQUAL | op::PTR_DIFF);
    if !m.insts.iter().any(is_comparison) {
        return;
    }
    let explicit_layout = m.insts.iter().any(|i| {
        i.opcode() == op::CAPABILITY && i.operand(0) == Some(WORKGROUP_MEMORY_EXPLICIT_LAYOUT)
    });
    let Some(n) = rewrite(m, explicit_layout) else {
        return;
    };
    *m = n;
    drop_unused_null_pointers(m);
}

fn rewrite(m: &Module, explicit_layout: bool) -> Option<Module> {
    let p = Pointers::new(m);
    let mut next_id = m.header[3];
    let mut fresh = || {
        let id = next_id;
        next_id = next_id.checked_add(1)?;
        Some(id)
    };
    // Boolean constants found or declared: (type, value) → id; and those declared.
    let mut bools: HashMap<(u32, bool), u32> = HashMap::default();
    for i in &m.insts {
        if let (op::CONSTANT_TRUE | CONSTANT_FALSE, &[ty, id]) = (i.opcode(), i.operands()) {
            bools
                .entry((ty, i.opcode() == op::CONSTANT_TRUE))
                .or_insert(id);
        }
    }
    let mut declared = Vec::new();
    let mut body = Vec::with_capacity(m.insts.len());
    let mut changed = false;
    for inst in &m.insts {
        let o = inst.operands();
        let replacement = match (inst.opcode(), o) {
            (PTR_EQUAL | PTR_NOT_EQUAL, &[ty, result, a, b]) => {
                let equal = inst.opcode() == PTR_EQUAL;
                match equality(&p, a, b, explicit_layout) {
                    Some(Equality::Known(e)) => {
                        let value = e == equal;
                        let c = match bools.get(&(ty, value)) {
                            Some(&c) => c,
                            None => {
                                let c = fresh()?;
                                let opcode = if value {
                                    op::CONSTANT_TRUE
                                } else {
                                    CONSTANT_FALSE
                                };
                                declared.push(Inst::new(opcode, &[ty, c]));
                                bools.insert((ty, value), c);
                                c
                            }
                        };
                        Some(vec![Inst::new(op::COPY_OBJECT, &[ty, result, c])])
                    }
                    Some(Equality::Pairs(pairs)) => {
                        let (compare, join) = if equal {
                            (op::I_EQUAL, LOGICAL_AND)
                        } else {
                            (I_NOT_EQUAL, LOGICAL_OR)
                        };
                        let mut insts = Vec::new();
                        let mut acc: Option<u32> = None;
                        for (k, &(x, y)) in pairs.iter().enumerate() {
                            let last = k + 1 == pairs.len();
                            let id = if last && acc.is_none() {
                                result
                            } else {
                                fresh()?
                            };
                            insts.push(Inst::new(compare, &[ty, id, x, y]));
                            acc = Some(match acc {
                                None => id,
                                Some(prev) => {
                                    let j = if last { result } else { fresh()? };
                                    insts.push(Inst::new(join, &[ty, j, prev, id]));
                                    j
                                }
                            });
                        }
                        Some(insts)
                    }
                    None => None,
                }
            }
            (op::PTR_DIFF, &[ty, result, a, b]) => difference(&p, ty, a, b)
                .map(|(x, y)| vec![Inst::new(op::I_SUB, &[ty, result, x, y])]),
            _ => None,
        };
        match replacement {
            Some(r) => {
                body.extend(r);
                changed = true;
            }
            None => body.push(inst.clone()),
        }
    }
    if !changed {
        return None;
    }
    let at = body
        .iter()
        .position(|i| i.opcode() == op::FUNCTION)
        .unwrap_or(body.len());
    body.splice(at..at, declared);
    let mut header = m.header;
    header[3] = next_id;
    Some(Module {
        header,
        insts: body,
    })
}

/// Drops `OpConstantNull`s of pointer types that no function refers to any more.
fn drop_unused_null_pointers(m: &mut Module) {
    let p = Pointers::new(m);
    let start = m.globals_end();
    let used: foldhash::HashSet<u32> = m.insts[start..]
        .iter()
        .flat_map(|i| i.operands().iter().copied())
        .collect();
    let dead = |id: u32| p.roots.get(&id) == Some(&Root::Null) && !used.contains(&id);
    m.insts.retain(|i| match i.opcode() {
        CONSTANT_NULL => !i.operand(1).is_some_and(dead),
        op::NAME | op::DECORATE => !i.operand(0).is_some_and(dead),
        _ => true,
    });
}

#[cfg(test)]
mod tests {
    /// Four invocations compare pointers into two workgroup arrays, a storage buffer and a
    /// null constant, and subtract two; each writes its eight answers at `8 * index`.
    const SHADER: &str = r#"
               OpCapability Shader
               OpCapability VariablePointers
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %buf %w %w2 %lid
               OpExecutionMode %main LocalSize 4 1 1
               OpDecorate %ra ArrayStride 4
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
               OpDecorate %lid BuiltIn LocalInvocationId
               OpName %null "null"
       %uint = OpTypeInt 32 0
        %int = OpTypeInt 32 1
       %bool = OpTypeBool
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
         %u0 = OpConstant %uint 0
         %u1 = OpConstant %uint 1
         %u2 = OpConstant %uint 2
         %u4 = OpConstant %uint 4
         %u8 = OpConstant %uint 8
        %a4 = OpTypeArray %uint %u4
       %a44 = OpTypeArray %a4 %u4
        %pw = OpTypePointer Workgroup %a44
       %pw4 = OpTypePointer Workgroup %a4
       %pwu = OpTypePointer Workgroup %uint
         %ra = OpTypeRuntimeArray %uint
          %S = OpTypeStruct %ra
         %pS = OpTypePointer StorageBuffer %S
         %pu = OpTypePointer StorageBuffer %uint
      %uvec3 = OpTypeVector %uint 3
         %pi = OpTypePointer Input %uvec3
       %null = OpConstantNull %pw4
        %buf = OpVariable %pS StorageBuffer
          %w = OpVariable %pw Workgroup
         %w2 = OpVariable %pw Workgroup
        %lid = OpVariable %pi Input
       %main = OpFunction %void None %fn
          %l = OpLabel
        %id3 = OpLoad %uvec3 %lid
          %i = OpCompositeExtract %uint %id3 0
       %base = OpIMul %uint %i %u8
        %wi = OpAccessChain %pw4 %w %i
        %w0 = OpAccessChain %pw4 %w %u0
        %e0 = OpPtrEqual %bool %wi %w0
        %wi1 = OpAccessChain %pwu %wi %u1
        %wi2 = OpAccessChain %pwu %w %i %u2
        %e1 = OpPtrNotEqual %bool %wi1 %wi2
        %w1i = OpAccessChain %pwu %w %u1 %i
        %e2 = OpPtrEqual %bool %wi1 %w1i
        %e3 = OpPtrEqual %bool %w %w2
        %bi = OpAccessChain %pu %buf %u0 %i
        %b2 = OpAccessChain %pu %buf %u0 %u2
        %e4 = OpPtrEqual %bool %bi %b2
        %e5 = OpPtrEqual %bool %null %w0
        %w0i = OpAccessChain %pwu %w0 %i
        %w01 = OpAccessChain %pwu %w %u0 %u1
         %d = OpPtrDiff %uint %w0i %w01
        %cbi = OpCopyObject %pu %bi
        %e7 = OpPtrNotEqual %bool %cbi %bi
        %r0 = OpSelect %uint %e0 %u1 %u0
        %r1 = OpSelect %uint %e1 %u1 %u0
        %r2 = OpSelect %uint %e2 %u1 %u0
        %r3 = OpSelect %uint %e3 %u1 %u0
        %r4 = OpSelect %uint %e4 %u1 %u0
        %r5 = OpSelect %uint %e5 %u1 %u0
        %r7 = OpSelect %uint %e7 %u1 %u0
        %o0 = OpAccessChain %pu %buf %u0 %base
               OpStore %o0 %r0
        %k1 = OpIAdd %uint %base %u1
        %o1 = OpAccessChain %pu %buf %u0 %k1
               OpStore %o1 %r1
        %k2 = OpIAdd %uint %k1 %u1
        %o2 = OpAccessChain %pu %buf %u0 %k2
               OpStore %o2 %r2
        %k3 = OpIAdd %uint %k2 %u1
        %o3 = OpAccessChain %pu %buf %u0 %k3
               OpStore %o3 %r3
        %k4 = OpIAdd %uint %k3 %u1
        %o4 = OpAccessChain %pu %buf %u0 %k4
               OpStore %o4 %r4
        %k5 = OpIAdd %uint %k4 %u1
        %o5 = OpAccessChain %pu %buf %u0 %k5
               OpStore %o5 %r5
        %k6 = OpIAdd %uint %k5 %u1
        %o6 = OpAccessChain %pu %buf %u0 %k6
               OpStore %o6 %d
        %k7 = OpIAdd %uint %k6 %u1
        %o7 = OpAccessChain %pu %buf %u0 %k7
               OpStore %o7 %r7
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn pointer_comparisons_compare_paths() {
        let Some(w) = crate::legalize::tests::assemble(SHADER, "spv1.4") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = crate::legalize::tests::run_with_buffer(&w, 4 * 32);
        let mut expected = Vec::new();
        for i in 0..4u32 {
            expected.extend([
                u32::from(i == 0),
                1,
                u32::from(i == 1),
                0,
                u32::from(i == 2),
                0,
                i.wrapping_sub(1),
                0,
            ]);
        }
        assert_eq!(out, expected);
    }

    #[test]
    fn different_buffers_and_variable_pointers_are_left_alone() {
        // Two storage buffers may be bound to the same memory; a selected pointer has no
        // known path.
        for (from, to) in [
            (
                "%e3 = OpPtrEqual %bool %w %w2",
                "%e3 = OpPtrEqual %bool %buf %buf2",
            ),
            (
                "%e3 = OpPtrEqual %bool %w %w2",
                "%sel = OpSelect %pw %e0 %w %w2\n        %e3 = OpPtrEqual %bool %sel %w2",
            ),
        ] {
            let text = SHADER.replace(from, to).replace(
                "        %buf = OpVariable %pS StorageBuffer",
                "        %buf = OpVariable %pS StorageBuffer\n       %buf2 = OpVariable %pS StorageBuffer",
            );
            let Some(w) = crate::legalize::tests::assemble(&text, "spv1.4") else {
                return;
            };
            let out =
                crate::legalize::Module::read(&crate::legalize::legalize(&w).unwrap()).unwrap();
            assert!(out.insts.iter().any(|i| i.opcode() == super::PTR_EQUAL));
            assert!(crate::parse(&w).is_err());
        }
    }
}
