//! Reading SPIR-V into a validated naga module.

use naga::valid::{Capabilities, ValidationFlags, Validator};

/// Why a SPIR-V module was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The byte length is not a multiple of four, or the magic number is wrong.
    NotSpirv,
    /// naga's SPIR-V reader refused it; the text is its reason.
    Frontend(String),
    /// naga read it but its validator refused the result.
    Validation(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::NotSpirv => write!(f, "not SPIR-V"),
            ParseError::Frontend(s) => write!(f, "frontend: {s}"),
            ParseError::Validation(s) => write!(f, "validation: {s}"),
        }
    }
}

const SPIRV_MAGIC: u32 = 0x0723_0203;

/// Words of a SPIR-V binary given as bytes (little- or big-endian, as the magic number says).
pub fn words(bytes: &[u8]) -> Result<Vec<u32>, ParseError> {
    if bytes.len() % 4 != 0 || bytes.len() < 20 {
        return Err(ParseError::NotSpirv);
    }
    let le: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if le[0] == SPIRV_MAGIC {
        return Ok(le);
    }
    let be: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if be[0] == SPIRV_MAGIC {
        return Ok(be);
    }
    Err(ParseError::NotSpirv)
}

/// [`words`] of a binary the application gave as host-order words (`VkShaderModuleCreateInfo`'s
/// `pCode`): the same words, or each byte-swapped when the magic number says so, without
/// going through bytes.
pub fn words_from_host(code: &[u32]) -> Result<Vec<u32>, ParseError> {
    match code.first() {
        _ if code.len() < 5 => Err(ParseError::NotSpirv),
        Some(&SPIRV_MAGIC) => Ok(code.to_vec()),
        Some(w) if w.swap_bytes() == SPIRV_MAGIC => {
            Ok(code.iter().map(|w| w.swap_bytes()).collect())
        }
        _ => Err(ParseError::NotSpirv),
    }
}

/// Parses and validates a SPIR-V module: legalizes it (see [`crate::legalize`]), reads it with
/// naga and validates the result. naga may panic on malformed input; that is caught here and
/// reported as a frontend error, so no input crashes the driver.
///
/// Specialization constants take their default values: `parse(words)` is
/// `parse_specialized(words, &[])`.
pub fn parse(words: &[u32]) -> Result<(naga::Module, naga::valid::ModuleInfo), ParseError> {
    parse_specialized(words, &[])
}

/// [`parse`] with the specialization constants given: pairs of (`SpecId`, value), the value's
/// low bits as the constant's type needs (a boolean is true when nonzero). Constants whose
/// `SpecId` is not listed take their defaults. The resulting module has no overrides: every
/// specialization constant is a plain constant, `OpSpecConstantOp` is folded and the
/// workgroup size is resolved. A module where that cannot be done exactly is refused.
pub fn parse_specialized(
    words: &[u32],
    specialization: &[(u32, u64)],
) -> Result<(naga::Module, naga::valid::ModuleInfo), ParseError> {
    parse_shared(words, specialization).map(std::sync::Arc::unwrap_or_clone)
}

/// A parsed and validated module, shared with the cache of recent parses.
pub type Parsed = std::sync::Arc<(naga::Module, naga::valid::ModuleInfo)>;

/// [`parse_specialized`] without a copy of the module: the result is shared with the cache of
/// recent parses. What the compilers and `vkCreateShaderModule` use: they only read the
/// module, and a copy of it (about 30K instructions for the matmul bench shader, the same
/// again to drop it) was 4% of a cold compile.
pub fn parse_shared(words: &[u32], specialization: &[(u32, u64)]) -> Result<Parsed, ParseError> {
    if let Some(hit) = recent::find(words, specialization) {
        return Ok(hit);
    }
    let parsed = std::sync::Arc::new(parse_uncached(words, specialization)?);
    recent::insert(words, specialization, &parsed);
    Ok(parsed)
}

