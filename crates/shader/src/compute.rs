//! Compute programs: what the Vulkan layer compiles at pipeline creation and dispatches.
//!
//! A [`ComputeProgram`] is a compiled entry point: SPIR-V (specialised) → legalize → naga →
//! bytecode. [`dispatch`] runs a grid of workgroups over the resources the Vulkan layer resolved
//! from the bound descriptor sets and push constants.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use pumice_memory::DeviceMemory;

use crate::interp::{Batch, BuiltinValues, Resources, Status, Watchdog};
use crate::ir::{Program, W};
use crate::lower::Lowering;

/// A range of device memory bound to a shader (a storage or uniform buffer descriptor, with
/// any dynamic offset already applied).
#[derive(Clone, Copy, Debug)]
pub struct BufferSlice<'a> {
    pub memory: &'a DeviceMemory,
    pub offset: u64,
    pub size: u64,
}

/// An image view bound to a shader: the image's memory and layout, and the part of it the
/// view shows.
#[derive(Clone, Copy, Debug)]
pub struct ImageBinding<'a> {
    pub memory: &'a DeviceMemory,
    /// Where the image's bytes start in `memory`.
    pub offset: u64,
    pub layout: &'a pumice_texel::ImageLayout,
    /// The view's format (for depth/stencil images, the image's format; `aspect` picks the
    /// plane).
    pub format: pumice_texel::Format,
    pub aspect: pumice_texel::Aspect,
    pub dim: pumice_texel::sample::ViewDim,
    pub base_level: u32,
    pub levels: u32,
    pub base_layer: u32,
    pub layers: u32,
    pub swizzle: [pumice_texel::sample::Swizzle; 4],
    /// Samples per texel (1, or 4 for a multisampled image; samples are stored side by side).
    pub samples: u32,
}

impl<'a> ImageBinding<'a> {
    /// A 2-D colour view of a whole single-level, single-layer image at the start of
    /// `memory`, in the image's format, unswizzled.
    pub fn whole_2d(memory: &'a DeviceMemory, layout: &'a pumice_texel::ImageLayout) -> Self {
        use pumice_texel::sample::Swizzle;
        ImageBinding {
            memory,
            offset: 0,
            layout,
            format: layout.desc.format,
            aspect: pumice_texel::Aspect::Color,
            dim: pumice_texel::sample::ViewDim::D2,
            base_level: 0,
            levels: 1,
            base_layer: 0,
            layers: 1,
            swizzle: [Swizzle::R, Swizzle::G, Swizzle::B, Swizzle::A],
            samples: layout.desc.samples,
        }
    }
}

/// What an image, sampler or combined image-sampler descriptor gives a shader.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImageDescriptor<'a> {
    pub view: Option<ImageBinding<'a>>,
    pub sampler: Option<pumice_texel::sample::Sampler>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    UniformBuffer,
    StorageBuffer,
    /// A sampled image (alone or the image of a combined image-sampler).
    SampledImage,
    StorageImage,
    Sampler,
}

/// A descriptor the shader uses: `layout(set = S, binding = B)`, `count` elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResourceUse {
    pub set: u32,
    pub binding: u32,
    pub kind: ResourceKind,
    /// Array length (1 for a single descriptor).
    pub count: u32,
}

/// Why a shader could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    Parse(crate::ParseError),
    /// The entry point is not in the module, or is not a compute shader.
    NoEntryPoint(String),
    /// naga accepted it, but it uses something the interpreter does not run yet.
    Unsupported(String),
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::Parse(e) => write!(f, "{e}"),
            CompileError::NoEntryPoint(e) => write!(f, "no compute entry point {e:?}"),
            CompileError::Unsupported(e) => write!(f, "unsupported: {e}"),
        }
    }
}

/// Why a dispatch stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The cancel flag was raised (the watchdog, or the device was lost).
    Cancelled,
    /// A resource the shader uses was not provided.
    MissingResource { set: u32, binding: u32 },
}

