import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { requiredBackboneMethods } from '@ajet/backbone-kit';
import {
  type LoadSettingsAt,
  NoSuchPluginError,
  type PluginClass,
  type PluginContext,
  PluginError,
  type PluginKind,
  type PluginManifest,
} from '@ajet/spec';
import { resolve as resolveModule } from 'import-meta-resolve';
import type { z } from 'zod';
import { didYouMean } from '../config/did-you-mean.ts';
import { userFrame } from '../runtime/error-location.ts';
import { type PluginReference, parsePluginReference } from './plugin-reference.ts';
import { checkSettingPaths, resolveSettingPaths, type SettingsOrigin } from './setting-paths.ts';

/** Kinds whose export is a factory function (`SinkFactory`, `BackboneFactory`) rather than a class. */
const FACTORY_KINDS: ReadonlySet<PluginKind> = new Set(['metrics_sink', 'backbone']);

/** The methods an instance of each kind must have. */
const REQUIRED_METHODS: Record<PluginKind, readonly string[]> = {
  workflow: ['execute'],
  judge: ['computeReward'],
  task_reader: ['readTasks'],
  tool: ['execute'],
  metrics_sink: ['write', 'close'],
  backbone: requiredBackboneMethods,
};

/** What an instance of a kind must hold besides methods: a tool's name, and its parameters that validate calls. */
const REQUIRED_FIELDS: Partial<
  Record<PluginKind, readonly { field: string; is: (value: unknown) => boolean; expected: string }[]>
> = {
  tool: [
    { field: 'name', is: (value) => typeof value === 'string' && value.length > 0, expected: 'a non-empty string' },
    { field: 'parameters', is: isZodSchema, expected: 'a zod schema' },
  ],
};

/** `hint` and then where the reference is written, when known. */
function withKey(hint: string, keyPath: string | undefined): string {
  return keyPath ? `${hint} Check ${keyPath}.` : hint;
}

const SOURCE_EXTENSIONS = ['', '.ts', '.mts', '.js', '.mjs', '/index.ts', '/index.js'];

export interface PluginLoaderOptions {
  /**
   * Folder of the experiment's YAML file (the working directory for `ajet judge`/`ajet tool`): a relative file
   * reference resolves against it, and so do settings loaded without a `settingsOrigin`.
   */
  configDir: string;
  /** The working directory: ajet's dotted form and packages resolve from it. */
  cwd?: string;
  /** Every package's `manifest`, concatenated: the one registry of built-in names, all kinds. */
  builtins?: PluginManifest;
  /** The resolved config handed to plugins through their context. */
  config?: Readonly<Record<string, unknown>>;
}

export interface LoadPluginOptions {
  reference: string;
  kind: PluginKind;
  settings?: unknown;
  /** Config key that named the plugin, for errors (e.g. `ajet.task_judge.judge_protocol`). */
  keyPath?: string;
  /**
   * Where `settings` came from: the schema's `settingPath()` fields resolve against the folder of the file that
   * wrote each, and that folder is the plugin's `context.configDir`. Default: `configDir`, no file to name.
   */
  settingsOrigin?: SettingsOrigin;
  /** Folder a relative module in `reference` resolves against; default `configDir`. */
  referenceDir?: string;
}

/** A loaded plugin class, ready to construct instances (a workflow needs one per episode). */
export interface ResolvedPlugin<Instance> {
  reference: string;
  exportName: string;
  create(): Instance;
}

