import type { ParsedCompletion, ToolCall, ToolCallParser } from '@ajet/spec';

const BLOCK = /<calculator>([\s\S]*?)<\/calculator>/g;

/**
 * The calculator agent's format: each `<calculator>…</calculator>` block is a call of the `calculator` tool. The
 * tags are part of what the model says, so `content` keeps the whole text. An opening tag never closed is a
 * malformed call.
 */
export class CalculatorTagParser implements ToolCallParser {
  parse(text: string): ParsedCompletion {
    const toolCalls: ToolCall[] = [...text.matchAll(BLOCK)].map((match, index) => ({
      id: `call_${index}`,
      name: 'calculator',
      arguments: JSON.stringify({ expression: (match[1] ?? '').trim() }),
    }));
    const opened = text.split('<calculator>').length - 1;
    const malformed =
      opened > toolCalls.length
        ? [
            {
              raw: text.slice(text.lastIndexOf('<calculator>')),
              error: 'a <calculator> tag was opened but never closed with </calculator>',
            },
          ]
        : [];
    return { content: text, toolCalls, malformed };
  }
}
