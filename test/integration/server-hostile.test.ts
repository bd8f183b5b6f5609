/**
 * The browser-mode server treats every byte from a client as hostile: malformed upgrade targets,
 * bad cookie escapes, `null` and oversized WebSocket messages, near-JSON content types and a burst of
 * malformed requests (with and without the token) never end the process; it answers afterwards.
 */
import { connect } from 'node:net';
import { request } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScarpServer, isJsonContentType, type ScarpServer } from '../../src-main/server/server';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { parseCookies } from '../../src-main/server/security';
import { rng } from '../fuzz/corpus';

/** Send raw bytes, return whatever comes back (or nothing) once the server closes or goes quiet. */
function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((done) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', () => done(got));
    s.on('close', () => done(got));
    s.on('connect', () => {
      s.write(bytes);
      s.end();
    });
    s.setTimeout(5000, () => s.destroy());
  });
}

function alive(srv: ScarpServer): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: srv.port, path: '/api/session', headers: { Host: `127.0.0.1:${srv.port}`, Authorization: `Bearer ${srv.token}` } }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('browser-mode server under hostile requests', () => {
  let srv: ScarpServer;
  beforeAll(async () => {
    srv = await startScarpServer({ service: new ScarpService(), noHome: true });
  });
  afterAll(async () => {
    await srv.close();
  });
  const host = (): string => `127.0.0.1:${srv.port}`;
  const cookie = (): string => `scarp_session=${srv.token}`;

  it('parses cookies with bad escapes without throwing; content types must be exactly JSON', () => {
    expect(parseCookies('a=%E0%A4%A; b=%')).toEqual({ a: '%E0%A4%A', b: '%' });
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/json-evil')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });

  it('survives bad upgrade targets and cookie escapes, with and without the token', async () => {
    const upgrade = (target: string, extra = ''): string =>
      `GET ${target} HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
    for (const target of ['http://[::1', '//[', '/api/ws?%%%', '*', 'http://127.0.0.1:1/api/ws', '/../../etc/passwd']) {
      await raw(srv.port, upgrade(target));
      await raw(srv.port, upgrade(target, `Cookie: ${cookie()}\r\n`));
    }
    await raw(srv.port, upgrade('/api/ws', 'Cookie: scarp_session=%E0%A4%A\r\n'));
    await raw(srv.port, upgrade('/api/ws', `Cookie: x=%; ${cookie()}\r\n`));
    expect(await alive(srv)).toBe(200);
  });

  it('survives null, non-object and oversized WebSocket messages', async () => {
    const ws = new WebSocket(`ws://${host()}/api/ws`, { headers: { Cookie: cookie(), Origin: `http://${host()}` } });
    await new Promise((ok, fail) => {
      ws.once('open', ok);
      ws.once('error', fail);
    });
    for (const m of ['null', '42', '[]', '"x"', '{"type":"call"}', '{"type":"call","id":1,"method":"detect","args":null}', '{"type":"cancel"}', '{', '\u0000']) ws.send(m);
    const closed = new Promise((ok) => ws.once('close', ok));
    ws.send(Buffer.alloc(5 * 2 ** 20, 0x20));
    await closed;
    expect(await alive(srv)).toBe(200);
  });

  it('answers after a seeded burst of 1,000 malformed HTTP and WebSocket requests', async () => {
    const r = rng(7);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'BREW', '', 'G\u0000T'];
    const paths = ['/', '/api/rpc/detect', '/api/rpc/rasterInfo', '/api/fs/list', '/api/ws', '/tiles/zzzz/1/2/3.png', '/%', '/%E0%A4%A', 'http://[::1', '*', '/api/rpc/' + 'a'.repeat(5000)];
    const headers = [`Host: ${host()}\r\n`, 'Host: evil\r\n', `Host: ${host()}\r\nOrigin: http://evil\r\n`, `Host: ${host()}\r\nCookie: ${cookie()}\r\n`, `Host: ${host()}\r\nAuthorization: Bearer ${srv.token}\r\n`, `Host: ${host()}\r\nCookie: scarp_session=%\r\n`];
    const types = ['application/json', 'application/json-evil', 'text/plain', '', 'application/json; charset=%'];
    const bodies = ['', '{}', 'null', '{"args":[null]}', '{"args":[{"path":"/proc/self/mem"}]}', '{"args":[{"image":"/dev/zero"}]}', '{'.repeat(10000), '\u0000\u0001\u0002'];
    for (let i = 0; i < 1000; i++) {
      const body = pick(bodies);
      const upgrade = r() < 0.2 ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' : '';
      const req = `${pick(methods)} ${pick(paths)} HTTP/1.1\r\n${pick(headers)}Content-Type: ${pick(types)}\r\nContent-Length: ${r() < 0.1 ? 99999 : Buffer.byteLength(body)}\r\n${upgrade}\r\n${body}`;
      await raw(srv.port, r() < 0.1 ? req.slice(0, Math.floor(r() * req.length)) : req);
    }
    expect(await alive(srv)).toBe(200);
  });
});
