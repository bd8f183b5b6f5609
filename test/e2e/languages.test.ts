/**
 * Issue 16, languages, in browser mode (Chromium): the language switch changes the UI at once (no
 * reload) to Chinese and then Spanish: visible strings, `<html lang>`, numbers formatted per locale
 * (a decimal comma in Spanish), and an error translated by its code (the control it names too),
 * its English original kept in the message log. On the main screens in Chinese no English word is
 * left but names (files, formats, coordinate systems) and units.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, seedProject, type Served, startServe, waitInventorySource } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-languages');

/** Words (3+ Latin letters) a translated screen may still show: names, formats, units, codes; data types as GDAL names them (uint8, float32: QGIS does not translate them either). */
const ALLOWED = new Set(
  'scarp lang lang2 gpkg geopackage geojson geotiff shapefile kml kmz csv html cog epsg wgs utm zone mgrs dem dsm rgb crs qgis arcgis google earth gdal pmtiles mbtiles ctrl shift alt esc del enter backspace cuda nvidia directml windows coreml macos cpu gpu web mercator zip shp tif uint int float'.split(' '),
);

/** The Latin words shown in the shell (panel, header, rail), minus the allowed ones and `extra` (file names). */
async function englishWords(page: Page, extra: string[]): Promise<string[]> {
  const text = await page.evaluate(() => {
    const parts: string[] = [];
    for (const sel of ['header.top', 'nav.rail', 'aside.panel']) {
      const root = document.querySelector(sel);
      if (!root) continue;
      // Visible text, without the language choice (each language is named in its own words).
      const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest('[data-testid=language]') || el.getClientRects().length === 0) continue;
        parts.push(n.textContent ?? '');
      }
      for (const a of root.querySelectorAll('[placeholder]')) parts.push(a.getAttribute('placeholder') ?? '');
    }
    return parts.join('\n');
  });
  const skip = new Set([...ALLOWED, ...extra.map((e) => e.toLowerCase())]);
  return [...new Set(text.match(/[A-Za-z]{3,}/g) ?? [])].filter((w) => !skip.has(w.toLowerCase()));
}

/**
 * Whether the text of `selector` in `script` (a regex class) is drawn by a font of `family`
 * (DevTools protocol: the node's platform fonts and their glyph counts, once fonts have loaded): that
 * font drew glyphs, and any other font drew no more glyphs than there are characters of other scripts
 * (spaces, '/'): a system font drawing this script's characters as boxes would draw more.
 */
async function drawnBy(page: Page, selector: string, script: RegExp, family: RegExp): Promise<{ familyGlyphs: number; otherGlyphs: number; otherChars: number }> {
  await page.evaluate(() => document.fonts.ready);
  const text = (await page.locator(selector).first().textContent()) ?? '';
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    const glyphs = (keep: (f: string) => boolean): number => fonts.filter((f) => keep(f.familyName)).reduce((n, f) => n + f.glyphCount, 0);
    return { familyGlyphs: glyphs((f) => family.test(f)), otherGlyphs: glyphs((f) => !family.test(f)), otherChars: [...text].filter((c) => !script.test(c)).length };
  } finally {
    await cdp.detach();
  }
}

