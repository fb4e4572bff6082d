//! Pipeline layouts, pipeline caches and pipelines (compute so far).
//!
//! A compute pipeline is a [`ComputeProgram`] compiled at creation — SPIR-V with its
//! specialization constants → legalize → naga → bytecode — and the layout it was created with.
//! Everything that can be decided before a dispatch is decided here: the program's resources are
//! checked against the layout once, so a dispatch only looks descriptors up.
//!
//! The pipeline cache stores nothing yet: compiling a compute shader takes about as long as
//! parsing it, so there is little to gain until the bytecode is serialisable (DESIGN.md). Its data
//! is the header the spec requires, so applications that save and reload caches work.

use ash::vk;
use pumice_shader::compute::{ComputeProgram, ResourceKind};

use crate::descriptor::DescriptorSetLayout;
use crate::handle::{HandleObject, Ref};
use crate::physical_device;

/// `VkPhysicalDeviceLimits::maxPushConstantsSize`.
pub const MAX_PUSH_CONSTANTS_SIZE: u32 = 128;

#[derive(Debug)]
pub struct PipelineLayout {
    /// Null entries are allowed (sets a pipeline does not use).
    pub set_layouts: Vec<Option<Ref<DescriptorSetLayout>>>,
    pub push_constant_ranges: Vec<vk::PushConstantRange>,
}

impl HandleObject for PipelineLayout {
    const TAG: u64 = u64::from_le_bytes(*b"pmPIPLAY");
}

impl PipelineLayout {
    pub fn new(
        set_layouts: Vec<Option<Ref<DescriptorSetLayout>>>,
        push_constant_ranges: &[vk::PushConstantRange],
    ) -> Result<PipelineLayout, vk::Result> {
        // VUID-VkPipelineLayoutCreateInfo-setLayoutCount-00286: at most maxBoundDescriptorSets.
        if set_layouts.len() > 4 {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        // VUID-VkPushConstantRange-offset-00294/00295, size-00296/00297/00298: offsets and sizes
        // are multiples of 4, sizes non-zero, and the range within maxPushConstantsSize.
        for r in push_constant_ranges {
            let end = r.offset.checked_add(r.size);
            if r.offset % 4 != 0
                || r.size % 4 != 0
                || r.size == 0
                || end.map_or(true, |e| e > MAX_PUSH_CONSTANTS_SIZE)
                || r.stage_flags.is_empty()
            {
                return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
            }
        }
        Ok(PipelineLayout {
            set_layouts,
            push_constant_ranges: push_constant_ranges.to_vec(),
        })
    }

    /// The end of the last push constant byte visible to `stage`.
    pub fn push_constant_end(&self, stage: vk::ShaderStageFlags) -> u32 {
        self.push_constant_ranges
            .iter()
            .filter(|r| r.stage_flags.intersects(stage))
            .map(|r| r.offset + r.size)
            .max()
            .unwrap_or(0)
    }
}

/// `VkPipelineCache`: nothing is cached yet; see the module docs.
#[derive(Debug, Default)]
pub struct PipelineCache;

impl HandleObject for PipelineCache {
    const TAG: u64 = u64::from_le_bytes(*b"pmPIPCAC");
}

/// Bytes of `VkPipelineCacheHeaderVersionOne`.
pub const CACHE_HEADER_SIZE: usize = 32;

impl PipelineCache {
    /// `vkGetPipelineCacheData`'s bytes: the `VkPipelineCacheHeaderVersionOne` header —
    /// headerSize (32), headerVersion (`VK_PIPELINE_CACHE_HEADER_VERSION_ONE`), vendorID,
    /// deviceID, pipelineCacheUUID. Spec: "all fields of this structure are written with the
    /// least significant byte first, regardless of host byte-order".
    pub fn data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(CACHE_HEADER_SIZE);
        out.extend_from_slice(&(CACHE_HEADER_SIZE as u32).to_le_bytes());
        out.extend_from_slice(&(vk::PipelineCacheHeaderVersion::ONE.as_raw() as u32).to_le_bytes());
        out.extend_from_slice(&physical_device::VENDOR_ID.to_le_bytes());
        out.extend_from_slice(&physical_device::DEVICE_ID.to_le_bytes());
        out.extend_from_slice(&physical_device::pipeline_cache_uuid());
        out
    }

    /// `vkMergePipelineCaches`: nothing to merge.
    pub fn merge(&self, _sources: &[Ref<PipelineCache>]) {}
}

/// A specialization constant: (SpecId, value bits).
pub type Specialization = Vec<(u32, u64)>;

