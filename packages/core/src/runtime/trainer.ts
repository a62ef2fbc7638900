import { join } from 'node:path';
import {
  AjetError,
  type Backbone,
  type EpisodeRecord,
  type Judge,
  type LossSpec,
  type MetricsRecord,
  type MetricsSink,
  type SamplingParams,
  type Split,
  type Task,
  type TaskReader,
  type TrainingSample,
  type Workflow,
  type WorkflowTask,
} from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import { groupAdvantages } from './advantages.ts';
import type { ChatPolicy } from './chat-policy.ts';
import { Checkpoints, type ResumePoint } from './checkpoints.ts';
import { mapWithLimit } from './concurrency-limit.ts';
import { keepMetricsUpTo, writeFileAtomic, writeTrajectories } from './experiment-files.ts';
import { isSkippedUpdate, NonFiniteUpdateGuard } from './non-finite-updates.ts';
import { NothingTrainedWatch } from './nothing-trained.ts';
import { type EpisodeResult, type RunEpisodeOptions, runEpisode } from './run-episode.ts';
import type { RunObserver, RunPhase } from './run-observer.ts';
import { deriveSeed, seededShuffle } from './seeded-random.ts';

export interface TrainerOptions {
  config: AjetConfig;
  policy: ChatPolicy;
  /** The trainable backbone; absent for an endpoint policy. */
  backbone?: Backbone;
  reader: TaskReader;
  createWorkflow: () => Workflow;
  judge: Judge;
  experimentDir: string;
  sinks: readonly MetricsSink[];
  observer?: RunObserver;
  /** Episodes in flight at most. */
  concurrency: number;
  signal?: AbortSignal;
  /** Continue from this checkpoint folder, or `latest` for the experiment's newest complete one. */
  resumeFrom?: string;
  /** Per-run services behind `tuner.openai()` and `tuner.endpoint()`. */
  tunerServices?: RunEpisodeOptions['tunerServices'];
}

export interface EvalSummary {
  'pass@1': number;
  'pass@k': number;
  n: number;
  k: number;
  reward_mean: number;
  episodes_failed: number;
}

export interface TrainSummary {
  steps: number;
  /** The step a resumed run continued after (0 for a fresh run). */
  resumedFromStep: number;
  lastMetrics?: MetricsRecord;
  validations: EvalSummary[];
}

interface EpisodeInGroup {
  result: EpisodeResult;
  advantage: number;
  trained: boolean;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const average = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / values.length);
}

function taskTag(taskId: string, repeatIndex: number): string {
  return `T${taskId}#R${repeatIndex}`;
}

/**
 * The GRPO loop: batches of tasks, `num_repeat` episodes each, rewards, group advantages, token-level samples to
 * the backbone; validation and evaluation with pass@k; metrics, trajectories and checkpoints in the experiment dir.
 */
export class Trainer {
  private readonly options: TrainerOptions;
  private readonly config: AjetConfig;
  private trainTasks: Task[] = [];
  private validationTasks: Task[] = [];
  private trainable = false;
  private readonly checkpoints: Checkpoints;
  private nonFiniteGuard: NonFiniteUpdateGuard | undefined;
  private nothingTrained?: NothingTrainedWatch;

  constructor(options: TrainerOptions) {
    this.options = options;
    this.config = options.config;
    this.checkpoints = new Checkpoints({
      experimentDir: options.experimentDir,
      config: options.config,
      backbone: options.backbone,
      warn: (message) => options.observer?.onWarning?.(message),
    });
  }

  private async readSplit(split: Split): Promise<Task[]> {
    const tasks: Task[] = [];
    const limit = this.config.debug.debugFirstNTasks ?? Number.POSITIVE_INFINITY;
    for await (const task of this.options.reader.readTasks(split)) {
      if (tasks.length >= limit) break;
      tasks.push(task);
    }
    return tasks;
  }

  private stepsPerEpoch(): number {
    return Math.ceil(this.trainTasks.length / this.config.data.trainBatchSize);
  }