/// The last few modules parsed, by words and specialization.
///
/// `vkCreateShaderModule` parses and validates (to refuse bad SPIR-V there), and creating a
/// pipeline from the module parses the same words again; an application creating several
/// pipelines from one module does it each time. Entries are shared ([`Parsed`]), so neither a
/// hit nor an insertion copies a module. Eight entries keep the memory small; the least
/// recently used goes first.
mod recent {
    use std::sync::{Arc, Mutex};

    use super::Parsed;

    struct Entry {
        words: Arc<[u32]>,
        specialization: Vec<(u32, u64)>,
        parsed: Parsed,
    }

    const CAPACITY: usize = 8;
    static RECENT: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

    /// A hit becomes the newest entry: the unspecialized parse `vkCreateShaderModule` made
    /// stays while pipelines with fresh specializations come and go (oldest-first eviction
    /// dropped it after eight of them, and the next module creation parsed again).
    pub(super) fn find(words: &[u32], specialization: &[(u32, u64)]) -> Option<Parsed> {
        let mut recent = RECENT.lock().ok()?;
        let at = recent
            .iter()
            .position(|e| e.specialization == specialization && &*e.words == words)?;
        let hit = recent.remove(at);
        let parsed = hit.parsed.clone();
        recent.push(hit);
        Some(parsed)
    }

    pub(super) fn insert(words: &[u32], specialization: &[(u32, u64)], parsed: &Parsed) {
        // The evicted entry is dropped after the lock is released.
        let evicted = {
            let Ok(mut recent) = RECENT.lock() else {
                return;
            };
            let evicted = (recent.len() >= CAPACITY).then(|| recent.remove(0));
            recent.push(Entry {
                words: words.into(),
                specialization: specialization.to_vec(),
                parsed: parsed.clone(),
            });
            evicted
        };
        drop(evicted);
    }
}

fn parse_uncached(
    words: &[u32],
    specialization: &[(u32, u64)],
) -> Result<(naga::Module, naga::valid::ModuleInfo), ParseError> {
    if words.first() != Some(&SPIRV_MAGIC) {
        return Err(ParseError::NotSpirv);
    }
    // The checks look at the legalized module before it is written out (reading the words
    // again cost 1% of a cold compile).
    let legal = crate::legalize::legalize_module(words, specialization);
    if let Some(m) = &legal {
        if crate::legalize::has_loop_break_in_switch(m) {
            return Err(ParseError::Frontend(
                "a branch out of a loop from inside a switch (naga would miscompile it: gfx-rs/wgpu#4449)".into(),
            ));
        }
        if crate::legalize::has_lost_compare_lod(m) {
            return Err(ParseError::Frontend(
                "a depth-compare sample with a level or gradients (naga would read level 0)".into(),
            ));
        }
    }
    let legal_words = legal.map(|m| m.write());
    // A specialization changes only the values of constants. When the unspecialized module
    // passed every check (`vkCreateShaderModule` parsed it, and it is still among the recent
    // parses), the specialized one skips naga's per-expression and per-statement checks: what
    // the lowering reads from the `ModuleInfo` (expression types and uniformity) is computed
    // either way, and those checks were 4% of a cold compile. Types, constants, globals and
    // the entry points' interfaces are still checked.
    let mut flags = FULL_VALIDATION;
    if !specialization.is_empty() && recent::find(words, &[]).is_some() {
        flags -= ValidationFlags::EXPRESSIONS | ValidationFlags::BLOCKS;
    }
    let (module, info) = parse_with(legal_words.as_deref().unwrap_or(words), flags)?;
    if !module.overrides.is_empty() {
        return Err(ParseError::Frontend(
            "specialization constants could not be resolved".into(),
        ));
    }
    Ok((module, info))
}

/// [`parse`] without the legalization pass: naga and its validator on the words as given.
pub fn parse_unlegalized(
    words: &[u32],
) -> Result<(naga::Module, naga::valid::ModuleInfo), ParseError> {
    parse_with(words, FULL_VALIDATION)
}

