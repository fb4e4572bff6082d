//! Lowering of expressions: access chains, arithmetic, conversions, GLSL.std.450 functions.

use naga::{
    BinaryOperator as BO, Expression, Handle, Literal, MathFunction as MF, RelationalFunction,
    ScalarKind, TypeInner, UnaryOperator,
};

use super::types::{dynamic_element, element, flat_count, is_wide, scalar_of, vector_len, words};
use super::{buffer_kind, unsupported, FnCtx, Layout, Loc, Lowering, Ptr, Regs, Value};
use crate::compute::CompileError;
use crate::ir::{AtomicOp, Bin, Inst, Reg, Space, Tern, Un};

/// Evaluates a constant expression to its flat 32-bit words.
pub fn eval_const(
    module: &naga::Module,
    arena: &naga::Arena<Expression>,
    e: Handle<Expression>,
) -> Result<Vec<u32>, CompileError> {
    Ok(match &arena[e] {
        Expression::Literal(l) => literal(l)?,
        Expression::Constant(c) => eval_const(
            module,
            &module.global_expressions,
            module.constants[*c].init,
        )?,
        Expression::ZeroValue(ty) => vec![0; flat_count(module, &module.types[*ty].inner)?],
        Expression::Compose { components, .. } => {
            let mut out = Vec::new();
            for &c in components {
                out.extend(eval_const(module, arena, c)?);
            }
            out
        }
        Expression::Splat { size, value } => {
            let v = eval_const(module, arena, *value)?;
            v.iter()
                .copied()
                .cycle()
                .take(vector_len(*size) * v.len())
                .collect()
        }
        other => return unsupported(format!("constant expression {other:?}")),
    })
}

