//! The span-tracking engine (spec §6.2): exact in law, cost independent of $d$.
//!
//! $x$ is isotropic and every update moves $w_i$ along $x - z_iw_i$, so the run's law depends
//! only on the coordinates of $(V^*, W)$ in an orthonormal basis of their span. Column $i$ of the
//! state holds $w_i$'s coordinates $[M_{:,i}; B_{:,i}]$: $M$ on $V^*$, $B$ on an orthonormal basis
//! $u_1..u_r$ of the rest. A sample is $x = V^*z^v + Uz^u + \rho\,e_{\rm new}$ with $z^v, z^u$ standard
//! normal and $\rho^2\sim\chi^2_{d-P-r}$: the update puts $-\eta s_i\rho$ on the new row and
//! $r$ grows by one. When $r$ reaches the capacity, Householder QR of $B$ ($r\times m$) re-expresses
//! the columns in an $m$-dimensional basis of their span (the basis itself is never stored).
//!
//! Init (exact): $M$ standard normal, $B$ the Bartlett factor of $m$ Gaussian vectors in
//! $\mathbb R^{d-P}$ ($B_{ii} = \sqrt{\chi^2_{d-P-i}}$, $B_{ji}\sim N(0,1)$ for $j<i$), columns normalised.

use super::config::{Loss, MultiIndexConfig};
use super::engine::SgdEngine;
use super::kernels::{check_neuron_scalars, neuron_scalars};
use super::problem::Teacher;
use crate::Error;
use crate::random::{ChiSquared, Rng, fill_normal};
use crate::special::SeriesEval;
use alloc::vec;
use alloc::vec::Vec;

/// The span engine's state and workspace.
#[derive(Clone, Debug)]
pub struct SpanEngine {
    p: usize,
    m: usize,
    cap: usize,
    stride: usize,
    /// Rows of $B$ in use.
    r: usize,
    batch: usize,
    loss: Loss,
    act: SeriesEval,
    a: Vec<f64>,
    teacher: Teacher,
    /// Column $i$ at `cols[i * stride ..]`: $[M_{:,i}; B_{:,i}]$, length $P + $cap.
    cols: Vec<f64>,
    /// χ² laws of $\rho^2$ by row index $r' = r + b$: dof $d - P - r'$, for $r'\in[m, $cap$)$.
    chi: Vec<ChiSquared>,
    /// Batch sample coordinates, `batch × stride`.
    xv: Vec<f64>,
    z: Vec<f64>,
    s: Vec<f64>,
    /// Householder vector scratch (cap).
    qr_v: Vec<f64>,
}

impl SpanEngine {
    /// Draws the exact initial state from `rng`. Requires $d \ge P + $cap (see
    /// [`MultiIndexConfig::span_cap`]).
    pub fn new(cfg: &MultiIndexConfig, rng: &mut Rng) -> Result<SpanEngine, Error> {
        cfg.validate()?;
        let (d, p, m) = (cfg.d, cfg.p, cfg.m);
        let cap = cfg.span_cap();
        if d < p + cap {
            return Err(Error::invalid(
                "d",
                d as f64,
                "≥ p + max(2m, m + batch) for the span engine",
            ));
        }
        let stride = p + cap;
        let chi = (m..cap)
            .map(|r| ChiSquared::new((d - p - r) as f64))
            .collect::<Result<Vec<_>, _>>()?;
        let mut cols = vec![0.0; m * stride];
        for i in 0..m {
            let col = &mut cols[i * stride..(i + 1) * stride];
            fill_normal(rng, &mut col[..p + i]);
            col[p + i] = libm::sqrt(ChiSquared::new((d - p - i) as f64)?.sample(rng));
            normalise(&mut col[..p + i + 1]);
        }
        Ok(SpanEngine {
            p,
            m,
            cap,
            stride,
            r: m,
            batch: cfg.batch,
            loss: cfg.loss,
            act: SeriesEval::new(cfg.act_series().coef()),
            a: vec![cfg.a0; m],
            teacher: Teacher::new(cfg),
            cols,
            chi,
            xv: vec![0.0; cfg.batch * stride],
            z: vec![0.0; cfg.batch * m],
            s: vec![0.0; cfg.batch * m],
            qr_v: vec![0.0; cap],
        })
    }

