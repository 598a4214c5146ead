//! The algorithms of spec §5: two-stage preconditioned projected proximal descent (PPPD), plain
//! SGD, and softmax-attention SGD. Fresh batches every step; no allocation per step; the first
//! non-finite or out-of-bound monitored value stops the run with `Diverged`.

use super::grad::{Workspace, accumulate_linear, accumulate_softmax, softmax_columns};
use super::metrics::ScbMetrics;
use super::population::{attention_stats, value_stats};
use super::prox::{
    precond_v, proj_col_sums, proj_simplex, proj_v, prox_l1_affine_exact, recenter_on_support,
    soft_thr,
};
use super::task::{Batch, Sampler, ScbTask};
use crate::Error;
use crate::random::Rng;
use crate::run::{DivergenceGuard, Observer, Record};
use alloc::vec;
use alloc::vec::Vec;

/// Bound on $|V|$, $|A|$, $|W|$ and the batch loss.
pub const BOUND: f64 = 1e6;

/// The proximal step on each attention column (§5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AProx {
    /// SoftThr, then re-centre the support to sum 1 (default).
    SoftRecenter,
    /// Exact prox of $\lambda\|a\|_1 + \iota\{\mathbf 1^\top a = 1\}$.
    AffineExact,
    /// Projection onto the simplex.
    Simplex,
    /// SoftThr only (diverges: an ablation).
    SoftOnly,
}

impl AProx {
    /// The name `from_name` accepts.
    pub fn name(self) -> &'static str {
        match self {
            AProx::SoftRecenter => "soft-recenter",
            AProx::AffineExact => "affine-exact",
            AProx::Simplex => "simplex",
            AProx::SoftOnly => "soft-only",
        }
    }

    /// Parses `soft-recenter`, `affine-exact`, `simplex`, `soft-only`.
    pub fn from_name(s: &str) -> Result<AProx, Error> {
        match s {
            "soft-recenter" => Ok(AProx::SoftRecenter),
            "affine-exact" => Ok(AProx::AffineExact),
            "simplex" => Ok(AProx::Simplex),
            "soft-only" => Ok(AProx::SoftOnly),
            _ => Err(Error::UnknownName {
                name: "aprox",
                got: s.into(),
                allowed: "soft-recenter, affine-exact, simplex, soft-only",
            }),
        }
    }
}

/// The constraint set $V$ is projected onto after each step (§9.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VProj {
    /// No projection (an ablation: nothing pins the scale symmetry).
    None,
    /// $\{\mathbf 1^\top V=\mathbf 1^\top\}$.
    ColSum,
    /// $\{\mathbf 1^\top V=\mathbf 1^\top,\ V\mu=\mu\}$: $\Pi_V$ of §5.1 (default).
    ColSumMu,
}

impl VProj {
    /// The name `from_name` accepts.
    pub fn name(self) -> &'static str {
        match self {
            VProj::None => "none",
            VProj::ColSum => "col-sum",
            VProj::ColSumMu => "col-sum-mu",
        }
    }

    /// Parses `none`, `col-sum`, `col-sum-mu`.
    pub fn from_name(s: &str) -> Result<VProj, Error> {
        match s {
            "none" => Ok(VProj::None),
            "col-sum" => Ok(VProj::ColSum),
            "col-sum-mu" => Ok(VProj::ColSumMu),
            _ => Err(Error::UnknownName {
                name: "vproj",
                got: s.into(),
                allowed: "none, col-sum, col-sum-mu",
            }),
        }
    }

    /// Projects `v` (column-major $N\times N$) with the learner's $\mu$; `scratch` has length $N$.
    pub fn apply(self, v: &mut [f64], mu: &[f64], scratch: &mut [f64]) {
        match self {
            VProj::None => {}
            VProj::ColSum => proj_col_sums(v, mu.len()),
            VProj::ColSumMu => proj_v(v, mu, scratch),
        }
    }
}

