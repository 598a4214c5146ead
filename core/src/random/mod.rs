//! Randomness: one Xoshiro256++ stream per work item, and the samplers every model needs.
//!
//! - [`Streams`]: master seed → independent, reproducible streams by jump-ahead (never per thread).
//! - [`uniform`], [`uniform_open`], [`below`]: 53-bit uniforms and unbiased integers.
//! - [`normal`], [`fill_normal`]: standard normals by a 256-layer ziggurat with an exact tail.
//! - [`sphere`], [`orthonormal_frame`]: uniform on $S^{d-1}$, Haar-random orthonormal rows.
//! - [`AliasTable`]: $O(1)$ categorical sampling (Vose's alias method).
//! - [`Gamma`], [`ChiSquared`], [`dirichlet`]: Marsaglia–Tsang Gamma and what is built on it.
//!
//! Samplers are generic over [`rand_core::Rng`], so any generator can be plugged in; tdlab's
//! own runs use [`Rng`] = Xoshiro256++.

mod alias;
mod gamma;
mod normal;
mod sphere;
mod streams;
mod uniform;
mod ziggurat_tables;

pub use alias::AliasTable;
pub use gamma::{ChiSquared, Gamma, dirichlet};
pub use normal::{ZIGGURAT_LAYERS, ZIGGURAT_R, ZIGGURAT_V, fill_normal, normal, ziggurat_tables};
pub use sphere::{orthonormal_frame, sphere};
pub use streams::{Rng, Streams};
pub use uniform::{below, uniform, uniform_open};
