//! Sampling math, as the Vulkan specification's "Texel Input Operations" and "Image Sampling"
//! chapters define it: coordinate wrapping, nearest and linear filtering, mipmap selection from a
//! level of detail, depth comparison, gathers, cube-face selection and border colours.
//!
//! The functions here know nothing of memory: a [`TexelSource`] reads one texel of a view at
//! integer coordinates that are already inside the level. Values travel as four 32-bit words in
//! the view's numeric class (f32 bits for float formats), which is what a shader register holds.
//!
//! Filtering is done in f32 with full sub-texel precision (the spec asks for at least 8 bits).
//! Cube maps pick a face per sample and clamp at face edges: seamless filtering across faces
//! (a corner-and-edge fetch from the neighbouring face) is not done yet, so linear filtering of
//! the outermost texel ring of a face differs from a seamless implementation.

use crate::format::NumericClass;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    Nearest,
    Linear,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressMode {
    Repeat,
    MirroredRepeat,
    ClampToEdge,
    ClampToBorder,
    MirrorClampToEdge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Never,
    Less,
    Equal,
    LessOrEqual,
    Greater,
    NotEqual,
    GreaterOrEqual,
    Always,
}

impl CompareOp {
    /// `reference OP texel`, as the spec orders the operands for depth comparison.
    pub fn test(self, reference: f32, texel: f32) -> bool {
        match self {
            CompareOp::Never => false,
            CompareOp::Less => reference < texel,
            CompareOp::Equal => reference == texel,
            CompareOp::LessOrEqual => reference <= texel,
            CompareOp::Greater => reference > texel,
            CompareOp::NotEqual => reference != texel,
            CompareOp::GreaterOrEqual => reference >= texel,
            CompareOp::Always => true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BorderColor {
    TransparentBlack,
    OpaqueBlack,
    OpaqueWhite,
}

/// A sampler's state (`VkSamplerCreateInfo`, validated).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampler {
    pub mag_filter: Filter,
    pub min_filter: Filter,
    pub mipmap_mode: Filter,
    pub address: [AddressMode; 3],
    pub mip_lod_bias: f32,
    pub min_lod: f32,
    pub max_lod: f32,
    pub compare: Option<CompareOp>,
    pub border: BorderColor,
    pub unnormalized: bool,
}

impl Default for Sampler {
    fn default() -> Sampler {
        Sampler {
            mag_filter: Filter::Nearest,
            min_filter: Filter::Nearest,
            mipmap_mode: Filter::Nearest,
            address: [AddressMode::ClampToEdge; 3],
            mip_lod_bias: 0.0,
            min_lod: 0.0,
            max_lod: 1000.0,
            compare: None,
            border: BorderColor::TransparentBlack,
            unnormalized: false,
        }
    }
}

/// Where one component of a view's value comes from (`VkComponentMapping`, identity resolved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swizzle {
    R,
    G,
    B,
    A,
    Zero,
    One,
}

impl Swizzle {
    pub const IDENTITY: [Swizzle; 4] = [Swizzle::R, Swizzle::G, Swizzle::B, Swizzle::A];

    /// Applies a mapping to a value's words (`one` is 1 in the value's class).
    pub fn apply(map: [Swizzle; 4], v: [u32; 4], one: u32) -> [u32; 4] {
        map.map(|s| match s {
            Swizzle::R => v[0],
            Swizzle::G => v[1],
            Swizzle::B => v[2],
            Swizzle::A => v[3],
            Swizzle::Zero => 0,
            Swizzle::One => one,
        })
    }
}

/// The shape of a view as sampling sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewDim {
    D1,
    D2,
    D3,
    Cube,
}

impl ViewDim {
    /// How many coordinates address a texel (a cube's direction is three but its faces two).
    pub fn coords(self) -> usize {
        match self {
            ViewDim::D1 => 1,
            ViewDim::D2 | ViewDim::Cube => 2,
            ViewDim::D3 => 3,
        }
    }
}

/// Read access to an image view's texels.
pub trait TexelSource {
    fn dim(&self) -> ViewDim;
    /// Mip levels of the view.
    fn levels(&self) -> u32;
    /// Array layers of the view (six per cube).
    fn layers(&self) -> u32;
    /// The extent of `level` of the view (1 in unused dimensions).
    fn extent(&self, level: u32) -> [u32; 3];
    fn class(&self) -> NumericClass;
    /// Whether the view's format is a depth format read as depth (for compare and for the
    /// reference's clamp to [0, 1] on UNORM formats).
    fn depth_unorm(&self) -> bool {
        false
    }
    /// The texel at `xyz` of `level`, `layer`, all inside the view, swizzled, as words.
    fn fetch(&self, level: u32, layer: u32, xyz: [u32; 3]) -> [u32; 4];
}

