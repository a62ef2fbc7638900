import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, NoSuchPluginError, PluginError } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { PluginLoader } from './plugin-loader.ts';
import { parsePluginReference } from './plugin-reference.ts';

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));

describe('parsePluginReference', () => {
  it('tells the four forms apart', () => {
    expect(parsePluginReference('./x/y.ts->C')).toEqual({ form: 'file', path: './x/y.ts', exportName: 'C' });
    expect(parsePluginReference('../x->C')).toEqual({ form: 'file', path: '../x', exportName: 'C' });
    expect(parsePluginReference('tutorial.example_math_agent.math_agent->C')).toEqual({
      form: 'dotted',
      dotted: 'tutorial.example_math_agent.math_agent',
      exportName: 'C',
    });
    expect(parsePluginReference('@scope/pkg->C')).toEqual({
      form: 'package',
      specifier: '@scope/pkg',
      exportName: 'C',
    });
    expect(parsePluginReference('pkg/sub->C')).toEqual({ form: 'package', specifier: 'pkg/sub', exportName: 'C' });
    expect(parsePluginReference('math_answer')).toEqual({ form: 'builtin', name: 'math_answer' });
  });
});

describe('PluginLoader', () => {
  const loader = new PluginLoader({
    configDir: fixtures,
    cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
    builtins: [
      {
        kind: 'judge',
        name: 'good',
        summary: 'a fixture judge',
        load: async () => (await import('./__fixtures__/plugins.ts')).GoodJudge,
      },
      {
        kind: 'judge',
        name: 'gold',
        summary: 'another fixture judge',
        load: async () => (await import('./__fixtures__/plugins.ts')).GoodJudge,
      },
      {
        kind: 'backbone',
        name: 'fixture',
        summary: 'a fixture backbone factory',
        load: async () => (await import('./__fixtures__/plugins.ts')).createFixtureBackbone,
      },
    ],
  });

  it('loads a relative .ts file with validated settings and defaults', async () => {
    const judge = await loader.load<{ weight: number }>({
      reference: './plugins.ts->GoodJudge',
      kind: 'judge',
      settings: {},
    });
    expect(judge.weight).toBe(1);
  });

  it('loads the dotted form from the working directory', async () => {
    const judge = await loader.load<{ weight: number }>({
      reference: 'packages.core.src.plugins.__fixtures__.plugins->GoodJudge',
      kind: 'judge',
      settings: { weight: 2 },
    });
    expect(judge.weight).toBe(2);
  });

  it('loads a package export and a built-in', async () => {
    const fromPackage = await loader.load<object>({
      reference: '@ajet/spec/test->RecordingJudge',
      kind: 'judge',
    });
    expect(typeof (fromPackage as { computeReward: unknown }).computeReward).toBe('function');
    const builtin = await loader.load<{ weight: number }>({
      reference: 'good',
      kind: 'judge',
      settings: { weight: 3 },
    });
    expect(builtin.weight).toBe(3);
  });

  it('lists the exports when the export is missing', async () => {
    await expect(loader.load({ reference: './plugins.ts->Nope', kind: 'judge' })).rejects.toThrow(
      /No export "Nope" in .*plugins\.ts \(it exports: GoodJudge, NotAJudge, NamelessTool, aNumber, createFixtureBackbone\)/,
    );
  });

  it('names the missing interface method', async () => {
    const error: unknown = await loader
      .load({ reference: './plugins.ts->NotAJudge', kind: 'judge' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PluginError);
    expect((error as Error).message).toMatch(/judge "\.\/plugins\.ts->NotAJudge" has no method computeReward/);
  });

  it("checks a tool's name and parameters too, and names the key that wrote a plugin that is not of its kind", async () => {
    const keyPath = 'ajet.rollout.workflow_settings.tools.0.tool';
    await expect(loader.load({ reference: './plugins.ts->NamelessTool', kind: 'tool', keyPath })).rejects.toThrow(
      /^tool "\.\/plugins\.ts->NamelessTool" has no valid name \(a non-empty string\), parameters \(a zod schema\)\. .*Check ajet\.rollout\.workflow_settings\.tools\.0\.tool\.$/,
    );
    await expect(loader.load({ reference: './plugins.ts->NotAJudge', kind: 'tool', keyPath })).rejects.toThrow(
      /has no method execute\. .*Check ajet\.rollout\.workflow_settings\.tools\.0\.tool\.$/,
    );
    await expect(loader.load({ reference: './plugins.ts->aNumber', kind: 'tool', keyPath })).rejects.toThrow(
      /is not a class .*Check ajet\.rollout\.workflow_settings\.tools\.0\.tool\.$/,
    );
  });

  it('refuses exports that are not classes, bad settings, missing files and packages', async () => {
    await expect(loader.load({ reference: './plugins.ts->aNumber', kind: 'judge' })).rejects.toThrow(/is not a class/);
    await expect(
      loader.load({
        reference: './plugins.ts->GoodJudge',
        kind: 'judge',
        settings: { weight: 'x' },
        keyPath: 'ajet.task_judge.judge_protocol',
      }),
    ).rejects.toThrow(
      /Settings of judge .* invalid at weight: .*Check the settings block beside ajet\.task_judge\.judge_protocol/,
    );
    await expect(loader.load({ reference: './missing.ts->X', kind: 'judge' })).rejects.toBeInstanceOf(
      NoSuchPluginError,
    );
    await expect(loader.load({ reference: '@nope/nothing->X', kind: 'judge' })).rejects.toThrow(
      /Cannot find package "@nope\/nothing"/,
    );
    await expect(loader.load({ reference: 'good', kind: 'workflow' })).rejects.toThrow(
      /No built-in workflow named "good"/,
    );
  });

  it('names the built-ins of that kind and the nearest one, for every kind alike', async () => {
    await expect(
      loader.load({ reference: 'goood', kind: 'judge', keyPath: 'ajet.task_judge.judge_protocol' }),
    ).rejects.toThrow(
      /^No built-in judge named "goood" \(built-ins: good, gold\)\. Did you mean "good"\?.*Check ajet\.task_judge\.judge_protocol\.$/,
    );
    const error: unknown = await loader
      .loadFactory({ reference: 'fixtur', kind: 'backbone', keyPath: 'ajet.backbone' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoSuchPluginError);
    expect((error as Error).message).toMatch(
      /^No built-in backbone named "fixtur" \(built-ins: fixture\)\. Did you mean "fixture"\?.*Check ajet\.backbone\.$/,
    );
    await expect(loader.loadFactory({ reference: 'tensorbord', kind: 'metrics_sink' })).rejects.toThrow(
      /No built-in metrics_sink named "tensorbord" \(built-ins: none\)/,
    );
  });

  it('resolves factory kinds (backbone, sink) from a built-in name and from a file', async () => {
    const byName = await loader.loadFactory<() => Promise<{ description: string }>>({
      reference: 'fixture',
      kind: 'backbone',
    });
    expect((await byName()).description).toBe('fixture backbone');
    const byFile = await loader.loadFactory<typeof byName>({
      reference: './plugins.ts->createFixtureBackbone',
      kind: 'backbone',
    });
    expect(byFile).toBe(byName);
    await expect(loader.loadFactory({ reference: './plugins.ts->aNumber', kind: 'backbone' })).rejects.toMatchObject({
      code: 'PLUGIN_NOT_A_FACTORY',
    });
    // A plugin's context.load() builds classes; a factory kind asked for that way is a clear error, not a crash.
    await expect(loader.context().load('fixture', 'backbone')).rejects.toMatchObject({ code: 'PLUGIN_NOT_A_CLASS' });
  });

  it('reports a module that fails to import, with the cause', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-loader-'));
    mkdirSync(join(folder, 'sub'));
    writeFileSync(join(folder, 'sub', 'broken.ts'), 'throw new Error("boom at import");\nexport class X {}\n');
    const local = new PluginLoader({ configDir: folder });
    await expect(local.load({ reference: './sub/broken->X', kind: 'judge' })).rejects.toThrow(/failed: boom at import/);
  });

  it("names the line in the user's file when a plugin throws at import or in its constructor", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-loader-'));
    writeFileSync(join(folder, 'at-import.mjs'), '\n\nthrow new Error("boom at import");\nexport class X {}\n');
    writeFileSync(
      join(folder, 'in-constructor.mjs'),
      'export class J {\n  constructor() {\n    throw new Error("boom in constructor");\n  }\n}\n',
    );
    const local = new PluginLoader({ configDir: folder, cwd: folder });
    await expect(local.load({ reference: './at-import.mjs->X', kind: 'judge' })).rejects.toThrow(
      /failed: boom at import \(at at-import\.mjs:3:7\)/,
    );
    await expect(local.load({ reference: './in-constructor.mjs->J', kind: 'judge' })).rejects.toThrow(
      /failed: boom in constructor \(at in-constructor\.mjs:3:11\)/,
    );
  });

  it('hands plugins a context that loads other plugins', async () => {
    const context = loader.context();
    const judge = await context.load<{ weight: number }>('good', 'judge', { weight: 5 });
    expect(judge.weight).toBe(5);
  });
});

