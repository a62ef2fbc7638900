/**
 * Words, bytes and number pointers. Each number in a sequence becomes a pointer token `<Nk>` (k in order of first
 * appearance); its first occurrence carries its characters once (`<Nk>` chars `<end_num>`), later copies are the
 * pointer alone. So the model copies a 7-digit operand with one token, and ids alone decode back to the exact text.
 * With `repeatedNumbers: 'define'`, a number met again outside the assistant's text defines a pointer of its own
 * (chars and all), so a question that says 987 twice reads like one that names two numbers.
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
  /**
   * How a number already in the table is written in text the caller marks as input (prompts, tool output):
   * `copy` (the default) as its pointer alone; `define` as a new pointer with its characters. Text not so marked
   * (the assistant's) always copies: the k-th copy of a number in it takes the number's k-th pointer.
   */
  repeatedNumbers?: 'copy' | 'define';
}

const encoder = new TextEncoder();

/** A pointer table: the numbers defined so far in a sequence, in order. */
export type NumberTable = string[];

export class TinyTokenizer {
  readonly pointers: number;
  readonly words: readonly string[];
  readonly repeatedNumbers: 'copy' | 'define';
  readonly vocabSize: number;
  private readonly firstWord: number;
  private readonly wordIds: Map<string, number>;

  constructor(data: TokenizerData) {
    this.pointers = data.pointers;
    this.words = data.words;
    this.repeatedNumbers = data.repeatedNumbers ?? 'copy';
    this.firstWord = FIRST_POINTER + data.pointers;
    this.wordIds = new Map(data.words.map((word, index) => [word, this.firstWord + index]));
    this.vocabSize = this.firstWord + data.words.length;
  }

  toJSON(): TokenizerData {
    const data: TokenizerData = { pointers: this.pointers, words: [...this.words] };
    if (this.repeatedNumbers !== 'copy') data.repeatedNumbers = this.repeatedNumbers;
    return data;
  }

  isPointer(id: number): boolean {
    return id >= FIRST_POINTER && id < FIRST_POINTER + this.pointers;
  }

  /**
   * Encodes `text`, defining and referring to numbers through `table` (which it extends). `input` marks text the
   * model reads rather than writes (every message but the assistant's); it matters under `repeatedNumbers: 'define'`.
   */
  encode(text: string, table: NumberTable, input = false): number[] {
    const defineRepeats = input && this.repeatedNumbers === 'define';
    const uses = new Map<string, number>();
    const ids: number[] = [];
    for (const match of text.matchAll(PIECE)) {
      const piece = match[0];
      if (NUMBER.test(piece)) {
        const known = defineRepeats && table.length < this.pointers ? -1 : this.pointerFor(piece, table, uses);
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

  /**
   * The pointer a copy of `piece` refers to (-1: none yet). Under `define` a number may hold several pointers; the
   * k-th copy in one text takes the k-th of them (the last once they run out), as a call copies a question's
   * operands in order.
   */
  private pointerFor(piece: string, table: NumberTable, uses: Map<string, number>): number {
    const first = table.indexOf(piece);
    if (first < 0 || this.repeatedNumbers === 'copy') return first;
    const use = uses.get(piece) ?? 0;
    uses.set(piece, use + 1);
    let index = first;
    for (let k = 0; k < use; k++) {
      const next = table.indexOf(piece, index + 1);
      if (next < 0) break;
      index = next;
    }
    return index;
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
