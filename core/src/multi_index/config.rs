//! Configuration of a multi-index run: every parameter of spec §2–§4, text parsing for
//! `--set key=value`, and [`MultiIndexConfig::validate`].

use crate::Error;
use crate::run::ParamInfo;
use crate::run::params::{parse_bool, parse_count, parse_real, unknown_key};
use crate::special::HermiteSeries;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// A link or activation: a Hermite series plus the text it was parsed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The text (`"h2+h4"`, `"h:3"`, `"0.9h2+0.3h3"`, `"coef:[0,0,1,0,1]"`).
    pub spec: String,
    /// Coefficients $\hat\phi_l$ in the orthonormal $h_l$ basis.
    pub series: HermiteSeries,
}

impl Link {
    /// Parses a link: sums of `[c]h<k>` terms (`h2+h4`, `0.9h2+0.3h3+1.1h4`, `h2-0.5h3`),
    /// `h:k` (pure $h_k$) or `coef:[c0,c1,...]`.
    pub fn parse(name: &'static str, text: &str) -> Result<Link, Error> {
        let t = text.trim();
        let bad = || Error::Malformed {
            name,
            got: text.into(),
            expected: "a Hermite link such as h2+h4, 0.9h2+0.3h3, h:4 or coef:[0,0,1,0,1]",
        };
        let mut coef: Vec<f64> = Vec::new();
        if let Some(rest) = t.strip_prefix("coef:") {
            let inner = rest.trim().trim_start_matches('[').trim_end_matches(']');
            for part in inner.split(',') {
                coef.push(part.trim().parse::<f64>().map_err(|_| bad())?);
            }
        } else if let Some(rest) = t.strip_prefix("h:") {
            let k: usize = rest.trim().parse().map_err(|_| bad())?;
            if k > crate::special::MAX_DEGREE {
                return Err(Error::invalid(name, k as f64, "a degree ≤ 100"));
            }
            coef.resize(k + 1, 0.0);
            coef[k] = 1.0;
        } else {
            // Split into signed terms.
            let mut terms: Vec<(f64, &str)> = Vec::new();
            let mut start = 0;
            let bytes = t.as_bytes();
            let mut sign = 1.0;
            for i in 0..=bytes.len() {
                let at_end = i == bytes.len();
                // A sign that is not part of an exponent (e.g. 1e-3) starts a new term.
                let is_sep = !at_end
                    && (bytes[i] == b'+' || bytes[i] == b'-')
                    && i > start
                    && !(bytes[i - 1] == b'e' || bytes[i - 1] == b'E');
                if at_end || is_sep {
                    let term = t[start..i].trim();
                    if term.is_empty() {
                        return Err(bad());
                    }
                    terms.push((sign, term));
                    if !at_end {
                        sign = if bytes[i] == b'-' { -1.0 } else { 1.0 };
                        start = i + 1;
                    }
                } else if i == start && !at_end && bytes[i] == b'-' {
                    sign = -1.0;
                    start = i + 1;
                }
            }
            for (sign, term) in terms {
                let pos = term.rfind('h').ok_or_else(bad)?;
                let c_txt = term[..pos].trim().trim_end_matches('*');
                let c = if c_txt.is_empty() {
                    1.0
                } else {
                    c_txt.parse::<f64>().map_err(|_| bad())?
                };
                let k: usize = term[pos + 1..].trim().parse().map_err(|_| bad())?;
                if k > crate::special::MAX_DEGREE {
                    return Err(Error::invalid(name, k as f64, "a degree ≤ 100"));
                }
                if coef.len() <= k {
                    coef.resize(k + 1, 0.0);
                }
                coef[k] += sign * c;
            }
        }
        if coef.iter().any(|c| !c.is_finite()) {
            return Err(bad());
        }
        let series = HermiteSeries::new(&coef).map_err(|e| match e {
            Error::InvalidParameter { value, allowed, .. } => Error::InvalidParameter {
                name,
                value,
                allowed,
            },
            other => other,
        })?;
        Ok(Link {
            spec: t.to_string(),
            series,
        })
    }

    /// The link $h_2 + h_4$ (the spec's canonical instance, $q = 4$).
    pub fn h2_h4() -> Link {
        Link::parse("link", "h2+h4").expect("built-in link")
    }
}

