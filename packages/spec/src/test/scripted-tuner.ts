import type { ParsedCompletion, ToolCallParser } from '../tool-call-parser.ts';
import type { ChatRequest, ChatResponse, Tuner } from '../tuner.ts';

export interface ScriptedTunerOptions {
  /** What `tuner.rollout.maxSteps` says (default 3). */
  maxSteps?: number;
  signal?: AbortSignal;
}

/**
 * A tuner for tests: answers each `chat` with the next scripted text (then `out of script`), parsed by the request's
 * tool-call parser as the runtime would, and keeps a copy of every request (less its parser) in `requests`.
 */
export function scriptedTuner(
  replies: readonly string[],
  options: ScriptedTunerOptions = {},
): Tuner & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  const unused = (what: string) => new Error(`${what} is not scripted; use a RecordingBackbone for it`);
  return {
    requests,
    signal: options.signal ?? new AbortController().signal,
    rollout: { maxSteps: options.maxSteps ?? 3 },
    async chat(request): Promise<ChatResponse> {
      requests.push(structuredClone({ ...request, toolCallParser: undefined }));
      const text = replies[requests.length - 1] ?? 'out of script';
      const parsed = request.toolCallParser?.parse(text);
      return {
        message: {
          role: 'assistant',
          content: parsed ? parsed.content : text,
          ...(parsed?.toolCalls.length ? { toolCalls: parsed.toolCalls } : {}),
          ...(parsed?.malformed.length ? { malformedToolCalls: parsed.malformed } : {}),
        },
        finishReason: 'stop',
        usage: { promptTokens: 10, completionTokens: text.length },
      };
    },
    openai: () => {
      throw unused('tuner.openai()');
    },
    endpoint: () => Promise.reject(unused('tuner.endpoint()')),
  };
}

/** Reads each `<calc>2+3</calc>` block as a call of the `calc` tool; the text stays whole. */
export const calcTagParser: ToolCallParser = {
  parse(text: string): ParsedCompletion {
    const toolCalls = [...text.matchAll(/<calc>(.*?)<\/calc>/g)].map((match, index) => ({
      id: `call_${index}`,
      name: 'calc',
      arguments: JSON.stringify({ expression: match[1] }),
    }));
    return { content: text, toolCalls, malformed: [] };
  },
};

/** What the scripted `calc` tool answers: the sum of a `2+3`-style expression, as text. */
export function addExpression(expression: string): string {
  return String(
    expression
      .split('+')
      .map(Number)
      .reduce((sum, term) => sum + term, 0),
  );
}
