// Parallel sampling of the embedded policy (debug.sample_threads, debug.debug_max_parallel), in one run:
//  1. The rollouts of one calculator-tutorial training step (its first train_batch_size tasks × num_repeat episodes,
//     the tutorial's workflow and judge, the tutorial's warm start) with 0 (the calling thread), 1 and 2 sampling
//     threads and a few episode concurrencies; wall time, ratio to today's default (0 threads, 1 at a time), and
//     whether every variant sampled the same tokens.
//  1b. The sampler alone: the step's first-turn prompts, num_repeat completions each, all called at once, on the
//     calling thread and on 1 and 2 sampler threads.
//  2. Batched decoding: IncrementalDecoder.stepMany (several sequences' next tokens in one forward) against one
//     step each, at a few batch sizes, with a bit-identity check.
// A variant is threads x episodes at once (0: the calling thread). Ratios are of medians over interleaved rounds.
//   pnpm bench sampling [rounds=3] [variants=0x1,0x8,1x8,2x1,2x4,2x8,2x16]
import { loadavg } from 'node:os';
import type { Judge, Task, TaskReader, Workflow } from '@ajet/spec';
import { createTinyLm, type TinyLmBackbone } from '@ajet/tinylm';
import { builtins } from '../packages/cli/src/builtins.ts';
import { loadConfig, PluginLoader, TokenPolicy } from '../packages/core/src/index.ts';
import { GroupCollector } from '../packages/core/src/runtime/collect-groups.ts';
import { IncrementalDecoder } from '../packages/tinylm/src/internal/transformer.ts';

const settings = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((argument) => argument.includes('='))
    .map((argument) => argument.split('=', 2) as [string, string]),
);
const ROUNDS = Number(settings.rounds ?? 3);
const VARIANTS = (settings.variants ?? '0x1,0x8,1x8,2x1,2x4,2x8,2x16').split(',').map((variant) => {
  const [threads, parallel] = variant.split('x').map(Number);
  return { threads: threads as number, parallel: parallel as number, name: variant };
});
const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

// 1. A tutorial step's rollouts.
const loaded = loadConfig({ file: CONF, sets: ['algorithm.max_staleness=0'] });
const { config, configDir } = loaded;
const loader = new PluginLoader({
  configDir,
  cwd: process.cwd(),
  builtins,
  config: config as unknown as Record<string, unknown>,
});
const reader = await loader.load<TaskReader>({
  reference: config.taskReader.type,
  kind: 'task_reader',
  settings: { on_bad_row: config.taskReader.onBadRow, ...config.taskReader.settings },
  keyPath: 'ajet.task_reader.type',
});
const workflow = await loader.resolve<Workflow>({
  reference: config.rollout.userWorkflow,
  kind: 'workflow',
  settings: config.rollout.workflowSettings,
  keyPath: 'ajet.rollout.user_workflow',
});
const judge = await loader.load<Judge>({
  reference: config.taskJudge.judgeProtocol,
  kind: 'judge',
  settings: config.taskJudge.judgeSettings,
  keyPath: 'ajet.task_judge.judge_protocol',
});
const tasks: Task[] = [];
for await (const task of reader.readTasks('train')) {
  tasks.push(task);
  if (tasks.length === config.data.trainBatchSize) break;
}
const policies = new Map(
  await Promise.all(
    [...new Set(VARIANTS.map(({ threads }) => threads))].map(
      async (threads) =>
        [
          threads,
          await createTinyLm({
            modelPath: config.model.path,
            seed: config.seed,
            trainThreads: 1,
            sampleThreads: threads,
          }),
        ] as const,
    ),
  ),
);
const episodes = tasks.length * config.rollout.numRepeat;
console.log(
  `calculator tutorial step: ${tasks.length} tasks x ${config.rollout.numRepeat} episodes (${episodes}), ${config.model.path}, T=${config.rollout.temperature}; ${ROUNDS} rounds, variants interleaved; threads x episodes at once`,
);
const seconds = new Map<string, number[]>(VARIANTS.map(({ name }) => [name, []]));
const tokens = new Map<string, string>();
let tokenCount = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of VARIANTS) {
    const backbone = policies.get(variant.threads);
    if (!backbone) throw new Error(`no policy for ${variant.threads} threads`);
    const collector = new GroupCollector({
      config,
      policy: new TokenPolicy({ backbone, description: `tinylm, ${variant.threads} sampling threads` }),
      createWorkflow: () => workflow.create(),
      judge,
      concurrency: variant.parallel,
    });
    const started = performance.now();
    // A new step number each time: seeds differ by step, so no run reuses another's cached completions' prompts.
    const groups = await collector.rollout({
      tasks,
      split: 'train',
      repeats: config.rollout.numRepeat,
      step: 1 + round,
      phase: 'train',
    });
    seconds.get(variant.name)?.push((performance.now() - started) / 1000);
    const sampled = JSON.stringify(
      groups.flat().map((episode) => [episode.error?.message, episode.trajectory.sequences.map((s) => s.tokenIds)]),
    );
    const key = `round ${round}`;
    if (!tokens.has(key)) tokens.set(key, sampled);
    else if (tokens.get(key) !== sampled) tokens.set(key, 'DIFFERENT');
    if (round === 0 && variant === VARIANTS[0])
      tokenCount = groups
        .flat()
        .reduce((sum, episode) => sum + episode.trajectory.sequences.reduce((n, s) => n + s.tokenIds.length, 0), 0);
  }
}
const base = median(seconds.get(VARIANTS[0]?.name ?? '') ?? []);
console.log(`(${tokenCount} tokens in round 0's trajectories)`);
console.log('threads x at once  median s   min s  vs first  rounds s');
for (const variant of VARIANTS) {
  const values = seconds.get(variant.name) ?? [];
  console.log(
    `${variant.name.padStart(17)}  ${median(values).toFixed(2).padStart(8)}  ${Math.min(...values)
      .toFixed(2)
      .padStart(
        6,
      )}  ${(base / median(values)).toFixed(2).padStart(7)}x  ${values.map((value) => value.toFixed(2)).join(' ')}`,
  );
}
const ratio = (from: string, to: string, what: string) => {
  const slow = seconds.get(from);
  const fast = seconds.get(to);
  if (slow && fast) console.log(`${what} (${from} -> ${to}): ${(median(slow) / median(fast)).toFixed(2)}x`);
};
ratio('1x8', '2x8', '1 -> 2 sampling threads, 8 episodes at once');
ratio('0x8', '2x8', 'calling thread -> 2 sampling threads, 8 episodes at once');
ratio('0x1', '0x8', 'one episode at a time -> 8 at once (the tutorial), calling thread');
ratio('0x1', '2x8', 'calling thread, one at a time -> 2 sampling threads, 8 at once');
const same = [...tokens.values()].every((value) => value !== 'DIFFERENT');
console.log(`every variant sampled the same tokens: ${same ? 'yes' : 'NO'}; load avg ${load()}`);

