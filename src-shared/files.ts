/** The in-app file browser's listing (browser mode: POST /api/fs/list), shared by server and renderer. */
export interface FileEntry {
  name: string;
  path: string;
  kind: 'dir' | 'file';
  size: number;
  mtimeMs: number;
  /**
   * A link that leads outside the allowed folders: shown, but not opened; `hint` says how to allow
   * it (start the server with its folder allowed).
   */
  outside?: { target: string; hint: string };
}

export interface FileListing {
  path: string;
  parent: string | null;
  roots: string[];
  entries: FileEntry[];
}
