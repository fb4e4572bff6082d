//! Pipeline layouts, pipeline caches and compute pipelines.

use std::ffi::c_void;
use std::sync::Arc;

use ash::vk;

use crate::entry::entry_points;
use crate::handle;
use crate::pipeline::{specialization, Pipeline, PipelineCache, PipelineLayout, CACHE_HEADER_SIZE};
use crate::shader_module::ShaderModule;

/// A stage's SPIR-V words, entry point name and specialization constants.
///
/// # Safety
/// `stage` must be a valid stage create info with live handles.
pub(crate) unsafe fn stage_code(
    stage: &vk::PipelineShaderStageCreateInfo,
) -> Result<(Arc<[u32]>, String, Vec<(u32, u64)>), vk::Result> {
    let failed = vk::Result::ERROR_INITIALIZATION_FAILED;
    // SAFETY: forwarded contract; arrays are read with the sizes the application gave.
    unsafe {
        let words: Arc<[u32]> = match handle::get_optional::<_, ShaderModule>(stage.module)? {
            Some(module) => module.words.clone(),
            // The module's create info chained to the stage instead of a module (maintenance5,
            // graphics pipeline libraries); cheap to accept.
            None => {
                let ci = handle::find::<vk::ShaderModuleCreateInfo>(stage.p_next).ok_or(failed)?;
                let count = ShaderModule::check_size(ci.code_size)?;
                if ci.p_code.is_null() {
                    return Err(failed);
                }
                ShaderModule::new(handle::slice(ci.p_code, count))?.words
            }
        };
        let entry = handle::cstr(stage.p_name)
            .ok_or(failed)?
            .to_str()
            .map_err(|_| failed)?
            .to_string();
        let spec = match handle::opt_ref(stage.p_specialization_info) {
            Some(s) => {
                let size = u32::try_from(s.data_size).map_err(|_| failed)?;
                let data = handle::slice(s.p_data as *const u8, size);
                if data.len() != s.data_size {
                    return Err(failed);
                }
                specialization(handle::slice(s.p_map_entries, s.map_entry_count), data)?
            }
            None => Vec::new(),
        };
        Ok((words, entry, spec))
    }
}

