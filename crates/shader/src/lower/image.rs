//! Lowering of images and samplers: handle values, samples, fetches, stores and queries.
//!
//! An image or sampler global (`AddressSpace::Handle`) lowers to [`Value::Handle`]: the global
//! and, for binding arrays indexed by a constant, the element. The resource slot is made when
//! an operation uses the handle. The sampler half of a split combined image-sampler (see
//! `legalize::split_combined_samplers`) has its binding tagged with `COMBINED_SAMPLER_BIT`; it
//! gets the slot of the untagged binding, so one combined descriptor serves both halves.
//!
//! An operation passes its operand registers with `ImageArg` instructions, then runs as one
//! `Image` instruction whose operands live in `Program::image_ops`.

use naga::{Expression, Handle, ImageClass, ImageDimension, ImageQuery, TypeInner};

use super::{unsupported, FnCtx, Lowering, Regs, Value};
use crate::compute::{CompileError, ResourceKind};
use crate::ir::{ImageOp, ImageOpKind, ImageShape, Inst, Reg, SampleLevel};
use crate::legalize::COMBINED_SAMPLER_BIT;

/// Collects the operand registers of one image operation.
#[derive(Default)]
struct Args(Regs);

impl Args {
    fn push(&mut self, r: Reg) -> Result<u8, CompileError> {
        if self.0.len() >= 16 {
            return unsupported("an image operation with more than 16 operands");
        }
        self.0.push(r);
        Ok((self.0.len() - 1) as u8)
    }
    fn push_all(&mut self, regs: &[Reg]) -> Result<Vec<u8>, CompileError> {
        regs.iter().map(|&r| self.push(r)).collect()
    }
}

/// What an image handle's type says.
struct ImageType {
    shape: ImageShape,
    arrayed: bool,
    class: ImageClass,
}

fn image_type(inner: &TypeInner) -> Result<ImageType, CompileError> {
    match *inner {
        TypeInner::Image {
            dim,
            arrayed,
            class,
        } => {
            let shape = match dim {
                ImageDimension::D1 => ImageShape::D1,
                ImageDimension::D2 => ImageShape::D2,
                ImageDimension::D3 => ImageShape::D3,
                ImageDimension::Cube => ImageShape::Cube,
            };
            if matches!(class, ImageClass::External) {
                return unsupported("external images");
            }
            Ok(ImageType {
                shape,
                arrayed,
                class,
            })
        }
        _ => unsupported("an image operation on something that is not an image"),
    }
}

/// The resource kind of a handle global's type.
pub(crate) fn handle_kind(module: &naga::Module, ty: Handle<naga::Type>) -> Option<ResourceKind> {
    match module.types[ty].inner {
        TypeInner::Image {
            class: ImageClass::Storage { .. },
            ..
        } => Some(ResourceKind::StorageImage),
        TypeInner::Image { .. } => Some(ResourceKind::SampledImage),
        TypeInner::Sampler { .. } => Some(ResourceKind::Sampler),
        TypeInner::BindingArray { base, .. } => handle_kind(module, base),
        _ => None,
    }
}

/// The (set, binding) a handle global's slot is keyed by (the combined-sampler tag cleared).
pub(crate) fn handle_binding(g: &naga::GlobalVariable) -> Option<(u32, u32)> {
    g.binding
        .as_ref()
        .map(|b| (b.group, b.binding & !COMBINED_SAMPLER_BIT))
}

impl<'m> Lowering<'m> {
    /// The resource slot of a handle value.
    fn handle_slot(&mut self, v: &Value) -> Result<u16, CompileError> {
        let Value::Handle { global, element } = *v else {
            return unsupported("an image or sampler that is not a plain or constant-indexed one");
        };
        let g = &self.module.global_variables[global];
        let Some((set, binding)) = handle_binding(g) else {
            return unsupported("an image or sampler without a binding");
        };
        let kind = handle_kind(self.module, g.ty).unwrap_or(ResourceKind::SampledImage);
        self.slot(set, binding, element, kind)
    }

    /// The image type of an image-valued expression.
    fn image_type_of(
        &self,
        ctx: &FnCtx<'m>,
        e: Handle<Expression>,
    ) -> Result<ImageType, CompileError> {
        let ty = self.type_of(ctx, e);
        image_type(&ty)
    }

