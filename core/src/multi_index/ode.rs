//! Gradient flow of spec §5.3 in the overlaps, integrated by RK4 with a fixed step.
//!
//! - [`NeuronOde`]: the small-$a_0$ correlation flow of one neuron,
//!   $\dot M_k = a_0[b_k\psi(M_k) - M_k\sum_j M_j b_j\psi(M_j)]$, $\psi = K'_{\sigma\phi}$.
//! - [`FullOde`]: the closed $(M, Q)$ system with a fixed second layer $a$.
//!
//! Time is $t = a_0\eta\times$ steps of SGD when $a_0 = 1$ here.

use super::population::Population;
use crate::Error;
use crate::random::{ChiSquared, Rng, fill_normal};
use alloc::vec;
use alloc::vec::Vec;

/// One classical Runge–Kutta step of $\dot x = f(x)$ in place; `buf` holds the four stages and
/// the intermediate state ($\ge 5n$ values).
fn rk4_step(x: &mut [f64], dt: f64, buf: &mut [f64], mut f: impl FnMut(&[f64], &mut [f64])) {
    let n = x.len();
    let (k1, rest) = buf.split_at_mut(n);
    let (k2, rest) = rest.split_at_mut(n);
    let (k3, rest) = rest.split_at_mut(n);
    let (k4, rest) = rest.split_at_mut(n);
    let tmp = &mut rest[..n];
    f(x, k1);
    for t in 0..n {
        tmp[t] = x[t] + 0.5 * dt * k1[t];
    }
    f(tmp, k2);
    for t in 0..n {
        tmp[t] = x[t] + 0.5 * dt * k2[t];
    }
    f(tmp, k3);
    for t in 0..n {
        tmp[t] = x[t] + dt * k3[t];
    }
    f(tmp, k4);
    for t in 0..n {
        x[t] += dt / 6.0 * (k1[t] + 2.0 * k2[t] + 2.0 * k3[t] + k4[t]);
    }
}

/// Exact initial overlaps of a uniform $w\in S^{d-1}$ with $P$ orthonormal directions:
/// $M = g/\sqrt{\|g\|^2+\chi^2_{d-P}}$, $g\sim N(0,I_P)$ (§6.3).
pub fn initial_overlaps(rng: &mut Rng, d: usize, out: &mut [f64]) -> Result<(), Error> {
    let p = out.len();
    if d < p {
        return Err(Error::invalid("d", d as f64, "≥ p"));
    }
    fill_normal(rng, out);
    let rest = if d > p {
        ChiSquared::new((d - p) as f64)?.sample(rng)
    } else {
        0.0
    };
    let n = libm::sqrt(out.iter().map(|x| x * x).sum::<f64>() + rest);
    for x in out.iter_mut() {
        *x /= n;
    }
    Ok(())
}

/// The one-neuron small-$a_0$ flow on the $P$ overlaps.
#[derive(Clone, Debug)]
pub struct NeuronOde<'a> {
    /// Link, activation and weights.
    pub pop: Population<'a>,
    /// $a_0$ (time scale).
    pub a0: f64,
    /// RK4 stages and the intermediate state ($5P$).
    buf: Vec<f64>,
}

impl<'a> NeuronOde<'a> {
    /// A flow for `pop` with time scale `a0`.
    pub fn new(pop: Population<'a>, a0: f64) -> Self {
        let p = pop.p();
        NeuronOde {
            pop,
            a0,
            buf: vec![0.0; 5 * p],
        }
    }

    /// $\dot M$ at `m` into `out`.
    pub fn rhs(&self, m: &[f64], out: &mut [f64]) {
        let mut proj = 0.0;
        for (k, &mk) in m.iter().enumerate() {
            let psi = self.pop.weights[k] * self.pop.act.kernel_deriv(self.pop.link, mk);
            out[k] = psi;
            proj += mk * psi;
        }
        for (o, &mk) in out.iter_mut().zip(m) {
            *o = self.a0 * (*o - mk * proj);
        }
    }

    /// One RK4 step of size `dt` in place.
    pub fn step(&mut self, m: &mut [f64], dt: f64) {
        let mut buf = core::mem::take(&mut self.buf);
        rk4_step(m, dt, &mut buf, |x, out| self.rhs(x, out));
        self.buf = buf;
    }
}

