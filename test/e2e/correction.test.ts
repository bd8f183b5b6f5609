/**
 * Issue 7 in browser mode (Chromium): on a project with six predicted polygons, brush out a false
 * positive (eraser), draw a missed landslide, merge two polygons, split one with a line, accept and
 * reject in review mode (keys A / R), undo three steps (Ctrl+Z), restart the server, redo, export;
 * the exported inventory (ogrinfo) shows exactly those changes, all geometries valid.
 * Screenshots stay in test/.tmp/e2e-correction.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { createTransformer, WGS84 } from '../../src-main/core/geo';
import { crsFromWkt } from '../../src-main/core/geo';
import { hasData } from '../helpers/data';
import { gdal, hasGdal } from '../helpers/gdal';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, type Ring, scenePixels, type Served, startServe, waitInventorySource, waitMapIdle } from './harness';

const SHOTS = resolve(repoRoot, 'test/.tmp/e2e-correction');
const work = resolve(repoRoot, 'test/.tmp/e2e-correction-work');

describe.skipIf(!hasChromium || !hasData || !hasGdal)('correcting in the browser (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('brush, draw, merge, split, review, undo 3, restart, redo, export', async () => {
    freshWork(work);
    mkdirSync(SHOTS, { recursive: true });
    const img = cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 256, 256]);
    const path = join(work, 'correct.gpkg');
    // Seed: six predicted polygons on a pixel grid (what a detection run leaves).
    const s = new ScarpService();
    await s.createProject({ path, author: 'e2e-reviewer' });
    const scene = await s.addScene({ path: img });
    const { at, box } = scenePixels(scene);
    const px = (scene.bounds.maxX - scene.bounds.minX) / scene.width;
    const seeds: Array<[string, Ring[]]> = [
      ['fp', box(20, 20, 44, 44)],
      ['b', box(70, 20, 100, 50)],
      ['c', box(102, 20, 126, 50)],
      ['d', box(20, 120, 100, 170)],
      ['e', box(150, 100, 210, 150)],
      ['f', box(150, 190, 180, 220)],
    ];
    for (const [notes, b] of seeds) await s.addFeature({ coordinates: [b], scene: scene.id, properties: { status: 'predicted', notes } });
    await s.closeProject();
    const crs = crsFromWkt(gdal('gdalsrsinfo', ['-o', 'wkt1', '--single-line', img]).trim());
    const toLL = createTransformer(crs, WGS84);
    const ll = (x: number, y: number): [number, number] => toLL.forward(...at(x, y));

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const pageErrors: string[] = [];
    let page: Page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`) });
    const openAndFit = async (): Promise<void> => {
      await openProject(page, served!, path, 'correct');
      await waitInventorySource(page);
      const [w, n] = ll(0, 0);
      const [e, so] = ll(256, 256);
      await page.evaluate(([w2, s2, e2, n2]) => (window as unknown as { __scarpMap: { fitBounds(b: number[], o: object): void } }).__scarpMap.fitBounds([w2!, s2!, e2!, n2!], { padding: { top: 130, bottom: 40, left: 40, right: 60 }, duration: 0 }), [w, so, e, n]);
      await waitMapIdle(page, Date.now() - 500).catch(() => undefined);
    };
    /** Screen position of scene pixel (x, y). */
    const screen = async (x: number, y: number): Promise<{ x: number; y: number }> => {
      const p = await page.evaluate((c) => (window as unknown as { __scarpMap: { project(c: number[]): { x: number; y: number } } }).__scarpMap.project(c), ll(x, y));
      const box2 = (await page.getByTestId('map').boundingBox())!;
      return { x: box2.x + p.x, y: box2.y + p.y };
    };
    const settle = async (): Promise<void> => {
      await page.waitForTimeout(150);
      await page.locator('.edit-ui .busy').waitFor({ state: 'detached', timeout: 30_000 });
      await page.waitForTimeout(250);
    };
    const click = async (x: number, y: number, mods: Array<'Shift'> = []): Promise<void> => {
      const p = await screen(x, y);
      for (const m of mods) await page.keyboard.down(m);
      await page.mouse.click(p.x, p.y);
      for (const m of mods) await page.keyboard.up(m);
    };

    await openAndFit();
    await shot('01-seeded');

    // 1. eraser over the false positive
    await page.keyboard.press('x');
    await page.locator('.brushbar .num').fill('16');
    await page.locator('.brushbar .num').press('Tab');
    const a0 = await screen(22, 32);
    await page.mouse.move(a0.x, a0.y);
    await page.mouse.down();
    for (const [x, y] of [[28, 32], [34, 32], [40, 32], [44, 32]] as const) {
      const p = await screen(x, y);
      await page.mouse.move(p.x, p.y, { steps: 3 });
    }
    await shot('02-eraser-stroke');
    await page.mouse.up();
    await settle();
    await shot('03-false-positive-erased');

    // 2. draw a missed landslide
    await page.keyboard.press('d');
    for (const [x, y] of [[60, 200], [110, 195], [120, 240], [70, 245]] as const) await click(x, y);
    await shot('04-drawing');
    await page.keyboard.press('Enter');
    await settle();

    // 3. merge b and c
    await page.keyboard.press('v');
    await click(85, 35);
    await click(114, 35, ['Shift']);
    await page.waitForTimeout(200);
    await page.keyboard.press('m');
    await settle();
    await shot('05-merged');

    // 4. split d with a line
    await click(60, 145);
    await page.keyboard.press('l');
    await click(45, 110);
    await click(45, 180);
    await shot('06-split-line');
    await page.keyboard.press('Enter');
    await settle();
    await page.keyboard.press('n');
    await page.waitForTimeout(300);
    await shot('07-split-vertices');
    await page.keyboard.press('Escape');

    // 5, 6. review: accept the largest (e), reject the next (f)
    await page.getByTestId('tab-review').click();
    await page.getByTestId('review-start').click();
    await expect.poll(() => page.getByTestId('review-counter').textContent()).toContain('2 left');
    await page.waitForTimeout(500);
    await shot('08-review');
    await page.keyboard.press('a');
    await expect.poll(() => page.getByTestId('review-counter').textContent()).toContain('1 left');
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('review-counter').textContent()).toContain('0 left');
    await page.keyboard.press('?');
    await shot('09-shortcuts');
    await page.keyboard.press('Escape');

    // undo three (reject, accept, split)
    for (let k = 0; k < 3; k++) {
      await page.keyboard.press('Control+z');
      await page.waitForTimeout(700);
    }
    await expect.poll(() => page.getByTestId('redo').isEnabled()).toBe(true);
    await shot('10-after-undo');
    expect(pageErrors).toEqual([]);

    // restart the server, redo once (the split)
    await page.close();
    await served.stop();
    served = await startServe([work]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openAndFit();
    await page.getByTestId('redo').click();
    await page.waitForTimeout(1000);
    await shot('11-after-restart-redo');
    await page.close();
    await served.stop();
    served = null;
    expect(pageErrors).toEqual([]);

    // export and check with ogrinfo
    const s2 = new ScarpService();
    await s2.openProject({ path });
    const hist = await s2.history({});
    expect(hist.filter((h) => h.state === 'done').map((h) => h.label.split(' ')[0])).toEqual(['Split', 'Merge', 'Draw', 'Erase', 'Add', 'Add', 'Add', 'Add', 'Add', 'Add']);
    expect(hist.filter((h) => h.state === 'undone').length).toBe(2);
    const out = join(work, 'export.gpkg');
    await s2.exportInventory({ project: path, format: 'gpkg', out });
    await s2.closeProject();
    const sql = (q: string): string => gdal('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', q, out]);
    expect(sql('select count(*) as n from landslides where not st_isvalid(geom)')).toMatch(/n \(Integer\) = 0/);
    const rows = sql(`select coalesce(notes, '-') as notes, status, round(st_area(geom) / ${px * px}) as px from landslides order by notes, px desc`);
    const got = [...rows.matchAll(/notes \(String\) = (.*)\n\s+status \(String\) = (.*)\n\s+px \(Real\) = (.*)/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`);
    expect(got.map((g) => g.split(':').slice(0, 2).join(':'))).toEqual(['-:edited', 'b:edited', 'd:edited', 'd:edited', 'e:predicted', 'f:predicted']);
    const area = (i: number): number => Number(got[i]!.split(':')[2]);
    expect(area(1)).toBe(30 * 30 + 24 * 30); // b ∪ c
    expect(area(2) + area(3)).toBe(80 * 50); // d in two parts
    expect(area(4)).toBe(60 * 50);
  }, 600_000);
});
