import {
  isAjetError,
  type Judge,
  type RolloutError,
  type RolloutErrorKind,
  type SamplingParams,
  type Trajectory,
  type Workflow,
  type WorkflowOutput,
  type WorkflowTask,
} from '@ajet/spec';
import type { ChatPolicy } from './chat-policy.ts';
import { EpisodeTuner, type EpisodeTunerOptions } from './episode-tuner.ts';
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
  timeoutMs: number;
  /** Aborted when the run stops. */
  runSignal?: AbortSignal;
  /** Shared per run: `tuner.endpoint()`, `tuner.openai()` and their tool-call parsing. */
  tunerServices?: Pick<EpisodeTunerOptions, 'endpointServer' | 'model' | 'toolCallParser'>;
}

class EpisodeTimeout extends Error {}

function toRolloutError(options: { kind: RolloutErrorKind; error: unknown; workflowTask: WorkflowTask }): RolloutError {
  const { error, workflowTask } = options;
  const isBackbone = isAjetError(error) && error.blame === 'system';
  const kind: RolloutErrorKind = error instanceof EpisodeTimeout ? 'timeout' : isBackbone ? 'backbone' : options.kind;
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind,
    message,
    taskTag: workflowTask.taskTag,
    episodeId: workflowTask.episodeId,
    code: isAjetError(error) ? error.code : error instanceof Error ? error.name : undefined,
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
  try {
    let output: WorkflowOutput;
    try {
      const workflow = options.createWorkflow();
      output = await Promise.race([workflow.execute(workflowTask, tuner), timeout]);
    } catch (error) {
      return finish({ reward: 0, isSuccess: false, error: toRolloutError({ kind: 'workflow', error, workflowTask }) });
    }
    if (typeof output?.reward === 'number') {
      return finish({ reward: output.reward, isSuccess: output.isSuccess ?? output.reward > 0, output });
    }
    try {
      const verdict = await Promise.race([judge.computeReward(workflowTask, output, tracker.snapshot()), timeout]);
      if (!Number.isFinite(verdict.rawReward))
        throw new Error(`judge returned a non-finite reward (${verdict.rawReward})`);
      return finish({ reward: verdict.rawReward, isSuccess: verdict.isSuccess, output, judgeDetails: verdict.details });
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
