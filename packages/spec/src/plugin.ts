import type { z } from 'zod';
import type { PluginKind } from './plugin-error.ts';

/** What a plugin's constructor gets besides its own settings. */
export interface PluginContext {
  /** Folder of the YAML file that named the plugin; relative paths in settings resolve against it. */
  configDir: string;
  /**
   * The whole resolved config (camelCase), read-only. Its shape is core's, not part of this contract: a plugin
   * takes what it needs from its own settings, and a workflow its episode's limits and abort signal from the
   * tuner (`tuner.rollout.maxSteps`, `tuner.signal`).
   */
  config: Readonly<Record<string, unknown>>;
  /** Loads another plugin (a tool named in a workflow's settings, a judge inside a combining judge). */
  load<T>(reference: string, kind: PluginKind, settings?: unknown): Promise<T>;
}

/**
 * A plugin export: a class constructed with the YAML block beside its `"module->Export"` string. A static
 * zod `settings` schema, when present, validates (and fills defaults of) that block first.
 */
export interface PluginClass<Instance = unknown, Settings = unknown> {
  new (settings: Settings, context: PluginContext): Instance;
  settings?: z.ZodType<Settings>;
}
