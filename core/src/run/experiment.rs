//! The interface between an experiment (a core function of a paper module) and any frontend.
//!
//! An experiment is a validated configuration plus a list of independent *work items*
//! (replicas, sweep points). A frontend sets parameters by name, runs the items in any order on
//! any number of threads — item `i` always draws from stream `i` of the master seed — and hands
//! the results back **in index order** to [`Experiment::summarize`], which computes the table,
//! the figures' data and the paper's claims. This is what makes results bit-identical for every
//! thread count, and what lets an embedding crate rerun a paper without the CLI.

use super::Error;
use crate::random::Rng;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::Observer;

/// Problem-size preset: `Quick` runs in seconds (the `reproduce` default), `Full` at paper scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// Small sizes: every claim checked in seconds.
    Quick,
    /// Paper-scale sizes.
    Full,
}

impl Preset {
    /// `"quick"` or `"full"`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Quick => "quick",
            Preset::Full => "full",
        }
    }

    /// Parses `"quick"` / `"full"`.
    pub fn from_name(name: &str) -> Result<Preset, Error> {
        match name {
            "quick" => Ok(Preset::Quick),
            "full" => Ok(Preset::Full),
            _ => Err(Error::UnknownName {
                name: "preset",
                got: name.into(),
                allowed: "quick, full",
            }),
        }
    }
}

/// One parameter as a user sees it: `--set name=value`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamInfo {
    /// The key.
    pub name: &'static str,
    /// The current value, formatted so that `set(name, value)` reproduces it.
    pub value: String,
    /// The allowed values in words.
    pub allowed: &'static str,
    /// What it does.
    pub help: &'static str,
}

impl ParamInfo {
    /// A parameter line of `tdlab list`.
    pub fn new(
        name: &'static str,
        value: String,
        allowed: &'static str,
        help: &'static str,
    ) -> ParamInfo {
        ParamInfo {
            name,
            value,
            allowed,
            help,
        }
    }
}

/// What one work item returns: named scalars and named vectors (e.g. per-neuron hitting times).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemResult {
    /// Named scalars.
    pub scalars: Vec<(&'static str, f64)>,
    /// Named vectors.
    pub vectors: Vec<(&'static str, Vec<f64>)>,
}

impl ItemResult {
    /// The scalar `name` (NaN if absent).
    pub fn scalar(&self, name: &str) -> f64 {
        self.scalars
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |p| p.1)
    }

    /// The vector `name` (empty if absent).
    pub fn vector(&self, name: &str) -> &[f64] {
        self.vectors
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[][..], |p| &p.1[..])
    }
}

/// One checked claim of a paper: what is claimed, what was measured, what passes.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// Short id, e.g. `"R1"`.
    pub id: &'static str,
    /// The claim in words.
    pub claim: &'static str,
    /// The measured value(s), formatted.
    pub measured: String,
    /// The pass condition, formatted.
    pub expected: String,
    /// Whether the measurement satisfies the condition.
    pub pass: bool,
}

/// A rectangular table of numbers (written as `summary.csv`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<f64>>,
}

/// One curve of a figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Legend label (empty: no legend entry, e.g. one thin line per neuron).
    pub label: String,
    /// `(x, y)` points.
    pub points: Vec<(f64, f64)>,
    /// Drawn bold (medians) rather than thin (individual trajectories).
    pub bold: bool,
    /// Colour index into the plotting palette.
    pub color: usize,
}

/// A figure's data: the frontend draws it (the CLI as SVG) and can redraw it from saved data.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// File stem, e.g. `"multi_index_two_stage"`.
    pub name: String,
    /// Title.
    pub title: String,
    /// Axis labels.
    pub x_label: String,
    /// Axis labels.
    pub y_label: String,
    /// Logarithmic axes.
    pub log_x: bool,
    /// Logarithmic axes.
    pub log_y: bool,
    /// The curves.
    pub curves: Vec<Curve>,
    /// Vertical marker lines (e.g. a stage switch) at these x values.
    pub markers: Vec<f64>,
}

/// Everything an experiment reports after its items have run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// The numbers (one row per sweep point or replica).
    pub table: Table,
    /// Checked claims (empty for experiments that only measure).
    pub claims: Vec<Claim>,
    /// Figures' data.
    pub figures: Vec<Figure>,
    /// Free-text notes (constants, predicted floors, cost).
    pub notes: Vec<String>,
}

/// An experiment with its configuration. Object safe, so frontends hold `Box<dyn Experiment>`.
pub trait Experiment: Send + Sync {
    /// Module (paper) name, e.g. `"multi_index"`.
    fn module(&self) -> &'static str;
    /// Experiment name within the module, e.g. `"two_stage"`.
    fn name(&self) -> &'static str;
    /// One line: what it shows.
    fn about(&self) -> &'static str;
    /// Every parameter with its current value, allowed range and help.
    fn params(&self) -> Vec<ParamInfo>;
    /// Sets one parameter from text. Unknown keys give [`Error::UnknownName`] listing the keys;
    /// unparsable values give [`Error::Malformed`]; out-of-range values may be reported here or
    /// by [`Experiment::validate`].
    fn set(&mut self, key: &str, value: &str) -> Result<(), Error>;
    /// Checks the whole configuration; every error names the parameter and its allowed range.
    fn validate(&self) -> Result<(), Error>;
    /// Number of independent work items.
    fn items(&self) -> usize;
    /// Labels of item `item` written with its records (e.g. `d`, `replica`).
    fn item_label(&self, item: usize) -> Vec<(&'static str, f64)>;
    /// An upper bound on the steps item `item` runs (for progress bars).
    fn item_steps(&self, item: usize) -> u64;
    /// The stream item `item` draws from: `Streams::new(seed).stream(stream_of(item))`. Item `i`
    /// uses stream `i` unless an experiment pairs items on purpose (common random numbers: e.g.
    /// the same replica of two losses sees the same initialisation and samples).
    fn stream_of(&self, item: usize) -> u64 {
        item as u64
    }
    /// Runs item `item` with its stream (see [`Experiment::stream_of`]).
    fn run_item(
        &self,
        item: usize,
        rng: &mut Rng,
        observer: &mut dyn Observer,
    ) -> Result<ItemResult, Error>;
    /// Table, claims and figures from the items' results, given in index order.
    fn summarize(&self, results: &[ItemResult]) -> Result<Summary, Error>;
}

/// A registered experiment: its names and a constructor for each preset.
#[derive(Clone, Copy)]
pub struct ExperimentEntry {
    /// Module (paper) name.
    pub module: &'static str,
    /// Experiment name.
    pub name: &'static str,
    /// One line: what it shows.
    pub about: &'static str,
    /// Whether `reproduce` runs it (it checks claims).
    pub in_reproduce: bool,
    /// Builds the experiment on a preset.
    pub make: fn(Preset) -> Box<dyn Experiment>,
}

impl core::fmt::Debug for ExperimentEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}/{}", self.module, self.name)
    }
}

/// Runs every item of `experiment` in order on this thread and summarises: the reference
/// single-threaded driver (frontends may run items in parallel; results are identical).
pub fn run_serial(
    experiment: &dyn Experiment,
    seed: u64,
    observer: &mut dyn Observer,
) -> Result<Summary, Error> {
    experiment.validate()?;
    let streams = crate::random::Streams::new(seed);
    let mut results = Vec::with_capacity(experiment.items());
    for item in 0..experiment.items() {
        let mut rng = streams.stream(experiment.stream_of(item));
        results.push(experiment.run_item(item, &mut rng, observer)?);
    }
    experiment.summarize(&results)
}
