/**
 * Words, bytes and number pointers. Each number in a sequence becomes a pointer token `<Nk>` (k in order of first
 * appearance); its first occurrence carries its characters once (`<Nk>` chars `<end_num>`), later copies are the
 * pointer alone. So the model copies a 7-digit operand with one token, and ids alone decode back to the exact text.
 */
export const BYTE_TOKENS = 256;
export const IM_START = 256;
export const IM_END = 257;
export const END_OF_TEXT = 258;
export const END_NUMBER = 259;
export const FIRST_POINTER = 260;

const SPECIAL_TEXT: Record<number, string> = {
  [IM_START]: '<|im_start|>',
  [IM_END]: '<|im_end|>',
  [END_OF_TEXT]: '<|endoftext|>',
};

const PIECE = /\d+(?:\.\d+)?(?:e[+-]\d+)?| ?[A-Za-z]+| +|\n|[^\n]/gu;
const NUMBER = /^\d/;

export interface TokenizerData {
  /** Number of pointer tokens `<N1>`…`<NP>`. */
  pointers: number;
  /** Multi-character pieces (words with or without a leading space, space runs, punctuation). */
  words: string[];
}

const encoder = new TextEncoder();

/** A pointer table: the numbers defined so far in a sequence, in order. */
export type NumberTable = string[];

export class TinyTokenizer {
  readonly pointers: number;
  readonly words: readonly string[];
  readonly vocabSize: number;
  private readonly firstWord: number;
  private readonly wordIds: Map<string, number>;

  constructor(data: TokenizerData) {
    this.pointers = data.pointers;
    this.words = data.words;
    this.firstWord = FIRST_POINTER + data.pointers;
    this.wordIds = new Map(data.words.map((word, index) => [word, this.firstWord + index]));
    this.vocabSize = this.firstWord + data.words.length;
  }

  toJSON(): TokenizerData {
    return { pointers: this.pointers, words: [...this.words] };
  }

  isPointer(id: number): boolean {
    return id >= FIRST_POINTER && id < FIRST_POINTER + this.pointers;
  }

  /** Encodes `text`, defining and referring to numbers through `table` (which it extends). */
  encode(text: string, table: NumberTable): number[] {
    const ids: number[] = [];
    for (const match of text.matchAll(PIECE)) {
      const piece = match[0];
      if (NUMBER.test(piece)) {
        const known = table.indexOf(piece);
        if (known >= 0) {
          ids.push(FIRST_POINTER + known);
          continue;
        }
        if (table.length < this.pointers) {
          ids.push(FIRST_POINTER + table.length, ...encoder.encode(piece), END_NUMBER);
          table.push(piece);
          continue;
        }
      }
      const id = this.wordIds.get(piece);
      if (id !== undefined) ids.push(id);
      else if (piece.startsWith(' ') && this.wordIds.has(piece.slice(1)))
        ids.push(32, this.wordIds.get(piece.slice(1)) as number);
      else ids.push(...encoder.encode(piece));
    }
    return ids;
  }

  /** The pointer table a sequence of ids defines. */
  tableOf(ids: readonly number[]): NumberTable {
    const decoder = this.decoder([]);
    for (const id of ids) decoder.push(id);
    return decoder.table;
  }

  /** A streaming decoder: `push(id)` returns that token's text; pointers resolve through the table. */
  decoder(table: NumberTable): TokenDecoder {
    return new TokenDecoder(this, [...table]);
  }

  tokenText(id: number): string {
    if (id < BYTE_TOKENS) return String.fromCharCode(id);
    if (SPECIAL_TEXT[id]) return SPECIAL_TEXT[id];
    if (id === END_NUMBER) return '';
    if (this.isPointer(id)) return `<N${id - FIRST_POINTER + 1}>`;
    return this.words[id - this.firstWord] ?? '';
  }
}

export class TokenDecoder {
  readonly table: NumberTable;
  private readonly tokenizer: TinyTokenizer;
  private readonly bytes = new TextDecoder('utf-8', { fatal: false });
  /** While a number's definition is being read: its pointer index and characters so far. */
  private defining: { index: number; text: string } | undefined;

  constructor(tokenizer: TinyTokenizer, table: NumberTable) {
    this.tokenizer = tokenizer;
    this.table = table;
  }

  push(id: number): string {
    if (this.defining) {
      if (id === END_NUMBER) {
        this.table[this.defining.index] = this.defining.text;
        this.defining = undefined;
        return '';
      }
      if (id < BYTE_TOKENS) {
        const piece = this.bytes.decode(Uint8Array.of(id), { stream: true });
        this.defining.text += piece;
        return piece;
      }
      // A definition cut short by another token: keep what was written.
      this.table[this.defining.index] = this.defining.text;
      this.defining = undefined;
    }
    if (this.tokenizer.isPointer(id)) {
      const index = id - FIRST_POINTER;
      const known = this.table[index];
      if (known !== undefined) return known;
      this.defining = { index, text: '' };
      return '';
    }
    if (id < BYTE_TOKENS) return this.bytes.decode(Uint8Array.of(id), { stream: true });
    return this.tokenizer.tokenText(id);
  }
}

/** The multi-character pieces worth a token of their own: frequent words of the corpus, plus space runs. */
export function buildWordList(options: {
  texts: readonly string[];
  minCount: number;
  always: readonly string[];
}): string[] {
  const counts = new Map<string, number>();
  for (const text of options.texts) {
    for (const match of text.matchAll(PIECE)) {
      const piece = match[0];
      if (piece.length < 2 || NUMBER.test(piece)) continue;
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
  const words = new Set(options.always);
  for (let run = 2; run <= 12; run++) words.add(' '.repeat(run));
  for (const [piece, count] of [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    if (count >= options.minCount) words.add(piece);
  }
  return [...words];
}
