//! linalg kernels against naive references, at boundary sizes, on every ISA path.

use tdlab::linalg::{self as la, Isa, Trans};
use tdlab_tests::{data, dot_exactish, gemm_ref, rng};

const SIZES: [usize; 14] = [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 127, 128, 129];

fn isas() -> Vec<Isa> {
    Isa::all_supported().collect()
}

#[test]
fn dot_and_norms_match_reference_on_every_size_and_isa() {
    let mut r = rng(1);
    for &n in SIZES.iter().chain(&[1000, 4096, 10_000]) {
        let x = data(&mut r, n);
        let y = data(&mut r, n);
        let exact = dot_exactish(&x, &y);
        let scale: f64 = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (a * b).abs())
            .sum::<f64>()
            .max(1e-300);
        let base = la::dot(Isa::scalar(), &x, &y);
        assert!(
            (base - exact).abs() <= 1e-13 * scale,
            "dot n={n}: {base} vs {exact}"
        );
        let nrm_exact = dot_exactish(&x, &x).sqrt();
        let nrm = la::nrm2(Isa::scalar(), &x);
        assert!(
            (nrm - nrm_exact).abs() <= 1e-13 * nrm_exact.max(1e-300),
            "nrm2 n={n}"
        );
        for isa in isas() {
            assert_eq!(
                la::dot(isa, &x, &y).to_bits(),
                base.to_bits(),
                "dot bits n={n} {isa:?}"
            );
            assert_eq!(
                la::nrm2(isa, &x).to_bits(),
                nrm.to_bits(),
                "nrm2 bits n={n} {isa:?}"
            );
            assert_eq!(
                la::sum_sq(isa, &x).to_bits(),
                la::sum_sq(Isa::scalar(), &x).to_bits()
            );
        }
    }
}

#[test]
fn nrm2_survives_extreme_scales() {
    let mut r = rng(2);
    for &n in &[1usize, 9, 33, 129] {
        let x = data(&mut r, n);
        let base = la::nrm2(Isa::scalar(), &x);
        for &s in &[1e-300, 1e-200, 1e-170, 1e-30, 1e30, 1e170, 1e200, 1e300] {
            let xs: Vec<f64> = x.iter().map(|v| v * s).collect();
            let got = la::nrm2(Isa::scalar(), &xs);
            assert!(got.is_finite() && got > 0.0, "n={n} s={s}: {got}");
            assert!(
                (got / (base * s) - 1.0).abs() < 1e-13,
                "n={n} s={s}: {got} vs {}",
                base * s
            );
        }
    }
    // Subnormal entries (found by the fuzzer: the rescale factor itself overflowed).
    let tiny = f64::from_bits(126); // 126 · 2^-1074
    assert_eq!(la::nrm2(Isa::scalar(), &[tiny, 0.0]), tiny);
    let got = la::nrm2(
        Isa::scalar(),
        &[3.0 * f64::from_bits(1), 4.0 * f64::from_bits(1)],
    );
    assert_eq!(got, 5.0 * f64::from_bits(1));
    for &s in &[1e-310, 1e-320] {
        let v = [s, s, s, s];
        let got = la::nrm2(Isa::scalar(), &v);
        assert!(
            (got / (2.0 * s) - 1.0).abs() < 1e-3,
            "subnormal scale {s}: {got}"
        );
    }
    assert_eq!(la::nrm2(Isa::scalar(), &[]), 0.0);
    assert_eq!(la::nrm2(Isa::scalar(), &[0.0; 5]), 0.0);
    assert!(la::nrm2(Isa::scalar(), &[1.0, f64::NAN]).is_nan());
    assert_eq!(
        la::nrm2(Isa::scalar(), &[1.0, f64::INFINITY]),
        f64::INFINITY
    );
}

