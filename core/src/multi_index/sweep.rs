//! A generic experiment over online-SGD runs: a base configuration, a grid of points (the
//! cartesian product of axes, each axis a `--set` key with a list of values) and replicas per
//! point. Work item = (point, replica). Each experiment of §10 that runs SGD is a `SgdSweep`
//! with its own grid, step budget and claims.

use super::config::MultiIndexConfig;
use super::sgd::{DriverOptions, build_engine, run_sgd};
use crate::Error;
use crate::linalg::Isa;
use crate::random::Rng;
use crate::run::params::{format_list, parse_count};
use crate::run::{
    Claim, Experiment, Figure, ItemResult, Observer, ParamInfo, Record, Summary, Table,
};
use crate::stats::median;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

/// One axis of the grid: a key and its values (as `--set` text).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// A config key, or `kappa` (sets `kappa1` and `kappa2`).
    pub key: &'static str,
    /// Values.
    pub values: Vec<String>,
}

/// Pooled statistics of one grid point over its replicas.
#[derive(Clone, Debug)]
pub struct PointStats {
    /// The point's resolved configuration.
    pub cfg: MultiIndexConfig,
    /// The axis values of this point.
    pub values: Vec<String>,
    /// Per-neuron $T_{\rm sub}$ of every replica, pooled.
    pub t_sub: Vec<f64>,
    /// Per-neuron $T_{\rm dir}$ of every replica, pooled.
    pub t_dir: Vec<f64>,
    /// Median $T_{\rm sub}$ (∞ if half fail).
    pub median_t_sub: f64,
    /// Median $T_{\rm dir}$.
    pub median_t_dir: f64,
    /// $a_0\eta_1$ and $a_0\eta_2$.
    pub a0_eta: (f64, f64),
    /// Per replica: ridge loss at the end over the ridge loss at the switch.
    pub ridge_ratio: Vec<f64>,
    /// Per replica: ridge loss at the end.
    pub ridge_end: Vec<f64>,
    /// Per replica: median over the second half of median$_i(1-\mu_i)$.
    pub floor: Vec<f64>,
    /// Pooled per-neuron $\max_k\bar m_k^2$ at init and at the snapshot.
    pub peak_init: Vec<f64>,
    /// See `peak_init`.
    pub peak_snapshot: Vec<f64>,
}

/// The claims and figures of a sweep, computed from its points.
pub type SweepReport = fn(&SgdSweep, &[PointStats], &[ItemResult]) -> (Vec<Claim>, Vec<Figure>);

/// An SGD sweep experiment.
#[derive(Clone)]
pub struct SgdSweep {
    /// Experiment name.
    pub name: &'static str,
    /// What it shows.
    pub about: &'static str,
    /// Base configuration.
    pub base: MultiIndexConfig,
    /// Grid axes.
    pub axes: Vec<Axis>,
    /// `false`: the grid is the cartesian product of the axes; `true`: the axes are zipped
    /// (point $j$ takes value $j$ of every axis; all axes have the same length).
    pub zip: bool,
    /// Replicas per point.
    pub replicas: usize,
    /// Replicas per point (overrides `replicas` when non-empty; one entry per point).
    pub replicas_per_point: Vec<usize>,
    /// Step budget of a point when `steps` was not set.
    pub steps_rule: fn(&MultiIndexConfig) -> u64,
    /// `steps` set by the user.
    pub steps_override: Option<u64>,
    /// Per-point adjustment after the axis values are applied (e.g. the step rule of a link).
    pub adjust: fn(&mut MultiIndexConfig),
    /// Driver options.
    pub options: DriverOptions,
    /// Common random numbers: replica `r` of every point uses stream `r` (paired comparisons).
    pub paired: bool,
    /// Trace replica 0 of point 0 for a figure.
    pub trace_first: bool,
    /// Claims and figures.
    pub report: SweepReport,
}

impl core::fmt::Debug for SgdSweep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "multi_index/{}", self.name)
    }
}

/// No per-point adjustment.
pub fn no_adjust(_: &mut MultiIndexConfig) {}

/// No claims, no figures.
pub fn no_report(_: &SgdSweep, _: &[PointStats], _: &[ItemResult]) -> (Vec<Claim>, Vec<Figure>) {
    (Vec::new(), Vec::new())
}

