use alloc::string::String;
use core::fmt;

/// Everything that can go wrong in the core. Every variant names what to change.
///
/// The core never panics on user input: configuration is checked by `validate()` methods
/// returning [`Error::InvalidParameter`], runs that blow up return [`Error::Diverged`].
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// A parameter is outside its allowed range.
    InvalidParameter {
        /// The parameter's name, as the user spells it (e.g. `"d"`, `"kappa1"`).
        name: &'static str,
        /// The rejected value (integers are exact up to 2^53).
        value: f64,
        /// The allowed range in words, e.g. `"≥ 1"` or `"in (0, 1)"`.
        allowed: &'static str,
    },
    /// A name (link, experiment, ISA…) that is not known.
    UnknownName {
        /// What kind of name was expected.
        name: &'static str,
        /// The name that was given.
        got: String,
        /// The accepted names.
        allowed: &'static str,
    },
    /// A value that could not be parsed (e.g. `--set d=abc`).
    Malformed {
        /// The parameter.
        name: &'static str,
        /// The text given.
        got: String,
        /// What was expected, e.g. `"a number"`.
        expected: &'static str,
    },
    /// Two sizes that must agree do not.
    DimensionMismatch {
        /// Which buffer or argument.
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// A monitored quantity became non-finite or left its bound.
    Diverged {
        /// The step at which it happened (1-based: the step that produced the value).
        step: u64,
        /// The quantity that blew up.
        quantity: &'static str,
        /// Its value.
        value: f64,
    },
    /// An iterative method did not converge.
    NotConverged {
        /// The method.
        what: &'static str,
        /// Iterations (sweeps) performed.
        iterations: usize,
    },
    /// A matrix that must be positive definite is not (Cholesky pivot `pivot` ≤ 0).
    NotPositiveDefinite {
        /// Index of the failing pivot.
        pivot: usize,
        /// The pivot value.
        value: f64,
    },
    /// The requested instruction set is not available on this CPU.
    IsaUnavailable {
        /// The requested ISA.
        isa: &'static str,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(name: &'static str, value: f64, allowed: &'static str) -> Self {
        Error::InvalidParameter {
            name,
            value,
            allowed,
        }
    }

    /// Checks `buffer.len() >= expected`, naming the buffer otherwise.
    pub fn check_len(what: &'static str, got: usize, expected: usize) -> Result<(), Error> {
        if got < expected {
            Err(Error::DimensionMismatch {
                what,
                expected,
                got,
            })
        } else {
            Ok(())
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParameter {
                name,
                value,
                allowed,
            } => write!(f, "{name} must be {allowed}, got {value}"),
            Error::UnknownName { name, got, allowed } => {
                write!(f, "unknown {name} '{got}'; expected one of: {allowed}")
            }
            Error::Malformed {
                name,
                got,
                expected,
            } => write!(f, "{name} must be {expected}, got '{got}'"),
            Error::DimensionMismatch {
                what,
                expected,
                got,
            } => write!(f, "{what} must have length {expected}, got {got}"),
            Error::Diverged {
                step,
                quantity,
                value,
            } => write!(
                f,
                "run diverged at step {step}: {quantity} = {value} (reduce the step size)"
            ),
            Error::NotConverged { what, iterations } => {
                write!(f, "{what} did not converge in {iterations} iterations")
            }
            Error::NotPositiveDefinite { pivot, value } => write!(
                f,
                "matrix is not positive definite: pivot {pivot} = {value} (increase the ridge λ)"
            ),
            Error::IsaUnavailable { isa } => {
                write!(f, "instruction set {isa} is not available on this CPU")
            }
        }
    }
}

impl core::error::Error for Error {}
