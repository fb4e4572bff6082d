//! Encoding and decoding of texels.

use crate::format::Format;

/// A decoded texel in the format's numeric class. Components a format lacks read as
/// (0, 0, 0, 1). Depth decodes as `Float([d, 0, 0, 1])`, stencil as `Uint([s, 0, 0, 1])`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Texel {
    Float([f32; 4]),
    Uint([u32; 4]),
    Sint([i32; 4]),
}

/// Decodes one texel of an uncompressed format from `bytes` (at least `block_bytes` long).
/// Returns `None` for compressed and 64-bit formats, which have no texel value here.
pub fn decode(format: Format, bytes: &[u8]) -> Option<Texel> {
    let _ = (format, bytes);
    None
}

/// Encodes `value` into `out` (at least `block_bytes` long). A value of another class than the
/// format's is converted first. Returns `false` for formats it cannot encode.
pub fn encode(format: Format, value: Texel, out: &mut [u8]) -> bool {
    let _ = (format, value, out);
    false
}
