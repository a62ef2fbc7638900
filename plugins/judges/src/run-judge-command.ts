import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ChatMessage, Judge, WorkflowTask } from '@ajet/spec';
import { DatasetError } from '@ajet/spec';
import { z } from 'zod';

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
  /** The judge, built by the runtime's plugin loader from a built-in name or a `"module->Export"` reference. */
  judge: Judge;
  casesFile: string;
}

/**
 * `ajet judge <name> --cases FILE.jsonl`: judges each `{"prediction", "reference"}` line and yields one JSON
 * verdict line (`isSuccess`, `rawReward`, `details`) per case. A bad line throws a DatasetError naming it.
 */
export async function* runJudgeCommand(options: RunJudgeCommandOptions): AsyncGenerator<string> {
  const { judge } = options;
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
