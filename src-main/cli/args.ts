import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parse one sub-command's options strictly, turning node's parse errors into usage errors (exit 2).
 * A value option given twice (two --image) is a usage error too: node would keep the last one silently.
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option' || options[t.name]?.type !== 'string' || options[t.name]?.multiple) continue;
    if (seen.has(t.name)) throw new UsageError(`--${t.name} was given more than once; it takes one value (run the command once per value)`);
    seen.add(t.name);
  }
  const { tokens: _tokens, ...rest } = parsed;
  return rest;
}

/** A finite number from an option value, or a usage error naming the option. */
export function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${value}'`);
  return n;
}
