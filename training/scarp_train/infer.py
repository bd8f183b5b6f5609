"""Full-scene tiled inference as the app does it: terrain derived over the whole scene from the
card's band specs (preprocess.py), tiles of card.tile.size with card.tile.overlap, per-tile
normalisation, smooth blending of overlaps (a raised-cosine ramp across the overlap)."""
from __future__ import annotations

import numpy as np
import torch

from . import preprocess as P


def ramp(n: int, overlap: int) -> np.ndarray:
    """1-D blending weight: raised cosine over `overlap` px at both ends, 1 inside, floor 1e-3."""
    i = np.arange(n) + 0.5
    d = np.minimum(i, n - i)
    w = np.ones(n)
    if overlap > 0:
        x = np.clip(d / overlap, 0, 1)
        w = 0.5 - 0.5 * np.cos(np.pi * x)
    return np.maximum(w, 1e-3)


def tile_origins(n: int, tile: int, overlap: int) -> list[int]:
    if n <= tile:
        return [0]
    stride = tile - overlap
    o = list(range(0, n - tile, stride))
    o.append(n - tile)
    return o


@torch.no_grad()
def predict_scene(net, card_inputs: list[dict], rgb: np.ndarray, dem: np.ndarray | None, gsd, tile=256, overlap=64,
                  rows: tuple[int, int] | None = None, batch=4) -> np.ndarray:
    """Probability (H,W) float32 for a scene; `rows` restricts the tiles to those touching a row range
    (the whole scene is still used for terrain derivation)."""
    H, W = rgb.shape[-2:]
    planes = [P.source_planes(rgb, dem, inp['bands'], gsd) for inp in card_inputs]
    acc = np.zeros((H, W), np.float64)
    wsum = np.zeros((H, W), np.float64)
    r_lo, r_hi = rows if rows else (0, H)
    r_lo = max(0, r_lo - overlap)
    r_hi = min(H, r_hi + overlap)
    sub_h = r_hi - r_lo
    origins = [(r_lo + r, c) for r in tile_origins(sub_h, tile, overlap) for c in tile_origins(W, tile, overlap)]
    th, tw = min(tile, H), min(tile, W)
    w2 = ramp(th, overlap)[:, None] * ramp(tw, overlap)[None, :]
    pad_h, pad_w = -(-th // 16) * 16, -(-tw // 16) * 16
    for k in range(0, len(origins), batch):
        chunk = origins[k:k + batch]
        tensors = []
        for inp, pl in zip(card_inputs, planes):
            arr = np.zeros((len(chunk), len(inp['bands']), pad_h, pad_w), np.float32)
            for j, (r, c) in enumerate(chunk):
                for b, (spec, plane) in enumerate(zip(inp['bands'], pl)):
                    fill = spec.get('fill', 0.0)
                    if plane is None:
                        arr[j, b] = fill
                        continue
                    arr[j, b, :th, :tw] = P.normalize(plane[r:r + th, c:c + tw], spec['normalization'], spec.get('clip'), fill)
            tensors.append(torch.from_numpy(arr))
        out = torch.sigmoid(net(*tensors)['main'])[:, 0].numpy()
        for j, (r, c) in enumerate(chunk):
            acc[r:r + th, c:c + tw] += out[j, :th, :tw] * w2
            wsum[r:r + th, c:c + tw] += w2
    prob = np.where(wsum > 0, acc / np.maximum(wsum, 1e-12), 0.0).astype(np.float32)
    return prob
