//! Compute through the Vulkan API: shader modules, descriptor set layouts, pools, sets and
//! updates, pipeline layouts and caches, compute pipelines and dispatches.
//!
//! The GLSL test shaders are compiled here with `glslangValidator -V` (Debian's glslang-tools,
//! which CI installs).

mod common;

use std::ffi::c_void;

use ash::vk::{self, Handle};
use common::{glsl, Ctx, TestBuffer};

/// The smallest valid compute module, assembled by hand: `void main() {}` with a 1×1×1
/// workgroup.
fn tiny_spirv() -> Vec<u32> {
    let op = |words: u32, opcode: u32| (words << 16) | opcode;
    vec![
        0x0723_0203,
        0x0001_0000,
        0,
        5,
        0,
        op(2, 17), // OpCapability Shader
        1,
        op(3, 14), // OpMemoryModel Logical GLSL450
        0,
        1,
        op(5, 15), // OpEntryPoint GLCompute %1 "main"
        5,
        1,
        u32::from_le_bytes(*b"main"),
        0,
        op(6, 16), // OpExecutionMode %1 LocalSize 1 1 1
        1,
        17,
        1,
        1,
        1,
        op(2, 19), // %2 = OpTypeVoid
        2,
        op(3, 33), // %3 = OpTypeFunction %2
        3,
        2,
        op(5, 54), // %1 = OpFunction %2 None %3
        2,
        1,
        0,
        3,
        op(2, 248), // %4 = OpLabel
        4,
        op(1, 253), // OpReturn
        op(1, 56),  // OpFunctionEnd
    ]
}

fn module_result(ctx: &Ctx, code: *const u32, code_size: usize) -> vk::Result {
    let info = vk::ShaderModuleCreateInfo {
        code_size,
        p_code: code,
        ..Default::default()
    };
    let mut module = vk::ShaderModule::null();
    let r = unsafe {
        (ctx.device.fp_v1_0().create_shader_module)(
            ctx.device.handle(),
            &info,
            std::ptr::null(),
            &mut module,
        )
    };
    if r == vk::Result::SUCCESS {
        assert_ne!(module, vk::ShaderModule::null());
        unsafe { ctx.device.destroy_shader_module(module, None) };
    }
    r
}

#[test]
fn shader_modules_refuse_garbage_without_crashing() {
    let ctx = Ctx::new();
    let good = tiny_spirv();
    assert_eq!(
        module_result(&ctx, good.as_ptr(), good.len() * 4),
        vk::Result::SUCCESS
    );
    let failed = vk::Result::ERROR_INITIALIZATION_FAILED;
    // Null code, empty code, sizes that are not a multiple of four.
    assert_eq!(module_result(&ctx, std::ptr::null(), 64), failed);
    assert_eq!(module_result(&ctx, good.as_ptr(), 0), failed);
    for size in [1, 2, 3, 5, 22, good.len() * 4 - 1] {
        assert_eq!(module_result(&ctx, good.as_ptr(), size), failed, "{size}");
    }
    // Every truncation.
    for words in 0..good.len() {
        assert_eq!(
            module_result(&ctx, good.as_ptr(), words * 4),
            failed,
            "{words}"
        );
    }
    // Plain garbage.
    let garbage: Vec<u32> = common::pattern(4096, 7)
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    assert_eq!(
        module_result(&ctx, garbage.as_ptr(), garbage.len() * 4),
        failed
    );
    // Every single-bit flip: accepted or refused, never a crash.
    let mut refused = 0;
    for word in 0..good.len() {
        for bit in 0..32 {
            let mut code = good.clone();
            code[word] ^= 1 << bit;
            let r = module_result(&ctx, code.as_ptr(), code.len() * 4);
            assert!(
                r == vk::Result::SUCCESS || r == failed,
                "{word}.{bit}: {r:?}"
            );
            refused += (r == failed) as u32;
        }
    }
    assert!(refused > 100, "{refused}");
}

fn binding(
    binding: u32,
    ty: vk::DescriptorType,
    count: u32,
) -> vk::DescriptorSetLayoutBinding<'static> {
    vk::DescriptorSetLayoutBinding::default()
        .binding(binding)
        .descriptor_type(ty)
        .descriptor_count(count)
        .stage_flags(vk::ShaderStageFlags::COMPUTE)
}

fn set_layout(ctx: &Ctx, bindings: &[vk::DescriptorSetLayoutBinding]) -> vk::DescriptorSetLayout {
    unsafe {
        ctx.device.create_descriptor_set_layout(
            &vk::DescriptorSetLayoutCreateInfo::default().bindings(bindings),
            None,
        )
    }
    .unwrap()
}

