//! Amber's data types (`vec4<float>`, `mat2x3<int32>`) and Vulkan formats (`B8G8R8A8_UNORM`):
//! their sizes under STD140/STD430, and turning script values into bytes and back.

use ash::vk;

use crate::script::Number;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F16,
    F32,
    F64,
}

impl Scalar {
    pub fn parse(w: &str) -> Option<Scalar> {
        Some(match w {
            "int8" => Scalar::I8,
            "int16" => Scalar::I16,
            "int32" | "int" => Scalar::I32,
            "int64" => Scalar::I64,
            "uint8" => Scalar::U8,
            "uint16" => Scalar::U16,
            "uint32" | "uint" => Scalar::U32,
            "uint64" => Scalar::U64,
            "float16" => Scalar::F16,
            "float" => Scalar::F32,
            "double" => Scalar::F64,
            _ => return None,
        })
    }

    pub fn size(self) -> usize {
        match self {
            Scalar::I8 | Scalar::U8 => 1,
            Scalar::I16 | Scalar::U16 | Scalar::F16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::I64 | Scalar::U64 | Scalar::F64 => 8,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Scalar::F16 | Scalar::F32 | Scalar::F64)
    }

    pub fn is_signed(self) -> bool {
        matches!(self, Scalar::I8 | Scalar::I16 | Scalar::I32 | Scalar::I64)
    }

    /// Writes `v` as this scalar, little-endian.
    pub fn encode(self, v: Number, out: &mut [u8]) {
        match self {
            Scalar::F16 => {
                let bits = match v {
                    Number::Int(i) if i > 0xffff || i < -0xffff => i as u16,
                    _ => f32_to_f16(v.as_f64() as f32),
                };
                out[..2].copy_from_slice(&bits.to_le_bytes());
            }
            Scalar::F32 => out[..4].copy_from_slice(&(v.as_f64() as f32).to_le_bytes()),
            Scalar::F64 => out[..8].copy_from_slice(&v.as_f64().to_le_bytes()),
            _ => {
                let i = v.as_i128() as u64;
                let n = self.size();
                out[..n].copy_from_slice(&i.to_le_bytes()[..n]);
            }
        }
    }

    /// Reads this scalar as f64 (integers exactly where they fit).
    pub fn decode(self, b: &[u8]) -> Value {
        match self {
            Scalar::I8 => Value::Int(b[0] as i8 as i128),
            Scalar::U8 => Value::Int(b[0] as i128),
            Scalar::I16 => Value::Int(i16::from_le_bytes([b[0], b[1]]) as i128),
            Scalar::U16 => Value::Int(u16::from_le_bytes([b[0], b[1]]) as i128),
            Scalar::I32 => Value::Int(i32::from_le_bytes(b[..4].try_into().unwrap()) as i128),
            Scalar::U32 => Value::Int(u32::from_le_bytes(b[..4].try_into().unwrap()) as i128),
            Scalar::I64 => Value::Int(i64::from_le_bytes(b[..8].try_into().unwrap()) as i128),
            Scalar::U64 => Value::Int(u64::from_le_bytes(b[..8].try_into().unwrap()) as i128),
            Scalar::F16 => Value::Float(f16_to_f32(u16::from_le_bytes([b[0], b[1]])) as f64),
            Scalar::F32 => Value::Float(f32::from_le_bytes(b[..4].try_into().unwrap()) as f64),
            Scalar::F64 => Value::Float(f64::from_le_bytes(b[..8].try_into().unwrap())),
        }
    }
}

/// A value read back from memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Int(i128),
    Float(f64),
}

impl Value {
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
        }
    }
}

