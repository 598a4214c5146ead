//! Metrics of spec §9.5 for a value matrix and an attention matrix (linear $A$ or softmax$(W)$).

use super::population::{bayes_loss, correlation, p_tilde_norm_d2, pop_loss, pop_stats};
use super::task::ScbTask;

/// The metrics logged through the observer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScbMetrics {
    /// $L - L_{\rm Bayes}$.
    pub excess_pop_loss: f64,
    /// $\|V-P\|_F$.
    pub dist_p: f64,
    /// $\|V-P\|_F/\|P\|_F$.
    pub rel_dist_p: f64,
    /// $\|A-\mathbf Q\|_F$.
    pub dist_q: f64,
    /// $\|A-\mathbf Q\|_F/\|\mathbf Q\|_F$.
    pub rel_dist_q: f64,
    /// $\cos(V-\mu\mathbf 1^\top,\tilde P)$.
    pub corr: f64,
    /// α.
    pub alpha: f64,
    /// β.
    pub beta: f64,
    /// $\sigma_V^2$.
    pub var_v: f64,
    /// Mean number of entries with $|a_t| > 10^{-12}$ per column.
    pub nnz_per_col: f64,
    /// Fraction of nonzero entries that lie on the true support.
    pub supp_precision: f64,
    /// Fraction of support entries with $q_t\ge0.1$ that are nonzero.
    pub supp_recall: f64,
    /// Mean $q$-mass on the recovered support.
    pub recovered_mass: f64,
    /// Mean $\sum_{t\in\mathrm{supp}\,q}|a_t|/\sum_t|a_t|$.
    pub attn_mass_on_support: f64,
    /// Fraction of columns whose largest $a_t$ is a largest $q_t$.
    pub top1_agreement: f64,
    /// Mean $\mathbf 1^\top a_k$.
    pub mean_col_sum_a: f64,
    /// $\max|a_t|$.
    pub max_abs_a: f64,
}

/// Threshold $q_t\ge$ `Q_DETECT` for the recall.
pub const Q_DETECT: f64 = 0.1;

impl ScbMetrics {
    /// The metrics of `(v, a)` on `task`.
    pub fn of(task: &ScbTask, v: &[f64], a: &[f64]) -> ScbMetrics {
        let (n, t) = (task.n, task.t);
        let stats = pop_stats(task, v, a);
        let dp: f64 = v.iter().zip(&task.p).map(|(x, y)| (x - y) * (x - y)).sum();
        let np: f64 = task.p.iter().map(|x| x * x).sum();
        let dq: f64 = a
            .iter()
            .zip(&task.qmat)
            .map(|(x, y)| (x - y) * (x - y))
            .sum();
        let nq: f64 = task.qmat.iter().map(|x| x * x).sum();
        let (mut nnz, mut on, mut rec_hit, mut rec_tot) = (0.0, 0.0, 0.0, 0.0);
        let (mut mass_rec, mut mass_on, mut top1, mut colsum, mut max_abs) =
            (0.0, 0.0, 0.0, 0.0, 0.0f64);
        for k in 0..n {
            let col = &a[k * t..(k + 1) * t];
            let qc = &task.qmat[k * t..(k + 1) * t];
            let mut abs_sum = 0.0;
            let mut arg = 0;
            for u in 0..t {
                let x = col[u];
                max_abs = max_abs.max(libm::fabs(x));
                abs_sum += libm::fabs(x);
                if x > col[arg] {
                    arg = u;
                }
                let nz = libm::fabs(x) > 1e-12;
                if nz {
                    nnz += 1.0;
                    if qc[u] > 0.0 {
                        on += 1.0;
                    }
                    mass_rec += qc[u];
                }
                if qc[u] >= Q_DETECT {
                    rec_tot += 1.0;
                    if nz {
                        rec_hit += 1.0;
                    }
                }
            }
            colsum += col.iter().sum::<f64>();
            let sup_abs: f64 = task.supports[k]
                .iter()
                .map(|&(s, _)| libm::fabs(col[s as usize]))
                .sum();
            mass_on += if abs_sum > 0.0 {
                sup_abs / abs_sum
            } else {
                0.0
            };
            let qmax = task.supports[k].iter().map(|s| s.1).fold(0.0, f64::max);
            if qc[arg] == qmax && qmax > 0.0 {
                top1 += 1.0;
            }
        }
        let nf = n as f64;
        ScbMetrics {
            excess_pop_loss: pop_loss(&stats) - bayes_loss(task),
            dist_p: libm::sqrt(dp),
            rel_dist_p: libm::sqrt(dp / np),
            dist_q: libm::sqrt(dq),
            rel_dist_q: libm::sqrt(dq / nq),
            corr: correlation(task, v),
            alpha: stats.ip / p_tilde_norm_d2(task),
            beta: stats.ip / stats.var_v,
            var_v: stats.var_v,
            nnz_per_col: nnz / nf,
            supp_precision: if nnz > 0.0 { on / nnz } else { 0.0 },
            supp_recall: if rec_tot > 0.0 {
                rec_hit / rec_tot
            } else {
                1.0
            },
            recovered_mass: mass_rec / nf,
            attn_mass_on_support: mass_on / nf,
            top1_agreement: top1 / nf,
            mean_col_sum_a: colsum / nf,
            max_abs_a: max_abs,
        }
    }

    /// As named values for a [`crate::run::Record`].
    pub fn values(&self) -> [(&'static str, f64); 17] {
        [
            ("excess_pop_loss", self.excess_pop_loss),
            ("dist_p", self.dist_p),
            ("rel_dist_p", self.rel_dist_p),
            ("dist_q", self.dist_q),
            ("rel_dist_q", self.rel_dist_q),
            ("corr", self.corr),
            ("alpha", self.alpha),
            ("beta", self.beta),
            ("var_v", self.var_v),
            ("nnz_per_col", self.nnz_per_col),
            ("supp_precision", self.supp_precision),
            ("supp_recall", self.supp_recall),
            ("recovered_mass", self.recovered_mass),
            ("attn_mass_on_support", self.attn_mass_on_support),
            ("top1_agreement", self.top1_agreement),
            ("mean_col_sum_a", self.mean_col_sum_a),
            ("max_abs_a", self.max_abs_a),
        ]
    }
}
