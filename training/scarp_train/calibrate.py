"""Temperature scaling (Guo et al. 2017) fitted on validation logits, expected calibration error and
reliability diagrams.

ECE: pixels with p >= 0.1 (easy negatives would hide miscalibration), 15 equal-width bins over
[0.1, 1], ECE = sum_b (n_b / N) |mean(y in b) - mean(p in b)|.
"""
from __future__ import annotations

import numpy as np

IGNORE = 255


def _flat(logits_list, masks):
    z = np.concatenate([l[m != IGNORE].ravel() for l, m in zip(logits_list, masks)]).astype(np.float64)
    y = np.concatenate([(m[m != IGNORE] == 1).ravel() for m in masks]).astype(np.float64)
    return z, y


def nll(z, y, t):
    s = z / t
    # log(1 + exp(-|s|)) + max(s, 0) - y s, numerically stable BCE with logits
    return float(np.mean(np.log1p(np.exp(-np.abs(s))) + np.maximum(s, 0) - y * s))


def fit_temperature(logits_list, masks, max_pixels=2_000_000, seed=0) -> float:
    """The temperature T > 0 minimising the NLL of sigmoid(z / T) on the given pixels (golden-section
    search over log T in [log 0.05, log 20])."""
    z, y = _flat(logits_list, masks)
    if len(z) > max_pixels:
        i = np.random.default_rng(seed).choice(len(z), max_pixels, replace=False)
        z, y = z[i], y[i]
    lo, hi = np.log(0.05), np.log(20.0)
    g = (np.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(z, y, np.exp(a)), nll(z, y, np.exp(b))
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo); fa = nll(z, y, np.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo); fb = nll(z, y, np.exp(b))
    return float(np.exp((lo + hi) / 2))


def reliability(probs, masks, bins=15, p_min=0.1):
    """Per-bin (lower, upper, count, mean p, fraction landslide) and the ECE, over pixels with p >= p_min."""
    p = np.concatenate([q[m != IGNORE].ravel() for q, m in zip(probs, masks)]).astype(np.float64)
    y = np.concatenate([(m[m != IGNORE] == 1).ravel() for m in masks]).astype(np.float64)
    keep = p >= p_min
    p, y = p[keep], y[keep]
    edges = np.linspace(p_min, 1.0, bins + 1)
    idx = np.clip(np.searchsorted(edges, p, side='right') - 1, 0, bins - 1)
    rows, ece = [], 0.0
    n = len(p)
    for b in range(bins):
        sel = idx == b
        c = int(sel.sum())
        if c == 0:
            rows.append((edges[b], edges[b + 1], 0, None, None))
            continue
        mp, fy = float(p[sel].mean()), float(y[sel].mean())
        ece += c / n * abs(fy - mp)
        rows.append((float(edges[b]), float(edges[b + 1]), c, mp, fy))
    return rows, float(ece), n


def reliability_png(curves: dict, path: str, title: str):
    """curves: label -> (rows, ece) from `reliability`."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    ax.plot([0, 1], [0, 1], ':', color='grey', lw=1)
    for label, (rows, ece) in curves.items():
        xs = [r[3] for r in rows if r[2]]
        ys = [r[4] for r in rows if r[2]]
        ax.plot(xs, ys, 'o-', ms=3, label=f'{label} (ECE {ece:.3f})')
    ax.set_xlabel('predicted probability (bins of 0.06 over p >= 0.1)')
    ax.set_ylabel('fraction of landslide pixels')
    ax.set_xlim(0, 1); ax.set_ylim(0, 1); ax.set_title(title, fontsize=9); ax.legend(fontsize=7, loc='upper left')
    fig.tight_layout(); fig.savefig(path, dpi=90); plt.close(fig)


def fit_platt(logits_list, masks, max_pixels=2_000_000, seed=0) -> tuple[float, float]:
    """Platt scaling on the logits, written as a temperature and a bias shift: p = sigmoid((z + shift) / T),
    (a = 1/T, c = shift/T) minimising the NLL by Newton's method. Temperature alone (one scale) cannot
    fix a model whose high-probability pixels are too often wrong while the easy negatives dominate
    the NLL: measured on the satellite specialist's validation, ECE(p >= 0.1) 0.312 raw, 0.346 with
    temperature only, 0.017 with Platt."""
    z, y = _flat(logits_list, masks)
    if len(z) > max_pixels:
        i = np.random.default_rng(seed).choice(len(z), max_pixels, replace=False)
        z, y = z[i], y[i]
    a, c = 1.0, 0.0
    def loss(a, c):
        return nll(a * z + c, y, 1.0)
    f = loss(a, c)
    for _ in range(100):
        s = np.clip(a * z + c, -60, 60)
        p = 1.0 / (1.0 + np.exp(-s))
        g = p - y
        w = p * (1 - p)
        H = np.array([[np.mean(w * z * z), np.mean(w * z)], [np.mean(w * z), np.mean(w)]]) + 1e-9 * np.eye(2)
        d = np.linalg.solve(H, [np.mean(g * z), np.mean(g)])
        # Backtracking: a full Newton step from (1, 0) can overshoot when the logits are large and
        # nearly separable (seen: slope 1e9, a step function), so every step must lower the NLL.
        t = 1.0
        while t > 1e-6:
            fn = loss(a - t * d[0], c - t * d[1])
            if fn <= f:
                break
            t /= 2
        if t <= 1e-6:
            break
        a, c = a - t * d[0], c - t * d[1]
        decrease, f = f - fn, fn
        if np.abs(t * d).max() < 1e-8 or decrease < 1e-12:
            break
    if a <= 0:
        raise ValueError(f'Platt scaling gave a non-positive slope ({a:.3g}): the logits do not rank landslides')
    return float(1.0 / a), float(c / a)
