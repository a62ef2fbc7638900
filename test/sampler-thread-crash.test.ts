import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, TokenPolicy, Trainer } from '@ajet/core';
import type { MetricsRecord, RolloutError, Task } from '@ajet/spec';
import { createTinyLm } from '@ajet/tinylm';
import { describe, expect, it } from 'vitest';

const tasks: Task[] = ['What is 12 plus 30?', 'What is 3 plus 4?'].map((mainQuery, index) => ({
  taskId: String(index),
  mainQuery,
  metadata: {},
}));

describe('a sampling thread of the embedded policy that dies', () => {
  it('fails only the episode it was sampling, which is counted; a new thread samples the rest and the step trains', async () => {
    const backbone = await createTinyLm({
      modelPath: 'builtin:tinylm-calculator',
      seed: 1,
      trainThreads: 1,
      sampleThreads: 2,
    });
    const pool = backbone.samplerPool;
    if (!pool) throw new Error('no sampler threads');
    const { config } = loadConfig({
      file: 'tutorial/example_calculator_agent/calculator_agent.yaml',
      sets: [
        'trainer_common.total_training_steps=1',
        'trainer_common.test_freq=0',
        'trainer_common.val_before_train=false',
        'trainer_common.save_freq=0',
        'data.train_batch_size=2',
        'rollout.num_repeat=4',
        'rollout.max_tokens=24',
      ],
    });
    const records: MetricsRecord[] = [];
    const errors: RolloutError[] = [];
    let replies = 0;
    const trainer = new Trainer({
      config,
      policy: new TokenPolicy({ backbone, description: 'tinylm on 2 sampling threads' }),
      backbone,
      reader: {
        async *readTasks(split) {
          if (split === 'train') yield* tasks;
        },
      },
      createWorkflow: () => ({
        async execute(task, tuner) {
          const reply = tuner.chat({ messages: [{ role: 'user', content: task.task.mainQuery }] });
          if (task.taskTag === 'T0#R1') {
            // Stop the thread that holds this episode's completion while it samples.
            let busy = -1;
            while (busy < 0) {
              await new Promise((resolve) => setImmediate(resolve));
              busy = [0, 1].find((index) => pool.jobsOn(index) > 0) ?? -1;
            }
            await pool.threadOf(busy)?.terminate();
          }
          const { message } = await reply;
          replies += 1;
          // Rewards that differ within a group, so the step has something to train.
          return { reward: (message.content.length % 3) / 2, metadata: {} };
        },
      }),
      judge: { computeReward: async () => ({ rawReward: 0, isSuccess: false }) },
      experimentDir: join(mkdtempSync(join(tmpdir(), 'ajet-sampler-crash-')), 'run'),
      sinks: [],
      observer: { onMetrics: (record) => records.push(record), onRolloutError: (error) => errors.push(error) },
      concurrency: 1,
    });
    try {
      await trainer.train();
    } finally {
      await backbone.close();
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ taskTag: 'T0#R1' });
    expect(errors[0]?.message).toMatch(/sampling thread stopped/);
    expect(replies).toBe(7);
    expect(pool.restarts).toBe(1);
    const step = records.find((record) => record.phase === 'train');
    // The failed episode's group is skipped (rollout.on_error: skip_group); the other group trains.
    expect(step?.metrics).toMatchObject({
      'episodes/total': 8,
      'episodes/failed': 1,
      'groups/failed': 1,
      'groups/trained': 1,
      'train/policy_version': 1,
    });
  }, 60_000);
});
