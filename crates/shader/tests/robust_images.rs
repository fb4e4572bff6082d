//! Robust image access (`robustImageAccess`): loads outside a storage image's view read zero
//! (alpha zero or one, as "Texel Replacement" allows), stores outside it write nothing — not
//! even into memory past the image.

mod support;

use pumice_shader::compute::{
    dispatch, BufferSlice, ComputeProgram, DispatchResources, ImageBinding, ImageDescriptor,
};
use pumice_texel::{Aspect, Format, ImageDesc, ImageDim, ImageLayout};

#[test]
fn out_of_bounds_image_loads_read_zero_and_stores_write_nothing() {
    let words = support::glsl(
        r#"
#version 450
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, rgba8) uniform image2D img;
layout(set = 0, binding = 1) buffer O { vec4 o[]; };
void main() {
    o[0] = imageLoad(img, ivec2(-1, 0));
    o[1] = imageLoad(img, ivec2(2, 0));
    o[2] = imageLoad(img, ivec2(0, 2));
    o[3] = imageLoad(img, ivec2(1, 1));
    o[4] = imageLoad(img, ivec2(-2147483647, 2147483647));
    imageStore(img, ivec2(2, 0), vec4(1.0));
    imageStore(img, ivec2(-1, -1), vec4(1.0));
    imageStore(img, ivec2(0, 2), vec4(1.0));
    imageStore(img, ivec2(1000000, 0), vec4(1.0));
}
"#,
    );
    let program = ComputeProgram::new(&words, "main", &[]).unwrap();
    let format = Format::from_vk(37).unwrap(); // VK_FORMAT_R8G8B8A8_UNORM
    let layout = ImageLayout::new(ImageDesc {
        dim: ImageDim::D2,
        format,
        extent: [2, 2, 1],
        mip_levels: 1,
        array_layers: 1,
        samples: 1,
    })
    .unwrap();
    // The image, then 64 guard bytes that belong to nothing.
    let size = layout.size() as usize;
    let memory = pumice_memory::DeviceMemory::new(size as u64 + 64).unwrap();
    let texels: Vec<u8> = (0..size as u8)
        .map(|b| b.wrapping_mul(7).wrapping_add(3))
        .collect();
    memory.write(0, &texels).unwrap();
    memory.write(size as u64, &[0x5a; 64]).unwrap();
    let out = pumice_memory::DeviceMemory::new(5 * 16).unwrap();
    let view = ImageBinding::whole_2d(&memory, &layout);
    let res = DispatchResources {
        images: vec![(
            (0, 0, 0),
            ImageDescriptor {
                view: Some(view),
                sampler: None,
            },
        )],
        buffers: vec![(
            (0, 1, 0),
            BufferSlice {
                memory: &out,
                offset: 0,
                size: 5 * 16,
            },
        )],
        push_constants: Vec::new(),
        addresses: Vec::new(),
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
    let mut o = [0u8; 80];
    out.read(0, &mut o).unwrap();
    let v: Vec<f32> = o
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    for k in [0, 1, 2, 4] {
        let t = &v[4 * k..4 * k + 4];
        assert!(
            t[..3] == [0.0; 3] && (t[3] == 0.0 || t[3] == 1.0),
            "load {k} outside the image: {t:?}"
        );
    }
    // Texel (1, 1) itself.
    let texel = layout.subresource(Aspect::Color, 0, 0).unwrap();
    let at = (texel.row_pitch + 4) as usize;
    let want: Vec<f32> = texels[at..at + 4]
        .iter()
        .map(|&b| f32::from(b) / 255.0)
        .collect();
    assert_eq!(&v[12..16], &want[..]);
    let mut after = vec![0u8; size + 64];
    memory.read(0, &mut after).unwrap();
    assert_eq!(
        &after[..size],
        &texels[..],
        "a store outside changed the image"
    );
    assert_eq!(
        &after[size..],
        &[0x5a; 64][..],
        "a store outside wrote past the image"
    );
}
