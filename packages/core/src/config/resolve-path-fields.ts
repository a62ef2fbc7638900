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

/**
 * The path fields of one file's tree made absolute against that file's folder, so they keep meaning the same file
 * when another file extends this one. Only fields the schema marks as paths (`filePath()`, `pluginReference()`)
 * change; every other value is as written, a plugin's settings block included (its own schema marks its paths,
 * resolved when the plugin is built: plugins/setting-paths.ts).
 */
export function resolvePathFields(options: {
  value: unknown;
  schema: z.core.$ZodType | undefined;
  folder: string;
}): unknown {
  const { value, schema, folder } = options;
  if (!schema) return value;
  const { meta } = fieldOf(schema);
  if (meta.pluginSettings) return value;
  switch (meta.path) {
    case 'file':
      return typeof value === 'string' && !isAbsolute(value) ? resolve(folder, value) : value;
    case 'file-or-name':
    case 'plugin-reference':
      return typeof value === 'string' ? resolveDotRelative(value, folder) : value;
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
