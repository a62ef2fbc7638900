import { join } from 'node:path';
import {
  AjetError,
  type Backbone,
  type Judge,
  type MetricsRecord,
  type MetricsSink,
  type Task,
  type TaskReader,
  type Workflow,
} from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import type { ChatPolicy } from './chat-policy.ts';
import { Checkpoints, type ResumePoint } from './checkpoints.ts';
import { GroupCollector } from './collect-groups.ts';
import { DemonstrationMix } from './demonstrations.ts';
import { keepMetricsUpTo, writeFileAtomic } from './experiment-files.ts';
import { warmupWarning } from './learning-rate.ts';
import { NothingTrainedWatch } from './nothing-trained.ts';
import { Optimiser } from './optimise.ts';
import { isInformative, type PlanSettings, planSettingsOf } from './plan-batch.ts';
import { RolloutPipeline } from './rollout-pipeline.ts';
import type { RunEpisodeOptions } from './run-episode.ts';
import type { RunObserver } from './run-observer.ts';
import { StepWriter } from './step-writer.ts';
import { type TrainStepContext, trainStep } from './train-step.ts';
import { interruptedError, readSplit, TrainingSchedule } from './training-schedule.ts';
import { type EvalSummary, readExtraValidationSets, type ValidationSet, Validator } from './validation.ts';

export type { EvalSummary } from './validation.ts';

export interface TrainerOptions {
  config: AjetConfig;
  policy: ChatPolicy;
  /** The trainable backbone; absent for an endpoint policy. */
  backbone?: Backbone;
  reader: TaskReader;
  /** `task_reader.extra_validation`'s readers, validated beside the main validation split. */
  extraValidation?: readonly { name: string; reader: TaskReader }[];
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

export interface TrainSummary {
  steps: number;
  /** The step a resumed run continued after (0 for a fresh run). */
  resumedFromStep: number;
  lastMetrics?: MetricsRecord;
  validations: EvalSummary[];
}

/**
 * The GRPO loop, as stages: collect groups (`GroupCollector`) → plan the batch (`planBatch`, pure) → optimise
 * (`Optimiser`) → step metrics (`stepMetrics`, pure); validation with pass@k; metrics, trajectories and checkpoints
 * in the experiment dir. The Trainer only orders the stages and the run around them.
 */
export class Trainer {
  private readonly options: TrainerOptions;
  private readonly config: AjetConfig;
  private trainTasks: Task[] = [];
  private validationTasks: Task[] = [];
  private extraValidationSets: (ValidationSet & { name: string })[] = [];
  private trainable = false;
  private readonly checkpoints: Checkpoints;
  private readonly collector: GroupCollector;
  private readonly writer: StepWriter;
  private readonly validator: Validator;
  private readonly optimiser: Optimiser | undefined;
  private readonly demonstrations: DemonstrationMix | undefined;
  private readonly planSettings: PlanSettings;
  private nothingTrained?: NothingTrainedWatch;
  /** The weights version the learner trains now (the backbone's count of applied updates). */
  private policyVersion = 0;

  constructor(options: TrainerOptions) {
    const { config, backbone, observer } = options;
    this.options = options;
    this.config = config;
    const warn = (message: string) => observer?.onWarning?.(message);
    this.checkpoints = new Checkpoints({ experimentDir: options.experimentDir, config, backbone, warn });
    this.collector = new GroupCollector(options);
    const { trajectoriesPerStep } = config.trainerCommon;
    this.writer = new StepWriter({ ...options, trajectoriesPerStep });
    this.validator = new Validator({ collector: options, writer: this.writer });
    this.demonstrations =
      backbone && config.algorithm.ptx.filePath !== null ? new DemonstrationMix({ backbone, config }) : undefined;
    const { demonstrations } = this;
    this.optimiser = backbone ? new Optimiser({ backbone, config, demonstrations }) : undefined;
    this.planSettings = planSettingsOf(config);
  }

