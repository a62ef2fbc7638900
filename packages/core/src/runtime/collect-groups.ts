import type { Judge, RolloutError, SamplingParams, Split, Task, Workflow, WorkflowTask } from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import type { ChatPolicy } from './chat-policy.ts';
import { mapWithLimit } from './concurrency-limit.ts';
import { type EpisodeResult, type RunEpisodeOptions, runEpisode } from './run-episode.ts';
import type { RunObserver, RunPhase } from './run-observer.ts';
import { deriveSeed, seededShuffle } from './seeded-random.ts';

export interface GroupCollectorOptions {
  config: AjetConfig;
  policy: ChatPolicy;
  createWorkflow: () => Workflow;
  judge: Judge;
  /** Episodes in flight at most. */
  concurrency: number;
  signal?: AbortSignal;
  tunerServices?: RunEpisodeOptions['tunerServices'];
  observer?: RunObserver;
}

export interface RolloutRequest {
  tasks: readonly Task[];
  split: Split;
  repeats: number;
  step: number;
  phase: RunPhase;
  /** Where this batch's task numbers start in the step (episode ids stay unique when a step draws more). */
  firstTaskIndex?: number;
  /** Called with each failed episode's error, after the observer hears of it. */
  onEpisodeError?: (error: RolloutError) => void;
}

function taskTag(taskId: string, repeatIndex: number): string {
  return `T${taskId}#R${repeatIndex}`;
}

/**
 * The collect stage: runs `repeats` episodes of each task with the current policy and returns them grouped by task.
 * It holds no per-step state, so a pipeline can collect one step while another optimises.
 */
export class GroupCollector {
  private readonly options: GroupCollectorOptions;
  private running = 0;

  /** Episodes started and not yet finished, over every rollout in flight. */
  get episodesInFlight(): number {
    return this.running;
  }

  constructor(options: GroupCollectorOptions) {
    this.options = options;
  }

  private sampling(split: Split): SamplingParams {
    const { rollout } = this.options.config;
    return split === 'train'
      ? { temperature: rollout.temperature, topP: rollout.topP, maxTokens: rollout.maxTokens }
      : {
          temperature: rollout.valKwargs.temperature ?? rollout.temperature,
          topP: rollout.valKwargs.topP,
          maxTokens: rollout.maxTokens,
        };
  }

  /** Runs `repeats` episodes of each task, at most `concurrency` at once; results grouped by task. */
  async rollout(request: RolloutRequest): Promise<EpisodeResult[][]> {
    const { tasks, split, repeats, step, phase } = request;
    const { config, observer } = this.options;
    const firstTaskIndex = request.firstTaskIndex ?? 0;
    const episodes: WorkflowTask[] = tasks.flatMap((task, taskIndex) =>
      Array.from({ length: repeats }, (_, repeatIndex) => ({
        task,
        split,
        repeatIndex,
        taskTag: taskTag(task.taskId, repeatIndex),
        episodeId: `${split}-s${step}-t${firstTaskIndex + taskIndex}-r${repeatIndex}`,
      })),
    );
    observer?.onPhase?.({ phase, step, episodes: episodes.length });
    let done = 0;
    const sampling = this.sampling(split);
    const results = await mapWithLimit({
      items: episodes,
      limit: this.options.concurrency,
      work: async (workflowTask) => {
        this.running += 1;
        const result = await runEpisode({
          workflowTask,
          createWorkflow: this.options.createWorkflow,
          judge: this.options.judge,
          policy: this.options.policy,
          sampling,
          seedParts: [config.seed, split, step, workflowTask.task.taskId, workflowTask.repeatIndex],
          rollout: { maxSteps: config.rollout.multiTurn.maxSteps },
          timeoutMs: config.rollout.episodeTimeoutS * 1000,
          runSignal: this.options.signal,
          tunerServices: this.options.tunerServices,
          pluginNames: { workflow: config.rollout.userWorkflow, judge: config.taskJudge.judgeProtocol },
        }).finally(() => {
          this.running -= 1;
        });
        done += 1;
        if (result.error) observer?.onRolloutError?.(result.error);
        if (result.error) request.onEpisodeError?.(result.error);
        observer?.onEpisodeEnd?.({ phase, step, done, total: episodes.length });
        return result;
      },
    });
    return tasks.map((_, taskIndex) => results.slice(taskIndex * repeats, (taskIndex + 1) * repeats));
  }

  /**
   * A training step's groups: the batch's, then, with `algorithm.filter_groups` (DAPO's dynamic sampling), more
   * tasks drawn from `trainTasks` by a seed of this step (so a resumed run draws the same) until the batch has as
   * many `informative` groups as tasks, for at most `max_gen_batches` draws.
   */
  async collectTrainGroups(options: {
    step: number;
    batch: readonly Task[];
    trainTasks: readonly Task[];
    informative: (group: readonly EpisodeResult[]) => boolean;
    onEpisodeError?: (error: RolloutError) => void;
  }): Promise<EpisodeResult[][]> {
    const { step, batch, informative, onEpisodeError } = options;
    const { rollout, algorithm, seed } = this.options.config;
    const request = { split: 'train', repeats: rollout.numRepeat, step, phase: 'rollout', onEpisodeError } as const;
    const groups = await this.rollout({ ...request, tasks: batch });
    if (!algorithm.filterGroups) return groups;
    const used = new Set(batch.map((task) => task.taskId));
    for (let draw = 1; draw < algorithm.maxGenBatches && groups.filter(informative).length < batch.length; draw++) {
      const more = seededShuffle(
        options.trainTasks.filter((task) => !used.has(task.taskId)),
        deriveSeed(seed, 'filter_groups', step, draw),
      ).slice(0, batch.length);
      if (more.length === 0) break;
      for (const task of more) used.add(task.taskId);
      groups.push(...(await this.rollout({ ...request, tasks: more, firstTaskIndex: groups.length })));
    }
    return groups;
  }
}
