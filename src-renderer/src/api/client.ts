/**
 * The one way the UI reaches the backend: `window.scarp` when the Electron preload provides it,
 * otherwise the HTTP/WebSocket client of browser mode. Chosen once at start-up.
 */
import type { ScarpApi } from '@shared/api';
import type { ShellBridge } from '@shared/shell';
import { API_METHODS } from '@shared/api-methods';
import { createHttpApi } from './http-client';
import './bridge';
import { hasOwn, language, t, te } from '../i18n';

export type Door = 'electron' | 'http';

export const door: Door = typeof window !== 'undefined' && window.scarp ? 'electron' : 'http';

/**
 * An AbortSignal cannot cross contextBridge: stream methods get a plain object whose
 * `addEventListener` function the bridge proxies to the preload.
 */
function electronApi(bridge: ScarpApi): ScarpApi {
  const api: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(API_METHODS)) {
    const fn = (bridge as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!;
    api[name] =
      kind === 'stream'
        ? (req: unknown, onProgress?: unknown, signal?: AbortSignal) =>
            fn(req, onProgress, signal ? { addEventListener: (_t: 'abort', cb: () => void) => signal.addEventListener('abort', cb, { once: true }) } : undefined)
        : (...args: unknown[]) => fn(...args);
  }
  return api as unknown as ScarpApi;
}

export const api: ScarpApi = door === 'electron' ? electronApi(window.scarp!) : createHttpApi();

/** Native shell bridge (Electron); null in the browser, where the in-app file browser is used. */
export const shell: ShellBridge | null = door === 'electron' ? (window.scarpShell ?? null) : null;

/** URL template of a tile layer's XYZ tiles (basemaps: their stored format's extension). */
export function tileUrl(layerId: string, ext: 'png' | 'jpg' | 'webp' | 'mvt' = 'png'): string {
  const base = door === 'electron' ? 'scarp://app/tiles' : `${location.origin}/tiles`;
  return `${base}/${layerId}/{z}/{x}/{y}.${ext}`;
}

/**
 * A user-facing message from any error thrown by the api: what happened, what to do, and with which
 * of the app's controls (the request fields in `options`, docs/errors.md, named where the CLI would
 * name its flags). In English the core's own message and hint; in another language the translation
 * of the error's code (en.ts `errors`) with its file and params, the English original staying in
 * the message log (errorDetail). An error whose code has no translation keeps its English message.
 */
export function describeError(e: unknown): string {
  if (!e || typeof e !== 'object' || !('message' in e)) return String(e);
  const { code, message, hint, file, params, options } = e as { code?: unknown; message: string; hint?: string; file?: string; params?: Record<string, unknown>; options?: unknown };
  const controls = (Array.isArray(options) ? options : []).map((o) => `controls.${String(o)}`).filter((k) => te(k)).map((k) => t(k));
  const where = controls.length ? ` (${controls.join('; ')})` : '';
  const key = typeof code === 'string' ? `errors.${code}` : null;
  if (language() !== 'en' && key && hasOwn(`${key}.message`)) {
    const named = { ...(params ?? {}), file: file ?? (typeof params?.file === 'string' ? params.file : t('errorAny')) };
    return `${t(`${key}.message`, named)} — ${t(`${key}.hint`, named)}${where}`;
  }
  return `${message}${hint ? ` — ${hint}${where}` : where}`;
}

/** The English original of an error shown translated (for the message log); null when shown as is. */
export function errorDetail(e: unknown): string | null {
  if (language() === 'en' || !e || typeof e !== 'object' || !('message' in e)) return null;
  const { code, message, hint } = e as { code?: unknown; message: string; hint?: string };
  return typeof code === 'string' && hasOwn(`errors.${code}.message`) ? `${code}: ${message}${hint ? ` — ${hint}` : ''}` : null;
}
