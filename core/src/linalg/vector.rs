//! Level-1 kernels: reductions with [`LANES`] independent accumulators and element-wise updates.

use super::{Isa, isa_dispatch};

/// Number of independent accumulators in every reduction. 32 lanes are four AVX-512
/// registers, eight AVX2 or sixteen SSE2 registers: enough to hide the add latency on
/// each, and the combine order below is fixed, so all paths give the same bits.
pub const LANES: usize = 32;

/// Pairwise combine of the accumulators in a fixed order: 32 → 16 → 8 → 4 → 2 → 1.
#[inline(always)]
pub(crate) fn combine(mut acc: [f64; LANES]) -> f64 {
    let mut w = LANES / 2;
    while w > 0 {
        for i in 0..w {
            acc[i] += acc[i + w];
        }
        w /= 2;
    }
    acc[0]
}

/// $\sum_i x_i y_i$: lanes over chunks of [`LANES`], then the tail in order.
#[inline(always)]
pub(crate) fn dot_body(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut acc = [0.0f64; LANES];
    let xc = x.chunks_exact(LANES);
    let yc = y.chunks_exact(LANES);
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for l in 0..LANES {
            acc[l] += a[l] * b[l];
        }
    }
    let mut s = combine(acc);
    for (a, b) in xr.iter().zip(yr) {
        s += a * b;
    }
    s
}

#[inline(always)]
fn sum_sq_body(x: &[f64]) -> f64 {
    dot_body(x, x)
}

#[inline(always)]
fn axpy_body(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

#[inline(always)]
fn scal_body(alpha: f64, x: &mut [f64]) {
    for xi in x.iter_mut() {
        *xi *= alpha;
    }
}

#[inline(always)]
fn axpby_body(alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
    if beta == 0.0 {
        for (yi, xi) in y.iter_mut().zip(x) {
            *yi = alpha * xi;
        }
    } else {
        for (yi, xi) in y.iter_mut().zip(x) {
            *yi = alpha * xi + beta * *yi;
        }
    }
}

/// $y \leftarrow \alpha x + \beta y$, then $y\cdot x_2$ — in one pass, with exactly the bits of
/// [`axpby`] followed by [`dot`] (same element formula, same lanes and combine order).
#[inline(always)]
fn axpby_dot_body(alpha: f64, x: &[f64], beta: f64, y: &mut [f64], x2: &[f64]) -> f64 {
    let n = y.len();
    let (x, x2) = (&x[..n], &x2[..n]);
    let mut acc = [0.0f64; LANES];
    let full = n / LANES * LANES;
    let upd = |xi: f64, yi: f64| {
        if beta == 0.0 {
            alpha * xi
        } else {
            alpha * xi + beta * yi
        }
    };
    for ((yc, xc), zc) in y[..full]
        .chunks_exact_mut(LANES)
        .zip(x[..full].chunks_exact(LANES))
        .zip(x2[..full].chunks_exact(LANES))
    {
        for l in 0..LANES {
            let v = upd(xc[l], yc[l]);
            yc[l] = v;
            acc[l] += v * zc[l];
        }
    }
    let mut s = combine(acc);
    for i in full..n {
        let v = upd(x[i], y[i]);
        y[i] = v;
        s += v * x2[i];
    }
    s
}

#[inline(always)]
fn amax_body(x: &[f64]) -> f64 {
    let mut m = [0.0f64; 8];
    let c = x.chunks_exact(8);
    let r = c.remainder();
    for ch in c {
        for l in 0..8 {
            let a = libm::fabs(ch[l]);
            m[l] = if a > m[l] { a } else { m[l] };
        }
    }
    let mut best = 0.0f64;
    for v in m.iter().chain(r.iter()) {
        let a = libm::fabs(*v);
        if a > best {
            best = a;
        }
    }
    best
}

isa_dispatch! {
    /// Dot product $x\cdot y$.
    ///
    /// # Panics
    /// If `x.len() != y.len()`.
    fn dot_impl(x: &[f64], y: &[f64]) -> f64 => dot_body;
}
isa_dispatch! { fn sum_sq_impl(x: &[f64]) -> f64 => sum_sq_body; }
isa_dispatch! { fn axpy_impl(alpha: f64, x: &[f64], y: &mut [f64]) => axpy_body; }
isa_dispatch! { fn scal_impl(alpha: f64, x: &mut [f64]) => scal_body; }
isa_dispatch! { fn axpby_impl(alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) => axpby_body; }
isa_dispatch! { fn amax_impl(x: &[f64]) -> f64 => amax_body; }
isa_dispatch! { fn axpby_dot_impl(alpha: f64, x: &[f64], beta: f64, y: &mut [f64], x2: &[f64]) -> f64 => axpby_dot_body; }

/// $y \leftarrow \alpha x + \beta y$ and returns $y\cdot x_2$ in one pass over memory; bit-identical
/// to [`axpby`] followed by [`dot`]`(y, x2)` (the fused step of online SGD: update with this
/// sample, pre-activation of the next).
///
/// # Panics
/// If the lengths differ.
#[inline]
pub fn axpby_dot(isa: Isa, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], x2: &[f64]) -> f64 {
    assert!(
        x.len() == y.len() && x2.len() == y.len(),
        "axpby_dot: x, y and x2 must have equal lengths"
    );
    axpby_dot_impl(isa, alpha, x, beta, y, x2)
}

