//! Types: how many registers a value takes, and where its scalars lie in memory.

use naga::{ArraySize, Scalar, ScalarKind, TypeInner, VectorSize};

use super::{unsupported, Layout};
use crate::compute::CompileError;

/// 32-bit scalars and booleans; 64- and 16-bit arithmetic is not interpreted yet.
pub fn scalar_is_supported(s: Scalar) -> bool {
    match s.kind {
        ScalarKind::Bool => true,
        ScalarKind::Float | ScalarKind::Sint | ScalarKind::Uint => s.width == 4,
        ScalarKind::AbstractInt | ScalarKind::AbstractFloat => false,
    }
}

pub fn vector_len(size: VectorSize) -> usize {
    size as usize
}

fn array_len(size: ArraySize) -> Result<usize, CompileError> {
    match size {
        ArraySize::Constant(n) => Ok(n.get() as usize),
        ArraySize::Pending(_) => unsupported("array sized by an override"),
        ArraySize::Dynamic => unsupported("a runtime-sized array as a value"),
    }
}

/// Registers a value of this type takes.
pub fn flat_count(module: &naga::Module, inner: &TypeInner) -> Result<usize, CompileError> {
    Ok(match inner {
        TypeInner::Scalar(s) | TypeInner::Atomic(s) => {
            if !scalar_is_supported(*s) {
                return unsupported(format!("{:?} of width {}", s.kind, s.width));
            }
            1
        }
        TypeInner::Vector { size, .. } => vector_len(*size),
        TypeInner::Matrix { columns, rows, .. } => vector_len(*columns) * vector_len(*rows),
        TypeInner::Array { base, size, .. } => {
            array_len(*size)? * flat_count(module, &module.types[*base].inner)?
        }
        TypeInner::Struct { members, .. } => {
            let mut n = 0;
            for m in members {
                n += flat_count(module, &module.types[m.ty].inner)?;
            }
            n
        }
        other => return unsupported(format!("values of type {other:?}")),
    })
}

/// The distance between matrix columns in an explicit layout (std140/std430 column-major).
pub fn column_stride(rows: VectorSize) -> u32 {
    match rows {
        VectorSize::Bi => 8,
        _ => 16,
    }
}

/// Byte offsets of each scalar of a value (in flat order) in the given layout.
pub fn scalar_offsets(
    module: &naga::Module,
    inner: &TypeInner,
    layout: Layout,
) -> Result<Vec<u32>, CompileError> {
    let mut out = Vec::new();
    offsets_into(module, inner, layout, 0, &mut out)?;
    Ok(out)
}

fn offsets_into(
    module: &naga::Module,
    inner: &TypeInner,
    layout: Layout,
    base: u32,
    out: &mut Vec<u32>,
) -> Result<(), CompileError> {
    if layout == Layout::Flat {
        let n = flat_count(module, inner)?;
        out.extend((0..n as u32).map(|i| base + 4 * i));
        return Ok(());
    }
    match inner {
        TypeInner::Scalar(_) | TypeInner::Atomic(_) => out.push(base),
        TypeInner::Vector { size, .. } => {
            out.extend((0..vector_len(*size) as u32).map(|i| base + 4 * i))
        }
        TypeInner::Matrix { columns, rows, .. } => {
            let stride = column_stride(*rows);
            for c in 0..vector_len(*columns) as u32 {
                for r in 0..vector_len(*rows) as u32 {
                    out.push(base + c * stride + 4 * r);
                }
            }
        }
        TypeInner::Array {
            base: elem,
            size,
            stride,
        } => {
            let elem = &module.types[*elem].inner;
            for i in 0..array_len(*size)? as u32 {
                offsets_into(module, elem, layout, base + i * stride, out)?;
            }
        }
        TypeInner::Struct { members, .. } => {
            for m in members {
                offsets_into(
                    module,
                    &module.types[m.ty].inner,
                    layout,
                    base + m.offset,
                    out,
                )?;
            }
        }
        other => return unsupported(format!("memory of type {other:?}")),
    }
    Ok(())
}

/// For a composite type: the type of element `index`, its first flat register, and its byte
/// offset in an explicit layout.
pub fn element(
    module: &naga::Module,
    inner: &TypeInner,
    index: u32,
) -> Result<(TypeInner, usize, u32), CompileError> {
    Ok(match inner {
        TypeInner::Vector { scalar, .. } => (TypeInner::Scalar(*scalar), index as usize, 4 * index),
        TypeInner::Matrix { rows, scalar, .. } => (
            TypeInner::Vector {
                size: *rows,
                scalar: *scalar,
            },
            index as usize * vector_len(*rows),
            index * column_stride(*rows),
        ),
        TypeInner::Array { base, stride, .. } => {
            let elem = module.types[*base].inner.clone();
            let n = flat_count(module, &elem).unwrap_or(0);
            (elem, index as usize * n, index * stride)
        }
        TypeInner::Struct { members, .. } => {
            let Some(m) = members.get(index as usize) else {
                return unsupported("member index out of range");
            };
            let mut first = 0;
            for prev in &members[..index as usize] {
                first += flat_count(module, &module.types[prev.ty].inner)?;
            }
            (module.types[m.ty].inner.clone(), first, m.offset)
        }
        TypeInner::BindingArray { base, .. } => (module.types[*base].inner.clone(), 0, 0),
        other => return unsupported(format!("indexing into {other:?}")),
    })
}

/// For dynamic indexing: the element type and the byte stride in each layout.
pub fn dynamic_element(
    module: &naga::Module,
    inner: &TypeInner,
) -> Result<(TypeInner, u32, u32), CompileError> {
    let (elem, _, _) = element(module, inner, 0)?;
    let flat = flat_count(module, &elem)? as u32 * 4;
    let explicit = match inner {
        TypeInner::Vector { .. } => 4,
        TypeInner::Matrix { rows, .. } => column_stride(*rows),
        TypeInner::Array { stride, .. } => *stride,
        other => return unsupported(format!("dynamic indexing into {other:?}")),
    };
    Ok((elem, explicit, flat))
}

/// The scalar kind of a type's components (for choosing float or integer operations).
pub fn scalar_of(inner: &TypeInner) -> Option<Scalar> {
    match inner {
        TypeInner::Scalar(s) | TypeInner::Atomic(s) => Some(*s),
        TypeInner::Vector { scalar, .. } | TypeInner::Matrix { scalar, .. } => Some(*scalar),
        TypeInner::ValuePointer { scalar, .. } => Some(*scalar),
        _ => None,
    }
}
