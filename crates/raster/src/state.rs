//! The fixed-function state of a draw: what `VkPipeline*StateCreateInfo` (and the dynamic state
//! commands) say about rasterization, depth and blending, in plain Rust types.
//!
//! The Vulkan layer converts its structures into these with one exhaustive `match` per enum; the
//! variants mirror Vulkan's names so that the conversion is obvious.

/// `VkViewport`. A negative `height` flips y, as Vulkan (1.1, `VK_KHR_maintenance1`) allows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub min_depth: f32,
    pub max_depth: f32,
}

impl Viewport {
    /// A viewport covering `width`×`height` pixels from the origin, depth range [0, 1].
    pub fn full(width: u32, height: u32) -> Viewport {
        Viewport {
            x: 0.0,
            y: 0.0,
            width: width as f32,
            height: height as f32,
            min_depth: 0.0,
            max_depth: 1.0,
        }
    }
}

/// `VkRect2D`: a rectangle of pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    pub fn new(x: i32, y: i32, width: u32, height: u32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }
}

/// A half-open rectangle of pixels `[x0, x1) × [y0, y1)`; empty when `x0 >= x1` or `y0 >= y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct PixelRect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl PixelRect {
    pub fn from_rect(r: Rect) -> PixelRect {
        let end = |o: i32, e: u32| {
            (i64::from(o) + i64::from(e)).clamp(i32::MIN as i64, i32::MAX as i64) as i32
        };
        PixelRect {
            x0: r.x,
            y0: r.y,
            x1: end(r.x, r.width),
            y1: end(r.y, r.height),
        }
    }

    pub fn intersect(self, o: PixelRect) -> PixelRect {
        PixelRect {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }

    pub fn contains(&self, x: i32, y: i32) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

/// `VkCullModeFlags`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CullMode {
    None,
    Front,
    Back,
    FrontAndBack,
}

/// `VkFrontFace`: which sign of the framebuffer-space area (the specification's
/// a = -½ Σ xᵢ·yᵢ₊₁ − xᵢ₊₁·yᵢ, y pointing down) is front-facing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontFace {
    /// Positive area is front-facing.
    CounterClockwise,
    /// Negative area is front-facing.
    Clockwise,
}

/// The primitive topologies the rasterizer assembles (the adjacency topologies need a geometry
/// stage, which does not exist).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    PointList,
    LineList,
    LineStrip,
    TriangleList,
    TriangleStrip,
    TriangleFan,
}

/// `VkPolygonMode`: how triangles are rasterized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolygonMode {
    Fill,
    /// The edges of the (clipped) polygon, as width-1 lines.
    Line,
    /// The vertices, as points of the size the vertex stage wrote.
    Point,
}

/// `pointSizeRange`: `gl_PointSize` is clamped to it.
pub const POINT_SIZE_RANGE: [f32; 2] = [1.0, 256.0];
/// `pointSizeGranularity`: point corners are snapped to 1/256 pixel like every vertex, so any
/// multiple of 1/8 is drawn at its exact size.
pub const POINT_SIZE_GRANULARITY: f32 = 0.125;

/// How one varying component is interpolated across a primitive (SPIR-V decorations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    /// Perspective-correct (no decoration).
    Smooth,
    /// `NoPerspective`: linear in framebuffer space.
    NoPerspective,
    /// `Flat`: the provoking vertex's value (the first vertex of the primitive).
    Flat,
}

/// `VkCompareOp`.
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
    /// `incoming OP stored`, as the depth test reads it ("the fragment passes if its depth
    /// compares true against the stored depth"). NaN compares false except for `NotEqual`
    /// (IEEE), `Always` and `Never` as named.
    #[inline]
    pub fn test(self, incoming: f32, stored: f32) -> bool {
        match self {
            CompareOp::Never => false,
            CompareOp::Less => incoming < stored,
            CompareOp::Equal => incoming == stored,
            CompareOp::LessOrEqual => incoming <= stored,
            CompareOp::Greater => incoming > stored,
            CompareOp::NotEqual => incoming != stored,
            CompareOp::GreaterOrEqual => incoming >= stored,
            CompareOp::Always => true,
        }
    }
}

