"""Compact training arrays for a GPU host (no GDAL there, at most 64 MiB of working tree travels):

    /usr/bin/python3 -m scarp_train.pack            # -> training/.gpu/pack.npz (~14 MB)

Holds the Jinsha sites for the UAV recipe: RGB uint8, DSM as int16 decimetres above the site's
minimum (-1 = nodata), the mask, the geotransform and the full height. Site B's test rows (and the
64-row buffer above them) never travel: they are rebuilt as unmapped (mask 255, RGB 0, DSM nodata),
so the splits, which depend on the height, stay the same. Bijie does not fit the budget (its
landslide images alone are ~32 MB even as YCbCr 4:2:0 + zlib, the 1,398 landslide-free ones ~430 MB
raw): the satellite recipe trains here on CPU.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from . import data as D

OUT = os.path.join(D.HERE, '.gpu', 'pack.npz')


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
        rgb_k, dm, mask_k = z[f'{site}_rgb'], z[f'{site}_dm'], z[f'{site}_mask']
        keep = mask_k.shape[0]
        rgb = np.zeros((3, H) + rgb_k.shape[2:], np.uint8); rgb[:, :keep] = rgb_k
        dsm = np.full((H,) + dm.shape[1:], D_NODATA, np.float32)
        dsm[:keep] = np.where(dm >= 0, dm.astype(np.float64) / 10 + float(z[f'{site}_lo']), D_NODATA)
        mask = np.full((H,) + mask_k.shape[1:], 255, np.uint8); mask[:keep] = mask_k
        _LOADED[key] = (rgb, dsm, mask, tuple(z[f'{site}_gt'].tolist()))
    return _LOADED[key]


if __name__ == '__main__':
    p = build(sys.argv[1] if len(sys.argv) > 1 else OUT)
    print(f'{p}: {os.path.getsize(p) / 1e6:.1f} MB')
