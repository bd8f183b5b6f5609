/**
 * Pre/post-event change detection (scarp change) checked against an independent NumPy/GDAL
 * computation of the same formulas (test/fixtures/change_reference.py): HazMapper's rdNDVI on a
 * synthetic 4-band pair, the visible-band method on the real Iburi 2018 pair, and the same pair with
 * the pre-event image reprojected by gdalwarp to another CRS and resolution (the reference brings
 * it back onto the post-event grid with gdalwarp -r bilinear). Also the run in a project through
 * the one write path, and the errors for a pair that does not overlap, rdNDVI without NIR and two
 * different products.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChange } from '../../src-main/core/detect/run-change';
import { ChangeRequest, type ChangeRequestParsed } from '../../src-shared/api';
import { openRaster } from '../../src-main/core/raster';
import { isScarpError } from '../../src-shared/errors';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { scarp } from '../helpers/cli';

const REF = join(__dirname, '../fixtures/change_reference.py');

function reference(args: string[]): string {
  const r = spawnSync('/usr/bin/python3', [REF, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

function refScore(pre: string, post: string, method: 'rdndvi' | 'visible', scale: number, out: string, shift?: number): Float64Array {
  reference(['score', pre, post, method, String(scale), out, ...(shift === undefined ? [] : [String(shift)])]);
  const b = readFileSync(out);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

async function readScore(path: string): Promise<Float32Array> {
  const r = await openRaster(path);
  try {
    return (await r.readWindow({ x: 0, y: 0, width: r.info.width, height: r.info.height }))[0]!;
  } finally {
    await r.close();
  }
}

/** Largest |ours − ref| where both are defined, and the pixels defined in only one of them. */
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
    // The score raster is float32: compare at float32 precision of the reference value.
    maxDiff = Math.max(maxDiff, Math.abs(a - Math.fround(b)));
  }
  return { maxDiff, mismatch, valid };
}

const parse = (r: ChangeRequest): ChangeRequestParsed => ChangeRequest.parse(r);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return isScarpError(e) ? e.code : `not a ScarpError: ${String(e)}`;
  }
}

