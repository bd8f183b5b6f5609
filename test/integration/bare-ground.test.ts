/**
 * The single-date method (scarp bare-ground) on real 10 m Sentinel-2 imagery, checked against an
 * independent NumPy/GDAL computation of the index (test/fixtures/change_reference.py index): NDVI
 * on a labelled Sentinel-2 tile (float32 reflectance × 10,000, R, G, B, NIR), GLI on the Iburi
 * post-event scene (B4, B3, B2) with the slope mask from the 30 m DSM; the project run; the routing
 * of `scarp detect` (single-date without a pre-event image, change detection with the project's
 * pre-event scene); band roles read from GDAL band descriptions; the reflectance auto-scaling for a
 * reflectance-domain model.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBareGround } from '../../src-main/core/detect/run-bare-ground';
import { runChange } from '../../src-main/core/detect/run-change';
import { BareGroundRequest, ChangeRequest, type BareGroundRequestParsed } from '../../src-shared/api';
import { bandLayoutOf, openRaster } from '../../src-main/core/raster';
import { isScarpError } from '../../src-shared/errors';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { scarp } from '../helpers/cli';
import { repoRoot } from '../../src-main/core/paths';

const REF = join(__dirname, '../fixtures/change_reference.py');
const ENV = { ...process.env, GDAL_PAM_ENABLED: 'NO' };
/** Real scenes and several CLI processes each: generous on a loaded machine (no timing is asserted). */
const SLOW = 900_000;

function reference(args: string[]): string {
  const r = spawnSync('/usr/bin/python3', [REF, ...args], { encoding: 'utf8', env: ENV });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

function refIndex(image: string, which: 'ndvi' | 'gli', out: string, order?: string): Float64Array {
  reference(['index', image, which, out, ...(order ? [order] : [])]);
  const b = readFileSync(out);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

async function readBand(path: string): Promise<Float32Array> {
  const r = await openRaster(path);
  try {
    return (await r.readWindow({ x: 0, y: 0, width: r.info.width, height: r.info.height }))[0]!;
  } finally {
    await r.close();
  }
}

function compare(ours: Float32Array, ref: Float64Array): { maxDiff: number; mismatch: number; valid: number } {
  let maxDiff = 0;
  let mismatch = 0;
  let valid = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = ours[i]!;
    const b = ref[i]!;
    if (Number.isNaN(a) !== Number.isNaN(b)) {
      mismatch++;
      continue;
    }
    if (Number.isNaN(b)) continue;
    valid++;
    maxDiff = Math.max(maxDiff, Math.abs(a - b));
  }
  return { maxDiff, mismatch, valid };
}

const parse = (r: BareGroundRequest): BareGroundRequestParsed => BareGroundRequest.parse(r);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return isScarpError(e) ? e.code : `not a ScarpError: ${String(e)}`;
  }
}

