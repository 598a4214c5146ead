use crate::Error;

/// When to log: every `k` steps, or geometrically (a fixed number of points per decade).
///
/// Runs keep `next = schedule.next_after(step)` and compare, so the per-step cost is one
/// integer comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LogSchedule {
    /// Steps 0, k, 2k, …
    Every(u64),
    /// Step 0 and the distinct values of ⌈10^{j/n}⌉, j = 0, 1, … (n points per decade).
    Geometric {
        /// Points per decade, ≥ 1.
        per_decade: u32,
    },
}

impl LogSchedule {
    /// Checks the schedule's parameter.
    pub fn validate(&self) -> Result<(), Error> {
        match *self {
            LogSchedule::Every(0) => Err(Error::invalid("log_every", 0.0, "≥ 1")),
            LogSchedule::Geometric { per_decade: 0 } => {
                Err(Error::invalid("log_per_decade", 0.0, "≥ 1"))
            }
            _ => Ok(()),
        }
    }

    /// The first logged step strictly after `step`.
    pub fn next_after(&self, step: u64) -> u64 {
        match *self {
            LogSchedule::Every(k) => {
                let k = k.max(1);
                (step / k + 1).saturating_mul(k)
            }
            LogSchedule::Geometric { per_decade } => {
                let n = f64::from(per_decade.max(1));
                // j such that 10^{j/n} > step, then ceil; step by one j until strictly larger.
                let mut j = if step == 0 {
                    0.0
                } else {
                    libm::floor(libm::log10(step as f64) * n)
                };
                loop {
                    let t = libm::ceil(libm::pow(10.0, j / n));
                    if t >= 1.8e19 {
                        return u64::MAX;
                    }
                    let t = t as u64;
                    if t > step {
                        return t;
                    }
                    j += 1.0;
                }
            }
        }
    }

    /// Whether `step` is a logged step (step 0 always is).
    pub fn contains(&self, step: u64) -> bool {
        step == 0 || self.next_after(step - 1) == step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_k_hits_multiples() {
        let s = LogSchedule::Every(5);
        assert_eq!(s.next_after(0), 5);
        assert_eq!(s.next_after(4), 5);
        assert_eq!(s.next_after(5), 10);
        assert!(s.contains(0) && s.contains(10) && !s.contains(11));
    }

    #[test]
    fn geometric_is_increasing_with_n_per_decade() {
        let s = LogSchedule::Geometric { per_decade: 4 };
        let mut step = 0;
        let mut count_in_decade = 0;
        while step < 1_000_000 {
            let n = s.next_after(step);
            assert!(n > step);
            if (1000..10000).contains(&n) {
                count_in_decade += 1;
            }
            step = n;
        }
        assert_eq!(count_in_decade, 4);
        // Saturates instead of wrapping.
        assert_eq!(s.next_after(u64::MAX - 1), u64::MAX);
    }

    #[test]
    fn zero_parameters_are_named() {
        assert!(LogSchedule::Every(0).validate().is_err());
        assert!(LogSchedule::Geometric { per_decade: 0 }.validate().is_err());
    }
}