describe.skipIf(!hasGdal)('change detection: rdNDVI (HazMapper) on a synthetic 4-band pair', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('change-pair'));
    reference(['pair', dir]);
  });
  afterAll(() => cleanup());

  it('the score equals NumPy rdNDVI within 1e-6, nodata of any band is honoured, and the changed area is found', async () => {
    const r = await runChange(parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post.tif'), score: join(dir, 'score.tif'), out: join(dir, 'slides.gpkg')}));
    expect(r.method).toBe('rdndvi');
    expect(r.methodReason).toMatch(/near-infrared/);
    const ours = await readScore(join(dir, 'score.tif'));
    const ref = refScore(join(dir, 'pre.tif'), join(dir, 'post.tif'), 'rdndvi', 1, join(dir, 'ref.f64'));
    const c = compare(ours, ref);
    expect(c.mismatch).toBe(0);
    expect(c.valid).toBe(120 * 160 - 10 * 160 - 5 * 10);
    expect(c.maxDiff).toBeLessThan(1e-6 * 100);
    // Changed pixels = reference pixels with rdNDVI ≤ −20.
    let n = 0;
    for (const v of ref) if (v <= -20) n++;
    expect(r.changedPixels).toBe(n);
    expect(n).toBe(30 * 40);
    // One polygon, the 30 × 40 px block at 10 m.
    expect(r.features).toBe(1);
    expect(r.totalAreaM2).toBeCloseTo(1200 * 100, 3);
    expect(gdal('ogrinfo', ['-al', '-so', join(dir, 'slides.gpkg')])).toMatch(/Feature Count: 1\n/);
  });

  it('scales and offsets do not change rdNDVI when both images get the same; a rescaled float product is compared once both are reflectance', async () => {
    const a = await runChange(parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post_float.tif'), score: join(dir, 's2.tif'), preLayout: { scale: 1e-4 }, postLayout: { scale: 1 } }));
    const ours = await readScore(join(dir, 's2.tif'));
    const ref = refScore(join(dir, 'pre.tif'), join(dir, 'post.tif'), 'rdndvi', 1, join(dir, 'ref2.f64'));
    // post_float holds post / 10000 rounded to float32 (the uint16 file rounds to integers first).
    const c = compare(ours, ref);
    expect(c.valid).toBeGreaterThan(15000);
    expect(c.maxDiff).toBeLessThan(0.05);
    expect(a.changedPixels).toBe(1200);
  });

  it('a band order given by --bands is followed: NIR, R, G, B in file order scores as R, G, B, NIR', async () => {
    const r = await runChange(parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post_nrgb.tif'), score: join(dir, 's3.tif'), postLayout: { bands: ['nir', 'red', 'green', 'blue'] } }));
    expect(r.method).toBe('rdndvi');
    const ref = refScore(join(dir, 'pre.tif'), join(dir, 'post.tif'), 'rdndvi', 1, join(dir, 'ref3.f64'));
    const c = compare(await readScore(join(dir, 's3.tif')), ref);
    expect(c.mismatch).toBe(0);
    expect(c.maxDiff).toBeLessThan(1e-6 * 100);
    // Read in file order (no roles given), the same file has its NIR taken as red: everything changes.
    const wrong = await runChange(parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post_nrgb.tif'), score: join(dir, 's4.tif') }));
    expect(wrong.changedPixels).not.toBe(1200);
  });

  it('errors: no overlap, rdNDVI without NIR, different products without scales, a band list of the wrong length', async () => {
    expect(await codeOf(runChange(parse({ pre: join(dir, 'far.tif'), post: join(dir, 'post.tif'), out: join(dir, 'x.gpkg') })))).toBe('NO_OVERLAP');
    expect(await codeOf(runChange(parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post.tif'), out: join(dir, 'x.gpkg'), method: 'rdndvi', preLayout: { bands: ['red', 'green', 'blue', 'other'] } })))).toBe('INCOMPATIBLE_BANDS');
    expect(await codeOf(runChange(parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post_float.tif'), out: join(dir, 'x.gpkg') })))).toBe('INCOMPATIBLE_BANDS');
    expect(await codeOf(runChange(parse({ pre: join(dir, 'pre.tif'), post: join(dir, 'post.tif'), out: join(dir, 'x.gpkg'), postLayout: { bands: ['red', 'green', 'blue'] } })))).toBe('INCOMPATIBLE_BANDS');
    // Nothing partial was left behind.
    expect(spawnSync('ls', [join(dir, 'x.gpkg')]).status).not.toBe(0);
  });

  it('the CLI: --json result, exit 1 with the error code for rdNDVI without NIR, exit 2 for a bad band role', () => {
    const ok = scarp(['change', '--pre', join(dir, 'pre.tif'), '--post', join(dir, 'post.tif'), '--out', join(dir, 'cli.geojson'), '--json']);
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { features: number; method: string }).features).toBe(1);
    const bad = scarp(['change', '--pre', join(dir, 'pre.tif'), '--post', join(dir, 'post.tif'), '--out', join(dir, 'cli2.geojson'), '--method', 'rdndvi', '--bands', 'red,green,blue,other', '--json']);
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as { error: { code: string; hint: string } }).error.code).toBe('INCOMPATIBLE_BANDS');
    const usage = scarp(['change', '--pre', 'a.tif', '--post', 'b.tif', '--out', 'c.gpkg', '--bands', 'red,grn']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/'grn' is not a band role/);
  });
});

describe.skipIf(!hasData || !hasGdal)('change detection on the Iburi 2018 pair (B4, B3, B2: no NIR)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('change-iburi')));
  afterAll(() => cleanup());

  it('picks the visible method, and its score equals NumPy within 1e-6 (median shift included)', async () => {
    const pre = dataPath('iburi-2018/s2_pre_event_B4B3B2.tif');
    const post = dataPath('iburi-2018/s2_post_event_B4B3B2.tif');
    const r = await runChange(parse({ pre, post, score: join(dir, 'score.tif'), out: join(dir, 'iburi.gpkg'), postLayout: { scale: 1e-4 }, preLayout: { scale: 1e-4 } }));
    expect(r.method).toBe('visible');
    expect(r.methodReason).toMatch(/neither image has a near-infrared band/);
    expect(r.preResampled).toBe(false);
    const median = Number(reference(['score', pre, post, 'visible', '0.0001', join(dir, 'unused')]));
    expect(Math.abs(r.brightnessShift! - median)).toBeLessThan(1e-6);
    const ref = refScore(pre, post, 'visible', 1e-4, join(dir, 'ref.f64'), r.brightnessShift!);
    const c = compare(await readScore(join(dir, 'score.tif')), ref);
    expect(c.mismatch).toBe(0);
    // The pre-event image is 40 % nodata: only the overlap is scored.
    expect(c.valid / (1533 * 970)).toBeGreaterThan(0.55);
    expect(c.valid / (1533 * 970)).toBeLessThan(0.65);
    expect(c.maxDiff).toBeLessThan(1e-6 * 100);
    expect(r.features).toBeGreaterThan(50);
    // The part not compared is counted (as GDAL sees it: post-event data, pre-event nodata) and named in a warning.
    const gap = Number(gdal('/usr/bin/python3', ['-c', `from osgeo import gdal; a = gdal.Open('${pre}').ReadAsArray(); b = gdal.Open('${post}').ReadAsArray(); print(((a == 0).any(0) & ~(b == 0).any(0)).sum())`]));
    expect(gap).toBeGreaterThan(0.3 * 1533 * 970);
    expect(r.preGapPixels).toBe(gap);
    expect(r.preGapPixels + r.validPixels + r.maskedPixels).toBe(Number(gdal('/usr/bin/python3', ['-c', `from osgeo import gdal; print((~(gdal.Open('${post}').ReadAsArray() == 0).any(0)).sum())`])));
    expect(r.warnings.join('\n')).toMatch(/The pre-event image s2_pre_event_B4B3B2.tif has no data over 40 % of the post-event image's ground .*change there is not mapped/);
  });

  it('a pre-event image reprojected to UTM 54N at 15 m: the score equals NumPy on the gdalwarp (bilinear) co-registration within 1e-6', async () => {
    const pre = dataPath('iburi-2018/s2_pre_event_B4B3B2.tif');
    const post = dataPath('iburi-2018/s2_post_event_B4B3B2.tif');
    const utm = join(dir, 'pre_utm15.tif');
    gdal('gdalwarp', ['-q', '-t_srs', 'EPSG:32654', '-tr', '15', '15', '-r', 'bilinear', '-srcnodata', '0', '-dstnodata', '0', pre, utm]);
    const r = await runChange(parse({ pre: utm, post, score: join(dir, 'score_utm.tif'), preLayout: { scale: 1e-4 }, postLayout: { scale: 1e-4 } }));
    expect(r.preResampled).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/different resolutions/);
    // The reference: gdalwarp brings the UTM image back onto the post-event grid (bilinear, exact transforms).
    const info = gdalinfoJson(post) as { size: [number, number]; geoTransform: number[] };
    const [w, h] = info.size;
    const gt = info.geoTransform;
    const back = join(dir, 'pre_back.tif');
    gdal('gdalwarp', ['-q', '-t_srs', 'EPSG:4326', '-te', String(gt[0]), String(gt[3] + gt[5]! * h), String(gt[0]! + gt[1]! * w), String(gt[3]), '-ts', String(w), String(h), '-r', 'bilinear', '-et', '0', '-ot', 'Float32', '-srcnodata', '0', '-dstnodata', '0', utm, back]);
    const median = Number(reference(['score', back, post, 'visible', '0.0001', join(dir, 'unused')]));
    expect(Math.abs(r.brightnessShift! - median)).toBeLessThan(1e-4);
    const ref = refScore(back, post, 'visible', 1e-4, join(dir, 'ref_utm.f64'), r.brightnessShift!);
    const c = compare(await readScore(join(dir, 'score_utm.tif')), ref);
    expect(c.valid).toBeGreaterThan(0.5 * w * h);
    // Pixels on the nodata edge may fall either side (gdalwarp's and Scarp's nodata rule at the border).
    expect(c.mismatch / c.valid).toBeLessThan(0.005);
    expect(c.maxDiff).toBeLessThan(1e-6 * 100);
  });

  it('scarp detect routes a 10 m scene with --pre to change detection instead of refusing, and says why; without --pre to the single-date method (GLI)', () => {
    const pre = dataPath('iburi-2018/s2_pre_event_B4B3B2.tif');
    const post = dataPath('iburi-2018/s2_post_event_B4B3B2.tif');
    const r = scarp(['detect', '--image', post, '--pre', pre, '--scale', '0.0001', '--out', join(dir, 'routed.gpkg'), '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { route: string; routeReason: string; change: { method: string; features: number } };
    expect(j.route).toBe('change');
    expect(j.routeReason).toMatch(/^No model accepts 8\.\d+ m imagery .*: Scarp maps it by change detection/);
    expect(j.change.method).toBe('visible');
    expect(j.change.features).toBeGreaterThan(50);
    const single = scarp(['detect', '--image', post, '--out', join(dir, 'single.gpkg'), '--json']);
    expect(single.status).toBe(0);
    const k = JSON.parse(single.stdout) as { route: string; routeReason: string; bareGround: { method: string } };
    expect(k.route).toBe('single-date');
    expect(k.routeReason).toMatch(/single-date method, bare ground from the visible-band GLI \(no near-infrared band\)/);
    expect(k.bareGround.method).toBe('gli');
    // A model named explicitly is still refused outside its range, with the hint to give a pre-event image.
    const refused = scarp(['detect', '--image', post, '--model', 'scarp-sat-rgb', '--out', join(dir, 'refused.gpkg'), '--json']);
    expect(refused.status).toBe(1);
    expect((JSON.parse(refused.stdout) as { error: { code: string } }).error.code).toBe('RESOLUTION_OUT_OF_RANGE');
  });

  it('into a project: one run with its parameters, predicted landslides through the one write path, the pre-event image recorded', async () => {
    const pre = dataPath('iburi-2018/s2_pre_event_B4B3B2.tif');
    const post = dataPath('iburi-2018/s2_post_event_B4B3B2.tif');
    const path = join(dir, 'event.gpkg');
    const r = await runChange(parse({ pre, post, dem: dataPath('iburi-2018/dsm_30m.tif'), project: path, postLayout: { scale: 1e-4 }, preLayout: { scale: 1e-4 } }));
    expect(r.minSlopeDeg).toBe(10);
    expect(r.project?.featuresAdded).toBe(r.features);
    const rows = peek(path, (db) => ({
      runs: db.prepare("SELECT model_id, params, status FROM scarp_runs").all() as Array<{ model_id: string; params: string; status: string }>,
      statuses: db.prepare('SELECT status, COUNT(*) AS n FROM landslides GROUP BY status').all() as Array<{ status: string; n: number }>,
      layers: db.prepare("SELECT kind, info FROM scarp_layers").all() as Array<{ kind: string; info: string }>,
      slope: db.prepare('SELECT MIN(slope_mean) AS m FROM landslides').get() as { m: number },
      edits: (db.prepare('SELECT COUNT(*) AS n FROM scarp_edits').get() as { n: number }).n,
    }));
    expect(rows.runs).toHaveLength(1);
    expect(rows.runs[0]!.model_id).toBe('change-visible');
    expect(rows.runs[0]!.status).toBe('done');
    const params = JSON.parse(rows.runs[0]!.params) as Record<string, unknown>;
    expect(params.threshold).toBe(40);
    expect(params.minSlopeDeg).toBe(10);
    expect(params.brightnessShift).toBeCloseTo(r.brightnessShift!, 12);
    expect(rows.statuses).toEqual([{ status: 'predicted', n: r.features }]);
    expect(rows.layers.some((l) => l.kind === 'imagery' && (JSON.parse(l.info) as { role?: string }).role === 'pre-event')).toBe(true);
    expect(rows.edits).toBe(1);
    // Attributes through the same chain: terrain from the DEM (the slope mask keeps steep ground).
    expect(rows.slope.m).toBeGreaterThan(5);
  });
});
