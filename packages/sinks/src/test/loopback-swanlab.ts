import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UploadedScalar {
  key: string;
  index: number;
  epoch: number;
  data: number;
  create_time: string;
}

/**
 * A loopback stand-in for a SwanLab server, for tests and benchmarks: the routes SwanLab's SDK calls, with
 * their status codes, one user (`alice`), and everything it was sent kept for inspection.
 */
export class LoopbackSwanlab {
  private readonly server: Server;
  private readonly apiKey: string;
  readonly requests: string[] = [];
  readonly columns: { key: string; class: unknown; type: unknown }[] = [];
  readonly metrics: UploadedScalar[] = [];
  /** Per metrics batch: the ids in its body and the flagId header it came with. */
  readonly batches: { projectId: unknown; experimentId: unknown; flagId: unknown; flagHeader: unknown }[] = [];
  readonly states: string[] = [];
  readonly experiments = new Map<string, string>();
  readonly projects = new Set<string>();
  /** The next this many metrics uploads answer 503. */
  failMetrics = 0;
  private nextId = 1;

  constructor(options: { apiKey: string }) {
    this.apiKey = options.apiKey;
    this.server = createServer((request, response) => {
      void this.handle(request).then(([status, body]) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
  }

  /** Starts on a free port; returns the API root to use as base URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const chunk of request) text += chunk;
    // biome-ignore lint/suspicious/noExplicitAny: a test server reads whatever the client sent
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return [400, { message: 'not JSON' }];
    }
    const route = `${request.method} ${request.url}`;
    this.requests.push(route);
    if (route === 'POST /api/login/api_key') {
      if (request.headers.authorization !== this.apiKey) return [401, { message: 'Unauthorized' }];
      return [200, { sid: 'session-1', expiredAt: '2099-01-01T00:00:00.000Z', userInfo: { username: 'alice' } }];
    }
    if (request.headers.cookie !== 'sid=session-1') return [401, { message: 'no session' }];
    if (route === 'POST /api/project') {
      const exists = this.projects.has(body.name);
      this.projects.add(body.name);
      return [exists ? 409 : 201, { username: 'alice', name: body.name }];
    }
    const project = request.url?.match(/^\/api\/project\/alice\/([^/]+)$/);
    if (request.method === 'GET' && project?.[1] && this.projects.has(decodeURIComponent(project[1]))) {
      return [200, { cuid: `project-${decodeURIComponent(project[1])}`, name: decodeURIComponent(project[1]) }];
    }
    const experiment = request.url?.match(/^\/api\/project\/alice\/([^/]+)\/experiment$/);
    if (request.method === 'POST' && experiment) {
      const known = typeof body.cuid === 'string' && this.experiments.has(body.cuid);
      const cuid = known ? body.cuid : `exp-${this.nextId++}`;
      this.experiments.set(cuid, body.name);
      return [known ? 200 : 201, { cuid, name: body.name, flagId: `flag-${cuid}` }];
    }
    if (request.method === 'POST' && /^\/api\/experiment\/[^/]+\/columns$/.test(request.url ?? '')) {
      this.columns.push(...body);
      return [201, {}];
    }
    if (route === 'POST /api/house/metrics') {
      if (this.failMetrics > 0) {
        this.failMetrics -= 1;
        return [503, { message: 'busy' }];
      }
      this.batches.push({
        projectId: body.projectId,
        experimentId: body.experimentId,
        flagId: body.flagId,
        flagHeader: request.headers.flagid,
      });
      this.metrics.push(...body.metrics);
      return [201, {}];
    }
    const state = request.url?.match(/^\/api\/project\/alice\/[^/]+\/runs\/([^/]+)\/state$/);
    if (request.method === 'PUT' && state) {
      this.states.push(`${state[1]} ${body.state}`);
      return [200, {}];
    }
    return [404, { message: `no route ${route}` }];
  }
}
