/** The CLI's side of the error model: flags added to the core's plain hints, complete --json errors. */
import { describe, expect, it } from 'vitest';
import { ScarpError } from '../../../src-shared/errors';
import { UsageError, cliErrorJson, formatError } from '../../../src-main/cli/errors';

describe('CLI errors', () => {
  it('names the flags of the options a core hint refers to', () => {
    const e = new ScarpError({ code: 'OUTPUT_EXISTS', message: '/o.gpkg already exists.', file: '/o.gpkg', hint: 'Choose another name, or allow overwriting to replace it.', options: ['overwrite'] });
    expect(cliErrorJson(e)).toMatchObject({ code: 'OUTPUT_EXISTS', file: '/o.gpkg', hint: 'Choose another name, or allow overwriting to replace it. (--overwrite)' });
    expect(formatError(e)).toContain('hint: Choose another name, or allow overwriting to replace it. (--overwrite)');
  });

  it('gives usage and unexpected errors a code and a hint too', () => {
    expect(cliErrorJson(new UsageError('detect needs --image <tif>'))).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'detect needs --image <tif>' });
    const internal = cliErrorJson(new TypeError('x is undefined'));
    expect(internal.code).toBe('INTERNAL');
    expect(internal.hint).toMatch(/bug/);
  });
});
