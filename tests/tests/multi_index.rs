//! Acceptance tests of the multi-index module (spec `multi_index.md`, "Acceptance"): closed
//! forms against golden values and quadrature, finite differences, engines against each other
//! and against theory, validation errors, divergence, golden trajectories.

use tdlab::Error;
use tdlab::linalg::Isa;
use tdlab::multi_index::grad_check::{
    GOLDEN_DA, GOLDEN_GRAD, GOLDEN_LOSS, by_quadrature, closed_form, golden_instance,
};
use tdlab::multi_index::metrics::coverage_probability;
use tdlab::multi_index::ridge_curve::ridge_loss_in_subspace;
use tdlab::multi_index::*;
use tdlab::random::{Streams, fill_normal, sphere};
use tdlab::run::{Experiment, NullObserver, Preset, run_serial};
use tdlab::special::{GaussHermite, HermiteSeries, SeriesEval, h_n, series_and_deriv};
use tdlab::stats::{ks_two_sample, mean_se, median};
use tdlab_tests::{fnv, rng};

fn entry(name: &str) -> Box<dyn Experiment> {
    let e = experiments().into_iter().find(|e| e.name == name).unwrap();
    (e.make)(Preset::Quick)
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------- 1. special requirements

#[test]
fn hermite_link_constants_match_the_spec() {
    let gh = GaussHermite::new(80).unwrap();
    // E[h_L² h_2] = √2 L (reading B).
    for l in 1..=10 {
        let e = gh.expect(|z| h_n(l, z) * h_n(l, z) * h_n(2, z));
        assert!((e - 2f64.sqrt() * l as f64).abs() < 1e-12, "L = {l}: {e}");
    }
    // §2.3 table: Eφ², Eσ'², E[φ²σ'²] (σ = φ), to the printed precision.
    for (spec, e2, ed2, emix) in [
        ("h2+h3", 2.0, 5.0, 258.0),
        ("h2+h4", 2.0, 6.0, 2025.24),
        ("h2+h6", 2.0, 8.0, 81_741.5),
        ("h2+h8", 2.0, 10.0, 5_876_637.0),
        ("h:3", 1.0, 3.0, 93.0),
        ("h:4", 1.0, 4.0, 852.0),
    ] {
        let l = Link::parse("link", spec).unwrap();
        assert_eq!(l.series.norm_sq(), e2, "{spec}");
        assert_eq!(l.series.deriv_norm_sq(), ed2, "{spec}");
        let m = aligned_moment(&l.series, &l.series).unwrap();
        // The moment is a polynomial expectation: exact at two node counts.
        let gh2 = GaussHermite::new(60).unwrap();
        let m2 = gh2.expect(|z| {
            let (f, d) = (l.series.value(z), l.series.deriv(z));
            f * f * d * d
        });
        assert!((m - m2).abs() <= 1e-9 * m, "{spec}: {m} vs {m2}");
        let printed_ulp = if emix < 1000.0 {
            0.5
        } else if emix < 10_000.0 {
            0.005
        } else if emix < 100_000.0 {
            0.05
        } else {
            0.5
        };
        assert!(
            (m - emix).abs() <= printed_ulp,
            "{spec}: E[φ²σ'²] = {m}, spec {emix}"
        );
    }
}

#[test]
fn series_evaluator_matches_the_reference_recurrence() {
    let coef = [0.3, -0.2, 1.0, 0.5, 1.0, 0.0, 0.25, 0.1];
    let ev = SeriesEval::new(&coef);
    let mut r = rng(3);
    for _ in 0..2000 {
        let x = 6.0 * (tdlab::random::uniform(&mut r) - 0.5) * 2.0;
        let (a, da) = ev.value_and_deriv(x);
        let (b, db) = series_and_deriv(&coef, x);
        let scale = 1.0 + b.abs().max(db.abs());
        assert!(
            (a - b).abs() <= 1e-13 * scale && (da - db).abs() <= 1e-13 * scale,
            "x = {x}"
        );
    }
}

// ---------------------------------------------------------------- 2. golden values

#[test]
fn population_closed_form_matches_golden_values_and_quadrature() {
    let (link, act, a, w, v) = golden_instance();
    let (l, g, da) = closed_form(&link, &act, &a, &w, &v, 4);
    assert!((l - GOLDEN_LOSS).abs() < 1e-12, "loss {l}");
    assert!(max_diff(&g, &GOLDEN_GRAD) < 1e-12, "grad {g:?}");
    assert!(max_diff(&da, &GOLDEN_DA) < 1e-12, "dL/da {da:?}");
    let (lq, gq, daq) = by_quadrature(&link, &act, &a, &w, &v, 4, 6).unwrap();
    assert!((l - lq).abs() < 1e-12 && max_diff(&g, &gq) < 1e-12 && max_diff(&da, &daq) < 1e-12);
}

#[test]
fn population_closed_form_matches_quadrature_at_d6() {
    let e = entry("grad_check");
    let s = run_serial(e.as_ref(), 11, &mut NullObserver).unwrap();
    assert!(s.claims.iter().all(|c| c.pass), "{:?}", s.claims);
}

// ---------------------------------------------------------------- 3. finite differences

/// Retraction of `w + t u` for a tangent `u` (unit `w`).
fn on_sphere(w: &[f64], u: &[f64], t: f64) -> Vec<f64> {
    let x: Vec<f64> = w.iter().zip(u).map(|(a, b)| a + t * b).collect();
    let n = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    x.iter().map(|v| v / n).collect()
}

fn tangent(r: &mut tdlab::random::Rng, w: &[f64]) -> Vec<f64> {
    let mut u = vec![0.0; w.len()];
    fill_normal(r, &mut u);
    let p: f64 = u.iter().zip(w).map(|(a, b)| a * b).sum();
    u.iter().zip(w).map(|(a, b)| a - p * b).collect()
}

#[test]
fn population_gradient_matches_central_differences_on_the_sphere() {
    let link = Link::parse("link", "h2+0.7h4").unwrap();
    let act = Link::parse("act", "0.9h2+0.3h3+1.1h4").unwrap();
    let d = 7;
    let mut r = rng(21);
    for trial in 0..5 {
        let mut v = vec![0.0; 2 * d];
        tdlab::random::orthonormal_frame(&mut r, 2, d, &mut v).unwrap();
        let mut w = vec![0.0; 3 * d];
        for row in w.chunks_exact_mut(d) {
            sphere(&mut r, row);
        }
        let a = [0.6, -0.3, 0.8];
        let (_, g, da) = closed_form(&link, &act, &a, &w, &v, d);
        for i in 0..3 {
            let u = tangent(&mut r, &w[i * d..(i + 1) * d]);
            let h = 1e-5;
            let mut wp = w.clone();
            wp[i * d..(i + 1) * d].copy_from_slice(&on_sphere(&w[i * d..(i + 1) * d], &u, h));
            let mut wm = w.clone();
            wm[i * d..(i + 1) * d].copy_from_slice(&on_sphere(&w[i * d..(i + 1) * d], &u, -h));
            let fd = (closed_form(&link, &act, &a, &wp, &v, d).0
                - closed_form(&link, &act, &a, &wm, &v, d).0)
                / (2.0 * h);
            let an: f64 = g[i * d..(i + 1) * d]
                .iter()
                .zip(&u)
                .map(|(x, y)| x * y)
                .sum();
            assert!(
                (fd - an).abs() <= 1e-6 * an.abs().max(1e-3),
                "trial {trial} neuron {i}: fd {fd} vs {an}"
            );
            let mut ap = a;
            ap[i] += h;
            let mut am = a;
            am[i] -= h;
            let fda = (closed_form(&link, &act, &ap, &w, &v, d).0
                - closed_form(&link, &act, &am, &w, &v, d).0)
                / (2.0 * h);
            assert!(
                (fda - da[i]).abs() <= 1e-6 * da[i].abs().max(1e-3),
                "dL/da_{i}: {fda} vs {}",
                da[i]
            );
        }
    }
}

#[test]
fn per_sample_update_is_the_gradient_of_the_per_sample_loss() {
    // ℓ = ½(f − y)²: the tangent gradient of neuron i is s_i (x − z_i w_i), s_i = a_i r σ'(z_i).
    let act = Link::parse("act", "0.9h2+0.3h3+1.1h4").unwrap();
    let ev = SeriesEval::new(act.series.coef());
    let (d, m) = (9, 3);
    let mut r = rng(4);
    for _ in 0..10 {
        let mut w = vec![0.0; m * d];
        for row in w.chunks_exact_mut(d) {
            sphere(&mut r, row);
        }
        let mut x = vec![0.0; d];
        fill_normal(&mut r, &mut x);
        let a = [0.5, -0.7, 0.2];
        let y = 0.8;
        let loss = |w: &[f64]| {
            let f: f64 = (0..m)
                .map(|i| {
                    a[i] * act.series.value(
                        w[i * d..(i + 1) * d]
                            .iter()
                            .zip(&x)
                            .map(|(p, q)| p * q)
                            .sum(),
                    )
                })
                .sum();
            0.5 * (f - y) * (f - y)
        };
        let z: Vec<f64> = (0..m)
            .map(|i| {
                w[i * d..(i + 1) * d]
                    .iter()
                    .zip(&x)
                    .map(|(p, q)| p * q)
                    .sum()
            })
            .collect();
        let mut s = vec![0.0; m];
        neuron_scalars(&ev, &a, &z, y, Loss::Squared, &mut s);
        for i in 0..m {
            let u = tangent(&mut r, &w[i * d..(i + 1) * d]);
            let h = 1e-5;
            let mut wp = w.clone();
            wp[i * d..(i + 1) * d].copy_from_slice(&on_sphere(&w[i * d..(i + 1) * d], &u, h));
            let mut wm = w.clone();
            wm[i * d..(i + 1) * d].copy_from_slice(&on_sphere(&w[i * d..(i + 1) * d], &u, -h));
            let fd = (loss(&wp) - loss(&wm)) / (2.0 * h);
            let an: f64 = (0..d)
                .map(|t| s[i] * (x[t] - z[i] * w[i * d + t]) * u[t])
                .sum();
            assert!(
                (fd - an).abs() <= 1e-6 * an.abs().max(1e-4),
                "fd {fd} vs {an}"
            );
        }
    }
}

#[test]
fn reading_b_identity_by_quadrature() {
    // φ = φ̂_L h_L, T(y) = y² − Ey²: E[T(y) h_2(w·x)] = √2 L φ̂_L² Σ_k (w·v_k)², P = 2, d = 3.
    let gh = GaussHermite::new(24).unwrap();
    for (l, c) in [(3usize, 1.0), (4, 0.8), (5, 1.3)] {
        let w = {
            let v = [0.3, -0.5, 0.7f64];
            let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v.map(|x| x / n)
        };
        let ey2 = 2.0 * c * c;
        let mut e = 0.0;
        for (i, &x0) in gh.nodes.iter().enumerate() {
            for (j, &x1) in gh.nodes.iter().enumerate() {
                for (k, &x2) in gh.nodes.iter().enumerate() {
                    let y = c * h_n(l, x0) + c * h_n(l, x1);
                    let z = w[0] * x0 + w[1] * x1 + w[2] * x2;
                    e += gh.weights[i] * gh.weights[j] * gh.weights[k] * (y * y - ey2) * h_n(2, z);
                }
            }
        }
        let want = 2f64.sqrt() * l as f64 * c * c * (w[0] * w[0] + w[1] * w[1]);
        assert!((e - want).abs() < 1e-10, "L = {l}: {e} vs {want}");
    }
}

// ---------------------------------------------------------------- 4. kernels

#[test]
fn kernels_match_direct_sums_at_boundary_sizes() {
    let act = Link::parse("act", "h2+h4").unwrap();
    let ev = SeriesEval::new(act.series.coef());
    let mut r = rng(8);
    for &d in &[1usize, 7, 8, 9, 15, 16, 17] {
        for &m in &[1usize, 2, 9] {
            let mut w = vec![0.0; m * d];
            for row in w.chunks_exact_mut(d) {
                sphere(&mut r, row);
            }
            let mut x = vec![0.0; d];
            fill_normal(&mut r, &mut x);
            let a: Vec<f64> = (0..m).map(|i| 0.1 + 0.05 * i as f64).collect();
            let z: Vec<f64> = (0..m)
                .map(|i| (0..d).map(|t| w[i * d + t] * x[t]).sum())
                .collect();
            let y = 0.37;
            // Squared loss: r = Σ a σ(z) − y, s_i = a_i r σ'(z_i); a NaN sentinel past the end stays.
            let mut s = vec![f64::NAN; m + 1];
            let res = neuron_scalars(&ev, &a, &z, y, Loss::Squared, &mut s[..m]);
            let f: f64 = (0..m).map(|i| a[i] * act.series.value(z[i])).sum();
            assert!((res - (f - y)).abs() < 1e-13);
            for i in 0..m {
                assert!((s[i] - a[i] * (f - y) * act.series.deriv(z[i])).abs() < 1e-12);
            }
            assert!(s[m].is_nan());
            // Sphere step vs the formula (w − ηs(x − zw))/‖·‖.
            let xn2: f64 = x.iter().map(|v| v * v).sum();
            for i in 0..m {
                let es = 0.03 * s[i];
                let mut row = w[i * d..(i + 1) * d].to_vec();
                sphere_step(Isa::detect(), &mut row, &x, z[i], es, xn2);
                let raw: Vec<f64> = (0..d)
                    .map(|t| w[i * d + t] - es * (x[t] - z[i] * w[i * d + t]))
                    .collect();
                let n = raw.iter().map(|v| v * v).sum::<f64>().sqrt();
                for t in 0..d {
                    assert!((row[t] - raw[t] / n).abs() < 1e-13, "d {d} m {m}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------- 5. span vs full

#[test]
fn span_engine_has_the_law_of_the_full_engine() {
    let e = entry("span_vs_full");
    let s = run_serial(e.as_ref(), 5, &mut NullObserver).unwrap();
    // Rows: engine full (0), span (1); columns: median_T_sub, median_T_dir at 1, 2.
    for row in &s.table.rows {
        assert!(
            (1180.0..=1280.0).contains(&row[1]),
            "median T(s ≥ 0.3) = {}",
            row[1]
        );
        assert!(
            (1300.0..=1380.0).contains(&row[2]),
            "median T(μ ≥ 0.25) = {}",
            row[2]
        );
    }
    assert!(s.claims.iter().all(|c| c.pass), "{:?}", s.claims);
}

#[test]
fn random_basis_has_the_law_of_the_identity_basis() {
    let mut times = Vec::new();
    for basis in ["identity", "random"] {
        let mut e = entry("span_vs_full");
        e.set("engine", "full").unwrap();
        e.set("basis", basis).unwrap();
        e.set("replicas", "500").unwrap();
        let mut t = Vec::new();
        let streams = Streams::new(if basis == "identity" { 1 } else { 2 });
        for item in 0..e.items() {
            let r = e
                .run_item(item, &mut streams.stream(item as u64), &mut NullObserver)
                .unwrap();
            t.extend_from_slice(r.vector("t_sub"));
        }
        times.push(t);
    }
    let (d, p) = ks_two_sample(&times[0], &times[1]);
    assert!(p > 0.01, "KS D = {d}, p = {p}");
}

#[test]
fn span_invariants_hold_through_compressions() {
    let cfg = MultiIndexConfig {
        d: 300,
        p: 3,
        m: 6,
        ..MultiIndexConfig::default()
    };
    let mut r = rng(9);
    let mut e = SpanEngine::new(&cfg, &mut r).unwrap();
    let (eta, _) = cfg.step_sizes();
    let (m, p) = (cfg.m, cfg.p);
    for s in 1..=5000u64 {
        // Q before and after a compression agree (the basis change is orthogonal).
        if e.rows() + 1 > cfg.span_cap() {
            let mut q0 = vec![0.0; m * m];
            let mut m0 = vec![0.0; m * p];
            e.gram(&mut q0);
            e.overlaps(&mut m0);
            e.compress();
            let mut q1 = vec![0.0; m * m];
            let mut m1 = vec![0.0; m * p];
            e.gram(&mut q1);
            e.overlaps(&mut m1);
            assert!(
                max_diff(&q0, &q1) < 1e-12 && max_diff(&m0, &m1) == 0.0,
                "step {s}"
            );
        }
        e.step(s, eta * 50.0, true, &mut r).unwrap();
        assert!(
            e.norm_error() < 1e-12,
            "step {s}: norm error {}",
            e.norm_error()
        );
    }
    // Q = MᵀM + BᵀB is what gram() computes; its diagonal is 1.
    let mut q = vec![0.0; m * m];
    e.gram(&mut q);
    for i in 0..m {
        assert!((q[i * m + i] - 1.0).abs() < 1e-12);
    }
}

// ---------------------------------------------------------------- 6. initial overlaps

#[test]
fn initial_overlaps_have_the_uniform_law_in_every_engine() {
    let (d, p, m) = (60usize, 3usize, 8usize);
    for engine in ["span", "full"] {
        let mut cfg = MultiIndexConfig {
            d,
            p,
            m,
            ..MultiIndexConfig::default()
        };
        cfg.set("engine", engine).unwrap();
        let (mut m2, mut qs) = (Vec::new(), Vec::new());
        let streams = Streams::new(17);
        for k in 0..400 {
            let mut r = streams.stream(k);
            let e = build_engine(&cfg, Isa::detect(), &mut r).unwrap();
            let mut mo = vec![0.0; m * p];
            let mut q = vec![0.0; m * m];
            e.overlaps(&mut mo);
            e.gram(&mut q);
            m2.extend(mo.iter().map(|x| x * x));
            for i in 0..m {
                for j in i + 1..m {
                    qs.push(q[i * m + j]);
                }
            }
        }
        let (mean, se) = mean_se(&m2);
        assert!(
            (mean - 1.0 / d as f64).abs() < 4.0 * se,
            "{engine}: E M² = {mean} ± {se}"
        );
        let q2: Vec<f64> = qs.iter().map(|x| x * x).collect();
        let (vq, seq) = mean_se(&q2);
        assert!(
            (vq - 1.0 / d as f64).abs() < 4.0 * seq,
            "{engine}: Var Q = {vq} ± {seq}"
        );
    }
    // ODE init.
    let mut r = rng(2);
    let mut m2 = Vec::new();
    let mut mo = vec![0.0; p];
    for _ in 0..20_000 {
        initial_overlaps(&mut r, d, &mut mo).unwrap();
        m2.extend(mo.iter().map(|x| x * x));
    }
    let (mean, se) = mean_se(&m2);
    assert!(
        (mean - 1.0 / d as f64).abs() < 4.0 * se,
        "ODE: {mean} ± {se}"
    );
}

// ---------------------------------------------------------------- 7. ODE facts

#[test]
fn ode_claims_and_the_spec_table() {
    let e = entry("ode");
    let s = run_serial(e.as_ref(), 1, &mut NullObserver).unwrap();
    assert!(s.claims.iter().all(|c| c.pass), "{:?}", s.claims);
    // §7.2, q = 4: (d, P) → (t1, t2).
    let table = [
        (1e3, 2.0, 1.46, 0.04),
        (1e3, 4.0, 1.31, 0.13),
        (1e3, 8.0, 1.13, 0.30),
        (1e3, 16.0, 0.98, 0.58),
        (1e5, 2.0, 2.62, 0.05),
        (1e5, 4.0, 2.46, 0.13),
        (1e5, 8.0, 2.29, 0.29),
        (1e5, 16.0, 2.14, 0.57),
    ];
    for (d, p, t1, t2) in table {
        let row = s
            .table
            .rows
            .iter()
            .find(|r| r[0] == 4.0 && r[1] == d && r[2] == p)
            .unwrap();
        assert!(
            (row[3] / t1 - 1.0).abs() <= 0.10,
            "t1 at d {d} P {p}: {} vs {t1}",
            row[3]
        );
        // t2 within 10%, or within 0.01 where it is a few hundredths (P = 2).
        assert!(
            (row[4] - t2).abs() <= (0.10 * t2).max(0.01),
            "t2 at d {d} P {p}: {} vs {t2}",
            row[4]
        );
    }
}

#[test]
fn coverage_follows_the_coupon_collector_and_even_q_keeps_the_assignment() {
    assert!((coverage_probability(4, 8) - 0.623).abs() < 5e-4);
    assert!((coverage_probability(4, 16) - 0.960).abs() < 5e-4);
    assert!((coverage_probability(8, 32) - 0.891).abs() < 5e-4);
    assert!((coverage_probability(16, 64) - 0.765).abs() < 5e-4);
    let e = entry("coverage");
    let s = run_serial(e.as_ref(), 3, &mut NullObserver).unwrap();
    assert!(s.claims[0].pass, "{:?}", s.claims);
    // G5: the final assignment is argmax|M(0)| for ≥ 299/300 neurons.
    for row in &s.table.rows {
        assert!(row[4] >= 299.0 / 300.0, "assignment kept for {}", row[4]);
    }
}

#[test]
fn full_ode_conserves_the_sphere_and_matches_the_neuron_ode_for_small_a0() {
    let link = Link::h2_h4();
    let (p, m) = (3usize, 2usize);
    let weights = vec![1.0; p];
    let pop = Population {
        link: &link.series,
        act: &link.series,
        weights: &weights,
    };
    let mut r = rng(12);
    let mut mo = vec![0.0; m * p];
    for col in mo.chunks_exact_mut(p) {
        initial_overlaps(&mut r, 50, col).unwrap();
    }
    // Q from M plus orthogonal residuals of equal norm: build a consistent Q.
    let mut q = vec![0.0; m * m];
    for i in 0..m {
        q[i * m + i] = 1.0;
    }
    let mut x: Vec<f64> = mo.iter().copied().chain(q.iter().copied()).collect();
    let a0 = 1e-4;
    let mut full = FullOde::new(pop.clone(), vec![a0; m]);
    let mut single = NeuronOde::new(pop.clone(), a0);
    let mut y = mo.clone();
    let dt = 0.002 / a0;
    for _ in 0..1500 {
        full.step(&mut x, dt);
        for col in y.chunks_exact_mut(p) {
            single.step(col, dt);
        }
    }
    for i in 0..m {
        assert!((x[m * p + i * m + i] - 1.0).abs() < 1e-9, "Q_ii drifted");
    }
    // Interactions are O(a0² m) against an O(a0) signal.
    assert!(
        max_diff(&x[..m * p], &y) < 1e-3,
        "{:?} vs {:?}",
        &x[..m * p],
        y
    );
}

// ---------------------------------------------------------------- 8. ridge

#[test]
fn ridge_refit_closed_cases() {
    let link = Link::h2_h4();
    let p = 4;
    let weights = vec![1.0; p];
    let pop = Population {
        link: &link.series,
        act: &link.series,
        weights: &weights,
    };
    // 8 neurons at ±e_k: exact fit.
    let m = 8;
    let mut mo = vec![0.0; m * p];
    for i in 0..m {
        mo[i * p + i % p] = if i < p { 1.0 } else { -1.0 };
    }
    let mut q = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            q[i * m + j] = (0..p).map(|k| mo[i * p + k] * mo[j * p + k]).sum();
        }
    }
    let (_, loss) = pop.ridge_alloc(&mo, &q, m, 1e-8).unwrap();
    assert!(loss < 1e-10, "±e_k: {loss}");
    // Null loss ½ P Eφ² = 4.
    assert!((pop.loss(&mo, &q, &vec![0.0; m]) - 4.0).abs() < 1e-12);
    // 40 random in-subspace neurons fit f* without stage 2.
    let mut r = rng(31);
    for _ in 0..50 {
        let l = ridge_loss_in_subspace(&mut r, &link, p, 40, 1e-8).unwrap();
        assert!(l < 1e-6, "m = 40: {l}");
    }
}

#[test]
fn ridge_curve_means_match_the_spec() {
    let link = Link::h2_h4();
    let mut r = rng(41);
    for (m, want) in [(8usize, 1.70), (16, 0.99)] {
        let l: Vec<f64> = (0..200)
            .map(|_| ridge_loss_in_subspace(&mut r, &link, 4, m, 1e-8).unwrap())
            .collect();
        let (mean, se) = mean_se(&l);
        assert!(
            (mean - want).abs() < 4.0 * se,
            "m = {m}: {mean} ± {se} vs {want}"
        );
    }
}

// ---------------------------------------------------------------- 9–11. SGD against theory

#[test]
fn noise_floor_follows_the_step_size() {
    let mut e = entry("noise_floor");
    e.set("kappa2", "0.01,0.02").unwrap();
    let s = run_serial(e.as_ref(), 1, &mut NullObserver).unwrap();
    let floors: Vec<f64> = s.table.rows.iter().map(|r| r[7]).collect();
    for (k, f) in [0.01, 0.02].iter().zip(&floors) {
        assert!(
            (0.6 * 3.6 * k..=1.2 * 3.6 * k).contains(f),
            "κ = {k}: floor {f}"
        );
    }
    let ratio = floors[1] / floors[0];
    assert!((1.5..=2.5).contains(&ratio), "ratio {ratio}");
}

#[test]
fn squared_loss_with_small_a0_is_the_correlation_loss() {
    // Paired runs (common random numbers). Rows: (correlation, 0.01), (correlation, 0.3),
    // (squared, 0.01), (squared, 0.3); columns 2, 3 = median T_sub, T_dir.
    let e = entry("squared_vs_corr");
    let s = run_serial(e.as_ref(), 1, &mut NullObserver).unwrap();
    let row = |i: usize| &s.table.rows[i];
    // The correlation loss does not depend on a0 at a fixed effective step a0·η.
    assert_eq!(row(0)[2..4], row(1)[2..4]);
    for c in [2, 3] {
        let (corr, small) = (row(0)[c], row(2)[c]);
        assert!(
            (small / corr - 1.0).abs() <= 0.03,
            "a0 = 0.01, column {c}: {small} vs {corr}"
        );
    }
    // a0·m = 1.2: the network's own output eats the residual and slows the subspace search.
    let (corr, big) = (row(0)[2], row(3)[2]);
    assert!(big / corr >= 1.03, "a0 = 0.3: T_sub {big} vs {corr}");
}

// ---------------------------------------------------------------- 12. errors

#[test]
fn every_validation_rule_names_its_parameter() {
    let ok = MultiIndexConfig::default();
    ok.validate().unwrap();
    let name_of = |c: &MultiIndexConfig| match c.validate() {
        Err(Error::InvalidParameter { name, .. }) => name,
        Err(Error::UnknownName { name, .. }) => name,
        other => panic!("expected a named error, got {other:?}"),
    };
    type Breaker = Box<dyn Fn(&mut MultiIndexConfig)>;
    let cases: Vec<(&str, Breaker)> = vec![
        ("d", Box::new(|c| c.d = 2)),
        ("p", Box::new(|c| c.p = 0)),
        ("m", Box::new(|c| c.m = 0)),
        ("batch", Box::new(|c| c.batch = 0)),
        ("a0", Box::new(|c| c.a0 = -1.0)),
        ("kappa1", Box::new(|c| c.kappa1 = f64::NAN)),
        ("kappa2", Box::new(|c| c.kappa2 = 0.0)),
        ("eta", Box::new(|c| c.eta = f64::INFINITY)),
        ("s_switch", Box::new(|c| c.s_switch = 1.0)),
        ("theta_dir", Box::new(|c| c.theta_dir = 0.0)),
        ("noise_sd", Box::new(|c| c.noise_sd = -0.1)),
        ("ridge_lambda", Box::new(|c| c.ridge_lambda = 0.0)),
        ("ridge_n", Box::new(|c| c.ridge_n = 3)),
        ("steps", Box::new(|c| c.steps = 0)),
        (
            "act",
            Box::new(|c| c.act = Some(Link::parse("act", "-1h2+h4").unwrap())),
        ),
        (
            "act",
            Box::new(|c| c.act = Some(Link::parse("act", "h2-h4").unwrap())),
        ),
        (
            "act",
            Box::new(|c| c.act = Some(Link::parse("act", "h:3").unwrap())),
        ),
        (
            "d",
            Box::new(|c| {
                c.engine = EngineKind::Span;
                c.d = 20;
            }),
        ),
        (
            "engine for basis = random",
            Box::new(|c| {
                c.engine = EngineKind::Span;
                c.basis = Basis::Random;
            }),
        ),
        (
            "act",
            Box::new(|c| {
                c.label_transform = LabelTransform::CenteredSquare;
                c.act = Some(Link::parse("act", "h:4").unwrap());
            }),
        ),
    ];
    for (want, f) in cases {
        let mut c = ok.clone();
        f(&mut c);
        assert_eq!(name_of(&c), want, "{c:?}");
    }
    // Parsing errors name the key.
    let mut c = ok.clone();
    for (k, v) in [
        ("d", "abc"),
        ("link", "h2+x4"),
        ("loss", "hinge"),
        ("d", "-3"),
        ("m", "2.5"),
    ] {
        let e = c.set(k, v).unwrap_err();
        assert!(e.to_string().contains(k), "{k}={v}: {e}");
    }
    assert!(matches!(c.set("nope", "1"), Err(Error::UnknownName { .. })));
    // The spec's allow_repeller switch accepts a repelling activation.
    let mut c = ok.clone();
    c.act = Some(Link::parse("act", "-1h2+h4").unwrap());
    c.allow_repeller = true;
    c.validate().unwrap();
}

#[test]
fn huge_step_diverges_at_step_one_with_its_quantity() {
    for engine in ["full", "span"] {
        let mut cfg = MultiIndexConfig {
            d: 100,
            ..MultiIndexConfig::default()
        };
        cfg.set("engine", engine).unwrap();
        cfg.set("step_rule", "fixed").unwrap();
        cfg.set("eta", "1e300").unwrap();
        let mut r = rng(1);
        let mut e = build_engine(&cfg, Isa::detect(), &mut r).unwrap();
        let err = run_sgd(
            &cfg,
            e.as_mut(),
            &mut r,
            DriverOptions::default(),
            &mut NullObserver,
        )
        .unwrap_err();
        match err {
            Error::Diverged { step, quantity, .. } => {
                assert_eq!(step, 1, "{engine}");
                assert!(!quantity.is_empty());
            }
            other => panic!("{engine}: expected Diverged, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- 13. golden trajectories

fn trajectory_bits(engine: &str, threads: usize) -> Vec<u64> {
    // 200 steps of each of 4 items, the items run on `threads` threads.
    let mut cfg = MultiIndexConfig {
        d: 120,
        p: 3,
        m: 5,
        noise_sd: 0.1,
        ..MultiIndexConfig::default()
    };
    cfg.set("engine", engine).unwrap();
    cfg.steps = 200;
    cfg.stop_when_aligned = false;
    let streams = Streams::new(2026);
    let run = |item: u64| -> Vec<u64> {
        let mut r = streams.stream(item);
        let mut e = build_engine(&cfg, Isa::detect(), &mut r).unwrap();
        let out = run_sgd(
            &cfg,
            e.as_mut(),
            &mut r,
            DriverOptions::default(),
            &mut NullObserver,
        )
        .unwrap();
        out.m_final
            .iter()
            .chain(out.q_final.iter())
            .map(|x| x.to_bits())
            .collect()
    };
    let mut results: Vec<Vec<u64>> = vec![Vec::new(); 4];
    std::thread::scope(|s| {
        let chunks: Vec<Vec<usize>> = (0..threads)
            .map(|t| (0..4usize).filter(|i| i % threads == t).collect())
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| {
                s.spawn(move || {
                    c.into_iter()
                        .map(|i| (i, run(i as u64)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, bits) in h.join().unwrap() {
                results[i] = bits;
            }
        }
    });
    results.concat()
}

/// Value-breaking changes (any change of these hashes) go in the CHANGELOG.
const GOLDEN_FULL: u64 = 15_719_175_861_891_227_822;
const GOLDEN_SPAN: u64 = 14_579_340_138_421_477_853;

#[test]
fn golden_trajectories_are_bit_exact_on_one_and_two_threads() {
    for (engine, golden) in [("full", GOLDEN_FULL), ("span", GOLDEN_SPAN)] {
        let one = trajectory_bits(engine, 1);
        let two = trajectory_bits(engine, 2);
        assert_eq!(one, two, "{engine}: 1 vs 2 threads");
        assert_eq!(
            fnv(&one),
            golden,
            "{engine}: golden trajectory changed (value-breaking)"
        );
    }
}

// ---------------------------------------------------------------- helpers used above

#[test]
fn stats_helpers_agree_with_the_test_references() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(
        median(&[1.0, f64::INFINITY, f64::INFINITY, 2.0]),
        f64::INFINITY
    );
    let mut a: Vec<f64> = (0..300).map(|i| (i as f64 * 0.7).sin()).collect();
    let mut b: Vec<f64> = (0..200).map(|i| (i as f64 * 1.3).cos() * 0.9).collect();
    let p_core = ks_two_sample(&a, &b).1;
    let p_ref = tdlab_tests::ks_two_sample_p(&mut a, &mut b);
    assert!((p_core - p_ref).abs() < 1e-6, "{p_core} vs {p_ref}");
    let _ = HermiteSeries::single(2).unwrap();
}

#[test]
fn fast_full_ode_rhs_matches_the_direct_sums() {
    let link = Link::parse("link", "h2+0.7h4").unwrap();
    let act = Link::parse("act", "0.9h2+0.3h3+1.1h4").unwrap();
    for (p, m) in [(1usize, 1usize), (2, 3), (4, 9), (5, 17)] {
        let weights: Vec<f64> = (0..p).map(|k| 1.0 / (1.0 + k as f64)).collect();
        let pop = Population {
            link: &link.series,
            act: &act.series,
            weights: &weights,
        };
        let mut r = rng(50 + m as u64);
        let d = p + m + 3;
        let mut v = vec![0.0; p * d];
        tdlab::random::orthonormal_frame(&mut r, p, d, &mut v).unwrap();
        let mut w = vec![0.0; m * d];
        for row in w.chunks_exact_mut(d) {
            sphere(&mut r, row);
        }
        let dotp = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        let mut x = vec![0.0; m * p + m * m];
        for i in 0..m {
            for k in 0..p {
                x[i * p + k] = dotp(&v[k * d..(k + 1) * d], &w[i * d..(i + 1) * d]);
            }
            for j in 0..m {
                x[m * p + i * m + j] = dotp(&w[i * d..(i + 1) * d], &w[j * d..(j + 1) * d]);
            }
        }
        let a: Vec<f64> = (0..m).map(|i| 0.3 - 0.07 * i as f64).collect();
        let mut ode = FullOde::new(pop, a);
        let mut fast = vec![f64::NAN; x.len()];
        let mut slow = vec![f64::NAN; x.len()];
        ode.rhs(&x, &mut fast);
        ode.rhs_reference(&x, &mut slow);
        let scale = slow.iter().fold(1.0f64, |s, v| s.max(v.abs()));
        assert!(max_diff(&fast, &slow) <= 1e-12 * scale, "P {p} m {m}");
    }
}

#[test]
fn grassmann_distance_closed_cases() {
    use tdlab::multi_index::metrics::grassmann_distance;
    // P = 2, m = 3: neuron 0 = cos a e1 + sin a e3, neuron 1 = cos b e2 + sin b e4, neuron 2 far
    // outside (s = 0.01). Principal angles a and b: distance √(a² + b²).
    let (a, b) = (0.3f64, 0.7f64);
    let p = 2;
    let m = 3;
    let m_ov = vec![a.cos(), 0.0, 0.0, b.cos(), 0.1, 0.0];
    let w = [
        [a.cos(), 0.0, a.sin(), 0.0, 0.0],
        [0.0, b.cos(), 0.0, b.sin(), 0.0],
        [0.1, 0.0, 0.0, 0.0, (1.0f64 - 0.01).sqrt()],
    ];
    let mut q = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            q[i * m + j] = (0..5).map(|t| w[i][t] * w[j][t]).sum();
        }
    }
    let d = grassmann_distance(&m_ov, &q, p, m);
    assert!((d - (a * a + b * b).sqrt()).abs() < 1e-12, "{d}");
    // Neurons at ±e_k: 0 (sign and order do not matter).
    let m_ov = vec![0.0, -1.0, 1.0, 0.0];
    let q = vec![1.0, 0.0, 0.0, 1.0];
    assert!(grassmann_distance(&m_ov, &q, 2, 2).abs() < 1e-7);
    // Fewer neurons than directions: undefined.
    assert!(grassmann_distance(&[1.0, 0.0], &[1.0], 2, 1).is_nan());
}
