import { describe, expect, it } from 'vitest';
import { polygonizeInBands } from './_helpers';
import { Polygonizer, SeparatingPolygonizer, separateParts, separationFor, rasterizePolygons, pixelPartsToMap, type SeparatedPolygon } from '../../../src-main/core/vector';

/** Two round bumps of peak 0.95 on a W × H field, centred at (cx1, cy) and (cx2, cy), joined by a ridge that dips to `saddle`. */
function twoBumps(W: number, H: number, saddle: number, extra?: { x: number; y: number; r: number; peak: number }): Float32Array {
  const p = new Float32Array(W * H);
  const cy = H / 2;
  const c1 = W / 4;
  const c2 = (3 * W) / 4;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const r1 = Math.hypot(x + 0.5 - c1, y + 0.5 - cy);
      const r2 = Math.hypot(x + 0.5 - c2, y + 0.5 - cy);
      const bump = (r: number) => 0.95 - (0.95 - saddle) * Math.min(1, r / (W / 4));
      // Fades below the threshold (0.2) away from the ridge line.
      const fade = Math.max(0, 1 - Math.abs(y + 0.5 - cy) / (H / 2));
      let v = Math.max(bump(r1), bump(r2)) * fade;
      if (extra && Math.hypot(x + 0.5 - extra.x, y + 0.5 - extra.y) <= extra.r) v = extra.peak;
      p[y * W + x] = v;
    }
  }
  return p;
}

const THRESHOLD = 0.2;
const maskOf = (p: Float32Array): Uint8Array => p.map((v) => (v >= THRESHOLD ? 1 : 0)) as unknown as Uint8Array;

function run(p: Float32Array, W: number, H: number, band: number, separate: boolean): SeparatedPolygon[] {
  const mask = Uint8Array.from(p, (v) => (v >= THRESHOLD ? 1 : 0));
  return polygonizeInBands(new SeparatingPolygonizer({ width: W, height: H }, separate ? { dynamic: 0.5, minPartPixels: 20 } : null), mask, p, W, H, band);
}

const identity = { geoTransform: [0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number] };

describe('separateParts (watershed of the probability, markers by dynamics and area)', () => {
  const W = 80;
  const H = 24;

  it('cuts two bumps whose valley is deeper than the dynamic, at the valley', () => {
    const p = twoBumps(W, H, 0.3);
    const member = maskOf(p);
    const { labels, count } = separateParts(W, H, member, p, { dynamic: 0.5, minPartPixels: 20 });
    expect(count).toBe(2);
    // Every member pixel is in a part, and no other pixel is.
    for (let i = 0; i < W * H; i++) expect(labels[i]! > 0).toBe(member[i] === 1);
    // The cut lies at the valley (x = W / 2): left of it part 1, right of it part 2, along the ridge.
    const row = Math.floor(H / 2) * W;
    expect(labels[row + W / 2 - 2]).toBe(1);
    expect(labels[row + W / 2 + 1]).toBe(2);
  });

  it('keeps one part when the valley is shallower than the dynamic', () => {
    const p = twoBumps(W, H, 0.6);
    expect(separateParts(W, H, maskOf(p), p, { dynamic: 0.5, minPartPixels: 20 }).count).toBe(1);
    // …and cuts it with a smaller dynamic.
    expect(separateParts(W, H, maskOf(p), p, { dynamic: 0.3, minPartPixels: 20 }).count).toBe(2);
  });

  it('does not make a part of a peak smaller than the minimum area', () => {
    // A spike on the valley: four pixels at 0.99, 0.66 above the valley around them.
    const p = twoBumps(W, H, 0.3, { x: W / 2, y: H / 2, r: 1.5, peak: 0.99 });
    expect(separateParts(W, H, maskOf(p), p, { dynamic: 0.5, minPartPixels: 20 }).count).toBe(2);
    expect(separateParts(W, H, maskOf(p), p, { dynamic: 0.5, minPartPixels: 1 }).count).toBe(3);
  });

  it('sizes the minimum part by the pixel area and the run’s minimum polygon area', () => {
    expect(separationFor(0.25, 50)).toEqual({ dynamic: 0.5, minPartPixels: 400 });
    expect(separationFor(0.25, 200)).toEqual({ dynamic: 0.5, minPartPixels: 800 });
    expect(separationFor(100, 50).minPartPixels).toBe(4);
  });
});

describe('SeparatingPolygonizer', () => {
  const W = 80;
  const H = 24;
  const p = twoBumps(W, H, 0.3);
  const mask = Uint8Array.from(p, (v) => (v >= THRESHOLD ? 1 : 0));

  it('emits one polygon per part, covering every mapped pixel exactly once, whatever the row bands', () => {
    for (const band of [1, 3, 7, H]) {
      const polys = run(p, W, H, band, true);
      expect(polys).toHaveLength(2);
      expect(polys.map((q) => q.id)).toEqual([1, 2]);
      const cover = new Uint8Array(W * H);
      for (const q of polys) {
        const r = rasterizePolygons([pixelPartsToMap(q.parts, identity.geoTransform)], { width: W, height: H, ...identity });
        let n = 0;
        let sum = 0;
        let max = 0;
        for (let i = 0; i < r.length; i++) {
          cover[i]! += r[i]!;
          n += r[i]!;
          if (r[i]) sum += p[i]!;
          if (r[i]) max = Math.max(max, p[i]!);
        }
        expect(n).toBe(q.stats.pixelCount);
        // Its attributes are over its own pixels.
        expect(q.stats.probMean).toBeCloseTo(sum / n, 6);
        expect(q.stats.probMax).toBeCloseTo(max, 6);
        // The blob both parts come from.
        expect(q.component).toEqual({ minX: 0, minY: polys[0]!.component.minY, maxX: W, maxY: polys[0]!.component.maxY });
      }
      for (let i = 0; i < W * H; i++) expect(cover[i]).toBe(mask[i]);
    }
  });

  it('marks the corners the parts share, and only those', () => {
    const [a, b] = run(p, W, H, 5, true);
    const key = (c: Int32Array) => new Set(Array.from({ length: c.length / 2 }, (_, k) => `${c[2 * k]},${c[2 * k + 1]}`));
    const ka = key(a!.fixedCorners!);
    const kb = key(b!.fixedCorners!);
    expect(ka.size).toBeGreaterThan(0);
    expect([...ka].sort()).toEqual([...kb].sort());
    for (const k of ka) expect(Number(k.split(',')[0])).toBeGreaterThanOrEqual(W / 2 - 2);
  });

  it('without separation, is the Polygonizer', () => {
    const whole = run(p, W, H, 5, false);
    const plain = new Polygonizer({ width: W, height: H });
    const ref = [...plain.push(0, mask, { probability: p }), ...plain.finish()];
    expect(whole).toHaveLength(1);
    expect(whole[0]!.parts).toEqual(ref[0]!.parts);
    expect(whole[0]!.stats).toEqual(ref[0]!.stats);
    expect(whole[0]!.component).toEqual(ref[0]!.bbox);
  });

  it('leaves a blob with a shallow valley whole', () => {
    const q = twoBumps(W, H, 0.6);
    expect(run(q, W, H, 4, true)).toHaveLength(1);
  });
});
