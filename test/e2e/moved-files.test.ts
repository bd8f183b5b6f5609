/**
 * A project whose imagery and DEM moved (copied to another laptop, a disk under another drive
 * letter), in browser mode (Chromium): the scene list names what is missing and offers to find the
 * files in a folder; the core finds them by content (findMovedImagery), relinks them, and the scene
 * and its DEM are on the map again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../../src-main/core/paths';
import { hasData } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { peek } from '../helpers/project';
import { cropSiteB, freshWork, hasChromium, openInApp, type Served } from './harness';

const work = resolve(repoRoot, 'test/.tmp/e2e-moved');
const MODEL = resolve(repoRoot, 'models/scarp-uav-rgbdem.onnx');

describe.skipIf(!hasChromium || !hasData || !hasGdal || !existsSync(MODEL))('moved imagery and DEM found again (Chromium)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('names the missing files, finds them in the chosen folder, relinks them and shows the scene with its DEM', async () => {
    freshWork(work);
    const [home, disk] = [join(work, 'project'), join(work, 'disk')];
    mkdirSync(home);
    mkdirSync(disk);
    const [rgb, dsm] = (['rgb', 'dsm'] as const).map((band) => cropSiteB(band, join(work, `${band}.tif`), [1100, 900, 256, 256], ['TILED=YES']));
    const path = join(home, 'moved.gpkg');
    const d = scarp(['detect', '--image', rgb!, '--dem', dsm!, '--project', path]);
    expect(d.status, d.stderr).toBe(0);
    for (const f of ['rgb.tif', 'dsm.tif']) renameSync(join(work, f), join(disk, f));

    const app = await openInApp([work], path, 'moved');
    ({ served, browser } = app);
    const { page, pageErrors } = app;
    await page.getByTestId('scene-rgb.tif').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('scene-rgb.tif').textContent()).toContain('missing');
    expect(await page.getByTestId('scene-dem-rgb.tif').textContent()).toBe('DEM dsm.tif (file missing)');
    expect(await page.getByTestId('imagery-card').count()).toBe(0);

    await page.getByTestId('scene-find-moved').click();
    const fb = page.getByTestId('file-browser');
    await fb.locator('select.roots').selectOption(work);
    await expect.poll(() => fb.getByTestId('fb-cwd').textContent()).toBe(work);
    await fb.getByTestId('fb-entry-disk').click();
    await expect.poll(() => fb.getByTestId('fb-cwd').textContent()).toBe(disk);
    await fb.getByTestId('fb-folder').click();
    await expect.poll(() => page.getByTestId('notice').allTextContents(), { timeout: 60_000 }).toContainEqual('Found and relinked 2; still missing 0.');
    await page.getByTestId('imagery-card').waitFor({ timeout: 60_000 });
    await page.getByTestId('dem-card').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('scene-dem-rgb.tif').textContent()).toBe('DEM dsm.tif');
    expect(await page.getByTestId('scene-find-moved').count()).toBe(0);
    // The project file points at the new places.
    expect(peek(path, (db) => db.prepare('SELECT path FROM scarp_scenes').all())).toEqual([{ path: join(disk, 'rgb.tif') }]);
    expect(peek(path, (db) => db.prepare("SELECT path FROM scarp_layers WHERE kind = 'dem'").all())).toEqual([{ path: join(disk, 'dsm.tif') }]);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
