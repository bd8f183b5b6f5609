/**
 * Attributes of landslides drawn or edited by hand (issue 13): a real `detect --project` run with a
 * DEM on a Jinsha crop, then through ScarpService a polygon drawn and reshaped. GDAL is the reference:
 * gdal_rasterize's pixels under the polygon, gdaldem's Horn slope and aspect, the DEM's elevations and
 * the exported probability COG give the same statistics. A predicted landslide measured again gets
 * exactly what the detection gave it (the same code). The measured attributes belong to the edit that
 * drew or reshaped: one undo takes both back. Where there is no run or DEM: null, and a note says why.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { Project } from '../../src-main/core/store/project';
import { measureFeatures } from '../../src-main/core/detect/feature-attributes';
import { tempDir } from '../helpers/data';
import { scarp } from '../helpers/cli';
import { pythonFixture } from '../helpers/gdal';
import { hasTorch, makeRgbTestModel } from '../helpers/models';
import { canRun, crop } from '../unit/store/_fixtures';
import type { FeatureInfo } from '../../src-shared/api';

const tmp = tempDir('feature-attributes');
afterAll(() => tmp.cleanup());

interface Zonal {
  pixels: number;
  elev_min: number;
  elev_max: number;
  slope_mean: number;
  aspect_mean: number | null;
  dem_coverage: number;
  prob_mean: number | null;
  prob_max: number | null;
}

const FIELDS = ['prob_mean', 'prob_max', 'slope_mean', 'elev_min', 'elev_max', 'aspect_mean', 'dem_coverage'] as const;

describe.skipIf(!canRun || !hasTorch)('attributes of drawn and edited landslides', () => {
  let project = '';
  let dem = '';
  let prob = '';
  let other = '';
  beforeAll(() => {
    const d = join(tmp.dir, 'in');
    mkdirSync(d);
    const model = makeRgbTestModel(d, 8);
    const img = crop(join(d, 'img.tif'), { w: 256, h: 256 });
    dem = crop(join(d, 'dem.tif'), { w: 256, h: 256, dem: true });
    other = crop(join(d, 'other.tif'), { x: 1600, w: 128, h: 128 });
    project = join(tmp.dir, 'p.gpkg');
    const r = scarp(['detect', '--project', project, '--image', img, '--dem', dem, '--model', model, '--min-area', '1', '--simplify', '0', '--threshold', '0.446', '--json']);
    expect(r.status, r.stderr).toBe(0);
    // The untrained model's probability is nearly flat (113 or 114 of 254): this threshold parts them.
    expect((JSON.parse(r.stdout) as { features: number }).features).toBeGreaterThan(0);
    prob = join(tmp.dir, 'prob.tif');
    const e = scarp(['export', '--project', project, '--format', 'probability', '--out', prob, '--json']);
    expect(e.status, e.stderr).toBe(0);
  }, 600_000);

  it('a predicted landslide measured again gets exactly the attributes the detection gave it', async () => {
    const p = Project.open(project);
    try {
      const predicted = p.listFeatures({ limit: 10_000 }).features.filter((f) => f.properties.status === 'predicted');
      expect(predicted.length).toBeGreaterThan(0);
      const m = await measureFeatures(p, predicted.map((f) => f.fid));
      expect(m.notes).toEqual([]);
      for (const f of predicted) {
        const got = m.features.find((x) => x.fid === f.fid)!.attrs;
        for (const k of FIELDS) expect(got[k], `${k} of ${f.fid}`).toBe(f.properties[k]);
        expect(got.confidence).toBe(f.properties.confidence);
      }
    } finally {
      p.close();
    }
  });

  it('a drawn landslide gets GDAL\'s zonal statistics; reshaped, it is measured again; one undo takes back both', async () => {
    const s = new ScarpService();
    await s.openProject({ path: project });
    try {
      const scene = (await s.listScenes())[0]!;
      const { minX, maxY } = scene.bounds;
      const gsd = (scene.bounds.maxX - minX) / scene.width;
      const at = (x: number, y: number): [number, number] => [minX + x * gsd, maxY - y * gsd];
      const ring = (pts: Array<[number, number]>): number[][] => [...pts, pts[0]!].map(([x, y]) => at(x, y));
      const wkt = (r: number[][]): string => `MULTIPOLYGON(((${r.map((c) => c.join(' ')).join(',')})))`;
      const props = async (fid: number): Promise<FeatureInfo['properties']> => (await s.listFeatures({ limit: 10_000 })).features.find((f) => f.fid === fid)!.properties;
      const expectGdal = (got: FeatureInfo['properties'], z: Zonal): void => {
        expect(z.pixels).toBeGreaterThan(100);
        expect(got.elev_min).toBeCloseTo(z.elev_min, 3);
        expect(got.elev_max).toBeCloseTo(z.elev_max, 3);
        expect(got.dem_coverage).toBeCloseTo(z.dem_coverage, 9);
        expect(got.slope_mean).toBeCloseTo(z.slope_mean, 3);
        expect(got.aspect_mean).toBeCloseTo(z.aspect_mean!, 2);
        // The COG holds the stored 8-bit probability as float32.
        expect(got.prob_mean).toBeCloseTo(z.prob_mean!, 5);
        expect(got.prob_max).toBeCloseTo(z.prob_max!, 5);
        expect(got.confidence).toBe(got.prob_mean);
      };

      const before = await s.history({});
      const drawn = ring([[40.3, 50.2], [120.7, 44.9], [150.1, 110.6], [96.4, 160.2], [35.8, 121.3]]);
      const d = await s.editPolygons({ op: 'draw', coordinates: [[drawn]], scene: scene.id });
      const fid = d.fids[0]!;
      expect(d.notes ?? []).toEqual([]);
      const first = await props(fid);
      expectGdal(first, pythonFixture<Zonal>('zonal_stats.py', [dem, prob, wkt(drawn)]));
      // The measured attributes went into the drawing's own edit.
      const afterDraw = await s.history({});
      expect(afterDraw.length).toBe(before.length + 1);

      const reshaped = ring([[60.5, 70.5], [200.2, 60.1], [210.9, 200.4], [70.2, 190.8]]);
      const r = await s.editPolygons({ op: 'reshape', fid, coordinates: [[reshaped]] });
      expect(r.notes ?? []).toEqual([]);
      const second = await props(fid);
      expectGdal(second, pythonFixture<Zonal>('zonal_stats.py', [dem, prob, wkt(reshaped)]));
      expect(second.elev_max).not.toBe(first.elev_max);
      expect((await s.history({})).length).toBe(afterDraw.length + 1);

      await s.undo();
      const undone = await props(fid);
      for (const k of FIELDS) expect(undone[k], k).toBe(first[k]);
      await s.redo();
      const redone = await props(fid);
      for (const k of FIELDS) expect(redone[k], k).toBe(second[k]);
    } finally {
      await s.closeProject();
    }
  }, 120_000);

  it('where there is no detection run or DEM the attributes are null, and the reply says why', async () => {
    const s = new ScarpService();
    await s.openProject({ path: project });
    try {
      const scene = await s.addScene({ path: other });
      const { minX, maxY } = scene.bounds;
      const g = (scene.bounds.maxX - minX) / scene.width;
      const box = [[minX + 10 * g, maxY - 10 * g], [minX + 60 * g, maxY - 10 * g], [minX + 60 * g, maxY - 60 * g], [minX + 10 * g, maxY - 60 * g], [minX + 10 * g, maxY - 10 * g]];
      const d = await s.editPolygons({ op: 'draw', coordinates: [[box]], scene: scene.id });
      const f = (await s.listFeatures({ limit: 10_000 })).features.find((x) => x.fid === d.fids[0])!;
      for (const k of FIELDS) expect(f.properties[k], k).toBeNull();
      expect(f.properties.area_m2).toBeGreaterThan(0);
      expect(d.notes?.join('\n')).toMatch(/no probability: scene .* has no finished detection run/);
      expect(d.notes?.join('\n')).toMatch(/no terrain attributes: scene .* has no DEM/);
    } finally {
      await s.closeProject();
    }
  }, 60_000);
});
