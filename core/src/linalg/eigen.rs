//! Symmetric eigenproblems and singular values by Jacobi methods; tridiagonal eigenvalues by
//! Sturm bisection (used for Gauss quadrature nodes).

use super::level2::check_matrix as check_matrix_len;
use super::vector::dot_body;
use crate::Error;

const MAX_SWEEPS: usize = 100;

/// Eigen-decomposition of a symmetric $n\times n$ row-major matrix by cyclic Jacobi rotations
/// (Rutishauser's stable formulas). `a` is destroyed; on success `values` holds the eigenvalues
/// in ascending order and column $j$ of `vectors` ($n\times n$ row-major) the unit eigenvector of
/// `values[j]`, so $AV = V\Lambda$ and $V^\top V = I$ to rounding. Only the upper triangle of `a`
/// is read… and the lower one: pass a symmetric matrix. Meant for $n\le256$ ($O(n^3)$ per sweep).
pub fn sym_eigen(
    a: &mut [f64],
    n: usize,
    values: &mut [f64],
    vectors: &mut [f64],
) -> Result<(), Error> {
    check_matrix_len(n, n, a)?;
    check_matrix_len(n, n, vectors).map_err(|_| Error::DimensionMismatch {
        what: "vectors (n·n)",
        expected: n.saturating_mul(n),
        got: vectors.len(),
    })?;
    if values.len() != n {
        return Err(Error::DimensionMismatch {
            what: "values (n)",
            expected: n,
            got: values.len(),
        });
    }
    if a.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid("matrix entry", f64::NAN, "finite"));
    }
    vectors.fill(0.0);
    for i in 0..n {
        vectors[i * n + i] = 1.0;
    }
    let total: f64 = dot_body(a, a);
    let mut converged = n <= 1;
    for _sweep in 0..MAX_SWEEPS {
        let mut off = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                off += a[p * n + q] * a[p * n + q];
            }
        }
        if off <= 1e-32 * total || off == 0.0 {
            converged = true;
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = if theta.is_finite() {
                    let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                    sign / (libm::fabs(theta) + libm::sqrt(theta * theta + 1.0))
                } else {
                    0.0
                };
                if t == 0.0 {
                    a[p * n + q] = 0.0;
                    a[q * n + p] = 0.0;
                    continue;
                }
                let c = 1.0 / libm::sqrt(t * t + 1.0);
                let s = t * c;
                // A <- A J (columns p, q), then J^T A (rows p, q).
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
                for k in 0..n {
                    let (vkp, vkq) = (vectors[k * n + p], vectors[k * n + q]);
                    vectors[k * n + p] = c * vkp - s * vkq;
                    vectors[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    if !converged {
        return Err(Error::NotConverged {
            what: "Jacobi eigen",
            iterations: MAX_SWEEPS,
        });
    }
    for i in 0..n {
        values[i] = a[i * n + i];
    }
    // Selection sort ascending, permuting eigenvector columns alongside (n ≤ 256: cheap).
    for i in 0..n {
        let mut best = i;
        for j in i + 1..n {
            if values[j] < values[best] {
                best = j;
            }
        }
        if best != i {
            values.swap(i, best);
            for k in 0..n {
                vectors.swap(k * n + i, k * n + best);
            }
        }
    }
    Ok(())
}

/// Singular values of an $m\times n$ row-major matrix by one-sided (Hestenes) Jacobi, in
/// descending order into `out` (length $\min(m,n)$). `work` needs $mn$ values. Rows of the
/// work matrix $X$ ($XX^\top = A^\top A$ or $AA^\top$, whichever is smaller) are rotated until
/// mutually orthogonal; the singular values are then their norms.
pub fn singular_values(
    a: &[f64],
    m: usize,
    n: usize,
    work: &mut [f64],
    out: &mut [f64],
) -> Result<(), Error> {
    check_matrix_len(m, n, a)?;
    let r = m.min(n);
    let c = m.max(n);
    Error::check_len("svd work (m·n)", work.len(), m * n)?;
    if out.len() != r {
        return Err(Error::DimensionMismatch {
            what: "singular values out (min(m, n))",
            expected: r,
            got: out.len(),
        });
    }
    if a.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid("matrix entry", f64::NAN, "finite"));
    }
    let x = &mut work[..m * n];
    if m >= n {
        for i in 0..m {
            for j in 0..n {
                x[j * m + i] = a[i * n + j];
            }
        }
    } else {
        x.copy_from_slice(a);
    }
    let mut converged = r <= 1;
    for _sweep in 0..MAX_SWEEPS {
        let mut rotated = false;
        for p in 0..r {
            for q in p + 1..r {
                let (xp, xq) = {
                    let (lo, hi) = x.split_at_mut(q * c);
                    (&mut lo[p * c..p * c + c], &mut hi[..c])
                };
                let alpha = dot_body(xp, xp);
                let beta = dot_body(xq, xq);
                let gamma = dot_body(xp, xq);
                if gamma == 0.0 || libm::fabs(gamma) <= 1e-15 * libm::sqrt(alpha * beta) {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let sign = if zeta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (libm::fabs(zeta) + libm::sqrt(1.0 + zeta * zeta));
                let cs = 1.0 / libm::sqrt(1.0 + t * t);
                let sn = cs * t;
                for (u, v) in xp.iter_mut().zip(xq.iter_mut()) {
                    let (a0, b0) = (*u, *v);
                    *u = cs * a0 - sn * b0;
                    *v = sn * a0 + cs * b0;
                }
            }
        }
        if !rotated {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(Error::NotConverged {
            what: "one-sided Jacobi SVD",
            iterations: MAX_SWEEPS,
        });
    }
    for i in 0..r {
        let row = &x[i * c..(i + 1) * c];
        out[i] = super::nrm2(super::Isa::scalar(), row);
    }
    out.sort_unstable_by(|p, q| q.total_cmp(p));
    Ok(())
}

/// Condition number $\sigma_{\max}/\sigma_{\min}$ of an $m\times n$ matrix (∞ when rank
/// deficient). `work` needs $mn + \min(m,n)$ values.
pub fn condition_number(a: &[f64], m: usize, n: usize, work: &mut [f64]) -> Result<f64, Error> {
    let r = m.min(n);
    Error::check_len("condition work (m·n + min(m, n))", work.len(), m * n + r)?;
    if r == 0 {
        return Err(Error::invalid("matrix size min(m, n)", 0.0, "≥ 1"));
    }
    let (w, sv) = work.split_at_mut(m * n);
    singular_values(a, m, n, w, &mut sv[..r])?;
    let (smax, smin) = (sv[0], sv[r - 1]);
    Ok(if smin == 0.0 {
        f64::INFINITY
    } else {
        smax / smin
    })
}

/// Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal `diag` ($n$) and
/// off-diagonal `off` ($n-1$), each to about one ulp of the spectral radius, by bisection on
/// Sturm sequence counts. Robust and simple; $O(n^2)$ per 64 bisection steps.
pub fn sym_tridiag_eigenvalues(diag: &[f64], off: &[f64], out: &mut [f64]) -> Result<(), Error> {
    let n = diag.len();
    if off.len() + 1 != n.max(1) || out.len() != n {
        return Err(Error::DimensionMismatch {
            what: "tridiagonal: off (n-1) and out (n)",
            expected: n,
            got: out.len(),
        });
    }
    if n == 0 {
        return Ok(());
    }
    if diag.iter().chain(off).any(|v| !v.is_finite()) {
        return Err(Error::invalid("tridiagonal entry", f64::NAN, "finite"));
    }
    // Gerschgorin interval.
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..n {
        let r = if i > 0 { libm::fabs(off[i - 1]) } else { 0.0 }
            + if i + 1 < n { libm::fabs(off[i]) } else { 0.0 };
        lo = lo.min(diag[i] - r);
        hi = hi.max(diag[i] + r);
    }
    let span = libm::fmax(libm::fabs(lo), libm::fabs(hi));
    let pivmin = f64::MIN_POSITIVE * 4.0 * (1.0 + span * span);
    // Number of eigenvalues < x.
    let count_below = |x: f64| -> usize {
        // A pivot that vanishes is replaced by -pivmin and counted as negative (LAPACK dstebz).
        let guard = |q: f64| if libm::fabs(q) < pivmin { -pivmin } else { q };
        let mut q = guard(diag[0] - x);
        let mut cnt = usize::from(q < 0.0);
        for i in 1..n {
            q = guard(diag[i] - x - off[i - 1] * off[i - 1] / q);
            cnt += usize::from(q < 0.0);
        }
        cnt
    };
    for (k, o) in out.iter_mut().enumerate() {
        let (mut a, mut b) = (lo, hi);
        for _ in 0..200 {
            let mid = 0.5 * (a + b);
            if mid <= a || mid >= b {
                break;
            }
            if count_below(mid) > k {
                b = mid;
            } else {
                a = mid;
            }
            if b - a <= 2.0 * f64::EPSILON * libm::fmax(libm::fabs(a), libm::fabs(b)) {
                break;
            }
        }
        *o = 0.5 * (a + b);
    }
    Ok(())
}
