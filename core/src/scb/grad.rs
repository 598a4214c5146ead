//! Per-sample and batch gradients (spec §4.1) of the linear learner $\hat y = VXa_k$ and of the
//! softmax learner $\hat y = VX\,\mathrm{softmax}(W\[:,k\])$, accumulated into a workspace.

use super::task::Batch;
use alloc::vec;
use alloc::vec::Vec;

/// Buffers of one run: built once, reused by every step (no allocation per step).
#[derive(Clone, Debug)]
pub struct Workspace {
    /// $h = Xa_k$.
    pub h: Vec<f64>,
    /// $r = Vh - e_{x_o}$.
    pub r: Vec<f64>,
    /// $w = V^\top r$.
    pub w: Vec<f64>,
    /// $G_V$ ($N\times N$).
    pub gv: Vec<f64>,
    /// $G_A$ or $G_W$ ($T\times N$).
    pub ga: Vec<f64>,
    /// Softmax attention columns ($T\times N$).
    pub soft: Vec<f64>,
    /// Row sums for the V preconditioner.
    pub row: Vec<f64>,
    /// One attention column.
    pub col: Vec<f64>,
    /// Sort scratch for the simplex projection.
    pub sorted: Vec<f64>,
}

impl Workspace {
    /// Buffers for vocabulary `n` and context `t`.
    pub fn new(n: usize, t: usize) -> Workspace {
        Workspace {
            h: vec![0.0; n],
            r: vec![0.0; n],
            w: vec![0.0; n],
            gv: vec![0.0; n * n],
            ga: vec![0.0; t * n],
            soft: vec![0.0; t * n],
            row: vec![0.0; n],
            col: vec![0.0; t],
            sorted: vec![0.0; t],
        }
    }
}

/// One sample's residual: fills `ws.h` and `ws.r` from attention column `att` and returns
/// $\frac12\|r\|^2$.
#[inline]
fn residual(n: usize, v: &[f64], att: &[f64], ctx: &[u32], out: u32, ws: &mut Workspace) -> f64 {
    ws.h.fill(0.0);
    for (u, &x) in ctx.iter().enumerate() {
        ws.h[x as usize] += att[u];
    }
    ws.r.fill(0.0);
    for j in 0..n {
        let hj = ws.h[j];
        if hj != 0.0 {
            let col = &v[j * n..(j + 1) * n];
            for i in 0..n {
                ws.r[i] += hj * col[i];
            }
        }
    }
    ws.r[out as usize] -= 1.0;
    0.5 * ws.r.iter().map(|x| x * x).sum::<f64>()
}

#[inline]
fn add_gv_and_w(n: usize, v: &[f64], ws: &mut Workspace, need_w: bool) {
    for j in 0..n {
        let hj = ws.h[j];
        let g = &mut ws.gv[j * n..(j + 1) * n];
        if hj != 0.0 {
            for i in 0..n {
                g[i] += hj * ws.r[i];
            }
        }
        if need_w {
            let col = &v[j * n..(j + 1) * n];
            ws.w[j] = col.iter().zip(&ws.r).map(|(a, b)| a * b).sum();
        }
    }
}

/// Batch gradients of the linear learner: $G_V = \frac1B\sum_b r_bh_b^\top$ into `ws.gv` and (if
/// `need_ga`) $G_A\[:,k\] = \frac1B\sum_{b:k_b=k}X_b^\top V^\top r_b$ into `ws.ga`. Returns the batch
/// loss $\frac1B\sum_b\frac12\|r_b\|^2$.
pub fn accumulate_linear(
    n: usize,
    t: usize,
    v: &[f64],
    a: &[f64],
    batch: &Batch,
    ws: &mut Workspace,
    need_ga: bool,
) -> f64 {
    ws.gv.fill(0.0);
    if need_ga {
        ws.ga.fill(0.0);
    }
    let mut loss = 0.0;
    for b in 0..batch.b {
        let k = batch.last[b] as usize;
        let ctx = &batch.ctx[b * t..(b + 1) * t];
        loss += residual(n, v, &a[k * t..(k + 1) * t], ctx, batch.out[b], ws);
        add_gv_and_w(n, v, ws, need_ga);
        if need_ga {
            let g = &mut ws.ga[k * t..(k + 1) * t];
            for (u, &x) in ctx.iter().enumerate() {
                g[u] += ws.w[x as usize];
            }
        }
    }
    let inv = 1.0 / batch.b as f64;
    for x in ws.gv.iter_mut() {
        *x *= inv;
    }
    if need_ga {
        for x in ws.ga.iter_mut() {
            *x *= inv;
        }
    }
    loss * inv
}

/// Column-wise softmax of the logits `w` ($T\times N$) into `out` (column max subtracted).
pub fn softmax_columns(t: usize, w: &[f64], out: &mut [f64]) {
    for (wc, oc) in w.chunks_exact(t).zip(out.chunks_exact_mut(t)) {
        let mx = wc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut s = 0.0;
        for (o, &x) in oc.iter_mut().zip(wc) {
            *o = libm::exp(x - mx);
            s += *o;
        }
        for o in oc.iter_mut() {
            *o /= s;
        }
    }
}

/// Batch gradients of the softmax learner: $G_V$ into `ws.gv`, $G_W$ into `ws.ga` with
/// $\partial\ell/\partial W\[:,k\] = (\mathrm{diag}(s_k)-s_ks_k^\top)X^\top V^\top r$; `ws.soft` must
/// hold softmax$(W)$. Returns the batch loss.
pub fn accumulate_softmax(n: usize, t: usize, v: &[f64], batch: &Batch, ws: &mut Workspace) -> f64 {
    ws.gv.fill(0.0);
    ws.ga.fill(0.0);
    let mut loss = 0.0;
    let soft = core::mem::take(&mut ws.soft);
    for b in 0..batch.b {
        let k = batch.last[b] as usize;
        let ctx = &batch.ctx[b * t..(b + 1) * t];
        let s = &soft[k * t..(k + 1) * t];
        loss += residual(n, v, s, ctx, batch.out[b], ws);
        add_gv_and_w(n, v, ws, true);
        let inner: f64 = ctx
            .iter()
            .zip(s)
            .map(|(&x, &su)| su * ws.w[x as usize])
            .sum();
        let g = &mut ws.ga[k * t..(k + 1) * t];
        for (u, &x) in ctx.iter().enumerate() {
            g[u] += s[u] * (ws.w[x as usize] - inner);
        }
    }
    ws.soft = soft;
    let inv = 1.0 / batch.b as f64;
    for x in ws.gv.iter_mut() {
        *x *= inv;
    }
    for x in ws.ga.iter_mut() {
        *x *= inv;
    }
    loss * inv
}
