import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureHub, startFixtureHub } from './helpers/fixture-hub.ts';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';
import { type ScriptedChatServer, startScriptedChatServer } from './helpers/scripted-chat-server.ts';

interface DocCommand {
  readme: string;
  command: string;
  /**
   * Extra flags from the `<!-- ajet-test: … -->` comment after the block, to keep the run short. `{endpoint}` is
   * a loopback OpenAI-compatible server playing a scripted model, `{tmp}` a folder shared by one README's commands;
   * `<!-- ajet-test: skip REASON -->` lists the command as skipped, with its reason. `expect-trained` (not a
   * flag) makes the test also check that the run earned reward and trained samples, so a tutorial whose judge
   * scores every episode 0 fails.
   */
  testArgs: string[];
  skip?: string;
  expectTrained: boolean;
}

/** Sums of the train steps' mean reward and trained groups in `metrics.jsonl`. */
function trainingTotals(experimentDir: string): { reward: number; trainedGroups: number; steps: number } {
  const totals = { reward: 0, trainedGroups: 0, steps: 0 };
  for (const line of readFileSync(join(experimentDir, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { phase?: string; metrics?: Record<string, number> };
    if (record.phase !== 'train') continue;
    totals.steps += 1;
    totals.reward += record.metrics?.['reward/mean'] ?? 0;
    totals.trainedGroups += record.metrics?.['groups/trained'] ?? 0;
  }
  return totals;
}

/** Every `pnpm ajet …` line of every bash block in the tutorial READMEs. */
function readmeCommands(): DocCommand[] {
  const folder = join(REPO_ROOT, 'tutorial');
  const readmes = readdirSync(folder)
    .map((name) => join(folder, name, 'README.md'))
    .filter((file) => existsSync(file));
  return readmes.flatMap((readme) => {
    const text = readFileSync(readme, 'utf8');
    const commands: DocCommand[] = [];
    for (const match of text.matchAll(/```bash\n([\s\S]*?)```(\s*<!-- ajet-test: ([^>]*)-->)?/g)) {
      const body = (match[1] ?? '').replace(/\\\n\s*/g, '');
      const comment = (match[3] ?? '').trim();
      const skip = /^skip\b\s*(.*)$/.exec(comment)?.[1];
      const words = comment.split(/\s+/).filter(Boolean);
      for (const line of body.split('\n')) {
        if (!line.startsWith('pnpm ajet ')) continue;
        commands.push({
          readme,
          command: line,
          testArgs: skip === undefined ? words.filter((word) => word !== 'expect-trained') : [],
          skip: skip === undefined ? undefined : skip || 'no reason given',
          expectTrained: skip === undefined && words.includes('expect-trained'),
        });
      }
    }
    return commands;
  });
}

const commands = readmeCommands();
const folders = new Map<string, string>();
let hub: FixtureHub;
let model: ScriptedChatServer;

beforeAll(async () => {
  hub = await startFixtureHub();
  model = await startScriptedChatServer();
});
afterAll(async () => {
  await hub?.close();
  await model?.close();
});

describe('tutorial READMEs run as written', () => {
  it('finds the commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(3);
  });

  for (const entry of commands) {
    const name = entry.skip ? `${entry.command} (skipped: ${entry.skip})` : entry.command;
    (entry.skip ? it.skip : it)(
      name,
      async () => {
        const tmp = folders.get(entry.readme) ?? mkdtempSync(join(tmpdir(), 'ajet-readme-data-'));
        folders.set(entry.readme, tmp);
        const fill = (arg: string) => arg.replaceAll('{endpoint}', () => model.baseUrl).replaceAll('{tmp}', () => tmp);
        const args = entry.command
          .replace(/^pnpm ajet /, '')
          .split(/\s+/)
          .filter(Boolean);
        const dir = join(mkdtempSync(join(tmpdir(), 'ajet-readme-')), 'run');
        const runArgs = args[0] === 'download' ? [] : ['--experiment-dir', dir];
        const run = await runAjet([...args, ...entry.testArgs.map(fill), ...runArgs], {
          timeoutMs: 240_000,
          env: {
            HF_ENDPOINT: hub.endpoint,
            HF_TOKEN: '',
            OPENAI_BASE_URL: model.baseUrl,
            AJET_JUDGE_MODEL: 'scripted-judge',
            CI: '1',
          },
        });
        expect(run.code, `${entry.readme}\n${run.stderr}`).toBe(0);
        expect(run.stderr).toMatch(/ajet: (done|training|evaluating)/);
        if (entry.expectTrained) {
          const totals = trainingTotals(dir);
          expect(totals.steps, `${entry.readme}: train steps in metrics.jsonl`).toBeGreaterThan(0);
          expect(totals.reward, `${entry.readme}: reward over the run`).toBeGreaterThan(0);
          expect(totals.trainedGroups, `${entry.readme}: groups trained over the run`).toBeGreaterThan(0);
        }
      },
      300_000,
    );
  }
});
