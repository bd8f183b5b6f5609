"""Draw a change-detection inventory over the post-event image (the figure in docs/change-detection.md).

usage: /usr/bin/python3 scripts/change_overlay.py <post.tif> <inventory.gpkg> <pre.tif> <out.png> [width]
Post-event true colour (reflectance 0–0.3 stretched), landslide outlines in magenta, and the part
the pre-event image does not cover (no change can be computed there) dimmed.
"""
import sys
import numpy as np
from osgeo import gdal, ogr

gdal.UseExceptions()
post, inv, pre, out = sys.argv[1:5]
width = int(sys.argv[5]) if len(sys.argv) > 5 else 1200
ds = gdal.Open(post)
rgb = ds.ReadAsArray().astype(np.float64)[:3] / 10000
img = np.clip(rgb / 0.3 * 255, 0, 255)
p = gdal.Open(pre).ReadAsArray()
covered = (p > 0).all(0)
img[:, ~covered] *= 0.45
mem = gdal.GetDriverByName('MEM').Create('', ds.RasterXSize, ds.RasterYSize, 1, gdal.GDT_Byte)
mem.SetGeoTransform(ds.GetGeoTransform())
mem.SetProjection(ds.GetProjection())
src = ogr.Open(inv)
gdal.RasterizeLayer(mem, [1], src.GetLayer(0), burn_values=[1])
m = mem.ReadAsArray().astype(bool)
edge = m & ~(np.roll(m, 1, 0) & np.roll(m, -1, 0) & np.roll(m, 1, 1) & np.roll(m, -1, 1))
img[0][edge], img[1][edge], img[2][edge] = 255, 0, 255
o = gdal.GetDriverByName('MEM').Create('', ds.RasterXSize, ds.RasterYSize, 3, gdal.GDT_Byte)
for i in range(3):
    o.GetRasterBand(i + 1).WriteArray(img[i].astype(np.uint8))
gdal.Translate(out, o, format='PNG', width=width, resampleAlg='average')
