/**
 * The change layer's own identity: a change run in a project exports (`--format change`) as a COG
 * tagged SCARP_LAYER=change with its own band description and QGIS style (the change ramp,
 * transparent below 0.5), read back with GDAL; the run's layer is never exported as a probability
 * (asked for by run id it is refused, saying which format; without a run id, probability looks for a
 * model run and finds none). A synthetic pair written by GDAL: vegetation removed in one block.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChange } from '../../src-main/core/detect/run-change';
import { exportFromProject } from '../../src-main/core/export/export-service';
import { ChangeRequest, type ChangeResult } from '../../src-shared/api';
import { isScarpError } from '../../src-shared/errors';
import { gdal, gdalinfoJson, hasGdal, hasQgis, pythonFixture, writeUint16Tiff } from '../helpers/gdal';
import { tempDir } from '../helpers/data';
import { scarp } from '../helpers/cli';

const W = 40;
const H = 30;
const GT = [600_000, 10, 0, 5_000_000, 0, -10];
const changed = (x: number, y: number): boolean => x >= 10 && x <= 29 && y >= 10 && y <= 19;

function scene(post: boolean): number[][] {
  const b: number[][] = [[], [], [], []];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = post && changed(x, y);
      b[0]!.push(s ? 2000 : 500);
      b[1]!.push(s ? 1800 : 800);
      b[2]!.push(s ? 1600 : 400);
      b[3]!.push(s ? 2200 : 4000);
    }
  }
  return b;
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string; options?: string[] }> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (e) {
    return isScarpError(e) ? { code: e.code, message: e.message, options: e.options } : { code: String(e), message: '' };
  }
}

describe.skipIf(!hasGdal)('the change layer of a change run (export, tag, style)', () => {
  let dir = '';
  let cleanup = (): void => undefined;
  let project = '';
  let run: ChangeResult;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('change-layer'));
    writeUint16Tiff(join(dir, 'pre.tif'), { width: W, height: H, bands: scene(false), descriptions: ['B4', 'B3', 'B2', 'B8'], geoTransform: GT, epsg: 32633 });
    writeUint16Tiff(join(dir, 'post.tif'), { width: W, height: H, bands: scene(true), descriptions: ['B4', 'B3', 'B2', 'B8'], geoTransform: GT, epsg: 32633 });
    project = join(dir, 'event.gpkg');
    run = await runChange(ChangeRequest.parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post.tif'), preLayout: { scale: 1e-4 }, postLayout: { scale: 1e-4 }, project }));
  });
  afterAll(() => cleanup());

  it('exports as its own layer: SCARP_LAYER=change, the change band description, the change ramp in the .qml', async () => {
    expect(run.features).toBe(1);
    const out = join(dir, 'change.tif');
    const r = await exportFromProject({ project, format: 'change', out });
    expect(r.format).toBe('change');
    const info = gdalinfoJson(out, ['-stats']) as { metadata: Record<string, Record<string, string>>; bands: Array<{ description: string; type: string; metadata: Record<string, Record<string, string>> }> };
    expect(info.metadata['']).toMatchObject({ SCARP_LAYER: 'change', SCARP_MODEL_ID: 'change-rdndvi', SCARP_RUN: run.project!.runId });
    expect(info.bands[0]!.type).toBe('Float32');
    expect(info.bands[0]!.description).toMatch(/^Change strength .*not a probability/);
    // The strength as stored: 1 in the block (rdNDVI ≈ −80, four times the threshold), 0 elsewhere.
    const st = info.bands[0]!.metadata['']!;
    expect(Number(st.STATISTICS_MAXIMUM)).toBe(1);
    expect(Number(st.STATISTICS_MINIMUM)).toBe(0);
    expect(Number(st.STATISTICS_MEAN)).toBeCloseTo((20 * 10) / (W * H), 6);
    const qml = readFileSync(join(dir, 'change.qml'), 'utf8');
    expect(qml).toContain('<abstract>Change strength');
    // Transparent up to the threshold, the ramp's dark red at 1.
    expect(qml).toMatch(/<item alpha="0" value="0.499"/);
    expect(qml).toMatch(/<item alpha="255" value="1" label="1" color="#800026"\/>/);
  });

  it('is never a probability: by run id refused with the format to use; without one, no model run is found', async () => {
    const byId = await codeOf(exportFromProject({ project, format: 'probability', run: run.project!.runId, out: join(dir, 'p.tif') }));
    expect(byId.code).toBe('INVALID_ARGUMENT');
    expect(byId.message).toMatch(/change strength, not a landslide probability/);
    expect(byId.options).toEqual(['format-change']);
    const latest = await codeOf(exportFromProject({ project, format: 'probability', out: join(dir, 'p2.tif') }));
    expect(latest.code).toBe('INVALID_ARGUMENT');
    expect(latest.message).toMatch(/no finished model detection run/);
    // The mask of a change run is still its mask (strength ≥ 0.5).
    expect((await codeOf(exportFromProject({ project, format: 'mask', out: join(dir, 'm.tif') }))).code).toBe('OK');
  });

  it("its inventories say the confidence is the change strength, not a probability, and name the method and both images", async () => {
    const out = join(dir, 'standalone.gpkg');
    await runChange(ChangeRequest.parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post.tif'), preLayout: { scale: 1e-4 }, postLayout: { scale: 1e-4 }, out }));
    const exported = join(dir, 'exported.gpkg');
    await exportFromProject({ project, format: 'gpkg', out: exported });
    for (const file of [out, exported]) {
      const md = gdal('ogrinfo', ['-so', file, 'landslides']);
      expect(md).toContain('SCARP_MODEL_ID=change-rdndvi');
      expect(md).toContain('SCARP_CONFIDENCE=change strength of a change or single-date run, not a probability');
      expect(md).not.toContain('calibrated probability');
    }
    expect(gdal('ogrinfo', ['-so', out, 'landslides'])).toContain('SCARP_IMAGERY_SCENES=post.tif, pre.tif');
  });

  it.skipIf(!hasQgis)('QGIS names the value columns a change strength (the stored style of a GeoPackage and of the project, the .qml of a Shapefile)', async () => {
    const shp = join(dir, 'strength.shp');
    await exportFromProject({ project, format: 'shp', out: shp });
    const gpkg = pythonFixture<{ fields: Record<string, { alias: string | null }> }>('qgis_edit.py', ['inspect', join(dir, 'standalone.gpkg')]);
    expect(gpkg.fields.prob_mean!.alias).toBe('Mean change strength (not a probability)');
    expect(gpkg.fields.prob_max!.alias).toBe('Max change strength (not a probability)');
    const shape = pythonFixture<{ fields: Record<string, { alias: string | null }> }>('qgis_edit.py', ['inspect', shp, 'strength']);
    expect(shape.fields.prob_mean!.alias).toBe('Mean change strength (not a probability)');
    // The project file itself: its stored style followed its change run.
    const own = pythonFixture<{ fields: Record<string, { alias: string | null }> }>('qgis_edit.py', ['inspect', project]);
    expect(own.fields.prob_mean!.alias).toBe('Mean change strength (not a probability)');
  });

  it('the CLI: scarp export --format change, and --format probability --run <change run> exits 1 naming --format change', () => {
    const ok = scarp(['export', '--project', project, '--format', 'change', '--out', join(dir, 'cli-change.tif'), '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect((gdalinfoJson(join(dir, 'cli-change.tif')) as { metadata: Record<string, Record<string, string>> }).metadata['']!.SCARP_LAYER).toBe('change');
    const bad = scarp(['export', '--project', project, '--format', 'probability', '--run', run.project!.runId, '--out', join(dir, 'cli-p.tif'), '--json']);
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as { error: { hint: string } }).error.hint).toContain('--format change');
  });
});
