//! Colour writes to RGBA8 and BGRA8 UNORM attachments (nearly every colour attachment), a batch
//! at a time, as loops over all 64 lanes that the compiler vectorizes.
//!
//! The arithmetic is that of the per-fragment path (`TileBuffer::write_color`), so the bytes
//! are identical: destinations decode as `byte / 255` rounded once (`decode8`: a multiply by
//! 1/255 and one FMA-corrected Newton step, exactly `pack::decode_unorm`'s value for all 256
//! bytes; the multiply alone is not, and a `vdivps` costs several times more);
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
//!
//! Later (callgrind, the graphics bench's fill row, one thread, 4 frames of 8 layers: 66M
//! pixel-layers): 4.98G → 4.33G instructions (75 → 65 a pixel-layer; this function 43 → 34).
//! The arrays live in a per-worker [`Scratch`] (made in each call they were zeroed first:
//! three `memset`s a batch, 3.3 a pixel); a block's texels move between the plane and lane
//! order two rows at a time with shuffles (`read_row_pair`, `write_row_pair`; the scalar
//! 64-lane permutation was 3.75 a pixel each way); the division became `decode8`; the encode
//! clamps in f32 and uses one FMA; packing runs a chunk of 8 lanes at a time. A version that
//! ran every step a chunk at a time (all intermediates in registers) was *slower*, 7.6G: with
//! 8-lane arrays the compiler speculated every blend factor's arm and stayed on 128-bit
//! vectors. Without blending the sources are packed straight from the shader outputs (they
//! were copied to the result arrays first). The heavy fragment shader row (no blending) went
//! 2.006G → 1.888G.

use super::ColorOp;
use crate::fragment::{FragmentOutput, LANES};
use crate::state::{BlendFactor, BlendOp};
use pumice_texel::pack::UNORM8_TO_F32;

type Lanes = [f32; LANES];

/// The batch loops' arrays (3.6 KiB), kept by the tile's worker between batches: made fresh
/// in each call they were zeroed first, three `memset`s and ~3 instructions a pixel of a
/// blended layer. Every element read is written earlier in the same call.
#[derive(Debug)]
pub(crate) struct Scratch {
    dst: [u32; LANES],
    words: [u32; LANES],
    s: [Lanes; 4],
    d: [Lanes; 4],
    /// Blended results, as f32 bits (the type of the unblended sources, so that one packing
    /// loop reads either).
    result: [[u32; LANES]; 4],
    sf: Lanes,
    df: Lanes,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            dst: [0; LANES],
            words: [0; LANES],
            s: [[0.0; LANES]; 4],
            d: [[0.0; LANES]; 4],
            result: [[0; LANES]; 4],
            sf: [0.0; LANES],
            df: [0.0; LANES],
        }
    }
}

/// `pack::encode_unorm(v, 8)`: NaN → 0, clamp to [0, 1], `⌊v·255 + ½⌋`, exactly. The product
/// `v·255` is exact in f64 (24 + 8 significant bits); adding 2⁵² rounds it to an integer, ties
/// to even, and leaves that integer in the low bits. Ties to even is `⌊p + ½⌋` here because the
/// only exact tie is p = 127.5 (255 = 3·5·17 divides no other odd numerator), whose even
/// neighbour is 128. In f32 alone it takes more instructions (a Fast2Sum error term and a tie
/// correction were tried). The test below checks it against `encode_unorm`.
#[inline(always)]
fn encode8(v: f32) -> u32 {
    // Clamped in f32 (NaN fails both tests and becomes 0): one `vmaxps`/`vminps` a vector
    // instead of two `pd` each.
    let v = if v > 0.0 { v } else { 0.0 };
    let v = if v < 1.0 { v } else { 1.0 };
    // One FMA: the product is exact, so rounding once after the add is the same result.
    (v as f64).mul_add(255.0, 4_503_599_627_370_496.0).to_bits() as u32
}