pub fn f32_to_f16(f: f32) -> u16 {
    let x = f.to_bits();
    let sign = ((x >> 16) & 0x8000) as u16;
    let exp = ((x >> 23) & 0xff) as i32;
    let mant = x & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if mant != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        if e < -10 {
            return sign;
        }
        let m = mant | 0x80_0000;
        let shift = (14 - e) as u32;
        let half = 1 << (shift - 1);
        let mut r = m >> shift;
        let rem = m & ((1 << shift) - 1);
        if rem > half || (rem == half && (r & 1) == 1) {
            r += 1;
        }
        return sign | r as u16;
    }
    let mut r = ((e as u32) << 10) | (mant >> 13);
    let rem = mant & 0x1fff;
    if rem > 0x1000 || (rem == 0x1000 && (r & 1) == 1) {
        r += 1;
    }
    sign | r as u16
}

pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h & 0x8000) as u32) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let mant = (h & 0x3ff) as u32;
    let bits = if exp == 0 {
        if mant == 0 {
            sign
        } else {
            let v = mant as f32 / 1024.0 / 16384.0;
            return if sign != 0 { -v } else { v };
        }
    } else if exp == 0x1f {
        sign | 0x7f80_0000 | (mant << 13)
    } else {
        sign | ((exp + 112) << 23) | (mant << 13)
    };
    f32::from_bits(bits)
}

