import { AjetError } from './ajet-error.ts';

export interface ConfigErrorOptions {
  code: string;
  /** The YAML file the problem is in, when there is one. */
  file?: string;
  /** Dotted key path, e.g. `ajet.rollout.num_repeat`. */
  keyPath?: string;
  hint?: string;
  cause?: unknown;
}

/** The user's configuration (YAML, `--set` flags, CLI arguments) is wrong. */
export class ConfigError extends AjetError {
  readonly file: string | undefined;
  readonly keyPath: string | undefined;

  constructor(message: string, options: ConfigErrorOptions) {
    const where = [options.file, options.keyPath].filter(Boolean).join(': ');
    super(where ? `${where}: ${message}` : message, {
      code: options.code,
      blame: 'user',
      hint: options.hint,
      cause: options.cause,
    });
    this.file = options.file;
    this.keyPath = options.keyPath;
  }
}
