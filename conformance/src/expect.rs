//! The `EXPECT` checks, on host copies of buffers, following Amber's verifier.

use crate::format::{Channel, DataType, Scalar, Value};
use crate::script::{Comparator, Expect, Number, Script, Tolerance};

/// What a check needs to know about a buffer: its bytes and, for images, its extent.
pub struct View<'a> {
    pub data: &'a [u8],
    pub width: u32,
    pub height: u32,
}

/// Amber's default tolerance for texels (in 0..1 units).
const DEFAULT_TEXEL_TOLERANCE: f64 = 0.002;
/// Amber's relative tolerance (percent) for exact float comparisons.
const EPSILON_PERCENT: f64 = 0.000001;

fn within(actual: f64, expected: f64, tol: f64, percent: bool) -> bool {
    let diff = (actual - expected).abs();
    if percent {
        diff <= tol / 100.0 * expected.abs()
    } else {
        diff <= tol
    }
}

/// Runs one check.
pub fn check<'a>(
    script: &Script,
    e: &Expect,
    view: &dyn Fn(usize) -> View<'a>,
) -> Result<(), String> {
    match e {
        Expect::Pixels {
            buffer,
            rect,
            relative,
            rgba,
            has_alpha,
            tolerance,
        } => pixels(
            script,
            *buffer,
            *rect,
            *relative,
            rgba,
            *has_alpha,
            tolerance,
            &view(*buffer),
        ),
        Expect::Values {
            buffer,
            offset,
            comparator,
            ty,
            values,
            tolerance,
        } => {
            let ty = ty
                .clone()
                .unwrap_or_else(|| script.buffers[*buffer].ty.clone());
            values_check(
                &ty,
                *offset,
                *comparator,
                values,
                tolerance,
                view(*buffer).data,
            )
        }
        Expect::EqBuffer { a, b } => {
            let (va, vb) = (view(*a), view(*b));
            if va.data.len() != vb.data.len() {
                return Err(format!(
                    "buffers have different sizes ({} and {} bytes)",
                    va.data.len(),
                    vb.data.len()
                ));
            }
            match va.data.iter().zip(vb.data).position(|(x, y)| x != y) {
                None => Ok(()),
                Some(i) => Err(format!("buffers differ at byte {i}")),
            }
        }
        Expect::RmseBuffer { a, b, tolerance } => {
            let (va, vb) = (view(*a), view(*b));
            if va.data.len() != vb.data.len() {
                return Err("buffers have different sizes".into());
            }
            let scalar = script.buffers[*a].ty.scalar();
            let n = scalar.size();
            let mut sum = 0.0;
            let mut count = 0usize;
            for (x, y) in va.data.chunks_exact(n).zip(vb.data.chunks_exact(n)) {
                let d = scalar.decode(x).as_f64() - scalar.decode(y).as_f64();
                sum += d * d;
                count += 1;
            }
            let rmse = (sum / count.max(1) as f64).sqrt();
            if rmse > *tolerance {
                Err(format!("RMSE {rmse} is greater than tolerance {tolerance}"))
            } else {
                Ok(())
            }
        }
        Expect::HistogramEmd { a, b, tolerance } => {
            let (va, vb) = (view(*a), view(*b));
            if va.data.len() != vb.data.len() {
                return Err("buffers have different sizes".into());
            }
            let ok_format = matches!(&script.buffers[*a].ty, DataType::Format(f)
                if f.components.len() == 4 && f.components.iter().all(|c| c.bits == 8));
            if !ok_format {
                return Err("EMD comparison only supports 8-bit formats with four channels".into());
            }
            let elements = (va.data.len() / 4).max(1) as f64;
            let mut max_emd: f64 = 0.0;
            for c in 0..4 {
                let mut h1 = [0u64; 256];
                let mut h2 = [0u64; 256];
                for px in va.data.chunks_exact(4) {
                    h1[px[c] as usize] += 1;
                }
                for px in vb.data.chunks_exact(4) {
                    h2[px[c] as usize] += 1;
                }
                let (mut accum, mut total) = (0.0f64, 0.0f64);
                for i in 0..256 {
                    accum += h1[i] as f64 / elements - h2[i] as f64 / elements;
                    total += accum.abs();
                }
                max_emd = max_emd.max(total / 256.0);
            }
            if max_emd > *tolerance {
                Err(format!(
                    "histogram EMD {max_emd} is greater than tolerance {tolerance}"
                ))
            } else {
                Ok(())
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn pixels(
    script: &Script,
    buffer: usize,
    rect: Option<[f64; 4]>,
    relative: bool,
    rgba: &[f64; 4],
    has_alpha: bool,
    tolerance: &[Tolerance],
    v: &View<'_>,
) -> Result<(), String> {
    let DataType::Format(format) = &script.buffers[buffer].ty else {
        return Err(format!("{} is not an image", script.buffers[buffer].name));
    };
    let (fw, fh) = (v.width, v.height);
    let (x, y, w, h) = match rect {
        None => (0, 0, fw, fh),
        Some([x, y, w, h]) if relative => (
            (fw as f32 * x as f32) as u32,
            (fh as f32 * y as f32) as u32,
            (fw as f32 * w as f32) as u32,
            (fh as f32 * h as f32) as u32,
        ),
        Some([x, y, w, h]) => (x as u32, y as u32, w as u32, h as u32),
    };
    if x + w > fw || y + h > fh {
        return Err(format!(
            "probe ({}, {}) is outside the {fw}x{fh} framebuffer",
            x + w - 1,
            y + h - 1
        ));
    }
    let tol: [Tolerance; 4] = match tolerance.len() {
        0 => {
            [Tolerance {
                value: DEFAULT_TEXEL_TOLERANCE,
                percent: false,
            }; 4]
        }
        4 => [tolerance[0], tolerance[1], tolerance[2], tolerance[3]],
        _ => [tolerance[0]; 4],
    };
    let ts = format.size;
    let mut bad = 0u64;
    let mut first = None;
    for j in y..y + h {
        for i in x..x + w {
            let at = ((j * fw + i) as usize) * ts;
            let Some(texel) = v.data.get(at..at + ts) else {
                return Err("framebuffer data is too small".into());
            };
            let decoded = format.decode_texel(texel);
            let ok = decoded.iter().all(|(ch, val)| {
                let k = match ch {
                    Channel::R => 0,
                    Channel::G => 1,
                    Channel::B => 2,
                    Channel::A if has_alpha => 3,
                    _ => return true,
                };
                within(rgba[k], *val, tol[k].value, tol[k].percent)
            });
            if !ok {
                bad += 1;
                if first.is_none() {
                    first = Some((i, j, decoded));
                }
            }
        }
    }
    match first {
        None => Ok(()),
        Some((i, j, d)) => {
            let mut actual = [0.0; 4];
            for (ch, val) in d {
                match ch {
                    Channel::R => actual[0] = val,
                    Channel::G => actual[1] = val,
                    Channel::B => actual[2] = val,
                    Channel::A => actual[3] = val,
                    _ => {}
                }
            }
            let s = |a: &[f64; 4]| {
                a.iter()
                    .map(|v| format!("{:.1}", v * 255.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            Err(format!(
                "probe failed at ({i}, {j}): expected RGBA {} actual {} ({bad} pixels wrong)",
                s(rgba),
                s(&actual)
            ))
        }
    }
}

/// Truncates an integer to the scalar's width and reads it back with its signedness.
fn as_scalar(s: Scalar, v: i128) -> i128 {
    let bits = s.size() * 8;
    let mask: u128 = if bits == 128 { !0 } else { (1u128 << bits) - 1 };
    let u = (v as u128) & mask;
    if s.is_signed() && (u >> (bits - 1)) & 1 == 1 {
        (u | !mask) as i128
    } else {
        u as i128
    }
}

/// The expected value rounded to the scalar's precision, as Amber's `static_cast<T>` does.
fn expected_float(s: Scalar, n: Number) -> f64 {
    let f = n.as_f64();
    match s {
        Scalar::F16 => crate::format::f16_to_f32(crate::format::f32_to_f16(f as f32)) as f64,
        Scalar::F32 => f as f32 as f64,
        _ => f,
    }
}

fn values_check(
    ty: &DataType,
    offset: u64,
    comparator: Comparator,
    values: &[Number],
    tolerance: &[Tolerance],
    data: &[u8],
) -> Result<(), String> {
    let scalar = ty.scalar();
    let n = scalar.size();
    let offset = offset as usize;
    // Values walk the elements' components, skipping padding (vec3 and STD140 columns).
    let per = ty.values_per_element().max(1);
    let offsets = ty.value_offsets();
    let esize = ty.element_size();
    let position =
        |i: usize| offset + (i / per) * esize + offsets.get(i % per).copied().unwrap_or(0);
    if let Some(last) = values.len().checked_sub(1) {
        if position(last) + n > data.len() {
            return Err(format!(
                "probe reads bytes up to {} of a {}-byte buffer",
                position(last) + n,
                data.len()
            ));
        }
    }
    for (i, e) in values.iter().enumerate() {
        let at = position(i);
        let actual = scalar.decode(&data[at..at + n]);
        let ok = if scalar.is_float() {
            let a = actual.as_f64();
            let x = expected_float(scalar, *e);
            if !tolerance.is_empty() && comparator == Comparator::Eq {
                within(a, x, tolerance[0].value, tolerance[0].percent)
            } else {
                match comparator {
                    Comparator::Eq => within(a, x, EPSILON_PERCENT, true),
                    Comparator::Ne => !within(a, x, EPSILON_PERCENT, true),
                    Comparator::Lt => a < x,
                    Comparator::Le => a <= x,
                    Comparator::Gt => a > x,
                    Comparator::Ge => a >= x,
                }
            }
        } else {
            let Value::Int(a) = actual else {
                unreachable!("integer scalar")
            };
            let x = as_scalar(scalar, e.as_i128());
            if !tolerance.is_empty() && comparator == Comparator::Eq {
                within(a as f64, x as f64, tolerance[0].value, tolerance[0].percent)
            } else {
                match comparator {
                    Comparator::Eq => a == x,
                    Comparator::Ne => a != x,
                    Comparator::Lt => a < x,
                    Comparator::Le => a <= x,
                    Comparator::Gt => a > x,
                    Comparator::Ge => a >= x,
                }
            }
        };
        if !ok {
            let shown = match e {
                Number::Int(i) if !scalar.is_float() => as_scalar(scalar, *i).to_string(),
                _ => e.as_f64().to_string(),
            };
            return Err(format!(
                "value {i} (byte {at}): got {actual}, expected {comparator:?} {shown}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_and_floats() {
        let ty = DataType::parse("int32").unwrap();
        let data: Vec<u8> = [-1i32, 5].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert!(values_check(
            &ty,
            0,
            Comparator::Eq,
            &[Number::Int(-1), Number::Int(5)],
            &[],
            &data
        )
        .is_ok());
        assert!(values_check(&ty, 4, Comparator::Eq, &[Number::Int(4)], &[], &data).is_err());
        let ty = DataType::parse("float").unwrap();
        let data = 0.1f32.to_le_bytes();
        assert!(values_check(&ty, 0, Comparator::Eq, &[Number::Float(0.1)], &[], &data).is_ok());
    }
}
