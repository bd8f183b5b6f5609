/** The project's stored QGIS style names prob_mean / prob_max for the runs the project holds. */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Project } from '../../../src-main/core/store/project';
import { storedValueKind } from '../../../src-main/core/store/project/qgis-style';
import { INDEX_RUN_PREFIXES } from '../../../src-shared/vocabulary';
import { tempDir } from '../../helpers/data';
import { canRun, sceneFile } from './_fixtures';

const tmp = tempDir('store-style-kind');
afterAll(() => tmp.cleanup());

describe.skipIf(!canRun)('the stored style follows the kinds of runs', () => {
  it('probability for model runs, strength for change runs alone, mixed for both', async () => {
    const path = join(tmp.dir, 'k.gpkg');
    const p = Project.create(path);
    const { scene } = await p.addScene(sceneFile(tmp.dir));
    const run = (modelId: string) =>
      p.tx(
        () =>
          p.runs.create({
            sceneId: scene.id,
            demLayerId: null,
            modelId,
            modelName: null,
            modelSha256: 'x',
            params: {},
            paramsKey: modelId,
            grid: { width: 10, height: 10, geoTransform: [0, 1, 0, 0, 0, -1], region: { x: 0, y: 0, width: 10, height: 10 }, resampled: false },
            plan: { tileSize: 256, overlap: 0, batchSize: 1, tilesTotal: 1, signature: modelId },
            threshold: 0.5,
          }),
        'run',
      );
    const kind = () => {
      const db = new Database(path, { readonly: true });
      try {
        return storedValueKind(db);
      } finally {
        db.close();
      }
    };
    expect(kind()).toBe('probability');
    run(`${INDEX_RUN_PREFIXES.change}rdndvi`);
    expect(kind()).toBe('strength');
    run('scarp-uav-rgbdem');
    expect(kind()).toBe('mixed');
    p.close();
  });
});