fn apply(cfg: &mut MultiIndexConfig, key: &str, value: &str) -> Result<(), Error> {
    if key == "kappa" {
        cfg.set("kappa1", value)?;
        cfg.set("kappa2", value)
    } else {
        cfg.set(key, value)
    }
}

impl SgdSweep {
    /// Number of grid points.
    pub fn points(&self) -> usize {
        if self.zip {
            self.axes.iter().map(|a| a.values.len()).min().unwrap_or(1)
        } else {
            self.axes.iter().map(|a| a.values.len()).product()
        }
    }

    /// Axis values of point `point` (first axis slowest).
    pub fn point_values(&self, point: usize) -> Vec<&str> {
        if self.zip {
            return self.axes.iter().map(|a| a.values[point].as_str()).collect();
        }
        let mut idx = point;
        let mut out = vec![""; self.axes.len()];
        for (a, axis) in self.axes.iter().enumerate().rev() {
            let n = axis.values.len();
            out[a] = &axis.values[idx % n];
            idx /= n;
        }
        out
    }

    /// Replicas of point `point`.
    pub fn replicas_of(&self, point: usize) -> usize {
        self.replicas_per_point
            .get(point)
            .copied()
            .unwrap_or(self.replicas)
    }

    /// First item of point `point`.
    fn first_item(&self, point: usize) -> usize {
        (0..point).map(|p| self.replicas_of(p)).sum()
    }

    /// `(point, replica)` of item `item`.
    pub fn locate(&self, item: usize) -> (usize, usize) {
        let mut start = 0;
        for point in 0..self.points() {
            let n = self.replicas_of(point);
            if item < start + n {
                return (point, item - start);
            }
            start += n;
        }
        (self.points(), 0)
    }

    /// The resolved configuration of point `point`.
    pub fn point_config(&self, point: usize) -> Result<MultiIndexConfig, Error> {
        let mut cfg = self.base.clone();
        for (axis, value) in self.axes.iter().zip(self.point_values(point)) {
            apply(&mut cfg, axis.key, value)?;
        }
        (self.adjust)(&mut cfg);
        cfg.steps = match self.steps_override {
            Some(s) => s,
            None => (self.steps_rule)(&cfg),
        };
        Ok(cfg)
    }

    /// A number for the axis value: itself if numeric, else its index in the axis.
    fn axis_number(&self, a: usize, value: &str) -> f64 {
        value.trim().parse::<f64>().unwrap_or_else(|_| {
            self.axes[a]
                .values
                .iter()
                .position(|v| v == value)
                .map_or(f64::NAN, |i| i as f64)
        })
    }

    /// Pools the items of each point.
    pub fn point_stats(&self, results: &[ItemResult]) -> Result<Vec<PointStats>, Error> {
        let mut out = Vec::with_capacity(self.points());
        for point in 0..self.points() {
            let cfg = self.point_config(point)?;
            let (e1, e2) = cfg.step_sizes();
            let first = self.first_item(point);
            let items = &results[first..first + self.replicas_of(point)];
            let pool = |name: &str| -> Vec<f64> {
                items
                    .iter()
                    .flat_map(|r| r.vector(name).iter().copied())
                    .collect()
            };
            let t_sub = pool("t_sub");
            let t_dir = pool("t_dir");
            out.push(PointStats {
                values: self
                    .point_values(point)
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                median_t_sub: median(&t_sub),
                median_t_dir: median(&t_dir),
                t_sub,
                t_dir,
                a0_eta: (cfg.a0 * e1, cfg.a0 * e2),
                ridge_ratio: items
                    .iter()
                    .map(|r| r.scalar("ridge_end") / r.scalar("ridge_at_switch"))
                    .collect(),
                ridge_end: items.iter().map(|r| r.scalar("ridge_end")).collect(),
                floor: items.iter().map(|r| r.scalar("floor")).collect(),
                peak_init: pool("peak_init"),
                peak_snapshot: pool("peak_snapshot"),
                cfg,
            });
        }
        Ok(out)
    }
}

/// Keeps the ridge-loss series while forwarding to the frontend's observer.
struct Tee<'a> {
    inner: &'a mut dyn Observer,
    keep: bool,
    ridge: Vec<f64>,
}

