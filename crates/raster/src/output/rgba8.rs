//! Colour writes to RGBA8 and BGRA8 UNORM attachments (nearly every colour attachment), a batch
//! at a time, as loops over all 64 lanes that the compiler vectorizes.
//!
//! The arithmetic is that of the per-fragment path (`TileBuffer::write_color`), so the bytes
//! are identical: destinations decode as `byte / 255` (an f32 division, which is exactly
//! `pack::decode_unorm`'s f64-rounded value for all 256 bytes — multiplying by 1/255 is not);
//! source and constants are clamped to [0, 1]; `output::blend`'s factors and equations; results
//! encode with `pack::encode_unorm`'s f64 round-half-up (in f32 it differs for 128 of the 2³⁰
//! floats in [0, 1]). What changes is the shape: every step is a loop over the 64 lanes of the
//! batch — gather the destination words, unpack, choose each blend factor and equation *once
//! per batch*, blend, encode, pack — and only the final store is per covered lane. Lanes not
//! written compute too (their results are dropped): at 64 lanes a branch per lane costs more
//! than the arithmetic.
//!
//! Blending reads the destination, so gather-then-blend is only valid when no two lanes of the
//! batch write the same pixel; a batch with such a pair (overlapping triangles of one draw in
//! one batch) takes the lane-by-lane loop, which is the reference order.
//!
//! Numbers (8 full-screen alpha-blended layers at 1920×1080, 2 threads, ratio to lavapipe in the
//! same run): generic `pack::encode`/`decode` per fragment 0.03×; a per-fragment RGBA8 path
//! without the libm `round` call 0.07×; compacted lanes with per-lane gathers into f32 arrays
//! 0.08–0.09× (this function was 31% of the profile); the 64-lane loops below, with the
//! rasterizer changes of the same session (`tile`), 0.20–0.23×. In the callgrind probe
//! (`tests::ops::blended_fill_probe`, one 1080p layer, one thread) the rasterizer side is 146
//! instructions per pixel, 78 of them here: gathers and scatters, the f64 encode (two lanes
//! per SSE2 instruction) and the blend loops. An exact f32 encode (Fast2Sum plus a tie
//! correction) was tried: more instructions, so the f64 one stays.

use super::ColorOp;
use crate::fragment::{FragmentOutput, LANES};
use crate::state::{BlendFactor, BlendOp};
use pumice_texel::pack::UNORM8_TO_F32;

type Lanes = [f32; LANES];

/// `pack::encode_unorm(v, 8)`: NaN → 0, clamp to [0, 1], `⌊v·255 + ½⌋` — exactly, in f32
/// arithmetic only (SSE2 does four lanes per instruction, f64 two, and the saturating `as`
/// casts compile to scalar code with NaN checks).
///
/// The exact product `p = v·255` is `t + e`: `t = 256v − v` rounded (256v is exact), and `e`
/// its rounding error, exact by Fast2Sum (|256v| ≥ |v|). `⌊p + ½⌋` equals `p` rounded to the
/// nearest integer, ties to even, because the only f32 with an exact tie is ½ (p = 127.5; 255 =
/// 3·5·17 divides no other odd numerator), whose even neighbour is 128. Adding 2²³ rounds `t`
/// that way and leaves the integer in the low bits; where `t` itself is a tie the sign of `e`
/// says which way `p` goes. Checked against `encode_unorm` for every f32 in [0, 1] when
/// written; the test below samples them.
#[inline(always)]
fn encode8(v: f32) -> u32 {
    let f = (v as f64).max(0.0).min(1.0);
    (f * 255.0 + 4_503_599_627_370_496.0).to_bits() as u32
}

