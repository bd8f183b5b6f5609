import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import { resolve } from 'node:path';

const shared = resolve(__dirname, 'src-shared');

export default defineConfig({
  main: {
    resolve: { alias: { '@shared': shared } },
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          // The ONNX Runtime worker is its own entry; the runner finds inference-worker.js beside itself.
          'inference-worker': resolve(__dirname, 'src-main/core/inference/worker.ts'),
          // Detections and tile rendering run off the main process's event loop (found beside it too).
          'detect-worker': resolve(__dirname, 'src-main/electron/detect-worker.ts'),
          'tile-worker': resolve(__dirname, 'src-main/electron/tile-worker.ts'),
        },
      },
      externalizeDeps: true,
    },
  },
  preload: {
    resolve: { alias: { '@shared': shared } },
    // Sandboxed preloads must be CommonJS.
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    resolve: { alias: { '@shared': shared } },
    plugins: [vue()],
    // vue-i18n's feature flags: composition API only, no devtools (and no warning about unset flags).
    define: { __VUE_I18N_FULL_INSTALL__: true, __VUE_I18N_LEGACY_API__: false, __INTLIFY_PROD_DEVTOOLS__: false },
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } } },
  },
});
