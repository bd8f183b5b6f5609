/**
 * Browser mode start-up: `npm run serve` until its one line, the page until MapLibre's first frame
 * (style loaded), and until the first frame with the project's imagery tiles drawn (a project with
 * the full Jinsha site B scene, opened through ?project=). Debian Chromium (SwiftShader WebGL).
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { ensureRendererBuilt, hasChromium, launch, startServe } from '../test/e2e/harness';
import { ScarpService } from '../src-main/core/service/scarp-service';
import { benchTmp, jinshaDir } from './lib/scenes';
import { isMain, round3 } from './lib/timing';

export async function run(): Promise<Record<string, unknown>> {
  const dir = jinshaDir();
  if (!dir || !hasChromium) return { skipped: 'needs ../shared/data/jinsha-uav and /usr/bin/chromium' };
  ensureRendererBuilt();
  const work = join(benchTmp, 'ui-startup');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const project = join(work, 'startup.gpkg');
  const svc = new ScarpService();
  await svc.createProject({ path: project });
  await svc.addScene({ path: join(dir, 'siteB_rgb.tif') });
  await svc.closeProject();

  const t0 = performance.now();
  const served = await startServe([work, dir]);
  const serveMs = performance.now() - t0;
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.evaluate(() => localStorage.clear()).catch(() => undefined);
    const t1 = performance.now();
    await page.goto(`${served.url}&project=${encodeURIComponent(project)}`);
    await page.waitForFunction(() => (window as unknown as { __scarpMapLoadMs?: number }).__scarpMapLoadMs !== undefined, null, { timeout: 60_000 });
    const mapLoad = await page.evaluate(() => (window as unknown as { __scarpMapLoadMs: number }).__scarpMapLoadMs);
    await page.waitForFunction(() => (window as unknown as { __scarpFirstFrameMs?: number }).__scarpFirstFrameMs !== undefined, null, { timeout: 120_000 });
    const firstFrame = await page.evaluate(() => (window as unknown as { __scarpFirstFrameMs: number }).__scarpFirstFrameMs);
    const wallToImagery = performance.now() - t1;
    return {
      serveToUrlMs: round3(serveMs),
      pageToFirstMapFrameMs: round3(mapLoad),
      pageToFirstImageryFrameMs: round3(firstFrame),
      navigationToImageryWallMs: round3(wallToImagery),
      startToFirstImageryFrameMs: round3(serveMs + wallToImagery),
      note: 'pageTo* are performance.now() in the page (from navigation start); imagery = full site B (3221 × 2817, no overviews in the file).',
    };
  } finally {
    await browser.close();
    await served.stop();
  }
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
