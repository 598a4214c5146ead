//! The sparse-contextual-bigram data model (spec §2): a column-stochastic transition matrix $P$
//! with stationary law $\mu$, $Q$-sparse attention vectors $q^{(k)}$ chosen by the last token,
//! the exact sampler, and the task generators.
//!
//! Layouts (column-major, contiguous columns): `p[j * n + i]` $= P_{ij}$ (next $= i$ given
//! source $= j$); `qmat[k * t + s]` $= \mathbf Q_{sk}$ (position $s$, query token $k$).

use crate::Error;
use crate::random::{AliasTable, Rng, dirichlet, uniform};
use alloc::vec;
use alloc::vec::Vec;

/// How the nonzero weights of each $q^{(k)}$ are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weights {
    /// $1/Q$ each.
    Uniform,
    /// Dirichlet$(\mathbf 1)$.
    Dirichlet,
}

/// Parameters of a random task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskConfig {
    /// Vocabulary size $N$.
    pub n: usize,
    /// Context length $T$.
    pub t: usize,
    /// Sparsity $Q$.
    pub q: usize,
    /// Dirichlet concentration of $P$'s columns.
    pub alpha_p: f64,
    /// Redraw $P$ until $\mu_{\min}\ge c_\mu/N$.
    pub c_mu: f64,
    /// Weights of the $q^{(k)}$.
    pub weights: Weights,
}

impl TaskConfig {
    /// Checks the ranges of spec §9.4.
    pub fn validate(&self) -> Result<(), Error> {
        if !(2..=4096).contains(&self.n) {
            return Err(Error::invalid("n", self.n as f64, "in 2..=4096"));
        }
        if !(1..=1 << 20).contains(&self.t) {
            return Err(Error::invalid("t", self.t as f64, "in 1..=2^20"));
        }
        if !(1..=self.t).contains(&self.q) {
            return Err(Error::invalid("q", self.q as f64, "in 1..=t"));
        }
        if !(self.alpha_p > 0.0 && self.alpha_p.is_finite()) {
            return Err(Error::invalid("alpha_p", self.alpha_p, "finite and > 0"));
        }
        if !(0.0..1.0).contains(&self.c_mu) {
            return Err(Error::invalid("c_mu", self.c_mu, "in [0, 1)"));
        }
        Ok(())
    }
}

/// A task: $P$, $\mu$, $\mathbf Q$ and the supports.
#[derive(Clone, Debug, PartialEq)]
pub struct ScbTask {
    /// $N$.
    pub n: usize,
    /// $T$.
    pub t: usize,
    /// $Q$.
    pub q: usize,
    /// $P$, column-major $N\times N$.
    pub p: Vec<f64>,
    /// Stationary law $\mu$ ($P\mu = \mu$).
    pub mu: Vec<f64>,
    /// $\mathbf Q$, column-major $T\times N$.
    pub qmat: Vec<f64>,
    /// Per query token: `(position, weight)` of the support, positions ascending.
    pub supports: Vec<Support>,
}

/// Stationary law of a column-stochastic $P$ by power iteration ($\|\Delta\mu\|_1 < 10^{-14}$).
pub fn stationary(p: &[f64], n: usize) -> Result<Vec<f64>, Error> {
    let mut mu = vec![1.0 / n as f64; n];
    let mut next = vec![0.0; n];
    for _ in 0..100_000 {
        next.fill(0.0);
        for j in 0..n {
            let col = &p[j * n..(j + 1) * n];
            for i in 0..n {
                next[i] += col[i] * mu[j];
            }
        }
        let s: f64 = next.iter().sum();
        let mut diff = 0.0;
        for i in 0..n {
            next[i] /= s;
            diff += libm::fabs(next[i] - mu[i]);
        }
        core::mem::swap(&mut mu, &mut next);
        if diff < 1e-14 {
            return Ok(mu);
        }
    }
    Err(Error::NotConverged {
        what: "stationary law (power iteration)",
        iterations: 100_000,
    })
}

fn random_p(cfg: &TaskConfig, rng: &mut Rng) -> Result<(Vec<f64>, Vec<f64>), Error> {
    let n = cfg.n;
    let alpha = vec![cfg.alpha_p; n];
    for _ in 0..100 {
        let mut p = vec![0.0; n * n];
        for col in p.chunks_exact_mut(n) {
            dirichlet(rng, &alpha, col)?;
        }
        let mu = stationary(&p, n)?;
        let min = mu.iter().copied().fold(f64::INFINITY, f64::min);
        if min >= cfg.c_mu / n as f64 {
            return Ok((p, mu));
        }
    }
    Err(Error::invalid(
        "c_mu",
        cfg.c_mu,
        "small enough that a Dirichlet(alpha_p) matrix has μ_min ≥ c_mu/N within 100 draws",
    ))
}

