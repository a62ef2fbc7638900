import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { childSchema, fieldOf } from './schema-walk.ts';

function yamlValue(text: string): unknown {
  if (text === '') return '';
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/**
 * A flag's text as the type the schema has at its key: a number key gets a number, a boolean key `true`/`false`, a
 * list key `[a, b]` or `a,b`, a string key the text as written, a nullable key `null`. Text that is not of that type
 * stays text, so the schema's error names the flag, the key and the expected type. Keys the schema does not type
 * (inside a plugin's settings, or unknown) read the text as YAML.
 */
export function typedFlagValue(options: { text: string; schema: z.core.$ZodType | undefined }): unknown {
  const { text, schema } = options;
  if (!schema) return yamlValue(text);
  const field = fieldOf(schema);
  if (field.nullable && (text === 'null' || text === '~')) return null;
  const type = field.core._zod.def.type;
  switch (type) {
    case 'string':
    case 'enum':
      return text;
    case 'number': {
      const number = Number(text);
      return text.trim() !== '' && Number.isFinite(number) ? number : text;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'array': {
      const element = childSchema(schema, 0);
      if (text.trim().startsWith('[')) {
        const list = yamlValue(text);
        if (!Array.isArray(list)) return text;
        return list.map((item) =>
          item !== null && typeof item === 'object' ? item : typedFlagValue({ text: String(item), schema: element }),
        );
      }
      return text.trim() === ''
        ? []
        : text.split(',').map((item) => typedFlagValue({ text: item.trim(), schema: element }));
    }
    default:
      return yamlValue(text);
  }
}
