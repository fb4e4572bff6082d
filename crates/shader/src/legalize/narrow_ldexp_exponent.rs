//! GLSL.std.450 `Ldexp` with a 64-bit exponent → a clamped 32-bit exponent.
//!
//! naga only takes 32-bit exponents. `ldexp(x, e)` is `x · 2^e`; for any float of 16, 32 or 64
//! bits a non-zero finite `x` lies within 2^-1075 .. 2^1024, so an exponent beyond ±4096 already
//! gives the overflowed (±inf) or underflowed (±0) result, and the same as ±4096 does. The
//! exponent is clamped to that range (signed, as `Ldexp` reads it) and converted, which keeps
//! every result bit for bit. The comparisons are written on the exponent's own type;
//! [`super::signedness_from_opcode`], which runs after, makes an unsigned one signed.

use super::{op, Inst, Module};

const GLSL_LDEXP: u32 = 53;
const S_LESS_THAN: u16 = 177;
const S_GREATER_THAN: u16 = 173;
const S_CONVERT: u16 = 114;
const LIMIT: i64 = 4096;

/// (components, signedness) of a 64-bit integer scalar or vector type.
fn int64_shape(m: &Module, ty: u32) -> Option<(u32, u32)> {
    let t = m.type_def(ty)?;
    match t.opcode() {
        op::TYPE_INT if t.operand(1) == Some(64) => Some((1, t.operand(2)?)),
        op::TYPE_VECTOR => {
            let (c, s) = int64_shape(m, t.operand(1)?)?;
            (c == 1).then_some((t.operand(2)?, s))
        }
        _ => None,
    }
}

fn constant64(m: &mut Module, ty: u32, n: u32, scalar: u32, v: i64) -> Option<u32> {
    let (lo, hi) = (v as u32, (v as u64 >> 32) as u32);
    let c = match m.find(op::CONSTANT, |o| {
        o.len() == 4 && o[0] == scalar && o[2..] == [lo, hi]
    }) {
        Some(i) => m.insts[i].operands()[1],
        None => {
            let id = m.fresh_id()?;
            let at = m.globals_end();
            m.insts
                .insert(at, Inst::new(op::CONSTANT, &[scalar, id, lo, hi]));
            id
        }
    };
    if n == 1 {
        return Some(c);
    }
    let id = m.fresh_id()?;
    let mut words = vec![ty, id];
    words.extend(std::iter::repeat_n(c, n as usize));
    let at = m.globals_end();
    m.insts
        .insert(at, Inst::new(op::CONSTANT_COMPOSITE, &words));
    Some(id)
}

pub(crate) fn narrow_ldexp_exponent(m: &mut Module) {
    let Some(glsl) = m
        .insts
        .iter()
        .find(|i| {
            i.opcode() == op::EXT_INST_IMPORT
                && super::literal_string(&i.operands()[1..]).0 == "GLSL.std.450"
        })
        .map(|i| i.operands()[0])
    else {
        return;
    };
    let mut k = 0;
    while k < m.insts.len() {
        let i = &m.insts[k];
        if !(i.opcode() == op::EXT_INST && i.0.len() == 7 && i.0[3] == glsl && i.0[4] == GLSL_LDEXP)
        {
            k += 1;
            continue;
        }
        let e = i.0[6];
        let Some(ety) = m.value_def(e).and_then(|d| d.operand(0)) else {
            k += 1;
            continue;
        };
        let Some((n, signedness)) = int64_shape(m, ety) else {
            k += 1;
            continue;
        };
        let before = m.insts.len();
        let Some(ids) = (|| {
            let scalar = m.intern_type(op::TYPE_INT, &[64, signedness])?;
            let int = m.intern_type(op::TYPE_INT, &[32, 1])?;
            let boolean = m.intern_type(op::TYPE_BOOL, &[])?;
            let (ity, bty) = if n == 1 {
                (int, boolean)
            } else {
                (
                    m.intern_type(op::TYPE_VECTOR, &[int, n])?,
                    m.intern_type(op::TYPE_VECTOR, &[boolean, n])?,
                )
            };
            let lo = constant64(m, ety, n, scalar, -LIMIT)?;
            let hi = constant64(m, ety, n, scalar, LIMIT)?;
            let ids = [(); 5].map(|_| m.fresh_id());
            Some((ity, bty, lo, hi, ids.map(|x| x.unwrap_or(0))))
        })() else {
            return;
        };
        let (ity, bty, lo, hi, [below, e1, above, e2, e32]) = ids;
        if e32 == 0 {
            return;
        }
        let k2 = k + (m.insts.len() - before);
        let code = [
            Inst::new(S_LESS_THAN, &[bty, below, e, lo]),
            Inst::new(op::SELECT, &[ety, e1, below, lo, e]),
            Inst::new(S_GREATER_THAN, &[bty, above, e1, hi]),
            Inst::new(op::SELECT, &[ety, e2, above, hi, e1]),
            Inst::new(S_CONVERT, &[ity, e32, e2]),
        ];
        m.insts[k2].0[6] = e32;
        m.insts.splice(k2..k2, code);
        k = k2 + 6;
    }
}

