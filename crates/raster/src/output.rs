//! Per-fragment operations after (or, for the fragment tests, possibly before) shading: the
//! depth bounds, stencil and depth tests with their writes, blending, write masks and the colour writes, all on a tile-local copy of the
//! attachments.
//!
//! **Tile buffers.** When a tile starts, the rectangle of every attachment it covers is copied
//! from device memory into a tile-local buffer *in the attachment's own format* (64×64 RGBA8 is
//! 16 KiB; with a D32 depth buffer 32 KiB — it stays in L1/L2 while every draw of the pass runs
//! over the tile), and copied back once at the end, only when something was written. Keeping the
//! bytes in the attachment format (rather than as f32) makes every draw see exactly the values it
//! would see in memory: blending reads the quantized result of the previous draw, as Vulkan
//! requires.
//!
//! **Conversions** go through `pumice_texel::pack` (`decode`/`encode`), so every renderable
//! format works, sRGB included (decoded to linear before blending, encoded after). Fast paths,
//! byte-identical to the generic one: D32 depth compares and stores the f32 itself; RGBA8/BGRA8
//! colour is written a batch at a time (`rgba8`). After the fragment tests of a batch have run
//! (lane order), each attachment's writes run (lane order): neither reads what the other writes.
//!
//! **Rules implemented** (Vulkan specification, "Fragment Operations" and "The Framebuffer"):
//! - Depth test: `incoming OP stored`, the incoming value clamped to the viewport depth range when
//!   depth clamping is enabled and quantized to the attachment format first ("the depth value is
//!   converted to the format of the depth attachment"). Without a depth attachment, or with the
//!   test disabled, fragments pass and nothing is written ("if depthTestEnable is false … the depth
//!   write is disabled").
//! - Order: depth bounds test (on the *stored* depth), stencil test, depth test — the
//!   specification's order. The stencil test picks the front or back face by the triangle's
//!   facing, updates the stencil with the fail, depth-fail or pass op through the write mask, and
//!   only fragments that reach it (shaded and not discarded, or tested early) update anything.
//!   Without a stencil attachment the stencil test passes; without a depth attachment the depth
//!   bounds test passes.
//! - Cost: draws without stencil and depth bounds take the plain depth path, chosen once per
//!   batch (a const-generic copy of the lane loop), not per fragment.
//! - Blending applies only to float and normalized attachments; for UNORM (and sRGB) attachments
//!   source colours and the blend constants are clamped to [0, 1], for SNORM to [−1, 1], before
//!   blending. `Min`/`Max` ignore the factors. Integer attachments take the raw output values.
//! - The write mask keeps the destination's bits for masked-out components exactly (a bit merge,
//!   not a decode/encode round trip).

mod rgba8;
mod samples;
pub(crate) use samples::SampleOps;

use crate::fragment::{FragmentBatch, FragmentOutput, LANES, MAX_COLOR_ATTACHMENTS};
use crate::state::{
    BlendFactor, BlendOp, ColorBlend, CompareOp, DepthState, LogicOp, PixelRect, StencilFace,
    StencilOp,
};
use crate::RasterError;
use pumice_memory::DeviceMemory;
use pumice_texel::format::{Channel, Numeric};
use pumice_texel::{pack, Aspect, Format, NumericClass, Texel};

/// An attachment resolved to the bytes of one mip level and layer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    pub memory: &'a DeviceMemory,
    /// Absolute memory offset of texel (0, 0).
    pub base: u64,
    pub row_pitch: u64,
    /// The format of the addressed plane (e.g. `X8_D24_UNORM_PACK32` for a D24S8 depth).
    pub format: Format,
    pub bpp: usize,
    pub extent: [u32; 2],
    /// Samples per pixel (1 or 4), stored one after another within a texel.
    pub samples: usize,
}

