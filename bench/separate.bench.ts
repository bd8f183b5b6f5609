/**
 * What cutting touching landslides apart costs (vector/separate.ts): the SeparatingPolygonizer
 * against the plain Polygonizer on the same streamed rows of a smooth random probability map
 * (N × N, N = 3,000 unless SCARP_BENCH_SEPARATE_SIZE says otherwise; thresholded at 0.3, cut with
 * the app's dynamic 0.5 and 400-pixel parts, i.e. 100 m² at 0.5 m). Reported as a ratio, since
 * absolute times are noisy on a loaded machine, with the polygon counts. The written-here reason:
 * no maintained JavaScript library offers a watershed with markers by dynamics short of OpenCV's
 * WebAssembly build (~8 MB); the figure to watch is `ratio` (the cut's share of the vectorising
 * step, itself a small share of a detection).
 */
import { performance } from 'node:perf_hooks';
import { Polygonizer, SEPARATION_DYNAMIC, SeparatingPolygonizer } from '../src-main/core/vector';

function hash(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 374761393) + Math.imul(y, 668265263) + Math.imul(seed, 982451653);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Value noise at two scales (cells of 64 and 16 px), bilinear, stretched to 0..1: blobs with several peaks and deep valleys. */
function probabilityRow(y: number, n: number, out: Float32Array): void {
  const octave = (x: number, cell: number, seed: number): number => {
    const gx = x / cell;
    const gy = y / cell;
    const x0 = Math.floor(gx);
    const y0 = Math.floor(gy);
    const fx = gx - x0;
    const fy = gy - y0;
    const a = hash(x0, y0, seed) * (1 - fx) + hash(x0 + 1, y0, seed) * fx;
    const b = hash(x0, y0 + 1, seed) * (1 - fx) + hash(x0 + 1, y0 + 1, seed) * fx;
    return a * (1 - fy) + b * fy;
  };
  for (let x = 0; x < n; x++) out[x] = Math.min(1, Math.max(0, 2.5 * (0.5 * octave(x, 64, 1) + 0.5 * octave(x, 16, 2)) - 1));
}

function scan(n: number, separate: boolean): { ms: number; polygons: number } {
  const BAND = 256;
  const t0 = performance.now();
  const pz = separate ? new SeparatingPolygonizer({ width: n, height: n }, { dynamic: SEPARATION_DYNAMIC, minPartPixels: 400, floor: 0.3 }) : new Polygonizer({ width: n, height: n });
  let polygons = 0;
  const row = new Float32Array(n);
  for (let y = 0; y < n; y += BAND) {
    const rows = Math.min(BAND, n - y);
    const probability = new Float32Array(rows * n);
    const mask = new Uint8Array(rows * n);
    for (let i = 0; i < rows; i++) {
      probabilityRow(y + i, n, row);
      probability.set(row, i * n);
      for (let x = 0; x < n; x++) mask[i * n + x] = row[x]! >= 0.3 ? 1 : 0;
    }
    polygons += pz.push(y, mask, { probability }).length;
  }
  polygons += pz.finish().length;
  return { ms: performance.now() - t0, polygons };
}

export async function run(): Promise<Record<string, unknown>> {
  const n = Number(process.env.SCARP_BENCH_SEPARATE_SIZE ?? 3000);
  scan(Math.min(n, 500), true); // warm-up
  const plain = scan(n, false);
  const cut = scan(n, true);
  return {
    size: n,
    plainMs: Math.round(plain.ms),
    separatingMs: Math.round(cut.ms),
    ratio: Number((cut.ms / plain.ms).toFixed(2)),
    blobs: plain.polygons,
    parts: cut.polygons,
    note: 'ratio = SeparatingPolygonizer / Polygonizer time on the same rows (the field generation is in both).',
  };
}
