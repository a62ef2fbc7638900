import { z } from 'zod';
import { section } from './camel-keys.ts';
import { filePath, pluginReference, pluginSettings } from './schema-fields.ts';

// The one source of every key, its default and its one-line doc: configs/ajet_default.yaml and docs/config.md are
// generated from this file (`pnpm gen:config`).

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

const endpoint = section({
  base_url: z
    .string()
    .url()
    .nullable()
    .default(null)
    .describe(
      'an OpenAI-compatible endpoint (e.g. http://127.0.0.1:8000/v1): rollouts and judging only, nothing trains',
    ),
  model: z.string().nullable().default(null).describe('model name sent to the endpoint; defaults to model.path'),
  api_key_env: z.string().default('OPENAI_API_KEY').describe("environment variable holding the endpoint's key"),
  timeout_s: z.number().positive().default(120).describe('per request'),
});

const model = section({
  path: filePath({ orName: true })
    .default('builtin:tinylm-calculator')
    .describe('builtin:<name>, a folder a run saved, or a model id the grpc backend loads'),
  endpoint,
});

const grpc = section({
  address: z
    .string()
    .min(1)
    .default('127.0.0.1:50051')
    .describe('host:port of `ajet serve` or `python -m ajet_backend serve`'),
  token_env: z
    .string()
    .default('AJET_BACKEND_TOKEN')
    .describe("environment variable holding the server's auth token, if it has one"),
  tls: z.boolean().default(false).describe('connect with TLS'),
  deadline_s: z.number().positive().default(600).describe('every call fails after this long rather than hang'),
});

const tinker = section({
  base_url: z
    .string()
    .url()
    .default('https://tinker.thinkingmachines.dev/services/tinker-prod')
    .describe('the Tinker API: hosted Tinker (the default) or a self-hosted Tinker-compatible server'),
  api_key_env: z
    .string()
    .default('TINKER_API_KEY')
    .describe('environment variable holding the API key (hosted Tinker needs one: tml-...)'),
  base_model: z.string().min(1).default('Qwen/Qwen3-8B').describe('the model Tinker fine-tunes with LoRA'),
  lora_rank: z.number().int().positive().default(32).describe('LoRA rank of the training model'),
  max_model_len: z.number().int().positive().default(32768).describe('longest prompt + completion, in tokens'),
  tokenizer_path: filePath()
    .nullable()
    .default(null)
    .describe("folder with base_model's tokenizer.json and tokenizer_config.json; null: the Qwen3 one ajet ships"),
  deadline_s: z.number().positive().default(600).describe('every call (queueing and its future) fails after this long'),
  protobuf_forward_backward: z
    .boolean()
    .default(false)
    .describe('send forward_backward as protobuf, as the tinker 0.38 SDK does; false: JSON (older servers read it)'),
});

