import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  abortRequestSchema,
  type ClaimResponse,
  claimRequestSchema,
  type EpisodeServiceErrorCode,
  endRequestSchema,
  episodeModelPath,
  type ToolCallParser,
} from '@ajet/spec';
import type { z } from 'zod';
import type { BoardEpisode, EpisodeBoard } from './episode-board.ts';
import { writeModelApiReply } from './model-api-reply.ts';
import { MODEL_APIS } from './model-apis.ts';
import { episodeServiceOpenApi } from './openapi-document.ts';
import { readJsonBody } from './read-json-body.ts';

const STATUS_OF: Record<EpisodeServiceErrorCode, number> = {
  unauthorized: 401,
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  expired: 410,
  finished: 410,
};

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.writableEnded || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function fail(response: ServerResponse, code: EpisodeServiceErrorCode, message: string): void {
  send(response, STATUS_OF[code], { error: { code, message } });
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(request: IncomingMessage): string | undefined {
  return /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
}

export interface EpisodeServiceServerOptions {
  board: EpisodeBoard;
  token: string;
  host: string;
  port: number;
  /** The URL clients reach the service at, when not `http://host:port` (a proxy, another interface). */
  publicUrl?: string;
  model: string;
  toolCallParser?: ToolCallParser;
  maxSteps: number;
}

/**
 * The episode service's HTTP face (DESIGN §10): the control API of `episodeServiceRoutes` under the service token,
 * and each claimed episode's OpenAI-compatible model URL under that episode's own key.
 */
export class EpisodeServiceServer {
  private readonly options: EpisodeServiceServerOptions;
  private server: Server | undefined;
  private baseUrl = '';

  constructor(options: EpisodeServiceServerOptions) {
    this.options = options;
  }

  /** Listens; resolves with the URL clients use. */
  async start(): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        fail(response, 'invalid_request', `server error: ${(error as Error).message}`);
      });
    });
    server.keepAliveTimeout = 65_000;
    // Long-polled claims hold a request up to 60 s.
    server.requestTimeout = 0;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    this.baseUrl = (this.options.publicUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(
      /\/$/,
      '',
    );
    return this.baseUrl;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { pathname } = new URL(request.url ?? '/', 'http://service.invalid');
    const model = /^\/episodes\/([^/]+)\/v1(\/.*)$/.exec(pathname);
    if (model) return this.handleModel(request, response, decodeURIComponent(model[1] ?? ''), model[2] ?? '');
    if (request.method === 'GET' && pathname === '/openapi.json') {
      send(response, 200, episodeServiceOpenApi());
      return;
    }
    if (!sameSecret(bearer(request), this.options.token)) {
      fail(response, 'unauthorized', 'missing or wrong service token: send Authorization: Bearer <token>');
      return;
    }
    if (request.method === 'GET' && pathname === '/v1/status') {
      send(response, 200, this.options.board.status());
      return;
    }
    if (request.method === 'POST' && pathname === '/v1/episodes/claim') return this.handleClaim(request, response);
    const action = /^\/v1\/episodes\/([^/]+)\/(end|abort)$/.exec(pathname);
    if (request.method === 'POST' && action) {
      return this.handleSettle(request, response, decodeURIComponent(action[1] ?? ''), action[2] as 'end' | 'abort');
    }
    fail(response, 'not_found', `no route ${request.method} ${pathname} (GET /openapi.json lists them)`);
  }

  private async parse<T extends z.ZodType>(
    request: IncomingMessage,
    response: ServerResponse,
    schema: T,
  ): Promise<z.output<T> | undefined> {
    const body = await readJsonBody(request);
    if (!body.ok) {
      send(response, body.status, { error: { code: 'invalid_request', message: body.message } });
      return undefined;
    }
    const parsed = schema.safeParse(body.value);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      fail(response, 'invalid_request', `${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`);
      return undefined;
    }
    return parsed.data;
  }

  private async handleClaim(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await this.parse(request, response, claimRequestSchema);
    if (!body) return;
    let answered = false;
    const deliver = (episode: BoardEpisode | 'finished' | 'none'): boolean => {
      if (answered || response.destroyed || response.writableEnded) return false;
      answered = true;
      const reply: ClaimResponse =
        typeof episode === 'string' ? { status: episode } : { status: 'claimed', episode: this.describe(episode) };
      send(response, 200, reply);
      return true;
    };
    // A client that hangs up while waiting is not handed an episode it would never run.
    response.on('close', () => {
      answered = true;
    });
    this.options.board.claim({ clientId: body.client_id, waitMs: body.wait_s * 1000, deliver });
  }

  private describe(episode: BoardEpisode) {
    const { workflowTask } = episode;
    const { task } = workflowTask;
    return {
      episode_id: workflowTask.episodeId,
      task_tag: workflowTask.taskTag,
      split: workflowTask.split,
      repeat_index: workflowTask.repeatIndex,
      task: {
        task_id: task.taskId,
        main_query: task.mainQuery,
        ...(task.initMessages
          ? { init_messages: task.initMessages.map(({ role, content }) => ({ role, content })) }
          : {}),
        metadata: task.metadata,
      },
      base_url: `${this.baseUrl}${episodeModelPath(workflowTask.episodeId)}`,
      api_key: episode.apiKey,
      model: this.options.model,
      deadline: new Date(episode.deadline).toISOString(),
      deadline_ms: Math.max(0, episode.deadline - Date.now()),
      max_steps: this.options.maxSteps,
    };
  }

  private async handleSettle(
    request: IncomingMessage,
    response: ServerResponse,
    episodeId: string,
    action: 'end' | 'abort',
  ): Promise<void> {
    const { board } = this.options;
    const body = await this.parse(request, response, action === 'end' ? endRequestSchema : abortRequestSchema);
    if (!body) return;
    const episode = board.claimed(episodeId);
    if (!episode) {
      if (board.has(episodeId)) fail(response, 'conflict', `episode ${episodeId} is not claimed: claim it first`);
      else {
        fail(
          response,
          'expired',
          `episode ${episodeId} is not running: it ended, was aborted, passed its deadline, or never existed`,
        );
      }
      return;
    }
    if (action === 'abort') {
      board.abort(episode, (body as z.output<typeof abortRequestSchema>).reason);
      send(response, 200, { episode_id: episodeId, status: 'aborted' });
      return;
    }
    const end = body as z.output<typeof endRequestSchema>;
    const metadata = {
      ...end.metadata,
      ...(end.final_answer !== undefined ? { finalAnswer: end.final_answer } : {}),
      ...(episode.clientId ? { client: episode.clientId } : {}),
    };
    board.end(episode, {
      ...(end.reward !== undefined ? { reward: end.reward } : {}),
      ...(end.is_success !== undefined ? { isSuccess: end.is_success } : {}),
      metadata,
    });
    send(response, 200, { episode_id: episodeId, status: 'ended', judged: end.reward === undefined });
  }

  private async handleModel(
    request: IncomingMessage,
    response: ServerResponse,
    episodeId: string,
    rest: string,
  ): Promise<void> {
    const episode = this.options.board.claimed(episodeId);
    const openAiError = (status: number, message: string, type: string) =>
      send(response, status, { error: { message, type } });
    // OpenAI clients send a bearer key, Anthropic's sends x-api-key.
    const key = bearer(request) ?? (request.headers['x-api-key'] as string | undefined);
    if (!episode || !sameSecret(key, episode.apiKey)) {
      openAiError(401, `no running episode ${episodeId} for this key (it ended or expired)`, 'authentication_error');
      return;
    }
    if (request.method === 'GET' && rest === '/models') {
      send(response, 200, { object: 'list', data: [{ id: this.options.model, object: 'model', owned_by: 'ajet' }] });
      return;
    }
    const api = MODEL_APIS[rest];
    if (request.method !== 'POST' || !api) {
      openAiError(
        404,
        `no route ${request.method} ${rest} on an episode URL (POST ${Object.keys(MODEL_APIS).join(', ')})`,
        'not_found',
      );
      return;
    }
    const body = await readJsonBody(request);
    if (!body.ok) {
      openAiError(body.status, body.message, 'invalid_request_error');
      return;
    }
    try {
      const reply = await api({
        body: body.value,
        tuner: episode.tuner,
        model: this.options.model,
        toolCallParser: this.options.toolCallParser,
      });
      writeModelApiReply(response, reply);
    } catch (error) {
      // The episode's deadline or the run stopping aborts its calls: the client's agent sees a plain error.
      const aborted = episode.tuner.signal.aborted;
      openAiError(aborted ? 410 : 500, (error as Error).message, aborted ? 'episode_over' : 'server_error');
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Answers already written (a claim told `finished`) get a moment to leave before the sockets go.
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), 1000);
    await closed;
    clearTimeout(timer);
  }
}
