import { stringify } from 'yaml';
import type { z } from 'zod';
import { type Field, fieldOf, type SchemaEntry, schemaEntries } from './schema-walk.ts';

const YAML_HEADER = `# Every ajet key, its default, and what it does. A user file sets only what it changes; it may \`extends:\` another file.
# Merge order: these defaults < extends < the file < \`--set a.b.c=v\` flags < \`--backbone\`. Mappings merge key by key,
# except a plugin's settings block (\`settings\`, \`workflow_settings\`, \`judge_settings\`), which a later file replaces whole.
# Generated from packages/core/src/config/schema.ts by \`pnpm gen:config\`: edit the schema, not this file.
`;

/** A number as YAML 1.1 and 1.2 both read it: `1.0e-6`, never `1e-6` (a string to YAML 1.1). */
function renderNumber(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 1e-4) return String(value);
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exponent}`;
}

function renderValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return renderNumber(value);
  if (Array.isArray(value)) return `[${value.map(renderValue).join(', ')}]`;
  if (typeof value === 'object')
    return Object.keys(value).length === 0 ? '{}' : stringify(value, { flow: true }).trim();
  return stringify(value).trim();
}

/** The defaults as YAML: each key with its default and its `.describe()` as a trailing comment, in schema order. */
export function renderDefaultsYaml(schema: z.core.$ZodType): string {
  const lines = [YAML_HEADER.trimEnd(), 'ajet:'];
  for (const { path, field, isSection } of schemaEntries(schema)) {
    const indent = '  '.repeat(path.length);
    const comment = field.description ? ` # ${field.description}` : '';
    if (isSection) {
      if (path.length === 1) lines.push('');
      lines.push(`${indent}${path.at(-1)}:${comment}`);
    } else {
      lines.push(`${indent}${path.at(-1)}: ${renderValue(field.defaultValue)}${comment}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function numberBounds(checks: readonly { _zod: { def: Record<string, unknown> } }[]): string[] {
  const bounds: string[] = [];
  for (const { _zod } of checks) {
    const def = _zod.def;
    if (def.check === 'greater_than') bounds.push(`${def.inclusive ? '>=' : '>'} ${def.value}`);
    if (def.check === 'less_than') bounds.push(`${def.inclusive ? '<=' : '<'} ${def.value}`);
  }
  return bounds;
}

/** A field's type in words, for the docs table. */
export function describeType(field: Field): string {
  const def = field.core._zod.def as unknown as {
    type: string;
    checks?: { _zod: { def: Record<string, unknown> } }[];
    entries?: Record<string, string>;
    element?: z.core.$ZodType;
  };
  let type: string;
  switch (field.meta.path) {
    case 'file':
      type = 'file path';
      break;
    case 'file-or-name':
      type = 'name, or a path (./…)';
      break;
    case 'plugin-reference':
      type = 'plugin: name or "module->Export"';
      break;
    default:
      if (field.meta.pluginSettings) {
        type = "mapping (the plugin's settings)";
      } else if (def.type === 'number') {
        const integer = def.checks?.some(({ _zod }) => _zod.def.format === 'safeint');
        type = [integer ? 'integer' : 'number', numberBounds(def.checks ?? []).join(' and ')].join(' ').trim();
      } else if (def.type === 'enum') {
        type = `one of ${Object.values(def.entries ?? {}).join(', ')}`;
      } else if (def.type === 'array' && def.element) {
        type = `list of ${describeType(fieldOf(def.element))}s`;
      } else {
        type = def.type;
      }
  }
  return field.nullable ? `${type}, or null` : type;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The docs page: one table row per key (path under `ajet:`, type, default, description). */
export function renderConfigDocs(schema: z.core.$ZodType): string {
  const rows = schemaEntries(schema)
    .filter((entry: SchemaEntry) => !entry.isSection)
    .map(({ path, field }) => {
      const defaultText = `\`${renderValue(field.defaultValue)}\``;
      return `| \`${path.join('.')}\` | ${cell(describeType(field))} | ${cell(defaultText)} | ${cell(field.description ?? '')} |`;
    });
  return `# Configuration reference

<!-- Generated from packages/core/src/config/schema.ts by \`pnpm gen:config\`: edit the schema, not this file. -->

Every key sits under \`ajet:\` in an experiment's YAML; a file sets only what it changes and may \`extends:\` other
files. Merge order: these defaults < extends < the file < \`--set a.b.c=v\` flags < dedicated flags (\`--backbone\`,
\`--seed\`). Mappings merge key by key, except a plugin's settings block (\`settings\`, \`workflow_settings\`,
\`judge_settings\`), which a later file replaces whole. \`--set\` values are typed by the key: a number key takes a
number, a boolean key \`true\`/\`false\`, a list key \`[a, b]\` or \`a,b\`, a string key the text as written.

Relative paths resolve against the folder of the file that wrote them (also through \`extends:\`): \`model.path\` when
it starts with \`./\` or \`../\`, the module of a \`"./file.ts->Export"\` plugin, and the settings a plugin's schema marks
with \`settingPath()\` or \`pluginReferenceSetting()\` (@ajet/spec): \`dataset_file\`'s \`file_path\`,
\`huggingface_dat_repo\`'s \`dataset_path\`, \`llm_judge\`'s \`rubric_file\`, the \`./\` module of a \`react_agent\` tool or a
\`weighted\` judge. Every other setting reaches the plugin exactly as written, \`./\` or not; a plugin without a schema
gets its block as written and \`context.configDir\`, the folder of the file that wrote the block. A relative path set
by \`--set\` resolves against the experiment file's folder.
The same defaults with one-line comments: [\`configs/ajet_default.yaml\`](../configs/ajet_default.yaml).

| key | type | default | description |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}
