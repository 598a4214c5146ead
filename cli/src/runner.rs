//! Runs an experiment's work items on a pool of threads and collects their records in index
//! order, so that every output byte is the same for any thread count.

use crate::CliError;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tdlab::Error;
use tdlab::random::Streams;
use tdlab::run::{Experiment, ItemResult, Observer, Record, Summary};

/// What a finished run returns.
pub struct RunOutput {
    /// `records.jsonl` content: items in index order, records in step order.
    pub records: String,
    /// The experiment's summary.
    pub summary: Summary,
}

/// Formats a number for JSON: shortest round-trip decimal; non-finite values become `null`.
pub fn json_number(v: f64) -> String {
    match serde_json::Number::from_f64(v) {
        Some(n) => n.to_string(),
        None => "null".into(),
    }
}

/// Progress display: bars on stderr when it is a terminal and not `--quiet`.
pub struct Progress {
    multi: MultiProgress,
}

impl Progress {
    /// Visible iff stderr is a terminal and `quiet` is false.
    pub fn new(quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        let multi = MultiProgress::with_draw_target(if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        Progress { multi }
    }

    fn item_bar(&self, label: &str, steps: u64) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(steps.max(1)));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>28} [{bar:30}] {human_pos}/{human_len} steps, {per_sec}, ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        bar
    }
}

struct ItemObserver<'a> {
    prefix: String,
    buf: String,
    bar: &'a ProgressBar,
}

impl Observer for ItemObserver<'_> {
    fn record(&mut self, record: &Record<'_>) {
        let _ = write!(self.buf, "{{{}\"step\":{}", self.prefix, record.step);
        for (name, v) in record.values {
            let _ = write!(self.buf, ",\"{name}\":{}", json_number(*v));
        }
        self.buf.push_str("}\n");
        self.bar.set_position(record.step);
    }
    fn event(&mut self, step: u64, name: &'static str, value: f64) {
        let _ = writeln!(
            self.buf,
            "{{{}\"step\":{step},\"event\":\"{name}\",\"value\":{}}}",
            self.prefix,
            json_number(value)
        );
    }
}

/// An item's result and its records (JSON lines), or its error.
type ItemOutcome = Result<(ItemResult, String), Error>;

/// Runs every item of `exp` on `threads` threads (item `i` on stream `i` of `seed`) and
/// summarises. A failing item stops the pool; the error of the lowest failing index is returned.
pub fn run_experiment(
    exp: &dyn Experiment,
    seed: u64,
    threads: usize,
    progress: &Progress,
) -> Result<RunOutput, CliError> {
    exp.validate().map_err(CliError::from_config)?;
    let n = exp.items();
    let streams = Streams::new(seed);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let slots: Mutex<Vec<Option<ItemOutcome>>> = Mutex::new((0..n).map(|_| None).collect());
    let overall = progress.multi.add(ProgressBar::new(n as u64));
    overall.set_style(
        ProgressStyle::with_template("{prefix:>28} {pos}/{len} items, elapsed {elapsed}")
            .expect("valid template"),
    );
    overall.set_prefix(format!("{}/{}", exp.module(), exp.name()));
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(n.max(1)) {
            scope.spawn(|| {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let item = next.fetch_add(1, Ordering::Relaxed);
                    if item >= n {
                        break;
                    }
                    let labels = exp.item_label(item);
                    let mut prefix = format!("\"item\":{item},");
                    for (k, v) in &labels {
                        let _ = write!(prefix, "\"{k}\":{},", json_number(*v));
                    }
                    let label_text = labels
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let bar = progress.item_bar(&label_text, exp.item_steps(item));
                    let mut obs = ItemObserver {
                        prefix,
                        buf: String::new(),
                        bar: &bar,
                    };
                    let mut rng = streams.stream(exp.stream_of(item));
                    let r = exp.run_item(item, &mut rng, &mut obs);
                    bar.finish_and_clear();
                    progress.multi.remove(&bar);
                    overall.inc(1);
                    if r.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    let buf = obs.buf;
                    slots.lock().expect("no poisoned lock")[item] = Some(r.map(|x| (x, buf)));
                }
            });
        }
    });
    overall.finish_and_clear();
    let slots = slots.into_inner().expect("no poisoned lock");
    let mut results = Vec::with_capacity(n);
    let mut records = String::new();
    for (item, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(Ok((r, buf))) => {
                results.push(r);
                records.push_str(&buf);
            }
            Some(Err(e)) => {
                return Err(CliError::from_run(
                    e,
                    &format!("{}/{} item {item}", exp.module(), exp.name()),
                ));
            }
            None => {
                // Not started because an item with a higher index failed first: find it.
                continue;
            }
        }
    }
    if results.len() != n {
        return Err(CliError::run(format!(
            "{}/{}: {} of {n} items did not run",
            exp.module(),
            exp.name(),
            n - results.len()
        )));
    }
    let summary = exp
        .summarize(&results)
        .map_err(|e| CliError::from_run(e, &format!("{}/{} summary", exp.module(), exp.name())))?;
    Ok(RunOutput { records, summary })
}
