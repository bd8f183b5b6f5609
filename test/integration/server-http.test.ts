/**
 * Browser-mode server over real HTTP/WebSocket on 127.0.0.1: token → cookie, Host/Origin checks,
 * RPC through the real ScarpService (validation errors come back as they are), the file browser's
 * roots, tiles, and progress + cancellation of stream methods over the WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startScarpServer, type ScarpServer, type ServerBackend } from '../../src-main/server/server';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { tempDir } from '../helpers/data';
import type { ProgressSink } from '../../src-shared/api';
import { ScarpError } from '../../src-shared/errors';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(srv: ScarpServer, path: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  return new Promise((ok, fail) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      { host: '127.0.0.1', port: srv.port, path, method: opts.method ?? 'GET', headers: { Host: `127.0.0.1:${srv.port}`, ...(data ? { 'Content-Type': 'application/json' } : {}), ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', fail);
    if (data) req.write(data);
    req.end();
  });
}

/** A service whose detect emits progress until cancelled (the real one is exercised by the e2e test). */
function withFakeDetect(real: ScarpService): ServerBackend {
  return new Proxy(real, {
    get(target, prop, recv) {
      if (prop === 'detect') {
        return (req: unknown, onProgress?: ProgressSink, signal?: AbortSignal) =>
          new Promise((ok, fail) => {
            let i = 0;
            const t = setInterval(() => {
              i++;
              onProgress?.({ stage: 'infer', done: i, total: 100, etaSeconds: 100 - i });
              if ((req as { image: string }).image.endsWith('quick.tif') && i === 3) {
                clearInterval(t);
                ok({ features: 3 });
              }
            }, 60);
            signal?.addEventListener('abort', () => {
              clearInterval(t);
              fail(new ScarpError({ code: 'CANCELLED', message: 'Detection cancelled.' }));
            });
          });
      }
      return Reflect.get(target, prop, recv);
    },
  }) as ServerBackend;
}