/// Reads `VkSpecializationInfo`: each map entry's `size` bytes at `offset` in `data`, as a
/// little-endian value.
pub fn specialization(
    entries: &[vk::SpecializationMapEntry],
    data: &[u8],
) -> Result<Specialization, vk::Result> {
    entries
        .iter()
        .map(|e| {
            // VUID-VkSpecializationInfo-offset-00773 / pMapEntries-00774: inside the data.
            let bytes = (e.size <= 8)
                .then(|| (e.offset as usize).checked_add(e.size))
                .flatten()
                .and_then(|end| data.get(e.offset as usize..end))
                .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
            let mut word = [0u8; 8];
            word[..bytes.len()].copy_from_slice(bytes);
            Ok((e.constant_id, u64::from_le_bytes(word)))
        })
        .collect()
}

/// What a pipeline runs.
#[derive(Debug)]
pub enum PipelineKind {
    Compute(ComputeProgram),
    Graphics(Box<crate::graphics_pipeline::GraphicsPipeline>),
}

#[derive(Debug)]
pub struct Pipeline {
    pub layout: Ref<PipelineLayout>,
    pub kind: PipelineKind,
}

impl HandleObject for Pipeline {
    const TAG: u64 = u64::from_le_bytes(*b"pmPIPELN");
}

impl Pipeline {
    /// Compiles a compute pipeline.
    ///
    /// A shader the interpreter cannot run is `VK_ERROR_INITIALIZATION_FAILED` (the spec's
    /// codes for this command are only memory errors and `VK_PIPELINE_COMPILE_REQUIRED`; a
    /// failure is still better reported than rendered wrong).
    pub fn compute(
        layout: Ref<PipelineLayout>,
        words: &[u32],
        entry_point: &str,
        specialization: &[(u32, u64)],
    ) -> Result<Pipeline, vk::Result> {
        // The compiler is another crate's work on untrusted input: a panic there fails this
        // pipeline, not the whole call.
        let program =
            std::panic::catch_unwind(|| ComputeProgram::new(words, entry_point, specialization))
                .map_err(|_| vk::Result::ERROR_INITIALIZATION_FAILED)?
                .map_err(|_| vk::Result::ERROR_INITIALIZATION_FAILED)?;
        check_layout(&program, &layout)?;
        Ok(Pipeline {
            layout,
            kind: PipelineKind::Compute(program),
        })
    }

    pub fn compute_program(&self) -> Option<&ComputeProgram> {
        match &self.kind {
            PipelineKind::Compute(p) => Some(p),
            PipelineKind::Graphics(_) => None,
        }
    }

    pub fn graphics(&self) -> Option<&crate::graphics_pipeline::GraphicsPipeline> {
        match &self.kind {
            PipelineKind::Graphics(g) => Some(g),
            PipelineKind::Compute(_) => None,
        }
    }
}

/// VUID-VkComputePipelineCreateInfo-layout-07988/07990/07991: every resource the shader uses
/// has a binding in the layout, of a compatible type, visible to the compute stage, with enough
/// elements; and its push constants are inside a compute range.
fn check_layout(program: &ComputeProgram, layout: &PipelineLayout) -> Result<(), vk::Result> {
    let bad = vk::Result::ERROR_INITIALIZATION_FAILED;
    for r in program.resources() {
        let set = layout
            .set_layouts
            .get(r.set as usize)
            .and_then(|s| s.as_ref())
            .ok_or(bad)?;
        let (_, b) = set.binding(r.binding).ok_or(bad)?;
        let compatible = match r.kind {
            ResourceKind::UniformBuffer => {
                b.ty == vk::DescriptorType::UNIFORM_BUFFER
                    || b.ty == vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC
                    || b.ty == vk::DescriptorType::INLINE_UNIFORM_BLOCK
            }
            ResourceKind::StorageBuffer => {
                b.ty == vk::DescriptorType::STORAGE_BUFFER
                    || b.ty == vk::DescriptorType::STORAGE_BUFFER_DYNAMIC
            }
            // Texel buffers reach the shader as 1-D images (legalize::texel_buffers_as_1d).
            ResourceKind::SampledImage => {
                b.ty == vk::DescriptorType::SAMPLED_IMAGE
                    || b.ty == vk::DescriptorType::COMBINED_IMAGE_SAMPLER
                    || b.ty == vk::DescriptorType::UNIFORM_TEXEL_BUFFER
            }
            ResourceKind::StorageImage => {
                b.ty == vk::DescriptorType::STORAGE_IMAGE
                    || b.ty == vk::DescriptorType::STORAGE_TEXEL_BUFFER
            }
            ResourceKind::Sampler => {
                b.ty == vk::DescriptorType::SAMPLER
                    || b.ty == vk::DescriptorType::COMBINED_IMAGE_SAMPLER
            }
        };
        if !compatible
            || !b.stages.contains(vk::ShaderStageFlags::COMPUTE)
            || (r.count > b.count && b.ty != vk::DescriptorType::INLINE_UNIFORM_BLOCK)
        {
            return Err(bad);
        }
    }
    if program.push_constant_size() > layout.push_constant_end(vk::ShaderStageFlags::COMPUTE) {
        return Err(bad);
    }
    Ok(())
}
