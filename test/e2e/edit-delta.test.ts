/**
 * Issue 11 in browser mode (Chromium): after a review decision or an undo the
 * renderer applies the changed features the call returned — it never re-reads the inventory
 * (no mapFeatures / readVectorLayer / listFeatures / projectInfo call after the first load) — and
 * three fast "accept" keys accept three landslides.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, seedProject, type Served, startServe, waitInventorySource } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-edit-delta');
const RELOADS = new Set(['mapFeatures', 'readVectorLayer', 'listFeatures', 'projectInfo']);

describe.skipIf(!hasChromium || !hasData || !hasGdal)('edits update the map from what they return (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('review keys and undo: no full reload, each fast key counts', async () => {
    freshWork(work);
    const path = join(work, 'delta.gpkg');
    await seedProject({
      path,
      image: cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 256, 256]),
      // Eight predicted squares, largest first (the review order).
      seed: async (s, scene, { square }) => {
        for (let i = 0; i < 8; i++) await s.addFeature({ coordinates: [square(10 + (i % 4) * 60, 10 + Math.floor(i / 4) * 80, 50 - i * 4)], scene: scene.id, properties: { status: 'predicted', notes: `s${i}` } });
      },
    });
    const statusOf = (): Record<string, string> =>
      Object.fromEntries(peek(path, (db) => db.prepare('SELECT notes, status FROM landslides ORDER BY fid').all() as Array<{ notes: string; status: string }>).map((r) => [r.notes, r.status]));

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const page: Page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const calls: Array<{ method: string; bytes: number }> = [];
    page.on('response', (r) => {
      const m = /\/api\/rpc\/([A-Za-z]+)$/.exec(new URL(r.url()).pathname);
      if (m) void r.body().then((b) => calls.push({ method: m[1]!, bytes: b.length }), () => calls.push({ method: m[1]!, bytes: -1 }));
    });
    await openProject(page, served, path, 'delta');
    await waitInventorySource(page);
    await expect.poll(() => calls.some((c) => c.method === 'mapFeatures'), { timeout: 30_000 }).toBe(true);
    const firstLoad = calls.filter((c) => c.method === 'mapFeatures').reduce((n, c) => n + c.bytes, 0);

    await page.getByTestId('tab-review').click();
    await page.getByTestId('review-start').click();
    await expect.poll(() => page.getByTestId('review-counter').textContent()).toContain('8 left');
    await page.getByTestId('review-current').waitFor();
    await page.waitForTimeout(500);
    calls.length = 0;

    // Three fast accepts: no waiting between the keys.
    await page.keyboard.press('a');
    await page.keyboard.press('a');
    await page.keyboard.press('a');
    await expect.poll(() => page.getByTestId('review-counter').textContent()).toContain('5 left');
    await expect.poll(() => calls.filter((c) => c.method === 'updateFeatures').length, { timeout: 30_000 }).toBe(3);
    await expect.poll(() => statusOf(), { timeout: 30_000 }).toMatchObject({ s0: 'confirmed', s1: 'confirmed', s2: 'confirmed', s3: 'predicted' });
    await page.waitForTimeout(500);
    expect(calls.filter((c) => RELOADS.has(c.method))).toEqual([]);
    // Each decision's answer carries the one landslide it changed: far less than the whole inventory.
    for (const c of calls.filter((x) => x.method === 'updateFeatures')) expect(c.bytes).toBeLessThan(firstLoad / 3);
    // The map shows the decisions.
    const confirmedOnMap = (): Promise<number> =>
      page.evaluate(() => {
        const m = (window as unknown as { __scarpMap: { querySourceFeatures(id: string): Array<{ id: number; properties: { status: string } }> } }).__scarpMap;
        return new Set(m.querySourceFeatures('inventory').filter((f) => f.properties.status === 'confirmed').map((f) => f.id)).size;
      });
    await expect.poll(confirmedOnMap, { timeout: 10_000 }).toBe(3);

    // Undo: one call, the map takes the one feature back.
    calls.length = 0;
    await page.keyboard.press('Escape');
    await page.getByTestId('undo').click();
    await expect.poll(() => statusOf().s2, { timeout: 30_000 }).toBe('predicted');
    await expect.poll(confirmedOnMap, { timeout: 10_000 }).toBe(2);
    await page.waitForTimeout(500);
    expect(calls.filter((c) => c.method === 'undo')).toHaveLength(1);
    expect(calls.filter((c) => RELOADS.has(c.method))).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