/// Small unsigned floats (10 and 11 bits) of packed formats.
fn small_float_to_f32(v: u32, mant_bits: u32) -> f32 {
    let exp = v >> mant_bits;
    let mant = v & ((1 << mant_bits) - 1);
    if exp == 0 {
        mant as f32 / (1 << mant_bits) as f32 * 2f32.powi(-14)
    } else if exp == 31 {
        if mant == 0 {
            f32::INFINITY
        } else {
            f32::NAN
        }
    } else {
        (1.0 + mant as f32 / (1 << mant_bits) as f32) * 2f32.powi(exp as i32 - 15)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    Std140,
    Std430,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    R,
    G,
    B,
    A,
    D,
    S,
    X,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    UNorm,
    SNorm,
    UScaled,
    SScaled,
    UInt,
    SInt,
    UFloat,
    SFloat,
    Srgb,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Component {
    pub channel: Channel,
    pub bits: u32,
    pub mode: Mode,
}

/// A Vulkan format, as a list of components in memory order (lowest bits first).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Format {
    pub name: String,
    pub vk: vk::Format,
    pub components: Vec<Component>,
    /// Bytes per texel.
    pub size: usize,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        let vk = vk_format(name)?;
        let mut parts: Vec<&str> = name.split('_').collect();
        let packed = parts.last().is_some_and(|p| p.starts_with("PACK"));
        if packed {
            parts.pop();
        }
        let mut components = Vec::new();
        let mut i = 0;
        while i < parts.len() {
            let chans = parts[i];
            let mode = match parts.get(i + 1).copied() {
                Some("UNORM") => Mode::UNorm,
                Some("SNORM") => Mode::SNorm,
                Some("USCALED") => Mode::UScaled,
                Some("SSCALED") => Mode::SScaled,
                Some("UINT") => Mode::UInt,
                Some("SINT") => Mode::SInt,
                Some("UFLOAT") => Mode::UFloat,
                Some("SFLOAT") => Mode::SFloat,
                Some("SRGB") => Mode::Srgb,
                None if chans.starts_with('X') => Mode::UNorm,
                _ => return None,
            };
            let mut chars = chans.chars().peekable();
            while let Some(c) = chars.next() {
                let channel = match c {
                    'R' => Channel::R,
                    'G' => Channel::G,
                    'B' => Channel::B,
                    'A' => Channel::A,
                    'D' => Channel::D,
                    'S' => Channel::S,
                    'X' => Channel::X,
                    'E' => return None,
                    _ => return None,
                };
                let mut bits = 0;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    bits = bits * 10 + d;
                    chars.next();
                }
                let mode = if channel == Channel::X {
                    Mode::UNorm
                } else {
                    mode
                };
                components.push(Component {
                    channel,
                    bits,
                    mode,
                });
            }
            i += if chans.starts_with('X') && parts.get(i + 1).is_some_and(|p| p.starts_with('D')) {
                1
            } else {
                2
            };
        }
        if packed {
            components.reverse();
        }
        let bits: u32 = components.iter().map(|c| c.bits).sum();
        // D32_SFLOAT_S8_UINT and D24_UNORM_S8_UINT as read back by Amber: depth then stencil.
        let size = match name {
            "D24_UNORM_S8_UINT" | "D32_SFLOAT_S8_UINT" => 8,
            _ => bits.div_ceil(8) as usize,
        };
        Some(Format {
            name: name.to_string(),
            vk,
            components,
            size,
        })
    }

    /// `…_PACK16` / `…_PACK32`: one integer per texel in script data.
    pub fn is_packed(&self) -> bool {
        self.name.contains("_PACK")
    }

    pub fn is_depth_or_stencil(&self) -> bool {
        self.components
            .iter()
            .any(|c| matches!(c.channel, Channel::D | Channel::S))
    }

    pub fn has_depth(&self) -> bool {
        self.components.iter().any(|c| c.channel == Channel::D)
    }

    pub fn has_stencil(&self) -> bool {
        self.components.iter().any(|c| c.channel == Channel::S)
    }

    /// The scalar used to read a buffer of this format as values (first component).
    pub fn scalar(&self) -> Scalar {
        let c = self.components[0];
        match (c.mode, c.bits) {
            (Mode::SFloat | Mode::UFloat, 16) => Scalar::F16,
            (Mode::SFloat | Mode::UFloat, 64) => Scalar::F64,
            (Mode::SFloat | Mode::UFloat, _) => Scalar::F32,
            (Mode::SInt | Mode::SNorm | Mode::SScaled, 8) => Scalar::I8,
            (Mode::SInt | Mode::SNorm | Mode::SScaled, 16) => Scalar::I16,
            (Mode::SInt | Mode::SNorm | Mode::SScaled, 64) => Scalar::I64,
            (Mode::SInt | Mode::SNorm | Mode::SScaled, _) => Scalar::I32,
            (_, 8) => Scalar::U8,
            (_, 16) => Scalar::U16,
            (_, 64) => Scalar::U64,
            _ => Scalar::U32,
        }
    }

    /// Encodes one texel from per-component raw values (integers as bit patterns; floats
    /// as numbers).
    pub fn encode_texel(&self, values: &[Number], out: &mut [u8]) {
        let mut bit = 0u32;
        for (c, v) in self.components.iter().zip(values.iter().copied().cycle()) {
            let raw: u64 = match c.mode {
                Mode::SFloat | Mode::UFloat => match c.bits {
                    16 => f32_to_f16(v.as_f64() as f32) as u64,
                    32 => (v.as_f64() as f32).to_bits() as u64,
                    64 => v.as_f64().to_bits(),
                    _ => v.as_i128() as u64,
                },
                _ => v.as_i128() as u64,
            };
            write_bits(out, bit, c.bits, raw);
            bit += c.bits;
        }
    }

    /// Decodes one texel into (channel, normalised or raw value) pairs, as Amber's verifier
    /// does: UNORM/SNORM/SRGB scaled to 0..1 (SRGB to linear), integers and floats as is.
    pub fn decode_texel(&self, texel: &[u8]) -> Vec<(Channel, f64)> {
        let mut out = Vec::with_capacity(self.components.len());
        let mut bit = 0u32;
        for c in &self.components {
            let raw = read_bits(texel, bit, c.bits);
            bit += c.bits;
            let signed = |raw: u64| -> f64 {
                let shift = 64 - c.bits;
                (((raw << shift) as i64) >> shift) as f64
            };
            let v = match c.mode {
                Mode::SFloat | Mode::UFloat => match c.bits {
                    16 => f16_to_f32(raw as u16) as f64,
                    32 => f32::from_bits(raw as u32) as f64,
                    64 => f64::from_bits(raw),
                    11 => small_float_to_f32(raw as u32, 6) as f64,
                    10 => small_float_to_f32(raw as u32, 5) as f64,
                    _ => raw as f64,
                },
                Mode::UNorm => raw as f64 / ((1u64 << c.bits) - 1) as f64,
                Mode::SNorm => signed(raw) / ((1u64 << (c.bits - 1)) - 1) as f64,
                Mode::Srgb => {
                    let v = raw as f64 / ((1u64 << c.bits) - 1) as f64;
                    if c.channel == Channel::A {
                        v
                    } else if v <= 0.04045 {
                        v / 12.92
                    } else {
                        ((v + 0.055) / 1.055).powf(2.4)
                    }
                }
                Mode::SInt | Mode::SScaled => signed(raw),
                Mode::UInt | Mode::UScaled => raw as f64,
            };
            out.push((c.channel, v));
        }
        out
    }
}