impl<'a> Target<'a> {
    pub fn resolve(att: &crate::Attachment<'a>, aspect: Aspect) -> Result<Target<'a>, RasterError> {
        let img = &att.image;
        let desc = &img.layout.desc;
        if desc.samples != 1 && desc.samples != 4 {
            return Err(RasterError::Multisampled);
        }
        let sub = img
            .layout
            .subresource(aspect, att.mip_level, att.array_layer)
            .ok_or(RasterError::BadAttachment)?;
        let format = sub.format;
        let info = format.info();
        if info.block_width != 1 || info.block_height != 1 || info.block_bytes > 16 {
            return Err(RasterError::UnsupportedFormat(format));
        }
        // The format must round-trip through the packer (not compressed, not 64-bit).
        let mut probe = [0u8; 16];
        if !pack::encode(format, Texel::Float([0.0; 4]), &mut probe) {
            return Err(RasterError::UnsupportedFormat(format));
        }
        let end = img
            .offset
            .checked_add(img.layout.size())
            .ok_or(RasterError::OutOfBounds)?;
        if end > img.memory.size() {
            return Err(RasterError::OutOfBounds);
        }
        let base = img
            .offset
            .checked_add(sub.offset)
            .ok_or(RasterError::OutOfBounds)?;
        Ok(Target {
            memory: img.memory,
            base,
            row_pitch: sub.row_pitch,
            format,
            bpp: info.block_bytes as usize,
            extent: [sub.extent[0], sub.extent[1]],
            samples: desc.samples as usize,
        })
    }
}

/// The colour-output constants of one attachment in one draw.
#[derive(Clone, Debug)]
pub(crate) struct ColorOp {
    pub blend: ColorBlend,
    /// Blending applies (enabled and a float/normalized format).
    pub blending: bool,
    pub class: NumericClass,
    /// Clamp range of source values and constants before blending (normalized formats).
    pub clamp: Option<(f32, f32)>,
    /// Bytes of a texel to replace; `None` when the write mask covers every component.
    pub byte_mask: Option<[u8; 16]>,
    /// Nothing is written (empty write mask).
    pub skip: bool,
    /// The logic op between the encoded source and the stored texel: enabled, and the
    /// format integer or normalized (not float or sRGB, which it leaves alone).
    pub logic: Option<LogicOp>,
}

impl ColorOp {
    /// The operations on attachments of `format` with blend state `blend` and the pipeline's
    /// logic op `logic` (which, enabled, turns blending off on every attachment).
    pub fn new(blend: &ColorBlend, format: Format, logic: Option<LogicOp>) -> ColorOp {
        let class = format.numeric_class();
        let numeric = format.info().components().first().map(|c| c.numeric);
        let clamp = match numeric {
            Some(Numeric::Unorm | Numeric::Srgb) => Some((0.0, 1.0)),
            Some(Numeric::Snorm) => Some((-1.0, 1.0)),
            _ => None,
        };
        let mut mask = 0u128;
        let mut present = 0u8;
        let mut all = true;
        for c in format.info().components() {
            let bit = match c.channel {
                Channel::R => 1,
                Channel::G => 2,
                Channel::B => 4,
                Channel::A => 8,
                Channel::Depth | Channel::Stencil | Channel::X => 0,
            };
            if bit == 0 {
                continue;
            }
            present |= bit;
            if blend.write_mask & bit != 0 {
                let field = if c.bits >= 128 {
                    u128::MAX
                } else {
                    ((1u128 << c.bits) - 1) << c.offset
                };
                mask |= field;
            } else {
                all = false;
            }
        }
        let takes_logic = matches!(
            numeric,
            Some(Numeric::Unorm | Numeric::Snorm | Numeric::Uint | Numeric::Sint)
        );
        ColorOp {
            blend: *blend,
            blending: blend.blend_enable && class == NumericClass::Float && logic.is_none(),
            class,
            clamp,
            byte_mask: if all { None } else { Some(mask.to_le_bytes()) },
            skip: present & blend.write_mask == 0,
            logic: logic.filter(|_| takes_logic),
        }
    }
}

impl ColorOp {
    /// Whether, for attachments of `format`, each byte of a written texel depends on no
    /// other byte of the stored one (given the fragment's outputs): texels of four 8-bit
    /// components (RGBA8 and BGRA8 in every numeric format), blended without the stored alpha
    /// entering the colour components (`DstAlpha`, `OneMinusDstAlpha`, `SrcAlphaSaturate`).
    /// Decoding, blending, encoding and the write mask are then per component, and a texel's
    /// new value is four 256-entry tables ([`FillTable`]).
    pub fn byte_separable(&self, format: Format) -> bool {
        if self.logic.is_some() {
            return false;
        }
        let info = format.info();
        let components = info.components();
        if info.block_bytes != 4
            || info.block_width != 1
            || info.block_height != 1
            || components.len() != 4
            || !components.iter().all(|c| c.bits == 8 && c.offset % 8 == 0)
        {
            return false;
        }
        let reads_stored_alpha = |f: BlendFactor| {
            matches!(
                f,
                BlendFactor::DstAlpha
                    | BlendFactor::OneMinusDstAlpha
                    | BlendFactor::SrcAlphaSaturate
            )
        };
        !self.blending
            || !(reads_stored_alpha(self.blend.src_color)
                || reads_stored_alpha(self.blend.dst_color))
    }
}

/// What a primitive whose fragments all have the same outputs does to the texels of one
/// colour attachment (`tile`'s uniform fills): each byte of the new texel as a function of the
/// same byte of the stored one, for attachments where that is all it depends on
/// ([`ColorOp::byte_separable`]). The function is first tabulated by [`color_texel`] itself
/// for all 256 stored values, so a fill writes exactly the bytes the per-fragment path would;
/// then, where it can, a fill computes it instead of looking it up:
/// - **constant**: every byte's result is one value whatever was stored (no blending, every
///   component written) — the texels are stored;
/// - **fixed**: each byte is `(b·A + C) >> 16` clamped to [0, 255] ([`fixed_byte`]), with
///   `A` near the scale the blend at stored values 0 and 1 gives and `C` chosen so that *all
///   256 values of every byte* give the table's result ([`fixed_form`]; UNORM blends with
///   constant factors, write-masked bytes: `A` = 2¹⁶). 32 bytes are ~28 AVX2 instructions
///   (a 16.16 multiply-add in 32-bit lanes, the clamps in the saturating packs). It replaced
///   an f32 form (`b·a + c` rounded by adding 1.5·2²³), ~45 instructions per 32 bytes, which
///   also could not follow results that fall on both sides of f32's resolution at ties;
/// - **table**: anything else (sRGB, the factors that read the stored colour): four lookups,
///   ~11 instructions a texel.
///
/// Making one costs 1024 calls of `color_texel` (~0.1M instructions); shading, interpolating
/// and blending a fragment in batches costs ~50: worth it from a few thousand pixels
/// (`tile::MIN_FILL_AREA`).
#[derive(Debug)]
pub(crate) struct FillTable {
    pub att: usize,
    kind: FillKind,
}

#[derive(Debug)]
enum FillKind {
    Constant(u32),
    /// Per byte of the texel: the scale and offset in 16.16 fixed point ([`fixed_byte`]).
    Fixed([i32; 4], [i32; 4]),
    /// [`FillKind::Fixed`] for every byte but one that has no such form (ties that round both
    /// ways), looked up instead: `(byte, its 256 results)`.
    FixedLookup([i32; 4], [i32; 4], (usize, Box<[u8; 256]>)),
    /// `t[k][b]`: byte `k` of the new texel, shifted to its place in the little-endian word,
    /// when byte `k` of the stored texel is `b`.
    /// And whether the last byte's table is one value.
    Table(Box<[[u32; 256]; 4]>, bool),
}

/// A byte of the fixed-point kind of [`FillTable`]: `(b·a + c) / 2¹⁶` rounded down, clamped
/// to [0, 255]. In 32-bit lanes that is a multiply, an add and a shift per 8 bytes, and the
/// clamps are the saturating packs back to bytes: ~28 AVX2 instructions per 32 bytes against
/// the float form's ~45. `a` and `c` are bounded where they are made ([`fixed_form`]), so
/// nothing wraps.
#[inline(always)]
fn fixed_byte(b: u8, a: i32, c: i32) -> u8 {
    ((i32::from(b) * a + c) >> 16).clamp(0, 255) as u8
}

/// [`FillKind::Fixed`] over whole texels, the bytes of `lookups` (byte, results) from their
/// tables. (The count is a constant: with a slice, the fill row's loops were 18% slower.)
#[inline(always)]
fn apply_fixed<const N: usize>(
    texels: &mut [u8],
    a: &[i32; 4],
    c: &[i32; 4],
    lookups: [(usize, &[u8; 256]); N],
) {
    let a: [i32; 32] = std::array::from_fn(|i| a[i % 4]);
    let c: [i32; 32] = std::array::from_fn(|i| c[i % 4]);
    let mut chunks = texels.chunks_exact_mut(32);
    for chunk in &mut chunks {
        let Ok(chunk) = <&mut [u8; 32]>::try_from(chunk) else {
            continue;
        };
        let mut out = [0u8; 32];
        for i in 0..32 {
            out[i] = fixed_byte(chunk[i], a[i], c[i]);
        }
        for (k, t) in lookups {
            // (A texel byte, so below 4: the mask spares the bounds checks.)
            let k = k & 3;
            for j in 0..8 {
                out[4 * j + k] = t[chunk[4 * j + k] as usize];
            }
        }
        *chunk = out;
    }
    for t in chunks.into_remainder().chunks_exact_mut(4) {
        let old = [t[0], t[1], t[2], t[3]];
        for k in 0..4 {
            t[k] = fixed_byte(old[k], a[k], c[k]);
        }
        for (k, table) in lookups {
            t[k & 3] = table[old[k & 3] as usize];
        }
    }
}

/// The fixed-point scale and offset giving `results[b]` for every stored byte `b`, near the
/// float scale `a` (`None` when there is none): for a scale `A`, every `b` bounds the
/// offset — `(b·A + C) >> 16` must be `results[b]`, so `C` lies in
/// `[r·2¹⁶ − b·A, (r + 1)·2¹⁶ − b·A)`, open below for a result of 0 and above for 255 (the
/// clamps) — and the bounds of all 256 meet or not; a few scales around `a·2¹⁶` are tried.
fn fixed_form(a: f32, results: impl Fn(usize) -> u8) -> Option<(i32, i32)> {
    const ONE: i64 = 1 << 16;
    if !(a.abs() <= 4.0) {
        return None;
    }
    let base = (f64::from(a) * ONE as f64).round() as i64;
    for step in [0, 1, -1, 2, -2, 3, -3] {
        let scale = base + step;
        let (mut lo, mut hi) = (i64::MIN, i64::MAX);
        for b in 0..256i64 {
            let r = i64::from(results(b as usize));
            if r > 0 {
                lo = lo.max(r * ONE - b * scale);
            }
            if r < 255 {
                hi = hi.min((r + 1) * ONE - 1 - b * scale);
            }
        }
        if lo > hi {
            continue;
        }
        // The offset nearest zero in range; bounded so that `b·A + C` fits in an i32
        // (|A| ≤ 2¹⁸, |C| ≤ 2³⁰).
        let c = 0i64.clamp(lo, hi);
        if c.abs() <= 1 << 30 {
            return Some((scale as i32, c as i32));
        }
    }
    None
}

impl FillTable {
    /// The table of attachment `att` (`format`, written through `op`) for fragments with
    /// outputs `src` and `src1`; `None` where a table cannot say what the writes do.
    pub fn new(
        att: usize,
        op: &ColorOp,
        format: Format,
        src: [u32; 4],
        src1: [u32; 4],
        constants: [f32; 4],
    ) -> Option<FillTable> {
        if op.skip || !op.byte_separable(format) {
            return None;
        }
        let mut table = Box::new([[0u32; 256]; 4]);
        for b in 0..=255u8 {
            let mut texel = [b; 4];
            if !color_texel(op, format, &mut texel, src, src1, constants) {
                return None;
            }
            for (k, &t) in texel.iter().enumerate() {
                table[k][b as usize] = u32::from(t) << (8 * k);
            }
        }
        let byte = |k: usize, b: usize| (table[k][b] >> (8 * k)) as u8;
        let one_value = |k: usize| table[k].iter().all(|&v| v == table[k][0]);
        let scales = affine_scales(op, format, src, src1, constants);
        // The fixed-point form (a byte of one value with scale 0), with a lookup for a byte
        // that has none: the patch costs ~3 instructions a texel where a texel of four lookups
        // costs ~11.
        let f: [Option<(i32, i32)>; 4] = std::array::from_fn(|k| {
            let a = scales?[k];
            fixed_form(if one_value(k) { 0.0 } else { a }, |b| byte(k, b))
        });
        let a: [i32; 4] = std::array::from_fn(|k| f[k].map_or(0, |f| f.0));
        let c: [i32; 4] = std::array::from_fn(|k| f[k].map_or(0, |f| f.1));
        let missing: Vec<usize> = (0..4).filter(|&k| f[k].is_none()).collect();
        let kind = if (0..4).all(one_value) {
            FillKind::Constant(table.iter().fold(0, |w, t| w | t[0]))
        } else if missing.is_empty() {
            FillKind::Fixed(a, c)
        } else if let (Some(_), &[k]) = (scales, missing.as_slice()) {
            FillKind::FixedLookup(a, c, (k, Box::new(std::array::from_fn(|b| byte(k, b)))))
        } else {
            let last_constant = table[3].iter().all(|&v| v == table[3][0]);
            FillKind::Table(table, last_constant)
        };
        Some(FillTable { att, kind })
    }

