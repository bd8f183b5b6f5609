/**
 * Electron adapter contract, with the `electron` module mocked (no Electron binary here):
 * - every ScarpApi method has an IPC handler, and each handler checks its sender;
 * - the preload exposes exactly the ScarpApi methods (window.scarp) and the shell bridge
 *   (window.scarpShell), nothing else, and never ipcRenderer itself;
 * - stream methods forward progress and cancellation;
 * - the main window is created with contextIsolation, sandbox, no nodeIntegration, on scarp://.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const h = vi.hoisted(() => {
  const handlers = new Map<string, (...a: unknown[]) => unknown>();
  const listeners = new Map<string, (...a: unknown[]) => unknown>();
  const exposed = new Map<string, Record<string, unknown>>();
  const invoked: Array<{ channel: string; args: unknown[] }> = [];
  const sent: Array<{ channel: string; args: unknown[] }> = [];
  const rendererOn = new Map<string, (...a: unknown[]) => unknown>();
  const windows: Array<{ options: Record<string, unknown>; events: Map<string, (...a: unknown[]) => unknown>; url?: string; openHandler?: (d: { url: string }) => unknown; send?: (...a: unknown[]) => unknown }> = [];
  return { handlers, listeners, exposed, invoked, sent, rendererOn, windows };
});

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      const events = new Map<string, (...a: unknown[]) => unknown>();
      const rec: (typeof h.windows)[number] = { options, events };
      h.windows.push(rec);
      this.webContents = {
        on: (ev: string, fn: (...a: unknown[]) => unknown) => events.set(ev, fn),
        setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (rec.openHandler = fn),
        send: vi.fn(),
      };
      rec.send = this.webContents.send as (...a: unknown[]) => unknown;
    }
    static getAllWindows = () => [];
    maximize() {}
    once() {}
    on() {}
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
    loadURL(u: string) {
      h.windows[h.windows.length - 1]!.url = u;
      return Promise.resolve();
    }
  }
  return {
    app: {
      whenReady: () => Promise.resolve(),
      on: vi.fn(),
      enableSandbox: vi.fn(),
      getPath: () => '/tmp/scarp-electron-test',
      addRecentDocument: vi.fn(),
      quit: vi.fn(),
      requestSingleInstanceLock: () => true,
    },
    BrowserWindow,
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
    Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn(() => ({})) },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn() } },
    shell: { openExternal: vi.fn() },
    ipcMain: {
      handle: (ch: string, fn: (...a: unknown[]) => unknown) => h.handlers.set(ch, fn),
      on: (ch: string, fn: (...a: unknown[]) => unknown) => h.listeners.set(ch, fn),
      removeHandler: (ch: string) => h.handlers.delete(ch),
      removeListener: vi.fn(),
    },
    contextBridge: { exposeInMainWorld: (name: string, value: Record<string, unknown>) => h.exposed.set(name, value) },
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => {
        h.invoked.push({ channel, args });
        return Promise.resolve({ channel });
      },
      send: (channel: string, ...args: unknown[]) => h.sent.push({ channel, args }),
      on: (ch: string, fn: (...a: unknown[]) => unknown) => h.rendererOn.set(ch, fn),
      removeListener: vi.fn(),
    },
  };
});

import * as electronMock from 'electron';
import { API_METHODS, API_METHOD_NAMES } from '../../../src-shared/api-methods';
import { SHELL_METHODS } from '../../../src-shared/shell';
import { ScarpService } from '../../../src-main/core/service/scarp-service';
import { registerIpc } from '../../../src-main/electron/ipc';
import { apiChannel, CANCEL_CHANNEL, MENU_CHANNEL, PROGRESS_CHANNEL, shellChannel } from '../../../src-main/electron/channels';
import { projectArg } from '../../../src-main/electron/open-files';

/** A real project-named file for the file-association handlers (they open only existing .gpkg files). */
const project = join(mkdtempSync(join(tmpdir(), 'scarp-open-')), 'event.gpkg');
writeFileSync(project, '');

