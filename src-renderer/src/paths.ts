/** File paths as the renderer shows them (either separator: Windows or POSIX paths from the backend). */

/** The last part of a path: the file's name. */
export function fileName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** The folder holding `p` (`p` itself when it has none). */
export function dirOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i > 0 ? p.slice(0, i) : p;
}
