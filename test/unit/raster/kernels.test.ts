import { describe, expect, it } from 'vitest';
import { hornDerivative, crsFromEpsg, resampleGrid, WGS84, tileWindows } from '../../../src-main/core/raster';
import { bilinearAt, boxAverage, tentAt } from '../../../src-main/core/raster/resample';
import { createPixelMapper } from '../../../src-main/core/raster/pixel-map';
import { fancyUpsample, ycbcrToRgbInPlace } from '../../../src-main/core/raster/ycbcr';
import { detectForeignFormat } from '../../../src-main/core/raster/sniff';

function plane(w: number, h: number, gx: number, gy: number): Float32Array {
  const a = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[y * w + x] = 1000 + gx * x - gy * y;
  return a;
}

describe('Horn derivatives on synthetic planes', () => {
  it('slope = atan(gradient), aspect faces downhill, edges NaN unless computeEdges', () => {
    // Rising 1 m per 10 m pixel towards the east: slope atan(0.1), facing west (270°).
    const dem = plane(8, 6, 1, 0);
    const s = hornDerivative('slope', dem, 8, 6, { ewres: 10, nsres: -10 });
    expect(s[2 * 8 + 3]).toBeCloseTo((Math.atan(0.1) * 180) / Math.PI, 5);
    expect(s[0]).toBeNaN();
    const a = hornDerivative('aspect', dem, 8, 6, { ewres: 10, nsres: -10 });
    expect(a[2 * 8 + 3]).toBeCloseTo(270, 4);
    // Rising towards the north (row 0): facing south.
    const n = hornDerivative('aspect', plane(8, 6, 0, 1), 8, 6, { ewres: 10, nsres: -10 });
    expect(n[2 * 8 + 3]).toBeCloseTo(180, 4);
    const e = hornDerivative('slope', dem, 8, 6, { ewres: 10, nsres: -10, computeEdges: true });
    expect(e[2 * 8]).toBeCloseTo((Math.atan(0.1) * 180) / Math.PI, 4); // left edge: extrapolated neighbours
    expect(e[0]).toBeCloseTo((Math.atan(0.05) * 180) / Math.PI, 4); // corner: gdaldem clamps the column (half gradient)
    const flat = hornDerivative('aspect', new Float32Array(9).fill(5), 3, 3, { ewres: 1, nsres: -1 });
    expect(flat[4]).toBeNaN();
    expect(hornDerivative('aspect', new Float32Array(9).fill(5), 3, 3, { ewres: 1, nsres: -1, zeroForFlat: true })[4]).toBe(0);
    const hs = hornDerivative('hillshade', new Float32Array(9).fill(5), 3, 3, { ewres: 1, nsres: -1 });
    expect(hs[4]).toBeCloseTo(1 + 254 * Math.sin(Math.PI / 4), 4);
  });

  it('a nodata neighbour makes the pixel nodata (gdaldem default)', () => {
    const dem = plane(5, 5, 1, 1);
    dem[0] = NaN;
    const s = hornDerivative('slope', dem, 5, 5, { ewres: 1, nsres: -1 });
    expect(s[1 * 5 + 1]).toBeNaN();
    expect(s[2 * 5 + 2]).not.toBeNaN();
  });
});

describe('resampling kernels (gdalwarp nodata rule)', () => {
  const w = { data: Float32Array.from([0, 10, 20, 30]), width: 2, height: 2, x0: 0, y0: 0 };
  it('bilinear between pixel centres', () => {
    expect(bilinearAt(w, 1, 1)).toBeCloseTo(15, 6);
    expect(bilinearAt(w, 0.5, 0.5)).toBe(0);
    expect(bilinearAt(w, 2.1, 1)).toBeNaN();
  });
  it('nodata neighbours are skipped with renormalised weights; nodata containing pixel → NaN', () => {
    const nd = { ...w, data: Float32Array.from([NaN, 10, 20, 30]) };
    expect(bilinearAt(nd, 0.9, 0.9)).toBeNaN();
    expect(bilinearAt(nd, 1.1, 1.1)).toBeCloseTo((10 * 0.6 * 0.4 + 20 * 0.4 * 0.6 + 30 * 0.6 * 0.6) / (1 - 0.4 * 0.4), 5);
  });
  it('box average weights partial coverage; tent at scale 1 equals bilinear', () => {
    expect(boxAverage(w, 0.5, 0, 1.5, 1)).toBeCloseTo(5, 6);
    expect(tentAt(w, 1.2, 0.9, 1, 1)).toBeCloseTo(bilinearAt(w, 1.2, 0.9), 6);
  });
});

describe('pixel mapping across CRSs', () => {
  it('mesh interpolation stays within 0.01 source pixels of the exact transform', () => {
    const target = { width: 300, height: 200, geoTransform: [575000, 10, 0, 4733000, 0, -10] as [number, number, number, number, number, number], crs: crsFromEpsg(32654) };
    const source = { width: 600, height: 400, geoTransform: [141.85, 0.00027, 0, 42.8, 0, -0.00027] as [number, number, number, number, number, number], crs: WGS84 };
    const m = createPixelMapper(target, source);
    const win = { x: 17, y: 9, width: 256, height: 180 };
    const mesh = m.map(win);
    expect(mesh.meshStep).toBeGreaterThan(1);
    const exact = m.map(win, { meshStep: 1 });
    let max = 0;
    for (let i = 0; i < mesh.fx.length; i++) max = Math.max(max, Math.abs((mesh.fx[i] as number) - (exact.fx[i] as number)), Math.abs((mesh.fy[i] as number) - (exact.fy[i] as number)));
    expect(max).toBeLessThan(0.01);
  });
});

describe('grids', () => {
  it('resampleGrid keeps the origin and uses the requested GSD', () => {
    const g = { width: 1000, height: 800, geoTransform: [470000, 0.5, 0, 3444000, 0, -0.5] as [number, number, number, number, number, number], crs: crsFromEpsg(32647) };
    const r = resampleGrid(g, 2);
    expect(r).toMatchObject({ width: 250, height: 200, geoTransform: [470000, 2, 0, 3444000, 0, -2] });
    expect([...tileWindows(r, 128)]).toHaveLength(4);
  });
});

describe('YCbCr conversion (libjpeg-compatible)', () => {
  it('grey and primary colours survive 2×2 subsampling', () => {
    // A flat colour: Y=76, Cb=85, Cr=255 is pure red in JFIF.
    const w = 4;
    const h = 4;
    const buf = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) buf.set([76, 85, 255], i * 3);
    ycbcrToRgbInPlace(buf, w, h, 2, 2);
    expect(Array.from(buf.subarray(0, 3))).toEqual([254, 0, 0]);
    const up = fancyUpsample(Uint8Array.from([0, 100]), 2, 1, 2, 2, 4, 2);
    expect(Array.from(up.subarray(0, 4))).toEqual([0, 25, 75, 100]);
  });
});

describe('format sniffing', () => {
  it('recognises foreign formats by magic bytes or extension', () => {
    expect(detectForeignFormat(Buffer.from('<VRTDataset>'), 'a.xml')).toMatch(/VRT/);
    expect(detectForeignFormat(Buffer.from([0xff, 0x4f, 0xff, 0x51]), 'a.bin')).toMatch(/JPEG 2000/);
    expect(detectForeignFormat(Buffer.from('whatever'), 'a.ecw')).toMatch(/ECW/);
    expect(detectForeignFormat(Buffer.from([1, 2, 3]), 'a.bin')).toBeNull();
  });
});
