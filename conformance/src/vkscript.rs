//! VkScript (`[require]`, `[compute shader spirv]`, `[test]`, …) translated into the
//! AmberScript AST of [`crate::script`].
//!
//! A VkScript file has one pipeline: graphics when it has a vertex or fragment shader, compute
//! otherwise. Graphics scripts render into an implicit `framebuffer` buffer (B8G8R8A8_UNORM,
//! 250x250 unless `[require]` says otherwise). Storage and uniform buffers are made on first
//! mention by `set:binding`; they are byte buffers written with `subdata` and read with
//! `probe ssbo TYPE`.

use std::collections::HashMap;

use crate::format::{DataType, Format, Layout, Scalar};
use crate::script::*;

fn err<T>(line: usize, message: impl Into<String>) -> PResult<T> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

fn unsupported<T>(line: usize, what: impl std::fmt::Display) -> PResult<T> {
    err(line, format!("unsupported: {what}"))
}

/// Sections in file order: (header words, first line number, body lines).
fn sections(text: &str) -> Vec<(Vec<String>, usize, Vec<&str>)> {
    let mut out: Vec<(Vec<String>, usize, Vec<&str>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']') {
            let words = t[1..t.len() - 1]
                .split_whitespace()
                .map(String::from)
                .collect();
            out.push((words, i + 1, Vec::new()));
        } else if let Some(s) = out.last_mut() {
            s.2.push(line);
        }
    }
    out
}

fn strip_comment(l: &str) -> &str {
    match l.find('#') {
        Some(i) => &l[..i],
        None => l,
    }
}

/// `[require]` lines into requirements (without parsing the rest).
pub fn scan_requirements(text: &str) -> Requirements {
    let mut r = Requirements::default();
    for (header, _, body) in sections(text) {
        if header.first().map(String::as_str) != Some("require") {
            continue;
        }
        for l in body {
            let w: Vec<&str> = strip_comment(l).split_whitespace().collect();
            match w.first() {
                None => {}
                Some(x) if x.starts_with("VK_") => r.device_extensions.push(x.to_string()),
                Some(&"framebuffer" | &"depthstencil" | &"fence_timeout" | &"fbsize") => {}
                Some(x) => r.features.push(x.to_string()),
            }
        }
    }
    r
}

/// VkScript type names (`int`, `vec4`, `uint8_t`, `dmat2x3`, …).
fn vk_type(w: &str, layout: Layout) -> Option<DataType> {
    let scalar = |w: &str| -> Option<Scalar> {
        Some(match w {
            "int" | "int32_t" => Scalar::I32,
            "uint" | "uint32_t" => Scalar::U32,
            "float" => Scalar::F32,
            "double" => Scalar::F64,
            "int8_t" => Scalar::I8,
            "uint8_t" => Scalar::U8,
            "int16_t" => Scalar::I16,
            "uint16_t" => Scalar::U16,
            "int64_t" => Scalar::I64,
            "uint64_t" => Scalar::U64,
            "float16_t" => Scalar::F16,
            _ => return None,
        })
    };
    let typed = |scalar, rows, cols| DataType::Typed {
        scalar,
        rows,
        cols,
        layout,
        array: false,
    };
    if let Some(s) = scalar(w) {
        return Some(typed(s, 1, 1));
    }
    let prefixes: [(&str, Scalar); 12] = [
        ("i8vec", Scalar::I8),
        ("u8vec", Scalar::U8),
        ("i16vec", Scalar::I16),
        ("u16vec", Scalar::U16),
        ("i64vec", Scalar::I64),
        ("u64vec", Scalar::U64),
        ("f16vec", Scalar::F16),
        ("ivec", Scalar::I32),
        ("uvec", Scalar::U32),
        ("dvec", Scalar::F64),
        ("bvec", Scalar::U32),
        ("vec", Scalar::F32),
    ];
    for (p, s) in prefixes {
        if let Some(n) = w.strip_prefix(p) {
            return Some(typed(s, n.parse().ok()?, 1));
        }
    }
    for (p, s) in [("dmat", Scalar::F64), ("mat", Scalar::F32)] {
        if let Some(dims) = w.strip_prefix(p) {
            let (c, r) = match dims.split_once('x') {
                Some((c, r)) => (c.parse().ok()?, r.parse().ok()?),
                None => {
                    let n = dims.parse().ok()?;
                    (n, n)
                }
            };
            return Some(typed(s, r, c));
        }
    }
    Format::parse(w).map(DataType::Format)
}

