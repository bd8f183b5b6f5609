/**
 * Issue 16, item 2, in browser mode (Chromium): re-opening keeps the work context. After a detection,
 * a threshold preview, a layer turned on and the map moved, the app loaded again (no ?project=)
 * re-opens the project with its probability and mask layers (mask at the threshold previewed), the
 * last run's summary, the layer visibility and the map view; Close leaves it in the recent projects,
 * from which it opens again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { peek } from '../helpers/project';
import { chooseFile, cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, seedProject, type Served, startServe } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-reopen');
const MODEL = resolve(repoRoot, 'models/scarp-uav-rgbdem.onnx');

describe.skipIf(!hasChromium || !hasData || !hasGdal || !existsSync(MODEL))('re-opening keeps the work context (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('reload restores the project, its layers, run summary, threshold preview and map view; recent projects re-open it', async () => {
    freshWork(work);
    for (const band of ['rgb', 'dsm'] as const) cropSiteB(band, join(work, `${band}.tif`), [1100, 900, 512, 512], ['TILED=YES']);
    const path = join(work, 'reopen.gpkg');
    await seedProject({ path, image: join(work, 'rgb.tif') });

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const page: Page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const origin = new URL(served.url).origin;
    await openProject(page, served, path, 'reopen');

    // The DEM, through the in-app file browser.
    await page.locator('[data-testid=add-dem]:not(.n-button--loading)').click();
    await chooseFile(page, work, 'dsm.tif');
    await page.getByTestId('dem-card').waitFor({ timeout: 60_000 });

    // A detection, then a threshold preview.
    await page.getByTestId('tab-detect').click();
    await page.locator('[data-testid=run-detect]:not([disabled])').click();
    await page.getByTestId('detect-result').waitFor({ timeout: 300_000 });
    const summary = await page.getByTestId('detect-result').textContent();
    const input = page.getByTestId('threshold-input').locator('input');
    await input.fill('0.33');
    await input.press('Enter');
    await page.getByTestId('tab-layers').click();
    await expect.poll(() => page.getByTestId('layer-mask').textContent(), { timeout: 30_000 }).toContain('threshold 0.33');
    // The probability layer (hidden after a run) turned on, the imagery off.
    await page.getByTestId('layer-visible-probability').click();
    await page.getByTestId('layer-visible-imagery').click();
    const checked = (key: string): Promise<boolean> => page.getByTestId(`layer-visible-${key}`).evaluate((e) => e.classList.contains('n-checkbox--checked'));
    await expect.poll(() => checked('probability')).toBe(true);
    await expect.poll(() => checked('imagery')).toBe(false);
    // The map moved somewhere of the operator's choosing.
    type View = { lng: number; lat: number; zoom: number };
    const view = (): Promise<View> =>
      page.evaluate(() => {
        const m = (window as unknown as { __scarpMap: { getCenter(): { lng: number; lat: number }; getZoom(): number } }).__scarpMap;
        const c = m.getCenter();
        return { lng: c.lng, lat: c.lat, zoom: m.getZoom() };
      });
    const v0 = await view();
    const moved: View = { lng: v0.lng + 0.0004, lat: v0.lat - 0.0003, zoom: v0.zoom + 0.7 };
    await page.evaluate((v) => (window as unknown as { __scarpMap: { jumpTo(o: object): void } }).__scarpMap.jumpTo({ center: [v.lng, v.lat], zoom: v.zoom }), moved);
    await page.waitForTimeout(500);

    // Load the app again, without ?project= (a reload or a restart).
    const opened: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/rpc/openTileLayer')) opened.push(r.postData() ?? '');
    });
    await page.goto(`${origin}/`);
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toBe('reopen');
    await page.getByTestId('tab-layers').click();
    await expect.poll(() => page.getByTestId('layer-mask').textContent(), { timeout: 30_000 }).toContain('threshold 0.33');
    await page.getByTestId('layer-probability').waitFor();
    await expect.poll(() => checked('probability')).toBe(true);
    await expect.poll(() => checked('imagery')).toBe(false);
    expect(opened.some((b) => b.includes('"kind":"mask"'))).toBe(true);
    await expect
      .poll(async () => {
        const v = await view();
        return Math.abs(v.lng - moved.lng) < 1e-6 && Math.abs(v.lat - moved.lat) < 1e-6 && Math.abs(v.zoom - moved.zoom) < 1e-3;
      })
      .toBe(true);
    await page.getByTestId('tab-detect').click();
    await expect.poll(() => page.getByTestId('detect-result').textContent()).toBe(summary);
    await expect.poll(() => page.getByTestId('threshold-value').textContent()).toBe('0.33');

    // Close: the project is in the recent list, and opens again from it.
    await page.getByTestId('tab-project').click();
    await page.getByTestId('close-project').click();
    await expect.poll(() => page.getByTestId('project-name').textContent()).toBe('No project open');
    await page.getByTestId('recent-reopen').click();
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toBe('reopen');
    // After Close the app starts with no project, the recent list still there.
    await page.getByTestId('close-project').click();
    await expect.poll(() => page.getByTestId('project-name').textContent()).toBe('No project open');
    await page.goto(`${origin}/`);
    await page.getByTestId('recent-projects').waitFor();
    expect(await page.getByTestId('project-name').textContent()).toBe('No project open');
    expect(pageErrors).toEqual([]);
  }, 600_000);

  it('a project the command line made opens with its DEM and the run\'s probability and mask, in a browser that never saw it', async () => {
    const dir = join(work, 'cli');
    freshWork(dir);
    const [rgb, dsm] = (['rgb', 'dsm'] as const).map((band) => cropSiteB(band, join(dir, `${band}.tif`), [1100, 900, 512, 512], ['TILED=YES']));
    const path = join(dir, 'cli.gpkg');
    const d = scarp(['detect', '--image', rgb!, '--dem', dsm!, '--project', path, '--json']);
    expect(d.status, d.stderr).toBe(0);
    const threshold = (JSON.parse(d.stdout) as { threshold: number }).threshold;
    // A second scene of the project, further south, run without a DEM.
    const rgb2 = cropSiteB('rgb', join(dir, 'rgb2.tif'), [1400, 1700, 384, 384], ['TILED=YES']);
    const d2 = scarp(['detect', '--image', rgb2, '--project', path, '--json']);
    expect(d2.status, d2.stderr).toBe(0);
    const run2 = (JSON.parse(d2.stdout) as { project: { runId: string } }).project.runId;
    await served?.stop();
    served = await startServe([dir]);
    browser ??= await launch();
    // A new browser context: no remembered session for this project (another machine, another user).
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openProject(page, served, path, 'cli');
    await page.getByTestId('dem-card').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('dem-card').textContent()).toContain('dsm.tif');
    await page.getByTestId('tab-layers').click();
    await page.getByTestId('layer-probability').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('layer-mask').textContent(), { timeout: 30_000 }).toContain(`threshold ${Number(threshold.toFixed(2))}`);
    await page.getByTestId('layer-slope').waitFor();
    // Run again from here: the picker sees the DEM.
    await page.getByTestId('tab-detect').click();
    await expect.poll(() => page.getByTestId('model-reason').textContent(), { timeout: 30_000 }).toMatch(/a DEM was given; its terrain input is used\.$/);
    expect(existsSync(join(dir, `cli-probability-${(JSON.parse(d.stdout) as { project: { runId: string } }).project.runId.slice(0, 8)}.tif`))).toBe(true);

    // The other scene on the map: its imagery and its own run's probability; it has no DEM, so none is shown.
    await page.getByTestId('tab-project').click();
    expect(await page.getByTestId('scene-dem-rgb.tif').textContent()).toBe('DEM dsm.tif');
    expect(await page.getByTestId('scene-dem-rgb2.tif').count()).toBe(0);
    await page.getByTestId('scene-shown-rgb.tif').waitFor();
    await page.getByTestId('scene-show-rgb2.tif').click();
    await page.getByTestId('scene-shown-rgb2.tif').waitFor({ timeout: 60_000 });
    await page.getByTestId('dem-card').waitFor({ state: 'detached' });
    expect(await page.getByTestId('imagery-card').textContent()).toContain('rgb2.tif');
    await expect.poll(() => existsSync(join(dir, `cli-probability-${run2.slice(0, 8)}.tif`)), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('tab-layers').click();
    await page.getByTestId('layer-probability').waitFor();
    expect(await page.getByTestId('layer-slope').count()).toBe(0);
    // A landslide drawn now belongs to the scene on the map (rgb2), not to the project's first scene.
    const box = (await page.getByTestId('map').boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.keyboard.press('d');
    for (const [dx, dy] of [[-40, -30], [40, -30], [40, 30], [-40, 30]] as const) await page.mouse.click(cx + dx, cy + dy);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => peek(path, (db) => db.prepare("SELECT scene FROM landslides WHERE run IS NULL AND status = 'edited' ORDER BY fid DESC LIMIT 1").get()), { timeout: 30_000 })
      .toEqual({ scene: 'rgb2' });
    await page.keyboard.press('v');
    // The review queue is this scene's: its predicted landslides, not the other scene's.
    const left = (scene: string): number => (peek(path, (db) => db.prepare("SELECT count(*) AS n FROM landslides WHERE scene = ? AND status = 'predicted'").get(scene)) as { n: number }).n;
    expect(left('rgb')).toBeGreaterThan(0);
    await page.getByTestId('tab-review').click();
    await expect.poll(() => page.getByTestId('review-counter').textContent(), { timeout: 30_000 }).toMatch(new RegExp(`^${left('rgb2')} left to review`));

    // Back on the first scene (its DEM again), then imagery the DEM does not cover: the DEM leaves the map, with a word why.
    await page.getByTestId('tab-project').click();
    await page.getByTestId('scene-show-rgb.tif').click();
    await page.getByTestId('dem-card').waitFor({ timeout: 60_000 });
    // A model that does not read the DEM still gets it: the landslides' terrain attributes come from it.
    await page.getByTestId('tab-detect').click();
    await page.getByTestId('model-select').click();
    await page.locator('.n-base-select-option', { hasText: 'GeoNeXt (SAT, RGB)' }).click();
    await page.locator('[data-testid=run-detect]:not([disabled])').click();
    await page.getByTestId('detect-result').waitFor({ timeout: 300_000 });
    const satRun = peek(path, (db) => db.prepare("SELECT id, dem_layer_id FROM scarp_runs WHERE model_id = 'scarp-sat-rgb'").get()) as { id: string; dem_layer_id: string | null };
    expect(satRun.dem_layer_id).not.toBeNull();
    const slopes = peek(path, (db) => db.prepare('SELECT count(*) AS n, count(slope_mean) AS withSlope FROM landslides WHERE run = ?').get(satRun.id)) as { n: number; withSlope: number };
    expect(slopes.n).toBeGreaterThan(0);
    expect(slopes.withSlope).toBe(slopes.n);
    await page.getByTestId('tab-project').click();
    cropSiteB('rgb', join(dir, 'rgb3.tif'), [2400, 1800, 256, 256], ['TILED=YES']);
    await page.locator('[data-testid=add-imagery]:not(.n-button--loading)').click();
    await chooseFile(page, dir, 'rgb3.tif');
    await page.getByTestId('scene-shown-rgb3.tif').waitFor({ timeout: 60_000 });
    await page.getByTestId('dem-card').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('notice').allTextContents()).toContainEqual(expect.stringContaining('The DEM dsm.tif does not cover rgb3.tif'));
    expect(await page.getByTestId('scene-dem-rgb3.tif').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 300_000);
});