const ray = section({
  address: z
    .string()
    .min(1)
    .default('http://127.0.0.1:8265')
    .describe("the Ray dashboard (Serve's REST API) that `ajet ray up/status/down` deploy through"),
  start_local: z
    .boolean()
    .default(false)
    .describe('`ajet ray up` starts a local head node (`ray start --head`) when nothing answers at address'),
  local_cpus: positiveInt.nullable().default(null).describe('CPUs of that local head node (null: Ray counts them)'),
  python: z
    .string()
    .min(1)
    .default('backend/.venv/bin/python')
    .describe('Python with ajet_backend[ray] (ray[serve]==2.60.0); its bin/ folder holds the ray and serve commands'),
  model: z.string().nullable().default(null).describe('what the samplers and learner load; null: model.path'),
  grpc_host: z.string().min(1).default('127.0.0.1').describe("host where the trainer reaches Serve's gRPC proxy"),
  grpc_port: z.number().int().min(1).max(65535).default(9000).describe("Serve's gRPC proxy port (ajet.v1.Backend)"),
  token_env: z
    .string()
    .default('AJET_BACKEND_TOKEN')
    .describe('environment variable holding the auth token the application requires, if any'),
  deadline_s: z.number().positive().default(600).describe('every call fails after this long rather than hang'),
  sampler_replicas: positiveInt.default(2).describe('sampler replicas, each its own model copy'),
  sampler_autoscaling: section({
    enabled: z
      .boolean()
      .default(false)
      .describe('Serve autoscaling of the sampler replicas (sampler_replicas is then ignored)'),
    min_replicas: positiveInt.default(1).describe('fewest sampler replicas'),
    max_replicas: positiveInt.default(4).describe('most sampler replicas'),
    target_ongoing_requests: z
      .number()
      .positive()
      .max(8)
      .default(2)
      .describe('sampling calls in flight per replica that Serve scales towards (a replica takes at most 8)'),
  }),
  sampler_cpus: z.number().nonnegative().default(0.5).describe('CPUs Ray reserves per sampler replica'),
  sampler_gpus: z.number().nonnegative().default(0).describe('GPUs per sampler replica (fractions share a GPU)'),
  dtype: z
    .enum(['bf16', 'fp16', 'fp32'])
    .default('bf16')
    .describe('weights of a transformers model in the samplers and learner (tinylm is always float32)'),
  lora_rank: nonNegativeInt
    .default(0)
    .describe('transformers models: train a LoRA adapter of this rank (0: all weights)'),
  max_model_len: positiveInt.default(4096).describe('longest prompt + completion, in tokens'),
  engine: z
    .enum(['auto', 'hf', 'vllm'])
    .default('auto')
    .describe('sampler replicas: vllm, hf (transformers), auto (vllm when installed and the replica has a GPU)'),
  gpu_memory_utilization: z
    .number()
    .gt(0)
    .max(1)
    .default(0.5)
    .describe("share of a sampler replica's GPU memory for the vLLM engine"),
  learner_workers: positiveInt.default(2).describe('data-parallel learner workers (torch.distributed ranks)'),
  learner_worker_cpus: z.number().nonnegative().default(0.5).describe('CPUs Ray reserves per learner worker'),
  learner_worker_gpus: z.number().nonnegative().default(0).describe('GPUs per learner worker'),
  learner_backend: z
    .enum(['gloo', 'nccl'])
    .default('gloo')
    .describe('torch.distributed backend of the learner: gloo on CPU, nccl on GPUs'),
  sync: z
    .enum(['every_step'])
    .default('every_step')
    .describe('weight sync to the samplers: after every OptimStep and LoadState, versioned (the only policy so far)'),
  state_root: z
    .string()
    .default('ajet_backend_state')
    .describe("where the learner saves checkpoints, on the learner's machine"),
});

const backbones = section({ grpc, ray, tinker });

/** The names a validation set may not take: they are metric name parts (`val/greedy/pass@1`). */
const RESERVED_SET_NAMES = ['greedy', 'sampled', 'validation', 'n'];

/** One more validation set: a reader whose validation split is scored beside the main one, under its own name. */
const extraValidationSet = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'a name of lowercase letters, digits and _ (it names metrics and files)')
      .refine((name) => !RESERVED_SET_NAMES.includes(name), {
        message: `not one of ${RESERVED_SET_NAMES.join(', ')} (metric name parts)`,
      })
      .describe('names the set in the console, metrics (val/<name>/greedy/pass@1) and trajectories'),
    type: pluginReference()
      .nullable()
      .default(null)
      .describe("the set's reader; null: task_reader.type. Its settings block is the key named after the type"),
    settings: pluginSettings('replace').default({}).describe('settings of a "module->Class" reader'),
  })
  .catchall(pluginSettings('merge'));

/** `type` and `on_bad_row`, plus one settings block per reader type, named after it. */
const taskReader = z
  .object({
    type: pluginReference()
      .default('dataset_file')
      .describe(
        'dataset_file, huggingface_dat_repo, env_service, or "module->Class"; its settings block is the key named after the type',
      ),
    on_bad_row: z
      .enum(['skip', 'fail'])
      .default('skip')
      .describe('skip (count and report) or fail on a dataset row with a missing question or answer'),
    settings: pluginSettings('replace')
      .default({})
      .describe(
        'settings of a "module->Class" reader (a built-in reads the block named after its type, e.g. dataset_file:)',
      ),
    extra_validation: z
      .array(extraValidationSet)
      .default([])
      .superRefine((sets, context) => {
        const seen = new Set<string>();
        for (const [index, set] of sets.entries()) {
          if (seen.has(set.name))
            context.addIssue({ code: 'custom', message: 'names must differ', path: [index, 'name'] });
          seen.add(set.name);
        }
      })
      .describe(
        'more validation sets, each [{name, type?, <type>: reader settings}]: its validation split is validated beside the main one and reported under its name',
      ),
  })
  .catchall(pluginSettings('merge'))
  .transform(({ type, on_bad_row, settings, extra_validation, ...blocks }) => ({
    type,
    onBadRow: on_bad_row,
    /** The reader's settings: the block named after its type, else `settings`. */
    settings: blocks[type] ?? settings,
    extraValidation: extra_validation.map(({ name, type: setType, settings: setSettings, ...setBlocks }) => {
      const reader = setType ?? type;
      return { name, type: reader, settings: setBlocks[reader] ?? setSettings };
    }),
  }))
  .prefault({});