/// Which $\mu$ the learner uses in its preconditioners, σ_V², $S_{1,2}$ and projection (§9.3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MuSource {
    /// The task's stationary law (default).
    Known,
    /// Token frequencies of every batch seen so far (contexts and query tokens), smoothed and
    /// floored: $\hat\mu_i\propto\max\big(\frac{c_i+\varepsilon}{C+N\varepsilon},\frac{0.1}{N}\big)$.
    /// A step uses the counts of the batches before it.
    Estimated {
        /// Add-ε pseudo-count ε > 0.
        smoothing: f64,
    },
}

impl MuSource {
    /// `known`, or `estimated:<ε>`.
    pub fn label(self) -> alloc::string::String {
        match self {
            MuSource::Known => "known".into(),
            MuSource::Estimated { smoothing } => alloc::format!("estimated:{smoothing}"),
        }
    }

    /// Parses `known`, `estimated` (ε = 1) or `estimated:<ε>`.
    pub fn from_name(s: &str) -> Result<MuSource, Error> {
        let s = s.trim();
        if s == "known" {
            return Ok(MuSource::Known);
        }
        let malformed = || Error::Malformed {
            name: "mu_source",
            got: s.into(),
            expected: "known, estimated or estimated:<smoothing ε > 0>",
        };
        let smoothing = match s.strip_prefix("estimated") {
            Some("") => 1.0,
            Some(rest) => rest
                .strip_prefix(':')
                .and_then(|e| e.trim().parse::<f64>().ok())
                .ok_or_else(malformed)?,
            None => return Err(malformed()),
        };
        Ok(MuSource::Estimated { smoothing })
    }
}

/// Floor of an estimated $\mu$, as a fraction of $1/N$ (spec pitfall 4: $D^{-1}$ amplifies rare
/// tokens).
pub const MU_HAT_FLOOR: f64 = 0.1;

