/**
 * Issue 16, item 3, in browser mode (Chromium): the export choices cannot contradict each other
 * (GeoJSON with the defaults succeeds, its CRS shown as the fixed WGS 84), an error speaks of the
 * app's own controls (no command-line flags) and replaces the previous success box, and the message
 * log keeps the success and the error, with their times, after the toasts are gone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, seedProject, type Served, startServe } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-export-dialog');

describe.skipIf(!hasChromium || !hasData || !hasGdal)('export dialog and message log (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('default GeoJSON export succeeds; a refused overwrite shows an error in the app’s words; the log keeps both', async () => {
    freshWork(work);
    const path = join(work, 'exp.gpkg');
    await seedProject({
      path,
      image: cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 256, 256]),
      seed: async (s, scene, { square }) => {
        for (let i = 0; i < 3; i++) await s.addFeature({ coordinates: [square(10 + i * 70, 10, 50)], scene: scene.id, properties: { status: 'predicted' } });
      },
    });

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const page: Page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openProject(page, served, path, 'exp');

    await page.getByTestId('tab-export').click();
    await page.getByTestId('export-format').click();
    await page.locator('.n-base-select-option', { hasText: /^GeoJSON$/ }).click();
    // The CRS is the format's, shown as such (no choice that the export would refuse).
    await expect.poll(() => page.getByTestId('export-crs-fixed').textContent()).toContain('WGS 84 (EPSG:4326)');
    expect(await page.getByTestId('export-crs').count()).toBe(0);

    const exportAs = async (name: string): Promise<void> => {
      await page.getByTestId('export-button').click();
      const fb = page.getByTestId('file-browser');
      await fb.locator('select.roots').selectOption(work);
      await expect.poll(() => fb.getByTestId('fb-cwd').textContent()).toBe(work);
      await fb.getByTestId('fb-name').locator('input').fill(name);
      await fb.getByTestId('fb-save').click();
      await fb.waitFor({ state: 'detached' });
    };
    const out = join(work, 'slides.geojson');
    await exportAs('slides.geojson');
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
    expect(existsSync(out)).toBe(true);
    const gj = JSON.parse(readFileSync(out, 'utf8')) as { features: unknown[] };
    expect(gj.features).toHaveLength(3);
    expect(await page.getByTestId('export-result').textContent()).toContain('WGS 84');

    // The same file again, without "Replace an existing file": an error, and the success box is gone.
    await exportAs('slides.geojson');
    await page.getByTestId('export-error').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('export-result').count()).toBe(0);
    const err = (await page.getByTestId('export-error').textContent()) ?? '';
    expect(err).toContain('already exists');
    expect(err).toContain('Replace an existing file');
    expect(err).not.toMatch(/--[a-z]/);

    // The toasts go (here: dismissed); the message log keeps both, with their times.
    for (let n = await page.getByTestId('notice').count(); n > 0; n = await page.getByTestId('notice').count()) await page.getByTestId('notice').first().click();
    await page.getByTestId('messages-button').click();
    const entries = page.getByTestId('message-log-entry');
    await expect.poll(() => entries.count()).toBeGreaterThanOrEqual(2);
    const log = await entries.evaluateAll((els) => els.map((e) => ({ kind: e.getAttribute('data-kind'), text: e.textContent ?? '', time: e.querySelector('time')?.getAttribute('datetime') ?? '' })));
    const error = log.find((e) => e.kind === 'error');
    const success = log.find((e) => e.kind === 'success');
    expect(error?.text).toContain('already exists');
    expect(error?.text).not.toMatch(/--[a-z]/);
    expect(success?.text).toContain('Exported 3');
    for (const e of [error!, success!]) expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    // Newest first: the error above the success.
    expect(log.indexOf(error!)).toBeLessThan(log.indexOf(success!));
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('message-log').count()).toBe(0);

    // With "Replace an existing file" the export succeeds; the error box goes.
    await page.getByTestId('export-overwrite').click();
    await exportAs('slides.geojson');
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('export-error').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
