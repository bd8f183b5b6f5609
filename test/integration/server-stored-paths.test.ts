/**
 * Browser mode (issue 12): paths stored in a project obey the allowed folders as request paths do.
 * A project inside an allowed folder whose scene lies outside cannot be resumed or packaged through
 * the server; a link inside an allowed folder that leads outside is refused and marked in the file
 * browser with the way to allow it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { allowedRoots, startScarpServer, type ScarpServer } from '../../src-main/server/server';
import { ScarpService } from '../../src-main/core/service/scarp-service';
import { Project } from '../../src-main/core/store/project';
import { tempDir } from '../helpers/data';
import { canRun, crop } from '../unit/store/_fixtures';

function post(srv: ScarpServer, path: string, body: unknown): Promise<{ status: number; json: { ok: boolean; result?: unknown; error?: { code: string; message: string; hint: string; file?: string } } }> {
  return new Promise((ok, fail) => {
    const data = JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port: srv.port, path, method: 'POST', headers: { Host: `127.0.0.1:${srv.port}`, 'Content-Type': 'application/json', Authorization: `Bearer ${srv.token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', fail);
    req.write(data);
    req.end();
  });
}

describe.skipIf(!canRun)('browser mode: paths stored in projects', () => {
  const tmp = tempDir('server-stored-paths');
  const allowed = join(tmp.dir, 'allowed');
  const outside = join(tmp.dir, 'outside');
  const project = join(allowed, 'event.gpkg');
  let srv: ScarpServer;
  let scene: string;

  beforeAll(async () => {
    mkdirSync(allowed);
    mkdirSync(outside);
    scene = crop(join(outside, 'scene.tif'), { w: 120, h: 100 });
    symlinkSync(scene, join(allowed, 'link.tif'));
    symlinkSync(outside, join(allowed, 'elsewhere'));
    // The project (made on this machine, or handed over) names imagery outside the allowed folder,
    // and holds an unfinished run of it.
    const p = Project.create(project);
    try {
      const s = (await p.addScene(scene)).scene;
      p.tx(
        () =>
          p.runs.create({
            sceneId: s.id,
            demLayerId: null,
            modelId: 'scarp-sat-rgb',
            modelName: null,
            modelSha256: '0',
            params: { model: 'scarp-sat-rgb' },
            paramsKey: 'k',
            grid: { width: 120, height: 100, geoTransform: s.geoTransform, region: { x: 0, y: 0, width: 120, height: 100 }, resampled: false },
            plan: { tileSize: 256, overlap: 32, batchSize: 1, tilesTotal: 1, signature: 's' },
            threshold: 0.5,
          }),
        'a run',
      );
    } finally {
      p.close();
    }
    const roots = allowedRoots({ allowDirs: [allowed], noHome: true });
    const service = new ScarpService({ storedPaths: (path) => void roots.checkSync(path) });
    srv = await startScarpServer({ service, roots });
  });
  afterAll(async () => {
    await srv?.close();
    tmp.cleanup();
  });

  it('refuses to resume a run whose imagery the project names outside the allowed folders', async () => {
    const r = await post(srv, '/api/rpc/resumeDetection', { args: [{ project }] });
    expect(r.json.ok).toBe(false);
    expect(r.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', file: scene });
    expect(r.json.error!.message).toMatch(/outside the folders this session may use/);
    expect(r.json.error!.hint).toContain(`--allow-dir ${outside}`);
  });

  it('refuses to package that imagery, and writes nothing', async () => {
    const out = join(allowed, 'field.gpkg');
    const r = await post(srv, '/api/rpc/packageProject', { args: [{ project, out }] });
    expect(r.json.ok).toBe(false);
    expect(r.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', file: scene });
    const list = await post(srv, '/api/fs/list', { path: allowed });
    expect((list.json.result as { entries: Array<{ name: string }> }).entries.map((e) => e.name)).not.toContain('field.gpkg');
  });

  it('a link inside an allowed folder that leads outside is refused, and marked in the file browser', async () => {
    const info = await post(srv, '/api/rpc/rasterInfo', { args: [{ path: join(allowed, 'link.tif') }] });
    expect(info.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', file: join(allowed, 'link.tif') });
    expect(info.json.error!.message).toContain(`leads to ${scene}`);
    const list = await post(srv, '/api/fs/list', { path: allowed });
    const entries = (list.json.result as { entries: Array<{ name: string; kind: string; outside?: { target: string; hint: string } }> }).entries;
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('link.tif')!.outside).toEqual({ target: scene, hint: expect.stringContaining(`--allow-dir ${outside}`) });
    expect(byName.get('elsewhere')).toMatchObject({ kind: 'dir', outside: { target: outside } });
    expect(byName.get('event.gpkg')!.outside).toBeUndefined();
  });
});
