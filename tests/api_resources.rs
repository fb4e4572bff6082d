//! Images of every shape, image and buffer views, and barriers between transfers.

mod common;

use ash::vk;
use common::Ctx;

fn image_info(
    ty: vk::ImageType,
    extent: vk::Extent3D,
    mips: u32,
    layers: u32,
) -> vk::ImageCreateInfo<'static> {
    vk::ImageCreateInfo::default()
        .image_type(ty)
        .format(vk::Format::R8G8B8A8_UNORM)
        .extent(extent)
        .mip_levels(mips)
        .array_layers(layers)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::OPTIMAL)
        .usage(vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST)
}

#[test]
fn images_of_every_shape_and_their_views() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let range = |levels, layers| vk::ImageSubresourceRange {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        base_mip_level: 0,
        level_count: levels,
        base_array_layer: 0,
        layer_count: layers,
    };
    let cases = [
        (
            image_info(
                vk::ImageType::TYPE_1D,
                vk::Extent3D {
                    width: 64,
                    height: 1,
                    depth: 1,
                },
                7,
                3,
            ),
            vk::ImageViewType::TYPE_1D_ARRAY,
        ),
        (
            image_info(
                vk::ImageType::TYPE_2D,
                vk::Extent3D {
                    width: 40,
                    height: 24,
                    depth: 1,
                },
                6,
                1,
            ),
            vk::ImageViewType::TYPE_2D,
        ),
        (
            image_info(
                vk::ImageType::TYPE_3D,
                vk::Extent3D {
                    width: 16,
                    height: 8,
                    depth: 4,
                },
                5,
                1,
            ),
            vk::ImageViewType::TYPE_3D,
        ),
        (
            image_info(
                vk::ImageType::TYPE_2D,
                vk::Extent3D {
                    width: 32,
                    height: 32,
                    depth: 1,
                },
                6,
                12,
            )
            .flags(vk::ImageCreateFlags::CUBE_COMPATIBLE),
            vk::ImageViewType::CUBE_ARRAY,
        ),
    ];
    unsafe {
        for (info, view_type) in cases {
            let (image, memory) = ctx.image(&info);
            let view = d
                .create_image_view(
                    &vk::ImageViewCreateInfo::default()
                        .image(image)
                        .view_type(view_type)
                        .format(info.format)
                        .subresource_range(range(
                            vk::REMAINING_MIP_LEVELS,
                            vk::REMAINING_ARRAY_LAYERS,
                        )),
                    None,
                )
                .unwrap();
            // Fill every level and layer through one clear and read back the last level.
            let last = info.mip_levels - 1;
            let out = ctx.buffer(4 * info.array_layers as u64 * 4);
            ctx.run(|cb| {
                d.cmd_clear_color_image(
                    cb,
                    image,
                    vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                    &vk::ClearColorValue {
                        float32: [1.0, 0.0, 0.0, 1.0],
                    },
                    &[range(vk::REMAINING_MIP_LEVELS, vk::REMAINING_ARRAY_LAYERS)],
                );
                // The barrier forms are accepted between the clear and the copy.
                d.cmd_pipeline_barrier(
                    cb,
                    vk::PipelineStageFlags::TRANSFER,
                    vk::PipelineStageFlags::TRANSFER,
                    vk::DependencyFlags::empty(),
                    &[vk::MemoryBarrier::default()],
                    &[],
                    &[vk::ImageMemoryBarrier::default()
                        .image(image)
                        .old_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
                        .new_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)
                        .subresource_range(range(1, 1))],
                );
                let barrier2 = [vk::MemoryBarrier2::default()];
                d.cmd_pipeline_barrier2(
                    cb,
                    &vk::DependencyInfo::default().memory_barriers(&barrier2),
                );
                d.cmd_copy_image_to_buffer(
                    cb,
                    image,
                    vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                    out.buffer,
                    &[vk::BufferImageCopy {
                        buffer_offset: 0,
                        buffer_row_length: 0,
                        buffer_image_height: 0,
                        image_subresource: vk::ImageSubresourceLayers {
                            aspect_mask: vk::ImageAspectFlags::COLOR,
                            mip_level: last,
                            base_array_layer: 0,
                            layer_count: info.array_layers,
                        },
                        image_offset: vk::Offset3D::default(),
                        image_extent: vk::Extent3D {
                            width: 1,
                            height: 1,
                            depth: 1,
                        },
                    }],
                );
            });
            for layer in 0..info.array_layers as usize {
                assert_eq!(
                    &out.bytes()[layer * 4..layer * 4 + 4],
                    &[255, 0, 0, 255],
                    "{view_type:?} layer {layer}"
                );
            }
            d.destroy_image_view(view, None);
            d.destroy_image(image, None);
            d.free_memory(memory, None);
        }

        // Views outside the image are refused, not crashed on.
        let (image, memory) = ctx.image_2d(vk::Format::R8G8B8A8_UNORM, 8, 8);
        let bad = d.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(vk::Format::R8G8B8A8_UNORM)
                .subresource_range(vk::ImageSubresourceRange {
                    base_mip_level: 3,
                    ..range(1, 1)
                }),
            None,
        );
        assert!(bad.is_err());
        // A view in another format of the same size reinterprets the bytes.
        let ok = d
            .create_image_view(
                &vk::ImageViewCreateInfo::default()
                    .image(image)
                    .view_type(vk::ImageViewType::TYPE_2D)
                    .format(vk::Format::R32_UINT)
                    .subresource_range(range(1, 1)),
                None,
            )
            .unwrap();
        d.destroy_image_view(ok, None);
        d.destroy_image(image, None);
        d.free_memory(memory, None);

        // Impossible shapes: zero extent, too many levels, cube-compatible 3-D.
        assert!(d
            .create_image(
                &image_info(
                    vk::ImageType::TYPE_2D,
                    vk::Extent3D {
                        width: 0,
                        height: 4,
                        depth: 1
                    },
                    1,
                    1
                ),
                None
            )
            .is_err());
        assert!(d
            .create_image(
                &image_info(
                    vk::ImageType::TYPE_2D,
                    vk::Extent3D {
                        width: 4,
                        height: 4,
                        depth: 1
                    },
                    4,
                    1
                ),
                None
            )
            .is_err());
        assert!(d
            .create_image(
                &image_info(
                    vk::ImageType::TYPE_3D,
                    vk::Extent3D {
                        width: 4,
                        height: 4,
                        depth: 4
                    },
                    1,
                    1
                )
                .flags(vk::ImageCreateFlags::CUBE_COMPATIBLE),
                None
            )
            .is_err());
    }
}

