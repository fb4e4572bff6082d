//! Transfer commands through the Vulkan API: buffer copies, fills and updates, buffer↔image
//! copies, image copies, clears and blits, each checked against a CPU reference written here
//! from the specification (not from the driver's engine crates).

mod common;

use ash::vk;
use common::{pattern, Ctx, TestBuffer};

/// What the destination buffers hold before a command: bytes no command may touch keep it.
const UNTOUCHED: u8 = 0xCD;

// ---------------------------------------------------------------------------------------------
// Helpers.

fn off3(o: [i32; 3]) -> vk::Offset3D {
    vk::Offset3D {
        x: o[0],
        y: o[1],
        z: o[2],
    }
}

fn ext3(e: [u32; 3]) -> vk::Extent3D {
    vk::Extent3D {
        width: e[0],
        height: e[1],
        depth: e[2],
    }
}

fn sub_layers(
    aspect: vk::ImageAspectFlags,
    mip: u32,
    base: u32,
    count: u32,
) -> vk::ImageSubresourceLayers {
    vk::ImageSubresourceLayers {
        aspect_mask: aspect,
        mip_level: mip,
        base_array_layer: base,
        layer_count: count,
    }
}

fn color(mip: u32, base: u32, count: u32) -> vk::ImageSubresourceLayers {
    sub_layers(vk::ImageAspectFlags::COLOR, mip, base, count)
}

#[allow(clippy::too_many_arguments)]
fn bic(
    buffer_offset: u64,
    row_length: u32,
    image_height: u32,
    sub: vk::ImageSubresourceLayers,
    offset: [i32; 3],
    extent: [u32; 3],
) -> vk::BufferImageCopy {
    vk::BufferImageCopy {
        buffer_offset,
        buffer_row_length: row_length,
        buffer_image_height: image_height,
        image_subresource: sub,
        image_offset: off3(offset),
        image_extent: ext3(extent),
    }
}

fn bic2(r: &vk::BufferImageCopy) -> vk::BufferImageCopy2<'static> {
    vk::BufferImageCopy2::default()
        .buffer_offset(r.buffer_offset)
        .buffer_row_length(r.buffer_row_length)
        .buffer_image_height(r.buffer_image_height)
        .image_subresource(r.image_subresource)
        .image_offset(r.image_offset)
        .image_extent(r.image_extent)
}

fn image_info(
    ty: vk::ImageType,
    format: vk::Format,
    extent: [u32; 3],
    mips: u32,
    layers: u32,
) -> vk::ImageCreateInfo<'static> {
    vk::ImageCreateInfo::default()
        .image_type(ty)
        .format(format)
        .extent(ext3(extent))
        .mip_levels(mips)
        .array_layers(layers)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::OPTIMAL)
        .usage(vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST)
}

/// A buffer filled with [`UNTOUCHED`].
fn untouched_buffer(ctx: &Ctx, size: u64) -> TestBuffer {
    let b = ctx.buffer(size);
    b.bytes().fill(UNTOUCHED);
    b
}

/// A buffer holding `data`.
fn data_buffer(ctx: &Ctx, data: &[u8]) -> TestBuffer {
    let b = ctx.buffer(data.len().max(1) as u64);
    b.bytes()[..data.len()].copy_from_slice(data);
    b
}

/// A small deterministic generator for values (not bytes).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

// ---------------------------------------------------------------------------------------------
// A CPU model of an image's texels, addressed as the specification's "Buffer and Image
// Addressing" says: texel (x, y, z) of slice s (array layer, or depth slice of a 3-D image) of a
// region is at bufferOffset + (((s * imageHeight) + y) * rowLength + x) * texelBlockSize.

#[derive(Clone)]
struct Model {
    texel: usize,
    extent: [u32; 3],
    is_3d: bool,
    layers: u32,
    /// One vector per (mip, layer): depth slices of rows of texels.
    levels: Vec<Vec<Vec<u8>>>,
}

impl Model {
    fn new(texel: usize, extent: [u32; 3], is_3d: bool, mips: u32, layers: u32) -> Model {
        let mut m = Model {
            texel,
            extent,
            is_3d,
            layers,
            levels: Vec::new(),
        };
        for mip in 0..mips {
            let e = m.level_extent(mip);
            let n = (e[0] * e[1] * e[2]) as usize * texel;
            m.levels.push((0..layers).map(|_| vec![0u8; n]).collect());
        }
        m
    }

    fn level_extent(&self, mip: u32) -> [u32; 3] {
        self.extent.map(|e| (e >> mip).max(1))
    }

    fn index(&self, mip: u32, x: u32, y: u32, z: u32) -> usize {
        let e = self.level_extent(mip);
        assert!(x < e[0] && y < e[1] && z < e[2]);
        (((z * e[1] + y) * e[0] + x) as usize) * self.texel
    }

    fn texel(&self, mip: u32, layer: u32, x: u32, y: u32, z: u32) -> &[u8] {
        let i = self.index(mip, x, y, z);
        &self.levels[mip as usize][layer as usize][i..i + self.texel]
    }

    fn texel_mut(&mut self, mip: u32, layer: u32, x: u32, y: u32, z: u32) -> &mut [u8] {
        let i = self.index(mip, x, y, z);
        let t = self.texel;
        &mut self.levels[mip as usize][layer as usize][i..i + t]
    }

    /// The (layer, z) pairs of a region's slices.
    fn slices(&self, r: &vk::BufferImageCopy) -> Vec<(u32, u32)> {
        let s = r.image_subresource;
        if self.is_3d {
            (0..r.image_extent.depth)
                .map(|d| (0, r.image_offset.z as u32 + d))
                .collect()
        } else {
            let count = if s.layer_count == vk::REMAINING_ARRAY_LAYERS {
                self.layers - s.base_array_layer
            } else {
                s.layer_count
            };
            (0..count).map(|l| (s.base_array_layer + l, 0)).collect()
        }
    }

    /// Calls `f(buffer address, mip, layer, x, y, z)` for every texel of a region.
    fn walk(&self, r: &vk::BufferImageCopy, mut f: impl FnMut(usize, u32, u32, u32, u32, u32)) {
        let rl = if r.buffer_row_length == 0 {
            r.image_extent.width
        } else {
            r.buffer_row_length
        } as usize;
        let ih = if r.buffer_image_height == 0 {
            r.image_extent.height
        } else {
            r.buffer_image_height
        } as usize;
        let mip = r.image_subresource.mip_level;
        for (s, (layer, z)) in self.slices(r).into_iter().enumerate() {
            for y in 0..r.image_extent.height as usize {
                for x in 0..r.image_extent.width as usize {
                    let addr = r.buffer_offset as usize + ((s * ih + y) * rl + x) * self.texel;
                    f(
                        addr,
                        mip,
                        layer,
                        r.image_offset.x as u32 + x as u32,
                        r.image_offset.y as u32 + y as u32,
                        z,
                    );
                }
            }
        }
    }

    fn upload(&mut self, buf: &[u8], r: &vk::BufferImageCopy) {
        let t = self.texel;
        let mut writes = Vec::new();
        self.walk(r, |a, mip, layer, x, y, z| {
            writes.push((a, mip, layer, x, y, z))
        });
        for (a, mip, layer, x, y, z) in writes {
            self.texel_mut(mip, layer, x, y, z)
                .copy_from_slice(&buf[a..a + t]);
        }
    }

    fn download(&self, buf: &mut [u8], r: &vk::BufferImageCopy) {
        let t = self.texel;
        self.walk(r, |a, mip, layer, x, y, z| {
            buf[a..a + t].copy_from_slice(self.texel(mip, layer, x, y, z));
        });
    }

    /// Regions that cover every level tightly, one after another from `offset`; returns them and
    /// the bytes they need.
    fn full_regions(
        &self,
        aspect: vk::ImageAspectFlags,
        offset: u64,
    ) -> (Vec<vk::BufferImageCopy>, u64) {
        let mut at = offset;
        let mut out = Vec::new();
        for mip in 0..self.levels.len() as u32 {
            let e = self.level_extent(mip);
            let sub = sub_layers(aspect, mip, 0, if self.is_3d { 1 } else { self.layers });
            out.push(bic(at, 0, 0, sub, [0, 0, 0], e));
            let slices = if self.is_3d { e[2] } else { self.layers };
            at += (e[0] * e[1] * slices) as u64 * self.texel as u64;
        }
        (out, at)
    }
}

/// Uploads random bytes into every texel of `image`'s `aspect` and returns the model.
fn fill_image(
    ctx: &Ctx,
    image: vk::Image,
    mut model: Model,
    aspect: vk::ImageAspectFlags,
    seed: u32,
) -> Model {
    let (regions, size) = model.full_regions(aspect, 0);
    let data = pattern(size as usize, seed);
    let src = data_buffer(ctx, &data);
    for r in &regions {
        model.upload(&data, r);
    }
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_buffer_to_image(
            cb,
            src.buffer,
            image,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
            &regions,
        );
    });
    model
}

/// Downloads every texel of `image`'s `aspect` as the model would lay them out, and the model's
/// own bytes for the same regions.
fn read_back(
    ctx: &Ctx,
    image: vk::Image,
    model: &Model,
    aspect: vk::ImageAspectFlags,
) -> (Vec<u8>, Vec<u8>) {
    let (regions, size) = model.full_regions(aspect, 0);
    let dst = untouched_buffer(ctx, size);
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_image_to_buffer(
            cb,
            image,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            dst.buffer,
            &regions,
        );
    });
    let mut want = vec![UNTOUCHED; size as usize];
    for r in &regions {
        model.download(&mut want, r);
    }
    (dst.bytes().to_vec(), want)
}

// ---------------------------------------------------------------------------------------------
// Buffer copies, fills and updates.

