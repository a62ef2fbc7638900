import type { ChatMessage } from '@ajet/spec';
import { IM_END, IM_START, type TinyTokenizer } from './tokenizer.ts';

const NEWLINE = 10;

/**
 * ChatML as Qwen models use it: `<|im_start|>role\ncontent<|im_end|>\n` per message, and
 * `<|im_start|>assistant\n` to open the reply. With a prefix, only the tokens after it are returned, numbered
 * on from the prefix's pointer table, closing the prefix's last turn when its completion did not.
 */
export function renderChat(options: {
  tokenizer: TinyTokenizer;
  messages: readonly ChatMessage[];
  addGenerationPrompt: boolean;
  prefix?: { tokenIds: readonly number[]; messageCount: number };
}): number[] {
  const { tokenizer, prefix } = options;
  const table = prefix ? tokenizer.tableOf(prefix.tokenIds) : [];
  const ids: number[] = [];
  let messages = options.messages;
  if (prefix) {
    if (prefix.tokenIds.at(-1) !== IM_END) ids.push(IM_END);
    ids.push(NEWLINE);
    messages = messages.slice(prefix.messageCount);
  }
  for (const message of messages) {
    const input = message.role !== 'assistant';
    ids.push(IM_START, ...tokenizer.encode(`${message.role}\n${message.content}`, table, input), IM_END, NEWLINE);
  }
  if (options.addGenerationPrompt) ids.push(IM_START, ...tokenizer.encode('assistant\n', table));
  return ids;
}
