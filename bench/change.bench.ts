/**
 * `npm run bench -- change`: pre/post-event change detection (scarp change) on 100 km² scenes at
 * 10 m (about 1 M pixels):
 * - "iburi-visible": the real Iburi 2018 Sentinel-2 pair (B4, B3, B2; 1533 × 970 px of ~8.6 m ≈
 *   111 km², pre-event 40 % nodata) with its 30 m DSM: the visible-band method, two passes;
 * - "iburi-visible-utm-pre": the same with the pre-event image reprojected by gdalwarp to UTM 54N at
 *   15 m, so it is co-registered pixel by pixel (the cost of a pair from different grids);
 * - "synthetic-rdndvi": a generated 4-band (R, G, B, NIR) uint16 pair, 1000 × 1000 px at 10 m:
 *   HazMapper's rdNDVI, one pass.
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

async function timed(req: ChangeRequest): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const r = await runChange(ChangeRequest.parse({ ...req, overwrite: true }));
  return {
    seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
    method: r.method,
    validPixels: r.validPixels,
    changedPixels: r.changedPixels,
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