    /// Writes every texel of `texels` (whole 4-byte texels).
    #[inline(always)]
    fn apply(&self, texels: &mut [u8]) {
        match &self.kind {
            FillKind::Constant(c) => {
                for t in texels.chunks_exact_mut(4) {
                    t.copy_from_slice(&c.to_le_bytes());
                }
            }
            FillKind::Fixed(a, c) => apply_fixed(texels, a, c, []),
            FillKind::FixedLookup(a, c, (k, t)) => apply_fixed(texels, a, c, [(*k, &**t)]),
            // The last byte (alpha in RGBA8 and BGRA8) is often one value (blending with
            // `One`/`Zero` alpha factors): three lookups then.
            FillKind::Table(t, true) => apply_table::<0b0111>(texels, t, t[3][0]),
            FillKind::Table(t, false) => apply_table::<0b1111>(texels, t, 0),
        }
    }
}

/// [`FillKind::Table`] over whole texels, looking up the bytes in `LOOKUP` (a bit each) and
/// taking `base` for the others.
#[inline(always)]
fn apply_table<const LOOKUP: u8>(texels: &mut [u8], t: &[[u32; 256]; 4], base: u32) {
    let [t0, t1, t2, t3] = t;
    for t in texels.chunks_exact_mut(4) {
        let w = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let mut new = base;
        if LOOKUP & 1 != 0 {
            new |= t0[(w & 0xff) as usize];
        }
        if LOOKUP & 2 != 0 {
            new |= t1[((w >> 8) & 0xff) as usize];
        }
        if LOOKUP & 4 != 0 {
            new |= t2[((w >> 16) & 0xff) as usize];
        }
        if LOOKUP & 8 != 0 {
            new |= t3[(w >> 24) as usize];
        }
        t.copy_from_slice(&new.to_le_bytes());
    }
}

/// The scale per texel byte of an affine function of the stored byte for a UNORM attachment,
/// from the blend at stored values 0 and 1 (what an exact one would have to be; `fixed_form`
/// starts from it and finds the offset against the table): a byte's result is `255·v`
/// rounded of the blended `v = v₀ + d·(v₁ − v₀)` with `d = b / 255`, so its scale is
/// `v₁ − v₀`. Write-masked bytes keep the stored byte: scale 1.
fn affine_scales(
    op: &ColorOp,
    format: Format,
    src: [u32; 4],
    src1: [u32; 4],
    constants: [f32; 4],
) -> Option<[f32; 4]> {
    let components = format.info().components();
    if op.class != NumericClass::Float || !components.iter().all(|c| c.numeric == Numeric::Unorm) {
        return None;
    }
    let clamp = |v: [f32; 4]| v.map(|c| c.max(0.0).min(1.0));
    let s = clamp(src.map(f32::from_bits));
    let (v0, v1) = if op.blending {
        let (s1, k) = (clamp(src1.map(f32::from_bits)), clamp(constants));
        (
            blend(&op.blend, s, s1, [0.0; 4], k),
            blend(&op.blend, s, s1, [1.0; 4], k),
        )
    } else {
        (s, s)
    };
    let mut a = [0.0; 4];
    for comp in components {
        let k = (comp.offset / 8) as usize;
        let ch = match comp.channel {
            Channel::R => 0,
            Channel::G => 1,
            Channel::B => 2,
            Channel::A => 3,
            _ => return None,
        };
        let kept = op.byte_mask.is_some_and(|m| m[k] == 0);
        a[k] = if kept { 1.0 } else { v1[ch] - v0[ch] };
    }
    Some(a)
}

/// One facing's stencil state, reduced to the 8 bits of the stencil attachment: "the least
/// significant s bits" of the masks count, and the reference takes part masked like the stored
/// value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StencilFaceOps {
    pub compare_op: CompareOp,
    pub compare_mask: u8,
    /// `reference & compareMask`, the left operand of the comparison.
    pub masked_reference: u8,
    /// The value `Replace` writes.
    pub reference: u8,
    pub write_mask: u8,
    pub fail_op: StencilOp,
    pub pass_op: StencilOp,
    pub depth_fail_op: StencilOp,
}

impl StencilFaceOps {
    pub fn new(f: &StencilFace) -> StencilFaceOps {
        let compare_mask = f.compare_mask as u8;
        StencilFaceOps {
            compare_op: f.compare_op,
            compare_mask,
            masked_reference: f.reference as u8 & compare_mask,
            reference: f.reference as u8,
            write_mask: f.write_mask as u8,
            fail_op: f.fail_op,
            pass_op: f.pass_op,
            depth_fail_op: f.depth_fail_op,
        }
    }

    /// The stored value after `op`, through the write mask.
    #[inline]
    pub fn update(&self, op: StencilOp, stored: u8) -> u8 {
        let new = op.apply(stored, self.reference);
        (stored & !self.write_mask) | (new & self.write_mask)
    }
}

/// The per-fragment constants of one draw.
#[derive(Clone, Debug)]
pub(crate) struct DrawOps {
    pub depth: DepthState,
    /// Depth clamp range (`depthClampEnable`): [min(n, f), max(n, f)].
    pub depth_clamp: Option<(f32, f32)>,
    /// `[front, back]` when the stencil test is enabled and the pass has a stencil attachment.
    pub stencil: Option<[StencilFaceOps; 2]>,
    /// `[min, max]` when the depth bounds test is enabled and the pass has a depth attachment.
    pub depth_bounds: Option<(f32, f32)>,
    /// Per colour attachment; `None` where the attachment is absent or not written.
    pub colors: Vec<Option<ColorOp>>,
    pub constants: [f32; 4],
}

/// The lanes of one D32 depth test ([`TileBuffer::depth_test_d32_sample`]): each lane's
/// texel index in the plane and its (clamped) depth, the lanes to test, whether passing
/// lanes write.
struct DepthLanes<'l> {
    index: &'l [u32; LANES],
    z: &'l [f32; LANES],
    live: u64,
    write: bool,
}

impl DepthLanes<'_> {
    /// Tests the live lanes in lane order with `test(incoming, stored)`, writing the passing
    /// ones' depths when `write`; returns the passing lanes and whether anything was written.
    /// A lane whose texel is outside the plane fails.
    #[inline(always)]
    fn run(&self, plane: &mut [u8], test: impl Fn(f32, f32) -> bool) -> (u64, bool) {
        let mut out = self.live;
        let mut written = false;
        let mut bits = self.live;
        while bits != 0 {
            let lane = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let at = self.index[lane] as usize * 4;
            let Some(slot) = plane.get_mut(at..at + 4) else {
                out &= !(1 << lane);
                continue;
            };
            let z = self.z[lane];
            let stored = f32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]);
            if !test(z, stored) {
                out &= !(1 << lane);
            } else if self.write {
                slot.copy_from_slice(&z.to_le_bytes());
                written = true;
            }
        }
        (out, written)
    }
}

