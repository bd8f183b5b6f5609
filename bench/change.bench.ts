/**
 * `npm run bench -- change`: pre/post-event change detection (scarp change) on 100 km² scenes at
 * 10 m (about 1 M pixels):
 * - "iburi-visible": the real Iburi 2018 Sentinel-2 pair (B4, B3, B2; 1533 × 970 px of ~8.6 m ≈
 *   111 km², pre-event 40 % nodata) with its 30 m DSM: the visible-band method, two passes;
 * - "iburi-visible-utm-pre": the same with the pre-event image reprojected by gdalwarp to UTM 54N at
 *   15 m, so it is co-registered pixel by pixel (the cost of a pair from different grids);
 * - "synthetic-rdndvi": a generated 4-band (R, G, B, NIR) uint16 pair, 1000 × 1000 px at 10 m:
 *   HazMapper's rdNDVI, one pass;
 * - "synthetic-rdndvi-scl": the same with an SCL band added to the post-event image (described B4,
 *   B3, B2, B8, SCL; rows 300–599 class 9 cloud, rows 50–54 class 3 shadow across the changed block, else 4): the cost of the
 *   cloud mask and the pixels it leaves unmapped.
 * Each writes the inventory (GeoPackage) and the score raster. Reports seconds and figures as JSON.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runChange } from '../src-main/core/detect/run-change';
import { sharedDataDir, repoRoot } from '../src-main/core/paths';
import { ChangeRequest } from '../src-shared/api';

/** Python (GDAL + NumPy): the post-event image with an SCL band (cloud in rows 300–599, shadow in rows 50–54). */
const ADD_SCL = `
import sys
import numpy as np
from osgeo import gdal
src = gdal.Open(sys.argv[1])
h, w = src.RasterYSize, src.RasterXSize
dst = gdal.GetDriverByName('GTiff').Create(sys.argv[2], w, h, 5, gdal.GDT_UInt16, ['COMPRESS=DEFLATE', 'TILED=YES'])
dst.SetGeoTransform(src.GetGeoTransform())
dst.SetProjection(src.GetProjection())
for i, d in enumerate(['B4', 'B3', 'B2', 'B8']):
    b = dst.GetRasterBand(i + 1)
    b.WriteArray(src.GetRasterBand(i + 1).ReadAsArray())
    b.SetDescription(d)
    b.SetNoDataValue(0)
scl = np.full((h, w), 4, np.uint16)
scl[300:600] = 9
scl[50:55] = 3
b = dst.GetRasterBand(5)
b.WriteArray(scl)
b.SetDescription('SCL')
dst = None
`;

async function timed(req: ChangeRequest): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const r = await runChange(ChangeRequest.parse({ ...req, overwrite: true }));
  return {
    seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
    method: r.method,
    validPixels: r.validPixels,
    changedPixels: r.changedPixels,
    maskedPixels: r.maskedPixels,
    polygons: r.features,
    areaHa: Number((r.totalAreaM2 / 10_000).toFixed(2)),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'scarp-bench-change-'));
  const out: Record<string, unknown> = {};
  try {
    const data = sharedDataDir();
    if (data) {
      const pre = join(data, 'iburi-2018/s2_pre_event_B4B3B2.tif');
      const post = join(data, 'iburi-2018/s2_post_event_B4B3B2.tif');
      const dem = join(data, 'iburi-2018/dsm_30m.tif');
      const layout = { scale: 1e-4 };
      out['iburi-visible'] = await timed({ pre, post, dem, preLayout: layout, postLayout: layout, out: join(dir, 'a.gpkg'), score: join(dir, 'a.tif') });
      const utm = join(dir, 'pre_utm.tif');
      execFileSync('gdalwarp', ['-q', '-t_srs', 'EPSG:32654', '-tr', '15', '15', '-r', 'bilinear', '-srcnodata', '0', '-dstnodata', '0', pre, utm]);
      out['iburi-visible-utm-pre'] = await timed({ pre: utm, post, dem, preLayout: layout, postLayout: layout, out: join(dir, 'b.gpkg'), score: join(dir, 'b.tif') });
    } else out.iburi = { skipped: 'no ../shared/data' };
    execFileSync('/usr/bin/python3', [join(repoRoot, 'test/fixtures/change_reference.py'), 'pair', dir, '1000', '1000']);
    out['synthetic-rdndvi'] = await timed({ pre: join(dir, 'pre.tif'), post: join(dir, 'post.tif'), out: join(dir, 'c.gpkg'), score: join(dir, 'c.tif') });
    execFileSync('/usr/bin/python3', ['-c', ADD_SCL, join(dir, 'post.tif'), join(dir, 'post_scl.tif')]);
    out['synthetic-rdndvi-scl'] = await timed({ pre: join(dir, 'pre.tif'), post: join(dir, 'post_scl.tif'), out: join(dir, 'd.gpkg'), score: join(dir, 'd.tif') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
