//! The bytecode: a flat list of instructions over lane registers.
//!
//! Every value is scalarised: a `vec4` is four registers, a struct its members' registers in
//! order. Every register holds one 32-bit word per lane ([`W`] lanes, SoA); a 64-bit scalar is
//! two registers, low word first, operated on by [`Inst::Wide`]. An instruction is
//! one `match` dispatch followed by a loop over the lanes that the compiler vectorises, so the
//! dispatch cost is paid once per W lanes.
//!
//! Control flow is structured (naga guarantees it) and encoded with explicit begin/end
//! instructions that keep an execution-mask stack: arithmetic runs on every lane, and only
//! stores, atomics and masked moves look at the mask. A branch no lane takes is jumped over.
//!
//! Why W = 16: the register file of a typical compute shader (100–400 registers) stays in
//! 6–25 KiB, inside L1, while each instruction still does 16 lanes of work (4 AVX or 2 AVX-512
//! vectors); 32 lanes halves dispatch cost again but spills typical shaders out of L1.

/// Lanes per batch.
pub const W: usize = 64;

/// A register index.
pub type Reg = u32;

/// One-operand operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Un {
    Mov,
    FNeg,
    FAbs,
    FSign,
    FFloor,
    FCeil,
    FRoundEven,
    FTrunc,
    FFract,
    FSqrt,
    FInvSqrt,
    FSin,
    FCos,
    FTan,
    FAsin,
    FAcos,
    FAtan,
    FSinh,
    FCosh,
    FTanh,
    FAsinh,
    FAcosh,
    FAtanh,
    FExp,
    FExp2,
    FLog,
    FLog2,
    FRadians,
    FDegrees,
    FQuantize16,
    /// frexp's significand: `x = m · 2^e` with `0.5 <= |m| < 1`; ±0, infinities and NaN
    /// give `x` back.
    FFrexpMant,
    /// frexp's exponent `e` (a signed integer); 0 for ±0, infinities and NaN.
    FFrexpExp,
    INeg,
    IAbs,
    ISign,
    Not,
    LNot,
    CountOnes,
    ReverseBits,
    CountLeadingZeros,
    CountTrailingZeros,
    /// GLSL findMSB on unsigned values (-1 for 0).
    FindMsbU,
    /// GLSL findMSB on signed values (-1 for 0 and -1).
    FindMsbS,
    /// GLSL findLSB (-1 for 0).
    FindLsb,
    FToS,
    FToU,
    SToF,
    UToF,
    /// Bool (0/1) to float 0.0/1.0.
    BoolToF,
    /// Any non-zero to 1.
    ToBool,
    /// Float non-zero (and not NaN-equal-zero) to bool.
    FToBool,
    PackHalf2x16Lo,
    UnpackHalfLo,
    UnpackHalfHi,
}

/// Two-operand operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bin {
    FAdd,
    FSub,
    FMul,
    FDiv,
    /// naga's float modulo: `a - b * trunc(a / b)`.
    FRem,
    /// GLSL mod: `a - b * floor(a / b)`.
    FMod,
    FMin,
    FMax,
    FPow,
    FAtan2,
    FStep,
    FLdexp,
    FEq,
    FNe,
    FLt,
    FLe,
    FGt,
    FGe,
    IAdd,
    ISub,
    IMul,
    UDiv,
    SDiv,
    URem,
    SRem,
    And,
    Or,
    Xor,
    Shl,
    ShrU,
    ShrS,
    UMin,
    UMax,
    SMin,
    SMax,
    IEq,
    INe,
    ULt,
    ULe,
    UGt,
    UGe,
    SLt,
    SLe,
    SGt,
    SGe,
    /// Packs the low halves: `lo | hi << 16` (for packHalf2x16 and friends).
    Pack16,
}

/// Four-operand float operations: two of the instructions above in one dispatch
/// (`opt::fuse_products`). Every product and sum is rounded as in the two instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quad {
    /// `a * b + c * d` (an `FMul` and an `FMulAdd` reading it as `c`).
    MulAddMul,
    /// `a * b - c * d` (an `FMul` and an `FMulSub` reading it as `c`).
    MulSubMul,
    /// `a * b * c + d` (an `FMul` and an `FMulAdd` reading it as a factor).
    MulMulAdd,
    /// `a * b * c - d` (an `FMul` and an `FMulSub` reading it as a factor).
    MulMulSub,
}

/// Three-operand operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tern {
    FFma,
    /// `a * b + c` with the product rounded first (two IEEE operations, not a fused one).
    FMulAdd,
    /// `a * b - c` with the product rounded first (an `FMul` and an `FSub`, fused into one
    /// dispatch by `opt::fuse_multiply_add`).
    FMulSub,
    FMix,
    FClamp,
    FSmoothStep,
    UClamp,
    SClamp,
    /// `a != 0 ? b : c`.
    Select,
    ExtractBitsU,
    ExtractBitsS,
}