/// One attachment's tile-local bytes.
#[derive(Debug, Default)]
struct TilePlane {
    bytes: Vec<u8>,
    bpp: usize,
    format: Option<Format>,
    dirty: bool,
}

/// The tile-local copies of all attachments for one tile.
#[derive(Debug, Default)]
pub(crate) struct TileBuffer {
    rect: PixelRect,
    colors: Vec<TilePlane>,
    depth: TilePlane,
    has_depth: bool,
    /// The `S8_UINT` plane of the stencil attachment: one byte per pixel.
    stencil: TilePlane,
    has_stencil: bool,
    /// Samples per pixel of every attachment (1 or 4).
    samples: usize,
    /// The RGBA8 batch loops' arrays (`rgba8::Scratch`).
    blend_scratch: Box<rgba8::Scratch>,
}

/// Loads `rect` of target `t` into `plane`, or, with `clear` (one sample's texel), fills the
/// plane with it instead, to be written back: a `CLEAR` load op taken at the tile.
fn load_plane(plane: &mut TilePlane, t: &Target, rect: PixelRect, clear: Option<&[u8]>) {
    let w = (rect.x1 - rect.x0) as usize;
    let h = (rect.y1 - rect.y0) as usize;
    plane.bpp = t.bpp;
    plane.format = Some(t.format);
    plane.dirty = false;
    let px = t.bpp * t.samples;
    if let Some(texel) = clear.filter(|c| c.len() == t.bpp && !c.is_empty()) {
        // The texel, then the bytes so far copied after themselves: 12 copies for a 64×64
        // tile instead of 4096 appends.
        let n = w * h * px;
        plane.bytes.clear();
        plane.bytes.reserve(n);
        plane.bytes.extend_from_slice(texel);
        while plane.bytes.len() < n {
            let more = plane.bytes.len().min(n - plane.bytes.len());
            plane.bytes.extend_from_within(..more);
        }
        plane.bytes.truncate(n);
        plane.dirty = true;
        return;
    }
    // Every byte is read from the target below: no clearing first (zeroing the plane of
    // each tile was 3% of the heavy fragment shader bench), only a resize when the tile
    // size changes.
    plane.bytes.resize(w * h * px, 0);
    let row = w * px;
    for (r, chunk) in plane.bytes.chunks_mut(row).enumerate() {
        let y = rect.y0 as u64 + r as u64;
        let off = t.base + y * t.row_pitch + rect.x0 as u64 * px as u64;
        // Targets were checked to lie inside their memory when the pass was created.
        let _ = t.memory.read(off, chunk);
    }
}

fn store_plane(plane: &TilePlane, t: &Target, rect: PixelRect) {
    if !plane.dirty {
        return;
    }
    let px = t.bpp * t.samples;
    let row = (rect.x1 - rect.x0) as usize * px;
    for (r, chunk) in plane.bytes.chunks(row).enumerate() {
        let y = rect.y0 as u64 + r as u64;
        let off = t.base + y * t.row_pitch + rect.x0 as u64 * px as u64;
        let _ = t.memory.write(off, chunk);
    }
}

impl TileBuffer {
    /// Loads the rectangle `rect` (inside every target) of all attachments; planes with a
    /// texel in `clears` are filled with it instead.
    pub fn load(
        &mut self,
        colors: &[Option<Target>],
        depth: Option<&Target>,
        stencil: Option<&Target>,
        rect: PixelRect,
        clears: Option<&crate::pass::LoadClears>,
    ) {
        self.rect = rect;
        self.samples = colors
            .iter()
            .flatten()
            .chain(depth)
            .chain(stencil)
            .map(|t| t.samples)
            .next()
            .unwrap_or(1);
        self.colors.resize_with(colors.len(), TilePlane::default);
        for (i, (plane, t)) in self.colors.iter_mut().zip(colors).enumerate() {
            let clear = clears.and_then(|c| c.colors.get(i)?.as_deref());
            match t {
                Some(t) => load_plane(plane, t, rect, clear),
                None => {
                    plane.format = None;
                    plane.bytes.clear();
                    plane.dirty = false;
                }
            }
        }
        self.has_depth = depth.is_some();
        if let Some(t) = depth {
            load_plane(
                &mut self.depth,
                t,
                rect,
                clears.and_then(|c| c.depth.as_deref()),
            );
        }
        self.has_stencil = stencil.is_some();
        if let Some(t) = stencil {
            load_plane(
                &mut self.stencil,
                t,
                rect,
                clears.and_then(|c| c.stencil.as_deref()),
            );
        }
    }

    /// Writes back what was modified.
    pub fn store(
        &self,
        colors: &[Option<Target>],
        depth: Option<&Target>,
        stencil: Option<&Target>,
    ) {
        for (plane, t) in self.colors.iter().zip(colors) {
            if let Some(t) = t {
                store_plane(plane, t, self.rect);
            }
        }
        if let Some(t) = depth {
            if self.has_depth {
                store_plane(&self.depth, t, self.rect);
            }
        }
        if let Some(t) = stencil {
            if self.has_stencil {
                store_plane(&self.stencil, t, self.rect);
            }
        }
    }

    /// Writes the `n` pixels from (`x`, `y`) along the row through `fills` (a uniform fill's
    /// tables, one per attachment written). Pixels outside the tile are left alone; one
    /// sample per pixel (the fills are made only for such draws).
    #[inline(always)]
    pub fn fill_run(&mut self, fills: &[FillTable], x: i32, y: i32, n: usize) {
        let r = self.rect;
        if y < r.y0 || y >= r.y1 || x < r.x0 || n == 0 {
            return;
        }
        let n = n.min((r.x1 - x).max(0) as usize);
        let first = (y - r.y0) as usize * (r.x1 - r.x0) as usize + (x - r.x0) as usize;
        self.fill_span(fills, first, n);
    }

    /// [`Self::fill_run`] over every pixel of `rect` (inside the tile): one run when it spans
    /// the tile's width (rows follow each other in the plane), else a run a row. Per row the
    /// run's set-up was ~1 instruction a pixel of a full-screen layer.
    #[inline(always)]
    pub fn fill_rect(&mut self, fills: &[FillTable], rect: PixelRect) {
        let r = self.rect;
        let rect = rect.intersect(r);
        if rect.is_empty() {
            return;
        }
        let w = (rect.x1 - rect.x0) as usize;
        if rect.x0 == r.x0 && rect.x1 == r.x1 {
            let first = (rect.y0 - r.y0) as usize * w;
            self.fill_span(fills, first, w * (rect.y1 - rect.y0) as usize);
        } else {
            for y in rect.y0..rect.y1 {
                self.fill_run(fills, rect.x0, y, w);
            }
        }
    }

    /// Writes `n` pixels of every filled plane from pixel index `first` (row-major in the
    /// tile); nothing where the span leaves the plane.
    #[inline(always)]
    fn fill_span(&mut self, fills: &[FillTable], first: usize, n: usize) {
        if self.samples != 1 {
            return;
        }
        for f in fills {
            let Some(plane) = self.colors.get_mut(f.att) else {
                continue;
            };
            if plane.bpp != 4 {
                continue;
            }
            if let Some(texels) = plane.bytes.get_mut(first * 4..(first + n) * 4) {
                f.apply(texels);
                plane.dirty = true;
            }
        }
    }

    /// Byte offset of sample `s` of pixel (x, y) in a plane of `bpp` bytes per sample, when
    /// inside the tile.
    #[inline]
    fn index(&self, x: u32, y: u32, s: usize, bpp: usize) -> Option<usize> {
        let (x, y) = (x as i64, y as i64);
        let r = self.rect;
        if x < r.x0 as i64 || x >= r.x1 as i64 || y < r.y0 as i64 || y >= r.y1 as i64 {
            return None;
        }
        let w = (r.x1 - r.x0) as usize;
        let pixel = (y - r.y0 as i64) as usize * w + (x - r.x0 as i64) as usize;
        Some((pixel * self.samples + s) * bpp)
    }

