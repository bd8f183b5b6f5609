/**
 * The browser door: ScarpApi over the local server (HTTP POST for calls, one WebSocket for stream
 * methods with progress and cancellation). Authentication is the HttpOnly session cookie the
 * server set when the launch URL was opened.
 */
import type { ProgressEvent, ScarpApi } from '@shared/api';
import { API_METHODS, type ApiMethodName } from '@shared/api-methods';
import type { ScarpErrorInfo } from '@shared/errors';
import type { FileEntry, FileListing } from '@shared/files';

export class ApiError extends Error implements ScarpErrorInfo {
  code: ScarpErrorInfo['code'];
  hint?: string;
  file?: string;
  params?: ScarpErrorInfo['params'];
  options?: string[];
  constructor(info: ScarpErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    this.hint = info.hint;
    this.file = info.file;
    this.params = info.params;
    this.options = info.options;
  }
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  let payload: { ok: boolean; result?: T; error?: ScarpErrorInfo };
  try {
    payload = await res.json();
  } catch {
    throw new ApiError({ code: 'INTERNAL', message: `${res.status} ${res.statusText}: ${path}` });
  }
  if (!payload.ok) throw new ApiError(payload.error ?? { code: 'INTERNAL', message: 'Unknown error' });
  return payload.result as T;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (e: ProgressEvent) => void;
}

class StreamSocket {
  private ws: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private connect(): Promise<WebSocket> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve(this.ws);
    if (this.opening) return this.opening;
    this.opening = new Promise((ok, fail) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`);
      ws.onopen = () => {
        this.ws = ws;
        this.opening = null;
        ok(ws);
      };
      ws.onerror = () => {
        this.opening = null;
        fail(new ApiError({ code: 'INTERNAL', message: 'Lost the connection to the Scarp server.' }));
      };
      ws.onclose = () => {
        this.ws = null;
        for (const p of this.pending.values()) p.reject(new ApiError({ code: 'INTERNAL', message: 'The connection to the Scarp server closed.' }));
        this.pending.clear();
      };
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as { type: string; id: number; event?: ProgressEvent; result?: unknown; error?: ScarpErrorInfo };
        const p = this.pending.get(msg.id);
        if (!p) return;
        if (msg.type === 'progress' && msg.event) p.onProgress?.(msg.event);
        else if (msg.type === 'result') {
          this.pending.delete(msg.id);
          p.resolve(msg.result);
        } else if (msg.type === 'error') {
          this.pending.delete(msg.id);
          p.reject(new ApiError(msg.error!));
        }
      };
    });
    return this.opening;
  }

  async call(method: string, args: unknown[], onProgress?: (e: ProgressEvent) => void, signal?: AbortSignal): Promise<unknown> {
    const ws = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      signal?.addEventListener('abort', () => ws.send(JSON.stringify({ type: 'cancel', id })), { once: true });
      ws.send(JSON.stringify({ type: 'call', id, method, args }));
    });
  }
}

export function createHttpApi(): ScarpApi {
  const socket = new StreamSocket();
  const api: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(API_METHODS) as Array<[ApiMethodName, 'call' | 'stream']>) {
    api[name] =
      kind === 'stream'
        ? (request: unknown, onProgress?: (e: ProgressEvent) => void, signal?: AbortSignal) => socket.call(name, [request], onProgress, signal)
        : (...args: unknown[]) => post(`/api/rpc/${name}`, { args });
  }
  return api as unknown as ScarpApi;
}

export type { FileEntry, FileListing };

export function listFiles(path?: string): Promise<FileListing> {
  return post<FileListing>('/api/fs/list', { path });
}
