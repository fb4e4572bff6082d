//! SPIR-V → SPIR-V legalization: rewrites forms naga's SPIR-V reader refuses into equivalent
//! forms it accepts, before [`crate::parse`] hands the words to naga.
//!
//! Every rewrite must keep the shader's meaning. A rewrite that cannot prove that leaves the
//! module alone, so naga refuses it as before. Malformed input is never "repaired": the walker
//! returns [`None`] and the caller passes the original words on to naga.
//!
//! Rewrites, in order:
//! 0. `specialize`: specialization constants become constants (given values or defaults),
//!    `OpSpecConstantOp` is folded, `LocalSizeId` and a `WorkgroupSize` constant become
//!    `LocalSize`.
//! 1. `strip_extensions`: drop `SPV_KHR_subgroup_uniform_control_flow` (a hint) and its
//!    execution mode, and `SPV_KHR_8bit_storage` (a permission, no instructions of its own).
//! 1a. `lower_vulkan_memory_model`: the Vulkan memory model → GLSL450: availability,
//!     visibility and non-private operands of loads, stores, copies and image accesses go
//!     (memory is coherent and buffer atomics are sequentially consistent).
//! 1a'. `physical_pointers_as_addresses`: `PhysicalStorageBuffer` pointers → `uint64_t`
//!     addresses; loads, stores and atomics through them → calls of helpers named
//!     [`ADDRESS_PREFIX`]`load`/`store`/`atomic_<op>`, which the lowering turns into
//!     accesses by device address.
//! 1b. `unsigned_subgroup_builtins`: subgroup built-ins declared `int` → `uint` variables whose
//!     loads are bitcast back (naga requires `u32`).
//! 2. `lower_terminate_invocation`: `OpTerminateInvocation` → `OpKill`, then drop
//!    `SPV_KHR_terminate_invocation`.
//! 2b. `demote_as_calls`: `OpDemoteToHelperInvocation` and `OpIsHelperInvocationEXT` →
//!     calls of marked helpers the lowering turns into `Inst::Demote` and `Inst::IsHelper`.
//! 3. `lower_elect`: `OpGroupNonUniformElect` → `BroadcastFirst(SubgroupLocalInvocationId) ==
//!    SubgroupLocalInvocationId`.
//! 3b. `lower_dynamic_broadcast`: `OpGroupNonUniformBroadcast` with a non-constant id →
//!     `OpGroupNonUniformShuffle` (naga asks for a constant id).
//! 4. `texel_buffers_as_1d`: texel buffers → 1-D images (fetches get `Lod 0`).
//! 4'. `input_attachments_as_fetches`: input attachments → 2-D images fetched at the
//!     fragment's position.
//! 4''. `storage_ms_as_arrayed`: multisampled storage images → arrayed ones whose layer is
//!     the sample (the interpreter reads an arrayed access to a multisampled view so).
//! 4'''. `image_atomics_as_calls`: atomics on `OpImageTexelPointer`s → calls of helpers named
//!     [`IMAGE_ATOMIC_PREFIX`]`op`, which the lowering turns into image atomics.
//! 4a. `declare_coordinate_types`: `ivec2`/`uvec2` declared for arrayed image coordinates.
//! 4a'. `arrayed_image_size`: size queries of arrayed images → dimensions and a layer-count
//!     marker the lowering reads (naga drops the layer count).
//! 4b. `drop_buffer_non_readable`: `NonReadable` on buffers (`writeonly buffer`) is dropped.
//! 4b'. `buffer_block_arrays`: `Uniform` variables of arrays of `BufferBlock` structs →
//!     `StorageBuffer` (naga would read them as uniform buffers).
//! 4b''. `drop_copy_memory_operands`: hint-only memory operands of `OpCopyMemory` go (naga
//!     reads at most one mask).
//! 4c. `drop_zero_workgroup_initializers`: `OpConstantNull` initializers of workgroup
//!     variables go (workgroup memory starts zeroed).
//! 5. `split_combined_samplers`: combined image-sampler variables (and arrays and function
//!    parameters of them) → an image and a sampler joined by `OpSampledImage` at each load.
//! 5'. `fragment_distances_as_locations`: a fragment shader's clip/cull distance inputs →
//!     inputs at reserved locations (naga has them only as vertex outputs).
//! 6. `split_io_arrays`: array inputs/outputs → one variable per location.
//! 7. `decorate_flat_outputs`: integer vertex outputs get `Flat`.
//! 8. `lower_modf_frexp`: pointer forms of `Modf`/`Frexp` → the struct forms.
//! 8b. `lower_scalar_normalize`: `normalize` of a scalar → `x / abs(x)`.
//! 9. `lower_copy_logical`: `OpCopyLogical` → member-wise extract and construct.
//! 9b. `lower_composite_select`: `OpSelect` of arrays, structs and matrices → member-wise
//!     selects.
//! 10. `lower_extended_arithmetic`: `IAddCarry`, `ISubBorrow`, `U/SMulExtended` → 32-bit
//!     arithmetic.
//! 10b. `lower_integer_dot_product`: `OpSDot`/`OpUDot`/`OpSUDot` (packed 4×8, with or
//!     without saturating accumulation; vectors of 32-bit integers) → 32-bit arithmetic.
//! 11. `lower_all_equal`: `GroupNonUniformAllEqual` → broadcast-first, compare, `All`.
//! 11a. `subgroup_scans_as_calls`: subgroup scans of min, max and bitwise operations, and
//!     clustered reductions → calls of helpers named [`SUBGROUP_PREFIX`]`<scan>_<op>`, which
//!     the lowering turns into subgroup scans.
//! 11b. `lower_mismatched_atomic_minmax`: `OpAtomicSMin`/`SMax`/`UMin`/`UMax` on a pointer of
//!     the other signedness → a compare-exchange loop with explicit comparisons.
//! 11c. `narrow_ldexp_exponent`: `Ldexp` with a 64-bit exponent → the exponent clamped to
//!     ±4096 (the same result for every float width) and made 32-bit.
//! 11d. `fold_pointer_comparisons`: `OpPtrEqual`/`OpPtrNotEqual`/`OpPtrDiff` of pointers
//!     traced to their variables → comparisons (differences) of their indices.
//! 12. `signedness_from_opcode`: operands (and results) whose integer signedness disagrees
//!     with the opcode (`OpSDiv` on `uint`s) are bitcast, since naga goes by the types.
//! 13. `lower_wide_bitcasts`: bitcasts between a 64-bit scalar and a 32-bit 2-vector (and
//!     `PackDouble2x32`/`UnpackDouble2x32`) → 64-bit shifts and conversions.
//! 13b. `narrow_constant_indices`: 64-bit constant access-chain indices → 32-bit ones.
//! 13c. `drop_unused_narrow_constants`: unused 8/16-bit integer constants (left by folded
//!     specialization) and then unused narrow integer types go (naga refuses their literals).
//! 14. `hoist_function_undefs`: `OpUndef` in function bodies → among the globals (naga's
//!     validator refuses its reading of the function-level form).
//! 15. `rematerialize_access_chains`: access chains (and copies of pointers) used outside
//!     their block → recomputed in the using block (naga would spill them into pointer-typed
//!     locals).
//!
//! Then declarations are sorted so each follows what it refers to (skipped when they already
//! are, as in most shaders).
//!
//! Most rewrites find nothing to do in most shaders. Rewrites 1a to 14 therefore run only where
//! a [`Summary`] of the module (opcodes, decorations, built-ins, extended instructions present;
//! one scan, redone after a rewrite ran) says they may find something; under test every
//! skipped rewrite still runs on a copy and must leave it unchanged. For the compute bench's
//! matmul shader this, the sort check and the `WorkgroupSize` shortcut in `specialize` took
//! legalization from 335K to about 120K instructions per compile. A rewrite that says whether
//! it changed the module (`split_io_arrays`, `signedness_from_opcode`) is followed by a rescan
//! only when it did; with `signedness_from_opcode` planning from a table of value types (30K
//! → 24K), `has_result_type` a bit table and the output sized before it is written,
//! legalization of that shader went from about 126K to about 103K instructions.