impl Observer for Tee<'_> {
    fn record(&mut self, record: &Record<'_>) {
        if self.keep
            && let Some(v) = record.get("ridge_loss")
        {
            self.ridge.push(record.step as f64);
            self.ridge.push(v);
        }
        self.inner.record(record);
    }
    fn event(&mut self, step: u64, name: &'static str, value: f64) {
        self.inner.event(step, name, value);
    }
}

impl Experiment for SgdSweep {
    fn module(&self) -> &'static str {
        "multi_index"
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn about(&self) -> &'static str {
        self.about
    }

    fn params(&self) -> Vec<ParamInfo> {
        let mut out: Vec<ParamInfo> = self
            .base
            .params()
            .into_iter()
            .filter(|p| p.name != "steps" && !self.axes.iter().any(|a| a.key == p.name))
            .collect();
        for axis in &self.axes {
            out.push(ParamInfo::new(
                axis.key,
                format_list(&axis.values),
                "a comma-separated list (one grid point per value)",
                "grid axis",
            ));
        }
        let replicas = if self.replicas_per_point.is_empty() {
            self.replicas.to_string()
        } else {
            format_list(&self.replicas_per_point)
        };
        out.push(ParamInfo::new(
            "replicas",
            replicas,
            "≥ 1, or a list with one count per grid point",
            "independent runs per grid point",
        ));
        out.push(ParamInfo::new(
            "steps",
            self.steps_override.map_or("auto".into(), |s| s.to_string()),
            "auto or ≥ 1",
            "step budget per run (auto: scaled with the predicted hitting time)",
        ));
        out
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        if key == "replicas" {
            if value.contains(',') {
                self.replicas_per_point = crate::run::params::parse_count_list(
                    "replicas",
                    value,
                    1,
                    "≥ 1 (one count per grid point)",
                )?
                .into_iter()
                .map(|r| r as usize)
                .collect();
            } else {
                self.replicas = parse_count("replicas", value, 1, "≥ 1")? as usize;
                self.replicas_per_point.clear();
            }
            return Ok(());
        }
        if key == "steps" {
            self.steps_override = if value.trim() == "auto" {
                None
            } else {
                Some(parse_count("steps", value, 1, "≥ 1")?)
            };
            return Ok(());
        }
        if let Some(a) = self.axes.iter().position(|a| a.key == key) {
            let values: Vec<String> = value
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|s| s.trim().to_string())
                .collect();
            // Parse each value now so that errors name the key.
            for v in &values {
                let mut probe = self.base.clone();
                apply(&mut probe, self.axes[a].key, v)?;
            }
            self.axes[a].values = values;
            return Ok(());
        }
        if self.base.set_key(key, value)? {
            Ok(())
        } else {
            Err(crate::run::params::unknown_key(
                key,
                "replicas, steps, the grid axes, and the config keys: see `tdlab list multi_index/<name>`",
            ))
        }
    }

    fn validate(&self) -> Result<(), Error> {
        if self.zip
            && self
                .axes
                .iter()
                .any(|a| a.values.len() != self.axes[0].values.len())
        {
            return Err(Error::invalid(
                "grid axes",
                self.axes.iter().map(|a| a.values.len()).min().unwrap_or(0) as f64,
                "lists of equal length (this experiment zips its axes)",
            ));
        }
        if !self.replicas_per_point.is_empty() && self.replicas_per_point.len() != self.points() {
            return Err(Error::invalid(
                "replicas",
                self.replicas_per_point.len() as f64,
                "one count per grid point (or a single count)",
            ));
        }
        if self.replicas < 1 {
            return Err(Error::invalid("replicas", self.replicas as f64, "≥ 1"));
        }
        for point in 0..self.points() {
            self.point_config(point)?.validate()?;
        }
        Ok(())
    }

    fn items(&self) -> usize {
        (0..self.points()).map(|p| self.replicas_of(p)).sum()
    }

    fn item_label(&self, item: usize) -> Vec<(&'static str, f64)> {
        let (point, replica) = self.locate(item);
        let mut out = Vec::new();
        for (a, (axis, v)) in self.axes.iter().zip(self.point_values(point)).enumerate() {
            out.push((axis.key, self.axis_number(a, v)));
        }
        out.push(("replica", replica as f64));
        out
    }

    fn stream_of(&self, item: usize) -> u64 {
        if self.paired {
            self.locate(item).1 as u64
        } else {
            item as u64
        }
    }

    fn item_steps(&self, item: usize) -> u64 {
        self.point_config(self.locate(item).0)
            .map_or(0, |c| c.steps)
    }

    fn run_item(
        &self,
        item: usize,
        rng: &mut Rng,
        observer: &mut dyn Observer,
    ) -> Result<ItemResult, Error> {
        let cfg = self.point_config(self.locate(item).0)?;
        let trace = self.trace_first && item == 0;
        let mut engine = build_engine(&cfg, Isa::detect(), rng)?;
        let mut options = self.options;
        options.trace = trace;
        let mut tee = Tee {
            inner: observer,
            keep: trace,
            ridge: Vec::new(),
        };
        let out = run_sgd(&cfg, engine.as_mut(), rng, options, &mut tee)?;
        let floor = if out.floor_samples.is_empty() {
            f64::NAN
        } else {
            median(&out.floor_samples)
        };
        let mu_final: Vec<f64> = (0..cfg.m)
            .map(|i| super::metrics::alignment(&out.m_final, cfg.p, i))
            .collect();
        let mut vectors = vec![
            ("t_sub", out.t_sub),
            ("t_dir", out.t_dir),
            ("peak_init", out.peak_init),
            ("peak_snapshot", out.peak_snapshot),
            ("mu_final", mu_final),
        ];
        if trace {
            let mut flat = Vec::new();
            for (step, v) in &out.trace {
                flat.push(*step as f64);
                flat.extend_from_slice(v);
            }
            vectors.push(("trace", flat));
            vectors.push(("ridge_trace", tee.ridge));
        }
        Ok(ItemResult {
            scalars: vec![
                ("steps", out.steps as f64),
                ("t_switch", out.t_switch),
                ("ridge_at_switch", out.ridge_at_switch),
                ("ridge_end", out.ridge_end),
                ("floor", floor),
                ("norm_error", out.norm_error),
            ],
            vectors,
        })
    }

    fn summarize(&self, results: &[ItemResult]) -> Result<Summary, Error> {
        let stats = self.point_stats(results)?;
        let mut columns: Vec<String> = self.axes.iter().map(|a| a.key.to_string()).collect();
        for c in [
            "median_T_sub",
            "median_T_dir",
            "a0eta1_T_sub",
            "a0eta1_T_dir",
            "median_ridge_end",
            "median_ridge_ratio",
            "median_floor",
        ] {
            columns.push(c.into());
        }
        let mut rows = Vec::new();
        for st in stats.iter() {
            let mut row: Vec<f64> = st
                .values
                .iter()
                .enumerate()
                .map(|(a, v)| self.axis_number(a, v))
                .collect();
            row.extend_from_slice(&[
                st.median_t_sub,
                st.median_t_dir,
                st.a0_eta.0 * st.median_t_sub,
                st.a0_eta.0 * st.median_t_dir,
                median(&st.ridge_end),
                median(&st.ridge_ratio),
                median(&st.floor),
            ]);
            rows.push(row);
        }
        let (claims, figures) = (self.report)(self, &stats, results);
        let mut notes = Vec::new();
        if let Some(st) = stats.first() {
            let c = &st.cfg;
            if let Ok((_, cal)) =
                super::population::noise_constants(&c.link.series, c.act_series(), c.p)
            {
                let q = c.q().unwrap_or(2);
                let rate = 4.0 * c.c(2) + 2.0 * q as f64 * c.c(q);
                let floor = st.a0_eta.1 * c.d as f64 * cal / rate;
                notes.push(format!(
                    "C_al = {cal:.4}; predicted aligned floor 1 − μ ≈ a0η2·d·C_al/(4c2 + 2q c_q) = {floor:.4} (first point); subspace floor ≈ κ1/4 = {:.4}",
                    c.kappa1 / 4.0
                ));
            }
            notes.push(format!(
                "engine {:?}, C0 = {:.4}, a0·eta1 = {:.4e}, a0·eta2 = {:.4e}; cost per step ≈ {} MAC",
                c.resolved_engine(),
                c.c0(),
                st.a0_eta.0,
                st.a0_eta.1,
                match c.resolved_engine() {
                    super::config::EngineKind::Span => (c.p + c.span_cap()) * c.m,
                    _ => (c.m + 1) * c.d,
                }
            ));
        }
        Ok(Summary {
            table: Table { columns, rows },
            claims,
            figures,
            notes,
        })
    }
}