fn pool(
    ctx: &Ctx,
    flags: vk::DescriptorPoolCreateFlags,
    max_sets: u32,
    sizes: &[(vk::DescriptorType, u32)],
) -> vk::DescriptorPool {
    let sizes: Vec<_> = sizes
        .iter()
        .map(|&(ty, n)| vk::DescriptorPoolSize {
            ty,
            descriptor_count: n,
        })
        .collect();
    unsafe {
        ctx.device.create_descriptor_pool(
            &vk::DescriptorPoolCreateInfo::default()
                .flags(flags)
                .max_sets(max_sets)
                .pool_sizes(&sizes),
            None,
        )
    }
    .unwrap()
}

fn allocate(
    ctx: &Ctx,
    pool: vk::DescriptorPool,
    layouts: &[vk::DescriptorSetLayout],
) -> Result<Vec<vk::DescriptorSet>, vk::Result> {
    unsafe {
        ctx.device.allocate_descriptor_sets(
            &vk::DescriptorSetAllocateInfo::default()
                .descriptor_pool(pool)
                .set_layouts(layouts),
        )
    }
}

#[test]
fn descriptor_pools_count_sets_and_descriptors() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let storage = vk::DescriptorType::STORAGE_BUFFER;
    let dynamic = vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC;
    let layout = set_layout(&ctx, &[binding(0, storage, 2), binding(3, dynamic, 1)]);
    let empty = set_layout(&ctx, &[]);
    let image_layout = set_layout(&ctx, &[binding(0, vk::DescriptorType::SAMPLED_IMAGE, 1)]);
    let p = pool(
        &ctx,
        vk::DescriptorPoolCreateFlags::FREE_DESCRIPTOR_SET,
        3,
        &[(storage, 3), (dynamic, 1), (storage, 1), (dynamic, 1)],
    );
    // Four storage buffers (two pool sizes of one type add up): two sets.
    let a = allocate(&ctx, p, &[layout]).unwrap()[0];
    let b = allocate(&ctx, p, &[layout]).unwrap()[0];
    assert_eq!(
        allocate(&ctx, p, &[layout]),
        Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY)
    );
    // A type the pool has none of.
    assert_eq!(
        allocate(&ctx, p, &[image_layout]),
        Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY)
    );
    // A failed multi-set allocation leaves nothing allocated and writes null handles.
    let mut out = [vk::DescriptorSet::from_raw(1); 2];
    let layouts = [empty, layout];
    let info = vk::DescriptorSetAllocateInfo::default()
        .descriptor_pool(p)
        .set_layouts(&layouts);
    let r = unsafe { (d.fp_v1_0().allocate_descriptor_sets)(d.handle(), &info, out.as_mut_ptr()) };
    assert_eq!(r, vk::Result::ERROR_OUT_OF_POOL_MEMORY);
    assert_eq!(out, [vk::DescriptorSet::null(); 2]);
    // Freeing gives the descriptors back (null handles are ignored).
    unsafe { d.free_descriptor_sets(p, &[a, vk::DescriptorSet::null()]) }.unwrap();
    let c = allocate(&ctx, p, &[layout]).unwrap()[0];
    // Three sets at most, even without descriptors.
    let e = allocate(&ctx, p, &[empty]).unwrap()[0];
    assert_eq!(
        allocate(&ctx, p, &[empty]),
        Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY)
    );
    unsafe { d.free_descriptor_sets(p, &[b, c, e]) }.unwrap();
    let three = allocate(&ctx, p, &[empty, empty, layout]).unwrap();
    assert_eq!(three.len(), 3);
    // Resetting frees every set.
    unsafe { d.reset_descriptor_pool(p, vk::DescriptorPoolResetFlags::empty()) }.unwrap();
    let again = allocate(&ctx, p, &[layout, layout, empty]).unwrap();
    assert!(again.iter().all(|s| *s != vk::DescriptorSet::null()));
    // A pool without FREE_DESCRIPTOR_SET still resets.
    let fixed = pool(
        &ctx,
        vk::DescriptorPoolCreateFlags::empty(),
        1,
        &[(storage, 2)],
    );
    allocate(&ctx, fixed, &[empty]).unwrap();
    assert_eq!(
        allocate(&ctx, fixed, &[empty]),
        Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY)
    );
    unsafe { d.reset_descriptor_pool(fixed, vk::DescriptorPoolResetFlags::empty()) }.unwrap();
    assert!(allocate(&ctx, fixed, &[layout]).is_err());
    allocate(&ctx, fixed, &[empty]).unwrap();
    unsafe {
        // Destroying a pool with live sets frees them.
        d.destroy_descriptor_pool(p, None);
        d.destroy_descriptor_pool(fixed, None);
        d.destroy_descriptor_set_layout(layout, None);
        d.destroy_descriptor_set_layout(empty, None);
        d.destroy_descriptor_set_layout(image_layout, None);
    }
}

