from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = 255


def _valid(target):
    v = (target != IGNORE).float()
    t = (target == 1).float()
    return v, t


def tversky(logits, target, alpha=0.3, beta=0.7, eps=1.0):
    """Tversky loss over the batch (alpha weighs false positives, beta false negatives), ignore=255."""
    v, t = _valid(target)
    p = torch.sigmoid(logits) * v
    tp = (p * t).sum()
    fp = (p * (1 - t)).sum()
    fn = ((1 - p) * t * v).sum()
    return 1 - (tp + eps) / (tp + alpha * fp + beta * fn + eps)


def bce_dice(logits, target, eps=1.0):
    v, t = _valid(target)
    bce = (F.binary_cross_entropy_with_logits(logits, t, reduction='none') * v).sum() / v.sum().clamp(min=1)
    p = torch.sigmoid(logits) * v
    dice = 1 - (2 * (p * t).sum() + eps) / (p.sum() + t.sum() + eps)
    return bce + dice


def digate_loss(out, target):
    """Tversky(main) + 0.6 Tversky(aux 1/4) + 0.4 Tversky(aux 1/2) + 1e-3 * sum_g mean(a(1-a))."""
    loss = tversky(out['main'], target)
    if 'aux4' in out:
        loss = loss + 0.6 * tversky(out['aux4'], target) + 0.4 * tversky(out['aux2'], target)
    reg = sum((a * (1 - a)).mean() for a in out['gates'])
    return loss + 1e-3 * reg
