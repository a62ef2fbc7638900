import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@ajet/spec';
import { stringify } from 'yaml';
import type { z } from 'zod';
import type { SettingsOrigin } from '../plugins/setting-paths.ts';
import { didYouMean } from './did-you-mean.ts';
import {
  displayPath,
  emptyTree,
  FORBIDDEN_KEYS,
  findKeyOffset,
  forbiddenKeyError,
  isTree,
  readYamlFile,
  type Source,
  type Tree,
} from './read-config-file.ts';
import { resolvePathFields } from './resolve-path-fields.ts';
import { type AjetConfig, configFileSchema } from './schema.ts';
import { childSchema, declaredKeys, defaultsOf, fieldOf, schemaAt } from './schema-walk.ts';
import { typedFlagValue } from './typed-flag-value.ts';

export interface LoadConfigOptions {
  /** The user's YAML file; without one, the defaults and the flags. */
  file?: string;
  /** `--set a.b.c=value` flags, in order (`ajet.` prefix optional). */
  sets?: readonly string[];
  /**
   * Values set by dedicated CLI flags (`--backbone`, `--seed`, …), as dotted paths under `ajet`; a string is the
   * flag's text, typed by the schema like a `--set` value.
   */
  overrides?: Readonly<Record<string, unknown>>;
}

export interface LoadedConfig {
  config: AjetConfig;
  /** The merged config as YAML keys (snake_case), root `ajet:` included: what `config.yaml` records. */
  resolved: Tree;
  configFile: string | undefined;
  /** Folder of the user's YAML (else the working directory): relative plugin modules resolve against it. */
  configDir: string;
  /** For `path` (dotted, under `ajet`), the file or flag that set it. */
  sourceOf(path: string): string | undefined;
  /**
   * Where each key of the plugin settings block at `path` (dotted, under `ajet`) came from: the folder of the file
   * that wrote it (`configDir` for a flag or the defaults) and its `file:line`. The plugin loader resolves the
   * paths the plugin's schema marks against it; the config itself keeps every setting as written.
   */
  settingsOrigin(path: string): SettingsOrigin;
}

/** Every key's default, as YAML data: from the schema, the one source. */
const DEFAULTS = defaultsOf(configFileSchema) as Tree;
const DEFAULTS_SOURCE: Source = { label: 'the defaults (docs/config.md)' };

/** Deep merge: mappings merge key by key; lists, scalars and `merge: replace` fields replace. Records provenance. */
function mergeInto(options: {
  target: Tree;
  patch: Tree;
  schema: z.core.$ZodType | undefined;
  source: Source;
  prefix: string[];
  provenance: Map<string, Source>;
}): void {
  const { target, patch, schema, source, prefix, provenance } = options;
  for (const [key, value] of Object.entries(patch)) {
    const path = [...prefix, key];
    const existing = target[key];
    const child = schema && childSchema(schema, key);
    provenance.set(path.join('.'), source);
    const replaceWhole = child !== undefined && fieldOf(child).meta.merge === 'replace';
    if (isTree(value) && isTree(existing) && !replaceWhole) {
      mergeInto({ target: existing, patch: value, schema: child, source, prefix: path, provenance });
    } else if (isTree(value)) {
      const nested = emptyTree();
      mergeInto({ target: nested, patch: value, schema: child, source, prefix: path, provenance });
      target[key] = nested;
    } else {
      target[key] = value;
    }
  }
}

function getAt(tree: unknown, path: readonly (string | number)[]): unknown {
  let node: unknown = tree;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function setAt(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (!isTree(next)) node[segment] = emptyTree();
    node = node[segment] as Tree;
  }
  node[path.at(-1) as string] = value;
}