/// Writes lane `l` of the batch, for each bit `l` of `mask`, to the texel at byte `offset[l]`
/// of `bytes` (a tile plane of 4-byte texels in channel order `order`, rows `pitch` bytes
/// apart, or 0 when texels are not adjacent), with the constants `op`. `distinct`: no two
/// lanes of `mask` share a texel.
#[allow(clippy::too_many_arguments)]
#[inline(always)] // into the caller's AVX2 build (`pumice_memory::simd`)
pub(super) fn write(
    bytes: &mut [u8],
    offset: &[u32; LANES],
    pitch: u32,
    mask: u64,
    order: [usize; 4],
    op: &ColorOp,
    out: &FragmentOutput,
    att: usize,
    constants: [f32; 4],
    distinct: bool,
) {
    let Some(src) = out.color.get(att) else {
        return;
    };
    let keep = match &op.byte_mask {
        None => 0,
        Some(m) => !u32::from_le_bytes([m[0], m[1], m[2], m[3]]),
    };
    let (lo, hi) = op.clamp.unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
    let clamp = |v: f32| v.max(lo).min(hi);
    if op.blending && !distinct {
        // Lanes may blend over each other's results: one at a time, in lane order.
        let k = constants.map(clamp);
        let mut bits = mask;
        while bits != 0 {
            let lane = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let o = offset[lane] as usize;
            let Some(dst) = bytes.get(o..o + 4) else {
                continue;
            };
            let s = [0, 1, 2, 3].map(|c| clamp(f32::from_bits(src[c][lane])));
            let s1 = [0, 1, 2, 3].map(|c| clamp(f32::from_bits(out.color1[c][lane])));
            let d = order.map(|i| UNORM8_TO_F32[dst[i] as usize]);
            let v = super::blend(&op.blend, s, s1, d, k);
            let word = (0..4).fold(0, |w, c| w | encode8(v[c]) << (8 * order[c]));
            store(bytes, o, word, keep);
        }
        return;
    }
    // A batch that is one 8×8 block of the plane (what `tile::push_block` makes of a large
    // triangle) is read and written as 8 rows of 32 bytes, its lanes permuted with constant
    // indices; other batches are gathered and scattered a lane at a time with a bounds check
    // each (~10 instructions a pixel of the ~84 of a blended full-screen layer).
    let block = block_base(offset, pitch, bytes.len());
    // The destination words, where blending or the write mask needs them.
    let mut dst = [0u32; LANES];
    if op.blending || keep != 0 {
        if let Some(base) = block {
            let rows = read_block(bytes, base, pitch as usize);
            for (d, &i) in dst.iter_mut().zip(&BLOCK_INDEX) {
                *d = rows[i];
            }
        } else {
            for (d, &o) in dst.iter_mut().zip(offset) {
                let o = o as usize;
                *d = bytes
                    .get(o..o + 4)
                    .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            }
        }
    }
    // The four components' results, then packed in one pass (each word built in registers).
    let mut result = [[0.0f32; LANES]; 4];
    if op.blending {
        // Plain loops over zeroed arrays: `array::from_fn` closures were not vectorized.
        let mut d = [[0.0f32; LANES]; 4];
        let mut s = [[0.0f32; LANES]; 4];
        for c in 0..4 {
            let shift = 8 * order[c];
            for (x, w) in d[c].iter_mut().zip(&dst) {
                *x = ((w >> shift) & 0xff) as f32 / 255.0;
            }
            for (x, &v) in s[c].iter_mut().zip(&src[c]) {
                *x = clamp(f32::from_bits(v));
            }
        }
        let b = &op.blend;
        let dual = [b.src_color, b.dst_color, b.src_alpha, b.dst_alpha]
            .iter()
            .any(|f| f.is_dual_source());
        // Made (and zeroed first) only for dual-source factors: 1 KiB a batch otherwise.
        let s1_values: [[f32; LANES]; 4];
        let s1 = if dual {
            s1_values = out.color1.map(|v| v.map(|v| clamp(f32::from_bits(v))));
            &s1_values
        } else {
            &s // not read
        };
        let k = constants.map(clamp);
        let mut sf = [0.0f32; LANES];
        let mut df = [0.0f32; LANES];
        for (c, r) in result.iter_mut().enumerate() {
            let (f_src, f_dst, eq) = if c < 3 {
                (b.src_color, b.dst_color, b.color_op)
            } else {
                (b.src_alpha, b.dst_alpha, b.alpha_op)
            };
            let (sc, dc) = (&s[c], &d[c]);
            match eq {
                BlendOp::Add | BlendOp::Subtract | BlendOp::ReverseSubtract => {
                    factor(f_src, c, &s, s1, &d, &k, &mut sf);
                    factor(f_dst, c, &s, s1, &d, &k, &mut df);
                    match eq {
                        BlendOp::Add => {
                            (0..LANES).for_each(|j| r[j] = sc[j] * sf[j] + dc[j] * df[j])
                        }
                        BlendOp::Subtract => {
                            (0..LANES).for_each(|j| r[j] = sc[j] * sf[j] - dc[j] * df[j])
                        }
                        _ => (0..LANES).for_each(|j| r[j] = dc[j] * df[j] - sc[j] * sf[j]),
                    }
                }
                BlendOp::Min => (0..LANES).for_each(|j| r[j] = sc[j].min(dc[j])),
                BlendOp::Max => (0..LANES).for_each(|j| r[j] = sc[j].max(dc[j])),
            }
        }
    } else {
        for (r, lanes) in result.iter_mut().zip(src) {
            for (r, &v) in r.iter_mut().zip(lanes) {
                *r = f32::from_bits(v);
            }
        }
    }
    let shift = order.map(|o| 8 * o as u32);
    let mut word = [0u32; LANES];
    for (l, w) in word.iter_mut().enumerate() {
        *w = encode8(result[0][l]) << shift[0]
            | encode8(result[1][l]) << shift[1]
            | encode8(result[2][l]) << shift[2]
            | encode8(result[3][l]) << shift[3];
    }
    if keep != 0 {
        for (w, d) in word.iter_mut().zip(&dst) {
            *w = (d & keep) | (*w & !keep);
        }
    }
    if let (Some(base), u64::MAX) = (block, mask) {
        let mut rows = [0u32; LANES];
        for (&w, &i) in word.iter().zip(&BLOCK_INDEX) {
            rows[i] = w;
        }
        return write_block(bytes, base, pitch as usize, &rows);
    }
    let mut bits = mask;
    while bits != 0 {
        let lane = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        let o = offset[lane] as usize;
        if let Some(t) = bytes.get_mut(o..o + 4) {
            t.copy_from_slice(&word[lane].to_le_bytes());
        }
    }
}