    /// Emits the operand passing and the operation; returns the result registers.
    fn emit_image(&mut self, args: Args, op: ImageOp, count: usize) -> Regs {
        for (i, &r) in args.0.iter().enumerate() {
            self.emit(Inst::ImageArg {
                index: i as u8,
                src: r,
            });
        }
        let dst = self.regs(count.max(1));
        // `regs` hands out consecutive numbers.
        let first = dst[0];
        self.image_ops.push(op);
        self.emit(Inst::Image {
            op: (self.image_ops.len() - 1) as u32,
            dst: first,
            count: count as u8,
        });
        dst.into_iter().take(count).collect()
    }

    /// Coordinates (and the separate array index naga gives) as operands.
    fn coordinate_args(
        &mut self,
        ctx: &mut FnCtx<'m>,
        args: &mut Args,
        coordinate: Handle<Expression>,
        array_index: Option<Handle<Expression>>,
        float: bool,
    ) -> Result<(Vec<u8>, Option<u8>), CompileError> {
        let c = self.value_regs(ctx, coordinate)?;
        let coords = args.push_all(&c)?;
        let layer = match array_index {
            Some(a) => {
                let r = self.value_regs(ctx, a)?[0];
                // Samples take the layer as a float; naga gives an integer.
                let r = if float {
                    let kind = self.type_of(ctx, a);
                    match kind {
                        TypeInner::Scalar(s) if s.kind == naga::ScalarKind::Float => r,
                        TypeInner::Scalar(s) if s.kind == naga::ScalarKind::Sint => {
                            self.un(crate::ir::Un::SToF, r)
                        }
                        _ => self.un(crate::ir::Un::UToF, r),
                    }
                } else {
                    r
                };
                Some(args.push(r)?)
            }
            None => None,
        };
        Ok((coords, layer))
    }

