//! Gaussian quadrature: Gauss–Hermite for the standard normal measure and Gauss–Legendre.
//!
//! Nodes are the eigenvalues of the Jacobi (tridiagonal) matrix, found by Sturm bisection and
//! polished by Newton's method on the orthonormal recurrence. Weights come from the
//! Christoffel formula, not from eigenvectors: eigenvector-based Gauss–Hermite weights lose
//! 5e-3 at 80 nodes (multi-index spec, pitfall 3).

use super::hermite::{h_all, h_n, h_pair};
use crate::Error;
use crate::linalg::sym_tridiag_eigenvalues;
use alloc::vec;
use alloc::vec::Vec;

/// Largest supported number of Gauss–Hermite nodes.
pub const MAX_GAUSS_HERMITE_NODES: usize = 200;

/// $n$-point Gauss–Hermite rule for $Z\sim N(0,1)$: $E[f(Z)]\approx\sum_i w_i f(x_i)$, exact for
/// polynomials of degree ≤ $2n-1$; $\sum_i w_i = 1$.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussHermite {
    /// Nodes, ascending, exactly symmetric ($x_i = -x_{n-1-i}$).
    pub nodes: Vec<f64>,
    /// Weights $w_i = 1/(n\,h_{n-1}(x_i)^2)$.
    pub weights: Vec<f64>,
}

impl GaussHermite {
    /// The rule with `n` nodes, $1\le n\le 200$.
    pub fn new(n: usize) -> Result<Self, Error> {
        if n == 0 || n > MAX_GAUSS_HERMITE_NODES {
            return Err(Error::invalid(
                "Gauss–Hermite nodes n",
                n as f64,
                "in 1..=200",
            ));
        }
        let diag = vec![0.0; n];
        let off: Vec<f64> = (1..n).map(|k| libm::sqrt(k as f64)).collect();
        let mut nodes = vec![0.0; n];
        sym_tridiag_eigenvalues(&diag, &off, &mut nodes)?;
        let sn = libm::sqrt(n as f64);
        for x in nodes.iter_mut() {
            // Newton on h_n with h_n' = sqrt(n) h_{n-1}; a few steps from a ~1-ulp start.
            for _ in 0..3 {
                let (hn, hn1) = h_pair(n, *x);
                let d = sn * hn1;
                if d == 0.0 || !d.is_finite() {
                    break;
                }
                let step = hn / d;
                if !step.is_finite() {
                    break;
                }
                *x -= step;
            }
        }
        // Exact symmetry, and 0 for the middle node of an odd rule.
        for i in 0..n / 2 {
            let a = 0.5 * (nodes[n - 1 - i] - nodes[i]);
            nodes[i] = -a;
            nodes[n - 1 - i] = a;
        }
        if n % 2 == 1 {
            nodes[n / 2] = 0.0;
        }
        let weights = nodes
            .iter()
            .map(|&x| {
                let h = h_n(n - 1, x);
                1.0 / (n as f64 * h * h)
            })
            .collect();
        Ok(GaussHermite { nodes, weights })
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false (a rule has at least one node).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// $\sum_i w_i f(x_i) \approx E[f(Z)]$.
    pub fn expect(&self, mut f: impl FnMut(f64) -> f64) -> f64 {
        self.nodes
            .iter()
            .zip(&self.weights)
            .map(|(&x, &w)| w * f(x))
            .sum()
    }
}

/// $n$-point Gauss–Legendre rule on $[-1,1]$ (weights sum to 2).
#[derive(Clone, Debug, PartialEq)]
pub struct GaussLegendre {
    /// Nodes, ascending.
    pub nodes: Vec<f64>,
    /// Weights $2/((1-x_i^2)P_n'(x_i)^2)$.
    pub weights: Vec<f64>,
}

/// $(P_n(x), P_n'(x))$ by the Legendre recurrence.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    if n == 0 {
        return (1.0, 0.0);
    }
    for k in 1..n {
        let kf = k as f64;
        let p2 = ((2.0 * kf + 1.0) * x * p1 - kf * p0) / (kf + 1.0);
        p0 = p1;
        p1 = p2;
    }
    let dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
    (p1, dp)
}

