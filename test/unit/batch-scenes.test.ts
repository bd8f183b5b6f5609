/**
 * Batches over many scenes (detect/batch): how a scene list is read (folder, list file, JSON manifest,
 * STAC-like items) and how overlapping scenes' inventories become one (mosaic.ts: a landslide in the
 * overlap appears once; one cut by every scene's edge is merged across it).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSceneList } from '../../src-main/core/detect/batch/scene-list';
import { mosaicScenes, type MosaicPolygon } from '../../src-main/core/detect/batch/mosaic';
import { crsFromEpsg } from '../../src-main/core/geo/crs';
import { isScarpError } from '../../src-shared/errors';

const dir = mkdtempSync(join(tmpdir(), 'scarp-batch-list-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scene lists', () => {
  it('a folder: its GeoTIFFs by name, one DEM for all', () => {
    const f = join(dir, 'folder');
    mkdirSync(join(f, 'sub'), { recursive: true });
    for (const n of ['b.tif', 'a.TIFF', 'notes.txt', 'sub/c.tif']) writeFileSync(join(f, n), '');
    expect(readSceneList(f, join(dir, 'dem.tif'))).toEqual([
      { id: 'a', image: join(f, 'a.TIFF'), dem: join(dir, 'dem.tif') },
      { id: 'b', image: join(f, 'b.tif'), dem: join(dir, 'dem.tif') },
    ]);
  });

  it('a list file: image [dem] a line, relative to the list, comments skipped', () => {
    const p = join(dir, 'scenes.txt');
    writeFileSync(p, '# post-event scenes\nx/one.tif x/one_dem.tif\n\n/abs/two.tif   # no DEM\n');
    expect(readSceneList(p)).toEqual([
      { id: 'one', image: join(dir, 'x/one.tif'), dem: join(dir, 'x/one_dem.tif') },
      { id: 'two', image: '/abs/two.tif', dem: null },
    ]);
    writeFileSync(p, 'a.tif b.tif c.tif\n');
    expect(() => readSceneList(p)).toThrow(/line 1 has 3 fields/);
  });

  it('a JSON manifest and STAC-like items; remote hrefs and repeated ids are refused by name', () => {
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ dem: 'all_dem.tif', scenes: [{ id: 'north', image: 'n.tif' }, { image: 's.tif', dem: 's_dem.tif' }] }));
    expect(readSceneList(m)).toEqual([
      { id: 'north', image: join(dir, 'n.tif'), dem: join(dir, 'all_dem.tif') },
      { id: 's', image: join(dir, 's.tif'), dem: join(dir, 's_dem.tif') },
    ]);
    const stac = join(dir, 'items.json');
    const item = (id: string, assets: Record<string, unknown>) => ({ type: 'Feature', id, assets });
    writeFileSync(stac, JSON.stringify({ type: 'FeatureCollection', features: [item('t1', { thumbnail: { href: 't.png', roles: ['thumbnail'] }, visual: { href: 'file:///data/t1.tif' }, elev: { href: 'd1.tif', roles: ['elevation'] } }), item('t2', { ortho: { href: 't2.tif', type: 'image/tiff; application=geotiff' } })] }));
    expect(readSceneList(stac)).toEqual([
      { id: 't1', image: '/data/t1.tif', dem: join(dir, 'd1.tif') },
      { id: 't2', image: join(dir, 't2.tif'), dem: null },
    ]);
    writeFileSync(stac, JSON.stringify({ type: 'FeatureCollection', features: [item('r', { image: { href: 'https://example.org/r.tif' } })] }));
    expect(() => readSceneList(stac)).toThrow(/only local files/);
    writeFileSync(m, JSON.stringify({ scenes: [{ image: 'a/x.tif' }, { image: 'b/x.tif' }] }));
    try {
      readSceneList(m);
      expect.unreachable();
    } catch (e) {
      expect(isScarpError(e) && e.code).toBe('INVALID_ARGUMENT');
      expect((e as Error).message).toMatch(/two scenes the id x/);
    }
    expect(() => readSceneList(join(dir, 'absent.json'))).toThrow(/does not exist/);
  });
});

const crs = crsFromEpsg(32647);
const rect = (x0: number, y0: number, x1: number, y1: number, prob = 0.8): MosaicPolygon => ({
  geometry: [[Float64Array.from([x0, y0, x1, y0, x1, y1, x0, y1, x0, y0])]],
  attributes: { area_m2: (x1 - x0) * (y1 - y0), perimeter_m: 2 * (x1 - x0 + y1 - y0), prob_mean: prob, prob_max: prob, slope_mean: null, elev_min: null, elev_max: null, aspect_mean: null, dem_coverage: null },
});

describe('overlapping scenes into one inventory', () => {
  // Scene A covers x 0–100, scene B x 60–160 (overlap 60–100); both y 0–100.
  const A = { id: 'A', footprint: { minX: 0, minY: 0, maxX: 100, maxY: 100 }, edgeTolerance: 1 };
  const B = { id: 'B', footprint: { minX: 60, minY: 0, maxX: 160, maxY: 100 }, edgeTolerance: 1 };

  it('a landslide both scenes see whole is taken once, from the scene farther from its edge', () => {
    const r = mosaicScenes([{ ...A, polygons: [rect(70, 40, 80, 50, 0.7), rect(10, 10, 20, 20)] }, { ...B, polygons: [rect(70.5, 40, 80.5, 50, 0.9)] }], crs);
    expect(r.polygons).toHaveLength(2);
    expect(r.overlaps).toBe(1);
    expect(r.dropped).toBe(1);
    // In A it lies 20 from the edge, in B 10: A owns it.
    expect(r.polygons.find((p) => p.attributes.prob_mean === 0.7)?.scene).toBe('A');
  });

  it('a piece cut by one scene\'s edge gives way to the whole landslide of the other', () => {
    const r = mosaicScenes([{ ...A, polygons: [rect(90, 40, 100, 50, 0.6)] }, { ...B, polygons: [rect(90, 40, 110, 50, 0.9)] }], crs);
    expect(r.polygons).toEqual([expect.objectContaining({ scene: 'B', attributes: expect.objectContaining({ prob_mean: 0.9, area_m2: 200 }) })]);
    expect(r.mergedAcrossEdges).toBe(0);
  });

  it('a landslide cut by every scene it is in is merged across the edges, measured again', () => {
    // A cuts it at x = 100, B at y = 0 (both footprints end there).
    const r = mosaicScenes([{ ...A, polygons: [rect(80, 0, 100, 30, 0.6)] }, { ...B, polygons: [rect(80, 0, 120, 10, 0.9)] }], crs);
    expect(r.polygons).toHaveLength(1);
    expect(r.mergedAcrossEdges).toBe(1);
    expect(r.polygons[0]!.attributes.area_m2).toBeCloseTo(20 * 30 + 20 * 10, 6);
  });

  it('polygons only touching along an edge, or in one scene only, are left alone', () => {
    const r = mosaicScenes([{ ...A, polygons: [rect(70, 40, 80, 50), rect(70, 60, 80, 70)] }, { ...B, polygons: [rect(80, 40, 90, 50)] }], crs);
    expect(r.polygons).toHaveLength(3);
    expect(r.overlaps).toBe(0);
  });
});