/// Times at which one neuron's flow crosses thresholds (linear interpolation between RK4 steps).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronTimes {
    /// Time to $s = \|M\|^2 \ge$ `theta_sub` (∞ if never).
    pub t_sub: f64,
    /// Time to $\mu=\max_kM_k^2\ge$ `theta_dir` (∞ if never).
    pub t_dir: f64,
}

/// Integrates one neuron from `m` until $\mu \ge$ `stop_mu` or `t_max`; returns the hitting times
/// and leaves the final overlaps in `m`. Errors with `Diverged` if an overlap leaves $[-1-10^{-6}, 1+10^{-6}]$.
pub fn integrate_neuron(
    ode: &mut NeuronOde<'_>,
    m: &mut [f64],
    dt: f64,
    t_max: f64,
    theta_sub: f64,
    theta_dir: f64,
    stop_mu: f64,
) -> Result<NeuronTimes, Error> {
    let stats = |m: &[f64]| {
        let s: f64 = m.iter().map(|x| x * x).sum();
        let mu = m.iter().fold(0.0f64, |a, x| a.max(x * x));
        (s, mu)
    };
    let (mut s_prev, mut mu_prev) = stats(m);
    let mut out = NeuronTimes {
        t_sub: if s_prev >= theta_sub {
            0.0
        } else {
            f64::INFINITY
        },
        t_dir: if mu_prev >= theta_dir {
            0.0
        } else {
            f64::INFINITY
        },
    };
    let n_steps = libm::ceil(t_max / dt) as u64;
    for step in 1..=n_steps {
        ode.step(m, dt);
        let (s, mu) = stats(m);
        for &x in m.iter() {
            if !(libm::fabs(x) <= 1.0 + 1e-6) {
                return Err(Error::Diverged {
                    step,
                    quantity: "overlap M",
                    value: x,
                });
            }
        }
        let t = step as f64 * dt;
        if out.t_sub.is_infinite() && s >= theta_sub {
            out.t_sub = t - dt * (s - theta_sub) / (s - s_prev);
        }
        if out.t_dir.is_infinite() && mu >= theta_dir {
            out.t_dir = t - dt * (mu - theta_dir) / (mu - mu_prev);
        }
        s_prev = s;
        mu_prev = mu;
        if mu >= stop_mu && out.t_sub.is_finite() {
            break;
        }
    }
    Ok(out)
}

/// The full $(M, Q)$ gradient flow with a fixed second layer `a` (§5.3).
///
/// [`FullOde::rhs`] evaluates the kernels once ($m^2 + mP$ series) and forms the sums as three
/// small matrix products ($O(m^3)$ multiply-adds through [`crate::linalg::gemm`]);
/// [`FullOde::rhs_reference`] is the direct triple sum it is tested against.
#[derive(Clone, Debug)]
pub struct FullOde<'a> {
    /// Link, activation and weights.
    pub pop: Population<'a>,
    /// Second layer.
    pub a: Vec<f64>,
    buf: Vec<f64>,
    work: Vec<f64>,
}

impl<'a> FullOde<'a> {
    /// A flow for `pop` with second layer `a`.
    pub fn new(pop: Population<'a>, a: Vec<f64>) -> Self {
        let m = a.len();
        let n = m * pop.p() + m * m;
        let p = pop.p();
        FullOde {
            pop,
            a,
            buf: vec![0.0; 5 * n],
            work: vec![0.0; 3 * m * m + 2 * m * p + 2 * m],
        }
    }

    /// State length $mP + m^2$ (`M` neuron-major, then `Q` row-major).
    pub fn state_len(&self) -> usize {
        let m = self.a.len();
        m * self.pop.p() + m * m
    }

