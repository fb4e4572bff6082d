//! Pointers used outside the block that computed them → recomputed in the using block.
//!
//! naga's structured IR scopes an expression to the body (block, loop, branch) it was made
//! in. A SPIR-V value defined in one block and used in a block whose body is not nested in
//! the first is spilled by naga's reader into a fresh local variable of the value's type. For
//! an access chain that type is a pointer, and the validator refuses the function ("Local
//! variable has a type [N] that can't be stored in a local variable"). glslang and
//! spirv-opt's passes produce such shaders (an access chain computed before a loop and used
//! after it, graphicsfuzz `spv-access-chains`).
//!
//! An access chain is a pure function of its base and its indices, which are SSA values that
//! dominate it and so dominate every use of it. Evaluating the same `OpAccessChain` again at
//! the use gives the same pointer; so each use in another block gets a copy of the chain
//! (and of the chains it is based on, and of `OpCopyObject`s of pointers, which naga scopes
//! the same way), placed just before the using instruction; uses in one block share one copy.
//! Only the operands that may be pointers are rewritten: loads, stores, copies, access-chain
//! bases, array lengths, atomics, texel pointers, call and extended-instruction arguments. A
//! chain id seen anywhere else in another block (an `OpPhi`, a select, a return: variable
//! pointers) leaves the function unchanged, and naga refuses it as before.
//!
//! The originals stay where they are (naga drops them as unused); indices that cross bodies
//! are ordinary values, which naga's spilling handles.

use foldhash::HashMap;

use super::{op, Inst, Module};

/// Chains and pointer copies by result id: (defining block, instruction).
type Chains<'m> = super::IdTable<(u32, &'m Inst)>;

const COPY_MEMORY: u16 = 63;
const ARRAY_LENGTH: u16 = 68;
const IMAGE_TEXEL_POINTER: u16 = 60;
const ATOMIC_LOAD: u16 = 227;
const ATOMIC_STORE: u16 = 228;
const ATOMIC_XOR: u16 = 242;
const ATOMIC_FLAG_TEST_AND_SET: u16 = 318;
const ATOMIC_FLAG_CLEAR: u16 = 319;
const ATOMIC_F_MIN_EXT: u16 = 5614;
const ATOMIC_F_MAX_EXT: u16 = 5615;
const ATOMIC_F_ADD_EXT: u16 = 6035;

/// The operand indices of `inst` that may hold a pointer.
fn pointer_operands(inst: &Inst) -> std::ops::Range<usize> {
    let n = inst.operands().len();
    match inst.opcode() {
        op::LOAD
        | op::ACCESS_CHAIN
        | op::IN_BOUNDS_ACCESS_CHAIN
        | op::COPY_OBJECT
        | ARRAY_LENGTH
        | IMAGE_TEXEL_POINTER
        | ATOMIC_LOAD
        | ATOMIC_FLAG_TEST_AND_SET
        | ATOMIC_F_MIN_EXT
        | ATOMIC_F_MAX_EXT
        | ATOMIC_F_ADD_EXT => 2..3,
        229..=ATOMIC_XOR => 2..3,
        op::STORE | ATOMIC_STORE | ATOMIC_FLAG_CLEAR => 0..1,
        COPY_MEMORY => 0..2,
        op::FUNCTION_CALL => 3..n,
        op::EXT_INST => 4..n,
        _ => 0..0,
    }
}

pub(crate) fn rematerialize_access_chains(m: &mut Module) {
    let mut k = m.globals_end();
    while k < m.insts.len() {
        let end = m.insts[k..]
            .iter()
            .position(|i| i.opcode() == op::FUNCTION_END)
            .map_or(m.insts.len(), |e| k + e + 1);
        if let Some((body, next_id)) = rewrite(m, k, end) {
            let added = body.len() - (end - k);
            m.insts.splice(k..end, body);
            m.header[3] = next_id;
            k = end + added;
        } else {
            k = end;
        }
    }
}

/// The function `m.insts[start..end]` with pointers recomputed where used, and the next free
/// id; [`None`] when there is nothing to do or the function uses a pointer in a way not
/// listed.
fn rewrite(m: &Module, start: usize, end: usize) -> Option<(Vec<Inst>, u32)> {
    let insts = &m.insts[start..end];
    let is_pointer_type = |ty: u32| {
        m.type_def(ty)
            .is_some_and(|t| t.opcode() == op::TYPE_POINTER)
    };
    // Chains and pointer copies: result id → (defining block, instruction).
    let mut chains = Chains::for_module(m);
    let mut block = 0;
    for inst in insts {
        match inst.opcode() {
            op::LABEL => block = inst.operand(0)?,
            op::ACCESS_CHAIN | op::IN_BOUNDS_ACCESS_CHAIN if inst.0.len() >= 4 => {
                chains.insert(inst.0[2], (block, inst));
            }
            op::COPY_OBJECT if inst.0.len() == 4 && is_pointer_type(inst.0[1]) => {
                chains.insert(inst.0[2], (block, inst));
            }
            _ => {}
        }
    }
    if chains.is_empty() {
        return None;
    }
    // Is any chain used in another block? Every such use must be at a pointer operand.
    let mut needed = false;
    block = 0;
    for inst in insts {
        if inst.opcode() == op::LABEL {
            block = inst.operand(0)?;
            continue;
        }
        let ptrs = pointer_operands(inst);
        for (i, w) in inst.operands().iter().enumerate() {
            if let Some((b, _)) = chains.get(*w) {
                if b != block {
                    if !ptrs.contains(&i) || inst.opcode() == op::PHI {
                        return None;
                    }
                    needed = true;
                }
            }
        }
    }
    if !needed {
        return None;
    }
    let mut next_id = m.header[3];
    let mut out = Vec::with_capacity(insts.len());
    // (block, original chain) → the copy made in that block.
    let mut copies: HashMap<(u32, u32), u32> = HashMap::default();
    block = 0;
    for inst in insts {
        if inst.opcode() == op::LABEL {
            block = inst.operand(0)?;
            out.push(inst.clone());
            continue;
        }
        let mut inst = inst.clone();
        for i in pointer_operands(&inst) {
            let w = inst.operands()[i];
            if chains.get(w).is_some_and(|(b, _)| b != block) {
                let id = copy(&chains, &mut copies, &mut out, &mut next_id, block, w)?;
                inst.0[i + 1] = id;
            }
        }
        out.push(inst);
    }
    Some((out, next_id))
}

