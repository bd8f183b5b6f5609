"""Full-scene tiled inference as the app does it: terrain derived over the whole scene from the
card's band specs (preprocess.py, scene-level normalisations included), tiles of card.tile.size with
card.tile.overlap, per-tile normalisation, smooth blending of overlaps (a raised-cosine ramp across
the overlap), optional test-time flips (the mean of the identity and three flips, in probability
space, as the app's --tta)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from . import preprocess as P

FLIPS = [(), (3,), (2,), (2, 3)]


def taper_window(size: int, before: int, after: int) -> np.ndarray:
    """1-D blending weight of one tile span, as the app's (src-main/core/inference/blend.ts taperWindow):
    1 inside, sin^2 tapers over the overlap with the previous / next tile (none at the scene's edges;
    the last tile's overlap is often longer than the card's)."""
    w = np.ones(size)
    lo, hi = min(before, size // 2), min(after, size // 2)
    if lo:
        w[:lo] = np.sin(np.pi / 2 * (np.arange(lo) + 0.5) / lo) ** 2
    if hi:
        w[size - hi:] = (np.sin(np.pi / 2 * (np.arange(hi) + 0.5) / hi) ** 2)[::-1]
    return w


def span_windows(n: int, tile: int, overlap: int) -> dict[int, np.ndarray]:
    """{origin: taper window} of every tile along an axis of n pixels (the app's axisSpans)."""
    o = tile_origins(n, tile, overlap)
    size = min(tile, n)
    return {x: taper_window(size, o[i - 1] + size - x if i else 0, x + size - o[i + 1] if i + 1 < len(o) else 0)
            for i, x in enumerate(o)}


def tile_origins(n: int, tile: int, overlap: int) -> list[int]:
    if n <= tile:
        return [0]
    stride = tile - overlap
    o = list(range(0, n - tile, stride))
    o.append(n - tile)
    return o


def scene_planes(card_inputs, rgb, dem, gsd, rgb_nodata=None):
    """Every card input's raw planes over the whole scene (terrain derived, scene-level normalised)."""
    return [P.source_planes(rgb, dem, inp['bands'], gsd, rgb_nodata) for inp in card_inputs]


def forward_tiles(net, tensors, temperature=1.0, tta=False, logits=False):
    """(N,h,w) probabilities (or logits / temperature) of a batch of tiles."""
    outs = []
    dev = next(net.parameters()).device
    tensors = [t.to(dev) for t in tensors]
    for dims in (FLIPS if tta else FLIPS[:1]):
        ts = [t.flip(dims) if dims else t for t in tensors]
        o = net(*ts)['main'] / temperature
        if dims:
            o = o.flip(dims)
        outs.append(o if logits else torch.sigmoid(o))
    return torch.stack(outs).mean(0)[:, 0].cpu()


@torch.no_grad()
def predict_scene(net, card_inputs: list[dict], rgb: np.ndarray, dem: np.ndarray | None, gsd, tile=256, overlap=64,
                  rows: tuple[int, int] | None = None, batch=4, rgb_nodata: float | None = None, temperature: float = 1.0,
                  tta: bool = False, logits: bool = False, cols: tuple[int, int] | None = None, planes=None) -> np.ndarray:
    """Probability (H,W) float32 for a scene (or blended logits with `logits`); `rows`/`cols` restrict
    the tiles to those touching a range (the whole scene is still used for terrain derivation)."""
    H, W = rgb.shape[-2:]
    if planes is None:
        planes = scene_planes(card_inputs, rgb, dem, gsd, rgb_nodata)
    acc = np.zeros((H, W), np.float64)
    wsum = np.zeros((H, W), np.float64)
    r_lo, r_hi = rows if rows else (0, H)
    c_lo, c_hi = cols if cols else (0, W)
    th, tw = min(tile, H), min(tile, W)
    # the app's tiles over the whole scene (from row and column 0), only those touching the range run: a
    # pixel in the range gets exactly the app's blend (tiling the range alone moves tile edges and
    # changes what the decoder's tile-wide pooling sees)
    wr, wc = span_windows(H, tile, overlap), span_windows(W, tile, overlap)
    origins = [(r, c) for r in wr if r < r_hi and r + th > r_lo for c in wc if c < c_hi and c + tw > c_lo]
    pad_h, pad_w = -(-th // 32) * 32, -(-tw // 32) * 32
    for k in range(0, len(origins), batch):
        chunk = origins[k:k + batch]
        tensors = []
        for inp, pl in zip(card_inputs, planes):
            arr = np.zeros((len(chunk), len(inp['bands']), pad_h, pad_w), np.float32)
            for j, (r, c) in enumerate(chunk):
                for b, (spec, plane) in enumerate(zip(inp['bands'], pl)):
                    fill = spec.get('fill', 0.0)
                    arr[j, b] = fill
                    if plane is None:
                        continue
                    arr[j, b, :th, :tw] = P.normalize(plane[r:r + th, c:c + tw], spec['normalization'], spec.get('clip'), fill)
            tensors.append(torch.from_numpy(arr))
        out = forward_tiles(net, tensors, temperature, tta, logits).numpy()
        for j, (r, c) in enumerate(chunk):
            w2 = wr[r][:, None] * wc[c][None, :]
            acc[r:r + th, c:c + tw] += out[j, :th, :tw] * w2
            wsum[r:r + th, c:c + tw] += w2
    return np.where(wsum > 0, acc / np.maximum(wsum, 1e-12), 0.0).astype(np.float32)


def resample_plane(a: np.ndarray, out_hw: tuple[int, int], mode: str = 'bilinear') -> np.ndarray:
    """Bilinear (antialiased when shrinking) resampling of a (C,H,W) or (H,W) float array, NaN-aware."""
    x = np.asarray(a, np.float32)
    two = x.ndim == 2
    if two:
        x = x[None]
    ok = np.isfinite(x).astype(np.float32)
    t = torch.from_numpy(np.nan_to_num(x, nan=0.0))[None]
    o = torch.from_numpy(ok)[None]
    down = out_hw[0] < x.shape[-2]
    kw = dict(mode=mode, align_corners=False) if mode != 'nearest' else dict(mode='nearest')
    if mode != 'nearest' and down:
        kw['antialias'] = True
    r = F.interpolate(t, size=out_hw, **kw)[0].numpy()
    w = F.interpolate(o, size=out_hw, **kw)[0].numpy()
    r = np.where(w > 0.5, r / np.maximum(w, 1e-6), np.nan)
    return r[0] if two else r


def app_gsd(gsd: dict, scene: float) -> float:
    """The GSD the app runs a scene of `scene` metres at (src-main/core/inference/gsd.ts planScale)."""
    eps = 0.01  # bounds are met within 1 % (src-shared/model-pick.ts EPS)
    if gsd['minM'] * (1 - eps) <= scene <= gsd['maxM'] * (1 + eps):
        return scene
    return gsd['minM'] if scene < gsd['minM'] else gsd['maxM']


@torch.no_grad()
def predict_at_gsd(net, card_inputs, rgb, dem, gsd, target_gsd: float, rows=None, **kw) -> np.ndarray:
    """Run a scene of `gsd` at `target_gsd` (the app's resampling: the scene and DEM resampled, the
    probability resampled back onto the scene grid), rows in scene pixels."""
    g = (abs(gsd[0]) + abs(gsd[1])) / 2
    if abs(g / target_gsd - 1) < 1e-3:
        return predict_scene(net, card_inputs, rgb, dem, gsd, rows=rows, **kw)
    H, W = rgb.shape[-2:]
    f = g / target_gsd
    h2, w2 = max(1, int(round(H * f))), max(1, int(round(W * f)))
    nod = kw.pop('rgb_nodata', None)
    x = rgb.astype(np.float32)
    if nod is not None:
        x = np.where(x == nod, np.nan, x)
    rgb2 = resample_plane(x, (h2, w2))
    dem2 = None
    if dem is not None:
        d = P.dem_to_nan(dem)
        dem2 = resample_plane(d, (h2, w2))
        dem2 = np.where(np.isfinite(dem2), dem2, P.DEM_NODATA)
    rows2 = None if rows is None else (int(rows[0] * f), int(np.ceil(rows[1] * f)))
    p2 = predict_scene(net, card_inputs, rgb2, dem2, (target_gsd, target_gsd), rows=rows2, **kw)
    p = resample_plane(p2, (H, W))
    return np.nan_to_num(p, nan=0.0).astype(np.float32)
