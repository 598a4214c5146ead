//! What every model shares: the [`Error`] type, observers and records, log schedules,
//! stop rules and divergence detection.

mod error;
mod experiment;
mod observer;
pub mod params;
mod schedule;
mod stop;

pub use error::Error;
pub use experiment::{
    Claim, Curve, Experiment, ExperimentEntry, Figure, ItemResult, ParamInfo, Preset, Summary,
    Table, run_serial,
};
pub use observer::{NullObserver, Observer, Record, RecordBuffer};
pub use schedule::LogSchedule;
pub use stop::{DivergenceGuard, StopRule};
