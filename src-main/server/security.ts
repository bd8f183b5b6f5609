/**
 * Browser-mode security: a random per-launch token, exchanged once for an HttpOnly SameSite=Strict
 * cookie; Host must be the loopback address and port we bound (no DNS rebinding); a foreign Origin
 * (or a cross-site fetch) is refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'scarp_session';

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const raw = part.slice(i + 1).trim();
    // A bad %-escape from a client is kept as it came (never thrown: it would end the process on an upgrade).
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      /* keep raw */
    }
    out[part.slice(0, i).trim()] = value;
  }
  return out;
}

export interface Guard {
  readonly token: string;
  /** The one origin allowed, e.g. http://127.0.0.1:5173. */
  readonly origin: string;
  /** Why a request must be refused (host/origin), or null. */
  refuseReason(req: IncomingMessage): string | null;
  /** Whether the request carries the session cookie or the bearer token. */
  authenticated(req: IncomingMessage): boolean;
  /** Whether `value` is the launch token (the ?token= query). */
  isToken(value: string | null | undefined): boolean;
  cookieHeader(): string;
}

export function createGuard(host: string, port: number, token = newToken()): Guard {
  const hostPort = `${host}:${port}`;
  const origin = `http://${hostPort}`;
  return {
    token,
    origin,
    refuseReason(req) {
      if (req.headers.host !== hostPort) return `Host must be ${hostPort}`;
      const o = req.headers.origin;
      if (o !== undefined && o !== origin) return `Origin ${o} is not allowed`;
      const site = req.headers['sec-fetch-site'];
      if (site === 'cross-site') return 'cross-site requests are not allowed';
      return null;
    },
    authenticated(req) {
      const c = parseCookies(req.headers.cookie)[COOKIE_NAME];
      if (c && safeEqual(c, token)) return true;
      const auth = req.headers.authorization;
      if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7).trim(), token)) return true;
      return false;
    },
    isToken(value) {
      return typeof value === 'string' && safeEqual(value, token);
    },
    cookieHeader() {
      return `${COOKIE_NAME}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    },
  };
}
