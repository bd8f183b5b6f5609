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
  | 'field:package'
  | 'field:merge'
  | 'edit:undo'
  | 'edit:redo'
  | 'view:layers'
  | 'help:about'
  | 'help:models';

/**
 * The application menu's labels by key: the renderer sends them in the chosen language
 * (setMenuLabels) and the shell rebuilds the menu; English until it does. `&` marks the access key.
 */
export const MENU_LABELS_EN = {
  file: '&File',
  newProject: 'New Project…',
  openProject: 'Open Project…',
  openRecent: 'Open Recent',
  noRecent: 'No recent projects',
  addImagery: 'Add Imagery…',
  addDem: 'Add DEM…',
  importInventory: 'Import Inventory…',
  export: 'Export…',
  fieldPackage: 'Package for the Field…',
  fieldMerge: 'Merge a Colleague’s Project…',
  quit: 'Quit',
  close: 'Close Window',
  edit: '&Edit',
  undo: 'Undo',
  redo: 'Redo',
  cut: 'Cut',
  copy: 'Copy',
  paste: 'Paste',
  view: '&View',
  layers: 'Layers',
  fullscreen: 'Toggle Full Screen',
  resetZoom: 'Actual Size',
  zoomIn: 'Zoom In',
  zoomOut: 'Zoom Out',
  help: '&Help',
  models: 'Models…',
  about: 'About Scarp',
};
export type MenuLabelKey = keyof typeof MENU_LABELS_EN;
export type MenuLabels = Record<MenuLabelKey, string>;

/** The labels when every key is a short string, else null (they come from the renderer). */
export function checkMenuLabels(v: unknown): MenuLabels | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(MENU_LABELS_EN) as MenuLabelKey[];
  if (Object.keys(o).length !== keys.length) return null;
  return keys.every((k) => typeof o[k] === 'string' && (o[k] as string).length > 0 && (o[k] as string).length <= 80) ? (o as MenuLabels) : null;
}

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
  /** The menu in the UI's language (sent at start and on every language change). */
  setMenuLabels(labels: MenuLabels): Promise<void>;
}

export const SHELL_METHODS = ['chooseFile', 'onMenuCommand', 'recentProjects', 'projectOpened', 'setMenuLabels'] as const satisfies ReadonlyArray<keyof ShellBridge>;
