//! Small dense matrix products with a register tile.
//!
//! Every entry is computed as $c_{ij} = \alpha\,(\sum_p a_{ip}b_{pj}) + \beta c_{ij}$ with the sum over
//! $p$ accumulated from zero *in order*, whatever the tile, the ISA or the transposes. So the
//! tiled path, the edge path and a triple loop that sums in the same order agree bit for bit.

use super::level2::check_matrix as check_matrix_len;
use super::vector::dot_body;
use super::{Isa, isa_dispatch};
use crate::Error;

/// Whether an operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trans {
    /// $\mathrm{op}(X) = X$.
    No,
    /// $\mathrm{op}(X) = X^\top$.
    Yes,
}

/// Rows of the register tile.
const MR: usize = 4;
/// Columns of the main register tile (two AVX-512 or four AVX2 registers per row); a
/// half-width tile of 8 columns takes the remainder so that small products stay tiled.
const NR: usize = 16;
const NR_HALF: usize = 8;
/// Depth of a packed panel of a transposed `B` (16 KiB on the stack).
const KC: usize = 128;

#[derive(Clone, Copy)]
struct Shape {
    m: usize,
    n: usize,
    k: usize,
    ta: Trans,
    tb: Trans,
}

impl Shape {
    #[inline(always)]
    fn a_at(&self, a: &[f64], i: usize, p: usize) -> f64 {
        match self.ta {
            Trans::No => a[i * self.k + p],
            Trans::Yes => a[p * self.m + i],
        }
    }
    #[inline(always)]
    fn b_at(&self, b: &[f64], p: usize, j: usize) -> f64 {
        match self.tb {
            Trans::No => b[p * self.n + j],
            Trans::Yes => b[j * self.k + p],
        }
    }
}

#[inline(always)]
fn store(alpha: f64, acc: f64, beta: f64, c: &mut f64) {
    let v = alpha * acc;
    *c = if beta == 0.0 { v } else { v + beta * *c };
}

/// Accumulates `acc += op(A)[i0..i0+MR, p0..p0+kc] · rows`, where `rows(p)` yields row `p` of the
/// B panel (NR contiguous values). Summation over p is in order.
#[inline(always)]
fn accumulate<'b, const W: usize>(
    s: &Shape,
    a: &[f64],
    i0: usize,
    p0: usize,
    kc: usize,
    acc: &mut [[f64; W]; MR],
    rows: impl Fn(usize) -> &'b [f64; W],
) {
    for p in 0..kc {
        let brow = rows(p);
        let av = [
            s.a_at(a, i0, p0 + p),
            s.a_at(a, i0 + 1, p0 + p),
            s.a_at(a, i0 + 2, p0 + p),
            s.a_at(a, i0 + 3, p0 + p),
        ];
        for r in 0..MR {
            for l in 0..W {
                acc[r][l] += av[r] * brow[l];
            }
        }
    }
}

#[inline(always)]
fn store_tile<const W: usize>(
    s: &Shape,
    alpha: f64,
    acc: &[[f64; W]; MR],
    beta: f64,
    c: &mut [f64],
    i0: usize,
    j0: usize,
) {
    for r in 0..MR {
        let crow = &mut c[(i0 + r) * s.n + j0..(i0 + r) * s.n + j0 + W];
        for l in 0..W {
            store(alpha, acc[r][l], beta, &mut crow[l]);
        }
    }
}

/// One full MR×NR tile at (i0, j0), B used as stored (rows of B are contiguous).
#[inline(always)]
fn tile_bn<const W: usize>(
    s: &Shape,
    alpha: f64,
    a: &[f64],
    b: &[f64],
    beta: f64,
    c: &mut [f64],
    i0: usize,
    j0: usize,
) {
    let mut acc = [[0.0f64; W]; MR];
    let zero = [0.0; W];
    accumulate(s, a, i0, 0, s.k, &mut acc, |p| {
        let o = p * s.n + j0;
        b[o..o + W].try_into().unwrap_or(&zero)
    });
    store_tile(s, alpha, &acc, beta, c, i0, j0);
}

/// One full MR×NR tile at (i0, j0), B transposed: packs KC-deep panels on the stack.
#[inline(always)]
fn tile_bt<const W: usize>(
    s: &Shape,
    alpha: f64,
    a: &[f64],
    b: &[f64],
    beta: f64,
    c: &mut [f64],
    i0: usize,
    j0: usize,
) {
    let mut acc = [[0.0f64; W]; MR];
    let mut panel = [[0.0f64; W]; KC];
    let mut p0 = 0;
    while p0 < s.k {
        let kc = (s.k - p0).min(KC);
        for j in 0..W {
            let row = &b[(j0 + j) * s.k + p0..(j0 + j) * s.k + p0 + kc];
            for (p, v) in row.iter().enumerate() {
                panel[p][j] = *v;
            }
        }
        accumulate(s, a, i0, p0, kc, &mut acc, |p| &panel[p]);
        p0 += kc;
    }
    store_tile(s, alpha, &acc, beta, c, i0, j0);
}

