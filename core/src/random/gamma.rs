//! Gamma (Marsaglia–Tsang 2000), χ² and Dirichlet variates.

use super::normal::normal;
use super::uniform::{uniform, uniform_open};
use crate::Error;
use rand_core::Rng as RngCore;

/// Gamma law with shape $k>0$ and scale $\theta>0$ (mean $k\theta$, variance $k\theta^2$).
///
/// Marsaglia–Tsang squeeze for $k\ge1$; for $k<1$, $G_k = G_{k+1}U^{1/k}$.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gamma {
    shape: f64,
    scale: f64,
    d: f64,
    c: f64,
    boost: bool,
}

impl Gamma {
    /// Validates `shape` and `scale` (finite, > 0).
    pub fn new(shape: f64, scale: f64) -> Result<Self, Error> {
        if !(shape > 0.0 && shape.is_finite()) {
            return Err(Error::invalid("gamma shape", shape, "finite and > 0"));
        }
        if !(scale > 0.0 && scale.is_finite()) {
            return Err(Error::invalid("gamma scale", scale, "finite and > 0"));
        }
        let boost = shape < 1.0;
        let d = if boost { shape + 1.0 } else { shape } - 1.0 / 3.0;
        Ok(Gamma {
            shape,
            scale,
            d,
            c: 1.0 / libm::sqrt(9.0 * d),
            boost,
        })
    }

    /// One draw.
    #[inline]
    pub fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> f64 {
        let g = loop {
            let x = normal(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = uniform(rng);
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 {
                break self.d * v;
            }
            if libm::log(u) < 0.5 * x2 + self.d * (1.0 - v + libm::log(v)) {
                break self.d * v;
            }
        };
        let g = if self.boost {
            g * libm::pow(uniform_open(rng), 1.0 / self.shape)
        } else {
            g
        };
        g * self.scale
    }
}

/// χ² law with $\nu>0$ degrees of freedom. Integer $\nu<50$: a sum of $\nu$ squared normals;
/// otherwise $2\,\mathrm{Gamma}(\nu/2)$. Both are exact.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChiSquared {
    nu: f64,
    small: Option<u32>,
    gamma: Gamma,
}

impl ChiSquared {
    /// Validates ν (finite, > 0).
    pub fn new(nu: f64) -> Result<Self, Error> {
        if !(nu > 0.0 && nu.is_finite()) {
            return Err(Error::invalid(
                "chi-squared degrees of freedom",
                nu,
                "finite and > 0",
            ));
        }
        let small = (nu < 50.0 && nu == libm::floor(nu)).then_some(nu as u32);
        Ok(ChiSquared {
            nu,
            small,
            gamma: Gamma::new(0.5 * nu, 2.0)?,
        })
    }

    /// Degrees of freedom.
    pub fn dof(&self) -> f64 {
        self.nu
    }

    /// One draw.
    #[inline]
    pub fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> f64 {
        match self.small {
            Some(k) => (0..k)
                .map(|_| {
                    let z = normal(rng);
                    z * z
                })
                .sum(),
            None => self.gamma.sample(rng),
        }
    }
}

/// Dirichlet($\alpha$) into `out` (same length as `alpha`): independent $\mathrm{Gamma}(\alpha_i)$
/// normalised by their sum. Every $\alpha_i$ must be finite and > 0.
pub fn dirichlet<R: RngCore + ?Sized>(
    rng: &mut R,
    alpha: &[f64],
    out: &mut [f64],
) -> Result<(), Error> {
    if alpha.len() != out.len() {
        return Err(Error::DimensionMismatch {
            what: "dirichlet out (len of alpha)",
            expected: alpha.len(),
            got: out.len(),
        });
    }
    if alpha.is_empty() {
        return Err(Error::invalid("dirichlet dimension", 0.0, "≥ 1"));
    }
    for &a in alpha {
        if !(a > 0.0 && a.is_finite()) {
            return Err(Error::invalid("dirichlet alpha", a, "finite and > 0"));
        }
    }
    loop {
        let mut sum = 0.0;
        for (o, &a) in out.iter_mut().zip(alpha) {
            // Validated above, so `new` cannot fail.
            let g = Gamma::new(a, 1.0).map(|g| g.sample(rng)).unwrap_or(0.0);
            *o = g;
            sum += g;
        }
        // With tiny alphas every Gamma can underflow to 0: redraw (probability → 0 otherwise).
        if sum > 0.0 {
            for o in out.iter_mut() {
                *o /= sum;
            }
            return Ok(());
        }
    }
}