  private totalSteps(): number {
    const byEpochs = this.stepsPerEpoch() * this.config.trainerCommon.totalEpochs;
    const cap = this.config.trainerCommon.totalTrainingSteps;
    return cap === null ? byEpochs : Math.min(cap, byEpochs);
  }

  private async start(mode: 'train' | 'eval'): Promise<void> {
    const info = await this.options.policy.info();
    this.trainable = Boolean(this.options.backbone) && info.capabilities.trainable;
    if (mode === 'train') this.trainTasks = await this.readSplit('train');
    this.validationTasks = await this.readSplit('validation');
    for (const line of this.options.reader.badRowSummary?.() ?? []) this.options.observer?.onWarning?.(line);
    if (mode === 'train' && this.trainTasks.length === 0) {
      throw new AjetError('The training split has no tasks.', {
        code: 'NO_TRAINING_TASKS',
        blame: 'user',
        hint: 'Check ajet.task_reader (file paths, field mapping) and the bad-row report above.',
      });
    }
    if (mode === 'train' && !this.trainable) {
      this.options.observer?.onWarning?.(
        `${this.options.policy.description} cannot train: rollouts and rewards only, no weights change.`,
      );
    }
    this.options.observer?.onRunStart?.({
      mode,
      totalSteps: mode === 'train' ? this.totalSteps() : 0,
      trainTasks: this.trainTasks.length,
      validationTasks: this.validationTasks.length,
      trainable: this.trainable,
      backbone: info,
      policy: this.options.policy.description,
      experimentDir: this.options.experimentDir,
    });
  }

  private sampling(split: Split): SamplingParams {
    const { rollout } = this.config;
    return split === 'train'
      ? { temperature: rollout.temperature, topP: rollout.topP, maxTokens: rollout.maxTokens }
      : { temperature: rollout.valKwargs.temperature, topP: rollout.valKwargs.topP, maxTokens: rollout.maxTokens };
  }

  /** Runs `repeats` episodes of each task, at most `concurrency` at once; results grouped by task. */
  private async rollout(options: {
    tasks: readonly Task[];
    split: Split;
    repeats: number;
    step: number;
    phase: RunPhase;
    /** Where this batch's task numbers start in the step (episode ids stay unique when a step draws more). */
    firstTaskIndex?: number;
  }): Promise<EpisodeResult[][]> {
    const { tasks, split, repeats, step, phase } = options;
    const firstTaskIndex = options.firstTaskIndex ?? 0;
    const episodes: WorkflowTask[] = tasks.flatMap((task, taskIndex) =>
      Array.from({ length: repeats }, (_, repeatIndex) => ({
        task,
        split,
        repeatIndex,
        taskTag: taskTag(task.taskId, repeatIndex),
        episodeId: `${split}-s${step}-t${firstTaskIndex + taskIndex}-r${repeatIndex}`,
      })),
    );
    this.options.observer?.onPhase?.({ phase, step, episodes: episodes.length });
    let done = 0;
    const sampling = this.sampling(split);
    const results = await mapWithLimit({
      items: episodes,
      limit: this.options.concurrency,
      work: async (workflowTask) => {
        const result = await runEpisode({
          workflowTask,
          createWorkflow: this.options.createWorkflow,
          judge: this.options.judge,
          policy: this.options.policy,
          sampling,
          seedParts: [this.config.seed, split, step, workflowTask.task.taskId, workflowTask.repeatIndex],
          timeoutMs: this.config.rollout.episodeTimeoutS * 1000,
          runSignal: this.options.signal,
          tunerServices: this.options.tunerServices,
          pluginNames: { workflow: this.config.rollout.userWorkflow, judge: this.config.taskJudge.judgeProtocol },
        });
        done += 1;
        if (result.error) this.options.observer?.onRolloutError?.(result.error);
        if (result.error && phase === 'rollout') this.nothingTrained?.noteError(result.error);
        this.options.observer?.onEpisodeEnd?.({ phase, step, done, total: episodes.length });
        return result;
      },
    });
    return tasks.map((_, taskIndex) => results.slice(taskIndex * repeats, (taskIndex + 1) * repeats));
  }

