import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Judge, MetricsRecord, Split, Task, TaskReader, Workflow } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { StepWriter } from './step-writer.ts';
import { TokenPolicy } from './token-policy.ts';
import {
  type EvalSummary,
  readExtraValidationSets,
  sampledTemperature,
  Validator,
  validationMetrics,
} from './validation.ts';

const BASE = fileURLToPath(new URL('../config/__fixtures__/base.yaml', import.meta.url));
const task = (taskId: string): Task => ({ taskId, mainQuery: `question ${taskId}`, metadata: {} });

/** Tasks named `right*` always succeed; `first*` only in an episode's first repeat; the rest never. */
const workflow = (): Workflow => ({
  async execute(workflowTask, tuner) {
    await tuner.chat({ messages: [{ role: 'user', content: workflowTask.task.mainQuery }] });
    const id = workflowTask.task.taskId;
    const success = id.startsWith('right') || (id.startsWith('first') && workflowTask.repeatIndex === 0);
    return { metadata: {}, reward: success ? 1 : 0, isSuccess: success };
  },
});
const judge: Judge = { computeReward: async () => ({ rawReward: 0, isSuccess: false }) };

function setup(options: { sets?: string[]; workflow?: () => Workflow } = {}) {
  const config = loadConfig({ file: BASE, sets: ['trainer_common.val_pass_n=3', ...(options.sets ?? [])] }).config;
  const backbone = new RecordingBackbone();
  const records: MetricsRecord[] = [];
  const experimentDir = mkdtempSync(join(tmpdir(), 'ajet-validation-'));
  const writer = new StepWriter({
    experimentDir,
    sinks: [],
    observer: { onMetrics: (record) => records.push(record) },
    trajectoriesPerStep: 100,
  });
  const collector = {
    config,
    policy: new TokenPolicy({ backbone, description: 'recording' }),
    createWorkflow: options.workflow ?? workflow,
    judge,
    concurrency: 2,
  };
  return { config, validator: new Validator({ collector, writer }), backbone, records, experimentDir };
}

const sets = [
  { name: null, tasks: [task('right-1'), task('first-1')] },
  { name: 'heldout', tasks: [task('first-2'), task('wrong-1'), task('wrong-2'), task('right-2')] },
];
const temperatures = (backbone: RecordingBackbone) => backbone.sampleCalls.map((call) => call.sampling.temperature);

