import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PluginLoader } from '@ajet/core';
import { DatasetError, type Judge, type WorkflowTask } from '@ajet/spec';
import { z } from 'zod';
import { builtins } from '../builtins.ts';
import { UsageError } from '../usage-error.ts';

const HELP = `Usage:
  ajet judge <name> --cases FILE.jsonl [--settings JSON]

For each line {"prediction": …, "reference": …} prints one JSON verdict line: isSuccess, rawReward, details.
<name> is a built-in judge (${Object.entries(builtins)
  .filter(([, entry]) => entry.kind === 'judge')
  .map(([name]) => name)
  .join(', ')}) or "module->Export".

Example:
  ajet judge math_answer --cases cases.jsonl --settings '{"tolerance": {"absolute": 0.1}}'
`;

const caseSchema = z.object({
  prediction: z.union([z.string(), z.number()]).transform(String),
  reference: z.union([z.string(), z.number()]).transform(String),
});

/** `ajet judge <name> --cases FILE`: a verdict per case, one JSON line each. */
export async function judgeCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        cases: { type: 'string' },
        settings: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError((error as Error).message, 'ajet judge');
  }
  const { values, positionals } = parsed;
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
  let text: string;
  try {
    text = readFileSync(values.cases, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${values.cases}: ${(error as Error).message}`, 'ajet judge');
  }
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim().length === 0) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new DatasetError(`not JSON: ${(error as Error).message}`, {
        code: 'DATASET_BAD_JSON',
        file: values.cases,
        row: index + 1,
      });
    }
    const checked = caseSchema.safeParse(row);
    if (!checked.success) {
      throw new DatasetError('expected {"prediction": …, "reference": …}', {
        code: 'DATASET_BAD_ROW',
        file: values.cases,
        row: index + 1,
      });
    }
    const { prediction, reference } = checked.data;
    const task: WorkflowTask = {
      task: { taskId: String(index + 1), mainQuery: '', metadata: { answer: reference } },
      episodeId: `case-${index + 1}`,
      taskTag: `T${index + 1}#R0`,
      split: 'validation',
      repeatIndex: 0,
    };
    const verdict = await judge.computeReward(
      task,
      { metadata: { finalAnswer: prediction } },
      { messages: [{ role: 'assistant', content: prediction }], calls: [], sequences: [] },
    );
    process.stdout.write(
      `${JSON.stringify({ isSuccess: verdict.isSuccess, rawReward: verdict.rawReward, details: verdict.details ?? {} })}\n`,
    );
  }
  return 0;
}