#[test]
fn descriptor_set_layouts_and_their_support() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let support = |bindings: &[vk::DescriptorSetLayoutBinding],
                   flags: &[vk::DescriptorBindingFlags]| {
        let mut flags_info =
            vk::DescriptorSetLayoutBindingFlagsCreateInfo::default().binding_flags(flags);
        let info = vk::DescriptorSetLayoutCreateInfo::default()
            .bindings(bindings)
            .push_next(&mut flags_info);
        let mut variable = vk::DescriptorSetVariableDescriptorCountLayoutSupport::default();
        let mut s = vk::DescriptorSetLayoutSupport::default().push_next(&mut variable);
        unsafe { d.get_descriptor_set_layout_support(&info, &mut s) };
        (
            s.supported == vk::TRUE,
            variable.max_variable_descriptor_count,
        )
    };
    let ty = vk::DescriptorType::STORAGE_BUFFER;
    assert_eq!(support(&[binding(0, ty, 4)], &[]), (true, 0));
    assert_eq!(support(&[binding(0, ty, 2000)], &[]), (false, 0));
    let (ok, variable) = support(
        &[binding(0, ty, 4), binding(1, ty, 64)],
        &[
            vk::DescriptorBindingFlags::empty(),
            vk::DescriptorBindingFlags::VARIABLE_DESCRIPTOR_COUNT,
        ],
    );
    assert!(ok);
    assert!(variable >= 64, "{variable}");
    // Duplicate binding numbers are refused.
    assert_eq!(
        support(&[binding(1, ty, 1), binding(1, ty, 1)], &[]),
        (false, 0)
    );
    let dup = [binding(1, ty, 1), binding(1, ty, 1)];
    assert!(unsafe {
        d.create_descriptor_set_layout(
            &vk::DescriptorSetLayoutCreateInfo::default().bindings(&dup),
            None,
        )
    }
    .is_err());
    // Every core type is accepted into a layout, with immutable samplers.
    let sampler = unsafe { d.create_sampler(&vk::SamplerCreateInfo::default(), None) }.unwrap();
    let samplers = [sampler, sampler];
    let all = [
        binding(0, vk::DescriptorType::SAMPLER, 2).immutable_samplers(&samplers),
        binding(1, vk::DescriptorType::COMBINED_IMAGE_SAMPLER, 1),
        binding(2, vk::DescriptorType::SAMPLED_IMAGE, 3),
        binding(3, vk::DescriptorType::STORAGE_IMAGE, 1),
        binding(4, vk::DescriptorType::UNIFORM_TEXEL_BUFFER, 1),
        binding(5, vk::DescriptorType::STORAGE_TEXEL_BUFFER, 1),
        binding(6, vk::DescriptorType::UNIFORM_BUFFER, 1),
        binding(7, vk::DescriptorType::STORAGE_BUFFER, 1),
        binding(8, vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC, 1),
        binding(9, vk::DescriptorType::STORAGE_BUFFER_DYNAMIC, 2),
        binding(10, vk::DescriptorType::INPUT_ATTACHMENT, 1),
        binding(12, vk::DescriptorType::STORAGE_BUFFER, 0),
    ];
    let layout = set_layout(&ctx, &all);
    let p = pool(
        &ctx,
        vk::DescriptorPoolCreateFlags::empty(),
        1,
        &[
            (vk::DescriptorType::SAMPLER, 2),
            (vk::DescriptorType::COMBINED_IMAGE_SAMPLER, 1),
            (vk::DescriptorType::SAMPLED_IMAGE, 3),
            (vk::DescriptorType::STORAGE_IMAGE, 1),
            (vk::DescriptorType::UNIFORM_TEXEL_BUFFER, 1),
            (vk::DescriptorType::STORAGE_TEXEL_BUFFER, 1),
            (vk::DescriptorType::UNIFORM_BUFFER, 1),
            (vk::DescriptorType::STORAGE_BUFFER, 1),
            (vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC, 1),
            (vk::DescriptorType::STORAGE_BUFFER_DYNAMIC, 2),
            (vk::DescriptorType::INPUT_ATTACHMENT, 1),
        ],
    );
    let set = allocate(&ctx, p, &[layout]).unwrap()[0];
    // Writes of several kinds, a copy within the set, and writes that break the rules (a wrong
    // type, past the end): applied or skipped, never a crash.
    let buf = ctx.buffer(256);
    let infos = [
        vk::DescriptorBufferInfo {
            buffer: buf.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        },
        vk::DescriptorBufferInfo {
            buffer: buf.buffer,
            offset: 64,
            range: 64,
        },
    ];
    let image_infos = [vk::DescriptorImageInfo {
        sampler,
        image_view: vk::ImageView::null(),
        image_layout: vk::ImageLayout::GENERAL,
    }];
    let writes = [
        vk::WriteDescriptorSet::default()
            .dst_set(set)
            .dst_binding(9)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER_DYNAMIC)
            .buffer_info(&infos),
        vk::WriteDescriptorSet::default()
            .dst_set(set)
            .dst_binding(7)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
            .buffer_info(&infos[..1]),
        vk::WriteDescriptorSet::default()
            .dst_set(set)
            .dst_binding(1)
            .descriptor_type(vk::DescriptorType::COMBINED_IMAGE_SAMPLER)
            .image_info(&image_infos),
        // Wrong type for the binding.
        vk::WriteDescriptorSet::default()
            .dst_set(set)
            .dst_binding(6)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
            .buffer_info(&infos[..1]),
        // Past the last binding.
        vk::WriteDescriptorSet::default()
            .dst_set(set)
            .dst_binding(9)
            .dst_array_element(1)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER_DYNAMIC)
            .buffer_info(&infos),
        // A binding that does not exist.
        vk::WriteDescriptorSet::default()
            .dst_set(set)
            .dst_binding(11)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
            .buffer_info(&infos[..1]),
    ];
    let copies = [vk::CopyDescriptorSet::default()
        .src_set(set)
        .src_binding(9)
        .src_array_element(1)
        .dst_set(set)
        .dst_binding(9)
        .dst_array_element(0)
        .descriptor_count(1)];
    unsafe { d.update_descriptor_sets(&writes, &copies) };
    unsafe {
        d.destroy_descriptor_pool(p, None);
        d.destroy_descriptor_set_layout(layout, None);
        d.destroy_buffer(buf.buffer, None);
        d.free_memory(buf.memory, None);
        d.destroy_sampler(sampler, None);
    }
}