/// Compiles one compute pipeline.
///
/// # Safety
/// `info` must be a valid create info with live handles.
unsafe fn compute_pipeline(info: &vk::ComputePipelineCreateInfo) -> Result<Pipeline, vk::Result> {
    // SAFETY: forwarded contract.
    unsafe {
        let layout = handle::get::<_, PipelineLayout>(info.layout)?;
        // VUID-VkComputePipelineCreateInfo-stage-00701: "The stage member of stage must be
        // VK_SHADER_STAGE_COMPUTE_BIT".
        if info.stage.stage != vk::ShaderStageFlags::COMPUTE {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        let (words, entry, spec) = stage_code(&info.stage)?;
        Pipeline::compute(layout, &words, &entry, &spec)
    }
}

/// `vkCreate*Pipelines`: creates a pipeline from each info with `create` into `out`, by the
/// specification's rules. A failed one's handle is null and its error is returned ("the
/// implementation will attempt to create all pipelines"), unless
/// `VK_PIPELINE_CREATE_EARLY_RETURN_ON_FAILURE_BIT` asks to stop there (the rest are null
/// too). With `VK_PIPELINE_CREATE_FAIL_ON_PIPELINE_COMPILE_REQUIRED_BIT` the pipeline is not
/// created and `VK_PIPELINE_COMPILE_REQUIRED` returned (`pipelineCreationCacheControl`): every
/// Pumice pipeline is compiled when it is created, so a compile is always required.
///
/// # Safety
/// `out` must have room for `infos.len()` handles (or be null when there are none).
pub(crate) unsafe fn create_pipelines<I>(
    infos: &[I],
    flags: impl Fn(&I) -> vk::PipelineCreateFlags,
    create: impl Fn(&I) -> Result<Pipeline, vk::Result>,
    out: *mut vk::Pipeline,
) -> Result<vk::Result, vk::Result> {
    if out.is_null() && !infos.is_empty() {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    let mut status = Ok(vk::Result::SUCCESS);
    for (i, info) in infos.iter().enumerate() {
        let f = flags(info);
        let made = if f.contains(vk::PipelineCreateFlags::FAIL_ON_PIPELINE_COMPILE_REQUIRED) {
            Err(vk::Result::PIPELINE_COMPILE_REQUIRED)
        } else {
            create(info)
        };
        // SAFETY: `out` has room for `infos.len()` handles (caller contract).
        unsafe {
            match made {
                Ok(p) => out.add(i).write(handle::new_handle(p)),
                Err(e) => {
                    out.add(i).write(vk::Pipeline::null());
                    status = match (status, e) {
                        (Err(prev), _) => Err(prev),
                        (Ok(_), vk::Result::PIPELINE_COMPILE_REQUIRED) => Ok(e),
                        (Ok(_), e) => Err(e),
                    };
                    if f.contains(vk::PipelineCreateFlags::EARLY_RETURN_ON_FAILURE) {
                        for j in i + 1..infos.len() {
                            out.add(j).write(vk::Pipeline::null());
                        }
                        break;
                    }
                }
            }
        }
    }
    status
}

entry_points! {
    Device fn vkCreatePipelineLayout(
        _device: vk::Device,
        p_create_info: *const vk::PipelineLayoutCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_layout: *mut vk::PipelineLayout,
    ) -> Result {
        // SAFETY: valid usage: a valid create info with live (or null) set layouts, and a
        // writable pointer.
        unsafe {
            let info = handle::req(p_create_info)?;
            let sets = handle::slice(info.p_set_layouts, info.set_layout_count)
                .iter()
                .map(|&l| handle::get_optional(l))
                .collect::<Result<Vec<_>, _>>()?;
            let ranges = handle::slice(info.p_push_constant_ranges, info.push_constant_range_count);
            handle::write(p_layout, handle::new_handle(PipelineLayout::new(sets, ranges)?))
        }
    }

    Device fn vkDestroyPipelineLayout(_device: vk::Device, layout: vk::PipelineLayout, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live layout (or null), not used afterwards.
        unsafe { handle::destroy::<_, PipelineLayout>(layout) };
    }

    Device fn vkCreatePipelineCache(
        _device: vk::Device,
        p_create_info: *const vk::PipelineCacheCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_cache: *mut vk::PipelineCache,
    ) -> Result {
        // Initial data is ignored: nothing is cached (and the spec lets an implementation ignore
        // data it cannot use).
        // SAFETY: valid usage: a valid create info and a writable pointer.
        unsafe {
            handle::req(p_create_info)?;
            handle::write(p_cache, handle::new_handle(PipelineCache))
        }
    }

    Device fn vkDestroyPipelineCache(_device: vk::Device, cache: vk::PipelineCache, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live cache (or null), not used afterwards.
        unsafe { handle::destroy::<_, PipelineCache>(cache) };
    }

    Device fn vkGetPipelineCacheData(
        _device: vk::Device,
        cache: vk::PipelineCache,
        p_data_size: *mut usize,
        p_data: *mut c_void,
    ) -> Status {
        // SAFETY: valid usage: a live cache, a readable and writable size, and `*p_data_size`
        // writable bytes at `p_data` when it is not null.
        unsafe {
            let c = handle::get::<_, PipelineCache>(cache)?;
            let data = c.data();
            let room = *handle::req(p_data_size)?;
            if p_data.is_null() {
                handle::write(p_data_size, data.len())?;
                return Ok(vk::Result::SUCCESS);
            }
            // Spec: "If pDataSize is less than what is necessary to store this header, nothing
            // will be written to pData and zero will be written to pDataSize."
            if room < CACHE_HEADER_SIZE {
                handle::write(p_data_size, 0)?;
                return Ok(vk::Result::INCOMPLETE);
            }
            let n = room.min(data.len());
            std::ptr::copy_nonoverlapping(data.as_ptr(), p_data as *mut u8, n);
            handle::write(p_data_size, n)?;
            Ok(if n < data.len() { vk::Result::INCOMPLETE } else { vk::Result::SUCCESS })
        }
    }

    Device fn vkMergePipelineCaches(
        _device: vk::Device,
        dst: vk::PipelineCache,
        count: u32,
        p_src: *const vk::PipelineCache,
    ) -> Result {
        // SAFETY: valid usage: live caches.
        unsafe {
            let dst = handle::get::<_, PipelineCache>(dst)?;
            let sources = handle::slice(p_src, count)
                .iter()
                .map(|&c| handle::get::<_, PipelineCache>(c))
                .collect::<Result<Vec<_>, _>>()?;
            dst.merge(&sources);
        }
        Ok(())
    }

    Device fn vkCreateComputePipelines(
        _device: vk::Device,
        _cache: vk::PipelineCache,
        count: u32,
        p_infos: *const vk::ComputePipelineCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_pipelines: *mut vk::Pipeline,
    ) -> Status {
        // SAFETY: valid usage: `count` valid create infos and room for `count` handles.
        unsafe {
            let infos = handle::slice(p_infos, count);
            create_pipelines(infos, |i| i.flags, |i| compute_pipeline(i), p_pipelines)
        }
    }

    Device fn vkDestroyPipeline(_device: vk::Device, pipeline: vk::Pipeline, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live pipeline (or null), not used afterwards.
        unsafe { handle::destroy::<_, Pipeline>(pipeline) };
    }
}