mod arrayed_image_size;
mod buffer_block_arrays;
mod declare_coordinate_types;
mod decorate_flat_outputs;
mod demote_as_calls;
mod drop_buffer_non_readable;
mod drop_copy_memory_operands;
mod drop_unused_narrow_constants;
mod drop_zero_workgroup_initializers;
mod find_loop_break_in_switch;
mod find_lost_compare_lod;
mod fold_pointer_comparisons;
mod fragment_distances_as_locations;
mod hoist_function_undefs;
mod image_atomics_as_calls;
mod input_attachments_as_fetches;
mod lower_all_equal;
mod lower_composite_select;
mod lower_copy_logical;
mod lower_dynamic_broadcast;
mod lower_elect;
mod lower_extended_arithmetic;
mod lower_integer_dot_product;
mod lower_mismatched_atomic_minmax;
mod lower_modf_frexp;
mod lower_scalar_normalize;
mod lower_terminate_invocation;
mod lower_vulkan_memory_model;
mod lower_wide_bitcasts;
mod narrow_constant_indices;
mod narrow_ldexp_exponent;
mod physical_pointers_as_addresses;
mod rematerialize_access_chains;
mod signedness_from_opcode;
mod specialize;
mod split_combined_samplers;
mod split_io_arrays;
mod storage_ms_as_arrayed;
mod strip_extensions;
mod subgroup_scans_as_calls;
mod texel_buffers_as_1d;
mod unsigned_subgroup_builtins;

pub(crate) use arrayed_image_size::arrayed_image_size;
pub use arrayed_image_size::LAYERS_MARKER;
pub(crate) use buffer_block_arrays::buffer_block_arrays;
pub(crate) use declare_coordinate_types::declare_coordinate_types;
pub(crate) use decorate_flat_outputs::decorate_flat_outputs;
pub(crate) use demote_as_calls::demote_as_calls;
pub use demote_as_calls::{DEMOTE_FUNCTION, IS_HELPER_FUNCTION};
pub(crate) use drop_buffer_non_readable::drop_buffer_non_readable;
pub(crate) use drop_copy_memory_operands::drop_copy_memory_operands;
pub(crate) use drop_unused_narrow_constants::drop_unused_narrow_constants;
pub(crate) use drop_zero_workgroup_initializers::drop_zero_workgroup_initializers;
pub(crate) use find_loop_break_in_switch::has_loop_break_in_switch;
pub(crate) use find_lost_compare_lod::has_lost_compare_lod;
pub(crate) use fold_pointer_comparisons::fold_pointer_comparisons;
pub(crate) use fragment_distances_as_locations::fragment_distances_as_locations;
pub use fragment_distances_as_locations::{CLIP_DISTANCE_LOCATION, CULL_DISTANCE_LOCATION};
pub(crate) use hoist_function_undefs::hoist_function_undefs;
pub(crate) use image_atomics_as_calls::image_atomics_as_calls;
pub use image_atomics_as_calls::IMAGE_ATOMIC_PREFIX;
pub(crate) use input_attachments_as_fetches::input_attachments_as_fetches;
pub(crate) use lower_all_equal::lower_all_equal;
pub(crate) use lower_composite_select::lower_composite_select;
pub(crate) use lower_copy_logical::lower_copy_logical;
pub(crate) use lower_dynamic_broadcast::lower_dynamic_broadcast;
pub(crate) use lower_elect::lower_elect;
pub(crate) use lower_extended_arithmetic::lower_extended_arithmetic;
pub(crate) use lower_integer_dot_product::lower_integer_dot_product;
pub(crate) use lower_mismatched_atomic_minmax::lower_mismatched_atomic_minmax;
pub(crate) use lower_modf_frexp::lower_modf_frexp;
pub(crate) use lower_scalar_normalize::lower_scalar_normalize;
pub(crate) use lower_terminate_invocation::lower_terminate_invocation;
pub(crate) use lower_vulkan_memory_model::lower_vulkan_memory_model;
pub(crate) use lower_wide_bitcasts::lower_wide_bitcasts;
pub(crate) use narrow_constant_indices::narrow_constant_indices;
pub(crate) use narrow_ldexp_exponent::narrow_ldexp_exponent;
pub(crate) use physical_pointers_as_addresses::physical_pointers_as_addresses;
pub use physical_pointers_as_addresses::ADDRESS_PREFIX;
pub(crate) use rematerialize_access_chains::rematerialize_access_chains;
pub(crate) use signedness_from_opcode::signedness_from_opcode;
pub(crate) use specialize::specialize;
pub(crate) use split_combined_samplers::split_combined_samplers;
pub use split_combined_samplers::COMBINED_SAMPLER_BIT;
pub(crate) use split_io_arrays::split_io_arrays;
pub(crate) use storage_ms_as_arrayed::storage_ms_as_arrayed;
pub(crate) use strip_extensions::strip_extensions;
pub(crate) use subgroup_scans_as_calls::subgroup_scans_as_calls;
pub use subgroup_scans_as_calls::SUBGROUP_PREFIX;
pub(crate) use texel_buffers_as_1d::texel_buffers_as_1d;
pub(crate) use unsigned_subgroup_builtins::unsigned_subgroup_builtins;

pub(crate) const MAGIC: u32 = 0x0723_0203;

