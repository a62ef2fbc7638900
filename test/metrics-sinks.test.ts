import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScalars } from '@ajet/sinks';
import { LoopbackSwanlab } from '@ajet/sinks/test';
import type { MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { runAjet } from './helpers/run-ajet.ts';

const CONF = 'test/fixtures/basic/basic.yaml';

function readMetrics(dir: string): MetricsRecord[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as MetricsRecord);
}

describe('metrics sinks chosen by trainer_common.logger', () => {
  it('writes TensorBoard events holding exactly the scalars of metrics.jsonl, and a validation table', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-sinks-')), 'run');
    const run = await runAjet([
      '--conf',
      CONF,
      '--experiment-dir',
      dir,
      '--set',
      'trainer_common.logger=[console,jsonl,tensorboard]',
      '--set',
      'trainer_common.test_freq=1',
    ]);
    expect(run.stderr).not.toMatch(/warning/);
    expect(run.code).toBe(0);
    const expected = readMetrics(dir).flatMap((record) =>
      Object.entries(record.metrics).map(([tag, value]) => ({ tag, step: record.step, value: Math.fround(value) })),
    );
    expect(expected.some((point) => point.tag === 'val/greedy/pass@1')).toBe(true);
    expect(expected.some((point) => point.tag === 'val/sampled/pass@k')).toBe(true);
    const scalars = (await readScalars(join(dir, 'tensorboard'))).map(({ tag, step, value }) => ({ tag, step, value }));
    expect(scalars).toEqual(expected);
    // The table after the second validation has a row per validation so far.
    expect(run.stderr).toMatch(/ {2}step {2}greedy pass@1 {2}sampled pass@1 {2}sampled pass@2 {2}failed\n +1 .*\n +2 /);
  });

  it('uploads every finite scalar of metrics.jsonl to a (loopback) SwanLab named by base_url', async () => {
    const swanlab = new LoopbackSwanlab({ apiKey: 'test-key' });
    const baseUrl = await swanlab.listen();
    try {
      const dir = join(mkdtempSync(join(tmpdir(), 'ajet-sinks-')), 'run');
      const run = await runAjet(
        [
          '--conf',
          CONF,
          '--experiment-dir',
          dir,
          '--set',
          'trainer_common.logger=[console,jsonl,swanlab]',
          '--set',
          `trainer_common.swanlab.base_url=${baseUrl}`,
          '--set',
          'trainer_common.swanlab.project=ajet-e2e',
        ],
        { env: { SWANLAB_API_KEY: 'test-key' } },
      );
      expect(run.stderr).not.toMatch(/warning/);
      expect(run.code).toBe(0);
      const expected = readMetrics(dir).flatMap((record) =>
        Object.entries(record.metrics)
          .filter(([, value]) => Number.isFinite(value))
          .map(([key, value]) => `${key}@${record.step}=${value}`),
      );
      const uploaded = swanlab.metrics.map((metric) => `${metric.key}@${metric.index}=${metric.data}`);
      expect(uploaded.sort()).toEqual(expected.sort());
      expect(swanlab.experiments).toEqual(new Map([['exp-1', 'basic']]));
      expect(swanlab.states).toEqual(['exp-1 FINISHED']);
    } finally {
      await swanlab.close();
    }
  });

  it('warns once per failing sink and trains to the end (disk error, unreachable server)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-sinks-')), 'run');
    mkdirSync(dir, { recursive: true });
    // A file where the tensorboard folder should go: every write fails like a disk error.
    writeFileSync(join(dir, 'tensorboard'), 'in the way');
    const run = await runAjet(
      [
        '--conf',
        CONF,
        '--experiment-dir',
        dir,
        '--set',
        'trainer_common.logger=[console,jsonl,tensorboard,swanlab]',
        '--set',
        'trainer_common.swanlab.base_url=http://127.0.0.1:9/api',
      ],
      { env: { SWANLAB_API_KEY: 'test-key' } },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('step 2/2');
    expect(run.stderr.match(/metrics sink "tensorboard" failed/g)).toHaveLength(1);
    expect(run.stderr.match(/metrics sink "swanlab" failed/g)).toHaveLength(1);
    expect(readMetrics(dir).map((record) => record.step)).toEqual([1, 2]);
  });

  it('names the key and suggests the nearest name for an unknown logger', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-sinks-')), 'run');
    const run = await runAjet([
      '--conf',
      CONF,
      '--experiment-dir',
      dir,
      '--set',
      'trainer_common.logger=[console,tensorbord]',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr.split('\n')[0]).toBe(
      'ajet: error: No built-in metrics_sink named "tensorbord" (built-ins: console, jsonl, tensorboard, swanlab). Did you mean "tensorboard"? Use a built-in name or a "module->Export" string such as "./my_metrics_sink.ts->create". Check ajet.trainer_common.logger.',
    );
  });

  it('prints no step lines without the console logger', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-sinks-')), 'run');
    const run = await runAjet(['--conf', CONF, '--experiment-dir', dir, '--set', 'trainer_common.logger=[jsonl]']);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('step 1/2');
    expect(readMetrics(dir)).toHaveLength(2);
  });
});
