import { AjetError } from '@ajet/spec';

/** The Python sandbox could not start or its worker broke the protocol. */
export class SandboxError extends AjetError {
  constructor(message: string, options: { code: string; hint?: string; cause?: unknown }) {
    super(message, { code: options.code, blame: 'system', hint: options.hint, cause: options.cause });
  }
}

export const INSTALL_HINT = 'Install it with: apt-get install python3 bubblewrap';
