//! The per-sample fragment operations: what a draw on the per-sample path
//! (`Multisample::needs_sample_path`) does instead of the per-pixel loops of `output`.
//!
//! Specification, "Multisampling" and "Fragment Operations": each lane carries the coverage of
//! its pixel's samples (`FragmentBatch::sample_coverage`, already reduced by the sample mask);
//! after shading, alpha-to-coverage and the shader's `SampleMask` output reduce it further;
//! then the depth bounds, stencil and depth tests run *per sample*, each at the sample's own
//! depth (the depth plane evaluated at the sample location, or `FragDepth` for all samples),
//! and the colour — shaded once per pixel unless sample shading asks for more — is blended and
//! written to every sample that passed. An occlusion query counts samples.
//!
//! **Alpha to coverage** maps alpha (of colour output 0, clamped to [0, 1]) to a number of
//! samples `n = ⌊α·S + ½⌋` without dithering, and keeps the samples of a fixed pattern for
//! each `n` (for 4 samples: none, {0}, {0, 3}, {0, 1, 3}, all), so that half coverage covers
//! two opposite sample locations of the pixel rather than its top half.

use super::{DrawOps, TileBuffer};
use crate::fragment::{FragmentBatch, FragmentOutput, LANES, MAX_COLOR_ATTACHMENTS};
use crate::state::{sample_locations, Multisample};
use pumice_texel::NumericClass;

/// The per-sample constants of one draw.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SampleOps {
    /// 1 or 4.
    pub samples: u32,
    /// The sample mask, cut to `samples` bits.
    pub mask: u8,
    pub alpha_to_coverage: bool,
    pub alpha_to_one: bool,
    pub per_sample_shading: bool,
    /// Each sample's offset from the pixel centre, in pixels.
    pub offsets: [[f32; 2]; 4],
}

impl SampleOps {
    pub fn new(ms: &Multisample, samples: u32) -> SampleOps {
        let mut offsets = [[0.0; 2]; 4];
        for (o, l) in offsets.iter_mut().zip(sample_locations(samples)) {
            *o = [l[0] - 0.5, l[1] - 0.5];
        }
        let all = ((1u32 << samples) - 1) as u8;
        SampleOps {
            samples,
            mask: (ms.sample_mask as u8) & all,
            alpha_to_coverage: ms.alpha_to_coverage,
            alpha_to_one: ms.alpha_to_one,
            per_sample_shading: ms.per_sample_shading && samples > 1,
            offsets,
        }
    }

    /// The depth of sample `s` of `lane`.
    #[inline]
    fn z(&self, batch: &FragmentBatch, lane: usize, s: usize) -> f32 {
        let o = self.offsets[s];
        batch.z[lane] + batch.dzdx[lane] * o[0] + batch.dzdy[lane] * o[1]
    }
}

/// The samples alpha-to-coverage keeps for `alpha` with `samples` samples (see the module
/// docs). NaN keeps none.
pub fn alpha_to_coverage(alpha: f32, samples: u32) -> u8 {
    let a = if alpha.is_nan() {
        0.0
    } else {
        alpha.clamp(0.0, 1.0)
    };
    let n = (a * samples as f32 + 0.5).floor() as usize;
    if samples == 4 {
        [0b0000, 0b0001, 0b1001, 0b1011, 0b1111][n.min(4)]
    } else {
        u8::from(n >= 1)
    }
}

impl TileBuffer {
    /// The stencil and depth tests of the samples in `mask` of `lane`; returns the survivors.
    #[inline]
    fn test_samples(
        &mut self,
        ops: &DrawOps,
        so: &SampleOps,
        batch: &FragmentBatch,
        lane: usize,
        mut mask: u8,
        frag_depth: Option<f32>,
    ) -> u8 {
        let (x, y) = (batch.x[lane], batch.y[lane]);
        let front = batch.front_facing & (1 << lane) != 0;
        let stencil = Self::needs_stencil_path(ops);
        for s in 0..so.samples as usize {
            if mask & (1 << s) == 0 {
                continue;
            }
            let z = frag_depth.unwrap_or_else(|| so.z(batch, lane, s));
            let pass = if stencil {
                self.stencil_depth_test(ops, x, y, s, z, front)
            } else {
                self.depth_test(ops, x, y, s, z)
            };
            if !pass {
                mask &= !(1 << s);
            }
        }
        mask
    }

