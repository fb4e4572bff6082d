//! Subgroup operations. A subgroup is the batch: its W lanes run in lockstep, so every
//! operation is a pass over the active lanes (`exec`) of one register.

use super::{Batch, Mask};
use crate::ir::{Gather, GroupOp, Reg, Scan, W};

fn f(x: u32) -> f32 {
    f32::from_bits(x)
}

fn combine(op: GroupOp, a: u32, b: u32) -> u32 {
    match op {
        GroupOp::FAdd => (f(a) + f(b)).to_bits(),
        GroupOp::FMul => (f(a) * f(b)).to_bits(),
        GroupOp::FMin => f(a).min(f(b)).to_bits(),
        GroupOp::FMax => f(a).max(f(b)).to_bits(),
        GroupOp::IAdd => a.wrapping_add(b),
        GroupOp::IMul => a.wrapping_mul(b),
        GroupOp::SMin => (a as i32).min(b as i32) as u32,
        GroupOp::SMax => (a as i32).max(b as i32) as u32,
        GroupOp::UMin => a.min(b),
        GroupOp::UMax => a.max(b),
        GroupOp::And => a & b,
        GroupOp::Or => a | b,
        GroupOp::Xor => a ^ b,
    }
}

/// The identity of each operation (what an exclusive scan gives the first lane).
fn identity(op: GroupOp) -> u32 {
    match op {
        GroupOp::FAdd => 0f32.to_bits(),
        GroupOp::FMul => 1f32.to_bits(),
        GroupOp::FMin => f32::INFINITY.to_bits(),
        GroupOp::FMax => f32::NEG_INFINITY.to_bits(),
        GroupOp::IAdd | GroupOp::Or | GroupOp::Xor | GroupOp::UMax => 0,
        GroupOp::IMul => 1,
        GroupOp::SMin => i32::MAX as u32,
        GroupOp::SMax => i32::MIN as u32,
        GroupOp::UMin | GroupOp::And => u32::MAX,
    }
}

fn lanes_of(batch: &Batch, r: Reg) -> Mask {
    let v = &batch.regs[r as usize];
    let mut m = 0;
    for (i, &x) in v.iter().enumerate() {
        m |= ((x != 0) as Mask) << i;
    }
    m
}

pub fn ballot(batch: &mut Batch, dst: [Reg; 4], cond: Reg) {
    let bits = batch.exec & lanes_of(batch, cond);
    let words = [bits as u32, (bits >> 32) as u32, 0, 0];
    for (d, w) in dst.iter().zip(words) {
        batch.regs[*d as usize] = [w; W];
    }
}

/// Per lane, the combination (by `combine`, from `identity`) of the values of the active lanes
/// that `scan` takes for it, in lane order: all of them (`Reduce`), those up to it
/// (`Inclusive`), those before it (`Exclusive`), or those of its cluster (`Clustered`: lanes
/// `[k·n, (k+1)·n)`). Inactive lanes get the identity, or the reduction for `Reduce` and
/// `Clustered` (their results are never read).
fn scan_lanes<T: Copy>(
    exec: Mask,
    scan: Scan,
    x: &[T; W],
    identity: T,
    combine: impl Fn(T, T) -> T,
) -> [T; W] {
    let active = |i: usize| exec >> i & 1 != 0;
    let mut out = [identity; W];
    match scan {
        Scan::Reduce | Scan::Clustered(_) => {
            let n = match scan {
                Scan::Clustered(n) => (n as usize).clamp(1, W),
                _ => W,
            };
            for (cluster, lanes) in out.chunks_mut(n).enumerate() {
                let first = cluster * n;
                let acc = (first..first + lanes.len())
                    .filter(|&i| active(i))
                    .fold(identity, |acc, i| combine(acc, x[i]));
                lanes.fill(acc);
            }
        }
        Scan::Inclusive | Scan::Exclusive => {
            let mut acc = identity;
            for i in (0..W).filter(|&i| active(i)) {
                let next = combine(acc, x[i]);
                out[i] = if scan == Scan::Inclusive { next } else { acc };
                acc = next;
            }
        }
    }
    out
}