    pub(crate) fn image_expression(
        &mut self,
        ctx: &mut FnCtx<'m>,
        e: Handle<Expression>,
    ) -> Result<Value, CompileError> {
        let fun = ctx.fun;
        let result_count = super::types::flat_count(self.module, &self.type_of(ctx, e))?;
        match fun.expressions[e] {
            Expression::ImageSample {
                image,
                sampler,
                gather,
                coordinate,
                array_index,
                offset,
                level,
                depth_ref,
                clamp_to_edge,
            } => {
                if clamp_to_edge {
                    return unsupported("sampling with clamp_to_edge");
                }
                let it = self.image_type_of(ctx, image)?;
                let img = self.expression_value(ctx, image)?;
                let image_slot = self.handle_slot(&img)?;
                let smp = self.expression_value(ctx, sampler)?;
                let sampler_slot = self.handle_slot(&smp)?;
                let mut args = Args::default();
                let (coords, layer) =
                    self.coordinate_args(ctx, &mut args, coordinate, array_index, true)?;
                let offset = match offset {
                    Some(o) => {
                        let words = super::expr::eval_const(self.module, &fun.expressions, o)
                            .or_else(|_| {
                                super::expr::eval_const(
                                    self.module,
                                    &self.module.global_expressions,
                                    o,
                                )
                            })?;
                        let mut v = [0i32; 3];
                        for (d, w) in v.iter_mut().zip(words) {
                            *d = w as i32;
                        }
                        v
                    }
                    None => [0; 3],
                };
                let fragment = self.stage == Some(naga::ShaderStage::Fragment);
                let level = match level {
                    naga::SampleLevel::Auto if fragment => SampleLevel::Auto,
                    naga::SampleLevel::Auto | naga::SampleLevel::Zero => SampleLevel::Zero,
                    naga::SampleLevel::Exact(l) => {
                        let r = self.value_regs(ctx, l)?[0];
                        SampleLevel::Exact(args.push(r)?)
                    }
                    naga::SampleLevel::Bias(b) if fragment => {
                        let r = self.value_regs(ctx, b)?[0];
                        SampleLevel::Bias(args.push(r)?)
                    }
                    naga::SampleLevel::Bias(_) => SampleLevel::Zero,
                    naga::SampleLevel::Gradient { x, y } => {
                        let x = self.value_regs(ctx, x)?;
                        let y = self.value_regs(ctx, y)?;
                        SampleLevel::Gradient {
                            x: args.push_all(&x)?,
                            y: args.push_all(&y)?,
                        }
                    }
                };
                let depth_ref = match depth_ref {
                    Some(d) => {
                        let r = self.value_regs(ctx, d)?[0];
                        Some(args.push(r)?)
                    }
                    None => None,
                };
                let op = ImageOp {
                    kind: ImageOpKind::Sample {
                        sampler: sampler_slot,
                        level,
                        depth_ref,
                        gather: gather.map(|g| g as u8),
                        offset,
                    },
                    image: image_slot,
                    shape: it.shape,
                    arrayed: it.arrayed,
                    depth: matches!(it.class, ImageClass::Depth { .. }),
                    coords,
                    array_index: layer,
                };
                Ok(Value::Regs(self.emit_image(args, op, result_count)))
            }
            Expression::ImageLoad {
                image,
                coordinate,
                array_index,
                sample,
                level,
            } => {
                let it = self.image_type_of(ctx, image)?;
                let img = self.expression_value(ctx, image)?;
                let image_slot = self.handle_slot(&img)?;
                let mut args = Args::default();
                let (coords, layer) =
                    self.coordinate_args(ctx, &mut args, coordinate, array_index, false)?;
                let level = match level {
                    Some(l) => {
                        let r = self.value_regs(ctx, l)?[0];
                        Some(args.push(r)?)
                    }
                    None => None,
                };
                let sample = match sample {
                    Some(s) => {
                        let r = self.value_regs(ctx, s)?[0];
                        Some(args.push(r)?)
                    }
                    None => None,
                };
                let op = ImageOp {
                    kind: ImageOpKind::Load { level, sample },
                    image: image_slot,
                    shape: it.shape,
                    arrayed: it.arrayed,
                    depth: matches!(it.class, ImageClass::Depth { .. }),
                    coords,
                    array_index: layer,
                };
                Ok(Value::Regs(self.emit_image(args, op, result_count)))
            }
            Expression::ImageQuery { image, query } => {
                let it = self.image_type_of(ctx, image)?;
                let img = self.expression_value(ctx, image)?;
                let image_slot = self.handle_slot(&img)?;
                let mut args = Args::default();
                let kind = match query {
                    ImageQuery::Size { level } => ImageOpKind::Size {
                        level: match level {
                            Some(l) => {
                                let r = self.value_regs(ctx, l)?[0];
                                Some(args.push(r)?)
                            }
                            None => None,
                        },
                    },
                    ImageQuery::NumLevels => ImageOpKind::Levels,
                    ImageQuery::NumLayers => ImageOpKind::Layers,
                    ImageQuery::NumSamples => ImageOpKind::Samples,
                };
                let op = ImageOp {
                    kind,
                    image: image_slot,
                    shape: it.shape,
                    arrayed: it.arrayed,
                    depth: false,
                    coords: Vec::new(),
                    array_index: None,
                };
                Ok(Value::Regs(self.emit_image(args, op, result_count)))
            }
            _ => unsupported("image expression"),
        }
    }

    /// The image whose layer count `left ^ right` stands for: `right` is
    /// [`crate::legalize::LAYERS_MARKER`] and `left` the first component of a size query of
    /// it (see `legalize::arrayed_image_size`).
    pub(crate) fn layers_marker(
        &self,
        ctx: &FnCtx<'m>,
        left: Handle<Expression>,
        right: Handle<Expression>,
    ) -> Option<Handle<Expression>> {
        if super::constant_index(self.module, ctx.fun, right)? != crate::legalize::LAYERS_MARKER {
            return None;
        }
        let mut e = left;
        loop {
            match ctx.fun.expressions[e] {
                Expression::As { expr, .. } => e = expr,
                Expression::AccessIndex { base, index: 0 } => e = base,
                Expression::ImageQuery {
                    image,
                    query: ImageQuery::Size { .. },
                } => return Some(image),
                _ => return None,
            }
        }
    }

