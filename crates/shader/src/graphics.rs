//! Vertex and fragment programs: compiled like compute ones, run by the rasterizer one batch of
//! [`W`] lanes at a time (vertices, or 2×2 quads of fragments).
//!
//! The caller owns the batching: it fills the program's inputs for up to W lanes, runs, and
//! reads the outputs. For fragments, lane `4q + k` is pixel `k` (top-left, top-right,
//! bottom-left, bottom-right) of quad `q`, which is what derivatives assume; uncovered pixels
//! of a quad run as helpers (their stores are dropped) so that derivatives are defined.

use std::sync::atomic::AtomicBool;

use crate::compute::{
    resolve_slots, resource_uses, CompileError, DispatchResources, ExecError, ResourceUse,
};
use crate::interp::{Batch, Mask, Resources, Status, Watchdog};
use crate::ir::{IoSlot, Program, W};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Vertex,
    Fragment,
}

/// A compiled vertex or fragment entry point.
#[derive(Debug)]
pub struct StageProgram {
    pub stage: Stage,
    program: Program,
    resources: Vec<ResourceUse>,
    push_constant_size: u32,
    /// The fragment shader asks for depth/stencil tests before it runs.
    pub early_fragment_tests: bool,
    /// The program can kill lanes (`OpKill`, `OpTerminateInvocation`, demotion).
    pub may_kill: bool,
    /// The program uses storage buffers or images: it may have effects beyond its outputs, so
    /// skipping invocations (testing depth before shading) would be visible.
    pub may_have_side_effects: bool,
    /// Each lane's results depend on that lane's inputs only: no derivatives, subgroup
    /// operations, helper tests, images, kills, barriers, atomics or stores outside the lane's
    /// own scratch memory. Lanes
    /// with equal inputs then get equal outputs, which lets the rasterizer shade a primitive
    /// whose inputs are the same at every fragment once (`FragmentInfo::uniform_over_primitive`).
    pub lane_independent: bool,
    /// No lane reads another's values or state: no derivatives, image operations (implicit
    /// LODs come from derivatives), subgroup operations or helper-invocation tests. Fragments
    /// of such a program need not be shaded in 2×2 quads (`FragmentInfo::quad_free`).
    pub quad_free: bool,
}

impl StageProgram {
    pub fn new(
        words: &[u32],
        entry_point: &str,
        stage: Stage,
        specialization: &[(u32, u64)],
    ) -> Result<StageProgram, CompileError> {
        let parsed =
            crate::front::parse_shared(words, specialization).map_err(CompileError::Parse)?;
        let (module, info) = &*parsed;
        let naga_stage = match stage {
            Stage::Vertex => naga::ShaderStage::Vertex,
            Stage::Fragment => naga::ShaderStage::Fragment,
        };
        let index = module
            .entry_points
            .iter()
            .position(|e| e.name == entry_point && e.stage == naga_stage)
            .ok_or_else(|| CompileError::NoEntryPoint(entry_point.to_string()))?;
        let early_fragment_tests = module.entry_points[index].early_depth_test.is_some();
        let lowering = crate::lower::Lowering::new(module, info);
        let program = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lowering.entry_point(index).map(|mut p| {
                crate::opt::run(&mut p);
                p
            })
        }))
        .map_err(|_| CompileError::Unsupported("internal error while lowering".into()))??;
        if !crate::opt::registers_in_range(&program) {
            return Err(CompileError::Unsupported(
                "internal error: a register out of range".into(),
            ));
        }
        if program.workgroup_size_bytes > 0 {
            return Err(CompileError::Unsupported(
                "workgroup memory outside compute".into(),
            ));
        }
        let resources = resource_uses(module, &program);
        let push_constant_size = crate::lower::push_constant_size(module);
        let may_kill = program
            .code
            .iter()
            .any(|i| matches!(i, crate::ir::Inst::Kill | crate::ir::Inst::Demote));
        let may_have_side_effects = program.uses_device_addresses()
            || resources.iter().any(|r| {
                matches!(
                    r.kind,
                    crate::compute::ResourceKind::StorageBuffer
                        | crate::compute::ResourceKind::StorageImage
                )
            });
        let quad_free = program.code.iter().all(|i| {
            use crate::ir::Inst;
            !matches!(
                i,
                Inst::Ballot { .. }
                    | Inst::GroupReduce { .. }
                    | Inst::GroupReduceWide { .. }
                    | Inst::GroupGather { .. }
                    | Inst::Derivative { .. }
                    | Inst::IsHelper { .. }
                    | Inst::ImageArg { .. }
                    | Inst::Image { .. }
            )
        });
        // Quad-free, and besides: no discards, barriers, atomics or stores outside the
        // invocation's own memory.
        let lane_independent = quad_free
            && !may_have_side_effects
            && program.code.iter().all(|i| {
                use crate::ir::{Inst, Space};
                !matches!(
                    i,
                    Inst::Kill | Inst::Demote | Inst::Barrier | Inst::Atomic { .. }
                ) && !matches!(i, Inst::Store { space, .. } if *space != Space::Scratch)
            });
        Ok(StageProgram {
            stage,
            program,
            resources,
            push_constant_size,
            early_fragment_tests,
            may_kill,
            may_have_side_effects,
            lane_independent,
            quad_free,
        })
    }

    /// The inputs, in the order `StageRunner::run` takes their values.
    pub fn inputs(&self) -> impl Iterator<Item = IoSlot> + '_ {
        self.program.inputs.iter().map(|(s, _)| *s)
    }

    /// The outputs, in the order `StageRunner::run` writes them.
    pub fn outputs(&self) -> impl Iterator<Item = IoSlot> + '_ {
        self.program.outputs.iter().map(|(s, _)| *s)
    }

    /// How a location input is interpolated (`Smooth` for anything not recorded).
    pub fn interpolation(&self, slot: IoSlot) -> crate::ir::Interp {
        self.program
            .interpolation
            .iter()
            .find(|(s, _)| *s == slot)
            .map_or(crate::ir::Interp::Smooth, |(_, i)| *i)
    }

    pub fn resources(&self) -> &[ResourceUse] {
        &self.resources
    }

    pub fn push_constant_size(&self) -> u32 {
        self.push_constant_size
    }

    /// Whether the program reads or writes memory through device addresses (then the draw
    /// needs the table of live allocations).
    pub fn uses_device_addresses(&self) -> bool {
        self.program.uses_device_addresses()
    }

    pub fn disassemble(&self) -> String {
        crate::disasm::disassemble(&self.program)
    }
}

