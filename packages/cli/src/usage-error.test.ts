import { describe, expect, it } from 'vitest';
import { parseCommandArgs, UsageError } from './usage-error.ts';

const OPTIONS = { port: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } as const;

describe('parseCommandArgs', () => {
  it('returns the parsed flags, defaults filled in', () => {
    const { values } = parseCommandArgs('ajet serve', { args: ['--port', '7'], options: OPTIONS });
    expect(values).toEqual({ port: '7', help: false });
  });

  it("turns node's parse errors into a UsageError that names the flag and points at the command's --help", () => {
    for (const args of [['--prot', '7'], ['--port']]) {
      let caught: unknown;
      try {
        parseCommandArgs('ajet serve', { args, options: OPTIONS });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as UsageError).message).toMatch(/^[^\n]*(--prot|--port)[^\n]*\.$/);
      expect((caught as UsageError).hint).toBe('Run `ajet serve --help` for usage.');
      expect((caught as UsageError).code).toBe('USAGE');
    }
  });
});
