//! Image operations: samples, fetches, stores and queries, lane by lane through
//! `pumice_texel::sample`.
//!
//! Every access is bounds-checked against the bound view: a fetch outside reads zero (alpha
//! one), a store outside does nothing, a sample wraps or takes the border as its sampler says.
//! A missing view or sampler reads zero, like a null descriptor.
//!
//! Implicit levels of detail come from the coordinates' differences inside each 2×2 quad of a
//! fragment batch (lanes 4q..4q+4), the coarse derivatives the spec allows.

use pumice_texel::pack::{self, Texel};
use pumice_texel::sample::{self, Lod, SampleArgs, Swizzle, TexelSource, ViewDim};
use pumice_texel::{Aspect, Format, NumericClass};

use super::{Batch, Resources};
use crate::compute::ImageBinding;
use crate::ir::{ImageOp, ImageOpKind, ImageShape, Reg, SampleLevel, W};

impl ImageBinding<'_> {
    /// The format texels are decoded with: the plane's for depth/stencil aspects.
    fn texel_format(&self) -> Format {
        match self.aspect {
            Aspect::Color => self.format,
            a => self.format.plane_format(a).unwrap_or(self.format),
        }
    }

    fn texel_address(
        &self,
        level: u32,
        layer: u32,
        xyz: [u32; 3],
        sample: u32,
    ) -> Option<(u64, Format)> {
        let sub = self.layout.subresource(
            self.aspect,
            self.base_level + level,
            self.base_layer + layer,
        )?;
        let format = self.texel_format();
        let bytes = u64::from(format.info().block_bytes);
        // A multisampled texel's samples lie side by side (the row pitch counts them).
        let at = sub.offset
            + u64::from(xyz[2]) * sub.depth_pitch
            + u64::from(xyz[1]) * sub.row_pitch
            + (u64::from(xyz[0]) * u64::from(self.samples.max(1)) + u64::from(sample)) * bytes;
        Some((self.offset + at, format))
    }

    fn one(&self) -> u32 {
        match self.class() {
            NumericClass::Float => 1f32.to_bits(),
            _ => 1,
        }
    }

    /// The texel (sample `sample` of it) at integer coordinates; `None` outside the view.
    fn load(&self, level: u32, layer: u32, xyz: [i32; 3], sample: u32) -> Option<[u32; 4]> {
        if level >= self.levels || layer >= self.layers || sample >= self.samples.max(1) {
            return None;
        }
        let e = self.extent(level);
        if (0..3).any(|c| xyz[c] < 0 || xyz[c] as u32 >= e[c]) {
            return None;
        }
        Some(self.read(level, layer, xyz.map(|v| v as u32), sample))
    }

    /// The texel at `xyz` (inside the view), swizzled, as words.
    fn read(&self, level: u32, layer: u32, xyz: [u32; 3], sample: u32) -> [u32; 4] {
        let zero = [0, 0, 0, self.one()];
        let Some((at, format)) = self.texel_address(level, layer, xyz, sample) else {
            return zero;
        };
        let n = format.info().block_bytes as usize;
        let mut buf = [0u8; 16];
        if n > 16 || self.memory.read(at, &mut buf[..n]).is_err() {
            return zero;
        }
        let words = match pack::decode(format, &buf[..n]) {
            Some(Texel::Float(v)) => v.map(f32::to_bits),
            Some(Texel::Uint(v)) => v,
            Some(Texel::Sint(v)) => v.map(|x| x as u32),
            None => return zero,
        };
        Swizzle::apply(self.swizzle, words, self.one())
    }

    fn store(&self, level: u32, layer: u32, xyz: [i32; 3], sample: u32, value: [u32; 4]) {
        if level >= self.levels || layer >= self.layers || sample >= self.samples.max(1) {
            return;
        }
        let e = self.extent(level);
        if (0..3).any(|c| xyz[c] < 0 || xyz[c] as u32 >= e[c]) {
            return;
        }
        let Some((at, format)) = self.texel_address(level, layer, xyz.map(|v| v as u32), sample)
        else {
            return;
        };
        let texel = match format.numeric_class() {
            NumericClass::Float => Texel::Float(value.map(f32::from_bits)),
            NumericClass::Uint => Texel::Uint(value),
            NumericClass::Sint => Texel::Sint(value.map(|v| v as i32)),
        };
        let n = format.info().block_bytes as usize;
        let mut buf = [0u8; 16];
        if n <= 16 && pack::encode(format, texel, &mut buf[..n]) {
            let _ = self.memory.write(at, &buf[..n]);
        }
    }
}

