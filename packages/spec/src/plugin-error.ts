import { AjetError } from './ajet-error.ts';

export type PluginKind = 'workflow' | 'judge' | 'task_reader' | 'tool' | 'metrics_sink' | 'backbone';

export interface PluginErrorOptions {
  code: string;
  kind: PluginKind;
  /** The `"module->Export"` string as the user wrote it. */
  reference: string;
  hint?: string;
  cause?: unknown;
}

/** A plugin could not be loaded or does not fit its interface. */
export class PluginError extends AjetError {
  readonly kind: PluginKind;
  readonly reference: string;

  constructor(message: string, options: PluginErrorOptions) {
    super(message, { code: options.code, blame: 'user', hint: options.hint, cause: options.cause });
    this.kind = options.kind;
    this.reference = options.reference;
  }
}

/** The module or export a `"module->Export"` string names does not exist. */
export class NoSuchPluginError extends PluginError {
  constructor(message: string, options: Omit<PluginErrorOptions, 'code'>) {
    super(message, { ...options, code: 'PLUGIN_NOT_FOUND' });
  }
}
