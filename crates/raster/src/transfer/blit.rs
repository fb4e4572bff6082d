//! `vkCmdBlitImage`, following the specification's "Image Blits" section.
//!
//! For each destination texel centre the source coordinate is found by scaling:
//! `u = src0 + (x + 0.5 - dst0) * (src1 - src0) / (dst1 - dst0)` on each axis (offsets in either
//! order, which flips), then the source is sampled with clamp-to-edge addressing over the whole
//! mip level: `floor(u)` for nearest filtering, the 2, 4 or 8 nearest texel centres weighted
//! linearly for linear filtering. Texels are decoded with `pack::decode` (sRGB to linear), filtered
//! as floats and encoded with `pack::encode` into the destination format.
//!
//! Integer formats blit only to integer formats of the same signedness and keep their values (no
//! filtering); depth/stencil formats blit only to the same format, with nearest filtering. A
//! nearest blit between identical formats copies the texels' bytes.
//!
//! Source rows are read whole (one `DeviceMemory::read` each, reused between destination rows
//! that need them) and each destination row is written with one `DeviceMemory::write`.

use super::{add, ensure, mul, ok_or, resolve_count, Filter, ImageBlit, ImageRef, TransferError};
use pumice_texel::{pack, Aspect, Format, NumericClass, SubresourceLayout, Texel};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Same format, nearest: copy the texels' bytes.
    Raw,
    /// Decode, convert, encode.
    Nearest,
    /// Decode, filter linearly as floats, encode.
    Linear,
}

#[derive(Clone, Copy, Debug)]
struct Plan {
    src_format: Format,
    dst_format: Format,
    src_sub: SubresourceLayout,
    dst_sub: SubresourceLayout,
    /// Absolute memory offsets of the first layer of each side.
    src_base: u64,
    dst_base: u64,
    layers: u32,
    src_offsets: [[i32; 3]; 2],
    dst_offsets: [[i32; 3]; 2],
    mode: Mode,
}

/// Checks that `offsets` lie inside a level of `extent` (both ends in `0..=extent`).
fn check_offsets(offsets: &[[i32; 3]; 2], extent: [u32; 3]) -> Result<(), TransferError> {
    for o in offsets {
        for a in 0..3 {
            let v = u32::try_from(o[a]).map_err(|_| TransferError)?;
            ensure(v <= extent[a])?;
        }
    }
    Ok(())
}

/// A texel of `format`'s class with the value (0, 0, 0, 1), to probe what `pack` supports.
fn probe_value(format: Format) -> Texel {
    match format.numeric_class() {
        NumericClass::Float => Texel::Float([0.0, 0.0, 0.0, 1.0]),
        NumericClass::Uint => Texel::Uint([0, 0, 0, 1]),
        NumericClass::Sint => Texel::Sint([0, 0, 0, 1]),
    }
}

fn plan(
    src: &ImageRef,
    dst: &ImageRef,
    r: &ImageBlit,
    filter: Filter,
) -> Result<Plan, TransferError> {
    let (sd, dd) = (&src.layout.desc, &dst.layout.desc);
    ensure(sd.samples == 1 && dd.samples == 1)?;
    ensure(r.src.aspect == r.dst.aspect)?;
    let src_format = ok_or(sd.format.plane_format(r.src.aspect))?;
    let dst_format = ok_or(dd.format.plane_format(r.dst.aspect))?;
    ensure(!src_format.is_compressed() && !dst_format.is_compressed())?;
    let mode = if r.src.aspect != Aspect::Color {
        ensure(sd.format == dd.format && filter == Filter::Nearest)?;
        Mode::Raw
    } else {
        let class = src_format.numeric_class();
        ensure(class == dst_format.numeric_class())?;
        if filter == Filter::Nearest && src_format == dst_format {
            Mode::Raw
        } else {
            let mut probe = vec![
                0u8;
                src_format
                    .info()
                    .block_bytes
                    .max(dst_format.info().block_bytes) as usize
            ];
            ensure(pack::decode(src_format, &probe).is_some())?;
            ensure(pack::encode(
                dst_format,
                probe_value(dst_format),
                &mut probe,
            ))?;
            if filter == Filter::Linear && class == NumericClass::Float {
                Mode::Linear
            } else {
                Mode::Nearest
            }
        }
    };
    let layers = resolve_count(r.src.base_array_layer, r.src.layer_count, sd.array_layers)?;
    ensure(resolve_count(r.dst.base_array_layer, r.dst.layer_count, dd.array_layers)? == layers)?;
    let src_sub = ok_or(src.layout.subresource(
        r.src.aspect,
        r.src.mip_level,
        r.src.base_array_layer,
    ))?;
    let dst_sub = ok_or(dst.layout.subresource(
        r.dst.aspect,
        r.dst.mip_level,
        r.dst.base_array_layer,
    ))?;
    check_offsets(&r.src_offsets, src_sub.extent)?;
    check_offsets(&r.dst_offsets, dst_sub.extent)?;
    Ok(Plan {
        src_format,
        dst_format,
        src_sub,
        dst_sub,
        src_base: add(src.offset, src_sub.offset)?,
        dst_base: add(dst.offset, dst_sub.offset)?,
        layers,
        src_offsets: r.src_offsets,
        dst_offsets: r.dst_offsets,
        mode,
    })
}

