//! Integer signedness taken from the opcode, not the operand types.
//!
//! In SPIR-V the opcode decides: `OpSDiv` divides as signed, `OpULessThan` compares as
//! unsigned, GLSL.std.450 `SMin` takes the signed minimum, whatever the signedness of the
//! operand types (`OpSDiv %uint %a %b` is valid). naga's reader turns them into operations
//! whose meaning comes from the operand types, so such mixes would compute the wrong thing.
//! Each operand whose signedness disagrees with the opcode is bitcast to the opcode's
//! signedness first (same width and size), and an integer result is computed in the opcode's
//! signedness and bitcast back to the declared type. Bitcasts between same-size integers keep
//! the bits, so the result is what SPIR-V specifies.

use foldhash::HashMap;

use super::{op, Inst, Module};

const SIGNED: u32 = 1;
const UNSIGNED: u32 = 0;

const CONVERT_F_TO_U: u16 = 109;
const CONVERT_F_TO_S: u16 = 110;
const CONVERT_S_TO_F: u16 = 111;
const CONVERT_U_TO_F: u16 = 112;
const U_CONVERT: u16 = 113;
const S_CONVERT: u16 = 114;
const S_NEGATE: u16 = 126;
const U_DIV: u16 = 134;
const S_DIV: u16 = 135;
const U_MOD: u16 = 137;
const S_REM: u16 = 138;
const S_MOD: u16 = 139;
const U_GREATER_THAN: u16 = 172;
const S_GREATER_THAN: u16 = 173;
const U_GREATER_THAN_EQUAL: u16 = 174;
const S_GREATER_THAN_EQUAL: u16 = 175;
const U_LESS_THAN: u16 = 176;
const S_LESS_THAN: u16 = 177;
const U_LESS_THAN_EQUAL: u16 = 178;
const S_LESS_THAN_EQUAL: u16 = 179;
const SHIFT_RIGHT_LOGICAL: u16 = 194;
const SHIFT_RIGHT_ARITHMETIC: u16 = 195;

/// What signedness an instruction's integer operands (`operands`: indices into the operand
/// words) and integer result must have.
///
/// The operands are always consecutive words, so a range (a `Vec` was an allocation per
/// instruction with a rule).
#[derive(Clone)]
struct Rule {
    signedness: u32,
    operands: std::ops::Range<usize>,
    result: bool,
}

fn core_rule(opcode: u16) -> Option<Rule> {
    let (signedness, operands, result) = match opcode {
        S_DIV | S_REM | S_MOD => (SIGNED, 2..4, true),
        U_DIV | U_MOD => (UNSIGNED, 2..4, true),
        S_NEGATE => (SIGNED, 2..3, true),
        S_GREATER_THAN | S_GREATER_THAN_EQUAL | S_LESS_THAN | S_LESS_THAN_EQUAL => {
            (SIGNED, 2..4, false)
        }
        U_GREATER_THAN | U_GREATER_THAN_EQUAL | U_LESS_THAN | U_LESS_THAN_EQUAL => {
            (UNSIGNED, 2..4, false)
        }
        // The shift amount's signedness does not matter; the base's does.
        SHIFT_RIGHT_ARITHMETIC => (SIGNED, 2..3, true),
        SHIFT_RIGHT_LOGICAL => (UNSIGNED, 2..3, true),
        CONVERT_S_TO_F => (SIGNED, 2..3, false),
        CONVERT_U_TO_F => (UNSIGNED, 2..3, false),
        // Widening: the source's signedness decides sign or zero extension; the result's
        // bits do not depend on its own signedness.
        S_CONVERT => (SIGNED, 2..3, false),
        U_CONVERT => (UNSIGNED, 2..3, false),
        CONVERT_F_TO_S => (SIGNED, 2..2, true),
        CONVERT_F_TO_U => (UNSIGNED, 2..2, true),
        _ => return None,
    };
    Some(Rule {
        signedness,
        operands,
        result,
    })
}

/// GLSL.std.450 instructions with a signedness (operands counted from the first argument).
fn glsl_rule(instruction: u32, args: usize) -> Option<Rule> {
    let signedness = match instruction {
        5 | 7 | 39 | 42 | 45 | 74 => SIGNED, // SAbs, SSign, SMin, SMax, SClamp, FindSMsb
        38 | 41 | 44 | 75 => UNSIGNED,       // UMin, UMax, UClamp, FindUMsb
        _ => return None,
    };
    // naga gives each result the operand's type (FindSMsb/FindUMsb too), so results are
    // computed in the opcode's signedness and cast back.
    Some(Rule {
        signedness,
        operands: 4..4 + args,
        result: true,
    })
}

