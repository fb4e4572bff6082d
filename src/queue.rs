//! Queues: each has a worker thread that executes submissions in order.
//!
//! `vkQueueSubmit` sends a batch down a channel and returns. The worker waits on the batch's
//! semaphores, runs its command buffers, signals its semaphores and then its fence. Commands of
//! one queue run in submission order on that thread, which satisfies every pipeline barrier
//! between transfer commands; data-parallel work inside a command (rasterization, compute)
//! fans out to the worker pool and joins before the next command.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use ash::vk;
use pumice_raster::transfer as t;

use crate::command_buffer::{BoundSet, Command, GroupCount, Recording};
use crate::debug_utils::DebugUtils;
use crate::graphics_state::{DrawCommand, RenderTargets};
use crate::handle::{HandleObject, Ref};
use crate::query::{timestamp_now, QueryPool};
use crate::sync::{lock, wait_until, Deadline, Fence, Semaphore, WaitError};

/// State every queue of a device shares.
#[derive(Debug)]
pub struct DeviceShared {
    pub lost: AtomicBool,
    pub debug: Arc<DebugUtils>,
    pub addresses: crate::memory::DeviceAddresses,
}

impl DeviceShared {
    pub fn mark_lost(&self, why: &str) {
        if !self.lost.swap(true, Ordering::AcqRel) {
            self.debug
                .error(format!("device lost: {why}"), (vk::ObjectType::DEVICE, 0));
        }
    }
}

/// One `VkSubmitInfo`.
#[derive(Debug, Default)]
pub struct Submission {
    pub waits: Vec<(Ref<Semaphore>, u64)>,
    pub command_buffers: Vec<Arc<Recording>>,
    pub signals: Vec<(Ref<Semaphore>, u64)>,
}

/// One `vkQueueSubmit` call.
#[derive(Debug, Default)]
pub struct Batch {
    pub submissions: Vec<Submission>,
    pub fence: Option<Ref<Fence>>,
}

#[derive(Debug, Default)]
struct Progress {
    submitted: u64,
    completed: u64,
}

#[derive(Debug)]
struct QueueShared {
    progress: Mutex<Progress>,
    cv: Condvar,
    device: Arc<DeviceShared>,
}

#[derive(Debug)]
pub struct Queue {
    pub family: u32,
    pub index: u32,
    pub flags: vk::DeviceQueueCreateFlags,
    shared: Arc<QueueShared>,
    sender: Mutex<Option<mpsc::Sender<Batch>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl HandleObject for Queue {
    const TAG: u64 = u64::from_le_bytes(*b"pmQUEUE_");
}

impl Queue {
    pub fn new(
        family: u32,
        index: u32,
        flags: vk::DeviceQueueCreateFlags,
        device: Arc<DeviceShared>,
    ) -> Result<Queue, vk::Result> {
        let shared = Arc::new(QueueShared {
            progress: Mutex::default(),
            cv: Condvar::new(),
            device,
        });
        let (sender, receiver) = mpsc::channel::<Batch>();
        let worker_shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name(format!("pumice-queue-{family}.{index}"))
            .spawn(move || run_worker(receiver, worker_shared))
            .map_err(|_| vk::Result::ERROR_INITIALIZATION_FAILED)?;
        Ok(Queue {
            family,
            index,
            flags,
            shared,
            sender: Mutex::new(Some(sender)),
            worker: Mutex::new(Some(worker)),
        })
    }

    pub fn submit(&self, batch: Batch) -> Result<(), vk::Result> {
        if self.shared.device.lost.load(Ordering::Acquire) {
            return Err(vk::Result::ERROR_DEVICE_LOST);
        }
        let sender = lock(&self.sender);
        let sender = sender.as_ref().ok_or(vk::Result::ERROR_DEVICE_LOST)?;
        lock(&self.shared.progress).submitted += 1;
        sender
            .send(batch)
            .map_err(|_| vk::Result::ERROR_DEVICE_LOST)
    }