/// A register file kept between runners, tagged with the program it was made for.
pub struct StageBatch {
    program: usize,
    batch: Batch,
}

/// A stage program's resources resolved to its slots: once per draw, shared by the workers
/// (resolving per batch allocated two vectors per batch).
pub struct StageResources<'a> {
    res: Resources<'a>,
}

impl StageProgram {
    /// The program's resources among `resources`; an error when one is missing.
    pub fn resolve<'a>(
        &self,
        resources: &'a DispatchResources<'a>,
    ) -> Result<StageResources<'a>, ExecError> {
        let mut res = resolve_slots(&self.program, resources)?;
        res.push_constants = &resources.push_constants;
        Ok(StageResources { res })
    }
}

/// Running a program on a register file in place — the rasterizer keeps one per tile worker
/// and fills its input registers directly, with no runner made per batch.
impl StageBatch {
    pub fn new(program: &StageProgram) -> StageBatch {
        StageBatch {
            program: program as *const StageProgram as usize,
            batch: Batch::new(&program.program),
        }
    }

    /// Whether this register file was made for `program`.
    pub fn is_for(&self, program: &StageProgram) -> bool {
        self.program == program as *const StageProgram as usize
    }

    /// The register of input `i` of `program` (in `StageProgram::inputs` order).
    pub fn input_mut(&mut self, program: &StageProgram, i: usize) -> Option<&mut [u32; W]> {
        let &(_, r) = program.program.inputs.get(i)?;
        self.batch.regs.get_mut(r as usize)
    }

    /// The register of output `i` of `program` (in `StageProgram::outputs` order).
    pub fn output(&self, program: &StageProgram, i: usize) -> Option<&[u32; W]> {
        let &(_, r) = program.program.outputs.get(i)?;
        self.batch.regs.get(r as usize)
    }

    /// Runs `program` (which this register file must be for) on the `active` lanes, of which
    /// `helpers` only help derivatives, with the inputs written through [`Self::input_mut`];
    /// stops with `ExecError::Cancelled` once `deadline` passes. Returns the lanes that were
    /// discarded.
    pub fn run(
        &mut self,
        program: &StageProgram,
        res: &StageResources,
        active: Mask,
        helpers: Mask,
        cancel: &AtomicBool,
        deadline: Option<std::time::Instant>,
    ) -> Result<Mask, ExecError> {
        if !self.is_for(program) {
            return Err(ExecError::Cancelled);
        }
        let p = &program.program;
        self.batch.start_stage_filled(p, active, helpers);
        let watchdog = Watchdog { cancel, deadline };
        match self.batch.run(p, &res.res, &mut [], &watchdog) {
            Ok(Status::Done | Status::Barrier) => Ok(self.batch.killed()),
            Err(_) => Err(ExecError::Cancelled),
        }
    }
}

/// Runs one stage program over batches; one per worker thread.
pub struct StageRunner<'a> {
    program: &'a StageProgram,
    batch: Batch,
    res: Resources<'a>,
}

impl<'a> StageRunner<'a> {
    pub fn new(
        program: &'a StageProgram,
        resources: &'a DispatchResources<'a>,
    ) -> Result<StageRunner<'a>, ExecError> {
        let mut res = resolve_slots(&program.program, resources)?;
        res.push_constants = &resources.push_constants;
        Ok(StageRunner {
            program,
            batch: Batch::new(&program.program),
            res,
        })
    }

    /// Runs the `active` lanes (of which `helpers` only help derivatives) with `inputs` (one
    /// register per input, in `StageProgram::inputs` order), writing `outputs` (in `outputs`
    /// order). Returns the lanes that were discarded.
    pub fn run(
        &mut self,
        active: Mask,
        helpers: Mask,
        inputs: &[[u32; W]],
        outputs: &mut [[u32; W]],
        cancel: &AtomicBool,
    ) -> Result<Mask, ExecError> {
        self.run_until(active, helpers, inputs, outputs, cancel, None)
    }

    /// `run`, stopping with `ExecError::Cancelled` once `deadline` passes (the watchdog).
    pub fn run_until(
        &mut self,
        active: Mask,
        helpers: Mask,
        inputs: &[[u32; W]],
        outputs: &mut [[u32; W]],
        cancel: &AtomicBool,
        deadline: Option<std::time::Instant>,
    ) -> Result<Mask, ExecError> {
        let p = &self.program.program;
        self.batch.start_stage(p, active, helpers, inputs);
        let watchdog = Watchdog { cancel, deadline };
        match self.batch.run(p, &self.res, &mut [], &watchdog) {
            Ok(Status::Done) => {}
            // Barriers only exist in compute; a stray one ends the run here.
            Ok(Status::Barrier) => {}
            Err(_) => return Err(ExecError::Cancelled),
        }
        for (out, &(_, r)) in outputs.iter_mut().zip(&p.outputs) {
            *out = self.batch.regs[r as usize];
        }
        Ok(self.batch.killed())
    }
}
