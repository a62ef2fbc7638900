import type { ChatMessage } from './chat-message.ts';
import type { Split } from './task.ts';
import type { RolloutError, TokenSequence } from './trajectory.ts';
import type { FinishReason } from './tuner.ts';

/**
 * One line of `trajectories/step-N.jsonl` (and of an eval's trajectories): everything needed to see what an
 * episode said, how it was scored, and exactly which tokens trained.
 */
export interface EpisodeRecord {
  step: number;
  split: Split;
  episodeId: string;
  taskId: string;
  taskTag: string;
  repeatIndex: number;
  reward: number;
  isSuccess: boolean;
  /** The group-relative advantage the episode's samples trained with (0 when its group was skipped). */
  advantage: number;
  /** Whether its samples went to forwardBackward. */
  trained: boolean;
  judgeDetails?: Record<string, unknown>;
  finalAnswer?: string;
  error?: RolloutError;
  messages: ChatMessage[];
  sequences: TokenSequence[];
  /** Per model call: how it ended and which policy version sampled it. */
  calls: { finishReason: FinishReason; policyVersion: number; promptTokens: number; completionTokens: number }[];
  /** Decoded text of each token of each sequence, when the backbone can decode (for the token view). */
  tokenTexts?: string[][];
  durationMs: number;
}
