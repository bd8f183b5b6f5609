/**
 * Issue 16, situation maps, in browser mode (Chromium): "Print…" an A4 landscape page at 150 dpi as
 * PDF; poppler reads it: pdfinfo's page size is A4 in points, pdftotext finds the title, event,
 * legend, scale, grid labels and sources, and pdftoppm renders a page (read by GDAL) on which the
 * legend's colours and the imagery are drawn; the shipped world basemap (Natural Earth) is on the map.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { gdalinfoJson, hasGdal } from '../helpers/gdal';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, seedProject, type Served, startServe, waitMapIdle } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-print-map');
const hasPoppler = spawnSync('pdfinfo', ['-v']).status === 0;
if (!hasPoppler && process.env.CI === 'true') throw new Error('CI=true but poppler-utils (pdfinfo, pdftotext, pdftoppm) is not installed.');

describe.skipIf(!hasChromium || !hasData || !hasGdal || !hasPoppler)('Print map (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('prints an A4 page at 150 dpi that poppler reads', async () => {
    freshWork(work);
    const path = join(work, 'printed.gpkg');
    await seedProject({
      path,
      image: cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 512, 512]),
      seed: async (s, scene, { square }) => {
        await s.addFeature({ coordinates: [square(60, 60, 120)], scene: scene.id, properties: { status: 'predicted' } });
        await s.addFeature({ coordinates: [square(320, 320, 120)], scene: scene.id, properties: { status: 'confirmed' } });
      },
    });

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    const page: Page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openProject(page, served, path, 'printed');
    await page.waitForFunction(() => !!(window as unknown as { __scarpMap?: { getSource(id: string): unknown } }).__scarpMap?.getSource('inventory'), undefined, { timeout: 120_000 });
    await waitMapIdle(page, 0, 120_000);

    await page.getByTestId('print-map').click();
    await page.getByTestId('print-dialog').waitFor();
    // The defaults: A4, landscape, 150 dpi, PDF; the title starts as the project's name.
    expect(await page.getByTestId('print-title').locator('input').inputValue()).toBe('printed');
    await page.getByTestId('print-title').locator('input').fill('Jinsha site B landslides');
    await page.getByTestId('print-event').locator('input').fill('Monsoon rainfall 2026');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.getByTestId('print-go').click()]);
    expect(download.suggestedFilename()).toMatch(/^printed-A4-150dpi-\d{8}-\d{4}\.pdf$/);
    const pdf = join(work, download.suggestedFilename());
    await download.saveAs(pdf);
    await expect.poll(() => page.getByTestId('print-dialog').count()).toBe(0);

    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(info).toMatch(/Pages:\s+1\n/);
    expect(info).toMatch(/Page size:\s+841\.89 x 595\.2\d* pts \(A4\)/);
    expect(info).toMatch(/Title:\s+Jinsha site B landslides/);

    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    for (const words of ['Jinsha site B landslides', 'Monsoon rainfall 2026', 'Legend', 'confirmed (1)', 'predicted (1)', 'Sources:', 'imagery scene.tif', 'basemap Natural Earth 1:50m'])
      expect(text).toContain(words);
    // The scale bar's length and the paper scale, and the grid's labels (degrees, minutes, seconds).
    expect(text).toMatch(/\b\d+(\.\d+)? k?m\b/);
    expect(text).toMatch(/1 : [\d,]+/);
    expect(text).toMatch(/\d+°\d{2}'(\d{2}")?[NS]/);
    expect(text).toMatch(/\d+°\d{2}'(\d{2}")?[EW]/);
    expect(text).toMatch(/grid \d+(°|'|") \(WGS 84\)/);

    // Rendered by poppler at the page's resolution: A4 at 150 dpi, the legend's swatches in their colours
    // (JPEG inside the PDF: within a few levels), and imagery (not the map's flat background) in the frame.
    execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', pdf, join(work, 'page')]);
    const png = join(work, 'page.png');
    const size = (gdalinfoJson(png) as { size: [number, number] }).size;
    expect(size).toEqual([1754, 1241]);
    const stats = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          `
import json, sys
import numpy as np
from osgeo import gdal
d = gdal.Open(sys.argv[1]); rgb = np.stack([d.GetRasterBand(i).ReadAsArray().astype('int64') for i in (1, 2, 3)], -1)
near = lambda c: int((np.abs(rgb - np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)])).max(-1) <= 12).sum())
h, w = rgb.shape[:2]
centre = rgb[h * 2 // 5:h * 3 // 5, w * 2 // 5:w * 3 // 5].mean(-1)
print(json.dumps({'confirmed': near('#e0245e'), 'predicted': near('#ff7a1a'), 'rejected': near('#8a94a6'), 'centreMean': float(centre.mean())}))`,
          png,
        ],
        { encoding: 'utf8' },
      ),
    ) as Record<string, number>;
    // A 14 px swatch at 150/96 is 22 × 22 device pixels, its edges blurred by JPEG (no landslide is rejected: the swatch alone).
    for (const k of ['confirmed', 'predicted', 'rejected']) expect(stats[k], k).toBeGreaterThanOrEqual(16 * 16);
    // The page's centre is the scene's (pale bare ground), not the map's dark background (#1d232c, grey 35).
    expect(stats.centreMean).toBeGreaterThan(100);

    // The world basemap shipped with the app (no other basemap set): Kathmandu is in Nepal's polygon as
    // drawn, the Indian Ocean south of Sri Lanka in none.
    const countryAt = async (lnglat: [number, number]): Promise<string | null> => {
      const since = Date.now();
      await page.evaluate((c) => (window as unknown as { __scarpMap: { jumpTo(o: unknown): void } }).__scarpMap.jumpTo({ center: c, zoom: 4 }), lnglat);
      await waitMapIdle(page, since, 120_000);
      return page.evaluate((c) => {
        const m = (window as unknown as { __scarpMap: { project(p: [number, number]): unknown; queryRenderedFeatures(p: unknown, o: unknown): Array<{ properties: { name?: string } }> } }).__scarpMap;
        return m.queryRenderedFeatures(m.project(c), { layers: ['world-land'] })[0]?.properties.name ?? null;
      }, lnglat);
    };
    expect(await countryAt([85.324, 27.7172])).toBe('Nepal');
    expect(await countryAt([80, 2])).toBeNull();
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
