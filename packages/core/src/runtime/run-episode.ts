import {
  type EpisodeRollout,
  isAjetError,
  type Judge,
  type JudgeResult,
  type RolloutError,
  type RolloutErrorKind,
  type SamplingParams,
  type Trajectory,
  type Workflow,
  type WorkflowOutput,
  type WorkflowTask,
} from '@ajet/spec';
import type { ChatPolicy } from './chat-policy.ts';
import { checkResultObject, checkReward, type RewardSource } from './check-reward.ts';
import { EpisodeTuner, type EpisodeTunerOptions } from './episode-tuner.ts';
import { userFrame } from './error-location.ts';
import { TrajectoryTracker } from './trajectory-tracker.ts';

export interface EpisodeResult {
  workflowTask: WorkflowTask;
  reward: number;
  isSuccess: boolean;
  output?: WorkflowOutput;
  judgeDetails?: Record<string, unknown>;
  error?: RolloutError;
  trajectory: Trajectory;
  durationMs: number;
}

export interface RunEpisodeOptions {
  workflowTask: WorkflowTask;
  createWorkflow: () => Workflow;
  judge: Judge;
  policy: ChatPolicy;
  sampling: SamplingParams;
  seedParts: readonly (string | number)[];
  /** What the workflow reads from `tuner.rollout` (max steps). */
  rollout: EpisodeRollout;
  /** `rollout.episode_timeout_s`: at this deadline the episode's signal aborts and the episode is a timeout. */
  timeoutMs: number;
  /** Aborted when the run stops. */
  runSignal?: AbortSignal;
  /** Shared per run: `tuner.endpoint()`, `tuner.openai()` and their tool-call parsing. */
  tunerServices?: Pick<EpisodeTunerOptions, 'endpointServer' | 'model' | 'toolCallParser'>;
  /** The `"module->Export"` strings of the workflow and judge, for messages that name them. */
  pluginNames?: { workflow: string; judge: string };
}

class EpisodeTimeout extends Error {}

/** A stack kept with a failed episode: enough frames to find the bug, not a model's whole reply repeated. */
const MAX_STACK_CHARS = 8000;

function toRolloutError(options: { kind: RolloutErrorKind; error: unknown; workflowTask: WorkflowTask }): RolloutError {
  const { error, workflowTask } = options;
  const isBackbone = isAjetError(error) && error.blame === 'system';
  const kind: RolloutErrorKind = error instanceof EpisodeTimeout ? 'timeout' : isBackbone ? 'backbone' : options.kind;
  const thrown = error instanceof Error ? error.message : String(error);
  const location = userFrame(error);
  const stack = error instanceof Error && kind !== 'timeout' ? error.stack?.slice(0, MAX_STACK_CHARS) : undefined;
  return {
    kind,
    message: location ? `${thrown} (at ${location})` : thrown,
    taskTag: workflowTask.taskTag,
    episodeId: workflowTask.episodeId,
    code: isAjetError(error) ? error.code : error instanceof Error ? error.name : undefined,
    ...(stack ? { stack } : {}),
  };
}

/** Runs one episode: a fresh workflow, its judge when it left reward unset. Never throws: failures are data. */
export async function runEpisode(options: RunEpisodeOptions): Promise<EpisodeResult> {
  const { workflowTask, judge, policy, sampling, seedParts, timeoutMs, runSignal } = options;
  const started = performance.now();
  const controller = new AbortController();
  // AbortSignal.any follows the run's signal without adding a listener to it per episode in flight.
  const signal = runSignal ? AbortSignal.any([runSignal, controller.signal]) : controller.signal;
  const tracker = new TrajectoryTracker();
  const tuner = new EpisodeTuner({
    policy,
    tracker,
    sampling,
    seedParts,
    signal,
    rollout: options.rollout,
    ...options.tunerServices,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new EpisodeTimeout(`episode exceeded rollout.episode_timeout_s (${timeoutMs / 1000} s)`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const finish = (fields: Omit<EpisodeResult, 'workflowTask' | 'trajectory' | 'durationMs'>): EpisodeResult => ({
    workflowTask,
    trajectory: tracker.snapshot(),
    durationMs: performance.now() - started,
    ...fields,
  });
  const workflowSource: RewardSource = { kind: 'workflow', reference: options.pluginNames?.workflow ?? 'workflow' };
  const judgeSource: RewardSource = { kind: 'judge', reference: options.pluginNames?.judge ?? 'judge' };
  const { taskTag } = workflowTask;
  try {
    let output: WorkflowOutput | undefined;
    try {
      const workflow = options.createWorkflow();
      const returned: unknown = await Promise.race([workflow.execute(workflowTask, tuner), timeout]);
      checkResultObject(returned, { plugin: workflowSource, taskTag });
      output = returned as WorkflowOutput;
      if (output.reward !== undefined) {
        const reward = checkReward(output.reward, { plugin: workflowSource, taskTag });
        return finish({ reward, isSuccess: output.isSuccess ?? reward > 0, output });
      }
    } catch (error) {
      const rolloutError = toRolloutError({ kind: 'workflow', error, workflowTask });
      return finish({ reward: 0, isSuccess: false, output, error: rolloutError });
    }
    try {
      const verdict: unknown = await Promise.race([
        judge.computeReward(workflowTask, output, tracker.snapshot()),
        timeout,
      ]);
      checkResultObject(verdict, { plugin: judgeSource, taskTag });
      const { rawReward, isSuccess, details } = verdict as JudgeResult;
      const reward = checkReward(rawReward, { plugin: judgeSource, taskTag });
      return finish({ reward, isSuccess, output, judgeDetails: details });
    } catch (error) {
      return finish({
        reward: 0,
        isSuccess: false,
        output,
        error: toRolloutError({ kind: 'judge', error, workflowTask }),
      });
    }
  } finally {
    tuner.dispose();
    clearTimeout(timer);
    timeout.catch(() => {});
  }
}
