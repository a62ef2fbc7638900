import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@ajet/spec';
import {
  type Document,
  isCollection,
  isMap,
  isSeq,
  LineCounter,
  parseDocument,
  parse as parseYaml,
  stringify,
  visit,
} from 'yaml';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';
import { type AjetConfig, configFileSchema } from './schema.ts';

type Tree = Record<string, unknown>;

/** Where a value came from: a YAML file (with its parsed document, for line numbers) or a command-line flag. */
interface Source {
  label: string;
  document?: Document;
  lineCounter?: LineCounter;
}

export interface LoadConfigOptions {
  /** The user's YAML file. */
  file: string;
  /** `--set a.b.c=value` flags, in order (`ajet.` prefix optional). */
  sets?: readonly string[];
  /** Values set by dedicated CLI flags (`--backbone`, `--seed`, …), as dotted paths under `ajet`. */
  overrides?: Readonly<Record<string, unknown>>;
  /** Defaults to the repository's `configs/ajet_default.yaml`. */
  defaultsFile?: string;
}

export interface LoadedConfig {
  config: AjetConfig;
  /** The merged config as YAML keys (snake_case), root `ajet:` included: what `config.yaml` records. */
  resolved: Tree;
  configFile: string;
  /** Folder of the user's YAML: relative plugin paths and data paths resolve against it. */
  configDir: string;
  /** For `path` (dotted, under `ajet`), the file or flag that set it. */
  sourceOf(path: string): string | undefined;
}

