//! End-to-end tests of the `tdlab` binary: reproduce, result files, thread-count invariance,
//! bad input, interruption, plots, list.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tdlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tdlab"))
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tdlab-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run(args: &[&str]) -> Output {
    tdlab().args(args).output().expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn reproduce_multi_index_passes_and_writes_every_file() {
    let dir = tmp("reproduce");
    let out = run(&[
        "reproduce",
        "multi_index",
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    for id in ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"] {
        assert!(
            stdout.lines().any(|l| l.contains(id) && l.contains("PASS")),
            "{id} missing:\n{stdout}"
        );
    }
    assert!(!stdout.contains("FAIL"));
    let m = manifest(&dir);
    assert_eq!(m["status"], "complete");
    assert_eq!(m["claims_failed"], 0);
    assert!(dir.join("claims.csv").is_file());
    let sub = dir.join("multi_index").join("two_stage");
    for f in [
        "manifest.json",
        "records.jsonl",
        "summary.csv",
        "claims.csv",
        "figures.json",
        "multi_index_two_stage.svg",
    ] {
        assert!(sub.join(f).is_file(), "{f} missing");
    }
    assert_eq!(manifest(&sub)["status"], "complete");
    // records.jsonl: one JSON object per line with step, item and named values.
    let rec = std::fs::read_to_string(sub.join("records.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(rec.lines().next().unwrap()).unwrap();
    assert!(first["step"].is_u64() && first["item"].is_u64() && first["s_median"].is_f64());
    assert!(
        dir.join("multi_index")
            .join("baseline")
            .join("multi_index_scaling.svg")
            .is_file()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn records_are_byte_identical_for_one_and_two_threads() {
    let mut files = Vec::new();
    for t in ["1", "2"] {
        let dir = tmp(&format!("threads{t}"));
        let out = run(&[
            "run",
            "multi_index/d_scan",
            "--quiet",
            "--threads",
            t,
            "--set",
            "d=100,200",
            "--replicas",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        files.push((
            std::fs::read(dir.join("records.jsonl")).unwrap(),
            std::fs::read(dir.join("summary.csv")).unwrap(),
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(!files[0].0.is_empty());
    assert!(
        files[0] == files[1],
        "records or summary differ between 1 and 2 threads"
    );
}

fn assert_usage_error(args: &[&str], needle: &str) {
    let out = run(args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected '{needle}' in: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{args:?}: {err}"
    );
    assert_eq!(
        err.trim().lines().count(),
        1,
        "{args:?}: one line expected: {err}"
    );
}

#[test]
fn bad_input_gives_one_clear_line_and_exit_code_2() {
    assert_usage_error(
        &["run", "multi_index/two_stag"],
        "did you mean multi_index/two_stage",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--set", "d=0"],
        "d must be ≥ 1, got 0",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--set", "d=abc"],
        "d must be a number, got 'abc'",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--set", "kappa1=-1"],
        "kappa1 must be finite and > 0, got -1",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--set", "kappa1=NaN"],
        "kappa1",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--set", "frobnicate=1"],
        "unknown parameter 'frobnicate'",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--set", "d"],
        "--set expects KEY=VALUE",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--set", "link=h2+q4"],
        "link must be a Hermite link",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--preset", "huge"],
        "unknown preset 'huge'",
    );
    assert_usage_error(
        &["run", "multi_index/two_stage", "--threads", "0"],
        "--threads must be ≥ 1, got 0",
    );
    assert_usage_error(&["reproduce", "multi_indx"], "did you mean multi_index");
    let dir = tmp("toml");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "d = 100\nkappa1 = = 0.5\n").unwrap();
    assert_usage_error(
        &[
            "run",
            "multi_index/two_stage",
            "--config",
            bad.to_str().unwrap(),
        ],
        "bad.toml:2:",
    );
    let good = dir.join("good.toml");
    std::fs::write(&good, "d = 0\n").unwrap();
    assert_usage_error(
        &[
            "run",
            "multi_index/two_stage",
            "--config",
            good.to_str().unwrap(),
        ],
        "d must be ≥ 1, got 0",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_diverging_run_reports_step_and_quantity_with_exit_code_1() {
    let dir = tmp("diverge");
    let out = run(&[
        "run",
        "multi_index/two_stage",
        "--quiet",
        "--set",
        "step_rule=fixed",
        "--set",
        "eta=1e300",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("diverged at step 1"), "{err}");
    assert_eq!(manifest(&dir)["status"], "failed");
    assert!(!dir.join("records.jsonl").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigkill_leaves_no_complete_looking_output() {
    let dir = tmp("kill");
    let mut child = tdlab()
        .args([
            "run",
            "multi_index/d_scan",
            "--quiet",
            "--preset",
            "full",
            "--out",
            dir.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let m = manifest(&dir);
    assert_eq!(m["status"], "incomplete");
    assert!(m["end"].is_null());
    for f in ["records.jsonl", "summary.csv", "figures.json"] {
        assert!(!dir.join(f).exists(), "{f} exists after SIGKILL");
    }
    // No temporary file masquerades as a result either.
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            name == "manifest.json" || name.starts_with('.'),
            "unexpected {name}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plot_redraws_every_figure_with_one_series_per_curve() {
    let dir = tmp("plot");
    let out = run(&[
        "run",
        "multi_index/two_stage",
        "--quiet",
        "--set",
        "steps=20000",
        "--replicas",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let svg = dir.join("multi_index_two_stage.svg");
    let original = std::fs::read(&svg).unwrap();
    std::fs::remove_file(&svg).unwrap();
    let out = run(&["plot", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let redrawn = std::fs::read(&svg).unwrap();
    assert_eq!(original, redrawn, "redrawn SVG differs");
    // Data series are the coloured polylines: one per curve, plus one legend sample per label.
    let figs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("figures.json")).unwrap()).unwrap();
    let fig = figs
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "multi_index_two_stage")
        .unwrap();
    let curves = fig["curves"].as_array().unwrap();
    let labelled = curves
        .iter()
        .filter(|c| !c["label"].as_str().unwrap().is_empty())
        .count();
    let svg_text = text(&redrawn);
    let coloured = svg_text.matches("<polyline").count()
        - svg_text
            .matches("<polyline fill=\"none\" opacity=\"1\" stroke=\"#000000\"")
            .count()
        - svg_text
            .matches("opacity=\"0.5\" stroke=\"#000000\"")
            .count();
    assert_eq!(coloured, curves.len() + labelled);
    assert!(curves.len() > 4);
    assert_usage_error(&["plot", "/nonexistent/dir"], "is not a directory");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn list_shows_every_experiment_and_their_parameters() {
    let out = run(&["list"]);
    assert!(out.status.success());
    let s = text(&out.stdout);
    for name in [
        "check-grad",
        "fig-sgd",
        "fig-softmax",
        "stage1-scaling",
        "l1-ablation",
        "transfer",
    ] {
        assert!(s.contains(&format!("scb/{name} ")), "scb/{name} missing");
    }
    for name in [
        "grad_check",
        "ode",
        "two_stage",
        "d_scan",
        "p_scan",
        "baseline",
        "single_index",
        "sgd_vs_ode",
        "noise_floor",
        "coverage",
        "ridge_curve",
        "span_vs_full",
        "squared_vs_corr",
        "label_transform",
        "weighted",
    ] {
        assert!(
            s.contains(&format!("multi_index/{name} ")),
            "{name} missing"
        );
    }
    let out = run(&["list", "multi_index/two_stage"]);
    let s = text(&out.stdout);
    assert!(out.status.success());
    for key in ["kappa1", "s_switch", "replicas", "ridge_lambda"] {
        assert!(s.contains(key), "{key} missing from:\n{s}");
    }
}

#[test]
fn reproduce_scb_passes_and_draws_its_figures() {
    let dir = tmp("reproduce-scb");
    let out = run(&[
        "reproduce",
        "scb",
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    for id in ["C1", "C2", "C3", "C4", "C5", "C7"] {
        assert!(
            stdout.lines().any(|l| l.contains(id) && l.contains("PASS")),
            "{id} missing:\n{stdout}"
        );
    }
    assert!(
        dir.join("scb")
            .join("fig-sgd")
            .join("scb_convergence.svg")
            .is_file()
    );
    assert_eq!(manifest(&dir)["status"], "complete");
    let _ = std::fs::remove_dir_all(&dir);
}
