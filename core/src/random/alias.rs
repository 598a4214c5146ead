//! Categorical sampling in $O(1)$ by Vose's alias method.

use crate::Error;
use alloc::vec::Vec;
use rand_core::Rng as RngCore;

/// An alias table for a categorical law with weights $p_0..p_{n-1}$ (normalised internally).
///
/// A draw takes one `u64`: the widening product $u\cdot n$ gives the column (high word) and a
/// uniform fraction (low word) that is compared with the column's integer threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct AliasTable {
    threshold: Vec<u64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Builds the table. Weights must be finite and ≥ 0 with a positive sum; at most $2^{32}$ of them.
    pub fn new(weights: &[f64]) -> Result<Self, Error> {
        let n = weights.len();
        if n == 0 {
            return Err(Error::invalid("number of categories", 0.0, "≥ 1"));
        }
        if n > u32::MAX as usize {
            return Err(Error::invalid(
                "number of categories",
                n as f64,
                "≤ 2^32 − 1",
            ));
        }
        if let Some(&w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return Err(Error::invalid("category weight", w, "finite and ≥ 0"));
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(Error::invalid(
                "sum of category weights",
                total,
                "finite and > 0",
            ));
        }
        let nf = n as f64;
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * nf / total).collect();
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        for (i, &p) in scaled.iter().enumerate() {
            if p < 1.0 {
                small.push(i)
            } else {
                large.push(i)
            }
        }
        let mut prob = alloc::vec![1.0f64; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers (rounding) have probability 1 and alias themselves.
        let threshold = prob
            .iter()
            .map(|&p| {
                if p >= 1.0 {
                    u64::MAX
                } else {
                    (p * 18_446_744_073_709_551_616.0) as u64
                }
            })
            .collect();
        Ok(AliasTable { threshold, alias })
    }

    /// Number of categories.
    pub fn len(&self) -> usize {
        self.threshold.len()
    }

    /// Always false (a table has at least one category).
    pub fn is_empty(&self) -> bool {
        self.threshold.is_empty()
    }

    /// Draws a category index.
    #[inline]
    pub fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> usize {
        let n = self.threshold.len() as u128;
        let prod = u128::from(rng.next_u64()) * n;
        let col = (prod >> 64) as usize;
        let frac = prod as u64;
        if frac < self.threshold[col] || self.threshold[col] == u64::MAX {
            col
        } else {
            self.alias[col] as usize
        }
    }
}