#[test]
fn pipeline_layouts_and_caches() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let range = |offset, size| vk::PushConstantRange {
        stage_flags: vk::ShaderStageFlags::COMPUTE,
        offset,
        size,
    };
    let layout_result = |ranges: &[vk::PushConstantRange]| unsafe {
        d.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(ranges),
            None,
        )
    };
    let ok = layout_result(&[range(0, 128)]).unwrap();
    unsafe { d.destroy_pipeline_layout(ok, None) };
    assert!(layout_result(&[range(64, 68)]).is_err());
    assert!(layout_result(&[range(2, 4)]).is_err());
    assert!(layout_result(&[range(0, 0)]).is_err());

    let props = unsafe { ctx.instance.get_physical_device_properties(ctx.physical) };
    assert_eq!(props.limits.max_push_constants_size, 128);
    let cache =
        unsafe { d.create_pipeline_cache(&vk::PipelineCacheCreateInfo::default(), None) }.unwrap();
    let data = unsafe { d.get_pipeline_cache_data(cache) }.unwrap();
    assert!(data.len() >= 32);
    let word = |i: usize| u32::from_le_bytes(data[i..i + 4].try_into().unwrap());
    assert_eq!(word(0), 32);
    assert_eq!(word(4), vk::PipelineCacheHeaderVersion::ONE.as_raw() as u32);
    assert_eq!(word(8), props.vendor_id);
    assert_eq!(word(12), props.device_id);
    assert_eq!(&data[16..32], &props.pipeline_cache_uuid);
    // Too small for the header: nothing written, size zero, VK_INCOMPLETE.
    let mut small = [0xAAu8; 16];
    let mut size = small.len();
    let r = unsafe {
        (d.fp_v1_0().get_pipeline_cache_data)(
            d.handle(),
            cache,
            &mut size,
            small.as_mut_ptr() as *mut c_void,
        )
    };
    assert_eq!(r, vk::Result::INCOMPLETE);
    assert_eq!(size, 0);
    assert_eq!(small, [0xAA; 16]);
    // A cache created from saved data, merged into another.
    let second = unsafe {
        d.create_pipeline_cache(
            &vk::PipelineCacheCreateInfo::default().initial_data(&data),
            None,
        )
    }
    .unwrap();
    unsafe { d.merge_pipeline_caches(cache, &[second]) }.unwrap();
    unsafe {
        d.destroy_pipeline_cache(second, None);
        d.destroy_pipeline_cache(cache, None);
    }
}