/// $\hat\mu$ from token counts (see [`MuSource::Estimated`]) into `out`; sums to 1.
pub fn estimate_mu(counts: &[f64], smoothing: f64, out: &mut [f64]) {
    let n = counts.len() as f64;
    let total: f64 = counts.iter().sum::<f64>() + n * smoothing;
    let mut sum = 0.0;
    for (o, &c) in out.iter_mut().zip(counts) {
        *o = libm::fmax((c + smoothing) / total, MU_HAT_FLOOR / n);
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// The learner's view of the task when $\mu$ is estimated: a copy whose `mu` is $\hat\mu$ and
/// the running token counts (built once per run; updating allocates nothing).
struct MuEstimate {
    view: ScbTask,
    counts: Vec<f64>,
    smoothing: f64,
}

impl MuEstimate {
    fn new(task: &ScbTask, source: MuSource) -> Option<MuEstimate> {
        match source {
            MuSource::Known => None,
            MuSource::Estimated { smoothing } => {
                let mut view = task.clone();
                let counts = vec![0.0; task.n];
                estimate_mu(&counts, smoothing, &mut view.mu);
                Some(MuEstimate {
                    view,
                    counts,
                    smoothing,
                })
            }
        }
    }

    /// Adds the tokens of `batch` and recomputes $\hat\mu$.
    fn observe(&mut self, batch: &Batch) {
        for &x in batch.ctx.iter().chain(&batch.last) {
            self.counts[x as usize] += 1.0;
        }
        estimate_mu(&self.counts, self.smoothing, &mut self.view.mu);
    }
}

/// Two-stage PPPD settings (§5.1–5.2, defaults §5.7).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PppdConfig {
    /// Stage-1 steps.
    pub k1: usize,
    /// Stage-1 batch.
    pub b1: usize,
    /// Stage-1 step size.
    pub eta1: f64,
    /// Stage-2 steps.
    pub k2: usize,
    /// Stage-2 batch.
    pub b2: usize,
    /// Stage-2 V step size.
    pub eta_v: f64,
    /// Stage-2 A step size.
    pub eta_a: f64,
    /// ℓ1 weight λ.
    pub lambda: f64,
    /// Step decay: $\eta(\tau) = \eta/(1+\text{decay}\,\tau)$.
    pub decay: f64,
    /// Prox variant.
    pub aprox: AProx,
    /// Floor of $\sigma_V^2$ as a fraction of its value entering stage 2.
    pub var_floor_frac: f64,
    /// Constraint set of the V projection.
    pub vproj: VProj,
    /// The $\mu$ the learner uses.
    pub mu_source: MuSource,
}

impl PppdConfig {
    /// Quick preset (§5.7), with λ = 0.6 instead of the spec's 0.8: with tdlab's tasks λ = 0.8
    /// sits at the top of the window $\sigma_B\sqrt{2\ln T}\lesssim\lambda\lesssim\beta q_{\min}$ and
    /// loses Dirichlet weights (α 0.93, ‖A−Q‖ 0.27–0.31 on 3 replicas); 0.6 reproduces the spec's
    /// simulated ranges on 12 replicas.
    pub fn quick() -> PppdConfig {
        PppdConfig {
            k1: 200,
            b1: 512,
            eta1: 0.1,
            k2: 2000,
            b2: 256,
            eta_v: 0.1,
            eta_a: 0.3,
            lambda: 0.6,
            decay: 0.005,
            aprox: AProx::SoftRecenter,
            var_floor_frac: 0.5,
            vproj: VProj::ColSumMu,
            mu_source: MuSource::Known,
        }
    }

    /// Transfer-scale preset (§5.7).
    pub fn transfer() -> PppdConfig {
        PppdConfig {
            k1: 40,
            b1: 16_384,
            eta1: 0.2,
            k2: 50,
            b2: 1024,
            eta_v: 0.05,
            eta_a: 0.5,
            lambda: 0.4,
            decay: 0.0,
            aprox: AProx::SoftRecenter,
            var_floor_frac: 0.5,
            vproj: VProj::ColSumMu,
            mu_source: MuSource::Known,
        }
    }

    /// Checks the ranges of §9.4.
    pub fn validate(&self) -> Result<(), Error> {
        for (name, b) in [("b1", self.b1), ("b2", self.b2)] {
            if b < 1 {
                return Err(Error::invalid(name, b as f64, "≥ 1"));
            }
        }
        for (name, e) in [
            ("eta1", self.eta1),
            ("eta_v", self.eta_v),
            ("eta_a", self.eta_a),
        ] {
            if !(e > 0.0 && e.is_finite()) {
                return Err(Error::invalid(name, e, "finite and > 0"));
            }
        }
        for (name, e) in [("lambda", self.lambda), ("decay", self.decay)] {
            if !(e >= 0.0 && e.is_finite()) {
                return Err(Error::invalid(name, e, "finite and ≥ 0"));
            }
        }
        if let MuSource::Estimated { smoothing } = self.mu_source
            && !(smoothing > 0.0 && smoothing.is_finite())
        {
            return Err(Error::invalid("mu_smoothing", smoothing, "finite and > 0"));
        }
        if !(self.var_floor_frac > 0.0 && self.var_floor_frac <= 1.0) {
            return Err(Error::invalid(
                "var_floor_frac",
                self.var_floor_frac,
                "in (0, 1]",
            ));
        }
        Ok(())
    }
}

/// The linear learner's parameters (column-major $V$: $N\times N$, $A$: $T\times N$).
#[derive(Clone, Debug, PartialEq)]
pub struct LinModel {
    /// $V$.
    pub v: Vec<f64>,
    /// $A$.
    pub a: Vec<f64>,
}

impl LinModel {
    /// $V_0=\mu\mathbf 1^\top$, $A_0=\mathbf 1\mathbf 1^\top/T$: output μ, zero correlation.
    pub fn scratch(task: &ScbTask) -> LinModel {
        let (n, t) = (task.n, task.t);
        let mut v = vec![0.0; n * n];
        for col in v.chunks_exact_mut(n) {
            col.copy_from_slice(&task.mu);
        }
        LinModel {
            v,
            a: vec![1.0 / t as f64; t * n],
        }
    }
}

/// A run's trajectory for figures: `(samples, dist_p, dist_q, excess)` at each logged step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Rows of `(samples, dist_p, dist_q, excess)`.
    pub rows: Vec<[f64; 4]>,
}

/// Logging of a run.
pub struct Logger<'a> {
    /// Receives records.
    pub observer: &'a mut dyn Observer,
    /// Keeps the trajectory.
    pub trace: &'a mut Trace,
    /// Log every this many steps (≥ 1).
    pub every: usize,
    /// Samples consumed before this run (offsets the `samples` column).
    pub samples_offset: u64,
    /// Arm index written with each record.
    pub arm: f64,
}

