/**
 * The detection worker as bundled for Electron (electron.vite.config.ts entry `detect-worker`, found
 * beside the main bundle by core/workers/entry.ts; the Node build uses it too): the native-module
 * redirect first (better-sqlite3 built for Electron's ABI), then the worker itself.
 */
import './native-redirect';

// geotiff.js's web-worker pool reads workerData.mod when imported in a worker_threads worker: a
// dummy Worker global first (core/raster/worker-shim.ts), and a dynamic import so that the bundler
// cannot hoist geotiff's chunk above it.
(globalThis as { Worker?: unknown }).Worker ??= class {};
await import('../core/detect/worker/detect-worker');
