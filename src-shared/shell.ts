/**
 * The shell bridge: what the desktop shell (Electron) or the browser door offers the UI besides
 * ScarpApi: file choosing and application-menu commands. Typed here so both sides agree.
 */

export type MenuCommand =
  | 'project:new'
  | 'project:open'
  | 'scene:add-imagery'
  | 'scene:add-dem'
  | 'export'
  | 'import'
  | 'edit:undo'
  | 'edit:redo'
  | 'view:layers'
  | 'help:about'
  | 'help:models';

export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface ChooseFileOptions {
  title: string;
  /** 'open' an existing file, 'save' a new one, or pick a 'folder'. */
  mode: 'open' | 'save' | 'folder';
  filters?: FileFilter[];
  defaultPath?: string;
}

export interface ShellBridge {
  /** Choose a file with the native dialog; null when cancelled. */
  chooseFile(options: ChooseFileOptions): Promise<string | null>;
  /** Subscribe to application-menu commands; returns an unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand, arg?: string) => void): () => void;
  /** Recent projects (remembered by the shell). */
  recentProjects(): Promise<string[]>;
  /** Tell the shell a project was opened (for the Recent menu and the window title). */
  projectOpened(path: string): Promise<void>;
}

export const SHELL_METHODS = ['chooseFile', 'onMenuCommand', 'recentProjects', 'projectOpened'] as const satisfies ReadonlyArray<keyof ShellBridge>;
