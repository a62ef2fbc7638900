import type { BackboneInfo, ChatRequest, ChatResponse, SamplingParams } from '@ajet/spec';
import type { TrajectoryTracker } from './trajectory-tracker.ts';

export interface PolicyChatOptions {
  tracker: TrajectoryTracker;
  request: ChatRequest;
  /** Resolved sampling: config defaults, then the request's overrides, with a derived seed. */
  sampling: SamplingParams;
  signal: AbortSignal;
}

/** What the tuner talks to: a token-level backbone (renders, samples, records exact ids) or a chat endpoint. */
export interface ChatPolicy {
  /** e.g. `backbone recording` or `endpoint http://127.0.0.1:8000/v1`. */
  readonly description: string;
  info(): Promise<BackboneInfo>;
  chat(options: PolicyChatOptions): Promise<ChatResponse>;
}