fn numbers(words: &[&str], line: usize) -> PResult<Vec<Number>> {
    words
        .iter()
        .filter(|w| !w.is_empty())
        .map(|w| Number::parse(w).map_or_else(|| err(line, format!("bad value {w}")), Ok))
        .collect()
}

fn set_binding(w: &str, line: usize) -> PResult<(u32, u32)> {
    let (s, b) = match w.split_once(':') {
        Some((s, b)) => (s, b),
        None => ("0", w),
    };
    match (s.parse(), b.parse()) {
        (Ok(s), Ok(b)) => Ok((s, b)),
        _ => err(line, format!("bad set:binding {w}")),
    }
}

struct Translator {
    s: Script,
    pipeline: PipelineDecl,
    descriptor_buffers: HashMap<(u32, u32), usize>,
    clear_color: [f32; 4],
    tolerance: Vec<Tolerance>,
    framebuffer: Option<usize>,
}

impl Translator {
    fn add_buffer(
        &mut self,
        name: String,
        ty: DataType,
        size: Option<u64>,
        init: Initializer,
    ) -> usize {
        self.s.buffers.push(BufferDecl {
            name,
            ty,
            size,
            init,
            image: None,
        });
        self.s.buffers.len() - 1
    }

    /// The byte buffer at `set:binding`, made on first use.
    fn descriptor(&mut self, sb: (u32, u32), kind: DescriptorKind) -> usize {
        if let Some(&b) = self.descriptor_buffers.get(&sb) {
            return b;
        }
        let b = self.add_buffer(
            format!(
                "{}_{}_{}",
                if kind == DescriptorKind::Uniform {
                    "ubo"
                } else {
                    "ssbo"
                },
                sb.0,
                sb.1
            ),
            DataType::Typed {
                scalar: Scalar::U8,
                rows: 1,
                cols: 1,
                layout: Layout::Std430,
                array: false,
            },
            Some(0),
            Initializer::None,
        );
        self.descriptor_buffers.insert(sb, b);
        self.pipeline.descriptors.push(DescriptorBind {
            set: sb.0,
            binding: sb.1,
            kind,
            buffers: vec![b],
            samplers: Vec::new(),
            descriptor_offsets: Vec::new(),
            dynamic_offsets: Vec::new(),
            ranges: Vec::new(),
            base_mip_level: 0,
        });
        b
    }

