//! Vector width chosen at run time: [`vectorized`] runs a closure compiled for AVX2 (x86-64-v3)
//! when the CPU has it, and for the baseline (SSE2) otherwise.
//!
//! The engine's hot loops are plain Rust loops over 64 lanes that the compiler vectorizes
//! (`pumice_shader::interp`, `pumice_raster::tile` and `output`). Built for the baseline, as a
//! driver must be to load on any x86-64 machine (a VM whose CPU model lacks AVX among them),
//! each loop step is a 4-lane SSE instruction; the same loops inlined into an AVX2 function take
//! 8 lanes a step and get single-instruction `floor`/`trunc`/`round` (SSE4.1) instead of libm
//! calls. The results are the same bits either way: Rust never fuses a multiply and an add on its
//! own (no contraction), and every lane operation is IEEE-exact or integer.
//!
//! `pulp` does the feature check and the call into the `#[target_feature]` function, which is
//! the one `unsafe` step; the engine crates stay `forbid(unsafe_code)`. Only code inlined into
//! the target-feature function is compiled for AVX2, so callers pass an `#[inline(always)]`
//! closure (without it the closure stays a function of its own, built for the baseline) that
//! calls an `#[inline(always)]` body. AVX-512 (pulp's `x86-v4`) was tried on this machine's
//! CPU: no difference above the noise in the fill and heavy-shader benches (4 alternating
//! pairs each), so it is left off, with its frequency and support risks. Measured first by building everything with `-C target-feature=+avx2` (benches, 2 busy
//! cores, Pumice alone): 8 blended full-screen layers 0.085 → 0.11–0.12 Gpix/s, the
//! arithmetic-heavy fragment shader 0.019 → 0.023 Gpix/s, small triangles 1.6 → 1.9 Mtri/s.

use std::sync::OnceLock;

/// The instruction set found on this CPU, detected once; `PUMICE_SIMD=baseline` keeps the
/// baseline build (to compare the two, or to rule AVX2 out when chasing a problem).
fn arch() -> pulp::Arch {
    static ARCH: OnceLock<pulp::Arch> = OnceLock::new();
    *ARCH.get_or_init(|| {
        if std::env::var_os("PUMICE_SIMD").is_some_and(|v| v == "baseline") {
            pulp::Arch::Scalar
        } else {
            pulp::Arch::new()
        }
    })
}

/// Runs `f` compiled for the widest vector instruction set this CPU has (see the module doc);
/// what `f` inlines runs with it.
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    arch().dispatch(f)
}

/// Whether [`vectorized`] runs AVX2 code on this CPU (for reports and tests).
pub fn has_wide_vectors() -> bool {
    !matches!(arch(), pulp::Arch::Scalar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectorized_gives_the_baseline_bits() {
        let a: Vec<f32> = (0..64).map(|i| (i as f32 - 31.5) * 0.37).collect();
        let baseline: Vec<f32> = a.iter().map(|x| (x * 1.7 + 0.1).floor() / 3.0).collect();
        let wide = vectorized(|| {
            a.iter()
                .map(|x| (x * 1.7 + 0.1).floor() / 3.0)
                .collect::<Vec<_>>()
        });
        assert_eq!(
            baseline.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            wide.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
}
