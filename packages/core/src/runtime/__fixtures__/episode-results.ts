import type { RolloutErrorKind, TokenSequence } from '@ajet/spec';
import type { EpisodeResult } from '../run-episode.ts';

/**
 * An episode result as `runEpisode` returns it: one sampled call per sequence, `failed` giving the error kind
 * (a failed episode has reward 0, as the runner gives it).
 */
export function episodeResult(options: {
  taskId: string;
  repeatIndex: number;
  reward: number;
  sequences?: TokenSequence[];
  failed?: RolloutErrorKind;
  logMetrics?: Record<string, number>;
}): EpisodeResult {
  const { taskId, repeatIndex, failed } = options;
  const sequences = options.sequences ?? [
    { tokenIds: [1, 2, 3, 4], lossMask: [0, 0, 1, 1], logprobs: [0, 0, -0.5, -0.25] },
  ];
  const taskTag = `T${taskId}#R${repeatIndex}`;
  const episodeId = `train-s1-t${taskId}-r${repeatIndex}`;
  return {
    workflowTask: { task: { taskId, mainQuery: 'q', metadata: {} }, split: 'train', repeatIndex, taskTag, episodeId },
    reward: failed ? 0 : options.reward,
    isSuccess: !failed && options.reward > 0,
    output: failed ? undefined : { metadata: { finalAnswer: 'a' }, logMetrics: options.logMetrics ?? {} },
    error: failed ? { kind: failed, message: `${failed} broke`, taskTag, episodeId } : undefined,
    trajectory: {
      messages: [],
      calls: sequences.map((sequence, sequenceIndex) => ({
        promptIds: sequence.tokenIds.filter((_, index) => sequence.lossMask[index] === 0),
        completionIds: sequence.tokenIds.filter((_, index) => sequence.lossMask[index] === 1),
        completionLogprobs: [],
        finishReason: 'stop' as const,
        policyVersion: 0,
        sequenceIndex,
      })),
      sequences,
    },
    durationMs: 5,
  };
}

/** A group of episodes of one task with these rewards. */
export function group(taskId: string, rewards: readonly number[], failedAt?: Record<number, RolloutErrorKind>) {
  return rewards.map((reward, repeatIndex) =>
    episodeResult({ taskId, repeatIndex, reward, failed: failedAt?.[repeatIndex] }),
  );
}
