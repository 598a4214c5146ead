//! Result files: atomic writes, the run directory, UTC timestamps, the manifest.

use crate::CliError;
use serde_json::{Value, json};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed and
/// synced, then renamed over `path`. A crash leaves either the old file or none, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        CliError::run(format!("cannot write {}: {e}", path.display()))
    })
}

/// Seconds since the epoch → `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn utc_string(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Now as seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Creates `results/<UTC timestamp>-<command>` (or `out` if given) and returns it. A name
/// already taken gets a `-2`, `-3`… suffix.
pub fn make_run_dir(out: Option<&Path>, command: &str) -> Result<PathBuf, CliError> {
    let dir = match out {
        Some(p) => p.to_path_buf(),
        None => {
            let ts = utc_string(now_secs()).replace(':', "");
            let base = PathBuf::from("results").join(format!("{ts}-{command}"));
            let mut dir = base.clone();
            let mut k = 2;
            while dir.exists() {
                dir = PathBuf::from(format!("{}-{k}", base.display()));
                k += 1;
            }
            dir
        }
    };
    fs::create_dir_all(&dir)
        .map_err(|e| CliError::run(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// The git commit of the working directory, if `git` knows it.
pub fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// The manifest of a run: written as "incomplete" when it starts and rewritten at the end.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The JSON object.
    pub value: Value,
    path: PathBuf,
}

impl Manifest {
    /// Starts a manifest in `dir` and writes it with status "incomplete".
    pub fn start(dir: &Path, fields: Value) -> Result<Manifest, CliError> {
        let mut value = json!({
            "status": "incomplete",
            "command": std::env::args().collect::<Vec<_>>(),
            "tdlab_version": tdlab::VERSION,
            "git_commit": git_commit(),
            "isa": tdlab::linalg::Isa::detect().name(),
            "start": utc_string(now_secs()),
            "end": Value::Null,
        });
        if let (Value::Object(m), Value::Object(extra)) = (&mut value, fields) {
            m.extend(extra);
        }
        let man = Manifest {
            value,
            path: dir.join("manifest.json"),
        };
        man.write()?;
        Ok(man)
    }

    /// Sets a field.
    pub fn set(&mut self, key: &str, v: Value) {
        if let Value::Object(m) = &mut self.value {
            m.insert(key.to_string(), v);
        }
    }

    /// Marks the end with `status` ("complete", "failed", "claims failed") and writes it.
    pub fn finish(&mut self, status: &str) -> Result<(), CliError> {
        self.set("status", json!(status));
        self.set("end", json!(utc_string(now_secs())));
        self.write()
    }

    fn write(&self) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(&self.value).expect("serialisable");
        write_atomic(&self.path, format!("{text}\n").as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_matches_known_dates() {
        assert_eq!(utc_string(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_string(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_string(1_796_040_000), "2026-11-30T12:00:00Z");
    }
}
