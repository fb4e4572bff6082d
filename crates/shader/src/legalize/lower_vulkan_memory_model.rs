//! The Vulkan memory model → the GLSL450 one: `OpMemoryModel Logical Vulkan` becomes
//! `Logical GLSL450`, and the memory-model operands naga does not read go:
//! `MakePointerAvailable`/`MakePointerVisible` (with their scopes) and `NonPrivatePointer` on
//! loads, stores and memory copies; `MakeTexelAvailable`/`MakeTexelVisible` (with their
//! scopes), `NonPrivateTexel` and `VolatileTexel` on image reads, writes and fetches. The
//! `VulkanMemoryModel` capabilities and `SPV_KHR_vulkan_memory_model` go too.
//!
//! Why this keeps the meaning: the operands ask for writes to be made available to, and
//! visible from, other invocations in a scope. Pumice has no caches of its own: every buffer,
//! image and workgroup access goes straight to memory the CPU keeps coherent, buffer atomics
//! are sequentially consistent CPU atomics (so acquire and release semantics on them hold,
//! with or without `MakeAvailable`/`MakeVisible` bits, which barriers and atomics keep —
//! naga reads only their storage-class bits), and a workgroup's invocations meet at
//! `OpControlBarrier` (the interpreter runs the batches up to it). So every write is
//! available and visible as soon as the ordering the program asked for holds.
//!
//! An operand mask with a bit this pass does not know leaves the module alone.

use super::{op, Inst, Module};

const MEMORY_MODEL_GLSL450: u32 = 1;
const MEMORY_MODEL_VULKAN: u32 = 3;
const CAPABILITY_VULKAN_MEMORY_MODEL: u32 = 5345;
const CAPABILITY_VULKAN_MEMORY_MODEL_DEVICE_SCOPE: u32 = 5346;

const COPY_MEMORY: u16 = 63;
const COPY_MEMORY_SIZED: u16 = 64;
const IMAGE_FETCH: u16 = 95;
const IMAGE_READ: u16 = 98;
const IMAGE_WRITE: u16 = 99;

/// Memory operands: `Volatile`, `Aligned` (a literal), `Nontemporal`, `MakePointerAvailable`
/// (a scope id), `MakePointerVisible` (a scope id), `NonPrivatePointer`.
const VOLATILE: u32 = 0x1;
const ALIGNED: u32 = 0x2;
const NONTEMPORAL: u32 = 0x4;
const MAKE_POINTER_AVAILABLE: u32 = 0x8;
const MAKE_POINTER_VISIBLE: u32 = 0x10;
const NON_PRIVATE_POINTER: u32 = 0x20;

/// Image operands: those up to `MinLod` take one id each except `Grad` (two); then
/// `MakeTexelAvailable` and `MakeTexelVisible` (a scope id each), `NonPrivateTexel`,
/// `VolatileTexel`, `SignExtend`, `ZeroExtend`, `Nontemporal` (none), `Offsets` (one id).
const MAKE_TEXEL_AVAILABLE: u32 = 0x100;
const MAKE_TEXEL_VISIBLE: u32 = 0x200;
const NON_PRIVATE_TEXEL: u32 = 0x400;
const VOLATILE_TEXEL: u32 = 0x800;
const IMAGE_OFFSETS: u32 = 0x10000;
const KNOWN_IMAGE_OPERANDS: u32 = 0x7fff | IMAGE_OFFSETS;

pub(crate) fn lower_vulkan_memory_model(m: &mut Module) {
    let vulkan = |o: &[u32]| o.len() == 2 && o[1] == MEMORY_MODEL_VULKAN;
    if m.find(op::MEMORY_MODEL, vulkan).is_none() {
        return;
    }
    let mut insts = Vec::with_capacity(m.insts.len());
    for inst in &m.insts {
        let rewritten = match inst.opcode() {
            op::LOAD => memory_operands(inst, 3),
            op::STORE => memory_operands(inst, 2),
            COPY_MEMORY => memory_operands(inst, 2),
            COPY_MEMORY_SIZED => memory_operands(inst, 3),
            IMAGE_READ | IMAGE_FETCH => image_operands(inst, 4),
            IMAGE_WRITE => image_operands(inst, 3),
            op::CAPABILITY
                if matches!(
                    inst.operand(0),
                    Some(
                        CAPABILITY_VULKAN_MEMORY_MODEL
                            | CAPABILITY_VULKAN_MEMORY_MODEL_DEVICE_SCOPE
                    )
                ) =>
            {
                continue
            }
            _ => Some(inst.clone()),
        };
        match rewritten {
            Some(i) => insts.push(i),
            None => return,
        }
    }
    m.insts = insts;
    if let Some(i) = m.find(op::MEMORY_MODEL, vulkan) {
        m.insts[i].0[2] = MEMORY_MODEL_GLSL450;
    }
    m.remove_extension("SPV_KHR_vulkan_memory_model");
}

