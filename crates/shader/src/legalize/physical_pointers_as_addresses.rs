//! `PhysicalStorageBuffer` pointers (`bufferDeviceAddress`, GLSL `buffer_reference`) → 64-bit
//! addresses, and accesses through them → calls of marked helpers the lowering turns into
//! loads, stores and atomics of [`crate::ir::Space::Device`].
//!
//! naga's reader has no `PhysicalStorageBuffer` storage class. Every physical pointer type
//! becomes `uint64_t` (in structs, function signatures, variables: wherever it is named as a
//! type), so pointer values are plain integers that can be stored, loaded, passed and compared:
//!
//! - `OpConvertUToPtr` / `OpConvertPtrToU` of 64-bit integers are copies;
//! - `OpAccessChain` and `OpPtrAccessChain` on a physical pointer add the member offsets
//!   (`Offset` decorations), `index × ArrayStride` (the pointer type's stride for the
//!   element index of `OpPtrAccessChain`) and `index × 4` for vector components;
//! - `OpLoad` / `OpStore` through one become one call per 32-bit word of the value:
//!   [`ADDRESS_PREFIX`]`load(address) -> uint` and [`ADDRESS_PREFIX`]`store(address, uint)`,
//!   vectors, structs and fixed-size arrays taken apart member by member (64-bit integers
//!   and pointers as two words);
//! - 32-bit integer atomics on one become [`ADDRESS_PREFIX`]`atomic_<op>(address, value,
//!   compare) -> uint`.
//!
//! The interpreter looks every address up in the dispatch's table of live allocations and
//! bounds-checks it: an address outside every live allocation reads 0 and writes nothing.
//!
//! Anything else (matrices, 8/16-bit or 64-bit float members, `OpCopyMemory`, pointer
//! comparisons, `OpArrayLength`, an access chain without the decorations it needs) leaves the
//! module alone: naga then refuses it and the pipeline fails to compile, never runs wrongly.

use foldhash::HashMap;

use super::{op, Inst, Module};

/// The name prefix of the helpers; the lowering recognizes calls by it.
pub const ADDRESS_PREFIX: &str = "__pumice_address_";

const STORAGE_CLASS_PHYSICAL: u32 = 5349;
const CAPABILITY_ADDRESSES: u32 = 5347;
const CAPABILITY_INT64: u32 = 11;
const ADDRESSING_PHYSICAL64: u32 = 5348;
const DECORATION_ARRAY_STRIDE: u32 = 6;
const DECORATION_OFFSET: u32 = 35;
const DECORATION_RESTRICT_POINTER: u32 = 5355;
const DECORATION_ALIASED_POINTER: u32 = 5356;
const CONVERT_PTR_TO_U: u16 = 117;
const CONVERT_U_TO_PTR: u16 = 120;
const S_CONVERT: u16 = 114;
const RETURN_VALUE: u16 = 254;
const ARRAY_LENGTH: u16 = 68;
const COPY_MEMORY: u16 = 63;
const COPY_MEMORY_SIZED: u16 = 64;
const PTR_EQUAL: u16 = 401;
const PTR_NOT_EQUAL: u16 = 402;
const ATOMIC_STORE: u16 = 228;
const ATOMIC_I_INCREMENT: u16 = 232;
const ATOMIC_I_DECREMENT: u16 = 233;
/// The most words one load or store is taken apart into.
const MAX_WORDS: u32 = 256;

// The helper's operation name for an atomic opcode, and where its value and comparator are:
// the same table as image atomics'.
use super::image_atomics_as_calls::operation as atomic_operation;

pub(crate) fn physical_pointers_as_addresses(m: &mut Module) {
    if !m.insts.iter().any(is_physical_pointer_type) {
        return;
    }
    let mut n = m.clone();
    if rewrite(&mut n).is_some() {
        *m = n;
    }
}

fn is_physical_pointer_type(i: &Inst) -> bool {
    (i.opcode() == op::TYPE_POINTER || i.opcode() == op::TYPE_FORWARD_POINTER)
        && i.operand(1) == Some(STORAGE_CLASS_PHYSICAL)
}

/// What a type is, as far as loads and stores through addresses go.
#[derive(Clone, Debug, PartialEq)]
enum Shape {
    /// A 32-bit integer or float: one word (bitcast to `uint` when not `uint`).
    Word,
    /// A 64-bit integer or a physical pointer: two words.
    Wide,
    /// Vector components, struct members or array elements: (byte offset, type).
    Composite(Vec<(u64, u32)>),
}

