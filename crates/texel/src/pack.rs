//! Encoding and decoding of texels.
//!
//! One generic packer serves every uncompressed format of the table: a texel is read as a
//! little-endian integer (a `u128`, enough for the 16-byte `R32G32B32A32` and the 5-byte
//! `D32_SFLOAT_S8_UINT`) and each component is a bit field of it, converted by its numeric type
//! following the Vulkan specification ("Fixed-Point Data Conversions", "Floating Point Numbers",
//! "Shared Exponent", "sRGB").
//!
//! Choices where the specification leaves room:
//! - Floats are rounded to the nearest integer (ties away from zero) when encoded to UNORM,
//!   SNORM, SRGB, SCALED and integer fields. f32 → f16 and f32 → 11/10-bit unsigned floats round
//!   to nearest even.
//! - f32 → 11/10-bit unsigned float: negative values (and -inf) become 0, NaN stays NaN, +inf
//!   stays +inf, and finite values too large (or rounding past the largest finite value) become
//!   the largest finite value (65024 for 11 bits, 64512 for 10 bits), as `EXT_packed_float`
//!   specifies.
//! - `E5B9G9R9_UFLOAT_PACK32` encodes with the specification's algorithm; NaN encodes as 0.
//! - The combined depth/stencil formats (`D16_UNORM_S8_UINT`, `D24_UNORM_S8_UINT`,
//!   `D32_SFLOAT_S8_UINT`) decode to `Float([depth, stencil as f32, 0, 1])` and encode from the
//!   same shape (the stencil rounded and saturated to 8 bits). Images store these aspects in
//!   separate planes (`Format::plane_format`), whose formats are the usual way to read them.
//! - Compressed formats and the 64-bit formats (`R64*`) return `None` / `false`.

use crate::format::{Channel, Component, Format, FormatInfo, Numeric, NumericClass};
use half::f16;

/// A decoded texel in the format's numeric class. Components a format lacks read as
/// (0, 0, 0, 1). Depth decodes as `Float([d, 0, 0, 1])`, stencil as `Uint([s, 0, 0, 1])`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Texel {
    Float([f32; 4]),
    Uint([u32; 4]),
    Sint([i32; 4]),
}

impl Texel {
    /// The numeric class of this value.
    pub fn class(&self) -> NumericClass {
        match self {
            Texel::Float(_) => NumericClass::Float,
            Texel::Uint(_) => NumericClass::Uint,
            Texel::Sint(_) => NumericClass::Sint,
        }
    }

    /// This value converted to `class`: Float → integer rounds to nearest and saturates (NaN
    /// becomes 0), integer → Float is `as f32`, Uint ↔ Sint saturates.
    pub fn to_class(self, class: NumericClass) -> Texel {
        let s = |i: usize| self.scalar(i);
        match class {
            NumericClass::Float => Texel::Float([0, 1, 2, 3].map(|i| s(i).to_f32())),
            NumericClass::Uint => Texel::Uint([0, 1, 2, 3].map(|i| s(i).to_u32())),
            NumericClass::Sint => Texel::Sint([0, 1, 2, 3].map(|i| s(i).to_i32())),
        }
    }

    fn scalar(&self, i: usize) -> Scalar {
        match self {
            Texel::Float(v) => Scalar::F(v[i]),
            Texel::Uint(v) => Scalar::U(v[i]),
            Texel::Sint(v) => Scalar::I(v[i]),
        }
    }
}

/// One component's value, in whichever class it comes.
#[derive(Clone, Copy, Debug)]
enum Scalar {
    F(f32),
    U(u32),
    I(i32),
}

impl Scalar {
    fn to_f32(self) -> f32 {
        match self {
            Scalar::F(f) => f,
            Scalar::U(u) => u as f32,
            Scalar::I(i) => i as f32,
        }
    }

    /// Rounded to nearest and saturated to `[lo, hi]`; NaN becomes 0 (then clamped).
    fn to_int_clamped(self, lo: i64, hi: i64) -> i64 {
        let v = match self {
            Scalar::F(f) => {
                if f.is_nan() {
                    0
                } else {
                    // `as` saturates; f64 holds every i64 bound we use (|bound| <= 2^32) exactly.
                    (f as f64).round().clamp(lo as f64, hi as f64) as i64
                }
            }
            Scalar::U(u) => u as i64,
            Scalar::I(i) => i as i64,
        };
        v.clamp(lo, hi)
    }

    fn to_u32(self) -> u32 {
        self.to_int_clamped(0, u32::MAX as i64) as u32
    }

    fn to_i32(self) -> i32 {
        self.to_int_clamped(i32::MIN as i64, i32::MAX as i64) as i32
    }
}

/// sRGB-encoded value → linear, the specification's EOTF (no clamping; NaN stays NaN).
pub fn srgb_to_linear(c: f32) -> f32 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        (((c as f64 + 0.055) / 1.055).powf(2.4)) as f32
    }
}

/// Linear value → sRGB encoding, the specification's inverse EOTF (no clamping; NaN stays NaN).
pub fn linear_to_srgb(c: f32) -> f32 {
    if c <= 0.003_130_8 {
        c * 12.92
    } else {
        (1.055 * (c as f64).powf(1.0 / 2.4) - 0.055) as f32
    }
}

/// The format's table entry when this module can encode and decode it.
fn supported(format: Format) -> Option<&'static FormatInfo> {
    let info = format.info();
    let ok = info.compression.is_none()
        && info.block_bytes as usize <= 16
        && !info.components().is_empty()
        && info
            .components()
            .iter()
            .all(|c| c.bits >= 1 && c.bits <= 32);
    ok.then_some(info)
}

/// Which of the four texel slots a component fills, or `None` for padding.
fn slot(info: &FormatInfo, c: &Component) -> Option<usize> {
    match c.channel {
        Channel::R | Channel::Depth => Some(0),
        Channel::G => Some(1),
        Channel::B => Some(2),
        Channel::A => Some(3),
        Channel::Stencil => {
            let has_depth = info
                .components()
                .iter()
                .any(|c| c.channel == Channel::Depth);
            Some(usize::from(has_depth))
        }
        Channel::X => None,
    }
}

fn mask(bits: u16) -> u128 {
    (1u128 << bits) - 1
}

fn read_word(bytes: &[u8], n: usize) -> Option<u128> {
    let src = bytes.get(..n)?;
    let mut buf = [0u8; 16];
    buf[..n].copy_from_slice(src);
    Some(u128::from_le_bytes(buf))
}

fn write_word(out: &mut [u8], n: usize, word: u128) -> bool {
    match out.get_mut(..n) {
        Some(dst) => {
            dst.copy_from_slice(&word.to_le_bytes()[..n]);
            true
        }
        None => false,
    }
}

/// Sign-extends the low `bits` bits of `raw`.
fn sign_extend(raw: u32, bits: u16) -> i32 {
    let shift = 32 - u32::from(bits);
    ((raw << shift) as i32) >> shift
}