    /// The fragment tests of the samples in `masks` (per lane), clearing the bits of the
    /// samples that fail: a D32 depth test alone runs a sample plane at a time
    /// ([`TileBuffer::depth_test_d32_sample`]), anything else lane by lane. Sample planes are
    /// separate memory, so the planes' order does not matter; within a plane, lanes go in
    /// order. `frag_depth`: the shader's `FragDepth` per lane, else each sample's own depth.
    fn test_sample_planes(
        &mut self,
        ops: &DrawOps,
        so: &SampleOps,
        batch: &FragmentBatch,
        masks: &mut [u8; LANES],
        frag_depth: Option<&[f32; LANES]>,
    ) {
        if !self.has_fragment_tests(ops) {
            return;
        }
        let mut batched = true;
        for s in 0..so.samples as usize {
            let mut lanes = 0u64;
            let mut z = [0.0f32; LANES];
            for (l, &m) in masks.iter().enumerate() {
                if (m >> s) & 1 != 0 {
                    lanes |= 1 << l;
                    z[l] = frag_depth.map_or_else(|| so.z(batch, l, s), |d| d[l]);
                }
            }
            if lanes == 0 {
                continue;
            }
            match self.depth_test_d32_sample(ops, batch, lanes, &z, s) {
                Some(survivors) => {
                    for (l, m) in masks.iter_mut().enumerate() {
                        if lanes & !survivors & (1 << l) != 0 {
                            *m &= !(1 << s);
                        }
                    }
                }
                None => {
                    // Not applicable to any plane: the general per-lane tests (plane 0 was not
                    // touched, nothing was tested yet).
                    batched = false;
                    break;
                }
            }
        }
        if batched {
            return;
        }
        for lane in 0..LANES {
            if masks[lane] != 0 {
                let fd = frag_depth.map(|d| d[lane]);
                masks[lane] = self.test_samples(ops, so, batch, lane, masks[lane], fd);
            }
        }
    }

    /// Copies sample `from` of pixel (x, y) of colour attachment `att` to the other samples
    /// in `mask`.
    fn copy_sample(&mut self, att: usize, x: u32, y: u32, from: usize, mask: u8) {
        let Some(bpp) = self.colors.get(att).map(|p| p.bpp) else {
            return;
        };
        let Some(base) = self.index(x, y, 0, bpp) else {
            return;
        };
        let bytes = &mut self.colors[att].bytes;
        for s in 0..self.samples {
            if s != from && mask & (1 << s) != 0 {
                bytes.copy_within(base + from * bpp..base + (from + 1) * bpp, base + s * bpp);
            }
        }
    }

    /// Early fragment tests per sample of the lanes in `live`: each lane's sample coverage
    /// keeps the samples that passed; returns the lanes with any left.
    pub fn early_samples(
        &mut self,
        ops: &DrawOps,
        so: &SampleOps,
        batch: &mut FragmentBatch,
        live: u64,
    ) -> u64 {
        let mut masks = [0u8; LANES];
        for (lane, m) in masks.iter_mut().enumerate().take(batch.lanes()) {
            if live & (1 << lane) != 0 {
                *m = batch.sample_coverage[lane];
            }
        }
        self.test_sample_planes(ops, so, batch, &mut masks, None);
        let mut out = live;
        for lane in 0..batch.lanes() {
            if live & (1 << lane) == 0 {
                continue;
            }
            batch.sample_coverage[lane] = masks[lane];
            if masks[lane] == 0 {
                out &= !(1 << lane);
            }
        }
        out
    }

    /// Late per-sample operations on the lanes in `live`: coverage reduction, the fragment
    /// tests unless they ran early, the colour writes. Returns the samples that passed.
    pub fn late_samples(
        &mut self,
        ops: &DrawOps,
        so: &SampleOps,
        batch: &FragmentBatch,
        out: &FragmentOutput,
        live: u64,
        depth_done: bool,
    ) -> u64 {
        pumice_memory::simd::vectorized(
            #[inline(always)]
            || self.late_samples_inlined(ops, so, batch, out, live, depth_done),
        )
    }

