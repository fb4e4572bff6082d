//! Lowering: a validated naga module's entry point → the flat bytecode of [`crate::ir`].
//!
//! - Calls are inlined (recursion is not allowed in Vulkan shaders).
//! - Every value is scalarised into registers; composite values are register lists in
//!   "flat order" (struct members, array elements, matrix columns, vector components).
//! - Variables that are never indexed dynamically live in registers ("promoted": a store is a
//!   masked move); the others live in per-lane scratch memory (function and private variables)
//!   or workgroup memory, laid out in flat order, 4 bytes a register (8 for a 64-bit scalar).
//! - Buffers and push constants use the module's explicit layout (offsets, strides).
//! - Expressions are lowered at their `Emit`, so a load emitted before a store reads the old
//!   value; constants, arguments and variables are lowered on first use.
//!
//! 64-bit integers and doubles are register pairs ([`wide`]); 16-bit arithmetic is refused
//! with `CompileError::Unsupported`: a refused shader is never a wrong one.

mod address;
mod expr;
mod image;
mod subgroup;
mod types;
mod wide;

use foldhash::{HashMap, HashSet};

use naga::{AddressSpace, Block, Expression, Function, Handle, Statement, TypeInner};

use crate::compute::CompileError;
use crate::ir::{
    Addr, Builtin, Gather, GroupOp, Inst, Interp, IoSlot, Program, Reg, Scan, Slot, Space, Un,
};
use types::flat_count;

pub(crate) fn unsupported<T>(what: impl Into<String>) -> Result<T, CompileError> {
    Err(CompileError::Unsupported(what.into()))
}

/// A value's registers, inline up to four (a scalar or a vector: most values). A `Vec` was a
/// heap allocation per expression lowered, and its free when the function's values went:
/// lowering the compute bench's matmul shader went from 134K to 102K instructions.
pub(crate) type Regs = smallvec::SmallVec<[Reg; 4]>;

/// How pointers into a space lay out their data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// The module's offsets and strides (buffers, push constants).
    Explicit,
    /// Flat order, 4 bytes a scalar (scratch and workgroup memory).
    Flat,
}

/// Where a pointer points.
#[derive(Debug)]
pub(crate) enum Loc {
    /// A promoted variable: exactly the pointee's registers.
    Regs(Regs),
    Mem {
        space: Space,
        layout: Layout,
        dynamic: Option<Reg>,
        offset: u32,
    },
    /// A binding array of buffers, not yet indexed.
    BufferArray {
        global: Handle<naga::GlobalVariable>,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Ptr {
    pub ty: TypeInner,
    pub loc: Loc,
}

#[derive(Debug)]
pub(crate) enum Value {
    Regs(Regs),
    Ptr(Ptr),
    /// An image or sampler: a handle global, or element `element` of a binding array of them.
    Handle {
        global: Handle<naga::GlobalVariable>,
        element: u32,
    },
    /// A binding array of images or samplers, not yet indexed.
    HandleArray {
        global: Handle<naga::GlobalVariable>,
    },
}

/// Where a variable lives.
#[derive(Debug)]
enum Storage {
    Regs(Regs),
    Mem {
        space: Space,
        layout: Layout,
        offset: u32,
    },
}

// `Clone` by hand for the types holding `Regs`: a derived clone copies a `SmallVec` through
// its general iterator path (about 60 instructions); `from_slice` copies the registers at
// once. Lowering clones a value at each use of an expression.

impl Clone for Loc {
    fn clone(&self) -> Loc {
        match self {
            Loc::Regs(r) => Loc::Regs(Regs::from_slice(r)),
            &Loc::Mem {
                space,
                layout,
                dynamic,
                offset,
            } => Loc::Mem {
                space,
                layout,
                dynamic,
                offset,
            },
            &Loc::BufferArray { global } => Loc::BufferArray { global },
        }
    }
}

impl Clone for Value {
    fn clone(&self) -> Value {
        match self {
            Value::Regs(r) => Value::Regs(Regs::from_slice(r)),
            Value::Ptr(p) => Value::Ptr(p.clone()),
            &Value::Handle { global, element } => Value::Handle { global, element },
            &Value::HandleArray { global } => Value::HandleArray { global },
        }
    }
}

impl Clone for Storage {
    fn clone(&self) -> Storage {
        match self {
            Storage::Regs(r) => Storage::Regs(Regs::from_slice(r)),
            &Storage::Mem {
                space,
                layout,
                offset,
            } => Storage::Mem {
                space,
                layout,
                offset,
            },
        }
    }
}

/// The values of a function's expressions lowered so far, by handle index: the handles of
/// one arena are dense, and a hash map of them (hashing, growing, dropping) was 4% of a cold
/// compile.
pub(crate) struct ExprValues(Vec<Option<Value>>);

impl ExprValues {
    fn new(len: usize) -> ExprValues {
        ExprValues(std::iter::repeat_with(|| None).take(len).collect())
    }

    pub fn get(&self, e: &Handle<Expression>) -> Option<&Value> {
        self.0.get(e.index()).and_then(Option::as_ref)
    }

    pub fn contains_key(&self, e: &Handle<Expression>) -> bool {
        self.get(e).is_some()
    }

    pub fn insert(&mut self, e: Handle<Expression>, v: Value) {
        let i = e.index();
        if i >= self.0.len() {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i] = Some(v);
    }
}

/// Lowering state for one function being inlined.
pub(crate) struct FnCtx<'m> {
    pub fun: &'m Function,
    pub info: &'m naga::valid::FunctionInfo,
    pub values: ExprValues,
    args: Vec<Value>,
    locals: HashMap<Handle<naga::LocalVariable>, Storage>,
    result: Option<Regs>,
}

pub(crate) struct Lowering<'m> {
    pub module: &'m naga::Module,
    pub info: &'m naga::valid::ModuleInfo,
    pub code: Vec<Inst>,
    next_reg: u32,
    constants: Vec<(Reg, u32)>,
    const_regs: HashMap<u32, Reg>,
    builtins: Vec<(Reg, Builtin)>,
    inputs: Vec<(IoSlot, Reg)>,
    outputs: Vec<(IoSlot, Reg)>,
    interpolation: Vec<(IoSlot, Interp)>,
    pub slots: Vec<(Slot, crate::compute::ResourceKind)>,
    globals: HashMap<Handle<naga::GlobalVariable>, Storage>,
    not_promotable_globals: HashSet<Handle<naga::GlobalVariable>>,
    scratch_size: u32,
    workgroup_bytes: u32,
    pub uses_barrier: bool,
    image_ops: Vec<crate::ir::ImageOp>,
    /// The entry point's stage (implicit levels of detail exist only for fragments).
    stage: Option<naga::ShaderStage>,
}

