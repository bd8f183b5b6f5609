"""Compact training arrays for a GPU host (no GDAL there, at most 64 MiB of working tree travels):

    /usr/bin/python3 -m scarp_train.pack            # -> training/.gpu/pack.npz (~14 MB), UAV recipe
    /usr/bin/python3 -m scarp_train.pack --sat      # -> training/.gpu/pack-sat.npz (57 MB), satellite recipe

Holds the Jinsha sites for the UAV recipe: RGB uint8, DSM as int16 decimetres above the site's
minimum (-1 = nodata), the mask, the geotransform and the full height. Site B's test rows (and the
64-row buffer above them) never travel: they are rebuilt as unmapped (mask 255, RGB 0, DSM nodata),
so the splits, which depend on the height, stay the same. Bijie does not fit the budget (its
landslide images alone are ~32 MB even as YCbCr 4:2:0 + zlib, the 1,398 landslide-free ones ~430 MB
raw) beside the UAV pack, so the satellite recipe has its own pack: Bijie's training split as its
original files (JPEG q90 images, 1-bit PNG masks, byte for byte) and the Jinsha RGB as JPEG q90 (the
recipe draws 10 % of its crops from each site and degrades a third of all crops harder than that), no
DSM (the recipe has no terrain). Validation does not travel: the run trains with --val-every 0 there
and checkpoints and thresholds are chosen here (tile_select, evaluate). That pack only fits when the
repository's large tracked files stay behind (training/gpu/run-sat.sh says how).
"""
from __future__ import annotations

import io
import os
import sys

import numpy as np

from . import data as D

OUT = os.path.join(D.HERE, '.gpu', 'pack.npz')
OUT_SAT = os.path.join(D.HERE, '.gpu', 'pack-sat.npz')


def _jpeg(rgb: np.ndarray, quality: int = 90) -> np.ndarray:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb.transpose(1, 2, 0))).save(buf, 'JPEG', quality=quality)
    return np.frombuffer(buf.getvalue(), np.uint8)


def _concat(blobs: list[bytes]):
    off = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    return np.frombuffer(b''.join(blobs), np.uint8), off


def build_sat(path: str = OUT_SAT, limit: int | None = None) -> str:
    """`limit`: the first N Bijie training samples only (smoke tests)."""
    arrays = {}
    root = os.path.join(D.data_dir(), 'bijie')
    ids = open(os.path.join(root, 'train.txt')).read().split()[:limit]
    arrays['bj_ids'] = np.array(ids)
    arrays['bj_img'], arrays['bj_img_off'] = _concat([open(f'{root}/images/{i}.jpg', 'rb').read() for i in ids])
    arrays['bj_mask'], arrays['bj_mask_off'] = _concat([open(f'{root}/masks/{i}.png', 'rb').read() for i in ids])
    for site in 'AB':
        rgb, _, mask, gt = D.jinsha_raw(site)
        H = mask.shape[0]
        keep = H if site == 'A' else D.b_test_row(H) - D.BUFFER
        arrays.update({f'{site}_jpeg': _jpeg(rgb[:, :keep]), f'{site}_mask': mask[:keep],
                       f'{site}_gt': np.array(gt, np.float64), f'{site}_H': np.int64(H)})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez_compressed(path + '.tmp.npz', **arrays)
    os.replace(path + '.tmp.npz', path)
    return path


def load_bijie(path: str, split: str, limit: int | None = None) -> list:
    """Bijie samples from a satellite pack (training split only: validation and test never travel)."""
    z = np.load(path)
    if split != 'train' or 'bj_ids' not in z:
        raise SystemExit(f'{path} holds no Bijie {split} split (a GPU pack carries the training split only): '
                         'train with --val-every 0 there and select here')
    from PIL import Image
    ids = [str(i) for i in z['bj_ids']][:limit] if limit else [str(i) for i in z['bj_ids']]
    img, io_, msk, mo = z['bj_img'], z['bj_img_off'], z['bj_mask'], z['bj_mask_off']
    out = []
    for k, i in enumerate(ids):
        rgb = np.asarray(Image.open(io.BytesIO(img[io_[k]:io_[k + 1]].tobytes())).convert('RGB')).transpose(2, 0, 1).copy()
        m = np.asarray(Image.open(io.BytesIO(msk[mo[k]:mo[k + 1]].tobytes())))
        out.append(D.Sample(i, rgb, ((m[..., 0] if m.ndim == 3 else m) > 0).astype(np.uint8), 0.8))
    return out


def build(path: str = OUT) -> str:
    arrays = {}
    for site in 'AB':
        rgb, dsm, mask, gt = D.jinsha_raw(site)
        H = mask.shape[0]
        keep = H if site == 'A' else D.b_test_row(H) - D.BUFFER
        ok = dsm[:keep] != D_NODATA
        lo = float(dsm[:keep][ok].min())
        dm = np.where(ok, np.round((dsm[:keep] - lo) * 10), -1).astype(np.int16)
        arrays.update({f'{site}_rgb': rgb[:, :keep], f'{site}_dm': dm, f'{site}_lo': np.float64(lo), f'{site}_mask': mask[:keep],
                       f'{site}_gt': np.array(gt, np.float64), f'{site}_H': np.int64(H)})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez_compressed(path + '.tmp.npz', **arrays)
    os.replace(path + '.tmp.npz', path)
    return path


D_NODATA = -9999.0
_LOADED: dict = {}


def load_jinsha(path: str, site: str):
    key = (path, site)
    if key not in _LOADED:
        z = np.load(path)
        H = int(z[f'{site}_H'])
        mask_k = z[f'{site}_mask']
        if f'{site}_jpeg' in z:  # satellite pack: RGB as JPEG, no DSM
            from PIL import Image
            rgb_k = np.asarray(Image.open(io.BytesIO(z[f'{site}_jpeg'].tobytes())).convert('RGB')).transpose(2, 0, 1)
            dm = None
        else:
            rgb_k, dm = z[f'{site}_rgb'], z[f'{site}_dm']
        keep = mask_k.shape[0]
        rgb = np.zeros((3, H) + rgb_k.shape[2:], np.uint8); rgb[:, :keep] = rgb_k
        dsm = np.full((H,) + mask_k.shape[1:], D_NODATA, np.float32)
        if dm is not None:
            dsm[:keep] = np.where(dm >= 0, dm.astype(np.float64) / 10 + float(z[f'{site}_lo']), D_NODATA)
        mask = np.full((H,) + mask_k.shape[1:], 255, np.uint8); mask[:keep] = mask_k
        _LOADED[key] = (rgb, dsm, mask, tuple(z[f'{site}_gt'].tolist()))
    return _LOADED[key]


if __name__ == '__main__':
    args = [x for x in sys.argv[1:] if x != '--sat']
    if '--sat' in sys.argv[1:]:
        p = build_sat(args[0] if args else OUT_SAT)
    else:
        p = build(args[0] if args else OUT)
    print(f'{p}: {os.path.getsize(p) / 1e6:.1f} MB')