/// The resources of one dispatch.
#[derive(Debug, Default)]
pub struct DispatchResources<'a> {
    /// (set, binding, array element) → buffer.
    pub buffers: Vec<((u32, u32, u32), BufferSlice<'a>)>,
    /// (set, binding, array element) → image view and/or sampler.
    pub images: Vec<((u32, u32, u32), ImageDescriptor<'a>)>,
    /// The push constant bytes (up to the pipeline layout's range).
    pub push_constants: Vec<u8>,
    /// The live allocations reachable by device address, sorted by address (first address,
    /// whole allocation); filled only for programs that [`uses device addresses`].
    ///
    /// [`uses device addresses`]: ComputeProgram::uses_device_addresses
    pub addresses: Vec<(u64, BufferSlice<'a>)>,
}

impl<'a> DispatchResources<'a> {
    pub fn buffer(&self, set: u32, binding: u32, element: u32) -> Option<BufferSlice<'a>> {
        self.buffers
            .iter()
            .find(|(k, _)| *k == (set, binding, element))
            .map(|(_, b)| *b)
    }

    pub fn image(&self, set: u32, binding: u32, element: u32) -> Option<ImageDescriptor<'a>> {
        self.images
            .iter()
            .find(|(k, _)| *k == (set, binding, element))
            .map(|(_, d)| *d)
    }
}

/// A compiled compute entry point.
#[derive(Debug)]
pub struct ComputeProgram {
    workgroup_size: [u32; 3],
    resources: Vec<ResourceUse>,
    push_constant_size: u32,
    program: Program,
}

/// How long one dispatch may run before the watchdog stops it (`PUMICE_WATCHDOG_MS`, read
/// once; default 10 s). A shader that never ends then becomes `VK_ERROR_DEVICE_LOST`.
static WATCHDOG: LazyLock<Duration> = LazyLock::new(|| {
    let ms = std::env::var("PUMICE_WATCHDOG_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000u64);
    Duration::from_millis(ms)
});

/// How long one dispatch or draw may run before the watchdog stops it.
pub fn watchdog_duration() -> Duration {
    *WATCHDOG
}

impl ComputeProgram {
    /// Compiles `entry_point` of a SPIR-V module, with specialization constants given as
    /// (SpecId, value bits) pairs (booleans as 0/1; 64-bit values whole).
    pub fn new(
        words: &[u32],
        entry_point: &str,
        specialization: &[(u32, u64)],
    ) -> Result<ComputeProgram, CompileError> {
        let parsed =
            crate::front::parse_shared(words, specialization).map_err(CompileError::Parse)?;
        let (module, info) = &*parsed;
        let index = module
            .entry_points
            .iter()
            .position(|e| e.name == entry_point && e.stage == naga::ShaderStage::Compute)
            .ok_or_else(|| CompileError::NoEntryPoint(entry_point.to_string()))?;
        let workgroup_size = module.entry_points[index].workgroup_size;
        if workgroup_size.contains(&0) {
            return Err(CompileError::Unsupported(
                "workgroup size set by an unresolved override".into(),
            ));
        }
        let lowering = Lowering::new(module, info);
        // Panics in the lowering or the passes (a bug, or naga data we did not expect) become an
        // error for this pipeline, not a crash.
        let program = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lowering.entry_point(index).map(|mut p| {
                crate::opt::run(&mut p);
                crate::opt::mark_word_runs(&mut p, workgroup_size);
                p
            })
        }))
        .map_err(|_| CompileError::Unsupported("internal error while lowering".into()))??;
        if !crate::opt::registers_in_range(&program) {
            return Err(CompileError::Unsupported(
                "internal error: a register out of range".into(),
            ));
        }
        // The limits Pumice reports (maxComputeWorkGroupInvocations, …SharedMemorySize).
        if workgroup_size.iter().map(|&d| d as u64).product::<u64>() > 1024
            || program.workgroup_size_bytes > 32768
        {
            return Err(CompileError::Unsupported(
                "workgroup larger than the device limits".into(),
            ));
        }
        let resources = resource_uses(module, &program);
        let push_constant_size = crate::lower::push_constant_size(module);
        Ok(ComputeProgram {
            workgroup_size,
            resources,
            push_constant_size,
            program,
        })
    }

    pub fn workgroup_size(&self) -> [u32; 3] {
        self.workgroup_size
    }

    pub fn resources(&self) -> &[ResourceUse] {
        &self.resources
    }

    pub fn push_constant_size(&self) -> u32 {
        self.push_constant_size
    }

    /// Whether the program reads or writes memory through device addresses (then the
    /// dispatch needs the table of live allocations).
    pub fn uses_device_addresses(&self) -> bool {
        self.program.uses_device_addresses()
    }

    /// The bytecode, as text.
    pub fn disassemble(&self) -> String {
        crate::disasm::disassemble(&self.program)
    }
}

