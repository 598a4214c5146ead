//! # tdlab — the numerical core
//!
//! `tdlab` simulates the *training dynamics* of small theoretical learning problems
//! (online SGD on multi-index models, tensor decomposition, contrastive learning,
//! mean-field networks, sparse contextual bigrams). This crate is `#![no_std]` + `alloc`
//! and depends only on `libm`, `rand_core`, `rand_xoshiro` and `num-traits`, so it can be
//! embedded anywhere; the `tdlab` binary (package `tdlab-cli`) is a thin std frontend.
//!
//! Modules:
//! - [`linalg`]: vector and small-matrix kernels on slices (dot, axpy, gemv, gemm, QR,
//!   Cholesky, symmetric eigen, SVD), scalar / AVX2 / AVX-512 paths with identical bits.
//! - [`special`]: orthonormal probabilists' Hermite polynomials, Hermite series,
//!   Gauss–Hermite and Gauss–Legendre quadrature.
//! - [`random`]: per-work-item Xoshiro256++ streams, ziggurat normals, sphere, frames,
//!   alias tables, Gamma / Dirichlet / χ².
//! - [`run`]: the error type, observers and records, log schedules, stop rules and
//!   divergence checks shared by every model.
//!
//! # Example
//! ```
//! use tdlab::linalg::{dot, Isa};
//! use tdlab::random::{sphere, Streams};
//! use tdlab::special::{GaussHermite, h_all};
//!
//! // One reproducible stream per work item; the same index gives the same draws on any thread.
//! let mut rng = Streams::new(42).stream(0);
//! let mut w = [0.0; 100];
//! sphere(&mut rng, &mut w);
//! assert!((dot(Isa::detect(), &w, &w) - 1.0).abs() < 1e-14);
//!
//! // E[h_2(Z) h_2(Z)] = 1 by 20-point Gauss–Hermite quadrature.
//! let gh = GaussHermite::new(20)?;
//! let mut h = [0.0; 3];
//! let e = gh.expect(|z| { h_all(z, &mut h); h[2] * h[2] });
//! assert!((e - 1.0).abs() < 1e-13);
//! # Ok::<(), tdlab::Error>(())
//! ```
//!
//! Conventions (see `DESIGN.md`): `f64` everywhere, no FMA by default, `libm` for
//! transcendentals, caller-provided buffers in every hot loop, and the same seed gives
//! bit-identical results whatever the thread count or instruction set.
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod linalg;
pub mod multi_index;
pub mod random;
pub mod run;
pub mod scb;
pub mod special;
pub mod stats;

pub use run::Error;

/// The crate's version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