    fn test_line(&mut self, line: usize, l: &str) -> PResult<Option<Command>> {
        // Parentheses and commas separate values in probes.
        let cleaned: String = l
            .chars()
            .map(|c| if matches!(c, '(' | ')' | ',') { ' ' } else { c })
            .collect();
        let w: Vec<&str> = cleaned.split_whitespace().collect();
        if w.is_empty() {
            return Ok(None);
        }
        let p = 0;
        match w[0] {
            "ssbo" | "uniform" => {
                let kind = if w[0] == "ssbo" {
                    DescriptorKind::Storage
                } else {
                    DescriptorKind::Uniform
                };
                let layout = if kind == DescriptorKind::Uniform {
                    Layout::Std140
                } else {
                    Layout::Std430
                };
                if w[0] == "uniform" && w.get(1) != Some(&"ubo") {
                    // Push constants: `uniform TYPE OFFSET values`.
                    let Some(ty) = w.get(1).and_then(|t| vk_type(t, Layout::Std430)) else {
                        return unsupported(line, l.trim());
                    };
                    let offset = w.get(2).and_then(|o| o.parse().ok()).unwrap_or(0);
                    let values = numbers(&w[3..], line)?;
                    let b = match self.pipeline.push_constants {
                        Some(b) => b,
                        None => {
                            let b = self.add_buffer(
                                "push_constants".into(),
                                DataType::Typed {
                                    scalar: Scalar::U8,
                                    rows: 1,
                                    cols: 1,
                                    layout: Layout::Std430,
                                    array: false,
                                },
                                Some(0),
                                Initializer::None,
                            );
                            self.pipeline.push_constants = Some(b);
                            b
                        }
                    };
                    return Ok(Some(Command::Write {
                        buffer: b,
                        offset,
                        ty,
                        values,
                    }));
                }
                let at = if w[0] == "uniform" { 2 } else { 1 };
                let Some(sbw) = w.get(at) else {
                    return err(line, "missing set:binding");
                };
                let sb = set_binding(sbw, line)?;
                let b = self.descriptor(sb, kind);
                let is_write = w[0] == "uniform" || w.get(at + 1) == Some(&"subdata");
                if is_write {
                    let tw = if w[0] == "uniform" { at + 1 } else { at + 2 };
                    let Some(ty) = w.get(tw).and_then(|t| vk_type(t, layout)) else {
                        return unsupported(line, l.trim());
                    };
                    let offset = w
                        .get(tw + 1)
                        .and_then(|o| o.parse().ok())
                        .map_or_else(|| err(line, "missing offset"), Ok)?;
                    let values = numbers(&w[tw + 2..], line)?;
                    return Ok(Some(Command::Write {
                        buffer: b,
                        offset,
                        ty,
                        values,
                    }));
                }
                match w.get(at + 1) {
                    Some(size) => {
                        let Ok(size) = size.parse::<u64>() else {
                            return unsupported(line, l.trim());
                        };
                        let d = &mut self.s.buffers[b];
                        d.size = Some(d.size.unwrap_or(0).max(size));
                        Ok(None)
                    }
                    None => err(line, "ssbo without size"),
                }
            }
            "compute" => {
                if w.get(1) == Some(&"entrypoint") {
                    if let (Some(name), Some(a)) = (
                        w.get(2),
                        self.pipeline
                            .shaders
                            .iter_mut()
                            .find(|a| a.stage == Stage::Compute),
                    ) {
                        a.entry = name.to_string();
                    }
                    return Ok(None);
                }
                let n = numbers(&w[1..], line)?;
                if n.len() != 3 {
                    return err(line, "compute needs 3 sizes");
                }
                Ok(Some(Command::Run {
                    pipeline: 0,
                    what: RunKind::Compute([
                        n[0].as_i128() as u32,
                        n[1].as_i128() as u32,
                        n[2].as_i128() as u32,
                    ]),
                }))
            }
            "vertex" | "fragment" | "geometry" | "tessellation" if w.contains(&"entrypoint") => {
                let stage = match w[0] {
                    "vertex" => Stage::Vertex,
                    "fragment" => Stage::Fragment,
                    "geometry" => Stage::Geometry,
                    _ if w.get(1) == Some(&"control") => Stage::TessControl,
                    _ => Stage::TessEval,
                };
                let name = w.last().expect("non-empty");
                if let Some(a) = self.pipeline.shaders.iter_mut().find(|a| a.stage == stage) {
                    a.entry = name.to_string();
                }
                Ok(None)
            }
            "draw" => match w.get(1) {
                Some(&"rect") => {
                    let mut i = 2;
                    let mut ortho = false;
                    let mut patch = false;
                    while let Some(k) = w.get(i) {
                        match *k {
                            "ortho" => ortho = true,
                            "patch" => patch = true,
                            _ => break,
                        }
                        i += 1;
                    }
                    let n = numbers(&w[i..], line)?;
                    if n.len() != 4 {
                        return err(line, "draw rect needs 4 values");
                    }
                    let f = |i: usize| n[i].as_f64() as f32;
                    Ok(Some(Command::Run {
                        pipeline: 0,
                        what: RunKind::Draw(Draw::Rect {
                            x: f(0),
                            y: f(1),
                            w: f(2),
                            h: f(3),
                            ortho,
                            patch,
                        }),
                    }))
                }
                Some(&"arrays") => {
                    let mut i = 2;
                    let mut indexed = false;
                    let mut instanced = false;
                    while let Some(k) = w.get(i) {
                        match *k {
                            "indexed" => indexed = true,
                            "instanced" => instanced = true,
                            _ => break,
                        }
                        i += 1;
                    }
                    let Some(topology) = w.get(i).and_then(|t| Topology::parse(t)) else {
                        return err(line, "bad topology");
                    };
                    let n = numbers(&w[i + 1..], line)?;
                    if n.len() < 2 {
                        return err(line, "draw arrays needs first and count");
                    }
                    Ok(Some(Command::Run {
                        pipeline: 0,
                        what: RunKind::Draw(Draw::Array {
                            topology,
                            indexed,
                            first: n[0].as_i128() as u32,
                            count: Some(n[1].as_i128() as u32),
                            first_instance: 0,
                            instances: if instanced {
                                n.get(2).map_or(1, |n| n.as_i128() as u32)
                            } else {
                                1
                            },
                        }),
                    }))
                }
                _ => unsupported(line, l.trim()),
            },
            "clear" => match w.get(1) {
                None => Ok(Some(Command::Clear { pipeline: 0 })),
                Some(&"color") => {
                    let n = numbers(&w[2..], line)?;
                    for (i, v) in n.iter().take(4).enumerate() {
                        self.clear_color[i] = v.as_f64() as f32;
                    }
                    Ok(Some(Command::ClearColor {
                        pipeline: 0,
                        rgba: self.clear_color,
                    }))
                }
                Some(&"depth") => {
                    let n = numbers(&w[2..], line)?;
                    Ok(Some(Command::ClearDepth {
                        pipeline: 0,
                        depth: n.first().map_or(1.0, |v| v.as_f64() as f32),
                    }))
                }
                Some(&"stencil") => {
                    let n = numbers(&w[2..], line)?;
                    Ok(Some(Command::ClearStencil {
                        pipeline: 0,
                        stencil: n.first().map_or(0, |v| v.as_i128() as u32),
                    }))
                }
                _ => unsupported(line, l.trim()),
            },
            "tolerance" => {
                self.tolerance = w[1..]
                    .iter()
                    .map(|t| {
                        let (b, percent) = match t.strip_suffix('%') {
                            Some(b) => (b, true),
                            None => (*t, false),
                        };
                        Number::parse(b)
                            .map(|n| Tolerance {
                                value: n.as_f64(),
                                percent,
                            })
                            .map_or_else(|| err(line, "bad tolerance"), Ok)
                    })
                    .collect::<PResult<_>>()?;
                Ok(None)
            }
            "probe" | "relative" => self.probe(line, &w, l),
            "patch" if w.get(1) == Some(&"parameter") => {
                if let Some(n) = w.get(3).and_then(|n| n.parse().ok()) {
                    self.pipeline.patch_control_points = n;
                }
                Ok(None)
            }
            _ => {
                let _ = p;
                unsupported(line, l.trim())
            }
        }
    }