#[test]
fn copy_buffer_regions_both_forms() {
    let ctx = Ctx::new();
    let src_data = pattern(4099, 7);
    let src = data_buffer(&ctx, &src_data);
    let dst = untouched_buffer(&ctx, 3001);
    let dst2 = untouched_buffer(&ctx, 3001);
    let regions = [
        vk::BufferCopy {
            src_offset: 1,
            dst_offset: 3,
            size: 17,
        },
        vk::BufferCopy {
            src_offset: 4000,
            dst_offset: 2901,
            size: 99,
        },
        vk::BufferCopy {
            src_offset: 333,
            dst_offset: 1001,
            size: 1,
        },
        vk::BufferCopy {
            src_offset: 2047,
            dst_offset: 101,
            size: 777,
        },
        vk::BufferCopy {
            src_offset: 0,
            dst_offset: 2000,
            size: 513,
        },
    ];
    ctx.run(|cb| unsafe {
        ctx.device
            .cmd_copy_buffer(cb, src.buffer, dst.buffer, &regions);
        let r2: Vec<_> = regions
            .iter()
            .map(|r| {
                vk::BufferCopy2::default()
                    .src_offset(r.src_offset)
                    .dst_offset(r.dst_offset)
                    .size(r.size)
            })
            .collect();
        ctx.device.cmd_copy_buffer2(
            cb,
            &vk::CopyBufferInfo2::default()
                .src_buffer(src.buffer)
                .dst_buffer(dst2.buffer)
                .regions(&r2),
        );
    });
    let mut want = vec![UNTOUCHED; 3001];
    for r in &regions {
        let (s, d, n) = (
            r.src_offset as usize,
            r.dst_offset as usize,
            r.size as usize,
        );
        want[d..d + n].copy_from_slice(&src_data[s..s + n]);
    }
    assert!(dst.bytes() == &want[..], "vkCmdCopyBuffer");
    assert!(dst2.bytes() == &want[..], "vkCmdCopyBuffer2");
}

#[test]
fn fill_and_update_buffer() {
    let ctx = Ctx::new();
    let b = untouched_buffer(&ctx, 1030);
    let update: Vec<u8> = pattern(64, 3);
    ctx.run(|cb| unsafe {
        ctx.device.cmd_fill_buffer(cb, b.buffer, 4, 12, 0x1122_3344);
        // VK_WHOLE_SIZE from 100: the rest rounded down to a multiple of 4 (928 bytes), the last
        // two bytes untouched.
        ctx.device
            .cmd_fill_buffer(cb, b.buffer, 100, vk::WHOLE_SIZE, 0xA0B0_C0D0);
        ctx.device.cmd_update_buffer(cb, b.buffer, 40, &update);
        // A later fill overrides part of the update: commands run in order.
        ctx.device.cmd_fill_buffer(cb, b.buffer, 48, 8, 0);
    });
    let mut want = vec![UNTOUCHED; 1030];
    for i in (4..16).step_by(4) {
        want[i..i + 4].copy_from_slice(&0x1122_3344u32.to_le_bytes());
    }
    for i in (100..1028).step_by(4) {
        want[i..i + 4].copy_from_slice(&0xA0B0_C0D0u32.to_le_bytes());
    }
    want[40..104].copy_from_slice(&update);
    want[48..56].fill(0);
    assert!(b.bytes() == &want[..]);
}

// ---------------------------------------------------------------------------------------------
// Buffer ↔ image round trips.

#[test]
fn buffer_image_round_trip_layers_mips_padding() {
    let ctx = Ctx::new();
    // Three-byte texels, odd sizes, three levels (13x9, 6x4, 3x2) and four layers.
    let format = vk::Format::R8G8B8_UNORM;
    let (image, _mem) = ctx.image(&image_info(
        vk::ImageType::TYPE_2D,
        format,
        [13, 9, 1],
        3,
        4,
    ));
    let model = Model::new(3, [13, 9, 1], false, 3, 4);
    let mut model = fill_image(&ctx, image, model, vk::ImageAspectFlags::COLOR, 11);

    // Sub-rectangle uploads with padded rows and slices, through vkCmdCopyBufferToImage2.
    let up = [
        bic(9, 11, 8, color(0, 1, 2), [3, 2, 0], [7, 5, 1]),
        bic(3000, 6, 0, color(1, 3, 1), [1, 1, 0], [5, 3, 1]),
        bic(
            3300,
            0,
            3,
            color(2, 0, vk::REMAINING_ARRAY_LAYERS),
            [1, 0, 0],
            [2, 2, 1],
        ),
    ];
    let up_data = pattern(3400, 12);
    let src = data_buffer(&ctx, &up_data);
    for r in &up {
        model.upload(&up_data, r);
    }
    ctx.run(|cb| unsafe {
        let r2: Vec<_> = up.iter().map(bic2).collect();
        ctx.device.cmd_copy_buffer_to_image2(
            cb,
            &vk::CopyBufferToImageInfo2::default()
                .src_buffer(src.buffer)
                .dst_image(image)
                .dst_image_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
                .regions(&r2),
        );
    });

    // Downloads with other padding, with both forms; the padding must stay untouched.
    let down1 = [
        bic(6, 10, 9, color(0, 0, 4), [2, 1, 0], [9, 7, 1]),
        bic(2400, 0, 0, color(2, 0, 4), [0, 0, 0], [3, 2, 1]),
    ];
    let down2 = [bic(2500, 7, 5, color(1, 1, 3), [1, 0, 0], [4, 4, 1])];
    let dst = untouched_buffer(&ctx, 2800);
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_image_to_buffer(
            cb,
            image,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            dst.buffer,
            &down1,
        );
        let r2: Vec<_> = down2.iter().map(bic2).collect();
        ctx.device.cmd_copy_image_to_buffer2(
            cb,
            &vk::CopyImageToBufferInfo2::default()
                .src_image(image)
                .src_image_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)
                .dst_buffer(dst.buffer)
                .regions(&r2),
        );
    });
    let mut want = vec![UNTOUCHED; 2800];
    for r in down1.iter().chain(&down2) {
        model.download(&mut want, r);
    }
    assert!(dst.bytes() == &want[..]);

    // And the whole image.
    let (got, want) = read_back(&ctx, image, &model, vk::ImageAspectFlags::COLOR);
    assert!(got == want);
}

#[test]
fn buffer_image_round_trip_3d() {
    let ctx = Ctx::new();
    let format = vk::Format::R16G16B16_SFLOAT;
    let (image, _mem) = ctx.image(&image_info(vk::ImageType::TYPE_3D, format, [9, 7, 5], 2, 1));
    let model = Model::new(6, [9, 7, 5], true, 2, 1);
    let mut model = fill_image(&ctx, image, model, vk::ImageAspectFlags::COLOR, 21);

    let up = [
        bic(12, 12, 9, color(0, 0, 1), [2, 1, 1], [6, 5, 3]),
        bic(2400, 0, 0, color(1, 0, 1), [1, 2, 1], [3, 1, 1]),
    ];
    let up_data = pattern(2500, 22);
    let src = data_buffer(&ctx, &up_data);
    for r in &up {
        model.upload(&up_data, r);
    }
    ctx.run(|cb| unsafe {
        ctx.device
            .cmd_copy_buffer_to_image(cb, src.buffer, image, vk::ImageLayout::GENERAL, &up);
    });
    let down = [
        bic(0, 10, 8, color(0, 0, 1), [0, 0, 0], [9, 7, 5]),
        bic(3000, 5, 4, color(0, 0, 1), [3, 3, 2], [4, 3, 2]),
        bic(3300, 0, 0, color(1, 0, 1), [0, 0, 0], [4, 3, 2]),
    ];
    let dst = untouched_buffer(&ctx, 3500);
    ctx.run(|cb| unsafe {
        ctx.device
            .cmd_copy_image_to_buffer(cb, image, vk::ImageLayout::GENERAL, dst.buffer, &down);
    });
    let mut want = vec![UNTOUCHED; 3500];
    for r in &down {
        model.download(&mut want, r);
    }
    assert!(dst.bytes() == &want[..]);
}

// ---------------------------------------------------------------------------------------------
// Every format.

/// How a format's aspects are laid out in a buffer, written from the specification's format
/// table and its rules for depth/stencil copies.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    Color(usize),
    DepthStencil { depth: Option<Depth>, stencil: bool },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Depth {
    /// D16_UNORM: two bytes.
    D16,
    /// D24: a 32-bit word with the depth in its 24 low bits; the 8 high bits are undefined.
    D24,
    /// D32_SFLOAT: a float.
    D32,
}

fn layout_of(f: i32) -> Option<Layout> {
    use Layout::Color as C;
    Some(match f {
        1 => C(1),
        2..=8 => C(2),
        9..=15 => C(1),
        16..=22 => C(2),
        23..=36 => C(3),
        37..=57 => C(4),
        58..=69 => C(4),
        70..=76 => C(2),
        77..=83 => C(4),
        84..=90 => C(6),
        91..=97 => C(8),
        98..=100 => C(4),
        101..=103 => C(8),
        104..=106 => C(12),
        107..=109 => C(16),
        110..=112 => C(8),
        113..=115 => C(16),
        116..=118 => C(24),
        119..=121 => C(32),
        122 | 123 => C(4),
        124 => Layout::DepthStencil {
            depth: Some(Depth::D16),
            stencil: false,
        },
        125 => Layout::DepthStencil {
            depth: Some(Depth::D24),
            stencil: false,
        },
        126 => Layout::DepthStencil {
            depth: Some(Depth::D32),
            stencil: false,
        },
        127 => Layout::DepthStencil {
            depth: None,
            stencil: true,
        },
        128 => Layout::DepthStencil {
            depth: Some(Depth::D16),
            stencil: true,
        },
        129 => Layout::DepthStencil {
            depth: Some(Depth::D24),
            stencil: true,
        },
        130 => Layout::DepthStencil {
            depth: Some(Depth::D32),
            stencil: true,
        },
        1000340000 | 1000340001 => C(2),
        _ => return None,
    })
}

/// The aspects to copy one by one: (aspect, texel bytes in the buffer, depth kind).
fn aspects_of(l: Layout) -> Vec<(vk::ImageAspectFlags, usize, Option<Depth>)> {
    match l {
        Layout::Color(n) => vec![(vk::ImageAspectFlags::COLOR, n, None)],
        Layout::DepthStencil { depth, stencil } => {
            let mut v = Vec::new();
            if let Some(d) = depth {
                let n = if d == Depth::D16 { 2 } else { 4 };
                v.push((vk::ImageAspectFlags::DEPTH, n, Some(d)));
            }
            if stencil {
                v.push((vk::ImageAspectFlags::STENCIL, 1, None));
            }
            v
        }
    }
}

fn all_formats() -> impl Iterator<Item = vk::Format> {
    (1..=130)
        .chain([1000340000, 1000340001])
        .map(vk::Format::from_raw)
}

fn optimal_features(ctx: &Ctx, f: vk::Format) -> vk::FormatFeatureFlags {
    unsafe {
        ctx.instance
            .get_physical_device_format_properties(ctx.physical, f)
    }
    .optimal_tiling_features
}

