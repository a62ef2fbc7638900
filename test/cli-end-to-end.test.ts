import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord, MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { RECORDING_BACKBONE } from './helpers/recording-backbone.ts';
import { runAjet } from './helpers/run-ajet.ts';

const CONF = 'test/fixtures/basic/basic.yaml';

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

describe('ajet CLI end to end over the recording backbone', () => {
  it('trains in groups, merges multi-turn samples with tool output masked, and skips zero-variance groups', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-e2e-')), 'run');
    const run = await runAjet(['--conf', CONF, '--experiment-dir', dir]);
    expect(run.stderr).toContain('step 2/2');
    expect(run.code).toBe(0);

    const metrics = readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl'));
    expect(metrics.map((record) => [record.step, record.phase])).toEqual([
      [1, 'train'],
      [2, 'train'],
    ]);
    for (const record of metrics) {
      // 2 tasks x 4 repeats; the odd task's group has identical rewards and is skipped.
      expect(record.metrics['episodes/total']).toBe(8);
      expect(record.metrics['groups/skipped']).toBe(1);
      // Trained: 4 episodes of the even task, 2 calls each of "ok" + end-of-turn = 3 tokens.
      expect(record.metrics['tokens/trained']).toBe(4 * 2 * 3);
      expect(record.metrics['tokens/sampled']).toBe(8 * 2 * 3);
      expect(record.metrics['reward/mean']).toBeCloseTo(0.75);
      expect(record.metrics['workflow/turns']).toBe(2);
      expect(record.metrics['train/policy_version']).toBe(record.step);
    }

    const episodes = readJsonl<EpisodeRecord>(join(dir, 'trajectories', 'step-1.jsonl'));
    expect(episodes).toHaveLength(8);
    for (const episode of episodes) {
      expect(episode.sequences).toHaveLength(1);
      const [sequence] = episode.sequences;
      const texts = episode.tokenTexts?.[0] ?? [];
      expect(sequence?.lossMask).toHaveLength(sequence?.tokenIds.length ?? -1);
      const trained = texts.filter((_, index) => sequence?.lossMask[index] === 1).join('');
      expect(trained).toBe('ok<|im_end|>ok<|im_end|>');
      const masked = texts.filter((_, index) => sequence?.lossMask[index] === 0).join('');
      expect(masked).toContain('<output>');
      expect(episode.trained).toBe(episode.taskId.endsWith('0') || episode.taskId.endsWith('2'));
      if (!episode.trained) expect(episode.advantage).toBe(0);
      // Sampler logprobs sit exactly on the trained tokens.
      sequence?.logprobs.forEach((logprob, index) => {
        expect(logprob !== 0).toBe(sequence.lossMask[index] === 1);
      });
    }
    const advantages = episodes.filter((episode) => episode.trained).map((episode) => episode.advantage);
    expect(advantages.reduce((sum, value) => sum + value, 0)).toBeCloseTo(0, 6);
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toContain('num_repeat: 4');
    expect(readFileSync(join(dir, 'checkpoints', 'step-2', 'state.json'), 'utf8')).toContain('"step": 2');
  });

  it('makes one optimizer update per mini-batch of whole groups, per PPO epoch', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-mini-')), 'run');
    const sets = ['data.train_batch_size=4', 'algorithm.ppo_mini_batch_size=1', 'algorithm.ppo_epochs=2'];
    const run = await runAjet(['--conf', CONF, '--experiment-dir', dir, ...sets.flatMap((set) => ['--set', set])]);
    expect(run.code, run.stderr).toBe(0);
    const [record, ...rest] = readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl'));
    expect(rest).toEqual([]);
    // Tasks 0 and 2 train (1 and 3 are skipped): two groups, one a mini-batch, two passes.
    expect(record?.metrics['groups/skipped']).toBe(2);
    expect(record?.metrics['train/mini_batches']).toBe(2);
    expect(record?.metrics['train/policy_version']).toBe(4);
  });

  it('with negative_advantage_scale 0, trains the better episodes of a group and records the others at 0', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-negative-')), 'run');
    const sets = ['algorithm.negative_advantage_scale=0', 'trainer_common.total_training_steps=1'];
    const run = await runAjet(['--conf', CONF, '--experiment-dir', dir, ...sets.flatMap((set) => ['--set', set])]);
    expect(run.code, run.stderr).toBe(0);
    const trained = readJsonl<EpisodeRecord>(join(dir, 'trajectories', 'step-1.jsonl')).filter(
      (episode) => episode.trained,
    );
    expect(trained).toHaveLength(4);
    for (const episode of trained) {
      if (episode.reward === 1) expect(episode.advantage).toBeGreaterThan(0);
      else expect(episode.advantage).toBe(0);
    }
  });

  it('with filter_groups, rolls out more tasks until the batch has train_batch_size groups to train on', async () => {
    const run = async (...sets: string[]) => {
      const dir = join(mkdtempSync(join(tmpdir(), 'ajet-filter-')), 'run');
      const all = ['algorithm.filter_groups=true', 'trainer_common.total_training_steps=1', ...sets];
      const result = await runAjet(['--conf', CONF, '--experiment-dir', dir, ...all.flatMap((set) => ['--set', set])]);
      expect(result.code, result.stderr).toBe(0);
      return readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl'))[0]?.metrics ?? {};
    };
    // The first batch (tasks 0 and 1) has one group to train; a second draw brings tasks 2 and 3.
    const refilled = await run();
    expect(refilled['groups/total']).toBe(4);
    expect(refilled['groups/trained']).toBe(2);
    expect(refilled['groups/skipped']).toBe(2);
    expect(refilled['episodes/total']).toBe(16);
    expect(refilled['tokens/trained']).toBe(2 * 4 * 2 * 3);
    // One batch a step at most: nothing more is drawn.
    const capped = await run('algorithm.max_gen_batches=1');
    expect(capped['groups/total']).toBe(2);
    expect(capped['groups/trained']).toBe(1);
  });

  it('evaluates the validation split with pass@1 and pass@k and prints eval.json as the last stdout line', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-eval-')), 'run');
    const run = await runAjet(['--conf', CONF, '--mode', 'eval', '--experiment-dir', dir]);
    expect(run.code).toBe(0);
    const lastLine = run.stdout.trim().split('\n').at(-1) ?? '';
    const printed = JSON.parse(lastLine) as Record<string, number>;
    const written = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as Record<string, number>;
    expect(printed).toEqual(written);
    // 3 validation tasks x 2 repeats. Tasks 0 and 2: repeat 1 succeeds; task 1: both succeed.
    expect(written).toMatchObject({ n: 3, k: 2, 'pass@k': 1 });
    expect(written['pass@1']).toBeCloseTo(4 / 6);
  });

  it("resolves a built-in plugin's path settings against the file that wrote them, and nothing else", async () => {
    // base/base.yaml names its data next to itself; runs/*.yaml in another folder extend it.
    const root = mkdtempSync(join(tmpdir(), 'ajet-setting-paths-'));
    mkdirSync(join(root, 'base', 'data'), { recursive: true });
    mkdirSync(join(root, 'runs'));
    writeFileSync(join(root, 'base', 'data', 'val.jsonl'), '{"question": "1 + 1?", "answer": "2"}\n');
    writeFileSync(
      join(root, 'base', 'base.yaml'),
      `ajet:
  backbone: ${RECORDING_BACKBONE}
  task_reader:
    type: dataset_file
    dataset_file:
      validation:
        file_path: ./data/val.jsonl
    extra_validation:
      - name: again
        dataset_file:
          validation:
            file_path: ./data/val.jsonl
  rollout:
    user_workflow: react_agent
    workflow_settings:
      system_prompt: ./answer in one word
      max_steps: 1
    num_repeat: 1
  trainer_common:
    val_pass_n: 1
`,
    );
    writeFileSync(join(root, 'runs', 'eval.yaml'), 'extends: ../base/base.yaml\najet:\n  experiment_name: eval\n');
    const dir = join(root, 'out');
    const run = await runAjet(['--conf', join(root, 'runs', 'eval.yaml'), '--mode', 'eval', '--experiment-dir', dir]);
    expect(run.code, run.stderr).toBe(0);
    const [episode] = readJsonl<EpisodeRecord>(join(dir, 'trajectories', 'eval-step-0.jsonl'));
    expect(episode?.messages[0]).toMatchObject({ role: 'system', content: './answer in one word' });
    expect(episode?.messages[1]).toMatchObject({ role: 'user', content: '1 + 1?' });
    // An extra validation set's paths resolve the same way.
    const evaluated = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as {
      sets: Record<string, { n: number }>;
    };
    expect(evaluated.sets.again?.n).toBe(1);

    writeFileSync(
      join(root, 'runs', 'missing.yaml'),
      'extends: ../base/base.yaml\najet:\n  task_reader:\n    dataset_file:\n      validation:\n        file_path: val.jsonl\n',
    );
    const missing = await runAjet([
      '--conf',
      join(root, 'runs', 'missing.yaml'),
      '--mode',
      'eval',
      '--experiment-dir',
      join(root, 'out-missing'),
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(
      `missing.yaml:6: ajet.task_reader.dataset_file.validation.file_path: file not found: ${join(root, 'runs', 'val.jsonl')}`,
    );
  });
});
