// The golden cases the Python twin of tinylm (backend/ajet_backend/tinylm) is checked against: tokenizer encodes
// and decodes, ChatML renders, and greedy completions with their logprobs from the in-process TinyLmBackbone.
// scripts/gen-tinylm-golden.ts writes them to backend/tests/fixtures/tinylm_golden.json (pytest reads it);
// test/tinylm-python-golden.test.ts checks that file is current.
import type { ChatMessage } from '@ajet/spec';
import { createTinyLm, renderChat, TinyTokenizer } from '@ajet/tinylm';

export const GOLDEN_FILE = 'backend/tests/fixtures/tinylm_golden.json';
export const GOLDEN_MODEL = 'builtin:tinylm-calculator';

const TEXTS = [
  'What is 12 + 345?',
  'The answer is 12. Then 12 * 7 = 84, and 84 - 12 = 72.',
  'operands: [3.25, 1e+5, 2.5e-3, 007, 3.25]',
  '<calculator>\n{"operation": "add", "operands": [1, 2]}\n</calculator>',
  'spaces:  two,    four,            twelve,               fifteen',
  'Ünïcödé — 数字 ７ and emoji 🙂 with 1 2 3',
  ' leading space, trailing space ',
  Array.from({ length: 45 }, (_, index) => index * 3).join(' '),
  'tab\there\r\nand CRLF',
  '',
];

const CONVERSATIONS: ChatMessage[][] = [
  [
    { role: 'system', content: 'You are a calculator agent.' },
    { role: 'user', content: 'What is 12 + 345?' },
  ],
  [{ role: 'user', content: 'Compute 7 * 8 - 3.' }],
  [
    { role: 'user', content: 'What is 1234 * 5678?' },
    { role: 'assistant', content: '<calculator>\n{"operation": "multiply", "operands": [1234, 5678]}\n</calculator>' },
    { role: 'tool', content: '<output>7006652</output>' },
  ],
  [{ role: 'user', content: 'Divide 100 by 8, then add 0.5.' }],
];

// Numbers said twice, for the golden model's tokenizer with repeatedNumbers: 'define' (input text and renders).
const REPEATS = ['987 times 654, 321 times 654, 987 times 321', '1 1 2 2 2 3.5 3.5', ...TEXTS.slice(1, 3)];
const REPEAT_CONVERSATIONS: ChatMessage[][] = [
  [
    { role: 'user', content: 'What is 98765 minus 43210 plus 98765 plus 43210?' },
    { role: 'assistant', content: 'subtract [98765, 43210] then add 98765 and 43210 and 98765' },
    { role: 'user', content: '<output>98765</output>' },
  ],
];

export interface TinyLmGolden {
  model: string;
  encode: { text: string; ids: number[]; pieces: string[] }[];
  render: { messages: ChatMessage[]; ids: number[]; prefixCount: number; increment: number[] }[];
  define: {
    encode: { text: string; ids: number[] }[];
    render: { messages: ChatMessage[]; ids: number[]; prefixCount: number; increment: number[] }[];
  };
  greedy: { promptIds: number[]; tokenIds: number[]; logprobs: number[]; text: string; finishReason: string }[];
}

export async function tinyLmGolden(): Promise<TinyLmGolden> {
  const backbone = await createTinyLm({ modelPath: GOLDEN_MODEL, seed: 1 });
  try {
    const { tokenizer } = backbone;
    const encode = TEXTS.map((text) => {
      const ids = tokenizer.encode(text, []);
      const decoder = tokenizer.decoder([]);
      return { text, ids, pieces: ids.map((id) => decoder.push(id)) };
    });
    const renders = (chatTokenizer: TinyTokenizer, conversations: ChatMessage[][]) =>
      conversations.map((messages) => {
        const ids = renderChat({ tokenizer: chatTokenizer, messages, addGenerationPrompt: true });
        const prefixCount = Math.max(1, messages.length - 1);
        const prefixIds = renderChat({
          tokenizer: chatTokenizer,
          messages: messages.slice(0, prefixCount),
          addGenerationPrompt: false,
        });
        const increment = renderChat({
          tokenizer: chatTokenizer,
          messages,
          addGenerationPrompt: true,
          prefix: { tokenIds: prefixIds, messageCount: prefixCount },
        });
        return { messages, ids, prefixCount, increment };
      });
    const render = renders(tokenizer, CONVERSATIONS);
    const defining = new TinyTokenizer({ ...tokenizer.toJSON(), repeatedNumbers: 'define' });
    const define = {
      encode: REPEATS.map((text) => ({ text, ids: defining.encode(text, [], true) })),
      render: renders(defining, [...REPEAT_CONVERSATIONS, ...CONVERSATIONS]),
    };
    const greedy = [];
    for (const { ids } of render) {
      const { completions } = await backbone.sample({
        promptIds: ids,
        n: 1,
        sampling: { temperature: 0, maxTokens: 48 },
      });
      const completion = completions[0];
      if (!completion) throw new Error('no completion');
      greedy.push({ promptIds: ids, ...completion });
    }
    return { model: GOLDEN_MODEL, encode, render, define, greedy };
  } finally {
    await backbone.close();
  }
}
