/**
 * The seed rule (hysteresis thresholding, the card's `seedThreshold`) in the app and in training:
 * the app drops a blob of probability ≥ threshold whose peak stays under the seed before cutting it
 * into landslides (SeparatingPolygonizer); training chooses the pair on validation and reports its
 * held-out figures with scarp_train/hysteresis.py seeded_mask. Both must keep the same pixels, on a
 * field of many blobs (seeded and seedless, touching ones that the app cuts apart), fed in row bands.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src-main/core/paths';
import { SeparatingPolygonizer, pixelPartsToMap, rasterizePolygons, separationFor, type SeparatedPolygon } from '../../src-main/core/vector';
import { hasTorch } from '../helpers/models';
import { polygonizeInBands } from '../unit/vector/_helpers';

const W = 240;
const H = 180;
const LOW = 0.2;
const HIGH = 0.8;

const SCRIPT = `
import sys, numpy as np
from scarp_train.hysteresis import seeded_mask
rng = np.random.default_rng(7)
W, H = ${W}, ${H}
y, x = np.mgrid[0:H, 0:W] + 0.5
p = np.zeros((H, W))
for _ in range(45):
    cx, cy, r, peak = rng.uniform(0, W), rng.uniform(0, H), rng.uniform(3, 10), rng.uniform(0.35, 0.99)
    p = np.maximum(p, peak * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r)))
# two landslides joined by a ridge at 0.22: the app cuts them apart; the right one's peak (0.74) is no seed
for cx, peak in ((150, 0.95), (190, 0.74)):
    p = np.maximum(p, peak * np.exp(-((x - cx) ** 2 + (y - 150) ** 2) / (2 * 8 * 8)))
p[149:152, 150:191] = np.maximum(p[149:152, 150:191], 0.22)
p = p.astype(np.float32)
p[5:9, 5:40] = np.nan  # no prediction: never kept
out = sys.argv[1]
p.tofile(out + '/p.f32')
seeded_mask(p, ${LOW}, ${HIGH}).astype(np.uint8).tofile(out + '/seeded.u8')
(p >= ${LOW}).astype(np.uint8).tofile(out + '/plain.u8')
`;

const dir = mkdtempSync(join(tmpdir(), 'scarp-hysteresis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const identity = [0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number];

function appPolygons(p: Float32Array, seed: number | null, band: number): SeparatedPolygon[] {
  const mask = Uint8Array.from(p, (v) => (v >= LOW ? 1 : 0));
  // as a detection at 1 m² pixels with the default minimum area cuts blobs
  return polygonizeInBands(new SeparatingPolygonizer({ width: W, height: H, connectivity: 8 }, separationFor(1, 50, LOW), seed), mask, p, W, H, band);
}

const cover = (polys: SeparatedPolygon[]): Uint8Array => {
  const c = new Uint8Array(W * H);
  for (const q of polys) {
    const r = rasterizePolygons([pixelPartsToMap(q.parts, identity)], { width: W, height: H, geoTransform: identity });
    for (let i = 0; i < r.length; i++) c[i]! += r[i]!;
  }
  return c;
};

describe.skipIf(!hasTorch)('seed threshold: the app and training keep the same pixels', () => {
  execFileSync('/usr/bin/python3', ['-c', SCRIPT, dir], { cwd: resolve(repoRoot, 'training') });
  const p = new Float32Array(readFileSync(join(dir, 'p.f32')).buffer.slice(0));
  const seeded = new Uint8Array(readFileSync(join(dir, 'seeded.u8')));
  const plain = new Uint8Array(readFileSync(join(dir, 'plain.u8')));

  it('keeps exactly training’s seeded pixels, whatever the row bands', () => {
    for (const band of [1, 13, H]) {
      const polys = appPolygons(p, HIGH, band);
      const c = cover(polys);
      let diff = 0;
      for (let i = 0; i < c.length; i++) if (c[i] !== seeded[i]) diff++;
      expect(diff).toBe(0);
    }
  });

  it('is a real filter on this field: seedless blobs dropped, seeded blobs cut into parts kept whole', () => {
    const all = appPolygons(p, null, 17);
    const kept = appPolygons(p, HIGH, 17);
    const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
    expect(sum(cover(all))).toBe(sum(plain));
    expect(sum(seeded)).toBeLessThan(sum(plain));
    expect(sum(seeded)).toBeGreaterThan(0);
    const blobs = (polys: SeparatedPolygon[]) => new Set(polys.map((q) => JSON.stringify(q.component))).size;
    expect(blobs(all) - blobs(kept)).toBeGreaterThanOrEqual(3);
    // a part under the seed survives when its blob holds a seed (the rule is on the blob, not the part)
    const seedlessParts = kept.filter((q) => (q.stats.probMax ?? 0) < HIGH);
    expect(seedlessParts.length).toBeGreaterThan(0);
    for (const q of seedlessParts) expect(q.peak).toBeGreaterThanOrEqual(HIGH);
  });
});
