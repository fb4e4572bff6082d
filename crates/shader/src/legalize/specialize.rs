//! Applies specialization: every specialization constant becomes a plain constant.
//!
//! - `OpSpecConstantTrue/False/OpSpecConstant` take the value given for their `SpecId`, or
//!   their default, and become `OpConstantTrue/False/OpConstant`; their `SpecId` decorations go.
//! - `OpSpecConstantComposite` becomes `OpConstantComposite`.
//! - `OpSpecConstantOp` is evaluated here, with the SPIR-V semantics of the operation, into an
//!   `OpConstant*` (a vector result becomes new component constants and an
//!   `OpConstantComposite`). The operations are those Vulkan allows on integer and boolean
//!   scalars and vectors, and `OpFConvert` between 32 and 64 bits.
//! - `OpExecutionModeId LocalSizeId` becomes `OpExecutionMode LocalSize` with the values.
//! - A constant decorated `BuiltIn WorkgroupSize` stays a constant composite, and, since it takes
//!   precedence over `LocalSize` (naga reads only the execution mode), its value becomes the
//!   `LocalSize` of every compute-like entry point.
//!
//! Anything that cannot be evaluated exactly (an operation outside that set, a division by zero,
//! an out-of-range shift, an undefined shuffle component, a value of an unknown type) leaves the
//! module unchanged, so naga refuses it as it did before.

use foldhash::HashMap;

use super::{op, Inst, Module};

const TYPE_BOOL: u16 = 20;
const TYPE_FLOAT: u16 = 22;
const TYPE_VECTOR: u16 = 23;
const CONSTANT_TRUE: u16 = 41;
const CONSTANT_FALSE: u16 = 42;
const CONSTANT: u16 = 43;
const CONSTANT_COMPOSITE: u16 = 44;
const CONSTANT_NULL: u16 = 46;
const SPEC_CONSTANT_TRUE: u16 = 48;
const SPEC_CONSTANT_FALSE: u16 = 49;
const SPEC_CONSTANT: u16 = 50;
const SPEC_CONSTANT_COMPOSITE: u16 = 51;
const SPEC_CONSTANT_OP: u16 = 52;

const DECORATION_SPEC_ID: u32 = 1;
const DECORATION_BUILT_IN: u32 = 11;
const DECORATION_FP_ROUNDING_MODE: u32 = 39;
const BUILT_IN_WORKGROUP_SIZE: u32 = 25;
const MODE_LOCAL_SIZE: u32 = 17;
const MODE_LOCAL_SIZE_ID: u32 = 38;

/// Execution models whose workgroup size `LocalSize` sets: GLCompute, Kernel, TaskNV, MeshNV,
/// TaskEXT, MeshEXT.
const COMPUTE_LIKE: [u32; 6] = [5, 6, 5267, 5268, 5364, 5365];

/// Operations of `OpSpecConstantOp`.
mod sop {
    pub const VECTOR_SHUFFLE: u32 = 79;
    pub const COMPOSITE_EXTRACT: u32 = 81;
    pub const COMPOSITE_INSERT: u32 = 82;
    pub const U_CONVERT: u32 = 113;
    pub const S_CONVERT: u32 = 114;
    pub const F_CONVERT: u32 = 115;
    pub const S_NEGATE: u32 = 126;
    pub const I_ADD: u32 = 128;
    pub const I_SUB: u32 = 130;
    pub const I_MUL: u32 = 132;
    pub const U_DIV: u32 = 134;
    pub const S_DIV: u32 = 135;
    pub const U_MOD: u32 = 137;
    pub const S_REM: u32 = 138;
    pub const S_MOD: u32 = 139;
    pub const LOGICAL_EQUAL: u32 = 164;
    pub const LOGICAL_NOT_EQUAL: u32 = 165;
    pub const LOGICAL_OR: u32 = 166;
    pub const LOGICAL_AND: u32 = 167;
    pub const LOGICAL_NOT: u32 = 168;
    pub const SELECT: u32 = 169;
    pub const I_EQUAL: u32 = 170;
    pub const I_NOT_EQUAL: u32 = 171;
    pub const U_GREATER_THAN: u32 = 172;
    pub const S_GREATER_THAN: u32 = 173;
    pub const U_GREATER_THAN_EQUAL: u32 = 174;
    pub const S_GREATER_THAN_EQUAL: u32 = 175;
    pub const U_LESS_THAN: u32 = 176;
    pub const S_LESS_THAN: u32 = 177;
    pub const U_LESS_THAN_EQUAL: u32 = 178;
    pub const S_LESS_THAN_EQUAL: u32 = 179;
    pub const SHIFT_RIGHT_LOGICAL: u32 = 194;
    pub const SHIFT_RIGHT_ARITHMETIC: u32 = 195;
    pub const SHIFT_LEFT_LOGICAL: u32 = 196;
    pub const BITWISE_OR: u32 = 197;
    pub const BITWISE_XOR: u32 = 198;
    pub const BITWISE_AND: u32 = 199;
    pub const NOT: u32 = 200;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    Bool,
    Int { width: u32, signed: bool },
    Float { width: u32 },
}

impl Scalar {
    fn width(self) -> u32 {
        match self {
            Scalar::Bool => 1,
            Scalar::Int { width, .. } | Scalar::Float { width } => width,
        }
    }
    fn is_int(self) -> bool {
        matches!(self, Scalar::Int { .. })
    }
}

/// A scalar or vector type: its component type and, for a vector, its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ty {
    scalar: Scalar,
    size: Option<usize>,
}

/// A constant's value: its type and its components' bits (one for a scalar), each masked to
/// the component's width; booleans are 0 or 1.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Value {
    ty: Ty,
    comps: Vec<u64>,
}

fn mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// `v` (of `width` bits) sign-extended to 64 bits.
fn sext(v: u64, width: u32) -> i64 {
    if width >= 64 || width == 0 {
        v as i64
    } else {
        let s = 64 - width;
        ((v << s) as i64) >> s
    }
}

/// Reads the literal of an `OpConstant`/`OpSpecConstant` of scalar type `s`.
fn decode(s: Scalar, words: &[u32]) -> Option<u64> {
    match (s, words) {
        (Scalar::Bool, _) => None,
        (_, [lo]) if s.width() <= 32 => Some(u64::from(*lo) & mask(s.width())),
        (_, [lo, hi]) if s.width() == 64 => Some(u64::from(*lo) | (u64::from(*hi) << 32)),
        _ => None,
    }
}

/// The literal words of a scalar of type `s` with bits `v`.
fn encode(s: Scalar, v: u64) -> Vec<u32> {
    let w = s.width();
    if w == 64 {
        return vec![v as u32, (v >> 32) as u32];
    }
    let v = v & mask(w);
    match s {
        // Narrow signed integers are sign-extended to the word.
        Scalar::Int { signed: true, .. } => vec![sext(v, w) as u32],
        _ => vec![v as u32],
    }
}

