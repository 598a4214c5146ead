//! The per-step kernels shared by the engines (spec §5.1).
//!
//! Every per-sample update of neuron $i$ is one scalar times $x - z_iw_i$:
//! $s_i = a_i\,r\,\sigma'(z_i)$ with $r = f - y$ (squared loss) or $s_i = -a_iy\sigma'(z_i)$
//! (correlation loss), and the retraction of $w - \eta s(x - zw)$ has norm
//! $\sqrt{1 + \eta^2s^2(\|x\|^2 - z^2)}$ for unit $w$.

use super::config::Loss;
use crate::Error;
use crate::linalg::{Isa, axpby};
use crate::run::DivergenceGuard;
use crate::special::SeriesEval;

/// `Diverged` at `step` on the first neuron whose pre-activation $z_i$ or scalar $s_i$ is not
/// finite (checked in neuron order, $z_i$ before $s_i$).
#[inline]
pub fn check_neuron_scalars(step: u64, z: &[f64], s: &[f64]) -> Result<(), Error> {
    let finite = DivergenceGuard::FINITE;
    for (&zi, &si) in z.iter().zip(s) {
        finite.check(step, "pre-activation z_i", zi)?;
        finite.check(step, "neuron scalar s_i", si)?;
    }
    Ok(())
}

/// Fills `s[i]` $= s_i$ from the pre-activations `z` and the label `y`; returns the residual
/// $r = f - y$ (squared loss) or $-y$ (correlation loss). `act` is σ prepared for evaluation.
#[inline]
pub fn neuron_scalars(
    act: &SeriesEval,
    a: &[f64],
    z: &[f64],
    y: f64,
    loss: Loss,
    s: &mut [f64],
) -> f64 {
    match loss {
        Loss::Squared => {
            let mut f = 0.0;
            for i in 0..z.len() {
                let (v, dv) = act.value_and_deriv(z[i]);
                f += a[i] * v;
                s[i] = a[i] * dv;
            }
            let r = f - y;
            for si in s[..z.len()].iter_mut() {
                *si *= r;
            }
            r
        }
        Loss::Correlation => {
            for i in 0..z.len() {
                let dv = act.value_and_deriv(z[i]).1;
                s[i] = -a[i] * y * dv;
            }
            -y
        }
    }
}

/// The coefficients $(\alpha, \beta)$ of the retracted step $w \leftarrow \alpha x + \beta w$:
/// $\alpha = -c\,\eta s$, $\beta = c(1+\eta sz)$, $c = 1/\sqrt{1+(\eta s)^2(\|x\|^2-z^2)}$.
#[inline]
pub fn sphere_step_coefficients(eta_s: f64, z: f64, x_norm2: f64) -> (f64, f64) {
    let perp = libm::fmax(x_norm2 - z * z, 0.0);
    let c = 1.0 / libm::sqrt(1.0 + eta_s * eta_s * perp);
    (-c * eta_s, c * (1.0 + eta_s * z))
}

/// One tangent step and retraction of a unit vector: $w \leftarrow (w - \eta s(x - zw))/\|\cdot\|$,
/// with $z = w\cdot x$ and `x_norm2` $=\|x\|^2$ computed by the caller (one pass over $w$).
#[inline]
pub fn sphere_step(isa: Isa, w: &mut [f64], x: &[f64], z: f64, eta_s: f64, x_norm2: f64) {
    let (alpha, beta) = sphere_step_coefficients(eta_s, z, x_norm2);
    axpby(isa, alpha, x, beta, w);
}
