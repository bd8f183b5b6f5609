/** The calls between the main thread and a detection worker (worker-runner.ts ↔ detect-worker.ts, workers/rpc.ts). */
import type { DetectRequestParsed, DetectResult, ProgressEvent } from '../../../../src-shared/api';
import type { ScarpErrorInfo } from '../../../../src-shared/errors';
import type { Method } from '../../workers/rpc';
import type { DetectionBegin, DetectionContext, DetectionEnd, ProbabilityRows } from '../detection-hooks';

export interface DetectWorkerInit {
  /** Environment values the worker must see as the main thread does (models folder, test hooks). */
  env: Record<string, string | undefined>;
}

/** What the worker answers: one detection run, reporting progress, cancelled by the caller's signal. */
export type DetectWorkerMethods = {
  /** `hooks`: the main thread holds DetectionHooks (a project-backed run) the worker must call. */
  run: Method<{ req: DetectRequestParsed; hooks: boolean }, DetectResult, ProgressEvent>;
};

/** What the main thread answers: the hooks of a project-backed run (they own the project database). */
export type DetectHostMethods = {
  begin: Method<DetectionContext, DetectionBegin>;
  rows: Method<ProbabilityRows, void>;
  /** The next of the hooks' vectorRows, or null after the last. */
  next: Method<void, ProbabilityRows | null>;
  end: Method<DetectionEnd, void>;
  fail: Method<ScarpErrorInfo, void>;
};
