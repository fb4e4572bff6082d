//! A text form of the bytecode, for tests and debugging (`PUMICE_DUMP_SHADERS`).

use std::fmt::Write;

use crate::ir::{Inst, Program};

pub fn disassemble(p: &Program) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "; {} registers, {} constants, scratch {} B/lane, workgroup {} B",
        p.register_count,
        p.constants.len(),
        p.scratch_size,
        p.workgroup_size_bytes
    );
    for (r, v) in &p.constants {
        let _ = writeln!(out, "; r{r} = {v:#x}");
    }
    for (r, offset) in &p.push_constants {
        let _ = writeln!(out, "; r{r} = push constant [{offset}]");
    }
    for (r, b) in &p.builtins {
        let _ = writeln!(out, "; r{r} = {b:?}");
    }
    for (i, s) in p.slots.iter().enumerate() {
        let _ = writeln!(
            out,
            "; slot{i} = set {} binding {} [{}]",
            s.set, s.binding, s.element
        );
    }
    let mut depth = 0usize;
    for (pc, inst) in p.code.iter().enumerate() {
        if matches!(
            inst,
            Inst::Else { .. }
                | Inst::EndIf
                | Inst::LoopEnd { .. }
                | Inst::LoopEndCounted { .. }
                | Inst::SwitchEnd
                | Inst::CallEnd
                | Inst::Continuing
                | Inst::Case { .. }
        ) {
            depth = depth.saturating_sub(1);
        }
        let text = match inst {
            // A hot float form: the general form's text with the variant's name as the
            // operation (`r5 =masked(r6) FAddMaskedV r1, r2`).
            Inst::FAddV { .. }
            | Inst::FSubV { .. }
            | Inst::FMulV { .. }
            | Inst::FMulAddV { .. }
            | Inst::FMulSubV { .. }
            | Inst::MulAddMulV { .. }
            | Inst::MulSubMulV { .. }
            | Inst::MulMulAddV { .. }
            | Inst::MulMulSubV { .. }
            | Inst::FAddMaskedV { .. }
            | Inst::FSubMaskedV { .. }
            | Inst::FMulMaskedV { .. }
            | Inst::FMulAddMaskedV { .. }
            | Inst::FMulSubMaskedV { .. }
            | Inst::MulAddMulMaskedV { .. }
            | Inst::MulSubMulMaskedV { .. }
            | Inst::MulMulAddMaskedV { .. }
            | Inst::MulMulSubMaskedV { .. }
            | Inst::MulSubMulAddMulMulAddV { .. } => hot_form(inst),
            Inst::Un { op, dst, a } => format!("r{dst} = {op:?} r{a}"),
            Inst::Bin { op, dst, a, b } => format!("r{dst} = {op:?} r{a}, r{b}"),
            Inst::Tern { op, dst, a, b, c } => format!("r{dst} = {op:?} r{a}, r{b}, r{c}"),
            // `varying`: statically never uniform (`opt::mark_varying`).
            Inst::UnV { op, dst, a } => format!("r{dst} = varying {op:?} r{a}"),
            Inst::BinV { op, dst, a, b } => format!("r{dst} = varying {op:?} r{a}, r{b}"),
            Inst::TernV { op, dst, a, b, c } => {
                format!("r{dst} = varying {op:?} r{a}, r{b}, r{c}")
            }
            Inst::BinMaskedV { op, dst, tmp, a, b } => {
                format!("r{dst} =masked(r{tmp}) varying {op:?} r{a}, r{b}")
            }
            Inst::TernMaskedV {
                op,
                dst,
                tmp,
                a,
                b,
                c,
            } => format!("r{dst} =masked(r{tmp}) varying {op:?} r{a}, r{b}, r{c}"),
            Inst::QuadV {
                op,
                dst,
                a,
                b,
                c,
                d,
            } => format!("r{dst} = varying {op:?} r{a}, r{b}, r{c}, r{d}"),
            Inst::QuadMaskedV {
                op,
                dst,
                tmp,
                a,
                b,
                c,
                d,
            } => format!("r{dst} =masked(r{tmp}) varying {op:?} r{a}, r{b}, r{c}, r{d}"),
            Inst::QuadPairV { .. } => pair(inst, "QuadPairV"),
            Inst::UnMasked { op, dst, tmp, a } => format!("r{dst} =masked(r{tmp}) {op:?} r{a}"),
            Inst::BinMasked { op, dst, tmp, a, b } => {
                format!("r{dst} =masked(r{tmp}) {op:?} r{a}, r{b}")
            }
            Inst::TernMasked {
                op,
                dst,
                tmp,
                a,
                b,
                c,
            } => format!("r{dst} =masked(r{tmp}) {op:?} r{a}, r{b}, r{c}"),
            Inst::BreakIfBin {
                op,
                tmp,
                a,
                b,
                negate,
            } => format!(
                "BreakIf{} (r{tmp} = {op:?} r{a}, r{b})",
                if *negate { "Not" } else { "" }
            ),
            Inst::LoopEndCounted {
                op,
                negate,
                counter,
                step,
                a,
                b,
                tmp,
                body_pc,
            } => format!(
                "LoopEnd {{ body_pc: {body_pc} }} after r{counter} += r{step}, \
                 then BreakIf{} (r{tmp} = {op:?} r{a}, r{b})",
                if *negate { "Not" } else { "" }
            ),
            Inst::Wide { op, hi, dst, a, b } => format!(
                "r{dst} = {op:?}.{} r{}:r{}, r{}:r{}",
                if *hi { "hi" } else { "lo" },
                a[0],
                a[1],
                b[0],
                b[1]
            ),
            Inst::ImageArg { index, src } => format!("image.arg{index} = r{src}"),
            Inst::Image { op, dst, count } => match p.image_ops.get(*op as usize) {
                Some(o) => format!(
                    "r{dst}..r{} = image slot{} {:?} {:?}{} coords {:?} layer {:?}",
                    dst + u32::from(*count),
                    o.image,
                    o.shape,
                    o.kind,
                    if o.arrayed { " array" } else { "" },
                    o.coords,
                    o.array_index
                ),
                None => format!("{inst:?}"),
            },
            other => format!("{other:?}"),
        };
        let _ = writeln!(out, "{pc:5}  {}{text}", "  ".repeat(depth));
        if matches!(
            inst,
            Inst::If { .. }
                | Inst::Else { .. }
                | Inst::LoopBegin { .. }
                | Inst::SwitchBegin
                | Inst::CallBegin
                | Inst::Continuing
                | Inst::Case { .. }
        ) {
            depth += 1;
        }
        if matches!(inst, Inst::SwitchEnd) {
            depth = depth.saturating_sub(0);
        }
    }
    out
}

