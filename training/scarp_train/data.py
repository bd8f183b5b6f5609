"""Datasets, fixed splits and crop sampling with scale/photometric augmentation.

Splits (never train or tune on a test split):
- Bijie: train.txt / val.txt / test.txt as shipped.
- UAV ortho tiles: ids sorted numerically; the last 20 % (a contiguous id block) is validation.
- Jinsha site A: rows >= A_VAL_ROW are validation; rows [A_VAL_ROW-64, A_VAL_ROW) unused; rest train.
- Jinsha site B: rows < B_TEST_ROW - 64 train (northern 60 % minus buffer); rows >= B_TEST_ROW
  (southern 40 %, B_TEST_ROW = round(0.6 * H)) are the test area; the 64 rows between are unused.
"""
from __future__ import annotations

import glob
import os
import pickle
from dataclasses import dataclass, field

import numpy as np

IGNORE = 255
BUFFER = 64
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(HERE, '.cache')


def data_dir() -> str:
    d = os.environ.get('SCARP_DATA') or os.path.join(HERE, '..', '..', 'shared', 'data')
    return os.path.abspath(d)


def _cache(name, fn):
    os.makedirs(CACHE, exist_ok=True)
    p = os.path.join(CACHE, name + '.pkl')
    if os.path.exists(p):
        with open(p, 'rb') as f:
            return pickle.load(f)
    v = fn()
    with open(p + '.tmp', 'wb') as f:
        pickle.dump(v, f, protocol=4)
    os.replace(p + '.tmp', p)
    return v


@dataclass
class Sample:
    """One image (or scene region): rgb (3,H,W) uint8, mask (H,W) uint8 0/1/255, optional terrain
    (k,H,W) float32 already normalised (NaN-free), gsd in metres."""
    name: str
    rgb: np.ndarray
    mask: np.ndarray
    gsd: float
    terrain: np.ndarray | None = None
    rows: tuple[int, int] | None = None  # usable row range for crops (Jinsha)


def _read_img(path):
    from PIL import Image
    return np.asarray(Image.open(path).convert('RGB')).transpose(2, 0, 1).copy()


def _read_mask(path):
    from PIL import Image
    m = np.asarray(Image.open(path))
    if m.ndim == 3:
        m = m[..., 0]
    return (m > 0).astype(np.uint8)


def bijie(split: str, limit: int | None = None) -> list[Sample]:
    root = os.path.join(data_dir(), 'bijie')
    ids = open(os.path.join(root, f'{split}.txt')).read().split()
    if limit:
        ids = ids[:limit]

    def load():
        return [Sample(i, _read_img(f'{root}/images/{i}.jpg'), _read_mask(f'{root}/masks/{i}.png'), 0.8) for i in ids]
    return load() if limit else _cache(f'bijie_{split}', load)


def uav_ids() -> list[str]:
    root = os.path.join(data_dir(), 'uav-ortho-tiles', 'images')
    ids = [os.path.basename(p)[len('image_'):-4] for p in glob.glob(os.path.join(root, 'image_*.jpg'))]
    return sorted(ids, key=int)


def uav(split: str, limit: int | None = None) -> list[Sample]:
    root = os.path.join(data_dir(), 'uav-ortho-tiles')
    ids = uav_ids()
    cut = int(len(ids) * 0.8)
    ids = ids[:cut] if split == 'train' else ids[cut:]
    if limit:
        ids = ids[:limit]

    def load():
        # the orthophoto's GSD is not documented; tiles look like ~0.2-0.5 m UAV imagery, we tag 0.3 m
        return [Sample('uav_' + i, _read_img(f'{root}/images/image_{i}.jpg'), _read_mask(f'{root}/masks/image_{i}.png'), 0.3)
                for i in ids]
    return load() if limit else _cache(f'uav_{split}', load)


def jinsha_raw(site: str):
    """rgb (3,H,W) uint8, dsm (H,W) float64 with NaN, mask (H,W), geotransform."""
    from osgeo import gdal
    root = os.path.join(data_dir(), 'jinsha-uav')

    def load():
        ds = gdal.Open(f'{root}/site{site}_rgb.tif')
        rgb = ds.ReadAsArray()
        gt = ds.GetGeoTransform()
        dsm = gdal.Open(f'{root}/site{site}_dsm.tif').ReadAsArray().astype(np.float32)
        mask = gdal.Open(f'{root}/site{site}_mask.tif').ReadAsArray().astype(np.uint8)
        return rgb, dsm, mask, gt
    return _cache(f'jinsha_{site}', load)


