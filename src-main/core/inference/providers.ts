/**
 * Execution-provider choice. onnxruntime-node does not fall back by itself: a session created
 * with `['cuda', 'cpu']` throws when CUDA is missing. So each provider is tried in a session of its
 * own, inside its own try/catch, in the order CUDA → DirectML → CoreML → CPU, and the one that
 * worked is reported together with why the others did not.
 */
import { availableParallelism } from 'node:os';
// Types only here: ONNX Runtime is loaded when a session is created, so that a process (or the main
// thread of one whose sessions live in a worker) that creates none does not load it.
import type * as ort from 'onnxruntime-node';
import { ScarpError } from '../../../src-shared/errors';

export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'cpu';
export type ProviderPreference = 'auto' | ProviderName;

export const PROVIDER_LABEL: Record<ProviderName, string> = {
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  cpu: 'CPU',
};

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  /** Why it was not used (error message, or 'not available on <platform>'). */
  error?: string;
}

export interface ProviderOptions {
  /** 'auto' (default) tries GPU providers first; a named provider is tried first, then the rest. */
  preferred?: ProviderPreference;
  /** Fail instead of falling back when `preferred` names a provider that does not work. */
  strict?: boolean;
  /** Intra-op threads for the CPU provider; default from `defaultIntraOpThreads()`. */
  intraOpThreads?: number;
  /** Platform to plan for (tests); default process.platform. */
  platform?: NodeJS.Platform;
}

const AUTO_ORDER: ProviderName[] = ['cuda', 'dml', 'coreml', 'cpu'];

/** Where a provider can exist at all; on other platforms it is reported as unavailable, not tried. */
const PLATFORMS: Record<ProviderName, NodeJS.Platform[] | 'all'> = {
  cuda: ['linux', 'win32'],
  dml: ['win32'],
  coreml: ['darwin'],
  cpu: 'all',
};

export function isProviderName(v: string): v is ProviderName {
  return v === 'cuda' || v === 'dml' || v === 'coreml' || v === 'cpu';
}

/** Parse a user string ('auto', 'cpu', 'cuda', 'dml'/'directml', 'coreml'). */
export function parseProviderPreference(v: string): ProviderPreference {
  const s = v.trim().toLowerCase();
  if (s === 'auto' || s === '') return 'auto';
  if (s === 'directml') return 'dml';
  if (isProviderName(s)) return s;
  throw new ScarpError({
    code: 'INVALID_ARGUMENT',
    message: `Unknown execution provider '${v}'.`,
    hint: 'Use one of: auto, cuda, dml (DirectML), coreml, cpu.',
  });
}

/** Intra-op threads: every core on small machines, one core left for reading/blending on larger ones. */
export function defaultIntraOpThreads(): number {
  const env = Number(process.env.SCARP_ORT_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  const n = availableParallelism();
  return n <= 2 ? n : Math.min(n - 1, 16);
}

/** The order providers are tried in, and those skipped because the platform cannot have them. */
export function providerPlan(
  preferred: ProviderPreference = 'auto',
  platform: NodeJS.Platform = process.platform,
): { order: ProviderName[]; skipped: ProviderAttempt[] } {
  const base = preferred === 'auto' ? AUTO_ORDER : [preferred, ...AUTO_ORDER.filter((p) => p !== preferred)];
  const order: ProviderName[] = [];
  const skipped: ProviderAttempt[] = [];
  for (const p of base) {
    const where = PLATFORMS[p];
    // An explicitly preferred provider is always tried, so its real error is reported.
    if (where === 'all' || where.includes(platform) || p === preferred) order.push(p);
    else skipped.push({ provider: p, ok: false, error: `not available on ${platform}` });
  }
  return { order, skipped };
}

/** Session options used for every session (the benchmark uses the same for its baseline). */
export function sessionOptions(provider: ProviderName, intraOpThreads = defaultIntraOpThreads()): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
    // ORT's intra-op threads busy-wait by default; on a laptop's few cores that starves the reading,
    // blending and vectorising done beside inference (bench/detect-overhead: 1.33-1.44x -> 1.07-1.13x
    // of ORT alone, ORT itself no slower).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  attempts: ProviderAttempt[];
  intraOpThreads: number;
}

/** Create a session on the first provider that works; throws INTERNAL when none does. */
export async function createSessionWithFallback(
  model: string | Uint8Array,
  options: ProviderOptions = {},
): Promise<CreatedSession> {
  const preferred = options.preferred ?? 'auto';
  const threads = options.intraOpThreads ?? defaultIntraOpThreads();
  const { order, skipped } = providerPlan(preferred, options.platform);
  const attempts: ProviderAttempt[] = [];
  const ort = await import('onnxruntime-node');
  // A missing CUDA library is logged by ORT as an error before it throws; we report it ourselves.
  if (!process.env.SCARP_ORT_VERBOSE) ort.env.logLevel = 'fatal';
  for (const provider of order) {
    try {
      const opts = sessionOptions(provider, threads);
      const session =
        typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
      attempts.push({ provider, ok: true });
      return { session, provider, attempts: [...attempts, ...skipped], intraOpThreads: threads };
    } catch (e) {
      attempts.push({ provider, ok: false, error: firstLine(e) });
      if (options.strict && provider === preferred) {
        throw new ScarpError({
          code: 'INVALID_ARGUMENT',
          message: `The ${PROVIDER_LABEL[provider]} execution provider is not usable here: ${firstLine(e)}`,
          hint: 'Choose another provider (or auto), or install the runtime it needs.',
        });
      }
    }
  }
  // The CPU provider always exists: when it fails too, the model itself is the problem.
  const cpuFailed = attempts.some((a) => a.provider === 'cpu' && !a.ok);
  throw new ScarpError({
    code: cpuFailed ? 'INVALID_MODEL' : 'INTERNAL',
    hint: cpuFailed ? 'The file is not a model ONNX Runtime can run (corrupt, or uses unsupported operators).' : undefined,
    message: `ONNX Runtime could not create a session on any execution provider (${attempts
      .map((a) => `${PROVIDER_LABEL[a.provider]}: ${a.error}`)
      .join('; ')})`,
    file: typeof model === 'string' ? model : undefined,
  });
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 300);
}