    fn probe(&mut self, line: usize, w: &[&str], l: &str) -> PResult<Option<Command>> {
        let mut i = 0;
        let relative = w[0] == "relative";
        if relative {
            i += 1;
        }
        i += 1; // probe
        if w.get(i) == Some(&"ssbo") {
            let Some(ty) = w.get(i + 1).and_then(|t| vk_type(t, Layout::Std430)) else {
                return unsupported(line, l.trim());
            };
            let sb = set_binding(w.get(i + 2).copied().unwrap_or(""), line)?;
            let Some(&buffer) = self.descriptor_buffers.get(&sb) else {
                return err(line, format!("probe of unknown ssbo {}:{}", sb.0, sb.1));
            };
            let offset = w
                .get(i + 3)
                .and_then(|o| o.parse().ok())
                .map_or_else(|| err(line, "missing offset"), Ok)?;
            let comparator = match w.get(i + 4).copied() {
                Some("==") => Comparator::Eq,
                Some("!=") => Comparator::Ne,
                Some("<") => Comparator::Lt,
                Some("<=") => Comparator::Le,
                Some(">") => Comparator::Gt,
                Some(">=") => Comparator::Ge,
                Some("~=") => Comparator::Eq,
                _ => return unsupported(line, l.trim()),
            };
            let fuzzy = w.get(i + 4) == Some(&"~=");
            let values = numbers(&w[i + 5..], line)?;
            return Ok(Some(Command::Expect(Expect::Values {
                buffer,
                offset,
                comparator,
                ty: Some(ty),
                values,
                tolerance: if fuzzy {
                    self.tolerance.clone()
                } else {
                    Vec::new()
                },
            })));
        }
        let Some(fb) = self.framebuffer else {
            return err(line, "probe without a framebuffer");
        };
        let mut whole = false;
        let mut rect = false;
        match w.get(i) {
            Some(&"all") => {
                whole = true;
                i += 1;
            }
            Some(&"rect") => {
                rect = true;
                i += 1;
            }
            _ => {}
        }
        let has_alpha = match w.get(i) {
            Some(&"rgba") => true,
            Some(&"rgb") => false,
            _ => return unsupported(line, l.trim()),
        };
        let n = numbers(&w[i + 1..], line)?;
        let ncol = if has_alpha { 4 } else { 3 };
        let (area, col) = if whole {
            (None, &n[..])
        } else if rect {
            if n.len() < 4 {
                return err(line, "probe rect needs x y w h");
            }
            (
                Some([n[0].as_f64(), n[1].as_f64(), n[2].as_f64(), n[3].as_f64()]),
                &n[4..],
            )
        } else {
            if n.len() < 2 {
                return err(line, "probe needs x y");
            }
            (Some([n[0].as_f64(), n[1].as_f64(), 1.0, 1.0]), &n[2..])
        };
        if col.len() < ncol {
            return err(line, "probe needs a colour");
        }
        let mut rgba = [0.0, 0.0, 0.0, 1.0];
        for (k, c) in col.iter().take(ncol).enumerate() {
            rgba[k] = c.as_f64();
        }
        Ok(Some(Command::Expect(Expect::Pixels {
            buffer: fb,
            rect: area,
            relative,
            rgba,
            has_alpha,
            tolerance: self.tolerance.clone(),
        })))
    }
}

