//! Shader modules.

use ash::vk;

use crate::entry::entry_points;
use crate::handle;
use crate::shader_module::ShaderModule;

entry_points! {
    Device fn vkCreateShaderModule(
        _device: vk::Device,
        p_create_info: *const vk::ShaderModuleCreateInfo,
        _p_allocator: *const vk::AllocationCallbacks,
        p_module: *mut vk::ShaderModule,
    ) -> Result {
        // SAFETY: valid usage: a valid create info whose `pCode` holds `codeSize` bytes, and a
        // writable pointer. A null `pCode` is refused before it is read.
        unsafe {
            let info = handle::req(p_create_info)?;
            let words = ShaderModule::check_size(info.code_size)?;
            if info.p_code.is_null() {
                return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
            }
            let module = ShaderModule::new(handle::slice(info.p_code, words))?;
            handle::write(p_module, handle::new_handle(module))
        }
    }

    Device fn vkDestroyShaderModule(_device: vk::Device, module: vk::ShaderModule, _p_allocator: *const vk::AllocationCallbacks) {
        // SAFETY: valid usage: a live module (or null), not used afterwards.
        unsafe { handle::destroy::<_, ShaderModule>(module) };
    }
}
