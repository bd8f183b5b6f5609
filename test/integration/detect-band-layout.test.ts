/**
 * detect's band layout (--bands / --scale / --offset): the scene's bands reach the model by role
 * (SceneBands), scaled to reflectance, and a layout without a band the model needs is refused with
 * the roles it was given.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandLayoutOf, createGeoTiffWriter, crsFromEpsg, openRaster, type RasterSource } from '../../src-main/core/raster';
import { SceneBands } from '../../src-main/core/detect/scene-bands';
import { openScene } from '../../src-main/core/detect/open-scene';
import { DetectRequest } from '../../src-shared/api';
import { ModelCard } from '../../src-shared/model-card';
import { isScarpError } from '../../src-shared/errors';
import { repoRoot } from '../../src-main/core/paths';
import { tempDir } from '../helpers/data';

const W = 40;
const H = 30;

describe('detect: band layouts reach the model by role', () => {
  let dir: string;
  let cleanup: () => void;
  let image: RasterSource;
  const card = ModelCard.parse(JSON.parse(readFileSync(join(repoRoot, 'models/scarp-sat-rgb.json'), 'utf8')));
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('detect-layout'));
    const grid = { width: W, height: H, geoTransform: [500000, 1, 0, 4000000, 0, -1] as [number, number, number, number, number, number], crs: crsFromEpsg(32654) };
    const w = await createGeoTiffWriter(join(dir, 'nbgr.tif'), grid, { dataType: 'float32', bandCount: 4, compression: 'deflate' });
    // File bands: NIR, blue, green, red with values 400 + pixel, 300 + pixel, 200 + pixel, 100 + pixel.
    const band = (base: number): Float32Array => Float32Array.from({ length: W * H }, (_, k) => base + k);
    await w.writeRows(0, [band(400), band(300), band(200), band(100)]);
    await w.close();
    image = await openRaster(join(dir, 'nbgr.tif'));
  });
  afterAll(async () => {
    await image.close();
    cleanup();
  });

  it('red, green, blue are read from the bands the layout names, scaled and offset', async () => {
    const layout = bandLayoutOf(image.info, { bands: ['nir', 'blue', 'green', 'red'], scale: 0.5, offset: 1 });
    const bands = new SceneBands({ image, dem: null, card, workGrid: image.info, resampled: false, region: { x: 0, y: 0, width: W, height: H }, layout });
    const o = await bands.readOptical({ x: 2, y: 3, width: 4, height: 2 });
    const k = 3 * W + 2;
    expect(o.get(0)![0]).toBe((100 + k) * 0.5 + 1); // red = file band 4
    expect(o.get(1)![0]).toBe((200 + k) * 0.5 + 1); // green = file band 3
    expect(o.get(2)![0]).toBe((300 + k) * 0.5 + 1); // blue = file band 2
    // Without a layout the file order is taken as R, G, B: the NIR band would be read as red.
    const plain = new SceneBands({ image, dem: null, card, workGrid: image.info, resampled: false, region: { x: 0, y: 0, width: W, height: H } });
    expect((await plain.readOptical({ x: 2, y: 3, width: 4, height: 2 })).get(0)![0]).toBe(400 + k);
  });

  it('a layout without a band the model needs is refused, naming the roles given', () => {
    const layout = bandLayoutOf(image.info, { bands: ['nir', 'other', 'green', 'red'] });
    let msg = '';
    try {
      new SceneBands({ image, dem: null, card, workGrid: image.info, resampled: false, region: { x: 0, y: 0, width: W, height: H }, layout });
    } catch (e) {
      msg = isScarpError(e) ? `${e.code}: ${e.message}` : String(e);
    }
    expect(msg).toMatch(/^INCOMPATIBLE_BANDS: .*given as nir, other, green, red.*no blue band/);
  });

  it('a quality band named in the layout is not used by a model detection, and a warning says so', async () => {
    const warnings: string[] = [];
    const opened: RasterSource[] = [];
    try {
      await openScene(DetectRequest.parse({ image: join(dir, 'nbgr.tif'), model: 'scarp-sat-rgb', layout: { bands: ['scl', 'blue', 'green', 'red'] } }), opened, warnings);
    } finally {
      await Promise.all(opened.map((r) => r.close()));
    }
    expect(warnings.join(' ')).toMatch(/Band 1 is the SCL quality band: a model detection does not mask clouds with it/);
  });
});
