//! Arrays of user-defined inputs and outputs → one variable per element plus a private copy.
//!
//! naga's validator refuses arrays in the entry point interface ("The type [N] cannot be used
//! for user-defined entry point inputs or outputs"), which Vulkan allows: `in float c[3]` at
//! location L is three floats at locations L, L+1, L+2 (an element of at most four 32-bit
//! components takes one location). The rewrite:
//!
//! - declares one input/output variable per element, with location L+k and the array
//!   variable's other decorations (`Flat`, `Centroid`, `Component`, …);
//! - turns the array variable into a `Private` one of the same type, so every access to it
//!   (constant or dynamic index, whole loads and stores) stays as it was, only with `Private`
//!   pointer types;
//! - copies the inputs into it at the start of the entry point, and the private copy out to
//!   the outputs before each `OpReturn` of the entry point.
//!
//! The meaning is unchanged: an input is read-only, so its copy holds the same values all
//! along; an output is only observed after the entry point returns. (An invocation ended by
//! `OpKill` or `OpTerminateInvocation` writes no outputs at all.)
//!
//! It applies only where it is simple: a single entry point uses the variable, its element
//! type is a 32-bit scalar or vector, it has a `Location` and no `BuiltIn`, and every use of
//! it and of the pointers derived from it is a load, a store, an access chain, a name, a
//! decoration or the entry point's interface. Anything else leaves the variable alone, and
//! naga refuses the module as before.

use super::{literal_string, op, Inst, Module};

const STORAGE_INPUT: u32 = 1;
const STORAGE_OUTPUT: u32 = 3;
const STORAGE_PRIVATE: u32 = 6;
const DECORATION_BUILT_IN: u32 = 11;
const DECORATION_LOCATION: u32 = 30;

/// Returns whether the module changed (most modules have arrays, few have array inputs or
/// outputs: the summary is then not rescanned).
pub(crate) fn split_io_arrays(m: &mut Module) -> bool {
    // Candidate variables first; each is rewritten on a copy that replaces the module only
    // when the whole rewrite went through.
    let candidates: Vec<u32> = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == op::VARIABLE
                && i.0.len() >= 4
                && matches!(i.0[3], STORAGE_INPUT | STORAGE_OUTPUT)
        })
        .map(|i| (i.0[1], i.0[2]))
        // Only arrays: the module copy below is most of this pass's cost, and the built-in
        // inputs every compute shader has are not arrays.
        .filter(|&(ptr_ty, _)| {
            m.type_def(ptr_ty)
                .and_then(|p| p.operand(2))
                .and_then(|t| m.type_def(t))
                .is_some_and(|t| t.opcode() == op::TYPE_ARRAY)
        })
        .map(|(_, var)| var)
        .collect();
    let mut changed = false;
    for var in candidates {
        let mut n = m.clone();
        if split(&mut n, var).is_some() {
            *m = n;
            changed = true;
        }
    }
    changed
}

/// Is `ty` a 32-bit scalar or a vector of them (what takes exactly one location)?
fn is_one_location(m: &Module, ty: u32) -> bool {
    let Some(t) = m.type_def(ty) else {
        return false;
    };
    match t.opcode() {
        op::TYPE_INT | op::TYPE_FLOAT => t.operand(1) == Some(32),
        op::TYPE_VECTOR => t.operand(1).is_some_and(|c| is_one_location(m, c)),
        _ => false,
    }
}

/// The value of a 32-bit integer `OpConstant`.
fn constant_value(m: &Module, id: u32) -> Option<u32> {
    let c = m.value_def(id)?;
    if c.opcode() != op::CONSTANT || c.0.len() != 4 {
        return None;
    }
    let t = m.type_def(c.0[1])?;
    (t.opcode() == op::TYPE_INT && t.operand(1) == Some(32)).then_some(c.0[3])
}

