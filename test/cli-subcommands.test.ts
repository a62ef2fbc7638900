import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAjet } from './helpers/run-ajet.ts';

const hasBwrap = spawnSync('bwrap', ['--version']).status === 0 && existsSync('/usr/bin/python3');

describe('ajet tool', () => {
  it('runs the calculator on the model’s tag form and on a plain expression', async () => {
    const tagged = await runAjet([
      'tool',
      'calculator',
      '--input',
      '<calculator>\noperation: multiply\noperands:\n  - 79\n  - 3\n</calculator>',
    ]);
    expect(tagged.stdout).toBe('237\n');
    expect(tagged.code).toBe(0);
    const folder = mkdtempSync(join(tmpdir(), 'ajet-tool-'));
    writeFileSync(join(folder, 'call.txt'), '(1 / 0)');
    const fromFile = await runAjet(['tool', 'calculator', '--input-file', join(folder, 'call.txt')]);
    expect(fromFile.stdout).toBe('Error: division by zero\n');
  });

  it.skipIf(!hasBwrap)('runs execute_python_code from --code-file, prints its result and exits', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-tool-'));
    writeFileSync(join(folder, 'f.py'), 'print(6 * 7)\n');
    const started = Date.now();
    const run = await runAjet(['tool', 'execute_python_code', '--code-file', join(folder, 'f.py')], {
      timeoutMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ stdout: '42\n', stderr: '', returncode: 0 });
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it('names the known tools when the name is unknown', async () => {
    const run = await runAjet(['tool', 'nosuch', '--input', 'x']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(
      /ajet: error: No built-in tool named "nosuch" \(built-ins: calculator, execute_python_code\)/,
    );
  });
});

describe('ajet judge', () => {
  it('prints one verdict line per case, and names the line of a bad case', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-judge-'));
    writeFileSync(
      join(folder, 'cases.jsonl'),
      '{"prediction": "\\\\boxed{1,000}", "reference": "1000"}\n{"prediction": "41", "reference": 42}\n',
    );
    const run = await runAjet(['judge', 'math_answer', '--cases', join(folder, 'cases.jsonl')]);
    expect(run.code, run.stderr).toBe(0);
    const verdicts = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { isSuccess: boolean; rawReward: number });
    expect(verdicts.map((verdict) => [verdict.isSuccess, verdict.rawReward])).toEqual([
      [true, 1],
      [false, 0],
    ]);
    writeFileSync(join(folder, 'bad.jsonl'), '{"prediction": "1", "reference": "1"}\n{"prediction": 1}\n');
    const bad = await runAjet(['judge', 'math_answer', '--cases', join(folder, 'bad.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.jsonl row 2: not a judge case/);
  });

  it('resolves the name through the one registry: the built-in judges, the nearest name, the settings schema', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-judge-'));
    writeFileSync(join(folder, 'cases.jsonl'), '{"prediction": "1", "reference": "1"}\n');
    const unknown = await runAjet(['judge', 'math_answr', '--cases', join(folder, 'cases.jsonl')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split('\n')[0]).toMatch(
      /^ajet: error: No built-in judge named "math_answr" \(built-ins: math_answer, tool_discipline, llm_judge, weighted, call_numbers, calculator_steps, env_service\)\. Did you mean "math_answer"\?/,
    );
    const badSettings = await runAjet([
      'judge',
      'math_answer',
      '--cases',
      join(folder, 'cases.jsonl'),
      '--settings',
      '{"boxx": 1}',
    ]);
    expect(badSettings.code).toBe(1);
    expect(badSettings.stderr.split('\n')[0]).toMatch(/Settings of judge "math_answer" are invalid/);
  });
});