/** The file chain of `extends:`, base first; each file's path fields already resolved against its own folder. */
function readChain(file: string, seen: string[], referencedBy?: string): { tree: Tree; source: Source }[] {
  const absolute = resolve(file);
  if (seen.includes(absolute)) {
    throw new ConfigError(`\`extends\` forms a cycle: ${[...seen, absolute].map(displayPath).join(' -> ')}`, {
      code: 'CONFIG_EXTENDS_CYCLE',
      file: referencedBy,
      keyPath: 'extends',
    });
  }
  const loaded = readYamlFile(absolute, referencedBy);
  const { extends: parent, ...rest } = loaded.tree;
  const tree = resolvePathFields({ value: rest, schema: configFileSchema, folder: dirname(absolute) }) as Tree;
  const own = { tree, source: loaded.source };
  if (parent === undefined || parent === null) return [own];
  const parents = Array.isArray(parent) ? parent : [parent];
  const chain: { tree: Tree; source: Source }[] = [];
  for (const entry of parents) {
    if (typeof entry !== 'string') {
      throw new ConfigError('`extends` must be a file path or a list of them', {
        code: 'CONFIG_INVALID',
        file: loaded.source.label,
        keyPath: 'extends',
      });
    }
    const parentFile = isAbsolute(entry) ? entry : resolve(dirname(absolute), entry);
    chain.push(...readChain(parentFile, [...seen, absolute], loaded.source.label));
  }
  chain.push(own);
  return chain;
}

function checkedPath(options: { path: string[]; file: string | undefined }): string[] {
  const { path, file } = options;
  const forbidden = path.find((segment) => FORBIDDEN_KEYS.has(segment));
  if (forbidden) {
    throw forbiddenKeyError({ key: forbidden, keyPath: path.slice(0, path.indexOf(forbidden) + 1).join('.'), file });
  }
  return path;
}

function parseSetFlag(flag: string): { path: string[]; value: unknown } {
  const equals = flag.indexOf('=');
  if (equals <= 0) {
    throw new ConfigError(`--set ${flag}: expected key.path=value`, {
      code: 'CONFIG_BAD_FLAG',
      hint: 'For example: --set rollout.num_repeat=8',
    });
  }
  const path = flag.slice(0, equals).trim().split('.');
  if (path[0] !== 'ajet') path.unshift('ajet');
  checkedPath({ path, file: `--set ${flag}` });
  const text = flag.slice(equals + 1);
  return { path, value: typedFlagValue({ text, schema: schemaAt(configFileSchema, path) }) };
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function locate(options: { path: readonly (string | number)[]; provenance: Map<string, Source> }): string | undefined {
  const { path, provenance } = options;
  for (let length = path.length; length > 0; length--) {
    const source = provenance.get(path.slice(0, length).join('.'));
    if (!source) continue;
    if (source.document && source.lineCounter) {
      const node = source.document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | null;
      // The file that wrote the nearest recorded key also wrote what is below it (a list item's keys): look deeper.
      const pair = findKeyOffset(source.document, path);
      const offset = pair ?? node?.range?.[0];
      if (offset !== undefined) return `${source.label}:${source.lineCounter.linePos(offset).line}`;
    }
    return source.label;
  }
  return undefined;
}

function toConfigError(options: {
  issue: z.core.$ZodIssue;
  merged: Tree;
  provenance: Map<string, Source>;
}): ConfigError {
  const { issue, merged, provenance } = options;
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  const parentPath = path.slice(0, -1);
  const last = path.at(-1);
  const parentSchema = schemaAt(configFileSchema, parentPath);
  const parentKeys = parentSchema && declaredKeys(parentSchema);
  // A key the section does not declare, caught by a catch-all for settings blocks but holding no mapping.
  const undeclared = issue.code === 'invalid_type' && parentKeys !== undefined && !parentKeys.includes(String(last));
  if (issue.code === 'unrecognized_keys' || undeclared) {
    const key = (issue.code === 'unrecognized_keys' ? issue.keys[0] : String(last)) ?? '';
    const objectPath = issue.code === 'unrecognized_keys' ? path : parentPath;
    const objectSchema = schemaAt(configFileSchema, objectPath);
    const candidates = (objectSchema && declaredKeys(objectSchema)) ?? [];
    const suggestion = didYouMean(key, candidates);
    return new ConfigError(`unknown key \`${key}\``, {
      code: 'CONFIG_UNKNOWN_KEY',
      file: locate({ path: [...objectPath, key], provenance }),
      keyPath: [...objectPath, key].join('.'),
      hint: suggestion
        ? `Did you mean \`${suggestion}\`?`
        : `Known keys here: ${candidates.join(', ') || '(none)'}. See docs/config.md.`,
    });
  }
  const actual = getAt(merged, path);
  const known = getAt(DEFAULTS, path);
  const expectedFromDefault = known === undefined && isTree(getAt(DEFAULTS, parentPath)) ? undefined : known;
  let message = issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'invalid_type') message = `expected ${issue.expected}, got ${describeValue(actual)}`;
  else if (issue.code === 'invalid_value') {
    message = `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, got ${describeValue(actual)}`;
  } else message = `${message} (got ${describeValue(actual)})`;
  return new ConfigError(message, {
    code: 'CONFIG_INVALID',
    file: locate({ path, provenance }),
    keyPath: path.join('.'),
    hint:
      expectedFromDefault !== undefined
        ? `The default is ${describeValue(expectedFromDefault)} (docs/config.md).`
        : undefined,
  });
}

