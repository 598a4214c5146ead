//! Hot kernels and samplers allocate nothing: a counting global allocator proves it.
#![allow(unsafe_code)] // implementing GlobalAlloc requires `unsafe impl`; this test file only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use tdlab::linalg::{self as la, Isa, Trans};
use tdlab::random::{self as rnd, AliasTable, ChiSquared, Gamma};
use tdlab::special::{h_all, h_batch, series_and_deriv};
use tdlab_tests::{data, rng};

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: forwards to the system allocator; only counts calls on the current thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCS.with(|c| c.get());
    f();
    ALLOCS.with(|c| c.get()) - before
}

#[test]
fn counter_sees_allocations() {
    // The counter itself works (guards against a test that cannot fail).
    assert!(allocations_in(|| drop(std::hint::black_box(vec![1u8; 10]))) >= 1);
}

#[test]
fn linalg_kernels_allocate_nothing() {
    let mut r = rng(1);
    let (m, n, k) = (17, 33, 20);
    let a = data(&mut r, m * k);
    let b = data(&mut r, k * n);
    let bt = data(&mut r, n * k);
    let x = data(&mut r, n);
    let xm = data(&mut r, m);
    let mut c = vec![0.0; m * n];
    let mut y = vec![0.0; m];
    let mut yn = vec![0.0; n];
    let mut g = vec![0.0; m * m];
    let mut sym = vec![0.0; 16];
    for i in 0..4 {
        sym[i * 4 + i] = 2.0 + i as f64;
        if i > 0 {
            sym[i * 4 + i - 1] = 0.5;
            sym[(i - 1) * 4 + i] = 0.5;
        }
    }
    let mut vals = vec![0.0; 4];
    let mut vecs = vec![0.0; 16];
    let mut work = vec![0.0; m * n + m];
    let mut sv = vec![0.0; m];
    let mut hh = vec![0.0; m];
    let mut qr_r = vec![0.0; 9];
    let mut tall = data(&mut r, 12);
    for isa in Isa::all_supported() {
        let count = allocations_in(|| {
            let _ = la::dot(isa, &x, &x) + la::nrm2(isa, &x);
            la::axpy(isa, 0.5, &x, &mut yn);
            la::scal(isa, 0.5, &mut yn);
            la::gemv(isa, m, n, 1.0, &c, &x, 0.0, &mut y).unwrap();
            la::gemv_t(isa, m, n, 1.0, &c, &xm, 0.0, &mut yn).unwrap();
            la::ger(isa, m, n, 1.0, &xm, &x, &mut c).unwrap();
            la::gemm(isa, Trans::No, Trans::No, m, n, k, 1.0, &a, &b, 0.0, &mut c).unwrap();
            la::gemm(
                isa,
                Trans::No,
                Trans::Yes,
                m,
                n,
                k,
                1.0,
                &a,
                &bt,
                0.5,
                &mut c,
            )
            .unwrap();
            la::gram(isa, m, n, &c, &mut g).unwrap();
        });
        assert_eq!(count, 0, "{isa:?}");
    }
    let count = allocations_in(|| {
        let mut s = [0.0; 16];
        s.copy_from_slice(&sym);
        la::sym_eigen(&mut s, 4, &mut vals, &mut vecs).unwrap();
        la::singular_values(&c, m, n, &mut work[..m * n], &mut sv).unwrap();
        la::householder_r(&mut c, m, n, &mut hh).unwrap();
        la::qr_mgs(&mut tall, 4, 3, &mut qr_r).unwrap();
        la::solve_spd(&mut sym, 4, &mut vals).unwrap();
    });
    assert_eq!(count, 0);
}

#[test]
fn samplers_and_hermite_allocate_nothing() {
    let mut r = rng(2);
    let table = AliasTable::new(&[1.0, 2.0, 3.0]).unwrap();
    let gamma = Gamma::new(0.7, 1.0).unwrap();
    let chi = ChiSquared::new(200.0).unwrap();
    let mut buf = vec![0.0; 1000];
    let mut frame = vec![0.0; 3 * 10];
    let mut h = vec![0.0; 20];
    let mut hb = vec![0.0; 20 * 50];
    let mut dir = vec![0.0; 3];
    let count = allocations_in(|| {
        rnd::fill_normal(&mut r, &mut buf);
        rnd::sphere(&mut r, &mut buf);
        rnd::orthonormal_frame(&mut r, 3, 10, &mut frame).unwrap();
        for _ in 0..100 {
            let _ = table.sample(&mut r) as f64 + gamma.sample(&mut r) + chi.sample(&mut r);
        }
        rnd::dirichlet(&mut r, &[0.5, 1.0, 2.0], &mut dir).unwrap();
        h_all(1.3, &mut h);
        h_batch(&buf[..50], &mut hb);
        let _ = series_and_deriv(&[0.0, 0.0, 1.0, 0.0, 1.0], 0.7);
    });
    assert_eq!(count, 0);
}