// 1b. The sampler alone: the step's first-turn prompts, num_repeat completions each, every call at once.
const firstTurns = await Promise.all(
  tasks.map(async (task) => {
    const system = String(config.rollout.workflowSettings.system_prompt ?? '');
    const messages = [
      ...(system ? [{ role: 'system' as const, content: system }] : []),
      { role: 'user' as const, content: task.mainQuery },
    ];
    return (await (policies.values().next().value as TinyLmBackbone).renderChat({ messages })).tokenIds;
  }),
);
const bare = new Map<number, number[]>();
for (let round = 0; round < ROUNDS + 1; round++) {
  for (const [threads, backbone] of policies) {
    const started = performance.now();
    await Promise.all(
      firstTurns.flatMap((promptIds, index) =>
        Array.from({ length: config.rollout.numRepeat }, (_, repeat) =>
          backbone.sample({
            promptIds,
            sampling: {
              temperature: config.rollout.temperature,
              maxTokens: config.rollout.maxTokens,
              seed: round * 1000 + index * 10 + repeat,
            },
          }),
        ),
      ),
    );
    // The first round warms the threads' JIT up.
    if (round > 0) bare.set(threads, [...(bare.get(threads) ?? []), performance.now() - started]);
  }
}
console.log(`\nthe sampler alone: ${episodes} first-turn completions, all called at once; ${ROUNDS} rounds, median ms`);
const onCalling = median(bare.get(0) ?? [Number.NaN]);
for (const [threads, values] of bare)
  console.log(
    `${threads === 0 ? 'calling thread' : `${threads} sampler thread${threads > 1 ? 's' : ''}`}: ${median(values).toFixed(0)} ms (${(onCalling / median(values)).toFixed(2)}x the calling thread)`,
  );
const one = bare.get(1);
const two = bare.get(2);
if (one && two) console.log(`1 -> 2 sampler threads: ${(median(one) / median(two)).toFixed(2)}x`);
await Promise.all([...policies.values()].map((policy) => policy.close()));

// 2. Batched decoding.
const tinylm = await createTinyLm({ modelPath: config.model.path, trainThreads: 1 });
const { model, params } = tinylm;
const vocab = model.config.vocabSize;
const PROMPT = 100;
const DECODE = 100;
function decode(batch: number, batched: boolean): { ms: number; bits: number[] } {
  const decoders = Array.from({ length: batch }, () => model.createDecoder(params));
  for (const [index, decoder] of decoders.entries())
    for (let position = 0; position < PROMPT; position++) decoder.step((position * 7 + index) % vocab);
  const bits: number[] = [];
  const started = performance.now();
  for (let position = 0; position < DECODE; position++) {
    const next = decoders.map((_, index) => (position * 13 + index * 5) % vocab);
    const logits = batched
      ? IncrementalDecoder.stepMany(decoders, next)
      : decoders.map((decoder, index) => decoder.step(next[index] as number));
    for (const row of logits) bits.push(row[position % vocab] as number);
  }
  return { ms: performance.now() - started, bits };
}
console.log(
  `\nbatched decoding (IncrementalDecoder.stepMany): ${DECODE} tokens after ${PROMPT}-token prompts, ${model.config.dModel}-wide model; ${ROUNDS} rounds, median`,
);
console.log('batch  one step each ms  one forward ms  batched vs unbatched  same bits');
for (const batch of [2, 4, 8, 16]) {
  const single: number[] = [];
  const many: number[] = [];
  let identical = true;
  for (let round = 0; round < ROUNDS + 1; round++) {
    const a = decode(batch, false);
    const b = decode(batch, true);
    identical &&= a.bits.every((value, index) => Object.is(value, b.bits[index]));
    // The first round warms the JIT up.
    if (round === 0) continue;
    single.push(a.ms);
    many.push(b.ms);
  }
  console.log(
    `${String(batch).padStart(5)}  ${median(single).toFixed(1).padStart(16)}  ${median(many).toFixed(1).padStart(14)}  ${(median(single) / median(many)).toFixed(2).padStart(19)}x  ${identical ? 'yes' : 'NO'}`,
  );
}
await tinylm.close();
