/**
 * `npm run bench`: runs every benchmark in bench/ (files named *.bench.ts exporting `run`) and
 * prints one JSON document of figures. Benchmarks report; they never pass or fail the build.
 * `npm run bench -- <name-filter>` runs the matching ones only.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  run: () => Promise<Record<string, unknown>>;
}

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !filter || f.includes(filter))
  .sort();

const results: Record<string, unknown> = {
  machine: { node: process.version, platform: process.platform, arch: process.arch, cpus: (await import('node:os')).cpus().length },
};
for (const f of files) {
  const name = f.replace(/\.bench\.ts$/, '');
  process.stderr.write(`bench: ${name}…\n`);
  try {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as BenchModule;
    results[name] = await mod.run();
  } catch (e) {
    results[name] = { error: e instanceof Error ? e.message : String(e) };
  }
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