/// Opcodes used by the rewrites.
pub(crate) mod op {
    pub const SOURCE_CONTINUED: u16 = 2;
    pub const SOURCE: u16 = 3;
    pub const SOURCE_EXTENSION: u16 = 4;
    pub const NAME: u16 = 5;
    pub const MEMBER_NAME: u16 = 6;
    pub const STRING: u16 = 7;
    pub const LINE: u16 = 8;
    pub const EXTENSION: u16 = 10;
    pub const EXT_INST_IMPORT: u16 = 11;
    pub const MEMORY_MODEL: u16 = 14;
    pub const ENTRY_POINT: u16 = 15;
    pub const EXECUTION_MODE: u16 = 16;
    pub const CAPABILITY: u16 = 17;
    pub const UNDEF: u16 = 1;
    pub const EXT_INST: u16 = 12;
    pub const TYPE_VOID: u16 = 19;
    pub const TYPE_BOOL: u16 = 20;
    pub const TYPE_INT: u16 = 21;
    pub const TYPE_FLOAT: u16 = 22;
    pub const TYPE_VECTOR: u16 = 23;
    pub const TYPE_MATRIX: u16 = 24;
    pub const TYPE_ARRAY: u16 = 28;
    pub const TYPE_RUNTIME_ARRAY: u16 = 29;
    pub const TYPE_STRUCT: u16 = 30;
    pub const TYPE_IMAGE: u16 = 25;
    pub const TYPE_SAMPLED_IMAGE: u16 = 27;
    pub const TYPE_POINTER: u16 = 32;
    pub const TYPE_FUNCTION: u16 = 33;
    pub const TYPE_FORWARD_POINTER: u16 = 39;
    pub const CONSTANT_TRUE: u16 = 41;
    pub const CONSTANT: u16 = 43;
    pub const CONSTANT_COMPOSITE: u16 = 44;
    pub const SPEC_CONSTANT_COMPOSITE: u16 = 51;
    pub const SPEC_CONSTANT_OP: u16 = 52;
    pub const FUNCTION: u16 = 54;
    pub const FUNCTION_PARAMETER: u16 = 55;
    pub const FUNCTION_END: u16 = 56;
    pub const FUNCTION_CALL: u16 = 57;
    pub const VARIABLE: u16 = 59;
    pub const LOAD: u16 = 61;
    pub const STORE: u16 = 62;
    pub const ACCESS_CHAIN: u16 = 65;
    pub const IN_BOUNDS_ACCESS_CHAIN: u16 = 66;
    pub const PTR_ACCESS_CHAIN: u16 = 67;
    pub const IN_BOUNDS_PTR_ACCESS_CHAIN: u16 = 70;
    pub const VECTOR_EXTRACT_DYNAMIC: u16 = 77;
    pub const VECTOR_SHUFFLE: u16 = 79;
    pub const COMPOSITE_CONSTRUCT: u16 = 80;
    pub const COMPOSITE_EXTRACT: u16 = 81;
    pub const COMPOSITE_INSERT: u16 = 82;
    pub const COPY_OBJECT: u16 = 83;
    pub const CONVERT_F_TO_U: u16 = 109;
    pub const BITCAST: u16 = 124;
    pub const S_NEGATE: u16 = 126;
    pub const I_ADD: u16 = 128;
    pub const I_SUB: u16 = 130;
    pub const I_MUL: u16 = 132;
    pub const VECTOR_TIMES_SCALAR: u16 = 142;
    pub const I_ADD_CARRY: u16 = 149;
    pub const I_SUB_BORROW: u16 = 150;
    pub const U_MUL_EXTENDED: u16 = 151;
    pub const S_MUL_EXTENDED: u16 = 152;
    pub const ANY: u16 = 154;
    pub const ALL: u16 = 155;
    pub const SELECT: u16 = 169;
    pub const U_LESS_THAN: u16 = 176;
    pub const SHIFT_RIGHT_LOGICAL: u16 = 194;
    pub const BITWISE_AND: u16 = 199;
    pub const BIT_COUNT: u16 = 205;
    pub const PHI: u16 = 245;
    pub const LOOP_MERGE: u16 = 246;
    pub const SELECTION_MERGE: u16 = 247;
    pub const LABEL: u16 = 248;
    pub const SWITCH: u16 = 251;
    pub const RETURN: u16 = 253;
    pub const COPY_LOGICAL: u16 = 400;
    pub const PTR_DIFF: u16 = 403;
    pub const DECORATE: u16 = 71;
    pub const MEMBER_DECORATE: u16 = 72;
    pub const DECORATION_GROUP: u16 = 73;
    pub const GROUP_DECORATE: u16 = 74;
    pub const GROUP_MEMBER_DECORATE: u16 = 75;
    pub const I_EQUAL: u16 = 170;
    pub const KILL: u16 = 252;
    pub const NO_LINE: u16 = 317;
    pub const MODULE_PROCESSED: u16 = 330;
    pub const EXECUTION_MODE_ID: u16 = 331;
    pub const DECORATE_ID: u16 = 332;
    pub const GROUP_NON_UNIFORM_ELECT: u16 = 333;
    pub const GROUP_NON_UNIFORM_ALL: u16 = 334;
    pub const GROUP_NON_UNIFORM_ALL_EQUAL: u16 = 336;
    pub const GROUP_NON_UNIFORM_BROADCAST_FIRST: u16 = 338;
    pub const GROUP_NON_UNIFORM_QUAD_SWAP: u16 = 366;
    pub const TERMINATE_INVOCATION: u16 = 4416;
    pub const DECORATE_STRING: u16 = 5632;
    pub const MEMBER_DECORATE_STRING: u16 = 5633;
}

/// One instruction: its words, the first being `(word_count << 16) | opcode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inst(pub Words);

/// An instruction's words: up to 8 inline (most instructions), more on the heap. Reading a
/// module and copying one (passes rewrite a copy and keep it only when the whole rewrite went
/// through) then costs no allocation per instruction.
pub(crate) type Words = smallvec::SmallVec<[u32; 8]>;

impl Inst {
    pub fn new(opcode: u16, operands: &[u32]) -> Inst {
        let mut w = Words::with_capacity(operands.len() + 1);
        w.push(((operands.len() as u32 + 1) << 16) | u32::from(opcode));
        w.extend_from_slice(operands);
        Inst(w)
    }
    pub fn opcode(&self) -> u16 {
        (self.0[0] & 0xffff) as u16
    }
    /// Operand `i` (0 = the word after the opcode word), if present.
    pub fn operand(&self, i: usize) -> Option<u32> {
        self.0.get(i + 1).copied()
    }
    pub fn operands(&self) -> &[u32] {
        &self.0[1..]
    }
    /// Refreshes the word count after operands were pushed.
    pub fn fix_count(&mut self) {
        let n = self.0.len() as u32;
        self.0[0] = (n << 16) | (self.0[0] & 0xffff);
    }
}

/// A module cut into its header and its instructions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Module {
    pub header: [u32; 5],
    pub insts: Vec<Inst>,
}

impl Module {
    /// Cuts `words` into instructions; [`None`] when the stream is malformed.
    pub fn read(words: &[u32]) -> Option<Module> {
        if words.len() < 5 || words[0] != MAGIC {
            return None;
        }
        let header = [words[0], words[1], words[2], words[3], words[4]];
        // About four words per instruction: one allocation, usually.
        let mut insts = Vec::with_capacity(words.len() / 4 + 8);
        let mut i = 5;
        while i < words.len() {
            let wc = (words[i] >> 16) as usize;
            if wc == 0 || i + wc > words.len() {
                return None;
            }
            insts.push(Inst(Words::from_slice(&words[i..i + wc])));
            i += wc;
        }
        Some(Module { header, insts })
    }