describe('browser-mode server', () => {
  let srv: ScarpServer;
  let tmp: { dir: string; cleanup: () => void };
  let cookie = '';
  let renderer: string;
  beforeAll(async () => {
    tmp = tempDir('server');
    renderer = join(tmp.dir, 'renderer');
    mkdirSync(join(renderer, 'assets'), { recursive: true });
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Scarp</title>');
    writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
    mkdirSync(join(tmp.dir, 'data', 'sub'), { recursive: true });
    writeFileSync(join(tmp.dir, 'data', 'scene.tif'), 'not really a tiff');
    writeFileSync(join(tmp.dir, 'data', 'notes.txt'), 'hidden from the browser');
    srv = await startScarpServer({ service: withFakeDetect(new ScarpService()), allowDirs: [join(tmp.dir, 'data')], noHome: true, rendererDir: renderer });
  });
  afterAll(async () => {
    await srv?.close();
    tmp?.cleanup();
  });

  it('binds to 127.0.0.1 and prints a launch URL with a 48-hex token', () => {
    expect(srv.launchUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    expect((srv.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('refuses everything without the cookie or token', async () => {
    expect((await http(srv, '/')).status).toBe(401);
    expect((await http(srv, '/api/rpc/listModels', { method: 'POST', body: { args: [] } })).status).toBe(401);
    expect((await http(srv, '/?token=deadbeef')).status).toBe(401);
  });

  it('exchanges the token for an HttpOnly SameSite=Strict cookie', async () => {
    const r = await http(srv, `/?token=${srv.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    cookie = set.split(';')[0]!;
    const page = await http(srv, '/', { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect((await http(srv, '/assets/app.js', { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await http(srv, '/../../etc/passwd', { headers: { Cookie: cookie } })).body).not.toMatch(/root:/);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin even with the cookie', async () => {
    expect((await http(srv, '/', { headers: { Cookie: cookie, Host: `localhost:${srv.port}` } })).status).toBe(403);
    expect((await http(srv, '/', { headers: { Cookie: cookie, Host: `evil.example:${srv.port}` } })).status).toBe(403);
    const o = await http(srv, '/api/rpc/listModels', { method: 'POST', body: { args: [] }, headers: { Cookie: cookie, Origin: 'http://evil.example' } });
    expect(o.status).toBe(403);
    const same = await http(srv, '/api/rpc/listModels', { method: 'POST', body: { args: [] }, headers: { Cookie: cookie, Origin: srv.url } });
    expect(same.status).toBe(200);
  });

  it('RPC: results, validation errors from the service, unknown methods, JSON only, bearer token', async () => {
    const models = await http(srv, '/api/rpc/listModels', { method: 'POST', body: { args: [] }, headers: { Authorization: `Bearer ${srv.token}` } });
    expect(models.status).toBe(200);
    expect(JSON.parse(models.body).ok).toBe(true);
    const bad = await http(srv, '/api/rpc/rasterInfo', { method: 'POST', body: { args: [{ path: '' }] }, headers: { Cookie: cookie } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('INVALID_ARGUMENT');
    const missing = await http(srv, '/api/rpc/rasterInfo', { method: 'POST', body: { args: [{ path: join(tmp.dir, 'data', 'nope.tif') }] }, headers: { Cookie: cookie } });
    expect(JSON.parse(missing.body).error.code).toBe('FILE_NOT_FOUND');
    const nope = await http(srv, '/api/rpc/constructor', { method: 'POST', body: { args: [] }, headers: { Cookie: cookie } });
    expect(nope.status).toBe(404);
    const form = await http(srv, '/api/rpc/listModels', { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'text/plain' } });
    expect(form.status).toBe(415);
  });

  it('paths outside the allowed folders are refused; the file browser lists only GIS files there', async () => {
    const out = await http(srv, '/api/rpc/rasterInfo', { method: 'POST', body: { args: [{ path: '/etc/passwd' }] }, headers: { Cookie: cookie } });
    expect(out.status).toBe(400);
    expect(JSON.parse(out.body).error.message).toMatch(/outside the folders/);
    const list = JSON.parse((await http(srv, '/api/fs/list', { method: 'POST', body: {}, headers: { Cookie: cookie } })).body);
    expect(list.ok).toBe(true);
    expect(list.result.entries.map((e: { name: string }) => e.name)).toEqual(['sub', 'scene.tif']);
    expect(list.result.parent).toBeNull();
    const up = JSON.parse((await http(srv, '/api/fs/list', { method: 'POST', body: { path: join(tmp.dir, 'data', '..') }, headers: { Cookie: cookie } })).body);
    expect(up.ok).toBe(false);
  });

  it('tiles: 404 for unknown layers and malformed paths', async () => {
    expect((await http(srv, '/tiles/0123456789abcdef/1/0/0.png', { headers: { Cookie: cookie } })).status).toBe(404);
  });

  function ws(headers: Record<string, string>): WebSocket {
    return new WebSocket(`ws://127.0.0.1:${srv.port}/api/ws`, { headers: { Host: `127.0.0.1:${srv.port}`, ...headers } });
  }

  it('WebSocket: refused without the cookie or with a foreign Origin', async () => {
    for (const h of [{}, { Cookie: cookie, Origin: 'http://evil.example' }] as Array<Record<string, string>>) {
      const s = ws(h);
      const res = await new Promise<string>((ok) => {
        s.on('open', () => ok('open'));
        s.on('unexpected-response', (_q, r) => ok(String(r.statusCode)));
        s.on('error', () => ok('error'));
      });
      expect(res).not.toBe('open');
      s.terminate();
    }
  });

  it('WebSocket: progress events, result, and cancellation of a long call', async () => {
    const s = ws({ Cookie: cookie, Origin: srv.url });
    await new Promise((ok) => s.on('open', ok));
    const events: Array<{ type: string; id: number; event?: { done: number }; result?: unknown; error?: { code: string } }> = [];
    s.on('message', (m) => events.push(JSON.parse(String(m))));
    s.send(JSON.stringify({ type: 'call', id: 1, method: 'detect', args: [{ image: join(tmp.dir, 'data', 'quick.tif') }] }));
    s.send(JSON.stringify({ type: 'call', id: 2, method: 'detect', args: [{ image: join(tmp.dir, 'data', 'slow.tif') }] }));
    await new Promise((ok) => setTimeout(ok, 400));
    s.send(JSON.stringify({ type: 'cancel', id: 2 }));
    await new Promise((ok) => setTimeout(ok, 200));
    s.close();
    expect(events.filter((e) => e.id === 1 && e.type === 'progress').length).toBeGreaterThan(0);
    expect(events.find((e) => e.id === 1 && e.type === 'result')?.result).toEqual({ features: 3 });
    expect(events.find((e) => e.id === 2 && e.type === 'error')?.error?.code).toBe('CANCELLED');
  });
});