impl CompareOp {
    /// `reference OP stored` on (masked) unsigned stencil values, as the stencil test reads it.
    #[inline]
    pub fn test_u8(self, reference: u8, stored: u8) -> bool {
        match self {
            CompareOp::Never => false,
            CompareOp::Less => reference < stored,
            CompareOp::Equal => reference == stored,
            CompareOp::LessOrEqual => reference <= stored,
            CompareOp::Greater => reference > stored,
            CompareOp::NotEqual => reference != stored,
            CompareOp::GreaterOrEqual => reference >= stored,
            CompareOp::Always => true,
        }
    }
}

/// `VkStencilOp`. The stencil attachment is 8 bits (`S8_UINT` planes), so "the maximum
/// representable unsigned value" is 255.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StencilOp {
    Keep,
    Zero,
    Replace,
    IncrementAndClamp,
    DecrementAndClamp,
    Invert,
    IncrementAndWrap,
    DecrementAndWrap,
}

impl StencilOp {
    /// The new stencil value before the write mask is applied.
    #[inline]
    pub fn apply(self, stored: u8, reference: u8) -> u8 {
        match self {
            StencilOp::Keep => stored,
            StencilOp::Zero => 0,
            StencilOp::Replace => reference,
            StencilOp::IncrementAndClamp => stored.saturating_add(1),
            StencilOp::DecrementAndClamp => stored.saturating_sub(1),
            StencilOp::Invert => !stored,
            StencilOp::IncrementAndWrap => stored.wrapping_add(1),
            StencilOp::DecrementAndWrap => stored.wrapping_sub(1),
        }
    }
}

/// `VkStencilOpState`: the stencil test and updates of one facing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StencilFace {
    /// Applied when the stencil test fails.
    pub fail_op: StencilOp,
    /// Applied when the stencil and depth tests pass.
    pub pass_op: StencilOp,
    /// Applied when the stencil test passes and the depth test fails.
    pub depth_fail_op: StencilOp,
    pub compare_op: CompareOp,
    pub compare_mask: u32,
    pub write_mask: u32,
    pub reference: u32,
}

impl Default for StencilFace {
    /// Always passes, keeps everything.
    fn default() -> Self {
        StencilFace {
            fail_op: StencilOp::Keep,
            pass_op: StencilOp::Keep,
            depth_fail_op: StencilOp::Keep,
            compare_op: CompareOp::Always,
            compare_mask: 0xff,
            write_mask: 0xff,
            reference: 0,
        }
    }
}

/// Stencil test state (`VkPipelineDepthStencilStateCreateInfo`, stencil part, with dynamic
/// state applied). Fragments of front-facing triangles use `front`, the others `back`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StencilState {
    pub test_enable: bool,
    pub front: StencilFace,
    pub back: StencilFace,
}

/// `depthBiasConstantFactor`, `depthBiasSlopeFactor` and `depthBiasClamp` of an enabled depth
/// bias (see `setup` for the formula).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct DepthBias {
    pub constant_factor: f32,
    pub slope_factor: f32,
    /// 0 (or NaN): no clamp; > 0: the largest bias; < 0: the smallest.
    pub clamp: f32,
}

/// Depth test state (`VkPipelineDepthStencilStateCreateInfo`, depth part).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthState {
    pub test_enable: bool,
    pub write_enable: bool,
    pub compare_op: CompareOp,
}

impl Default for DepthState {
    fn default() -> Self {
        DepthState {
            test_enable: false,
            write_enable: false,
            compare_op: CompareOp::Always,
        }
    }
}

