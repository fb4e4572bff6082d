//! Loads, stores and atomics. Workgroup and scratch memory are word arrays (their layout is
//! flat, 4 bytes a scalar), so a lane's access is one bounds-checked index.
//! Every access is bounds-checked against the resource it goes to:
//! a load outside reads zero, a store or atomic outside does nothing (robustBufferAccess by
//! construction), so no shader can touch memory it was not given.

use std::sync::atomic::Ordering;

use super::Batch;
use crate::compute::BufferSlice;
use crate::ir::{Addr, AtomicOp, Reg, Space, W};

/// What the program's resource slots are bound to for one dispatch.
#[derive(Debug, Default)]
pub struct Resources<'a> {
    pub slots: Vec<Option<BufferSlice<'a>>>,
    /// Image views and samplers, by slot (`None` for buffer slots).
    pub images: Vec<Option<crate::compute::ImageDescriptor<'a>>>,
    pub push_constants: &'a [u8],
    /// The live allocations reachable by device address (`bufferDeviceAddress`), sorted by
    /// address: each range's first address and its memory.
    pub addresses: Vec<(u64, BufferSlice<'a>)>,
}

/// The memory word a device address names: `None` unless the whole word lies inside one live
/// allocation of the table (sorted by address) and is 4-byte aligned.
fn device_word<'r, 'a>(
    table: &'r [(u64, BufferSlice<'a>)],
    address: u64,
) -> Option<(&'r BufferSlice<'a>, u64)> {
    if address % 4 != 0 {
        return None;
    }
    let i = table
        .partition_point(|(base, _)| *base <= address)
        .checked_sub(1)?;
    let (base, slice) = &table[i];
    let within = address - base;
    (within.checked_add(4)? <= slice.size).then(|| (slice, slice.offset + within))
}

/// Each lane's device address: the low word from `addr.dynamic`, the high word from the
/// register named by `addr.offset` (see [`Space::Device`]).
#[inline]
fn lane_addresses(batch: &Batch, addr: Addr) -> [u64; W] {
    let lo = match addr.dynamic {
        Some(r) => batch.regs[r as usize],
        None => [0; W],
    };
    let h = batch.regs[addr.offset as usize];
    let mut out = [0u64; W];
    for i in 0..W {
        out[i] = (h[i] as u64) << 32 | lo[i] as u64;
    }
    out
}

fn device_load(batch: &mut Batch, res: &Resources, dst: Reg, addr: Addr) {
    let load = |a: u64| {
        device_word(&res.addresses, a)
            .and_then(|(s, at)| s.memory.load_u32(at))
            .unwrap_or(0)
    };
    if addr.dynamic.is_none_or(|r| batch.uni(r)) && batch.uni(addr.offset) {
        let a = lane_addresses(batch, addr)[0];
        batch.regs[dst as usize] = [load(a); W];
        batch.set_uni(dst, true);
        return;
    }
    let addresses = lane_addresses(batch, addr);
    let exec = batch.exec;
    let mut out = [0u32; W];
    for i in 0..W {
        if exec >> i & 1 != 0 {
            out[i] = load(addresses[i]);
        }
    }
    batch.set_uni(dst, false);
    batch.regs[dst as usize] = out;
}

fn device_store(batch: &mut Batch, res: &Resources, src: Reg, addr: Addr) {
    let addresses = lane_addresses(batch, addr);
    // Helper lanes never write memory others can see.
    let exec = batch.exec & !batch.no_write;
    let values = batch.regs[src as usize];
    for i in 0..W {
        if exec >> i & 1 != 0 {
            if let Some((s, at)) = device_word(&res.addresses, addresses[i]) {
                s.memory.store_u32(at, values[i]);
            }
        }
    }
}

#[inline(always)]
fn lane_offsets(batch: &Batch, addr: Addr) -> [u32; W] {
    match addr.dynamic {
        Some(r) => {
            let d = batch.regs[r as usize];
            let mut out = [0u32; W];
            for i in 0..W {
                out[i] = d[i].wrapping_add(addr.offset);
            }
            out
        }
        None => [addr.offset; W],
    }
}

pub(super) fn read_bytes(bytes: &[u8], offset: u32) -> u32 {
    let o = offset as usize;
    match bytes.get(o..o + 4) {
        Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        None => 0,
    }
}