export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../../../../configs/ajet_default.yaml', import.meta.url));

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys that reach `Object.prototype` through an assignment: never a config key. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** How many nodes YAML aliases may expand to in one file (the `yaml` package's default, stated). */
const MAX_ALIAS_COUNT = 100;

/** A mapping without a prototype: no key of user data can reach `Object.prototype` through it. */
function emptyTree(): Tree {
  return Object.create(null) as Tree;
}

function forbiddenKeyError(options: { key: string; keyPath: string; file: string | undefined }): ConfigError {
  return new ConfigError(`the key \`${options.key}\` is not allowed`, {
    code: 'CONFIG_FORBIDDEN_KEY',
    file: options.file,
    keyPath: options.keyPath,
    hint: 'No ajet setting has that name; remove it.',
  });
}

/** The path of the first forbidden key in `value`, depth first. */
function findForbiddenKey(value: unknown, prefix: readonly (string | number)[]): (string | number)[] | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findForbiddenKey(item, [...prefix, index]);
      if (found) return found;
    }
  } else if (isTree(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) return [...prefix, key];
      const found = findForbiddenKey(item, [...prefix, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Line of the alias that made `toJS` give up: the first alias of an anchor that itself holds aliases. */
function aliasBombLine(document: Document, lineCounter: LineCounter): number | undefined {
  let first: number | undefined;
  let nested: number | undefined;
  visit(document, {
    Alias(_key, alias) {
      const offset = alias.range?.[0];
      if (offset === undefined) return undefined;
      first ??= offset;
      const target = alias.resolve(document);
      let holdsAliases = false;
      if (isCollection(target)) {
        visit(target, {
          Alias() {
            holdsAliases = true;
            return visit.BREAK;
          },
        });
      }
      if (holdsAliases) {
        nested = offset;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  const offset = nested ?? first;
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function documentToTree(options: { document: Document; lineCounter: LineCounter; label: string }): unknown {
  const { document, lineCounter, label } = options;
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error;
    const line = aliasBombLine(document, lineCounter);
    throw new ConfigError(`YAML aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT})`, {
      code: 'CONFIG_MALFORMED',
      file: line === undefined ? label : `${label}:${line}`,
      hint: 'Write the values out, or use fewer aliases of anchors that themselves hold aliases.',
      cause: error,
    });
  }
}

function displayPath(file: string): string {
  const fromCwd = relative(process.cwd(), file);
  return fromCwd.startsWith('..') ? file : fromCwd;
}

function readYamlFile(file: string, referencedBy: string | undefined): { tree: Tree; source: Source } {
  if (!existsSync(file)) {
    throw new ConfigError(`config file not found: ${displayPath(file)}`, {
      code: 'CONFIG_NOT_FOUND',
      file: referencedBy,
      keyPath: referencedBy ? 'extends' : undefined,
      hint: 'Check the path (relative paths in `extends:` resolve against the file that names them).',
    });
  }
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const label = displayPath(file);
  const [firstError] = document.errors;
  if (firstError) {
    const position = firstError.linePos?.[0];
    const where = position ? `${label}:${position.line}:${position.col}` : label;
    const reason = (firstError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`malformed YAML: ${reason}`, {
      code: 'CONFIG_MALFORMED',
      file: where,
      hint: 'Fix the YAML syntax at that line (indentation, a missing colon, an unclosed quote).',
    });
  }
  const tree = documentToTree({ document, lineCounter, label });
  if (!isTree(tree)) {
    throw new ConfigError('expected a mapping with a root key `ajet:`', { code: 'CONFIG_INVALID', file: label });
  }
  const source: Source = { label, document, lineCounter };
  const forbidden = findForbiddenKey(tree, []);
  if (forbidden) {
    const offset = findKeyOffset(document, forbidden);
    throw forbiddenKeyError({
      key: String(forbidden.at(-1)),
      keyPath: forbidden.join('.'),
      file: offset === undefined ? label : `${label}:${lineCounter.linePos(offset).line}`,
    });
  }
  return { tree, source };
}

/** Deep merge: mappings merge key by key; lists, scalars and plugin settings blocks replace. Records provenance. */
function mergeInto(options: {
  target: Tree;
  patch: Tree;
  source: Source;
  prefix: string[];
  provenance: Map<string, Source>;
}): void {
  const { target, patch, source, prefix, provenance } = options;
  for (const [key, value] of Object.entries(patch)) {
    const path = [...prefix, key];
    const existing = target[key];
    provenance.set(path.join('.'), source);
    // A plugin's settings block belongs to the plugin the same file names: a later file replaces it whole.
    const replaceWhole = key === 'settings' || key.endsWith('_settings');
    if (isTree(value) && isTree(existing) && !replaceWhole) {
      mergeInto({ target: existing, patch: value, source, prefix: path, provenance });
    } else {
      if (isTree(value)) {
        const nested = emptyTree();
        mergeInto({ target: nested, patch: value, source, prefix: path, provenance });
        target[key] = nested;
      } else {
        target[key] = value;
      }
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

/**
 * Relative paths in a file mean relative to that file, also when another file extends it: `./data/x.jsonl` and
 * `./judge.ts->MyJudge` become absolute against the file's folder.
 */
function resolveRelativePaths(value: unknown, folder: string): unknown {
  if (typeof value === 'string' && (value.startsWith('./') || value.startsWith('../'))) {
    const arrow = value.lastIndexOf('->');
    return arrow < 0
      ? resolve(folder, value)
      : `${resolve(folder, value.slice(0, arrow).trim())}->${value.slice(arrow + 2)}`;
  }
  if (Array.isArray(value)) return value.map((item) => resolveRelativePaths(item, folder));
  if (isTree(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveRelativePaths(item, folder)]));
  return value;
}

/** The file chain of `extends:`, base first. */
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
  const own = { tree: resolveRelativePaths(rest, dirname(absolute)) as Tree, source: loaded.source };
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

function parseSetFlag(flag: string, defaults: Tree): { path: string[]; value: unknown } {
  const equals = flag.indexOf('=');
  if (equals <= 0) {
    throw new ConfigError(`--set ${flag}: expected key.path=value`, {
      code: 'CONFIG_BAD_FLAG',
      hint: 'For example: --set rollout.num_repeat=8',
    });
  }
  const rawKey = flag.slice(0, equals).trim();
  const rawValue = flag.slice(equals + 1);
  const path = rawKey.split('.');
  if (path[0] !== 'ajet') path.unshift('ajet');
  const forbidden = path.find((segment) => FORBIDDEN_KEYS.has(segment));
  if (forbidden) {
    throw forbiddenKeyError({
      key: forbidden,
      keyPath: path.slice(0, path.indexOf(forbidden) + 1).join('.'),
      file: `--set ${flag}`,
    });
  }
  let value: unknown;
  try {
    value = rawValue === '' ? '' : parseYaml(rawValue);
  } catch {
    value = rawValue;
  }
  // Typed by the schema: where the default is a string, the flag's text is the value as written.
  if (typeof getAt(defaults, path) === 'string' && typeof value !== 'string') value = rawValue;
  return { path, value };
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
      const pair = findKeyOffset(source.document, path.slice(0, length));
      const offset = pair ?? node?.range?.[0];
      if (offset !== undefined) return `${source.label}:${source.lineCounter.linePos(offset).line}`;
    }
    return source.label;
  }
  return undefined;
}

/** Offset of the key node for `path`, so an error points at `num_repeat:` rather than its value. */
function findKeyOffset(document: Document, path: readonly (string | number)[]): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (!pair) return offset;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number, number, number] } | undefined;
      offset = item?.range?.[0];
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function toConfigError(options: {
  issue: z.core.$ZodIssue;
  merged: Tree;
  defaults: Tree;
  provenance: Map<string, Source>;
}): ConfigError {
  const { issue, merged, defaults, provenance } = options;
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  const parentPath = path.slice(0, -1);
  const last = path.at(-1);
  const known = getAt(defaults, path);
  const knownParent = getAt(defaults, parentPath);
  // task_reader's catch-all reports a stray scalar as a bad settings block: it is an unknown key.
  const strayTaskReaderKey =
    issue.code === 'invalid_type' && path.length === 3 && path[1] === 'task_reader' && known === undefined;
  if (issue.code === 'unrecognized_keys' || strayTaskReaderKey) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [String(last)];
    const objectPath = issue.code === 'unrecognized_keys' ? path : parentPath;
    const candidates = Object.keys((isTree(getAt(defaults, objectPath)) ? getAt(defaults, objectPath) : {}) as Tree);
    const key = keys[0] ?? '';
    const suggestion = didYouMean(key, candidates);
    const keyPath = [...objectPath, key].join('.');
    return new ConfigError(`unknown key \`${key}\``, {
      code: 'CONFIG_UNKNOWN_KEY',
      file: locate({ path: [...objectPath, key], provenance }),
      keyPath,
      hint: suggestion
        ? `Did you mean \`${suggestion}\`?`
        : `Known keys here: ${candidates.join(', ') || '(none)'}. See configs/ajet_default.yaml.`,
    });
  }
  const actual = getAt(merged, path);
  const expectedFromDefault = known === undefined && isTree(knownParent) ? undefined : known;
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
        ? `The default is ${describeValue(expectedFromDefault)} (configs/ajet_default.yaml).`
        : undefined,
  });
}

/** Reads, merges and validates the configuration. Throws ConfigError naming the file, line and key. */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const defaultsFile = options.defaultsFile ?? DEFAULT_CONFIG_FILE;
  const defaultsLoaded = readYamlFile(defaultsFile, undefined);
  const defaults = defaultsLoaded.tree;
  const provenance = new Map<string, Source>();
  const merged = emptyTree();
  mergeInto({ target: merged, patch: defaults, source: defaultsLoaded.source, prefix: [], provenance });

  const configFile = resolve(options.file);
  for (const { tree, source } of readChain(configFile, [])) {
    if (!('ajet' in tree)) {
      const [firstKey] = Object.keys(tree);
      throw new ConfigError('expected a root key `ajet:`', {
        code: 'CONFIG_INVALID',
        file: source.label,
        keyPath: firstKey,
        hint: 'Put every setting under `ajet:` (see configs/ajet_default.yaml).',
      });
    }
    mergeInto({ target: merged, patch: tree, source, prefix: [], provenance });
  }
  for (const flag of options.sets ?? []) {
    const { path, value } = parseSetFlag(flag, defaults);
    const source: Source = { label: `--set ${flag}` };
    setAt(merged, path, value);
    provenance.set(path.join('.'), source);
  }
  for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    const path = ['ajet', ...dotted.split('.')];
    const forbidden = path.find((segment) => FORBIDDEN_KEYS.has(segment));
    if (forbidden) throw forbiddenKeyError({ key: forbidden, keyPath: path.join('.'), file: undefined });
    setAt(merged, path, value);
    provenance.set(path.join('.'), { label: `--${dotted.split('.').at(-1)?.replace(/_/g, '-')}` });
  }

  const parsed = configFileSchema.safeParse(merged);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw toConfigError({ issue: issue as z.core.$ZodIssue, merged, defaults, provenance });
  }
  return {
    config: parsed.data.ajet,
    resolved: merged,
    configFile,
    configDir: dirname(configFile),
    sourceOf: (path) => provenance.get(`ajet.${path}`)?.label,
  };
}

/** The resolved config as YAML text, for `config.yaml` in the experiment folder. */
export function stringifyResolvedConfig(resolved: Tree): string {
  return stringify(resolved, { lineWidth: 0 });
}
