//! The interface the SGD driver sees: one online step, the overlaps, the Gram matrix, and fresh
//! features for the stage-3 ridge. Implemented by the full engine (§6.1) and the span engine (§6.2).

use crate::Error;
use crate::random::Rng;

/// An online-SGD simulation of the student on the sphere.
pub trait SgdEngine {
    /// Width $m$.
    fn width(&self) -> usize;
    /// Number of directions $P$.
    fn directions(&self) -> usize;
    /// One online step (one mini-batch) with step size `eta`; `stage1` selects the stage-1
    /// labels. `step` (1-based) is reported in `Diverged`.
    fn step(&mut self, step: u64, eta: f64, stage1: bool, rng: &mut Rng) -> Result<(), Error>;
    /// $M_{ki}$ into `out[i * P + k]`.
    fn overlaps(&self, out: &mut [f64]);
    /// $Q_{ij} = w_i\cdot w_j$ into `out[i * m + j]`.
    fn gram(&self, out: &mut [f64]);
    /// A fresh sample's features $\sigma(w_i\cdot x)$ into `phi`; returns its (plain) label.
    fn sample_features(&self, rng: &mut Rng, phi: &mut [f64]) -> f64;
    /// Largest deviation of a neuron's norm from 1 (invariant check).
    fn norm_error(&self) -> f64;
}