/// What a module not specialized from a checked one is validated with. Struct layouts are not
/// checked against WGSL's rules: Vulkan allows more (std430 and scalar layouts in uniform
/// buffers), and the lowering reads every offset and stride from the module itself.
const FULL_VALIDATION: ValidationFlags =
    ValidationFlags::all().difference(ValidationFlags::STRUCT_LAYOUTS);

/// [`parse_unlegalized`] with the validator's checks given.
fn parse_with(
    words: &[u32],
    flags: ValidationFlags,
) -> Result<(naga::Module, naga::valid::ModuleInfo), ParseError> {
    if words.first() != Some(&SPIRV_MAGIC) {
        return Err(ParseError::NotSpirv);
    }
    let options = naga::front::spv::Options {
        adjust_coordinate_space: false,
        strict_capabilities: false,
        block_ctx_dump_prefix: None,
    };
    let module = std::panic::catch_unwind(|| {
        naga::front::spv::Frontend::new(words.iter().copied(), &options).parse()
    })
    .map_err(|_| ParseError::Frontend("the SPIR-V reader panicked".into()))?
    .map_err(|e| ParseError::Frontend(e.to_string()))?;
    let mut module = module;
    register_modf_frexp_results(&mut module);
    buffer_arrays_as_binding_arrays(&mut module);
    image_atomic_helper_access(&mut module);
    // naga refuses subgroup built-ins in a workgroup of more than one dimension (a WGSL rule
    // Vulkan does not have). The check looks only at the entry point's size, which nothing
    // else in validation depends on: validate with compute sizes flattened to x·y·z, then
    // put the sizes back (in place: a copy of the module was 2% of a cold compile).
    let sizes = flatten_workgroup_sizes(&mut module);
    // naga refuses NaN and infinite float literals (WGSL has none); SPIR-V has them, and
    // nothing in validation depends on a float's value: validate a copy with finite stand-ins.
    let finite = has_non_finite_literals(&module).then(|| {
        let mut copy = module.clone();
        replace_non_finite_literals(&mut copy);
        copy
    });
    let info = std::panic::catch_unwind(|| {
        Validator::new(flags, Capabilities::all())
            .validate(finite.as_ref().unwrap_or(&module))
            .map_err(|e| error_chain(&e.into_inner()))
    });
    for (e, size) in module.entry_points.iter_mut().zip(sizes) {
        e.workgroup_size = size;
    }
    let info = info
        .map_err(|_| ParseError::Validation("the validator panicked".into()))?
        .map_err(ParseError::Validation)?;
    Ok((module, info))
}

fn non_finite(e: &naga::Expression) -> bool {
    match e {
        naga::Expression::Literal(naga::Literal::F32(v)) => !v.is_finite(),
        naga::Expression::Literal(naga::Literal::F64(v)) => !v.is_finite(),
        _ => false,
    }
}

fn has_non_finite_literals(module: &naga::Module) -> bool {
    let in_fn = |f: &naga::Function| f.expressions.iter().any(|(_, e)| non_finite(e));
    module.global_expressions.iter().any(|(_, e)| non_finite(e))
        || module.functions.iter().any(|(_, f)| in_fn(f))
        || module.entry_points.iter().any(|ep| in_fn(&ep.function))
}

/// Every NaN or infinite float literal becomes 0 (for validation only).
fn replace_non_finite_literals(module: &mut naga::Module) {
    let fix = |e: &mut naga::Expression| {
        if non_finite(e) {
            *e = match e {
                naga::Expression::Literal(naga::Literal::F64(_)) => {
                    naga::Expression::Literal(naga::Literal::F64(0.0))
                }
                _ => naga::Expression::Literal(naga::Literal::F32(0.0)),
            };
        }
    };
    for (_, e) in module.global_expressions.iter_mut() {
        fix(e);
    }
    for (_, f) in module.functions.iter_mut() {
        for (_, e) in f.expressions.iter_mut() {
            fix(e);
        }
    }
    for ep in module.entry_points.iter_mut() {
        for (_, e) in ep.function.expressions.iter_mut() {
            fix(e);
        }
    }
}

