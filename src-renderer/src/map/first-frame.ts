/** Time from page start to the first map frame with data (for the start-up benchmark). */
let done = false;
export function markFirstFrame(): void {
  if (done) return;
  done = true;
  const t = performance.now();
  (window as unknown as { __scarpFirstFrameMs?: number }).__scarpFirstFrameMs = t;
  performance.mark('scarp:first-map-frame');
}
