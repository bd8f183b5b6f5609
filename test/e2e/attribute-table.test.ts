/**
 * Issue 16, item 4, in browser mode (Chromium): the attribute table uses the panel's height, shows
 * every field with readable numbers, sorts and resizes; a row click selects (form and map highlight
 * follow), a map click selects the row and opens the identify popup; the status filter narrows the
 * table and the map alike, and what it hides leaves the selection.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, seedProject, type Served, startServe, waitInventorySource } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-attribute-table');

describe.skipIf(!hasChromium || !hasData || !hasGdal)('attribute table and identify (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('fills the panel, every field, sorts, resizes; selection and filter follow the map and back', async () => {
    freshWork(work);
    const path = join(work, 'table.gpkg');
    const { seeded: all } = await seedProject({
      path,
      image: cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 512, 512]),
      // 30 squares on a 6 × 5 grid; every third confirmed, the rest predicted; the first with a long confidence.
      seed: async (s, scene, { square }) => {
        for (let i = 0; i < 30; i++) {
          await s.addFeature({
            coordinates: [square(10 + (i % 6) * 82, 10 + Math.floor(i / 6) * 100, 30 + (i % 7) * 6)],
            scene: scene.id,
            properties: { status: i % 3 === 0 ? 'confirmed' : 'predicted', notes: `n${i}`, ...(i === 0 ? { confidence: 0.9983940563713535 } : {}) },
          });
        }
        return s.mapFeatures({ afterFid: 0, limit: 100 });
      },
    });
    const byNote = new Map(all!.features.map((f) => [String(f.properties.notes), f]));
    const centreOf = (note: string): [number, number] => {
      const ring = byNote.get(note)!.geometry.coordinates[0]![0]!;
      const xs = ring.map((p) => p[0]!);
      const ys = ring.map((p) => p[1]!);
      return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    };
    const fid = (note: string): number => byNote.get(note)!.id;

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const page: Page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openProject(page, served, path, 'table');
    await waitInventorySource(page);
    await page.getByTestId('tab-inventory').click();
    const table = page.getByTestId('inventory-table');
    await table.locator('[data-testid^=inv-row-]').first().waitFor({ timeout: 30_000 });

    // The table takes most of the panel's height, not a fixed ~9 rows.
    const panelBox = (await page.locator('aside.panel').boundingBox())!;
    const tableBox = (await table.boundingBox())!;
    expect(tableBox.height).toBeGreaterThan(0.45 * panelBox.height);
    expect(await table.locator('[data-testid^=inv-row-]').count()).toBeGreaterThan(12);

    // Every field, with readable numbers.
    const titles = await table.locator('th .n-data-table-th__title').allTextContents();
    for (const t of ['ID', 'Status', 'Type', 'Area (m²)', 'Perimeter (m)', 'Probability', 'Confidence', 'Slope (°)', 'Elev. min (m)', 'Elev. max (m)', 'Aspect (°)', 'Mapped by', 'Created', 'Updated', 'Notes', 'Source', 'Scene'])
      expect(titles.map((x) => x.trim())).toContain(t);
    // Sorting by ID: a click sorts by it one way, the next the other way (unsorted is by ID too).
    const firstRowFid = async (): Promise<number> => Number((await table.locator('[data-testid^=inv-row-]').first().getAttribute('data-testid'))!.replace('inv-row-', ''));
    const ids = all!.features.map((f) => f.id);
    const [lo, hi] = [Math.min(...ids), Math.max(...ids)];
    const idHeader = table.locator('th', { hasText: /^ID$/ });
    await idHeader.click();
    await expect.poll(async () => [lo, hi].includes(await firstRowFid())).toBe(true);
    const first = await firstRowFid();
    await idHeader.click();
    await expect.poll(firstRowFid).toBe(first === lo ? hi : lo);
    if ((await firstRowFid()) !== lo) {
      await idHeader.click();
      await expect.poll(firstRowFid).toBe(lo);
    }

    const row0 = table.getByTestId(`inv-row-${fid('n0')}`);
    const cells0 = (await row0.locator('td').allTextContents()).map((x) => x.trim());
    expect(cells0).toContain('0.998');
    expect(cells0.some((c) => c.includes('0.99839'))).toBe(false);

    // Resizing a column.
    const typeTh = table.locator('th', { hasText: /^Type$/ });
    const w0 = (await typeTh.boundingBox())!.width;
    const handle = typeTh.locator('.n-data-table-resize-button');
    const hb = (await handle.boundingBox())!;
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
    await page.mouse.down();
    await page.mouse.move(hb.x + hb.width / 2 + 80, hb.y + hb.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => (await typeTh.boundingBox())!.width).toBeGreaterThan(w0 + 40);

    /** What the form and the map highlight show. */
    const highlight = (): Promise<number[]> =>
      page.evaluate(() => {
        // The highlight's filter holds ['in', ['id'], ['literal', [fids]]] somewhere.
        const find = (x: unknown): number[] | null => {
          if (!Array.isArray(x)) return null;
          if (x[0] === 'in' && Array.isArray(x[1]) && x[1][0] === 'id' && Array.isArray(x[2]) && x[2][0] === 'literal') return x[2][1] as number[];
          for (const y of x) {
            const r = find(y);
            if (r) return r;
          }
          return null;
        };
        return find((window as unknown as { __scarpMap: { getFilter(id: string): unknown } }).__scarpMap.getFilter('inv-highlight')) ?? [];
      });
    const formFid = async (): Promise<number | null> => {
      const t = await page.getByTestId('selection-fid').textContent({ timeout: 1000 }).catch(() => null);
      const m = /#(\d+)/.exec(t ?? '');
      return m ? Number(m[1]) : null;
    };

    // A row click selects: the one form and the map highlight follow; readable confidence in the form.
    await row0.click();
    await expect.poll(formFid).toBe(fid('n0'));
    await expect.poll(highlight).toEqual([fid('n0')]);
    await expect.poll(() => row0.getAttribute('class')).toContain('row-selected');
    expect(await page.getByTestId('sel-confidence').locator('input').inputValue()).toBe('0.998');
    expect(await page.getByTestId('attribute-form').count()).toBe(0);
    expect(await page.getByTestId('selection-details').textContent()).toContain('Perimeter');

    // A map click selects the landslide's row and opens the identify popup.
    await page.getByTestId('fit-all').click();
    // Click only once the fit has finished moving the map (a point projected mid-flight misses).
    await page.waitForTimeout(100);
    await page.waitForFunction(() => !(window as unknown as { __scarpMap: { isMoving(): boolean } }).__scarpMap.isMoving(), undefined, { timeout: 30_000 });
    const clickOn = async (note: string): Promise<void> => {
      const p = await page.evaluate((c) => (window as unknown as { __scarpMap: { project(p: [number, number]): { x: number; y: number } } }).__scarpMap.project(c), centreOf(note));
      const mb = (await page.getByTestId('map').boundingBox())!;
      await page.mouse.click(mb.x + p.x, mb.y + p.y);
    };
    await clickOn('n4');
    await expect.poll(formFid).toBe(fid('n4'));
    await expect.poll(highlight).toEqual([fid('n4')]);
    await expect.poll(() => table.getByTestId(`inv-row-${fid('n4')}`).getAttribute('class')).toContain('row-selected');
    const popup = page.getByTestId('identify-popup');
    await expect.poll(() => popup.textContent()).toContain(`Landslide #${fid('n4')}`);
    expect(await popup.textContent()).toContain('predicted');

    // The status filter narrows the table and the map; the predicted landslide selected leaves the selection.
    await page.getByTestId('status-filter').click();
    await page.locator('.n-base-select-option', { hasText: /^confirmed$/ }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => table.locator('[data-testid^=inv-row-]').count()).toBe(10);
    await expect.poll(formFid).toBe(null);
    await expect.poll(highlight).toEqual([]);
    const rendered = (): Promise<string[]> =>
      page.evaluate(() => {
        const m = (window as unknown as { __scarpMap: { queryRenderedFeatures(o: object): Array<{ properties: { status: string } }> } }).__scarpMap;
        return [...new Set(m.queryRenderedFeatures({ layers: ['inv-fill'] }).map((f) => f.properties.status))];
      });
    await expect.poll(rendered).toEqual(['confirmed']);
    // A hidden (filtered) landslide cannot be clicked on the map; a shown one can.
    await clickOn('n3');
    await expect.poll(formFid).toBe(fid('n3'));
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
