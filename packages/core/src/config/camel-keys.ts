import { z } from 'zod';

export type SnakeToCamel<Key extends string> = Key extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<SnakeToCamel<Tail>>}`
  : Key;

export type CamelKeys<Value> = { [Key in keyof Value as Key extends string ? SnakeToCamel<Key> : Key]: Value[Key] };

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * A strict config section: unknown keys are errors; keys come out camelCase (one level; nested sections map their
 * own); a section left out is its fields' defaults.
 */
export function section<Shape extends z.ZodRawShape>(shape: Shape) {
  const strict = z.strictObject(shape);
  return strict
    .transform((value) => {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[snakeToCamel(key)] = item;
      return out as CamelKeys<typeof value>;
    })
    .prefault({} as z.input<typeof strict>);
}
