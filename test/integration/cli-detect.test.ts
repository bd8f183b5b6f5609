/**
 * `scarp detect` end to end on a real Jinsha crop (RGB + DSM), through the real command: outputs
 * checked by GDAL, and every bad-input case giving a specific error, a non-zero exit and no file.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, gdalPython, hasGdal } from '../helpers/gdal';
import { hasTorch, makeRgbTestModel } from '../helpers/models';
import { scarp } from '../helpers/cli';

const run = hasData && hasGdal && hasTorch;

describe.skipIf(!run)('scarp detect (CLI, real data crop)', () => {
  let dir: string;
  let cleanup: () => void;
  let model: string;
  /** The mean probability of this random-weight model on the crop (the first test): a threshold that gives polygons. */
  let meanThreshold = '0.4';
  let rgb: string;
  let dsm: string;

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('cli-detect'));
    model = makeRgbTestModel(dir);
    rgb = join(dir, 'rgb.tif');
    dsm = join(dir, 'dsm.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1536', '1700', '768', '512', dataPath('jinsha-uav/siteB_rgb.tif'), rgb]);
    gdal('gdal_translate', ['-q', '-srcwin', '1536', '1700', '768', '512', dataPath('jinsha-uav/siteB_dsm.tif'), dsm]);
  });
  afterAll(() => cleanup());

  /** Files in the temp folder that a failed run might have left (temporaries, partial outputs). */
  const leftovers = (): string[] => readdirSync(dir).filter((f) => f.startsWith('.') || f.includes('partial') || f.includes('scarp-'));

  it('writes a probability GeoTIFF on the image grid and a GeoPackage that validate_gpkg accepts', () => {
    const prob = join(dir, 'prob.tif');
    const first = scarp(['detect', '--image', rgb, '--dem', dsm, '--model', model, '--probability', prob, '--json']);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.status).toBe(0);
    const info = gdalinfoJson(prob, ['-stats']);
    const src = gdalinfoJson(rgb);
    expect(info.size).toEqual(src.size);
    expect(info.geoTransform).toEqual(src.geoTransform);
    expect(JSON.stringify(info.coordinateSystem)).toContain('32647');
    const band = (info.bands as Array<{ mean: number; noDataValue: number }>)[0]!;
    expect(band.noDataValue).toBe(-1);
    // A Cloud-Optimized GeoTIFF with its band description, provenance and QGIS style (issue 13).
    const cog = gdalPython('osgeo_utils.samples.validate_cloud_optimized_geotiff', ['--full-check=yes', prob]);
    expect(cog.status, cog.stdout + cog.stderr).toBe(0);
    expect(String((info.bands as Array<{ description?: string }>)[0]!.description)).toMatch(/probability/i);
    const md = (info.metadata as Record<string, Record<string, string>>)[''];
    const j = JSON.parse(first.stdout) as { model: { sha256: string }; threshold: number };
    expect(md).toMatchObject({ SCARP_OUTPUT: 'detect', SCARP_MODEL_SHA256: j.model.sha256, SCARP_THRESHOLD: String(j.threshold), SCARP_IMAGERY_SCENES: 'rgb.tif' });
    expect(readFileSync(join(dir, 'prob.qml'), 'utf8')).toContain('singlebandpseudocolor');

    // A threshold at the mean of this random-weight model's output gives polygons to check.
    meanThreshold = band.mean.toFixed(6);
    const out = join(dir, 'inv.gpkg');
    const second = scarp(['detect', '--image', rgb, '--dem', dsm, '--model', model, '--out', out, '--threshold', band.mean.toFixed(6), '--json']);
    expect(second.status).toBe(0);
    const result = JSON.parse(second.stdout) as { features: number; outputs: { inventory: string }; provider: string };
    expect(result.features).toBeGreaterThan(0);
    expect(result.provider).toBe('cpu');
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [out]);
    expect(v.stdout + v.stderr).toBe('');
    expect(v.status).toBe(0);
    const ogr = gdal('ogrinfo', ['-so', out, 'landslides']);
    expect(ogr).toContain(`Feature Count: ${result.features}`);
    // The file says which model, run and threshold made it, as the probability raster does (until 5 December it wrote nulls).
    const j2 = JSON.parse(second.stdout) as { model: { id: string; sha256: string }; threshold: number };
    for (const item of [`SCARP_MODEL_ID=${j2.model.id}`, `SCARP_MODEL_SHA256=${j2.model.sha256}`, `SCARP_THRESHOLD=${j2.threshold}`, 'SCARP_IMAGERY_SCENES=rgb.tif', 'SCARP_CONFIDENCE=probability that the class is right']) {
      expect(ogr).toContain(item);
    }
    expect(ogr).toMatch(/SCARP_RUN=[0-9a-f-]{36}/);
    for (const field of ['area_m2', 'perimeter_m', 'prob_mean', 'prob_max', 'slope_mean', 'elev_min', 'elev_max', 'aspect_mean', 'dem_coverage', 'status']) {
      expect(ogr).toContain(`${field}:`);
    }
    const invalid = gdal('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', 'select count(*) as n from landslides where not st_isvalid(geom) or elev_min is null or not (dem_coverage > 0 and dem_coverage <= 1)', out]);
    expect(invalid).toMatch(/n \(Integer\) = 0/);
    expect(leftovers()).toEqual([]);
  });

  it('a DEM over part of the scene: a warning, and each landslide says how much of it the DEM covers (dem_coverage)', () => {
    const half = join(dir, 'dsm-west.tif');
    gdal('gdal_translate', ['-q', '-srcwin', '1536', '1700', '384', '512', dataPath('jinsha-uav/siteB_dsm.tif'), half]);
    const out = join(dir, 'inv-half-dem.gpkg');
    const r = scarp(['detect', '--image', rgb, '--dem', half, '--model', model, '--out', out, '--threshold', meanThreshold, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { features: number; warnings: string[] };
    expect(result.warnings.join(' ')).toMatch(/cover/i);
    const q = (sql: string): number => Number(/n \((?:Integer|Real)\) = ([\d.]+)/.exec(gdal('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', sql, out]))![1]);
    expect(q('select count(*) as n from landslides')).toBe(result.features);
    // Landslides over the DEM, beside it and across its edge: each says how much of it the DEM covers,
    // never unknown; no terrain figures exactly where it covers nothing.
    expect(q('select count(*) as n from landslides where dem_coverage is null or dem_coverage < 0 or dem_coverage > 1')).toBe(0);
    expect(q('select count(*) as n from landslides where dem_coverage > 0')).toBeGreaterThan(0);
    expect(q('select count(*) as n from landslides where dem_coverage < 1')).toBeGreaterThan(0);
    expect(q('select count(*) as n from landslides where (dem_coverage = 0) != (elev_min is null)')).toBe(0);
  });

  it("keeps only seeded landslides with the card's seedThreshold (hysteresis); --no-seed and --seed-threshold override it", () => {
    const q = (out: string, sql: string): number => Number(/n \((?:Integer|Real)\) = ([\d.]+)/.exec(gdal('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', sql, out]))![1]);
    const detect = (out: string, extra: string[], env: NodeJS.ProcessEnv = {}) => {
      const r = scarp(['detect', '--image', rgb, '--model', seedModel, '--out', out, '--threshold', meanThreshold, '--no-separate', '--min-area', '0', '--overwrite', '--json', ...extra], env);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { features: number; seedThreshold: number | null };
    };
    // The test model with a card carrying no seed: every blob above the threshold, one polygon each.
    const seedModel = join(dir, 'seeded.onnx');
    copyFileSync(model, seedModel);
    const card = JSON.parse(readFileSync(model.replace(/\.onnx$/, '.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(seedModel.replace(/\.onnx$/, '.json'), JSON.stringify({ ...card, id: 'seeded' }));
    const all = join(dir, 'seed-none.gpkg');
    const none = detect(all, []);
    expect(none.seedThreshold).toBeNull();
    // A seed between the blobs' peaks, so that some blobs have one and some do not.
    const peaks = gdal('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', 'select prob_max from landslides order by prob_max', all])
      .split('\n').map((l) => /prob_max \(Real\) = ([\d.]+)/.exec(l)?.[1]).filter((v): v is string => v !== undefined).map(Number);
    expect(peaks.length).toBeGreaterThan(3);
    const seed = (peaks[Math.floor(peaks.length / 2)]! + peaks[Math.floor(peaks.length / 2) - 1]!) / 2;
    const expected = peaks.filter((p) => p >= seed).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(peaks.length);
    writeFileSync(seedModel.replace(/\.onnx$/, '.json'), JSON.stringify({ ...card, id: 'seeded', seedThreshold: seed }));
    const kept = join(dir, 'seed-card.gpkg');
    const withSeed = detect(kept, []);
    expect(withSeed.seedThreshold).toBe(seed);
    expect(withSeed.features).toBe(expected);
    expect(q(kept, `select count(*) as n from landslides where prob_max < ${seed}`)).toBe(0);
    // the kept landslides are the seeded ones of the unseeded run, pixel for pixel
    expect(q(kept, 'select sum(area_m2) as n from landslides')).toBeCloseTo(q(all, `select sum(area_m2) as n from landslides where prob_max >= ${seed}`), 3);
    // --no-seed turns the card's rule off; --seed-threshold replaces it
    expect(detect(join(dir, 'seed-off.gpkg'), ['--no-seed'])).toMatchObject({ features: peaks.length, seedThreshold: null });
    writeFileSync(seedModel.replace(/\.onnx$/, '.json'), JSON.stringify({ ...card, id: 'seeded', seedThreshold: 0.999 }));
    expect(detect(join(dir, 'seed-flag.gpkg'), ['--seed-threshold', String(seed)])).toMatchObject({ features: expected, seedThreshold: seed });
    writeFileSync(seedModel.replace(/\.onnx$/, '.json'), JSON.stringify({ ...card, id: 'seeded', seedThreshold: seed }));
    // the text summary says so
    const t = scarp(['detect', '--image', rgb, '--model', seedModel, '--out', join(dir, 'seed-text.gpkg'), '--threshold', meanThreshold, '--overwrite']);
    expect(t.stdout).toContain(`(regions kept where they reach ${seed})`);
    // a seed outside (0, 1), or given with --no-seed: usage errors
    expect(scarp(['detect', '--image', rgb, '--out', join(dir, 'x.gpkg'), '--seed-threshold', '1.5']).status).toBe(2);
    expect(scarp(['detect', '--image', rgb, '--out', join(dir, 'x.gpkg'), '--seed-threshold', '0.9', '--no-seed']).status).toBe(2);
  }, 120_000);

  it('into a project with --out: the file also names the project and its event (the project run\'s provenance)', () => {
    const project = join(dir, 'event.gpkg');
    expect(scarp(['project', 'create', project, '--event-name', 'Valley storm', '--event-date', '2020-08-01', '--trigger', 'rainfall']).status).toBe(0);
    const out = join(dir, 'event-out.geojson');
    const r = scarp(['detect', '--image', rgb, '--model', model, '--project', project, '--out', out, '--threshold', meanThreshold, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { project: { runId: string } };
    const prov = (JSON.parse(readFileSync(out, 'utf8')) as { scarp: Record<string, any> }).scarp;
    expect(prov.project).toBe('event.gpkg');
    expect(prov.event).toEqual({ name: 'Valley storm', date: '2020-08-01', trigger: 'rainfall' });
    expect(prov.run.id).toBe(j.project.runId);
    expect(prov.imagery.scenes).toEqual([{ name: 'rgb.tif', role: null, date: null }]);
  });

  it('writes RFC 7946 GeoJSON in WGS 84', () => {
    const out = join(dir, 'inv.geojson');
    const r = scarp(['detect', '--image', rgb, '--model', model, '--out', out, '--threshold', '0.4']);
    expect(r.status).toBe(0);
    const fc = JSON.parse(readFileSync(out, 'utf8')) as { type: string; crs?: unknown; features: Array<{ geometry: { coordinates: number[][][][] } }> };
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.crs).toBeUndefined();
    if (fc.features.length > 0) {
      const [lon, lat] = fc.features[0]!.geometry.coordinates[0]![0]![0]!;
      expect(lon).toBeGreaterThan(98.6);
      expect(lon).toBeLessThan(98.8);
      expect(lat).toBeGreaterThan(31.0);
      expect(lat).toBeLessThan(31.2);
    }
  });

  it('refuses to replace an existing output without --overwrite and leaves it untouched', () => {
    const out = join(dir, 'exists.gpkg');
    writeFileSync(out, 'keep me');
    const r = scarp(['detect', '--image', rgb, '--model', model, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(out);
    expect(r.stderr).toMatch(/already exists/);
    expect(r.stderr).toMatch(/--overwrite/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('replaces an existing output with --overwrite', () => {
    const out = join(dir, 'replace.tif');
    writeFileSync(out, 'old');
    const r = scarp(['detect', '--image', rgb, '--model', model, '--probability', out, '--overwrite']);
    expect(r.status).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(1000);
  });

  const badCases: Array<{ name: string; make: () => { image: string; dem?: string; out?: string }; expect: RegExp }> = [
    { name: 'a path that does not exist', make: () => ({ image: join(dir, 'nope.tif') }), expect: /not found|does not exist/i },
    {
      name: 'a truncated TIFF',
      make: () => {
        const p = join(dir, 'truncated.tif');
        const bytes = readFileSync(rgb);
        writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 3)));
        return { image: p };
      },
      expect: /truncated|corrupt|damaged/i,
    },
    {
      name: 'a VRT instead of a GeoTIFF',
      make: () => {
        const p = join(dir, 'scene.vrt');
        gdal('gdal_translate', ['-q', '-of', 'VRT', rgb, p]);
        return { image: p };
      },
      expect: /GeoTIFF/,
    },
    {
      name: 'a raster without georeferencing',
      make: () => {
        const p = join(dir, 'nogeo.tif');
        gdal('gdal_translate', ['-q', '-co', 'PROFILE=BASELINE', rgb, p]);
        for (const side of ['nogeo.tfw', 'nogeo.tif.aux.xml', 'nogeo.aux.xml']) if (existsSync(join(dir, side))) writeFileSync(join(dir, side), '');
        return { image: p };
      },
      expect: /georeferenc/i,
    },
    {
      name: 'imagery and a DEM that do not overlap',
      make: () => {
        const p = join(dir, 'far_dem.tif');
        gdal('gdal_translate', ['-q', '-a_ullr', '300000', '3000000', '300384', '2999744', dsm, p]);
        return { image: rgb, dem: p };
      },
      expect: /overlap/i,
    },
    {
      name: 'a band count the model cannot take',
      make: () => {
        const p = join(dir, 'gray.tif');
        gdal('gdal_translate', ['-q', '-b', '1', rgb, p]);
        return { image: p };
      },
      expect: /band/i,
    },
    {
      name: 'an all-nodata scene',
      make: () => {
        const p = join(dir, 'empty.tif');
        gdal('gdal_translate', ['-q', '-srcwin', '0', '1800', '256', '256', dataPath('jinsha-uav/siteB_rgb.tif'), p]);
        return { image: p };
      },
      expect: /nodata|no valid pixels/i,
    },
    { name: 'an output folder that does not exist', make: () => ({ image: rgb, out: join(dir, 'missing-folder', 'out.gpkg') }), expect: /does not exist/ },
  ];

  for (const c of badCases) {
    it(`fails clearly on ${c.name}, exit 1, no output left`, () => {
      const { image, dem, out } = c.make();
      const target = out ?? join(dir, 'bad-out.gpkg');
      const args = ['detect', '--image', image, '--model', model, '--out', target];
      if (dem) args.push('--dem', dem);
      const r = scarp(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(c.expect);
      expect(r.stderr).not.toMatch(/internal error|at .*\.ts:\d+/);
      expect(existsSync(target)).toBe(false);
      expect(leftovers()).toEqual([]);
    });
  }

  it('exits 2 on usage errors', () => {
    expect(scarp(['detect']).status).toBe(2);
    expect(scarp(['detect', '--image', rgb, '--out', 'x.gpkg', '--threshold', 'abc']).status).toBe(2);
    expect(scarp(['detect', '--bogus']).status).toBe(2);
    expect(scarp(['frobnicate']).status).toBe(2);
    expect(scarp(['detect', '--image', rgb, '--out', 'x.gpkg', '--tta', '--no-tta']).status).toBe(2);
  });

  it('without --model picks for the scene and says why; reports the GSD plan and TTA (--tta / --no-tta)', () => {
    // A models folder holding the test model twice: one native at the scene's 0.5 m, one only by resampling.
    const models = join(dir, 'models-pick');
    mkdirSync(models, { recursive: true });
    const card = JSON.parse(readFileSync(model.replace(/\.onnx$/, '.json'), 'utf8')) as Record<string, unknown>;
    const put = (id: string, gsd: Record<string, number>, extra: Record<string, unknown> = {}) => {
      copyFileSync(model, join(models, `${id}.onnx`));
      writeFileSync(join(models, `${id}.json`), JSON.stringify({ ...card, id, gsd, ...extra }));
    };
    put('a-coarse', { nativeM: 1, minM: 0.75, maxM: 1.25, resampleMinM: 0.4, resampleMaxM: 3 });
    put('b-fine', { nativeM: 0.5, minM: 0.375, maxM: 0.625, resampleMinM: 0.25, resampleMaxM: 1.5 }, { domain: 'UAV 0.3-1 m RGB', tta: 'flips' });
    const prob = join(dir, 'pick.tif');
    const r = scarp(['detect', '--image', rgb, '--probability', prob, '--json', '--overwrite', '--no-tta'], { SCARP_MODELS: models });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { model: { id: string; domain?: string }; modelReason: string; tta: boolean; gsdPlan: { kind: string; sceneM: number; targetM: number } };
    expect(j.model).toMatchObject({ id: 'b-fine', domain: 'UAV 0.3-1 m RGB' });
    expect(j.modelReason).toMatch(/^b-fine: the scene is 0\.50 m, inside its 0\.375–0\.625 m range, and no DEM was given and it needs none\.$/);
    expect(j.tta).toBe(false);
    expect(j.gsdPlan.kind).toBe('native');
    expect(j.gsdPlan.sceneM).toBeCloseTo(0.5, 3);
    // The card's default (flips) applies without a flag; the text summary says which model, why, the plan and TTA.
    const t = scarp(['detect', '--image', rgb, '--probability', prob, '--overwrite'], { SCARP_MODELS: models });
    expect(t.status).toBe(0);
    expect(t.stdout).toContain('Model:       b-fine');
    expect(t.stdout).toContain('for UAV 0.3-1 m RGB');
    expect(t.stdout).toMatch(/Why: +b-fine: the scene is 0\.50 m/);
    expect(t.stdout).toMatch(/Run at: +scene 0\.5 m, run as is; DEM not used; test-time flips on/);
    // --model still overrides, and says so.
    const o = scarp(['detect', '--image', rgb, '--probability', prob, '--overwrite', '--json', '--model', 'a-coarse', '--tta'], { SCARP_MODELS: models });
    expect(o.status).toBe(0);
    const oj = JSON.parse(o.stdout) as { model: { id: string }; modelReason: string; tta: boolean; gsdPlan: { kind: string; targetM: number } };
    expect(oj.model.id).toBe('a-coarse');
    expect(oj.modelReason).toContain('named in the request');
    expect(oj.tta).toBe(true);
    expect(oj.gsdPlan).toMatchObject({ kind: 'resample', targetM: 0.75 });
    // A scene finer than every range is averaged down to the model's native resolution, and the reason says so.
    const coarse = join(dir, 'models-coarse');
    mkdirSync(coarse, { recursive: true });
    copyFileSync(model, join(coarse, 'sat-10m.onnx'));
    writeFileSync(join(coarse, 'sat-10m.json'), JSON.stringify({ ...card, id: 'sat-10m', gsd: { nativeM: 10, minM: 8, maxM: 12, resampleMinM: 5, resampleMaxM: 20 } }));
    const c = scarp(['detect', '--image', rgb, '--probability', join(dir, 'coarse.tif'), '--json'], { SCARP_MODELS: coarse });
    expect(c.status, c.stderr).toBe(0);
    const cj = JSON.parse(c.stdout) as { model: { id: string }; modelReason: string; gsdPlan: { kind: string; targetM: number } };
    expect(cj.model.id).toBe('sat-10m');
    expect(cj.gsdPlan).toMatchObject({ kind: 'resample', targetM: 10 });
    expect(cj.modelReason).toMatch(/the scene is 0\.50 m, finer than its 8–12 m range, so it is averaged down to 10 m, its native resolution/);
    // No model accepts the scene (coarser than every range): a clear error naming each model's ranges, exit 1.
    const none = join(dir, 'models-none');
    mkdirSync(none, { recursive: true });
    copyFileSync(model, join(none, 'drone-10cm.onnx'));
    writeFileSync(join(none, 'drone-10cm.json'), JSON.stringify({ ...card, id: 'drone-10cm', gsd: { nativeM: 0.1, minM: 0.08, maxM: 0.12, resampleMinM: 0.05, resampleMaxM: 0.2 } }));
    const n = scarp(['detect', '--image', rgb, '--probability', join(dir, 'none.tif')], { SCARP_MODELS: none });
    expect(n.status).toBe(1);
    expect(n.stderr).toContain('No model in');
    expect(n.stderr).toContain('0.5 m per pixel');
    expect(n.stderr).toContain('drone-10cm 0.08–0.12 m (resamples 0.05–0.2 m)');
    expect(existsSync(join(dir, 'none.tif'))).toBe(false);
  }, 120_000);
});
