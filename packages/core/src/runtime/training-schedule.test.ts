import { fileURLToPath } from 'node:url';
import type { Task, TaskReader } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { interruptedError, readSplit, TrainingSchedule } from './training-schedule.ts';

const BASE = fileURLToPath(new URL('../config/__fixtures__/base.yaml', import.meta.url));
const tasks: Task[] = Array.from({ length: 5 }, (_, index) => ({ taskId: `t${index}`, mainQuery: 'q', metadata: {} }));
const schedule = (...sets: string[]) =>
  new TrainingSchedule(tasks, loadConfig({ file: BASE, sets: ['data.train_batch_size=2', ...sets] }).config);
const taskIds = (batch: Task[]) => batch.map((task) => task.taskId);

describe('TrainingSchedule', () => {
  it('walks epochs of batches in order without shuffle, the last batch of an epoch holding what is left', () => {
    const plain = schedule('data.shuffle=false', 'trainer_common.total_epochs=2');
    expect(plain.stepsPerEpoch).toBe(3);
    expect(plain.totalSteps).toBe(6);
    expect([0, 1, 2, 3].map((done) => taskIds(plain.batchAfter(done)))).toEqual([
      ['t0', 't1'],
      ['t2', 't3'],
      ['t4'],
      ['t0', 't1'],
    ]);
    expect([0, 2, 3, 5].map((done) => plain.epochAfter(done))).toEqual([0, 0, 1, 1]);
    expect([0, 1, 3, 4].map((done) => plain.epochOfLast(done))).toEqual([0, 0, 0, 1]);
  });

  it('caps the steps by total_training_steps', () => {
    expect(schedule('trainer_common.total_epochs=2', 'trainer_common.total_training_steps=4').totalSteps).toBe(4);
    expect(schedule('trainer_common.total_epochs=1', 'trainer_common.total_training_steps=40').totalSteps).toBe(3);
  });

  it('shuffles each epoch by the seed: every task once an epoch, the same order for the same seed', () => {
    const first = schedule('data.shuffle=true', 'seed=3');
    const epoch = (at: TrainingSchedule, start: number) =>
      [start, start + 1, start + 2].flatMap((done) => taskIds(at.batchAfter(done)));
    expect(epoch(first, 0).sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(epoch(schedule('data.shuffle=true', 'seed=3'), 0)).toEqual(epoch(first, 0));
    expect(epoch(first, 3)).not.toEqual(epoch(first, 0));
  });
});

describe('readSplit', () => {
  const reader: TaskReader = {
    async *readTasks(split) {
      for (const task of tasks) yield { ...task, taskId: `${split}-${task.taskId}` };
    },
  };

  it('reads a split, the first `limit` tasks only when a limit is set', async () => {
    expect((await readSplit(reader, 'validation', null)).map((task) => task.taskId)).toHaveLength(5);
    expect(taskIds(await readSplit(reader, 'train', 2))).toEqual(['train-t0', 'train-t1']);
  });
});

describe('interruptedError', () => {
  it('names the checkpoint to resume from, or says to start again', () => {
    const saved = interruptedError({ step: 4, savedStep: 4, reason: new Error('SIGINT') });
    expect(saved.message).toMatch(/^Interrupted during step 5; checkpoint step-4 is complete\./);
    expect(saved.code).toBe('INTERRUPTED');
    expect(saved.hint).toMatch(/--resume/);
    expect(interruptedError({ step: 0, savedStep: 0, reason: undefined }).hint).toMatch(/--overwrite/);
  });
});