/// Parses a VkScript file.
pub fn parse(text: &str) -> PResult<Script> {
    let secs = sections(text);
    let mut t = Translator {
        s: Script::default(),
        pipeline: PipelineDecl {
            name: "vkscript".into(),
            ..PipelineDecl::new(String::new(), PipelineKind::Compute)
        },
        descriptor_buffers: HashMap::new(),
        clear_color: [0.0; 4],
        tolerance: Vec::new(),
        framebuffer: None,
    };
    t.s.requirements = scan_requirements(text);
    let mut fb_format = "B8G8R8A8_UNORM".to_string();
    let mut ds_format: Option<String> = None;
    let mut test: Option<(usize, Vec<&str>)> = None;
    let mut vertex_data: Option<(usize, Vec<&str>)> = None;
    let mut indices: Option<(usize, Vec<&str>)> = None;
    for (header, line, body) in secs {
        let h: Vec<&str> = header.iter().map(String::as_str).collect();
        match h.as_slice() {
            ["require"] => {
                for l in &body {
                    let w: Vec<&str> = strip_comment(l).split_whitespace().collect();
                    match w.as_slice() {
                        ["framebuffer", f] => fb_format = f.to_string(),
                        ["depthstencil", f] => ds_format = Some(f.to_string()),
                        ["fbsize", x, y] => {
                            t.pipeline.framebuffer =
                                (x.parse().unwrap_or(250), y.parse().unwrap_or(250))
                        }
                        ["fence_timeout", n] => t.s.fence_timeout_ms = n.parse().ok(),
                        _ => {}
                    }
                }
            }
            ["test"] => test = Some((line, body)),
            ["vertex", "data"] => vertex_data = Some((line, body)),
            ["indices"] => indices = Some((line, body)),
            [stage, "shader", rest @ ..] | [stage, _, "shader", rest @ ..] => {
                let stage_name = match h.as_slice() {
                    ["tessellation", "control", ..] => "tessellation_control",
                    ["tessellation", "evaluation", ..] => "tessellation_evaluation",
                    _ => stage,
                };
                let Some(stage) = Stage::parse(stage_name) else {
                    return unsupported(line, format!("[{}]", header.join(" ")));
                };
                let src: String = body.iter().map(|l| format!("{l}\n")).collect();
                let source = match rest {
                    [] => ShaderSource::Glsl(src),
                    ["spirv"] => ShaderSource::SpirvAsm(src),
                    ["spirv", "hex"] => ShaderSource::SpirvHex(src),
                    ["passthrough"] => ShaderSource::Passthrough,
                    _ => return unsupported(line, format!("[{}]", header.join(" "))),
                };
                if stage != Stage::Compute {
                    t.pipeline.kind = PipelineKind::Graphics;
                }
                t.s.shaders.push(ShaderDecl {
                    name: format!("shader{}", t.s.shaders.len()),
                    stage,
                    source,
                    target_env: None,
                });
                t.pipeline.shaders.push(Attach {
                    shader: t.s.shaders.len() - 1,
                    stage,
                    entry: "main".into(),
                    spec: Vec::new(),
                    subgroup: SubgroupControl::default(),
                });
            }
            _ => return unsupported(line, format!("[{}]", header.join(" "))),
        }
    }
    if t.pipeline.kind == PipelineKind::Graphics {
        let Some(f) = Format::parse(&fb_format) else {
            return unsupported(0, format!("framebuffer format {fb_format}"));
        };
        let fb = t.add_buffer(
            "framebuffer".into(),
            DataType::Format(f),
            None,
            Initializer::None,
        );
        t.pipeline.color.push((fb, 0, 0));
        t.framebuffer = Some(fb);
        if let Some(ds) = ds_format {
            let Some(f) = Format::parse(&ds) else {
                return unsupported(0, format!("depth format {ds}"));
            };
            let b = t.add_buffer(
                "depthstencil".into(),
                DataType::Format(f),
                None,
                Initializer::None,
            );
            t.pipeline.depth_stencil = Some(b);
        }
        if !t.pipeline.shaders.iter().any(|a| a.stage == Stage::Vertex) {
            t.s.shaders.push(ShaderDecl {
                name: "passthrough".into(),
                stage: Stage::Vertex,
                source: ShaderSource::Passthrough,
                target_env: None,
            });
            t.pipeline.shaders.insert(
                0,
                Attach {
                    shader: t.s.shaders.len() - 1,
                    stage: Stage::Vertex,
                    entry: "main".into(),
                    spec: Vec::new(),
                    subgroup: SubgroupControl::default(),
                },
            );
        }
    }
    if let Some((line, body)) = vertex_data {
        vertex_section(&mut t, line, &body)?;
    }
    if let Some((line, body)) = indices {
        let words: Vec<&str> = body
            .iter()
            .flat_map(|l| strip_comment(l).split_whitespace())
            .collect();
        let values = numbers(&words, line)?;
        let b = t.add_buffer(
            "indices".into(),
            DataType::Typed {
                scalar: Scalar::U32,
                rows: 1,
                cols: 1,
                layout: Layout::Std430,
                array: false,
            },
            Some(values.len() as u64),
            Initializer::Data(values),
        );
        t.pipeline.index = Some(b);
    }
    let mut commands = Vec::new();
    if let Some((line, body)) = test {
        for (k, l) in body.iter().enumerate() {
            let l = strip_comment(l);
            if let Some(c) = t.test_line(line + 1 + k, l)? {
                commands.push(c);
            }
        }
    }
    t.s.pipelines.push(t.pipeline);
    t.s.commands = commands;
    Ok(t.s)
}