fn write_bits(out: &mut [u8], bit: u32, bits: u32, value: u64) {
    for i in 0..bits {
        let b = bit + i;
        let byte = (b / 8) as usize;
        if byte >= out.len() {
            return;
        }
        let mask = 1u8 << (b % 8);
        if (value >> i) & 1 == 1 {
            out[byte] |= mask;
        } else {
            out[byte] &= !mask;
        }
    }
}

fn read_bits(data: &[u8], bit: u32, bits: u32) -> u64 {
    let mut v = 0u64;
    for i in 0..bits {
        let b = bit + i;
        let byte = (b / 8) as usize;
        if byte < data.len() && (data[byte] >> (b % 8)) & 1 == 1 {
            v |= 1 << i;
        }
    }
    v
}

/// The type of a BUFFER's elements.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `rows` components per column, `cols` columns (1 for scalars and vectors).
    Typed {
        scalar: Scalar,
        rows: u32,
        cols: u32,
        layout: Layout,
        /// `int32[]`: an array type, whose elements STD140 rounds up to 16 bytes.
        array: bool,
    },
    Format(Format),
}

impl DataType {
    /// `int32`, `vec3<float>`, `mat2x4<double>`, or a Vulkan format name (VkScript uses them
    /// as types too).
    pub fn parse(w: &str) -> Option<DataType> {
        if let Some(inner) = w.strip_suffix("[]") {
            let mut t = DataType::parse(inner)?;
            if let DataType::Typed { array, .. } = &mut t {
                *array = true;
            }
            return Some(t);
        }
        let typed = |scalar, rows, cols| DataType::Typed {
            scalar,
            rows,
            cols,
            layout: Layout::Std430,
            array: false,
        };
        if let Some(s) = Scalar::parse(w) {
            return Some(typed(s, 1, 1));
        }
        if let Some(rest) = w.strip_prefix("vec") {
            let (n, inner) = rest.split_once('<')?;
            let s = Scalar::parse(inner.strip_suffix('>')?)?;
            return Some(typed(s, n.parse().ok()?, 1));
        }
        if let Some(rest) = w.strip_prefix("mat") {
            let (dims, inner) = rest.split_once('<')?;
            let (c, r) = dims.split_once('x')?;
            let s = Scalar::parse(inner.strip_suffix('>')?)?;
            return Some(typed(s, r.parse().ok()?, c.parse().ok()?));
        }
        Format::parse(w).map(DataType::Format)
    }

    /// The scalar type of each value.
    pub fn scalar(&self) -> Scalar {
        match self {
            DataType::Typed { scalar, .. } => *scalar,
            DataType::Format(f) => f.scalar(),
        }
    }

    /// Values per element (a packed format takes its whole texel as one value).
    pub fn values_per_element(&self) -> usize {
        match self {
            DataType::Typed { rows, cols, .. } => (*rows * *cols) as usize,
            DataType::Format(f) if f.is_packed() => 1,
            DataType::Format(f) => f.components.len(),
        }
    }

