/**
 * Preload (sandboxed, context-isolated): exposes exactly the ScarpApi methods as `window.scarp`
 * and the shell bridge as `window.scarpShell`. Never the raw ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, type ApiMethodName } from '../../src-shared/api-methods';
import type { MenuCommand, ShellBridge } from '../../src-shared/shell';
import { CANCEL_CHANNEL, MENU_CHANNEL, PROGRESS_CHANNEL, apiChannel, shellChannel } from './channels';

type Listener = (event: unknown) => void;
const progressListeners = new Map<string, Listener>();
ipcRenderer.on(PROGRESS_CHANNEL, (_e: IpcRendererEvent, callId: string, event: unknown) => progressListeners.get(callId)?.(event));

let nextCall = 0;

/** Rebuild a ScarpError-shaped error from what crossed IPC. */
function unwrap(e: unknown): never {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /(\{"scarpError".*\})\s*$/.exec(msg);
  if (m) {
    const info = JSON.parse(m[1]!).scarpError as { code: string; message: string; hint?: string; file?: string };
    throw Object.assign(new Error(info.message), info);
  }
  throw e;
}

/** A signal as the renderer hands it over: a plain object whose functions contextBridge proxies. */
interface SignalLike {
  aborted?: boolean;
  addEventListener?: (type: 'abort', listener: () => void) => void;
}

export function buildApi(): Record<ApiMethodName, (...args: unknown[]) => Promise<unknown>> {
  const api = {} as Record<ApiMethodName, (...args: unknown[]) => Promise<unknown>>;
  for (const [name, kind] of Object.entries(API_METHODS) as Array<[ApiMethodName, 'call' | 'stream']>) {
    api[name] =
      kind === 'stream'
        ? async (request: unknown, onProgress?: unknown, signal?: unknown) => {
            const callId = `c${++nextCall}`;
            if (typeof onProgress === 'function') progressListeners.set(callId, onProgress as Listener);
            const s = signal as SignalLike | undefined;
            s?.addEventListener?.('abort', () => ipcRenderer.send(CANCEL_CHANNEL, callId));
            try {
              return await ipcRenderer.invoke(apiChannel(name), callId, request);
            } catch (e) {
              return unwrap(e);
            } finally {
              progressListeners.delete(callId);
            }
          }
        : async (...args: unknown[]) => {
            try {
              return await ipcRenderer.invoke(apiChannel(name), ...args);
            } catch (e) {
              return unwrap(e);
            }
          };
  }
  return api;
}

export function buildShell(): ShellBridge {
  return {
    chooseFile: (options) => ipcRenderer.invoke(shellChannel('chooseFile'), options),
    recentProjects: () => ipcRenderer.invoke(shellChannel('recentProjects')),
    projectOpened: (path) => ipcRenderer.invoke(shellChannel('projectOpened'), path),
    setMenuLabels: (labels) => ipcRenderer.invoke(shellChannel('setMenuLabels'), labels),
    onMenuCommand(listener) {
      const h = (_e: IpcRendererEvent, command: MenuCommand, arg?: string): void => listener(command, arg);
      ipcRenderer.on(MENU_CHANNEL, h);
      return () => ipcRenderer.removeListener(MENU_CHANNEL, h);
    },
  };
}

contextBridge.exposeInMainWorld('scarp', buildApi());
contextBridge.exposeInMainWorld('scarpShell', buildShell());
