/**
 * The `scarp` command. Commands and the service are loaded when a command runs (dynamic imports, split
 * into their own chunks by the build), so that `scarp --help` starts without loading the raster and
 * vector libraries, ONNX Runtime or SQLite.
 */
import type { ScarpApi } from '../../src-shared/api';
import { commandUsage, USAGE } from './usage';
import { UsageError, cliErrorJson, formatError } from './errors';

type Command = (service: ScarpApi, args: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  info: async () => (await import('./commands/info')).runInfo,
  models: async () => (await import('./commands/models')).runModels,
  detect: async () => (await import('./commands/detect')).runDetect,
  change: async () => (await import('./commands/change')).runChangeCommand,
  'bare-ground': async () => (await import('./commands/bare-ground')).runBareGroundCommand,
  eval: async () => (await import('./commands/eval')).runEval,
  demo: async () => (await import('./commands/demo')).runDemo,
  export: async () => (await import('./commands/export')).runExport,
  import: async () => (await import('./commands/import')).runImport,
  project: async () => (await import('./commands/project')).runProject,
  adapt: async () => (await import('./commands/adapt')).runAdapt,
  review: async () => (await import('./commands/review')).runReview,
  merge: async () => (await import('./commands/merge')).runMerge,
  'merge-shards': async () => (await import('./commands/merge-shards')).runMergeShards,
  batch: async () => (await import('./commands/batch')).runBatchCommand,
  package: async () => (await import('./commands/package')).runPackage,
  evidence: async () => (await import('./commands/evidence')).runEvidence,
};

/** The commands, in the order of COMMANDS (each has its usage block in usage.ts). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`scarp: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandUsage(name)}\n`);
    return 0;
  }
  const json = rest.includes('--json');
  try {
    const [command, { createScarpService }] = await Promise.all([load(), import('../core/service/scarp-service')]);
    return await command(createScarpService(), rest);
  } catch (e) {
    // With --json the error is one JSON object on stdout ({"error": {code, message, hint, file?, params?}}).
    if (json) process.stdout.write(`${JSON.stringify({ error: cliErrorJson(e) }, null, 2)}\n`);
    if (e instanceof UsageError) {
      process.stderr.write(`scarp ${name}: ${e.message}\n\n${commandUsage(name)}\n`);
      return 2;
    }
    process.stderr.write(`${formatError(e)}\n`);
    return 1;
  }
}
