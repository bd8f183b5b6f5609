/**
 * Electron main process: a thin shell over the one ScarpService. Security per the Electron
 * checklist: contextIsolation, sandbox, no nodeIntegration, a strict CSP, the scarp:// protocol
 * (never file://), navigation and new windows blocked, every IPC sender checked, and the preload
 * exposing only the typed ScarpApi (+ the shell bridge for dialogs and menu commands).
 */
import './native-redirect';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session } from 'electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScarpService } from '../core/service/scarp-service';
import { defaultTileWorkers } from '../core/tiles/render-pool';
import { registerIpc } from './ipc';
import { handleScarpRequest } from './protocol';
import { menuTemplate } from './menu';
import { projectArg } from './open-files';
import { addRecent, loadState, saveState } from './window-state';
import { APP_ORIGIN, MENU_CHANNEL } from './channels';
import { MENU_LABELS_EN, checkMenuLabels, type ChooseFileOptions, type MenuCommand, type MenuLabels } from '../../src-shared/shell';

// Packaged: models ship as extra resources (electron-builder.yml).
if (app.isPackaged) process.env.SCARP_MODELS ??= join(process.resourcesPath, 'models');

protocol.registerSchemesAsPrivileged([{ scheme: 'scarp', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = resolve(here, '../renderer');
const stateFile = (): string => join(app.getPath('userData'), 'window-state.json');
let win: BrowserWindow | null = null;
// Detections and tile rendering in worker threads: the main process (IPC, protocol) stays responsive.
const service = new ScarpService({ detectInWorker: true, tileWorkers: defaultTileWorkers() });

function send(c: MenuCommand, arg?: string): void {
  win?.webContents.send(MENU_CHANNEL, c, arg);
}

/** A project the system asked to open before the window was there (opened with the page: `?project=`). */
let pendingProject: string | null = projectArg(process.argv.slice(1), process.cwd());

/** Open `path` in the window (bringing it to the front), or with the window once it is made. */
function openProject(path: string): void {
  if (!win) {
    pendingProject = path;
    return;
  }
  if (win.isMinimized()) win.restore();
  win.focus();
  send('project:open', path);
}

// One instance: a second launch (another project double-clicked) hands its arguments to this one and
// quits, so that a project is never opened by two instances (the second would find it locked).
const primary = app.requestSingleInstanceLock();
if (!primary) app.quit();
app.on('second-instance', (_e, argv, cwd) => {
  const p = projectArg(argv.slice(1), cwd);
  if (p) openProject(p);
  else if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});
// macOS: Finder's "Open with", a project dropped on the dock icon (may come before the app is ready).
app.on('open-file', (e, path) => {
  e.preventDefault();
  openProject(path);
});

/** The menu's labels in the UI's language (English until the renderer sends its choice). */
let menuLabels: MenuLabels = MENU_LABELS_EN;
function buildMenu(recent: string[]): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(send, recent, process.platform === 'darwin', menuLabels)));
}

async function chooseFile(o: ChooseFileOptions): Promise<string | null> {
  if (!win) return null;
  if (o.mode === 'save') {
    const r = await dialog.showSaveDialog(win, { title: o.title, defaultPath: o.defaultPath, filters: o.filters });
    return r.canceled ? null : (r.filePath ?? null);
  }
  const r = await dialog.showOpenDialog(win, { title: o.title, defaultPath: o.defaultPath, filters: o.filters, properties: [o.mode === 'folder' ? 'openDirectory' : 'openFile'] });
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

function createWindow(): void {
  const state = loadState(stateFile());
  // Electronegativity PRELOAD_JS_CHECK ("review the use of preload scripts"): the preload is ours, sandboxed and context-isolated, and exposes
  // only the typed ScarpApi + the shell bridge via contextBridge (test/unit/electron/contract.test.ts checks it).
  win = new BrowserWindow({
    ...state.bounds,
    minWidth: 1000,
    minHeight: 640,
    title: 'Scarp',
    backgroundColor: '#14181f',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'), // eng-disable PRELOAD_JS_CHECK (justified above)
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());
  const remember = (): void => {
    if (!win) return;
    state.maximized = win.isMaximized();
    if (!state.maximized) state.bounds = win.getBounds();
    saveState(stateFile(), state);
  };
  win.on('close', remember);
  win.on('closed', () => (win = null));
  // Navigation away from the app and every new window are blocked (an offline app opens no web pages).
  win.webContents.on('will-navigate', (e, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // The renderer opens a project named in the URL instead of the last one (App.vue).
  void win.loadURL(`${APP_ORIGIN}/index.html${pendingProject ? `?project=${encodeURIComponent(pendingProject)}` : ''}`);
  pendingProject = null;
}

app.enableSandbox();

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.on('will-navigate', (e, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

void app.whenReady().then(() => {
  // A second launch only hands its project over (second-instance, above) and quits: no window of its own.
  if (!primary) return;
  protocol.handle('scarp', (req) => handleScarpRequest(req, rendererDir, service.layers.tiles));
  // No permission (camera, geolocation, notifications…) is ever granted to the page.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  const state = loadState(stateFile());
  buildMenu(state.recent);
  registerIpc(
    ipcMain,
    service,
    {
      chooseFile,
      recentProjects: async () => loadState(stateFile()).recent,
      projectOpened: async (path: string) => {
        const s = loadState(stateFile());
        addRecent(s, path);
        saveState(stateFile(), s);
        buildMenu(s.recent);
        win?.setTitle(`Scarp — ${path}`);
        app.addRecentDocument(path);
      },
      setMenuLabels: async (labels: MenuLabels) => {
        const ok = checkMenuLabels(labels);
        if (!ok) return;
        menuLabels = ok;
        buildMenu(loadState(stateFile()).recent);
      },
    },
    () => win?.webContents ?? null,
  );
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  void service.layers.close();
  if (process.platform !== 'darwin') app.quit();
});