/// Bytes for a depth aspect that the specification lets a copy keep unchanged: D32_SFLOAT values
/// inside [0, 1] (values outside may be clamped on upload).
fn depth_safe(mut data: Vec<u8>, d: Option<Depth>, seed: u64) -> Vec<u8> {
    if d == Some(Depth::D32) {
        let mut rng = Rng(seed | 1);
        for w in data.chunks_exact_mut(4) {
            let v = (rng.next() % 1_000_001) as f32 / 1_000_000.0;
            w.copy_from_slice(&v.to_le_bytes());
        }
    }
    data
}

/// Compares a depth/colour/stencil download with the expected bytes: D24 words by their low 24
/// bits only.
fn same_aspect_bytes(got: &[u8], want: &[u8], d: Option<Depth>) -> bool {
    if d == Some(Depth::D24) {
        got.len() == want.len()
            && got
                .chunks_exact(4)
                .zip(want.chunks_exact(4))
                .all(|(g, w)| g[..3] == w[..3])
    } else {
        got == want
    }
}

#[test]
fn every_transfer_format_round_trips_through_image_copy() {
    let ctx = Ctx::new();
    let extent = [6, 5, 1];
    let (mips, layers) = (2, 2);
    let mut tested = 0;
    for (i, format) in all_formats().enumerate() {
        let features = optimal_features(&ctx, format);
        let transfer = vk::FormatFeatureFlags::TRANSFER_SRC | vk::FormatFeatureFlags::TRANSFER_DST;
        if !features.contains(transfer) {
            continue;
        }
        let layout = layout_of(format.as_raw())
            .unwrap_or_else(|| panic!("{format:?} has no layout in this test"));
        tested += 1;
        let info = image_info(vk::ImageType::TYPE_2D, format, extent, mips, layers);
        let (src_img, _m1) = ctx.image(&info);
        let (dst_img, _m2) = ctx.image(&info);
        let aspects = aspects_of(layout);
        let mut models = Vec::new();
        let mut all_aspects = vk::ImageAspectFlags::empty();
        for (k, &(aspect, texel, depth)) in aspects.iter().enumerate() {
            all_aspects |= aspect;
            let mut model = Model::new(texel, extent, false, mips, layers);
            let (regions, size) = model.full_regions(aspect, 0);
            let data = depth_safe(
                pattern(size as usize, 1000 + i as u32 * 7 + k as u32),
                depth,
                i as u64 + 99,
            );
            let src = data_buffer(&ctx, &data);
            for r in &regions {
                model.upload(&data, r);
            }
            ctx.run(|cb| unsafe {
                ctx.device.cmd_copy_buffer_to_image(
                    cb,
                    src.buffer,
                    src_img,
                    vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                    &regions,
                );
            });
            models.push(model);
        }
        // One image copy per level, all aspects at once.
        let copies: Vec<_> = (0..mips)
            .map(|mip| vk::ImageCopy {
                src_subresource: sub_layers(all_aspects, mip, 0, layers),
                src_offset: off3([0, 0, 0]),
                dst_subresource: sub_layers(all_aspects, mip, 0, layers),
                dst_offset: off3([0, 0, 0]),
                extent: ext3(models[0].level_extent(mip)),
            })
            .collect();
        ctx.run(|cb| unsafe {
            ctx.device.cmd_copy_image(
                cb,
                src_img,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                dst_img,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &copies,
            );
        });
        for (&(aspect, _, depth), model) in aspects.iter().zip(&models) {
            let (got, want) = read_back(&ctx, dst_img, model, aspect);
            assert!(
                same_aspect_bytes(&got, &want, depth),
                "{format:?} {aspect:?}"
            );
        }
        unsafe {
            ctx.device.destroy_image(src_img, None);
            ctx.device.destroy_image(dst_img, None);
        }
    }
    // Everything but the 64-bit formats.
    assert!(tested >= 110, "only {tested} formats support transfers");
}

fn f16_eq(a: u16, b: u16) -> bool {
    let nan = |v: u16| v & 0x7c00 == 0x7c00 && v & 0x3ff != 0;
    a == b || (nan(a) && nan(b)) || (a | b) & 0x7fff == 0
}

fn f32_eq(a: u32, b: u32) -> bool {
    let (x, y) = (f32::from_bits(a), f32::from_bits(b));
    x == y || (x.is_nan() && y.is_nan())
}

/// An unsigned float with a 5-bit exponent and `m` mantissa bits, as a number (NaN as NaN).
fn ufloat(raw: u32, m: u32) -> f64 {
    let e = (raw >> m) & 31;
    let man = (raw & ((1 << m) - 1)) as f64 / (1u32 << m) as f64;
    match e {
        0 => man * 2f64.powi(-14),
        31 if man == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + man) * 2f64.powi(e as i32 - 15),
    }
}

fn num_eq(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// Texels equal as numbers for the float formats whose NaNs a blit may canonicalize.
fn float_texels_equal(format: i32, a: &[u8], b: &[u8]) -> Option<bool> {
    let sfloat16 = [76, 83, 90, 97];
    let sfloat32 = [100, 103, 106, 109];
    if sfloat16.contains(&format) {
        return Some(a.chunks_exact(2).zip(b.chunks_exact(2)).all(|(x, y)| {
            f16_eq(
                u16::from_le_bytes([x[0], x[1]]),
                u16::from_le_bytes([y[0], y[1]]),
            )
        }));
    }
    if sfloat32.contains(&format) {
        return Some(a.chunks_exact(4).zip(b.chunks_exact(4)).all(|(x, y)| {
            f32_eq(
                u32::from_le_bytes(x.try_into().unwrap()),
                u32::from_le_bytes(y.try_into().unwrap()),
            )
        }));
    }
    let word = |v: &[u8]| u32::from_le_bytes(v.try_into().unwrap());
    match format {
        // B10G11R11_UFLOAT_PACK32: R 11 bits at 0, G 11 bits at 11, B 10 bits at 22.
        122 => {
            let (x, y) = (word(a), word(b));
            Some(
                num_eq(ufloat(x & 0x7ff, 6), ufloat(y & 0x7ff, 6))
                    && num_eq(ufloat((x >> 11) & 0x7ff, 6), ufloat((y >> 11) & 0x7ff, 6))
                    && num_eq(ufloat(x >> 22, 5), ufloat(y >> 22, 5)),
            )
        }
        // E5B9G9R9_UFLOAT_PACK32: three 9-bit mantissas and a shared exponent.
        123 => {
            let rgb = |w: u32| {
                let scale = 2f64.powi((w >> 27) as i32 - 15 - 9);
                [0, 9, 18].map(|s| ((w >> s) & 0x1ff) as f64 * scale)
            };
            Some(rgb(word(a)) == rgb(word(b)))
        }
        _ => None,
    }
}

#[test]
fn every_blit_format_blits_one_to_one_unchanged() {
    let ctx = Ctx::new();
    let extent = [7, 5, 1];
    let mut tested = 0;
    for (i, format) in all_formats().enumerate() {
        let features = optimal_features(&ctx, format);
        let blit = vk::FormatFeatureFlags::BLIT_SRC | vk::FormatFeatureFlags::BLIT_DST;
        let Some(Layout::Color(texel)) = layout_of(format.as_raw()) else {
            continue;
        };
        if !features.contains(blit) {
            continue;
        }
        tested += 1;
        let info = image_info(vk::ImageType::TYPE_2D, format, extent, 1, 2);
        let (src_img, _m1) = ctx.image(&info);
        let (dst_img, _m2) = ctx.image(&info);
        let model = Model::new(texel, extent, false, 1, 2);
        let model = fill_image(
            &ctx,
            src_img,
            model,
            vk::ImageAspectFlags::COLOR,
            5000 + i as u32,
        );
        let region = vk::ImageBlit {
            src_subresource: color(0, 0, 2),
            src_offsets: [off3([0, 0, 0]), off3([7, 5, 1])],
            dst_subresource: color(0, 0, 2),
            dst_offsets: [off3([0, 0, 0]), off3([7, 5, 1])],
        };
        ctx.run(|cb| unsafe {
            ctx.device.cmd_blit_image(
                cb,
                src_img,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                dst_img,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &[region],
                vk::Filter::NEAREST,
            );
        });
        let (got, want) = read_back(&ctx, dst_img, &model, vk::ImageAspectFlags::COLOR);
        for (t, (g, w)) in got
            .chunks_exact(texel)
            .zip(want.chunks_exact(texel))
            .enumerate()
        {
            if g != w {
                let same = float_texels_equal(format.as_raw(), g, w);
                assert!(same == Some(true), "{format:?} texel {t}: {g:?} != {w:?}");
            }
        }
        unsafe {
            ctx.device.destroy_image(src_img, None);
            ctx.device.destroy_image(dst_img, None);
        }
    }
    assert!(tested >= 100, "only {tested} formats support blits");
}

// ---------------------------------------------------------------------------------------------
// Image copies.

#[test]
fn copy_image_between_formats_and_sub_rectangles() {
    let ctx = Ctx::new();
    let (a, _ma) = ctx.image(&image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::R8G8B8A8_UNORM,
        [10, 8, 1],
        2,
        3,
    ));
    let (b, _mb) = ctx.image(&image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::R32_UINT,
        [9, 11, 1],
        2,
        2,
    ));
    let ma = fill_image(
        &ctx,
        a,
        Model::new(4, [10, 8, 1], false, 2, 3),
        vk::ImageAspectFlags::COLOR,
        31,
    );
    let mut mb = fill_image(
        &ctx,
        b,
        Model::new(4, [9, 11, 1], false, 2, 2),
        vk::ImageAspectFlags::COLOR,
        32,
    );
    let regions = [
        // Whole-texel bytes, any formats of the same size: layers 1..3 of a to 0..2 of b.
        vk::ImageCopy {
            src_subresource: color(0, 1, 2),
            src_offset: off3([2, 3, 0]),
            dst_subresource: color(0, 0, 2),
            dst_offset: off3([4, 1, 0]),
            extent: ext3([5, 4, 1]),
        },
        vk::ImageCopy {
            src_subresource: color(1, 0, 1),
            src_offset: off3([1, 1, 0]),
            dst_subresource: color(1, 1, 1),
            dst_offset: off3([0, 2, 0]),
            extent: ext3([4, 3, 1]),
        },
    ];
    let copy2: Vec<_> = regions
        .iter()
        .map(|r| {
            vk::ImageCopy2::default()
                .src_subresource(r.src_subresource)
                .src_offset(r.src_offset)
                .dst_subresource(r.dst_subresource)
                .dst_offset(r.dst_offset)
                .extent(r.extent)
        })
        .collect();
    // The first region through vkCmdCopyImage, the second through vkCmdCopyImage2.
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_image(
            cb,
            a,
            vk::ImageLayout::GENERAL,
            b,
            vk::ImageLayout::GENERAL,
            &regions[..1],
        );
        ctx.device.cmd_copy_image2(
            cb,
            &vk::CopyImageInfo2::default()
                .src_image(a)
                .src_image_layout(vk::ImageLayout::GENERAL)
                .dst_image(b)
                .dst_image_layout(vk::ImageLayout::GENERAL)
                .regions(&copy2[1..]),
        );
    });
    let mut ma = ma;
    for r in &regions {
        let n = r.src_subresource.layer_count;
        for l in 0..n {
            for y in 0..r.extent.height {
                for x in 0..r.extent.width {
                    let t = ma
                        .texel_mut(
                            r.src_subresource.mip_level,
                            r.src_subresource.base_array_layer + l,
                            r.src_offset.x as u32 + x,
                            r.src_offset.y as u32 + y,
                            0,
                        )
                        .to_vec();
                    mb.texel_mut(
                        r.dst_subresource.mip_level,
                        r.dst_subresource.base_array_layer + l,
                        r.dst_offset.x as u32 + x,
                        r.dst_offset.y as u32 + y,
                        0,
                    )
                    .copy_from_slice(&t);
                }
            }
        }
    }
    let (got, want) = read_back(&ctx, b, &mb, vk::ImageAspectFlags::COLOR);
    assert!(got == want);
    // The source is unchanged.
    let (got, want) = read_back(&ctx, a, &ma, vk::ImageAspectFlags::COLOR);
    assert!(got == want);
}