  private lossSpec(): LossSpec {
    const { algorithm } = this.config;
    const kl = algorithm.klBeta > 0 ? { beta: algorithm.klBeta, estimator: 'k3' as const } : undefined;
    switch (algorithm.loss) {
      case 'cross_entropy':
        return { type: 'cross_entropy', aggregation: algorithm.lossAggregation };
      case 'importance_sampling':
        return { type: 'importance_sampling', kl, aggregation: algorithm.lossAggregation };
      case 'ppo':
        return {
          type: 'ppo',
          clipLow: algorithm.clipLow,
          clipHigh: algorithm.clipHigh,
          dualClip: algorithm.dualClip ?? undefined,
          kl,
          aggregation: algorithm.lossAggregation,
        };
      default: {
        const exhaustive: never = algorithm.loss;
        return exhaustive;
      }
    }
  }

  private async writeMetrics(record: MetricsRecord): Promise<void> {
    this.options.observer?.onMetrics?.(record);
    for (const sink of this.options.sinks) await sink.write(record);
  }

  private async episodeRecords(options: {
    step: number;
    episodes: readonly EpisodeInGroup[][];
  }): Promise<EpisodeRecord[]> {
    const limit = this.config.trainerCommon.trajectoriesPerStep;
    // Round-robin over groups so the file shows many tasks, and both successes and failures.
    const picked: EpisodeInGroup[] = [];
    const longest = Math.max(0, ...options.episodes.map((group) => group.length));
    for (let position = 0; position < longest && picked.length < limit; position++) {
      for (const group of options.episodes) {
        const episode = group[position];
        if (episode && picked.length < limit) picked.push(episode);
      }
    }
    const backbone = this.options.backbone;
    return Promise.all(
      picked.map(async ({ result, advantage, trained }) => {
        const { workflowTask, trajectory } = result;
        const tokenTexts = backbone
          ? await Promise.all(
              trajectory.sequences.map(
                async (sequence) => (await backbone.detokenize({ tokenIds: sequence.tokenIds })).pieces,
              ),
            )
          : undefined;
        const record: EpisodeRecord = {
          step: options.step,
          split: workflowTask.split,
          episodeId: workflowTask.episodeId,
          taskId: workflowTask.task.taskId,
          taskTag: workflowTask.taskTag,
          repeatIndex: workflowTask.repeatIndex,
          reward: result.reward,
          isSuccess: result.isSuccess,
          advantage,
          trained,
          judgeDetails: result.judgeDetails,
          finalAnswer: result.output?.metadata.finalAnswer,
          error: result.error,
          messages: trajectory.messages,
          sequences: trajectory.sequences,
          calls: trajectory.calls.map((call) => ({
            finishReason: call.finishReason,
            policyVersion: call.policyVersion,
            promptTokens: call.promptIds.length,
            completionTokens: call.completionIds.length,
          })),
          tokenTexts,
          durationMs: Math.round(result.durationMs),
        };
        return record;
      }),
    );
  }