/// The instruction(s) defining constant `id` of type `ty_id` with value `v`: a scalar
/// constant, or component constants (with fresh ids) and a composite.
fn emit(
    next_id: &mut u32,
    ty_id: u32,
    id: u32,
    v: &Value,
    scalar_ty: Option<u32>,
) -> Option<Vec<Inst>> {
    let scalar_inst = |ty: u32, id: u32, s: Scalar, bits: u64| match s {
        Scalar::Bool if bits != 0 => Inst::new(CONSTANT_TRUE, &[ty, id]),
        Scalar::Bool => Inst::new(CONSTANT_FALSE, &[ty, id]),
        _ => {
            let mut ops = vec![ty, id];
            ops.extend(encode(s, bits));
            Inst::new(CONSTANT, &ops)
        }
    };
    match v.ty.size {
        None => Some(vec![scalar_inst(ty_id, id, v.ty.scalar, *v.comps.first()?)]),
        Some(_) => {
            let comp_ty = scalar_ty?;
            let mut out = Vec::with_capacity(v.comps.len() + 1);
            let mut ids = Vec::with_capacity(v.comps.len());
            for &c in &v.comps {
                let cid = fresh_id(next_id)?;
                out.push(scalar_inst(comp_ty, cid, v.ty.scalar, c));
                ids.push(cid);
            }
            let mut ops = vec![ty_id, id];
            ops.extend(ids);
            out.push(Inst::new(CONSTANT_COMPOSITE, &ops));
            Some(out)
        }
    }
}

/// The id `next` names, moving it on ([`Module::fresh_id`] before the module is changed).
fn fresh_id(next: &mut u32) -> Option<u32> {
    let id = *next;
    if id == u32::MAX {
        return None;
    }
    *next += 1;
    Some(id)
}

pub(crate) fn specialize(m: &mut Module, specialization: &[(u32, u64)]) {
    // Nothing to do (the common case) without specialization constants, `LocalSizeId`, a
    // `WorkgroupSize` built-in or rounding-mode decorations.
    let work = m.insts.iter().any(|i| {
        (SPEC_CONSTANT_TRUE..=SPEC_CONSTANT_OP).contains(&i.opcode())
            || i.opcode() == op::EXECUTION_MODE_ID
            || i.opcode() == op::DECORATE
                && matches!(
                    i.operands(),
                    [_, DECORATION_FP_ROUNDING_MODE, _]
                        | [_, DECORATION_BUILT_IN, BUILT_IN_WORKGROUP_SIZE]
                )
    });
    if work && !constant_workgroup_size(m) {
        let _ = try_specialize(m, specialization);
    }
}

/// The common case of a compute shader from GLSL: no specialization constants, only a
/// `WorkgroupSize` constant (glslang declares one for every `local_size`), a composite of
/// plain 32-bit integer constants. Its value becomes the `LocalSize`, as [`try_specialize`]
/// would make it, without the tables of every type and constant (that walk was 4% of a cold
/// compile). Returns `false`, changing nothing, for anything else.
fn constant_workgroup_size(m: &mut Module) -> bool {
    let mut target = None;
    for i in &m.insts {
        match (i.opcode(), i.operands()) {
            (SPEC_CONSTANT_TRUE..=SPEC_CONSTANT_OP | op::EXECUTION_MODE_ID, _) => return false,
            (op::DECORATE, &[_, DECORATION_SPEC_ID | DECORATION_FP_ROUNDING_MODE, ..]) => {
                return false
            }
            (op::DECORATE, &[t, DECORATION_BUILT_IN, BUILT_IN_WORKGROUP_SIZE]) => target = Some(t),
            _ => {}
        }
    }
    let Some(target) = target else {
        return false;
    };
    // The definition of `id` with opcode `opcode` (result id at operand `at`).
    let def = |opcode: u16, at: usize, id: u32| {
        m.insts
            .iter()
            .find(|i| i.opcode() == opcode && i.operand(at) == Some(id))
            .map(|i| i.operands())
    };
    let Some(&[vector, _, x, y, z]) = def(op::CONSTANT_COMPOSITE, 1, target) else {
        return false;
    };
    let Some(&[_, int, 3]) = def(op::TYPE_VECTOR, 0, vector) else {
        return false;
    };
    if !matches!(def(op::TYPE_INT, 0, int), Some(&[_, 32, 0 | 1])) {
        return false;
    }
    let mut size = [0; 3];
    for (v, id) in size.iter_mut().zip([x, y, z]) {
        let Some(&[ty, _, value]) = def(op::CONSTANT, 1, id) else {
            return false;
        };
        if ty != int {
            return false;
        }
        *v = value;
    }
    // Usually the execution modes say the same already (glslang writes both): then nothing
    // changes (moving them was another 1.5%).
    let agrees = m
        .insts
        .iter()
        .filter(|i| {
            i.opcode() == op::ENTRY_POINT && i.operand(0).is_some_and(|e| COMPUTE_LIKE.contains(&e))
        })
        .filter_map(|i| i.operand(1))
        .all(|ep| {
            let mut modes = m.insts.iter().filter(|i| {
                i.opcode() == op::EXECUTION_MODE
                    && matches!(i.operands(), &[e, MODE_LOCAL_SIZE, ..] if e == ep)
            });
            modes.next().is_some_and(|i| i.operands()[2..] == size) && modes.next().is_none()
        });
    if !agrees {
        set_local_size(m, size);
    }
    true
}

/// What the walk knows about the module's types and constants.
#[derive(Default)]
struct Tables {
    /// Scalar and vector types.
    types: HashMap<u32, Ty>,
    /// The component type id of each vector type.
    vector_component: HashMap<u32, u32>,
    /// Values of the scalar and vector constants.
    values: HashMap<u32, Value>,
}

impl Tables {
    fn value(&self, id: u32) -> Option<&Value> {
        self.values.get(&id)
    }
}

