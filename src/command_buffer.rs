//! Command pools and command buffers: recording commands as data.
//!
//! A command buffer appends to a `Vec<Command>`; each command owns what it needs (region
//! lists, bytes) and counted references to the objects it touches. `vkEndCommandBuffer` freezes
//! the list into an `Arc<Recording>` that submissions share with the queue thread, so a
//! command buffer can be re-recorded (after its submissions finish, as Vulkan requires) without
//! copying.

use std::sync::{Arc, Mutex};

use ash::vk;
use pumice_raster::transfer as t;

use crate::buffer::Buffer;
use crate::descriptor::{DescriptorSet, DescriptorSetLayout};
use crate::handle::{HandleObject, Ref};
use crate::image::Image;
use crate::pipeline::{Pipeline, MAX_PUSH_CONSTANTS_SIZE};
use crate::query::QueryPool;
use crate::sync::{lock, Event};

/// One recorded command.
#[derive(Debug)]
pub enum Command {
    CopyBuffer {
        src: Ref<Buffer>,
        dst: Ref<Buffer>,
        regions: Vec<t::BufferCopy>,
    },
    CopyImage {
        src: Ref<Image>,
        dst: Ref<Image>,
        regions: Vec<t::ImageCopy>,
    },
    CopyBufferToImage {
        src: Ref<Buffer>,
        dst: Ref<Image>,
        regions: Vec<t::BufferImageCopy>,
    },
    CopyImageToBuffer {
        src: Ref<Image>,
        dst: Ref<Buffer>,
        regions: Vec<t::BufferImageCopy>,
    },
    BlitImage {
        src: Ref<Image>,
        dst: Ref<Image>,
        regions: Vec<t::ImageBlit>,
        filter: t::Filter,
    },
    /// `vkCmdResolveImage[2]`.
    ResolveImage {
        src: Ref<Image>,
        dst: Ref<Image>,
        regions: Vec<t::ImageCopy>,
    },
    FillBuffer {
        dst: Ref<Buffer>,
        offset: u64,
        size: u64,
        data: u32,
    },
    UpdateBuffer {
        dst: Ref<Buffer>,
        offset: u64,
        data: Vec<u8>,
    },
    ClearColorImage {
        image: Ref<Image>,
        color: t::ClearColor,
        ranges: Vec<t::SubresourceRange>,
    },
    ClearDepthStencilImage {
        image: Ref<Image>,
        depth: f32,
        stencil: u32,
        ranges: Vec<t::SubresourceRange>,
    },
    SetEvent(Ref<Event>),
    ResetEvent(Ref<Event>),
    WaitEvents(Vec<Ref<Event>>),
    WriteTimestamp {
        pool: Ref<QueryPool>,
        query: u32,
    },
    ResetQueryPool {
        pool: Ref<QueryPool>,
        first: u32,
        count: u32,
    },
    CopyQueryPoolResults {
        pool: Ref<QueryPool>,
        first: u32,
        count: u32,
        dst: Ref<Buffer>,
        offset: u64,
        stride: u64,
        flags: vk::QueryResultFlags,
    },
    /// `vkCmdExecuteCommands`: the secondaries, and the targets (one per view) of the render
    /// pass instance (subpass) the primary is in when it executes them, empty outside one.
    /// Draws and clears the secondaries recorded while continuing a render pass render there.
    ExecuteCommands {
        recordings: Vec<Arc<Recording>>,
        targets: Vec<Arc<crate::graphics_state::RenderTargets>>,
    },
    /// `vkCmdBeginQuery` (occlusion queries).
    BeginQuery {
        pool: Ref<QueryPool>,
        query: u32,
    },
    /// `vkCmdEndQuery`: the count is written and the query becomes available.
    EndQuery {
        pool: Ref<QueryPool>,
        query: u32,
    },
    /// `vkCmdClearAttachments`: rectangles of the current render pass instance's attachments.
    ClearAttachments {
        targets: Arc<crate::graphics_state::RenderTargets>,
        clears: Vec<crate::graphics_state::LoadClear>,
        rects: Vec<vk::ClearRect>,
    },
    /// A render pass instance begins: its `CLEAR` load ops.
    BeginRendering {
        targets: Arc<crate::graphics_state::RenderTargets>,
        clears: Vec<crate::graphics_state::LoadClear>,
    },
    /// A render pass instance ends: its resolve attachments receive the resolved colour.
    EndRendering {
        targets: Arc<crate::graphics_state::RenderTargets>,
    },
    Draw(Box<crate::graphics_state::DrawCommand>),
    /// A draw recorded in a secondary command buffer that continues a render pass
    /// (`VK_COMMAND_BUFFER_USAGE_RENDER_PASS_CONTINUE_BIT`): its targets are not known while it
    /// is recorded (its `targets` are empty), so it renders, once per view, to the targets of
    /// the render pass instance in which a primary executes the secondary.
    InheritedDraw(Box<crate::graphics_state::DrawCommand>),
    /// `vkCmdClearAttachments` recorded in a secondary command buffer that continues a render
    /// pass: clears the attachments of the render pass instance that executes it.
    InheritedClearAttachments {
        clears: Vec<crate::graphics_state::LoadClear>,
        rects: Vec<vk::ClearRect>,
    },
    /// `vkCmdDispatch*`, with the compute state it runs with (binding state is cheap to
    /// change while recording; each dispatch carries what it needs).
    Dispatch {
        pipeline: Ref<Pipeline>,
        /// Bound sets by set number, each with its dynamic offsets.
        sets: Vec<Option<BoundSet>>,
        push_constants: Vec<u8>,
        base: [u32; 3],
        groups: GroupCount,
    },
}