/// The instruction without the memory-model memory operands, its first `fixed` operands
/// kept; [`None`] for a mask with an unknown bit or missing operands.
fn memory_operands(inst: &Inst, fixed: usize) -> Option<Inst> {
    let o = inst.operands();
    if o.len() <= fixed {
        return Some(inst.clone());
    }
    let mut out: Vec<u32> = o[..fixed].to_vec();
    let mut rest = &o[fixed..];
    // OpCopyMemory and OpCopyMemorySized may carry two sets (target, then source).
    while let Some((&mask, tail)) = rest.split_first() {
        if mask
            & !(VOLATILE
                | ALIGNED
                | NONTEMPORAL
                | MAKE_POINTER_AVAILABLE
                | MAKE_POINTER_VISIBLE
                | NON_PRIVATE_POINTER)
            != 0
        {
            return None;
        }
        let mut tail = tail;
        let mut take = |bit: u32| -> Option<Option<u32>> {
            if mask & bit == 0 {
                return Some(None);
            }
            let (&w, t) = tail.split_first()?;
            tail = t;
            Some(Some(w))
        };
        let aligned = take(ALIGNED)?;
        take(MAKE_POINTER_AVAILABLE)?;
        take(MAKE_POINTER_VISIBLE)?;
        let kept = mask & (VOLATILE | ALIGNED | NONTEMPORAL);
        if kept != 0 {
            out.push(kept);
            out.extend(aligned);
        }
        rest = tail;
    }
    Some(Inst::new(inst.opcode(), &out))
}

/// The instruction without the memory-model image operands, its first `fixed` operands
/// kept; [`None`] for a mask with an unknown bit or missing operands.
fn image_operands(inst: &Inst, fixed: usize) -> Option<Inst> {
    let o = inst.operands();
    if o.len() <= fixed {
        return Some(inst.clone());
    }
    let mask = o[fixed];
    if mask & !KNOWN_IMAGE_OPERANDS != 0 {
        return None;
    }
    let mut ids = &o[fixed + 1..];
    let mut kept_ids = Vec::new();
    let mut bit = 1u32;
    while bit <= IMAGE_OFFSETS {
        if mask & bit != 0 {
            let n = match bit {
                0x4 => 2,
                0x1 | 0x2 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | MAKE_TEXEL_AVAILABLE
                | MAKE_TEXEL_VISIBLE | IMAGE_OFFSETS => 1,
                _ => 0,
            };
            let (these, after) = (ids.get(..n)?, ids.get(n..)?);
            if !matches!(bit, MAKE_TEXEL_AVAILABLE | MAKE_TEXEL_VISIBLE) {
                kept_ids.extend_from_slice(these);
            }
            ids = after;
        }
        bit <<= 1;
    }
    if !ids.is_empty() {
        return None;
    }
    let kept =
        mask & !(MAKE_TEXEL_AVAILABLE | MAKE_TEXEL_VISIBLE | NON_PRIVATE_TEXEL | VOLATILE_TEXEL);
    let mut out: Vec<u32> = o[..fixed].to_vec();
    if kept != 0 {
        out.push(kept);
        out.extend(kept_ids);
    }
    Some(Inst::new(inst.opcode(), &out))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{glsl_comp, run_with_buffer};
    use super::super::{op, Module};

    /// Buffer and workgroup memory with availability and visibility operands, barriers and
    /// atomics with their semantics: the module reads as GLSL450 and computes the same.
    #[test]
    fn vulkan_memory_model_shader_runs() {
        let Some(w) = glsl_comp(
            r"#version 450
            #pragma use_vulkan_memory_model
            #extension GL_KHR_memory_scope_semantics : require
            layout(local_size_x = 64) in;
            layout(set = 0, binding = 0) coherent buffer B { uint o[64]; uint data[64]; uint flag; uint counter; };
            shared uint s[64];
            void main() {
                uint i = gl_LocalInvocationID.x;
                s[i] = i * 3u;
                data[i] = i + 100u;
                controlBarrier(gl_ScopeWorkgroup, gl_ScopeWorkgroup,
                               gl_StorageSemanticsShared | gl_StorageSemanticsBuffer,
                               gl_SemanticsAcquireRelease | gl_SemanticsMakeAvailable
                               | gl_SemanticsMakeVisible);
                memoryBarrier(gl_ScopeDevice, gl_StorageSemanticsBuffer, gl_SemanticsRelease);
                atomicStore(flag, 1u, gl_ScopeDevice, gl_StorageSemanticsBuffer,
                            gl_SemanticsRelease);
                uint f = atomicLoad(flag, gl_ScopeDevice, gl_StorageSemanticsBuffer,
                                    gl_SemanticsAcquire);
                atomicAdd(counter, 1u, gl_ScopeQueueFamily, gl_StorageSemanticsBuffer,
                          gl_SemanticsAcquireRelease);
                o[i] = s[63u - i] + data[(i + 1u) % 64u] + f * 1000u;
            }",
        ) else {
            return;
        };
        let m = Module::read(&w).unwrap();
        assert!(m
            .insts
            .iter()
            .any(|i| i.opcode() == op::MEMORY_MODEL && i.operand(1) == Some(3)));
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let out = run_with_buffer(&w, (64 + 64 + 2) * 4);
        for i in 0..64u32 {
            assert_eq!(
                out[i as usize],
                (63 - i) * 3 + (i + 1) % 64 + 100 + 1000,
                "{i}"
            );
        }
        assert_eq!(out[129], 64);
    }
}
