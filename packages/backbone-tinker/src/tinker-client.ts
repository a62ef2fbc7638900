import { randomUUID } from 'node:crypto';
import { BackboneError } from '@ajet/spec';
import type { z } from 'zod';
import {
  requestFailedResponseSchema,
  tinkerEndpoints,
  tryAgainResponseSchema,
  untypedApiFutureSchema,
} from './protocol.ts';

/** The hosted Tinker service (the SDK's `DEFAULT_BASE_URL`). */
export const TINKER_DEFAULT_BASE_URL = 'https://tinker.thinkingmachines.dev/services/tinker-prod';

export interface TinkerClientOptions {
  /** Hosted Tinker, or a self-hosted Tinker-compatible server (e.g. `http://127.0.0.1:8000`). */
  baseUrl: string;
  /** Sent as `X-API-Key`. Hosted Tinker needs one (`tml-...`); a local server may not. */
  apiKey: string | undefined;
  /** The environment variable the key came from, named in auth errors. Default `TINKER_API_KEY`. */
  apiKeyEnv?: string;
  /** Each call (queueing, polling its future, retries) fails after this long rather than hang. */
  deadlineMs: number;
  /** Extra attempts on 429, 408 and 5xx. Default 10, as the SDK. */
  retries?: number;
  /** First backoff before a retry; doubles up to 10 s, or what `Retry-After` says. Default 500 ms, as the SDK. */
  initialRetryDelayMs?: number;
  /**
   * The largest answer read, in bytes (default 256 MiB): a broken or hostile server cannot make this process hold
   * more. A larger one fails the call with TINKER_RESPONSE_TOO_LARGE naming the endpoint.
   */
  maxResponseBytes?: number;
}

/** The default cap on one answer's size: far above any Tinker answer (a sample of 64 x 32k tokens is ~50 MB). */
export const TINKER_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** One Tinker HTTP API session: POSTs with retries and deadlines, and futures polled until done. */
export class TinkerClient {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #apiKeyEnv: string;
  readonly #deadlineMs: number;
  readonly #retries: number;
  readonly #initialRetryDelayMs: number;
  readonly #maxResponseBytes: number;

  constructor(options: TinkerClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#apiKeyEnv = options.apiKeyEnv ?? 'TINKER_API_KEY';
    this.#deadlineMs = options.deadlineMs;
    this.#retries = options.retries ?? 10;
    this.#initialRetryDelayMs = options.initialRetryDelayMs ?? 500;
    this.#maxResponseBytes = options.maxResponseBytes ?? TINKER_MAX_RESPONSE_BYTES;
  }

