import type { DecoderSnapshot } from './transformer.ts';

/**
 * Decoder states kept between sample calls, keyed by the tokens read: the other completions of a group and the
 * later turns of an episode start from them instead of reading their prompt again. Least recently used go first.
 */
export class PrefixCache {
  private entries: { tokens: readonly number[]; snapshot: DecoderSnapshot; bytes: number }[] = [];
  private bytes = 0;
  hits = 0;
  tokensSkipped = 0;

  constructor(private readonly budgetBytes: number) {}

  /** The longest cached state whose tokens begin `prompt`. */
  longest(prompt: readonly number[]): DecoderSnapshot | undefined {
    let best = -1;
    for (let index = 0; index < this.entries.length; index++) {
      const { tokens } = this.entries[index] as { tokens: readonly number[] };
      if (tokens.length > prompt.length) continue;
      if (best >= 0 && tokens.length <= (this.entries[best]?.tokens.length ?? 0)) continue;
      let same = true;
      for (let position = tokens.length - 1; position >= 0; position--)
        if (tokens[position] !== prompt[position]) {
          same = false;
          break;
        }
      if (same) best = index;
    }
    if (best < 0) return undefined;
    const [entry] = this.entries.splice(best, 1);
    if (!entry) return undefined;
    this.entries.push(entry);
    this.hits += 1;
    this.tokensSkipped += entry.tokens.length;
    return entry.snapshot;
  }

  add(tokens: readonly number[], snapshot: DecoderSnapshot): void {
    const bytes = 4 * (snapshot.keys.reduce((sum, keys) => sum + 2 * keys.length, 0) + snapshot.logits.length);
    if (bytes > this.budgetBytes) return;
    this.entries.push({ tokens, snapshot, bytes });
    this.bytes += bytes;
    while (this.bytes > this.budgetBytes) this.bytes -= this.entries.shift()?.bytes ?? 0;
  }

  clear(): void {
    this.entries = [];
    this.bytes = 0;
  }
}
