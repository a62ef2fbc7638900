// What writing metrics and trajectories costs a step of the calculator tutorial (--backbone debug, tinylm):
// the same seeded steps run with every sink on (console lines, metrics.jsonl, TensorBoard, SwanLab against a
// loopback server in this process, trajectories/step-N.jsonl with the default 16 episodes) and with none,
// alternating A B B A so drift on a shared machine falls on both. Prints the cost two ways:
//   direct: the time spent in the sinks plus the trajectory gap (rollout end → train start), B minus A;
//   whole step: mean step time B vs A (same seed and token counts, so the remaining difference is noise + cost).
// Arguments: steps=N (per run, default 3) rounds=N (A B B A blocks, default 1); other key=value go to --set.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopbackSwanlab } from '@ajet/sinks/test';
import type { MetricsRecord, MetricsSink, PluginManifest, SinkFactory } from '@ajet/spec';
import { builtins } from '../packages/cli/src/builtins.ts';
import { consoleObserver } from '../packages/cli/src/console-observer.ts';
import { combineObservers } from '../packages/cli/src/progress-line.ts';
import { loadConfig, type RunObserver, runJob } from '../packages/core/src/index.ts';

const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';
const argumentsByKey = new Map(
  process.argv
    .slice(2)
    .filter((argument) => argument.includes('='))
    .map((argument) => [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)]),
);
const steps = Number(argumentsByKey.get('steps') ?? 3);
const rounds = Number(argumentsByKey.get('rounds') ?? 1);
const extraSets = [...argumentsByKey]
  .filter(([key]) => key !== 'steps' && key !== 'rounds')
  .map(([key, value]) => `${key}=${value}`);

interface StepTiming {
  step: number;
  /** Rollout start → the last sink's write of the step's metrics. */
  stepMs: number;
  /** Process CPU time (all threads) over the same span: less swayed by other work on a shared machine. */
  cpuMs: number;
  /** Last rollout episode → train phase start: advantages plus writing trajectories. */
  gapMs: number;
  /** Inside the sinks' write calls. */
  sinkMs: number;
  tokens: number;
}

/** Wraps a sink factory so its write time is added to `spent.ms`. */
function timed(factory: SinkFactory, spent: { ms: number }): SinkFactory {
  return async (context) => {
    const sink = await factory(context);
    return {
      async write(record: MetricsRecord) {
        const started = performance.now();
        try {
          await sink.write(record);
        } finally {
          spent.ms += performance.now() - started;
        }
      },
      close: () => sink.close(),
    } satisfies MetricsSink;
  };
}

async function run(variant: 'none' | 'all', swanlabUrl: string): Promise<StepTiming[]> {
  const loggers = variant === 'all' ? '[console,jsonl,tensorboard,swanlab,clock]' : '[clock]';
  const loaded = loadConfig({
    file: CONF,
    sets: [
      `trainer_common.total_training_steps=${steps}`,
      'trainer_common.val_before_train=false',
      'trainer_common.test_freq=0',
      `trainer_common.logger=${loggers}`,
      `trainer_common.swanlab.base_url=${swanlabUrl}`,
      ...(variant === 'none' ? ['trainer_common.trajectories_per_step=0'] : []),
      ...extraSets,
    ],
  });
  const timings: StepTiming[] = [];
  const spent = { ms: 0 };
  let stepStarted = 0;
  let cpuStarted = process.cpuUsage();
  let lastEpisodeEnd = 0;
  let gapMs = 0;
  const clock: SinkFactory = () => ({
    async write(record: MetricsRecord) {
      if (record.phase !== 'train') return;
      timings.push({
        step: record.step,
        stepMs: performance.now() - stepStarted,
        cpuMs: (() => {
          const used = process.cpuUsage(cpuStarted);
          return (used.user + used.system) / 1000;
        })(),
        gapMs,
        sinkMs: spent.ms,
        tokens: record.metrics['tokens/sampled'] ?? 0,
      });
      spent.ms = 0;
    },
    async close() {},
  });
  const timing: RunObserver = {
    onPhase(event) {
      if (event.phase === 'rollout') {
        stepStarted = performance.now();
        cpuStarted = process.cpuUsage();
      }
      if (event.phase === 'train') gapMs = performance.now() - lastEpisodeEnd;
    },
    onEpisodeEnd(event) {
      if (event.phase === 'rollout') lastEpisodeEnd = performance.now();
    },
  };
  const lines: string[] = [];
  const observer =
    variant === 'all' ? combineObservers(consoleObserver({ write: (line) => lines.push(line) }), timing) : timing;
  // Every registered sink timed, plus the clock that reads the timings.
  const registry: PluginManifest = [
    ...builtins.map((entry) =>
      entry.kind === 'metrics_sink'
        ? { ...entry, load: async () => timed((await entry.load()) as SinkFactory, spent) }
        : entry,
    ),
    { kind: 'metrics_sink', name: 'clock', summary: 'this benchmark’s step clock', load: async () => clock },
  ];
  const experimentDir = join(mkdtempSync(join(tmpdir(), `ajet-bench-sinks-${variant}-`)), 'run');
  const previousKey = process.env.SWANLAB_API_KEY;
  process.env.SWANLAB_API_KEY = 'bench-key';
  try {
    await runJob({ loaded, mode: 'train', experimentDir, builtins: registry, observer });
  } finally {
    if (previousKey === undefined) delete process.env.SWANLAB_API_KEY;
    else process.env.SWANLAB_API_KEY = previousKey;
  }
  if (lines.some((line) => line.includes('warning'))) throw new Error(`a sink failed:\n${lines.join('\n')}`);
  return timings;
}