describe('Validator', () => {
  it('runs each set greedily (one episode a task, temperature 0) and sampled (val_pass_n at T)', async () => {
    const { validator, backbone, records, experimentDir } = setup();
    const summary = await validator.run({ sets, step: 20, phase: 'val' });
    // The sampled temperature defaults to the training temperature (base.yaml: 0.7).
    expect(temperatures(backbone).filter((value) => value === 0)).toHaveLength(2 + 4);
    expect(temperatures(backbone).filter((value) => value === 0.7)).toHaveLength(3 * (2 + 4));
    expect(summary.greedy).toEqual({ 'pass@1': 1, reward_mean: 1, episodes_failed: 0 });
    expect(summary['pass@1']).toBeCloseTo(4 / 6);
    expect(summary['pass@k']).toBe(1);
    expect(summary.temperature).toBe(0.7);
    expect(summary.sets.heldout?.greedy?.['pass@1']).toBe(0.5);
    expect(summary.sets.heldout?.['pass@1']).toBeCloseTo(4 / 12);
    expect(records).toHaveLength(1);
    expect(records[0]?.metrics).toMatchObject({
      'val/greedy/pass@1': 1,
      'val/sampled/k': 3,
      'val/sampled/temperature': 0.7,
      'val/heldout/greedy/pass@1': 0.5,
      'val/heldout/n': 4,
    });
    expect(readdirSync(join(experimentDir, 'trajectories')).sort()).toEqual([
      'val-heldout-step-20.jsonl',
      'val-step-20.jsonl',
    ]);
  });

  it('gives every episode of a validation its own id', async () => {
    const ids: string[] = [];
    const { validator } = setup({
      workflow: () => ({
        async execute(workflowTask) {
          ids.push(workflowTask.episodeId);
          return { metadata: {}, reward: 0 };
        },
      }),
    });
    await validator.run({ sets, step: 1, phase: 'val' });
    expect(ids).toHaveLength(24);
    expect(new Set(ids).size).toBe(24);
  });

  it('at temperature 0 takes greedy pass@1 from the sampled run instead of running it twice', async () => {
    const { validator, backbone } = setup({ sets: ['rollout.val_kwargs.temperature=0'] });
    const summary = await validator.run({ sets: sets.slice(0, 1), step: 0, phase: 'eval' });
    expect(temperatures(backbone)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(summary.greedy?.['pass@1']).toBe(1);
  });

  it('skips the greedy run when rollout.val_kwargs.greedy is false', async () => {
    const { validator, backbone, records } = setup({ sets: ['rollout.val_kwargs.greedy=false'] });
    const summary = await validator.run({ sets: sets.slice(0, 1), step: 0, phase: 'val' });
    expect(temperatures(backbone).every((value) => value === 0.7)).toBe(true);
    expect(summary.greedy).toBeNull();
    expect(Object.keys(records[0]?.metrics ?? {}).some((name) => name.includes('greedy'))).toBe(false);
  });
});

describe('sampledTemperature', () => {
  it('is rollout.val_kwargs.temperature when set, else the training temperature', () => {
    expect(sampledTemperature(loadConfig({ file: BASE }).config)).toBe(0.7);
    const set = loadConfig({ file: BASE, sets: ['rollout.val_kwargs.temperature=0.3'] }).config;
    expect(sampledTemperature(set)).toBe(0.3);
  });
});

describe('validationMetrics', () => {
  const set = {
    'pass@1': 0.25,
    'pass@k': 0.5,
    n: 4,
    k: 2,
    reward_mean: 0.25,
    episodes_failed: 1,
    temperature: 0.9,
    greedy: { 'pass@1': 0.75, reward_mean: 0.75, episodes_failed: 0 },
  };
  it("names the main set's metrics under the phase and each extra set's under its name", () => {
    const summary: EvalSummary = { ...set, sets: { heldout: { ...set, greedy: null, n: 7 } } };
    expect(validationMetrics('eval', summary)).toEqual({
      'eval/n': 4,
      'eval/greedy/pass@1': 0.75,
      'eval/greedy/reward_mean': 0.75,
      'eval/greedy/episodes_failed': 0,
      'eval/sampled/pass@1': 0.25,
      'eval/sampled/pass@k': 0.5,
      'eval/sampled/k': 2,
      'eval/sampled/temperature': 0.9,
      'eval/sampled/reward_mean': 0.25,
      'eval/sampled/episodes_failed': 1,
      'eval/heldout/n': 7,
      'eval/heldout/sampled/pass@1': 0.25,
      'eval/heldout/sampled/pass@k': 0.5,
      'eval/heldout/sampled/k': 2,
      'eval/heldout/sampled/temperature': 0.9,
      'eval/heldout/sampled/reward_mean': 0.25,
      'eval/heldout/sampled/episodes_failed': 1,
    });
  });
});

describe('readExtraValidationSets', () => {
  /** A reader of `count` validation tasks and none for training, with one bad-row line. */
  const reader = (count: number): TaskReader => ({
    async *readTasks(split: Split) {
      if (split === 'validation') for (let index = 0; index < count; index++) yield task(`v${index}`);
    },
    badRowSummary: () => ['rows.jsonl: 1 row without an answer skipped'],
  });

  it("reads each set's validation split (the first N with debug_first_n_tasks), warning per set by name", async () => {
    const warnings: string[] = [];
    const sets = await readExtraValidationSets({
      readers: [
        { name: 'heldout', reader: reader(5) },
        { name: 'empty', reader: reader(0) },
      ],
      firstN: 3,
      warn: (message) => warnings.push(message),
    });
    expect(sets.map(({ name, tasks }) => [name, tasks.map((item) => item.taskId)])).toEqual([
      ['heldout', ['v0', 'v1', 'v2']],
      ['empty', []],
    ]);
    expect(warnings).toEqual([
      'heldout: rows.jsonl: 1 row without an answer skipped',
      'empty: rows.jsonl: 1 row without an answer skipped',
      'validation set empty has no tasks: it is skipped.',
    ]);
  });
});