const trustedWc = { id: 1, send: vi.fn(), isDestroyed: () => false };
const frame = (url: string, parent: unknown = null) => ({ url, parent });
const trustedEvent = { sender: trustedWc, senderFrame: frame('scarp://app/index.html') };
const untrusted = [
  { sender: { id: 2 }, senderFrame: frame('scarp://app/index.html') },
  { sender: trustedWc, senderFrame: frame('file:///etc/passwd') },
  { sender: trustedWc, senderFrame: frame('https://evil.example/') },
  { sender: trustedWc, senderFrame: frame('scarp://app/index.html', {}) },
  { sender: trustedWc, senderFrame: null },
];

describe('IPC handlers (main process)', () => {
  const calls: Array<{ name: string; args: unknown[] }> = [];
  let abortSeen = false;
  beforeAll(() => {
    const service: Record<string, unknown> = {};
    for (const name of API_METHOD_NAMES) {
      service[name] = async (...args: unknown[]) => {
        calls.push({ name, args });
        if (API_METHODS[name] === 'stream') {
          const [, onProgress, signal] = args as [unknown, (e: unknown) => void, AbortSignal];
          onProgress({ stage: 'infer', done: 1, total: 2 });
          await new Promise((ok) => setTimeout(ok, 20));
          signal.addEventListener('abort', () => (abortSeen = true));
          await new Promise((ok) => setTimeout(ok, 50));
          return { aborted: signal.aborted };
        }
        return { name };
      };
    }
    registerIpc(
      electronMock.ipcMain,
      service as never,
      { chooseFile: async () => '/x.gpkg', recentProjects: async () => [], projectOpened: async () => undefined, setMenuLabels: async () => undefined },
      () => trustedWc as never,
    );
  });

  it('ScarpService implements every API method listed for the doors', () => {
    for (const name of API_METHOD_NAMES) expect(typeof (ScarpService.prototype as unknown as Record<string, unknown>)[name], name).toBe('function');
  });

  it('registers exactly one handler per API method and per shell method, and nothing else', () => {
    const expected = [...API_METHOD_NAMES.map(apiChannel), ...SHELL_METHODS.filter((m) => m !== 'onMenuCommand').map(shellChannel)].sort();
    expect([...h.handlers.keys()].sort()).toEqual(expected);
    expect([...h.listeners.keys()]).toEqual([CANCEL_CHANNEL]);
  });

  it('every handler refuses untrusted senders and serves the app page', async () => {
    for (const ch of h.handlers.keys()) {
      for (const ev of untrusted) await expect(h.handlers.get(ch)!(ev, 'c0', {}), ch).rejects.toThrow(/untrusted sender/);
    }
    const before = calls.length;
    await expect(h.handlers.get(apiChannel('listModels'))!(trustedEvent)).resolves.toEqual({ name: 'listModels' });
    expect(calls.length).toBe(before + 1);
  });

  it('stream methods send progress to the sender and are cancelled over the cancel channel', async () => {
    const p = h.handlers.get(apiChannel('detect'))!(trustedEvent, 'c7', { image: 'x.tif' }) as Promise<{ aborted: boolean }>;
    await new Promise((ok) => setTimeout(ok, 30));
    // An untrusted cancel is ignored; the trusted one aborts.
    h.listeners.get(CANCEL_CHANNEL)!(untrusted[0], 'c7');
    expect(abortSeen).toBe(false);
    h.listeners.get(CANCEL_CHANNEL)!(trustedEvent, 'c7');
    expect(await p).toEqual({ aborted: true });
    expect(trustedWc.send).toHaveBeenCalledWith(PROGRESS_CHANNEL, 'c7', { stage: 'infer', done: 1, total: 2 });
  });
});


