//! Every registered experiment builds and validates on both presets, lists its parameters, and
//! rejects unknown keys with a named error; every listed parameter can be set to its own value.

use tdlab::Error;
use tdlab::run::Preset;

#[test]
fn every_experiment_validates_on_both_presets() {
    let mut all = tdlab::multi_index::experiments();
    all.extend(tdlab::scb::experiments());
    assert!(all.len() >= 21);
    for e in &all {
        for preset in [Preset::Quick, Preset::Full] {
            let mut exp = (e.make)(preset);
            assert_eq!(exp.module(), e.module);
            assert_eq!(exp.name(), e.name, "entry name and experiment name agree");
            exp.validate()
                .unwrap_or_else(|err| panic!("{}/{} {preset:?}: {err}", e.module, e.name));
            assert!(exp.items() >= 1);
            let params = exp.params();
            assert!(!params.is_empty());
            // Round trip: setting every parameter to its printed value is accepted and changes nothing.
            for p in &params {
                if p.value == "auto" || p.value == "none" || p.value == "link" {
                    continue;
                }
                exp.set(p.name, &p.value).unwrap_or_else(|err| {
                    panic!("{}/{} set {}={}: {err}", e.module, e.name, p.name, p.value)
                });
            }
            assert_eq!(
                exp.params(),
                params,
                "{}/{}: round trip changed the parameters",
                e.module,
                e.name
            );
            assert!(matches!(
                exp.set("no_such_key", "1"),
                Err(Error::UnknownName { .. })
            ));
        }
    }
}
