import { existsSync } from 'node:fs';
import { PluginLoader } from '@ajet/core';
import { runJudgeCommand } from '@ajet/judges';
import type { Judge } from '@ajet/spec';
import { builtinNames, builtins } from '../builtins.ts';
import { parseCommandArgs, UsageError } from '../usage-error.ts';

const HELP = `Usage:
  ajet judge <name> --cases FILE.jsonl [--settings JSON]

For each line {"prediction": …, "reference": …} prints one JSON verdict line: isSuccess, rawReward, details.
<name> is a built-in judge (${builtinNames('judge').join(', ')}) or "module->Export"; --settings is its
settings block as YAML would give it (snake_case keys).

Example:
  ajet judge math_answer --cases cases.jsonl --settings '{"tolerance_absolute": 0.1}'
`;

/** `ajet judge <name> --cases FILE`: a verdict per case, one JSON line each. */
export async function judgeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('ajet judge', {
    args: argv,
    allowPositionals: true,
    options: {
      cases: { type: 'string' },
      settings: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (!values.cases) throw new UsageError('missing --cases FILE.jsonl', 'ajet judge');
  let settings: unknown = {};
  if (values.settings) {
    try {
      settings = JSON.parse(values.settings);
    } catch (error) {
      throw new UsageError(`--settings is not JSON: ${(error as Error).message}`, 'ajet judge');
    }
  }
  const loader = new PluginLoader({ configDir: process.cwd(), builtins });
  const judge = await loader.load<Judge>({ reference: positionals[0] as string, kind: 'judge', settings });
  if (!existsSync(values.cases)) throw new UsageError(`cannot read ${values.cases}: no such file`, 'ajet judge');
  for await (const line of runJudgeCommand({ judge, casesFile: values.cases })) {
    process.stdout.write(`${line}\n`);
  }
  return 0;
}
