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
import { keepMetricsUpTo, writeFileAtomic } from './experiment-files.ts';
import { NothingTrainedWatch } from './nothing-trained.ts';
import { Optimiser } from './optimise.ts';
import { isInformative, type PlanSettings, planBatch, planSettingsOf } from './plan-batch.ts';
import { pipelineMetrics, RolloutPipeline } from './rollout-pipeline.ts';
import type { EpisodeResult, RunEpisodeOptions } from './run-episode.ts';
import type { RunObserver } from './run-observer.ts';
import { stepMetrics } from './step-metrics.ts';
import { StepWriter } from './step-writer.ts';
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
    this.optimiser = backbone ? new Optimiser({ backbone, config }) : undefined;
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
    observer?.onRunStart?.({
      mode,
      totalSteps: mode === 'train' ? new TrainingSchedule(this.trainTasks, this.config).totalSteps : 0,
      trainTasks: this.trainTasks.length,
      validationTasks: this.validationTasks.length,
      extraValidationTasks: this.extraValidationSets.map(({ name, tasks }) => ({ name, tasks: tasks.length })),
      trainable: this.trainable,
      backbone: info,
      policy: policy.description,
      experimentDir: this.options.experimentDir,
    });
  }

  /**
   * One training step: its rollouts (maybe sampled ahead), then, with `algorithm.max_staleness` k > 0, the
   * rollouts of up to k later steps started on the current weights while this one trains; the weights change only
   * once those have finished, so every step's rollouts see one weights version and a run is repeatable. Nothing is
   * sampled ahead past `aheadUpTo` (the next checkpoint), so what a checkpoint holds is all a resume needs.
   */
  private async trainStep(options: {
    step: number;
    pipeline: RolloutPipeline;
    aheadUpTo: number;
    schedule: TrainingSchedule;
  }): Promise<MetricsRecord> {
    const { step, pipeline, schedule } = options;
    const maxStaleness = this.config.algorithm.maxStaleness;
    const stepStarted = performance.now();
    const busyBefore = pipeline.samplerBusySeconds();
    const { groups, rolloutSeconds } = await pipeline.take(step);
    const waitRolloutSeconds = (performance.now() - stepStarted) / 1000;
    // Episodes cut short by a stop are not data: abandon the step rather than train on them.
    this.options.signal?.throwIfAborted();
    for (let ahead = step + 1; ahead <= Math.min(step + maxStaleness, options.aheadUpTo); ahead++)
      pipeline.start(ahead);
    // Dynamic sampling trains at most a batch of groups; the rest of the last draw only logs.
    const maxTrainedGroups = this.config.algorithm.filterGroups ? schedule.batchAfter(step - 1).length : null;
    const staleness =
      maxStaleness > 0 && this.trainable ? { policyVersion: this.policyVersion, maxStaleness } : undefined;
    const plan = planBatch({ step, groups, settings: this.planSettings, maxTrainedGroups, staleness });
    await this.writer.writeTrajectories(`step-${step}`, step, plan.groups);
    if (plan.stopError) throw plan.stopError;

    let trainMetrics: Record<string, number> = {};
    let waitSyncSeconds = 0;
    const episodesInFlight = this.collector.episodesInFlight;
    const trainStarted = performance.now();
    if (this.trainable && this.optimiser && plan.samples.length > 0) {
      this.options.observer?.onPhase?.({ phase: 'train', step, episodes: plan.samples.length });
      const beforeUpdate = async () => {
        const waitStarted = performance.now();
        await pipeline.settle();
        waitSyncSeconds += (performance.now() - waitStarted) / 1000;
      };
      trainMetrics = await this.optimiser.optimise(plan.samples, plan.groupEnds, beforeUpdate);
      this.policyVersion = trainMetrics['train/policy_version'] ?? this.policyVersion;
    }
    const trainSeconds = (performance.now() - trainStarted) / 1000 - waitSyncSeconds;
    const filterGroups = this.config.algorithm.filterGroups;
    const metrics = {
      ...stepMetrics({ groups, plan, filterGroups, rolloutSeconds, trainSeconds, trainMetrics }),
      // The step's wall time as the learner lived it (time/step_s), replacing rollout + train, which overlap.
      ...pipelineMetrics({
        times: {
          stepSeconds: (performance.now() - stepStarted) / 1000,
          waitRolloutSeconds,
          waitSyncSeconds,
          samplerBusySeconds: pipeline.samplerBusySeconds() - busyBefore,
        },
        episodesInFlight,
        staleness: staleness && {
          values: plan.staleness,
          episodesDropped: plan.episodesStale,
          groupsDropped: plan.groupsStale,
        },
      }),
    };
    const record: MetricsRecord = { step, phase: 'train', metrics, time: Date.now() };
    await this.writer.writeMetrics(record);
    const warning = this.optimiser?.endStep(step, trainMetrics);
    if (warning) this.options.observer?.onWarning?.(warning);
    return record;
  }

  /** The rollouts of a training step: its batch's groups (and dynamic sampling's extra draws). */
  private collectStep(step: number, schedule: TrainingSchedule): Promise<EpisodeResult[][]> {
    return this.collector.collectTrainGroups({
      step,
      batch: schedule.batchAfter(step - 1),
      trainTasks: this.trainTasks,
      informative: (group) => isInformative(group, this.planSettings),
      onEpisodeError: (error) => this.nothingTrained?.noteError(error),
    });
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
    const pipeline = new RolloutPipeline((rolloutStep) => this.collectStep(rolloutStep, schedule));
    // A checkpoint step is a barrier: nothing is sampled past it before it is written, so a resume is exact.
    const nextCheckpoint = (after: number) =>
      trainerCommon.saveFreq > 0
        ? Math.min(schedule.totalSteps, Math.ceil(after / trainerCommon.saveFreq) * trainerCommon.saveFreq)
        : schedule.totalSteps;
    try {
      while (step < schedule.totalSteps) {
        const epoch = schedule.epochAfter(step);
        signal?.throwIfAborted();
        lastMetrics = await this.trainStep({ step: step + 1, pipeline, aheadUpTo: nextCheckpoint(step + 1), schedule });
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