    pub fn write(&self) -> Vec<u32> {
        // Sized first: growing it as it fills was 4.6K instructions of reallocation and
        // copying for the compute bench's matmul shader (of about 12K for the whole write).
        let len = 5 + self.insts.iter().map(|i| i.0.len()).sum::<usize>();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&self.header);
        for inst in &self.insts {
            out.extend_from_slice(&inst.0);
        }
        out
    }

    /// A fresh result id; [`None`] when the id space is exhausted.
    pub fn fresh_id(&mut self) -> Option<u32> {
        let id = self.header[3];
        if id == u32::MAX {
            return None;
        }
        self.header[3] += 1;
        Some(id)
    }

    /// Index of the first `OpFunction`, where new globals go; the end when there is none.
    pub fn globals_end(&self) -> usize {
        self.insts
            .iter()
            .position(|i| i.opcode() == op::FUNCTION)
            .unwrap_or(self.insts.len())
    }

    /// Index of the first instruction with `opcode` whose operands satisfy `pred`.
    pub fn find(&self, opcode: u16, pred: impl Fn(&[u32]) -> bool) -> Option<usize> {
        self.insts
            .iter()
            .position(|i| i.opcode() == opcode && pred(i.operands()))
    }

    /// The definition of type `id` (`OpType*`: the result id is the first operand).
    pub fn type_def(&self, id: u32) -> Option<&Inst> {
        self.insts.iter().find(|i| {
            (op::TYPE_VOID..=op::TYPE_FORWARD_POINTER).contains(&i.opcode())
                && i.operand(0) == Some(id)
        })
    }

    /// The instruction with result type and result `id` (operands 0 and 1), as a global or in
    /// a function body; [`None`] for types and for ids not defined that way.
    pub fn value_def(&self, id: u32) -> Option<&Inst> {
        self.insts.iter().find(|i| {
            !(op::TYPE_VOID..=op::TYPE_FORWARD_POINTER).contains(&i.opcode())
                && has_result_type(i.opcode())
                && i.operand(1) == Some(id)
        })
    }

    /// Finds the type instruction `opcode` with `operands` after its result id, or declares it
    /// at the end of the globals. Only for non-aggregate types, which SPIR-V declares once.
    pub fn intern_type(&mut self, opcode: u16, operands: &[u32]) -> Option<u32> {
        if let Some(i) = self.find(opcode, |o| {
            o.len() == operands.len() + 1 && &o[1..] == operands
        }) {
            return Some(self.insts[i].operands()[0]);
        }
        let id = self.fresh_id()?;
        let mut words = vec![id];
        words.extend_from_slice(operands);
        let at = self.globals_end();
        self.insts.insert(at, Inst::new(opcode, &words));
        Some(id)
    }

    /// A new type (e.g. a struct) declared at the end of the globals.
    pub fn add_type(&mut self, opcode: u16, operands: &[u32]) -> Option<u32> {
        let id = self.fresh_id()?;
        let mut words = vec![id];
        words.extend_from_slice(operands);
        let at = self.globals_end();
        self.insts.insert(at, Inst::new(opcode, &words));
        Some(id)
    }

    /// An `OpConstant` of the 32-bit scalar type `ty` with `value`, found or declared.
    pub fn constant32(&mut self, ty: u32, value: u32) -> Option<u32> {
        if let Some(i) = self.find(op::CONSTANT, |o| o == [ty, o[1], value]) {
            return Some(self.insts[i].operands()[1]);
        }
        let id = self.fresh_id()?;
        let at = self.globals_end();
        self.insts
            .insert(at, Inst::new(op::CONSTANT, &[ty, id, value]));
        Some(id)
    }

    /// A constant of `ty` (a scalar, or a vector of `scalar_ty` with `n` components) with `v`
    /// in every component.
    pub fn splat(&mut self, ty: u32, scalar_ty: u32, n: u32, v: u32) -> Option<u32> {
        let c = self.constant32(scalar_ty, v)?;
        if n == 1 {
            return Some(c);
        }
        let parts = vec![c; n as usize];
        if let Some(i) = self.find(op::CONSTANT_COMPOSITE, |o| {
            o.len() == 2 + parts.len() && o[0] == ty && o[2..] == parts[..]
        }) {
            return Some(self.insts[i].operands()[1]);
        }
        let id = self.fresh_id()?;
        let mut words = vec![ty, id];
        words.extend(parts);
        let at = self.globals_end();
        self.insts
            .insert(at, Inst::new(op::CONSTANT_COMPOSITE, &words));
        Some(id)
    }

    /// Puts the types, constants and global variables in an order where each comes after
    /// what it refers to. Rewrites declare new globals at the end of the section; this moves
    /// them (and nothing else, in a module that was in order) to where they are valid. Left
    /// alone when the module has forward pointers.
    pub fn sort_globals(&mut self) {
        let Some(start) = self
            .insts
            .iter()
            .position(|i| (op::TYPE_VOID..=op::TYPE_FORWARD_POINTER).contains(&i.opcode()))
        else {
            return;
        };
        let end = self.globals_end();
        if start >= end
            || self.insts[start..end]
                .iter()
                .any(|i| i.opcode() == op::TYPE_FORWARD_POINTER)
        {
            return;
        }
        let result = |i: &Inst| {
            if (op::TYPE_VOID..=op::TYPE_FORWARD_POINTER).contains(&i.opcode()) {
                i.operand(0)
            } else if has_result_type(i.opcode()) {
                i.operand(1)
            } else {
                None
            }
        };
        // Already in order (the common case: no rewrite declared a global, or each landed
        // where it is valid): the sort below would keep the order, so it is skipped (it was
        // 5% of a cold compile of a shader that needed no rewrite). In order means every
        // reference is to a later-defined id of the section, by the position the sort uses
        // (the last definition), at or before the referring instruction.
        let bound = self.header[3] as usize;
        let mut position = vec![u32::MAX; bound];
        let mut ids_in_bound = true;
        for (k, i) in self.insts[start..end].iter().enumerate() {
            if let Some(r) = result(i) {
                match position.get_mut(r as usize) {
                    Some(p) => *p = k as u32,
                    None => ids_in_bound = false,
                }
            }
        }
        if ids_in_bound
            && self.insts[start..end].iter().enumerate().all(|(k, i)| {
                global_refs(i).iter().all(|&d| {
                    position
                        .get(d as usize)
                        .is_some_and(|&p| p == u32::MAX || p as usize <= k)
                })
            })
        {
            return;
        }
        let section: Vec<Inst> = self.insts[start..end].to_vec();
        let defined: foldhash::HashMap<u32, usize> = section
            .iter()
            .enumerate()
            .filter_map(|(k, i)| result(i).map(|r| (r, k)))
            .collect();
        // 0: not yet, 1: in progress, 2: emitted.
        let mut state = vec![0u8; section.len()];
        let mut order = Vec::with_capacity(section.len());
        for k in 0..section.len() {
            let mut stack = vec![(k, 0usize)];
            while let Some(&mut (n, ref mut next)) = stack.last_mut() {
                if *next == 0 {
                    if state[n] != 0 {
                        stack.pop();
                        continue;
                    }
                    state[n] = 1;
                }
                let deps = global_refs(&section[n]);
                if let Some(&d) = deps.get(*next) {
                    *next += 1;
                    if let Some(&dk) = defined.get(&d) {
                        if state[dk] == 0 {
                            stack.push((dk, 0));
                        }
                    }
                    continue;
                }
                state[n] = 2;
                order.push(n);
                stack.pop();
            }
        }
        let sorted: Vec<Inst> = order.into_iter().map(|k| section[k].clone()).collect();
        self.insts.splice(start..end, sorted);
    }

    #[cfg(test)]
    pub fn has_extension(&self, name: &str) -> bool {
        self.insts
            .iter()
            .any(|i| i.opcode() == op::EXTENSION && literal_string(i.operands()).0 == name)
    }

    pub fn remove_extension(&mut self, name: &str) {
        self.insts
            .retain(|i| !(i.opcode() == op::EXTENSION && literal_string(i.operands()).0 == name));
    }
}