    /// Rows of $B$ in use.
    pub fn rows(&self) -> usize {
        self.r
    }

    /// Column $i$ (length $P + r$).
    pub fn column(&self, i: usize) -> &[f64] {
        &self.cols[i * self.stride..i * self.stride + self.p + self.r]
    }

    /// Re-expresses $B$ in an $m$-row basis of its column span: Householder QR of $B$
    /// ($r\times m$) applied in place to the neurons' contiguous columns, keeping $R$. The
    /// reflections act on the basis $u_1..u_r$, which is never stored, so only the coordinates
    /// change; $M$, $Q$ and the law of future samples are unchanged.
    pub fn compress(&mut self) {
        let (p, m, r, st) = (self.p, self.m, self.r, self.stride);
        let keep = r.min(m);
        for j in 0..keep {
            // Householder vector of column j below row j (rows j..r of B).
            let v = &mut self.qr_v[..r - j];
            let cj = &self.cols[j * st + p + j..j * st + p + r];
            let scale = cj.iter().fold(0.0f64, |a, x| a.max(libm::fabs(*x)));
            if scale == 0.0 {
                continue;
            }
            let mut ss = 0.0;
            for (vi, x) in v.iter_mut().zip(cj) {
                *vi = x / scale;
                ss += *vi * *vi;
            }
            let norm = libm::sqrt(ss);
            let alpha = if v[0] >= 0.0 { -norm } else { norm };
            v[0] -= alpha;
            let vv = dot_short(v, v);
            if vv == 0.0 {
                continue;
            }
            for c in j..m {
                let col = &mut self.cols[c * st + p + j..c * st + p + r];
                let f = 2.0 * dot_short(v, col) / vv;
                for (x, vi) in col.iter_mut().zip(v.iter()) {
                    *x -= f * vi;
                }
            }
            // Exact zeros below the diagonal of column j.
            let cj = &mut self.cols[j * st + p + j..j * st + p + r];
            cj[0] = alpha * scale;
            cj[1..].fill(0.0);
        }
        for i in 0..m {
            self.cols[i * st + p + keep..(i + 1) * st].fill(0.0);
        }
        self.r = keep;
    }
}

fn normalise(x: &mut [f64]) {
    let n = libm::sqrt(x.iter().map(|v| v * v).sum::<f64>());
    for v in x.iter_mut() {
        *v /= n;
    }
}