const rollout = section({
  user_workflow: pluginReference().default('react_agent').describe('the agent: a built-in name or "module->Class"'),
  workflow_settings: pluginSettings('replace').default({}).describe("passed to the workflow's constructor"),
  num_repeat: positiveInt.default(4).describe('episodes per task: the GRPO group size'),
  temperature: z.number().nonnegative().default(0.9).describe('sampling temperature for training rollouts'),
  top_p: z.number().gt(0).lte(1).default(1).describe('nucleus sampling; 1 keeps the importance ratio unbiased'),
  max_tokens: positiveInt.default(512).describe('at most this many tokens per model call'),
  max_env_worker: positiveInt
    .default(64)
    .describe('episodes running at once with a remote backbone (grpc); in process, debug.debug_max_parallel'),
  episode_timeout_s: z
    .number()
    .positive()
    .default(600)
    .describe('an episode running longer is stopped and recorded as a timeout error'),
  on_error: z
    .enum(['skip_group', 'zero_reward', 'fail'])
    .default('skip_group')
    .describe(
      'when an episode fails: skip_group (drop its group), zero_reward (train it with reward 0), fail (stop the run)',
    ),
  multi_turn: section({ max_steps: positiveInt.default(5).describe('model calls per episode at most') }),
  val_kwargs: section({
    temperature: z
      .number()
      .nonnegative()
      .nullable()
      .default(null)
      .describe(
        'sampled validation and eval: trainer_common.val_pass_n episodes a task at this temperature (null: rollout.temperature)',
      ),
    top_p: z.number().gt(0).lte(1).default(1).describe('nucleus sampling of the sampled validation and eval'),
    greedy: z
      .boolean()
      .default(true)
      .describe('also validate greedily: one episode a task at temperature 0 (greedy pass@1)'),
  }),
});

const taskJudge = section({
  judge_protocol: pluginReference()
    .default('math_answer')
    .describe('the reward: a built-in name or "module->Class"; called when the workflow leaves reward unset'),
  judge_settings: pluginSettings('replace').default({}).describe("passed to the judge's constructor"),
});

const data = section({
  train_batch_size: positiveInt.default(8).describe('tasks per training step (each runs num_repeat episodes)'),
  shuffle: z.boolean().default(true).describe('shuffle the training split each epoch (seeded)'),
});