/// 64-bit operations ([`Inst::Wide`]). A 64-bit operand is a register pair, low word first;
/// an operand marked 32-bit here reads only the pair's first register (the lowering names the
/// one register twice). Results marked 32-bit (comparisons, conversions to 32-bit types) are
/// in the low word; the lowering never asks for their high word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wide {
    // Doubles (IEEE binary64: +, -, *, / and sqrt are correctly rounded).
    FAdd,
    FSub,
    FMul,
    FDiv,
    /// `a - b * trunc(a / b)`.
    FRem,
    /// GLSL mod: `a - b * floor(a / b)`.
    FMod,
    FMin,
    FMax,
    /// `b < a ? 0.0 : 1.0` (GLSL step(edge = a, x = b)).
    FStep,
    /// `a · 2^b`, b a 32-bit signed integer.
    FLdexp,
    /// Comparisons: a 32-bit bool.
    FEq,
    FNe,
    FLt,
    FLe,
    FGt,
    FGe,
    FNeg,
    FAbs,
    FSign,
    FFloor,
    FCeil,
    FRoundEven,
    FTrunc,
    FFract,
    FSqrt,
    FInvSqrt,
    /// frexp's significand (see [`Un::FFrexpMant`]).
    FFrexpMant,
    /// frexp's exponent: a 32-bit signed integer.
    FFrexpExp,
    // 64-bit integers (wrapping; division by zero gives 0).
    IAdd,
    ISub,
    IMul,
    UDiv,
    SDiv,
    URem,
    SRem,
    /// Shifts by `b`'s low word, modulo 64.
    Shl,
    ShrU,
    ShrS,
    UMin,
    UMax,
    SMin,
    SMax,
    /// Comparisons: a 32-bit bool.
    IEq,
    INe,
    ULt,
    ULe,
    UGt,
    UGe,
    SLt,
    SLe,
    SGt,
    SGe,
    INeg,
    IAbs,
    ISign,
    // Conversions. `F` is f64, `S`/`U` i64/u64; a `32` names the 32-bit side.
    FToS,
    FToU,
    SToF,
    UToF,
    /// f64 → f32 (32-bit result), rounded to nearest even.
    FToF32,
    /// f32 (32-bit operand) → f64, exact.
    F32ToF,
    FToS32,
    FToU32,
    S32ToF,
    U32ToF,
    /// i64 → f32 (32-bit result).
    SToF32,
    UToF32,
    /// f32 (32-bit operand) → i64 / u64.
    F32ToS,
    F32ToU,
}

impl Wide {
    /// How many operands the operation reads (1 or 2).
    pub fn arity(self) -> usize {
        use Wide::*;
        match self {
            FNeg | FAbs | FSign | FFloor | FCeil | FRoundEven | FTrunc | FFract | FSqrt
            | FInvSqrt | FFrexpMant | FFrexpExp | INeg | IAbs | ISign | FToS | FToU | SToF
            | UToF | FToF32 | F32ToF | FToS32 | FToU32 | S32ToF | U32ToF | SToF32 | UToF32
            | F32ToS | F32ToU => 1,
            _ => 2,
        }
    }
}

/// Where a load, store or atomic goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    /// A buffer resource: an index into the program's resource slots.
    Buffer(u16),
    /// [`Space::Buffer`], where the address register is known to hold consecutive words
    /// across the batch's lanes (`opt::mark_word_runs`): a whole-batch access need not check.
    BufferRun(u16),
    PushConstant,
    /// The workgroup's shared memory.
    Workgroup,
    /// [`Space::Workgroup`], where the address register is known to hold consecutive words
    /// across each row of `n` lanes (`n` divides [`W`]; a row is a run of invocations with one
    /// `gl_LocalInvocationID.y` and `.z`: `tile[y][x]`), for the rows whose lanes are all
    /// active (`opt::mark_word_runs`): the row is one copy, with no check of the lanes.
    WorkgroupRows(u8),
    /// [`Space::Workgroup`], where the address register is known to hold one word across each
    /// row of `n` lanes (as [`Space::WorkgroupRows`]: `tile[y][k]` with `k` uniform): the row is
    /// one word splatted.
    WorkgroupSplat(u8),
    /// Per-lane memory for variables indexed dynamically.
    Scratch,
    /// A 64-bit device address (`bufferDeviceAddress`), looked up in the dispatch's table of
    /// live allocations. The access's [`Addr`] is then two registers: `dynamic` (always
    /// `Some`) holds the address's low word and `offset` the *register* of its high word
    /// (a separate field would make [`Inst`] larger than half a cache line).
    Device,
}