    /// Bytes of one column: vec3 takes the room of vec4; under STD140, matrix columns and
    /// array elements are rounded up to 16 bytes.
    fn column_stride(scalar: Scalar, rows: u32, cols: u32, layout: Layout, array: bool) -> usize {
        let n = if rows == 3 { 4 } else { rows as usize };
        let bytes = n * scalar.size();
        if layout == Layout::Std140 && (cols > 1 || array) {
            bytes.next_multiple_of(16)
        } else {
            bytes
        }
    }

    /// Bytes per element, padding included (the array stride of the buffer).
    pub fn element_size(&self) -> usize {
        match self {
            DataType::Typed {
                scalar,
                rows,
                cols,
                layout,
                array,
            } => Self::column_stride(*scalar, *rows, *cols, *layout, *array) * *cols as usize,
            DataType::Format(f) => f.size,
        }
    }

    /// Byte offsets of each value within an element.
    pub fn value_offsets(&self) -> Vec<usize> {
        match self {
            DataType::Typed {
                scalar,
                rows,
                cols,
                layout,
                array,
            } => {
                let col = Self::column_stride(*scalar, *rows, *cols, *layout, *array);
                let mut v = Vec::new();
                for c in 0..*cols as usize {
                    for r in 0..*rows as usize {
                        v.push(c * col + r * scalar.size());
                    }
                }
                v
            }
            DataType::Format(f) => {
                let mut bit = 0;
                f.components
                    .iter()
                    .map(|c| {
                        let o = bit / 8;
                        bit += c.bits as usize;
                        o
                    })
                    .collect()
            }
        }
    }

    /// Serialises values (in element order, padding skipped) into bytes.
    pub fn encode(&self, values: &[Number]) -> Vec<u8> {
        let per = self.values_per_element().max(1);
        let elements = values.len().div_ceil(per);
        let mut out = vec![0u8; elements * self.element_size()];
        self.encode_into(values, &mut out);
        out
    }

    pub fn encode_into(&self, values: &[Number], out: &mut [u8]) {
        let per = self.values_per_element().max(1);
        let esize = self.element_size();
        match self {
            DataType::Format(f) if f.is_packed() => {
                for (e, v) in values.iter().enumerate() {
                    let start = e * esize;
                    if start + esize > out.len() {
                        break;
                    }
                    let raw = (v.as_i128() as u64).to_le_bytes();
                    out[start..start + esize].copy_from_slice(&raw[..esize]);
                }
            }
            DataType::Format(f) => {
                for (e, chunk) in values.chunks(per).enumerate() {
                    let start = e * esize;
                    if start + esize > out.len() {
                        break;
                    }
                    f.encode_texel(chunk, &mut out[start..start + esize]);
                }
            }
            DataType::Typed { scalar, .. } => {
                let offsets = self.value_offsets();
                for (i, v) in values.iter().enumerate() {
                    let at = (i / per) * esize + offsets[i % per];
                    if at + scalar.size() > out.len() {
                        break;
                    }
                    scalar.encode(*v, &mut out[at..]);
                }
            }
        }
    }
}

