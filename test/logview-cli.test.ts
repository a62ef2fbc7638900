import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

function experimentFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ajet-logview-cli-'));
  mkdirSync(join(dir, 'trajectories'));
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    `${JSON.stringify({ step: 1, phase: 'train', time: 1, metrics: { 'reward/mean': 0.5, 'reward/std': 0.1 } })}\n`,
  );
  writeFileSync(
    join(dir, 'trajectories', 'step-1.jsonl'),
    `${JSON.stringify({ step: 1, episodeId: 'e', reward: 0.5, isSuccess: true, messages: [], sequences: [] })}\n`,
  );
  return dir;
}

describe('ajet logview', () => {
  it('refuses a folder that is not an experiment in one line naming it, with a hint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ajet-logview-cli-'));
    const run = await runAjet(['logview', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `ajet: error: ${dir} is not an experiment folder (no metrics.jsonl). Pass the folder a training run printed after "writing to", e.g. saved_experiments/<experiment_name>.\n`,
    );
    const missing = await runAjet(['logview', join(dir, 'nope'), '--static']);
    expect(missing.stderr).toMatch(/nope is not an experiment folder \(no such folder\)/);
    const none = await runAjet(['logview']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing the experiment folder/);
  });

  it('--static writes one report.html with the data embedded and prints its path', async () => {
    const dir = experimentFolder();
    const run = await runAjet(['logview', dir, '--static']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${join(dir, 'report.html')}\n`);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<script type="application/json" id="ajet-data">');
    expect(html).toContain('"episodeId":"e"');
    const out = join(dir, 'elsewhere.html');
    expect((await runAjet(['logview', dir, '--static', '--out', out])).code).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  it('serves the page and its data until stopped', async () => {
    const dir = experimentFolder();
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'packages/cli/bin/ajet.js'), 'logview', dir, '--port', '0'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /ajet: logview at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('close', () => reject(new Error(stderr)));
    });
    const page = await fetch(url);
    expect(await page.text()).toContain('data-mode="live"');
    const index = (await (await fetch(`${url}api/experiment`)).json()) as { trajectories: { name: string }[] };
    expect(index.trajectories.map((file) => file.name)).toEqual(['step-1']);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
