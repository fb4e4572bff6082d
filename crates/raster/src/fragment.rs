//! The interface to the fragment shader: batches of 64 lanes in, colours (and optionally depth
//! and a discard mask) out.
//!
//! **Why 64 lanes of 2×2 quads.** The shader interpreter runs every instruction over a batch of
//! `W = 64` lanes (`pumice_shader::ir::W`), so a fragment batch is 16 quads. Quads make
//! derivatives lane differences: lane `4q + 2·(y & 1) + (x & 1)` is pixel (x, y) of quad `q`,
//! i.e. lanes `4q..4q+4` are top-left, top-right, bottom-left, bottom-right. `dFdx` is lane 1 − lane
//! 0 (and 3 − 2), `dFdy` lane 2 − lane 0. Lanes of a quad that the primitive does not cover are
//! *helper* lanes: their inputs are interpolated (extrapolated) like the others so that
//! derivatives work, their `coverage` bit is clear, and nothing they output is written.
//!
//! **Packed lanes.** A shader that reads nothing of other lanes (no derivatives, image
//! operations, subgroup operations or helper test: [`FragmentInfo::quad_free`]) needs no quads:
//! its covered pixels are packed into consecutive lanes, with no helper lanes (a lane past the
//! covered ones has its `coverage` bit clear, as a helper's). Small triangles cover ~60% of the
//! lanes of their quads, so packing shades ~40% fewer batches (`tile::Worker::push_pixels`).
//!
//! A batch holds quads of one draw in one tile, possibly from several consecutive triangles
//! (each lane carries its own primitive id, facing and interpolated inputs), so that meshes of
//! small triangles still fill batches. The same pixel may appear in several lanes of a batch; the
//! per-fragment operations after shading process lanes in lane order, which is primitive order.
//!
//! **Struct of arrays.** Every input is an array over lanes (`[f32; 64]` per varying component),
//! the layout of the interpreter's registers: loading inputs is a copy, not a gather.
//!
//! The trait is object-safe and `Sync`: one `&dyn FragmentStage` per draw is shared by all tile
//! workers. A shader needing per-worker memory (a register file) keeps it in
//! [`FragmentOutput::scratch`], which lives as long as the worker and is never touched here.

use std::any::Any;

/// Lanes per batch.
pub const LANES: usize = 64;
/// 2×2 quads per batch.
pub const QUADS: usize = LANES / 4;
/// Colour attachments (`maxColorAttachments`).
pub const MAX_COLOR_ATTACHMENTS: usize = 8;

/// The inputs of one batch of fragment-shader invocations.
#[derive(Clone, Debug)]
pub struct FragmentBatch {
    /// Number of quads in use; lanes `4·quads..64` are unused (and not covered).
    pub quads: usize,
    /// Bit `l`: lane `l` is a covered fragment (not a helper, not unused).
    pub coverage: u64,
    /// Pixel coordinates; `gl_FragCoord.xy` is `(x + 0.5, y + 0.5)`.
    pub x: [u32; LANES],
    pub y: [u32; LANES],
    /// `gl_FragCoord.z`: interpolated framebuffer depth.
    pub z: [f32; LANES],
    /// `gl_FragCoord.w`: interpolated 1/w_clip.
    pub inv_w: [f32; LANES],
    /// Bit `l`: lane `l` belongs to a front-facing primitive (`gl_FrontFacing`).
    pub front_facing: u64,
    /// `gl_PrimitiveID`.
    pub primitive_id: [u32; LANES],
    /// The interpolated varyings, one array per component, in the order of
    /// `RasterState::varyings`.
    pub varyings: Vec<[f32; LANES]>,
    /// Draws on the per-sample path only (`Multisample::needs_sample_path`; otherwise these
    /// are stale): bit `s` of `sample_coverage[l]` is sample `s` of lane `l`'s pixel, covered
    /// and kept by the sample mask (`gl_SampleMaskIn`).
    pub sample_coverage: [u8; LANES],
    /// With per-sample shading, the sample the lane shades (`gl_SampleID`); its inputs are
    /// interpolated at that sample's location, and `gl_FragCoord.xy` is that location.
    /// Otherwise 0, and the lane is shaded at the pixel centre.
    pub sample_id: [u32; LANES],
    /// `true` when the lanes are samples (per-sample shading), not pixels.
    pub per_sample: bool,
    /// The depth plane's slopes (framebuffer depth per pixel), to find each sample's depth
    /// from the lane's `z`; 0 for per-sample lanes, whose `z` is already at their sample.
    pub dzdx: [f32; LANES],
    pub dzdy: [f32; LANES],
    /// No two lanes of the batch are the same pixel (its quads come from one triangle and
    /// lanes are pixels): the colour writes may gather and scatter the whole batch at once.
    /// `false` promises nothing.
    pub distinct_pixels: bool,
}