    /// Waits until everything submitted so far has finished.
    pub fn wait_idle(&self) -> Result<(), WaitError> {
        let target = lock(&self.shared.progress).submitted;
        let _done = wait_until(
            lock(&self.shared.progress),
            &self.shared.cv,
            Deadline::forever(),
            &self.shared.device.lost,
            |p| p.completed >= target,
        )?;
        // Work cut short by a lost device still completes: report the loss.
        if self.shared.device.lost.load(Ordering::Acquire) {
            return Err(WaitError::DeviceLost);
        }
        Ok(())
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // Closing the channel ends the worker once it has drained what was submitted.
        lock(&self.sender).take();
        if let Some(worker) = lock(&self.worker).take() {
            let _ = worker.join();
        }
    }
}

fn run_worker(receiver: mpsc::Receiver<Batch>, shared: Arc<QueueShared>) {
    let device = &shared.device;
    for batch in receiver {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_batch(&batch, device)));
        if outcome.is_err() {
            device.mark_lost("a command panicked on the queue thread");
        }
        if let Some(fence) = &batch.fence {
            fence.signal();
        }
        lock(&shared.progress).completed += 1;
        shared.cv.notify_all();
    }
}

fn run_batch(batch: &Batch, device: &DeviceShared) {
    for submission in &batch.submissions {
        for (semaphore, value) in &submission.waits {
            if semaphore
                .wait(*value, Deadline::forever(), &device.lost)
                .is_err()
            {
                return;
            }
        }
        for recording in &submission.command_buffers {
            execute(recording, device);
        }
        for (semaphore, value) in &submission.signals {
            semaphore.signal(*value);
        }
    }
}

/// What lives while one primary command buffer executes (and the secondaries it runs).
#[derive(Debug, Default)]
struct ExecState {
    /// Active occlusion queries: pool, query, samples counted so far.
    occlusion: Vec<(Ref<QueryPool>, u32, u64)>,
}

/// Runs a recording's commands in order.
pub fn execute(recording: &Recording, device: &DeviceShared) {
    execute_in(recording, device, &mut ExecState::default(), &[]);
}