describe.skipIf(!hasData || !hasGdal)('single-date bare ground on real 10 m Sentinel-2 imagery', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('bare-ground')));
  afterAll(() => cleanup());
  const tile = (): string => dataPath('sentinel2-tiles/images/000000000001.tif');

  it('NDVI on a labelled tile: the score equals NumPy within 1e-6, bare = NDVI < 0.70 pixel for pixel, with the weakness said', async () => {
    const r = await runBareGround(parse({ image: tile(), score: join(dir, 'ndvi.tif'), out: join(dir, 'bare.gpkg') }));
    expect(r.method).toBe('ndvi');
    expect(r.methodReason).toBe('Single-date bare ground from NDVI: the image has red and near-infrared bands.');
    expect(r.threshold).toBe(0.7);
    expect(r.minSlopeDeg).toBeNull();
    expect(r.scoreName).not.toMatch(/probability/i);
    expect(r.warnings.join(' ')).toMatch(/AUROC about 0\.5 on held-out rows/);
    const ref = refIndex(tile(), 'ndvi', join(dir, 'ndvi.f64'));
    const c = compare(await readBand(join(dir, 'ndvi.tif')), ref);
    expect(c.mismatch).toBe(0);
    expect(c.valid).toBe(r.validPixels);
    expect(c.valid).toBeGreaterThan(40_000);
    expect(c.maxDiff).toBeLessThan(1e-6);
    // The mask is the float32 score layer below the threshold (what thresholding the raster in QGIS gives).
    let bare = 0;
    for (const v of ref) if (Math.fround(v) < 0.7) bare++;
    expect(r.barePixels).toBe(bare);
    expect(r.features).toBeGreaterThan(0);
    // Minimum area: 4 pixels of ~10 m.
    expect(r.minAreaM2).toBeGreaterThan(300);
    expect(r.minAreaM2).toBeLessThan(450);
  }, SLOW);

  it('GLI when there is no NIR (labelled as such), and the slope mask from a 30 m DSM on the Iburi scene', async () => {
    const post = dataPath('iburi-2018/s2_post_event_B4B3B2.tif');
    const flat = await runBareGround(parse({ image: post, score: join(dir, 'gli.tif') }));
    expect(flat.method).toBe('gli');
    expect(flat.methodReason).toMatch(/^Single-date bare ground from GLI \(visible-band Green Leaf Index\), not NDVI: the image has no near-infrared band\.$/);
    expect(flat.threshold).toBe(0.23);
    const ref = refIndex(post, 'gli', join(dir, 'gli.f64'), '0,1,2');
    const c = compare(await readBand(join(dir, 'gli.tif')), ref);
    expect(c.mismatch).toBe(0);
    expect(c.maxDiff).toBeLessThan(1e-6);
    let bare = 0;
    for (const v of ref) if (Math.fround(v) < 0.23) bare++;
    expect(flat.barePixels).toBe(bare);
    const steep = await runBareGround(parse({ image: post, dem: dataPath('iburi-2018/dsm_30m.tif'), out: join(dir, 'steep.gpkg') }));
    expect(steep.minSlopeDeg).toBe(10);
    expect(steep.barePixels).toBeLessThan(flat.barePixels);
    expect(steep.barePixels).toBeGreaterThan(0);
    // GLI < 0.23 flags 70 % of this hazy image's sloped ground (blue brighter than green): said plainly, with the counts.
    const share = Math.round((100 * steep.barePixels) / steep.validPixels);
    expect(share).toBeGreaterThan(40);
    expect(steep.warnings).toContainEqual(expect.stringMatching(new RegExp(`^Single-date bare ground flagged ${share} % of the mapped ground \\(${steep.barePixels} of ${steep.validPixels} pixels\\), far more than landslides cover`)));
    expect(flat.warnings.some((w) => w.includes('far more than landslides cover'))).toBe(true);
  }, SLOW);

  it('into a project: one run with its parameters, predicted landslides through the one write path; the errors', async () => {
    const path = join(dir, 'event.gpkg');
    const r = await runBareGround(parse({ image: tile(), project: path }));
    expect(r.project?.featuresAdded).toBe(r.features);
    const rows = peek(path, (db) => ({
      runs: db.prepare('SELECT model_id, params, status FROM scarp_runs').all() as Array<{ model_id: string; params: string; status: string }>,
      statuses: db.prepare('SELECT status, COUNT(*) AS n FROM landslides GROUP BY status').all() as Array<{ status: string; n: number }>,
      edits: (db.prepare('SELECT COUNT(*) AS n FROM scarp_edits').get() as { n: number }).n,
    }));
    expect(rows.runs).toEqual([expect.objectContaining({ model_id: 'bare-ground-ndvi', status: 'done' })]);
    const params = JSON.parse(rows.runs[0]!.params) as Record<string, unknown>;
    expect(params).toMatchObject({ index: 'ndvi', threshold: 0.7, minSlopeDeg: null, minAreaPx: 4 });
    expect(rows.statuses).toEqual([{ status: 'predicted', n: r.features }]);
    expect(rows.edits).toBe(1);
    const post = dataPath('iburi-2018/s2_post_event_B4B3B2.tif');
    expect(await codeOf(runBareGround(parse({ image: post, index: 'ndvi', out: join(dir, 'x.gpkg') })))).toBe('INCOMPATIBLE_BANDS');
    expect(await codeOf(runBareGround(parse({ image: tile(), layout: { bands: ['red', 'nir', 'other', 'other'] }, index: 'gli', out: join(dir, 'x.gpkg') })))).toBe('INCOMPATIBLE_BANDS');
    expect(spawnSync('ls', [join(dir, 'x.gpkg')]).status).not.toBe(0);
  }, SLOW);

  it('scarp detect routes a 10 m scene without a pre-event image to the single-date method, and to change detection when the project has a pre-event scene', () => {
    const r = scarp(['detect', '--image', tile(), '--out', join(dir, 'routed.geojson'), '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { route: string; routeReason: string; bareGround: { method: string; features: number } };
    expect(j.route).toBe('single-date');
    expect(j.routeReason).toMatch(/^No model accepts \d+(\.\d+)? m imagery .* and there is no pre-event image: Scarp maps it with the single-date method, bare ground from NDVI, which is weak/);
    expect(j.bareGround.method).toBe('ndvi');
    const cli = scarp(['bare-ground', '--image', tile(), '--out', join(dir, 'cli.geojson')]);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/Score: +NDVI \(single date\) \(not a probability\); bare ground where < 0\.7/);

    const pre = dataPath('iburi-2018/s2_pre_event_B4B3B2.tif');
    const post = dataPath('iburi-2018/s2_post_event_B4B3B2.tif');
    const project = join(dir, 'routed.gpkg');
    expect(scarp(['project', 'create', project]).status).toBe(0);
    expect(scarp(['project', 'add-scene', project, '--image', pre, '--role', 'pre-event', '--date', '2018-08-20']).status).toBe(0);
    const c = scarp(['detect', '--image', post, '--project', project, '--scale', '0.0001', '--json']);
    expect(c.status).toBe(0);
    const k = JSON.parse(c.stdout) as { route: string; routeReason: string; change: { method: string; images: { pre: string }; warnings: string[] } };
    expect(k.route).toBe('change');
    expect(k.change.images.pre).toBe(pre);
    expect(k.change.warnings.join(' ')).toMatch(/Pre-event image from the project: scene s2_pre_event_B4B3B2\.tif \(2018-08-20\)/);
  }, SLOW);
});

