/** Leftovers of killed runs and exports: removed when their process is gone, kept while it lives. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leftoverPid, sweepLeftovers } from '../../src-main/core/util/leftovers';
import { tempDir } from '../helpers/data';

describe('sweepLeftovers', () => {
  const { dir, cleanup } = tempDir('leftovers');
  afterAll(() => cleanup());

  it('recognises every temporary name Scarp writes, and nothing else', () => {
    expect(leftoverPid('.scarp-export-123-abcdef12')).toBe(123);
    expect(leftoverPid('.inv.gpkg.77.0badf00d.tmp')).toBe(77);
    expect(leftoverPid('.prob.scarp-88-0badf00d.tif.partial')).toBe(88);
    expect(leftoverPid('.inv.scarp-88-0badf00d.gpkg-journal')).toBe(88);
    expect(leftoverPid('.prob.tif.99-0badf00d.L1.tmp')).toBe(99);
    for (const n of ['inv.gpkg', '.git', '.hidden', 'p.gpkg.lock', '.scarp-export-x']) expect(leftoverPid(n)).toBeNull();
  });

  it('removes a dead process’s staging folders and temporaries, keeps a live one’s and the user’s files', () => {
    // A pid that existed and is gone.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout.trim();
    const live = String(process.pid);
    mkdirSync(join(dir, `.scarp-export-${dead}-deadbeef`));
    writeFileSync(join(dir, `.scarp-export-${dead}-deadbeef`, '0-inv.gpkg'), 'x');
    for (const n of [`.inv.gpkg.${dead}.0badf00d.tmp`, `.prob.scarp-${dead}-0badf00d.tif.partial`, `.prob.tif.${dead}-0badf00d.L0.tmp`, `.inv.gpkg.${live}.0badf00d.tmp`, 'inv.gpkg', '.keep']) {
      writeFileSync(join(dir, n), 'x');
    }
    const removed = sweepLeftovers(dir);
    expect(removed).toHaveLength(4);
    expect(readdirSync(dir).sort()).toEqual(['.inv.gpkg.' + live + '.0badf00d.tmp', '.keep', 'inv.gpkg'].sort());
    expect(existsSync(join(dir, `.scarp-export-${dead}-deadbeef`))).toBe(false);
  });
});
