//! `OpGroupNonUniformBroadcast` with an id that is not a constant →
//! `OpGroupNonUniformShuffle` with the same id.
//!
//! Since SPIR-V 1.5 (Vulkan's `subgroupBroadcastDynamicId`) the id of a broadcast may be any
//! dynamically uniform value; naga's validator still asks for a constant. A shuffle reads the
//! value of the lane each invocation names; with the same id in every active invocation (the
//! broadcast's rule) every invocation reads the same lane, so the result is the broadcast's.
//! Both instructions have the same operands (result type, result, scope, value, id). A
//! constant id keeps the broadcast.

use super::{op, Inst, Module};

const GROUP_NON_UNIFORM_BROADCAST: u16 = 337;
const GROUP_NON_UNIFORM_SHUFFLE: u16 = 345;
const CAPABILITY_GROUP_NON_UNIFORM_SHUFFLE: u32 = 65;

pub(crate) fn lower_dynamic_broadcast(m: &mut Module) {
    let constants: foldhash::HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::CONSTANT)
        .filter_map(|i| i.operand(1))
        .collect();
    let mut changed = false;
    for inst in &mut m.insts {
        if inst.opcode() == GROUP_NON_UNIFORM_BROADCAST
            && inst.0.len() == 6
            && !constants.contains(&inst.0[5])
        {
            *inst = Inst::new(GROUP_NON_UNIFORM_SHUFFLE, inst.operands());
            changed = true;
        }
    }
    let declared = m.insts.iter().any(|i| {
        i.opcode() == op::CAPABILITY && i.operand(0) == Some(CAPABILITY_GROUP_NON_UNIFORM_SHUFFLE)
    });
    if changed && !declared {
        if let Some(at) = m.insts.iter().position(|i| i.opcode() == op::CAPABILITY) {
            m.insts.insert(
                at + 1,
                Inst::new(op::CAPABILITY, &[CAPABILITY_GROUP_NON_UNIFORM_SHUFFLE]),
            );
        }
    }
}

// Tested in tests/required_features.rs (`broadcast_with_dynamic_id`), which compiles for
// SPIR-V 1.5.
