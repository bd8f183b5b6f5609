/**
 * The one way the UI reaches the backend: `window.scarp` when the Electron preload provides it,
 * otherwise the HTTP/WebSocket client of browser mode. Chosen once at start-up.
 */
import type { ScarpApi } from '@shared/api';
import type { ShellBridge } from '@shared/shell';
import { API_METHODS } from '@shared/api-methods';
import { createHttpApi } from './http-client';
import './bridge';

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
 * The app's own controls for the request fields an error's hint refers to (`options`, docs/errors.md):
 * the UI names these where the CLI would name its flags.
 */
const OPTION_CONTROLS: Record<string, string> = {
  overwrite: 'the “Replace an existing file” switch',
  crs: 'the coordinate system choice',
  dem: 'Add DEM… on the Project panel',
  image: 'Add imagery… on the Project panel',
  model: 'the model choice on the Detect panel',
  'no-tta': 'the “Test-time flips” box on the Detect panel',
  'format-probability': 'the format “Probability (COG)”',
  'format-gpkg': 'the format “GeoPackage”',
  'detect-project': 'the Detect panel',
};

/** A user-facing message from any error thrown by the api: what happened, what to do, and with which control. */
export function describeError(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) {
    const { message, hint, options } = e as { message: string; hint?: string; options?: unknown };
    const controls = (Array.isArray(options) ? options : []).map((o) => OPTION_CONTROLS[String(o)]).filter((c): c is string => !!c);
    const where = controls.length ? ` (${controls.join('; ')})` : '';
    return `${message}${hint ? ` — ${hint}${where}` : where}`;
  }
  return String(e);
}
