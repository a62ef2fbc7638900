// The rollout pipeline (algorithm.max_staleness): step wall time at staleness 0, 1 and 2.
//  1. The calculator tutorial on the embedded policy, a few steps each, with greedy pass@1 on the first rows of its
//     validation split after the same number of steps.
//  2. A latency-injected backbone (the recording backbone, each sample call delayed 150 ms, one call in ten 1.2 s;
//     each forwardBackward 1 s): at staleness 1 a step should take about max(rollout, train), not their sum.
//   pnpm bench pipeline [steps=4] [val_rows=40] [latency_steps=6] [staleness=0,1,2]
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backbone, MetricsRecord, Task } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { builtins } from '../packages/cli/src/builtins.ts';
import { createRandom, loadConfig, runJob, TokenPolicy, Trainer } from '../packages/core/src/index.ts';

const settings = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((argument) => argument.includes('='))
    .map((argument) => argument.split('=', 2) as [string, string]),
);
const STEPS = Number(settings.steps ?? 4);
const VAL_ROWS = Number(settings.val_rows ?? 40);
const LATENCY_STEPS = Number(settings.latency_steps ?? 6);
const STALENESS = (settings.staleness ?? '0,1,2').split(',').map(Number);
const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';
const scratch = mkdtempSync(join(tmpdir(), 'ajet-bench-pipeline-'));

function trainRecords(experimentDir: string): MetricsRecord[] {
  return readFileSync(join(experimentDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
const column = (records: readonly MetricsRecord[], name: string) =>
  records.filter((record) => record.phase === 'train').map((record) => record.metrics[name] ?? 0);
/** The learner's wall time over every step (rollouts sampled ahead during the last steps included). */
const total = (records: readonly MetricsRecord[]) =>
  column(records, 'time/step_s').reduce((sum, value) => sum + value, 0);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

// 1. The tutorial on the embedded policy.
const validationRows = readFileSync(
  new URL('../tutorial/example_calculator_agent/data/validation.jsonl', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .slice(0, VAL_ROWS);
const validationFile = join(scratch, 'validation.jsonl');
writeFileSync(validationFile, `${validationRows.join('\n')}\n`);
console.log(
  `calculator tutorial, ${STEPS} steps each, greedy pass@1 on its first ${VAL_ROWS} validation rows after them`,
);
console.log(
  'staleness  wall s (all steps)  step s (mean, steps 2..)  rollout s  train s  learner idle %  sampler idle %  pass@1  load avg',
);
for (const staleness of STALENESS) {
  const loaded = loadConfig({
    file: CONF,
    sets: [
      `algorithm.max_staleness=${staleness}`,
      `trainer_common.total_training_steps=${STEPS}`,
      `trainer_common.test_freq=${STEPS}`,
      'trainer_common.val_before_train=false',
      'trainer_common.save_freq=0',
      'trainer_common.logger=jsonl',
      `task_reader.dataset_file.validation.file_path=${validationFile}`,
    ],
  });
  const experimentDir = join(scratch, `tutorial-${staleness}`);
  const before = load();
  await runJob({ loaded, mode: 'train', experimentDir, builtins });
  const records = trainRecords(experimentDir);
  const later = (name: string) => column(records, name).slice(1);
  const passAt1 = records.find((record) => record.phase === 'val')?.metrics['val/greedy/pass@1'];
  if (passAt1 === undefined) throw new Error(`pipeline bench: no val/greedy/pass@1 in ${experimentDir}/metrics.jsonl`);
  console.log(
    `${String(staleness).padStart(9)}  ${total(records).toFixed(1).padStart(18)}  ${mean(later('time/step_s')).toFixed(2).padStart(24)}  ${mean(later('time/rollout_s')).toFixed(2).padStart(9)}  ${mean(later('time/train_s')).toFixed(2).padStart(7)}  ${mean(later('time/learner_idle_pct')).toFixed(0).padStart(14)}  ${mean(later('time/sampler_idle_pct')).toFixed(0).padStart(14)}  ${passAt1.toFixed(3).padStart(6)}  ${before} → ${load()}`,
  );
}

// 2. A latency-injected backbone: the overlap itself, free of this machine's two shared cores.
const SAMPLE_MS = 150;
const TAIL_MS = 1200;
const TRAIN_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function delayedBackbone(): Backbone {
  const backbone = new RecordingBackbone({ respond: ({ callNumber }) => (callNumber % 3 === 0 ? 'good' : 'bad') });
  const random = createRandom(7);
  const sample = backbone.sample.bind(backbone);
  const forwardBackward = backbone.forwardBackward.bind(backbone);
  return Object.assign(backbone, {
    sample: async (request: Parameters<Backbone['sample']>[0]) => {
      await sleep(random() < 0.1 ? TAIL_MS : SAMPLE_MS);
      return sample(request);
    },
    forwardBackward: async (request: Parameters<Backbone['forwardBackward']>[0]) => {
      await sleep(TRAIN_MS);
      return forwardBackward(request);
    },
  });
}

const tasks: Task[] = Array.from({ length: 64 }, (_, index) => ({
  taskId: String(index),
  mainQuery: `question ${index}`,
  metadata: {},
}));
console.log(
  `\nlatency-injected backbone: sample ${SAMPLE_MS} ms (1 in 10: ${TAIL_MS} ms), forwardBackward ${TRAIN_MS} ms; 4 tasks x 4 episodes a step, ${LATENCY_STEPS} steps`,
);
console.log(
  'staleness  wall s (all steps)  step s (mean, steps 2..)  rollout s  train s  sum  max  learner idle %  sampler idle %',
);
for (const staleness of STALENESS) {
  const { config } = loadConfig({
    file: CONF,
    sets: [
      `algorithm.max_staleness=${staleness}`,
      `trainer_common.total_training_steps=${LATENCY_STEPS}`,
      'trainer_common.test_freq=0',
      'trainer_common.val_before_train=false',
      'trainer_common.save_freq=0',
      'data.train_batch_size=4',
      'rollout.num_repeat=4',
    ],
  });
  const backbone = delayedBackbone();
  const experimentDir = join(scratch, `latency-${staleness}`);
  const trainer = new Trainer({
    config,
    policy: new TokenPolicy({ backbone, description: 'latency-injected recording backbone' }),
    backbone,
    reader: {
      async *readTasks(split) {
        if (split === 'train') yield* tasks;
      },
    },
    createWorkflow: () => ({
      async execute(task, tuner) {
        const reply = await tuner.chat({ messages: [{ role: 'user', content: task.task.mainQuery }] });
        return { reward: reply.message.content === 'good' ? 1 : 0, metadata: {} };
      },
    }),
    judge: { computeReward: async () => ({ rawReward: 0, isSuccess: false }) },
    experimentDir,
    sinks: [],
    observer: { onMetrics: (record) => records.push(record) },
    concurrency: 64,
  });
  const records: MetricsRecord[] = [];
  await trainer.train();
  const later = (name: string) => column(records, name).slice(1);
  const rollout = mean(later('time/rollout_s'));
  const train = mean(later('time/train_s'));
  console.log(
    `${String(staleness).padStart(9)}  ${total(records).toFixed(1).padStart(18)}  ${mean(later('time/step_s')).toFixed(2).padStart(24)}  ${rollout.toFixed(2).padStart(9)}  ${train.toFixed(2).padStart(7)}  ${(rollout + train).toFixed(2)}  ${Math.max(rollout, train).toFixed(2)}  ${mean(later('time/learner_idle_pct')).toFixed(0).padStart(14)}  ${mean(later('time/sampler_idle_pct')).toFixed(0).padStart(14)}`,
  );
}