impl ImageBinding<'_> {
    /// An atomic read-modify-write of the 32-bit integer texel (sample `sample` of it) at
    /// integer coordinates; its old value, or `None` outside the view or for other formats.
    fn atomic(
        &self,
        layer: u32,
        xyz: [i32; 3],
        sample: u32,
        op: crate::ir::AtomicOp,
        value: u32,
        compare: u32,
    ) -> Option<u32> {
        if layer >= self.layers || sample >= self.samples.max(1) {
            return None;
        }
        let e = self.extent(0);
        if (0..3).any(|c| xyz[c] < 0 || xyz[c] as u32 >= e[c]) {
            return None;
        }
        let (at, format) = self.texel_address(0, layer, xyz.map(|v| v as u32), sample)?;
        if format.info().block_bytes != 4
            || format.info().components().len() != 1
            || format.numeric_class() == NumericClass::Float
        {
            return None;
        }
        self.memory.atomic_u32(at, |a| {
            use std::sync::atomic::Ordering;
            if op == crate::ir::AtomicOp::Load {
                return a.load(Ordering::SeqCst);
            }
            let mut cur = a.load(Ordering::Relaxed);
            loop {
                let Some(new) = super::memory::apply(op, cur, value, compare) else {
                    return cur;
                };
                match a.compare_exchange_weak(cur, new, Ordering::SeqCst, Ordering::Relaxed) {
                    Ok(_) => return cur,
                    Err(actual) => cur = actual,
                }
            }
        })
    }
}

impl TexelSource for ImageBinding<'_> {
    fn dim(&self) -> ViewDim {
        self.dim
    }
    fn levels(&self) -> u32 {
        self.levels
    }
    fn layers(&self) -> u32 {
        self.layers
    }
    fn extent(&self, level: u32) -> [u32; 3] {
        let [w, h, d] = self.layout.desc.mip_extent(self.base_level + level);
        match self.dim {
            ViewDim::D1 => [w, 1, 1],
            ViewDim::D2 | ViewDim::Cube => [w, h, 1],
            ViewDim::D3 => [w, h, d],
        }
    }
    fn class(&self) -> NumericClass {
        match self.aspect {
            Aspect::Depth => NumericClass::Float,
            Aspect::Stencil => NumericClass::Uint,
            Aspect::Color => self.format.numeric_class(),
        }
    }
    fn depth_unorm(&self) -> bool {
        self.aspect == Aspect::Depth
            && matches!(
                self.texel_format(),
                Format::D16_UNORM | Format::X8_D24_UNORM_PACK32
            )
    }
    fn fetch(&self, level: u32, layer: u32, xyz: [u32; 3]) -> [u32; 4] {
        self.read(level, layer, xyz, 0)
    }
}

fn f(batch: &Batch, r: Reg, lane: usize) -> f32 {
    f32::from_bits(batch.regs[r as usize][lane])
}

