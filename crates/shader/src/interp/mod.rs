//! The SIMD interpreter: runs a [`Program`] over a batch of [`W`] lanes.
//!
//! The batch keeps its whole state (registers, program counter, execution mask, mask stack) in
//! [`Batch`], so a batch can stop at a workgroup barrier and resume later: a workgroup larger
//! than W runs as several batches that meet at each barrier.
//!
//! Split by instruction family: [`arith`] (arithmetic, conversions, bit operations) and
//! [`memory`] (loads, stores, atomics), [`wide`] (64-bit integers and doubles); control flow is
//! here.
//!
//! **Uniform registers** (DESIGN, Shaders point 5). The batch tracks which registers hold one
//! value in all lanes ([`Batch`]'s `uniform` flags: constants, workgroup-uniform built-ins, loads
//! at uniform addresses, pure arithmetic on only those). Arithmetic on uniform operands runs on
//! lane 0 and broadcasts (`arith::*_uniform`, out of line so the lane loops still inline into
//! the dispatch loop); a uniform load reads one word instead of W; a masked move of a value a
//! variable already holds is skipped. Tracking at run time rather than marking registers in a
//! pass needs no new bytecode and also catches values uniform only at dispatch (a 1-D
//! workgroup's `gl_GlobalInvocationID.y`). Measured with callgrind (instructions, whole
//! process including compile and set-up): SAXPY over 1M floats 115.3M → 90.9M (the per-lane
//! push-constant reads were a fifth of the dispatch loop), tiled matmul 128² 332.2M → 310.8M,
//! the arithmetic-heavy bench shader over 64K lanes 131.6M → 137.3M (+4%: its loop is
//! float work on varying values; the flag bookkeeping costs more than its uniform counter
//! saves). Broadcasting on write, rather than a separate scalar register file read with
//! broadcast on use, keeps every other instruction unchanged; the write of W lanes is the
//! price.
//!
//! **Variable updates in one dispatch.** A variable kept in registers is updated by a fresh
//! value and a masked move (`t = a * b + c; MovMasked { v, t }`); `opt::fuse_masked_moves`
//! makes the pair one `TernMasked { dst: v, tmp: t, .. }` (and a loop's exit test one
//! `BreakIfBin`). With every lane active, the usual case, the result is written straight into
//! the variable: one dispatch and one pass over the lanes instead of two, and no copy. The
//! lane loops write in place when the destination is also a source (`v = v * x + c`, the
//! common shape of an update) instead of copying the sources first. Bench figures (2 busy
//! cores, ratio Pumice / lavapipe in the same run, before → after): arithmetic-heavy compute
//! shader 0.40–0.44× → 0.53–0.57×, 512² tiled matmul 1.75–2.09× → 4.25–4.42×, SAXPY
//! 0.76–0.82× → 0.79–1.02× (noise: it moves memory); single-thread task clock of the
//! arithmetic-heavy dispatch test 640–750 ms → 520–540 ms.
//!
//! **Dispatch cost.** What is left per instruction is mostly the dispatch itself: decoding
//! the 32-byte [`Inst`] and the indirect jump (~25 instructions), the uniform checks, and the
//! lane loop's aliasing checks, against ~100 instructions of lane work for a float operation
//! (16 SSE vectors). So the arithmetic is inlined into this loop (no call, no second prologue),
//! the program counter is a local, and the passes cut dispatches: the heavy fragment bench
//! shader's loop runs 9 per iteration (16 before `fuse_masked_moves`, `FMulSub` and dropping
//! `Continuing`), the arithmetic-heavy compute shader's 8 (14). Callgrind, one thread, whole
//! test process: arithmetic-heavy dispatch (4 × 1M lanes) 8.67G → 6.13G instructions, SAXPY
//! (4 × 16M) 5.33G → 4.08G (with `forward_entry_copies`, the vectorised consecutive-address
//! check and 1-D built-ins made in place), heavy fragment shader alone (20000 batches)
//! 1.10G → 1.02G for the local program counter alone. Benches on the busy 2-core machine,
//! runs alternating the driver before this work and after (`PUMICE_LIBRARY`), ratio to
//! lavapipe in the same run: arithmetic-heavy 0.36–0.38× → 0.65–0.81× (6.4 → 7.5 Gop/s
//! against lavapipe's 17.6 → 10.8 in the quietest pair), SAXPY 0.57–1.00× → 1.36–1.47×
//! (after `drop_trivial_calls` too), 512² matmul 1.95–2.45× → 2.67–3.33×, heavy fragment
//! 0.11× → 0.15–0.16× (0.018–0.019 → 0.022–0.026 Gpix/s, lavapipe 0.15–0.17; the
//! rasterizer's share included).
//!
//! Later (callgrind, one thread): lane loops in chunks of 8 lanes with one path for every
//! aliasing case (`arith`), `Inst` as `repr(u8)`, uniform integer arithmetic and copies inline,
//! whole-batch and row copies for buffer loads and stores, workgroup gathers in place
//! (`memory`, which also makes its own AVX2 build): heavy fragment shader batch 35.8K →
//! 26.3K instructions (~89 a dispatch, ~30 of them lane work), 128² tiled matmul 214.6M →
//! 163.6M, SAXPY 1M × 4 190M → 150M; bench ratios (quiet machine) heavy fragment 0.32–0.37×,
//! matmul 3.85–4.51×, SAXPY 1.44–2.06× (lavapipe's own figure moves up to 2× between runs). Two
//! things tried and dropped: borrowing the register file and the uniform flags as slices of
//! one length to share a bounds check (+8%: the compiler no longer merged the checks of the
//! lane loops), and inlining the workgroup gather into the dispatch loop (the loop grew past
//! the point where the compiler inlines the lane loops: +18% on the heavy shader). The
//! dispatch loop's size is a cliff: measure the heavy shader after any change to it.
//!
//! **Counted loops and static varyingness** (callgrind, heavy fragment shader REPEAT=2001,
//! whole process): `opt::fuse_loop_counter` makes a loop's increment and back-edge one
//! `LoopEndCounted` that also runs the exit test (three dispatches of loop control per
//! iteration become one, and the trip through the body with no lane left is gone), 52.97M →
//! 44.51M; its fast path is out of line (inlined here, it pushed `self` out of its register:
//! 53.75M). `opt::mark_varying` marks the arithmetic whose destination's uniform flag can stay
//! false for the whole run (`UnV`, `BinV`, ...: no flag tested or written), 44.51M → 36.99M
//! (26.0K → 18.0K instructions a batch). Their arms are separate from the checked forms'
//! though that inlines the lane loops twice more: one shared arm testing the tag saved only
//! 0.3%, separate arms 13%. Matmul 128² one thread 163.8M → 136.0M, SAXPY 1M × 4 148.6M →
//! 136.7M.
//!
//! **Fewer dispatches per iteration** (callgrind, heavy fragment shader REPEAT=2001, whole
//! process): `opt::fuse_products` makes a product read once by an `FMulAdd`/`FMulSub` one
//! `QuadV` (`x * x - y * y`, `2 * x * y + c`: 6 arithmetic dispatches per iteration → 4),
//! 36.95M → 31.84M; `opt::unroll_counted_loops` repeats the body of a loop with a trip count
//! known at compile time (32 iterations of 4 instructions: 4 back-edges instead of 32),
//! 31.84M → 24.77M. The graphics bench's heavy row, one thread: 2.80G → 2.01G instructions.
//!
//! **Shared memory by rows** (callgrind, one thread, the compute bench's 512² tiled matmul row
//! alone, 5 dispatches): `opt::mark_word_runs` marks `tile[y][x]` / `tile[y][k]` in 2-D
//! workgroups as row copies / row splats (`memory::load_rows_direct`, called straight from
//! this loop), and `opt::unroll_counted_loops` unrolls the `k` loop whole with `k` folded into
//! the offsets (7 dispatches a step → 3): 14.41G → 6.74G; SAXPY row 3.49G → 3.46G. Wall clock
//! on the busy 2-core machine, 2 threads: 8.9–12.0× lavapipe (3.95× for the driver before, in
//! the same session).
//!
//! **One jump per hot dispatch** (callgrind, one thread, whole bench process): the varying
//! float add, sub, mul, multiply-add/sub and the four fused products, plain and masked, have
//! variants of their own (`FAddV`, `MulMulAddMaskedV`, ...: `opt::specialize_float_ops`), so
//! the jump on the tag lands on the lane loop without a second jump on `op`; and the lane
//! loops mask register indices with the power-of-two register file's `len - 1` (`arith`)
//! instead of comparing the operands' maximum with the length. ~7 instructions less per hot
//! dispatch (~33 → ~26 outside the lane work): graphics bench heavy row 1.888G → 1.771G,
//! compute bench arithmetic-heavy row 1.492G → 1.364G.
//!
//! **Two updates in one dispatch** (callgrind, one thread, whole bench process):
//! `opt::pair_quad_updates` makes `t = x * x - y * y; y = 2 * x * y + d; x = t + c` (a
//! variable pair updated from each other's old values, the complex square of a Mandelbrot or
//! Julia step) one `MulSubMulAddMulMulAddV`, which loads every source chunk before storing
//! either result: one dispatch instead of three, and the temporary `t` neither stored nor
//! loaded back (~14 instructions a chunk of 8 lanes against 17, ~80 outside the lane work
//! against ~100 for the three: its eleven `u16` registers cost a shift or a zero-extension
//! each to unpack). Only the one combination has an inline arm (the general `QuadPairV` runs
//! out of line, as does the hot form with some lanes inactive). The heavy bench shader's loop
//! body goes from 4 dispatches to 2, and `opt::unroll_counted_loops`, run again after the
//! pairing, repeats it 16 times instead of 8: graphics bench heavy row 1.770G → 1.617G with
//! the pairing as one general form testing its operations in the arm, → 1.522G (-14.0%) with
//! the hot form and the second unrolling. The compute bench's arithmetic-heavy row (no
//! pair in it) stays at 1.365G: the new inline arm did not push the dispatch loop over its
//! cliff.