#[test]
fn elementwise_kernels_match_reference_and_leave_sentinels() {
    let mut r = rng(3);
    for &n in &SIZES {
        let x = data(&mut r, n);
        let y0 = data(&mut r, n);
        for isa in isas() {
            // Output buffer with NaN sentinels beyond the slice the kernel sees.
            let mut buf = vec![f64::NAN; n + 2];
            buf[1..=n].copy_from_slice(&y0);
            la::axpy(isa, 0.7, &x, &mut buf[1..=n]);
            assert!(buf[0].is_nan() && buf[n + 1].is_nan());
            for i in 0..n {
                assert_eq!(buf[1 + i], y0[i] + 0.7 * x[i]);
            }
            buf[1..=n].copy_from_slice(&y0);
            la::axpby(isa, 0.3, &x, -1.5, &mut buf[1..=n]);
            for i in 0..n {
                assert_eq!(buf[1 + i], 0.3 * x[i] + -1.5 * y0[i]);
            }
            buf[1..=n].fill(f64::NAN);
            la::axpby(isa, 2.0, &x, 0.0, &mut buf[1..=n]);
            for i in 0..n {
                assert_eq!(buf[1 + i], 2.0 * x[i], "beta = 0 must not read y");
            }
            buf[1..=n].copy_from_slice(&x);
            la::scal(isa, -3.0, &mut buf[1..=n]);
            for i in 0..n {
                assert_eq!(buf[1 + i], -3.0 * x[i]);
            }
            assert!(buf[0].is_nan() && buf[n + 1].is_nan());
        }
    }
}

#[test]
fn gemv_gemv_t_ger_match_reference() {
    let mut r = rng(4);
    for &m in &[0usize, 1, 3, 4, 5, 9, 32] {
        for &n in &[0usize, 1, 7, 8, 9, 17, 33, 129] {
            let a = data(&mut r, m * n);
            let x = data(&mut r, n);
            let xt = data(&mut r, m);
            let y0 = data(&mut r, m);
            let yt0 = data(&mut r, n);
            for isa in isas() {
                let mut y = y0.clone();
                la::gemv(isa, m, n, 1.5, &a, &x, 0.5, &mut y).unwrap();
                for i in 0..m {
                    let row = &a[i * n..(i + 1) * n];
                    let want = 1.5 * la::dot(isa, row, &x) + 0.5 * y0[i];
                    assert_eq!(
                        y[i].to_bits(),
                        want.to_bits(),
                        "gemv row {i} = alpha dot + beta y"
                    );
                    let exact = 1.5 * dot_exactish(row, &x) + 0.5 * y0[i];
                    assert!((y[i] - exact).abs() < 1e-13 * (1.0 + n as f64));
                }
                let mut yt = vec![f64::NAN; n + 1];
                yt[..n].copy_from_slice(&yt0);
                la::gemv_t(isa, m, n, -0.5, &a, &xt, 2.0, &mut yt[..n]).unwrap();
                assert!(yt[n].is_nan());
                for j in 0..n {
                    let mut want = 2.0 * yt0[j];
                    for i in 0..m {
                        want += (-0.5 * xt[i]) * a[i * n + j];
                    }
                    assert_eq!(yt[j].to_bits(), want.to_bits(), "gemv_t m={m} n={n} j={j}");
                }
                let mut g = a.clone();
                la::ger(isa, m, n, 0.25, &xt, &x, &mut g).unwrap();
                for i in 0..m {
                    for j in 0..n {
                        assert_eq!(g[i * n + j], a[i * n + j] + (0.25 * xt[i]) * x[j]);
                    }
                }
            }
        }
    }
    // Size errors are named, not panics.
    let mut y = vec![0.0; 2];
    assert!(la::gemv(Isa::scalar(), 2, 3, 1.0, &[0.0; 5], &[0.0; 3], 0.0, &mut y).is_err());
}

