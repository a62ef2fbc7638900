import type {
  ChatRequest,
  ChatResponse,
  EpisodeRollout,
  SamplingParams,
  ToolCallParser,
  Tuner,
  TunerEndpoint,
} from '@ajet/spec';
import OpenAI from 'openai';
import { handleChatCompletion } from './chat-completions-handler.ts';
import type { ChatPolicy } from './chat-policy.ts';
import type { EpisodeEndpointServer } from './episode-endpoint-server.ts';
import { deriveSeed } from './seeded-random.ts';
import type { TrajectoryTracker } from './trajectory-tracker.ts';

export interface EpisodeTunerOptions {
  policy: ChatPolicy;
  tracker: TrajectoryTracker;
  /** Sampling for this split from the config (temperature, top_p, max_tokens). */
  sampling: SamplingParams;
  /** Seeds each call: same run seed and episode → same samples. */
  seedParts: readonly (string | number)[];
  /** Aborts on the episode timeout and on a run stop; workflows pass it to their tools. */
  signal: AbortSignal;
  /** Rollout settings a workflow reads (max steps), from the resolved config. */
  rollout: EpisodeRollout;
  /** The run's loopback server behind `endpoint()`; created lazily by the caller. */
  endpointServer?: () => EpisodeEndpointServer;
  /** Model name reported by `openai()` and `endpoint()`. */
  model?: string;
  /** Parses tool calls for OpenAI-style requests that carry `tools`. */
  toolCallParser?: ToolCallParser;
}

/** The Tuner one episode sees: config sampling defaults, per-call derived seeds, every call recorded. */
export class EpisodeTuner implements Tuner {
  private readonly options: EpisodeTunerOptions;
  private callCount = 0;
  private readonly releases: (() => void)[] = [];

  constructor(options: EpisodeTunerOptions) {
    this.options = options;
  }

  get signal(): AbortSignal {
    return this.options.signal;
  }

  get rollout(): EpisodeRollout {
    return this.options.rollout;
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

  openai(): OpenAI {
    const model = this.options.model ?? 'ajet-policy';
    return new OpenAI({
      apiKey: 'in-process',
      baseURL: 'http://episode.ajet.invalid/v1',
      maxRetries: 0,
      fetch: async (input: string | URL | Request, init?: RequestInit) => {
        const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
        if (!url.pathname.endsWith('/chat/completions')) {
          return Response.json(
            { error: { message: `only chat completions run in process, not ${url.pathname}` } },
            { status: 404 },
          );
        }
        let body: unknown;
        try {
          body = JSON.parse(typeof init?.body === 'string' ? init.body : '');
        } catch (error) {
          return Response.json(
            { error: { message: `invalid JSON body: ${(error as Error).message}` } },
            { status: 400 },
          );
        }
        const reply = await handleChatCompletion({
          body,
          tuner: this,
          model,
          toolCallParser: this.options.toolCallParser,
        });
        return Response.json(reply.body, { status: reply.status });
      },
    });
  }

  async endpoint(): Promise<TunerEndpoint> {
    const server = this.options.endpointServer?.();
    if (!server) throw new Error('this run has no episode endpoint server');
    const { endpoint, release } = await server.register(this);
    this.releases.push(release);
    return endpoint;
  }

  /** Ends the episode's endpoint routes. */
  dispose(): void {
    for (const release of this.releases.splice(0)) release();
  }
}