/// A descriptor set bound at some set number, with its dynamic offsets (in binding order).
pub type BoundSet = (Ref<DescriptorSet>, Vec<u32>);

/// How many workgroups a dispatch runs.
#[derive(Debug)]
pub enum GroupCount {
    Direct([u32; 3]),
    /// `vkCmdDispatchIndirect`: a `VkDispatchIndirectCommand` read when the command executes.
    Indirect {
        buffer: Ref<Buffer>,
        offset: u64,
    },
}

/// What one bind point has bound.
#[derive(Debug, Default)]
pub struct BindPoint {
    pub pipeline: Option<Ref<Pipeline>>,
    pub sets: Vec<Option<BoundSet>>,
}

/// The pipeline state of a recording: pipelines and sets per bind point, push constants.
#[derive(Debug)]
pub struct PipelineState {
    pub compute: BindPoint,
    /// Sets may be bound to the graphics bind point before graphics pipelines exist; they are
    /// kept (and unused) so that binding them is not an error.
    pub graphics: BindPoint,
    pub push_constants: [u8; MAX_PUSH_CONSTANTS_SIZE as usize],
    pub draw: crate::graphics_state::GraphicsRecordState,
}

impl Default for PipelineState {
    fn default() -> Self {
        PipelineState {
            compute: BindPoint::default(),
            graphics: BindPoint::default(),
            push_constants: [0; MAX_PUSH_CONSTANTS_SIZE as usize],
            draw: Default::default(),
        }
    }
}

impl PipelineState {
    fn point(&mut self, bind_point: vk::PipelineBindPoint) -> Result<&mut BindPoint, vk::Result> {
        match bind_point {
            vk::PipelineBindPoint::COMPUTE => Ok(&mut self.compute),
            vk::PipelineBindPoint::GRAPHICS => Ok(&mut self.graphics),
            _ => Err(vk::Result::ERROR_FEATURE_NOT_PRESENT),
        }
    }

    /// `vkCmdBindPipeline`: only compute pipelines exist.
    pub fn bind_pipeline(
        &mut self,
        bind_point: vk::PipelineBindPoint,
        pipeline: Ref<Pipeline>,
    ) -> Result<(), vk::Result> {
        match bind_point {
            vk::PipelineBindPoint::COMPUTE if pipeline.compute_program().is_some() => {
                self.compute.pipeline = Some(pipeline);
                Ok(())
            }
            vk::PipelineBindPoint::GRAPHICS if pipeline.graphics().is_some() => {
                self.graphics.pipeline = Some(pipeline);
                Ok(())
            }
            _ => Err(vk::Result::ERROR_FEATURE_NOT_PRESENT),
        }
    }

