import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import {
  extractProbability,
  normalizeBand,
  gainStretch,
  percentileStretch,
  stretchToUint8,
  UINT8_REFERENCE_P98,
  writeInputTile,
} from '../../../src-main/core/inference';
import { ModelInput, type ModelCard } from '../../../src-shared/model-card';
import { repoRoot } from '../../../src-main/core/paths';

const N = NaN;
const arr = (xs: number[]) => Float32Array.from(xs);

describe('normalisation (by hand)', () => {
  it('affine: v * scale + offset', () => {
    expect([...normalizeBand(arr([0, 255, 10]), { normalization: { kind: 'affine', scale: 1 / 255, offset: -0.5 } })]).toEqual([
      -0.5,
      0.5,
      10 / 255 - 0.5,
    ]);
  });
  it('zscore: (v - mean) / std', () => {
    expect([...normalizeBand(arr([20, 30, 10]), { normalization: { kind: 'zscore', mean: 20, std: 10 } })]).toEqual([0, 1, -1]);
  });
  it('tile-minmax over valid pixels, NaN kept, 0 for a flat tile', () => {
    const out = normalizeBand(arr([100, 110, N, 120]), { normalization: { kind: 'tile-minmax' } });
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0.5);
    expect(Number.isNaN(out[2]!)).toBe(true);
    expect(out[3]).toBe(1);
    const flat = normalizeBand(arr([5, 5, N]), { normalization: { kind: 'tile-minmax' } });
    expect(flat[0]).toBe(0);
    expect(Number.isNaN(flat[2]!)).toBe(true); // nodata stays nodata (-> fill), see report
    expect([...normalizeBand(arr([N, N]), { normalization: { kind: 'tile-minmax' } })].every(Number.isNaN)).toBe(true);
  });
  it('tile-center: (v - mean of valid) / scale', () => {
    const out = normalizeBand(arr([100, 200, N, 300]), { normalization: { kind: 'tile-center', scale: 50 } });
    expect(out[0]).toBe(-2);
    expect(out[1]).toBe(0);
    expect(out[3]).toBe(2);
  });
  it('uint8 stretch with scene percentiles, clamped', () => {
    const s = stretchToUint8(arr([1000, 3000, 5000, 0, 9000, N]), { low: 1000, high: 5000 });
    expect([...s.slice(0, 5)]).toEqual([0, 127.5, 255, 0, 255]);
    expect(Number.isNaN(s[5]!)).toBe(true);
  });
  it('percentiles by nearest rank, NaN ignored', () => {
    const sample = Float32Array.from({ length: 101 }, (_, i) => i * 10);
    expect(percentileStretch(sample)).toEqual({ low: 20, high: 980 });
    expect(percentileStretch(arr([N, N]))).toBeNull();
  });
  it('non-8-bit imagery for a uint8 model: one gain for every band, the pooled 98th percentile to 200, no offset', () => {
    // 8-bit values × 40 (uint16 DNs): the gain brings them back exactly; per-band percentiles would not.
    const red = Float32Array.from({ length: 101 }, (_, i) => 40 * i);
    const green = Float32Array.from({ length: 101 }, (_, i) => 40 * (i + 100));
    const s = gainStretch([red, green, arr([N])], 3)!;
    expect(s).toHaveLength(3);
    const p98 = percentileStretch(Float32Array.from([...red, ...green]), 98, 98)!.high;
    for (const b of s) expect(b).toEqual({ low: 0, high: (p98 * 255) / UINT8_REFERENCE_P98 });
    // Red and green keep their ratio (a per-band stretch would map both to 0..255).
    const [r, g] = [stretchToUint8(arr([4000]), s[0]!)[0]!, stretchToUint8(arr([6000]), s[1]!)[0]!];
    expect(g / r).toBeCloseTo(1.5, 10);
    expect(r).toBeCloseTo((4000 * UINT8_REFERENCE_P98) / p98, 6);
    expect(gainStretch([arr([N, N])], 3)).toBeNull();
    expect(gainStretch([arr([0, 0, 0])], 3)).toBeNull();
  });
});

