//! `tdlab` — the command-line frontend of the tdlab core.
//!
//! `tdlab reproduce` (the main job) reruns every registered claim of the papers;
//! `tdlab run`, `tdlab list`, `tdlab plot` and `tdlab bench` serve everything else. Experiments
//! are core functions; this binary maps names to them, runs work items on threads, writes
//! result files atomically, draws SVG plots and shows progress.

mod bench;
mod commands;
mod files;
mod plot;
mod registry;
mod runner;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tdlab",
    version,
    about = "Training dynamics of small theoretical learning problems",
    long_about = "Training dynamics of small theoretical learning problems.\n\nStart with `tdlab reproduce`: it reruns every paper's claims on the quick preset and writes tables, data and SVG figures under results/."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by `run` and `reproduce`.
#[derive(clap::Args, Debug, Clone)]
pub struct CommonArgs {
    /// Size preset: quick (seconds) or full (paper scale).
    #[arg(long, default_value = "quick")]
    pub preset: String,
    /// Master seed; work item i uses stream i of it.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results are identical for every value.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory (default: results/<UTC timestamp>-<command>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// The main job: rerun every claim of the papers and print a PASS/FAIL table.
    Reproduce {
        /// A paper module (e.g. multi_index) or `all`.
        #[arg(default_value = "all")]
        module: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Run one experiment.
    Run {
        /// `<module>/<name>`, e.g. multi_index/two_stage.
        experiment: String,
        /// Set a parameter (repeatable): `--set d=200 --set kappa1=0.25`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// A TOML file of `key = value` parameters (applied before --set).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Replicas (work items per grid point), where the experiment has them.
        #[arg(long)]
        replicas: Option<u64>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// List the experiments, or one in full (parameters, defaults, ranges).
    List {
        /// `<module>/<name>` to show in full.
        experiment: Option<String>,
    },
    /// Redraw the SVG figures of a results directory from its saved data.
    Plot {
        /// A directory written by `tdlab run` or `tdlab reproduce`.
        dir: PathBuf,
    },
    /// Measure the speed of tdlab's kernels on this machine.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Vector/matrix kernels, samplers, Hermite evaluation, Jacobi eigen.
    Kernels(bench::KernelArgs),
    /// One step of each model's engines.
    Models(bench::ModelArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Reproduce { module, common } => commands::reproduce(&module, &common),
        Command::Run {
            experiment,
            set,
            config,
            replicas,
            common,
        } => commands::run(&experiment, &set, config.as_deref(), replicas, &common),
        Command::List { experiment } => commands::list(experiment.as_deref()),
        Command::Plot { dir } => commands::plot(&dir),
        Command::Bench {
            what: BenchWhat::Kernels(args),
        } => bench::kernels(&args),
        Command::Bench {
            what: BenchWhat::Models(args),
        } => bench::models(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

/// A CLI failure: one line for the user and the exit code (2 usage, 1 run failure).
#[derive(Debug)]
pub struct CliError {
    /// What went wrong and what to change.
    pub message: String,
    /// Process exit code.
    pub code: u8,
}

impl CliError {
    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 2,
        }
    }

    /// A run failure (exit code 1).
    pub fn run(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 1,
        }
    }

    /// A configuration error from the core: usage (exit 2) when it is about input.
    pub fn from_config(e: tdlab::Error) -> Self {
        if is_input_error(&e) {
            CliError::usage(e.to_string())
        } else {
            CliError::run(e.to_string())
        }
    }

    /// An error while running `what`: input errors stay usage errors, the rest are run failures.
    pub fn from_run(e: tdlab::Error, what: &str) -> Self {
        let msg = format!("{what}: {e}");
        if is_input_error(&e) {
            CliError::usage(msg)
        } else {
            CliError::run(msg)
        }
    }
}

/// Whether a core error is about the user's input (a parameter, a name, unparsable text).
fn is_input_error(e: &tdlab::Error) -> bool {
    matches!(
        e,
        tdlab::Error::InvalidParameter { .. }
            | tdlab::Error::UnknownName { .. }
            | tdlab::Error::Malformed { .. }
    )
}