impl<'m> Lowering<'m> {
    pub fn new(module: &'m naga::Module, info: &'m naga::valid::ModuleInfo) -> Lowering<'m> {
        Lowering {
            module,
            info,
            code: Vec::new(),
            next_reg: 0,
            constants: Vec::new(),
            const_regs: HashMap::default(),
            builtins: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            interpolation: Vec::new(),
            slots: Vec::new(),
            globals: HashMap::default(),
            not_promotable_globals: HashSet::default(),
            scratch_size: 0,
            workgroup_bytes: 0,
            uses_barrier: false,
            image_ops: Vec::new(),
            stage: None,
        }
    }

    pub fn reg(&mut self) -> Reg {
        let r = self.next_reg;
        self.next_reg += 1;
        r
    }

    /// `n` fresh registers, numbered in order.
    pub fn regs(&mut self, n: usize) -> Regs {
        let first = self.next_reg;
        self.next_reg += n as u32;
        // Most values fit inline: built from an array, not through `SmallVec`'s general
        // (growing) `collect`.
        if n <= 4 {
            Regs::from_buf_and_len([first, first + 1, first + 2, first + 3], n)
        } else {
            (first..first + n as u32).collect()
        }
    }

    /// A register holding `value` in every lane (shared between uses).
    pub fn constant(&mut self, value: u32) -> Reg {
        if let Some(&r) = self.const_regs.get(&value) {
            return r;
        }
        let r = self.reg();
        self.constants.push((r, value));
        self.const_regs.insert(value, r);
        r
    }

    pub fn emit(&mut self, inst: Inst) {
        self.code.push(inst);
    }

    pub fn pc(&self) -> u32 {
        self.code.len() as u32
    }

    pub fn ty(&self, h: Handle<naga::Type>) -> &'m TypeInner {
        &self.module.types[h].inner
    }

    /// Compiles the entry point into a program.
    pub fn entry_point(mut self, index: usize) -> Result<Program, CompileError> {
        let module = self.module;
        let ep = &module.entry_points[index];
        self.stage = Some(ep.stage);
        self.analyse_globals()?;
        let fun_info = self.info.get_entry_point(index);
        let mut args = Vec::new();
        for arg in &ep.function.arguments {
            args.push(self.entry_argument(arg)?);
        }
        self.emit(Inst::CallBegin);
        let mut ctx = self.enter_function(&ep.function, fun_info, args)?;
        // The entry point's result is the stage's outputs.
        if let (Some(result), Some(regs)) = (&ep.function.result, ctx.result.clone()) {
            self.bind_outputs(result.ty, result.binding.as_ref(), &regs)?;
        }
        self.block(&mut ctx, &ep.function.body)?;
        self.emit(Inst::CallEnd);
        Ok(Program {
            code: self.code,
            register_count: self.next_reg,
            constants: self.constants,
            builtins: self.builtins,
            push_constants: Vec::new(),
            inputs: self.inputs,
            outputs: self.outputs,
            interpolation: self.interpolation,
            slots: self.slots.iter().map(|(s, _)| *s).collect(),
            scratch_size: self.scratch_size,
            workgroup_size_bytes: self.workgroup_bytes,
            image_ops: self.image_ops,
        })
    }

    fn entry_argument(&mut self, arg: &naga::FunctionArgument) -> Result<Value, CompileError> {
        let regs = self.regs(flat_count(self.module, self.ty(arg.ty))?);
        self.bind_inputs(arg.ty, arg.binding.as_ref(), &regs)?;
        Ok(Value::Regs(regs))
    }

    /// Records where an entry point argument's values come from: compute built-ins, or stage
    /// inputs (each component its own slot). Structs bind member by member.
    fn bind_inputs(
        &mut self,
        ty: Handle<naga::Type>,
        binding: Option<&naga::Binding>,
        regs: &[Reg],
    ) -> Result<(), CompileError> {
        match binding {
            None => self.for_members(ty, regs, |this, mty, mb, mregs| {
                this.bind_inputs(mty, mb, mregs)
            }),
            Some(naga::Binding::BuiltIn(b)) => {
                for (i, &r) in regs.iter().enumerate() {
                    let c = i as u8;
                    let compute = match b {
                        naga::BuiltIn::GlobalInvocationId => Some(Builtin::GlobalInvocationId(c)),
                        naga::BuiltIn::LocalInvocationId => Some(Builtin::LocalInvocationId(c)),
                        naga::BuiltIn::LocalInvocationIndex => Some(Builtin::LocalInvocationIndex),
                        naga::BuiltIn::WorkGroupId => Some(Builtin::WorkgroupId(c)),
                        naga::BuiltIn::NumWorkGroups => Some(Builtin::NumWorkgroups(c)),
                        naga::BuiltIn::WorkGroupSize => Some(Builtin::WorkgroupSize(c)),
                        naga::BuiltIn::SubgroupSize => Some(Builtin::SubgroupSize),
                        naga::BuiltIn::SubgroupInvocationId => Some(Builtin::SubgroupInvocationId),
                        naga::BuiltIn::SubgroupId => Some(Builtin::SubgroupId),
                        naga::BuiltIn::NumSubgroups => Some(Builtin::NumSubgroups),
                        _ => None,
                    };
                    match compute {
                        Some(which) => self.builtins.push((r, which)),
                        None => self.inputs.push((io_builtin(*b, c)?, r)),
                    }
                }
                Ok(())
            }
            Some(naga::Binding::Location {
                location,
                interpolation,
                ..
            }) => {
                let interp = match interpolation {
                    Some(naga::Interpolation::Flat) => Interp::Flat,
                    Some(naga::Interpolation::Linear) => Interp::NoPerspective,
                    _ => Interp::Smooth,
                };
                let first = self.inputs.len();
                self.bind_locations(*location, ty, regs, false)?;
                for (slot, _) in &self.inputs[first..] {
                    self.interpolation.push((*slot, interp));
                }
                Ok(())
            }
        }
    }

    fn bind_outputs(
        &mut self,
        ty: Handle<naga::Type>,
        binding: Option<&naga::Binding>,
        regs: &[Reg],
    ) -> Result<(), CompileError> {
        match binding {
            None => self.for_members(ty, regs, |this, mty, mb, mregs| {
                this.bind_outputs(mty, mb, mregs)
            }),
            Some(naga::Binding::BuiltIn(b)) => {
                for (i, &r) in regs.iter().enumerate() {
                    self.outputs.push((io_builtin(*b, i as u8)?, r));
                }
                Ok(())
            }
            Some(naga::Binding::Location { location, .. }) => {
                self.bind_locations(*location, ty, regs, true)
            }
        }
    }

    /// A value at a location: vectors fill components, matrices and arrays take consecutive
    /// locations (one per column or element).
    fn bind_locations(
        &mut self,
        location: u32,
        ty: Handle<naga::Type>,
        regs: &[Reg],
        output: bool,
    ) -> Result<(), CompileError> {
        if contains_wide(self.module, self.ty(ty)) {
            return unsupported("64-bit stage inputs and outputs");
        }
        let per_location = match self.ty(ty) {
            TypeInner::Matrix { rows, .. } => types::vector_len(*rows),
            TypeInner::Array { base, .. } => flat_count(self.module, self.ty(*base))?,
            _ => regs.len().max(1),
        };
        if per_location > 4 {
            return unsupported("a stage input or output element wider than a location");
        }
        for (i, &r) in regs.iter().enumerate() {
            let slot = IoSlot::Location {
                location: location + (i / per_location) as u32,
                component: (i % per_location) as u32,
            };
            if output {
                self.outputs.push((slot, r));
            } else {
                self.inputs.push((slot, r));
            }
        }
        Ok(())
    }

    fn for_members(
        &mut self,
        ty: Handle<naga::Type>,
        regs: &[Reg],
        mut f: impl FnMut(
            &mut Self,
            Handle<naga::Type>,
            Option<&naga::Binding>,
            &[Reg],
        ) -> Result<(), CompileError>,
    ) -> Result<(), CompileError> {
        let TypeInner::Struct { members, .. } = self.ty(ty) else {
            return unsupported("a stage input or output without a binding");
        };
        let mut first = 0;
        for m in members {
            let n = flat_count(self.module, self.ty(m.ty))?;
            let Some(mregs) = regs.get(first..first + n) else {
                return unsupported("interface layout");
            };
            f(self, m.ty, m.binding.as_ref(), mregs)?;
            first += n;
        }
        Ok(())
    }

    /// Decides where each global lives and finds resource slots.
    fn analyse_globals(&mut self) -> Result<(), CompileError> {
        let module = self.module;
        // Private variables indexed dynamically anywhere must live in memory.
        let all_functions = module
            .functions
            .iter()
            .map(|(_, f)| f)
            .chain(module.entry_points.iter().map(|e| &e.function));
        for f in all_functions {
            for (_, e) in f.expressions.iter() {
                if let Expression::Access { base, index } = e {
                    if constant_index(module, f, *index).is_some() {
                        continue;
                    }
                    if let Some(Root::Global(g)) = root_of(f, *base) {
                        self.not_promotable_globals.insert(g);
                    }
                }
            }
        }
        for (h, g) in module.global_variables.iter() {
            let inner = self.ty(g.ty);
            let storage = match g.space {
                AddressSpace::Private if !self.not_promotable_globals.contains(&h) => {
                    let n = flat_count(module, inner)?;
                    Storage::Regs(self.regs(n))
                }
                AddressSpace::Private => {
                    let n = flat_count(module, inner)? as u32;
                    let offset = self.scratch_size;
                    self.scratch_size += n * 4;
                    Storage::Mem {
                        space: Space::Scratch,
                        layout: Layout::Flat,
                        offset,
                    }
                }
                AddressSpace::WorkGroup => {
                    let n = flat_count(module, inner)? as u32;
                    let offset = self.workgroup_bytes;
                    self.workgroup_bytes += n * 4;
                    Storage::Mem {
                        space: Space::Workgroup,
                        layout: Layout::Flat,
                        offset,
                    }
                }
                AddressSpace::Immediate => Storage::Mem {
                    space: Space::PushConstant,
                    layout: Layout::Explicit,
                    offset: 0,
                },
                AddressSpace::Storage { .. } | AddressSpace::Uniform => {
                    let Some(binding) = &g.binding else {
                        return unsupported("buffer without a binding");
                    };
                    if let TypeInner::BindingArray { .. } = inner {
                        // Slots are made per element when indexed.
                        continue;
                    }
                    let kind = buffer_kind(g.space);
                    let slot = self.slot(binding.group, binding.binding, 0, kind)?;
                    Storage::Mem {
                        space: Space::Buffer(slot),
                        layout: Layout::Explicit,
                        offset: 0,
                    }
                }
                AddressSpace::Handle => continue,
                other => return unsupported(format!("address space {other:?}")),
            };
            self.globals.insert(h, storage);
        }
        // Initialisers of private variables are set when the program starts (constants only).
        for (h, g) in module.global_variables.iter() {
            if let (Some(init), Some(storage)) = (g.init, self.globals.get(&h).cloned()) {
                let values = self.eval_global_const(init)?;
                let regs: Regs = values.iter().map(|&v| self.constant(v)).collect();
                self.store_storage(&storage, self.ty(g.ty).clone(), &regs)?;
            }
        }
        Ok(())
    }

    pub(crate) fn slot(
        &mut self,
        set: u32,
        binding: u32,
        element: u32,
        kind: crate::compute::ResourceKind,
    ) -> Result<u16, CompileError> {
        let s = Slot {
            set,
            binding,
            element,
        };
        if let Some(i) = self.slots.iter().position(|(x, _)| *x == s) {
            return Ok(i as u16);
        }
        if self.slots.len() >= u16::MAX as usize {
            return unsupported("too many resources");
        }
        self.slots.push((s, kind));
        Ok((self.slots.len() - 1) as u16)
    }

    fn store_storage(
        &mut self,
        storage: &Storage,
        ty: TypeInner,
        regs: &[Reg],
    ) -> Result<(), CompileError> {
        let ptr = match storage {
            Storage::Regs(r) => Ptr {
                ty,
                loc: Loc::Regs(r.clone()),
            },
            Storage::Mem {
                space,
                layout,
                offset,
            } => Ptr {
                ty,
                loc: Loc::Mem {
                    space: *space,
                    layout: *layout,
                    dynamic: None,
                    offset: *offset,
                },
            },
        };
        self.store(&ptr, regs)
    }

    fn enter_function(
        &mut self,
        fun: &'m Function,
        info: &'m naga::valid::FunctionInfo,
        args: Vec<Value>,
    ) -> Result<FnCtx<'m>, CompileError> {
        let mut dynamic = HashSet::default();
        for (_, e) in fun.expressions.iter() {
            if let Expression::Access { base, index } = e {
                if constant_index(self.module, fun, *index).is_some() {
                    continue;
                }
                if let Some(Root::Local(l)) = root_of(fun, *base) {
                    dynamic.insert(l);
                }
            }
        }
        let result = match &fun.result {
            Some(r) => Some(self.regs(flat_count(self.module, self.ty(r.ty))?)),
            None => None,
        };
        let mut ctx = FnCtx {
            fun,
            info,
            values: ExprValues::new(fun.expressions.len()),
            args,
            locals: HashMap::default(),
            result,
        };
        for (h, local) in fun.local_variables.iter() {
            let inner = self.ty(local.ty);
            let n = flat_count(self.module, inner)?;
            let storage = if dynamic.contains(&h) {
                let offset = self.scratch_size;
                self.scratch_size += n as u32 * 4;
                Storage::Mem {
                    space: Space::Scratch,
                    layout: Layout::Flat,
                    offset,
                }
            } else {
                Storage::Regs(self.regs(n))
            };
            // Variables start as their initialiser, or zero (Vulkan leaves them undefined;
            // zero keeps runs deterministic).
            let init = match local.init {
                Some(e) => self.value_regs(&mut ctx, e)?,
                None => smallvec::smallvec![self.constant(0); n],
            };
            match &storage {
                Storage::Regs(r) => {
                    for (&d, &s) in r.iter().zip(&init) {
                        self.emit(Inst::Un {
                            op: Un::Mov,
                            dst: d,
                            a: s,
                        });
                    }
                }
                mem => self.store_storage(mem, inner.clone(), &init)?,
            }
            ctx.locals.insert(h, storage);
        }
        Ok(ctx)
    }

    pub(crate) fn block(
        &mut self,
        ctx: &mut FnCtx<'m>,
        block: &'m Block,
    ) -> Result<(), CompileError> {
        for stmt in block.iter() {
            self.statement(ctx, stmt)?;
        }
        Ok(())
    }

    fn statement(&mut self, ctx: &mut FnCtx<'m>, stmt: &'m Statement) -> Result<(), CompileError> {
        match stmt {
            Statement::Emit(range) => {
                for e in range.clone() {
                    if !ctx.values.contains_key(&e) {
                        let v = self.expression(ctx, e)?;
                        ctx.values.insert(e, v);
                    }
                }
            }
            Statement::Block(b) => self.block(ctx, b)?,
            // `if (c) { … } else { break; }` — how loops test their condition — and
            // `if (c) { break; }`: a conditional break, with no if-frame to enter and leave.
            Statement::If {
                condition,
                accept,
                reject,
            } if is_break(reject) || (is_break(accept) && reject.is_empty()) => {
                let cond = self.value_regs(ctx, *condition)?[0];
                if is_break(reject) {
                    self.emit(Inst::BreakIf { cond, negate: true });
                    self.block(ctx, accept)?;
                } else {
                    self.emit(Inst::BreakIf {
                        cond,
                        negate: false,
                    });
                }
            }
            Statement::If {
                condition,
                accept,
                reject,
            } => {
                let cond = self.value_regs(ctx, *condition)?[0];
                let at_if = self.code.len();
                self.emit(Inst::If { cond, else_pc: 0 });
                self.block(ctx, accept)?;
                let at_else = self.code.len();
                self.emit(Inst::Else { end_pc: 0 });
                self.block(ctx, reject)?;
                let at_end = self.code.len() as u32;
                self.emit(Inst::EndIf);
                self.code[at_if] = Inst::If {
                    cond,
                    else_pc: at_else as u32,
                };
                self.code[at_else] = Inst::Else { end_pc: at_end };
            }
            Statement::Switch { selector, cases } => self.switch(ctx, *selector, cases)?,
            Statement::Loop {
                body,
                continuing,
                break_if,
            } => {
                let at_begin = self.code.len();
                self.emit(Inst::LoopBegin { end_pc: 0 });
                let body_pc = self.pc();
                self.block(ctx, body)?;
                self.emit(Inst::Continuing);
                self.block(ctx, continuing)?;
                if let Some(c) = break_if {
                    let cond = self.value_regs(ctx, *c)?[0];
                    self.emit(Inst::BreakIf {
                        cond,
                        negate: false,
                    });
                }
                let end = self.pc();
                self.emit(Inst::LoopEnd { body_pc });
                self.code[at_begin] = Inst::LoopBegin { end_pc: end };
            }
            Statement::Break => self.emit(Inst::Break),
            Statement::Continue => self.emit(Inst::Continue),
            Statement::Return { value } => {
                if let (Some(v), Some(result)) = (value, ctx.result.clone()) {
                    let regs = self.value_regs(ctx, *v)?;
                    for (&d, &s) in result.iter().zip(&regs) {
                        self.emit(Inst::MovMasked { dst: d, src: s });
                    }
                }
                self.emit(Inst::Return);
            }
            Statement::Kill => self.emit(Inst::Kill),
            // The batch is the subgroup and runs in lockstep: a subgroup-only barrier orders
            // nothing more.
            Statement::ControlBarrier(flags) if *flags == naga::Barrier::SUB_GROUP => {}
            Statement::ControlBarrier(_) => {
                self.uses_barrier = true;
                self.emit(Inst::Barrier);
            }
            // A workgroup runs on one thread and device memory is coherent: memory barriers
            // order nothing that is not already ordered.
            Statement::MemoryBarrier(_) => {}
            Statement::Store { pointer, value } => {
                let ptr = self.pointer(ctx, *pointer)?;
                let regs = self.value_regs(ctx, *value)?;
                self.store(&ptr, &regs)?;
            }
            Statement::Atomic {
                pointer,
                fun,
                value,
                result,
            } => {
                let v = self.atomic(ctx, *pointer, fun, *value)?;
                if let Some(r) = result {
                    ctx.values.insert(*r, Value::Regs(v));
                }
            }
            Statement::WorkGroupUniformLoad { pointer, result } => {
                self.uses_barrier = true;
                self.emit(Inst::Barrier);
                let ptr = self.pointer(ctx, *pointer)?;
                let v = self.load(&ptr)?;
                self.emit(Inst::Barrier);
                ctx.values.insert(*result, Value::Regs(v));
            }
            Statement::Call {
                function,
                arguments,
                result,
            } => {
                let callee = &self.module.functions[*function];
                match callee.name.as_deref() {
                    Some(crate::legalize::DEMOTE_FUNCTION) => {
                        self.emit(Inst::Demote);
                        return Ok(());
                    }
                    Some(crate::legalize::IS_HELPER_FUNCTION) => {
                        let dst = self.reg();
                        self.emit(Inst::IsHelper { dst });
                        if let Some(r) = result {
                            ctx.values.insert(*r, Value::Regs(smallvec::smallvec![dst]));
                        }
                        return Ok(());
                    }
                    _ => {}
                }
                if let Some(name) = callee
                    .name
                    .as_deref()
                    .and_then(|n| n.strip_prefix(crate::legalize::SUBGROUP_PREFIX))
                {
                    let regs = self.subgroup_call(ctx, name, arguments)?;
                    if let Some(r) = result {
                        ctx.values.insert(*r, Value::Regs(regs));
                    }
                    return Ok(());
                }
                if let Some(name) = callee
                    .name
                    .as_deref()
                    .and_then(|n| n.strip_prefix(crate::legalize::ADDRESS_PREFIX))
                {
                    let regs = self.address_call(ctx, name, arguments)?;
                    if let Some(r) = result {
                        ctx.values.insert(*r, Value::Regs(regs));
                    }
                    return Ok(());
                }
                if let Some(op) = callee
                    .name
                    .as_deref()
                    .and_then(|n| n.strip_prefix(crate::legalize::IMAGE_ATOMIC_PREFIX))
                {
                    let regs = self.image_atomic_call(ctx, op, arguments)?;
                    if let Some(r) = result {
                        ctx.values.insert(*r, Value::Regs(regs));
                    }
                    return Ok(());
                }
                let mut args = Vec::new();
                for &a in arguments {
                    args.push(self.expression_value(ctx, a)?);
                }
                let callee = &self.module.functions[*function];
                let callee_info = &self.info[*function];
                self.emit(Inst::CallBegin);
                let mut inner = self.enter_function(callee, callee_info, args)?;
                self.block(&mut inner, &callee.body)?;
                self.emit(Inst::CallEnd);
                if let (Some(r), Some(regs)) = (result, inner.result) {
                    ctx.values.insert(*r, Value::Regs(regs));
                }
            }
            Statement::ImageStore {
                image,
                coordinate,
                array_index,
                value,
            } => self.image_store(ctx, *image, *coordinate, *array_index, *value)?,
            Statement::ImageAtomic { .. } => return unsupported("image atomics"),
            Statement::SubgroupBallot { result, predicate } => {
                let cond = match predicate {
                    Some(p) => self.value_regs(ctx, *p)?[0],
                    None => self.constant(1),
                };
                let dst = [self.reg(), self.reg(), self.reg(), self.reg()];
                self.emit(Inst::Ballot { dst, cond });
                ctx.values.insert(*result, Value::Regs(dst.into()));
            }
            Statement::SubgroupCollectiveOperation {
                op,
                collective_op,
                argument,
                result,
            } => {
                let ty = ctx.info[*argument].ty.inner_with(&self.module.types);
                let kind = types::scalar_of(ty).map(|s| s.kind);
                let group_op = group_op(*op, kind)?;
                let scan = match collective_op {
                    naga::CollectiveOperation::Reduce => Scan::Reduce,
                    naga::CollectiveOperation::InclusiveScan => Scan::Inclusive,
                    naga::CollectiveOperation::ExclusiveScan => Scan::Exclusive,
                };
                let out = self.subgroup_collective(ctx, group_op, scan, *argument)?;
                ctx.values.insert(*result, Value::Regs(out));
            }
            Statement::SubgroupGather {
                mode,
                argument,
                result,
            } => {
                use naga::GatherMode as G;
                let (mode, index) = match mode {
                    G::BroadcastFirst => (Gather::BroadcastFirst, None),
                    G::Broadcast(i) => (Gather::Broadcast, Some(*i)),
                    G::Shuffle(i) => (Gather::Shuffle, Some(*i)),
                    G::ShuffleDown(i) => (Gather::ShuffleDown, Some(*i)),
                    G::ShuffleUp(i) => (Gather::ShuffleUp, Some(*i)),
                    G::ShuffleXor(i) => (Gather::ShuffleXor, Some(*i)),
                    G::QuadBroadcast(i) => (Gather::QuadBroadcast, Some(*i)),
                    G::QuadSwap(naga::Direction::X) => (Gather::QuadSwapX, None),
                    G::QuadSwap(naga::Direction::Y) => (Gather::QuadSwapY, None),
                    G::QuadSwap(naga::Direction::Diagonal) => (Gather::QuadSwapDiagonal, None),
                };
                let index = match index {
                    Some(i) => self.value_regs(ctx, i)?[0],
                    None => self.constant(0),
                };
                let src = self.value_regs(ctx, *argument)?;
                let mut out = Regs::new();
                for s in src {
                    let dst = self.reg();
                    self.emit(Inst::GroupGather {
                        mode,
                        dst,
                        src: s,
                        index,
                    });
                    out.push(dst);
                }
                ctx.values.insert(*result, Value::Regs(out));
            }
            other => return unsupported(format!("statement {other:?}")),
        }
        Ok(())
    }

    fn switch(
        &mut self,
        ctx: &mut FnCtx<'m>,
        selector: Handle<Expression>,
        cases: &'m [naga::SwitchCase],
    ) -> Result<(), CompileError> {
        use crate::ir::Bin;
        let sel = self.value_regs(ctx, selector)?[0];
        // Conditions first: one per case; the default's is "no other case matched".
        let mut conds = Vec::new();
        let mut any = self.constant(0);
        for case in cases {
            let value = match case.value {
                naga::SwitchValue::I32(v) => Some(v as u32),
                naga::SwitchValue::U32(v) => Some(v),
                naga::SwitchValue::Default => None,
            };
            if let Some(v) = value {
                let c = self.reg();
                let k = self.constant(v);
                self.emit(Inst::Bin {
                    op: Bin::IEq,
                    dst: c,
                    a: sel,
                    b: k,
                });
                let next_any = self.reg();
                self.emit(Inst::Bin {
                    op: Bin::Or,
                    dst: next_any,
                    a: any,
                    b: c,
                });
                any = next_any;
                conds.push(Some(c));
            } else {
                conds.push(None);
            }
        }
        let default_cond = self.reg();
        self.emit(Inst::Un {
            op: Un::LNot,
            dst: default_cond,
            a: any,
        });
        self.emit(Inst::SwitchBegin);
        let mut patches = Vec::new();
        let mut falls = false;
        for (case, cond) in cases.iter().zip(conds) {
            let at = self.code.len();
            let cond = cond.unwrap_or(default_cond);
            self.emit(Inst::Case {
                cond,
                fallthrough: falls,
                next_pc: 0,
            });
            patches.push((at, cond, falls));
            self.block(ctx, &case.body)?;
            falls = case.fall_through;
        }
        let end = self.pc();
        self.emit(Inst::SwitchEnd);
        for (i, &(at, cond, fallthrough)) in patches.iter().enumerate() {
            let next_pc = patches.get(i + 1).map_or(end, |p| p.0 as u32);
            self.code[at] = Inst::Case {
                cond,
                fallthrough,
                next_pc,
            };
        }
        Ok(())
    }

    /// The registers of an expression's value (it must not be a pointer).
    pub(crate) fn value_regs(
        &mut self,
        ctx: &mut FnCtx<'m>,
        e: Handle<Expression>,
    ) -> Result<Regs, CompileError> {
        // Most reads are of values lowered already: their registers are copied straight from
        // the table, not through a clone of the whole `Value` moved out and taken apart.
        if let Some(Value::Regs(r)) = ctx.values.get(&e) {
            return Ok(Regs::from_slice(r));
        }
        match self.expression_value(ctx, e)? {
            Value::Regs(r) => Ok(r),
            Value::Ptr(_) => unsupported("a pointer used as a value"),
            Value::Handle { .. } | Value::HandleArray { .. } => {
                unsupported("an image or sampler used as a value")
            }
        }
    }

    pub(crate) fn pointer(
        &mut self,
        ctx: &mut FnCtx<'m>,
        e: Handle<Expression>,
    ) -> Result<Ptr, CompileError> {
        // As in `value_regs`: a pointer lowered already is cloned straight from the table.
        if let Some(Value::Ptr(p)) = ctx.values.get(&e) {
            return Ok(p.clone());
        }
        match self.expression_value(ctx, e)? {
            Value::Ptr(p) => Ok(p),
            _ => unsupported("a value used as a pointer"),
        }
    }

    /// An expression's value, lowering it now if it has not been (constants, arguments and
    /// variables are never emitted).
    pub(crate) fn expression_value(
        &mut self,
        ctx: &mut FnCtx<'m>,
        e: Handle<Expression>,
    ) -> Result<Value, CompileError> {
        if let Some(v) = ctx.values.get(&e) {
            return Ok(v.clone());
        }
        let v = self.expression(ctx, e)?;
        ctx.values.insert(e, v.clone());
        Ok(v)
    }

    pub(crate) fn variable_pointer(
        &mut self,
        ctx: &FnCtx<'m>,
        e: &Expression,
    ) -> Result<Option<Ptr>, CompileError> {
        let (storage, ty) = match e {
            Expression::LocalVariable(l) => {
                let Some(s) = ctx.locals.get(l) else {
                    return unsupported("unknown local variable");
                };
                (s.clone(), self.ty(ctx.fun.local_variables[*l].ty).clone())
            }
            Expression::GlobalVariable(g) => {
                let var = &self.module.global_variables[*g];
                let ty = self.ty(var.ty).clone();
                if let TypeInner::BindingArray { .. } = ty {
                    return Ok(Some(Ptr {
                        ty,
                        loc: Loc::BufferArray { global: *g },
                    }));
                }
                match self.globals.get(g) {
                    Some(s) => (s.clone(), ty),
                    None => return unsupported(format!("global in address space {:?}", var.space)),
                }
            }
            Expression::FunctionArgument(i) => {
                return match ctx.args.get(*i as usize) {
                    Some(Value::Ptr(p)) => Ok(Some(p.clone())),
                    _ => Ok(None),
                };
            }
            _ => return Ok(None),
        };
        Ok(Some(match storage {
            Storage::Regs(r) => Ptr {
                ty,
                loc: Loc::Regs(r),
            },
            Storage::Mem {
                space,
                layout,
                offset,
            } => Ptr {
                ty,
                loc: Loc::Mem {
                    space,
                    layout,
                    dynamic: None,
                    offset,
                },
            },
        }))
    }

    pub(crate) fn argument(&self, ctx: &FnCtx<'m>, i: u32) -> Result<Value, CompileError> {
        ctx.args
            .get(i as usize)
            .cloned()
            .ok_or_else(|| CompileError::Unsupported("missing argument".into()))
    }

    /// Loads the whole pointee into fresh registers.
    pub(crate) fn load(&mut self, ptr: &Ptr) -> Result<Regs, CompileError> {
        match &ptr.loc {
            Loc::Regs(r) => {
                let out = self.regs(r.len());
                for (&d, &s) in out.iter().zip(r) {
                    self.emit(Inst::Un {
                        op: Un::Mov,
                        dst: d,
                        a: s,
                    });
                }
                Ok(out)
            }
            Loc::Mem {
                space,
                layout,
                dynamic,
                offset,
            } => {
                let offsets = types::scalar_offsets(self.module, &ptr.ty, *layout)?;
                let out = self.regs(offsets.len());
                for (&d, &o) in out.iter().zip(&offsets) {
                    self.emit(Inst::Load {
                        dst: d,
                        space: *space,
                        addr: Addr {
                            dynamic: *dynamic,
                            offset: offset + o,
                        },
                    });
                }
                Ok(out)
            }
            Loc::BufferArray { .. } => unsupported("loading a whole binding array"),
        }
    }

    pub(crate) fn store(&mut self, ptr: &Ptr, regs: &[Reg]) -> Result<(), CompileError> {
        match &ptr.loc {
            Loc::Regs(r) => {
                for (&d, &s) in r.iter().zip(regs) {
                    self.emit(Inst::MovMasked { dst: d, src: s });
                }
                Ok(())
            }
            Loc::Mem {
                space,
                layout,
                dynamic,
                offset,
            } => {
                let offsets = types::scalar_offsets(self.module, &ptr.ty, *layout)?;
                for (&s, &o) in regs.iter().zip(&offsets) {
                    self.emit(Inst::Store {
                        src: s,
                        space: *space,
                        addr: Addr {
                            dynamic: *dynamic,
                            offset: offset + o,
                        },
                    });
                }
                Ok(())
            }
            Loc::BufferArray { .. } => unsupported("storing a whole binding array"),
        }
    }

    fn eval_global_const(&self, e: Handle<Expression>) -> Result<Vec<u32>, CompileError> {
        expr::eval_const(self.module, &self.module.global_expressions, e)
    }
}

