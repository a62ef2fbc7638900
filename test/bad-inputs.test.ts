import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORDING_BACKBONE } from './helpers/recording-backbone.ts';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const PLUGINS = join(REPO_ROOT, 'test/fixtures/basic/fixture-plugins.ts');

function writeConfig(yaml: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'ajet-bad-'));
  const file = join(folder, 'conf.yaml');
  writeFileSync(file, yaml);
  return file;
}

function baseYaml(overrides: { workflow?: string; judge?: string; extra?: string; model?: string } = {}): string {
  return `ajet:
${overrides.model ? `  model:\n${overrides.model}` : `  backbone: ${RECORDING_BACKBONE}`}
  task_reader:
    type: ${PLUGINS}->CountingReader
    settings:
      count: 2
  rollout:
    user_workflow: ${overrides.workflow ?? `${PLUGINS}->TwoTurnWorkflow`}
    num_repeat: 2
  task_judge:
    judge_protocol: ${overrides.judge ?? `${PLUGINS}->PatternJudge`}
  data:
    train_batch_size: 2
${overrides.extra ?? ''}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Case {
  name: string;
  yaml: () => Promise<string> | string;
  args?: string[];
  /** Fatal cases: exit code and the first line. */
  exitCode: number;
  firstLine: RegExp;
}

const fatalCases: Case[] = [
  {
    name: 'malformed YAML',
    yaml: () => 'ajet:\n  rollout:\n    num_repeat: [1, 2\n',
    exitCode: 2,
    firstLine: /conf\.yaml:\d+:\d+: malformed YAML: .*Fix the YAML syntax/,
  },
  {
    name: 'unknown key with a suggestion',
    yaml: () => baseYaml({ extra: '  trainer_common:\n    totl_epochs: 2\n' }),
    exitCode: 2,
    firstLine:
      /conf\.yaml:\d+: ajet\.trainer_common\.totl_epochs: unknown key `totl_epochs` Did you mean `total_epochs`\?/,
  },
  {
    name: 'wrong type',
    yaml: () => baseYaml({ extra: '  trainer_common:\n    total_epochs: two\n' }),
    exitCode: 2,
    firstLine: /conf\.yaml:\d+: ajet\.trainer_common\.total_epochs: expected number, got "two"/,
  },
  {
    name: 'wrong type from a --set flag',
    yaml: () => baseYaml(),
    args: ['--set', 'rollout.num_repeat=many'],
    exitCode: 2,
    firstLine: /--set rollout\.num_repeat=many: ajet\.rollout\.num_repeat: expected number, got "many"/,
  },
  {
    name: 'a --seed that is not a number, typed by the schema',
    yaml: () => baseYaml(),
    args: ['--seed', 'abc'],
    exitCode: 2,
    firstLine: /--seed: ajet\.seed: expected number, got "abc"/,
  },
  {
    name: '__proto__ from a --set flag',
    yaml: () => baseYaml(),
    args: ['--set', '__proto__.polluted=1'],
    exitCode: 2,
    firstLine: /--set __proto__\.polluted=1: ajet\.__proto__: the key `__proto__` is not allowed/,
  },
  {
    name: 'a YAML alias bomb',
    yaml: () =>
      `${baseYaml()}  bomb:\n${['a', 'b', 'c', 'd', 'e', 'f']
        .map((name, index, names) => {
          const items = index === 0 ? 'x' : `*${names[index - 1]}`;
          return `    ${name}: &${name} [${Array(9).fill(items).join(', ')}]`;
        })
        .join('\n')}\n`,
    exitCode: 2,
    firstLine: /conf\.yaml:\d+: YAML aliases expand to too many nodes/,
  },
  {
    name: 'missing config file',
    yaml: () => '',
    args: ['--conf', '/nonexistent/ajet.yaml'],
    exitCode: 2,
    firstLine: /config file not found: \/nonexistent\/ajet\.yaml/,
  },
  {
    name: 'bad module string',
    yaml: () => baseYaml({ workflow: './no_such_file.ts->Agent' }),
    exitCode: 1,
    firstLine: /No module file for workflow ".*no_such_file\.ts->Agent".*Check ajet\.rollout\.user_workflow/,
  },
  {
    name: 'missing export lists what the module exports',
    yaml: () => baseYaml({ judge: `${PLUGINS}->NoSuchJudge` }),
    exitCode: 1,
    firstLine: /No export "NoSuchJudge" in .*fixture-plugins\.ts \(it exports: CountingReader, .*PatternJudge.*\)/,
  },
  {
    name: 'unknown built-in',
    yaml: () => baseYaml({ judge: 'no_such_judge' }),
    exitCode: 1,
    firstLine: /No built-in judge named "no_such_judge"/,
  },
  {
    name: 'unknown backbone from --backbone, with the nearest name',
    yaml: () => baseYaml(),
    args: ['--backbone', 'grcp'],
    exitCode: 1,
    firstLine:
      /^ajet: error: No built-in backbone named "grcp" \(built-ins: debug, grpc[^)]*\)\. Did you mean "grpc"\?.*Check ajet\.backbone\.$/,
  },
  {
    name: 'unknown backbone in the YAML, before any plugin is built',
    yaml: () => baseYaml({ model: '    path: builtin:tinylm-calculator', extra: '  backbone: debgu\n' }),
    exitCode: 1,
    firstLine: /No built-in backbone named "debgu" \(built-ins: debug, grpc[^)]*\)\. Did you mean "debug"\?/,
  },
  {
    name: 'unreachable endpoint',
    yaml: async () =>
      baseYaml({
        model: `    path: some-model\n    endpoint:\n      base_url: http://127.0.0.1:${await freePort()}/v1`,
      }),
    exitCode: 1,
    firstLine: /Cannot reach the OpenAI-compatible endpoint: .*\(http:\/\/127\.0\.0\.1:\d+\/v1\) Start the server/,
  },
];

