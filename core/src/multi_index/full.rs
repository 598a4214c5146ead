//! The full engine (spec §6.1): $W$ as $m$ rows of length $d$, one $d$-dimensional Gaussian
//! sample per step. The reference engine, and the only one for a random basis.
//!
//! Cost per step: $d$ normals, $(m+1)d$ MACs for $z = Wx$ and the updates (+$Pd$ for a dense
//! $V^*$). Rows are renormalised exactly every 1 024 steps (between, the closed-form retraction
//! of [`super::kernels::sphere_step`] keeps them unit up to rounding).

use super::config::{Basis, Loss, MultiIndexConfig};
use super::engine::SgdEngine;
use super::kernels::{check_neuron_scalars, neuron_scalars};
use super::problem::Teacher;
use crate::Error;
use crate::linalg::{Isa, axpby, axpby_dot, axpy, dot, gemv, nrm2, scal, sum_sq};
use crate::random::{Rng, fill_normal, orthonormal_frame, sphere};
use crate::special::SeriesEval;
use alloc::vec;
use alloc::vec::Vec;

/// Steps between exact renormalisations.
pub const RENORMALISE_EVERY: u64 = 1024;

/// Draws $x\sim N(0,I_d)$ into `x`, its projections $V^{*\top}x$ into `zv` (the first $P$
/// coordinates for the identity basis), and returns its plain label (noise included).
fn draw_sample(
    isa: Isa,
    v: Option<&[f64]>,
    teacher: &Teacher,
    x: &mut [f64],
    zv: &mut [f64],
    rng: &mut Rng,
) -> f64 {
    fill_normal(rng, x);
    let (p, d) = (zv.len(), x.len());
    match v {
        None => zv.copy_from_slice(&x[..p]),
        Some(v) => gemv(isa, p, d, 1.0, v, x, 0.0, zv).expect("sizes fixed at construction"),
    }
    teacher.label(zv, false, rng)
}

/// The $d$-dimensional engine.
#[derive(Clone, Debug)]
pub struct FullEngine {
    isa: Isa,
    d: usize,
    p: usize,
    m: usize,
    batch: usize,
    loss: Loss,
    act: SeriesEval,
    a: Vec<f64>,
    teacher: Teacher,
    /// $W$, $m\times d$.
    w: Vec<f64>,
    /// Dense $V^*$ ($P\times d$) or `None` for the identity basis.
    v: Option<Vec<f64>>,
    /// Tracked $M$ (neuron-major) for a dense basis.
    m_ov: Vec<f64>,
    x: Vec<f64>,
    zv: Vec<f64>,
    z: Vec<f64>,
    s: Vec<f64>,
    /// Mini-batch accumulators: $\sum_b s_i^bx_b$ ($m\times d$) and $\sum_b s_i^bz_i^b$ ($m$).
    g: Vec<f64>,
    sz: Vec<f64>,
    /// For a dense basis with batches: $\sum_b s_i^b z^v_b$ ($m\times P$).
    gv: Vec<f64>,
    /// Batch 1: the next sample, drawn before the update so that the retraction of step t and
    /// the pre-activations $z = Wx$ of step t + 1 share one pass over $W$.
    x_next: Vec<f64>,
    zv_next: Vec<f64>,
    y_next: f64,
    z_next: Vec<f64>,
    /// `x_next`/`y_next` hold a drawn sample; `z_next` holds $W x_{\rm next}$.
    have_next: bool,
    z_ready: bool,
}

