import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InitError, initProject, packageName } from './init-project.ts';

const scratch = () => mkdtempSync(join(tmpdir(), 'create-ajet-'));

describe('initProject', () => {
  it('writes the project into a new folder: package.json on ajet, strict NodeNext tsconfig, a one-step debug launch', () => {
    const dir = join(scratch(), 'My Agent');
    const files = initProject({ dir, ajetRange: '^1.2.3' });
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'tsconfig.json', 'config.yaml', 'src/judge.ts', 'src/workflow.ts']),
    );
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'my-agent', dependencies: { ajet: '^1.2.3' }, scripts: { test: 'vitest run' } });
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, module: 'NodeNext' });
    expect(tsconfig.compilerOptions.skipLibCheck).toBeUndefined();
    const launch = JSON.parse(readFileSync(join(dir, '.vscode/launch.json'), 'utf8'));
    expect(launch.configurations[0].name).toBe('Debug one step');
    expect(launch.configurations[0].args).toContain('trainer_common.total_training_steps=1');
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toContain('./src/judge.ts->MyJudge');
  });

  it('refuses a non-empty folder unless forced, naming what is there', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(() => initProject({ dir })).toThrow(InitError);
    expect(() => initProject({ dir })).toThrow(/not empty \(notes\.txt\).*--force/);
    expect(initProject({ dir, force: true })).toContain('README.md');
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('accepts an empty folder and one holding only .git', () => {
    const dir = scratch();
    mkdirSync(join(dir, '.git'));
    expect(initProject({ dir })).toContain('config.yaml');
  });

  it('makes an npm-safe name from the folder', () => {
    expect(packageName('/x/Hello World!')).toBe('hello-world');
    expect(packageName('/x/...')).toBe('my-agent');
  });
});
