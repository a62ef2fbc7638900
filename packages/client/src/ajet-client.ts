import {
  AjetError,
  abortResponseSchema,
  claimResponseSchema,
  type EndResponse,
  endResponseSchema,
  episodeServiceErrorSchema,
  episodeServiceRoutes,
  type ServiceStatus,
  serviceStatusSchema,
} from '@ajet/spec';
import type { z } from 'zod';
import { type EndOptions, Episode } from './episode.ts';

export interface AjetClientOptions {
  /** The episode service's URL (`ajet: episode service at …`, or `url` in the run's episode-service.json). */
  url: string;
  /** The service token (`AJET_EPISODE_TOKEN` where the trainer runs, or `token` in episode-service.json). */
  token: string;
  /** A name for this client, shown in the trainer's warnings and kept with each episode. */
  clientId?: string;
  /** Seconds one claim waits for an episode (long poll). */
  waitS?: number;
  /** How long to keep retrying before the service first answers (the trainer may start after the client). */
  connectTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** An answer of the episode service that is not what the protocol says, with its `error.code` when it sent one. */
export class EpisodeServiceError extends AjetError {
  readonly status: number;

  constructor(message: string, options: { status: number; code: string; cause?: unknown }) {
    super(message, { code: options.code, blame: 'system', cause: options.cause });
    this.status = options.status;
  }
}

function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED' || cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET';
}

/**
 * A client of ajet's episode service (`ajet --serve-episodes`): claims the trainer's episodes so an agent running
 * in this process, written with any library, is trained unchanged.
 *
 *     const ajet = new AjetClient({ url, token });
 *     for await (const episode of ajet.episodes()) {
 *       const { text } = await generateText({ model: episode.languageModel(), prompt: episode.task.mainQuery });
 *       await episode.end({ reward: text.includes(String(episode.task.metadata.answer)) ? 1 : 0 });
 *     }
 */
export class AjetClient {
  private readonly options: AjetClientOptions;
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private contacted = false;

  constructor(options: AjetClientOptions) {
    this.options = options;
    this.url = options.url.replace(/\/$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `AJET_URL` and `AJET_EPISODE_TOKEN` from the environment. */
  static fromEnv(options: Partial<AjetClientOptions> = {}): AjetClient {
    const url = options.url ?? process.env.AJET_URL;
    const token = options.token ?? process.env.AJET_EPISODE_TOKEN;
    if (!url || !token) {
      throw new AjetError('AJET_URL and AJET_EPISODE_TOKEN must be set to reach the episode service', {
        code: 'EPISODE_SERVICE_ENV',
        blame: 'user',
        hint: 'the trainer prints the URL and writes both to episode-service.json in its experiment folder',
      });
    }
    return new AjetClient({ ...options, url, token });
  }

  private async call<T extends z.ZodType>(options: {
    method: string;
    path: string;
    body?: unknown;
    schema: T;
    signal?: AbortSignal;
  }): Promise<z.output<T>> {
    const response = await this.fetchImpl(`${this.url}${options.path}`, {
      method: options.method,
      headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    this.contacted = true;
    const json: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = episodeServiceErrorSchema.safeParse(json);
      const message = error.success ? error.data.error.message : `HTTP ${response.status}`;
      throw new EpisodeServiceError(`episode service ${options.method} ${options.path}: ${message}`, {
        status: response.status,
        code: error.success ? error.data.error.code : `http_${response.status}`,
      });
    }
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) {
      throw new EpisodeServiceError(
        `episode service ${options.path} answered outside the protocol: ${parsed.error.issues[0]?.message}`,
        { status: response.status, code: 'bad_response' },
      );
    }
    return parsed.data;
  }

  /**
   * Claims one episode: the episode, `none` when nothing was offered within `waitS`, or `finished` when the run is
   * over (also when the service stops answering after it had answered before).
   */
  async claim(signal?: AbortSignal): Promise<Episode | 'none' | 'finished'> {
    const started = Date.now();
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 60_000;
    for (;;) {
      try {
        const reply = await this.call({
          method: 'POST',
          path: episodeServiceRoutes.claim.path,
          body: { client_id: this.options.clientId, wait_s: this.options.waitS ?? 20 },
          schema: claimResponseSchema,
          signal,
        });
        if (reply.status !== 'claimed') return reply.status;
        return new Episode({
          claimed: reply.episode,
          fetch: this.options.fetch,
          control: {
            end: (episodeId, end) => this.end(episodeId, end),
            abort: (episodeId, reason) => this.abort(episodeId, reason),
          },
        });
      } catch (error) {
        if (!isConnectionRefused(error)) throw error;
        // A trainer that has finished closes its port; one that has not started yet is waited for.
        if (this.contacted) return 'finished';
        if (Date.now() - started > connectTimeoutMs) {
          throw new EpisodeServiceError(`no episode service at ${this.url}: ${(error as Error).message}`, {
            status: 0,
            code: 'unreachable',
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /**
   * Episodes, one at a time, until the run is over. An episode the loop body neither ended nor aborted is aborted
   * when the next one is asked for, or when the loop exits (a `break` or a throw), so the trainer never waits for it.
   */
  async *episodes(options: { signal?: AbortSignal } = {}): AsyncGenerator<Episode, void, undefined> {
    let current: Episode | undefined;
    try {
      for (;;) {
        if (current && !current.settled) await current.abort('the client asked for the next episode without end()');
        current = undefined;
        if (options.signal?.aborted) return;
        const claimed = await this.claim(options.signal);
        if (claimed === 'finished') return;
        if (claimed === 'none') continue;
        current = claimed;
        yield claimed;
      }
    } finally {
      if (current && !current.settled) await current.abort('the client loop stopped').catch(() => {});
    }
  }

  async end(episodeId: string, options: EndOptions): Promise<EndResponse> {
    return this.call({
      method: 'POST',
      path: episodeServiceRoutes.end.path.replace('{episode_id}', encodeURIComponent(episodeId)),
      body: {
        reward: options.reward,
        is_success: options.isSuccess,
        final_answer: options.finalAnswer,
        metadata: options.metadata,
      },
      schema: endResponseSchema,
    });
  }

  async abort(episodeId: string, reason?: string): Promise<void> {
    await this.call({
      method: 'POST',
      path: episodeServiceRoutes.abort.path.replace('{episode_id}', encodeURIComponent(episodeId)),
      body: { reason },
      schema: abortResponseSchema,
    });
  }

  async status(): Promise<ServiceStatus> {
    return this.call({ method: 'GET', path: episodeServiceRoutes.status.path, schema: serviceStatusSchema });
  }
}