    /// The depth test (and write) of one fragment at depth `z`.
    #[inline]
    fn depth_test(&mut self, ops: &DrawOps, x: u32, y: u32, s: usize, z: f32) -> bool {
        if !ops.depth.test_enable || !self.has_depth {
            return true;
        }
        let Some(format) = self.depth.format else {
            return true;
        };
        let bpp = self.depth.bpp;
        let Some(i) = self.index(x, y, s, bpp) else {
            return false;
        };
        let z = match ops.depth_clamp {
            Some((lo, hi)) => z.clamp(lo, hi),
            None => z,
        };
        // D32: the encoded value is `z`'s bits and decodes to `z` itself.
        if format == Format::D32_SFLOAT {
            let Some(b) = self.depth.bytes.get_mut(i..i + 4) else {
                return false;
            };
            let stored = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if !ops.depth.compare_op.test(z, stored) {
                return false;
            }
            if ops.depth.write_enable {
                b.copy_from_slice(&z.to_le_bytes());
                self.depth.dirty = true;
            }
            return true;
        }
        let mut enc = [0u8; 16];
        if !pack::encode(format, Texel::Float([z, 0.0, 0.0, 1.0]), &mut enc[..bpp]) {
            return false;
        }
        let incoming = depth_value(format, &enc[..bpp]);
        let stored = depth_value(format, &self.depth.bytes[i..i + bpp]);
        if !ops.depth.compare_op.test(incoming, stored) {
            return false;
        }
        if ops.depth.write_enable {
            self.depth.bytes[i..i + bpp].copy_from_slice(&enc[..bpp]);
            self.depth.dirty = true;
        }
        true
    }

    /// The depth bounds, stencil and depth tests of one fragment, in the specification's order,
    /// with the stencil updates they cause; `front` picks the stencil face.
    ///
    /// Spec ("Depth Bounds Test"): the value *stored* in the depth attachment is compared with
    /// the range, and a fragment outside it is discarded before the stencil test. ("Stencil
    /// Test"): `(reference & compareMask) OP (stored & compareMask)`; on failure the fail op
    /// updates the stencil and the fragment is discarded; otherwise the depth test runs, and
    /// the pass or depth-fail op updates the stencil. Updates go through the write mask.
    #[inline]
    fn stencil_depth_test(
        &mut self,
        ops: &DrawOps,
        x: u32,
        y: u32,
        s: usize,
        z: f32,
        front: bool,
    ) -> bool {
        if let Some((lo, hi)) = ops.depth_bounds {
            if let (true, Some(format)) = (self.has_depth, self.depth.format) {
                let bpp = self.depth.bpp;
                let Some(i) = self.index(x, y, s, bpp) else {
                    return false;
                };
                let stored = depth_value(format, &self.depth.bytes[i..i + bpp]);
                // NaN bounds or values fail (`lo <= stored <= hi` is false).
                if !(lo <= stored && stored <= hi) {
                    return false;
                }
            }
        }
        let Some(faces) = &ops.stencil else {
            return self.depth_test(ops, x, y, s, z);
        };
        if !self.has_stencil {
            return self.depth_test(ops, x, y, s, z);
        }
        let Some(i) = self.index(x, y, s, 1) else {
            return false;
        };
        let face = &faces[usize::from(!front)];
        let stored = self.stencil.bytes[i];
        let (op, passed) = if !face
            .compare_op
            .test_u8(face.masked_reference, stored & face.compare_mask)
        {
            (face.fail_op, false)
        } else if self.depth_test(ops, x, y, s, z) {
            (face.pass_op, true)
        } else {
            (face.depth_fail_op, false)
        };
        let new = face.update(op, stored);
        if new != stored {
            self.stencil.bytes[i] = new;
            self.stencil.dirty = true;
        }
        passed
    }

    /// Whether any fragment test of this draw can fail or write: without them the per-lane
    /// test loops are skipped (in a fill-bound draw they were 8% of the time, each lane
    /// calling a test that returns at once).
    #[inline]
    fn has_fragment_tests(&self, ops: &DrawOps) -> bool {
        Self::needs_stencil_path(ops) || (ops.depth.test_enable && self.has_depth)
    }

    /// Whether this draw needs [`Self::stencil_depth_test`] rather than the plain depth test:
    /// decided once per batch, so that draws without stencil or depth bounds keep the plain
    /// depth test's per-fragment cost.
    #[inline]
    fn needs_stencil_path(ops: &DrawOps) -> bool {
        ops.stencil.is_some() || ops.depth_bounds.is_some()
    }

    /// Early fragment tests (depth bounds, stencil, depth) of the lanes in `live`, in lane
    /// order; returns the survivors.
    pub fn early_depth(&mut self, ops: &DrawOps, batch: &FragmentBatch, live: u64) -> u64 {
        // The D32 test's per-lane index and mask loops are AVX2 where the CPU has it.
        pumice_memory::simd::vectorized(
            #[inline(always)]
            || self.early_depth_inlined(ops, batch, live),
        )
    }

    #[inline(always)]
    fn early_depth_inlined(&mut self, ops: &DrawOps, batch: &FragmentBatch, live: u64) -> u64 {
        if !self.has_fragment_tests(ops) {
            return live;
        }
        if Self::needs_stencil_path(ops) {
            self.early_tests::<true>(ops, batch, live)
        } else {
            self.early_tests::<false>(ops, batch, live)
        }
    }

    /// The depth test of the lanes in `live` (depths `z`) when it is the only fragment test
    /// and the attachment is single-sampled D32: one loop over the batch with the format, the
    /// clamp and the compare decided once, instead of [`Self::depth_test`]'s per-fragment
    /// dispatch (which was a tenth of the small-triangle benchmark). Lane order, as there.
    /// `None` when this path does not apply.
    #[inline(always)]
    fn depth_test_d32(
        &mut self,
        ops: &DrawOps,
        batch: &FragmentBatch,
        live: u64,
        z: &[f32; LANES],
    ) -> Option<u64> {
        if self.samples != 1 {
            return None;
        }
        self.depth_test_d32_sample(ops, batch, live, z, 0)
    }