fn slice_word(slice: &BufferSlice, offset: u32) -> Option<u64> {
    // The whole word must lie inside the bound range.
    (offset as u64 + 4 <= slice.size).then(|| slice.offset + offset as u64)
}

/// Whether `offsets` are consecutive words from the first.
#[inline(always)]
fn run_of_words(offsets: &[u32]) -> bool {
    let first = offsets.first().copied().unwrap_or(0);
    let mut diff = 0u32;
    for (i, &o) in offsets.iter().enumerate() {
        diff |= o ^ first.wrapping_add(4 * i as u32);
    }
    diff == 0
}

/// Where a whole batch's access starts in `s.memory`, when every lane is active, the lanes'
/// addresses are consecutive words and they all lie inside the bound range: then the access is
/// one copy instead of W. Reads the address register in place (no array of offsets made).
#[inline(always)]
fn whole_batch_at(
    batch: &Batch,
    s: &BufferSlice,
    addr: Addr,
    exec: super::Mask,
    known_run: bool,
) -> Option<u64> {
    let all = super::Mask::MAX >> (64 - W);
    let dynamic = batch.regs.get(addr.dynamic? as usize)?;
    if exec != all {
        return None;
    }
    // Adding the common offset changes no equality: the check can read the register.
    let first = dynamic[0].wrapping_add(addr.offset);
    let end = first as u64 + 4 * W as u64;
    ((known_run || run_of_words(dynamic)) && end <= s.size).then(|| s.offset + first as u64)
}

/// Loads one word per lane from word-addressed memory. Shared-memory access patterns are
/// mostly rows: runs of `ROW` lanes reading consecutive words (`tile[y][x]` with x the fast
/// invocation index) or one word (`tile[y][k]`). Those are copied or splatted a row at a time;
/// anything else is gathered lane by lane. Out-of-range words read 0 (robust access).
///
/// The byte offsets are `base[i] + offset`; `out` may be the register itself, as the caller
/// writes into it directly when it is not `base` (making an array of offsets, gathering into a
/// zeroed local and copying that into the register cost as much as the gather: a tiled
/// matmul's inner loop is two such loads and one multiply-add).
#[inline(always)]
fn gather_words(memory: &[u32], base: &[u32; W], offset: u32, out: &mut [u32; W]) {
    const ROW: usize = 16;
    let len = memory.len();
    for (offs, dst) in base.chunks_exact(ROW).zip(out.chunks_exact_mut(ROW)) {
        let o0 = offs[0].wrapping_add(offset);
        let first = (o0 >> 2) as usize;
        // Adding the common offset changes no equality: the checks can read `base`.
        if first + ROW <= len && run_of_words(offs) {
            dst.copy_from_slice(&memory[first..first + ROW]);
        } else if first < len && offs.iter().fold(0, |d, &o| d | (o ^ offs[0])) == 0 {
            dst.fill(memory[first]);
        } else {
            for (d, &o) in dst.iter_mut().zip(offs) {
                *d = memory
                    .get((o.wrapping_add(offset) >> 2) as usize)
                    .copied()
                    .unwrap_or(0);
            }
        }
    }
}

/// [`gather_words`] for an address marked [`Space::WorkgroupRows`] (`SPLAT` false) or
/// [`Space::WorkgroupSplat`] (true) with rows of `n` lanes: each row whose lanes are all
/// active is one copy (or one word splatted) with no look at the other lanes' addresses; a row
/// with inactive lanes (whose address registers may hold anything) or running outside the
/// memory is gathered lane by lane.
#[inline(always)]
fn load_rows<const SPLAT: bool>(
    memory: &[u32],
    base: &[u32; W],
    offset: u32,
    out: &mut [u32; W],
    exec: super::Mask,
    n: u8,
) {
    match n {
        8 => rows::<8, SPLAT>(memory, base, offset, out, exec),
        16 => rows::<16, SPLAT>(memory, base, offset, out, exec),
        32 => rows::<32, SPLAT>(memory, base, offset, out, exec),
        64 => rows::<64, SPLAT>(memory, base, offset, out, exec),
        _ => gather_words(memory, base, offset, out),
    }
}

