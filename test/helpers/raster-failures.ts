/** Helpers for tests of bad raster input: the ScarpError a promise fails with, and a whole read of a file. */
import { expect } from 'vitest';
import { ScarpError } from '../../src-shared/errors';
import { openRaster } from '../../src-main/core/raster';

/** The ScarpError `p` rejects with (any other outcome fails the test). */
export async function failure(p: Promise<unknown>): Promise<ScarpError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ScarpError);
    return e as ScarpError;
  }
  throw new Error('expected a ScarpError');
}

/** Open a raster and read every band of it whole (errors at open and at read alike). */
export async function openAndReadAll(path: string): Promise<void> {
  const src = await openRaster(path);
  try {
    await src.readWindow({ x: 0, y: 0, width: src.info.width, height: src.info.height });
  } finally {
    await src.close();
  }
}