/// The resources of a program's slots, from the dispatch's (or draw's) resources: a buffer or
/// an image descriptor per slot.
pub(crate) fn resolve_slots<'a>(
    p: &Program,
    resources: &DispatchResources<'a>,
) -> Result<Resources<'a>, ExecError> {
    let mut slots = Vec::with_capacity(p.slots.len());
    let mut images = Vec::with_capacity(p.slots.len());
    for s in &p.slots {
        if let Some(b) = resources.buffer(s.set, s.binding, s.element) {
            slots.push(Some(b));
            images.push(None);
        } else if let Some(d) = resources.image(s.set, s.binding, s.element) {
            slots.push(None);
            images.push(Some(d));
        } else {
            return Err(ExecError::MissingResource {
                set: s.set,
                binding: s.binding,
            });
        }
    }
    Ok(Resources {
        slots,
        images,
        push_constants: &[],
        addresses: resources.addresses.clone(),
    })
}

/// The resource uses of a compiled program, grouped by binding.
pub(crate) fn resource_uses(module: &naga::Module, program: &Program) -> Vec<ResourceUse> {
    let mut resources: Vec<ResourceUse> = Vec::new();
    for (slot, kind) in crate::lower::slot_kinds(module, program) {
        match resources
            .iter_mut()
            .find(|r| r.set == slot.set && r.binding == slot.binding)
        {
            Some(r) => r.count = r.count.max(slot.element + 1),
            None => resources.push(ResourceUse {
                set: slot.set,
                binding: slot.binding,
                kind,
                count: slot.element + 1,
            }),
        }
    }
    resources
}

/// Per-worker state: one batch per W invocations of a workgroup, and its shared memory.
struct Worker {
    batches: Vec<Batch>,
    shared: Vec<u32>,
    builtins: BuiltinValues,
    /// The flat index of the last group run and its coordinates (relative to the base): the
    /// next index is usually one more (a worker claims runs of consecutive indices), so its
    /// coordinates are a step from these instead of three 64-bit divisions.
    last: Option<(u64, [u32; 3])>,
}

impl Worker {
    /// The coordinates (relative to the dispatch's base) of the group with flat index `index`
    /// in a grid of `count` groups.
    fn group_of(&mut self, index: u64, count: [u32; 3]) -> [u32; 3] {
        let at = match self.last {
            Some((prev, [x, y, z])) if index == prev.wrapping_add(1) => {
                if x + 1 < count[0] {
                    [x + 1, y, z]
                } else if y + 1 < count[1] {
                    [0, y + 1, z]
                } else {
                    [0, 0, z + 1]
                }
            }
            _ => [
                (index % count[0] as u64) as u32,
                (index / count[0] as u64 % count[1] as u64) as u32,
                (index / (count[0] as u64 * count[1] as u64)) as u32,
            ],
        };
        self.last = Some((index, at));
        at
    }
}

/// The next groups for a worker to run, from the shared counter `next` of a dispatch of
/// `total` groups over `workers` workers: a share of what is left (guided scheduling), so the
/// first claims are long runs of consecutive groups (one atomic each, and `Worker::group_of`
/// steps) and the last are single groups, which every worker takes until none is left. No
/// worker then finishes with a long run of its own while the others wait: with rayon's
/// splitting of a range (four leaves of a quarter of the groups each at 2 threads, a leaf never
/// split again once running), a worker slowed by another process (a busy machine) kept a
/// quarter of the dispatch to itself while the other idled.
fn claim(next: &AtomicU64, total: u64, workers: u64) -> Option<Range<u64>> {
    let mut start = next.load(Ordering::Relaxed);
    loop {
        if start >= total {
            return None;
        }
        let chunk = ((total - start) / (16 * workers)).max(1);
        match next.compare_exchange_weak(start, start + chunk, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => return Some(start..start + chunk),
            Err(now) => start = now,
        }
    }
}