/// Writes lane `l` of the batch, for each bit `l` of `mask`, to the texel at byte `offset[l]`
/// of `bytes` (a tile plane of 4-byte texels in channel order `order`, rows `pitch` bytes
/// apart, or 0 when texels are not adjacent), with the constants `op`. `distinct`: no two
/// lanes of `mask` share a texel (read only when blending: without it, lanes on one texel are
/// written in lane order).
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
    scratch: &mut Scratch,
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
    // triangle) is read and written a chunk of 8 lanes (two quads: 4×2 texels) at a time,
    // as pairs of texels; other batches are gathered and scattered a lane at a time with a
    // bounds check each.
    let block = block_base(offset, pitch, bytes.len());
    let pitch = pitch as usize;
    let Scratch {
        dst,
        words,
        s,
        d,
        result,
        sf,
        df,
    } = scratch;
    // The destination words, where blending or the write mask needs them.
    if op.blending || keep != 0 {
        if let Some(base) = block {
            for (pair, dst) in dst.chunks_exact_mut(16).enumerate() {
                read_row_pair(bytes, base + 2 * pair * pitch, pitch, dst);
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
    // The four components' blended results (without blending, the sources are packed as they
    // are, below).
    if op.blending {
        for c in 0..4 {
            let shift = 8 * order[c];
            for (x, w) in d[c].iter_mut().zip(dst.iter()) {
                *x = decode8((w >> shift) & 0xff);
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
            &*s // not read
        };
        let k = constants.map(clamp);
        for (c, r) in result.iter_mut().enumerate() {
            let (f_src, f_dst, eq) = if c < 3 {
                (b.src_color, b.dst_color, b.color_op)
            } else {
                (b.src_alpha, b.dst_alpha, b.alpha_op)
            };
            let (sc, dc) = (&s[c], &d[c]);
            match eq {
                BlendOp::Add | BlendOp::Subtract | BlendOp::ReverseSubtract => {
                    factor(f_src, c, s, s1, d, &k, sf);
                    factor(f_dst, c, s, s1, d, &k, df);
                    match eq {
                        BlendOp::Add => (0..LANES)
                            .for_each(|j| r[j] = (sc[j] * sf[j] + dc[j] * df[j]).to_bits()),
                        BlendOp::Subtract => (0..LANES)
                            .for_each(|j| r[j] = (sc[j] * sf[j] - dc[j] * df[j]).to_bits()),
                        _ => (0..LANES)
                            .for_each(|j| r[j] = (dc[j] * df[j] - sc[j] * sf[j]).to_bits()),
                    }
                }
                BlendOp::Min => (0..LANES).for_each(|j| r[j] = sc[j].min(dc[j]).to_bits()),
                BlendOp::Max => (0..LANES).for_each(|j| r[j] = sc[j].max(dc[j]).to_bits()),
            }
        }
    }
    // Without blending the sources are encoded straight from the shader's outputs.
    let comps: &[[u32; LANES]; 4] = if op.blending { result } else { src };
    let shift = order.map(|o| 8 * o as u32);
    // Packed and stored a chunk at a time: the words stay in registers.
    for ch in 0..LANES / CHUNK {
        let at = ch * CHUNK;
        // Copied into fixed-size arrays first, so the loop below has no bounds checks (with
        // them it stayed scalar).
        let lanes = |c: usize| -> [f32; CHUNK] {
            let mut x = [0.0; CHUNK];
            for (x, &v) in x.iter_mut().zip(&comps[c][at..at + CHUNK]) {
                *x = f32::from_bits(v);
            }
            x
        };
        let (r, g, b, a) = (lanes(0), lanes(1), lanes(2), lanes(3));
        let mut old = [0u32; CHUNK];
        old.copy_from_slice(&dst[at..at + CHUNK]);
        let mut word = [0u32; CHUNK];
        for l in 0..CHUNK {
            let w = encode8(r[l]) << shift[0]
                | encode8(g[l]) << shift[1]
                | encode8(b[l]) << shift[2]
                | encode8(a[l]) << shift[3];
            // Unconditional (with `keep` 0 it keeps nothing): a branch stops vectorization.
            word[l] = (old[l] & keep) | (w & !keep);
        }
        words[at..at + CHUNK].copy_from_slice(&word);
    }
    if let (Some(base), u64::MAX) = (block, mask) {
        for (pair, words) in words.chunks_exact(16).enumerate() {
            write_row_pair(bytes, base + 2 * pair * pitch, pitch, words);
        }
        return;
    }
    let mut bits = mask;
    while bits != 0 {
        let lane = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        let o = offset[lane] as usize;
        if let Some(t) = bytes.get_mut(o..o + 4) {
            t.copy_from_slice(&words[lane].to_le_bytes());
        }
    }
}

/// Lanes per step of the packing loop: one 256-bit vector.
const CHUNK: usize = 8;

/// `byte / 255` rounded to f32, as `pack::decode_unorm` (and [`UNORM8_TO_F32`]) give it,
/// without a division (a `vdivps` is ~5 cycles a vector where a multiply and two FMAs are
/// ~1.5): `q = b·(1/255)` is within an ulp, the FMA gives its exact remainder `b − 255q`, and
/// one Newton step from it rounds correctly (checked for all 256 bytes by the test below).
#[inline(always)]
fn decode8(b: u32) -> f32 {
    let b = b as f32;
    let q = b * (1.0 / 255.0);
    let r = (-q).mul_add(255.0, b);
    r.mul_add(1.0 / 255.0, q)
}

/// Rows `at` and `at + pitch` of an 8×8 block (32 bytes each) as its lanes: 16 lanes, four
/// quads in a row (`tile::block_offsets`), so in pairs of texels: row 0's first pair, row 1's
/// first pair, row 0's second, row 1's second, and so on. One bounds check a row; the
/// interleave compiles to a few shuffles (it was a scalar permutation of all 64 lanes, ~4
/// instructions a pixel).
#[inline(always)]
fn read_row_pair(bytes: &[u8], at: usize, pitch: usize, out: &mut [u32]) {
    let row = |o: usize| -> [u32; 8] {
        let mut w = [0u32; 8];
        if let Some(r) = bytes.get(o..o + 32) {
            for (w, b) in w.iter_mut().zip(r.chunks_exact(4)) {
                *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
        w
    };
    let (a, b) = (row(at), row(at + pitch));
    for (k, out) in out.chunks_exact_mut(4).enumerate().take(4) {
        out.copy_from_slice(&[a[2 * k], a[2 * k + 1], b[2 * k], b[2 * k + 1]]);
    }
}

/// Writes 16 lanes as rows `at` and `at + pitch` of an 8×8 block ([`read_row_pair`]'s
/// layout).
#[inline(always)]
fn write_row_pair(bytes: &mut [u8], at: usize, pitch: usize, lanes: &[u32]) {
    let mut a = [0u32; 8];
    let mut b = [0u32; 8];
    for (k, l) in lanes.chunks_exact(4).enumerate().take(4) {
        a[2 * k..2 * k + 2].copy_from_slice(&l[..2]);
        b[2 * k..2 * k + 2].copy_from_slice(&l[2..]);
    }
    for (o, w) in [(at, a), (at + pitch, b)] {
        if let Some(r) = bytes.get_mut(o..o + 32) {
            for (r, w) in r.chunks_exact_mut(4).zip(w) {
                r.copy_from_slice(&w.to_le_bytes());
            }
        }
    }
}

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
            x = crate::tests::Xorshift32(x).next_u32();
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

    /// The batch path against the per-fragment one (`TileBuffer::write_color`'s arithmetic:
    /// `pack::decode`, `output::blend`, `pack::encode`, the byte mask), byte for byte: every
    /// pair of colour factors (alpha factors and equations rotating with them), every equation,
    /// blending off (one case in seven),
    /// two write masks, both channel orders, sources outside [0, 1] and NaN, and three lane
    /// layouts — an 8×8 block (chunked rows), the same block with lanes missing, and a
    /// scattered set of texels (gathers).
    #[test]
    fn batch_path_is_the_per_fragment_path() {
        use crate::state::ColorBlend;
        use pumice_texel::{pack, Format, NumericClass, Texel};
        use BlendFactor as F;
        const FACTORS: [F; 19] = F::ALL;
        const OPS: [BlendOp; 5] = BlendOp::ALL;
        let mut rng = crate::tests::Xorshift32(0x2545_f491);
        let mut next = move || rng.next_u32();
        // A 16×16 plane of 4-byte texels; the block starts at texel (8, 4).
        let pitch = 64u32;
        let (bx, by) = (crate::tile::block_offsets(0), crate::tile::block_offsets(1));
        let block: [u32; LANES] =
            std::array::from_fn(|l| (4 + by[l] as u32) * pitch + (8 + bx[l] as u32) * 4);
        let mut scattered = [0u32; LANES];
        for (l, o) in scattered.iter_mut().enumerate() {
            *o = ((l as u32 * 37 + 11) % 256) * 4; // distinct: 37 is odd
        }
        let mut cases = 0;
        for (i, &src_color) in FACTORS.iter().enumerate() {
            for (j, &dst_color) in FACTORS.iter().enumerate() {
                let k = i * FACTORS.len() + j;
                let blend = ColorBlend {
                    blend_enable: k % 7 != 3,
                    src_color,
                    dst_color,
                    color_op: OPS[k % 5],
                    src_alpha: FACTORS[(k / 5) % 19],
                    dst_alpha: FACTORS[(k / 7) % 19],
                    alpha_op: OPS[(k / 3) % 5],
                    write_mask: if k % 4 == 0 { 0b0101 } else { 0b1111 },
                };
                let format = if k % 2 == 0 {
                    Format::R8G8B8A8_UNORM
                } else {
                    Format::B8G8R8A8_UNORM
                };
                let order = pack::rgba8_order(format).unwrap();
                let op = super::super::ColorOp::new(&blend, format, None);
                assert_eq!(op.blending, blend.blend_enable);
                assert_eq!(op.class, NumericClass::Float);
                let mut out = Box::<FragmentOutput>::default();
                for c in 0..4 {
                    for l in 0..LANES {
                        let v = match next() % 16 {
                            0 => f32::NAN,
                            1 => -0.25,
                            2 => 1.5,
                            _ => (next() % 10_001) as f32 / 10_000.0,
                        };
                        out.color[0][c][l] = v.to_bits();
                        out.color1[c][l] = ((next() % 1001) as f32 / 1000.0).to_bits();
                    }
                }
                let constants = [0.25, 1.25, -0.5, 0.75];
                let plane: Vec<u8> = (0..16 * 16 * 4).map(|_| next() as u8).collect();
                let partial = u64::from(next()) << 32 | u64::from(next());
                for (offset, mask) in [
                    (&block, u64::MAX),
                    (&block, partial),
                    (&scattered, u64::MAX),
                ] {
                    let mut got = plane.clone();
                    write(
                        &mut got,
                        offset,
                        pitch,
                        mask,
                        order,
                        &op,
                        &out,
                        0,
                        constants,
                        true,
                        &mut Scratch::default(),
                    );
                    let mut want = plane.clone();
                    let clamp = |v: [f32; 4]| v.map(|c| c.max(0.0).min(1.0));
                    for l in (0..LANES).filter(|l| mask >> l & 1 != 0) {
                        let o = offset[l] as usize;
                        let dst = &mut want[o..o + 4];
                        let Some(Texel::Float(d)) =
                            pack::decode(format, dst).map(|t| t.to_class(NumericClass::Float))
                        else {
                            panic!("decode")
                        };
                        let s = [0, 1, 2, 3].map(|c| f32::from_bits(out.color[0][c][l]));
                        let s1 = [0, 1, 2, 3].map(|c| f32::from_bits(out.color1[c][l]));
                        let v = if op.blending {
                            super::super::blend(&blend, clamp(s), clamp(s1), d, clamp(constants))
                        } else {
                            s
                        };
                        let mut enc = [0u8; 4];
                        assert!(pack::encode(format, Texel::Float(v), &mut enc));
                        let m = op.byte_mask.unwrap_or([0xff; 16]);
                        for b in 0..4 {
                            dst[b] = (dst[b] & !m[b]) | (enc[b] & m[b]);
                        }
                    }
                    assert_eq!(got, want, "{blend:?} {format:?} mask {mask:x}");
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 19 * 19 * 3);
    }

    #[test]
    fn decode8_is_decode_unorm() {
        for b in 0..256u32 {
            assert_eq!(
                decode8(b).to_bits(),
                UNORM8_TO_F32[b as usize].to_bits(),
                "{b}"
            );
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
