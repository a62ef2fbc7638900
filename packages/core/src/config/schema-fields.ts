import { z } from 'zod';

/**
 * How the loader treats a relative value a file writes into a field (resolved against that file's folder):
 * - `file`: the whole value is a path;
 * - `file-or-name`: a path when it starts with `./` or `../`, else a name (`builtin:x`, a model id);
 * - `plugin-reference`: a name or `"module->Export"`; a module starting with `./` or `../` is a path.
 * A plugin's settings block has no rule: it stays as written, and the plugin loader resolves the fields the
 * plugin's own schema marks (`settingPath()` in @ajet/spec) against the folder of the file that wrote them.
 */
export type PathRule = 'file' | 'file-or-name' | 'plugin-reference';

/** What the config loader reads off a field besides its type: the path rule and the merge rule. */
export interface FieldMeta {
  path?: PathRule;
  /** `replace`: a later file replaces the whole mapping instead of merging key by key. */
  merge?: 'replace';
  /** A plugin's own settings block: typed by the plugin's schema, not this one. */
  pluginSettings?: true;
}

/** Loader metadata on config fields, kept beside zod's own (`.describe()` goes to zod's global registry). */
export const fieldMeta = z.registry<FieldMeta>();

/** A file path; `orName`: or a name (`builtin:x`, a model id) unless it starts with `./` or `../`. */
export function filePath(options: { orName?: boolean } = {}) {
  return z
    .string()
    .min(1)
    .register(fieldMeta, { path: options.orName ? 'file-or-name' : 'file' });
}

/** A plugin: a built-in name or `"module->Export"`. */
export function pluginReference() {
  return z.string().min(1).register(fieldMeta, { path: 'plugin-reference' });
}

/**
 * A plugin's own settings block, validated later by the plugin's static `settings` schema. `replace`: the block
 * belongs to the plugin the same file names, so a later file replaces it whole; `merge`: key by key.
 */
export function pluginSettings(merge: 'replace' | 'merge') {
  return z
    .record(z.string(), z.unknown())
    .register(fieldMeta, merge === 'replace' ? { pluginSettings: true, merge } : { pluginSettings: true });
}
