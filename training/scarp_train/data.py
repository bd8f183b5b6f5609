"""Datasets, fixed splits and crop sampling with scale/photometric augmentation.

Splits (never train or tune on a test split):
- Bijie: train.txt / val.txt / test.txt as shipped.
- UAV ortho tiles: ids sorted numerically; the last 20 % (a contiguous id block) is validation.
- Jinsha site A: rows >= A_VAL_ROW are validation; rows [A_VAL_ROW-64, A_VAL_ROW) unused; rest train.
- Jinsha site B: rows >= B_TEST_ROW (southern 40 %, B_TEST_ROW = round(0.6 * H) = 1690) are the test
  area; rows [B_TEST_ROW - 320, B_TEST_ROW - 128) = [1370, 1562) are site B's validation block;
  rows < B_TEST_ROW - 384 = 1306 train. The 64-row buffers between (1306-1370, and 1562-1690, which
  includes the test area's own 64-row buffer) are used by nobody. The app uses the same rule
  (src-main/core/eval/splits.ts).
- Sentinel-2 tiles (100 tiles of 256 px overlapping by half, mosaicked to 1152 x 2048 px): rows >=
  S2 test row (round(0.75 H) = 1536) are the test area; rows [1536 - 320, 1536 - 64) = [1216, 1472) are
  validation; rows < 1536 - 384 = 1152 train; the 64-row buffers between are used by nobody (a split by
  tile would leak: every tile shares half of itself with its neighbours).
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
    nodata: float | None = None  # optical nodata value (per band, as GDAL_NODATA)
    # sparse labels (most pixels 255 = unlabelled): crops are not required to be mostly mapped, and
    # centred crops centre on any labelled pixel (landslide or not)
    sparse: bool = False


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
    if os.environ.get('SCARP_PACK'):
        from .pack import load_bijie
        return load_bijie(os.environ['SCARP_PACK'], split, limit)
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
    """rgb (3,H,W) uint8, dsm (H,W) float32 with nodata -9999, mask (H,W), geotransform. With
    $SCARP_PACK (a GPU host without GDAL) they come from the compact pack (scarp_train.pack)."""
    if os.environ.get('SCARP_PACK'):
        from .pack import load_jinsha
        return load_jinsha(os.environ['SCARP_PACK'], site)
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
    v0, v1 = b_val_rows(H)
    return {'train': (0, v0 - BUFFER), 'val': (v0, v1), 'test': (t, H)}[split]


def b_val_rows(H: int) -> tuple[int, int]:
    t = b_test_row(H)
    return t - 5 * BUFFER, t - 2 * BUFFER


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
                raise ValueError(f"{n['kind']} depends on the tile: use a scene-level normalisation (window-center) for training")
            out.append(P.normalize(p, n, b.get('clip'), b.get('fill', 0.0)).astype(np.float32))
        return np.stack(out)
    return _cache(f'terrain_{site}_{key}', load)


def jinsha(site: str, split: str, terrain_bands: list[dict] | None = None) -> Sample:
    rgb, dsm, mask, gt = jinsha_raw(site)
    H = mask.shape[0]
    r0, r1 = jinsha_rows(site, split, H)
    terr = terrain_planes(site, terrain_bands)
    gsd = (abs(gt[1]) + abs(gt[5])) / 2
    return Sample(f'jinsha{site}_{split}', rgb, mask, gsd, terr, (r0, r1), nodata=0.0)


S2_SCALE = 1e-4  # the tiles hold reflectance x 10,000


def s2_raw():
    """The Sentinel-2 tiles mosaicked on their common grid: optical (4,H,W) float32 reflectance (R, G,
    B, NIR; NaN = nodata), mask (H,W) uint8 (1 landslide, 0 not, 255 unlabelled: the tiles' 2/1/0),
    geotransform (EPSG:4326). Overlapping tiles agree on every labelled pixel (checked when built)."""
    from osgeo import gdal
    root = os.path.join(data_dir(), 'sentinel2-tiles')

    def load():
        ims = sorted(glob.glob(os.path.join(root, 'images', '*.tif')))
        vi = gdal.BuildVRT('/vsimem/s2_img.vrt', ims)
        vl = gdal.BuildVRT('/vsimem/s2_lab.vrt', [p.replace(os.sep + 'images' + os.sep, os.sep + 'labels' + os.sep) for p in ims])
        opt = vi.ReadAsArray().astype(np.float32)
        lab = vl.ReadAsArray()
        gt = vi.GetGeoTransform()
        covered = np.zeros(lab.shape, bool)
        for p in ims:
            d = gdal.Open(p.replace(os.sep + 'images' + os.sep, os.sep + 'labels' + os.sep))
            g = d.GetGeoTransform()
            x, y = round((g[0] - gt[0]) / gt[1]), round((g[3] - gt[3]) / gt[5])
            a = d.ReadAsArray()
            w = lab[y:y + a.shape[0], x:x + a.shape[1]]
            if np.any((a > 0) & (w != a)):
                raise ValueError(f'{p}: labels disagree with an overlapping tile')
            covered[y:y + a.shape[0], x:x + a.shape[1]] = True
        vi = vl = None
        gdal.Unlink('/vsimem/s2_img.vrt'); gdal.Unlink('/vsimem/s2_lab.vrt')
        opt[:, ~covered] = np.nan
        opt[~np.isfinite(opt)] = np.nan
        opt *= S2_SCALE
        mask = np.full(lab.shape, IGNORE, np.uint8)
        mask[lab == 1] = 0
        mask[lab == 2] = 1
        return opt, mask, gt
    return _cache('s2_mosaic', load)


def s2_gsd(gt) -> float:
    """Mean pixel size in metres of the EPSG:4326 mosaic at its centre latitude."""
    import math
    lat = math.radians(gt[3] + gt[5] * 1024)
    return (abs(gt[1]) * 111320.0 * math.cos(lat) + abs(gt[5]) * 110574.0) / 2


def s2_test_row(H: int) -> int:
    return int(round(0.75 * H))


def s2_rows(split: str, H: int) -> tuple[int, int]:
    t = s2_test_row(H)
    return {'train': (0, t - 6 * BUFFER), 'val': (t - 5 * BUFFER, t - BUFFER), 'test': (t, H)}[split]


def s2(split: str) -> Sample:
    opt, mask, gt = s2_raw()
    return Sample(f's2_{split}', opt, mask, s2_gsd(gt), None, s2_rows(split, mask.shape[0]), sparse=True)


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
                centre: tuple[int, int] | None = None):
    """A size x size crop of `s` resampled by `scale` (output px per source px). Returns
    (rgb float32 0..255 (3,h,w) with NaN = nodata or outside the sample, terrain (k,h,w) (already
    normalised, fill outside) or None, mask uint8 with 255 outside). `centre` (row, col in source
    pixels) centres the crop there, jittered by up to a quarter of the crop."""
    src = max(1, int(round(size / scale)))
    H, W = s.mask.shape
    r_lo, r_hi = s.rows if s.rows else (0, H)
    for _ in range(20):
        if centre is not None:
            j = max(1, src // 4)
            r0 = int(centre[0] - src // 2 + rng.integers(-j, j + 1))
            c0 = int(centre[1] - src // 2 + rng.integers(-j, j + 1))
        elif s.rows is not None:
            r0 = rng.integers(r_lo, max(r_lo + 1, r_hi - src + 1))
            c0 = rng.integers(0, max(1, W - src + 1))
        else:
            r0 = rng.integers(min(0, H - src), max(1, H - src + 1))
            c0 = rng.integers(min(0, W - src), max(1, W - src + 1))
        r1, c1 = r0 + src, c0 + src
        rr0, rr1 = max(r0, r_lo), min(r1, r_hi)
        cc0, cc1 = max(c0, 0), min(c1, W)
        if rr1 <= rr0 or cc1 <= cc0:
            continue
        m = np.full((src, src), IGNORE, np.uint8)
        m[rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = s.mask[rr0:rr1, cc0:cc1]
        if s.rows is None or s.sparse or (m != IGNORE).mean() > 0.3:
            break
    rgb = np.full((s.rgb.shape[0], src, src), np.nan, np.float32)
    block = s.rgb[:, rr0:rr1, cc0:cc1].astype(np.float32)
    if s.nodata is not None:
        block[block == s.nodata] = np.nan
    rgb[:, rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = block
    terr = None
    if terrain_ch:
        terr = np.zeros((terrain_ch, src, src), np.float32)
        if s.terrain is not None:
            terr[:, rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = s.terrain[:, rr0:rr1, cc0:cc1]
    if src != size:
        ok = np.isfinite(rgb).all(0).astype(np.float32)
        rgb = _resize(np.nan_to_num(rgb, nan=0.0), (size, size), 'bilinear')
        okr = _resize(ok[None], (size, size), 'bilinear')[0]
        rgb = np.where(okr[None] > 0.5, rgb / np.maximum(okr[None], 1e-6), np.nan).astype(np.float32)
        if terr is not None:
            terr = _resize(terr, (size, size), 'bilinear')
        valid = (m != IGNORE).astype(np.float32)
        pos = (m == 1).astype(np.float32)
        v = _resize(valid[None], (size, size), 'bilinear')[0]
        p = _resize(pos[None], (size, size), 'bilinear')[0]
        m = np.where(v < 0.5, IGNORE, (p > 0.5 * v)).astype(np.uint8)
    return rgb, terr, m


def degrade(rgb: np.ndarray, factor: float) -> np.ndarray:
    """Coarser imagery resampled back to this grid: antialiased down-sampling by `factor`, bilinear
    up-sampling (what a 3 m scene looks like after the app resamples it to a 1 m model)."""
    h, w = rgb.shape[-2:]
    ok = np.isfinite(rgb)
    small = _resize(np.nan_to_num(rgb, nan=0.0), (max(4, int(round(h / factor))), max(4, int(round(w / factor)))), 'bilinear')
    back = _resize(small, (h, w), 'bilinear')
    return np.where(ok, back, np.nan).astype(np.float32)


def photometric(rgb: np.ndarray, rng: np.random.Generator, unit: float = 255.0) -> np.ndarray:
    """Brightness/contrast/gamma/per-channel gain jitter, occasional greyscale (RGB only); values in
    0..unit (255 for 8-bit RGB), NaN kept."""
    c = rgb.shape[0]
    x = rgb / unit
    if rng.random() < 0.8:
        x = x * rng.uniform(0.75, 1.25) + rng.uniform(-0.08, 0.08)
        x = x * rng.uniform(0.9, 1.1, size=(c, 1, 1))
        mean = np.nanmean(x) if np.isfinite(x).any() else 0.0
        x = (x - mean) * rng.uniform(0.75, 1.3) + mean
        x = np.clip(x, 0, 1) ** rng.uniform(0.8, 1.25)
    if c == 3 and rng.random() < 0.1:
        x = np.repeat(x.mean(0, keepdims=True), 3, 0)
    if rng.random() < 0.2:
        x = x + rng.normal(0, rng.uniform(0.005, 0.03), size=x.shape)
    return (np.clip(x, 0, 1) * unit).astype(np.float32)


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


def positive_pixels(s: Sample, max_n: int = 4096, seed: int = 0) -> np.ndarray:
    """Up to max_n landslide pixel coordinates (row, col) of a sample, within its usable rows (of a
    sparse-label sample: every labelled pixel, landslide or not)."""
    m = s.mask
    if s.rows is not None:
        m = m.copy(); m[:s.rows[0]] = IGNORE if s.sparse else 0; m[s.rows[1]:] = IGNORE if s.sparse else 0
    rc = np.argwhere(m != IGNORE) if s.sparse else np.argwhere(m == 1)
    if len(rc) > max_n:
        rc = rc[np.random.default_rng(seed).choice(len(rc), max_n, replace=False)]
    return rc


@dataclass
class Mixture:
    """Weighted mixture of sources; each draw picks a source, then a sample, then a crop at a GSD drawn
    log-uniformly from `gsd` = (minM, maxM) (the range the model is run at as is). With probability
    `centred` a draw takes a sample holding landslides and centres the crop on one of its landslide
    pixels; with probability `degrade_p` the crop is degraded as coarser imagery would be. Sources with
    mined hard negatives (`set_hard`) give, with probability `hard_p`, a crop centred on a false-positive
    pixel of a sample drawn in proportion to its false-positive count."""
    sources: list[tuple[list[Sample], float]]
    size: int
    gsd: tuple[float, float]
    terrain_ch: int = 0
    terrain_drop: float = 0.0
    centred: float = 0.0
    degrade_p: float = 0.0
    unit: float = 255.0  # photometric() value range
    hard_p: float = 0.0
    _pos: dict = field(default_factory=dict)
    _hard: dict = field(default_factory=dict)

    def set_hard(self, si: int, mined: list[tuple[int, np.ndarray, int]]):
        """Hard negatives of source `si`: [(sample index, (row, col) pixels, false-positive count)]."""
        w = np.array([n for _, _, n in mined], float)
        self._hard[si] = (mined, w / w.sum()) if len(mined) else None

    def _positives(self, si: int):
        if si not in self._pos:
            src = self.sources[si][0]
            self._pos[si] = [(i, rc) for i, s in enumerate(src) for rc in [positive_pixels(s)] if len(rc)]
        return self._pos[si]

    def batch(self, n: int, rng: np.random.Generator):
        ws = np.array([w for _, w in self.sources], float)
        ws /= ws.sum()
        rgbs, terrs, masks, has_t = [], [], [], []
        for _ in range(n):
            si = int(rng.choice(len(ws), p=ws))
            src = self.sources[si][0]
            centre = None
            pos = self._positives(si) if self.centred > 0 else []
            hard = self._hard.get(si)
            if hard and rng.random() < self.hard_p:
                i, rc, _ = hard[0][int(rng.choice(len(hard[0]), p=hard[1]))]
                s = src[i]
                centre = tuple(rc[rng.integers(len(rc))])
            elif pos and rng.random() < self.centred:
                i, rc = pos[rng.integers(len(pos))]
                s = src[i]
                centre = tuple(rc[rng.integers(len(rc))])
            else:
                s = src[rng.integers(len(src))]
            target = float(np.exp(rng.uniform(np.log(self.gsd[0]), np.log(self.gsd[1]))))
            rgb, terr, m = random_crop(s, self.size, s.gsd / target, rng, self.terrain_ch, centre)
            if self.degrade_p and rng.random() < self.degrade_p:
                rgb = degrade(rgb, float(rng.uniform(1.5, 4.0)))
            rgb = photometric(rgb, rng, self.unit)
            keep_t = s.terrain is not None and rng.random() >= self.terrain_drop
            if terr is not None and not keep_t:
                terr[:] = 0.0
            rgb, terr, m = geometric([rgb, terr, m], rng)
            rgbs.append(rgb); masks.append(m); terrs.append(terr); has_t.append(keep_t)
        rgb = np.stack(rgbs)
        terr = np.stack(terrs) if self.terrain_ch else None
        return rgb, terr, np.stack(masks), np.array(has_t)
