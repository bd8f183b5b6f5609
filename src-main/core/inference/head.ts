/**
 * The card's 1×1 head applied in the app to the network's last feature map (the ONNX output
 * `head.output`, [N, C, H, W]): probability = sigmoid((Σ_c weights[c]·features[c] + bias) / T),
 * T = calibration.temperature (1 without calibration). The same numbers as the model's own
 * probability output, so a head refitted from corrections can replace it without re-running the
 * network.
 */
import type { ModelCard } from '../../../src-shared/model-card';
import { ScarpError } from '../../../src-shared/errors';

/**
 * The head's probability of one tile: features of batch slot `slot`, cropped to the window (its
 * top-left `width` × `height`). float64 arithmetic, stored as float32.
 */
export function applyHead(
  card: Pick<ModelCard, 'id' | 'head' | 'calibration'>,
  features: Float32Array,
  dims: readonly number[],
  slot: number,
  window: { width: number; height: number },
): Float32Array {
  const head = card.head;
  if (!head) throw new ScarpError({ code: 'INVALID_MODEL', message: `Model '${card.id}' has no head in its card (no features output to apply it to).` });
  if (dims.length !== 4) {
    throw new ScarpError({ code: 'INVALID_MODEL', message: `Features output '${head.output}' has shape [${dims.join(', ')}]; expected [N, C, H, W].` });
  }
  const [N, C, H, W] = dims as [number, number, number, number];
  if (C !== head.weights.length) {
    throw new ScarpError({
      code: 'INVALID_MODEL',
      message: `Features output '${head.output}' of model '${card.id}' has ${C} channels, but its card's head has ${head.weights.length} weights.`,
    });
  }
  if (slot < 0 || slot >= N) throw new ScarpError({ code: 'INTERNAL', message: `Batch slot ${slot} is outside the features' batch of ${N}.` });
  const { width: w, height: h } = window;
  if (w > W || h > H) {
    throw new ScarpError({ code: 'INVALID_MODEL', message: `Features output '${head.output}' is ${W}×${H}, smaller than the ${w}×${h} tile it should cover.` });
  }
  const T = card.calibration?.temperature ?? 1;
  const plane = H * W;
  const base = slot * C * plane;
  const z = new Float64Array(w * h).fill(head.bias);
  for (let c = 0; c < C; c++) {
    const wc = head.weights[c]!;
    const off = base + c * plane;
    for (let y = 0; y < h; y++) {
      const src = off + y * W;
      const dst = y * w;
      for (let x = 0; x < w; x++) z[dst + x] += wc * features[src + x]!;
    }
  }
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-z[i]! / T));
  return out;
}
