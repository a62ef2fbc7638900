import type {
  ChatMessage,
  Judge,
  JudgeResult,
  PluginContext,
  Trajectory,
  WorkflowOutput,
  WorkflowTask,
} from '@ajet/spec';
import { ConfigError } from '@ajet/spec';
import { z } from 'zod';
import { tagContents } from './internal/tag-contents.ts';

const toolDisciplineSettings = z
  .strictObject({
    /** Reward before penalties. */
    base_reward: z.number().default(1),
    /** Lowest reward after penalties. */
    min_reward: z.number().default(0),
    max_tool_calls: z.number().int().nonnegative().default(5),
    weights: z
      .strictObject({
        /** Per tool call that did not parse. */
        malformed_tool_call: z.number().nonnegative().default(0.2),
        /** Per tool reply that is empty, or an `execute_python_code` run with no output (code without `print`). */
        empty_tool_output: z.number().nonnegative().default(0.2),
        /** When the episode ends on tool calls whose output the model never read. */
        unused_tool_output: z.number().nonnegative().default(0.2),
        /** Per assistant message that calls a tool and gives the final answer before the tool replied. */
        answer_with_tool_call: z.number().nonnegative().default(0.3),
        /** Per tool call beyond `max_tool_calls`. */
        too_many_tool_calls: z.number().nonnegative().default(0.1),
      })
      .prefault({}),
    /** How tool replies appear: `tool` messages, user messages wrapping `<output>…</output>`, or either. */
    reply_format: z.enum(['tool_message', 'output_tag', 'auto']).default('auto'),
    output_tag: z
      .string()
      .regex(/^[a-zA-Z_][\w-]*$/)
      .default('output'),
    /** Regex that marks a final answer in an assistant message. */
    answer_pattern: z.string().default(String.raw`\\boxed\{|<answer>|####`),
  })
  .transform((settings) => ({
    baseReward: settings.base_reward,
    minReward: settings.min_reward,
    maxToolCalls: settings.max_tool_calls,
    weights: {
      malformedToolCall: settings.weights.malformed_tool_call,
      emptyToolOutput: settings.weights.empty_tool_output,
      unusedToolOutput: settings.weights.unused_tool_output,
      answerWithToolCall: settings.weights.answer_with_tool_call,
      tooManyToolCalls: settings.weights.too_many_tool_calls,
    },
    replyFormat: settings.reply_format,
    outputTag: settings.output_tag,
    answerPattern: settings.answer_pattern,
  }));

/** What `execute_python_code` replies: the run's output as JSON. */
const pythonReplySchema = z.object({ stdout: z.string(), stderr: z.string().default(''), returncode: z.number() });

/** An empty reply, or a Python run that printed nothing and raised nothing (code without `print`). */
export function isEmptyToolOutput(reply: string): boolean {
  if (reply.trim() === '') return true;
  if (!reply.trimStart().startsWith('{')) return false;
  let json: unknown;
  try {
    json = JSON.parse(reply);
  } catch {
    return false;
  }
  const python = pythonReplySchema.safeParse(json);
  return python.success && python.data.stdout.trim() === '' && python.data.stderr.trim() === '';
}

export type ToolDisciplineSettings = z.output<typeof toolDisciplineSettings>;

export type ViolationKind =
  | 'malformed_tool_call'
  | 'empty_tool_output'
  | 'unused_tool_output'
  | 'answer_with_tool_call'
  | 'too_many_tool_calls';

export interface Violation {
  kind: ViolationKind;
  /** Index into `trajectory.messages`, when one message is to blame. */
  messageIndex?: number;
  penalty: number;
}

/** Penalises how an agent used its tools, read from the trajectory's messages. */
export class ToolDisciplineJudge implements Judge {
  static readonly settings = toolDisciplineSettings;
  private readonly settings: ToolDisciplineSettings;
  private readonly answerPattern: RegExp;

  constructor(settings: ToolDisciplineSettings, _context?: PluginContext) {
    this.settings = settings;
    try {
      this.answerPattern = new RegExp(settings.answerPattern);
    } catch (error) {
      throw new ConfigError(`answer_pattern is not a valid regular expression: ${settings.answerPattern}`, {
        code: 'JUDGE_BAD_PATTERN',
        keyPath: 'answer_pattern',
        hint: 'Write a JavaScript regular expression, e.g. "\\\\boxed\\{".',
        cause: error,
      });
    }
  }

  /** The tool outputs a message carries, or undefined when it is not a tool reply. */
  private toolReplies(message: ChatMessage): string[] | undefined {
    const format = this.settings.replyFormat;
    if (message.role === 'tool' && format !== 'output_tag') return [message.content];
    if (message.role === 'user' && format !== 'tool_message') {
      const outputs = tagContents({ text: message.content, tag: this.settings.outputTag });
      return outputs.length > 0 ? outputs : undefined;
    }
    return undefined;
  }

  violations(trajectory: Trajectory): Violation[] {
    const { weights } = this.settings;
    const found: Violation[] = [];
    let toolCalls = 0;
    let pendingCalls = 0;
    for (const [messageIndex, message] of trajectory.messages.entries()) {
      if (message.role === 'assistant') {
        for (const _malformed of message.malformedToolCalls ?? []) {
          found.push({ kind: 'malformed_tool_call', messageIndex, penalty: weights.malformedToolCall });
        }
        const calls = message.toolCalls?.length ?? 0;
        toolCalls += calls;
        pendingCalls = calls;
        if (calls > 0 && this.answerPattern.test(message.content)) {
          found.push({ kind: 'answer_with_tool_call', messageIndex, penalty: weights.answerWithToolCall });
        }
        continue;
      }
      const replies = this.toolReplies(message);
      if (replies === undefined) continue;
      pendingCalls = 0;
      for (const reply of replies) {
        if (isEmptyToolOutput(reply))
          found.push({ kind: 'empty_tool_output', messageIndex, penalty: weights.emptyToolOutput });
      }
    }
    if (pendingCalls > 0) found.push({ kind: 'unused_tool_output', penalty: weights.unusedToolOutput });
    const excess = toolCalls - this.settings.maxToolCalls;
    if (excess > 0) found.push({ kind: 'too_many_tool_calls', penalty: excess * weights.tooManyToolCalls });
    return found;
  }

  async computeReward(_task: WorkflowTask, _output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const violations = this.violations(trajectory);
    const penalty = violations.reduce((sum, violation) => sum + violation.penalty, 0);
    const rawReward = Math.max(this.settings.minReward, this.settings.baseReward - penalty);
    const toolCalls = trajectory.messages.reduce((sum, message) => sum + (message.toolCalls?.length ?? 0), 0);
    return {
      rawReward,
      isSuccess: violations.length === 0,
      details: { violations, penalty, toolCalls, reason: violations.length === 0 ? 'clean' : 'penalised' },
    };
  }
}