pub(crate) fn buffer_kind(space: AddressSpace) -> crate::compute::ResourceKind {
    match space {
        AddressSpace::Uniform => crate::compute::ResourceKind::UniformBuffer,
        _ => crate::compute::ResourceKind::StorageBuffer,
    }
}

/// The stage I/O slot of a graphics built-in, component `c`.
fn io_builtin(b: naga::BuiltIn, c: u8) -> Result<IoSlot, CompileError> {
    use naga::BuiltIn as B;
    Ok(match b {
        B::Position { .. } => IoSlot::Position(c),
        B::PointSize => IoSlot::PointSize,
        B::ClipDistances => IoSlot::ClipDistance(c),
        B::CullDistance => IoSlot::CullDistance(c),
        B::VertexIndex => IoSlot::VertexIndex,
        B::InstanceIndex => IoSlot::InstanceIndex,
        B::BaseVertex => IoSlot::BaseVertex,
        B::BaseInstance => IoSlot::BaseInstance,
        B::DrawIndex => IoSlot::DrawIndex,
        B::FrontFacing => IoSlot::FrontFacing,
        B::PointCoord => IoSlot::PointCoord(c),
        B::SampleIndex => IoSlot::SampleIndex,
        B::SampleMask => IoSlot::SampleMask,
        B::PrimitiveIndex => IoSlot::PrimitiveIndex,
        B::ViewIndex => IoSlot::ViewIndex,
        B::FragDepth => IoSlot::FragDepth,
        other => return unsupported(format!("built-in {other:?}")),
    })
}

