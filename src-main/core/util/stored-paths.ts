/**
 * Files the core reads from paths stored in a project (a scene's imagery, a run's DEM, AOI and
 * model), not from the request. A door that limits which files a client may reach (browser mode:
 * the allowed folders) gives the same check for these, so a project file cannot lead outside them.
 */

/** Throws a ScarpError when the file at `path` may not be read; returns otherwise. */
export type StoredPathCheck = (path: string) => void;

/** The desktop app and the command line: the user's own files, any of them. */
export const ANY_STORED_PATH: StoredPathCheck = () => undefined;

/** Check every path given (undefined and null skipped). */
export function checkStoredPaths(check: StoredPathCheck, paths: ReadonlyArray<string | null | undefined>): void {
  for (const p of paths) if (p) check(p);
}

/** A model named by id stays a model id; one given as a file path is a stored path too. */
export function modelFileOf(model: string | undefined): string | undefined {
  return model && /[\\/]/.test(model) ? model : undefined;
}