    /// A draw with the current graphics state: one draw command per view (multiview), each
    /// with that view's targets.
    pub fn draw(
        &self,
        source: crate::graphics_state::DrawSource,
    ) -> Result<Vec<Command>, vk::Result> {
        // VUID-vkCmdDraw-None-08606 / -renderpass: a pipeline is bound, inside a render pass.
        let pipeline = self
            .graphics
            .pipeline
            .clone()
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        let stages = vk::ShaderStageFlags::VERTEX | vk::ShaderStageFlags::FRAGMENT;
        let push_end = pipeline.layout.push_constant_end(stages) as usize;
        let command = |targets: Arc<crate::graphics_state::RenderTargets>| {
            Box::new(crate::graphics_state::DrawCommand {
                pipeline: pipeline.clone(),
                sets: self.graphics.sets.clone(),
                push_constants: self.push_constants[..push_end].to_vec(),
                vertex_buffers: self.draw.vertex_buffers.clone(),
                index_buffer: self.draw.index_buffer.clone(),
                dynamic: self.draw.dynamic,
                targets,
                source: source.clone(),
            })
        };
        if self.draw.targets.is_empty() {
            // A secondary continuing a render pass: the executing primary supplies the targets.
            if self.draw.continues_render_pass {
                return Ok(vec![Command::InheritedDraw(command(Arc::default()))]);
            }
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        Ok(self
            .draw
            .targets
            .iter()
            .map(|targets| Command::Draw(command(targets.clone())))
            .collect())
    }

    /// `vkCmdBindDescriptorSets`. Spec: "Each element of pDynamicOffsets which corresponds to a
    /// descriptor binding with type VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC or
    /// VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC … values are taken from pDynamicOffsets in the
    /// order such that all entries for set N come before set N+1; within a set, entries are
    /// ordered by the binding numbers in the descriptor set layouts; and within a binding array,
    /// elements are in order."
    pub fn bind_sets(
        &mut self,
        bind_point: vk::PipelineBindPoint,
        first: u32,
        sets: Vec<Option<Ref<DescriptorSet>>>,
        layouts: &[Option<Ref<DescriptorSetLayout>>],
        dynamic_offsets: &[u32],
    ) -> Result<(), vk::Result> {
        let point = self.point(bind_point)?;
        let end = (first as usize)
            .checked_add(sets.len())
            .filter(|&e| e <= layouts.len())
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        if point.sets.len() < end {
            point.sets.resize_with(end, || None);
        }
        let mut offsets = dynamic_offsets.iter().copied();
        for (i, set) in sets.into_iter().enumerate() {
            point.sets[first as usize + i] = match set {
                Some(set) => {
                    let n = set.layout.dynamic_count as usize;
                    let mine: Vec<u32> = offsets.by_ref().take(n).collect();
                    // VUID-vkCmdBindDescriptorSets-dynamicOffsetCount-00359.
                    if mine.len() != n {
                        return Err(vk::Result::ERROR_UNKNOWN);
                    }
                    Some((set, mine))
                }
                None => None,
            };
        }
        if offsets.next().is_some() {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        Ok(())
    }

    /// `vkCmdPushConstants`.
    pub fn push_constants(&mut self, offset: u32, bytes: &[u8]) -> Result<(), vk::Result> {
        let start = offset as usize;
        let end = start
            .checked_add(bytes.len())
            .filter(|&e| e <= self.push_constants.len())
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        self.push_constants[start..end].copy_from_slice(bytes);
        Ok(())
    }

    /// A dispatch with the current compute state.
    pub fn dispatch(&self, base: [u32; 3], groups: GroupCount) -> Result<Command, vk::Result> {
        // VUID-vkCmdDispatch-None-08606: a pipeline must be bound.
        let pipeline = self
            .compute
            .pipeline
            .clone()
            .ok_or(vk::Result::ERROR_UNKNOWN)?;
        let push_end = pipeline
            .layout
            .push_constant_end(vk::ShaderStageFlags::COMPUTE) as usize;
        Ok(Command::Dispatch {
            pipeline,
            sets: self.compute.sets.clone(),
            push_constants: self.push_constants[..push_end].to_vec(),
            base,
            groups,
        })
    }
}

/// A finished recording.
#[derive(Debug, Default)]
pub struct Recording {
    pub commands: Vec<Command>,
    /// Recorded as a secondary that continues a render pass: it must be executed inside one.
    pub continues_render_pass: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Initial,
    Recording,
    Executable,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    commands: Vec<Command>,
    recorded: Option<Arc<Recording>>,
    /// The first error met while recording; `vkEndCommandBuffer` returns it.
    error: Option<vk::Result>,
    pipeline: PipelineState,
}

#[derive(Debug)]
pub struct CommandBuffer {
    pub level: vk::CommandBufferLevel,
    pub pool: Ref<CommandPool>,
    state: Mutex<State>,
}

impl HandleObject for CommandBuffer {
    const TAG: u64 = u64::from_le_bytes(*b"pmCMDBUF");
}

impl CommandBuffer {
    pub fn new(pool: Ref<CommandPool>, level: vk::CommandBufferLevel) -> CommandBuffer {
        CommandBuffer {
            level,
            pool,
            state: Mutex::new(State {
                phase: Phase::Initial,
                commands: Vec::new(),
                recorded: None,
                error: None,
                pipeline: PipelineState::default(),
            }),
        }
    }

    /// `vkBeginCommandBuffer`: an implicit reset when the buffer was recorded before.
    /// `inherited_views`: for a secondary begun with
    /// `VK_COMMAND_BUFFER_USAGE_RENDER_PASS_CONTINUE_BIT`, the number of views (1 without
    /// multiview) of the render pass instance it continues, whose draws and attachment clears
    /// render to the instance of the primary that executes it; 0 otherwise.
    pub fn begin(&self, inherited_views: u32) -> Result<(), vk::Result> {
        let mut s = lock(&self.state);
        s.commands.clear();
        s.recorded = None;
        s.error = None;
        s.pipeline = PipelineState::default();
        s.pipeline.draw.continues_render_pass = inherited_views != 0;
        s.pipeline.draw.inherited_views = inherited_views;
        s.phase = Phase::Recording;
        Ok(())
    }

    pub fn end(&self) -> Result<(), vk::Result> {
        let mut s = lock(&self.state);
        if s.phase != Phase::Recording {
            return Err(vk::Result::ERROR_UNKNOWN);
        }
        if let Some(e) = s.error.take() {
            s.commands.clear();
            s.phase = Phase::Initial;
            return Err(e);
        }
        let commands = std::mem::take(&mut s.commands);
        let continues_render_pass = s.pipeline.draw.continues_render_pass;
        s.recorded = Some(Arc::new(Recording {
            commands,
            continues_render_pass,
        }));
        s.phase = Phase::Executable;
        Ok(())
    }

    pub fn reset(&self) {
        let mut s = lock(&self.state);
        s.commands = Vec::new();
        s.recorded = None;
        s.error = None;
        s.pipeline = PipelineState::default();
        s.phase = Phase::Initial;
    }

    /// Appends a command, or remembers why it could not be recorded.
    pub fn record(&self, command: Result<Command, vk::Result>) {
        let mut s = lock(&self.state);
        if s.phase != Phase::Recording {
            s.error.get_or_insert(vk::Result::ERROR_UNKNOWN);
            return;
        }
        match command {
            Ok(c) => s.commands.push(c),
            Err(e) => {
                s.error.get_or_insert(e);
            }
        }
    }

    /// Changes the recording's pipeline state, appending the command `change` returns (if
    /// any), or remembers why it failed.
    pub fn with_state(
        &self,
        change: impl FnOnce(&mut PipelineState) -> Result<Option<Command>, vk::Result>,
    ) {
        let mut s = lock(&self.state);
        if s.phase != Phase::Recording {
            s.error.get_or_insert(vk::Result::ERROR_UNKNOWN);
            return;
        }
        match change(&mut s.pipeline) {
            Ok(Some(c)) => s.commands.push(c),
            Ok(None) => {}
            Err(e) => {
                s.error.get_or_insert(e);
            }
        }
    }

    /// [`Self::with_state`] for a change that records several commands (in order).
    pub fn with_state_commands(
        &self,
        change: impl FnOnce(&mut PipelineState) -> Result<Vec<Command>, vk::Result>,
    ) {
        let mut s = lock(&self.state);
        if s.phase != Phase::Recording {
            s.error.get_or_insert(vk::Result::ERROR_UNKNOWN);
            return;
        }
        match change(&mut s.pipeline) {
            Ok(commands) => s.commands.extend(commands),
            Err(e) => {
                s.error.get_or_insert(e);
            }
        }
    }

    /// The recording to submit; `None` unless the buffer is executable.
    pub fn recording(&self) -> Option<Arc<Recording>> {
        let s = lock(&self.state);
        if s.phase == Phase::Executable {
            s.recorded.clone()
        } else {
            None
        }
    }

    pub fn phase(&self) -> Phase {
        lock(&self.state).phase
    }
}

#[derive(Debug)]
pub struct CommandPool {
    pub flags: vk::CommandPoolCreateFlags,
    pub queue_family: u32,
    /// The raw handles of the pool's command buffers (freed with the pool).
    pub buffers: Mutex<Vec<u64>>,
}

impl HandleObject for CommandPool {
    const TAG: u64 = u64::from_le_bytes(*b"pmCMDPOL");
}
