// forwardBackward of the embedded policy on one thread and on more (TinyLmOptions.trainThreads, the CLI's
// debug.train_threads): a GRPO batch of the calculator tutorial's size (64 demonstrations of its training tasks,
// advantages ±1, the PPO loss), timed in alternation so both see the same machine load. Also prints the largest
// difference between the two gradients, relative to the largest gradient.
// Then a GRPO-shaped batch (8 groups of 8 episodes, each group one prompt with 8 different continuations, the
// tutorial's PPO loss with kl_beta 0.1) trained with the shared prompts computed once (TinyLmOptions.sharePrefixes,
// the default) and with each sample alone, in alternation on the default 2 threads; prints the speedup and how far
// the two gradients differ.
import { join } from 'node:path';
import type { LossSpec, TrainingSample } from '@ajet/spec';
import { createTinyLm, type TinyLmBackbone } from '@ajet/tinylm';
import { demonstrationSample, readCalculatorJsonl } from '../scripts/internal/calculator-demonstrations.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const ROUNDS = 8;
const THREADS = [1, 2];
const loss: LossSpec = { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' };

const backbones = await Promise.all(
  THREADS.map((trainThreads) => createTinyLm({ modelPath: 'builtin:tinylm-calculator', seed: 1, trainThreads })),
);
const first = backbones[0] as TinyLmBackbone;
const rows = readCalculatorJsonl(join(ROOT, 'tutorial/example_calculator_agent/data/train.jsonl')).slice(0, 64);
const samples: TrainingSample[] = (await Promise.all(rows.map((row) => demonstrationSample(first, row)))).map(
  (sample, index) => ({ ...sample, advantage: index % 2 === 0 ? 1 : -1 }),
);
const tokens = samples.reduce((sum, sample) => sum + sample.tokenIds.length, 0);

const times: number[][] = THREADS.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (const [index, backbone] of backbones.entries()) {
    backbone.grads.fill(0);
    const started = performance.now();
    await backbone.forwardBackward({ samples, loss });
    times[index]?.push(performance.now() - started);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
let largest = 0;
const differences = backbones.slice(1).map((backbone) => {
  let difference = 0;
  for (let index = 0; index < first.grads.length; index++) {
    largest = Math.max(largest, Math.abs(first.grads[index] as number));
    difference = Math.max(difference, Math.abs((first.grads[index] as number) - (backbone.grads[index] as number)));
  }
  return difference;
});
console.log(`batch: ${samples.length} sequences, ${tokens} tokens; median of ${ROUNDS} rounds each`);
for (const [index, threads] of THREADS.entries()) {
  const ms = median(times[index] as number[]);
  const speedup = median(times[0] as number[]) / ms;
  const gradient =
    index === 0
      ? ''
      : `, gradient differs by ${((differences[index - 1] as number) / largest).toExponential(1)} of its largest entry`;
  console.log(
    `train_threads ${threads}: ${ms.toFixed(0)} ms a batch, ${((tokens / ms) * 1000).toFixed(0)} tokens/s, ${speedup.toFixed(2)}x${gradient}`,
  );
}
await Promise.all(backbones.map((backbone) => backbone.close()));

// GRPO: group g asks row g's question; its episodes continue with the calls and answers of 8 other rows.
const GROUPS = 8;
const GROUP_SIZE = 8;
const GRPO_ROUNDS = 6;
const grpoLoss: LossSpec = { ...loss, kl: { beta: 0.1, estimator: 'k3' } };
const variants = [true, false];
const grpoBackbones = await Promise.all(
  variants.map((sharePrefixes) =>
    createTinyLm({ modelPath: 'builtin:tinylm-calculator', seed: 1, trainThreads: 2, sharePrefixes }),
  ),
);
const packed = grpoBackbones[0] as TinyLmBackbone;
const allRows = readCalculatorJsonl(join(ROOT, 'tutorial/example_calculator_agent/data/train.jsonl'));
const grpo: TrainingSample[] = [];
for (let group = 0; group < GROUPS; group++) {
  const question = (allRows[group] as (typeof allRows)[number]).question;
  for (let member = 0; member < GROUP_SIZE; member++) {
    const { expression, answer } = allRows[GROUPS + group * GROUP_SIZE + member] as (typeof allRows)[number];
    const sample = await demonstrationSample(packed, { question, expression, answer });
    grpo.push({ ...sample, advantage: member % 3 === 0 ? 1 : -0.5 });
  }
}
const grpoTokens = grpo.reduce((sum, sample) => sum + sample.tokenIds.length, 0);
const promptTokens = grpo.reduce((sum, sample) => sum + sample.lossMask.indexOf(1), 0);
const grpoTimes: number[][] = variants.map(() => []);
for (let round = 0; round < GRPO_ROUNDS; round++) {
  for (const [index, backbone] of grpoBackbones.entries()) {
    backbone.grads.fill(0);
    const started = performance.now();
    await backbone.forwardBackward({ samples: grpo, loss: grpoLoss });
    grpoTimes[index]?.push(performance.now() - started);
  }
}
const unpacked = grpoBackbones[1] as TinyLmBackbone;
let grpoLargest = 0;
let grpoDifference = 0;
for (let index = 0; index < packed.grads.length; index++) {
  grpoLargest = Math.max(grpoLargest, Math.abs(unpacked.grads[index] as number));
  grpoDifference = Math.max(
    grpoDifference,
    Math.abs((packed.grads[index] as number) - (unpacked.grads[index] as number)),
  );
}
const [packedMs, unpackedMs] = grpoTimes.map(median) as [number, number];
console.log(
  `\nGRPO batch: ${GROUPS} groups x ${GROUP_SIZE}, ${grpoTokens} tokens (${((promptTokens / grpoTokens) * 100).toFixed(0)}% prompt); train_threads 2, median of ${GRPO_ROUNDS} rounds each`,
);
console.log(`each sample alone: ${unpackedMs.toFixed(0)} ms a batch`);
console.log(
  `shared prompts once: ${packedMs.toFixed(0)} ms a batch, ${(unpackedMs / packedMs).toFixed(2)}x; gradient differs by ${(grpoDifference / grpoLargest).toExponential(1)} of its largest entry`,
);
await Promise.all(grpoBackbones.map((backbone) => backbone.close()));