impl GaussLegendre {
    /// The rule with `n` nodes, $1\le n\le 200$.
    pub fn new(n: usize) -> Result<Self, Error> {
        if n == 0 || n > 200 {
            return Err(Error::invalid(
                "Gauss–Legendre nodes n",
                n as f64,
                "in 1..=200",
            ));
        }
        let diag = vec![0.0; n];
        let off: Vec<f64> = (1..n)
            .map(|k| {
                let k = k as f64;
                k / libm::sqrt(4.0 * k * k - 1.0)
            })
            .collect();
        let mut nodes = vec![0.0; n];
        sym_tridiag_eigenvalues(&diag, &off, &mut nodes)?;
        for x in nodes.iter_mut() {
            for _ in 0..3 {
                let (p, dp) = legendre(n, *x);
                if dp == 0.0 || !dp.is_finite() {
                    break;
                }
                *x -= p / dp;
            }
        }
        for i in 0..n / 2 {
            let a = 0.5 * (nodes[n - 1 - i] - nodes[i]);
            nodes[i] = -a;
            nodes[n - 1 - i] = a;
        }
        if n % 2 == 1 {
            nodes[n / 2] = 0.0;
        }
        let weights = nodes
            .iter()
            .map(|&x| {
                let (_, dp) = legendre(n, x);
                2.0 / ((1.0 - x * x) * dp * dp)
            })
            .collect();
        Ok(GaussLegendre { nodes, weights })
    }

    /// $\int_a^b f \approx \frac{b-a}2\sum_i w_i f(\frac{a+b}2+\frac{b-a}2x_i)$.
    pub fn integrate(&self, a: f64, b: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
        let (c, h) = (0.5 * (a + b), 0.5 * (b - a));
        h * self
            .nodes
            .iter()
            .zip(&self.weights)
            .map(|(&x, &w)| w * f(c + h * x))
            .sum::<f64>()
    }
}

/// Hermite coefficients $c_l = E[f(Z)h_l(Z)]$, $l = 0..$`out.len()`, by the given Gauss–Hermite
/// rule: exact when $f$ is a polynomial of degree ≤ $2n - 1 - l$; for smooth $f$ use $n$ well
/// above the degree. For a kink (ReLU, |x|) use [`hermite_coefficients_piecewise`].
pub fn hermite_coefficients(f: impl Fn(f64) -> f64, rule: &GaussHermite, out: &mut [f64]) {
    out.fill(0.0);
    let mut h = vec![0.0; out.len()];
    for (&x, &w) in rule.nodes.iter().zip(&rule.weights) {
        let fx = w * f(x);
        h_all(x, &mut h);
        for (o, hl) in out.iter_mut().zip(&h) {
            *o += fx * hl;
        }
    }
}

/// Hermite coefficients of a function that is smooth between `breakpoints` (where it may have
/// kinks or jumps): composite 20-point Gauss–Legendre on panels of width ≤ 1/4 over
/// $[-40, 40]$, split at every breakpoint, against the density $e^{-x^2/2}/\sqrt{2\pi}$ (the mass
/// beyond ±40 is below $10^{-340}$). Accurate to ~1e-14 for piecewise-analytic $f$ of moderate growth.
pub fn hermite_coefficients_piecewise(
    f: impl Fn(f64) -> f64,
    breakpoints: &[f64],
    out: &mut [f64],
) -> Result<(), Error> {
    const L: f64 = 40.0;
    if let Some(&b) = breakpoints.iter().find(|b| !b.is_finite()) {
        return Err(Error::invalid("breakpoint", b, "finite"));
    }
    let gl = GaussLegendre::new(20)?;
    let mut cuts: Vec<f64> = breakpoints
        .iter()
        .copied()
        .filter(|b| b.abs() < L)
        .collect();
    cuts.push(-L);
    cuts.push(L);
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    out.fill(0.0);
    let mut h = vec![0.0; out.len()];
    let inv_sqrt_2pi = 0.398_942_280_401_432_7;
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let panels = libm::ceil((b - a) * 4.0).max(1.0) as usize;
        let width = (b - a) / panels as f64;
        for p in 0..panels {
            let lo = a + p as f64 * width;
            let hi = if p + 1 == panels { b } else { lo + width };
            let (c, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
            for (&t, &w) in gl.nodes.iter().zip(&gl.weights) {
                let x = c + half * t;
                let g = half * w * f(x) * inv_sqrt_2pi * libm::exp(-0.5 * x * x);
                h_all(x, &mut h);
                for (o, hl) in out.iter_mut().zip(&h) {
                    *o += g * hl;
                }
            }
        }
    }
    Ok(())
}
