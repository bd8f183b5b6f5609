/**
 * What the Electron preload exposes (contextBridge): `window.scarp` is exactly the ScarpApi
 * methods; `window.scarpShell` is the native side of the shell (dialogs, menu commands). The
 * browser door provides the same two objects over HTTP/WebSocket.
 */
import type { ScarpApi } from '@shared/api';
import type { ShellBridge } from '@shared/shell';

declare global {
  interface Window {
    scarp?: ScarpApi;
    scarpShell?: ShellBridge;
  }
}

export {};
