// runJob's own backbone option, which benchmarks and tests use to wrap or script a backbone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtins } from '@ajet/cli';
import { loadConfig, runJob } from '@ajet/core';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-ajet.ts';

describe('runJob({ createBackbone })', () => {
  it('trains on the backbone it is given, without resolving the one ajet.backbone names', async () => {
    const backbone = new RecordingBackbone();
    const loaded = loadConfig({
      file: join(REPO_ROOT, 'test/fixtures/basic/basic.yaml'),
      sets: ['backbone=not_registered', 'trainer_common.logger=[jsonl]'],
    });
    const contexts: unknown[] = [];
    const result = await runJob({
      loaded,
      mode: 'train',
      experimentDir: join(mkdtempSync(join(tmpdir(), 'ajet-run-job-')), 'run'),
      builtins,
      cwd: REPO_ROOT,
      createBackbone: async (_config, context) => {
        contexts.push(context);
        return { backbone, description: 'given', inProcess: true };
      },
    });
    expect(result.mode).toBe('train');
    expect(backbone.sampleCalls.length).toBeGreaterThan(0);
    expect(backbone.optimStepCalls.length).toBeGreaterThan(0);
    expect(contexts).toEqual([expect.objectContaining({ modelPath: loaded.config.model.path, cwd: REPO_ROOT })]);
  });

  it('without it, an unregistered ajet.backbone fails before any plugin is built', async () => {
    const loaded = loadConfig({
      file: join(REPO_ROOT, 'test/fixtures/basic/basic.yaml'),
      sets: ['backbone=not_registered'],
    });
    await expect(
      runJob({
        loaded,
        mode: 'train',
        experimentDir: join(mkdtempSync(join(tmpdir(), 'ajet-run-job-')), 'run'),
        builtins,
        cwd: REPO_ROOT,
      }),
    ).rejects.toThrow(/No built-in backbone named "not_registered" \(built-ins: debug, grpc[^)]*\)/);
  });
});