#[inline(always)]
fn rows<const R: usize, const SPLAT: bool>(
    memory: &[u32],
    base: &[u32; W],
    offset: u32,
    out: &mut [u32; W],
    exec: super::Mask,
) {
    // Indexed rows of fixed length rather than zipped chunk iterators: those were left as a
    // call per load and the splat as a loop of 16-byte stores.
    let row_mask = super::Mask::MAX >> (64 - R);
    for k in 0..W / R {
        let at = k * R;
        let (Some(offs), Some(dst)) = (
            base.get(at..at + R)
                .and_then(|s| <&[u32; R]>::try_from(s).ok()),
            out.get_mut(at..at + R)
                .and_then(|s| <&mut [u32; R]>::try_from(s).ok()),
        ) else {
            continue;
        };
        let first = (offs[0].wrapping_add(offset) >> 2) as usize;
        if (exec >> at) & row_mask == row_mask {
            if SPLAT {
                if let Some(&v) = memory.get(first) {
                    *dst = [v; R];
                    continue;
                }
            } else if let Some(src) = memory
                .get(first..first + R)
                .and_then(|s| <&[u32; R]>::try_from(s).ok())
            {
                *dst = *src;
                continue;
            }
        }
        for i in 0..R {
            dst[i] = memory
                .get((offs[i].wrapping_add(offset) >> 2) as usize)
                .copied()
                .unwrap_or(0);
        }
    }
}

/// Stores `values` at the words of an address marked [`Space::WorkgroupRows`] with rows of `n`
/// lanes: each row whose lanes are all active and inside the memory is one copy; the others
/// lane by lane.
#[inline(always)]
fn store_rows(
    memory: &mut [u32],
    base: &[u32; W],
    offset: u32,
    values: &[u32; W],
    exec: super::Mask,
    n: u8,
) {
    match n {
        8 => store_rows_of::<8>(memory, base, offset, values, exec),
        16 => store_rows_of::<16>(memory, base, offset, values, exec),
        32 => store_rows_of::<32>(memory, base, offset, values, exec),
        64 => store_rows_of::<64>(memory, base, offset, values, exec),
        _ => store_lanes(memory, base, offset, values, exec),
    }
}

#[inline(always)]
fn store_rows_of<const R: usize>(
    memory: &mut [u32],
    base: &[u32; W],
    offset: u32,
    values: &[u32; W],
    exec: super::Mask,
) {
    let row_mask = super::Mask::MAX >> (64 - R);
    for k in 0..W / R {
        let at = k * R;
        let (Some(offs), Some(src)) = (
            base.get(at..at + R)
                .and_then(|s| <&[u32; R]>::try_from(s).ok()),
            values
                .get(at..at + R)
                .and_then(|s| <&[u32; R]>::try_from(s).ok()),
        ) else {
            continue;
        };
        let first = (offs[0].wrapping_add(offset) >> 2) as usize;
        let lanes = (exec >> at) & row_mask;
        if lanes == row_mask {
            if let Some(dst) = memory
                .get_mut(first..first + R)
                .and_then(|s| <&mut [u32; R]>::try_from(s).ok())
            {
                *dst = *src;
                continue;
            }
        }
        for i in 0..R {
            if lanes >> i & 1 != 0 {
                if let Some(w) = memory.get_mut((offs[i].wrapping_add(offset) >> 2) as usize) {
                    *w = src[i];
                }
            }
        }
    }
}

/// Stores `values` at the words `base[i] + offset` of the active lanes, one after another.
#[inline(always)]
fn store_lanes(
    memory: &mut [u32],
    base: &[u32; W],
    offset: u32,
    values: &[u32; W],
    exec: super::Mask,
) {
    for i in 0..W {
        if exec >> i & 1 != 0 {
            if let Some(w) = memory.get_mut((base[i].wrapping_add(offset) >> 2) as usize) {
                *w = values[i];
            }
        }
    }
}

/// A load whose address is the same in every lane reads one word and broadcasts it, and its
/// result is uniform (push constants, uniform-buffer fields, `tile[y][k]` with uniform `k`).
/// Inactive lanes get the word too (the active lanes' value; registers of inactive lanes are
/// never observed). Scratch memory is per lane, so its loads are not uniform: `false`.
#[inline(always)]
fn load_uniform(
    batch: &mut Batch,
    res: &Resources,
    workgroup: &[u32],
    dst: Reg,
    space: Space,
    addr: Addr,
) -> bool {
    let offset = match addr.dynamic {
        Some(r) => batch.regs[r as usize][0].wrapping_add(addr.offset),
        None => addr.offset,
    };
    let v = match space {
        Space::Buffer(slot) | Space::BufferRun(slot) => match res.slots.get(slot as usize) {
            Some(Some(s)) => slice_word(s, offset)
                .and_then(|at| s.memory.load_u32(at))
                .unwrap_or(0),
            _ => 0,
        },
        Space::PushConstant => read_bytes(res.push_constants, offset),
        Space::Workgroup | Space::WorkgroupRows(_) | Space::WorkgroupSplat(_) => {
            workgroup.get((offset >> 2) as usize).copied().unwrap_or(0)
        }
        // Handled by `device_load`.
        Space::Scratch | Space::Device => return false,
    };
    batch.regs[dst as usize] = [v; W];
    batch.set_uni(dst, true);
    true
}