/// Runs a recording's commands in order. `inherited`: the targets (one per view) of the render
/// pass instance a secondary is executed in, where its inherited draws and clears render.
fn execute_in(
    recording: &Recording,
    device: &DeviceShared,
    state: &mut ExecState,
    inherited: &[Arc<RenderTargets>],
) {
    let report = |why: &str, command: &dyn std::fmt::Debug| {
        // A region outside its resources: Vulkan calls this invalid usage. Nothing was
        // written (the transfer checks every region first); tell the application.
        device.debug.error(
            format!("command skipped: {why}: {command:?}"),
            (vk::ObjectType::COMMAND_BUFFER, 0),
        );
    };
    // A secondary's inherited draws, given the executing render pass instance's targets (made
    // here, before the batch that borrows them).
    let resolved: Vec<Vec<DrawCommand>> = recording
        .commands
        .iter()
        .map(|command| match command {
            Command::InheritedDraw(draw) => inherited
                .iter()
                .map(|targets| DrawCommand {
                    targets: targets.clone(),
                    ..(**draw).clone()
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    // Draws of one render pass instance are rasterized together (`draw::DrawBatch`): the
    // batch is flushed before any other command runs, and at the end.
    let mut batch = crate::draw::DrawBatch::default();
    let count = |state: &mut ExecState, samples: u64| {
        for (_, _, count) in &mut state.occlusion {
            *count += samples;
        }
    };
    for (command, resolved) in recording.commands.iter().zip(&resolved) {
        if device.lost.load(Ordering::Acquire) {
            return;
        }
        let draws: &[DrawCommand] = match command {
            Command::Draw(draw) => std::slice::from_ref(&**draw),
            Command::InheritedDraw(_) if inherited.is_empty() => {
                report("a secondary's draw outside a render pass instance", command);
                continue;
            }
            Command::InheritedDraw(_) => resolved,
            _ => &[],
        };
        if !draws.is_empty() {
            for draw in draws {
                match batch.add(draw, device) {
                    Ok(samples) => count(state, samples),
                    Err(why) => report(why, command),
                }
            }
            continue;
        }
        // A beginning's load-op clears wait in the batch for the instance's first draws.
        if let Command::BeginRendering { targets, clears } = command {
            match batch.begin(targets, clears, device) {
                Ok(samples) => count(state, samples),
                Err(why) => report(why, command),
            }
            continue;
        }
        match batch.flush(device) {
            Ok(samples) => count(state, samples),
            Err(why) => report(why, &"the draws of a render pass"),
        }
        if device.lost.load(Ordering::Acquire) {
            return;
        }
        if let Err(why) = execute_one(command, device, state, inherited) {
            report(why, command);
        }
    }
    match batch.flush(device) {
        Ok(samples) => count(state, samples),
        Err(why) => report(why, &"the draws of a render pass"),
    }
}

fn unbound() -> &'static str {
    "resource has no memory bound"
}

fn execute_one(
    command: &Command,
    device: &DeviceShared,
    state: &mut ExecState,
    inherited: &[Arc<RenderTargets>],
) -> Result<(), &'static str> {
    let bad = |_: t::TransferError| "region outside the resource";
    match command {
        Command::CopyBuffer { src, dst, regions } => t::copy_buffer(
            src.as_ref().ok_or_else(unbound)?,
            dst.as_ref().ok_or_else(unbound)?,
            regions,
        )
        .map_err(bad),
        Command::CopyImage { src, dst, regions } => t::copy_image(
            src.as_ref().ok_or_else(unbound)?,
            dst.as_ref().ok_or_else(unbound)?,
            regions,
        )
        .map_err(bad),
        Command::CopyBufferToImage { src, dst, regions } => t::copy_buffer_to_image(
            src.as_ref().ok_or_else(unbound)?,
            dst.as_ref().ok_or_else(unbound)?,
            regions,
        )
        .map_err(bad),
        Command::CopyImageToBuffer { src, dst, regions } => t::copy_image_to_buffer(
            src.as_ref().ok_or_else(unbound)?,
            dst.as_ref().ok_or_else(unbound)?,
            regions,
        )
        .map_err(bad),
        Command::BlitImage {
            src,
            dst,
            regions,
            filter,
        } => t::blit_image(
            src.as_ref().ok_or_else(unbound)?,
            dst.as_ref().ok_or_else(unbound)?,
            regions,
            *filter,
        )
        .map_err(bad),
        Command::ResolveImage { src, dst, regions } => t::resolve_image(
            src.as_ref().ok_or_else(unbound)?,
            dst.as_ref().ok_or_else(unbound)?,
            regions,
        )
        .map_err(bad),
        Command::FillBuffer {
            dst,
            offset,
            size,
            data,
        } => t::fill_buffer(dst.as_ref().ok_or_else(unbound)?, *offset, *size, *data).map_err(bad),
        Command::UpdateBuffer { dst, offset, data } => {
            t::update_buffer(dst.as_ref().ok_or_else(unbound)?, *offset, data).map_err(bad)
        }
        Command::ClearColorImage {
            image,
            color,
            ranges,
        } => t::clear_color_image(image.as_ref().ok_or_else(unbound)?, *color, ranges).map_err(bad),
        Command::ClearDepthStencilImage {
            image,
            depth,
            stencil,
            ranges,
        } => t::clear_depth_stencil_image(
            image.as_ref().ok_or_else(unbound)?,
            *depth,
            *stencil,
            ranges,
        )
        .map_err(bad),
        Command::SetEvent(event) => {
            event.set();
            Ok(())
        }
        Command::ResetEvent(event) => {
            event.reset();
            Ok(())
        }
        Command::WaitEvents(events) => {
            for event in events {
                if event.wait(Deadline::forever(), &device.lost).is_err() {
                    return Err("device lost while waiting for an event");
                }
            }
            Ok(())
        }
        Command::WriteTimestamp { pool, query } => {
            pool.write(*query, timestamp_now());
            Ok(())
        }
        Command::ResetQueryPool { pool, first, count } => {
            pool.reset(*first, *count);
            Ok(())
        }
        Command::CopyQueryPoolResults {
            pool,
            first,
            count,
            dst,
            offset,
            stride,
            flags,
        } => {
            let buf = dst.as_ref().ok_or_else(unbound)?;
            let word = if flags.contains(vk::QueryResultFlags::TYPE_64) {
                8
            } else {
                4
            };
            let per_query =
                word * (1 + flags.contains(vk::QueryResultFlags::WITH_AVAILABILITY) as u64);
            let len = if *count == 0 {
                0
            } else {
                (*count as u64 - 1) * stride + per_query
            };
            if offset.checked_add(len).map_or(true, |end| end > buf.size) {
                return Err("query results outside the buffer");
            }
            // Read the destination first so that bytes between strided results are kept.
            let mut bytes = vec![0u8; len as usize];
            buf.memory
                .read(buf.offset + offset, &mut bytes)
                .map_err(|_| "buffer range")?;
            pool.results(*first, *count, &mut bytes, *stride, *flags, &device.lost)
                .map_err(|_| "query results")?;
            buf.memory
                .write(buf.offset + offset, &bytes)
                .map_err(|_| "buffer range")
        }
        // Not reached from `execute_in`, which hands the clears to its draw batch
        // (`DrawBatch::begin`); kept for completeness.
        Command::BeginRendering { targets, clears } => {
            crate::draw::begin_rendering(targets, clears)
        }
        Command::EndRendering { targets } => crate::draw::end_rendering(targets),
        // Not reached from `execute_in`, which batches draws; kept for completeness.
        Command::Draw(draw) => {
            let samples = crate::draw::draw(draw, device)?;
            for (_, _, count) in &mut state.occlusion {
                *count += samples;
            }
            Ok(())
        }
        Command::ClearAttachments {
            targets,
            clears,
            rects,
        } => crate::draw::clear_attachments(targets, clears, rects),
        Command::InheritedClearAttachments { clears, rects } => {
            if inherited.is_empty() {
                return Err("a secondary's attachment clear outside a render pass instance");
            }
            // Multiview: each view's layer, as for the primary's own clears.
            for targets in inherited {
                crate::draw::clear_attachments(targets, clears, rects)?;
            }
            Ok(())
        }
        // Not reached from `execute_in`, which resolves and batches them.
        Command::InheritedDraw(_) => Err("a secondary's draw outside a render pass instance"),
        Command::BeginQuery { pool, query } => {
            if pool.query_type != vk::QueryType::OCCLUSION {
                return Err("only occlusion queries can begin");
            }
            state.occlusion.push((pool.clone(), *query, 0));
            Ok(())
        }
        Command::EndQuery { pool, query } => {
            let found = state
                .occlusion
                .iter()
                .position(|(p, q, _)| Ref::ptr_eq(p, pool) && q == query)
                .ok_or("the query is not active")?;
            let (_, _, count) = state.occlusion.remove(found);
            pool.write(*query, count);
            Ok(())
        }
        Command::ExecuteCommands {
            recordings,
            targets,
        } => {
            for r in recordings {
                execute_in(r, device, state, targets);
            }
            Ok(())
        }
        Command::Dispatch {
            pipeline,
            sets,
            push_constants,
            base,
            groups,
        } => dispatch(pipeline, sets, push_constants, *base, groups, device),
    }
}

/// `VkPhysicalDeviceLimits::maxComputeWorkGroupCount`.
const MAX_GROUP_COUNT: u32 = 65535;

/// Runs a dispatch: reads an indirect group count, resolves the program's buffers from the
/// bound descriptor sets and runs the workgroups.
fn dispatch(
    pipeline: &crate::pipeline::Pipeline,
    sets: &[Option<BoundSet>],
    push_constants: &[u8],
    base: [u32; 3],
    groups: &GroupCount,
    device: &DeviceShared,
) -> Result<(), &'static str> {
    use pumice_shader::compute as c;
    let program = pipeline.compute_program().ok_or("not a compute pipeline")?;
    let count = match groups {
        GroupCount::Direct(count) => *count,
        GroupCount::Indirect { buffer, offset } => {
            let (memory, bound) = buffer.binding().ok_or_else(unbound)?;
            // VUID-vkCmdDispatchIndirect-offset-00407: the command is inside the buffer.
            if offset.checked_add(12).map_or(true, |end| end > buffer.size) {
                return Err("indirect dispatch command outside the buffer");
            }
            let mut bytes = [0u8; 12];
            memory
                .memory
                .read(bound + offset, &mut bytes)
                .map_err(|_| "buffer range")?;
            let word =
                |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
            [word(0), word(4), word(8)]
        }
    };
    if count.contains(&0) {
        return Ok(());
    }
    // VUID-vkCmdDispatch-groupCountX-00386 (and the indirect command's, 00417…): within the
    // limit; past it, a huge grid would stall the queue for nothing valid.
    if count
        .iter()
        .zip(base)
        .any(|(&n, b)| n > MAX_GROUP_COUNT || b.checked_add(n).is_none())
    {
        return Err("group count above maxComputeWorkGroupCount");
    }
    let mut found = find_descriptors(program.resources(), sets)?;
    if program.uses_device_addresses() {
        found.extend(device_address_table(device));
    }
    let resources = dispatch_resources(&found, push_constants)?;
    match c::dispatch(program, &resources, base, count, &device.lost) {
        Ok(()) => Ok(()),
        Err(c::ExecError::Cancelled) => {
            device.mark_lost("a compute dispatch was cancelled");
            Ok(())
        }
        Err(c::ExecError::MissingResource { .. }) => {
            Err("a descriptor the shader uses is not bound or not written")
        }
    }
}

/// The allocations reachable by device address, for a program that uses them.
pub(crate) fn device_address_table(device: &DeviceShared) -> impl Iterator<Item = Found> {
    device
        .addresses
        .live()
        .into_iter()
        .map(|(a, m)| Found::Address(a, m))
}

/// A descriptor a shader uses, keyed by (set, binding, element).
pub(crate) enum Found {
    /// A live allocation reachable by device address: its first address.
    Address(u64, Ref<crate::memory::Memory>),
    /// The buffer, offset and size (dynamic offset applied).
    Buffer((u32, u32, u32), Ref<crate::buffer::Buffer>, u64, u64),
    /// An image view and/or a sampler state (sampled, storage and combined descriptors).
    Image(
        (u32, u32, u32),
        Option<Ref<crate::image::ImageView>>,
        Option<crate::descriptor::SamplerState>,
    ),
    /// An inline uniform block: a copy of its bytes when the command executes (the set must
    /// not change while a command that uses it is pending), read as a uniform buffer.
    InlineBlock((u32, u32, u32), pumice_memory::DeviceMemory),
    /// A texel buffer, read as a 1-D image: the view and the layout of that image.
    TexelBuffer(
        (u32, u32, u32),
        Ref<crate::buffer::BufferView>,
        pumice_texel::ImageLayout,
    ),
}

/// Copies the descriptors a program uses out of the bound sets (each set's lock is held only
/// while reading), applying dynamic offsets.
pub(crate) fn find_descriptors(
    uses: &[pumice_shader::compute::ResourceUse],
    sets: &[Option<crate::command_buffer::BoundSet>],
) -> Result<Vec<Found>, &'static str> {
    use crate::descriptor::Descriptor;
    let mut found = Vec::new();
    for r in uses {
        let Some(Some((set, dynamic))) = sets.get(r.set as usize) else {
            continue;
        };
        if let Some(bytes) = set.inline_block(r.binding) {
            // An inline uniform block is one block (descriptorCount is its size in bytes).
            let memory = pumice_memory::DeviceMemory::new(bytes.len() as u64)
                .ok_or("out of memory for an inline uniform block")?;
            memory
                .write(0, &bytes)
                .map_err(|_| "an inline uniform block's copy")?;
            found.push(Found::InlineBlock((r.set, r.binding, 0), memory));
            continue;
        }
        for element in 0..r.count {
            let Some((descriptor, dyn_index)) = set.descriptor(r.binding, element) else {
                continue;
            };
            let key = (r.set, r.binding, element);
            let dynamic = match dyn_index {
                Some(i) => *dynamic.get(i as usize).ok_or("missing dynamic offset")? as u64,
                None => 0,
            };
            match descriptor {
                Descriptor::Image { view, sampler, .. } => {
                    found.push(Found::Image(key, view, sampler))
                }
                Descriptor::Sampler(s) => found.push(Found::Image(key, None, Some(s))),
                Descriptor::TexelBuffer(view) => {
                    let format = pumice_texel::Format::from_vk(view.format.as_raw())
                        .ok_or("a texel buffer view of an unknown format")?;
                    let texel = u64::from(format.info().block_bytes.max(1));
                    // maxTexelBufferElements bounds the texels a view may show.
                    let texels = (view.range / texel).min(u64::from(u32::MAX)) as u32;
                    let layout = (texels > 0)
                        .then(|| {
                            pumice_texel::ImageLayout::new(pumice_texel::ImageDesc {
                                dim: pumice_texel::ImageDim::D1,
                                format,
                                extent: [texels, 1, 1],
                                mip_levels: 1,
                                array_layers: 1,
                                samples: 1,
                            })
                        })
                        .flatten();
                    if let Some(layout) = layout {
                        found.push(Found::TexelBuffer(key, view, layout));
                    } else {
                        found.push(Found::Image(key, None, None));
                    }
                }
                d => {
                    if let Some((buffer, offset, size)) = d.buffer_range(dynamic) {
                        found.push(Found::Buffer(key, buffer.clone(), offset, size));
                    }
                }
            }
        }
    }
    Ok(found)
}

