/**
 * Browser mode: the ScarpService behind a local HTTP + WebSocket server on 127.0.0.1.
 *
 *   GET  /?token=…                 first visit: sets the session cookie, redirects to /
 *   GET  /…                        the built renderer (out/renderer)
 *   POST /api/rpc/<method>         {"args": [...]} → {"ok": true, "result"} | {"ok": false, "error"}
 *   POST /api/fs/list              {"path"?} → folder listing inside the allowed roots
 *   GET  /api/session              door information (tile base, roots)
 *   GET  /tiles/<layer>/<z>/<x>/<y>.png    map tiles (basemaps: .png/.jpg/.webp/.mvt as stored)
 *   WS   /api/ws                   stream methods (detect): progress events and cancellation
 *
 * Every request needs the cookie (or `Authorization: Bearer <token>`), the Host 127.0.0.1:<port>,
 * and no foreign Origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { homedir } from 'node:os';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ScarpApi } from '../../src-shared/api';
import { API_METHODS, isApiMethod } from '../../src-shared/api-methods';
import { ScarpError, errorInfoOf, type ScarpErrorInfo } from '../../src-shared/errors';
import type { TileService } from '../core/tiles';
import { createGuard, type Guard } from './security';
import { AllowedRoots, checkRequestPaths } from './files';
import { createDetectionQueue, type DetectionQueueOptions } from './detection-queue';

export interface ServerBackend extends ScarpApi {
  layers: { tiles: TileService };
}

export interface ScarpServerOptions {
  service: ServerBackend;
  /** 0 picks a free port. */
  port?: number;
  /** Folders the file browser and API paths may use, besides the home folder. */
  allowDirs?: string[];
  /** Leave the home folder out of the allowed roots (tests). */
  noHome?: boolean;
  /** The allowed folders, when the caller made them (to give the same to the service: allowedRoots). Else from allowDirs/noHome. */
  roots?: AllowedRoots;
  /** Limits of the detection queue (default: one at a time, a few waiting, the memory budget). */
  detections?: DetectionQueueOptions;
  /** The built renderer (default out/renderer). */
  rendererDir?: string;
  token?: string;
}

export interface ScarpServer {
  url: string;
  /** The URL to open: url + ?token=… */
  launchUrl: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

const HOST = '127.0.0.1';
const MAX_BODY = 4 * 1024 * 1024;

export const errorInfo = errorInfoOf;

function statusOf(info: ScarpErrorInfo): number {
  switch (info.code) {
    case 'INVALID_ARGUMENT':
      return 400;
    case 'FILE_NOT_FOUND':
      return 404;
    case 'INTERNAL':
      return 500;
    default:
      return 422;
  }
}

function csp(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    "script-src 'self'",
    // naive-ui injects component styles at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'Cache-Control': 'no-store' });
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ScarpError({ code: 'INVALID_ARGUMENT', message: 'Request body too large.' }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (chunks.length === 0) return resolveBody({});
      try {
        resolveBody(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new ScarpError({ code: 'INVALID_ARGUMENT', message: 'Request body is not JSON.' }));
      }
    });
    req.on('error', reject);
  });
}

/** The folders a server may use: home (unless noHome) and allowDirs. */
export function allowedRoots(opts: { allowDirs?: string[]; noHome?: boolean }): AllowedRoots {
  return new AllowedRoots([...(opts.noHome ? [] : [homedir()]), ...(opts.allowDirs ?? [])]);
}