/// naga's SPIR-V reader turns `ModfStruct`/`FrexpStruct` into `Math` expressions whose type
/// is a predeclared struct, but does not declare it, so the validator fails ("Special type is
/// not registered within the module"). The SPIR-V module declares the result struct itself,
/// and stores it whole into variables of that type, so that struct (as naga read it) becomes
/// the predeclared type: `{ T, T }` for modf and `{ T, i32-of-T's-shape }` for frexp, for each
/// f32 and f64 scalar and vector shape. A shape the module has no struct for gets naga's own; one it
/// has two distinct structs for gets none, and validation refuses the module if it uses it.
/// Arrays of uniform or storage buffers (`uniform B { .. } b[2]`) as binding arrays.
///
/// In Vulkan a buffer variable is a block or an array of blocks, the array being one
/// descriptor per element. naga's reader makes the array a plain `Array` (it only knows binding
/// arrays of images and samplers), which would read every element from the first descriptor;
/// a `BindingArray` is what the lowering takes one descriptor per element for.
fn buffer_arrays_as_binding_arrays(module: &mut naga::Module) {
    use naga::{AddressSpace, TypeInner};
    let handles: Vec<_> = module
        .global_variables
        .iter()
        .filter(|(_, g)| {
            matches!(
                g.space,
                AddressSpace::Uniform | AddressSpace::Storage { .. }
            )
        })
        .map(|(h, _)| h)
        .collect();
    for h in handles {
        let ty = module.global_variables[h].ty;
        let TypeInner::Array { base, size, .. } = module.types[ty].inner else {
            continue;
        };
        if !matches!(module.types[base].inner, TypeInner::Struct { .. }) {
            continue;
        }
        let span = module.types.get_span(ty);
        let binding_array = module.types.insert(
            naga::Type {
                name: None,
                inner: TypeInner::BindingArray { base, size },
            },
            span,
        );
        module.global_variables[h].ty = binding_array;
    }
}

/// The image parameter of the image atomic helpers (see
/// [`crate::legalize::IMAGE_ATOMIC_PREFIX`]) takes the access of an image variable without
/// access decorations: naga gives a storage image parameter no access, and the validator
/// would refuse passing the variable.
fn image_atomic_helper_access(module: &mut naga::Module) {
    use naga::{ImageClass, StorageAccess, TypeInner};
    let helpers: Vec<_> = module
        .functions
        .iter()
        .filter(|(_, f)| {
            f.name
                .as_deref()
                .is_some_and(|n| n.starts_with(crate::legalize::IMAGE_ATOMIC_PREFIX))
        })
        .map(|(h, _)| h)
        .collect();
    for h in helpers {
        let Some(arg) = module.functions[h].arguments.first() else {
            continue;
        };
        let TypeInner::Image {
            dim,
            arrayed,
            class: ImageClass::Storage { format, .. },
        } = module.types[arg.ty].inner
        else {
            continue;
        };
        let ty = module.types.insert(
            naga::Type {
                name: None,
                inner: TypeInner::Image {
                    dim,
                    arrayed,
                    class: ImageClass::Storage {
                        format,
                        access: StorageAccess::LOAD | StorageAccess::STORE,
                    },
                },
            },
            Default::default(),
        );
        module.functions[h].arguments[0].ty = ty;
    }
}