const swanlab = new LoopbackSwanlab({ apiKey: 'bench-key' });
const swanlabUrl = await swanlab.listen();
const results = { none: [] as StepTiming[], all: [] as StepTiming[] };
const perRun: string[] = [];
for (let round = 0; round < rounds; round++) {
  for (const variant of ['none', 'all', 'all', 'none'] as const) {
    const timings = await run(variant, swanlabUrl);
    results[variant].push(...timings);
    perRun.push(`${variant} ${timings.map((timing) => Math.round(timing.stepMs)).join('/')}`);
  }
}
await swanlab.close();

const mean = (values: number[]) => values.reduce((total, value) => total + value, 0) / Math.max(1, values.length);
const none = results.none;
const all = results.all;
const stepNone = mean(none.map((timing) => timing.stepMs));
const stepAll = mean(all.map((timing) => timing.stepMs));
const direct = mean(all.map((timing) => timing.sinkMs + timing.gapMs)) - mean(none.map((timing) => timing.gapMs));
const sameWork =
  JSON.stringify(none.map((timing) => timing.tokens).sort()) ===
  JSON.stringify(all.map((timing) => timing.tokens).sort());
const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

console.log(`${CONF} --backbone debug: ${steps} steps per run, ${rounds * 2} runs per variant (A B B A)`);
console.log(`same sampled tokens per step in both variants: ${sameWork ? 'yes' : 'no (whole-step ratio is noisier)'}`);
console.log(`mean step, no sinks and no trajectories     ${stepNone.toFixed(0)} ms`);
console.log(`mean step, every sink + trajectories        ${stepAll.toFixed(0)} ms`);
console.log(
  `  of which in sink writes ${mean(all.map((timing) => timing.sinkMs)).toFixed(1)} ms, trajectory gap ${mean(all.map((timing) => timing.gapMs)).toFixed(1)} ms (vs ${mean(none.map((timing) => timing.gapMs)).toFixed(1)} ms without)`,
);
console.log(
  `direct cost per step                        ${direct.toFixed(1)} ms = ${percent(direct / stepNone)} of a step (target < 2%)`,
);
console.log(
  `whole-step ratio all/none                   ${(stepAll / stepNone).toFixed(4)} (${percent(stepAll / stepNone - 1)}; includes noise)`,
);
const cpuNone = mean(none.map((timing) => timing.cpuMs));
const cpuAll = mean(all.map((timing) => timing.cpuMs));
console.log(
  `whole-step CPU ratio all/none               ${(cpuAll / cpuNone).toFixed(4)} (${percent(cpuAll / cpuNone - 1)}; ${cpuNone.toFixed(0)} vs ${cpuAll.toFixed(0)} ms of process CPU)`,
);
console.log(`step wall ms by run (A B B A): ${perRun.join(', ')}`);
console.log(`SwanLab loopback received ${swanlab.metrics.length} points`);
