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
//! 2. `lower_terminate_invocation`: `OpTerminateInvocation` → `OpKill`, then drop
//!    `SPV_KHR_terminate_invocation`.
//! 3. `lower_elect`: `OpGroupNonUniformElect` → `BroadcastFirst(SubgroupLocalInvocationId) ==
//!    SubgroupLocalInvocationId`.

mod find_loop_break_in_switch;
mod lower_elect;
mod lower_terminate_invocation;
mod specialize;
mod split_combined_samplers;
mod strip_extensions;
mod texel_buffers_as_1d;

pub(crate) use find_loop_break_in_switch::has_loop_break_in_switch;
pub(crate) use lower_elect::lower_elect;
pub(crate) use lower_terminate_invocation::lower_terminate_invocation;
pub(crate) use specialize::specialize;
pub(crate) use split_combined_samplers::split_combined_samplers;
pub use split_combined_samplers::COMBINED_SAMPLER_BIT;
pub(crate) use strip_extensions::strip_extensions;
pub(crate) use texel_buffers_as_1d::texel_buffers_as_1d;

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
    pub const TYPE_INT: u16 = 21;
    pub const TYPE_POINTER: u16 = 32;
    pub const FUNCTION: u16 = 54;
    pub const VARIABLE: u16 = 59;
    pub const LOAD: u16 = 61;
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
    pub const GROUP_NON_UNIFORM_BROADCAST_FIRST: u16 = 338;
    pub const TERMINATE_INVOCATION: u16 = 4416;
    pub const DECORATE_STRING: u16 = 5632;
    pub const MEMBER_DECORATE_STRING: u16 = 5633;
}

/// One instruction: its words, the first being `(word_count << 16) | opcode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inst(pub Vec<u32>);

impl Inst {
    pub fn new(opcode: u16, operands: &[u32]) -> Inst {
        let mut w = Vec::with_capacity(operands.len() + 1);
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
        let mut insts = Vec::new();
        let mut i = 5;
        while i < words.len() {
            let wc = (words[i] >> 16) as usize;
            if wc == 0 || i + wc > words.len() {
                return None;
            }
            insts.push(Inst(words[i..i + wc].to_vec()));
            i += wc;
        }
        Some(Module { header, insts })
    }

    pub fn write(&self) -> Vec<u32> {
        let mut out = self.header.to_vec();
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

/// Runs every rewrite over `words`. Returns [`None`] when the words are not a well-formed
/// instruction stream (the caller then hands the original words to naga, which refuses them),
/// and the rewritten words otherwise (identical to the input when nothing applied).
pub fn legalize(words: &[u32]) -> Option<Vec<u32>> {
    legalize_specialized(words, &[])
}

/// [`legalize`] after applying `specialization`, pairs of (`SpecId`, value): see
/// [`crate::front::parse_specialized`].
pub fn legalize_specialized(words: &[u32], specialization: &[(u32, u64)]) -> Option<Vec<u32>> {
    let mut m = Module::read(words)?;
    specialize(&mut m, specialization);
    strip_extensions(&mut m);
    lower_terminate_invocation(&mut m);
    lower_elect(&mut m);
    texel_buffers_as_1d(&mut m);
    split_combined_samplers(&mut m);
    Some(m.write())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

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