/// A byte address: a per-lane register (if any) plus a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Addr {
    pub dynamic: Option<Reg>,
    pub offset: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    Add,
    Sub,
    And,
    Or,
    Xor,
    SMin,
    SMax,
    UMin,
    UMax,
    Exchange,
    CompareExchange,
    Load,
}

/// The operation of a subgroup reduction or scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupOp {
    FAdd,
    FMul,
    FMin,
    FMax,
    IAdd,
    IMul,
    SMin,
    SMax,
    UMin,
    UMax,
    And,
    Or,
    Xor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scan {
    Reduce,
    Inclusive,
    Exclusive,
    /// A reduction over each cluster of this many lanes (a power of two up to W): lanes
    /// `[k·n, (k+1)·n)` (`OpGroupNonUniform*` with `ClusteredReduce`).
    Clustered(u8),
}

/// Where a subgroup gather reads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gather {
    /// The lane `index` (uniform) names.
    Broadcast,
    /// The lowest active lane.
    BroadcastFirst,
    /// Lane `index` (per lane).
    Shuffle,
    ShuffleXor,
    ShuffleUp,
    ShuffleDown,
    /// Lane `index` of the lane's quad.
    QuadBroadcast,
    QuadSwapX,
    QuadSwapY,
    QuadSwapDiagonal,
}

/// Compute built-in values, written into registers when a batch starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    GlobalInvocationId(u8),
    LocalInvocationId(u8),
    LocalInvocationIndex,
    WorkgroupId(u8),
    NumWorkgroups(u8),
    WorkgroupSize(u8),
    SubgroupSize,
    SubgroupInvocationId,
    SubgroupId,
    NumSubgroups,
}

