//! # Sparse contextual bigrams with linear transformers (Ren, Wang & Lee, NeurIPS 2024)
//!
//! The next token $x_o$ is drawn from column $x_s$ of a transition matrix $P$, where the source
//! position $s$ is drawn from a $Q$-sparse attention vector $q^{(k)}$ chosen by the last token
//! $k$. A one-layer linear transformer $\hat y = VXa_k$ learns $(P, \mathbf Q)$ by preconditioned
//! projected proximal descent (PPPD): a sample-hungry first stage lifts the correlation of $V$
//! with $\tilde P$ from zero (cost ∝ $T$), then an ℓ1 stage finds the sparse attention at a
//! $T$-free cost; finetuning from a related task skips the first stage; plain SGD is slow or
//! unstable; softmax attention learns the same thing.
//!
//! - [`ScbTask`], [`Sampler`], [`Batch`]: the data model and its exact sampler.
//! - [`population`]: closed-form loss, gradients, Bayes risk (§4).
//! - [`run_pppd`], [`run_sgd`], [`run_softmax`]: the algorithms (§5).
//! - [`experiments`]: the six experiments and the claims C1–C7 ([`Transfer`]: C6).
//!
//! The specification is `shared/specs/scb.md`; section numbers (§) refer to it. The paper's
//! algorithm form and hyperparameters are our reading (the full text was not available).

mod algo;
mod experiments;
pub mod grad;
mod metrics;
pub mod population;
pub mod prox;
mod task;
mod transfer;

pub use algo::{
    AProx, BOUND, LinModel, Logger, MU_HAT_FLOOR, MuSource, PppdConfig, Trace, VProj, estimate_mu,
    run_pppd, run_sgd, run_softmax, stage1_step, stage2_step,
};
pub use experiments::{
    CheckGrad, FigSgd, FigSoftmax, L1Ablation, Stage1Scaling, experiments, quick_task,
    random_model, transfer_task,
};
pub use metrics::{Q_DETECT, ScbMetrics};
pub use task::{Batch, Sampler, ScbTask, TaskConfig, Weights, stationary};
pub use transfer::{Pretrained, Transfer, c6_holds, finetune_start};