describe.skipIf(!hasData || !hasGdal)('scarp change from the project scenes by role', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('change-roles')));
  afterAll(() => cleanup());

  it('takes the pre-event scene and the latest post-event scene; a missing role is a clear error', async () => {
    const pre = dataPath('iburi-2018/s2_pre_event_B4B3B2.tif');
    const post = dataPath('iburi-2018/s2_post_event_B4B3B2.tif');
    const project = join(dir, 'p.gpkg');
    expect(scarp(['project', 'create', project]).status).toBe(0);
    expect(scarp(['project', 'add-scene', project, '--image', post, '--role', 'post-event', '--date', '2018-09-11']).status).toBe(0);
    const none = scarp(['change', '--project', project, '--scale', '0.0001', '--json']);
    expect(none.status).toBe(1);
    const e = (JSON.parse(none.stdout) as { error: { code: string; message: string } }).error;
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/has no pre-event scene \(its scenes: s2_post_event_B4B3B2\.tif: post-event\), so change detection has no pre-event image/);
    expect(scarp(['project', 'add-scene', project, '--image', pre, '--role', 'pre-event', '--date', '2018-08-20']).status).toBe(0);
    const r = await runChange(ChangeRequest.parse({ project, preLayout: { scale: 1e-4 }, postLayout: { scale: 1e-4 } }));
    expect(r.images).toEqual({ pre, post });
    expect(r.method).toBe('visible');
    expect(r.warnings.join(' ')).toMatch(/Post-event image from the project: scene s2_post_event_B4B3B2\.tif \(2018-09-11\)\./);
    expect(r.project?.featuresAdded).toBe(r.features);
    // Without a project and without both images: a usage error.
    const usage = scarp(['change', '--post', post, '--out', join(dir, 'x.gpkg')]);
    expect(usage.status).toBe(2);
  }, SLOW);
});