  /** One training step over a batch of tasks. Returns the step's metrics. */
  private async trainStep(options: { step: number; batch: readonly Task[] }): Promise<MetricsRecord> {
    const { step, batch } = options;
    const { rollout, algorithm, trainerCommon } = this.config;
    const rolloutStarted = performance.now();
    const groups = await this.rollout({
      tasks: batch,
      split: 'train',
      repeats: rollout.numRepeat,
      step,
      phase: 'rollout',
    });
    const informative = (group: EpisodeResult[]) =>
      (rollout.onError === 'zero_reward' || group.every((result) => !result.error)) &&
      !groupAdvantages(
        group.map((result) => result.reward),
        algorithm.advEstimator,
      ).skipped;
    if (algorithm.filterGroups) {
      // DAPO's dynamic sampling: more tasks, drawn from the training split by a seed of this step (so a resumed
      // run draws the same), until the batch has train_batch_size groups whose rewards differ.
      const used = new Set(batch.map((task) => task.taskId));
      for (let draw = 1; draw < algorithm.maxGenBatches && groups.filter(informative).length < batch.length; draw++) {
        const more = seededShuffle(
          this.trainTasks.filter((task) => !used.has(task.taskId)),
          deriveSeed(this.config.seed, 'filter_groups', step, draw),
        ).slice(0, batch.length);
        if (more.length === 0) break;
        for (const task of more) used.add(task.taskId);
        groups.push(
          ...(await this.rollout({
            tasks: more,
            split: 'train',
            repeats: rollout.numRepeat,
            step,
            phase: 'rollout',
            firstTaskIndex: groups.length,
          })),
        );
      }
    }
    const rolloutSeconds = (performance.now() - rolloutStarted) / 1000;
    // Episodes cut short by a stop are not data: abandon the step rather than train on them.
    this.options.signal?.throwIfAborted();

    let groupsSkipped = 0;
    let groupsFailed = 0;
    let groupsTrained = 0;
    let groupsDropped = 0;
    const samples: TrainingSample[] = [];
    // Where each trained group's samples end in `samples`, for mini-batches of whole groups.
    const groupEnds: number[] = [];
    const grouped: EpisodeInGroup[][] = [];
    let firstFatal: EpisodeResult | undefined;
    for (const group of groups) {
      const failed = group.filter((result) => result.error);
      if (failed.length > 0 && rollout.onError === 'fail') firstFatal ??= failed[0];
      if (failed.length > 0 && rollout.onError !== 'zero_reward') {
        groupsFailed += 1;
        grouped.push(group.map((result) => ({ result, advantage: 0, trained: false })));
        continue;
      }
      const { advantages, skipped } = groupAdvantages(
        group.map((result) => result.reward),
        algorithm.advEstimator,
        algorithm.negativeAdvantageScale,
      );
      if (skipped) groupsSkipped += 1;
      // Dynamic sampling trains at most train_batch_size groups; the rest of the last draw only logs.
      if (!skipped && algorithm.filterGroups && groupsTrained >= batch.length) {
        groupsDropped += 1;
        grouped.push(group.map((result) => ({ result, advantage: 0, trained: false })));
        continue;
      }
      if (!skipped) groupsTrained += 1;
      grouped.push(
        group.map((result, index) => {
          const advantage = advantages[index] ?? 0;
          const trainedSequences = skipped
            ? []
            : result.trajectory.sequences.filter((sequence) => sequence.lossMask.some((mask) => mask === 1));
          for (const sequence of trainedSequences) {
            samples.push({
              tokenIds: sequence.tokenIds,
              lossMask: sequence.lossMask,
              samplerLogprobs: sequence.logprobs,
              advantage,
            });
          }
          return { result, advantage, trained: trainedSequences.length > 0 };
        }),
      );
      if (samples.length > (groupEnds.at(-1) ?? 0)) groupEnds.push(samples.length);
    }

    const episodes = groups.flat();
    // A backend that is gone fails every episode: stop with its error rather than run empty steps.
    const backboneFailure = episodes.every((result) => result.error)
      ? episodes.find((result) => result.error?.kind === 'backbone')?.error
      : undefined;
    const trajectoryRecords = await this.episodeRecords({ step, episodes: grouped });
    await writeTrajectories({
      experimentDir: this.options.experimentDir,
      name: `step-${step}`,
      records: trajectoryRecords,
    });
    if (backboneFailure) {
      throw new AjetError(`Every episode of step ${step} failed; the backend: ${backboneFailure.message}`, {
        code: 'BACKEND_FAILED',
        blame: 'system',
        hint: 'Nothing of this step trained; the experiment folder keeps the steps before it (resume with --resume).',
      });
    }
    if (firstFatal?.error) {
      const { error } = firstFatal;
      throw new AjetError(`Episode ${error.taskTag} failed (${error.kind}): ${error.message}`, {
        code: 'EPISODE_FAILED',
        blame: error.kind === 'backbone' ? 'system' : 'plugin',
        hint: 'rollout.on_error is `fail`; set it to skip_group or zero_reward to train past failed episodes.',
      });
    }

    const trainMetrics: Record<string, number> = {};
    const trainStarted = performance.now();
    const backbone = this.options.backbone;
    if (this.trainable && backbone && samples.length > 0) {
      this.options.observer?.onPhase?.({ phase: 'train', step, episodes: samples.length });
      const loss = this.lossSpec();
      const { optim } = trainerCommon;
      const miniBatches = miniBatchesOf(samples, groupEnds, algorithm.ppoMiniBatchSize);
      trainMetrics['train/skipped_nonfinite_updates'] = 0;
      for (let epoch = 0; epoch < algorithm.ppoEpochs; epoch++) {
        const sums: Record<string, number> = {};
        let applied = 0;
        for (const miniBatch of miniBatches) {
          const result = await backbone.forwardBackward({
            samples: miniBatch,
            loss,
            temperature: this.config.rollout.temperature > 0 ? this.config.rollout.temperature : 1,
          });
          const update = await backbone.optimStep({
            learningRate: optim.lr,
            beta1: optim.beta1,
            beta2: optim.beta2,
            eps: optim.eps,
            weightDecay: optim.weightDecay,
            maxGradNorm: optim.maxGradNorm,
          });
          trainMetrics['train/policy_version'] = update.policyVersion;
          if (isSkippedUpdate({ loss: result.loss, gradNorm: update.gradNorm })) {
            trainMetrics['train/skipped_nonfinite_updates'] += 1;
            continue;
          }
          applied += 1;
          for (const [name, value] of Object.entries({
            loss: result.loss,
            grad_norm: update.gradNorm,
            ...result.metrics,
          }))
            sums[name] = (sums[name] ?? 0) + value;
        }
        // The last pass's mean over its applied mini-batches.
        for (const [name, sum] of Object.entries(sums)) trainMetrics[`train/${name}`] = sum / applied;
        if (miniBatches.length > 1) trainMetrics['train/mini_batches'] = miniBatches.length;
      }
    }
    const trainSeconds = (performance.now() - trainStarted) / 1000;

    const rewards = episodes.map((result) => result.reward);
    const workflowMetrics = new Map<string, number[]>();
    for (const result of episodes) {
      for (const [name, value] of Object.entries(result.output?.logMetrics ?? {})) {
        if (Number.isFinite(value)) workflowMetrics.set(name, [...(workflowMetrics.get(name) ?? []), value]);
      }
    }
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    const metrics: Record<string, number> = {
      'reward/mean': mean(rewards),
      'reward/std': std(rewards),
      success_rate: mean(episodes.map((result) => (result.isSuccess ? 1 : 0))),
      'episodes/total': episodes.length,
      'episodes/failed': episodes.filter((result) => result.error).length,
      'groups/total': groups.length,
      'groups/skipped': groupsSkipped,
      'groups/failed': groupsFailed,
      'groups/trained': groupsTrained,
      ...(algorithm.filterGroups ? { 'groups/dropped': groupsDropped } : {}),
      'tokens/sampled': sum(
        episodes.flatMap((result) => result.trajectory.calls.map((call) => call.completionIds.length)),
      ),
      'tokens/trained': sum(samples.map((sample) => sum(sample.lossMask))),
      'tokens/sequence_mean': mean(samples.map((sample) => sample.tokenIds.length)),
      'time/rollout_s': rolloutSeconds,
      'time/train_s': trainSeconds,
      'time/step_s': rolloutSeconds + trainSeconds,
      ...trainMetrics,
    };
    for (const [name, values] of workflowMetrics) metrics[`workflow/${name}`] = mean(values);
    const record: MetricsRecord = { step, phase: 'train', metrics, time: Date.now() };
    await this.writeMetrics(record);
    const skipped = trainMetrics['train/skipped_nonfinite_updates'];
    if (skipped !== undefined) {
      this.nonFiniteGuard ??= new NonFiniteUpdateGuard(trainerCommon.maxNonfiniteStepsInRow);
      const updates = (trainMetrics['train/mini_batches'] ?? 1) * algorithm.ppoEpochs;
      const warning = this.nonFiniteGuard.endStep({ step, skipped, updates });
      if (warning) this.options.observer?.onWarning?.(warning);
    }
    return record;
  }

