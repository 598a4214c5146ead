//! Factorisations: Cholesky (ridge solves), modified Gram–Schmidt QR, Householder R.

use super::level2::check_matrix as check_matrix_len;
use super::vector::dot_body;
use crate::Error;

/// In-place Cholesky factorisation $A = LL^\top$ of a symmetric positive-definite $n\times n$
/// row-major matrix: on return the lower triangle (with diagonal) holds $L$; the strict upper
/// triangle is set to zero. Fails with [`Error::NotPositiveDefinite`] on a pivot ≤ 0 or NaN.
pub fn cholesky(a: &mut [f64], n: usize) -> Result<(), Error> {
    check_matrix_len(n, n, a)?;
    for j in 0..n {
        let row_j = &mut a[j * n..j * n + n];
        let d = row_j[j] - dot_body(&row_j[..j], &row_j[..j]);
        if !(d > 0.0) {
            return Err(Error::NotPositiveDefinite { pivot: j, value: d });
        }
        let ljj = libm::sqrt(d);
        row_j[j] = ljj;
        for v in &mut row_j[j + 1..] {
            *v = 0.0;
        }
        for i in j + 1..n {
            let (top, bottom) = a.split_at_mut(i * n);
            let row_j = &top[j * n..j * n + n];
            let row_i = &mut bottom[..n];
            row_i[j] = (row_i[j] - dot_body(&row_i[..j], &row_j[..j])) / ljj;
        }
    }
    Ok(())
}

/// Solves $LL^\top x = b$ in place (`b` becomes `x`) with the factor from [`cholesky`].
pub fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) -> Result<(), Error> {
    check_matrix_len(n, n, l)?;
    if b.len() != n {
        return Err(Error::DimensionMismatch {
            what: "b (n)",
            expected: n,
            got: b.len(),
        });
    }
    // Forward: L y = b.
    for i in 0..n {
        let s = dot_body(&l[i * n..i * n + i], &b[..i]);
        b[i] = (b[i] - s) / l[i * n + i];
    }
    // Backward: L^T x = y.
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    Ok(())
}

/// Solves $Ax=b$ for symmetric positive-definite $A$ (destroyed: it holds the Cholesky factor
/// afterwards); `b` becomes `x`.
pub fn solve_spd(a: &mut [f64], n: usize, b: &mut [f64]) -> Result<(), Error> {
    cholesky(a, n)?;
    cholesky_solve(a, n, b)
}

/// Thin QR of an $m\times n$ matrix ($m\ge n$) by modified Gram–Schmidt with one
/// re-orthogonalisation pass: `a` becomes $Q$ ($m\times n$, orthonormal columns), `r` ($n\times n$)
/// the upper-triangular $R$ with $A = QR$ and $R_{jj}\ge0$. A column that is numerically
/// dependent (norm below 1e-300 after projection) gives $R_{jj}=0$ and a zero column of $Q$.
pub fn qr_mgs(a: &mut [f64], m: usize, n: usize, r: &mut [f64]) -> Result<(), Error> {
    check_matrix_len(m, n, a)?;
    check_matrix_len(n, n, r).map_err(|_| Error::DimensionMismatch {
        what: "r (n·n)",
        expected: n.saturating_mul(n),
        got: r.len(),
    })?;
    if m < n {
        return Err(Error::invalid(
            "qr_mgs rows m",
            m as f64,
            "≥ the number of columns n",
        ));
    }
    r.fill(0.0);
    for j in 0..n {
        for _pass in 0..2 {
            for i in 0..j {
                let mut s = 0.0;
                for t in 0..m {
                    s += a[t * n + i] * a[t * n + j];
                }
                r[i * n + j] += s;
                for t in 0..m {
                    a[t * n + j] -= s * a[t * n + i];
                }
            }
        }
        let mut ss = 0.0;
        for t in 0..m {
            ss += a[t * n + j] * a[t * n + j];
        }
        let norm = libm::sqrt(ss);
        if norm > 1e-300 {
            r[j * n + j] = norm;
            for t in 0..m {
                a[t * n + j] /= norm;
            }
        } else {
            r[j * n + j] = 0.0;
            for t in 0..m {
                a[t * n + j] = 0.0;
            }
        }
    }
    Ok(())
}

/// Orthonormalises the $k$ rows of a $k\times d$ matrix in place (modified Gram–Schmidt, twice,
/// the classic "twice is enough" remedy for lost orthogonality). Returns an error naming the
/// row if a row is (numerically) in the span of the previous ones.
pub fn orthonormalize_rows(a: &mut [f64], k: usize, d: usize) -> Result<(), Error> {
    check_matrix_len(k, d, a)?;
    if k > d {
        return Err(Error::invalid("rows k", k as f64, "≤ the row length d"));
    }
    for j in 0..k {
        let (done, rest) = a.split_at_mut(j * d);
        let row = &mut rest[..d];
        let norm0 = libm::sqrt(dot_body(row, row));
        for _pass in 0..2 {
            for i in 0..j {
                let qi = &done[i * d..(i + 1) * d];
                let s = dot_body(qi, row);
                for (x, q) in row.iter_mut().zip(qi) {
                    *x -= s * q;
                }
            }
        }
        let norm = libm::sqrt(dot_body(row, row));
        if !(norm > 1e-12 * norm0) || !(norm > 0.0) {
            return Err(Error::invalid(
                "row norm after projection (rank)",
                norm,
                "> 1e-12 × its norm before: the rows must be linearly independent",
            ));
        }
        for x in row.iter_mut() {
            *x /= norm;
        }
    }
    Ok(())
}

/// Householder QR keeping only $R$: on return the first $\min(m,n)$ rows of the $m\times n$
/// row-major `a` hold the upper-triangular $R$ (with $A = QR$ for some orthogonal $Q$) and the
/// rows below are zero. $R$'s diagonal signs follow the reflections (not normalised). Used to
/// re-express coordinates in a new orthonormal basis of the same column space.
pub fn householder_r(a: &mut [f64], m: usize, n: usize, v: &mut [f64]) -> Result<(), Error> {
    check_matrix_len(m, n, a)?;
    Error::check_len("householder scratch v (m)", v.len(), m)?;
    let steps = m.min(n);
    for j in 0..steps {
        // Column j below the diagonal.
        let mut scale = 0.0f64;
        for i in j..m {
            scale = scale.max(libm::fabs(a[i * n + j]));
        }
        if scale == 0.0 {
            continue;
        }
        let mut ss = 0.0;
        for i in j..m {
            let t = a[i * n + j] / scale;
            v[i] = t;
            ss += t * t;
        }
        let norm = libm::sqrt(ss);
        let alpha = if v[j] >= 0.0 { -norm } else { norm };
        v[j] -= alpha;
        let mut vnorm2 = 0.0;
        for i in j..m {
            vnorm2 += v[i] * v[i];
        }
        if vnorm2 == 0.0 {
            continue;
        }
        // Apply H = I - 2 v v^T / (v^T v) to columns j..n.
        for c in j..n {
            let mut s = 0.0;
            for i in j..m {
                s += v[i] * a[i * n + c];
            }
            let f = 2.0 * s / vnorm2;
            for i in j..m {
                a[i * n + c] -= f * v[i];
            }
        }
        a[j * n + j] = alpha * scale;
        for i in j + 1..m {
            a[i * n + j] = 0.0;
        }
    }
    Ok(())
}