describe.skipIf(!hasChromium || !hasData || !hasGdal)('languages (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('switches to Chinese and Spanish without a reload: strings, numbers, a translated error', async () => {
    freshWork(work);
    const path = join(work, 'lang.gpkg');
    await seedProject({
      path,
      image: cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 256, 256]),
      seed: async (s, scene, { square }) => {
        await s.addFeature({ coordinates: [square(10, 10, 60)], scene: scene.id, properties: { status: 'predicted', confidence: 0.875 } });
        await s.addFeature({ coordinates: [square(120, 10, 60)], scene: scene.id, properties: { status: 'confirmed' } });
      },
    });
    // An existing file of the export's name: exporting without "Replace an existing file" fails (OUTPUT_EXISTS).
    const taken = join(work, 'taken.geojson');
    writeFileSync(taken, '{}');

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const page: Page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openProject(page, served, path, 'lang');
    await waitInventorySource(page);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    // A reload would lose this.
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));

    const lang = page.getByTestId('language');
    const exportTaken = async (): Promise<string> => {
      await page.getByTestId('tab-export').click();
      await page.getByTestId('export-format').click();
      await page.locator('.n-base-select-option', { hasText: /^GeoJSON$/ }).click();
      await page.getByTestId('export-button').click();
      const fb = page.getByTestId('file-browser');
      await fb.locator('select.roots').selectOption(work);
      await expect.poll(() => fb.getByTestId('fb-cwd').textContent()).toBe(work);
      await fb.getByTestId('fb-name').locator('input').fill('taken.geojson');
      await fb.getByTestId('fb-save').click();
      await fb.waitFor({ state: 'detached' });
      await page.getByTestId('export-error').waitFor({ timeout: 60_000 });
      return (await page.getByTestId('export-error').textContent()) ?? '';
    };

    // Chinese.
    await lang.selectOption('zh');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await expect.poll(() => page.getByTestId('tab-inventory').textContent()).toContain('编目');
    expect(await page.locator('aside.panel h2').textContent()).toBe('项目');
    expect(await page.getByTestId('new-project').textContent()).toContain('新建项目');
    expect(await englishWords(page, ['lang', 'scene', 'e2e', ...work.split(/[^A-Za-z]+/)])).toEqual([]);
    await page.getByTestId('tab-inventory').click();
    await expect.poll(() => page.locator('aside.panel h2').textContent()).toBe('编目');
    await expect.poll(() => page.getByTestId('inventory-summary').textContent()).toContain('处滑坡');
    const conf = page.getByTestId('inventory-table').locator('td', { hasText: /^0[.,]875$/ });
    await expect.poll(() => conf.first().textContent()).toBe('0.875');
    // 'unknown' is the stored landslide type (the vocabulary's values stay English, docs/languages.md).
    expect(await englishWords(page, ['lang', 'scene', 'e2e', 'unknown'])).toEqual([]);
    const zhError = await exportTaken();
    expect(zhError).toContain('已存在');
    expect(zhError).toContain('“替换已有文件”开关');
    expect(zhError).not.toContain('already exists');
    // Every Chinese character drawn with a font that has it (the bundled Noto Sans SC), not as a box.
    for (const sel of ['aside.panel h2', '[data-testid=tab-inventory] .lbl', '[data-testid=tab-review] .lbl']) {
      const d = await drawnBy(page, sel, /\p{Script=Han}/u, /^Noto Sans SC\b/);
      expect(d.familyGlyphs, sel).toBeGreaterThan(0);
      expect(d.otherGlyphs, sel).toBeLessThanOrEqual(d.otherChars);
    }

    // Nepali: Devanagari with the bundled Noto Sans Devanagari, on the panel title and a tab.
    await lang.selectOption('ne');
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('ne');
    expect(await page.locator('aside.panel h2').textContent()).toMatch(/^[\u0900-\u097F\s/]+$/);
    for (const sel of ['aside.panel h2', '[data-testid=tab-inventory] .lbl']) {
      const d = await drawnBy(page, sel, /\p{Script=Devanagari}/u, /^Noto Sans Devanagari\b/);
      expect(d.familyGlyphs, sel).toBeGreaterThan(0);
      expect(d.otherGlyphs, sel).toBeLessThanOrEqual(d.otherChars);
    }

    // Spanish: the same screens, a decimal comma, the error in Spanish.
    await lang.selectOption('es');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('es');
    await expect.poll(() => page.getByTestId('tab-inventory').textContent()).toContain('Inventario');
    expect(await page.getByTestId('export-overwrite').textContent()).toContain('Reemplazar un archivo existente');
    const esError = await exportTaken();
    expect(esError).toContain('ya existe');
    expect(esError).toContain('Reemplazar un archivo existente');
    await page.getByTestId('tab-inventory').click();
    await expect.poll(() => conf.first().textContent()).toBe('0,875');
    await expect.poll(() => page.getByTestId('inventory-summary').textContent()).toContain('deslizamientos');

    // The message log: its labels in Spanish, the English original of the translated error beside it.
    await page.getByTestId('messages-button').click();
    await page.getByTestId('message-log').waitFor();
    const details = await page.getByTestId('message-log-detail').allTextContents();
    expect(details.some((d) => d.startsWith('OUTPUT_EXISTS') && d.includes('already exists'))).toBe(true);
    expect(await page.locator('.n-drawer-header').textContent()).toContain('Mensajes');
    await page.keyboard.press('Escape');

    // Alt+number opens a panel also while a text box has focus (the inventory's area box here).
    await page.getByTestId('tab-inventory').click();
    await page.getByTestId('inventory-summary').waitFor();
    await page.locator('aside.panel input[placeholder="mín."]').focus();
    await page.keyboard.press('Alt+1');
    await expect.poll(() => page.locator('aside.panel h2').textContent()).toBe('Proyecto');

    // The choice is remembered; nothing reloaded; no page error.
    expect(await page.evaluate(() => localStorage.getItem('scarp:language'))).toBe('es');
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
