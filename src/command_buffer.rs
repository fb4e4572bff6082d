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
use crate::handle::{HandleObject, Ref};
use crate::image::Image;
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
    ExecuteCommands(Vec<Arc<Recording>>),
}

/// A finished recording.
#[derive(Debug, Default)]
pub struct Recording {
    pub commands: Vec<Command>,
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
            }),
        }
    }

    /// `vkBeginCommandBuffer`: an implicit reset when the buffer was recorded before.
    pub fn begin(&self) -> Result<(), vk::Result> {
        let mut s = lock(&self.state);
        s.commands.clear();
        s.recorded = None;
        s.error = None;
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
        s.recorded = Some(Arc::new(Recording { commands }));
        s.phase = Phase::Executable;
        Ok(())
    }

    pub fn reset(&self) {
        let mut s = lock(&self.state);
        s.commands = Vec::new();
        s.recorded = None;
        s.error = None;
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
