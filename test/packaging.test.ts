// ajet as a user gets it: every workspace package packed (`pnpm pack`), installed with npm from the tarballs into
// scratch projects outside the repo, typechecked by the user's own tsc (no skipLibCheck), trained for 2 steps with
// the user's judge and workflow (which imports the user's own `openai`), judged with `ajet judge`; in a CommonJS
// project (npm's default), a "type": "module" one, and the project `ajet init` writes, run by its README commands.
// Needs the npm registry (third-party dependencies); takes a few minutes (measured in the report of issue 23).
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-ajet.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/packaging');

interface WorkspacePackage {
  dir: string;
  manifest: {
    name: string;
    version: string;
    private?: boolean;
    [key: string]: unknown;
  };
}

/** The workspace's packages, found as pnpm finds them (pnpm-workspace.yaml's `folder/*` globs). */
function workspacePackages(): WorkspacePackage[] {
  const workspace = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...workspace.matchAll(/^\s+-\s+['"]?([^'"\s]+)\/\*['"]?\s*$/gm)].map((match) => match[1] as string);
  expect(globs.length).toBeGreaterThan(0);
  return globs.flatMap((glob) =>
    readdirSync(join(REPO_ROOT, glob))
      .map((name) => join(REPO_ROOT, glob, name))
      .filter((dir) => existsSync(join(dir, 'package.json')))
      .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) })),
  );
}