pub fn reduce(batch: &mut Batch, op: GroupOp, scan: Scan, dst: Reg, src: Reg) {
    let x = batch.regs[src as usize];
    batch.regs[dst as usize] =
        scan_lanes(batch.exec, scan, &x, identity(op), |a, b| combine(op, a, b));
}

fn combine_wide(op: GroupOp, a: u64, b: u64) -> u64 {
    let d = f64::from_bits;
    match op {
        GroupOp::FAdd => (d(a) + d(b)).to_bits(),
        GroupOp::FMul => (d(a) * d(b)).to_bits(),
        GroupOp::FMin => d(a).min(d(b)).to_bits(),
        GroupOp::FMax => d(a).max(d(b)).to_bits(),
        GroupOp::IAdd => a.wrapping_add(b),
        GroupOp::IMul => a.wrapping_mul(b),
        GroupOp::SMin => (a as i64).min(b as i64) as u64,
        GroupOp::SMax => (a as i64).max(b as i64) as u64,
        GroupOp::UMin => a.min(b),
        GroupOp::UMax => a.max(b),
        GroupOp::And => a & b,
        GroupOp::Or => a | b,
        GroupOp::Xor => a ^ b,
    }
}

fn identity_wide(op: GroupOp) -> u64 {
    match op {
        GroupOp::FAdd => 0f64.to_bits(),
        GroupOp::FMul => 1f64.to_bits(),
        GroupOp::FMin => f64::INFINITY.to_bits(),
        GroupOp::FMax => f64::NEG_INFINITY.to_bits(),
        GroupOp::IAdd | GroupOp::Or | GroupOp::Xor | GroupOp::UMax => 0,
        GroupOp::IMul => 1,
        GroupOp::SMin => i64::MAX as u64,
        GroupOp::SMax => i64::MIN as u64,
        GroupOp::UMin | GroupOp::And => u64::MAX,
    }
}

/// [`reduce`] on 64-bit values (`src` is a register pair, low word first): word `hi` of the
/// result into `dst`.
pub fn reduce_wide(batch: &mut Batch, op: GroupOp, scan: Scan, hi: bool, dst: Reg, src: [Reg; 2]) {
    let lo = batch.regs[src[0] as usize];
    let high = batch.regs[src[1] as usize];
    let x: [u64; W] = std::array::from_fn(|i| lo[i] as u64 | (high[i] as u64) << 32);
    let out = scan_lanes(batch.exec, scan, &x, identity_wide(op), |a, b| {
        combine_wide(op, a, b)
    });
    let shift = if hi { 32 } else { 0 };
    batch.regs[dst as usize] = std::array::from_fn(|i| (out[i] >> shift) as u32);
}

pub fn gather(batch: &mut Batch, mode: Gather, dst: Reg, src: Reg, index: Reg) {
    let exec = batch.exec;
    let x = batch.regs[src as usize];
    let idx = batch.regs[index as usize];
    let first = exec.trailing_zeros() as usize % W;
    let mut out = [0u32; W];
    // A source lane outside the subgroup gives an undefined value; the lane's own is used.
    let pick = |i: usize, from: Option<usize>| from.filter(|&j| j < W).map_or(x[i], |j| x[j]);
    for i in 0..W {
        let from = match mode {
            Gather::Broadcast => Some(idx[first] as usize),
            Gather::BroadcastFirst => Some(first),
            Gather::Shuffle => Some(idx[i] as usize),
            Gather::ShuffleXor => Some(i ^ idx[i] as usize),
            Gather::ShuffleUp => i.checked_sub(idx[i] as usize),
            Gather::ShuffleDown => i.checked_add(idx[i] as usize),
            Gather::QuadBroadcast => Some((i & !3) + (idx[first] as usize & 3)),
            Gather::QuadSwapX => Some(i ^ 1),
            Gather::QuadSwapY => Some(i ^ 2),
            Gather::QuadSwapDiagonal => Some(i ^ 3),
        };
        out[i] = pick(i, from);
    }
    batch.regs[dst as usize] = out;
}