#[inline]
fn unorm_max(bits: u16) -> f64 {
    ((1u64 << bits) - 1) as f64
}

fn snorm_max(bits: u16) -> f64 {
    ((1u64 << (bits - 1)) - 1) as f64
}

/// The byte of R, G, B and A in the two formats nearly every colour attachment uses. They take
/// a direct path through `decode`/`encode` (the same arithmetic as the generic path, without
/// the walk over the component table): the rasterizer converts every blended fragment, and
/// uses this (with [`decode_unorm`] and [`encode_unorm`]) for its own batch loops.
pub fn rgba8_order(format: Format) -> Option<[usize; 4]> {
    match format {
        Format::R8G8B8A8_UNORM => Some([0, 1, 2, 3]),
        Format::B8G8R8A8_UNORM => Some([2, 1, 0, 3]),
        _ => None,
    }
}

/// A `bits`-wide UNORM field as a float: `raw / (2^bits − 1)`, computed in f64 and rounded once.
#[inline]
pub fn decode_unorm(raw: u32, bits: u16) -> f32 {
    (raw as f64 / unorm_max(bits)) as f32
}

/// [`decode_unorm`] of every 8-bit value: the blend loops read destinations through it.
pub static UNORM8_TO_F32: [f32; 256] = {
    let mut t = [0.0f32; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as f64 / 255.0) as f32;
        i += 1;
    }
    t
};

/// A float as a `bits`-wide UNORM field: NaN is 0, the value is clamped to [0, 1], scaled and
/// rounded to nearest, ties away from zero.
///
/// Up to 24 bits the rounding is `(x + 0.5)` truncated, not `f64::round` (a libm call on
/// baseline x86-64, the largest single cost of blending before): `x = f · (2^bits − 1)` is
/// exact in f64 (24 + 24 significant bits), and so is `x + 0.5` whenever it can reach the next
/// integer (x ≥ 2^-5 leaves at most 48 + 5 significant bits), so the truncation is exactly
/// round-half-away for the non-negative `x`.
#[inline]
pub fn encode_unorm(f: f32, bits: u16) -> u32 {
    let f = if f.is_nan() {
        0.0
    } else {
        (f as f64).clamp(0.0, 1.0)
    };
    let x = f * unorm_max(bits);
    if bits <= 24 {
        (x + 0.5) as u32
    } else {
        x.round() as u32
    }
}

/// Decodes an unsigned float with a 5-bit exponent (bias 15) and `mbits` of mantissa.
fn decode_ufloat(raw: u32, mbits: u32) -> f32 {
    let e = (raw >> mbits) & 0x1f;
    let m = raw & ((1 << mbits) - 1);
    let scale = (1u32 << mbits) as f32;
    match e {
        0 => m as f32 / scale * 2f32.powi(-14),
        31 if m == 0 => f32::INFINITY,
        31 => f32::NAN,
        _ => (1.0 + m as f32 / scale) * 2f32.powi(e as i32 - 15),
    }
}