#[cfg(test)]
mod tests {
    /// `ldexp` of floats and doubles with 64-bit exponents, in range and far outside it.
    #[test]
    fn ldexp_with_64_bit_exponents() {
        let Some(w) = crate::legalize::tests::assemble(
            r#"
               OpCapability Shader
               OpCapability Int64
               OpCapability Float64
          %glsl = OpExtInstImport "GLSL.std.450"
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main" %gid
               OpExecutionMode %main LocalSize 4 1 1
               OpDecorate %gid BuiltIn GlobalInvocationId
               OpDecorate %ae ArrayStride 8
               OpDecorate %af ArrayStride 4
               OpDecorate %ad ArrayStride 8
               OpDecorate %B Block
               OpMemberDecorate %B 0 Offset 0
               OpMemberDecorate %B 1 Offset 32
               OpMemberDecorate %B 2 Offset 48
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %uint = OpTypeInt 32 0
      %uint3 = OpTypeVector %uint 3
        %i64 = OpTypeInt 64 1
        %f32 = OpTypeFloat 32
        %f64 = OpTypeFloat 64
         %u4 = OpConstant %uint 4
         %u0 = OpConstant %uint 0
         %u1 = OpConstant %uint 1
         %u2 = OpConstant %uint 2
         %ae = OpTypeArray %i64 %u4
         %af = OpTypeArray %f32 %u4
         %ad = OpTypeArray %f64 %u4
          %B = OpTypeStruct %ae %af %ad
         %pB = OpTypePointer StorageBuffer %B
         %pe = OpTypePointer StorageBuffer %i64
         %pf = OpTypePointer StorageBuffer %f32
         %pd = OpTypePointer StorageBuffer %f64
        %pin = OpTypePointer Input %uint3
        %buf = OpVariable %pB StorageBuffer
        %gid = OpVariable %pin Input
       %main = OpFunction %void None %fn
          %l = OpLabel
         %g3 = OpLoad %uint3 %gid
          %i = OpCompositeExtract %uint %g3 0
         %ep = OpAccessChain %pe %buf %u0 %i
          %e = OpLoad %i64 %ep
         %fp = OpAccessChain %pf %buf %u1 %i
          %f = OpLoad %f32 %fp
         %dp = OpAccessChain %pd %buf %u2 %i
          %d = OpLoad %f64 %dp
         %f2 = OpExtInst %f32 %glsl Ldexp %f %e
         %d2 = OpExtInst %f64 %glsl Ldexp %d %e
               OpStore %fp %f2
               OpStore %dp %d2
               OpReturn
               OpFunctionEnd
"#,
            "vulkan1.1",
        ) else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let exps: [i64; 4] = [3, -1, i64::MIN + 5, (1 << 40) + 1];
        let fs: [f32; 4] = [1.5, 3.0, 2.0, 1e-30];
        let ds: [f64; 4] = [-1.25, 5e-324, 1e300, 1e-300];
        let mut bytes = Vec::new();
        exps.iter().for_each(|v| bytes.extend(v.to_le_bytes()));
        fs.iter().for_each(|v| bytes.extend(v.to_le_bytes()));
        ds.iter().for_each(|v| bytes.extend(v.to_le_bytes()));
        let memory = pumice_memory::DeviceMemory::new(bytes.len() as u64).unwrap();
        memory.write(0, &bytes).unwrap();
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![(
                (0, 0, 0),
                crate::compute::BufferSlice {
                    memory: &memory,
                    offset: 0,
                    size: bytes.len() as u64,
                },
            )],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let mut out = vec![0u8; bytes.len()];
        memory.read(0, &mut out).unwrap();
        let f = |k: usize| f32::from_le_bytes(out[32 + 4 * k..36 + 4 * k].try_into().unwrap());
        let d = |k: usize| f64::from_le_bytes(out[48 + 8 * k..56 + 8 * k].try_into().unwrap());
        assert_eq!([f(0), f(1), f(2), f(3)], [12.0, 1.5, 0.0, f32::INFINITY]);
        assert_eq!([d(0), d(1), d(2), d(3)], [-10.0, 0.0, 0.0, f64::INFINITY]);
    }
}
