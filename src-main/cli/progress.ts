import type { ProgressEvent, ProgressSink } from '../../src-shared/api';

const STAGE_LABEL: Record<ProgressEvent['stage'], string> = {
  prepare: 'Preparing',
  infer: 'Detecting',
  vectorise: 'Vectorising',
  write: 'Writing',
};

function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return ` ETA ${m > 0 ? `${m}m` : ''}${String(s % 60).padStart(m > 0 ? 2 : 1, '0')}s`;
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, otherwise one line per few percent
 * (logs and CI stay readable).
 */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr): { sink: ProgressSink; finish: () => void } {
  const tty = stream.isTTY === true;
  let lastStage = '';
  let lastPercent = -1;
  let drawn = false;

  const sink: ProgressSink = (e) => {
    const percent = e.total > 0 ? Math.floor((100 * e.done) / e.total) : 0;
    const label = STAGE_LABEL[e.stage];
    if (tty) {
      const width = 30;
      const filled = Math.round((width * percent) / 100);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      stream.write(`\r${label.padEnd(12)} ${bar} ${String(percent).padStart(3)}% ${e.done}/${e.total}${formatEta(e.etaSeconds)}\x1b[K`);
      drawn = true;
      if (e.done >= e.total && e.stage !== lastStage) lastStage = e.stage;
      return;
    }
    const step = 5;
    if (e.stage !== lastStage || percent >= lastPercent + step || (e.done === e.total && percent !== lastPercent)) {
      stream.write(`${label}: ${percent}% (${e.done}/${e.total})${formatEta(e.etaSeconds)}${e.message ? ` ${e.message}` : ''}\n`);
      lastStage = e.stage;
      lastPercent = percent;
    }
  };
  const finish = (): void => {
    if (tty && drawn) stream.write('\n');
    drawn = false;
  };
  return { sink, finish };
}