fn split(m: &mut Module, var: u32) -> Option<()> {
    let vi = m.find(op::VARIABLE, |o| o.len() >= 3 && o[1] == var)?;
    let (ptr_ty, storage) = (m.insts[vi].0[1], m.insts[vi].0[3]);
    let ptr = m.type_def(ptr_ty)?;
    let array_ty = ptr.operand(2)?;
    let array = m.type_def(array_ty)?;
    if array.opcode() != op::TYPE_ARRAY {
        return None;
    }
    let (elem, len_id) = (array.operand(1)?, array.operand(2)?);
    let len = constant_value(m, len_id)?;
    if !is_one_location(m, elem) || len == 0 || len > 32 {
        return None;
    }
    // Decorations: a Location, no BuiltIn; the others are copied to each element.
    let mut location = None;
    let mut copied = Vec::new();
    for inst in &m.insts {
        if inst.opcode() == op::DECORATE && inst.operand(0) == Some(var) {
            match inst.operand(1)? {
                DECORATION_LOCATION => location = Some(inst.operand(2)?),
                DECORATION_BUILT_IN => return None,
                _ => copied.push(inst.operands()[1..].to_vec()),
            }
        } else if matches!(
            inst.opcode(),
            op::DECORATION_GROUP | op::GROUP_DECORATE | op::DECORATE_ID | op::DECORATE_STRING
        ) && inst.operands().contains(&var)
        {
            return None;
        }
    }
    let location = location?;
    // Exactly one entry point lists it.
    let mut entry = None;
    for (i, inst) in m.insts.iter().enumerate() {
        if inst.opcode() == op::ENTRY_POINT && inst.0.len() >= 3 {
            let (_, used) = literal_string(&inst.operands()[2..]);
            if inst.operands()[2 + used..].contains(&var) {
                if entry.is_some() {
                    return None;
                }
                entry = Some((i, inst.operands()[1]));
            }
        }
    }
    let (entry_index, entry_fn) = entry?;
    // Every use of the variable or of a pointer derived from it is one we can retype.
    let mut pointers = vec![var];
    let mut k = 0;
    while k < pointers.len() {
        let p = pointers[k];
        k += 1;
        for inst in &m.insts {
            let o = inst.operands();
            if !super::uses_id(inst, p) {
                continue;
            }
            match inst.opcode() {
                op::VARIABLE | op::ENTRY_POINT if p == var => {}
                op::NAME | op::DECORATE if o[0] == p => {}
                op::LOAD if o.len() >= 3 && o[2] == p && !o[..2].contains(&p) => {}
                op::STORE if o.len() >= 2 && o[0] == p && !o[1..].contains(&p) => {}
                op::ACCESS_CHAIN | op::IN_BOUNDS_ACCESS_CHAIN
                    if o.len() >= 3
                        && o[2] == p
                        && !o[..2].contains(&p)
                        && !o[3..].contains(&p) =>
                {
                    pointers.push(o[1]);
                }
                _ => return None,
            }
        }
    }
    // The rewrite. New types and constants go in first (shifting indices, so instructions
    // are looked up again by id afterwards).
    let elem_ptr = m.intern_type(op::TYPE_POINTER, &[storage, elem])?;
    let private_array_ptr = m.intern_type(op::TYPE_POINTER, &[STORAGE_PRIVATE, array_ty])?;
    let private_elem_ptr = m.intern_type(op::TYPE_POINTER, &[STORAGE_PRIVATE, elem])?;
    let uint = m.intern_type(op::TYPE_INT, &[32, 0])?;
    let mut elems = Vec::new();
    for k in 0..len {
        let index = m.constant32(uint, k)?;
        elems.push((m.fresh_id()?, index));
    }
    // Retype the chains: a pointer into the variable now points into Private memory.
    let chain_results = pointers[1..].to_vec();
    for r in chain_results {
        let ci = m
            .find(op::ACCESS_CHAIN, |o| o.len() >= 3 && o[1] == r)
            .or_else(|| m.find(op::IN_BOUNDS_ACCESS_CHAIN, |o| o.len() >= 3 && o[1] == r))?;
        let old_ty = m.insts[ci].0[1];
        let old = m.type_def(old_ty)?;
        if old.opcode() != op::TYPE_POINTER || old.operand(1) != Some(storage) {
            return None;
        }
        let pointee = old.operand(2)?;
        let new_ty = m.intern_type(op::TYPE_POINTER, &[STORAGE_PRIVATE, pointee])?;
        let ci = m
            .find(op::ACCESS_CHAIN, |o| o.len() >= 3 && o[1] == r)
            .or_else(|| m.find(op::IN_BOUNDS_ACCESS_CHAIN, |o| o.len() >= 3 && o[1] == r))?;
        m.insts[ci].0[1] = new_ty;
    }
    // The variable becomes Private; the element variables follow it.
    let vi = m.find(op::VARIABLE, |o| o.len() >= 3 && o[1] == var)?;
    m.insts[vi].0[1] = private_array_ptr;
    m.insts[vi].0[3] = STORAGE_PRIVATE;
    let new_vars: Vec<Inst> = elems
        .iter()
        .map(|&(id, _)| Inst::new(op::VARIABLE, &[elem_ptr, id, storage]))
        .collect();
    m.insts.splice(vi + 1..vi + 1, new_vars);
    // Decorations: drop the variable's, give each element its location and the rest.
    m.insts
        .retain(|i| !(i.opcode() == op::DECORATE && i.operand(0) == Some(var)));
    let annotations_end = m
        .insts
        .iter()
        .rposition(|i| matches!(i.opcode(), op::DECORATE | op::MEMBER_DECORATE))
        .map_or_else(|| m.globals_end_of_preamble(), |p| p + 1);
    let mut decorations = Vec::new();
    for (k, &(id, _)) in elems.iter().enumerate() {
        decorations.push(Inst::new(
            op::DECORATE,
            &[id, DECORATION_LOCATION, location.checked_add(k as u32)?],
        ));
        for d in &copied {
            let mut words = vec![id];
            words.extend_from_slice(d);
            decorations.push(Inst::new(op::DECORATE, &words));
        }
    }
    m.insts
        .splice(annotations_end..annotations_end, decorations);
    // The interface: the element variables replace the array (SPIR-V 1.4 and later list
    // every global the entry point uses, Private ones included, so the array stays there).
    let entry_index = if entry_index >= annotations_end {
        return None;
    } else {
        entry_index
    };
    {
        let e = &mut m.insts[entry_index];
        // Only the interface words, after the name: a literal may equal the id.
        let (_, used) = literal_string(e.operands().get(2..)?);
        let interface_start = 3 + used;
        if m.header[1] < 0x0001_0400 {
            let mut k = interface_start;
            while k < e.0.len() {
                if e.0[k] == var {
                    e.0.remove(k);
                } else {
                    k += 1;
                }
            }
        }
        e.0.extend(elems.iter().map(|&(id, _)| id));
        e.fix_count();
    }
    // The copies, in the entry point's function.
    let f = m.find(op::FUNCTION, |o| o.len() >= 2 && o[1] == entry_fn)?;
    let end = f + m.insts[f..]
        .iter()
        .position(|i| i.opcode() == op::FUNCTION_END)?;
    let mut body = Vec::new();
    let mut in_entry_block = false;
    let mut seen_label = false;
    for inst in &m.insts[f..end] {
        let opc = inst.opcode();
        if opc == op::LABEL && !seen_label {
            seen_label = true;
            in_entry_block = true;
            body.push(inst.clone());
            continue;
        }
        if in_entry_block && opc != op::VARIABLE && opc != op::LINE && opc != op::NO_LINE {
            in_entry_block = false;
            if storage == STORAGE_INPUT {
                for &(id, index) in &elems {
                    let (v, p) = (m.header[3], m.header[3] + 1);
                    m.header[3] = m.header[3].checked_add(2)?;
                    body.push(Inst::new(op::LOAD, &[elem, v, id]));
                    body.push(Inst::new(
                        op::ACCESS_CHAIN,
                        &[private_elem_ptr, p, var, index],
                    ));
                    body.push(Inst::new(op::STORE, &[p, v]));
                }
            }
        }
        if opc == op::RETURN && storage == STORAGE_OUTPUT {
            for &(id, index) in &elems {
                let (v, p) = (m.header[3], m.header[3] + 1);
                m.header[3] = m.header[3].checked_add(2)?;
                body.push(Inst::new(
                    op::ACCESS_CHAIN,
                    &[private_elem_ptr, p, var, index],
                ));
                body.push(Inst::new(op::LOAD, &[elem, v, p]));
                body.push(Inst::new(op::STORE, &[id, v]));
            }
        }
        body.push(inst.clone());
    }
    if in_entry_block || !seen_label || m.header[3] == u32::MAX {
        return None;
    }
    m.insts.splice(f..end, body);
    Some(())
}

