//! Criterion benches of the foundation kernels (throughput set per workload).
//! Run: `cargo bench -p tdlab-benches --bench kernels`.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tdlab::linalg::Isa;
use tdlab_benches::{Work, kernel_workloads};

fn kernels(c: &mut Criterion) {
    let isa = Isa::detect();
    for mut w in kernel_workloads(isa) {
        let mut group = c.benchmark_group(w.group);
        match w.work {
            Work::Samples(n) | Work::Values(n) | Work::Steps(n) => {
                group.throughput(Throughput::Elements(n))
            }
            Work::Flops(f) => group.throughput(Throughput::Elements(f as u64)),
        };
        group.bench_function(format!("{}/{}", w.size, isa.name()), |b| b.iter(&mut w.run));
        group.finish();
    }
}

criterion_group!(benches, kernels);
criterion_main!(benches);
