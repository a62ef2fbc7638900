/** One tool call an assistant message asks for. `arguments` is the JSON text the model wrote. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A tool call the model tried to write but that did not parse; reported back to the model and counted. */
export interface MalformedToolCall {
  raw: string;
  error: string;
}

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** Assistant messages: the tool calls parsed from the completion (or returned by an endpoint). */
  toolCalls?: ToolCall[];
  /** Assistant messages: tool calls that did not parse. */
  malformedToolCalls?: MalformedToolCall[];
  /** Tool messages: the call this message answers. */
  toolCallId?: string;
  /** Tool messages: the tool's name. */
  name?: string;
}

/** A tool as a chat template sees it (the OpenAI `tools[].function` shape). */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}
