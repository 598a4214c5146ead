//! `tdlab` — the command-line frontend of the tdlab core.
//!
//! Today: `tdlab --version` and `tdlab bench kernels [--json] [--isa NAME]`. The experiment
//! commands (`reproduce`, `run`, `list`, `plot`, `sweep`) arrive with the paper modules.

mod bench;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tdlab",
    version,
    about = "Training dynamics of small theoretical learning problems"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench {
            what: BenchWhat::Kernels(args),
        } => bench::kernels(&args),
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
}
