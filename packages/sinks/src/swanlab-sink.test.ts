import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { SwanlabSink } from './swanlab-sink.ts';
import { LoopbackSwanlab } from './test/loopback-swanlab.ts';

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

const servers: LoopbackSwanlab[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function setup(apiKey = 'key-123') {
  const fake = new LoopbackSwanlab({ apiKey: 'key-123' });
  servers.push(fake);
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
    expect(fake.columns).toEqual([
      { class: 'CUSTOM', type: 'FLOAT', key: 'reward/mean' },
      { class: 'CUSTOM', type: 'FLOAT', key: 'success_rate' },
    ]);
    expect(fake.batches.length).toBeGreaterThan(0);
    for (const batch of fake.batches) {
      expect(batch).toEqual({
        projectId: 'project-ajet-test',
        experimentId: 'exp-1',
        flagId: 'flag-exp-1',
        flagHeader: 'flag-exp-1',
      });
    }
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
