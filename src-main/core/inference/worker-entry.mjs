// Worker bootstrap for running from TypeScript sources (vitest, `node --import tsx`): registers the
// tsx loader inside this worker thread, then loads the real worker. Node 20 does not reliably apply
// `--import tsx` from a Worker's execArgv before the entry module loads, so this shim does it itself.
// Production bundles do not use this file (see runner.ts: inference-worker.js).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
