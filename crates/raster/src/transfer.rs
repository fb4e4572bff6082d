//! Transfer operations on device memory: buffer and image copies, fills, clears and blits.
//!
//! These work on byte offsets into [`DeviceMemory`] and on [`ImageLayout`]s; the Vulkan layer
//! validates and converts its structures into the region types here.
//!
//! Every operation checks all of its regions against the resources first and returns
//! [`TransferError`] without writing anything when one reaches outside them (or is otherwise
//! something the Vulkan specification forbids and that would leave the copy undefined: a zero
//! extent, mismatched layer counts, incompatible formats). Only then does it write. Copies move
//! whole rows (or whole contiguous runs of rows) with one [`DeviceMemory::copy`] each; clears
//! encode one texel and write runs of it.

mod blit;
mod resolve;
pub use resolve::{resolve_depth_stencil, resolve_image, DepthStencilResolve};
#[cfg(test)]
mod tests;

use pumice_memory::DeviceMemory;
use pumice_texel::{
    pack, Aspect, Format, ImageDim, ImageLayout, NumericClass, SubresourceLayout, Texel,
};

/// A buffer: a range of a memory block.
#[derive(Clone, Copy, Debug)]
pub struct BufferRef<'a> {
    pub memory: &'a DeviceMemory,
    pub offset: u64,
    pub size: u64,
}

/// An image bound to memory at `offset`.
#[derive(Clone, Copy, Debug)]
pub struct ImageRef<'a> {
    pub memory: &'a DeviceMemory,
    pub offset: u64,
    pub layout: &'a ImageLayout,
}

/// An error from a transfer whose regions reach outside the resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferError;

