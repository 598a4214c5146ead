//! Summary statistics shared by every model's experiments: medians (failures as +∞), slopes of
//! scaling laws, the two-sample Kolmogorov–Smirnov test, means with standard errors.

use alloc::vec::Vec;

/// Median of `values`, sorted in place by `total_cmp` (+∞ = a failure, sorts last; the median
/// is +∞ when at least half fail). NaN for an empty slice.
pub fn median_in_place(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    values.sort_unstable_by(f64::total_cmp);
    if n % 2 == 1 {
        values[n / 2]
    } else {
        let (a, b) = (values[n / 2 - 1], values[n / 2]);
        if b.is_infinite() { b } else { 0.5 * (a + b) }
    }
}

/// Median of a copy of `values`.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.to_vec();
    median_in_place(&mut v)
}

/// `(mean, standard error)`; SE uses the $n-1$ variance.
pub fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, libm::sqrt(var / n))
}

/// Least-squares slope of $\ln y$ against $\ln x$ (a scaling exponent).
pub fn log_log_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let lx: Vec<f64> = x.iter().map(|v| libm::log(*v)).collect();
    let ly: Vec<f64> = y.iter().map(|v| libm::log(*v)).collect();
    let mx = lx.iter().sum::<f64>() / n;
    let my = ly.iter().sum::<f64>() / n;
    let mut sxy = 0.0;
    let mut sxx = 0.0;
    for i in 0..lx.len() {
        sxy += (lx[i] - mx) * (ly[i] - my);
        sxx += (lx[i] - mx) * (lx[i] - mx);
    }
    sxy / sxx
}

/// Two-sample Kolmogorov–Smirnov statistic $D$ and its asymptotic p-value
/// $Q_{KS}\big((\sqrt{n_e}+0.12+0.11/\sqrt{n_e})D\big)$, $n_e = nm/(n+m)$.
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut x: Vec<f64> = a.to_vec();
    let mut y: Vec<f64> = b.to_vec();
    x.sort_unstable_by(f64::total_cmp);
    y.sort_unstable_by(f64::total_cmp);
    let (n, m) = (x.len(), y.len());
    let (mut i, mut j) = (0, 0);
    let mut d = 0.0f64;
    while i < n && j < m {
        let v = if x[i] <= y[j] { x[i] } else { y[j] };
        while i < n && x[i] <= v {
            i += 1;
        }
        while j < m && y[j] <= v {
            j += 1;
        }
        d = d.max(libm::fabs(i as f64 / n as f64 - j as f64 / m as f64));
    }
    let ne = (n * m) as f64 / (n + m) as f64;
    let sq = libm::sqrt(ne);
    let lambda = (sq + 0.12 + 0.11 / sq) * d;
    (d, kolmogorov_q(lambda))
}

/// $Q_{KS}(\lambda) = 2\sum_{j\ge1}(-1)^{j-1}e^{-2j^2\lambda^2}$ (1 for small λ).
pub fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for j in 1..=100 {
        let jf = j as f64;
        let term = sign * libm::exp(-2.0 * jf * jf * lambda * lambda);
        sum += term;
        if libm::fabs(term) < 1e-12 * libm::fabs(sum) {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}