/// [`load`] of shared memory at an address marked [`Space::WorkgroupRows`] or
/// [`Space::WorkgroupSplat`], called straight from the dispatch loop: rows of 16-byte moves
/// need no AVX2 build, and going through [`load`] (its CPU check and second function, whose
/// frame holds the 64-lane arrays of the other paths) cost more than the copies: ~250
/// instructions a load of four 16-lane rows, most of the tiled matmul's inner loop.
#[inline(never)]
pub fn load_rows_direct(
    batch: &mut Batch,
    res: &Resources,
    workgroup: &[u32],
    dst: Reg,
    space: Space,
    addr: Addr,
) {
    let exec = batch.exec;
    if let Some(r) = addr.dynamic {
        if let Ok([base, out]) = batch.regs.get_disjoint_mut([r as usize, dst as usize]) {
            match space {
                Space::WorkgroupRows(n) => {
                    load_rows::<false>(workgroup, base, addr.offset, out, exec, n)
                }
                Space::WorkgroupSplat(n) => {
                    load_rows::<true>(workgroup, base, addr.offset, out, exec, n)
                }
                _ => gather_words(workgroup, base, addr.offset, out),
            }
            // (Row by row, the value is not known to be uniform.)
            batch.set_uni(dst, false);
            return;
        }
    }
    load(batch, res, workgroup, dst, space, addr)
}

/// Loads `dst` from `space` at `addr` in every active lane. Out of the dispatch loop (inlined
/// there, it pushed the loop past the size where the compiler inlines the lane loops), so it
/// makes its own AVX2 build: in the baseline build the 64-lane address checks and broadcasts
/// were twice the instructions.
pub fn load(
    batch: &mut Batch,
    res: &Resources,
    workgroup: &[u32],
    dst: Reg,
    space: Space,
    addr: Addr,
) {
    pumice_memory::simd::vectorized(
        #[inline(always)]
        || load_inlined(batch, res, workgroup, dst, space, addr),
    )
}

#[inline(always)]
fn load_inlined(
    batch: &mut Batch,
    res: &Resources,
    workgroup: &[u32],
    dst: Reg,
    space: Space,
    addr: Addr,
) {
    if space == Space::Device {
        return device_load(batch, res, dst, addr);
    }
    if addr.dynamic.is_none_or(|r| batch.uni(r))
        && load_uniform(batch, res, workgroup, dst, space, addr)
    {
        return;
    }
    batch.set_uni(dst, false);
    // (The marked forms come here only when the address register is the destination; they
    // are gathered lane by lane below. See `load_rows_direct`.)
    if let (Space::Workgroup, Some(r)) = (space, addr.dynamic) {
        if let Ok([base, out]) = batch.regs.get_disjoint_mut([r as usize, dst as usize]) {
            return gather_words(workgroup, base, addr.offset, out);
        }
    }
    if let Space::Buffer(slot) | Space::BufferRun(slot) = space {
        let known_run = matches!(space, Space::BufferRun(_));
        if let Some(Some(s)) = res.slots.get(slot as usize) {
            if let Some(at) = whole_batch_at(batch, s, addr, batch.exec, known_run) {
                if let Some(out) = batch.regs.get_mut(dst as usize) {
                    if s.memory.read_words(at, out).is_ok() {
                        return;
                    }
                }
            }
        }
    }
    let offsets = lane_offsets(batch, addr);
    let exec = batch.exec;
    let mut out = [0u32; W];
    match space {
        Space::Buffer(slot) | Space::BufferRun(slot) => {
            if let Some(Some(s)) = res.slots.get(slot as usize) {
                // Rows of lanes reading consecutive words (`a[row * n + x]` in a 2-D
                // workgroup) are one copy each; anything else is loaded lane by lane.
                const ROW: usize = 16;
                for (k, (offs, out)) in offsets
                    .chunks_exact(ROW)
                    .zip(out.chunks_exact_mut(ROW))
                    .enumerate()
                {
                    let lanes = (exec >> (k * ROW)) as u16;
                    if lanes == u16::MAX && run_of_words(offs) {
                        let end = offs[0] as u64 + 4 * ROW as u64;
                        if end <= s.size
                            && s.memory.read_words(s.offset + offs[0] as u64, out).is_ok()
                        {
                            continue;
                        }
                    }
                    for (i, (o, &off)) in out.iter_mut().zip(offs).enumerate() {
                        if lanes >> i & 1 != 0 {
                            if let Some(at) = slice_word(s, off) {
                                *o = s.memory.load_u32(at).unwrap_or(0);
                            }
                        }
                    }
                }
            }
        }
        Space::PushConstant => {
            for i in 0..W {
                out[i] = read_bytes(res.push_constants, offsets[i]);
            }
        }
        Space::Workgroup | Space::WorkgroupRows(_) | Space::WorkgroupSplat(_) => {
            gather_words(workgroup, &offsets, 0, &mut out)
        }
        // Handled by `device_load`.
        Space::Device => {}
        Space::Scratch => {
            let words = batch.scratch_words;
            for i in 0..W {
                let w = (offsets[i] >> 2) as usize;
                if w < words {
                    out[i] = batch.scratch[i * words + w];
                }
            }
        }
    }
    batch.regs[dst as usize] = out;
}

