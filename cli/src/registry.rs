//! The experiment registry: every paper module's experiments, found by name.

use crate::CliError;
use tdlab::run::ExperimentEntry;

/// Paper modules in the order `reproduce all` runs them.
pub const MODULES: &[&str] = &["multi_index", "scb"];

/// Every registered experiment.
pub fn all() -> Vec<ExperimentEntry> {
    let mut all = tdlab::multi_index::experiments();
    all.extend(tdlab::scb::experiments());
    all
}

/// Levenshtein distance (for "did you mean").
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j + 1] + 1)
                .min(cur[j] + 1)
                .min(prev[j] + usize::from(ca != cb));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest names to `got` among `names` (up to three).
pub fn closest<'a>(got: &str, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = names.map(|n| (distance(got, n), n)).collect();
    scored.sort();
    let best = scored.first().map_or(0, |s| s.0);
    scored
        .into_iter()
        .take_while(|s| s.0 <= best + 2)
        .take(3)
        .map(|s| s.1)
        .collect()
}

/// Finds `module/name` (or a unique bare `name`).
pub fn find(name: &str) -> Result<ExperimentEntry, CliError> {
    let entries = all();
    let full = |e: &ExperimentEntry| format!("{}/{}", e.module, e.name);
    if let Some(e) = entries.iter().find(|e| full(e) == name) {
        return Ok(*e);
    }
    let bare: Vec<&ExperimentEntry> = entries.iter().filter(|e| e.name == name).collect();
    if bare.len() == 1 {
        return Ok(*bare[0]);
    }
    let names: Vec<String> = entries.iter().map(full).collect();
    let near = closest(name, names.iter().map(String::as_str));
    Err(CliError::usage(format!(
        "unknown experiment '{name}'; did you mean {}? (`tdlab list` shows all)",
        near.join(", ")
    )))
}

/// Checks a module name for `reproduce`.
pub fn check_module(name: &str) -> Result<Vec<&'static str>, CliError> {
    if name == "all" {
        return Ok(MODULES.to_vec());
    }
    if let Some(m) = MODULES.iter().find(|m| **m == name) {
        return Ok(vec![*m]);
    }
    let near = closest(name, MODULES.iter().copied());
    Err(CliError::usage(format!(
        "unknown paper module '{name}'; did you mean {}? (available: all, {})",
        near.join(", "),
        MODULES.join(", ")
    )))
}