const algorithm = section({
  adv_estimator: z
    .enum(['grpo', 'dr_grpo'])
    .default('grpo')
    .describe('grpo (reward minus group mean, over group std) or dr_grpo (minus mean only)'),
  negative_advantage_scale: z
    .number()
    .nonnegative()
    .default(1)
    .describe("multiplies below-mean advantages; < 1 leans on the group's better episodes (0: only they are trained)"),
  shuffle_advantages: z
    .boolean()
    .default(false)
    .describe(
      "a control run: each group's advantages are shuffled among its episodes (seeded), so the reward says nothing about which episode earned what; what such a run still gains comes from the rest (ptx, KL, the schedule)",
    ),
  loss: z
    .enum(['ppo', 'importance_sampling', 'cross_entropy'])
    .default('ppo')
    .describe('ppo, importance_sampling, or cross_entropy'),
  clip_low: z.number().nonnegative().lt(1).default(0.2).describe('PPO ratio clip below 1'),
  clip_high: z.number().nonnegative().default(0.28).describe('PPO ratio clip above 1'),
  dual_clip: z
    .number()
    .gt(1)
    .nullable()
    .default(null)
    .describe('PPO dual clip constant c (> 1) for negative advantages; null turns it off'),
  kl_beta: z
    .number()
    .nonnegative()
    .default(0)
    .describe('weight of the k3 KL penalty to the reference policy; 0 turns it off'),
  loss_aggregation: z.enum(['token-mean', 'seq-mean']).default('token-mean').describe('token-mean or seq-mean'),
  ppo_epochs: positiveInt.default(1).describe('passes over each batch of rollouts'),
  ppo_mini_batch_size: positiveInt
    .nullable()
    .default(null)
    .describe('tasks (GRPO groups) per optimizer update; null: one update per pass on the whole batch'),
  filter_groups: z
    .boolean()
    .default(false)
    .describe('DAPO dynamic sampling: roll out more tasks until train_batch_size groups have differing rewards'),
  max_gen_batches: positiveInt
    .default(4)
    .describe('with filter_groups, at most this many batches of tasks rolled out a step'),
  max_staleness: nonNegativeInt
    .default(0)
    .describe(
      'steps of rollouts sampled ahead while the learner trains (0: synchronous); a sample more updates behind than this is dropped with its group and counted',
    ),
  ptx: section({
    file_path: filePath()
      .nullable()
      .default(null)
      .describe(
        'PPO-ptx: demonstrations (JSONL, {"messages": [...]} a line) whose assistant turns each update also trains with cross-entropy, keeping what the warm start knew; null: off',
      ),
    coef: z.number().nonnegative().default(1).describe("weight of the demonstrations' loss beside the policy loss"),
    batch_size: positiveInt.default(8).describe('demonstrations an update, drawn by (seed, step, update)'),
  }),
});

const optim = section({
  lr: z.number().nonnegative().default(1e-6).describe('AdamW learning rate (the peak, with a schedule)'),
  lr_schedule: z
    .enum(['constant', 'linear', 'cosine'])
    .default('constant')
    .describe(
      "after warmup: constant (lr), or linear or cosine decay from lr to min_lr_ratio × lr at the run's last step (total_epochs × steps an epoch, capped by total_training_steps); it moves once a training step, every ppo_epochs and mini-batch update of a step using the same lr; a decaying run resumes only with the same total_epochs and total_training_steps",
    ),
  lr_warmup_steps: nonNegativeInt
    .default(0)
    .describe(
      'the first N training steps ramp the learning rate linearly up to lr (step s: lr × s/(N+1)); 0: no warmup',
    ),
  min_lr_ratio: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe("with lr_schedule linear or cosine: the last step's learning rate as a fraction of lr"),
  beta1: z.number().gte(0).lt(1).default(0.9).describe('AdamW beta1'),
  beta2: z.number().gte(0).lt(1).default(0.999).describe('AdamW beta2'),
  eps: z.number().positive().default(1e-8).describe('AdamW epsilon'),
  weight_decay: z.number().nonnegative().default(0).describe('AdamW decoupled weight decay'),
  max_grad_norm: z.number().nonnegative().default(1).describe('clip the global gradient norm to this (0: off)'),
});

const swanlab = section({
  project: z.string().min(1).nullable().default(null).describe('SwanLab project; null uses project_name'),
  workspace: z.string().min(1).nullable().default(null).describe("a team workspace; null: the API key's own user"),
  base_url: z
    .string()
    .url()
    .nullable()
    .default(null)
    .describe(
      'API root of a self-hosted server (e.g. http://host:8000/api); null: $SWANLAB_API_HOST, else https://api.swanlab.cn/api',
    ),
  api_key_env: z.string().min(1).default('SWANLAB_API_KEY').describe('environment variable holding the API key'),
}).describe('used when logger lists swanlab (experimental)');

