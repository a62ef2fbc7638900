import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { section } from './camel-keys.ts';
import { describeType, renderConfigDocs, renderDefaultsYaml } from './render-defaults.ts';
import { ajetSchema, configFileSchema } from './schema.ts';
import { defaultsOf, fieldOf, schemaEntries } from './schema-walk.ts';

/** The workspace root (the folder with pnpm-workspace.yaml), where the generated files are committed. */
function workspaceRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'pnpm-workspace.yaml'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('no pnpm-workspace.yaml above this test');
    folder = parent;
  }
  return folder;
}

describe('the generated config files', () => {
  it.each([
    ['configs/ajet_default.yaml', () => renderDefaultsYaml(ajetSchema)],
    ['docs/config.md', () => renderConfigDocs(ajetSchema)],
  ])('%s is what the schema generates', (file, render) => {
    const committed = readFileSync(join(workspaceRoot(), file), 'utf8');
    expect(committed === render(), `${file} differs from the schema: run \`pnpm gen:config\``).toBe(true);
  });
});

describe('renderDefaultsYaml', () => {
  it('reads back as the schema defaults, which parse to what parsing {} gives', () => {
    const tree = parse(renderDefaultsYaml(ajetSchema));
    expect(tree).toEqual(defaultsOf(configFileSchema));
    expect(configFileSchema.parse(tree).ajet).toEqual(ajetSchema.parse({}));
    expect(ajetSchema.parse({}).rollout.numRepeat).toBe(4);
    expect(ajetSchema.parse({}).trainerCommon.optim.lr).toBe(1e-6);
  });

  it('gives every value key a default and a description', () => {
    const entries = schemaEntries(ajetSchema).filter((entry) => !entry.isSection);
    expect(entries.length).toBeGreaterThan(60);
    for (const { path, field } of entries) {
      expect(field.hasDefault, path.join('.')).toBe(true);
      expect(field.description, path.join('.')).toMatch(/\S/);
    }
  });

  it('writes keys in schema order with the default and the description as a comment', () => {
    const schema = section({
      b_first: z.number().int().default(3).describe('the first'),
      a_nested: section({
        tiny: z.number().default(1e-8).describe('small'),
        name: z.string().nullable().default(null).describe('maybe a name'),
        list: z.array(z.string()).default(['x', 'y z']).describe('items'),
      }).describe('a section'),
    });
    expect(renderDefaultsYaml(schema).split('\n').slice(-8)).toEqual([
      'ajet:',
      '  b_first: 3 # the first',
      '',
      '  a_nested: # a section',
      '    tiny: 1.0e-8 # small',
      '    name: null # maybe a name',
      '    list: [x, y z] # items',
      '',
    ]);
  });
});

describe('renderConfigDocs', () => {
  it('has one row per key with its type, default and description', () => {
    const docs = renderConfigDocs(ajetSchema);
    expect(docs).toContain('| `rollout.num_repeat` | integer > 0 | `4` | episodes per task: the GRPO group size |');
    expect(docs).toContain('| `algorithm.dual_clip` | number > 1, or null | `null` |');
    expect(docs).toContain('| `trainer_common.logger` | list of strings | `[console, jsonl]` |');
  });

  it('describes bounds and enums in words', () => {
    expect(describeType(fieldOf(z.number().gt(0).lte(1)))).toBe('number > 0 and <= 1');
    expect(describeType(fieldOf(z.enum(['a', 'b']).default('a')))).toBe('one of a, b');
  });
});
