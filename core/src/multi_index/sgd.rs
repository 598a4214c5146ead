//! The two-stage online-SGD driver (spec §4): stage 1 with $\eta_1$ until the median subspace
//! mass reaches $s_{\rm switch}$, stage 2 with $\eta_2$, hitting times per neuron, logging through
//! the [`Observer`], and the population ridge refit at the switch and at the end.

use super::config::{EngineKind, MultiIndexConfig};
use super::engine::SgdEngine;
use super::full::FullEngine;
use super::metrics::{alignment, coverage, direction_peak, subspace_mass};
use super::population::Population;
use super::span::SpanEngine;
use crate::Error;
use crate::linalg::Isa;
use crate::random::Rng;
use crate::run::{LogSchedule, Observer, Record};
use crate::stats::median_in_place;
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

/// Options of one driver run beyond the config.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DriverOptions {
    /// Record per-neuron $s_i$, $\mu_i$ at every logged step into [`SgdOutcome::trace`].
    pub trace: bool,
    /// Take a snapshot of $\max_k\bar m_k^2$ per neuron when the median $s_i$ first reaches this.
    pub snapshot_s: f64,
    /// Collect the median of $1-\mu_i$ every this many steps over the second half of the run
    /// (0: off) — the noise floor of §5.6.
    pub floor_every: u64,
    /// Stop as soon as the snapshot is taken.
    pub stop_after_snapshot: bool,
}

impl Default for DriverOptions {
    fn default() -> Self {
        DriverOptions {
            trace: false,
            snapshot_s: 0.9,
            floor_every: 0,
            stop_after_snapshot: false,
        }
    }
}

/// What one SGD run reports.
#[derive(Clone, Debug, PartialEq)]
pub struct SgdOutcome {
    /// Steps run.
    pub steps: u64,
    /// Per-neuron first step with $s_i\ge\theta_{\rm sub}$ (∞ if never).
    pub t_sub: Vec<f64>,
    /// Per-neuron first step with $\mu_i\ge\theta_{\rm dir}$ (∞ if never).
    pub t_dir: Vec<f64>,
    /// Step of the switch to stage 2 (∞ if never).
    pub t_switch: f64,
    /// Population ridge loss at the switch (NaN if no switch).
    pub ridge_at_switch: f64,
    /// Population ridge loss at the end.
    pub ridge_end: f64,
    /// Final $M$ (neuron-major).
    pub m_final: Vec<f64>,
    /// Final $Q$.
    pub q_final: Vec<f64>,
    /// Per-neuron $\max_k\bar m_k^2$ at init.
    pub peak_init: Vec<f64>,
    /// Per-neuron $\max_k\bar m_k^2$ when the median $s$ reached `snapshot_s` (empty if never).
    pub peak_snapshot: Vec<f64>,
    /// Medians of $1-\mu_i$ sampled over the second half (if `floor_every > 0`).
    pub floor_samples: Vec<f64>,
    /// `(step, s_1..s_m, mu_1..mu_m)` at logged steps (if traced).
    pub trace: Vec<(u64, Vec<f64>)>,
    /// Largest deviation of a neuron norm from 1 at the end.
    pub norm_error: f64,
}

/// Builds the engine the config resolves to, drawing its initial state from `rng`.
pub fn build_engine(
    cfg: &MultiIndexConfig,
    isa: Isa,
    rng: &mut Rng,
) -> Result<Box<dyn SgdEngine + Send>, Error> {
    cfg.validate()?;
    Ok(match cfg.resolved_engine() {
        EngineKind::Span => Box::new(SpanEngine::new(cfg, rng)?),
        _ => Box::new(FullEngine::new(cfg, isa, rng)?),
    })
}

