"""Hysteresis thresholding (Canny 1986), the app's seed rule: a landslide is a connected region
(8-neighbours) of probability >= `low` that holds at least one pixel >= `high` (its seed). The app
applies it as it vectorises (src-main/core/vector/separate.ts: a blob whose peak is under the card's
`seedThreshold` is dropped before it is cut or measured); this is its twin, for choosing the pair on
validation and for the held-out figures.

Why: most of the satellite model's false-positive pixels are faint, seedless patches of bare ground in
landslide-free images (71 % of them in Bijie validation's 308 landslide-free images), while a real
landslide usually holds a confident core; a low extent threshold around a confident seed also recovers
the landslide's fringe that a single threshold cuts off.

Choice (`select`, validation only): every (low, high) with low on THRESHOLDS and high >= low (high ==
low is the plain threshold), scored as score_sets scores (the mean over the validation sets of pooled
F1 at the common pair). The rule is adopted only if it gains at least MIN_GAIN over the plain
threshold, else the card keeps one threshold.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from . import metrics as M
from .validate import THRESHOLDS

MIN_GAIN = 0.01
EIGHT = np.ones((3, 3), bool)


def seeded_mask(prob: np.ndarray, low: float, high: float) -> np.ndarray:
    """Pixels >= low in a connected region (8-neighbours) whose peak is >= high (NaN: never kept)."""
    region = prob >= low
    if high <= low:
        return region
    labels, n = ndimage.label(region, structure=EIGHT)
    if n == 0:
        return region
    peak = ndimage.maximum(prob, labels, index=np.arange(1, n + 1))
    keep = np.concatenate([[False], np.asarray(peak) >= high])
    return keep[labels]


def pooled(probs, masks, low: float, high: float):
    """Pooled metrics of the seeded masks (as metrics.pooled)."""
    return M.pooled([seeded_mask(p, low, high).astype(np.float32) for p in probs], masks, 0.5)


def per_image_mean(probs, masks, low: float, high: float):
    return M.per_image_mean([seeded_mask(p, low, high).astype(np.float32) for p in probs], masks, 0.5)


class _Components:
    """Per component of `prob >= low` over a set of images: its peak and its landslide / stable pixel
    counts (unmapped excluded), so that every `high` is scored without labelling again."""

    def __init__(self, probs, masks, low: float):
        peaks, tps, fps = [], [], []
        self.positives = 0
        for p, m in zip(probs, masks):
            valid = m != M.IGNORE
            self.positives += int(np.sum(m[valid] == 1))
            labels, n = ndimage.label(p >= low, structure=EIGHT)
            if n == 0:
                continue
            peaks.append(np.asarray(ndimage.maximum(p, labels, index=np.arange(1, n + 1))))
            tps.append(np.bincount(labels[valid & (m == 1)], minlength=n + 1)[1:])
            fps.append(np.bincount(labels[valid & (m != 1)], minlength=n + 1)[1:])
        cat = lambda xs, t: np.concatenate(xs) if xs else np.zeros(0, t)  # noqa: E731
        self.peak, self.tp, self.fp = cat(peaks, np.float64), cat(tps, np.int64), cat(fps, np.int64)
        order = np.argsort(-self.peak, kind='stable')
        self.peak_desc = self.peak[order]
        self.tp_cum = np.concatenate([[0], np.cumsum(self.tp[order])])
        self.fp_cum = np.concatenate([[0], np.cumsum(self.fp[order])])

    def f1_at(self, highs: np.ndarray) -> np.ndarray:
        # components whose peak >= high: a prefix of the peaks sorted in descending order
        k = np.searchsorted(-self.peak_desc, -np.asarray(highs), side='right')
        tp, fp = self.tp_cum[k], self.fp_cum[k]
        fn = self.positives - tp
        den = 2 * tp + fp + fn
        return np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)


def select(prob_sets, plain_threshold: float, lows=THRESHOLDS, highs=THRESHOLDS) -> dict:
    """prob_sets: [(name, probability arrays, masks)]. Returns the chosen pair, its validation score, the
    plain threshold's score on the same sets, per-set F1 and whether the rule is adopted."""
    lows, highs = np.asarray(lows), np.asarray(highs)
    grid = np.zeros((len(lows), len(highs)))
    per_set = {}
    for name, probs, masks in prob_sets:
        f = np.zeros_like(grid)
        for i, lo in enumerate(lows):
            c = _Components(probs, masks, float(lo))
            f[i] = c.f1_at(np.maximum(highs, lo))
        per_set[name] = f
        grid += f / len(prob_sets)
    # a pair with high <= low is the plain threshold at low
    i_plain = int(np.argmin(np.abs(lows - plain_threshold)))
    plain = float(grid[i_plain, 0])
    i, j = np.unravel_index(int(np.argmax(grid)), grid.shape)
    low, high = float(lows[i]), float(max(highs[j], lows[i]))
    adopted = high > low and grid[i, j] - plain >= MIN_GAIN
    return {'low': low, 'high': high, 'score': float(grid[i, j]), 'plain_threshold': float(lows[i_plain]), 'plain_score': plain,
            'adopted': bool(adopted), 'min_gain': MIN_GAIN,
            'sets': {n: {'f1': float(f[i, j]), 'plain_f1': float(f[i_plain, 0])} for n, f in per_set.items()}}
