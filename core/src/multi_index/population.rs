//! Closed forms of spec §5 (derived): population loss, tangent gradients, $\partial_a L$, and the
//! population ridge refit of the second layer, all from the overlaps $M = V^{*\top}W$ and
//! $Q = W^\top W$ (cost $O(m^2 + mP)$, ridge $+O(m^3)$).
//!
//! Layouts: `m_ov[i * p + k]` $= M_{ki}$ (neuron-major), `q[i * m + j]` $= Q_{ij}$.

use crate::Error;
use crate::linalg::{cholesky, cholesky_solve};
use crate::special::HermiteSeries;
use alloc::vec;
use alloc::vec::Vec;

/// The teacher and student functions of a population computation.
#[derive(Clone, Debug)]
pub struct Population<'a> {
    /// Link φ.
    pub link: &'a HermiteSeries,
    /// Activation σ.
    pub act: &'a HermiteSeries,
    /// Teacher weights $b_k$.
    pub weights: &'a [f64],
}

impl Population<'_> {
    /// Number of directions $P$.
    pub fn p(&self) -> usize {
        self.weights.len()
    }

    /// $E[f^{*2}] = \sum_k b_k^2 K_{\phi\phi}(1) + \sum_{k\ne k'} b_kb_{k'}\hat\phi_0^2$.
    pub fn teacher_energy(&self) -> f64 {
        let kk = self.link.kernel(self.link, 1.0);
        let sb: f64 = self.weights.iter().sum();
        let sb2: f64 = self.weights.iter().map(|b| b * b).sum();
        let c0 = self.link.c(0);
        sb2 * kk + (sb * sb - sb2) * c0 * c0
    }

    /// $L_{\rm pop} = \frac12 E(f-f^*)^2$ for second layer `a`.
    pub fn loss(&self, m_ov: &[f64], q: &[f64], a: &[f64]) -> f64 {
        let m = a.len();
        let p = self.p();
        let mut ss = 0.0;
        for i in 0..m {
            let mut row = 0.0;
            for j in 0..m {
                row += a[j] * self.act.kernel(self.act, q[i * m + j]);
            }
            ss += a[i] * row;
        }
        let mut cross = 0.0;
        for i in 0..m {
            let mut t = 0.0;
            for k in 0..p {
                t += self.weights[k] * self.act.kernel(self.link, m_ov[i * p + k]);
            }
            cross += a[i] * t;
        }
        0.5 * (ss - 2.0 * cross + self.teacher_energy())
    }

    /// $\partial_{a_i} L_{\rm pop} = \sum_j a_jK_{\sigma\sigma}(Q_{ij}) - \sum_k b_kK_{\sigma\phi}(M_{ki})$.
    pub fn grad_a(&self, m_ov: &[f64], q: &[f64], a: &[f64], out: &mut [f64]) {
        let m = a.len();
        let p = self.p();
        for i in 0..m {
            let mut g = 0.0;
            for j in 0..m {
                g += a[j] * self.act.kernel(self.act, q[i * m + j]);
            }
            for k in 0..p {
                g -= self.weights[k] * self.act.kernel(self.link, m_ov[i * p + k]);
            }
            out[i] = g;
        }
    }

    /// Tangent (Riemannian) gradients of $L_{\rm pop}$ on the sphere, as vectors in $\mathbb R^d$:
    /// $\mathrm{grad}_i = a_i[\sum_{j\ne i}a_jK'_{\sigma\sigma}(Q_{ij})(w_j-Q_{ij}w_i) -
    /// \sum_k b_kK'_{\sigma\phi}(M_{ki})(v_k-M_{ki}w_i)]$. `w` is $m\times d$, `v` is $P\times d$
    /// (rows unit), `out` is $m\times d$.
    pub fn grad_w(&self, a: &[f64], w: &[f64], v: &[f64], d: usize, out: &mut [f64]) {
        let m = a.len();
        let p = self.p();
        let dotp = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        for i in 0..m {
            let wi = &w[i * d..(i + 1) * d];
            let g = &mut out[i * d..(i + 1) * d];
            g.fill(0.0);
            for j in 0..m {
                if j == i {
                    continue;
                }
                let wj = &w[j * d..(j + 1) * d];
                let qij = dotp(wi, wj);
                let c = a[i] * a[j] * self.act.kernel_deriv(self.act, qij);
                for t in 0..d {
                    g[t] += c * (wj[t] - qij * wi[t]);
                }
            }
            for k in 0..p {
                let vk = &v[k * d..(k + 1) * d];
                let mki = dotp(vk, wi);
                let c = a[i] * self.weights[k] * self.act.kernel_deriv(self.link, mki);
                for t in 0..d {
                    g[t] -= c * (vk[t] - mki * wi[t]);
                }
            }
        }
    }

    /// Population ridge (§5.5): $a = (K+\lambda I)^{-1}b$ with $K_{ij}=K_{\sigma\sigma}(Q_{ij})$,
    /// $b_i=\sum_kb_kK_{\sigma\phi}(M_{ki})$, written to `a_out`; returns $L_{\rm pop}(a)$.
    /// `scratch` needs $m^2$ entries.
    pub fn ridge(
        &self,
        m_ov: &[f64],
        q: &[f64],
        lambda: f64,
        a_out: &mut [f64],
        scratch: &mut [f64],
    ) -> Result<f64, Error> {
        let m = a_out.len();
        let p = self.p();
        Error::check_len("ridge scratch (m²)", scratch.len(), m * m)?;
        let k = &mut scratch[..m * m];
        for i in 0..m {
            for j in 0..m {
                k[i * m + j] = self.act.kernel(self.act, q[i * m + j]);
            }
            k[i * m + i] += lambda;
            let mut b = 0.0;
            for kk in 0..p {
                b += self.weights[kk] * self.act.kernel(self.link, m_ov[i * p + kk]);
            }
            a_out[i] = b;
        }
        cholesky(k, m)?;
        cholesky_solve(k, m, a_out)?;
        Ok(self.loss(m_ov, q, a_out))
    }

    /// Allocating convenience wrapper of [`Population::ridge`]: `(a, loss)`.
    pub fn ridge_alloc(
        &self,
        m_ov: &[f64],
        q: &[f64],
        m: usize,
        lambda: f64,
    ) -> Result<(Vec<f64>, f64), Error> {
        let mut a = vec![0.0; m];
        let mut s = vec![0.0; m * m];
        let l = self.ridge(m_ov, q, lambda, &mut a, &mut s)?;
        Ok((a, l))
    }
}

