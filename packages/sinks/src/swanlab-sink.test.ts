import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { SwanlabSink } from './swanlab-sink.ts';

interface Uploaded {
  key: string;
  index: number;
  epoch: number;
  data: number;
  create_time: string;
}

/** A loopback stand-in for a SwanLab server: the routes the SDK calls, with its status codes. */
class FakeSwanlab {
  readonly server: Server;
  readonly requests: string[] = [];
  readonly columns: string[] = [];
  readonly metrics: Uploaded[] = [];
  readonly states: string[] = [];
  readonly experiments = new Map<string, string>();
  failMetrics = 0;
  private nextId = 1;

  constructor(private readonly apiKey: string) {
    this.server = createServer((request, response) => {
      void this.handle(request).then(([status, body]) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  private async handle(request: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const chunk of request) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    const route = `${request.method} ${request.url}`;
    this.requests.push(route);
    if (route === 'POST /api/login/api_key') {
      if (request.headers.authorization !== this.apiKey) return [401, { message: 'Unauthorized' }];
      return [200, { sid: 'session-1', expiredAt: '2099-01-01T00:00:00.000Z', userInfo: { username: 'alice' } }];
    }
    if (request.headers.cookie !== 'sid=session-1') return [401, { message: 'no session' }];
    if (route === 'POST /api/project') return [this.requests.length > 3 ? 409 : 201, { username: 'alice' }];
    if (route === 'GET /api/project/alice/ajet-test') return [200, { cuid: 'project-1', name: 'ajet-test' }];
    if (route === 'POST /api/project/alice/ajet-test/experiment') {
      const known = body.cuid && this.experiments.has(body.cuid);
      const cuid = known ? body.cuid : `exp-${this.nextId++}`;
      this.experiments.set(cuid, body.name);
      return [known ? 200 : 201, { cuid, name: body.name, flagId: `flag-${cuid}` }];
    }
    const columns = request.url?.match(/^\/api\/experiment\/([^/]+)\/columns$/);
    if (request.method === 'POST' && columns) {
      for (const column of body) {
        expect(column).toMatchObject({ class: 'CUSTOM', type: 'FLOAT' });
        this.columns.push(column.key);
      }
      return [201, {}];
    }
    if (route === 'POST /api/house/metrics') {
      if (this.failMetrics > 0) {
        this.failMetrics -= 1;
        return [503, { message: 'busy' }];
      }
      expect(body).toMatchObject({ projectId: 'project-1', type: 'scalar' });
      expect(request.headers.flagid).toBe(body.flagId);
      expect(this.columns).toEqual(expect.arrayContaining(body.metrics.map((metric: Uploaded) => metric.key)));
      this.metrics.push(...body.metrics);
      return [201, {}];
    }
    const state = request.url?.match(/^\/api\/project\/alice\/ajet-test\/runs\/([^/]+)\/state$/);
    if (request.method === 'PUT' && state) {
      this.states.push(`${state[1]} ${body.state}`);
      return [200, {}];
    }
    return [404, { message: `no route ${route}` }];
  }
}

function rows(from: number, to: number): MetricsRecord[] {
  const result: MetricsRecord[] = [];
  for (let step = from; step <= to; step++) {
    result.push({
      step,
      phase: 'train',
      time: 1_700_000_000_000 + step,
      metrics: { 'reward/mean': step / 10, 'train/loss': Number.NaN, success_rate: 1 / step },
    });
  }
  return result;
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function setup(apiKey = 'key-123') {
  const fake = new FakeSwanlab('key-123');
  servers.push(fake.server);
  const baseUrl = await fake.listen();
  const dir = mkdtempSync(join(tmpdir(), 'ajet-swanlab-'));
  const sink = () =>
    new SwanlabSink({
      apiKey,
      apiKeyEnv: 'SWANLAB_API_KEY',
      baseUrl,
      project: 'ajet-test',
      experimentName: 'calc',
      stateFile: join(dir, 'swanlab.json'),
      timeoutMs: 2000,
      closeTimeoutMs: 5000,
    });
  return { fake, sink, dir };
}

describe('SwanlabSink against a loopback SwanLab', () => {
  it('logs in, creates the project and experiment, uploads every finite scalar and marks the run finished', async () => {
    const { fake, sink } = await setup();
    const swanlab = sink();
    for (const record of rows(1, 4)) await swanlab.write(record);
    await swanlab.close();
    expect(fake.requests[0]).toBe('POST /api/login/api_key');
    expect(fake.columns.sort()).toEqual(['reward/mean', 'success_rate']);
    const points = fake.metrics.map(({ key, index, data }) => [key, index, data]);
    expect(points.sort()).toEqual(
      rows(1, 4)
        .flatMap((record) => [
          ['reward/mean', record.step, record.step / 10],
          ['success_rate', record.step, 1 / record.step],
        ])
        .sort(),
    );
    expect(fake.metrics.every((metric) => metric.create_time.startsWith('2023-11-14T'))).toBe(true);
    expect(fake.states).toEqual(['exp-1 FINISHED']);
  });

  it('resumes the same SwanLab experiment when the run resumes', async () => {
    const { fake, sink, dir } = await setup();
    const first = sink();
    for (const record of rows(1, 2)) await first.write(record);
    await first.close();
    expect(JSON.parse(readFileSync(join(dir, 'swanlab.json'), 'utf8'))).toMatchObject({ experimentId: 'exp-1' });
    const second = sink();
    for (const record of rows(3, 4)) await second.write(record);
    await second.close();
    expect(fake.experiments.size).toBe(1);
    expect(fake.states).toEqual(['exp-1 FINISHED', 'exp-1 FINISHED']);
    expect(fake.metrics.filter((metric) => metric.key === 'reward/mean').map((metric) => metric.index)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('keeps points through a failed upload, says so once on the next write, and sends them later', async () => {
    const { fake, sink } = await setup();
    fake.failMetrics = 1;
    const swanlab = sink();
    const [first, second, third] = rows(1, 3);
    if (!first || !second || !third) throw new Error('fixture');
    await swanlab.write(first);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(swanlab.write(second)).rejects.toThrow(/SwanLab upload failed .*answered 503/);
    await swanlab.write(third);
    await swanlab.close();
    expect(fake.metrics.filter((metric) => metric.key === 'reward/mean').map((metric) => metric.index)).toEqual([
      1, 2, 3,
    ]);
  });

  it('fails with the variable to set when the API key is wrong or missing', async () => {
    const wrong = await setup('not-the-key');
    const swanlab = wrong.sink();
    await swanlab.write(rows(1, 1)[0] as MetricsRecord);
    await expect(swanlab.close()).rejects.toThrow(/points not uploaded \(POST .*login\/api_key answered 401/);
    const missing = () =>
      new SwanlabSink({
        apiKey: undefined,
        apiKeyEnv: 'MY_SWANLAB_KEY',
        baseUrl: 'http://127.0.0.1:9/api',
        project: 'p',
        experimentName: 'e',
        stateFile: join(wrong.dir, 'other.json'),
      });
    expect(missing).toThrow(/no API key: set \$MY_SWANLAB_KEY/);
  });

  it('never holds up a write when the server is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ajet-swanlab-'));
    const swanlab = new SwanlabSink({
      apiKey: 'k',
      apiKeyEnv: 'SWANLAB_API_KEY',
      baseUrl: 'http://127.0.0.1:9/api',
      project: 'p',
      experimentName: 'e',
      stateFile: join(dir, 'swanlab.json'),
      closeTimeoutMs: 2000,
    });
    const started = performance.now();
    for (const record of rows(1, 20)) await swanlab.write(record).catch(() => undefined);
    expect(performance.now() - started).toBeLessThan(500);
    await expect(swanlab.close()).rejects.toThrow(/points not uploaded/);
  });
});