/// Stores `src` to `space` at `addr` from every active lane (its own AVX2 build, as
/// [`load`]).
pub fn store(
    batch: &mut Batch,
    res: &Resources,
    workgroup: &mut [u32],
    src: Reg,
    space: Space,
    addr: Addr,
) {
    pumice_memory::simd::vectorized(
        #[inline(always)]
        || store_inlined(batch, res, workgroup, src, space, addr),
    )
}

#[inline(always)]
fn store_inlined(
    batch: &mut Batch,
    res: &Resources,
    workgroup: &mut [u32],
    src: Reg,
    space: Space,
    addr: Addr,
) {
    if space == Space::Device {
        return device_store(batch, res, src, addr);
    }
    // Helper lanes (fragment quads' uncovered pixels) run, and their own variables change as
    // anyone's do, but they never write memory others can see (buffers).
    let exec = match space {
        Space::Buffer(_) | Space::BufferRun(_) => batch.exec & !batch.no_write,
        _ => batch.exec,
    };
    if let Space::Buffer(slot) | Space::BufferRun(slot) = space {
        let known_run = matches!(space, Space::BufferRun(_));
        if let Some(Some(s)) = res.slots.get(slot as usize) {
            if let Some(at) = whole_batch_at(batch, s, addr, exec, known_run) {
                if let Some(values) = batch.regs.get(src as usize) {
                    if s.memory.write_words(at, values).is_ok() {
                        return;
                    }
                }
            }
        }
    }
    if let (Space::WorkgroupRows(n), Some(r)) = (space, addr.dynamic) {
        if let (Some(base), Some(values)) =
            (batch.regs.get(r as usize), batch.regs.get(src as usize))
        {
            return store_rows(workgroup, base, addr.offset, values, exec, n);
        }
    }
    let offsets = lane_offsets(batch, addr);
    let values = batch.regs[src as usize];
    match space {
        Space::Buffer(slot) | Space::BufferRun(slot) => {
            if let Some(Some(s)) = res.slots.get(slot as usize) {
                for i in 0..W {
                    if exec >> i & 1 != 0 {
                        if let Some(at) = slice_word(s, offsets[i]) {
                            s.memory.store_u32(at, values[i]);
                        }
                    }
                }
            }
        }
        // Push constants are read-only; device addresses are handled by `device_store`.
        Space::PushConstant | Space::Device => {}
        Space::Workgroup | Space::WorkgroupRows(_) | Space::WorkgroupSplat(_) => {
            store_lanes(workgroup, &offsets, 0, &values, exec)
        }
        Space::Scratch => {
            let words = batch.scratch_words;
            for i in 0..W {
                let w = (offsets[i] >> 2) as usize;
                if exec >> i & 1 != 0 && w < words {
                    batch.scratch[i * words + w] = values[i];
                }
            }
        }
    }
}