/// Runs workgroups `base .. base + count` (in each dimension) of `program`, in parallel.
/// `cancel` is polled at loop back-edges and between workgroups.
pub fn dispatch(
    program: &ComputeProgram,
    resources: &DispatchResources,
    base: [u32; 3],
    count: [u32; 3],
    cancel: &AtomicBool,
) -> Result<(), ExecError> {
    let p = &program.program;
    let mut res = resolve_slots(p, resources)?;
    res.push_constants = &resources.push_constants;
    let total = count[0] as u64 * count[1] as u64 * count[2] as u64;
    if total == 0 {
        return Ok(());
    }
    let [sx, sy, sz] = program.workgroup_size;
    let invocations = (sx * sy * sz) as usize;
    let batch_count = invocations.div_ceil(W);
    let watchdog = Watchdog {
        cancel,
        deadline: Instant::now().checked_add(*WATCHDOG),
    };
    let stopped = AtomicBool::new(false);
    let run_group = |worker: &mut Worker, index: u64| {
        if stopped.load(Ordering::Relaxed) {
            return;
        }
        let [gx, gy, gz] = worker.group_of(index, count);
        let group = [base[0] + gx, base[1] + gy, base[2] + gz];
        if !worker.shared.is_empty() {
            worker.shared.fill(0);
        }
        for (k, batch) in worker.batches.iter_mut().enumerate() {
            let first = k * W;
            worker
                .builtins
                .compute(first as u32, group, program.workgroup_size, count);
            batch.start(p, (invocations - first).min(W), &worker.builtins);
        }
        // Run every batch to the next barrier, then all again, until all are done.
        loop {
            let mut all_done = true;
            for batch in worker.batches.iter_mut() {
                match batch.run(p, &res, &mut worker.shared, &watchdog) {
                    Ok(Status::Done) => {}
                    Ok(Status::Barrier) => all_done = false,
                    Err(_) => {
                        stopped.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
            if all_done {
                break;
            }
        }
        if watchdog.cancel.load(Ordering::Relaxed) {
            stopped.store(true, Ordering::Relaxed);
        }
    };
    let new_worker = || Worker {
        batches: (0..batch_count).map(|_| Batch::new(p)).collect(),
        shared: vec![0; (p.workgroup_size_bytes as usize).div_ceil(4)],
        builtins: BuiltinValues::default(),
        last: None,
    };
    crate::pool::install(|| {
        let workers = rayon::current_num_threads().max(1) as u64;
        let next = AtomicU64::new(0);
        // Each worker claims groups as it goes; see `claim`.
        let work = || {
            let mut worker = new_worker();
            while let Some(groups) = claim(&next, total, workers) {
                for i in groups {
                    run_group(&mut worker, i);
                }
            }
        };
        rayon::scope(|s| {
            for _ in 1..workers.min(total) {
                s.spawn(|_| work());
            }
            work();
        });
    });
    if stopped.load(Ordering::Relaxed) || cancel.load(Ordering::Relaxed) {
        return Err(ExecError::Cancelled);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stepping from the last group gives the coordinates the divisions give, across row and
    /// slice ends and after jumps.
    #[test]
    fn group_of_steps_like_division() {
        let mut w = Worker {
            batches: Vec::new(),
            shared: Vec::new(),
            builtins: BuiltinValues::default(),
            last: None,
        };
        let count = [3u32, 2, 4];
        let total = 24u64;
        let order = (0..total).chain(5..9).chain([17, 2, 3, 23, 0, 1]);
        for index in order {
            let expect = [
                (index % 3) as u32,
                (index / 3 % 2) as u32,
                (index / 6) as u32,
            ];
            assert_eq!(w.group_of(index, count), expect, "{index}");
        }
    }
}