#[test]
fn gemm_matches_triple_loop_for_all_transposes_bit_for_bit() {
    let mut r = rng(5);
    let shapes = [
        (0, 0, 0),
        (1, 1, 1),
        (3, 5, 2),
        (4, 16, 8),
        (5, 17, 9),
        (8, 32, 1),
        (9, 33, 130),
        (16, 16, 16),
        (17, 15, 33),
        (33, 48, 129),
        (64, 64, 64),
    ];
    for &(m, n, k) in &shapes {
        for &ta in &[false, true] {
            for &tb in &[false, true] {
                let a = data(&mut r, m * k);
                let b = data(&mut r, k * n);
                let c0 = data(&mut r, m * n);
                for &(alpha, beta) in &[(1.0, 0.0), (0.5, -2.0)] {
                    let mut want = c0.clone();
                    gemm_ref(ta, tb, m, n, k, alpha, &a, &b, beta, &mut want);
                    for isa in isas() {
                        let mut c = if beta == 0.0 {
                            vec![f64::NAN; m * n]
                        } else {
                            c0.clone()
                        };
                        let t = |f: bool| if f { Trans::Yes } else { Trans::No };
                        la::gemm(isa, t(ta), t(tb), m, n, k, alpha, &a, &b, beta, &mut c).unwrap();
                        for (idx, (g, w)) in c.iter().zip(&want).enumerate() {
                            assert_eq!(
                                g.to_bits(),
                                w.to_bits(),
                                "gemm {m}x{n}x{k} ta={ta} tb={tb} {isa:?} idx {idx}"
                            );
                        }
                    }
                }
            }
        }
    }
    let mut c = vec![0.0; 4];
    assert!(
        la::gemm(
            Isa::scalar(),
            Trans::No,
            Trans::No,
            2,
            2,
            2,
            1.0,
            &[0.0; 3],
            &[0.0; 4],
            0.0,
            &mut c
        )
        .is_err()
    );
}

#[test]
fn gram_is_symmetric_and_equals_dots() {
    let mut r = rng(6);
    for &(m, d) in &[(1usize, 1usize), (3, 7), (8, 33), (16, 100)] {
        let w = data(&mut r, m * d);
        let mut g = vec![0.0; m * m];
        la::gram(Isa::detect(), m, d, &w, &mut g).unwrap();
        for i in 0..m {
            for j in 0..m {
                let want = la::dot(
                    Isa::scalar(),
                    &w[i * d..(i + 1) * d],
                    &w[j * d..(j + 1) * d],
                );
                assert_eq!(g[i * m + j].to_bits(), want.to_bits());
            }
        }
    }
}

fn random_symmetric(r: &mut tdlab_tests::Rng, n: usize) -> Vec<f64> {
    let b = data(r, n * n);
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = 0.5 * (b[i * n + j] + b[j * n + i]);
        }
    }
    a
}

fn check_eigen(a: &[f64], n: usize) {
    let mut work = a.to_vec();
    let mut vals = vec![0.0; n];
    let mut vecs = vec![0.0; n * n];
    la::sym_eigen(&mut work, n, &mut vals, &mut vecs).unwrap();
    let anorm = a.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
    for w in vals.windows(2) {
        assert!(w[0] <= w[1], "ascending");
    }
    // ||A V - V Λ||_F ≤ 1e-12 ||A||_F and V^T V = I.
    let mut res = 0.0;
    for i in 0..n {
        for j in 0..n {
            let mut av = 0.0;
            for k in 0..n {
                av += a[i * n + k] * vecs[k * n + j];
            }
            let e = av - vecs[i * n + j] * vals[j];
            res += e * e;
        }
    }
    assert!(
        res.sqrt() <= 1e-12 * anorm,
        "residual {} (n={n})",
        res.sqrt()
    );
    for i in 0..n {
        for j in 0..n {
            let mut s = 0.0;
            for k in 0..n {
                s += vecs[k * n + i] * vecs[k * n + j];
            }
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((s - want).abs() < 1e-13, "V^T V [{i},{j}] = {s} (n={n})");
        }
    }
}