mod arith;
mod image;
mod memory;
mod subgroup;
#[cfg(test)]
mod tests;
pub(crate) mod wide;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::compute::BufferSlice;
use crate::ir::{Builtin, Inst, Program, Quad, Space, W};

pub(crate) use arith::compare;
pub use memory::Resources;

/// A bit per lane.
pub type Mask = u64;

const _: () = assert!(W <= 64, "masks are u64");

/// Every lane of a batch.
pub const FULL: Mask = Mask::MAX >> (64 - W);

#[derive(Clone, Copy, Debug)]
enum Frame {
    If {
        saved: Mask,
        taken: Mask,
    },
    Loop {
        saved: Mask,
        broken: Mask,
        continued: Mask,
    },
    Switch {
        saved: Mask,
        broken: Mask,
    },
    Call {
        saved: Mask,
        returned: Mask,
    },
}

/// How a run of a batch ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Done,
    /// Stopped at a workgroup barrier; `run` again to continue after it.
    Barrier,
}

/// Why a run stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Cancelled,
}

/// When to give up on a runaway shader.
#[derive(Clone, Copy, Debug)]
pub struct Watchdog<'a> {
    pub cancel: &'a AtomicBool,
    pub deadline: Option<Instant>,
}

impl Watchdog<'_> {
    fn expired(&self) -> bool {
        self.cancel.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// The compute built-in values of one batch's lanes.
#[derive(Clone, Debug)]
pub struct BuiltinValues {
    global: [[u32; W]; 3],
    local: [[u32; W]; 3],
    local_index: [u32; W],
    pub workgroup: [u32; 3],
    pub num_workgroups: [u32; 3],
    pub workgroup_size: [u32; 3],
    pub invocations: u32,
    /// The workgroup is one-dimensional: `local[1..]` are 0 and `global[1..]` the group's,
    /// in every lane, and the per-lane arrays are not filled (see `compute`).
    one_d: bool,
    /// The batch's first local invocation index.
    first: u32,
}

impl Default for BuiltinValues {
    fn default() -> Self {
        BuiltinValues {
            global: [[0; W]; 3],
            local: [[0; W]; 3],
            local_index: [0; W],
            workgroup: [0; 3],
            num_workgroups: [0; 3],
            workgroup_size: [0; 3],
            invocations: 0,
            one_d: false,
            first: 0,
        }
    }
}

impl BuiltinValues {
    /// Values for the lanes `first ..` of workgroup `group`.
    pub fn compute(&mut self, first: u32, group: [u32; 3], size: [u32; 3], count: [u32; 3]) {
        let [sx, sy, sz] = size;
        self.first = first;
        self.workgroup = group;
        self.num_workgroups = count;
        self.workgroup_size = size;
        if sy == 1 && sz == 1 {
            // One-dimensional workgroups (the common case): `write` makes each lane's value
            // as it writes the register, so nothing per lane is kept here (a SAXPY batch is
            // ~20 instructions; filling seven arrays per batch cost as much as a third of them).
            self.invocations = sx;
            self.one_d = true;
            return;
        }
        for i in 0..W {
            let li = first + i as u32;
            let local = [li % sx, li / sx % sy, li / (sx * sy)];
            self.local_index[i] = li;
            for c in 0..3 {
                self.local[c][i] = local[c];
                self.global[c][i] = group[c].wrapping_mul(size[c]).wrapping_add(local[c]);
            }
        }
        self.invocations = size[0] * size[1] * size[2];
        self.one_d = false;
    }

    /// Whether [`Self::uniform_value`] is `None` for built-in `b` in every batch (for
    /// `opt::mark_varying`; keep the two in step).
    pub(crate) fn never_uniform(b: Builtin) -> bool {
        matches!(
            b,
            Builtin::GlobalInvocationId(0)
                | Builtin::LocalInvocationId(0)
                | Builtin::LocalInvocationIndex
                | Builtin::SubgroupInvocationId
                | Builtin::SubgroupId
        )
    }

    /// Built-in `b`'s value when it is the same in every lane of the batch.
    #[inline]
    fn uniform_value(&self, b: Builtin) -> Option<u32> {
        match b {
            // The group's own coordinate (size 1, local 0 along y and z).
            Builtin::GlobalInvocationId(c) if self.one_d && c % 3 != 0 => {
                Some(self.workgroup[c as usize % 3])
            }
            Builtin::LocalInvocationId(c) if self.one_d && c % 3 != 0 => Some(0),
            Builtin::GlobalInvocationId(_)
            | Builtin::LocalInvocationId(_)
            | Builtin::LocalInvocationIndex
            | Builtin::SubgroupInvocationId
            | Builtin::SubgroupId => None,
            Builtin::WorkgroupId(c) => Some(self.workgroup[c as usize % 3]),
            Builtin::NumWorkgroups(c) => Some(self.num_workgroups[c as usize % 3]),
            Builtin::WorkgroupSize(c) => Some(self.workgroup_size[c as usize % 3]),
            Builtin::SubgroupSize => Some(W as u32),
            Builtin::NumSubgroups => Some(self.invocations.div_ceil(W as u32)),
        }
    }

    /// Writes built-in `b`'s lane values into `out`. Out of line: inlined into `start`'s loop
    /// over the program's built-ins, the compiler computed every built-in's lanes up front
    /// (~340 instructions per batch, whichever were used).
    #[inline(never)]
    fn write(&self, b: Builtin, out: &mut [u32; W]) {
        let index = |out: &mut [u32; W], base: u32| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = base.wrapping_add(i as u32);
            }
        };
        // The values the same in every lane have one definition, `uniform_value`.
        if let Some(v) = self.uniform_value(b) {
            return out.fill(v);
        }
        if self.one_d {
            match b {
                Builtin::GlobalInvocationId(0) => {
                    let base = self.workgroup[0].wrapping_mul(self.workgroup_size[0]);
                    return index(out, base.wrapping_add(self.first));
                }
                Builtin::LocalInvocationId(0) | Builtin::LocalInvocationIndex => {
                    return index(out, self.first);
                }
                _ => {}
            }
        }
        let li = |i: usize| {
            if self.one_d {
                self.first.wrapping_add(i as u32)
            } else {
                self.local_index[i]
            }
        };
        match b {
            Builtin::GlobalInvocationId(c) => *out = self.global[c as usize % 3],
            Builtin::LocalInvocationId(c) => *out = self.local[c as usize % 3],
            Builtin::LocalInvocationIndex => *out = self.local_index,
            // Written above.
            Builtin::WorkgroupId(_)
            | Builtin::NumWorkgroups(_)
            | Builtin::WorkgroupSize(_)
            | Builtin::SubgroupSize
            | Builtin::NumSubgroups => {}
            // A subgroup is a batch: W consecutive local invocation indices.
            Builtin::SubgroupInvocationId => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = li(i) % W as u32;
                }
            }
            Builtin::SubgroupId => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = li(i) / W as u32;
                }
            }
        }
    }
}