/// The text of a hot float form ([`Inst::general`]): `r5 = FAddV r1, r2`,
/// `r5 =masked(r6) FAddMaskedV r1, r2`.
fn hot_form(inst: &Inst) -> String {
    let name = format!("{inst:?}");
    let name = name.split(' ').next().unwrap_or_default();
    let operands = |r: &[crate::ir::Reg]| {
        r.iter()
            .map(|r| format!("r{r}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match inst.general() {
        Some(Inst::BinV { dst, a, b, .. }) => format!("r{dst} = {name} {}", operands(&[a, b])),
        Some(Inst::TernV { dst, a, b, c, .. }) => {
            format!("r{dst} = {name} {}", operands(&[a, b, c]))
        }
        Some(Inst::QuadV {
            dst, a, b, c, d, ..
        }) => {
            format!("r{dst} = {name} {}", operands(&[a, b, c, d]))
        }
        Some(Inst::BinMaskedV { dst, tmp, a, b, .. }) => {
            format!("r{dst} =masked(r{tmp}) {name} {}", operands(&[a, b]))
        }
        Some(Inst::TernMaskedV {
            dst, tmp, a, b, c, ..
        }) => format!("r{dst} =masked(r{tmp}) {name} {}", operands(&[a, b, c])),
        Some(Inst::QuadMaskedV {
            dst,
            tmp,
            a,
            b,
            c,
            d,
            ..
        }) => format!("r{dst} =masked(r{tmp}) {name} {}", operands(&[a, b, c, d])),
        Some(general @ Inst::QuadPairV { .. }) => pair(&general, name),
        _ => format!("{inst:?}"),
    }
}

/// The text of an [`Inst::QuadPairV`], named `name`: `r24 =masked, r25 =masked QuadPairV
/// MulSubMul(r24, r24, r25, r25) + r46, MulMulAdd(r49, r24, r25, r53)`.
fn pair(inst: &Inst, name: &str) -> String {
    let Inst::QuadPairV {
        op,
        second_op,
        masked,
        first,
        second,
        a,
        b,
    } = inst
    else {
        return format!("{inst:?}");
    };
    let eq = |bit: u8| if masked & bit != 0 { "=masked" } else { "=" };
    let list = |r: &[u16]| {
        r.iter()
            .map(|r| format!("r{r}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "r{first} {}, r{second} {} {name} {op:?}({}) + r{}, {second_op:?}({})",
        eq(1),
        eq(2),
        list(&a[..4]),
        a[4],
        list(b)
    )
}
