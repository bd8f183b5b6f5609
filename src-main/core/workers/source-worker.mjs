// Worker bootstrap when running from TypeScript sources (vitest, benchmarks; see entry.ts): registers
// the tsx loader in this worker thread, then imports the worker's source module, named after
// `--scarp-source` in the worker's argv. Built code never uses this file.
import { register } from 'tsx/esm/api';

const at = process.argv.indexOf('--scarp-source');
const source = at >= 0 ? process.argv[at + 1] : undefined;
if (!source) throw new Error('source-worker.mjs needs --scarp-source <module URL> in the worker argv');
register();
await import(source);