impl Module {
    /// Where annotations end when there are none: before the first type or global.
    fn globals_end_of_preamble(&self) -> usize {
        self.insts
            .iter()
            .position(|i| (op::TYPE_VOID..=op::TYPE_FORWARD_POINTER).contains(&i.opcode()))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::assemble;

    /// `in float c[3]` copied to `out float o[3]` with a dynamic index, as glslang writes it.
    const FRAG: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint Fragment %main "main" %out %in
               OpExecutionMode %main OriginUpperLeft
               OpDecorate %out Location 0
               OpDecorate %in Location 2
               OpDecorate %in Flat
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
        %int = OpTypeInt 32 1
     %ptr_fi = OpTypePointer Function %int
      %int_0 = OpConstant %int 0
      %int_1 = OpConstant %int 1
      %int_3 = OpConstant %int 3
       %bool = OpTypeBool
      %float = OpTypeFloat 32
       %uint = OpTypeInt 32 0
     %uint_3 = OpConstant %uint 3
        %arr = OpTypeArray %float %uint_3
      %p_out = OpTypePointer Output %arr
        %out = OpVariable %p_out Output
       %p_in = OpTypePointer Input %arr
         %in = OpVariable %p_in Input
      %pi_fl = OpTypePointer Input %float
      %po_fl = OpTypePointer Output %float
       %main = OpFunction %void None %fn
          %5 = OpLabel
          %i = OpVariable %ptr_fi Function
               OpStore %i %int_0
               OpBranch %10
         %10 = OpLabel
               OpLoopMerge %12 %13 None
               OpBranch %14
         %14 = OpLabel
         %15 = OpLoad %int %i
         %18 = OpSLessThan %bool %15 %int_3
               OpBranchConditional %18 %11 %12
         %11 = OpLabel
         %25 = OpLoad %int %i
         %30 = OpAccessChain %pi_fl %in %25
         %31 = OpLoad %float %30
         %33 = OpAccessChain %po_fl %out %25
               OpStore %33 %31
               OpBranch %13
         %13 = OpLabel
         %34 = OpLoad %int %i
         %36 = OpIAdd %int %34 %int_1
               OpStore %i %36
               OpBranch %10
         %12 = OpLabel
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn splits_input_and_output_arrays() {
        let Some(w) = assemble(FRAG, "vulkan1.0") else {
            return;
        };
        assert!(crate::front::parse_unlegalized(&w).is_err());
        if let Ok(path) = std::env::var("PUMICE_DUMP_LEGAL") {
            let out = super::super::legalize(&w).unwrap();
            let bytes: Vec<u8> = out.iter().flat_map(|x| x.to_le_bytes()).collect();
            std::fs::write(path, bytes).unwrap();
        }
        let (module, _) = crate::parse(&w).unwrap_or_else(|e| panic!("{e}"));
        let ep = &module.entry_points[0];
        let locations: Vec<String> = ep
            .function
            .arguments
            .iter()
            .map(|a| format!("{:?}", a.binding))
            .collect();
        assert_eq!(locations.len(), 3, "{locations:?}");
        for (k, l) in locations.iter().enumerate() {
            assert!(l.contains(&format!("location: {}", 2 + k)), "{l}");
            assert!(l.contains("Flat"), "{l}");
        }
        let result_ty = ep.function.result.as_ref().unwrap().ty;
        let result = format!("{:?}", module.types[result_ty]);
        for k in 0..3 {
            assert!(result.contains(&format!("location: {k}")), "{result}");
        }
    }

    #[test]
    fn leaves_arrays_with_other_uses_alone() {
        // A pointer into the input passed through OpCopyObject: not a use the rewrite knows.
        let text = FRAG.replace(
            "%31 = OpLoad %float %30",
            "%40 = OpCopyObject %pi_fl %30\n%31 = OpLoad %float %40",
        );
        let Some(w) = assemble(&text, "vulkan1.0") else {
            return;
        };
        assert!(crate::parse(&w).is_err());
    }
}
