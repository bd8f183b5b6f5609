"""Hard negatives for the satellite recipe: pixels the current model calls landslide where the reference
says not (on Bijie, 77 % of the validation false positives lie in the landslide-free images: bare
ground, quarries, terraces). A share of the crops is centred on them, so the model sees most of what
it still gets wrong; they are mined again every few epochs as the model changes."""
from __future__ import annotations

import numpy as np
import torch

from . import validate as V

PIXELS_PER_SAMPLE = 2000  # a uniform subsample of each sample's false positives (memory)


def mine(net, samples, spec: dict, inputs: list[dict], dev=torch.device('cpu'), threshold: float = 0.5,
         seed: int = 0) -> list[tuple[int, np.ndarray, int]]:
    """[(sample index, (row, col) array of false-positive pixels, false-positive count)] of the samples
    where the model's probability is at least `threshold` on a pixel whose reference is 0."""
    rng = np.random.default_rng(seed)
    net.eval()
    out = []
    for i, (s, lg) in enumerate(zip(samples, V.sample_logits(net, samples, spec, inputs, dev))):
        fp = np.argwhere((V.sigmoid(lg) >= threshold) & (s.mask == 0))
        n = len(fp)
        if n > PIXELS_PER_SAMPLE:
            fp = fp[rng.choice(n, PIXELS_PER_SAMPLE, replace=False)]
        if n:
            out.append((i, fp, n))
    return out
