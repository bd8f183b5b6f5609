/**
 * Fixed spatial split of Jinsha site B (issue 3): models train on the northern 60 % of rows, a
 * 64-row buffer is used by nobody, and the test area is the rest of the southern 40 %.
 * training/scarp_train uses the same definition.
 */
export const JINSHA_B_TRAIN_FRACTION = 0.6;
export const JINSHA_B_BUFFER_ROWS = 64;

export function JINSHA_B_TEST_ROWS(height: number): [number, number] {
  const split = Math.floor(height * JINSHA_B_TRAIN_FRACTION);
  return [split + JINSHA_B_BUFFER_ROWS, height];
}