fn vertex_section(t: &mut Translator, line: usize, body: &[&str]) -> PResult<()> {
    let mut rows = body
        .iter()
        .enumerate()
        .map(|(k, l)| (line + 1 + k, strip_comment(l).trim()))
        .filter(|(_, l)| !l.is_empty());
    let Some((hl, header)) = rows.next() else {
        return Ok(());
    };
    let mut cols = Vec::new();
    for h in header.split_whitespace() {
        let Some((loc, fmt)) = h.split_once('/') else {
            return err(hl, format!("bad vertex data header {h}"));
        };
        let Ok(loc) = loc.parse::<u32>() else {
            return err(hl, format!("bad location {loc}"));
        };
        let ty = vk_type(fmt, Layout::Std430)
            .map_or_else(|| unsupported(hl, format!("vertex format {fmt}")), Ok)?;
        cols.push((loc, ty, Vec::<Number>::new()));
    }
    for (ln, row) in rows {
        let vals = numbers(&row.split_whitespace().collect::<Vec<_>>(), ln)?;
        let mut at = 0;
        for (_, ty, data) in &mut cols {
            let n = ty.values_per_element();
            if at + n > vals.len() {
                return err(ln, "short vertex data row");
            }
            data.extend_from_slice(&vals[at..at + n]);
            at += n;
        }
    }
    for (loc, ty, data) in cols {
        let n = (data.len() / ty.values_per_element().max(1)) as u64;
        let b = t.add_buffer(
            format!("vertices_{loc}"),
            ty,
            Some(n),
            Initializer::Data(data),
        );
        t.pipeline.vertex.push(VertexBind {
            buffer: b,
            location: loc,
            instance_rate: false,
            format: None,
            offset: 0,
            stride: None,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_script() {
        let text = "[require]\nVK_KHR_spirv_1_4\nshaderInt16\n[compute shader spirv]\nOpCapability Shader\n[test]\nssbo 0:1 subdata int 0 1 2 3\nssbo 0:0 64\ncompute entrypoint main\ncompute 1 1 1\nprobe ssbo int 0:1 4 == 2 3\n";
        let s = parse(text).unwrap();
        assert_eq!(s.requirements.device_extensions, vec!["VK_KHR_spirv_1_4"]);
        assert_eq!(s.requirements.features, vec!["shaderInt16"]);
        assert_eq!(s.pipelines[0].descriptors.len(), 2);
        assert_eq!(s.commands.len(), 3);
    }

    #[test]
    fn graphics_script() {
        let text = "[vertex shader passthrough]\n[fragment shader]\nvoid main(){}\n[test]\nclear color 1 0 0 1\nclear\ndraw rect -1 -1 2 2\nprobe rect rgba (0, 0, 250, 250) (1.0, 0, 0, 1)\nrelative probe rect rgb (0.0, 0.0, 0.5, 0.5) (1, 0, 0)\n";
        let s = parse(text).unwrap();
        assert_eq!(s.pipelines[0].kind, PipelineKind::Graphics);
        assert_eq!(s.commands.len(), 5);
    }
}