/// $x\cdot y = \sum_i x_iy_i$.
///
/// # Panics
/// If the lengths differ (a programming error, like an out-of-bounds index).
#[inline]
pub fn dot(isa: Isa, x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "dot: x and y must have equal lengths");
    dot_impl(isa, x, y)
}

/// $\sum_i x_i^2$ (may overflow to ∞ or underflow; see [`nrm2`] for the safe norm).
#[inline]
pub fn sum_sq(isa: Isa, x: &[f64]) -> f64 {
    sum_sq_impl(isa, x)
}

/// Euclidean norm $\lVert x\rVert_2$, safe against overflow and underflow.
///
/// Fast path: $\sqrt{\sum x_i^2}$ when that sum is finite and ≥ 2^-900 (any squares that
/// underflowed are then negligible). Otherwise the vector is rescaled by a power of two
/// near $1/\max|x_i|$ (exact) and summed again. NaN in, NaN out.
pub fn nrm2(isa: Isa, x: &[f64]) -> f64 {
    const TINY: f64 = 1.2e-271; // 2^-900 ≈ 1.18e-271
    let s = sum_sq_impl(isa, x);
    if s.is_nan() {
        return f64::NAN;
    }
    if s.is_finite() && (s >= TINY || s == 0.0 && amax_impl(isa, x) == 0.0) {
        return libm::sqrt(s);
    }
    let m = amax_impl(isa, x);
    if m == 0.0 {
        return 0.0;
    }
    if m.is_infinite() {
        return f64::INFINITY;
    }
    // Power-of-two scale 2^-e with m·2^-e in [0.5, 1), applied as two factors 2^-e = s1·s2
    // because 2^-e alone overflows when m is subnormal (e < -1022). Multiplying by powers of
    // two is exact here, since the largest value lands in [0.5, 1).
    let (_, e) = libm::frexp(m);
    let s1 = libm::ldexp(1.0, -e / 2);
    let s2 = libm::ldexp(1.0, -e - (-e / 2));
    let mut acc = [0.0f64; LANES];
    let c = x.chunks_exact(LANES);
    let r = c.remainder();
    for ch in c {
        for l in 0..LANES {
            let v = ch[l] * s1 * s2;
            acc[l] += v * v;
        }
    }
    let mut t = combine(acc);
    for v in r {
        let v = v * s1 * s2;
        t += v * v;
    }
    libm::ldexp(libm::sqrt(t), e)
}

/// $y \mathrel{+}= \alpha x$.
///
/// # Panics
/// If the lengths differ.
#[inline]
pub fn axpy(isa: Isa, alpha: f64, x: &[f64], y: &mut [f64]) {
    assert_eq!(x.len(), y.len(), "axpy: x and y must have equal lengths");
    axpy_impl(isa, alpha, x, y)
}

/// $x \mathrel{*}= \alpha$.
#[inline]
pub fn scal(isa: Isa, alpha: f64, x: &mut [f64]) {
    scal_impl(isa, alpha, x)
}

/// $y = \alpha x + \beta y$; with β = 0 the old `y` is not read (NaN in `y` is overwritten).
///
/// # Panics
/// If the lengths differ.
#[inline]
pub fn axpby(isa: Isa, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
    assert_eq!(x.len(), y.len(), "axpby: x and y must have equal lengths");
    axpby_impl(isa, alpha, x, beta, y)
}
