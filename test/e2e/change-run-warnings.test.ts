/**
 * Issue 15 in browser mode (Chromium): a change run started from the Detect panel shows what it found
 * and what the operator must know. The real Iburi 2018 Sentinel-2 pair, cut to a window whose
 * northern third the pre-event image has no data for: the result card names that gap (change there
 * is not mapped), as `scarp change` does, instead of only a success message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { peek } from '../helpers/project';
import { hasData } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { chooseFile, cropIburiPair, freshWork, hasChromium, openInApp, seedProject, type Served } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-change-run-warnings');
/** Rows 300–600 of columns 500–980: the pre-event image has no data over rows 300–~420. */
const WINDOW = ['500', '300', '480', '300'];

describe.skipIf(!hasChromium || !hasData || !hasGdal)('a change run from the Detect panel (Chromium, Iburi 2018)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('shows the landslides found and warns that the pre-event gap is not mapped', async () => {
    freshWork(work);
    const { pre, post } = cropIburiPair(work, WINDOW);
    const gap = Number(gdal('/usr/bin/python3', ['-c', `from osgeo import gdal; a = gdal.Open('${pre}').ReadAsArray(); b = gdal.Open('${post}').ReadAsArray(); print(round(100 * ((a == 0).any(0) & ~(b == 0).any(0)).sum() / (~(b == 0).any(0)).sum()))`]));
    expect(gap).toBeGreaterThan(20);
    const path = join(work, 'iburi.gpkg');
    await seedProject({ path, image: post, role: 'post-event', date: '2018-09-11' });
    const app = await openInApp([work], path, 'iburi');
    ({ served, browser } = app);
    const { page, pageErrors } = app;
    await page.getByTestId('tab-detect').click();
    // No model fits a 10 m scene, and the operator chose none: the panel does not say they did.
    await expect.poll(() => page.getByTestId('model-reason').textContent(), { timeout: 60_000 }).toBe('No model fits this scene: Detect runs the method named above. Choose a model here to run it instead.');
    // No pre-event image yet: the panel offers to choose one; it becomes the project's pre-event scene.
    await page.locator('[data-testid=pre-event-choose]:not([disabled])').click({ timeout: 60_000 });
    await chooseFile(page, work, 'iburi_pre.tif');
    await expect.poll(() => page.getByTestId('pre-event-scene').textContent(), { timeout: 60_000 }).toMatch(/^iburi_pre\.tif \(no date\): the project's pre-event scene/);
    expect(peek(path, (db) => db.prepare('SELECT id, role FROM scarp_scenes ORDER BY id').all())).toEqual([
      { id: 'iburi_post', role: 'post-event' },
      { id: 'iburi_pre', role: 'pre-event' },
    ]);
    await expect.poll(() => page.getByTestId('route-reason').textContent(), { timeout: 60_000 }).toMatch(/change detection/);
    await page.getByTestId('run-detect').click();
    const card = page.getByTestId('index-result');
    await card.waitFor({ timeout: 120_000 });
    expect(await card.textContent()).toMatch(/Visible-band change/);
    const warnings = await page.getByTestId('index-warning').allTextContents();
    expect(warnings.some((w) => w.includes(`has no data over ${gap} % of the post-event image's ground`))).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
