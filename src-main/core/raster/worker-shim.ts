/**
 * geotiff.js's optional web-worker pool reads `workerData.mod` when imported inside a worker_threads worker and
 * throws; a dummy global Worker keeps the import safe there. Imported before geotiff (side effect only).
 */
import { isMainThread } from 'node:worker_threads';

const g = globalThis as { Worker?: unknown };
if (!isMainThread && g.Worker === undefined) g.Worker = class {};
