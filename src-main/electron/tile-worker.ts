/**
 * The tile-rendering worker as bundled for Electron (electron.vite.config.ts entry `tile-worker`,
 * found beside the main bundle by core/workers/entry.ts; the Node build, scripts/build-node.mjs, uses
 * it too).
 */
import './native-redirect';

// geotiff.js's web-worker pool reads workerData.mod when imported in a worker_threads worker: a
// dummy Worker global first (core/raster/worker-shim.ts), and a dynamic import so that the bundler
// cannot hoist geotiff's chunk above it.
(globalThis as { Worker?: unknown }).Worker ??= class {};
await import('../core/tiles/render-worker');
