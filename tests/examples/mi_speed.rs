use std::time::Instant;
use tdlab::linalg::Isa;
use tdlab::multi_index::*;
use tdlab::random::Streams;
fn main() {
    for (eng, d, p, m) in [
        ("span", 400usize, 4usize, 16usize),
        ("span", 400, 4, 8),
        ("span", 10000, 16, 64),
        ("full", 1000, 4, 16),
    ] {
        let mut cfg = MultiIndexConfig {
            d,
            p,
            m,
            ..MultiIndexConfig::default()
        };
        cfg.set("engine", eng).unwrap();
        let mut rng = Streams::new(1).stream(0);
        let mut e = build_engine(&cfg, Isa::detect(), &mut rng).unwrap();
        let (eta, _) = cfg.step_sizes();
        let n = if eng == "full" { 200_000 } else { 1_000_000 };
        let t = Instant::now();
        for s in 1..=n {
            e.step(s, eta, true, &mut rng).unwrap();
        }
        let el = t.elapsed().as_secs_f64();
        println!(
            "{eng} d={d} P={p} m={m}: {:.3} µs/step",
            el / n as f64 * 1e6
        );
    }
}