/// One bytecode instruction. `repr(u8)`: the variant is a plain tag byte, so the
/// interpreter's dispatch is one byte load and one indirect jump (a niche-encoded tag took
/// three more instructions per dispatch to decode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Inst {
    Un {
        op: Un,
        dst: Reg,
        a: Reg,
    },
    Bin {
        op: Bin,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Tern {
        op: Tern,
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
    },
    /// A 64-bit operation on register pairs (`[low, high]`); computes word `hi as usize` of
    /// the result into `dst`. A 64-bit result takes two of these, one per word: every
    /// instruction still writes exactly one register, so the passes need no notion of pairs.
    Wide {
        op: Wide,
        hi: bool,
        dst: Reg,
        a: [Reg; 2],
        b: [Reg; 2],
    },
    InsertBits {
        dst: Reg,
        base: Reg,
        insert: Reg,
        offset: Reg,
        count: Reg,
    },
    /// `dst = src` on active lanes only (a store to a variable kept in registers).
    MovMasked {
        dst: Reg,
        src: Reg,
    },
    /// `tmp = op a` then `MovMasked { dst, src: tmp }` in one dispatch, where nothing else
    /// reads `tmp` (made by the last pass, `opt::fuse_masked_moves`: a variable set to a fresh
    /// value). With every lane active the result goes straight into `dst` and `tmp` is left
    /// stale; otherwise it goes through `tmp` as the two instructions did.
    UnMasked {
        op: Un,
        dst: Reg,
        tmp: Reg,
        a: Reg,
    },
    /// `tmp = op a, b` then `MovMasked { dst, src: tmp }` (see [`Inst::UnMasked`]).
    BinMasked {
        op: Bin,
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
    },
    /// `tmp = op a, b, c` then `MovMasked { dst, src: tmp }` (see [`Inst::UnMasked`]).
    TernMasked {
        op: Tern,
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
    },
    /// [`Inst::Un`] writing a register whose uniform flag stays false for the whole run (made
    /// by the last pass, `opt::mark_varying`): the interpreter neither checks the operands'
    /// flags nor writes `dst`'s.
    UnV {
        op: Un,
        dst: Reg,
        a: Reg,
    },
    /// [`Inst::Bin`], statically varying (see [`Inst::UnV`]).
    BinV {
        op: Bin,
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// [`Inst::Tern`], statically varying (see [`Inst::BinV`]).
    TernV {
        op: Tern,
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
    },
    /// [`Inst::BinMasked`], statically varying (see [`Inst::BinV`]; `tmp` is never uniform
    /// either).
    BinMaskedV {
        op: Bin,
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
    },
    /// [`Inst::TernMasked`], statically varying (see [`Inst::BinMaskedV`]).
    TernMaskedV {
        op: Tern,
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
    },
    /// A statically varying product and the `TernV` reading it, in one dispatch (made after
    /// `opt::mark_varying` by `opt::fuse_products`).
    QuadV {
        op: Quad,
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// [`Inst::QuadV`] from a `TernMaskedV` (see [`Inst::TernMasked`]).
    QuadMaskedV {
        op: Quad,
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    // The hot float forms: [`Inst::BinV`], [`Inst::TernV`], [`Inst::QuadV`] and their masked
    // forms with the operation in the tag, so that one jump on the tag reaches the lane loop
    // (a second jump on `op` cost ~5 instructions per dispatch). Made by the last pass,
    // `opt::specialize_float_ops`; the passes before see only the general forms, and
    // [`Inst::general`] gives each one's general form back.
    /// `a + b` ([`Inst::BinV`] `FAdd`).
    FAddV {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// `a - b` ([`Inst::BinV`] `FSub`).
    FSubV {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// `a * b` ([`Inst::BinV`] `FMul`).
    FMulV {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// `a * b + c` ([`Inst::TernV`] `FMulAdd`).
    FMulAddV {
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
    },
    /// `a * b - c` ([`Inst::TernV`] `FMulSub`).
    FMulSubV {
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
    },
    /// [`Quad::MulAddMul`] ([`Inst::QuadV`]).
    MulAddMulV {
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// [`Quad::MulSubMul`] ([`Inst::QuadV`]).
    MulSubMulV {
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// [`Quad::MulMulAdd`] ([`Inst::QuadV`]).
    MulMulAddV {
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// [`Quad::MulMulSub`] ([`Inst::QuadV`]).
    MulMulSubV {
        dst: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// [`Inst::FAddV`] as a variable update ([`Inst::BinMaskedV`] `FAdd`).
    FAddMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
    },
    /// [`Inst::FSubV`] as a variable update ([`Inst::BinMaskedV`] `FSub`).
    FSubMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
    },
    /// [`Inst::FMulV`] as a variable update ([`Inst::BinMaskedV`] `FMul`).
    FMulMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
    },
    /// [`Inst::FMulAddV`] as a variable update ([`Inst::TernMaskedV`] `FMulAdd`).
    FMulAddMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
    },
    /// [`Inst::FMulSubV`] as a variable update ([`Inst::TernMaskedV`] `FMulSub`).
    FMulSubMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
    },
    /// [`Inst::MulAddMulV`] as a variable update ([`Inst::QuadMaskedV`]).
    MulAddMulMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// [`Inst::MulSubMulV`] as a variable update ([`Inst::QuadMaskedV`]).
    MulSubMulMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// [`Inst::MulMulAddV`] as a variable update ([`Inst::QuadMaskedV`]).
    MulMulAddMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// [`Inst::MulMulSubV`] as a variable update ([`Inst::QuadMaskedV`]).
    MulMulSubMaskedV {
        dst: Reg,
        tmp: Reg,
        a: Reg,
        b: Reg,
        c: Reg,
        d: Reg,
    },
    /// Two statically varying results from the same old values in one dispatch
    /// (`opt::pair_quad_updates`): `first = quad(op, a[0..4]) + a[4]` and
    /// `second = quad(second_op, b)`, every source read before either result is written (a
    /// chunk of lanes at a time). Bit 0 of `masked` makes `first` a variable update (written
    /// on the active lanes only), bit 1 `second`; an unmasked result is written on every lane,
    /// as by [`Inst::QuadV`]. Registers as `u16` so that eleven fit the 32 bytes; the pass
    /// makes this only when every one does.
    QuadPairV {
        op: Quad,
        second_op: Quad,
        masked: u8,
        first: u16,
        second: u16,
        a: [u16; 5],
        b: [u16; 4],
    },
    /// [`Inst::QuadPairV`] of `MulSubMul` (plus `a[4]`) and `MulMulAdd`: the complex square
    /// plus a constant, `x * x - y * y + c`, `2 * x * y + d`. The one pair with a hot form
    /// (`opt::pair_quad_updates` makes only pairs that have one): each inlined form grows the
    /// dispatch loop, whose size is a cliff (`interp` module docs).
    MulSubMulAddMulMulAddV {
        masked: u8,
        first: u16,
        second: u16,
        a: [u16; 5],
        b: [u16; 4],
    },
    Load {
        dst: Reg,
        space: Space,
        addr: Addr,
    },
    /// Masked.
    Store {
        src: Reg,
        space: Space,
        addr: Addr,
    },
    /// Masked; `dst` gets the old value.
    Atomic {
        op: AtomicOp,
        dst: Reg,
        space: Space,
        addr: Addr,
        value: Reg,
        compare: Reg,
    },
    /// `(slot size - offset) / stride`, clamped at 0.
    ArrayLength {
        dst: Reg,
        slot: u16,
        offset: u32,
        stride: u32,
    },
    /// Enter an `if`: lanes where `cond` is non-zero run the then-block.
    If {
        cond: Reg,
        else_pc: u32,
    },
    Else {
        end_pc: u32,
    },
    EndIf,
    LoopBegin {
        end_pc: u32,
    },
    /// Start of the continuing block: lanes that continued rejoin.
    Continuing,
    /// Lanes where `cond` is non-zero (zero, with `negate`) break out of the innermost loop
    /// or switch; the others go on.
    BreakIf {
        cond: Reg,
        negate: bool,
    },
    /// `tmp = op a, b` then `BreakIf { cond: tmp, negate }`, where nothing else reads `tmp`
    /// (a loop's exit test; made by `opt::fuse_masked_moves`). On uniform operands the
    /// comparison runs once and `tmp` is not written.
    BreakIfBin {
        op: Bin,
        tmp: Reg,
        a: Reg,
        b: Reg,
        negate: bool,
    },
    /// Back-edge: jump to `body_pc` while lanes remain.
    LoopEnd {
        body_pc: u32,
    },
    /// A counted loop's end in one dispatch (made by the last pass, `opt::fuse_loop_counter`):
    /// `counter += step` on the active lanes (a `BinMasked` `IAdd` whose `tmp` nothing else
    /// reads), then [`Inst::LoopEnd`], then, for the lanes that go round again, the exit test
    /// the body starts with (`BreakIfBin { op, tmp, a, b, negate }`), which `body_pc` is just
    /// past. When the test sends every lane out, the loop ends here instead of running the
    /// body once with no lane active.
    LoopEndCounted {
        op: Bin,
        negate: bool,
        counter: Reg,
        step: Reg,
        a: Reg,
        b: Reg,
        tmp: Reg,
        body_pc: u32,
    },
    Break,
    Continue,
    SwitchBegin,
    /// A case of a switch: lanes where `cond` holds (plus those falling through from the
    /// previous case) run it; `next_pc` is the next `Case` or the `SwitchEnd`.
    Case {
        cond: Reg,
        fallthrough: bool,
        next_pc: u32,
    },
    SwitchEnd,
    /// Subgroup ballot: the active lanes where `cond` is non-zero, as a uvec4 of bits.
    Ballot {
        dst: [Reg; 4],
        cond: Reg,
    },
    /// Subgroup reduction or scan over the active lanes.
    GroupReduce {
        op: GroupOp,
        scan: Scan,
        dst: Reg,
        src: Reg,
    },
    /// Word `hi` of a subgroup reduction or scan of 64-bit values (the register pair `src`,
    /// low word first), like [`Inst::Wide`]: one instruction per result word.
    GroupReduceWide {
        op: GroupOp,
        scan: Scan,
        hi: bool,
        dst: Reg,
        src: [Reg; 2],
    },
    GroupGather {
        mode: Gather,
        dst: Reg,
        src: Reg,
        index: Reg,
    },
    /// A screen-space derivative across the 2×2 quads of a fragment batch (lanes 4q..4q+4 are
    /// the quad's top-left, top-right, bottom-left, bottom-right). Coarse derivatives use the
    /// quad's first row or column for every lane; fine ones the lane's own.
    Derivative {
        axis: Axis,
        fine: bool,
        dst: Reg,
        src: Reg,
    },
    /// An inlined function call begins: its `return`s end here.
    CallBegin,
    Return,
    CallEnd,
    Kill,
    /// `OpDemoteToHelperInvocation`: the active lanes become helpers. They keep running (for
    /// derivatives) but write no memory, and their fragments are discarded at the end.
    Demote,
    /// `OpIsHelperInvocationEXT`: 1 in lanes that are helpers (from the start or demoted).
    IsHelper {
        dst: Reg,
    },
    /// Workgroup execution barrier: a batch suspends here until all of its workgroup arrive.
    Barrier,
    /// Names the register of operand `index` of the next [`Inst::Image`]. Image operations have
    /// more operands than an instruction holds; passing them this way keeps every register an
    /// instruction reads visible to the passes (which may rename it).
    ImageArg {
        index: u8,
        src: Reg,
    },
    /// Image operation `op` of [`Program::image_ops`], writing `count` consecutive fresh
    /// registers from `dst`.
    Image {
        op: u32,
        dst: Reg,
        count: u8,
    },
}

/// The shape of an image as a shader declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageShape {
    D1,
    D2,
    D3,
    Cube,
}

/// How a sample picks its level of detail; the registers are operand indices (see
/// [`Inst::ImageArg`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SampleLevel {
    /// From the coordinates' screen-space derivatives (fragment quads); level 0 elsewhere.
    Auto,
    Zero,
    Exact(u8),
    Bias(u8),
    Gradient {
        x: Vec<u8>,
        y: Vec<u8>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ImageOpKind {
    Sample {
        /// The slot of the sampler (a combined image-sampler's slot is the image's own).
        sampler: u16,
        level: SampleLevel,
        depth_ref: Option<u8>,
        gather: Option<u8>,
        offset: [i32; 3],
    },
    /// `OpImageFetch`/`OpImageRead`: integer coordinates.
    Load {
        level: Option<u8>,
        sample: Option<u8>,
    },
    /// Masked.
    Store {
        value: [u8; 4],
    },
    /// An atomic read-modify-write of a 32-bit integer texel (`r32ui`/`r32i`); the result is
    /// the texel's old value (0 outside the image, where nothing is written). Masked.
    Atomic {
        op: AtomicOp,
        value: u8,
        compare: u8,
    },
    Size {
        level: Option<u8>,
    },
    Levels,
    Layers,
    Samples,
}

/// One image operation: its image's slot, its shape and its operands, as indices of the
/// operands passed by the [`Inst::ImageArg`]s before it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageOp {
    pub kind: ImageOpKind,
    pub image: u16,
    pub shape: ImageShape,
    pub arrayed: bool,
    /// Whether the image is read as depth (the result is one float).
    pub depth: bool,
    pub coords: Vec<u8>,
    pub array_index: Option<u8>,
}

/// A stage input or output, one 32-bit component of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IoSlot {
    /// `layout(location = L)`, component `C` (a vec4 location has components 0..4).
    Location {
        location: u32,
        component: u32,
    },
    /// Vertex output `gl_Position`, fragment input `gl_FragCoord`: component 0..4.
    Position(u8),
    PointSize,
    ClipDistance(u8),
    CullDistance(u8),
    VertexIndex,
    InstanceIndex,
    BaseVertex,
    BaseInstance,
    DrawIndex,
    FrontFacing,
    PointCoord(u8),
    SampleIndex,
    SampleMask,
    PrimitiveIndex,
    ViewIndex,
    FragDepth,
}

/// How a fragment input at a location is interpolated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interp {
    /// Perspective-correct (the default).
    Smooth,
    /// `flat`: the provoking vertex's value.
    Flat,
    /// `noperspective`: linear in screen space.
    NoPerspective,
}

/// Which way a derivative goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    X,
    Y,
}

/// What a resource slot of the program is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    pub set: u32,
    pub binding: u32,
    pub element: u32,
}

