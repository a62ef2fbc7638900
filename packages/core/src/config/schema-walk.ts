import { z } from 'zod';
import { type FieldMeta, fieldMeta } from './schema-fields.ts';

type Schema = z.core.$ZodType;

/** The parts of a zod definition this walker reads; every other def type is a leaf. */
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  defaultValue?: unknown;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  valueType?: Schema;
  element?: Schema;
}

function defOf(schema: Schema): Def {
  return schema._zod.def as unknown as Def;
}

/** A field with its wrappers (default, nullable, the camelCase transform) taken off, and what they said. */
export interface Field {
  /** The schema under the wrappers: an object, record, array or scalar. */
  core: Schema;
  meta: FieldMeta;
  description: string | undefined;
  hasDefault: boolean;
  defaultValue: unknown;
  nullable: boolean;
}

export function fieldOf(schema: Schema): Field {
  const field: Field = {
    core: schema,
    meta: {},
    description: undefined,
    hasDefault: false,
    defaultValue: undefined,
    nullable: false,
  };
  let node: Schema | undefined = schema;
  while (node) {
    field.core = node;
    field.meta = { ...fieldMeta.get(node), ...field.meta };
    field.description ??= z.globalRegistry.get(node)?.description;
    const def = defOf(node);
    if (def.type === 'default' && !field.hasDefault) {
      field.hasDefault = true;
      field.defaultValue = def.defaultValue;
    }
    if (def.type === 'nullable') field.nullable = true;
    node = ['default', 'prefault', 'nullable', 'optional'].includes(def.type)
      ? def.innerType
      : def.type === 'pipe'
        ? def.in
        : undefined;
  }
  return field;
}

/** The keys an object schema declares, in order; undefined for anything else. */
export function declaredKeys(schema: Schema): string[] | undefined {
  const def = defOf(fieldOf(schema).core);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/** The schema of `key` inside `schema`: a declared key, an object's catch-all, a record's values, a list's items. */
export function childSchema(schema: Schema, key: string | number): Schema | undefined {
  const def = defOf(fieldOf(schema).core);
  if (def.type === 'object') {
    // A strict object's catch-all is `never`: the key is unknown, not a field.
    const catchall = def.catchall && defOf(def.catchall).type !== 'never' ? def.catchall : undefined;
    return def.shape?.[String(key)] ?? catchall;
  }
  if (def.type === 'record') return def.valueType;
  if (def.type === 'array') return def.element;
  return undefined;
}

export function schemaAt(schema: Schema, path: readonly (string | number)[]): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const segment of path) node = node && childSchema(node, segment);
  return node;
}

/** The default as YAML data (snake_case keys): an object's is its fields' defaults. */
export function defaultsOf(schema: Schema): unknown {
  const field = fieldOf(schema);
  const def = defOf(field.core);
  if (field.hasDefault) return structuredClone(field.defaultValue);
  if (def.type === 'object' && def.shape) {
    return Object.fromEntries(Object.entries(def.shape).map(([key, child]) => [key, defaultsOf(child)]));
  }
  return undefined;
}

/** One entry per key of an object schema, depth first in schema order: what the generated files list. */
export interface SchemaEntry {
  path: string[];
  field: Field;
  /** A section (an object with declared keys), rather than a value. */
  isSection: boolean;
}

export function schemaEntries(schema: Schema, prefix: string[] = []): SchemaEntry[] {
  const def = defOf(fieldOf(schema).core);
  if (def.type !== 'object' || !def.shape) return [];
  const entries: SchemaEntry[] = [];
  for (const [key, child] of Object.entries(def.shape)) {
    const field = fieldOf(child);
    const isSection = declaredKeys(child) !== undefined;
    entries.push({ path: [...prefix, key], field, isSection });
    if (isSection) entries.push(...schemaEntries(child, [...prefix, key]));
  }
  return entries;
}
