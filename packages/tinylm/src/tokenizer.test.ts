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

  describe("repeatedNumbers: 'define'", () => {
    const defining = new TinyTokenizer({ ...tokenizer.toJSON(), repeatedNumbers: 'define' });
    const decodeWith = (ids: readonly number[]) => {
      const decoder = defining.decoder([]);
      return ids.map((id) => decoder.push(id)).join('');
    };

    it("gives each occurrence in input text a pointer of its own, and still copies in the model's text", () => {
      const question = 'What is 4829 plus 4829?';
      const table: string[] = [];
      const ids = defining.encode(question, table, true);
      expect(ids.filter((id) => id === END_NUMBER)).toHaveLength(2);
      expect(ids).toContain(FIRST_POINTER + 1);
      expect(table).toEqual(['4829', '4829']);
      expect(decodeWith(ids)).toBe(question);
      // Not input: copies, the k-th copy from the k-th pointer holding the number (then the last).
      expect(defining.encode('4829', [...table])).toEqual([FIRST_POINTER]);
      const call = defining.encode('4829+4829+4829', [...table]);
      expect(call.filter((id) => defining.isPointer(id))).toEqual([
        FIRST_POINTER,
        FIRST_POINTER + 1,
        FIRST_POINTER + 1,
      ]);
      expect(tokenizer.encode('4829+4829', ['4829', '4829'])).toEqual([FIRST_POINTER, 43, FIRST_POINTER]);
      // The default tokenizer ignores the input mark.
      expect(tokenizer.encode(question, [], true)).toEqual(tokenizer.encode(question, []));
    });

    it('copies again once the pointers run out, and round-trips any input text', () => {
      const text = '1 1 2 2 2';
      const ids = defining.encode(text, [], true);
      expect(ids.filter((id) => id === END_NUMBER)).toHaveLength(4);
      expect(ids.at(-1)).toBe(FIRST_POINTER + 2);
      expect(decodeWith(ids)).toBe(text);
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.nat(30).map(String), fc.constantFrom(' plus ', ' ', '.')), { maxLength: 20 }),
          (parts) => {
            const input = parts.join('');
            expect(decodeWith(defining.encode(input, [], true))).toBe(input);
          },
        ),
      );
    });

    it("renders user and tool messages as input, the assistant's as copies, and incrementally the same ids", () => {
      const messages = [
        { role: 'user' as const, content: 'What is 12 plus 12?' },
        { role: 'assistant' as const, content: 'It is 12' },
        { role: 'tool' as const, content: '12' },
      ];
      const whole = renderChat({ tokenizer: defining, messages, addGenerationPrompt: true });
      expect(whole.filter((id) => id === END_NUMBER)).toHaveLength(3);
      expect(decodeWith(whole)).toBe(decodeWith(renderChat({ tokenizer, messages, addGenerationPrompt: true })));
      const first = renderChat({ tokenizer: defining, messages: messages.slice(0, 2), addGenerationPrompt: false });
      const increment = renderChat({
        tokenizer: defining,
        messages,
        addGenerationPrompt: true,
        prefix: { tokenIds: first.slice(0, -1), messageCount: 2 },
      });
      expect([...first, ...increment.slice(1)]).toEqual(whole);
    });

    it('is kept by toJSON only when it is not the default', () => {
      expect(defining.toJSON().repeatedNumbers).toBe('define');
      expect('repeatedNumbers' in tokenizer.toJSON()).toBe(false);
    });
  });
});
