import { readFileSync } from 'node:fs';
import type { RenderChatRequest } from '@ajet/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatTokenizer, qwen3TokenizerFolder } from './chat-tokenizer.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../test-fixtures/${name}`, import.meta.url), 'utf8'));
const cases: { name: string; request: RenderChatRequest }[] = fixture('chat-cases.json');
/** transformers' apply_chat_template + tokenizer through backend/ajet_backend/rendering.py (gen_chat_golden.py). */
const golden: { cases: { name: string; tokenIds: number[]; pieces: string[] }[] } = fixture('chat-golden.json');

let tokenizer: ChatTokenizer;
beforeAll(async () => {
  tokenizer = await ChatTokenizer.fromFolder({ folder: qwen3TokenizerFolder(), name: 'Qwen/Qwen3-8B' });
}, 60_000);

describe('ChatTokenizer on the shipped Qwen3 tokenizer files', () => {
  it.each(cases.map((testCase, index) => ({ ...testCase, expected: golden.cases[index] })))(
    '$name: the token ids transformers renders',
    ({ name, request, expected }) => {
      expect(expected?.name).toBe(name);
      const { tokenIds } = tokenizer.renderChat(request);
      expect(tokenIds).toEqual(expected?.tokenIds);
      const pieces = tokenizer.detokenize({ tokenIds }).pieces;
      expect(pieces.join('')).toEqual(expected?.pieces.join(''));
    },
  );

  it('refuses a prefix count outside the messages', () => {
    expect(() =>
      tokenizer.renderChat({ messages: [{ role: 'user', content: 'hi' }], prefix: { tokenIds: [1], messageCount: 2 } }),
    ).toThrow(/prefix.messageCount is 2 but there are 1 messages/);
  });
});
