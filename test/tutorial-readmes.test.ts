import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

interface DocCommand {
  readme: string;
  command: string;
  /** Extra flags from the `<!-- ajet-test: … -->` comment after the block, to keep the run short. */
  testArgs: string[];
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
      for (const line of body.split('\n')) {
        if (!line.startsWith('pnpm ajet ')) continue;
        commands.push({ readme, command: line, testArgs: (match[3] ?? '').trim().split(/\s+/).filter(Boolean) });
      }
    }
    return commands;
  });
}

const commands = readmeCommands();

describe('tutorial READMEs run as written', () => {
  it('finds the commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(3);
  });

  it.each(commands.map((entry) => [entry.command, entry] as const))(
    '%s',
    async (_name, entry) => {
      const args = entry.command
        .replace(/^pnpm ajet /, '')
        .split(/\s+/)
        .filter(Boolean);
      const dir = join(mkdtempSync(join(tmpdir(), 'ajet-readme-')), 'run');
      const run = await runAjet([...args, ...entry.testArgs, '--experiment-dir', dir], { timeoutMs: 240_000 });
      expect(run.code, `${entry.readme}\n${run.stderr}`).toBe(0);
      expect(run.stderr).toMatch(/ajet: (done|training|evaluating)/);
    },
    300_000,
  );
});
