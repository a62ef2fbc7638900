import { AjetError, type Split, type Task, type TaskReader } from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import { deriveSeed, seededShuffle } from './seeded-random.ts';

/** Which tasks each step trains on (pure): epochs of `train_batch_size` batches, shuffled per epoch by the seed. */
export class TrainingSchedule {
  private readonly tasks: readonly Task[];
  private readonly config: AjetConfig;

  constructor(tasks: readonly Task[], config: AjetConfig) {
    this.tasks = tasks;
    this.config = config;
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.tasks.length / this.config.data.trainBatchSize);
  }

  /** Epochs' steps, capped by `total_training_steps`. */
  get totalSteps(): number {
    const byEpochs = this.stepsPerEpoch * this.config.trainerCommon.totalEpochs;
    const cap = this.config.trainerCommon.totalTrainingSteps;
    return cap === null ? byEpochs : Math.min(cap, byEpochs);
  }

  /** The epoch of the step after `stepsDone` steps. */
  epochAfter(stepsDone: number): number {
    return Math.floor(stepsDone / this.stepsPerEpoch);
  }

  /** The epoch the last of `stepsDone` steps belonged to (0 before any). */
  epochOfLast(stepsDone: number): number {
    return this.epochAfter(Math.max(0, stepsDone - 1));
  }

  /** The batch of the step after `stepsDone` steps. */
  batchAfter(stepsDone: number): Task[] {
    const { data, seed } = this.config;
    const index = stepsDone % this.stepsPerEpoch;
    const order = data.shuffle
      ? seededShuffle(this.tasks, deriveSeed(seed, 'epoch', this.epochAfter(stepsDone)))
      : this.tasks;
    return order.slice(index * data.trainBatchSize, (index + 1) * data.trainBatchSize);
  }
}

/** A split's tasks, the first `limit` only when one is set (`debug.debug_first_n_tasks`). */
export async function readSplit(reader: TaskReader, split: Split, limit: number | null): Promise<Task[]> {
  const tasks: Task[] = [];
  for await (const task of reader.readTasks(split)) {
    if (tasks.length >= (limit ?? Number.POSITIVE_INFINITY)) break;
    tasks.push(task);
  }
  return tasks;
}

/** The error a stopped run ends with, naming the checkpoint a `--resume` continues from. */
export function interruptedError(options: { step: number; savedStep: number; reason: unknown }): AjetError {
  const { step, savedStep } = options;
  return new AjetError(
    `Interrupted during step ${step + 1}; ${savedStep > 0 ? `checkpoint step-${savedStep} is complete` : 'no checkpoint was written'}.`,
    {
      code: 'INTERRUPTED',
      blame: 'user',
      hint:
        savedStep > 0
          ? 'Continue with the same command plus --resume.'
          : 'Start again with the same command plus --overwrite (this folder now holds the interrupted run).',
      cause: options.reason,
    },
  );
}
