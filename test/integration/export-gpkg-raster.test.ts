/**
 * `scarp export --format gpkg --with-probability`: a real `detect --project` run on a Jinsha crop,
 * exported with its probability as a tiled gridded coverage layer. GDAL is the reference:
 * validate_gpkg passes, gdalinfo gives the run grid's size, geotransform and EPSG, the values GDAL
 * reads equal the project's probabilities within the 16-bit quantisation, no data where the project
 * has none, and the landslides layer is still there. Real QGIS draws the coverage with the
 * probability COG's style (the .qml beside the GeoPackage) and the landslides with theirs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src-main/core/store/project';
import { tempDir } from '../helpers/data';
import { scarp } from '../helpers/cli';
import { gdal, gdalinfoJson, gdalPython, hasQgis, pythonFixture } from '../helpers/gdal';
import { rasterQml } from '../../src-main/core/export/raster-style';
import { hasTorch, makeRgbTestModel } from '../helpers/models';
import { canRun, crop } from '../unit/store/_fixtures';

const tmp = tempDir('export-gpkg-raster');
afterAll(() => tmp.cleanup());

const READ = `
import sys, json
from osgeo import gdal
gdal.UseExceptions()
ds = gdal.OpenEx(sys.argv[1], gdal.OF_RASTER, open_options=['TABLE=probability'])
b = ds.GetRasterBand(1)
a = b.ReadAsArray()
open(sys.argv[2], 'wb').write(a.astype('<f4').tobytes())
ovs = []
for i in range(b.GetOverviewCount()):
    o = b.GetOverview(i)
    ovs.append([o.XSize, o.YSize])
o0 = b.GetOverview(0) if b.GetOverviewCount() else None
if o0 is not None:
    open(sys.argv[3], 'wb').write(o0.ReadAsArray().astype('<f4').tobytes())
print(json.dumps({'bands': ds.RasterCount, 'type': gdal.GetDataTypeName(b.DataType), 'nodata': b.GetNoDataValue(), 'size': [ds.RasterXSize, ds.RasterYSize], 'gt': list(ds.GetGeoTransform()), 'overviews': ovs}))
`;

describe.skipIf(!canRun || !hasTorch)('GeoPackage export with the probability raster', () => {
  let project = '';
  let out = '';
  beforeAll(() => {
    const d = join(tmp.dir, 'in');
    mkdirSync(d);
    const model = makeRgbTestModel(d, 8);
    // 600 × 300 px: 3 × 2 probability tiles (not multiples of 256), so three zoom levels.
    const img = crop(join(d, 'img.tif'), { w: 600, h: 300 });
    const dem = crop(join(d, 'dem.tif'), { w: 600, h: 300, dem: true });
    project = join(tmp.dir, 'p.gpkg');
    const r = scarp(['detect', '--project', project, '--image', img, '--dem', dem, '--model', model, '--min-area', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    out = join(tmp.dir, 'x.gpkg');
    const e = scarp(['export', '--project', project, '--format', 'gpkg', '--out', out, '--with-probability', '--json']);
    expect(e.status, e.stderr).toBe(0);
  }, 240_000);

  it('passes validate_gpkg and leaves no temporary files', () => {
    const v = gdalPython('osgeo_utils.samples.validate_gpkg', [out]);
    expect(v.status, `${v.stdout}\n${v.stderr}`).toBe(0);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('gdalinfo gives the run grid (size, geotransform, EPSG) and the landslides layer is still there', () => {
    const p = Project.open(project);
    const run = p.runs.list().find((r) => r.status === 'done')!;
    const crs = p.crs()!;
    const features = p.listFeatures({ limit: 100000 }).features.length;
    p.close();
    const info = gdalinfoJson(out, ['-oo', 'TABLE=probability']) as {
      size: number[];
      geoTransform: number[];
      coordinateSystem: { wkt: string };
      bands: Array<{ type: string; noDataValue?: number; overviews?: unknown[] }>;
      stac?: { 'proj:epsg'?: number };
    };
    expect(info.size).toEqual([run.grid.width, run.grid.height]);
    info.geoTransform.forEach((g, i) => expect(g).toBeCloseTo(run.grid.geoTransform[i]!, 6));
    expect(info.bands).toHaveLength(1);
    expect(info.bands[0]!.type).toBe('Float32');
    expect(info.bands[0]!.overviews?.length ?? 0).toBeGreaterThanOrEqual(1);
    expect(info.coordinateSystem.wkt).toContain(`ID["EPSG",${crs.epsg}]`);
    // The GPKG:file:table syntax opens the same layer.
    const again = gdalinfoJson(`GPKG:${out}:probability`) as { size: number[] };
    expect(again.size).toEqual(info.size);
    const ogr = gdal('ogrinfo', ['-ro', '-so', out, 'landslides']);
    expect(ogr).toMatch(new RegExp(`Feature Count: ${features}\\b`));
    const list = gdal('ogrinfo', ['-ro', '-q', out]);
    expect(list).toMatch(/landslides/);
  });

  it('values read by GDAL equal the project probabilities within the 16-bit step; no data where the project has none', () => {
    const p = Project.open(project);
    const run = p.runs.list().find((r) => r.status === 'done')!;
    const { width: W, height: H } = run.grid;
    const q = p.runs.readProbability(run.id, { x: 0, y: 0, width: W, height: H });
    p.close();
    const full = join(tmp.dir, 'full.f32');
    const ov = join(tmp.dir, 'ov.f32');
    const r = spawnSync('/usr/bin/python3', ['-c', READ, out, full, ov], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout) as { bands: number; type: string; nodata: number | null; size: number[]; overviews: number[][] };
    expect(meta).toMatchObject({ bands: 1, type: 'Float32', size: [W, H] });
    expect(meta.overviews[0]).toEqual([Math.ceil(W / 2), Math.ceil(H / 2)]);
    const buf = readFileSync(full);
    const got = new Float32Array(buf.buffer, buf.byteOffset, W * H);
    const isNd = (v: number): boolean => Number.isNaN(v) || (meta.nodata !== null && v === meta.nodata);
    let maxErr = 0;
    let valid = 0;
    for (let i = 0; i < W * H; i++) {
      if (q[i] === 255) {
        expect(isNd(got[i]!), `pixel ${i}`).toBe(true);
        continue;
      }
      valid++;
      expect(isNd(got[i]!), `pixel ${i}`).toBe(false);
      maxErr = Math.max(maxErr, Math.abs(got[i]! - q[i]! / 254));
    }
    expect(valid).toBeGreaterThan(0);
    // 1/65532 steps (exact for q/254) read back as Float32: well within half a 16-bit step.
    expect(maxErr).toBeLessThanOrEqual(1 / 65535);
    // Overview: the mean of the valid pixels of each 2 × 2 block.
    const ob = readFileSync(ov);
    const ow = Math.ceil(W / 2);
    const o = new Float32Array(ob.buffer, ob.byteOffset, ow * Math.ceil(H / 2));
    let ovErr = 0;
    for (let y = 0; y < Math.floor(H / 2); y++) {
      for (let x = 0; x < Math.floor(W / 2); x++) {
        let s = 0;
        let n = 0;
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
          const v = q[(2 * y + dy) * W + 2 * x + dx]!;
          if (v !== 255) {
            s += v / 254;
            n++;
          }
        }
        if (n) ovErr = Math.max(ovErr, Math.abs(o[y * ow + x]! - s / n));
      }
    }
    expect(ovErr).toBeLessThanOrEqual(1 / 65535);
  });

  it.skipIf(!hasQgis)('QGIS draws the coverage with the probability COG\'s style, and the landslides with their own', () => {
    expect(readFileSync(out.replace(/\.gpkg$/, '.qml'), 'utf8')).toBe(rasterQml('probability'));
    const r = pythonFixture<{ valid: boolean; renderer: string; min: number; max: number; ramp: Array<{ value: number; alpha: number; color: string }> }>('qgis_raster.py', [`GPKG:${out}:probability`]);
    expect(r).toMatchObject({ valid: true, renderer: 'singlebandpseudocolor', min: 0, max: 1 });
    expect(r.ramp[0]!.alpha).toBe(0);
    expect(r.ramp.at(-1)).toMatchObject({ value: 1, alpha: 255 });
    const v = pythonFixture<{ renderer: string | null; rendererAttribute: string | null }>('qgis_edit.py', ['inspect', out, 'landslides']);
    expect(v).toMatchObject({ renderer: 'categorizedSymbol', rendererAttribute: 'status' });
  }, 120_000);
});