/// One source sample along an axis: two texel indices and the weight of the second.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Tap {
    i0: u32,
    i1: u32,
    w: f32,
}

/// The taps of each destination texel in `min(d0, d1)..max(d0, d1)` on one axis.
fn axis_taps(s0: i32, s1: i32, d0: i32, d1: i32, size: u32, linear: bool) -> Vec<Tap> {
    let (lo, hi) = (d0.min(d1), d0.max(d1));
    let scale = (f64::from(s1) - f64::from(s0)) / (f64::from(d1) - f64::from(d0));
    let max = i64::from(size) - 1;
    // `clamp` bounds the value to `0..=size - 1`, which fits in u32.
    let clamp = |i: i64| i.clamp(0, max.max(0)) as u32;
    (lo..hi)
        .map(|x| {
            let u = f64::from(s0) + (f64::from(x) + 0.5 - f64::from(d0)) * scale;
            if linear {
                let t = u - 0.5;
                let f = t.floor();
                let i = f as i64;
                Tap {
                    i0: clamp(i),
                    i1: clamp(i.saturating_add(1)),
                    w: (t - f) as f32,
                }
            } else {
                let i = clamp(u.floor() as i64);
                Tap {
                    i0: i,
                    i1: i,
                    w: 0.0,
                }
            }
        })
        .collect()
}

fn lerp(a: [f32; 4], b: [f32; 4], w: f32) -> [f32; 4] {
    if w == 0.0 {
        return a;
    }
    [0, 1, 2, 3].map(|c| a[c] * (1.0 - w) + b[c] * w)
}

/// The source rows needed for one destination row, keyed by (z, y).
struct Rows {
    rows: Vec<((u32, u32), Vec<u8>)>,
}

impl Rows {
    fn get(&self, key: (u32, u32)) -> Result<&[u8], TransferError> {
        self.rows
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, r)| r.as_slice())
            .ok_or(TransferError)
    }
}

fn texel_bytes(row: &[u8], i: u32, bytes: usize) -> Result<&[u8], TransferError> {
    let start = (i as usize).checked_mul(bytes).ok_or(TransferError)?;
    row.get(start..start.checked_add(bytes).ok_or(TransferError)?)
        .ok_or(TransferError)
}

fn decode_at(format: Format, row: &[u8], i: u32, bytes: usize) -> Result<Texel, TransferError> {
    ok_or(pack::decode(format, texel_bytes(row, i, bytes)?))
}

fn decode_float(
    format: Format,
    row: &[u8],
    i: u32,
    bytes: usize,
) -> Result<[f32; 4], TransferError> {
    match decode_at(format, row, i, bytes)? {
        Texel::Float(v) => Ok(v),
        _ => Err(TransferError),
    }
}

