//! Metrics of spec §10 from the overlaps $M$ (neuron-major, `m_ov[i * P + k]`).

/// Subspace mass $s_i = \sum_k M_{ki}^2$.
#[inline]
pub fn subspace_mass(m_ov: &[f64], p: usize, i: usize) -> f64 {
    m_ov[i * p..(i + 1) * p].iter().map(|x| x * x).sum()
}

/// Alignment $\mu_i = \max_k M_{ki}^2$.
#[inline]
pub fn alignment(m_ov: &[f64], p: usize, i: usize) -> f64 {
    m_ov[i * p..(i + 1) * p]
        .iter()
        .fold(0.0f64, |a, x| a.max(x * x))
}

/// In-subspace direction concentration $\max_k \bar m_k^2 = \mu_i / s_i$.
#[inline]
pub fn direction_peak(m_ov: &[f64], p: usize, i: usize) -> f64 {
    alignment(m_ov, p, i) / subspace_mass(m_ov, p, i)
}

/// Assignment $\arg\max_k |M_{ki}|$ (`signed`: $\arg\max_k M_{ki}$, for odd $q$).
pub fn assignment(m_ov: &[f64], p: usize, i: usize, signed: bool) -> usize {
    let col = &m_ov[i * p..(i + 1) * p];
    let key = |x: f64| if signed { x } else { libm::fabs(x) };
    let mut best = 0;
    for k in 1..p {
        if key(col[k]) > key(col[best]) {
            best = k;
        }
    }
    best
}

/// Coverage $\min_k\max_i M_{ki}^2$: how well the worst-covered direction is matched.
pub fn coverage(m_ov: &[f64], p: usize, m: usize) -> f64 {
    (0..p)
        .map(|k| (0..m).fold(0.0f64, |a, i| a.max(m_ov[i * p + k] * m_ov[i * p + k])))
        .fold(f64::INFINITY, f64::min)
}

/// Coupon-collector coverage probability (§7.6): $\sum_{j=0}^P(-1)^j\binom Pj(1-j/P)^m$.
pub fn coverage_probability(p: usize, m: usize) -> f64 {
    let mut total = 0.0;
    let mut binom = 1.0;
    for j in 0..=p {
        let term = binom * libm::pow(1.0 - j as f64 / p as f64, m as f64);
        total += if j % 2 == 0 { term } else { -term };
        binom = binom * (p - j) as f64 / (j + 1) as f64;
    }
    total
}

/// Grassmann distance between span$(V^*)$ and the span of the $P$ neurons with the largest
/// subspace mass: $\sqrt{\sum_i\theta_i^2}$ with $\cos\theta_i$ the singular values of
/// $M_{\rm sel}L^{-\top}$, $Q_{\rm sel} = LL^\top$. NaN when $m < P$ or the selected neurons are
/// linearly dependent. `q` is the full $m\times m$ Gram matrix.
pub fn grassmann_distance(m_ov: &[f64], q: &[f64], p: usize, m: usize) -> f64 {
    use alloc::vec;
    use alloc::vec::Vec;
    if m < p {
        return f64::NAN;
    }
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| subspace_mass(m_ov, p, b).total_cmp(&subspace_mass(m_ov, p, a)));
    let sel = &order[..p];
    let mut l = vec![0.0; p * p];
    for (a, &i) in sel.iter().enumerate() {
        for (b, &j) in sel.iter().enumerate() {
            l[a * p + b] = q[i * m + j];
        }
    }
    if crate::linalg::cholesky(&mut l, p).is_err() {
        return f64::NAN;
    }
    // X = M_sel L^{-T}: row k of M_sel (over the selected neurons) solved against L.
    let mut x = vec![0.0; p * p];
    for k in 0..p {
        // Solve L y = m_k (forward substitution), m_k[a] = M_{k, sel[a]}; then X[k, :] = y.
        for a in 0..p {
            let mut v = m_ov[sel[a] * p + k];
            for b in 0..a {
                v -= l[a * p + b] * x[k * p + b];
            }
            x[k * p + a] = v / l[a * p + a];
        }
    }
    let mut work = vec![0.0; p * p];
    let mut sv = vec![0.0; p];
    if crate::linalg::singular_values(&x, p, p, &mut work, &mut sv).is_err() {
        return f64::NAN;
    }
    libm::sqrt(
        sv.iter()
            .map(|&c| {
                let t = libm::acos(c.clamp(-1.0, 1.0));
                t * t
            })
            .sum::<f64>(),
    )
}