/// Wraps integer coordinate `i` into `0..size`; `None` means the border.
pub fn wrap(mode: AddressMode, i: i32, size: u32) -> Option<u32> {
    let n = size as i64;
    let i = i as i64;
    let mirror = |i: i64| if i >= 0 { i } else { -(1 + i) };
    let r = match mode {
        AddressMode::Repeat => i.rem_euclid(n),
        AddressMode::MirroredRepeat => {
            let t = i.rem_euclid(2 * n);
            if t >= n {
                2 * n - 1 - t
            } else {
                t
            }
        }
        AddressMode::ClampToEdge => i.clamp(0, n - 1),
        AddressMode::ClampToBorder => {
            if i < 0 || i >= n {
                return None;
            }
            i
        }
        AddressMode::MirrorClampToEdge => mirror(i).clamp(0, n - 1),
    };
    Some(r as u32)
}

/// The border colour in the view's numeric class.
pub fn border_words(border: BorderColor, class: NumericClass) -> [u32; 4] {
    let (rgb, a) = match border {
        BorderColor::TransparentBlack => (0, 0),
        BorderColor::OpaqueBlack => (0, 1),
        BorderColor::OpaqueWhite => (1, 1),
    };
    match class {
        NumericClass::Float => {
            let f = |v: u32| (v as f32).to_bits();
            [f(rgb), f(rgb), f(rgb), f(a)]
        }
        _ => [rgb, rgb, rgb, a],
    }
}

/// The face (0..6: +X, −X, +Y, −Y, +Z, −Z) and the face coordinates in [0, 1] of a cube
/// direction (the spec's "Cube Map Face Selection" table).
pub fn cube_face(d: [f32; 3]) -> (u32, [f32; 2]) {
    let [x, y, z] = d;
    let (ax, ay, az) = (x.abs(), y.abs(), z.abs());
    let (face, sc, tc, ma) = if az >= ax && az >= ay {
        if z >= 0.0 {
            (4, x, -y, az)
        } else {
            (5, -x, -y, az)
        }
    } else if ay >= ax {
        if y >= 0.0 {
            (2, x, z, ay)
        } else {
            (3, x, -z, ay)
        }
    } else if x >= 0.0 {
        (0, -z, -y, ax)
    } else {
        (1, z, -y, ax)
    };
    let ma = if ma == 0.0 { 1.0 } else { ma };
    (face, [0.5 * sc / ma + 0.5, 0.5 * tc / ma + 0.5])
}

/// The level of detail λ_base = log2(ρ) of derivatives given in normalized coordinates, for
/// the base level's `extent` (the spec's isotropic ρ = max of the two scaled gradient lengths).
pub fn lod_from_gradients(extent: [u32; 3], coords: usize, dx: [f32; 3], dy: [f32; 3]) -> f32 {
    let mut lx = 0.0f32;
    let mut ly = 0.0f32;
    for c in 0..coords.min(3) {
        let e = extent[c] as f32;
        lx += (dx[c] * e) * (dx[c] * e);
        ly += (dy[c] * e) * (dy[c] * e);
    }
    let rho2 = lx.max(ly);
    // log2(sqrt(x)) = log2(x) / 2; ρ = 0 gives −∞, which the clamps turn into the base level.
    0.5 * rho2.log2()
}

/// The level of detail a sample uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lod {
    /// λ_base from derivatives (implicit or gradient forms), plus a shader bias.
    Computed { base: f32, bias: f32 },
    /// An explicit λ (`textureLod`).
    Explicit(f32),
}

/// What one sample asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleArgs {
    /// Normalized (or, with an unnormalized sampler, texel) coordinates; face coordinates for a
    /// cube (after [`cube_face`]).
    pub coord: [f32; 3],
    /// The array layer, unrounded (the cube face already added for cubes: `6·layer + face`
    /// is done by the caller through `layer` and `face`).
    pub layer: f32,
    /// The cube face (0 for other views).
    pub face: u32,
    pub lod: Lod,
    /// The depth reference for compare samples.
    pub dref: Option<f32>,
    /// The constant texel offset.
    pub offset: [i32; 3],
    /// `Some(c)`: gather component `c` of the four texels of the bilinear footprint.
    pub gather: Option<u8>,
}

fn class_to_f32(class: NumericClass, w: u32) -> f32 {
    match class {
        NumericClass::Float => f32::from_bits(w),
        NumericClass::Uint => w as f32,
        NumericClass::Sint => w as i32 as f32,
    }
}