/// What the shader engine sees of an image view: its memory and the part of the image shown.
fn image_binding(
    view: &crate::image::ImageView,
) -> Result<pumice_shader::compute::ImageBinding<'_>, &'static str> {
    use pumice_texel::sample::{Swizzle, ViewDim};
    let image = &view.image;
    let Some(r) = image.as_ref() else {
        return Err(unbound());
    };
    let format = image.format;
    let view_format = pumice_texel::Format::from_vk(view.format.as_raw()).unwrap_or(format);
    let aspect = if view.range.aspect_mask.contains(vk::ImageAspectFlags::DEPTH) {
        pumice_texel::Aspect::Depth
    } else if view
        .range
        .aspect_mask
        .contains(vk::ImageAspectFlags::STENCIL)
    {
        pumice_texel::Aspect::Stencil
    } else {
        pumice_texel::Aspect::Color
    };
    let dim = match view.view_type {
        vk::ImageViewType::TYPE_1D | vk::ImageViewType::TYPE_1D_ARRAY => ViewDim::D1,
        vk::ImageViewType::TYPE_3D => ViewDim::D3,
        vk::ImageViewType::CUBE | vk::ImageViewType::CUBE_ARRAY => ViewDim::Cube,
        _ => ViewDim::D2,
    };
    let swizzle_of = |c: vk::ComponentSwizzle, identity: Swizzle| match c {
        vk::ComponentSwizzle::ZERO => Swizzle::Zero,
        vk::ComponentSwizzle::ONE => Swizzle::One,
        vk::ComponentSwizzle::R => Swizzle::R,
        vk::ComponentSwizzle::G => Swizzle::G,
        vk::ComponentSwizzle::B => Swizzle::B,
        vk::ComponentSwizzle::A => Swizzle::A,
        _ => identity,
    };
    let c = view.components;
    // Depth/stencil views ignore the mapping's effect on the one component they have
    // only in that they read it as red; the mapping still applies.
    let swizzle = [
        swizzle_of(c.r, Swizzle::R),
        swizzle_of(c.g, Swizzle::G),
        swizzle_of(c.b, Swizzle::B),
        swizzle_of(c.a, Swizzle::A),
    ];
    let layers = if dim == ViewDim::D3 {
        1
    } else {
        view.range.layer_count
    };
    Ok(pumice_shader::compute::ImageBinding {
        memory: r.memory,
        offset: r.offset,
        layout: r.layout,
        format: if aspect == pumice_texel::Aspect::Color {
            view_format
        } else {
            format
        },
        aspect,
        dim,
        base_level: view.range.base_mip_level,
        levels: view.range.level_count,
        base_layer: view.range.base_array_layer,
        layers,
        swizzle,
        samples: image.layout.desc.samples.max(1),
    })
}

