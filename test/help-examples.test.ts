import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinNames } from '@ajet/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureHub, startFixtureHub } from './helpers/fixture-hub.ts';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const AJET_BIN = fileURLToPath(new URL('../packages/cli/bin/ajet.js', import.meta.url));

/** The lines under `Example:` / `Examples …:` in a help text, up to the next blank line. */
function helpExamples(help: string): string[] {
  const examples: string[] = [];
  let inside = false;
  for (const line of help.split('\n')) {
    if (/^Examples?\b.*:$/.test(line)) inside = true;
    else if (line.trim() === '') inside = false;
    else if (inside && line.trim().startsWith('ajet ')) examples.push(line.trim());
  }
  return examples;
}

/** The `ajet …` lines of README.md's "Other commands" list (in the Commands section). */
function readmeExamples(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = /## Commands\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const others = section.split('Other commands:')[1] ?? '';
  return others
    .split('\n')
    .filter((line) => /^ {4}ajet /.test(line))
    .map((line) => line.trim());
}

/**
 * What a run of an example needs beyond the line as typed: flags appended to keep a training run to one small
 * step, or `serves` for a command that runs until stopped (started, checked, then sent SIGTERM). Keys are the
 * start of an example; an example without an entry runs exactly as written.
 */
// Two episodes of one task often score alike, so the one short step may train nothing: that ends a run with
// NOTHING_TRAINED (exit 1) unless told otherwise. The examples' real runs train.
const shortRun =
  '--set trainer_common.total_training_steps=1 --set data.train_batch_size=1 --set rollout.num_repeat=2 ' +
  '--set trainer_common.val_before_train=false --set trainer_common.test_freq=0 ' +
  '--set trainer_common.fail_if_nothing_trained=false';
const howToRun: Array<{
  prefix: string;
  append?: string;
  replace?: [string, string];
  serves?: RegExp;
  stdout?: RegExp;
}> = [
  { prefix: "ajet tool calculator --input $'<calculator>", stdout: /^3\n$/ },
  { prefix: "ajet tool calculator --input '(79 * 3)'", stdout: /^237\n$/ },
  { prefix: "ajet tool './my_tools.ts->WeatherTool'", stdout: /^Sunny in Paris\n$/ },
  {
    prefix: 'ajet judge math_answer --cases cases.jsonl --settings',
    stdout: /"isSuccess":true[^\n]*\n[^\n]*"isSuccess":true/,
  },
  { prefix: 'ajet --conf tutorial/example_calculator_agent/calculator_agent.yaml', append: shortRun },
  // A fixed port would collide with other test runs on this machine; port 0 picks a free one.
  { prefix: 'ajet serve ', replace: ['--port 50051', '--port 0'], serves: /ajet serve: \S+ on \S+/ },
  { prefix: 'ajet logview saved_experiments/calculator_agent', serves: /ajet: logview at/ },
];

/** The folder the examples run in: the tutorials, and the files the examples name (cases.jsonl, my.yaml, …). */
function exampleFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'ajet-help-examples-'));
  symlinkSync(join(REPO_ROOT, 'tutorial'), join(folder, 'tutorial'));
  writeFileSync(
    join(folder, 'cases.jsonl'),
    '{"prediction": "\\\\boxed{72}", "reference": "#### 72"}\n{"prediction": "The answer is 71.95", "reference": "72"}\n',
  );
  writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
  // A tool needs only a name, a description, parameters with safeParse, and execute.
  writeFileSync(
    join(folder, 'my_tools.ts'),
    `export class WeatherTool {
  name = 'weather';
  description = 'The weather in a city.';
  parameters = { safeParse: (value: unknown) => ({ success: true as const, data: value as { city: string } }) };
  async execute(args: { city: string }): Promise<string> {
    return \`Sunny in \${args.city}\`;
  }
}
`,
  );
  mkdirSync(join(folder, 'my_data'));
  const lines = (file: string, count: number) =>
    readFileSync(join(REPO_ROOT, 'tutorial/example_calculator_agent/data', file), 'utf8')
      .split('\n')
      .slice(0, count)
      .join('\n');
  writeFileSync(join(folder, 'my_data/train.jsonl'), `${lines('train.jsonl', 5)}\n`);
  writeFileSync(join(folder, 'my_data/validation.jsonl'), `${lines('validation.jsonl', 2)}\n`);
  writeFileSync(
    join(folder, 'my.yaml'),
    `extends: ./tutorial/example_calculator_agent/calculator_agent.yaml
ajet:
  experiment_name: my_run
  task_reader:
    dataset_file:
      training: { file_path: ./my_data/train.jsonl }
      validation: { file_path: ./my_data/validation.jsonl }
    extra_validation: [] # not the tutorial's 174 held-out questions: an example must run in 150 s
  rollout: { num_repeat: 2 }
  data: { train_batch_size: 1 }
  trainer_common: { val_before_train: false, test_freq: 0 }
`,
  );
  return folder;
}