/// Samples `src` with `sampler`: the words of the result, in the view's class.
pub fn sample(src: &dyn TexelSource, sampler: &Sampler, args: &SampleArgs) -> [u32; 4] {
    let class = src.class();
    let levels = src.levels().max(1);
    let dim = src.dim();
    let layers = src.layers().max(1);
    let array_layers = if dim == ViewDim::Cube {
        (layers / 6).max(1)
    } else {
        layers
    };
    let layer = (args.layer.round_ties_even().max(0.0) as u32).min(array_layers - 1);
    let layer = if dim == ViewDim::Cube {
        layer * 6 + args.face.min(5)
    } else {
        layer
    };
    // λ' = λ_base + the sampler's and the shader's bias (the spec's "Level-of-Detail
    // Operation" adds the sampler's bias to explicit levels too), clamped to the sampler's
    // [minLod, maxLod]. Unnormalized samplers always read level 0.
    let lambda = match args.lod {
        Lod::Computed { base, bias } => base + sampler.mip_lod_bias + bias,
        Lod::Explicit(l) => l + sampler.mip_lod_bias,
    };
    let lambda = if sampler.unnormalized {
        0.0
    } else {
        lambda.max(sampler.min_lod).min(sampler.max_lod)
    };
    let integer = class != NumericClass::Float;
    let filter = if lambda <= 0.0 || lambda.is_nan() {
        sampler.mag_filter
    } else {
        sampler.min_filter
    };
    let filter = if integer { Filter::Nearest } else { filter };
    let q = (levels - 1) as f32;
    let d = if lambda.is_nan() {
        0.0
    } else {
        lambda.clamp(0.0, q)
    };
    let one_level =
        |level: u32| -> [f32; 4] { filter_level(src, sampler, args, class, level, layer, filter) };
    // Gathers read level 0's footprint (or the explicit level) and never blend levels.
    if let Some(c) = args.gather {
        let level = match args.lod {
            Lod::Explicit(l) => (l.max(0.0) as u32).min(levels - 1),
            Lod::Computed { .. } => 0,
        };
        return gather(src, sampler, args, class, level, layer, c);
    }
    let value = if sampler.unnormalized || levels == 1 {
        one_level(0)
    } else if sampler.mipmap_mode == Filter::Nearest {
        // d = ceil(d' + 0.5) − 1: rounds half down.
        let level = ((d + 0.5).ceil() - 1.0).max(0.0) as u32;
        one_level(level.min(levels - 1))
    } else {
        let lo = d.floor() as u32;
        let hi = (lo + 1).min(levels - 1);
        let t = d - d.floor();
        let a = one_level(lo);
        if t == 0.0 || hi == lo {
            a
        } else {
            let b = one_level(hi);
            [0, 1, 2, 3].map(|i| a[i] + (b[i] - a[i]) * t)
        }
    };
    if integer && args.dref.is_none() {
        // Integer formats are never filtered: the nearest texel's words, unchanged.
        return value.map(|v| match class {
            NumericClass::Uint => v as u32,
            NumericClass::Sint => v as i32 as u32,
            NumericClass::Float => v.to_bits(),
        });
    }
    value.map(f32::to_bits)
}

/// The texel coordinate of one axis: the integer part, the fraction (linear) and the size.
fn axis(coord: f32, size: u32, unnormalized: bool, filter: Filter, offset: i32) -> (i32, f32) {
    let u = if unnormalized {
        coord
    } else {
        coord * size as f32
    };
    match filter {
        Filter::Nearest => (floor_i32(u).saturating_add(offset), 0.0),
        Filter::Linear => {
            let v = u - 0.5;
            let f = v.floor();
            (floor_i32(v).saturating_add(offset), v - f)
        }
    }
}

fn floor_i32(v: f32) -> i32 {
    if v.is_nan() {
        0
    } else {
        v.floor().clamp(i32::MIN as f32, i32::MAX as f32) as i32
    }
}

/// One texel as f32s (integer words converted exactly when they fit), depth-compared when the
/// sample has a reference; the border when it falls outside.
fn tap(
    src: &dyn TexelSource,
    sampler: &Sampler,
    args: &SampleArgs,
    class: NumericClass,
    level: u32,
    layer: u32,
    ijk: [i32; 3],
) -> [f32; 4] {
    let extent = src.extent(level);
    let n = src.dim().coords();
    let mut xyz = [0u32; 3];
    let mut border = false;
    for c in 0..3 {
        if c < n {
            match wrap(sampler.address[c], ijk[c], extent[c]) {
                Some(v) => xyz[c] = v,
                None => border = true,
            }
        }
    }
    let words = if border {
        border_words(sampler.border, class)
    } else {
        src.fetch(level, layer, xyz)
    };
    let mut v = words.map(|w| class_to_f32(class, w));
    if let (Some(dref), Some(op)) = (args.dref, sampler.compare) {
        let dref = if src.depth_unorm() {
            dref.clamp(0.0, 1.0)
        } else {
            dref
        };
        let r = if op.test(dref, v[0]) { 1.0 } else { 0.0 };
        v = [r, 0.0, 0.0, 1.0];
    }
    v
}

