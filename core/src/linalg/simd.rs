//! The one audited module with `unsafe`: instruction-set detection and dispatch.
//!
//! Kernels are written once as safe `#[inline(always)]` bodies in plain Rust, shaped so
//! that LLVM vectorises them (independent accumulators, fixed combine order, no FMA).
//! [`isa_dispatch!`] wraps such a body in `#[target_feature]` copies for AVX2 and
//! AVX-512 and picks one by an [`Isa`] token. Because floating-point operations are not
//! reassociated or contracted, every path computes *the same bits* as the scalar path;
//! only the speed differs (tests check this for every kernel).
//!
//! # Safety argument
//! Calling a `#[target_feature]` function is sound only when the CPU has the feature.
//! An [`Isa`] value other than [`Isa::scalar`] can only be obtained from
//! [`Isa::detect`] / [`Isa::from_name`], which check the CPU (CPUID) *and* the operating
//! system's register-state support (XGETBV), the same checks `std_detect` performs.
//! This works in `no_std`, so embedders get runtime dispatch without `std`.
#![allow(unsafe_code)]

use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Scalar,
    Avx2,
    Avx512,
}

/// A proof that an instruction set may be used on this CPU (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Isa(Kind);

impl Default for Isa {
    fn default() -> Self {
        Isa::detect()
    }
}

impl Isa {
    /// The portable path (SSE2 on x86-64, whatever the target enables elsewhere).
    pub const fn scalar() -> Isa {
        Isa(Kind::Scalar)
    }

    /// The best instruction set this CPU and OS support.
    pub fn detect() -> Isa {
        let f = cpu::features();
        if f.avx512 {
            Isa(Kind::Avx512)
        } else if f.avx2 {
            Isa(Kind::Avx2)
        } else {
            Isa(Kind::Scalar)
        }
    }

    /// Every supported ISA, the scalar path first.
    pub fn all_supported() -> impl Iterator<Item = Isa> {
        let f = cpu::features();
        [
            Some(Isa(Kind::Scalar)),
            f.avx2.then_some(Isa(Kind::Avx2)),
            f.avx512.then_some(Isa(Kind::Avx512)),
        ]
        .into_iter()
        .flatten()
    }

    /// `"scalar"`, `"avx2"`, `"avx512"` or `"auto"` (= [`Isa::detect`]); an ISA the CPU
    /// lacks gives [`Error::IsaUnavailable`].
    pub fn from_name(name: &str) -> Result<Isa, Error> {
        let f = cpu::features();
        match name {
            "auto" => Ok(Isa::detect()),
            "scalar" => Ok(Isa(Kind::Scalar)),
            "avx2" if f.avx2 => Ok(Isa(Kind::Avx2)),
            "avx2" => Err(Error::IsaUnavailable { isa: "avx2" }),
            "avx512" if f.avx512 => Ok(Isa(Kind::Avx512)),
            "avx512" => Err(Error::IsaUnavailable { isa: "avx512" }),
            other => Err(Error::UnknownName {
                name: "isa",
                got: other.into(),
                allowed: "auto, scalar, avx2, avx512",
            }),
        }
    }

    /// The ISA's name.
    pub const fn name(self) -> &'static str {
        match self.0 {
            Kind::Scalar => "scalar",
            Kind::Avx2 => "avx2",
            Kind::Avx512 => "avx512",
        }
    }

    /// Whether this is the AVX-512 path (used by the dispatch macro).
    #[doc(hidden)]
    pub const fn is_avx512(self) -> bool {
        matches!(self.0, Kind::Avx512)
    }

    /// Whether this is the AVX2 path (used by the dispatch macro).
    #[doc(hidden)]
    pub const fn is_avx2(self) -> bool {
        matches!(self.0, Kind::Avx2)
    }
}

/// Which x86 features the CPU and OS support (all `false` elsewhere).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuFeatures {
    /// AVX + AVX2 + FMA with OS support for YMM state.
    pub avx2: bool,
    /// AVX-512F on top of `avx2`, with OS support for ZMM and opmask state.
    pub avx512: bool,
}

/// The CPU's features as detected by CPUID/XGETBV (exposed for tests and manifests).
pub fn cpu_features() -> CpuFeatures {
    cpu::features()
}

#[cfg(target_arch = "x86_64")]
mod cpu {
    use super::CpuFeatures;
    use core::arch::x86_64::{__cpuid, __cpuid_count, _xgetbv};

    /// # Safety
    /// Only call after CPUID reported OSXSAVE (the OS enabled XGETBV).
    #[target_feature(enable = "xsave")]
    unsafe fn xcr0() -> u64 {
        // SAFETY: guaranteed by the caller (OSXSAVE set).
        unsafe { _xgetbv(0) }
    }

    pub fn features() -> CpuFeatures {
        // SAFETY: CPUID exists on every x86-64 CPU.
        #[allow(unused_unsafe)]
        let (max_leaf, leaf1) = unsafe { (__cpuid(0).eax, __cpuid(1)) };
        let osxsave = leaf1.ecx & (1 << 27) != 0;
        let avx = leaf1.ecx & (1 << 28) != 0;
        let fma = leaf1.ecx & (1 << 12) != 0;
        if !(osxsave && avx && max_leaf >= 7) {
            return CpuFeatures::default();
        }
        // SAFETY: OSXSAVE is set, so XGETBV is enabled by the OS.
        let xcr0 = unsafe { xcr0() };
        let ymm_state = xcr0 & 0b110 == 0b110;
        let zmm_state = xcr0 & 0b1110_0000 == 0b1110_0000;
        // SAFETY: leaf 7 exists (max_leaf >= 7).
        #[allow(unused_unsafe)]
        let leaf7 = unsafe { __cpuid_count(7, 0) };
        let avx2 = leaf7.ebx & (1 << 5) != 0;
        let avx512f = leaf7.ebx & (1 << 16) != 0;
        let avx2_ok = ymm_state && avx && avx2 && fma;
        CpuFeatures {
            avx2: avx2_ok,
            avx512: avx2_ok && zmm_state && avx512f,
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod cpu {
    use super::CpuFeatures;
    pub fn features() -> CpuFeatures {
        CpuFeatures::default()
    }
}

/// Defines `$vis fn $name(isa: Isa, args…) -> R` that runs the safe, `#[inline(always)]`
/// kernel body `$body(args…)` compiled for the ISA in the token.
///
/// This macro is the only place that calls `#[target_feature]` functions; the call is
/// sound because an [`Isa`] token proves the feature is present (module docs).
macro_rules! isa_dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $body:path;) => {
        $(#[$meta])*
        #[inline]
        #[allow(unsafe_code)]
        $vis fn $name(isa: $crate::linalg::Isa, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx,avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? { $body($($arg),*) }
                #[target_feature(enable = "avx,avx2,fma,avx512f")]
                fn avx512($($arg: $ty),*) $(-> $ret)? { $body($($arg),*) }
                if isa.is_avx512() {
                    // SAFETY: an AVX-512 `Isa` token exists only if the CPU and OS support it.
                    return unsafe { avx512($($arg),*) };
                }
                if isa.is_avx2() {
                    // SAFETY: an AVX2 `Isa` token exists only if the CPU and OS support it.
                    return unsafe { avx2($($arg),*) };
                }
            }
            let _ = isa;
            $body($($arg),*)
        }
    };
}
pub(crate) use isa_dispatch;
