/**
 * The layering rules, run as part of the suite: dependency-cruiser finds no import cycle (between
 * files, or between the folders of src-main/core) and ESLint (eslint.config.mjs) finds no boundary
 * breach — the core importing Electron, the DOM, the renderer or a front end; the renderer importing
 * the main process; SQL outside the store — nor `any` in the product code. Each rule is also shown
 * to fire on a breach, so that a config that silently checks nothing fails here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src-main/core/paths';

interface CruiseViolation {
  rule: { name: string; severity: string };
  from: string;
  to: string;
  cycle?: Array<{ name: string } | string>;
}

/** Run the dependency-cruiser CLI with the project's config; returns its violations. */
function cruise(cwd: string, paths: string[]): CruiseViolation[] {
  const bin = resolve(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [bin, '--config', resolve(repoRoot, '.dependency-cruiser.mjs'), '--output-type', 'json', ...paths], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && !r.stdout) throw new Error(`dependency-cruiser failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: CruiseViolation[] } };
  return out.summary.violations;
}

const describeViolation = (v: CruiseViolation): string => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => (typeof c === 'string' ? c : c.name)).join(' → ')})` : ''}`;

mkdirSync(join(repoRoot, 'test/.tmp'), { recursive: true });
const tmp = mkdtempSync(join(repoRoot, 'test/.tmp/architecture-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('import cycles (dependency-cruiser)', () => {
  it('the main-process code and the shared contract have no cycle between files or between core folders', () => {
    const violations = cruise(repoRoot, ['src-main', 'src-shared']);
    expect(violations.map(describeViolation)).toEqual([]);
  });

  it('finds a folder cycle that runs through different files, and a cycle between two files', () => {
    const root = join(tmp, 'cycles');
    writeTree(root, {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler' } }),
      // vector → store → vector, through three different files: no file cycle, a folder cycle.
      'src-main/core/vector/readers.ts': "import { encode } from '../store/codec';\nexport const read = (): number => encode() + 1;\n",
      'src-main/core/vector/geometry.ts': 'export const area = (): number => 2;\n',
      'src-main/core/store/codec.ts': "import { area } from '../vector/geometry';\nexport const encode = (): number => area();\n",
      // a ↔ b: a file cycle inside one folder.
      'src-main/core/util/a.ts': "import { b } from './b';\nexport const a = (): number => b() + 1;\n",
      'src-main/core/util/b.ts': "import { a } from './a';\nexport const b = (): number => (a ? 1 : 0);\n",
    });
    const found = cruise(root, ['src-main']);
    const folderCycles = found.filter((v) => v.rule.name === 'no-circular-core-folders').map((v) => `${v.from} → ${v.to}`);
    const fileCycles = found.filter((v) => v.rule.name === 'no-circular').map((v) => `${v.from} → ${v.to}`);
    expect(folderCycles).toContain('src-main/core/vector → src-main/core/store');
    expect(fileCycles).toContain('src-main/core/util/a.ts → src-main/core/util/b.ts');
    expect(fileCycles.some((c) => c.includes('vector') || c.includes('store'))).toBe(false);
  });
});

describe('process boundaries (ESLint)', () => {
  const eslint = new ESLint({ cwd: repoRoot, cache: true, cacheLocation: resolve(repoRoot, 'node_modules/.cache/eslint/') });

  it('the product code (main process, shared contract, renderer scripts) has no lint error', async () => {
    const results = await eslint.lintFiles(['src-main', 'src-shared', 'src-renderer/src']);
    const problems = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(repoRoot.length + 1)}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(problems).toEqual([]);
  });

  /** The rules that fire on `code` placed at `path` (a file that need not exist). */
  async function rulesFor(path: string, code: string): Promise<string[]> {
    const [r] = await eslint.lintText(code, { filePath: resolve(repoRoot, path) });
    return (r?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.ruleId ?? 'parse');
  }

  it('the core may not import Electron, the renderer or a front end, nor use DOM globals', async () => {
    expect(await rulesFor('src-main/core/edit/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual(['no-restricted-imports']);
    expect(await rulesFor('src-main/core/edit/x.ts', "import { api } from '../../../src-renderer/src/api';\nexport const a = api;\n")).toEqual(['no-restricted-imports']);
    expect(await rulesFor('src-main/core/store/project/x.ts', "import { USAGE } from '../../../cli/usage';\nexport const a = USAGE;\n")).toEqual(['no-restricted-imports']);
    expect(await rulesFor('src-main/core/tiles/x.ts', 'export const title = (): string => document.title;\n')).toEqual(['no-restricted-globals']);
  });

  it('SQL stays in the store: better-sqlite3 and prepare() elsewhere are refused, in the store they are fine', async () => {
    const sql = "import Database from 'better-sqlite3';\nexport const n = (p: string): unknown => new Database(p).prepare('SELECT 1').get();\n";
    expect(await rulesFor('src-main/core/service/x.ts', sql)).toEqual(['no-restricted-imports', 'no-restricted-syntax']);
    expect(await rulesFor('src-main/server/x.ts', sql)).toEqual(['no-restricted-imports', 'no-restricted-syntax']);
    expect(await rulesFor('src-main/core/store/project/x.ts', sql)).toEqual([]);
    // A database handle handed out by the store is still SQL outside it.
    expect(await rulesFor('src-main/core/export/x.ts', 'export const n = (db: { prepare(s: string): unknown }): unknown => db.prepare("SELECT 1");\n')).toEqual(['no-restricted-syntax']);
  });

  it('the renderer reaches the main process only through the API; src-shared imports neither side', async () => {
    expect(await rulesFor('src-renderer/src/x.ts', "import { Project } from '../../src-main/core/store/project';\nexport const p = Project;\n")).toEqual(['no-restricted-imports']);
    expect(await rulesFor('src-shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toEqual(['no-restricted-imports']);
  });

  it('no `any` in the product code', async () => {
    expect(await rulesFor('src-main/core/service/x.ts', 'export const f = (x: any): number => x;\n')).toEqual(['@typescript-eslint/no-explicit-any']);
  });
});
