//! `OpSelect` of arrays, structs and matrices (SPIR-V 1.4) → member-wise selects.
//!
//! naga selects only scalars and vectors. With a scalar condition, selecting a composite is
//! selecting each member with that condition: the rewrite extracts the members of both
//! operands, selects them (recursing into members that are composites themselves) and
//! constructs the result. A vector condition only goes with vectors, which are left alone.

use super::{op, Inst, Module};

/// Member types of composite `ty` (array of constant length, struct or matrix); [`None`] for
/// scalars, vectors and anything else.
fn members(m: &Module, ty: u32) -> Option<Vec<u32>> {
    let t = m.type_def(ty)?;
    match t.opcode() {
        op::TYPE_STRUCT => Some(t.0[2..].to_vec()),
        op::TYPE_MATRIX => Some(vec![t.operand(1)?; t.operand(2)? as usize]),
        op::TYPE_ARRAY => {
            let len = m.value_def(t.operand(2)?)?;
            if len.opcode() != op::CONSTANT || len.0.len() != 4 {
                return None;
            }
            let (n, elem) = (len.0[3], t.operand(1)?);
            (n <= 256).then(|| vec![elem; n as usize])
        }
        _ => None,
    }
}

/// Emits the selection of `a` or `b` (of type `ty`) by `cond` into `out`; returns its id.
fn select(
    m: &mut Module,
    out: &mut Vec<Inst>,
    ty: u32,
    cond: u32,
    a: u32,
    b: u32,
    result: Option<u32>,
) -> Option<u32> {
    let id = match result {
        Some(r) => r,
        None => m.fresh_id()?,
    };
    let Some(parts) = members(m, ty) else {
        out.push(Inst::new(op::SELECT, &[ty, id, cond, a, b]));
        return Some(id);
    };
    let mut selected = Vec::with_capacity(parts.len());
    for (k, part) in parts.into_iter().enumerate() {
        let (x, y) = (m.fresh_id()?, m.fresh_id()?);
        out.push(Inst::new(op::COMPOSITE_EXTRACT, &[part, x, a, k as u32]));
        out.push(Inst::new(op::COMPOSITE_EXTRACT, &[part, y, b, k as u32]));
        selected.push(select(m, out, part, cond, x, y, None)?);
    }
    let mut words = vec![ty, id];
    words.extend(selected);
    out.push(Inst::new(op::COMPOSITE_CONSTRUCT, &words));
    Some(id)
}

pub(crate) fn lower_composite_select(m: &mut Module) {
    let is_target = |m: &Module, i: &Inst| {
        i.opcode() == op::SELECT && i.0.len() == 6 && members(m, i.0[1]).is_some()
    };
    if !m.insts.iter().any(|i| is_target(m, i)) {
        return;
    }
    let mut n = m.clone();
    let insts = std::mem::take(&mut n.insts);
    // Type lookups need the declarations: keep a copy to look in while rebuilding.
    let mut lookup = n.clone();
    lookup.insts = insts.clone();
    let mut out = Vec::with_capacity(insts.len());
    for i in insts {
        if !is_target(&lookup, &i) {
            out.push(i);
            continue;
        }
        let (ty, result, cond, a, b) = (i.0[1], i.0[2], i.0[3], i.0[4], i.0[5]);
        lookup.header = n.header;
        let Some(_) = select(&mut lookup, &mut out, ty, cond, a, b, Some(result)) else {
            return;
        };
        n.header = lookup.header;
    }
    n.insts = out;
    *m = n;
}

#[cfg(test)]
mod tests {
    /// Selecting a struct holding an array and a matrix, both ways.
    #[test]
    fn composite_select_picks_every_member() {
        let Some(w) = crate::legalize::tests::assemble(
            r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %buf
               OpExecutionMode %main LocalSize 1 1 1
               OpDecorate %B Block
               OpMemberDecorate %B 0 Offset 0
               OpDecorate %ra ArrayStride 4
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %uint = OpTypeInt 32 0
       %bool = OpTypeBool
      %float = OpTypeFloat 32
         %v2 = OpTypeVector %float 2
         %m2 = OpTypeMatrix %v2 2
         %u0 = OpConstant %uint 0
         %u1 = OpConstant %uint 1
         %u2 = OpConstant %uint 2
         %u3 = OpConstant %uint 3
         %u4 = OpConstant %uint 4
         %u5 = OpConstant %uint 5
         %u6 = OpConstant %uint 6
         %u7 = OpConstant %uint 7
         %a2 = OpTypeArray %uint %u2
          %S = OpTypeStruct %a2 %m2
         %ra = OpTypeRuntimeArray %uint
          %B = OpTypeStruct %ra
         %pB = OpTypePointer StorageBuffer %B
         %pu = OpTypePointer StorageBuffer %uint
        %buf = OpVariable %pB StorageBuffer
         %f1 = OpConstant %float 1
         %f2 = OpConstant %float 2
         %f3 = OpConstant %float 3
         %f4 = OpConstant %float 4
         %c1 = OpConstantComposite %v2 %f1 %f2
         %c2 = OpConstantComposite %v2 %f3 %f4
         %ma = OpConstantComposite %m2 %c1 %c2
         %mb = OpConstantComposite %m2 %c2 %c1
        %aa = OpConstantComposite %a2 %u1 %u2
        %ab = OpConstantComposite %a2 %u3 %u4
         %sa = OpConstantComposite %S %aa %ma
         %sb = OpConstantComposite %S %ab %mb
       %main = OpFunction %void None %fn
          %l = OpLabel
         %p0 = OpAccessChain %pu %buf %u0 %u0
          %x = OpLoad %uint %p0
          %c = OpIEqual %bool %x %u0
         %nc = OpLogicalNot %bool %c
         %s1 = OpSelect %S %c %sa %sb
         %s2 = OpSelect %S %nc %sa %sb
         %e1 = OpCompositeExtract %uint %s1 0 1
         %e2 = OpCompositeExtract %uint %s2 0 0
         %g1 = OpCompositeExtract %float %s1 1 0 1
         %g2 = OpCompositeExtract %float %s2 1 1 0
         %h1 = OpConvertFToU %uint %g1
         %h2 = OpConvertFToU %uint %g2
         %q1 = OpAccessChain %pu %buf %u0 %u1
               OpStore %q1 %e1
         %q2 = OpAccessChain %pu %buf %u0 %u2
               OpStore %q2 %e2
         %q3 = OpAccessChain %pu %buf %u0 %u3
               OpStore %q3 %h1
         %q4 = OpAccessChain %pu %buf %u0 %u4
               OpStore %q4 %h2
               OpReturn
               OpFunctionEnd
"#,
            "spv1.4",
        ) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let v = crate::legalize::tests::run_with_buffer(&w, 20);
        // x = 0: s1 = sa (a = [1, 2], m = [[1, 2], [3, 4]]), s2 = sb ([3, 4], [[3, 4], [1, 2]]).
        assert_eq!(v, [0, 2, 3, 2, 1]);
    }
}
