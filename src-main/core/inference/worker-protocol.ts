/** The calls between the main thread and the ONNX Runtime worker (runner.ts ↔ worker.ts, workers/rpc.ts). */
import type { Method } from '../workers/rpc';
import type { ProviderAttempt, ProviderName, ProviderPreference } from './providers';

/** A float32 tensor: data (row-major) and its shape. */
export interface TensorData {
  data: Float32Array;
  dims: number[];
}

export type TensorMap = Record<string, TensorData>;

export interface SessionOptions {
  modelPath: string;
  preferred: ProviderPreference;
  strict: boolean;
  intraOpThreads?: number;
}

/** The session the worker created: the provider it runs on (after fallback) and its tensors' names. */
export interface SessionInfo {
  provider: ProviderName;
  attempts: ProviderAttempt[];
  intraOpThreads: number;
  inputNames: string[];
  outputNames: string[];
}

/** What the worker answers; runs are serialised in the order they arrive. */
export type InferenceWorkerMethods = {
  /** Create the session (with provider fallback); once, first. */
  open: Method<SessionOptions, SessionInfo>;
  /** One batch: the feeds' buffers move to the worker, the outputs' back. */
  run: Method<{ feeds: TensorMap; outputs: string[] }, { outputs: TensorMap; ortMs: number }>;
  /** Release the session after the runs before it; the worker then ends. */
  close: Method<void, void>;
};