/// $E[\sigma'(w\cdot x)^2\phi(v\cdot x)^2]$-type constants by 2-D Gauss–Hermite quadrature:
/// $E[\phi(Z)^2\sigma'(Z)^2]$ for one $Z\sim N(0,1)$ (the aligned noise constant of §5.6).
pub fn aligned_moment(link: &HermiteSeries, act: &HermiteSeries) -> Result<f64, Error> {
    let n = (link.degree() + act.degree() + 2).clamp(8, 200);
    let gh = crate::special::GaussHermite::new(n)?;
    Ok(gh.expect(|z| {
        let f = link.value(z);
        let s = act.deriv(z);
        f * f * s * s
    }))
}

/// The noise constants of spec §5.6: $C_0 = (\sum b^2)E\phi^2E\sigma'^2$ and
/// $C_{al} = E[\phi^2\sigma'^2] + (P-1)E\phi^2E\sigma'^2$ (unit weights).
pub fn noise_constants(
    link: &HermiteSeries,
    act: &HermiteSeries,
    p: usize,
) -> Result<(f64, f64), Error> {
    let base = link.norm_sq() * act.deriv_norm_sq();
    let c0 = p as f64 * base;
    let cal = aligned_moment(link, act)? + (p as f64 - 1.0) * base;
    Ok((c0, cal))
}