describe('input tensors', () => {
  const input = ModelInput.parse({
    name: 'x',
    valueDomain: 'uint8',
    bands: [
      { source: 'red', normalization: { kind: 'affine', scale: 0.01, offset: 0 }, clip: [0, 1], fill: -1 },
      { source: 'dem', normalization: { kind: 'tile-center', scale: 10 }, fill: 5 },
    ],
  });

  it('normalise → clip → NaN→fill, padded beyond a small window', () => {
    // window 2x2 inside a 3x3 tensor, batch slot 1 of 2
    const t = new Float32Array(2 * 2 * 9).fill(123);
    writeInputTile(input, [arr([50, 150, N, 20]), arr([100, N, 120, 110])], { width: 2, height: 2, tensorWidth: 3, tensorHeight: 3 }, t, 1);
    expect([...t.slice(0, 18)].every((v) => v === 123)).toBe(true); // slot 0 untouched
    const red = [...t.slice(18, 27)];
    expect(red).toEqual([0.5, 1, -1, -1, Math.fround(0.2), -1, -1, -1, -1]);
    const dem = [...t.slice(27, 36)];
    expect(dem).toEqual([-1, 5, 5, 1, 0, 5, 5, 5, 5]);
  });

  it('applies the uint8 stretch only when stats are passed', () => {
    const t = new Float32Array(2 * 4);
    const shape = { width: 2, height: 2, tensorWidth: 2, tensorHeight: 2 };
    writeInputTile(input, [arr([1000, 3000, 5000, 7000]), arr([0, 0, 0, 0])], shape, t, 0, [{ low: 1000, high: 5000 }, null]);
    // stretched to [0, 127.5, 255, 255], × 0.01 = [0, 1.275, 2.55, 2.55], clipped to [0, 1]
    expect([...t.slice(0, 4)]).toEqual([0, 1, 1, 1]);
    const noClip = ModelInput.parse({ ...input, bands: [{ ...input.bands[0], clip: undefined }, input.bands[1]] });
    writeInputTile(noClip, [arr([1000, 3000, 5000, 7000]), arr([0, 0, 0, 0])], shape, t, 0, [{ low: 1000, high: 5000 }, null]);
    expect([...t.slice(0, 4)]).toEqual([0, 1.275, 2.55, 2.55].map(Math.fround));
    const t2 = new Float32Array(2 * 4);
    writeInputTile(input, [arr([10, 30, 50, 70]), arr([0, 0, 0, 0])], shape, t2, 0);
    expect([...t2.slice(0, 4)]).toEqual([0.1, 0.3, 0.5, 0.7].map(Math.fround));
  });

  it('feeds an absent optional input its fill values, and refuses an absent required one', () => {
    const opt = ModelInput.parse({ ...input, optional: true });
    const t = new Float32Array(2 * 4).fill(9);
    writeInputTile(opt, null, { width: 2, height: 2, tensorWidth: 2, tensorHeight: 2 }, t, 0);
    expect([...t]).toEqual([-1, -1, -1, -1, 5, 5, 5, 5]);
    expect(() => writeInputTile(input, null, { width: 2, height: 2, tensorWidth: 2, tensorHeight: 2 }, t, 0)).toThrow(/needs input 'x'/);
    expect(() => writeInputTile(input, [arr([1, 2, 3, 4])], { width: 2, height: 2, tensorWidth: 2, tensorHeight: 2 }, t, 0)).toThrow(/2 bands/);
  });
});

describe('output conversion', () => {
  const base: ModelCard['output'] = { name: 'y', activation: 'sigmoid', channel: 0, classNames: ['landslide'] };
  // batch 2, 2 channels, 2x3
  const data = Float32Array.from({ length: 2 * 2 * 6 }, (_, i) => i / 100);

  it('takes the card channel of the right batch slot, cropped to the window', () => {
    const p = extractProbability({ ...base, channel: 1 }, data, [2, 2, 2, 3], 1, { width: 2, height: 2 });
    // slot 1, channel 1 starts at (1*2+1)*6 = 18
    expect([...p]).toEqual([0.18, 0.19, 0.21, 0.22].map(Math.fround));
  });
  it('softmax outputs are probabilities already; logits get a sigmoid', () => {
    const soft = extractProbability({ ...base, activation: 'softmax', channel: 1 }, data, [2, 2, 2, 3], 0, { width: 3, height: 2 });
    expect(soft[0]).toBe(Math.fround(0.06));
    const logit = extractProbability({ ...base, activation: 'logits-sigmoid' }, Float32Array.from([0, 2, -2, 40]), [1, 1, 2, 2], 0, {
      width: 2,
      height: 2,
    });
    expect(logit[0]).toBe(0.5);
    expect(logit[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 7);
    expect(logit[2]).toBeCloseTo(1 / (1 + Math.exp(2)), 7);
    expect(logit[3]).toBe(1);
  });
  it('accepts [N, H, W] outputs and rejects a missing channel', () => {
    expect([...extractProbability(base, Float32Array.from([1, 2, 3, 4]), [1, 2, 2], 0, { width: 2, height: 2 })]).toEqual([1, 2, 3, 4]);
    expect(() => extractProbability({ ...base, channel: 2 }, data, [2, 2, 2, 3], 0, { width: 2, height: 2 })).toThrow(/channel 2/);
  });
});

const py = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!py)('agreement with the Python twin (training/scarp_train/preprocess.py)', () => {
  it('normalize() gives the same float32 values', () => {
    const vals = [12.5, 300.25, NaN, -4, 1e4, 0.1, 77, 77.5];
    const cases = [
      { normalization: { kind: 'affine' as const, scale: 0.0039215, offset: -0.3 }, clip: undefined, fill: 0 },
      { normalization: { kind: 'zscore' as const, mean: 20, std: 7.5 }, clip: [-2, 2] as [number, number], fill: -9 },
      { normalization: { kind: 'tile-minmax' as const }, clip: undefined, fill: 0.5 },
      { normalization: { kind: 'tile-center' as const, scale: 30 }, clip: [-1, 1] as [number, number], fill: 0 },
    ];
    const script = `
import json, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(resolve(repoRoot, 'training'))})
from scarp_train.preprocess import normalize
vals = np.array(json.loads(sys.argv[1]), dtype=np.float64)
out = []
for c in json.loads(sys.argv[2]):
    r = normalize(vals.astype(np.float32).astype(np.float64), c['normalization'], c.get('clip'), c['fill']).astype(np.float32)
    out.append([float(x) for x in r])
print(json.dumps(out))
`;
    const r = spawnSync(
      '/usr/bin/python3',
      ['-c', script, JSON.stringify(vals.map((v) => (Number.isNaN(v) ? null : v))).replace(/null/g, 'NaN'), JSON.stringify(cases)],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const expected = JSON.parse(r.stdout) as number[][];
    cases.forEach((c, i) => {
      const t = new Float32Array(vals.length);
      const spec = ModelInput.parse({ name: 'x', bands: [{ source: 'dem', ...c }] });
      writeInputTile(spec, [Float32Array.from(vals)], { width: vals.length, height: 1, tensorWidth: vals.length, tensorHeight: 1 }, t, 0);
      expect([...t], c.normalization.kind).toEqual(expected[i]);
    });
  });
});