impl FullEngine {
    /// Draws $V^*$ (random basis) then $w_i\sim$ Unif$(S^{d-1})$ from `rng`. `cfg` must be valid.
    pub fn new(cfg: &MultiIndexConfig, isa: Isa, rng: &mut Rng) -> Result<FullEngine, Error> {
        cfg.validate()?;
        let (d, p, m) = (cfg.d, cfg.p, cfg.m);
        let v = match cfg.basis {
            Basis::Identity => None,
            Basis::Random => {
                let mut v = vec![0.0; p * d];
                orthonormal_frame(rng, p, d, &mut v)?;
                Some(v)
            }
        };
        let mut w = vec![0.0; m * d];
        for row in w.chunks_exact_mut(d) {
            sphere(rng, row);
        }
        let mut e = FullEngine {
            isa,
            d,
            p,
            m,
            batch: cfg.batch,
            loss: cfg.loss,
            act: SeriesEval::new(cfg.act_series().coef()),
            a: vec![cfg.a0; m],
            teacher: Teacher::new(cfg),
            w,
            v,
            m_ov: vec![0.0; m * p],
            x: vec![0.0; d],
            zv: vec![0.0; p],
            z: vec![0.0; m],
            s: vec![0.0; m],
            g: if cfg.batch > 1 {
                vec![0.0; m * d]
            } else {
                Vec::new()
            },
            sz: vec![0.0; m],
            gv: vec![0.0; m * p],
            x_next: vec![0.0; d],
            zv_next: vec![0.0; p],
            y_next: 0.0,
            z_next: vec![0.0; m],
            have_next: false,
            z_ready: false,
        };
        e.sync_overlaps();
        Ok(e)
    }

    /// Replaces $W$ (rows are normalised); for tests that start from given weights.
    pub fn set_weights(&mut self, w: &[f64]) -> Result<(), Error> {
        Error::check_len("w (m·d)", w.len(), self.m * self.d)?;
        self.w.copy_from_slice(&w[..self.m * self.d]);
        self.renormalise();
        self.z_ready = false;
        Ok(())
    }

    /// The rows $W$ ($m\times d$).
    pub fn weights(&self) -> &[f64] {
        &self.w
    }

    /// The dense basis $V^*$ if random.
    pub fn basis(&self) -> Option<&[f64]> {
        self.v.as_deref()
    }

    fn sync_overlaps(&mut self) {
        if let Some(v) = &self.v {
            for i in 0..self.m {
                for k in 0..self.p {
                    self.m_ov[i * self.p + k] = dot(
                        self.isa,
                        &v[k * self.d..(k + 1) * self.d],
                        &self.w[i * self.d..(i + 1) * self.d],
                    );
                }
            }
        }
    }

    fn renormalise(&mut self) {
        for row in self.w.chunks_exact_mut(self.d) {
            let n = nrm2(self.isa, row);
            scal(self.isa, 1.0 / n, row);
        }
        self.sync_overlaps();
    }

    /// Draws this step's sample into `x`/`zv` and returns its stage label (batches > 1).
    fn draw(&mut self, stage1: bool, rng: &mut Rng) -> f64 {
        let y = draw_sample(
            self.isa,
            self.v.as_deref(),
            &self.teacher,
            &mut self.x,
            &mut self.zv,
            rng,
        );
        self.teacher.transformed(y, stage1)
    }

    /// Draws the next sample into `x_next`, its projections and its plain label.
    fn draw_next(&mut self, rng: &mut Rng) {
        self.y_next = draw_sample(
            self.isa,
            self.v.as_deref(),
            &self.teacher,
            &mut self.x_next,
            &mut self.zv_next,
            rng,
        );
        self.have_next = true;
    }
}

impl SgdEngine for FullEngine {
    fn width(&self) -> usize {
        self.m
    }

    fn directions(&self) -> usize {
        self.p
    }

