//! Samplers against exact laws: KS tests, moments within 4 standard errors, chi-square,
//! and an independent re-implementation of the ziggurat for bit-exact draws.

use rand_core::{Rng as _, SeedableRng};
use tdlab::random::{self as rnd, AliasTable, ChiSquared, Gamma, Rng, Streams};
use tdlab_tests::{chi2_upper_quantile, ks_p_value, ks_statistic, mean_se, phi_cdf, rng};

/// The ziggurat of Marsaglia–Tsang/Doornik written from the paper, independently of
/// `tdlab::random::normal`, using only the raw generator and the table generator.
fn reference_normal(r: &mut Rng, x: &[f64; 257], f: &[f64; 257]) -> f64 {
    let unif = |r: &mut Rng| (r.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0;
    let open = |r: &mut Rng| ((r.next_u64() >> 12) as f64 + 0.5) / 4_503_599_627_370_496.0;
    loop {
        let bits = r.next_u64();
        let i = (bits % 256) as usize;
        let u = 2.0 * ((bits >> 12) as f64 / 4_503_599_627_370_496.0) - 1.0;
        let z = u * x[i];
        if z.abs() < x[i + 1] {
            return z;
        }
        if i == 0 {
            loop {
                let a = -libm::log(open(r)) / rnd::ZIGGURAT_R;
                let b = -libm::log(open(r));
                if 2.0 * b >= a * a {
                    return if u < 0.0 {
                        -(rnd::ZIGGURAT_R + a)
                    } else {
                        rnd::ZIGGURAT_R + a
                    };
                }
            }
        }
        if f[i + 1] + (f[i] - f[i + 1]) * unif(r) < libm::exp(-0.5 * z * z) {
            return z;
        }
    }
}

#[test]
fn normal_draws_equal_independent_reference_bit_for_bit() {
    let (x, f) = rnd::ziggurat_tables();
    let mut a = rng(42);
    let mut b = rng(42);
    let mut buf = vec![0.0; 200_000];
    rnd::fill_normal(&mut a, &mut buf);
    for (k, v) in buf.iter().enumerate() {
        let w = reference_normal(&mut b, &x, &f);
        assert_eq!(v.to_bits(), w.to_bits(), "draw {k}");
    }
    // Both consumed the same number of raw words.
    assert_eq!(a.next_u64(), b.next_u64());
}

#[test]
fn normal_passes_ks_against_phi() {
    let mut r = rng(7);
    let mut v = vec![0.0; 1_000_000];
    rnd::fill_normal(&mut r, &mut v);
    let (mean, se) = mean_se(&v);
    assert!(mean.abs() < 4.0 * se);
    let var = v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
    assert!(
        (var - 1.0).abs() < 4.0 * (2.0f64 / v.len() as f64).sqrt(),
        "var {var}"
    );
    let d = ks_statistic(&mut v, phi_cdf);
    let p = ks_p_value(d, 1_000_000);
    assert!(p > 0.001, "KS D = {d}, p = {p}");
}

#[test]
fn tail_frequency_beyond_the_base_layer() {
    let mut r = rng(8);
    let n = 4_000_000usize;
    let mut count = 0usize;
    for _ in 0..n {
        if rnd::normal(&mut r).abs() > rnd::ZIGGURAT_R {
            count += 1;
        }
    }
    let p = libm::erfc(rnd::ZIGGURAT_R / std::f64::consts::SQRT_2);
    let expect = p * n as f64;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    assert!(
        (count as f64 - expect).abs() < 4.0 * sd,
        "tail count {count}, expected {expect} ± {sd}"
    );
}

#[test]
fn streams_replay_and_are_distinct() {
    let s = Streams::new(2026);
    let mut a = s.stream(0);
    let mut b = Rng::seed_from_u64(2026);
    for _ in 0..10 {
        assert_eq!(a.next_u64(), b.next_u64());
    }
    // stream(i) is i jumps of 2^128; group(g) is g long jumps.
    let mut j = Rng::seed_from_u64(2026);
    j.jump();
    j.jump();
    assert_eq!(s.stream(2), j);
    let mut lj = Rng::seed_from_u64(2026);
    lj.long_jump();
    assert_eq!(s.group(1).stream(0), lj);
    // Replay is exact; different indices differ.
    assert_eq!(s.stream(5), Streams::new(2026).stream(5));
    let firsts: Vec<u64> = (0..64).map(|i| s.stream(i).next_u64()).collect();
    let mut sorted = firsts.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), firsts.len());
}

