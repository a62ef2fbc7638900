import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderChat } from './chat-format.ts';
import { buildWordList, END_NUMBER, FIRST_POINTER, IM_END, TinyTokenizer } from './tokenizer.ts';

const tokenizer = new TinyTokenizer({
  pointers: 4,
  words: buildWordList({ texts: ['What is the answer plus minus'], minCount: 1, always: ['user', 'assistant'] }),
});

function decode(ids: readonly number[]): string {
  const decoder = tokenizer.decoder([]);
  return ids.map((id) => decoder.push(id)).join('');
}

describe('TinyTokenizer', () => {
  it('round-trips any text exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        expect(decode(tokenizer.encode(text, []))).toBe(text);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(99999).map(String), fc.constantFrom(' plus ', ' is ', '\n', '.', ' 7.25')), {
          maxLength: 20,
        }),
        (parts) => {
          const text = parts.join('');
          expect(decode(tokenizer.encode(text, []))).toBe(text);
        },
      ),
    );
  });

  it('defines a number once, then points at it', () => {
    const ids = tokenizer.encode('What is 4829 plus 4829?', []);
    const pointer = FIRST_POINTER;
    expect(ids.filter((id) => id === pointer)).toHaveLength(2);
    const definition = ids.indexOf(pointer);
    expect(ids.slice(definition + 1, definition + 6)).toEqual([52, 56, 50, 57, END_NUMBER]);
    const secondUse = ids.lastIndexOf(pointer);
    expect(ids[secondUse + 1]).not.toBe(52);
  });

  it('falls back to digits when the pointers run out', () => {
    const text = '1 2 3 4 5 6';
    const ids = tokenizer.encode(text, []);
    expect(ids.filter((id) => tokenizer.isPointer(id))).toHaveLength(4);
    expect(decode(ids)).toBe(text);
  });

  it('renders incrementally: prefix + increment decodes to the whole conversation', () => {
    const messages = [
      { role: 'user' as const, content: 'What is 12 plus 30?' },
      { role: 'assistant' as const, content: 'It is 42' },
      { role: 'user' as const, content: '12 and 42 again, and 7' },
    ];
    const first = renderChat({ tokenizer, messages: messages.slice(0, 1), addGenerationPrompt: true });
    const completion = [...tokenizer.encode('It is 42', tokenizer.tableOf(first)), IM_END];
    const prefix = [...first, ...completion];
    const increment = renderChat({
      tokenizer,
      messages,
      addGenerationPrompt: true,
      prefix: { tokenIds: prefix, messageCount: 2 },
    });
    const whole = renderChat({ tokenizer, messages, addGenerationPrompt: true });
    expect(decode([...prefix, ...increment])).toBe(decode(whole));
    // 12 and 42 were defined before: the increment refers to them by pointer only.
    expect(increment.filter((id) => id === END_NUMBER)).toHaveLength(1);
  });
});
