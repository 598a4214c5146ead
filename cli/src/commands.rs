//! The `list`, `run`, `reproduce` and `plot` commands.

use crate::files::{Manifest, make_run_dir, write_atomic};
use crate::plot::{replot, write_figures};
use crate::runner::{Progress, RunOutput, run_experiment};
use crate::{CliError, CommonArgs, registry};
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;
use tdlab::run::{Claim, Experiment, ExperimentEntry, Preset, Summary};

fn preset(name: &str) -> Result<Preset, CliError> {
    Preset::from_name(name).map_err(CliError::from_config)
}

fn threads(common: &CommonArgs) -> Result<usize, CliError> {
    match common.threads {
        Some(0) => Err(CliError::usage("--threads must be ≥ 1, got 0")),
        Some(t) if t > 1024 => Err(CliError::usage(format!(
            "--threads must be ≤ 1024, got {t}"
        ))),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Applies a TOML file of `key = value` pairs.
fn apply_config(exp: &mut dyn Experiment, path: &Path) -> Result<(), CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read config {}: {e}", path.display())))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(&text, s.start));
        CliError::usage(format!(
            "config {}:{line}:{col}: {}",
            path.display(),
            e.message().trim()
        ))
    })?;
    for (key, value) in &table {
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => format!("{f}"),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(a) => a
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            _ => {
                return Err(CliError::usage(format!(
                    "config {}: key '{key}' must be a string, number, boolean or array (tables are not parameters)",
                    path.display()
                )));
            }
        };
        exp.set(key, &text).map_err(|e| {
            CliError::usage(format!(
                "config {}: {}",
                path.display(),
                CliError::from_config(e).message
            ))
        })?;
    }
    Ok(())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn apply_sets(exp: &mut dyn Experiment, sets: &[String]) -> Result<(), CliError> {
    for kv in sets {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(CliError::usage(format!(
                "--set expects KEY=VALUE, got '{kv}'"
            )));
        };
        exp.set(k.trim(), v.trim()).map_err(CliError::from_config)?;
    }
    Ok(())
}

fn csv_number(v: f64) -> String {
    format!("{v}")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn summary_csv(summary: &Summary) -> String {
    let mut s = summary.table.columns.join(",");
    s.push('\n');
    for row in &summary.table.rows {
        s.push_str(
            &row.iter()
                .map(|v| csv_number(*v))
                .collect::<Vec<_>>()
                .join(","),
        );
        s.push('\n');
    }
    s
}

fn claims_csv(rows: &[(String, Claim)]) -> String {
    let mut s = String::from("paper,id,claim,measured,expected,result\n");
    for (paper, c) in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{}",
            paper,
            c.id,
            csv_field(c.claim),
            csv_field(&c.measured),
            csv_field(&c.expected),
            if c.pass { "PASS" } else { "FAIL" }
        );
    }
    s
}

fn params_json(exp: &dyn Experiment) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for p in exp.params() {
        m.insert(p.name.to_string(), json!(p.value));
    }
    serde_json::Value::Object(m)
}

