// forwardBackward of the embedded policy on one thread and on more (TinyLmOptions.trainThreads, the CLI's
// debug.train_threads): a GRPO batch of the calculator tutorial's size (64 demonstrations of its training tasks,
// advantages ±1, the PPO loss), timed in alternation so both see the same machine load. Also prints the largest
// difference between the two gradients, relative to the largest gradient.
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
