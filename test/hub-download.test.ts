import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HuggingFaceDatRepoReader } from '@ajet/readers';
import type { PluginContext, Task } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_HUB_ROOT, type FixtureHub, startFixtureHub } from './helpers/fixture-hub.ts';
import { runAjet } from './helpers/run-ajet.ts';

const TRAIN = 'main/train-00000-of-00001.parquet';
const TEST = 'main/test-00000-of-00001.parquet';
const FIXTURE = join(FIXTURE_HUB_ROOT, 'datasets/openai/gsm8k');
const hubs: FixtureHub[] = [];

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

async function hub(options: Parameters<typeof startFixtureHub>[0] = {}): Promise<FixtureHub> {
  const started = await startFixtureHub(options);
  hubs.push(started);
  return started;
}

function download(endpoint: string, path: string, extra: string[] = [], env: Record<string, string> = {}) {
  return runAjet(['download', '--target=openai/gsm8k', `--path=${path}`, ...extra], {
    env: { HF_ENDPOINT: endpoint, HF_TOKEN: '', CI: '1', ...env },
  });
}

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'ajet-hub-')), 'gsm8k');
const context: PluginContext = { configDir: '/', config: {}, load: async () => undefined as never };

async function readSplit(root: string, split: 'train' | 'validation'): Promise<Task[]> {
  const reader = new HuggingFaceDatRepoReader(
    HuggingFaceDatRepoReader.settings.parse({ dataset_path: root, config: 'main' }),
    context,
  );
  const tasks: Task[] = [];
  for await (const task of reader.readTasks(split)) tasks.push(task);
  return tasks;
}

describe('ajet download against a loopback hub', () => {
  it('fetches every page of the listing and every file, verified, into the layout huggingface_dat_repo reads', async () => {
    const server = await hub();
    const dir = freshDir();
    const run = await download(server.endpoint, dir);
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests.filter((request) => request.url.includes('/tree/main')).length).toBeGreaterThan(1);
    expect(run.stderr).toContain(`[1/3] ${TEST} 1.3 KB downloaded, sha256 ok`);
    expect(run.stderr).toMatch(new RegExp(`${TRAIN} 1\\.\\d KB downloaded, sha256 ok`));
    expect(run.stderr).toMatch(/README\.md 149 B downloaded, git-sha1 ok/);
    expect(run.stderr).toMatch(/ajet: done: openai\/gsm8k@main in .* \(3 files, .*; 3 fetched, 0 already there\)/);
    expect(run.stderr).not.toContain('\r');
    expect(readFileSync(join(dir, TRAIN))).toEqual(readFileSync(join(FIXTURE, TRAIN)));
    expect(readdirSync(join(dir, 'main')).filter((name) => name.endsWith('.part'))).toEqual([]);

    const train = await readSplit(dir, 'train');
    expect(train.map((task) => task.metadata.answer)).toEqual(['72', '10', '5', '42']);
    expect(train[0]?.mainQuery).toMatch(/^Natalia sold clips/);
    expect(await readSplit(dir, 'validation')).toHaveLength(3);

    // A second run finds everything in place and fetches no file.
    const blobsBefore = server.requests.filter((request) => request.url.startsWith('/blobs/')).length;
    const again = await download(server.endpoint, dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 fetched, 3 already there');
    expect(server.requests.filter((request) => request.url.startsWith('/blobs/')).length).toBe(blobsBefore);
  }, 180_000);

  it('resumes a dropped connection with a Range request and ends with the same bytes', async () => {
    const server = await hub({ cutAfter: { [TRAIN]: 600 } });
    const dir = freshDir();
    const run = await download(server.endpoint, dir);
    expect(run.code, run.stderr).toBe(0);
    const trainRequests = server.requests.filter((request) => request.url === `/blobs/openai/gsm8k/${TRAIN}`);
    expect(trainRequests.map((request) => request.range)).toEqual([undefined, 'bytes=600-']);
    expect(readFileSync(join(dir, TRAIN))).toEqual(readFileSync(join(FIXTURE, TRAIN)));
  });

  it('drops a connection that stops sending after --stall-timeout and resumes it with a Range request', async () => {
    const server = await hub({ stallAfter: { [TRAIN]: 600 } });
    const dir = freshDir();
    const bad = await download(server.endpoint, dir, ['--stall-timeout=soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--stall-timeout=soon is not a number of seconds above 0');
    const run = await download(server.endpoint, dir, ['--stall-timeout=0.5']);
    expect(run.code, run.stderr).toBe(0);
    const trainRequests = server.requests.filter((request) => request.url === `/blobs/openai/gsm8k/${TRAIN}`);
    expect(trainRequests.map((request) => request.range)).toEqual([undefined, 'bytes=600-']);
    expect(readFileSync(join(dir, TRAIN))).toEqual(readFileSync(join(FIXTURE, TRAIN)));
  });

  it('continues a .part an interrupted run left behind', async () => {
    const server = await hub();
    const dir = freshDir();
    mkdirSync(join(dir, 'main'), { recursive: true });
    writeFileSync(join(dir, `${TRAIN}.part`), readFileSync(join(FIXTURE, TRAIN)).subarray(0, 500));
    const run = await download(server.endpoint, dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`${TRAIN} 1\\.\\d KB resumed at 500 B, sha256 ok`));
    expect(server.requests.find((request) => request.url.endsWith(TRAIN))?.range).toBe('bytes=500-');
    expect(readFileSync(join(dir, TRAIN))).toEqual(readFileSync(join(FIXTURE, TRAIN)));
  });

  it('rejects a file whose sha256 differs from the listing, keeping neither it nor its part', async () => {
    const server = await hub({ corrupt: [TEST] });
    const dir = freshDir();
    const run = await download(server.endpoint, dir);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^ajet: error: sha256 mismatch for main\/test-00000-of-00001\.parquet from openai\/gsm8k: expected [0-9a-f]{64}, got [0-9a-f]{64}\. The corrupt file was removed: run the command again/,
    );
    expect(existsSync(join(dir, TEST))).toBe(false);
    expect(existsSync(join(dir, `${TEST}.part`))).toBe(false);
  });

  it('asks for HF_TOKEN when the hub refuses, and sends it as a bearer token', async () => {
    const server = await hub({ token: 'hf_secret' });
    const dir = freshDir();
    const refused = await download(server.endpoint, dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /ajet: error: Dataset openai\/gsm8k not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 401\)\./,
    );
    expect(refused.stderr).toContain('set HF_TOKEN');

    const wrongToken = await download(server.endpoint, dir, [], { HF_TOKEN: 'hf_wrong' });
    expect(wrongToken.stderr).toContain('HF_TOKEN is set, but that token cannot read it');

    const allowed = await download(server.endpoint, dir, [], { HF_TOKEN: 'hf_secret' });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(server.requests.at(-1)?.authorization).toBe('Bearer hf_secret');
  }, 180_000);

  it('names a missing dataset or revision in one line', async () => {
    const open = await hub();
    const missing = await runAjet(['download', '--target=openai/nope', `--path=${freshDir()}`], {
      env: { HF_ENDPOINT: open.endpoint, HF_TOKEN: '' },
    });
    expect(missing.stderr.trim()).toMatch(
      /^ajet: error: Dataset openai\/nope not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)\. Check the name as shown on its page/,
    );
    const revision = await download(open.endpoint, freshDir(), ['--revision=v9']);
    expect(revision.stderr.trim()).toMatch(/^ajet: error: Revision "v9" of dataset openai\/gsm8k not found/);
  }, 180_000);
});