/// Runs one configured experiment into `dir`: manifest (incomplete → complete/failed),
/// records.jsonl, summary.csv, claims.csv, figures. Returns the summary.
fn run_into(
    exp: &dyn Experiment,
    preset: Preset,
    seed: u64,
    threads: usize,
    dir: &Path,
    progress: &Progress,
) -> Result<Summary, CliError> {
    let mut manifest = Manifest::start(
        dir,
        json!({
            "experiment": format!("{}/{}", exp.module(), exp.name()),
            "preset": preset.name(),
            "config": params_json(exp),
            "seed": seed,
            "streams": "work item i uses tdlab::random::Streams::new(seed).stream(s_i), s_i = i unless the experiment pairs items (then s_i = the replica index)",
            "item_streams": (0..exp.items()).map(|i| exp.stream_of(i)).collect::<Vec<_>>(),
            "items": exp.items(),
            "threads": threads,
        }),
    )?;
    let t0 = Instant::now();
    let out: Result<RunOutput, CliError> = run_experiment(exp, seed, threads, progress);
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            manifest.set("error", json!(e.message));
            manifest.finish("failed")?;
            return Err(e);
        }
    };
    write_atomic(&dir.join("records.jsonl"), out.records.as_bytes())?;
    write_atomic(
        &dir.join("summary.csv"),
        summary_csv(&out.summary).as_bytes(),
    )?;
    if !out.summary.claims.is_empty() {
        let rows: Vec<(String, Claim)> = out
            .summary
            .claims
            .iter()
            .map(|c| (exp.module().to_string(), c.clone()))
            .collect();
        write_atomic(&dir.join("claims.csv"), claims_csv(&rows).as_bytes())?;
    }
    if !out.summary.figures.is_empty() {
        write_figures(dir, &out.summary.figures)?;
    }
    manifest.set("wall_seconds", json!(t0.elapsed().as_secs_f64()));
    manifest.set("notes", json!(out.summary.notes));
    manifest.set(
        "claims",
        json!(
            out.summary
                .claims
                .iter()
                .map(|c| json!({"id": c.id, "claim": c.claim, "measured": c.measured, "expected": c.expected, "pass": c.pass}))
                .collect::<Vec<_>>()
        ),
    );
    manifest.finish("complete")?;
    Ok(out.summary)
}

fn print_summary(summary: &Summary) {
    let t = &summary.table;
    if !t.columns.is_empty() {
        println!("{}", t.columns.join("\t"));
        for row in &t.rows {
            println!(
                "{}",
                row.iter()
                    .map(|v| if v.abs() >= 1e5 || (v.abs() < 1e-3 && *v != 0.0) {
                        format!("{v:.4e}")
                    } else {
                        format!("{v:.4}")
                    })
                    .collect::<Vec<_>>()
                    .join("\t")
            );
        }
    }
    for n in &summary.notes {
        println!("note: {n}");
    }
}

fn print_claims(rows: &[(String, Claim)]) {
    println!(
        "{:<12} {:<5} {:<6} CLAIM / MEASURED / EXPECTED",
        "PAPER", "ID", "RESULT"
    );
    for (paper, c) in rows {
        println!(
            "{:<12} {:<5} {:<6} {}",
            paper,
            c.id,
            if c.pass { "PASS" } else { "FAIL" },
            c.claim
        );
        println!("{:<26}measured: {}", "", c.measured);
        println!("{:<26}expected: {}", "", c.expected);
    }
}