/// `BLOCK_INDEX[l]`: lane `l`'s texel in a row-major 8×8 block (lanes are quads in rows of
/// four, `tile::block_offsets`).
const BLOCK_INDEX: [usize; LANES] = {
    let (x, y) = (crate::tile::block_offsets(0), crate::tile::block_offsets(1));
    let mut t = [0; LANES];
    let mut l = 0;
    while l < LANES {
        t[l] = (y[l] * 8 + x[l]) as usize;
        l += 1;
    }
    t
};

/// The byte offset of the block's top-left texel when the lanes' `offset`s are exactly an
/// 8×8 block of 4-byte texels with rows `pitch` bytes apart, all inside `len` bytes.
#[inline(always)]
fn block_base(offset: &[u32; LANES], pitch: u32, len: usize) -> Option<usize> {
    const X: [i32; LANES] = crate::tile::block_offsets(0);
    const Y: [i32; LANES] = crate::tile::block_offsets(1);
    if pitch == 0 {
        return None;
    }
    let base = offset[0];
    // Folded without an early exit, so that it vectorises.
    let mut diff = 0u32;
    for l in 0..LANES {
        let at = base
            .wrapping_add((Y[l] as u32).wrapping_mul(pitch))
            .wrapping_add(4 * X[l] as u32);
        diff |= offset[l] ^ at;
    }
    let end = base as usize + 7 * pitch as usize + 32;
    (diff == 0 && end <= len).then_some(base as usize)
}

