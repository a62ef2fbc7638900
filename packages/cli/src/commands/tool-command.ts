import { readFileSync } from 'node:fs';
import { PluginLoader } from '@ajet/core';
import type { Tool } from '@ajet/spec';
import { builtinNames, builtins } from '../builtins.ts';
import { parseCommandArgs, UsageError } from '../usage-error.ts';

const HELP = `Usage:
  ajet tool <name> [--input TEXT | --input-file FILE | --args JSON | --code-file FILE] [--settings JSON]

Runs one call of a tool and prints its result: a built-in (${builtinNames('tool').join(', ')}) or "module->Export".

Examples (bash or zsh; $'…' turns \\n into newlines):
  ajet tool calculator --input $'<calculator>\\noperation: add\\noperands: [1, 2]\\n</calculator>'
  ajet tool calculator --input '(79 * 3)'
  ajet tool './my_tools.ts->WeatherTool' --args '{"city": "Paris"}'
`;

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, 'ajet tool');
  }
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} is not JSON: ${(error as Error).message}`, 'ajet tool');
  }
}

/** `ajet tool <name> …`: one call of a tool, its result on stdout. */
export async function toolCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('ajet tool', {
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: 'string' },
      'input-file': { type: 'string' },
      args: { type: 'string' },
      'code-file': { type: 'string' },
      settings: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const [name] = positionals;
  const loader = new PluginLoader({ configDir: process.cwd(), builtins });
  const settings = values.settings ? parseJson(values.settings, '--settings') : {};
  const tool = await loader.load<Tool>({ reference: name as string, kind: 'tool', settings });
  let args: unknown;
  if (values.args !== undefined) args = parseJson(values.args, '--args');
  else if (values['code-file'] !== undefined) args = { code: readText(values['code-file']) };
  else {
    const input = values.input ?? (values['input-file'] !== undefined ? readText(values['input-file']) : undefined);
    if (input === undefined)
      throw new UsageError('give the call with --input, --input-file, --args or --code-file', 'ajet tool');
    // `<calculator>…</calculator>` (the model's form) or the bare text, as the tool's single string argument.
    const body = /<calculator>([\s\S]*?)<\/calculator>/.exec(input)?.[1] ?? input;
    const shape = tool.parameters as { shape?: Record<string, unknown> };
    const [field] = Object.keys(shape.shape ?? { input: true });
    args = { [field ?? 'input']: body.trim() };
  }
  const checked = tool.parameters.safeParse(args);
  if (!checked.success) {
    const [issue] = checked.error.issues;
    throw new UsageError(
      `bad arguments for ${tool.name}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      'ajet tool',
    );
  }
  try {
    const output = await tool.execute(checked.data, { episodeId: 'cli' });
    process.stdout.write(`${output}\n`);
    return 0;
  } finally {
    // A tool may hold processes (execute_python_code's sandbox workers): without this the command never exits.
    await (tool as Tool & { close?: () => Promise<void> }).close?.();
  }
}