impl Logger<'_> {
    /// Records the metrics of `(v, a)` on `task` at `step` and returns them (the last call of a
    /// run gives its final metrics).
    #[allow(clippy::too_many_arguments)]
    fn log(
        &mut self,
        step: u64,
        stage: f64,
        samples: u64,
        batch_loss: f64,
        task: &ScbTask,
        v: &[f64],
        a: &[f64],
    ) -> ScbMetrics {
        let m = &ScbMetrics::of(task, v, a);
        let s = samples + self.samples_offset;
        let mv = m.values();
        let mut vals = [("", 0.0); 21];
        vals[0] = ("arm", self.arm);
        vals[1] = ("stage", stage);
        vals[2] = ("samples", s as f64);
        vals[3] = ("batch_loss", batch_loss);
        vals[4..].copy_from_slice(&mv);
        self.observer.record(&Record {
            step,
            values: &vals,
        });
        self.trace
            .rows
            .push([s as f64, m.dist_p, m.dist_q, m.excess_pop_loss]);
        *m
    }
}

/// Stops a run on the first monitored value that is not finite or beyond [`BOUND`].
const GUARD: DivergenceGuard = DivergenceGuard { bound: BOUND };

fn max_abs(x: &[f64]) -> f64 {
    x.iter().fold(0.0f64, |m, v| {
        if v.is_nan() {
            f64::NAN
        } else {
            m.max(libm::fabs(*v))
        }
    })
}

/// Runs two-stage PPPD on `model` (stage 1 skipped when `cfg.k1 = 0`: finetuning). Returns the
/// final metrics; `Diverged` on the first monitored value that is not finite or exceeds 1e6.
pub fn run_pppd(
    task: &ScbTask,
    sampler: &Sampler,
    cfg: &PppdConfig,
    model: &mut LinModel,
    rng: &mut Rng,
    log: &mut Logger<'_>,
) -> Result<ScbMetrics, Error> {
    cfg.validate()?;
    let (n, t) = (task.n, task.t);
    let mut ws = Workspace::new(n, t);
    let mut step = 0u64;
    let mut samples = 0u64;
    // The steps see the learner's μ (the task's, or the running estimate); metrics the task's.
    let mut estimate = MuEstimate::new(task, cfg.mu_source);
    let mut last = log.log(0, 1.0, 0, f64::NAN, task, &model.v, &model.a);
    if cfg.k1 > 0 {
        let mut batch = Batch::new(cfg.b1, t);
        for s in 0..cfg.k1 {
            step += 1;
            let learner = estimate.as_ref().map_or(task, |e| &e.view);
            let loss = stage1_step(
                learner, sampler, cfg.eta1, cfg.vproj, model, &mut batch, &mut ws, rng, step,
            )?;
            if let Some(e) = estimate.as_mut() {
                e.observe(&batch);
            }
            samples += cfg.b1 as u64;
            if (s + 1) % log.every == 0 || s + 1 == cfg.k1 {
                last = log.log(step, 1.0, samples, loss, task, &model.v, &model.a);
            }
        }
    }
    let learner = estimate.as_ref().map_or(task, |e| &e.view);
    let floor = libm::fmax(cfg.var_floor_frac * value_stats(learner, &model.v).0, 1e-12);
    let mut batch = Batch::new(cfg.b2, t);
    for tau in 0..cfg.k2 {
        step += 1;
        let shrink = 1.0 / (1.0 + cfg.decay * tau as f64);
        let (eta_v, eta_a) = (cfg.eta_v * shrink, cfg.eta_a * shrink);
        let learner = estimate.as_ref().map_or(task, |e| &e.view);
        let loss = stage2_step(
            learner, sampler, cfg, eta_v, eta_a, floor, model, &mut batch, &mut ws, rng, step,
        )?;
        if let Some(e) = estimate.as_mut() {
            e.observe(&batch);
        }
        samples += cfg.b2 as u64;
        if (tau + 1) % log.every == 0 || tau + 1 == cfg.k2 {
            last = log.log(step, 2.0, samples, loss, task, &model.v, &model.a);
        }
    }
    Ok(last)
}