    /// [`Self::depth_test_d32`] on sample `sample` of each lane's pixel, any sample count (the
    /// per-sample path tests a sample plane of a batch at a time).
    #[inline(always)]
    pub(super) fn depth_test_d32_sample(
        &mut self,
        ops: &DrawOps,
        batch: &FragmentBatch,
        live: u64,
        z: &[f32; LANES],
        sample: usize,
    ) -> Option<u64> {
        if Self::needs_stencil_path(ops)
            || !ops.depth.test_enable
            || !self.has_depth
            || self.depth.format != Some(Format::D32_SFLOAT)
            || sample >= self.samples
        {
            return None;
        }
        let samples = self.samples as u32;
        let r = self.rect;
        let (w, h) = ((r.x1 - r.x0) as u32, (r.y1 - r.y0) as u32);
        let (compare, write) = (ops.depth.compare_op, ops.depth.write_enable);
        // Each lane's texel and the depth it tests, for all lanes at once (vector loops);
        // then the lanes one by one, in lane order, each against what the ones before wrote.
        let mut index = [0u32; LANES];
        // Lanes outside the tile (none from the rasterizer, which covers only pixels of
        // its rectangle) as all-ones words, gathered into a mask 8 lanes at a time.
        let mut outside = [0u8; LANES];
        for l in 0..LANES {
            let px = batch.x[l].wrapping_sub(r.x0 as u32);
            let py = batch.y[l].wrapping_sub(r.y0 as u32);
            outside[l] = u8::from(px >= w || py >= h);
            index[l] = (py.wrapping_mul(w).wrapping_add(px))
                .wrapping_mul(samples)
                .wrapping_add(sample as u32);
        }
        let zs: [f32; LANES] = match ops.depth_clamp {
            Some((lo, hi)) => std::array::from_fn(|l| z[l].clamp(lo, hi)),
            None => *z,
        };
        let mut inside = u64::MAX;
        for (c, bytes) in outside.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes(bytes.try_into().unwrap_or([1; 8]));
            if word != 0 {
                for (k, &o) in bytes.iter().enumerate() {
                    inside &= !(u64::from(o) << (8 * c + k));
                }
            }
        }
        let plane = &mut self.depth.bytes;
        let lanes = DepthLanes {
            index: &index,
            z: &zs,
            live: live & inside,
            write,
        };
        // The comparison decided once per batch: a loop for each.
        let (out, written) = match compare {
            CompareOp::Never => (0, false),
            CompareOp::Less => lanes.run(plane, |a, b| a < b),
            CompareOp::Equal => lanes.run(plane, |a, b| a == b),
            CompareOp::LessOrEqual => lanes.run(plane, |a, b| a <= b),
            CompareOp::Greater => lanes.run(plane, |a, b| a > b),
            CompareOp::NotEqual => lanes.run(plane, |a, b| a != b),
            CompareOp::GreaterOrEqual => lanes.run(plane, |a, b| a >= b),
            CompareOp::Always => lanes.run(plane, |_, _| true),
        };
        self.depth.dirty |= written;
        Some(out)
    }

    #[inline(always)]
    fn early_tests<const STENCIL: bool>(
        &mut self,
        ops: &DrawOps,
        batch: &FragmentBatch,
        live: u64,
    ) -> u64 {
        if !STENCIL {
            if let Some(out) = self.depth_test_d32(ops, batch, live, &batch.z) {
                return out;
            }
        }
        let mut out = live;
        for lane in 0..batch.lanes() {
            if live & (1 << lane) == 0 {
                continue;
            }
            let (x, y, z) = (batch.x[lane], batch.y[lane], batch.z[lane]);
            let pass = if STENCIL {
                let front = batch.front_facing & (1 << lane) != 0;
                self.stencil_depth_test(ops, x, y, 0, z, front)
            } else {
                self.depth_test(ops, x, y, 0, z)
            };
            if !pass {
                out &= !(1 << lane);
            }
        }
        out
    }

    /// Late operations on the lanes in `live` (the survivors of the shader's discards), in
    /// lane order: the fragment tests unless they ran early, then the colour writes. Returns
    /// the number of fragments that passed every test (what an occlusion query counts).
    pub fn late(
        &mut self,
        ops: &DrawOps,
        batch: &FragmentBatch,
        out: &FragmentOutput,
        live: u64,
        depth_done: bool,
    ) -> u64 {
        pumice_memory::simd::vectorized(
            #[inline(always)]
            || self.late_inlined(ops, batch, out, live, depth_done),
        )
    }

    #[inline(always)]
    fn late_inlined(
        &mut self,
        ops: &DrawOps,
        batch: &FragmentBatch,
        out: &FragmentOutput,
        live: u64,
        depth_done: bool,
    ) -> u64 {
        if !depth_done && Self::needs_stencil_path(ops) {
            self.late_ops::<true>(ops, batch, out, live, depth_done)
        } else {
            self.late_ops::<false>(ops, batch, out, live, depth_done)
        }
    }

    fn late_ops<const STENCIL: bool>(
        &mut self,
        ops: &DrawOps,
        batch: &FragmentBatch,
        out: &FragmentOutput,
        live: u64,
        depth_done: bool,
    ) -> u64 {
        let lanes = batch.lanes().min(LANES);
        let mut pass = if lanes == LANES {
            live
        } else {
            live & ((1u64 << lanes) - 1)
        };
        // All fragment tests first, then each attachment's writes: both in lane order, and
        // neither reads what the other writes, so this is the per-fragment order.
        let d32 = (!depth_done && !STENCIL)
            .then(|| {
                let z = if out.depth_written {
                    &out.depth
                } else {
                    &batch.z
                };
                self.depth_test_d32(ops, batch, pass, z)
            })
            .flatten();
        if let Some(survivors) = d32 {
            pass = survivors;
        } else if !depth_done && self.has_fragment_tests(ops) {
            let mut bits = pass;
            while bits != 0 {
                let lane = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let (x, y) = (batch.x[lane], batch.y[lane]);
                let z = if out.depth_written {
                    out.depth[lane]
                } else {
                    batch.z[lane]
                };
                let ok = if STENCIL {
                    let front = batch.front_facing & (1 << lane) != 0;
                    self.stencil_depth_test(ops, x, y, 0, z, front)
                } else {
                    self.depth_test(ops, x, y, 0, z)
                };
                if !ok {
                    pass &= !(1 << lane);
                }
            }
        }
        for (att, op) in ops.colors.iter().enumerate().take(MAX_COLOR_ATTACHMENTS) {
            let Some(op) = op else { continue };
            if op.skip {
                continue;
            }
            if !self.write_colors_rgba8(att, op, batch, out, pass, ops.constants) {
                let mut bits = pass;
                while bits != 0 {
                    let lane = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let src = [0, 1, 2, 3].map(|c| out.color[att][c][lane]);
                    let src1 = [0, 1, 2, 3].map(|c| out.color1[c][lane]);
                    let (x, y) = (batch.x[lane], batch.y[lane]);
                    self.write_color(att, x, y, 0, op, src, src1, ops.constants);
                }
            }
        }
        u64::from(pass.count_ones())
    }

    /// The colour writes of the lanes in `mask` to attachment `att` when it is RGBA8 or BGRA8
    /// UNORM (nearly every colour attachment), a batch at a time (`output::rgba8`). Returns
    /// `false` (having done nothing) for other formats.
    fn write_colors_rgba8(
        &mut self,
        att: usize,
        op: &ColorOp,
        batch: &FragmentBatch,
        out: &FragmentOutput,
        mask: u64,
        constants: [f32; 4],
    ) -> bool {
        self.write_colors_rgba8_sample(att, op, batch, out, mask, constants, 0)
    }

    /// [`Self::write_colors_rgba8`] to sample `sample` of each lane's pixel (the per-sample
    /// path writes each sample plane of a batch this way).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_colors_rgba8_sample(
        &mut self,
        att: usize,
        op: &ColorOp,
        batch: &FragmentBatch,
        out: &FragmentOutput,
        mask: u64,
        constants: [f32; 4],
        sample: usize,
    ) -> bool {
        pumice_memory::simd::vectorized(
            #[inline(always)]
            || self.write_colors_rgba8_sample_inlined(att, op, batch, out, mask, constants, sample),
        )
    }

    #[inline(always)]
    fn write_colors_rgba8_sample_inlined(
        &mut self,
        att: usize,
        op: &ColorOp,
        batch: &FragmentBatch,
        out: &FragmentOutput,
        mask: u64,
        constants: [f32; 4],
        sample: usize,
    ) -> bool {
        let Some(plane) = self.colors.get_mut(att) else {
            return false;
        };
        let Some(order) = plane.format.and_then(pack::rgba8_order) else {
            return false;
        };
        // Logic ops take the per-fragment path (`color_texel`).
        if op.class != NumericClass::Float || plane.bpp != 4 || op.logic.is_some() {
            return false;
        }
        let r = self.rect;
        let (w, h) = ((r.x1 - r.x0) as u32, (r.y1 - r.y0) as u32);
        let texel = (self.samples * 4) as u32;
        // Byte offsets of every lane's texel; lanes outside the tile (helpers only, by
        // construction) get one past any plane, which the writes skip.
        let mut offset = [0u32; LANES];
        for l in 0..LANES {
            let (px, py) = (
                batch.x[l].wrapping_sub(r.x0 as u32),
                batch.y[l].wrapping_sub(r.y0 as u32),
            );
            offset[l] = if px < w && py < h {
                (py * w + px) * texel + 4 * sample as u32
            } else {
                u32::MAX
            };
        }
        let mask = mask & batch.active();
        if mask == 0 {
            return true;
        }
        // Only blending reads the lanes' own earlier results (a plain write's scatter goes
        // in lane order, so the last lane on a pixel wins, as it must).
        let distinct = batch.distinct_pixels || !op.blending || {
            // One bit per pixel of the tile (at most 64×64): two lanes on one pixel?
            let mut seen = [0u64; 64];
            let mut distinct = true;
            let mut bits = mask;
            while bits != 0 {
                let lane = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let pixel = (offset[lane] / texel) as usize;
                match seen.get_mut(pixel / 64) {
                    Some(word) => {
                        distinct &= *word & (1 << (pixel % 64)) == 0;
                        *word |= 1 << (pixel % 64);
                    }
                    None => distinct = false,
                }
            }
            distinct
        };
        // Single-sample planes are rows of 4-byte texels: a full 8×8 block reads and writes
        // a row of 32 bytes at a time.
        let pitch = if texel == 4 { w * 4 } else { 0 };
        rgba8::write(
            &mut plane.bytes,
            &offset,
            pitch,
            mask,
            order,
            op,
            out,
            att,
            constants,
            distinct,
            &mut self.blend_scratch,
        );
        plane.dirty = true;
        true
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn write_color(
        &mut self,
        att: usize,
        x: u32,
        y: u32,
        s: usize,
        op: &ColorOp,
        src: [u32; 4],
        src1: [u32; 4],
        constants: [f32; 4],
    ) {
        let Some(plane) = self.colors.get(att) else {
            return;
        };
        let Some(format) = plane.format else { return };
        let bpp = plane.bpp;
        let Some(i) = self.index(x, y, s, bpp) else {
            return;
        };
        let plane = &mut self.colors[att];
        if !color_texel(
            op,
            format,
            &mut plane.bytes[i..i + bpp],
            src,
            src1,
            constants,
        ) {
            return;
        }
        plane.dirty = true;
    }
}