  /** Runs the validation split once: pass@1 over every episode, pass@k over tasks with k = val_pass_n. */
  async validate(step: number, phase: 'val' | 'eval' = 'val'): Promise<EvalSummary | undefined> {
    if (this.validationTasks.length === 0) {
      this.options.observer?.onWarning?.(
        'No validation tasks: validation skipped (set the reader’s validation split).',
      );
      return undefined;
    }
    const k = this.config.trainerCommon.valPassN;
    const groups = await this.rollout({
      tasks: this.validationTasks,
      split: 'validation',
      repeats: k,
      step,
      phase: 'validate',
    });
    const episodes = groups.flat();
    const summary: EvalSummary = {
      'pass@1': mean(episodes.map((result) => (result.isSuccess ? 1 : 0))),
      'pass@k': mean(groups.map((group) => (group.some((result) => result.isSuccess) ? 1 : 0))),
      n: groups.length,
      k,
      reward_mean: mean(episodes.map((result) => result.reward)),
      episodes_failed: episodes.filter((result) => result.error).length,
    };
    const records = await this.episodeRecords({
      step,
      episodes: groups.map((group) => group.map((result) => ({ result, advantage: 0, trained: false }))),
    });
    await writeTrajectories({
      experimentDir: this.options.experimentDir,
      name: `${phase}-step-${step}`,
      records,
    });
    await this.writeMetrics({
      step,
      phase,
      time: Date.now(),
      metrics: {
        [`${phase}/pass@1`]: summary['pass@1'],
        [`${phase}/pass@k`]: summary['pass@k'],
        [`${phase}/k`]: k,
        [`${phase}/n`]: summary.n,
        [`${phase}/reward_mean`]: summary.reward_mean,
        [`${phase}/episodes_failed`]: summary.episodes_failed,
      },
    });
    return summary;
  }

