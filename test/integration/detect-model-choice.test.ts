/**
 * The shipped models' pick for a 1 m scene with a DEM, through openScene (no inference): the pixel
 * size of a real file misses 1 m in the fourth digit (site B averaged 2 × 2), which must still count
 * as 1 m; the satellite model runs it as is and ignores the DEM, and a warning names the terrain
 * model that takes the scene by resampling (on aerial imagery it maps far better: training/README.md).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeoTiffWriter, crsFromEpsg, type RasterSource } from '../../src-main/core/raster';
import { openScene } from '../../src-main/core/detect/open-scene';
import { DetectRequest } from '../../src-shared/api';
import { tempDir } from '../helpers/data';

const W = 64;
const H = 48;

describe('detect: the model for a 1 m scene with a DEM', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('detect-choice'));
    // Site B's pixel size (0.500016 × 0.500260 m) averaged 2 × 2.
    const grid = { width: W, height: H, geoTransform: [500000, 1.000033, 0, 3000000, 0, -1.00052] as [number, number, number, number, number, number], crs: crsFromEpsg(32647) };
    const rgb = await createGeoTiffWriter(join(dir, 'rgb.tif'), grid, { dataType: 'uint8', bandCount: 3, compression: 'deflate' });
    const band = (base: number): Uint8Array => Uint8Array.from({ length: W * H }, (_, k) => base + (k % 50));
    await rgb.writeRows(0, [band(90), band(100), band(110)]);
    await rgb.close();
    const dem = await createGeoTiffWriter(join(dir, 'dem.tif'), grid, { dataType: 'float32', bandCount: 1, compression: 'deflate' });
    await dem.writeRows(0, [Float32Array.from({ length: W * H }, (_, k) => 2000 + (k % W) * 0.5 + Math.floor(k / W))]);
    await dem.close();
  });
  afterAll(() => cleanup());

  const open = async (req: Record<string, unknown>) => {
    const warnings: string[] = [];
    const opened: RasterSource[] = [];
    try {
      const scene = await openScene(DetectRequest.parse({ image: join(dir, 'rgb.tif'), ...req }), opened, warnings);
      return { model: scene.model.id, reason: scene.modelReason, scale: scene.scale, warnings: warnings.join(' ') };
    } finally {
      await Promise.all(opened.map((r) => r.close()));
    }
  };

  it('picked: the satellite model runs it as is, and the warning names the terrain model', async () => {
    const s = await open({ dem: join(dir, 'dem.tif') });
    expect(s.model).toBe('scarp-sat-rgb');
    expect(s.scale.kind).toBe('native');
    expect(s.reason).toContain('a DEM was given, but it uses no terrain');
    expect(s.warnings).toContain("Model 'scarp-uav-rgbdem' uses terrain and takes this scene by resampling it");
  });

  it('named: the UAV model takes the 1.0003 m scene by resampling it to 0.625 m (not refused as over 1 m)', async () => {
    const s = await open({ dem: join(dir, 'dem.tif'), model: 'scarp-uav-rgbdem' });
    expect(s.model).toBe('scarp-uav-rgbdem');
    expect(s.scale).toMatchObject({ kind: 'resample', targetGsd: 0.625 });
    expect(s.warnings).toContain("The scene's 1 m pixels are outside the model's 0.4 m–0.625 m: resampled to 0.625 m");
    expect(s.warnings).not.toContain('uses terrain and takes this scene');
  });

  it('without a DEM there is nothing to point at', async () => {
    const s = await open({});
    expect(s.model).toBe('scarp-sat-rgb');
    expect(s.warnings).not.toContain('uses terrain');
  });
});