/// The Vulkan format for an Amber format name.
pub fn vk_format(name: &str) -> Option<vk::Format> {
    use vk::Format as F;
    Some(match name {
        "R8_UNORM" => F::R8_UNORM,
        "R8_SNORM" => F::R8_SNORM,
        "R8_UINT" => F::R8_UINT,
        "R8_SINT" => F::R8_SINT,
        "R8_SRGB" => F::R8_SRGB,
        "R8G8_UNORM" => F::R8G8_UNORM,
        "R8G8_SNORM" => F::R8G8_SNORM,
        "R8G8_UINT" => F::R8G8_UINT,
        "R8G8_SINT" => F::R8G8_SINT,
        "R8G8B8_UNORM" => F::R8G8B8_UNORM,
        "R8G8B8_SRGB" => F::R8G8B8_SRGB,
        "B8G8R8_SRGB" => F::B8G8R8_SRGB,
        "B8G8R8_SNORM" => F::B8G8R8_SNORM,
        "B8G8R8_UNORM" => F::B8G8R8_UNORM,
        "R8G8B8A8_UNORM" => F::R8G8B8A8_UNORM,
        "R8G8B8A8_SNORM" => F::R8G8B8A8_SNORM,
        "R8G8B8A8_UINT" => F::R8G8B8A8_UINT,
        "R8G8B8A8_SINT" => F::R8G8B8A8_SINT,
        "R8G8B8A8_SRGB" => F::R8G8B8A8_SRGB,
        "B8G8R8A8_UNORM" => F::B8G8R8A8_UNORM,
        "B8G8R8A8_SRGB" => F::B8G8R8A8_SRGB,
        "A8B8G8R8_UNORM_PACK32" => F::A8B8G8R8_UNORM_PACK32,
        "A8B8G8R8_SNORM_PACK32" => F::A8B8G8R8_SNORM_PACK32,
        "A8B8G8R8_UINT_PACK32" => F::A8B8G8R8_UINT_PACK32,
        "A2B10G10R10_UNORM_PACK32" => F::A2B10G10R10_UNORM_PACK32,
        "A2B10G10R10_SNORM_PACK32" => F::A2B10G10R10_SNORM_PACK32,
        "A2B10G10R10_UINT_PACK32" => F::A2B10G10R10_UINT_PACK32,
        "A2R10G10B10_UNORM_PACK32" => F::A2R10G10B10_UNORM_PACK32,
        "B10G11R11_UFLOAT_PACK32" => F::B10G11R11_UFLOAT_PACK32,
        "R5G6B5_UNORM_PACK16" => F::R5G6B5_UNORM_PACK16,
        "R16_UNORM" => F::R16_UNORM,
        "R16_SNORM" => F::R16_SNORM,
        "R16_UINT" => F::R16_UINT,
        "R16_SINT" => F::R16_SINT,
        "R16_SFLOAT" => F::R16_SFLOAT,
        "R16G16_UNORM" => F::R16G16_UNORM,
        "R16G16_SNORM" => F::R16G16_SNORM,
        "R8G8B8_SNORM" => F::R8G8B8_SNORM,
        "R8G8B8_UINT" => F::R8G8B8_UINT,
        "R8G8B8_SINT" => F::R8G8B8_SINT,
        "A8B8G8R8_SINT_PACK32" => F::A8B8G8R8_SINT_PACK32,
        "A8B8G8R8_SRGB_PACK32" => F::A8B8G8R8_SRGB_PACK32,
        "A2B10G10R10_SINT_PACK32" => F::A2B10G10R10_SINT_PACK32,
        "A2R10G10B10_UINT_PACK32" => F::A2R10G10B10_UINT_PACK32,
        "R16G16B16_UINT" => F::R16G16B16_UINT,
        "R16G16B16_SINT" => F::R16G16B16_SINT,
        "R64G64_UINT" => F::R64G64_UINT,
        "R64G64_SINT" => F::R64G64_SINT,
        "R64G64B64_SFLOAT" => F::R64G64B64_SFLOAT,
        "R16G16_UINT" => F::R16G16_UINT,
        "R16G16_SINT" => F::R16G16_SINT,
        "R16G16_SFLOAT" => F::R16G16_SFLOAT,
        "R16G16B16_SNORM" => F::R16G16B16_SNORM,
        "R16G16B16_UNORM" => F::R16G16B16_UNORM,
        "R16G16B16_SFLOAT" => F::R16G16B16_SFLOAT,
        "R16G16B16A16_UNORM" => F::R16G16B16A16_UNORM,
        "R16G16B16A16_SNORM" => F::R16G16B16A16_SNORM,
        "R16G16B16A16_UINT" => F::R16G16B16A16_UINT,
        "R16G16B16A16_SINT" => F::R16G16B16A16_SINT,
        "R16G16B16A16_SFLOAT" => F::R16G16B16A16_SFLOAT,
        "R32_UINT" => F::R32_UINT,
        "R32_SINT" => F::R32_SINT,
        "R32_SFLOAT" => F::R32_SFLOAT,
        "R32G32_UINT" => F::R32G32_UINT,
        "R32G32_SINT" => F::R32G32_SINT,
        "R32G32_SFLOAT" => F::R32G32_SFLOAT,
        "R32G32B32_UINT" => F::R32G32B32_UINT,
        "R32G32B32_SINT" => F::R32G32B32_SINT,
        "R32G32B32_SFLOAT" => F::R32G32B32_SFLOAT,
        "R32G32B32A32_UINT" => F::R32G32B32A32_UINT,
        "R32G32B32A32_SINT" => F::R32G32B32A32_SINT,
        "R32G32B32A32_SFLOAT" => F::R32G32B32A32_SFLOAT,
        "R64_UINT" => F::R64_UINT,
        "R64_SINT" => F::R64_SINT,
        "R64_SFLOAT" => F::R64_SFLOAT,
        "R64G64_SFLOAT" => F::R64G64_SFLOAT,
        "R64G64B64A64_SFLOAT" => F::R64G64B64A64_SFLOAT,
        "D16_UNORM" => F::D16_UNORM,
        "D32_SFLOAT" => F::D32_SFLOAT,
        "S8_UINT" => F::S8_UINT,
        "D16_UNORM_S8_UINT" => F::D16_UNORM_S8_UINT,
        "D24_UNORM_S8_UINT" => F::D24_UNORM_S8_UINT,
        "D32_SFLOAT_S8_UINT" => F::D32_SFLOAT_S8_UINT,
        "X8_D24_UNORM_PACK32" => F::X8_D24_UNORM_PACK32,
        _ => return None,
    })
}

