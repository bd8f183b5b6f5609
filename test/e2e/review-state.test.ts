/**
 * Issue 16, item 1, in browser mode (Chromium): the review card, the map highlight and the attribute
 * form always show the same landslide — after keyboard decisions (A/R), after Ctrl+Z and
 * Ctrl+Shift+Z — the map shows the landslide an undo or redo changed, and the next decision lands
 * on the landslide shown.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, seedProject, type Served, startServe, waitInventorySource } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-review-state');

interface Shown {
  card: number | null;
  form: number | null;
  highlight: number[];
}

describe.skipIf(!hasChromium || !hasData || !hasGdal)('review state owned in one place (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('card, highlight and form follow A/R, Ctrl+Z and Ctrl+Shift+Z; the decision lands on the landslide shown', async () => {
    freshWork(work);
    const path = join(work, 'review.gpkg');
    // Six predicted squares far apart, largest first (the review order): s0 top left, s1 bottom right, …
    const corners: Array<[number, number]> = [
      [5, 5],
      [440, 440],
      [440, 5],
      [5, 440],
      [220, 5],
      [220, 440],
    ];
    const { seeded: page0 } = await seedProject({
      path,
      image: cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 512, 512]),
      seed: async (s, scene, { square }) => {
        for (let i = 0; i < corners.length; i++)
          await s.addFeature({ coordinates: [square(corners[i]![0], corners[i]![1], 60 - i * 5)], scene: scene.id, properties: { status: 'predicted', notes: `s${i}` } });
        return s.mapFeatures({ afterFid: 0, limit: 100 });
      },
    });
    const fidOf: Record<string, number> = {};
    const centre: Record<number, [number, number]> = {};
    for (const f of page0!.features) {
      fidOf[String(f.properties.notes)] = f.id;
      const ring = f.geometry.coordinates[0]![0]!;
      const xs = ring.map((p) => p[0]!);
      const ys = ring.map((p) => p[1]!);
      centre[f.id] = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    }
    const statusOf = (): Record<string, string> =>
      Object.fromEntries(peek(path, (db) => db.prepare('SELECT notes, status FROM landslides ORDER BY fid').all() as Array<{ notes: string; status: string }>).map((r) => [r.notes, r.status]));

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const page: Page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openProject(page, served, path, 'review');
    await waitInventorySource(page);

    /** What the card, the attribute form and the map highlight show. */
    const shown = (): Promise<Shown> =>
      page.evaluate(() => {
        const num = (t: string | null | undefined): number | null => {
          const m = /#(\d+)/.exec(t ?? '');
          return m ? Number(m[1]) : null;
        };
        const m = (window as unknown as { __scarpMap: { getFilter(id: string): unknown } }).__scarpMap;
        // The highlight's filter holds ['in', ['id'], ['literal', [fids]]] somewhere.
        const find = (x: unknown): unknown[] | null => {
          if (!Array.isArray(x)) return null;
          if (x[0] === 'in' && Array.isArray(x[1]) && x[1][0] === 'id' && Array.isArray(x[2]) && x[2][0] === 'literal') return x[2][1] as unknown[];
          for (const y of x) {
            const r = find(y);
            if (r) return r;
          }
          return null;
        };
        const lit = find(m.getFilter('inv-highlight')) ?? [];
        return {
          card: num(document.querySelector('[data-testid=review-fid]')?.textContent),
          form: num(document.querySelector('[data-testid=selection-fid]')?.textContent),
          highlight: Array.isArray(lit) ? (lit as number[]) : [],
        };
      });
    const all = (fid: number): Shown => ({ card: fid, form: fid, highlight: [fid] });
    /** Whether the map view contains the landslide's centre. */
    const inView = (fid: number): Promise<boolean> =>
      page.evaluate(
        ([x, y]) => {
          const b = (window as unknown as { __scarpMap: { getBounds(): { contains(p: [number, number]): boolean } } }).__scarpMap.getBounds();
          return b.contains([x!, y!]);
        },
        centre[fid]!,
      );

    await page.getByTestId('tab-review').click();
    await page.getByTestId('review-start').click();
    await expect.poll(shown).toEqual(all(fidOf.s0!));

    // A: s0 accepted, the card, the highlight and the form move together to s1.
    await page.keyboard.press('a');
    await expect.poll(shown).toEqual(all(fidOf.s1!));
    await expect.poll(() => statusOf().s0, { timeout: 30_000 }).toBe('confirmed');
    await expect.poll(() => inView(fidOf.s0!)).toBe(false);

    // Ctrl+Z: s0 is back in the queue; everything shows s0 and the map moves to it.
    await page.keyboard.press('Control+z');
    await expect.poll(() => statusOf().s0, { timeout: 30_000 }).toBe('predicted');
    await expect.poll(shown).toEqual(all(fidOf.s0!));
    await expect.poll(() => inView(fidOf.s0!)).toBe(true);

    // A now lands on s0, the landslide shown (not on s1, which the view had left).
    await page.keyboard.press('a');
    await expect.poll(() => statusOf(), { timeout: 30_000 }).toMatchObject({ s0: 'confirmed', s1: 'predicted' });
    await expect.poll(shown).toEqual(all(fidOf.s1!));

    // R on s1, then Ctrl+Z twice: s1, then s0 come back, each shown everywhere.
    await page.keyboard.press('r');
    await expect.poll(() => statusOf(), { timeout: 30_000 }).toMatchObject({ s0: 'confirmed', s1: 'rejected' });
    await expect.poll(shown).toEqual(all(fidOf.s2!));
    await page.keyboard.press('Control+z');
    await expect.poll(() => statusOf().s1, { timeout: 30_000 }).toBe('predicted');
    await expect.poll(shown).toEqual(all(fidOf.s1!));
    await expect.poll(() => inView(fidOf.s1!)).toBe(true);
    await page.keyboard.press('Control+z');
    await expect.poll(() => statusOf().s0, { timeout: 30_000 }).toBe('predicted');
    await expect.poll(shown).toEqual(all(fidOf.s0!));

    // Ctrl+Shift+Z: s0 accepted again; the view goes to it and shows it as confirmed.
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => statusOf().s0, { timeout: 30_000 }).toBe('confirmed');
    await expect.poll(shown).toEqual(all(fidOf.s0!));
    await expect.poll(() => page.getByTestId('review-status').textContent()).toBe('confirmed');
    await expect.poll(() => inView(fidOf.s0!)).toBe(true);
    // R re-decides on the landslide shown.
    await page.keyboard.press('r');
    await expect.poll(() => statusOf(), { timeout: 30_000 }).toMatchObject({ s0: 'rejected', s1: 'predicted' });

    // A click on the map selects another landslide: the card follows it too.
    await page.getByTestId('fit-all').click();
    const target = fidOf.s3!;
    await expect.poll(() => inView(target)).toBe(true);
    await page.waitForTimeout(300);
    const pt = await page.evaluate(([x, y]) => {
      const m = (window as unknown as { __scarpMap: { project(p: [number, number]): { x: number; y: number } } }).__scarpMap;
      return m.project([x!, y!]);
    }, centre[target]!);
    const mapBox = (await page.getByTestId('map').boundingBox())!;
    await page.mouse.click(mapBox.x + pt.x, mapBox.y + pt.y);
    await expect.poll(shown).toEqual(all(target));
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