/// The training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// $\frac12(f-y)^2$.
    Squared,
    /// $-yf$ (the small-$a_0$ limit of the squared loss for the first layer).
    Correlation,
}

/// Which simulation engine runs the online SGD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineKind {
    /// Span when $d\ge P+$cap and the basis is the identity, else full.
    Auto,
    /// $d$-dimensional reference engine (§6.1).
    Full,
    /// Exact span-tracking engine, cost independent of $d$ (§6.2).
    Span,
}

/// Orientation of the ground truth $V^*$.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// $V^* = [e_1..e_P]$.
    Identity,
    /// A Haar-random orthonormal $V^*$ (full engine only).
    Random,
}

/// How the step size is set (§4): effective step $a_0\eta$.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepRule {
    /// $a_0\eta_s = \kappa_s/(dC_0)$ in stage $s = 1, 2$; switch when the median $s_i\ge s_{\rm switch}$.
    TwoStage,
    /// Information-exponent rule for pure links: $a_0\eta = \kappa_1 d^{-\max(0,(k-2)/2)}/(dC_0)$.
    Ie,
    /// $\eta$ = `eta` throughout.
    Fixed,
}

/// Reading B of spec §2.3: fit $T(y)=y^2-Ey^2$ in stage 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelTransform {
    /// Plain labels.
    Identity,
    /// $T(y)=y^2-Ey^2$ in stage 1 only.
    CenteredSquare,
}

/// Every parameter of one multi-index run (the `--set` keys).
#[derive(Clone, Debug, PartialEq)]
pub struct MultiIndexConfig {
    /// Input dimension $d$.
    pub d: usize,
    /// Number of index directions $P$.
    pub p: usize,
    /// Link $\phi$.
    pub link: Link,
    /// Activation $\sigma$ (`None`: $\sigma = \phi$).
    pub act: Option<Link>,
    /// Orientation of $V^*$.
    pub basis: Basis,
    /// Teacher weights $b_k\propto k^{-\beta}$ with $\sum b_k^2 = 1$ (`None`: unit weights).
    pub teacher_beta: Option<f64>,
    /// Label noise standard deviation ς.
    pub noise_sd: f64,
    /// Label transform (reading B).
    pub label_transform: LabelTransform,
    /// Width $m$.
    pub m: usize,
    /// Fixed second-layer weight $a_0$.
    pub a0: f64,
    /// Loss.
    pub loss: Loss,
    /// Engine.
    pub engine: EngineKind,
    /// Step-size rule.
    pub step_rule: StepRule,
    /// κ of stage 1 (and of the `ie` rule).
    pub kappa1: f64,
    /// κ of stage 2.
    pub kappa2: f64,
    /// η of the `fixed` rule.
    pub eta: f64,
    /// Switch to stage 2 when the median $s_i$ reaches this.
    pub s_switch: f64,
    /// Hitting threshold of the subspace mass $s_i$ ($T_{\rm sub}$).
    pub theta_sub: f64,
    /// Hitting threshold of the alignment $\mu_i$ ($T_{\rm dir}$).
    pub theta_dir: f64,
    /// Stop once every neuron has hit $\mu_i\ge$ `theta_dir` (else run all `steps`).
    pub stop_when_aligned: bool,
    /// Maximum number of online steps.
    pub steps: u64,
    /// λ of the population ridge logged along the run.
    pub ridge_lambda: f64,
    /// λ of the empirical stage-3 ridge.
    pub ridge_lambda_emp: f64,
    /// Samples $N$ of the empirical stage-3 ridge (0: skip).
    pub ridge_n: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Accept $c_2\le0$ or $c_q\le0$ (repelling) links.
    pub allow_repeller: bool,
    /// Log points per decade of steps.
    pub log_per_decade: u32,
    /// Log the population ridge loss at each logged step ($O(m^3)$ each).
    pub log_ridge: bool,
}

impl Default for MultiIndexConfig {
    fn default() -> Self {
        MultiIndexConfig {
            d: 100,
            p: 4,
            link: Link::h2_h4(),
            act: None,
            basis: Basis::Identity,
            teacher_beta: None,
            noise_sd: 0.0,
            label_transform: LabelTransform::Identity,
            m: default_width(4),
            a0: 1.0,
            loss: Loss::Correlation,
            engine: EngineKind::Auto,
            step_rule: StepRule::TwoStage,
            kappa1: 0.5,
            kappa2: 0.05,
            eta: 1e-4,
            s_switch: 0.5,
            theta_sub: 0.5,
            theta_dir: 0.5,
            stop_when_aligned: true,
            steps: 100_000,
            ridge_lambda: 1e-8,
            ridge_lambda_emp: 1e-3,
            ridge_n: 0,
            batch: 1,
            allow_repeller: false,
            log_per_decade: 64,
            log_ridge: false,
        }
    }
}

