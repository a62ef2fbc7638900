// A training run with hostile model turns mixed in: the calculator tutorial on the embedded tinylm policy, where
// every third model call is replaced by a scripted hostile completion (encoded with tinylm's own tokenizer, so
// the trainer records and trains its exact tokens). Prints one JSON line: episodes, failed, the checkpoints
// written and whether the newest one loads with finite weights.
// `node --import tsx bench/internal/hostile-training.ts EXPERIMENT_DIR`
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backbone, SampleRequest, SampleResponse } from '@ajet/spec';
import { createTinyLm, IM_END, readModelFolder, type TinyLmBackbone } from '@ajet/tinylm';
import { builtins } from '../../packages/cli/src/builtins.ts';
import { type AjetConfig, loadConfig, runJob } from '../../packages/core/src/index.ts';

/** Hostile first turns in the calculator tutorial's own tool format. */
export const HOSTILE_TURNS = [
  '<calculator>1e400/3</calculator>',
  "<calculator>$& $' $` $$ {output}</calculator>",
  'The answer is \\boxed{ones(30000,30000)}.',
  'So \\boxed{9^9^9^9}.',
  `<calculator>${'('.repeat(5000)}1${')'.repeat(5000)}</calculator>`,
];
const EVERY = 3;

/** tinylm with `sample` replaced on every EVERY-th call by the next hostile turn, tokenized for that prompt. */
function hostile(backbone: TinyLmBackbone): Backbone {
  let calls = 0;
  let turns = 0;
  const sample = async (request: SampleRequest): Promise<SampleResponse> => {
    calls += 1;
    if (calls % EVERY !== 0) return backbone.sample(request);
    const text = HOSTILE_TURNS[turns % HOSTILE_TURNS.length] ?? '';
    turns += 1;
    const { tokenizer } = backbone;
    const all = [...tokenizer.encode(text, tokenizer.tableOf(request.promptIds)), IM_END];
    const maxTokens = request.sampling.maxTokens ?? all.length;
    const tokenIds = all.slice(0, maxTokens);
    const decoder = tokenizer.decoder(tokenizer.tableOf(request.promptIds));
    const decoded = tokenIds.filter((id) => id !== IM_END).map((id) => decoder.push(id));
    return {
      // The injected tokens did not come from the policy; the uniform policy's logprob stands in for theirs.
      completions: [
        {
          tokenIds,
          logprobs: tokenIds.map(() => -Math.log(tokenizer.vocabSize)),
          text: decoded.join(''),
          finishReason: tokenIds.length < all.length ? 'length' : 'stop',
        },
      ],
      policyVersion: (await backbone.getInfo()).policyVersion,
    };
  };
  return new Proxy(backbone, {
    get(target, property) {
      if (property === 'sample') return sample;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const experimentDir = process.argv[2];
if (!experimentDir) throw new Error('usage: hostile-training.ts EXPERIMENT_DIR');
const sets = (steps: number) => [
  `trainer_common.total_training_steps=${steps}`,
  'trainer_common.save_freq=1',
  'trainer_common.val_before_train=false',
  'trainer_common.test_freq=0',
  'data.train_batch_size=4',
  'rollout.num_repeat=4',
];
const createBackbone = async (config: AjetConfig) => {
  const backbone = await createTinyLm({ modelPath: config.model.path, seed: config.seed, trainThreads: 1 });
  return { backbone: hostile(backbone), description: 'tinylm with hostile turns injected', inProcess: true };
};
const file = 'tutorial/example_calculator_agent/calculator_agent.yaml';
const result = await runJob({
  loaded: loadConfig({ file, sets: sets(3) }),
  mode: 'train',
  experimentDir,
  builtins,
  createBackbone,
});
// The checkpoints must serve a resume: one more step from the newest.
const resumed = await runJob({
  loaded: loadConfig({ file, sets: sets(4) }),
  mode: 'train',
  experimentDir,
  builtins,
  createBackbone,
  resumeFrom: 'latest',
});
const folder = join(experimentDir, 'checkpoints');
const checkpoints = readdirSync(folder).filter((name) => /^step-\d+$/.test(name));
const newest = checkpoints.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5))).at(-1);
let finite = false;
if (newest) {
  const { params } = await readModelFolder(join(folder, newest, 'model'));
  finite = params.every((value) => Number.isFinite(value));
  await createTinyLm({ modelPath: join(folder, newest, 'model') }).then((backbone) => backbone.close());
}
console.log(JSON.stringify({ summary: result.summary, resumed: resumed.summary, checkpoints, newest, finite }));