struct Types {
    defs: HashMap<u32, Inst>,
    /// Physical pointer type → pointee.
    physical: HashMap<u32, u32>,
    offsets: HashMap<(u32, u32), u32>,
    strides: HashMap<u32, u32>,
    constants: HashMap<u32, u64>,
}

impl Types {
    fn shape(&self, ty: u32) -> Option<Shape> {
        if self.physical.contains_key(&ty) {
            return Some(Shape::Wide);
        }
        let d = self.defs.get(&ty)?;
        match d.opcode() {
            op::TYPE_INT | op::TYPE_FLOAT => match (d.opcode(), d.operand(1)?) {
                (_, 32) => Some(Shape::Word),
                (op::TYPE_INT, 64) => Some(Shape::Wide),
                _ => None,
            },
            op::TYPE_VECTOR => {
                let (c, n) = (d.operand(1)?, d.operand(2)?);
                let size = match self.shape(c)? {
                    Shape::Word => 4,
                    Shape::Wide => 8,
                    Shape::Composite(_) => return None,
                };
                Some(Shape::Composite(
                    (0..n).map(|i| (u64::from(i) * size, c)).collect(),
                ))
            }
            op::TYPE_STRUCT => {
                let members = &d.operands()[1..];
                let mut v = Vec::new();
                for (k, &t) in members.iter().enumerate() {
                    let o = *self.offsets.get(&(ty, k as u32))?;
                    v.push((u64::from(o), t));
                }
                Some(Shape::Composite(v))
            }
            op::TYPE_ARRAY => {
                let (e, len) = (d.operand(1)?, d.operand(2)?);
                let len = *self.constants.get(&len)?;
                let stride = u64::from(*self.strides.get(&ty)?);
                if len > u64::from(MAX_WORDS) {
                    return None;
                }
                Some(Shape::Composite(
                    (0..len).map(|i| (i * stride, e)).collect(),
                ))
            }
            _ => None,
        }
    }

    /// Words a value of `ty` takes apart into (bounded).
    fn words(&self, ty: u32, depth: u32) -> Option<u32> {
        if depth > 16 {
            return None;
        }
        Some(match self.shape(ty)? {
            Shape::Word => 1,
            Shape::Wide => 2,
            Shape::Composite(v) => {
                let mut n = 0u32;
                for (_, t) in v {
                    n = n.checked_add(self.words(t, depth + 1)?)?;
                    if n > MAX_WORDS {
                        return None;
                    }
                }
                n
            }
        })
    }
}

/// Builds the replacement instructions of one function body.
struct Emit<'a> {
    m: &'a mut Module,
    types: &'a Types,
    u32_ty: u32,
    u64_ty: u32,
    i64_ty: u32,
    uvec2_ty: u32,
    void_ty: u32,
    out: Vec<Inst>,
    helpers: HashMap<(String, u32, Vec<u32>), u32>,
    functions: Vec<Inst>,
    names: Vec<Inst>,
    /// Result id → result type, of the function bodies' values.
    value_types: HashMap<u32, u32>,
}

