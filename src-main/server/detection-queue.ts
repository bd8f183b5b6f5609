/**
 * Detections in browser mode: one at a time in this server (so also one per project), a few
 * waiting at most, and a memory budget: a detection starts only when the server's memory plus what
 * one detection may take stays within the budget and the machine has that much free; otherwise it
 * ends with TOO_LARGE instead of running the server out of memory.
 */
import { freemem, totalmem } from 'node:os';
import { ScarpError } from '../../src-shared/errors';

export const MAX_WAITING_DETECTIONS = 4;

/**
 * What one detection may take on top of the server: the peak measured on an 8000² scene is 630 MB
 * (bench/detect-memory; the detection reads by row bands, so it grows with the width, not the area).
 */
export const DETECTION_RESERVE_BYTES = 1024 * 1024 * 1024;

export interface DetectionQueueOptions {
  maxWaiting?: number;
  /** Memory the server may use with a detection running; default $SCARP_SERVER_MEMORY_MB or 75 % of the machine's. */
  budgetBytes?: number;
  reserveBytes?: number;
  /** The server's memory now (default: resident set size). */
  usedBytes?: () => number;
  /** The machine's free memory now. */
  freeBytes?: () => number;
}

export interface DetectionQueue {
  run<T>(job: () => Promise<T>): Promise<T>;
}

const MB = 1024 * 1024;

function defaultBudget(): number {
  const env = Number(process.env.SCARP_SERVER_MEMORY_MB ?? NaN);
  return Number.isFinite(env) && env > 0 ? env * MB : Math.floor(totalmem() * 0.75);
}

export function createDetectionQueue(opts: DetectionQueueOptions = {}): DetectionQueue {
  const maxWaiting = opts.maxWaiting ?? MAX_WAITING_DETECTIONS;
  const budget = opts.budgetBytes ?? defaultBudget();
  const reserve = opts.reserveBytes ?? DETECTION_RESERVE_BYTES;
  const used = opts.usedBytes ?? (() => process.memoryUsage.rss());
  const free = opts.freeBytes ?? freemem;
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;

  const checkMemory = (): void => {
    const u = used();
    const f = free();
    if (u + reserve <= budget && f >= reserve) return;
    const mb = (b: number): number => Math.round(b / MB);
    throw new ScarpError({
      code: 'TOO_LARGE',
      message:
        f < reserve
          ? `Not enough free memory to start a detection: ${mb(f)} MB free, a detection may need ${mb(reserve)} MB.`
          : `The server uses ${mb(u)} MB; with a detection (up to ${mb(reserve)} MB) it would pass its memory budget of ${mb(budget)} MB.`,
      hint: 'Close other programs or map layers and try again, or give the server a larger budget (SCARP_SERVER_MEMORY_MB).',
      params: { usedMb: mb(u), freeMb: mb(f), reserveMb: mb(reserve), budgetMb: mb(budget) },
    });
  };

  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      if (waiting >= maxWaiting) {
        return Promise.reject(
          new ScarpError({ code: 'INVALID_ARGUMENT', message: `${waiting} detections are already waiting; this server runs one at a time.`, hint: 'Wait for the running detections to finish, or cancel one.', params: { waiting } }),
        );
      }
      waiting++;
      const start = (): Promise<T> => {
        waiting--;
        checkMemory();
        return job();
      };
      const next = tail.then(start, start);
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
