//! Reproducible per-work-item streams.

use rand_core::SeedableRng;

/// tdlab's generator: Xoshiro256++ (period $2^{256}-1$, jump-ahead by $2^{128}$ and $2^{192}$).
pub type Rng = rand_xoshiro::Xoshiro256PlusPlus;

/// A family of independent streams derived from one master seed.
///
/// Stream `i` is the master generator advanced by $i\cdot2^{128}$ steps (`i` jumps), group `g`
/// by $g\cdot2^{192}$ (`g` long jumps), so two streams overlap only after $2^{128}$ draws. A work item (replica, sweep point) always gets the same stream
/// from its index, whichever thread runs it: that is what makes runs bit-identical for any
/// thread count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Streams {
    base: Rng,
}

impl Streams {
    /// The family for a master seed (expanded by SplitMix64, so nearby seeds are unrelated).
    pub fn new(seed: u64) -> Self {
        Streams {
            base: Rng::seed_from_u64(seed),
        }
    }

    /// The stream of work item `index`: the master advanced by `index` jumps of $2^{128}$.
    pub fn stream(&self, index: u64) -> Rng {
        let mut r = self.base.clone();
        if index > 0 {
            r.jump_ce(index, 128);
        }
        r
    }

    /// A sub-family for group `group` (e.g. a sweep point whose replicas take `stream(i)`):
    /// the master advanced by `group` long jumps of $2^{192}$.
    pub fn group(&self, group: u64) -> Streams {
        let mut r = self.base.clone();
        if group > 0 {
            r.jump_ce(group, 192);
        }
        Streams { base: r }
    }
}
