/**
 * The counting rule (countsInInventory: every status but rejected) applied everywhere: the project
 * totals (`scarp project info`), the HTML report, and the default of every export, read back by GDAL
 * (ogrinfo feature counts); `--include-rejected` (includeRejected) brings the rejected back.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, tempDir } from '../helpers/data';
import { hasGdal } from '../helpers/gdal';
import { scarp } from '../helpers/cli';
import { Project } from '../../src-main/core/store/project';
import { importIntoProject } from '../../src-main/core/import/project-import';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import type { ExportRequest, ProjectInfo } from '../../src-shared/api';

const run = hasData && hasGdal ? describe : describe.skip;

/** Features GDAL counts in a dataset: its landslides layer (GeoPackage, which also holds layer_styles), else every layer. */
function ogrCount(path: string): number {
  const r = spawnSync('ogrinfo', ['-ro', '-so', ...(path.endsWith('.gpkg') ? [path, 'landslides'] : ['-al', path])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ogrinfo ${path} failed: ${r.stderr}`);
  return [...r.stdout.matchAll(/Feature Count: (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
}

run('rejected landslides are out of totals, reports and default exports', () => {
  let tmp: ReturnType<typeof tempDir>;
  let project: string;
  const TOTAL = 15;
  const REJECTED = 2;
  beforeAll(async () => {
    tmp = tempDir('counting');
    project = join(tmp.dir, 'p.gpkg');
    const p = Project.create(project);
    try {
      const imp = await importIntoProject(p, dataPath('jinsha-uav/siteB_landslides.geojson'));
      expect(imp.fids).toHaveLength(TOTAL);
      p.apply({ label: 'Reject 2', kind: 'review', statusChanges: [{ fids: imp.fids.slice(0, REJECTED), status: 'rejected' }] });
    } finally {
      p.close();
    }
  });
  afterAll(() => tmp.cleanup());

  it('project totals count what is not rejected (scarp project info)', () => {
    const r = scarp(['project', 'info', project, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as ProjectInfo;
    expect(info.features).toBe(TOTAL - REJECTED);
    expect(info.byStatus).toEqual({ predicted: TOTAL - REJECTED, rejected: REJECTED });
    const text = scarp(['project', 'info', project]).stdout;
    expect(text).toMatch(/Landslides:\s+13 \(predicted 13, rejected 2\); the 2 rejected do not count/);
  });

  const formats: Array<{ format: ExportRequest['format']; out: string; open?: string }> = [
    { format: 'gpkg', out: 'inv.gpkg' },
    { format: 'shp', out: 'inv.shp' },
    { format: 'shp-zip', out: 'inv.zip', open: '/vsizip/{out}/inv.shp' },
    { format: 'geojson', out: 'geo.geojson' }, // a .qml of its own beside it (inv.qml is the shapefile's)
    { format: 'kml', out: 'inv.kml' },
    { format: 'kmz', out: 'inv.kmz' },
    { format: 'csv', out: 'inv.csv' },
  ];

  it('every vector format leaves the rejected out by default and writes them with includeRejected (GDAL counts)', async () => {
    const s = new ScarpService();
    for (const f of formats) {
      for (const includeRejected of [false, true]) {
        const dir = join(tmp.dir, includeRejected ? 'all' : 'default');
        mkdirSync(dir, { recursive: true });
        const out = join(dir, f.out);
        const r = await s.exportInventory({ project, format: f.format, out, includeRejected });
        const want = includeRejected ? TOTAL : TOTAL - REJECTED;
        expect(r.count, `${f.format} includeRejected=${includeRejected}`).toBe(want);
        expect(ogrCount(f.open ? f.open.replace('{out}', out) : out), `${f.format} read by GDAL`).toBe(want);
      }
    }
    // An explicit status list is honoured; includeRejected adds the rejected to it.
    const only = await s.exportInventory({ project, format: 'geojson', out: join(tmp.dir, 'rejected.geojson'), status: ['rejected'] });
    expect(ogrCount(join(tmp.dir, 'rejected.geojson'))).toBe(REJECTED);
    expect(only.count).toBe(REJECTED);
    const plus = await s.exportInventory({ project, format: 'geojson', out: join(tmp.dir, 'confirmed-plus.geojson'), status: ['confirmed'], includeRejected: true });
    expect(plus.count).toBe(REJECTED);
  });

  it('scarp export: rejected out by default, in with --include-rejected; the HTML report never counts them', () => {
    const def = join(tmp.dir, 'cli.shp');
    const a = scarp(['export', '--project', project, '--format', 'shp', '--out', def, '--json']);
    expect(a.status, a.stderr).toBe(0);
    expect(ogrCount(def)).toBe(TOTAL - REJECTED);
    const all = join(tmp.dir, 'cli-all.gpkg');
    const b = scarp(['export', '--project', project, '--format', 'gpkg', '--out', all, '--include-rejected']);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/Exported 15 landslides/);
    expect(ogrCount(all)).toBe(TOTAL);
    const rejectedInGpkg = spawnSync('ogrinfo', ['-ro', '-q', '-sql', "SELECT COUNT(*) AS n FROM landslides WHERE status = 'rejected'", all], { encoding: 'utf8' }).stdout;
    expect(rejectedInGpkg).toMatch(/n \(Integer\) = 2/);

    const html = join(tmp.dir, 'report.html');
    expect(scarp(['export', '--project', project, '--format', 'html', '--out', html]).status).toBe(0);
    const h = readFileSync(html, 'utf8');
    expect(h).toContain(`<td id="count">${TOTAL - REJECTED}</td>`);
    expect(h).not.toContain('id="rejected"');
    expect(h).toContain('<td id="filter">all but rejected</td>');
    const htmlAll = join(tmp.dir, 'report-all.html');
    expect(scarp(['export', '--project', project, '--format', 'html', '--out', htmlAll, '--include-rejected']).status).toBe(0);
    const h2 = readFileSync(htmlAll, 'utf8');
    expect(h2).toContain(`<td id="count">${TOTAL - REJECTED}</td>`);
    expect(h2).toContain(`<td id="rejected">${REJECTED}</td>`);
    expect(h2.match(/<path /g)?.length).toBe(TOTAL);
  });
});
