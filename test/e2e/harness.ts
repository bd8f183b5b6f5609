/**
 * E2E harness: builds the renderer when needed, starts `npm run serve` as a child process (the real
 * command, printing its one line), and launches Debian Chromium through playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { SceneInfo } from '../../src-shared/api';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { dataPath } from '../helpers/data';
import { gdal } from '../helpers/gdal';
import { repoRoot } from '../../src-main/core/paths';
import { ensureNodeBuild } from '../../scripts/build-node.mjs';

export const CHROMIUM = process.env.SCARP_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing (apt-get install chromium).`);

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Build the renderer (electron-vite) unless out/renderer is newer than every renderer source. */
export function ensureRendererBuilt(): void {
  if (existsSync(resolve(repoRoot, 'out/renderer/index.html')) && process.env.SCARP_E2E_REBUILD !== '1') {
    const src = spawnSync('find', [resolve(repoRoot, 'src-renderer'), resolve(repoRoot, 'src-shared'), '-newer', resolve(repoRoot, 'out/renderer/index.html'), '-type', 'f'], { encoding: 'utf8' });
    if (src.stdout.trim() === '') return;
  }
  const r = spawnSync(process.execPath, [resolve(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface Served {
  url: string;
  child: ChildProcess;
  stderr: string[];
  stop(): Promise<void>;
}

/** Start `npm run serve -- --allow-dir …` (the built server, out/node/server.js, as the script runs it) and wait for its one line. */
export async function startServe(allowDirs: string[], env: Record<string, string> = {}): Promise<Served> {
  const args = [resolve(await ensureNodeBuild({ quiet: true }), 'server.js'), '--no-build', ...allowDirs.flatMap((d) => ['--allow-dir', d])];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (d) => stderr.push(String(d)));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const t = setTimeout(() => fail(new Error(`serve did not start: ${stderr.join('')}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /^Scarp is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        ok(m[1]!);
      }
    });
    child.on('exit', (c) => fail(new Error(`serve exited with ${c}: ${stderr.join('')}`)));
  });
  return {
    url,
    child,
    stderr,
    stop: () =>
      new Promise((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Count pixels that differ between two PNG screenshots (decoded by the page itself, no PNG library needed). */
export async function diffPixels(page: Page, a: Buffer, b: Buffer): Promise<number> {
  return (await diffRegion(page, a, b)).differ;
}

/**
 * Pixels of two PNG screenshots that differ by more than 30 (sum over R, G, B), in columns [x0, x1)
 * and rows from y0 (the whole image by default), and how many pixels were compared.
 */
export async function diffRegion(page: Page, a: Buffer, b: Buffer, region: { x0?: number; x1?: number; y0?: number } = {}): Promise<{ differ: number; compared: number }> {
  return page.evaluate(
    async ([pa, pb, c0, c1, r0]) => {
      const load = async (b64: string): Promise<ImageData> => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const g = c.getContext('2d')!;
        g.drawImage(img, 0, 0);
        return g.getImageData(0, 0, c.width, c.height);
      };
      const [p, q] = await Promise.all([load(pa), load(pb)]);
      let differ = 0;
      let compared = 0;
      for (let y = Math.max(0, r0); y < p.height; y++)
        for (let x = Math.max(0, c0); x < Math.min(p.width, c1); x++) {
          const i = (y * p.width + x) * 4;
          compared++;
          if (Math.abs(p.data[i]! - q.data[i]!) + Math.abs(p.data[i + 1]! - q.data[i + 1]!) + Math.abs(p.data[i + 2]! - q.data[i + 2]!) > 30) differ++;
        }
      return { differ, compared };
    },
    [a.toString('base64'), b.toString('base64'), region.x0 ?? 0, region.x1 ?? Number.MAX_SAFE_INTEGER, region.y0 ?? 0] as const,
  );
}

/** In the in-app file browser (browser mode) that an action opened: go to `dir`, then open `name` there. */
export async function chooseFile(page: Page, dir: string, name: string): Promise<void> {
  const fb = page.getByTestId('file-browser');
  await fb.locator('select.roots').selectOption(dir);
  await expect.poll(() => fb.getByTestId('fb-cwd').textContent()).toBe(dir);
  await fb.getByTestId(`fb-entry-${name}`).click();
  await fb.waitFor({ state: 'detached' });
}

/** Wait until the map has been idle (all tiles loaded and drawn) after `since`. */
export async function waitMapIdle(page: Page, since = Date.now(), timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (t) => {
      const m = (window as unknown as { __scarpMap?: { loaded(): boolean; areTilesLoaded(): boolean } }).__scarpMap;
      const idle = Number(document.querySelector('[data-testid=map]')?.getAttribute('data-idle') ?? 0);
      return !!m && m.loaded() && m.areTilesLoaded() && idle >= t;
    },
    since,
    { timeout, polling: 200 },
  );
}

/** A fresh, empty work folder for one e2e test. */
export function freshWork(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Cut the window [x, y, width, height] of Jinsha site B's `rgb` or `dsm` into `dst` (gdal_translate -srcwin). */
export function cropSiteB(band: 'rgb' | 'dsm', dst: string, win: readonly [number, number, number, number], creation: string[] = []): string {
  gdal('gdal_translate', ['-q', '-srcwin', ...win.map(String), ...creation.flatMap((c) => ['-co', c]), dataPath(`jinsha-uav/siteB_${band}.tif`), dst]);
  return dst;
}

/** Cut the window [x, y, width, height] of the Iburi 2018 pre/post Sentinel-2 pair into `dir` as iburi_pre.tif / iburi_post.tif. */
export function cropIburiPair(dir: string, win: readonly string[]): { pre: string; post: string } {
  const pre = join(dir, 'iburi_pre.tif');
  const post = join(dir, 'iburi_post.tif');
  gdal('gdal_translate', ['-q', '-srcwin', ...win, dataPath('iburi-2018/s2_pre_event_B4B3B2.tif'), pre]);
  gdal('gdal_translate', ['-q', '-srcwin', ...win, dataPath('iburi-2018/s2_post_event_B4B3B2.tif'), post]);
  return { pre, post };
}

export type Ring = Array<[number, number]>;

/** Scene pixel (x, y) in project coordinates, and an axis-aligned pixel box as a polygon's rings. */
export interface ScenePixels {
  at(x: number, y: number): [number, number];
  box(x0: number, y0: number, x1: number, y1: number): Ring[];
  square(x0: number, y0: number, w: number): Ring[];
}

export function scenePixels(scene: Pick<SceneInfo, 'bounds' | 'width'>): ScenePixels {
  const px = (scene.bounds.maxX - scene.bounds.minX) / scene.width;
  const at = (x: number, y: number): [number, number] => [scene.bounds.minX + x * px, scene.bounds.maxY - y * px];
  const box = (x0: number, y0: number, x1: number, y1: number): Ring[] => [[at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)]];
  return { at, box, square: (x0, y0, w) => box(x0, y0, x0 + w, y0 + w) };
}

/**
 * A project at `path` with the scene `image` (none when omitted); `seed` adds its features through the
 * service before the project is closed, so the server opens it fresh.
 */
export async function seedProject<T = void>(opts: {
  path: string;
  image?: string;
  /** The scene's role and acquisition date. */
  role?: 'pre-event' | 'post-event';
  date?: string;
  author?: string;
  seed?: (s: ScarpService, scene: SceneInfo, px: ScenePixels) => Promise<T>;
}): Promise<{ scene: SceneInfo | null; seeded: T | undefined }> {
  const s = new ScarpService();
  await s.createProject({ path: opts.path, author: opts.author ?? 'e2e' });
  const scene = opts.image ? await s.addScene({ path: opts.image, role: opts.role, date: opts.date }) : null;
  const seeded = scene && opts.seed ? await opts.seed(s, scene, scenePixels(scene)) : undefined;
  await s.closeProject();
  return { scene, seeded };
}

/** The app served over `dirs`, a Chromium with a fresh page (its own storage) on the project `path` (header `name`), the page's errors collected. */
export async function openInApp(dirs: string[], path: string, name: string): Promise<{ served: Served; browser: Browser; page: Page; pageErrors: string[] }> {
  ensureRendererBuilt();
  const served = await startServe(dirs);
  const browser = await launch();
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await openProject(page, served, path, name);
  return { served, browser, page, pageErrors };
}

/** Load the app, then open the project `path` through the URL; wait until the header names it. */
export async function openProject(page: Page, served: Served, path: string, name: string): Promise<void> {
  await page.goto(served.url);
  await page.goto(`${new URL(served.url).origin}/?project=${encodeURIComponent(path)}`);
  await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toBe(name);
}

/** Wait until the map has its inventory source (the project's landslides are on the map). */
export async function waitInventorySource(page: Page): Promise<void> {
  await page.waitForFunction(() => !!(window as unknown as { __scarpMap?: { getSource(id: string): unknown } }).__scarpMap?.getSource('inventory'), undefined, { timeout: 30_000 });
}
