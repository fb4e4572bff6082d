//! Declares the 2-component integer vector types naga needs for arrayed image coordinates.
//!
//! naga's reader splits the layer off an arrayed image's coordinate (`ivec3` → `ivec2` and an
//! index) and looks the shorter vector type up in the module; it only pre-declares the float
//! one, and panics when an integer coordinate's type is missing (a `texelFetch` or `imageLoad`
//! on a 2-D array where the shader never names an `ivec2`). Declaring `ivec2`/`uvec2` where a
//! 2-D or cube array image and the 32-bit integer type exist changes nothing else.

use super::{op, Module};

const TYPE_IMAGE: u16 = 25;
const DIM_2D: u32 = 1;
const DIM_CUBE: u32 = 3;

pub(crate) fn declare_coordinate_types(m: &mut Module) {
    let arrayed_2d = m.insts.iter().any(|i| {
        i.opcode() == TYPE_IMAGE
            && i.0.len() >= 9
            && matches!(i.0[3], DIM_2D | DIM_CUBE)
            && i.0[5] == 1
    });
    if !arrayed_2d {
        return;
    }
    let ints: Vec<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::TYPE_INT && i.0.len() == 4 && i.0[2] == 32)
        .map(|i| i.0[1])
        .collect();
    for int in ints {
        let _ = m.intern_type(op::TYPE_VECTOR, &[int, 2]);
    }
}