fn filter_level(
    src: &dyn TexelSource,
    sampler: &Sampler,
    args: &SampleArgs,
    class: NumericClass,
    level: u32,
    layer: u32,
    filter: Filter,
) -> [f32; 4] {
    let extent = src.extent(level);
    let n = src.dim().coords();
    let mut base = [0i32; 3];
    let mut frac = [0f32; 3];
    for c in 0..n {
        let (i, f) = axis(
            args.coord[c],
            extent[c],
            sampler.unnormalized,
            filter,
            args.offset[c],
        );
        base[c] = i;
        frac[c] = f;
    }
    if filter == Filter::Nearest {
        return tap(src, sampler, args, class, level, layer, base);
    }
    let mut out = [0f32; 4];
    let corners = 1usize << n;
    for corner in 0..corners {
        let mut ijk = base;
        let mut w = 1.0f32;
        for c in 0..n {
            if corner >> c & 1 != 0 {
                ijk[c] = ijk[c].saturating_add(1);
                w *= frac[c];
            } else {
                w *= 1.0 - frac[c];
            }
        }
        if w == 0.0 {
            continue;
        }
        let t = tap(src, sampler, args, class, level, layer, ijk);
        for i in 0..4 {
            out[i] += w * t[i];
        }
    }
    out
}