    /// Time derivative of the state `x = [M; Q]` into `out` (fast form).
    pub fn rhs(&mut self, x: &[f64], out: &mut [f64]) {
        use crate::linalg::{Isa, Trans, gemm};
        let m = self.a.len();
        let p = self.pop.p();
        let (mt, q) = x.split_at(m * p);
        let (dm, dq) = out.split_at_mut(m * p);
        let (ks, rest) = self.work.split_at_mut(m * m);
        let (ksq, rest) = rest.split_at_mut(m * m);
        let (ktm, rest) = rest.split_at_mut(m * m);
        let (kt, rest) = rest.split_at_mut(m * p);
        let (ksm, rest) = rest.split_at_mut(m * p);
        let (c1, c2) = rest.split_at_mut(m);
        let a = &self.a;
        for i in 0..m {
            let mut s1 = 0.0;
            for j in 0..m {
                let v = if j == i {
                    0.0
                } else {
                    a[j] * self.pop.act.kernel_deriv(self.pop.act, q[i * m + j])
                };
                ks[i * m + j] = v;
                s1 += v * q[i * m + j];
            }
            c1[i] = s1;
            let mut s2 = 0.0;
            for k in 0..p {
                let v =
                    self.pop.weights[k] * self.pop.act.kernel_deriv(self.pop.link, mt[i * p + k]);
                kt[i * p + k] = v;
                s2 += v * mt[i * p + k];
            }
            c2[i] = s2;
        }
        let isa = Isa::detect();
        gemm(isa, Trans::No, Trans::No, m, p, m, 1.0, ks, mt, 0.0, ksm).expect("sizes fixed");
        gemm(isa, Trans::No, Trans::No, m, m, m, 1.0, ks, q, 0.0, ksq).expect("sizes fixed");
        gemm(isa, Trans::No, Trans::Yes, m, m, p, 1.0, kt, mt, 0.0, ktm).expect("sizes fixed");
        for i in 0..m {
            for k in 0..p {
                let mki = mt[i * p + k];
                dm[i * p + k] =
                    -a[i] * (ksm[i * p + k] - mki * c1[i] - kt[i * p + k] + mki * c2[i]);
            }
            for l in 0..m {
                let qil = q[i * m + l];
                dq[i * m + l] =
                    a[i] * (ksq[i * m + l] - qil * c1[i] - ktm[i * m + l] + qil * c2[i]);
            }
        }
        for i in 0..m {
            for l in i..m {
                let g = -(dq[i * m + l] + dq[l * m + i]);
                dq[i * m + l] = g;
                dq[l * m + i] = g;
            }
        }
    }

    /// The same derivative by the direct sums of §5.3 (reference for tests; $O(m^2(m+P))$
    /// kernel evaluations).
    pub fn rhs_reference(&self, x: &[f64], out: &mut [f64]) {
        let m = self.a.len();
        let p = self.pop.p();
        let (mo, q) = x.split_at(m * p);
        let (dm, dq) = out.split_at_mut(m * p);
        let a = &self.a;
        let ks = |r: f64| self.pop.act.kernel_deriv(self.pop.act, r);
        let kt = |r: f64| self.pop.act.kernel_deriv(self.pop.link, r);
        for i in 0..m {
            for k in 0..p {
                let mki = mo[i * p + k];
                let mut s = 0.0;
                for j in 0..m {
                    if j != i {
                        let qij = q[i * m + j];
                        s += a[j] * ks(qij) * (mo[j * p + k] - qij * mki);
                    }
                }
                let mut t = 0.0;
                for kp in 0..p {
                    let mkpi = mo[i * p + kp];
                    let delta = if kp == k { 1.0 } else { 0.0 };
                    t += self.pop.weights[kp] * kt(mkpi) * (delta - mkpi * mki);
                }
                dm[i * p + k] = -a[i] * (s - t);
            }
        }
        // gamma_il into dq, then symmetrise.
        for i in 0..m {
            for l in 0..m {
                let qil = q[i * m + l];
                let mut s = 0.0;
                for j in 0..m {
                    if j != i {
                        let qij = q[i * m + j];
                        s += a[j] * ks(qij) * (q[j * m + l] - qij * qil);
                    }
                }
                let mut t = 0.0;
                for k in 0..p {
                    let mki = mo[i * p + k];
                    t += self.pop.weights[k] * kt(mki) * (mo[l * p + k] - mki * qil);
                }
                dq[i * m + l] = a[i] * (s - t);
            }
        }
        for i in 0..m {
            for l in i..m {
                let g = -(dq[i * m + l] + dq[l * m + i]);
                dq[i * m + l] = g;
                dq[l * m + i] = g;
            }
        }
    }

    /// One RK4 step of size `dt` on `x = [M; Q]`.
    pub fn step(&mut self, x: &mut [f64], dt: f64) {
        let mut buf = core::mem::take(&mut self.buf);
        rk4_step(x, dt, &mut buf, |s, out| self.rhs(s, out));
        self.buf = buf;
    }
}
