//! Parsing `--set key=value` text into typed values with errors that name the key.

use super::Error;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Parses a real number (`1e-3`, `0.25`, `inf` is rejected).
pub fn parse_real(name: &'static str, text: &str) -> Result<f64, Error> {
    let v: f64 = text.trim().parse().map_err(|_| Error::Malformed {
        name,
        got: text.into(),
        expected: "a number",
    })?;
    if v.is_nan() {
        return Err(Error::invalid(name, v, "a finite number"));
    }
    Ok(v)
}

/// Parses a count ≥ `min` (accepts `1e5`-style integers); negative, fractional or too-small
/// values give [`Error::InvalidParameter`] naming `allowed`.
pub fn parse_count(
    name: &'static str,
    text: &str,
    min: u64,
    allowed: &'static str,
) -> Result<u64, Error> {
    let v = parse_real(name, text)?;
    if !(v >= min as f64) || libm::trunc(v) != v || v > 9.007_199_254_740_992e15 {
        return Err(Error::invalid(name, v, allowed));
    }
    Ok(v as u64)
}

/// Parses a comma-separated list of reals (`100,200,400`).
pub fn parse_real_list(name: &'static str, text: &str) -> Result<Vec<f64>, Error> {
    let t = text.trim().trim_start_matches('[').trim_end_matches(']');
    if t.trim().is_empty() {
        return Err(Error::Malformed {
            name,
            got: text.into(),
            expected: "a comma-separated list of numbers",
        });
    }
    t.split(',').map(|s| parse_real(name, s)).collect()
}

/// Parses a comma-separated list of counts, each ≥ `min`.
pub fn parse_count_list(
    name: &'static str,
    text: &str,
    min: u64,
    allowed: &'static str,
) -> Result<Vec<u64>, Error> {
    let t = text.trim().trim_start_matches('[').trim_end_matches(']');
    if t.trim().is_empty() {
        return Err(Error::Malformed {
            name,
            got: text.into(),
            expected: "a comma-separated list of integers",
        });
    }
    t.split(',')
        .map(|s| parse_count(name, s, min, allowed))
        .collect()
}

/// Parses `true`/`false`/`1`/`0`.
pub fn parse_bool(name: &'static str, text: &str) -> Result<bool, Error> {
    match text.trim() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::Malformed {
            name,
            got: text.into(),
            expected: "true or false",
        }),
    }
}

/// Formats a list for [`super::ParamInfo::value`].
pub fn format_list<T: core::fmt::Display>(values: &[T]) -> String {
    let mut s = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&v.to_string());
    }
    s
}

/// The error for a key an experiment does not have.
pub fn unknown_key(key: &str, allowed: &'static str) -> Error {
    Error::UnknownName {
        name: "parameter",
        got: key.into(),
        allowed,
    }
}