/// `textureGather`: component `c` of the bilinear footprint's texels, in the spec's order
/// (i0,j1), (i1,j1), (i1,j0), (i0,j0).
fn gather(
    src: &dyn TexelSource,
    sampler: &Sampler,
    args: &SampleArgs,
    class: NumericClass,
    level: u32,
    layer: u32,
    c: u8,
) -> [u32; 4] {
    let extent = src.extent(level);
    let (i0, _) = axis(
        args.coord[0],
        extent[0],
        sampler.unnormalized,
        Filter::Linear,
        args.offset[0],
    );
    let (j0, _) = axis(
        args.coord[1],
        extent[1],
        sampler.unnormalized,
        Filter::Linear,
        args.offset[1],
    );
    let taps = [(0, 1), (1, 1), (1, 0), (0, 0)];
    taps.map(|(di, dj)| {
        let t = tap(
            src,
            sampler,
            args,
            class,
            level,
            layer,
            [i0.saturating_add(di), j0.saturating_add(dj), 0],
        );
        let v = if args.dref.is_some() {
            t[0]
        } else {
            t[c as usize & 3]
        };
        match class {
            NumericClass::Float => v.to_bits(),
            NumericClass::Uint if args.dref.is_none() => v as u32,
            NumericClass::Sint if args.dref.is_none() => v as i32 as u32,
            _ => v.to_bits(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4×4 (and 2×2, 1×1 mip) single-channel float image: texel value = 100·level + 10·y + x.
    struct Ramp;

    impl TexelSource for Ramp {
        fn dim(&self) -> ViewDim {
            ViewDim::D2
        }
        fn levels(&self) -> u32 {
            3
        }
        fn layers(&self) -> u32 {
            1
        }
        fn extent(&self, level: u32) -> [u32; 3] {
            [4 >> level, 4 >> level, 1]
        }
        fn class(&self) -> NumericClass {
            NumericClass::Float
        }
        fn fetch(&self, level: u32, _layer: u32, xyz: [u32; 3]) -> [u32; 4] {
            let v = 100.0 * level as f32 + 10.0 * xyz[1] as f32 + xyz[0] as f32;
            [v.to_bits(), 0, 0, 1f32.to_bits()]
        }
    }

    fn args(u: f32, v: f32) -> SampleArgs {
        SampleArgs {
            coord: [u, v, 0.0],
            layer: 0.0,
            face: 0,
            lod: Lod::Explicit(0.0),
            dref: None,
            offset: [0; 3],
            gather: None,
        }
    }

    fn r(w: [u32; 4]) -> f32 {
        f32::from_bits(w[0])
    }

    #[test]
    fn wrap_modes_match_the_spec_table() {
        use AddressMode::*;
        let got: Vec<_> = (-5..9).map(|i| wrap(Repeat, i, 4).unwrap()).collect();
        assert_eq!(got, [3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]);
        let got: Vec<_> = (-5..9)
            .map(|i| wrap(MirroredRepeat, i, 4).unwrap())
            .collect();
        assert_eq!(got, [3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0]);
        let got: Vec<_> = (-3..7).map(|i| wrap(ClampToEdge, i, 4).unwrap()).collect();
        assert_eq!(got, [0, 0, 0, 0, 1, 2, 3, 3, 3, 3]);
        let got: Vec<_> = (-3..7)
            .map(|i| wrap(MirrorClampToEdge, i, 4).unwrap())
            .collect();
        assert_eq!(got, [2, 1, 0, 0, 1, 2, 3, 3, 3, 3]);
        assert_eq!(wrap(ClampToBorder, -1, 4), None);
        assert_eq!(wrap(ClampToBorder, 4, 4), None);
        assert_eq!(wrap(ClampToBorder, 3, 4), Some(3));
    }

    #[test]
    fn nearest_and_linear_filtering() {
        let s = Sampler::default();
        // Texel centres: (x + 0.5) / 4.
        assert_eq!(r(sample(&Ramp, &s, &args(0.625, 0.375))), 12.0);
        let lin = Sampler {
            mag_filter: Filter::Linear,
            min_filter: Filter::Linear,
            ..s
        };
        // Halfway between texels (1,1) and (2,1) horizontally: 11.5.
        assert_eq!(r(sample(&Ramp, &lin, &args(0.5, 0.375))), 11.5);
        // A quarter of the way in both axes from (1,1): 11 + 0.25 + 2.5.
        assert_eq!(r(sample(&Ramp, &lin, &args(0.4375, 0.4375))), 13.75);
    }

    #[test]
    fn mip_selection_nearest_and_linear() {
        let s = Sampler::default();
        let at = |lod: f32, s: &Sampler| {
            let mut a = args(0.1, 0.1);
            a.lod = Lod::Explicit(lod);
            r(sample(&Ramp, s, &a))
        };
        assert_eq!(at(0.0, &s), 0.0);
        // Nearest mip: 0.5 rounds down, 0.51 up.
        assert_eq!(at(0.5, &s), 0.0);
        assert_eq!(at(0.51, &s), 100.0);
        assert_eq!(at(7.0, &s), 200.0);
        let lin = Sampler {
            mipmap_mode: Filter::Linear,
            ..s
        };
        assert_eq!(at(0.25, &lin), 25.0);
        let clamped = Sampler {
            max_lod: 1.0,
            ..lin
        };
        assert_eq!(at(5.0, &clamped), 100.0);
        // λ from gradients: one texel per pixel at level 0 is λ = 0; two is λ = 1.
        let l = lod_from_gradients([4, 4, 1], 2, [0.5, 0.0, 0.0], [0.0, 0.5, 0.0]);
        assert_eq!(l, 1.0);
    }

    #[test]
    fn border_compare_and_gather() {
        let s = Sampler {
            address: [AddressMode::ClampToBorder; 3],
            border: BorderColor::OpaqueWhite,
            ..Sampler::default()
        };
        assert_eq!(r(sample(&Ramp, &s, &args(-0.1, 0.5))), 1.0);
        let cmp = Sampler {
            compare: Some(CompareOp::Less),
            ..Sampler::default()
        };
        let mut a = args(0.625, 0.375); // texel 12
        a.dref = Some(11.0);
        assert_eq!(r(sample(&Ramp, &cmp, &a)), 1.0);
        a.dref = Some(12.0);
        assert_eq!(r(sample(&Ramp, &cmp, &a)), 0.0);
        let mut g = args(0.5, 0.5); // footprint (1,1)..(2,2)
        g.gather = Some(0);
        let got = sample(&Ramp, &Sampler::default(), &g).map(f32::from_bits);
        assert_eq!(got, [21.0, 22.0, 12.0, 11.0]);
    }

    #[test]
    fn cube_faces() {
        assert_eq!(cube_face([1.0, 0.0, 0.0]), (0, [0.5, 0.5]));
        assert_eq!(cube_face([-1.0, 0.0, 0.0]).0, 1);
        assert_eq!(cube_face([0.0, 1.0, 0.0]).0, 2);
        assert_eq!(cube_face([0.0, -1.0, 0.0]).0, 3);
        assert_eq!(cube_face([0.0, 0.0, 1.0]).0, 4);
        assert_eq!(cube_face([0.0, 0.0, -1.0]).0, 5);
        // +Z face: s follows +x, t follows −y.
        assert_eq!(cube_face([0.5, 0.5, 1.0]), (4, [0.75, 0.25]));
    }
}