/// Runs image operation `op`, writing `count` registers from `dst`.
pub fn run(batch: &mut Batch, res: &Resources, op: &ImageOp, dst: Reg, count: u8) {
    let args = batch.image_args;
    let arg = |i: u8| args[i as usize & 15];
    let desc = res.images.get(op.image as usize).copied().flatten();
    let view = desc.and_then(|d| d.view);
    let exec = batch.exec;
    let mut out = [[0u32; W]; 4];
    match &op.kind {
        ImageOpKind::Size { level } => {
            let lvl = level.map(|l| arg(l));
            for lane in 0..W {
                let Some(v) = view else { break };
                let l = lvl.map_or(0, |r| batch.regs[r as usize][lane]);
                if l >= v.levels {
                    continue;
                }
                let e = v.extent(l);
                let n = match op.shape {
                    ImageShape::D1 => 1,
                    ImageShape::D2 | ImageShape::Cube => 2,
                    ImageShape::D3 => 3,
                };
                for c in 0..n {
                    out[c][lane] = e[c];
                }
            }
        }
        ImageOpKind::Levels => out[0] = [view.map_or(0, |v| v.levels); W],
        ImageOpKind::Layers => {
            let layers = view.map_or(0, |v| {
                if op.shape == ImageShape::Cube {
                    v.layers / 6
                } else {
                    v.layers
                }
            });
            out[0] = [layers; W];
        }
        ImageOpKind::Samples => out[0] = [view.map_or(0, |v| v.samples.max(1)); W],
        ImageOpKind::Load { level, sample } => {
            if let Some(v) = view {
                let zero = [0, 0, 0, v.one()];
                for lane in 0..W {
                    if exec >> lane & 1 == 0 {
                        continue;
                    }
                    let (xyz, layer) = int_coords(batch, op, &args, lane);
                    let l = level.map_or(0, |r| batch.regs[arg(r) as usize][lane]);
                    let s = sample.map(|r| batch.regs[arg(r) as usize][lane]);
                    let (layer, s) = sample_as_layer(op, &v, layer, s);
                    let t = v.load(l, layer, xyz, s).unwrap_or(zero);
                    for c in 0..4 {
                        out[c][lane] = t[c];
                    }
                }
            }
        }
        ImageOpKind::Store { value } => {
            if let Some(v) = view {
                let live = exec & !batch.no_write;
                for lane in 0..W {
                    if live >> lane & 1 == 0 {
                        continue;
                    }
                    let (xyz, layer) = int_coords(batch, op, &args, lane);
                    let (layer, s) = sample_as_layer(op, &v, layer, None);
                    let t = value.map(|r| batch.regs[arg(r) as usize][lane]);
                    v.store(0, layer, xyz, s, t);
                }
            }
            return;
        }
        ImageOpKind::Atomic {
            op: aop,
            value,
            compare,
        } => {
            if let Some(v) = view {
                let live = exec & !batch.no_write;
                // Lanes one after another, so lanes of a batch on one texel see each other.
                for lane in 0..W {
                    if live >> lane & 1 == 0 {
                        continue;
                    }
                    let (xyz, layer) = int_coords(batch, op, &args, lane);
                    let (layer, s) = sample_as_layer(op, &v, layer, None);
                    let x = batch.regs[arg(*value) as usize][lane];
                    let c = batch.regs[arg(*compare) as usize][lane];
                    out[0][lane] = v.atomic(layer, xyz, s, *aop, x, c).unwrap_or(0);
                }
            }
        }
        ImageOpKind::Sample {
            sampler,
            level,
            depth_ref,
            gather,
            offset,
        } => {
            let smp = res
                .images
                .get(*sampler as usize)
                .copied()
                .flatten()
                .and_then(|d| d.sampler);
            if let (Some(v), Some(smp)) = (view, smp) {
                sample_lanes(
                    batch, op, &args, &v, &smp, level, *depth_ref, *gather, *offset, &mut out,
                );
            }
        }
    }
    for c in 0..count.min(4) as usize {
        batch.regs[(dst + c as u32) as usize] = out[c];
    }
}

/// Integer texel coordinates and layer of a fetch or store.
/// A multisampled storage image is read as an arrayed one whose layer is the sample (see
/// `crate::legalize::storage_ms_as_arrayed`): an arrayed access without a sample operand to a
/// view with samples (a real multisampled array is always accessed with one) addresses sample
/// `layer` of layer 0. Otherwise (layer, sample).
fn sample_as_layer(
    op: &ImageOp,
    view: &ImageBinding,
    layer: u32,
    sample: Option<u32>,
) -> (u32, u32) {
    match sample {
        None if op.arrayed && view.samples > 1 => (0, layer),
        s => (layer, s.unwrap_or(0)),
    }
}

