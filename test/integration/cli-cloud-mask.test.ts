/**
 * Cloud masks through the real `scarp` command: a post-event scene whose fifth band is an SCL band
 * without a description, named with `--bands …,scl`; the masked pixels are reported and give no
 * polygon; a band wrongly named scl is refused (exit 1, INCOMPATIBLE_BANDS) and nothing is written.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scarp } from '../helpers/cli';
import { hasGdal, writeUint16Tiff } from '../helpers/gdal';
import { tempDir } from '../helpers/data';

const W = 30;
const H = 20;
const GT = [500_000, 10, 0, 4_000_000, 0, -10];
/** Bare (vegetation removed) in cols 5–24, rows 5–14; the post-event SCL says cloud (9) over cols 5–14 of it. */
const bare = (x: number, y: number): boolean => x >= 5 && x <= 24 && y >= 5 && y <= 14;
const cloud = (x: number, y: number): boolean => bare(x, y) && x <= 14;

function scene(post: boolean): number[][] {
  const b: number[][] = [[], [], [], [], ...(post ? [[]] : [])];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = post && bare(x, y);
      b[0]!.push(s ? 2000 : 500);
      b[1]!.push(s ? 1800 : 800);
      b[2]!.push(s ? 1600 : 400);
      b[3]!.push(s ? 2200 : 4000);
      if (post) b[4]!.push(cloud(x, y) ? 9 : 4);
    }
  }
  return b;
}

describe.skipIf(!hasGdal)('scarp change with a cloud mask (CLI)', () => {
  let dir = '';
  let cleanup = (): void => undefined;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('cli-cloud'));
    writeUint16Tiff(join(dir, 'pre.tif'), { width: W, height: H, bands: scene(false), geoTransform: GT, epsg: 32633 });
    writeUint16Tiff(join(dir, 'post.tif'), { width: W, height: H, bands: scene(true), geoTransform: GT, epsg: 32633 });
  });
  afterAll(() => cleanup());

  it('--bands red,green,blue,nir,scl: the cloudy half is unmapped and reported; the clear half is one polygon', () => {
    const common = ['change', '--pre', join(dir, 'pre.tif'), '--post', join(dir, 'post.tif'), '--pre-bands', 'red,green,blue,nir', '--scale', '0.0001'];
    const r = scarp([...common, '--bands', 'red,green,blue,nir,scl', '--out', join(dir, 'masked.gpkg'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { method: string; maskedPixels: number; changedPixels: number; features: number; totalAreaM2: number; cloudMasks: { pre: unknown; post: { band: string; bandNumber: number; maskedPixels: number } } };
    expect(j.method).toBe('rdndvi');
    expect(j.cloudMasks).toEqual({ pre: null, post: { band: 'SCL', bandNumber: 5, maskedPixels: 100 } });
    expect(j.maskedPixels).toBe(100);
    expect(j.changedPixels).toBe(100);
    expect(j.features).toBe(1);
    expect(j.totalAreaM2).toBeCloseTo(10_000, 6);
    // Human output says it too.
    const h = scarp([...common, '--bands', 'red,green,blue,nir,scl', '--out', join(dir, 'masked2.gpkg')]);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/Clouds: +100 pixels unmapped \(post-event SCL: 100\)/);
    // The same band named other: the whole bare block is change.
    const o = scarp([...common, '--bands', 'red,green,blue,nir,other', '--out', join(dir, 'unmasked.gpkg'), '--json']);
    expect(o.status).toBe(0);
    expect((JSON.parse(o.stdout) as { changedPixels: number; maskedPixels: number }).changedPixels).toBe(200);
  });

  it('a reflectance band named scl is refused with the file, band and value; nothing is written', () => {
    const out = join(dir, 'bad.gpkg');
    const r = scarp(['change', '--pre', join(dir, 'pre.tif'), '--post', join(dir, 'post.tif'), '--pre-bands', 'red,green,blue,nir', '--bands', 'red,green,blue,scl,other', '--scale', '0.0001', '--out', out, '--json']);
    expect(r.status).toBe(1);
    const e = (JSON.parse(r.stdout) as { error: { code: string; message: string; file: string } }).error;
    expect(e.code).toBe('INCOMPATIBLE_BANDS');
    expect(e.message).toMatch(/Band 4 of .*post\.tif .* SCL .* 4000/);
    expect(existsSync(out)).toBe(false);
  });
});
