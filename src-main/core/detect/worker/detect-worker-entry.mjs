// Worker bootstrap when running from TypeScript sources (vitest, `node --import tsx`): registers the
// tsx loader in this worker thread, then loads the real worker (as core/inference/worker-entry.mjs).
// Production bundles use the built detect-worker.js instead (see worker-runner.ts).
import { register } from 'tsx/esm/api';

register();
await import('./detect-worker.ts');
