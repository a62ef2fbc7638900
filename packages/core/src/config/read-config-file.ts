import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { ConfigError } from '@ajet/spec';
import { type Document, isCollection, isMap, isSeq, LineCounter, parseDocument, visit } from 'yaml';

export type Tree = Record<string, unknown>;

/** Where a value came from: a YAML file (with its parsed document, for line numbers) or a command-line flag. */
export interface Source {
  label: string;
  /** A file's folder: relative paths it writes in a plugin's settings resolve against it. */
  folder?: string;
  document?: Document;
  lineCounter?: LineCounter;
}

export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys that reach `Object.prototype` through an assignment: never a config key. */
export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** How many nodes YAML aliases may expand to in one file (the `yaml` package's default, stated). */
const MAX_ALIAS_COUNT = 100;

/** A mapping without a prototype: no key of user data can reach `Object.prototype` through it. */
export function emptyTree(): Tree {
  return Object.create(null) as Tree;
}

export function forbiddenKeyError(options: { key: string; keyPath: string; file: string | undefined }): ConfigError {
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

export function displayPath(file: string): string {
  const fromCwd = relative(process.cwd(), file);
  return fromCwd.startsWith('..') ? file : fromCwd;
}

export function readYamlFile(file: string, referencedBy: string | undefined): { tree: Tree; source: Source } {
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
  const source: Source = { label, folder: dirname(file), document, lineCounter };
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

/** Offset of the key node for `path`, so an error points at `num_repeat:` rather than its value. */
export function findKeyOffset(document: Document, path: readonly (string | number)[]): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (!pair) return offset;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0];
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(String(segment))) {
      // A dotted key path (`judges.1.judge`) names list items by number-like strings.
      const item = node.items[Number(segment)] as { range?: [number, number, number] } | undefined;
      offset = item?.range?.[0];
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}