function findFile(base: string): string | undefined {
  for (const extension of SOURCE_EXTENSIONS) {
    const candidate = base + extension;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && 'safeParse' in value && typeof value.safeParse === 'function';
}

/**
 * A `.ts` file outside a `"type": "module"` package loads as CommonJS: its exports arrive as `default` (and
 * `module.exports`). Its namespace is then that object, so `file.ts->Export` names the same class either way.
 */
function namespaceOf(module: Record<string, unknown>): Record<string, unknown> {
  const commonJs = Object.keys(module).every((name) => name === 'default' || name === 'module.exports');
  const exports = module.default;
  return commonJs && typeof exports === 'object' && exports !== null
    ? { default: exports, ...(exports as Record<string, unknown>) }
    : module;
}

function exportList(module: Record<string, unknown>): string {
  const names = Object.keys(module).filter((name) => name !== 'default' || typeof module.default === 'function');
  return names.length > 0 ? names.join(', ') : 'nothing';
}

/**
 * Resolves `"module->Export"` strings (relative file, ajet's dotted form, package, built-in name), constructs the
 * class with its validated settings and checks the instance has its interface's methods.
 */
export class PluginLoader {
  private readonly configDir: string;
  private readonly cwd: string;
  private readonly builtins: PluginManifest;
  private readonly config: Readonly<Record<string, unknown>>;

  constructor(options: PluginLoaderOptions) {
    this.configDir = options.configDir;
    this.cwd = options.cwd ?? process.cwd();
    this.builtins = options.builtins ?? [];
    this.config = options.config ?? {};
  }

  /** Settings from no file (`ajet judge --settings`, a test): resolved against `configDir`. */
  private defaultOrigin(): SettingsOrigin {
    return { keyPath: undefined, folderOf: () => this.configDir, locationOf: () => undefined };
  }

  /**
   * The context a plugin whose settings came from `origin` gets: `configDir` is the folder that wrote the block,
   * and `load` builds a tool or judge named inside the block against that same folder.
   */
  context(origin: SettingsOrigin = this.defaultOrigin(), onLoad?: (loading: Promise<unknown>) => void): PluginContext {
    const configDir = origin.folderOf([]);
    return {
      configDir,
      config: this.config,
      load: <T>(reference: string, kind: PluginKind, settings?: unknown, at?: LoadSettingsAt) => {
        // Without `at`, the settings sit somewhere in the block: its own folder and line answer for every key.
        const prefix = at?.keyPath ? at.keyPath.split('.') : undefined;
        const within = (path: readonly (string | number)[]) => (prefix ? [...prefix, ...path] : []);
        const settingsOrigin: SettingsOrigin = {
          keyPath: [origin.keyPath, ...(prefix ?? [])].filter(Boolean).join('.') || undefined,
          folderOf: (path) => origin.folderOf(within(path)),
          locationOf: (path) => origin.locationOf(within(path)),
        };
        const loading = this.load<T>({
          reference,
          kind,
          settings,
          settingsOrigin,
          referenceDir: configDir,
          keyPath: this.referenceKey(origin, at?.referenceKeyPath),
        });
        onLoad?.(loading);
        return loading;
      },
    };
  }

  /** `ajet.task_judge.judge_settings.judges.1.judge (base.yaml:10)`: where a nested reference is written. */
  private referenceKey(origin: SettingsOrigin, referenceKeyPath: string | undefined): string | undefined {
    if (!referenceKeyPath) return undefined;
    const key = [origin.keyPath, referenceKeyPath].filter(Boolean).join('.');
    const location = origin.locationOf(referenceKeyPath.split('.'));
    return location ? `${key} (${location})` : key;
  }

  async load<Instance>(options: LoadPluginOptions): Promise<Instance> {
    const plugin = await this.resolve<Instance>(options);
    return plugin.create();
  }

  /** The built-in names of one kind, in registry order (for help texts and errors). */
  builtinNames(kind: PluginKind): string[] {
    return this.builtins.filter((entry) => entry.kind === kind).map((entry) => entry.name);
  }

  /**
   * Resolves a sink or backbone: a factory function rather than a class (`SinkFactory`, `BackboneFactory`), named
   * the same ways (built-in name, file, dotted path, package) and failing with the same errors.
   */
  async loadFactory<Factory>(options: Omit<LoadPluginOptions, 'settings'>): Promise<Factory> {
    const { reference, kind, keyPath } = options;
    const { exported, where } = await this.importExport(options);
    if (typeof exported !== 'function') {
      throw new PluginError(`"${reference}" is not a function (${where} exports it as a ${typeof exported}).`, {
        code: 'PLUGIN_NOT_A_FACTORY',
        kind,
        reference,
        hint: withKey(
          `A ${kind} plugin is a factory function (see ${kind === 'backbone' ? 'BackboneFactory' : 'SinkFactory'} in @ajet/spec).`,
          keyPath,
        ),
      });
    }
    return exported as Factory;
  }

  /** Imports and checks a plugin once; `create()` then builds instances (each is checked too). */
  async resolve<Instance>(options: LoadPluginOptions): Promise<ResolvedPlugin<Instance>> {
    const { reference, kind, keyPath } = options;
    if (FACTORY_KINDS.has(kind)) {
      throw new PluginError(`A ${kind} is a factory function, not a class: "${reference}" cannot be constructed.`, {
        code: 'PLUGIN_NOT_A_CLASS',
        kind,
        reference,
        hint: 'Name it where ajet expects one (trainer_common.logger, ajet.backbone); runJob calls the factory.',
      });
    }
    const { exported, where, exportName } = await this.importExport(options);
    if (typeof exported !== 'function') {
      throw new PluginError(`"${reference}" is not a class (${where} exports it as a ${typeof exported}).`, {
        code: 'PLUGIN_NOT_A_CLASS',
        kind,
        reference,
        hint: withKey(`A ${kind} plugin is a class constructed as new C(settings, context).`, keyPath),
      });
    }
    const pluginClass = exported as PluginClass<Instance>;
    const origin = options.settingsOrigin ?? this.defaultOrigin();
    const settings = this.validateSettings({ pluginClass, options, origin });
    // What the first instance's constructor loads (a combining judge's judges) is awaited below.
    let started: Promise<unknown>[] | undefined = [];
    const context = this.context(origin, (loading) => started?.push(loading));
    const create = (): Instance => {
      let instance: Instance;
      try {
        instance = new pluginClass(structuredClone(settings), context);
      } catch (error) {
        throw new PluginError(`Constructing ${kind} "${reference}" failed: ${this.describeThrown(error)}`, {
          code: 'PLUGIN_CONSTRUCTOR_FAILED',
          kind,
          reference,
          hint: keyPath ? `Check ${keyPath}.` : undefined,
          cause: error,
        });
      }
      this.checkInstance({ instance, kind, reference, keyPath });
      return instance;
    };
    // Built now so a bad plugin fails before any rollout; handed out by the first create().
    let first: Instance | undefined = create();
    const loads = started;
    started = undefined;
    await Promise.all(loads);
    return {
      reference,
      exportName,
      create: () => {
        const instance = first ?? create();
        first = undefined;
        return instance;
      },
    };
  }

  /**
   * The settings the constructor gets: without a schema, as written; with one, its marked paths resolved against
   * the folder of the file that wrote them (and checked where it asks), then parsed.
   */
  private validateSettings(options: {
    pluginClass: PluginClass<unknown>;
    options: LoadPluginOptions;
    origin: SettingsOrigin;
  }): unknown {
    const { pluginClass, origin } = options;
    const { reference, kind, keyPath } = options.options;
    const raw = options.options.settings ?? {};
    const schema = pluginClass.settings;
    if (!isZodSchema(schema)) return raw;
    const { value, marked } = resolveSettingPaths({
      value: raw,
      schema: schema as unknown as z.core.$ZodType,
      folderOf: origin.folderOf,
    });
    const parsed = schema.safeParse(value);
    if (parsed.success) {
      checkSettingPaths({ marked, origin });
      return parsed.data;
    }
    const [issue] = parsed.error.issues;
    const issuePath = issue?.path.map(String).join('.') ?? '';
    throw new PluginError(
      `Settings of ${kind} "${reference}" are invalid${issuePath ? ` at ${issuePath}` : ''}: ${issue?.message ?? 'invalid'}.`,
      {
        code: 'PLUGIN_SETTINGS_INVALID',
        kind,
        reference,
        hint: keyPath ? `Check the settings block beside ${keyPath}.` : undefined,
      },
    );
  }

  /** A plugin's own error: its message and the line in the user's file that threw it. */
  private describeThrown(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const location = userFrame(error, { cwd: this.cwd });
    return location ? `${message} (at ${location})` : message;
  }

  /** The instance has its kind's methods (and fields, for a tool), or the error names what is missing. */
  private checkInstance(options: { instance: unknown; kind: PluginKind; reference: string; keyPath?: string }): void {
    const { instance, kind, reference, keyPath } = options;
    const target = instance as Record<string, unknown>;
    const missing = REQUIRED_METHODS[kind].filter((method) => typeof target[method] !== 'function');
    if (missing.length > 0) {
      throw new PluginError(`${kind} "${reference}" has no method ${missing.join(', ')}.`, {
        code: 'PLUGIN_MISSING_METHOD',
        kind,
        reference,
        hint: withKey(`A ${kind} must implement ${REQUIRED_METHODS[kind].join(', ')} (see @ajet/spec).`, keyPath),
      });
    }
    const wrong = (REQUIRED_FIELDS[kind] ?? []).filter(({ field, is }) => !is(target[field]));
    if (wrong.length > 0) {
      const fields = wrong.map(({ field, expected }) => `${field} (${expected})`).join(', ');
      throw new PluginError(`${kind} "${reference}" has no valid ${fields}.`, {
        code: 'PLUGIN_MISSING_FIELD',
        kind,
        reference,
        hint: withKey(
          `A ${kind} has ${(REQUIRED_FIELDS[kind] ?? []).map(({ field }) => field).join(', ')} besides its methods (see @ajet/spec).`,
          keyPath,
        ),
      });
    }
  }

  /** The export a reference names: a manifest entry's `load()`, or the named export of a file or package. */
  private async importExport(
    options: Omit<LoadPluginOptions, 'settings'>,
  ): Promise<{ exported: unknown; exportName: string; where: string }> {
    const parsed = parsePluginReference(options.reference);
    if (parsed.form === 'builtin') {
      const exported = await this.builtin({ ...options, name: parsed.name }).load();
      const exportName = typeof exported === 'function' && exported.name ? exported.name : parsed.name;
      return { exported, exportName, where: `built-in ${options.kind} "${parsed.name}"` };
    }
    const { module, exportName, where } = await this.importModule({ ...options, parsed });
    const exported = module[exportName];
    if (exported === undefined) {
      throw new NoSuchPluginError(`No export "${exportName}" in ${where} (it exports: ${exportList(module)}).`, {
        kind: options.kind,
        reference: options.reference,
        hint: options.keyPath ? `Check ${options.keyPath}.` : undefined,
      });
    }
    return { exported, exportName, where };
  }

  /** The manifest entry of a bare name; else the names of that kind and the nearest one. */
  private builtin(options: { name: string; kind: PluginKind; reference: string; keyPath?: string }) {
    const { name, kind, reference, keyPath } = options;
    const entry = this.builtins.find((candidate) => candidate.kind === kind && candidate.name === name);
    if (entry) return entry;
    const known = this.builtinNames(kind);
    const suggestion = didYouMean(name, known);
    const example = FACTORY_KINDS.has(kind)
      ? `./my_${kind}.ts->create`
      : `./my_${kind}.ts->My${kind === 'task_reader' ? 'Reader' : 'Class'}`;
    throw new NoSuchPluginError(
      `No built-in ${kind} named "${name}" (built-ins: ${known.join(', ') || 'none'}).${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
      {
        kind,
        reference,
        hint: `Use a built-in name or a "module->Export" string such as "${example}".${keyPath ? ` Check ${keyPath}.` : ''}`,
      },
    );
  }

  private async importModule(
    options: Omit<LoadPluginOptions, 'settings'> & { parsed: Exclude<PluginReference, { form: 'builtin' }> },
  ): Promise<{ module: Record<string, unknown>; exportName: string; where: string }> {
    const { reference, kind, keyPath, parsed } = options;
    const referenceDir = options.referenceDir ?? this.configDir;
    const hint = keyPath ? `Check ${keyPath}.` : undefined;
    const importUrl = async (url: string, where: string) => {
      try {
        return namespaceOf((await import(url)) as Record<string, unknown>);
      } catch (error) {
        throw new PluginError(`Importing ${where} for ${kind} "${reference}" failed: ${this.describeThrown(error)}`, {
          code: 'PLUGIN_IMPORT_FAILED',
          kind,
          reference,
          hint,
          cause: error,
        });
      }
    };
    switch (parsed.form) {
      case 'file':
      case 'dotted': {
        const base =
          parsed.form === 'file'
            ? isAbsolute(parsed.path)
              ? parsed.path
              : resolve(referenceDir, parsed.path)
            : join(this.cwd, ...parsed.dotted.split('.'));
        const file = findFile(base);
        if (!file) {
          throw new NoSuchPluginError(`No module file for ${kind} "${reference}" (looked for ${base}{.ts,.js,…}).`, {
            kind,
            reference,
            hint:
              parsed.form === 'file'
                ? `Relative paths resolve against the YAML file's folder (${referenceDir}). ${hint ?? ''}`.trim()
                : `The dotted form resolves from the working directory (${this.cwd}). ${hint ?? ''}`.trim(),
          });
        }
        const module = await importUrl(pathToFileURL(file).href, file);
        return { module, exportName: parsed.exportName, where: file };
      }
      case 'package': {
        let url: string;
        try {
          url = resolveModule(parsed.specifier, pathToFileURL(join(this.cwd, 'package.json')).href);
        } catch (error) {
          throw new NoSuchPluginError(`Cannot find package "${parsed.specifier}" for ${kind} "${reference}".`, {
            kind,
            reference,
            hint: `Install it in ${this.cwd} (pnpm add ${parsed.specifier
              .split('/')
              .slice(0, parsed.specifier.startsWith('@') ? 2 : 1)
              .join('/')}). ${hint ?? ''}`.trim(),
            cause: error,
          });
        }
        const module = await importUrl(url, parsed.specifier);
        return { module, exportName: parsed.exportName, where: parsed.specifier };
      }
      default: {
        const exhaustive: never = parsed;
        return exhaustive;
      }
    }
  }
}
