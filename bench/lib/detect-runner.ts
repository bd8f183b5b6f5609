/**
 * One detect run in its own process, for benchmarks that measure a whole process (peak RSS, CPU
 * profiles): `node --import tsx bench/lib/detect-runner.ts '<DetectRequest JSON>'`.
 * Prints `{ result, memory }` as JSON on stdout (memory: the kernel's peak RSS of this process and
 * the peaks of process.memoryUsage() sampled every 500 ms), progress lines on stderr.
 */
import { readFileSync } from 'node:fs';
import { ScarpService } from '../../src-main/core/service/scarp-service';

const req = JSON.parse(process.argv[2] ?? '{}');
const MB = 1048576;
const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], m[k]);
};
const timer = setInterval(sample, 500);
let last = -1;
const t0 = Date.now();
const result = await new ScarpService().detect(req, (p) => {
  if (p.stage !== 'infer' || p.total === 0) {
    process.stderr.write(`${p.stage} ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}\n`);
    return;
  }
  const pct = Math.floor((100 * p.done) / p.total);
  if (pct >= last + 5) {
    last = pct;
    const m = process.memoryUsage();
    process.stderr.write(
      `infer ${p.done}/${p.total} (${pct}%) ${Math.round((Date.now() - t0) / 1000)} s rss ${Math.round(m.rss / MB)} MB heap ${Math.round(m.heapUsed / MB)} MB arrayBuffers ${Math.round(m.arrayBuffers / MB)} MB\n`,
    );
  }
});
clearInterval(timer);
sample();
let vmHwmMB: number | null = null;
try {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (m) vmHwmMB = Math.round(Number(m[1]) / 1024);
} catch {
  /* not Linux */
}
const memory = {
  vmHwmMB,
  maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  sampledPeaksMB: Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v / MB)])),
};
process.stdout.write(`${JSON.stringify({ result, memory })}\n`);