/// Runs the two-stage schedule of `cfg` on `engine`.
pub fn run_sgd(
    cfg: &MultiIndexConfig,
    engine: &mut dyn SgdEngine,
    rng: &mut Rng,
    options: DriverOptions,
    observer: &mut dyn Observer,
) -> Result<SgdOutcome, Error> {
    cfg.validate()?;
    let (p, m) = (cfg.p, cfg.m);
    let (eta1, eta2) = cfg.step_sizes();
    let two_stage = eta1 != eta2 || cfg.label_transform != super::config::LabelTransform::Identity;
    let weights = cfg.teacher_weights();
    let pop = Population {
        link: &cfg.link.series,
        act: cfg.act_series(),
        weights: &weights,
    };
    let mut m_ov = vec![0.0; m * p];
    let mut q = vec![0.0; m * m];
    let mut a_buf = vec![0.0; m];
    let mut scratch = vec![0.0; m * m];
    let mut med = vec![0.0; m];
    let mut t_sub = vec![f64::INFINITY; m];
    let mut t_dir = vec![f64::INFINITY; m];
    let mut out = SgdOutcome {
        steps: 0,
        t_sub: Vec::new(),
        t_dir: Vec::new(),
        t_switch: f64::INFINITY,
        ridge_at_switch: f64::NAN,
        ridge_end: f64::NAN,
        m_final: Vec::new(),
        q_final: Vec::new(),
        peak_init: Vec::new(),
        peak_snapshot: Vec::new(),
        floor_samples: Vec::new(),
        trace: Vec::new(),
        norm_error: 0.0,
    };
    engine.overlaps(&mut m_ov);
    out.peak_init = (0..m).map(|i| direction_peak(&m_ov, p, i)).collect();
    let schedule = LogSchedule::Geometric {
        per_decade: cfg.log_per_decade,
    };
    let mut next_log = 0u64;
    let mut stage1 = true;
    let mut snapshot_taken = false;
    let mut aligned = 0usize;
    let mut step = 0u64;
    loop {
        // Hitting times and the stage switch at the current step.
        let mut all_finite = true;
        for i in 0..m {
            let s = subspace_mass(&m_ov, p, i);
            let mu = alignment(&m_ov, p, i);
            if !(s.is_finite() && mu.is_finite() && s <= 1.0 + 1e-9) {
                all_finite = false;
            }
            if t_sub[i].is_infinite() && s >= cfg.theta_sub {
                t_sub[i] = step as f64;
            }
            if t_dir[i].is_infinite() && mu >= cfg.theta_dir {
                t_dir[i] = step as f64;
                aligned += 1;
            }
            med[i] = s;
        }
        if !all_finite {
            let bad = m_ov
                .iter()
                .copied()
                .find(|v| !v.is_finite() || libm::fabs(*v) > 1.0 + 1e-9);
            return Err(Error::Diverged {
                step,
                quantity: "overlap M",
                value: bad.unwrap_or(f64::NAN),
            });
        }
        if (two_stage && stage1) || !snapshot_taken {
            let switch_now = two_stage && stage1 && median_at_least(&mut med, cfg.s_switch);
            if switch_now {
                stage1 = false;
                out.t_switch = step as f64;
                engine.gram(&mut q);
                out.ridge_at_switch =
                    pop.ridge(&m_ov, &q, cfg.ridge_lambda, &mut a_buf, &mut scratch)?;
                observer.event(step, "stage_switch", out.ridge_at_switch);
            }
            if !snapshot_taken && median_at_least(&mut med, options.snapshot_s) {
                snapshot_taken = true;
                out.peak_snapshot = (0..m).map(|i| direction_peak(&m_ov, p, i)).collect();
            }
        }
        if options.floor_every > 0
            && step > cfg.steps / 2
            && step.is_multiple_of(options.floor_every)
        {
            for i in 0..m {
                med[i] = 1.0 - alignment(&m_ov, p, i);
            }
            out.floor_samples.push(median_in_place(&mut med));
        }
        let done = step >= cfg.steps
            || (cfg.stop_when_aligned && aligned == m)
            || (options.stop_after_snapshot && snapshot_taken);
        if step == next_log || done {
            log(
                cfg,
                &pop,
                engine,
                step,
                stage1,
                &m_ov,
                &mut q,
                &mut a_buf,
                &mut scratch,
                &mut med,
                observer,
            )?;
            if options.trace {
                let mut v = Vec::with_capacity(2 * m);
                v.extend((0..m).map(|i| subspace_mass(&m_ov, p, i)));
                v.extend((0..m).map(|i| alignment(&m_ov, p, i)));
                out.trace.push((step, v));
            }
            next_log = schedule.next_after(step);
        }
        if done {
            break;
        }
        step += 1;
        let eta = if stage1 { eta1 } else { eta2 };
        engine.step(step, eta, stage1 && two_stage, rng)?;
        engine.overlaps(&mut m_ov);
    }
    engine.gram(&mut q);
    out.ridge_end = pop.ridge(&m_ov, &q, cfg.ridge_lambda, &mut a_buf, &mut scratch)?;
    if !out.ridge_end.is_finite() {
        return Err(Error::Diverged {
            step,
            quantity: "ridge loss",
            value: out.ridge_end,
        });
    }
    out.steps = step;
    out.t_sub = t_sub;
    out.t_dir = t_dir;
    out.m_final = m_ov;
    out.q_final = q;
    out.norm_error = engine.norm_error();
    Ok(out)
}