fn int_coords(batch: &Batch, op: &ImageOp, args: &[Reg; 16], lane: usize) -> ([i32; 3], u32) {
    let mut xyz = [0i32; 3];
    for (c, &a) in op.coords.iter().enumerate().take(3) {
        xyz[c] = batch.regs[args[a as usize & 15] as usize][lane] as i32;
    }
    let mut layer = op
        .array_index
        .map_or(0, |a| batch.regs[args[a as usize & 15] as usize][lane]);
    if op.shape == ImageShape::Cube {
        // Cube images are read as 2-D arrays of faces: z is the face.
        layer = layer.wrapping_mul(6).wrapping_add(xyz[2] as u32);
        xyz[2] = 0;
    }
    (xyz, layer)
}

#[allow(clippy::too_many_arguments)]
fn sample_lanes(
    batch: &Batch,
    op: &ImageOp,
    args: &[Reg; 16],
    view: &ImageBinding,
    smp: &sample::Sampler,
    level: &SampleLevel,
    depth_ref: Option<u8>,
    gather: Option<u8>,
    offset: [i32; 3],
    out: &mut [[u32; W]; 4],
) {
    let reg = |a: u8| args[a as usize & 15];
    let n = op.coords.len().min(3);
    // Per-lane coordinates: a cube direction becomes its face and face coordinates first, so
    // derivatives are taken on what is sampled.
    let mut coord = [[0f32; 3]; W];
    let mut face = [0u32; W];
    for lane in 0..W {
        let mut c = [0f32; 3];
        for (k, &a) in op.coords.iter().enumerate().take(3) {
            c[k] = f(batch, reg(a), lane);
        }
        if op.shape == ImageShape::Cube {
            let (fc, st) = sample::cube_face(c);
            face[lane] = fc;
            c = [st[0], st[1], 0.0];
        }
        coord[lane] = c;
    }
    let dims = if op.shape == ImageShape::Cube { 2 } else { n };
    let base_extent = view.extent(0);
    let lod_of = |lane: usize| -> Lod {
        let quad_gradients = || {
            let q = lane & !3;
            let mut dx = [0f32; 3];
            let mut dy = [0f32; 3];
            for c in 0..dims {
                dx[c] = coord[q + 1][c] - coord[q][c];
                dy[c] = coord[q + 2][c] - coord[q][c];
            }
            sample::lod_from_gradients(base_extent, dims, dx, dy)
        };
        match level {
            SampleLevel::Auto => Lod::Computed {
                base: quad_gradients(),
                bias: 0.0,
            },
            SampleLevel::Bias(b) => Lod::Computed {
                base: quad_gradients(),
                bias: f(batch, reg(*b), lane),
            },
            SampleLevel::Zero => Lod::Explicit(0.0),
            SampleLevel::Exact(l) => Lod::Explicit(f(batch, reg(*l), lane)),
            SampleLevel::Gradient { x, y } => {
                let mut dx = [0f32; 3];
                let mut dy = [0f32; 3];
                for (c, (&a, &b)) in x.iter().zip(y).enumerate().take(3) {
                    dx[c] = f(batch, reg(a), lane);
                    dy[c] = f(batch, reg(b), lane);
                }
                if op.shape == ImageShape::Cube {
                    // Gradients of a direction: scale to face units by the major axis
                    // (an approximation that ignores the major axis's own change).
                    let mut d = [0f32; 3];
                    for (k, &a) in op.coords.iter().enumerate().take(3) {
                        d[k] = f(batch, reg(a), lane);
                    }
                    let ma = d
                        .iter()
                        .fold(0f32, |m, v| m.max(v.abs()))
                        .max(f32::MIN_POSITIVE);
                    dx = dx.map(|v| v * 0.5 / ma);
                    dy = dy.map(|v| v * 0.5 / ma);
                }
                Lod::Computed {
                    base: sample::lod_from_gradients(base_extent, dims.max(n), dx, dy),
                    bias: 0.0,
                }
            }
        }
    };
    for lane in 0..W {
        if batch.exec >> lane & 1 == 0 {
            continue;
        }
        let a = SampleArgs {
            coord: coord[lane],
            layer: op.array_index.map_or(0.0, |i| f(batch, reg(i), lane)),
            face: face[lane],
            lod: lod_of(lane),
            dref: depth_ref.map(|d| f(batch, reg(d), lane)),
            offset,
            gather,
        };
        let t = sample::sample(view, smp, &a);
        for c in 0..4 {
            out[c][lane] = t[c];
        }
    }
}
