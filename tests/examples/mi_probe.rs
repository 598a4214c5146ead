use std::time::Instant;
use tdlab::run::{Experiment, NullObserver, Preset, run_serial};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = &args[1];
    let entry = tdlab::multi_index::experiments()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap();
    let mut e: Box<dyn Experiment> = (entry.make)(Preset::Quick);
    for kv in &args[2..] {
        let (k, v) = kv.split_once('=').unwrap();
        e.set(k, v).unwrap();
    }
    let t = Instant::now();
    let s = run_serial(e.as_ref(), 1, &mut NullObserver).unwrap();
    println!("{:?}", s.table.columns);
    for r in &s.table.rows {
        println!("{:?}", r);
    }
    for c in &s.claims {
        println!(
            "{} {} | {} | {} | {}",
            c.id, c.claim, c.measured, c.expected, c.pass
        );
    }
    for n in &s.notes {
        println!("{n}");
    }
    println!("time {:?}", t.elapsed());
}
