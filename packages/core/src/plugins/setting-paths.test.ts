import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, pluginReferenceSetting, settingPath } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkSettingPaths, resolveSettingPaths } from './setting-paths.ts';

const toolReference = z.union([
  pluginReferenceSetting(),
  z.strictObject({ tool: pluginReferenceSetting(), settings: z.record(z.string(), z.unknown()).default({}) }),
]);

// The shapes built-in plugins use: extend, optional splits, a union of a string and an object, a transform.
const schema = z
  .strictObject({
    prompt: z.string().default(''),
    pattern: z.string().optional(),
    data: settingPath().optional(),
    training: z.strictObject({ file_path: settingPath() }).optional(),
    files: z.array(settingPath()).default([]),
    tools: z.array(toolReference).default([]),
    rubric_file: settingPath({ mustExist: 'file', hint: 'Write the rubric first.' }).describe('a rubric').optional(),
  })
  .transform((settings) => ({ ...settings, camel: true }));

const resolved = (value: unknown, folderOf: (path: readonly (string | number)[]) => string = () => '/configs') =>
  resolveSettingPaths({ value, schema, folderOf }).value;

describe('resolveSettingPaths', () => {
  it('makes every marked path absolute, in any relative form, and leaves an absolute one alone', () => {
    expect(resolved({ data: 'data/x.jsonl', training: { file_path: '../t.jsonl' }, files: ['./a', '/abs/b'] })).toEqual(
      { data: '/configs/data/x.jsonl', training: { file_path: '/t.jsonl' }, files: ['/configs/a', '/abs/b'] },
    );
  });

  it('hands every unmarked string over as written, ./ or not', () => {
    const value = { prompt: './start here, then answer', pattern: '../(\\d+)', tools: [] };
    expect(resolved(value)).toEqual(value);
    // Inside a marked tool's own settings block too: that block is the tool's, resolved when the tool loads.
    expect(resolved({ tools: [{ tool: 'calculator', settings: { note: './x' } }] })).toEqual({
      tools: [{ tool: 'calculator', settings: { note: './x' } }],
    });
  });

  it("resolves only a plugin reference's ./ or ../ module, in either arm of a union", () => {
    expect(
      resolved({ tools: ['./my_tool.ts->MyTool', 'calculator', { tool: '../t.ts->T' }, 'pkg/sub->T', 'a.b->T'] }),
    ).toEqual({ tools: ['/configs/my_tool.ts->MyTool', 'calculator', { tool: '/t.ts->T' }, 'pkg/sub->T', 'a.b->T'] });
  });

  it('resolves each key against the folder that wrote it', () => {
    const folderOf = (path: readonly (string | number)[]) => (path[0] === 'training' ? '/base' : '/child');
    expect(resolved({ data: 'd', training: { file_path: 't' } }, folderOf)).toEqual({
      data: '/child/d',
      training: { file_path: '/base/t' },
    });
  });

  it('leaves values of the wrong type for the schema to report', () => {
    expect(resolved({ data: 3, training: 'x', files: 'y' })).toEqual({ data: 3, training: 'x', files: 'y' });
    expect(resolved({ data: '' })).toEqual({ data: '' });
  });
});

describe('checkSettingPaths', () => {
  const folder = mkdtempSync(join(tmpdir(), 'ajet-setting-paths-'));
  writeFileSync(join(folder, 'rubric.md'), 'be strict');
  mkdirSync(join(folder, 'a-folder'));
  const origin = {
    keyPath: 'ajet.task_judge.judge_settings',
    folderOf: () => folder,
    locationOf: (path: readonly (string | number)[]) => `configs/base.yaml:${path.length + 3}`,
  };
  const check = (value: Record<string, unknown>) =>
    checkSettingPaths({ marked: resolveSettingPaths({ value, schema, folderOf: () => folder }).marked, origin });

  it('passes a path that exists', () => {
    expect(() => check({ rubric_file: './rubric.md', data: 'not-checked' })).not.toThrow();
  });

  it('names the key and the YAML file of a missing file, and what is there instead', () => {
    let error: unknown;
    try {
      check({ rubric_file: 'nope.md' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_PATH_NOT_FOUND', file: 'configs/base.yaml:4' });
    expect((error as Error).message).toBe(
      `configs/base.yaml:4: ajet.task_judge.judge_settings.rubric_file: file not found: ${join(folder, 'nope.md')} ` +
        `A relative path resolves against the folder of the YAML file that wrote it (${folder}). Write the rubric first.`,
    );
    expect(() => check({ rubric_file: './a-folder' })).toThrow(/rubric_file: not a file: .*a-folder/);
  });
});