/// Shifts `v` right by `shift`, rounding to nearest even.
fn shift_round_even(v: u64, shift: u32) -> u64 {
    if shift == 0 {
        return v;
    }
    if shift >= 64 {
        return 0;
    }
    let q = v >> shift;
    let r = v & ((1u64 << shift) - 1);
    let half = 1u64 << (shift - 1);
    if r > half || (r == half && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// Encodes an f32 as an unsigned float with a 5-bit exponent (bias 15) and `mbits` of
/// mantissa: negative → 0, NaN → NaN, +inf → inf, too large → largest finite; rounds to
/// nearest even (denormals included).
fn encode_ufloat(f: f32, mbits: u32) -> u32 {
    let mmask = (1u32 << mbits) - 1;
    let max_finite = (30 << mbits) | mmask;
    if f.is_nan() {
        return (31 << mbits) | mmask;
    }
    if f == f32::INFINITY {
        return 31 << mbits;
    }
    if f <= 0.0 {
        return 0;
    }
    let bits = f.to_bits();
    let e32 = ((bits >> 23) & 0xff) as i32;
    if e32 == 0 {
        return 0; // f32 denormal: far below the smallest ufloat denormal (2^-20).
    }
    let sig = u64::from((bits & 0x7f_ffff) | 0x80_0000);
    let e = e32 - 127 + 15; // the ufloat biased exponent, if normal
    let base_shift = 23 - mbits as i32;
    if e >= 1 {
        let mut m = shift_round_even(sig, base_shift as u32);
        let mut e = e;
        if m == 1u64 << (mbits + 1) {
            m >>= 1;
            e += 1;
        }
        if e >= 31 {
            return max_finite;
        }
        ((e as u32) << mbits) | (m as u32 & mmask)
    } else {
        // Denormal: a result of 1 << mbits is the smallest normal, which encodes the same.
        let shift = (base_shift + 1 - e) as u32;
        shift_round_even(sig, shift) as u32
    }
}

const RGB9E5_N: i32 = 9;
const RGB9E5_B: i32 = 15;

fn decode_rgb9e5(word: u32) -> [f32; 4] {
    let e = (word >> 27) as i32;
    let scale = 2f64.powi(e - RGB9E5_B - RGB9E5_N);
    let m = |shift: u32| ((word >> shift) & 0x1ff) as f64 * scale;
    [m(0) as f32, m(9) as f32, m(18) as f32, 1.0]
}

/// The specification's shared-exponent encoding (NaN is treated as 0).
fn encode_rgb9e5(rgb: [f32; 3]) -> u32 {
    const EMAX: i32 = 31;
    let sharedexp_max =
        ((1 << RGB9E5_N) - 1) as f64 / (1 << RGB9E5_N) as f64 * 2f64.powi(EMAX - RGB9E5_B);
    let c = rgb.map(|v| {
        if v.is_nan() {
            0.0
        } else {
            (v as f64).clamp(0.0, sharedexp_max)
        }
    });
    let max_c = c[0].max(c[1]).max(c[2]);
    // floor(log2(max_c)), exactly, from the f32 exponent (max_c is an f32 value).
    let floor_log2 = {
        let e32 = (((max_c as f32).to_bits() >> 23) & 0xff) as i32;
        if max_c == 0.0 || e32 == 0 {
            i32::MIN
        } else {
            e32 - 127
        }
    };
    let exp_p = floor_log2.max(-RGB9E5_B - 1) + 1 + RGB9E5_B;
    let scaled = |v: f64, exp: i32| (v * 2f64.powi(RGB9E5_B + RGB9E5_N - exp) + 0.5).floor();
    let max_s = scaled(max_c, exp_p);
    let exp_shared = if max_s < (1 << RGB9E5_N) as f64 {
        exp_p
    } else {
        exp_p + 1
    };
    let s = c.map(|v| scaled(v, exp_shared).min(511.0) as u32);
    s[0] | (s[1] << 9) | (s[2] << 18) | ((exp_shared as u32 & 0x1f) << 27)
}

/// Reads one component's field as a value of its own class.
fn decode_component(c: &Component, raw: u32) -> Scalar {
    match c.numeric {
        Numeric::Unorm => Scalar::F(decode_unorm(raw, c.bits)),
        Numeric::Srgb if c.channel == Channel::A => Scalar::F(decode_unorm(raw, c.bits)),
        Numeric::Srgb => Scalar::F(srgb_to_linear(decode_unorm(raw, c.bits))),
        Numeric::Snorm => {
            let v = sign_extend(raw, c.bits) as f64 / snorm_max(c.bits);
            Scalar::F(v.max(-1.0) as f32)
        }
        Numeric::Uscaled => Scalar::F(raw as f32),
        Numeric::Sscaled => Scalar::F(sign_extend(raw, c.bits) as f32),
        Numeric::Uint => Scalar::U(raw),
        Numeric::Sint => Scalar::I(sign_extend(raw, c.bits)),
        Numeric::Sfloat if c.bits == 16 => Scalar::F(f16::from_bits(raw as u16).to_f32()),
        Numeric::Sfloat => Scalar::F(f32::from_bits(raw)),
        Numeric::Ufloat => Scalar::F(decode_ufloat(raw, u32::from(c.bits) - 5)),
    }
}

/// Writes `v` into one component's field: returns the field's bits (not yet shifted).
fn encode_component(c: &Component, v: Scalar) -> u32 {
    let bits = c.bits;
    let umax = (1i64 << bits) - 1;
    let (smin, smax) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    let field = |i: i64| (i as u32) & (mask(bits) as u32);
    match c.numeric {
        Numeric::Unorm => encode_unorm(v.to_f32(), bits),
        Numeric::Srgb if c.channel == Channel::A => encode_unorm(v.to_f32(), bits),
        Numeric::Srgb => {
            let f = v.to_f32();
            let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
            encode_unorm(linear_to_srgb(f), bits)
        }
        Numeric::Snorm => {
            let f = v.to_f32();
            let f = if f.is_nan() {
                0.0
            } else {
                (f as f64).clamp(-1.0, 1.0)
            };
            field((f * snorm_max(bits)).round() as i64)
        }
        Numeric::Uscaled => field(Scalar::F(v.to_f32()).to_int_clamped(0, umax)),
        Numeric::Sscaled => field(Scalar::F(v.to_f32()).to_int_clamped(smin, smax)),
        Numeric::Uint => field(v.to_int_clamped(0, umax)),
        Numeric::Sint => field(v.to_int_clamped(smin, smax)),
        Numeric::Sfloat if bits == 16 => u32::from(f16::from_f32(v.to_f32()).to_bits()),
        Numeric::Sfloat => v.to_f32().to_bits(),
        Numeric::Ufloat => encode_ufloat(v.to_f32(), u32::from(bits) - 5),
    }
}

/// Decodes one texel of an uncompressed format from `bytes` (at least `block_bytes` long).
/// Returns `None` for compressed and 64-bit formats, which have no texel value here, and for
/// buffers that are too short. Combined depth/stencil formats decode as
/// `Float([depth, stencil as f32, 0, 1])`.
pub fn decode(format: Format, bytes: &[u8]) -> Option<Texel> {
    if let (Some(order), Some(b)) = (rgba8_order(format), bytes.get(..4)) {
        return Some(Texel::Float(order.map(|i| decode_unorm(b[i] as u32, 8))));
    }
    // The depth format of most depth buffers: the depth test reads one per fragment.
    if let (Format::D32_SFLOAT, Some(b)) = (format, bytes.get(..4)) {
        return Some(Texel::Float([
            f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            0.0,
            0.0,
            1.0,
        ]));
    }
    let info = supported(format)?;
    let word = read_word(bytes, info.block_bytes as usize)?;
    if info.shared_exponent {
        return Some(Texel::Float(decode_rgb9e5(word as u32)));
    }
    let class = format.numeric_class();
    let mut out = match class {
        NumericClass::Float => Texel::Float([0.0, 0.0, 0.0, 1.0]),
        NumericClass::Uint => Texel::Uint([0, 0, 0, 1]),
        NumericClass::Sint => Texel::Sint([0, 0, 0, 1]),
    };
    for c in info.components() {
        let Some(i) = slot(info, c) else { continue };
        let raw = ((word >> c.offset) & mask(c.bits)) as u32;
        let v = decode_component(c, raw);
        match &mut out {
            Texel::Float(a) => a[i] = v.to_f32(),
            Texel::Uint(a) => a[i] = v.to_u32(),
            Texel::Sint(a) => a[i] = v.to_i32(),
        }
    }
    Some(out)
}

/// Encodes `value` into `out` (at least `block_bytes` long). A value of another class than the
/// format's is converted first. Returns `false` for formats it cannot encode (compressed and
/// 64-bit formats) and for buffers that are too short, leaving `out` untouched. Padding bits
/// are written as 0.
pub fn encode(format: Format, value: Texel, out: &mut [u8]) -> bool {
    if let (Some(order), Texel::Float(v), Some(o)) = (rgba8_order(format), value, out.get_mut(..4))
    {
        for (c, &i) in order.iter().enumerate() {
            o[i] = encode_unorm(v[c], 8) as u8;
        }
        return true;
    }
    if let (Format::D32_SFLOAT, Texel::Float(v), Some(o)) = (format, value, out.get_mut(..4)) {
        o.copy_from_slice(&v[0].to_le_bytes());
        return true;
    }
    let Some(info) = supported(format) else {
        return false;
    };
    let n = info.block_bytes as usize;
    if out.len() < n {
        return false;
    }
    if info.shared_exponent {
        let Texel::Float(v) = value.to_class(NumericClass::Float) else {
            return false;
        };
        return write_word(out, n, u128::from(encode_rgb9e5([v[0], v[1], v[2]])));
    }
    let value = value.to_class(format.numeric_class());
    let mut word = 0u128;
    for c in info.components() {
        let Some(i) = slot(info, c) else { continue };
        let raw = encode_component(c, value.scalar(i));
        word |= (u128::from(raw) & mask(c.bits)) << c.offset;
    }
    write_word(out, n, word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Format as F;

    fn enc(format: Format, value: Texel) -> Vec<u8> {
        let mut out = vec![0xEEu8; format.info().block_bytes as usize];
        assert!(encode(format, value, &mut out), "{}", format.info().name);
        out
    }

    fn enc_word(format: Format, value: Texel) -> u128 {
        let mut buf = [0u8; 16];
        let out = enc(format, value);
        buf[..out.len()].copy_from_slice(&out);
        u128::from_le_bytes(buf)
    }

    fn dec_word(format: Format, word: u128) -> Texel {
        let n = format.info().block_bytes as usize;
        decode(format, &word.to_le_bytes()[..n]).unwrap_or_else(|| panic!("{}", format.info().name))
    }

    fn floats(t: Texel) -> [f32; 4] {
        match t {
            Texel::Float(v) => v,
            other => panic!("expected floats, got {other:?}"),
        }
    }

    fn is_supported(f: Format) -> bool {
        let info = f.info();
        info.compression.is_none() && info.components().iter().all(|c| c.bits <= 32)
    }

    /// Whether a raw field of a float component is a NaN (its bits need not survive).
    fn field_is_nan(c: &Component, raw: u128) -> bool {
        match (c.numeric, c.bits) {
            (Numeric::Sfloat, 32) => f32::from_bits(raw as u32).is_nan(),
            (Numeric::Sfloat, 16) => raw & 0x7c00 == 0x7c00 && raw & 0x3ff != 0,
            (Numeric::Ufloat, b) if b != 9 => {
                let mb = b - 5;
                (raw >> mb) == 31 && raw & ((1 << mb) - 1) != 0
            }
            _ => false,
        }
    }

    /// The bits a decode/encode round trip must give back: SNORM's -2^(b-1) becomes
    /// -(2^(b-1)-1), padding becomes 0. NaN fields are returned separately.
    fn normalized(f: Format, word: u128) -> (u128, u128) {
        let info = f.info();
        let mut out = 0u128;
        let mut nan_mask = 0u128;
        for c in info.components() {
            let m = (1u128 << c.bits) - 1;
            let mut raw = (word >> c.offset) & m;
            if c.channel == Channel::X {
                raw = 0;
            } else if field_is_nan(c, raw) {
                nan_mask |= m << c.offset;
            } else if c.numeric == Numeric::Snorm && raw == 1 << (c.bits - 1) {
                raw += 1;
            }
            out |= raw << c.offset;
        }
        (out & !nan_mask, nan_mask)
    }

    fn texel_nan_eq(a: Texel, b: Texel) -> bool {
        match (a, b) {
            (Texel::Float(a), Texel::Float(b)) => a
                .iter()
                .zip(b.iter())
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())),
            _ => a == b,
        }
    }

    #[test]
    fn round_trip_every_format() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut tested = 0;
        for &f in Format::ALL {
            if !is_supported(f) {
                continue;
            }
            tested += 1;
            let n = f.info().block_bytes as usize;
            let all = if n == 16 {
                u128::MAX
            } else {
                (1u128 << (8 * n)) - 1
            };
            let mut patterns = vec![0, all, all / 3, all / 3 * 2, 1, all >> 1];
            for _ in 0..200 {
                patterns.push(((u128::from(next()) << 64) | u128::from(next())) & all);
            }
            for word in patterns {
                let t = dec_word(f, word);
                assert_eq!(t.class(), f.numeric_class(), "{}", f.info().name);
                let back = enc_word(f, t);
                if f.info().shared_exponent {
                    // Not every pattern is canonical; the value must survive.
                    assert_eq!(dec_word(f, back), t, "{} {word:#x}", f.info().name);
                    continue;
                }
                let (want, nan_mask) = normalized(f, word);
                assert_eq!(
                    back & !nan_mask,
                    want,
                    "{} {word:#x} -> {t:?} -> {back:#x}",
                    f.info().name
                );
                assert!(
                    texel_nan_eq(dec_word(f, back), t),
                    "{} {word:#x}",
                    f.info().name
                );
            }
        }
        assert!(tested > 100, "{tested}");
    }

    #[test]
    fn extreme_values_never_panic() {
        let fs = [
            0.0, -0.0, 1.0, -1.0, 0.5, 1e-40, -1e-40, 1e30, -1e30, 4e9, -3e9,
        ];
        let specials = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
        ];
        let mut values = Vec::new();
        for &a in fs.iter().chain(specials.iter()) {
            values.push(Texel::Float([a, -a, a * 0.5, a]));
        }
        for u in [0, 1, 255, 65536, u32::MAX] {
            values.push(Texel::Uint([u; 4]));
        }
        for i in [0, -1, 1, i32::MIN, i32::MAX] {
            values.push(Texel::Sint([i; 4]));
        }
        for &f in Format::ALL {
            let mut out = [0u8; 32];
            for &v in &values {
                let ok = encode(f, v, &mut out);
                assert_eq!(ok, is_supported(f), "{}", f.info().name);
                if ok {
                    let t = decode(f, &out).unwrap();
                    assert_eq!(t.class(), f.numeric_class());
                }
            }
            for n in 0..f.info().block_bytes as usize {
                assert_eq!(decode(f, &[0xFF; 32][..n]), None);
                assert!(!encode(f, Texel::Float([1.0; 4]), &mut out[..n]));
            }
        }
    }

    #[test]
    fn unsupported_and_short_buffers() {
        let mut out = [0u8; 32];
        for f in [
            F::BC1_RGB_UNORM_BLOCK,
            F::BC7_SRGB_BLOCK,
            F::ASTC_4x4_UNORM_BLOCK,
            F::R64_UINT,
        ] {
            assert_eq!(decode(f, &[0u8; 32]), None);
            assert!(!encode(f, Texel::Float([0.0; 4]), &mut out));
        }
        assert_eq!(decode(F::R64G64B64A64_SFLOAT, &[0u8; 32]), None);
        assert_eq!(decode(F::R8G8B8A8_UNORM, &[0u8; 3]), None);
        assert_eq!(decode(F::R8G8B8A8_UNORM, &[]), None);
        let mut short = [7u8; 3];
        assert!(!encode(
            F::R8G8B8A8_UNORM,
            Texel::Float([1.0; 4]),
            &mut short
        ));
        assert_eq!(short, [7; 3]);
        assert!(!encode(
            F::D32_SFLOAT_S8_UINT,
            Texel::Float([1.0; 4]),
            &mut [0u8; 4]
        ));
        // A longer buffer is fine and only its first block_bytes are written.
        let mut long = [7u8; 6];
        assert!(encode(F::R8G8B8A8_UNORM, Texel::Float([1.0; 4]), &mut long));
        assert_eq!(long, [255, 255, 255, 255, 7, 7]);
        assert_eq!(
            decode(F::R8_UNORM, &[255, 1, 2]),
            Some(Texel::Float([1.0, 0.0, 0.0, 1.0]))
        );
    }

    #[test]
    fn unorm_snorm_values() {
        let t = decode(F::R8G8B8A8_UNORM, &[0x80, 0x00, 0xFF, 0x40]).unwrap();
        assert_eq!(t, Texel::Float([128.0 / 255.0, 0.0, 1.0, 64.0 / 255.0]));
        assert_eq!(enc(F::R8G8B8A8_UNORM, t), [0x80, 0x00, 0xFF, 0x40]);
        // B8G8R8A8: blue first in memory.
        let t = decode(F::B8G8R8A8_UNORM, &[0xFF, 0x00, 0x33, 0x00]).unwrap();
        assert_eq!(t, Texel::Float([0x33 as f32 / 255.0, 0.0, 1.0, 0.0]));
        // A8B8G8R8_PACK32: R in the low byte of the word, which is the first byte in memory.
        let t = decode(F::A8B8G8R8_UNORM_PACK32, &0xFF00_00CCu32.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([0xCC as f32 / 255.0, 0.0, 0.0, 1.0]));

        let t = decode(F::R16_UNORM, &0x8000u16.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([32768.0 / 65535.0, 0.0, 0.0, 1.0]));

        // SNORM: -128 and -127 both decode to -1.0; 127 to 1.0; 64 to 64/127.
        let d = |b: u8| floats(decode(F::R8_SNORM, &[b]).unwrap())[0];
        assert_eq!(d(0x80), -1.0);
        assert_eq!(d(0x81), -1.0);
        assert_eq!(d(0x7F), 1.0);
        assert_eq!(d(0x40), 64.0 / 127.0);
        assert_eq!(d(0xC0), -64.0 / 127.0);
        assert_eq!(
            enc(F::R8_SNORM, Texel::Float([-1.0, 0.0, 0.0, 0.0])),
            [0x81]
        );
        assert_eq!(enc(F::R8_SNORM, Texel::Float([0.5, 0.0, 0.0, 0.0])), [64]); // 63.5 rounds up
        assert_eq!(
            enc(F::R8_SNORM, Texel::Float([-0.5, 0.0, 0.0, 0.0])),
            [(-64i8) as u8]
        );
        let t = decode(F::R16_SNORM, &(-16384i16).to_le_bytes()).unwrap();
        assert_eq!(floats(t)[0], -16384.0 / 32767.0);

        // Rounding to nearest on UNORM encode.
        assert_eq!(enc(F::R8_UNORM, Texel::Float([0.5, 0.0, 0.0, 0.0])), [128]); // 127.5
        assert_eq!(
            enc(F::R8_UNORM, Texel::Float([0.4 / 255.0, 0.0, 0.0, 0.0])),
            [0]
        );
        assert_eq!(
            enc(F::R8_UNORM, Texel::Float([0.6 / 255.0, 0.0, 0.0, 0.0])),
            [1]
        );
    }

    #[test]
    fn packed_layouts() {
        let rgb = |f: Format, w: u16| floats(decode(f, &w.to_le_bytes()).unwrap());
        assert_eq!(rgb(F::R5G6B5_UNORM_PACK16, 0xF800), [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(rgb(F::R5G6B5_UNORM_PACK16, 0x07E0), [0.0, 1.0, 0.0, 1.0]);
        assert_eq!(rgb(F::R5G6B5_UNORM_PACK16, 0x001F), [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(rgb(F::B5G6R5_UNORM_PACK16, 0xF800), [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(
            rgb(F::R5G6B5_UNORM_PACK16, 0x0020),
            [0.0, 1.0 / 63.0, 0.0, 1.0]
        );
        assert_eq!(rgb(F::R5G5B5A1_UNORM_PACK16, 0x0001), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(rgb(F::R5G5B5A1_UNORM_PACK16, 0xF800), [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(rgb(F::A1R5G5B5_UNORM_PACK16, 0x8000), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(rgb(F::A1R5G5B5_UNORM_PACK16, 0x7C00), [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(rgb(F::B5G5R5A1_UNORM_PACK16, 0xF800), [0.0, 0.0, 1.0, 0.0]);
        assert_eq!(rgb(F::R4G4B4A4_UNORM_PACK16, 0xF00F), [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(
            rgb(F::A4R4G4B4_UNORM_PACK16, 0x1F00),
            [1.0, 0.0, 0.0, 1.0 / 15.0]
        );
        assert_eq!(rgb(F::A4B4G4R4_UNORM_PACK16, 0x000F), [1.0, 0.0, 0.0, 0.0]);
        let t = decode(F::R4G4_UNORM_PACK8, &[0x5A]).unwrap();
        assert_eq!(t, Texel::Float([5.0 / 15.0, 10.0 / 15.0, 0.0, 1.0]));
        assert_eq!(
            enc(F::R5G6B5_UNORM_PACK16, Texel::Float([1.0, 0.0, 1.0, 0.0])),
            [0x1F, 0xF8]
        );

        // A2B10G10R10: R in bits 0-9, G 10-19, B 20-29, A 30-31.
        let word: u32 = (3 << 30) | (0x3FF << 20) | (0x200 << 10) | 1;
        let t = decode(F::A2B10G10R10_UNORM_PACK32, &word.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([1.0 / 1023.0, 512.0 / 1023.0, 1.0, 1.0]));
        assert_eq!(enc(F::A2B10G10R10_UNORM_PACK32, t), word.to_le_bytes());
        let t = decode(F::A2R10G10B10_UNORM_PACK32, &word.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([1.0, 512.0 / 1023.0, 1.0 / 1023.0, 1.0]));

        let word: u32 = (2 << 30) | (0x200 << 20) | (0x1FF << 10) | 0x3FF;
        let t = decode(F::A2B10G10R10_SINT_PACK32, &word.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Sint([-1, 511, -512, -2]));
        let t = decode(F::A2B10G10R10_UINT_PACK32, &word.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Uint([0x3FF, 0x1FF, 0x200, 2]));
        let t = decode(F::A2B10G10R10_SNORM_PACK32, &word.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([-1.0 / 511.0, 1.0, -1.0, -1.0]));
        let t = decode(F::A2B10G10R10_SSCALED_PACK32, &word.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([-1.0, 511.0, -512.0, -2.0]));
        let t = decode(F::A2B10G10R10_USCALED_PACK32, &word.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([1023.0, 511.0, 512.0, 2.0]));
        // Saturation in a 2-bit field.
        let w = enc_word(F::A2B10G10R10_UINT_PACK32, Texel::Uint([0, 0, 0, 9]));
        assert_eq!(w, 3 << 30);
        let w = enc_word(F::A2B10G10R10_SINT_PACK32, Texel::Sint([0, 0, 0, -9]));
        assert_eq!(w, 2 << 30);
    }

    #[test]
    fn integer_and_scaled_values() {
        let t = decode(F::R8G8B8A8_SINT, &[0x80, 0x7F, 0xFF, 0x00]).unwrap();
        assert_eq!(t, Texel::Sint([-128, 127, -1, 0]));
        let t = decode(F::R16G16_UINT, &[0x34, 0x12, 0xFF, 0xFF]).unwrap();
        assert_eq!(t, Texel::Uint([0x1234, 0xFFFF, 0, 1]));
        let t = decode(F::R32G32B32A32_UINT, &[0xFF; 16]).unwrap();
        assert_eq!(t, Texel::Uint([u32::MAX; 4]));
        let t = decode(F::R32_SINT, &i32::MIN.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Sint([i32::MIN, 0, 0, 1]));
        let t = decode(F::R8G8_SSCALED, &[0x80, 0x05]).unwrap();
        assert_eq!(t, Texel::Float([-128.0, 5.0, 0.0, 1.0]));
        let t = decode(F::R16_USCALED, &[0xFF, 0xFF]).unwrap();
        assert_eq!(t, Texel::Float([65535.0, 0.0, 0.0, 1.0]));
    }

    #[test]
    fn clamping_and_saturation() {
        let r8 = |f: Format, v: Texel| enc(f, v)[0];
        let fl = |x: f32| Texel::Float([x, 0.0, 0.0, 0.0]);
        assert_eq!(r8(F::R8_UNORM, fl(2.0)), 255);
        assert_eq!(r8(F::R8_UNORM, fl(-1.0)), 0);
        assert_eq!(r8(F::R8_UNORM, fl(f32::NAN)), 0);
        assert_eq!(r8(F::R8_UNORM, fl(f32::INFINITY)), 255);
        assert_eq!(r8(F::R8_SNORM, fl(2.0)), 127);
        assert_eq!(r8(F::R8_SNORM, fl(-2.0)), 0x81);
        assert_eq!(r8(F::R8_SNORM, fl(f32::NAN)), 0);
        assert_eq!(r8(F::R8_SRGB, fl(7.0)), 255);
        assert_eq!(r8(F::R8_SRGB, fl(-7.0)), 0);
        assert_eq!(r8(F::R8_SRGB, fl(f32::NAN)), 0);
        assert_eq!(r8(F::R8_USCALED, fl(300.0)), 255);
        assert_eq!(r8(F::R8_USCALED, fl(-3.0)), 0);
        assert_eq!(r8(F::R8_USCALED, fl(2.5)), 3);
        assert_eq!(r8(F::R8_USCALED, fl(2.4)), 2);
        assert_eq!(r8(F::R8_SSCALED, fl(-200.0)), 0x80);
        assert_eq!(r8(F::R8_SSCALED, fl(200.0)), 0x7F);
        assert_eq!(r8(F::R8_SSCALED, fl(-3.6)), (-4i8) as u8);
        assert_eq!(r8(F::R8_UINT, Texel::Uint([300, 0, 0, 0])), 255);
        assert_eq!(r8(F::R8_UINT, Texel::Uint([42, 0, 0, 0])), 42);
        assert_eq!(r8(F::R8_UINT, Texel::Sint([-5, 0, 0, 0])), 0);
        assert_eq!(r8(F::R8_UINT, fl(3.6)), 4);
        assert_eq!(r8(F::R8_UINT, fl(-3.6)), 0);
        assert_eq!(r8(F::R8_SINT, Texel::Sint([-300, 0, 0, 0])), 0x80);
        assert_eq!(r8(F::R8_SINT, Texel::Sint([300, 0, 0, 0])), 0x7F);
        assert_eq!(r8(F::R8_SINT, Texel::Uint([u32::MAX, 0, 0, 0])), 0x7F);
        assert_eq!(r8(F::R8_SINT, fl(-2.5)), (-3i8) as u8);
        assert_eq!(enc(F::R16_USCALED, fl(70000.0)), [0xFF, 0xFF]);
        assert_eq!(
            enc(F::R16_SINT, Texel::Sint([-40000, 0, 0, 0])),
            (-32768i16).to_le_bytes()
        );
        assert_eq!(enc(F::R32_UINT, fl(1e20)), u32::MAX.to_le_bytes());
        assert_eq!(enc(F::R32_UINT, fl(f32::NAN)), [0; 4]);
        assert_eq!(enc(F::R32_SINT, fl(-1e20)), i32::MIN.to_le_bytes());
        assert_eq!(
            enc(F::R32_SINT, Texel::Uint([u32::MAX, 0, 0, 0])),
            i32::MAX.to_le_bytes()
        );
        assert_eq!(enc(F::R32_UINT, Texel::Sint([-1, 0, 0, 0])), [0; 4]);
        // Integer values into float formats convert as f32.
        assert_eq!(enc(F::R8_UNORM, Texel::Uint([1, 0, 0, 0])), [255]);
        assert_eq!(
            enc(F::R32_SFLOAT, Texel::Sint([-3, 0, 0, 0])),
            (-3.0f32).to_le_bytes()
        );
        assert_eq!(
            enc(F::R16_SFLOAT, Texel::Uint([2, 0, 0, 0])),
            0x4000u16.to_le_bytes()
        );
    }

    #[test]
    fn missing_components_default() {
        assert_eq!(
            decode(F::R8_UNORM, &[0]),
            Some(Texel::Float([0.0, 0.0, 0.0, 1.0]))
        );
        assert_eq!(decode(F::R8_UINT, &[7]), Some(Texel::Uint([7, 0, 0, 1])));
        assert_eq!(
            decode(F::R16G16_SINT, &[1, 0, 2, 0]),
            Some(Texel::Sint([1, 2, 0, 1]))
        );
        assert_eq!(
            decode(F::R8G8B8_UNORM, &[0, 0, 0]),
            Some(Texel::Float([0.0, 0.0, 0.0, 1.0]))
        );
        assert_eq!(
            decode(F::B10G11R11_UFLOAT_PACK32, &[0; 4]),
            Some(Texel::Float([0.0, 0.0, 0.0, 1.0]))
        );
        assert_eq!(
            decode(F::E5B9G9R9_UFLOAT_PACK32, &[0; 4]),
            Some(Texel::Float([0.0, 0.0, 0.0, 1.0]))
        );
        // Components the format lacks are ignored on encode.
        assert_eq!(enc(F::R8_UINT, Texel::Uint([7, 8, 9, 10])), [7]);
    }

    #[test]
    fn half_floats() {
        let h = |w: u16| floats(decode(F::R16_SFLOAT, &w.to_le_bytes()).unwrap())[0];
        assert_eq!(h(0x3C00), 1.0);
        assert_eq!(h(0xC000), -2.0);
        assert_eq!(h(0x3555), 0.333_251_95);
        assert_eq!(h(0x7BFF), 65504.0);
        assert_eq!(h(0x0001), 2f32.powi(-24));
        assert_eq!(h(0x7C00), f32::INFINITY);
        assert!(h(0x7E00).is_nan());
        let e = |x: f32| {
            u16::from_le_bytes(
                enc(F::R16_SFLOAT, Texel::Float([x, 0.0, 0.0, 0.0]))[..2]
                    .try_into()
                    .unwrap(),
            )
        };
        assert_eq!(e(1.0), 0x3C00);
        assert_eq!(e(-0.0), 0x8000);
        assert_eq!(e(1.0 + 2f32.powi(-11)), 0x3C00); // tie → even
        assert_eq!(e(1.0 + 3.0 * 2f32.powi(-11)), 0x3C02); // tie → even (up)
        assert_eq!(e(1.0 + 1.5 * 2f32.powi(-11)), 0x3C01);
        assert_eq!(e(65504.0), 0x7BFF);
        assert_eq!(e(65520.0), 0x7C00);
        assert_eq!(e(f32::NEG_INFINITY), 0xFC00);
        assert_eq!(e(2f32.powi(-24)), 0x0001);
        assert_eq!(e(2f32.powi(-26)), 0x0000);
        let w = e(f32::NAN);
        assert!(w & 0x7C00 == 0x7C00 && w & 0x3FF != 0);
        let t = decode(F::R16G16B16A16_SFLOAT, &[0, 0x3C, 0, 0xBC, 0, 0x38, 0, 0]).unwrap();
        assert_eq!(t, Texel::Float([1.0, -1.0, 0.5, 0.0]));
        let t = decode(F::R32G32_SFLOAT, &[0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]).unwrap();
        assert_eq!(t, Texel::Float([1.0, -2.0, 0.0, 1.0]));
    }

    #[test]
    fn packed_ufloat_b10g11r11() {
        let e = |r: f32, g: f32, b: f32| {
            u32::try_from(enc_word(
                F::B10G11R11_UFLOAT_PACK32,
                Texel::Float([r, g, b, 1.0]),
            ))
            .unwrap()
        };
        let d = |w: u32| floats(decode(F::B10G11R11_UFLOAT_PACK32, &w.to_le_bytes()).unwrap());
        // 1.0: exponent 15, mantissa 0.
        assert_eq!(e(1.0, 0.0, 0.0), 0x3C0);
        assert_eq!(e(0.0, 1.0, 0.0), 0x3C0 << 11);
        assert_eq!(e(0.0, 0.0, 1.0), 0x1E0 << 22);
        assert_eq!(
            d(0x3C0 | (0x3C0 << 11) | (0x1E0 << 22)),
            [1.0, 1.0, 1.0, 1.0]
        );
        assert_eq!(d(0x3C1)[0], 1.0 + 1.0 / 64.0);
        assert_eq!(d(0x1E1 << 22)[2], 1.0 + 1.0 / 32.0);
        assert_eq!(d(0x400)[0], 2.0); // exponent 16
                                      // Largest finite: exponent 30, mantissa all ones.
        assert_eq!(d(0x7BF)[0], 65024.0);
        assert_eq!(d(0x3DF << 22)[2], 64512.0);
        assert_eq!(d(0x7C0)[0], f32::INFINITY);
        assert!(d(0x7C1)[0].is_nan());
        assert!(d(0x3E1 << 22)[2].is_nan());
        // Denormals: mantissa * 2^-14 / 2^m.
        assert_eq!(d(0x001)[0], 2f32.powi(-20));
        assert_eq!(d(0x03F)[0], 63.0 * 2f32.powi(-20));
        assert_eq!(d(1 << 22)[2], 2f32.powi(-19));
        assert_eq!(e(2f32.powi(-20), 0.0, 0.0), 1);
        assert_eq!(e(3.0 * 2f32.powi(-20), 0.0, 2f32.powi(-19)), 3 | (1 << 22));
        assert_eq!(e(0.4 * 2f32.powi(-20), 0.0, 0.0), 0);
        assert_eq!(e(0.6 * 2f32.powi(-20), 0.0, 0.0), 1);
        assert_eq!(e(63.6 * 2f32.powi(-20), 0.0, 0.0), 0x040); // rounds up to the smallest normal
        assert_eq!(e(2f32.powi(-14), 0.0, 0.0), 0x040);
        assert_eq!(e(1e-30, 0.0, 0.0), 0);
        // Round to nearest even.
        assert_eq!(e(1.0 + 2f32.powi(-7), 0.0, 0.0), 0x3C0); // tie → even (down)
        assert_eq!(e(1.0 + 3.0 * 2f32.powi(-7), 0.0, 0.0), 0x3C2); // tie → even (up)
        assert_eq!(e(1.0 + 1.1 * 2f32.powi(-7), 0.0, 0.0), 0x3C1);
        assert_eq!(e(2.0 - 2f32.powi(-9), 0.0, 0.0), 0x400); // carries into the exponent
                                                             // Out of range: negative → 0, too large → largest finite, inf → inf, NaN → NaN.
        assert_eq!(e(-1.0, -0.0, f32::NEG_INFINITY), 0);
        assert_eq!(e(1e9, 65535.0, 1e9), 0x7BF | (0x7BF << 11) | (0x3DF << 22));
        assert_eq!(e(65024.0, 0.0, 64512.0), 0x7BF | (0x3DF << 22));
        assert_eq!(e(f32::INFINITY, 0.0, f32::INFINITY), 0x7C0 | (0x3E0 << 22));
        let nan = e(f32::NAN, f32::NAN, f32::NAN);
        assert!(d(nan).iter().take(3).all(|x| x.is_nan()), "{nan:#x}");
    }

    #[test]
    fn shared_exponent() {
        let f = F::E5B9G9R9_UFLOAT_PACK32;
        let w = enc_word(f, Texel::Float([1.0, 0.5, 0.25, 1.0]));
        // max 1.0: exp' = 0 + 1 + 15 = 16; scale 2^(16-15-9) = 2^-8: 256, 128, 64.
        assert_eq!(w, 256 | (128 << 9) | (64 << 18) | (16 << 27));
        assert_eq!(dec_word(f, w), Texel::Float([1.0, 0.5, 0.25, 1.0]));
        // Mantissa m with exponent e is m * 2^(e - 24).
        assert_eq!(
            dec_word(f, 3 | (5 << 27)),
            Texel::Float([3.0 * 2f32.powi(-19), 0.0, 0.0, 1.0])
        );
        assert_eq!(
            dec_word(f, 511 | (31 << 27)),
            Texel::Float([65408.0, 0.0, 0.0, 1.0])
        );
        // Clamped to sharedexp_max = 511/512 * 2^16 and to 0; NaN → 0.
        let w = enc_word(f, Texel::Float([1e10, -5.0, f32::NAN, 0.0]));
        assert_eq!(w, 511 | (31 << 27));
        // Zero.
        assert_eq!(enc_word(f, Texel::Float([0.0; 4])), 0);
        // Rounding that overflows the mantissa bumps the exponent: 511.75 * 2^-8 * 2 ...
        // max_c = 1.999 → exp' = 16, max_s = floor(1.999 * 256 + 0.5) = 512 → exp 17.
        let w = enc_word(f, Texel::Float([1.999, 0.0, 0.0, 0.0]));
        assert_eq!(w, 256 | (17 << 27));
        // 3.0, 0.1, 0.0: exp' = 1 + 1 + 15 = 17, scale 2^-7: 384, round(12.8) = 13.
        let w = enc_word(f, Texel::Float([3.0, 0.1, 0.0, 0.0]));
        assert_eq!(w, 384 | (13 << 9) | (17 << 27));
        // Tiny values use the smallest exponent: 2^-24 is mantissa 1 with exponent 0.
        assert_eq!(
            enc_word(f, Texel::Float([2f32.powi(-24), 0.0, 0.0, 0.0])),
            1
        );
    }

    #[test]
    fn srgb() {
        assert_eq!(enc(F::R8_SRGB, Texel::Float([0.5, 0.0, 0.0, 0.0])), [0xBC]);
        assert_eq!(enc(F::R8_SRGB, Texel::Float([1.0, 0.0, 0.0, 0.0])), [0xFF]);
        assert_eq!(enc(F::R8_SRGB, Texel::Float([0.0, 0.0, 0.0, 0.0])), [0x00]);
        let lin = floats(decode(F::R8_SRGB, &[0x80]).unwrap())[0];
        let want = ((128.0f64 / 255.0 + 0.055) / 1.055).powf(2.4);
        assert!((lin as f64 - want).abs() < 1e-7, "{lin} vs {want}");
        assert!((lin - 0.215_860_5).abs() < 1e-6);
        // Linear segment.
        let lin = floats(decode(F::R8_SRGB, &[10]).unwrap())[0];
        assert_eq!(lin, 10.0 / 255.0 / 12.92);
        // Alpha is linear; R, G, B are sRGB-encoded.
        let t = floats(decode(F::R8G8B8A8_SRGB, &[0x80, 0x80, 0x80, 0x80]).unwrap());
        assert_eq!(t[3], 128.0 / 255.0);
        assert!((t[0] - 0.215_860_5).abs() < 1e-6 && t[0] == t[1] && t[1] == t[2]);
        assert_eq!(
            enc(F::R8G8B8A8_SRGB, Texel::Float([0.5, 0.5, 0.5, 0.5])),
            [188, 188, 188, 128]
        );
        assert_eq!(
            enc(F::B8G8R8A8_SRGB, Texel::Float([0.5, 0.0, 1.0, 0.5])),
            [255, 0, 188, 128]
        );
        let t = floats(decode(F::A8B8G8R8_SRGB_PACK32, &[0xFF, 0, 0, 0x80]).unwrap());
        assert_eq!(t, [1.0, 0.0, 0.0, 128.0 / 255.0]);
        // The helpers.
        assert!((linear_to_srgb(0.5) - 0.735_356_7).abs() < 1e-6);
        assert!((linear_to_srgb(0.001) - 0.012_92).abs() < 1e-8);
        assert!((srgb_to_linear(linear_to_srgb(0.3)) - 0.3).abs() < 1e-6);
        assert_eq!(srgb_to_linear(0.0), 0.0);
        assert!((srgb_to_linear(1.0) - 1.0).abs() < 1e-7);
    }

    #[test]
    fn depth_stencil() {
        let t = decode(F::D16_UNORM, &[0xFF, 0xFF]).unwrap();
        assert_eq!(t, Texel::Float([1.0, 0.0, 0.0, 1.0]));
        let t = decode(F::D16_UNORM, &[0x00, 0x80]).unwrap();
        assert_eq!(t, Texel::Float([32768.0 / 65535.0, 0.0, 0.0, 1.0]));
        // X8_D24: depth in the low 24 bits, padding ignored on read and written as 0.
        let t = decode(F::X8_D24_UNORM_PACK32, &0xAB80_0000u32.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([8_388_608.0 / 16_777_215.0, 0.0, 0.0, 1.0]));
        assert_eq!(
            enc(F::X8_D24_UNORM_PACK32, Texel::Float([1.0, 0.0, 0.0, 1.0])),
            [0xFF, 0xFF, 0xFF, 0]
        );
        assert_eq!(
            enc(F::X8_D24_UNORM_PACK32, Texel::Float([0.5, 0.0, 0.0, 1.0])),
            0x80_0000u32.to_le_bytes()
        );
        let t = decode(F::D32_SFLOAT, &0.25f32.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([0.25, 0.0, 0.0, 1.0]));
        assert_eq!(
            enc(F::D32_SFLOAT, Texel::Float([0.75, 0.0, 0.0, 0.0])),
            0.75f32.to_le_bytes()
        );
        assert_eq!(
            decode(F::S8_UINT, &[0x42]),
            Some(Texel::Uint([0x42, 0, 0, 1]))
        );
        assert_eq!(enc(F::S8_UINT, Texel::Uint([0x1FF, 0, 0, 0])), [0xFF]);
        // Combined formats: Float([depth, stencil, 0, 1]).
        let t = decode(F::D24_UNORM_S8_UINT, &0x07FF_FFFFu32.to_le_bytes()).unwrap();
        assert_eq!(t, Texel::Float([1.0, 7.0, 0.0, 1.0]));
        assert_eq!(enc(F::D24_UNORM_S8_UINT, t), 0x07FF_FFFFu32.to_le_bytes());
        let t = decode(F::D16_UNORM_S8_UINT, &[0, 0, 9]).unwrap();
        assert_eq!(t, Texel::Float([0.0, 9.0, 0.0, 1.0]));
        let t = decode(F::D32_SFLOAT_S8_UINT, &[0, 0, 0x80, 0x3F, 200]).unwrap();
        assert_eq!(t, Texel::Float([1.0, 200.0, 0.0, 1.0]));
        assert_eq!(
            enc(F::D32_SFLOAT_S8_UINT, Texel::Float([0.5, 300.0, 0.0, 1.0])),
            [0, 0, 0, 0x3F, 255]
        );
    }

    #[test]
    fn unorm8_table() {
        for (i, &v) in UNORM8_TO_F32.iter().enumerate() {
            assert_eq!(v.to_bits(), decode_unorm(i as u32, 8).to_bits());
        }
    }

    #[test]
    fn encode_unorm_matches_round() {
        let mut x = 0x1234_5678u32;
        let mut values = vec![0.5 / 255.0, 1.5 / 255.0, 254.5 / 255.0, 0.5 / 16777215.0];
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            values.push((x >> 8) as f32 / (1 << 24) as f32);
            values.push(f32::from_bits(x & 0x3fff_ffff));
        }
        for bits in [1u16, 2, 4, 5, 8, 10, 16, 24] {
            for k in 0..=255u32.min((1 << bits) - 1) {
                // Exact midpoints and their neighbours.
                let mid = (k as f64 + 0.5) / unorm_max(bits);
                for f in [mid as f32, f32::from_bits((mid as f32).to_bits() + 1)] {
                    values.push(f);
                    values.push(f32::from_bits(f.to_bits().wrapping_sub(1)));
                }
            }
            for &f in &values {
                let reference = ((f as f64).clamp(0.0, 1.0) * unorm_max(bits)).round() as u32;
                assert_eq!(encode_unorm(f, bits), reference, "{f:e} to {bits} bits");
            }
        }
    }
}
