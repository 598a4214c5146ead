//! Level-2 kernels on row-major matrices.

use super::vector::{LANES, combine, dot_body};

/// Four dot products against one `x`, each with exactly `dot_body`'s lanes and combine order.
#[inline(always)]
fn dot4_body(rows: [&[f64]; 4], x: &[f64]) -> [f64; 4] {
    let n = x.len();
    let mut acc = [[0.0f64; LANES]; 4];
    let full = n / LANES * LANES;
    let chunks = rows[0][..full]
        .chunks_exact(LANES)
        .zip(rows[1][..full].chunks_exact(LANES))
        .zip(rows[2][..full].chunks_exact(LANES))
        .zip(rows[3][..full].chunks_exact(LANES))
        .zip(x[..full].chunks_exact(LANES));
    for ((((c0, c1), c2), c3), xc) in chunks {
        for l in 0..LANES {
            acc[0][l] += c0[l] * xc[l];
            acc[1][l] += c1[l] * xc[l];
            acc[2][l] += c2[l] * xc[l];
            acc[3][l] += c3[l] * xc[l];
        }
    }
    let mut out = [0.0; 4];
    for r in 0..4 {
        let mut s = combine(acc[r]);
        for t in full..n {
            s += rows[r][t] * x[t];
        }
        out[r] = s;
    }
    out
}
use super::{Isa, isa_dispatch};
use crate::Error;

#[inline(always)]
fn gemv_body(n: usize, alpha: f64, a: &[f64], x: &[f64], beta: f64, y: &mut [f64]) {
    if n == 0 {
        for yi in y.iter_mut() {
            *yi = if beta == 0.0 { 0.0 } else { beta * *yi };
        }
        return;
    }
    // Each row is the same reduction as `dot` (same lanes, same combine order), so `gemv` rows
    // equal `dot(row, x)` bit for bit. Four rows share each load of x.
    let m = y.len();
    let mut i = 0;
    while i + 4 <= m {
        let rows = [
            &a[i * n..(i + 1) * n],
            &a[(i + 1) * n..(i + 2) * n],
            &a[(i + 2) * n..(i + 3) * n],
            &a[(i + 3) * n..(i + 4) * n],
        ];
        let d = dot4_body(rows, x);
        for r in 0..4 {
            let s = alpha * d[r];
            y[i + r] = if beta == 0.0 { s } else { s + beta * y[i + r] };
        }
        i += 4;
    }
    for (yi, row) in y[i..].iter_mut().zip(a[i * n..].chunks_exact(n)) {
        let s = alpha * dot_body(row, x);
        *yi = if beta == 0.0 { s } else { s + beta * *yi };
    }
}

#[inline(always)]
fn gemv_t_body(n: usize, alpha: f64, a: &[f64], x: &[f64], beta: f64, y: &mut [f64]) {
    if beta == 0.0 {
        y.fill(0.0);
    } else if beta != 1.0 {
        for v in y.iter_mut() {
            *v *= beta;
        }
    }
    if n == 0 {
        return;
    }
    // Rows in blocks of four with one pass over y; the adds happen in row order, so the
    // result equals four separate axpys.
    let rows: usize = x.len();
    let mut i = 0;
    while i + 4 <= rows {
        let c = [
            alpha * x[i],
            alpha * x[i + 1],
            alpha * x[i + 2],
            alpha * x[i + 3],
        ];
        let r0 = &a[i * n..(i + 1) * n];
        let r1 = &a[(i + 1) * n..(i + 2) * n];
        let r2 = &a[(i + 2) * n..(i + 3) * n];
        let r3 = &a[(i + 3) * n..(i + 4) * n];
        for j in 0..n {
            y[j] = (((y[j] + c[0] * r0[j]) + c[1] * r1[j]) + c[2] * r2[j]) + c[3] * r3[j];
        }
        i += 4;
    }
    while i < rows {
        let c = alpha * x[i];
        for (yj, aj) in y.iter_mut().zip(&a[i * n..(i + 1) * n]) {
            *yj += c * aj;
        }
        i += 1;
    }
}

#[inline(always)]
fn ger_body(n: usize, alpha: f64, x: &[f64], y: &[f64], a: &mut [f64]) {
    for (row, xi) in a.chunks_exact_mut(n.max(1)).zip(x) {
        let c = alpha * xi;
        for (aij, yj) in row.iter_mut().zip(y) {
            *aij += c * yj;
        }
    }
}

isa_dispatch! { fn gemv_impl(n: usize, alpha: f64, a: &[f64], x: &[f64], beta: f64, y: &mut [f64]) => gemv_body; }
isa_dispatch! { fn gemv_t_impl(n: usize, alpha: f64, a: &[f64], x: &[f64], beta: f64, y: &mut [f64]) => gemv_t_body; }
isa_dispatch! { fn ger_impl(n: usize, alpha: f64, x: &[f64], y: &[f64], a: &mut [f64]) => ger_body; }

pub(crate) fn check_matrix(m: usize, n: usize, a: &[f64]) -> Result<(), Error> {
    let need = m
        .checked_mul(n)
        .ok_or(Error::invalid("m·n", f64::INFINITY, "< 2^64"))?;
    if a.len() != need {
        return Err(Error::DimensionMismatch {
            what: "matrix a (m·n)",
            expected: need,
            got: a.len(),
        });
    }
    Ok(())
}

fn check_vec(what: &'static str, v: &[f64], len: usize) -> Result<(), Error> {
    if v.len() != len {
        return Err(Error::DimensionMismatch {
            what,
            expected: len,
            got: v.len(),
        });
    }
    Ok(())
}

/// $y = \alpha A x + \beta y$ for row-major $A$ ($m\times n$); β = 0 ignores the old `y`.
/// Row $i$ equals `alpha * dot(A_i, x)` (+ β y_i) bit for bit.
pub fn gemv(
    isa: Isa,
    m: usize,
    n: usize,
    alpha: f64,
    a: &[f64],
    x: &[f64],
    beta: f64,
    y: &mut [f64],
) -> Result<(), Error> {
    check_matrix(m, n, a)?;
    check_vec("x (n)", x, n)?;
    check_vec("y (m)", y, m)?;
    gemv_impl(isa, n, alpha, a, x, beta, y);
    Ok(())
}

/// $y = \alpha A^\top x + \beta y$ for row-major $A$ ($m\times n$, so `x` has length m and
/// `y` length n); β = 0 ignores the old `y`. Rows are added in order.
pub fn gemv_t(
    isa: Isa,
    m: usize,
    n: usize,
    alpha: f64,
    a: &[f64],
    x: &[f64],
    beta: f64,
    y: &mut [f64],
) -> Result<(), Error> {
    check_matrix(m, n, a)?;
    check_vec("x (m)", x, m)?;
    check_vec("y (n)", y, n)?;
    gemv_t_impl(isa, n, alpha, a, x, beta, y);
    Ok(())
}

/// Rank-one update $A \mathrel{+}= \alpha x y^\top$ ($A$ is $m\times n$ row-major).
pub fn ger(
    isa: Isa,
    m: usize,
    n: usize,
    alpha: f64,
    x: &[f64],
    y: &[f64],
    a: &mut [f64],
) -> Result<(), Error> {
    check_matrix(m, n, a)?;
    check_vec("x (m)", x, m)?;
    check_vec("y (n)", y, n)?;
    ger_impl(isa, n, alpha, x, y, a);
    Ok(())
}