/// `(position, weight)` pairs of one attention vector's support.
pub type Support = Vec<(u32, f64)>;

fn random_q(cfg: &TaskConfig, rng: &mut Rng) -> Result<(Vec<f64>, Vec<Support>), Error> {
    let (n, t, q) = (cfg.n, cfg.t, cfg.q);
    let mut qmat = vec![0.0; t * n];
    let mut supports = Vec::with_capacity(n);
    let ones = vec![1.0; q];
    let mut w = vec![0.0; q];
    let mut pos: Vec<u32> = Vec::with_capacity(q);
    for k in 0..n {
        // Q distinct uniform positions (Floyd's algorithm).
        pos.clear();
        for j in t - q..t {
            let r = crate::random::below(rng, j as u64 + 1) as u32;
            if pos.contains(&r) {
                pos.push(j as u32);
            } else {
                pos.push(r);
            }
        }
        pos.sort_unstable();
        match cfg.weights {
            Weights::Uniform => w.fill(1.0 / q as f64),
            Weights::Dirichlet => dirichlet(rng, &ones, &mut w)?,
        }
        let sup: Vec<(u32, f64)> = pos.iter().copied().zip(w.iter().copied()).collect();
        for &(s, v) in &sup {
            qmat[k * t + s as usize] = v;
        }
        supports.push(sup);
    }
    Ok((qmat, supports))
}

impl ScbTask {
    /// A random task (spec §2 generator): $P$ with Dirichlet($\alpha_P$) columns redrawn until
    /// $\mu_{\min}\ge c_\mu/N$, supports of $Q$ distinct uniform positions, weights per `cfg`.
    pub fn random(cfg: &TaskConfig, rng: &mut Rng) -> Result<ScbTask, Error> {
        cfg.validate()?;
        let (p, mu) = random_p(cfg, rng)?;
        let (qmat, supports) = random_q(cfg, rng)?;
        Ok(ScbTask {
            n: cfg.n,
            t: cfg.t,
            q: cfg.q,
            p,
            mu,
            qmat,
            supports,
        })
    }

    /// A downstream task (§5.6): $P' = \theta P + (1-\theta)R$ with fresh Dirichlet columns $R$,
    /// its $\mu'$, and fresh supports and weights.
    pub fn related(
        base: &ScbTask,
        cfg: &TaskConfig,
        theta: f64,
        rng: &mut Rng,
    ) -> Result<ScbTask, Error> {
        if !(0.0..=1.0).contains(&theta) {
            return Err(Error::invalid("theta", theta, "in [0, 1]"));
        }
        cfg.validate()?;
        let n = base.n;
        let alpha = vec![cfg.alpha_p; n];
        let mut r = vec![0.0; n];
        let mut p = vec![0.0; n * n];
        // Like the base generator, redraw R until μ'_min ≥ c_μ/N: D'^{-1} amplifies rare tokens.
        let mut mu = Vec::new();
        for attempt in 0..100 {
            for j in 0..n {
                dirichlet(rng, &alpha, &mut r)?;
                for i in 0..n {
                    p[j * n + i] = theta * base.p[j * n + i] + (1.0 - theta) * r[i];
                }
            }
            mu = stationary(&p, n)?;
            if mu.iter().copied().fold(f64::INFINITY, f64::min) >= cfg.c_mu / n as f64 {
                break;
            }
            if attempt == 99 {
                return Err(Error::invalid(
                    "c_mu",
                    cfg.c_mu,
                    "small enough that the related task has μ'_min ≥ c_mu/N within 100 draws",
                ));
            }
        }
        let (qmat, supports) = random_q(cfg, rng)?;
        Ok(ScbTask {
            n,
            t: base.t,
            q: cfg.q,
            p,
            mu,
            qmat,
            supports,
        })
    }

    /// $\tilde P = P - \mu\mathbf 1^\top$ (column-major).
    pub fn p_tilde(&self) -> Vec<f64> {
        let n = self.n;
        let mut out = self.p.clone();
        for j in 0..n {
            for i in 0..n {
                out[j * n + i] -= self.mu[i];
            }
        }
        out
    }

