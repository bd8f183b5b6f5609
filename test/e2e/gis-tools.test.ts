/**
 * Issue 16, GIS basics, in browser mode (Chromium): go to UTM and MGRS centres the map within 1 km of
 * the place (PROJ's UTM through gdaltransform; the MGRS writer is checked against PROJ in
 * test/unit/map), and so does a place name from the offline gazetteer (typed, or without its accent and
 * clicked in the list) within 1 km of GeoNames' coordinates; bad text says why and moves nothing; a measured distance and area agree with
 * GeographicLib within 0.1 %; the right-click menu copies the place as MGRS and in the project's CRS
 * (the readout shows it on hover too, both where PROJ puts it) and confirms the
 * landslide under the cursor; "Map image" saves a real PNG (GDAL reads it) showing the legend's colours.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as geodesicModule from 'geographiclib-geodesic';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { gdalinfoJson, hasGdal } from '../helpers/gdal';
import { peek } from '../helpers/project';
import { parseCoordinates, toMgrs } from '../../src-renderer/src/map/coordinates';
import { cropSiteB, ensureRendererBuilt, freshWork, hasChromium, launch, openProject, seedProject, type Served, startServe, waitMapIdle } from './harness';

type G = typeof geodesicModule;
const { Geodesic, PolygonArea } = (geodesicModule as G & { default?: G }).default ?? geodesicModule;
const work = resolve(repoRoot, 'test/.tmp/e2e-gis-tools');

type LngLat = [number, number];

function metres(a: LngLat, b: LngLat): number {
  return Geodesic.WGS84.Inverse(a[1], a[0], b[1], b[0]).s12!;
}

/** A number in the UI's words ("1,234.5 m", "3.25 ha", "1.234 km") in metres or m². */
function quantity(text: string): number {
  const m = /([\d,]+(?:\.\d+)?)\s*(m²|m|km²|km|ha)/.exec(text);
  if (!m) throw new Error(`no quantity in ${text}`);
  const v = Number(m[1]!.replace(/,/g, ''));
  return v * ({ m: 1, km: 1000, 'm²': 1, ha: 10_000, 'km²': 1e6 } as Record<string, number>)[m[2]!]!;
}