  /** A plain call: POST `body`, parse the answer with `schema`. */
  async call<Schema extends z.ZodType>(
    path: string,
    body: unknown,
    schema: Schema,
    options: { deadlineMs?: number } = {},
  ): Promise<z.output<Schema>> {
    const deadline = Date.now() + (options.deadlineMs ?? this.#deadlineMs);
    return parseBody({ path, schema, body: await this.#post({ path, body, deadline }), baseUrl: this.baseUrl });
  }

  /**
   * A queued call (`body` JSON, or a Uint8Array sent as application/x-protobuf): POST answers a future (`request_id`); `retrieve_future` answers `try_again` until the result is
   * there (the server holds each poll a while), then the result or `{error, category}`.
   */
  async callFuture<Schema extends z.ZodType>(path: string, body: unknown, schema: Schema): Promise<z.output<Schema>> {
    const deadline = Date.now() + this.#deadlineMs;
    const future = parseBody({
      path,
      schema: untypedApiFutureSchema,
      body: await this.#post({ path, body, deadline }),
      baseUrl: this.baseUrl,
    });
    const retrieve = tinkerEndpoints.retrieveFuture;
    for (let poll = 0; ; poll++) {
      const answer = await this.#post({
        path: retrieve,
        body: { request_id: future.request_id, allow_metadata_only: false },
        deadline,
        futureOf: path,
      });
      if (tryAgainResponseSchema.safeParse(answer).success) {
        // A server that long-polls makes this pause irrelevant; one that answers at once is not hammered.
        await sleepUntil({ ms: Math.min(50 * 2 ** poll, 1000), deadline, what: `${path} future`, client: this });
        continue;
      }
      const failed = requestFailedResponseSchema.safeParse(answer);
      if (failed.success) {
        const { error, category, code, hint } = failed.data;
        // ajet's backend adds its error code and hint (as over gRPC); other servers give category alone.
        throw new BackboneError(`Tinker ${path} failed: ${error}`, {
          code: code ?? 'TINKER_REQUEST_FAILED',
          address: this.baseUrl,
          retryable: category === 'server',
          hint:
            hint ||
            (category === 'user'
              ? 'The server blames the request (category user).'
              : 'The server failed (category server); the call may succeed again.'),
        });
      }
      return parseBody({ path: `${path} (future ${future.request_id})`, schema, body: answer, baseUrl: this.baseUrl });
    }
  }

  async #post(options: { path: string; body: unknown; deadline: number; futureOf?: string }): Promise<unknown> {
    const { path, body, deadline } = options;
    const what = options.futureOf ? `${options.futureOf} future` : path;
    const binary = body instanceof Uint8Array;
    const headers: Record<string, string> = {
      'content-type': binary ? 'application/x-protobuf' : 'application/json',
      accept: 'application/json',
      // Lets the server drop a repeat of a POST it already queued (the SDK sends it too).
      'x-idempotency-key': randomUUID(),
    };
    if (this.#apiKey) headers['x-api-key'] = this.#apiKey;
    for (let attempt = 0; ; attempt++) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw this.deadlineError(what);
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${path}`, {
          method: 'POST',
          headers,
          body: binary ? body : JSON.stringify(body),
          signal: AbortSignal.timeout(remainingMs),
        });
      } catch (error) {
        if (Date.now() >= deadline) throw this.deadlineError(what, error);
        if (attempt >= this.#retries) {
          throw new BackboneError(`Tinker ${what}: cannot reach the server: ${String(error)}`, {
            code: 'TINKER_UNAVAILABLE',
            address: this.baseUrl,
            retryable: true,
            hint: 'Check backbones.tinker.base_url and that the server is up.',
            cause: error,
          });
        }
        await sleepUntil({ ms: this.#backoffMs(attempt), deadline, what, client: this });
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel().catch(() => {});
        throw new BackboneError(
          `Tinker ${what}: the server refused the API key (HTTP ${response.status}); ${this.#apiKey ? `${this.#apiKeyEnv} is set but not accepted` : `${this.#apiKeyEnv} is not set`}.`,
          {
            code: 'TINKER_UNAUTHORIZED',
            address: this.baseUrl,
            hint: `Set ${this.#apiKeyEnv} to a key from the Tinker console (tml-...).`,
          },
        );
      }
      const text = await this.#readText(response, what);
      // 408 on retrieve_future is the SDK's "try again" in HTTP clothing: its body says so.
      if (response.status === 408 && options.futureOf) return safeJson(text) ?? { type: 'try_again', request_id: '' };
      if (response.status === 429 || response.status === 408 || response.status >= 500) {
        if (attempt >= this.#retries) {
          throw new BackboneError(`Tinker ${what}: HTTP ${response.status} after ${attempt + 1} attempts`, {
            code: response.status === 429 ? 'TINKER_RATE_LIMITED' : 'TINKER_SERVER_ERROR',
            address: this.baseUrl,
            retryable: true,
            hint: text.slice(0, 200) || undefined,
          });
        }
        const retryAfterS = Number(response.headers.get('retry-after'));
        const delayMs = Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : this.#backoffMs(attempt);
        await sleepUntil({ ms: Math.min(delayMs, 10_000), deadline, what, client: this });
        continue;
      }
      if (!response.ok) {
        throw new BackboneError(`Tinker ${what}: HTTP ${response.status}: ${text.slice(0, 300)}`, {
          code: 'TINKER_HTTP_ERROR',
          address: this.baseUrl,
        });
      }
      const parsed = safeJson(text);
      if (parsed === undefined) {
        throw new BackboneError(`Tinker ${what}: the answer is not JSON: ${JSON.stringify(text.slice(0, 120))}`, {
          code: 'TINKER_BAD_RESPONSE',
          address: this.baseUrl,
          hint: 'Is backbones.tinker.base_url a Tinker API server?',
        });
      }
      return parsed;
    }
  }

  /** The answer's body as text, refused past maxResponseBytes (by Content-Length, or while it streams in). */
  async #readText(response: Response, what: string): Promise<string> {
    const limit = this.#maxResponseBytes;
    const tooLarge = (detail: string) =>
      new BackboneError(`Tinker ${what}: the answer is larger than the ${limit} bytes this client reads (${detail})`, {
        code: 'TINKER_RESPONSE_TOO_LARGE',
        address: this.baseUrl,
        hint: 'A Tinker answer is far smaller: check backbones.tinker.base_url points at a Tinker API server.',
      });
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limit) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge(`Content-Length ${declared}`);
    }
    if (!response.body) return '';
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(`cut off after ${size} bytes`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #backoffMs(attempt: number): number {
    return Math.min(this.#initialRetryDelayMs * 2 ** attempt, 10_000);
  }

  deadlineError(what: string, cause?: unknown): BackboneError {
    return new BackboneError(`Tinker ${what}: no answer within ${this.#deadlineMs / 1000} s`, {
      code: 'TINKER_DEADLINE_EXCEEDED',
      address: this.baseUrl,
      retryable: true,
      hint: 'Raise backbones.tinker.deadline_s, or check the server’s queue (a future that never completes).',
      cause,
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseBody<Schema extends z.ZodType>(options: {
  path: string;
  schema: Schema;
  body: unknown;
  baseUrl: string;
}): z.output<Schema> {
  const result = options.schema.safeParse(options.body);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
  throw new BackboneError(`Tinker ${options.path}: the answer does not match the Tinker protocol: ${issues}`, {
    code: 'TINKER_BAD_RESPONSE',
    address: options.baseUrl,
    hint: 'The server speaks another version of the API than tinker 0.38.0.',
    cause: result.error,
  });
}

async function sleepUntil(options: { ms: number; deadline: number; what: string; client: TinkerClient }) {
  const remainingMs = options.deadline - Date.now();
  if (remainingMs <= options.ms) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(remainingMs, 0)));
    throw options.client.deadlineError(options.what);
  }
  await new Promise((resolve) => setTimeout(resolve, options.ms));
}
