import { AjetError } from './ajet-error.ts';

export interface BackboneErrorOptions {
  code: string;
  /** Server address or endpoint URL, when the backbone is remote. */
  address?: string;
  /** Whether the same call may succeed when repeated. */
  retryable?: boolean;
  hint?: string;
  cause?: unknown;
}

/** The backbone (policy server, endpoint, in-process model) failed or cannot be reached. */
export class BackboneError extends AjetError {
  readonly address: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: BackboneErrorOptions) {
    super(options.address ? `${message} (${options.address})` : message, {
      code: options.code,
      blame: 'system',
      hint: options.hint,
      cause: options.cause,
    });
    this.address = options.address;
    this.retryable = options.retryable ?? false;
  }
}
