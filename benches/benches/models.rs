//! Criterion benches of one step of each model engine (the paper issues' speed targets).
//! Run: `cargo bench -p tdlab-benches --bench models`.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tdlab::linalg::Isa;
use tdlab_benches::{Work, model_workloads};

fn models(c: &mut Criterion) {
    let isa = Isa::detect();
    for mut w in model_workloads(isa) {
        let mut group = c.benchmark_group(w.group);
        if let Work::Steps(n) = w.work {
            group.throughput(Throughput::Elements(n));
        }
        group.bench_function(format!("{}/{}", w.size, isa.name()), |b| b.iter(&mut w.run));
        group.finish();
    }
}

criterion_group!(benches, models);
criterion_main!(benches);
