//! Lowering of subgroup reductions and scans: naga's `SubgroupCollectiveOperation`, and the
//! calls `crate::legalize::subgroup_scans_as_calls` makes of the forms naga refuses (scans
//! of min, max and bitwise operations; clustered reductions).

use naga::{Expression, Handle};

use super::{types, FnCtx, Lowering, Regs};
use crate::compute::CompileError;
use crate::ir::{Bin, GroupOp, Inst, Scan, W};

impl<'m> Lowering<'m> {
    /// A subgroup reduction or scan of `argument` (per component; 64-bit values by pairs
    /// except for bitwise operations, which work word by word): the result registers.
    pub(crate) fn subgroup_collective(
        &mut self,
        ctx: &mut FnCtx<'m>,
        group_op: GroupOp,
        scan: Scan,
        argument: Handle<Expression>,
    ) -> Result<Regs, CompileError> {
        let ty = ctx.info[argument].ty.inner_with(&self.module.types).clone();
        let src = self.value_regs(ctx, argument)?;
        let mut out = Regs::new();
        // Bitwise operations work word by word; the others on 64-bit values take
        // both words of each component (`shaderSubgroupExtendedTypes`).
        if types::is_wide(&ty) && !matches!(group_op, GroupOp::And | GroupOp::Or | GroupOp::Xor) {
            for pair in src.chunks_exact(2) {
                for hi in [false, true] {
                    let dst = self.reg();
                    self.emit(Inst::GroupReduceWide {
                        op: group_op,
                        scan,
                        hi,
                        dst,
                        src: [pair[0], pair[1]],
                    });
                    out.push(dst);
                }
            }
        } else {
            for s in src {
                let dst = self.reg();
                self.emit(Inst::GroupReduce {
                    op: group_op,
                    scan,
                    dst,
                    src: s,
                });
                out.push(dst);
            }
        }
        Ok(out)
    }

    /// A call of a subgroup helper of [`crate::legalize::SUBGROUP_PREFIX`]: `name` is the
    /// rest of its name, `<scan>_<operation>`, and its one argument the value.
    pub(crate) fn subgroup_call(
        &mut self,
        ctx: &mut FnCtx<'m>,
        name: &str,
        arguments: &[Handle<Expression>],
    ) -> Result<Regs, CompileError> {
        let bad = || CompileError::Unsupported(format!("subgroup helper {name}"));
        let (scan, op) = name.split_once('_').ok_or_else(bad)?;
        let scan = match scan {
            "inclusive" => Scan::Inclusive,
            "exclusive" => Scan::Exclusive,
            "reduce" => Scan::Reduce,
            _ => {
                let n: u32 = scan
                    .strip_prefix("clustered")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(bad)?;
                if !n.is_power_of_two() {
                    return Err(bad());
                }
                Scan::Clustered(n.min(W as u32) as u8)
            }
        };
        let (group_op, logical) = match op {
            "iadd" => (GroupOp::IAdd, false),
            "fadd" => (GroupOp::FAdd, false),
            "imul" => (GroupOp::IMul, false),
            "fmul" => (GroupOp::FMul, false),
            "smin" => (GroupOp::SMin, false),
            "umin" => (GroupOp::UMin, false),
            "fmin" => (GroupOp::FMin, false),
            "smax" => (GroupOp::SMax, false),
            "umax" => (GroupOp::UMax, false),
            "fmax" => (GroupOp::FMax, false),
            "and" => (GroupOp::And, false),
            "or" => (GroupOp::Or, false),
            "xor" => (GroupOp::Xor, false),
            "land" => (GroupOp::And, true),
            "lor" => (GroupOp::Or, true),
            "lxor" => (GroupOp::Xor, true),
            _ => return Err(bad()),
        };
        let &[argument] = arguments else {
            return Err(bad());
        };
        let out = self.subgroup_collective(ctx, group_op, scan, argument)?;
        if !logical {
            return Ok(out);
        }
        // Booleans are 0 or 1; an exclusive AND gives the first lane the all-ones identity.
        let one = self.constant(1);
        Ok(out
            .into_iter()
            .map(|a| {
                let dst = self.reg();
                self.emit(Inst::Bin {
                    op: Bin::And,
                    dst,
                    a,
                    b: one,
                });
                dst
            })
            .collect())
    }
}
