use crate::Error;

/// When a run stops: after `max_steps`, or earlier once a monitored quantity reaches a
/// threshold (checked by the model at its logged steps).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StopRule {
    /// Hard horizon, ≥ 1.
    pub max_steps: u64,
    /// Optional early stop: `(quantity, threshold)`, stop once `quantity ≥ threshold`.
    pub at_least: Option<(&'static str, f64)>,
}

impl StopRule {
    /// Stop after `max_steps` steps.
    pub fn steps(max_steps: u64) -> Self {
        StopRule {
            max_steps,
            at_least: None,
        }
    }

    /// Also stop once `quantity ≥ threshold`.
    pub fn or_when_at_least(mut self, quantity: &'static str, threshold: f64) -> Self {
        self.at_least = Some((quantity, threshold));
        self
    }

    /// Checks the horizon and threshold.
    pub fn validate(&self) -> Result<(), Error> {
        if self.max_steps == 0 {
            return Err(Error::invalid("steps", 0.0, "≥ 1"));
        }
        if let Some((_, t)) = self.at_least
            && !t.is_finite()
        {
            return Err(Error::invalid("stop threshold", t, "finite"));
        }
        Ok(())
    }

    /// Whether to stop at `step`, given a lookup of the monitored quantity.
    pub fn should_stop(&self, step: u64, value_of: impl Fn(&str) -> Option<f64>) -> bool {
        if step >= self.max_steps {
            return true;
        }
        match self.at_least {
            Some((q, t)) => value_of(q).is_some_and(|v| v >= t),
            None => false,
        }
    }
}

/// Turns a non-finite or out-of-bound value into [`Error::Diverged`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DivergenceGuard {
    /// Values with `|v| > bound` count as diverged (use `f64::INFINITY` for finiteness only).
    pub bound: f64,
}

impl DivergenceGuard {
    /// Only non-finite values diverge.
    pub const FINITE: DivergenceGuard = DivergenceGuard {
        bound: f64::INFINITY,
    };

    /// `Err(Diverged)` if `value` is NaN, infinite or beyond the bound.
    #[inline]
    pub fn check(&self, step: u64, quantity: &'static str, value: f64) -> Result<(), Error> {
        if value.is_finite() && libm::fabs(value) <= self.bound {
            Ok(())
        } else {
            Err(Error::Diverged {
                step,
                quantity,
                value,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_rule_horizon_and_threshold() {
        let r = StopRule::steps(10).or_when_at_least("mu", 0.5);
        assert!(!r.should_stop(3, |_| Some(0.4)));
        assert!(r.should_stop(3, |_| Some(0.5)));
        assert!(r.should_stop(10, |_| None));
        assert!(StopRule::steps(0).validate().is_err());
    }

    #[test]
    fn guard_reports_step_and_quantity() {
        let g = DivergenceGuard { bound: 10.0 };
        assert!(g.check(1, "x", 3.0).is_ok());
        assert!(matches!(
            g.check(7, "overlap", f64::NAN),
            Err(Error::Diverged { step: 7, .. })
        ));
        match g.check(7, "overlap", 11.0) {
            Err(Error::Diverged {
                step: 7,
                quantity: "overlap",
                value,
            }) => assert_eq!(value, 11.0),
            other => panic!("unexpected {other:?}"),
        }
    }
}
