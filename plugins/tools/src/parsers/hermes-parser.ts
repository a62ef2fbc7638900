import type { MalformedToolCall, ParsedCompletion, ToolCall, ToolCallParser } from '@ajet/spec';
import { z } from 'zod';

const BLOCK = /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g;

const callSchema = z.object({
  name: z.string().min(1),
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).default({}),
});

/**
 * Hermes/Qwen tool calls: `<tool_call>{"name": …, "arguments": …}</tool_call>` blocks, several per turn. The
 * text outside the blocks is the content; a block whose JSON does not parse is reported, not thrown.
 */
export class HermesToolCallParser implements ToolCallParser {
  parse(text: string): ParsedCompletion {
    const toolCalls: ToolCall[] = [];
    const malformed: MalformedToolCall[] = [];
    for (const match of text.matchAll(BLOCK)) {
      const raw = match[0];
      const body = (match[1] ?? '').trim();
      if (!raw.includes('</tool_call>')) {
        malformed.push({ raw, error: 'a <tool_call> block was opened but never closed with </tool_call>' });
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch (error) {
        malformed.push({ raw, error: `the tool call is not valid JSON: ${(error as Error).message}` });
        continue;
      }
      const parsed = callSchema.safeParse(json);
      if (!parsed.success) {
        malformed.push({ raw, error: 'a tool call needs {"name": "...", "arguments": {...}}' });
        continue;
      }
      const { name, arguments: args } = parsed.data;
      toolCalls.push({
        id: `call_${toolCalls.length}`,
        name,
        arguments: typeof args === 'string' ? args : JSON.stringify(args),
      });
    }
    return { content: text.replace(BLOCK, '').trim(), toolCalls, malformed };
  }
}
