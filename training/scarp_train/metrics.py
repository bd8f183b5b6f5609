"""Pixel metrics (pooled and per-image) and image-level AUROC/AUPRC. ignore = 255 is excluded.

Same definitions as Scarp's `evaluate` (src-main/core/eval/metrics.ts): a pixel counts where the
reference is mapped (mask != 255); there, a pixel with no prediction (NaN: nodata, or outside the
prediction) is "not predicted" (a negative), never left out. The inputs here are the network's
probabilities over whole tiles, which have no NaN, so `prob >= thr` needs no special case (NaN >= thr
is False, which is that same rule).
"""
from __future__ import annotations

import numpy as np

IGNORE = 255


def confusion(prob: np.ndarray, mask: np.ndarray, thr: float):
    v = mask != IGNORE
    p = prob[v] >= thr
    t = mask[v] == 1
    tp = int(np.sum(p & t)); fp = int(np.sum(p & ~t)); fn = int(np.sum(~p & t)); tn = int(np.sum(~p & ~t))
    return tp, fp, fn, tn


def prf(tp, fp, fn):
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0
    iou = tp / (tp + fp + fn) if (tp + fp + fn) else 0.0
    return {'precision': prec, 'recall': rec, 'f1': f1, 'iou': iou}


def pooled(probs, masks, thr):
    tp = fp = fn = tn = 0
    for p, m in zip(probs, masks):
        a, b, c, d = confusion(p, m, thr)
        tp += a; fp += b; fn += c; tn += d
    r = prf(tp, fp, fn)
    r['pixels'] = tp + fp + fn + tn
    return r


def per_image_mean(probs, masks, thr):
    """Mean over images of F1/IoU; an image with no landslide and no prediction counts as 1
    (the convention the Bijie papers' per-image averages imply); precision/recall likewise."""
    rows = []
    for p, m in zip(probs, masks):
        tp, fp, fn, _ = confusion(p, m, thr)
        if tp + fp + fn == 0:
            rows.append({'precision': 1.0, 'recall': 1.0, 'f1': 1.0, 'iou': 1.0})
        else:
            rows.append(prf(tp, fp, fn))
    return {k: float(np.mean([r[k] for r in rows])) for k in ('precision', 'recall', 'f1', 'iou')}


def pooled_histograms(probs, masks, bins=1000):
    """Histograms of positive/negative pixel probabilities for fast threshold sweeps."""
    pos = np.zeros(bins, np.int64); neg = np.zeros(bins, np.int64)
    for p, m in zip(probs, masks):
        v = m != IGNORE
        idx = np.clip((p[v] * bins).astype(np.int64), 0, bins - 1)
        t = m[v] == 1
        pos += np.bincount(idx[t], minlength=bins); neg += np.bincount(idx[~t], minlength=bins)
    return pos, neg


def sweep(pos, neg, thresholds):
    bins = len(pos)
    out = []
    cpos = np.cumsum(pos[::-1])[::-1]; cneg = np.cumsum(neg[::-1])[::-1]
    for t in thresholds:
        i = int(np.ceil(t * bins - 1e-9))
        i = min(max(i, 0), bins - 1)
        tp = int(cpos[i]); fp = int(cneg[i]); fn = int(pos.sum() - tp)
        out.append(prf(tp, fp, fn))
    return out


def best_threshold(probs, masks):
    pos, neg = pooled_histograms(probs, masks)
    ths = np.round(np.arange(0.05, 0.951, 0.01), 2)
    res = sweep(pos, neg, ths)
    i = int(np.argmax([r['f1'] for r in res]))
    return float(ths[i]), res[i]


def auc_roc(scores, labels):
    scores = np.asarray(scores, float); labels = np.asarray(labels, bool)
    n1, n0 = labels.sum(), (~labels).sum()
    if n1 == 0 or n0 == 0:
        return float('nan')
    from scipy.stats import rankdata
    r = rankdata(scores)
    return float((r[labels].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def auc_pr(scores, labels):
    """Average precision (step-wise, as sklearn's average_precision_score)."""
    scores = np.asarray(scores, float); labels = np.asarray(labels, bool)
    order = np.argsort(-scores, kind='mergesort')
    s = scores[order]; l = labels[order]
    tp = np.cumsum(l); fp = np.cumsum(~l)
    # distinct thresholds
    idx = np.r_[np.where(np.diff(s))[0], len(s) - 1]
    tp, fp = tp[idx], fp[idx]
    prec = tp / (tp + fp); rec = tp / max(1, l.sum())
    rec_prev = np.r_[0, rec[:-1]]
    return float(np.sum((rec - rec_prev) * prec))
