/**
 * dependency-cruiser: no import cycles, between files or between the core's folders (where a cycle
 * can run through different files: vector → store → vector). Type-only imports count: a folder that
 * needs another's types depends on it. Run by test/unit/architecture.test.ts (and `npm run lint`);
 * the other boundaries (Electron, DOM, renderer, SQL) are ESLint rules (eslint.config.mjs).
 */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A file may not import itself through other files.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-core-folders',
      severity: 'error',
      comment: 'The folders of src-main/core form layers (geo ← vector/raster ← store ← edit/import/export/detect ← service); a folder cycle breaks them.',
      scope: 'folder',
      from: { path: '^src-main/core/' },
      to: { path: '^src-main/core/', circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|out|test|bench|training)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