/// Values by result id: a table indexed by id, for passes that look up every operand word
/// (a hash map was 2% of a cold compile in `rematerialize_access_chains` and most of
/// `signedness_from_opcode`'s 30K instructions on the compute bench's matmul shader). Ids
/// past the table (malformed, or a sparse bound) are kept aside in a list.
pub(crate) struct IdTable<T> {
    dense: Vec<Option<T>>,
    beyond: Vec<(u32, T)>,
}

impl<T: Copy> IdTable<T> {
    /// An empty table sized for `m`: its id bound, but not beyond what its instructions could
    /// define (a malformed bound would otherwise ask for gigabytes).
    pub(crate) fn for_module(m: &Module) -> IdTable<T> {
        let len = (m.header[3] as usize).min(2 * m.insts.len() + 16);
        IdTable {
            dense: vec![None; len],
            beyond: Vec::new(),
        }
    }

    pub(crate) fn insert(&mut self, id: u32, value: T) {
        match self.dense.get_mut(id as usize) {
            Some(slot) => *slot = Some(value),
            None => self.beyond.push((id, value)),
        }
    }

    /// The value of `id` (its last insertion, as a map filled in order would say).
    pub(crate) fn get(&self, id: u32) -> Option<T> {
        match self.dense.get(id as usize) {
            Some(value) => *value,
            None => self
                .beyond
                .iter()
                .rev()
                .find(|&&(v, _)| v == id)
                .map(|&(_, value)| value),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.beyond.is_empty() && self.dense.iter().all(Option::is_none)
    }
}

/// Does an instruction with `opcode` have a result type (operand 0) and result id (operand 1)?
/// Only the opcodes the rewrites look through are listed; others answer `false`.
///
/// A bit table made from [`has_result_type_listed`] at compile time: the chain of range
/// comparisons was about 30 instructions an opcode, and several passes ask for every
/// instruction of the module.
pub(crate) fn has_result_type(opcode: u16) -> bool {
    let o = usize::from(opcode);
    o < RESULT_TYPE_OPCODES.len() * 64 && RESULT_TYPE_OPCODES[o / 64] >> (o % 64) & 1 != 0
}

/// [`has_result_type_listed`] for opcodes below 1024 (the listed ones all are), a bit each.
const RESULT_TYPE_OPCODES: [u64; 16] = {
    let mut t = [0u64; 16];
    let mut o = 0;
    while o < 1024 {
        if has_result_type_listed(o as u16) {
            t[o / 64] |= 1 << (o % 64);
        }
        o += 1;
    }
    t
};

/// The opcodes of [`has_result_type`].
const fn has_result_type_listed(opcode: u16) -> bool {
    matches!(
        opcode,
        op::UNDEF
            | op::EXT_INST
            | op::CONSTANT_TRUE..=op::SPEC_CONSTANT_OP
            | op::FUNCTION
            | op::FUNCTION_PARAMETER
            | op::FUNCTION_CALL
            | op::VARIABLE..=op::LOAD
            | op::ACCESS_CHAIN..=op::PTR_ACCESS_CHAIN
            | op::IN_BOUNDS_PTR_ACCESS_CHAIN
            | op::VECTOR_EXTRACT_DYNAMIC..=op::COPY_OBJECT
            // OpSampledImage .. OpImageRead and OpImage .. OpImageQuerySamples (not OpImageWrite).
            | 86..=98
            | 100..=107
            | op::CONVERT_F_TO_U..=op::BITCAST
            | op::S_NEGATE..=op::VECTOR_TIMES_SCALAR
            | op::I_ADD_CARRY..=op::S_MUL_EXTENDED
            | op::ANY..=op::BIT_COUNT
            | op::PHI
            | op::COPY_LOGICAL..=op::PTR_DIFF
            | op::GROUP_NON_UNIFORM_ELECT..=op::GROUP_NON_UNIFORM_QUAD_SWAP
    )
}

/// The ids a type, constant or global variable refers to (not its own result id); inline
/// for most ([`sort_globals`](Module::sort_globals) asks for every global's).
fn global_refs(i: &Inst) -> Words {
    let o = i.operands();
    let tail = |from: usize| Words::from_slice(o.get(from..).unwrap_or(&[]));
    match i.opcode() {
        op::TYPE_INT | op::TYPE_FLOAT | op::TYPE_BOOL | op::TYPE_VOID => Words::new(),
        op::TYPE_VECTOR
        | op::TYPE_MATRIX
        | op::TYPE_RUNTIME_ARRAY
        | op::TYPE_IMAGE
        | op::TYPE_SAMPLED_IMAGE => o.get(1).copied().into_iter().collect(),
        op::TYPE_ARRAY | op::TYPE_STRUCT | op::TYPE_FUNCTION => tail(1),
        op::TYPE_POINTER => o.get(2).copied().into_iter().collect(),
        op::CONSTANT_TRUE..=op::SPEC_CONSTANT_OP | op::UNDEF => match i.opcode() {
            op::CONSTANT_COMPOSITE | op::SPEC_CONSTANT_COMPOSITE => {
                let mut v: Words = smallvec::smallvec![o.first().copied().unwrap_or(0)];
                v.extend(tail(2));
                v
            }
            op::SPEC_CONSTANT_OP => {
                let mut v: Words = smallvec::smallvec![o.first().copied().unwrap_or(0)];
                v.extend(tail(3));
                v
            }
            _ => o.first().copied().into_iter().collect(),
        },
        op::VARIABLE => {
            let mut v: Words = smallvec::smallvec![o.first().copied().unwrap_or(0)];
            v.extend(tail(3));
            v
        }
        _ if has_result_type(i.opcode()) => {
            let mut v: Words = smallvec::smallvec![o.first().copied().unwrap_or(0)];
            v.extend(tail(2));
            v
        }
        _ => tail(1),
    }
}

/// May `inst` use `id` as an operand? Conservative: literal operands are skipped only for the
/// instructions listed; elsewhere any word equal to `id` counts, so a literal that happens to
/// equal the id makes a rewrite refuse, never miss a use. The instruction's own result id
/// does not count.
pub(crate) fn uses_id(inst: &Inst, id: u32) -> bool {
    let o = inst.operands();
    let opc = inst.opcode();
    let any = |ws: &[u32]| ws.contains(&id);
    match opc {
        op::TYPE_VOID..=op::TYPE_FORWARD_POINTER | op::CONSTANT_TRUE..=op::SPEC_CONSTANT_OP
            if opc != op::SPEC_CONSTANT_OP =>
        {
            // Types and constants refer only to types and constants, never to variables.
            false
        }
        op::SOURCE_CONTINUED
        | op::SOURCE
        | op::SOURCE_EXTENSION
        | op::STRING
        | op::LINE
        | op::NO_LINE
        | op::EXTENSION
        | op::EXT_INST_IMPORT
        | op::MEMORY_MODEL
        | op::CAPABILITY
        | op::MODULE_PROCESSED
        | op::LABEL => false,
        op::NAME
        | op::MEMBER_NAME
        | op::DECORATE
        | op::MEMBER_DECORATE
        | op::DECORATE_STRING
        | op::MEMBER_DECORATE_STRING
        | op::EXECUTION_MODE => o.first() == Some(&id),
        op::ENTRY_POINT => {
            o.get(1) == Some(&id)
                || o.len() > 2 && {
                    let (_, used) = literal_string(&o[2..]);
                    o.get(2 + used..).is_some_and(any)
                }
        }
        op::LOAD => o.get(2) == Some(&id),
        op::STORE => o.get(..2).is_some_and(any),
        op::COMPOSITE_EXTRACT => o.get(2) == Some(&id),
        op::COMPOSITE_INSERT | op::VECTOR_SHUFFLE => o.get(2..4).is_some_and(any),
        op::EXT_INST => o.get(2) == Some(&id) || o.get(4..).is_some_and(any),
        op::LOOP_MERGE => o.get(..2).is_some_and(any),
        op::SELECTION_MERGE => o.first() == Some(&id),
        op::SWITCH => o.get(..2).is_some_and(any) || o.iter().skip(3).step_by(2).any(|&w| w == id),
        _ if has_result_type(opc) => o.get(2..).is_some_and(any) || o.first() == Some(&id),
        _ => any(o),
    }
}

/// Inserts `names` (`OpName`s) where debug instructions go: before the first annotation or
/// declaration of `insts` (the passes that add helper functions name them for naga).
pub(crate) fn insert_debug_names(insts: &mut Vec<Inst>, names: impl IntoIterator<Item = Inst>) {
    let at = insts
        .iter()
        .position(|i| {
            matches!(
                i.opcode(),
                op::DECORATE
                    | op::MEMBER_DECORATE
                    | op::DECORATION_GROUP
                    | op::GROUP_DECORATE
                    | op::GROUP_MEMBER_DECORATE
                    | op::DECORATE_ID
                    | op::DECORATE_STRING
                    | op::MEMBER_DECORATE_STRING
                    | op::VARIABLE
                    | op::FUNCTION
                    | op::UNDEF
            ) || (op::TYPE_VOID..=op::TYPE_FORWARD_POINTER).contains(&i.opcode())
                || (op::CONSTANT_TRUE..=op::SPEC_CONSTANT_OP).contains(&i.opcode())
        })
        .unwrap_or(insts.len());
    insts.splice(at..at, names);
}

/// Decodes a literal string at the start of `words`; returns it and how many words it used.
/// A string without its terminating NUL takes all the words and decodes to what is there.
pub(crate) fn literal_string(words: &[u32]) -> (String, usize) {
    let mut bytes = Vec::new();
    for (n, w) in words.iter().enumerate() {
        for b in w.to_le_bytes() {
            if b == 0 {
                return (String::from_utf8_lossy(&bytes).into_owned(), n + 1);
            }
            bytes.push(b);
        }
    }
    (String::from_utf8_lossy(&bytes).into_owned(), words.len())
}

/// What a module contains, coarsely: the opcodes, decorations, built-ins and `GLSL.std.450`
/// instruction numbers present (each set a superset: values are folded into a few words of
/// bits), and a few facts single rewrites start from. Most rewrites find nothing to do in most
/// shaders, and each finding it by a scan of the whole module was 3K instructions; with the
/// summary, one scan answers for all of them ([`legalize_module`] rescans after a rewrite ran).
#[derive(Default)]
pub(crate) struct Summary {
    /// Opcodes, by `opcode % 1024`.
    opcodes: [u64; 16],
    /// Decorations of `OpDecorate` and `OpMemberDecorate`, by `decoration % 128`.
    decorations: [u64; 2],
    /// Built-ins of `OpDecorate … BuiltIn`, by `built_in % 128`.
    built_ins: [u64; 2],
    /// Extended instruction numbers of `OpExtInst` (of any set), by `number % 128`.
    ext_insts: [u64; 2],
    /// Widths of the integer types, a bit per width in 8, 16, 32, 64 (others: bit 4).
    int_widths: u8,
    /// `OpMemoryModel … Vulkan`.
    vulkan_memory_model: bool,
    /// A pointer type in `PhysicalStorageBuffer`.
    physical_pointers: bool,
    /// A fragment entry point.
    fragment: bool,
    /// A variable in `Output`.
    outputs: bool,
}

fn set_bit(bits: &mut [u64], value: u32) {
    let n = bits.len() as u32 * 64;
    let v = value % n;
    bits[(v / 64) as usize] |= 1 << (v % 64);
}

fn has_bit(bits: &[u64], value: u32) -> bool {
    let n = bits.len() as u32 * 64;
    let v = value % n;
    bits[(v / 64) as usize] & (1 << (v % 64)) != 0
}

impl Summary {
    pub fn of(m: &Module) -> Summary {
        const DECORATION_BUILT_IN: u32 = 11;
        const MEMORY_MODEL_VULKAN: u32 = 3;
        const STORAGE_OUTPUT: u32 = 3;
        const STORAGE_PHYSICAL: u32 = 5349;
        const EXECUTION_MODEL_FRAGMENT: u32 = 4;
        let mut s = Summary::default();
        for i in &m.insts {
            let w = &i.0[..];
            let opcode = i.opcode();
            set_bit(&mut s.opcodes, u32::from(opcode));
            match (opcode, w) {
                (op::DECORATE, &[_, _, d, ref rest @ ..]) => {
                    set_bit(&mut s.decorations, d);
                    if let (DECORATION_BUILT_IN, &[b, ..]) = (d, rest) {
                        set_bit(&mut s.built_ins, b);
                    }
                }
                (op::MEMBER_DECORATE, &[_, _, _, d, ..]) => set_bit(&mut s.decorations, d),
                (op::EXT_INST, &[_, _, _, _, number, ..]) => set_bit(&mut s.ext_insts, number),
                (op::TYPE_INT, &[_, _, width, ..]) => {
                    s.int_widths |= match width {
                        8 => 1,
                        16 => 2,
                        32 => 4,
                        64 => 8,
                        _ => 16,
                    }
                }
                (op::MEMORY_MODEL, &[_, _, model, ..]) => {
                    s.vulkan_memory_model |= model == MEMORY_MODEL_VULKAN
                }
                (op::TYPE_POINTER | op::TYPE_FORWARD_POINTER, &[_, _, class, ..]) => {
                    s.physical_pointers |= class == STORAGE_PHYSICAL
                }
                (op::ENTRY_POINT, &[_, model, ..]) => {
                    s.fragment |= model == EXECUTION_MODEL_FRAGMENT
                }
                (op::VARIABLE, &[_, _, _, class, ..]) => s.outputs |= class == STORAGE_OUTPUT,
                _ => {}
            }
        }
        s
    }

