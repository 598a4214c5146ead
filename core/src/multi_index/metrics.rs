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
