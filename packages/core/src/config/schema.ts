import { z } from 'zod';
import { section } from './camel-keys.ts';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
/** A plugin's own settings block: validated later by the plugin's static `settings` schema. */
const pluginSettings = z.record(z.string(), z.unknown());

const endpoint = section({
  base_url: z.string().url().nullable(),
  model: z.string().nullable(),
  api_key_env: z.string(),
  timeout_s: z.number().positive(),
});

const model = section({
  path: z.string().min(1),
  endpoint,
});

const grpc = section({
  address: z.string().min(1),
  token_env: z.string(),
  tls: z.boolean(),
  deadline_s: z.number().positive(),
});

const backbones = section({ grpc });

/** `type` and `on_bad_row`, plus one settings block per reader type, named after it. */
const taskReader = z
  .object({
    type: z.string().min(1),
    on_bad_row: z.enum(['skip', 'fail']),
    settings: pluginSettings,
  })
  .catchall(pluginSettings)
  .transform(({ type, on_bad_row, settings, ...blocks }) => ({
    type,
    onBadRow: on_bad_row,
    /** The reader's settings: the block named after its type, else `settings`. */
    settings: blocks[type] ?? settings,
  }));

const sampling = section({
  temperature: z.number().nonnegative(),
  top_p: z.number().gt(0).lte(1),
});

const rollout = section({
  user_workflow: z.string().min(1),
  workflow_settings: pluginSettings,
  num_repeat: positiveInt,
  temperature: z.number().nonnegative(),
  top_p: z.number().gt(0).lte(1),
  max_tokens: positiveInt,
  max_env_worker: positiveInt,
  episode_timeout_s: z.number().positive(),
  on_error: z.enum(['skip_group', 'zero_reward', 'fail']),
  multi_turn: section({ max_steps: positiveInt }),
  val_kwargs: sampling,
});

const taskJudge = section({
  judge_protocol: z.string().min(1),
  judge_settings: pluginSettings,
});

const data = section({
  train_batch_size: positiveInt,
  shuffle: z.boolean(),
});

const algorithm = section({
  adv_estimator: z.enum(['grpo', 'dr_grpo']),
  negative_advantage_scale: z.number().nonnegative(),
  loss: z.enum(['ppo', 'importance_sampling', 'cross_entropy']),
  clip_low: z.number().nonnegative().lt(1),
  clip_high: z.number().nonnegative(),
  dual_clip: z.number().gt(1).nullable(),
  kl_beta: z.number().nonnegative(),
  loss_aggregation: z.enum(['token-mean', 'seq-mean']),
  ppo_epochs: positiveInt,
  ppo_mini_batch_size: positiveInt.nullable(),
  filter_groups: z.boolean(),
  max_gen_batches: positiveInt,
});

const optim = section({
  lr: z.number().nonnegative(),
  beta1: z.number().gte(0).lt(1),
  beta2: z.number().gte(0).lt(1),
  eps: z.number().positive(),
  weight_decay: z.number().nonnegative(),
  max_grad_norm: z.number().nonnegative(),
});

const swanlab = section({
  project: z.string().min(1).nullable(),
  workspace: z.string().min(1).nullable(),
  base_url: z.string().url().nullable(),
  api_key_env: z.string().min(1),
});

const trainerCommon = section({
  total_epochs: positiveInt,
  total_training_steps: positiveInt.nullable(),
  save_freq: nonNegativeInt,
  test_freq: nonNegativeInt,
  val_before_train: z.boolean(),
  val_pass_n: positiveInt,
  max_checkpoints: positiveInt,
  save_on_interrupt: z.boolean(),
  logger: z.array(z.string().min(1)),
  trajectories_per_step: nonNegativeInt,
  max_nonfinite_steps_in_row: positiveInt,
  fail_if_nothing_trained: z.boolean(),
  swanlab,
  optim,
});

const debug = section({
  debug_first_n_tasks: positiveInt.nullable(),
  debug_max_parallel: positiveInt,
  train_threads: positiveInt,
});

export const ajetSchema = section({
  project_name: z.string().min(1),
  experiment_name: z.string().min(1),
  experiment_dir: z.string().min(1),
  seed: z.number().int(),
  /** A backbone plugin: a built-in name or "module->Export", checked against the registry by runJob. */
  backbone: z.string().min(1),
  model,
  backbones,
  task_reader: taskReader,
  rollout,
  task_judge: taskJudge,
  data,
  algorithm,
  trainer_common: trainerCommon,
  debug,
});

/** The file's root: everything under `ajet:`. */
export const configFileSchema = z.strictObject({ ajet: ajetSchema });

export type AjetConfig = z.output<typeof ajetSchema>;
export type AjetConfigInput = z.input<typeof ajetSchema>;