/// `tdlab run`.
pub fn run(
    name: &str,
    sets: &[String],
    config: Option<&Path>,
    replicas: Option<u64>,
    common: &CommonArgs,
) -> Result<(), CliError> {
    let entry = registry::find(name)?;
    let preset = preset(&common.preset)?;
    let threads = threads(common)?;
    let mut exp = (entry.make)(preset);
    if let Some(path) = config {
        apply_config(exp.as_mut(), path)?;
    }
    if let Some(r) = replicas {
        exp.set("replicas", &r.to_string())
            .map_err(CliError::from_config)?;
    }
    apply_sets(exp.as_mut(), sets)?;
    exp.validate().map_err(CliError::from_config)?;
    let dir = make_run_dir(
        common.out.as_deref(),
        &format!("run-{}-{}", entry.module, entry.name),
    )?;
    let progress = Progress::new(common.quiet);
    let t0 = Instant::now();
    let summary = run_into(exp.as_ref(), preset, common.seed, threads, &dir, &progress)?;
    print_summary(&summary);
    let rows: Vec<(String, Claim)> = summary
        .claims
        .iter()
        .map(|c| (entry.module.to_string(), c.clone()))
        .collect();
    if !rows.is_empty() {
        print_claims(&rows);
    }
    println!(
        "results: {} ({:.1} s)",
        dir.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `tdlab reproduce`.
pub fn reproduce(module: &str, common: &CommonArgs) -> Result<(), CliError> {
    let modules = registry::check_module(module)?;
    let preset = preset(&common.preset)?;
    let threads = threads(common)?;
    let entries: Vec<ExperimentEntry> = registry::all()
        .into_iter()
        .filter(|e| e.in_reproduce && modules.contains(&e.module))
        .collect();
    let dir = make_run_dir(common.out.as_deref(), "reproduce")?;
    let mut manifest = Manifest::start(
        &dir,
        json!({
            "experiments": entries.iter().map(|e| format!("{}/{}", e.module, e.name)).collect::<Vec<_>>(),
            "preset": preset.name(),
            "seed": common.seed,
            "threads": threads,
        }),
    )?;
    let progress = Progress::new(common.quiet);
    let t0 = Instant::now();
    let mut rows: Vec<(String, Claim)> = Vec::new();
    let mut timings = Vec::new();
    for e in &entries {
        let exp = (e.make)(preset);
        let sub = dir.join(e.module).join(e.name);
        std::fs::create_dir_all(&sub)
            .map_err(|err| CliError::run(format!("cannot create {}: {err}", sub.display())))?;
        let t = Instant::now();
        let result = run_into(exp.as_ref(), preset, common.seed, threads, &sub, &progress);
        let secs = t.elapsed().as_secs_f64();
        timings.push(json!({"experiment": format!("{}/{}", e.module, e.name), "seconds": secs}));
        match result {
            Ok(summary) => {
                if !common.quiet {
                    eprintln!("{:>30}  {secs:6.1} s", format!("{}/{}", e.module, e.name));
                }
                rows.extend(
                    summary
                        .claims
                        .into_iter()
                        .map(|c| (e.module.to_string(), c)),
                );
            }
            Err(err) => {
                manifest.set("error", json!(err.message));
                manifest.set("timings", json!(timings));
                manifest.finish("failed")?;
                return Err(err);
            }
        }
    }
    write_atomic(&dir.join("claims.csv"), claims_csv(&rows).as_bytes())?;
    print_claims(&rows);
    let failed = rows.iter().filter(|r| !r.1.pass).count();
    let wall = t0.elapsed().as_secs_f64();
    manifest.set("timings", json!(timings));
    manifest.set("wall_seconds", json!(wall));
    manifest.set("claims_passed", json!(rows.len() - failed));
    manifest.set("claims_failed", json!(failed));
    manifest.finish(if failed == 0 {
        "complete"
    } else {
        "claims failed"
    })?;
    println!(
        "{} of {} claims passed in {wall:.1} s on {threads} threads; results: {}",
        rows.len() - failed,
        rows.len(),
        dir.display()
    );
    if failed > 0 {
        return Err(CliError::run(format!(
            "{failed} of {} claims failed",
            rows.len()
        )));
    }
    Ok(())
}

/// `tdlab list`.
pub fn list(name: Option<&str>) -> Result<(), CliError> {
    match name {
        None => {
            for e in registry::all() {
                println!(
                    "{:<30} {}{}",
                    format!("{}/{}", e.module, e.name),
                    e.about,
                    if e.in_reproduce { "  [reproduce]" } else { "" }
                );
            }
            println!(
                "\npresets: quick (default), full. `tdlab list <module>/<name>` shows the parameters."
            );
        }
        Some(n) => {
            let e = registry::find(n)?;
            println!("{}/{}: {}", e.module, e.name, e.about);
            let quick = (e.make)(Preset::Quick);
            let full = (e.make)(Preset::Full);
            let fp = full.params();
            println!(
                "{:<20} {:<28} {:<28} {:<40} WHAT",
                "PARAMETER", "QUICK", "FULL", "ALLOWED"
            );
            for p in quick.params() {
                let fv = fp
                    .iter()
                    .find(|f| f.name == p.name)
                    .map_or("", |f| f.value.as_str());
                println!(
                    "{:<20} {:<28} {:<28} {:<40} {}",
                    p.name, p.value, fv, p.allowed, p.help
                );
            }
            println!(
                "\nrun: tdlab run {}/{} [--preset quick|full] [--set key=value ...]",
                e.module, e.name
            );
        }
    }
    Ok(())
}

/// `tdlab plot`.
pub fn plot(dir: &Path) -> Result<(), CliError> {
    let written = replot(dir)?;
    for p in &written {
        println!("{}", p.display());
    }
    println!("{} figure(s) redrawn", written.len());
    Ok(())
}
