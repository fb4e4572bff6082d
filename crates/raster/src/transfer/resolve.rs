//! `vkCmdResolveImage` and render pass resolves: a multisampled colour image's samples
//! averaged into a single-sample image; depth and stencil resolves (`VK_KHR_depth_stencil_
//! resolve`, core in 1.2) by sample 0, the minimum, the maximum or (depth) the average.
//!
//! Specification ("Resolving Multisample Images"; `VK_RESOLVE_MODE_AVERAGE_BIT`): for float
//! and normalized formats the samples are averaged — in linear space for sRGB formats (decoded,
//! averaged, encoded); integer formats take sample 0 (`VK_RESOLVE_MODE_SAMPLE_ZERO_BIT`, the
//! only mode the specification allows for them). Formats of four 8-bit UNORM components (the
//! common attachments) take an exact integer path, `(s₀ + s₁ + s₂ + s₃ + 2) / 4` per byte,
//! which is the float path's round-to-nearest without its rounding error at ties.

use super::{check_image, ensure, offset_u32, ok_or, resolve_count, ImageCopy, ImageRef};
use super::{TransferError, REMAINING};
use pumice_texel::format::Numeric;
use pumice_texel::{pack, Aspect, Format, NumericClass, Texel};

/// How one texel is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Every byte is an 8-bit UNORM component: integer average.
    Unorm8,
    /// Decode, average in f32, encode.
    Float,
    /// Integer formats: sample 0.
    SampleZero,
    /// Depth or stencil: the smallest or largest sample (decoded).
    Min,
    Max,
}

/// A depth or stencil resolve mode (`VkResolveModeFlagBits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepthStencilResolve {
    SampleZero,
    /// Depth only.
    Average,
    Min,
    Max,
}

fn mode(format: Format) -> Mode {
    let info = format.info();
    let comps = info.components();
    if format.numeric_class() != NumericClass::Float {
        Mode::SampleZero
    } else if !comps.is_empty()
        && comps.len() == info.block_bytes as usize
        && comps
            .iter()
            .all(|c| c.numeric == Numeric::Unorm && c.bits == 8)
    {
        Mode::Unorm8
    } else {
        Mode::Float
    }
}

/// Resolves one row: `src` holds `n` texels of `samples` samples of `bpp` bytes, `dst` `n`
/// texels.
fn resolve_row(format: Format, m: Mode, bpp: usize, samples: usize, src: &[u8], dst: &mut [u8]) {
    let texel = bpp * samples;
    if m == Mode::Unorm8 && bpp == 4 && samples == 4 {
        // The common case (4× RGBA8/BGRA8), four bytes at a time in 16-bit lanes: the even
        // and the odd bytes of the four samples summed apart (at most 4 · 255, no carry into
        // the next lane), plus 2, over 4 — `(s₀ + s₁ + s₂ + s₃ + 2) / 4` per byte, as below,
        // in a few word operations instead of a loop per byte.
        const LOW: u32 = 0x00ff_00ff;
        for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(16)) {
            let w =
                |k: usize| u32::from_le_bytes([s[4 * k], s[4 * k + 1], s[4 * k + 2], s[4 * k + 3]]);
            let (mut even, mut odd) = (0x0002_0002u32, 0x0002_0002u32);
            for k in 0..4 {
                even += w(k) & LOW;
                odd += (w(k) >> 8) & LOW;
            }
            let v = ((even >> 2) & LOW) | (((odd >> 2) & LOW) << 8);
            d.copy_from_slice(&v.to_le_bytes());
        }
        return;
    }
    for (d, s) in dst.chunks_exact_mut(bpp).zip(src.chunks_exact(texel)) {
        match m {
            Mode::SampleZero => d.copy_from_slice(&s[..bpp]),
            Mode::Min | Mode::Max => {
                // Depth and stencil planes hold one component: compare decoded values.
                let value = |k: usize| match pack::decode(format, &s[k * bpp..(k + 1) * bpp]) {
                    Some(Texel::Float(v)) => f64::from(v[0]),
                    Some(Texel::Uint(v)) => f64::from(v[0]),
                    Some(Texel::Sint(v)) => f64::from(v[0]),
                    None => 0.0,
                };
                let mut best = 0;
                for k in 1..samples {
                    let better = if m == Mode::Min {
                        value(k) < value(best)
                    } else {
                        value(k) > value(best)
                    };
                    if better {
                        best = k;
                    }
                }
                d.copy_from_slice(&s[best * bpp..(best + 1) * bpp]);
            }
            Mode::Unorm8 => {
                for (i, out) in d.iter_mut().enumerate() {
                    let sum: usize = (0..samples).map(|k| usize::from(s[k * bpp + i])).sum();
                    *out = ((sum + samples / 2) / samples) as u8;
                }
            }
            Mode::Float => {
                let mut acc = [0.0f32; 4];
                for k in 0..samples {
                    if let Some(Texel::Float(v)) = pack::decode(format, &s[k * bpp..(k + 1) * bpp])
                        .map(|t| t.to_class(NumericClass::Float))
                    {
                        for (a, v) in acc.iter_mut().zip(v) {
                            *a += v;
                        }
                    }
                }
                let avg = acc.map(|a| a / samples as f32);
                pack::encode(format, Texel::Float(avg), d);
            }
        }
    }
}

/// One layer of one region: source and destination offsets of row 0, row pitches, rows and
/// texels per row.
struct Job {
    src: u64,
    dst: u64,
    src_pitch: u64,
    dst_pitch: u64,
    rows: u32,
    width: u32,
}

