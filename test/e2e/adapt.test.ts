/**
 * Issue 14 in browser mode (Chromium): a project detected on a crop of Jinsha site B with the shipped
 * UAV model; three landslides reviewed with the review keys; "Adapt to this event" runs; the result
 * shows the counts the API returned, the map has the difference layer (new vs removed outlines) and
 * the inventory shows the new run without re-reading the whole project; Discard undoes it in one
 * step and the previous unreviewed landslides are back, on the map and in the file.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AdaptModelResult } from '../../src-shared/api';
import { repoRoot } from '../../src-main/core/paths';
import { createScarpService } from '../../src-main/core/service/scarp-service';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, type Served, startServe, waitInventorySource } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-adapt');
const MODEL = resolve(repoRoot, 'models/scarp-uav-rgbdem.onnx');

interface MapProbe {
  getSource(id: string): { getData(): Promise<{ features: Array<{ id?: number | string; properties: Record<string, unknown> | null }> }> } | undefined;
  getLayer(id: string): unknown;
}

describe.skipIf(!hasChromium || !hasData || !hasGdal || !existsSync(MODEL))('adapt to this event (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  let page: Page | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      await page.screenshot({ path: join(work, 'failed.png') }).catch(() => undefined);
      console.error(`[e2e adapt] server stderr: ${served?.stderr.join('').slice(-3000)}`);
    }
  });

  it('review three, adapt, see the difference, discard: the previous unreviewed landslides are back', async () => {
    freshWork(work);
    for (const band of ['rgb', 'dsm'] as const) cropSiteB(band, join(work, `${band}.tif`), [1920, 832, 1024, 1024]);
    const path = join(work, 'adapt.gpkg');
    await createScarpService().detect({ image: join(work, 'rgb.tif'), dem: join(work, 'dsm.tif'), model: 'scarp-uav-rgbdem', project: path });
    const predicted = (): number[] => peek(path, (db) => (db.prepare("SELECT fid FROM landslides WHERE status = 'predicted' ORDER BY fid").all() as Array<{ fid: number }>).map((r) => r.fid));
    const detected = predicted();
    expect(detected.length).toBeGreaterThanOrEqual(5);

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const p = page;
    const pageErrors: string[] = [];
    p.on('pageerror', (e) => pageErrors.push(String(e)));
    // What adaptModel returned over the WebSocket, and the map-feature reads made after it.
    let adapted: AdaptModelResult | null = null;
    p.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        const msg = JSON.parse(String(f.payload)) as { type: string; result?: Partial<AdaptModelResult> };
        if (msg.type === 'result' && msg.result?.changes && msg.result.decisions) adapted = msg.result as AdaptModelResult;
      }),
    );
    const mapReads: Array<{ bbox?: unknown }> = [];
    p.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/rpc/mapFeatures') mapReads.push(((r.postDataJSON() as { args: Array<{ bbox?: unknown }> }).args[0] ?? {}) as { bbox?: unknown });
    });

    await openProject(p, served, path, 'adapt');
    await waitInventorySource(p);

    // Not offered before three landslides are reviewed, and the panel says why.
    await p.getByTestId('tab-review').click();
    await expect.poll(() => p.getByTestId('adapt-why-disabled').textContent()).toMatch(/at least 3 reviewed landslides; 0 so far/);
    expect(await p.getByTestId('adapt-run').isDisabled()).toBe(true);

    await p.getByTestId('review-start').click();
    await expect.poll(() => p.getByTestId('review-counter').textContent()).toContain(`${detected.length} left`);
    // The counter shows the queue the panel read when it opened; keys decide only once review has
    // started and a landslide is on the card (under load the first key could come before).
    await p.getByTestId('review-current').waitFor();
    await p.keyboard.press('a');
    await p.keyboard.press('a');
    await p.keyboard.press('r');
    await expect.poll(() => predicted().length, { timeout: 30_000 }).toBe(detected.length - 3);
    await expect.poll(() => p.getByTestId('adapt-run').isDisabled(), { timeout: 30_000 }).toBe(false);
    expect(await p.getByTestId('adapt-why-disabled').count()).toBe(0);
    const beforeAdapt = predicted();

    mapReads.length = 0;
    await p.getByTestId('adapt-run').click();
    await p.getByTestId('adapt-progress').waitFor({ timeout: 30_000 });
    await p.getByTestId('adapt-result').waitFor({ timeout: 480_000 });
    await expect.poll(() => adapted !== null).toBe(true);
    const r = adapted as unknown as AdaptModelResult;
    expect(r.decisions).toEqual({ confirmed: 2, rejected: 1 });
    expect(r.changes.before).toBe(beforeAdapt.length);
    // What the panel shows is what the API returned, and what the file now holds.
    expect(Number(await p.getByTestId('adapt-before').textContent())).toBe(r.changes.before);
    expect(Number(await p.getByTestId('adapt-after').textContent())).toBe(r.changes.after);
    // Whether the head moved is said when it did not (three decisions rarely predict each other).
    expect(typeof r.keptBase).toBe('boolean');
    expect(await p.getByTestId('adapt-kept-base').count()).toBe(r.keptBase ? 1 : 0);
    // Every new landslide is added, reshaped from old ones or an old outline again; every old one removed or reshaped.
    const d = r.difference;
    expect(d.added.length + d.reshaped.length + d.unchanged).toBe(r.changes.after);
    expect(Number(await p.getByTestId('adapt-added').textContent())).toBe(d.added.length);
    expect(Number(await p.getByTestId('adapt-removed').textContent())).toBe(d.removed.length);
    expect(Number(await p.getByTestId('adapt-reshaped').textContent())).toBe(d.reshaped.length);
    const sorted = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);
    expect(await p.getByTestId('adapt-model').textContent()).toContain('scarp-uav-rgbdem');
    const afterAdapt = predicted();
    expect(afterAdapt.length).toBe(r.changes.after);

    // The map: the difference layer (new and removed outlines) and the inventory with the new run.
    const onMap = (): Promise<{ added: number[]; removed: number[]; reshaped: number[]; reshapedBefore: number[]; predicted: number[]; layers: boolean }> =>
      p.evaluate(async () => {
        const m = (window as unknown as { __scarpMap: MapProbe }).__scarpMap;
        const diff = (await m.getSource('adapt-diff')?.getData())?.features ?? [];
        const inv = (await m.getSource('inventory')?.getData())?.features ?? [];
        const fids = (change: string): number[] => diff.filter((f) => f.properties?.change === change).map((f) => Number(f.properties?.fid)).sort((a, b) => a - b);
        return {
          added: fids('added'),
          removed: fids('removed'),
          reshaped: fids('reshaped'),
          reshapedBefore: fids('reshaped-before'),
          predicted: inv.filter((f) => f.properties?.status === 'predicted').map((f) => Number(f.id)).sort((a, b) => a - b),
          layers: ['adapt-diff-added-fill', 'adapt-diff-added-line', 'adapt-diff-removed-line', 'adapt-diff-reshaped-fill', 'adapt-diff-reshaped-before-line'].every((id) => !!m.getLayer(id)),
        };
      });
    await expect.poll(onMap, { timeout: 30_000 }).toEqual({
      added: sorted(d.added),
      removed: sorted(d.removed),
      reshaped: sorted(d.reshaped.map((x) => x.after)),
      reshapedBefore: sorted(d.reshaped.flatMap((x) => x.before)),
      predicted: afterAdapt,
      layers: true,
    });
    // Old and new outlines on the map are exactly the scene's unreviewed landslides before and after.
    expect(sorted([...d.added, ...d.reshaped.map((x) => x.after)]).every((f) => afterAdapt.includes(f))).toBe(true);
    expect(sorted([...d.removed, ...d.reshaped.flatMap((x) => x.before)]).every((f) => beforeAdapt.includes(f))).toBe(true);
    // The new run came to the map by the scene's window, not by re-reading the whole project.
    expect(mapReads.length).toBeGreaterThan(0);
    expect(mapReads.every((a) => a.bbox !== undefined)).toBe(true);
    await p.screenshot({ path: join(work, 'adapted.png') });

    // Discard: one undo; the previous unreviewed landslides are back in the file, on the map, in the queue.
    await p.getByTestId('adapt-discard').click();
    await p.getByTestId('adapt-result').waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(predicted, { timeout: 30_000 }).toEqual(beforeAdapt);
    await expect.poll(onMap, { timeout: 30_000 }).toEqual({ added: [], removed: [], reshaped: [], reshapedBefore: [], predicted: beforeAdapt, layers: true });
    await expect.poll(() => p.getByTestId('review-counter').textContent(), { timeout: 30_000 }).toContain(`${beforeAdapt.length} left`);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