const trainerCommon = section({
  total_epochs: positiveInt.default(1).describe('passes over the training split'),
  total_training_steps: positiveInt
    .nullable()
    .default(null)
    .describe('caps the run at this many steps whatever the epochs say'),
  save_freq: nonNegativeInt.default(0).describe('write a checkpoint every N steps (0: only at the end)'),
  test_freq: nonNegativeInt.default(0).describe('validate every N steps (0: never during training)'),
  val_before_train: z.boolean().default(false).describe('validate once before the first step'),
  val_pass_n: positiveInt
    .default(1)
    .describe('sampled episodes per validation task (rollout.val_kwargs); sampled pass@k uses k = val_pass_n'),
  max_checkpoints: positiveInt
    .default(3)
    .describe("keep this run's newest N checkpoints (a gRPC server keeps its copies under its --state-root)"),
  save_on_interrupt: z.boolean().default(true).describe('on SIGINT/SIGTERM, write a checkpoint before exiting'),
  logger: z
    .array(z.string().min(1))
    .default(['console', 'jsonl'])
    .describe(
      'metrics sinks: console (step lines), jsonl (metrics.jsonl), tensorboard (tensorboard/ event files), swanlab (experimental); see docs/metrics.md',
    ),
  trajectories_per_step: nonNegativeInt
    .default(16)
    .describe('episodes written to trajectories/step-N.jsonl per step (0: none)'),
  max_nonfinite_steps_in_row: positiveInt
    .default(3)
    .describe(
      'stop the run after this many steps in a row whose updates had a non-finite loss or gradient norm (skipped, never applied)',
    ),
  fail_if_nothing_trained: z
    .boolean()
    .default(true)
    .describe(
      'a trainable run in which no step trained a sample (every episode failed, or equal rewards) ends with an error, not "done"',
    ),
  swanlab,
  optim,
});

const debug = section({
  debug_first_n_tasks: positiveInt.nullable().default(null).describe('use only the first N tasks of each split'),
  debug_max_parallel: positiveInt
    .default(1)
    .describe('episodes at once with an in-process backbone (debug) or an endpoint (1 keeps breakpoints simple)'),
  train_threads: positiveInt
    .default(2)
    .describe("threads computing the embedded policy's gradients; the result is the same bits for any count"),
  sample_threads: nonNegativeInt
    .default(0)
    .describe(
      "worker threads drawing the embedded policy's completions while debug_max_parallel episodes run; 0: the calling thread (fastest measured on a shared 2-core machine: pnpm bench sampling); the same tokens for any count",
    ),
});

const episodeService = section({
  enabled: z
    .boolean()
    .default(false)
    .describe(
      'serve episodes to external agents over HTTP (docs/episode-service.md) instead of running rollout.user_workflow; --serve-episodes',
    ),
  host: z.string().min(1).default('127.0.0.1').describe('interface to listen on (0.0.0.0: every interface)'),
  port: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8765)
    .describe(
      'port to listen on; 0 picks a free one (episode-service.json in the experiment folder says which); --port',
    ),
  public_url: z
    .string()
    .url()
    .nullable()
    .default(null)
    .describe('the URL clients reach the service at, when not http://host:port (a proxy); episode model URLs use it'),
  token_env: z
    .string()
    .default('AJET_EPISODE_TOKEN')
    .describe(
      'environment variable holding the token clients send; unset: a random one, written to episode-service.json',
    ),
  max_open_episodes: positiveInt
    .default(16)
    .describe('episodes offered (claimable or claimed) at once: at least the number of clients you run'),
  tool_call_format: z
    .enum(['hermes', 'calculator_tag', 'none'])
    .default('hermes')
    .describe(
      'how the model writes tool calls, turned into tool_calls for requests with tools: Hermes <tool_call> JSON, <calculator> tags, or none',
    ),
});

export const ajetSchema = section({
  project_name: z.string().min(1).default('ajet').describe('groups experiments in loggers that know projects'),
  experiment_name: z
    .string()
    .min(1)
    .default('default')
    .describe(
      'folder name under experiment_dir, one run each (a used one needs --resume or --overwrite); --experiment-dir overrides the whole path',
    ),
  experiment_dir: z
    .string()
    .min(1)
    .default('saved_experiments')
    .describe('where runs are written, relative to the working directory'),
  seed: z.number().int().default(42).describe('seeds data order, sampling and the embedded policy; --seed overrides'),
  // Core names no backbones: the string resolves through the plugin registry (with did-you-mean) in runJob.
  backbone: pluginReference()
    .default('debug')
    .describe('a backbone plugin: a built-in name (ajet --help lists them) or "module->Export"; --backbone overrides'),
  model,
  backbones,
  task_reader: taskReader,
  rollout,
  task_judge: taskJudge,
  data,
  algorithm,
  trainer_common: trainerCommon,
  debug,
  episode_service: episodeService,
});

/** The file's root: everything under `ajet:`. */
export const configFileSchema = z.strictObject({ ajet: ajetSchema });

export type AjetConfig = z.output<typeof ajetSchema>;
export type AjetConfigInput = z.input<typeof ajetSchema>;
