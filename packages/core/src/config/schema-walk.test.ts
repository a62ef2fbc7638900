import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { section } from './camel-keys.ts';
import { configFileSchema } from './schema.ts';
import { filePath, pluginSettings } from './schema-fields.ts';
import { declaredKeys, defaultsOf, fieldOf, schemaAt } from './schema-walk.ts';

describe('schema walk', () => {
  it('finds a field under sections, catch-alls and records, and nothing under an unknown key', () => {
    expect(fieldOf(schemaAt(configFileSchema, ['ajet', 'rollout', 'num_repeat']) as z.core.$ZodType).defaultValue).toBe(
      4,
    );
    expect(
      fieldOf(schemaAt(configFileSchema, ['ajet', 'task_reader', 'dataset_file']) as z.core.$ZodType).meta,
    ).toEqual({
      pluginSettings: true,
    });
    expect(schemaAt(configFileSchema, ['ajet', 'rollout', 'num_repeats'])).toBeUndefined();
    expect(schemaAt(configFileSchema, ['ajet', 'rollout', 'num_repeat', 'deeper'])).toBeUndefined();
    expect(declaredKeys(schemaAt(configFileSchema, ['ajet', 'task_reader']) as z.core.$ZodType)).toEqual([
      'type',
      'on_bad_row',
      'settings',
      'extra_validation',
    ]);
  });

  it('reads metadata, description, default and nullability through the wrappers', () => {
    const field = fieldOf(filePath().nullable().default(null).describe('a file'));
    expect(field).toMatchObject({ meta: { path: 'file' }, description: 'a file', hasDefault: true, nullable: true });
    expect(fieldOf(pluginSettings('replace').default({})).meta).toEqual({ pluginSettings: true, merge: 'replace' });
  });

  it("gives a section's default as its fields' defaults, in YAML keys", () => {
    const schema = section({ max_steps: z.number().default(5), nested: section({ on: z.boolean().default(true) }) });
    expect(defaultsOf(schema)).toEqual({ max_steps: 5, nested: { on: true } });
    expect(schema.parse(undefined)).toEqual({ maxSteps: 5, nested: { on: true } });
  });
});
