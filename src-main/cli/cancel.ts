/**
 * Ctrl-C for long commands (detect, export): the first SIGINT aborts the operation's signal (the core
 * stops at its next stage or progress event, removes what it started and ends with CANCELLED); a
 * second one is left to Node's default (immediate exit).
 *
 * Test hook: SCARP_TEST_CANCEL_AT=<stage>[:<done>] delivers that Ctrl-C right after the first
 * progress event of <stage> (prepare, infer, vectorise, write) whose `done` reaches <done>, so tests
 * cancel at a chosen moment without sleeping.
 */
import type { ProgressSink } from '../../src-shared/api';

export interface CancelScope {
  signal: AbortSignal;
  /** The progress sink to hand to the core (wraps `progress`). */
  sink: ProgressSink;
  /** Stop listening for Ctrl-C. */
  dispose(): void;
}

function testCancelPoint(): { stage: string; done: number } | null {
  const at = process.env.SCARP_TEST_CANCEL_AT;
  if (!at) return null;
  const [stage, n] = at.split(':');
  return { stage: stage ?? '', done: n === undefined ? 0 : Number(n) };
}

export function cancelOnSigint(progress?: ProgressSink): CancelScope {
  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nCancelling… (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  const point = testCancelPoint();
  let fired = false;
  const sink: ProgressSink = (e) => {
    progress?.(e);
    if (point && !fired && e.stage === point.stage && e.done >= point.done) {
      fired = true;
      // As if Ctrl-C arrived at this very event (the same listener a real SIGINT runs).
      process.emit('SIGINT', 'SIGINT');
    }
  };
  return { signal: controller.signal, sink, dispose: () => process.off('SIGINT', onSigint) };
}