impl FragmentBatch {
    pub fn new(varyings: usize) -> FragmentBatch {
        FragmentBatch {
            quads: 0,
            coverage: 0,
            x: [0; LANES],
            y: [0; LANES],
            z: [0.0; LANES],
            inv_w: [0.0; LANES],
            front_facing: 0,
            primitive_id: [0; LANES],
            varyings: vec![[0.0; LANES]; varyings],
            sample_coverage: [0; LANES],
            sample_id: [0; LANES],
            per_sample: false,
            dzdx: [0.0; LANES],
            dzdy: [0.0; LANES],
            distinct_pixels: false,
        }
    }

    /// `gl_FragCoord.xy` of lane `l`: the pixel centre, or with per-sample shading the
    /// location of the lane's sample (4 samples at the standard locations).
    pub fn frag_coord(&self, lane: usize) -> [f32; 2] {
        let (x, y) = (self.x[lane] as f32, self.y[lane] as f32);
        if self.per_sample {
            let p = crate::state::SAMPLE_LOCATIONS_4[(self.sample_id[lane] & 3) as usize];
            [x + p[0], y + p[1]]
        } else {
            [x + 0.5, y + 0.5]
        }
    }

    /// A bit for each lane in use.
    pub fn active(&self) -> u64 {
        if self.quads >= QUADS {
            u64::MAX
        } else {
            (1u64 << (4 * self.quads)) - 1
        }
    }

    /// Number of lanes in use (`4 · quads`).
    pub fn lanes(&self) -> usize {
        self.quads * 4
    }
}

/// What a fragment shader produced for one batch.
pub struct FragmentOutput {
    /// Per colour attachment (by location), per component, per lane: the raw 32-bit value, read
    /// as `f32` bits for float/normalized attachments, `u32` or `i32` for integer ones.
    pub color: [[[u32; LANES]; 4]; MAX_COLOR_ATTACHMENTS],
    /// The second output of location 0 (`Index = 1`), for dual-source blending.
    pub color1: [[u32; LANES]; 4],
    /// Bit `l`: lane `l` executed `OpKill`/`OpTerminateInvocation`/`OpDemoteToHelperInvocation`.
    pub discard: u64,
    /// `gl_FragDepth` when `depth_written` is set.
    pub depth: [f32; LANES],
    pub depth_written: bool,
    /// `gl_SampleMask[0]` when `sample_mask_written` is set: samples whose bit is clear are
    /// dropped (`FragmentInfo::writes_sample_mask` sends the draw down the per-sample path).
    pub sample_mask: [u32; LANES],
    pub sample_mask_written: bool,
    /// Per-worker memory of the shader, kept between batches (see the module docs).
    pub scratch: Option<Box<dyn Any + Send>>,
}

impl Default for FragmentOutput {
    fn default() -> Self {
        FragmentOutput {
            color: [[[0; LANES]; 4]; MAX_COLOR_ATTACHMENTS],
            color1: [[0; LANES]; 4],
            discard: 0,
            depth: [0.0; LANES],
            depth_written: false,
            sample_mask: [!0; LANES],
            sample_mask_written: false,
            scratch: None,
        }
    }
}

impl std::fmt::Debug for FragmentOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FragmentOutput")
            .field("discard", &self.discard)
            .field("depth_written", &self.depth_written)
            .finish_non_exhaustive()
    }
}

impl FragmentOutput {
    /// Writes a float component of attachment `att`.
    #[inline]
    pub fn set_f32(&mut self, att: usize, comp: usize, lane: usize, v: f32) {
        self.color[att][comp][lane] = v.to_bits();
    }

    #[inline]
    pub fn get_f32(&self, att: usize, comp: usize, lane: usize) -> f32 {
        f32::from_bits(self.color[att][comp][lane])
    }
}

