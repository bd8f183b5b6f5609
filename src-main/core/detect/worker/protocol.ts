/** Messages between the main thread and a detection worker (worker-runner.ts ↔ detect-worker.ts). */
import type { DetectRequestParsed, DetectResult, ProgressEvent } from '../../../../src-shared/api';
import type { ScarpErrorInfo } from '../../../../src-shared/errors';

export interface DetectWorkerInit {
  req: DetectRequestParsed;
  /** Whether the main thread holds DetectionHooks (a project-backed run) the worker must call. */
  hooks: boolean;
  /** Environment values the worker must see as the main thread does (models folder, test hooks). */
  env: Record<string, string | undefined>;
}

export type HookName = 'begin' | 'rows' | 'end' | 'next';

export type FromDetectWorker =
  | { t: 'progress'; event: ProgressEvent }
  | { t: 'call'; id: number; name: HookName; arg?: unknown }
  | { t: 'fail'; error: ScarpErrorInfo }
  | { t: 'done'; result: DetectResult }
  | { t: 'error'; error: ScarpErrorInfo };

export type ToDetectWorker = { t: 'reply'; id: number; ok: true; value: unknown } | { t: 'reply'; id: number; ok: false; error: ScarpErrorInfo } | { t: 'cancel' };