/// Whether the median of `values` is ≥ `threshold`: a count decides unless exactly half the
/// values reach it (even length), then the sort does. Reorders `values`.
fn median_at_least(values: &mut [f64], threshold: f64) -> bool {
    let n = values.len();
    let above = values.iter().filter(|&&v| v >= threshold).count();
    if 2 * above > n {
        true
    } else if 2 * above < n {
        false
    } else {
        median_in_place(values) >= threshold
    }
}

#[allow(clippy::too_many_arguments)]
fn log(
    cfg: &MultiIndexConfig,
    pop: &Population<'_>,
    engine: &dyn SgdEngine,
    step: u64,
    stage1: bool,
    m_ov: &[f64],
    q: &mut [f64],
    a_buf: &mut [f64],
    scratch: &mut [f64],
    med: &mut [f64],
    observer: &mut dyn Observer,
) -> Result<(), Error> {
    let (p, m) = (cfg.p, cfg.m);
    for i in 0..m {
        med[i] = subspace_mass(m_ov, p, i);
    }
    let s_min = med.iter().copied().fold(f64::INFINITY, f64::min);
    let s_med = median_in_place(med);
    for i in 0..m {
        med[i] = alignment(m_ov, p, i);
    }
    let mu_min = med.iter().copied().fold(f64::INFINITY, f64::min);
    let mu_med = median_in_place(med);
    let cov = coverage(m_ov, p, m);
    engine.gram(q);
    let grassmann = super::metrics::grassmann_distance(m_ov, q, p, m);
    let ridge = if cfg.log_ridge {
        pop.ridge(m_ov, q, cfg.ridge_lambda, a_buf, scratch)?
    } else {
        f64::NAN
    };
    let values = [
        ("s_median", s_med),
        ("s_min", s_min),
        ("mu_median", mu_med),
        ("mu_min", mu_min),
        ("coverage", cov),
        ("stage", if stage1 { 1.0 } else { 2.0 }),
        ("grassmann", grassmann),
        ("samples", (step * cfg.batch as u64) as f64),
        ("ridge_loss", ridge),
    ];
    let n = if cfg.log_ridge { 9 } else { 8 };
    observer.record(&Record {
        step,
        values: &values[..n],
    });
    Ok(())
}

/// Empirical stage-3 ridge (§4): $a = (\Phi^\top\Phi/N + \lambda I)^{-1}\Phi^\top y/N$ from `n` fresh
/// samples; returns $a$ and its population loss.
pub fn empirical_ridge(
    cfg: &MultiIndexConfig,
    engine: &dyn SgdEngine,
    n: usize,
    lambda: f64,
    rng: &mut Rng,
) -> Result<(Vec<f64>, f64), Error> {
    let (p, m) = (cfg.p, cfg.m);
    let mut gram = vec![0.0; m * m];
    let mut rhs = vec![0.0; m];
    let mut phi = vec![0.0; m];
    for _ in 0..n {
        let y = engine.sample_features(rng, &mut phi);
        for i in 0..m {
            rhs[i] += phi[i] * y;
            for j in 0..m {
                gram[i * m + j] += phi[i] * phi[j];
            }
        }
    }
    let nf = n as f64;
    for i in 0..m {
        rhs[i] /= nf;
        for j in 0..m {
            gram[i * m + j] /= nf;
        }
        gram[i * m + i] += lambda;
    }
    crate::linalg::solve_spd(&mut gram, m, &mut rhs)?;
    let weights = cfg.teacher_weights();
    let pop = Population {
        link: &cfg.link.series,
        act: cfg.act_series(),
        weights: &weights,
    };
    let mut m_ov = vec![0.0; m * p];
    let mut q = vec![0.0; m * m];
    engine.overlaps(&mut m_ov);
    engine.gram(&mut q);
    let loss = pop.loss(&m_ov, &q, &rhs);
    Ok((rhs, loss))
}