/// The state of one batch of lanes.
pub struct Batch {
    pub regs: Vec<[u32; W]>,
    /// Registers known to hold the same value in all W lanes (constants, uniform built-ins,
    /// push constants and loads at uniform addresses, and pure arithmetic on only those).
    /// Arithmetic on uniform operands runs once and broadcasts its result (DESIGN, Shaders
    /// point 5). Tracked as the batch runs rather than by a pass, so it needs no bytecode and
    /// also finds values that are uniform only at run time (a 1-D workgroup's
    /// `gl_GlobalInvocationID.y`). Invariant: a flag is set only while every lane of the
    /// register holds the same value; every write either keeps that or clears the flag.
    uniform: Vec<bool>,
    /// Per-lane memory, lane-major: lane `i`'s words are `i * scratch_words ..`.
    scratch: Vec<u32>,
    scratch_words: usize,
    pc: usize,
    exec: Mask,
    stack: Vec<Frame>,
    killed: Mask,
    /// Lanes that executed `OpDemoteToHelperInvocation` (also in `no_write`).
    demoted: Mask,
    /// Lanes whose stores and atomics are dropped (fragment helper invocations).
    pub(crate) no_write: Mask,
    backedges: u32,
    /// Registers named by the `ImageArg`s of the next image operation.
    image_args: [crate::ir::Reg; 16],
}

/// The lanes where a register is non-zero. Written as bytes first so the comparison
/// vectorises; the packing then works on 8 lanes per step.
fn lanes(reg: &[u32; W]) -> Mask {
    let mut bytes = [0u8; W];
    for i in 0..W {
        bytes[i] = (reg[i] != 0) as u8;
    }
    let mut m = 0;
    for (c, chunk) in bytes.chunks_exact(8).enumerate() {
        // Each byte is 0 or 1: multiplying gathers bit 0 of every byte into the top byte.
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        m |= (word.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * c);
    }
    m
}

/// A statically varying variable update (`Inst::*MaskedV`): `$body` computes into the
/// register `$out` it is given, the variable `$dst` itself when every lane is active (the
/// usual case) and otherwise `$tmp`, which is then moved into `$dst` on the active lanes.
macro_rules! masked_v {
    ($batch:ident, $dst:ident, $tmp:ident, |$out:ident| $body:expr) => {{
        let full = $batch.exec == FULL;
        let $out = if full { $dst } else { $tmp };
        $body;
        if !full {
            $batch.mov_masked($dst, $tmp);
        }
    }};
}