/// `VkBlendFactor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlendFactor {
    Zero,
    One,
    SrcColor,
    OneMinusSrcColor,
    DstColor,
    OneMinusDstColor,
    SrcAlpha,
    OneMinusSrcAlpha,
    DstAlpha,
    OneMinusDstAlpha,
    ConstantColor,
    OneMinusConstantColor,
    ConstantAlpha,
    OneMinusConstantAlpha,
    SrcAlphaSaturate,
    Src1Color,
    OneMinusSrc1Color,
    Src1Alpha,
    OneMinusSrc1Alpha,
}

impl BlendFactor {
    /// Every factor (for tests that go through them all).
    #[cfg(test)]
    pub(crate) const ALL: [BlendFactor; 19] = {
        use BlendFactor as F;
        [
            F::Zero,
            F::One,
            F::SrcColor,
            F::OneMinusSrcColor,
            F::DstColor,
            F::OneMinusDstColor,
            F::SrcAlpha,
            F::OneMinusSrcAlpha,
            F::DstAlpha,
            F::OneMinusDstAlpha,
            F::ConstantColor,
            F::OneMinusConstantColor,
            F::ConstantAlpha,
            F::OneMinusConstantAlpha,
            F::SrcAlphaSaturate,
            F::Src1Color,
            F::OneMinusSrc1Color,
            F::Src1Alpha,
            F::OneMinusSrc1Alpha,
        ]
    };

    /// Reads the fragment's second colour output (dual-source blending).
    pub fn is_dual_source(self) -> bool {
        matches!(
            self,
            BlendFactor::Src1Color
                | BlendFactor::OneMinusSrc1Color
                | BlendFactor::Src1Alpha
                | BlendFactor::OneMinusSrc1Alpha
        )
    }
}

/// `VkBlendOp` (the core five; the advanced blend operations are not supported).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlendOp {
    Add,
    Subtract,
    ReverseSubtract,
    Min,
    Max,
}

impl BlendOp {
    /// Every operation (for tests that go through them all).
    #[cfg(test)]
    pub(crate) const ALL: [BlendOp; 5] = [
        BlendOp::Add,
        BlendOp::Subtract,
        BlendOp::ReverseSubtract,
        BlendOp::Min,
        BlendOp::Max,
    ];
}

/// `VkLogicOp`: a bitwise operation between the fragment's colour, encoded in the attachment's
/// format, and the stored texel ("Logical Operations"). Applied to integer and normalized
/// attachments only; with it enabled no attachment blends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicOp {
    Clear,
    And,
    AndReverse,
    Copy,
    AndInverted,
    NoOp,
    Xor,
    Or,
    Nor,
    Equivalent,
    Invert,
    OrReverse,
    CopyInverted,
    OrInverted,
    Nand,
    Set,
}

impl LogicOp {
    /// Every operation, in `VkLogicOp` order.
    pub const ALL: [LogicOp; 16] = [
        LogicOp::Clear,
        LogicOp::And,
        LogicOp::AndReverse,
        LogicOp::Copy,
        LogicOp::AndInverted,
        LogicOp::NoOp,
        LogicOp::Xor,
        LogicOp::Or,
        LogicOp::Nor,
        LogicOp::Equivalent,
        LogicOp::Invert,
        LogicOp::OrReverse,
        LogicOp::CopyInverted,
        LogicOp::OrInverted,
        LogicOp::Nand,
        LogicOp::Set,
    ];

    /// The operation on a byte of the source `s` and the same byte of the stored texel `d`
    /// (bitwise, so byte by byte is bit by bit, whatever the components' widths).
    pub fn apply(self, s: u8, d: u8) -> u8 {
        match self {
            LogicOp::Clear => 0,
            LogicOp::And => s & d,
            LogicOp::AndReverse => s & !d,
            LogicOp::Copy => s,
            LogicOp::AndInverted => !s & d,
            LogicOp::NoOp => d,
            LogicOp::Xor => s ^ d,
            LogicOp::Or => s | d,
            LogicOp::Nor => !(s | d),
            LogicOp::Equivalent => !(s ^ d),
            LogicOp::Invert => !d,
            LogicOp::OrReverse => s | !d,
            LogicOp::CopyInverted => !s,
            LogicOp::OrInverted => !s | d,
            LogicOp::Nand => !(s & d),
            LogicOp::Set => 0xff,
        }
    }
}

