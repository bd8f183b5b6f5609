/**
 * Sharded detection through the real `scarp` command on a real crop of Jinsha site B (RGB + DSM,
 * the shipped scarp-uav-rgbdem model): `detect --shard K/4` four times, `merge-shards`, compared by
 * OGR with one `detect` over the same crop (test/fixtures/compare_inventories.py). Landslides in
 * this crop cross the shard edges, so the joins are exercised. Then the merge's refusals: a missing
 * shard, a shard given twice, and a shard of another run, each named, with no output written.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal, pythonFixture } from '../helpers/gdal';
import { scarp, scarpAsync } from '../helpers/cli';

interface Comparison {
  countA: number;
  countB: number;
  areaA: number;
  symDiffArea: number;
  unmatched: number;
  maxAttrDiff: Record<string, number | 'missing'>;
}

describe.skipIf(!(hasData && hasGdal))('detect --shard K/N + merge-shards (CLI, real crop of site B)', () => {
  let dir: string;
  let cleanup: () => void;
  let scene: string[];
  const N = 4;
  const shard = (k: number) => join(dir, `shard_${k}.gpkg`);
  let shardWarnings: string[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('detect-shards'));
    const rgb = join(dir, 'rgb.tif');
    const dsm = join(dir, 'dsm.tif');
    // 640 × 768 px: 4 tile rows of the model's 256-px tiles, with landslides across the tile-row seams.
    gdal('gdal_translate', ['-q', '-srcwin', '1856', '1600', '640', '768', dataPath('jinsha-uav/siteB_rgb.tif'), rgb]);
    gdal('gdal_translate', ['-q', '-srcwin', '1856', '1600', '640', '768', dataPath('jinsha-uav/siteB_dsm.tif'), dsm]);
    scene = ['--image', rgb, '--dem', dsm];
    const runs = await Promise.all([
      scarpAsync(['detect', ...scene, '--out', join(dir, 'single.gpkg')]),
      ...Array.from({ length: N }, (_, i) => scarpAsync(['detect', ...scene, '--shard', `${i + 1}/${N}`, '--out', shard(i + 1), '--json'])),
    ]);
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    shardWarnings = runs.slice(1).flatMap((r) => (JSON.parse(r.stdout) as { warnings: string[] }).warnings);
  }, 1_200_000);
  afterAll(() => cleanup());

  it('merges into the same inventory as one run', { timeout: 600_000 }, () => {
    const r = scarp(['merge-shards', '--out', join(dir, 'merged.gpkg'), '--json', ...[3, 1, 4, 2].map(shard)]);
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { shards: number; features: number; joined: number; warnings: string[] };
    expect(m.shards).toBe(N);
    expect(m.warnings).toEqual([...new Set(shardWarnings)]);
    expect(m.joined).toBeGreaterThan(0);
    const c = pythonFixture<Comparison>('compare_inventories.py', [join(dir, 'single.gpkg'), join(dir, 'merged.gpkg')]);
    expect(c.countA).toBeGreaterThan(0);
    expect(c.countB).toBe(c.countA);
    expect(m.features).toBe(c.countA);
    expect(c.unmatched).toBe(0);
    expect(c.symDiffArea).toBeLessThanOrEqual(1e-4 * c.areaA);
    for (const [field, d] of Object.entries(c.maxAttrDiff)) {
      expect(d, field).not.toBe('missing');
      expect(d as number, field).toBeLessThanOrEqual(field === 'area_m2' || field === 'perimeter_m' ? 1e-6 : 1e-5);
    }
    // The shard files are GeoPackages GDAL reads (the landslides they finished alone).
    expect(gdal('ogrinfo', ['-so', shard(1), 'landslides'])).toMatch(/Feature Count: \d+/);
    // The merged file names the model and threshold the single run's file names.
    const provenance = (f: string) => gdal('ogrinfo', ['-so', f, 'landslides']).split('\n').filter((l) => /SCARP_(MODEL_ID|MODEL_SHA256|THRESHOLD|IMAGERY_SCENES)=/.test(l)).sort();
    expect(provenance(join(dir, 'merged.gpkg'))).toHaveLength(4);
    expect(provenance(join(dir, 'merged.gpkg'))).toEqual(provenance(join(dir, 'single.gpkg')));
  });

  it('what every shard warned of (an area of interest past the imagery) the merge says once', async () => {
    const info = gdalinfoJson(join(dir, 'rgb.tif')) as { geoTransform: number[]; size: number[] };
    const [ox, px, , oy, , py] = info.geoTransform as [number, number, number, number, number, number];
    const [w, h] = info.size as [number, number];
    const x1 = ox + px * w;
    const y1 = oy + py * h;
    // The crop's western half and as much again west of it: the imagery covers half the area of interest.
    const ring = [[ox - (x1 - ox) / 2, y1], [ox + (x1 - ox) / 2, y1], [ox + (x1 - ox) / 2, oy], [ox - (x1 - ox) / 2, oy], [ox - (x1 - ox) / 2, y1]];
    const aoi = join(dir, 'aoi.geojson');
    writeFileSync(aoi, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32647' } }, features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
    const runs = await Promise.all([1, 2].map((k) => scarpAsync(['detect', ...scene, '--aoi', aoi, '--shard', `${k}/2`, '--out', join(dir, `aoi_${k}.gpkg`), '--json'])));
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const r = scarp(['merge-shards', '--out', join(dir, 'aoi-merged.gpkg'), ...[1, 2].map((k) => join(dir, `aoi_${k}.gpkg`))]);
    expect(r.status, r.stderr).toBe(0);
    const said = r.stdout.split('\n').filter((l) => l.startsWith('Warning:') && l.includes('covers only 50 % of the area of interest aoi.geojson'));
    expect(said).toHaveLength(1);
  }, 600_000);

  it('names missing and repeated shards and writes nothing', () => {
    const out = join(dir, 'bad.gpkg');
    const missing = scarp(['merge-shards', '--out', out, shard(1), shard(2), shard(4)]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/Shard 3 of 4 is missing/);
    const samePath = scarp(['merge-shards', '--out', out, shard(1), shard(2), shard(3), shard(4), shard(2)]);
    expect(samePath.status).toBe(1);
    expect(samePath.stderr).toMatch(/shard_2\.gpkg is given twice/);
    // A re-run shard kept beside the old one: same K in two files.
    const copy = join(dir, 'shard_2_again.gpkg');
    copyFileSync(shard(2), copy);
    const dup = scarp(['merge-shards', '--out', out, shard(1), shard(2), shard(3), shard(4), copy]);
    expect(dup.status).toBe(1);
    expect(dup.stderr).toMatch(/given more than once: 2\/4 \(.*shard_2\.gpkg, .*shard_2_again\.gpkg\)/);
    expect(existsSync(out)).toBe(false);
  }, 600_000);

  it('a damaged row in a shard file is CORRUPT_FILE naming the file and the row (fuzz: byte flips), nothing written', () => {
    const damaged = join(dir, 'shard_2_damaged.gpkg');
    copyFileSync(shard(2), damaged);
    const db = new Database(damaged);
    const { y } = db.prepare('SELECT y FROM scarp_shard_rows WHERE acc IS NOT NULL ORDER BY y LIMIT 1').get() as { y: number };
    db.prepare('UPDATE scarp_shard_rows SET acc = ? WHERE y = ?').run(deflateRawSync(Buffer.alloc(7)), y);
    db.close();
    const out = join(dir, 'bad.gpkg');
    const r = scarp(['merge-shards', '--out', out, shard(1), damaged, shard(3), shard(4), '--json']);
    expect(r.status).toBe(1);
    const e = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toMatch(new RegExp(`shard_2_damaged\\.gpkg is damaged: row ${y}: its stored acc row holds 7 bytes`));
    expect(existsSync(out)).toBe(false);
  }, 600_000);

  it('refuses a shard of another run, naming the difference', async () => {
    const other = join(dir, 'other_1.gpkg');
    const r = await scarpAsync(['detect', ...scene, '--threshold', '0.6', '--shard', `1/${N}`, '--out', other]);
    expect(r.status, r.stderr).toBe(0);
    const m = scarp(['merge-shards', '--out', join(dir, 'bad.gpkg'), other, shard(2), shard(3), shard(4)]);
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/belongs to another run .*threshold/);
  }, 600_000);
});

// Touching landslides cut apart (vector/separate.ts) across shard edges: each shard holds back the
// whole blob, the merge cuts the joined blob once, and the result is the one run's, part for part.
describe.skipIf(!(hasData && hasGdal))('detect --shard K/N + merge-shards with blobs cut into landslides (site-A model, site B crop)', () => {
  let dir: string;
  let cleanup: () => void;
  const N = 4;

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('detect-shards-separate'));
  });
  afterAll(() => cleanup());

  it('merges into the same parts as one run', { timeout: 1_200_000 }, async () => {
    const rgb = join(dir, 'rgb.tif');
    const dsm = join(dir, 'dsm.tif');
    // Blobs of the site-A-only model here have deep probability valleys and span the whole crop.
    gdal('gdal_translate', ['-q', '-srcwin', '2200', '1100', '640', '768', dataPath('jinsha-uav/siteB_rgb.tif'), rgb]);
    gdal('gdal_translate', ['-q', '-srcwin', '2200', '1100', '640', '768', dataPath('jinsha-uav/siteB_dsm.tif'), dsm]);
    const scene = ['--image', rgb, '--dem', dsm, '--model', 'scarp-uav-a-rgbdem'];
    const shard = (k: number) => join(dir, `shard_${k}.gpkg`);
    const runs = await Promise.all([
      scarpAsync(['detect', ...scene, '--out', join(dir, 'single.gpkg'), '--json']),
      scarpAsync(['detect', ...scene, '--no-separate', '--out', join(dir, 'whole.gpkg'), '--json']),
      ...Array.from({ length: N }, (_, i) => scarpAsync(['detect', ...scene, '--shard', `${i + 1}/${N}`, '--out', shard(i + 1)])),
    ]);
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const cut = (JSON.parse(runs[0]!.stdout) as { features: number }).features;
    const whole = (JSON.parse(runs[1]!.stdout) as { features: number }).features;
    expect(cut).toBeGreaterThan(whole);

    const r = scarp(['merge-shards', '--out', join(dir, 'merged.gpkg'), '--json', ...[2, 4, 1, 3].map(shard)]);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { joined: number }).joined).toBeGreaterThan(0);
    const c = pythonFixture<Comparison>('compare_inventories.py', [join(dir, 'single.gpkg'), join(dir, 'merged.gpkg')]);
    expect(c.countA).toBe(cut);
    expect(c.countB).toBe(cut);
    expect(c.unmatched).toBe(0);
    expect(c.symDiffArea).toBeLessThanOrEqual(1e-4 * c.areaA);
    for (const [field, d] of Object.entries(c.maxAttrDiff)) expect(d as number, field).toBeLessThanOrEqual(field === 'area_m2' || field === 'perimeter_m' ? 1e-6 : 1e-5);

    // With a seed threshold (hysteresis) between the blobs' peaks: a blob cut by a shard edge is judged
    // whole by the merge, so the merged inventory is again the single run's.
    const peaks = gdal('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', 'select prob_max from landslides order by prob_max', join(dir, 'whole.gpkg')])
      .split('\n').map((l) => /prob_max \(Real\) = ([\d.]+)/.exec(l)?.[1]).filter((v): v is string => v !== undefined).map(Number);
    const seed = String((peaks[Math.floor(peaks.length / 2)]! + peaks[Math.floor(peaks.length / 2) - 1]!) / 2);
    const seeded = (k: number) => join(dir, `seeded_${k}.gpkg`);
    const sRuns = await Promise.all([
      scarpAsync(['detect', ...scene, '--seed-threshold', seed, '--out', join(dir, 'single-seeded.gpkg'), '--json']),
      ...Array.from({ length: N }, (_, i) => scarpAsync(['detect', ...scene, '--seed-threshold', seed, '--shard', `${i + 1}/${N}`, '--out', seeded(i + 1)])),
    ]);
    for (const x of sRuns) expect(x.status, x.stderr).toBe(0);
    const kept = (JSON.parse(sRuns[0]!.stdout) as { features: number }).features;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(cut);
    const sm = scarp(['merge-shards', '--out', join(dir, 'merged-seeded.gpkg'), '--json', ...[3, 1, 4, 2].map(seeded)]);
    expect(sm.status, sm.stderr).toBe(0);
    const sc = pythonFixture<Comparison>('compare_inventories.py', [join(dir, 'single-seeded.gpkg'), join(dir, 'merged-seeded.gpkg')]);
    expect(sc.countA).toBe(kept);
    expect(sc.countB).toBe(kept);
    expect(sc.unmatched).toBe(0);
    expect(sc.symDiffArea).toBeLessThanOrEqual(1e-4 * sc.areaA);
  });
});
