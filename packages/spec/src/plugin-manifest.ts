import type { Backbone } from './backbone.ts';
import type { PluginKind } from './plugin-error.ts';

/**
 * One built-in of a plugin package: the bare name YAML uses (`judge_protocol: math_answer`) and how to import it.
 * `load()` imports the module only when the name is used and returns the export: a class for readers, workflows,
 * judges and tools (`new C(settings, context)`); a factory for sinks (`SinkFactory`) and backbones
 * (`BackboneFactory`).
 */
export interface BuiltinEntry {
  kind: PluginKind;
  name: string;
  load(): Promise<unknown>;
  /** One line for help texts and error messages. */
  summary: string;
}

/** What a plugin package exports as `manifest`; the CLI concatenates them into the one registry. */
export type PluginManifest = readonly BuiltinEntry[];

/** A backbone the run trains or samples with, and one line saying what it is. */
export interface CreatedBackbone {
  backbone: Backbone;
  /** e.g. `tinylm builtin:tinylm-calculator (in process)` or `grpc 127.0.0.1:50051`. */
  description: string;
  /**
   * The backbone runs in the ajet process (breakpoints work): episodes then run at most
   * `debug.debug_max_parallel` at once, otherwise `rollout.max_env_worker`.
   */
  inProcess?: boolean;
}

/** What a backbone factory gets besides its own settings block (`backbones.<name>`). */
export interface BackboneContext {
  /** `model.path` as the config wrote it (`builtin:…`, a folder, a model name the server knows). */
  modelPath: string;
  seed: number;
  /** `debug.train_threads`: threads an in-process backbone may use for forwardBackward. */
  trainThreads: number;
  /** `debug.sample_threads`: worker threads an in-process backbone may sample on (0: the calling thread). */
  sampleThreads: number;
  /** The YAML file's folder and the working directory: relative paths resolve against them. */
  configDir: string;
  cwd: string;
  /** The process environment, where tokens are read (`token_env`). */
  env: Readonly<Record<string, string | undefined>>;
}

/** `ajet.backbone: NAME` names one of these: it builds (and checks) the backbone before any rollout. */
export type BackboneFactory = (
  settings: Readonly<Record<string, unknown>>,
  context: BackboneContext,
) => Promise<CreatedBackbone>;