/// A compiled program.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub code: Vec<Inst>,
    pub register_count: u32,
    /// Registers that hold constants, set once when a batch starts.
    pub constants: Vec<(Reg, u32)>,
    pub builtins: Vec<(Reg, Builtin)>,
    /// Registers holding the push-constant word at a byte offset, filled when a run starts
    /// (`opt::push_constants_as_registers` took their loads out of the code).
    pub push_constants: Vec<(Reg, u32)>,
    /// Stage inputs (vertex attributes, interpolated varyings, fragment built-ins), set per
    /// lane before a run.
    pub inputs: Vec<(IoSlot, Reg)>,
    /// Stage outputs, read after a run.
    pub outputs: Vec<(IoSlot, Reg)>,
    /// How each location input is interpolated (fragment stage).
    pub interpolation: Vec<(IoSlot, Interp)>,
    pub slots: Vec<Slot>,
    /// Bytes of per-lane scratch memory.
    pub scratch_size: u32,
    /// Bytes of workgroup memory.
    pub workgroup_size_bytes: u32,
    /// The operands of the program's [`Inst::Image`]s.
    pub image_ops: Vec<ImageOp>,
}

impl Inst {
    /// The general form of a hot float form (`FAddV` is `BinV { op: FAdd, .. }`); `None` for
    /// every other instruction. The passes handle a hot form as its general form.
    ///
    /// The passes ask this of every instruction they look at, hot or not (tens of thousands of
    /// times in a cold compile): the common "not hot" answer is one discriminant test here,
    /// the conversion out of line.
    #[inline]
    pub fn general(&self) -> Option<Inst> {
        if self.is_hot() {
            self.general_of_hot()
        } else {
            None
        }
    }