/// `VkColorComponentFlags` bits.
pub const COLOR_R: u8 = 1;
pub const COLOR_G: u8 = 2;
pub const COLOR_B: u8 = 4;
pub const COLOR_A: u8 = 8;
pub const COLOR_ALL: u8 = 15;

/// `VkPipelineColorBlendAttachmentState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColorBlend {
    pub blend_enable: bool,
    pub src_color: BlendFactor,
    pub dst_color: BlendFactor,
    pub color_op: BlendOp,
    pub src_alpha: BlendFactor,
    pub dst_alpha: BlendFactor,
    pub alpha_op: BlendOp,
    /// `COLOR_R | COLOR_G | COLOR_B | COLOR_A` bits.
    pub write_mask: u8,
}

impl Default for ColorBlend {
    /// Blending disabled, all components written.
    fn default() -> Self {
        ColorBlend {
            blend_enable: false,
            src_color: BlendFactor::One,
            dst_color: BlendFactor::Zero,
            color_op: BlendOp::Add,
            src_alpha: BlendFactor::One,
            dst_alpha: BlendFactor::Zero,
            alpha_op: BlendOp::Add,
            write_mask: COLOR_ALL,
        }
    }
}

impl ColorBlend {
    /// Premultiplied-style "over": `src·αs + dst·(1 − αs)` on colour and alpha.
    pub fn alpha_over() -> ColorBlend {
        ColorBlend {
            blend_enable: true,
            src_color: BlendFactor::SrcAlpha,
            dst_color: BlendFactor::OneMinusSrcAlpha,
            color_op: BlendOp::Add,
            src_alpha: BlendFactor::SrcAlpha,
            dst_alpha: BlendFactor::OneMinusSrcAlpha,
            alpha_op: BlendOp::Add,
            write_mask: COLOR_ALL,
        }
    }

    /// `src + dst` on every component.
    pub fn additive() -> ColorBlend {
        ColorBlend {
            blend_enable: true,
            src_color: BlendFactor::One,
            dst_color: BlendFactor::One,
            color_op: BlendOp::Add,
            src_alpha: BlendFactor::One,
            dst_alpha: BlendFactor::One,
            alpha_op: BlendOp::Add,
            write_mask: COLOR_ALL,
        }
    }
}

/// The standard locations of 4 samples within a pixel (specification, "Standard Sample
/// Locations"), sample `i` at `SAMPLE_LOCATIONS_4[i]`, `(0, 0)` being the pixel's top-left corner.
pub const SAMPLE_LOCATIONS_4: [[f32; 2]; 4] = [
    [0.375, 0.125],
    [0.875, 0.375],
    [0.125, 0.625],
    [0.625, 0.875],
];

/// The locations of `samples` samples (1 or 4): the pixel centre, or [`SAMPLE_LOCATIONS_4`].
pub fn sample_locations(samples: u32) -> &'static [[f32; 2]] {
    if samples == 4 {
        &SAMPLE_LOCATIONS_4
    } else {
        &[[0.5, 0.5]]
    }
}

/// `VkPipelineMultisampleStateCreateInfo`, as the rasterizer uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Multisample {
    /// `rasterizationSamples`: 1 or 4. It must match the attachments' sample count (with no
    /// attachments, it is the pass's).
    pub samples: u32,
    /// `pSampleMask[0]`: bit `i` keeps sample `i` (all ones when `pSampleMask` is null).
    pub sample_mask: u32,
    /// `alphaToCoverageEnable`: the alpha of colour output 0 masks samples (see `output`).
    pub alpha_to_coverage: bool,
    /// `alphaToOneEnable`: the alpha of every colour output is replaced by 1.
    pub alpha_to_one: bool,
    /// Sample shading asks for one invocation per sample (`sampleShadingEnable` with
    /// `minSampleShading · samples > 1`): the shader runs at each covered sample's location.
    pub per_sample_shading: bool,
}

