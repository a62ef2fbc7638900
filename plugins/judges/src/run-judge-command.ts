import { createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChatMessage, Judge, PluginContext, WorkflowTask } from '@ajet/spec';
import { ConfigError, DatasetError } from '@ajet/spec';
import { z } from 'zod';
import { LlmJudge } from './llm-judge.ts';
import { MathAnswerJudge } from './math-answer-judge.ts';
import { ToolDisciplineJudge } from './tool-discipline-judge.ts';
import { WeightedJudge } from './weighted-judge.ts';

function parseSettings<T>(options: { name: string; schema: z.ZodType<T>; settings: unknown }): T {
  const parsed = options.schema.safeParse(options.settings ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      `Bad settings for judge ${options.name}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`,
      {
        code: 'JUDGE_BAD_SETTINGS',
        hint: 'See the judge README for its keys.',
      },
    );
  }
  return parsed.data;
}

type JudgeFactory = (settings: unknown, context: PluginContext) => Judge;

/** The judges `ajet judge <name>` knows by short name, each built from YAML-shaped (snake_case) settings. */
export const builtinJudges: Readonly<Record<string, JudgeFactory>> = {
  math_answer: (settings, context) =>
    new MathAnswerJudge(parseSettings({ name: 'math_answer', schema: MathAnswerJudge.settings, settings }), context),
  tool_discipline: (settings, context) =>
    new ToolDisciplineJudge(
      parseSettings({ name: 'tool_discipline', schema: ToolDisciplineJudge.settings, settings }),
      context,
    ),
  llm_judge: (settings, context) =>
    new LlmJudge(parseSettings({ name: 'llm_judge', schema: LlmJudge.settings, settings }), context),
  weighted: (settings, context) =>
    new WeightedJudge(parseSettings({ name: 'weighted', schema: WeightedJudge.settings, settings }), context),
};

const caseSchema = z.object({
  prediction: z.string(),
  reference: z.union([z.string(), z.number()]),
  question: z.string().optional(),
  /** Whole conversation, for judges that read the trajectory (tool_discipline). */
  messages: z
    .array(z.object({ role: z.enum(['system', 'user', 'assistant', 'tool']), content: z.string() }).loose())
    .optional(),
});

export interface RunJudgeCommandOptions {
  /** A built-in name (`math_answer`, …) or, with `context`, a `"module->Export"` reference. */
  name: string;
  casesFile: string;
  /** The judge's settings as YAML would give them (snake_case), e.g. from `--set`. */
  settings?: unknown;
  /** The runtime's plugin context; needed for `weighted` and for references. */
  context?: PluginContext;
}

async function createJudge(options: RunJudgeCommandOptions): Promise<Judge> {
  const context: PluginContext = options.context ?? {
    configDir: dirname(options.casesFile),
    config: {},
    load: async (reference) => {
      throw new ConfigError(`Cannot load "${reference}" without the runtime's plugin loader.`, {
        code: 'JUDGE_NO_LOADER',
        hint: 'Run it through `ajet judge`, which passes the plugin context.',
      });
    },
  };
  const create = Object.hasOwn(builtinJudges, options.name) ? builtinJudges[options.name] : undefined;
  if (create) return create(options.settings, context);
  if (options.context) return options.context.load<Judge>(options.name, 'judge', options.settings);
  throw new ConfigError(`Unknown judge "${options.name}".`, {
    code: 'JUDGE_UNKNOWN',
    hint: `Use one of ${Object.keys(builtinJudges).join(', ')}, or a "module->Export" reference.`,
  });
}

/**
 * `ajet judge <name> --cases FILE.jsonl`: judges each `{"prediction", "reference"}` line and yields one JSON
 * verdict line (`isSuccess`, `rawReward`, `details`) per case. A bad line throws a DatasetError naming it.
 */
export async function* runJudgeCommand(options: RunJudgeCommandOptions): AsyncGenerator<string> {
  const judge = await createJudge(options);
  const lines = createInterface({
    input: createReadStream(options.casesFile, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let row = 0;
  try {
    for await (const line of lines) {
      row += 1;
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (error) {
        throw new DatasetError('not valid JSON.', {
          code: 'JUDGE_CASE_BAD_JSON',
          file: options.casesFile,
          row,
          cause: error,
        });
      }
      const parsed = caseSchema.safeParse(json);
      if (!parsed.success) {
        throw new DatasetError(`not a judge case: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`, {
          code: 'JUDGE_CASE_BAD_SHAPE',
          file: options.casesFile,
          row,
          hint: 'Each line is {"prediction": "...", "reference": "..."}.',
        });
      }
      const testCase = parsed.data;
      const question = testCase.question ?? '';
      const messages: ChatMessage[] = (testCase.messages as ChatMessage[] | undefined) ?? [
        { role: 'user', content: question },
        { role: 'assistant', content: testCase.prediction },
      ];
      const task: WorkflowTask = {
        task: { taskId: String(row), mainQuery: question, metadata: { answer: String(testCase.reference) } },
        episodeId: `case-${row}`,
        taskTag: `T${row}#R0`,
        split: 'validation',
        repeatIndex: 0,
      };
      const result = await judge.computeReward(
        task,
        { metadata: { finalAnswer: testCase.prediction } },
        {
          messages,
          calls: [],
          sequences: [],
        },
      );
      yield JSON.stringify({ isSuccess: result.isSuccess, rawReward: result.rawReward, details: result.details ?? {} });
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw new DatasetError('cases file not found.', {
        code: 'JUDGE_CASES_MISSING',
        file: options.casesFile,
        cause: error,
      });
    }
    throw error;
  } finally {
    lines.close();
  }
}