    /// Whether this is one of the hot float forms that [`Inst::general`] converts.
    #[inline]
    pub fn is_hot(&self) -> bool {
        use Inst::*;
        matches!(
            self,
            FAddV { .. }
                | FSubV { .. }
                | FMulV { .. }
                | FMulAddV { .. }
                | FMulSubV { .. }
                | MulAddMulV { .. }
                | MulSubMulV { .. }
                | MulMulAddV { .. }
                | MulMulSubV { .. }
                | FAddMaskedV { .. }
                | FSubMaskedV { .. }
                | FMulMaskedV { .. }
                | FMulAddMaskedV { .. }
                | FMulSubMaskedV { .. }
                | MulAddMulMaskedV { .. }
                | MulSubMulMaskedV { .. }
                | MulMulAddMaskedV { .. }
                | MulMulSubMaskedV { .. }
                | MulSubMulAddMulMulAddV { .. }
        )
    }

    #[inline(never)]
    fn general_of_hot(&self) -> Option<Inst> {
        use Inst::*;
        Some(match *self {
            FAddV { dst, a, b } => bin_v(self::Bin::FAdd, dst, a, b),
            FSubV { dst, a, b } => bin_v(self::Bin::FSub, dst, a, b),
            FMulV { dst, a, b } => bin_v(self::Bin::FMul, dst, a, b),
            FMulAddV { dst, a, b, c } => tern_v(self::Tern::FMulAdd, dst, a, b, c),
            FMulSubV { dst, a, b, c } => tern_v(self::Tern::FMulSub, dst, a, b, c),
            MulAddMulV { dst, a, b, c, d } => quad_v(self::Quad::MulAddMul, dst, a, b, c, d),
            MulSubMulV { dst, a, b, c, d } => quad_v(self::Quad::MulSubMul, dst, a, b, c, d),
            MulMulAddV { dst, a, b, c, d } => quad_v(self::Quad::MulMulAdd, dst, a, b, c, d),
            MulMulSubV { dst, a, b, c, d } => quad_v(self::Quad::MulMulSub, dst, a, b, c, d),
            FAddMaskedV { dst, tmp, a, b } => bin_masked_v(self::Bin::FAdd, dst, tmp, a, b),
            FSubMaskedV { dst, tmp, a, b } => bin_masked_v(self::Bin::FSub, dst, tmp, a, b),
            FMulMaskedV { dst, tmp, a, b } => bin_masked_v(self::Bin::FMul, dst, tmp, a, b),
            FMulAddMaskedV { dst, tmp, a, b, c } => {
                tern_masked_v(self::Tern::FMulAdd, dst, tmp, a, b, c)
            }
            FMulSubMaskedV { dst, tmp, a, b, c } => {
                tern_masked_v(self::Tern::FMulSub, dst, tmp, a, b, c)
            }
            MulAddMulMaskedV {
                dst,
                tmp,
                a,
                b,
                c,
                d,
            } => quad_masked_v(self::Quad::MulAddMul, dst, tmp, [a, b, c, d]),
            MulSubMulMaskedV {
                dst,
                tmp,
                a,
                b,
                c,
                d,
            } => quad_masked_v(self::Quad::MulSubMul, dst, tmp, [a, b, c, d]),
            MulMulAddMaskedV {
                dst,
                tmp,
                a,
                b,
                c,
                d,
            } => quad_masked_v(self::Quad::MulMulAdd, dst, tmp, [a, b, c, d]),
            MulMulSubMaskedV {
                dst,
                tmp,
                a,
                b,
                c,
                d,
            } => quad_masked_v(self::Quad::MulMulSub, dst, tmp, [a, b, c, d]),
            MulSubMulAddMulMulAddV {
                masked,
                first,
                second,
                a,
                b,
            } => QuadPairV {
                op: self::Quad::MulSubMul,
                second_op: self::Quad::MulMulAdd,
                masked,
                first,
                second,
                a,
                b,
            },
            Un { .. }
            | Bin { .. }
            | Tern { .. }
            | Wide { .. }
            | InsertBits { .. }
            | MovMasked { .. }
            | UnMasked { .. }
            | BinMasked { .. }
            | TernMasked { .. }
            | UnV { .. }
            | BinV { .. }
            | TernV { .. }
            | BinMaskedV { .. }
            | TernMaskedV { .. }
            | QuadV { .. }
            | QuadMaskedV { .. }
            | QuadPairV { .. }
            | Load { .. }
            | Store { .. }
            | Atomic { .. }
            | ArrayLength { .. }
            | If { .. }
            | Else { .. }
            | EndIf
            | LoopBegin { .. }
            | Continuing
            | BreakIf { .. }
            | BreakIfBin { .. }
            | LoopEnd { .. }
            | LoopEndCounted { .. }
            | Break
            | Continue
            | SwitchBegin
            | Case { .. }
            | SwitchEnd
            | Ballot { .. }
            | GroupReduce { .. }
            | GroupReduceWide { .. }
            | GroupGather { .. }
            | Derivative { .. }
            | CallBegin
            | Return
            | CallEnd
            | Kill
            | Demote
            | IsHelper { .. }
            | Barrier
            | ImageArg { .. }
            | Image { .. } => return None,
        })
    }

