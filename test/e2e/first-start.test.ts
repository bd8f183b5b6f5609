/**
 * Issue 16, item 7, in browser mode (Chromium): the first start explains itself — the Project panel
 * shows the steps of the work (no error-like empty icon), the panels that need a project say so, and
 * the empty map says what will appear on it and how.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { ensureRendererBuilt, freshWork, hasChromium, launch, seedProject, type Served, startServe } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-first-start');

describe.skipIf(!hasChromium)('first start (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('guides a new operator: steps, why panels are closed, what the empty map is for', async () => {
    freshWork(work);
    const path = join(work, 'empty.gpkg');
    await seedProject({ path });

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(served.url);
    await expect.poll(() => page.getByTestId('project-name').textContent()).toBe('No project open');

    const guide = page.getByTestId('start-guide');
    await guide.waitFor();
    expect(await guide.locator('li').count()).toBe(5);
    expect(await guide.textContent()).toMatch(/Create a project.*Add imagery.*Detect landslides.*Review.*Export/s);
    expect(await page.locator('aside.panel .n-empty').count()).toBe(0);
    for (const tab of ['layers', 'detect', 'inventory', 'review', 'stats', 'export']) {
      expect(await page.getByTestId(`tab-${tab}`).isDisabled()).toBe(true);
      expect(await page.getByTestId(`tab-${tab}`).getAttribute('title')).toContain('create or open a project first');
    }
    await expect.poll(() => page.getByTestId('map-empty-hint').textContent()).toContain('No project open');

    // A project without imagery: the map says what to add; the panels open.
    await page.goto(`${new URL(served.url).origin}/?project=${encodeURIComponent(path)}`);
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: 30_000 }).toBe('empty');
    await expect.poll(() => page.getByTestId('map-empty-hint').textContent()).toContain('Add imagery');
    expect(await page.getByTestId('tab-layers').isDisabled()).toBe(false);
    expect(await page.getByTestId('tab-layers').getAttribute('title')).toBe('Layers (Alt+2)');
    expect(await page.getByTestId('start-guide').count()).toBe(0);

    // Alt+number opens a panel, also while a text box has the focus.
    await page.getByTestId('tab-inventory').click();
    await page.getByPlaceholder('min').focus();
    expect(await page.evaluate(() => document.activeElement instanceof HTMLInputElement)).toBe(true);
    await page.keyboard.press('Alt+2');
    await expect.poll(() => page.getByTestId('tab-layers').getAttribute('class')).toContain('active');

    // The model card: its name once, and each held-out row says how it was computed (no two rows alike).
    await page.getByTestId('tab-detect').click();
    await page.getByTestId('model-card').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('model-select').textContent()).not.toMatch(/\(RGB \+ DEM\).*\(RGB \+ DEM\)/);
    const rows = await page.getByTestId('model-metric').locator('td:first-child').allTextContents();
    expect(rows.length).toBeGreaterThan(1);
    expect(new Set(rows.map((r) => r.replace(/\s+/g, ' ').trim())).size).toBe(rows.length);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