#[test]
fn copy_image_3d_slices_to_array_layers() {
    let ctx = Ctx::new();
    let (a, _ma) = ctx.image(&image_info(
        vk::ImageType::TYPE_3D,
        vk::Format::R16_UINT,
        [6, 4, 5],
        1,
        1,
    ));
    let (b, _mb) = ctx.image(&image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::R8G8_UNORM,
        [6, 4, 1],
        1,
        3,
    ));
    let mut ma = fill_image(
        &ctx,
        a,
        Model::new(2, [6, 4, 5], true, 1, 1),
        vk::ImageAspectFlags::COLOR,
        41,
    );
    let mut mb = fill_image(
        &ctx,
        b,
        Model::new(2, [6, 4, 1], false, 1, 3),
        vk::ImageAspectFlags::COLOR,
        42,
    );
    // Depth slices 1..4 of the 3-D image go to layers 0..3.
    let r = vk::ImageCopy {
        src_subresource: color(0, 0, 1),
        src_offset: off3([1, 0, 1]),
        dst_subresource: color(0, 0, 3),
        dst_offset: off3([0, 1, 0]),
        extent: ext3([4, 3, 3]),
    };
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_image(
            cb,
            a,
            vk::ImageLayout::GENERAL,
            b,
            vk::ImageLayout::GENERAL,
            &[r],
        );
    });
    for z in 0..3 {
        for y in 0..3 {
            for x in 0..4 {
                let t = ma.texel_mut(0, 0, 1 + x, y, 1 + z).to_vec();
                mb.texel_mut(0, z, x, 1 + y, 0).copy_from_slice(&t);
            }
        }
    }
    let (got, want) = read_back(&ctx, b, &mb, vk::ImageAspectFlags::COLOR);
    assert!(got == want);
}

// ---------------------------------------------------------------------------------------------
// Clears.

fn unorm(x: f64, bits: u32) -> u32 {
    (x * ((1u64 << bits) - 1) as f64).round() as u32
}

fn srgb_encode(linear: f64) -> f64 {
    if linear <= 0.0031308 {
        linear * 12.92
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    }
}

fn srgb_decode(s: f64) -> f64 {
    if s <= 0.04045 {
        s / 12.92
    } else {
        ((s + 0.055) / 1.055).powf(2.4)
    }
}

struct ClearCase {
    format: vk::Format,
    texel: usize,
    value: vk::ClearColorValue,
    want: Vec<u8>,
    /// Largest difference allowed per byte (sRGB encodings may differ by one).
    tolerance: u8,
}

fn clear_cases() -> Vec<ClearCase> {
    let f = |v: [f32; 4]| vk::ClearColorValue { float32: v };
    let mut cases = Vec::new();
    cases.push(ClearCase {
        format: vk::Format::R8G8B8A8_UNORM,
        texel: 4,
        value: f([0.25, 0.5, 0.75, 1.0]),
        want: [0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|&x| unorm(x, 8) as u8)
            .collect(),
        tolerance: 0,
    });
    let v = [1.5f32, -2.25, 1e-7, 3e38];
    cases.push(ClearCase {
        format: vk::Format::R32G32B32A32_SFLOAT,
        texel: 16,
        value: f(v),
        want: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        tolerance: 0,
    });
    cases.push(ClearCase {
        format: vk::Format::R16G16_SINT,
        texel: 4,
        value: vk::ClearColorValue {
            int32: [-1234, 32767, 99, -5],
        },
        want: [-1234i16, 32767]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect(),
        tolerance: 0,
    });
    cases.push(ClearCase {
        format: vk::Format::R16G16B16A16_UINT,
        texel: 8,
        value: vk::ClearColorValue {
            uint32: [1, 65535, 300, 7],
        },
        want: [1u16, 65535, 300, 7]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect(),
        tolerance: 0,
    });
    // A2B10G10R10: R in bits 0..10, G 10..20, B 20..30, A 30..32.
    let c = [0.1, 0.2, 0.3, 0.6666667];
    let word =
        unorm(c[0], 10) | unorm(c[1], 10) << 10 | unorm(c[2], 10) << 20 | unorm(c[3], 2) << 30;
    cases.push(ClearCase {
        format: vk::Format::A2B10G10R10_UNORM_PACK32,
        texel: 4,
        value: f(c.map(|x| x as f32)),
        want: word.to_le_bytes().to_vec(),
        tolerance: 0,
    });
    // R5G6B5: R in bits 11..16, G 5..11, B 0..5.
    let word = (unorm(1.0, 5) << 11 | unorm(0.25, 6) << 5 | unorm(0.6, 5)) as u16;
    cases.push(ClearCase {
        format: vk::Format::R5G6B5_UNORM_PACK16,
        texel: 2,
        value: f([1.0, 0.25, 0.6, 0.0]),
        want: word.to_le_bytes().to_vec(),
        tolerance: 0,
    });
    // B8G8R8A8_SRGB: bytes B, G, R, A; colour through the sRGB encoding, alpha linear.
    let c = [0.2f64, 0.5, 0.8, 0.4];
    let s = |x: f64| unorm(srgb_encode(x), 8) as u8;
    cases.push(ClearCase {
        format: vk::Format::B8G8R8A8_SRGB,
        texel: 4,
        value: f(c.map(|x| x as f32)),
        want: vec![s(c[2]), s(c[1]), s(c[0]), unorm(c[3], 8) as u8],
        tolerance: 1,
    });
    cases
}

#[test]
fn clear_color_image_sub_ranges() {
    let ctx = Ctx::new();
    let extent = [5, 4, 1];
    for (i, case) in clear_cases().into_iter().enumerate() {
        let (image, _m) = ctx.image(&image_info(
            vk::ImageType::TYPE_2D,
            case.format,
            extent,
            3,
            3,
        ));
        let model = Model::new(case.texel, extent, false, 3, 3);
        let model = fill_image(
            &ctx,
            image,
            model,
            vk::ImageAspectFlags::COLOR,
            60 + i as u32,
        );
        let ranges = [
            vk::ImageSubresourceRange {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                base_mip_level: 1,
                level_count: vk::REMAINING_MIP_LEVELS,
                base_array_layer: 1,
                layer_count: 1,
            },
            vk::ImageSubresourceRange {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                base_mip_level: 0,
                level_count: 1,
                base_array_layer: 2,
                layer_count: vk::REMAINING_ARRAY_LAYERS,
            },
        ];
        ctx.run(|cb| unsafe {
            ctx.device.cmd_clear_color_image(
                cb,
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &case.value,
                &ranges,
            );
        });
        let mut cleared = model.clone();
        // Which texels the ranges cover, in the same order as the download.
        let mut mask = Model::new(1, extent, false, 3, 3);
        for (mip, layer) in [(1, 1), (2, 1), (0, 2)] {
            let e = model.level_extent(mip);
            for y in 0..e[1] {
                for x in 0..e[0] {
                    cleared
                        .texel_mut(mip, layer, x, y, 0)
                        .copy_from_slice(&case.want);
                    mask.texel_mut(mip, layer, x, y, 0)[0] = 1;
                }
            }
        }
        let (got, want) = read_back(&ctx, image, &cleared, vk::ImageAspectFlags::COLOR);
        let mut covered = Vec::new();
        for mip in 0..3 {
            covered.extend(mask.levels[mip].concat());
        }
        // Texels outside the ranges keep their bytes exactly; cleared ones within the tolerance.
        for (t, ((g, w), &c)) in got
            .chunks_exact(case.texel)
            .zip(want.chunks_exact(case.texel))
            .zip(&covered)
            .enumerate()
        {
            if c == 1 {
                let close = g
                    .iter()
                    .zip(w)
                    .all(|(&a, &b)| a.abs_diff(b) <= case.tolerance);
                assert!(close, "{:?} texel {t}: {g:?}, want {w:?}", case.format);
            } else {
                assert_eq!(g, w, "{:?} texel {t} was touched", case.format);
            }
        }
        unsafe { ctx.device.destroy_image(image, None) };
    }
}

