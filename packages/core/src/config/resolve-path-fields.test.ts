import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolvePathFields } from './resolve-path-fields.ts';
import { filePath, pluginReference, pluginSettings } from './schema-fields.ts';

const schema = z.strictObject({
  file: filePath(),
  files: z.array(filePath()),
  model: filePath({ orName: true }),
  plugin: pluginReference(),
  settings: pluginSettings('replace'),
  text: z.string(),
  nested: z.strictObject({ file: filePath().nullable() }),
});

const resolved = (value: Record<string, unknown>) => resolvePathFields({ value, schema, folder: '/configs' });

describe('resolvePathFields', () => {
  it('resolves a filePath() field, relative in any form, against the folder', () => {
    expect(resolved({ file: 'data/x.jsonl', files: ['./a', '/abs/b'], nested: { file: '../y' } })).toEqual({
      file: '/configs/data/x.jsonl',
      files: ['/configs/a', '/abs/b'],
      nested: { file: '/y' },
    });
    expect(resolved({ nested: { file: null } })).toEqual({ nested: { file: null } });
  });

  it('resolves a name-or-path and a plugin module only when they start with ./ or ../', () => {
    expect(resolved({ model: './saved', plugin: './judge.ts->MyJudge' })).toEqual({
      model: '/configs/saved',
      plugin: '/configs/judge.ts->MyJudge',
    });
    expect(resolved({ model: 'Qwen/Qwen2.5-0.5B', plugin: 'pkg/sub->Judge' })).toEqual({
      model: 'Qwen/Qwen2.5-0.5B',
      plugin: 'pkg/sub->Judge',
    });
  });

  it("leaves a plugin's settings block as written: the plugin's own schema marks its paths", () => {
    const settings = { rubric: './r.md', list: [{ tool: '../t.ts->T' }], prompt: './answer briefly' };
    expect(resolved({ settings, text: './not-a-path' })).toEqual({ settings, text: './not-a-path' });
  });
});