#[test]
fn jacobi_eigen_on_random_clustered_and_diagonal_matrices() {
    let mut r = rng(7);
    for &n in &[1usize, 2, 3, 8, 17, 40] {
        check_eigen(&random_symmetric(&mut r, n), n);
        // Clustered: Q diag(1 + 1e-10 i) Q^T.
        let mut q = vec![0.0; n * n];
        tdlab::random::orthonormal_frame(&mut r, n, n, &mut q).unwrap();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for k in 0..n {
                    s += q[i * n + k] * (1.0 + 1e-10 * k as f64) * q[j * n + k];
                }
                a[i * n + j] = s;
            }
        }
        for i in 0..n {
            for j in 0..i {
                let v = 0.5 * (a[i * n + j] + a[j * n + i]);
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        check_eigen(&a, n);
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            d[i * n + i] = (n - i) as f64 - 0.5;
        }
        check_eigen(&d, n);
    }
    // Diagonal eigenvalues are exact.
    let mut d = vec![3.0, 0.0, 0.0, -1.0];
    let (mut v, mut vec2) = (vec![0.0; 2], vec![0.0; 4]);
    la::sym_eigen(&mut d, 2, &mut v, &mut vec2).unwrap();
    assert_eq!(v, vec![-1.0, 3.0]);
    assert!(la::sym_eigen(&mut [f64::NAN], 1, &mut [0.0], &mut [0.0]).is_err());
}

#[test]
fn qr_factorisations() {
    let mut r = rng(8);
    for &(m, n) in &[(1usize, 1usize), (5, 3), (9, 9), (40, 7)] {
        let a0 = data(&mut r, m * n);
        let mut q = a0.clone();
        let mut rr = vec![0.0; n * n];
        la::qr_mgs(&mut q, m, n, &mut rr).unwrap();
        for i in 0..n {
            for j in 0..n {
                let s: f64 = (0..m).map(|t| q[t * n + i] * q[t * n + j]).sum();
                assert!((s - if i == j { 1.0 } else { 0.0 }).abs() < 1e-13, "Q^T Q");
                if j < i {
                    assert_eq!(rr[i * n + j], 0.0);
                }
            }
        }
        for t in 0..m {
            for j in 0..n {
                let s: f64 = (0..n).map(|i| q[t * n + i] * rr[i * n + j]).sum();
                assert!((s - a0[t * n + j]).abs() < 1e-13, "QR = A");
            }
        }
        // Householder R: R^T R = A^T A (same column Gram matrix), upper triangular.
        let mut h = a0.clone();
        let mut v = vec![0.0; m];
        la::householder_r(&mut h, m, n, &mut v).unwrap();
        for i in 0..n {
            for j in 0..n {
                let ata: f64 = (0..m).map(|t| a0[t * n + i] * a0[t * n + j]).sum();
                let rtr: f64 = (0..m).map(|t| h[t * n + i] * h[t * n + j]).sum();
                assert!((ata - rtr).abs() < 1e-12 * (1.0 + ata.abs()));
            }
        }
        for t in 0..m {
            for j in 0..n.min(t) {
                assert_eq!(h[t * n + j], 0.0, "below diagonal");
            }
        }
    }
}

#[test]
fn cholesky_solves_spd_systems() {
    let mut r = rng(9);
    for &n in &[1usize, 2, 5, 16, 40] {
        let b = data(&mut r, n * n);
        let mut a = vec![0.0; n * n];
        la::gemm(
            Isa::scalar(),
            Trans::No,
            Trans::Yes,
            n,
            n,
            n,
            1.0,
            &b,
            &b,
            0.0,
            &mut a,
        )
        .unwrap();
        for i in 0..n {
            a[i * n + i] += 0.1;
        }
        let x0 = data(&mut r, n);
        let mut rhs = vec![0.0; n];
        la::gemv(Isa::scalar(), n, n, 1.0, &a, &x0, 0.0, &mut rhs).unwrap();
        let mut f = a.clone();
        la::solve_spd(&mut f, n, &mut rhs).unwrap();
        for i in 0..n {
            assert!((rhs[i] - x0[i]).abs() < 1e-9, "x[{i}]");
        }
    }
    let mut bad = vec![1.0, 2.0, 2.0, 1.0];
    assert!(matches!(
        la::cholesky(&mut bad, 2),
        Err(tdlab::Error::NotPositiveDefinite { pivot: 1, .. })
    ));
}