describe.skipIf(!hasChromium || !hasData || !hasGdal)('GIS basics on the map (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('go to UTM/MGRS, measure, right-click menu, map image', async () => {
    freshWork(work);
    const path = join(work, 'gis.gpkg');
    const { seeded } = await seedProject({
      path,
      image: cropSiteB('rgb', join(work, 'scene.tif'), [1100, 900, 512, 512]),
      seed: async (s, scene, { square }) => {
        await s.addFeature({ coordinates: [square(60, 60, 120)], scene: scene.id, properties: { status: 'predicted', notes: 'a' } });
        await s.addFeature({ coordinates: [square(320, 320, 120)], scene: scene.id, properties: { status: 'confirmed', notes: 'b' } });
        return s.mapFeatures({ afterFid: 0, limit: 10 });
      },
    });
    const centreOf = (notes: string): { fid: number; at: LngLat } => {
      const f = seeded!.features.find((x) => x.properties.notes === notes)!;
      const ring = f.geometry.coordinates[0]![0]!;
      const xs = ring.map((p) => p[0]!);
      const ys = ring.map((p) => p[1]!);
      return { fid: f.id, at: [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2] };
    };
    const a = centreOf('a');

    ensureRendererBuilt();
    served = await startServe([work]);
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, permissions: ['clipboard-read', 'clipboard-write'], acceptDownloads: true });
    const page: Page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await openProject(page, served, path, 'gis');
    // The harness's 30 s is short on a loaded machine for the first tiles and features.
    await page.waitForFunction(() => !!(window as unknown as { __scarpMap?: { getSource(id: string): unknown } }).__scarpMap?.getSource('inventory'), undefined, { timeout: 120_000 });
    await waitMapIdle(page, 0);

    const centre = (): Promise<LngLat> => page.evaluate(() => (window as unknown as { __scarpMap: { getCenter(): { lng: number; lat: number } } }).__scarpMap.getCenter()).then((c) => [c.lng, c.lat]);
    const goTo = async (text: string): Promise<void> => {
      await page.getByTestId('goto-input').fill(text);
      await page.getByTestId('goto-input').press('Enter');
    };

    // Go to Kathmandu by UTM (PROJ's coordinates), then to landslide a by MGRS.
    const ktm: LngLat = [85.324, 27.7172];
    const utm = execFileSync('gdaltransform', ['-output_xy', '-s_srs', '+proj=longlat +datum=WGS84', '-t_srs', 'EPSG:32645'], { input: `${ktm[0]} ${ktm[1]}`, encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    await goTo(`45N ${utm[0]!.toFixed(1)} ${utm[1]!.toFixed(1)}`);
    await expect.poll(async () => metres(await centre(), ktm)).toBeLessThan(1000);
    await page.getByTestId('goto-marker').waitFor();

    // A place name (the offline GeoNames gazetteer): the list offers it with its country, Enter goes there.
    // GeoNames' own coordinates (geonameid 1283240 and 3674962), not the shipped file's.
    // Medellín typed without its accent and picked with a click (away from Kathmandu, where UTM left the map), then Kathmandu with Enter.
    await page.getByTestId('goto-input').fill('medellin');
    await page.getByTestId('goto-place').first().waitFor();
    expect(await page.getByTestId('goto-place').first().textContent()).toContain('Medellín');
    await page.getByTestId('goto-place').first().click();
    await expect.poll(async () => metres(await centre(), [-75.56359, 6.25184])).toBeLessThan(1000);
    await page.getByTestId('goto-input').fill('Kathmandu');
    await expect.poll(() => page.getByTestId('goto-place').first().textContent()).toContain('Nepal');
    await page.getByTestId('goto-input').press('Enter');
    await expect.poll(async () => metres(await centre(), [85.3206, 27.70169])).toBeLessThan(1000);
    expect(await page.getByTestId('goto-marker').getAttribute('title')).toBe('Kathmandu, Nepal');
    // A name no place has: said under the box, with the coordinate reason; the map stays.
    const stay = await centre();
    await goTo('Qxzqxz');
    await expect.poll(() => page.getByTestId('goto-error').textContent()).toContain('No town or city in the gazetteer starts with “Qxzqxz”');
    expect(metres(await centre(), stay)).toBeLessThan(0.01);

    // Coordinates keep priority: MGRS text after place names goes to the coordinate, with no list of places.
    const mgrs = toMgrs(a.at[0], a.at[1])!;
    await goTo(mgrs);
    await expect.poll(async () => metres(await centre(), a.at)).toBeLessThan(1000);
    expect(metres(await centre(), a.at)).toBeLessThan(5);
    expect(await page.getByTestId('goto-places').count()).toBe(0);

    // Text that is no coordinate: the reason under the box, the map stays.
    const before = await centre();
    await goTo('31.5, 200');
    await expect.poll(() => page.getByTestId('goto-error').textContent()).toContain('longitude 200 is outside');
    expect(await page.getByTestId('goto-error').textContent()).toContain('Write latitude then longitude');
    expect(metres(await centre(), before)).toBeLessThan(0.01);

    // Measure a distance (three points, Enter) and an area (four corners, double-click).
    await waitMapIdle(page, 0);
    const box = (await page.getByTestId('map').boundingBox())!;
    const unproject = (pts: Array<[number, number]>): Promise<LngLat[]> =>
      page.evaluate((p) => p.map(([x, y]) => (window as unknown as { __scarpMap: { unproject(p: [number, number]): { lng: number; lat: number } } }).__scarpMap.unproject([x, y])).map((l) => [l.lng, l.lat] as LngLat), pts);
    // Whole page pixels: a mouse event lands on one, so a fractional point would be off by up to a pixel.
    const px: Array<[number, number]> = (
      [
        [0.3, 0.35],
        [0.7, 0.4],
        [0.6, 0.75],
        [0.35, 0.7],
      ] as Array<[number, number]>
    ).map(([fx, fy]) => [Math.round(box.x + box.width * fx) - box.x, Math.round(box.y + box.height * fy) - box.y]);
    await page.getByTestId('measure-distance').click();
    for (const [x, y] of px.slice(0, 3)) await page.mouse.click(box.x + x, box.y + y);
    await page.keyboard.press('Enter');
    const line = await unproject(px.slice(0, 3));
    const want = metres(line[0]!, line[1]!) + metres(line[1]!, line[2]!);
    await expect.poll(() => page.getByTestId('measure-length').textContent()).toMatch(/m$/);
    const shownLength = quantity((await page.getByTestId('measure-length').textContent())!);
    expect(Math.abs(shownLength - want) / want).toBeLessThan(0.001);
    // The click on landslide a's area did not select it (measuring owns the clicks).
    expect(await page.getByTestId('identify-popup').count()).toBe(0);

    await page.getByTestId('measure-area-tool').click();
    for (const [x, y] of px.slice(0, 3)) await page.mouse.click(box.x + x, box.y + y);
    await page.mouse.dblclick(box.x + px[3]![0], box.y + px[3]![1]);
    const ring = await unproject(px);
    const pa = new PolygonArea.PolygonArea(Geodesic.WGS84, false);
    for (const [x, y] of ring) pa.AddPoint(y, x);
    const wantArea = Math.abs(pa.Compute(false, true).area!);
    await expect.poll(() => page.getByTestId('measure-area').textContent()).toMatch(/(m²|ha|km²)$/);
    const shownArea = quantity((await page.getByTestId('measure-area').textContent())!);
    expect(Math.abs(shownArea - wantArea) / wantArea).toBeLessThan(0.001);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('measure-result').count()).toBe(0);

    // Right-click on landslide a: copy the place as MGRS, then confirm the landslide from the menu.
    const pxA = await page.evaluate((p) => (window as unknown as { __scarpMap: { project(p: LngLat): { x: number; y: number } } }).__scarpMap.project(p), a.at);
    await page.mouse.click(box.x + pxA.x, box.y + pxA.y, { button: 'right' });
    await page.getByTestId('map-menu').waitFor();
    expect(await page.getByTestId('menu-confirm').count()).toBe(1);
    await page.getByTestId('menu-copy-mgrs').click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const back = parseCoordinates(copied);
    expect(metres([back.lng, back.lat], a.at)).toBeLessThan(5);

    // The project's CRS (the scene's, by GDAL), on hover and on copy, where PROJ puts landslide a.
    const epsg = execFileSync('gdalsrsinfo', ['-o', 'epsg', join(work, 'scene.tif')], { encoding: 'utf8' }).trim();
    const wantXy = execFileSync('gdaltransform', ['-output_xy', '-s_srs', '+proj=longlat +datum=WGS84', '-t_srs', epsg], { input: `${a.at[0]} ${a.at[1]}`, encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    const near = (xy: number[]): number => Math.hypot(xy[0]! - wantXy[0]!, xy[1]! - wantXy[1]!);
    await page.mouse.click(box.x + pxA.x, box.y + pxA.y, { button: 'right' });
    expect(await page.getByTestId('menu-copy-project').textContent()).toContain(`(${epsg})`);
    await page.getByTestId('menu-copy-project').click();
    const copiedXy = (await page.evaluate(() => navigator.clipboard.readText())).split(' ').map(Number);
    expect(copiedXy).toHaveLength(2);
    expect(near(copiedXy)).toBeLessThan(5);
    await page.mouse.move(box.x + pxA.x, box.y + pxA.y);
    const hover = (await page.getByTestId('cursor-crs').textContent())!;
    expect(hover.startsWith(`${epsg} `)).toBe(true);
    expect(near(hover.slice(epsg.length + 1).split(' ').map(Number))).toBeLessThan(5);

    await page.mouse.click(box.x + pxA.x, box.y + pxA.y, { button: 'right' });
    await page.getByTestId('menu-confirm').click();
    const statusA = (): string => peek(path, (db) => (db.prepare('SELECT status FROM landslides WHERE fid = ?').get(a.fid) as { status: string }).status);
    await expect.poll(statusA).toBe('confirmed');
    // Off the landslides the menu has only the place's commands.
    await page.mouse.click(box.x + box.width * 0.92, box.y + box.height * 0.5, { button: 'right' });
    await page.getByTestId('map-menu').waitFor();
    expect(await page.getByTestId('menu-confirm').count()).toBe(0);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('map-menu').count()).toBe(0);

    // Map image: a PNG GDAL reads, the map's size plus its title and sources bands, with the legend's swatches.
    await page.evaluate(() => (window as unknown as { __scarpMap: { jumpTo(o: unknown): void } }).__scarpMap.jumpTo({ zoom: 2 }));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('export-map-image').click()]);
    expect(download.suggestedFilename()).toMatch(/^gis-map-\d{8}-\d{4}\.png$/);
    const png = join(work, download.suggestedFilename());
    await download.saveAs(png);
    const info = gdalinfoJson(png) as { driverShortName: string; size: [number, number]; bands: unknown[] };
    expect(info.driverShortName).toBe('PNG');
    expect(info.size[0]).toBe(Math.round(box.width));
    expect(info.size[1]).toBe(Math.round(box.height) + 64 + 30);
    expect(info.bands.length).toBeGreaterThanOrEqual(3);
    // Exact legend colours (swatches of 14 × 14 px): confirmed #e0245e, predicted #ff7a1a, rejected #8a94a6.
    const counts = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          `
import json, sys
from osgeo import gdal
d = gdal.Open(sys.argv[1]); r, g, b = (d.GetRasterBand(i).ReadAsArray().astype('int64') for i in (1, 2, 3))
key = (r << 16) | (g << 8) | b
print(json.dumps({c: int((key == int(c[1:], 16)).sum()) for c in ['#e0245e', '#ff7a1a', '#8a94a6', '#17bf63']}))`,
          png,
        ],
        { encoding: 'utf8' },
      ),
    ) as Record<string, number>;
    for (const [c, n] of Object.entries(counts)) expect(n, c).toBeGreaterThanOrEqual(14 * 14);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
