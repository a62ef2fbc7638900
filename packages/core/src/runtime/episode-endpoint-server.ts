import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ToolCallParser, Tuner, TunerEndpoint } from '@ajet/spec';
import { writeModelApiReply } from '../episode-service/model-api-reply.ts';
import { MODEL_APIS } from '../episode-service/model-apis.ts';
import { readJsonBody } from '../episode-service/read-json-body.ts';

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * One loopback model server per run, speaking OpenAI chat completions and Responses and Anthropic Messages. Each
 * episode that asks for `tuner.endpoint()` gets its own key; requests carrying that key go to that episode's tuner,
 * so agents in other processes or frameworks are trained unchanged and recorded token for token.
 */
export class EpisodeEndpointServer {
  private readonly routes = new Map<string, Pick<Tuner, 'chat'>>();
  private readonly model: string;
  private readonly toolCallParser: ToolCallParser | undefined;
  private server: Server | undefined;
  private listening: Promise<string> | undefined;

  constructor(options: { model: string; toolCallParser?: ToolCallParser }) {
    this.model = options.model;
    this.toolCallParser = options.toolCallParser;
  }

  private start(): Promise<string> {
    this.listening ??= new Promise((resolve, reject) => {
      const server = createServer((request, response) => {
        this.handle(request, response).catch((error: unknown) => {
          send(response, 500, { error: { message: (error as Error).message, type: 'server_error' } });
        });
      });
      server.keepAliveTimeout = 60_000;
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve(`http://127.0.0.1:${port}/v1`);
      });
      this.server = server;
    });
    return this.listening;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    // OpenAI clients send a bearer key, Anthropic's sends x-api-key.
    const key =
      /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ??
      (request.headers['x-api-key'] as string | undefined);
    const tuner = key ? this.routes.get(key) : undefined;
    if (!tuner) {
      send(response, 401, { error: { message: 'unknown or expired episode key', type: 'authentication_error' } });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/v1/models') {
      send(response, 200, { object: 'list', data: [{ id: this.model, object: 'model', owned_by: 'ajet' }] });
      return;
    }
    const api = MODEL_APIS[url.pathname.replace(/^\/v1/, '')];
    if (request.method !== 'POST' || !api) {
      send(response, 404, { error: { message: `no route ${request.method} ${url.pathname}`, type: 'not_found' } });
      return;
    }
    const body = await readJsonBody(request);
    if (!body.ok) {
      send(response, body.status, { error: { message: body.message, type: 'invalid_request_error' } });
      return;
    }
    writeModelApiReply(
      response,
      await api({ body: body.value, tuner, model: this.model, toolCallParser: this.toolCallParser }),
    );
  }

  /** Routes a new key to `tuner`; the returned function removes the route. */
  async register(tuner: Pick<Tuner, 'chat'>): Promise<{ endpoint: TunerEndpoint; release: () => void }> {
    const baseURL = await this.start();
    const apiKey = `ajet-${randomBytes(16).toString('hex')}`;
    this.routes.set(apiKey, tuner);
    return { endpoint: { baseURL, apiKey, model: this.model }, release: () => this.routes.delete(apiKey) };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
