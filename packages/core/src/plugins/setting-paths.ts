import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, type SettingPathMeta, settingPathRegistry } from '@ajet/spec';
import { z } from 'zod';

type Schema = z.core.$ZodType;
export type SettingsPath = readonly (string | number)[];

/**
 * Where a plugin's settings block came from. Paths are relative to the block (`['training', 'file_path']`).
 * A block is written by one file when a later file replaces it whole; a reader's block merges key by key, and a
 * `--set` flag may add a key, so the folder is asked per key.
 */
export interface SettingsOrigin {
  /** Dotted config key of the block (`ajet.rollout.workflow_settings`), for errors; none for `ajet judge`. */
  keyPath: string | undefined;
  /** The folder relative paths at `path` resolve against: that of the YAML file that wrote the key. */
  folderOf(path: SettingsPath): string;
  /** `file:line` (or the flag) that wrote the key at `path`, for errors. */
  locationOf(path: SettingsPath): string | undefined;
}

/** One field a plugin's schema marks with `settingPath()` or `pluginReferenceSetting()`, as written and resolved. */
export interface MarkedSetting {
  path: (string | number)[];
  written: string;
  resolved: string;
  folder: string;
  meta: SettingPathMeta;
}

/** The parts of a zod definition the walk reads. */
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  getter?: () => Schema;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  valueType?: Schema;
  element?: Schema;
  items?: Schema[];
  rest?: Schema | null;
  options?: Schema[];
  left?: Schema;
  right?: Schema;
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'nonoptional', 'readonly', 'catch']);

function defOf(schema: Schema): Def {
  return schema._zod.def as unknown as Def;
}

/** The schema under its wrappers (default, optional, a transform's input, lazy), and a mark on any layer. */
function unwrap(schema: Schema): { core: Schema; meta: SettingPathMeta | undefined } {
  let node = schema;
  let meta = settingPathRegistry.get(node);
  for (let depth = 0; depth < 64; depth++) {
    const def = defOf(node);
    const inner = WRAPPERS.has(def.type)
      ? def.innerType
      : def.type === 'pipe'
        ? def.in
        : def.type === 'lazy'
          ? def.getter?.()
          : undefined;
    if (!inner) break;
    node = inner;
    meta ??= settingPathRegistry.get(node);
  }
  return { core: node, meta };
}

function isTree(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A path against `folder`; a plugin reference only when its module starts with `./` or `../`. */
function resolveMarked(options: { value: string; folder: string; meta: SettingPathMeta }): string {
  const { value, folder, meta } = options;
  if (meta.form === 'path') return isAbsolute(value) ? value : resolve(folder, value);
  if (!value.startsWith('./') && !value.startsWith('../')) return value;
  const arrow = value.lastIndexOf('->');
  return arrow < 0
    ? resolve(folder, value)
    : `${resolve(folder, value.slice(0, arrow).trim())}->${value.slice(arrow + 2)}`;
}

interface Walk {
  folderOf(path: SettingsPath): string;
  marked: MarkedSetting[];
}

function walk(value: unknown, schema: Schema, path: (string | number)[], state: Walk): unknown {
  const { core, meta } = unwrap(schema);
  // An empty string stays empty, for the schema's `min(1)` to report (resolved, it would name the folder).
  if (meta && typeof value === 'string' && value.length > 0) {
    const folder = state.folderOf(path);
    const resolved = resolveMarked({ value, folder, meta });
    state.marked.push({ path, written: value, resolved, folder, meta });
    return resolved;
  }
  const def = defOf(core);
  switch (def.type) {
    case 'object': {
      if (!isTree(value)) return value;
      const catchall = def.catchall && defOf(def.catchall).type !== 'never' ? def.catchall : undefined;
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => {
          const child = def.shape?.[key] ?? catchall;
          return [key, child ? walk(item, child, [...path, key], state) : item];
        }),
      );
    }
    case 'record': {
      const valueType = def.valueType;
      if (!isTree(value) || !valueType) return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, valueType, [...path, key], state)]),
      );
    }
    case 'array': {
      const element = def.element;
      if (!Array.isArray(value) || !element) return value;
      return value.map((item, index) => walk(item, element, [...path, index], state));
    }
    case 'tuple': {
      if (!Array.isArray(value)) return value;
      return value.map((item, index) => {
        const child = def.items?.[index] ?? def.rest ?? undefined;
        return child ? walk(item, child, [...path, index], state) : item;
      });
    }
    case 'union': {
      // The arm zod itself picks: the first that accepts the value (a path is a string either way).
      const arm = def.options?.find((option) => {
        try {
          return z.safeParse(option, value).success;
        } catch {
          return false; // an async check: not an arm a path field sits in
        }
      });
      return arm ? walk(value, arm, path, state) : value;
    }
    case 'intersection': {
      const left = def.left ? walk(value, def.left, path, state) : value;
      return def.right ? walk(left, def.right, path, state) : left;
    }
    default:
      return value;
  }
}

/**
 * A plugin's raw settings with the fields its schema marks resolved, each against the folder of the file that
 * wrote it; every other value exactly as written. Runs before the schema parses the block (a transform may rename
 * keys), so a value of the wrong type is left for the schema to report.
 */
export function resolveSettingPaths(options: {
  value: unknown;
  schema: Schema;
  folderOf(path: SettingsPath): string;
}): { value: unknown; marked: MarkedSetting[] } {
  const state: Walk = { folderOf: options.folderOf, marked: [] };
  const value = walk(options.value, options.schema, [], state);
  return { value, marked: state.marked };
}

/** Throws, naming the key and the YAML file, for the first `mustExist` path with nothing (or the wrong kind) there. */
export function checkSettingPaths(options: { marked: readonly MarkedSetting[]; origin: SettingsOrigin }): void {
  const { marked, origin } = options;
  for (const { path, written, resolved, folder, meta } of marked) {
    if (!meta.mustExist) continue;
    const kind = meta.mustExist;
    const stat = existsSync(resolved) ? statSync(resolved) : undefined;
    const fits = kind === 'file' ? stat?.isFile() : stat?.isDirectory();
    if (fits) continue;
    const relativeNote = isAbsolute(written)
      ? ''
      : `A relative path resolves against the folder of the YAML file that wrote it (${folder}).`;
    throw new ConfigError(stat ? `not a ${kind}: ${resolved}` : `${kind} not found: ${resolved}`, {
      code: 'CONFIG_PATH_NOT_FOUND',
      file: origin.locationOf(path),
      keyPath: [origin.keyPath, ...path].filter((part) => part !== undefined).join('.'),
      hint: [relativeNote, meta.hint].filter(Boolean).join(' ') || undefined,
    });
  }
}