#[test]
fn clear_depth_stencil_image_per_aspect() {
    let ctx = Ctx::new();
    let extent = [6, 4, 1];
    // D24_UNORM_S8_UINT: depth-only, stencil-only and both-aspect ranges.
    let (image, _m) = ctx.image(&image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::D24_UNORM_S8_UINT,
        extent,
        2,
        2,
    ));
    let depth = Model::new(4, extent, false, 2, 2);
    let mut depth = fill_image(&ctx, image, depth, vk::ImageAspectFlags::DEPTH, 71);
    let stencil = Model::new(1, extent, false, 2, 2);
    let mut stencil = fill_image(&ctx, image, stencil, vk::ImageAspectFlags::STENCIL, 72);
    let range = |aspect, mip, layer, layers| vk::ImageSubresourceRange {
        aspect_mask: aspect,
        base_mip_level: mip,
        level_count: 1,
        base_array_layer: layer,
        layer_count: layers,
    };
    use vk::ImageAspectFlags as A;
    ctx.run(|cb| unsafe {
        let l = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
        let v = |depth, stencil| vk::ClearDepthStencilValue { depth, stencil };
        ctx.device.cmd_clear_depth_stencil_image(
            cb,
            image,
            l,
            &v(0.375, 0xEE),
            &[range(A::DEPTH, 0, 0, 2)],
        );
        ctx.device.cmd_clear_depth_stencil_image(
            cb,
            image,
            l,
            &v(0.9, 0xA5),
            &[range(A::STENCIL, 1, 1, 1)],
        );
        ctx.device.cmd_clear_depth_stencil_image(
            cb,
            image,
            l,
            &v(1.0, 7),
            &[range(A::DEPTH | A::STENCIL, 1, 0, 1)],
        );
    });
    let d24 = |x: f64| unorm(x, 24).to_le_bytes();
    for layer in 0..2 {
        for y in 0..4 {
            for x in 0..6 {
                depth
                    .texel_mut(0, layer, x, y, 0)
                    .copy_from_slice(&d24(0.375));
            }
        }
    }
    for y in 0..2 {
        for x in 0..3 {
            stencil.texel_mut(1, 1, x, y, 0)[0] = 0xA5;
            depth.texel_mut(1, 0, x, y, 0).copy_from_slice(&d24(1.0));
            stencil.texel_mut(1, 0, x, y, 0)[0] = 7;
        }
    }
    let (got, want) = read_back(&ctx, image, &depth, A::DEPTH);
    assert!(
        same_aspect_bytes(&got, &want, Some(Depth::D24)),
        "D24 depth"
    );
    let (got, want) = read_back(&ctx, image, &stencil, A::STENCIL);
    assert!(got == want, "S8 stencil");

    // D32_SFLOAT: one level and layer of three cleared.
    let (image, _m) = ctx.image(&image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::D32_SFLOAT,
        extent,
        2,
        2,
    ));
    let mut model = Model::new(4, extent, false, 2, 2);
    let (regions, size) = model.full_regions(A::DEPTH, 0);
    let data = depth_safe(vec![0; size as usize], Some(Depth::D32), 73);
    let src = data_buffer(&ctx, &data);
    for r in &regions {
        model.upload(&data, r);
    }
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_buffer_to_image(
            cb,
            src.buffer,
            image,
            vk::ImageLayout::GENERAL,
            &regions,
        );
        ctx.device.cmd_clear_depth_stencil_image(
            cb,
            image,
            vk::ImageLayout::GENERAL,
            &vk::ClearDepthStencilValue {
                depth: 0.8125,
                stencil: 0,
            },
            &[range(A::DEPTH, 0, 1, 1), range(A::DEPTH, 1, 0, 1)],
        );
    });
    for (mip, layer) in [(0, 1), (1, 0)] {
        let e = model.level_extent(mip);
        for y in 0..e[1] {
            for x in 0..e[0] {
                model
                    .texel_mut(mip, layer, x, y, 0)
                    .copy_from_slice(&0.8125f32.to_le_bytes());
            }
        }
    }
    let (got, want) = read_back(&ctx, image, &model, A::DEPTH);
    assert!(got == want, "D32 depth");
}

// ---------------------------------------------------------------------------------------------
// Blits, against the specification's "Image Blits": for each destination texel centre the source
// coordinate is u = s0 + (x + 0.5 - d0) * (s1 - s0) / (d1 - d0); NEAREST reads floor(u), LINEAR
// interpolates the texel centres around u - 0.5, with clamp-to-edge addressing.

struct Rgba {
    w: u32,
    h: u32,
    px: Vec<[f64; 4]>,
}

impl Rgba {
    fn at(&self, x: i64, y: i64) -> [f64; 4] {
        let x = x.clamp(0, self.w as i64 - 1) as u32;
        let y = y.clamp(0, self.h as i64 - 1) as u32;
        self.px[(y * self.w + x) as usize]
    }
}

/// The destination texels (x, y, value) a 2-D blit writes.
fn blit_ref(
    src: &Rgba,
    s: [[i32; 2]; 2],
    d: [[i32; 2]; 2],
    linear: bool,
) -> Vec<(u32, u32, [f64; 4])> {
    let coord = |a: usize, x: i32| {
        let (s0, s1, d0, d1) = (
            s[0][a] as f64,
            s[1][a] as f64,
            d[0][a] as f64,
            d[1][a] as f64,
        );
        s0 + (x as f64 + 0.5 - d0) * (s1 - s0) / (d1 - d0)
    };
    let mut out = Vec::new();
    for y in d[0][1].min(d[1][1])..d[0][1].max(d[1][1]) {
        for x in d[0][0].min(d[1][0])..d[0][0].max(d[1][0]) {
            let (u, v) = (coord(0, x), coord(1, y));
            let value = if linear {
                let (u, v) = (u - 0.5, v - 0.5);
                let (i, j) = (u.floor(), v.floor());
                let (a, b) = (u - i, v - j);
                let (i, j) = (i as i64, j as i64);
                let mut acc = [0.0; 4];
                for (dx, dy, w) in [
                    (0, 0, (1.0 - a) * (1.0 - b)),
                    (1, 0, a * (1.0 - b)),
                    (0, 1, (1.0 - a) * b),
                    (1, 1, a * b),
                ] {
                    let t = src.at(i + dx, j + dy);
                    for c in 0..4 {
                        acc[c] += t[c] * w;
                    }
                }
                acc
            } else {
                src.at(u.floor() as i64, v.floor() as i64)
            };
            out.push((x as u32, y as u32, value));
        }
    }
    out
}

/// A 2-D single-level image of `format` with random contents; its bytes.
fn random_image(
    ctx: &Ctx,
    format: vk::Format,
    w: u32,
    h: u32,
    texel: usize,
    seed: u32,
) -> (vk::Image, Vec<u8>) {
    let (image, _mem) = ctx.image_2d(format, w, h);
    let model = fill_image(
        ctx,
        image,
        Model::new(texel, [w, h, 1], false, 1, 1),
        vk::ImageAspectFlags::COLOR,
        seed,
    );
    (image, model.levels[0][0].clone())
}

fn download_2d(ctx: &Ctx, image: vk::Image, w: u32, h: u32, texel: usize) -> Vec<u8> {
    let model = Model::new(texel, [w, h, 1], false, 1, 1);
    read_back(ctx, image, &model, vk::ImageAspectFlags::COLOR).0
}

fn unorm8_rgba(bytes: &[u8], w: u32, h: u32, srgb: bool) -> Rgba {
    let px = bytes
        .chunks_exact(4)
        .map(|t| {
            let v = |i: usize| t[i] as f64 / 255.0;
            let c = |i: usize| if srgb { srgb_decode(v(i)) } else { v(i) };
            [c(0), c(1), c(2), v(3)]
        })
        .collect();
    Rgba { w, h, px }
}

fn blit_region(s: [[i32; 2]; 2], d: [[i32; 2]; 2]) -> vk::ImageBlit {
    vk::ImageBlit {
        src_subresource: color(0, 0, 1),
        src_offsets: [off3([s[0][0], s[0][1], 0]), off3([s[1][0], s[1][1], 1])],
        dst_subresource: color(0, 0, 1),
        dst_offsets: [off3([d[0][0], d[0][1], 0]), off3([d[1][0], d[1][1], 1])],
    }
}

fn blit(
    ctx: &Ctx,
    src: vk::Image,
    dst: vk::Image,
    region: vk::ImageBlit,
    filter: vk::Filter,
    two: bool,
) {
    ctx.run(|cb| unsafe {
        if two {
            let r2 = [vk::ImageBlit2::default()
                .src_subresource(region.src_subresource)
                .src_offsets(region.src_offsets)
                .dst_subresource(region.dst_subresource)
                .dst_offsets(region.dst_offsets)];
            ctx.device.cmd_blit_image2(
                cb,
                &vk::BlitImageInfo2::default()
                    .src_image(src)
                    .src_image_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)
                    .dst_image(dst)
                    .dst_image_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
                    .regions(&r2)
                    .filter(filter),
            );
        } else {
            ctx.device.cmd_blit_image(
                cb,
                src,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                dst,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &[region],
                filter,
            );
        }
    });
}

/// Checks an RGBA8 UNORM destination against the reference: written texels within `tol` of
/// round(v * 255), the others unchanged from `before`.
fn check_unorm8(
    got: &[u8],
    before: &[u8],
    w: u32,
    expect: &[(u32, u32, [f64; 4])],
    tol: u8,
    what: &str,
) {
    let mut want = before.to_vec();
    let mut written = vec![false; got.len() / 4];
    for &(x, y, v) in expect {
        let i = (y * w + x) as usize;
        written[i] = true;
        for c in 0..4 {
            want[i * 4 + c] = (v[c] * 255.0).round() as u8;
        }
    }
    for (i, (g, wv)) in got.chunks_exact(4).zip(want.chunks_exact(4)).enumerate() {
        let ok = if written[i] {
            g.iter().zip(wv).all(|(&a, &b)| a.abs_diff(b) <= tol)
        } else {
            g == wv
        };
        assert!(
            ok,
            "{what}: texel ({}, {}) = {g:?}, want {wv:?}",
            i as u32 % w,
            i as u32 / w
        );
    }
}