#[test]
fn khr_aliases_resolve_to_core_commands() {
    let ctx = Ctx::new();
    let gdpa = ctx.instance.fp_v1_0().get_device_proc_addr;
    let dev = ctx.device.handle();
    for (alias, core) in [
        (c"vkCmdDispatchBaseKHR", c"vkCmdDispatchBase"),
        (
            c"vkCreateDescriptorUpdateTemplateKHR",
            c"vkCreateDescriptorUpdateTemplate",
        ),
        (
            c"vkDestroyDescriptorUpdateTemplateKHR",
            c"vkDestroyDescriptorUpdateTemplate",
        ),
        (
            c"vkUpdateDescriptorSetWithTemplateKHR",
            c"vkUpdateDescriptorSetWithTemplate",
        ),
        (
            c"vkGetDescriptorSetLayoutSupportKHR",
            c"vkGetDescriptorSetLayoutSupport",
        ),
    ] {
        let a = unsafe { gdpa(dev, alias.as_ptr()) }.expect("alias");
        let c = unsafe { gdpa(dev, core.as_ptr()) }.expect("core");
        assert_eq!(a as usize, c as usize, "{alias:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatches.

const SAXPY: &str = r#"#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer X { float x[]; };
layout(set = 0, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform P { float a; uint n; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < n) {
        y[i] = a * x[i] + y[i];
    }
}
"#;

const N: usize = 10000;
const A: f32 = 2.5;

struct Saxpy {
    set_layout: vk::DescriptorSetLayout,
    layout: vk::PipelineLayout,
    pipeline: vk::Pipeline,
    module: vk::ShaderModule,
}

impl Saxpy {
    /// The SAXPY pipeline with plain or dynamic storage buffers.
    fn new(ctx: &Ctx, ty: vk::DescriptorType) -> Saxpy {
        let d = &ctx.device;
        let words = glsl("comp", SAXPY);
        let module = unsafe {
            d.create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
        }
        .expect("glslang's SAXPY is valid SPIR-V");
        let set_layout = set_layout(ctx, &[binding(0, ty, 1), binding(1, ty, 1)]);
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::COMPUTE,
            offset: 0,
            size: 8,
        }];
        let set_layouts = [set_layout];
        let layout = unsafe {
            d.create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default()
                    .set_layouts(&set_layouts)
                    .push_constant_ranges(&ranges),
                None,
            )
        }
        .unwrap();
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        let info = vk::ComputePipelineCreateInfo::default()
            .stage(stage)
            .layout(layout);
        let created =
            unsafe { d.create_compute_pipelines(vk::PipelineCache::null(), &[info], None) };
        let pipeline = created.expect("the SAXPY pipeline builds")[0];
        Saxpy {
            set_layout,
            layout,
            pipeline,
            module,
        }
    }

    fn destroy(self, ctx: &Ctx) {
        let d = &ctx.device;
        unsafe {
            d.destroy_pipeline(self.pipeline, None);
            d.destroy_pipeline_layout(self.layout, None);
            d.destroy_descriptor_set_layout(self.set_layout, None);
            d.destroy_shader_module(self.module, None);
        }
    }

    fn push(&self, ctx: &Ctx, cb: vk::CommandBuffer, n: u32) {
        let mut bytes = A.to_le_bytes().to_vec();
        bytes.extend_from_slice(&n.to_le_bytes());
        unsafe {
            ctx.device
                .cmd_push_constants(cb, self.layout, vk::ShaderStageFlags::COMPUTE, 0, &bytes)
        };
    }
}