#[test]
fn uniforms_and_bounded_integers() {
    let mut r = rng(9);
    let n = 700_000;
    let mut counts = [0usize; 7];
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        counts[rnd::below(&mut r, 7) as usize] += 1;
        let u = rnd::uniform(&mut r);
        assert!((0.0..1.0).contains(&u));
        let o = rnd::uniform_open(&mut r);
        assert!(o > 0.0 && o < 1.0);
        v.push(u);
    }
    let e = n as f64 / 7.0;
    let chi: f64 = counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
    assert!(
        chi < 22.46,
        "chi2 with 6 dof = {chi} (0.001 critical 22.46)"
    );
    let d = ks_statistic(&mut v, |x| x.clamp(0.0, 1.0));
    assert!(ks_p_value(d, n) > 0.001);
    assert_eq!(rnd::below(&mut r, 0), 0);
}

#[test]
fn sphere_is_uniform() {
    let mut r = rng(10);
    let d = 5;
    let n = 200_000;
    let mut x = vec![0.0; d];
    let mut first = vec![Vec::new(); d];
    let mut second = vec![Vec::new(); d * d];
    for _ in 0..n {
        rnd::sphere(&mut r, &mut x);
        let norm: f64 = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-14);
        for i in 0..d {
            first[i].push(x[i]);
            for j in 0..d {
                second[i * d + j].push(x[i] * x[j]);
            }
        }
    }
    for i in 0..d {
        let (m, se) = mean_se(&first[i]);
        assert!(m.abs() < 4.0 * se, "E[x_{i}] = {m} ± {se}");
        for j in 0..d {
            let (m, se) = mean_se(&second[i * d + j]);
            let want = if i == j { 1.0 / d as f64 } else { 0.0 };
            assert!(
                (m - want).abs() < 4.0 * se,
                "E[x_{i} x_{j}] = {m} vs {want} ± {se}"
            );
        }
    }
    let mut empty: [f64; 0] = [];
    rnd::sphere(&mut r, &mut empty);
}