describe('preload', () => {
  beforeAll(async () => {
    await import('../../../src-main/electron/preload');
  });

  it('exposes exactly window.scarp (the ScarpApi methods) and window.scarpShell', () => {
    expect([...h.exposed.keys()].sort()).toEqual(['scarp', 'scarpShell']);
    expect(Object.keys(h.exposed.get('scarp')!).sort()).toEqual([...API_METHOD_NAMES].sort());
    expect(Object.keys(h.exposed.get('scarpShell')!).sort()).toEqual([...SHELL_METHODS].sort());
    for (const v of [...Object.values(h.exposed.get('scarp')!), ...Object.values(h.exposed.get('scarpShell')!)]) expect(typeof v).toBe('function');
  });

  it('each binding invokes its own channel; stream calls carry a call id and cancel', async () => {
    const api = h.exposed.get('scarp') as Record<string, (...a: unknown[]) => Promise<unknown>>;
    for (const name of API_METHOD_NAMES) {
      h.invoked.length = 0;
      await api[name]!({ path: 'x' }, () => undefined, undefined);
      expect(h.invoked[0]!.channel).toBe(apiChannel(name));
      if (API_METHODS[name] === 'stream') expect(h.invoked[0]!.args[0]).toMatch(/^c\d+$/);
    }
    let abort: (() => void) | undefined;
    const progress: unknown[] = [];
    h.invoked.length = 0;
    const p = api.detect!({ image: 'x' }, (e: unknown) => progress.push(e), { addEventListener: (_t: string, cb: () => void) => (abort = cb) });
    const callId = h.invoked[0]!.args[0];
    h.rendererOn.get(PROGRESS_CHANNEL)!({}, callId, { stage: 'infer', done: 3, total: 4 });
    abort!();
    await p;
    expect(progress).toEqual([{ stage: 'infer', done: 3, total: 4 }]);
    expect(h.sent).toContainEqual({ channel: CANCEL_CHANNEL, args: [callId] });
  });
});

describe('main window', () => {
  beforeAll(async () => {
    await import('../../../src-main/electron/main');
    await new Promise((ok) => setTimeout(ok, 50));
  });

  it('is sandboxed, context-isolated, without Node, on scarp://app (never file://)', () => {
    const w = h.windows[0]!;
    const wp = w.options.webPreferences as Record<string, unknown>;
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.webviewTag).toBe(false);
    expect(String(wp.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(w.url).toBe('scarp://app/index.html');
  });

  it('a project handed over by the system (a second launch, macOS open-file) opens in the one window', () => {
    const on = (electronMock.app.on as unknown as { mock: { calls: Array<[string, (...a: unknown[]) => void]> } }).mock.calls;
    const handler = (ev: string): ((...a: unknown[]) => void) => on.find(([e]) => e === ev)![1];
    const send = h.windows[0]!.send as ReturnType<typeof vi.fn>;
    send.mockClear();
    // The second instance's command line, relative to its working folder; switches are skipped.
    handler('second-instance')({}, ['/opt/Scarp/scarp', '--no-sandbox', 'event.gpkg'], dirname(project));
    expect(send).toHaveBeenCalledWith(MENU_CHANNEL, 'project:open', project);
    send.mockClear();
    handler('second-instance')({}, ['/opt/Scarp/scarp', 'missing.gpkg', 'notes.txt'], dirname(project));
    expect(send).not.toHaveBeenCalled();
    const prevent = vi.fn();
    handler('open-file')({ preventDefault: prevent }, project);
    expect(prevent).toHaveBeenCalled();
    expect(send).toHaveBeenCalledWith(MENU_CHANNEL, 'project:open', project);
  });

  it('a project on the first launch\'s command line is opened with the page (?project=), instead of the last one', async () => {
    const argv = process.argv;
    process.argv = ['/opt/Scarp/scarp', project];
    try {
      vi.resetModules();
      await import('../../../src-main/electron/main');
      await new Promise((ok) => setTimeout(ok, 50));
    } finally {
      process.argv = argv;
    }
    expect(h.windows.at(-1)!.url).toBe(`scarp://app/index.html?project=${encodeURIComponent(project)}`);
  });

  it('blocks navigation away from the app and every new window', () => {
    const w = h.windows[0]!;
    const prevent = vi.fn();
    w.events.get('will-navigate')!({ preventDefault: prevent }, 'https://evil.example/');
    expect(prevent).toHaveBeenCalled();
    const ok = vi.fn();
    w.events.get('will-navigate')!({ preventDefault: ok }, 'scarp://app/index.html');
    expect(ok).not.toHaveBeenCalled();
    expect(w.openHandler!({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
  });
});

describe('projectArg (file associations)', () => {
  it('takes the first existing .gpkg file, relative to the working folder; skips switches, other files and folders', () => {
    const dir = dirname(project);
    mkdirSync(join(dir, 'folder.gpkg'), { recursive: true });
    expect(projectArg(['--inspect', 'event.GPKG'.toLowerCase()], dir)).toBe(project);
    expect(projectArg([project], '/')).toBe(project);
    expect(projectArg(['-x', 'folder.gpkg', 'nothing.gpkg', 'event.tif'], dir)).toBeNull();
    expect(projectArg([], dir)).toBeNull();
  });
});