/// The shader engine's view of found descriptors: slices of the buffers' memory, and image
/// views with their samplers.
pub(crate) fn dispatch_resources<'a>(
    found: &'a [Found],
    push_constants: &[u8],
) -> Result<pumice_shader::compute::DispatchResources<'a>, &'static str> {
    let mut resources = pumice_shader::compute::DispatchResources {
        buffers: Vec::with_capacity(found.len()),
        images: Vec::new(),
        push_constants: push_constants.to_vec(),
        addresses: Vec::new(),
    };
    for f in found {
        match f {
            Found::Address(address, memory) => resources.addresses.push((
                *address,
                pumice_shader::compute::BufferSlice {
                    memory: &memory.memory,
                    offset: 0,
                    size: memory.size(),
                },
            )),
            Found::Buffer(key, buffer, offset, size) => {
                let Some((memory, bound)) = buffer.binding() else {
                    return Err(unbound());
                };
                resources.buffers.push((
                    *key,
                    pumice_shader::compute::BufferSlice {
                        memory: &memory.memory,
                        offset: bound + offset,
                        size: *size,
                    },
                ));
            }
            Found::InlineBlock(key, memory) => {
                resources.buffers.push((
                    *key,
                    pumice_shader::compute::BufferSlice {
                        memory,
                        offset: 0,
                        size: memory.size(),
                    },
                ));
            }
            Found::TexelBuffer(key, view, layout) => {
                let Some((memory, bound)) = view.buffer.binding() else {
                    return Err(unbound());
                };
                let format = layout.desc.format;
                resources.images.push((
                    *key,
                    pumice_shader::compute::ImageDescriptor {
                        view: Some(pumice_shader::compute::ImageBinding {
                            memory: &memory.memory,
                            offset: bound + view.offset,
                            layout,
                            format,
                            aspect: pumice_texel::Aspect::Color,
                            dim: pumice_texel::sample::ViewDim::D1,
                            base_level: 0,
                            levels: 1,
                            base_layer: 0,
                            layers: 1,
                            swizzle: pumice_texel::sample::Swizzle::IDENTITY,
                            samples: 1,
                        }),
                        sampler: None,
                    },
                ));
            }
            Found::Image(key, view, sampler) => {
                let view = match view {
                    Some(v) => Some(image_binding(v)?),
                    None => None,
                };
                resources.images.push((
                    *key,
                    pumice_shader::compute::ImageDescriptor {
                        view,
                        sampler: *sampler,
                    },
                ));
            }
        }
    }
    Ok(resources)
}
