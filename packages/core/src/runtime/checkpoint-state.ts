import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AjetError, ConfigError } from '@ajet/spec';
import { z } from 'zod';
import type { AjetConfig } from '../config/schema.ts';

/** A run's length, when its learning rate decays over it (null: it does not, and the run may be made longer). */
const lengthIfLrDecays = (config: AjetConfig, length: number | null) =>
  config.trainerCommon.optim.lrSchedule === 'constant' ? null : length;

/**
 * Config keys whose change makes a resumed run a different run: everything that decides the data, the episodes,
 * the rewards, the loss or the update. Left out on purpose, since they change how long or how visibly a run goes,
 * not what it learns: experiment names and folders, total_epochs/total_training_steps (train longer; unless the
 * learning rate decays over the run's length, which they set), save, test and log settings, the backend's address,
 * timeouts and parallelism.
 */
const FINGERPRINT_KEYS = {
  'ajet.model.path': (config: AjetConfig) => config.model.path,
  'ajet.task_reader': (config: AjetConfig) => ({ type: config.taskReader.type, settings: config.taskReader.settings }),
  'ajet.data.train_batch_size': (config: AjetConfig) => config.data.trainBatchSize,
  'ajet.data.shuffle': (config: AjetConfig) => config.data.shuffle,
  'ajet.rollout.num_repeat': (config: AjetConfig) => config.rollout.numRepeat,
  'ajet.seed': (config: AjetConfig) => config.seed,
  'ajet.debug.debug_first_n_tasks': (config: AjetConfig) => config.debug.debugFirstNTasks,
  'ajet.rollout.user_workflow': (config: AjetConfig) => config.rollout.userWorkflow,
  'ajet.rollout.workflow_settings': (config: AjetConfig) => config.rollout.workflowSettings,
  'ajet.rollout.temperature': (config: AjetConfig) => config.rollout.temperature,
  'ajet.rollout.top_p': (config: AjetConfig) => config.rollout.topP,
  'ajet.rollout.max_tokens': (config: AjetConfig) => config.rollout.maxTokens,
  'ajet.rollout.on_error': (config: AjetConfig) => config.rollout.onError,
  'ajet.rollout.multi_turn.max_steps': (config: AjetConfig) => config.rollout.multiTurn.maxSteps,
  'ajet.task_judge.judge_protocol': (config: AjetConfig) => config.taskJudge.judgeProtocol,
  'ajet.task_judge.judge_settings': (config: AjetConfig) => config.taskJudge.judgeSettings,
  'ajet.algorithm.adv_estimator': (config: AjetConfig) => config.algorithm.advEstimator,
  'ajet.algorithm.negative_advantage_scale': (config: AjetConfig) => config.algorithm.negativeAdvantageScale,
  'ajet.algorithm.shuffle_advantages': (config: AjetConfig) => config.algorithm.shuffleAdvantages,
  'ajet.algorithm.loss': (config: AjetConfig) => config.algorithm.loss,
  'ajet.algorithm.clip_low': (config: AjetConfig) => config.algorithm.clipLow,
  'ajet.algorithm.clip_high': (config: AjetConfig) => config.algorithm.clipHigh,
  'ajet.algorithm.dual_clip': (config: AjetConfig) => config.algorithm.dualClip,
  'ajet.algorithm.kl_beta': (config: AjetConfig) => config.algorithm.klBeta,
  'ajet.algorithm.loss_aggregation': (config: AjetConfig) => config.algorithm.lossAggregation,
  'ajet.algorithm.ppo_epochs': (config: AjetConfig) => config.algorithm.ppoEpochs,
  'ajet.algorithm.max_staleness': (config: AjetConfig) => config.algorithm.maxStaleness,
  'ajet.algorithm.ppo_mini_batch_size': (config: AjetConfig) => config.algorithm.ppoMiniBatchSize,
  'ajet.algorithm.filter_groups': (config: AjetConfig) => config.algorithm.filterGroups,
  'ajet.algorithm.max_gen_batches': (config: AjetConfig) => config.algorithm.maxGenBatches,
  'ajet.trainer_common.optim.lr': (config: AjetConfig) => config.trainerCommon.optim.lr,
  'ajet.trainer_common.optim.beta1': (config: AjetConfig) => config.trainerCommon.optim.beta1,
  'ajet.trainer_common.optim.beta2': (config: AjetConfig) => config.trainerCommon.optim.beta2,
  'ajet.trainer_common.optim.eps': (config: AjetConfig) => config.trainerCommon.optim.eps,
  'ajet.trainer_common.optim.weight_decay': (config: AjetConfig) => config.trainerCommon.optim.weightDecay,
  'ajet.trainer_common.optim.max_grad_norm': (config: AjetConfig) => config.trainerCommon.optim.maxGradNorm,
  'ajet.trainer_common.optim.lr_schedule': (config: AjetConfig) => config.trainerCommon.optim.lrSchedule,
  'ajet.trainer_common.optim.lr_warmup_steps': (config: AjetConfig) => config.trainerCommon.optim.lrWarmupSteps,
  'ajet.trainer_common.optim.min_lr_ratio': (config: AjetConfig) => config.trainerCommon.optim.minLrRatio,
  'ajet.trainer_common.total_epochs': (config: AjetConfig) =>
    lengthIfLrDecays(config, config.trainerCommon.totalEpochs),
  'ajet.trainer_common.total_training_steps': (config: AjetConfig) =>
    lengthIfLrDecays(config, config.trainerCommon.totalTrainingSteps),
} as const;

export const checkpointStateSchema = z.object({
  step: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  seed: z.number().int(),
  fingerprint: z.record(z.string(), z.string()),
  time: z.number(),
  /** Which run wrote it; absent in checkpoints written before runs had an identity. */
  runId: z.string().min(1).optional(),
});

export type CheckpointState = z.output<typeof checkpointStateSchema>;

export function configFingerprint(config: AjetConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(FINGERPRINT_KEYS).map(([key, read]) => [key, JSON.stringify(read(config))]));
}

/** Reads a checkpoint's state.json (no config check). */
export async function readStateFile(checkpointDir: string): Promise<CheckpointState> {
  const file = join(checkpointDir, 'state.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AjetError(`Cannot read checkpoint state ${file}: ${(error as Error).message}`, {
      code: 'CHECKPOINT_UNREADABLE',
      blame: 'user',
      hint: 'Point --resume-from at a checkpoints/step-N folder that a run wrote.',
      cause: error,
    });
  }
  const parsed = checkpointStateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AjetError(`Checkpoint state ${file} is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      code: 'CHECKPOINT_INVALID',
      blame: 'user',
    });
  }
  return parsed.data;
}

/** Reads a checkpoint's state.json and refuses it when a key that matters changed since. */
export async function readCheckpointState(options: {
  checkpointDir: string;
  config: AjetConfig;
}): Promise<CheckpointState> {
  const state = await readStateFile(options.checkpointDir);
  const current = configFingerprint(options.config);
  for (const [key, value] of Object.entries(state.fingerprint)) {
    if (current[key] !== undefined && current[key] !== value) {
      throw new ConfigError(`changed since the checkpoint was written (${value} then, ${current[key]} now)`, {
        code: 'RESUME_CONFIG_CHANGED',
        keyPath: key,
        hint: `Resuming would not continue the same run; restore ${key} or start a new experiment.`,
      });
    }
  }
  return state;
}
