//! Uniform variates.

use rand_core::Rng as RngCore;

const TWO_POW_M53: f64 = 1.0 / 9_007_199_254_740_992.0;
const TWO_POW_M52: f64 = 1.0 / 4_503_599_627_370_496.0;

/// Uniform on $[0,1)$ with 53 random bits (every multiple of $2^{-53}$ equally likely).
#[inline(always)]
pub fn uniform<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as i64 as f64 * TWO_POW_M53
}

/// Uniform on the open interval $(0,1)$: the midpoints $(k+\frac12)2^{-52}$, $k < 2^{52}$ (52 bits,
/// so $k + \frac12$ is exact and the result never rounds to 0 or 1); safe for `ln`.
#[inline(always)]
pub fn uniform_open<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 12) as i64 as f64 + 0.5) * TWO_POW_M52
}

/// Uniform integer in $[0, n)$ without bias (Lemire's widening multiply with rejection);
/// returns 0 for `n == 0`.
#[inline]
pub fn below<R: RngCore + ?Sized>(rng: &mut R, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}
