"""Jinsha site B averaged to a coarser GSD, as GeoTIFFs the app can run and score (training/README.md,
"Coarser scenes through the app"): RGB and DSM averaged over mapped pixels (a cell with less than half
of its pixels mapped is nodata), the reference a landslide where more than half of a cell's mapped
area is, unmapped (255) where less than half is mapped.

    /usr/bin/python3 -m scarp_train.coarsen_scene --gsd 3 --out /tmp/g3
    scarp detect --image /tmp/g3/rgb_3m.tif [--dem /tmp/g3/dsm_3m.tif] --out o.gpkg
    scarp eval --prediction o.gpkg --reference /tmp/g3/ref_3m.tif --ignore-value 255 --rows 282:469
"""
from __future__ import annotations

import argparse
import math
import os

import numpy as np
from osgeo import gdal

from .data import data_dir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--gsd', type=float, required=True, help='metres; a multiple of 0.5')
    ap.add_argument('--out', required=True, help='output folder')
    a = ap.parse_args()
    k = int(round(a.gsd / 0.5))
    if k < 1 or abs(k * 0.5 - a.gsd) > 1e-9:
        raise SystemExit(f'--gsd {a.gsd}: give a multiple of 0.5 m (site B is 0.5 m)')
    src = os.path.join(data_dir(), "jinsha-uav")
    ds = gdal.Open(os.path.join(src, 'siteB_rgb.tif'))
    rgb = ds.ReadAsArray()
    dsm = gdal.Open(os.path.join(src, 'siteB_dsm.tif')).ReadAsArray()
    ref = gdal.Open(os.path.join(src, 'siteB_mask.tif')).ReadAsArray()
    h, w = (rgb.shape[1] // k) * k, (rgb.shape[2] // k) * k

    def cells(x):
        return x[..., :h, :w].reshape(x.shape[:-2] + (h // k, k, w // k, k))

    def cell_sum(x):
        return cells(x).sum((-1, -3))

    mapped_rgb = (rgb > 0).any(0).astype(np.float64)
    n_rgb = cell_sum(mapped_rgb)
    out_rgb = cell_sum(rgb.astype(np.float64) * mapped_rgb) / np.maximum(n_rgb, 1)
    out_rgb = np.where(n_rgb >= 0.5 * k * k, np.clip(np.round(out_rgb), 1, 255), 0).astype(np.uint8)
    mapped_dsm = (dsm > -9000).astype(np.float64)
    n_dsm = cell_sum(mapped_dsm)
    out_dsm = cell_sum(np.where(dsm > -9000, dsm, 0).astype(np.float64)) / np.maximum(n_dsm, 1)
    out_dsm = np.where(n_dsm >= 0.5 * k * k, out_dsm, -9999).astype(np.float32)
    n_ref = cell_sum((ref != 255).astype(np.float64))
    n_ls = cell_sum((ref == 1).astype(np.float64))
    out_ref = np.where(n_ref < 0.5 * k * k, 255, (n_ls > 0.5 * n_ref).astype(np.uint8)).astype(np.uint8)

    gt = list(ds.GetGeoTransform())
    gt[1] *= k
    gt[5] *= k
    os.makedirs(a.out, exist_ok=True)
    name = f'{a.gsd:g}m'

    def save(path, arr, dtype, nodata):
        bands = arr[None] if arr.ndim == 2 else arr
        o = gdal.GetDriverByName('GTiff').Create(path, bands.shape[2], bands.shape[1], bands.shape[0], dtype, ['TILED=YES', 'COMPRESS=DEFLATE'])
        o.SetGeoTransform(gt)
        o.SetProjection(ds.GetProjection())
        for i, b in enumerate(bands):
            o.GetRasterBand(i + 1).WriteArray(b)
            o.GetRasterBand(i + 1).SetNoDataValue(nodata)
        o.FlushCache()

    save(os.path.join(a.out, f'rgb_{name}.tif'), out_rgb, gdal.GDT_Byte, 0)
    save(os.path.join(a.out, f'dsm_{name}.tif'), out_dsm, gdal.GDT_Float32, -9999)
    save(os.path.join(a.out, f'ref_{name}.tif'), out_ref, gdal.GDT_Byte, 255)
    first = math.ceil(1690 / k)
    print(f'{a.out}: rgb_{name}.tif, dsm_{name}.tif, ref_{name}.tif ({out_ref.shape[1]} x {out_ref.shape[0]} px); '
          f'B south: --rows {first}:{out_ref.shape[0]}')


if __name__ == '__main__':
    main()
