// Soak: many training steps in one process, sampling RSS and open file descriptors after every step. A leak
// shows as a positive trend; the numbers printed are the fitted slopes over the second half of the run.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtins } from '../packages/cli/src/builtins.ts';
import { loadConfig, runJob } from '../packages/core/src/index.ts';

const STEPS = Number(process.env.SOAK_STEPS ?? 200);
const CONF = process.env.SOAK_CONF ?? 'test/fixtures/basic/basic.yaml';

function slope(values: readonly number[]): number {
  const n = values.length;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, value) => sum + value, 0) / n;
  let numerator = 0;
  let denominator = 0;
  values.forEach((value, index) => {
    numerator += (index - meanX) * (value - meanY);
    denominator += (index - meanX) ** 2;
  });
  return denominator === 0 ? 0 : numerator / denominator;
}

const rss: number[] = [];
const fds: number[] = [];
const loaded = loadConfig({
  file: CONF,
  sets: [
    `trainer_common.total_training_steps=${STEPS}`,
    'trainer_common.total_epochs=1000',
    'trainer_common.save_freq=20',
    'trainer_common.logger=[jsonl]',
  ],
});
const started = performance.now();
await runJob({
  loaded,
  mode: 'train',
  experimentDir: join(mkdtempSync(join(tmpdir(), 'ajet-soak-')), 'run'),
  builtins,
  observer: {
    onMetrics(record) {
      if (record.phase !== 'train') return;
      rss.push(process.memoryUsage().rss / 2 ** 20);
      fds.push(readdirSync('/proc/self/fd').length);
    },
  },
});
const seconds = (performance.now() - started) / 1000;
const half = Math.floor(rss.length / 2);
console.log(`config ${CONF}, ${rss.length} steps in ${seconds.toFixed(1)} s`);
console.log(
  `RSS MB: first ${rss[0]?.toFixed(1)} mid ${rss[half]?.toFixed(1)} last ${rss.at(-1)?.toFixed(1)}; trend over the 2nd half ${slope(rss.slice(half)).toFixed(4)} MB/step`,
);
console.log(
  `open fds: first ${fds[0]} last ${fds.at(-1)}; trend over the 2nd half ${slope(fds.slice(half)).toFixed(4)} fds/step`,
);