/// Finds every change first, without touching the module, and makes them only when all were
/// found: a module that cannot be specialized is left as it was, and no copy of it is made
/// (a copy per compile was 4% of a cold compile of a shader with a `WorkgroupSize` constant).
fn try_specialize(m: &mut Module, specialization: &[(u32, u64)]) -> Option<()> {
    let groups: Vec<u32> = m
        .insts
        .iter()
        .filter(|i| i.opcode() == op::DECORATION_GROUP)
        .filter_map(|i| i.operand(0))
        .collect();
    let mut spec_ids: HashMap<u32, u32> = HashMap::default();
    let mut rounding: Vec<u32> = Vec::new();
    let mut workgroup_size: Vec<u32> = Vec::new();
    for i in &m.insts {
        if i.opcode() != op::DECORATE {
            continue;
        }
        match *i.operands() {
            [target, DECORATION_SPEC_ID, id] => {
                if groups.contains(&target) {
                    return None;
                }
                spec_ids.insert(target, id);
            }
            [target, DECORATION_FP_ROUNDING_MODE, _] => rounding.push(target),
            [target, DECORATION_BUILT_IN, BUILT_IN_WORKGROUP_SIZE] => workgroup_size.push(target),
            _ => {}
        }
    }
    let given = |id: u32| -> Option<u64> {
        let spec = spec_ids.get(&id)?;
        specialization
            .iter()
            .rev()
            .find(|(s, _)| s == spec)
            .map(|&(_, v)| v)
    };

    let mut t = Tables::default();
    let mut replaced = Vec::new();
    // (index, the instructions replacing it), in order.
    let mut edits: Vec<(usize, Vec<Inst>)> = Vec::new();
    let mut next_id = m.header[3];
    for (k, inst) in m.insts.iter().enumerate() {
        let o = inst.operands();
        match inst.opcode() {
            TYPE_BOOL => {
                if let &[id] = o {
                    t.types.insert(
                        id,
                        Ty {
                            scalar: Scalar::Bool,
                            size: None,
                        },
                    );
                }
            }
            op::TYPE_INT => {
                if let &[id, width @ (8 | 16 | 32 | 64), signed @ (0 | 1)] = o {
                    t.types.insert(
                        id,
                        Ty {
                            scalar: Scalar::Int {
                                width,
                                signed: signed == 1,
                            },
                            size: None,
                        },
                    );
                }
            }
            TYPE_FLOAT => {
                // A float type with an encoding operand is not IEEE binary: unknown here.
                if let &[id, width @ (16 | 32 | 64)] = o {
                    t.types.insert(
                        id,
                        Ty {
                            scalar: Scalar::Float { width },
                            size: None,
                        },
                    );
                }
            }
            TYPE_VECTOR => {
                if let &[id, comp, count @ 2..=16] = o {
                    if let Some(&Ty { scalar, size: None }) = t.types.get(&comp) {
                        t.types.insert(
                            id,
                            Ty {
                                scalar,
                                size: Some(count as usize),
                            },
                        );
                        t.vector_component.insert(id, comp);
                    }
                }
            }
            CONSTANT_TRUE | CONSTANT_FALSE | SPEC_CONSTANT_TRUE | SPEC_CONSTANT_FALSE => {
                let &[ty, id] = o else { return None };
                let spec = matches!(inst.opcode(), SPEC_CONSTANT_TRUE | SPEC_CONSTANT_FALSE);
                let default = matches!(inst.opcode(), CONSTANT_TRUE | SPEC_CONSTANT_TRUE);
                let value = if spec {
                    given(id).map_or(default, |v| v != 0)
                } else {
                    default
                };
                let vty = *t.types.get(&ty)?;
                if vty.scalar != Scalar::Bool || vty.size.is_some() {
                    return None;
                }
                t.values.insert(
                    id,
                    Value {
                        ty: vty,
                        comps: vec![u64::from(value)],
                    },
                );
                if spec {
                    replaced.push(id);
                    let opcode = if value { CONSTANT_TRUE } else { CONSTANT_FALSE };
                    edits.push((k, vec![Inst::new(opcode, &[ty, id])]));
                    continue;
                }
            }
            CONSTANT | SPEC_CONSTANT => {
                let (&[ty, id], literal) = (o.get(..2)?, o.get(2..)?) else {
                    return None;
                };
                let spec = inst.opcode() == SPEC_CONSTANT;
                match t.types.get(&ty) {
                    Some(&vty @ Ty { scalar, size: None }) if scalar != Scalar::Bool => {
                        let mut bits = decode(scalar, literal)?;
                        if spec {
                            if let Some(v) = given(id) {
                                bits = v & mask(scalar.width());
                            }
                        }
                        t.values.insert(
                            id,
                            Value {
                                ty: vty,
                                comps: vec![bits],
                            },
                        );
                        if spec {
                            replaced.push(id);
                            let mut ops = vec![ty, id];
                            ops.extend(encode(scalar, bits));
                            edits.push((k, vec![Inst::new(CONSTANT, &ops)]));
                            continue;
                        }
                    }
                    // A specialization constant of a type not understood here cannot be
                    // given its value.
                    _ if spec => return None,
                    _ => {}
                }
            }
            CONSTANT_COMPOSITE | SPEC_CONSTANT_COMPOSITE => {
                let (&[ty, id], parts) = (o.get(..2)?, o.get(2..)?) else {
                    return None;
                };
                if let Some(&vty @ Ty { size: Some(n), .. }) = t.types.get(&ty) {
                    let comps: Option<Vec<u64>> = parts
                        .iter()
                        .map(|p| match t.value(*p) {
                            Some(v) if v.ty.size.is_none() && v.ty.scalar == vty.scalar => {
                                Some(v.comps[0])
                            }
                            _ => None,
                        })
                        .collect();
                    if let Some(comps) = comps.filter(|c| c.len() == n) {
                        t.values.insert(id, Value { ty: vty, comps });
                    }
                }
                if inst.opcode() == SPEC_CONSTANT_COMPOSITE {
                    replaced.push(id);
                    let mut inst = inst.clone();
                    inst.0[0] = (inst.0[0] & 0xffff_0000) | u32::from(CONSTANT_COMPOSITE);
                    edits.push((k, vec![inst]));
                    continue;
                }
            }
            CONSTANT_NULL => {
                if let &[ty, id] = o {
                    if let Some(&vty) = t.types.get(&ty) {
                        let comps = vec![0; vty.size.unwrap_or(1)];
                        t.values.insert(id, Value { ty: vty, comps });
                    }
                }
            }
            SPEC_CONSTANT_OP => {
                let (&[ty, id, opcode], args) = (o.get(..3)?, o.get(3..)?) else {
                    return None;
                };
                if rounding.contains(&id) {
                    return None;
                }
                let rty = *t.types.get(&ty)?;
                let v = evaluate(&t, rty, opcode, args)?;
                if v.ty != rty || v.comps.len() != rty.size.unwrap_or(1) {
                    return None;
                }
                let comp_ty = t.vector_component.get(&ty).copied();
                edits.push((k, emit(&mut next_id, ty, id, &v, comp_ty)?));
                t.values.insert(id, v);
                replaced.push(id);
                continue;
            }
            _ => {}
        }
    }

    // LocalSizeId → LocalSize.
    let mut local_sizes: Vec<(usize, Inst)> = Vec::new();
    for (k, inst) in m.insts.iter().enumerate() {
        if inst.opcode() != op::EXECUTION_MODE_ID {
            continue;
        }
        if let &[ep, MODE_LOCAL_SIZE_ID, x, y, z] = inst.operands() {
            let size = [x, y, z].map(|id| local_size_component(&t, id));
            let [Some(x), Some(y), Some(z)] = size else {
                return None;
            };
            local_sizes.push((
                k,
                Inst::new(op::EXECUTION_MODE, &[ep, MODE_LOCAL_SIZE, x, y, z]),
            ));
        }
    }

    // A WorkgroupSize constant sets the workgroup size of every compute-like entry point.
    let workgroup_size = match workgroup_size.last() {
        Some(&wg) => {
            let v = t.value(wg)?;
            if !v.ty.scalar.is_int() || v.ty.scalar.width() != 32 || v.ty.size != Some(3) {
                return None;
            }
            Some([v.comps[0] as u32, v.comps[1] as u32, v.comps[2] as u32])
        }
        None => None,
    };

    // Everything is known: change the module. (Execution modes are not among the edited
    // constants, so both lists index the instructions as they are.)
    m.header[3] = next_id;
    for (k, inst) in local_sizes {
        m.insts[k] = inst;
    }
    if edits.iter().all(|(_, e)| e.len() == 1) {
        for (k, e) in edits {
            if let Some(inst) = e.into_iter().next() {
                m.insts[k] = inst;
            }
        }
    } else {
        let old = std::mem::take(&mut m.insts);
        let mut edits = edits.into_iter().peekable();
        for (k, inst) in old.into_iter().enumerate() {
            match edits.next_if(|(at, _)| *at == k) {
                Some((_, e)) => m.insts.extend(e),
                None => m.insts.push(inst),
            }
        }
    }

    // The replaced constants are no longer specializable.
    if !replaced.is_empty() {
        m.insts.retain(|i| {
            !(i.opcode() == op::DECORATE
                && matches!(i.operands(), &[target, DECORATION_SPEC_ID, _] if replaced.contains(&target)))
        });
    }

    if let Some(size) = workgroup_size {
        set_local_size(m, size);
    }
    Some(())
}

