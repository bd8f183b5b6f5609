/**
 * The doors' service layout (`npm run serve`: ScarpService({ detectInWorker, tileWorkers })):
 * a project-backed detection run in the detection worker thread gives the same inventory as one run
 * in-process, sends progress, is cancelled through the AbortSignal (the run recorded as cancelled),
 * and the main thread's event loop stays responsive meanwhile; tiles from the render pool equal the
 * tiles rendered in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { TileService } from '../../src-main/core/tiles';
import { isScarpError } from '../../src-shared/errors';
import type { DetectResult, ProgressEvent } from '../../src-shared/api';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { hasTorch, makeRgbTestModel } from '../helpers/models';

describe.skipIf(!hasData || !hasGdal || !hasTorch)('detection worker and tile workers (the server layout)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let image: string;
  let model: string;

  beforeAll(() => {
    tmp = tempDir('detect-worker');
    image = join(tmp.dir, 'crop.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1200', '1000', '640', '512', '-co', 'TILED=YES', dataPath('jinsha-uav/siteB_rgb.tif'), image]);
    model = makeRgbTestModel(tmp.dir);
  }, 120_000);
  afterAll(() => tmp?.cleanup());

  async function run(svc: ScarpService, name: string, threshold: number): Promise<{ r: DetectResult; areas: number[]; progress: ProgressEvent[] }> {
    const project = join(tmp.dir, `${name}.gpkg`);
    await svc.createProject({ path: project });
    await svc.addScene({ path: image });
    const progress: ProgressEvent[] = [];
    const r = await svc.detect({ image, model, project, threshold, minAreaM2: 0, provider: 'cpu' }, (e) => progress.push(e));
    const page = await svc.listFeatures({});
    const areas = page.features.map((f) => Number(f.properties.area_m2)).sort((a, b) => a - b);
    await svc.closeProject();
    return { r, areas, progress };
  }

  // How free the main thread stays during a run is a speed target: `npm run bench -- ui-detect-stall` measures it.
  it('a project-backed run in the worker equals the in-process run', async () => {
    // A threshold that gives polygons with this random-weight model: the median probability.
    const probe = await run(new ScarpService(), 'probe', 0.5);
    const threshold = probe.r.features > 0 ? 0.5 : 0.45;
    const inProcess = threshold === 0.5 ? probe : await run(new ScarpService(), 'in-process', threshold);

    const svc = new ScarpService({ detectInWorker: true });
    const inWorker = await run(svc, 'worker', threshold);
    expect(inWorker.r.features).toBe(inProcess.r.features);
    expect(inWorker.r.totalAreaM2).toBeCloseTo(inProcess.r.totalAreaM2, 6);
    expect(inWorker.areas).toEqual(inProcess.areas);
    expect(inWorker.r.project?.featuresAdded).toBe(inProcess.r.features);
    expect(inWorker.progress.some((e) => e.stage === 'infer')).toBe(true);
    expect(inWorker.progress.some((e) => e.stage === 'write')).toBe(true);
  }, 300_000);

  it('cancels a run in the worker; the project records it as cancelled', async () => {
    const svc = new ScarpService({ detectInWorker: true });
    const project = join(tmp.dir, 'cancel.gpkg');
    await svc.createProject({ path: project });
    const ac = new AbortController();
    let err: unknown = null;
    await svc
      .detect({ image, model, project, provider: 'cpu' }, (e) => {
        if (e.stage === 'infer') ac.abort();
      }, ac.signal)
      .catch((e) => (err = e));
    expect(isScarpError(err) && err.code).toBe('CANCELLED');
    const runs = await svc.listRuns();
    expect(runs.map((r) => r.status)).toEqual(['cancelled']);
    await svc.closeProject();
  }, 120_000);

  it('tiles from the render pool are the tiles rendered in-process', async () => {
    const local = new TileService();
    const pooled = new TileService({ workers: 2 });
    try {
      const a = await local.openLayer({ path: image, kind: 'imagery' });
      const b = await pooled.openLayer({ path: image, kind: 'imagery' });
      expect(b.id).toBe(a.id);
      expect(pooled.workers).toBe(2);
      // Until the workers have started, tiles render in this thread: wait, so the pool is what is compared.
      const t0 = Date.now();
      while (pooled.workersReady < 2 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
      expect(pooled.workersReady).toBe(2);
      const lat = ((a.boundsWgs84.minY + a.boundsWgs84.maxY) / 2) * (Math.PI / 180);
      const lon = (a.boundsWgs84.minX + a.boundsWgs84.maxX) / 2;
      for (const z of [15, 17, 19]) {
        const n = 2 ** z;
        const x = Math.floor(((lon + 180) / 360) * n);
        const y = Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n);
        const [p, q] = await Promise.all([local.tile(a.id, z, x, y), pooled.tile(b.id, z, x, y)]);
        expect(q!.equals(p!)).toBe(true);
      }
    } finally {
      await local.close();
      await pooled.close();
    }
  }, 120_000);
});
