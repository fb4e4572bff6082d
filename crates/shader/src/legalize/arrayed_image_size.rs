//! Size queries of arrayed images → the dimensions, and the layer count through a marker.
//!
//! SPIR-V's `OpImageQuerySize(Lod)` of an arrayed image returns the dimensions followed by the
//! layer count; naga's reader gives only the dimensions (a "TODO: handle arrays" there), and
//! SPIR-V has no instruction naga would read as a layer query. So the query becomes: the
//! dimensions alone (what naga gives), and `dimensions.x ^ LAYERS_MARKER` standing for the
//! layer count, composed into the result. The lowering recognises that XOR of a size query's
//! first component with [`LAYERS_MARKER`] and emits the layer query instead (see
//! `lower::image`); a shader computing that exact XOR of an image size itself would be
//! misread, which no real shader does with this constant.

use foldhash::HashMap;

use super::{op, Inst, Module};

/// The constant the lowering looks for (arbitrary, unlikely in real code).
pub const LAYERS_MARKER: u32 = 0x5A17_ACE5;

const TYPE_IMAGE: u16 = 25;
const IMAGE_QUERY_SIZE_LOD: u16 = 103;
const IMAGE_QUERY_SIZE: u16 = 104;
const BITWISE_XOR: u16 = 198;

pub(crate) fn arrayed_image_size(m: &mut Module) {
    if !m
        .insts
        .iter()
        .any(|i| matches!(i.opcode(), IMAGE_QUERY_SIZE_LOD | IMAGE_QUERY_SIZE))
    {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
    }
}

fn rewrite(m: &mut Module) -> Option<()> {
    // Arrayed image types and their dimension count.
    let arrayed: HashMap<u32, u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == TYPE_IMAGE && i.0.len() >= 9 && i.0[5] == 1)
        .filter_map(|i| match i.0[3] {
            0 => Some((i.0[1], 1)),
            1 | 3 => Some((i.0[1], 2)),
            _ => None,
        })
        .collect();
    if arrayed.is_empty() {
        return None;
    }
    let mut type_of: HashMap<u32, u32> = HashMap::default();
    for i in &m.insts {
        if super::has_result_type(i.opcode()) && i.0.len() >= 3 {
            type_of.insert(i.0[2], i.0[1]);
        }
    }
    // Queries to rewrite: (index, dims, component type).
    let mut todo = Vec::new();
    for (k, i) in m.insts.iter().enumerate() {
        if !matches!(i.opcode(), IMAGE_QUERY_SIZE_LOD | IMAGE_QUERY_SIZE) || i.0.len() < 4 {
            continue;
        }
        let Some(&dims) = type_of.get(&i.0[3]).and_then(|t| arrayed.get(t)) else {
            continue;
        };
        let result = m.type_def(i.0[1])?;
        if result.opcode() != op::TYPE_VECTOR || result.0.len() != 4 || result.0[3] != dims + 1 {
            return None;
        }
        todo.push((k, dims, result.0[2]));
    }
    if todo.is_empty() {
        return None;
    }
    // Types and the marker constant first (they go before the functions, shifting nothing
    // after them but the indices, which are recomputed below).
    let mut plan = Vec::new();
    for &(_, dims, comp) in &todo {
        let dims_ty = if dims == 1 {
            comp
        } else {
            m.intern_type(op::TYPE_VECTOR, &[comp, dims])?
        };
        let marker = m.constant32(comp, LAYERS_MARKER)?;
        plan.push((dims, comp, dims_ty, marker));
    }
    let queries: Vec<usize> = m
        .insts
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i.opcode(), IMAGE_QUERY_SIZE_LOD | IMAGE_QUERY_SIZE))
        .filter(|(_, i)| {
            i.0.len() >= 4
                && type_of
                    .get(&i.0[3])
                    .is_some_and(|t| arrayed.contains_key(t))
        })
        .map(|(k, _)| k)
        .collect();
    if queries.len() != plan.len() {
        return None;
    }
    // Rewrite from the last so earlier indices stay valid.
    for (&k, &(dims, comp, dims_ty, marker)) in queries.iter().zip(&plan).rev() {
        let q = m.insts[k].clone();
        let result_ty = q.0[1];
        let result = q.0[2];
        let d = m.fresh_id()?;
        let mut query = q.0[1..].to_vec();
        query[0] = dims_ty;
        query[1] = d;
        let mut new = vec![Inst::new(q.opcode(), &query)];
        let mut parts = Vec::new();
        if dims == 1 {
            parts.push(d);
        } else {
            for c in 0..dims {
                let e = m.fresh_id()?;
                new.push(Inst::new(op::COMPOSITE_EXTRACT, &[comp, e, d, c]));
                parts.push(e);
            }
        }
        let layers = m.fresh_id()?;
        new.push(Inst::new(BITWISE_XOR, &[comp, layers, parts[0], marker]));
        let mut construct = vec![result_ty, result];
        construct.extend(&parts);
        construct.push(layers);
        new.push(Inst::new(op::COMPOSITE_CONSTRUCT, &construct));
        m.insts.splice(k..=k, new);
    }
    Some(())
}