/** The nearest key at or above `path` that a file or flag wrote, as that file's folder and `file:line`. */
function originOf(options: { block: string[]; provenance: Map<string, Source>; configDir: string }): SettingsOrigin {
  const { block, provenance, configDir } = options;
  const sourceAt = (path: readonly (string | number)[]): Source | undefined => {
    for (let length = path.length; length > 0; length--) {
      const source = provenance.get(path.slice(0, length).join('.'));
      if (source) return source;
    }
    return undefined;
  };
  return {
    keyPath: block.join('.'),
    folderOf: (path) => sourceAt([...block, ...path])?.folder ?? configDir,
    locationOf: (path) => locate({ path: [...block, ...path], provenance }),
  };
}

/** Reads, merges and validates the configuration. Throws ConfigError naming the file, line and key. */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const provenance = new Map<string, Source>();
  const merged = emptyTree();
  const merge = (patch: Tree, source: Source) =>
    mergeInto({ target: merged, patch, schema: configFileSchema, source, prefix: [], provenance });
  merge(DEFAULTS, DEFAULTS_SOURCE);

  const configFile = options.file === undefined ? undefined : resolve(options.file);
  for (const { tree, source } of configFile ? readChain(configFile, []) : []) {
    if (!('ajet' in tree)) {
      const [firstKey] = Object.keys(tree);
      throw new ConfigError('expected a root key `ajet:`', {
        code: 'CONFIG_INVALID',
        file: source.label,
        keyPath: firstKey,
        hint: 'Put every setting under `ajet:` (see docs/config.md).',
      });
    }
    merge(tree, source);
  }
  for (const flag of options.sets ?? []) {
    const { path, value } = parseSetFlag(flag);
    setAt(merged, path, value);
    provenance.set(path.join('.'), { label: `--set ${flag}` });
  }
  for (const [dotted, raw] of Object.entries(options.overrides ?? {})) {
    if (raw === undefined) continue;
    const path = checkedPath({ path: ['ajet', ...dotted.split('.')], file: undefined });
    const value =
      typeof raw === 'string' ? typedFlagValue({ text: raw, schema: schemaAt(configFileSchema, path) }) : raw;
    setAt(merged, path, value);
    provenance.set(path.join('.'), { label: `--${dotted.split('.').at(-1)?.replace(/_/g, '-')}` });
  }

  const parsed = configFileSchema.safeParse(merged);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw toConfigError({ issue: issue as z.core.$ZodIssue, merged, provenance });
  }
  const configDir = configFile ? dirname(configFile) : process.cwd();
  return {
    config: parsed.data.ajet,
    resolved: merged,
    configFile,
    configDir,
    sourceOf: (path) => provenance.get(`ajet.${path}`)?.label,
    settingsOrigin: (path) => originOf({ block: ['ajet', ...path.split('.')], provenance, configDir }),
  };
}

/** The resolved config as YAML text, for `config.yaml` in the experiment folder. */
export function stringifyResolvedConfig(resolved: Tree): string {
  return stringify(resolved, { lineWidth: 0 });
}
