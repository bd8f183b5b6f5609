/**
 * Fixed spatial split of Jinsha site B (issue 3): models train on rows above
 * round(0.6 × height) − 64, the 64 rows before the split are used by nobody, and the test area is
 * the southern 40 % from round(0.6 × height) down. training/scarp_train/data.py uses the same rule.
 */
export const JINSHA_B_TEST_FRACTION_START = 0.6;
export const JINSHA_B_BUFFER_ROWS = 64;

/** Test rows [start, end) of Jinsha site B. */
export function JINSHA_B_TEST_ROWS(height: number): [number, number] {
  return [Math.round(height * JINSHA_B_TEST_FRACTION_START), height];
}
