import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ScarpApi } from '../../../src-shared/api';
import { sharedDataDir, repoRoot } from '../../core/paths';
import { JINSHA_B_TEST_ROWS } from '../../core/eval/splits';
import { parseCommandArgs } from '../args';
import { detectWithProgress, formatDetectResult } from './detect';
import { formatEvalResult } from './eval';

/**
 * The main job on real data: detect landslides on Jinsha site B (0.5 m RGB + DSM), then score the
 * result on the southern test rows no shipped model was trained or tuned on.
 */
export async function runDemo(service: ScarpApi, args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { model: { type: 'string' }, 'out-dir': { type: 'string' } });
  const data = sharedDataDir();
  if (!data) {
    process.stderr.write(
      'scarp demo: the shared data folder was not found (looked for $SCARP_DATA, then ../shared/data beside the repository).\n' +
        'Point SCARP_DATA at a folder holding jinsha-uav/siteB_rgb.tif, siteB_dsm.tif and siteB_mask.tif, or run\n' +
        '  npx scarp detect --image <your.tif> [--dem <dem.tif>] --out inventory.gpkg\n',
    );
    return 1;
  }
  const site = join(data, 'jinsha-uav');
  const image = join(site, 'siteB_rgb.tif');
  const dem = join(site, 'siteB_dsm.tif');
  const mask = join(site, 'siteB_mask.tif');
  for (const f of [image, dem, mask]) {
    if (!existsSync(f)) {
      process.stderr.write(`scarp demo: missing ${f}; the shared data folder is incomplete.\n`);
      return 1;
    }
  }
  const outDir = resolve(values['out-dir'] ?? join(repoRoot, 'demo-output'));
  mkdirSync(outDir, { recursive: true });

  const models = await service.listModels();
  if (models.length === 0 && !values.model) {
    process.stderr.write('scarp demo: no model in models/ and none given with --model.\n');
    return 1;
  }
  // Without --model the core picks, as `scarp detect` does (the summary says which and why).
  process.stdout.write(`Scarp demo: Jinsha River site B, 0.5 m UAV RGB + DSM\nModel: ${values.model ?? 'picked for the scene (see below)'}\n\n`);

  const started = performance.now();
  const result = await detectWithProgress(service, {
    image,
    dem,
    model: values.model,
    out: join(outDir, 'siteB_landslides.gpkg'),
    probability: join(outDir, 'siteB_probability.tif'),
    overwrite: true,
  });
  process.stdout.write(`${formatDetectResult(result)}\n\n`);

  const info = await service.rasterInfo({ path: mask });
  const rows = JINSHA_B_TEST_ROWS(info.height);
  const scores = await service.evaluate({
    prediction: result.outputs.probability ?? join(outDir, 'siteB_probability.tif'),
    reference: mask,
    threshold: result.threshold,
    ignoreValue: 255,
    rows,
  });
  const polygonScores = await service.evaluate({
    prediction: result.outputs.inventory ?? join(outDir, 'siteB_landslides.gpkg'),
    reference: mask,
    ignoreValue: 255,
    rows,
  });
  process.stdout.write(
    `Held-out test area: rows ${rows[0]}–${rows[1]} of ${info.height} (southern 40 %, never used for training), unmapped pixels excluded.\n` +
      `Probability raster at threshold ${result.threshold}:\n${formatEvalResult(scores)}\n\n` +
      `Inventory polygons (after min-area and simplification):\n${formatEvalResult(polygonScores)}\n\n` +
      `Total time: ${((performance.now() - started) / 1000).toFixed(1)} s. Outputs in ${outDir}\n`,
  );
  return 0;
}