#[test]
fn singular_values_and_condition_numbers() {
    // Diagonal: closed form.
    let d = [4.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 2.0];
    let mut work = vec![0.0; 9 + 3];
    assert_eq!(la::condition_number(&d, 3, 3, &mut work).unwrap(), 8.0);
    let mut sv = vec![0.0; 3];
    la::singular_values(&d, 3, 3, &mut work[..9], &mut sv).unwrap();
    assert_eq!(sv, vec![4.0, 2.0, 0.5]);
    // Rank deficient: infinite condition number.
    assert_eq!(
        la::condition_number(&[1.0, 2.0, 2.0, 4.0], 2, 2, &mut work[..6]).unwrap(),
        f64::INFINITY
    );
    // Random rectangular: σ² are the eigenvalues of A^T A.
    let mut r = rng(10);
    for &(m, n) in &[(7usize, 3usize), (3, 7), (12, 12)] {
        let a = data(&mut r, m * n);
        let k = m.min(n);
        let mut w = vec![0.0; m * n];
        let mut s = vec![0.0; k];
        la::singular_values(&a, m, n, &mut w, &mut s).unwrap();
        let mut g = vec![0.0; n * n];
        la::gemm(
            Isa::scalar(),
            Trans::Yes,
            Trans::No,
            n,
            n,
            m,
            1.0,
            &a,
            &a,
            0.0,
            &mut g,
        )
        .unwrap();
        let mut ev = vec![0.0; n];
        let mut vv = vec![0.0; n * n];
        la::sym_eigen(&mut g, n, &mut ev, &mut vv).unwrap();
        ev.reverse();
        for i in 0..k {
            assert!(
                (s[i] * s[i] - ev[i]).abs() < 1e-12 * ev[0],
                "σ_{i}² {} vs {}",
                s[i] * s[i],
                ev[i]
            );
        }
    }
}

#[test]
fn tridiagonal_eigenvalues_match_jacobi() {
    let mut r = rng(11);
    for &n in &[1usize, 2, 10, 50] {
        let diag = data(&mut r, n);
        let off = data(&mut r, n.saturating_sub(1));
        let mut vals = vec![0.0; n];
        la::sym_tridiag_eigenvalues(&diag, &off, &mut vals).unwrap();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = diag[i];
            if i + 1 < n {
                a[i * n + i + 1] = off[i];
                a[(i + 1) * n + i] = off[i];
            }
        }
        let mut ev = vec![0.0; n];
        let mut vv = vec![0.0; n * n];
        la::sym_eigen(&mut a, n, &mut ev, &mut vv).unwrap();
        for i in 0..n {
            assert!((vals[i] - ev[i]).abs() < 1e-13, "{} vs {}", vals[i], ev[i]);
        }
    }
}

#[test]
fn tridiagonal_symmetric_spectrum_with_zero_pivots() {
    // Jacobi matrix of He_4: eigenvalues ±sqrt(3 ± sqrt 6); bisection starts at an exact 0 pivot.
    let off: Vec<f64> = (1..4).map(|k| (k as f64).sqrt()).collect();
    let mut v = vec![0.0; 4];
    la::sym_tridiag_eigenvalues(&[0.0; 4], &off, &mut v).unwrap();
    let (a, b) = ((3.0 - 6f64.sqrt()).sqrt(), (3.0 + 6f64.sqrt()).sqrt());
    let want = [-b, -a, a, b];
    for i in 0..4 {
        assert!((v[i] - want[i]).abs() < 1e-14, "{v:?}");
    }
    // Odd size has an exact zero eigenvalue.
    let mut v = vec![0.0; 3];
    la::sym_tridiag_eigenvalues(&[0.0; 3], &off[..2], &mut v).unwrap();
    assert!(
        v[1].abs() < 1e-15 && (v[2] - 3f64.sqrt()).abs() < 1e-14,
        "{v:?}"
    );
}

