//! Special functions: orthonormal probabilists' Hermite polynomials, functions given by their
//! Hermite coefficients, and Gaussian quadrature.
//!
//! Convention (DESIGN §2): $h_n = \mathrm{He}_n/\sqrt{n!}$, computed by the three-term recurrence
//! $h_{n+1}(x) = (x\,h_n(x) - \sqrt n\,h_{n-1}(x))/\sqrt{n+1}$, $h_0 = 1$, $h_1 = x$, never through
//! factorials. Then $E[h_j(Z)h_k(Z)] = \delta_{jk}$ for $Z\sim N(0,1)$, $h_n' = \sqrt n\,h_{n-1}$ and
//! $E[h_j(u\cdot x)h_k(v\cdot x)] = \delta_{jk}(u\cdot v)^k$ for unit $u, v$ and $x\sim N(0,I)$.

mod hermite;
mod quadrature;
mod series;

pub use hermite::{SeriesEval, h_all, h_all_with_deriv, h_batch, h_n, series_and_deriv};
pub use quadrature::{
    GaussHermite, GaussLegendre, MAX_GAUSS_HERMITE_NODES, hermite_coefficients,
    hermite_coefficients_piecewise,
};
pub use series::{HermiteSeries, MAX_DEGREE};
