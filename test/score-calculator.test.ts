import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const HELDOUT = join(ROOT, 'tutorial/example_calculator_agent/data/heldout_csv.jsonl');
const score = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/score_calculator.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('scripts/score_calculator.ts', () => {
  it('scores a policy row by row on a JSONL of rows, as the bench does (row 34 of the held-out split is one the warm start misses)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-score-'));
    const lines = readFileSync(HELDOUT, 'utf8').trim().split('\n');
    const file = join(folder, 'rows.jsonl');
    writeFileSync(file, `${[lines[33], lines[34], lines[35]].join('\n')}\n`);
    const run = score('builtin:tinylm-calculator-deep-define', '--rows', file);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`scoring on ${file} at temperature 0`);
    expect(run.stdout).toContain('builtin:tinylm-calculator-deep-define: 2/3 (66.7%) wrong rows: 1');
  });

  it('with --samples K counts, for greedy right and wrong rows, how many of K samples answered right', () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-score-'));
    const lines = readFileSync(HELDOUT, 'utf8').trim().split('\n');
    const file = join(folder, 'rows.jsonl');
    // Row 34 is a greedy miss whose call runs past 160 tokens (no sample reaches an answer); 33 and 35 are right.
    writeFileSync(file, `${[lines[33], lines[34], lines[35]].join('\n')}\n`);
    const run = score('builtin:tinylm-calculator-deep-define', '--rows', file, '--samples', '2');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('greedily, and 2 samples a row at temperature 0.9');
    expect(run.stdout).toContain('builtin:tinylm-calculator-deep-define: 2/3 (66.7%) wrong rows: 1');
    const table =
      /sampled right k of 2 times at T=0\.9 \(greedy right \| wrong\): 0: (\d) \| (\d), 1: (\d) \| (\d), 2: (\d) \| (\d)/.exec(
        run.stdout,
      );
    expect(table, run.stdout).not.toBeNull();
    const [r0, w0, r1, w1, r2, w2] = table!.slice(1).map(Number);
    expect([r0! + r1! + r2!, w0! + w1! + w2!]).toEqual([2, 1]);
    expect(w0).toBe(1);
    expect(run.stdout).toContain('0 of 1 greedy misses answered right by at least one sample');
    expect(score('x', '--samples', '2', '--temperature', '0').stderr).toMatch(/--samples with --temperature 0 .*hint/);
    expect(score('x', '--samples', 'few').stderr).toMatch(/--samples few: expected a whole number/);
  });

  it('scores fresh questions in the CSV styles from a seed of its own', () => {
    const run = score('builtin:tinylm-calculator-deep-define', '--csv-like', '4', '--seed', '101');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("4 questions in the CSV's styles (seed 101)");
    expect(run.stdout).toMatch(/builtin:tinylm-calculator-deep-define: [0-4]\/4 \(/);
  });

  it('refuses bad arguments with one line naming them', () => {
    const missing = score('builtin:tinylm-calculator-deep-define', '--rows', '/nonexistent/rows.jsonl');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/score_calculator: \/nonexistent\/rows\.jsonl: no such file; hint: /);
    expect(score('--csv-like', '3').stderr).toMatch(/no model given; hint:/);
    const bad = join(mkdtempSync(join(tmpdir(), 'ajet-score-')), 'bad.jsonl');
    writeFileSync(bad, '{"question": "1 + 1", "expression": "1+1"}\n\n{"question": "2 + 2"}\n');
    expect(score('builtin:tinylm-calculator-deep-define', '--rows', bad).stderr).toContain(
      `score_calculator: ${bad} line 3: expected {"question": "...", "expression": "..."} with strings; hint:`,
    );
    writeFileSync(bad, '{"question": "1 + 1", "expression": "1+1"}\n{nope\n');
    expect(score('builtin:tinylm-calculator-deep-define', '--rows', bad).stderr).toMatch(/bad\.jsonl line 2: not JSON/);
    const noModel = score('/nonexistent/checkpoints/step-3', '--csv-like', '1');
    expect(noModel.status).toBe(1);
    expect(noModel.stderr.trim().split('\n')).toHaveLength(1);
    expect(noModel.stderr).toMatch(/^score_calculator: .*\/nonexistent\/checkpoints\/step-3.*builtin:tinylm/);
    expect(score('x', '--csv-like', 'many').stderr).toMatch(/--csv-like many: expected a whole number/);
  });
});
