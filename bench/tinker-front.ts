// `pnpm bench tinker-front [steps=3]`: the calculator tutorial for a few steps through `--backbone grpc`, then
// through `--backbone tinker`, each against a fresh `python -m ajet_backend serve --tinker-port 0` on the same
// random-weight Qwen2 (hidden 64, 2 layers, Qwen3 tokenizer), with the same seed and the repeat-parity judge.
// Prints per step the reward, loss and grad norm of both, whether the sampled tokens are equal, the wall time per
// step and, for the Tinker front, HTTP requests per step (its GET /api/v1/ajet/calls). Needs backend/.venv.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pythonBackendMissing, startPythonBackend, tinyModelFolder } from '../test/helpers/python-backend.ts';
import { REPO_ROOT, runAjet } from '../test/helpers/run-ajet.ts';

const steps = Number(process.argv.find((argument) => argument.startsWith('steps='))?.split('=')[1] ?? 3);
const KEY = 'tml-bench';

interface StepRecord {
  step: number;
  metrics: Record<string, number>;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

async function main(): Promise<void> {
  if (pythonBackendMissing) {
    console.log(`tinker-front: skipped: ${pythonBackendMissing}`);
    return;
  }
  const { folder: model, dispose } = await tinyModelFolder();
  const results: Record<
    string,
    { steps: StepRecord[]; tokens: number[][][]; seconds: number; calls?: Record<string, number> }
  > = {};
  try {
    for (const backbone of ['grpc', 'tinker'] as const) {
      const server = await startPythonBackend({ model, maxModelLen: 1024, token: KEY, tinker: true });
      const dir = join(server.stateRoot, 'run');
      const endpoint =
        backbone === 'grpc'
          ? ['--set', `backbones.grpc.address=${server.address}`]
          : [
              ...[
                '--set',
                `backbones.tinker.base_url=${server.tinkerUrl}`,
                '--set',
                `backbones.tinker.base_model=${model}`,
              ],
              ...['--set', `backbones.tinker.tokenizer_path=${model}`, '--set', 'backbones.tinker.max_model_len=1024'],
              ...['--set', 'backbones.tinker.lora_rank=8'],
            ];
      const judge = join(REPO_ROOT, 'test/fixtures/python-backend/repeat-parity-judge.ts');
      const started = Date.now();
      const run = await runAjet(
        [
          ...['--conf', 'tutorial/example_calculator_agent/calculator_agent.yaml', '--backbone', backbone],
          ...endpoint,
          ...['--set', `trainer_common.total_training_steps=${steps}`, '--set', 'data.train_batch_size=1'],
          ...['--set', 'rollout.num_repeat=2', '--set', 'rollout.max_tokens=12'],
          ...['--set', 'trainer_common.val_before_train=false', '--set', 'trainer_common.test_freq=0'],
          // Tinker's losses have no KL term and score at temperature 1 (docs/tinker.md): both runs do the same.
          ...[
            '--set',
            'trainer_common.save_freq=0',
            '--set',
            'algorithm.kl_beta=0',
            '--set',
            'rollout.temperature=1.0',
          ],
          ...['--set', `task_judge.judge_protocol=${judge}->RepeatParityJudge`],
          ...['--seed', '3', '--experiment-dir', dir],
        ],
        { env: { AJET_BACKEND_TOKEN: KEY, TINKER_API_KEY: KEY }, timeoutMs: 1_800_000 },
      );
      const seconds = (Date.now() - started) / 1000;
      if (run.code !== 0) {
        await server.stop();
        throw new Error(`${backbone} run failed:\n${run.stderr}\n--- server ---\n${server.log()}`);
      }
      const records = readJsonl<StepRecord>(join(dir, 'metrics.jsonl'));
      const tokens = records.map((record) =>
        readJsonl<{ sequences: { tokenIds: number[] }[] }>(join(dir, 'trajectories', `step-${record.step}.jsonl`)).map(
          (episode) => episode.sequences.flatMap((sequence) => sequence.tokenIds),
        ),
      );
      const calls =
        backbone === 'tinker'
          ? ((await (
              await fetch(`${server.tinkerUrl}/api/v1/ajet/calls`, { headers: { 'x-api-key': KEY } })
            ).json()) as Record<string, number>)
          : undefined;
      results[backbone] = { steps: records, tokens, seconds, ...(calls ? { calls } : {}) };
      await server.stop();
      await rm(server.stateRoot, { recursive: true, force: true });
    }
  } finally {
    await dispose();
  }
  const grpc = results.grpc;
  const tinker = results.tinker;
  if (!grpc || !tinker) return;
  for (const [index, record] of grpc.steps.entries()) {
    const other = tinker.steps[index];
    const pick = (values: Record<string, number> | undefined, key: string) => values?.[key]?.toFixed(6) ?? '-';
    console.log(
      `step ${record.step}: reward ${pick(record.metrics, 'reward/mean')} vs ${pick(other?.metrics, 'reward/mean')}, ` +
        `loss ${pick(record.metrics, 'train/loss')} vs ${pick(other?.metrics, 'train/loss')}, ` +
        `grad_norm ${pick(record.metrics, 'train/grad_norm')} vs ${pick(other?.metrics, 'train/grad_norm')}, ` +
        `same tokens: ${JSON.stringify(grpc.tokens[index]) === JSON.stringify(tinker.tokens[index])}`,
    );
  }
  const requests = Object.entries(tinker.calls ?? {})
    .filter(([name]) => name !== 'ajet/calls')
    .reduce((sum, [, count]) => sum + count, 0);
  const stepSeconds = (records: StepRecord[]) =>
    (records.reduce((sum, record) => sum + (record.metrics['time/step_s'] ?? 0), 0) / records.length).toFixed(1);
  console.log(`grpc: ${stepSeconds(grpc.steps)} s per step (time/step_s); whole run ${grpc.seconds.toFixed(0)} s`);
  console.log(
    `tinker: ${stepSeconds(tinker.steps)} s per step (time/step_s); whole run ${tinker.seconds.toFixed(0)} s; ` +
      `${(requests / steps).toFixed(1)} HTTP requests per step, start-up included (${JSON.stringify(tinker.calls)})`,
  );
}

await main();
