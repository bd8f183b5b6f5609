/** Area of interest: a polygon file rasterised (by pixel centre) onto the processing grid. */
import type { Grid, Window } from '../../../src-shared/geo';
import { ScarpError } from '../../../src-shared/errors';

export class AoiMask {
  private constructor(readonly window: Window) {}

  static async load(path: string, _grid: Grid): Promise<AoiMask> {
    throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `Areas of interest are not readable yet (${path}).` });
  }

  /** 1 inside, 0 outside, for rows y … y + n − 1 of the window. */
  rows(_y: number, _n: number): Uint8Array {
    return new Uint8Array(0);
  }

  /** A coarse cw × ch version over the window (1 where any part is inside). */
  coarse(_cw: number, _ch: number): Uint8Array {
    return new Uint8Array(0);
  }
}
