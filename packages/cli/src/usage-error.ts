import { type ParseArgsConfig, parseArgs } from 'node:util';
import { AjetError } from '@ajet/spec';

/** The command line itself is wrong (unknown flag, missing argument). */
export class UsageError extends AjetError {
  constructor(message: string, command = 'ajet') {
    // node's parseArgs messages end without a full stop; the hint follows on the same line.
    const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
    super(sentence, { code: 'USAGE', blame: 'user', hint: `Run \`${command} --help\` for usage.` });
  }
}

/** node:util's parseArgs for `command`: an unknown flag or a flag without its value is a UsageError naming it. */
export function parseCommandArgs<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}