impl Default for Multisample {
    /// One sample, every sample kept, no alpha-to-coverage, shading once per pixel.
    fn default() -> Self {
        Multisample {
            samples: 1,
            sample_mask: !0,
            alpha_to_coverage: false,
            alpha_to_one: false,
            per_sample_shading: false,
        }
    }
}

impl Multisample {
    /// Whether the draw needs the per-sample path of the rasterizer; a single-sample draw
    /// without sample mask or alpha-to-coverage/one keeps the per-pixel path.
    pub fn needs_sample_path(&self) -> bool {
        self.samples > 1 || self.sample_mask & 1 == 0 || self.alpha_to_coverage || self.alpha_to_one
    }
}

/// Everything fixed-function about one draw.
#[derive(Clone, Debug, PartialEq)]
pub struct RasterState {
    pub viewport: Viewport,
    pub scissor: Rect,
    pub cull_mode: CullMode,
    pub front_face: FrontFace,
    /// How triangles are rasterized (ignored for points and lines).
    pub polygon_mode: PolygonMode,
    /// `depthClampEnable`: no clipping against the near and far planes; depth is clamped to the
    /// viewport's depth range before the depth test instead.
    pub depth_clamp: bool,
    /// How each varying component (after the 4 position components of a vertex) is
    /// interpolated; its length is the number of varying components `N`.
    pub varyings: Vec<Interpolation>,
    /// Vertex components (offsets from the vertex's start, so past the position: among the
    /// varyings) holding clip distances: the primitive is clipped to where each is ≥ 0.
    pub clip_distances: Vec<usize>,
    /// Vertex components holding cull distances: a primitive is dropped when all its vertices
    /// have one of them negative.
    pub cull_distances: Vec<usize>,
    pub depth: DepthState,
    /// `depthBiasEnable` and its factors; `None` when disabled.
    pub depth_bias: Option<DepthBias>,
    /// `depthBoundsTestEnable` with `[minDepthBounds, maxDepthBounds]`; `None` when disabled.
    pub depth_bounds: Option<(f32, f32)>,
    pub stencil: StencilState,
    /// Per colour attachment (by location); attachments beyond the list are not written.
    pub blend: Vec<ColorBlend>,
    pub blend_constants: [f32; 4],
    /// `logicOpEnable` and `logicOp`; `None` when disabled.
    pub logic_op: Option<LogicOp>,
    pub multisample: Multisample,
}

impl RasterState {
    /// A state for a `width`×`height` target: full viewport and scissor, no culling,
    /// counter-clockwise front faces, no depth or stencil test, no depth bias, `varyings` smooth components, blending
    /// disabled on up to 8 attachments.
    pub fn new(width: u32, height: u32, varyings: usize) -> RasterState {
        RasterState {
            viewport: Viewport::full(width, height),
            scissor: Rect::new(0, 0, width, height),
            cull_mode: CullMode::None,
            front_face: FrontFace::CounterClockwise,
            polygon_mode: PolygonMode::Fill,
            depth_clamp: false,
            varyings: vec![Interpolation::Smooth; varyings],
            clip_distances: Vec::new(),
            cull_distances: Vec::new(),
            depth: DepthState::default(),
            depth_bias: None,
            depth_bounds: None,
            stencil: StencilState::default(),
            blend: vec![ColorBlend::default(); crate::MAX_COLOR_ATTACHMENTS],
            blend_constants: [0.0; 4],
            logic_op: None,
            multisample: Multisample::default(),
        }
    }
}