    /// The hot float form of a general one (the inverse of [`Inst::general`]); `None` when the
    /// instruction has none.
    pub fn specialized(&self) -> Option<Inst> {
        use Inst::*;
        Some(match *self {
            BinV { op, dst, a, b } => match op {
                self::Bin::FAdd => FAddV { dst, a, b },
                self::Bin::FSub => FSubV { dst, a, b },
                self::Bin::FMul => FMulV { dst, a, b },
                _ => return None,
            },
            TernV { op, dst, a, b, c } => match op {
                self::Tern::FMulAdd => FMulAddV { dst, a, b, c },
                self::Tern::FMulSub => FMulSubV { dst, a, b, c },
                _ => return None,
            },
            QuadV {
                op,
                dst,
                a,
                b,
                c,
                d,
            } => match op {
                self::Quad::MulAddMul => MulAddMulV { dst, a, b, c, d },
                self::Quad::MulSubMul => MulSubMulV { dst, a, b, c, d },
                self::Quad::MulMulAdd => MulMulAddV { dst, a, b, c, d },
                self::Quad::MulMulSub => MulMulSubV { dst, a, b, c, d },
            },
            BinMaskedV { op, dst, tmp, a, b } => match op {
                self::Bin::FAdd => FAddMaskedV { dst, tmp, a, b },
                self::Bin::FSub => FSubMaskedV { dst, tmp, a, b },
                self::Bin::FMul => FMulMaskedV { dst, tmp, a, b },
                _ => return None,
            },
            TernMaskedV {
                op,
                dst,
                tmp,
                a,
                b,
                c,
            } => match op {
                self::Tern::FMulAdd => FMulAddMaskedV { dst, tmp, a, b, c },
                self::Tern::FMulSub => FMulSubMaskedV { dst, tmp, a, b, c },
                _ => return None,
            },
            QuadMaskedV {
                op,
                dst,
                tmp,
                a,
                b,
                c,
                d,
            } => match op {
                self::Quad::MulAddMul => MulAddMulMaskedV {
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                },
                self::Quad::MulSubMul => MulSubMulMaskedV {
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                },
                self::Quad::MulMulAdd => MulMulAddMaskedV {
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                },
                self::Quad::MulMulSub => MulMulSubMaskedV {
                    dst,
                    tmp,
                    a,
                    b,
                    c,
                    d,
                },
            },
            QuadPairV {
                op: self::Quad::MulSubMul,
                second_op: self::Quad::MulMulAdd,
                masked,
                first,
                second,
                a,
                b,
            } => MulSubMulAddMulMulAddV {
                masked,
                first,
                second,
                a,
                b,
            },
            _ => return None,
        })
    }
}

