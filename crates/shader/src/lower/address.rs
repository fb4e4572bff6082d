//! Calls of the device-address helpers that `legalize::physical_pointers_as_addresses` makes
//! (named [`crate::legalize::ADDRESS_PREFIX`]`load`, `store`, `atomic_<op>`) → loads, stores
//! and atomics in [`Space::Device`], one 32-bit word each; their bodies are never run.

use naga::{Expression, Handle};

use super::{unsupported, FnCtx, Lowering, Regs};
use crate::compute::CompileError;
use crate::ir::{Addr, AtomicOp, Inst, Reg, Space};

impl<'m> Lowering<'m> {
    /// The registers of a 64-bit address argument: `(low, high)`.
    fn address_arg(
        &mut self,
        ctx: &mut FnCtx<'m>,
        e: Handle<Expression>,
    ) -> Result<Addr, CompileError> {
        match self.value_regs(ctx, e)?[..] {
            [lo, hi] => Ok(Addr {
                dynamic: Some(lo),
                offset: hi,
            }),
            _ => unsupported("a device address that is not one 64-bit value"),
        }
    }

    fn word_arg(
        &mut self,
        ctx: &mut FnCtx<'m>,
        e: Handle<Expression>,
    ) -> Result<Reg, CompileError> {
        match self.value_regs(ctx, e)?[..] {
            [r] => Ok(r),
            _ => unsupported("a device-address access of other than one 32-bit word"),
        }
    }

    /// Lowers one helper call (`name` without the prefix); returns the result's registers.
    pub(crate) fn address_call(
        &mut self,
        ctx: &mut FnCtx<'m>,
        name: &str,
        arguments: &[Handle<Expression>],
    ) -> Result<Regs, CompileError> {
        match (name, arguments) {
            ("load", &[address]) => {
                let addr = self.address_arg(ctx, address)?;
                let dst = self.reg();
                self.emit(Inst::Load {
                    dst,
                    space: Space::Device,
                    addr,
                });
                Ok(smallvec::smallvec![dst])
            }
            ("store", &[address, value]) => {
                let addr = self.address_arg(ctx, address)?;
                let src = self.word_arg(ctx, value)?;
                self.emit(Inst::Store {
                    src,
                    space: Space::Device,
                    addr,
                });
                Ok(Regs::new())
            }
            (op, &[address, value, compare]) => {
                let op = match op.strip_prefix("atomic_") {
                    Some("load") => AtomicOp::Load,
                    Some("exchange") => AtomicOp::Exchange,
                    Some("compare_exchange") => AtomicOp::CompareExchange,
                    Some("add") => AtomicOp::Add,
                    Some("sub") => AtomicOp::Sub,
                    Some("smin") => AtomicOp::SMin,
                    Some("umin") => AtomicOp::UMin,
                    Some("smax") => AtomicOp::SMax,
                    Some("umax") => AtomicOp::UMax,
                    Some("and") => AtomicOp::And,
                    Some("or") => AtomicOp::Or,
                    Some("xor") => AtomicOp::Xor,
                    _ => return unsupported(format!("device-address helper {name}")),
                };
                let addr = self.address_arg(ctx, address)?;
                let value = self.word_arg(ctx, value)?;
                let compare = self.word_arg(ctx, compare)?;
                let dst = self.reg();
                self.emit(Inst::Atomic {
                    op,
                    dst,
                    space: Space::Device,
                    addr,
                    value,
                    compare,
                });
                Ok(smallvec::smallvec![dst])
            }
            _ => unsupported(format!("device-address helper {name}")),
        }
    }
}
