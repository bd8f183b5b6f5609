/**
 * The scarp:// protocol: scarp://app/ serves the built renderer and scarp://app/tiles/<layer>/<z>/<x>/<y>.png
 * the map tiles (never file://). Registered as standard + secure so the page is a secure context.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { TileService } from '../core/tiles';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: scarp:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self' scarp:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Answer one scarp:// request. */
export async function handleScarpRequest(request: Request, rendererDir: string, tiles: TileService): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== 'app') return new Response('Not found', { status: 404 });
  const t = /^\/tiles\/([0-9a-f]{16})\/(\d+)\/(\d+)\/(\d+)\.(png|jpg|webp|mvt)$/.exec(url.pathname);
  if (t) {
    try {
      const tile = await tiles.tileData(t[1]!, Number(t[2]), Number(t[3]), Number(t[4]));
      if (!tile) return new Response('No such tile', { status: 404 });
      return new Response(new Uint8Array(tile.data), { headers: { 'Content-Type': tile.contentType, 'Cache-Control': 'private, max-age=3600' } });
    } catch (e) {
      return new Response(e instanceof Error ? e.message : String(e), { status: 500 });
    }
  }
  let file = normalize(join(rendererDir, decodeURIComponent(url.pathname)));
  if (!file.startsWith(rendererDir + sep)) return new Response('Refused', { status: 403 });
  if (!existsSync(file) || url.pathname === '/') file = join(rendererDir, 'index.html');
  const ext = extname(file);
  const headers: Record<string, string> = { 'Content-Type': MIME[ext] ?? 'application/octet-stream', 'X-Content-Type-Options': 'nosniff' };
  if (ext === '.html') headers['Content-Security-Policy'] = CSP;
  return new Response(readFileSync(file), { headers });
}