#[inline(always)]
fn gemm_body(s: Shape, alpha: f64, a: &[f64], b: &[f64], beta: f64, c: &mut [f64]) {
    let (m, n, k) = (s.m, s.n, s.k);
    let mt = m / MR * MR;
    let n16 = n / NR * NR;
    let nt = if n - n16 >= NR_HALF {
        n16 + NR_HALF
    } else {
        n16
    };
    for j0 in (0..n16).step_by(NR) {
        for i0 in (0..mt).step_by(MR) {
            match s.tb {
                Trans::No => tile_bn::<NR>(&s, alpha, a, b, beta, c, i0, j0),
                Trans::Yes => tile_bt::<NR>(&s, alpha, a, b, beta, c, i0, j0),
            }
        }
    }
    if nt > n16 {
        for i0 in (0..mt).step_by(MR) {
            match s.tb {
                Trans::No => tile_bn::<NR_HALF>(&s, alpha, a, b, beta, c, i0, n16),
                Trans::Yes => tile_bt::<NR_HALF>(&s, alpha, a, b, beta, c, i0, n16),
            }
        }
    }
    // Edges: same order of summation, one entry at a time.
    for i in 0..m {
        let jstart = if i < mt { nt } else { 0 };
        for j in jstart..n {
            let mut acc = 0.0;
            for p in 0..k {
                acc += s.a_at(a, i, p) * s.b_at(b, p, j);
            }
            store(alpha, acc, beta, &mut c[i * n + j]);
        }
    }
}

isa_dispatch! { fn gemm_impl(s: Shape, alpha: f64, a: &[f64], b: &[f64], beta: f64, c: &mut [f64]) => gemm_body; }

/// $C = \alpha\,\mathrm{op}(A)\,\mathrm{op}(B) + \beta C$, all row-major: $\mathrm{op}(A)$ is $m\times k$
/// (stored $m\times k$, or $k\times m$ when `ta = Trans::Yes`), $\mathrm{op}(B)$ is $k\times n$, $C$ is
/// $m\times n$. With β = 0 the old `C` is not read. Never allocates (a 16 KiB stack panel packs a
/// transposed B).
pub fn gemm(
    isa: Isa,
    ta: Trans,
    tb: Trans,
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: &[f64],
    b: &[f64],
    beta: f64,
    c: &mut [f64],
) -> Result<(), Error> {
    check_matrix_len(m, k, a).map_err(|_| Error::DimensionMismatch {
        what: "gemm: a (m·k)",
        expected: m.saturating_mul(k),
        got: a.len(),
    })?;
    check_matrix_len(k, n, b).map_err(|_| Error::DimensionMismatch {
        what: "gemm: b (k·n)",
        expected: k.saturating_mul(n),
        got: b.len(),
    })?;
    check_matrix_len(m, n, c).map_err(|_| Error::DimensionMismatch {
        what: "gemm: c (m·n)",
        expected: m.saturating_mul(n),
        got: c.len(),
    })?;
    gemm_impl(isa, Shape { m, n, k, ta, tb }, alpha, a, b, beta, c);
    Ok(())
}

#[inline(always)]
fn gram_body(m: usize, d: usize, w: &[f64], g: &mut [f64]) {
    for i in 0..m {
        let wi = &w[i * d..(i + 1) * d];
        for j in i..m {
            let v = dot_body(wi, &w[j * d..(j + 1) * d]);
            g[i * m + j] = v;
            g[j * m + i] = v;
        }
    }
}

isa_dispatch! { fn gram_impl(m: usize, d: usize, w: &[f64], g: &mut [f64]) => gram_body; }

/// Gram matrix $G = WW^\top$ ($m\times m$) of the rows of $W$ ($m\times d$); entry $(i,j)$ equals
/// `dot(w_i, w_j)` bit for bit and $G$ is exactly symmetric.
pub fn gram(isa: Isa, m: usize, d: usize, w: &[f64], g: &mut [f64]) -> Result<(), Error> {
    check_matrix_len(m, d, w)?;
    check_matrix_len(m, m, g).map_err(|_| Error::DimensionMismatch {
        what: "gram: g (m·m)",
        expected: m.saturating_mul(m),
        got: g.len(),
    })?;
    gram_impl(isa, m, d, w, g);
    Ok(())
}
