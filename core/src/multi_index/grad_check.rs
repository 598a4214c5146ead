//! `grad_check` (§5.2): the closed-form population loss and gradients against the spec's golden
//! values and against exact Gauss–Hermite quadrature over $\mathbb R^d$.

use super::config::Link;
use super::population::Population;
use crate::Error;
use crate::random::{Rng, normal, orthonormal_frame, sphere};
use crate::run::params::unknown_key;
use crate::run::{Claim, Experiment, ItemResult, Observer, ParamInfo, Preset, Summary};
use crate::special::GaussHermite;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

/// The spec's golden instance: $d = 4$, $P = 2$, $m = 3$, $\phi = h_2+0.7h_4$,
/// $\sigma = 0.9h_2+0.3h_3+1.1h_4$, $V^* = [e_1, e_2]$, returns `(link, act, a, W, V)`.
pub fn golden_instance() -> (Link, Link, Vec<f64>, Vec<f64>, Vec<f64>) {
    let link = Link::parse("link", "h2+0.7h4").expect("built-in");
    let act = Link::parse("act", "0.9h2+0.3h3+1.1h4").expect("built-in");
    let a = vec![0.7, -0.4, 0.25];
    let mut w = vec![
        1.0, 2.0, -1.0, 0.5, -0.3, 0.4, 1.0, -2.0, 0.5, 0.5, 0.5, 0.5,
    ];
    for row in w.chunks_exact_mut(4) {
        let n = libm::sqrt(row.iter().map(|x| x * x).sum::<f64>());
        for x in row.iter_mut() {
            *x /= n;
        }
    }
    let v = vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    (link, act, a, w, v)
}

/// The spec's golden values (§5.2): $L_{\rm pop}$, tangent gradients ($3\times4$), $\partial_aL$.
pub const GOLDEN_LOSS: f64 = 1.4147835848805372;
/// See [`GOLDEN_LOSS`].
pub const GOLDEN_GRAD: [f64; 12] = [
    0.210751858414,
    -0.475921173401,
    -0.551159856574,
    0.37986126363,
    -0.025570949335,
    0.261051142746,
    -0.034856993588,
    0.038617374156,
    -0.122836727064,
    -0.008539774463,
    0.010404042053,
    0.120972459474,
];
/// See [`GOLDEN_LOSS`].
pub const GOLDEN_DA: [f64; 3] = [0.470393243127, -0.837976899701, 0.170867993688];

/// Closed form (§5.2) of `(loss, tangent grads (m×d), dL/da)`.
pub fn closed_form(
    link: &Link,
    act: &Link,
    a: &[f64],
    w: &[f64],
    v: &[f64],
    d: usize,
) -> (f64, Vec<f64>, Vec<f64>) {
    let m = a.len();
    let p = v.len() / d;
    let weights = vec![1.0; p];
    let pop = Population {
        link: &link.series,
        act: &act.series,
        weights: &weights,
    };
    let dotp = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    let mut mo = vec![0.0; m * p];
    let mut q = vec![0.0; m * m];
    for i in 0..m {
        for k in 0..p {
            mo[i * p + k] = dotp(&v[k * d..(k + 1) * d], &w[i * d..(i + 1) * d]);
        }
        for j in 0..m {
            q[i * m + j] = dotp(&w[i * d..(i + 1) * d], &w[j * d..(j + 1) * d]);
        }
    }
    let loss = pop.loss(&mo, &q, a);
    let mut g = vec![0.0; m * d];
    pop.grad_w(a, w, v, d, &mut g);
    let mut da = vec![0.0; m];
    pop.grad_a(&mo, &q, a, &mut da);
    (loss, g, da)
}

/// The same by tensor Gauss–Hermite quadrature with `n` nodes per axis over $\mathbb R^d$
/// (exact for polynomial integrands of degree ≤ 2n − 1 per axis).
pub fn by_quadrature(
    link: &Link,
    act: &Link,
    a: &[f64],
    w: &[f64],
    v: &[f64],
    d: usize,
    n: usize,
) -> Result<(f64, Vec<f64>, Vec<f64>), Error> {
    let gh = GaussHermite::new(n)?;
    let m = a.len();
    let p = v.len() / d;
    let mut loss = 0.0;
    let mut g = vec![0.0; m * d];
    let mut da = vec![0.0; m];
    let mut idx = vec![0usize; d];
    let mut x = vec![0.0; d];
    let mut z = vec![0.0; m];
    let total = n.pow(d as u32);
    for _ in 0..total {
        let mut wt = 1.0;
        for t in 0..d {
            x[t] = gh.nodes[idx[t]];
            wt *= gh.weights[idx[t]];
        }
        let mut y = 0.0;
        for k in 0..p {
            let u: f64 = (0..d).map(|t| v[k * d + t] * x[t]).sum();
            y += link.series.value(u);
        }
        let mut f = 0.0;
        for i in 0..m {
            z[i] = (0..d).map(|t| w[i * d + t] * x[t]).sum();
            f += a[i] * act.series.value(z[i]);
        }
        let r = f - y;
        loss += wt * 0.5 * r * r;
        for i in 0..m {
            da[i] += wt * r * act.series.value(z[i]);
            let c = wt * a[i] * r * act.series.deriv(z[i]);
            for t in 0..d {
                g[i * d + t] += c * (x[t] - z[i] * w[i * d + t]);
            }
        }
        for t in 0..d {
            idx[t] += 1;
            if idx[t] < n {
                break;
            }
            idx[t] = 0;
        }
    }
    Ok((loss, g, da))
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| libm::fabs(x - y))
        .fold(0.0, f64::max)
}