/// The id of chain `id` as recomputed in `block`, emitting the copy (and those of the chains
/// it is based on) into `out` when this block has none yet.
fn copy(
    chains: &Chains,
    copies: &mut HashMap<(u32, u32), u32>,
    out: &mut Vec<Inst>,
    next_id: &mut u32,
    block: u32,
    id: u32,
) -> Option<u32> {
    let Some((b, def)) = chains.get(id) else {
        return Some(id);
    };
    if b == block {
        return Some(id);
    }
    if let Some(&c) = copies.get(&(block, id)) {
        return Some(c);
    }
    let base = copy(chains, copies, out, next_id, block, def.0[3])?;
    let fresh = *next_id;
    *next_id = next_id.checked_add(1)?;
    let mut clone = def.clone();
    clone.0[2] = fresh;
    clone.0[3] = base;
    out.push(clone);
    copies.insert((block, id), fresh);
    Some(fresh)
}

#[cfg(test)]
mod tests {
    /// Chains into a storage buffer computed in a loop's header and used in the loop and after
    /// it (directly and as the base of further chains), and a copied pointer to a local
    /// variable used after the loop: naga spills each into a pointer-typed local without the
    /// rewrite.
    const SHADER: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %ra ArrayStride 4
               OpDecorate %S Block
               OpMemberDecorate %S 0 Offset 0
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %uint = OpTypeInt 32 0
       %bool = OpTypeBool
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
         %ra = OpTypeRuntimeArray %uint
          %S = OpTypeStruct %ra
         %pS = OpTypePointer StorageBuffer %S
        %pra = OpTypePointer StorageBuffer %ra
         %pu = OpTypePointer StorageBuffer %uint
         %fu = OpTypePointer Function %uint
         %u0 = OpConstant %uint 0
         %u1 = OpConstant %uint 1
         %u2 = OpConstant %uint 2
         %u3 = OpConstant %uint 3
         %u4 = OpConstant %uint 4
        %buf = OpVariable %pS StorageBuffer
       %main = OpFunction %void None %fn
          %l = OpLabel
          %v = OpVariable %fu Function
          %i = OpVariable %fu Function
               OpStore %v %u3
               OpStore %i %u0
               OpBranch %head
       %head = OpLabel
               OpLoopMerge %exit %cont None
               OpBranch %body
       %body = OpLabel
        %arr = OpAccessChain %pra %buf %u0
         %p1 = OpAccessChain %pu %arr %u1
         %cv = OpCopyObject %fu %v
         %iv = OpLoad %uint %i
         %lt = OpULessThan %bool %iv %u4
               OpBranchConditional %lt %work %exit
       %work = OpLabel
         %ov = OpLoad %uint %p1
         %nv = OpIAdd %uint %ov %iv
               OpStore %p1 %nv
               OpBranch %cont
       %cont = OpLabel
         %i1 = OpIAdd %uint %iv %u1
               OpStore %i %i1
               OpBranch %head
       %exit = OpLabel
         %fv = OpLoad %uint %p1
         %p2 = OpAccessChain %pu %arr %u2
               OpStore %p2 %fv
         %c = OpULessThan %bool %fv %u4
               OpSelectionMerge %m None
               OpBranchConditional %c %t %m
          %t = OpLabel
               OpStore %cv %u0
               OpBranch %m
          %m = OpLabel
         %lv = OpLoad %uint %cv
         %p0 = OpAccessChain %pu %arr %u0
               OpStore %p0 %lv
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn pointers_used_in_other_blocks_are_recomputed_there() {
        let Some(w) = crate::legalize::tests::assemble(SHADER, "vulkan1.1") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = crate::legalize::tests::run_with_buffer(&w, 12);
        // 0 + 1 + 2 + 3 = 6 accumulated at [1], copied to [2]; 6 ≥ 4 keeps 3 at [0].
        assert_eq!(out, [3, 6, 6]);
    }

    #[test]
    fn pointer_phis_are_left_alone() {
        let text = SHADER.replace(
            "         %lv = OpLoad %uint %cv",
            "         %ph = OpPhi %fu %cv %exit %cv %t\n         %lv = OpLoad %uint %ph",
        );
        let Some(w) = crate::legalize::tests::assemble(&text, "vulkan1.1") else {
            return;
        };
        let m = crate::legalize::Module::read(&w).unwrap();
        let mut n = m.clone();
        super::rematerialize_access_chains(&mut n);
        assert_eq!(n, m);
    }
}
