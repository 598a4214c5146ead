//! Hermite polynomials, series and quadrature against closed forms and extended precision.

use tdlab::special::{
    GaussHermite, GaussLegendre, HermiteSeries, h_all, h_all_with_deriv, h_batch, h_n,
    hermite_coefficients, hermite_coefficients_piecewise, series_and_deriv,
};
use tdlab_tests::hermite_dd;

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn closed_forms_up_to_degree_five() {
    let s = |k: f64| k.sqrt();
    for i in -40..=40 {
        let x = i as f64 * 0.25;
        let mut h = [0.0; 6];
        h_all(x, &mut h);
        let want = [
            1.0,
            x,
            (x * x - 1.0) / s(2.0),
            (x.powi(3) - 3.0 * x) / s(6.0),
            (x.powi(4) - 6.0 * x * x + 3.0) / s(24.0),
            (x.powi(5) - 10.0 * x.powi(3) + 15.0 * x) / s(120.0),
        ];
        for k in 0..6 {
            assert!(
                (h[k] - want[k]).abs() <= 1e-13 * (1.0 + want[k].abs()),
                "h_{k}({x})"
            );
            assert_eq!(h_n(k, x).to_bits(), h[k].to_bits());
        }
    }
}

#[test]
fn orthonormal_under_gauss_hermite_to_1e13() {
    let gh = GaussHermite::new(80).unwrap();
    let k = 41;
    let mut gram = vec![0.0; k * k];
    let mut h = vec![0.0; k];
    for (&x, &w) in gh.nodes.iter().zip(&gh.weights) {
        h_all(x, &mut h);
        for i in 0..k {
            for j in 0..k {
                gram[i * k + j] += w * h[i] * h[j];
            }
        }
    }
    for i in 0..k {
        for j in 0..k {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!(
                (gram[i * k + j] - want).abs() < 1e-13,
                "E[h_{i} h_{j}] = {}",
                gram[i * k + j]
            );
        }
    }
}

#[test]
fn parity_and_derivative_identity() {
    for i in 0..60 {
        let x = -7.3 + 0.25 * i as f64;
        let mut h = vec![0.0; 31];
        let mut dh = vec![0.0; 31];
        h_all_with_deriv(x, &mut h, &mut dh);
        let mut hm = vec![0.0; 31];
        h_all(-x, &mut hm);
        for n in 0..31 {
            let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
            assert_eq!(hm[n], sign * h[n], "parity n={n}");
        }
        // h_n' = sqrt(n) h_{n-1} checked against a central difference of h_n.
        for n in 1..12 {
            let e = 1e-5;
            let fd = (h_n(n, x + e) - h_n(n, x - e)) / (2.0 * e);
            assert!(
                (fd - dh[n]).abs() < 1e-6 * (1.0 + dh[n].abs()),
                "h_{n}'({x}): {fd} vs {}",
                dh[n]
            );
        }
    }
}

#[test]
fn degree_100_matches_double_double_reference_for_abs_x_up_to_20() {
    for i in 0..=80 {
        let x = -20.0 + 0.5 * i as f64;
        let reference = hermite_dd(100, x);
        let mut h = vec![0.0; 101];
        h_all(x, &mut h);
        for n in [50usize, 99, 100] {
            assert!(h[n].is_finite());
            // Relative to the local envelope |h_n| + |h_{n-1}| (h_n alone may sit near a zero).
            let scale = reference[n].abs() + reference[n - 1].abs();
            assert!(
                (h[n] - reference[n]).abs() <= 1e-12 * scale,
                "h_{n}({x}) = {} vs {}",
                h[n],
                reference[n]
            );
        }
    }
    // Known values at 0: h_{2j}(0) = (-1)^j sqrt((2j-1)!!/(2j)!!), h_odd(0) = 0.
    let mut h = vec![0.0; 101];
    h_all(0.0, &mut h);
    let mut prod = 1.0f64;
    for j in 1..=50 {
        prod *= (2 * j - 1) as f64 / (2 * j) as f64;
        let want = if j % 2 == 0 {
            prod.sqrt()
        } else {
            -prod.sqrt()
        };
        assert!(rel(h[2 * j], want) < 1e-13, "h_{}(0)", 2 * j);
        assert_eq!(h[2 * j - 1], 0.0);
    }
}

#[test]
fn batch_and_series_agree_with_pointwise() {
    let xs: Vec<f64> = (0..37).map(|i| -9.0 + 0.5 * i as f64).collect();
    let k = 9;
    let mut out = vec![0.0; k * xs.len()];
    h_batch(&xs, &mut out);
    let coef = [0.3, -1.0, 0.5, 0.0, 2.0, 0.0, 0.0, 0.0, -0.25];
    let mut h = vec![0.0; k];
    for (i, &x) in xs.iter().enumerate() {
        h_all(x, &mut h);
        for n in 0..k {
            assert_eq!(out[n * xs.len() + i].to_bits(), h[n].to_bits());
        }
        let (v, d) = series_and_deriv(&coef, x);
        let want_v: f64 = coef.iter().zip(&h).map(|(c, h)| c * h).sum();
        let want_d: f64 = (1..k).map(|l| coef[l] * (l as f64).sqrt() * h[l - 1]).sum();
        assert!((v - want_v).abs() < 1e-12 * (1.0 + want_v.abs()));
        assert!((d - want_d).abs() < 1e-12 * (1.0 + want_d.abs()));
    }
}