/// An integer scalar or vector type: (width, signedness, component count).
fn int_shape(m: &Module, ty: u32) -> Option<(u32, u32, u32)> {
    let def = m.type_def(ty)?;
    let o = def.operands();
    match def.opcode() {
        op::TYPE_INT if o.len() == 3 => Some((o[1], o[2], 1)),
        op::TYPE_VECTOR if o.len() == 3 => {
            let (w, s, _) = int_shape(m, o[1])?;
            Some((w, s, o[2]))
        }
        _ => None,
    }
}

/// Returns whether the module changed.
pub(crate) fn signedness_from_opcode(m: &mut Module) -> bool {
    // The first half of `rewrite` finds what needs a bitcast without changing anything: the
    // module is copied (to be replaced only by a complete rewrite) only when something does.
    if plan(m).is_none_or(|p| p.wanted.is_empty()) {
        return false;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
        return true;
    }
    false
}

/// What the rewrite needs to know, found without changing the module.
struct Plan {
    /// The `GLSL.std.450` import.
    glsl: Option<u32>,
    /// The type of every value with a result type that an instruction with a rule reads.
    type_of: TypeOf,
    /// (type, signedness) pairs some operand or result needs.
    wanted: Vec<(u32, u32)>,
}

/// The type of every value with a result type, by id.
type TypeOf = super::IdTable<u32>;

/// Records the type of `i`'s result in `types`, if it has a result type.
fn record_type(types: &mut TypeOf, i: &Inst) {
    if i.0.len() >= 3 && super::has_result_type(i.opcode()) {
        types.insert(i.0[2], i.0[1]);
    }
}

fn rule_of(glsl: Option<u32>, i: &Inst) -> Option<Rule> {
    if i.opcode() == op::EXT_INST {
        let o = i.operands();
        if o.len() >= 4 && Some(o[2]) == glsl {
            return glsl_rule(o[3], o.len() - 4);
        }
        return None;
    }
    core_rule(i.opcode())
}

fn plan(m: &Module) -> Option<Plan> {
    // One scan finds the import, the instructions that may have a rule (few), the type
    // definitions (by id, in order) and the values' types. A scan for each (and one of the
    // whole module per `int_shape`) was 19K instructions on the compute bench's matmul
    // shader.
    let mut glsl = None;
    let mut types = TypeDefs::default();
    let mut type_of = TypeOf::for_module(m);
    let mut candidates: Vec<&Inst> = Vec::new();
    for i in &m.insts {
        let opcode = i.opcode();
        record_type(&mut type_of, i);
        if (op::TYPE_VOID..=op::TYPE_FORWARD_POINTER).contains(&opcode) {
            types.push(i);
        } else if opcode == op::EXT_INST_IMPORT {
            // The first import of the set, as a search in order would find.
            if glsl.is_none() && super::literal_string(&i.operands()[1..]).0 == "GLSL.std.450" {
                glsl = Some(i.operands()[0]);
            }
        } else if opcode == op::EXT_INST || core_rule(opcode).is_some() {
            candidates.push(i);
        }
    }
    // Rules of extended instructions need the import, found by the whole scan.
    let ruled: Vec<(&Inst, Rule)> = candidates
        .into_iter()
        .filter_map(|i| rule_of(glsl, i).map(|r| (i, r)))
        .collect();
    // Which (type → other-signedness type) conversions are needed.
    let mut wanted: Vec<(u32, u32)> = Vec::new();
    for (i, rule) in ruled {
        let o = i.operands();
        for k in rule.operands.clone() {
            let ty = type_of.get(*o.get(k)?)?;
            if let Some((_, s, _)) = types.int_shape(ty) {
                if s != rule.signedness {
                    wanted.push((ty, rule.signedness));
                }
            }
        }
        if rule.result {
            if let Some((_, s, _)) = types.int_shape(o[0]) {
                if s != rule.signedness {
                    wanted.push((o[0], rule.signedness));
                }
            }
        }
    }
    Some(Plan {
        glsl,
        type_of,
        wanted,
    })
}

/// The type definitions of a module, in order: [`int_shape`] without a scan of the whole
/// module per question.
#[derive(Default)]
struct TypeDefs<'m> {
    defs: Vec<&'m Inst>,
}

impl<'m> TypeDefs<'m> {
    fn push(&mut self, i: &'m Inst) {
        self.defs.push(i);
    }