#[test]
fn multi_index_steps_allocate_nothing() {
    use tdlab::multi_index::{EngineKind, MultiIndexConfig, build_engine};
    for (engine, batch) in [
        (EngineKind::Full, 1),
        (EngineKind::Full, 3),
        (EngineKind::Span, 1),
        (EngineKind::Span, 3),
    ] {
        let cfg = MultiIndexConfig {
            d: 200,
            p: 4,
            m: 9,
            batch,
            engine,
            ..MultiIndexConfig::default()
        };
        let mut r = rng(5);
        let mut e = build_engine(&cfg, Isa::detect(), &mut r).unwrap();
        let (eta, _) = cfg.step_sizes();
        let mut mo = vec![0.0; cfg.m * cfg.p];
        // Warm up past the span engine's first compression, then count 3 000 steps
        // (several compressions and exact renormalisations).
        for s in 1..=100 {
            e.step(s, eta, true, &mut r).unwrap();
        }
        let n = allocations_in(|| {
            for s in 101..=3100 {
                e.step(s, eta, true, &mut r).unwrap();
                e.overlaps(&mut mo);
            }
        });
        assert_eq!(
            n, 0,
            "{engine:?} batch {batch}: {n} allocations in 3 000 steps"
        );
    }
}

#[test]
fn scb_steps_allocate_nothing() {
    use tdlab::run::NullObserver;
    use tdlab::scb::*;
    let tk = ScbTask::random(&quick_task(), &mut rng(3)).unwrap();
    let sampler = Sampler::new(&tk).unwrap();
    // Stage-1 steps directly.
    let mut m = LinModel::scratch(&tk);
    let mut batch = Batch::new(64, tk.t);
    let mut ws = grad::Workspace::new(tk.n, tk.t);
    let mut r = rng(4);
    let n = allocations_in(|| {
        for s in 1..=50 {
            stage1_step(
                &tk,
                &sampler,
                0.1,
                VProj::ColSumMu,
                &mut m,
                &mut batch,
                &mut ws,
                &mut r,
                s,
            )
            .unwrap();
        }
    });
    assert_eq!(n, 0, "stage 1: {n} allocations in 50 steps");
    // Whole runs: the allocation count (setup and final metrics) must not grow with the steps.
    // Each run gets a fresh model, trace and logger; only the run itself is counted.
    let counted = |run: &mut dyn FnMut(&mut LinModel, &mut Logger<'_>)| {
        let mut tr = Trace::default();
        tr.rows.reserve(16);
        let mut obs = NullObserver;
        let mut m = LinModel::scratch(&tk);
        allocations_in(|| {
            let mut lg = Logger {
                observer: &mut obs,
                trace: &mut tr,
                every: 1_000_000,
                samples_offset: 0,
                arm: 0.0,
            };
            run(&mut m, &mut lg);
        })
    };
    let count = |k: usize| {
        let mut r = rng(5);
        let pppd = PppdConfig {
            k1: 3,
            k2: k,
            b1: 32,
            b2: 32,
            ..PppdConfig::quick()
        };
        // With an estimated μ too (its counts and view are built once per run).
        let estimated = PppdConfig {
            mu_source: MuSource::Estimated { smoothing: 1.0 },
            ..pppd
        };
        [
            counted(&mut |m, lg| {
                run_pppd(&tk, &sampler, &pppd, m, &mut r, lg).unwrap();
            }),
            counted(&mut |m, lg| {
                run_pppd(&tk, &sampler, &estimated, m, &mut r, lg).unwrap();
            }),
            counted(&mut |m, lg| {
                run_sgd(&tk, &sampler, 0.25, 32, k, m, &mut r, lg).unwrap();
            }),
            counted(&mut |_, lg| {
                run_softmax(&tk, &sampler, 0.5, 20.0, 32, k, &mut r, lg).unwrap();
            }),
        ]
    };
    assert_eq!(
        count(5),
        count(200),
        "allocations grow with the number of steps"
    );
}
