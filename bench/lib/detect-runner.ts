/**
 * One detect run in its own process, for benchmarks that measure a whole process (peak RSS, CPU
 * profiles): `node --import tsx bench/lib/detect-runner.ts '<DetectRequest JSON>'`.
 * Prints the DetectResult as JSON on stdout, progress lines on stderr.
 */
import { ScarpService } from '../../src-main/core/service/scarp-service';

const req = JSON.parse(process.argv[2] ?? '{}');
let last = -1;
const res = await new ScarpService().detect(req, (p) => {
  if (p.stage !== 'infer' || p.total === 0) return;
  const pct = Math.floor((100 * p.done) / p.total);
  if (pct >= last + 5) {
    last = pct;
    const rss = Math.round(process.memoryUsage().rss / 1048576);
    process.stderr.write(`infer ${p.done}/${p.total} (${pct}%) rss ${rss} MB\n`);
  }
});
process.stdout.write(`${JSON.stringify(res)}\n`);
