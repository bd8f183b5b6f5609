/** 8-bit probability tiles: quantisation, partial tiles re-written as rows stream in, reads by window. */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Project, quantise, dequantise, NODATA_U8, RASTER_TILE_SIZE } from '../../../src-main/core/store/project';
import { tempDir } from '../../helpers/data';
import { canRun, sceneFile } from './_fixtures';
import { peek } from '../../helpers/project';

const tmp = tempDir('store-tiles');
afterAll(() => tmp.cleanup());

describe('quantisation', () => {
  it('maps [0, 1] to 0..254 (nearest) and NaN to 255', () => {
    expect(quantise(0)).toBe(0);
    expect(quantise(1)).toBe(254);
    expect(quantise(0.5)).toBe(127);
    expect(quantise(-0.1)).toBe(0);
    expect(quantise(1.2)).toBe(254);
    expect(quantise(Number.NaN)).toBe(NODATA_U8);
    for (let q = 0; q < 255; q++) expect(quantise(dequantise(q))).toBe(q);
    expect(Number.isNaN(dequantise(255))).toBe(true);
  });
});

describe.skipIf(!canRun)('prediction tiles in a project', () => {
  it('stores row bands of any height across tile edges, resumable from what is committed, readable by window', async () => {
    const p = Project.create(join(tmp.dir, 't.gpkg'));
    const { scene } = await p.addScene(sceneFile(tmp.dir));
    const W = 300;
    const H = 520;
    const run = p.tx(
      () =>
        p.runs.create({
          sceneId: scene.id,
          demLayerId: null,
          modelId: 'm',
          modelName: null,
          modelSha256: 'x',
          params: {},
          paramsKey: 'k',
          grid: { width: W, height: H, geoTransform: [0, 1, 0, 0, 0, -1], region: { x: 0, y: 0, width: W, height: H }, resampled: false },
          plan: { tileSize: 256, overlap: 32, batchSize: 4, tilesTotal: 6, signature: 's' },
          threshold: 0.5,
        }),
      'run',
    );
    const value = (x: number, y: number): number => ((x * 7 + y * 13) % 255 === 255 ? 0 : (x * 7 + y * 13) % 255);
    const band = (y: number, n: number): Uint8Array => {
      const d = new Uint8Array(n * W);
      for (let i = 0; i < n; i++) for (let x = 0; x < W; x++) d[i * W + x] = value(x, y + i);
      return d;
    };
    // first writer: rows 0..300 in two bands (crossing the 256 edge), then "crash"
    let w = p.runs.tileWriter(run.id, W, H);
    p.tx(() => w.write(0, band(0, 200), 200, [{ index: 0, window: { x: 0, y: 0, width: 256, height: 200 } }]), 'a');
    p.tx(() => w.write(200, band(200, 100), 100, []), 'b');
    expect(p.runs.get(run.id)!.rowsDone).toBe(300);
    expect(p.runs.doneTiles(run.id)).toEqual([0]);
    // a new writer (resumed run) continues in the partly filled tile row
    w = p.runs.tileWriter(run.id, W, H);
    p.tx(() => w.write(300, band(300, 220), 220, []), 'c');
    const all = p.runs.readProbability(run.id, { x: 0, y: 0, width: W, height: H });
    expect(Buffer.from(all).equals(Buffer.from(band(0, H)))).toBe(true);
    const win = { x: 250, y: 250, width: 80, height: 20 };
    const part = p.runs.readProbability(run.id, win);
    for (let j = 0; j < win.height; j++) {
      for (let i = 0; i < win.width; i++) {
        const x = win.x + i;
        expect(part[j * win.width + i]).toBe(x < W ? value(x, win.y + j) : NODATA_U8);
      }
    }
    const tiles = peek(p.path, (db) => db.prepare('SELECT COUNT(*) AS n FROM scarp_prediction_tiles WHERE run_id = ?').get(run.id) as { n: number });
    expect(tiles.n).toBe(Math.ceil(W / RASTER_TILE_SIZE) * Math.ceil(H / RASTER_TILE_SIZE));
    p.close();
  });
});
