//! # Orthogonal multi-index models: two-stage online SGD (Ren & Lee, NeurIPS 2025)
//!
//! A teacher $f^*(x)=\sum_{k=1}^P\phi(v_k^*\cdot x)$ with orthonormal $v_k^*$, Gaussian $x$ and a
//! link given by Hermite coefficients (default $\phi = h_2 + h_4$), learned by $m$ neurons on the
//! sphere with a small fixed second layer. The degree-2 part of the link finds the subspace
//! (stage 1, $\tilde O(dP)$ samples), the degree-$q$ part then the directions inside it
//! (stage 2, independent of $d$), so the cost is linear in $d$ up to logs, against $d^{q-1}$
//! for the pure degree-$q$ link — and the single-index information-exponent law of Ben Arous,
//! Gheissari & Jagannath (2021) is the case $P = 1$.
//!
//! - [`MultiIndexConfig`]: every parameter, `set(key, text)`, `validate()`.
//! - Engines behind [`SgdEngine`]: [`FullEngine`] ($d$-dimensional reference) and [`SpanEngine`]
//!   (exact span tracking, cost independent of $d$); [`run_sgd`] drives the two stages.
//! - [`Population`]: closed-form loss, gradients and ridge (§5); [`NeuronOde`], [`FullOde`]: the
//!   gradient flow.
//! - [`experiments`]: the registered experiments and the claims R1–R8.
//!
//! The specification is `shared/specs/multi_index.md`; section numbers (§) refer to it.

mod config;
mod engine;
mod experiments;
mod full;
pub mod grad_check;
mod kernels;
pub mod metrics;
mod ode;
mod ode_experiments;
mod population;
mod problem;
pub mod ridge_curve;
mod sgd;
mod span;
pub mod sweep;

pub use config::{
    Basis, CONFIG_KEYS, EngineKind, LabelTransform, Link, Loss, MultiIndexConfig, StepRule,
    default_width,
};
pub use engine::SgdEngine;
pub use experiments::experiments;
pub use full::{FullEngine, RENORMALISE_EVERY};
pub use kernels::{neuron_scalars, sphere_step, sphere_step_coefficients};
pub use ode::{FullOde, NeuronOde, NeuronTimes, initial_overlaps, integrate_neuron};
pub use ode_experiments::{CoverageExperiment, OdeExperiment};
pub use population::{Population, aligned_moment, noise_constants};
pub use problem::Teacher;
pub use sgd::{DriverOptions, SgdOutcome, build_engine, empirical_ridge, run_sgd};
pub use span::SpanEngine;
