import type { ChatMessage, ChatRequest, SamplingParams, ToolCallParser, Tuner } from '@ajet/spec';

/** What each model API of an episode URL is handed: the request's JSON body and the episode's tuner. */
export interface ModelApiRequest {
  body: unknown;
  tuner: Pick<Tuner, 'chat'>;
  model: string;
  toolCallParser?: ToolCallParser;
}

/** A function tool as a model API declares it; one without a schema takes any object. */
export interface DeclaredTool {
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
}

/**
 * The tuner request of one model API call. Tools, and the tool-call parser, go along only when the request declares
 * some: a call without tools is sampled and recorded as plain text.
 */
export function toolChatRequest(options: {
  messages: ChatMessage[];
  tools: readonly DeclaredTool[];
  sampling: SamplingParams;
  toolCallParser: ToolCallParser | undefined;
}): ChatRequest {
  const tools = options.tools.map((tool) => ({
    name: tool.name,
    description: tool.description ?? '',
    parameters: tool.parameters ?? { type: 'object', properties: {} },
  }));
  return {
    messages: options.messages,
    ...(tools.length > 0 ? { tools } : {}),
    sampling: options.sampling,
    toolCallParser: tools.length > 0 ? options.toolCallParser : undefined,
  };
}