fn floats(buf: &TestBuffer, offset: usize, n: usize) -> Vec<f32> {
    buf.bytes()[offset..offset + 4 * n]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn put_floats(buf: &TestBuffer, offset: usize, values: &[f32]) {
    for (i, v) in values.iter().enumerate() {
        buf.bytes()[offset + 4 * i..offset + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
}

fn inputs() -> (Vec<f32>, Vec<f32>) {
    let x = (0..N).map(|i| (i as f32 * 0.37).sin() * 100.0).collect();
    let y = (0..N)
        .map(|i| (i as f32 * 0.11).cos() * 10.0 - 3.0)
        .collect();
    (x, y)
}

/// Checks `got` against SAXPY on the CPU for elements in `updated`, and unchanged elsewhere.
fn check(got: &[f32], x: &[f32], y: &[f32], updated: std::ops::Range<usize>) {
    for i in 0..got.len() {
        let want = if updated.contains(&i) {
            A * x[i] + y[i]
        } else {
            y[i]
        };
        let tolerance = 1e-5 * want.abs().max(1.0);
        assert!(
            (got[i] - want).abs() <= tolerance,
            "element {i}: got {}, want {want}",
            got[i]
        );
    }
}

fn saxpy_pool(ctx: &Ctx, ty: vk::DescriptorType) -> vk::DescriptorPool {
    pool(ctx, vk::DescriptorPoolCreateFlags::empty(), 4, &[(ty, 8)])
}

fn groups(n: usize) -> u32 {
    n.div_ceil(64) as u32
}

#[test]
fn saxpy_dispatch_matches_the_cpu() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ty = vk::DescriptorType::STORAGE_BUFFER;
    let saxpy = Saxpy::new(&ctx, ty);
    let (x, y) = inputs();
    let xb = ctx.buffer(4 * N as u64);
    let yb = ctx.buffer(4 * N as u64);
    put_floats(&xb, 0, &x);
    put_floats(&yb, 0, &y);
    let p = saxpy_pool(&ctx, ty);
    let sets = allocate(&ctx, p, &[saxpy.set_layout, saxpy.set_layout]).unwrap();
    // One write of two descriptors at binding 0 runs on into binding 1; then set 0 is copied to
    // set 1, which is the one dispatched with.
    let infos = [
        vk::DescriptorBufferInfo {
            buffer: xb.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        },
        vk::DescriptorBufferInfo {
            buffer: yb.buffer,
            offset: 0,
            range: 4 * N as u64,
        },
    ];
    let write = vk::WriteDescriptorSet::default()
        .dst_set(sets[0])
        .dst_binding(0)
        .descriptor_type(ty)
        .buffer_info(&infos);
    let copy = vk::CopyDescriptorSet::default()
        .src_set(sets[0])
        .dst_set(sets[1])
        .descriptor_count(2);
    unsafe { d.update_descriptor_sets(&[write], &[copy]) };
    ctx.run(|cb| unsafe {
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, saxpy.pipeline);
        d.cmd_bind_descriptor_sets(
            cb,
            vk::PipelineBindPoint::COMPUTE,
            saxpy.layout,
            0,
            &sets[1..],
            &[],
        );
        saxpy.push(&ctx, cb, N as u32);
        d.cmd_dispatch(cb, groups(N), 1, 1);
    });
    check(&floats(&yb, 0, N), &x, &y, 0..N);
    assert_eq!(floats(&xb, 0, N), x);
    unsafe { d.destroy_descriptor_pool(p, None) };
    saxpy.destroy(&ctx);
}

#[test]
fn saxpy_with_dynamic_offsets_and_a_template() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ty = vk::DescriptorType::STORAGE_BUFFER_DYNAMIC;
    let saxpy = Saxpy::new(&ctx, ty);
    let (x, y) = inputs();
    // X at 0 + dynamic 512; Y at 64 + dynamic 128, in buffers with room around.
    let (x_at, y_at) = (512usize, 64 + 128usize);
    let xb = ctx.buffer(4 * N as u64 + 1024);
    let yb = ctx.buffer(4 * N as u64 + 1024);
    xb.bytes().fill(0x7F);
    yb.bytes().fill(0x7F);
    put_floats(&xb, x_at, &x);
    put_floats(&yb, y_at, &y);
    let p = saxpy_pool(&ctx, ty);
    let set = allocate(&ctx, p, &[saxpy.set_layout]).unwrap()[0];
    // The template reads two VkDescriptorBufferInfo from an application struct with a stride.
    #[repr(C)]
    struct Data {
        x: vk::DescriptorBufferInfo,
        pad: u64,
        y: vk::DescriptorBufferInfo,
    }
    let data = Data {
        x: vk::DescriptorBufferInfo {
            buffer: xb.buffer,
            offset: 0,
            range: 4 * N as u64,
        },
        pad: 0,
        y: vk::DescriptorBufferInfo {
            buffer: yb.buffer,
            offset: 64,
            range: 4 * N as u64,
        },
    };
    let entries = [vk::DescriptorUpdateTemplateEntry {
        dst_binding: 0,
        dst_array_element: 0,
        descriptor_count: 2,
        descriptor_type: ty,
        offset: 0,
        stride: std::mem::offset_of!(Data, y),
    }];
    let template = unsafe {
        d.create_descriptor_update_template(
            &vk::DescriptorUpdateTemplateCreateInfo::default()
                .descriptor_update_entries(&entries)
                .template_type(vk::DescriptorUpdateTemplateType::DESCRIPTOR_SET)
                .descriptor_set_layout(saxpy.set_layout),
            None,
        )
    }
    .unwrap();
    unsafe {
        d.update_descriptor_set_with_template(set, template, &data as *const Data as *const c_void)
    };
    ctx.run(|cb| unsafe {
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, saxpy.pipeline);
        saxpy.push(&ctx, cb, N as u32);
        // Offsets in binding order: X's, then Y's.
        d.cmd_bind_descriptor_sets(
            cb,
            vk::PipelineBindPoint::COMPUTE,
            saxpy.layout,
            0,
            &[set],
            &[512, 128],
        );
        d.cmd_dispatch(cb, groups(N), 1, 1);
    });
    check(&floats(&yb, y_at, N), &x, &y, 0..N);
    // Nothing outside Y's range moved.
    assert!(yb.bytes()[..y_at].iter().all(|&b| b == 0x7F));
    assert!(yb.bytes()[y_at + 4 * N..].iter().all(|&b| b == 0x7F));
    unsafe {
        d.destroy_descriptor_update_template(template, None);
        d.destroy_descriptor_pool(p, None);
    }
    saxpy.destroy(&ctx);
}