fn bin_v(op: Bin, dst: Reg, a: Reg, b: Reg) -> Inst {
    Inst::BinV { op, dst, a, b }
}

fn tern_v(op: Tern, dst: Reg, a: Reg, b: Reg, c: Reg) -> Inst {
    Inst::TernV { op, dst, a, b, c }
}

fn quad_v(op: Quad, dst: Reg, a: Reg, b: Reg, c: Reg, d: Reg) -> Inst {
    Inst::QuadV {
        op,
        dst,
        a,
        b,
        c,
        d,
    }
}

fn bin_masked_v(op: Bin, dst: Reg, tmp: Reg, a: Reg, b: Reg) -> Inst {
    Inst::BinMaskedV { op, dst, tmp, a, b }
}

fn tern_masked_v(op: Tern, dst: Reg, tmp: Reg, a: Reg, b: Reg, c: Reg) -> Inst {
    Inst::TernMaskedV {
        op,
        dst,
        tmp,
        a,
        b,
        c,
    }
}

fn quad_masked_v(op: Quad, dst: Reg, tmp: Reg, [a, b, c, d]: [Reg; 4]) -> Inst {
    Inst::QuadMaskedV {
        op,
        dst,
        tmp,
        a,
        b,
        c,
        d,
    }
}

impl Program {
    /// Whether any access goes through a device address ([`Space::Device`]).
    pub fn uses_device_addresses(&self) -> bool {
        self.code.iter().any(|i| {
            matches!(
                i,
                Inst::Load {
                    space: Space::Device,
                    ..
                } | Inst::Store {
                    space: Space::Device,
                    ..
                } | Inst::Atomic {
                    space: Space::Device,
                    ..
                }
            )
        })
    }
}

#[cfg(test)]
mod size {
    /// The instruction stream stays compact: a cache line holds two instructions.
    #[test]
    fn instruction_size() {
        assert!(
            std::mem::size_of::<super::Inst>() <= 32,
            "{}",
            std::mem::size_of::<super::Inst>()
        );
    }
}

// The interpreter copies one instruction per dispatch: keep it to half a cache line.
const _: () = assert!(std::mem::size_of::<Inst>() <= 32);