/// One stage-2 step (§5.2) with step sizes `eta_v`, `eta_a` and σ_V² floor `floor`: a fresh
/// batch, the preconditioned projected V step, then the preconditioned, re-centred proximal
/// step on every attention column. Returns the batch loss.
pub fn stage2_step(
    task: &ScbTask,
    sampler: &Sampler,
    cfg: &PppdConfig,
    eta_v: f64,
    eta_a: f64,
    floor: f64,
    model: &mut LinModel,
    batch: &mut Batch,
    ws: &mut Workspace,
    rng: &mut Rng,
    step: u64,
) -> Result<f64, Error> {
    let (n, t) = (task.n, task.t);
    sampler.fill(rng, batch);
    let loss = accumulate_linear(n, t, &model.v, &model.a, batch, ws, true);
    GUARD.check(step, "batch_loss", loss)?;
    let (s1, s2, _, _) = attention_stats(task, &model.a);
    if !(s2 > 1e-300 && s2.is_finite()) {
        return Err(Error::Diverged {
            step,
            quantity: "s2",
            value: s2,
        });
    }
    v_step(task, eta_v, cfg.vproj, s1, s2, model, ws, step)?;
    let var = libm::fmax(value_stats(task, &model.v).0, floor);
    for k in 0..n {
        let g = &mut ws.ga[k * t..(k + 1) * t];
        let scale = 1.0 / (task.mu[k] * var);
        let mut mean = 0.0;
        for x in g.iter_mut() {
            *x *= scale;
            mean += *x;
        }
        mean /= t as f64;
        let col = &mut model.a[k * t..(k + 1) * t];
        let b = &mut ws.col;
        for u in 0..t {
            b[u] = col[u] - eta_a * (g[u] - mean);
        }
        let theta = eta_a * cfg.lambda;
        match cfg.aprox {
            AProx::SoftRecenter => {
                for x in b.iter_mut() {
                    *x = soft_thr(*x, theta);
                }
                if recenter_on_support(b) {
                    col.copy_from_slice(b);
                }
            }
            AProx::SoftOnly => {
                for (c, x) in col.iter_mut().zip(b.iter()) {
                    *c = soft_thr(*x, theta);
                }
            }
            AProx::AffineExact => prox_l1_affine_exact(b, theta, col),
            AProx::Simplex => proj_simplex(b, col, &mut ws.sorted),
        }
    }
    GUARD.check(step, "max_abs_a", max_abs(&model.a))?;
    Ok(loss)
}

/// One stage-1 step: a fresh batch, then $V\leftarrow\Pi(V-\eta_1G_VH_V^{-1})$ with $A$ fixed and
/// $\Pi$ the projection `vproj` ($\Pi_V$ by default). Returns the batch loss.
pub fn stage1_step(
    task: &ScbTask,
    sampler: &Sampler,
    eta1: f64,
    vproj: VProj,
    model: &mut LinModel,
    batch: &mut Batch,
    ws: &mut Workspace,
    rng: &mut Rng,
    step: u64,
) -> Result<f64, Error> {
    let (n, t) = (task.n, task.t);
    sampler.fill(rng, batch);
    let loss = accumulate_linear(n, t, &model.v, &model.a, batch, ws, false);
    GUARD.check(step, "batch_loss", loss)?;
    let (s1, s2, _, _) = attention_stats(task, &model.a);
    v_step(task, eta1, vproj, s1, s2, model, ws, step)?;
    Ok(loss)
}

/// The V step of both stages, on the gradient in `ws.gv`:
/// $V\leftarrow\Pi(V-\eta\,G_VH_V^{-1})$ with $H_V$ from the attention scalars $S_1, S_2$.
#[allow(clippy::too_many_arguments)]
#[inline]
fn v_step(
    task: &ScbTask,
    eta: f64,
    vproj: VProj,
    s1: f64,
    s2: f64,
    model: &mut LinModel,
    ws: &mut Workspace,
    step: u64,
) -> Result<(), Error> {
    precond_v(&mut ws.gv, &task.mu, s1, s2, &mut ws.row);
    for (x, g) in model.v.iter_mut().zip(&ws.gv) {
        *x -= eta * g;
    }
    vproj.apply(&mut model.v, &task.mu, &mut ws.row);
    GUARD.check(step, "max_abs_v", max_abs(&model.v))
}

