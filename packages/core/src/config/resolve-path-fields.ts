import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { isTree } from './read-config-file.ts';
import { childSchema, fieldOf } from './schema-walk.ts';

/** `./x` and `../x` against `folder`, also as the module of `"./x.ts->Export"`; any other text as it is. */
function resolveDotRelative(value: string, folder: string): string {
  if (!value.startsWith('./') && !value.startsWith('../')) return value;
  const arrow = value.lastIndexOf('->');
  return arrow < 0
    ? resolve(folder, value)
    : `${resolve(folder, value.slice(0, arrow).trim())}->${value.slice(arrow + 2)}`;
}

/** Every `./`/`../` string in a plugin's free-form block: the schema cannot type the plugin's fields. */
function resolveInPluginSettings(value: unknown, folder: string): unknown {
  if (typeof value === 'string') return resolveDotRelative(value, folder);
  if (Array.isArray(value)) return value.map((item) => resolveInPluginSettings(item, folder));
  if (isTree(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveInPluginSettings(item, folder)]));
  }
  return value;
}

/**
 * The path fields of one file's tree made absolute against that file's folder, so they keep meaning the same file
 * when another file extends this one. Only fields the schema marks as paths (`filePath()`, `pluginReference()`,
 * `pluginSettings()`) change; every other value is as written.
 */
export function resolvePathFields(options: {
  value: unknown;
  schema: z.core.$ZodType | undefined;
  folder: string;
}): unknown {
  const { value, schema, folder } = options;
  if (!schema) return value;
  switch (fieldOf(schema).meta.path) {
    case 'file':
      return typeof value === 'string' && !isAbsolute(value) ? resolve(folder, value) : value;
    case 'file-or-name':
    case 'plugin-reference':
      return typeof value === 'string' ? resolveDotRelative(value, folder) : value;
    case 'plugin-settings':
      return resolveInPluginSettings(value, folder);
    case undefined:
      break;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => resolvePathFields({ value: item, schema: childSchema(schema, index), folder }));
  }
  if (isTree(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        resolvePathFields({ value: item, schema: childSchema(schema, key), folder }),
      ]),
    );
  }
  return value;
}