impl Emit<'_> {
    fn constant64(&mut self, v: u64) -> Option<u32> {
        let (lo, hi) = (v as u32, (v >> 32) as u32);
        let ty = self.u64_ty;
        if let Some(i) = self.m.find(op::CONSTANT, |o| {
            o.len() == 4 && o[0] == ty && o[2..] == [lo, hi]
        }) {
            return Some(self.m.insts[i].operands()[1]);
        }
        let id = self.m.fresh_id()?;
        self.m
            .insts
            .push(Inst::new(op::CONSTANT, &[ty, id, lo, hi]));
        Some(id)
    }

    fn add(&mut self, address: u32, offset: u64) -> Option<u32> {
        if offset == 0 {
            return Some(address);
        }
        let c = self.constant64(offset)?;
        let r = self.m.fresh_id()?;
        self.out
            .push(Inst::new(op::I_ADD, &[self.u64_ty, r, address, c]));
        Some(r)
    }

    /// `address + index × stride`, the index any integer (taken as signed, as access-chain
    /// indices are).
    fn add_scaled(&mut self, address: u32, index: u32, stride: u64) -> Option<u32> {
        if let Some(&c) = self.types.constants.get(&index) {
            let width = self.int_width(index)?;
            let c = if width == 32 {
                c as u32 as i32 as i64 as u64
            } else {
                c
            };
            return self.add(address, c.wrapping_mul(stride));
        }
        let wide = match self.int_width(index)? {
            32 => {
                let s = self.m.fresh_id()?;
                self.out
                    .push(Inst::new(S_CONVERT, &[self.i64_ty, s, index]));
                let u = self.m.fresh_id()?;
                self.out.push(Inst::new(op::BITCAST, &[self.u64_ty, u, s]));
                u
            }
            64 => {
                let u = self.m.fresh_id()?;
                self.out
                    .push(Inst::new(op::BITCAST, &[self.u64_ty, u, index]));
                u
            }
            _ => return None,
        };
        let c = self.constant64(stride)?;
        let scaled = self.m.fresh_id()?;
        self.out
            .push(Inst::new(op::I_MUL, &[self.u64_ty, scaled, wide, c]));
        let r = self.m.fresh_id()?;
        self.out
            .push(Inst::new(op::I_ADD, &[self.u64_ty, r, address, scaled]));
        Some(r)
    }

    /// The width of an integer value (32 or 64).
    fn int_width(&self, value: u32) -> Option<u32> {
        let ty = match self.value_types.get(&value) {
            Some(&t) => t,
            None => self
                .m
                .insts
                .iter()
                .find(|i| super::has_result_type(i.opcode()) && i.operand(1) == Some(value))
                .and_then(|i| i.operand(0))?,
        };
        let d = self.types.defs.get(&ty)?;
        (d.opcode() == op::TYPE_INT).then(|| d.operand(1)).flatten()
    }

    fn helper(&mut self, name: &str, ret: u32, params: &[u32]) -> Option<u32> {
        let key = (name.to_string(), ret, params.to_vec());
        if let Some(&h) = self.helpers.get(&key) {
            return Some(h);
        }
        let mut fn_words = vec![ret];
        fn_words.extend_from_slice(params);
        let fn_ty = self.m.intern_type(op::TYPE_FUNCTION, &fn_words)?;
        let h = self.m.fresh_id()?;
        self.functions
            .push(Inst::new(op::FUNCTION, &[ret, h, 0, fn_ty]));
        let mut ids = Vec::new();
        for &p in params {
            let id = self.m.fresh_id()?;
            ids.push(id);
            self.functions
                .push(Inst::new(op::FUNCTION_PARAMETER, &[p, id]));
        }
        let label = self.m.fresh_id()?;
        self.functions.push(Inst::new(op::LABEL, &[label]));
        if ret == self.void_ty {
            self.functions.push(Inst::new(op::RETURN, &[]));
        } else {
            // `load` returns 0; atomics their value (never run).
            let v = match ids.get(1) {
                Some(&v) => v,
                None => self.m.constant32(self.u32_ty, 0)?,
            };
            self.functions.push(Inst::new(RETURN_VALUE, &[v]));
        }
        self.functions.push(Inst::new(op::FUNCTION_END, &[]));
        let mut name_words = vec![h];
        let mut bytes = format!("{ADDRESS_PREFIX}{name}").into_bytes();
        bytes.push(0);
        while bytes.len() % 4 != 0 {
            bytes.push(0);
        }
        name_words.extend(
            bytes
                .chunks(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        self.names.push(Inst::new(op::NAME, &name_words));
        self.helpers.insert(key, h);
        Some(h)
    }

    fn load_word(&mut self, address: u32) -> Option<u32> {
        let h = self.helper("load", self.u32_ty, &[self.u64_ty])?;
        let r = self.m.fresh_id()?;
        self.out
            .push(Inst::new(op::FUNCTION_CALL, &[self.u32_ty, r, h, address]));
        Some(r)
    }

    fn store_word(&mut self, address: u32, word: u32) -> Option<()> {
        let h = self.helper("store", self.void_ty, &[self.u64_ty, self.u32_ty])?;
        let r = self.m.fresh_id()?;
        self.out.push(Inst::new(
            op::FUNCTION_CALL,
            &[self.void_ty, r, h, address, word],
        ));
        Some(())
    }

    /// Loads a value of `ty` (original type id) at `address` into `result` (a fresh id when
    /// `None`).
    fn load(&mut self, ty: u32, address: u32, result: Option<u32>) -> Option<u32> {
        let r = match result {
            Some(r) => r,
            None => self.m.fresh_id()?,
        };
        let out_ty = self.substituted(ty);
        match self.types.shape(ty)? {
            Shape::Word => {
                let w = self.load_word(address)?;
                if out_ty == self.u32_ty {
                    self.out.push(Inst::new(op::COPY_OBJECT, &[out_ty, r, w]));
                } else {
                    self.out.push(Inst::new(op::BITCAST, &[out_ty, r, w]));
                }
            }
            Shape::Wide => {
                let lo = self.load_word(address)?;
                let a4 = self.add(address, 4)?;
                let hi = self.load_word(a4)?;
                let v = self.m.fresh_id()?;
                self.out.push(Inst::new(
                    op::COMPOSITE_CONSTRUCT,
                    &[self.uvec2_ty, v, lo, hi],
                ));
                self.out.push(Inst::new(op::BITCAST, &[out_ty, r, v]));
            }
            Shape::Composite(parts) => {
                let mut words = vec![out_ty, r];
                for (offset, t) in parts {
                    let a = self.add(address, offset)?;
                    words.push(self.load(t, a, None)?);
                }
                self.out.push(Inst::new(op::COMPOSITE_CONSTRUCT, &words));
            }
        }
        Some(r)
    }

    fn store(&mut self, ty: u32, address: u32, value: u32) -> Option<()> {
        match self.types.shape(ty)? {
            Shape::Word => {
                let w = if self.substituted(ty) == self.u32_ty {
                    value
                } else {
                    let w = self.m.fresh_id()?;
                    self.out
                        .push(Inst::new(op::BITCAST, &[self.u32_ty, w, value]));
                    w
                };
                self.store_word(address, w)
            }
            Shape::Wide => {
                let v = self.m.fresh_id()?;
                self.out
                    .push(Inst::new(op::BITCAST, &[self.uvec2_ty, v, value]));
                let (lo, hi) = (self.m.fresh_id()?, self.m.fresh_id()?);
                self.out
                    .push(Inst::new(op::COMPOSITE_EXTRACT, &[self.u32_ty, lo, v, 0]));
                self.out
                    .push(Inst::new(op::COMPOSITE_EXTRACT, &[self.u32_ty, hi, v, 1]));
                self.store_word(address, lo)?;
                let a4 = self.add(address, 4)?;
                self.store_word(a4, hi)
            }
            Shape::Composite(parts) => {
                for (k, (offset, t)) in parts.into_iter().enumerate() {
                    let part = self.m.fresh_id()?;
                    let part_ty = self.substituted(t);
                    self.out.push(Inst::new(
                        op::COMPOSITE_EXTRACT,
                        &[part_ty, part, value, k as u32],
                    ));
                    let a = self.add(address, offset)?;
                    self.store(t, a, part)?;
                }
                Some(())
            }
        }
    }

    fn substituted(&self, ty: u32) -> u32 {
        if self.types.physical.contains_key(&ty) {
            self.u64_ty
        } else {
            ty
        }
    }
}

fn rewrite(m: &mut Module) -> Option<()> {
    if m.insts.iter().any(|i| {
        i.opcode() == op::NAME
            && super::literal_string(&i.0[2..])
                .0
                .starts_with(ADDRESS_PREFIX)
    }) {
        return None;
    }
    // What the types are.
    let mut types = Types {
        defs: HashMap::default(),
        physical: HashMap::default(),
        offsets: HashMap::default(),
        strides: HashMap::default(),
        constants: HashMap::default(),
    };
    for i in &m.insts {
        let opc = i.opcode();
        if (op::TYPE_VOID..=op::TYPE_FORWARD_POINTER).contains(&opc) {
            if opc == op::TYPE_POINTER && i.operand(1) == Some(STORAGE_CLASS_PHYSICAL) {
                types.physical.insert(i.operand(0)?, i.operand(2)?);
            }
            if opc != op::TYPE_FORWARD_POINTER {
                types.defs.insert(i.operand(0)?, i.clone());
            }
        } else if opc == op::MEMBER_DECORATE && i.operand(2) == Some(DECORATION_OFFSET) {
            types
                .offsets
                .insert((i.operand(0)?, i.operand(1)?), i.operand(3)?);
        } else if opc == op::DECORATE && i.operand(1) == Some(DECORATION_ARRAY_STRIDE) {
            types.strides.insert(i.operand(0)?, i.operand(2)?);
        } else if opc == op::CONSTANT {
            let o = i.operands();
            let v = match o.len() {
                3 => u64::from(o[2]),
                4 => u64::from(o[2]) | u64::from(o[3]) << 32,
                _ => continue,
            };
            types.constants.insert(o[1], v);
        }
    }
    let u32_ty = m.intern_type(op::TYPE_INT, &[32, 0])?;
    let u64_ty = m.intern_type(op::TYPE_INT, &[64, 0])?;
    let i64_ty = m.intern_type(op::TYPE_INT, &[64, 1])?;
    let uvec2_ty = m.intern_type(op::TYPE_VECTOR, &[u32_ty, 2])?;
    let void_ty = m.intern_type(op::TYPE_VOID, &[])?;
    for (id, ty) in [(u32_ty, 32), (u64_ty, 64), (i64_ty, 64)] {
        types
            .defs
            .entry(id)
            .or_insert_with(|| Inst::new(op::TYPE_INT, &[id, ty, u32::from(id == i64_ty)]));
    }
    types
        .defs
        .entry(uvec2_ty)
        .or_insert_with(|| Inst::new(op::TYPE_VECTOR, &[uvec2_ty, u32_ty, 2]));
    let physical = types.physical.clone();
    let sub = |w: u32| physical.get(&w).map_or(w, |_| u64_ty);

    // The globals: physical pointer types go, references to them become `uint64_t`.
    let start = m.globals_end();
    let body = m.insts.split_off(start);
    let mut globals = Vec::with_capacity(m.insts.len());
    let mut has_int64 = false;
    for mut i in std::mem::take(&mut m.insts) {
        let opc = i.opcode();
        match opc {
            op::CAPABILITY if i.operand(0) == Some(CAPABILITY_ADDRESSES) => continue,
            op::CAPABILITY if i.operand(0) == Some(CAPABILITY_INT64) => has_int64 = true,
            op::EXTENSION => {
                let name = super::literal_string(i.operands()).0;
                if name == "SPV_KHR_physical_storage_buffer"
                    || name == "SPV_EXT_physical_storage_buffer"
                {
                    continue;
                }
            }
            op::MEMORY_MODEL if i.operand(0) == Some(ADDRESSING_PHYSICAL64) => i.0[1] = 0,
            op::NAME | op::MEMBER_NAME | op::DECORATE | op::MEMBER_DECORATE
                if physical.contains_key(&i.operand(0)?) =>
            {
                continue
            }
            op::DECORATE
                if matches!(
                    i.operand(1),
                    Some(DECORATION_RESTRICT_POINTER | DECORATION_ALIASED_POINTER)
                ) =>
            {
                continue
            }
            _ if is_physical_pointer_type(&i) => continue,
            op::TYPE_STRUCT | op::TYPE_FUNCTION => {
                for w in &mut i.0[2..] {
                    *w = sub(*w);
                }
            }
            op::TYPE_ARRAY | op::TYPE_RUNTIME_ARRAY => i.0[2] = sub(i.0[2]),
            op::TYPE_POINTER => i.0[3] = sub(i.0[3]),
            op::TYPE_VOID..=op::TYPE_FORWARD_POINTER => {}
            _ if super::has_result_type(opc) => i.0[1] = sub(i.0[1]),
            _ => {}
        }
        globals.push(i);
    }
    if !has_int64 {
        let at = globals
            .iter()
            .position(|i| i.opcode() == op::CAPABILITY)
            .unwrap_or(0);
        globals.insert(at, Inst::new(op::CAPABILITY, &[CAPABILITY_INT64]));
    }
    m.insts = globals;

    // Function bodies.
    let mut e = Emit {
        m,
        types: &types,
        u32_ty,
        u64_ty,
        i64_ty,
        uvec2_ty,
        void_ty,
        out: Vec::with_capacity(body.len()),
        helpers: HashMap::default(),
        functions: Vec::new(),
        names: Vec::new(),
        value_types: HashMap::default(),
    };
    // Physical pointer values → their pointee types.
    let mut pointee: HashMap<u32, u32> = HashMap::default();
    for i in &body {
        if i.0.len() > 2 {
            e.value_types.insert(i.0[2], i.0[1]);
        }
    }
    for i in &body {
        let opc = i.opcode();
        let result_ty = i.operand(0).unwrap_or(0);
        if let Some(&p) = physical.get(&result_ty) {
            if i.0.len() > 2 {
                pointee.insert(i.0[2], p);
            }
        }
        // Operand `k`, when it is a physical pointer value.
        let pointer_at = |k: usize| i.operand(k).filter(|p| pointee.contains_key(p));
        match opc {
            op::DECORATE | op::NAME => {}
            CONVERT_U_TO_PTR | CONVERT_PTR_TO_U => {
                let &[_, ty, r, x] = &i.0[..] else {
                    return None;
                };
                let from_pointer = pointee.contains_key(&x);
                if e.substituted(ty) != u64_ty || !from_pointer && e.int_width(x)? != 64 {
                    return None;
                }
                e.out.push(Inst::new(op::COPY_OBJECT, &[u64_ty, r, x]));
                continue;
            }
            op::ACCESS_CHAIN
            | op::IN_BOUNDS_ACCESS_CHAIN
            | op::PTR_ACCESS_CHAIN
            | op::IN_BOUNDS_PTR_ACCESS_CHAIN
                if pointer_at(2).is_some() =>
            {
                let (r, base) = (i.0[2], i.0[3]);
                let mut ty = pointee[&base];
                let mut indices = &i.0[4..];
                let mut address = base;
                if matches!(opc, op::PTR_ACCESS_CHAIN | op::IN_BOUNDS_PTR_ACCESS_CHAIN) {
                    let (&element, rest) = indices.split_first()?;
                    let base_ty = e.value_types.get(&base).copied()?;
                    let stride = *types.strides.get(&base_ty)?;
                    address = e.add_scaled(address, element, u64::from(stride))?;
                    indices = rest;
                }
                for &index in indices {
                    let d = types.defs.get(&ty)?;
                    match d.opcode() {
                        op::TYPE_STRUCT => {
                            let k = *types.constants.get(&index)? as u32;
                            let off = *types.offsets.get(&(ty, k))?;
                            address = e.add(address, u64::from(off))?;
                            ty = *d.operands().get(1 + k as usize)?;
                        }
                        op::TYPE_ARRAY | op::TYPE_RUNTIME_ARRAY => {
                            let stride = *types.strides.get(&ty)?;
                            address = e.add_scaled(address, index, u64::from(stride))?;
                            ty = d.operand(1)?;
                        }
                        op::TYPE_VECTOR => {
                            let c = d.operand(1)?;
                            let size = match types.shape(c)? {
                                Shape::Word => 4,
                                Shape::Wide => 8,
                                Shape::Composite(_) => return None,
                            };
                            address = e.add_scaled(address, index, size)?;
                            ty = c;
                        }
                        _ => return None,
                    }
                }
                if pointee.get(&r) != Some(&ty) {
                    return None;
                }
                e.out
                    .push(Inst::new(op::COPY_OBJECT, &[u64_ty, r, address]));
                continue;
            }
            op::LOAD if pointer_at(2).is_some() => {
                let (ty, r, p) = (i.0[1], i.0[2], i.0[3]);
                if pointee[&p] != ty || types.words(ty, 0).is_none() {
                    return None;
                }
                e.load(ty, p, Some(r))?;
                continue;
            }
            op::STORE if pointer_at(0).is_some() => {
                let (p, v) = (i.0[1], *i.0.get(2)?);
                let ty = pointee[&p];
                types.words(ty, 0)?;
                e.store(ty, p, v)?;
                continue;
            }
            _ if atomic_operation(opc).is_some() => {
                let pw = if opc == ATOMIC_STORE { 0 } else { 2 };
                if let Some(p) = pointer_at(pw) {
                    let ty = pointee[&p];
                    if types.shape(ty)? != Shape::Word
                        || types.defs.get(&ty)?.opcode() != op::TYPE_INT
                    {
                        return None;
                    }
                    let (name, value_at, compare_at) = atomic_operation(opc)?;
                    let one = |e: &mut Emit, v| e.m.constant32(ty, v);
                    let value = match value_at {
                        Some(w) => *i.0.get(w)?,
                        None if matches!(opc, ATOMIC_I_INCREMENT | ATOMIC_I_DECREMENT) => {
                            one(&mut e, 1)?
                        }
                        None => one(&mut e, 0)?,
                    };
                    let compare = match compare_at {
                        Some(w) => *i.0.get(w)?,
                        None => one(&mut e, 0)?,
                    };
                    let h = e.helper(&format!("atomic_{name}"), ty, &[u64_ty, ty, ty])?;
                    let r = if opc == ATOMIC_STORE {
                        e.m.fresh_id()?
                    } else {
                        i.0[2]
                    };
                    e.out
                        .push(Inst::new(op::FUNCTION_CALL, &[ty, r, h, p, value, compare]));
                    continue;
                }
            }
            ARRAY_LENGTH
            | COPY_MEMORY
            | COPY_MEMORY_SIZED
            | PTR_EQUAL
            | PTR_NOT_EQUAL
            | op::PTR_DIFF
                if pointee.keys().any(|&p| super::uses_id(i, p)) =>
            {
                return None
            }
            _ => {}
        }
        let mut i = i.clone();
        if i.0.len() > 1 && physical.contains_key(&i.0[1]) {
            i.0[1] = u64_ty;
        }
        e.out.push(i);
    }
    let Emit {
        out,
        functions,
        names,
        ..
    } = e;
    // Helper names go with the other debug instructions.
    let at = m
        .insts
        .iter()
        .position(|i| {
            !matches!(
                i.opcode(),
                op::CAPABILITY
                    | op::EXTENSION
                    | op::EXT_INST_IMPORT
                    | op::MEMORY_MODEL
                    | op::ENTRY_POINT
                    | op::EXECUTION_MODE
                    | op::EXECUTION_MODE_ID
                    | op::STRING
                    | op::SOURCE
                    | op::SOURCE_EXTENSION
                    | op::SOURCE_CONTINUED
                    | op::NAME
                    | op::MEMBER_NAME
            )
        })
        .unwrap_or(m.insts.len());
    m.insts.splice(at..at, names);
    m.insts.extend(out);
    m.insts.extend(functions);
    Some(())
}

#[cfg(test)]
mod tests {
    use crate::compute::{BufferSlice, DispatchResources};

    const LIST: &str = r#"#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 4) in;
layout(buffer_reference) buffer Node;
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Node { uint value; uint pad; Node next; };
layout(buffer_reference, std430) buffer Out { uint sum[]; };
layout(buffer_reference, std430) buffer Vals { uvec2 v; float f[4]; };
layout(push_constant) uniform PC { Node head; uint64_t out_addr; Vals vals; } pc;
void main() {
    uint s = 0;
    Node n = pc.head;
    while (uint64_t(n) != 0) { s += n.value; n = n.next; }
    Out o = Out(pc.out_addr);
    o.sum[gl_LocalInvocationID.x] = s + gl_LocalInvocationID.x;
    pc.vals.f[gl_LocalInvocationID.x] = float(pc.vals.v.y) * 2.0 + float(o.sum[9]);
    atomicAdd(o.sum[7], 1u);
}
"#;

    const BASE: u64 = 0x1_0000_0000;

    fn run(words: &[u32], memory: &pumice_memory::DeviceMemory, push: [u64; 3]) {
        let program = crate::compute::ComputeProgram::new(words, "main", &[]).unwrap();
        assert!(program.uses_device_addresses());
        let res = DispatchResources {
            buffers: Vec::new(),
            images: Vec::new(),
            push_constants: push.iter().flat_map(|v| v.to_le_bytes()).collect(),
            addresses: vec![(
                BASE,
                BufferSlice {
                    memory,
                    offset: 0,
                    size: memory.size(),
                },
            )],
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
    }

    fn word(memory: &pumice_memory::DeviceMemory, at: u64) -> u32 {
        memory.load_u32(at).unwrap()
    }

    /// A linked list followed through pointers loaded from memory, stores through a pointer
    /// made from an integer, a vector member, a float array and an atomic.
    #[test]
    fn follows_a_linked_list() {
        let Some(words) = crate::legalize::tests::glsl_comp(LIST) else {
            return;
        };
        let memory = pumice_memory::DeviceMemory::new(4096).unwrap();
        // Nodes at 0, 16, 32: values 5, 7, 11.
        for (at, value, next) in [(0u64, 5u32, BASE + 16), (16, 7, BASE + 32), (32, 11, 0)] {
            memory.store_u32(at, value);
            memory.store_u32(at + 8, next as u32);
            memory.store_u32(at + 12, (next >> 32) as u32);
        }
        memory.store_u32(256 + 36, 100); // sum[9]
        memory.store_u32(516, 3); // vals.v.y
        run(&words, &memory, [BASE, BASE + 256, BASE + 512]);
        for x in 0..4 {
            assert_eq!(word(&memory, 256 + 4 * x), 23 + x as u32);
            assert_eq!(f32::from_bits(word(&memory, 520 + 4 * x)), 106.0);
        }
        assert_eq!(word(&memory, 256 + 28), 4);
    }

    /// Addresses outside every live allocation read 0 and write nothing.
    #[test]
    fn out_of_range_reads_zero_and_writes_nothing() {
        let Some(words) = crate::legalize::tests::glsl_comp(LIST) else {
            return;
        };
        let memory = pumice_memory::DeviceMemory::new(4096).unwrap();
        memory.store_u32(516, 3);
        // The list is empty, the output lies past the allocation's end, and `vals` is read
        // and written at the allocation's start (reading sum[9] out of range gives 0).
        run(&words, &memory, [0, BASE + 4096, BASE + 512]);
        for x in 0..4 {
            assert_eq!(f32::from_bits(word(&memory, 520 + 4 * x)), 6.0);
        }
        let mut all = vec![0u8; 4096];
        memory.read(0, &mut all).unwrap();
        let nonzero = all
            .chunks(4)
            .enumerate()
            .filter(|(_, c)| c != &[0, 0, 0, 0])
            .count();
        assert_eq!(nonzero, 5);
        // Below the base, straddling nothing: nothing is written either.
        run(&words, &memory, [0, BASE - 64, BASE + 512]);
        memory.read(0, &mut all).unwrap();
        assert_eq!(all.chunks(4).filter(|c| c != &[0, 0, 0, 0]).count(), 5);
    }

    /// `OpPtrAccessChain` (indexing a reference, `buffer_reference2`), pointers made from
    /// `uvec2` (`buffer_reference_uvec2`), pointers passed to functions, 64-bit members,
    /// compare-exchange and min/max atomics.
    #[test]
    fn pointer_arithmetic_conversions_and_atomics() {
        let Some(words) = crate::legalize::tests::glsl_comp(
            r#"#version 450
#extension GL_EXT_buffer_reference2 : require
#extension GL_EXT_buffer_reference_uvec2 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 2) in;
layout(buffer_reference, std430, buffer_reference_align = 16) buffer U { uint x; int y; uint64_t z; };
layout(push_constant) uniform PC { uvec2 base; } pc;
void put(U p, uint i) { p[i].x = 7u + i; p[i].z = 0x123456789ul + i; }
void main() {
    U p = U(pc.base);
    uint i = gl_LocalInvocationID.x;
    put(p, i + 1u);
    atomicMin(p[0].y, -5 - int(i));
    atomicCompSwap(p[3].x, 0u, 40u + i);
    uvec2 back = uvec2(p + 1);
    p[4].x = back.x - pc.base.x;
}
"#,
        ) else {
            return;
        };
        let memory = pumice_memory::DeviceMemory::new(4096).unwrap();
        // Push constants: the base as uvec2.
        let program = crate::compute::ComputeProgram::new(&words, "main", &[]).unwrap();
        let res = DispatchResources {
            buffers: Vec::new(),
            images: Vec::new(),
            push_constants: BASE.to_le_bytes().to_vec(),
            addresses: vec![(
                BASE,
                BufferSlice {
                    memory: &memory,
                    offset: 0,
                    size: memory.size(),
                },
            )],
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        // Elements are 16 bytes apart (x at 0, y at 4, z at 8).
        assert_eq!(word(&memory, 16), 8);
        assert_eq!(word(&memory, 32), 9);
        assert_eq!(word(&memory, 24), 0x2345_678a);
        assert_eq!(word(&memory, 28), 1);
        assert_eq!(word(&memory, 40), 0x2345_678b);
        assert_eq!(word(&memory, 4) as i32, -6);
        // One of the two compare-exchanges won.
        assert!([40, 41].contains(&word(&memory, 48)));
        assert_eq!(word(&memory, 64), 16);
    }

    /// Matrices through a pointer are not supported: the module is left to naga's refusal.
    #[test]
    fn refuses_matrices() {
        let Some(words) = crate::legalize::tests::glsl_comp(
            r#"#version 450
#extension GL_EXT_buffer_reference : require
layout(buffer_reference, std430) buffer M { mat2 m; };
layout(push_constant) uniform PC { M p; } pc;
void main() { pc.p.m = pc.p.m * 2.0; }
"#,
        ) else {
            return;
        };
        assert!(crate::compute::ComputeProgram::new(&words, "main", &[]).is_err());
    }
}
