//! Vector and small-matrix kernels on slices (row-major), caller-provided outputs.
//!
//! Nothing here allocates. Reductions use [`LANES`] independent accumulators combined in a
//! fixed pairwise order, so a result does not depend on the instruction set: each kernel
//! takes an [`Isa`] token and the scalar, AVX2 and AVX-512 paths agree bit for bit.
//! No FMA is used (it would change the last bits between machines).
//!
//! | kernel | operation |
//! |---|---|
//! | [`dot`], [`sum_sq`], [`nrm2`] | $x\cdot y$, $\sum x_i^2$, $\lVert x\rVert_2$ (overflow-safe) |
//! | [`axpy`], [`scal`], [`axpby`] | $y \mathrel{+}= \alpha x$, $x \mathrel{*}= \alpha$, $y = \alpha x + \beta y$ |
//! | [`gemv`], [`gemv_t`], [`ger`] | $y=\alpha Ax+\beta y$, $y=\alpha A^\top x+\beta y$, $A \mathrel{+}= \alpha xy^\top$ |
//! | [`gemm`] | $C=\alpha\,\mathrm{op}(A)\,\mathrm{op}(B)+\beta C$, register-tiled |
//! | [`gram`] | $G = WW^\top$ |
//! | [`qr_mgs`], [`orthonormalize_rows`], [`householder_r`] | QR factorisations |
//! | [`cholesky`], [`cholesky_solve`], [`solve_spd`] | SPD solves (ridge) |
//! | [`sym_eigen`], [`sym_tridiag_eigenvalues`] | symmetric eigenproblems (cyclic Jacobi, Sturm bisection) |
//! | [`singular_values`], [`condition_number`] | one-sided Jacobi SVD |

mod simd;
pub(crate) use simd::isa_dispatch;
pub use simd::{CpuFeatures, Isa, cpu_features};

mod decomp;
mod eigen;
mod gemm;
mod level2;
mod vector;

pub use decomp::{cholesky, cholesky_solve, householder_r, orthonormalize_rows, qr_mgs, solve_spd};
pub use eigen::{condition_number, singular_values, sym_eigen, sym_tridiag_eigenvalues};
pub use gemm::{Trans, gemm, gram};
pub use level2::{gemv, gemv_t, ger};
pub use vector::{LANES, axpby, axpby_dot, axpy, dot, nrm2, scal, sum_sq};
