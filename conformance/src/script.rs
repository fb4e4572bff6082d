//! AmberScript: a typed AST and its parser.
//!
//! The AST is shared with [`crate::vkscript`], which translates the older VkScript format into
//! it. Names are resolved at parse time: commands refer to buffers, pipelines and shaders by
//! index. Anything the parser does not know is an error whose text starts with `unsupported:`.

use std::collections::HashMap;
use std::path::Path;

pub use crate::format::{DataType, Format, Layout, Scalar};

/// A pipeline stage, as Amber names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    Vertex,
    Fragment,
    Geometry,
    TessControl,
    TessEval,
    Compute,
}

impl Stage {
    pub fn parse(word: &str) -> Option<Stage> {
        Some(match word {
            "vertex" => Stage::Vertex,
            "fragment" => Stage::Fragment,
            "geometry" => Stage::Geometry,
            "tessellation_control" => Stage::TessControl,
            "tessellation_evaluation" => Stage::TessEval,
            "compute" => Stage::Compute,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShaderSource {
    Glsl(String),
    SpirvAsm(String),
    SpirvHex(String),
    /// Amber's own vertex shader that passes location 0 through to `gl_Position`.
    Passthrough,
}

#[derive(Clone, Debug)]
pub struct ShaderDecl {
    pub name: String,
    pub stage: Stage,
    pub source: ShaderSource,
    pub target_env: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageDim {
    D1,
    D2,
    D3,
}

/// How an IMAGE is shaped (a BUFFER with FORMAT gets its extent from the framebuffer).
#[derive(Clone, Debug, PartialEq)]
pub struct ImageShape {
    pub dim: ImageDim,
    pub width: u32,
    pub height: u32,
    pub depth: u32,
    pub mip_levels: u32,
    pub samples: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    /// No data: zeroes (or sized later by a framebuffer).
    None,
    Fill(Number),
    Series {
        from: Number,
        inc: Number,
    },
    Data(Vec<Number>),
}

/// A literal as written: integer literals keep their exact value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Int(i128),
    Float(f64),
}

impl Number {
    pub fn parse(s: &str) -> Option<Number> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            let v = i128::from_str_radix(hex, 16).ok()?;
            return Some(Number::Int(if neg { -v } else { v }));
        }
        if let Ok(v) = body.parse::<i128>() {
            return Some(Number::Int(if neg { -v } else { v }));
        }
        let f: f64 = match body {
            "inf" | "Inf" | "INF" => f64::INFINITY,
            "nan" | "NaN" | "NAN" => f64::NAN,
            _ => body.parse().ok()?,
        };
        Some(Number::Float(if neg { -f } else { f }))
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    pub fn as_i128(self) -> i128 {
        match self {
            Number::Int(i) => i,
            Number::Float(f) => f as i128,
        }
    }

    pub fn is_int(self) -> bool {
        matches!(self, Number::Int(_))
    }
}

#[derive(Clone, Debug)]
pub struct BufferDecl {
    pub name: String,
    pub ty: DataType,
    /// Number of elements (for DATA: derived from the values).
    pub size: Option<u64>,
    pub init: Initializer,
    /// Set for IMAGE declarations.
    pub image: Option<ImageShape>,
}

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
pub enum BorderColor {
    FloatTransparentBlack,
    IntTransparentBlack,
    FloatOpaqueBlack,
    IntOpaqueBlack,
    FloatOpaqueWhite,
    IntOpaqueWhite,
}

#[derive(Clone, Debug)]
pub struct SamplerDecl {
    pub name: String,
    pub mag_filter: Filter,
    pub min_filter: Filter,
    pub mipmap_mode: Filter,
    pub address: [AddressMode; 3],
    pub border: BorderColor,
    pub min_lod: f32,
    pub max_lod: f32,
    pub normalized: bool,
    pub compare: Option<CompareOp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipelineKind {
    Compute,
    Graphics,
}

#[derive(Clone, Debug)]
pub struct SpecConst {
    pub id: u32,
    pub ty: Scalar,
    pub value: Number,
}

#[derive(Clone, Debug, Default)]
pub struct SubgroupControl {
    pub fully_populated: bool,
    pub varying_size: bool,
    pub required_size: Option<RequiredSubgroupSize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequiredSubgroupSize {
    Exact(u32),
    Min,
    Max,
}

#[derive(Clone, Debug)]
pub struct Attach {
    pub shader: usize,
    pub stage: Stage,
    pub entry: String,
    pub spec: Vec<SpecConst>,
    pub subgroup: SubgroupControl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DescriptorKind {
    Storage,
    Uniform,
    StorageDynamic,
    UniformDynamic,
    StorageImage,
    SampledImage,
    CombinedImageSampler,
    UniformTexelBuffer,
    StorageTexelBuffer,
    Sampler,
}

#[derive(Clone, Debug)]
pub struct DescriptorBind {
    pub set: u32,
    pub binding: u32,
    pub kind: DescriptorKind,
    /// One per array element; `None` for a bare sampler.
    pub buffers: Vec<usize>,
    pub samplers: Vec<usize>,
    pub descriptor_offsets: Vec<u64>,
    pub dynamic_offsets: Vec<u64>,
    pub ranges: Vec<Option<u64>>,
    pub base_mip_level: u32,
}

#[derive(Clone, Debug)]
pub struct VertexBind {
    pub buffer: usize,
    pub location: u32,
    pub instance_rate: bool,
    pub format: Option<Format>,
    pub offset: u32,
    pub stride: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    pub fn parse(w: &str) -> Option<CompareOp> {
        Some(match w {
            "never" => CompareOp::Never,
            "less" => CompareOp::Less,
            "equal" => CompareOp::Equal,
            "less_or_equal" => CompareOp::LessOrEqual,
            "greater" => CompareOp::Greater,
            "not_equal" => CompareOp::NotEqual,
            "greater_or_equal" => CompareOp::GreaterOrEqual,
            "always" => CompareOp::Always,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DepthState {
    pub test: bool,
    pub write: bool,
    pub compare: CompareOp,
    pub clamp: bool,
    pub bounds: Option<(f32, f32)>,
    /// constant, clamp, slope
    pub bias: Option<(f32, f32, f32)>,
}

impl Default for DepthState {
    fn default() -> Self {
        DepthState {
            test: false,
            write: false,
            compare: CompareOp::Always,
            clamp: false,
            bounds: None,
            bias: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StencilFace {
    pub fail: StencilOp,
    pub pass: StencilOp,
    pub depth_fail: StencilOp,
    pub compare: CompareOp,
    pub compare_mask: u32,
    pub write_mask: u32,
    pub reference: u32,
}

impl Default for StencilFace {
    fn default() -> Self {
        StencilFace {
            fail: StencilOp::Keep,
            pass: StencilOp::Keep,
            depth_fail: StencilOp::Keep,
            compare: CompareOp::Always,
            compare_mask: !0,
            write_mask: !0,
            reference: 0,
        }
    }
}

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlendOp {
    Add,
    Subtract,
    ReverseSubtract,
    Min,
    Max,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlendState {
    pub src_color: BlendFactor,
    pub dst_color: BlendFactor,
    pub color_op: BlendOp,
    pub src_alpha: BlendFactor,
    pub dst_alpha: BlendFactor,
    pub alpha_op: BlendOp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolygonMode {
    Fill,
    Line,
    Point,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CullMode {
    None,
    Front,
    Back,
    FrontAndBack,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub min_depth: f32,
    pub max_depth: f32,
}

#[derive(Clone, Debug)]
pub struct PipelineDecl {
    pub name: String,
    pub kind: PipelineKind,
    pub shaders: Vec<Attach>,
    pub framebuffer: (u32, u32),
    pub color: Vec<(usize, u32, u32)>, // (buffer, location, base mip level)
    pub depth_stencil: Option<usize>,
    pub resolve: Vec<usize>,
    pub descriptors: Vec<DescriptorBind>,
    pub push_constants: Option<usize>,
    pub vertex: Vec<VertexBind>,
    pub index: Option<usize>,
    pub depth: DepthState,
    pub stencil: Option<(StencilFace, StencilFace)>,
    pub blend: Option<BlendState>,
    pub polygon_mode: PolygonMode,
    pub cull_mode: CullMode,
    pub front_ccw: bool,
    pub line_width: f32,
    pub patch_control_points: u32,
    pub viewport: Option<Viewport>,
}

impl PipelineDecl {
    pub fn new(name: String, kind: PipelineKind) -> Self {
        PipelineDecl {
            name,
            kind,
            shaders: Vec::new(),
            framebuffer: (250, 250),
            color: Vec::new(),
            depth_stencil: None,
            resolve: Vec::new(),
            descriptors: Vec::new(),
            push_constants: None,
            vertex: Vec::new(),
            index: None,
            depth: DepthState::default(),
            stencil: None,
            blend: None,
            polygon_mode: PolygonMode::Fill,
            cull_mode: CullMode::None,
            front_ccw: true,
            line_width: 1.0,
            patch_control_points: 3,
            viewport: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topology {
    PointList,
    LineList,
    LineListWithAdjacency,
    LineStrip,
    LineStripWithAdjacency,
    TriangleList,
    TriangleListWithAdjacency,
    TriangleStrip,
    TriangleStripWithAdjacency,
    TriangleFan,
    PatchList,
}

impl Topology {
    pub fn parse(w: &str) -> Option<Topology> {
        Some(match w.to_ascii_uppercase().as_str() {
            "POINT_LIST" => Topology::PointList,
            "LINE_LIST" => Topology::LineList,
            "LINE_LIST_WITH_ADJACENCY" => Topology::LineListWithAdjacency,
            "LINE_STRIP" => Topology::LineStrip,
            "LINE_STRIP_WITH_ADJACENCY" => Topology::LineStripWithAdjacency,
            "TRIANGLE_LIST" => Topology::TriangleList,
            "TRIANGLE_LIST_WITH_ADJACENCY" => Topology::TriangleListWithAdjacency,
            "TRIANGLE_STRIP" => Topology::TriangleStrip,
            "TRIANGLE_STRIP_WITH_ADJACENCY" => Topology::TriangleStripWithAdjacency,
            "TRIANGLE_FAN" => Topology::TriangleFan,
            "PATCH_LIST" => Topology::PatchList,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Draw {
    /// A rectangle; in framebuffer pixels when `ortho`, else in normalised device coordinates.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        ortho: bool,
        patch: bool,
    },
    Grid {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        columns: u32,
        rows: u32,
    },
    Array {
        topology: Topology,
        indexed: bool,
        first: u32,
        count: Option<u32>,
        first_instance: u32,
        instances: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub value: f64,
    pub percent: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// Pixels of an image buffer; values in 0..=1.
    Pixels {
        buffer: usize,
        /// None: the whole image.
        rect: Option<[f64; 4]>,
        relative: bool,
        rgba: [f64; 4],
        has_alpha: bool,
        tolerance: Vec<Tolerance>,
    },
    Values {
        buffer: usize,
        /// Byte offset.
        offset: u64,
        comparator: Comparator,
        /// Read with this element type (VkScript's `probe ssbo TYPE` may differ from the buffer's).
        ty: Option<DataType>,
        values: Vec<Number>,
        tolerance: Vec<Tolerance>,
    },
    EqBuffer {
        a: usize,
        b: usize,
    },
    RmseBuffer {
        a: usize,
        b: usize,
        tolerance: f64,
    },
    HistogramEmd {
        a: usize,
        b: usize,
        tolerance: f64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Run {
        pipeline: usize,
        what: RunKind,
    },
    Clear {
        pipeline: usize,
    },
    ClearColor {
        pipeline: usize,
        rgba: [f32; 4],
    },
    ClearDepth {
        pipeline: usize,
        depth: f32,
    },
    ClearStencil {
        pipeline: usize,
        stencil: u32,
    },
    Copy {
        from: usize,
        to: usize,
    },
    Repeat {
        count: u32,
        body: Vec<Command>,
    },
    Expect(Expect),
    /// VkScript's `ssbo`/`uniform ... subdata`: bytes written into a buffer at an offset.
    Write {
        buffer: usize,
        offset: u64,
        ty: DataType,
        values: Vec<Number>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum RunKind {
    Compute([u32; 3]),
    Draw(Draw),
}

/// What the device must offer.
#[derive(Clone, Debug, Default)]
pub struct Requirements {
    pub features: Vec<String>,
    pub device_extensions: Vec<String>,
    pub instance_extensions: Vec<String>,
    pub properties: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Script {
    pub shaders: Vec<ShaderDecl>,
    pub buffers: Vec<BufferDecl>,
    pub samplers: Vec<SamplerDecl>,
    pub pipelines: Vec<PipelineDecl>,
    pub commands: Vec<Command>,
    pub requirements: Requirements,
    pub fence_timeout_ms: Option<u32>,
}

impl Script {
    pub fn buffer_index(&self, name: &str) -> Option<usize> {
        self.buffers.iter().position(|b| b.name == name)
    }
}

/// A parse error with its line.
#[derive(Clone, Debug)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

pub type PResult<T> = Result<T, ParseError>;

/// Is this text AmberScript (as opposed to VkScript)?
pub fn is_amberscript(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with("#!amber"))
        || !text.lines().any(|l| {
            let t = l.trim();
            t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']')
        })
}

/// The requirement lines of a script, found without parsing it (so that a script whose
/// commands are not understood can still be skipped for a missing feature).
pub fn scan_requirements(text: &str) -> Requirements {
    if !is_amberscript(text) {
        return crate::vkscript::scan_requirements(text);
    }
    let mut r = Requirements::default();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        match (w.next(), w.next()) {
            (Some("DEVICE_FEATURE"), Some(x)) => r.features.push(x.into()),
            (Some("DEVICE_EXTENSION"), Some(x)) => r.device_extensions.push(x.into()),
            (Some("INSTANCE_EXTENSION"), Some(x)) => r.instance_extensions.push(x.into()),
            (Some("DEVICE_PROPERTY"), Some(x)) => r.properties.push(x.into()),
            _ => {}
        }
    }
    r
}

/// Parses either format; `dir` is where `FILE` data lives.
pub fn parse(text: &str, dir: &Path) -> PResult<Script> {
    if is_amberscript(text) {
        Parser::new(text, dir).script()
    } else {
        crate::vkscript::parse(text)
    }
}

/// A token cursor over lines. Comments (`#` to end of line) are dropped from command lines;
/// shader bodies are taken raw.
pub(crate) struct Lexer<'a> {
    lines: Vec<&'a str>,
    /// Index of the next line to load.
    next_line: usize,
    /// Line number (1-based) of the tokens in `toks`.
    pub line: usize,
    toks: std::collections::VecDeque<String>,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer {
            lines: text.lines().collect(),
            next_line: 0,
            line: 0,
            toks: Default::default(),
        }
    }

    fn load(&mut self) -> bool {
        while self.toks.is_empty() {
            if self.next_line >= self.lines.len() {
                return false;
            }
            let raw = self.lines[self.next_line];
            self.next_line += 1;
            self.line = self.next_line;
            let code = match raw.find('#') {
                Some(i) => &raw[..i],
                None => raw,
            };
            self.toks = code
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        true
    }

    /// The next token, crossing lines.
    pub fn next(&mut self) -> Option<String> {
        if !self.load() {
            return None;
        }
        self.toks.pop_front()
    }

    /// The next token only if it is on the current line.
    pub fn next_on_line(&mut self) -> Option<String> {
        self.toks.pop_front()
    }

    pub fn peek_on_line(&self) -> Option<&str> {
        self.toks.front().map(String::as_str)
    }

    /// Raw lines up to (not including) a line that is `END` (trailing comment allowed).
    pub fn raw_block(&mut self) -> PResult<String> {
        self.toks.clear();
        let start = self.next_line;
        let mut out = String::new();
        while self.next_line < self.lines.len() {
            let l = self.lines[self.next_line];
            self.next_line += 1;
            self.line = self.next_line;
            let t = l.trim();
            if t == "END" || t.starts_with("END ") || t.starts_with("END#") {
                return Ok(out);
            }
            out.push_str(l);
            out.push('\n');
        }
        Err(ParseError {
            line: start,
            message: "missing END".into(),
        })
    }

    pub fn err<T>(&self, message: impl Into<String>) -> PResult<T> {
        Err(ParseError {
            line: self.line,
            message: message.into(),
        })
    }
}

struct Parser<'a> {
    lx: Lexer<'a>,
    dir: &'a Path,
    s: Script,
    shader_names: HashMap<String, usize>,
    buffer_names: HashMap<String, usize>,
    sampler_names: HashMap<String, usize>,
    pipeline_names: HashMap<String, usize>,
}

fn unsupported<T>(line: usize, what: impl std::fmt::Display) -> PResult<T> {
    Err(ParseError {
        line,
        message: format!("unsupported: {what}"),
    })
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, dir: &'a Path) -> Self {
        Parser {
            lx: Lexer::new(text),
            dir,
            s: Script::default(),
            shader_names: HashMap::new(),
            buffer_names: HashMap::new(),
            sampler_names: HashMap::new(),
            pipeline_names: HashMap::new(),
        }
    }

    fn word(&mut self, what: &str) -> PResult<String> {
        match self.lx.next_on_line() {
            Some(w) => Ok(w),
            None => self.lx.err(format!("expected {what}")),
        }
    }

    fn expect_word(&mut self, w: &str) -> PResult<()> {
        let got = self.word(w)?;
        if got == w {
            Ok(())
        } else {
            self.lx.err(format!("expected {w}, got {got}"))
        }
    }

    fn number(&mut self, what: &str) -> PResult<Number> {
        let w = self.word(what)?;
        Number::parse(&w).map_or_else(|| self.lx.err(format!("bad number {w} for {what}")), Ok)
    }

    fn uint(&mut self, what: &str) -> PResult<u32> {
        let n = self.number(what)?;
        match n {
            Number::Int(i) if (0..=u32::MAX as i128).contains(&i) => Ok(i as u32),
            _ => self
                .lx
                .err(format!("expected an unsigned integer for {what}")),
        }
    }

    fn float(&mut self, what: &str) -> PResult<f32> {
        Ok(self.number(what)?.as_f64() as f32)
    }

    fn on_off(&mut self, what: &str) -> PResult<bool> {
        match self.word(what)?.as_str() {
            "on" | "true" => Ok(true),
            "off" | "false" => Ok(false),
            w => self.lx.err(format!("expected on/off, got {w}")),
        }
    }

    fn lookup(&self, map: &HashMap<String, usize>, name: &str, what: &str) -> PResult<usize> {
        map.get(name)
            .copied()
            .map_or_else(|| self.lx.err(format!("unknown {what} {name}")), Ok)
    }

    fn buffer(&mut self) -> PResult<usize> {
        let n = self.word("buffer name")?;
        self.lookup(&self.buffer_names, &n, "buffer")
    }

    fn pipeline(&mut self) -> PResult<usize> {
        let n = self.word("pipeline name")?;
        self.lookup(&self.pipeline_names, &n, "pipeline")
    }

    fn end_of_line(&mut self) -> PResult<()> {
        match self.lx.next_on_line() {
            None => Ok(()),
            Some(w) => self.lx.err(format!("unexpected {w}")),
        }
    }

    fn script(mut self) -> PResult<Script> {
        while let Some(cmd) = self.lx.next() {
            let c = self.command(&cmd)?;
            if let Some(c) = c {
                self.s.commands.push(c);
            }
        }
        // Buffers used as images with a DATA_TYPE get the equivalent format.
        let mut image_buffers = Vec::new();
        for p in &self.s.pipelines {
            image_buffers.extend(p.color.iter().map(|c| c.0));
            image_buffers.extend(p.depth_stencil);
            for d in &p.descriptors {
                if matches!(
                    d.kind,
                    DescriptorKind::StorageImage
                        | DescriptorKind::SampledImage
                        | DescriptorKind::CombinedImageSampler
                ) {
                    image_buffers.extend(&d.buffers);
                }
            }
        }
        for b in image_buffers {
            if let Some(f) = self.s.buffers[b].ty.as_format() {
                self.s.buffers[b].ty = DataType::Format(f);
            }
        }
        // Amber gives a graphics pipeline without colour attachments a B8G8R8A8_UNORM one.
        for i in 0..self.s.pipelines.len() {
            let p = &self.s.pipelines[i];
            if p.kind == PipelineKind::Graphics && p.color.is_empty() {
                let name = format!("framebuffer.{}", p.name);
                let f = Format::parse("B8G8R8A8_UNORM").expect("known format");
                self.s.buffers.push(BufferDecl {
                    name,
                    ty: DataType::Format(f),
                    size: None,
                    init: Initializer::None,
                    image: None,
                });
                let b = self.s.buffers.len() - 1;
                self.s.pipelines[i].color.push((b, 0, 0));
            }
        }
        Ok(self.s)
    }

    /// Parses one top-level command; declarations return `None`.
    fn command(&mut self, cmd: &str) -> PResult<Option<Command>> {
        let line = self.lx.line;
        match cmd {
            "SHADER" => self.shader().map(|_| None),
            "BUFFER" => self.buffer_decl(false).map(|_| None),
            "IMAGE" => self.buffer_decl(true).map(|_| None),
            "SAMPLER" => self.sampler().map(|_| None),
            "PIPELINE" => self.pipeline_decl(None).map(|_| None),
            "DERIVE_PIPELINE" => {
                let name = self.word("pipeline name")?;
                self.expect_word("FROM")?;
                let parent = self.pipeline()?;
                self.pipeline_body(name, Some(parent)).map(|_| None)
            }
            "DEVICE_FEATURE" => {
                let f = self.word("feature")?;
                self.s.requirements.features.push(f);
                Ok(None)
            }
            "DEVICE_EXTENSION" => {
                let f = self.word("extension")?;
                self.s.requirements.device_extensions.push(f);
                Ok(None)
            }
            "INSTANCE_EXTENSION" => {
                let f = self.word("extension")?;
                self.s.requirements.instance_extensions.push(f);
                Ok(None)
            }
            "DEVICE_PROPERTY" => {
                let f = self.word("property")?;
                self.s.requirements.properties.push(f);
                Ok(None)
            }
            "SET" => {
                self.expect_word("ENGINE_DATA")?;
                let key = self.word("engine data")?;
                if key == "fence_timeout_ms" {
                    self.s.fence_timeout_ms = Some(self.uint("timeout")?);
                    Ok(None)
                } else {
                    unsupported(line, format!("SET ENGINE_DATA {key}"))
                }
            }
            "RUN" => self.run().map(Some),
            "CLEAR" => {
                let pipeline = self.pipeline()?;
                Ok(Some(Command::Clear { pipeline }))
            }
            "CLEAR_COLOR" => {
                let pipeline = self.pipeline()?;
                let mut rgba = [0.0; 4];
                for c in &mut rgba {
                    *c = self.float("colour")? / 255.0;
                }
                Ok(Some(Command::ClearColor { pipeline, rgba }))
            }
            "CLEAR_DEPTH" => {
                let pipeline = self.pipeline()?;
                let depth = self.float("depth")?;
                Ok(Some(Command::ClearDepth { pipeline, depth }))
            }
            "CLEAR_STENCIL" => {
                let pipeline = self.pipeline()?;
                let stencil = self.uint("stencil")?;
                Ok(Some(Command::ClearStencil { pipeline, stencil }))
            }
            "COPY" => {
                let from = self.buffer()?;
                self.expect_word("TO")?;
                let to = self.buffer()?;
                Ok(Some(Command::Copy { from, to }))
            }
            "REPEAT" => {
                let count = self.uint("count")?;
                let mut body = Vec::new();
                loop {
                    let Some(c) = self.lx.next() else {
                        return self.lx.err("REPEAT without END");
                    };
                    if c == "END" {
                        break;
                    }
                    if let Some(c) = self.command(&c)? {
                        body.push(c);
                    }
                }
                Ok(Some(Command::Repeat { count, body }))
            }
            "EXPECT" => self.expect().map(|e| Some(Command::Expect(e))),
            "STRUCT" => unsupported(line, "STRUCT"),
            other => unsupported(line, other),
        }
    }

    fn shader(&mut self) -> PResult<()> {
        let line = self.lx.line;
        let stage_word = self.word("shader stage")?;
        let Some(stage) = Stage::parse(&stage_word) else {
            return unsupported(line, format!("shader stage {stage_word}"));
        };
        let name = self.word("shader name")?;
        let fmt = self.word("shader format")?;
        let mut target_env = None;
        while let Some(w) = self.lx.next_on_line() {
            match w.as_str() {
                "TARGET_ENV" => target_env = Some(self.word("target env")?),
                "VIRTUAL_FILE" => return unsupported(line, "SHADER VIRTUAL_FILE"),
                _ => return self.lx.err(format!("unexpected {w}")),
            }
        }
        let source = match fmt.as_str() {
            "PASSTHROUGH" => ShaderSource::Passthrough,
            "GLSL" => ShaderSource::Glsl(self.lx.raw_block()?),
            "SPIRV-ASM" => ShaderSource::SpirvAsm(self.lx.raw_block()?),
            "SPIRV-HEX" => ShaderSource::SpirvHex(self.lx.raw_block()?),
            other => return unsupported(line, format!("shader format {other}")),
        };
        let idx = self.s.shaders.len();
        self.shader_names.insert(name.clone(), idx);
        self.s.shaders.push(ShaderDecl {
            name,
            stage,
            source,
            target_env,
        });
        Ok(())
    }

    fn data_type(&mut self) -> PResult<DataType> {
        let line = self.lx.line;
        let w = self.word("data type")?;
        DataType::parse(&w).map_or_else(|| unsupported(line, format!("data type {w}")), Ok)
    }

    fn format(&mut self) -> PResult<DataType> {
        let line = self.lx.line;
        let w = self.word("format")?;
        Format::parse(&w).map_or_else(
            || unsupported(line, format!("format {w}")),
            |f| Ok(DataType::Format(f)),
        )
    }

    /// `DATA` values up to `END`, across lines.
    fn data_block(&mut self) -> PResult<Vec<Number>> {
        let mut out = Vec::new();
        loop {
            let Some(w) = self.lx.next() else {
                return self.lx.err("DATA without END");
            };
            if w == "END" {
                return Ok(out);
            }
            match Number::parse(&w) {
                Some(n) => out.push(n),
                None => return self.lx.err(format!("bad value {w}")),
            }
        }
    }

    fn initializer(&mut self, w: &str) -> PResult<Option<Initializer>> {
        Ok(Some(match w {
            "FILL" => Initializer::Fill(self.number("fill value")?),
            "SERIES_FROM" => {
                let from = self.number("series start")?;
                self.expect_word("INC_BY")?;
                let inc = self.number("series increment")?;
                Initializer::Series { from, inc }
            }
            "DATA" => Initializer::Data(self.data_block()?),
            "FILE" => {
                let mut name = self.word("file")?;
                if name == "TEXT" || name == "BINARY" || name == "PNG" {
                    if name != "TEXT" {
                        return unsupported(self.lx.line, format!("FILE {name}"));
                    }
                    name = self.word("file")?;
                }
                Initializer::Data(read_data_file(self.dir, &name).map_err(|m| ParseError {
                    line: self.lx.line,
                    message: m,
                })?)
            }
            _ => return Ok(None),
        }))
    }

    fn buffer_decl(&mut self, is_image: bool) -> PResult<()> {
        let line = self.lx.line;
        let name = self.word("buffer name")?;
        let mut ty = None;
        let mut layout = None;
        let mut size = None;
        let mut init = Initializer::None;
        let mut shape = ImageShape {
            dim: ImageDim::D2,
            width: 1,
            height: 1,
            depth: 1,
            mip_levels: 1,
            samples: 1,
        };
        while let Some(w) = self.lx.next_on_line() {
            match w.as_str() {
                "DATA_TYPE" => ty = Some(self.data_type()?),
                "FORMAT" => ty = Some(self.format()?),
                "STD140" => layout = Some(Layout::Std140),
                "STD430" => layout = Some(Layout::Std430),
                "SIZE" => size = Some(self.uint("size")? as u64),
                "WIDTH" => shape.width = self.uint("width")?,
                "HEIGHT" => shape.height = self.uint("height")?,
                "DEPTH" => shape.depth = self.uint("depth")?,
                "MIP_LEVELS" => shape.mip_levels = self.uint("mip levels")?,
                "SAMPLES" => shape.samples = self.uint("samples")?,
                "DIM_1D" => shape.dim = ImageDim::D1,
                "DIM_2D" => shape.dim = ImageDim::D2,
                "DIM_3D" => shape.dim = ImageDim::D3,
                "WIDTH_IN_BYTES" | "DATA_FILE" => return unsupported(line, w),
                other => match self.initializer(other)? {
                    Some(i) => init = i,
                    None => return self.lx.err(format!("unexpected {other} in BUFFER")),
                },
            }
        }
        let Some(mut ty) = ty else {
            return self.lx.err("BUFFER without DATA_TYPE or FORMAT");
        };
        if let (Some(l), DataType::Typed { layout: tl, .. }) = (layout, &mut ty) {
            *tl = l;
        }
        let image = if is_image {
            if size.is_none() {
                size = Some(shape.width as u64 * shape.height as u64 * shape.depth as u64);
            }
            Some(shape)
        } else {
            None
        };
        let idx = self.s.buffers.len();
        self.buffer_names.insert(name.clone(), idx);
        self.s.buffers.push(BufferDecl {
            name,
            ty,
            size,
            init,
            image,
        });
        Ok(())
    }

    fn filter(&mut self) -> PResult<Filter> {
        match self.word("filter")?.as_str() {
            "nearest" => Ok(Filter::Nearest),
            "linear" => Ok(Filter::Linear),
            w => self.lx.err(format!("bad filter {w}")),
        }
    }

    fn sampler(&mut self) -> PResult<()> {
        let name = self.word("sampler name")?;
        let mut s = SamplerDecl {
            name: name.clone(),
            mag_filter: Filter::Nearest,
            min_filter: Filter::Nearest,
            mipmap_mode: Filter::Nearest,
            address: [AddressMode::Repeat; 3],
            border: BorderColor::FloatTransparentBlack,
            min_lod: 0.0,
            max_lod: 1.0,
            normalized: true,
            compare: None,
        };
        while let Some(w) = self.lx.next_on_line() {
            match w.as_str() {
                "MAG_FILTER" => s.mag_filter = self.filter()?,
                "MIN_FILTER" => s.min_filter = self.filter()?,
                "MIPMAP_MODE" => s.mipmap_mode = self.filter()?,
                "ADDRESS_MODE_U" | "ADDRESS_MODE_V" | "ADDRESS_MODE_W" => {
                    let i = match w.as_str() {
                        "ADDRESS_MODE_U" => 0,
                        "ADDRESS_MODE_V" => 1,
                        _ => 2,
                    };
                    s.address[i] = match self.word("address mode")?.as_str() {
                        "repeat" => AddressMode::Repeat,
                        "mirrored_repeat" => AddressMode::MirroredRepeat,
                        "clamp_to_edge" => AddressMode::ClampToEdge,
                        "clamp_to_border" => AddressMode::ClampToBorder,
                        "mirror_clamp_to_edge" => AddressMode::MirrorClampToEdge,
                        m => return self.lx.err(format!("bad address mode {m}")),
                    }
                }
                "BORDER_COLOR" => {
                    s.border = match self.word("border colour")?.as_str() {
                        "float_transparent_black" => BorderColor::FloatTransparentBlack,
                        "int_transparent_black" => BorderColor::IntTransparentBlack,
                        "float_opaque_black" => BorderColor::FloatOpaqueBlack,
                        "int_opaque_black" => BorderColor::IntOpaqueBlack,
                        "float_opaque_white" => BorderColor::FloatOpaqueWhite,
                        "int_opaque_white" => BorderColor::IntOpaqueWhite,
                        m => return self.lx.err(format!("bad border colour {m}")),
                    }
                }
                "MIN_LOD" => s.min_lod = self.float("min lod")?,
                "MAX_LOD" => s.max_lod = self.float("max lod")?,
                "NORMALIZED_COORDS" => s.normalized = true,
                "UNNORMALIZED_COORDS" => s.normalized = false,
                "COMPARE" => {
                    if self.on_off("compare")? {
                        s.compare.get_or_insert(CompareOp::Never);
                    }
                }
                "COMPARE_OP" => {
                    let w = self.word("compare op")?;
                    let Some(op) = CompareOp::parse(&w) else {
                        return self.lx.err(format!("bad compare op {w}"));
                    };
                    s.compare = Some(op);
                }
                other => return self.lx.err(format!("unexpected {other} in SAMPLER")),
            }
        }
        let idx = self.s.samplers.len();
        self.sampler_names.insert(name, idx);
        self.s.samplers.push(s);
        Ok(())
    }

    fn pipeline_decl(&mut self, parent: Option<usize>) -> PResult<()> {
        let kind = match self.word("pipeline type")?.as_str() {
            "compute" => PipelineKind::Compute,
            "graphics" => PipelineKind::Graphics,
            w => return unsupported(self.lx.line, format!("pipeline type {w}")),
        };
        let name = self.word("pipeline name")?;
        self.end_of_line()?;
        let _ = kind;
        self.pipeline_body_with(PipelineDecl::new(name, kind), parent)
    }

    fn pipeline_body(&mut self, name: String, parent: Option<usize>) -> PResult<()> {
        let mut p = self.s.pipelines[parent.expect("derive has a parent")].clone();
        p.name = name;
        self.pipeline_body_with(p, None)
    }

    fn pipeline_body_with(&mut self, mut p: PipelineDecl, _parent: Option<usize>) -> PResult<()> {
        loop {
            let Some(w) = self.lx.next() else {
                return self.lx.err("PIPELINE without END");
            };
            let line = self.lx.line;
            match w.as_str() {
                "END" => break,
                "ATTACH" => self.attach(&mut p)?,
                "SHADER_OPTIMIZATION" => {
                    self.word("shader name")?;
                    loop {
                        match self.lx.next() {
                            Some(w) if w == "END" => break,
                            Some(_) => {}
                            None => return self.lx.err("SHADER_OPTIMIZATION without END"),
                        }
                    }
                }
                "COMPILE_OPTIONS" => return unsupported(line, "COMPILE_OPTIONS"),
                "FRAMEBUFFER_SIZE" => {
                    p.framebuffer = (self.uint("width")?, self.uint("height")?);
                }
                "BIND" => self.bind(&mut p)?,
                "VERTEX_DATA" => {
                    let buffer = self.buffer()?;
                    let mut v = VertexBind {
                        buffer,
                        location: 0,
                        instance_rate: false,
                        format: None,
                        offset: 0,
                        stride: None,
                    };
                    while let Some(w) = self.lx.next_on_line() {
                        match w.as_str() {
                            "LOCATION" => v.location = self.uint("location")?,
                            "RATE" => v.instance_rate = self.word("rate")? == "instance",
                            "OFFSET" => v.offset = self.uint("offset")?,
                            "STRIDE" => v.stride = Some(self.uint("stride")?),
                            "FORMAT" => {
                                let fw = self.word("format")?;
                                match Format::parse(&fw) {
                                    Some(f) => v.format = Some(f),
                                    None => return unsupported(line, format!("format {fw}")),
                                }
                            }
                            o => return self.lx.err(format!("unexpected {o} in VERTEX_DATA")),
                        }
                    }
                    p.vertex.push(v);
                }
                "INDEX_DATA" => p.index = Some(self.buffer()?),
                "POLYGON_MODE" => {
                    p.polygon_mode = match self.word("polygon mode")?.as_str() {
                        "fill" => PolygonMode::Fill,
                        "line" => PolygonMode::Line,
                        "point" => PolygonMode::Point,
                        m => return self.lx.err(format!("bad polygon mode {m}")),
                    }
                }
                "PATCH_CONTROL_POINTS" => p.patch_control_points = self.uint("control points")?,
                "VIEWPORT" => {
                    let x = self.float("x")?;
                    let y = self.float("y")?;
                    self.expect_word("SIZE")?;
                    let width = self.float("width")?;
                    let height = self.float("height")?;
                    let mut vp = Viewport {
                        x,
                        y,
                        width,
                        height,
                        min_depth: 0.0,
                        max_depth: 1.0,
                    };
                    while let Some(w) = self.lx.next_on_line() {
                        match w.as_str() {
                            "MIN_DEPTH" => vp.min_depth = self.float("min depth")?,
                            "MAX_DEPTH" => vp.max_depth = self.float("max depth")?,
                            o => return self.lx.err(format!("unexpected {o} in VIEWPORT")),
                        }
                    }
                    p.viewport = Some(vp);
                }
                "DEPTH" => self.depth_block(&mut p)?,
                "STENCIL" => self.stencil_block(&mut p)?,
                "BLEND" => self.blend_block(&mut p)?,
                "SUBGROUP" => self.subgroup_block(&mut p)?,
                "CULL_MODE" | "FRONT_FACE" | "LINE_WIDTH" => match w.as_str() {
                    "CULL_MODE" => {
                        p.cull_mode = match self.word("cull mode")?.as_str() {
                            "none" => CullMode::None,
                            "front" => CullMode::Front,
                            "back" => CullMode::Back,
                            "front_and_back" => CullMode::FrontAndBack,
                            m => return self.lx.err(format!("bad cull mode {m}")),
                        }
                    }
                    "FRONT_FACE" => p.front_ccw = self.word("front face")? != "clockwise",
                    _ => p.line_width = self.float("line width")?,
                },
                other => return unsupported(line, format!("{other} in PIPELINE")),
            }
        }
        let idx = self.s.pipelines.len();
        self.pipeline_names.insert(p.name.clone(), idx);
        self.s.pipelines.push(p);
        Ok(())
    }

    fn attach(&mut self, p: &mut PipelineDecl) -> PResult<()> {
        let name = self.word("shader name")?;
        let shader = self.lookup(&self.shader_names, &name, "shader")?;
        let mut a = Attach {
            shader,
            stage: self.s.shaders[shader].stage,
            entry: "main".into(),
            spec: Vec::new(),
            subgroup: SubgroupControl::default(),
        };
        while let Some(w) = self.lx.next_on_line() {
            match w.as_str() {
                "ENTRY_POINT" => a.entry = self.word("entry point")?,
                "TYPE" => {
                    let t = self.word("stage")?;
                    match Stage::parse(&t) {
                        Some(s) => a.stage = s,
                        None => return unsupported(self.lx.line, format!("stage {t}")),
                    }
                }
                "SPECIALIZE" => {
                    let id = self.uint("spec id")?;
                    self.expect_word("AS")?;
                    let tw = self.word("type")?;
                    let Some(DataType::Typed {
                        scalar,
                        rows: 1,
                        cols: 1,
                        ..
                    }) = DataType::parse(&tw)
                    else {
                        return self.lx.err(format!("bad specialisation type {tw}"));
                    };
                    let value = self.number("value")?;
                    a.spec.push(SpecConst {
                        id,
                        ty: scalar,
                        value,
                    });
                }
                o => return self.lx.err(format!("unexpected {o} in ATTACH")),
            }
        }
        // A shader attached twice (e.g. with different specialisation) is two stages only when
        // the stage differs; otherwise the later one replaces the earlier.
        if let Some(i) = p.shaders.iter().position(|s| s.stage == a.stage) {
            p.shaders[i] = a;
        } else {
            p.shaders.push(a);
        }
        Ok(())
    }

    fn bind(&mut self, p: &mut PipelineDecl) -> PResult<()> {
        let line = self.lx.line;
        let what = self.word("BUFFER or SAMPLER")?;
        let mut buffers = Vec::new();
        let mut samplers = Vec::new();
        match what.as_str() {
            "BUFFER" => buffers.push(self.buffer()?),
            "BUFFER_ARRAY" => {
                while let Some(w) = self.lx.peek_on_line() {
                    if w == "AS" {
                        break;
                    }
                    buffers.push(self.buffer()?);
                }
            }
            "SAMPLER" => {
                let n = self.word("sampler")?;
                samplers.push(self.lookup(&self.sampler_names, &n, "sampler")?);
            }
            "SAMPLER_ARRAY" => {
                while let Some(w) = self.lx.peek_on_line() {
                    if w == "DESCRIPTOR_SET" {
                        break;
                    }
                    let n = self.word("sampler")?;
                    samplers.push(self.lookup(&self.sampler_names, &n, "sampler")?);
                }
            }
            other => return unsupported(line, format!("BIND {other}")),
        }
        let mut kind = if samplers.is_empty() {
            None
        } else {
            Some(DescriptorKind::Sampler)
        };
        let mut bind = DescriptorBind {
            set: 0,
            binding: 0,
            kind: DescriptorKind::Sampler,
            buffers: buffers.clone(),
            samplers: samplers.clone(),
            descriptor_offsets: Vec::new(),
            dynamic_offsets: Vec::new(),
            ranges: Vec::new(),
            base_mip_level: 0,
        };
        let mut has_binding = false;
        while let Some(w) = self.lx.next_on_line() {
            match w.as_str() {
                "AS" => {
                    let t = self.word("buffer type")?;
                    match t.as_str() {
                        "color" => {
                            self.expect_word("LOCATION")?;
                            let loc = self.uint("location")?;
                            let mut mip = 0;
                            if self.lx.peek_on_line() == Some("BASE_MIP_LEVEL") {
                                self.word("")?;
                                mip = self.uint("mip")?;
                            }
                            p.color.retain(|c| c.1 != loc);
                            p.color.push((buffers[0], loc, mip));
                            p.color.sort_by_key(|c| c.1);
                            return self.end_of_line();
                        }
                        "depth_stencil" => {
                            p.depth_stencil = Some(buffers[0]);
                            return self.end_of_line();
                        }
                        "resolve" => {
                            p.resolve.push(buffers[0]);
                            return self.end_of_line();
                        }
                        "push_constant" => {
                            p.push_constants = Some(buffers[0]);
                            return self.end_of_line();
                        }
                        _ => {}
                    }
                    kind = Some(match t.as_str() {
                        "storage" => DescriptorKind::Storage,
                        "uniform" => DescriptorKind::Uniform,
                        "storage_dynamic" => DescriptorKind::StorageDynamic,
                        "uniform_dynamic" => DescriptorKind::UniformDynamic,
                        "storage_image" => DescriptorKind::StorageImage,
                        "sampled_image" => DescriptorKind::SampledImage,
                        "combined_image_sampler" => DescriptorKind::CombinedImageSampler,
                        "uniform_texel_buffer" => DescriptorKind::UniformTexelBuffer,
                        "storage_texel_buffer" => DescriptorKind::StorageTexelBuffer,
                        o => return unsupported(line, format!("BIND ... AS {o}")),
                    });
                }
                "SAMPLER" => {
                    let n = self.word("sampler")?;
                    bind.samplers
                        .push(self.lookup(&self.sampler_names, &n, "sampler")?);
                }
                "DESCRIPTOR_SET" => bind.set = self.uint("set")?,
                "BINDING" => {
                    bind.binding = self.uint("binding")?;
                    has_binding = true;
                }
                "BASE_MIP_LEVEL" => bind.base_mip_level = self.uint("mip")?,
                "OFFSET" | "DESCRIPTOR_OFFSET" | "RANGE" => {
                    let mut vals = Vec::new();
                    while let Some(n) = self.lx.peek_on_line().and_then(Number::parse) {
                        self.word("")?;
                        vals.push(n.as_i128() as u64);
                    }
                    match w.as_str() {
                        "OFFSET" => bind.dynamic_offsets = vals,
                        "DESCRIPTOR_OFFSET" => bind.descriptor_offsets = vals,
                        _ => bind.ranges = vals.into_iter().map(Some).collect(),
                    }
                }
                "ARRAY_ELEMENT" => return unsupported(line, "ARRAY_ELEMENT"),
                "KERNEL" => return unsupported(line, "KERNEL"),
                o => return self.lx.err(format!("unexpected {o} in BIND")),
            }
        }
        let Some(kind) = kind else {
            return self.lx.err("BIND without AS");
        };
        if !has_binding {
            return self.lx.err("BIND without BINDING");
        }
        bind.kind = kind;
        p.descriptors
            .retain(|d| (d.set, d.binding) != (bind.set, bind.binding));
        p.descriptors.push(bind);
        Ok(())
    }

    fn depth_block(&mut self, p: &mut PipelineDecl) -> PResult<()> {
        loop {
            let Some(w) = self.lx.next() else {
                return self.lx.err("DEPTH without END");
            };
            match w.as_str() {
                "END" => return Ok(()),
                "TEST" => p.depth.test = self.on_off("test")?,
                "WRITE" => p.depth.write = self.on_off("write")?,
                "CLAMP" => p.depth.clamp = self.on_off("clamp")?,
                "COMPARE_OP" => {
                    let w = self.word("compare op")?;
                    p.depth.compare = CompareOp::parse(&w)
                        .map_or_else(|| self.lx.err(format!("bad compare op {w}")), Ok)?;
                }
                "BOUNDS" => {
                    self.expect_word("min")?;
                    let min = self.float("min")?;
                    self.expect_word("max")?;
                    let max = self.float("max")?;
                    p.depth.bounds = Some((min, max));
                }
                "BIAS" => {
                    let mut b = (0.0, 0.0, 0.0);
                    while let Some(k) = self.lx.next_on_line() {
                        let v = self.float("bias")?;
                        match k.as_str() {
                            "constant" => b.0 = v,
                            "clamp" => b.1 = v,
                            "slope" => b.2 = v,
                            o => return self.lx.err(format!("unexpected {o} in BIAS")),
                        }
                    }
                    p.depth.bias = Some(b);
                }
                o => return self.lx.err(format!("unexpected {o} in DEPTH")),
            }
        }
    }

    fn stencil_op(&mut self) -> PResult<StencilOp> {
        Ok(match self.word("stencil op")?.as_str() {
            "keep" => StencilOp::Keep,
            "zero" => StencilOp::Zero,
            "replace" => StencilOp::Replace,
            "increment_and_clamp" => StencilOp::IncrementAndClamp,
            "decrement_and_clamp" => StencilOp::DecrementAndClamp,
            "invert" => StencilOp::Invert,
            "increment_and_wrap" => StencilOp::IncrementAndWrap,
            "decrement_and_wrap" => StencilOp::DecrementAndWrap,
            o => return self.lx.err(format!("bad stencil op {o}")),
        })
    }

    fn stencil_block(&mut self, p: &mut PipelineDecl) -> PResult<()> {
        let faces = self.word("face")?;
        let (mut front, mut back) = p.stencil.unwrap_or_default();
        let mut f = match faces.as_str() {
            "back" => back,
            _ => front,
        };
        let mut test = false;
        loop {
            let Some(w) = self.lx.next() else {
                return self.lx.err("STENCIL without END");
            };
            match w.as_str() {
                "END" => break,
                "TEST" => test = self.on_off("test")?,
                "FAIL_OP" => f.fail = self.stencil_op()?,
                "PASS_OP" => f.pass = self.stencil_op()?,
                "DEPTH_FAIL_OP" => f.depth_fail = self.stencil_op()?,
                "COMPARE_OP" => {
                    let w = self.word("compare op")?;
                    f.compare = CompareOp::parse(&w)
                        .map_or_else(|| self.lx.err(format!("bad compare op {w}")), Ok)?;
                }
                "COMPARE_MASK" => f.compare_mask = self.uint("mask")?,
                "WRITE_MASK" => f.write_mask = self.uint("mask")?,
                "REFERENCE" => f.reference = self.uint("reference")?,
                o => return self.lx.err(format!("unexpected {o} in STENCIL")),
            }
        }
        match faces.as_str() {
            "front" => front = f,
            "back" => back = f,
            _ => {
                front = f;
                back = f;
            }
        }
        if test || p.stencil.is_some() {
            p.stencil = Some((front, back));
        }
        Ok(())
    }

    fn blend_factor(&mut self) -> PResult<BlendFactor> {
        use BlendFactor::*;
        Ok(match self.word("blend factor")?.as_str() {
            "zero" => Zero,
            "one" => One,
            "src_color" => SrcColor,
            "one_minus_src_color" => OneMinusSrcColor,
            "dst_color" => DstColor,
            "one_minus_dst_color" => OneMinusDstColor,
            "src_alpha" => SrcAlpha,
            "one_minus_src_alpha" => OneMinusSrcAlpha,
            "dst_alpha" => DstAlpha,
            "one_minus_dst_alpha" => OneMinusDstAlpha,
            "constant_color" => ConstantColor,
            "one_minus_constant_color" => OneMinusConstantColor,
            "constant_alpha" => ConstantAlpha,
            "one_minus_constant_alpha" => OneMinusConstantAlpha,
            "src_alpha_saturate" => SrcAlphaSaturate,
            o => return unsupported(self.lx.line, format!("blend factor {o}")),
        })
    }

    fn blend_op(&mut self) -> PResult<BlendOp> {
        Ok(match self.word("blend op")?.as_str() {
            "add" => BlendOp::Add,
            "subtract" => BlendOp::Subtract,
            "reverse_subtract" => BlendOp::ReverseSubtract,
            "min" => BlendOp::Min,
            "max" => BlendOp::Max,
            o => return unsupported(self.lx.line, format!("blend op {o}")),
        })
    }

    fn blend_block(&mut self, p: &mut PipelineDecl) -> PResult<()> {
        let mut b = BlendState {
            src_color: BlendFactor::One,
            dst_color: BlendFactor::Zero,
            color_op: BlendOp::Add,
            src_alpha: BlendFactor::One,
            dst_alpha: BlendFactor::Zero,
            alpha_op: BlendOp::Add,
        };
        loop {
            let Some(w) = self.lx.next() else {
                return self.lx.err("BLEND without END");
            };
            match w.as_str() {
                "END" => break,
                "SRC_COLOR_FACTOR" => b.src_color = self.blend_factor()?,
                "DST_COLOR_FACTOR" => b.dst_color = self.blend_factor()?,
                "SRC_ALPHA_FACTOR" => b.src_alpha = self.blend_factor()?,
                "DST_ALPHA_FACTOR" => b.dst_alpha = self.blend_factor()?,
                "COLOR_OP" => b.color_op = self.blend_op()?,
                "ALPHA_OP" => b.alpha_op = self.blend_op()?,
                o => return self.lx.err(format!("unexpected {o} in BLEND")),
            }
        }
        p.blend = Some(b);
        Ok(())
    }

    fn subgroup_block(&mut self, p: &mut PipelineDecl) -> PResult<()> {
        let name = self.word("shader")?;
        let shader = self.lookup(&self.shader_names, &name, "shader")?;
        let mut sc = SubgroupControl::default();
        loop {
            let Some(w) = self.lx.next() else {
                return self.lx.err("SUBGROUP without END");
            };
            match w.as_str() {
                "END" => break,
                "FULLY_POPULATED" => sc.fully_populated = self.on_off("fully populated")?,
                "VARYING_SIZE" => sc.varying_size = self.on_off("varying size")?,
                "REQUIRED_SIZE" => {
                    let v = self.word("size")?;
                    sc.required_size = Some(match v.as_str() {
                        "MIN" => RequiredSubgroupSize::Min,
                        "MAX" => RequiredSubgroupSize::Max,
                        n => match n.parse() {
                            Ok(n) => RequiredSubgroupSize::Exact(n),
                            Err(_) => return self.lx.err(format!("bad subgroup size {n}")),
                        },
                    });
                }
                o => return self.lx.err(format!("unexpected {o} in SUBGROUP")),
            }
        }
        match p.shaders.iter_mut().find(|a| a.shader == shader) {
            Some(a) => a.subgroup = sc,
            None => {
                return self
                    .lx
                    .err(format!("SUBGROUP for unattached shader {name}"))
            }
        }
        Ok(())
    }

    fn run(&mut self) -> PResult<Command> {
        let line = self.lx.line;
        let pipeline = self.pipeline()?;
        let w = self.word("run kind")?;
        let what = match w.as_str() {
            "DRAW_RECT" | "DRAW_GRID" => {
                self.expect_word("POS")?;
                let x = self.float("x")?;
                let y = self.float("y")?;
                self.expect_word("SIZE")?;
                let w2 = self.float("width")?;
                let h = self.float("height")?;
                if w == "DRAW_RECT" {
                    RunKind::Draw(Draw::Rect {
                        x,
                        y,
                        w: w2,
                        h,
                        ortho: true,
                        patch: false,
                    })
                } else {
                    self.expect_word("CELLS")?;
                    let columns = self.uint("columns")?;
                    let rows = self.uint("rows")?;
                    RunKind::Draw(Draw::Grid {
                        x,
                        y,
                        w: w2,
                        h,
                        columns,
                        rows,
                    })
                }
            }
            "DRAW_ARRAY" => {
                let mut topology = None;
                let mut indexed = false;
                let mut first = 0;
                let mut count = None;
                let mut first_instance = 0;
                let mut instances = 1;
                while let Some(w) = self.lx.next_on_line() {
                    match w.as_str() {
                        "AS" => {
                            let t = self.word("topology")?;
                            topology = Some(
                                Topology::parse(&t)
                                    .map_or_else(|| self.lx.err(format!("bad topology {t}")), Ok)?,
                            );
                        }
                        "INDEXED" => indexed = true,
                        "START_IDX" => first = self.uint("start")?,
                        "COUNT" => count = Some(self.uint("count")?),
                        "START_INSTANCE" => first_instance = self.uint("start instance")?,
                        "INSTANCE_COUNT" => instances = self.uint("instances")?,
                        o => return self.lx.err(format!("unexpected {o} in DRAW_ARRAY")),
                    }
                }
                let Some(topology) = topology else {
                    return self.lx.err("DRAW_ARRAY without AS");
                };
                RunKind::Draw(Draw::Array {
                    topology,
                    indexed,
                    first,
                    count,
                    first_instance,
                    instances,
                })
            }
            "TIMED_EXECUTION" => return unsupported(line, "TIMED_EXECUTION"),
            _ => {
                let Some(Number::Int(x)) = Number::parse(&w) else {
                    return unsupported(line, format!("RUN {w}"));
                };
                let y = self.uint("y")?;
                let z = self.uint("z")?;
                RunKind::Compute([x as u32, y, z])
            }
        };
        self.end_of_line()?;
        Ok(Command::Run { pipeline, what })
    }

    fn tolerances(&mut self) -> PResult<Vec<Tolerance>> {
        let mut out = Vec::new();
        while let Some(w) = self.lx.peek_on_line() {
            let (body, percent) = match w.strip_suffix('%') {
                Some(b) => (b.to_string(), true),
                None => (w.to_string(), false),
            };
            let Some(n) = Number::parse(&body) else {
                break;
            };
            self.word("")?;
            out.push(Tolerance {
                value: n.as_f64(),
                percent,
            });
            if self.lx.peek_on_line() == Some("%") {
                self.word("")?;
                out.last_mut().expect("pushed").percent = true;
            }
        }
        Ok(out)
    }

    fn expect(&mut self) -> PResult<Expect> {
        let line = self.lx.line;
        let buffer = self.buffer()?;
        let w = self.word("IDX or comparator")?;
        match w.as_str() {
            "EQ_BUFFER" => {
                let b = self.buffer()?;
                return Ok(Expect::EqBuffer { a: buffer, b });
            }
            "RMSE_BUFFER" | "EQ_HISTOGRAM_EMD_BUFFER" => {
                let b = self.buffer()?;
                self.expect_word("TOLERANCE")?;
                let tolerance = self.number("tolerance")?.as_f64();
                return Ok(if w == "RMSE_BUFFER" {
                    Expect::RmseBuffer {
                        a: buffer,
                        b,
                        tolerance,
                    }
                } else {
                    Expect::HistogramEmd {
                        a: buffer,
                        b,
                        tolerance,
                    }
                });
            }
            "IDX" => {}
            o => return unsupported(line, format!("EXPECT {o}")),
        }
        let x = self.number("x")?;
        let mut tolerance = Vec::new();
        let mut next = self.word("comparator")?;
        if next == "TOLERANCE" {
            tolerance = self.tolerances()?;
            next = self.word("comparator")?;
        }
        if let Some(y) = Number::parse(&next) {
            // An image probe: IDX x y SIZE w h EQ_RGB(A) ...
            self.expect_word("SIZE")?;
            let w = self.number("width")?;
            let h = self.number("height")?;
            let cmp = self.word("comparator")?;
            let has_alpha = match cmp.as_str() {
                "EQ_RGBA" => true,
                "EQ_RGB" => false,
                o => return unsupported(line, format!("EXPECT ... {o}")),
            };
            let mut rgba = [0.0, 0.0, 0.0, 1.0];
            for (i, c) in rgba.iter_mut().enumerate() {
                if i == 3 && !has_alpha {
                    break;
                }
                *c = self.number("colour")?.as_f64() / 255.0;
            }
            if self.lx.peek_on_line() == Some("TOLERANCE") {
                self.word("")?;
                tolerance = self.tolerances()?;
            }
            self.end_of_line()?;
            // Image tolerances are in 0..=255 units unless they are percentages.
            for t in &mut tolerance {
                if !t.percent {
                    t.value /= 255.0;
                }
            }
            return Ok(Expect::Pixels {
                buffer,
                rect: Some([x.as_f64(), y.as_f64(), w.as_f64(), h.as_f64()]),
                relative: false,
                rgba,
                has_alpha,
                tolerance,
            });
        }
        let comparator = match next.as_str() {
            "EQ" => Comparator::Eq,
            "NE" => Comparator::Ne,
            "LT" => Comparator::Lt,
            "LE" => Comparator::Le,
            "GT" => Comparator::Gt,
            "GE" => Comparator::Ge,
            o => return unsupported(line, format!("EXPECT comparator {o}")),
        };
        let mut values = Vec::new();
        while let Some(w) = self.lx.next_on_line() {
            match Number::parse(&w) {
                Some(n) => values.push(n),
                None => return self.lx.err(format!("bad value {w}")),
            }
        }
        Ok(Expect::Values {
            buffer,
            offset: x.as_i128() as u64,
            comparator,
            ty: None,
            values,
            tolerance,
        })
    }
}

/// Reads `FILE TEXT` data next to the script.
pub fn read_data_file(dir: &Path, name: &str) -> Result<Vec<Number>, String> {
    let text =
        std::fs::read_to_string(dir.join(name)).map_err(|e| format!("cannot read {name}: {e}"))?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == ','))
        .filter(|s| !s.is_empty())
        .map(|w| Number::parse(w).ok_or_else(|| format!("bad value {w} in {name}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_graphicsfuzz_shape() {
        let text = "#!amber\nSHADER vertex v PASSTHROUGH\nSHADER fragment f GLSL\n#version 430\nvoid main(){}\nEND\nBUFFER fb FORMAT B8G8R8A8_UNORM\nPIPELINE graphics p\n  ATTACH v\n  ATTACH f\n  FRAMEBUFFER_SIZE 256 256\n  BIND BUFFER fb AS color LOCATION 0\nEND\nCLEAR_COLOR p 0 0 0 255\nCLEAR p\nRUN p DRAW_RECT POS 0 0 SIZE 256 256\nEXPECT fb IDX 0 0 SIZE 256 256 EQ_RGBA 255 0 0 255\n";
        let s = parse(text, Path::new(".")).unwrap();
        assert_eq!(s.pipelines[0].framebuffer, (256, 256));
        assert_eq!(s.commands.len(), 4);
    }

    #[test]
    fn parses_compute() {
        let text = "#!amber\nSHADER compute c GLSL\nvoid main(){}\nEND\nBUFFER b DATA_TYPE vec2<int32> SIZE 8 FILL 0\nBUFFER d DATA_TYPE uint32 STD140 DATA\n1 2 3\nEND\nPIPELINE compute p\n  ATTACH c SPECIALIZE 1 AS uint32 4\n  BIND BUFFER b AS storage DESCRIPTOR_SET 0 BINDING 3\nEND\nRUN p 2 1 1\nEXPECT b IDX 8 TOLERANCE 1% EQ 1 0\nEXPECT b IDX 8 EQ 1 0\n";
        let s = parse(text, Path::new(".")).unwrap();
        assert_eq!(s.buffers.len(), 2);
        assert!(matches!(s.commands[0], Command::Run { .. }));
        let Command::Expect(Expect::Values { tolerance, .. }) = &s.commands[1] else {
            panic!()
        };
        assert!(tolerance[0].percent);
    }

    #[test]
    fn unknown_command_is_unsupported() {
        let e = parse("#!amber\nFROB x\n", Path::new(".")).unwrap_err();
        assert!(e.message.starts_with("unsupported:"));
    }
}
