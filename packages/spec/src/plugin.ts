import type { z } from 'zod';
import type { PluginKind } from './plugin-error.ts';

/** Where the settings handed to `PluginContext.load` sit inside the calling plugin's own settings block. */
export interface LoadSettingsAt {
  /** Dotted, from the block's root, e.g. `judges.0.settings`: errors name the full key and its YAML file. */
  keyPath?: string;
  /** Dotted, like `keyPath`, where the reference itself is written, e.g. `judges.0.judge`: errors about it name it. */
  referenceKeyPath?: string;
}

/** What a plugin's constructor gets besides its own settings. */
export interface PluginContext {
  /**
   * Folder of the YAML file that wrote this plugin's settings block (through `extends:` that may be a base file's
   * folder, not the experiment file's); the working directory's for `ajet judge`/`ajet tool` and a block no file
   * wrote. Fields the static `settings` schema marks with `settingPath()` arrive already resolved against it; a
   * plugin without a schema gets its settings exactly as written and resolves its relative paths against this.
   */
  configDir: string;
  /**
   * The whole resolved config (camelCase), read-only. Its shape is core's, not part of this contract: a plugin
   * takes what it needs from its own settings, and a workflow its episode's limits and abort signal from the
   * tuner (`tuner.rollout.maxSteps`, `tuner.signal`).
   */
  config: Readonly<Record<string, unknown>>;
  /**
   * Loads another plugin (a tool named in a workflow's settings, a judge inside a combining judge). A relative
   * module and the loaded plugin's marked paths resolve against the folder that wrote the caller's block; `at`
   * says where `settings` sit in that block, for errors. Loads started in the constructor finish before the caller
   * counts as loaded, so one that fails stops the run at start, naming its key.
   */
  load<T>(reference: string, kind: PluginKind, settings?: unknown, at?: LoadSettingsAt): Promise<T>;
}

/**
 * A plugin export: a class constructed with the YAML block beside its `"module->Export"` string. A static
 * zod `settings` schema, when present, validates (and fills defaults of) that block first; before that, core
 * resolves the fields it marks with `settingPath()` / `pluginReferenceSetting()` against the folder of the YAML
 * file that wrote them. Unmarked strings, and every value of a plugin without a schema, stay as written.
 */
export interface PluginClass<Instance = unknown, Settings = unknown> {
  new (settings: Settings, context: PluginContext): Instance;
  settings?: z.ZodType<Settings>;
}