impl Batch {
    /// Whether register `r` is uniform (see [`Batch::uniform`]).
    #[inline(always)]
    fn uni(&self, r: crate::ir::Reg) -> bool {
        self.uniform.get(r as usize).copied().unwrap_or(false)
    }

    #[inline(always)]
    fn set_uni(&mut self, r: crate::ir::Reg, u: bool) {
        if let Some(f) = self.uniform.get_mut(r as usize) {
            *f = u;
        }
    }

    pub fn new(program: &Program) -> Batch {
        // A power of two: the lane loops mask register indices with `len - 1` instead of
        // checking them (`arith`; `Program::check_registers` keeps every index below it).
        let len = (program.register_count as usize).max(1).next_power_of_two();
        let mut regs = vec![[0u32; W]; len];
        for &(r, v) in &program.constants {
            regs[r as usize] = [v; W];
        }
        let mut uniform = vec![false; regs.len()];
        for &(r, _) in &program.constants {
            uniform[r as usize] = true;
        }
        let scratch_words = (program.scratch_size as usize).div_ceil(4);
        Batch {
            regs,
            uniform,
            scratch: vec![0; scratch_words * W],
            scratch_words,
            pc: 0,
            exec: 0,
            stack: Vec::new(),
            killed: 0,
            demoted: 0,
            no_write: 0,
            backedges: 0,
            image_args: [0; 16],
        }
    }

    /// Prepares the batch to run `lanes` lanes from the start, with the built-in values of
    /// its lanes. Constants stay as `new` set them (no instruction writes them).
    pub fn start(&mut self, program: &Program, lanes: usize, values: &BuiltinValues) {
        for &(r, b) in &program.builtins {
            let (Some(out), Some(u)) = (
                self.regs.get_mut(r as usize),
                self.uniform.get_mut(r as usize),
            ) else {
                continue;
            };
            match values.uniform_value(b) {
                // A register flagged uniform holds its value in every lane: one that already
                // holds this one (the dispatch's group count, the row of a 2-D grid of 1-D
                // groups, in every batch after the first) is left as it is.
                Some(v) if *u && out[0] == v => {}
                Some(v) => {
                    *out = [v; W];
                    *u = true;
                }
                None => {
                    values.write(b, out);
                    *u = false;
                }
            }
        }
        if self.scratch_words > 0 {
            self.scratch.fill(0);
        }
        self.pc = 0;
        self.exec = if lanes >= W {
            Mask::MAX >> (64 - W)
        } else {
            (1 << lanes) - 1
        };
        self.stack.clear();
        self.killed = 0;
        self.demoted = 0;
        self.no_write = 0;
        self.backedges = 0;
    }

    /// Prepares a graphics run: `active` lanes run, of which `helpers` only help derivatives;
    /// `inputs[i]` are the lanes' values of `program.inputs[i]`.
    pub fn start_stage(
        &mut self,
        program: &Program,
        active: Mask,
        helpers: Mask,
        inputs: &[[u32; W]],
    ) {
        for (&(_, r), values) in program.inputs.iter().zip(inputs) {
            self.regs[r as usize] = *values;
        }
        self.start_stage_filled(program, active, helpers);
    }

    /// [`Self::start_stage`] with the input registers already written in place (through
    /// `regs`), saving a copy of every input per batch.
    pub fn start_stage_filled(&mut self, program: &Program, active: Mask, helpers: Mask) {
        for &(_, r) in &program.inputs {
            if let Some(u) = self.uniform.get_mut(r as usize) {
                *u = false;
            }
        }
        if self.scratch_words > 0 {
            self.scratch.fill(0);
        }
        self.pc = 0;
        self.exec = active & FULL;
        self.stack.clear();
        self.killed = 0;
        self.demoted = 0;
        self.no_write = helpers;
        self.backedges = 0;
    }

    /// Lanes that executed `discard` (or `OpKill`/`OpTerminateInvocation`), or were demoted to
    /// helpers: their fragments are discarded.
    pub fn killed(&self) -> Mask {
        self.killed | self.demoted
    }

    /// Lanes disabled by `break`, `continue`, `return` or `discard` in the frames up to the
    /// innermost function.
    fn disabled(&self) -> Mask {
        let mut d = self.killed;
        let mut seen_breakable = false;
        let mut seen_loop = false;
        for f in self.stack.iter().rev() {
            match *f {
                Frame::If { .. } => {}
                Frame::Loop {
                    broken, continued, ..
                } => {
                    if !seen_breakable {
                        d |= broken;
                        seen_breakable = true;
                    }
                    if !seen_loop {
                        d |= continued;
                        seen_loop = true;
                    }
                }
                Frame::Switch { broken, .. } => {
                    if !seen_breakable {
                        d |= broken;
                        seen_breakable = true;
                    }
                }
                Frame::Call { returned, .. } => {
                    d |= returned;
                    break;
                }
            }
        }
        d
    }