#[test]
fn orthonormal_frames() {
    let mut r = rng(11);
    let (k, d) = (4, 9);
    let mut f = vec![0.0; k * d];
    let mut first_sq = Vec::new();
    for _ in 0..20_000 {
        rnd::orthonormal_frame(&mut r, k, d, &mut f).unwrap();
        for i in 0..k {
            for j in 0..k {
                let s: f64 = (0..d).map(|t| f[i * d + t] * f[j * d + t]).sum();
                assert!((s - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
            }
        }
        first_sq.push(f[d + 3] * f[d + 3]);
    }
    // Haar: each entry squared has mean 1/d.
    let (m, se) = mean_se(&first_sq);
    assert!((m - 1.0 / d as f64).abs() < 4.0 * se);
    assert!(rnd::orthonormal_frame(&mut r, 10, 9, &mut vec![0.0; 90]).is_err());
}

#[test]
fn alias_table_passes_chi_square() {
    let mut r = rng(12);
    let weights: Vec<f64> = (0..50)
        .map(|i| if i == 7 { 0.0 } else { 0.2 + (i % 7) as f64 })
        .collect();
    let table = AliasTable::new(&weights).unwrap();
    let total: f64 = weights.iter().sum();
    let n = 1_000_000;
    let mut counts = vec![0usize; weights.len()];
    for _ in 0..n {
        counts[table.sample(&mut r)] += 1;
    }
    assert_eq!(counts[7], 0, "zero-weight category never drawn");
    let mut chi = 0.0;
    let mut dof = 0.0;
    for (c, w) in counts.iter().zip(&weights) {
        if *w > 0.0 {
            let e = n as f64 * w / total;
            chi += (*c as f64 - e).powi(2) / e;
            dof += 1.0;
        }
    }
    let crit = chi2_upper_quantile(dof - 1.0, 3.090);
    assert!(chi < crit, "chi2 = {chi} vs critical {crit}");
    assert!(AliasTable::new(&[]).is_err());
    assert!(AliasTable::new(&[1.0, -1.0]).is_err());
    assert!(AliasTable::new(&[0.0, 0.0]).is_err());
    assert!(AliasTable::new(&[f64::NAN]).is_err());
    let one = AliasTable::new(&[3.0]).unwrap();
    assert_eq!(one.sample(&mut r), 0);
}

fn check_moments(samples: &[f64], mean: f64, var: f64, mu4_minus_var2: f64, what: &str) {
    let n = samples.len() as f64;
    let m = samples.iter().sum::<f64>() / n;
    assert!(
        (m - mean).abs() < 4.0 * (var / n).sqrt(),
        "{what}: mean {m} vs {mean}"
    );
    let v = samples.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    assert!(
        (v - var).abs() < 4.0 * (mu4_minus_var2 / n).sqrt(),
        "{what}: var {v} vs {var}"
    );
}

#[test]
fn gamma_and_chi_squared_moments() {
    let mut r = rng(13);
    let n = 400_000;
    for &(k, theta) in &[(0.3, 1.0), (1.0, 2.0), (2.5, 0.5), (10.0, 1.0)] {
        let g = Gamma::new(k, theta).unwrap();
        let s: Vec<f64> = (0..n).map(|_| g.sample(&mut r)).collect();
        assert!(s.iter().all(|&x| x > 0.0 && x.is_finite()));
        let t4 = theta.powi(4);
        check_moments(
            &s,
            k * theta,
            k * theta * theta,
            (2.0 * k * k + 6.0 * k) * t4,
            "gamma",
        );
    }
    for &nu in &[3.0, 7.5, 120.0] {
        let c = ChiSquared::new(nu).unwrap();
        let s: Vec<f64> = (0..n).map(|_| c.sample(&mut r)).collect();
        // χ²_ν = Gamma(ν/2, 2): mean ν, var 2ν, μ4 - var² = (2k² + 6k)·16 with k = ν/2.
        let k = nu / 2.0;
        check_moments(&s, nu, 2.0 * nu, (2.0 * k * k + 6.0 * k) * 16.0, "chi2");
    }
    assert!(Gamma::new(0.0, 1.0).is_err());
    assert!(Gamma::new(1.0, f64::NAN).is_err());
    assert!(ChiSquared::new(-1.0).is_err());
}

#[test]
fn dirichlet_moments() {
    let mut r = rng(14);
    let alpha = [0.5, 1.0, 2.0];
    let a0: f64 = alpha.iter().sum();
    let n = 300_000;
    let mut out = [0.0; 3];
    let mut cols = vec![Vec::new(); 3];
    for _ in 0..n {
        rnd::dirichlet(&mut r, &alpha, &mut out).unwrap();
        assert!((out.iter().sum::<f64>() - 1.0).abs() < 1e-14);
        for i in 0..3 {
            cols[i].push(out[i]);
        }
    }
    for i in 0..3 {
        let mean = alpha[i] / a0;
        let var = alpha[i] * (a0 - alpha[i]) / (a0 * a0 * (a0 + 1.0));
        let (m, se) = mean_se(&cols[i]);
        assert!((m - mean).abs() < 4.0 * se, "E[p_{i}] {m} vs {mean}");
        let v = cols[i].iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Var of the variance estimate bounded via the sample fourth moment.
        let m4 = cols[i].iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64;
        assert!(
            (v - var).abs() < 4.0 * ((m4 - var * var) / n as f64).sqrt(),
            "Var[p_{i}]"
        );
    }
    assert!(rnd::dirichlet(&mut r, &[1.0, 0.0], &mut [0.0; 2]).is_err());
    assert!(rnd::dirichlet(&mut r, &[1.0], &mut [0.0; 2]).is_err());
}