    fn step(&mut self, step: u64, eta: f64, stage1: bool, rng: &mut Rng) -> Result<(), Error> {
        let (d, p, m) = (self.d, self.p, self.m);
        if self.batch == 1 {
            // The sample of this step: drawn at the end of the previous step (same RNG order
            // as drawing it now: x, then the label noise).
            if !self.have_next {
                self.draw_next(rng);
            }
            core::mem::swap(&mut self.x, &mut self.x_next);
            core::mem::swap(&mut self.zv, &mut self.zv_next);
            let y = self.teacher.transformed(self.y_next, stage1);
            self.have_next = false;
            if self.z_ready {
                core::mem::swap(&mut self.z, &mut self.z_next);
            } else {
                gemv(self.isa, m, d, 1.0, &self.w, &self.x, 0.0, &mut self.z)?;
            }
            self.z_ready = false;
            neuron_scalars(&self.act, &self.a, &self.z, y, self.loss, &mut self.s);
            check_neuron_scalars(step, &self.z[..self.m], &self.s[..self.m])?;
            let xn2 = sum_sq(self.isa, &self.x);
            self.draw_next(rng);
            for i in 0..m {
                let es = eta * self.s[i];
                let growth = es * es * (xn2 - self.z[i] * self.z[i]);
                if !growth.is_finite() {
                    return Err(Error::Diverged {
                        step,
                        quantity: "retraction norm² 1 + (η s_i)²(‖x‖² − z_i²)",
                        value: 1.0 + growth,
                    });
                }
                let (al, be) = super::kernels::sphere_step_coefficients(es, self.z[i], xn2);
                let row = &mut self.w[i * d..(i + 1) * d];
                // w ← αx + βw and the next pre-activation w·x_next in one pass.
                self.z_next[i] = axpby_dot(self.isa, al, &self.x, be, row, &self.x_next);
                if self.v.is_some() {
                    for k in 0..p {
                        let t = &mut self.m_ov[i * p + k];
                        *t = al * self.zv[k] + be * *t;
                    }
                }
            }
            self.z_ready = true;
        } else {
            let b = self.batch;
            self.g.fill(0.0);
            self.sz.fill(0.0);
            self.gv.fill(0.0);
            for _ in 0..b {
                let y = self.draw(stage1, rng);
                gemv(self.isa, m, d, 1.0, &self.w, &self.x, 0.0, &mut self.z)?;
                neuron_scalars(&self.act, &self.a, &self.z, y, self.loss, &mut self.s);
                check_neuron_scalars(step, &self.z[..self.m], &self.s[..self.m])?;
                for i in 0..m {
                    axpy(
                        self.isa,
                        self.s[i],
                        &self.x,
                        &mut self.g[i * d..(i + 1) * d],
                    );
                    self.sz[i] += self.s[i] * self.z[i];
                    for k in 0..p {
                        self.gv[i * p + k] += self.s[i] * self.zv[k];
                    }
                }
            }
            let h = eta / b as f64;
            for i in 0..m {
                let row = &mut self.w[i * d..(i + 1) * d];
                axpby(
                    self.isa,
                    -h,
                    &self.g[i * d..(i + 1) * d],
                    1.0 + h * self.sz[i],
                    row,
                );
                let n = nrm2(self.isa, row);
                if !(n.is_finite() && n > 0.0) {
                    return Err(Error::Diverged {
                        step,
                        quantity: "neuron norm",
                        value: n,
                    });
                }
                scal(self.isa, 1.0 / n, row);
                if self.v.is_some() {
                    for k in 0..p {
                        let t = &mut self.m_ov[i * p + k];
                        *t = ((1.0 + h * self.sz[i]) * *t - h * self.gv[i * p + k]) / n;
                    }
                }
            }
        }
        if step.is_multiple_of(RENORMALISE_EVERY) {
            self.renormalise();
            self.z_ready = false;
        }
        Ok(())
    }

    fn overlaps(&self, out: &mut [f64]) {
        let (d, p) = (self.d, self.p);
        match &self.v {
            None => {
                for i in 0..self.m {
                    out[i * p..(i + 1) * p].copy_from_slice(&self.w[i * d..i * d + p]);
                }
            }
            Some(_) => out[..self.m * p].copy_from_slice(&self.m_ov),
        }
    }

    fn gram(&self, out: &mut [f64]) {
        let (d, m) = (self.d, self.m);
        for i in 0..m {
            for j in 0..m {
                out[i * m + j] = dot(
                    self.isa,
                    &self.w[i * d..(i + 1) * d],
                    &self.w[j * d..(j + 1) * d],
                );
            }
        }
    }

    fn sample_features(&self, rng: &mut Rng, phi: &mut [f64]) -> f64 {
        let mut x = vec![0.0; self.d];
        let mut zv = vec![0.0; self.p];
        let y = draw_sample(
            self.isa,
            self.v.as_deref(),
            &self.teacher,
            &mut x,
            &mut zv,
            rng,
        );
        for i in 0..self.m {
            let z = dot(self.isa, &self.w[i * self.d..(i + 1) * self.d], &x);
            phi[i] = self.act.value(z);
        }
        y
    }

    fn norm_error(&self) -> f64 {
        self.w
            .chunks_exact(self.d)
            .map(|r| libm::fabs(nrm2(self.isa, r) - 1.0))
            .fold(0.0, f64::max)
    }
}
