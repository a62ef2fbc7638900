import { AjetError } from '@ajet/spec';

/** The command line itself is wrong (unknown flag, missing argument). */
export class UsageError extends AjetError {
  constructor(message: string, command = 'ajet') {
    super(message, { code: 'USAGE', blame: 'user', hint: `Run \`${command} --help\` for usage.` });
  }
}