/// Writes a fragment with outputs `src` (second source `src1`) through `op` into the texel
/// `dst` of `format`: clamping, blending with the stored value, encoding and the write mask.
/// The per-fragment reference of every colour write (`rgba8`'s batch loops give the same
/// bytes; the uniform fills' tables are made by it). Returns `false`, leaving `dst` alone,
/// when the value cannot be encoded.
fn color_texel(
    op: &ColorOp,
    format: Format,
    dst: &mut [u8],
    src: [u32; 4],
    src1: [u32; 4],
    constants: [f32; 4],
) -> bool {
    let bpp = dst.len();
    let value = match op.class {
        NumericClass::Uint => Texel::Uint(src),
        NumericClass::Sint => Texel::Sint(src.map(|v| v as i32)),
        NumericClass::Float => {
            let s = src.map(f32::from_bits);
            if op.blending {
                let d = match pack::decode(format, dst) {
                    Some(t) => match t.to_class(NumericClass::Float) {
                        Texel::Float(v) => v,
                        _ => [0.0; 4],
                    },
                    None => [0.0; 4],
                };
                // `max` then `min`, not `clamp`: a NaN source becomes `lo` (0 for UNORM,
                // what converting NaN to a normalized format gives), as in `rgba8`'s
                // batch path; `clamp` would keep the NaN.
                let clamp = |v: [f32; 4]| match op.clamp {
                    Some((lo, hi)) => v.map(|c| c.max(lo).min(hi)),
                    None => v,
                };
                let s1 = src1.map(f32::from_bits);
                Texel::Float(blend(&op.blend, clamp(s), clamp(s1), d, clamp(constants)))
            } else {
                Texel::Float(s)
            }
        }
    };
    let mut enc = [0u8; 16];
    if !pack::encode(format, value, &mut enc[..bpp]) {
        return false;
    }
    if let Some(logic) = op.logic {
        for (e, &d) in enc.iter_mut().zip(dst.iter()) {
            *e = logic.apply(*e, d);
        }
    }
    match &op.byte_mask {
        None => dst.copy_from_slice(&enc[..bpp]),
        Some(m) => {
            for ((d, e), m) in dst.iter_mut().zip(&enc[..bpp]).zip(m) {
                *d = (*d & !m) | (e & m);
            }
        }
    }
    true
}

/// The depth stored in `bytes` of a depth format.
#[inline]
fn depth_value(format: Format, bytes: &[u8]) -> f32 {
    match pack::decode(format, bytes) {
        Some(Texel::Float(v)) => v[0],
        _ => 0.0,
    }
}

/// The factor `f` for component `i` (0–2 colour, 3 alpha).
#[inline]
fn factor(
    f: BlendFactor,
    i: usize,
    s: &[f32; 4],
    s1: &[f32; 4],
    d: &[f32; 4],
    c: &[f32; 4],
) -> f32 {
    use BlendFactor as F;
    match f {
        F::Zero => 0.0,
        F::One => 1.0,
        F::SrcColor => s[i],
        F::OneMinusSrcColor => 1.0 - s[i],
        F::DstColor => d[i],
        F::OneMinusDstColor => 1.0 - d[i],
        F::SrcAlpha => s[3],
        F::OneMinusSrcAlpha => 1.0 - s[3],
        F::DstAlpha => d[3],
        F::OneMinusDstAlpha => 1.0 - d[3],
        F::ConstantColor => c[i],
        F::OneMinusConstantColor => 1.0 - c[i],
        F::ConstantAlpha => c[3],
        F::OneMinusConstantAlpha => 1.0 - c[3],
        F::SrcAlphaSaturate => {
            if i == 3 {
                1.0
            } else {
                s[3].min(1.0 - d[3])
            }
        }
        F::Src1Color => s1[i],
        F::OneMinusSrc1Color => 1.0 - s1[i],
        F::Src1Alpha => s1[3],
        F::OneMinusSrc1Alpha => 1.0 - s1[3],
    }
}

#[inline]
fn apply(op: BlendOp, s: f32, sf: f32, d: f32, df: f32) -> f32 {
    match op {
        BlendOp::Add => s * sf + d * df,
        BlendOp::Subtract => s * sf - d * df,
        BlendOp::ReverseSubtract => d * df - s * sf,
        BlendOp::Min => s.min(d),
        BlendOp::Max => s.max(d),
    }
}