/// Default width $m=\lceil 2P\ln P\rceil + P$ (16 for $P = 4$; $P+1$ for $P=1$).
pub fn default_width(p: usize) -> usize {
    let pf = p as f64;
    let w = libm::ceil(2.0 * pf * libm::log(pf)) as usize + p;
    w.max(p + usize::from(p == 1))
}

/// The `--set` keys of [`MultiIndexConfig`], for error messages.
pub const CONFIG_KEYS: &str = "d, p, link, act, basis, teacher_beta, noise_sd, label_transform, m, a0, loss, engine, step_rule, kappa1, kappa2, eta, s_switch, theta_sub, theta_dir, stop_when_aligned, steps, ridge_lambda, ridge_lambda_emp, ridge_n, batch, allow_repeller, log_per_decade, log_ridge";

impl MultiIndexConfig {
    /// The activation σ (φ unless set).
    pub fn act_series(&self) -> &HermiteSeries {
        self.act.as_ref().map_or(&self.link.series, |a| &a.series)
    }

    /// Teacher weights $b_1..b_P$.
    pub fn teacher_weights(&self) -> Vec<f64> {
        match self.teacher_beta {
            None => alloc::vec![1.0; self.p],
            Some(beta) => {
                let mut b: Vec<f64> = (1..=self.p).map(|k| libm::pow(k as f64, -beta)).collect();
                let n = libm::sqrt(b.iter().map(|x| x * x).sum::<f64>());
                for x in b.iter_mut() {
                    *x /= n;
                }
                b
            }
        }
    }

    /// $c_l = \hat\phi_l\hat\sigma_l$.
    pub fn c(&self, l: usize) -> f64 {
        self.link.series.c(l) * self.act_series().c(l)
    }

    /// $q$: the lowest degree above 2 with $c_l \ne 0$ (`None` if there is none).
    pub fn q(&self) -> Option<usize> {
        (3..=self.link.series.degree()).find(|&l| self.c(l) != 0.0)
    }

    /// Lowest degree $k\ge1$ with $c_k\ne0$ (the information exponent of the pair).
    pub fn information_exponent(&self) -> Option<usize> {
        self.link
            .series
            .joint_information_exponent(self.act_series())
    }

    /// $C_0 = (\sum_k b_k^2)\,E\phi^2\,E\sigma'^2$ (unaligned gradient noise per unit $a_0^2 d$).
    pub fn c0(&self) -> f64 {
        let bw: f64 = self.teacher_weights().iter().map(|b| b * b).sum();
        bw * self.link.series.norm_sq() * self.act_series().deriv_norm_sq()
    }

    /// The engine that will run: `Auto` resolved.
    pub fn resolved_engine(&self) -> EngineKind {
        match self.engine {
            EngineKind::Auto => {
                if self.basis == Basis::Identity && self.d >= self.p + self.span_cap() {
                    EngineKind::Span
                } else {
                    EngineKind::Full
                }
            }
            e => e,
        }
    }

    /// Row capacity of the span engine's residual basis: $\max(2m, m + b)$.
    pub fn span_cap(&self) -> usize {
        (2 * self.m).max(self.m + self.batch)
    }

    /// Step sizes $(\eta_1, \eta_2)$ of the two stages from the step rule.
    pub fn step_sizes(&self) -> (f64, f64) {
        let d = self.d as f64;
        let c0 = self.c0();
        match self.step_rule {
            StepRule::TwoStage => (
                self.kappa1 / (d * c0 * self.a0),
                self.kappa2 / (d * c0 * self.a0),
            ),
            StepRule::Ie => {
                let k = self.information_exponent().unwrap_or(1) as f64;
                let e = self.kappa1 * libm::pow(d, -libm::fmax(0.0, (k - 2.0) / 2.0))
                    / (d * c0 * self.a0);
                (e, e)
            }
            StepRule::Fixed => (self.eta, self.eta),
        }
    }

