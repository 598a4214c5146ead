//! What every model shares: the [`Error`] type, observers and records, log schedules,
//! stop rules and divergence detection.

mod error;
mod observer;
mod schedule;
mod stop;

pub use error::Error;
pub use observer::{NullObserver, Observer, Record, RecordBuffer};
pub use schedule::LogSchedule;
pub use stop::{DivergenceGuard, StopRule};