#[test]
fn gauss_hermite_is_exact_for_even_moments() {
    for &n in &[10usize, 40, 100, 200] {
        let gh = GaussHermite::new(n).unwrap();
        let wsum: f64 = gh.weights.iter().sum();
        assert!((wsum - 1.0).abs() < 1e-13, "n={n}: weights sum {wsum}");
        // E[Z^{2k}] = (2k-1)!!, exact for 2k ≤ 2n - 1; check up to 2k ≤ min(2n-2, 60)
        // (beyond ~60 the moments reach 1e40 and relative 1e-12 is still asked).
        let mut dfact = 1.0f64;
        for k in 1..=(n - 1).min(30) {
            dfact *= (2 * k - 1) as f64;
            let m = gh.expect(|x| x.powi(2 * k as i32));
            assert!(
                rel(m, dfact) < 1e-12,
                "n={n}: E[Z^{}] = {m} vs {dfact}",
                2 * k
            );
        }
        for (i, &x) in gh.nodes.iter().enumerate() {
            assert_eq!(x, -gh.nodes[n - 1 - i]);
        }
    }
    assert!(GaussHermite::new(0).is_err());
    assert!(GaussHermite::new(201).is_err());
}

#[test]
fn gauss_legendre_integrates_polynomials() {
    let gl = GaussLegendre::new(20).unwrap();
    for k in 0..40 {
        let got = gl.integrate(-1.0, 1.0, |x| x.powi(k));
        let want = if k % 2 == 0 {
            2.0 / (k as f64 + 1.0)
        } else {
            0.0
        };
        assert!((got - want).abs() < 1e-14, "∫x^{k}");
    }
}

#[test]
fn coefficients_of_known_functions() {
    let gh = GaussHermite::new(60).unwrap();
    let mut c = vec![0.0; 8];
    // He_4 = sqrt(24) h_4.
    hermite_coefficients(|x| x.powi(4) - 6.0 * x * x + 3.0, &gh, &mut c);
    for (l, v) in c.iter().enumerate() {
        let want = if l == 4 { 24f64.sqrt() } else { 0.0 };
        assert!((v - want).abs() < 1e-12, "He_4: c_{l} = {v}");
    }
    // x^3 = He_3 + 3 He_1 = sqrt(6) h_3 + 3 h_1.
    hermite_coefficients(|x| x.powi(3), &gh, &mut c);
    for (l, v) in c.iter().enumerate() {
        let want = match l {
            1 => 3.0,
            3 => 6f64.sqrt(),
            _ => 0.0,
        };
        assert!((v - want).abs() < 1e-12, "x^3: c_{l} = {v}");
    }
    // ReLU: c_0 = φ(0), c_1 = 1/2, c_n = φ(0) He_{n-2}(0)/sqrt(n!) for n ≥ 2 (He_{2j}(0) = (-1)^j (2j-1)!!).
    let phi0 = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    let mut c = vec![0.0; 21];
    hermite_coefficients_piecewise(|x| x.max(0.0), &[0.0], &mut c).unwrap();
    let mut fact = 1.0f64; // n!
    for n in 0..21usize {
        if n > 0 {
            fact *= n as f64;
        }
        let want = match n {
            0 => phi0,
            1 => 0.5,
            _ if n % 2 == 1 => 0.0,
            _ => {
                let j = (n - 2) / 2;
                let dfact: f64 = (1..=j).map(|i| (2 * i - 1) as f64).product();
                let he = if j % 2 == 0 { dfact } else { -dfact };
                phi0 * he / fact.sqrt()
            }
        };
        assert!(
            (c[n] - want).abs() < 1e-12,
            "ReLU c_{n} = {} vs {want}",
            c[n]
        );
    }
}

#[test]
fn series_kernels_match_quadrature() {
    let a = HermiteSeries::new(&[0.0, 0.0, 1.0, 0.0, 0.7]).unwrap();
    let b = HermiteSeries::new(&[0.0, 0.0, 0.9, 0.3, 1.1]).unwrap();
    assert_eq!(a.information_exponent(), Some(2));
    assert_eq!(a.joint_information_exponent(&b), Some(2));
    assert!((a.norm_sq() - 1.49).abs() < 1e-15);
    assert!((a.deriv_norm_sq() - (2.0 + 4.0 * 0.49)).abs() < 1e-15);
    // E[a(u·x) b(v·x)] with u·v = rho, by 2-D Gauss–Hermite: Z1, rho Z1 + sqrt(1-rho²) Z2.
    let gh = GaussHermite::new(40).unwrap();
    for &rho in &[-0.9f64, -0.3, 0.0, 0.2, 0.75, 1.0] {
        let s = (1.0 - rho * rho).sqrt();
        let mut e = 0.0;
        let mut ed = 0.0;
        for (&z1, &w1) in gh.nodes.iter().zip(&gh.weights) {
            for (&z2, &w2) in gh.nodes.iter().zip(&gh.weights) {
                let v = rho * z1 + s * z2;
                e += w1 * w2 * a.value(z1) * b.value(v);
                ed += w1 * w2 * a.deriv(z1) * b.deriv(v);
            }
        }
        assert!((a.kernel(&b, rho) - e).abs() < 1e-13, "K({rho})");
        // E[a'(u·x) b'(v·x)] = K_{a'b'}(rho) = Σ l a_l b_l rho^{l-1} = K'_{ab}(rho).
        assert!((a.kernel_deriv(&b, rho) - ed).abs() < 1e-12, "K'({rho})");
    }
    // A_ab at 0 and a pure monomial.
    let h4 = HermiteSeries::single(4).unwrap();
    let h2 = HermiteSeries::single(2).unwrap();
    assert!((h4.kernel_a(&h2, 0.5) - 12f64.sqrt() * 0.25).abs() < 1e-15);
    assert!(HermiteSeries::new(&[0.0, f64::NAN]).is_err());
    assert!(HermiteSeries::new(&[0.0; 3]).is_err());
    assert!(HermiteSeries::single(101).is_err());
}
