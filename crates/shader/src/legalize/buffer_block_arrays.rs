//! Arrays of `BufferBlock` structs in the `Uniform` storage class → `StorageBuffer` variables.
//!
//! Before SPIR-V 1.3 a storage buffer is a `Uniform` variable whose struct is decorated
//! `BufferBlock`. naga's reader recognizes that from the variable's type, so a variable whose
//! type is an *array* of such structs (`buffer B { .. } b[2]`: one descriptor per element) is
//! read as a uniform (read-only) buffer, and stores to it are refused. The variable's storage
//! class becomes `StorageBuffer`, which means the same; naga takes the variable's class for the
//! whole access chain. (`crate::front` then makes the array a binding array.)

use foldhash::HashSet;

use super::{op, Module};

const DECORATION_BUFFER_BLOCK: u32 = 3;
const UNIFORM: u32 = 2;
const STORAGE_BUFFER: u32 = 12;

/// Returns whether the module changed.
pub(crate) fn buffer_block_arrays(m: &mut Module) -> bool {
    let blocks: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::DECORATE && i.operand(1) == Some(DECORATION_BUFFER_BLOCK))
        .filter_map(|i| i.operand(0))
        .collect();
    if blocks.is_empty() {
        return false;
    }
    let arrays: HashSet<u32> = m
        .insts
        .iter()
        .filter(|i| {
            matches!(i.opcode(), op::TYPE_ARRAY | op::TYPE_RUNTIME_ARRAY)
                && i.operand(1).is_some_and(|e| blocks.contains(&e))
        })
        .filter_map(|i| i.operand(0))
        .collect();
    let pointers: Vec<(u32, u32)> = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == op::TYPE_POINTER
                && i.operand(1) == Some(UNIFORM)
                && i.operand(2).is_some_and(|t| arrays.contains(&t))
        })
        .filter_map(|i| Some((i.operand(0)?, i.operand(2)?)))
        .collect();
    // Blocks outside arrays (the usual case) change nothing.
    let changed = !pointers.is_empty();
    for (ptr, array) in pointers {
        let Some(storage_ptr) = m.intern_type(op::TYPE_POINTER, &[STORAGE_BUFFER, array]) else {
            return changed;
        };
        for i in m.insts.iter_mut() {
            if i.opcode() == op::VARIABLE
                && i.operand(0) == Some(ptr)
                && i.operand(2) == Some(UNIFORM)
            {
                i.0[1] = storage_ptr;
                i.0[3] = STORAGE_BUFFER;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    #[test]
    fn stores_to_an_array_of_buffer_blocks_reach_each_descriptor() {
        let Some(w) = crate::legalize::tests::glsl_comp(
            r#"
#version 430
layout(local_size_x = 1) in;
layout(binding = 0) buffer B { int data; } bufs[2];
void main() { bufs[0].data += 3; bufs[1].data += bufs[0].data; }
"#,
        ) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let a = pumice_memory::DeviceMemory::new(4).unwrap();
        let b = pumice_memory::DeviceMemory::new(4).unwrap();
        a.write(0, &10i32.to_le_bytes()).unwrap();
        b.write(0, &100i32.to_le_bytes()).unwrap();
        let slice = |memory| crate::compute::BufferSlice {
            memory,
            offset: 0,
            size: 4,
        };
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![((0, 0, 0), slice(&a)), ((0, 0, 1), slice(&b))],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let read = |mem: &pumice_memory::DeviceMemory| {
            let mut out = [0u8; 4];
            mem.read(0, &mut out).unwrap();
            i32::from_le_bytes(out)
        };
        assert_eq!((read(&a), read(&b)), (13, 113));
    }

    /// Arrays of uniform blocks (made binding arrays by `crate::front`) read each descriptor.
    #[test]
    fn reads_from_an_array_of_uniform_blocks_reach_each_descriptor() {
        let Some(w) = crate::legalize::tests::glsl_comp(
            r#"
#version 450
layout(local_size_x = 1) in;
layout(binding = 0) uniform U { int data; } ubos[2];
layout(binding = 1) buffer O { int o[2]; };
void main() { o[0] = ubos[0].data; o[1] = ubos[1].data; }
"#,
        ) else {
            return;
        };
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let a = pumice_memory::DeviceMemory::new(4).unwrap();
        let b = pumice_memory::DeviceMemory::new(4).unwrap();
        let o = pumice_memory::DeviceMemory::new(8).unwrap();
        a.write(0, &5i32.to_le_bytes()).unwrap();
        b.write(0, &7i32.to_le_bytes()).unwrap();
        let slice = |memory, size| crate::compute::BufferSlice {
            memory,
            offset: 0,
            size,
        };
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![
                ((0, 0, 0), slice(&a, 4)),
                ((0, 0, 1), slice(&b, 4)),
                ((0, 1, 0), slice(&o, 8)),
            ],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let mut out = [0u8; 8];
        o.read(0, &mut out).unwrap();
        assert_eq!(out, [5, 0, 0, 0, 7, 0, 0, 0]);
    }
}