describe.skipIf(!hasData || !hasGdal)('band roles from GDAL band descriptions and sensor layouts', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('band-desc')));
  afterAll(() => cleanup());

  it('reads B2/B3/B4/B8 (Sentinel-2 order, blue first) and named bands; --bands still overrides', async () => {
    const tile = dataPath('sentinel2-tiles/images/000000000001.tif');
    // The tile is R, G, B, NIR: described as Sentinel-2's B4, B3, B2, B8.
    const s2 = join(dir, 's2.tif');
    reference(['describe', tile, s2, 'B4,B3,B2,B8']);
    const r = await openRaster(s2);
    try {
      expect(r.info.bandDescriptions).toEqual(['B4', 'B3', 'B2', 'B8']);
      const l = bandLayoutOf(r.info);
      expect(l.roles).toEqual(['red', 'green', 'blue', 'nir']);
      expect(l.from).toBe('descriptions');
      expect(l.note).toMatch(/Sentinel-2 band numbers/);
      expect(bandLayoutOf(r.info, { bands: ['nir', 'red', 'green', 'blue'] }).roles).toEqual(['nir', 'red', 'green', 'blue']);
    } finally {
      await r.close();
    }
    // NIR first, described: the NDVI equals the one of the R, G, B, NIR file without any --bands.
    const nrgb = join(dir, 'nrgb.tif');
    spawnSync('gdal_translate', ['-q', '-b', '4', '-b', '1', '-b', '2', '-b', '3', tile, join(dir, 'nrgb0.tif')], { env: ENV });
    reference(['describe', join(dir, 'nrgb0.tif'), nrgb, 'NIR,Red,Green,Blue']);
    const a = await runBareGround(parse({ image: nrgb, score: join(dir, 'a.tif') }));
    expect(a.method).toBe('ndvi');
    expect(a.warnings.join(' ')).toMatch(/Band roles read from the band descriptions: NIR = nir, Red = red, Green = green, Blue = blue\./);
    const ref = refIndex(tile, 'ndvi', join(dir, 'ref.f64'));
    const c = compare(await readBand(join(dir, 'a.tif')), ref);
    expect(c.mismatch).toBe(0);
    expect(c.maxDiff).toBeLessThan(1e-6);
    // Landsat 8/9 band numbers (B5 is NIR there), told apart from Sentinel-2's by the set.
    const ls = join(dir, 'ls.tif');
    reference(['describe', tile, ls, 'SR_B4,SR_B3,SR_B2,SR_B5']);
    const l8 = await openRaster(ls);
    try {
      expect(bandLayoutOf(l8.info).roles).toEqual(['red', 'green', 'blue', 'nir']);
    } finally {
      await l8.close();
    }
  }, SLOW);
});

describe.skipIf(!hasData || !hasGdal)('reflectance auto-scaling for a reflectance-domain model', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('auto-scale')));
  afterAll(() => cleanup());

  it('a Sentinel-2 tile stored × 10,000 is scaled by 0.0001 with a warning, exactly as with --scale 0.0001', async () => {
    // A test model: the shipped RGB network with a card that takes reflectance at 10 m.
    const card = JSON.parse(readFileSync(join(repoRoot, 'models/scarp-sat-rgb.json'), 'utf8')) as {
      id: string;
      gsd: Record<string, number>;
      inputs: Array<{ valueDomain: string; bands: Array<{ normalization: { kind: string; mean: number; std: number } }> }>;
    };
    card.id = 'test-s2-reflectance';
    card.gsd = { nativeM: 10, minM: 8, maxM: 12.5, resampleMinM: 5, resampleMaxM: 20 };
    for (const i of card.inputs) {
      i.valueDomain = 'reflectance';
      for (const b of i.bands) b.normalization = { kind: 'zscore', mean: 0.05, std: 0.03 };
    }
    copyFileSync(join(repoRoot, 'models/scarp-sat-rgb.onnx'), join(dir, 'test-s2-reflectance.onnx'));
    writeFileSync(join(dir, 'test-s2-reflectance.json'), JSON.stringify(card));
    const model = join(dir, 'test-s2-reflectance.onnx');
    const tile = dataPath('sentinel2-tiles/images/000000000001.tif');
    const auto = scarp(['detect', '--image', tile, '--model', model, '--probability', join(dir, 'auto.tif'), '--json']);
    expect(auto.status).toBe(0);
    const w = (JSON.parse(auto.stdout) as { warnings: string[] }).warnings.join(' ');
    expect(w).toMatch(/takes reflectance, and .*000000000001\.tif holds values up to \d+ \(99th percentile\): read as reflectance × 10,000 .* scaled by 0\.0001/);
    const given = scarp(['detect', '--image', tile, '--model', model, '--scale', '0.0001', '--probability', join(dir, 'given.tif'), '--json']);
    expect(given.status).toBe(0);
    expect((JSON.parse(given.stdout) as { warnings: string[] }).warnings.join(' ')).not.toMatch(/× 10,000/);
    const [a, b] = await Promise.all([readBand(join(dir, 'auto.tif')), readBand(join(dir, 'given.tif'))]);
    expect(a.length).toBe(256 * 256);
    expect(Array.from(a)).toEqual(Array.from(b));
    // Not a constant map: the scaled input reached the network.
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(0.01);
  }, SLOW);
});
