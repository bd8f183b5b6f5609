/** The in-app file browser's listing (browser mode: POST /api/fs/list), shared by server and renderer. */
export interface FileEntry {
  name: string;
  path: string;
  kind: 'dir' | 'file';
  size: number;
  mtimeMs: number;
}

export interface FileListing {
  path: string;
  parent: string | null;
  roots: string[];
  entries: FileEntry[];
}
