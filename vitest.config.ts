import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: { alias: { '@shared': fileURLToPath(new URL('./src-shared', import.meta.url)) } },
  test: {
    // geotiff.js cannot be imported inside worker_threads; forks keep each file in its own process.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // The CLI, server and workers the tests start as processes run built JavaScript (out/node): build it once, first.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Browser e2e polls UI state; on a loaded 2-core CI machine a second is not always enough.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