    /// Checks every parameter; errors name it and its allowed range (spec §10).
    pub fn validate(&self) -> Result<(), Error> {
        if self.p < 1 {
            return Err(Error::invalid("p", self.p as f64, "≥ 1"));
        }
        if self.d < self.p {
            return Err(Error::invalid(
                "d",
                self.d as f64,
                "≥ p (the number of directions)",
            ));
        }
        if self.m < 1 {
            return Err(Error::invalid("m", self.m as f64, "≥ 1"));
        }
        if self.batch < 1 {
            return Err(Error::invalid("batch", self.batch as f64, "≥ 1"));
        }
        if self.link.series.information_exponent().is_none() {
            return Err(Error::invalid(
                "link",
                0.0,
                "a series with a non-zero coefficient of degree ≥ 1",
            ));
        }
        if self.act_series().information_exponent().is_none() {
            return Err(Error::invalid(
                "act",
                0.0,
                "a series with a non-zero coefficient of degree ≥ 1",
            ));
        }
        if self.information_exponent().is_none() {
            return Err(Error::invalid(
                "act",
                0.0,
                "sharing a non-zero degree ≥ 1 with the link (else nothing is learned)",
            ));
        }
        if !self.allow_repeller {
            if self.link.series.c(2) != 0.0 && self.c(2) <= 0.0 {
                return Err(Error::invalid(
                    "act",
                    self.c(2),
                    "with c_2 = φ̂_2 σ̂_2 > 0 (else the subspace repels; set allow_repeller=true)",
                ));
            }
            if let Some(q) = self.q()
                && self.c(q) < 0.0
            {
                return Err(Error::invalid(
                    "act",
                    self.c(q),
                    "with c_q = φ̂_q σ̂_q > 0 (else directions repel; set allow_repeller=true)",
                ));
            }
        }
        check_pos("a0", self.a0)?;
        check_pos("kappa1", self.kappa1)?;
        check_pos("kappa2", self.kappa2)?;
        check_pos("eta", self.eta)?;
        check_pos("ridge_lambda", self.ridge_lambda)?;
        check_pos("ridge_lambda_emp", self.ridge_lambda_emp)?;
        check_unit("s_switch", self.s_switch)?;
        check_unit("theta_sub", self.theta_sub)?;
        check_unit("theta_dir", self.theta_dir)?;
        if !(self.noise_sd >= 0.0) || !self.noise_sd.is_finite() {
            return Err(Error::invalid("noise_sd", self.noise_sd, "finite and ≥ 0"));
        }
        if let Some(beta) = self.teacher_beta
            && !beta.is_finite()
        {
            return Err(Error::invalid("teacher_beta", beta, "finite"));
        }
        if self.steps < 1 {
            return Err(Error::invalid("steps", self.steps as f64, "≥ 1"));
        }
        if self.ridge_n != 0 && self.ridge_n < self.m {
            return Err(Error::invalid(
                "ridge_n",
                self.ridge_n as f64,
                "0 (skip) or ≥ m (the width)",
            ));
        }
        if self.log_per_decade < 1 {
            return Err(Error::invalid(
                "log_per_decade",
                self.log_per_decade as f64,
                "≥ 1",
            ));
        }
        if self.engine == EngineKind::Span {
            if self.d < self.p + self.span_cap() {
                return Err(Error::invalid(
                    "d",
                    self.d as f64,
                    "≥ p + max(2m, m + batch) with engine = span (use engine = full or auto)",
                ));
            }
            if self.basis == Basis::Random {
                return Err(Error::UnknownName {
                    name: "engine for basis = random",
                    got: "span".into(),
                    allowed: "full, auto (the span engine works in the identity basis, which is the same law)",
                });
            }
        }
        if self.label_transform == LabelTransform::CenteredSquare && self.act_series().c(2) == 0.0 {
            return Err(Error::invalid(
                "act",
                0.0,
                "with σ̂_2 ≠ 0 when label_transform = centered_square (stage 1 fits degree 2)",
            ));
        }
        let (e1, e2) = self.step_sizes();
        check_pos("eta (from the step rule)", e1)?;
        check_pos("eta (from the step rule)", e2)?;
        Ok(())
    }

