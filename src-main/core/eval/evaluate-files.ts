import type { EvalRequest, EvalResult } from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';

export async function evaluateFiles(_req: EvalRequest): Promise<EvalResult> {
  throw new ScarpError({ code: 'INTERNAL', message: 'evaluation pending' });
}
