//! Closed forms of spec §4 (derived): population loss, gradients, Hessian pieces, the Bayes risk,
//! and the scalars α, β, correlation. $O(N^2 + NT)$ each.

use super::task::ScbTask;
use alloc::vec;
use alloc::vec::Vec;

/// The scalars every closed form needs, for value matrix `v` and attention `a` (column-major).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PopStats {
    /// $S_1=\sum_k\mu_k(\mathbf 1^\top a_k)^2$.
    pub s1: f64,
    /// $S_2=\sum_k\mu_k\|a_k\|^2$.
    pub s2: f64,
    /// $c=\sum_k\mu_k\,a_k\cdot q^{(k)}$.
    pub c: f64,
    /// $m=\sum_k\mu_k\mathbf 1^\top a_k$.
    pub m: f64,
    /// $\sigma_V^2=\|V\|_D^2-\|V\mu\|^2$.
    pub var_v: f64,
    /// $\langle V,\tilde PD\rangle$.
    pub ip: f64,
    /// $\mu^\top V\mu$.
    pub mu_v_mu: f64,
    /// $\|V\mu\|^2$.
    pub norm_vmu2: f64,
}

/// $V\mu$.
pub fn v_mu(v: &[f64], mu: &[f64]) -> Vec<f64> {
    let n = mu.len();
    let mut out = vec![0.0; n];
    for j in 0..n {
        for i in 0..n {
            out[i] += v[j * n + i] * mu[j];
        }
    }
    out
}

/// The value-matrix scalars $(\sigma_V^2, \langle V,\tilde PD\rangle, \mu^\top V\mu, \|V\mu\|^2)$
/// (no allocation: runs every PPPD step).
pub fn value_stats(task: &ScbTask, v: &[f64]) -> (f64, f64, f64, f64) {
    let n = task.n;
    let mu = &task.mu;
    let mut norm_d = 0.0;
    let mut ip = 0.0;
    for j in 0..n {
        for i in 0..n {
            let x = v[j * n + i];
            norm_d += x * x * mu[j];
            ip += x * (task.p[j * n + i] - mu[i]) * mu[j];
        }
    }
    let (mut norm_vmu2, mut mu_v_mu) = (0.0, 0.0);
    for i in 0..n {
        let mut vm = 0.0;
        for j in 0..n {
            vm += v[j * n + i] * mu[j];
        }
        norm_vmu2 += vm * vm;
        mu_v_mu += vm * mu[i];
    }
    (norm_d - norm_vmu2, ip, mu_v_mu, norm_vmu2)
}

/// The attention scalars $(S_1, S_2, c, m)$ for weights `a` ($T\times N$, column-major).
pub fn attention_stats(task: &ScbTask, a: &[f64]) -> (f64, f64, f64, f64) {
    let t = task.t;
    let (mut s1, mut s2, mut c, mut m) = (0.0, 0.0, 0.0, 0.0);
    for k in 0..task.n {
        let col = &a[k * t..(k + 1) * t];
        let sum: f64 = col.iter().sum();
        let sq: f64 = col.iter().map(|x| x * x).sum();
        let dq: f64 = task.supports[k]
            .iter()
            .map(|&(s, w)| col[s as usize] * w)
            .sum();
        let mk = task.mu[k];
        s1 += mk * sum * sum;
        s2 += mk * sq;
        c += mk * dq;
        m += mk * sum;
    }
    (s1, s2, c, m)
}

/// All scalars at once.
pub fn pop_stats(task: &ScbTask, v: &[f64], a: &[f64]) -> PopStats {
    let (var_v, ip, mu_v_mu, norm_vmu2) = value_stats(task, v);
    let (s1, s2, c, m) = attention_stats(task, a);
    PopStats {
        s1,
        s2,
        c,
        m,
        var_v,
        ip,
        mu_v_mu,
        norm_vmu2,
    }
}

