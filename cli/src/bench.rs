//! `tdlab bench kernels`: times the shared workloads of `tdlab-benches` with a simple
//! calibrated loop (median of repeated batches) and prints a table or JSON.

use crate::CliError;
use std::time::{Duration, Instant};
use tdlab::linalg::Isa;
use tdlab_benches::{Work, Workload, kernel_workloads, model_workloads};

/// Options of `tdlab bench kernels`.
#[derive(clap::Args, Debug)]
pub struct KernelArgs {
    /// Print one JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
    /// Instruction set: auto, scalar, avx2, avx512.
    #[arg(long, default_value = "auto")]
    isa: String,
    /// Only workloads whose group contains this text (e.g. `gemm`).
    #[arg(long)]
    filter: Option<String>,
    /// Target time per measured batch, in milliseconds (1..=10000).
    #[arg(long, default_value_t = 40)]
    batch_ms: u64,
}

fn time_per_call(run: &mut dyn FnMut(), batch: Duration) -> f64 {
    // Calibrate: double the count until one batch takes ≥ batch/4.
    let mut iters: u64 = 1;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            run();
        }
        let e = t.elapsed();
        if e >= batch / 4 || iters >= 1 << 30 {
            let per = e.as_secs_f64() / iters as f64;
            iters = ((batch.as_secs_f64() / per.max(1e-12)) as u64).max(1);
            break;
        }
        iters *= 2;
    }
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                run();
            }
            t.elapsed().as_secs_f64() / iters as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Runs the kernel benchmarks.
pub fn kernels(args: &KernelArgs) -> Result<(), CliError> {
    measure(args, "kernels", kernel_workloads)
}

/// Options of `tdlab bench models` (the same as for kernels).
pub type ModelArgs = KernelArgs;

/// `tdlab bench models`: one step of each model engine.
pub fn models(args: &ModelArgs) -> Result<(), CliError> {
    measure(args, "model steps", model_workloads)
}

fn measure(
    args: &KernelArgs,
    what: &str,
    workloads: fn(Isa) -> Vec<Workload>,
) -> Result<(), CliError> {
    let isa = Isa::from_name(&args.isa).map_err(|e| CliError::usage(format!("--isa: {e}")))?;
    if !(1..=10_000).contains(&args.batch_ms) {
        return Err(CliError::usage(format!(
            "--batch-ms must be in 1..=10000, got {}",
            args.batch_ms
        )));
    }
    let batch = Duration::from_millis(args.batch_ms);
    if !args.json {
        println!("tdlab {} {what}, isa = {}", tdlab::VERSION, isa.name());
        println!(
            "{:<14} {:<12} {:>12} {:>16}",
            "kernel", "size", "ns/call", "throughput"
        );
    }
    let mut any = false;
    for mut w in workloads(isa) {
        if let Some(f) = &args.filter
            && !w.group.contains(f.as_str())
        {
            continue;
        }
        any = true;
        let sec = time_per_call(&mut w.run, batch);
        let ns = sec * 1e9;
        let (value, unit) = match w.work {
            Work::Samples(n) => (ns / n as f64, "ns/sample"),
            Work::Values(n) => (ns / n as f64, "ns/value"),
            Work::Steps(n) => (ns / 1e3 / n as f64, "µs/step"),
            Work::Flops(f) => (f / sec / 1e9, "GFLOP/s"),
        };
        if args.json {
            let obj = serde_json::json!({
                "kernel": w.group, "size": w.size, "isa": isa.name(),
                "ns_per_call": ns, "throughput": value, "unit": unit,
            });
            println!("{obj}");
        } else {
            println!(
                "{:<14} {:<12} {:>12.1} {:>9.2} {unit}",
                w.group, w.size, ns, value
            );
        }
    }
    if !any {
        return Err(CliError::usage(format!(
            "--filter {:?} matches no workload (groups: {})",
            args.filter.as_deref().unwrap_or(""),
            workloads(isa)
                .iter()
                .map(|w| w.group)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}
