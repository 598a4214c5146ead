//! `ridge_curve` (§7.7): population ridge loss of $m$ neurons uniform inside the subspace —
//! what stage 3 achieves right after stage 1, before the directions are found.

use super::config::Link;
use super::population::Population;
use crate::Error;
use crate::random::{Rng, sphere};
use crate::run::params::{format_list, parse_count, parse_count_list, parse_real, unknown_key};
use crate::run::{Experiment, ItemResult, Observer, ParamInfo, Preset, Summary, Table};
use crate::stats::{mean_se, median};
use alloc::format;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

/// Ridge loss against the width for neurons uniform on the subspace's sphere.
#[derive(Clone, Debug)]
pub struct RidgeCurve {
    /// Directions.
    pub p: usize,
    /// Widths.
    pub ms: Vec<u64>,
    /// Draws per width.
    pub draws: usize,
    /// Ridge λ.
    pub lambda: f64,
}

impl RidgeCurve {
    /// The preset.
    pub fn new(_: Preset) -> Self {
        RidgeCurve {
            p: 4,
            ms: vec![8, 16, 35],
            draws: 2000,
            lambda: 1e-8,
        }
    }
}

/// One draw: `m` neurons uniform on the unit sphere of the $P$-dim subspace, ridge loss for
/// $\phi=\sigma=$ `link`.
pub fn ridge_loss_in_subspace(
    rng: &mut Rng,
    link: &Link,
    p: usize,
    m: usize,
    lambda: f64,
) -> Result<f64, Error> {
    let mut mo = vec![0.0; m * p];
    for col in mo.chunks_exact_mut(p) {
        sphere(rng, col);
    }
    let mut q = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            q[i * m + j] = (0..p).map(|k| mo[i * p + k] * mo[j * p + k]).sum();
        }
    }
    let weights = vec![1.0; p];
    let pop = Population {
        link: &link.series,
        act: &link.series,
        weights: &weights,
    };
    Ok(pop.ridge_alloc(&mo, &q, m, lambda)?.1)
}

impl Experiment for RidgeCurve {
    fn module(&self) -> &'static str {
        "multi_index"
    }
    fn name(&self) -> &'static str {
        "ridge_curve"
    }
    fn about(&self) -> &'static str {
        "ridge loss of neurons uniform in the subspace against m"
    }
    fn params(&self) -> Vec<ParamInfo> {
        vec![
            ParamInfo::new("p", self.p.to_string(), "≥ 1", "directions"),
            ParamInfo::new("m", format_list(&self.ms), "list, each ≥ 1", "widths"),
            ParamInfo::new("draws", self.draws.to_string(), "≥ 2", "draws per width"),
            ParamInfo::new("lambda", format!("{}", self.lambda), "> 0", "ridge λ"),
        ]
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        match key {
            "p" => self.p = parse_count("p", value, 1, "≥ 1")? as usize,
            "m" => self.ms = parse_count_list("m", value, 1, "a list of integers ≥ 1")?,
            "draws" => self.draws = parse_count("draws", value, 2, "≥ 2")? as usize,
            "lambda" => self.lambda = parse_real("lambda", value)?,
            _ => return Err(unknown_key(key, "p, m, draws, lambda")),
        }
        Ok(())
    }
    fn validate(&self) -> Result<(), Error> {
        if !(self.lambda > 0.0 && self.lambda.is_finite()) {
            return Err(Error::invalid("lambda", self.lambda, "finite and > 0"));
        }
        if self.ms.is_empty() {
            return Err(Error::invalid("m", 0.0, "a non-empty list"));
        }
        Ok(())
    }
    fn items(&self) -> usize {
        self.ms.len()
    }
    fn item_label(&self, item: usize) -> Vec<(&'static str, f64)> {
        vec![("m", self.ms[item] as f64)]
    }
    fn item_steps(&self, _: usize) -> u64 {
        self.draws as u64
    }
    fn run_item(
        &self,
        item: usize,
        rng: &mut Rng,
        _: &mut dyn Observer,
    ) -> Result<ItemResult, Error> {
        self.validate()?;
        let link = Link::h2_h4();
        let m = self.ms[item] as usize;
        let losses = (0..self.draws)
            .map(|_| ridge_loss_in_subspace(rng, &link, self.p, m, self.lambda))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ItemResult {
            scalars: vec![("m", m as f64)],
            vectors: vec![("loss", losses)],
        })
    }
    fn summarize(&self, results: &[ItemResult]) -> Result<Summary, Error> {
        let rows = results
            .iter()
            .map(|r| {
                let l = r.vector("loss");
                let (mean, se) = mean_se(l);
                vec![r.scalar("m"), mean, se, median(l)]
            })
            .collect();
        Ok(Summary {
            table: Table {
                columns: ["m", "mean_loss", "se", "median_loss"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                rows,
            },
            ..Summary::default()
        })
    }
}
