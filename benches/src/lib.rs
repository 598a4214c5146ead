//! The kernel workloads measured by both the criterion benches (`cargo bench -p tdlab-benches`)
//! and `tdlab bench kernels`: one list, so the two always measure the same thing.

use rand_core::SeedableRng;
use std::hint::black_box;
use tdlab::linalg::{self as la, Isa, Trans};
use tdlab::random::{self as rnd, Rng};
use tdlab::special::h_batch;

/// What one call of a workload does, for throughput figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Work {
    /// Random samples (reported as ns/sample).
    Samples(u64),
    /// Floating-point operations (reported as GFLOP/s).
    Flops(f64),
    /// Evaluated values (reported as ns/value).
    Values(u64),
    /// Model steps (reported as µs/step).
    Steps(u64),
}

/// A named, self-contained benchmark body.
pub struct Workload {
    /// Group, e.g. `"dot"`.
    pub group: &'static str,
    /// Size label, e.g. `"4096"`.
    pub size: String,
    /// Work per call.
    pub work: Work,
    /// One call.
    pub run: Box<dyn FnMut()>,
}

fn filled(r: &mut Rng, n: usize) -> Vec<f64> {
    let mut v = vec![0.0; n];
    rnd::fill_normal(r, &mut v);
    v
}

/// Every kernel workload at the sizes of the foundation issue, on the given ISA.
pub fn kernel_workloads(isa: Isa) -> Vec<Workload> {
    let mut r = Rng::seed_from_u64(1);
    let mut out = Vec::new();
    {
        let mut rng = Rng::seed_from_u64(2);
        let mut buf = vec![0.0; 4096];
        out.push(Workload {
            group: "normal_fill",
            size: "4096".into(),
            work: Work::Samples(4096),
            run: Box::new(move || {
                rnd::fill_normal(&mut rng, &mut buf);
                black_box(&buf);
            }),
        });
    }
    {
        let mut rng = Rng::seed_from_u64(3);
        let mut buf = vec![0.0; 1000];
        out.push(Workload {
            group: "sphere",
            size: "d=1000".into(),
            work: Work::Samples(1000),
            run: Box::new(move || {
                rnd::sphere(&mut rng, &mut buf);
                black_box(&buf);
            }),
        });
    }
    for n in [1024usize, 4096] {
        let x = filled(&mut r, n);
        let y = filled(&mut r, n);
        out.push(Workload {
            group: "dot",
            size: n.to_string(),
            work: Work::Flops(2.0 * n as f64),
            run: Box::new(move || {
                black_box(la::dot(isa, black_box(&x), black_box(&y)));
            }),
        });
    }
    for m in [8usize, 32] {
        let n = 1024;
        let a = filled(&mut r, m * n);
        let x = filled(&mut r, n);
        let mut y = vec![0.0; m];
        out.push(Workload {
            group: "gemv",
            size: format!("{m}x{n}"),
            work: Work::Flops(2.0 * (m * n) as f64),
            run: Box::new(move || {
                la::gemv(isa, m, n, 1.0, black_box(&a), black_box(&x), 0.0, &mut y).unwrap();
                black_box(&y);
            }),
        });
    }
    for n in [8usize, 16, 32, 64, 128, 256] {
        let a = filled(&mut r, n * n);
        let b = filled(&mut r, n * n);
        let mut c = vec![0.0; n * n];
        out.push(Workload {
            group: "gemm",
            size: n.to_string(),
            work: Work::Flops(2.0 * (n * n * n) as f64),
            run: Box::new(move || {
                la::gemm(
                    isa,
                    Trans::No,
                    Trans::No,
                    n,
                    n,
                    n,
                    1.0,
                    black_box(&a),
                    black_box(&b),
                    0.0,
                    &mut c,
                )
                .unwrap();
                black_box(&c);
            }),
        });
    }
    {
        let xs = filled(&mut r, 1024);
        let mut out_h = vec![0.0; 9 * 1024];
        out.push(Workload {
            group: "hermite_batch",
            size: "K=8,n=1024".into(),
            work: Work::Values(9 * 1024),
            run: Box::new(move || {
                h_batch(black_box(&xs), &mut out_h);
                black_box(&out_h);
            }),
        });
    }
    for n in [16usize, 64] {
        let b = filled(&mut r, n * n);
        let mut sym = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                sym[i * n + j] = 0.5 * (b[i * n + j] + b[j * n + i]);
            }
        }
        let mut a = sym.clone();
        let mut vals = vec![0.0; n];
        let mut vecs = vec![0.0; n * n];
        out.push(Workload {
            group: "jacobi_eigen",
            size: n.to_string(),
            work: Work::Values(1),
            run: Box::new(move || {
                a.copy_from_slice(&sym);
                la::sym_eigen(&mut a, n, &mut vals, &mut vecs).unwrap();
                black_box(&vals);
            }),
        });
    }
    out
}

