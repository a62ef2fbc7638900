import type { ChatMessage } from './chat-message.ts';
import type { FinishReason } from './tuner.ts';

/** One `tuner.chat` call as the backbone saw it. */
export interface ModelCall {
  promptIds: number[];
  completionIds: number[];
  /** Sampler logprob of each completion token. Empty when the backend gave none (some endpoints). */
  completionLogprobs: number[];
  finishReason: FinishReason;
  policyVersion: number;
  /** Index into `Trajectory.sequences` of the sequence this call extended or started. */
  sequenceIndex: number;
}

/**
 * A token sequence that trains as one sample: prompt, then sampled tokens interleaved with tool output and
 * template tokens. `lossMask[i]` is 1 exactly where token i was sampled by the policy.
 */
export interface TokenSequence {
  tokenIds: number[];
  lossMask: number[];
  /** Sampler logprob of token i where `lossMask[i]` is 1, else 0. */
  logprobs: number[];
}

/** What an episode did: the conversation as the workflow last held it, every model call, and the token sequences. */
export interface Trajectory {
  messages: ChatMessage[];
  calls: ModelCall[];
  sequences: TokenSequence[];
}

export type RolloutErrorKind = 'workflow' | 'judge' | 'timeout' | 'backbone';

/** A failed episode, kept as data: logged, counted, and handled by `rollout.on_error`. */
export interface RolloutError {
  kind: RolloutErrorKind;
  message: string;
  taskTag: string;
  episodeId: string;
  /** Error class name and code when it was an AjetError. */
  code?: string;
  /** The thrown error's stack (source-mapped), for `--verbose` and the trajectory file. */
  stack?: string;
}