/// Blends source `s` (second source `s1`) over destination `d` with constants `c`.
pub(crate) fn blend(
    b: &ColorBlend,
    s: [f32; 4],
    s1: [f32; 4],
    d: [f32; 4],
    c: [f32; 4],
) -> [f32; 4] {
    let mut out = [0.0; 4];
    for (i, o) in out.iter_mut().enumerate() {
        let (sf, df, op) = if i < 3 {
            (b.src_color, b.dst_color, b.color_op)
        } else {
            (b.src_alpha, b.dst_alpha, b.alpha_op)
        };
        let sf = factor(sf, i, &s, &s1, &d, &c);
        let df = factor(df, i, &s, &s1, &d, &c);
        *o = apply(op, s[i], sf, d[i], df);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fill writes what `color_texel` writes, texel by texel, for stored texels whose bytes
    /// differ (the tables are made from texels whose four bytes are equal, so this checks
    /// that no byte's result depends on another where `byte_separable` says so), over random
    /// blend states, write masks and formats, and each kind of fill is made.
    #[test]
    fn fills_write_what_color_texel_writes() {
        use BlendFactor as F;
        let factors = F::ALL;
        let ops = BlendOp::ALL;
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut kinds = [0usize; 4];
        for case in 0..3000 {
            let format = [
                Format::R8G8B8A8_UNORM,
                Format::B8G8R8A8_UNORM,
                Format::R8G8B8A8_SRGB,
                Format::A8B8G8R8_UNORM_PACK32,
                Format::R8G8B8A8_UINT,
            ][case % 5];
            let pick = |r: u64, n: usize| (r % n as u64) as usize;
            let blend = ColorBlend {
                blend_enable: case % 9 != 0,
                src_color: factors[pick(next(), factors.len())],
                dst_color: factors[pick(next(), factors.len())],
                color_op: ops[pick(next(), ops.len())],
                src_alpha: factors[pick(next(), factors.len())],
                dst_alpha: factors[pick(next(), factors.len())],
                alpha_op: ops[pick(next(), ops.len())],
                write_mask: if case % 4 == 0 {
                    (next() % 16) as u8
                } else {
                    0xf
                },
            };
            let op = ColorOp::new(&blend, format, None);
            // Sources in and out of [0, 1]; some exactly 0, ½ or 1.
            let mut value = || match next() % 8 {
                0 => 0.0f32,
                1 => 1.0,
                2 => 0.5,
                _ => (next() % 1400) as f32 / 1000.0 - 0.2,
            };
            let src = [value(), value(), value(), value()].map(f32::to_bits);
            let src1 = [value(), value(), value(), value()].map(f32::to_bits);
            let constants = [value(), value(), value(), value()].map(|v| v.clamp(0.0, 1.0));
            let Some(fill) = FillTable::new(0, &op, format, src, src1, constants) else {
                assert!(op.skip || !op.byte_separable(format), "{blend:?}");
                continue;
            };
            kinds[match fill.kind {
                FillKind::Constant(_) => 0,
                FillKind::Fixed(..) => 1,
                FillKind::FixedLookup(..) => 3,
                FillKind::Table(..) => 2,
            }] += 1;
            // 37 texels: a 32-byte chunk loop and a remainder.
            let stored: Vec<u8> = (0..37 * 4).map(|_| next() as u8).collect();
            // As the tiles run it (AVX2 where the CPU has it), and in the baseline build.
            let mut filled = stored.clone();
            pumice_memory::simd::vectorized(|| fill.apply(&mut filled));
            let mut baseline = stored.clone();
            fill.apply(&mut baseline);
            assert_eq!(filled, baseline);
            for (t, (new, old)) in filled.chunks(4).zip(stored.chunks(4)).enumerate() {
                let mut expect = old.to_vec();
                assert!(color_texel(&op, format, &mut expect, src, src1, constants));
                assert_eq!(
                    new,
                    &expect[..],
                    "case {case} texel {t}: {format:?} {blend:?}"
                );
            }
        }
        assert!(kinds.iter().all(|&k| k > 30), "{kinds:?}");
    }

    /// The D32 depth test leaves the bytes and the survivors that testing lane after lane
    /// gives: every compare op, with and without writes and depth clamp, for batches whose
    /// quads overlap (the same pixel in several lanes), lie partly outside the tile, and have
    /// depths that tie or are NaN. (The reference for faster forms of the test.)
    #[test]
    fn depth_test_d32_is_the_lane_by_lane_test() {
        use crate::fragment::QUADS;
        use crate::state::CompareOp as C;
        let compares = [
            C::Never,
            C::Less,
            C::Equal,
            C::LessOrEqual,
            C::Greater,
            C::NotEqual,
            C::GreaterOrEqual,
            C::Always,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // A tile at an odd position: quads (even pixels) straddle its left and top edges.
        let rect = PixelRect {
            x0: 65,
            y0: 129,
            x1: 65 + 21,
            y1: 129 + 14,
        };
        let (w, h) = ((rect.x1 - rect.x0) as usize, (rect.y1 - rect.y0) as usize);
        let depths = [0.0f32, 0.25, 0.5, 0.75, 1.0, f32::NAN, -0.5, 2.0];
        let (mut quad_lanes, mut passed) = (0, 0);
        for case in 0..4000 {
            let mut tile = TileBuffer {
                rect,
                has_depth: true,
                samples: 1,
                ..TileBuffer::default()
            };
            tile.depth.bpp = 4;
            tile.depth.format = Some(Format::D32_SFLOAT);
            tile.depth.bytes = (0..w * h)
                .flat_map(|_| depths[(next() % 8) as usize].to_le_bytes())
                .collect();
            let mut batch = FragmentBatch::new(0);
            batch.quads = 1 + (next() % QUADS as u64) as usize;
            for q in 0..batch.quads {
                // Even pixels from one before the tile to one past it; a few positions
                // only, so that quads repeat.
                let qx = (rect.x0 - 1 + 2 * (next() % 12) as i32) as u32;
                let qy = (rect.y0 - 1 + 2 * (next() % 8) as i32) as u32;
                for k in 0..4 {
                    batch.x[4 * q + k] = qx + (k & 1) as u32;
                    batch.y[4 * q + k] = qy + (k >> 1) as u32;
                    batch.z[4 * q + k] = depths[(next() % 8) as usize];
                }
            }
            let live = next() & batch.active();
            let ops = DrawOps {
                depth: DepthState {
                    test_enable: true,
                    write_enable: case % 3 != 0,
                    compare_op: compares[case % 8],
                },
                depth_clamp: (case % 5 == 0).then_some((0.2, 0.8)),
                stencil: None,
                depth_bounds: None,
                colors: Vec::new(),
                constants: [0.0; 4],
            };
            // Lane after lane, as the per-fragment path does.
            let mut expect_bytes = tile.depth.bytes.clone();
            let mut expect = live;
            for lane in 0..LANES {
                if live & (1 << lane) == 0 {
                    continue;
                }
                let (px, py) = (
                    batch.x[lane] as i32 - rect.x0,
                    batch.y[lane] as i32 - rect.y0,
                );
                if px < 0 || py < 0 || px >= w as i32 || py >= h as i32 {
                    expect &= !(1 << lane);
                    continue;
                }
                let i = (py as usize * w + px as usize) * 4;
                let z = match ops.depth_clamp {
                    Some((lo, hi)) => batch.z[lane].clamp(lo, hi),
                    None => batch.z[lane],
                };
                let stored = f32::from_le_bytes(expect_bytes[i..i + 4].try_into().unwrap());
                if !ops.depth.compare_op.test(z, stored) {
                    expect &= !(1 << lane);
                } else if ops.depth.write_enable {
                    expect_bytes[i..i + 4].copy_from_slice(&z.to_le_bytes());
                }
            }
            let got = tile.depth_test_d32(&ops, &batch, live, &batch.z);
            assert_eq!(got, Some(expect), "case {case}: survivors");
            assert!(tile.depth.bytes == expect_bytes, "case {case}: depth bytes");
            quad_lanes += (0..QUADS)
                .filter(|&q| {
                    let (px, py) = (batch.x[4 * q] as i32, batch.y[4 * q] as i32);
                    (live >> (4 * q)) & 0xF != 0
                        && px >= rect.x0
                        && py >= rect.y0
                        && px + 1 < rect.x1
                        && py + 1 < rect.y1
                })
                .count();
            passed += expect.count_ones();
        }
        // Quads inside the tile and across its edges, and the tests were not all one way.
        assert!(
            quad_lanes > 10_000 && passed > 10_000,
            "{quad_lanes} {passed}"
        );
    }

    #[test]
    fn blend_over_and_min_max() {
        let b = ColorBlend::alpha_over();
        let r = blend(
            &b,
            [1.0, 0.0, 0.0, 0.25],
            [0.0; 4],
            [0.0, 0.0, 1.0, 1.0],
            [0.0; 4],
        );
        assert_eq!(r, [0.25, 0.0, 0.75, 0.25 * 0.25 + 0.75]);
        let m = ColorBlend {
            color_op: BlendOp::Min,
            alpha_op: BlendOp::Max,
            ..ColorBlend::additive()
        };
        let r = blend(
            &m,
            [0.2, 0.8, 0.5, 0.1],
            [0.0; 4],
            [0.5, 0.5, 0.5, 0.9],
            [0.0; 4],
        );
        assert_eq!(r, [0.2, 0.5, 0.5, 0.9]);
        let sat = ColorBlend {
            src_color: BlendFactor::SrcAlphaSaturate,
            src_alpha: BlendFactor::SrcAlphaSaturate,
            dst_color: BlendFactor::Zero,
            dst_alpha: BlendFactor::Zero,
            ..ColorBlend::additive()
        };
        let r = blend(
            &sat,
            [1.0, 1.0, 1.0, 0.8],
            [0.0; 4],
            [0.0, 0.0, 0.0, 0.5],
            [0.0; 4],
        );
        assert_eq!(r, [0.5, 0.5, 0.5, 0.8]);
    }

    #[test]
    fn write_mask_bytes() {
        let b = ColorBlend {
            write_mask: crate::state::COLOR_R | crate::state::COLOR_A,
            ..ColorBlend::default()
        };
        let op = ColorOp::new(&b, Format::B8G8R8A8_UNORM, None);
        assert_eq!(&op.byte_mask.unwrap()[..4], &[0, 0, 0xff, 0xff]);
        let full = ColorOp::new(&ColorBlend::default(), Format::R8G8B8A8_UNORM, None);
        assert!(full.byte_mask.is_none());
        // R8_UNORM has no green: a mask of R alone is still complete.
        let r_only = ColorBlend {
            write_mask: crate::state::COLOR_R,
            ..ColorBlend::default()
        };
        assert!(ColorOp::new(&r_only, Format::R8_UNORM, None)
            .byte_mask
            .is_none());
    }
}