#[test]
fn blit_downscale_linear() {
    let ctx = Ctx::new();
    let f = vk::Format::R8G8B8A8_UNORM;
    let (src, sb) = random_image(&ctx, f, 16, 12, 4, 81);
    let (dst, db) = random_image(&ctx, f, 8, 6, 4, 82);
    let s = [[0, 0], [16, 12]];
    let d = [[0, 0], [8, 6]];
    blit(&ctx, src, dst, blit_region(s, d), vk::Filter::LINEAR, false);
    let expect = blit_ref(&unorm8_rgba(&sb, 16, 12, false), s, d, true);
    check_unorm8(
        &download_2d(&ctx, dst, 8, 6, 4),
        &db,
        8,
        &expect,
        1,
        "2x linear downscale",
    );

    // A non-integer ratio into a sub-rectangle, with vkCmdBlitImage2.
    let s = [[1, 2], [14, 11]];
    let d = [[2, 1], [7, 5]];
    let before = download_2d(&ctx, dst, 8, 6, 4);
    blit(&ctx, src, dst, blit_region(s, d), vk::Filter::LINEAR, true);
    let expect = blit_ref(&unorm8_rgba(&sb, 16, 12, false), s, d, true);
    check_unorm8(
        &download_2d(&ctx, dst, 8, 6, 4),
        &before,
        8,
        &expect,
        1,
        "linear sub-rectangle",
    );
}

#[test]
fn blit_upscale_nearest_and_flips() {
    let ctx = Ctx::new();
    let f = vk::Format::R8G8B8A8_UNORM;
    let (src, sb) = random_image(&ctx, f, 5, 3, 4, 91);
    let (dst, db) = random_image(&ctx, f, 16, 10, 4, 92);
    let s = [[0, 0], [5, 3]];
    let d = [[2, 1], [15, 9]];
    blit(
        &ctx,
        src,
        dst,
        blit_region(s, d),
        vk::Filter::NEAREST,
        false,
    );
    let expect = blit_ref(&unorm8_rgba(&sb, 5, 3, false), s, d, false);
    check_unorm8(
        &download_2d(&ctx, dst, 16, 10, 4),
        &db,
        16,
        &expect,
        0,
        "nearest upscale",
    );

    // Flips, 1:1, exact: X by reversed destination offsets, Y by reversed source offsets.
    let (src, sb) = random_image(&ctx, f, 7, 5, 4, 93);
    let (dst, _) = random_image(&ctx, f, 7, 5, 4, 94);
    blit(
        &ctx,
        src,
        dst,
        blit_region([[0, 0], [7, 5]], [[7, 0], [0, 5]]),
        vk::Filter::NEAREST,
        true,
    );
    let got = download_2d(&ctx, dst, 7, 5, 4);
    for y in 0..5usize {
        for x in 0..7usize {
            let g = &got[(y * 7 + x) * 4..][..4];
            assert_eq!(g, &sb[(y * 7 + 6 - x) * 4..][..4], "x flip ({x}, {y})");
        }
    }
    blit(
        &ctx,
        src,
        dst,
        blit_region([[0, 5], [7, 0]], [[0, 0], [7, 5]]),
        vk::Filter::NEAREST,
        false,
    );
    let got = download_2d(&ctx, dst, 7, 5, 4);
    for y in 0..5usize {
        for x in 0..7usize {
            let g = &got[(y * 7 + x) * 4..][..4];
            assert_eq!(g, &sb[((4 - y) * 7 + x) * 4..][..4], "y flip ({x}, {y})");
        }
    }
    // Both flipped and scaled, against the reference.
    let (dst, db) = random_image(&ctx, f, 9, 9, 4, 95);
    let s = [[7, 5], [0, 0]];
    let d = [[1, 0], [9, 8]];
    blit(
        &ctx,
        src,
        dst,
        blit_region(s, d),
        vk::Filter::NEAREST,
        false,
    );
    let expect = blit_ref(&unorm8_rgba(&sb, 7, 5, false), s, d, false);
    check_unorm8(
        &download_2d(&ctx, dst, 9, 9, 4),
        &db,
        9,
        &expect,
        0,
        "flipped scaled",
    );
}

#[test]
fn blit_converts_formats() {
    let ctx = Ctx::new();
    // R8G8B8A8_UNORM → R32G32B32A32_SFLOAT: b / 255.
    let (src, sb) = random_image(&ctx, vk::Format::R8G8B8A8_UNORM, 6, 5, 4, 101);
    let rgba = unorm8_rgba(&sb, 6, 5, false);
    for (filter, s, d, tol) in [
        (
            vk::Filter::NEAREST,
            [[0, 0], [6, 5]],
            [[0, 0], [12, 10]],
            1e-6,
        ),
        (
            vk::Filter::LINEAR,
            [[0, 0], [6, 5]],
            [[1, 1], [11, 8]],
            1e-5,
        ),
    ] {
        let (dst, _) = random_image(&ctx, vk::Format::R32G32B32A32_SFLOAT, 12, 10, 16, 102);
        blit(
            &ctx,
            src,
            dst,
            blit_region(s, d),
            filter,
            filter == vk::Filter::LINEAR,
        );
        let got = download_2d(&ctx, dst, 12, 10, 16);
        for (x, y, v) in blit_ref(&rgba, s, d, filter == vk::Filter::LINEAR) {
            let t = &got[((y * 12 + x) * 16) as usize..][..16];
            for c in 0..4 {
                let g = f32::from_le_bytes(t[c * 4..c * 4 + 4].try_into().unwrap()) as f64;
                assert!(
                    (g - v[c]).abs() <= tol,
                    "{filter:?} ({x}, {y}) c{c}: {g} vs {}",
                    v[c]
                );
            }
        }
    }

    // B8G8R8A8_UNORM → R8G8B8A8_UNORM: the components keep their values, in the new order.
    let (src, sb) = random_image(&ctx, vk::Format::B8G8R8A8_UNORM, 6, 5, 4, 103);
    let (dst, _) = random_image(&ctx, vk::Format::R8G8B8A8_UNORM, 6, 5, 4, 104);
    blit(
        &ctx,
        src,
        dst,
        blit_region([[0, 0], [6, 5]], [[0, 0], [6, 5]]),
        vk::Filter::NEAREST,
        false,
    );
    let got = download_2d(&ctx, dst, 6, 5, 4);
    for (g, s) in got.chunks_exact(4).zip(sb.chunks_exact(4)) {
        assert_eq!(g, [s[2], s[1], s[0], s[3]]);
    }

    // R8G8B8A8_SRGB → R8G8B8A8_UNORM: decoded to linear, within one step.
    let (src, sb) = random_image(&ctx, vk::Format::R8G8B8A8_SRGB, 8, 6, 4, 105);
    let lin = unorm8_rgba(&sb, 8, 6, true);
    for (filter, d) in [
        (vk::Filter::NEAREST, [[0, 0], [8, 6]]),
        (vk::Filter::LINEAR, [[0, 0], [4, 3]]),
    ] {
        let (dst, db) = random_image(&ctx, vk::Format::R8G8B8A8_UNORM, 8, 6, 4, 106);
        let s = [[0, 0], [8, 6]];
        blit(&ctx, src, dst, blit_region(s, d), filter, false);
        let expect = blit_ref(&lin, s, d, filter == vk::Filter::LINEAR);
        check_unorm8(
            &download_2d(&ctx, dst, 8, 6, 4),
            &db,
            8,
            &expect,
            1,
            "sRGB to UNORM",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Secondary command buffers.

#[test]
fn secondary_command_buffer_copies() {
    let ctx = Ctx::new();
    let data = pattern(512, 111);
    let a = data_buffer(&ctx, &data);
    let b = untouched_buffer(&ctx, 512);
    let secondary = unsafe {
        ctx.device.allocate_command_buffers(
            &vk::CommandBufferAllocateInfo::default()
                .command_pool(ctx.pool)
                .level(vk::CommandBufferLevel::SECONDARY)
                .command_buffer_count(1),
        )
    }
    .unwrap()[0];
    unsafe {
        let inheritance = vk::CommandBufferInheritanceInfo::default();
        ctx.device
            .begin_command_buffer(
                secondary,
                &vk::CommandBufferBeginInfo::default()
                    .flags(vk::CommandBufferUsageFlags::SIMULTANEOUS_USE)
                    .inheritance_info(&inheritance),
            )
            .unwrap();
        ctx.device.cmd_copy_buffer(
            secondary,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 7,
                dst_offset: 13,
                size: 301,
            }],
        );
        ctx.device.end_command_buffer(secondary).unwrap();
    }
    ctx.run(|cb| unsafe {
        ctx.device.cmd_fill_buffer(cb, b.buffer, 0, 40, 0x0101_0101);
        ctx.device.cmd_execute_commands(cb, &[secondary]);
        ctx.device
            .cmd_update_buffer(cb, b.buffer, 16, &[9, 9, 9, 9]);
    });
    let mut want = vec![UNTOUCHED; 512];
    want[..40].fill(1);
    want[13..314].copy_from_slice(&data[7..308]);
    want[16..20].fill(9);
    assert!(b.bytes() == &want[..]);
    // Executed again from another primary: the recording is reused.
    b.bytes().fill(0);
    ctx.run(|cb| unsafe { ctx.device.cmd_execute_commands(cb, &[secondary]) });
    assert!(b.bytes()[13..314] == data[7..308]);
    assert!(b.bytes()[..13]
        .iter()
        .chain(&b.bytes()[314..])
        .all(|&x| x == 0));
    unsafe { ctx.device.free_command_buffers(ctx.pool, &[secondary]) };
}

// ---------------------------------------------------------------------------------------------
// Bad input.

#[test]
fn out_of_range_regions_write_nothing() {
    let ctx = Ctx::new();
    let data = pattern(256, 121);
    let a = data_buffer(&ctx, &data);
    let b = untouched_buffer(&ctx, 256);
    let (image, _m) = ctx.image_2d(vk::Format::R8G8B8A8_UNORM, 8, 8);
    let model = fill_image(
        &ctx,
        image,
        Model::new(4, [8, 8, 1], false, 1, 1),
        vk::ImageAspectFlags::COLOR,
        122,
    );
    ctx.run(|cb| unsafe {
        // A good region with a bad one: the whole command is skipped.
        ctx.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[
                vk::BufferCopy {
                    src_offset: 0,
                    dst_offset: 0,
                    size: 16,
                },
                vk::BufferCopy {
                    src_offset: 200,
                    dst_offset: 0,
                    size: 100,
                },
            ],
        );
        ctx.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 250,
                size: 7,
            }],
        );
        ctx.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: u64::MAX - 3,
                dst_offset: 0,
                size: 8,
            }],
        );
        ctx.device.cmd_fill_buffer(cb, b.buffer, 252, 8, 0);
        ctx.device
            .cmd_update_buffer(cb, b.buffer, 254, &[1, 2, 3, 4]);
        // Image regions past the image or the buffer.
        ctx.device.cmd_copy_image_to_buffer(
            cb,
            image,
            vk::ImageLayout::GENERAL,
            b.buffer,
            &[bic(4, 0, 0, color(0, 0, 1), [0, 0, 0], [8, 8, 1])],
        );
        ctx.device.cmd_copy_image_to_buffer(
            cb,
            image,
            vk::ImageLayout::GENERAL,
            b.buffer,
            &[bic(0, 0, 0, color(0, 0, 1), [4, 0, 0], [8, 1, 1])],
        );
        ctx.device.cmd_copy_buffer_to_image(
            cb,
            a.buffer,
            image,
            vk::ImageLayout::GENERAL,
            &[bic(0, 0, 0, color(1, 0, 1), [0, 0, 0], [1, 1, 1])],
        );
        ctx.device.cmd_copy_buffer_to_image(
            cb,
            a.buffer,
            image,
            vk::ImageLayout::GENERAL,
            &[bic(4, 0, 0, color(0, 0, 1), [0, 0, 0], [8, 8, 1])],
        );
        // A good command after the bad ones still runs.
        ctx.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 100,
                dst_offset: 100,
                size: 5,
            }],
        );
    });
    let mut want = vec![UNTOUCHED; 256];
    want[100..105].copy_from_slice(&data[100..105]);
    assert!(b.bytes() == &want[..]);
    let (got, want) = read_back(&ctx, image, &model, vk::ImageAspectFlags::COLOR);
    assert!(got == want, "the image was written");
    // The device keeps working.
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: 256,
            }],
        );
    });
    assert!(b.bytes() == &data[..]);
}

