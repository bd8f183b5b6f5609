/**
 * Issue 15 in browser mode (Chromium): the project's scenes with role and date, and the swipe that
 * compares the pre- and post-event imagery. The real Iburi 2018 Sentinel-2 pair (a window both cover,
 * cut with gdal_translate into the test's folder): a project with the post-event scene gets the
 * pre-event one from the scene list's form (role and date), both appear with theirs (and the project
 * file records them), and dragging the swipe bar shows the pre-event image left of it and the
 * post-event one right of it — checked pixel by pixel against screenshots of each image alone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { chooseFile, cropIburiPair, diffRegion, freshWork, hasChromium, openInApp, seedProject, type Served, waitMapIdle } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-compare-scenes');
/** A window the pre-event image covers whole (it is 40 % nodata in the north). */
const WINDOW = ['500', '620', '480', '320'];

/** Share of the pixels in columns [x0, x1) (rows below `y0`) where two PNG screenshots differ by more than 30 (sum over R, G, B). */
async function differs(page: Page, a: Buffer, b: Buffer, x0: number, x1: number, y0: number): Promise<number> {
  const d = await diffRegion(page, a, b, { x0, x1, y0 });
  return d.differ / d.compared;
}

describe.skipIf(!hasChromium || !hasData || !hasGdal)('scenes with roles and the swipe (Chromium, Iburi 2018)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('adds the pre-event scene with role and date from the UI, lists both, and swipes between them', async () => {
    freshWork(work);
    const { post } = cropIburiPair(work, WINDOW);
    const path = join(work, 'iburi.gpkg');
    await seedProject({ path, image: post, role: 'post-event', date: '2018-09-11' });
    const app = await openInApp([work], path, 'iburi');
    ({ served, browser } = app);
    const { page, pageErrors } = app;
    await page.getByTestId('scene-iburi_post.tif').waitFor({ timeout: 60_000 });

    // The scene list's form: role and date first, then the file from the in-app chooser.
    await page.getByTestId('scene-add').click();
    await page.getByTestId('scene-add-role').selectOption('pre-event');
    await page.getByTestId('scene-add-date').fill('2018-08-20');
    await page.getByTestId('scene-add-choose').click();
    await chooseFile(page, work, 'iburi_pre.tif');

    await page.getByTestId('scene-iburi_pre.tif').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('scene-role-iburi_pre.tif').textContent()).toContain('pre-event');
    expect(await page.getByTestId('scene-date-iburi_pre.tif').textContent()).toContain('2018-08-20');
    expect(await page.getByTestId('scene-role-iburi_post.tif').textContent()).toContain('post-event');
    expect(await page.getByTestId('scene-date-iburi_post.tif').textContent()).toContain('2018-09-11');
    // The project file holds both, with their roles and dates (what `scarp project scenes` lists).
    const rows = peek(path, (db) => db.prepare('SELECT name, role, acquired FROM scarp_scenes ORDER BY name').all());
    expect(rows).toEqual([
      { name: 'iburi_post.tif', role: 'post-event', acquired: '2018-09-11' },
      { name: 'iburi_pre.tif', role: 'pre-event', acquired: '2018-08-20' },
    ]);

    // Each image alone (from the Layers panel): the references for the swipe.
    await page.getByTestId('tab-layers').click();
    await page.getByTestId('layer-pre-event').waitFor();
    const map = page.getByTestId('map');
    const shot = async (): Promise<Buffer> => {
      await waitMapIdle(page, 0);
      // A repaint after the last change: wait for an idle that follows it.
      const since = Date.now();
      await page.evaluate(() => (window as unknown as { __scarpMap: { triggerRepaint(): void } }).__scarpMap.triggerRepaint());
      await waitMapIdle(page, since);
      return map.screenshot();
    };
    const postOnly = await shot();
    await page.getByTestId('layer-visible-pre-event').click();
    await page.getByTestId('layer-visible-imagery').click();
    const preOnly = await shot();
    await page.getByTestId('layer-visible-imagery').click();
    const box = (await map.boundingBox())!;
    // The two dates look different (winter snow, autumn scars): otherwise the check below proves nothing.
    expect(await differs(page, preOnly, postOnly, 0, Math.round(box.width), 40)).toBeGreaterThan(0.2);

    // Swipe from the scene list's "Compare", then drag the bar to a third and to the middle of the map.
    await page.getByTestId('tab-project').click();
    await page.getByTestId('scene-compare').click();
    await page.getByTestId('swipe-bar').waitFor();
    expect(await page.getByTestId('swipe-left-label').textContent()).toContain('pre-event');
    for (const at of [0.3, 0.5]) {
      const h = (await page.getByTestId('swipe-handle').boundingBox())!;
      await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * at, h.y + h.height / 2, { steps: 8 });
      await page.mouse.up();
      const bar = (await page.getByTestId('swipe-bar').boundingBox())!;
      const x = Math.round(bar.x + bar.width / 2 - box.x);
      expect(Math.abs(x - box.width * at)).toBeLessThan(2);
      const swiped = await shot();
      // Left of the bar (clear of it and of its labels): the pre-event image; right of it: the post-event one.
      const W = Math.round(box.width);
      const leftVsPre = await differs(page, swiped, preOnly, 0, x - 24, 40);
      const leftVsPost = await differs(page, swiped, postOnly, 0, x - 24, 40);
      const rightVsPost = await differs(page, swiped, postOnly, x + 24, W, 40);
      const rightVsPre = await differs(page, swiped, preOnly, x + 24, W, 40);
      expect(leftVsPre, `left of the bar at ${at}`).toBeLessThan(0.01);
      expect(rightVsPost, `right of the bar at ${at}`).toBeLessThan(0.01);
      expect(leftVsPost).toBeGreaterThan(0.15);
      expect(rightVsPre).toBeGreaterThan(0.15);
    }
    // Stopping the comparison gives the map back: the post-event imagery over the pre-event one everywhere.
    await page.getByTestId('swipe-close').click();
    await expect.poll(() => page.getByTestId('swipe-bar').count()).toBe(0);
    expect(await differs(page, await shot(), postOnly, 0, Math.round(box.width), 40)).toBeLessThan(0.01);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