const tarballName = (manifest: WorkspacePackage['manifest']) =>
  `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;

/**
 * The environment a user's shell would have: without vitest's variables (a nested vitest would take them as its
 * own) and without the npm_config_* pnpm sets for its scripts, except where the registry and cache are.
 */
function userEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cache|proxy|https_proxy|noproxy|strict_ssl|cafile)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$|PNPM_)/.test(key)) continue;
    if (/^npm_/i.test(key) && !keep.test(key)) continue;
    env[key] = value;
  }
  return { ...env, CI: '1', NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false' };
}

function run(command: string, args: string[], cwd: string, timeoutMs = 240_000): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: userEnv(), encoding: 'utf8', timeout: timeoutMs });
  return result;
}

/** Runs and expects exit 0; the failure message is the command and the end of its output. */
function ok(command: string, args: string[], cwd: string, timeoutMs?: number): string {
  const result = run(command, args, cwd, timeoutMs);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  expect(result.status, `${command} ${args.join(' ')} (in ${cwd}) → ${result.status}\n${output.slice(-3000)}`).toBe(0);
  return output;
}

/** Unpacked tarball contents: its file list and its package.json as published. */
function readTarball(file: string): { files: Set<string>; manifest: Record<string, unknown> } {
  const list = ok('tar', ['-tzf', file], REPO_ROOT);
  const files = new Set(
    list
      .split('\n')
      .filter(Boolean)
      .map((path) => path.replace(/^package\//, '')),
  );
  const manifest = JSON.parse(ok('tar', ['-xzOf', file, 'package/package.json'], REPO_ROOT));
  return { files, manifest };
}

/** Every file path an `exports`/`bin` value names. */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

describe('packed packages install and run in a project outside the repo', () => {
  let packDir = '';
  let scratch = '';
  let published: WorkspacePackage[] = [];

  /**
   * Points a project at the tarballs: `ajet` (the one package a user adds) as its dependency, every other package
   * by npm `overrides` (as the registry would serve them after a publish).
   */
  function useTarballs(projectDir: string, extra: Record<string, string> = {}): void {
    const file = join(projectDir, 'package.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const spec = (pkg: WorkspacePackage) => `file:${join(packDir, tarballName(pkg.manifest))}`;
    const ajet = published.find((pkg) => pkg.manifest.name === 'ajet');
    if (!ajet) throw new Error('no package named "ajet" in the workspace');
    manifest.dependencies = { ...manifest.dependencies, ajet: spec(ajet), ...extra };
    manifest.overrides = Object.fromEntries(
      published.filter((pkg) => pkg.manifest.name !== 'ajet').map((pkg) => [pkg.manifest.name, spec(pkg)]),
    );
    writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  }

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'ajet-packaging-'));
    packDir = join(scratch, 'tarballs');
    published = workspacePackages().filter((pkg) => !pkg.manifest.private);
    // Once, before packing: each package's prepack then finds its build up to date (no concurrent tsc -b).
    ok(process.execPath, [join(REPO_ROOT, 'scripts/build-packages.mjs')], REPO_ROOT, 300_000);
    ok('pnpm', ['-r', '--workspace-concurrency=1', 'pack', '--pack-destination', packDir], REPO_ROOT, 300_000);
  }, 600_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 300_000);

  it('packs every public package complete: built entry points with types, no workspace: ranges, licence, version', () => {
    const builds = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
      references: Array<{ path: string }>;
    };
    const built = new Set(builds.references.map((ref) => join(REPO_ROOT, ref.path, '..')));
    const problems: string[] = [];
    for (const pkg of published) {
      const name = pkg.manifest.name;
      if (!built.has(pkg.dir)) {
        problems.push(`${name}: not built (add its tsconfig.build.json to tsconfig.build.json's references)`);
        continue;
      }
      const tarball = join(packDir, tarballName(pkg.manifest));
      if (!existsSync(tarball)) {
        problems.push(`${name}: no tarball ${tarball}`);
        continue;
      }
      const { files, manifest } = readTarball(tarball);
      const text = JSON.stringify(manifest);
      if (text.includes('workspace:')) problems.push(`${name}: a workspace: range survived packing`);
      if (!manifest.license) problems.push(`${name}: no license`);
      if (!/^\d+\.\d+\.\d+/.test(String(manifest.version))) problems.push(`${name}: no version`);
      if (!Array.isArray(manifest.files)) problems.push(`${name}: no files list`);
      const exportsMap = (manifest.exports ?? {}) as Record<string, unknown>;
      if (!exportsMap['.']) problems.push(`${name}: no "." export`);
      for (const [key, value] of Object.entries(exportsMap)) {
        if (typeof value === 'string') continue; // ./package.json, a bin script: not a module with types
        const conditions = value as Record<string, string>;
        if (!conditions.types?.endsWith('.d.ts')) problems.push(`${name} ${key}: no .d.ts "types"`);
        if (!conditions.import?.endsWith('.js')) problems.push(`${name} ${key}: no .js "import"`);
      }
      for (const target of [...targets(manifest.exports), ...targets(manifest.bin)]) {
        const path = target.replace(/^\.\//, '');
        if (!files.has(path)) problems.push(`${name}: ${target} is named but not in the tarball`);
        if (/\.ts$/.test(path) && !path.endsWith('.d.ts')) problems.push(`${name}: ${target} is TypeScript source`);
      }
    }
    // Assets read at run time sit in the package that reads them.
    const asset = (pkgName: string, path: string) => {
      const pkg = published.find((candidate) => candidate.manifest.name === pkgName);
      if (!pkg) return problems.push(`no package ${pkgName}`);
      if (!readTarball(join(packDir, tarballName(pkg.manifest))).files.has(path)) problems.push(`${pkgName}: ${path}`);
    };
    asset('@ajet/proto', 'ajet/v1/backend.proto');
    asset('@ajet/tinylm', 'weights/tinylm-calculator/params.bin');
    asset('@ajet/logview', 'dist/page/report.js');
    asset('@ajet/tinylm', 'dist/internal/gradient-worker.mjs');
    asset('@ajet/tinylm', 'dist/internal/sampler-worker.mjs');
    asset('@ajet/cli', 'dist/ts-worker.mjs');
    expect(problems).toEqual([]);
  });

  for (const type of ['commonjs', 'module'] as const) {
    it(`a ${type} project (npm init -y${type === 'module' ? ', "type": "module"' : ''}): tsc, 2 training steps with its own judge and workflow, ajet judge`, () => {
      const project = join(scratch, `user-${type}`);
      mkdirSync(project);
      ok('npm', ['init', '-y'], project);
      if (type === 'module') ok('npm', ['pkg', 'set', 'type=module'], project);
      cpSync(FIXTURE, project, { recursive: true });
      useTarballs(project);
      ok('npm', ['install', '--prefer-offline', 'openai', 'typescript', '@types/node@20'], project);
      const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
      expect(manifest.type ?? 'commonjs').toBe(type);

      const tsc = run('npx', ['tsc', '--noEmit', '-p', '.'], project);
      expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
      expect(tsc.status).toBe(0);
      expect(readFileSync(join(project, 'tsconfig.json'), 'utf8')).not.toContain('skipLibCheck');

      const train = ok('npx', ['ajet', '--conf', 'config.yaml', '--backbone', 'debug'], project);
      expect(train).toContain('step 2/2');
      expect(train).toMatch(/ajet: done after 2 steps/);
      // The workflow's own OpenAI client reached ajet's endpoint: the model's reply is in the trajectory.
      const step = readFileSync(join(project, 'saved_experiments/packaging/trajectories/step-1.jsonl'), 'utf8');
      const episode = JSON.parse(step.split('\n')[0] as string);
      expect(episode.messages.at(-1)).toMatchObject({ role: 'assistant' });
      expect(episode.messages.at(-1).content.length).toBeGreaterThan(0);

      const judged = ok('npx', ['ajet', 'judge', './judge.ts->MyJudge', '--cases', 'cases.jsonl'], project);
      const verdicts = judged
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line));
      expect(verdicts.map((verdict) => verdict.isSuccess)).toEqual([true, false]);
      const jsJudged = ok('npx', ['ajet', 'judge', './js_judge.mjs->JsJudge', '--cases', 'cases.jsonl'], project);
      expect(jsJudged).toMatch(/"isSuccess":true[\s\S]*"isSuccess":false/);
    }, 400_000);
  }

  it("ajet init's project passes its own README commands: install, train 2 steps, ajet judge, npm test", () => {
    // The init command of the installed package (from the commonjs project above, else a fresh install).
    const host = join(scratch, 'user-commonjs');
    const project = join(scratch, 'my-agent');
    ok('npx', ['ajet', 'init', project], host);
    const refused = run('npx', ['ajet', 'init', project], host);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not empty.*--force/);

    // `npm create ajet` runs create-ajet's own command (no other package needed): it writes the same project.
    const created = join(scratch, 'created');
    const createAjet = published.find((pkg) => pkg.manifest.name === 'create-ajet');
    if (!createAjet) throw new Error('no package named "create-ajet" in the workspace');
    const tarball = join(packDir, tarballName(createAjet.manifest));
    ok('npm', ['exec', '--yes', `--package=${tarball}`, '--', 'create-ajet', created], scratch);
    const list = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    expect(list(created)).toEqual(list(project));

    const readme = readFileSync(join(project, 'README.md'), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = block.split('\n').filter(Boolean);
    expect(commands[0]).toBe('npm install');
    expect(commands).toContain('npm test');
    useTarballs(project);
    for (const line of commands) {
      const args = line.split(' ').map((word) => word.replace(/^'(.*)'$/, '$1'));
      // Training runs 2 steps here; the README's run is longer.
      if (args[1] === 'ajet' && args.includes('--conf')) {
        args.push('--set', 'trainer_common.total_training_steps=2', '--set', 'trainer_common.val_before_train=false');
      }
      const output = ok(args[0] as string, args.slice(1), project, 300_000);
      if (args.includes('judge')) expect(output).toMatch(/"isSuccess":true[\s\S]*"isSuccess":false/);
      if (args.includes('--conf')) expect(output).toMatch(/ajet: done after 2 steps/);
    }
    const tsc = run('npx', ['tsc'], project);
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  }, 500_000);
});