fn register_modf_frexp_results(module: &mut naga::Module) {
    use naga::{Expression, MathFunction, PredeclaredType, Scalar, TypeInner, VectorSize};
    let uses = |f: &naga::Function| {
        f.expressions.iter().any(|(_, e)| {
            matches!(
                e,
                Expression::Math {
                    fun: MathFunction::Modf | MathFunction::Frexp,
                    ..
                }
            )
        })
    };
    if !module.functions.iter().any(|(_, f)| uses(f))
        && !module.entry_points.iter().any(|e| uses(&e.function))
    {
        return;
    }
    let shape = |size: Option<VectorSize>, scalar: Scalar| match size {
        None => TypeInner::Scalar(scalar),
        Some(size) => TypeInner::Vector { size, scalar },
    };
    for (size, fscalar) in [
        None,
        Some(VectorSize::Bi),
        Some(VectorSize::Tri),
        Some(VectorSize::Quad),
    ]
    .into_iter()
    .flat_map(|size| [(size, Scalar::F32), (size, Scalar::F64)])
    {
        let float = shape(size, fscalar);
        let int = shape(size, Scalar::I32);
        for (key, second) in [
            (
                PredeclaredType::ModfResult {
                    size,
                    scalar: fscalar,
                },
                &float,
            ),
            (
                PredeclaredType::FrexpResult {
                    size,
                    scalar: fscalar,
                },
                &int,
            ),
        ] {
            let candidates: Vec<_> = module
                .types
                .iter()
                .filter(|(_, t)| match &t.inner {
                    TypeInner::Struct { members, .. } => {
                        members.len() == 2
                            && module.types[members[0].ty].inner == float
                            && module.types[members[1].ty].inner == *second
                    }
                    _ => false,
                })
                .map(|(h, _)| h)
                .collect();
            match candidates[..] {
                [] => {
                    module.generate_predeclared_type(key);
                }
                [one] => {
                    module.special_types.predeclared_types.insert(key, one);
                }
                _ => {}
            }
        }
    }
}

/// Flattens every multi-dimensional compute workgroup size to `[x·y·z, 1, 1]` (unless the
/// product overflows naga's per-dimension limit, so validation sees the real size); returns
/// every entry point's size as it was, in order, to put back after validation.
fn flatten_workgroup_sizes(module: &mut naga::Module) -> Vec<[u32; 3]> {
    let sizes: Vec<[u32; 3]> = module
        .entry_points
        .iter()
        .map(|e| e.workgroup_size)
        .collect();
    for e in module.entry_points.iter_mut() {
        let [x, y, z] = e.workgroup_size;
        let total = x.checked_mul(y).and_then(|v| v.checked_mul(z));
        if e.stage == naga::ShaderStage::Compute
            && (y > 1 || z > 1)
            && total.is_some_and(|t| t <= 0x4000)
        {
            e.workgroup_size = [total.unwrap_or(x), 1, 1];
        }
    }
    sizes
}

/// An error and its sources, outermost first, joined by `": "`: naga's validation errors name
/// only the function or entry point at the top and the reason further down.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_garbage_without_panicking() {
        assert_eq!(parse(&[]).err(), Some(ParseError::NotSpirv));
        assert_eq!(words(&[1, 2, 3]).err(), Some(ParseError::NotSpirv));
        let header = [SPIRV_MAGIC, 0x0001_0000, 0, 100, 0];
        let bytes: Vec<u8> = header.iter().flat_map(|w| w.to_ne_bytes()).collect();
        assert_eq!(words_from_host(&header).ok(), words(&bytes).ok());
        let swapped = header.map(u32::swap_bytes);
        let bytes: Vec<u8> = swapped.iter().flat_map(|w| w.to_ne_bytes()).collect();
        assert_eq!(words_from_host(&swapped).ok(), words(&bytes).ok());
        assert_eq!(
            words_from_host(&header[..4]).err(),
            Some(ParseError::NotSpirv)
        );
        assert_eq!(words_from_host(&[0; 5]).err(), Some(ParseError::NotSpirv));
        // A bare header is an empty module; garbage after it is refused.
        let mut w = vec![SPIRV_MAGIC, 0x0001_0000, 0, 100, 0];
        assert!(parse(&w).is_ok());
        w.extend([0xffff_ffff; 8]);
        assert!(parse(&w).is_err());
    }
}
