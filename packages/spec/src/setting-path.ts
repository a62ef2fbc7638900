import { z } from 'zod';

/**
 * What core does with a marked field of a plugin's settings schema before it validates the block:
 * - `path`: the whole value is a file or folder path; a relative one (`data/x.jsonl`, `./x`, `../x`) is made
 *   absolute against the folder of the YAML file that wrote it;
 * - `plugin`: a plugin reference (a built-in name or `"module->Export"`); only a module starting with `./` or `../`
 *   is a path (a built-in name, a package or ajet's dotted form stays as written).
 * `mustExist`: core checks the resolved path before the plugin is built and names the key and the YAML file when
 * there is nothing there (`hint` is appended to that error).
 */
export interface SettingPathMeta {
  form: 'path' | 'plugin';
  mustExist?: 'file' | 'folder';
  hint?: string;
}

/** The marks core reads off a plugin's static `settings` schema (see `settingPath`). */
export const settingPathRegistry = z.registry<SettingPathMeta>();

/**
 * A file or folder path in a plugin's settings. Core resolves it against the folder of the YAML file that wrote
 * it, also through `extends:`, so the plugin gets an absolute path; no other string of the block is touched. Mark
 * every path field with it: an unmarked string (a prompt, a regex) is handed over exactly as written.
 *
 * @example
 * static settings = z.strictObject({ rubric_file: settingPath({ mustExist: 'file' }).optional() });
 */
export function settingPath(options: { mustExist?: 'file' | 'folder'; hint?: string } = {}) {
  return z
    .string()
    .min(1)
    .register(settingPathRegistry, { form: 'path', ...options });
}

/**
 * A plugin reference in a plugin's settings (a tool of a workflow, a judge of a combining judge): a built-in name
 * or `"module->Export"`, whose module, when it starts with `./` or `../`, core resolves like `settingPath`.
 */
export function pluginReferenceSetting() {
  return z.string().min(1).register(settingPathRegistry, { form: 'plugin' });
}