/// Plain SGD (§5.4): $V\leftarrow V-\eta G_V$, $A\leftarrow A-\eta G_A$, `k` steps of batch `b`.
pub fn run_sgd(
    task: &ScbTask,
    sampler: &Sampler,
    eta: f64,
    b: usize,
    k: usize,
    model: &mut LinModel,
    rng: &mut Rng,
    log: &mut Logger<'_>,
) -> Result<ScbMetrics, Error> {
    if !(eta > 0.0 && eta.is_finite()) {
        return Err(Error::invalid("eta", eta, "finite and > 0"));
    }
    if b < 1 {
        return Err(Error::invalid("b", b as f64, "≥ 1"));
    }
    let (n, t) = (task.n, task.t);
    let mut ws = Workspace::new(n, t);
    let mut batch = Batch::new(b, t);
    let mut last = log.log(0, 0.0, 0, f64::NAN, task, &model.v, &model.a);
    for s in 0..k {
        let step = s as u64 + 1;
        sampler.fill(rng, &mut batch);
        let loss = accumulate_linear(n, t, &model.v, &model.a, &batch, &mut ws, true);
        GUARD.check(step, "batch_loss", loss)?;
        for (x, g) in model.v.iter_mut().zip(&ws.gv) {
            *x -= eta * g;
        }
        for (x, g) in model.a.iter_mut().zip(&ws.ga) {
            *x -= eta * g;
        }
        GUARD.check(step, "max_abs_v", max_abs(&model.v))?;
        GUARD.check(step, "max_abs_a", max_abs(&model.a))?;
        if (s + 1) % log.every == 0 || s + 1 == k {
            last = log.log(step, 0.0, step * b as u64, loss, task, &model.v, &model.a);
        }
    }
    Ok(last)
}

/// Softmax-attention SGD (§5.5) from $W = 0$ and $V = \mu\mathbf 1^\top$; returns the final
/// metrics (attention = softmax$(W)$) and the final softmax attention.
pub fn run_softmax(
    task: &ScbTask,
    sampler: &Sampler,
    eta_v: f64,
    eta_w: f64,
    b: usize,
    k: usize,
    rng: &mut Rng,
    log: &mut Logger<'_>,
) -> Result<(ScbMetrics, LinModel), Error> {
    for (name, e) in [("eta_v", eta_v), ("eta_w", eta_w)] {
        if !(e > 0.0 && e.is_finite()) {
            return Err(Error::invalid(name, e, "finite and > 0"));
        }
    }
    if b < 1 {
        return Err(Error::invalid("b", b as f64, "≥ 1"));
    }
    let (n, t) = (task.n, task.t);
    let mut model = LinModel::scratch(task);
    let mut w = vec![0.0; t * n];
    let mut ws = Workspace::new(n, t);
    let mut batch = Batch::new(b, t);
    softmax_columns(t, &w, &mut ws.soft);
    let mut last = log.log(0, 0.0, 0, f64::NAN, task, &model.v, &ws.soft);
    for s in 0..k {
        let step = s as u64 + 1;
        sampler.fill(rng, &mut batch);
        let loss = accumulate_softmax(n, t, &model.v, &batch, &mut ws);
        GUARD.check(step, "batch_loss", loss)?;
        for (x, g) in model.v.iter_mut().zip(&ws.gv) {
            *x -= eta_v * g;
        }
        for (x, g) in w.iter_mut().zip(&ws.ga) {
            *x -= eta_w * g;
        }
        GUARD.check(step, "max_abs_v", max_abs(&model.v))?;
        GUARD.check(step, "max_abs_w", max_abs(&w))?;
        softmax_columns(t, &w, &mut ws.soft);
        if (s + 1) % log.every == 0 || s + 1 == k {
            last = log.log(step, 0.0, step * b as u64, loss, task, &model.v, &ws.soft);
        }
    }
    model.a.copy_from_slice(&ws.soft);
    Ok((last, model))
}