#[test]
fn dispatch_indirect_base_and_empty_dispatches() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let ty = vk::DescriptorType::STORAGE_BUFFER;
    let saxpy = Saxpy::new(&ctx, ty);
    let (x, y) = inputs();
    let xb = ctx.buffer(4 * N as u64);
    let yb = ctx.buffer(4 * N as u64);
    put_floats(&xb, 0, &x);
    let p = saxpy_pool(&ctx, ty);
    let set = allocate(&ctx, p, &[saxpy.set_layout]).unwrap()[0];
    let infos = [xb.buffer, yb.buffer].map(|buffer| vk::DescriptorBufferInfo {
        buffer,
        offset: 0,
        range: vk::WHOLE_SIZE,
    });
    let writes = [0, 1].map(|b| {
        vk::WriteDescriptorSet::default()
            .dst_set(set)
            .dst_binding(b)
            .descriptor_type(ty)
            .buffer_info(&infos[b as usize..b as usize + 1])
    });
    unsafe { d.update_descriptor_sets(&writes, &[]) };
    let indirect = ctx.buffer(64);
    indirect.bytes().fill(0);
    let bind = |cb| unsafe {
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, saxpy.pipeline);
        d.cmd_bind_descriptor_sets(
            cb,
            vk::PipelineBindPoint::COMPUTE,
            saxpy.layout,
            0,
            &[set],
            &[],
        );
        saxpy.push(&ctx, cb, N as u32);
    };

    // The group count is read when the command runs: written by a command just before it
    // (the buffer holds zeros when recorded and submitted).
    put_floats(&yb, 0, &y);
    ctx.run(|cb| unsafe {
        bind(cb);
        let counts: Vec<u8> = [10u32, 1, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
        d.cmd_update_buffer(cb, indirect.buffer, 16, &counts);
        d.cmd_dispatch_indirect(cb, indirect.buffer, 16);
        // Zero-sized dispatches do nothing.
        d.cmd_dispatch_indirect(cb, indirect.buffer, 32);
        d.cmd_dispatch(cb, 0, 1, 1);
        d.cmd_dispatch(cb, 5, 0, 1);
    });
    check(&floats(&yb, 0, N), &x, &y, 0..640);

    // A dispatch with a base: groups 5..8 only.
    put_floats(&yb, 0, &y);
    ctx.run(|cb| unsafe {
        bind(cb);
        d.cmd_dispatch_base(cb, 5, 0, 0, 3, 1, 1);
    });
    check(&floats(&yb, 0, N), &x, &y, 320..512);
    unsafe { d.destroy_descriptor_pool(p, None) };
    saxpy.destroy(&ctx);
}

#[test]
fn compute_pipeline_failures_write_null_handles() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let words = glsl("comp", SAXPY);
    let module = unsafe {
        d.create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
    }
    .unwrap();
    // The layout lacks binding 1, and has no push constants: never a valid pipeline.
    let set_layout = set_layout(&ctx, &[binding(0, vk::DescriptorType::STORAGE_BUFFER, 1)]);
    let set_layouts = [set_layout];
    let layout = unsafe {
        d.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts),
            None,
        )
    }
    .unwrap();
    let stage = |s| {
        vk::PipelineShaderStageCreateInfo::default()
            .stage(s)
            .module(module)
            .name(c"main")
    };
    let infos = [
        vk::ComputePipelineCreateInfo::default()
            .stage(stage(vk::ShaderStageFlags::COMPUTE))
            .layout(layout),
        vk::ComputePipelineCreateInfo::default()
            .stage(stage(vk::ShaderStageFlags::VERTEX))
            .layout(layout),
        vk::ComputePipelineCreateInfo::default()
            .stage(stage(vk::ShaderStageFlags::COMPUTE).name(c"no_such_entry"))
            .layout(layout),
    ];
    let created = unsafe { d.create_compute_pipelines(vk::PipelineCache::null(), &infos, None) };
    let (handles, e) = created.expect_err("no valid pipeline among these");
    assert_eq!(e, vk::Result::ERROR_INITIALIZATION_FAILED);
    assert_eq!(handles, [vk::Pipeline::null(); 3]);
    unsafe {
        d.destroy_pipeline_layout(layout, None);
        d.destroy_descriptor_set_layout(set_layout, None);
        d.destroy_shader_module(module, None);
    }
}

/// `pipelineCreationCacheControl`: a pipeline asked to fail rather than compile is not made
/// (null, `VK_PIPELINE_COMPILE_REQUIRED`) while its neighbours are; `subgroupSizeControl`: a
/// required subgroup size equal to the one reported is accepted, with full subgroups.
#[test]
fn compile_required_and_required_subgroup_size() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let words = glsl(
        "comp",
        "#version 450\nlayout(local_size_x = 64) in;\nvoid main() {}",
    );
    let module = unsafe {
        d.create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
    }
    .unwrap();
    let layout =
        unsafe { d.create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default(), None) }
            .unwrap();
    let mut props13 = vk::PhysicalDeviceVulkan13Properties::default();
    let mut props = vk::PhysicalDeviceProperties2::default().push_next(&mut props13);
    unsafe {
        ctx.instance
            .get_physical_device_properties2(ctx.physical, &mut props)
    };
    let size = props13.max_subgroup_size;
    assert_eq!(props13.min_subgroup_size, size);
    assert!(props13
        .required_subgroup_size_stages
        .contains(vk::ShaderStageFlags::COMPUTE));
    let mut required = vk::PipelineShaderStageRequiredSubgroupSizeCreateInfo::default()
        .required_subgroup_size(size);
    let stage = vk::PipelineShaderStageCreateInfo::default()
        .stage(vk::ShaderStageFlags::COMPUTE)
        .module(module)
        .name(c"main");
    let sized_stage = stage
        .flags(vk::PipelineShaderStageCreateFlags::REQUIRE_FULL_SUBGROUPS)
        .push_next(&mut required);
    let infos = [
        vk::ComputePipelineCreateInfo::default()
            .stage(stage)
            .layout(layout)
            .flags(vk::PipelineCreateFlags::FAIL_ON_PIPELINE_COMPILE_REQUIRED),
        vk::ComputePipelineCreateInfo::default()
            .stage(sized_stage)
            .layout(layout),
    ];
    let created = unsafe { d.create_compute_pipelines(vk::PipelineCache::null(), &infos, None) };
    let (handles, code) = created.expect_err("not a plain success");
    assert_eq!(code, vk::Result::PIPELINE_COMPILE_REQUIRED);
    assert_eq!(handles[0], vk::Pipeline::null());
    assert_ne!(handles[1], vk::Pipeline::null());
    unsafe {
        d.destroy_pipeline(handles[1], None);
        d.destroy_pipeline_layout(layout, None);
        d.destroy_shader_module(module, None);
    }
}