    /// Sets one key from text. Returns `Ok(false)` if the key is not a config key.
    pub fn set_key(&mut self, key: &str, value: &str) -> Result<bool, Error> {
        match key {
            "d" => self.d = parse_count("d", value, 1, "≥ 1")? as usize,
            "p" => self.p = parse_count("p", value, 1, "≥ 1")? as usize,
            "m" => self.m = parse_count("m", value, 1, "≥ 1")? as usize,
            "batch" => self.batch = parse_count("batch", value, 1, "≥ 1")? as usize,
            "steps" => self.steps = parse_count("steps", value, 1, "≥ 1")?,
            "ridge_n" => self.ridge_n = parse_count("ridge_n", value, 0, "≥ 0")? as usize,
            "log_per_decade" => {
                self.log_per_decade =
                    parse_count("log_per_decade", value, 1, "in [1, 10^6]")?.min(1_000_000) as u32
            }
            "link" => self.link = Link::parse("link", value)?,
            "act" => {
                self.act = if value.trim() == "link" {
                    None
                } else {
                    Some(Link::parse("act", value)?)
                }
            }
            "basis" => {
                self.basis = match value.trim() {
                    "identity" => Basis::Identity,
                    "random" => Basis::Random,
                    other => return Err(unknown("basis", other, "identity, random")),
                }
            }
            "teacher_beta" => {
                self.teacher_beta = if value.trim() == "none" {
                    None
                } else {
                    Some(parse_real("teacher_beta", value)?)
                }
            }
            "noise_sd" => self.noise_sd = parse_real("noise_sd", value)?,
            "label_transform" => {
                self.label_transform = match value.trim() {
                    "identity" => LabelTransform::Identity,
                    "centered_square" => LabelTransform::CenteredSquare,
                    other => {
                        return Err(unknown(
                            "label_transform",
                            other,
                            "identity, centered_square",
                        ));
                    }
                }
            }
            "a0" => self.a0 = parse_real("a0", value)?,
            "loss" => {
                self.loss = match value.trim() {
                    "squared" => Loss::Squared,
                    "correlation" => Loss::Correlation,
                    other => return Err(unknown("loss", other, "squared, correlation")),
                }
            }
            "engine" => {
                self.engine = match value.trim() {
                    "auto" => EngineKind::Auto,
                    "full" => EngineKind::Full,
                    "span" => EngineKind::Span,
                    other => return Err(unknown("engine", other, "auto, full, span")),
                }
            }
            "step_rule" => {
                self.step_rule = match value.trim() {
                    "two_stage" => StepRule::TwoStage,
                    "ie" => StepRule::Ie,
                    "fixed" => StepRule::Fixed,
                    other => return Err(unknown("step_rule", other, "two_stage, ie, fixed")),
                }
            }
            "kappa1" => self.kappa1 = parse_real("kappa1", value)?,
            "kappa2" => self.kappa2 = parse_real("kappa2", value)?,
            "eta" => self.eta = parse_real("eta", value)?,
            "s_switch" => self.s_switch = parse_real("s_switch", value)?,
            "theta_sub" => self.theta_sub = parse_real("theta_sub", value)?,
            "theta_dir" => self.theta_dir = parse_real("theta_dir", value)?,
            "stop_when_aligned" => self.stop_when_aligned = parse_bool("stop_when_aligned", value)?,
            "ridge_lambda" => self.ridge_lambda = parse_real("ridge_lambda", value)?,
            "ridge_lambda_emp" => self.ridge_lambda_emp = parse_real("ridge_lambda_emp", value)?,
            "allow_repeller" => self.allow_repeller = parse_bool("allow_repeller", value)?,
            "log_ridge" => self.log_ridge = parse_bool("log_ridge", value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Sets one key; unknown keys are an error listing [`CONFIG_KEYS`].
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        if self.set_key(key, value)? {
            Ok(())
        } else {
            Err(unknown_key(key, CONFIG_KEYS))
        }
    }

    /// Every key with its value, range and help.
    pub fn params(&self) -> Vec<ParamInfo> {
        let loss = match self.loss {
            Loss::Squared => "squared",
            Loss::Correlation => "correlation",
        };
        let engine = match self.engine {
            EngineKind::Auto => "auto",
            EngineKind::Full => "full",
            EngineKind::Span => "span",
        };
        let rule = match self.step_rule {
            StepRule::TwoStage => "two_stage",
            StepRule::Ie => "ie",
            StepRule::Fixed => "fixed",
        };
        let p = ParamInfo::new;
        alloc::vec![
            p("d", self.d.to_string(), "≥ p", "input dimension"),
            p(
                "p",
                self.p.to_string(),
                "≥ 1",
                "number of index directions P"
            ),
            p(
                "link",
                self.link.spec.clone(),
                "h2+h4, 0.9h2+0.3h3, h:k, coef:[..]",
                "link φ in the orthonormal Hermite basis"
            ),
            p(
                "act",
                self.act.as_ref().map_or("link".into(), |a| a.spec.clone()),
                "link or a Hermite series",
                "activation σ"
            ),
            p(
                "basis",
                (if self.basis == Basis::Identity {
                    "identity"
                } else {
                    "random"
                })
                .into(),
                "identity, random",
                "orientation of V*"
            ),
            p(
                "teacher_beta",
                self.teacher_beta.map_or("none".into(), |b| format!("{b}")),
                "none or a real β",
                "teacher weights b_k ∝ k^-β"
            ),
            p(
                "noise_sd",
                format!("{}", self.noise_sd),
                "≥ 0",
                "label noise standard deviation"
            ),
            p(
                "label_transform",
                (if self.label_transform == LabelTransform::Identity {
                    "identity"
                } else {
                    "centered_square"
                })
                .into(),
                "identity, centered_square",
                "stage-1 labels (reading B)"
            ),
            p("m", self.m.to_string(), "≥ 1", "width (neurons)"),
            p(
                "a0",
                format!("{}", self.a0),
                "> 0",
                "fixed second-layer weight"
            ),
            p("loss", loss.into(), "squared, correlation", "training loss"),
            p(
                "engine",
                engine.into(),
                "auto, full, span",
                "simulation engine"
            ),
            p(
                "step_rule",
                rule.into(),
                "two_stage, ie, fixed",
                "step-size rule"
            ),
            p(
                "kappa1",
                format!("{}", self.kappa1),
                "> 0",
                "stage-1 κ: a0 η1 = κ1/(d C0)"
            ),
            p("kappa2", format!("{}", self.kappa2), "> 0", "stage-2 κ"),
            p("eta", format!("{}", self.eta), "> 0", "η of the fixed rule"),
            p(
                "s_switch",
                format!("{}", self.s_switch),
                "in (0, 1)",
                "median s_i that ends stage 1"
            ),
            p(
                "theta_sub",
                format!("{}", self.theta_sub),
                "in (0, 1)",
                "T_sub threshold on s_i"
            ),
            p(
                "theta_dir",
                format!("{}", self.theta_dir),
                "in (0, 1)",
                "T_dir threshold on μ_i"
            ),
            p(
                "stop_when_aligned",
                self.stop_when_aligned.to_string(),
                "true, false",
                "stop once every μ_i ≥ theta_dir"
            ),
            p(
                "steps",
                self.steps.to_string(),
                "≥ 1",
                "maximum online steps"
            ),
            p(
                "ridge_lambda",
                format!("{}", self.ridge_lambda),
                "> 0",
                "population ridge λ"
            ),
            p(
                "ridge_lambda_emp",
                format!("{}", self.ridge_lambda_emp),
                "> 0",
                "empirical ridge λ"
            ),
            p(
                "ridge_n",
                self.ridge_n.to_string(),
                "0 or ≥ m",
                "stage-3 samples (0: skip)"
            ),
            p("batch", self.batch.to_string(), "≥ 1", "mini-batch size"),
            p(
                "allow_repeller",
                self.allow_repeller.to_string(),
                "true, false",
                "accept c_2 ≤ 0 or c_q ≤ 0"
            ),
            p(
                "log_per_decade",
                self.log_per_decade.to_string(),
                "≥ 1",
                "log points per decade"
            ),
            p(
                "log_ridge",
                self.log_ridge.to_string(),
                "true, false",
                "log the population ridge loss"
            ),
        ]
    }
}

fn unknown(name: &'static str, got: &str, allowed: &'static str) -> Error {
    Error::UnknownName {
        name,
        got: got.into(),
        allowed,
    }
}

fn check_pos(name: &'static str, v: f64) -> Result<(), Error> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(name, v, "finite and > 0"))
    }
}

fn check_unit(name: &'static str, v: f64) -> Result<(), Error> {
    if v > 0.0 && v < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(name, v, "in (0, 1)"))
    }
}
