//! Uniform directions and random orthonormal frames.

use super::normal::fill_normal;
use crate::Error;
use crate::linalg::{Isa, nrm2, orthonormalize_rows};
use rand_core::Rng as RngCore;

/// Uniform on the unit sphere $S^{d-1}$ ($d$ = `out.len()`): a normal vector divided by its norm
/// (redrawn in the probability-zero event of norm 0). Does nothing for `d = 0`.
pub fn sphere<R: RngCore + ?Sized>(rng: &mut R, out: &mut [f64]) {
    if out.is_empty() {
        return;
    }
    loop {
        fill_normal(rng, out);
        let n = nrm2(Isa::scalar(), out);
        if n > 0.0 {
            let inv = 1.0 / n;
            for v in out.iter_mut() {
                *v *= inv;
            }
            return;
        }
    }
}

/// $k$ orthonormal rows in $\mathbb R^d$ (`out` is $k\times d$ row-major), Haar-distributed: Gaussian
/// rows orthonormalised by Gram–Schmidt (positive-diagonal QR of a Gaussian matrix).
pub fn orthonormal_frame<R: RngCore + ?Sized>(
    rng: &mut R,
    k: usize,
    d: usize,
    out: &mut [f64],
) -> Result<(), Error> {
    if k > d {
        return Err(Error::invalid(
            "frame rows k",
            k as f64,
            "≤ the dimension d",
        ));
    }
    let need = k
        .checked_mul(d)
        .ok_or(Error::invalid("k·d", f64::INFINITY, "< 2^64"))?;
    if out.len() != need {
        return Err(Error::DimensionMismatch {
            what: "frame out (k·d)",
            expected: need,
            got: out.len(),
        });
    }
    loop {
        fill_normal(rng, out);
        if orthonormalize_rows(out, k, d).is_ok() {
            return Ok(());
        }
    }
}
