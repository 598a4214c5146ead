//! Projections, preconditioners and proximal maps of PPPD (spec §5.1–5.3).

/// $\Pi_V(V)=\mu\mathbf 1^\top+(I-\tfrac{\mathbf 1\mathbf 1^\top}N)(V-\mu\mathbf 1^\top)(I-\tfrac{\mu\mu^\top}{\|\mu\|^2})$
/// in place: the Frobenius projection onto $\{\mathbf 1^\top V=\mathbf 1^\top,\ V\mu=\mu\}$. `xm` is
/// scratch of length $N$.
pub fn proj_v(v: &mut [f64], mu: &[f64], xm: &mut [f64]) {
    let n = mu.len();
    let mu2: f64 = mu.iter().map(|x| x * x).sum();
    // X = V − μ1ᵀ.
    for j in 0..n {
        for i in 0..n {
            v[j * n + i] -= mu[i];
        }
    }
    // Left: subtract column means.
    for j in 0..n {
        let col = &mut v[j * n..(j + 1) * n];
        let mean = col.iter().sum::<f64>() / n as f64;
        for x in col.iter_mut() {
            *x -= mean;
        }
    }
    // Right: X (I − μμᵀ/‖μ‖²) = X − (Xμ) μᵀ/‖μ‖².
    xm[..n].fill(0.0);
    for j in 0..n {
        for i in 0..n {
            xm[i] += v[j * n + i] * mu[j];
        }
    }
    for j in 0..n {
        let f = mu[j] / mu2;
        for i in 0..n {
            v[j * n + i] += mu[i] - xm[i] * f;
        }
    }
}

/// The Frobenius projection onto $\{\mathbf 1^\top V=\mathbf 1^\top\}$ in place: each column
/// $v_j\leftarrow v_j-\tfrac1N(\mathbf 1^\top v_j-1)\mathbf 1$ (`VProj::ColSum`).
pub fn proj_col_sums(v: &mut [f64], n: usize) {
    for col in v.chunks_exact_mut(n) {
        let excess = (col.iter().sum::<f64>() - 1.0) / n as f64;
        for x in col.iter_mut() {
            *x -= excess;
        }
    }
}

/// $GH_V^{-1}=\frac1{S_2}(GD^{-1}-g\mathbf 1^\top)+\frac1{S_1}g\mathbf 1^\top$ in place, $g = G\mathbf 1$.
pub fn precond_v(g: &mut [f64], mu: &[f64], s1: f64, s2: f64, row_sums: &mut [f64]) {
    let n = mu.len();
    row_sums.fill(0.0);
    for j in 0..n {
        for i in 0..n {
            row_sums[i] += g[j * n + i];
        }
    }
    for j in 0..n {
        for i in 0..n {
            let gi = row_sums[i];
            g[j * n + i] = (g[j * n + i] / mu[j] - gi) / s2 + gi / s1;
        }
    }
}

/// $\mathrm{SoftThr}(x,\theta)_t=\mathrm{sign}(x_t)\max(|x_t|-\theta,0)$.
#[inline]
pub fn soft_thr(x: f64, theta: f64) -> f64 {
    if x > theta {
        x - theta
    } else if x < -theta {
        x + theta
    } else {
        0.0
    }
}

/// Adds $(1-\sum a)/|S|$ on the support $S=\{t: a_t\ne0\}$; returns `false` (and leaves `a`
/// unchanged) when the support is empty.
pub fn recenter_on_support(a: &mut [f64]) -> bool {
    let (mut sum, mut cnt) = (0.0, 0usize);
    for &x in a.iter() {
        if x != 0.0 {
            sum += x;
            cnt += 1;
        }
    }
    if cnt == 0 {
        return false;
    }
    let add = (1.0 - sum) / cnt as f64;
    for x in a.iter_mut() {
        if *x != 0.0 {
            *x += add;
        }
    }
    true
}

/// Exact prox of $\theta\|a\|_1+\iota\{\mathbf 1^\top a=1\}$ at `b`: $a=\mathrm{SoftThr}(b-\nu,\theta)$ with
/// ν found by bisection on $[\min b-\theta-2,\max b+\theta+2]$ (60 iterations).
pub fn prox_l1_affine_exact(b: &[f64], theta: f64, out: &mut [f64]) {
    let lo0 = b.iter().copied().fold(f64::INFINITY, f64::min) - theta - 2.0;
    let hi0 = b.iter().copied().fold(f64::NEG_INFINITY, f64::max) + theta + 2.0;
    let total = |nu: f64| b.iter().map(|&x| soft_thr(x - nu, theta)).sum::<f64>();
    let (mut lo, mut hi) = (lo0, hi0);
    // total(ν) is non-increasing in ν; find total(ν) = 1.
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if total(mid) > 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let nu = 0.5 * (lo + hi);
    for (o, &x) in out.iter_mut().zip(b) {
        *o = soft_thr(x - nu, theta);
    }
}

/// Euclidean projection onto the simplex $\Delta^T$ (sort-based); `s` is scratch of `b`'s length.
pub fn proj_simplex(b: &[f64], out: &mut [f64], s: &mut [f64]) {
    s.copy_from_slice(b);
    s.sort_unstable_by(|x, y| y.total_cmp(x));
    let mut cum = 0.0;
    let mut tau = 0.0;
    for (i, &x) in s.iter().enumerate() {
        cum += x;
        let t = (cum - 1.0) / (i + 1) as f64;
        if x - t > 0.0 {
            tau = t;
        }
    }
    for (o, &x) in out.iter_mut().zip(b) {
        *o = (x - tau).max(0.0);
    }
}