  private async saveCheckpoint(step: number, epoch: number): Promise<void> {
    if (!this.options.backbone || !this.trainable) return;
    this.options.observer?.onPhase?.({ phase: 'checkpoint', step, episodes: 0 });
    await this.checkpoints.save({ step, epoch });
  }

  private async resume(checkpoint: ResumePoint | undefined): Promise<number> {
    if (!checkpoint) return 0;
    const loaded = await this.checkpoints.restore(checkpoint);
    await keepMetricsUpTo({ experimentDir: this.options.experimentDir, step: loaded.state.step });
    this.options.observer?.onWarning?.(`resuming after step ${loaded.state.step} from ${loaded.checkpointDir}`);
    return loaded.state.step;
  }

  async train(): Promise<TrainSummary> {
    const checkpoint = await this.checkpoints.locate(this.options.resumeFrom);
    await this.start('train');
    const { trainerCommon, data } = this.config;
    const signal = this.options.signal;
    const validations: EvalSummary[] = [];
    const resumedFromStep = await this.resume(checkpoint);
    this.nothingTrained = new NothingTrainedWatch({
      trainable: this.trainable,
      failIfNothingTrained: trainerCommon.failIfNothingTrained,
      resumedFromStep,
      warn: (message) => this.options.observer?.onWarning?.(message),
    });
    if (trainerCommon.valBeforeTrain && resumedFromStep === 0) {
      const summary = await this.validate(0);
      if (summary) validations.push(summary);
    }
    const totalSteps = this.totalSteps();
    const perEpoch = this.stepsPerEpoch();
    let step = resumedFromStep;
    let lastMetrics: MetricsRecord | undefined;
    let lastSavedStep = resumedFromStep;
    try {
      while (step < totalSteps) {
        const epoch = Math.floor(step / perEpoch);
        const index = step % perEpoch;
        const order = data.shuffle
          ? seededShuffle(this.trainTasks, deriveSeed(this.config.seed, 'epoch', epoch))
          : this.trainTasks;
        signal?.throwIfAborted();
        const batch = order.slice(index * data.trainBatchSize, (index + 1) * data.trainBatchSize);
        lastMetrics = await this.trainStep({ step: step + 1, batch });
        this.nothingTrained.afterStep(lastMetrics);
        step += 1;
        if (trainerCommon.testFreq > 0 && step % trainerCommon.testFreq === 0) {
          const summary = await this.validate(step);
          if (summary) validations.push(summary);
        }
        if (trainerCommon.saveFreq > 0 && step % trainerCommon.saveFreq === 0) {
          await this.saveCheckpoint(step, epoch);
          lastSavedStep = step;
        }
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
      let saved = lastSavedStep;
      if (trainerCommon.saveOnInterrupt && step > lastSavedStep) {
        await this.saveCheckpoint(step, Math.floor(Math.max(0, step - 1) / perEpoch));
        saved = step;
      }
      throw new AjetError(
        `Interrupted during step ${step + 1}; ${saved > 0 ? `checkpoint step-${saved} is complete` : 'no checkpoint was written'}.`,
        {
          code: 'INTERRUPTED',
          blame: 'user',
          hint:
            saved > 0
              ? 'Continue with the same command plus --resume.'
              : 'Start again with the same command plus --overwrite (this folder now holds the interrupted run).',
          cause: signal.reason,
        },
      );
    }
    if (step !== lastSavedStep) await this.saveCheckpoint(step, Math.floor(Math.max(0, step - 1) / perEpoch));
    this.nothingTrained.finish();
    this.options.observer?.onRunEnd?.({ steps: step, experimentDir: this.options.experimentDir });
    return { steps: step, resumedFromStep, lastMetrics, validations };
  }

  async evaluate(): Promise<EvalSummary> {
    await this.start('eval');
    const summary = await this.validate(0, 'eval');
    if (!summary) {
      throw new AjetError('The validation split has no tasks to evaluate.', {
        code: 'NO_VALIDATION_TASKS',
        blame: 'user',
        hint: 'Set the reader’s validation file (e.g. ajet.task_reader.dataset_file.validation.file_path).',
      });
    }
    await writeFileAtomic(join(this.options.experimentDir, 'eval.json'), `${JSON.stringify(summary, null, 2)}\n`);
    this.options.observer?.onRunEnd?.({ steps: 0, experimentDir: this.options.experimentDir });
    return summary;
  }
}

/**
 * Splits a step's samples into mini-batches of `groupsPerBatch` whole GRPO groups (`groupEnds`: where each group's
 * samples end), in order; the last may hold fewer. `null` keeps the whole batch as one.
 */
export function miniBatchesOf<Sample>(
  samples: readonly Sample[],
  groupEnds: readonly number[],
  groupsPerBatch: number | null,
): Sample[][] {
  if (samples.length === 0) return [];
  if (groupsPerBatch === null || groupsPerBatch >= groupEnds.length) return [[...samples]];
  const batches: Sample[][] = [];
  for (let first = 0; first < groupEnds.length; first += groupsPerBatch) {
    const start = first === 0 ? 0 : (groupEnds[first - 1] as number);
    const end = groupEnds[Math.min(first + groupsPerBatch, groupEnds.length) - 1] as number;
    batches.push(samples.slice(start, end));
  }
  return batches;
}
