//! `OpAtomicSMin`/`SMax`/`UMin`/`UMax` on a pointer whose integer signedness disagrees with
//! the opcode → a compare-exchange loop.
//!
//! In SPIR-V the opcode decides the comparison (`OpAtomicSMax` on a `uint` pointer compares
//! as signed); naga's reader turns these into `atomicMin`/`atomicMax`, whose meaning comes
//! from the pointer's type, and the pointer cannot be bitcast. The rewrite computes the same
//! read-modify-write with operations whose signedness is explicit:
//!
//! ```text
//!   loop {
//!     old = OpAtomicLoad ptr
//!     new = OpSelect (old <op> v) old v      ; <op>: OpS/ULessThan or OpS/UGreaterThan
//!     got = OpAtomicCompareExchange ptr new old
//!     tmp = got                              ; a function variable carries it out
//!     if got == old: break
//!   }
//!   result = tmp
//! ```
//!
//! which is atomic (the exchange only happens when nothing changed the value since it was
//! read) and returns the value before the operation, as the original does. The comparison's
//! operands keep the pointer's type; [`super::signedness_from_opcode`], which runs after,
//! bitcasts them to the comparison's signedness. Blocks that are loop headers are left alone.

use super::{op, Inst, Module};

const ATOMIC_LOAD: u16 = 227;
const ATOMIC_COMPARE_EXCHANGE: u16 = 230;
const ATOMIC_S_MIN: u16 = 236;
const ATOMIC_U_MIN: u16 = 237;
const ATOMIC_S_MAX: u16 = 238;
const ATOMIC_U_MAX: u16 = 239;
const BRANCH: u16 = 249;
const BRANCH_CONDITIONAL: u16 = 250;
const S_GREATER_THAN: u16 = 173;
const U_GREATER_THAN: u16 = 172;
const S_LESS_THAN: u16 = 177;
const FUNCTION_STORAGE: u32 = 7;

fn is_terminator(opcode: u16) -> bool {
    matches!(opcode, 249..=255 | 4416)
}

/// The signedness (0 or 1) of the 32-bit integer `pointer` points to.
fn pointee_signedness(m: &Module, pointer: u32) -> Option<u32> {
    let ptr_ty = m.value_def(pointer)?.operand(0)?;
    let ptr = m.type_def(ptr_ty)?;
    if ptr.opcode() != op::TYPE_POINTER {
        return None;
    }
    let int = m.type_def(ptr.operand(2)?)?;
    (int.opcode() == op::TYPE_INT && int.operand(1) == Some(32)).then(|| int.operand(2))?
}

pub(crate) fn lower_mismatched_atomic_minmax(m: &mut Module) {
    let mut k = 0;
    while k < m.insts.len() {
        let opc = m.insts[k].opcode();
        let wanted = match opc {
            ATOMIC_S_MIN | ATOMIC_S_MAX => 1,
            ATOMIC_U_MIN | ATOMIC_U_MAX => 0,
            _ => {
                k += 1;
                continue;
            }
        };
        if m.insts[k].0.len() == 7
            && pointee_signedness(m, m.insts[k].0[3]).is_some_and(|s| s != wanted)
        {
            if let Some(len) = rewrite(m, k) {
                k += len;
                continue;
            }
        }
        k += 1;
    }
}

/// Rewrites the atomic at `k`; returns how many instructions replaced it, or [`None`] (module
/// unchanged) when the block cannot be split.
fn rewrite(m: &mut Module, k: usize) -> Option<usize> {
    let at = m.insts[k].clone();
    let [_, ty, result, ptr, scope, semantics, value] = at.0[..] else {
        return None;
    };
    // The enclosing block and function.
    let label_at = (0..k).rev().find(|&j| m.insts[j].opcode() == op::LABEL)?;
    let block_label = m.insts[label_at].operand(0)?;
    let fn_at = (0..k)
        .rev()
        .find(|&j| m.insts[j].opcode() == op::FUNCTION)?;
    let end = (k..m.insts.len()).find(|&j| is_terminator(m.insts[j].opcode()))?;
    if m.insts[k..end]
        .iter()
        .any(|i| i.opcode() == op::LOOP_MERGE || i.opcode() == op::FUNCTION_END)
    {
        return None;
    }
    (fn_at..k).find(|&j| m.insts[j].opcode() == op::LABEL)?;

    let compare = match at.opcode() {
        ATOMIC_S_MIN => S_LESS_THAN,
        ATOMIC_U_MIN => op::U_LESS_THAN,
        ATOMIC_S_MAX => S_GREATER_THAN,
        _ => U_GREATER_THAN,
    };
    // Declarations go in front of the functions: the atomic moves down by as many.
    let before = m.insts.len();
    let bool_ty = m.intern_type(op::TYPE_BOOL, &[])?;
    let uint = m.intern_type(op::TYPE_INT, &[32, 0])?;
    let relaxed = m.constant32(uint, 0)?;
    let var_ty = m.intern_type(op::TYPE_POINTER, &[FUNCTION_STORAGE, ty])?;
    let k = k + (m.insts.len() - before);
    let fn_at = fn_at + (m.insts.len() - before);
    let first_label = (fn_at..k).find(|&j| m.insts[j].opcode() == op::LABEL)?;
    let [var, header, body, cont, merge, old, cmp, new, got, ok] = [(); 10].map(|_| m.fresh_id());
    let (var, header, body, cont, merge) = (var?, header?, body?, cont?, merge?);
    let (old, cmp, new, got, ok) = (old?, cmp?, new?, got?, ok?);

    let code = vec![
        Inst::new(BRANCH, &[header]),
        Inst::new(op::LABEL, &[header]),
        Inst::new(op::LOOP_MERGE, &[merge, cont, 0]),
        Inst::new(BRANCH, &[body]),
        Inst::new(op::LABEL, &[body]),
        Inst::new(ATOMIC_LOAD, &[ty, old, ptr, scope, relaxed]),
        Inst::new(compare, &[bool_ty, cmp, old, value]),
        Inst::new(op::SELECT, &[ty, new, cmp, old, value]),
        Inst::new(
            ATOMIC_COMPARE_EXCHANGE,
            &[ty, got, ptr, scope, semantics, relaxed, new, old],
        ),
        Inst::new(op::STORE, &[var, got]),
        Inst::new(op::I_EQUAL, &[bool_ty, ok, got, old]),
        Inst::new(BRANCH_CONDITIONAL, &[ok, merge, cont]),
        Inst::new(op::LABEL, &[cont]),
        Inst::new(BRANCH, &[header]),
        Inst::new(op::LABEL, &[merge]),
        Inst::new(op::LOAD, &[ty, result, var]),
    ];
    let len = code.len();
    m.insts.splice(k..k + 1, code);
    // Phis that named the split block as a predecessor now see the merge block.
    for i in m.insts.iter_mut().filter(|i| i.opcode() == op::PHI) {
        for w in i.0.iter_mut().skip(4).step_by(2) {
            if *w == block_label {
                *w = merge;
            }
        }
    }
    // The variable goes first in the function's first block (before the rewritten code).
    m.insts.insert(
        first_label + 1,
        Inst::new(op::VARIABLE, &[var_ty, var, FUNCTION_STORAGE]),
    );
    Some(len + 1)
}