    /// May an instruction with one of `opcodes` be present?
    pub fn any_opcode(&self, opcodes: &[u16]) -> bool {
        opcodes
            .iter()
            .any(|&o| has_bit(&self.opcodes, u32::from(o)))
    }

    pub fn any_decoration(&self, decoration: u32) -> bool {
        has_bit(&self.decorations, decoration)
    }

    pub fn any_built_in(&self, built_ins: &[u32]) -> bool {
        built_ins.iter().any(|&b| has_bit(&self.built_ins, b))
    }

    pub fn any_ext_inst(&self, numbers: &[u32]) -> bool {
        numbers.iter().any(|&n| has_bit(&self.ext_insts, n))
    }
}

/// Runs every rewrite over `words`. Returns [`None`] when the words are not a well-formed
/// instruction stream (the caller then hands the original words to naga, which refuses them),
/// and the rewritten words otherwise (identical to the input when nothing applied).
pub fn legalize(words: &[u32]) -> Option<Vec<u32>> {
    legalize_specialized(words, &[])
}

/// [`legalize`] after applying `specialization`, pairs of (`SpecId`, value): see
/// [`crate::front::parse_specialized`].
pub fn legalize_specialized(words: &[u32], specialization: &[(u32, u64)]) -> Option<Vec<u32>> {
    legalize_module(words, specialization).map(|m| m.write())
}

/// [`legalize_specialized`], the result not yet written out as words.
pub(crate) fn legalize_module(words: &[u32], specialization: &[(u32, u64)]) -> Option<Module> {
    let mut m = Module::read(words)?;
    specialize(&mut m, specialization);
    strip_extensions(&mut m);
    // The rewrites below run only where the summary says they may find something (each is
    // still correct alone, and tests run every skipped one to check it changes nothing).
    let mut s = Summary::of(&m);
    summarized_rewrites(&mut m, &mut s);
    rematerialize_access_chains(&mut m);
    m.sort_globals();
    Some(m)
}

/// The rewrites between `strip_extensions` and `rematerialize_access_chains`, each run only
/// when the summary `s` (kept up to date) says it may find something.
fn summarized_rewrites(m: &mut Module, s: &mut Summary) {
    guarded(m, s, |s| s.vulkan_memory_model, lower_vulkan_memory_model);
    guarded(
        m,
        s,
        |s| s.physical_pointers,
        physical_pointers_as_addresses,
    );
    guarded(
        m,
        s,
        |s| s.any_built_in(&unsigned_subgroup_builtins::SUBGROUP_BUILT_INS),
        unsigned_subgroup_builtins,
    );
    guarded(
        m,
        s,
        |s| s.any_opcode(&[op::TERMINATE_INVOCATION, op::EXTENSION]),
        lower_terminate_invocation,
    );
    guarded(m, s, |s| s.any_opcode(&[5380, 5381]), demote_as_calls);
    guarded(
        m,
        s,
        |s| s.any_opcode(&[op::GROUP_NON_UNIFORM_ELECT]),
        lower_elect,
    );
    guarded(m, s, |s| s.any_opcode(&[337]), lower_dynamic_broadcast);
    let images = |s: &Summary| s.any_opcode(&[op::TYPE_IMAGE]);
    guarded(m, s, images, texel_buffers_as_1d);
    guarded(m, s, images, input_attachments_as_fetches);
    guarded(m, s, images, storage_ms_as_arrayed);
    // OpImageTexelPointer.
    guarded(m, s, |s| s.any_opcode(&[60]), image_atomics_as_calls);
    guarded(m, s, images, declare_coordinate_types);
    // OpImageQuerySizeLod, OpImageQuerySize.
    guarded(m, s, |s| s.any_opcode(&[103, 104]), arrayed_image_size);
    // NonReadable.
    guarded(m, s, |s| s.any_decoration(25), drop_buffer_non_readable);
    // OpCopyMemory.
    guarded(m, s, |s| s.any_opcode(&[63]), drop_copy_memory_operands);
    // BufferBlock.
    guarded_changed(m, s, |s| s.any_decoration(3), buffer_block_arrays);
    // OpConstantNull.
    guarded(
        m,
        s,
        |s| s.any_opcode(&[46]),
        drop_zero_workgroup_initializers,
    );
    guarded(
        m,
        s,
        |s| s.any_opcode(&[op::TYPE_SAMPLED_IMAGE]),
        split_combined_samplers,
    );
    guarded(m, s, |s| s.fragment, fragment_distances_as_locations);
    // Only arrays are split.
    guarded_changed(m, s, |s| s.any_opcode(&[op::TYPE_ARRAY]), split_io_arrays);
    guarded(m, s, |s| s.outputs, decorate_flat_outputs);
    // GLSL.std.450 Modf, Frexp.
    guarded(m, s, |s| s.any_ext_inst(&[35, 51]), lower_modf_frexp);
    // GLSL.std.450 Normalize.
    guarded(m, s, |s| s.any_ext_inst(&[69]), lower_scalar_normalize);
    guarded(
        m,
        s,
        |s| s.any_opcode(&[op::COPY_LOGICAL]),
        lower_copy_logical,
    );
    guarded(
        m,
        s,
        |s| s.any_opcode(&[op::SELECT]),
        lower_composite_select,
    );
    guarded(
        m,
        s,
        |s| {
            s.any_opcode(&[
                op::I_ADD_CARRY,
                op::I_SUB_BORROW,
                op::U_MUL_EXTENDED,
                op::S_MUL_EXTENDED,
            ])
        },
        lower_extended_arithmetic,
    );
    // OpSDot ..= OpSUDotAccSat.
    guarded(
        m,
        s,
        |s| s.any_opcode(&[4450, 4451, 4452, 4453, 4454, 4455]),
        lower_integer_dot_product,
    );
    guarded(
        m,
        s,
        |s| s.any_opcode(&[op::GROUP_NON_UNIFORM_ALL_EQUAL]),
        lower_all_equal,
    );
    // The OpGroupNonUniform arithmetic, bitwise and logical operations.
    guarded(
        m,
        s,
        |s| (349..=364).any(|o| s.any_opcode(&[o])),
        subgroup_scans_as_calls,
    );
    // OpAtomicSMin, UMin, SMax, UMax.
    guarded(
        m,
        s,
        |s| s.any_opcode(&[236, 237, 238, 239]),
        lower_mismatched_atomic_minmax,
    );
    // GLSL.std.450 Ldexp.
    guarded(m, s, |s| s.any_ext_inst(&[53]), narrow_ldexp_exponent);
    // OpPtrEqual, OpPtrNotEqual, OpPtrDiff.
    guarded(
        m,
        s,
        |s| s.any_opcode(&[401, 402, op::PTR_DIFF]),
        fold_pointer_comparisons,
    );
    if signedness_from_opcode(m) {
        *s = Summary::of(m);
    }
    // Bitcasts, GLSL.std.450 PackDouble2x32 and UnpackDouble2x32.
    guarded(
        m,
        s,
        |s| s.any_opcode(&[op::BITCAST]) || s.any_ext_inst(&[59, 65]),
        lower_wide_bitcasts,
    );
    guarded(m, s, |s| s.int_widths & 8 != 0, narrow_constant_indices);
    guarded(
        m,
        s,
        |s| s.int_widths & 3 != 0,
        drop_unused_narrow_constants,
    );
    guarded(m, s, |s| s.any_opcode(&[op::UNDEF]), hoist_function_undefs);
}

/// Runs `pass` when `wanted` says the summary may hold something it rewrites, then brings the
/// summary up to date. Under test, a skipped pass runs on a copy, which must come out the same.
fn guarded(
    m: &mut Module,
    s: &mut Summary,
    wanted: impl Fn(&Summary) -> bool,
    pass: fn(&mut Module),
) {
    guarded_changed(m, s, wanted, |m| {
        pass(m);
        true
    });
}

/// [`guarded`] for a pass that says whether it changed the module: the summary is rescanned
/// only when it did (a rescan is about 7.5K instructions on the compute bench's matmul
/// shader, whose shared arrays make `split_io_arrays` run and find nothing).
fn guarded_changed(
    m: &mut Module,
    s: &mut Summary,
    wanted: impl Fn(&Summary) -> bool,
    pass: impl Fn(&mut Module) -> bool,
) {
    if wanted(s) {
        if pass(m) {
            *s = Summary::of(m);
        }
    } else if cfg!(test) {
        let mut copy = m.clone();
        pass(&mut copy);
        assert!(
            copy == *m,
            "a rewrite the summary skipped changed the module"
        );
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn result_type_table_matches_the_list() {
        for o in 0..=u16::MAX {
            assert_eq!(has_result_type(o), has_result_type_listed(o), "opcode {o}");
        }
    }

    /// Compiles a GLSL compute shader with `glslangValidator`; [`None`] when it is not
    /// installed.
    pub fn glsl_comp(source: &str) -> Option<Vec<u32>> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("pumice-legalize-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let src = dir.join("s.comp");
        let spv = dir.join("s.spv");
        std::fs::write(&src, source).ok()?;
        let status = std::process::Command::new("glslangValidator")
            .args(["-V", "-o"])
            .arg(&spv)
            .arg(&src)
            .stdout(std::process::Stdio::null())
            .status()
            .ok()?;
        assert!(status.success(), "glslangValidator failed");
        let bytes = std::fs::read(&spv).ok()?;
        let _ = std::fs::remove_dir_all(&dir);
        crate::front::words(&bytes).ok()
    }

    /// Runs one workgroup of the compute program `words` with a zeroed storage buffer of
    /// `bytes` bytes at set 0, binding 0, and returns the buffer's 32-bit words afterwards.
    pub fn run_with_buffer(words: &[u32], bytes: u64) -> Vec<u32> {
        let program = crate::compute::ComputeProgram::new(words, "main", &[]).unwrap();
        let memory = pumice_memory::DeviceMemory::new(bytes).unwrap();
        let res = crate::compute::DispatchResources {
            images: Vec::new(),
            buffers: vec![(
                (0, 0, 0),
                crate::compute::BufferSlice {
                    memory: &memory,
                    offset: 0,
                    size: bytes,
                },
            )],
            push_constants: Vec::new(),
            addresses: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::compute::dispatch(&program, &res, [0; 3], [1, 1, 1], &cancel).unwrap();
        let mut out = vec![0u8; bytes as usize];
        memory.read(0, &mut out).unwrap();
        out.chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// Assembles SPIR-V text with `spirv-as`; [`None`] when the tool is not installed.
    pub fn assemble(text: &str, env: &str) -> Option<Vec<u32>> {
        use std::io::Write;
        let mut child = std::process::Command::new("spirv-as")
            .args([
                "--preserve-numeric-ids",
                "--target-env",
                env,
                "-o",
                "-",
                "-",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .ok()?;
        child.stdin.take()?.write_all(text.as_bytes()).ok()?;
        let out = child.wait_with_output().ok()?;
        assert!(
            out.status.success(),
            "spirv-as failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        crate::front::words(&out.stdout).ok()
    }

    /// A tiny module: a fragment shader writing a constant, with an `OpExtension` in front.
    fn sample() -> Vec<u32> {
        let mut m = Module {
            header: [MAGIC, 0x0001_0000, 0, 10, 0],
            insts: vec![Inst::new(op::CAPABILITY, &[1])],
        };
        let mut ext = vec![];
        for c in b"SPV_KHR_terminate_invocation\0\0\0\0".chunks(4) {
            ext.push(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        }
        m.insts.push(Inst::new(op::EXTENSION, &ext));
        m.insts.push(Inst::new(op::MEMORY_MODEL, &[0, 1]));
        m.write()
    }

    #[test]
    fn round_trips_unchanged_input() {
        let w = sample();
        let m = Module::read(&w).unwrap();
        assert_eq!(m.write(), w);
        assert!(m.has_extension("SPV_KHR_terminate_invocation"));
    }

    #[test]
    fn never_panics_on_truncated_or_flipped_input() {
        let w = sample();
        for len in 0..=w.len() {
            let _ = legalize(&w[..len]);
            let _ = crate::parse(&w[..len]);
        }
        let mut seed = 0x1234_5678_u32;
        for _ in 0..2000 {
            let mut v = w.clone();
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let i = 1 + (seed as usize % (v.len() - 1));
            v[i] ^= 1 << (seed >> 27);
            if let Some(out) = legalize(&v) {
                // Whatever it returns is still a well-formed stream.
                assert!(Module::read(&out).is_some());
            }
            let _ = crate::parse(&v);
        }
        // Word counts of zero or past the end are refused, not followed.
        assert!(legalize(&[MAGIC, 0x0001_0000, 0, 1, 0, 0]).is_none());
        assert!(legalize(&[MAGIC, 0x0001_0000, 0, 1, 0, 0x0005_0011]).is_none());
    }

    #[test]
    fn never_panics_on_mutated_real_shaders() {
        let text = lower_elect::tests::ELECT_COMPUTE;
        let Some(w) = assemble(text, "vulkan1.1") else {
            return;
        };
        let mut seed = 0x9e37_79b9_u32;
        for _ in 0..3000 {
            let mut v = w.clone();
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let i = 1 + (seed as usize % (v.len() - 1));
            v[i] ^= 1 << (seed >> 27);
            let cut = if seed & 0x100 != 0 {
                v.len() - (seed as usize >> 9) % 8
            } else {
                v.len()
            };
            let _ = legalize(&v[..cut]);
        }
    }
}
