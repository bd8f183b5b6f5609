/** The one error model: every error leaves a door complete (code, message, hint; file and params when given). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_HINTS, ScarpError, errorInfoOf, type ScarpErrorCode } from '../../../src-shared/errors';

describe('error model', () => {
  it('fills a default hint for every code', () => {
    for (const code of Object.keys(DEFAULT_HINTS) as ScarpErrorCode[]) {
      const j = new ScarpError({ code, message: 'm' }).toJSON();
      expect(j.hint.length, code).toBeGreaterThan(0);
      expect(j.hint, code).not.toMatch(/(^|\s)--[a-z]/);
    }
  });

  it('keeps file, params and options, and turns anything else into INTERNAL', () => {
    const e = new ScarpError({ code: 'TOO_LARGE', message: 'big', file: '/a.tif', params: { width: 200000 }, options: ['aoi'] });
    expect(errorInfoOf(e)).toEqual({ code: 'TOO_LARGE', message: 'big', hint: DEFAULT_HINTS.TOO_LARGE, file: '/a.tif', params: { width: 200000 }, options: ['aoi'] });
    expect(errorInfoOf(new RangeError('Invalid typed array length'))).toMatchObject({ code: 'INTERNAL', message: 'Invalid typed array length' });
    // A ScarpErrorInfo that crossed a thread boundary as plain data keeps its code.
    expect(errorInfoOf({ code: 'CANCELLED', message: 'Cancelled.' })).toMatchObject({ code: 'CANCELLED', hint: DEFAULT_HINTS.CANCELLED });
  });
});
