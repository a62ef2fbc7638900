import type { MalformedToolCall, ToolCall } from './chat-message.ts';

export interface ParsedCompletion {
  /** The text outside tool-call blocks. */
  content: string;
  toolCalls: ToolCall[];
  malformed: MalformedToolCall[];
}

/** Turns completion text into an assistant message (Hermes `<tool_call>` blocks, `<calculator>` tags, …). */
export interface ToolCallParser {
  parse(text: string): ParsedCompletion;
}
