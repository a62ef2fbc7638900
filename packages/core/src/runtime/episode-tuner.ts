import type { ChatRequest, ChatResponse, SamplingParams, Tuner } from '@ajet/spec';
import type { ChatPolicy } from './chat-policy.ts';
import { deriveSeed } from './seeded-random.ts';
import type { TrajectoryTracker } from './trajectory-tracker.ts';

export interface EpisodeTunerOptions {
  policy: ChatPolicy;
  tracker: TrajectoryTracker;
  /** Sampling for this split from the config (temperature, top_p, max_tokens). */
  sampling: SamplingParams;
  /** Seeds each call: same run seed and episode → same samples. */
  seedParts: readonly (string | number)[];
  signal: AbortSignal;
}

/** The Tuner one episode sees: config sampling defaults, per-call derived seeds, every call recorded. */
export class EpisodeTuner implements Tuner {
  private readonly options: EpisodeTunerOptions;
  private callCount = 0;

  constructor(options: EpisodeTunerOptions) {
    this.options = options;
  }

  get calls(): number {
    return this.callCount;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const { policy, tracker, sampling, seedParts, signal } = this.options;
    signal.throwIfAborted();
    const callIndex = this.callCount++;
    const merged: SamplingParams = {
      ...sampling,
      ...request.sampling,
      seed: request.sampling?.seed ?? deriveSeed(...seedParts, callIndex),
    };
    return policy.chat({ tracker, request, sampling: merged, signal });
  }
}