/** Runs `line` in bash with `ajet` as the real binary, as a user types it; `serves` waits for a line, then stops it. */
function runLine(options: {
  line: string;
  cwd: string;
  env: Record<string, string>;
  serves?: RegExp;
}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `ajet() { exec ${JSON.stringify(process.execPath)} ${JSON.stringify(AJET_BIN)} "$@"; }\n${options.line}\n`;
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('bash', ['-c', script], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.serves?.test(stderr) && !stopped) {
        stopped = true;
        // logview prints its address just before it installs its SIGTERM handler; give it a moment.
        setTimeout(() => child.kill('SIGTERM'), 500);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('every example in --help and README.md Commands runs as typed', () => {
  let hub: FixtureHub;
  let folder: string;
  const examples: Array<{ source: string; line: string }> = [];

  beforeAll(async () => {
    hub = await startFixtureHub();
    folder = exampleFolder();
    for (const command of [[], ['tool'], ['judge'], ['logview'], ['serve'], ['download']]) {
      const help = await runAjet([...command, '--help']);
      expect(help.code, help.stderr).toBe(0);
      const source = ['ajet', ...command, '--help'].join(' ');
      for (const line of helpExamples(help.stdout)) examples.push({ source, line });
    }
    for (const line of readmeExamples()) examples.push({ source: 'README.md Commands', line });
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('finds the examples, from every help text that has some and from the README', () => {
    const sources = new Set(examples.map((example) => example.source));
    expect([...sources].sort()).toEqual(
      ['ajet --help', 'ajet tool --help', 'ajet judge --help', 'ajet logview --help', 'README.md Commands'].sort(),
    );
    expect(examples.length).toBeGreaterThanOrEqual(12);
  });

  it('runs each one: exit 0, and no error printed', async () => {
    const failures: string[] = [];
    for (const { source, line } of examples) {
      const how = howToRun.find((entry) => line.startsWith(entry.prefix));
      let typed = line.replace(/\s+#\s.*$/, '');
      if (how?.replace) typed = typed.replace(...how.replace);
      if (how?.append) typed = `${typed} ${how.append}`;
      const run = await runLine({
        line: typed,
        cwd: folder,
        env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: '', CI: '1' },
        serves: how?.serves,
      });
      const printedError = /^Error\b|ajet: error|Unrecognized key/m.exec(`${run.stdout}\n${run.stderr}`);
      const wrongOutput = how?.stdout !== undefined && !how.stdout.test(run.stdout);
      if (run.code !== 0 || printedError || wrongOutput) {
        failures.push(`${source}: ${line}\n  exit ${run.code}\n  ${(run.stdout + run.stderr).trim().slice(-600)}`);
      }
    }
    expect(failures.join('\n\n')).toBe('');
    expect(existsSync(join(folder, 'saved_experiments/calculator_agent/report.html'))).toBe(true);
  }, 600_000);
});

describe('configs/ajet_default.yaml', () => {
  it('lists exactly the built-in reader types in task_reader.type', () => {
    const text = readFileSync(join(REPO_ROOT, 'configs/ajet_default.yaml'), 'utf8');
    const comment = /^ {4}type: \S+ # (.*)$/m.exec(text)?.[1] ?? '';
    const listed = (/^(.*?),? or "module->Class"/.exec(comment)?.[1] ?? '').split(/,\s*/).filter(Boolean);
    const readers = builtinNames('task_reader');
    expect(listed.sort()).toEqual(readers.sort());
  });
});
