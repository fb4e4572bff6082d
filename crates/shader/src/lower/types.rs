//! Types: how many registers a value takes, and where its scalars lie in memory.

use naga::{ArraySize, Scalar, ScalarKind, TypeInner, VectorSize};

use super::{unsupported, Layout};
use crate::compute::CompileError;

/// 32- and 64-bit scalars and booleans; 16-bit arithmetic is not interpreted.
pub fn scalar_is_supported(s: Scalar) -> bool {
    match s.kind {
        ScalarKind::Bool => true,
        ScalarKind::Float | ScalarKind::Sint | ScalarKind::Uint => s.width == 4 || s.width == 8,
        ScalarKind::AbstractInt | ScalarKind::AbstractFloat => false,
    }
}

/// Registers one scalar takes: 2 for 64-bit ones (low word first), else 1.
pub fn words(s: Scalar) -> usize {
    if s.kind != ScalarKind::Bool && s.width == 8 {
        2
    } else {
        1
    }
}

/// Whether a type's components are 64-bit.
pub fn is_wide(inner: &TypeInner) -> bool {
    scalar_of(inner).is_some_and(|s| words(s) == 2)
}

/// Bytes of one scalar in memory.
fn scalar_bytes(s: Scalar) -> u32 {
    4 * words(s) as u32
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
            words(*s)
        }
        TypeInner::Vector { size, scalar } => {
            if !scalar_is_supported(*scalar) {
                return unsupported(format!("{:?} of width {}", scalar.kind, scalar.width));
            }
            vector_len(*size) * words(*scalar)
        }
        TypeInner::Matrix {
            columns,
            rows,
            scalar,
        } => {
            if !scalar_is_supported(*scalar) {
                return unsupported(format!("{:?} of width {}", scalar.kind, scalar.width));
            }
            vector_len(*columns) * vector_len(*rows) * words(*scalar)
        }
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

/// The distance between matrix columns in an explicit layout (std140/std430 column-major):
/// a column is aligned as a vector of its rows (a vec3 as a vec4).
pub fn column_stride(rows: VectorSize, scalar: Scalar) -> u32 {
    scalar_bytes(scalar)
        * match rows {
            VectorSize::Bi => 2,
            _ => 4,
        }
}

/// Byte offsets of a value's scalars, inline up to four (a scalar or a vector: most loads
/// and stores; a `Vec` was an allocation and a free per access lowered).
pub type Offsets = smallvec::SmallVec<[u32; 4]>;

/// Byte offsets of each scalar of a value (in flat order) in the given layout.
pub fn scalar_offsets(
    module: &naga::Module,
    inner: &TypeInner,
    layout: Layout,
) -> Result<Offsets, CompileError> {
    let mut out = Offsets::new();
    offsets_into(module, inner, layout, 0, &mut out)?;
    Ok(out)
}

fn offsets_into(
    module: &naga::Module,
    inner: &TypeInner,
    layout: Layout,
    base: u32,
    out: &mut Offsets,
) -> Result<(), CompileError> {
    if layout == Layout::Flat {
        let n = flat_count(module, inner)?;
        out.extend((0..n as u32).map(|i| base + 4 * i));
        return Ok(());
    }
    match inner {
        // A 64-bit scalar's words are little-endian: the low word first.
        TypeInner::Scalar(s) | TypeInner::Atomic(s) => {
            out.extend((0..words(*s) as u32).map(|w| base + 4 * w))
        }
        TypeInner::Vector { size, scalar } => {
            let n = words(*scalar) as u32;
            for i in 0..vector_len(*size) as u32 {
                out.extend((0..n).map(|w| base + 4 * (n * i + w)));
            }
        }
        TypeInner::Matrix {
            columns,
            rows,
            scalar,
        } => {
            let stride = column_stride(*rows, *scalar);
            let n = words(*scalar) as u32;
            for c in 0..vector_len(*columns) as u32 {
                for r in 0..vector_len(*rows) as u32 {
                    out.extend((0..n).map(|w| base + c * stride + 4 * (n * r + w)));
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
        TypeInner::Vector { scalar, .. } => (
            TypeInner::Scalar(*scalar),
            index as usize * words(*scalar),
            index * scalar_bytes(*scalar),
        ),
        TypeInner::Matrix { rows, scalar, .. } => (
            TypeInner::Vector {
                size: *rows,
                scalar: *scalar,
            },
            index as usize * vector_len(*rows) * words(*scalar),
            index * column_stride(*rows, *scalar),
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
        TypeInner::Vector { scalar, .. } => scalar_bytes(*scalar),
        TypeInner::Matrix { rows, scalar, .. } => column_stride(*rows, *scalar),
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