    /// The layer count of an arrayed image (cubes for a cube array).
    pub(crate) fn image_layers(
        &mut self,
        ctx: &mut FnCtx<'m>,
        image: Handle<Expression>,
    ) -> Result<Reg, CompileError> {
        let it = self.image_type_of(ctx, image)?;
        let img = self.expression_value(ctx, image)?;
        let image_slot = self.handle_slot(&img)?;
        let op = ImageOp {
            kind: ImageOpKind::Layers,
            image: image_slot,
            shape: it.shape,
            arrayed: it.arrayed,
            depth: false,
            coords: Vec::new(),
            array_index: None,
        };
        Ok(self.emit_image(Args::default(), op, 1)[0])
    }

    pub(crate) fn image_store(
        &mut self,
        ctx: &mut FnCtx<'m>,
        image: Handle<Expression>,
        coordinate: Handle<Expression>,
        array_index: Option<Handle<Expression>>,
        value: Handle<Expression>,
    ) -> Result<(), CompileError> {
        let it = self.image_type_of(ctx, image)?;
        let img = self.expression_value(ctx, image)?;
        let image_slot = self.handle_slot(&img)?;
        let mut args = Args::default();
        let (coords, layer) =
            self.coordinate_args(ctx, &mut args, coordinate, array_index, false)?;
        let v = self.value_regs(ctx, value)?;
        let zero = self.constant(0);
        let mut value = [0u8; 4];
        for (c, slot) in value.iter_mut().enumerate() {
            *slot = args.push(v.get(c).copied().unwrap_or(zero))?;
        }
        let op = ImageOp {
            kind: ImageOpKind::Store { value },
            image: image_slot,
            shape: it.shape,
            arrayed: it.arrayed,
            depth: false,
            coords,
            array_index: layer,
        };
        self.emit_image(args, op, 0);
        Ok(())
    }
}

impl<'m> Lowering<'m> {
    /// A call of a helper `crate::legalize::image_atomics_as_calls` made for an image atomic:
    /// `helper(image, coordinate, value, compare)`, the operation named after the prefix.
    /// Returns the texel's old value.
    pub(crate) fn image_atomic_call(
        &mut self,
        ctx: &mut FnCtx<'m>,
        op_name: &str,
        arguments: &[Handle<Expression>],
    ) -> Result<Regs, CompileError> {
        use crate::ir::AtomicOp;
        let op = match op_name {
            "load" => AtomicOp::Load,
            "exchange" => AtomicOp::Exchange,
            "compare_exchange" => AtomicOp::CompareExchange,
            "add" => AtomicOp::Add,
            "sub" => AtomicOp::Sub,
            "smin" => AtomicOp::SMin,
            "umin" => AtomicOp::UMin,
            "smax" => AtomicOp::SMax,
            "umax" => AtomicOp::UMax,
            "and" => AtomicOp::And,
            "or" => AtomicOp::Or,
            "xor" => AtomicOp::Xor,
            _ => return unsupported(format!("image atomic {op_name}")),
        };
        let &[image, coordinate, value, compare] = arguments else {
            return unsupported("an image atomic helper with other arguments");
        };
        let it = self.image_type_of(ctx, image)?;
        if !matches!(it.class, ImageClass::Storage { .. }) || it.shape == ImageShape::Cube {
            return unsupported("an image atomic on other than a 1-D, 2-D or 3-D storage image");
        }
        let img = self.expression_value(ctx, image)?;
        let image_slot = self.handle_slot(&img)?;
        let c = self.value_regs(ctx, coordinate)?;
        let n = match it.shape {
            ImageShape::D1 => 1,
            ImageShape::D2 => 2,
            _ => 3,
        };
        if c.len() != n + usize::from(it.arrayed) {
            return unsupported("an image atomic coordinate of the wrong size");
        }
        let mut args = Args::default();
        let coords = args.push_all(&c[..n])?;
        let layer = if it.arrayed {
            Some(args.push(c[n])?)
        } else {
            None
        };
        let v = self.value_regs(ctx, value)?[0];
        let value = args.push(v)?;
        let cmp = self.value_regs(ctx, compare)?[0];
        let compare = args.push(cmp)?;
        let op = ImageOp {
            kind: ImageOpKind::Atomic { op, value, compare },
            image: image_slot,
            shape: it.shape,
            arrayed: it.arrayed,
            depth: false,
            coords,
            array_index: layer,
        };
        Ok(self.emit_image(args, op, 1))
    }
}