fn scb_workloads(out: &mut Vec<Workload>) {
    use tdlab::scb::{
        Batch, LinModel, PppdConfig, Sampler, ScbTask, TaskConfig, grad::Workspace, quick_task,
        stage2_step,
    };
    for (group, cfg, b) in [
        ("scb_pppd_step", quick_task(), 256usize),
        (
            "scb_pppd_step",
            TaskConfig {
                n: 64,
                t: 1024,
                q: 3,
                ..quick_task()
            },
            64,
        ),
    ] {
        let task = ScbTask::random(&cfg, &mut Rng::seed_from_u64(9)).expect("valid task");
        let sampler = Sampler::new(&task).expect("valid task");
        let pppd = PppdConfig {
            b2: b,
            ..PppdConfig::quick()
        };
        let mut model = LinModel::scratch(&task);
        // Start inside stage 2: V halfway to P.
        for (v, p) in model.v.iter_mut().zip(&task.p) {
            *v = 0.5 * (*v + p);
        }
        let mut batch = Batch::new(b, cfg.t);
        let mut ws = Workspace::new(cfg.n, cfg.t);
        let mut rng = Rng::seed_from_u64(10);
        let mut step = 0;
        out.push(Workload {
            group,
            size: format!("N{} T{} B{b}", cfg.n, cfg.t),
            work: Work::Steps(1),
            run: Box::new(move || {
                step += 1;
                // Past 10⁴ steps the run may leave its basin; restart so every call is a step.
                if step % 10_000 == 0 {
                    model = LinModel::scratch(&task);
                }
                let r = stage2_step(
                    &task, &sampler, &pppd, 0.1, 0.3, 1e-3, &mut model, &mut batch, &mut ws,
                    &mut rng, step,
                );
                black_box(r.is_ok());
            }),
        });
    }
    for (cfg, b) in [
        (quick_task(), 64usize),
        (
            TaskConfig {
                n: 64,
                t: 1024,
                q: 3,
                ..quick_task()
            },
            64,
        ),
    ] {
        let task = ScbTask::random(&cfg, &mut Rng::seed_from_u64(11)).expect("valid task");
        let sampler = Sampler::new(&task).expect("valid task");
        let mut model = LinModel::scratch(&task);
        let mut batch = Batch::new(b, cfg.t);
        let mut ws = Workspace::new(cfg.n, cfg.t);
        let mut rng = Rng::seed_from_u64(12);
        out.push(Workload {
            group: "scb_sgd_step",
            size: format!("N{} T{} B{b}", cfg.n, cfg.t),
            work: Work::Steps(1),
            run: Box::new(move || {
                sampler.fill(&mut rng, &mut batch);
                tdlab::scb::grad::accumulate_linear(
                    cfg.n, cfg.t, &model.v, &model.a, &batch, &mut ws, true,
                );
                for (x, g) in model.v.iter_mut().zip(&ws.gv) {
                    *x -= 1e-3 * g;
                }
                for (x, g) in model.a.iter_mut().zip(&ws.ga) {
                    *x -= 1e-3 * g;
                }
                black_box(&model);
            }),
        });
    }
    {
        let cfg = TaskConfig {
            n: 64,
            t: 1024,
            q: 3,
            ..quick_task()
        };
        let task = ScbTask::random(&cfg, &mut Rng::seed_from_u64(13)).expect("valid task");
        let sampler = Sampler::new(&task).expect("valid task");
        let mut batch = Batch::new(64, cfg.t);
        let mut rng = Rng::seed_from_u64(14);
        out.push(Workload {
            group: "scb_sampler",
            size: "T1024 B64 (tokens)".into(),
            work: Work::Samples(64 * 1026),
            run: Box::new(move || {
                sampler.fill(&mut rng, &mut batch);
                black_box(&batch);
            }),
        });
    }
}

/// One step of each model engine at the sizes of the paper issues.
pub fn model_workloads(isa: Isa) -> Vec<Workload> {
    use tdlab::multi_index::{EngineKind, FullOde, MultiIndexConfig, Population, build_engine};
    let mut out = Vec::new();
    for (group, engine, d, p, m) in [
        ("mi_full_step", EngineKind::Full, 1000usize, 4usize, 16usize),
        ("mi_span_step", EngineKind::Span, 1000, 4, 16),
        ("mi_span_step", EngineKind::Span, 1000, 4, 8),
        ("mi_span_step", EngineKind::Span, 100_000, 16, 64),
    ] {
        let cfg = MultiIndexConfig {
            d,
            p,
            m,
            engine,
            ..MultiIndexConfig::default()
        };
        let mut rng = Rng::seed_from_u64(7);
        let mut e = build_engine(&cfg, isa, &mut rng).expect("valid bench config");
        let (eta, _) = cfg.step_sizes();
        let mut step = 0u64;
        out.push(Workload {
            group,
            size: format!("d{d} P{p} m{m}"),
            work: Work::Steps(1),
            run: Box::new(move || {
                step += 1;
                e.step(step, eta, true, &mut rng).expect("bench step");
                black_box(&e);
            }),
        });
    }
    {
        let (p, m) = (16usize, 64usize);
        let cfg = MultiIndexConfig {
            d: 10_000,
            p,
            m,
            ..MultiIndexConfig::default()
        };
        let mut rng = Rng::seed_from_u64(8);
        let e = build_engine(&cfg, isa, &mut rng).expect("valid bench config");
        let mut x = vec![0.0; m * p + m * m];
        e.overlaps(&mut x[..m * p]);
        e.gram(&mut x[m * p..]);
        // The flow borrows its functions: leak them once so the workload can own the flow.
        let link: &'static _ = Box::leak(Box::new(cfg.link.series.clone()));
        let weights: &'static [f64] = Box::leak(vec![1.0; p].into_boxed_slice());
        let pop = Population {
            link,
            act: link,
            weights,
        };
        let mut ode = FullOde::new(pop, vec![0.01; m]);
        let mut ode_state = x;
        out.push(Workload {
            group: "mi_ode_rk4",
            size: format!("P{p} m{m}"),
            work: Work::Steps(1),
            run: Box::new(move || {
                ode.step(&mut ode_state, 1e-3);
                black_box(&ode_state);
            }),
        });
    }
    scb_workloads(&mut out);
    out
}