#[inline]
fn dot_short(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators in a fixed order: vectorises, same bits on every ISA.
    let mut acc = [0.0f64; 4];
    let n4 = a.len() / 4 * 4;
    for (ca, cb) in a[..n4].chunks_exact(4).zip(b[..n4].chunks_exact(4)) {
        for t in 0..4 {
            acc[t] += ca[t] * cb[t];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for t in n4..a.len() {
        s += a[t] * b[t];
    }
    s
}

impl SgdEngine for SpanEngine {
    fn width(&self) -> usize {
        self.m
    }

    fn directions(&self) -> usize {
        self.p
    }

    fn step(&mut self, step: u64, eta: f64, stage1: bool, rng: &mut Rng) -> Result<(), Error> {
        let (p, m, st, nb) = (self.p, self.m, self.stride, self.batch);
        if self.r + nb > self.cap {
            self.compress();
        }
        let r = self.r;
        let used = p + r;
        for b in 0..nb {
            let xb = &mut self.xv[b * st..(b + 1) * st];
            // z^v, z^u, and the coordinates on the directions added by earlier samples of the batch.
            fill_normal(rng, &mut xb[..used + b]);
            xb[used + b] = libm::sqrt(self.chi[r + b - m].sample(rng));
            xb[used + b + 1..used + nb].fill(0.0);
            let y = self.teacher.label(&xb[..p], stage1, rng);
            let z = &mut self.z[b * m..(b + 1) * m];
            for i in 0..m {
                z[i] = dot_short(&self.cols[i * st..i * st + used], &xb[..used]);
            }
            let s = &mut self.s[b * m..(b + 1) * m];
            neuron_scalars(&self.act, &self.a, z, y, self.loss, s);
            check_neuron_scalars(step, &z[..m], &s[..m])?;
        }
        let h = eta / nb as f64;
        let len = used + nb;
        if nb == 1 {
            // One pass per neuron: w ← c(βw + αx) with the closed-form norm
            // ‖βw + αx‖² = β² + 2αβz + α²‖x‖² (unit w, z = w·x); exact renormalisation every
            // RENORMALISE_EVERY steps removes the rounding drift.
            let xb = &self.xv[..len];
            let xn2 = dot_short(xb, xb);
            for i in 0..m {
                let (s, z) = (self.s[i], self.z[i]);
                let alpha = -h * s;
                let beta = 1.0 + h * s * z;
                let n2 = beta * beta + 2.0 * alpha * beta * z + alpha * alpha * xn2;
                if !(n2.is_finite() && n2 > 0.0) {
                    return Err(Error::Diverged {
                        step,
                        quantity: "neuron norm",
                        value: libm::sqrt(n2),
                    });
                }
                let c = 1.0 / libm::sqrt(n2);
                let (ca, cb) = (c * alpha, c * beta);
                let col = &mut self.cols[i * st..i * st + len];
                for (w, x) in col.iter_mut().zip(xb) {
                    *w = cb * *w + ca * x;
                }
            }
            if step.is_multiple_of(super::full::RENORMALISE_EVERY) {
                for i in 0..m {
                    normalise(&mut self.cols[i * st..i * st + len]);
                }
            }
            self.r += nb;
            return Ok(());
        }
        for i in 0..m {
            let mut sz = 0.0;
            for b in 0..nb {
                sz += self.s[b * m + i] * self.z[b * m + i];
            }
            let col = &mut self.cols[i * st..i * st + len];
            let beta = 1.0 + h * sz;
            for v in col.iter_mut() {
                *v *= beta;
            }
            for b in 0..nb {
                let alpha = -h * self.s[b * m + i];
                let xb = &self.xv[b * st..b * st + len];
                for (c, x) in col.iter_mut().zip(xb) {
                    *c += alpha * x;
                }
            }
            let n2 = dot_short(col, col);
            if !(n2.is_finite() && n2 > 0.0) {
                return Err(Error::Diverged {
                    step,
                    quantity: "neuron norm",
                    value: libm::sqrt(n2),
                });
            }
            let inv = 1.0 / libm::sqrt(n2);
            for c in col.iter_mut() {
                *c *= inv;
            }
        }
        self.r += nb;
        Ok(())
    }

    fn overlaps(&self, out: &mut [f64]) {
        let (p, st) = (self.p, self.stride);
        for i in 0..self.m {
            out[i * p..(i + 1) * p].copy_from_slice(&self.cols[i * st..i * st + p]);
        }
    }

    fn gram(&self, out: &mut [f64]) {
        let (m, st, used) = (self.m, self.stride, self.p + self.r);
        for i in 0..m {
            for j in 0..m {
                out[i * m + j] = dot_short(
                    &self.cols[i * st..i * st + used],
                    &self.cols[j * st..j * st + used],
                );
            }
        }
    }

    fn sample_features(&self, rng: &mut Rng, phi: &mut [f64]) -> f64 {
        let used = self.p + self.r;
        let mut x = vec![0.0; used];
        fill_normal(rng, &mut x);
        for i in 0..self.m {
            let z = dot_short(&self.cols[i * self.stride..i * self.stride + used], &x);
            phi[i] = self.act.value(z);
        }
        self.teacher.label(&x[..self.p], false, rng)
    }

    fn norm_error(&self) -> f64 {
        (0..self.m)
            .map(|i| {
                let c = self.column(i);
                libm::fabs(libm::sqrt(dot_short(c, c)) - 1.0)
            })
            .fold(0.0, f64::max)
    }
}