/// A literal's words (64-bit ones low word first).
fn literal(l: &Literal) -> Result<Vec<u32>, CompileError> {
    let split = |v: u64| vec![v as u32, (v >> 32) as u32];
    Ok(match *l {
        Literal::F32(v) => vec![v.to_bits()],
        Literal::U32(v) => vec![v],
        Literal::I32(v) => vec![v as u32],
        Literal::Bool(b) => vec![b as u32],
        Literal::F64(v) => split(v.to_bits()),
        Literal::U64(v) => split(v),
        Literal::I64(v) => split(v as u64),
        other => return unsupported(format!("literal {other:?}")),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Float,
    Sint,
    Uint,
    Bool,
}

fn class_of(inner: &TypeInner) -> Result<Class, CompileError> {
    match scalar_of(inner).map(|s| s.kind) {
        Some(ScalarKind::Float) => Ok(Class::Float),
        Some(ScalarKind::Sint) => Ok(Class::Sint),
        Some(ScalarKind::Uint) => Ok(Class::Uint),
        Some(ScalarKind::Bool) => Ok(Class::Bool),
        _ => unsupported(format!("arithmetic on {inner:?}")),
    }
}

impl<'m> Lowering<'m> {
    pub(crate) fn type_of(&self, ctx: &FnCtx<'m>, e: Handle<Expression>) -> TypeInner {
        ctx.info[e].ty.inner_with(&self.module.types).clone()
    }

    pub(crate) fn un(&mut self, op: Un, a: Reg) -> Reg {
        let dst = self.reg();
        self.emit(Inst::Un { op, dst, a });
        dst
    }

    fn bin(&mut self, op: Bin, a: Reg, b: Reg) -> Reg {
        let dst = self.reg();
        self.emit(Inst::Bin { op, dst, a, b });
        dst
    }

    fn tern(&mut self, op: Tern, a: Reg, b: Reg, c: Reg) -> Reg {
        let dst = self.reg();
        self.emit(Inst::Tern { op, dst, a, b, c });
        dst
    }

    fn fconst(&mut self, v: f32) -> Reg {
        self.constant(v.to_bits())
    }

    fn map_un(&mut self, op: Un, a: &[Reg]) -> Regs {
        a.iter().map(|&x| self.un(op, x)).collect()
    }

    /// Applies `op` component-wise, broadcasting a scalar operand.
    fn map_bin(&mut self, op: Bin, a: &[Reg], b: &[Reg]) -> Regs {
        let n = a.len().max(b.len());
        (0..n)
            .map(|i| self.bin(op, a[i.min(a.len() - 1)], b[i.min(b.len() - 1)]))
            .collect()
    }

    fn map_tern(&mut self, op: Tern, a: &[Reg], b: &[Reg], c: &[Reg]) -> Regs {
        let n = a.len().max(b.len()).max(c.len());
        let at = |v: &[Reg], i: usize| v[i.min(v.len() - 1)];
        (0..n)
            .map(|i| self.tern(op, at(a, i), at(b, i), at(c, i)))
            .collect()
    }

    fn sum(&mut self, op: Bin, terms: &[Reg]) -> Reg {
        let mut acc = terms[0];
        for &t in &terms[1..] {
            acc = self.bin(op, acc, t);
        }
        acc
    }

    fn dot(&mut self, class: Class, a: &[Reg], b: &[Reg]) -> Reg {
        let (mul, add) = if class == Class::Float {
            (Bin::FMul, Bin::FAdd)
        } else {
            (Bin::IMul, Bin::IAdd)
        };
        let products = self.map_bin(mul, a, b);
        self.sum(add, &products)
    }

    /// Lowers one expression.
    pub(crate) fn expression(
        &mut self,
        ctx: &mut FnCtx<'m>,
        e: Handle<Expression>,
    ) -> Result<Value, CompileError> {
        let fun = ctx.fun;
        let expr = &fun.expressions[e];
        let regs = |v: Regs| Ok(Value::Regs(v));
        match expr {
            Expression::Literal(l) => {
                let words = literal(l)?;
                regs(words.into_iter().map(|w| self.constant(w)).collect())
            }
            Expression::Constant(_) | Expression::ZeroValue(_) => {
                let words = eval_const(self.module, &fun.expressions, e)?;
                regs(words.into_iter().map(|w| self.constant(w)).collect())
            }
            Expression::Override(_) => {
                unsupported("override expressions (specialization constants left unresolved)")
            }
            Expression::Compose { components, .. } => {
                let mut out = Regs::new();
                for &c in components {
                    out.extend(self.value_regs(ctx, c)?);
                }
                regs(out)
            }
            Expression::Splat { size, value } => {
                let v = self.value_regs(ctx, *value)?;
                regs(Regs::from_vec(v.repeat(vector_len(*size))))
            }
            Expression::Swizzle {
                size,
                vector,
                pattern,
            } => {
                let v = self.value_regs(ctx, *vector)?;
                let k = scalar_of(&self.type_of(ctx, *vector)).map_or(1, words);
                let mut out = Regs::new();
                for c in &pattern[..vector_len(*size)] {
                    let first = *c as usize * k;
                    match v.get(first..first + k) {
                        Some(s) => out.extend_from_slice(s),
                        None => return unsupported("swizzle out of range"),
                    }
                }
                regs(out)
            }
            Expression::FunctionArgument(i) => self.argument(ctx, *i),
            Expression::GlobalVariable(g)
                if self.module.global_variables[*g].space == naga::AddressSpace::Handle =>
            {
                let var = &self.module.global_variables[*g];
                Ok(match self.ty(var.ty) {
                    TypeInner::BindingArray { .. } => Value::HandleArray { global: *g },
                    _ => Value::Handle {
                        global: *g,
                        element: 0,
                    },
                })
            }
            Expression::GlobalVariable(_) | Expression::LocalVariable(_) => {
                match self.variable_pointer(ctx, expr)? {
                    Some(p) => Ok(Value::Ptr(p)),
                    None => unsupported("variable"),
                }
            }
            Expression::Load { pointer } => {
                let p = self.pointer(ctx, *pointer)?;
                regs(self.load(&p)?)
            }
            Expression::AccessIndex { base, index } => self.access_index(ctx, *base, *index),
            Expression::Access { base, index } => self.access(ctx, *base, *index),
            Expression::Unary { op, expr: a } => {
                let ty = self.type_of(ctx, *a);
                let class = class_of(&ty)?;
                let v = self.value_regs(ctx, *a)?;
                if is_wide(&ty) {
                    return regs(self.unary_wide(*op, &ty, &v)?);
                }
                let op = match (op, class) {
                    (UnaryOperator::Negate, Class::Float) => Un::FNeg,
                    (UnaryOperator::Negate, _) => Un::INeg,
                    (UnaryOperator::LogicalNot, _) => Un::LNot,
                    (UnaryOperator::BitwiseNot, Class::Bool) => Un::LNot,
                    (UnaryOperator::BitwiseNot, _) => Un::Not,
                };
                regs(self.map_un(op, &v))
            }
            Expression::Binary { op, left, right } => {
                self.binary(ctx, *op, *left, *right).map(Value::Regs)
            }
            Expression::Select {
                condition,
                accept,
                reject,
            } => {
                let c = self.value_regs(ctx, *condition)?;
                let a = self.value_regs(ctx, *accept)?;
                let r = self.value_regs(ctx, *reject)?;
                if is_wide(&self.type_of(ctx, *accept)) {
                    return regs(self.select_wide(&c, &a, &r));
                }
                regs(self.map_tern(Tern::Select, &c, &a, &r))
            }
            Expression::Relational { fun: f, argument } => {
                let v = self.value_regs(ctx, *argument)?;
                let ty = self.type_of(ctx, *argument);
                if is_wide(&ty) {
                    return regs(self.relational_wide(*f, &ty, &v)?);
                }
                regs(match f {
                    RelationalFunction::All => smallvec::smallvec![self.sum(Bin::And, &v)],
                    RelationalFunction::Any => smallvec::smallvec![self.sum(Bin::Or, &v)],
                    RelationalFunction::IsNan => self.map_bin(Bin::FNe, &v, &v),
                    RelationalFunction::IsInf => {
                        let abs = self.map_un(Un::FAbs, &v);
                        let inf = self.fconst(f32::INFINITY);
                        self.map_bin(Bin::FEq, &abs, &[inf])
                    }
                })
            }
            Expression::Math {
                fun: f,
                arg,
                arg1,
                arg2,
                arg3,
            } => self
                .math(ctx, *f, *arg, *arg1, *arg2, *arg3)
                .map(Value::Regs),
            Expression::As {
                expr: a,
                kind,
                convert,
            } => {
                let from_ty = self.type_of(ctx, *a);
                let from = class_of(&from_ty)?;
                let v = self.value_regs(ctx, *a)?;
                // A bitcast keeps the words (a 64-bit scalar and a 32-bit vec2 alike).
                let Some(width) = convert else { return regs(v) };
                if is_wide(&from_ty) || (*kind != ScalarKind::Bool && *width == 8) {
                    return regs(self.convert_wide(&from_ty, &v, *kind, *width)?);
                }
                if *kind != ScalarKind::Bool && *width != 4 {
                    return unsupported(format!("conversion to {kind:?} of width {width}"));
                }
                let op = match (from, kind) {
                    (Class::Float, ScalarKind::Float) => Un::Mov,
                    (Class::Float, ScalarKind::Sint) => Un::FToS,
                    (Class::Float, ScalarKind::Uint) => Un::FToU,
                    (Class::Float, ScalarKind::Bool) => Un::FToBool,
                    (Class::Sint, ScalarKind::Float) => Un::SToF,
                    (Class::Uint, ScalarKind::Float) => Un::UToF,
                    (Class::Bool, ScalarKind::Float) => Un::BoolToF,
                    (Class::Sint | Class::Uint, ScalarKind::Bool) => Un::ToBool,
                    (_, ScalarKind::Sint | ScalarKind::Uint | ScalarKind::Bool) => Un::Mov,
                    _ => return unsupported(format!("conversion to {kind:?}")),
                };
                if op == Un::Mov {
                    return regs(v);
                }
                regs(self.map_un(op, &v))
            }
            Expression::CallResult(_)
            | Expression::AtomicResult { .. }
            | Expression::WorkGroupUniformLoadResult { .. } => {
                unsupported("a result used before its statement")
            }
            Expression::ArrayLength(p) => {
                let ptr = self.pointer(ctx, *p)?;
                match (&ptr.loc, &ptr.ty) {
                    (
                        Loc::Mem {
                            space: Space::Buffer(slot),
                            offset,
                            ..
                        },
                        TypeInner::Array { stride, .. },
                    ) => {
                        let dst = self.reg();
                        self.emit(Inst::ArrayLength {
                            dst,
                            slot: *slot,
                            offset: *offset,
                            stride: *stride,
                        });
                        regs(smallvec::smallvec![dst])
                    }
                    _ => {
                        unsupported("arrayLength of something other than a buffer's runtime array")
                    }
                }
            }
            Expression::ImageSample { .. }
            | Expression::ImageLoad { .. }
            | Expression::ImageQuery { .. } => self.image_expression(ctx, e),
            Expression::Derivative {
                axis,
                ctrl,
                expr: a,
            } => {
                if is_wide(&self.type_of(ctx, *a)) {
                    return unsupported("derivatives of doubles");
                }
                let v = self.value_regs(ctx, *a)?;
                let fine = *ctrl == naga::DerivativeControl::Fine;
                let axes: &[crate::ir::Axis] = match axis {
                    naga::DerivativeAxis::X => &[crate::ir::Axis::X],
                    naga::DerivativeAxis::Y => &[crate::ir::Axis::Y],
                    naga::DerivativeAxis::Width => &[crate::ir::Axis::X, crate::ir::Axis::Y],
                };
                let mut out = Regs::new();
                for &src in &v {
                    let parts: Regs = axes
                        .iter()
                        .map(|&axis| {
                            let dst = self.reg();
                            self.emit(Inst::Derivative {
                                axis,
                                fine,
                                dst,
                                src,
                            });
                            dst
                        })
                        .collect();
                    // fwidth = |dx| + |dy|.
                    out.push(if parts.len() == 2 {
                        let ax = self.un(Un::FAbs, parts[0]);
                        let ay = self.un(Un::FAbs, parts[1]);
                        self.bin(Bin::FAdd, ax, ay)
                    } else {
                        parts[0]
                    });
                }
                regs(out)
            }
            Expression::SubgroupBallotResult | Expression::SubgroupOperationResult { .. } => {
                unsupported("subgroup operations")
            }
            other => unsupported(format!("expression {other:?}")),
        }
    }

    fn access_index(
        &mut self,
        ctx: &mut FnCtx<'m>,
        base: Handle<Expression>,
        index: u32,
    ) -> Result<Value, CompileError> {
        match self.expression_value(ctx, base)? {
            Value::HandleArray { global } => Ok(Value::Handle {
                global,
                element: index,
            }),
            Value::Handle { .. } => unsupported("an index into an image or sampler"),
            Value::Regs(v) => {
                let ty = self.type_of(ctx, base);
                let (elem, first, _) = element(self.module, &ty, index)?;
                let n = flat_count(self.module, &elem)?;
                match v.get(first..first + n) {
                    Some(s) => Ok(Value::Regs(s.into())),
                    None => unsupported("index out of range"),
                }
            }
            Value::Ptr(p) => {
                if let Loc::BufferArray { global } = p.loc {
                    let var = &self.module.global_variables[global];
                    let Some(b) = &var.binding else {
                        return unsupported("binding array without binding");
                    };
                    let (elem, _, _) = element(self.module, &p.ty, 0)?;
                    let slot = self.slot(b.group, b.binding, index, buffer_kind(var.space))?;
                    return Ok(Value::Ptr(Ptr {
                        ty: elem,
                        loc: Loc::Mem {
                            space: Space::Buffer(slot),
                            layout: Layout::Explicit,
                            dynamic: None,
                            offset: 0,
                        },
                    }));
                }
                let (elem, first, byte) = element(self.module, &p.ty, index)?;
                let n = flat_count(self.module, &elem).unwrap_or(0);
                let loc = match p.loc {
                    Loc::Regs(r) => match r.get(first..first + n) {
                        Some(s) => Loc::Regs(s.into()),
                        None => return unsupported("index out of range"),
                    },
                    Loc::Mem {
                        space,
                        layout,
                        dynamic,
                        offset,
                    } => {
                        let step = if layout == Layout::Explicit {
                            byte
                        } else {
                            first as u32 * 4
                        };
                        Loc::Mem {
                            space,
                            layout,
                            dynamic,
                            offset: offset + step,
                        }
                    }
                    Loc::BufferArray { .. } => unreachable!("handled above"),
                };
                Ok(Value::Ptr(Ptr { ty: elem, loc }))
            }
        }
    }

    fn access(
        &mut self,
        ctx: &mut FnCtx<'m>,
        base: Handle<Expression>,
        index: Handle<Expression>,
    ) -> Result<Value, CompileError> {
        if let Some(k) = super::constant_index(self.module, ctx.fun, index) {
            return self.access_index(ctx, base, k);
        }
        let idx = self.value_regs(ctx, index)?[0];
        match self.expression_value(ctx, base)? {
            Value::Handle { .. } | Value::HandleArray { .. } => {
                unsupported("a dynamic index into a binding array of images or samplers")
            }
            Value::Regs(v) => {
                // A dynamic index into a value: a chain of selects over the elements.
                let ty = self.type_of(ctx, base);
                let count = match &ty {
                    TypeInner::Vector { size, .. } => vector_len(*size),
                    TypeInner::Matrix { columns, .. } => vector_len(*columns),
                    TypeInner::Array {
                        size: naga::ArraySize::Constant(n),
                        ..
                    } => n.get() as usize,
                    other => return unsupported(format!("dynamic index into a {other:?} value")),
                };
                let (elem, _, _) = element(self.module, &ty, 0)?;
                let n = flat_count(self.module, &elem)?;
                let mut result: Regs = v[..n].into();
                for i in 1..count {
                    let k = self.constant(i as u32);
                    let hit = self.bin(Bin::IEq, idx, k);
                    result = (0..n)
                        .map(|c| self.tern(Tern::Select, hit, v[i * n + c], result[c]))
                        .collect();
                }
                Ok(Value::Regs(result))
            }
            Value::Ptr(p) => {
                let (elem, explicit, flat) = dynamic_element(self.module, &p.ty)?;
                match p.loc {
                    Loc::Mem {
                        space,
                        layout,
                        dynamic,
                        offset,
                    } => {
                        let stride = if layout == Layout::Explicit {
                            explicit
                        } else {
                            flat
                        };
                        let k = self.constant(stride);
                        let scaled = self.bin(Bin::IMul, idx, k);
                        let dynamic = Some(match dynamic {
                            Some(d) => self.bin(Bin::IAdd, d, scaled),
                            None => scaled,
                        });
                        Ok(Value::Ptr(Ptr {
                            ty: elem,
                            loc: Loc::Mem {
                                space,
                                layout,
                                dynamic,
                                offset,
                            },
                        }))
                    }
                    _ => unsupported("dynamic index into a binding array or a register variable"),
                }
            }
        }
    }

    fn binary(
        &mut self,
        ctx: &mut FnCtx<'m>,
        op: BO,
        left: Handle<Expression>,
        right: Handle<Expression>,
    ) -> Result<Regs, CompileError> {
        if op == BO::ExclusiveOr {
            if let Some(image) = self.layers_marker(ctx, left, right) {
                return Ok(smallvec::smallvec![self.image_layers(ctx, image)?]);
            }
        }
        let lt = self.type_of(ctx, left);
        let rt = self.type_of(ctx, right);
        let a = self.value_regs(ctx, left)?;
        let mut b = self.value_regs(ctx, right)?;
        if is_wide(&lt) {
            return self.binary_wide(op, &lt, &rt, &a, &b);
        }
        if is_wide(&rt) {
            // Only a shift mixes widths: a 32-bit value shifted by a 64-bit amount (taken
            // modulo 32 like any other amount, so its low word decides).
            if !matches!(op, BO::ShiftLeft | BO::ShiftRight) {
                return unsupported(format!("{op:?} with a 64-bit right operand"));
            }
            b = b.iter().step_by(2).copied().collect();
        }
        let class = class_of(&lt)?;
        if op == BO::Multiply {
            match (&lt, &rt) {
                (TypeInner::Matrix { columns, rows, .. }, TypeInner::Vector { .. }) => {
                    let (c, r) = (vector_len(*columns), vector_len(*rows));
                    return Ok((0..r)
                        .map(|i| {
                            let row: Regs = (0..c).map(|k| a[k * r + i]).collect();
                            self.dot(Class::Float, &row, &b)
                        })
                        .collect());
                }
                (TypeInner::Vector { .. }, TypeInner::Matrix { columns, rows, .. }) => {
                    let (c, r) = (vector_len(*columns), vector_len(*rows));
                    return Ok((0..c)
                        .map(|k| self.dot(Class::Float, &a, &b[k * r..k * r + r]))
                        .collect());
                }
                (
                    TypeInner::Matrix {
                        columns: kc,
                        rows: ar,
                        ..
                    },
                    TypeInner::Matrix { columns: bc, .. },
                ) => {
                    let (k, r, c) = (vector_len(*kc), vector_len(*ar), vector_len(*bc));
                    let mut out = Regs::new();
                    for col in 0..c {
                        for row in 0..r {
                            let lhs: Regs = (0..k).map(|i| a[i * r + row]).collect();
                            out.push(self.dot(Class::Float, &lhs, &b[col * k..col * k + k]));
                        }
                    }
                    return Ok(out);
                }
                _ => {}
            }
        }
        let bin = match (op, class) {
            (BO::Add, Class::Float) => Bin::FAdd,
            (BO::Add, _) => Bin::IAdd,
            (BO::Subtract, Class::Float) => Bin::FSub,
            (BO::Subtract, _) => Bin::ISub,
            (BO::Multiply, Class::Float) => Bin::FMul,
            (BO::Multiply, _) => Bin::IMul,
            (BO::Divide, Class::Float) => Bin::FDiv,
            (BO::Divide, Class::Sint) => Bin::SDiv,
            (BO::Divide, _) => Bin::UDiv,
            (BO::Modulo, Class::Float) => Bin::FRem,
            (BO::Modulo, Class::Sint) => Bin::SRem,
            (BO::Modulo, _) => Bin::URem,
            (BO::Equal, Class::Float) => Bin::FEq,
            (BO::Equal, _) => Bin::IEq,
            (BO::NotEqual, Class::Float) => Bin::FNe,
            (BO::NotEqual, _) => Bin::INe,
            (BO::Less, Class::Float) => Bin::FLt,
            (BO::Less, Class::Sint) => Bin::SLt,
            (BO::Less, _) => Bin::ULt,
            (BO::LessEqual, Class::Float) => Bin::FLe,
            (BO::LessEqual, Class::Sint) => Bin::SLe,
            (BO::LessEqual, _) => Bin::ULe,
            (BO::Greater, Class::Float) => Bin::FGt,
            (BO::Greater, Class::Sint) => Bin::SGt,
            (BO::Greater, _) => Bin::UGt,
            (BO::GreaterEqual, Class::Float) => Bin::FGe,
            (BO::GreaterEqual, Class::Sint) => Bin::SGe,
            (BO::GreaterEqual, _) => Bin::UGe,
            (BO::And | BO::LogicalAnd, _) => Bin::And,
            (BO::InclusiveOr | BO::LogicalOr, _) => Bin::Or,
            (BO::ExclusiveOr, _) => Bin::Xor,
            (BO::ShiftLeft, _) => Bin::Shl,
            (BO::ShiftRight, Class::Sint) => Bin::ShrS,
            (BO::ShiftRight, _) => Bin::ShrU,
        };
        Ok(self.map_bin(bin, &a, &b))
    }

    #[allow(clippy::too_many_arguments)]
    fn math(
        &mut self,
        ctx: &mut FnCtx<'m>,
        f: MF,
        arg: Handle<Expression>,
        arg1: Option<Handle<Expression>>,
        arg2: Option<Handle<Expression>>,
        arg3: Option<Handle<Expression>>,
    ) -> Result<Regs, CompileError> {
        let ty = self.type_of(ctx, arg);
        let class = class_of(&ty)?;
        let x = self.value_regs(ctx, arg)?;
        if is_wide(&ty) {
            let mut args = vec![(ty, x)];
            for h in [arg1, arg2, arg3].into_iter().flatten() {
                args.push((self.type_of(ctx, h), self.value_regs(ctx, h)?));
            }
            return self.math_wide(f, &args);
        }
        let mut get =
            |this: &mut Self, a: Option<Handle<Expression>>| -> Result<Regs, CompileError> {
                match a {
                    Some(h) => this.value_regs(ctx, h),
                    None => unsupported("missing argument"),
                }
            };
        let float = class == Class::Float;
        let signed = class == Class::Sint;
        let un = |this: &mut Self, op: Un, x: &[Reg]| Ok(this.map_un(op, x));
        match f {
            MF::Abs => match class {
                Class::Float => un(self, Un::FAbs, &x),
                Class::Sint => un(self, Un::IAbs, &x),
                _ => Ok(x),
            },
            MF::Min | MF::Max => {
                let y = get(self, arg1)?;
                let op = match (f, class) {
                    (MF::Min, Class::Float) => Bin::FMin,
                    (MF::Min, Class::Sint) => Bin::SMin,
                    (MF::Min, _) => Bin::UMin,
                    (_, Class::Float) => Bin::FMax,
                    (_, Class::Sint) => Bin::SMax,
                    _ => Bin::UMax,
                };
                Ok(self.map_bin(op, &x, &y))
            }
            MF::Clamp => {
                let lo = get(self, arg1)?;
                let hi = get(self, arg2)?;
                let op = if float {
                    Tern::FClamp
                } else if signed {
                    Tern::SClamp
                } else {
                    Tern::UClamp
                };
                Ok(self.map_tern(op, &x, &lo, &hi))
            }
            MF::Saturate => {
                let (zero, one) = (self.fconst(0.0), self.fconst(1.0));
                Ok(self.map_tern(Tern::FClamp, &x, &[zero], &[one]))
            }
            MF::Cos => un(self, Un::FCos, &x),
            MF::Cosh => un(self, Un::FCosh, &x),
            MF::Sin => un(self, Un::FSin, &x),
            MF::Sinh => un(self, Un::FSinh, &x),
            MF::Tan => un(self, Un::FTan, &x),
            MF::Tanh => un(self, Un::FTanh, &x),
            MF::Acos => un(self, Un::FAcos, &x),
            MF::Asin => un(self, Un::FAsin, &x),
            MF::Atan => un(self, Un::FAtan, &x),
            MF::Asinh => un(self, Un::FAsinh, &x),
            MF::Acosh => un(self, Un::FAcosh, &x),
            MF::Atanh => un(self, Un::FAtanh, &x),
            MF::Atan2 => {
                let y = get(self, arg1)?;
                Ok(self.map_bin(Bin::FAtan2, &x, &y))
            }
            MF::Radians => un(self, Un::FRadians, &x),
            MF::Degrees => un(self, Un::FDegrees, &x),
            MF::Ceil => un(self, Un::FCeil, &x),
            MF::Floor => un(self, Un::FFloor, &x),
            MF::Round => un(self, Un::FRoundEven, &x),
            MF::Fract => un(self, Un::FFract, &x),
            MF::Trunc => un(self, Un::FTrunc, &x),
            MF::Modf => {
                // GLSL.std.450: both parts have the sign of x; an integral x (infinities
                // included) has a fractional part of ±0.
                let whole = self.map_un(Un::FTrunc, &x);
                let diff = self.map_bin(Bin::FSub, &x, &whole);
                let integral = self.map_bin(Bin::FEq, &x, &whole);
                let zero = self.fconst(0.0);
                let magnitude = self.map_tern(Tern::Select, &integral, &[zero], &diff);
                let (abs_mask, sign_mask) =
                    (self.constant(0x7fff_ffff), self.constant(0x8000_0000));
                let abs = self.map_bin(Bin::And, &magnitude, &[abs_mask]);
                let sign = self.map_bin(Bin::And, &x, &[sign_mask]);
                let fract = self.map_bin(Bin::Or, &abs, &sign);
                Ok([fract, whole].concat().into())
            }
            MF::Frexp => {
                // The struct { fract, exp }: its members' registers in order.
                let mant = self.map_un(Un::FFrexpMant, &x);
                let exp = self.map_un(Un::FFrexpExp, &x);
                Ok([mant, exp].concat().into())
            }
            MF::Ldexp => {
                let e = get(self, arg1)?;
                Ok(self.map_bin(Bin::FLdexp, &x, &e))
            }
            MF::Exp => un(self, Un::FExp, &x),
            MF::Exp2 => un(self, Un::FExp2, &x),
            MF::Log => un(self, Un::FLog, &x),
            MF::Log2 => un(self, Un::FLog2, &x),
            MF::Pow => {
                let y = get(self, arg1)?;
                Ok(self.map_bin(Bin::FPow, &x, &y))
            }
            MF::Sqrt => un(self, Un::FSqrt, &x),
            MF::InverseSqrt => un(self, Un::FInvSqrt, &x),
            MF::Dot => {
                let y = get(self, arg1)?;
                Ok(smallvec::smallvec![self.dot(class, &x, &y)])
            }
            MF::Outer => {
                let y = get(self, arg1)?;
                let mut out = Regs::new();
                for &c in &y {
                    for &r in &x {
                        out.push(self.bin(Bin::FMul, r, c));
                    }
                }
                Ok(out)
            }
            MF::Cross => {
                let y = get(self, arg1)?;
                let comp = |this: &mut Self, i: usize, j: usize| {
                    let p = this.bin(Bin::FMul, x[i], y[j]);
                    let q = this.bin(Bin::FMul, x[j], y[i]);
                    this.bin(Bin::FSub, p, q)
                };
                Ok(smallvec::smallvec![
                    comp(self, 1, 2),
                    comp(self, 2, 0),
                    comp(self, 0, 1)
                ])
            }
            MF::Length => Ok(smallvec::smallvec![self.length(&x)]),
            MF::Distance => {
                let y = get(self, arg1)?;
                let d = self.map_bin(Bin::FSub, &x, &y);
                Ok(smallvec::smallvec![self.length(&d)])
            }
            MF::Normalize => {
                let len = self.length(&x);
                Ok(self.map_bin(Bin::FDiv, &x, &[len]))
            }
            MF::FaceForward => {
                let i = get(self, arg1)?;
                let nref = get(self, arg2)?;
                let d = self.dot(Class::Float, &nref, &i);
                let zero = self.fconst(0.0);
                let neg = self.bin(Bin::FLt, d, zero);
                let minus = self.map_un(Un::FNeg, &x);
                Ok(self.map_tern(Tern::Select, &[neg], &x, &minus))
            }
            MF::Reflect => {
                let n = get(self, arg1)?;
                let d = self.dot(Class::Float, &n, &x);
                let two = self.fconst(2.0);
                let k = self.bin(Bin::FMul, d, two);
                let kn = self.map_bin(Bin::FMul, &n, &[k]);
                Ok(self.map_bin(Bin::FSub, &x, &kn))
            }
            MF::Refract => {
                let n = get(self, arg1)?;
                let eta = get(self, arg2)?[0];
                let d = self.dot(Class::Float, &n, &x);
                let one = self.fconst(1.0);
                let zero = self.fconst(0.0);
                let d2 = self.bin(Bin::FMul, d, d);
                let t = self.bin(Bin::FSub, one, d2);
                let eta2 = self.bin(Bin::FMul, eta, eta);
                let t2 = self.bin(Bin::FMul, eta2, t);
                let k = self.bin(Bin::FSub, one, t2);
                let sk = self.un(Un::FSqrt, k);
                let ed = self.bin(Bin::FMul, eta, d);
                let coef = self.bin(Bin::FAdd, ed, sk);
                let ei = self.map_bin(Bin::FMul, &x, &[eta]);
                let cn = self.map_bin(Bin::FMul, &n, &[coef]);
                let r = self.map_bin(Bin::FSub, &ei, &cn);
                let neg = self.bin(Bin::FLt, k, zero);
                Ok(self.map_tern(Tern::Select, &[neg], &[zero], &r))
            }
            MF::Sign => un(self, if float { Un::FSign } else { Un::ISign }, &x),
            MF::Fma => {
                let (b, c) = (get(self, arg1)?, get(self, arg2)?);
                Ok(self.map_tern(Tern::FFma, &x, &b, &c))
            }
            MF::Mix => {
                let (b, t) = (get(self, arg1)?, get(self, arg2)?);
                Ok(self.map_tern(Tern::FMix, &x, &b, &t))
            }
            MF::Step => {
                let y = get(self, arg1)?;
                Ok(self.map_bin(Bin::FStep, &x, &y))
            }
            MF::SmoothStep => {
                let (e1, v) = (get(self, arg1)?, get(self, arg2)?);
                Ok(self.map_tern(Tern::FSmoothStep, &x, &e1, &v))
            }
            MF::Transpose => {
                let TypeInner::Matrix { columns, rows, .. } = ty else {
                    return unsupported("transpose of a non-matrix");
                };
                let (c, r) = (vector_len(columns), vector_len(rows));
                Ok((0..r)
                    .flat_map(|i| (0..c).map(move |j| (i, j)))
                    .map(|(i, j)| x[j * r + i])
                    .collect())
            }
            MF::Determinant => {
                let TypeInner::Matrix { columns, .. } = ty else {
                    return unsupported("determinant of a non-matrix");
                };
                let n = vector_len(columns);
                let m: Vec<Regs> = (0..n).map(|c| x[c * n..c * n + n].into()).collect();
                Ok(smallvec::smallvec![self.determinant(&m)])
            }
            MF::Inverse => {
                let TypeInner::Matrix { columns, rows, .. } = ty else {
                    return unsupported("inverse of a non-matrix");
                };
                let n = vector_len(columns);
                if vector_len(rows) != n || x.len() != n * n {
                    return unsupported("inverse of a non-square matrix");
                }
                let m: Vec<Regs> = (0..n).map(|c| x[c * n..c * n + n].into()).collect();
                Ok(self.inverse(&m))
            }
            MF::QuantizeToF16 => un(self, Un::FQuantize16, &x),
            MF::CountTrailingZeros => un(self, Un::CountTrailingZeros, &x),
            MF::CountLeadingZeros => un(self, Un::CountLeadingZeros, &x),
            MF::CountOneBits => un(self, Un::CountOnes, &x),
            MF::ReverseBits => un(self, Un::ReverseBits, &x),
            MF::ExtractBits => {
                let (o, c) = (get(self, arg1)?, get(self, arg2)?);
                Ok(self.map_tern(
                    if signed {
                        Tern::ExtractBitsS
                    } else {
                        Tern::ExtractBitsU
                    },
                    &x,
                    &o,
                    &c,
                ))
            }
            MF::InsertBits => {
                let (ins, o, c) = (get(self, arg1)?, get(self, arg2)?, get(self, arg3)?);
                Ok((0..x.len())
                    .map(|i| {
                        let dst = self.reg();
                        self.emit(Inst::InsertBits {
                            dst,
                            base: x[i],
                            insert: ins[i],
                            offset: o[0],
                            count: c[0],
                        });
                        dst
                    })
                    .collect())
            }
            MF::FirstTrailingBit => un(self, Un::FindLsb, &x),
            MF::FirstLeadingBit => un(self, if signed { Un::FindMsbS } else { Un::FindMsbU }, &x),
            MF::Pack2x16float => {
                let lo = self.un(Un::PackHalf2x16Lo, x[0]);
                let hi = self.un(Un::PackHalf2x16Lo, x[1]);
                Ok(smallvec::smallvec![self.bin(Bin::Pack16, lo, hi)])
            }
            MF::Unpack2x16float => Ok(smallvec::smallvec![
                self.un(Un::UnpackHalfLo, x[0]),
                self.un(Un::UnpackHalfHi, x[0]),
            ]),
            MF::Pack4x8unorm => Ok(smallvec::smallvec![self.pack_norm(&x, 8, false)]),
            MF::Pack4x8snorm => Ok(smallvec::smallvec![self.pack_norm(&x, 8, true)]),
            MF::Pack2x16unorm => Ok(smallvec::smallvec![self.pack_norm(&x, 16, false)]),
            MF::Pack2x16snorm => Ok(smallvec::smallvec![self.pack_norm(&x, 16, true)]),
            MF::Unpack4x8unorm => Ok(self.unpack_norm(x[0], 8, false)),
            MF::Unpack4x8snorm => Ok(self.unpack_norm(x[0], 8, true)),
            MF::Unpack2x16unorm => Ok(self.unpack_norm(x[0], 16, false)),
            MF::Unpack2x16snorm => Ok(self.unpack_norm(x[0], 16, true)),
            other => unsupported(format!("math function {other:?}")),
        }
    }

    fn length(&mut self, v: &[Reg]) -> Reg {
        let d = self.dot(Class::Float, v, v);
        self.un(Un::FSqrt, d)
    }

    /// Laplace expansion along the first column (`m[c][r]`).
    fn determinant(&mut self, m: &[Regs]) -> Reg {
        let n = m.len();
        if n == 1 {
            return m[0][0];
        }
        if n == 2 {
            let a = self.bin(Bin::FMul, m[0][0], m[1][1]);
            let b = self.bin(Bin::FMul, m[1][0], m[0][1]);
            return self.bin(Bin::FSub, a, b);
        }
        let mut acc: Option<Reg> = None;
        for r in 0..n {
            let minor: Vec<Regs> = (1..n)
                .map(|c| (0..n).filter(|&rr| rr != r).map(|rr| m[c][rr]).collect())
                .collect();
            let d = self.determinant(&minor);
            let t = self.bin(Bin::FMul, m[0][r], d);
            acc = Some(match acc {
                None => t,
                Some(a) if r % 2 == 1 => self.bin(Bin::FSub, a, t),
                Some(a) => self.bin(Bin::FAdd, a, t),
            });
        }
        acc.unwrap_or_else(|| self.fconst(0.0))
    }

    /// The inverse of the column-major square matrix `m` (columns of registers), as the
    /// adjugate over the determinant: element (row r, column c) is the cofactor of
    /// (row c, column r) divided by det(m). Undefined (infinities, NaN) when singular, as in GLSL.
    fn inverse(&mut self, m: &[Regs]) -> Regs {
        let n = m.len();
        let det = self.determinant(m);
        let mut out = Regs::with_capacity(n * n);
        for c in 0..n {
            for r in 0..n {
                let cofactor = if n == 1 {
                    self.fconst(1.0)
                } else {
                    // Drop row c and column r.
                    let minor: Vec<Regs> = (0..n)
                        .filter(|&cc| cc != r)
                        .map(|cc| (0..n).filter(|&rr| rr != c).map(|rr| m[cc][rr]).collect())
                        .collect();
                    let d = self.determinant(&minor);
                    if (r + c) % 2 == 1 {
                        self.un(Un::FNeg, d)
                    } else {
                        d
                    }
                };
                out.push(self.bin(Bin::FDiv, cofactor, det));
            }
        }
        out
    }

    fn pack_norm(&mut self, x: &[Reg], bits: u32, signed: bool) -> Reg {
        let max = ((1u32 << (bits - (signed as u32))) - 1) as f32;
        let (lo, hi) = if signed {
            (self.fconst(-1.0), self.fconst(1.0))
        } else {
            (self.fconst(0.0), self.fconst(1.0))
        };
        let scale = self.fconst(max);
        let mask = self.constant((1u32 << bits) - 1);
        let mut acc = self.constant(0);
        for (i, &c) in x.iter().enumerate() {
            let cl = self.tern(Tern::FClamp, c, lo, hi);
            let sc = self.bin(Bin::FMul, cl, scale);
            let rounded = self.un(Un::FRoundEven, sc);
            let int = self.un(if signed { Un::FToS } else { Un::FToU }, rounded);
            let masked = self.bin(Bin::And, int, mask);
            let shift = self.constant(bits * i as u32);
            let placed = self.bin(Bin::Shl, masked, shift);
            acc = self.bin(Bin::Or, acc, placed);
        }
        acc
    }

    fn unpack_norm(&mut self, x: Reg, bits: u32, signed: bool) -> Regs {
        let n = 32 / bits;
        let max = ((1u32 << (bits - (signed as u32))) - 1) as f32;
        let scale = self.fconst(max);
        let count = self.constant(bits);
        let minus_one = self.fconst(-1.0);
        (0..n)
            .map(|i| {
                let off = self.constant(bits * i);
                let field = self.tern(
                    if signed {
                        Tern::ExtractBitsS
                    } else {
                        Tern::ExtractBitsU
                    },
                    x,
                    off,
                    count,
                );
                let f = self.un(if signed { Un::SToF } else { Un::UToF }, field);
                let v = self.bin(Bin::FDiv, f, scale);
                if signed {
                    self.bin(Bin::FMax, v, minus_one)
                } else {
                    v
                }
            })
            .collect()
    }

    /// An atomic read-modify-write; returns the result value's registers (the old value, and
    /// for compare-exchange whether it exchanged).
    pub(crate) fn atomic(
        &mut self,
        ctx: &mut FnCtx<'m>,
        pointer: Handle<Expression>,
        fun: &naga::AtomicFunction,
        value: Handle<Expression>,
    ) -> Result<Regs, CompileError> {
        let ptr = self.pointer(ctx, pointer)?;
        if is_wide(&ptr.ty) {
            return unsupported("64-bit atomics");
        }
        let signed = matches!(scalar_of(&ptr.ty).map(|s| s.kind), Some(ScalarKind::Sint));
        let v = self.value_regs(ctx, value)?[0];
        let (op, compare) = match fun {
            naga::AtomicFunction::Add => (AtomicOp::Add, None),
            naga::AtomicFunction::Subtract => (AtomicOp::Sub, None),
            naga::AtomicFunction::And => (AtomicOp::And, None),
            naga::AtomicFunction::ExclusiveOr => (AtomicOp::Xor, None),
            naga::AtomicFunction::InclusiveOr => (AtomicOp::Or, None),
            naga::AtomicFunction::Min => (
                if signed {
                    AtomicOp::SMin
                } else {
                    AtomicOp::UMin
                },
                None,
            ),
            naga::AtomicFunction::Max => (
                if signed {
                    AtomicOp::SMax
                } else {
                    AtomicOp::UMax
                },
                None,
            ),
            naga::AtomicFunction::Exchange { compare: None } => (AtomicOp::Exchange, None),
            naga::AtomicFunction::Exchange { compare: Some(c) } => (
                AtomicOp::CompareExchange,
                Some(self.value_regs(ctx, *c)?[0]),
            ),
        };
        let Loc::Mem {
            space,
            dynamic,
            offset,
            ..
        } = ptr.loc
        else {
            return unsupported("atomics on a register variable");
        };
        let dst = self.reg();
        let compare_reg = compare.unwrap_or_else(|| self.constant(0));
        self.emit(Inst::Atomic {
            op,
            dst,
            space,
            addr: crate::ir::Addr { dynamic, offset },
            value: v,
            compare: compare_reg,
        });
        Ok(match compare {
            Some(c) => {
                let exchanged = self.bin(Bin::IEq, dst, c);
                smallvec::smallvec![dst, exchanged]
            }
            None => smallvec::smallvec![dst],
        })
    }
}