#[test]
fn unsupported_or_huge_images_fail_cleanly() {
    let ctx = Ctx::new();
    let create = |info: &vk::ImageCreateInfo| unsafe { ctx.device.create_image(info, None) };
    let bc1 = image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::BC1_RGB_UNORM_BLOCK,
        [16, 16, 1],
        1,
        1,
    );
    assert_eq!(
        create(&bc1).err(),
        Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)
    );
    let r64 = image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::R64_UINT,
        [16, 16, 1],
        1,
        1,
    );
    if !optimal_features(&ctx, vk::Format::R64_UINT).contains(vk::FormatFeatureFlags::TRANSFER_DST)
    {
        assert_eq!(
            create(&r64).err(),
            Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)
        );
    }
    let f = vk::Format::R8G8B8A8_UNORM;
    if !optimal_features(&ctx, f).contains(vk::FormatFeatureFlags::SAMPLED_IMAGE) {
        let sampled = image_info(vk::ImageType::TYPE_2D, f, [16, 16, 1], 1, 1)
            .usage(vk::ImageUsageFlags::SAMPLED);
        assert_eq!(
            create(&sampled).err(),
            Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)
        );
        let q = unsafe {
            ctx.instance.get_physical_device_image_format_properties(
                ctx.physical,
                f,
                vk::ImageType::TYPE_2D,
                vk::ImageTiling::OPTIMAL,
                vk::ImageUsageFlags::SAMPLED,
                vk::ImageCreateFlags::empty(),
            )
        };
        assert_eq!(q.err(), Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED));
    }
    // 16384 x 16384 x 2048 layers x 16 bytes = 8 TiB.
    let huge = image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::R32G32B32A32_SFLOAT,
        [16384, 16384, 1],
        1,
        2048,
    );
    assert!(create(&huge).is_err());
    // Past the limits too.
    let wide = image_info(vk::ImageType::TYPE_2D, f, [1 << 20, 1, 1], 1, 1);
    assert!(create(&wide).is_err());
    // The device still works.
    let (image, _m) = ctx.image_2d(f, 4, 4);
    let model = fill_image(
        &ctx,
        image,
        Model::new(4, [4, 4, 1], false, 1, 1),
        vk::ImageAspectFlags::COLOR,
        131,
    );
    let (got, want) = read_back(&ctx, image, &model, vk::ImageAspectFlags::COLOR);
    assert!(got == want);
}

// ---------------------------------------------------------------------------------------------
// More blits: mip chains in one image, 3-D images, signed and sRGB destinations.

#[test]
fn blit_generates_mip_chain_in_place() {
    let ctx = Ctx::new();
    let (mips, layers) = (5, 2);
    let (image, _m) = ctx.image(&image_info(
        vk::ImageType::TYPE_2D,
        vk::Format::R8G8B8A8_UNORM,
        [16, 12, 1],
        mips,
        layers,
    ));
    let model = Model::new(4, [16, 12, 1], false, mips, layers);
    let model = fill_image(&ctx, image, model, vk::ImageAspectFlags::COLOR, 141);
    ctx.run(|cb| unsafe {
        for mip in 1..mips {
            let e = |m: u32| [(16 >> m).max(1) as i32, (12 >> m).max(1) as i32];
            let region = vk::ImageBlit {
                src_subresource: color(mip - 1, 0, layers),
                src_offsets: [off3([0, 0, 0]), off3([e(mip - 1)[0], e(mip - 1)[1], 1])],
                dst_subresource: color(mip, 0, layers),
                dst_offsets: [off3([0, 0, 0]), off3([e(mip)[0], e(mip)[1], 1])],
            };
            ctx.device.cmd_blit_image(
                cb,
                image,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &[region],
                vk::Filter::LINEAR,
            );
        }
    });
    // Each level against the reference computed from the level above as the driver left it.
    let (got, _) = read_back(&ctx, image, &model, vk::ImageAspectFlags::COLOR);
    let mut at = 0;
    let mut downloaded = Vec::new();
    for mip in 0..mips {
        let e = model.level_extent(mip);
        let n = (e[0] * e[1]) as usize * 4;
        downloaded.push(
            (0..layers as usize)
                .map(|l| got[at + l * n..at + (l + 1) * n].to_vec())
                .collect::<Vec<_>>(),
        );
        at += n * layers as usize;
    }
    assert_eq!(downloaded[0][1], model.levels[0][1], "level 0 changed");
    for mip in 1..mips {
        let (p, e) = (model.level_extent(mip - 1), model.level_extent(mip));
        for layer in 0..layers as usize {
            let src = unorm8_rgba(&downloaded[mip as usize - 1][layer], p[0], p[1], false);
            let s = [[0, 0], [p[0] as i32, p[1] as i32]];
            let d = [[0, 0], [e[0] as i32, e[1] as i32]];
            let expect = blit_ref(&src, s, d, true);
            let before = vec![0u8; downloaded[mip as usize][layer].len()];
            check_unorm8(
                &downloaded[mip as usize][layer],
                &before,
                e[0],
                &expect,
                1,
                &format!("mip {mip} layer {layer}"),
            );
        }
    }
}

#[test]
fn blit_3d_linear_downscale() {
    let ctx = Ctx::new();
    let f = vk::Format::R32G32B32A32_SFLOAT;
    let (src, _ms) = ctx.image(&image_info(vk::ImageType::TYPE_3D, f, [4, 4, 4], 1, 1));
    let (dst, _md) = ctx.image(&image_info(vk::ImageType::TYPE_3D, f, [2, 2, 2], 1, 1));
    // Values in [0, 1) as floats.
    let mut rng = Rng(151);
    let values: Vec<f32> = (0..4 * 4 * 4 * 4)
        .map(|_| (rng.next() % 1000) as f32 / 1000.0)
        .collect();
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let buf = data_buffer(&ctx, &bytes);
    let region = vk::ImageBlit {
        src_subresource: color(0, 0, 1),
        src_offsets: [off3([0, 0, 0]), off3([4, 4, 4])],
        dst_subresource: color(0, 0, 1),
        dst_offsets: [off3([0, 0, 0]), off3([2, 2, 2])],
    };
    ctx.run(|cb| unsafe {
        ctx.device.cmd_copy_buffer_to_image(
            cb,
            buf.buffer,
            src,
            vk::ImageLayout::GENERAL,
            &[bic(0, 0, 0, color(0, 0, 1), [0, 0, 0], [4, 4, 4])],
        );
        ctx.device.cmd_blit_image(
            cb,
            src,
            vk::ImageLayout::GENERAL,
            dst,
            vk::ImageLayout::GENERAL,
            &[region],
            vk::Filter::LINEAR,
        );
    });
    let model = Model::new(16, [2, 2, 2], true, 1, 1);
    let (got, _) = read_back(&ctx, dst, &model, vk::ImageAspectFlags::COLOR);
    // A 2x linear downscale on every axis averages 2x2x2 blocks.
    for z in 0..2 {
        for y in 0..2 {
            for x in 0..2 {
                for c in 0..4 {
                    let mut sum = 0.0f64;
                    for (dx, dy, dz) in (0..8).map(|i| (i & 1, (i >> 1) & 1, i >> 2)) {
                        let (sx, sy, sz) = (2 * x + dx, 2 * y + dy, 2 * z + dz);
                        sum += values[((sz * 16 + sy * 4 + sx) * 4 + c) as usize] as f64;
                    }
                    let i = (((z * 2 + y) * 2 + x) * 16 + c * 4) as usize;
                    let g = f32::from_le_bytes(got[i..i + 4].try_into().unwrap()) as f64;
                    assert!(
                        (g - sum / 8.0).abs() < 1e-5,
                        "({x}, {y}, {z}) c{c}: {g} vs {}",
                        sum / 8.0
                    );
                }
            }
        }
    }
}

