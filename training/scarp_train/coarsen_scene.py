"""Jinsha site B at a coarser GSD, as GeoTIFFs the app can run and score (training/README.md,
"Coarser scenes through the app"), made by the GSD sweep's own `coarsen` (RGB and DSM antialiased
bilinear over mapped pixels; the reference a landslide where more than half of a cell's mapped area is,
unmapped where less than half is mapped).

    /usr/bin/python3 -m scarp_train.coarsen_scene --gsd 3 --out /tmp/g3
    scarp detect --image /tmp/g3/rgb_3m.tif [--dem /tmp/g3/dsm_3m.tif] --out o.gpkg
    scarp eval --prediction o.gpkg --reference /tmp/g3/ref_3m.tif --ignore-value 255 --rows 282:469
"""
from __future__ import annotations

import argparse
import math
import os

from osgeo import gdal

from .data import data_dir
from .gsd_sweep import coarsen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--gsd', type=float, required=True, help='metres, coarser than site B\'s 0.5')
    ap.add_argument('--out', required=True, help='output folder')
    a = ap.parse_args()
    if not a.gsd > 0.5:
        raise SystemExit(f'--gsd {a.gsd}: give a GSD coarser than site B\'s 0.5 m')
    src = os.path.join(data_dir(), "jinsha-uav")
    ds = gdal.Open(os.path.join(src, 'siteB_rgb.tif'))
    rgb = ds.ReadAsArray()
    dsm = gdal.Open(os.path.join(src, 'siteB_dsm.tif')).ReadAsArray()
    ref = gdal.Open(os.path.join(src, 'siteB_mask.tif')).ReadAsArray()
    out_rgb, out_dsm, out_ref = coarsen(rgb, dsm, ref, a.gsd / 0.5)
    gt = list(ds.GetGeoTransform())
    gt[1] *= ref.shape[1] / out_ref.shape[1]
    gt[5] *= ref.shape[0] / out_ref.shape[0]
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
    first = math.ceil(1690 * out_ref.shape[0] / ref.shape[0])
    print(f'{a.out}: rgb_{name}.tif, dsm_{name}.tif, ref_{name}.tif ({out_ref.shape[1]} x {out_ref.shape[0]} px); '
          f'B south: --rows {first}:{out_ref.shape[0]}')


if __name__ == '__main__':
    main()