def jinsha_rows(site: str, split: str, H: int) -> tuple[int, int]:
    if site == 'A':
        v = a_val_row(H)
        return (0, v - BUFFER) if split == 'train' else (v, H)
    t = b_test_row(H)
    return (0, t - BUFFER) if split == 'train' else (t, H)


def a_val_row(H: int) -> int:
    return int(round(0.75 * H))


def b_test_row(H: int) -> int:
    return int(round(0.6 * H))


def terrain_planes(site: str, bands: list[dict] | None):
    """Normalised terrain channels for a whole site (k,H,W) float32, or None (cached per spec)."""
    if not bands:
        return None
    import json
    import hashlib
    from . import preprocess as P
    key = hashlib.md5(json.dumps(bands, sort_keys=True).encode()).hexdigest()[:10]

    def load():
        rgb, dsm, mask, gt = jinsha_raw(site)
        planes = P.source_planes(None, dsm, bands, (abs(gt[1]), abs(gt[5])))
        out = []
        for b, p in zip(bands, planes):
            n = b['normalization']
            if n['kind'].startswith('tile-'):
                out.append(p.astype(np.float32))  # tile-wise normalisation happens per crop
            else:
                out.append(P.normalize(p, n, b.get('clip'), b.get('fill', 0.0)).astype(np.float32))
        return np.stack(out)
    return _cache(f'terrain_{site}_{key}', load)


def jinsha(site: str, split: str, terrain_bands: list[dict] | None = None) -> Sample:
    rgb, dsm, mask, gt = jinsha_raw(site)
    H = mask.shape[0]
    r0, r1 = jinsha_rows(site, split, H)
    terr = terrain_planes(site, terrain_bands)
    gsd = (abs(gt[1]) + abs(gt[5])) / 2
    return Sample(f'jinsha{site}_{split}', rgb, mask, gsd, terr, (r0, r1))


# ---------------------------------------------------------------- crop sampling

def _resize(arr: np.ndarray, out_hw: tuple[int, int], mode: str) -> np.ndarray:
    import torch
    import torch.nn.functional as F
    t = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))[None]
    if mode == 'nearest':
        r = F.interpolate(t, size=out_hw, mode='nearest')
    else:
        down = out_hw[0] < arr.shape[-2]
        r = F.interpolate(t, size=out_hw, mode='bilinear', align_corners=False, antialias=down)
    return r[0].numpy()