/// The new value of an atomic read-modify-write, or `None` for "leave it" (a failed compare).
pub(super) fn apply(op: AtomicOp, old: u32, value: u32, compare: u32) -> Option<u32> {
    Some(match op {
        AtomicOp::Add => old.wrapping_add(value),
        AtomicOp::Sub => old.wrapping_sub(value),
        AtomicOp::And => old & value,
        AtomicOp::Or => old | value,
        AtomicOp::Xor => old ^ value,
        AtomicOp::SMin => (old as i32).min(value as i32) as u32,
        AtomicOp::SMax => (old as i32).max(value as i32) as u32,
        AtomicOp::UMin => old.min(value),
        AtomicOp::UMax => old.max(value),
        AtomicOp::Exchange => value,
        AtomicOp::CompareExchange => {
            if old == compare {
                value
            } else {
                return None;
            }
        }
        AtomicOp::Load => return None,
    })
}

#[allow(clippy::too_many_arguments)]
pub fn atomic(
    batch: &mut Batch,
    res: &Resources,
    workgroup: &mut [u32],
    op: AtomicOp,
    dst: Reg,
    space: Space,
    addr: Addr,
    value: Reg,
    compare: Reg,
) {
    // (Only plain loads and stores are marked as runs; an atomic is lane by lane anyway.)
    let space = match space {
        Space::BufferRun(slot) => Space::Buffer(slot),
        Space::WorkgroupRows(_) | Space::WorkgroupSplat(_) => Space::Workgroup,
        other => other,
    };
    let (offsets, addresses) = match space {
        Space::Device => ([0; W], lane_addresses(batch, addr)),
        _ => (lane_offsets(batch, addr), [0; W]),
    };
    // Helper lanes (fragment quads' uncovered pixels) run, and their own variables change as
    // anyone's do, but they never write memory others can see (buffers).
    let exec = match space {
        Space::Buffer(_) | Space::Device => batch.exec & !batch.no_write,
        _ => batch.exec,
    };
    let values = batch.regs[value as usize];
    let compares = batch.regs[compare as usize];
    let mut out = [0u32; W];
    // Lanes are applied one after another, so lanes of one batch hitting one address see each
    // other's results, as the invocations of a GPU do.
    for i in 0..W {
        if exec >> i & 1 == 0 {
            continue;
        }
        let (v, c) = (values[i], compares[i]);
        let target = match space {
            Space::Buffer(slot) => match res.slots.get(slot as usize) {
                Some(Some(s)) => slice_word(s, offsets[i]).map(|at| (s, at)),
                _ => None,
            },
            Space::Device => device_word(&res.addresses, addresses[i]),
            _ => None,
        };
        match space {
            Space::Buffer(_) | Space::BufferRun(_) | Space::Device => {
                if let Some((s, at)) = target {
                    let old = s.memory.atomic_u32(at, |a| {
                        if op == AtomicOp::Load {
                            return a.load(Ordering::SeqCst);
                        }
                        let mut cur = a.load(Ordering::Relaxed);
                        loop {
                            let Some(new) = apply(op, cur, v, c) else {
                                return cur;
                            };
                            match a.compare_exchange_weak(
                                cur,
                                new,
                                Ordering::SeqCst,
                                Ordering::Relaxed,
                            ) {
                                Ok(_) => return cur,
                                Err(actual) => cur = actual,
                            }
                        }
                    });
                    out[i] = old.unwrap_or(0);
                }
            }
            // Workgroup memory belongs to one workgroup, which runs on one thread: plain
            // read-modify-write is atomic. (The marked forms are made plain above.)
            Space::Workgroup | Space::WorkgroupRows(_) | Space::WorkgroupSplat(_) => {
                if let Some(word) = workgroup.get_mut((offsets[i] >> 2) as usize) {
                    let old = *word;
                    if let Some(new) = apply(op, old, v, c) {
                        *word = new;
                    }
                    out[i] = old;
                }
            }
            Space::Scratch => {
                let words = batch.scratch_words;
                let w = (offsets[i] >> 2) as usize;
                if w < words {
                    let word = &mut batch.scratch[i * words + w];
                    let old = *word;
                    if let Some(new) = apply(op, old, v, c) {
                        *word = new;
                    }
                    out[i] = old;
                }
            }
            Space::PushConstant => out[i] = read_bytes(res.push_constants, offsets[i]),
        }
    }
    batch.regs[dst as usize] = out;
}
