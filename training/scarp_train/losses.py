"""Losses. BCE + Dice for every architecture (Tversky, used before, saturated the probabilities:
26 % of site B pixels at p >= 0.95), deep supervision on auxiliary heads where a net has them."""
from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = 255


def _valid(target):
    v = (target != IGNORE).float()
    t = (target == 1).float()
    return v, t


def bce_dice(logits, target, eps=1.0):
    """Mean BCE over mapped pixels + (1 - Dice) over the batch; 255 = unmapped, excluded."""
    v, t = _valid(target)
    bce = (F.binary_cross_entropy_with_logits(logits, t, reduction='none') * v).sum() / v.sum().clamp(min=1)
    p = torch.sigmoid(logits) * v
    dice = 1 - (2 * (p * t).sum() + eps) / (p.sum() + t.sum() + eps)
    return bce + dice


def deep_supervision_loss(out, target, aux_weights=(('aux4', 0.4), ('aux2', 0.2)), gate_reg=1e-3):
    """BCE + Dice on the main head, plus weighted BCE + Dice on auxiliary heads present in `out`,
    plus gate_reg x sum_g mean(a(1-a)) over fusion gates (DiGATe's regulariser)."""
    loss = bce_dice(out['main'], target)
    for key, w in aux_weights:
        if key in out:
            loss = loss + w * bce_dice(out[key], target)
    if out.get('gates'):
        loss = loss + gate_reg * sum((a * (1 - a)).mean() for a in out['gates'])
    return loss