def random_crop(s: Sample, size: int, scale: float, rng: np.random.Generator, terrain_ch: int = 0,
                tile_norm: list[dict] | None = None):
    """A size x size crop of `s` resampled by `scale` (output px per source px). Returns
    (rgb float32 0..255 (3,h,w), terrain (k,h,w) or None, mask uint8)."""
    src = int(round(size / scale))
    H, W = s.mask.shape
    r_lo, r_hi = s.rows if s.rows else (0, H)
    for _ in range(20):
        if s.rows is not None:
            r0 = rng.integers(r_lo, max(r_lo + 1, r_hi - src + 1))
            c0 = rng.integers(0, max(1, W - src + 1))
        else:
            r0 = rng.integers(min(0, H - src), max(1, H - src + 1))
            c0 = rng.integers(min(0, W - src), max(1, W - src + 1))
        r1, c1 = r0 + src, c0 + src
        rr0, rr1 = max(r0, r_lo), min(r1, r_hi)
        cc0, cc1 = max(c0, 0), min(c1, W)
        m = np.full((src, src), IGNORE, np.uint8)
        m[rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = s.mask[rr0:rr1, cc0:cc1]
        if s.rows is None or (m != IGNORE).mean() > 0.3:
            break
    rgb = np.zeros((3, src, src), np.float32)
    rgb[:, rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = s.rgb[:, rr0:rr1, cc0:cc1]
    terr = None
    if terrain_ch:
        terr = np.zeros((terrain_ch, src, src), np.float32)
        if s.terrain is not None:
            terr[:, rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = s.terrain[:, rr0:rr1, cc0:cc1]
    if src != size:
        rgb = _resize(rgb, (size, size), 'bilinear')
        if terr is not None:
            terr = _resize(terr, (size, size), 'bilinear')
        valid = (m != IGNORE).astype(np.float32)
        pos = (m == 1).astype(np.float32)
        v = _resize(valid[None], (size, size), 'bilinear')[0]
        p = _resize(pos[None], (size, size), 'bilinear')[0]
        m = np.where(v < 0.5, IGNORE, (p > 0.5 * v)).astype(np.uint8)
    if terr is not None and s.terrain is not None and tile_norm:
        from . import preprocess as P
        for j, b in enumerate(tile_norm):
            if b['normalization']['kind'].startswith('tile-'):
                plane = np.where(m == IGNORE, np.nan, terr[j])
                terr[j] = P.normalize(plane, b['normalization'], b.get('clip'), b.get('fill', 0.0))
    return rgb, terr, m


def photometric(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Brightness/contrast/gamma/per-channel gain jitter, occasional greyscale; rgb in 0..255."""
    x = rgb / 255.0
    if rng.random() < 0.8:
        x = x * rng.uniform(0.75, 1.25) + rng.uniform(-0.08, 0.08)
        x = x * rng.uniform(0.9, 1.1, size=(3, 1, 1))
        mean = x.mean()
        x = (x - mean) * rng.uniform(0.75, 1.3) + mean
        x = np.clip(x, 0, 1) ** rng.uniform(0.8, 1.25)
    if rng.random() < 0.1:
        x = np.repeat(x.mean(0, keepdims=True), 3, 0)
    if rng.random() < 0.2:
        x = x + rng.normal(0, rng.uniform(0.005, 0.03), size=x.shape)
    return (np.clip(x, 0, 1) * 255.0).astype(np.float32)


def geometric(arrs: list[np.ndarray | None], rng: np.random.Generator):
    k = int(rng.integers(4))
    flip = rng.random() < 0.5
    out = []
    for a in arrs:
        if a is None:
            out.append(None)
            continue
        b = np.rot90(a, k, axes=(-2, -1))
        if flip:
            b = b[..., ::-1]
        out.append(np.ascontiguousarray(b))
    return out


def sample_gsd(r, rng) -> float:
    lo, mid, hi = r
    a, b = (lo, mid) if rng.random() < 0.6 else (mid, hi)
    return float(np.exp(rng.uniform(np.log(a), np.log(b))))


@dataclass
class Mixture:
    """Weighted mixture of sources; each draw picks a source, then a sample, then a crop."""
    sources: list[tuple[list[Sample], float]]
    size: int
    gsd_range: tuple[float, float, float]  # (min, split, max): 60 % of draws in [min, split]
    terrain_ch: int = 0
    terrain_bands: list[dict] | None = None
    terrain_drop: float = 0.0
    seed: int = 0
    native_jitter: dict = field(default_factory=dict)

    def batch(self, n: int, rng: np.random.Generator):
        ws = np.array([w for _, w in self.sources], float)
        ws /= ws.sum()
        rgbs, terrs, masks, has_t = [], [], [], []
        for _ in range(n):
            src = self.sources[rng.choice(len(ws), p=ws)][0]
            s = src[rng.integers(len(src))]
            target = sample_gsd(self.gsd_range, rng)
            scale = min(1.25, s.gsd / target)
            if s.rows is None:  # small chips: do not shrink them to a speck inside the crop
                scale = min(1.25, max(scale, 0.7 * self.size / max(s.mask.shape)))
            rgb, terr, m = random_crop(s, self.size, scale, rng, self.terrain_ch, self.terrain_bands)
            rgb = photometric(rgb, rng)
            keep_t = s.terrain is not None and rng.random() >= self.terrain_drop
            if terr is not None and not keep_t:
                terr[:] = 0.0
            rgb, terr, m = geometric([rgb, terr, m], rng)
            rgbs.append(rgb); masks.append(m); terrs.append(terr); has_t.append(keep_t)
        rgb = np.stack(rgbs)
        terr = np.stack(terrs) if self.terrain_ch else None
        return rgb, terr, np.stack(masks), np.array(has_t)
