/**
 * Field teams (issue 17) in browser mode (real Chromium, the real server): field evidence added to a
 * landslide from its attribute form (a note, and a JPEG through the app's file chooser), a field
 * package cut to an area drawn on the map (estimate first, then written: GDAL reads its imagery
 * tiles, it holds exactly the landslides in the area), and a colleague's field package merged back
 * through the dialog (the preview's counts and conflict, a conflict resolved to their version, one
 * edit that Undo takes back whole).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { hasData } from '../helpers/data';
import { gdal, gdalinfoJson, hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { createTransformer, crsFromEpsg, WGS84 } from '../../src-main/core/geo';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, scenePixels, startServe, waitInventorySource, type Served } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-field-teams');

type Row = { uuid: string; status: string; notes: string | null };
const rows = (path: string): Map<string, Row> => new Map(peek(path, (db) => db.prepare('SELECT uuid, status, notes FROM landslides').all() as Row[]).map((r) => [r.notes ?? r.uuid, r]));

describe.skipIf(!hasChromium || !hasData || !hasGdal)('field teams: evidence, field package, merge (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  let page: Page;
  const pageErrors: string[] = [];
  const path = join(work, 'event.gpkg');
  const colleague = join(work, 'colleague.gpkg');
  const photo = join(work, 'crown.jpg');
  /** Map (lon, lat) of scene pixels, for clicks on the map. */
  let lonLat: (x: number, y: number) => [number, number] = () => [0, 0];

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  /** Click the map at a longitude/latitude. */
  async function clickMap(ll: [number, number], dbl = false): Promise<void> {
    const p = await page.evaluate((c) => (window as unknown as { __scarpMap: { project(p: [number, number]): { x: number; y: number } } }).__scarpMap.project(c), ll);
    const mb = (await page.getByTestId('map').boundingBox())!;
    if (dbl) await page.mouse.dblclick(mb.x + p.x, mb.y + p.y);
    else await page.mouse.click(mb.x + p.x, mb.y + p.y);
  }

  /** Choose `name` in the in-app file chooser (open: click it; save: type it). */
  async function choose(name: string, mode: 'open' | 'save'): Promise<void> {
    const fb = page.getByTestId('file-browser');
    await fb.locator('select.roots').selectOption(work);
    await expect.poll(() => fb.getByTestId('fb-cwd').textContent()).toBe(work);
    if (mode === 'open') await fb.getByTestId(`fb-entry-${name}`).click();
    else {
      await fb.getByTestId('fb-name').locator('input').fill(name);
      await fb.getByTestId('fb-save').click();
    }
    await fb.waitFor({ state: 'detached' });
  }

  it('sets up: a project with four landslides; a colleague’s field package of it, edited differently on both sides', async () => {
    freshWork(work);
    const image = cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 512, 256]);
    gdal('gdal_translate', ['-q', '-of', 'JPEG', '-outsize', '320', '160', image, photo]);
    const s = new ScarpService();
    await s.createProject({ path, author: 'ops' });
    const scene = await s.addScene({ path: image });
    const px = scenePixels(scene);
    const info = await s.projectInfo();
    expect(info.crs?.epsg).toEqual(expect.any(Number));
    const toLL = createTransformer(crsFromEpsg(info.crs!.epsg!), WGS84);
    lonLat = (x, y) => toLL.forward(...px.at(x, y));
    // West: w1, w2; east: e1, e2 (notes name them).
    for (const [note, x] of [['w1', 20], ['w2', 130], ['e1', 300], ['e2', 420]] as const) await s.addFeature({ coordinates: [px.square(x, 80, 60)], scene: scene.id, properties: { status: 'predicted', notes: note } });
    const pkg = await s.packageProject({ project: path, out: colleague, rasters: [] });
    expect(pkg.landslides).toBe(4);
    const uuid = (note: string): string => rows(path).get(note)!.uuid;
    const w1 = uuid('w1');
    const w2 = uuid('w2');
    const e1 = uuid('e1');
    // Here: w1 rejected. There: w1 confirmed (a conflict), w2's note, e1 deleted, one new landslide.
    await s.updateFeatures({ uuids: [w1], changes: { status: 'rejected' } });
    await s.closeProject();
    await s.openProject({ path: colleague });
    await s.updateFeatures({ uuids: [w1], changes: { status: 'confirmed' } });
    await s.updateFeatures({ uuids: [w2], changes: { notes: 'w2 seen in the field' } });
    const e1Fid = (await s.listFeatures({ limit: 10 })).features.find((f) => f.properties.uuid === e1)!.fid;
    await s.deleteFeatures({ fids: [e1Fid] });
    await s.addFeature({ coordinates: [px.square(300, 180, 50)], properties: { status: 'field_verified', notes: 'new in the field' } });
    await s.closeProject();

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openProject(page, served, path, 'event');
    await waitInventorySource(page);
  }, 600_000);

  it('adds a field note and a photo to a landslide from its attribute form; both stored as evidence', async () => {
    const w2 = rows(path).get('w2')!;
    await page.getByTestId('tab-inventory').click();
    const table = page.getByTestId('inventory-table');
    const fid = peek(path, (db) => (db.prepare('SELECT fid FROM landslides WHERE uuid = ?').get(w2.uuid) as { fid: number }).fid);
    await table.getByTestId(`inv-row-${fid}`).click();
    const ev = page.getByTestId('evidence');
    await ev.waitFor({ timeout: 30_000 });
    await ev.getByTestId('evidence-note-input').locator('textarea').fill('crown crack 2 m wide');
    await ev.getByTestId('evidence-add-note').click();
    await expect.poll(() => ev.getByTestId('evidence-note').count()).toBe(1);
    await ev.getByTestId('evidence-attach').click();
    await choose('crown.jpg', 'open');
    await ev.getByTestId('evidence-thumb').waitFor({ timeout: 30_000 });
    expect(await ev.getByTestId('evidence-photo').count()).toBe(1);
    expect(await ev.textContent()).toContain('crown crack 2 m wide');
    // In the project's related tables, on that landslide.
    const stored = peek(path, (db) => ({
      photos: db.prepare('SELECT landslide_uuid, content_type, width, height FROM landslide_photos').all(),
      notes: db.prepare('SELECT landslide_uuid, note FROM landslide_notes').all(),
    }));
    expect(stored.photos).toEqual([{ landslide_uuid: w2.uuid, content_type: 'image/jpeg', width: 320, height: 160 }]);
    expect(stored.notes).toEqual([{ landslide_uuid: w2.uuid, note: 'crown crack 2 m wide' }]);
    // The full-size view opens on a click.
    await ev.getByTestId('evidence-thumb').click();
    await page.getByTestId('evidence-full').waitFor();
    await page.getByTestId('evidence-full').click();
  }, 300_000);

  it('packages the area drawn on the map: estimate, then the package (GDAL reads its imagery)', async () => {
    await page.getByTestId('fit-all').click();
    await page.getByTestId('tab-export').click();
    await page.getByTestId('field-package-button').click();
    const dlg = page.getByTestId('package-dialog');
    await dlg.waitFor();
    await dlg.getByTestId('pkg-area-drawn').click();
    await dlg.getByTestId('pkg-draw').click();
    // The dialog waits while the area is drawn: the western half of the scene.
    await page.getByTestId('aoi-drawing').waitFor();
    await expect.poll(() => dlg.count()).toBe(0);
    for (const [x, y] of [[5, 5], [250, 5], [250, 250]] as const) await clickMap(lonLat(x, y));
    await clickMap(lonLat(5, 250));
    await page.getByTestId('aoi-finish').click();
    await dlg.waitFor();
    expect(await dlg.getByTestId('pkg-drawn').textContent()).toContain('4 corners');
    await dlg.getByTestId('pkg-raster-probability').click(); // there is no run; unchecked, nothing changes
    const est = dlg.getByTestId('pkg-estimate');
    await expect.poll(() => est.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    await expect.poll(() => est.textContent()).toMatch(/^2 landslides, 2 photos and notes; about .* free on that disk/);
    // The drawn corners are where the clicks fell (screen pixels): about 245 × 245 scene pixels.
    const size = /Imagery: (\d+) × (\d+) px/.exec((await est.textContent())!)!.slice(1).map(Number);
    for (const v of size) {
      expect(v).toBeGreaterThan(235);
      expect(v).toBeLessThan(256);
    }
    // The destination: another name in the work folder.
    await dlg.getByTestId('pkg-choose-out').click();
    await choose('west.gpkg', 'save');
    await expect.poll(() => dlg.getByTestId('pkg-out').textContent()).toBe(join(work, 'west.gpkg'));
    await expect.poll(() => est.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    expect(existsSync(join(work, 'west.gpkg'))).toBe(false);
    await dlg.getByTestId('pkg-write').click();
    await dlg.getByTestId('pkg-result').waitFor({ timeout: 120_000 });
    const out = join(work, 'west.gpkg');
    expect(existsSync(out)).toBe(true);
    expect([...rows(out).keys()].sort()).toEqual(['w1', 'w2']);
    const tiles = gdalinfoJson(out, ['-oo', 'TABLE=imagery_1']) as { size: number[]; bands: unknown[] };
    expect(tiles.size).toEqual(size);
    expect(tiles.bands).toHaveLength(4);
    // The same destination again without "Replace an existing file": said before writing, no write possible.
    await dlg.getByTestId('pkg-raster-hillshade').click();
    await dlg.getByTestId('pkg-estimate-error').waitFor({ timeout: 60_000 });
    expect(await dlg.getByTestId('pkg-estimate-error').textContent()).toContain('already exists');
    expect(await dlg.getByTestId('pkg-write').isDisabled()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dlg.count()).toBe(0);
  }, 300_000);

  it('merges the colleague’s package: preview, a conflict taken from theirs, one edit that Undo takes back', async () => {
    const before = rows(path);
    await page.getByTestId('field-merge-button').click();
    const dlg = page.getByTestId('merge-dialog');
    await dlg.waitFor();
    await dlg.getByTestId('merge-choose').click();
    await choose('colleague.gpkg', 'open');
    await dlg.getByTestId('merge-preview').waitFor({ timeout: 60_000 });
    expect(await dlg.getByTestId('merge-mode').textContent()).toContain('Three-way');
    expect(await dlg.getByTestId('merge-added').textContent()).toBe('1');
    expect(await dlg.getByTestId('merge-deleted').textContent()).toBe('1');
    expect((await dlg.getByTestId('merge-updated').textContent())!.startsWith('1')).toBe(true);
    const conflicts = dlg.getByTestId('merge-conflict');
    expect(await conflicts.count()).toBe(1);
    const c = conflicts.first();
    expect(await c.getAttribute('data-uuid')).toBe(before.get('w1')!.uuid);
    expect(await c.getAttribute('data-field')).toBe('status');
    expect(await c.textContent()).toContain('rejected');
    expect(await c.textContent()).toContain('confirmed');
    expect(await c.getByTestId('take-into').isChecked()).toBe(true);
    await c.getByTestId('take-from').check();
    await dlg.getByTestId('merge-apply').click();
    await dlg.getByTestId('merge-result').waitFor({ timeout: 60_000 });
    expect(await dlg.getByTestId('merge-result').textContent()).toContain('1 new, 1 deleted, 2 changed');

    const after = rows(path);
    expect(after.get('w1')!.status).toBe('confirmed');
    expect(after.has('w2 seen in the field')).toBe(true);
    expect(after.has('e1')).toBe(false);
    expect(after.get('new in the field')!.status).toBe('field_verified');
    expect(after.size).toBe(4);

    // One edit: Undo takes the whole merge back.
    await page.keyboard.press('Escape');
    await expect.poll(() => dlg.count()).toBe(0);
    await page.getByTestId('undo').click();
    await expect.poll(() => [...rows(path).keys()].sort(), { timeout: 30_000 }).toEqual([...before.keys()].sort());
    expect(rows(path).get('w1')!.status).toBe('rejected');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
