/**
 * Polygonize against `gdal_polygonize.py -8` on real masks (Jinsha crops, 255 = unmapped treated as
 * background) and a thresholded noisy probability map: same polygon and hole counts, same area;
 * our geometry (raw and simplified) valid by GEOS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { crsFromEpsg } from '../../src-main/core/geo';
import { Polygonizer, vectorizePolygon, type PixelPolygon } from '../../src-main/core/vector';
import { writeLandslidesGpkg } from '../../src-main/core/store/geopackage-writer';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { readCrop, smoothNoise, writeMaskTif } from '../unit/vector/_helpers';
import { ogrSummary } from '../unit/vector/_gdal-summary';
import type { GeoTransform } from '../../src-shared/geo';

const tmp = tempDir('vector-polygonize');
afterAll(() => tmp.cleanup());

function noisyMask(w: number, h: number, seed: number, threshold: number): Uint8Array {
  // Smoothed uniform noise (two 3 × 3 box blurs), thresholded: a noisy "probability map" with many pinches.
  const a = smoothNoise(w, h, seed);
  const m = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) m[i] = a[i]! > threshold ? 1 : 0;
  return m;
}

interface Case {
  name: string;
  mask: Uint8Array;
  width: number;
  height: number;
  gt: GeoTransform;
}

async function compare(c: Case, simplifyM: number, maxAreaChange: number, minCount = 5): Promise<void> {
  const crs = crsFromEpsg(32647);
  const tif = writeMaskTif(tmp.dir, c.name, c.mask, c.width, c.height, c.gt, 32647);
  const ref = join(tmp.dir, `${c.name}-gdal.gpkg`);
  // -mask with the mask itself: zero pixels are not polygonized (only the landslide class).
  gdal('gdal_polygonize.py', ['-q', '-8', '-mask', tif, tif, '-f', 'GPKG', ref, 'out', 'DN']);
  const g = ogrSummary(ref, 'out');

  // Ours, streamed in bands of 37 rows.
  const p = new Polygonizer({ width: c.width, height: c.height });
  const polys: PixelPolygon[] = [];
  for (let y = 0; y < c.height; y += 37) polys.push(...p.push(y, c.mask.subarray(y * c.width, Math.min(c.height, y + 37) * c.width)));
  polys.push(...p.finish());
  const holes = polys.reduce((s, q) => s + q.holeCount, 0);
  const grid = { geoTransform: c.gt, crs };
  const raw = polys.map((q) => vectorizePolygon(q, { grid })!);
  const area = raw.reduce((s, q) => s + q.attributes.area_m2, 0);

  expect(g.count).toBeGreaterThanOrEqual(minCount);
  expect(polys.length).toBe(g.count);
  expect(holes).toBe(g.holes);
  expect(Math.abs(area - g.area) / g.area).toBeLessThan(1e-3);
  expect(Math.abs(area - g.area) / g.area).toBeLessThan(1e-6);

  // Our raw geometry is valid (GDAL 3.6's is not where pixels touch diagonally).
  const oursRaw = join(tmp.dir, `${c.name}-raw.gpkg`);
  await writeLandslidesGpkg(oursRaw, raw.map((q) => ({ geometry: q.geometry, properties: q.attributes })), { crs });
  const sr = ogrSummary(oursRaw, 'landslides');
  expect(sr.invalid).toBe(0);
  expect(sr.count).toBe(g.count);
  expect(Math.abs(sr.area - g.area) / g.area).toBeLessThan(1e-6);

  // Simplified stays valid with a small area change and far fewer vertices.
  const simp = polys.map((q) => vectorizePolygon(q, { grid, simplifyM })!);
  const oursS = join(tmp.dir, `${c.name}-simpl.gpkg`);
  await writeLandslidesGpkg(oursS, simp.map((q) => ({ geometry: q.geometry, properties: q.attributes })), { crs });
  const ss = ogrSummary(oursS, 'landslides');
  expect(ss.invalid).toBe(0);
  expect(ss.count).toBe(g.count);
  expect(ss.vertices).toBeLessThan(sr.vertices * 0.7);
  const rel = Math.abs(ss.area - g.area) / g.area;
  console.log(`[${c.name}] polygons ${g.count}, holes ${g.holes}, area ${g.area.toFixed(1)} m²; GDAL invalid ${g.invalid}; simplified: vertices ${sr.vertices}→${ss.vertices}, area change ${(rel * 100).toFixed(3)} %`);
  expect(rel).toBeLessThan(maxAreaChange);
}

describe.skipIf(!hasGdal)('polygonize vs gdal_polygonize.py -8', () => {
  it('thresholded noisy probability map (many diagonal pinches)', async () => {
    const w = 600;
    const h = 500;
    await compare({ name: 'noise', mask: noisyMask(w, h, 42, 0.55), width: w, height: h, gt: [500000, 0.5, 0, 3400000, 0, -0.5] }, 0.5, 0.05, 100);
  });

  // Landslide class (1; 255 = unmapped treated as background), and the mapped non-landslide class (0) whose
  // outline and landslide holes give real-data holes and diagonal contacts.
  it.skipIf(!hasData).each([
    ['siteA', 1, [0, 0, 1500, 1500], 8],
    ['siteB', 1, [1300, 350, 1500, 1500], 8],
    ['siteB', 0, [1300, 350, 1500, 1500], 1],
  ] as Array<[string, number, [number, number, number, number], number]>)('Jinsha %s class %i crop', async (site, cls, win, minCount) => {
    const crop = readCrop(dataPath(`jinsha-uav/${site}_mask.tif`), tmp.dir, win, 'Byte', `${site}-${cls}-crop`);
    const m = crop.data as Uint8Array;
    for (let i = 0; i < m.length; i++) m[i] = m[i] === cls ? 1 : 0;
    await compare({ name: `${site}-${cls}`, mask: m, width: crop.width, height: crop.height, gt: crop.geoTransform }, 1, 0.01, minCount);
  });
});
