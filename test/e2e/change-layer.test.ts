/**
 * Issue 15 in browser mode (Chromium): a change run made from the command line (`scarp change
 * --project`, not by the app) shows its change layer when the project is opened in the app. The app
 * finds the run in the project and exports its layer beside the project as a `change` raster
 * (SCARP_LAYER=change, the run's id); reopening reuses that file; a newer CLI run replaces it.
 * A synthetic Sentinel-2-like pair written by GDAL (vegetation removed in one block).
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { gdalinfoJson, hasGdal, writeUint16Tiff } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { ensureRendererBuilt, freshWork, hasChromium, launch, openProject, type Served, startServe } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-change-layer');
const W = 160;
const H = 120;

function scene(post: boolean): number[][] {
  const b: number[][] = [[], [], [], []];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = post && x >= 40 && x < 100 && y >= 30 && y < 80;
      b[0]!.push(s ? 2000 : 500);
      b[1]!.push(s ? 1800 : 800);
      b[2]!.push(s ? 1600 : 400);
      b[3]!.push(s ? 2200 : 4000);
    }
  }
  return b;
}

const changeFiles = (): string[] => readdirSync(work).filter((f) => /^event-change-\d+\.tif$/.test(f));
const runOf = (f: string): string | undefined => (gdalinfoJson(join(work, f)) as { metadata: Record<string, Record<string, string>> }).metadata['']?.SCARP_RUN;
const layerOf = (f: string): string | undefined => (gdalinfoJson(join(work, f)) as { metadata: Record<string, Record<string, string>> }).metadata['']?.SCARP_LAYER;

describe.skipIf(!hasChromium || !hasGdal)('the change layer of a CLI change run (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('opening the project shows the change layer of the run the CLI made; reopening reuses it; a newer run replaces it', async () => {
    freshWork(work);
    const gt = [700_000, 10, 0, 3_000_000, 0, -10];
    writeUint16Tiff(join(work, 'pre.tif'), { width: W, height: H, bands: scene(false), descriptions: ['B4', 'B3', 'B2', 'B8'], geoTransform: gt, epsg: 32645 });
    writeUint16Tiff(join(work, 'post.tif'), { width: W, height: H, bands: scene(true), descriptions: ['B4', 'B3', 'B2', 'B8'], geoTransform: gt, epsg: 32645 });
    const path = join(work, 'event.gpkg');
    const cli = (extra: string[] = []): string => {
      const r = scarp(['change', '--project', path, '--pre', join(work, 'pre.tif'), '--post', join(work, 'post.tif'), '--scale', '0.0001', '--json', ...extra]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { project: { runId: string } }).project.runId;
    };
    const first = cli();

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    const openAndSeeChange = async (): Promise<void> => {
      await openProject(page, served!, path, 'event');
      await page.getByTestId('tab-layers').click();
      await page.getByTestId('layer-change').waitFor({ timeout: 60_000 });
    };
    await openAndSeeChange();
    expect(changeFiles()).toHaveLength(1);
    const [file] = changeFiles();
    expect(layerOf(file!)).toBe('change');
    expect(runOf(file!)).toBe(first);

    // Its landslide's value is labelled a change strength, not a probability (the table's row → the form).
    await page.getByTestId('tab-inventory').click();
    const row = page.getByTestId('inventory-table').locator('[data-testid^=inv-row-]').first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await expect.poll(() => page.getByTestId('selection-details').textContent()).toContain('Change strength (not a probability)');
    expect(await page.getByTestId('selection-details').textContent()).not.toContain('Probability');
    const titles = (await page.getByTestId('inventory-table').locator('th .n-data-table-th__title').allTextContents()).map((x) => x.trim());
    expect(titles).toContain('Strength');
    expect(titles).not.toContain('Probability');

    // Reopened: the same file (remembered with its run), none written again.
    await openAndSeeChange();
    expect(changeFiles()).toEqual([file]);

    // The project closed in the app, a newer CLI run (another threshold): its layer replaces the old one.
    await page.getByTestId('tab-project').click();
    await page.getByTestId('close-project').click();
    await expect.poll(() => page.getByTestId('close-project').count()).toBe(0);
    const second = cli(['--threshold', '30']);
    await openAndSeeChange();
    await expect.poll(() => changeFiles().length, { timeout: 30_000 }).toBe(2);
    const newer = changeFiles().find((f) => f !== file)!;
    expect(runOf(newer)).toBe(second);
    expect(layerOf(newer)).toBe('change');
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
