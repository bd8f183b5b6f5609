/**
 * Test-time augmentation by flips: each tile tensor is run as is and flipped horizontally,
 * vertically and both; each output is flipped back and the four probabilities are averaged
 * (probability space) before blending. A flip acts on the whole T×T tensor (window + padding), so
 * a flipped run sees exactly the flipped padded tile and un-flipping maps its output back.
 */
import { ScarpError } from '../../../src-shared/errors';
import type { TensorData, TensorMap } from './worker-protocol';

/** 0 identity, 1 horizontal (x mirrored), 2 vertical (y mirrored), 3 both. */
export type Flip = 0 | 1 | 2 | 3;
export const TTA_FLIPS: readonly Flip[] = [0, 1, 2, 3];

/** Mirror one H×W plane (src) into dst (a flip is its own inverse). */
export function flipPlane(src: ArrayLike<number>, dst: Float32Array, width: number, height: number, flip: Flip, srcOff = 0, dstOff = 0): void {
  const fx = (flip & 1) !== 0;
  const fy = (flip & 2) !== 0;
  for (let y = 0; y < height; y++) {
    const sRow = srcOff + (fy ? height - 1 - y : y) * width;
    const dRow = dstOff + y * width;
    if (fx) for (let x = 0; x < width; x++) dst[dRow + x] = src[sRow + width - 1 - x]!;
    else for (let x = 0; x < width; x++) dst[dRow + x] = src[sRow + x]!;
  }
}

/** A flipped copy of an NCHW (or NHW) tensor: every plane mirrored. */
export function flipTensor(t: TensorData, flip: Flip): TensorData {
  if (flip === 0) return { data: t.data.slice(), dims: [...t.dims] };
  const d = t.dims;
  if (d.length < 3) throw new ScarpError({ code: 'INTERNAL', message: `Cannot flip a tensor of shape [${d.join(', ')}].` });
  const H = d[d.length - 2]!;
  const W = d[d.length - 1]!;
  const plane = H * W;
  const planes = t.data.length / plane;
  const out = new Float32Array(t.data.length);
  for (let p = 0; p < planes; p++) flipPlane(t.data, out, W, H, flip, p * plane, p * plane);
  return { data: out, dims: [...d] };
}

export function flipFeeds(feeds: TensorMap, flip: Flip): TensorMap {
  const out: TensorMap = {};
  for (const [name, t] of Object.entries(feeds)) out[name] = flipTensor(t, flip);
  return out;
}
