import { createScarpService } from '../core/service/scarp-service';
import type { ScarpApi } from '../../src-shared/api';
import { commandUsage, USAGE } from './usage';
import { UsageError, cliErrorJson, formatError } from './errors';
import { runInfo } from './commands/info';
import { runModels } from './commands/models';
import { runDetect } from './commands/detect';
import { runEval } from './commands/eval';
import { runDemo } from './commands/demo';
import { runExport } from './commands/export';
import { runImport } from './commands/import';
import { runProject } from './commands/project';
import { runAdapt } from './commands/adapt';
import { runReview } from './commands/review';

type Command = (service: ScarpApi, args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  info: runInfo,
  models: runModels,
  detect: runDetect,
  eval: runEval,
  demo: runDemo,
  export: runExport,
  import: runImport,
  project: runProject,
  adapt: runAdapt,
  review: runReview,
};

/** The commands, in the order of COMMANDS (each has its usage block in usage.ts). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`scarp: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandUsage(name)}\n`);
    return 0;
  }
  const json = rest.includes('--json');
  const service = createScarpService();
  try {
    return await command(service, rest);
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