#[test]
fn buffer_views() {
    let ctx = Ctx::new();
    let d = &ctx.device;
    let b = ctx.buffer(256);
    unsafe {
        let view = d
            .create_buffer_view(
                &vk::BufferViewCreateInfo::default()
                    .buffer(b.buffer)
                    .format(vk::Format::R32_SFLOAT)
                    .offset(16)
                    .range(vk::WHOLE_SIZE),
                None,
            )
            .unwrap();
        d.destroy_buffer_view(view, None);
        // Past the end of the buffer, and a format that cannot be a texel buffer: refused.
        assert!(d
            .create_buffer_view(
                &vk::BufferViewCreateInfo::default()
                    .buffer(b.buffer)
                    .format(vk::Format::R32_SFLOAT)
                    .offset(128)
                    .range(256),
                None,
            )
            .is_err());
        assert_eq!(
            d.create_buffer_view(
                &vk::BufferViewCreateInfo::default()
                    .buffer(b.buffer)
                    .format(vk::Format::BC1_RGB_UNORM_BLOCK)
                    .range(64),
                None,
            )
            .err(),
            Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)
        );
        // Zero-sized buffers are refused.
        assert!(d
            .create_buffer(
                &vk::BufferCreateInfo::default()
                    .size(0)
                    .usage(vk::BufferUsageFlags::TRANSFER_DST),
                None
            )
            .is_err());
    }
}