/// `vkCmdResolveImage`: `src` (multisampled) into `dst` (single-sample) of the same format,
/// colour aspect only; the regions are `VkImageResolve`s. Every region is checked before
/// anything is written.
pub fn resolve_image(
    src: ImageRef,
    dst: ImageRef,
    regions: &[ImageCopy],
) -> Result<(), TransferError> {
    let sd = &src.layout.desc;
    ensure(sd.format.aspects().color && !sd.format.is_compressed())?;
    resolve_aspect(src, dst, regions, Aspect::Color, mode(sd.format))
}

/// The depth or stencil resolve of a render pass: aspect `aspect` of `src` (multisampled)
/// into the same aspect of `dst` (single-sample, of a format with the same plane format).
pub fn resolve_depth_stencil(
    src: ImageRef,
    dst: ImageRef,
    regions: &[ImageCopy],
    aspect: Aspect,
    how: DepthStencilResolve,
) -> Result<(), TransferError> {
    ensure(matches!(aspect, Aspect::Depth | Aspect::Stencil))?;
    let plane = |i: &ImageRef| {
        i.layout
            .subresource(aspect, 0, 0)
            .map(|s| s.format)
            .ok_or(TransferError)
    };
    let format = plane(&src)?;
    ensure(plane(&dst)? == format)?;
    let m = match how {
        DepthStencilResolve::SampleZero => Mode::SampleZero,
        DepthStencilResolve::Average if aspect == Aspect::Depth => Mode::Float,
        DepthStencilResolve::Average => return Err(TransferError),
        DepthStencilResolve::Min => Mode::Min,
        DepthStencilResolve::Max => Mode::Max,
    };
    resolve_aspect(src, dst, regions, aspect, m)
}

/// The resolve of `aspect` (whose plane format both images share) with mode `m`.
fn resolve_aspect(
    src: ImageRef,
    dst: ImageRef,
    regions: &[ImageCopy],
    aspect: Aspect,
    m: Mode,
) -> Result<(), TransferError> {
    check_image(&src)?;
    check_image(&dst)?;
    let (sd, dd) = (&src.layout.desc, &dst.layout.desc);
    // VUID-vkCmdResolveImage-srcImage-00257/00259, -srcImage-01386.
    ensure(sd.samples > 1 && dd.samples == 1)?;
    let format = ok_or(src.layout.subresource(aspect, 0, 0))?.format;
    ensure(ok_or(dst.layout.subresource(aspect, 0, 0))?.format == format)?;
    let bpp = format.info().block_bytes as usize;
    let samples = sd.samples as usize;
    let mut jobs = Vec::new();
    for r in regions {
        ensure(r.src.aspect == aspect && r.dst.aspect == aspect)?;
        ensure(r.extent[2] == 1 && r.src_offset[2] == 0 && r.dst_offset[2] == 0)?;
        let n = resolve_count(r.src.base_array_layer, r.src.layer_count, sd.array_layers)?;
        let dst_count = if r.dst.layer_count == REMAINING {
            n
        } else {
            r.dst.layer_count
        };
        ensure(dst_count == n)?;
        resolve_count(r.dst.base_array_layer, n, dd.array_layers)?;
        if r.extent[0] == 0 || r.extent[1] == 0 {
            continue;
        }
        for l in 0..n {
            let ss = ok_or(src.layout.subresource(
                aspect,
                r.src.mip_level,
                r.src.base_array_layer + l,
            ))?;
            let ds = ok_or(dst.layout.subresource(
                aspect,
                r.dst.mip_level,
                r.dst.base_array_layer + l,
            ))?;
            let mut at = [[0u64; 2]; 2];
            for (k, (sub, off)) in [(&ss, r.src_offset), (&ds, r.dst_offset)]
                .iter()
                .enumerate()
            {
                for a in 0..2 {
                    let o = offset_u32(off[a])?;
                    ensure(u64::from(o) + u64::from(r.extent[a]) <= u64::from(sub.extent[a]))?;
                    at[k][a] = u64::from(o);
                }
            }
            jobs.push(Job {
                src: src.offset
                    + ss.offset
                    + at[0][1] * ss.row_pitch
                    + at[0][0] * (bpp * samples) as u64,
                dst: dst.offset + ds.offset + at[1][1] * ds.row_pitch + at[1][0] * bpp as u64,
                src_pitch: ss.row_pitch,
                dst_pitch: ds.row_pitch,
                rows: r.extent[1],
                width: r.extent[0],
            });
        }
    }
    let mut srow = Vec::new();
    let mut drow = Vec::new();
    for j in &jobs {
        srow.resize(j.width as usize * bpp * samples, 0);
        drow.resize(j.width as usize * bpp, 0);
        for y in 0..u64::from(j.rows) {
            src.memory.read(j.src + y * j.src_pitch, &mut srow)?;
            resolve_row(format, m, bpp, samples, &srow, &mut drow);
            dst.memory.write(j.dst + y * j.dst_pitch, &drow)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time 4× RGBA8 average is `(s₀ + s₁ + s₂ + s₃ + 2) / 4` per byte.
    #[test]
    fn four_sample_rgba8_average_is_exact() {
        let mut rng = crate::tests::Xorshift32(0x1234_5678);
        let mut src = vec![0u8; 16 * 4096];
        for b in src.iter_mut() {
            *b = rng.next_u32() as u8;
        }
        // Every byte at its extremes too.
        src[..16].fill(255);
        src[16..32].fill(0);
        let mut dst = vec![0u8; 4 * 4096];
        resolve_row(Format::R8G8B8A8_UNORM, Mode::Unorm8, 4, 4, &src, &mut dst);
        for (p, d) in dst.chunks(4).enumerate() {
            for i in 0..4 {
                let sum: u32 = (0..4).map(|k| u32::from(src[p * 16 + k * 4 + i])).sum();
                assert_eq!(u32::from(d[i]), (sum + 2) / 4, "pixel {p} byte {i}");
            }
        }
    }
}