/// The 8×8 block at `base`, row-major.
#[inline(always)]
fn read_block(bytes: &[u8], base: usize, pitch: usize) -> [u32; LANES] {
    let mut rows = [0u32; LANES];
    for (r, out) in rows.chunks_exact_mut(8).enumerate() {
        let at = base + r * pitch;
        if let Some(row) = bytes.get(at..at + 32) {
            for (o, b) in out.iter_mut().zip(row.chunks_exact(4)) {
                *o = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
    }
    rows
}

/// Writes the row-major 8×8 block `rows` at `base`.
#[inline(always)]
fn write_block(bytes: &mut [u8], base: usize, pitch: usize, rows: &[u32; LANES]) {
    for (r, words) in rows.chunks_exact(8).enumerate() {
        let at = base + r * pitch;
        if let Some(row) = bytes.get_mut(at..at + 32) {
            for (b, w) in row.chunks_exact_mut(4).zip(words) {
                b.copy_from_slice(&w.to_le_bytes());
            }
        }
    }
}

/// Stores `word` at `o`, keeping the bits of the old value set in `keep`.
#[inline]
fn store(bytes: &mut [u8], o: usize, word: u32, keep: u32) {
    let Some(dst) = bytes.get_mut(o..o + 4) else {
        return;
    };
    let old = u32::from_le_bytes([dst[0], dst[1], dst[2], dst[3]]);
    dst.copy_from_slice(&((old & keep) | (word & !keep)).to_le_bytes());
}

/// `output::factor` for component `i` of every lane. Inlined, so that it runs with the
/// caller's vector width (`pumice_memory::simd`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn factor(
    f: BlendFactor,
    i: usize,
    s: &[Lanes; 4],
    s1: &[Lanes; 4],
    d: &[Lanes; 4],
    k: &[f32; 4],
    out: &mut Lanes,
) {
    use BlendFactor as F;
    let one_minus = |out: &mut Lanes, a: &Lanes| {
        for (o, a) in out.iter_mut().zip(a) {
            *o = 1.0 - a;
        }
    };
    match f {
        F::Zero => out.fill(0.0),
        F::One => out.fill(1.0),
        F::SrcColor => *out = s[i],
        F::OneMinusSrcColor => one_minus(out, &s[i]),
        F::DstColor => *out = d[i],
        F::OneMinusDstColor => one_minus(out, &d[i]),
        F::SrcAlpha => *out = s[3],
        F::OneMinusSrcAlpha => one_minus(out, &s[3]),
        F::DstAlpha => *out = d[3],
        F::OneMinusDstAlpha => one_minus(out, &d[3]),
        F::ConstantColor => out.fill(k[i]),
        F::OneMinusConstantColor => out.fill(1.0 - k[i]),
        F::ConstantAlpha => out.fill(k[3]),
        F::OneMinusConstantAlpha => out.fill(1.0 - k[3]),
        F::SrcAlphaSaturate => {
            if i == 3 {
                out.fill(1.0);
            } else {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = s[3][j].min(1.0 - d[3][j]);
                }
            }
        }
        F::Src1Color => *out = s1[i],
        F::OneMinusSrc1Color => one_minus(out, &s1[i]),
        F::Src1Alpha => *out = s1[3],
        F::OneMinusSrc1Alpha => one_minus(out, &s1[3]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pumice_texel::pack::encode_unorm;

    #[test]
    fn encode8_is_encode_unorm() {
        let mut x = 0x9e37_79b9u32;
        let mut values = vec![
            f32::NAN,
            -0.0,
            -1.0,
            2.0,
            f32::INFINITY,
            0.5 / 255.0,
            254.5 / 255.0,
        ];
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            values.push(f32::from_bits(x & 0x3fff_ffff));
        }
        for k in 0..255 {
            let tie = (k as f32 + 0.5) / 255.0;
            values.extend([
                tie,
                f32::from_bits(tie.to_bits() - 1),
                f32::from_bits(tie.to_bits() + 1),
            ]);
        }
        for v in values {
            assert_eq!(encode8(v), encode_unorm(v, 8), "{v:e}");
        }
    }

    #[test]
    fn unpack_division_is_decode_unorm() {
        for b in 0..256u32 {
            assert_eq!(
                (b as f32 / 255.0).to_bits(),
                UNORM8_TO_F32[b as usize].to_bits()
            );
        }
    }
}