fn group_op(
    op: naga::SubgroupOperation,
    kind: Option<naga::ScalarKind>,
) -> Result<GroupOp, CompileError> {
    use naga::ScalarKind as K;
    use naga::SubgroupOperation as O;
    Ok(match (op, kind) {
        (O::All | O::And, _) => GroupOp::And,
        (O::Any | O::Or, _) => GroupOp::Or,
        (O::Xor, _) => GroupOp::Xor,
        (O::Add, Some(K::Float)) => GroupOp::FAdd,
        (O::Add, _) => GroupOp::IAdd,
        (O::Mul, Some(K::Float)) => GroupOp::FMul,
        (O::Mul, _) => GroupOp::IMul,
        (O::Min, Some(K::Float)) => GroupOp::FMin,
        (O::Min, Some(K::Sint)) => GroupOp::SMin,
        (O::Min, _) => GroupOp::UMin,
        (O::Max, Some(K::Float)) => GroupOp::FMax,
        (O::Max, Some(K::Sint)) => GroupOp::SMax,
        (O::Max, _) => GroupOp::UMax,
    })
}

/// Whether a type has a 64-bit scalar anywhere in it.
fn contains_wide(module: &naga::Module, inner: &TypeInner) -> bool {
    match inner {
        TypeInner::Array { base, .. } => contains_wide(module, &module.types[*base].inner),
        TypeInner::Struct { members, .. } => members
            .iter()
            .any(|m| contains_wide(module, &module.types[m.ty].inner)),
        other => types::is_wide(other),
    }
}