#[test]
fn blit_signed_and_srgb_destinations() {
    let ctx = Ctx::new();
    // R8G8B8A8_SNORM → R32G32B32A32_SFLOAT: max(b / 127, -1).
    let (src, sb) = random_image(&ctx, vk::Format::R8G8B8A8_SNORM, 5, 4, 4, 161);
    let (dst, _) = random_image(&ctx, vk::Format::R32G32B32A32_SFLOAT, 5, 4, 16, 162);
    blit(
        &ctx,
        src,
        dst,
        blit_region([[0, 0], [5, 4]], [[0, 0], [5, 4]]),
        vk::Filter::NEAREST,
        false,
    );
    let got = download_2d(&ctx, dst, 5, 4, 16);
    for (i, &b) in sb.iter().enumerate() {
        let want = (b as i8 as f64 / 127.0).max(-1.0);
        let g = f32::from_le_bytes(got[i * 4..i * 4 + 4].try_into().unwrap()) as f64;
        assert!((g - want).abs() <= 1e-6, "component {i}: {g} vs {want}");
    }
    // R8G8B8A8_UINT → R16G16B16A16_UINT: integer values kept.
    let (src, sb) = random_image(&ctx, vk::Format::R8G8B8A8_UINT, 5, 4, 4, 163);
    let (dst, _) = random_image(&ctx, vk::Format::R16G16B16A16_UINT, 5, 4, 8, 164);
    blit(
        &ctx,
        src,
        dst,
        blit_region([[0, 0], [5, 4]], [[0, 0], [5, 4]]),
        vk::Filter::NEAREST,
        true,
    );
    let got = download_2d(&ctx, dst, 5, 4, 8);
    for (i, &b) in sb.iter().enumerate() {
        assert_eq!(
            u16::from_le_bytes([got[i * 2], got[i * 2 + 1]]),
            b as u16,
            "component {i}"
        );
    }
    // R8G8B8A8_UNORM → R8G8B8A8_SRGB: encoded with the sRGB curve, alpha kept; within one step.
    let (src, sb) = random_image(&ctx, vk::Format::R8G8B8A8_UNORM, 5, 4, 4, 165);
    let (dst, _) = random_image(&ctx, vk::Format::R8G8B8A8_SRGB, 5, 4, 4, 166);
    blit(
        &ctx,
        src,
        dst,
        blit_region([[0, 0], [5, 4]], [[0, 0], [5, 4]]),
        vk::Filter::NEAREST,
        false,
    );
    let got = download_2d(&ctx, dst, 5, 4, 4);
    for (i, (&g, &s)) in got.iter().zip(&sb).enumerate() {
        let v = s as f64 / 255.0;
        let want = if i % 4 == 3 {
            s
        } else {
            unorm(srgb_encode(v), 8) as u8
        };
        assert!(g.abs_diff(want) <= 1, "component {i}: {g} vs {want}");
    }
}

// ---------------------------------------------------------------------------------------------
// Resources bound at offsets inside a shared allocation.

#[test]
fn resources_at_memory_offsets_stay_inside_their_ranges() {
    let ctx = Ctx::new();
    unsafe {
        let d = &ctx.device;
        let memory = d
            .allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(8192)
                    .memory_type_index(0),
                None,
            )
            .unwrap();
        let base = d
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap() as *mut u8;
        let all = std::slice::from_raw_parts_mut(base, 8192);
        all.fill(UNTOUCHED);
        let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
        let buffer = |size| {
            d.create_buffer(
                &vk::BufferCreateInfo::default().size(size).usage(usage),
                None,
            )
            .unwrap()
        };
        let (src, dst) = (buffer(300), buffer(300));
        d.bind_buffer_memory(src, memory, 256).unwrap();
        d.bind_buffer_memory(dst, memory, 1024).unwrap();
        let image = d
            .create_image(
                &image_info(
                    vk::ImageType::TYPE_2D,
                    vk::Format::R8G8B8A8_UNORM,
                    [6, 5, 1],
                    2,
                    2,
                ),
                None,
            )
            .unwrap();
        let req = d.get_image_memory_requirements(image);
        let image_at = 4096u64;
        assert!(image_at % req.alignment == 0 && image_at + req.size <= 8192);
        d.bind_image_memory(image, memory, image_at).unwrap();
        let data = pattern(300, 171);
        all[256..556].copy_from_slice(&data);
        let region = bic(4, 7, 0, color(1, 1, 1), [0, 0, 0], [3, 2, 1]);
        ctx.run(|cb| {
            d.cmd_fill_buffer(cb, dst, 0, vk::WHOLE_SIZE, 0x5555_5555);
            d.cmd_copy_buffer_to_image(cb, src, image, vk::ImageLayout::GENERAL, &[region]);
            d.cmd_copy_image_to_buffer(cb, image, vk::ImageLayout::GENERAL, dst, &[region]);
            d.cmd_clear_color_image(
                cb,
                image,
                vk::ImageLayout::GENERAL,
                &vk::ClearColorValue { float32: [1.0; 4] },
                &[vk::ImageSubresourceRange {
                    aspect_mask: vk::ImageAspectFlags::COLOR,
                    base_mip_level: 0,
                    level_count: vk::REMAINING_MIP_LEVELS,
                    base_array_layer: 0,
                    layer_count: vk::REMAINING_ARRAY_LAYERS,
                }],
            );
        });
        let mut want = vec![UNTOUCHED; 8192];
        want[256..556].copy_from_slice(&data);
        want[1024..1324].fill(0x55);
        // The region's rows: 3 texels out of every 7.
        for y in 0..2 {
            let o = 4 + y * 28;
            want[1024 + o..1024 + o + 12].copy_from_slice(&data[o..o + 12]);
        }
        let image_size = req.size.min(8192 - image_at) as usize;
        let got = all.to_vec();
        // The image's own bytes are its business; everything around it must be as written.
        assert!(
            got[..image_at as usize] == want[..image_at as usize],
            "around the buffers"
        );
        assert!(
            got[image_at as usize + image_size..] == want[image_at as usize + image_size..],
            "after the image"
        );
        d.destroy_image(image, None);
        d.destroy_buffer(src, None);
        d.destroy_buffer(dst, None);
        d.unmap_memory(memory);
        d.free_memory(memory, None);
    }
}

/// The UINT and SINT colour formats among 1..=130.
fn is_integer(f: i32) -> bool {
    [
        13, 14, 20, 21, 27, 28, 34, 35, 41, 42, 48, 49, 55, 56, 62, 63, 68, 69, 74, 75, 81, 82, 88,
        89, 95, 96,
    ]
    .contains(&f)
        || (98..=121).contains(&f) && !matches!(f, 100 | 103 | 106 | 109 | 112 | 115 | 118 | 121)
}

/// VUID-vkCmdBlitImage-filter-02001: a linear blit needs SAMPLED_IMAGE_FILTER_LINEAR on the
/// source format. Every blittable colour format but the integer ones is filtered by the driver,
/// so it must say so; integer formats must not. (Depth formats carry the bit for linear
/// sampling, e.g. percentage-closer filtering; blits of depth/stencil images are nearest only
/// by VUID-vkCmdBlitImage-srcImage-00232, whatever the bit says.)
#[test]
fn linear_blit_support_is_advertised() {
    let ctx = Ctx::new();
    for format in all_formats() {
        let features = optimal_features(&ctx, format);
        if !features.contains(vk::FormatFeatureFlags::BLIT_SRC)
            || !matches!(layout_of(format.as_raw()), Some(Layout::Color(_)))
        {
            continue;
        }
        let linear = features.contains(vk::FormatFeatureFlags::SAMPLED_IMAGE_FILTER_LINEAR);
        let filterable = matches!(layout_of(format.as_raw()), Some(Layout::Color(_)))
            && !is_integer(format.as_raw());
        assert_eq!(linear, filterable, "{format:?}");
    }
}

#[test]
fn buffer_image_round_trip_1d_array() {
    let ctx = Ctx::new();
    let extent = [17, 1, 1];
    let (image, _m) = ctx.image(&image_info(
        vk::ImageType::TYPE_1D,
        vk::Format::R32G32_SFLOAT,
        extent,
        3,
        3,
    ));
    let model = Model::new(8, extent, false, 3, 3);
    let mut model = fill_image(&ctx, image, model, vk::ImageAspectFlags::COLOR, 181);
    let up = [
        bic(16, 20, 2, color(0, 1, 2), [3, 0, 0], [11, 1, 1]),
        bic(800, 0, 0, color(2, 0, 3), [1, 0, 0], [3, 1, 1]),
    ];
    let data = pattern(900, 182);
    let src = data_buffer(&ctx, &data);
    for r in &up {
        model.upload(&data, r);
    }
    let down = [
        bic(8, 9, 3, color(1, 0, 3), [0, 0, 0], [8, 1, 1]),
        bic(1000, 0, 0, color(0, 0, 3), [0, 0, 0], [17, 1, 1]),
    ];
    let dst = untouched_buffer(&ctx, 1500);
    ctx.run(|cb| unsafe {
        ctx.device
            .cmd_copy_buffer_to_image(cb, src.buffer, image, vk::ImageLayout::GENERAL, &up);
        ctx.device
            .cmd_copy_image_to_buffer(cb, image, vk::ImageLayout::GENERAL, dst.buffer, &down);
    });
    let mut want = vec![UNTOUCHED; 1500];
    for r in &down {
        model.download(&mut want, r);
    }
    assert!(dst.bytes() == &want[..]);
}

#[test]
fn blit_depth_stencil_nearest_flip() {
    let ctx = Ctx::new();
    let extent = [6, 4, 1];
    let f = vk::Format::D24_UNORM_S8_UINT;
    let (src, _ms) = ctx.image(&image_info(vk::ImageType::TYPE_2D, f, extent, 1, 1));
    let (dst, _md) = ctx.image(&image_info(vk::ImageType::TYPE_2D, f, extent, 1, 1));
    let depth = fill_image(
        &ctx,
        src,
        Model::new(4, extent, false, 1, 1),
        vk::ImageAspectFlags::DEPTH,
        191,
    );
    let stencil = fill_image(
        &ctx,
        src,
        Model::new(1, extent, false, 1, 1),
        vk::ImageAspectFlags::STENCIL,
        192,
    );
    let both = vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL;
    let region = vk::ImageBlit {
        src_subresource: sub_layers(both, 0, 0, 1),
        src_offsets: [off3([0, 0, 0]), off3([6, 4, 1])],
        dst_subresource: sub_layers(both, 0, 0, 1),
        dst_offsets: [off3([6, 0, 0]), off3([0, 4, 1])],
    };
    ctx.run(|cb| unsafe {
        ctx.device.cmd_blit_image(
            cb,
            src,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            dst,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
            &[region],
            vk::Filter::NEAREST,
        );
    });
    for (model, aspect, d) in [
        (depth, vk::ImageAspectFlags::DEPTH, Some(Depth::D24)),
        (stencil, vk::ImageAspectFlags::STENCIL, None),
    ] {
        let mut flipped = model.clone();
        for y in 0..4 {
            for x in 0..6 {
                flipped
                    .texel_mut(0, 0, x, y, 0)
                    .copy_from_slice(model.texel(0, 0, 5 - x, y, 0));
            }
        }
        let (got, want) = read_back(&ctx, dst, &flipped, aspect);
        assert!(same_aspect_bytes(&got, &want, d), "{aspect:?}");
    }
}
