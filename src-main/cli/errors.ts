import { errorInfoOf, isScarpError, type ScarpErrorJson } from '../../src-shared/errors';

/** Thrown for a malformed command line: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** How the CLI spells the request fields a core error's hint refers to (ScarpErrorInfo.options). */
const FLAGS: Record<string, string> = {
  overwrite: '--overwrite',
  image: '--image <file.tif>',
  dem: '--dem <file.tif>',
  model: '--model <id|file.onnx>',
  'no-tta': '--no-tta',
  crs: '--crs <EPSG:code>',
  rows: '--rows start:end',
  aoi: '--aoi <polygons>',
  'imagery-gsd': '--imagery-gsd <metres>',
  'format-gpkg': '--format gpkg',
  'format-probability': '--format probability',
  'format-change': '--format change',
  'change-project': 'scarp change --project <file.gpkg>',
  'detect-project': 'scarp detect --project <file.gpkg> --image <file.tif>',
  import: 'scarp import --project <new.gpkg> --file <file>',
  relink: 'scarp project relink <file.gpkg> --scene <id> --path <new place>',
  resume: 'scarp detect --project <file.gpkg> --resume',
  bands: '--bands <role,...> (--pre-bands for the pre-event image)',
  scale: '--scale s (--pre-scale)',
  offset: '--offset o (--pre-offset)',
  method: '--method auto|rdndvi|visible',
  out: '--out <file.gpkg>',
  score: '--probability <score.tif>',
  project: '--project <file.gpkg>',
  pre: '--pre <pre-event.tif>',
  photo: '--photo <file.jpg>',
  note: '--note <text>',
  uuid: '--uuid <landslide uuid>',
  evidence: '--evidence <uuid> (scarp evidence list shows them)',
};

/** The hint with the CLI's flags for the options it refers to. */
export function cliHint(e: ScarpErrorJson): string {
  const flags = (e.options ?? []).map((o) => FLAGS[o]).filter((f): f is string => f !== undefined);
  return flags.length ? `${e.hint} (${flags.join('; ')})` : e.hint;
}

/** Any error as the CLI's complete JSON error object (`--json`): code, message, hint with flags, file, params. */
export function cliErrorJson(e: unknown): ScarpErrorJson {
  if (e instanceof UsageError) return { code: 'INVALID_ARGUMENT', message: e.message, hint: 'Run scarp --help for the commands and their options.' };
  const info = errorInfoOf(e);
  return { ...info, hint: cliHint(info) };
}

/** Print an error the way a user can act on it: what, which file, what to do. */
export function formatError(e: unknown): string {
  if (isScarpError(e)) {
    const info = e.toJSON();
    const lines = [`scarp: error: ${e.message}`];
    if (e.file && !e.message.includes(e.file)) lines.push(`  file: ${e.file}`);
    lines.push(`  hint: ${cliHint(info)}`);
    return lines.join('\n');
  }
  if (e instanceof Error) return `scarp: internal error: ${e.stack ?? e.message}`;
  return `scarp: internal error: ${String(e)}`;
}
