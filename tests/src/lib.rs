//! Shared helpers for tdlab's integration tests: naive references, double-double arithmetic
//! for extended-precision references, and the statistics used by the sampler tests.
//!
//! Every helper here is written independently of the code under test (plain loops, textbook
//! formulas), so a test compares two different computations.

use rand_core_for_tests::SeedableRng;
pub use tdlab::random::Rng;

/// Re-export so tests can seed without naming `rand_core` (it comes through `tdlab`'s deps).
pub mod rand_core_for_tests {
    pub use rand_core::SeedableRng;
}

/// A deterministic generator for test data.
pub fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// Uniform values in [-1, 1) for test inputs.
pub fn data(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| 2.0 * tdlab::random::uniform(rng) - 1.0)
        .collect()
}

/// Naive dot product, in order, in extended (double-double) precision, rounded at the end.
pub fn dot_exactish(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = Dd::ZERO;
    for (a, b) in x.iter().zip(y) {
        acc = acc.plus(Dd::mul_f64(*a, *b));
    }
    acc.hi + acc.lo
}

/// Triple-loop reference for C = alpha op(A) op(B) + beta C, summing over p in order.
#[allow(clippy::too_many_arguments)]
pub fn gemm_ref(
    ta: bool,
    tb: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: &[f64],
    b: &[f64],
    beta: f64,
    c: &mut [f64],
) {
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0;
            for p in 0..k {
                let av = if ta { a[p * m + i] } else { a[i * k + p] };
                let bv = if tb { b[j * k + p] } else { b[p * n + j] };
                s += av * bv;
            }
            let v = alpha * s;
            c[i * n + j] = if beta == 0.0 {
                v
            } else {
                v + beta * c[i * n + j]
            };
        }
    }
}

/// Double-double number `hi + lo` (|lo| ≤ ulp(hi)/2), ~106-bit precision, no FMA needed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dd {
    /// Leading part.
    pub hi: f64,
    /// Trailing part.
    pub lo: f64,
}

fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a; // 2^27 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

impl Dd {
    /// Zero.
    pub const ZERO: Dd = Dd { hi: 0.0, lo: 0.0 };
    /// From an f64.
    pub fn from(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }
    /// Exact product of two f64.
    pub fn mul_f64(a: f64, b: f64) -> Dd {
        let (hi, lo) = two_prod(a, b);
        Dd { hi, lo }
    }
    /// Sum.
    pub fn plus(self, o: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, o.hi);
        let e = e + self.lo + o.lo;
        let (hi, lo) = two_sum(s, e);
        Dd { hi, lo }
    }
    /// Negation.
    pub fn negated(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }
    /// Product.
    pub fn times(self, o: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, o.hi);
        let e = e + self.hi * o.lo + self.lo * o.hi;
        let (hi, lo) = two_sum(p, e);
        Dd { hi, lo }
    }
    /// Quotient (one Newton correction).
    pub fn over(self, o: Dd) -> Dd {
        let q1 = self.hi / o.hi;
        let r = self.plus(o.times(Dd::from(q1)).negated());
        let q2 = r.hi / o.hi;
        let (hi, lo) = two_sum(q1, q2);
        Dd { hi, lo }
    }
    /// Square root of a non-negative integer, to double-double precision.
    pub fn sqrt_int(k: u64) -> Dd {
        let s = (k as f64).sqrt();
        if s == 0.0 {
            return Dd::ZERO;
        }
        // s + (k - s^2) / (2 s)
        let r = Dd::from(k as f64).plus(Dd::mul_f64(s, s).negated());
        let c = r.hi / (2.0 * s);
        let (hi, lo) = two_sum(s, c);
        Dd { hi, lo }
    }
}

/// $h_0..h_n(x)$ by the orthonormal recurrence in double-double arithmetic.
pub fn hermite_dd(n: usize, x: f64) -> Vec<f64> {
    let xd = Dd::from(x);
    let mut out = vec![Dd::from(1.0)];
    if n >= 1 {
        out.push(xd);
    }
    for k in 1..n {
        let t = xd
            .times(out[k])
            .plus(Dd::sqrt_int(k as u64).times(out[k - 1]).negated());
        out.push(t.over(Dd::sqrt_int(k as u64 + 1)));
    }
    out.into_iter().map(|d| d.hi + d.lo).collect()
}

/// Standard normal CDF.
pub fn phi_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Kolmogorov–Smirnov statistic $D_n = \sup|F_n - F|$ of `sample` (sorted in place).
pub fn ks_statistic(sample: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
    sample.sort_by(f64::total_cmp);
    let n = sample.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in sample.iter().enumerate() {
        let f = cdf(x);
        d = d.max(f - i as f64 / n).max((i + 1) as f64 / n - f);
    }
    d
}

/// Asymptotic Kolmogorov p-value $P(\sqrt n D > t) = 2\sum_{k\ge1}(-1)^{k-1}e^{-2k^2t^2}$,
/// with Stephens' finite-n correction $t = D(\sqrt n + 0.12 + 0.11/\sqrt n)$.
pub fn ks_p_value(d: f64, n: usize) -> f64 {
    let sn = (n as f64).sqrt();
    let t = d * (sn + 0.12 + 0.11 / sn);
    if t < 0.2 {
        return 1.0;
    }
    let mut p = 0.0;
    for k in 1..200 {
        let kf = k as f64;
        let term = (-2.0 * kf * kf * t * t).exp();
        p += if k % 2 == 1 { 2.0 * term } else { -2.0 * term };
        if term < 1e-18 {
            break;
        }
    }
    p.clamp(0.0, 1.0)
}

/// Two-sample KS p-value for samples `a`, `b` (sorted in place).
pub fn ks_two_sample_p(a: &mut [f64], b: &mut [f64]) -> f64 {
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n, m) = (a.len(), b.len());
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < n && j < m {
        let x = a[i].min(b[j]);
        while i < n && a[i] <= x {
            i += 1;
        }
        while j < m && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n as f64 - j as f64 / m as f64).abs());
    }
    let ne = (n * m) as f64 / (n + m) as f64;
    ks_p_value(d, ne.round() as usize)
}

/// Upper quantile of χ²_k at level α by the Wilson–Hilferty approximation (accurate to a few
/// percent for k ≥ 10, enough for a bound), given the standard-normal quantile `z_alpha`.
pub fn chi2_upper_quantile(k: f64, z_alpha: f64) -> f64 {
    let a = 2.0 / (9.0 * k);
    k * (1.0 - a + z_alpha * a.sqrt()).powi(3)
}

/// Mean and standard error of the mean.
pub fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// FNV-1a hash of a list of 64-bit words (little-endian bytes): the fingerprint of a golden
/// trajectory, so a bit-exact regression needs one constant.
pub fn fnv(bits: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bits {
        for byte in b.to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}