#[cfg(test)]
mod tests {
    /// `OpAtomicSMax`/`OpAtomicUMin` on the "wrong" pointer types, run: signed and unsigned
    /// comparisons as the opcodes say, and the old values returned.
    const SHADER: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %ra ArrayStride 4
               OpDecorate %rai ArrayStride 4
               OpDecorate %S BufferBlock
               OpMemberDecorate %S 0 Offset 0
               OpDecorate %SI BufferBlock
               OpMemberDecorate %SI 0 Offset 0
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
               OpDecorate %ibuf DescriptorSet 0
               OpDecorate %ibuf Binding 1
       %uint = OpTypeInt 32 0
        %int = OpTypeInt 32 1
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
         %ra = OpTypeRuntimeArray %uint
        %rai = OpTypeRuntimeArray %int
          %S = OpTypeStruct %ra
         %SI = OpTypeStruct %rai
        %pS = OpTypePointer Uniform %S
       %pSI = OpTypePointer Uniform %SI
      %pu = OpTypePointer Uniform %uint
      %pi = OpTypePointer Uniform %int
      %u0 = OpConstant %uint 0
      %u1 = OpConstant %uint 1
      %u2 = OpConstant %uint 2
      %u3 = OpConstant %uint 3
     %u_m1 = OpConstant %uint 0xffffffff
      %i5 = OpConstant %int 5
      %i_m5 = OpConstant %int -5
        %buf = OpVariable %pS Uniform
       %ibuf = OpVariable %pSI Uniform
       %main = OpFunction %void None %fn
          %l = OpLabel
         %p0 = OpAccessChain %pu %buf %u0 %u0
         %r0 = OpAtomicSMax %uint %p0 %u1 %u0 %u_m1
         %p1 = OpAccessChain %pu %buf %u0 %u1
         %r1 = OpAtomicSMax %uint %p1 %u1 %u0 %u_m1
         %q0 = OpAccessChain %pi %ibuf %u0 %u0
         %s0 = OpAtomicUMin %int %q0 %u1 %u0 %i_m5
         %q1 = OpAccessChain %pi %ibuf %u0 %u1
         %s1 = OpAtomicUMin %int %q1 %u1 %u0 %i5
         %p2 = OpAccessChain %pu %buf %u0 %u2
               OpStore %p2 %r0
         %p3 = OpAccessChain %pu %buf %u0 %u3
               OpStore %p3 %r1
         %q2 = OpAccessChain %pi %ibuf %u0 %u2
               OpStore %q2 %s0
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn mismatched_min_max_compare_as_the_opcode_says() {
        let Some(w) = crate::legalize::tests::assemble(SHADER, "vulkan1.0") else {
            return;
        };
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let a = pumice_memory::DeviceMemory::new(16).unwrap();
        let b = pumice_memory::DeviceMemory::new(16).unwrap();
        let words = |v: [u32; 4]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        // buf: [3, 0x8000_0000, .., ..] SMax with -1 → [3, -1]; ibuf: [-1, 7] UMin.
        a.write(0, &words([3, 0x8000_0000, 0, 0])).unwrap();
        b.write(0, &words([0xffff_ffff, 7, 0, 0])).unwrap();
        let slice = |memory| crate::compute::BufferSlice {
            memory,
            offset: 0,
            size: 16,
        };
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![((0, 0, 0), slice(&a)), ((0, 1, 0), slice(&b))],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let read = |mem: &pumice_memory::DeviceMemory| {
            let mut out = [0u8; 16];
            mem.read(0, &mut out).unwrap();
            [0, 1, 2, 3].map(|k| u32::from_le_bytes(out[4 * k..4 * k + 4].try_into().unwrap()))
        };
        // Signed max(3, -1) = 3; max(i32::MIN, -1) = -1; the old values come back.
        assert_eq!(read(&a), [3, 0xffff_ffff, 3, 0x8000_0000]);
        // Unsigned min(0xffffffff, 0xfffffffb) = 0xfffffffb; min(7, 5) = 5.
        assert_eq!(read(&b), [0xffff_fffb, 5, 0xffff_ffff, 0]);
    }
}