describe('PluginLoader: paths in settings', () => {
  const root = mkdtempSync(join(tmpdir(), 'ajet-setting-paths-'));
  const base = join(root, 'base');
  const child = join(root, 'child');
  mkdirSync(base);
  mkdirSync(child);
  writeFileSync(join(base, 'rubric.md'), 'be strict');
  // A user plugin without a settings schema: its settings arrive as written, with the folder to resolve them.
  writeFileSync(
    join(base, 'local-judge.mjs'),
    'export class LocalJudge {\n  constructor(settings, context) {\n    this.settings = settings;\n    this.configDir = context.configDir;\n  }\n  async computeReward() {\n    return { rawReward: 1, isSuccess: true };\n  }\n}\n',
  );
  const fixture = async () => import('./__fixtures__/path-plugins.ts');
  const loader = new PluginLoader({
    configDir: child,
    builtins: [
      { kind: 'judge', name: 'path_judge', summary: 'keeps its paths', load: async () => (await fixture()).PathJudge },
      { kind: 'judge', name: 'combining', summary: 'loads judges', load: async () => (await fixture()).CombiningJudge },
    ],
  });
  // The block was written by base/base.yaml, which child/child.yaml extends.
  const settingsOrigin = {
    keyPath: 'ajet.task_judge.judge_settings',
    folderOf: () => base,
    locationOf: (path: readonly (string | number)[]) => `base/base.yaml:${7 + path.length}`,
  };
  type Loaded = { settings: Record<string, unknown>; configDir: string; parts: Promise<Loaded[]> };

  it("resolves marked paths against the folder of the block's file, and hands a ./ text over as written", async () => {
    const judge = await loader.load<Loaded>({
      reference: 'path_judge',
      kind: 'judge',
      settings: { rubric_file: './rubric.md', prompt: './think first, then answer' },
      settingsOrigin,
    });
    expect(judge.settings).toEqual({ rubric_file: join(base, 'rubric.md'), prompt: './think first, then answer' });
    expect(judge.configDir).toBe(base);
  });

  it('without an origin, resolves against the loader folder (ajet judge, ajet tool: the working directory)', async () => {
    const judge = await loader.load<Loaded>({ reference: 'path_judge', kind: 'judge', settings: { prompt: './p' } });
    expect(judge.settings.prompt).toBe('./p');
    expect(judge.configDir).toBe(child);
  });

  it('names the key and the YAML file of a marked file that does not exist', async () => {
    const error: unknown = await loader
      .load({ reference: 'path_judge', kind: 'judge', settings: { rubric_file: 'nope.md' }, settingsOrigin })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      `base/base.yaml:8: ajet.task_judge.judge_settings.rubric_file: file not found: ${join(base, 'nope.md')}`,
    );
  });

  it("loads a nested plugin against its caller's folder: module, marked paths, context; errors name the full key", async () => {
    const combining = await loader.load<Loaded>({
      reference: 'combining',
      kind: 'judge',
      settings: {
        judges: [
          { judge: './local-judge.mjs->LocalJudge', settings: { data: './x.jsonl' } },
          { judge: 'path_judge', settings: { rubric_file: 'rubric.md', prompt: '../y' } },
        ],
      },
      settingsOrigin,
    });
    expect((combining.settings.judges as { judge: string }[])[0]?.judge).toBe(
      `${join(base, 'local-judge.mjs')}->LocalJudge`,
    );
    const [local, path] = await combining.parts;
    expect(local?.settings).toEqual({ data: './x.jsonl' });
    expect(local?.configDir).toBe(base);
    expect(path?.settings).toEqual({ rubric_file: join(base, 'rubric.md'), prompt: '../y' });
    expect(path?.configDir).toBe(base);

    // Loaded without saying where its settings sit: the block's own folder and line answer for them.
    const unplaced = await loader
      .context(settingsOrigin)
      .load<Loaded>('path_judge', 'judge', { rubric_file: 'rubric.md' });
    expect(unplaced.settings.rubric_file).toBe(join(base, 'rubric.md'));
    await expect(
      loader.context(settingsOrigin).load('path_judge', 'judge', { rubric_file: 'nope.md' }),
    ).rejects.toThrow('base/base.yaml:7: ajet.task_judge.judge_settings.rubric_file: file not found');

    // What the constructor loads fails the load itself: at start, not at the first reward.
    const broken = loader.load<Loaded>({
      reference: 'combining',
      kind: 'judge',
      settings: { judges: [{ judge: 'path_judge', settings: { rubric_file: 'nope.md' } }] },
      settingsOrigin,
    });
    await expect(broken).rejects.toThrow(
      `base/base.yaml:11: ajet.task_judge.judge_settings.judges.0.settings.rubric_file: file not found: ${join(base, 'nope.md')}`,
    );
  });

  it('fails loading a combining judge whose judge module is missing, naming the key and file of the reference', async () => {
    const missing = loader.load<Loaded>({
      reference: 'combining',
      kind: 'judge',
      settings: { judges: [{ judge: 'path_judge' }, { judge: './no-such-judge.ts->Nope' }] },
      settingsOrigin,
    });
    await expect(missing).rejects.toThrow(
      `No module file for judge "${join(base, 'no-such-judge.ts')}->Nope" (looked for ${join(base, 'no-such-judge.ts')}{.ts,.js,…}). Relative paths resolve against the YAML file's folder (${base}). Check ajet.task_judge.judge_settings.judges.1.judge (base/base.yaml:10).`,
    );
  });
});