/** Exactly application/json (parameters such as charset allowed): `application/json-evil` is not JSON. */
export function isJsonContentType(header: string | undefined): boolean {
  return (header ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** Stream methods that run a detection: through the detection queue (detection-queue.ts). */
const DETECTION_METHODS = new Set(['detect', 'detectChange', 'detectBareGround', 'resumeDetection', 'adaptModel']);

interface WsCall {
  type: 'call';
  id: number;
  method: string;
  args?: unknown[];
}

export async function startScarpServer(opts: ScarpServerOptions): Promise<ScarpServer> {
  const service = opts.service;
  const rendererDir = resolve(opts.rendererDir ?? 'out/renderer');
  const roots = opts.roots ?? allowedRoots(opts);
  let guard: Guard | null = null;

  const detections = createDetectionQueue(opts.detections);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const g = guard!;
    const refused = g.refuseReason(req);
    if (refused) return send(res, 403, `Refused: ${refused}.`);
    const url = new URL(req.url ?? '/', g.origin);
    const token = url.searchParams.get('token');
    if (token !== null && req.method === 'GET') {
      if (!g.isToken(token)) return send(res, 401, 'Wrong token. Open the address printed by `npm run serve`.');
      url.searchParams.delete('token');
      return send(res, 303, '', 'text/plain', { 'Set-Cookie': g.cookieHeader(), Location: url.pathname + url.search, 'Cache-Control': 'no-store' });
    }
    if (!g.authenticated(req)) return send(res, 401, 'Not signed in. Open the address printed by `npm run serve` (it carries the token).');

    const path = url.pathname;
    if (path.startsWith('/api/')) {
      if (path === '/api/session' && req.method === 'GET') {
        return sendJson(res, 200, { door: 'http', tileBase: `${g.origin}/tiles`, roots: roots.roots, methods: Object.keys(API_METHODS) });
      }
      if (req.method !== 'POST') return send(res, 405, 'Use POST.');
      // A JSON content type cannot be sent cross-origin without a CORS preflight (which we never answer).
      if (!isJsonContentType(req.headers['content-type'])) return sendJson(res, 415, { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'Content-Type must be application/json.' } });
      try {
        const body = (await readBody(req)) as { args?: unknown[]; path?: string };
        if (path === '/api/fs/list') return sendJson(res, 200, { ok: true, result: await roots.list(body.path) });
        const m = /^\/api\/rpc\/([A-Za-z]+)$/.exec(path);
        if (!m || !isApiMethod(m[1])) return sendJson(res, 404, { ok: false, error: { code: 'INVALID_ARGUMENT', message: `No API method ${m?.[1] ?? path}.` } });
        const args = Array.isArray(body.args) ? body.args : [];
        await checkRequestPaths(roots, args);
        const fn = (service as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m[1]]!;
        // Stream methods called over HTTP run without progress (use the WebSocket for progress/cancel).
        const method = m[1];
        const call = (): Promise<unknown> => fn.apply(service, API_METHODS[method] === 'stream' ? [args[0]] : args);
        const result = await (DETECTION_METHODS.has(method) ? detections.run(call) : call());
        return sendJson(res, 200, { ok: true, result: result ?? null });
      } catch (e) {
        const info = errorInfo(e);
        return sendJson(res, statusOf(info), { ok: false, error: info });
      }
    }

    // Rendered layers (.png) and offline basemaps (.png/.jpg/.webp/.mvt, as stored in the user's file).
    const tile = /^\/tiles\/([0-9a-f]{16})\/(\d+)\/(\d+)\/(\d+)\.(png|jpg|webp|mvt)$/.exec(path);
    if (tile) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.');
      try {
        const t = await service.layers.tiles.tileData(tile[1]!, Number(tile[2]), Number(tile[3]), Number(tile[4]));
        if (!t) return send(res, 404, 'No such tile or layer.');
        return send(res, 200, t.data, t.contentType, { 'Cache-Control': 'private, max-age=3600' });
      } catch (e) {
        return send(res, 500, errorInfo(e).message);
      }
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.');
    let file = normalize(join(rendererDir, decodeURIComponent(path)));
    if (!file.startsWith(rendererDir + sep) && file !== rendererDir) return send(res, 403, 'Refused.');
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(rendererDir, 'index.html');
    if (!existsSync(file)) return send(res, 503, 'The renderer is not built: run `npm run build` (or `npx electron-vite build`).');
    const ext = extname(file);
    const headers: Record<string, string> = { 'Cache-Control': ext === '.html' ? 'no-store' : 'private, max-age=600' };
    if (ext === '.html') {
      headers['Content-Security-Policy'] = csp(g.origin);
      headers['X-Frame-Options'] = 'DENY';
    }
    return send(res, 200, readFileSync(file), MIME[ext] ?? 'application/octet-stream', headers);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, errorInfo(e).message);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  server.on('upgrade', (req, socket, head) => {
    // Nothing a client sends may throw out of here: an exception in this listener ends the process.
    socket.on('error', () => socket.destroy());
    try {
      const g = guard!;
      let pathname = '';
      try {
        pathname = new URL(req.url ?? '/', g.origin).pathname;
      } catch {
        pathname = '';
      }
      const refused = g.refuseReason(req) ?? (g.authenticated(req) ? null : 'not signed in');
      if (refused || pathname !== '/api/ws') {
        socket.end(`HTTP/1.1 ${refused === 'not signed in' ? '401 Unauthorized' : refused ? '403 Forbidden' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
    } catch {
      socket.destroy();
    }
  });

  const onSocket = (ws: WebSocket): void => {
    // A frame over maxPayload, a bad frame: ws reports it here; without a listener it would end the process.
    ws.on('error', () => ws.terminate());
    const running = new Map<number, AbortController>();
    const reply = (msg: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    ws.on('message', (raw) => {
      void onMessage(raw).catch(() => undefined);
    });
    const onMessage = async (raw: unknown): Promise<void> => {
      let msg: WsCall | { type: 'cancel'; id: number };
      try {
        msg = JSON.parse(String(raw)) as typeof msg;
      } catch {
        return;
      }
      // `null`, numbers, arrays: not a message.
      if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return;
      if (msg.type === 'cancel') {
        running.get(msg.id)?.abort();
        return;
      }
      if (msg.type !== 'call' || typeof msg.id !== 'number') return;
      const { id, method } = msg;
      if (!isApiMethod(method)) return reply({ type: 'error', id, error: { code: 'INVALID_ARGUMENT', message: `No API method ${String(method)}.` } });
      const ac = new AbortController();
      running.set(id, ac);
      try {
        const args = Array.isArray(msg.args) ? msg.args : [];
        await checkRequestPaths(roots, args);
        const fn = (service as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
        let last = 0;
        const onProgress = (event: unknown): void => {
          // At most ~20 progress messages a second.
          const now = Date.now();
          if (now - last < 50) return;
          last = now;
          reply({ type: 'progress', id, event });
        };
        const call = (): Promise<unknown> => (API_METHODS[method] === 'stream' ? fn.call(service, args[0], onProgress, ac.signal) : fn.apply(service, args));
        const result = await (DETECTION_METHODS.has(method) ? detections.run(call) : call());
        reply({ type: 'result', id, result: result ?? null });
      } catch (e) {
        reply({ type: 'error', id, error: errorInfo(e) });
      } finally {
        running.delete(id);
      }
    };
    ws.on('close', () => {
      for (const ac of running.values()) ac.abort();
      running.clear();
    });
  };

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, HOST, () => ok());
  });
  const port = (server.address() as { port: number }).port;
  guard = createGuard(HOST, port, opts.token);
  const url = `http://${HOST}:${port}`;
  return {
    url,
    launchUrl: `${url}/?token=${guard.token}`,
    port,
    token: guard.token,
    server,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