    fn innermost_call_returned(&self) -> Mask {
        self.stack
            .iter()
            .rev()
            .find_map(|f| match f {
                Frame::Call { returned, .. } => Some(*returned),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// `dst = src` on the active lanes.
    #[inline(always)]
    fn mov_masked(&mut self, dst: crate::ir::Reg, src: crate::ir::Reg) {
        let exec = self.exec;
        let (us, ud) = (self.uni(src), self.uni(dst));
        if us
            && ud
            && self.regs.get(src as usize).map(|r| r[0])
                == self.regs.get(dst as usize).map(|r| r[0])
        {
            // Same value everywhere already: a variable set to what it holds.
            return;
        }
        // A partial move leaves the inactive lanes' old values.
        self.set_uni(dst, us && exec == FULL);
        if let Ok([s, d]) = self.regs.get_disjoint_mut([src as usize, dst as usize]) {
            if exec == FULL {
                *d = *s;
            } else {
                // A branch-free blend the compiler vectorises.
                for i in 0..W {
                    let m = ((exec >> i) & 1).wrapping_neg() as u32;
                    d[i] = (s[i] & m) | (d[i] & !m);
                }
            }
        }
    }

    /// The active lanes of `hit` (of its complement, with `negate`) break out of the innermost
    /// loop or switch.
    #[inline(always)]
    fn break_if(&mut self, hit: Mask, negate: bool) {
        let b = self.exec & if negate { !hit } else { hit };
        for f in self.stack.iter_mut().rev() {
            match f {
                Frame::Loop { broken, .. } | Frame::Switch { broken, .. } => {
                    *broken |= b;
                    break;
                }
                Frame::Call { .. } => break,
                Frame::If { .. } => {}
            }
        }
        self.exec &= !b;
    }

    /// [`Inst::LoopEndCounted`]: whether the lanes go round again (else the loop is over).
    /// Out of line: the dispatch loop's size is a cliff (module docs). Inlined there, even
    /// this fast path alone pushed `self` out of its register, +6% on the heavy fragment
    /// shader.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn loop_end_counted(
        &mut self,
        op: crate::ir::Bin,
        negate: bool,
        counter: crate::ir::Reg,
        step: crate::ir::Reg,
        a: crate::ir::Reg,
        b: crate::ir::Reg,
        tmp: crate::ir::Reg,
        watchdog: &Watchdog,
    ) -> Result<bool, Stop> {
        // The usual case: every lane active, a uniform counter and test, and the lanes go
        // round again (not at a watchdog check). With every lane active no lane has broken,
        // returned or continued, so the loop's frame needs no look. One bounds check for the
        // four registers and no early exits between the flags: this path is ~60 instructions.
        let (c, s, x, y) = (counter as usize, step as usize, a as usize, b as usize);
        let top = c.max(s).max(x).max(y);
        if self.exec == FULL
            && top < self.uniform.len()
            && top < self.regs.len()
            && self.uniform[c] & self.uniform[s] & self.uniform[x] & self.uniform[y]
        {
            let v = self.regs[c][0].wrapping_add(self.regs[s][0]);
            self.regs[c] = [v; W];
            let again = arith::compare(op, self.regs[x][0], self.regs[y][0]) == Some(negate);
            let next = self.backedges.wrapping_add(1);
            if again && next % 1024 != 0 {
                self.backedges = next;
                if let Some(Frame::Loop { continued, .. }) = self.stack.last_mut() {
                    *continued = 0;
                }
                return Ok(true);
            }
            return self.loop_end_and_test(op, negate, a, b, tmp, watchdog);
        }
        self.loop_end_counted_slow(op, negate, counter, step, a, b, tmp, watchdog)
    }

    /// [`Self::loop_end_counted`] for a partial mask, a varying counter or test.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn loop_end_counted_slow(
        &mut self,
        op: crate::ir::Bin,
        negate: bool,
        counter: crate::ir::Reg,
        step: crate::ir::Reg,
        a: crate::ir::Reg,
        b: crate::ir::Reg,
        tmp: crate::ir::Reg,
        watchdog: &Watchdog,
    ) -> Result<bool, Stop> {
        let lane0 = |s: &Self, r: crate::ir::Reg| s.regs.get(r as usize).map_or(0, |x| x[0]);
        // `counter += step` on the active lanes.
        let exec = self.exec;
        if self.uni(counter) && self.uni(step) && exec == FULL {
            let v = lane0(self, counter).wrapping_add(lane0(self, step));
            if let Some(c) = self.regs.get_mut(counter as usize) {
                *c = [v; W];
            }
        } else if exec != 0 {
            let s = self.regs.get(step as usize).copied().unwrap_or([0; W]);
            if let Some(c) = self.regs.get_mut(counter as usize) {
                for i in 0..W {
                    if exec >> i & 1 != 0 {
                        c[i] = c[i].wrapping_add(s[i]);
                    }
                }
            }
            let u = self.uni(counter) && self.uni(step) && exec == FULL;
            self.set_uni(counter, u);
        }
        self.loop_end_and_test(op, negate, a, b, tmp, watchdog)
    }

    /// The `LoopEnd` and exit test of [`Self::loop_end_counted`], after the increment.
    #[inline(never)]
    fn loop_end_and_test(
        &mut self,
        op: crate::ir::Bin,
        negate: bool,
        a: crate::ir::Reg,
        b: crate::ir::Reg,
        tmp: crate::ir::Reg,
        watchdog: &Watchdog,
    ) -> Result<bool, Stop> {
        let lane0 = |s: &Self, r: crate::ir::Reg| s.regs.get(r as usize).map_or(0, |x| x[0]);
        let gone = self.innermost_call_returned() | self.killed;
        let Some(&Frame::Loop { saved, broken, .. }) = self.stack.last() else {
            return Ok(false);
        };
        let remaining = saved & !broken & !gone;
        if remaining != 0 {
            self.backedges = self.backedges.wrapping_add(1);
            if self.backedges % 1024 == 0 && watchdog.expired() {
                return Err(Stop::Cancelled);
            }
            if let Some(Frame::Loop { continued, .. }) = self.stack.last_mut() {
                *continued = 0;
            }
            self.exec = remaining;
            // The exit test at the top of the body, for the lanes going round.
            let scalar = if self.uni(a) && self.uni(b) {
                arith::compare(op, lane0(self, a), lane0(self, b))
            } else {
                None
            };
            let hit = match scalar {
                Some(true) => FULL,
                Some(false) => 0,
                None => {
                    arith::bin(&mut self.regs, op, tmp, a, b);
                    self.set_uni(tmp, false);
                    self.regs.get(tmp as usize).map_or(0, lanes)
                }
            };
            self.break_if(hit, negate);
            // The loop's frame is the innermost: what is left active is what is left of it.
            if self.exec != 0 {
                return Ok(true);
            }
        }
        self.stack.pop();
        self.exec = saved & !self.disabled();
        Ok(false)
    }

    /// Runs until the end of the program or a barrier.
    pub fn run(
        &mut self,
        program: &Program,
        res: &Resources,
        workgroup: &mut [u32],
        watchdog: &Watchdog,
    ) -> Result<Status, Stop> {
        if self.pc == 0 {
            // A run from the start: push constants can differ from the last run's. No
            // instruction writes these registers, so one already holding the value (flagged
            // uniform) is left as it is — the broadcast was ~45 instructions a register.
            for &(r, offset) in &program.push_constants {
                let v = memory::read_bytes(res.push_constants, offset);
                let (Some(out), Some(u)) = (
                    self.regs.get_mut(r as usize),
                    self.uniform.get_mut(r as usize),
                ) else {
                    continue;
                };
                if !(*u && out[0] == v) {
                    *out = [v; W];
                    *u = true;
                }
            }
        }
        // The dispatch loop and the lane loops it inlines, built for AVX2 where the CPU has it.
        pumice_memory::simd::vectorized(
            #[inline(always)]
            || self.run_inlined(program, res, workgroup, watchdog),
        )
    }

    #[inline(always)]
    fn run_inlined(
        &mut self,
        program: &Program,
        res: &Resources,
        workgroup: &mut [u32],
        watchdog: &Watchdog,
    ) -> Result<Status, Stop> {
        // A slice, not `&Vec`: its pointer and length stay in registers instead of being
        // reloaded through the `Vec` after every store to the register file.
        let code: &[Inst] = &program.code;
        // The program counter lives in a local while the batch runs (a field would be loaded
        // and stored around every dispatch); it goes back to `self.pc` when the run stops.
        let mut pc = self.pc;
        while let Some(&inst) = code.get(pc) {
            pc += 1;
            match inst {
                Inst::Un { op, dst, a } => {
                    let u = self.uni(a);
                    if u {
                        arith::un_uniform(&mut self.regs, op, dst, a);
                    } else {
                        arith::un(&mut self.regs, op, dst, a);
                    }
                    self.set_uni(dst, u);
                }
                // The `*V` forms are statically varying (`opt::mark_varying`): no uniform flag
                // to test or write. Arms of their own, though that inlines the lane loops a
                // second time: sharing the checked forms' arms (a test of the tag instead)
                // saved 0.3% on the heavy fragment shader, separate arms 13%.
                Inst::UnV { op, dst, a } => arith::un(&mut self.regs, op, dst, a),
                Inst::BinV { op, dst, a, b } => arith::bin(&mut self.regs, op, dst, a, b),
                Inst::TernV { op, dst, a, b, c } => {
                    arith::tern(&mut self.regs, op, dst, a, b, c);
                }
                Inst::BinMaskedV { op, dst, tmp, a, b } => {
                    let full = self.exec == FULL;
                    let out = if full { dst } else { tmp };
                    arith::bin(&mut self.regs, op, out, a, b);
                    if !full {
                        self.mov_masked(dst, tmp);
                    }
                }
                Inst::TernMaskedV {
                    op,
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                } => {
                    let full = self.exec == FULL;
                    let out = if full { dst } else { tmp };
                    arith::tern(&mut self.regs, op, out, a, b, c);
                    if !full {
                        self.mov_masked(dst, tmp);
                    }
                }
                Inst::QuadV {
                    op,
                    dst,
                    a,
                    b,
                    c,
                    d,
                } => arith::quad(&mut self.regs, op, dst, a, b, c, d),
                Inst::QuadMaskedV {
                    op,
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                } => {
                    let full = self.exec == FULL;
                    let out = if full { dst } else { tmp };
                    arith::quad(&mut self.regs, op, out, a, b, c, d);
                    if !full {
                        self.mov_masked(dst, tmp);
                    }
                }
                // Two updates in one dispatch (`opt::pair_quad_updates`). The general form
                // out of line; the hot one inline with every lane active, where a masked
                // result is written whole like an unmasked one.
                Inst::QuadPairV {
                    op,
                    second_op,
                    masked,
                    first,
                    second,
                    a,
                    b,
                } => arith::quad_pair(
                    &mut self.regs,
                    self.exec,
                    op,
                    second_op,
                    masked,
                    first,
                    second,
                    a,
                    b,
                ),
                Inst::MulSubMulAddMulMulAddV {
                    masked,
                    first,
                    second,
                    a,
                    b,
                } => {
                    if self.exec == FULL {
                        arith::quad_pair_full(
                            &mut self.regs,
                            first,
                            second,
                            a,
                            b,
                            arith::mul_sub_mul,
                            arith::mul_mul_add,
                        );
                    } else {
                        arith::quad_pair(
                            &mut self.regs,
                            self.exec,
                            Quad::MulSubMul,
                            Quad::MulMulAdd,
                            masked,
                            first,
                            second,
                            a,
                            b,
                        );
                    }
                }
                // The hot float forms: the operation is in the tag (`opt::specialize_float_ops`).
                Inst::FAddV { dst, a, b } => arith::lanes2(&mut self.regs, dst, a, b, arith::fadd),
                Inst::FSubV { dst, a, b } => arith::lanes2(&mut self.regs, dst, a, b, arith::fsub),
                Inst::FMulV { dst, a, b } => arith::lanes2(&mut self.regs, dst, a, b, arith::fmul),
                Inst::FMulAddV { dst, a, b, c } => {
                    arith::lanes3(&mut self.regs, dst, a, b, c, arith::fmul_add)
                }
                Inst::FMulSubV { dst, a, b, c } => {
                    arith::lanes3(&mut self.regs, dst, a, b, c, arith::fmul_sub)
                }
                Inst::MulAddMulV { dst, a, b, c, d } => {
                    arith::lanes4(&mut self.regs, dst, a, b, c, d, arith::mul_add_mul)
                }
                Inst::MulSubMulV { dst, a, b, c, d } => {
                    arith::lanes4(&mut self.regs, dst, a, b, c, d, arith::mul_sub_mul)
                }
                Inst::MulMulAddV { dst, a, b, c, d } => {
                    arith::lanes4(&mut self.regs, dst, a, b, c, d, arith::mul_mul_add)
                }
                Inst::MulMulSubV { dst, a, b, c, d } => {
                    arith::lanes4(&mut self.regs, dst, a, b, c, d, arith::mul_mul_sub)
                }
                Inst::FAddMaskedV { dst, tmp, a, b } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes2(&mut self.regs, out, a, b, arith::fadd)
                }),
                Inst::FSubMaskedV { dst, tmp, a, b } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes2(&mut self.regs, out, a, b, arith::fsub)
                }),
                Inst::FMulMaskedV { dst, tmp, a, b } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes2(&mut self.regs, out, a, b, arith::fmul)
                }),
                Inst::FMulAddMaskedV { dst, tmp, a, b, c } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes3(&mut self.regs, out, a, b, c, arith::fmul_add)
                }),
                Inst::FMulSubMaskedV { dst, tmp, a, b, c } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes3(&mut self.regs, out, a, b, c, arith::fmul_sub)
                }),
                Inst::MulAddMulMaskedV {
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes4(&mut self.regs, out, a, b, c, d, arith::mul_add_mul)
                }),
                Inst::MulSubMulMaskedV {
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes4(&mut self.regs, out, a, b, c, d, arith::mul_sub_mul)
                }),
                Inst::MulMulAddMaskedV {
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes4(&mut self.regs, out, a, b, c, d, arith::mul_mul_add)
                }),
                Inst::MulMulSubMaskedV {
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                } => masked_v!(self, dst, tmp, |out| {
                    arith::lanes4(&mut self.regs, out, a, b, c, d, arith::mul_mul_sub)
                }),
                Inst::Bin { op, dst, a, b } => {
                    let u = self.uni(a) && self.uni(b);
                    if u {
                        arith::bin_uniform(&mut self.regs, op, dst, a, b);
                    } else {
                        arith::bin(&mut self.regs, op, dst, a, b);
                    }
                    self.set_uni(dst, u);
                }
                Inst::Tern { op, dst, a, b, c } => {
                    let u = self.uni(a) && self.uni(b) && self.uni(c);
                    if u {
                        arith::tern_uniform(&mut self.regs, op, dst, a, b, c);
                    } else {
                        arith::tern(&mut self.regs, op, dst, a, b, c);
                    }
                    self.set_uni(dst, u);
                }
                Inst::Wide { op, hi, dst, a, b } => {
                    // Runs every lane; a pure function of uniform operands is uniform.
                    let u = a.iter().chain(&b).all(|&r| self.uni(r));
                    wide::wide(&mut self.regs, op, hi, dst, a, b);
                    self.set_uni(dst, u);
                }
                Inst::InsertBits {
                    dst,
                    base,
                    insert,
                    offset,
                    count,
                } => {
                    let u = [base, insert, offset, count].iter().all(|&r| self.uni(r));
                    arith::insert_bits(&mut self.regs, dst, base, insert, offset, count);
                    self.set_uni(dst, u);
                }
                Inst::MovMasked { dst, src } => self.mov_masked(dst, src),
                Inst::UnMasked { op, dst, tmp, a } => {
                    let u = self.uni(a);
                    // Every lane active (the usual case): straight into the variable.
                    let full = self.exec == FULL;
                    let out = if full { dst } else { tmp };
                    if u {
                        arith::un_uniform(&mut self.regs, op, out, a);
                    } else {
                        arith::un(&mut self.regs, op, out, a);
                    }
                    self.set_uni(out, u);
                    if !full {
                        self.mov_masked(dst, tmp);
                    }
                }
                Inst::BinMasked { op, dst, tmp, a, b } => {
                    let u = self.uni(a) && self.uni(b);
                    let full = self.exec == FULL;
                    let out = if full { dst } else { tmp };
                    if u {
                        arith::bin_uniform(&mut self.regs, op, out, a, b);
                    } else {
                        arith::bin(&mut self.regs, op, out, a, b);
                    }
                    self.set_uni(out, u);
                    if !full {
                        self.mov_masked(dst, tmp);
                    }
                }
                Inst::TernMasked {
                    op,
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                } => {
                    let u = self.uni(a) && self.uni(b) && self.uni(c);
                    let full = self.exec == FULL;
                    let out = if full { dst } else { tmp };
                    if u {
                        arith::tern_uniform(&mut self.regs, op, out, a, b, c);
                    } else {
                        arith::tern(&mut self.regs, op, out, a, b, c);
                    }
                    self.set_uni(out, u);
                    if !full {
                        self.mov_masked(dst, tmp);
                    }
                }
                Inst::Load { dst, space, addr } => {
                    if let Space::WorkgroupRows(_) | Space::WorkgroupSplat(_) = space {
                        memory::load_rows_direct(self, res, workgroup, dst, space, addr);
                    } else {
                        memory::load(self, res, workgroup, dst, space, addr);
                    }
                }
                Inst::Store { src, space, addr } => {
                    memory::store(self, res, workgroup, src, space, addr);
                }
                Inst::Atomic {
                    op,
                    dst,
                    space,
                    addr,
                    value,
                    compare,
                } => {
                    memory::atomic(self, res, workgroup, op, dst, space, addr, value, compare);
                    self.set_uni(dst, false);
                }
                Inst::ArrayLength {
                    dst,
                    slot,
                    offset,
                    stride,
                } => {
                    let size = res
                        .slots
                        .get(slot as usize)
                        .copied()
                        .flatten()
                        .map_or(0, |s: BufferSlice| s.size);
                    let len = size.saturating_sub(offset as u64) / (stride.max(1) as u64);
                    self.regs[dst as usize] = [len.min(u32::MAX as u64) as u32; W];
                    self.set_uni(dst, true);
                }
                Inst::If { cond, else_pc } => {
                    let taken = self.exec & lanes(&self.regs[cond as usize]);
                    self.stack.push(Frame::If {
                        saved: self.exec,
                        taken,
                    });
                    self.exec = taken;
                    if taken == 0 {
                        pc = else_pc as usize;
                    }
                }
                Inst::Else { end_pc } => {
                    if let Some(&Frame::If { saved, taken }) = self.stack.last() {
                        self.exec = saved & !taken & !self.disabled();
                        if self.exec == 0 {
                            pc = end_pc as usize;
                        }
                    }
                }
                Inst::EndIf => {
                    if let Some(Frame::If { saved, .. }) = self.stack.pop() {
                        self.exec = saved & !self.disabled();
                    }
                }
                Inst::LoopBegin { end_pc } => {
                    if self.exec == 0 {
                        pc = end_pc as usize + 1;
                    } else {
                        self.stack.push(Frame::Loop {
                            saved: self.exec,
                            broken: 0,
                            continued: 0,
                        });
                    }
                }
                Inst::Continuing => {
                    let gone = self.innermost_call_returned() | self.killed;
                    if let Some(Frame::Loop {
                        saved,
                        broken,
                        continued,
                    }) = self.stack.last_mut()
                    {
                        *continued = 0;
                        self.exec = *saved & !*broken & !gone;
                    }
                }
                Inst::BreakIf { cond, negate } => {
                    let hit = lanes(&self.regs[cond as usize]);
                    self.break_if(hit, negate);
                }
                Inst::BreakIfBin {
                    op,
                    tmp,
                    a,
                    b,
                    negate,
                } => {
                    let scalar = if self.uni(a) && self.uni(b) {
                        let x = self.regs.get(a as usize).map_or(0, |r| r[0]);
                        let y = self.regs.get(b as usize).map_or(0, |r| r[0]);
                        arith::compare(op, x, y)
                    } else {
                        None
                    };
                    let hit = match scalar {
                        // A uniform loop counter: no lanes written.
                        Some(true) => FULL,
                        Some(false) => 0,
                        None => {
                            arith::bin(&mut self.regs, op, tmp, a, b);
                            self.set_uni(tmp, false);
                            lanes(&self.regs[tmp as usize])
                        }
                    };
                    self.break_if(hit, negate);
                }
                Inst::LoopEnd { body_pc } => {
                    let gone = self.innermost_call_returned() | self.killed;
                    let Some(&Frame::Loop { saved, broken, .. }) = self.stack.last() else {
                        continue;
                    };
                    let remaining = saved & !broken & !gone;
                    if remaining != 0 {
                        self.backedges = self.backedges.wrapping_add(1);
                        if self.backedges % 1024 == 0 && watchdog.expired() {
                            self.pc = pc;
                            return Err(Stop::Cancelled);
                        }
                        if let Some(Frame::Loop { continued, .. }) = self.stack.last_mut() {
                            *continued = 0;
                        }
                        self.exec = remaining;
                        pc = body_pc as usize;
                    } else {
                        self.stack.pop();
                        self.exec = saved & !self.disabled();
                    }
                }
                Inst::LoopEndCounted {
                    op,
                    negate,
                    counter,
                    step,
                    a,
                    b,
                    tmp,
                    body_pc,
                } => match self.loop_end_counted(op, negate, counter, step, a, b, tmp, watchdog) {
                    Ok(true) => pc = body_pc as usize,
                    Ok(false) => {}
                    Err(stop) => {
                        self.pc = pc;
                        return Err(stop);
                    }
                },
                Inst::Break => {
                    let exec = self.exec;
                    for f in self.stack.iter_mut().rev() {
                        match f {
                            Frame::Loop { broken, .. } | Frame::Switch { broken, .. } => {
                                *broken |= exec;
                                break;
                            }
                            Frame::Call { .. } => break,
                            Frame::If { .. } => {}
                        }
                    }
                    self.exec = 0;
                }
                Inst::Continue => {
                    let exec = self.exec;
                    for f in self.stack.iter_mut().rev() {
                        match f {
                            Frame::Loop { continued, .. } => {
                                *continued |= exec;
                                break;
                            }
                            Frame::Call { .. } => break,
                            _ => {}
                        }
                    }
                    self.exec = 0;
                }
                Inst::SwitchBegin => {
                    self.stack.push(Frame::Switch {
                        saved: self.exec,
                        broken: 0,
                    });
                    self.exec = 0;
                }
                Inst::Case {
                    cond,
                    fallthrough,
                    next_pc,
                } => {
                    let fall = if fallthrough { self.exec } else { 0 };
                    if let Some(&Frame::Switch { saved, .. }) = self.stack.last() {
                        self.exec =
                            ((saved & lanes(&self.regs[cond as usize])) | fall) & !self.disabled();
                        if self.exec == 0 {
                            pc = next_pc as usize;
                        }
                    }
                }
                Inst::SwitchEnd => {
                    if let Some(Frame::Switch { saved, .. }) = self.stack.pop() {
                        self.exec = saved & !self.disabled();
                    }
                }
                Inst::Ballot { dst, cond } => {
                    subgroup::ballot(self, dst, cond);
                    for d in dst {
                        self.set_uni(d, true);
                    }
                }
                Inst::GroupReduce { op, scan, dst, src } => {
                    subgroup::reduce(self, op, scan, dst, src);
                    self.set_uni(dst, false);
                }
                Inst::GroupReduceWide {
                    op,
                    scan,
                    hi,
                    dst,
                    src,
                } => {
                    subgroup::reduce_wide(self, op, scan, hi, dst, src);
                    self.set_uni(dst, false);
                }
                Inst::GroupGather {
                    mode,
                    dst,
                    src,
                    index,
                } => {
                    subgroup::gather(self, mode, dst, src, index);
                    self.set_uni(dst, false);
                }
                Inst::Derivative {
                    axis,
                    fine,
                    dst,
                    src,
                } => {
                    let v = self.regs[src as usize];
                    let f = |x: u32| f32::from_bits(x);
                    let mut out = [0u32; W];
                    for q in (0..W).step_by(4) {
                        for lane in 0..4 {
                            // Row (for x) or column (for y) of the lane within its quad.
                            let (a, b) = match (axis, fine) {
                                (crate::ir::Axis::X, true) => (q + (lane & 2), q + (lane & 2) + 1),
                                (crate::ir::Axis::X, false) => (q, q + 1),
                                (crate::ir::Axis::Y, true) => (q + (lane & 1), q + (lane & 1) + 2),
                                (crate::ir::Axis::Y, false) => (q, q + 2),
                            };
                            out[q + lane] = (f(v[b]) - f(v[a])).to_bits();
                        }
                    }
                    self.regs[dst as usize] = out;
                    self.set_uni(dst, false);
                }
                Inst::CallBegin => self.stack.push(Frame::Call {
                    saved: self.exec,
                    returned: 0,
                }),
                Inst::Return => {
                    let exec = self.exec;
                    if let Some(Frame::Call { returned, .. }) = self
                        .stack
                        .iter_mut()
                        .rev()
                        .find(|f| matches!(f, Frame::Call { .. }))
                    {
                        *returned |= exec;
                    }
                    self.exec = 0;
                }
                Inst::CallEnd => {
                    if let Some(Frame::Call { saved, .. }) = self.stack.pop() {
                        self.exec = saved & !self.disabled();
                    }
                }
                Inst::Kill => {
                    self.killed |= self.exec;
                    self.exec = 0;
                }
                Inst::Demote => {
                    self.demoted |= self.exec;
                    self.no_write |= self.exec;
                }
                Inst::IsHelper { dst } => {
                    let helpers = self.no_write;
                    let mut v = [0u32; W];
                    for (i, x) in v.iter_mut().enumerate() {
                        *x = (helpers >> i & 1) as u32;
                    }
                    self.regs[dst as usize] = v;
                    self.set_uni(dst, false);
                }
                Inst::Barrier => {
                    self.pc = pc;
                    return Ok(Status::Barrier);
                }
                Inst::ImageArg { index, src } => self.image_args[index as usize & 15] = src,
                Inst::Image { op, dst, count } => {
                    if let Some(op) = program.image_ops.get(op as usize) {
                        image::run(self, res, op, dst, count);
                    }
                    for c in 0..count as u32 {
                        self.set_uni(dst + c, false);
                    }
                }
            }
        }
        self.pc = pc;
        // Structured code leaves the mask stack as it found it; tests run with this checked.
        debug_assert!(
            self.stack.is_empty(),
            "mask stack not empty at the end: {:?}",
            self.stack
        );
        Ok(Status::Done)
    }
}