/// $L = \frac12[1 - 2c\langle V,\tilde PD\rangle - 2m\,\mu^\top V\mu + S_2\sigma_V^2 + S_1\|V\mu\|^2]$
/// (without the ℓ1 term).
pub fn pop_loss(s: &PopStats) -> f64 {
    0.5 * (1.0 - 2.0 * s.c * s.ip - 2.0 * s.m * s.mu_v_mu + s.s2 * s.var_v + s.s1 * s.norm_vmu2)
}

/// $\|\tilde P\|_D^2 = \sum_{ij}\tilde P_{ij}^2\mu_j$.
pub fn p_tilde_norm_d2(task: &ScbTask) -> f64 {
    let n = task.n;
    let mut s = 0.0;
    for j in 0..n {
        for i in 0..n {
            let x = task.p[j * n + i] - task.mu[i];
            s += x * x * task.mu[j];
        }
    }
    s
}

/// Bayes risk $\frac12(1-\|\mu\|^2-S_Q\|\tilde P\|_D^2)$, $S_Q = \sum_k\mu_k\|q^{(k)}\|^2$.
pub fn bayes_loss(task: &ScbTask) -> f64 {
    let mu2: f64 = task.mu.iter().map(|x| x * x).sum();
    let sq: f64 = (0..task.n)
        .map(|k| task.mu[k] * task.supports[k].iter().map(|&(_, w)| w * w).sum::<f64>())
        .sum();
    0.5 * (1.0 - mu2 - sq * p_tilde_norm_d2(task))
}

/// Population gradients: $\nabla_VL$ into `gv` ($N\times N$) and $\nabla_AL$ into `ga` ($T\times N$).
pub fn pop_grads(task: &ScbTask, v: &[f64], a: &[f64], gv: &mut [f64], ga: &mut [f64]) {
    let (n, t) = (task.n, task.t);
    let s = pop_stats(task, v, a);
    let mu = &task.mu;
    // ∇_V L = V[S2(D − μμᵀ) + S1 μμᵀ] − [c P̃D + m μμᵀ]; (V μ μᵀ)_{ij} = (Vμ)_i μ_j.
    let vm = v_mu(v, mu);
    for j in 0..n {
        for i in 0..n {
            let vdj = v[j * n + i] * mu[j];
            let p_t = task.p[j * n + i] - mu[i];
            gv[j * n + i] = s.s2 * (vdj - vm[i] * mu[j]) + s.s1 * vm[i] * mu[j]
                - (s.c * p_t * mu[j] + s.m * mu[i] * mu[j]);
        }
    }
    // ∇_{a_k} L = μ_k[σ² a_k + ‖Vμ‖²(1ᵀa_k)1 − ip q_k − μᵀVμ 1].
    for k in 0..n {
        let col = &a[k * t..(k + 1) * t];
        let sum: f64 = col.iter().sum();
        let g = &mut ga[k * t..(k + 1) * t];
        for (u, &x) in col.iter().enumerate() {
            g[u] = mu[k] * (s.var_v * x + s.norm_vmu2 * sum - s.mu_v_mu);
        }
        for &(pos, w) in &task.supports[k] {
            g[pos as usize] -= mu[k] * s.ip * w;
        }
    }
}

/// $\alpha = \langle V,\tilde PD\rangle/\|\tilde P\|_D^2$ (1 at $V = P$).
pub fn alpha(task: &ScbTask, v: &[f64]) -> f64 {
    value_stats(task, v).1 / p_tilde_norm_d2(task)
}

/// $\beta = \langle V,\tilde PD\rangle/\sigma_V^2$.
pub fn beta(task: &ScbTask, v: &[f64]) -> f64 {
    let (var_v, ip, _, _) = value_stats(task, v);
    ip / var_v
}

/// corr $=\cos(V-\mu\mathbf 1^\top,\tilde P)$ (Frobenius), 0 at $V = \mu\mathbf 1^\top$.
pub fn correlation(task: &ScbTask, v: &[f64]) -> f64 {
    let n = task.n;
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for j in 0..n {
        for i in 0..n {
            let x = v[j * n + i] - task.mu[i];
            let y = task.p[j * n + i] - task.mu[i];
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
    }
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        ab / libm::sqrt(aa * bb)
    }
}
