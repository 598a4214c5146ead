//! A function given by its coefficients in the orthonormal Hermite basis.

use super::hermite::series_and_deriv;
use crate::Error;
use alloc::vec::Vec;

/// $f = \sum_{l=0}^{L} c_l h_l$: a link or activation function given by Hermite coefficients.
///
/// With $\rho = u\cdot v$ for unit $u,v$ and $x\sim N(0,I)$, two series $a, b$ satisfy
/// $E[a(u\cdot x)\,b(v\cdot x)] = K_{ab}(\rho) = \sum_l a_l b_l \rho^l$ ([`HermiteSeries::kernel`]).
#[derive(Clone, Debug, PartialEq)]
pub struct HermiteSeries {
    coef: Vec<f64>,
}

/// Largest supported degree.
pub const MAX_DEGREE: usize = 100;

impl HermiteSeries {
    /// A series from its coefficients $c_0, c_1, \dots$ (trailing zeros are trimmed). Errors name
    /// the first non-finite coefficient, a degree above 100, or an all-zero vector.
    pub fn new(coef: &[f64]) -> Result<Self, Error> {
        if let Some((_, &v)) = coef.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::invalid("Hermite coefficient", v, "finite"));
        }
        let last = coef.iter().rposition(|&v| v != 0.0);
        let Some(last) = last else {
            return Err(Error::invalid("Hermite coefficients", 0.0, "not all zero"));
        };
        if last > MAX_DEGREE {
            return Err(Error::invalid("Hermite degree", last as f64, "≤ 100"));
        }
        Ok(HermiteSeries {
            coef: coef[..=last].to_vec(),
        })
    }

    /// The pure polynomial $h_k$.
    pub fn single(k: usize) -> Result<Self, Error> {
        if k > MAX_DEGREE {
            return Err(Error::invalid("Hermite degree", k as f64, "≤ 100"));
        }
        let mut c = alloc::vec![0.0; k + 1];
        c[k] = 1.0;
        Ok(HermiteSeries { coef: c })
    }

    /// The coefficients $c_0..c_L$ ($c_L \ne 0$).
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    /// The degree $L$.
    pub fn degree(&self) -> usize {
        self.coef.len() - 1
    }

    /// $c_l$ (0 beyond the degree).
    pub fn c(&self, l: usize) -> f64 {
        self.coef.get(l).copied().unwrap_or(0.0)
    }

    /// $f(x)$.
    #[inline]
    pub fn value(&self, x: f64) -> f64 {
        series_and_deriv(&self.coef, x).0
    }

    /// $f'(x) = \sum_l c_l\sqrt l\,h_{l-1}(x)$.
    #[inline]
    pub fn deriv(&self, x: f64) -> f64 {
        series_and_deriv(&self.coef, x).1
    }

    /// $(f(x), f'(x))$ in one pass.
    #[inline]
    pub fn value_and_deriv(&self, x: f64) -> (f64, f64) {
        series_and_deriv(&self.coef, x)
    }

    /// $E[f(Z)^2] = \sum_l c_l^2$.
    pub fn norm_sq(&self) -> f64 {
        self.coef.iter().map(|c| c * c).sum()
    }

    /// $E[f'(Z)^2] = \sum_l l\,c_l^2$.
    pub fn deriv_norm_sq(&self) -> f64 {
        self.coef
            .iter()
            .enumerate()
            .map(|(l, c)| l as f64 * c * c)
            .sum()
    }

    /// Information exponent: the lowest degree $l\ge1$ with $c_l\ne0$ (`None` for a constant).
    pub fn information_exponent(&self) -> Option<usize> {
        (1..self.coef.len()).find(|&l| self.coef[l] != 0.0)
    }

    /// Information exponent of the pair: the lowest $l\ge1$ with $a_lb_l\ne0$.
    pub fn joint_information_exponent(&self, other: &HermiteSeries) -> Option<usize> {
        let n = self.coef.len().min(other.coef.len());
        (1..n).find(|&l| self.coef[l] * other.coef[l] != 0.0)
    }

    /// $K_{ab}(\rho) = \sum_l a_lb_l\rho^l$ (Horner; $\rho^0 = 1$ also at $\rho = 0$).
    pub fn kernel(&self, other: &HermiteSeries, rho: f64) -> f64 {
        let n = self.coef.len().min(other.coef.len());
        let mut acc = 0.0;
        for l in (0..n).rev() {
            acc = acc * rho + self.coef[l] * other.coef[l];
        }
        acc
    }

    /// $K'_{ab}(\rho) = \sum_l l\,a_lb_l\rho^{l-1}$.
    pub fn kernel_deriv(&self, other: &HermiteSeries, rho: f64) -> f64 {
        let n = self.coef.len().min(other.coef.len());
        let mut acc = 0.0;
        for l in (1..n).rev() {
            acc = acc * rho + l as f64 * self.coef[l] * other.coef[l];
        }
        acc
    }

    /// $A_{ab}(\rho) = \sum_l \sqrt{(l+1)(l+2)}\,a_{l+2}b_l\rho^l$, the radial part of Stein's
    /// identity $E[a'(w\cdot x)\,b(u\cdot x)\,x] = A_{a'b}\dots$ (see the multi-index spec §5.2).
    pub fn kernel_a(&self, other: &HermiteSeries, rho: f64) -> f64 {
        let n = self.coef.len().saturating_sub(2).min(other.coef.len());
        let mut acc = 0.0;
        for l in (0..n).rev() {
            let f = libm::sqrt(((l + 1) * (l + 2)) as f64);
            acc = acc * rho + f * self.coef[l + 2] * other.coef[l];
        }
        acc
    }
}
