/**
 * Fixed spatial split of Jinsha site B, the same rule as training/scarp_train/data.py:
 * - test area: rows from round(0.6 × height) down (1690+ of 2817), never trained or tuned on;
 * - validation block: rows [test − 5·64, test − 2·64) = [1370, 1562), where the UAV specialist
 *   chooses its checkpoint, temperature and threshold;
 * - training rows: [0, test − 6·64) = [0, 1306).
 * The 64-row buffers between them (1306–1370 and 1562–1690) are used by nobody.
 */
export const JINSHA_B_TEST_FRACTION_START = 0.6;
export const JINSHA_B_BUFFER_ROWS = 64;

/** Test rows [start, end) of Jinsha site B. */
export function JINSHA_B_TEST_ROWS(height: number): [number, number] {
  return [Math.round(height * JINSHA_B_TEST_FRACTION_START), height];
}

/** Validation rows [start, end) of Jinsha site B. */
export function JINSHA_B_VALIDATION_ROWS(height: number): [number, number] {
  const test = JINSHA_B_TEST_ROWS(height)[0];
  return [test - 5 * JINSHA_B_BUFFER_ROWS, test - 2 * JINSHA_B_BUFFER_ROWS];
}

/** Training rows [start, end) of Jinsha site B. */
export function JINSHA_B_TRAINING_ROWS(height: number): [number, number] {
  return [0, JINSHA_B_VALIDATION_ROWS(height)[0] - JINSHA_B_BUFFER_ROWS];
}
