//! `VkShaderModule`: a copy of the application's SPIR-V words.
//!
//! The module is read and validated (through `pumice_shader::front::parse_shared`) when it is created, so that
//! malformed SPIR-V is refused at `vkCreateShaderModule` rather than at some later pipeline
//! creation. Compilation happens per entry point and specialization at pipeline creation; the
//! module keeps only the words (parsing again there costs less than keeping naga's module alive
//! for modules that are never used twice, which is most of them).

use std::sync::Arc;

use ash::vk;

use crate::handle::HandleObject;

#[derive(Debug)]
pub struct ShaderModule {
    /// The SPIR-V, in host word order.
    pub words: Arc<[u32]>,
}

impl HandleObject for ShaderModule {
    const TAG: u64 = u64::from_le_bytes(*b"pmSHADER");
}

impl ShaderModule {
    /// A module from the application's code, given as words in host order (`pCode`).
    ///
    /// Spec: "codeSize must be a multiple of 4" and "pCode must point to valid SPIR-V code";
    /// anything else is refused with `VK_ERROR_INITIALIZATION_FAILED` (the core API has no
    /// code for invalid SPIR-V; `VK_ERROR_INVALID_SHADER_NV` belongs to an extension).
    pub fn new(code: &[u32]) -> Result<ShaderModule, vk::Result> {
        let words = pumice_shader::front::words_from_host(code)
            .map_err(|_| vk::Result::ERROR_INITIALIZATION_FAILED)?;
        let parsed = pumice_shader::front::parse_shared(&words, &[])
            .map_err(|_| vk::Result::ERROR_INITIALIZATION_FAILED)?;
        let (module, _) = &*parsed;
        // The Vulkan environment needs an entry point in a module without the Linkage
        // capability (which is not supported); naga accepts a bare header, which is not SPIR-V.
        if module.entry_points.is_empty() {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        Ok(ShaderModule {
            words: words.into(),
        })
    }

    /// The word count of a `codeSize` in bytes: non-zero and a multiple of four.
    pub fn check_size(code_size: usize) -> Result<u32, vk::Result> {
        if code_size == 0 || code_size % 4 != 0 {
            return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
        }
        u32::try_from(code_size / 4).map_err(|_| vk::Result::ERROR_OUT_OF_HOST_MEMORY)
    }
}