impl DataType {
    /// The format equivalent to a scalar or vector type (`vec4<float>` → R32G32B32A32_SFLOAT).
    pub fn as_format(&self) -> Option<Format> {
        match self {
            DataType::Format(_) => None,
            DataType::Typed { .. } => Format::parse(&format_name(self)?),
        }
    }
}

/// A Vulkan format for a vertex attribute of a data type.
pub fn vertex_format(ty: &DataType) -> Option<vk::Format> {
    match ty {
        DataType::Format(f) => Some(f.vk),
        _ => vk_format(&format_name(ty)?),
    }
}

fn format_name(ty: &DataType) -> Option<String> {
    match ty {
        DataType::Format(f) => Some(f.name.clone()),
        DataType::Typed {
            scalar, rows, cols, ..
        } if *cols == 1 => {
            let ch = ["R", "G", "B", "A"];
            let mut name = String::new();
            let bits = scalar.size() * 8;
            for c in ch.iter().take(*rows as usize) {
                name.push_str(&format!("{c}{bits}"));
            }
            let mode = match scalar {
                Scalar::F16 | Scalar::F32 | Scalar::F64 => "SFLOAT",
                s if s.is_signed() => "SINT",
                _ => "UINT",
            };
            Some(format!("{name}_{mode}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let v3 = DataType::parse("vec3<float>").unwrap();
        assert_eq!(v3.element_size(), 16);
        let mut m = DataType::parse("mat2x2<float>").unwrap();
        assert_eq!(m.element_size(), 16);
        if let DataType::Typed { layout, .. } = &mut m {
            *layout = Layout::Std140;
        }
        assert_eq!(m.element_size(), 32);
        let f = Format::parse("B8G8R8A8_UNORM").unwrap();
        assert_eq!(f.size, 4);
        assert_eq!(f.components[0].channel, Channel::B);
        let p = Format::parse("B10G11R11_UFLOAT_PACK32").unwrap();
        assert_eq!(p.components[0].channel, Channel::R);
        assert_eq!(p.components[0].bits, 11);
        let d = Format::parse("D32_SFLOAT_S8_UINT").unwrap();
        assert_eq!(d.components.len(), 2);
    }

    #[test]
    fn half() {
        assert_eq!(f32_to_f16(1.0), 0x3c00);
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f32_to_f16(-2.0), 0xc000);
    }
}
