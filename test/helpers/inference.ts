/** Test helpers for tiled inference: generated tile readers and a runner that sees the network through a flip. */
import type { OrtRunner, RunOutput, TensorMap, TileInputs } from '../../src-main/core/inference';
import type { Window } from '../../src-shared/geo';

/** Deterministic pseudo-random scene values in [0, 1). */
export function pixelHash(x: number, y: number, b: number): number {
  let h = (x * 374761393 + y * 668265263 + b * 2147483647) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** A tile reader producing each input's bands from a function of global pixel coordinates (null = absent input). */
export function functionReader(inputs: Record<string, Array<(x: number, y: number) => number> | null>, delayMs = 0) {
  return async (w: Window): Promise<TileInputs> => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const out: TileInputs = {};
    for (const [name, fns] of Object.entries(inputs)) {
      out[name] = fns
        ? fns.map((f) => {
            const a = new Float32Array(w.width * w.height);
            for (let y = 0; y < w.height; y++) for (let x = 0; x < w.width; x++) a[y * w.width + x] = f(w.x + x, w.y + y);
            return a;
          })
        : null;
    }
    return out;
  };
}

/** `bands` pseudo-random 0..255 bands for one input. */
export function noiseReader(bands: number, inputName: string) {
  return functionReader({ [inputName]: Array.from({ length: bands }, (_, b) => (x: number, y: number) => pixelHash(x, y, b) * 255) });
}

/** Mirror every H×W plane of an NCHW tensor (written independently of tta.ts). */
export function mirror(data: Float32Array, dims: readonly number[], fx: boolean, fy: boolean): Float32Array {
  const H = dims[dims.length - 2]!;
  const W = dims[dims.length - 1]!;
  const out = new Float32Array(data.length);
  for (let p = 0; p < data.length / (H * W); p++) {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[p * H * W + y * W + x] = data[p * H * W + (fy ? H - 1 - y : y) * W + (fx ? W - 1 - x : x)]!;
  }
  return out;
}

/** A runner that runs the model on flipped tensors and flips the outputs back: "the network seen through a flip". */
export function flippedRunner(inner: OrtRunner, fx: boolean, fy: boolean): OrtRunner {
  return {
    mode: inner.mode,
    provider: inner.provider,
    attempts: inner.attempts,
    intraOpThreads: inner.intraOpThreads,
    inputNames: inner.inputNames,
    outputNames: inner.outputNames,
    async run(feeds: TensorMap, outputs: string[]): Promise<RunOutput> {
      const f: TensorMap = {};
      for (const [n, t] of Object.entries(feeds)) f[n] = { data: mirror(t.data, t.dims, fx, fy), dims: t.dims };
      const r = await inner.run(f, outputs);
      const o: TensorMap = {};
      for (const [n, t] of Object.entries(r.outputs)) o[n] = { data: mirror(t.data, t.dims, fx, fy), dims: t.dims };
      return { outputs: o, ortMs: r.ortMs };
    },
    close: () => Promise.resolve(),
    terminate: () => Promise.resolve(),
  };
}

/** Largest |a[i] − b[i]| over two equally long arrays (an ONNX output against its PyTorch fixture). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: ${a.length} values against ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
