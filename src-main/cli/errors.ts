import { isScarpError } from '../../src-shared/errors';

/** Thrown for a malformed command line: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Print an error the way a user can act on it: what, which file, what to do. */
export function formatError(e: unknown): string {
  if (isScarpError(e)) {
    const lines = [`scarp: error: ${e.message}`];
    if (e.file && !e.message.includes(e.file)) lines.push(`  file: ${e.file}`);
    if (e.hint) lines.push(`  hint: ${e.hint}`);
    return lines.join('\n');
  }
  if (e instanceof Error) return `scarp: internal error: ${e.stack ?? e.message}`;
  return `scarp: internal error: ${String(e)}`;
}