#[test]
fn isa_detection_agrees_with_std() {
    let f = tdlab::linalg::cpu_features();
    #[cfg(target_arch = "x86_64")]
    {
        let std_avx2 = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        let std_512 = std_avx2 && std::arch::is_x86_feature_detected!("avx512f");
        assert_eq!(f.avx2, std_avx2);
        assert_eq!(f.avx512, std_512);
    }
    assert_eq!(Isa::from_name("scalar").unwrap(), Isa::scalar());
    assert!(Isa::from_name("sse9").is_err());
    assert_eq!(Isa::from_name("auto").unwrap(), Isa::detect());
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn dot_self_is_norm_squared(v in prop::collection::vec(-1e3f64..1e3, 0..300)) {
            let d = la::dot(Isa::detect(), &v, &v);
            let n = la::nrm2(Isa::detect(), &v);
            prop_assert!((d - n * n).abs() <= 1e-12 * d.max(1e-300));
        }

        #[test]
        fn gemm_transpose_identity(m in 1usize..12, n in 1usize..20, k in 1usize..12, seed in 0u64..1000) {
            // (AB)^T = B^T A^T: computing C^T by swapping operands with transposes.
            let mut r = rng(seed);
            let a = data(&mut r, m * k);
            let b = data(&mut r, k * n);
            let mut c = vec![0.0; m * n];
            la::gemm(Isa::detect(), Trans::No, Trans::No, m, n, k, 1.0, &a, &b, 0.0, &mut c).unwrap();
            let mut ct = vec![0.0; n * m];
            la::gemm(Isa::detect(), Trans::Yes, Trans::Yes, n, m, k, 1.0, &b, &a, 0.0, &mut ct).unwrap();
            for i in 0..m { for j in 0..n {
                prop_assert!((c[i * n + j] - ct[j * m + i]).abs() < 1e-13 * k as f64);
            }}
        }

        #[test]
        fn axpy_is_linear(v in prop::collection::vec(-1e3f64..1e3, 0..100), a in -10f64..10.0) {
            let mut y = vec![0.0; v.len()];
            la::axpy(Isa::detect(), a, &v, &mut y);
            for (yi, vi) in y.iter().zip(&v) { prop_assert_eq!(*yi, a * vi); }
        }
    }
}

#[test]
fn fused_axpby_dot_equals_axpby_then_dot_bit_for_bit() {
    let mut r = rng(77);
    for &n in SIZES.iter().chain(&[1000, 1001]) {
        let x = data(&mut r, n);
        let y0 = data(&mut r, n);
        let x2 = data(&mut r, n);
        for &(alpha, beta) in &[(0.3, -1.7), (-2.0, 0.0), (1e-8, 1.0)] {
            for isa in isas() {
                let mut y_ref = y0.clone();
                la::axpby(isa, alpha, &x, beta, &mut y_ref);
                let d_ref = la::dot(isa, &y_ref, &x2);
                let mut y = y0.clone();
                let d = la::axpby_dot(isa, alpha, &x, beta, &mut y, &x2);
                assert_eq!(d.to_bits(), d_ref.to_bits(), "n {n} {isa:?}");
                assert!(
                    y.iter()
                        .zip(&y_ref)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "n {n} {isa:?}"
                );
                // And the scalar path gives the same bits as every ISA.
                let mut ys = y0.clone();
                assert_eq!(
                    la::axpby_dot(Isa::scalar(), alpha, &x, beta, &mut ys, &x2).to_bits(),
                    d.to_bits()
                );
            }
        }
    }
}