describe('bad inputs give one clear line', () => {
  it.each(fatalCases)('$name', async (testCase) => {
    const file = writeConfig(await testCase.yaml());
    const dir = mkdtempSync(join(tmpdir(), 'ajet-bad-run-'));
    const args = testCase.args?.includes('--conf')
      ? [...testCase.args, '--experiment-dir', dir]
      : ['--conf', file, '--experiment-dir', dir, ...(testCase.args ?? [])];
    const run = await runAjet(args);
    const firstLine = run.stderr.split('\n')[0] ?? '';
    expect(firstLine).toMatch(/^ajet: error: /);
    expect(firstLine).toMatch(testCase.firstLine);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(testCase.exitCode);
  });

  it('a workflow that throws is a counted episode failure, and the run finishes', async () => {
    // Task 2's group has rewards that differ, so the run trains past task 0's failures.
    const file = writeConfig(
      baseYaml({ workflow: `${PLUGINS}->SometimesThrowingWorkflow` })
        .replace('count: 2', 'count: 3')
        .replace('train_batch_size: 2', 'train_batch_size: 3'),
    );
    const run = await runAjet(['--conf', file, '--experiment-dir', mkdtempSync(join(tmpdir(), 'ajet-wf-'))]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/episode Ttrain-0#R0 failed \(workflow\): workflow exploded on purpose/);
    expect(run.stderr).toMatch(/failed 2\/6/);
    expect(run.stderr).not.toMatch(/trained nothing/);
  });

  it('a judge that throws is a counted episode failure; when it fails every episode the run ends with exit 1', async () => {
    const file = writeConfig(baseYaml({ judge: `${PLUGINS}->ThrowingJudge` }));
    const run = await runAjet(['--conf', file, '--experiment-dir', mkdtempSync(join(tmpdir(), 'ajet-judge-'))]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/failed \(judge\): judge exploded on purpose/);
    expect(run.stderr).toMatch(/failed 4\/4/);
    expect(run.stderr).toMatch(
      /ajet: error: The run trained nothing: no step of 1 trained a sample; 4 of 4 episodes failed \(judge 4\)/,
    );
  });

  it('rollout.on_error: fail stops the run with a line naming the episode', async () => {
    const file = writeConfig(
      baseYaml({ workflow: `${PLUGINS}->SometimesThrowingWorkflow` }).replace(
        'num_repeat: 2',
        'num_repeat: 2\n    on_error: fail',
      ),
    );
    const run = await runAjet(['--conf', file, '--experiment-dir', mkdtempSync(join(tmpdir(), 'ajet-fail-'))]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ajet: error: Episode Ttrain-0#R\d failed \(workflow\): workflow exploded on purpose/);
  });
});