fn is_break(block: &Block) -> bool {
    block.len() == 1 && matches!(block.iter().next(), Some(Statement::Break))
}

/// The value of an index expression known at compile time (a literal or a constant).
pub(crate) fn constant_index(
    module: &naga::Module,
    fun: &Function,
    e: Handle<Expression>,
) -> Option<u32> {
    match fun.expressions[e] {
        Expression::Literal(_) | Expression::Constant(_) => {
            expr::eval_const(module, &fun.expressions, e)
                .ok()
                .and_then(|v| v.first().copied())
        }
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Root {
    Local(Handle<naga::LocalVariable>),
    Global(Handle<naga::GlobalVariable>),
}

/// The variable a pointer expression is derived from.
fn root_of(fun: &Function, mut e: Handle<Expression>) -> Option<Root> {
    loop {
        match fun.expressions[e] {
            Expression::Access { base, .. } | Expression::AccessIndex { base, .. } => e = base,
            Expression::LocalVariable(l) => return Some(Root::Local(l)),
            Expression::GlobalVariable(g) => return Some(Root::Global(g)),
            _ => return None,
        }
    }
}

/// The kind of each of a program's resource slots.
pub(crate) fn slot_kinds(
    module: &naga::Module,
    program: &Program,
) -> Vec<(Slot, crate::compute::ResourceKind)> {
    program
        .slots
        .iter()
        .map(|s| {
            let kind = module
                .global_variables
                .iter()
                .find(|(_, g)| {
                    g.binding
                        .as_ref()
                        .is_some_and(|b| b.group == s.set && b.binding == s.binding)
                })
                .map_or(crate::compute::ResourceKind::StorageBuffer, |(_, g)| {
                    if g.space == AddressSpace::Handle {
                        image::handle_kind(module, g.ty)
                            .unwrap_or(crate::compute::ResourceKind::SampledImage)
                    } else {
                        buffer_kind(g.space)
                    }
                });
            (*s, kind)
        })
        .collect()
}

/// Bytes of push constants the module reads.
pub(crate) fn push_constant_size(module: &naga::Module) -> u32 {
    let mut size = 0;
    for (_, g) in module.global_variables.iter() {
        if g.space == AddressSpace::Immediate {
            if let Ok(offsets) =
                types::scalar_offsets(module, &module.types[g.ty].inner, Layout::Explicit)
            {
                size = size.max(offsets.iter().map(|o| o + 4).max().unwrap_or(0));
            }
        }
    }
    size
}
