// The one registry (issue 22, item 2): every built-in name a user can read about resolves, and each is defined once.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinNames, builtins } from '@ajet/cli';
import { PluginLoader } from '@ajet/core';
import type { PluginKind } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const KINDS: readonly PluginKind[] = ['task_reader', 'workflow', 'judge', 'tool', 'metrics_sink', 'backbone'];
const FACTORY_KINDS: readonly PluginKind[] = ['metrics_sink', 'backbone'];

/** Production sources: every package's and plugin's `src/`, tests and fixtures excepted. */
function productionSources(): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== '__fixtures__' && entry.name !== 'test') walk(path);
      } else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) files.push(path);
    }
  };
  for (const group of ['packages', 'plugins']) {
    for (const entry of readdirSync(join(REPO_ROOT, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const src = join(REPO_ROOT, group, entry.name, 'src');
      try {
        walk(src);
      } catch {
        // a package without src/ (test-fixtures)
      }
    }
  }
  return files;
}

/** The names in a comment such as `a (…), b (…), or "module->Class"`. */
function namesIn(comment: string): string[] {
  const names = comment.split(/,?\s*or\s+"module->/)[0] ?? '';
  return [...names.replace(/\([^)]*\)/g, '').matchAll(/\b([a-z][a-z0-9]*(?:_[a-z0-9]+)*)\b/g)]
    .map((match) => match[1] as string)
    .filter((word) => word !== 'or');
}

describe('the one registry', () => {
  const loader = new PluginLoader({ configDir: REPO_ROOT, cwd: REPO_ROOT, builtins });

  it('resolves every built-in of every kind to a class or factory through the one loader', async () => {
    for (const kind of KINDS) expect(builtinNames(kind).length, kind).toBeGreaterThan(0);
    for (const entry of builtins) {
      const exported = FACTORY_KINDS.includes(entry.kind)
        ? await loader.loadFactory({ reference: entry.name, kind: entry.kind })
        : await entry.load();
      expect(typeof exported, `${entry.kind} ${entry.name}`).toBe('function');
      expect(entry.summary.length, `${entry.kind} ${entry.name} has a summary`).toBeGreaterThan(0);
    }
    const names = builtins.map((entry) => `${entry.kind}:${entry.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('lists in configs/ajet_default.yaml exactly the registered readers and loggers (backbones: see --help)', () => {
    const text = readFileSync(join(REPO_ROOT, 'configs/ajet_default.yaml'), 'utf8');
    const comment = (key: RegExp) => key.exec(text)?.[1] ?? '';
    expect(namesIn(comment(/^ {4}type: \S+ # (.*?);/m)).sort()).toEqual(builtinNames('task_reader').sort());
    expect(namesIn(comment(/^ {4}logger: .*?# metrics sinks: (.*?);/m)).sort()).toEqual(
      builtinNames('metrics_sink').sort(),
    );
  });

  it('lists in the help texts exactly the registered judges, tools and backbones', async () => {
    const listed = async (args: string[], pattern: RegExp) => {
      const run = await runAjet(args);
      return (pattern.exec(run.stdout)?.[1] ?? '').split(/,\s*/).filter(Boolean);
    };
    expect(await listed(['judge', '--help'], /built-in judge \(([^)]*)\)/)).toEqual(builtinNames('judge'));
    expect(await listed(['tool', '--help'], /a built-in \(([^)]*)\)/)).toEqual(builtinNames('tool'));
    expect(await listed(['--help'], /--backbone NAME .*\(ajet\.backbone\): (.*?) or "module->Export"/)).toEqual(
      builtinNames('backbone'),
    );
  });

  it('defines each built-in name once, in a manifest, and nothing else keeps a list of them', () => {
    const sources = productionSources().map((file) => ({
      file: relative(REPO_ROOT, file),
      text: readFileSync(file, 'utf8'),
    }));
    for (const entry of builtins) {
      const definition = new RegExp(`kind: '${entry.kind}',\\s*name: '${entry.name}'`);
      const definitions = sources.filter(({ text }) => definition.test(text)).map(({ file }) => file);
      expect(definitions, `${entry.kind} ${entry.name}`).toHaveLength(1);
      expect(definitions[0], `${entry.kind} ${entry.name}`).toMatch(/(manifest|builtins)\.ts$/);
    }
    // A second registry is a record keyed by the names (`math_answer: (…) =>`) or an array of two or more names of
    // one kind (`['console', 'jsonl']`, `z.enum(['debug', 'grpc'])`): the shapes of the four this replaced.
    const copies: string[] = [];
    for (const { file, text } of sources) {
      // create-ajet's templates are the files of a user's new project (its config.yaml, launch.json), not code.
      if (/(manifest|builtins)\.ts$/.test(file) || file === 'packages/create-ajet/src/templates.ts') continue;
      for (const entry of builtins) {
        if (new RegExp(`^\\s*['"]?${entry.name}['"]?\\s*:`, 'm').test(text)) copies.push(`${file}: key ${entry.name}`);
      }
      // A default value (`.default(['console', 'jsonl'])`) is configuration, not a list of what exists.
      for (const [array] of text.matchAll(/(?<!\.default\()\[[^[\]]*\]/g)) {
        for (const kind of KINDS) {
          const listed = builtinNames(kind).filter(
            (name) => array.includes(`'${name}'`) || array.includes(`"${name}"`),
          );
          if (listed.length >= 2) copies.push(`${file}: ${array}`);
        }
      }
    }
    expect(copies).toEqual([]);
  });

  it('keeps the test doubles out of production: no source imports @ajet/spec/test or names builtin:recording', () => {
    const offenders = productionSources()
      .map((file) => ({ file: relative(REPO_ROOT, file), text: readFileSync(file, 'utf8') }))
      .filter(
        ({ file, text }) =>
          // `ajet/test` is the one package's entry point for the doubles, for plugin authors' own tests.
          !file.startsWith('packages/spec/src/test/') &&
          file !== 'packages/ajet/src/test.ts' &&
          /@ajet\/spec\/test|builtin:recording/.test(text),
      )
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });
});
