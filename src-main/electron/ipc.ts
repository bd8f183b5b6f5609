/**
 * IPC handlers: one per ScarpApi method (forwarded to the one ScarpService) and per shell method.
 * Every message's sender is checked: the main window's own web contents, with its top frame on
 * scarp://app. Stream methods (detect, exports) report progress on PROGRESS_CHANNEL and are
 * cancelled with CANCEL_CHANNEL.
 */
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ScarpApi } from '../../src-shared/api';
import { API_METHODS, type ApiMethodName } from '../../src-shared/api-methods';
import type { ChooseFileOptions, MenuLabels } from '../../src-shared/shell';
import { isScarpError } from '../../src-shared/errors';
import { APP_ORIGIN, CANCEL_CHANNEL, PROGRESS_CHANNEL, apiChannel, shellChannel } from './channels';

export interface ShellHandlers {
  chooseFile(options: ChooseFileOptions): Promise<string | null>;
  recentProjects(): Promise<string[]>;
  projectOpened(path: string): Promise<void>;
  setMenuLabels(labels: MenuLabels): Promise<void>;
}

/** Whether an IPC event comes from our app page in a trusted web contents. */
export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, trusted: () => WebContents | null): boolean {
  const wc = trusted();
  if (!wc || event.sender !== wc) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  try {
    const u = new URL(frame.url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Errors cross IPC as plain objects with the ScarpError fields (Electron keeps only `message`). */
function serialise(e: unknown): Error {
  if (isScarpError(e)) return new Error(JSON.stringify({ scarpError: e.toJSON() }));
  return new Error(JSON.stringify({ scarpError: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } }));
}

export function registerIpc(ipcMain: IpcMain, service: ScarpApi, shell: ShellHandlers, trusted: () => WebContents | null): () => void {
  const running = new Map<string, AbortController>();
  const channels: string[] = [];
  const refuse = (): never => {
    throw new Error('Refused: IPC from an untrusted sender.');
  };

  for (const [name, kind] of Object.entries(API_METHODS) as Array<[ApiMethodName, 'call' | 'stream']>) {
    const fn = (service as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
    const ch = apiChannel(name);
    channels.push(ch);
    ipcMain.handle(ch, async (event, ...args: unknown[]) => {
      if (!isTrustedSender(event, trusted)) refuse();
      if (typeof fn !== 'function') throw serialise(new Error(`${name} is not implemented`));
      try {
        if (kind === 'stream') {
          const [callId, request] = args as [string, unknown];
          const ac = new AbortController();
          running.set(callId, ac);
          let last = 0;
          try {
            return await fn.call(service, request, (e: unknown) => {
              const now = Date.now();
              if (now - last < 50) return;
              last = now;
              if (!event.sender.isDestroyed()) event.sender.send(PROGRESS_CHANNEL, callId, e);
            }, ac.signal);
          } finally {
            running.delete(callId);
          }
        }
        return await fn.apply(service, args);
      } catch (e) {
        throw serialise(e);
      }
    });
  }

  const onCancel = (event: IpcMainEvent, callId: unknown): void => {
    if (!isTrustedSender(event, trusted) || typeof callId !== 'string') return;
    running.get(callId)?.abort();
  };
  ipcMain.on(CANCEL_CHANNEL, onCancel);

  const shellMethods: Array<[string, (...a: never[]) => Promise<unknown>]> = [
    ['chooseFile', shell.chooseFile],
    ['recentProjects', shell.recentProjects],
    ['projectOpened', shell.projectOpened],
    ['setMenuLabels', shell.setMenuLabels],
  ];
  for (const [name, fn] of shellMethods) {
    const ch = shellChannel(name);
    channels.push(ch);
    ipcMain.handle(ch, async (event, ...args: unknown[]) => {
      if (!isTrustedSender(event, trusted)) refuse();
      return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
    });
  }

  return () => {
    for (const ch of channels) ipcMain.removeHandler(ch);
    ipcMain.removeListener(CANCEL_CHANNEL, onCancel);
    for (const ac of running.values()) ac.abort();
  };
}
