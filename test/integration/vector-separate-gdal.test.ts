/**
 * Touching landslides separated (vector/separate.ts) against GDAL: the parts, burned as a label
 * raster, polygonized by `gdal_polygonize.py -8` give the same polygons (count, area per part) as
 * ours; the parts cover the blob's pixels exactly; and after simplification GEOS finds every part
 * valid and no two parts overlapping (shared boundaries are simplified identically).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { crsFromEpsg } from '../../src-main/core/geo';
import { SeparatingPolygonizer, pixelPartsToMap, rasterizePolygons, vectorizePolygon, type SeparatedPolygon } from '../../src-main/core/vector';
import { writeLandslidesGpkg } from '../../src-main/core/store/geopackage-writer';
import { tempDir } from '../helpers/data';
import { gdal, hasGdal, writeUint16Tiff } from '../helpers/gdal';
import { ogrLayer, ogrSummary } from '../unit/vector/_gdal-summary';
import { smoothNoise } from '../unit/vector/_helpers';
import type { GeoTransform } from '../../src-shared/geo';

const tmp = tempDir('vector-separate');
afterAll(() => tmp.cleanup());

/** A smooth random "probability" field: box-blurred uniform noise stretched to 0..1. */
function field(w: number, h: number, seed: number, radius: number, passes: number): Float32Array {
  const a = smoothNoise(w, h, seed, radius, passes);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return a.map((v) => (v - lo) / (hi - lo));
}

describe.skipIf(!hasGdal)('separated landslides vs gdal_polygonize.py -8 of the parts', () => {
  it('a smooth random probability map: same parts as GDAL, full cover, no overlaps after simplification', async () => {
    const W = 360;
    const H = 300;
    const gt: GeoTransform = [500000, 0.5, 0, 3400000, 0, -0.5];
    const crs = crsFromEpsg(32647);
    const p = field(W, H, 7, 3, 3);
    const threshold = 0.45;
    const mask = Uint8Array.from(p, (v) => (v >= threshold ? 1 : 0));

    const pz = new SeparatingPolygonizer({ width: W, height: H }, { dynamic: 0.15, minPartPixels: 60 });
    const parts: SeparatedPolygon[] = [];
    for (let y = 0; y < H; y += 37) {
      const n = Math.min(37, H - y);
      parts.push(...pz.push(y, mask.subarray(y * W, (y + n) * W), { probability: p.subarray(y * W, (y + n) * W) }));
    }
    parts.push(...pz.finish());
    const blobs = new Set(parts.map((q) => JSON.stringify(q.component))).size;
    // The field has blobs with several peaks: some are cut.
    expect(parts.length).toBeGreaterThan(blobs + 5);

    // Burn each part with its id (pixel-centre rule): every mapped pixel exactly once.
    const labels = new Uint16Array(W * H);
    for (const q of parts) {
      const r = rasterizePolygons([pixelPartsToMap(q.parts, [0, 1, 0, 0, 0, 1])], { width: W, height: H, geoTransform: [0, 1, 0, 0, 0, 1] });
      for (let i = 0; i < r.length; i++) {
        if (!r[i]) continue;
        expect(labels[i]).toBe(0);
        labels[i] = q.id;
      }
    }
    for (let i = 0; i < W * H; i++) expect(labels[i]! > 0).toBe(mask[i] === 1);

    const tif = join(tmp.dir, 'parts.tif');
    writeUint16Tiff(tif, { width: W, height: H, bands: [labels], geoTransform: gt, epsg: 32647 });
    const ref = join(tmp.dir, 'parts-gdal.gpkg');
    gdal('gdal_polygonize.py', ['-q', '-8', '-mask', tif, tif, '-f', 'GPKG', ref, 'out', 'DN']);
    const g = ogrLayer(ref, 'out');
    // One GDAL polygon per part (each part is one 8-connected piece), with our area.
    expect(g.featureCount).toBe(parts.length);
    const grid = { geoTransform: gt, crs };
    const raw = parts.map((q) => vectorizePolygon(q, { grid })!);
    const gdalArea = new Map(g.features.map((f) => [Number(f.properties.DN), f.area!]));
    for (const [k, q] of parts.entries()) expect(raw[k]!.attributes.area_m2).toBeCloseTo(gdalArea.get(q.id)!, 6);

    // Simplified (1 m, two pixels): valid, and the parts still do not overlap.
    const simp = parts.map((q) => vectorizePolygon(q, { grid, simplifyM: 1 })!);
    const out = join(tmp.dir, 'parts-simplified.gpkg');
    await writeLandslidesGpkg(out, simp.map((q) => ({ geometry: q.geometry, properties: q.attributes })), { crs });
    const ss = ogrSummary(out, 'landslides');
    expect(ss.invalid).toBe(0);
    expect(ss.count).toBe(parts.length);
    const overlap = ogrLayer(out, 'landslides', {
      sql: 'SELECT COUNT(*) AS pairs, COALESCE(SUM(ST_Area(ST_Intersection(a.geom, b.geom))), 0) AS area FROM landslides a, landslides b WHERE a.fid < b.fid AND ST_Intersects(a.geom, b.geom)',
    });
    const row = overlap.features[0]!.properties as { pairs: number; area: number };
    // Parts of one blob touch along their shared boundary…
    expect(row.pairs).toBeGreaterThan(0);
    // …and overlap nowhere (GEOS; 1e-6 m² of floating-point noise allowed).
    expect(row.area).toBeLessThan(1e-6);
    console.log(`[separate] ${blobs} blobs → ${parts.length} parts; ${row.pairs} touching pairs, overlap ${row.area} m²; vertices simplified ${ss.vertices}`);
  });
});
