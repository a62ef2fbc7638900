/** Who has to act on an error: the user (config, data), a plugin author, or the system/backbone. */
export type Blame = 'user' | 'plugin' | 'system';

export interface AjetErrorOptions {
  /** Stable machine-readable code, e.g. `CONFIG_UNKNOWN_KEY`. */
  code: string;
  blame: Blame;
  /** What the user should do next; appended to the message. */
  hint?: string;
  cause?: unknown;
}

/**
 * Base of every error ajet throws on purpose. `message` is one line that says what went wrong and, through
 * `hint`, what to do; the original error stays in `cause`.
 */
export class AjetError extends Error {
  readonly code: string;
  readonly blame: Blame;
  readonly hint: string | undefined;

  constructor(message: string, options: AjetErrorOptions) {
    super(options.hint ? `${message} ${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.blame = options.blame;
    this.hint = options.hint;
  }
}

export function isAjetError(value: unknown): value is AjetError {
  return value instanceof AjetError;
}
