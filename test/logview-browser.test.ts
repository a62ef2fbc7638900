import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

// Debian's chromium (.ci/run installs it); playwright-core drives it and downloads no browser of its own.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
// Skipped only on a developer's machine without chromium; in CI (.ci/run installs it) a missing one fails.
const skip = !hasChromium && !process.env.CI;
if (skip) console.warn(`logview browser test skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium)`);

const AJET_BIN = join(REPO_ROOT, 'packages/cli/bin/ajet.js');
const STEPS = 3;
const RUN_ARGS = [
  '--conf',
  'tutorial/example_calculator_agent/calculator_agent.yaml',
  '--backbone',
  'debug',
  '--set',
  `trainer_common.total_training_steps=${STEPS}`,
  '--set',
  'data.train_batch_size=4',
  '--set',
  'rollout.num_repeat=4',
  '--set',
  'trainer_common.val_before_train=true',
  '--set',
  `trainer_common.test_freq=${STEPS}`,
  '--set',
  'debug.debug_first_n_tasks=12',
];

interface EpisodeLine {
  episodeId: string;
  isSuccess: boolean;
  trained: boolean;
  error?: unknown;
  messages: { role: string; toolCalls?: unknown[] }[];
  sequences: { lossMask: number[] }[];
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

const pointCount = async (page: Page, chart: string) =>
  Number(await page.getAttribute(`[data-chart="${chart}"]`, 'data-point-count'));

describe.skipIf(skip)('logview in a real browser', () => {
  const root = mkdtempSync(join(tmpdir(), 'ajet-logview-browser-'));
  const experimentDir = join(root, 'run');
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('follows a --with-logview run live: the reward chart gains points while the page stays open', async () => {
    const child = spawn(
      process.execPath,
      [AJET_BIN, ...RUN_ARGS, '--experiment-dir', experimentDir, '--with-logview'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /ajet: logview at (http:\/\/\S+)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('close', () => reject(new Error(`the run ended before printing the logview address:\n${stderr}`)));
    });
    const page = await browser.newPage();
    const seen = new Set<number>();
    try {
      await page.goto(`${url}?poll=200`);
      await page.waitForSelector('body[data-ready="1"]');
      while (child.exitCode === null) {
        seen.add(await pointCount(page, 'reward'));
        await page.waitForTimeout(100);
      }
    } catch (error) {
      // The server closes with the run; a read that raced it is not a failure of the page.
      if (child.exitCode === null) throw error;
    } finally {
      await page.close();
    }
    expect(await exited, stderr).toBe(0);
    expect(stderr).toContain(`ajet: report written to ${join(experimentDir, 'report.html')}`);
    console.log(`logview live page showed reward-chart point counts: ${[...seen].join(', ')}`);
    // It updated without a reload: more than one step count was on screen, none beyond the run's steps.
    expect(seen.size, `point counts seen: ${[...seen].join(',')}`).toBeGreaterThan(1);
    expect(Math.max(...seen)).toBeLessThanOrEqual(STEPS);
  }, 240_000);

  it('the static report: one point per step, and as many blue tokens as the trajectory file has trained tokens', async () => {
    if (!existsSync(join(experimentDir, 'metrics.jsonl'))) {
      const run = await runAjet([...RUN_ARGS, '--experiment-dir', experimentDir], { timeoutMs: 240_000 });
      expect(run.code, run.stderr).toBe(0);
    }
    const written = await runAjet(['logview', experimentDir, '--static']);
    expect(written.code, written.stderr).toBe(0);
    const reportFile = written.stdout.trim();
    expect(reportFile).toBe(join(experimentDir, 'report.html'));

    const trainRows = readJsonl<{ phase: string }>(join(experimentDir, 'metrics.jsonl')).filter(
      (row) => row.phase === 'train',
    );
    expect(trainRows).toHaveLength(STEPS);
    const stepFile = `step-${STEPS}`;
    const episodes = readJsonl<EpisodeLine>(join(experimentDir, 'trajectories', `${stepFile}.jsonl`));
    const chosen = episodes.find((episode) => episode.trained) ?? episodes[0];
    if (!chosen) throw new Error(`no episodes in ${stepFile}.jsonl`);
    const trainedInFile = chosen.sequences.flatMap((sequence) => sequence.lossMask).filter((mask) => mask === 1).length;
    expect(trainedInFile).toBeGreaterThan(0);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`file://${reportFile}`);
    await page.waitForSelector('body[data-ready="1"]');

    expect(await pointCount(page, 'reward')).toBe(trainRows.length);
    expect(await pointCount(page, 'tokens')).toBe(trainRows.length);
    expect(await page.locator('[data-chart="reward"] canvas').count()).toBe(1);

    await page.selectOption('[data-step-picker]', stepFile);
    await page.waitForSelector(`[data-episode-list][data-episodes-for="${stepFile}"]`);
    expect(await page.locator('details.episode').count()).toBe(episodes.length);
    const card = page.locator(`details.episode[data-episode-id="${chosen.episodeId}"]`);
    await card.locator('summary strong').click();
    // The token view is built on the details element's toggle event, just after the click.
    await card.locator('.episode-body').waitFor();
    const blue = await card.locator('[data-token-trained="1"]').count();
    expect(blue).toBe(trainedInFile);
    const usedTool = chosen.messages.some((message) => (message.toolCalls?.length ?? 0) > 0);
    if (usedTool) expect(await card.locator('[data-token-kind="tool"]').count()).toBeGreaterThan(0);

    await card.locator('summary .meta').hover();
    await expect(card.locator('[data-judge-details]').isVisible()).resolves.toBe(true);
    expect(await card.locator('[data-judge-details]').textContent()).toMatch(/reason/);

    const screenshot = join(root, 'logview-report.png');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`logview screenshot: ${screenshot}`);

    await page.selectOption('[data-episode-filter]', 'failed');
    const failedInFile = episodes.filter((episode) => !episode.isSuccess || episode.error).length;
    await expect.poll(() => page.locator('details.episode').count()).toBe(failedInFile);

    expect(pageErrors).toEqual([]);
    expect(requests.filter((address) => !address.startsWith('file://'))).toEqual([]);
    await page.close();
  }, 240_000);
});
