// ESLint (flat config, typescript-eslint): the rules that keep Scarp's layers apart, plus
// typescript-eslint's recommended set. Import cycles (between files and between core folders) are
// checked by dependency-cruiser (.dependency-cruiser.cjs); test/unit/architecture.test.ts runs both.
import tseslint from 'typescript-eslint';

/** Files that may use SQLite themselves: the store, and code that reads or writes its own files (not the project). */
const OWN_SQLITE_FILES = [
  'src-main/core/store/**',
  'src-main/core/export/gpkg-raster.ts', // writes the probability coverage into its own export GeoPackage
  'src-main/core/export/export-inventory.ts', // renumbers fids in its own export GeoPackage
  'src-main/core/vector/readers.ts', // reads other programs' GeoPackages
  'src-main/core/tiles/basemap.ts', // reads MBTiles basemaps
];

/** Relative imports that climb out of src-main/core into a front end (or into the renderer). */
const FRONT_ENDS = '^(\\.\\./)+(electron|server|cli|src-renderer|src-main/(electron|server|cli))(/|$)';

const noSqlite = {
  paths: [{ name: 'better-sqlite3', message: 'SQL belongs to src-main/core/store (the project database is private to it); exporters and readers of their own files are listed in eslint.config.mjs.' }],
};
const sqlCalls = [
  {
    selector: "CallExpression[callee.property.name=/^(prepare|pragma)$/]",
    message: 'SQL belongs to src-main/core/store; ask the store (Project, ProjectDb) for what you need.',
  },
  {
    selector: "CallExpression[callee.object.name=/^db$/i][callee.property.name='exec']",
    message: 'SQL belongs to src-main/core/store; ask the store (Project, ProjectDb) for what you need.',
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'training/**', 'src-renderer/**/*.vue', '**/*.d.ts', '.electron-native/**'] },
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The contract between processes is typed; `any` would hide a break in it.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests and benchmarks parse JSON from child processes freely; the contract rules are for the product code.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // ---- the core: no Electron, no DOM, no renderer, no process front ends; no SQL outside the store ----
  {
    files: ['src-main/core/**/*.ts', 'src-main/core/**/*.mjs'],
    ignores: OWN_SQLITE_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noSqlite,
          patterns: [
            { group: ['electron', 'electron/*'], message: 'The core runs without Electron (CLI, server, workers); Electron code lives in src-main/electron.' },
            { regex: FRONT_ENDS, message: 'The core is imported by the front ends (electron, server, cli, renderer), never the other way round.' },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...sqlCalls],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'HTMLElement', 'requestAnimationFrame'],
    },
  },
  {
    files: OWN_SQLITE_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'The core runs without Electron.' },
            { regex: FRONT_ENDS, message: 'The core is imported by the front ends, never the other way round.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'HTMLElement', 'requestAnimationFrame'],
    },
  },
  // ---- the front ends and shared code outside the core: no SQL, no renderer ----
  {
    files: ['src-main/cli/**/*.ts', 'src-main/server/**/*.ts', 'src-main/electron/**/*.ts'],
    ignores: ['src-main/electron/native-redirect.ts', 'src-main/electron/detect-worker.ts'],
    rules: {
      'no-restricted-imports': ['error', { ...noSqlite, patterns: [{ group: ['**/src-renderer/**'], message: 'The main process never imports renderer code.' }] }],
      'no-restricted-syntax': ['error', ...sqlCalls],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src-main/**', '**/src-renderer/**', 'electron', 'better-sqlite3'], message: 'src-shared is imported by both processes and imports neither.' },
            { group: ['node:*'], message: 'src-shared runs in the renderer too: no Node built-ins.' },
          ],
        },
      ],
    },
  },
  // ---- the renderer: talks to the main process only through the typed API in src-shared ----
  {
    files: ['src-renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src-main/**', 'electron', 'better-sqlite3', 'onnxruntime-node', 'node:*'], message: 'The renderer reaches the main process only through the API (src-shared/api.ts, window.scarp / HTTP).' },
          ],
        },
      ],
    },
  },
);
