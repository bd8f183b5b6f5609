/**
 * One scene delivered in the forms imagery arrives in (8-bit with a nodata value, RGBA, 8-bit with
 * no nodata tag, 16-bit DNs) gives the shipped satellite model the same picture: `scarp detect`'s
 * probability rasters compared by GDAL on a real site B crop with gaps.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { gdalPixels } from '../unit/raster/gdal-ref';

describe.skipIf(!(hasData && hasGdal))('detect: the same scene in the forms imagery arrives in', () => {
  let dir: string;
  let cleanup: () => void;
  let base: Float32Array;

  /** Detect with the shipped satellite model; its probability raster (nodata -1 → NaN) and its warnings. */
  const detect = (image: string, name: string): { p: Float32Array; warnings: string[] } => {
    const prob = join(dir, `${name}-p.tif`);
    const r = scarp(['detect', '--image', image, '--model', 'scarp-sat-rgb', '--probability', prob, '--out', join(dir, `${name}.gpkg`), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const p = gdalPixels(prob, dir).bands[0] as Float32Array;
    return { p: p.map((v) => (v < 0 ? NaN : v)), warnings: (JSON.parse(r.stdout) as { warnings: string[] }).warnings };
  };
  /** Mean |difference| over pixels both rasters map, and how many pixels one maps and the other does not. */
  const compare = (a: Float32Array, b: Float32Array): { meanDiff: number; mapped: number; onlyOne: number } => {
    let sum = 0;
    let mapped = 0;
    let onlyOne = 0;
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [a[i]!, b[i]!];
      if (Number.isNaN(x) !== Number.isNaN(y)) onlyOne++;
      else if (!Number.isNaN(x)) {
        sum += Math.abs(x - y);
        mapped++;
      }
    }
    return { meanDiff: sum / mapped, mapped, onlyOne };
  };

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('imagery-forms'));
    // 768 px of site B's test rows with gaps between the original patches (nodata 0 in the file).
    gdal('gdal_translate', ['-q', '-srcwin', '1200', '1800', '768', '768', dataPath('jinsha-uav/siteB_rgb.tif'), join(dir, 'rgb8.tif')]);
    base = detect(join(dir, 'rgb8.tif'), 'rgb8').p;
  });
  afterAll(() => cleanup());

  it('RGBA (alpha 0 over the gaps) and 8-bit without a nodata tag give exactly the probabilities of the tagged file', () => {
    // The alpha band is GDAL's mask of the tagged file (gdalwarp -dstalpha would also square the pixels).
    gdal('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', '-b', 'mask', '-co', 'ALPHA=YES', '-a_nodata', 'none', join(dir, 'rgb8.tif'), join(dir, 'rgba.tif')]);
    gdal('gdal_translate', ['-q', '-a_nodata', 'none', join(dir, 'rgb8.tif'), join(dir, 'untagged.tif')]);
    const rgba = detect(join(dir, 'rgba.tif'), 'rgba');
    const untagged = detect(join(dir, 'untagged.tif'), 'untagged');
    for (const d of [rgba, untagged]) {
      const c = compare(base, d.p);
      expect(c.mapped).toBeGreaterThan(50_000);
      expect(c.onlyOne).toBe(0);
      expect(c.meanDiff).toBe(0);
    }
    expect(rgba.warnings.join(' ')).toMatch(/Band 4 is an alpha band/);
    expect(untagged.warnings.join(' ')).toMatch(/declares no nodata value, alpha band or mask: pixels that are 0 in every band \(about \d+ % of the scene\) are read as no data/);
  });

  it('a baseline TIFF georeferenced by its .aux.xml, or by a .tfw world file, gives exactly the probabilities of the GeoTIFF, on the same grid', () => {
    // PROFILE=BASELINE writes no GeoTIFF tags: GDAL keeps the SRS, geotransform and nodata in the
    // .aux.xml and, with TFW=YES, the geotransform again in a world file.
    const pam = join(dir, 'baseline-pam.tif');
    gdal('gdal_translate', ['-q', '-co', 'PROFILE=BASELINE', join(dir, 'rgb8.tif'), pam]);
    const tfw = join(dir, 'baseline-tfw.tif');
    gdal('gdal_translate', ['-q', '-co', 'PROFILE=BASELINE', '-co', 'TFW=YES', join(dir, 'rgb8.tif'), tfw]);
    const aux = `${tfw}.aux.xml`;
    writeFileSync(aux, readFileSync(aux, 'utf8').replace(/<GeoTransform>[^<]*<\/GeoTransform>/, '')); // the world file must give it
    for (const [file, name] of [[pam, 'pam'], [tfw, 'tfw']] as const) {
      const d = detect(file, name);
      const c = compare(base, d.p);
      expect(c.mapped).toBeGreaterThan(50_000);
      expect(c.onlyOne).toBe(0);
      // The sidecars hold the geotransform as decimal text (a .tfw to 10 decimals): the pixel size
      // differs from the tags' doubles in the 11th digit, the probabilities by float rounding only.
      expect(c.meanDiff).toBeLessThan(1e-6);
      const want = gdalinfoJson(join(dir, 'rgb8-p.tif')).geoTransform as number[];
      (gdalinfoJson(join(dir, `${name}-p.tif`)).geoTransform as number[]).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    }
  });

  it('16-bit DNs (the 8-bit values × 40) reach the model through one gain: probabilities within 0.01 of the 8-bit run', () => {
    // A per-band 2–98 % stretch (the rule before) differed by 0.059 on average here, up to 0.82.
    gdal('gdal_translate', ['-q', '-ot', 'UInt16', '-scale', '0', '255', '0', '10200', join(dir, 'rgb8.tif'), join(dir, 'rgb16.tif')]);
    const u16 = detect(join(dir, 'rgb16.tif'), 'rgb16');
    const c = compare(base, u16.p);
    expect(c.onlyOne).toBe(0);
    expect(c.meanDiff).toBeLessThan(0.01);
    expect(u16.warnings.join(' ')).toMatch(/holds uint16 values, and model 'scarp-sat-rgb' was trained on 8-bit imagery: its values are multiplied by 0\.02\d+, one gain for every band/);
  });
});
