//! Drives the public kernels with arbitrary sizes, degrees and values: Hermite evaluation,
//! Gauss–Hermite rules, eigen/SVD/Cholesky, samplers. Asserts: no panic, and every output is
//! finite or the error is reported as a `tdlab::Error`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_core::SeedableRng;
use tdlab::linalg::{self as la, Isa};
use tdlab::random::{self as rnd, Rng};
use tdlab::special::{self as sp, HermiteSeries};

fn f64_at(data: &[u8], i: usize) -> f64 {
    let mut b = [0u8; 8];
    for (k, v) in b.iter_mut().enumerate() {
        *v = data.get(i * 8 + k).copied().unwrap_or(0);
    }
    f64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let n = (data[0] % 24) as usize;
    let m = (data[1] % 24) as usize;
    let deg = data[2] as usize % 120;
    let seed = u64::from(data[3]);
    let vals: Vec<f64> = (0..(n * m).max(n).max(deg + 1)).map(|i| f64_at(&data[4..], i)).collect();

    // Hermite evaluation: any x (NaN/inf included) never panics; finite moderate x gives finite h.
    let x = vals.first().copied().unwrap_or(0.0);
    let mut h = vec![0.0; deg + 1];
    sp::h_all(x, &mut h);
    if x.abs() <= 20.0 && deg <= 100 {
        assert!(h.iter().all(|v| v.is_finite()), "h_n({x}) not finite");
    }
    if let Ok(series) = HermiteSeries::new(&vals[..(deg + 1).min(vals.len())]) {
        let _ = series.value_and_deriv(x);
        let _ = series.kernel(&series, 0.5);
    }
    // Gauss–Hermite rules of any requested size: Ok with finite nodes, or a named error.
    match sp::GaussHermite::new(deg * 2) {
        Ok(rule) => assert!(rule.nodes.iter().chain(&rule.weights).all(|v| v.is_finite())),
        Err(e) => assert!(!e.to_string().is_empty()),
    }

    // Symmetric eigen / SVD / condition number / Cholesky on arbitrary matrices.
    if n > 0 {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let v = vals[(i * n + j) % vals.len()];
                let v = if v.is_finite() { v.clamp(-1e100, 1e100) } else { v };
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        let mut values = vec![0.0; n];
        let mut vectors = vec![0.0; n * n];
        let mut w = a.clone();
        if la::sym_eigen(&mut w, n, &mut values, &mut vectors).is_ok() {
            assert!(values.iter().all(|v| v.is_finite()));
        }
        let mut work = vec![0.0; n * n + n];
        if let Ok(c) = la::condition_number(&a, n, n, &mut work) {
            assert!(c >= 1.0 - 1e-12, "condition number {c} < 1");
        }
        let mut b = vec![1.0; n];
        let mut f = a.clone();
        if la::solve_spd(&mut f, n, &mut b).is_ok() {
            let _ = b;
        }
        let mut t = vec![0.0; n];
        let _ = la::sym_tridiag_eigenvalues(&a[..n], &a[..n - 1], &mut t);
    }
    if m > 0 && n > 0 {
        let a: Vec<f64> = (0..m * n).map(|i| vals[i % vals.len()]).collect();
        let mut w = vec![0.0; m * n];
        let mut s = vec![0.0; m.min(n)];
        let _ = la::singular_values(&a, m, n, &mut w, &mut s);
        let _ = la::nrm2(Isa::detect(), &a);
    }

    // Samplers with arbitrary parameters: construction validates, sampling stays finite.
    let mut rng = Rng::seed_from_u64(seed);
    let p = vals[0];
    if let Ok(g) = rnd::Gamma::new(p, 1.0) {
        let v = g.sample(&mut rng);
        assert!(v.is_finite() && v >= 0.0);
    }
    if let Ok(c) = rnd::ChiSquared::new(p) {
        assert!(c.sample(&mut rng).is_finite());
    }
    if let Ok(t) = rnd::AliasTable::new(&vals[..n.max(1).min(vals.len())]) {
        assert!(t.sample(&mut rng) < t.len());
    }
    let mut frame = vec![0.0; m * n];
    let _ = rnd::orthonormal_frame(&mut rng, m, n, &mut frame);
    let mut v = vec![0.0; n];
    rnd::sphere(&mut rng, &mut v);
    assert!(v.iter().all(|x| x.is_finite()));

    // Fused update + dot = axpby then dot, bit for bit, on any input.
    if n > 0 {
        let x: Vec<f64> = (0..n).map(|i| vals[i % vals.len()]).collect();
        let x2: Vec<f64> = (0..n).map(|i| vals[(i + 1) % vals.len()]).collect();
        let (alpha, beta) = (vals[0], vals[vals.len() - 1]);
        let isa = Isa::detect();
        let mut y1 = x2.clone();
        la::axpby(isa, alpha, &x, beta, &mut y1);
        let d1 = la::dot(isa, &y1, &x2);
        let mut y2 = x2.clone();
        let d2 = la::axpby_dot(isa, alpha, &x, beta, &mut y2, &x2);
        assert!(d1.to_bits() == d2.to_bits() || (d1.is_nan() && d2.is_nan()));
    }

    // Text inputs of the paper modules: links and `--set` values never panic.
    let text = String::from_utf8_lossy(&data[4..]);
    let _ = tdlab::multi_index::Link::parse("link", &text);
    let mut cfg = tdlab::multi_index::MultiIndexConfig::default();
    for key in ["d", "link", "act", "kappa1", "steps", "loss", "engine"] {
        let _ = cfg.set(key, &text);
    }
    let _ = cfg.validate();

    // scb prox maps on arbitrary columns: no panic; the affine prox sums to 1 on moderate input.
    if n > 0 {
        let b: Vec<f64> = (0..n).map(|i| vals[i % vals.len()]).collect();
        let mut out = vec![0.0; n];
        let mut scratch = vec![0.0; n];
        tdlab::scb::prox::proj_simplex(&b, &mut out, &mut scratch);
        let theta = vals[0].abs().min(10.0);
        tdlab::scb::prox::prox_l1_affine_exact(&b, if theta.is_finite() { theta } else { 0.1 }, &mut out);
        if b.iter().all(|v| v.is_finite() && v.abs() < 1e6) && theta.is_finite() {
            let s: f64 = out.iter().sum();
            assert!((s - 1.0).abs() < 1e-6 * (1.0 + b.iter().map(|v| v.abs()).sum::<f64>()), "affine prox sums to {s}");
        }
        let mut c = b.clone();
        let _ = tdlab::scb::prox::recenter_on_support(&mut c);
        // Column-sum projection of one column of length n: sums to 1 on moderate input.
        let mut d = b.clone();
        tdlab::scb::prox::proj_col_sums(&mut d, n);
        if b.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
            let s: f64 = d.iter().sum();
            assert!((s - 1.0).abs() < 1e-9 * (1.0 + b.iter().map(|v| v.abs()).sum::<f64>()), "column sums to {s}");
        }
        // μ estimate from arbitrary non-negative counts: a probability vector above the floor.
        let counts: Vec<f64> = b.iter().map(|v| if v.is_finite() { v.abs().min(1e12) } else { 0.0 }).collect();
        let mut mu = vec![0.0; n];
        tdlab::scb::estimate_mu(&counts, 1.0, &mut mu);
        let s: f64 = mu.iter().sum();
        assert!((s - 1.0).abs() < 1e-12, "μ̂ sums to {s}");
        assert!(mu.iter().all(|&m| m > 0.0 && m.is_finite()), "μ̂ {mu:?}");
    }
});