/// Makes `size` the `LocalSize` of every compute-like entry point.
fn set_local_size(m: &mut Module, size: [u32; 3]) {
    {
        let entry_points: Vec<u32> = m
            .insts
            .iter()
            .filter(|i| {
                i.opcode() == op::ENTRY_POINT
                    && i.operand(0).is_some_and(|e| COMPUTE_LIKE.contains(&e))
            })
            .filter_map(|i| i.operand(1))
            .collect();
        for ep in entry_points {
            m.insts.retain(|i| {
                !(i.opcode() == op::EXECUTION_MODE
                    && matches!(i.operands(), &[e, MODE_LOCAL_SIZE, ..] if e == ep))
            });
            let at = m
                .insts
                .iter()
                .rposition(|i| {
                    matches!(
                        i.opcode(),
                        op::ENTRY_POINT | op::EXECUTION_MODE | op::EXECUTION_MODE_ID
                    )
                })
                .map_or(0, |p| p + 1);
            m.insts.insert(
                at,
                Inst::new(
                    op::EXECUTION_MODE,
                    &[ep, MODE_LOCAL_SIZE, size[0], size[1], size[2]],
                ),
            );
        }
    }
}

/// A `LocalSizeId` operand: a 32-bit integer scalar constant.
fn local_size_component(t: &Tables, id: u32) -> Option<u32> {
    let v = t.value(id)?;
    (v.ty.size.is_none() && v.ty.scalar.is_int() && v.ty.scalar.width() == 32)
        .then(|| v.comps[0] as u32)
}

/// Component-wise application of `f` to operands of equal shape; the result has type `rty`.
fn map2(rty: Ty, a: &Value, b: &Value, f: impl Fn(u64, u64) -> Option<u64>) -> Option<Value> {
    if a.ty.size != b.ty.size || a.comps.len() != b.comps.len() || a.ty.size != rty.size {
        return None;
    }
    let comps = a
        .comps
        .iter()
        .zip(&b.comps)
        .map(|(&x, &y)| f(x, y).map(|r| r & mask(rty.scalar.width())))
        .collect::<Option<Vec<u64>>>()?;
    Some(Value { ty: rty, comps })
}

fn map1(rty: Ty, a: &Value, f: impl Fn(u64) -> Option<u64>) -> Option<Value> {
    if a.ty.size != rty.size {
        return None;
    }
    let comps = a
        .comps
        .iter()
        .map(|&x| f(x).map(|r| r & mask(rty.scalar.width())))
        .collect::<Option<Vec<u64>>>()?;
    Some(Value { ty: rty, comps })
}