/// `inlineUniformBlock`: a 32-byte inline uniform block at binding 0, written in two parts
/// (the second at byte offset 16) and partly copied from another set, read by a compute
/// shader as a uniform block.
#[test]
fn inline_uniform_blocks_are_read_as_uniform_buffers() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let out = ctx.buffer(32);
    let spirv = glsl(
        "comp",
        r"#version 450
        layout(local_size_x = 8) in;
        layout(set = 0, binding = 0) uniform U { uvec4 a; ivec4 b; };
        layout(set = 0, binding = 1) buffer O { uint o[8]; };
        void main() {
            uint i = gl_LocalInvocationID.x;
            o[i] = i < 4u ? a[i] : uint(b[i - 4u]);
        }",
    );
    let iub = vk::DescriptorType::INLINE_UNIFORM_BLOCK;
    let bindings = [
        binding(0, iub, 32),
        binding(1, vk::DescriptorType::STORAGE_BUFFER, 1),
    ];
    let layout = set_layout(&ctx, &bindings);
    let pool = {
        let sizes = [
            vk::DescriptorPoolSize {
                ty: iub,
                descriptor_count: 64,
            },
            vk::DescriptorPoolSize {
                ty: vk::DescriptorType::STORAGE_BUFFER,
                descriptor_count: 2,
            },
        ];
        let mut inline_info = vk::DescriptorPoolInlineUniformBlockCreateInfo::default()
            .max_inline_uniform_block_bindings(2);
        unsafe {
            d.create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .max_sets(2)
                    .pool_sizes(&sizes)
                    .push_next(&mut inline_info),
                None,
            )
        }
        .unwrap()
    };
    let sets = allocate(&ctx, pool, &[layout, layout]).unwrap();
    let words = |v: &[u32]| -> Vec<u8> { v.iter().flat_map(|w| w.to_le_bytes()).collect() };
    let first = words(&[10, 20, 30, 40]);
    let second = words(&[(-5i32) as u32, 6, (-7i32) as u32, 8]);
    let other = words(&[0, 0, 99, 98]);
    unsafe {
        let write = |set: vk::DescriptorSet, offset: u32, data: &[u8]| {
            let mut block = vk::WriteDescriptorSetInlineUniformBlock::default().data(data);
            d.update_descriptor_sets(
                &[vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(0)
                    .dst_array_element(offset)
                    .descriptor_type(iub)
                    .descriptor_count(data.len() as u32)
                    .push_next(&mut block)],
                &[],
            );
        };
        write(sets[0], 0, &first);
        write(sets[0], 16, &second);
        // Bytes 8..16 of the other set (99, 98) over bytes 8..16 of the first.
        write(sets[1], 0, &other);
        d.update_descriptor_sets(
            &[],
            &[vk::CopyDescriptorSet::default()
                .src_set(sets[1])
                .src_binding(0)
                .src_array_element(8)
                .dst_set(sets[0])
                .dst_binding(0)
                .dst_array_element(8)
                .descriptor_count(8)],
        );
        let info = [vk::DescriptorBufferInfo {
            buffer: out.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        }];
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(sets[0])
                .dst_binding(1)
                .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                .buffer_info(&info)],
            &[],
        );
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&spirv), None)
            .unwrap();
        let set_layouts = [layout];
        let pipeline_layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts),
                None,
            )
            .unwrap();
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        let pipeline = d
            .create_compute_pipelines(
                vk::PipelineCache::null(),
                &[vk::ComputePipelineCreateInfo::default()
                    .stage(stage)
                    .layout(pipeline_layout)],
                None,
            )
            .unwrap()[0];
        ctx.run(|cb| {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
            d.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::COMPUTE,
                pipeline_layout,
                0,
                &sets[..1],
                &[],
            );
            d.cmd_dispatch(cb, 1, 1, 1);
        });
    }
    let got: Vec<u32> = out
        .bytes()
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(got, [10, 20, 99, 98, (-5i32) as u32, 6, (-7i32) as u32, 8]);
}
