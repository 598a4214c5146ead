//! The teacher: labels $y = \sum_k b_k\phi(v_k^*\cdot x) + \varsigma\xi$ from the projections
//! $z^v = V^{*\top}x$, and the stage-1 label transform of reading B.

use super::config::{LabelTransform, MultiIndexConfig};
use super::population::Population;
use crate::random::{Rng, normal};
use crate::special::{HermiteSeries, SeriesEval};
use alloc::vec::Vec;

/// Everything needed to label a sample from its projections on $V^*$.
#[derive(Clone, Debug)]
pub struct Teacher {
    /// Link coefficients $\hat\phi_l$.
    pub link: HermiteSeries,
    /// The link prepared for evaluation.
    pub link_eval: SeriesEval,
    /// Weights $b_k$.
    pub weights: Vec<f64>,
    /// Noise standard deviation ς.
    pub noise_sd: f64,
    /// Stage-1 transform.
    pub transform: LabelTransform,
    /// $E y^2$ (for the centred square).
    pub ey2: f64,
}

impl Teacher {
    /// The teacher of `cfg`.
    pub fn new(cfg: &MultiIndexConfig) -> Teacher {
        let weights = cfg.teacher_weights();
        let pop = Population {
            link: &cfg.link.series,
            act: &cfg.link.series,
            weights: &weights,
        };
        let ey2 = pop.teacher_energy() + cfg.noise_sd * cfg.noise_sd;
        Teacher {
            link: cfg.link.series.clone(),
            link_eval: SeriesEval::new(cfg.link.series.coef()),
            weights,
            noise_sd: cfg.noise_sd,
            transform: cfg.label_transform,
            ey2,
        }
    }

    /// $y$ from $z^v$; draws one normal for the noise when ς > 0. In stage 1 with the centred
    /// square transform, returns $y^2 - Ey^2$.
    #[inline]
    pub fn label(&self, zv: &[f64], stage1: bool, rng: &mut Rng) -> f64 {
        let mut y = 0.0;
        for (k, &z) in zv.iter().enumerate() {
            y += self.weights[k] * self.link_eval.value(z);
        }
        if self.noise_sd > 0.0 {
            y += self.noise_sd * normal(rng);
        }
        self.transformed(y, stage1)
    }

    /// The stage's label from a plain label `y` ($y^2 - Ey^2$ in stage 1 under reading B).
    #[inline]
    pub fn transformed(&self, y: f64, stage1: bool) -> f64 {
        if stage1 && self.transform == LabelTransform::CenteredSquare {
            y * y - self.ey2
        } else {
            y
        }
    }
}
