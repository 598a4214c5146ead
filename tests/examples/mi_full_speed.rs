use std::time::Instant;
use tdlab::linalg::Isa;
use tdlab::multi_index::*;
use tdlab::random::Streams;
fn main() {
    let cfg = MultiIndexConfig {
        d: 1000,
        p: 4,
        m: 16,
        engine: EngineKind::Full,
        ..MultiIndexConfig::default()
    };
    let mut rng = Streams::new(1).stream(0);
    let mut e = build_engine(&cfg, Isa::detect(), &mut rng).unwrap();
    let (eta, _) = cfg.step_sizes();
    let n = 1_000_000;
    let t = Instant::now();
    for s in 1..=n {
        e.step(s, eta, true, &mut rng).unwrap();
    }
    println!("{:.3} µs/step", t.elapsed().as_secs_f64() / n as f64 * 1e6);
}