fn execute(src: &ImageRef, dst: &ImageRef, p: &Plan) -> Result<(), TransferError> {
    let linear = p.mode == Mode::Linear;
    let [s0, s1] = p.src_offsets;
    let [d0, d1] = p.dst_offsets;
    let taps: [Vec<Tap>; 3] =
        [0, 1, 2].map(|a| axis_taps(s0[a], s1[a], d0[a], d1[a], p.src_sub.extent[a], linear));
    if taps.iter().any(|t| t.is_empty()) {
        return Ok(());
    }
    let [xs, ys, zs] = &taps;
    let lo = [0, 1, 2].map(|a| u64::from(d0[a].min(d1[a]).max(0).unsigned_abs()));
    let sb = p.src_format.info().block_bytes as usize;
    let db = p.dst_format.info().block_bytes as usize;
    let src_row_len = usize::try_from(p.src_sub.row_pitch).map_err(|_| TransferError)?;
    let mut out = vec![0u8; xs.len().checked_mul(db).ok_or(TransferError)?];
    for layer in 0..p.layers {
        let src_layer = add(p.src_base, mul(u64::from(layer), p.src_sub.array_pitch)?)?;
        let dst_layer = add(p.dst_base, mul(u64::from(layer), p.dst_sub.array_pitch)?)?;
        let mut rows = Rows { rows: Vec::new() };
        for (zi, tz) in zs.iter().enumerate() {
            for (yi, ty) in ys.iter().enumerate() {
                // Gather the source rows of this destination row, reusing the previous ones.
                let mut keys = vec![(tz.i0, ty.i0)];
                if linear {
                    keys.extend([(tz.i0, ty.i1), (tz.i1, ty.i0), (tz.i1, ty.i1)]);
                }
                let mut next = Vec::with_capacity(keys.len());
                for key in keys {
                    if next.iter().any(|(k, _)| *k == key) {
                        continue;
                    }
                    let row = match rows.rows.iter().position(|(k, _)| *k == key) {
                        Some(i) => rows.rows.swap_remove(i).1,
                        None => {
                            let mut row = vec![0u8; src_row_len];
                            let at = add(
                                add(src_layer, mul(u64::from(key.0), p.src_sub.depth_pitch)?)?,
                                mul(u64::from(key.1), p.src_sub.row_pitch)?,
                            )?;
                            src.memory.read(at, &mut row)?;
                            row
                        }
                    };
                    next.push((key, row));
                }
                rows.rows = next;

                for (xi, tx) in xs.iter().enumerate() {
                    let slot = out.get_mut(xi * db..(xi + 1) * db).ok_or(TransferError)?;
                    match p.mode {
                        Mode::Raw => {
                            let r = rows.get((tz.i0, ty.i0))?;
                            slot.copy_from_slice(texel_bytes(r, tx.i0, sb)?);
                        }
                        Mode::Nearest => {
                            let t = decode_at(p.src_format, rows.get((tz.i0, ty.i0))?, tx.i0, sb)?;
                            ensure(pack::encode(p.dst_format, t, slot))?;
                        }
                        Mode::Linear => {
                            let sample = |z: u32, y: u32| -> Result<[f32; 4], TransferError> {
                                let r = rows.get((z, y))?;
                                let a = decode_float(p.src_format, r, tx.i0, sb)?;
                                if tx.w == 0.0 {
                                    return Ok(a);
                                }
                                let b = decode_float(p.src_format, r, tx.i1, sb)?;
                                Ok(lerp(a, b, tx.w))
                            };
                            let plane = |z: u32| -> Result<[f32; 4], TransferError> {
                                let a = sample(z, ty.i0)?;
                                if ty.w == 0.0 {
                                    return Ok(a);
                                }
                                Ok(lerp(a, sample(z, ty.i1)?, ty.w))
                            };
                            let mut v = plane(tz.i0)?;
                            if tz.w != 0.0 {
                                v = lerp(v, plane(tz.i1)?, tz.w);
                            }
                            ensure(pack::encode(p.dst_format, Texel::Float(v), slot))?;
                        }
                    }
                }
                let z = add(lo[2], zi as u64)?;
                let y = add(lo[1], yi as u64)?;
                let at = add(
                    add(
                        add(dst_layer, mul(z, p.dst_sub.depth_pitch)?)?,
                        mul(y, p.dst_sub.row_pitch)?,
                    )?,
                    mul(lo[0], db as u64)?,
                )?;
                dst.memory.write(at, &out)?;
            }
        }
    }
    Ok(())
}

pub(super) fn blit_image(
    src: &ImageRef,
    dst: &ImageRef,
    regions: &[ImageBlit],
    filter: Filter,
) -> Result<(), TransferError> {
    super::check_image(src)?;
    super::check_image(dst)?;
    let plans = regions
        .iter()
        .map(|r| plan(src, dst, r, filter))
        .collect::<Result<Vec<_>, _>>()?;
    for p in &plans {
        execute(src, dst, p)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_follow_the_spec() {
        // 2x downscale, linear: destination texel x samples source centre 2x + 1, halfway
        // between texels 2x and 2x + 1.
        let t = axis_taps(0, 8, 0, 4, 8, true);
        assert_eq!(
            t[1],
            Tap {
                i0: 2,
                i1: 3,
                w: 0.5
            }
        );
        // Nearest upscale by 2: texel x reads x / 2.
        let t = axis_taps(0, 2, 0, 4, 2, false);
        assert_eq!(t.iter().map(|t| t.i0).collect::<Vec<_>>(), [0, 0, 1, 1]);
        // Flip: destination offsets reversed.
        let t = axis_taps(0, 4, 4, 0, 4, false);
        assert_eq!(t.iter().map(|t| t.i0).collect::<Vec<_>>(), [3, 2, 1, 0]);
        // Linear at the edge clamps.
        let t = axis_taps(0, 2, 0, 4, 2, true);
        assert_eq!(
            t[0],
            Tap {
                i0: 0,
                i1: 0,
                w: 0.75
            }
        );
        assert_eq!(
            t[3],
            Tap {
                i0: 1,
                i1: 1,
                w: 0.25
            }
        );
    }
}