impl From<pumice_memory::OutOfBounds> for TransferError {
    fn from(_: pumice_memory::OutOfBounds) -> Self {
        TransferError
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferCopy {
    pub src_offset: u64,
    pub dst_offset: u64,
    pub size: u64,
}

/// `VkImageSubresourceLayers` with one aspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubresourceLayers {
    pub aspect: Aspect,
    pub mip_level: u32,
    pub base_array_layer: u32,
    pub layer_count: u32,
}

/// `VkImageSubresourceRange` with one aspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubresourceRange {
    pub aspect: Aspect,
    pub base_mip_level: u32,
    pub level_count: u32,
    pub base_array_layer: u32,
    pub layer_count: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageCopy {
    pub src: SubresourceLayers,
    pub src_offset: [i32; 3],
    pub dst: SubresourceLayers,
    pub dst_offset: [i32; 3],
    pub extent: [u32; 3],
}

/// `VkBufferImageCopy`: `buffer_row_length`/`buffer_image_height` of 0 mean tightly packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferImageCopy {
    pub buffer_offset: u64,
    pub buffer_row_length: u32,
    pub buffer_image_height: u32,
    pub image: SubresourceLayers,
    pub image_offset: [i32; 3],
    pub image_extent: [u32; 3],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageBlit {
    pub src: SubresourceLayers,
    pub src_offsets: [[i32; 3]; 2],
    pub dst: SubresourceLayers,
    pub dst_offsets: [[i32; 3]; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    Nearest,
    Linear,
}

/// The raw `VkClearColorValue`: read as floats, uints or ints according to the format's class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClearColor(pub [u32; 4]);

/// `VK_REMAINING_MIP_LEVELS` / `VK_REMAINING_ARRAY_LAYERS`.
pub const REMAINING: u32 = u32::MAX;

/// `VK_WHOLE_SIZE`.
pub const WHOLE_SIZE: u64 = u64::MAX;

// ---------------------------------------------------------------------------------------------
// Validation helpers.

fn ok_or<T>(v: Option<T>) -> Result<T, TransferError> {
    v.ok_or(TransferError)
}

fn ensure(cond: bool) -> Result<(), TransferError> {
    if cond {
        Ok(())
    } else {
        Err(TransferError)
    }
}

/// The buffer lies inside its memory.
fn check_buffer(b: &BufferRef) -> Result<(), TransferError> {
    ensure(ok_or(b.offset.checked_add(b.size))? <= b.memory.size())
}

/// The absolute memory offset of `len` bytes at `offset` in the buffer, when they lie inside it.
fn buffer_range(b: &BufferRef, offset: u64, len: u64) -> Result<u64, TransferError> {
    ensure(ok_or(offset.checked_add(len))? <= b.size)?;
    ok_or(b.offset.checked_add(offset))
}

/// The image lies inside its memory.
fn check_image(i: &ImageRef) -> Result<(), TransferError> {
    ensure(ok_or(i.offset.checked_add(i.layout.size()))? <= i.memory.size())
}

/// Resolves a `(base, count)` range of `total` items, `count` possibly [`REMAINING`]; the count
/// must not be zero.
fn resolve_count(base: u32, count: u32, total: u32) -> Result<u32, TransferError> {
    ensure(base < total)?;
    let count = if count == REMAINING {
        total - base
    } else {
        count
    };
    ensure(count > 0 && ok_or(base.checked_add(count))? <= total)?;
    Ok(count)
}

/// A non-negative offset as `u32`.
fn offset_u32(v: i32) -> Result<u32, TransferError> {
    u32::try_from(v).map_err(|_| TransferError)
}

fn mul(a: u64, b: u64) -> Result<u64, TransferError> {
    ok_or(a.checked_mul(b))
}

fn add(a: u64, b: u64) -> Result<u64, TransferError> {
    ok_or(a.checked_add(b))
}

/// The slices (array layers, or depth slices of a 3-D image) a copy region addresses.
#[derive(Clone, Copy, Debug)]
struct ImageSlices {
    /// The layout of the mip level's first addressed layer.
    sub: SubresourceLayout,
    /// Absolute memory offset of the first slice.
    first: u64,
    /// Distance between slices: the array pitch, or the depth pitch of a 3-D image.
    slice_pitch: u64,
}

/// Resolves `count` slices of a copy region starting at depth `offset_z`: for a 3-D image the
/// slices are depth slices of its only layer, otherwise the addressed array layers (and then the
/// z offset must be 0 and the layer count `count`).
fn image_slices(
    img: &ImageRef,
    layers: &SubresourceLayers,
    offset_z: i32,
    count: u32,
) -> Result<ImageSlices, TransferError> {
    let desc = &img.layout.desc;
    let z = offset_u32(offset_z)?;
    let n = resolve_count(
        layers.base_array_layer,
        layers.layer_count,
        desc.array_layers,
    )?;
    let (sub, first, slice_pitch) = if desc.dim == ImageDim::D3 {
        ensure(layers.base_array_layer == 0 && n == 1)?;
        let sub = ok_or(img.layout.subresource(layers.aspect, layers.mip_level, 0))?;
        ensure(count > 0 && u64::from(z) + u64::from(count) <= u64::from(sub.extent[2]))?;
        let first = add(
            add(img.offset, sub.offset)?,
            mul(u64::from(z), sub.depth_pitch)?,
        )?;
        (sub, first, sub.depth_pitch)
    } else {
        ensure(z == 0 && n == count)?;
        let sub = ok_or(img.layout.subresource(
            layers.aspect,
            layers.mip_level,
            layers.base_array_layer,
        ))?;
        (sub, add(img.offset, sub.offset)?, sub.array_pitch)
    };
    Ok(ImageSlices {
        sub,
        first,
        slice_pitch,
    })
}

/// Checks a texel rectangle (x, y) against a mip level of `extent` in a format of
/// `block_w`×`block_h` blocks: offsets on block boundaries, extents whole blocks unless they end at
/// the level's edge. Returns the rectangle in blocks: (offset, extent).
fn texel_rect_blocks(
    offset: [i32; 3],
    extent: [u32; 3],
    level: [u32; 3],
    block: [u32; 2],
) -> Result<([u64; 2], [u64; 2]), TransferError> {
    let mut off = [0u64; 2];
    let mut ext = [0u64; 2];
    for a in 0..2 {
        let o = offset_u32(offset[a])?;
        let e = extent[a];
        let end = u64::from(o) + u64::from(e);
        ensure(e > 0 && end <= u64::from(level[a]))?;
        ensure(o % block[a] == 0 && (e % block[a] == 0 || end == u64::from(level[a])))?;
        off[a] = u64::from(o / block[a]);
        ext[a] = u64::from(e.div_ceil(block[a]));
    }
    Ok((off, ext))
}

/// Checks a rectangle of `blocks` blocks at texel `offset` against a level of `extent` texels;
/// returns the offset in blocks.
fn block_rect_offset(
    offset: [i32; 3],
    blocks: [u64; 2],
    level: [u32; 3],
    block: [u32; 2],
) -> Result<[u64; 2], TransferError> {
    let mut off = [0u64; 2];
    for a in 0..2 {
        let o = offset_u32(offset[a])?;
        ensure(o % block[a] == 0)?;
        off[a] = u64::from(o / block[a]);
        ensure(off[a] + blocks[a] <= u64::from(level[a].div_ceil(block[a])))?;
    }
    Ok(off)
}

fn block_dims(format: Format) -> [u32; 2] {
    let info = format.info();
    [info.block_width.max(1), info.block_height.max(1)]
}

// ---------------------------------------------------------------------------------------------
// Rectangle copies and fills.

/// Where a box of rows starts in memory and how its rows and slices follow each other.
#[derive(Clone, Copy, Debug)]
struct Rect {
    offset: u64,
    row_pitch: u64,
    slice_pitch: u64,
}

/// `slices` slices of `rows` rows of `row_bytes` bytes.
#[derive(Clone, Copy, Debug)]
struct BoxSize {
    row_bytes: u64,
    rows: u64,
    slices: u64,
}

impl BoxSize {
    /// Merges rows, then slices, into longer runs where every rect in `rects` stores them
    /// contiguously. Returns (run bytes, runs per slice, slices).
    fn runs(self, rects: &[Rect]) -> Result<BoxSize, TransferError> {
        let mut b = self;
        if b.rows == 1 || rects.iter().all(|r| r.row_pitch == b.row_bytes) {
            b.row_bytes = mul(b.row_bytes, b.rows)?;
            b.rows = 1;
            if b.slices == 1 || rects.iter().all(|r| r.slice_pitch == b.row_bytes) {
                b.row_bytes = mul(b.row_bytes, b.slices)?;
                b.slices = 1;
            }
        }
        Ok(b)
    }

    fn is_empty(&self) -> bool {
        self.row_bytes == 0 || self.rows == 0 || self.slices == 0
    }

    /// The number of bytes from the first to the last byte of the box in `rect`, inclusive.
    fn span(&self, rect: &Rect) -> Result<u64, TransferError> {
        if self.is_empty() {
            return Ok(0);
        }
        add(
            add(
                mul(self.slices - 1, rect.slice_pitch)?,
                mul(self.rows - 1, rect.row_pitch)?,
            )?,
            self.row_bytes,
        )
    }
}

/// One rectangle copy between two memories.
#[derive(Clone, Copy, Debug)]
struct RectCopy {
    src: Rect,
    dst: Rect,
    size: BoxSize,
}

fn copy_rect(src: &DeviceMemory, dst: &DeviceMemory, op: &RectCopy) -> Result<(), TransferError> {
    if op.size.is_empty() {
        return Ok(());
    }
    let b = op.size.runs(&[op.src, op.dst])?;
    for s in 0..b.slices {
        let mut so = add(op.src.offset, mul(s, op.src.slice_pitch)?)?;
        let mut d = add(op.dst.offset, mul(s, op.dst.slice_pitch)?)?;
        for r in 0..b.rows {
            if r > 0 {
                so = add(so, op.src.row_pitch)?;
                d = add(d, op.dst.row_pitch)?;
            }
            DeviceMemory::copy(src, so, dst, d, b.row_bytes)?;
        }
    }
    Ok(())
}

/// Bytes written per `DeviceMemory::write` by fills.
const FILL_CHUNK: usize = 64 * 1024;

/// Fills `len` bytes at `offset` with `pattern` repeated (the last repetition possibly cut),
/// starting at the pattern's first byte. `chunk` caches the repeated pattern between calls.
fn fill_run(
    mem: &DeviceMemory,
    offset: u64,
    len: u64,
    pattern: &[u8],
    chunk: &mut Vec<u8>,
) -> Result<(), TransferError> {
    if len == 0 {
        return Ok(());
    }
    if pattern.iter().all(|&b| Some(&b) == pattern.first()) {
        let byte = pattern.first().copied().unwrap_or(0);
        mem.fill_bytes(offset, len, byte)?;
        return Ok(());
    }
    let pl = pattern.len().max(1);
    if chunk.is_empty() {
        let reps = (FILL_CHUNK / pl).max(1);
        chunk.reserve(reps * pl);
        for _ in 0..reps {
            chunk.extend_from_slice(pattern);
        }
    }
    let mut done = 0u64;
    while done < len {
        let n = (len - done).min(chunk.len() as u64);
        // `n` is at most `chunk.len()`, a usize.
        let piece = chunk.get(..n as usize).ok_or(TransferError)?;
        mem.write(add(offset, done)?, piece)?;
        done += n;
    }
    Ok(())
}

/// Fills a box of `rect` with `pattern` repeated from the start of every row.
fn fill_rect(
    mem: &DeviceMemory,
    rect: &Rect,
    size: &BoxSize,
    pattern: &[u8],
    chunk: &mut Vec<u8>,
) -> Result<(), TransferError> {
    if size.is_empty() {
        return Ok(());
    }
    let b = size.runs(&[*rect])?;
    for s in 0..b.slices {
        let start = add(rect.offset, mul(s, rect.slice_pitch)?)?;
        for r in 0..b.rows {
            fill_run(
                mem,
                add(start, mul(r, rect.row_pitch)?)?,
                b.row_bytes,
                pattern,
                chunk,
            )?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Buffer operations.

/// `vkCmdCopyBuffer`. Regions may overlap within and between the buffers; each region is copied
/// as by `memmove`, in order.
pub fn copy_buffer(
    src: BufferRef,
    dst: BufferRef,
    regions: &[BufferCopy],
) -> Result<(), TransferError> {
    check_buffer(&src)?;
    check_buffer(&dst)?;
    let ops = regions
        .iter()
        .map(|r| {
            Ok((
                buffer_range(&src, r.src_offset, r.size)?,
                buffer_range(&dst, r.dst_offset, r.size)?,
                r.size,
            ))
        })
        .collect::<Result<Vec<_>, TransferError>>()?;
    for (s, d, len) in ops {
        DeviceMemory::copy(src.memory, s, dst.memory, d, len)?;
    }
    Ok(())
}

/// `vkCmdFillBuffer`: `size` of `u64::MAX` is `VK_WHOLE_SIZE` (rounded down to a multiple of 4).
pub fn fill_buffer(dst: BufferRef, offset: u64, size: u64, data: u32) -> Result<(), TransferError> {
    check_buffer(&dst)?;
    let size = if size == WHOLE_SIZE {
        ensure(offset <= dst.size)?;
        (dst.size - offset) & !3
    } else {
        size
    };
    let start = buffer_range(&dst, offset, size)?;
    fill_run(
        dst.memory,
        start,
        size,
        &data.to_le_bytes(),
        &mut Vec::new(),
    )
}

/// `vkCmdUpdateBuffer`.
pub fn update_buffer(dst: BufferRef, offset: u64, data: &[u8]) -> Result<(), TransferError> {
    check_buffer(&dst)?;
    let start = buffer_range(&dst, offset, data.len() as u64)?;
    dst.memory.write(start, data)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Image copies.

fn plan_image_copy(
    src: &ImageRef,
    dst: &ImageRef,
    r: &ImageCopy,
) -> Result<RectCopy, TransferError> {
    let (sd, dd) = (&src.layout.desc, &dst.layout.desc);
    ensure(sd.samples == dd.samples)?;
    let sf = ok_or(sd.format.plane_format(r.src.aspect))?;
    let df = ok_or(dd.format.plane_format(r.dst.aspect))?;
    ensure(sf.info().block_bytes == df.info().block_bytes)?;
    if r.src.aspect != Aspect::Color || r.dst.aspect != Aspect::Color {
        // Depth and stencil copy only between the same aspect of the same plane format.
        ensure(r.src.aspect == r.dst.aspect && sf == df)?;
    }
    let slices = if sd.dim == ImageDim::D3 || dd.dim == ImageDim::D3 {
        r.extent[2]
    } else {
        ensure(r.extent[2] == 1)?;
        resolve_count(r.src.base_array_layer, r.src.layer_count, sd.array_layers)?
    };
    let s = image_slices(src, &r.src, r.src_offset[2], slices)?;
    let d = image_slices(dst, &r.dst, r.dst_offset[2], slices)?;
    let (soff, blocks) = texel_rect_blocks(r.src_offset, r.extent, s.sub.extent, block_dims(sf))?;
    let doff = block_rect_offset(r.dst_offset, blocks, d.sub.extent, block_dims(df))?;
    let texel = mul(u64::from(sf.info().block_bytes), u64::from(sd.samples))?;
    let rect = |sl: &ImageSlices, off: [u64; 2]| -> Result<Rect, TransferError> {
        Ok(Rect {
            offset: add(
                add(sl.first, mul(off[1], sl.sub.row_pitch)?)?,
                mul(off[0], texel)?,
            )?,
            row_pitch: sl.sub.row_pitch,
            slice_pitch: sl.slice_pitch,
        })
    };
    Ok(RectCopy {
        src: rect(&s, soff)?,
        dst: rect(&d, doff)?,
        size: BoxSize {
            row_bytes: mul(blocks[0], texel)?,
            rows: blocks[1],
            slices: u64::from(slices),
        },
    })
}

/// `vkCmdCopyImage` between formats of the same block size (a compressed format and an
/// uncompressed one of its block's size are compatible: the extent is in source texels). A 3-D
/// image's depth slices pair with a 2-D image's array layers.
pub fn copy_image(
    src: ImageRef,
    dst: ImageRef,
    regions: &[ImageCopy],
) -> Result<(), TransferError> {
    check_image(&src)?;
    check_image(&dst)?;
    let ops = regions
        .iter()
        .map(|r| plan_image_copy(&src, &dst, r))
        .collect::<Result<Vec<_>, _>>()?;
    for op in &ops {
        copy_rect(src.memory, dst.memory, op)?;
    }
    Ok(())
}

/// The buffer and image rectangles of one buffer↔image region: (buffer, image, size).
fn plan_buffer_image(
    buf: &BufferRef,
    img: &ImageRef,
    r: &BufferImageCopy,
) -> Result<(Rect, Rect, BoxSize), TransferError> {
    let desc = &img.layout.desc;
    ensure(desc.samples == 1)?;
    let format = ok_or(desc.format.plane_format(r.image.aspect))?;
    let block = block_dims(format);
    let block_bytes = u64::from(format.info().block_bytes);
    let slices = if desc.dim == ImageDim::D3 {
        r.image_extent[2]
    } else {
        ensure(r.image_extent[2] == 1)?;
        resolve_count(
            r.image.base_array_layer,
            r.image.layer_count,
            desc.array_layers,
        )?
    };
    let s = image_slices(img, &r.image, r.image_offset[2], slices)?;
    let (off, blocks) = texel_rect_blocks(r.image_offset, r.image_extent, s.sub.extent, block)?;
    let row_length = match r.buffer_row_length {
        0 => r.image_extent[0],
        n => n,
    };
    let image_height = match r.buffer_image_height {
        0 => r.image_extent[1],
        n => n,
    };
    ensure(row_length >= r.image_extent[0] && image_height >= r.image_extent[1])?;
    let row_pitch = mul(u64::from(row_length.div_ceil(block[0])), block_bytes)?;
    let slice_pitch = mul(u64::from(image_height.div_ceil(block[1])), row_pitch)?;
    let size = BoxSize {
        row_bytes: mul(blocks[0], block_bytes)?,
        rows: blocks[1],
        slices: u64::from(slices),
    };
    let mut buf_rect = Rect {
        offset: 0,
        row_pitch,
        slice_pitch,
    };
    buf_rect.offset = buffer_range(buf, r.buffer_offset, size.span(&buf_rect)?)?;
    let img_rect = Rect {
        offset: add(
            add(s.first, mul(off[1], s.sub.row_pitch)?)?,
            mul(off[0], block_bytes)?,
        )?,
        row_pitch: s.sub.row_pitch,
        slice_pitch: s.slice_pitch,
    };
    Ok((buf_rect, img_rect, size))
}

/// `vkCmdCopyBufferToImage`. Depth and stencil are copied in their plane formats (see
/// `Format::plane_format`); array layers follow each other in the buffer like depth slices.
pub fn copy_buffer_to_image(
    src: BufferRef,
    dst: ImageRef,
    regions: &[BufferImageCopy],
) -> Result<(), TransferError> {
    check_buffer(&src)?;
    check_image(&dst)?;
    let ops = regions
        .iter()
        .map(|r| {
            let (b, i, size) = plan_buffer_image(&src, &dst, r)?;
            Ok(RectCopy {
                src: b,
                dst: i,
                size,
            })
        })
        .collect::<Result<Vec<_>, TransferError>>()?;
    for op in &ops {
        copy_rect(src.memory, dst.memory, op)?;
    }
    Ok(())
}

/// `vkCmdCopyImageToBuffer`; the buffer is addressed as in [`copy_buffer_to_image`].
pub fn copy_image_to_buffer(
    src: ImageRef,
    dst: BufferRef,
    regions: &[BufferImageCopy],
) -> Result<(), TransferError> {
    check_image(&src)?;
    check_buffer(&dst)?;
    let ops = regions
        .iter()
        .map(|r| {
            let (b, i, size) = plan_buffer_image(&dst, &src, r)?;
            Ok(RectCopy {
                src: i,
                dst: b,
                size,
            })
        })
        .collect::<Result<Vec<_>, TransferError>>()?;
    for op in &ops {
        copy_rect(src.memory, dst.memory, op)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Clears.

/// The boxes (one per mip level) a clear range covers in `aspect`'s plane.
fn plan_clear(
    image: &ImageRef,
    r: &SubresourceRange,
) -> Result<Vec<(Rect, BoxSize)>, TransferError> {
    let desc = &image.layout.desc;
    let levels = resolve_count(r.base_mip_level, r.level_count, desc.mip_levels)?;
    let layers = resolve_count(r.base_array_layer, r.layer_count, desc.array_layers)?;
    let mut out = Vec::new();
    for mip in r.base_mip_level..r.base_mip_level + levels {
        let sub = ok_or(image.layout.subresource(r.aspect, mip, r.base_array_layer))?;
        let rows = sub.depth_pitch.checked_div(sub.row_pitch).unwrap_or(0);
        let rows = mul(rows, u64::from(sub.extent[2]))?;
        out.push((
            Rect {
                offset: add(image.offset, sub.offset)?,
                row_pitch: sub.row_pitch,
                slice_pitch: sub.array_pitch,
            },
            BoxSize {
                row_bytes: sub.row_pitch,
                rows,
                slices: u64::from(layers),
            },
        ));
    }
    Ok(out)
}

/// Encodes `value` as one texel of `format`.
fn encode_texel(format: Format, value: Texel) -> Result<Vec<u8>, TransferError> {
    let mut texel = vec![0u8; format.info().block_bytes as usize];
    ensure(!format.is_compressed() && pack::encode(format, value, &mut texel))?;
    Ok(texel)
}

/// Validates every range, then fills each with the texel its aspect's entry of `texels` gives.
fn clear_ranges(
    image: &ImageRef,
    ranges: &[SubresourceRange],
    texel_for: impl Fn(Aspect) -> Result<Vec<u8>, TransferError>,
) -> Result<(), TransferError> {
    check_image(image)?;
    let mut plans = Vec::with_capacity(ranges.len());
    for r in ranges {
        let texel = texel_for(r.aspect)?;
        plans.push((texel, plan_clear(image, r)?));
    }
    for (texel, boxes) in &plans {
        let mut chunk = Vec::new();
        for (rect, size) in boxes {
            fill_rect(image.memory, rect, size, texel, &mut chunk)?;
        }
    }
    Ok(())
}

/// `vkCmdClearColorImage`. The clear value is read in the format's numeric class.
pub fn clear_color_image(
    image: ImageRef,
    color: ClearColor,
    ranges: &[SubresourceRange],
) -> Result<(), TransferError> {
    let format = image.layout.desc.format;
    ensure(format.aspects().color)?;
    let value = match format.numeric_class() {
        NumericClass::Float => Texel::Float(color.0.map(f32::from_bits)),
        NumericClass::Uint => Texel::Uint(color.0),
        NumericClass::Sint => Texel::Sint(color.0.map(|v| v as i32)),
    };
    let texel = encode_texel(format, value)?;
    clear_ranges(&image, ranges, |aspect| {
        ensure(aspect == Aspect::Color)?;
        Ok(texel.clone())
    })
}

/// `vkCmdClearDepthStencilImage`: each range clears its aspect's plane.
pub fn clear_depth_stencil_image(
    image: ImageRef,
    depth: f32,
    stencil: u32,
    ranges: &[SubresourceRange],
) -> Result<(), TransferError> {
    let format = image.layout.desc.format;
    clear_ranges(&image, ranges, |aspect| {
        let plane = ok_or(format.plane_format(aspect))?;
        match aspect {
            Aspect::Depth => encode_texel(plane, Texel::Float([depth, 0.0, 0.0, 1.0])),
            Aspect::Stencil => encode_texel(plane, Texel::Uint([stencil & 0xff, 0, 0, 1])),
            Aspect::Color => Err(TransferError),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Blits.

/// `vkCmdBlitImage`: scaled, filtered, format-converting copies (see the `blit` module).
pub fn blit_image(
    src: ImageRef,
    dst: ImageRef,
    regions: &[ImageBlit],
    filter: Filter,
) -> Result<(), TransferError> {
    blit::blit_image(&src, &dst, regions, filter)
}
