use alloc::vec::Vec;

/// One logged point of a run: the step and named values.
///
/// Borrowed, so that logging allocates nothing in the core; an observer that keeps
/// records copies what it needs.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// The step (number of samples or iterations so far).
    pub step: u64,
    /// Named values, in a fixed order per experiment.
    pub values: &'a [(&'static str, f64)],
}

impl Record<'_> {
    /// The value named `name`, if present.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| *n == name).map(|p| p.1)
    }
}

/// Receives the records of a run. Experiments take `&mut impl Observer`.
pub trait Observer {
    /// Called at each logged step.
    fn record(&mut self, record: &Record<'_>);
    /// Called once for a named event (a hitting time, a stage switch).
    fn event(&mut self, _step: u64, _name: &'static str, _value: f64) {}
}

/// Discards everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NullObserver;

impl Observer for NullObserver {
    fn record(&mut self, _record: &Record<'_>) {}
}

/// Keeps every record and event in memory (allocates; not for hot loops that log every step).
#[derive(Clone, Debug, Default)]
pub struct RecordBuffer {
    /// `(step, values)` per record.
    pub records: Vec<(u64, Vec<(&'static str, f64)>)>,
    /// `(step, name, value)` per event.
    pub events: Vec<(u64, &'static str, f64)>,
}

impl RecordBuffer {
    /// The series of `name` as `(step, value)` pairs.
    pub fn series(&self, name: &str) -> Vec<(u64, f64)> {
        self.records
            .iter()
            .filter_map(|(s, v)| v.iter().find(|(n, _)| *n == name).map(|p| (*s, p.1)))
            .collect()
    }
}

impl Observer for RecordBuffer {
    fn record(&mut self, record: &Record<'_>) {
        self.records.push((record.step, record.values.to_vec()));
    }
    fn event(&mut self, step: u64, name: &'static str, value: f64) {
        self.events.push((step, name, value));
    }
}

impl<O: Observer + ?Sized> Observer for &mut O {
    fn record(&mut self, record: &Record<'_>) {
        (**self).record(record)
    }
    fn event(&mut self, step: u64, name: &'static str, value: f64) {
        (**self).event(step, name, value)
    }
}