/// What the rasterizer needs to know about a fragment shader to schedule the per-fragment
/// tests around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragmentInfo {
    /// The shader may discard (or demote) fragments.
    pub may_discard: bool,
    /// The shader writes `FragDepth`.
    pub writes_depth: bool,
    /// `EarlyFragmentTests` execution mode: test (and write) depth before shading even though
    /// the shader may discard.
    pub early_fragment_tests: bool,
    /// The shader writes `SampleMask`.
    pub writes_sample_mask: bool,
    /// Fragments with equal varyings get equal colour outputs, and nothing else: the shader
    /// reads no per-fragment built-in but `FrontFacing` and `PrimitiveId` (the same over a
    /// primitive), looks at no other lane, writes no depth or sample mask, cannot discard and
    /// has no side effects. A primitive whose varyings are the same at all its vertices is
    /// then shaded once (`tile`'s uniform fills).
    pub uniform_over_primitive: bool,
    /// The shader reads nothing of other lanes: no derivatives (nor implicit-LOD sampling),
    /// no subgroup operations, no helper-invocation test. Its fragments need not come in 2×2
    /// quads with helper lanes, so the one-sample path packs covered pixels only into the
    /// batch's lanes (`tile::Worker::push_pixels`).
    pub quad_free: bool,
}

impl Default for FragmentInfo {
    /// The conservative answer: may discard, so depth is tested after shading.
    fn default() -> Self {
        FragmentInfo {
            may_discard: true,
            writes_depth: false,
            early_fragment_tests: false,
            writes_sample_mask: false,
            uniform_over_primitive: false,
            quad_free: false,
        }
    }
}

impl FragmentInfo {
    /// Whether depth testing can happen before shading: the shader neither writes depth nor
    /// can discard (so the result is the same), or it asks for early tests.
    pub fn early_depth(&self) -> bool {
        !self.writes_depth && (self.early_fragment_tests || !self.may_discard)
    }
}

/// A fragment shader, bound to its resources for one draw.
pub trait FragmentStage: Sync {
    /// Runs the shader on `batch`. Only lanes whose `coverage` bit is set produce fragments;
    /// helper lanes run but their outputs are ignored. `out.discard` and `out.depth_written`
    /// (and `out.sample_mask_written`) are cleared before the call; colour outputs keep stale values until written.
    fn shade(&self, batch: &FragmentBatch, out: &mut FragmentOutput);

    fn info(&self) -> FragmentInfo {
        FragmentInfo::default()
    }
}

/// A fragment stage that writes varying components `4a..4a+4` to attachment `a` as floats
/// (missing components read 0, alpha 1). The reference shader of the tests, and a stand-in
/// until pipelines provide real shaders.
#[derive(Clone, Copy, Debug, Default)]
pub struct VaryingsAsColor {
    /// Also discard lanes whose first varying is negative (exercises late depth testing).
    pub discard_negative: bool,
    /// Report that the shader needs 2×2 quads (as a shader with derivatives does), so that
    /// the rasterizer takes its quad path rather than packing covered pixels.
    pub in_quads: bool,
}

impl FragmentStage for VaryingsAsColor {
    fn shade(&self, batch: &FragmentBatch, out: &mut FragmentOutput) {
        let lanes = batch.lanes();
        for att in 0..MAX_COLOR_ATTACHMENTS {
            for comp in 0..4 {
                let src = batch.varyings.get(att * 4 + comp);
                let default = if comp == 3 { 1.0 } else { 0.0 };
                for lane in 0..lanes {
                    let v = src.map_or(default, |s| s[lane]);
                    out.color[att][comp][lane] = v.to_bits();
                }
            }
            if (att + 1) * 4 >= batch.varyings.len() {
                break;
            }
        }
        if self.discard_negative {
            if let Some(first) = batch.varyings.first() {
                for (lane, v) in first.iter().enumerate().take(lanes) {
                    if *v < 0.0 {
                        out.discard |= 1 << lane;
                    }
                }
            }
        }
    }

    fn info(&self) -> FragmentInfo {
        FragmentInfo {
            may_discard: self.discard_negative,
            writes_depth: false,
            early_fragment_tests: false,
            writes_sample_mask: false,
            uniform_over_primitive: !self.discard_negative,
            quad_free: !self.in_quads,
        }
    }
}