    /// Task correlation $\rho = \langle\tilde P, \tilde P'\rangle_F/(\|\tilde P\|_F\|\tilde P'\|_F)$ and its
    /// $D'$-weighted version (columns weighted by $\mu'_j$).
    pub fn correlation(&self, other: &ScbTask) -> (f64, f64) {
        let (a, b) = (self.p_tilde(), other.p_tilde());
        let n = self.n;
        let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
        let (mut abd, mut aad, mut bbd) = (0.0, 0.0, 0.0);
        for j in 0..n {
            let w = other.mu[j];
            for i in 0..n {
                let (x, y) = (a[j * n + i], b[j * n + i]);
                ab += x * y;
                aa += x * x;
                bb += y * y;
                abd += w * x * y;
                aad += w * x * x;
                bbd += w * y * y;
            }
        }
        (ab / libm::sqrt(aa * bb), abd / libm::sqrt(aad * bbd))
    }
}

/// One mini-batch: contexts ($B\times T$ tokens), last tokens and outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// Size $B$.
    pub b: usize,
    /// Context length $T$.
    pub t: usize,
    /// Tokens $x_1..x_T$ of sample $b$ at `ctx[b * t ..]`.
    pub ctx: Vec<u32>,
    /// $k = x_{T+1}$ per sample.
    pub last: Vec<u32>,
    /// $x_o$ per sample.
    pub out: Vec<u32>,
}

impl Batch {
    /// An empty batch of `b` samples of length `t` (filled by [`Sampler::fill`]).
    pub fn new(b: usize, t: usize) -> Batch {
        Batch {
            b,
            t,
            ctx: vec![0; b * t],
            last: vec![0; b],
            out: vec![0; b],
        }
    }
}

/// The exact sampler: alias tables for $\mu$ and for each column of $P$, cumulative weights of
/// each $q^{(k)}$.
#[derive(Clone, Debug)]
pub struct Sampler {
    mu_alias: AliasTable,
    p_alias: Vec<AliasTable>,
    q_cum: Vec<Vec<(u32, f64)>>,
}

impl Sampler {
    /// Prepares the tables of `task`.
    pub fn new(task: &ScbTask) -> Result<Sampler, Error> {
        let n = task.n;
        let mu_alias = AliasTable::new(&task.mu)?;
        let p_alias = (0..n)
            .map(|j| AliasTable::new(&task.p[j * n..(j + 1) * n]))
            .collect::<Result<Vec<_>, _>>()?;
        let q_cum = task
            .supports
            .iter()
            .map(|s| {
                let mut c = 0.0;
                s.iter()
                    .map(|&(pos, w)| {
                        c += w;
                        (pos, c)
                    })
                    .collect()
            })
            .collect();
        Ok(Sampler {
            mu_alias,
            p_alias,
            q_cum,
        })
    }

    /// Draws one sample into row `b` of `batch`: $x_1..x_T$ i.i.d. $\mu$, $k\sim\mu$,
    /// $s\sim q^{(k)}$, $x_o\sim P\[:, x_s\]$.
    #[inline]
    pub fn fill_one(&self, rng: &mut Rng, batch: &mut Batch, b: usize) {
        let t = batch.t;
        let row = &mut batch.ctx[b * t..(b + 1) * t];
        for x in row.iter_mut() {
            *x = self.mu_alias.sample(rng) as u32;
        }
        let k = self.mu_alias.sample(rng);
        let s = self.sample_position(k, rng);
        batch.last[b] = k as u32;
        batch.out[b] = self.sample_next(row[s] as usize, rng) as u32;
    }

    /// A source position $s\sim q^{(k)}$.
    #[inline]
    pub fn sample_position(&self, k: usize, rng: &mut Rng) -> usize {
        let cum = &self.q_cum[k];
        let u = uniform(rng) * cum.last().map_or(1.0, |c| c.1);
        cum.iter()
            .find(|c| u < c.1)
            .unwrap_or(&cum[cum.len() - 1])
            .0 as usize
    }

    /// The next token $x_o\sim P\[:, \text{src}\]$.
    #[inline]
    pub fn sample_next(&self, src: usize, rng: &mut Rng) -> usize {
        self.p_alias[src].sample(rng)
    }

    /// Fills the whole batch.
    pub fn fill(&self, rng: &mut Rng, batch: &mut Batch) {
        for b in 0..batch.b {
            self.fill_one(rng, batch, b);
        }
    }
}
