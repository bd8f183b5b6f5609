/** Messages between the main thread and the ONNX Runtime worker (structured-clone + transfer). */
import type { ProviderAttempt, ProviderName, ProviderPreference } from './providers';

/** A float32 tensor: data (row-major) and its shape. */
export interface TensorData {
  data: Float32Array;
  dims: number[];
}

export type TensorMap = Record<string, TensorData>;

export interface WorkerInit {
  modelPath: string;
  preferred: ProviderPreference;
  strict: boolean;
  intraOpThreads?: number;
}

export type ToWorker =
  | { type: 'run'; id: number; feeds: TensorMap; outputs: string[] }
  | { type: 'close' };

export type FromWorker =
  | {
      type: 'ready';
      provider: ProviderName;
      attempts: ProviderAttempt[];
      intraOpThreads: number;
      inputNames: string[];
      outputNames: string[];
    }
  | { type: 'result'; id: number; outputs: TensorMap; ortMs: number }
  | { type: 'error'; id: number | null; message: string; code?: string; hint?: string; file?: string }
  | { type: 'closed' };