    #[inline(always)]
    fn late_samples_inlined(
        &mut self,
        ops: &DrawOps,
        so: &SampleOps,
        batch: &FragmentBatch,
        out: &FragmentOutput,
        live: u64,
        depth_done: bool,
    ) -> u64 {
        // All fragment tests first (lane order), then each attachment's writes: neither reads
        // what the other writes, so this is the per-fragment order (as in `late`).
        let mut masks = [0u8; LANES];
        let mut passed = 0;
        for lane in 0..batch.lanes().min(LANES) {
            if live & (1 << lane) == 0 {
                continue;
            }
            let mut m = batch.sample_coverage[lane];
            if so.alpha_to_coverage {
                m &= alpha_to_coverage(f32::from_bits(out.color[0][3][lane]), so.samples);
            }
            if out.sample_mask_written {
                m &= out.sample_mask[lane] as u8;
            }
            masks[lane] = m;
        }
        if !depth_done {
            let fd = out.depth_written.then_some(&out.depth);
            self.test_sample_planes(ops, so, batch, &mut masks, fd);
        }
        for m in &masks {
            passed += u64::from(m.count_ones());
        }
        for (att, op) in ops.colors.iter().enumerate().take(MAX_COLOR_ATTACHMENTS) {
            let Some(op) = op else { continue };
            if op.skip {
                continue;
            }
            // RGBA8/BGRA8 a sample plane at a time, like single-sampled batches (alpha-to-one
            // changes the source, which that path reads directly: it takes the loop below).
            if !so.alpha_to_one {
                let mut batched = true;
                for s in 0..so.samples as usize {
                    let mut lanes = 0u64;
                    for (l, &m) in masks.iter().enumerate() {
                        lanes |= u64::from((m >> s) & 1) << l;
                    }
                    if lanes != 0
                        && !self.write_colors_rgba8_sample(
                            att,
                            op,
                            batch,
                            out,
                            lanes,
                            ops.constants,
                            s,
                        )
                    {
                        batched = false;
                        break;
                    }
                }
                if batched {
                    continue;
                }
            }
            for (lane, &m) in masks.iter().enumerate() {
                if m == 0 {
                    continue;
                }
                let (x, y) = (batch.x[lane], batch.y[lane]);
                let mut src = [0, 1, 2, 3].map(|c| out.color[att][c][lane]);
                if so.alpha_to_one && op.class == NumericClass::Float {
                    src[3] = 1.0f32.to_bits();
                }
                let src1 = [0, 1, 2, 3].map(|c| out.color1[c][lane]);
                let first = m.trailing_zeros() as usize;
                self.write_color(att, x, y, first, op, src, src1, ops.constants);
                if m.count_ones() == 1 {
                    continue;
                }
                if !op.blending && op.byte_mask.is_none() && op.logic.is_none() {
                    // The same bytes replace every covered sample: encoded once.
                    self.copy_sample(att, x, y, first, m);
                } else {
                    for s in first + 1..so.samples as usize {
                        if m & (1 << s) != 0 {
                            self.write_color(att, x, y, s, op, src, src1, ops.constants);
                        }
                    }
                }
            }
        }
        passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_to_coverage_counts() {
        assert_eq!(alpha_to_coverage(0.0, 4), 0);
        assert_eq!(alpha_to_coverage(0.1, 4), 0);
        assert_eq!(alpha_to_coverage(0.25, 4), 0b0001);
        assert_eq!(alpha_to_coverage(0.5, 4), 0b1001);
        assert_eq!(alpha_to_coverage(0.74, 4), 0b1011);
        assert_eq!(alpha_to_coverage(1.0, 4), 0b1111);
        assert_eq!(alpha_to_coverage(7.0, 4), 0b1111);
        assert_eq!(alpha_to_coverage(f32::NAN, 4), 0);
        assert_eq!(alpha_to_coverage(0.49, 1), 0);
        assert_eq!(alpha_to_coverage(0.5, 1), 1);
    }
}