  private async start(mode: 'train' | 'eval'): Promise<void> {
    const { observer, policy } = this.options;
    const info = await policy.info();
    this.trainable = Boolean(this.options.backbone) && info.capabilities.trainable;
    if (mode === 'train')
      this.trainTasks = await readSplit(this.options.reader, 'train', this.config.debug.debugFirstNTasks);
    this.validationTasks = await readSplit(this.options.reader, 'validation', this.config.debug.debugFirstNTasks);
    for (const line of this.options.reader.badRowSummary?.() ?? []) observer?.onWarning?.(line);
    this.extraValidationSets = await readExtraValidationSets({
      readers: this.options.extraValidation ?? [],
      firstN: this.config.debug.debugFirstNTasks,
      warn: (message) => observer?.onWarning?.(message),
    });
    if (mode === 'train' && this.trainTasks.length === 0) {
      throw new AjetError('The training split has no tasks.', {
        code: 'NO_TRAINING_TASKS',
        blame: 'user',
        hint: 'Check ajet.task_reader (file paths, field mapping) and the bad-row report above.',
      });
    }
    if (mode === 'train' && !this.trainable)
      observer?.onWarning?.(`${policy.description} cannot train: rollouts and rewards only, no weights change.`);
    const mix = mode === 'train' && this.trainable ? await this.demonstrations?.prepare() : undefined;
    if (mix && mix.tooLong > 0)
      observer?.onWarning?.(
        `algorithm.ptx: ${mix.tooLong} of ${mix.tooLong + mix.demonstrations} demonstrations are longer than the model's context and are left out`,
      );
    const totalSteps = mode === 'train' ? new TrainingSchedule(this.trainTasks, this.config).totalSteps : 0;
    const warmup = warmupWarning({ totalSteps, optim: this.config.trainerCommon.optim });
    if (warmup) observer?.onWarning?.(warmup);
    if (mode === 'train' && this.config.algorithm.shuffleAdvantages)
      observer?.onWarning?.(
        "algorithm.shuffle_advantages: a control run. Each group's advantages are shuffled among its episodes, so the reward does not decide which episodes the updates push up",
      );
    observer?.onRunStart?.({
      mode,
      totalSteps,
      trainTasks: this.trainTasks.length,
      validationTasks: this.validationTasks.length,
      extraValidationTasks: this.extraValidationSets.map(({ name, tasks }) => ({ name, tasks: tasks.length })),
      ...(mix && this.demonstrations
        ? { demonstrations: { total: mix.demonstrations, perUpdate: this.demonstrations.perUpdate } }
        : {}),
      trainable: this.trainable,
      backbone: info,
      policy: policy.description,
      experimentDir: this.options.experimentDir,
    });
  }

  /** What a training step (train-step.ts) reads of the run. */
  private stepContext(): TrainStepContext {
    const { config, collector, writer, planSettings, trainable, optimiser, policyVersion } = this;
    const { observer, signal } = this.options;
    return { config, collector, writer, planSettings, trainable, optimiser, policyVersion, observer, signal };
  }

  /** Validates once (validation.ts): greedy pass@1 and sampled pass@1/pass@k on each validation set. */
  async validate(step: number, phase: 'val' | 'eval' = 'val'): Promise<EvalSummary | undefined> {
    if (this.validationTasks.length === 0) {
      this.options.observer?.onWarning?.(
        'No validation tasks: validation skipped (set the reader’s validation split).',
      );
      return undefined;
    }
    const sets = [{ name: null, tasks: this.validationTasks }, ...this.extraValidationSets];
    return this.validator.run({ sets, step, phase });
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
    const { trainerCommon } = this.config;
    const signal = this.options.signal;
    const validations: EvalSummary[] = [];
    const resumedFromStep = await this.resume(checkpoint);
    this.nothingTrained = new NothingTrainedWatch({
      trainable: this.trainable,
      failIfNothingTrained: trainerCommon.failIfNothingTrained,
      resumedFromStep,
      warn: (message) => this.options.observer?.onWarning?.(message),
    });
    const validateInto = async (step: number) => {
      const summary = await this.validate(step);
      if (summary) validations.push(summary);
    };
    if (trainerCommon.valBeforeTrain && resumedFromStep === 0) await validateInto(0);
    const schedule = new TrainingSchedule(this.trainTasks, this.config);
    let step = resumedFromStep;
    let lastMetrics: MetricsRecord | undefined;
    let lastSavedStep = resumedFromStep;
    if (this.options.backbone) this.policyVersion = (await this.options.backbone.getInfo()).policyVersion;
    const pipeline = new RolloutPipeline((rolloutStep) =>
      this.collector.collectTrainGroups({
        step: rolloutStep,
        batch: schedule.batchAfter(rolloutStep - 1),
        trainTasks: this.trainTasks,
        informative: (group) => isInformative(group, this.planSettings),
        onEpisodeError: (error) => this.nothingTrained?.noteError(error),
      }),
    );
    // A checkpoint step is a barrier: nothing is sampled past it before it is written, so a resume is exact.
    const nextCheckpoint = (after: number) =>
      trainerCommon.saveFreq > 0
        ? Math.min(schedule.totalSteps, Math.ceil(after / trainerCommon.saveFreq) * trainerCommon.saveFreq)
        : schedule.totalSteps;
    try {
      while (step < schedule.totalSteps) {
        const epoch = schedule.epochAfter(step);
        signal?.throwIfAborted();
        const stepOptions = { step: step + 1, pipeline, aheadUpTo: nextCheckpoint(step + 1), schedule };
        const done = await trainStep(this.stepContext(), stepOptions);
        lastMetrics = done.record;
        this.policyVersion = done.policyVersion;
        this.nothingTrained.afterStep(lastMetrics);
        step += 1;
        if (trainerCommon.testFreq > 0 && step % trainerCommon.testFreq === 0) await validateInto(step);
        if (trainerCommon.saveFreq > 0 && step % trainerCommon.saveFreq === 0) {
          await this.saveCheckpoint(step, epoch);
          lastSavedStep = step;
        }
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
      let savedStep = lastSavedStep;
      if (trainerCommon.saveOnInterrupt && step > lastSavedStep) {
        await this.saveCheckpoint(step, schedule.epochOfLast(step));
        savedStep = step;
      }
      throw interruptedError({ step, savedStep, reason: signal.reason });
    }
    if (step !== lastSavedStep) await this.saveCheckpoint(step, schedule.epochOfLast(step));
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
