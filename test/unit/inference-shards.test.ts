/** Splitting a tile plan into shards (inference/shards.ts) and choosing the shard (cli/shard-option.ts). */
import { describe, expect, it } from 'vitest';
import { planTiles } from '../../src-main/core/inference/tiling';
import { restrictPlan, shardBoundaries, shardPart } from '../../src-main/core/inference/shards';
import { shardOption } from '../../src-main/cli/shard-option';

describe('shardPart', () => {
  // Site B's grid with the shipped models' tiles: 15 tile rows, the last one aligned to the edge.
  const plan = planTiles({ width: 3221, height: 2817, tileSize: 256, overlap: 64, skip: (w) => w.x > 2000 && w.y < 600 });

  for (const n of [1, 2, 4, 7, 15, 20]) {
    it(`${n} shards: every tile in exactly one shard, rows covered, final rows reached by no other shard`, () => {
      const parts = Array.from({ length: n }, (_, i) => shardPart(plan, { index: i + 1, count: n }));
      const seen = new Array<number>(plan.tiles.length).fill(0);
      for (const p of parts) for (const t of restrictPlan(plan, p).included) seen[t]!++;
      expect(plan.included.every((t) => seen[t] === 1)).toBe(true);
      expect(seen.reduce((a, b) => a + b, 0)).toBe(plan.included.length);
      // Tile rows are contiguous and in order.
      expect(parts[0]!.tileRows.first).toBe(0);
      expect(parts[n - 1]!.tileRows.end).toBe(plan.rows.length);
      for (let k = 1; k < n; k++) expect(parts[k]!.tileRows.first).toBe(parts[k - 1]!.tileRows.end);
      // Per image row, the shards whose included tiles reach it.
      const reach = Array.from({ length: plan.height }, () => new Set<number>());
      parts.forEach((p, k) => {
        for (const t of restrictPlan(plan, p).included) {
          const w = plan.tiles[t]!.window;
          for (let y = w.y; y < w.y + w.height; y++) reach[y]!.add(k);
        }
      });
      // Each image row is final in at most one shard, and no other shard's tile reaches it.
      for (let y = 0; y < plan.height; y++) {
        const finalIn = parts.flatMap((p, k) => (y >= p.final.y0 && y < p.final.y1 ? [k] : []));
        expect(finalIn.length).toBeLessThanOrEqual(1);
        if (finalIn.length === 1) expect([...reach[y]!].every((k) => k === finalIn[0])).toBe(true);
        else expect(parts.filter((p) => y >= p.touched.y0 && y < p.touched.y1).length).toBeGreaterThanOrEqual(2);
      }
    });
  }

  it('balances included tiles and is deterministic', () => {
    const b = shardBoundaries(plan, 4);
    expect(b).toEqual(shardBoundaries(plan, 4));
    const perShard = b.slice(1).map((end, k) => plan.included.filter((t) => plan.tiles[t]!.row >= b[k]! && plan.tiles[t]!.row < end).length);
    expect(Math.max(...perShard) - Math.min(...perShard)).toBeLessThanOrEqual(2 * plan.cols.length);
  });

  it('more shards than tile rows: the extra shards are empty, not errors', () => {
    const p = shardPart(plan, { index: 20, count: 20 });
    expect(p.touched.y1 - p.touched.y0).toBe(0);
  });

  it('refuses a shard that does not exist', () => {
    expect(() => shardPart(plan, { index: 5, count: 4 })).toThrow(/Shard 5\/4 does not exist/);
  });
});

describe('shardOption', () => {
  it('K/N', () => {
    expect(shardOption('2/8', undefined, {})).toEqual({ index: 2, count: 8 });
    expect(() => shardOption('9/8', undefined, {})).toThrow(/between 1 and N/);
    expect(() => shardOption('two', undefined, {})).toThrow(/K\/N/);
  });

  it('auto from a Slurm job array, whatever its first index', () => {
    expect(shardOption('auto', undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '8' })).toEqual({ index: 4, count: 8 });
    expect(shardOption('auto', undefined, { SLURM_ARRAY_TASK_ID: '8', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '8' })).toEqual({ index: 8, count: 8 });
    expect(() => shardOption('auto', undefined, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_STEP: '2' })).toThrow(/without a step/);
  });

  it('auto from a Kubernetes Indexed Job needs --shard-count', () => {
    expect(shardOption('auto', '6', { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 1, count: 6 });
    expect(() => shardOption('auto', undefined, { JOB_COMPLETION_INDEX: '0' })).toThrow(/--shard-count/);
    expect(() => shardOption('auto', '6', { JOB_COMPLETION_INDEX: '6' })).toThrow(/between 1 and N/);
  });

  it('auto outside a batch engine is a usage error', () => {
    expect(() => shardOption('auto', undefined, {})).toThrow(/neither a Slurm job array/);
  });
});