/// Evaluates `OpSpecConstantOp` `opcode` on `args` into a value of type `rty`; [`None`] where
/// the operation is not one handled here or its result is not defined.
fn evaluate(t: &Tables, rty: Ty, opcode: u32, args: &[u32]) -> Option<Value> {
    let arg = |i: usize| args.get(i).and_then(|id| t.value(*id));
    let rs = rty.scalar;
    let rw = rs.width();
    let int = |v: &Value| v.ty.scalar.is_int();
    let boolean = |v: &Value| v.ty.scalar == Scalar::Bool;
    // Integer arithmetic: operands and result share the width.
    let int_binary = |f: &dyn Fn(u64, u64, u32) -> Option<u64>| -> Option<Value> {
        let (a, b) = (arg(0)?, arg(1)?);
        if args.len() != 2 || !rs.is_int() || !int(a) || !int(b) {
            return None;
        }
        if a.ty.scalar.width() != rw || b.ty.scalar.width() != rw {
            return None;
        }
        map2(rty, a, b, |x, y| f(x, y, rw))
    };
    let int_compare = |f: &dyn Fn(u64, u64, u32) -> bool| -> Option<Value> {
        let (a, b) = (arg(0)?, arg(1)?);
        let w = a.ty.scalar.width();
        if args.len() != 2 || rs != Scalar::Bool || !int(a) || !int(b) || b.ty.scalar.width() != w {
            return None;
        }
        map2(rty, a, b, |x, y| Some(u64::from(f(x, y, w))))
    };
    let logical = |f: &dyn Fn(bool, bool) -> bool| -> Option<Value> {
        let (a, b) = (arg(0)?, arg(1)?);
        if args.len() != 2 || rs != Scalar::Bool || !boolean(a) || !boolean(b) {
            return None;
        }
        map2(rty, a, b, |x, y| Some(u64::from(f(x != 0, y != 0))))
    };
    // Signed division and remainder are undefined for a zero divisor and for MIN / -1.
    let signed_operands = |x: u64, y: u64, w: u32| -> Option<(i64, i64)> {
        let (x, y) = (sext(x, w), sext(y, w));
        let min = sext(1u64 << (w - 1), w);
        (y != 0 && !(y == -1 && x == min)).then_some((x, y))
    };
    match opcode {
        sop::I_ADD => int_binary(&|x, y, _| Some(x.wrapping_add(y))),
        sop::I_SUB => int_binary(&|x, y, _| Some(x.wrapping_sub(y))),
        sop::I_MUL => int_binary(&|x, y, _| Some(x.wrapping_mul(y))),
        sop::U_DIV => int_binary(&|x, y, _| x.checked_div(y)),
        sop::U_MOD => int_binary(&|x, y, _| x.checked_rem(y)),
        sop::S_DIV => int_binary(&|x, y, w| {
            let (x, y) = signed_operands(x, y, w)?;
            Some(x.checked_div(y)? as u64)
        }),
        sop::S_REM => int_binary(&|x, y, w| {
            let (x, y) = signed_operands(x, y, w)?;
            Some(x.checked_rem(y)? as u64)
        }),
        sop::S_MOD => int_binary(&|x, y, w| {
            let (x, y) = signed_operands(x, y, w)?;
            let r = x.checked_rem(y)?;
            // The remainder takes the sign of the divisor.
            let r = if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            };
            Some(r as u64)
        }),
        sop::BITWISE_OR => int_binary(&|x, y, _| Some(x | y)),
        sop::BITWISE_XOR => int_binary(&|x, y, _| Some(x ^ y)),
        sop::BITWISE_AND => int_binary(&|x, y, _| Some(x & y)),
        sop::SHIFT_LEFT_LOGICAL | sop::SHIFT_RIGHT_LOGICAL | sop::SHIFT_RIGHT_ARITHMETIC => {
            // The shift may have another width than the base; the result has the base's.
            let (a, b) = (arg(0)?, arg(1)?);
            if args.len() != 2 || !rs.is_int() || !int(a) || !int(b) || a.ty.scalar.width() != rw {
                return None;
            }
            map2(rty, a, b, |x, y| {
                // Undefined when the shift is not below the base's width.
                if y >= u64::from(rw) {
                    return None;
                }
                Some(match opcode {
                    sop::SHIFT_LEFT_LOGICAL => x << y,
                    sop::SHIFT_RIGHT_LOGICAL => x >> y,
                    _ => (sext(x, rw) >> y) as u64,
                })
            })
        }
        sop::S_NEGATE | sop::NOT => {
            let a = arg(0)?;
            if args.len() != 1 || !rs.is_int() || !int(a) || a.ty.scalar.width() != rw {
                return None;
            }
            map1(rty, a, |x| {
                Some(if opcode == sop::NOT {
                    !x
                } else {
                    x.wrapping_neg()
                })
            })
        }
        sop::U_CONVERT | sop::S_CONVERT => {
            let a = arg(0)?;
            if args.len() != 1 || !rs.is_int() || !int(a) {
                return None;
            }
            let aw = a.ty.scalar.width();
            map1(rty, a, |x| {
                Some(if opcode == sop::S_CONVERT {
                    sext(x, aw) as u64
                } else {
                    x
                })
            })
        }
        sop::F_CONVERT => {
            let a = arg(0)?;
            let from = a.ty.scalar;
            if args.len() != 1 {
                return None;
            }
            match (from, rs) {
                (Scalar::Float { width: 32 }, Scalar::Float { width: 64 }) => map1(rty, a, |x| {
                    Some(f64::from(f32::from_bits(x as u32)).to_bits())
                }),
                // Round to nearest even, the rounding Vulkan requires without a
                // rounding-mode decoration.
                (Scalar::Float { width: 64 }, Scalar::Float { width: 32 }) => map1(rty, a, |x| {
                    Some(u64::from((f64::from_bits(x) as f32).to_bits()))
                }),
                _ => None,
            }
        }
        sop::I_EQUAL => int_compare(&|x, y, _| x == y),
        sop::I_NOT_EQUAL => int_compare(&|x, y, _| x != y),
        sop::U_GREATER_THAN => int_compare(&|x, y, _| x > y),
        sop::U_GREATER_THAN_EQUAL => int_compare(&|x, y, _| x >= y),
        sop::U_LESS_THAN => int_compare(&|x, y, _| x < y),
        sop::U_LESS_THAN_EQUAL => int_compare(&|x, y, _| x <= y),
        sop::S_GREATER_THAN => int_compare(&|x, y, w| sext(x, w) > sext(y, w)),
        sop::S_GREATER_THAN_EQUAL => int_compare(&|x, y, w| sext(x, w) >= sext(y, w)),
        sop::S_LESS_THAN => int_compare(&|x, y, w| sext(x, w) < sext(y, w)),
        sop::S_LESS_THAN_EQUAL => int_compare(&|x, y, w| sext(x, w) <= sext(y, w)),
        sop::LOGICAL_EQUAL => logical(&|x, y| x == y),
        sop::LOGICAL_NOT_EQUAL => logical(&|x, y| x != y),
        sop::LOGICAL_OR => logical(&|x, y| x || y),
        sop::LOGICAL_AND => logical(&|x, y| x && y),
        sop::LOGICAL_NOT => {
            let a = arg(0)?;
            if args.len() != 1 || rs != Scalar::Bool || !boolean(a) {
                return None;
            }
            map1(rty, a, |x| Some(u64::from(x == 0)))
        }
        sop::SELECT => {
            let (c, a, b) = (arg(0)?, arg(1)?, arg(2)?);
            if args.len() != 3 || !boolean(c) || a.ty != rty || b.ty != rty {
                return None;
            }
            if c.ty.size.is_none() {
                return Some(if c.comps[0] != 0 {
                    a.clone()
                } else {
                    b.clone()
                });
            }
            if c.ty.size != rty.size {
                return None;
            }
            let comps = c
                .comps
                .iter()
                .zip(a.comps.iter().zip(&b.comps))
                .map(|(&s, (&x, &y))| if s != 0 { x } else { y })
                .collect();
            Some(Value { ty: rty, comps })
        }
        sop::VECTOR_SHUFFLE => {
            let (a, b) = (arg(0)?, arg(1)?);
            if a.ty.size.is_none() || b.ty.size.is_none() || a.ty.scalar != rs {
                return None;
            }
            if b.ty.scalar != rs {
                return None;
            }
            let all: Vec<u64> = a.comps.iter().chain(&b.comps).copied().collect();
            // 0xFFFFFFFF (an undefined component) and out-of-range indices are refused.
            let comps = args[2..]
                .iter()
                .map(|&i| all.get(i as usize).copied())
                .collect::<Option<Vec<u64>>>()?;
            Some(Value { ty: rty, comps })
        }
        sop::COMPOSITE_EXTRACT => {
            let a = arg(0)?;
            let &[_, index] = args else { return None };
            if a.ty.size.is_none() || a.ty.scalar != rs || rty.size.is_some() {
                return None;
            }
            Some(Value {
                ty: rty,
                comps: vec![*a.comps.get(index as usize)?],
            })
        }
        sop::COMPOSITE_INSERT => {
            let (object, composite) = (arg(0)?, arg(1)?);
            let &[_, _, index] = args else { return None };
            if composite.ty != rty || object.ty.size.is_some() || object.ty.scalar != rs {
                return None;
            }
            let mut v = composite.clone();
            *v.comps.get_mut(index as usize)? = object.comps[0];
            Some(v)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::assemble;
    use super::super::{legalize_specialized, op, Module};
    use super::*;

    fn literal(module: &naga::Module, name: &str) -> naga::Literal {
        let (_, c) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no constant {name}: {:?}", module.constants));
        match module.global_expressions[c.init] {
            naga::Expression::Literal(l) => l,
            ref e => panic!("{name} is {e:?}"),
        }
    }

    fn components(module: &naga::Module, name: &str) -> Vec<naga::Literal> {
        let (_, c) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no constant {name}"));
        let naga::Expression::Compose { ref components, .. } = module.global_expressions[c.init]
        else {
            panic!("{name} is not a composite");
        };
        components
            .iter()
            .map(|&e| match module.global_expressions[e] {
                naga::Expression::Literal(l) => l,
                naga::Expression::Constant(h) => {
                    match module.global_expressions[module.constants[h].init] {
                        naga::Expression::Literal(l) => l,
                        ref e => panic!("{e:?}"),
                    }
                }
                ref e => panic!("{e:?}"),
            })
            .collect()
    }

    /// A compute shader whose body stores `%probe` (an int) so that the constants are used;
    /// `{decls}` are the spec constants and operations under test.
    fn shader(decorations: &str, decls: &str) -> String {
        // Names go in the debug section, before the annotations.
        let (names, decorations): (Vec<&str>, Vec<&str>) = decorations
            .lines()
            .partition(|l| l.trim_start().starts_with("OpName"));
        let (names, decorations) = (names.join("\n"), decorations.join("\n"));
        format!(
            r#"
               OpCapability Shader
               OpCapability Int64
               OpCapability Float64
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
{names}
               OpDecorate %rta ArrayStride 4
               OpMemberDecorate %block 0 Offset 0
               OpDecorate %block Block
               OpDecorate %buf DescriptorSet 0
               OpDecorate %buf Binding 0
{decorations}
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %bool = OpTypeBool
        %int = OpTypeInt 32 1
       %uint = OpTypeInt 32 0
      %ulong = OpTypeInt 64 0
       %long = OpTypeInt 64 1
      %float = OpTypeFloat 32
     %double = OpTypeFloat 64
      %ivec3 = OpTypeVector %int 3
      %uvec3 = OpTypeVector %uint 3
      %bvec3 = OpTypeVector %bool 3
        %rta = OpTypeRuntimeArray %int
      %block = OpTypeStruct %rta
    %ptr_blk = OpTypePointer StorageBuffer %block
    %ptr_int = OpTypePointer StorageBuffer %int
        %buf = OpVariable %ptr_blk StorageBuffer
       %zero = OpConstant %int 0
{decls}
       %main = OpFunction %void None %fn
      %entry = OpLabel
        %ptr = OpAccessChain %ptr_int %buf %zero %zero
               OpStore %ptr %probe
               OpReturn
               OpFunctionEnd
"#
        )
    }

    fn run(text: &str, spec: &[(u32, u64)]) -> Option<naga::Module> {
        let w = assemble(text, "vulkan1.1")?;
        Some(
            crate::front::parse_specialized(&w, spec)
                .unwrap_or_else(|e| panic!("{e}"))
                .0,
        )
    }

    #[test]
    fn scalar_spec_constants_take_given_or_default_values() {
        let text = shader(
            "OpDecorate %probe SpecId 1\nOpDecorate %b SpecId 2\nOpDecorate %l SpecId 3\n\
             OpDecorate %d SpecId 4\nOpDecorate %f SpecId 5\nOpName %probe \"probe\"\n\
             OpName %b \"b\"\nOpName %l \"l\"\nOpName %d \"d\"\nOpName %f \"f\"",
            "%probe = OpSpecConstant %int 4\n%b = OpSpecConstantFalse %bool\n\
             %l = OpSpecConstant %long 5\n%d = OpSpecConstant %double 1.5\n\
             %f = OpSpecConstantTrue %bool",
        );
        let Some(module) = run(&text, &[(1, 0xffff_ffff_0000_0007), (2, 9), (3, u64::MAX)]) else {
            return;
        };
        assert!(module.overrides.is_empty());
        assert_eq!(literal(&module, "probe"), naga::Literal::I32(7));
        assert_eq!(literal(&module, "b"), naga::Literal::Bool(true));
        assert_eq!(literal(&module, "l"), naga::Literal::I64(-1));
        assert_eq!(literal(&module, "d"), naga::Literal::F64(1.5));
        assert_eq!(literal(&module, "f"), naga::Literal::Bool(true));
        // Defaults, and no SpecId decorations left.
        let w = assemble(&text, "vulkan1.1").unwrap();
        let out = legalize_specialized(&w, &[]).unwrap();
        let m = Module::read(&out).unwrap();
        assert!(!m
            .insts
            .iter()
            .any(|i| i.opcode() == op::DECORATE && i.operand(1) == Some(DECORATION_SPEC_ID)));
        let (module, _) = crate::parse(&w).unwrap();
        assert_eq!(literal(&module, "probe"), naga::Literal::I32(4));
        assert_eq!(literal(&module, "b"), naga::Literal::Bool(false));
    }

    const CONSTS: &str = "%one = OpConstant %int 1\n%two = OpConstant %int 2\n\
        %three = OpConstant %int 3\n%m7 = OpConstant %int -7\n%big = OpConstant %int 32\n\
        %uone = OpConstant %uint 1\n%utwo = OpConstant %uint 2\n%uthree = OpConstant %uint 3\n\
        %t = OpConstantTrue %bool\n%f = OpConstantFalse %bool\n";

    /// Parses `decls` (after [`CONSTS`]) with `%x`, a 32-bit signed int, specialised to `x`.
    fn fold(x: i32, decls: &str) -> Option<naga::Module> {
        let text = shader(
            "OpDecorate %x SpecId 0\nOpName %probe \"probe\"\nOpName %bp \"bp\"\n\
             OpName %vp \"vp\"\nOpName %lp \"lp\"",
            &format!("%x = OpSpecConstant %int 1\n{CONSTS}{decls}"),
        );
        run(&text, &[(0, x as u32 as u64)])
    }

    /// The value of `OpSpecConstantOp %int {expr}`.
    fn probe(x: i32, expr: &str) -> Option<i32> {
        let m = fold(x, &format!("%probe = OpSpecConstantOp %int {expr}"))?;
        match literal(&m, "probe") {
            naga::Literal::I32(v) => Some(v),
            l => panic!("{l:?}"),
        }
    }

    /// The value of `OpSpecConstantOp %bool {expr}`.
    fn probe_bool(x: i32, expr: &str) -> Option<bool> {
        let m = fold(
            x,
            &format!(
                "%bp = OpSpecConstantOp %bool {expr}\n\
                 %probe = OpSpecConstantOp %int Select %bp %one %zero"
            ),
        )?;
        assert_eq!(
            literal(&m, "probe"),
            naga::Literal::I32(i32::from(literal(&m, "bp") == naga::Literal::Bool(true)))
        );
        match literal(&m, "bp") {
            naga::Literal::Bool(v) => Some(v),
            l => panic!("{l:?}"),
        }
    }

    fn have_spirv_as() -> bool {
        assemble(
            "OpCapability Shader\nOpMemoryModel Logical GLSL450",
            "vulkan1.1",
        )
        .is_some()
    }

    #[test]
    fn folds_integer_operations() {
        if !have_spirv_as() {
            return;
        }
        let cases: &[(i32, &str, i32)] = &[
            (5, "IAdd %x %x", 10),
            (i32::MAX, "IAdd %x %one", i32::MIN),
            (5, "ISub %x %two", 3),
            (i32::MIN, "ISub %x %one", i32::MAX),
            (5, "IMul %x %m7", -35),
            (-7, "SDiv %x %two", -3),
            (7, "SDiv %x %m7", -1),
            (-7, "UDiv %x %two", 0x7fff_fffc),
            (-7, "SRem %x %three", -1),
            (7, "SRem %x %m7", 0),
            (8, "SRem %x %m7", 1),
            (-7, "SMod %x %three", 2),
            (7, "SMod %x %m7", 0),
            (8, "SMod %x %m7", -6),
            (-8, "SMod %x %m7", -1),
            (-7, "UMod %x %three", ((-7i32 as u32) % 3) as i32),
            (-8, "ShiftRightArithmetic %x %two", -2),
            (-8, "ShiftRightLogical %x %two", 0x3fff_fffe),
            (-8, "ShiftRightLogical %x %utwo", 0x3fff_fffe),
            (3, "ShiftLeftLogical %x %two", 12),
            (3, "ShiftLeftLogical %x %x", 24),
            (6, "BitwiseAnd %x %three", 2),
            (6, "BitwiseOr %x %three", 7),
            (6, "BitwiseXor %x %three", 5),
            (6, "Not %x", -7),
            (6, "SNegate %x", -6),
            (i32::MIN, "SNegate %x", i32::MIN),
        ];
        for &(x, expr, want) in cases {
            assert_eq!(probe(x, expr), Some(want), "{expr} with x = {x}");
        }
    }

    #[test]
    fn folds_comparisons_and_logic() {
        if !have_spirv_as() {
            return;
        }
        let cases: &[(i32, &str, bool)] = &[
            (-1, "SLessThan %x %two", true),
            (-1, "ULessThan %x %two", false),
            (2, "SLessThanEqual %x %two", true),
            (2, "ULessThanEqual %x %two", true),
            (-1, "SGreaterThan %x %two", false),
            (-1, "UGreaterThan %x %two", true),
            (2, "SGreaterThanEqual %x %three", false),
            (-1, "UGreaterThanEqual %x %three", true),
            (2, "IEqual %x %two", true),
            (2, "INotEqual %x %two", false),
            (0, "LogicalOr %t %f", true),
            (0, "LogicalAnd %t %f", false),
            (0, "LogicalNot %f", true),
            (0, "LogicalEqual %f %f", true),
            (0, "LogicalNotEqual %t %f", true),
        ];
        for &(x, expr, want) in cases {
            assert_eq!(probe_bool(x, expr), Some(want), "{expr} with x = {x}");
        }
        // Select on a folded condition.
        let m = fold(
            3,
            "%c = OpSpecConstantOp %bool SLessThan %x %two\n\
             %probe = OpSpecConstantOp %int Select %c %m7 %x",
        )
        .unwrap();
        assert_eq!(literal(&m, "probe"), naga::Literal::I32(3));
    }

    #[test]
    fn folds_conversions() {
        if !have_spirv_as() {
            return;
        }
        let text = shader(
            "OpDecorate %x SpecId 0\nOpName %probe \"probe\"\nOpName %lp \"lp\"\n\
             OpName %u \"u\"\nOpName %dbl \"dbl\"\nOpName %nar \"nar\"",
            &format!(
                "%x = OpSpecConstant %int 1\n{CONSTS}\
                 %lp = OpSpecConstantOp %long SConvert %x\n\
                 %u = OpSpecConstantOp %ulong UConvert %x\n\
                 %back = OpSpecConstantOp %int SConvert %lp\n\
                 %fl = OpConstant %float 0.1\n\
                 %dbl = OpSpecConstantOp %double FConvert %fl\n\
                 %nar = OpSpecConstantOp %float FConvert %dbl\n\
                 %probe = OpSpecConstantOp %int IAdd %back %one"
            ),
        );
        let m = run(&text, &[(0, (-2i32) as u32 as u64)]).unwrap();
        assert_eq!(literal(&m, "lp"), naga::Literal::I64(-2));
        assert_eq!(literal(&m, "u"), naga::Literal::U64(0xffff_fffe));
        assert_eq!(literal(&m, "probe"), naga::Literal::I32(-1));
        assert_eq!(literal(&m, "dbl"), naga::Literal::F64(f64::from(0.1f32)));
        assert_eq!(literal(&m, "nar"), naga::Literal::F32(0.1));
    }

    #[test]
    fn folds_vector_operations() {
        if !have_spirv_as() {
            return;
        }
        let m = fold(
            5,
            "%v = OpSpecConstantComposite %ivec3 %x %one %two\n\
             %w = OpConstantComposite %ivec3 %three %three %m7\n\
             %sum = OpSpecConstantOp %ivec3 IAdd %v %w\n\
             %vp = OpSpecConstantOp %ivec3 VectorShuffle %sum %w 2 0 5\n\
             %ins = OpSpecConstantOp %ivec3 CompositeInsert %x %vp 1\n\
             %lt = OpSpecConstantOp %bvec3 SLessThan %ins %w\n\
             %sel = OpSpecConstantOp %ivec3 Select %lt %v %w\n\
             %probe = OpSpecConstantOp %int CompositeExtract %sel 2",
        )
        .unwrap();
        use naga::Literal::I32;
        // sum = (8, 4, -5); vp = (-5, 8, -7); ins = (-5, 5, -7); lt = (t, f, f)
        assert_eq!(components(&m, "vp"), [I32(-5), I32(8), I32(-7)]);
        // sel = (5, 3, -7)
        assert_eq!(literal(&m, "probe"), I32(-7));
    }

    /// Words of `text`, and whether `legalize_specialized` left them as they were.
    fn unchanged(text: &str, spec: &[(u32, u64)]) -> Option<bool> {
        let w = assemble(text, "vulkan1.1")?;
        let out = legalize_specialized(&w, spec).unwrap();
        let same = out == w;
        if same {
            assert!(crate::front::parse_specialized(&w, spec).is_err());
        }
        Some(same)
    }

    #[test]
    fn leaves_undefined_results_alone() {
        if !have_spirv_as() {
            return;
        }
        for (x, expr) in [
            (0, "SDiv %one %x"),
            (0, "UDiv %one %x"),
            (0, "SRem %one %x"),
            (0, "SMod %one %x"),
            (0, "UMod %one %x"),
            (i32::MIN, "SDiv %x %m1"),
            (i32::MIN, "SRem %x %m1"),
            (i32::MIN, "SMod %x %m1"),
            (32, "ShiftLeftLogical %one %x"),
            (-1, "ShiftRightLogical %one %x"),
            (33, "ShiftRightArithmetic %one %x"),
        ] {
            let text = shader(
                "OpDecorate %x SpecId 0",
                &format!(
                    "%x = OpSpecConstant %int 1\n{CONSTS}%m1 = OpConstant %int -1\n\
                     %probe = OpSpecConstantOp %int {expr}"
                ),
            );
            assert_eq!(
                unchanged(&text, &[(0, x as u32 as u64)]),
                Some(true),
                "{expr} with x = {x}"
            );
        }
        // An undefined shuffle component.
        let text = shader(
            "",
            &format!(
                "{CONSTS}%v = OpConstantComposite %ivec3 %one %one %one\n\
                 %s = OpSpecConstantOp %ivec3 VectorShuffle %v %v 0 0xffffffff 1\n\
                 %probe = OpSpecConstantOp %int CompositeExtract %s 0"
            ),
        );
        assert_eq!(unchanged(&text, &[]), Some(true));
    }

    const LOCAL_SIZE_ID: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionModeId %main LocalSizeId %x %c2 %y
               OpDecorate %x SpecId 0
               OpDecorate %y SpecId 1
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %uint = OpTypeInt 32 0
          %x = OpSpecConstant %uint 1
         %c2 = OpConstant %uint 2
         %c1 = OpConstant %uint 1
          %y = OpSpecConstantOp %uint IAdd %x %c1
       %main = OpFunction %void None %fn
      %entry = OpLabel
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn resolves_local_size_id() {
        let Some(w) = assemble(LOCAL_SIZE_ID, "vulkan1.3") else {
            return;
        };
        let (m, _) = crate::front::parse_specialized(&w, &[(0, 8)]).unwrap();
        assert_eq!(m.entry_points[0].workgroup_size, [8, 2, 9]);
        let (m, _) = crate::parse(&w).unwrap();
        assert_eq!(m.entry_points[0].workgroup_size, [1, 2, 2]);
    }

    const WORKGROUP_SIZE: &str = r#"
               OpCapability Shader
               OpMemoryModel Logical GLSL450
               OpEntryPoint GLCompute %main "main"
               OpExecutionMode %main LocalSize 1 1 1
               OpName %wg "wg"
               OpDecorate %x SpecId 0
               OpDecorate %wg BuiltIn WorkgroupSize
       %void = OpTypeVoid
         %fn = OpTypeFunction %void
       %uint = OpTypeInt 32 0
      %uvec3 = OpTypeVector %uint 3
          %x = OpSpecConstant %uint 1
         %c3 = OpConstant %uint 3
         %wg = OpSpecConstantComposite %uvec3 %x %c3 %c3
       %main = OpFunction %void None %fn
      %entry = OpLabel
               OpReturn
               OpFunctionEnd
"#;

    #[test]
    fn workgroup_size_builtin_sets_the_local_size() {
        let Some(w) = assemble(WORKGROUP_SIZE, "vulkan1.1") else {
            return;
        };
        let (m, _) = crate::front::parse_specialized(&w, &[(0, 16)]).unwrap();
        assert_eq!(m.entry_points[0].workgroup_size, [16, 3, 3]);
        use naga::Literal::U32;
        assert_eq!(components(&m, "wg"), [U32(16), U32(3), U32(3)]);
        let (m, _) = crate::parse(&w).unwrap();
        assert_eq!(m.entry_points[0].workgroup_size, [1, 3, 3]);
        // Without LocalSize, one is added.
        let text = WORKGROUP_SIZE.replace("OpExecutionMode %main LocalSize 1 1 1", "");
        let w = assemble(&text, "vulkan1.1").unwrap();
        let (m, _) = crate::front::parse_specialized(&w, &[(0, 5)]).unwrap();
        assert_eq!(m.entry_points[0].workgroup_size, [5, 3, 3]);
    }

    const GLSL: &str = r#"#version 450
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int N = 4;
layout(set = 0, binding = 0) buffer B { int data[]; };
void main() {
    data[gl_GlobalInvocationID.x] = N * 2 + int(gl_WorkGroupSize.x);
}
"#;

    /// Compiles [`GLSL`] with `glslangValidator`; [`None`] when it is not installed.
    fn glsl(env: &str) -> Option<Vec<u32>> {
        let dir =
            std::env::temp_dir().join(format!("pumice-specialize-{}-{env}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let src = dir.join("s.comp");
        let spv = dir.join("s.spv");
        std::fs::write(&src, GLSL).ok()?;
        let status = std::process::Command::new("glslangValidator")
            .args(["-V", "--target-env", env, "-o"])
            .arg(&spv)
            .arg(&src)
            .stdout(std::process::Stdio::null())
            .status()
            .ok()?;
        assert!(status.success(), "glslangValidator failed");
        let bytes = std::fs::read(&spv).ok()?;
        let _ = std::fs::remove_dir_all(&dir);
        crate::front::words(&bytes).ok()
    }

    #[test]
    fn specialises_glsl_compute_shader() {
        for env in ["vulkan1.1", "vulkan1.3"] {
            let Some(w) = glsl(env) else {
                return;
            };
            let (m, _) = crate::front::parse_specialized(&w, &[(0, 32), (1, 7)]).unwrap();
            assert!(m.overrides.is_empty());
            assert_eq!(m.entry_points[0].workgroup_size, [32, 1, 1], "{env}");
            assert_eq!(literal(&m, "N"), naga::Literal::I32(7));
            let (m, _) = crate::parse(&w).unwrap();
            assert_eq!(m.entry_points[0].workgroup_size, [1, 1, 1], "{env}");
            assert_eq!(literal(&m, "N"), naga::Literal::I32(4));
        }
    }

    #[test]
    fn never_panics_on_mutated_spec_shaders() {
        let texts = [
            LOCAL_SIZE_ID.to_string(),
            WORKGROUP_SIZE.to_string(),
            shader(
                "OpDecorate %x SpecId 0",
                &format!(
                    "%x = OpSpecConstant %int 1\n{CONSTS}\
                     %v = OpSpecConstantComposite %ivec3 %x %one %two\n\
                     %s = OpSpecConstantOp %ivec3 VectorShuffle %v %v 0 4 1\n\
                     %d = OpSpecConstantOp %int SDiv %x %m7\n\
                     %e = OpSpecConstantOp %int ShiftRightArithmetic %d %x\n\
                     %probe = OpSpecConstantOp %int CompositeExtract %s 1"
                ),
            ),
        ];
        let mut seed = 0x2545_f491_u32;
        for text in &texts {
            let Some(w) = assemble(text, "vulkan1.3") else {
                return;
            };
            for len in 0..=w.len() {
                let _ = legalize_specialized(&w[..len], &[(0, 3)]);
            }
            for _ in 0..3000 {
                let mut v = w.clone();
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let i = 1 + (seed as usize % (v.len() - 1));
                v[i] ^= 1 << (seed >> 27);
                let spec = [(seed & 3, u64::from(seed >> 3) | (u64::from(seed) << 40))];
                if let Some(out) = legalize_specialized(&v, &spec) {
                    assert!(Module::read(&out).is_some());
                }
                let _ = crate::front::parse_specialized(&v, &spec);
            }
        }
    }
}