    /// [`int_shape`], answered from these definitions (the first defining `ty`, as
    /// [`Module::type_def`] finds).
    fn int_shape(&self, ty: u32) -> Option<(u32, u32, u32)> {
        let def = self.defs.iter().find(|i| i.operand(0) == Some(ty))?;
        let o = def.operands();
        match def.opcode() {
            op::TYPE_INT if o.len() == 3 => Some((o[1], o[2], 1)),
            op::TYPE_VECTOR if o.len() == 3 => {
                let (w, s, _) = self.int_shape(o[1])?;
                Some((w, s, o[2]))
            }
            _ => None,
        }
    }
}

fn rewrite(m: &mut Module) -> Option<()> {
    let Plan {
        glsl,
        type_of,
        wanted,
    } = plan(m)?;
    let rule_of = |i: &Inst| rule_of(glsl, i);
    if wanted.is_empty() {
        return None;
    }
    // Make the counterpart types.
    let mut counterpart: HashMap<(u32, u32), u32> = HashMap::default();
    for (ty, s) in wanted {
        if counterpart.contains_key(&(ty, s)) {
            continue;
        }
        let (w, _, n) = int_shape(m, ty)?;
        let scalar = m.intern_type(op::TYPE_INT, &[w, s])?;
        let t = if n == 1 {
            scalar
        } else {
            m.intern_type(op::TYPE_VECTOR, &[scalar, n])?
        };
        counterpart.insert((ty, s), t);
    }
    // Second pass: the bitcasts.
    let insts = std::mem::take(&mut m.insts);
    let mut out = Vec::with_capacity(insts.len() + 16);
    for mut i in insts {
        let Some(rule) = rule_of(&i) else {
            out.push(i);
            continue;
        };
        let mut after = None;
        for k in rule.operands.clone() {
            let id = i.0[k + 1];
            let Some(ty) = type_of.get(id) else {
                continue;
            };
            if let Some(&t) = counterpart.get(&(ty, rule.signedness)) {
                let cast = m.fresh_id()?;
                out.push(Inst::new(op::BITCAST, &[t, cast, id]));
                i.0[k + 1] = cast;
            }
        }
        if rule.result {
            if let Some(&t) = counterpart.get(&(i.0[1], rule.signedness)) {
                let declared = i.0[1];
                let result = i.0[2];
                let fresh = m.fresh_id()?;
                i.0[1] = t;
                i.0[2] = fresh;
                after = Some(Inst::new(op::BITCAST, &[declared, result, fresh]));
            }
        }
        out.push(i);
        out.extend(after);
    }
    m.insts = out;
    Some(())
}

#[cfg(test)]
mod tests {
    /// `OpSDiv`, `OpSLessThan`, `SMin` on unsigned operands and `UMin` on signed ones: the
    /// results must follow the opcode.
    const MIXED: &str = r#"
#version 450
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer B { uint u[8]; int s[8]; };
void main() {
    u[2] = u[0] / u[1];
    s[2] = min(s[0], s[1]);
}
"#;

    #[test]
    fn signed_opcodes_on_unsigned_operands_follow_the_opcode() {
        // glslang never mixes signedness, so patch its output: UDiv → SDiv and SMin → UMin.
        let Some(mut w) = crate::legalize::tests::glsl_comp(MIXED) else {
            return;
        };
        let mut i = 5;
        while i < w.len() {
            let wc = (w[i] >> 16) as usize;
            let opcode = (w[i] & 0xffff) as u16;
            if opcode == super::U_DIV {
                w[i] = (w[i] & 0xffff_0000) | u32::from(super::S_DIV);
            }
            if opcode == super::op::EXT_INST && wc >= 5 && w[i + 4] == 39 {
                w[i + 4] = 38; // SMin → UMin
            }
            i += wc.max(1);
        }
        let program = crate::compute::ComputeProgram::new(&w, "main", &[]).unwrap();
        let memory = pumice_memory::DeviceMemory::new(64).unwrap();
        // u: -8 / 3 as signed = -2; s: umin(-1, 5) = 5.
        let words: [u32; 16] = [
            (-8i32) as u32,
            3,
            0,
            0,
            0,
            0,
            0,
            0,
            u32::MAX,
            5,
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        memory.write(0, &bytes).unwrap();
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![(
                (0, 0, 0),
                crate::compute::BufferSlice {
                    memory: &memory,
                    offset: 0,
                    size: 64,
                },
            )],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let mut out = [0u8; 64];
        memory.read(0, &mut out).unwrap();
        let word = |k: usize| u32::from_le_bytes(out[4 * k..4 * k + 4].try_into().unwrap());
        assert_eq!(word(2) as i32, -2);
        assert_eq!(word(10), 5);
    }
}
