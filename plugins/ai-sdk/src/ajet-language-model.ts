import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4ToolResultOutput,
  SharedV4Warning,
} from '@ai-sdk/provider';
import type { ChatMessage, ChatResponse, ToolCallParser, ToolSpec, Tuner } from '@ajet/spec';

export interface AjetModelOptions {
  /** Turns the model's completion text into tool calls (`CalculatorTagParser`, `HermesToolCallParser` from @ajet/tools). */
  toolCallParser?: ToolCallParser;
  /**
   * How tool results reach the model: `tool` messages (the default), or `user` messages wrapped in a template, as
   * a model trained that way expects (the calculator policy reads `<output>{output}</output>` from the user).
   */
  toolReply?: { role: 'tool' } | { role: 'user'; template: string };
  /** Reported as the model id; `ajet-policy` unless set. */
  modelId?: string;
}

function outputText(output: LanguageModelV4ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return `Error: execution denied${output.reason ? `: ${output.reason}` : ''}`;
    case 'content':
      return output.value.map((part) => (part.type === 'text' ? part.text : '')).join('');
    default: {
      const exhaustive: never = output;
      return String(exhaustive);
    }
  }
}

/** The AI SDK's prompt as ajet chat messages: text joined, tool calls and results as the runtime records them. */
function toMessages(prompt: LanguageModelV4Prompt, toolReply: AjetModelOptions['toolReply']): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const message of prompt) {
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user':
        messages.push({
          role: 'user',
          content: message.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
        });
        break;
      case 'assistant': {
        let content = '';
        const toolCalls: NonNullable<ChatMessage['toolCalls']> = [];
        for (const part of message.content) {
          if (part.type === 'text') content += part.text;
          if (part.type === 'tool-call') {
            toolCalls.push({ id: part.toolCallId, name: part.toolName, arguments: JSON.stringify(part.input) });
          }
        }
        messages.push({ role: 'assistant', content, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
        break;
      }
      case 'tool':
        for (const part of message.content) {
          if (part.type !== 'tool-result') continue;
          const output = outputText(part.output);
          messages.push(
            toolReply?.role === 'user'
              ? { role: 'user', content: toolReply.template.replaceAll('{output}', () => output) }
              : { role: 'tool', content: output, toolCallId: part.toolCallId, name: part.toolName },
          );
        }
        break;
      default: {
        const exhaustive: never = message;
        throw new Error(`unknown message role in ${JSON.stringify(exhaustive)}`);
      }
    }
  }
  return messages;
}

function toResult(response: ChatResponse, warnings: SharedV4Warning[]): LanguageModelV4GenerateResult {
  const { message } = response;
  const toolCalls = message.toolCalls ?? [];
  const content: LanguageModelV4Content[] = [];
  if (message.content !== '') content.push({ type: 'text', text: message.content });
  for (const call of toolCalls) {
    content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.arguments || '{}' });
  }
  return {
    content,
    finishReason: {
      unified: toolCalls.length > 0 ? 'tool-calls' : response.finishReason === 'length' ? 'length' : 'stop',
      raw: response.finishReason,
    },
    usage: {
      inputTokens: {
        total: response.usage.promptTokens,
        noCache: undefined,
        cacheRead: undefined,
        cacheWrite: undefined,
      },
      outputTokens: { total: response.usage.completionTokens, text: undefined, reasoning: undefined },
    },
    warnings,
  };
}

/**
 * The episode's policy as an AI SDK `LanguageModel`: `generateText({ model: ajet(tuner), tools, stopWhen })` in a
 * workflow calls `tuner.chat` directly (no HTTP hop), so every call is rendered, sampled and recorded token for token,
 * and calls that continue the conversation merge into one training sample. Streaming replays the whole completion.
 */
export function ajet(tuner: Tuner, options: AjetModelOptions = {}): LanguageModelV4 {
  const generate = async (call: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
    const warnings: SharedV4Warning[] = [];
    const tools: ToolSpec[] = [];
    for (const tool of call.tools ?? []) {
      if (tool.type === 'function') {
        tools.push({ name: tool.name, description: tool.description ?? '', parameters: tool.inputSchema });
      } else warnings.push({ type: 'unsupported', feature: `provider tool ${tool.id}` });
    }
    if (call.topK !== undefined) warnings.push({ type: 'unsupported', feature: 'topK' });
    const response = await tuner.chat({
      messages: toMessages(call.prompt, options.toolReply),
      ...(tools.length > 0 ? { tools } : {}),
      sampling: {
        ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        ...(call.topP !== undefined ? { topP: call.topP } : {}),
        ...(call.maxOutputTokens !== undefined ? { maxTokens: call.maxOutputTokens } : {}),
        ...(call.stopSequences && call.stopSequences.length > 0 ? { stop: call.stopSequences } : {}),
        ...(call.seed !== undefined ? { seed: call.seed } : {}),
      },
      ...(options.toolCallParser ? { toolCallParser: options.toolCallParser } : {}),
    });
    return toResult(response, warnings);
  };
  return {
    specificationVersion: 'v4',
    provider: 'ajet',
    modelId: options.modelId ?? 'ajet-policy',
    supportedUrls: {},
    doGenerate: generate,
    async doStream(call) {
      const result = await generate(call);
      const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: result.warnings }];
      for (const [index, part] of result.content.entries()) {
        if (part.type === 'text') {
          const id = `text-${index}`;
          parts.push(
            { type: 'text-start', id },
            { type: 'text-delta', id, delta: part.text },
            { type: 'text-end', id },
          );
        } else parts.push(part as LanguageModelV4StreamPart);
      }
      parts.push({ type: 'finish', usage: result.usage, finishReason: result.finishReason });
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  };
}