/// The `grad_check` experiment: item 0 is the golden instance; further items are random
/// instances ($d = 6$, $P = 2$, $m = 3$, the same φ and σ) checked against quadrature.
#[derive(Clone, Debug)]
pub struct GradCheck {
    /// Random instances.
    pub random: usize,
}

impl GradCheck {
    /// Quick: the golden instance and 2 random ones; full: 20 random ones.
    pub fn new(preset: Preset) -> Self {
        GradCheck {
            random: if preset == Preset::Quick { 2 } else { 20 },
        }
    }
}

impl Experiment for GradCheck {
    fn module(&self) -> &'static str {
        "multi_index"
    }
    fn name(&self) -> &'static str {
        "grad_check"
    }
    fn about(&self) -> &'static str {
        "closed-form population loss and gradients vs golden values and quadrature"
    }
    fn params(&self) -> Vec<ParamInfo> {
        vec![ParamInfo::new(
            "random",
            format!("{}", self.random),
            "≥ 0",
            "random instances (d = 6)",
        )]
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        match key {
            "random" => {
                self.random = crate::run::params::parse_count("random", value, 0, "≥ 0")? as usize
            }
            _ => return Err(unknown_key(key, "random")),
        }
        Ok(())
    }
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
    fn items(&self) -> usize {
        1 + self.random
    }
    fn item_label(&self, item: usize) -> Vec<(&'static str, f64)> {
        vec![("instance", item as f64)]
    }
    fn item_steps(&self, _: usize) -> u64 {
        1
    }
    fn run_item(
        &self,
        item: usize,
        rng: &mut Rng,
        _: &mut dyn Observer,
    ) -> Result<ItemResult, Error> {
        let (link, act, mut a, mut w, mut v) = golden_instance();
        let mut d = 4;
        if item > 0 {
            d = 6;
            v = vec![0.0; 2 * d];
            orthonormal_frame(rng, 2, d, &mut v)?;
            w = vec![0.0; 3 * d];
            for row in w.chunks_exact_mut(d) {
                sphere(rng, row);
            }
            for x in a.iter_mut() {
                *x = normal(rng);
            }
        }
        let (l, g, da) = closed_form(&link, &act, &a, &w, &v, d);
        let (lq, gq, daq) = by_quadrature(&link, &act, &a, &w, &v, d, 6)?;
        let mut scalars = vec![
            ("loss_vs_quadrature", libm::fabs(l - lq)),
            ("grad_vs_quadrature", max_diff(&g, &gq)),
            ("da_vs_quadrature", max_diff(&da, &daq)),
        ];
        if item == 0 {
            scalars.push(("loss_vs_golden", libm::fabs(l - GOLDEN_LOSS)));
            scalars.push(("grad_vs_golden", max_diff(&g, &GOLDEN_GRAD)));
            scalars.push(("da_vs_golden", max_diff(&da, &GOLDEN_DA)));
        }
        Ok(ItemResult {
            scalars,
            vectors: vec![],
        })
    }
    fn summarize(&self, results: &[ItemResult]) -> Result<Summary, Error> {
        let q = results
            .iter()
            .flat_map(|r| {
                [
                    "loss_vs_quadrature",
                    "grad_vs_quadrature",
                    "da_vs_quadrature",
                ]
                .map(|k| r.scalar(k))
            })
            .fold(0.0, f64::max);
        let gd = ["loss_vs_golden", "grad_vs_golden", "da_vs_golden"]
            .map(|k| results[0].scalar(k))
            .iter()
            .copied()
            .fold(0.0, f64::max);
        Ok(Summary {
            claims: vec![Claim {
                id: "G",
                claim: "closed-form loss, gradients, ∂L/∂a = golden values and quadrature",
                measured: format!("golden {gd:.1e}; quadrature {q:.1e}"),
                expected: "both ≤ 1e-12".into(),
                pass: gd <= 1e-12 && q <= 1e-12,
            }],
            ..Summary::default()
        })
    }
}
